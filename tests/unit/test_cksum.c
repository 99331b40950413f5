/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the Internet checksum (include/pinhole/cksum.h): RFC 1071
 * full computation and RFC 1624 incremental update, against a naive
 * one-word-at-a-time reference written here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/cksum.h>
#include <pinhole/packet.h>

#include "pkt/pkt_cksum.h"

/* ---- reference and helpers --------------------------------------------- */

static uint32_t ref_sum(const uint8_t *p, size_t len) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < len; i += 2) {
    s += (uint32_t)p[i] << 8 | p[i + 1];
    s = (s & 0xffff) + (s >> 16);
  }
  if (len & 1) {
    s += (uint32_t)p[len - 1] << 8;
    s = (s & 0xffff) + (s >> 16);
  }
  return s; /* folded, 0..0xffff */
}

static uint16_t ref_cksum(const uint8_t *p, size_t len) {
  return (uint16_t)~ref_sum(p, len);
}

static uint16_t fold(uint32_t s) {
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint16_t)s;
}

static uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

/* xorshift64 (Marsaglia), fixed seed: reproducible runs. */
static uint64_t xs_next(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *s = x;
  return x;
}

/* RFC 1624 eqn. 2, HC' = HC - ~m - m' (one's complement subtraction),
 * kept here only to show the -0 result that eqn. 3 avoids. */
static uint16_t oc_sub(uint16_t a, uint16_t b) {
  return fold((uint32_t)a + (uint16_t)~b);
}

static uint16_t eqn2(uint16_t hc, uint16_t m, uint16_t m2) {
  return oc_sub(oc_sub(hc, (uint16_t)~m), m2);
}

/* ---- RFC 1071 ----------------------------------------------------------- */

static void test_cksum_rfc1071_example(void **state) {
  (void)state;
  /* RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2. */
  static const uint8_t b[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  assert_int_equal(fold(pinhole_cksum_add(0, b, sizeof(b))), 0xddf2);
  assert_int_equal(pinhole_cksum(b, sizeof(b)), 0x220d);
  assert_int_equal(pinhole_cksum_finish(0x2ddf0), 0x220d);
  /* Byte-swapped input gives the byte-swapped sum (section 2(B)). */
  static const uint8_t sw[8] = {0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6};
  assert_int_equal(fold(pinhole_cksum_add(0, sw, sizeof(sw))), 0xf2dd);
}

static void test_cksum_ipv4_header_example(void **state) {
  (void)state;
  /* A real IPv4 header (checksum b861 at bytes 10-11). */
  uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                   0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  assert_int_equal(pinhole_cksum(h, sizeof(h)), 0xb861);
  put16(h + 10, 0xb861);
  assert_int_equal(pinhole_cksum(h, sizeof(h)), 0);
}

static void test_cksum_odd_lengths(void **state) {
  (void)state;
  static const uint8_t one[1] = {0xab};
  assert_int_equal(pinhole_cksum_add(0, one, 1), 0xab00);
  assert_int_equal(pinhole_cksum(one, 1), 0x54ff);
  static const uint8_t three[3] = {0x01, 0x02, 0x03};
  assert_int_equal(fold(pinhole_cksum_add(0, three, 3)), 0x0402);
  assert_int_equal(pinhole_cksum(three, 3), 0xfbfd);
  assert_int_equal(pinhole_cksum_add(0x1234, NULL, 0), 0x1234);
  assert_int_equal(pinhole_cksum(one, 0), 0xffff);
}

static void test_cksum_all_lengths_and_alignments(void **state) {
  (void)state;
  uint8_t buf[600];
  uint64_t seed = 0x9e3779b97f4a7c15u;
  for (size_t i = 0; i < sizeof(buf); i++)
    buf[i] = (uint8_t)xs_next(&seed);
  for (size_t align = 0; align < 8; align++)
    for (size_t len = 0; len + align <= 520; len++)
      assert_int_equal(pinhole_cksum(buf + align, len),
                       ref_cksum(buf + align, len));
  /* All ones: every word is -0; carries must not be lost. */
  memset(buf, 0xff, sizeof(buf));
  for (size_t len = 0; len <= sizeof(buf); len++)
    assert_int_equal(fold(pinhole_cksum_add(0, buf, len)), ref_sum(buf, len));
}

static void test_cksum_large_buffer_no_overflow(void **state) {
  (void)state;
  /* Crosses the 1 MiB chunk boundary of the fast path twice. */
  size_t len = ((size_t)1 << 21) + 38;
  uint8_t *b = malloc(len + 1);
  assert_non_null(b);
  memset(b, 0xff, len + 1);
  b[len - 1] = 0xfe;
  assert_int_equal(pinhole_cksum(b, len), ref_cksum(b, len));
  assert_int_equal(pinhole_cksum(b, len + 1), ref_cksum(b, len + 1));
  /* Running sum near 2^32 must carry around, not wrap. */
  assert_int_equal(fold(pinhole_cksum_add(0xffffffffu, b, len)),
                   fold((uint32_t)fold(0xffffffffu) + ref_sum(b, len)));
  free(b);
}

static void test_cksum_chained_regions(void **state) {
  (void)state;
  uint8_t b[257];
  uint64_t seed = 42;
  for (size_t i = 0; i < sizeof(b); i++)
    b[i] = (uint8_t)xs_next(&seed);
  for (size_t cut = 0; cut <= sizeof(b); cut += 2) {
    uint32_t s = pinhole_cksum_add(0, b, cut);
    s = pinhole_cksum_add(s, b + cut, sizeof(b) - cut);
    assert_int_equal(pinhole_cksum_finish(s), ref_cksum(b, sizeof(b)));
  }
}

/* ---- RFC 1624 ----------------------------------------------------------- */

static void test_cksum_rfc1624_eqn3_avoids_minus_zero(void **state) {
  (void)state;
  /* RFC 1624 section 4: the other header words sum to 0xcd7a, a field
   * changes from 0x5555 to 0x3285. Build such a header for real. */
  uint8_t h[20] = {0};
  put16(h + 0, 0xcd7a); /* all other words */
  put16(h + 4, 0x5555); /* the field */
  put16(h + 10, pinhole_cksum(h, sizeof(h)));
  assert_int_equal(get16(h + 10), 0xdd2f);

  uint16_t e3 = pinhole_cksum_update16(0xdd2f, 0x5555, 0x3285);
  uint16_t e2 = eqn2(0xdd2f, 0x5555, 0x3285);
  put16(h + 4, 0x3285);
  put16(h + 10, 0);
  uint16_t full = pinhole_cksum(h, sizeof(h));
  assert_int_equal(full, 0x0000);
  assert_int_equal(e3, 0x0000); /* eqn. 3 equals the recomputation */
  assert_int_equal(e2, 0xffff); /* eqn. 2 gives -0 */
  put16(h + 10, e3);
  assert_int_equal(pinhole_cksum(h, sizeof(h)), 0);
}

static void test_cksum_update_corner_values(void **state) {
  (void)state;
  /* 0x0000 and 0xFFFF are both zero in one's complement: swapping one for
   * the other leaves a (non-degenerate) checksum unchanged. */
  assert_int_equal(pinhole_cksum_update16(0x1234, 0x0000, 0xffff), 0x1234);
  assert_int_equal(pinhole_cksum_update16(0x1234, 0xffff, 0x0000), 0x1234);
  /* No change, no change in the checksum, for every checksum value but the
   * all-zero-data one. */
  for (uint32_t c = 0; c < 0xffff; c++)
    assert_int_equal(pinhole_cksum_update16((uint16_t)c, 0xabcd, 0xabcd), c);
  /* Results are computed on real buffers for the corners. */
  static const uint16_t vals[] = {0x0000, 0x0001, 0x7fff,
                                  0x8000, 0xfffe, 0xffff};
  for (size_t i = 0; i < 6; i++)
    for (size_t j = 0; j < 6; j++)
      for (size_t k = 0; k < 6; k++) {
        uint8_t b[8];
        put16(b, 0x4500); /* a non-zero word, like an IP header */
        put16(b + 2, vals[i]);
        put16(b + 4, vals[j]); /* the field */
        put16(b + 6, 0);
        put16(b + 6, pinhole_cksum(b, 8));
        uint16_t hc = get16(b + 6);
        put16(b + 4, vals[k]);
        put16(b + 6, 0);
        assert_int_equal(pinhole_cksum_update16(hc, vals[j], vals[k]),
                         ref_cksum(b, 8));
      }
}

static void test_cksum_update32_address(void **state) {
  (void)state;
  /* Rewriting the source address of an IPv4 header. */
  uint8_t h[20] = {0x45, 0x00, 0x00, 0x54, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x01,
                   0x00, 0x00, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x01, 0x02};
  put16(h + 10, ref_cksum(h, 20));
  uint16_t hc = get16(h + 10);
  uint32_t old_a = get32(h + 12), new_a = 0xc2fa01ed; /* 194.250.1.237 */
  put32(h + 12, new_a);
  uint16_t upd = pinhole_cksum_update32(hc, old_a, new_a);
  put16(h + 10, 0);
  assert_int_equal(upd, ref_cksum(h, 20));
  /* Same as two 16-bit updates. */
  assert_int_equal(
      upd, pinhole_cksum_update16(pinhole_cksum_update16(hc, 0xc612, 0xc2fa),
                                  0x0001, 0x01ed));
  assert_int_equal(pinhole_cksum_update32(hc, old_a, old_a), hc);
}

/* ---- UDP zero checksum --------------------------------------------------- */

/* 20-byte IP header + UDP 1234 -> 53 with 2 data bytes chosen so that the
 * computed UDP checksum is 0 (sum of everything else is 0xffff). */
static size_t mk_udp_zero_sum(uint8_t *b) {
  memset(b, 0, 30);
  b[0] = 0x45;
  put16(b + 2, 30);
  b[8] = 64;
  b[9] = 17;
  put32(b + 12, 0xc6120001);
  put32(b + 16, 0xc6120102);
  put16(b + 10, ref_cksum(b, 20));
  put16(b + 20, 1234);
  put16(b + 22, 53);
  put16(b + 24, 10);
  uint8_t ph[12];
  memcpy(ph, b + 12, 8);
  ph[8] = 0;
  ph[9] = 17;
  put16(ph + 10, 10);
  uint32_t s = ref_sum(ph, 12) + ref_sum(b + 20, 10);
  put16(b + 28, (uint16_t)~fold(s)); /* makes the total exactly 0xffff */
  return 30;
}

static void test_cksum_udp_zero_checksum(void **state) {
  (void)state;
  uint8_t b[32];
  size_t n = mk_udp_zero_sum(b);
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(b, n, &v), PINHOLE_PKT_OK);
  assert_true(v.flags & PINHOLE_PKTF_UDP_NOCSUM);
  /* Zero means "no checksum": verifies, and fix leaves it alone. */
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
  assert_int_equal(pinhole_pkt_fix_cksums(b, &v), 0);
  assert_int_equal(get16(b + 26), 0x0000);
  /* With a checksum present, a computed 0 is stored as 0xffff (RFC 768). */
  put16(b + 26, 0x1111);
  assert_int_equal(pinhole_pkt_parse(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 0);
  assert_int_equal(pinhole_pkt_fix_cksums(b, &v), 0);
  assert_int_equal(get16(b + 26), 0xffff);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
  /* Incremental: a port change from this state, with UDP's 0 -> 0xffff
   * mapping, matches a full recomputation; and one landing on a computed
   * 0 yields 0 from eqn. 3, which the caller maps to 0xffff. */
  uint16_t c = pinhole_cksum_update16(0xffff, 53, 54);
  put16(b + 22, 54);
  assert_int_equal(pinhole_pkt_parse(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(pinhole_pkt_fix_cksums(b, &v), 0);
  assert_int_equal(c, get16(b + 26));
  uint16_t back = pinhole_cksum_update16(c, 54, 53);
  assert_int_equal(back, 0x0000);
}

/* ---- randomized: incremental == full ----------------------------------- */

static void test_cksum_random_incremental_vs_full(void **state) {
  (void)state;
  uint64_t seed = 0x2545f4914f6cdd1du;
  uint8_t b[1600];
  for (int iter = 0; iter < 12000; iter++) {
    size_t len = 20 + (size_t)(xs_next(&seed) % 1480);
    len &= ~(size_t)1; /* fields are 16-bit aligned in an even buffer */
    for (size_t i = 0; i < len; i++)
      b[i] = (uint8_t)xs_next(&seed);
    b[0] = 0x45; /* never all-zero data (as in any real header) */
    int udp = (iter & 3) == 0;
    size_t cf = 2 + 2 * (size_t)(xs_next(&seed) % ((len - 2) / 2));
    put16(b + cf, 0);
    uint16_t c = ref_cksum(b, len);
    if (udp && c == 0)
      c = 0xffff;
    put16(b + cf, c);
    assert_int_equal(pinhole_cksum(b, len), 0);
    int rewrites = 1 + (int)(xs_next(&seed) % 6);
    for (int r = 0; r < rewrites; r++) {
      size_t off;
      do
        off = 2 + 2 * (size_t)(xs_next(&seed) % ((len - 4) / 2));
      while (off == cf || off + 2 == cf);
      uint64_t x = xs_next(&seed);
      if (x & 1) { /* 32-bit field */
        uint32_t nv = (uint32_t)(x >> 32);
        if ((x & 6) == 0)
          nv = (x & 8) ? 0xffffffffu : 0; /* corner values */
        c = pinhole_cksum_update32(c, get32(b + off), nv);
        put32(b + off, nv);
      } else {
        uint16_t nv = (uint16_t)(x >> 16);
        if ((x & 6) == 0)
          nv = (x & 8) ? 0xffff : 0;
        c = pinhole_cksum_update16(c, get16(b + off), nv);
        put16(b + off, nv);
      }
      if (udp && c == 0)
        c = 0xffff;
    }
    put16(b + cf, 0);
    uint16_t full = ref_cksum(b, len);
    if (udp && full == 0)
      full = 0xffff;
    assert_int_equal(c, full);
    assert_int_equal(pinhole_cksum(b, len), ref_cksum(b, len));
    put16(b + cf, c);
    assert_int_equal(pinhole_cksum(b, len), 0);
  }
}

/* ---- pinhole_pkt_fix_all_cksums ----------------------------------------- */

/* Packets from examples/captures/, checksums as the Linux kernel of the
 * recording host computed them (offloads off): the FTP PORT command of
 * ftp-active.pcap (TCP with timestamps), the first datagram of udp.pcap,
 * the first echo request of ping.pcap. */
static const uint8_t cap_tcp[] = {
    0x45, 0x00, 0x00, 0x4d, 0xc7, 0xdc, 0x40, 0x00, 0x40, 0x06, 0xe6,
    0xa4, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x13, 0x00, 0x02, 0xc8, 0x42,
    0x00, 0x15, 0x43, 0xb0, 0x49, 0x40, 0xe4, 0xba, 0xce, 0x38, 0x80,
    0x18, 0x00, 0x3f, 0xd8, 0x15, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,
    0x27, 0x93, 0xbb, 0x11, 0x98, 0xc3, 0xf7, 0x12, 'P',  'O',  'R',
    'T',  ' ',  '1',  '9',  '8',  ',',  '1',  '8',  ',',  '0',  ',',
    '2',  ',',  '1',  '6',  '0',  ',',  '2',  '4',  '7',  '\r', '\n'};
static const uint8_t cap_udp[] = {
    0x45, 0x00, 0x00, 0x22, 0x18, 0x56, 0x40, 0x00, 0x40, 0x11, 0x96, 0x4b,
    0xc6, 0x12, 0x00, 0x02, 0xc6, 0x13, 0x00, 0x02, 0xa0, 0x28, 0x13, 0x88,
    0x00, 0x0e, 0xc0, 0xf6, 'p',  'i',  'n',  'g',  ' ',  '0'};
static const uint8_t cap_icmp_head[] = {
    0x45, 0x00, 0x00, 0x54, 0x65, 0xbc, 0x40, 0x00, 0x40, 0x01, 0x48,
    0xc3, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x13, 0x00, 0x02, 0x08, 0x00,
    0xb5, 0x6d, 0x26, 0x32, 0x00, 0x01, 0x2d, 0x32, 0x02, 0x6b, 0x00,
    0x00, 0x00, 0x00, 0x20, 0xef, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00};

/* The echo request: its header, then the bytes 0x10..0x37. */
static size_t mk_cap_icmp(uint8_t *b) {
  memcpy(b, cap_icmp_head, sizeof(cap_icmp_head));
  for (size_t i = 0; i < 40; i++)
    b[sizeof(cap_icmp_head) + i] = (uint8_t)(0x10 + i);
  return sizeof(cap_icmp_head) + 40;
}

static void test_cksum_fix_all_keeps_right_ones(void **state) {
  (void)state;
  uint8_t b[128];
  memcpy(b, cap_tcp, sizeof(cap_tcp));
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_tcp)), 0);
  assert_memory_equal(b, cap_tcp, sizeof(cap_tcp));
  memcpy(b, cap_udp, sizeof(cap_udp));
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_udp)), 0);
  assert_memory_equal(b, cap_udp, sizeof(cap_udp));
  uint8_t want[128];
  size_t n = mk_cap_icmp(want);
  memcpy(b, want, n);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, n), 0);
  assert_memory_equal(b, want, n);
}

/* Checksums zeroed or wrong, as a capture taken on the sending host with
 * checksum offload shows them: back to the kernel's bytes. */
static void test_cksum_fix_all_restores_offloaded(void **state) {
  (void)state;
  uint8_t b[128];
  memcpy(b, cap_tcp, sizeof(cap_tcp));
  put16(b + 10, 0);
  put16(b + 36, 0x1c2d); /* a pseudo-header sum, as offload leaves it */
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_tcp)), 2);
  assert_int_equal(get16(b + 10), 0xe6a4);
  assert_int_equal(get16(b + 36), 0xd815);
  assert_memory_equal(b, cap_tcp, sizeof(cap_tcp));
  /* only the L4 one wrong */
  put16(b + 36, 0);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_tcp)), 1);
  assert_int_equal(get16(b + 36), 0xd815);

  memcpy(b, cap_udp, sizeof(cap_udp));
  put16(b + 10, 0xffff);
  put16(b + 26, 0x0001);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_udp)), 2);
  assert_int_equal(get16(b + 10), 0x964b);
  assert_int_equal(get16(b + 26), 0xc0f6);

  uint8_t want[128];
  size_t n = mk_cap_icmp(want);
  memcpy(b, want, n);
  put16(b + 22, 0);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, n), 1);
  assert_int_equal(get16(b + 22), 0xb56d);
  assert_int_equal(get16(b + 10), 0x48c3);
}

/* What the replay does: the source rewritten to 198.19.0.7 and the port
 * (echo id) changed, checksums left stale, so pinhole_pkt_parse refuses
 * the packet; fix_all makes it whole. Expected bytes computed apart (a
 * Python RFC 1071 sum). */
static void test_cksum_fix_all_after_rewrite(void **state) {
  (void)state;
  uint8_t b[128];
  pinhole_pkt_view v;
  memcpy(b, cap_tcp, sizeof(cap_tcp));
  put32(b + 12, 0xc6130007);
  put16(b + 20, 2000);
  assert_int_equal(pinhole_pkt_parse(b, sizeof(cap_tcp), &v),
                   PINHOLE_PKT_IP_CKSUM);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_tcp)), 2);
  assert_int_equal(get16(b + 10), 0xe69e);
  assert_int_equal(get16(b + 36), 0x9882);
  assert_int_equal(pinhole_pkt_parse(b, sizeof(cap_tcp), &v), PINHOLE_PKT_OK);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);

  memcpy(b, cap_udp, sizeof(cap_udp));
  put32(b + 12, 0xc6130007);
  put16(b + 20, 2000);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_udp)), 2);
  assert_int_equal(get16(b + 10), 0x9645);
  assert_int_equal(get16(b + 26), 0x5949);

  size_t n = mk_cap_icmp(b);
  put32(b + 12, 0xc6130007);
  put16(b + 24, 0x1234);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, n), 2);
  assert_int_equal(get16(b + 10), 0x48bd);
  assert_int_equal(get16(b + 22), 0xc96b);
  /* trailing bytes (Ethernet padding) are neither summed nor touched */
  memcpy(b, cap_udp, sizeof(cap_udp));
  memset(b + sizeof(cap_udp), 0xee, 12);
  put16(b + 26, 0x4321);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_udp) + 12), 1);
  assert_int_equal(get16(b + 26), 0xc0f6);
  for (size_t i = 0; i < 12; i++)
    assert_int_equal(b[sizeof(cap_udp) + i], 0xee);
}

static void test_cksum_fix_all_udp_zero(void **state) {
  (void)state;
  uint8_t b[64];
  /* "no checksum" stays so, whatever else changed */
  memcpy(b, cap_udp, sizeof(cap_udp));
  put16(b + 26, 0);
  put32(b + 12, 0xc6130007);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_udp)), 1);
  assert_int_equal(get16(b + 10), 0x9645);
  assert_int_equal(get16(b + 26), 0x0000);
  /* a computed zero is sent as all ones (RFC 768) */
  size_t n = mk_udp_zero_sum(b);
  put16(b + 26, 0x1111);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, n), 1);
  assert_int_equal(get16(b + 26), 0xffff);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, n), 0);
}

/* A fragment gets its header checksum only: the L4 one covers the whole
 * datagram. So does a protocol without a checksum the library knows. */
static void test_cksum_fix_all_fragment_and_other(void **state) {
  (void)state;
  uint8_t b[64];
  memcpy(b, cap_udp, sizeof(cap_udp));
  put16(b + 6, 0x2000); /* MF: a first fragment */
  put16(b + 26, 0x1111);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_udp)), 1);
  assert_int_equal(get16(b + 10), 0xb64b);
  assert_int_equal(get16(b + 26), 0x1111);
  put16(b + 6, 0x0003); /* offset 24, and its L4 bytes are just data */
  put16(b + 24, 0x9999);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_udp)), 1);
  assert_int_equal(get16(b + 10), 0xd648);
  assert_int_equal(get16(b + 26), 0x1111);
  memcpy(b, cap_udp, sizeof(cap_udp));
  b[9] = 47; /* GRE */
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_udp)), 1);
  assert_int_equal(get16(b + 10), 0x962d);
  assert_int_equal(get16(b + 26), 0xc0f6);
}

/* An IP header with options: the checksum covers all of it, and the L4
 * header starts after it. */
static void test_cksum_fix_all_ip_options(void **state) {
  (void)state;
  uint8_t b[128], ref[128];
  memcpy(b, cap_udp, 20);
  b[0] = 0x46;
  put16(b + 2, (uint16_t)(sizeof(cap_udp) + 4));
  b[20] = 0x94; /* router alert (RFC 2113) */
  b[21] = 4;
  b[22] = 0;
  b[23] = 0;
  memcpy(b + 24, cap_udp + 20, sizeof(cap_udp) - 20);
  size_t n = sizeof(cap_udp) + 4;
  put16(b + 10, 0);
  put16(b + 30, 0x1234);
  memcpy(ref, b, n);
  put16(ref + 10, ref_cksum(ref, 24));
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, n), 2);
  assert_int_equal(get16(b + 10), get16(ref + 10));
  assert_int_equal(get16(b + 10), 0x0143);
  assert_int_equal(get16(b + 30), 0xc0f6); /* options are not in the sum */
}

/* Hostile structure: every cut, lengths that lie, wrong versions. Nothing
 * is written when the answer is PINHOLE_ERR_PARSE. */
static void test_cksum_fix_all_refuses_broken(void **state) {
  (void)state;
  uint8_t b[128];
  assert_int_equal(pinhole_pkt_fix_all_cksums(NULL, 20),
                   PINHOLE_ERR_INVALID_ARG);
  for (size_t cut = 0; cut < sizeof(cap_tcp); cut++) {
    memcpy(b, cap_tcp, sizeof(cap_tcp));
    put16(b + 10, 0);
    put16(b + 36, 0);
    assert_int_equal(pinhole_pkt_fix_all_cksums(b, cut), PINHOLE_ERR_PARSE);
    assert_int_equal(get16(b + 10), 0);
    assert_int_equal(get16(b + 36), 0);
  }
  static const struct {
    size_t off;
    uint16_t val;
  } lies[] = {
      {0, 0x6500},              /* version 6 */
      {0, 0x4400},              /* IHL 4 */
      {0, 0x4f00},              /* IHL 15: 60 bytes, more than the packet */
      {2, 19},                  /* total length below the header */
      {2, sizeof(cap_udp) + 1}, /* total length past the buffer */
      {24, 9},                  /* UDP length says more than IP */
      {24, 7},                  /* UDP length below its header */
      {2, 27},                  /* UDP header cut by the IP length */
  };
  for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
    memcpy(b, cap_udp, sizeof(cap_udp));
    put16(b + 10, 0x5555);
    put16(b + lies[i].off, lies[i].val);
    uint8_t before[64];
    memcpy(before, b, sizeof(cap_udp));
    assert_int_equal(pinhole_pkt_fix_all_cksums(b, sizeof(cap_udp)),
                     PINHOLE_ERR_PARSE);
    assert_memory_equal(b, before, sizeof(cap_udp));
  }
  /* TCP shorter than its fixed header, ICMP shorter than 8 bytes */
  memcpy(b, cap_tcp, 20);
  put16(b + 2, 39);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, 39), PINHOLE_ERR_PARSE);
  size_t n = mk_cap_icmp(b);
  (void)n;
  put16(b + 2, 27);
  assert_int_equal(pinhole_pkt_fix_all_cksums(b, 27), PINHOLE_ERR_PARSE);
  put16(b + 2, 28);
  assert_true(pinhole_pkt_fix_all_cksums(b, 28) >= 1);
}

/* One checksum path: on random valid packets, fix_all and the parse +
 * fix_cksums route give the same bytes, and both verify. */
static void test_cksum_fix_all_equals_fix_cksums(void **state) {
  (void)state;
  uint64_t seed = 0x9e3779b97f4a7c15u;
  static const uint8_t protos[] = {PINHOLE_IPPROTO_TCP, PINHOLE_IPPROTO_UDP,
                                   PINHOLE_IPPROTO_ICMP};
  uint8_t a[1600], b[1600];
  for (int iter = 0; iter < 3000; iter++) {
    uint8_t proto = protos[iter % 3];
    size_t hl = proto == PINHOLE_IPPROTO_TCP ? 20 : 8;
    size_t len = 20 + hl + (size_t)(xs_next(&seed) % 1400);
    for (size_t i = 0; i < len; i++)
      a[i] = (uint8_t)xs_next(&seed);
    a[0] = 0x45;
    put16(a + 2, (uint16_t)len);
    put16(a + 6, 0x4000); /* DF, not a fragment */
    a[8] = 64;
    a[9] = proto;
    put32(a + 12, 0xc6120001u + (uint32_t)(xs_next(&seed) % 254));
    put32(a + 16, 0xc6130001u + (uint32_t)(xs_next(&seed) % 254));
    uint8_t *l4 = a + 20;
    if (proto == PINHOLE_IPPROTO_TCP) {
      l4[12] = 0x50;
      l4[13] = PINHOLE_TCP_ACK;
    } else if (proto == PINHOLE_IPPROTO_UDP) {
      put16(l4 + 4, (uint16_t)(len - 20));
    } else {
      l4[0] = 8;
      l4[1] = 0;
    }
    if (proto != PINHOLE_IPPROTO_ICMP) {
      put16(l4, (uint16_t)(1024 + (xs_next(&seed) & 0x7fff)));
      put16(l4 + 2, (uint16_t)(1024 + (xs_next(&seed) & 0x7fff)));
    }
    int r = pinhole_pkt_fix_all_cksums(a, len);
    assert_true(r >= 0 && r <= 2);
    memcpy(b, a, len);
    pinhole_pkt_view v;
    assert_int_equal(pinhole_pkt_parse(b, len, &v), PINHOLE_PKT_OK);
    assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
    assert_int_equal(pinhole_pkt_fix_cksums(b, &v), 0);
    assert_memory_equal(a, b, len);
    assert_int_equal(pinhole_pkt_fix_all_cksums(a, len), 0);
  }
}

/* The established path's update with 32-bit terms (pkt_cksum.h
 * ph_ck_diff32w, ph_ck_apply32w) against the 16-bit one of the changed
 * halves alone (ph_ck_diff16, ph_ck_apply): bit-identical for up to three
 * changed words, a half of a changed word left as it was, and stored
 * checksums 0x0000, 0xffff and their neighbours (RFC 1624's -0 case). */
/* The next old and new 32-bit word of a random update (xorshift64 *rng):
 * unchanged, only one half changed, or (an eighth of the time) old all
 * ones or zeros, and with ends the new one too. */
static void word_pair(uint64_t *rng, uint32_t *old, uint32_t *nw, int ends) {
  uint64_t r = *rng;
  r ^= r << 13;
  r ^= r >> 7;
  r ^= r << 17;
  *rng = r;
  *old = (uint32_t)r;
  *nw = (uint32_t)(r >> 32);
  switch ((r >> 8) & 7) {
  case 0: /* unchanged */
    *nw = *old;
    break;
  case 1: /* only the high half */
    *nw = (*nw & 0xffff0000u) | (*old & 0xffffu);
    break;
  case 2: /* only the low half */
    *nw = (*old & 0xffff0000u) | (*nw & 0xffffu);
    break;
  case 3: /* all ones or zeros */
    *old = (r & 1) ? 0xffffffffu : 0;
    if (ends)
      *nw = (r & 2) ? 0xffffffffu : 0;
    break;
  default:
    break;
  }
}

static void test_cksum_update32w_equals_16bit(void **state) {
  (void)state;
  static const uint16_t cks[] = {0x0000, 0x0001, 0xfffe, 0xffff, 0x8000};
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  unsigned diffs = 0;
  for (int round = 0; round < 200000; round++) {
    uint32_t old[3], nw[3];
    int changed = 0;
    uint32_t d16 = 0;
    uint64_t d32 = 0;
    for (int i = 0; i < 3; i++) {
      word_pair(&rng, &old[i], &nw[i], 0);
      if (nw[i] == old[i])
        continue;
      changed = 1;
      d32 += ph_ck_diff32w(old[i], nw[i]);
      if ((old[i] >> 16) != (nw[i] >> 16))
        d16 += ph_ck_diff16((uint16_t)(old[i] >> 16), (uint16_t)(nw[i] >> 16));
      if ((uint16_t)old[i] != (uint16_t)nw[i])
        d16 += ph_ck_diff16((uint16_t)old[i], (uint16_t)nw[i]);
    }
    if (!changed)
      continue;
    uint16_t ck = round % 3 == 0 ? cks[(rng >> 20) % 5] : (uint16_t)(rng >> 24);
    uint8_t a[2], b[2];
    put16(a, ck);
    put16(b, ck);
    uint16_t ra = ph_ck_apply(a, d16), rb = ph_ck_apply32w(b, d32);
    if (ra != rb)
      fail_msg("ck %04x words %08x->%08x %08x->%08x %08x->%08x: %04x vs %04x",
               ck, old[0], nw[0], old[1], nw[1], old[2], nw[2], ra, rb);
    assert_memory_equal(a, b, 2);
    diffs += ra != ck;
  }
  assert_true(diffs > 100000);
  /* a word changed with its sum unchanged under a stored 0xffff */
  uint8_t a[2], b[2];
  put16(a, 0xffff);
  put16(b, 0xffff);
  assert_int_equal(ph_ck_apply(a, ph_ck_diff16(0x1234, 0x1234 + 1) +
                                      ph_ck_diff16(0x0001, 0x0000)),
                   ph_ck_apply32w(b, ph_ck_diff32w(0x12340001u, 0x12350000u)));
}

/* The established path's update in the packet's own byte order
 * (pkt_cksum.h ph_ck_ne32_of, ph_ck_apply_ne: native loads, 64-bit sum,
 * two rotation folds) against ph_ck_apply32w() on the converted values:
 * the same bytes stored for up to three changed words, halves left as
 * they were, all-ones and zero words, and stored checksums 0x0000, 0xffff
 * and their neighbours. */
static void test_cksum_update_native_order(void **state) {
  (void)state;
  static const uint16_t cks[] = {0x0000, 0x0001, 0xfffe, 0xffff, 0x8000};
  uint64_t rng = 0x2545f4914f6cdd1dull;
  unsigned diffs = 0, zeros = 0;
  for (int round = 0; round < 300000; round++) {
    uint32_t old[3], nw[3];
    int changed = 0;
    uint64_t dh = 0, dn = 0;
    for (int i = 0; i < 3; i++) {
      word_pair(&rng, &old[i], &nw[i], 1);
      if (nw[i] == old[i])
        continue;
      changed = 1;
      uint8_t ob[4];
      uint32_t on;
      put32(ob, old[i]);
      memcpy(&on, ob, sizeof(on));
      dh += ph_ck_diff32w(old[i], nw[i]);
      dn += ph_ck_diff32w(on, ph_ck_ne32_of(nw[i]));
    }
    if (!changed)
      continue;
    uint16_t ck = round % 3 == 0 ? cks[(rng >> 20) % 5] : (uint16_t)(rng >> 24);
    uint8_t a[2], b[2];
    put16(a, ck);
    put16(b, ck);
    uint16_t ra = ph_ck_apply32w(a, dh);
    uint16_t rb = ph_ck_apply_ne(b, dn);
    if (memcmp(a, b, 2) != 0)
      fail_msg("ck %04x words %08x->%08x %08x->%08x %08x->%08x: %04x vs "
               "%02x%02x",
               ck, old[0], nw[0], old[1], nw[1], old[2], nw[2], ra, b[0], b[1]);
    assert_int_equal(ra == 0, rb == 0);
    diffs += ra != ck;
    zeros += ra == 0 || ra == 0xffff;
  }
  assert_true(diffs > 150000);
  assert_true(zeros > 0);
  /* the folds alone: 0 only for 0, all ones kept, the top carries */
  assert_int_equal(ph_ck_fold64(0), 0);
  assert_int_equal(ph_ck_fold64(0xffff), 0xffff);
  assert_int_equal(ph_ck_fold64(0x10000), 1);
  assert_int_equal(ph_ck_fold64(UINT64_C(0xffffffff)), 0xffff);
  assert_int_equal(ph_ck_fold64(UINT64_C(0x100000000)), 1);
  assert_int_equal(ph_ck_fold64(UINT64_C(0xfffffffff)), 0xf); /* 2^36 - 1 */
  assert_int_equal(ph_ck_fold64(UINT64_C(0x1fffe0001)),
                   ph_ck_fold(UINT64_C(0x1fffe0001)));
}

/* The established path's update with 32-bit end-around sums (pkt_cksum.h
 * ph_ck_diff32e, ph_ck_add32, ph_ck_apply_ne32: what ph_udp_established
 * uses) against ph_ck_apply_ne(), its 64-bit form: the same bytes stored
 * for up to three changed words of native loads, halves left as they
 * were, all-ones and zero words, and stored checksums 0x0000, 0xffff and
 * their neighbours; then the carries that only the end-around add takes
 * back. */
static void test_cksum_update_native_eac32(void **state) {
  (void)state;
  static const uint16_t cks[] = {0x0000, 0x0001, 0xfffe, 0xffff, 0x8000};
  uint64_t rng = 0x853c49e6748fea9bull;
  unsigned diffs = 0, carries = 0, zeros = 0;
  for (int round = 0; round < 300000; round++) {
    uint32_t old[3], nw[3];
    int changed = 0;
    uint64_t d64 = 0;
    uint32_t d32 = 0;
    for (int i = 0; i < 3; i++) {
      word_pair(&rng, &old[i], &nw[i], 1);
      if (nw[i] == old[i])
        continue;
      changed = 1;
      d64 += ph_ck_diff32w(old[i], nw[i]);
      uint32_t t = ph_ck_diff32e(old[i], nw[i]);
      carries += (uint64_t)d32 + t > 0xffffffffu;
      d32 = ph_ck_add32(d32, t);
    }
    if (!changed)
      continue;
    uint16_t ck = round % 3 == 0 ? cks[(rng >> 20) % 5] : (uint16_t)(rng >> 24);
    uint8_t a[2], b[2];
    memcpy(a, &ck, 2);
    memcpy(b, &ck, 2);
    uint16_t ra = ph_ck_apply_ne(a, d64);
    uint16_t rb = ph_ck_apply_ne32(b, d32);
    if (memcmp(a, b, 2) != 0 || ra != rb)
      fail_msg("ck %04x words %08x->%08x %08x->%08x %08x->%08x: %04x vs %04x",
               ck, old[0], nw[0], old[1], nw[1], old[2], nw[2], ra, rb);
    diffs += ra != ck;
    zeros += ra == 0;
  }
  assert_true(diffs > 150000);
  assert_true(carries > 10000);
  assert_true(zeros > 0);
  /* the end-around add alone: the carry out comes back, 0 only for 0 */
  assert_int_equal(ph_ck_add32(0, 0), 0);
  assert_int_equal(ph_ck_add32(0xffffffffu, 1), 1);
  assert_int_equal(ph_ck_add32(0x80000000u, 0x80000000u), 1);
  assert_int_equal(ph_ck_add32(0xffffffffu, 0xffffffffu), 0xffffffffu);
  assert_int_equal(ph_ck_diff32e(0x12345678u, 0x12345678u), 0xffffffffu);
  /* a sum whose carry only the end-around add keeps: ~HC 0xffff plus a
   * term 0xffff0001 is 2^32 exactly, 1 after the carry, so HC' = 0xfffe */
  uint8_t c1[2] = {0, 0}, c2[2] = {0, 0};
  assert_int_equal(ph_ck_apply_ne32(c1, 0xffff0001u),
                   ph_ck_apply_ne(c2, 0xffff0001u));
  assert_memory_equal(c1, c2, 2);
  assert_int_equal(c1[0] | c1[1] << 8, 0xfffe);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cksum_rfc1071_example),
      cmocka_unit_test(test_cksum_ipv4_header_example),
      cmocka_unit_test(test_cksum_odd_lengths),
      cmocka_unit_test(test_cksum_all_lengths_and_alignments),
      cmocka_unit_test(test_cksum_large_buffer_no_overflow),
      cmocka_unit_test(test_cksum_chained_regions),
      cmocka_unit_test(test_cksum_rfc1624_eqn3_avoids_minus_zero),
      cmocka_unit_test(test_cksum_update_corner_values),
      cmocka_unit_test(test_cksum_update32_address),
      cmocka_unit_test(test_cksum_udp_zero_checksum),
      cmocka_unit_test(test_cksum_random_incremental_vs_full),
      cmocka_unit_test(test_cksum_update32w_equals_16bit),
      cmocka_unit_test(test_cksum_update_native_order),
      cmocka_unit_test(test_cksum_update_native_eac32),
      cmocka_unit_test(test_cksum_fix_all_keeps_right_ones),
      cmocka_unit_test(test_cksum_fix_all_restores_offloaded),
      cmocka_unit_test(test_cksum_fix_all_after_rewrite),
      cmocka_unit_test(test_cksum_fix_all_udp_zero),
      cmocka_unit_test(test_cksum_fix_all_fragment_and_other),
      cmocka_unit_test(test_cksum_fix_all_ip_options),
      cmocka_unit_test(test_cksum_fix_all_refuses_broken),
      cmocka_unit_test(test_cksum_fix_all_equals_fix_cksums),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

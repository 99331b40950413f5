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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

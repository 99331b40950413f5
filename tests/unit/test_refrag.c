/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for IPv4 fragmentation of a whole datagram (lib/pkt/refrag.c,
 * RFC 791 sec. 3.2): piece sizes, offsets, MF, copied options, header
 * checksums, and the pieces put back together give the datagram again;
 * in place in the datagram's own buffer as well as into another one.
 * The IPv6 cutter (RFC 8200 sec. 4.5) likewise: fragment headers, offsets
 * continued, M, identification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/cksum.h>

#include "pkt/refrag.h"

static uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* A UDP datagram of total bytes with header length hl: options (when
 * hl > 20) are a copied Security-like option (type 0x82, 11 bytes), a
 * not-copied Record Route (type 7, 7 bytes, in the first fragment only),
 * a NOP and EOL padding. The payload is a pattern of the offset. */
static void dgram(uint8_t *d, size_t total, size_t hl, uint16_t flags) {
  memset(d, 0, total);
  d[0] = (uint8_t)(0x40 | hl / 4);
  put16(d + 2, (uint16_t)total);
  put16(d + 4, 0xbeef);
  put16(d + 6, flags);
  d[8] = 61;
  d[9] = 17;
  put16(d + 12, 0xc612);
  put16(d + 14, 0x0007); /* 198.18.0.7 */
  put16(d + 16, 0xc613);
  put16(d + 18, 0x0009); /* 198.19.0.9 */
  if (hl >= 40) {
    uint8_t *o = d + 20;
    o[0] = 0x82;
    o[1] = 11;
    for (int i = 2; i < 11; i++)
      o[i] = (uint8_t)(0xa0 + i);
    o[11] = 7;
    o[12] = 7;
    o[13] = 4;
    o[18] = 1; /* NOP; then EOL */
  }
  for (size_t i = hl; i < total; i++)
    d[i] = (uint8_t)((i - hl) * 7 + (i - hl) / 251);
  put16(d + 10, pinhole_cksum(d, hl));
}

/* Cuts d into fragments (in place when inplace) and checks each, then
 * puts their payloads back together and compares. */
static void cut_and_check(uint8_t *d, size_t total, size_t mtu, int inplace,
                          size_t want_n, size_t want_fp) {
  uint8_t *orig = malloc(total);
  uint8_t *back = calloc(1, total);
  assert_non_null(orig);
  assert_non_null(back);
  memcpy(orig, d, total);
  ph_refrag r;
  assert_int_equal(pinhole__refrag_plan(&r, d, total, mtu), 0);
  assert_int_equal(r.n, want_n);
  assert_int_equal(r.fp, want_fp);
  size_t hl = (size_t)(orig[0] & 15) * 4;
  size_t got = 0;
  for (size_t k = 0; k < r.n; k++) {
    size_t off, n = pinhole__refrag_span(&r, k, &off);
    uint8_t sep[1600];
    uint8_t *out;
    if (inplace && k > 0) {
      out = d + hl + off - ph_refrag_hlen(&r, k);
    } else {
      assert_true(ph_refrag_hlen(&r, k) + n <= sizeof(sep));
      out = sep;
    }
    size_t flen = pinhole__refrag_put(&r, k, d + hl + off, out);
    size_t fhl = (size_t)(out[0] & 15) * 4;
    assert_int_equal(fhl, ph_refrag_hlen(&r, k));
    assert_int_equal(flen, fhl + n);
    assert_true(flen <= mtu || r.n == 1);
    assert_int_equal(get16(out + 2), flen);
    assert_int_equal(pinhole_cksum(out, fhl), 0);
    uint16_t fo = get16(out + 6);
    assert_int_equal((size_t)(fo & 0x1fff) * 8, off);
    assert_int_equal((fo & 0x2000) != 0, k + 1 < r.n);
    assert_int_equal(fo & 0x4000, get16(orig + 6) & 0x4000);
    assert_int_equal(fo & 0x8000, 0);
    /* everything else of the header is the datagram's */
    assert_memory_equal(out + 4, orig + 4, 2);
    assert_memory_equal(out + 8, orig + 8, 2);
    assert_memory_equal(out + 12, orig + 12, 8);
    if (k + 1 < r.n)
      assert_int_equal(n % 8, 0);
    if (k == 0)
      assert_memory_equal(out + 20, orig + 20, hl - 20);
    memcpy(back + off, out + fhl, n);
    got += n;
  }
  assert_int_equal(got, total - hl);
  assert_memory_equal(back, orig + hl, total - hl);
  free(orig);
  free(back);
}

/* A 3000-byte datagram at MTU 1500: 1480 + 1480 + 20 payload bytes. */
static void test_refrag_mtu_1500(void **state) {
  (void)state;
  static uint8_t d[3028];
  dgram(d, 3028, 20, 0);
  cut_and_check(d, 3028, 1500, 0, 3, 1480);
  dgram(d, 3028, 20, 0);
  cut_and_check(d, 3028, 1500, 1, 3, 1480);
}

/* An MTU that is not 20 + a multiple of 8: the piece is rounded down. */
static void test_refrag_rounds_down(void **state) {
  (void)state;
  static uint8_t d[4000];
  dgram(d, 4000, 20, 0);
  cut_and_check(d, 4000, 1006, 0, 5, 984);
  dgram(d, 4000, 20, 0x4000); /* DF kept as the sender set it */
  cut_and_check(d, 4000, 1006, 1, 5, 984);
}

/* Payload an exact multiple of the piece: no empty last fragment. */
static void test_refrag_exact_multiple(void **state) {
  (void)state;
  static uint8_t d[20 + 3 * 576];
  dgram(d, sizeof(d), 20, 0);
  cut_and_check(d, sizeof(d), 596, 0, 3, 576);
}

/* Options: the first fragment has them all, the later ones the copied
 * one only (11 bytes, padded to 12: header 32). */
static void test_refrag_copied_options(void **state) {
  (void)state;
  static uint8_t d[2040];
  dgram(d, sizeof(d), 40, 0);
  ph_refrag r;
  assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d), 576), 0);
  assert_int_equal(r.hl, 40);
  assert_int_equal(r.hln, 32);
  assert_int_equal(r.hdrn[0], 0x48);
  assert_int_equal(r.hdrn[20], 0x82);
  assert_int_equal(r.hdrn[21], 11);
  assert_int_equal(r.hdrn[31], 0);
  /* (576 - 40) & ~7 = 536: 2000 payload bytes in 4 pieces */
  cut_and_check(d, sizeof(d), 576, 0, 4, 536);
  dgram(d, sizeof(d), 40, 0);
  cut_and_check(d, sizeof(d), 576, 1, 4, 536);
}

/* Tiny pieces: 8 payload bytes per fragment, headers written over the
 * pieces already sent when in place. */
static void test_refrag_tiny(void **state) {
  (void)state;
  uint8_t d[100];
  dgram(d, sizeof(d), 20, 0);
  cut_and_check(d, sizeof(d), 28, 0, 10, 8);
  dgram(d, sizeof(d), 20, 0);
  cut_and_check(d, sizeof(d), 35, 1, 10, 8);
}

/* A datagram that fits is one fragment: itself, MF clear, offset 0. */
static void test_refrag_fits(void **state) {
  (void)state;
  uint8_t d[600], out[600];
  dgram(d, sizeof(d), 20, 0x2000 | 5); /* stale fragment bits cleared */
  ph_refrag r;
  assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d), 600), 0);
  assert_int_equal(r.n, 1);
  assert_int_equal(pinhole__refrag_put(&r, 0, d + 20, out), 600);
  assert_int_equal(get16(out + 6), 0);
  assert_memory_equal(out + 20, d + 20, 580);
  assert_int_equal(pinhole_cksum(out, 20), 0);
}

/* Headers that do not hold, an MTU without room for 8 bytes. */
static void test_refrag_refused(void **state) {
  (void)state;
  uint8_t d[200];
  ph_refrag r;
  dgram(d, sizeof(d), 20, 0);
  assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d), 27), -1);
  assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d), 28), 0);
  assert_int_equal(r.n, 23); /* 180 bytes in pieces of 8 */
  assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d) - 1, 576), -1);
  assert_int_equal(pinhole__refrag_plan(&r, d, 19, 576), -1);
  d[0] = 0x44;
  assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d), 576), -1);
  d[0] = 0x4f; /* 60-byte header: fits in 200 */
  assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d), 576), 0);
  assert_int_equal(pinhole__refrag_plan(&r, d, 40, 576), -1);
  d[0] = 0x65;
  assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d), 576), -1);
  /* an option list that lies about a length: copied up to there */
  dgram(d, sizeof(d), 40, 0);
  d[21] = 30; /* the copied option claims past the header */
  assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d), 100), 0);
  assert_int_equal(r.hln, 20);
}

/* Every MTU from the smallest to past the datagram: the pieces always
 * put back together to the datagram. */
static void test_refrag_every_mtu(void **state) {
  (void)state;
  static uint8_t d[1200];
  for (size_t mtu = 48; mtu <= 1250; mtu += 13) {
    dgram(d, sizeof(d), 40, 0);
    ph_refrag r;
    assert_int_equal(pinhole__refrag_plan(&r, d, sizeof(d), mtu), 0);
    size_t fp = mtu >= sizeof(d) ? 1160 : (mtu - 40) & ~(size_t)7;
    cut_and_check(d, sizeof(d), mtu, (int)(mtu & 1), r.n, fp);
  }
}

/* ---- IPv6 (RFC 8200 sec. 4.5) ------------------------------------------- */

/* An IPv6 packet of 40 + plen bytes: next header 17, the payload a
 * pattern of the offset; with frag (fragment header offset off, M more,
 * identification 0x01020304) when frag. Returns its length. */
static size_t pkt6(uint8_t *d, size_t plen, int frag, uint16_t off, int more) {
  size_t at = frag ? 48 : 40;
  memset(d, 0, at);
  d[0] = 0x60;
  put16(d + 4, (uint16_t)(plen + at - 40));
  d[6] = frag ? 44 : 17;
  d[7] = 64;
  d[8] = 0x20;
  d[23] = 2;
  d[24] = 0x20;
  d[39] = 5;
  if (frag) {
    d[40] = 17;
    put16(d + 42, (uint16_t)(off | (more ? 1u : 0u)));
    d[44] = 1, d[45] = 2, d[46] = 3, d[47] = 4;
  }
  for (size_t i = 0; i < plen; i++)
    d[at + i] = (uint8_t)(i * 7 + 3);
  return at + plen;
}

/* Cuts d (len) for every fp and checks each piece: 40-byte header
 * copied but payload length and next header 44; fragment header next
 * header 17, offset off0 + k * fp, M on all but the last (and on the
 * last when m0), identification id; pieces of fp bytes but the last; put
 * back together they are d's payload. In place when inplace. */
static void cut6(const uint8_t *d0, size_t len, uint32_t id, uint32_t off0,
                 int m0, int inplace) {
  static uint8_t d[4096], out[4096], back[4096];
  size_t at = d0[6] == 44 ? 48 : 40, plen = len - at;
  for (size_t fp = 8; fp <= plen + 16; fp += 8) {
    memcpy(d, d0, len);
    ph_refrag6 r;
    assert_int_equal(pinhole__refrag6_plan(&r, d, len, fp + 3, id), 0);
    assert_int_equal(r.fp, fp); /* rounded down to a multiple of 8 */
    assert_int_equal(r.n, plen == 0 ? 1 : (plen + fp - 1) / fp);
    uint8_t *payload = d + r.at;
    for (size_t k = 0; k < r.n; k++) {
      uint8_t *o = inplace && k > 0 ? payload + k * fp - 48 : out;
      size_t n = pinhole__refrag6_put(&r, k, payload, o);
      size_t want = k + 1 < r.n ? fp : plen - k * fp;
      assert_int_equal(n, 48 + want);
      assert_memory_equal(o + 8, d0 + 8, 32);
      assert_int_equal(o[0], 0x60);
      assert_int_equal(get16(o + 4), 8 + want);
      assert_int_equal(o[6], 44);
      assert_int_equal(o[7], 64);
      assert_int_equal(o[40], 17);
      assert_int_equal(o[41], 0);
      uint16_t f = get16(o + 42);
      assert_int_equal(f & 0xfff8u, off0 + k * fp);
      assert_int_equal(f & 6u, 0);
      assert_int_equal(f & 1u, k + 1 < r.n || m0 ? 1u : 0u);
      assert_int_equal((uint32_t)get16(o + 44) << 16 | get16(o + 46), id);
      memcpy(back + k * fp, o + 48, want);
    }
    assert_memory_equal(back, d0 + at, plen);
  }
}

static void test_refrag6_whole(void **state) {
  (void)state;
  uint8_t d[2048];
  for (size_t plen = 1; plen < 300; plen += 37) {
    size_t len = pkt6(d, plen, 0, 0, 0);
    cut6(d, len, 0xa1b2c3d4u, 0, 0, 0);
    cut6(d, len, 7, 0, 0, 1);
  }
}

/* A fragment cut again: its offset, M and identification continue. */
static void test_refrag6_fragment(void **state) {
  (void)state;
  uint8_t d[2048];
  size_t len = pkt6(d, 200, 1, 1232, 1);
  cut6(d, len, 0x01020304u, 1232, 1, 0);
  len = pkt6(d, 203, 1, 64, 0);
  cut6(d, len, 0x01020304u, 64, 0, 1);
}

static void test_refrag6_refused(void **state) {
  (void)state;
  uint8_t d[256];
  ph_refrag6 r;
  size_t len = pkt6(d, 100, 0, 0, 0);
  assert_int_equal(pinhole__refrag6_plan(&r, d, len, 7, 1), -1); /* < 8 */
  assert_int_equal(pinhole__refrag6_plan(&r, d, len - 1, 64, 1), -1);
  assert_int_equal(pinhole__refrag6_plan(&r, d, 39, 64, 1), -1);
  d[0] = 0x45;
  assert_int_equal(pinhole__refrag6_plan(&r, d, len, 64, 1), -1);
  len = pkt6(d, 0, 1, 0, 0); /* a fragment header, no piece */
  assert_int_equal(pinhole__refrag6_plan(&r, d, len, 64, 1), 0);
  assert_int_equal(r.n, 1);
  put16(d + 4, 4); /* a fragment header cut short */
  assert_int_equal(pinhole__refrag6_plan(&r, d, 44, 64, 1), -1);
}

/* An IPv6 packet with a hop-by-hop and a destination options header (8
 * bytes each) before its UDP payload of plen bytes (pattern). */
static size_t pkt6_ext(uint8_t *d, size_t plen) {
  memset(d, 0, 56);
  d[0] = 0x60;
  put16(d + 4, (uint16_t)(16 + plen));
  d[6] = 0; /* hop-by-hop */
  d[7] = 64;
  d[8] = 0x20;
  d[23] = 1;
  d[24] = 0x20;
  d[39] = 2;
  d[40] = 60; /* then destination options */
  d[42] = 1;  /* PadN */
  d[43] = 4;
  d[48] = 17; /* then UDP */
  d[50] = 1;
  d[51] = 4;
  for (size_t i = 0; i < plen; i++)
    d[56 + i] = (uint8_t)(i * 7 + 3);
  return 56 + plen;
}

/* RFC 8200 sec. 4.5: the per-fragment headers (the IPv6 header and the
 * extension headers before the cut, u bytes) go into every fragment, the
 * one before the fragment header naming it; the fragment header names
 * what they named. Every byte of every fragment. */
static void test_refrag6_per_fragment_headers(void **state) {
  (void)state;
  uint8_t d[512], out[512];
  size_t len = pkt6_ext(d, 100);
  assert_int_equal(pinhole__refrag6_nh_at(d, 56), 48);
  assert_int_equal(pinhole__refrag6_nh_at(d, 48), 40);
  assert_int_equal(pinhole__refrag6_nh_at(d, 40), 6);
  ph_refrag6 r;
  assert_int_equal(pinhole__refrag6_plan_u(&r, d, len, 56, 32, 0xfeedu), 0);
  assert_int_equal(r.n, 4);
  for (size_t k = 0; k < r.n; k++) {
    size_t n = pinhole__refrag6_put(&r, k, d + 56, out);
    size_t piece = k < 3 ? 32 : 4;
    assert_int_equal(n, 64 + piece);
    assert_memory_equal(out, d, 4);
    assert_int_equal(get16(out + 4), 24 + piece);
    assert_memory_equal(out + 6, d + 6, 42);
    assert_int_equal(out[48], 44); /* names the fragment header */
    assert_memory_equal(out + 49, d + 49, 7);
    assert_int_equal(out[56], 17);
    assert_int_equal(out[57], 0);
    assert_int_equal(get16(out + 58), (uint16_t)(k * 32 | (k < 3 ? 1 : 0)));
    assert_int_equal((uint32_t)get16(out + 60) << 16 | get16(out + 62),
                     0xfeedu);
    assert_memory_equal(out + 64, d + 56 + k * 32, piece);
  }
}

/* Hostile chains: cut, of another kind, longer than they claim, too
 * long for the cutter, or already naming a fragment header. */
static void test_refrag6_per_fragment_refused(void **state) {
  (void)state;
  uint8_t d[512];
  ph_refrag6 r;
  size_t len = pkt6_ext(d, 100);
  assert_int_equal(pinhole__refrag6_nh_at(d, 52), 0); /* cut */
  assert_int_equal(pinhole__refrag6_nh_at(d, 39), 0);
  assert_int_equal(pinhole__refrag6_nh_at(d, PH_REFRAG6_UMAX + 8), 0);
  assert_int_equal(pinhole__refrag6_plan_u(&r, d, len, 52, 32, 1), -1);
  assert_int_equal(pinhole__refrag6_plan_u(&r, d, 50, 56, 32, 1), -1);
  d[41] = 3; /* destination options of 32 bytes: past u */
  assert_int_equal(pinhole__refrag6_nh_at(d, 56), 0);
  d[41] = 0;
  d[40] = 51; /* an authentication header: not a per-fragment one here */
  assert_int_equal(pinhole__refrag6_nh_at(d, 56), 0);
  d[40] = 60;
  d[48] = 44; /* a fragment after them: not cut again */
  assert_int_equal(pinhole__refrag6_plan_u(&r, d, len, 56, 32, 1), -1);
  d[48] = 17;
  assert_int_equal(pinhole__refrag6_plan_u(&r, d, len, 56, 32, 1), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refrag_mtu_1500),
      cmocka_unit_test(test_refrag_rounds_down),
      cmocka_unit_test(test_refrag_exact_multiple),
      cmocka_unit_test(test_refrag_copied_options),
      cmocka_unit_test(test_refrag_tiny),
      cmocka_unit_test(test_refrag_fits),
      cmocka_unit_test(test_refrag_refused),
      cmocka_unit_test(test_refrag_every_mtu),
      cmocka_unit_test(test_refrag6_whole),
      cmocka_unit_test(test_refrag6_fragment),
      cmocka_unit_test(test_refrag6_refused),
      cmocka_unit_test(test_refrag6_per_fragment_headers),
      cmocka_unit_test(test_refrag6_per_fragment_refused),
  };
  return cmocka_run_group_tests_name("unit.refrag", tests, NULL, NULL);
}

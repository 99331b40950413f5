/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for RFC 7915 translation (pinhole_xlat_4to6/_6to4): each
 * rule checked against exact output bytes built independently by
 * tests/unit/ip6_build.h; the RFC 7915 section is in each test's name
 * and comment.
 *
 * The NAT64 of the tests: IPv6 client 2001:db8::2, IPv4 server
 * 198.19.0.33 seen as 64:ff9b::c613:21, pool address 198.18.0.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/ipv6.h>

#include "ip6_build.h"
#include "pkt/xlat_plain.h"

#define C6 "2001:db8::2"
#define S6 "64:ff9b::c613:21"
#define R6 "2001:db8:ffff::1"
#define P4 "198.18.0.1"
#define S4 "198.19.0.33"

static uint8_t in[2048], out[2048], want[2048];

/* With PINHOLE_XLAT_PCAP set, every translated packet is also written to
 * that pcap (link type RAW) for tests/unit/xlat-tshark.sh. */
static FILE *pcap;

static void pcap_le32(uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                  (uint8_t)(v >> 24)};
  fwrite(b, 1, 4, pcap);
}

static void pcap_put(const uint8_t *p, size_t n) {
  if (pcap == NULL)
    return;
  pcap_le32(0);
  pcap_le32(0);
  pcap_le32((uint32_t)n);
  pcap_le32((uint32_t)n);
  fwrite(p, 1, n, pcap);
}

/* Outbound (IPv6 -> IPv4) map: client to pool, server to its IPv4. */
static pinhole_xlat_map map64(void) {
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  m.src4 = t_a4(P4);
  m.dst4 = t_a4(S4);
  m.inner_src4 = t_a4(S4);
  m.inner_dst4 = t_a4(P4);
  m.sport = 61000;
  m.inner_dport = 61000;
  m.ip_id = 0x4321;
  return m;
}

/* Inbound (IPv4 -> IPv6) map: the reverse. */
static pinhole_xlat_map map46(void) {
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  t_a6(m.src6, S6);
  t_a6(m.dst6, C6);
  t_a6(m.inner_src6, C6);
  t_a6(m.inner_dst6, S6);
  m.dport = 40000;
  m.inner_sport = 40000;
  return m;
}

static int x64(size_t n, const pinhole_xlat_map *m, size_t *len) {
  memset(out, 0xcc, sizeof(out));
  int r = pinhole_xlat_6to4(in, n, out, sizeof(out), m, len);
  if (r == 0)
    pcap_put(out, *len);
  return r;
}

static int x46(size_t n, const pinhole_xlat_map *m, size_t *len) {
  memset(out, 0xcc, sizeof(out));
  int r = pinhole_xlat_4to6(in, n, out, sizeof(out), m, len);
  if (r == 0)
    pcap_put(out, *len);
  return r;
}

static size_t v6_tcp(uint8_t *p, const char *src, const char *dst,
                     unsigned sport, unsigned dport, uint8_t flags,
                     uint8_t hlim) {
  size_t n = t_ip6(p, src, dst, 6, hlim, 22, 0x28);
  t_tcp(p + n, sport, dport, 0x01020304, 0x0a0b0c0d, flags);
  memcpy(p + n + 20, "hi", 2);
  t_ck6(p, p + n, 22, 6, 16);
  return n + 22;
}

static size_t v4_tcp(uint8_t *p, const char *src, const char *dst,
                     unsigned sport, unsigned dport, uint8_t flags, uint8_t ttl,
                     uint16_t id, uint16_t frag) {
  size_t n = t_ip4(p, src, dst, 6, ttl, id, frag, 42, 0x28);
  t_tcp(p + n, sport, dport, 0x01020304, 0x0a0b0c0d, flags);
  memcpy(p + n + 20, "hi", 2);
  t_ck4(p, p + n, 22, 6, 16);
  return n + 22;
}

/* RFC 7915 5.1 (header) and 5.5 (TCP checksum, new source port). */
static void test_xlat_rfc7915_5_1_tcp(void **state) {
  (void)state;
  pinhole_xlat_map m = map64();
  size_t n = v6_tcp(in, C6, S6, 40000, 80, 0x02, 64), len;
  assert_int_equal(x64(n, &m, &len), 0);
  size_t w = v4_tcp(want, P4, S4, 61000, 80, 0x02, 64, 0x4321, 0);
  assert_int_equal(len, w);
  assert_memory_equal(out, want, w);
  assert_int_equal(out[w], 0xcc); /* nothing written past */
}

/* RFC 7915 4.1 (header: TOS, TTL copied, no fragment header for DF)
 * and 4.5 (TCP checksum, new destination port). */
static void test_xlat_rfc7915_4_1_tcp(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t n = v4_tcp(in, S4, P4, 80, 61000, 0x12, 57, 0x1234, 0x4000), len;
  assert_int_equal(x46(n, &m, &len), 0);
  size_t w = v6_tcp(want, S6, C6, 80, 40000, 0x12, 57);
  assert_int_equal(len, w);
  assert_memory_equal(out, want, w);
  /* the same without DF: still no fragment header (RFC 7915 4.1) */
  n = v4_tcp(in, S4, P4, 80, 61000, 0x12, 57, 0x1234, 0);
  assert_int_equal(x46(n, &m, &len), 0);
  assert_int_equal(len, w);
  assert_memory_equal(out, want, w);
}

/* 6 -> 4 -> 6 gives the packet back. */
static void test_xlat_round_trip_tcp(void **state) {
  (void)state;
  pinhole_xlat_map m = map64();
  size_t n = v6_tcp(in, C6, S6, 40000, 80, 0x18, 64), len, len2;
  uint8_t orig[128];
  memcpy(orig, in, n);
  assert_int_equal(x64(n, &m, &len), 0);
  memcpy(in, out, len);
  pinhole_xlat_map b = map46();
  t_a6(b.src6, C6);
  t_a6(b.dst6, S6);
  b.dport = 0;
  b.sport = 40000;
  assert_int_equal(x46(len, &b, &len2), 0);
  assert_int_equal(len2, n);
  assert_memory_equal(out, orig, n);
}

/* A 1000-byte UDP datagram in two IPv4 fragments, and its IPv6 form. */
#define DGRAM 1000u
#define FRAG1 504u
static void mk_dgram(uint8_t *d) {
  t_udp(d, 53, 40000, DGRAM);
  for (size_t i = 8; i < DGRAM; i++)
    d[i] = (uint8_t)(i * 13 + 1);
}

/* RFC 7915 4.1 (a fragment gets a fragment header: id, offset, M) and
 * 4.5 (the first fragment's checksum adjusted for the whole datagram). */
static void test_xlat_rfc7915_4_1_fragments(void **state) {
  (void)state;
  uint8_t full4[DGRAM + 20], full6[DGRAM + 40];
  t_ip4(full4, S4, P4, 17, 60, 0xbeef, 0, DGRAM + 20, 0);
  mk_dgram(full4 + 20);
  t_ck4(full4, full4 + 20, DGRAM, 17, 6);
  t_ip6(full6, S6, C6, 17, 60, DGRAM, 0);
  mk_dgram(full6 + 40);
  t_ck6(full6, full6 + 40, DGRAM, 17, 6);
  pinhole_xlat_map m = map46();
  m.dport = 0;
  /* first fragment */
  t_ip4(in, S4, P4, 17, 60, 0xbeef, 0x2000, FRAG1 + 20, 0);
  memcpy(in + 20, full4 + 20, FRAG1);
  size_t len;
  assert_int_equal(x46(FRAG1 + 20, &m, &len), 0);
  size_t w = t_ip6(want, S6, C6, 44, 60, 8 + FRAG1, 0);
  want[w] = 17;
  want[w + 1] = 0;
  t_w16(want + w + 2, 0 | 1);
  t_w32(want + w + 4, 0xbeef);
  memcpy(want + w + 8, full6 + 40, FRAG1);
  assert_int_equal(len, w + 8 + FRAG1);
  assert_memory_equal(out, want, len);
  /* last fragment: offset 504, M clear, bytes as they are */
  t_ip4(in, S4, P4, 17, 60, 0xbeef, FRAG1 / 8, DGRAM - FRAG1 + 20, 0);
  memcpy(in + 20, full4 + 20 + FRAG1, DGRAM - FRAG1);
  assert_int_equal(x46(DGRAM - FRAG1 + 20, &m, &len), 0);
  w = t_ip6(want, S6, C6, 44, 60, 8 + DGRAM - FRAG1, 0);
  want[w] = 17;
  want[w + 1] = 0;
  t_w16(want + w + 2, FRAG1);
  t_w32(want + w + 4, 0xbeef);
  memcpy(want + w + 8, full4 + 20 + FRAG1, DGRAM - FRAG1);
  assert_int_equal(len, w + 8 + DGRAM - FRAG1);
  assert_memory_equal(out, want, len);
}

/* RFC 7915 5.1.1: a fragment header gives id (low 16 bits), offset and
 * MF; DF is clear; 5.5 the first fragment's checksum. */
static void test_xlat_rfc7915_5_1_1_fragments(void **state) {
  (void)state;
  uint8_t full4[DGRAM + 20], full6[DGRAM + 40];
  t_ip4(full4, P4, S4, 17, 64, 0xc3d4, 0, DGRAM + 20, 0);
  mk_dgram(full4 + 20);
  t_w16(full4 + 20, 61000);
  t_ck4(full4, full4 + 20, DGRAM, 17, 6);
  t_ip6(full6, C6, S6, 17, 64, DGRAM, 0);
  mk_dgram(full6 + 40);
  t_ck6(full6, full6 + 40, DGRAM, 17, 6);
  pinhole_xlat_map m = map64();
  size_t n = t_ip6(in, C6, S6, 44, 64, 8 + FRAG1, 0), len;
  in[n] = 17;
  in[n + 1] = 0;
  t_w16(in + n + 2, 1);
  t_w32(in + n + 4, 0xa1b2c3d4);
  memcpy(in + n + 8, full6 + 40, FRAG1);
  assert_int_equal(x64(n + 8 + FRAG1, &m, &len), 0);
  t_ip4(want, P4, S4, 17, 64, 0xc3d4, 0x2000, FRAG1 + 20, 0);
  memcpy(want + 20, full4 + 20, FRAG1);
  assert_int_equal(len, FRAG1 + 20);
  assert_memory_equal(out, want, len);
  /* the last fragment */
  n = t_ip6(in, C6, S6, 44, 64, 8 + DGRAM - FRAG1, 0);
  in[n] = 17;
  in[n + 1] = 0;
  t_w16(in + n + 2, FRAG1);
  t_w32(in + n + 4, 0xa1b2c3d4);
  memcpy(in + n + 8, full6 + 40 + FRAG1, DGRAM - FRAG1);
  assert_int_equal(x64(n + 8 + DGRAM - FRAG1, &m, &len), 0);
  t_ip4(want, P4, S4, 17, 64, 0xc3d4, FRAG1 / 8, DGRAM - FRAG1 + 20, 0);
  memcpy(want + 20, full6 + 40 + FRAG1, DGRAM - FRAG1);
  assert_int_equal(len, DGRAM - FRAG1 + 20);
  assert_memory_equal(out, want, len);
}

/* RFC 7915 4.5: an unfragmented UDP datagram without checksum gets one;
 * a fragmented one is dropped. */
static void test_xlat_rfc7915_4_5_udp_zero(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t n = t_ip4(in, S4, P4, 17, 60, 7, 0, 20 + 12, 0), len;
  t_udp(in + n, 53, 61000, 12);
  memcpy(in + n + 8, "dns!", 4);
  assert_int_equal(x46(n + 12, &m, &len), 0);
  size_t w = t_ip6(want, S6, C6, 17, 60, 12, 0);
  t_udp(want + w, 53, 40000, 12);
  memcpy(want + w + 8, "dns!", 4);
  t_ck6(want, want + w, 12, 17, 6);
  assert_int_equal(len, w + 12);
  assert_memory_equal(out, want, len);
  t_ip4(in, S4, P4, 17, 60, 7, 0x2000, 20 + 16, 0);
  t_udp(in + n, 53, 61000, 100);
  assert_int_equal(x46(n + 16, &m, &len), PINHOLE_ERR_UNSUPPORTED);
}

/* RFC 7915 5.1: extension headers are dropped; DF set above 1260 bytes;
 * a routing header with segments left is not translated. */
static void test_xlat_rfc7915_5_1_ext_df_routing(void **state) {
  (void)state;
  pinhole_xlat_map m = map64();
  size_t n = t_ip6(in, C6, S6, 0, 64, 16 + 12, 0), len;
  memset(in + n, 0, 16);
  in[n] = 60;
  in[n + 8] = 17;
  t_udp(in + n + 16, 40000, 53, 12);
  memcpy(in + n + 24, "dns?", 4);
  t_ck6(in, in + n + 16, 12, 17, 6);
  assert_int_equal(x64(n + 28, &m, &len), 0);
  size_t w = t_ip4(want, P4, S4, 17, 64, 0x4321, 0, 32, 0);
  t_udp(want + w, 61000, 53, 12);
  memcpy(want + w + 8, "dns?", 4);
  t_ck4(want, want + w, 12, 17, 6);
  assert_int_equal(len, 32);
  assert_memory_equal(out, want, len);
  /* 1241 bytes of UDP payload: 1269 bytes of IPv4, DF set */
  size_t pl = 1241;
  n = t_ip6(in, C6, S6, 17, 64, 8 + pl, 0);
  t_udp(in + n, 40000, 53, 8 + pl);
  memset(in + n + 8, 0x61, pl);
  t_ck6(in, in + n, 8 + pl, 17, 6);
  assert_int_equal(x64(n + 8 + pl, &m, &len), 0);
  w = t_ip4(want, P4, S4, 17, 64, 0x4321, 0x4000, 28 + pl, 0);
  t_udp(want + w, 61000, 53, 8 + pl);
  memset(want + w + 8, 0x61, pl);
  t_ck4(want, want + w, 8 + pl, 17, 6);
  assert_int_equal(len, 28 + pl);
  assert_memory_equal(out, want, len);
  /* 1232 bytes: 1260, DF clear */
  pl = 1232;
  n = t_ip6(in, C6, S6, 17, 64, 8 + pl, 0);
  t_udp(in + n, 40000, 53, 8 + pl);
  t_ck6(in, in + n, 8 + pl, 17, 6);
  assert_int_equal(x64(n + 8 + pl, &m, &len), 0);
  assert_int_equal(t_r16(out + 6), 0);
  /* routing header type 4 with a segment left */
  n = t_ip6(in, C6, S6, 43, 64, 24 + 12, 0);
  memset(in + n, 0, 24);
  in[n] = 17;
  in[n + 1] = 2;
  in[n + 2] = 4;
  in[n + 3] = 1;
  t_udp(in + n + 24, 40000, 53, 12);
  t_ck6(in, in + n + 24, 12, 17, 6);
  assert_int_equal(x64(n + 36, &m, &len), PINHOLE_ERR_UNSUPPORTED);
  in[n + 3] = 0; /* none left: translated, header dropped */
  assert_int_equal(x64(n + 36, &m, &len), 0);
  assert_int_equal(len, 32);
}

/* RFC 7915 4.1: options are ignored, but an unexpired source route is
 * not translated. */
static void test_xlat_rfc7915_4_1_options(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t len;
  size_t w = v6_tcp(want, S6, C6, 80, 40000, 0x12, 57);
  uint8_t base[64];
  size_t bn = v4_tcp(base, S4, P4, 80, 61000, 0x12, 57, 0x1234, 0x4000);
  /* NOP NOP NOP EOL */
  memcpy(in, base, 20);
  in[0] = 0x46;
  in[20] = 1;
  in[21] = 1;
  in[22] = 1;
  in[23] = 0;
  memcpy(in + 24, base + 20, bn - 20);
  t_w16(in + 2, (unsigned)bn + 4);
  t_w16(in + 10, 0);
  t_w16(in + 10, t_fin(t_sum(0, in, 24)));
  assert_int_equal(x46(bn + 4, &m, &len), 0);
  assert_int_equal(len, w);
  assert_memory_equal(out, want, w);
  /* LSRR, pointer 4 of length 7: unexpired */
  in[0] = 0x47;
  static const uint8_t lsrr[8] = {131, 7, 4, 198, 19, 0, 9, 0};
  memcpy(in + 20, lsrr, 8);
  memcpy(in + 28, base + 20, bn - 20);
  t_w16(in + 2, (unsigned)bn + 8);
  t_w16(in + 10, 0);
  t_w16(in + 10, t_fin(t_sum(0, in, 28)));
  assert_int_equal(x46(bn + 8, &m, &len), PINHOLE_ERR_UNSUPPORTED);
  /* the same route spent (pointer 8 > length 7): translated */
  in[22] = 8;
  t_w16(in + 10, 0);
  t_w16(in + 10, t_fin(t_sum(0, in, 28)));
  assert_int_equal(x46(bn + 8, &m, &len), 0);
  assert_memory_equal(out, want, w);
}

static size_t v6_echo(uint8_t *p, const char *src, const char *dst,
                      uint8_t type, unsigned id) {
  size_t n = t_ip6(p, src, dst, 58, 64, 16, 0);
  memset(p + n, 0, 16);
  p[n] = type;
  t_w16(p + n + 4, id);
  t_w16(p + n + 6, 9);
  memcpy(p + n + 8, "pinghole", 8);
  t_ck6(p, p + n, 16, 58, 2);
  return n + 16;
}

static size_t v4_echo(uint8_t *p, const char *src, const char *dst,
                      uint8_t type, unsigned id, uint16_t ipid) {
  size_t n = t_ip4(p, src, dst, 1, 64, ipid, 0, 36, 0);
  memset(p + n, 0, 16);
  p[n] = type;
  t_w16(p + n + 4, id);
  t_w16(p + n + 6, 9);
  memcpy(p + n + 8, "pinghole", 8);
  t_ck4(p, p + n, 16, 1, 2);
  return n + 16;
}

/* RFC 7915 5.2 echo request (128 -> 8) and 4.2 echo reply (0 -> 129),
 * identifiers mapped, checksums with and without the pseudo-header. */
static void test_xlat_rfc7915_echo(void **state) {
  (void)state;
  pinhole_xlat_map m = map64();
  size_t n = v6_echo(in, C6, S6, 128, 0x1d2e), len;
  assert_int_equal(x64(n, &m, &len), 0);
  size_t w = v4_echo(want, P4, S4, 8, 61000, 0x4321);
  assert_int_equal(len, w);
  assert_memory_equal(out, want, w);
  pinhole_xlat_map b = map46();
  b.dport = 0;
  b.sport = 0x1d2e;
  n = v4_echo(in, S4, P4, 0, 61000, 77);
  assert_int_equal(x46(n, &b, &len), 0);
  w = v6_echo(want, S6, C6, 129, 0x1d2e);
  assert_int_equal(len, w);
  assert_memory_equal(out, want, w);
}

/* RFC 7915 4.2: ICMPv4 without an ICMPv6 counterpart is dropped. */
static void test_xlat_rfc7915_4_2_drops(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t len;
  static const uint8_t types[][2] = {{13, 0}, {14, 0}, {15, 0}, {16, 0},
                                     {17, 0}, {9, 0},  {10, 0}, {4, 0},
                                     {5, 1},  {3, 14}, {3, 16}, {12, 1}};
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    size_t n = t_ip4(in, S4, P4, 1, 64, 1, 0, 20 + 36, 0);
    memset(in + n, 0, 36);
    in[n] = types[i][0];
    in[n + 1] = types[i][1];
    /* a quote for the error types */
    t_ip4(in + n + 8, P4, S4, 17, 64, 2, 0, 28, 0);
    t_udp(in + n + 28, 61000, 53, 8);
    t_ck4(in, in + n, 36, 1, 2);
    assert_int_equal(x46(n + 36, &m, &len), PINHOLE_ERR_UNSUPPORTED);
    assert_int_equal(len, 0);
  }
}

/* An ICMPv4 error from the server quoting the UDP datagram the client
 * sent (as translated), with its whole 12 bytes. */
static size_t v4_err(uint8_t *p, uint8_t type, uint8_t code, uint32_t word,
                     size_t extra) {
  size_t qn = 28 + 4 + extra;
  size_t n = t_ip4(p, S4, P4, 1, 50, 3, 0, 20 + 8 + qn, 0);
  memset(p + n, 0, 8);
  p[n] = type;
  p[n + 1] = code;
  t_w32(p + n + 4, word);
  uint8_t *q = p + n + 8;
  t_ip4(q, P4, S4, 17, 63, 0x4321, 0, qn, 0x10);
  t_udp(q + 20, 61000, 53, 12 + extra);
  memset(q + 28, 0x77, 4 + extra);
  t_ck4(q, q + 20, 12 + extra, 17, 6);
  t_ck4(p, p + n, 8 + qn, 1, 2);
  return n + 8 + qn;
}

/* The ICMPv6 form of v4_err (RFC 7915 4.2 type/code/word, 4.3 quote). */
static size_t v6_err(uint8_t *p, uint8_t type, uint8_t code, uint32_t word,
                     size_t extra) {
  size_t qn = 48 + 4 + extra;
  size_t n = t_ip6(p, S6, C6, 58, 50, 8 + qn, 0);
  memset(p + n, 0, 8);
  p[n] = type;
  p[n + 1] = code;
  t_w32(p + n + 4, word);
  uint8_t *q = p + n + 8;
  t_ip6(q, C6, S6, 17, 63, 12 + extra, 0x10);
  t_udp(q + 40, 40000, 53, 12 + extra);
  memset(q + 48, 0x77, 4 + extra);
  t_ck6(q, q + 40, 12 + extra, 17, 6);
  t_ck6(p, p + n, 8 + qn, 58, 2);
  return n + 8 + qn;
}

/* RFC 7915 4.2 (port unreachable 3/3 -> 1/4) and 4.3 (the quoted packet
 * translated: addresses, port, its UDP checksum). */
static void test_xlat_rfc7915_4_3_port_unreach(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t n = v4_err(in, 3, 3, 0, 0), len;
  assert_int_equal(x46(n, &m, &len), 0);
  size_t w = v6_err(want, 1, 4, 0, 0);
  assert_int_equal(len, w);
  assert_memory_equal(out, want, w);
  /* 4.2 codes: host 3/1 -> 1/0, admin 3/13 -> 1/1, protocol 3/2 -> 4/1
   * with pointer 6 (Next Header) */
  static const uint8_t codes[][4] = {
      {0, 1, 0, 0},  {1, 1, 0, 0},  {5, 1, 0, 0},  {6, 1, 0, 0},  {9, 1, 1, 0},
      {10, 1, 1, 0}, {11, 1, 0, 0}, {13, 1, 1, 0}, {15, 1, 1, 0}, {2, 4, 1, 6}};
  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
    n = v4_err(in, 3, codes[i][0], 0, 0);
    assert_int_equal(x46(n, &m, &len), 0);
    w = v6_err(want, codes[i][1], codes[i][2], codes[i][3], 0);
    assert_int_equal(len, w);
    assert_memory_equal(out, want, w);
  }
}

/* RFC 7915 4.3: a quoted IPv4 fragment gets its fragment header. */
static void test_xlat_rfc7915_4_3_quoted_fragment(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t len, n = v4_err(in, 11, 1, 0, 0);
  uint8_t *q = in + 28;
  t_w16(q + 6, 0x2000);
  t_w16(q + 10, 0);
  t_w16(q + 10, t_fin(t_sum(0, q, 20)));
  t_ck4(in, in + 20, n - 20, 1, 2);
  assert_int_equal(x46(n, &m, &len), 0);
  size_t qn = 48 + 8 + 4;
  size_t w = t_ip6(want, S6, C6, 58, 50, 8 + qn, 0);
  memset(want + w, 0, 8);
  want[w] = 3;
  want[w + 1] = 1;
  uint8_t *e = want + w + 8;
  t_ip6(e, C6, S6, 44, 63, 8 + 12, 0x10);
  e[40] = 17;
  e[41] = 0;
  t_w16(e + 42, 1);
  t_w32(e + 44, 0x4321);
  t_udp(e + 48, 40000, 53, 12);
  memset(e + 56, 0x77, 4);
  t_ck6(e, e + 48, 12, 17, 6);
  t_ck6(want, want + w, 8 + qn, 58, 2);
  assert_int_equal(len, w + 8 + qn);
  assert_memory_equal(out, want, len);
}

/* RFC 7915 4.2: Fragmentation Needed -> Packet Too Big, the MTU
 * min(MTU + 20, IPv6 next hop, IPv4 next hop + 20), RFC 1191 plateaus
 * for an MTU of 0. */
static void test_xlat_rfc7915_4_2_mtu(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t len, n = v4_err(in, 3, 4, 1400, 0);
  assert_int_equal(x46(n, &m, &len), 0);
  size_t w = v6_err(want, 2, 0, 1420, 0);
  assert_memory_equal(out, want, w);
  m.mtu6 = 1400;
  assert_int_equal(x46(n, &m, &len), 0);
  w = v6_err(want, 2, 0, 1400, 0);
  assert_memory_equal(out, want, w);
  m.mtu6 = 0;
  m.mtu4 = 1300;
  assert_int_equal(x46(n, &m, &len), 0);
  w = v6_err(want, 2, 0, 1320, 0);
  assert_memory_equal(out, want, w);
  /* MTU 0: the quoted total length 1500 gives the plateau 1492 */
  m.mtu4 = 0;
  n = v4_err(in, 3, 4, 0, 0);
  t_w16(in + 28 + 2, 1500);
  t_w16(in + 28 + 10, 0);
  t_w16(in + 28 + 10, t_fin(t_sum(0, in + 28, 20)));
  t_ck4(in, in + 20, n - 20, 1, 2);
  assert_int_equal(x46(n, &m, &len), 0);
  assert_int_equal(out[40], 2);
  assert_int_equal(t_r16(out + 44) << 16 | t_r16(out + 46), 1512);
  assert_int_equal(t_r16(out + 48 + 4), 1500 - 20); /* inner payload len */
}

/* RFC 7915 4.2: Parameter Problem pointers (Figure 3), Time Exceeded. */
static void test_xlat_rfc7915_4_2_param_timxceed(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t len, n, w;
  static const uint8_t ptr[][2] = {{0, 0},   {1, 1},  {2, 4},  {3, 4},
                                   {8, 7},   {9, 6},  {12, 8}, {15, 8},
                                   {16, 24}, {19, 24}};
  for (size_t i = 0; i < sizeof(ptr) / sizeof(ptr[0]); i++) {
    n = v4_err(in, 12, 0, (uint32_t)ptr[i][0] << 24, 0);
    assert_int_equal(x46(n, &m, &len), 0);
    w = v6_err(want, 4, 0, ptr[i][1], 0);
    assert_int_equal(len, w);
    assert_memory_equal(out, want, w);
  }
  n = v4_err(in, 12, 2, 9u << 24, 0); /* bad length: as code 0 */
  assert_int_equal(x46(n, &m, &len), 0);
  w = v6_err(want, 4, 0, 6, 0);
  assert_memory_equal(out, want, w);
  static const uint8_t none[] = {4, 5, 6, 7, 10, 11, 20, 255};
  for (size_t i = 0; i < sizeof(none); i++) {
    n = v4_err(in, 12, 0, (uint32_t)none[i] << 24, 0);
    assert_int_equal(x46(n, &m, &len), PINHOLE_ERR_UNSUPPORTED);
  }
  n = v4_err(in, 11, 1, 0, 0);
  assert_int_equal(x46(n, &m, &len), 0);
  w = v6_err(want, 3, 1, 0, 0);
  assert_memory_equal(out, want, w);
}

/* RFC 7915 4.2 / RFC 4443 2.4(c): the ICMPv6 error stops at 1280 bytes. */
static void test_xlat_rfc7915_4_2_cut_1280(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t len, n = v4_err(in, 3, 3, 0, 1396);
  assert_int_equal(n, 20 + 8 + 1428);
  assert_int_equal(x46(n, &m, &len), 0);
  assert_int_equal(len, 1280);
  size_t w = v6_err(want, 1, 4, 0, 1396);
  /* the expected bytes, cut, with the checksum of the cut message */
  t_w16(want + 4, 1240);
  t_ck6(want, want + 40, 1240, 58, 2);
  assert_memory_equal(out, want, 1280);
  assert_true(w > 1280);
  assert_int_equal(out[1280], 0xcc);
}

/* RFC 7915 4.3: an error quoting an error is not translated; a
 * fragmented ICMP message neither (its checksum needs all of it). */
static void test_xlat_rfc7915_4_3_one_level(void **state) {
  (void)state;
  pinhole_xlat_map m = map46();
  size_t len;
  size_t n = t_ip4(in, S4, P4, 1, 64, 1, 0, 20 + 8 + 20 + 8 + 28, 0);
  memset(in + n, 0, 8);
  in[n] = 11;
  t_ip4(in + n + 8, P4, S4, 1, 64, 2, 0, 56, 0);
  memset(in + n + 28, 0, 36);
  in[n + 28] = 3;
  t_ip4(in + n + 36, S4, P4, 17, 64, 3, 0, 28, 0);
  t_ck4(in, in + n, 8 + 56, 1, 2);
  assert_int_equal(x46(n + 64, &m, &len), PINHOLE_ERR_UNSUPPORTED);
  n = v4_echo(in, S4, P4, 0, 61000, 77);
  t_w16(in + 6, 0x2000);
  t_w16(in + 10, 0);
  t_w16(in + 10, t_fin(t_sum(0, in, 20)));
  assert_int_equal(x46(n, &m, &len), PINHOLE_ERR_UNSUPPORTED);
}

/* An ICMPv6 error from router R6 to the client quoting what the server
 * sent (as translated): UDP 53 -> 40000, or an echo reply. */
static size_t v6_err_in(uint8_t *p, uint8_t type, uint8_t code, uint32_t word,
                        int fh) {
  size_t qn = 40 + (fh ? 8 : 0) + 12;
  size_t n = t_ip6(p, C6, R6, 58, 64, 8 + qn, 0);
  memset(p + n, 0, 8);
  p[n] = type;
  p[n + 1] = code;
  t_w32(p + n + 4, word);
  uint8_t *q = p + n + 8;
  t_ip6(q, S6, C6, fh ? 44 : 17, 1, (fh ? 8 : 0) + 12, 0);
  uint8_t *u = q + 40;
  if (fh) {
    memset(u, 0, 8);
    u[0] = 17;
    t_w32(u + 4, 0x99);
    u += 8;
  }
  t_udp(u, 53, 40000, 12);
  memcpy(u + 8, "ans!", 4);
  t_ck6(q, u, 12, 17, 6);
  t_ck6(p, p + n, 8 + qn, 58, 2);
  return n + 8 + qn;
}

static size_t v4_err_out(uint8_t *p, uint8_t type, uint8_t code,
                         uint32_t word) {
  size_t n = t_ip4(p, P4, S4, 1, 64, 0x4321, 0, 20 + 8 + 32, 0);
  memset(p + n, 0, 8);
  p[n] = type;
  p[n + 1] = code;
  t_w32(p + n + 4, word);
  uint8_t *q = p + n + 8;
  t_ip4(q, S4, P4, 17, 1, 0, 0, 32, 0);
  t_udp(q + 20, 53, 61000, 12);
  memcpy(q + 28, "ans!", 4);
  t_ck4(q, q + 20, 12, 17, 6);
  t_ck4(p, p + n, 40, 1, 2);
  return n + 40;
}

static pinhole_xlat_map map_err64(void) {
  pinhole_xlat_map m = map64();
  m.sport = 0;
  return m; /* R6 -> pool address; quote: server -> pool:61000 */
}

/* RFC 7915 5.2 (Time Exceeded 3 -> 11, Destination Unreachable codes)
 * and 5.3 (the quoted packet: header rebuilt, port, UDP checksum). */
static void test_xlat_rfc7915_5_3_errors(void **state) {
  (void)state;
  pinhole_xlat_map m = map_err64();
  size_t len, n = v6_err_in(in, 3, 0, 0, 0);
  assert_int_equal(x64(n, &m, &len), 0);
  size_t w = v4_err_out(want, 11, 0, 0);
  assert_int_equal(len, w);
  assert_memory_equal(out, want, w);
  static const uint8_t codes[][2] = {{0, 1}, {1, 10}, {2, 1}, {3, 1}, {4, 3}};
  for (size_t i = 0; i < 5; i++) {
    n = v6_err_in(in, 1, codes[i][0], 0, 0);
    assert_int_equal(x64(n, &m, &len), 0);
    w = v4_err_out(want, 3, codes[i][1], 0);
    assert_memory_equal(out, want, w);
  }
  n = v6_err_in(in, 1, 5, 0, 0);
  assert_int_equal(x64(n, &m, &len), PINHOLE_ERR_UNSUPPORTED);
  /* Parameter Problem (Figure 6), code 1 -> protocol unreachable */
  static const uint8_t ptr[][2] = {{0, 0},   {1, 1},  {4, 2},  {5, 2},
                                   {6, 9},   {7, 8},  {8, 12}, {23, 12},
                                   {24, 16}, {39, 16}};
  for (size_t i = 0; i < sizeof(ptr) / sizeof(ptr[0]); i++) {
    n = v6_err_in(in, 4, 0, ptr[i][0], 0);
    assert_int_equal(x64(n, &m, &len), 0);
    w = v4_err_out(want, 12, 0, (uint32_t)ptr[i][1] << 24);
    assert_memory_equal(out, want, w);
  }
  static const uint32_t none[] = {2, 3, 40, 0x10000};
  for (size_t i = 0; i < 4; i++) {
    n = v6_err_in(in, 4, 0, none[i], 0);
    assert_int_equal(x64(n, &m, &len), PINHOLE_ERR_UNSUPPORTED);
  }
  n = v6_err_in(in, 4, 1, 40, 0);
  assert_int_equal(x64(n, &m, &len), 0);
  w = v4_err_out(want, 3, 2, 0);
  assert_memory_equal(out, want, w);
  n = v6_err_in(in, 4, 2, 40, 0);
  assert_int_equal(x64(n, &m, &len), PINHOLE_ERR_UNSUPPORTED);
}

/* RFC 7915 5.2: Packet Too Big -> Fragmentation Needed with
 * min(MTU - 20, IPv4 next hop, IPv6 next hop - 20); 28 when the packet
 * in error had a fragment header. */
static void test_xlat_rfc7915_5_2_mtu(void **state) {
  (void)state;
  pinhole_xlat_map m = map_err64();
  size_t len, n = v6_err_in(in, 2, 0, 1280, 0);
  assert_int_equal(x64(n, &m, &len), 0);
  size_t w = v4_err_out(want, 3, 4, 1260);
  assert_int_equal(len, w);
  assert_memory_equal(out, want, w);
  m.mtu4 = 1000;
  assert_int_equal(x64(n, &m, &len), 0);
  assert_int_equal(t_r16(out + 26), 1000);
  m.mtu4 = 0;
  m.mtu6 = 1200;
  assert_int_equal(x64(n, &m, &len), 0);
  assert_int_equal(t_r16(out + 26), 1180);
  m.mtu6 = 0;
  n = v6_err_in(in, 2, 0, 1500, 1);
  assert_int_equal(x64(n, &m, &len), 0);
  assert_int_equal(t_r16(out + 24), 0);
  assert_int_equal(t_r16(out + 26), 1472);
  /* the quoted fragment's header: id 0x99, offset 0, MF clear */
  assert_int_equal(t_r16(out + 28 + 4), 0x99);
  assert_int_equal(t_r16(out + 28 + 6), 0);
}

/* RFC 7915 5.3: a quoted echo reply becomes an ICMPv4 echo reply with a
 * checksum right for the whole of it; 5.2 ND and MLD are dropped. */
static void test_xlat_rfc7915_5_3_echo_quote_and_nd(void **state) {
  (void)state;
  pinhole_xlat_map m = map_err64();
  m.inner_sport = 61000;
  uint8_t q[64];
  size_t qn = v6_echo(q, S6, C6, 129, 0x1d2e);
  size_t n = t_ip6(in, C6, R6, 58, 64, 8 + qn, 0), len;
  memset(in + n, 0, 8);
  in[n] = 3;
  memcpy(in + n + 8, q, qn);
  t_ck6(in, in + n, 8 + qn, 58, 2);
  assert_int_equal(x64(n + 8 + qn, &m, &len), 0);
  uint8_t e[64];
  size_t en = v4_echo(e, S4, P4, 0, 61000, 0);
  e[8] = 64; /* the echo's hop limit */
  t_w16(e + 10, 0);
  t_w16(e + 10, t_fin(t_sum(0, e, 20)));
  assert_int_equal(len, 28 + en);
  assert_memory_equal(out + 28, e, en);
  assert_int_equal(t_fin(t_sum(0, out + 20, len - 20)), 0);
  static const uint8_t types[] = {130, 131, 132, 133, 134,
                                  135, 136, 137, 143, 200};
  for (size_t i = 0; i < sizeof(types); i++) {
    n = t_ip6(in, "fe80::2", "ff02::1", 58, 255, 24, 0);
    memset(in + n, 0, 24);
    in[n] = types[i];
    t_ck6(in, in + n, 24, 58, 2);
    assert_int_equal(x64(n + 24, &m, &len), PINHOLE_ERR_UNSUPPORTED);
  }
}

static void test_xlat_bounds_and_args(void **state) {
  (void)state;
  pinhole_xlat_map m = map64();
  size_t n = v6_tcp(in, C6, S6, 40000, 80, 0x02, 64), len = 99;
  assert_int_equal(pinhole_xlat_6to4(in, n, out, n - 20 - 1, &m, &len),
                   PINHOLE_ERR_NOBUF);
  assert_int_equal(len, 0);
  assert_int_equal(pinhole_xlat_6to4(in, n, out, n - 20, &m, &len), 0);
  assert_int_equal(pinhole_xlat_6to4(in, n - 1, out, 2048, &m, &len),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_xlat_6to4(NULL, n, out, 2048, &m, &len),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_xlat_6to4(in, n, out, 2048, NULL, &len),
                   PINHOLE_ERR_INVALID_ARG);
  pinhole_xlat_map b = map46();
  n = v4_tcp(in, S4, P4, 80, 61000, 0x12, 57, 0x1234, 0x4000);
  assert_int_equal(pinhole_xlat_4to6(in, n, out, n + 20 - 1, &b, &len),
                   PINHOLE_ERR_NOBUF);
  assert_int_equal(pinhole_xlat_4to6(in, n, out, n + 20, &b, &len), 0);
  in[10] ^= 1; /* header checksum */
  assert_int_equal(pinhole_xlat_4to6(in, n, out, 2048, &b, &len),
                   PINHOLE_ERR_PARSE);
  /* an ICMP checksum that is wrong is not recomputed into a right one */
  n = v4_echo(in, S4, P4, 0, 61000, 77);
  in[n - 1] ^= 1;
  assert_int_equal(pinhole_xlat_4to6(in, n, out, 2048, &b, &len),
                   PINHOLE_ERR_PARSE);
  n = v6_echo(in, C6, S6, 128, 0x1d2e);
  in[n - 1] ^= 1;
  assert_int_equal(pinhole_xlat_6to4(in, n, out, 2048, &m, &len),
                   PINHOLE_ERR_PARSE);
  /* IPv4 protocols that would read as IPv6 extension headers */
  static const uint8_t ext[] = {43, 44, 58, 60};
  for (size_t i = 0; i < sizeof(ext); i++) {
    n = t_ip4(in, S4, P4, ext[i], 64, 1, 0, 40, 0);
    memset(in + n, 0, 20);
    assert_int_equal(pinhole_xlat_4to6(in, 40, out, 2048, &b, &len),
                     PINHOLE_ERR_UNSUPPORTED);
  }
  n = t_ip4(in, S4, P4, 59, 64, 1, 0, 40, 0);
  assert_int_equal(pinhole_xlat_4to6(in, 40, out, 2048, &b, &len), 0);
  assert_int_equal(len, 60);
  n = v4_err(in, 3, 3, 0, 0);
  assert_int_equal(pinhole_xlat_4to6(in, n, out, n + 40 - 1, &b, &len),
                   PINHOLE_ERR_NOBUF);
  assert_int_equal(pinhole_xlat_4to6(in, n, out, n + 40, &b, &len), 0);
}

/* ---- the in-place translation of a plain packet (pkt/xlat_plain.h) ---- */

static uint64_t xp_rng = 0x9e3779b97f4a7c15ull;

static uint32_t xp_rand(void) {
  xp_rng ^= xp_rng << 13;
  xp_rng ^= xp_rng >> 7;
  xp_rng ^= xp_rng << 17;
  return (uint32_t)(xp_rng >> 16);
}

/* The test's own one's-complement sum of b[0..n), big-endian words. */
static uint32_t xp_sum(uint32_t s, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    s += (i & 1) ? b[i] : (uint32_t)b[i] << 8;
  return s;
}

static uint16_t xp_fold(uint32_t s) {
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint16_t)s;
}

/* The upper layer of a plain packet at l4: UDP or TCP (an ACK, PSH at
 * random), len bytes of header and random payload, tail random bytes
 * after it, both ports non-zero; its checksum field ck (the correct sum
 * over the pseudo-header's address sum addrs when ck < 0). */
static void xp_l4(uint8_t *l4, uint8_t proto, size_t len, size_t tail,
                  int32_t ck, uint32_t addrs) {
  for (size_t i = 0; i < len + tail; i++)
    l4[i] = (uint8_t)xp_rand();
  l4[0] |= 1; /* no zero port */
  l4[2] |= 1;
  size_t at = 6;
  if (proto == PINHOLE_IPPROTO_UDP) {
    l4[4] = (uint8_t)(len >> 8);
    l4[5] = (uint8_t)len;
  } else {
    l4[12] = 5 << 4;
    l4[13] = PINHOLE_TCP_ACK | (xp_rand() & 1 ? PINHOLE_TCP_PSH : 0);
    at = 16;
  }
  l4[at] = l4[at + 1] = 0;
  if (ck < 0) {
    uint32_t sum = addrs + (uint32_t)len + proto;
    ck = (uint16_t)~xp_fold(xp_sum(sum, l4, len));
    if (ck == 0 && proto == PINHOLE_IPPROTO_UDP)
      ck = 0xffff;
  }
  l4[at] = (uint8_t)(ck >> 8);
  l4[at + 1] = (uint8_t)ck;
}

/* A plain IPv6 packet 2001:db8::/32 -> 64:ff9b::/96 (UDP or TCP, plen
 * bytes of upper layer, tail extra bytes after it) in b; its L4 checksum
 * field ck (the test's own correct sum when ck < 0). Returns its length. */
static size_t xp_build(uint8_t *b, uint8_t proto, size_t plen, size_t tail,
                       uint8_t tclass, uint8_t hlim, int32_t ck) {
  t_w32(b, 6u << 28 | (uint32_t)tclass << 20 | (xp_rand() & 0xfffffu));
  b[4] = (uint8_t)(plen >> 8);
  b[5] = (uint8_t)plen;
  b[6] = proto;
  b[7] = hlim;
  t_w32(b + 8, 0x20010db8u);
  for (int i = 12; i < 24; i += 4)
    t_w32(b + i, xp_rand());
  t_w32(b + 24, 0x0064ff9bu);
  memset(b + 28, 0, 8);
  t_w32(b + 36, xp_rand());
  xp_l4(b + 40, proto, plen, tail, ck, xp_sum(0, b + 8, 32));
  return 40 + plen + tail;
}

/* One packet both ways: the in-place translation gives
 * pinhole_xlat_6to4's bytes and length, or declines and leaves the
 * packet alone. Returns 1 when it translated. */
static int xp_same(const uint8_t *pkt, size_t len, size_t cap,
                   const pinhole_xlat_map *m) {
  static uint8_t a[2048], b[2048];
  memcpy(a, pkt, len);
  memcpy(b, pkt, len);
  size_t olen = 0, plen = 0;
  int rc = pinhole_xlat_6to4(a, len, out, cap, m, &olen);
  int fast = pinhole__xlat_6to4_plain(b, len, cap, m, &plen);
  if (!fast) {
    assert_memory_equal(b, pkt, len);
    return 0;
  }
  assert_int_equal(rc, 0);
  assert_int_equal(plen, olen);
  assert_memory_equal(b, out, olen);
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(b, plen, &v), PINHOLE_PKT_OK);
  return 1;
}

/* The checksum field value that makes the translation's checksum
 * (~)target: the translation adds a constant modulo 0xffff to ~ck. */
static uint16_t xp_ck_for(const uint8_t *pkt, size_t len, uint8_t proto,
                          const pinhole_xlat_map *m, uint16_t target) {
  size_t olen = 0;
  size_t at = 40 + (proto == PINHOLE_IPPROTO_TCP ? 16u : 6u);
  assert_int_equal(pinhole_xlat_6to4(pkt, len, out, sizeof(out), m, &olen), 0);
  uint32_t nin = (uint16_t) ~(pkt[at] << 8 | pkt[at + 1]);
  uint32_t nout = (uint16_t) ~(out[at - 20] << 8 | out[at - 19]);
  uint32_t k = (nout + 0xffff - nin % 0xffff) % 0xffff;
  uint32_t nwant = ((uint16_t)~target % 0xffffu + 0xffff - k) % 0xffff;
  return (uint16_t)~nwant;
}

/* RFC 7915 sec. 5.1 / 5.5 in place: thousands of random plain UDP and
 * TCP packets (addresses in 2001:db8::/32 and 64:ff9b::/96, ports,
 * payload lengths 0..1400 odd and even, traffic classes, hop limits 1
 * and 2 among others, right, wrong and chosen checksums so that the
 * output's is 0x0000 or 0xffff, bytes after the IPv6 payload) come out
 * of pinhole__xlat_6to4_plain exactly as pinhole_xlat_6to4 writes them;
 * maps it must decline (equal addresses, 127/8, 0/8, 240/4 destinations,
 * no room, a fragment, an extension header) leave the packet alone. */
static void test_xlat_6to4_plain_same_bytes(void **state) {
  (void)state;
  static uint8_t pkt[2048];
  static const uint8_t hl[] = {1, 2, 3, 64, 128, 254, 255};
  unsigned fast = 0, n = 0, zero = 0, ones = 0;
  for (unsigned i = 0; i < 6000; i++) {
    uint8_t proto = (i & 1) ? PINHOLE_IPPROTO_TCP : PINHOLE_IPPROTO_UDP;
    size_t min = proto == PINHOLE_IPPROTO_TCP ? 20 : 8;
    size_t plen = min + xp_rand() % (1401 - min + 1);
    if (i % 7 == 0)
      plen = min + (i % 3); /* the shortest */
    size_t tail = (i % 5 == 0) ? xp_rand() % 9 : 0;
    uint8_t tc = (i % 3 == 0) ? (uint8_t)xp_rand() : (uint8_t)(i % 4);
    uint8_t h = hl[i % sizeof(hl)];
    int32_t ck = (i % 4 == 1) ? (int32_t)(xp_rand() & 0xffff) : -1;
    if (proto == PINHOLE_IPPROTO_UDP && ck == 0)
      ck = 1;
    size_t len = xp_build(pkt, proto, plen, tail, tc, h, ck);
    pinhole_xlat_map m;
    memset(&m, 0, sizeof(m));
    m.src4 = 0xc6120000u | (xp_rand() & 0xffffu); /* 198.18/16 */
    m.dst4 = (uint32_t)pkt[36] << 24 | (uint32_t)pkt[37] << 16 |
             (uint32_t)pkt[38] << 8 | pkt[39];
    if (m.dst4 >> 24 == 0 || m.dst4 >> 24 == 127 || m.dst4 >> 28 >= 14 ||
        m.dst4 == m.src4)
      m.dst4 = 0xc6130000u | (xp_rand() & 0xffffu);
    m.sport = (i % 9 == 0) ? 0 : (uint16_t)(1 + xp_rand() % 65535);
    m.dport = (i % 11 == 0) ? 0 : (uint16_t)(1 + xp_rand() % 65535);
    m.ip_id = (uint16_t)xp_rand();
    if (i % 3 == 2) { /* chosen: the output's checksum 0x0000 or 0xffff */
      uint16_t target = (i % 2) ? 0xffff : 0x0000;
      uint16_t c = xp_ck_for(pkt, len, proto, &m, target);
      size_t at = 40 + (proto == PINHOLE_IPPROTO_TCP ? 16u : 6u);
      if (proto == PINHOLE_IPPROTO_UDP && c == 0)
        c = 0xffff; /* the same sum, not "no checksum" */
      pkt[at] = (uint8_t)(c >> 8);
      pkt[at + 1] = (uint8_t)c;
      size_t olen = 0;
      assert_int_equal(pinhole_xlat_6to4(pkt, len, out, sizeof(out), &m, &olen),
                       0);
      uint16_t got = (uint16_t)(out[at - 20] << 8 | out[at - 19]);
      zero += got == 0x0000;
      ones += got == 0xffff;
    }
    n++;
    fast += (unsigned)xp_same(pkt, len, sizeof(out), &m);
  }
  assert_int_equal(fast, n); /* every one took the in-place way */
  assert_true(ones > 100);
  assert_true(zero > 100); /* TCP only: UDP's 0 is sent as 0xffff */
  /* what it must decline, the packet untouched */
  size_t len = xp_build(pkt, PINHOLE_IPPROTO_UDP, 100, 0, 0, 64, -1);
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  m.src4 = 0xc6120001u;
  static const uint32_t bad_dst[] = {0xc6120001u, 0x7f000001u, 0x00000001u,
                                     0xf0000001u, 0xffffffffu};
  for (size_t k = 0; k < sizeof(bad_dst) / sizeof(bad_dst[0]); k++) {
    m.dst4 = bad_dst[k];
    assert_int_equal(xp_same(pkt, len, sizeof(out), &m), 0);
  }
  m.dst4 = 0xe0000001u; /* a multicast destination: the parse takes it */
  assert_int_equal(xp_same(pkt, len, sizeof(out), &m), 1);
  m.dst4 = 0xc6130021u;
  m.src4 = 0xe0000001u; /* a multicast source */
  assert_int_equal(xp_same(pkt, len, sizeof(out), &m), 0);
  m.src4 = 0x7f000001u; /* a loopback source */
  assert_int_equal(xp_same(pkt, len, sizeof(out), &m), 0);
  m.src4 = 0xc6120001u;
  assert_int_equal(xp_same(pkt, len, sizeof(out), &m), 1);
  assert_int_equal(xp_same(pkt, len, 20 + 100 - 1, &m), 0); /* no room */
  assert_int_equal(xp_same(pkt, len, 20 + 100, &m), 1);
  pkt[6] = PINHOLE_IP6_NH_DSTOPTS; /* not plain */
  assert_int_equal(xp_same(pkt, len, sizeof(out), &m), 0);
  pkt[6] = PINHOLE_IPPROTO_UDP;
  pkt[7] = 0; /* hop limit 0: refused by the parse */
  assert_int_equal(xp_same(pkt, len, sizeof(out), &m), 0);
}

/* ---- the reply in place: IPv4 -> IPv6 (pkt/xlat_plain.h) -------------- */

/* A plain IPv4 packet (UDP or TCP, l4 bytes of header and payload, tail
 * extra bytes after it) from a random public address to 198.18/16 in b:
 * TOS tos, TTL ttl, DF random, a random identification, the header
 * checksum right; its L4 checksum field ck (the test's own correct sum
 * when ck < 0; 0 in a UDP packet: "no checksum"). Returns its length. */
static size_t xq_build(uint8_t *b, uint8_t proto, size_t l4, size_t tail,
                       uint8_t tos, uint8_t ttl, int32_t ck) {
  size_t tot = 20 + l4;
  b[0] = 0x45;
  b[1] = tos;
  b[2] = (uint8_t)(tot >> 8);
  b[3] = (uint8_t)tot;
  t_w32(b + 4, xp_rand() << 16 | ((xp_rand() & 1) ? 0x4000u : 0u));
  b[8] = ttl;
  b[9] = proto;
  b[10] = b[11] = 0;
  t_w32(b + 12, (1u + xp_rand() % 126u) << 24 | (xp_rand() & 0xffffffu));
  t_w32(b + 16, 0xc6120000u | (xp_rand() & 0xffffu));
  uint16_t hc = (uint16_t)~xp_fold(xp_sum(0, b, 20));
  b[10] = (uint8_t)(hc >> 8);
  b[11] = (uint8_t)hc;
  xp_l4(b + 20, proto, l4, tail, ck, xp_sum(0, b + 12, 8));
  return tot + tail;
}

/* One reply both ways: the in-place translation gives
 * pinhole_xlat_4to6's bytes and length, or declines and leaves the
 * packet alone. Returns 1 when it translated. */
static int xq_same(const uint8_t *pkt, size_t len, size_t cap,
                   const pinhole_xlat_map *m) {
  static uint8_t a[2048], b[2048];
  memcpy(a, pkt, len);
  memcpy(b, pkt, len);
  size_t olen = 0, plen = 0;
  int rc = pinhole_xlat_4to6(a, len, out, cap, m, &olen);
  int fast = pinhole__xlat_4to6_plain(b, len, cap, m, &plen);
  if (!fast) {
    assert_memory_equal(b, pkt, len);
    return 0;
  }
  assert_int_equal(rc, 0);
  assert_int_equal(plen, olen);
  assert_memory_equal(b, out, olen);
  pinhole_pkt6_view v;
  assert_int_equal(pinhole_pkt6_parse(b, plen, &v), PINHOLE_PKT_OK);
  pinhole_pkt_view vi; /* a right checksum stays right (or is computed) */
  assert_int_equal(pinhole_pkt_parse(pkt, len, &vi), PINHOLE_PKT_OK);
  if (pinhole_pkt_l4_cksum_ok(pkt, &vi) == 1)
    assert_int_equal(pinhole_pkt6_l4_cksum_ok(b, &v), 1);
  return 1;
}

/* The L4 checksum field value that makes the reply's translated
 * checksum (~)target (the translation adds a constant modulo 0xffff). */
static uint16_t xq_ck_for(const uint8_t *pkt, size_t len, uint8_t proto,
                          const pinhole_xlat_map *m, uint16_t target) {
  size_t olen = 0;
  size_t at = 20 + (proto == PINHOLE_IPPROTO_TCP ? 16u : 6u);
  assert_int_equal(pinhole_xlat_4to6(pkt, len, out, sizeof(out), m, &olen), 0);
  uint32_t nin = (uint16_t) ~(pkt[at] << 8 | pkt[at + 1]);
  uint32_t nout = (uint16_t) ~(out[at + 20] << 8 | out[at + 21]);
  uint32_t k = (nout + 0xffff - nin % 0xffff) % 0xffff;
  uint32_t nwant = ((uint16_t)~target % 0xffffu + 0xffff - k) % 0xffff;
  return (uint16_t)~nwant;
}

/* A map for a reply: from 64:ff9b::<the packet's source> to a random
 * 2001:db8::/32 host, ports chosen or 0 (kept). */
static void xq_map(pinhole_xlat_map *m, const uint8_t *pkt, unsigned i) {
  memset(m, 0, sizeof(*m));
  m->src6[1] = 0x64;
  m->src6[2] = 0xff;
  m->src6[3] = 0x9b;
  memcpy(m->src6 + 12, pkt + 12, 4);
  t_w32(m->dst6, 0x20010db8u);
  for (int k = 4; k < 16; k += 4)
    t_w32(m->dst6 + k, xp_rand());
  m->sport = (i % 9 == 0) ? 0 : (uint16_t)(1 + xp_rand() % 65535);
  m->dport = (i % 11 == 0) ? 0 : (uint16_t)(1 + xp_rand() % 65535);
}

/* RFC 7915 sec. 4.1 / 4.5 in place: thousands of random plain UDP and
 * TCP replies (payload lengths 0..1400 odd and even, TOS values, TTL 1,
 * 2, 64, 255, right, random and chosen checksums so that the output's is
 * 0x0000 or 0xffff, UDP checksums of zero, bytes after the IPv4 packet,
 * DF set or not) come out of pinhole__xlat_4to6_plain exactly as
 * pinhole_xlat_4to6 writes them; what it must decline (equal, ::/64,
 * multicast addresses, no room, options, a fragment, a bad header
 * checksum, TTL 0, ICMP) leaves the packet alone. */
static void test_xlat_4to6_plain_same_bytes(void **state) {
  (void)state;
  static uint8_t pkt[2048];
  static const uint8_t tl[] = {1, 2, 64, 255};
  unsigned fast = 0, n = 0, zero = 0, ones = 0, none = 0;
  for (unsigned i = 0; i < 6000; i++) {
    uint8_t proto = (i & 1) ? PINHOLE_IPPROTO_TCP : PINHOLE_IPPROTO_UDP;
    size_t min = proto == PINHOLE_IPPROTO_TCP ? 20 : 8;
    size_t l4 = min + xp_rand() % (1401 - min + 1);
    if (i % 7 == 0)
      l4 = min + (i % 3); /* the shortest */
    size_t tail = (i % 5 == 0) ? xp_rand() % 9 : 0;
    uint8_t tos = (i % 3 == 0) ? (uint8_t)xp_rand() : (uint8_t)(i % 4);
    uint8_t ttl = tl[(i / 2) % sizeof(tl)];
    int32_t ck = (i % 4 == 1) ? (int32_t)(xp_rand() & 0xffff) : -1;
    if (proto == PINHOLE_IPPROTO_UDP && i % 10 == 4)
      ck = 0; /* no checksum: computed (sec. 4.5) */
    else if (proto == PINHOLE_IPPROTO_UDP && ck == 0)
      ck = 1;
    size_t len = xq_build(pkt, proto, l4, tail, tos, ttl, ck);
    pinhole_xlat_map m;
    xq_map(&m, pkt, i);
    if (i % 3 == 2 && ck != 0) { /* chosen: output checksum 0 or 0xffff */
      uint16_t target = (i % 2) ? 0xffff : 0x0000;
      uint16_t c = xq_ck_for(pkt, len, proto, &m, target);
      size_t at = 20 + (proto == PINHOLE_IPPROTO_TCP ? 16u : 6u);
      if (proto == PINHOLE_IPPROTO_UDP && c == 0)
        c = 0xffff; /* the same sum, not "no checksum" */
      pkt[at] = (uint8_t)(c >> 8);
      pkt[at + 1] = (uint8_t)c;
      size_t olen = 0;
      assert_int_equal(pinhole_xlat_4to6(pkt, len, out, sizeof(out), &m, &olen),
                       0);
      uint16_t got = (uint16_t)(out[at + 20] << 8 | out[at + 21]);
      zero += got == 0x0000;
      ones += got == 0xffff;
    }
    none += ck == 0;
    n++;
    fast += (unsigned)xq_same(pkt, len, sizeof(out), &m);
  }
  assert_int_equal(fast, n); /* every one took the in-place way */
  assert_true(ones > 100);
  assert_true(zero > 100); /* TCP only: UDP's 0 is sent as 0xffff */
  assert_true(none > 100);
  /* what it must decline, the packet untouched */
  size_t len = xq_build(pkt, PINHOLE_IPPROTO_UDP, 100, 0, 0, 64, -1);
  pinhole_xlat_map m;
  xq_map(&m, pkt, 1);
  pinhole_xlat_map bad = m;
  memcpy(bad.dst6, bad.src6, 16); /* equal addresses */
  assert_int_equal(xq_same(pkt, len, sizeof(out), &bad), 0);
  bad = m;
  memset(bad.src6, 0, 8); /* ::/64: the full parse's to judge */
  assert_int_equal(xq_same(pkt, len, sizeof(out), &bad), 0);
  bad = m;
  memset(bad.dst6, 0, 8);
  assert_int_equal(xq_same(pkt, len, sizeof(out), &bad), 0);
  bad = m;
  bad.src6[0] = 0xff; /* multicast */
  assert_int_equal(xq_same(pkt, len, sizeof(out), &bad), 0);
  bad = m;
  bad.dst6[0] = 0xff;
  assert_int_equal(xq_same(pkt, len, sizeof(out), &bad), 0);
  assert_int_equal(xq_same(pkt, len, sizeof(out), &m), 1);
  assert_int_equal(xq_same(pkt, len, 40 + 100 - 1, &m), 0); /* no room */
  assert_int_equal(xq_same(pkt, len, 40 + 100, &m), 1);
  static uint8_t q[2048];
  memcpy(q, pkt, len);
  q[6] |= 0x20; /* MF: a first fragment */
  assert_int_equal(xq_same(q, len, sizeof(out), &m), 0);
  memcpy(q, pkt, len);
  q[10] ^= 1; /* a bad header checksum */
  assert_int_equal(xq_same(q, len, sizeof(out), &m), 0);
  len = xq_build(pkt, PINHOLE_IPPROTO_UDP, 100, 0, 0, 0, -1); /* TTL 0 */
  assert_int_equal(xq_same(pkt, len, sizeof(out), &m), 0);
  len = xq_build(pkt, PINHOLE_IPPROTO_ICMP, 100, 0, 0, 64, -1);
  assert_int_equal(xq_same(pkt, len, sizeof(out), &m), 0);
  /* options (a 24-byte header, one NOP and EOLs): the general path's */
  len = xq_build(pkt, PINHOLE_IPPROTO_UDP, 100, 0, 0, 64, -1);
  memcpy(q, pkt, 20);
  memset(q + 20, 0, 4);
  q[20] = 1;
  memcpy(q + 24, pkt + 20, 100);
  q[0] = 0x46;
  q[3] = (uint8_t)(q[3] + 4);
  q[10] = q[11] = 0;
  uint16_t hc = (uint16_t)~xp_fold(xp_sum(0, q, 24));
  q[10] = (uint8_t)(hc >> 8);
  q[11] = (uint8_t)hc;
  assert_int_equal(xq_same(q, len + 4, sizeof(out), &m), 0);
  size_t olen = 0; /* which the general path translates */
  assert_int_equal(pinhole_xlat_4to6(q, len + 4, out, sizeof(out), &m, &olen),
                   0);
}

int main(void) {
  const char *path = getenv("PINHOLE_XLAT_PCAP");
  if (path != NULL && (pcap = fopen(path, "wb")) != NULL) {
    static const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4,
                                    0,    0,    0,    0,    0, 0, 0,
                                    0,    0,    0xff, 0xff, 0, 0, 101};
    fwrite(hdr, 1, sizeof(hdr), pcap);
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_xlat_rfc7915_5_1_tcp),
      cmocka_unit_test(test_xlat_rfc7915_4_1_tcp),
      cmocka_unit_test(test_xlat_round_trip_tcp),
      cmocka_unit_test(test_xlat_rfc7915_4_1_fragments),
      cmocka_unit_test(test_xlat_rfc7915_5_1_1_fragments),
      cmocka_unit_test(test_xlat_rfc7915_4_5_udp_zero),
      cmocka_unit_test(test_xlat_rfc7915_5_1_ext_df_routing),
      cmocka_unit_test(test_xlat_rfc7915_4_1_options),
      cmocka_unit_test(test_xlat_rfc7915_echo),
      cmocka_unit_test(test_xlat_rfc7915_4_2_drops),
      cmocka_unit_test(test_xlat_rfc7915_4_3_port_unreach),
      cmocka_unit_test(test_xlat_rfc7915_4_3_quoted_fragment),
      cmocka_unit_test(test_xlat_rfc7915_4_2_mtu),
      cmocka_unit_test(test_xlat_rfc7915_4_2_param_timxceed),
      cmocka_unit_test(test_xlat_rfc7915_4_2_cut_1280),
      cmocka_unit_test(test_xlat_rfc7915_4_3_one_level),
      cmocka_unit_test(test_xlat_rfc7915_5_3_errors),
      cmocka_unit_test(test_xlat_rfc7915_5_2_mtu),
      cmocka_unit_test(test_xlat_rfc7915_5_3_echo_quote_and_nd),
      cmocka_unit_test(test_xlat_bounds_and_args),
      cmocka_unit_test(test_xlat_6to4_plain_same_bytes),
      cmocka_unit_test(test_xlat_4to6_plain_same_bytes),
  };
  int r = cmocka_run_group_tests(tests, NULL, NULL);
  if (pcap != NULL)
    fclose(pcap);
  return r;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the IPv6 packet layer (include/pinhole/ipv6.h): parsing
 * and validation with one reason per malformed class, ICMPv6, checksums
 * with the pseudo-header, RFC 6052 addresses and RFC 4291/5952 text.
 * Packets are built by tests/unit/ip6_build.h (independent checksums).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/cksum.h>
#include <pinhole/ipv6.h>

#include "ip6_build.h"
#include "pkt/ipv6_chain.h"
#include "pkt/plain6.h"

#define C "2001:db8::2"
#define S "2001:db8:1::5"

/* 2001:db8::2:40000 -> 2001:db8:1::5:80 SYN with 2 payload bytes. */
static size_t mk_tcp6(uint8_t *p) {
  size_t n = t_ip6(p, C, S, 6, 64, 22, 0x28);
  t_tcp(p + n, 40000, 80, 0x01020304, 0, 0x02);
  p[n + 20] = 'h';
  p[n + 21] = 'i';
  t_ck6(p, p + n, 22, 6, 16);
  return n + 22;
}

/* UDP 2001:db8::2:5060 -> 2001:db8:1::5:5060 with 4 payload bytes. */
static size_t mk_udp6(uint8_t *p) {
  size_t n = t_ip6(p, C, S, 17, 64, 12, 0);
  t_udp(p + n, 5060, 5060, 12);
  memcpy(p + n + 8, "SIP!", 4);
  t_ck6(p, p + n, 12, 17, 6);
  return n + 12;
}

static size_t mk_echo6(uint8_t *p, const char *src, const char *dst) {
  size_t n = t_ip6(p, src, dst, 58, 64, 12, 0);
  memset(p + n, 0, 12);
  p[n] = 128;
  t_w16(p + n + 4, 0x1d2e);
  t_w16(p + n + 6, 7);
  memcpy(p + n + 8, "ping", 4);
  t_ck6(p, p + n, 12, 58, 2);
  return n + 12;
}

static void test_ipv6_valid_tcp(void **state) {
  (void)state;
  uint8_t p[80];
  size_t n = mk_tcp6(p);
  pinhole_pkt6_view v;
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  uint8_t a[16];
  t_a6(a, C);
  assert_memory_equal(v.src, a, 16);
  assert_int_equal(v.ip_len, 62);
  assert_int_equal(v.tclass, 0x28);
  assert_int_equal(v.hlim, 64);
  assert_int_equal(v.proto, 6);
  assert_int_equal(v.l4_off, 40);
  assert_int_equal(v.l4_len, 22);
  assert_int_equal(v.sport, 40000);
  assert_int_equal(v.dport, 80);
  assert_int_equal(v.seq, 0x01020304);
  assert_int_equal(v.payload_off, 60);
  assert_int_equal(v.payload_len, 2);
  assert_int_equal(v.flags, PINHOLE_PKT6F_L4);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 1);
  /* Ethernet padding after the payload is ignored. */
  memset(p + n, 0xab, 6);
  assert_int_equal(pinhole_pkt6_parse(p, n + 6, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.ip_len, 62);
  /* A wrong checksum is found and fixed. */
  p[n - 1] ^= 0x40;
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 0);
  assert_int_equal(pinhole_pkt6_fix_cksums(p, &v), 1);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 1);
  assert_int_equal(pinhole_pkt6_fix_cksums(p, &v), 0);
}

static void test_ipv6_valid_udp_and_zero_cksum(void **state) {
  (void)state;
  uint8_t p[80];
  size_t n = mk_udp6(p);
  pinhole_pkt6_view v;
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.sport, 5060);
  assert_int_equal(v.payload_off, 48);
  assert_int_equal(v.payload_len, 4);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 1);
  /* RFC 8200 8.1: a zero UDP checksum is not allowed over IPv6. */
  t_w16(p + 46, 0);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_UDP6_CKSUM_ZERO);
  /* UDP length lies */
  n = mk_udp6(p);
  t_w16(p + 44, 13);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_UDP_LEN);
  t_w16(p + 44, 7);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_UDP_LEN);
  n = mk_udp6(p);
  t_w16(p + 40, 0);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_UDP_PORT_ZERO);
  n = t_ip6(p, C, S, 17, 64, 6, 0);
  assert_int_equal(pinhole_pkt6_parse(p, n + 6, &v), PINHOLE_PKT_UDP_SHORT);
}

static void test_ipv6_tcp_checks(void **state) {
  (void)state;
  uint8_t p[80];
  pinhole_pkt6_view v;
  size_t n = mk_tcp6(p);
  p[53] = 0x03; /* SYN+FIN */
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_TCP_FLAGS);
  n = mk_tcp6(p);
  t_w16(p + 42, 0);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_TCP_PORT_ZERO);
  n = mk_tcp6(p);
  p[52] = 0x40; /* data offset 4 */
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_TCP_HDR_LEN);
  n = mk_tcp6(p);
  p[52] = 0x60; /* 24 > 22 bytes */
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_TCP_HDR_LEN);
}

/* Every length short of the packet fails, with the reason of its
 * class: under 40 the header, above it the payload length that lies. */
static void test_ipv6_truncated_every_length(void **state) {
  (void)state;
  uint8_t p[80];
  size_t n = mk_tcp6(p);
  pinhole_pkt6_view v;
  for (size_t len = 0; len < n; len++) {
    uint8_t *c = malloc(len ? len : 1);
    memcpy(c, p, len);
    int r = pinhole_pkt6_parse(c, len, &v);
    assert_int_equal(r, len < 40 ? PINHOLE_PKT_IP6_HDR : PINHOLE_PKT_IP6_LEN);
    free(c);
  }
  /* The payload length says less: the TCP header is cut short. */
  t_w16(p + 4, 19);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_TCP_HDR_LEN);
  p[0] = 0x45;
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP6_HDR);
  assert_int_equal(pinhole_pkt6_parse(NULL, n, &v), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pkt6_parse(p, n, NULL), PINHOLE_ERR_INVALID_ARG);
}

static void test_ipv6_hlim_land_jumbo(void **state) {
  (void)state;
  uint8_t p[80];
  pinhole_pkt6_view v;
  size_t n = mk_tcp6(p);
  p[7] = 0;
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP_TTL_ZERO);
  n = mk_tcp6(p);
  memcpy(p + 24, p + 8, 16);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP_LAND);
  /* RFC 2675: payload length 0 and a hop-by-hop header */
  n = t_ip6(p, C, S, 0, 64, 0, 0);
  memset(p + 40, 0, 8);
  p[40] = 6;
  p[42] = 0xc2;
  p[43] = 4;
  assert_int_equal(pinhole_pkt6_parse(p, 48, &v), PINHOLE_PKT_IP6_JUMBO);
  /* a Jumbo Payload option in a packet with a payload length */
  t_w16(p + 4, 8);
  assert_int_equal(pinhole_pkt6_parse(p, 48, &v), PINHOLE_PKT_IP6_JUMBO);
  /* payload length 0, no next header: an empty packet is fine */
  n = t_ip6(p, C, S, 59, 64, 0, 0);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.proto, 59);
  assert_int_equal(v.l4_len, 0);
}

static int parse_addrs(const char *src, const char *dst) {
  uint8_t p[80];
  pinhole_pkt6_view v;
  size_t n = mk_echo6(p, src, dst);
  return pinhole_pkt6_parse(p, n, &v);
}

/* RFC 4291 2.5.2-2.5.5, 2.7 and RFC 6890: addresses never on the wire. */
static void test_ipv6_addresses(void **state) {
  (void)state;
  assert_int_equal(parse_addrs(C, S), PINHOLE_PKT_OK);
  assert_int_equal(parse_addrs("ff02::1", S), PINHOLE_PKT_IP6_SRC);
  assert_int_equal(parse_addrs("ff0e::1", S), PINHOLE_PKT_IP6_SRC);
  assert_int_equal(parse_addrs("::1", S), PINHOLE_PKT_IP6_SRC);
  assert_int_equal(parse_addrs("::ffff:198.19.0.1", S), PINHOLE_PKT_IP6_SRC);
  assert_int_equal(parse_addrs("::198.19.0.1", S), PINHOLE_PKT_IP6_SRC);
  assert_int_equal(parse_addrs(C, "::"), PINHOLE_PKT_IP6_DST);
  assert_int_equal(parse_addrs(C, "::1"), PINHOLE_PKT_IP6_DST);
  assert_int_equal(parse_addrs(C, "::ffff:198.19.0.1"), PINHOLE_PKT_IP6_DST);
  assert_int_equal(parse_addrs(C, "::198.19.0.2"), PINHOLE_PKT_IP6_DST);
  assert_int_equal(parse_addrs(C, "ff00::1"), PINHOLE_PKT_IP6_DST);
  assert_int_equal(parse_addrs(C, "ff01::1"), PINHOLE_PKT_IP6_DST);
  assert_int_equal(parse_addrs(C, "ff0f::1"), PINHOLE_PKT_IP6_DST);
  assert_int_equal(parse_addrs(C, "ff0e::1"), PINHOLE_PKT_OK);
  /* link scope passes with its flag */
  uint8_t p[80];
  pinhole_pkt6_view v;
  size_t n = mk_echo6(p, "fe80::2", "ff02::1");
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_true(v.flags & PINHOLE_PKT6F_LINK_LOCAL);
  n = mk_echo6(p, C, S);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_false(v.flags & PINHOLE_PKT6F_LINK_LOCAL);
  assert_int_equal(v.flags, PINHOLE_PKT6F_ICMP_QUERY | PINHOLE_PKT6F_L4);
  assert_int_equal(v.sport, 0x1d2e);
  assert_int_equal(v.dport, 0x1d2e);
  assert_int_equal(v.icmp_seq, 7);
  assert_int_equal(v.icmp_type, 128);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 1);
  /* the unspecified source: only for an echo, refused */
  assert_int_equal(parse_addrs("::", S), PINHOLE_PKT_IP6_SRC);
}

/* RFC 4861 7.1.1 (DAD): neighbour solicitation from ::, recognised. */
static void test_ipv6_nd_recognised(void **state) {
  (void)state;
  uint8_t p[80];
  pinhole_pkt6_view v;
  size_t n = t_ip6(p, "::", "ff02::1:ff00:2", 58, 255, 24, 0);
  memset(p + n, 0, 24);
  p[n] = 135;
  t_a6(p + n + 8, C);
  t_ck6(p, p + n, 24, 58, 2);
  assert_int_equal(pinhole_pkt6_parse(p, n + 24, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKT6F_ND | PINHOLE_PKT6F_SRC_UNSPEC |
                                PINHOLE_PKT6F_LINK_LOCAL);
  assert_int_equal(v.icmp_type, 135);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 1);
  /* a neighbour advertisement (136) may not come from :: */
  p[n] = 136;
  assert_int_equal(pinhole_pkt6_parse(p, n + 24, &v), PINHOLE_PKT_IP6_SRC);
  /* from a link-local address it is recognised */
  t_a6(p + 8, "fe80::2");
  assert_int_equal(pinhole_pkt6_parse(p, n + 24, &v), PINHOLE_PKT_OK);
  assert_true(v.flags & PINHOLE_PKT6F_ND);
  /* MLDv2 report (143) */
  p[n] = 143;
  assert_int_equal(pinhole_pkt6_parse(p, n + 24, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKT6F_MLD | PINHOLE_PKT6F_LINK_LOCAL);
  /* MLDv1 report (131) and router solicitation (133) from :: pass,
   * an MLD query (130) does not */
  t_a6(p + 8, "::");
  p[n] = 131;
  assert_int_equal(pinhole_pkt6_parse(p, n + 24, &v), PINHOLE_PKT_OK);
  p[n] = 133;
  assert_int_equal(pinhole_pkt6_parse(p, n + 24, &v), PINHOLE_PKT_OK);
  assert_true(v.flags & PINHOLE_PKT6F_ND);
  p[n] = 130;
  assert_int_equal(pinhole_pkt6_parse(p, n + 24, &v), PINHOLE_PKT_IP6_SRC);
  /* ICMPv6 shorter than 8 bytes */
  t_w16(p + 4, 4);
  assert_int_equal(pinhole_pkt6_parse(p, n + 4, &v), PINHOLE_PKT_ICMP_SHORT);
}

/* hop-by-hop (PadN) + destination options (Pad1s) + UDP */
static size_t mk_ext_udp(uint8_t *p) {
  size_t n = t_ip6(p, C, S, 0, 64, 16 + 12, 0);
  memset(p + n, 0, 16);
  p[n] = 60;    /* next: destination options */
  p[n + 2] = 1; /* PadN, 4 bytes of data */
  p[n + 3] = 4;
  p[n + 8] = 17; /* destination options -> UDP, Pad1 x 6 */
  n += 16;
  t_udp(p + n, 5060, 5070, 12);
  memcpy(p + n + 8, "SIP!", 4);
  t_ck6(p, p + n, 12, 17, 6);
  return n + 12;
}

static void test_ipv6_ext_chain(void **state) {
  (void)state;
  uint8_t p[120];
  pinhole_pkt6_view v;
  size_t n = mk_ext_udp(p);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.ext_count, 2);
  assert_int_equal(v.l4_off, 56);
  assert_int_equal(v.proto, 17);
  assert_int_equal(v.dport, 5070);
  assert_int_equal(v.flags, PINHOLE_PKT6F_EXT | PINHOLE_PKT6F_L4);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 1);
  /* hop-by-hop not first (RFC 8200 4.1) */
  p[48] = 0;
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP6_EXT_ORDER);
  /* three destination options headers */
  n = t_ip6(p, C, S, 60, 64, 24, 0);
  memset(p + n, 0, 24);
  p[40] = 60;
  p[48] = 60;
  p[56] = 59;
  assert_int_equal(pinhole_pkt6_parse(p, 64, &v), PINHOLE_PKT_IP6_EXT_ORDER);
  p[56] = 59;
  p[48] = 59;
  assert_int_equal(pinhole_pkt6_parse(p, 64, &v), PINHOLE_PKT_OK);
  /* an option running past its header */
  n = mk_ext_udp(p);
  p[43] = 5;
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP6_EXT);
  /* a header running past the payload */
  n = mk_ext_udp(p);
  p[49] = 3;
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP6_EXT);
  /* truncated inside the chain: each length says "ip6-len" or "ip6-ext" */
  n = mk_ext_udp(p);
  for (size_t plen = 0; plen < 28; plen++) {
    t_w16(p + 4, (unsigned)plen);
    int r = pinhole_pkt6_parse(p, n, &v);
    int want = plen == 0   ? PINHOLE_PKT_IP6_JUMBO
               : plen < 16 ? PINHOLE_PKT_IP6_EXT
               : plen < 24 ? PINHOLE_PKT_UDP_SHORT
                           : PINHOLE_PKT_UDP_LEN;
    assert_int_equal(r, want);
  }
}

static size_t mk_routing(uint8_t *p, uint8_t type, uint8_t left) {
  size_t n = t_ip6(p, C, S, 43, 64, 24 + 12, 0);
  memset(p + n, 0, 24);
  p[n] = 17;
  p[n + 1] = 2;
  p[n + 2] = type;
  p[n + 3] = left;
  n += 24;
  t_udp(p + n, 5060, 5060, 12);
  memcpy(p + n + 8, "SIP!", 4);
  t_ck6(p, p + n, 12, 17, 6);
  return n + 12;
}

static void test_ipv6_routing(void **state) {
  (void)state;
  uint8_t p[120];
  pinhole_pkt6_view v;
  size_t n = mk_routing(p, 0, 1);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP6_ROUTING);
  n = mk_routing(p, 0, 0); /* RFC 5095: type 0 whatever is left */
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP6_ROUTING);
  n = mk_routing(p, 4, 1);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_true(v.flags & PINHOLE_PKT6F_ROUTED);
  n = mk_routing(p, 4, 0);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_false(v.flags & PINHOLE_PKT6F_ROUTED);
  /* two routing headers */
  n = t_ip6(p, C, S, 43, 64, 16, 0);
  memset(p + n, 0, 16);
  p[40] = 43;
  p[42] = 4;
  p[48] = 59;
  p[50] = 4;
  assert_int_equal(pinhole_pkt6_parse(p, 56, &v), PINHOLE_PKT_IP6_EXT_ORDER);
}

/* A fragment header then UDP: offset in bytes, M, id. */
static size_t mk_frag(uint8_t *p, unsigned off, int more, size_t data) {
  size_t n = t_ip6(p, C, S, 44, 64, 8 + data, 0);
  p[n] = 17;
  p[n + 1] = 0;
  t_w16(p + n + 2, off | (more ? 1u : 0u));
  t_w32(p + n + 4, 0xa1b2c3d4);
  n += 8;
  for (size_t i = 0; i < data; i++)
    p[n + i] = (uint8_t)(i * 7);
  if (off == 0 && data >= 8)
    t_udp(p + n, 5060, 5061, 1000);
  if (data >= 8)
    t_w16(p + n + 6, 0x1234);
  return n + data;
}

static void test_ipv6_fragments(void **state) {
  (void)state;
  uint8_t p[200];
  pinhole_pkt6_view v;
  size_t n = mk_frag(p, 0, 1, 64);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKT6F_EXT | PINHOLE_PKT6F_FRAGMENT |
                                PINHOLE_PKT6F_FIRST_FRAG | PINHOLE_PKT6F_L4);
  assert_int_equal(v.frag_id, 0xa1b2c3d4);
  assert_int_equal(v.frag_hdr_off, 40);
  assert_int_equal(v.sport, 5060);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 1); /* not checked */
  n = mk_frag(p, 1448, 0, 24);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKT6F_EXT | PINHOLE_PKT6F_FRAGMENT);
  assert_int_equal(v.frag_off, 1448);
  assert_int_equal(v.proto, 17);
  assert_int_equal(v.l4_off, 48);
  assert_int_equal(v.sport, 0);
  /* RFC 6946: an atomic fragment is a whole packet */
  n = mk_frag(p, 0, 0, 12);
  t_w16(p + 52, 12);
  t_ck6(p, p + 48, 12, 17, 6);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags,
                   PINHOLE_PKT6F_EXT | PINHOLE_PKT6F_ATOMIC | PINHOLE_PKT6F_L4);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 1);
  /* M set, length not a multiple of 8 */
  n = mk_frag(p, 0, 1, 60);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP6_FRAG_LEN);
  /* past 65535 */
  n = mk_frag(p, 65528, 0, 16);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_IP6_FRAG_LEN);
  n = mk_frag(p, 65520, 0, 15);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  /* RFC 7112: a first fragment without the whole UDP header */
  n = t_ip6(p, C, S, 44, 64, 16, 0);
  memset(p + n, 0, 16);
  p[40] = 17;
  t_w16(p + 42, 1);
  assert_int_equal(pinhole_pkt6_parse(p, 48 + 0, &v), PINHOLE_PKT_IP6_LEN);
  t_w16(p + 4, 8 + 0);
  assert_int_equal(pinhole_pkt6_parse(p, 48, &v), PINHOLE_PKT_IP6_FRAG_CHAIN);
  /* ... or with a destination options header cut after it */
  t_w16(p + 4, 16);
  p[40] = 60;
  p[49] = 1; /* 16 bytes, 8 present */
  assert_int_equal(pinhole_pkt6_parse(p, 56, &v), PINHOLE_PKT_IP6_FRAG_CHAIN);
  /* two fragment headers */
  p[40] = 44;
  p[49] = 0;
  t_w16(p + 50, 0);
  assert_int_equal(pinhole_pkt6_parse(p, 56, &v), PINHOLE_PKT_IP6_EXT_ORDER);
}

/* ICMPv6 destination unreachable quoting the UDP packet of mk_ext_udp
 * sent the other way (RFC 4443 3.1). */
static size_t mk_unreach(uint8_t *p, size_t quote) {
  uint8_t q[120];
  size_t qn = mk_ext_udp(q);
  if (quote > qn)
    quote = qn;
  size_t n = t_ip6(p, S, C, 58, 64, 8 + quote, 0);
  memset(p + n, 0, 8);
  p[n] = 1;
  p[n + 1] = 4;
  memcpy(p + n + 8, q, quote);
  t_ck6(p, p + n, 8 + quote, 58, 2);
  return n + 8 + quote;
}

static void test_ipv6_icmp_error_quote(void **state) {
  (void)state;
  uint8_t p[200];
  pinhole_pkt6_view v;
  size_t n = mk_unreach(p, 200);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKT6F_ICMP_ERROR);
  assert_int_equal(v.icmp_type, 1);
  assert_int_equal(v.icmp_code, 4);
  assert_int_equal(v.inner_off, 48);
  assert_int_equal(v.inner_l4_off, 48 + 56);
  assert_int_equal(v.inner_proto, 17);
  assert_int_equal(v.inner_sport, 5060);
  assert_int_equal(v.inner_dport, 5070);
  uint8_t a[16];
  t_a6(a, S);
  assert_memory_equal(v.inner_dst, a, 16);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p, &v), 1);
  /* every quote shorter than header + chain + 8 bytes is refused */
  for (size_t quote = 0; quote < 64; quote++) {
    n = mk_unreach(p, quote);
    assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_ICMP_ERR_LEN);
  }
  n = mk_unreach(p, 64);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  /* a quoted header that is not IPv6 */
  n = mk_unreach(p, 200);
  p[48] = 0x45;
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_ICMP_ERR_LEN);
}

static void test_ipv6_pseudo_and_update128(void **state) {
  (void)state;
  uint8_t p[80];
  pinhole_pkt6_view v;
  size_t n = mk_tcp6(p);
  assert_int_equal(pinhole_pkt6_parse(p, n, &v), PINHOLE_PKT_OK);
  /* the source changes: the incremental update equals a recomputation */
  uint8_t old_a[16], new_a[16];
  memcpy(old_a, p + 8, 16);
  t_a6(new_a, "2001:db8:ffff::7");
  uint16_t ck = (uint16_t)t_r16(p + 56);
  uint16_t upd = pinhole_cksum_update128(ck, old_a, new_a);
  memcpy(p + 8, new_a, 16);
  t_ck6(p, p + 40, 22, 6, 16);
  assert_int_equal(upd, t_r16(p + 56));
  assert_int_not_equal(upd, ck);
  /* pseudo-header sum of the library against the naive one */
  uint32_t s = pinhole_ip6_pseudo_sum(p + 8, p + 24, 22, 6);
  s = pinhole_cksum_add(s, p + 40, 22);
  assert_int_equal(pinhole_cksum_finish(s), 0);
}

/* ---- RFC 6052 ------------------------------------------------------- */

static void embed_case(const char *prefix, unsigned plen, const char *want) {
  uint8_t pre[16], out[16], exp[16];
  t_a6(pre, prefix);
  t_a6(exp, want);
  uint32_t v4 = t_a4("198.19.0.33");
  assert_int_equal(pinhole_nat64_embed(out, pre, plen, v4), 0);
  assert_memory_equal(out, exp, 16);
  uint32_t back = 0;
  assert_int_equal(pinhole_nat64_extract(out, pre, plen, &back), 0);
  assert_int_equal(back, v4);
  char text[PINHOLE_ADDR6_STRLEN];
  assert_int_equal(pinhole_addr6_format(out, text, sizeof(text)),
                   (int)strlen(want));
  assert_string_equal(text, want);
}

/* RFC 6052 2.2 Figure 1 and the layout of the examples of 2.4, with
 * 198.19.0.33 (c6.13.00.21) in place of 192.0.2.33. */
static void test_ipv6_rfc6052_formats(void **state) {
  (void)state;
  embed_case("2001:db8::", 32, "2001:db8:c613:21::");
  embed_case("2001:db8:100::", 40, "2001:db8:1c6:1300:21::");
  embed_case("2001:db8:122::", 48, "2001:db8:122:c613:0:2100::");
  embed_case("2001:db8:122:300::", 56, "2001:db8:122:3c6:13:21::");
  embed_case("2001:db8:122:344::", 64, "2001:db8:122:344:c6:1300:2100:0");
  embed_case("2001:db8:122:344::", 96, "2001:db8:122:344::c613:21");
  embed_case("64:ff9b::", 96, "64:ff9b::c613:21");
  uint8_t pre[16] = PINHOLE_NAT64_WKP, a[16], out[16];
  uint32_t v4;
  /* the u octet set: not an IPv4-embedded address (2.2) */
  t_a6(a, "2001:db8:122:344:1c6:1300:2100:0");
  t_a6(pre, "2001:db8:122:344::");
  assert_int_equal(pinhole_nat64_extract(a, pre, 64, &v4), PINHOLE_ERR_NOMATCH);
  /* the suffix is ignored */
  t_a6(a, "2001:db8:122:344:c6:1300:2100:ff");
  assert_int_equal(pinhole_nat64_extract(a, pre, 64, &v4), 0);
  assert_int_equal(v4, t_a4("198.19.0.33"));
  /* not under the prefix */
  t_a6(a, "2001:db8:122:345:c6:1300:2100:0");
  assert_int_equal(pinhole_nat64_extract(a, pre, 64, &v4), PINHOLE_ERR_NOMATCH);
  /* prefix lengths outside 2.2, a /96 with bits 64-71 set */
  assert_int_equal(pinhole_nat64_embed(out, pre, 33, 1),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_nat64_embed(out, pre, 128, 1),
                   PINHOLE_ERR_INVALID_ARG);
  t_a6(pre, "2001:db8:122:344:100::");
  assert_int_equal(pinhole_nat64_embed(out, pre, 96, 1),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_nat64_extract(a, pre, 96, &v4),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_nat64_embed(NULL, pre, 64, 1),
                   PINHOLE_ERR_INVALID_ARG);
}

/* RFC 6052 3.1: the well-known prefix never stands for non-global IPv4. */
static void test_ipv6_rfc6052_wkp_rule(void **state) {
  (void)state;
  static const struct {
    const char *a;
    int ok;
  } cases[] = {
      {"0.1.2.3", 0},         {"10.1.2.3", 0},       {"100.64.0.1", 0},
      {"100.127.255.255", 0}, {"100.128.0.1", 1},    {"127.0.0.1", 0},
      {"169.254.9.9", 0},     {"172.16.0.1", 0},     {"172.31.255.255", 0},
      {"172.32.0.1", 1},      {"192.0.0.8", 0},      {"192.0.0.9", 1},
      {"192.0.0.10", 1},      {"192.0.2.33", 0},     {"192.88.99.1", 0},
      {"192.168.1.1", 0},     {"198.17.255.255", 1}, {"198.18.0.1", 0},
      {"198.19.0.33", 0},     {"198.20.0.1", 1},     {"198.51.100.7", 0},
      {"203.0.113.9", 0},     {"224.0.0.251", 0},    {"255.255.255.255", 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    assert_int_equal(pinhole_nat64_wkp_allowed(t_a4(cases[i].a)), cases[i].ok);
}

/* ---- text ------------------------------------------------------------ */

static void fmt_case(const char *in, const char *want) {
  uint8_t a[16];
  assert_int_equal(pinhole_addr6_parse(in, strlen(in), a), 0);
  uint8_t b[16];
  t_a6(b, in);
  assert_memory_equal(a, b, 16);
  char text[PINHOLE_ADDR6_STRLEN];
  assert_int_equal(pinhole_addr6_format(a, text, sizeof(text)),
                   (int)strlen(want));
  assert_string_equal(text, want);
}

/* RFC 5952 sec. 4 and 5, with their examples. */
static void test_ipv6_rfc5952_format(void **state) {
  (void)state;
  fmt_case("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
  fmt_case("2001:db8:0:0:0:0:0:1", "2001:db8::1");
  fmt_case("2001:db8::0:1", "2001:db8::1");
  fmt_case("2001:db8::1:0:0:1", "2001:db8::1:0:0:1");
  fmt_case("2001:0db8::0001", "2001:db8::1");
  fmt_case("2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001",
           "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1");
  fmt_case("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"); /* 4.2.2 */
  fmt_case("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");          /* 4.2.3 */
  fmt_case("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");    /* first run */
  fmt_case("2001:DB8::ABCD:EF", "2001:db8::abcd:ef");       /* 4.3 */
  fmt_case("::ffff:198.19.0.1", "::ffff:198.19.0.1");       /* 5 */
  fmt_case("0:0:0:0:0:ffff:c613:1", "::ffff:198.19.0.1");
  fmt_case("::", "::");
  fmt_case("::1", "::1");
  fmt_case("1::", "1::");
  fmt_case("64:ff9b::198.19.0.33", "64:ff9b::c613:21");
  fmt_case("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
           "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  fmt_case("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0");
  fmt_case("0:1:0:0:1:0:0:0", "0:1:0:0:1::");
  /* the endpoint form (sec. 6) and buffers one byte short */
  uint8_t a[16];
  t_a6(a, C);
  char b[PINHOLE_ENDPOINT6_STRLEN];
  assert_int_equal(pinhole_endpoint6_format(a, 5060, b, sizeof(b)), 18);
  assert_string_equal(b, "[2001:db8::2]:5060");
  assert_int_equal(pinhole_endpoint6_format(a, 5060, b, 18), PINHOLE_ERR_NOBUF);
  assert_int_equal(pinhole_endpoint6_format(a, 5060, b, 19), 18);
  memset(a, 0xff, 16);
  assert_int_equal(pinhole_addr6_format(a, b, 39), PINHOLE_ERR_NOBUF);
  assert_int_equal(pinhole_addr6_format(a, b, 40), 39);
  assert_int_equal(pinhole_endpoint6_format(a, 65535, b, sizeof(b)), 47);
  assert_int_equal(pinhole_addr6_format(NULL, b, 40), PINHOLE_ERR_INVALID_ARG);
}

static void test_ipv6_parse_hostile(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",
      ":",
      ":::",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      "g::",
      "1:2:3:4:5:6:7",
      "::ffff:1.2.3",
      "::ffff:1.2.3.256",
      "::ffff:01.2.3.4",
      "1.2.3.4",
      "::1 ",
      " ::1",
      "[::1]",
      "fe80::1%eth0",
      "1:2:3:4:5:6:7:8::",
      "::1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7:1.2.3.4",
      "1:",
      ":1",
      "1:2:3:4:5:6:7:8:",
      "::1.2.3.4:1",
      "-1::",
      "1:2:3:4:5:6::7:8:9",
      "0x1::",
  };
  uint8_t a[16], keep[16];
  memset(keep, 0x5a, 16);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    memcpy(a, keep, 16);
    assert_int_equal(pinhole_addr6_parse(bad[i], strlen(bad[i]), a),
                     PINHOLE_ERR_PARSE);
    assert_memory_equal(a, keep, 16);
  }
  /* valid forms at their edges */
  assert_int_equal(pinhole_addr6_parse("1:2:3:4:5:6:1.2.3.4", 19, a), 0);
  assert_int_equal(pinhole_addr6_parse("1:2:3:4:5:6:7::", 15, a), 0);
  assert_int_equal(pinhole_addr6_parse("::2:3:4:5:6:7:8", 15, a), 0);
  /* the length, not a NUL, ends the text */
  assert_int_equal(pinhole_addr6_parse("2001:db8::2junk", 11, a), 0);
  assert_int_equal(pinhole_addr6_parse("2001:db8::2\0:1", 14, a),
                   PINHOLE_ERR_PARSE);
  /* a long hostile run is refused quickly */
  size_t big = 1u << 16;
  char *s = malloc(big);
  memset(s, ':', big);
  assert_int_equal(pinhole_addr6_parse(s, big, a), PINHOLE_ERR_PARSE);
  memset(s, '1', big);
  assert_int_equal(pinhole_addr6_parse(s, big, a), PINHOLE_ERR_PARSE);
  for (size_t i = 0; i < big; i += 2)
    s[i + 1] = ':';
  assert_int_equal(pinhole_addr6_parse(s, big, a), PINHOLE_ERR_PARSE);
  free(s);
  assert_int_equal(pinhole_addr6_parse(NULL, 0, a), PINHOLE_ERR_INVALID_ARG);
}

static void test_ipv6_prefix_parse(void **state) {
  (void)state;
  uint8_t a[16], w[16];
  unsigned plen = 0;
  assert_int_equal(pinhole_prefix6_parse("64:ff9b::/96", 12, a, &plen), 0);
  assert_int_equal(plen, 96);
  const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  assert_memory_equal(a, wkp, 16);
  assert_int_equal(pinhole_prefix6_parse("2001:db8::/32", 13, a, &plen), 0);
  t_a6(w, "2001:db8::");
  assert_memory_equal(a, w, 16);
  assert_int_equal(plen, 32);
  assert_int_equal(pinhole_prefix6_parse("::/0", 4, a, &plen), 0);
  assert_int_equal(plen, 0);
  assert_int_equal(pinhole_prefix6_parse("2001:db8::1/128", 15, a, &plen), 0);
  assert_int_equal(plen, 128);
  assert_int_equal(pinhole_prefix6_parse("2001:db8:8000::/33", 18, a, &plen),
                   0);
  static const char *const bad[] = {
      "2001:db8::1/64", "2001:db8:8000::/32", "/96",       "64:ff9b::/129",
      "64:ff9b::/096",  "64:ff9b::/",         "64:ff9b::", "64:ff9b::/9 6",
      "64:ff9b::/-1",   "64:ff9b::/96/96",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(pinhole_prefix6_parse(bad[i], strlen(bad[i]), a, &plen),
                     PINHOLE_ERR_PARSE);
}

/* ---- the one-pass path (lib/pkt/plain6.h) against the full parse ---- */

/* pinhole_pkt6_parse() (one pass when plain) and the full parse answer
 * the same reason and the same view for p[0..n); returns whether the
 * one-pass check took it (then the answer is OK and the view its). */
static int same_both_ways(const uint8_t *p, size_t n) {
  pinhole_pkt6_view a, b, c;
  int ra = pinhole_pkt6_parse(p, n, &a);
  int rb = pinhole__pkt6_parse_full(p, n, &b);
  assert_int_equal(ra, rb);
  assert_memory_equal(&a, &b, sizeof(a));
  ph_plain6 pl;
  if (!ph_plain6_check(p, n, &pl))
    return 0;
  assert_int_equal(rb, PINHOLE_PKT_OK);
  ph_plain6_view(p, &pl, &c);
  assert_memory_equal(&c, &b, sizeof(c));
  return 1;
}

/* Plain TCP and UDP take the one-pass path with the full parse's view
 * (padding after the packet ignored); a truncation at every length, a
 * zero UDP checksum and every lying length take the full path, which
 * refuses them with its reason. */
static void test_ipv6_plain_same_as_full(void **state) {
  (void)state;
  uint8_t p[96];
  size_t n = mk_tcp6(p);
  assert_true(same_both_ways(p, n));
  memset(p + n, 0xab, 8);
  assert_true(same_both_ways(p, n + 8));
  for (size_t k = 0; k < n; k++)
    assert_false(same_both_ways(p, k));
  pinhole_pkt6_view v;
  assert_int_equal(pinhole_pkt6_parse(p, n - 1, &v), PINHOLE_PKT_IP6_LEN);
  n = mk_udp6(p);
  assert_true(same_both_ways(p, n));
  for (size_t k = 0; k < n; k++)
    assert_false(same_both_ways(p, k));
  assert_int_equal(pinhole_pkt6_parse(p, 30, &v), PINHOLE_PKT_IP6_HDR);
  /* UDP checksum 0: RFC 8200 8.1 forbids it for IPv6 */
  uint8_t q[96];
  memcpy(q, p, n);
  q[46] = q[47] = 0;
  assert_false(same_both_ways(q, n));
  assert_int_equal(pinhole_pkt6_parse(q, n, &v), PINHOLE_PKT_UDP6_CKSUM_ZERO);
  /* UDP length one short, one long; payload length past the bytes */
  memcpy(q, p, n);
  q[45]--;
  assert_false(same_both_ways(q, n));
  assert_int_equal(pinhole_pkt6_parse(q, n, &v), PINHOLE_PKT_UDP_LEN);
  q[45] += 2;
  assert_false(same_both_ways(q, n));
  assert_int_equal(pinhole_pkt6_parse(q, n, &v), PINHOLE_PKT_UDP_LEN);
  memcpy(q, p, n);
  q[5]++;
  assert_false(same_both_ways(q, n));
  assert_int_equal(pinhole_pkt6_parse(q, n, &v), PINHOLE_PKT_IP6_LEN);
  /* a payload length shorter than the bytes: the rest is padding, and the
   * UDP length no longer matches it */
  memcpy(q, p, n);
  q[5]--;
  assert_false(same_both_ways(q, n));
  assert_int_equal(pinhole_pkt6_parse(q, n, &v), PINHOLE_PKT_UDP_LEN);
  /* TCP data offset past the segment, below 5 words */
  n = mk_tcp6(p);
  memcpy(q, p, n);
  q[52] = 6 << 4;
  assert_false(same_both_ways(q, n));
  assert_int_equal(pinhole_pkt6_parse(q, n, &v), PINHOLE_PKT_TCP_HDR_LEN);
  q[52] = 4 << 4;
  assert_false(same_both_ways(q, n));
  assert_int_equal(pinhole_pkt6_parse(q, n, &v), PINHOLE_PKT_TCP_HDR_LEN);
}

/* Addresses: the one-pass path takes only unicast addresses whose first
 * 64 bits are not zero (link-local flagged as the full parse flags it);
 * multicast, ::, ::1, mapped and compatible ones take the full path and
 * get its answer. */
static void test_ipv6_plain_addresses(void **state) {
  (void)state;
  static const struct {
    const char *src, *dst;
    int plain;
    int reason;
  } cases[] = {
      {"2001:db8::2", "2001:db8:1::5", 1, PINHOLE_PKT_OK},
      {"fe80::1", "fe80::2", 1, PINHOLE_PKT_OK},
      {"2001:db8::2", "fe80::2", 1, PINHOLE_PKT_OK},
      {"2001:db8::2", "ff02::1", 0, PINHOLE_PKT_OK},
      {"2001:db8::2", "ff0e::1", 0, PINHOLE_PKT_OK},
      {"2001:db8::2", "ff01::1", 0, PINHOLE_PKT_IP6_DST},
      {"ff0e::1", "2001:db8::2", 0, PINHOLE_PKT_IP6_SRC},
      {"::1", "2001:db8::2", 0, PINHOLE_PKT_IP6_SRC},
      {"::ffff:198.18.0.1", "2001:db8::2", 0, PINHOLE_PKT_IP6_SRC},
      {"::", "2001:db8::2", 0, PINHOLE_PKT_IP6_SRC},
      {"2001:db8::2", "::", 0, PINHOLE_PKT_IP6_DST},
      {"2001:db8::2", "::198.19.0.1", 0, PINHOLE_PKT_IP6_DST},
      {"::1:0:0:7", "2001:db8::2", 0, PINHOLE_PKT_OK},
      {"0:0:0:1::7", "2001:db8::2", 1, PINHOLE_PKT_OK},
      {"2001:db8::2", "2001:db8::2", 0, PINHOLE_PKT_IP_LAND},
      {"64:ff9b::c613:2", "2001:db8::2", 1, PINHOLE_PKT_OK},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t p[96];
    size_t n = t_ip6(p, cases[i].src, cases[i].dst, 17, 64, 12, 0);
    t_udp(p + n, 5060, 5061, 12);
    memcpy(p + n + 8, "SIP!", 4);
    t_ck6(p, p + n, 12, 17, 6);
    n += 12;
    assert_int_equal(same_both_ways(p, n), cases[i].plain);
    pinhole_pkt6_view v;
    assert_int_equal(pinhole_pkt6_parse(p, n, &v), cases[i].reason);
  }
}

/* Every byte of a plain TCP and a plain UDP packet, and of the same
 * packets behind a hop-by-hop header, set to values that break its check
 * (and some that do not): both paths always agree, and only packets with
 * no extension header ever take the one-pass path. */
static void test_ipv6_plain_every_byte(void **state) {
  (void)state;
  static const uint8_t vals[] = {0x00, 0x01, 0x06, 0x11, 0x3a, 0x40,
                                 0x60, 0x7f, 0x80, 0xfe, 0xff};
  uint8_t base[3][104];
  size_t len[3];
  len[0] = mk_tcp6(base[0]);
  len[1] = mk_udp6(base[1]);
  /* the UDP packet behind an empty hop-by-hop header (PadN of 4) */
  size_t n = t_ip6(base[2], C, S, 0, 64, 8 + 12, 0);
  memset(base[2] + n, 0, 8);
  base[2][n] = 17;
  base[2][n + 2] = 1;
  base[2][n + 3] = 4;
  t_udp(base[2] + n + 8, 5060, 5060, 12);
  memcpy(base[2] + n + 16, "SIP!", 4);
  t_ck6(base[2], base[2] + n + 8, 12, 17, 6);
  len[2] = n + 20;
  assert_false(same_both_ways(base[2], len[2]));
  unsigned plain = 0, full_ok = 0;
  for (int k = 0; k < 3; k++) {
    for (size_t i = 0; i < len[k]; i++) {
      for (size_t j = 0; j < sizeof(vals); j++) {
        uint8_t p[104];
        memcpy(p, base[k], len[k]);
        p[i] = vals[j];
        int took = same_both_ways(p, len[k]);
        plain += (unsigned)took;
        if (took)
          assert_int_not_equal(k, 2);
        pinhole_pkt6_view v;
        if (pinhole_pkt6_parse(p, len[k], &v) == PINHOLE_PKT_OK && !took)
          full_ok++;
      }
    }
  }
  /* both kinds happened: the test exercised each side of the check */
  assert_true(plain > 100);
  assert_true(full_ok > 100);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ipv6_valid_tcp),
      cmocka_unit_test(test_ipv6_valid_udp_and_zero_cksum),
      cmocka_unit_test(test_ipv6_tcp_checks),
      cmocka_unit_test(test_ipv6_truncated_every_length),
      cmocka_unit_test(test_ipv6_hlim_land_jumbo),
      cmocka_unit_test(test_ipv6_addresses),
      cmocka_unit_test(test_ipv6_nd_recognised),
      cmocka_unit_test(test_ipv6_ext_chain),
      cmocka_unit_test(test_ipv6_routing),
      cmocka_unit_test(test_ipv6_fragments),
      cmocka_unit_test(test_ipv6_icmp_error_quote),
      cmocka_unit_test(test_ipv6_pseudo_and_update128),
      cmocka_unit_test(test_ipv6_rfc6052_formats),
      cmocka_unit_test(test_ipv6_rfc6052_wkp_rule),
      cmocka_unit_test(test_ipv6_rfc5952_format),
      cmocka_unit_test(test_ipv6_parse_hostile),
      cmocka_unit_test(test_ipv6_prefix_parse),
      cmocka_unit_test(test_ipv6_plain_same_as_full),
      cmocka_unit_test(test_ipv6_plain_addresses),
      cmocka_unit_test(test_ipv6_plain_every_byte),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the IPv4/TCP/UDP/ICMP parser (include/pinhole/packet.h).
 *
 * The valid packets below were built by an independent script (Python,
 * RFC 1071 checksums computed there), so checksum assertions do not lean on
 * the library's own checksum code. Packets for the failure cases are built
 * at run time with a naive local checksum (ref_cksum).
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

#include "pkt/plain4.h"

/* 198.18.0.1:40000 -> 198.18.1.2:21 SYN, MSS option, DF, TTL 64. */
static const uint8_t pkt_tcp_syn[44] = {
    0x45, 0x00, 0x00, 0x2c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x9b,
    0x70, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x01, 0x02, 0x9c, 0x40,
    0x00, 0x15, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00, 0x60,
    0x02, 0xff, 0xff, 0x2a, 0x43, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,
    /* Same flow, PSH|ACK, payload "PORT 198,18,0,1,156,64\r\n". */
};
static const uint8_t pkt_ftp_port[64] = {
    0x45,
    0x00,
    0x00,
    0x40,
    0x12,
    0x35,
    0x40,
    0x00,
    0x40,
    0x06,
    0x9b,
    0x5b,
    0xc6,
    0x12,
    0x00,
    0x01,
    0xc6,
    0x12,
    0x01,
    0x02,
    0x9c,
    0x40,
    0x00,
    0x15,
    0x11,
    0x22,
    0x33,
    0x45,
    0xaa,
    0xbb,
    0xcc,
    0xdd,
    0x50,
    0x18,
    0x01,
    0xf6,
    0x5b,
    0xde,
    0x00,
    0x00,
    0x50,
    0x4f,
    0x52,
    0x54,
    0x20,
    0x31,
    0x39,
    0x38,
    0x2c,
    0x31,
    0x38,
    0x2c,
    0x30,
    0x2c,
    0x31,
    0x2c,
    0x31,
    0x35,
    0x36,
    0x2c,
    /* 198.18.0.1:5000 -> 198.18.1.2:69, TFTP RRQ "file" octet. */
    0x36,
    0x34,
    0x0d,
    0x0a,
};
static const uint8_t pkt_udp[41] = {
    0x45,
    0x00,
    0x00,
    0x29,
    0x20,
    0x00,
    0x00,
    0x00,
    0x40,
    0x11,
    0xcd,
    0x9c,
    0xc6,
    0x12,
    0x00,
    0x01,
    0xc6,
    0x12,
    0x01,
    0x02,
    0x13,
    0x88,
    0x00,
    0x45,
    0x00,
    0x15,
    0xc2,
    0xa7,
    0x00,
    0x01,
    0x66,
    0x69,
    0x6c,
    0x65,
    0x00,
    0x6f,
    /* Echo request id 0x4242 seq 7, 8 bytes of data. */
    0x63,
    0x74,
    0x65,
    0x74,
    0x00,
};
static const uint8_t pkt_icmp_echo[36] = {
    0x45,
    0x00,
    0x00,
    0x24,
    0x30,
    0x00,
    0x00,
    0x00,
    0x40,
    0x01,
    0xbd,
    0xb1,
    0xc6,
    0x12,
    0x00,
    0x01,
    0xc6,
    0x12,
    0x01,
    0x02,
    0x08,
    0x00,
    0x24,
    0x21,
    /* Port unreachable 198.18.1.2 -> 198.18.0.1 quoting pkt_udp (28 bytes). */
    0x42,
    0x42,
    0x00,
    0x07,
    0x61,
    0x62,
    0x63,
    0x64,
    0x65,
    0x66,
    0x67,
    0x68,
};
static const uint8_t pkt_icmp_unreach[56] = {
    0x45,
    0x00,
    0x00,
    0x38,
    0x40,
    0x00,
    0x00,
    0x00,
    0x3f,
    0x01,
    0xae,
    0x9d,
    0xc6,
    0x12,
    0x01,
    0x02,
    0xc6,
    0x12,
    0x00,
    0x01,
    0x03,
    0x03,
    0x26,
    0x73,
    0x00,
    0x00,
    0x00,
    0x00,
    0x45,
    0x00,
    0x00,
    0x29,
    0x20,
    0x00,
    0x00,
    0x00,
    0x40,
    0x11,
    0xcd,
    0x9c,
    0xc6,
    0x12,
    0x00,
    0x01,
    0xc6,
    0x12,
    0x01,
    0x02,
    /* A 40-byte UDP datagram (5001 -> 69) in two fragments: 16 + 24 bytes. */
    0x13,
    0x88,
    0x00,
    0x45,
    0x00,
    0x15,
    0xc2,
    0xa7,
};
static const uint8_t pkt_frag_first[36] = {
    0x45, 0x00, 0x00, 0x24, 0x50, 0x00, 0x20, 0x00, 0x40, 0x11, 0x7d, 0xa1,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x01, 0x02, 0x13, 0x89, 0x00, 0x45,
    0x00, 0x28, 0x6d, 0xa7, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
};
static const uint8_t pkt_frag_second[44] = {
    0x45,
    0x00,
    0x00,
    0x2c,
    0x50,
    0x00,
    0x00,
    0x02,
    0x40,
    0x11,
    0x9d,
    0x97,
    0xc6,
    0x12,
    0x00,
    0x01,
    0xc6,
    0x12,
    0x01,
    0x02,
    0x08,
    0x09,
    0x0a,
    0x0b,
    /* SYN 40001 -> 80 with IP options NOP, record route (len 7). */
    0x0c,
    0x0d,
    0x0e,
    0x0f,
    0x10,
    0x11,
    0x12,
    0x13,
    0x14,
    0x15,
    0x16,
    0x17,
    0x18,
    0x19,
    0x1a,
    0x1b,
    0x1c,
    0x1d,
    0x1e,
    0x1f,
};
static const uint8_t pkt_ip_options[48] = {
    0x47, 0x00, 0x00, 0x30, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x91, 0x61,
    0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x01, 0x02, 0x01, 0x07, 0x07, 0x04,
    0x00, 0x00, 0x00, 0x00, 0x9c, 0x41, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x04, 0x00, 0x82, 0x28, 0x00, 0x00,
};

#define ADDR_A 0xc6120001u /* 198.18.0.1 */
#define ADDR_B 0xc6120102u /* 198.18.1.2 */

/* ---- helpers ------------------------------------------------------------ */

/* Naive RFC 1071 checksum, one 16-bit word at a time. */
static uint16_t ref_cksum(const uint8_t *p, size_t len) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < len; i += 2)
    s += (uint32_t)p[i] << 8 | p[i + 1];
  if (len & 1)
    s += (uint32_t)p[len - 1] << 8;
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

/* Recomputes the IP header checksum after a test mutated the header. */
static void ip_refix(uint8_t *p) {
  size_t ihl = (size_t)(p[0] & 0x0f) * 4;
  put16(p + 10, 0);
  put16(p + 10, ref_cksum(p, ihl));
}

/* Builds a 20-byte IPv4 header for l4len bytes of payload already at
 * buf + 20 (no options, TTL 64, DF clear) and returns the total length. */
static size_t mk_ip(uint8_t *buf, uint8_t proto, size_t l4len) {
  memset(buf, 0, 20);
  buf[0] = 0x45;
  put16(buf + 2, (uint16_t)(20 + l4len));
  put16(buf + 4, 0x0101);
  buf[8] = 64;
  buf[9] = proto;
  put32(buf + 12, ADDR_A);
  put32(buf + 16, ADDR_B);
  ip_refix(buf);
  return 20 + l4len;
}

/* Parses from an exact-size heap copy so ASan catches any overread. */
static int parse_exact(const uint8_t *p, size_t len, pinhole_pkt_view *v) {
  uint8_t *copy = malloc(len ? len : 1);
  assert_non_null(copy);
  if (len)
    memcpy(copy, p, len);
  int r = pinhole_pkt_parse(copy, len, v);
  free(copy);
  return r;
}

static int parse(const uint8_t *p, size_t len) {
  pinhole_pkt_view v;
  return parse_exact(p, len, &v);
}

static void assert_view_eq(const pinhole_pkt_view *g,
                           const pinhole_pkt_view *e) {
  assert_int_equal(g->src, e->src);
  assert_int_equal(g->dst, e->dst);
  assert_int_equal(g->ip_len, e->ip_len);
  assert_int_equal(g->frag_off, e->frag_off);
  assert_int_equal(g->ip_id, e->ip_id);
  assert_int_equal(g->ihl, e->ihl);
  assert_int_equal(g->proto, e->proto);
  assert_int_equal(g->ttl, e->ttl);
  assert_int_equal(g->flags, e->flags);
  assert_int_equal(g->l4_off, e->l4_off);
  assert_int_equal(g->l4_len, e->l4_len);
  assert_int_equal(g->sport, e->sport);
  assert_int_equal(g->dport, e->dport);
  assert_int_equal(g->payload_off, e->payload_off);
  assert_int_equal(g->payload_len, e->payload_len);
  assert_int_equal(g->seq, e->seq);
  assert_int_equal(g->ack, e->ack);
  assert_int_equal(g->tcp_flags, e->tcp_flags);
  assert_int_equal(g->tcp_hlen, e->tcp_hlen);
  assert_int_equal(g->tcp_win, e->tcp_win);
  assert_int_equal(g->icmp_type, e->icmp_type);
  assert_int_equal(g->icmp_code, e->icmp_code);
  assert_int_equal(g->icmp_seq, e->icmp_seq);
  assert_int_equal(g->inner_off, e->inner_off);
  assert_int_equal(g->inner_ihl, e->inner_ihl);
  assert_int_equal(g->inner_proto, e->inner_proto);
  assert_int_equal(g->inner_src, e->inner_src);
  assert_int_equal(g->inner_dst, e->inner_dst);
  assert_int_equal(g->inner_sport, e->inner_sport);
  assert_int_equal(g->inner_dport, e->inner_dport);
  assert_int_equal(g->inner_l4_off, e->inner_l4_off);
}

/* A minimal valid TCP segment (ACK, 20-byte header) of tcplen bytes. */
static size_t mk_tcp(uint8_t *buf, size_t tcplen, uint8_t flags) {
  uint8_t *t = buf + 20;
  memset(t, 0, tcplen);
  if (tcplen >= 20) {
    put16(t, 1234);
    put16(t + 2, 80);
    t[12] = 0x50;
    t[13] = flags;
  }
  return mk_ip(buf, 6, tcplen);
}

/* A minimal valid UDP datagram with datalen bytes of data. */
static size_t mk_udp(uint8_t *buf, size_t datalen) {
  uint8_t *u = buf + 20;
  memset(u, 0xab, 8 + datalen);
  put16(u, 1234);
  put16(u + 2, 53);
  put16(u + 4, (uint16_t)(8 + datalen));
  put16(u + 6, 0);
  return mk_ip(buf, 17, 8 + datalen);
}

/* ICMP error (type/code) quoting qlen bytes of q. */
static size_t mk_icmp_err(uint8_t *buf, uint8_t type, uint8_t code,
                          const uint8_t *q, size_t qlen) {
  uint8_t *m = buf + 20;
  memset(m, 0, 8);
  m[0] = type;
  m[1] = code;
  memcpy(m + 8, q, qlen);
  return mk_ip(buf, 1, 8 + qlen);
}

/* ---- valid packets: every view field ---------------------------------- */

static void test_pkt_valid_tcp_syn(void **state) {
  (void)state;
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(pkt_tcp_syn, sizeof(pkt_tcp_syn), &v),
                   PINHOLE_PKT_OK);
  const pinhole_pkt_view e = {.src = ADDR_A,
                              .dst = ADDR_B,
                              .ip_len = 44,
                              .ip_id = 0x1234,
                              .ihl = 20,
                              .proto = 6,
                              .ttl = 64,
                              .flags = PINHOLE_PKTF_L4,
                              .l4_off = 20,
                              .l4_len = 24,
                              .sport = 40000,
                              .dport = 21,
                              .payload_off = 44,
                              .payload_len = 0,
                              .seq = 0x11223344,
                              .ack = 0,
                              .tcp_flags = PINHOLE_TCP_SYN,
                              .tcp_hlen = 24,
                              .tcp_win = 65535};
  assert_view_eq(&v, &e);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(pkt_tcp_syn, &v), 1);
}

static void test_pkt_valid_tcp_payload(void **state) {
  (void)state;
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(pkt_ftp_port, sizeof(pkt_ftp_port), &v),
                   PINHOLE_PKT_OK);
  const pinhole_pkt_view e = {.src = ADDR_A,
                              .dst = ADDR_B,
                              .ip_len = 64,
                              .ip_id = 0x1235,
                              .ihl = 20,
                              .proto = 6,
                              .ttl = 64,
                              .flags = PINHOLE_PKTF_L4,
                              .l4_off = 20,
                              .l4_len = 44,
                              .sport = 40000,
                              .dport = 21,
                              .payload_off = 40,
                              .payload_len = 24,
                              .seq = 0x11223345,
                              .ack = 0xaabbccdd,
                              .tcp_flags = PINHOLE_TCP_PSH | PINHOLE_TCP_ACK,
                              .tcp_hlen = 20,
                              .tcp_win = 502};
  assert_view_eq(&v, &e);
  assert_memory_equal(pkt_ftp_port + v.payload_off,
                      "PORT 198,18,0,1,156,64\r\n", v.payload_len);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(pkt_ftp_port, &v), 1);
}

static void test_pkt_valid_udp(void **state) {
  (void)state;
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(pkt_udp, sizeof(pkt_udp), &v), PINHOLE_PKT_OK);
  const pinhole_pkt_view e = {.src = ADDR_A,
                              .dst = ADDR_B,
                              .ip_len = 41,
                              .ip_id = 0x2000,
                              .ihl = 20,
                              .proto = 17,
                              .ttl = 64,
                              .flags = PINHOLE_PKTF_L4,
                              .l4_off = 20,
                              .l4_len = 21,
                              .sport = 5000,
                              .dport = 69,
                              .payload_off = 28,
                              .payload_len = 13};
  assert_view_eq(&v, &e);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(pkt_udp, &v), 1);
}

static void test_pkt_valid_icmp_echo(void **state) {
  (void)state;
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(pkt_icmp_echo, sizeof(pkt_icmp_echo), &v),
                   PINHOLE_PKT_OK);
  const pinhole_pkt_view e = {.src = ADDR_A,
                              .dst = ADDR_B,
                              .ip_len = 36,
                              .ip_id = 0x3000,
                              .ihl = 20,
                              .proto = 1,
                              .ttl = 64,
                              .flags =
                                  PINHOLE_PKTF_ICMP_QUERY | PINHOLE_PKTF_L4,
                              .l4_off = 20,
                              .l4_len = 16,
                              .sport = 0x4242,
                              .dport = 0x4242,
                              .payload_off = 28,
                              .payload_len = 8,
                              .icmp_type = 8,
                              .icmp_code = 0,
                              .icmp_seq = 7};
  assert_view_eq(&v, &e);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(pkt_icmp_echo, &v), 1);
}

static void test_pkt_valid_icmp_error(void **state) {
  (void)state;
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(pkt_icmp_unreach, sizeof(pkt_icmp_unreach), &v),
                   PINHOLE_PKT_OK);
  const pinhole_pkt_view e = {.src = ADDR_B,
                              .dst = ADDR_A,
                              .ip_len = 56,
                              .ip_id = 0x4000,
                              .ihl = 20,
                              .proto = 1,
                              .ttl = 63,
                              .flags = PINHOLE_PKTF_ICMP_ERROR,
                              .l4_off = 20,
                              .l4_len = 36,
                              .payload_off = 28,
                              .payload_len = 28,
                              .icmp_type = 3,
                              .icmp_code = 3,
                              .inner_off = 28,
                              .inner_ihl = 20,
                              .inner_proto = 17,
                              .inner_src = ADDR_A,
                              .inner_dst = ADDR_B,
                              .inner_sport = 5000,
                              .inner_dport = 69,
                              .inner_l4_off = 48};
  assert_view_eq(&v, &e);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(pkt_icmp_unreach, &v), 1);
}

static void test_pkt_valid_first_fragment(void **state) {
  (void)state;
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(pkt_frag_first, sizeof(pkt_frag_first), &v),
                   PINHOLE_PKT_OK);
  const pinhole_pkt_view e = {.src = ADDR_A,
                              .dst = ADDR_B,
                              .ip_len = 36,
                              .ip_id = 0x5000,
                              .ihl = 20,
                              .proto = 17,
                              .ttl = 64,
                              .flags = PINHOLE_PKTF_FRAGMENT |
                                       PINHOLE_PKTF_FIRST_FRAG |
                                       PINHOLE_PKTF_L4,
                              .l4_off = 20,
                              .l4_len = 16,
                              .sport = 5001,
                              .dport = 69,
                              .payload_off = 28,
                              .payload_len = 8};
  assert_view_eq(&v, &e);
}

static void test_pkt_valid_later_fragment(void **state) {
  (void)state;
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(pkt_frag_second, sizeof(pkt_frag_second), &v),
                   PINHOLE_PKT_OK);
  /* No L4 header: the first 4 bytes here are data, not ports. */
  const pinhole_pkt_view e = {.src = ADDR_A,
                              .dst = ADDR_B,
                              .ip_len = 44,
                              .frag_off = 16,
                              .ip_id = 0x5000,
                              .ihl = 20,
                              .proto = 17,
                              .ttl = 64,
                              .flags = PINHOLE_PKTF_FRAGMENT,
                              .l4_off = 20,
                              .l4_len = 24};
  assert_view_eq(&v, &e);
  /* Fragments always verify: the L4 checksum covers the whole datagram. */
  assert_int_equal(pinhole_pkt_l4_cksum_ok(pkt_frag_second, &v), 1);
}

static void test_pkt_valid_ip_options(void **state) {
  (void)state;
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(pkt_ip_options, sizeof(pkt_ip_options), &v),
                   PINHOLE_PKT_OK);
  const pinhole_pkt_view e = {.src = ADDR_A,
                              .dst = ADDR_B,
                              .ip_len = 48,
                              .ip_id = 0x1234,
                              .ihl = 28,
                              .proto = 6,
                              .ttl = 64,
                              .flags = PINHOLE_PKTF_OPTIONS | PINHOLE_PKTF_L4,
                              .l4_off = 28,
                              .l4_len = 20,
                              .sport = 40001,
                              .dport = 80,
                              .payload_off = 48,
                              .payload_len = 0,
                              .seq = 1,
                              .tcp_flags = PINHOLE_TCP_SYN,
                              .tcp_hlen = 20,
                              .tcp_win = 1024};
  assert_view_eq(&v, &e);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(pkt_ip_options, &v), 1);
}

static void test_pkt_valid_other_protocol(void **state) {
  (void)state;
  uint8_t b[64];
  memset(b + 20, 0, 4);
  size_t n = mk_ip(b, 47, 4); /* GRE: no L4 parsing */
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, 0);
  assert_int_equal(v.proto, 47);
  assert_int_equal(v.l4_off, 20);
  assert_int_equal(v.l4_len, 4);
  assert_int_equal(v.payload_off, 0);
  assert_int_equal(v.sport, 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
}

static void test_pkt_icmp_timestamp_is_query(void **state) {
  (void)state;
  uint8_t b[64];
  uint8_t *m = b + 20;
  memset(m, 0, 20);
  m[0] = 13;
  put16(m + 4, 0x0102);
  put16(m + 6, 0x0304);
  size_t n = mk_ip(b, 1, 20);
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKTF_ICMP_QUERY | PINHOLE_PKTF_L4);
  assert_int_equal(v.sport, 0x0102);
  assert_int_equal(v.dport, 0x0102);
  assert_int_equal(v.icmp_seq, 0x0304);
}

static void test_pkt_icmp_other_type_no_flags(void **state) {
  (void)state;
  uint8_t b[64];
  uint8_t *m = b + 20;
  memset(m, 0, 8);
  m[0] = 9; /* router advertisement: neither query nor error */
  put16(m + 4, 0x0102);
  size_t n = mk_ip(b, 1, 8);
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, 0);
  assert_int_equal(v.icmp_type, 9);
  assert_int_equal(v.sport, 0);
  assert_int_equal(v.payload_off, 28);
  assert_int_equal(v.payload_len, 0);
}

static void test_pkt_icmp_error_quoting_tcp(void **state) {
  (void)state;
  uint8_t b[128];
  /* Time exceeded quoting the SYN's IP header and first 8 TCP bytes. */
  size_t n = mk_icmp_err(b, 11, 0, pkt_tcp_syn, 28);
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKTF_ICMP_ERROR);
  assert_int_equal(v.icmp_type, 11);
  assert_int_equal(v.inner_proto, 6);
  assert_int_equal(v.inner_src, ADDR_A);
  assert_int_equal(v.inner_dst, ADDR_B);
  assert_int_equal(v.inner_sport, 40000);
  assert_int_equal(v.inner_dport, 21);
  assert_int_equal(v.inner_l4_off, 48);
}

static void test_pkt_icmp_error_quoting_echo(void **state) {
  (void)state;
  uint8_t b[128];
  size_t n = mk_icmp_err(b, 3, 1, pkt_icmp_echo, 28);
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKTF_ICMP_ERROR);
  assert_int_equal(v.inner_proto, 1);
  assert_int_equal(v.inner_sport, 0x4242);
  assert_int_equal(v.inner_dport, 0x4242);
}

static void test_pkt_icmp_error_quoting_error_not_recursed(void **state) {
  (void)state;
  uint8_t b[128];
  /* Quotes the port unreachable (its header + its first 8 ICMP bytes). */
  size_t n = mk_icmp_err(b, 11, 0, pkt_icmp_unreach, 28);
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKTF_ICMP_ERROR);
  assert_int_equal(v.inner_proto, 1);
  assert_int_equal(v.inner_src, ADDR_B);
  assert_int_equal(v.inner_dst, ADDR_A);
  assert_int_equal(v.inner_sport, 0);
  assert_int_equal(v.inner_dport, 0);
  assert_int_equal(v.inner_l4_off, 48);
}

static void test_pkt_icmp_error_quoting_later_fragment(void **state) {
  (void)state;
  uint8_t b[128];
  size_t n = mk_icmp_err(b, 3, 3, pkt_frag_second, 28);
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.inner_proto, 17);
  /* Bytes 08 09 0a 0b are data, not ports. */
  assert_int_equal(v.inner_sport, 0);
  assert_int_equal(v.inner_dport, 0);
}

static void test_pkt_udp_nocsum_flag(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_udp(b, 4);
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, PINHOLE_PKTF_L4 | PINHOLE_PKTF_UDP_NOCSUM);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
}

static void test_pkt_multicast_destination_legal(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_udp(b, 0);
  put32(b + 16, 0xe0000005u); /* 224.0.0.5 */
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
}

/* ---- one test per reason ---------------------------------------------- */

static void test_pkt_reason_non_ip(void **state) {
  (void)state;
  uint8_t b[64] = {0}; /* read as 0 bytes first: still initialised */
  assert_int_equal(parse(b, 0), PINHOLE_PKT_NON_IP);
  size_t n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  for (unsigned ver = 0; ver < 16; ver++) {
    if (ver == 4 || ver == 6)
      continue;
    b[0] = (uint8_t)(ver << 4 | 5);
    assert_int_equal(parse(b, n), PINHOLE_PKT_NON_IP);
  }
}

static void test_pkt_reason_ip_non_ipv4(void **state) {
  (void)state;
  uint8_t b[40] = {0x60};
  assert_int_equal(parse(b, sizeof(b)), PINHOLE_PKT_IP_NON_IPV4);
  assert_int_equal(parse(b, 1), PINHOLE_PKT_IP_NON_IPV4);
}

static void test_pkt_reason_ip_min_hdr(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  assert_int_equal(parse(b, 19), PINHOLE_PKT_IP_MIN_HDR);
  for (uint8_t ihl = 0; ihl < 5; ihl++) {
    b[0] = (uint8_t)(0x40 | ihl);
    assert_int_equal(parse(b, n), PINHOLE_PKT_IP_MIN_HDR);
  }
}

static void test_pkt_reason_ip_len(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  put16(b + 2, (uint16_t)(n + 1)); /* claims one byte more than present */
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_LEN);
  put16(b + 2, 19); /* shorter than its own header */
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_LEN);
}

static void test_pkt_reason_ip_cksum(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  b[11] ^= 0x01;
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_CKSUM);
  b[11] ^= 0x01;
  b[8] = 63; /* TTL changed without updating the checksum */
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_CKSUM);
}

static void test_pkt_reason_ip_ttl_zero(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  b[8] = 0;
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_TTL_ZERO);
  b[8] = 1;
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
}

static void test_pkt_reason_ip_proto(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  b[9] = 0;
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_PROTO);
  b[9] = 255;
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_PROTO);
  b[9] = 254;
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
}

static void test_pkt_reason_ip_land(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_tcp(b, 20, PINHOLE_TCP_SYN);
  put32(b + 16, ADDR_A);
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_LAND);
}

static void test_pkt_reason_ip_src(void **state) {
  (void)state;
  static const uint32_t bad[] = {0x00000000u, 0x00ffffffu, 0x7f000001u,
                                 0xe0000001u, 0xefffffffu, 0xf0000001u,
                                 0xffffffffu};
  static const uint32_t good[] = {0x01000000u, 0x7effffffu, 0x80000000u,
                                  0xdfffffffu};
  uint8_t b[64];
  size_t n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    put32(b + 12, bad[i]);
    ip_refix(b);
    assert_int_equal(parse(b, n), PINHOLE_PKT_IP_SRC);
  }
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    put32(b + 12, good[i]);
    ip_refix(b);
    assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
  }
}

static void test_pkt_reason_ip_dst(void **state) {
  (void)state;
  static const uint32_t bad[] = {0x00000000u, 0x00000001u, 0x7f000001u,
                                 0xf0000000u, 0xfffffffeu, 0xffffffffu};
  static const uint32_t good[] = {0xe0000001u, 0xefffffffu, 0x01000000u,
                                  0xdfffffffu};
  uint8_t b[64];
  size_t n = mk_udp(b, 0);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    put32(b + 16, bad[i]);
    ip_refix(b);
    assert_int_equal(parse(b, n), PINHOLE_PKT_IP_DST);
  }
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    put32(b + 16, good[i]);
    ip_refix(b);
    assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
  }
}

static void test_pkt_reason_ip_frag_len(void **state) {
  (void)state;
  uint8_t b[64];
  /* MF set, 8 + 5 = 13 bytes of payload: not a multiple of 8. */
  size_t n = mk_udp(b, 5);
  put16(b + 6, 0x2000);
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_FRAG_LEN);
  /* Last fragment (MF clear) at offset 65528 with 8 bytes: 65536 > 65535. */
  n = mk_udp(b, 0);
  put16(b + 6, 8191);
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_IP_FRAG_LEN);
  /* Offset 65520 + 8 bytes = 65528: fine. */
  put16(b + 6, 8190);
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
  /* MF with a multiple of 8: fine. */
  put16(b + 6, 0x2000);
  ip_refix(b);
  assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
}

/* Builds a TCP ACK with the given option bytes (optlen a multiple of 4). */
static size_t mk_opts(uint8_t *b, const uint8_t *opt, size_t optlen) {
  uint8_t tmp[64];
  size_t n = mk_tcp(tmp, 20, PINHOLE_TCP_ACK);
  memcpy(b, tmp, 20);
  memcpy(b + 20, opt, optlen);
  memcpy(b + 20 + optlen, tmp + 20, n - 20);
  b[0] = (uint8_t)(0x40 | (20 + optlen) / 4);
  put16(b + 2, (uint16_t)(n + optlen));
  ip_refix(b);
  return n + optlen;
}

static void test_pkt_reason_ip_option(void **state) {
  (void)state;
  uint8_t b[128];
  /* Length 1 (must be >= 2). */
  static const uint8_t len1[4] = {0x07, 0x01, 0x00, 0x00};
  assert_int_equal(parse(b, mk_opts(b, len1, 4)), PINHOLE_PKT_IP_OPTION);
  /* Length 0. */
  static const uint8_t len0[4] = {0x83, 0x00, 0x00, 0x00};
  assert_int_equal(parse(b, mk_opts(b, len0, 4)), PINHOLE_PKT_IP_OPTION);
}

static void test_pkt_options_past_header(void **state) {
  (void)state;
  uint8_t b[128];
  /* Record route claiming 39 bytes in a 4-byte option area. */
  static const uint8_t past[4] = {0x07, 0x27, 0x04, 0x00};
  assert_int_equal(parse(b, mk_opts(b, past, 4)), PINHOLE_PKT_IP_OPTION);
  /* Claims 5 bytes where 4 remain: off by one. */
  static const uint8_t by_one[4] = {0x07, 0x05, 0x04, 0x00};
  assert_int_equal(parse(b, mk_opts(b, by_one, 4)), PINHOLE_PKT_IP_OPTION);
  /* Exactly fills the area: fine. */
  static const uint8_t exact[4] = {0x07, 0x04, 0x04, 0x00};
  assert_int_equal(parse(b, mk_opts(b, exact, 4)), PINHOLE_PKT_OK);
  /* Type byte in the last position, no room for its length. */
  static const uint8_t no_len[4] = {0x01, 0x01, 0x01, 0x44};
  assert_int_equal(parse(b, mk_opts(b, no_len, 4)), PINHOLE_PKT_IP_OPTION);
  /* After EOL the rest is padding and is not interpreted. */
  static const uint8_t eol[8] = {0x01, 0x00, 0x07, 0xff, 0, 0, 0, 0};
  assert_int_equal(parse(b, mk_opts(b, eol, 8)), PINHOLE_PKT_OK);
  /* 40 bytes of NOP: the largest header. */
  uint8_t nops[40];
  memset(nops, 0x01, sizeof(nops));
  pinhole_pkt_view v;
  size_t n = mk_opts(b, nops, sizeof(nops));
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.ihl, 60);
  assert_int_equal(v.flags, PINHOLE_PKTF_OPTIONS | PINHOLE_PKTF_L4);
}

static void test_pkt_reason_tcp_hdr_len(void **state) {
  (void)state;
  uint8_t b[128];
  size_t n = mk_tcp(b, 19, 0); /* 19-byte segment */
  assert_int_equal(parse(b, n), PINHOLE_PKT_TCP_HDR_LEN);
  n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  b[32] = 0x40; /* data offset 4 */
  assert_int_equal(parse(b, n), PINHOLE_PKT_TCP_HDR_LEN);
  b[32] = 0x60; /* data offset 6: 24 bytes in a 20-byte segment */
  assert_int_equal(parse(b, n), PINHOLE_PKT_TCP_HDR_LEN);
  b[32] = 0xf0;
  assert_int_equal(parse(b, n), PINHOLE_PKT_TCP_HDR_LEN);
  n = mk_tcp(b, 60, PINHOLE_TCP_ACK);
  b[32] = 0xf0; /* 60-byte header filling the segment: fine */
  assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
}

static void test_pkt_reason_tcp_port_zero(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  put16(b + 20, 0);
  assert_int_equal(parse(b, n), PINHOLE_PKT_TCP_PORT_ZERO);
  n = mk_tcp(b, 20, PINHOLE_TCP_ACK);
  put16(b + 22, 0);
  assert_int_equal(parse(b, n), PINHOLE_PKT_TCP_PORT_ZERO);
}

static void test_pkt_reason_tcp_flags(void **state) {
  (void)state;
  static const uint8_t bad[] = {
      0x00,
      PINHOLE_TCP_ECE | PINHOLE_TCP_CWR,
      PINHOLE_TCP_SYN | PINHOLE_TCP_FIN,
      PINHOLE_TCP_SYN | PINHOLE_TCP_FIN | PINHOLE_TCP_ACK,
      PINHOLE_TCP_SYN | PINHOLE_TCP_RST,
      PINHOLE_TCP_SYN | PINHOLE_TCP_RST | PINHOLE_TCP_ACK,
      PINHOLE_TCP_FIN | PINHOLE_TCP_RST | PINHOLE_TCP_ACK,
      PINHOLE_TCP_FIN,
      PINHOLE_TCP_FIN | PINHOLE_TCP_PSH | PINHOLE_TCP_URG, /* xmas-like */
      0xff};
  static const uint8_t good[] = {PINHOLE_TCP_SYN,
                                 PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
                                 PINHOLE_TCP_SYN | PINHOLE_TCP_ECE |
                                     PINHOLE_TCP_CWR,
                                 PINHOLE_TCP_ACK,
                                 PINHOLE_TCP_FIN | PINHOLE_TCP_ACK,
                                 PINHOLE_TCP_RST,
                                 PINHOLE_TCP_RST | PINHOLE_TCP_ACK,
                                 PINHOLE_TCP_PSH | PINHOLE_TCP_ACK,
                                 PINHOLE_TCP_URG | PINHOLE_TCP_ACK,
                                 PINHOLE_TCP_PSH};
  uint8_t b[64];
  pinhole_pkt_view v;
  for (size_t i = 0; i < sizeof(bad); i++) {
    size_t n = mk_tcp(b, 20, bad[i]);
    assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_TCP_FLAGS);
    assert_int_equal(v.tcp_flags, bad[i]);
  }
  for (size_t i = 0; i < sizeof(good); i++) {
    size_t n = mk_tcp(b, 20, good[i]);
    assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
  }
}

static void test_pkt_reason_udp_short(void **state) {
  (void)state;
  uint8_t b[64];
  memset(b + 20, 0x11, 7);
  size_t n = mk_ip(b, 17, 7);
  assert_int_equal(parse(b, n), PINHOLE_PKT_UDP_SHORT);
  n = mk_ip(b, 17, 0);
  assert_int_equal(parse(b, n), PINHOLE_PKT_UDP_SHORT);
}

static void test_pkt_reason_udp_port_zero(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_udp(b, 2);
  put16(b + 20, 0);
  assert_int_equal(parse(b, n), PINHOLE_PKT_UDP_PORT_ZERO);
  n = mk_udp(b, 2);
  put16(b + 22, 0);
  assert_int_equal(parse(b, n), PINHOLE_PKT_UDP_PORT_ZERO);
}

static void test_pkt_reason_udp_len(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_udp(b, 4);
  put16(b + 24, 7); /* < 8 */
  assert_int_equal(parse(b, n), PINHOLE_PKT_UDP_LEN);
  put16(b + 24, 13); /* one more than the IP payload */
  assert_int_equal(parse(b, n), PINHOLE_PKT_UDP_LEN);
  put16(b + 24, 11); /* one less */
  assert_int_equal(parse(b, n), PINHOLE_PKT_UDP_LEN);
  put16(b + 24, 12);
  assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
  /* A first fragment: the length may exceed what is present, not be less. */
  put16(b + 6, 0x2000);
  n = mk_udp(b, 8);
  put16(b + 6, 0x2000);
  ip_refix(b);
  put16(b + 24, 1000);
  assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
  put16(b + 24, 16);
  assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
  put16(b + 24, 15);
  assert_int_equal(parse(b, n), PINHOLE_PKT_UDP_LEN);
  put16(b + 24, 7);
  assert_int_equal(parse(b, n), PINHOLE_PKT_UDP_LEN);
}

static void test_pkt_reason_icmp_short(void **state) {
  (void)state;
  uint8_t b[64];
  memset(b + 20, 0, 7);
  b[20] = 8;
  size_t n = mk_ip(b, 1, 7);
  assert_int_equal(parse(b, n), PINHOLE_PKT_ICMP_SHORT);
}

static void test_pkt_reason_icmp_err_len(void **state) {
  (void)state;
  static const uint8_t errs[] = {3, 4, 5, 11, 12};
  uint8_t b[128];
  pinhole_pkt_view v;
  for (size_t i = 0; i < sizeof(errs); i++) {
    /* 27 quoted bytes: one short of header + 8. */
    size_t n = mk_icmp_err(b, errs[i], 0, pkt_udp, 27);
    assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_ICMP_ERR_LEN);
    assert_true(v.flags & PINHOLE_PKTF_ICMP_ERROR);
    n = mk_icmp_err(b, errs[i], 0, pkt_udp, 28);
    assert_int_equal(parse(b, n), PINHOLE_PKT_OK);
  }
  /* Nothing quoted at all. */
  assert_int_equal(parse(b, mk_icmp_err(b, 3, 0, pkt_udp, 0)),
                   PINHOLE_PKT_ICMP_ERR_LEN);
  /* Quoted header not IPv4. */
  uint8_t q[64];
  memcpy(q, pkt_udp, 28);
  q[0] = 0x65;
  assert_int_equal(parse(b, mk_icmp_err(b, 3, 3, q, 28)),
                   PINHOLE_PKT_ICMP_ERR_LEN);
  /* Quoted IHL 4. */
  q[0] = 0x44;
  assert_int_equal(parse(b, mk_icmp_err(b, 3, 3, q, 28)),
                   PINHOLE_PKT_ICMP_ERR_LEN);
  /* Quoted IHL 6 (24 bytes) with only 28 quoted: 4 L4 bytes, not 8. */
  q[0] = 0x46;
  assert_int_equal(parse(b, mk_icmp_err(b, 3, 3, q, 28)),
                   PINHOLE_PKT_ICMP_ERR_LEN);
  memset(q + 28, 0, 4);
  assert_int_equal(parse(b, mk_icmp_err(b, 3, 3, q, 32)), PINHOLE_PKT_OK);
}

/* ---- hostile shapes ---------------------------------------------------- */

static void test_pkt_truncation_every_length(void **state) {
  (void)state;
  for (size_t len = 0; len <= sizeof(pkt_ftp_port); len++) {
    pinhole_pkt_view v;
    int want = len == 0                     ? PINHOLE_PKT_NON_IP
               : len < 20                   ? PINHOLE_PKT_IP_MIN_HDR
               : len < sizeof(pkt_ftp_port) ? PINHOLE_PKT_IP_LEN
                                            : PINHOLE_PKT_OK;
    assert_int_equal(parse_exact(pkt_ftp_port, len, &v), want);
  }
  /* The same with the IP length also truncated (checksum fixed): the L4
   * checks must see only what the IP length allows. */
  uint8_t b[64];
  for (size_t len = 20; len <= sizeof(pkt_ftp_port); len++) {
    memcpy(b, pkt_ftp_port, len);
    put16(b + 2, (uint16_t)len);
    ip_refix(b);
    int want = len < 40 ? PINHOLE_PKT_TCP_HDR_LEN : PINHOLE_PKT_OK;
    assert_int_equal(parse(b, len), want);
  }
}

static void test_pkt_ihl_short_buffer(void **state) {
  (void)state;
  uint8_t b[64];
  for (uint8_t ihl = 0; ihl < 5; ihl++) {
    memcpy(b, pkt_tcp_syn, sizeof(pkt_tcp_syn));
    b[0] = (uint8_t)(0x40 | ihl);
    for (size_t len = 1; len <= sizeof(pkt_tcp_syn); len++)
      assert_int_equal(parse(b, len), PINHOLE_PKT_IP_MIN_HDR);
  }
  /* IHL 15 (60 bytes) in a 44-byte buffer. */
  memcpy(b, pkt_tcp_syn, sizeof(pkt_tcp_syn));
  b[0] = 0x4f;
  assert_int_equal(parse(b, sizeof(pkt_tcp_syn)), PINHOLE_PKT_IP_MIN_HDR);
  assert_int_equal(parse(b, 59), PINHOLE_PKT_IP_MIN_HDR);
  /* With 60 bytes present but a total length of 44: length error. */
  memset(b + 44, 0, 16);
  assert_int_equal(parse(b, 60), PINHOLE_PKT_IP_LEN);
}

static void test_pkt_ethernet_padding_accepted(void **state) {
  (void)state;
  uint8_t b[60];
  memset(b, 0xee, sizeof(b));
  memcpy(b, pkt_udp, sizeof(pkt_udp));
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, sizeof(b), &v), PINHOLE_PKT_OK);
  assert_int_equal(v.ip_len, 41);
  assert_int_equal(v.l4_len, 21);
  assert_int_equal(v.payload_len, 13);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
}

/* ---- checksums --------------------------------------------------------- */

static void check_fix(const uint8_t *orig, size_t len, size_t l4_field) {
  uint8_t b[128];
  memcpy(b, orig, len);
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, len, &v), PINHOLE_PKT_OK);
  /* Corrupt both checksums; l4 must fail, fix must restore the bytes the
   * independent generator wrote. */
  b[10] ^= 0x5a;
  b[l4_field] ^= 0x5a;
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 0);
  assert_int_equal(pinhole_pkt_fix_cksums(b, &v), 0);
  assert_memory_equal(b, orig, len);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
  assert_int_equal(parse(b, len), PINHOLE_PKT_OK);
}

static void test_pkt_fix_cksums_then_verify(void **state) {
  (void)state;
  check_fix(pkt_tcp_syn, sizeof(pkt_tcp_syn), 36);
  check_fix(pkt_ftp_port, sizeof(pkt_ftp_port), 36);
  check_fix(pkt_udp, sizeof(pkt_udp), 26);
  check_fix(pkt_icmp_echo, sizeof(pkt_icmp_echo), 22);
  check_fix(pkt_icmp_unreach, sizeof(pkt_icmp_unreach), 22);
  check_fix(pkt_ip_options, sizeof(pkt_ip_options), 44);
}

static void test_pkt_fix_cksums_payload_change(void **state) {
  (void)state;
  uint8_t b[64];
  memcpy(b, pkt_ftp_port, sizeof(pkt_ftp_port));
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, sizeof(b), &v), PINHOLE_PKT_OK);
  b[45] = '2'; /* "PORT 298,..." */
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 0);
  assert_int_equal(pinhole_pkt_fix_cksums(b, &v), 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
  /* '1' -> '2' adds 0x0100 to the sum at an odd offset: checksum drops by
   * 0x0001 in that word position (low byte), per RFC 1071 arithmetic. */
  assert_int_equal(get16(b + 36), (uint16_t)(get16(pkt_ftp_port + 36) - 1));
}

static void test_pkt_fix_cksums_udp_zero_stays(void **state) {
  (void)state;
  uint8_t b[64];
  size_t n = mk_udp(b, 4);
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, n, &v), PINHOLE_PKT_OK);
  b[30] ^= 0xff; /* payload changes; no checksum to verify or fix */
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
  assert_int_equal(pinhole_pkt_fix_cksums(b, &v), 0);
  assert_int_equal(get16(b + 26), 0);
  assert_int_equal(ref_cksum(b, 20), 0);
}

static void test_pkt_fix_cksums_fragment_ip_only(void **state) {
  (void)state;
  uint8_t b[64];
  memcpy(b, pkt_frag_first, sizeof(pkt_frag_first));
  pinhole_pkt_view v;
  assert_int_equal(parse_exact(b, sizeof(pkt_frag_first), &v), PINHOLE_PKT_OK);
  b[11] ^= 0xff;
  assert_int_equal(pinhole_pkt_fix_cksums(b, &v), 0);
  assert_memory_equal(b, pkt_frag_first, sizeof(pkt_frag_first));
  assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &v), 1);
}

/* ---- API edges --------------------------------------------------------- */

static void test_pkt_null_args(void **state) {
  (void)state;
  pinhole_pkt_view v;
  memset(&v, 0x5a, sizeof(v));
  assert_int_equal(pinhole_pkt_parse(NULL, 20, &v), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(v.src, 0); /* still fully written */
  assert_int_equal(v.flags, 0);
  assert_int_equal(pinhole_pkt_parse(pkt_udp, sizeof(pkt_udp), NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(NULL, &v), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(pkt_udp, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  uint8_t b[8] = {0};
  assert_int_equal(pinhole_pkt_fix_cksums(NULL, &v), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pkt_fix_cksums(b, NULL), PINHOLE_ERR_INVALID_ARG);
}

static void test_pkt_view_zeroed_on_failure(void **state) {
  (void)state;
  pinhole_pkt_view v;
  memset(&v, 0x5a, sizeof(v));
  assert_int_equal(parse_exact(pkt_udp, 0, &v), PINHOLE_PKT_NON_IP);
  const pinhole_pkt_view zero = {0};
  assert_view_eq(&v, &zero);
}

static void test_pkt_reason_names(void **state) {
  (void)state;
  static const char *const want[] = {
      "ok",           "non-ip",        "ip-non-ipv4",    "ip-min-hdr",
      "ip-len",       "ip-ttl-zero",   "ip-proto",       "ip-land",
      "ip-src",       "ip-dst",        "ip-cksum",       "ip-frag-len",
      "ip-option",    "tcp-hdr-len",   "tcp-port-zero",  "tcp-flags",
      "udp-short",    "udp-port-zero", "udp-len",        "icmp-short",
      "icmp-err-len", "ip6-hdr",       "ip6-len",        "ip6-jumbo",
      "ip6-src",      "ip6-dst",       "ip6-ext",        "ip6-ext-order",
      "ip6-routing",  "ip6-frag-len",  "ip6-frag-chain", "udp6-cksum-zero"};
  for (int i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++)
    assert_string_equal(pinhole_pkt_reason_name(i), want[i]);
  assert_int_equal(PINHOLE_PKT_ICMP_ERR_LEN, 20);
  assert_int_equal(PINHOLE_PKT_UDP6_CKSUM_ZERO, 31);
  assert_string_equal(pinhole_pkt_reason_name(32), "unknown");
  assert_string_equal(pinhole_pkt_reason_name(-1), "unknown");
  assert_string_equal(pinhole_pkt_reason_name(PINHOLE_ERR_INVALID_ARG),
                      "unknown");
}

/* The one pass's header checksum test (a multiple of 0xffff) answers as
 * RFC 1071's folded sum does, on headers with a correct checksum, with
 * one bit flipped, and with random checksum fields (both zeros of one's
 * complement included: a field of 0x0000 or 0xffff over a sum of 0xffff). */
static void test_pkt_hdr20_cksum_as_rfc1071(void **state) {
  (void)state;
  uint64_t x = 0x9e3779b97f4a7c15ull;
  int ok = 0;
  for (int i = 0; i < 200000; i++) {
    uint8_t d[20];
    for (int j = 0; j < 20; j++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      d[j] = (uint8_t)(i % 4 == 3 ? (x & 1 ? 0xff : 0) : x);
    }
    d[0] = 0x45;
    if (i % 3 != 0) { /* a correct checksum, then maybe one flipped bit */
      d[10] = d[11] = 0;
      uint16_t c = pinhole_cksum(d, 20);
      d[10] = (uint8_t)(c >> 8);
      d[11] = (uint8_t)c;
      if (i % 3 == 2)
        d[1 + (x >> 8) % 19] ^= (uint8_t)(1u << ((x >> 16) & 7));
    }
    int want = pinhole_cksum(d, 20) == 0;
    assert_int_equal(ph_hdr20_cksum_ok(d), want);
    ok += want;
  }
  assert_true(ok > 60000);
}

/* The one pass (plain4.h) and the full parse agree on every first octet
 * of the source and of the destination address (the table of illegal
 * ones: 0, 127, 224-255 as a source, 0, 127, 240-255 as a destination). */
static void test_pkt_plain4_address_octets(void **state) {
  (void)state;
  for (unsigned s = 0; s < 256; s++) {
    for (unsigned t = 0; t < 256; t += (s % 17 == 0) ? 1 : 51) {
      uint8_t b[28];
      memset(b, 0, sizeof(b));
      b[0] = 0x45;
      b[3] = 28;
      b[8] = 64;
      b[9] = 17;
      b[12] = (uint8_t)s;
      b[13] = 1;
      b[16] = (uint8_t)t;
      b[17] = 2;
      b[21] = 53; /* ports 53 -> 54, UDP length 8 */
      b[23] = 54;
      b[25] = 8;
      uint16_t c = pinhole_cksum(b, 20);
      b[10] = (uint8_t)(c >> 8);
      b[11] = (uint8_t)c;
      pinhole_pkt_view v;
      int full = pinhole_pkt_parse(b, sizeof(b), &v);
      ph_plain4 p;
      int one = ph_plain4_check(b, sizeof(b), &p);
      /* its answer is the protocol when it passes */
      assert_int_equal(one, full == PINHOLE_PKT_OK ? PINHOLE_IPPROTO_UDP : 0);
      int src_bad = s == 0 || s == 127 || s >= 224;
      int dst_bad = t == 0 || t == 127 || t >= 240;
      assert_int_equal(full, src_bad   ? PINHOLE_PKT_IP_SRC
                             : dst_bad ? PINHOLE_PKT_IP_DST
                                       : PINHOLE_PKT_OK);
    }
  }
}

/* The one pass reads both ports as one word (plain4.h): it refuses a
 * packet exactly when either port is zero, whichever of its bytes are
 * zero, and hands each port over whole, answering with the protocol;
 * the full parse agrees. */
static void test_pkt_plain4_ports(void **state) {
  (void)state;
  static const uint16_t port[] = {0,      1,      0x00ff, 0x0100, 0x0101,
                                  0x8000, 0xff00, 0xfffe, 0xffff};
  const size_t np = sizeof(port) / sizeof(port[0]);
  for (int tcp = 0; tcp < 2; tcp++) {
    for (size_t i = 0; i < np; i++) {
      for (size_t j = 0; j < np; j++) {
        uint8_t b[64];
        size_t n = tcp ? mk_tcp(b, 20, PINHOLE_TCP_ACK) : mk_udp(b, 2);
        put16(b + 20, port[i]);
        put16(b + 22, port[j]);
        pinhole_pkt_view v;
        int full = pinhole_pkt_parse(b, n, &v);
        ph_plain4 p;
        memset(&p, 0, sizeof(p));
        int one = ph_plain4_check(b, n, &p);
        int zero = port[i] == 0 || port[j] == 0;
        assert_int_equal(one, zero  ? 0
                              : tcp ? PINHOLE_IPPROTO_TCP
                                    : PINHOLE_IPPROTO_UDP);
        assert_int_equal(full, !zero ? PINHOLE_PKT_OK
                               : tcp ? PINHOLE_PKT_TCP_PORT_ZERO
                                     : PINHOLE_PKT_UDP_PORT_ZERO);
        if (one) {
          assert_int_equal(p.sport, port[i]);
          assert_int_equal(p.dport, port[j]);
          assert_int_equal(v.sport, port[i]);
          assert_int_equal(v.dport, port[j]);
        }
      }
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pkt_valid_tcp_syn),
      cmocka_unit_test(test_pkt_valid_tcp_payload),
      cmocka_unit_test(test_pkt_valid_udp),
      cmocka_unit_test(test_pkt_valid_icmp_echo),
      cmocka_unit_test(test_pkt_valid_icmp_error),
      cmocka_unit_test(test_pkt_valid_first_fragment),
      cmocka_unit_test(test_pkt_valid_later_fragment),
      cmocka_unit_test(test_pkt_valid_ip_options),
      cmocka_unit_test(test_pkt_valid_other_protocol),
      cmocka_unit_test(test_pkt_icmp_timestamp_is_query),
      cmocka_unit_test(test_pkt_icmp_other_type_no_flags),
      cmocka_unit_test(test_pkt_icmp_error_quoting_tcp),
      cmocka_unit_test(test_pkt_icmp_error_quoting_echo),
      cmocka_unit_test(test_pkt_icmp_error_quoting_error_not_recursed),
      cmocka_unit_test(test_pkt_icmp_error_quoting_later_fragment),
      cmocka_unit_test(test_pkt_udp_nocsum_flag),
      cmocka_unit_test(test_pkt_multicast_destination_legal),
      cmocka_unit_test(test_pkt_reason_non_ip),
      cmocka_unit_test(test_pkt_reason_ip_non_ipv4),
      cmocka_unit_test(test_pkt_reason_ip_min_hdr),
      cmocka_unit_test(test_pkt_reason_ip_len),
      cmocka_unit_test(test_pkt_reason_ip_cksum),
      cmocka_unit_test(test_pkt_reason_ip_ttl_zero),
      cmocka_unit_test(test_pkt_reason_ip_proto),
      cmocka_unit_test(test_pkt_reason_ip_land),
      cmocka_unit_test(test_pkt_reason_ip_src),
      cmocka_unit_test(test_pkt_reason_ip_dst),
      cmocka_unit_test(test_pkt_reason_ip_frag_len),
      cmocka_unit_test(test_pkt_reason_ip_option),
      cmocka_unit_test(test_pkt_options_past_header),
      cmocka_unit_test(test_pkt_reason_tcp_hdr_len),
      cmocka_unit_test(test_pkt_reason_tcp_port_zero),
      cmocka_unit_test(test_pkt_reason_tcp_flags),
      cmocka_unit_test(test_pkt_reason_udp_short),
      cmocka_unit_test(test_pkt_reason_udp_port_zero),
      cmocka_unit_test(test_pkt_reason_udp_len),
      cmocka_unit_test(test_pkt_reason_icmp_short),
      cmocka_unit_test(test_pkt_reason_icmp_err_len),
      cmocka_unit_test(test_pkt_truncation_every_length),
      cmocka_unit_test(test_pkt_ihl_short_buffer),
      cmocka_unit_test(test_pkt_ethernet_padding_accepted),
      cmocka_unit_test(test_pkt_fix_cksums_then_verify),
      cmocka_unit_test(test_pkt_fix_cksums_payload_change),
      cmocka_unit_test(test_pkt_fix_cksums_udp_zero_stays),
      cmocka_unit_test(test_pkt_fix_cksums_fragment_ip_only),
      cmocka_unit_test(test_pkt_null_args),
      cmocka_unit_test(test_pkt_view_zeroed_on_failure),
      cmocka_unit_test(test_pkt_reason_names),
      cmocka_unit_test(test_pkt_hdr20_cksum_as_rfc1071),
      cmocka_unit_test(test_pkt_plain4_address_octets),
      cmocka_unit_test(test_pkt_plain4_ports),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Packet builders for the IPv6 and translation tests: headers laid out
 * byte by byte from the RFCs, addresses through inet_pton and checksums
 * with a naive RFC 1071 sum, so expected bytes never lean on the
 * library's own header or checksum code.
 */
#ifndef T_IP6_BUILD_H
#define T_IP6_BUILD_H

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void t_a6(uint8_t a[16], const char *text) {
  if (inet_pton(AF_INET6, text, a) != 1)
    memset(a, 0xee, 16);
}

static inline uint32_t t_a4(const char *text) {
  struct in_addr a;
  if (inet_pton(AF_INET, text, &a) != 1)
    return 0;
  return ntohl(a.s_addr);
}

static inline void t_w16(uint8_t *p, unsigned v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void t_w32(uint8_t *p, uint32_t v) {
  t_w16(p, v >> 16);
  t_w16(p + 2, v & 0xffff);
}

static inline unsigned t_r16(const uint8_t *p) {
  return (unsigned)p[0] << 8 | p[1];
}

/* Naive one's-complement sum of big-endian words (odd tail padded). */
static inline uint32_t t_sum(uint32_t acc, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2)
    acc += (uint32_t)p[i] << 8 | p[i + 1];
  if (n & 1)
    acc += (uint32_t)p[n - 1] << 8;
  return acc;
}

static inline uint16_t t_fin(uint32_t acc) {
  while (acc >> 16)
    acc = (acc & 0xffff) + (acc >> 16);
  return (uint16_t)~acc;
}

/* IPv6 fixed header; returns 40. */
static inline size_t t_ip6(uint8_t *o, const char *src, const char *dst,
                           uint8_t nh, uint8_t hlim, size_t plen,
                           uint8_t tclass) {
  t_w32(o, 6u << 28 | (uint32_t)tclass << 20);
  t_w16(o + 4, (unsigned)plen);
  o[6] = nh;
  o[7] = hlim;
  t_a6(o + 8, src);
  t_a6(o + 24, dst);
  return 40;
}

/* IPv4 header (20 bytes) with its checksum; returns 20. */
static inline size_t t_ip4(uint8_t *o, const char *src, const char *dst,
                           uint8_t proto, uint8_t ttl, uint16_t id,
                           uint16_t frag, size_t tot, uint8_t tos) {
  memset(o, 0, 20);
  o[0] = 0x45;
  o[1] = tos;
  t_w16(o + 2, (unsigned)tot);
  t_w16(o + 4, id);
  t_w16(o + 6, frag);
  o[8] = ttl;
  o[9] = proto;
  t_w32(o + 12, t_a4(src));
  t_w32(o + 16, t_a4(dst));
  t_w16(o + 10, t_fin(t_sum(0, o, 20)));
  return 20;
}

/* Sets the checksum at l4[at] of an upper layer over IPv6 (RFC 8200
 * 8.1) whose addresses are in the header at ip6. */
static inline void t_ck6(const uint8_t *ip6, uint8_t *l4, size_t len,
                         uint8_t nh, size_t at) {
  uint8_t tail[8] = {0};
  t_w32(tail, (uint32_t)len);
  tail[7] = nh;
  t_w16(l4 + at, 0);
  uint32_t s = t_sum(t_sum(t_sum(0, ip6 + 8, 32), tail, 8), l4, len);
  uint16_t c = t_fin(s);
  t_w16(l4 + at, c == 0 && nh == 17 ? 0xffff : c);
}

/* The same over IPv4 (ICMP: no pseudo-header). */
static inline void t_ck4(const uint8_t *ip4, uint8_t *l4, size_t len,
                         uint8_t proto, size_t at) {
  uint8_t ph[12] = {0};
  memcpy(ph, ip4 + 12, 8);
  ph[9] = proto;
  t_w16(ph + 10, (unsigned)len);
  t_w16(l4 + at, 0);
  uint32_t s = t_sum(proto == 1 ? 0 : t_sum(0, ph, 12), l4, len);
  uint16_t c = t_fin(s);
  t_w16(l4 + at, c == 0 && proto == 17 ? 0xffff : c);
}

/* A TCP header (20 bytes, no options) at o. */
static inline size_t t_tcp(uint8_t *o, unsigned sport, unsigned dport,
                           uint32_t seq, uint32_t ack, uint8_t flags) {
  memset(o, 0, 20);
  t_w16(o, sport);
  t_w16(o + 2, dport);
  t_w32(o + 4, seq);
  t_w32(o + 8, ack);
  o[12] = 0x50;
  o[13] = flags;
  t_w16(o + 14, 65535);
  return 20;
}

/* A UDP header for len bytes of datagram at o. */
static inline size_t t_udp(uint8_t *o, unsigned sport, unsigned dport,
                           size_t len) {
  t_w16(o, sport);
  t_w16(o + 2, dport);
  t_w16(o + 4, (unsigned)len);
  t_w16(o + 6, 0);
  return 8;
}

#endif /* T_IP6_BUILD_H */

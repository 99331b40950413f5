/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 packet builders and rules for the scenario tests (after
 * helpers.h): addresses from text, TCP and UDP packets with valid
 * checksums, IPv6 rules.
 */
#ifndef PH_TEST_HELPERS6_H
#define PH_TEST_HELPERS6_H

#include "helpers.h"

#include "core/engine.h"

#include <pinhole/ipv6.h>
#include <stdlib.h>

static inline void a6(uint8_t out[16], const char *s) {
  assert_int_equal(pinhole_addr6_parse(s, strlen(s), out), 0);
}

/* IPv6 header with payload length plen; returns 40. */
static inline size_t b6_ip(uint8_t *b, const uint8_t src[16],
                           const uint8_t dst[16], uint8_t nh, size_t plen) {
  memset(b, 0, 40);
  b[0] = 0x60;
  t_put16(b + 4, (uint16_t)plen);
  b[6] = nh;
  b[7] = 64;
  memcpy(b + 8, src, 16);
  memcpy(b + 24, dst, 16);
  return 40;
}

/* Parses p (asserting it is valid) and sets its checksum. */
static inline void b6_fix(tpkt *p) {
  pinhole_pkt6_view v;
  assert_int_equal(pinhole_pkt6_parse(p->b, p->p.len, &v), PINHOLE_PKT_OK);
  pinhole_pkt6_fix_cksums(p->b, &v);
  assert_int_equal(pinhole_pkt6_l4_cksum_ok(p->b, &v), 1);
}

static inline void b6_len(tpkt *p, size_t n) {
  p->p.data = p->b;
  p->p.len = (uint32_t)n;
  p->p.cap = sizeof(p->b);
}

/* An ICMPv6 echo message src -> dst of type (request or reply), its
 * identifier and sequence, 8 bytes of data ("pinhole!"). */
static inline tpkt *b6_ping(tpkt *p, const char *src, const char *dst,
                            uint8_t type, uint16_t id, uint16_t seq) {
  uint8_t s[16], d[16];
  a6(s, src);
  a6(d, dst);
  size_t o = b6_ip(p->b, s, d, PINHOLE_IP6_NH_ICMPV6, 16);
  memset(p->b + o, 0, 16);
  p->b[o] = type;
  t_put16(p->b + o + 4, id);
  t_put16(p->b + o + 6, seq);
  memcpy(p->b + o + 8, "pinhole!", 8);
  b6_len(p, o + 16);
  b6_fix(p);
  return p;
}

/* TCP src:sport -> dst:dport with flags, seq, ack and n payload bytes. */
static inline tpkt *b6_tcp(tpkt *p, const char *src, uint16_t sport,
                           const char *dst, uint16_t dport, uint8_t flags,
                           uint32_t seq, uint32_t ack, size_t n) {
  uint8_t s[16], d[16];
  a6(s, src);
  a6(d, dst);
  size_t o = b6_ip(p->b, s, d, PINHOLE_IPPROTO_TCP, 20 + n);
  uint8_t *t = p->b + o;
  memset(t, 0, 20 + n);
  t_put16(t, sport);
  t_put16(t + 2, dport);
  t_put32(t + 4, seq);
  t_put32(t + 8, ack);
  t[12] = 5 << 4;
  t[13] = flags;
  t_put16(t + 14, 65535);
  for (size_t i = 0; i < n; i++)
    t[20 + i] = (uint8_t)('a' + i % 26);
  b6_len(p, o + 20 + n);
  b6_fix(p);
  return p;
}

static inline tpkt *b6_udp(tpkt *p, const char *src, uint16_t sport,
                           const char *dst, uint16_t dport,
                           const char *payload) {
  uint8_t s[16], d[16];
  a6(s, src);
  a6(d, dst);
  size_t n = strlen(payload);
  size_t o = b6_ip(p->b, s, d, PINHOLE_IPPROTO_UDP, 8 + n);
  uint8_t *u = p->b + o;
  t_put16(u, sport);
  t_put16(u + 2, dport);
  t_put16(u + 4, (uint16_t)(8 + n));
  t_put16(u + 6, 0xffff); /* not 0 until b6_fix sets it */
  memcpy(u + 8, payload, n);
  b6_len(p, o + 8 + n);
  b6_fix(p);
  return p;
}

/* TCP src:sport -> dst:dport carrying text. */
static inline tpkt *b6_tcp_text(tpkt *p, const char *src, uint16_t sport,
                                const char *dst, uint16_t dport, uint8_t flags,
                                uint32_t seq, uint32_t ack, const char *text) {
  size_t n = strlen(text);
  b6_tcp(p, src, sport, dst, dport, flags, seq, ack, n);
  memcpy(p->b + 60, text, n);
  b6_fix(p);
  return p;
}

static inline void rule6(tctx *t, const char *name, uint8_t side, uint8_t proto,
                         const char *src, unsigned splen, const char *dst,
                         unsigned dplen, uint16_t dport, uint8_t action) {
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "%s", name);
  r.family = 6;
  r.side = side;
  r.proto = proto;
  r.action = action;
  if (src)
    a6(r.src6, src);
  if (dst)
    a6(r.dst6, dst);
  r.src_plen = (uint8_t)splen;
  r.dst_plen = (uint8_t)dplen;
  r.dport_lo = r.dport_hi = dport;
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
}

/* Two inside addresses of 2001:db8:1::/64 whose folds under the context's
 * key are equal (a birthday search over the low 32 bits). */
static inline void fold_collision(pinhole_ctx *ctx, uint8_t x[16],
                                  uint8_t y[16]) {
  enum { BITS = 20 };
  uint32_t *fold = calloc((size_t)1 << BITS, sizeof(uint32_t));
  uint32_t *idx = calloc((size_t)1 << BITS, sizeof(uint32_t));
  assert_non_null(fold);
  assert_non_null(idx);
  uint8_t a[16];
  a6(a, "2001:db8:1::");
  for (uint32_t i = 1; i < (1u << BITS) - 1; i++) {
    t_put32(a + 12, i);
    uint32_t f = pinhole__fold6(ctx, a);
    uint32_t h = (f * 2654435761u) >> (32 - BITS);
    for (;;) {
      if (idx[h] == 0) {
        idx[h] = i;
        fold[h] = f;
        break;
      }
      if (fold[h] == f) {
        memcpy(x, a, 16);
        memcpy(y, a, 16);
        t_put32(y + 12, idx[h]);
        free(fold);
        free(idx);
        return;
      }
      h = (h + 1) & ((1u << BITS) - 1);
    }
  }
  fail_msg("no fold collision within 2^20 addresses");
}

/* fold_collision() with both addresses also as text, for b6_*(). */
static inline void fold_collision_text(pinhole_ctx *ctx, uint8_t x[16],
                                       uint8_t y[16],
                                       char xs[PINHOLE_ADDR6_STRLEN],
                                       char ys[PINHOLE_ADDR6_STRLEN]) {
  fold_collision(ctx, x, y);
  assert_true(pinhole_addr6_format(x, xs, PINHOLE_ADDR6_STRLEN) > 0);
  assert_true(pinhole_addr6_format(y, ys, PINHOLE_ADDR6_STRLEN) > 0);
}

/* The one-pass path (pkt/plain6.h) against the full one: packet p from
 * side into context a by pinhole_process() (plain TCP/UDP one pass) and
 * a copy into b through pinhole__process6_full() (every IPv6 packet
 * parsed in full; IPv4 through pinhole_process() as in a). Asserts the
 * same verdict, length and bytes out; leaves a's output in p and returns
 * its verdict. */
static inline int t6_both(tctx *a, tctx *b, tpkt *p, int side, uint64_t now) {
  tpkt q = *p;
  q.p.data = q.b;
  int va = pinhole_process(a->ctx, &p->p, side, now);
  int vb;
  if (q.p.len > 0 && (q.b[0] >> 4) == 6) {
    ph_set_time(b->ctx, now);
    vb = pinhole__process6_full(b->ctx, &q.p, side, NULL);
  } else {
    vb = pinhole_process(b->ctx, &q.p, side, now);
  }
  assert_int_equal(va, vb);
  assert_int_equal(p->p.len, q.p.len);
  assert_memory_equal(p->b, q.b, p->p.len);
  return va;
}

/* Every counter of a and b is the same. */
static inline void t6_same_counters(tctx *a, tctx *b) {
  uint64_t ca[128], cb[128];
  int na = pinhole_stats(a->ctx, ca, 128);
  assert_int_equal(pinhole_stats(b->ctx, cb, 128), na);
  for (int i = 0; i < na; i++)
    if (ca[i] != cb[i])
      fail_msg("counter %d (%s): %llu one pass, %llu full", i,
               pinhole_counter_name(i), (unsigned long long)ca[i],
               (unsigned long long)cb[i]);
}

/* The NAT64 rule the scenarios use, named "nat64": from the inside
 * 2001:db8:1::/48 to dst/dplen ("64:ff9b::", 96: the well-known prefix),
 * source NAT from pool. Returns pinhole_rule_add()'s result. */
static inline int t_rule64(pinhole_ctx *ctx, int pool, const char *dst,
                           unsigned dplen) {
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "nat64");
  r.family = 6;
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pool;
  a6(r.src6, "2001:db8:1::");
  r.src_plen = 48;
  a6(r.dst6, dst);
  r.dst_plen = (uint8_t)dplen;
  return pinhole_rule_add(ctx, &r);
}

#endif /* PH_TEST_HELPERS6_H */

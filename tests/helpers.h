/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test helpers: packet builders with correct checksums, a context fixture
 * that records events, traces and emitted packets as text, and checks.
 */
#ifndef PH_TEST_HELPERS_H
#define PH_TEST_HELPERS_H

#include <pinhole/pinhole.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define IP4(a, b, c, d)                                                        \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |            \
   (uint32_t)(d))

#define IN_HOST IP4(198, 18, 0, 2)
#define OUT_HOST IP4(198, 19, 0, 2)
#define PUB IP4(198, 19, 0, 1)
#define SEC 1000000000ull

static inline void t_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void t_put32(uint8_t *p, uint32_t v) {
  t_put16(p, (uint16_t)(v >> 16));
  t_put16(p + 2, (uint16_t)v);
}
static inline uint16_t t_get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t t_get32(const uint8_t *p) {
  return (uint32_t)t_get16(p) << 16 | t_get16(p + 2);
}

/* A packet buffer with room to grow. */
typedef struct tpkt {
  uint8_t b[4096];
  pinhole_pkt p;
} tpkt;

static inline void t_ip(uint8_t *b, size_t total, uint8_t proto, uint32_t src,
                        uint32_t dst) {
  memset(b, 0, 20);
  b[0] = 0x45;
  t_put16(b + 2, (uint16_t)total);
  t_put16(b + 4, 0x1234);
  b[8] = 64;
  b[9] = proto;
  t_put32(b + 12, src);
  t_put32(b + 16, dst);
}

static inline void t_fix(tpkt *t) {
  pinhole_pkt_view v;
  t_put16(t->b + 10, 0);
  t_put16(t->b + 10, pinhole_cksum(t->b, (size_t)(t->b[0] & 15) * 4));
  int rc = pinhole_pkt_parse(t->b, t->p.len, &v);
  assert_int_equal(rc, 0);
  assert_int_equal(pinhole_pkt_fix_cksums(t->b, &v), 0);
}

/* Piece [off, off+n) of the payload of whole IPv6 packet w (no extension
 * headers) with a fragment header (identification id, M more). */
static inline tpkt *t6_frag6(tpkt *p, const tpkt *w, size_t off, size_t n,
                             int more, uint32_t id) {
  memcpy(p->b, w->b, 40);
  p->b[6] = 44; /* a fragment header (RFC 8200 sec. 4.5) */
  t_put16(p->b + 4, (uint16_t)(8 + n));
  p->b[40] = w->b[6];
  p->b[41] = 0;
  t_put16(p->b + 42, (uint16_t)(off | (more ? 1u : 0u)));
  t_put32(p->b + 44, id);
  memcpy(p->b + 48, w->b + 40 + off, n);
  p->p.data = p->b;
  p->p.len = (uint32_t)(48 + n);
  p->p.cap = sizeof(p->b);
  return p;
}

/* t6_frag6 with a hop-by-hop and a destination options header before
 * the fragment header (RFC 8200 sec. 4.1's order; 8 bytes each, one PadN
 * option, RFC 8200 sec. 4.2): 16 bytes longer. */
static inline tpkt *t6_frag6_ext(tpkt *p, const tpkt *w, size_t off, size_t n,
                                 int more, uint32_t id) {
  static const uint8_t padn[6] = {1, 4, 0, 0, 0, 0};
  memcpy(p->b, w->b, 40);
  p->b[6] = 0; /* hop-by-hop */
  t_put16(p->b + 4, (uint16_t)(24 + n));
  p->b[40] = 60; /* then destination options */
  p->b[41] = 0;
  memcpy(p->b + 42, padn, 6);
  p->b[48] = 44; /* then the fragment header */
  p->b[49] = 0;
  memcpy(p->b + 50, padn, 6);
  p->b[56] = w->b[6];
  p->b[57] = 0;
  t_put16(p->b + 58, (uint16_t)(off | (more ? 1u : 0u)));
  t_put32(p->b + 60, id);
  memcpy(p->b + 64, w->b + 40 + off, n);
  p->p.data = p->b;
  p->p.len = (uint32_t)(64 + n);
  p->p.cap = sizeof(p->b);
  return p;
}

/* Piece [off, off+n) of the payload of whole IPv4 packet w (20-byte
 * header): MF more, DF df, identification id, the header checksum by the
 * test's own sum (RFC 1071), not the library's. */
static inline tpkt *t6_frag4(tpkt *p, const tpkt *w, size_t off, size_t n,
                             int more, int df, uint16_t id) {
  memcpy(p->b, w->b, 20);
  t_put16(p->b + 2, (uint16_t)(20 + n));
  t_put16(p->b + 4, id);
  t_put16(p->b + 6, (uint16_t)((df ? 0x4000u : 0u) | (more ? 0x2000u : 0u) |
                               (unsigned)(off / 8)));
  p->b[10] = p->b[11] = 0;
  uint32_t s = 0;
  for (size_t i = 0; i < 20; i += 2)
    s += (uint32_t)(p->b[i] << 8 | p->b[i + 1]);
  while (s >> 16)
    s = (s & 0xffffu) + (s >> 16);
  t_put16(p->b + 10, (uint16_t)~s);
  memcpy(p->b + 20, w->b + 20 + off, n);
  p->p.data = p->b;
  p->p.len = (uint32_t)(20 + n);
  p->p.cap = sizeof(p->b);
  return p;
}

/* A TCP segment with a binary payload of plen bytes. */
static inline tpkt *t_tcp_n(tpkt *t, uint32_t src, uint16_t sport, uint32_t dst,
                            uint16_t dport, uint32_t seq, uint32_t ack,
                            uint8_t flags, const void *payload, size_t plen) {
  size_t total = 40 + plen;
  t_ip(t->b, total, 6, src, dst);
  uint8_t *h = t->b + 20;
  memset(h, 0, 20);
  t_put16(h, sport);
  t_put16(h + 2, dport);
  t_put32(h + 4, seq);
  t_put32(h + 8, ack);
  h[12] = 5 << 4;
  h[13] = flags;
  t_put16(h + 14, 65535);
  if (plen)
    memcpy(h + 20, payload, plen);
  t->p.data = t->b;
  t->p.len = (uint32_t)total;
  t->p.cap = sizeof(t->b);
  t_fix(t);
  return t;
}

/* A TCP segment with a window and options (opts[0..olen), a multiple of
 * 4 bytes) and a binary payload of plen bytes. */
static inline tpkt *t_tcp_opts(tpkt *t, uint32_t src, uint16_t sport,
                               uint32_t dst, uint16_t dport, uint32_t seq,
                               uint32_t ack, uint8_t flags, uint16_t win,
                               const uint8_t *opts, size_t olen,
                               const void *payload, size_t plen) {
  size_t hl = 20 + olen, total = 20 + hl + plen;
  t_ip(t->b, total, 6, src, dst);
  uint8_t *h = t->b + 20;
  memset(h, 0, hl);
  t_put16(h, sport);
  t_put16(h + 2, dport);
  t_put32(h + 4, seq);
  t_put32(h + 8, ack);
  h[12] = (uint8_t)((hl / 4) << 4);
  h[13] = flags;
  t_put16(h + 14, win);
  if (olen)
    memcpy(h + 20, opts, olen);
  if (plen)
    memcpy(h + hl, payload, plen);
  t->p.data = t->b;
  t->p.len = (uint32_t)total;
  t->p.cap = sizeof(t->b);
  t_fix(t);
  return t;
}

static inline tpkt *t_tcp(tpkt *t, uint32_t src, uint16_t sport, uint32_t dst,
                          uint16_t dport, uint32_t seq, uint32_t ack,
                          uint8_t flags, const char *payload) {
  return t_tcp_n(t, src, sport, dst, dport, seq, ack, flags, payload,
                 payload ? strlen(payload) : 0);
}

/* Asserts the packet's L4 payload is exactly want[0..n). */
static inline void t_payload_eq(const tpkt *p, const void *want, size_t n) {
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(p->b, p->p.len, &v), 0);
  assert_int_equal(v.payload_len, n);
  assert_memory_equal(p->b + v.payload_off, want, n);
}

static inline tpkt *t_udp_n(tpkt *t, uint32_t src, uint16_t sport, uint32_t dst,
                            uint16_t dport, const void *payload, size_t plen) {
  size_t total = 28 + plen;
  t_ip(t->b, total, 17, src, dst);
  uint8_t *h = t->b + 20;
  t_put16(h, sport);
  t_put16(h + 2, dport);
  t_put16(h + 4, (uint16_t)(8 + plen));
  t_put16(h + 6, 0);
  if (plen)
    memcpy(h + 8, payload, plen);
  t->p.data = t->b;
  t->p.len = (uint32_t)total;
  t->p.cap = sizeof(t->b);
  t_put16(h + 6, 1); /* non-zero: fix_cksums computes it */
  t_fix(t);
  return t;
}

static inline tpkt *t_udp(tpkt *t, uint32_t src, uint16_t sport, uint32_t dst,
                          uint16_t dport, const char *payload) {
  return t_udp_n(t, src, sport, dst, dport, payload,
                 payload ? strlen(payload) : 0);
}

static inline tpkt *t_echo(tpkt *t, uint32_t src, uint32_t dst, uint8_t type,
                           uint16_t id, uint16_t seq) {
  size_t total = 20 + 8 + 8;
  t_ip(t->b, total, 1, src, dst);
  uint8_t *h = t->b + 20;
  memset(h, 0, 16);
  h[0] = type;
  t_put16(h + 4, id);
  t_put16(h + 6, seq);
  memcpy(h + 8, "pinhole!", 8);
  t->p.data = t->b;
  t->p.len = (uint32_t)total;
  t->p.cap = sizeof(t->b);
  t_fix(t);
  return t;
}

/* An ICMP error from src to dst quoting the first qlen bytes of q. */
static inline tpkt *t_icmp_err(tpkt *t, uint32_t src, uint32_t dst,
                               uint8_t type, uint8_t code, const uint8_t *q,
                               size_t qlen) {
  size_t total = 28 + qlen;
  t_ip(t->b, total, 1, src, dst);
  uint8_t *h = t->b + 20;
  memset(h, 0, 8);
  h[0] = type;
  h[1] = code;
  memcpy(h + 8, q, qlen);
  t->p.data = t->b;
  t->p.len = (uint32_t)total;
  t->p.cap = sizeof(t->b);
  t_fix(t);
  return t;
}

/* Checks the IP header checksum and the L4 checksum by full recompute. */
/* An FTP server's greeting (RFC 959 5.4): the FTP ALG honours nothing on a
 * control connection before it. "220 ok\r\n" from the outside server
 * srv:21 to dst:dport, ending at sequence number end (the server's SYN-ACK
 * then used end - T_FTP_GREETING_LEN - 1). */
#define T_FTP_GREETING "220 ok\r\n"
#define T_FTP_GREETING_LEN 8u
static inline void t_check_cksums(const tpkt *t) {
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(t->b, t->p.len, &v), 0);
  assert_int_equal(pinhole_cksum(t->b, v.ihl), 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(t->b, &v), 1);
}

static inline void t_view(const tpkt *t, pinhole_pkt_view *v) {
  assert_int_equal(pinhole_pkt_parse(t->b, t->p.len, v), 0);
}

/* ---- context fixture ------------------------------------------------- */

#define T_LOG 256
typedef struct tctx {
  pinhole_ctx *ctx;
  int pool;
  char events[T_LOG][256];
  int nevents;
  char traces[T_LOG][256];
  int ntraces;
  uint8_t emitted[2048];
  size_t emitted_len;
  int emitted_side;
  int nemitted;
  size_t allocs, frees;
  /* every emitted packet, in order (the first T_ELOG) */
#define T_ELOG 8
  uint8_t elog[T_ELOG][1600];
  size_t elog_len[T_ELOG];
  int elog_side[T_ELOG];
  int nelog;
} tctx;

static inline void t_on_event(pinhole_ctx *ctx, const pinhole_event *ev,
                              void *user) {
  (void)ctx;
  tctx *t = user;
  if (t->nevents < T_LOG)
    pinhole_event_format(ev, t->events[t->nevents++], 256);
}

static inline void t_on_trace(pinhole_ctx *ctx, const pinhole_trace *tr,
                              void *user) {
  (void)ctx;
  tctx *t = user;
  if (t->ntraces < T_LOG)
    pinhole_trace_format(tr, t->traces[t->ntraces++], 256);
}

static inline void t_on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len,
                             int side, void *user) {
  (void)ctx;
  tctx *t = user;
  if (len <= sizeof(t->emitted)) {
    memcpy(t->emitted, pkt, len);
    t->emitted_len = len;
  }
  t->emitted_side = side;
  t->nemitted++;
  if (t->nelog < T_ELOG && len <= sizeof(t->elog[0])) {
    memcpy(t->elog[t->nelog], pkt, len);
    t->elog_len[t->nelog] = len;
    t->elog_side[t->nelog++] = side;
  }
}

static inline void *t_alloc(size_t size, void *user) {
  ((tctx *)user)->allocs++;
  return malloc(size);
}

static inline void t_free(void *p, size_t size, void *user) {
  (void)size;
  ((tctx *)user)->frees++;
  free(p);
}

/* A context with a source NAT pool on addr_lo..addr_hi, ports lo..hi (0, 0:
 * the configuration's range) and the usual rules: inside to anywhere
 * accepted with NAPT (ALG by port), nothing from outside. */
static inline tctx *t_ctx_spec(const pinhole_config *cfg,
                               const pinhole_pool *spec);
static inline tctx *t_ctx_pool(const pinhole_config *cfg, uint32_t addr_lo,
                               uint32_t addr_hi, uint16_t lo, uint16_t hi) {
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = addr_lo;
  pool.addr_hi = addr_hi;
  pool.port_lo = lo;
  pool.port_hi = hi;
  return t_ctx_spec(cfg, &pool);
}

/* t_ctx_spec's context in t, which may head a larger struct (the
 * callbacks' user): trace, when not NULL, replaces the helpers' trace
 * callback. */
static inline void
t_ctx_init(tctx *t, const pinhole_config *cfg, const pinhole_pool *spec,
           void (*trace)(pinhole_ctx *, const pinhole_trace *, void *)) {
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.alloc = t_alloc;
  cb.free = t_free;
  cb.event = t_on_event;
  cb.trace = trace != NULL ? trace : t_on_trace;
  cb.emit = t_on_emit;
  assert_int_equal(pinhole_ctx_new(&t->ctx, cfg, &cb, t), 0);
  t->pool = pinhole_pool_add(t->ctx, spec);
  assert_true(t->pool >= 0);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "inside-out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = t->pool;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
}

/* The same with any pool (a PBA or deterministic one). */
static inline tctx *t_ctx_spec(const pinhole_config *cfg,
                               const pinhole_pool *spec) {
  tctx *t = calloc(1, sizeof(*t));
  assert_non_null(t);
  t_ctx_init(t, cfg, spec, NULL);
  return t;
}

/* The same with the pool on PUB. */
static inline tctx *t_ctx_cfg(const pinhole_config *cfg) {
  return t_ctx_pool(cfg, PUB, PUB, 0, 0);
}

/* The tests' usual configuration (fixed hash key and seed). */
static inline void t_cfg(pinhole_config *cfg) {
  pinhole_config_default(cfg, sizeof(*cfg));
  cfg->max_flows = 1024;
  cfg->max_pinholes = 64;
  cfg->max_watch = 64;
  cfg->hash_key.k0 = 0x0123456789abcdefull;
  cfg->hash_key.k1 = 0xfedcba9876543210ull;
  cfg->seed = 42;
}

static inline tctx *t_ctx(void) {
  pinhole_config cfg;
  t_cfg(&cfg);
  return t_ctx_cfg(&cfg);
}

/* A context for ALG scenarios: source NAPT from the inside to a pool of
 * three public addresses, 198.19.0.4-198.19.0.6, ports lo..hi; with
 * dnat_port, first a rule that sends the outside's packets for
 * dnat_pub:dnat_port to the inside server srv (any protocol). */
static inline tctx *t_ctx_pool3(uint16_t lo, uint16_t hi, uint32_t flags,
                                uint16_t dnat_port, uint32_t dnat_pub,
                                uint32_t srv) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 256;
  cfg.max_pinholes = 16;
  cfg.max_watch = 16;
  cfg.hash_key.k0 = 0x1111222233334444ull;
  cfg.hash_key.k1 = 0x5555666677778888ull;
  cfg.seed = 7;
  cfg.flags |= flags;
  tctx *t = t_ctx_cfg(&cfg);
  pinhole_rules_clear(t->ctx);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = IP4(198, 19, 0, 4);
  pool.addr_hi = IP4(198, 19, 0, 6);
  pool.port_lo = lo;
  pool.port_hi = hi;
  int id = pinhole_pool_add(t->ctx, &pool);
  assert_true(id >= 0);
  pinhole_rule r;
  if (dnat_port) {
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    snprintf(r.name, sizeof(r.name), "dnat-%u", (unsigned)dnat_port);
    r.side = PINHOLE_SIDE_OUTSIDE;
    r.dst_addr = dnat_pub;
    r.dst_plen = 32;
    r.dport_lo = r.dport_hi = dnat_port;
    r.nat = PINHOLE_NAT_DEST;
    r.nat_addr = srv;
    assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  }
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "inside-out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = id;
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  return t;
}

#ifdef T_MAP_AUDIT
#include "map_audit.h"
#endif

static inline void t_ctx_del(tctx *t) {
#ifdef T_MAP_AUDIT
  t_map_audit(t->ctx);
#endif
  pinhole_ctx_del(t->ctx);
  assert_int_equal(t->allocs, t->frees);
  free(t);
}

static inline int t_in(tctx *t, tpkt *p, uint64_t now) {
  return pinhole_process(t->ctx, &p->p, PINHOLE_SIDE_INSIDE, now);
}

static inline int t_out(tctx *t, tpkt *p, uint64_t now) {
  return pinhole_process(t->ctx, &p->p, PINHOLE_SIDE_OUTSIDE, now);
}

static inline void t_ftp_greet(tctx *t, uint32_t srv, uint32_t dst,
                               uint16_t dport, uint32_t end, uint32_t ack) {
  tpkt p;
  t_tcp(&p, srv, 21, dst, dport, end - T_FTP_GREETING_LEN, ack, PINHOLE_TCP_ACK,
        T_FTP_GREETING);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
}

/* The context's usage figures into *u (asserting the call succeeds). */
static inline void t_usage(tctx *t, pinhole_usage *u) {
  memset(u, 0, sizeof(*u));
  u->size = sizeof(*u);
  assert_int_equal(pinhole_usage_get(t->ctx, u), 0);
}

/* Asserts the context holds exactly flows connections and maps mappings. */
static inline void t_flows_maps(tctx *t, uint32_t flows, uint32_t maps) {
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.flows, flows);
  assert_int_equal(u.mappings, maps);
}

static inline uint64_t t_cnt(tctx *t, int c) {
  uint64_t v[128];
  int n = pinhole_stats(t->ctx, v, 128);
  assert_true(c < n);
  return v[c];
}

/* Asserts that exactly the listed counters are non-zero, with the values
 * given: pairs of (counter, value) terminated by -1. */
static inline void t_counters(tctx *t, ...) {
  uint64_t want[128];
  memset(want, 0, sizeof(want));
  va_list ap;
  va_start(ap, t);
  for (;;) {
    int c = va_arg(ap, int);
    if (c < 0)
      break;
    want[c] = (uint64_t)va_arg(ap, int);
  }
  va_end(ap);
  uint64_t got[128];
  int n = pinhole_stats(t->ctx, got, 128);
  for (int i = 0; i < n; i++) {
    if (got[i] != want[i])
      fail_msg("counter %d (%s): got %llu, want %llu", i,
               pinhole_counter_name(i), (unsigned long long)got[i],
               (unsigned long long)want[i]);
  }
}

static inline char *t_listing(tctx *t) {
  int n = pinhole_conversations_format(t->ctx, NULL, 0);
  assert_true(n >= 0);
  char *s = malloc((size_t)n + 1);
  assert_int_equal(pinhole_conversations_format(t->ctx, s, (size_t)n + 1), n);
  return s;
}

static inline void t_listing_is(tctx *t, const char *want) {
  char *s = t_listing(t);
  if (strcmp(s, want) != 0) {
    fprintf(stderr, "listing:\n%s---- want:\n%s----\n", s, want);
    free(s);
    fail();
  }
  free(s);
}

static inline int t_has_event(tctx *t, const char *needle) {
  for (int i = 0; i < t->nevents; i++)
    if (strstr(t->events[i], needle))
      return 1;
  return 0;
}

static inline int t_has_trace(tctx *t, const char *needle) {
  for (int i = 0; i < t->ntraces; i++)
    if (strstr(t->traces[i], needle))
      return 1;
  return 0;
}

/* A SIP message into buf: head (its lines, each ending in CRLF), a
 * Content-Length header for body, the blank line, body. Returns buf. */
static inline char *t_sip_msg(char *buf, size_t cap, const char *head,
                              const char *body) {
  snprintf(buf, cap, "%sContent-Length: %zu\r\n\r\n%s", head, strlen(body),
           body);
  return buf;
}

/* Asserts the packet's L4 payload is exactly want. */
static inline void t_payload_is(const tpkt *p, const char *want) {
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(p->b, p->p.len, &v), 0);
  size_t len = v.payload_len;
  const char *got = (const char *)p->b + v.payload_off;
  if (len != strlen(want) || memcmp(got, want, len) != 0)
    fail_msg("payload\n'%.*s'\n!=\n'%s'", (int)len, got, want);
}

/* Asserts the packet's L4 payload is exactly want[0..n) (binary). */
static inline void t_payload_bytes_is(const tpkt *p, const void *want,
                                      size_t n) {
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(p->b, p->p.len, &v), 0);
  assert_int_equal(v.payload_len, n);
  assert_memory_equal(p->b + v.payload_off, want, n);
}

/* Does the packet contain needle anywhere? */
static inline int t_contains(const tpkt *p, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; i + n <= p->p.len; i++)
    if (memcmp(p->b + i, needle, n) == 0)
      return 1;
  return 0;
}

static inline void t_dump(tctx *t) {
  for (int i = 0; i < t->nevents; i++)
    fprintf(stderr, "event: %s\n", t->events[i]);
  for (int i = 0; i < t->ntraces; i++)
    fprintf(stderr, "trace: %s\n", t->traces[i]);
}

#endif /* PH_TEST_HELPERS_H */

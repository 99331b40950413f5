/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the context fuzz targets (ctx_packets, ctx_burst, ctx_nat64,
 * ctx_tcp_algs, ctx_frags): the records they hand to the public API,
 * zeroed and sized, with what every target sets the same way. Each target
 * keeps its own configuration; these only take the boilerplate out.
 */
#ifndef PH_FUZZ_CTXCONF_H
#define PH_FUZZ_CTXCONF_H

#include <pinhole/pinhole.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*fz_event_fn)(pinhole_ctx *ctx, const pinhole_event *ev,
                            void *user);
typedef void (*fz_trace_fn)(pinhole_ctx *ctx, const pinhole_trace *tr,
                            void *user);
typedef void (*fz_emit_fn)(pinhole_ctx *ctx, const uint8_t *pkt, size_t len,
                           int side, void *user);

/* The callbacks: events, traces and emitted packets (emit may be NULL). */
static inline pinhole_callbacks
fz_callbacks(fz_event_fn event, fz_trace_fn trace, fz_emit_fn emit) {
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = event;
  cb.trace = trace;
  cb.emit = emit;
  return cb;
}

/* The configuration bits of a first input byte that mean the same ALG
 * policy flags in every target that takes them from 0x08, 0x10, 0x20. */
static inline uint32_t fz_alg_flags(uint8_t conf) {
  uint32_t f = 0;
  if (conf & 0x08)
    f |= PINHOLE_CFG_ALG_THIRD_PARTY;
  if (conf & 0x10)
    f |= PINHOLE_CFG_ALG_LOW_PORTS;
  if (conf & 0x20)
    f |= PINHOLE_CFG_ALG_PASS_UNTRANSLATED;
  return f;
}

/* A NAPT pool of one public address; ports lo..hi (0, 0: the context's). */
static inline pinhole_pool fz_pool(uint32_t addr, uint16_t lo, uint16_t hi) {
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = addr;
  pool.port_lo = lo;
  pool.port_hi = hi;
  return pool;
}

/* A rule with its name (NULL: none) and the side it matches. */
static inline pinhole_rule fz_rule(const char *name, int side) {
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  if (name != NULL)
    snprintf(r.name, sizeof(r.name), "%s", name);
  r.side = (uint8_t)side;
  return r;
}

/* An IPv6 rule for what comes from src6/plen on the inside. */
static inline pinhole_rule fz_rule6_in(const char *name, const uint8_t src6[16],
                                       int plen) {
  pinhole_rule r = fz_rule(name, PINHOLE_SIDE_INSIDE);
  r.family = 6;
  memcpy(r.src6, src6, 16);
  r.src_plen = (uint8_t)plen;
  return r;
}

/* Destination NAT of what reaches addr:port from the outside to to_addr
 * (the rule's protocol and other fields are the caller's). */
static inline pinhole_rule fz_rule_dnat(const char *name, uint32_t addr,
                                        uint16_t port, uint32_t to_addr) {
  pinhole_rule r = fz_rule(name, PINHOLE_SIDE_OUTSIDE);
  r.dst_addr = addr;
  r.dst_plen = 32;
  r.dport_lo = r.dport_hi = port;
  r.nat = PINHOLE_NAT_DEST;
  r.nat_addr = to_addr;
  return r;
}

#endif

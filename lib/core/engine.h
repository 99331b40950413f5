/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal functions shared by the stateful layer's files.
 */
#ifndef PH_CORE_ENGINE_H
#define PH_CORE_ENGINE_H

#include "core/ctx.h"

/* ctx.c */
int pinhole__struct_in(void *dst, size_t ours, const void *src, size_t theirs);
const ph_rule *pinhole__rule_match(const pinhole_ctx *ctx, int side,
                                   const pinhole_pkt_view *v);

/* nat/pool.c: endpoint-independent NAPT mappings and port bitmaps. */
enum ph_map_flag {
  PH_MAP_EVEN = 0x01, /* public port must be even, port+1 free too */
  PH_MAP_PRIV = 0x02  /* TCP only, want 0: the public port comes from the
                         privileged range PH_PRIV_LO..HI of the pool's
                         address (kept when free, else random), never from
                         the pool's range; an existing mapping of the
                         endpoint with a port outside it is refused */
};
/* Why pinhole__map_get found no mapping. */
enum ph_map_why {
  PH_MAP_NO_PORT = 0, /* no free port in the pool (or none of the form) */
  PH_MAP_TABLE = 1,   /* the mapping table is full */
  PH_MAP_HOST = 2     /* the inside host reached max_ports_per_host */
};
/* Returns a mapping reference (index + 1) holding one reference, or 0 and
 * *why (ph_map_why). want is an exact public port or 0. */
uint32_t pinhole__map_get(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                          uint32_t iaddr, uint16_t iport, uint16_t want,
                          unsigned flags, int *why);
/* Counts and logs a failed pinhole__map_get (drop counters, event). */
void pinhole__map_refused(pinhole_ctx *ctx, int why, const pinhole_pkt_view *v,
                          int side, const char *rule);
void pinhole__map_ref(pinhole_ctx *ctx, uint32_t ref);
void pinhole__map_put(pinhole_ctx *ctx, uint32_t ref);
/* Mapping whose public endpoint is (proto, paddr, pport), or 0. */
uint32_t pinhole__map_find_public(const pinhole_ctx *ctx, uint8_t proto,
                                  uint32_t paddr, uint16_t pport);
/* The same, only when the mapping may be reached without a pinhole (by
 * endpoint-independent filtering or hairpinning): not one an ALG made for
 * its pinhole. */
uint32_t pinhole__map_find_open(const pinhole_ctx *ctx, uint8_t proto,
                                uint32_t paddr, uint16_t pport);
/* A mapping of inside endpoint (proto, iaddr, iport) in any pool, or 0. */
uint32_t pinhole__map_find_inside(const pinhole_ctx *ctx, uint8_t proto,
                                  uint32_t iaddr, uint16_t iport);
/* Pool that owns public address addr, or -1. */
int pinhole__pool_of(const pinhole_ctx *ctx, uint32_t addr);

/* flows.c: connections and conversations */
uint64_t pinhole__key_hash(const pinhole_ctx *ctx, uint8_t proto, uint32_t src,
                           uint32_t dst, uint16_t sport, uint16_t dport);
/* Looks up the connection a packet with this tuple belongs to; *dir is 0
 * when it arrives from side A, 1 from side B. */
ph_conn *pinhole__conn_lookup(pinhole_ctx *ctx, uint8_t proto, uint32_t src,
                              uint32_t dst, uint16_t sport, uint16_t dport,
                              uint64_t h, int *dir);
/* A new conversation; returns its index + 1, or 0 when full. */
uint32_t pinhole__conv_new(pinhole_ctx *ctx, uint8_t alg, uint8_t a_side);
/* Drops a conversation when it has no connection and no pinhole left. */
void pinhole__conv_maybe_free(pinhole_ctx *ctx, uint32_t conv);
/* A new connection in conversation conv (index); a and b tuples, side A.
 * Returns it, or NULL when a table is full (counted by the caller). */
ph_conn *pinhole__conn_new(pinhole_ctx *ctx, uint32_t conv, uint8_t proto,
                           uint8_t a_side, const ph_tuple *a,
                           const ph_tuple *b);
void pinhole__conn_free(pinhole_ctx *ctx, ph_conn *c);
/* Gives a connection an ALG watch slot; 0 or PINHOLE_ERR_FULL. */
int pinhole__conn_watch(pinhole_ctx *ctx, ph_conn *c, uint8_t alg);
/* Re-arms a connection's idle timer for its current state. */
void pinhole__conn_touch_timer(pinhole_ctx *ctx, ph_conn *c);
uint32_t pinhole__conn_timeout(const pinhole_ctx *ctx, const ph_conn *c);
/* Has the connection been idle for its whole timeout (dead, whether or not
 * a tick has collected it)? Signed: a registration may keep last_seen in
 * the future. */
static inline int ph_conn_stale(const pinhole_ctx *ctx, const ph_conn *c) {
  int32_t idle = (int32_t)(ctx->now_tick - c->last_seen);
  return idle >= (int32_t)ctx->to_min &&
         idle >= (int32_t)pinhole__conn_timeout(ctx, c);
}

/* expire.c */
/* Moves the context's time forward to now_ns (never back). */
void pinhole__set_time(pinhole_ctx *ctx, uint64_t now_ns);
static inline void ph_set_time(pinhole_ctx *ctx, uint64_t now_ns) {
  if (now_ns > ctx->now_ns) /* the packet path's common case: same time */
    pinhole__set_time(ctx, now_ns);
}
/* Frees a connection that reached its idle timeout (counted, logged). */
void pinhole__conn_expire(pinhole_ctx *ctx, ph_conn *c);
/* now_ns + delta_ns, saturating at UINT64_MAX instead of wrapping. */
static inline uint64_t ph_deadline(uint64_t now_ns, uint64_t delta_ns) {
  return delta_ns > UINT64_MAX - now_ns ? UINT64_MAX : now_ns + delta_ns;
}
/* Has an armed timer's deadline passed at the context's time? The same
 * test the wheel applies (expiry rounded up to a tick), so an object is
 * dead at use exactly when a tick would have expired it. */
static inline int ph_timer_passed(const pinhole_ctx *ctx,
                                  const pinhole_timer *t) {
  return t->expire <= ctx->now_ns >> ctx->tick_shift;
}

/* pinholes.c */
/* Opens pinhole e (its fields but the links, timer and conversation) in
 * conversation conv; takes over e->mapping. 0, or PINHOLE_ERR_FULL. */
int pinhole__hole_open(pinhole_ctx *ctx, uint32_t conv, const ph_pinhole *e);
/* Looks for a pinhole matching a packet; returns index + 1 or 0. */
uint32_t pinhole__hole_find(const pinhole_ctx *ctx, int side,
                            const pinhole_pkt_view *v);
/* Looks for a pinhole whose expected packet would be the answer to this
 * one: the inside endpoint a pinhole leads to sends first (RTP "punch"
 * packets, dummy packets); returns index + 1 or 0. */
uint32_t pinhole__hole_find_reverse(const pinhole_ctx *ctx, int side,
                                    const pinhole_pkt_view *v);
void pinhole__hole_free(pinhole_ctx *ctx, uint32_t ref, int expired);
void pinhole__conv_holes_free(pinhole_ctx *ctx, uint32_t conv);

/* translate.c */
/* Rewrites the packet's addresses/ports for direction dir of c, with
 * incremental checksum updates. l4_full: the L4 checksum is recomputed in
 * full afterwards by the caller (payload changed), so skip L4 updates. */
void pinhole__translate(pinhole_ctx *ctx, uint8_t *pkt, pinhole_pkt_view *v,
                        const ph_conn *c, int dir, int l4_full);
void pinhole__l4_cksum_full(uint8_t *pkt, const pinhole_pkt_view *v);

/* tcp.c */
/* Tracks TCP state and windows for a segment from dir (pkt: the packet,
 * for the SYN options); returns a counter index (> 0) when the segment is
 * refused as a TCP error (it then changed nothing), PH_TCP_SYN_DEFENSE
 * when a SYN reopening a closed tuple would exceed max_half_open, 0 to
 * pass. */
#define PH_TCP_SYN_DEFENSE (-1)
int pinhole__tcp_track(pinhole_ctx *ctx, ph_conn *c, int dir,
                       const uint8_t *pkt, const pinhole_pkt_view *v);
/* Applies sequence corrections of a Watch connection to the segment. */
void pinhole__tcp_seq_adjust(pinhole_ctx *ctx, ph_conn *c, int dir,
                             uint8_t *pkt, pinhole_pkt_view *v, int l4_full);
/* Records a payload growth of delta bytes in direction dir at seq. */
void pinhole__tcp_seq_record(ph_stream *st, uint32_t seq, int32_t delta);

/* frag.c: virtual reassembly */
void pinhole__frag_first(pinhole_ctx *ctx, int side, const pinhole_pkt_view *v,
                         const ph_conn *c, int dir);
int pinhole__frag_later(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                        int side);
void pinhole__frag_free(pinhole_ctx *ctx, uint32_t ref, int expired);

/* icmp.c */
int pinhole__icmp_error_in(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, int side);
void pinhole__reject(pinhole_ctx *ctx, const uint8_t *pkt,
                     const pinhole_pkt_view *v, int side);

/* events.c */
void pinhole__event(pinhole_ctx *ctx, int type, const pinhole_pkt_view *v,
                    int side, uint32_t conv, uint8_t flow_state,
                    const ph_conn *c, int dir, const char *rule,
                    const char *alg, const char *reason);
void pinhole__event_hole(pinhole_ctx *ctx, int type, const ph_pinhole *h,
                         const char *alg);

/* A zeroed event/trace record of this type, sized, stamped with now. */
void pinhole__event_init(const pinhole_ctx *ctx, pinhole_event *ev, int type);
void pinhole__trace_init(const pinhole_ctx *ctx, pinhole_trace *t, int kind);
void pinhole__trace_hole(pinhole_ctx *ctx, int kind, const ph_pinhole *h,
                         const pinhole_pkt_view *v, const char *alg);

/* events.c: snprintf-style accumulation (used counts what was needed) */
typedef struct ph_out {
  char *buf;
  size_t len, used;
} ph_out;
void pinhole__printf(ph_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* stats/format helpers */
size_t pinhole__fmt_ep(char *buf, size_t len, uint32_t addr, uint16_t port);

#endif /* PH_CORE_ENGINE_H */

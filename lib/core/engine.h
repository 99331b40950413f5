/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal functions shared by the stateful layer's files.
 */
#ifndef PH_CORE_ENGINE_H
#define PH_CORE_ENGINE_H

#include "core/ctx.h"
#include "pkt/bytes.h"
#include "pkt/plain6.h"

#include <pinhole/ipv6.h>

/* ctx.c */
int pinhole__struct_in(void *dst, size_t ours, const void *src, size_t theirs);
/* Is a[16] under prefix p[16]/plen (p's bits past plen zero)? */
int pinhole__prefix6_has(const uint8_t a[16], const uint8_t p[16],
                         unsigned plen);
const ph_rule *pinhole__rule_match(const pinhole_ctx *ctx, int side,
                                   const pinhole_pkt_view *v);
/* The same from the fields a rule reads (the burst look-ahead's tuple). */
const ph_rule *pinhole__rule_match4(const pinhole_ctx *ctx, int side,
                                    uint8_t proto, uint32_t src, uint32_t dst,
                                    uint16_t dport);

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
  PH_MAP_HOST = 2,    /* the inside host reached max_ports_per_host */
  PH_MAP_QUOTA = 3,   /* PBA: the subscriber's blocks are full and it has
                         max_blocks (logged by pba.c) */
  PH_MAP_OUTSIDE = 4, /* DETERMINISTIC: not an address of the prefix */
  PH_MAP_REMOVED = 5, /* the pool was removed (pinhole_pool_del) */
  PH_MAP_ADDRS = 6    /* ADDRESS: every public address is bound */
};
/* Returns a mapping holding one reference, or PH_NIL and *why
 * (ph_map_why). want is an exact public port or 0. */
ph_ref pinhole__map_get(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                        uint32_t iaddr, uint16_t iport, uint16_t want,
                        unsigned flags, int *why);
/* A new flow's mapping looked up ahead (pinhole__map_ahead): the inside
 * endpoint, its chain bucket, and for a NAPT pool the paired public
 * address and the port pinhole__map_get would pick if no mapping of the
 * endpoint exists (the inside port when free, else the random search
 * with the next random value, peeked); paddr 0: no guess. */
typedef struct ph_map_ahead {
  uint32_t pool, iaddr;
  uint16_t iport, pport;
  uint8_t proto;
  uint8_t rand; /* the pick takes a random value */
  uint32_t flags;
  uint32_t ibucket;
  uint32_t ai;  /* paired address index, UINT32_MAX: not computed */
  uint32_t idx; /* the port's index in its range */
  uint32_t paddr;
  uint32_t pbucket; /* the public chain's bucket of (paddr, pport) */
} ph_map_ahead;
/* What a burst's look-ahead worked out for a packet that will likely
 * open a flow under a source NAT rule (pinhole__map_look): for the
 * rule's pool, the source's paired address index and, for the side B
 * tuple the guess gives, its flow-table key hash (its bucket prefetched).
 * Used only where it is checked equal to what the packet's own turn
 * computes; ok 0: nothing. */
typedef struct ph_new_ahead {
  uint32_t pool, iaddr;
  uint16_t iport;
  uint8_t proto;
  uint32_t ibucket;    /* the endpoint's inside chain bucket */
  uint32_t naddrs;     /* the pool's size when ai was computed */
  uint32_t ai;         /* paired address index, UINT32_MAX: not computed */
  uint32_t pbucket;    /* public chain bucket of (b.dst, b.dport) guessed,
                          UINT32_MAX: none (the endpoint had a mapping) */
  uint32_t frees;      /* ctx->port_frees when the port was picked */
  uint64_t rng;        /* the random state after the pick's draw (drew) */
  uint8_t drew;        /* the pick drew a random start (else: port kept) */
  uint64_t hb;         /* side B's key hash of b */
  ph_tuple b;          /* side B's tuple as guessed */
  const ph_rule *rule; /* the rule the tuple matched (process.c) */
  uint16_t rules_gen;  /* ctx->rules_gen then */
  uint8_t ok;
} ph_new_ahead;
/* Fills *a and starts loading the lines a new mapping of the endpoint
 * (flags as pinhole__map_get's) touches, independent of each other: the
 * inside chain's head, the free slot and the guess's public chain head.
 * nh (may be NULL): the burst look-ahead's work for the endpoint, its
 * address index taken when it is for the same pool, address and pool
 * size; its port pick taken when, besides, flags are 0, no mapping was
 * given back since (ctx->port_frees), the random state is the one it
 * drew from and the port is still free (what a pick now would give);
 * its mapping's public endpoint taken as the guess when it found one.
 * Changes nothing. */
void pinhole__map_ahead(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                        uint32_t iaddr, uint16_t iport, unsigned flags,
                        const ph_new_ahead *nh, ph_map_ahead *a);
/* The burst look-ahead of a packet that will likely make a new mapping
 * of endpoint (proto, iaddr, iport) in pool (flags 0): reads the inside
 * chain of bucket ibucket (pinhole__map_prefetch's, which prefetched its
 * head); when the
 * endpoint has no mapping, guesses the port as pinhole__map_ahead does
 * with the random state *rng (advanced when the guess draws: a copy of
 * the context's, so that the burst's guesses follow its sequence) and
 * prefetches the guess's public chain head. Fills nh->pool, iaddr,
 * naddrs, ai, ibucket, nh->b.dst, b.dport (the public endpoint) and, for
 * a pick, frees, drew and rng (what pinhole__map_ahead checks before it
 * takes the pick); 0: no guess. Changes nothing in the context. */
int pinhole__map_look(const pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                      uint32_t iaddr, uint16_t iport, uint32_t ibucket,
                      uint64_t *rng, ph_new_ahead *nh);
/* pinhole__map_get with what pinhole__map_ahead computed for the same
 * endpoint and pool, nothing changed in between (the pick is checked
 * against the bitmap and made again when it differs). */
ph_ref pinhole__map_get_ahead(pinhole_ctx *ctx, const ph_map_ahead *a,
                              uint16_t want, unsigned flags, int *why);
/* The new mapping of the burst look-ahead's work (nh, ok, for the
 * endpoint, pool and flags 0 of the caller's pinhole__map_get), made
 * when everything pinhole__map_ahead and pinhole__map_get_ahead would
 * check of it still holds: the pool a NAPT one, not removed, of the same
 * size; no mapping of the endpoint; a free record; no per-host limit set.
 * Its port is the look-ahead's pick when that is what a pick now gives
 * (no port given back since, the same random state, the port free), else
 * the pick made now as those two make it (new13); the caller reads it
 * from the mapping. The mapping (one reference), or PH_NIL with nothing
 * changed (no port left, too): the caller then takes the way of those
 * two. */
ph_ref pinhole__map_take_ahead(pinhole_ctx *ctx, const ph_new_ahead *nh);
/* Starts loading the lines a new connection whose side B tuple is b will
 * write: b's flow table bucket and the free slot. Changes nothing.
 * Returns b's key hash (what pinhole__conn_new_keyed takes as hb). */
uint64_t pinhole__conn_new_prefetch(const pinhole_ctx *ctx, uint8_t proto,
                                    const ph_tuple *b);
/* Starts loading the inside chain head of endpoint (proto, iaddr, iport)
 * (the burst look-ahead of a packet that misses the flow table); returns
 * that chain's bucket (for pinhole__map_look). */
uint32_t pinhole__map_prefetch(const pinhole_ctx *ctx, uint8_t proto,
                               uint32_t iaddr, uint16_t iport);
/* Counts and logs a failed pinhole__map_get (drop counters, event). */
void pinhole__map_refused(pinhole_ctx *ctx, int why, const pinhole_pkt_view *v,
                          int side, const char *rule);
void pinhole__map_ref(pinhole_ctx *ctx, ph_ref ref);
void pinhole__map_put(pinhole_ctx *ctx, ph_ref ref);
/* pinhole__map_put of the mapping whose public endpoint is (proto,
 * paddr, pport), if any: one look-up, the unlink through its link. */
void pinhole__map_put_public(pinhole_ctx *ctx, uint8_t proto, uint32_t paddr,
                             uint16_t pport);
/* Mapping *plink, the link of its public chain that holds it, has no
 * reference left: released (its port, its record, its event). */
void pinhole__map_release_at(pinhole_ctx *ctx, ph_ref *plink);
/* pinhole__map_put_public with that endpoint's public chain given
 * (ph_map_pbucket), inline: the chain's walk and the reference's drop in
 * the caller, the release a call (expiry's free, flows.c). */
static inline void ph_map_put_bucket(pinhole_ctx *ctx, uint32_t bucket,
                                     uint8_t proto, uint32_t paddr,
                                     uint16_t pport) {
  /* ph_map_plink's walk with the records' base taken one record before
   * the first (integer arithmetic: no pointer is formed outside the
   * table), so that a reference indexes it as it is, without ph_slot's
   * minus one at every link */
  const uintptr_t base = (uintptr_t)ctx->maps - sizeof(ph_mapping);
  ph_ref *pp = &ctx->map_phash[bucket];
  for (ph_ref x; (x = *pp) != 0;) {
    ph_mapping *m = (ph_mapping *)(base + (uintptr_t)x * sizeof(ph_mapping));
    if (m->paddr == paddr && m->pport == pport && m->proto == proto) {
      if (--m->refs == 0)
        pinhole__map_release_at(ctx, pp);
      return;
    }
    pp = &m->pnext;
  }
}
/* Mapping whose public endpoint is (proto, paddr, pport), or PH_NIL. */
ph_ref pinhole__map_find_public(const pinhole_ctx *ctx, uint8_t proto,
                                uint32_t paddr, uint16_t pport);
/* The same, only when the mapping may be reached without a pinhole (by
 * endpoint-independent filtering or hairpinning): not one an ALG made for
 * its pinhole. */
ph_ref pinhole__map_find_open(const pinhole_ctx *ctx, uint8_t proto,
                              uint32_t paddr, uint16_t pport);
/* A mapping of inside endpoint (proto, iaddr, iport) in any pool, or
 * PH_NIL. */
ph_ref pinhole__map_find_inside(const pinhole_ctx *ctx, uint8_t proto,
                                uint32_t iaddr, uint16_t iport);
/* Pool that owns public address addr, or -1. */
int pinhole__pool_of(const pinhole_ctx *ctx, uint32_t addr);
/* The public address index an inside address uses in a pool (paired). */
uint32_t pinhole__pool_addr_index(const pinhole_ctx *ctx, const ph_pool *pl,
                                  uint32_t iaddr);
/* The port bitmap of (pool address ai, proto's class); bit k is port
 * pl->port_lo + k. */
uint64_t *pinhole__pool_bits(const pinhole_ctx *ctx, const ph_pool *pl,
                             uint32_t ai, uint8_t proto);
/* A free port index in the n ports from lo whose bits start at bit base
 * of b: want (exact port) when not 0, else iport when free, else a random
 * free one (PH_MAP_EVEN: an even port with the next one free); UINT32_MAX
 * when none. */
uint32_t pinhole__port_pick(pinhole_ctx *ctx, const uint64_t *b, uint32_t base,
                            uint32_t lo, uint32_t n, uint16_t iport,
                            uint16_t want, unsigned flags);
/* Makes a mapping on a free public port (the table has a free slot):
 * marks the port, links it, counts the host, logs MAPPING_CREATED. */
ph_ref pinhole__map_insert(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                           uint32_t iaddr, uint16_t iport, uint32_t ai,
                           uint16_t pport);

/* nat/det.c: the deterministic layout of a (filled) pool struct */
int pinhole__det_check(const pinhole_pool *p, pinhole_det_layout *l);

/* core/pba.c: PBA and deterministic pools */
/* pinhole__map_get for a pool whose mode is not NAPT (no mapping of the
 * endpoint exists, the table has room, the host limit is not reached). */
ph_ref pinhole__cgn_map_get(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                            uint32_t iaddr, uint16_t iport, uint16_t want,
                            unsigned flags, int *why);
/* A mapping of a PBA or ADDRESS pool was released: its block (address)
 * may start its hold. */
void pinhole__pba_put(pinhole_ctx *ctx, const ph_mapping *m);
/* Sets up pool pl's mode from p at pinhole_pool_add (before it counts):
 * 0 or a pinhole_pool_add error. */
int pinhole__cgn_pool_init(pinhole_ctx *ctx, ph_pool *pl, uint32_t id,
                           const pinhole_pool *p);
/* Expires held blocks and sends the interim records that are due
 * (pinhole_tick); returns the work done, *released the blocks released. */
size_t pinhole__pba_tick(pinhole_ctx *ctx, size_t budget, int *released);
/* Whether pinhole__pba_tick has work due at ctx->now_ns. */
int pinhole__pba_pending(const pinhole_ctx *ctx);

/* pba.c, for state import: can the mapping (pool, iaddr) -> public
 * address index ai, port pport take its block (free, or its subscriber's
 * already)? 0 or PINHOLE_ERR_EXISTS; with apply, takes the block for the
 * subscriber and counts the mapping in it (before pinhole__map_insert). */
int pinhole__pba_claim(pinhole_ctx *ctx, uint32_t pool, uint32_t iaddr,
                       uint32_t ai, uint16_t pport, int apply);
/* The owner of the block of (pool, ai, pport): its subscriber's address,
 * 0 when free; *nblocks the blocks subscriber iaddr holds. */
uint32_t pinhole__pba_owner(const pinhole_ctx *ctx, uint32_t pool, uint32_t ai,
                            uint16_t pport, uint32_t iaddr, uint32_t *nblocks);
/* pba.c, for state import: subscriber iaddr of pool: -1 none, 0 one
 * without an IPv6 address, 1 a NAT64 client's (*addr its address). */
int pinhole__pba_sub6(const pinhole_ctx *ctx, uint32_t pool, uint32_t iaddr,
                      const uint8_t **addr);
/* pba.c, for state import: the block of (pool, ai, pport) is held for
 * subscriber iaddr after its last mapping ended, left_ms more: taken
 * for it when free (pinhole__pba_claim's checks were passed), its hold
 * timer set to left_ms when it has no mapping; one with mappings is left
 * as it is. */
void pinhole__pba_hold_import(pinhole_ctx *ctx, uint32_t pool, uint32_t iaddr,
                              uint32_t ai, uint16_t pport, uint32_t left_ms);
/* Gives every block of every pool back (no mapping may be left), without
 * events: state import of a full snapshot. */
void pinhole__pba_reset(pinhole_ctx *ctx);

/* state.c: conversation id ended (the deletion ring); ph_sync_deleted
 * is the same inline, for the connections' free (flows.c), which expiry
 * runs for every connection. */
void pinhole__sync_deleted(pinhole_ctx *ctx, uint32_t conv_id);

static inline void ph_sync_deleted(pinhole_ctx *ctx, uint32_t conv_id) {
  if (conv_id == 0) /* one an import replaces (ph_conv_gone): not ended */
    return;
  ph_sync_del *d = &ctx->sync_ring[ctx->sync_head];
  /* full: the ring is never drained (an export reads it and leaves it),
   * so after a context's first PH_SYNC_RING deletions it always is */
  if (__builtin_expect(ctx->sync_n == PH_SYNC_RING, 1)) {
    /* the oldest is overwritten */
    ctx->sync_lost = 1;
    ctx->sync_lost_tick = d->tick;
  } else {
    ctx->sync_n++;
  }
  d->conv_id = conv_id;
  d->tick = ctx->now_tick;
  ctx->sync_head = (ctx->sync_head + 1) % PH_SYNC_RING;
}

/* flows.c: connections and conversations */
uint64_t pinhole__key_hash(const pinhole_ctx *ctx, uint8_t proto, uint32_t src,
                           uint32_t dst, uint16_t sport, uint16_t dport);
/* Looks up the connection a packet with this tuple belongs to; *dir is 0
 * when it arrives from side A, 1 from side B. */
ph_conn *pinhole__conn_lookup(pinhole_ctx *ctx, uint8_t proto, uint32_t src,
                              uint32_t dst, uint16_t sport, uint16_t dport,
                              uint64_t h, int *dir);
/* A new ALG session's conversation record (ctx.h ph_convh), or PH_NIL
 * when the table (max_conversations) is full. */
ph_ref pinhole__conv_new(pinhole_ctx *ctx, uint8_t alg, uint8_t a_side);
/* Gives conversation h the id id and moves it to id's place in the live
 * list (state import: a conversation that replaces one): with after (a
 * conversation that comes before id, not h), forward from it to the
 * last whose id counts up from after's to before id; PH_PLACE_HEAD: at
 * the head; PH_NIL: back from the tail to the last whose id comes before
 * it (serially, RFC 1982, against the tail's). Import passes the
 * conversation of the blob's CONV record before, so a blob's walks go
 * once along the list. */
#define PH_PLACE_HEAD PH_CONVH_REC /* never a conversation's handle */
void pinhole__conv_place(pinhole_ctx *ctx, ph_convh h, uint32_t id,
                         ph_convh after);
/* The conversation before h in the live list, or PH_NIL. */
ph_convh pinhole__conv_prev(pinhole_ctx *ctx, ph_convh h);
/* Clears conversation h as pinhole_conversations_clear does (events, the
 * deletion ring), without the walk that finds it. */
void pinhole__conv_clear(pinhole_ctx *ctx, ph_convh h);
/* Enhanced GRE (PPTP data): a GRE connection's tuples are (addresses,
 * the sender's call ID, the receiver's call ID); it is filed under
 * (addresses, 0, the receiver's call ID), the only call ID a packet
 * carries, and a key whose receiver's call ID is 0 (not known yet) is not
 * filed. Looks up the connection a GRE packet src -> dst with key call
 * call_id belongs to (*dir as pinhole__conn_lookup). */
ph_conn *pinhole__gre_lookup(pinhole_ctx *ctx, uint32_t src, uint32_t dst,
                             uint16_t call_id, int *dir);
/* Files a GRE connection's side-A key once the side-B peer's call ID is
 * known (a.dport was 0): 0, PINHOLE_ERR_EXISTS when another connection
 * has that key, PINHOLE_ERR_FULL, PINHOLE_ERR_INVALID_ARG (not GRE, 0,
 * already filed). */
int pinhole__gre_set_peer(pinhole_ctx *ctx, ph_conn *c, uint16_t call_id);
/* Files a GRE connection with both call IDs known also under its packets
 * as they leave the gateway, (destination's address, source's address,
 * 0, the call ID the receiver reads), with the reference of the side
 * receiving them: an ICMP error quotes only that one call ID. Called by
 * pinhole__gre_set_peer and for a call opened with both IDs; a table
 * without room leaves it unfiled (its errors are then dropped). */
void pinhole__gre_file_quotes(pinhole_ctx *ctx, ph_conn *c);
/* The GRE connection a packet src -> dst with key call_id that left the
 * gateway belongs to; *dir is the side that packet went to (0: side A),
 * i.e. the side an error about it comes from, as pinhole__conn_lookup
 * would answer for that side's reversed tuple. */
ph_conn *pinhole__gre_quote_lookup(pinhole_ctx *ctx, uint32_t src, uint32_t dst,
                                   uint16_t call_id, int *dir);
/* Drops a conversation when it has no connection and no pinhole left. */
void pinhole__conv_maybe_free(pinhole_ctx *ctx, ph_ref conv);
/* A new connection in ALG conversation conv, or (PH_NIL) a plain one,
 * a conversation of its own with the next id; a and b tuples, side A.
 * Returns it, or NULL when a table is full (counted by the caller). */
ph_conn *pinhole__conn_new(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                           uint8_t a_side, const ph_tuple *a,
                           const ph_tuple *b);
/* The same, for the packet being processed: h is the flow hash of its
 * tuple (the lookup's), which is side A's tuple when h_side is 0 and side
 * B's when 1, so that key is not hashed again. */
ph_conn *pinhole__conn_new_hashed(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                                  uint8_t a_side, const ph_tuple *a,
                                  const ph_tuple *b, uint64_t h, int h_side);
/* The same with both keys' hashes given (ha side A's, hb side B's). */
ph_conn *pinhole__conn_new_keyed(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                                 uint8_t a_side, const ph_tuple *a,
                                 const ph_tuple *b, uint64_t ha, uint64_t hb);
/* The same for an IPv6 connection (a slot past max_flows, filed in ft6):
 * a and b hold folded addresses (flows6.c, the keys it is filed under),
 * a_src .. b_dst the full ones. When side B mirrors side A (b_src is
 * a_dst, b_dst a_src, the ports swapped) it is held in the line form
 * (ctx.h ph_conn_line6), else with a side record. NULL when max_conns6
 * are in use or ft6 has no room. */
ph_conn *pinhole__conn_new6(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                            uint8_t a_side, const ph_tuple *a,
                            const ph_tuple *b, const uint8_t a_src[16],
                            const uint8_t a_dst[16], const uint8_t b_src[16],
                            const uint8_t b_dst[16]);
/* A NAT64 connection (core/nat64.c): an IPv6 slot, a (folded) filed in
 * ft6, b (IPv4) in ft; its ph_conn6 filled from the four addresses (b's
 * as IPv4-mapped ones). NULL as pinhole__conn_new6. */
ph_conn *pinhole__conn_new64(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                             uint8_t a_side, const ph_tuple *a,
                             const ph_tuple *b, const uint8_t a_src[16],
                             const uint8_t a_dst[16], const uint8_t b_src[16],
                             const uint8_t b_dst[16]);
void pinhole__conn_free(pinhole_ctx *ctx, ph_conn *c);
/* The mapping hairpinned connection c (PH_CONN_HAIRPIN) holds a
 * reference to: its target's, the one public endpoint side A addresses
 * (IPv4: a.dst; NAT64: the IPv4 address side A's destination embeds
 * under the first prefix that holds it) at port a.dport. The reference
 * keeps that mapping, and so the lookup's answer, alive until
 * pinhole__conn_free. PH_NIL for any other connection. */
ph_ref pinhole__conn_hairpin(const pinhole_ctx *ctx, const ph_conn *c);
/* The NAPT mapping connection c holds (ph_cold_mapped), or PH_NIL: the
 * mapping whose public endpoint is where packets from c's outside side
 * arrive (pinhole__conn_public). Live mappings' public endpoints are
 * unique (one pool's ports are its own; pools do not overlap:
 * pinhole_pool_add), and the reference c holds keeps it alive. */
ph_ref pinhole__conn_mapping(const pinhole_ctx *ctx, const ph_conn *c);
/* The public endpoint of c's mapping: IPv4, side B's destination when
 * side A is inside and side A's otherwise; NAT64, side B's (IPv4), or a
 * hairpin's IPv4 address side B's destination embeds. 0, or -1 (not
 * reached: prefixes are only ever added). */
int pinhole__conn_public(const pinhole_ctx *ctx, const ph_conn *c,
                         uint32_t *addr, uint16_t *port);
/* Gives a connection an ALG watch slot; 0 or PINHOLE_ERR_FULL. */
int pinhole__conn_watch(pinhole_ctx *ctx, ph_conn *c, uint8_t alg);
/* Re-arms a connection's idle timer for its current state. */
void pinhole__conn_touch_timer(pinhole_ctx *ctx, ph_conn *c);
/* pinhole__conn_touch_timer for a connection just made (its timer not
 * armed yet): the wheel's arm without the re-arm's test, and the list of
 * the previous new connection's expiry again when it is the same. */
void pinhole__conn_arm_new(pinhole_ctx *ctx, ph_conn *c);
uint32_t pinhole__conn_timeout(const pinhole_ctx *ctx, const ph_conn *c);
/* The look-ahead of expiry's stage 0 (flows.c ph_conn_free_prefetch has
 * both), inline: the cold part (24 bytes: it may cross a line) and hot
 * line of slot idx (one line: 64 bytes at a multiple of 64, ctx.c). Of
 * the cold part only its first byte's line: the wheel's run has just
 * stored the timer's pos (timer/cwheel_run.h, bytes 20 to 23, the last
 * line the part touches), which fetches that line for the store. */
_Static_assert(offsetof(ph_conn_cold, timer) + offsetof(ph_ctimer, pos) +
                       sizeof(uint32_t) ==
                   sizeof(ph_conn_cold),
               "a timer's pos is its cold part's last bytes");
static inline void ph_conn_free_prefetch0(const pinhole_ctx *ctx,
                                          uint32_t idx) {
  const uint8_t *c = (const uint8_t *)&ctx->conns[idx];
  const uint8_t *k = (const uint8_t *)&ctx->cold[idx];
  __builtin_prefetch(k, 1);
  __builtin_prefetch(c);
}
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
/* Frees a connection that reached its idle timeout (counted, logged;
 * flows.c). */
void pinhole__conn_expire(pinhole_ctx *ctx, ph_conn *c);
/* The tick's run of the connections' wheel (flows.c: its hooks free
 * connections inline): at most budget units of work up to the context's
 * time (pinhole__cwheel_run); returns the units spent, adds the
 * connections expired to *expired. */
size_t pinhole__conn_wheel_run(pinhole_ctx *ctx, size_t budget, int *expired);
/* Is connection slot ref>>1's tuple of direction ref & 1 this one (a free
 * slot is zeroed: protocol 0 never matches)? */
static inline ph_conn *ph_conn_keyed(pinhole_ctx *ctx, uint32_t ref,
                                     uint8_t proto, uint32_t src, uint32_t dst,
                                     uint16_t sport, uint16_t dport) {
  ph_conn *c = &ctx->conns[ref >> 1];
  const ph_tuple *t = (ref & 1) ? &c->b : &c->a;
  return c->proto == proto && t->src == src && t->dst == dst &&
                 t->sport == sport && t->dport == dport
             ? c
             : NULL;
}
/* The found connection c, unless it is past its deadline with no tick run
 * since: then it is expired here and NULL answered. */
static inline ph_conn *ph_conn_live(pinhole_ctx *ctx, ph_conn *c) {
  if (ph_conn_stale(ctx, c)) {
    pinhole__conn_expire(ctx, c);
    return NULL;
  }
  return c;
}
/* pinhole__conn_lookup() inline, for the packet path (flows.c has the
 * out-of-line one): the candidates of hash h whose tuple is the packet's;
 * a stale one is expired and answers NULL. */
static inline ph_conn *ph_conn_find(pinhole_ctx *ctx, uint8_t proto,
                                    uint32_t src, uint32_t dst, uint16_t sport,
                                    uint16_t dport, uint64_t h, int *dir) {
  ph_ft_iter it;
  ph_ft_iter_init(&ctx->ft, h, &it);
  for (uint32_t ref; (ref = ph_ft_next(&ctx->ft, &it)) != UINT32_MAX;) {
    if (proto == PINHOLE_IPPROTO_TCP) /* its windows: fetched alongside */
      ph_tcpw_prefetch(ctx, ref >> 1);
    ph_conn *c = ph_conn_keyed(ctx, ref, proto, src, dst, sport, dport);
    if (c != NULL) {
      *dir = (int)(ref & 1);
      return ph_conn_live(ctx, c);
    }
  }
  return NULL;
}
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
int pinhole__pinhole_open(pinhole_ctx *ctx, ph_ref conv, const ph_pinhole *e);
/* pinhole__pinhole_open for an IPv6 pinhole (e->v6: e->src, e->dst are
 * the folds of a6's addresses, kept beside it); a6 NULL for IPv4.
 * PINHOLE_ERR_INVALID_ARG for an IPv6 one without a6 or IPv6 slots. */
int pinhole__pinhole_open6(pinhole_ctx *ctx, ph_ref conv, const ph_pinhole *e,
                           const ph_pinhole6 *a6);
/* Looks for a pinhole matching a packet; returns it or PH_NIL. */
ph_ref pinhole__pinhole_find(const pinhole_ctx *ctx, int side,
                             const pinhole_pkt_view *v);
/* The same for an IPv6 packet: v its folded view (process6.c), src, dst
 * its addresses; an IPv6 pinhole matches on the folds, then on the full
 * addresses (a fold collision opens nothing for another host). */
ph_ref pinhole__pinhole_find6(const pinhole_ctx *ctx, int side,
                              const pinhole_pkt_view *v, const uint8_t src[16],
                              const uint8_t dst[16]);
/* Looks for a pinhole whose expected packet would be the answer to this
 * one: the inside endpoint a pinhole leads to sends first (RTP "punch"
 * packets, dummy packets); returns it or PH_NIL. */
ph_ref pinhole__pinhole_find_reverse(const pinhole_ctx *ctx, int side,
                                     const pinhole_pkt_view *v);
void pinhole__pinhole_free(pinhole_ctx *ctx, ph_ref ref, int expired);
/* Pinhole ref admitted connection c (its packet v, from side, direction
 * dir): counted, the PINHOLE_USED event and trace (trace_v: the view the
 * trace shows, NULL for none), the FLOW_CREATED event; the pinhole is
 * consumed and c's timer set. */
void pinhole__pinhole_used(pinhole_ctx *ctx, ph_ref ref,
                           const pinhole_pkt_view *trace_v,
                           const pinhole_pkt_view *v, int side, ph_conn *c,
                           int dir);
void pinhole__conv_pinholes_free(pinhole_ctx *ctx, ph_ref conv);

/* translate.c */
/* Rewrites the packet's addresses/ports for direction dir of c, with
 * incremental checksum updates. l4_full: the L4 checksum is recomputed in
 * full afterwards by the caller (payload changed), so skip L4 updates. */
void pinhole__translate(pinhole_ctx *ctx, uint8_t *pkt, pinhole_pkt_view *v,
                        const ph_conn *c, int dir, int l4_full);
void pinhole__l4_cksum_full(uint8_t *pkt, const pinhole_pkt_view *v);

/* tcp.c */
/* Tracks TCP state and windows for a segment from dir (pkt: the packet,
 * for the SYN options). PH_DROP when the segment is refused (it then
 * changed nothing; counted: a TCP error with its reason, or the SYN
 * defense when a SYN reopening a closed tuple would exceed max_half_open),
 * else PH_PASS. */
#define PH_TCP_SYN_DEFENSE (-1)
ph_status pinhole__tcp_track(pinhole_ctx *ctx, ph_conn *c, int dir,
                             const uint8_t *pkt, const pinhole_pkt_view *v);
/* Applies sequence corrections of a Watch connection to the segment. */
void pinhole__tcp_seq_adjust(pinhole_ctx *ctx, ph_conn *c, int dir,
                             uint8_t *pkt, pinhole_pkt_view *v, int l4_full);
/* Records a payload growth of delta bytes in direction dir at seq. */
void pinhole__tcp_seq_record(ph_stream *st, uint32_t seq, int32_t delta);

/* frag.c: virtual reassembly */
/* A first fragment pkt of connection c from dir that is not reassembled
 * (core/frag_reasm.c): remembered, so that its later fragments follow. */
void pinhole__frag_first(pinhole_ctx *ctx, int side, const pinhole_pkt_view *v,
                         const uint8_t *pkt, ph_conn *c, int dir);
/* frag_reasm.c: IPv4 first fragment v's datagram is dropped (its reason
 * counted by the caller): its entry, new or held, drops the rest. */
void pinhole__frag_dead4(pinhole_ctx *ctx, int side, const pinhole_pkt_view *v);
int pinhole__frag_later(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                        int side);
void pinhole__frag_free(pinhole_ctx *ctx, ph_ref ref, int expired);

/* hold.c: the held-bytes pool (see its head comment and ctx.h ph_held).
 * A held message belongs to a conversation (its bytes count against that
 * conversation's share) and an owner of its kind, which is told through
 * its kind's "lost" function when the message ends without completing. */
enum ph_hold_why {
  PH_HOLD_TIMEOUT = 1, /* hold_timeout_ms passed (REASM_TIMEOUT counted) */
  PH_HOLD_EVICTED = 2  /* given up to make room for a newer message
                          (REASM_OVERFLOW counted) */
};
/* Starts an empty held message of kind (ph_hold_kind) for conversation
 * conv, with its owner, direction and key (ph_held), its timer armed for
 * hold_timeout_ms; counts REASM_HELD. When every slot is taken the oldest
 * message is given up first. Returns it (never PH_NIL while max_held is
 * at least 1). */
ph_ref pinhole__hold_new(pinhole_ctx *ctx, uint8_t kind, ph_ref conv,
                         ph_ref owner, uint8_t dir, uint32_t key);
/* Appends p[0..len) to message r: 0; PINHOLE_ERR_RANGE (REASM_TOO_BIG
 * counted) when it would pass hold_msg_max; PINHOLE_ERR_FULL
 * (REASM_OVERFLOW counted) when it would pass the conversation's share, or
 * when the pool has no room even after giving up every other message.
 * On an error nothing was appended; r is still held. */
int pinhole__hold_append(pinhole_ctx *ctx, ph_ref r, const uint8_t *p,
                         size_t len);
/* Copies bytes [off, off + len) of message r (as far as it has them) to
 * dst; returns the number copied. */
size_t pinhole__hold_copy(const pinhole_ctx *ctx, ph_ref r, size_t off,
                          uint8_t *dst, size_t len);
/* Nonzero when message r holds exactly p[0..len) at off. */
int pinhole__hold_same(const pinhole_ctx *ctx, ph_ref r, size_t off,
                       const uint8_t *p, size_t len);
/* The context's buffer for a completed message (with room for headers
 * and a rewrite's growth): *cap bytes, at least hold_msg_max + 2048 up to
 * 65535 + 2048. Valid until the next call that completes a message. */
uint8_t *pinhole__hold_buf(const pinhole_ctx *ctx, size_t *cap);
/* Frees message r (its chunks, its slot, its share), no counter. */
void pinhole__hold_free(pinhole_ctx *ctx, ph_ref r);
/* Message r completed: counts REASM_COMPLETED and frees it. */
void pinhole__hold_done(pinhole_ctx *ctx, ph_ref r);
/* Message r's deadline passed (at use, or its timer fired): counts
 * REASM_TIMEOUT, tells its owner, frees it; nothing for a free slot. */
void pinhole__hold_expire(pinhole_ctx *ctx, ph_ref r);
static inline ph_held *ph_held_at(const pinhole_ctx *ctx, ph_ref r) {
  return &ctx->held[ph_slot(r)];
}

/* stream.c: a Watch stream's held message r ended without completing
 * (ph_hold_why); called by hold.c before it frees r. */
void pinhole__stream_hold_lost(pinhole_ctx *ctx, ph_ref r, int why);

/* icmp.c */
int pinhole__icmp_error_in(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, int side);
/* The 20-byte TCP RST at t that answers a segment (sport -> dport, seq,
 * ack, payload_len bytes, flags): from dport to sport, RST with its ack
 * as seq when it had ACK, else RST+ACK acknowledging it (RFC 9293 sec.
 * 3.10.7.1). The checksum is the caller's. */
void pinhole__rst_fill(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq,
                       uint32_t ack, uint32_t payload_len, uint8_t flags);
/* An ICMP error quoting an ICMP message that is no echo: counted (ICMP
 * error length, ICMP ALG), PINHOLE_VERDICT_DROP. */
int pinhole__icmp_about_error(pinhole_ctx *ctx);
void pinhole__reject(pinhole_ctx *ctx, const uint8_t *pkt,
                     const pinhole_pkt_view *v, int side);

/* events.c */
void pinhole__event(pinhole_ctx *ctx, int type, const pinhole_pkt_view *v,
                    int side, ph_convh conv, uint8_t flow_state,
                    const ph_conn *c, int dir, const char *rule,
                    const char *alg, const char *reason);
/* A new connection c's two events, as pinhole__event gives them (dir 0):
 * RULE_ACCEPT (rule, alg), then FLOW_CREATED (flow_state, rule, alg,
 * reason), from one record filled once. */
void pinhole__event_conn_new(pinhole_ctx *ctx, int side, const ph_conn *c,
                             uint8_t flow_state, const char *rule,
                             const char *alg, const char *reason);
void pinhole__event_hole(pinhole_ctx *ctx, int type, const ph_pinhole *h,
                         const char *alg);

/* A zeroed event/trace record of this type, sized, stamped with now. */
void pinhole__event_init(const pinhole_ctx *ctx, pinhole_event *ev, int type);

/* pinhole__event_init's body, inline where an event is built on the new
 * connection's path. The record is zeroed by 16-byte stores written out
 * one by one: GCC makes a memset of this size (and a loop of such stores)
 * a `rep stos`, which took ~23 ns a record here against ~3 ns for the
 * stores (BENCHMARKS.md, section ev11); a straight line of stores it
 * keeps. Every byte is written, padding too (no stack bytes reach the
 * host). */
static inline void ph_event_init(const pinhole_ctx *ctx, pinhole_event *ev,
                                 int type) {
  if (sizeof(*ev) == 11 * 16) { /* LP64: folded at compile time */
    static const uint64_t z[2] = {0, 0};
    unsigned char *p = (unsigned char *)ev;
    memcpy(p, z, 16);
    memcpy(p + 16, z, 16);
    memcpy(p + 32, z, 16);
    memcpy(p + 48, z, 16);
    memcpy(p + 64, z, 16);
    memcpy(p + 80, z, 16);
    memcpy(p + 96, z, 16);
    memcpy(p + 112, z, 16);
    memcpy(p + 128, z, 16);
    memcpy(p + 144, z, 16);
    memcpy(p + 160, z, 16);
  } else {
    memset(ev, 0, sizeof(*ev));
  }
  ev->size = sizeof(*ev);
  ev->type = type;
  ev->time_ns = ctx->now_ns;
}
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

/* flows6.c: IPv6 connections (ctx.h ph_conn6) */
/* The keyed 32-bit fold of an IPv6 address its tuples hold: NH (flow/
 * table.h ph_nh64) over the address's four big-endian 32-bit words with
 * the context's fold key (ctx->fold6_nh, fold6_mul: derived from the
 * context key under labels of their own, so independent of the flow
 * table's), the low 32 bits of the finalised hash. Folds alike say
 * nothing: every lookup compares the full addresses (ph_conn6) after the
 * folds; docs/ipv6.md "Address folds" has why flooding stays bounded. */
static inline uint32_t pinhole__fold6(const pinhole_ctx *ctx,
                                      const uint8_t addr[16]) {
  return (uint32_t)ph_nh64(ctx->fold6_nh, ctx->fold6_mul, ph_get32(addr),
                           ph_get32(addr + 4), ph_get32(addr + 8),
                           ph_get32(addr + 12));
}
/* The folded tuple of an IPv6 packet's addresses and ports. */
void pinhole__tuple6(const pinhole_ctx *ctx, ph_tuple *t, const uint8_t src[16],
                     const uint8_t dst[16], uint16_t sport, uint16_t dport);
/* NH's term for one 64-bit word of a message: its two 32-bit halves,
 * each plus its key word, multiplied (flow/table.h ph_nh64). */
static inline uint64_t ph_nh_pair(const uint32_t k[2], uint64_t m) {
  return (uint64_t)(uint32_t)((uint32_t)m + k[0]) *
         (uint32_t)((uint32_t)(m >> 32) + k[1]);
}
/* pinhole__hash6 of the addresses read as four native-order 64-bit words
 * (s0, s1 the source's, d0, d1 the destination's). */
static inline uint64_t ph_hash6_words(const pinhole_ctx *ctx, uint8_t proto,
                                      uint64_t s0, uint64_t s1, uint64_t d0,
                                      uint64_t d1, uint16_t sport,
                                      uint16_t dport) {
  const uint32_t *k = ctx->hash6_nh;
  uint64_t x = ph_nh_pair(k, s0) + ph_nh_pair(k + 2, s1) +
               ph_nh_pair(k + 4, d0) + ph_nh_pair(k + 6, d1) +
               ph_nh_pair(k + 8, (uint64_t)proto << 32 |
                                     ((uint32_t)sport << 16 | dport));
  x ^= x >> 32;
  x *= ctx->hash6_mul;
  return x ^ (x >> 32);
}
/* The flow hash an IPv6 connection is filed under in ft6 for its packets
 * with these addresses, ports and protocol: NH (flow/table.h ph_nh64)
 * over the ten 32-bit words of the 32 address bytes (native order), the
 * ports and the protocol, in one pass, with a key of its own
 * (ctx->hash6_nh, hash6_mul: derived from the context key,
 * pinhole__hash6_key), then the same keyed finaliser. The addresses are
 * hashed whole, not folded first; docs/ipv6.md "Address folds" has why
 * flooding stays bounded. */
static inline uint64_t pinhole__hash6(const pinhole_ctx *ctx, uint8_t proto,
                                      const uint8_t src[16],
                                      const uint8_t dst[16], uint16_t sport,
                                      uint16_t dport) {
  return ph_hash6_words(ctx, proto, ph_ne64(src), ph_ne64(src + 8),
                        ph_ne64(dst), ph_ne64(dst + 8), sport, dport);
}
/* The key of pinhole__hash6: ten NH words and an odd multiplier, each
 * 64-bit piece SipHash-1-3 of a label of its own under the context key
 * (ctx.c, at creation). */
void pinhole__hash6_key(uint32_t nh[10], uint64_t *mul,
                        const pinhole_hash_key *key);
/* The flow hash IPv6 connection c is filed under for its packets from
 * dir (pinhole__hash6 of its addresses and ports, whatever its form). */
uint64_t pinhole__conn6_key(const pinhole_ctx *ctx, const ph_conn *c, int dir);
/* The IPv6 connection a packet with these addresses and ports belongs
 * to (protocol, ports, full addresses compared); *dir as
 * pinhole__conn_lookup. */
ph_conn *pinhole__conn6_lookup(pinhole_ctx *ctx, uint8_t proto,
                               const uint8_t src[16], const uint8_t dst[16],
                               uint16_t sport, uint16_t dport, int *dir);
/* The same with the packet's flow hash h already made (pinhole__hash6),
 * as the packet path has it. */
ph_conn *pinhole__conn6_find(pinhole_ctx *ctx, uint8_t proto,
                             const uint8_t src[16], const uint8_t dst[16],
                             uint16_t sport, uint16_t dport, uint64_t h,
                             int *dir);
/* The ports of IPv6 connection c's packets from dir: *sp source, *dp
 * destination. */
static inline void ph_conn6_ports(const ph_conn *c, int dir, uint16_t *sp,
                                  uint16_t *dp) {
  if (ph_conn_line6(c)) { /* side B's are side A's swapped */
    *sp = dir ? c->a_dport6 : c->a_sport6;
    *dp = dir ? c->a_sport6 : c->a_dport6;
    return;
  }
  const ph_tuple *t = dir ? &c->b : &c->a;
  *sp = t->sport;
  *dp = t->dport;
}
/* Are a and b the same 16 bytes? (two 64-bit words each) */
static inline int ph_addr6_eq(const uint8_t *a, const uint8_t *b) {
  return ((ph_ne64(a) ^ ph_ne64(b)) | (ph_ne64(a + 8) ^ ph_ne64(b + 8))) == 0;
}
/* Is the tuple of IPv6 connection c's packets from dir (ref & 1) this
 * one (protocol, ports, full addresses)? */
static inline int ph_conn6_keyed(const pinhole_ctx *ctx, const ph_conn *c,
                                 int dir, uint8_t proto, const uint8_t src[16],
                                 const uint8_t dst[16], uint16_t sport,
                                 uint16_t dport) {
  uint16_t sp, dp;
  ph_conn6_ports(c, dir, &sp, &dp);
  return c->proto == proto && sp == sport && dp == dport &&
         ph_addr6_eq(ph_conn6_addr(ctx, c, dir, 0), src) &&
         ph_addr6_eq(ph_conn6_addr(ctx, c, dir, 1), dst);
}
/* pinhole__conn6_find() inline, for the packet path (flows6.c has the
 * out-of-line one), as ph_conn_find() is for IPv4: the candidates of
 * hash h in ft6 whose protocol, ports and full addresses are the
 * packet's; a stale one is expired and answers NULL. */
static inline ph_conn *ph_conn6_find(pinhole_ctx *ctx, uint8_t proto,
                                     const uint8_t src[16],
                                     const uint8_t dst[16], uint16_t sport,
                                     uint16_t dport, uint64_t h, int *dir) {
  ph_ft_iter it;
  ph_ft_iter_init(&ctx->ft6, h, &it);
  for (uint32_t ref; (ref = ph_ft_next(&ctx->ft6, &it)) != UINT32_MAX;) {
    ph_conn *c = &ctx->conns[ref >> 1];
    int d = (int)(ref & 1);
    if (!ph_conn6_keyed(ctx, c, d, proto, src, dst, sport, dport))
      continue;
    if (ph_conn_stale(ctx, c)) {
      pinhole__conn_expire(ctx, c);
      return NULL;
    }
    *dir = d;
    return c;
  }
  return NULL;
}
/* The addresses of IPv6 connection c's packets from dir. */
void pinhole__conn6_addrs(const pinhole_ctx *ctx, const ph_conn *c, int dir,
                          uint8_t src[16], uint8_t dst[16]);
/* The folded tuple of line-form connection c's packets from dir (as the
 * folded form's tuples hold it). */
ph_tuple pinhole__conn6_tuple(const pinhole_ctx *ctx, const ph_conn *c,
                              int dir);
/* The tuple of connection c's packets from dir, whatever its form (for
 * an IPv6 connection with folded addresses). */
static inline ph_tuple ph_conn_tuple(const pinhole_ctx *ctx, const ph_conn *c,
                                     int dir) {
  if (ph_conn_line6(c))
    return pinhole__conn6_tuple(ctx, c, dir);
  return dir ? c->b : c->a;
}
/* An event's / a listing row's IPv6 endpoints for connection c. */
void pinhole__event6_conn(const pinhole_ctx *ctx, pinhole_event *ev,
                          const ph_conn *c, int dir);
/* A refusal's event of a NAT64 packet (ctx->map6_dst set around
 * pinhole__map_refused): the IPv6 ends in src6/dst6, no folds. */
void pinhole__event6_refused(const pinhole_ctx *ctx, pinhole_event *ev);
void pinhole__flow_info6(const pinhole_ctx *ctx, const ph_conn *c, int dir,
                         pinhole_flow_info *fi);
/* Endpoint a (which 0) or b (1) of trace t as "addr:port", or
 * "[addr6]:port" when its family is 6 (pinhole_trace_format). */
void pinhole__trace_ep(const pinhole_trace *t, int which, char *buf,
                       size_t len);
/* The addresses of an IPv6 pinhole (PH_HOLE_V6) as trace t's a and b. */
void pinhole__trace_addrs6(pinhole_trace *t, const ph_pinhole6 *a6);
/* "[addr]:port" (pinhole_endpoint6_format); "" when it does not fit. */
size_t pinhole__fmt_ep6(char *buf, size_t len, const uint8_t addr[16],
                        uint16_t port);

/* alg6.c: ALGs on IPv6 connections. The ALG (id + 1, or 0) that watches
 * a new IPv6 connection of proto to dport under rule pr: the rule's, or
 * by port, when it handles IPv6 (ph_alg.ipv6). */
uint8_t pinhole__alg6_pick(const ph_rule *pr, uint8_t proto, uint16_t dport);
/* Runs Watch connection c's ALG on an IPv6 packet (v: its folded view,
 * process6.c): -1 when the packet goes on (the caller counts it; a
 * payload cut or reassembled here has its checksum set), else its
 * verdict: DROP (counted), HELD (its payload held, its ACK sent on;
 * or a reassembled message sent in segments, counted). */
int pinhole__alg_run6(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                      ph_conn *c, int dir, int side);
/* The IPv6 connection that pinhole ref admits for this packet (found with
 * pinhole__pinhole_find6), in the pinhole's conversation, *dir the
 * packet's direction; the pinhole is consumed. NULL when the packet is
 * dropped (counted: not a SYN, SYN defense, table full). */
ph_conn *pinhole__pinhole_take6(pinhole_ctx *ctx, const pinhole_pkt6_view *v6,
                                const pinhole_pkt_view *v, int side, ph_ref ref,
                                int *dir);
/* alg6.c: the ALG (id + 1, or 0) that watches a new NAT64 connection of
 * proto to dport under rule pr: the rule's, or by port, when it crosses
 * the families (ph_alg.nat64: FTP64). */
uint8_t pinhole__alg64_pick(const ph_rule *pr, uint8_t proto, uint16_t dport);
/* alg6.c: runs NAT64 Watch connection c's ALG on an IPv4 packet (v its
 * view): the client's after its translation (dir 0), the server's before
 * it (dir 1); then the TCP sequence correction and the checksum. -1 when
 * the packet goes on (the caller translates a server's and counts it),
 * else its verdict, as pinhole__alg_run6's. */
int pinhole__alg_run64(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                       ph_conn *c, int dir, int side);
/* process6.c: an IPv6 packet when max_conns6 > 0 (its verdict) */
/* A burst's look-ahead for one IPv6 packet (process.c): the flow hash
 * of its first header's tuple and what it hashed, used only when the
 * packet has the same in its turn (an earlier packet of the burst may
 * have rewritten a shared buffer). */
typedef struct ph_hint6 {
  uint64_t h;    /* pinhole__hash6 of: */
  uint64_t a[4]; /* the 32 address bytes (source, destination), as read */
  uint16_t sport, dport;
  uint8_t proto;
  uint8_t plain;    /* 1: ph_plain6_check() passed on the bytes as read, */
  ph_plain6 p;      /* with this answer (the tuple above is its own) */
  uint32_t changes; /* ctx->ft6.changes when the look-ahead read ft6 */
} ph_hint6;
int pinhole__process6(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                      const ph_hint6 *hint);
/* The same for a packet of a burst whose bytes nothing has written since
 * the look-ahead read them (process.c, "clean"), so hint is its own:
 * with hint->plain, neither checked nor hashed again, and looked up from
 * ref (a reference of ft6, the connection ph_conn6_find() would try
 * first for hint's tuple; its key is compared) unless it is UINT32_MAX;
 * otherwise as pinhole__process6(). */
int pinhole__process6_clean(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                            const ph_hint6 *hint, uint32_t ref);
/* The same without the one-pass path for plain packets (pkt/plain6.h):
 * every packet parsed in full, as pinhole__process6() does for all but
 * plain TCP and UDP. The tests compare both paths with it. */
int pinhole__process6_full(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                           const ph_hint6 *hint);
/* process6.c: a first fragment v6 (TCP, UDP or echo) through the
 * connection look-up and the rules as a whole packet goes; its verdict,
 * with *conn its connection (direction *dir) when it is forwarded, NULL
 * otherwise. */
int pinhole__process6_first(pinhole_ctx *ctx, pinhole_pkt *pkt,
                            const pinhole_pkt6_view *v6, int side,
                            ph_conn **conn, int *dir);
/* frag6.c: an IPv6 fragment (not an atomic one): its verdict, counted */
int pinhole__frag6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                   const pinhole_pkt6_view *v6, int side);
/* ctx.c: the first IPv6 rule (family 6) matching a packet, or NULL */
const ph_rule *pinhole__rule_match6(const pinhole_ctx *ctx, int side,
                                    const pinhole_pkt6_view *v);
/* nat64.c: NAT64 (RFC 6146) through the IPv6 and IPv4 paths. A NAT64
 * connection is an IPv6 slot (ph_conn_is64) filed in ft6 under its IPv6
 * side A and in ft under its IPv4 side B. */
/* The WKP at ctx creation (IPv6 on). */
void pinhole__nat64_init(pinhole_ctx *ctx);
/* Is prefix6/plen (an IPv6 rule's destination) inside a NAT64 prefix? */
int pinhole__nat64_rule_ok(const pinhole_ctx *ctx, const uint8_t dst6[16],
                           unsigned plen);
/* A new NAT64 connection for an IPv6 packet rule pr (nat SOURCE)
 * accepted: *out, PH_PASS; or PH_DROP counted (a new flow discarded). */
ph_status pinhole__nat64_new(pinhole_ctx *ctx, const pinhole_pkt6_view *v6,
                             const pinhole_pkt_view *v, int side,
                             const ph_rule *pr, ph_conn **out);
/* A first fragment v of a UDP datagram of NAT64 connection c an ALG
 * watches (from dir, side) that is not reassembled for the ALG (an IPv6
 * one with a header before its fragment header, frag_reasm.c): counted
 * as not inspected, and PH_DROP with "NAT64 fragments (not translated)"
 * unless PINHOLE_CFG_ALG_PASS_UNTRANSLATED (then translated at the IP
 * layer only). PH_PASS for any other packet. The caller makes the
 * datagram's later fragments follow a drop. */
ph_status pinhole__nat64_frag_watched(pinhole_ctx *ctx, pinhole_pkt_view *v,
                                      ph_conn *c, int dir, int side);
/* An inside IPv6 packet of NAT64 connection c, tracked: translated to
 * IPv4 in place; its verdict (a drop counted). */
int pinhole__nat64_out(pinhole_ctx *ctx, pinhole_pkt *pkt,
                       const pinhole_pkt6_view *v6, ph_conn *c);
/* The IPv4 packet p[0..len) of NAT64 connection c from the server (a
 * TCP, UDP or echo packet, or one built from them) translated to IPv6 in
 * ctx->scratch (*olen bytes); pinhole_xlat_4to6's answer. */
/* The index of the first NAT64 prefix whose embedding addr is, *v4 the
 * IPv4 address it embeds; -1 when none (RFC 6052 sec. 2.3). */
int pinhole__nat64_prefix_of(const pinhole_ctx *ctx, const uint8_t addr[16],
                             uint32_t *v4);
int pinhole__nat64_xlat_in(pinhole_ctx *ctx, const ph_conn *c, const uint8_t *p,
                           size_t len, size_t *olen);
/* An IPv4 packet the IPv4 lookup matched to NAT64 connection c (dir 1):
 * tracked, translated to IPv6 in place; its verdict. */
int pinhole__nat64_in(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                      ph_conn *c, int dir, int side);
/* An IPv4 packet (v) that NAT64 pinhole ref (PH_HOLE_NAT64, found with
 * pinhole__pinhole_find) admits: the NAT64 connection to the IPv6
 * client in the pinhole's conversation (a Forward flow, its mapping the
 * pinhole's), the packet translated; the pinhole is consumed. Its
 * verdict (a drop counted, the new flow not: the caller counts it). */
int pinhole__nat64_from_pinhole(pinhole_ctx *ctx, pinhole_pkt *pkt,
                                pinhole_pkt_view *v, int side, ph_ref ref);
/* Endpoint-independent filtering (PINHOLE_CFG_EIF) for NAT64: an IPv4
 * packet v from outside, of no connection, to a NAT64 mapping's public
 * endpoint: a new NAT64 connection back to the mapping's IPv6 host, the
 * packet translated; its verdict (a drop's reasons counted, the new
 * flow's verdict not). -1 when v is not for a NAT64 mapping. */
int pinhole__nat64_eif(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                       int side);
/* IPv6 lookup that also finds a NAT64 echo connection (filed as ICMP). */
ph_conn *pinhole__nat64_lookup6(pinhole_ctx *ctx, uint8_t proto,
                                const uint8_t src[16], const uint8_t dst[16],
                                uint16_t sport, uint16_t dport, int *dir);
/* An ICMPv4 error about NAT64 connection c, checked by icmp.c (peer: it
 * comes from the quoted packet's destination): to the IPv6 host. */
int pinhole__nat64_error4(pinhole_ctx *ctx, pinhole_pkt *pkt,
                          const pinhole_pkt_view *v, ph_conn *c, int peer);
/* An ICMPv6 error from inside about NAT64 connection c, checked by
 * process6.c: to the IPv4 peer. */
int pinhole__nat64_error6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                          const pinhole_pkt6_view *v6, ph_conn *c);
/* A packet of NAT64 hairpin connection c (PH_CONN_HAIRPIN, an IPv6
 * slot, both sides inside) from dir, tracked: translated to the other
 * inside host as RFC 6146 sec. 3.8 says; verdict HAIRPIN (or a drop,
 * counted; the verdict not). */
int pinhole__nat64_hairpin(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           const pinhole_pkt6_view *v6, ph_conn *c, int dir);
/* A later IPv4 fragment of NAT64 connection c (frag.c matched and
 * counted it): translated to IPv6 (RFC 7915 sec. 4.1), cut for the
 * minimum MTU when it exceeds it; its verdict, counted. */
int pinhole__nat64_frag4(pinhole_ctx *ctx, pinhole_pkt *pkt,
                         const pinhole_pkt_view *v, const ph_conn *c);
/* An IPv4 fragment b[0..len) of NAT64 connection c held before its first
 * fragment came (frag_reasm.c): translated and emitted to the client's
 * side. 0, or -1 (counted). */
int pinhole__nat64_emit4(pinhole_ctx *ctx, const uint8_t *b, size_t len,
                         const ph_conn *c);
/* A later IPv6 fragment of NAT64 connection c (frag6.c matched and
 * counted it): translated to IPv4 (RFC 7915 sec. 5.1.1); its verdict,
 * counted. */
int pinhole__nat64_frag6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                         const pinhole_pkt6_view *v6, const ph_conn *c);

/* process.c, shared with process6.c */
void pinhole__count_reason(pinhole_ctx *ctx, int reason);
/* Counts the verdict on a connection's packet once, where it is decided:
 * the packet that created the connection counts as a new flow. */
static inline int ph_verdict(pinhole_ctx *ctx, int first, int verdict) {
  int drop = verdict == PINHOLE_VERDICT_DROP;
  if (first)
    ph_count(ctx, drop ? PINHOLE_CNT_NEW_DISCARD : PINHOLE_CNT_NEW_ACCEPT);
  else
    ph_count(ctx, drop ? PINHOLE_CNT_EXIST_DISCARD : PINHOLE_CNT_EXIST_ACCEPT);
  return verdict;
}
ph_status pinhole__tcp_first(pinhole_ctx *ctx, const pinhole_pkt_view *v);
int pinhole__icmp_seq_bad(const pinhole_ctx *ctx, ph_conn *c, int dir,
                          const pinhole_pkt_view *v);

/* stats/format helpers */
size_t pinhole__fmt_ep(char *buf, size_t len, uint32_t addr, uint16_t port);
/* events.c: "TCP", "UDP", "ICMP", "GRE" or "IP" */
const char *pinhole__proto_name(uint8_t p);

/* operator.c: the "Interface: ..., Service set: ..." line, when labelled */
void pinhole__labels_header(const pinhole_ctx *ctx, ph_out *o);
/* operator.c: does conversation cv match filter f (already checked)? */
int pinhole__conv_match(const pinhole_ctx *ctx, const ph_convv *cv,
                        const pinhole_conv_filter *f);
/* listing.c: a flow's / a conversation's part of a listing row; the
 * listing of the conversations f selects (NULL: all) */
void pinhole__flow_info_conv(const pinhole_ctx *ctx, const ph_convv *cv,
                             pinhole_flow_info *fi);
void pinhole__flow_info(const pinhole_ctx *ctx, const ph_convv *cv,
                        const ph_conn *c, int dir, pinhole_flow_info *fi);
void pinhole__pinhole_flow_info(const pinhole_ctx *ctx, const ph_convv *cv,
                                const ph_pinhole *h, pinhole_flow_info *fi);
int pinhole__conversations_format(const pinhole_ctx *ctx,
                                  const pinhole_conv_filter *f, char *buf,
                                  size_t len);

#endif /* PH_CORE_ENGINE_H */

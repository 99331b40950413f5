/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Carrier-grade pools: port block allocation (PBA) and deterministic NAT
 * (RFC 7422), the two ways a CGN avoids logging every connection
 * (RFC 6888 REQ-12, RFC 7422 sec. 1).
 *
 * PBA: each subscriber (inside address) of a PBA pool holds up to
 * max_blocks blocks of block_size consecutive ports, all on the public
 * address paired pooling gives it (RFC 4787 REQ-2). Every NAPT mapping of
 * the subscriber takes a port of one of its blocks, a new block is taken
 * only when they are full, and a subscriber at its quota is refused a new
 * mapping (no live mapping is evicted, RFC 6888 REQ-4). A block whose last
 * mapping ended goes back to its address's free list block_hold_ms later
 * (a timer wheel of its own), so a public port is not handed to another
 * subscriber at once. Blocks and subscribers live in arrays sized by
 * pinhole_config.max_port_blocks at context creation; a subscriber exists
 * while it holds a block, so there are never more subscribers than blocks.
 *
 * Deterministic: the inside address's range is arithmetic
 * (nat/det.c); only the port inside it is chosen.
 *
 * Address only (Basic NAT, RFC 2663 sec. 4.1.1): the same machinery with
 * one block per public address that covers every port. A subscriber holds
 * at most that one block (its address, from the pool's single free list
 * bfree[0]); every mapping keeps the inside port, as no other inside
 * address shares the public one. No free address: the new mapping is
 * refused (PH_MAP_ADDRS).
 *
 * NAT64 clients: a subscriber is keyed by the keyed fold of the client's
 * IPv6 address (what nat64.c hands the pool as the inside address); the
 * address itself is kept in ctx->sub6 so every block, binding and quota
 * event names it (family 6, src6). A deterministic pool serves no NAT64
 * client: its ranges are arithmetic on IPv4 inside addresses, and a fold
 * would land in some IPv4 subscriber's range, so the reverse lookup would
 * name the wrong host (refused here and by pinhole_rule_add).
 *
 * Interim records (pool interim_s): a second timer per block (itimer, on
 * its own wheel) fires every interim_s while the block is allocated and
 * reports it again, so the work per pinhole_tick stays bounded by its
 * budget and nothing scans the blocks.
 */
#include "core/engine.h"
#include "timer/wheel_internal.h"

#include <string.h>

#define PH_MAX_HOLD_MS 86400000u /* block_hold_ms: one day */
#define PH_MAX_INTERIM_S 86400u  /* interim_s: one day */

static uint32_t ph_sub_bucket(const pinhole_ctx *ctx, uint32_t pool,
                              uint32_t addr) {
  pinhole_flow_key k = {addr, pool, 0, 0, 0, {0, 0, 0}};
  return (uint32_t)pinhole_flow_hash(&ctx->cfg.hash_key, &k) & ctx->sub_mask;
}

static ph_sub *ph_sub_find(const pinhole_ctx *ctx, uint32_t pool,
                           uint32_t addr) {
  for (ph_ref r = ctx->sub_hash[ph_sub_bucket(ctx, pool, addr)]; r;
       r = ph_sub_at(ctx, r)->next)
    if (ph_sub_at(ctx, r)->addr == addr && ph_sub_at(ctx, r)->pool == pool)
      return ph_sub_at(ctx, r);
  return NULL;
}

static uint32_t ph_sub_new(pinhole_ctx *ctx, uint32_t pool, uint32_t addr) {
  ph_ref r = ctx->sub_free; /* never 0: a free block means a free slot */
  ph_sub *s = ph_sub_at(ctx, r);
  uint32_t b = ph_sub_bucket(ctx, pool, addr);
  ctx->sub_free = s->next;
  s->addr = addr;
  s->pool = (uint8_t)pool;
  s->blocks = 0;
  s->nblocks = 0;
  s->v6 = 0;
  if (ctx->map6_next != NULL && ctx->sub6 != NULL) { /* NAT64 (nat64.c) */
    memcpy(ctx->sub6[ph_slot(r)].addr, ctx->map6_next, 16);
    s->v6 = 1;
  }
  s->next = ctx->sub_hash[b];
  ctx->sub_hash[b] = r;
  return r;
}

static void ph_sub_free(pinhole_ctx *ctx, ph_ref ref) {
  ph_sub *s = ph_sub_at(ctx, ref);
  uint32_t b = ph_sub_bucket(ctx, s->pool, s->addr);
  for (uint32_t *pp = &ctx->sub_hash[b]; *pp; pp = &ph_sub_at(ctx, *pp)->next)
    if (*pp == ref) {
      *pp = s->next;
      break;
    }
  s->next = ctx->sub_free;
  ctx->sub_free = ref;
}

/* Block ref -> its address index and first port. */
static void ph_block_where(const pinhole_ctx *ctx, ph_ref ref, uint32_t *ai,
                           uint32_t *lo) {
  const ph_block *bk = ph_block_at(ctx, ref);
  const ph_pool *pl = &ctx->pools[bk->pool];
  uint32_t bi = ph_slot(ref) - pl->block_base;
  *ai = bi / pl->bpa;
  *lo = pl->port_lo + (bi % pl->bpa) * pl->block_size;
}

/* The subscriber of an event: its inside address, or for a NAT64 client
 * its IPv6 address (family 6; src.addr 0, the fold stays inside). */
static void ph_sub_src(const pinhole_ctx *ctx, const ph_sub *s,
                       pinhole_event *ev) {
  ev->src = (pinhole_endpoint){s->addr, 0, 0};
  if (s->v6 && ctx->sub6 != NULL) {
    ev->family = 6;
    memcpy(ev->src6, ctx->sub6[s - ctx->subs].addr, 16);
    ev->src.addr = 0;
  }
}

/* The event of a block: PORT_BLOCK_ALLOCATED / _RELEASED / _ACTIVE, in an
 * ADDRESS pool ADDRESS_BOUND / _RELEASED / _ACTIVE (no ports). */
static void ph_block_event(pinhole_ctx *ctx, int type, ph_ref ref,
                           const ph_sub *s) {
  if (ctx->cb.event == NULL)
    return;
  uint8_t pool = ph_block_at(ctx, ref)->pool;
  const ph_pool *pl = &ctx->pools[pool];
  uint32_t ai, lo;
  ph_block_where(ctx, ref, &ai, &lo);
  pinhole_event ev;
  pinhole__event_init(ctx, &ev, type);
  ev.side = PINHOLE_SIDE_INSIDE;
  ev.pool_id = pool;
  ph_sub_src(ctx, s, &ev);
  ev.nat_src = (pinhole_endpoint){pl->addr_lo + ai, 0, 0};
  if (pl->mode == PINHOLE_POOL_PBA) {
    ev.nat_src.port = (uint16_t)lo;
    ev.port_lo = (uint16_t)lo;
    ev.port_hi = (uint16_t)(lo + pl->block_size - 1);
  }
  ctx->cb.event(ctx, &ev, ctx->user);
}

/* Event types of a block by pool mode: [0] allocated, [1] released,
 * [2] interim. */
static int ph_block_type(const ph_pool *pl, int what) {
  static const int pba[3] = {PINHOLE_EVENT_PORT_BLOCK_ALLOCATED,
                             PINHOLE_EVENT_PORT_BLOCK_RELEASED,
                             PINHOLE_EVENT_PORT_BLOCK_ACTIVE};
  static const int addr[3] = {PINHOLE_EVENT_ADDRESS_BOUND,
                              PINHOLE_EVENT_ADDRESS_RELEASED,
                              PINHOLE_EVENT_ADDRESS_ACTIVE};
  return pl->mode == PINHOLE_POOL_ADDRESS ? addr[what] : pba[what];
}

/* Arms block ref's next interim record, when its pool sends them:
 * interim_s after from_ns (the allocation, or the last record's due time
 * so that late ticks do not make the period drift; a record more than a
 * period late starts the count again from now). */
static void ph_interim_arm(pinhole_ctx *ctx, ph_ref ref, uint64_t from_ns) {
  const ph_pool *pl = &ctx->pools[ph_block_at(ctx, ref)->pool];
  if (pl->interim_s == 0)
    return;
  uint64_t next = ph_deadline(from_ns, (uint64_t)pl->interim_s * 1000000000u);
  if (next <= ctx->now_ns)
    next = ph_deadline(ctx->now_ns, (uint64_t)pl->interim_s * 1000000000u);
  pinhole_wheel_arm(&ctx->interim_wheel, ph_slot(ref), next);
}

static void ph_quota_event(pinhole_ctx *ctx, const ph_pool *pl, uint8_t proto,
                           const ph_sub *s, uint32_t ai) {
  ph_count(ctx, PINHOLE_CNT_PBA_QUOTA);
  if (ctx->cb.event == NULL)
    return;
  pinhole_event ev;
  pinhole__event_init(ctx, &ev, PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED);
  ev.side = PINHOLE_SIDE_INSIDE;
  ev.proto = proto;
  ph_sub_src(ctx, s, &ev);
  ev.nat_src = (pinhole_endpoint){pl->addr_lo + ai, 0, 0};
  ev.limit = (uint32_t)pl->max_blocks * pl->block_size;
  ev.pool_id = (uint32_t)(pl - ctx->pools);
  ev.reason = "port block quota";
  ctx->cb.event(ctx, &ev, ctx->user);
}

static void ph_block_hold(pinhole_ctx *ctx, ph_ref ref);

/* Takes a free block of address ai for subscriber sref; 0 when none. */
static uint32_t ph_block_take(pinhole_ctx *ctx, ph_pool *pl, uint32_t ai,
                              ph_ref sref) {
  ph_ref ref = pl->bfree[ai];
  if (ref == 0)
    return 0;
  ph_block *bk = ph_block_at(ctx, ref);
  ph_sub *s = ph_sub_at(ctx, sref);
  pl->bfree[ai] = bk->next;
  bk->sub = sref;
  bk->used = 0;
  bk->next = s->blocks;
  s->blocks = ref;
  s->nblocks++;
  ph_count(ctx, pl->mode == PINHOLE_POOL_ADDRESS ? PINHOLE_CNT_ADDR_BIND
                                                 : PINHOLE_CNT_PBA_BLOCK_ALLOC);
  ph_block_event(ctx, ph_block_type(pl, 0), ref, s);
  ph_interim_arm(ctx, ref, ctx->now_ns);
  return ref;
}

/* A port of block ref for the endpoint: the mapping, or 0. */
static uint32_t ph_block_map(pinhole_ctx *ctx, uint32_t pool, ph_ref ref,
                             uint8_t proto, uint32_t iaddr, uint16_t iport,
                             uint16_t want, unsigned flags) {
  ph_pool *pl = &ctx->pools[pool];
  uint32_t ai, lo;
  ph_block_where(ctx, ref, &ai, &lo);
  uint64_t *b = pinhole__pool_bits(ctx, pl, ai, proto);
  uint32_t i = pinhole__port_pick(ctx, b, lo - pl->port_lo, lo, pl->block_size,
                                  iport, want, flags);
  if (i == UINT32_MAX)
    return 0;
  ph_block *bk = ph_block_at(ctx, ref);
  if (bk->used++ == 0)
    pinhole_wheel_cancel(&ctx->block_wheel, ph_slot(ref)); /* back from hold */
  return pinhole__map_insert(ctx, pool, proto, iaddr, iport, ai,
                             (uint16_t)(lo + i));
}

static uint32_t ph_pba_get(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                           uint32_t iaddr, uint16_t iport, uint16_t want,
                           unsigned flags, int *why) {
  ph_pool *pl = &ctx->pools[pool];
  uint32_t ai = pinhole__pool_addr_index(ctx, pl, iaddr);
  ph_sub *s = ph_sub_find(ctx, pool, iaddr);
  ph_ref sref = s ? ph_ref_of((uint32_t)(s - ctx->subs)) : PH_NIL, r;
  if (s != NULL)
    for (ph_ref ref = s->blocks; ref; ref = ph_block_at(ctx, ref)->next)
      if ((r = ph_block_map(ctx, pool, ref, proto, iaddr, iport, want,
                            flags)) != 0)
        return r;
  if (s != NULL && s->nblocks >= pl->max_blocks) {
    *why = PH_MAP_QUOTA;
    ph_quota_event(ctx, pl, proto, s, ai);
    return 0;
  }
  if (pl->bfree[ai] == 0 || want != 0) {
    /* no block left on its address (or an exact port it does not own) */
    ctx->map_fail_paddr = pl->addr_lo + ai;
    return 0;
  }
  if (sref == 0)
    sref = ph_sub_new(ctx, pool, iaddr);
  ph_ref ref = ph_block_take(ctx, pl, ai, sref);
  r = ph_block_map(ctx, pool, ref, proto, iaddr, iport, want, flags);
  if (r == 0) /* not for a fresh block of >= 8 ports; never left idle */
    ph_block_hold(ctx, ref);
  return r;
}

static uint32_t ph_det_get(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                           uint32_t iaddr, uint16_t iport, uint16_t want,
                           unsigned flags, int *why) {
  ph_pool *pl = &ctx->pools[pool];
  uint32_t i = iaddr - pl->inside_addr;
  /* a NAT64 client's iaddr is its fold, no address of the prefix:
   * refused (pinhole_rule_add refuses such a rule too, docs/cgn.md) */
  if (iaddr < pl->inside_addr || i >= pl->inside_count ||
      ctx->map6_next != NULL) {
    *why = PH_MAP_OUTSIDE;
    return 0;
  }
  uint32_t ai = i / pl->per_addr;
  uint32_t base = (i % pl->per_addr) * pl->block_size;
  uint64_t *b = pinhole__pool_bits(ctx, pl, ai, proto);
  uint32_t k = pinhole__port_pick(ctx, b, base, pl->port_lo + base,
                                  pl->block_size, iport, want, flags);
  if (k == UINT32_MAX) {
    ctx->map_fail_paddr = pl->addr_lo + ai;
    return 0;
  }
  return pinhole__map_insert(ctx, pool, proto, iaddr, iport, ai,
                             (uint16_t)(pl->port_lo + base + k));
}

/* ADDRESS: the subscriber's public address (bound now if it has none),
 * the inside port kept. An exact port other than the inside one cannot be
 * had; the parity an RTP mapping asks for is the inside host's own. */
static uint32_t ph_addr_get(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                            uint32_t iaddr, uint16_t iport, uint16_t want,
                            int *why) {
  ph_pool *pl = &ctx->pools[pool];
  if (want != 0 && want != iport)
    return 0;
  ph_sub *s = ph_sub_find(ctx, pool, iaddr);
  ph_ref ref;
  if (s != NULL) {
    ref = s->blocks;
  } else if (pl->bfree[0] == 0) {
    *why = PH_MAP_ADDRS;
    ctx->map_fail_pool = pool;
    return 0;
  } else {
    ref = ph_block_take(ctx, pl, 0, ph_sub_new(ctx, pool, iaddr));
  }
  uint32_t ai, lo;
  ph_block_where(ctx, ref, &ai, &lo);
  ph_block *bk = ph_block_at(ctx, ref);
  if (bk->used++ == 0)
    pinhole_wheel_cancel(&ctx->block_wheel, ph_slot(ref)); /* back from hold */
  return pinhole__map_insert(ctx, pool, proto, iaddr, iport, ai, iport);
}

ph_ref pinhole__cgn_map_get(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                            uint32_t iaddr, uint16_t iport, uint16_t want,
                            unsigned flags, int *why) {
  if (ctx->pools[pool].mode == PINHOLE_POOL_PBA)
    return ph_pba_get(ctx, pool, proto, iaddr, iport, want, flags, why);
  if (ctx->pools[pool].mode == PINHOLE_POOL_ADDRESS)
    return ph_addr_get(ctx, pool, proto, iaddr, iport, want, why);
  return ph_det_get(ctx, pool, proto, iaddr, iport, want, flags, why);
}

/* Gives block ref back to its address's free list. */
static void ph_block_release(pinhole_ctx *ctx, ph_ref ref) {
  ph_block *bk = ph_block_at(ctx, ref);
  ph_pool *pl = &ctx->pools[bk->pool];
  ph_ref sref = bk->sub, ai, lo;
  ph_sub *s = ph_sub_at(ctx, sref);
  for (uint32_t *pp = &s->blocks; *pp; pp = &ph_block_at(ctx, *pp)->next)
    if (*pp == ref) {
      *pp = bk->next;
      break;
    }
  s->nblocks--;
  ph_count(ctx, pl->mode == PINHOLE_POOL_ADDRESS
                    ? PINHOLE_CNT_ADDR_RELEASE
                    : PINHOLE_CNT_PBA_BLOCK_RELEASE);
  ph_block_event(ctx, ph_block_type(pl, 1), ref, s);
  pinhole_wheel_cancel(&ctx->interim_wheel, ph_slot(ref));
  ph_block_where(ctx, ref, &ai, &lo);
  if (pl->mode == PINHOLE_POOL_ADDRESS)
    ai = 0; /* one free list of addresses */
  bk->sub = 0;
  bk->next = pl->bfree[ai];
  pl->bfree[ai] = ref;
  if (s->nblocks == 0)
    ph_sub_free(ctx, sref);
}

static void ph_block_hold(pinhole_ctx *ctx, ph_ref ref) {
  const ph_pool *pl = &ctx->pools[ph_block_at(ctx, ref)->pool];
  if (pl->hold_ms == 0) {
    ph_block_release(ctx, ref);
    return;
  }
  pinhole_wheel_arm(&ctx->block_wheel, ph_slot(ref),
                    ph_deadline(ctx->now_ns, (uint64_t)pl->hold_ms * 1000000u));
}

void pinhole__pba_put(pinhole_ctx *ctx, const ph_mapping *m) {
  const ph_pool *pl = &ctx->pools[m->pool];
  uint32_t off = pl->mode == PINHOLE_POOL_ADDRESS
                     ? 0
                     : (uint32_t)(m->pport - pl->port_lo) / pl->block_size;
  uint32_t ai = m->paddr - pl->addr_lo;
  ph_ref ref = ph_ref_of(pl->block_base + ai * pl->bpa + off);
  ph_block *bk = ph_block_at(ctx, ref);
  if (bk->sub != 0 && bk->used != 0 && --bk->used == 0)
    ph_block_hold(ctx, ref);
}

typedef struct ph_pba_expiry {
  pinhole_ctx *ctx;
  int released;
} ph_pba_expiry;

static void ph_block_fire(uint32_t index, void *user) {
  ph_pba_expiry *x = user;
  const ph_block *bk = &x->ctx->blocks[index];
  if (bk->sub == 0 || bk->used != 0)
    return;
  ph_block_release(x->ctx, ph_ref_of(index));
  x->released++;
}

/* An interim timer fired: the block is still allocated (a released one
 * cancels its timer); report it again and arm the next one. */
static void ph_interim_fire(uint32_t index, void *user) {
  ph_pba_expiry *x = user;
  const ph_block *bk = &x->ctx->blocks[index];
  if (bk->sub == 0)
    return;
  const ph_pool *pl = &x->ctx->pools[bk->pool];
  ph_count(x->ctx, PINHOLE_CNT_CGN_INTERIM);
  ph_block_event(x->ctx, ph_block_type(pl, 2), ph_ref_of(index),
                 ph_sub_at(x->ctx, bk->sub));
  /* the tick the record was due at (a fired timer keeps its expiry) */
  uint64_t due = bk->itimer.expire << x->ctx->interim_wheel.tick_shift;
  ph_interim_arm(x->ctx, ph_ref_of(index), due);
}

size_t pinhole__pba_tick(pinhole_ctx *ctx, size_t budget, int *released) {
  ph_pba_expiry x = {ctx, 0};
  size_t fired;
  size_t work = pinhole__wheel_run(&ctx->block_wheel, ctx->now_ns, budget,
                                   ph_block_fire, &x, &fired);
  if (work < budget)
    work += pinhole__wheel_run(&ctx->interim_wheel, ctx->now_ns, budget - work,
                               ph_interim_fire, &x, &fired);
  *released = x.released;
  return work;
}

int pinhole__pba_pending(const pinhole_ctx *ctx) {
  return pinhole_wheel_pending(&ctx->block_wheel, ctx->now_ns) ||
         pinhole_wheel_pending(&ctx->interim_wheel, ctx->now_ns);
}

/* ---- pool set-up ----------------------------------------------------- */

static int ph_pba_init(pinhole_ctx *ctx, ph_pool *pl, uint32_t id,
                       const pinhole_pool *p) {
  if (p->inside_addr != 0 || p->inside_plen != 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (p->block_size < 8 || p->block_size > 32768 || (p->block_size & 1) ||
      p->block_size > pl->nports || p->max_blocks < 1 || p->max_blocks > 1024 ||
      p->block_hold_ms > PH_MAX_HOLD_MS || p->interim_s > PH_MAX_INTERIM_S)
    return PINHOLE_ERR_RANGE;
  uint32_t bpa = pl->nports / p->block_size;
  uint64_t need = (uint64_t)bpa * pl->naddrs;
  if (need > (uint64_t)ctx->cfg.max_port_blocks - ctx->nblocks_given)
    return PINHOLE_ERR_FULL;
  pl->block_size = p->block_size;
  pl->max_blocks = p->max_blocks;
  pl->hold_ms = p->block_hold_ms;
  pl->interim_s = p->interim_s;
  pl->bpa = bpa;
  pl->block_base = ctx->nblocks_given;
  for (uint32_t ai = 0; ai < pl->naddrs; ai++) {
    pl->bfree[ai] = 0;
    for (uint32_t k = bpa; k > 0; k--) {
      ph_ref ref = pl->block_base + ai * bpa + k;
      ph_block *bk = ph_block_at(ctx, ref);
      bk->pool = (uint8_t)id;
      bk->sub = 0;
      bk->used = 0;
      bk->next = pl->bfree[ai];
      pl->bfree[ai] = ref;
    }
  }
  ctx->nblocks_given += (uint32_t)need;
  return 0;
}

/* ADDRESS: one block per address, all on one free list (bfree[0]) in
 * address order. The ports were checked by pinhole_pool_add. */
static int ph_addr_init(pinhole_ctx *ctx, ph_pool *pl, uint32_t id,
                        const pinhole_pool *p) {
  if (p->inside_addr != 0 || p->inside_plen != 0 || p->block_size != 0 ||
      p->max_blocks != 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (p->block_hold_ms > PH_MAX_HOLD_MS || p->interim_s > PH_MAX_INTERIM_S)
    return PINHOLE_ERR_RANGE;
  if (pl->naddrs > ctx->cfg.max_port_blocks - ctx->nblocks_given)
    return PINHOLE_ERR_FULL;
  pl->block_size = 0;
  pl->max_blocks = 1;
  pl->hold_ms = p->block_hold_ms;
  pl->interim_s = p->interim_s;
  pl->bpa = 1;
  pl->block_base = ctx->nblocks_given;
  pl->bfree[0] = 0;
  for (uint32_t k = pl->naddrs; k > 0; k--) {
    ph_ref ref = pl->block_base + k;
    ph_block *bk = ph_block_at(ctx, ref);
    bk->pool = (uint8_t)id;
    bk->sub = 0;
    bk->used = 0;
    bk->next = pl->bfree[0];
    pl->bfree[0] = ref;
  }
  ctx->nblocks_given += pl->naddrs;
  return 0;
}

int pinhole__cgn_pool_init(pinhole_ctx *ctx, ph_pool *pl, uint32_t id,
                           const pinhole_pool *p) {
  pl->mode = p->mode;
  if (p->pad_ != 0 || p->mode > PINHOLE_POOL_ADDRESS)
    return PINHOLE_ERR_INVALID_ARG;
  if (p->mode != PINHOLE_POOL_PBA && p->mode != PINHOLE_POOL_ADDRESS &&
      p->interim_s != 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (p->mode == PINHOLE_POOL_NAPT)
    return p->block_size || p->max_blocks || p->block_hold_ms ||
                   p->inside_addr || p->inside_plen
               ? PINHOLE_ERR_INVALID_ARG
               : 0;
  if (p->mode == PINHOLE_POOL_PBA)
    return ph_pba_init(ctx, pl, id, p);
  if (p->mode == PINHOLE_POOL_ADDRESS)
    return ph_addr_init(ctx, pl, id, p);
  pinhole_det_layout l;
  int rv = pinhole__det_check(p, &l);
  if (rv < 0)
    return rv;
  pl->inside_addr = p->inside_addr;
  pl->inside_count = l.inside_count;
  pl->per_addr = l.per_addr;
  pl->block_size = l.ports;
  return 0;
}

/* ---- state import (core/state.c) --------------------------------------- */

/* The block of public address index ai, port pport in pool pl. */
static ph_ref ph_block_of(const ph_pool *pl, uint32_t ai, uint16_t pport) {
  uint32_t off = pl->mode == PINHOLE_POOL_ADDRESS
                     ? 0
                     : (uint32_t)(pport - pl->port_lo) / pl->block_size;
  return ph_ref_of(pl->block_base + ai * pl->bpa + off);
}

uint32_t pinhole__pba_owner(const pinhole_ctx *ctx, uint32_t pool, uint32_t ai,
                            uint16_t pport, uint32_t iaddr, uint32_t *nblocks) {
  const ph_block *bk =
      ph_block_at(ctx, ph_block_of(&ctx->pools[pool], ai, pport));
  const ph_sub *s = ph_sub_find(ctx, pool, iaddr);
  *nblocks = s ? s->nblocks : 0;
  return bk->sub == 0 ? 0 : ph_sub_at(ctx, bk->sub)->addr;
}

int pinhole__pba_sub6(const pinhole_ctx *ctx, uint32_t pool, uint32_t iaddr,
                      const uint8_t **addr) {
  const ph_sub *s = ph_sub_find(ctx, pool, iaddr);
  *addr = NULL;
  if (s == NULL)
    return -1;
  if (!s->v6 || ctx->sub6 == NULL)
    return 0;
  *addr = ctx->sub6[s - ctx->subs].addr;
  return 1;
}

int pinhole__pba_claim(pinhole_ctx *ctx, uint32_t pool, uint32_t iaddr,
                       uint32_t ai, uint16_t pport, int apply) {
  ph_pool *pl = &ctx->pools[pool];
  ph_ref ref = ph_block_of(pl, ai, pport);
  ph_block *bk = ph_block_at(ctx, ref);
  ph_sub *s = ph_sub_find(ctx, pool, iaddr);
  if (bk->sub != 0) {
    if (s == NULL || bk->sub != ph_ref_of((uint32_t)(s - ctx->subs)))
      return PINHOLE_ERR_EXISTS;
  } else if (s != NULL && s->nblocks >= pl->max_blocks) {
    return PINHOLE_ERR_FULL;
  }
  if (!apply)
    return 0;
  if (bk->sub == 0) { /* off its free list (bounded: one address's blocks) */
    uint32_t list = pl->mode == PINHOLE_POOL_ADDRESS ? 0 : ai;
    for (ph_ref *pp = &pl->bfree[list]; *pp; pp = &ph_block_at(ctx, *pp)->next)
      if (*pp == ref) {
        *pp = bk->next;
        break;
      }
    ph_ref sref =
        s ? ph_ref_of((uint32_t)(s - ctx->subs)) : ph_sub_new(ctx, pool, iaddr);
    s = ph_sub_at(ctx, sref);
    bk->sub = sref;
    bk->used = 0;
    bk->next = s->blocks;
    s->blocks = ref;
    s->nblocks++;
    ph_count(ctx, pl->mode == PINHOLE_POOL_ADDRESS
                      ? PINHOLE_CNT_ADDR_BIND
                      : PINHOLE_CNT_PBA_BLOCK_ALLOC);
    ph_block_event(ctx, ph_block_type(pl, 0), ref, s);
    ph_interim_arm(ctx, ref, ctx->now_ns);
  }
  if (bk->used++ == 0)
    pinhole_wheel_cancel(&ctx->block_wheel, ph_slot(ref));
  return 0;
}

void pinhole__pba_hold_import(pinhole_ctx *ctx, uint32_t pool, uint32_t iaddr,
                              uint32_t ai, uint16_t pport, uint32_t left_ms) {
  ph_ref ref = ph_block_of(&ctx->pools[pool], ai, pport);
  if (pinhole__pba_claim(ctx, pool, iaddr, ai, pport, 1) != 0)
    return; /* ph_check_blocks ruled this out */
  ph_block *bk = ph_block_at(ctx, ref);
  if (--bk->used == 0)
    pinhole_wheel_arm(&ctx->block_wheel, ph_slot(ref),
                      ph_deadline(ctx->now_ns, (uint64_t)left_ms * 1000000u));
}

void pinhole__pba_reset(pinhole_ctx *ctx) {
  for (uint32_t p = 0; p < ctx->npools; p++) {
    ph_pool *pl = &ctx->pools[p];
    if (pl->mode != PINHOLE_POOL_PBA && pl->mode != PINHOLE_POOL_ADDRESS)
      continue;
    uint32_t nlists = pl->mode == PINHOLE_POOL_ADDRESS ? 1 : pl->naddrs;
    uint32_t per = pl->mode == PINHOLE_POOL_ADDRESS ? pl->naddrs : pl->bpa;
    for (uint32_t ai = 0; ai < nlists; ai++) {
      pl->bfree[ai] = 0;
      for (uint32_t k = per; k > 0; k--) {
        ph_ref ref = pl->block_base + ai * per + k;
        ph_block *bk = ph_block_at(ctx, ref);
        if (bk->sub != 0) {
          ph_sub *s = ph_sub_at(ctx, bk->sub);
          if (s->nblocks != 0) { /* each subscriber once */
            s->nblocks = 0;
            ph_sub_free(ctx, bk->sub);
          }
          pinhole_wheel_cancel(&ctx->block_wheel, ph_slot(ref));
          pinhole_wheel_cancel(&ctx->interim_wheel, ph_slot(ref));
        }
        bk->sub = 0;
        bk->used = 0;
        bk->next = pl->bfree[ai];
        pl->bfree[ai] = ref;
      }
    }
  }
}

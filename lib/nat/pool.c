/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAPT mappings and port allocation (RFC 4787, RFC 5382, RFC 5508).
 *
 * A mapping binds an inside endpoint (proto, address, port) to a public one
 * and is shared by every connection of that endpoint (endpoint-independent
 * mapping, RFC 4787 REQ-1). An inside address always gets the same public
 * address of its pool ("paired" pooling, REQ-2). The public port is the
 * inside port when it is free and in the pool's range (port preservation),
 * otherwise a free port found from a random starting point, so the next
 * port cannot be predicted (RFC 6056 spirit). Ports are one bit each, per
 * (public address, protocol class).
 *
 * The privileged-port rule (PH_MAP_PRIV): rsh and rlogin servers trust a
 * client only when its source port is below 1024, so a TCP endpoint the
 * engine or an ALG asks to keep privileged gets a public port in 512..1023
 * from a separate bitmap per pool address, never from the pool's range
 * (which starts at 1024 or above).
 */
#include "core/engine.h"
#include "flow/hash_internal.h"

#include <string.h>

static unsigned ph_class(uint8_t proto) {
  return proto == PINHOLE_IPPROTO_TCP   ? PH_PC_TCP
         : proto == PINHOLE_IPPROTO_UDP ? PH_PC_UDP
                                        : PH_PC_ICMP;
}

/* xorshift64*'s next state; seeded from the host's entropy in
 * pinhole_config.seed */
static uint64_t ph_rand_next(uint64_t x) {
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  return x;
}

/* xorshift64*'s output of state x */
static uint64_t ph_rand_out(uint64_t x) {
  return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t ph_rand(pinhole_ctx *ctx) {
  ctx->rng = ph_rand_next(ctx->rng);
  return ph_rand_out(ctx->rng);
}

/* The value the next ph_rand will return, not taken. */
static uint64_t ph_rand_peek(const pinhole_ctx *ctx) {
  return ph_rand_out(ph_rand_next(ctx->rng));
}

/* The mapping and host tables' bucket hash: NH under the tables' own key
 * (ctx->map_nh, map_mul), as the flow table's (docs/architecture.md "The
 * flow table's hash": a sender who cannot see the key cannot aim
 * endpoints at one chain). Nothing outside the context sees it. */
static uint32_t ph_mix(const pinhole_ctx *ctx, uint8_t proto, uint32_t addr,
                       uint16_t port) {
  return (uint32_t)ph_nh64(ctx->map_nh, ctx->map_mul, addr, port, proto, 0);
}

/* The paired-pooling choice (an inside address's public address): it
 * decides what peers see and what a standby must choose alike, so it
 * keeps the public flow hash (SipHash-1-3 of the context key). */
static uint32_t ph_pair_mix(const pinhole_ctx *ctx, uint32_t addr) {
  pinhole_flow_key k = {addr, 0, 0, 0, 0, {0, 0, 0}};
  /* pinhole_flow_hash's own inline core: no call, no argument checks,
   * and the zero words of the key folded by the compiler */
  return (uint32_t)ph_flow_hash(&ctx->cfg.hash_key, &k);
}

static uint64_t *ph_bits(const pinhole_ctx *ctx, const ph_pool *pl, uint32_t ai,
                         unsigned cls) {
  return pl->bits + ((size_t)ai * PH_PROTO_CLASSES + cls) * ctx->port_words;
}

uint64_t *pinhole__pool_bits(const pinhole_ctx *ctx, const ph_pool *pl,
                             uint32_t ai, uint8_t proto) {
  return ph_bits(ctx, pl, ai, ph_class(proto));
}

static int ph_bit_get(const uint64_t *b, uint32_t i) {
  return (int)((b[i >> 6] >> (i & 63)) & 1);
}

static void ph_bit_set(uint64_t *b, uint32_t i, int on) {
  if (on)
    b[i >> 6] |= 1ull << (i & 63);
  else
    b[i >> 6] &= ~(1ull << (i & 63));
}

int pinhole__pool_of(const pinhole_ctx *ctx, uint32_t addr) {
  for (uint32_t i = 0; i < ctx->npools; i++) {
    const ph_pool *pl = &ctx->pools[i];
    if (addr >= pl->addr_lo && addr - pl->addr_lo < pl->naddrs)
      return (int)i;
  }
  return -1;
}

/* A free port index (0-based in a range of n ports from lo whose bits
 * start at bit base of b), or UINT32_MAX; the search starts at a point
 * the random value rnd draws. */
static uint32_t ph_port_scan(const uint64_t *b, uint32_t base, uint32_t lo,
                             uint32_t n, unsigned flags, uint64_t rnd) {
  uint32_t start = (uint32_t)(((rnd >> 32) * n) >> 32);
  for (uint32_t k = 0; k < n;) {
    uint32_t i = start + k < n ? start + k : start + k - n;
    uint32_t j = base + i;
    uint64_t w = b[j >> 6] >> (j & 63);
    if (w == (~0ull >> (j & 63))) {
      /* the rest of this word is in use: skip to the next word, but not
       * past the range's end (the bits after it may be another range's) */
      uint32_t skip = 64 - (j & 63);
      k += skip < n - i ? skip : n - i;
      continue;
    }
    if (!ph_bit_get(b, j)) {
      uint32_t port = lo + i;
      if (!(flags & PH_MAP_EVEN))
        return i;
      if ((port & 1) == 0 && i + 1 < n && !ph_bit_get(b, j + 1))
        return i;
    }
    k++;
  }
  return UINT32_MAX;
}

/* The bitmap, lowest port and size of the range a mapping's public port
 * comes from (flags: PH_MAP_PRIV or not). */
static uint64_t *ph_range(const pinhole_ctx *ctx, const ph_pool *pl,
                          uint32_t ai, uint8_t proto, unsigned flags,
                          uint32_t *lo, uint32_t *n) {
  if (flags & PH_MAP_PRIV) {
    *lo = PH_PRIV_LO;
    *n = PH_PRIV_HI - PH_PRIV_LO + 1;
    return pl->pbits + (size_t)ai * PH_PRIV_WORDS;
  }
  *lo = pl->port_lo;
  *n = pl->nports;
  return ph_bits(ctx, pl, ai, ph_class(proto));
}

/* Port preservation: may the mapping keep inside port iport? */
static int ph_port_keep(const uint64_t *b, uint32_t base, uint32_t lo,
                        uint32_t n, uint16_t iport, unsigned flags) {
  uint32_t i = (uint32_t)iport - lo;
  return iport >= lo && i < n && !ph_bit_get(b, base + i) &&
         (!(flags & PH_MAP_EVEN) ||
          ((iport & 1) == 0 && i + 1 < n && !ph_bit_get(b, base + i + 1)));
}

uint32_t pinhole__port_pick(pinhole_ctx *ctx, const uint64_t *b, uint32_t base,
                            uint32_t lo, uint32_t n, uint16_t iport,
                            uint16_t want, unsigned flags) {
  if (want != 0)
    return want >= lo && want - lo < n && !ph_bit_get(b, base + want - lo)
               ? want - lo
               : UINT32_MAX;
  if (ph_port_keep(b, base, lo, n, iport, flags))
    return (uint32_t)iport - lo;
  return ph_port_scan(b, base, lo, n, flags, ph_rand(ctx));
}

/* The chain head of a mapping hash's value x: multiply-shift over the
 * ctx->map_nb heads (any count, not only a power of two). */
static inline uint32_t ph_map_bucket(const pinhole_ctx *ctx, uint32_t x) {
  return (uint32_t)(((uint64_t)x * ctx->map_nb) >> 32);
}

/* The inside chain's bucket of an endpoint. */
static uint32_t ph_ibucket(const pinhole_ctx *ctx, uint8_t proto,
                           uint32_t iaddr, uint16_t iport) {
  return ph_map_bucket(ctx, ph_mix(ctx, proto, iaddr, iport));
}

/* Links mapping ref into both chains; hi: its inside bucket (computed
 * by the probe that found no mapping), hp its public one or UINT32_MAX
 * (computed here). Inline in ph_map_link_new (a GCC call there cost the
 * burst's new flow ~8 instructions, new13). */
static inline __attribute__((always_inline)) void
ph_hash_link(pinhole_ctx *ctx, ph_ref ref, uint32_t hi, uint32_t hp) {
  ph_mapping *m = ph_map_at(ctx, ref);
  if (hp == UINT32_MAX)
    hp = ph_map_bucket(ctx, ph_mix(ctx, m->proto, m->paddr, m->pport));
  m->inext = ctx->map_ihash[hi];
  ctx->map_ihash[hi] = ref;
  m->pnext = ctx->map_phash[hp];
  ctx->map_phash[hp] = ref;
}

/* Unlinks ref from both chains; plink: the public chain's link to it
 * (its head or the pnext before it), or NULL (found here). */
static void ph_hash_unlink(pinhole_ctx *ctx, ph_ref ref, ph_ref *plink) {
  ph_mapping *m = ph_map_at(ctx, ref);
  uint32_t hi = ph_map_bucket(ctx, ph_mix(ctx, m->proto, m->iaddr, m->iport));
  for (uint32_t *pp = &ctx->map_ihash[hi]; *pp;
       pp = &ph_map_at(ctx, *pp)->inext)
    if (*pp == ref) {
      *pp = m->inext;
      break;
    }
  if (plink != NULL) {
    *plink = m->pnext;
    return;
  }
  uint32_t hp = ph_map_bucket(ctx, ph_mix(ctx, m->proto, m->paddr, m->pport));
  for (uint32_t *pp = &ctx->map_phash[hp]; *pp;
       pp = &ph_map_at(ctx, *pp)->pnext)
    if (*pp == ref) {
      *pp = m->pnext;
      break;
    }
}

static uint32_t ph_map_find_inside(const pinhole_ctx *ctx, uint32_t h,
                                   uint32_t pool, uint8_t proto, uint32_t iaddr,
                                   uint16_t iport) {
  for (uint32_t r = ctx->map_ihash[h]; r; r = ph_map_at(ctx, r)->inext) {
    const ph_mapping *m = ph_map_at(ctx, r);
    if (m->iaddr == iaddr && m->iport == iport && m->proto == proto &&
        m->pool == pool)
      return r;
  }
  return 0;
}

ph_ref pinhole__map_find_inside(const pinhole_ctx *ctx, uint8_t proto,
                                uint32_t iaddr, uint16_t iport) {
  uint32_t h = ph_ibucket(ctx, proto, iaddr, iport);
  for (uint32_t r = ctx->map_ihash[h]; r; r = ph_map_at(ctx, r)->inext) {
    const ph_mapping *m = ph_map_at(ctx, r);
    if (m->iaddr == iaddr && m->iport == iport && m->proto == proto)
      return r;
  }
  return 0;
}

ph_ref pinhole__map_find_open(const pinhole_ctx *ctx, uint8_t proto,
                              uint32_t paddr, uint16_t pport) {
  ph_ref r = pinhole__map_find_public(ctx, proto, paddr, pport);
  /* nor a NAT64 one: its inside endpoint is IPv6 (core/nat64.c) */
  return r != 0 && !(ph_map_at(ctx, r)->flags & (PH_MAPF_ALG | PH_MAPF_NAT64))
             ? r
             : 0;
}

ph_ref pinhole__map_find_public(const pinhole_ctx *ctx, uint8_t proto,
                                uint32_t paddr, uint16_t pport) {
  uint32_t h = ph_map_bucket(ctx, ph_mix(ctx, proto, paddr, pport));
  return *ph_map_plink(ctx, h, proto, paddr, pport);
}

/* ---- per-host limit ------------------------------------------------- */

static ph_host *ph_host_find(const pinhole_ctx *ctx, uint32_t addr) {
  uint32_t b = ph_mix(ctx, 0, addr, 1) & ctx->host_mask;
  for (ph_ref r = ctx->host_hash[b]; r; r = ph_host_at(ctx, r)->next)
    if (ph_host_at(ctx, r)->addr == addr)
      return ph_host_at(ctx, r);
  return NULL;
}

/* One more mapping for addr (the table has a slot per mapping). */
static void ph_host_inc(pinhole_ctx *ctx, uint32_t addr) {
  ph_host *h = ph_host_find(ctx, addr);
  if (h == NULL && ctx->host_free != 0) {
    ph_ref r = ctx->host_free;
    h = ph_host_at(ctx, r);
    ctx->host_free = h->next;
    uint32_t b = ph_mix(ctx, 0, addr, 1) & ctx->host_mask;
    h->addr = addr;
    h->count = 0;
    h->next = ctx->host_hash[b];
    ctx->host_hash[b] = r;
  }
  if (h != NULL)
    h->count++;
}

static void ph_host_dec(pinhole_ctx *ctx, uint32_t addr) {
  uint32_t b = ph_mix(ctx, 0, addr, 1) & ctx->host_mask;
  for (uint32_t *pp = &ctx->host_hash[b]; *pp;
       pp = &ph_host_at(ctx, *pp)->next) {
    ph_host *h = ph_host_at(ctx, *pp);
    if (h->addr != addr)
      continue;
    if (--h->count == 0) {
      uint32_t r = *pp;
      *pp = h->next;
      h->next = ctx->host_free;
      ctx->host_free = r;
    }
    return;
  }
}

/* ---- the port allocation log ---------------------------------------- */

/* Out of line, with its test inline at each caller (ph_map_event): a
 * host without an event callback pays one test, not a call. */
static __attribute__((noinline)) void
ph_map_event_emit(pinhole_ctx *ctx, int type, const ph_mapping *m) {
  pinhole_event ev;
  ph_event_init(ctx, &ev, type);
  ev.proto = m->proto;
  ev.side = PINHOLE_SIDE_INSIDE;
  ev.src = (pinhole_endpoint){m->iaddr, m->iport, 0};
  ev.nat_src = (pinhole_endpoint){m->paddr, m->pport, 0};
  const ph_map6 *m6;
  if ((m->flags & PH_MAPF_NAT64) &&
      (m6 = ph_map6_of(ctx, ph_ref_of((uint32_t)(m - ctx->maps)))) != NULL) {
    /* NAT64: the inside endpoint is IPv6 (src.addr keeps its fold) */
    ev.family = 6;
    memcpy(ev.src6, m6->addr, 16);
  }
  ctx->cb.event(ctx, &ev, ctx->user);
}

static inline void ph_map_event(pinhole_ctx *ctx, int type,
                                const ph_mapping *m) {
  if (ctx->cb.event != NULL)
    ph_map_event_emit(ctx, type, m);
}

/* The event of a refused new flow: the packet's endpoints, untranslated. */
static void ph_refusal_event(const pinhole_ctx *ctx, pinhole_event *ev,
                             int type, const pinhole_pkt_view *v, int side,
                             const char *rule) {
  pinhole__event_init(ctx, ev, type);
  ev->side = (uint8_t)side;
  ev->proto = v->proto;
  ev->src = (pinhole_endpoint){v->src, v->sport, 0};
  ev->dst = (pinhole_endpoint){v->dst, v->dport, 0};
  ev->nat_src = ev->src;
  ev->nat_dst = ev->dst;
  ev->rule = rule;
  pinhole__event6_refused(ctx, ev); /* a NAT64 client's: its IPv6 ends */
}

/* ADDRESS pool: no public address left for a new inside address. */
static void ph_addrs_refused(pinhole_ctx *ctx, const pinhole_pkt_view *v,
                             int side, const char *rule) {
  ph_count(ctx, PINHOLE_CNT_DROP_NAT_ADDRS);
  if (ctx->cb.event == NULL)
    return;
  pinhole_event ev;
  ph_refusal_event(ctx, &ev, PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED, v, side,
                   rule);
  ev.pool_id = ctx->map_fail_pool;
  ev.reason = "no free address in pool";
  ctx->cb.event(ctx, &ev, ctx->user);
}

void pinhole__map_refused(pinhole_ctx *ctx, int why, const pinhole_pkt_view *v,
                          int side, const char *rule) {
  ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
  if (why == PH_MAP_TABLE) {
    ph_count(ctx, PINHOLE_CNT_DROP_FLOW_FULL);
    pinhole__event(ctx, PINHOLE_EVENT_TABLE_FULL, v, side, 0, 0, NULL, 0, rule,
                   NULL, "mapping table full");
    return;
  }
  if (why == PH_MAP_QUOTA)
    return; /* pba.c counted and logged PORT_BLOCK_EXHAUSTED */
  if (why == PH_MAP_REMOVED) {
    /* the rule (or pinhole) names a removed pool: fail closed */
    ph_count(ctx, PINHOLE_CNT_NAT_POOL_REMOVED);
    pinhole__event(ctx, PINHOLE_EVENT_RULE_DISCARD, v, side, 0, 0, NULL, 0,
                   rule, NULL, "NAT pool removed");
    return;
  }
  if (why == PH_MAP_ADDRS) {
    ph_addrs_refused(ctx, v, side, rule);
    return;
  }
  ph_count(ctx, why == PH_MAP_HOST ? PINHOLE_CNT_DROP_HOST_LIMIT
                                   : PINHOLE_CNT_DROP_NAT_PORTS);
  if (ctx->cb.event == NULL)
    return;
  pinhole_event ev;
  ph_refusal_event(ctx, &ev, PINHOLE_EVENT_NAT_PORTS_EXHAUSTED, v, side, rule);
  if (why == PH_MAP_HOST)
    ev.limit = ctx->cfg.max_ports_per_host;
  else if (ctx->map_fail_paddr != 0)
    ev.nat_src = (pinhole_endpoint){ctx->map_fail_paddr, 0, 0};
  ev.reason = why == PH_MAP_HOST ? "per-host port limit"
              : why == PH_MAP_OUTSIDE
                  ? "not in the deterministic pool's inside prefix"
                  : "no free port in pool";
  ctx->cb.event(ctx, &ev, ctx->user);
}

/* The free list a new mapping takes its slot from: a NAT64 one (the
 * context's map6_next set) from the slots with an IPv6 host record, the
 * others from those without while there are any; NULL: none left. */
static ph_ref *ph_map_free_list(pinhole_ctx *ctx) {
  if ((ctx->map6_next == NULL || ctx->nmap6 == 0) && ctx->map_free_x != 0)
    return &ctx->map_free_x;
  return ctx->map_free != 0 ? &ctx->map_free : NULL;
}

static inline __attribute__((always_inline)) ph_ref
ph_map_insert_at(pinhole_ctx *ctx, uint32_t pool, uint8_t proto, uint32_t iaddr,
                 uint16_t iport, uint32_t ai, uint16_t pport, uint32_t hi,
                 uint32_t hp);
static inline __attribute__((always_inline)) ph_ref
ph_map_link_new(pinhole_ctx *ctx, ph_ref *freep, uint32_t pool, uint8_t proto,
                uint32_t iaddr, uint16_t iport, uint32_t ai, uint16_t pport,
                uint32_t hi, uint32_t hp);
static void ph_pair_keep(pinhole_ctx *ctx, const ph_pool *pl, uint32_t iaddr,
                         uint32_t ai);

uint32_t pinhole__map_prefetch(const pinhole_ctx *ctx, uint8_t proto,
                               uint32_t iaddr, uint16_t iport) {
  uint32_t hi = ph_ibucket(ctx, proto, iaddr, iport);
  __builtin_prefetch(&ctx->map_ihash[hi]);
  return hi;
}

/* The endpoint and its inside bucket (nh's when it is for the same
 * endpoint); no guess yet. */
static void ph_ahead_init(const pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                          uint32_t iaddr, uint16_t iport,
                          const ph_new_ahead *nh, ph_map_ahead *a) {
  a->pool = pool;
  a->iaddr = iaddr;
  a->iport = iport;
  a->pport = iport;
  a->proto = proto;
  a->ibucket = nh != NULL && nh->iaddr == iaddr && nh->iport == iport &&
                       nh->proto == proto
                   ? nh->ibucket
                   : ph_ibucket(ctx, proto, iaddr, iport);
  a->ai = UINT32_MAX;
  a->paddr = 0;
  a->pbucket = UINT32_MAX;
}

void pinhole__map_ahead(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                        uint32_t iaddr, uint16_t iport, unsigned flags,
                        const ph_new_ahead *nh, ph_map_ahead *a) {
  if (nh != NULL && !nh->ok)
    nh = NULL;
  ph_ahead_init(ctx, pool, proto, iaddr, iport, nh, a);
  /* none of these addresses depends on another's line: their loads
   * overlap rather than follow each other (probe, port, insert) */
  __builtin_prefetch(&ctx->map_ihash[a->ibucket]);
  const ph_ref *freep = ph_map_free_list(ctx);
  if (freep != NULL) /* the slot pinhole__map_insert pops */
    __builtin_prefetch(ph_map_at(ctx, *freep));
  if (pool >= ctx->npools || ctx->pools[pool].mode != PINHOLE_POOL_NAPT ||
      ((flags & PH_MAP_PRIV) && proto != PINHOLE_IPPROTO_TCP) ||
      (flags & PH_MAP_EVEN))
    return; /* no guess: the get checks and picks */
  const ph_pool *pl = &ctx->pools[pool];
  /* the look-ahead's work stands for the same endpoint and pool */
  if (nh != NULL && (nh->pool != pool || nh->iaddr != iaddr ||
                     nh->iport != iport || nh->proto != proto))
    nh = NULL;
  if (nh != NULL && nh->pbucket == UINT32_MAX) {
    /* it found the endpoint's mapping: its public endpoint is the guess
     * (no pick; the get picks if the mapping has gone since) */
    a->flags = flags;
    a->idx = UINT32_MAX;
    a->pport = nh->b.dport;
    a->paddr = nh->b.dst;
    return;
  }
  /* paired pooling depends on the address and the pool's size only: the
   * look-ahead's index stands when both are the same */
  a->ai = nh != NULL && nh->ai != UINT32_MAX && nh->naddrs == pl->naddrs
              ? nh->ai
              : pinhole__pool_addr_index(ctx, pl, iaddr);
  /* the port pinhole__port_pick would give now: the bitmaps are small
   * enough to stay cached; the random start is peeked, not taken */
  uint32_t lo, n;
  const uint64_t *b = ph_range(ctx, pl, a->ai, proto, flags, &lo, &n);
  uint32_t idx;
  int keep;
  if (nh != NULL && a->ai == nh->ai && flags == 0 &&
      nh->frees == ctx->port_frees &&
      (!nh->drew || ph_rand_next(ctx->rng) == nh->rng) &&
      !ph_bit_get(b, (uint32_t)(nh->b.dport - lo))) {
    /* the look-ahead's pick is the pick now: the ports from its random
     * start up to its port were taken then and none has been given back
     * (ports are only taken since), its port is still free, and the start
     * is drawn from the same state; a kept port stays kept (its bit was
     * and is clear) and a port not kept then is not now (no bit cleared) */
    keep = !nh->drew;
    idx = (uint32_t)(nh->b.dport - lo);
  } else {
    keep = ph_port_keep(b, 0, lo, n, iport, flags);
    idx = keep ? (uint32_t)iport - lo
               : ph_port_scan(b, 0, lo, n, flags, ph_rand_peek(ctx));
  }
  if (idx == UINT32_MAX)
    return;
  a->flags = flags;
  a->rand = (uint8_t)!keep;
  a->idx = idx;
  a->pport = (uint16_t)(lo + idx);
  a->paddr = pl->addr_lo + a->ai;
  a->pbucket = nh != NULL && nh->pbucket != UINT32_MAX &&
                       nh->b.dst == a->paddr && nh->b.dport == a->pport &&
                       nh->proto == proto
                   ? nh->pbucket /* the look-ahead's guess is this one */
                   : ph_map_bucket(ctx, ph_mix(ctx, proto, a->paddr, a->pport));
  __builtin_prefetch(&ctx->map_phash[a->pbucket]);
}

int pinhole__map_look(const pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                      uint32_t iaddr, uint16_t iport, uint32_t ibucket,
                      uint64_t *rng, ph_new_ahead *nh) {
  if (pool >= ctx->npools || ctx->pools[pool].mode != PINHOLE_POOL_NAPT ||
      ctx->pools[pool].removed)
    return 0;
  const ph_pool *pl = &ctx->pools[pool];
  nh->pool = pool;
  nh->iaddr = iaddr;
  nh->iport = iport;
  nh->proto = proto;
  nh->naddrs = pl->naddrs;
  nh->ai = UINT32_MAX;
  nh->ibucket = ibucket;
  ph_ref r = ph_map_find_inside(ctx, ibucket, pool, proto, iaddr, iport);
  nh->pbucket = UINT32_MAX;
  if (r != 0) { /* the endpoint's mapping: its public endpoint, no guess */
    nh->b.dst = ph_map_at(ctx, r)->paddr;
    nh->b.dport = ph_map_at(ctx, r)->pport;
    return 1;
  }
  uint32_t ai = pinhole__pool_addr_index(ctx, pl, iaddr);
  uint32_t lo, n;
  const uint64_t *b = ph_range(ctx, pl, ai, proto, 0, &lo, &n);
  uint32_t idx;
  nh->drew = (uint8_t)!ph_port_keep(b, 0, lo, n, iport, 0);
  if (!nh->drew) {
    idx = (uint32_t)iport - lo;
  } else {
    *rng = ph_rand_next(*rng); /* the draw this packet's pick will take */
    idx = ph_port_scan(b, 0, lo, n, 0, ph_rand_out(*rng));
  }
  nh->rng = *rng;
  nh->frees = ctx->port_frees;
  nh->ai = ai;
  if (idx == UINT32_MAX)
    return 0;
  nh->b.dst = pl->addr_lo + ai;
  nh->b.dport = (uint16_t)(lo + idx);
  nh->pbucket = ph_map_bucket(ctx, ph_mix(ctx, proto, nh->b.dst, nh->b.dport));
  __builtin_prefetch(&ctx->map_phash[nh->pbucket]);
  return 1;
}

/* pinhole__map_take_ahead's mapping when the look-ahead's pick (nh) is
 * not the one a pick now gives: a port given back since, a draw taken
 * since, or its port taken since (by another new flow of the burst,
 * whose look-ahead did not know of this one's). The pick is made now, as
 * pinhole__map_ahead and pinhole__map_get_ahead would make it for flags
 * 0 (the inside port kept if it is free, else a scan from the next
 * random draw's start), from the look-ahead's address index (the pool
 * the same size); its public bucket hashed at the link. The rest of the
 * caller's checks have passed: pool pl, its bitmap b, free list freep.
 * No port: PH_NIL with nothing changed (the caller's way then finds none
 * either). Out of line: inline, it cost every new mapping spilled
 * registers (measured: +17 instructions a new flow). */
static __attribute__((noinline)) ph_ref ph_take_repick(pinhole_ctx *ctx,
                                                       const ph_new_ahead *nh,
                                                       ph_pool *pl, uint64_t *b,
                                                       ph_ref *freep) {
  uint32_t lo = pl->port_lo, n = pl->nports;
  int drew = !ph_port_keep(b, 0, lo, n, nh->iport, 0);
  uint64_t rng = ph_rand_next(ctx->rng);
  uint32_t idx = !drew ? (uint32_t)nh->iport - lo
                       : ph_port_scan(b, 0, lo, n, 0, ph_rand_out(rng));
  if (idx == UINT32_MAX)
    return 0;
  ctx->map_fail_paddr = 0;
  if (drew)
    ctx->rng = rng;
  ph_pair_keep(ctx, pl, nh->iaddr, nh->ai);
  ph_bit_set(b, idx, 1);
  return ph_map_link_new(ctx, freep, nh->pool, nh->proto, nh->iaddr, nh->iport,
                         nh->ai, (uint16_t)(lo + idx), nh->ibucket, UINT32_MAX);
}

ph_ref pinhole__map_take_ahead(pinhole_ctx *ctx, const ph_new_ahead *nh) {
  /* pinhole__map_ahead's checks of the look-ahead's pick and
   * pinhole__map_get_ahead's of the pool, the endpoint and the table, in
   * one pass: each one that fails leaves it to them (nothing changed) */
  if (nh->pbucket == UINT32_MAX || nh->pool >= ctx->npools ||
      ctx->cfg.max_ports_per_host != 0)
    return 0;
  ph_pool *pl = &ctx->pools[nh->pool];
  if (pl->mode != PINHOLE_POOL_NAPT || pl->removed || nh->naddrs != pl->naddrs)
    return 0;
  uint32_t idx = (uint32_t)(nh->b.dport - pl->port_lo);
  uint64_t *b = ph_bits(ctx, pl, nh->ai, ph_class(nh->proto));
  ph_ref *freep = ph_map_free_list(ctx);
  if (freep == NULL || ph_map_find_inside(ctx, nh->ibucket, nh->pool, nh->proto,
                                          nh->iaddr, nh->iport) != 0)
    return 0;
  if (nh->frees != ctx->port_frees ||
      (nh->drew && ph_rand_next(ctx->rng) != nh->rng) || ph_bit_get(b, idx))
    return ph_take_repick(ctx, nh, pl, b, freep);
  /* the pick is the one a pick now gives (pinhole__map_ahead): its
   * random draw taken as the pick takes it */
  ctx->map_fail_paddr = 0;
  if (nh->drew)
    ctx->rng = nh->rng;
  ph_pair_keep(ctx, pl, nh->iaddr, nh->ai);
  ph_bit_set(b, idx, 1);
  return ph_map_link_new(ctx, freep, nh->pool, nh->proto, nh->iaddr, nh->iport,
                         nh->ai, nh->b.dport, nh->ibucket, nh->pbucket);
}

ph_ref pinhole__map_get(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                        uint32_t iaddr, uint16_t iport, uint16_t want,
                        unsigned flags, int *why) {
  ph_map_ahead a;
  ph_ahead_init(ctx, pool, proto, iaddr, iport, NULL, &a);
  return pinhole__map_get_ahead(ctx, &a, want, flags, why);
}

ph_ref pinhole__map_get_ahead(pinhole_ctx *ctx, const ph_map_ahead *a,
                              uint16_t want, unsigned flags, int *why) {
  uint32_t pool = a->pool, iaddr = a->iaddr;
  uint16_t iport = a->iport;
  uint8_t proto = a->proto;
  *why = PH_MAP_NO_PORT;
  ctx->map_fail_paddr = 0;
  if (pool < ctx->npools && ctx->pools[pool].mode != PINHOLE_POOL_NAPT)
    flags &= ~(unsigned)PH_MAP_PRIV; /* every port from the logged range */
  if (pool < ctx->npools && ctx->pools[pool].mode == PINHOLE_POOL_ADDRESS)
    flags &= ~(unsigned)PH_MAP_EVEN; /* the inside port, whatever it is */
  if (pool >= ctx->npools ||
      ((flags & PH_MAP_PRIV) && (proto != PINHOLE_IPPROTO_TCP || want != 0)))
    return 0;
  if (ctx->pools[pool].removed) {
    *why = PH_MAP_REMOVED; /* not even an existing mapping for a new flow */
    return 0;
  }
  ph_ref r = ph_map_find_inside(ctx, a->ibucket, pool, proto, iaddr, iport);
  if (r != 0) {
    const ph_mapping *m = ph_map_at(ctx, r);
    int priv = m->pport >= PH_PRIV_LO && m->pport <= PH_PRIV_HI;
    if ((want == 0 || m->pport == want) &&
        (!(flags & PH_MAP_EVEN) || (m->pport & 1) == 0) &&
        (!(flags & PH_MAP_PRIV) || priv)) {
      ph_map_at(ctx, r)->refs++;
      return r;
    }
    return 0; /* exists with another port: the caller cannot get a pair */
  }
  if (ph_map_free_list(ctx) == NULL) {
    *why = PH_MAP_TABLE;
    return 0;
  }
  if (ctx->cfg.max_ports_per_host != 0) {
    const ph_host *h = ph_host_find(ctx, iaddr);
    if (h != NULL && h->count >= ctx->cfg.max_ports_per_host) {
      *why = PH_MAP_HOST;
      return 0;
    }
  }
  ph_pool *pl = &ctx->pools[pool];
  if (pl->mode != PINHOLE_POOL_NAPT)
    return pinhole__cgn_map_get(ctx, pool, proto, iaddr, iport, want, flags,
                                why);
  uint32_t ai =
      a->ai != UINT32_MAX ? a->ai : pinhole__pool_addr_index(ctx, pl, iaddr);
  /* a NAPT pool's a->ai is pinhole__pool_addr_index's (map_ahead's, or
   * map_look's for the same pool size) */
  ph_pair_keep(ctx, pl, iaddr, ai);
  uint32_t lo, n;
  uint64_t *b = ph_range(ctx, pl, ai, proto, flags, &lo, &n);
  uint32_t idx;
  if (a->paddr != 0 && a->idx != UINT32_MAX && want == 0 && flags == a->flags &&
      ai == a->ai && !ph_bit_get(b, a->idx)) {
    /* pinhole__map_ahead's pick: the same the bitmap would give now; its
     * random draw taken as the pick would take it */
    idx = a->idx;
    if (a->rand)
      (void)ph_rand(ctx);
  } else {
    idx = pinhole__port_pick(ctx, b, 0, lo, n, iport, want, flags);
  }
  if (idx == UINT32_MAX) {
    ctx->map_fail_paddr = pl->addr_lo + ai;
    return 0;
  }
  uint16_t pport = (uint16_t)(lo + idx);
  /* the guess came true: its public bucket */
  uint32_t hp = a->paddr == pl->addr_lo + ai && a->pport == pport ? a->pbucket
                                                                  : UINT32_MAX;
  return ph_map_insert_at(ctx, pool, proto, iaddr, iport, ai, pport, a->ibucket,
                          hp);
}

/* The pair cache's slot of an inside address: Fibonacci hashing, not
 * keyed. Addresses that share a slot only miss (each pays the SipHash it
 * paid before the cache): nothing for a sender to aim at but the cost
 * without the cache. A pool's consecutive inside addresses spread over
 * distinct slots. */
static uint32_t ph_pair_slot_of(const pinhole_ctx *ctx, uint32_t iaddr) {
  (void)ctx;
  return (iaddr * 0x9E3779B1u) >> (32 - 12);
}
_Static_assert(PH_PAIR_SLOTS == 1u << 12, "ph_pair_slot_of's shift");

uint32_t pinhole__pool_addr_index(const pinhole_ctx *ctx, const ph_pool *pl,
                                  uint32_t iaddr) {
  /* paired pooling: an inside address always gets the same public one;
   * the cache answers for an address a mapping was made for lately (a
   * slot holds only what this function gave for its address and size) */
  const ph_pair_slot *s = &ctx->pair_cache[ph_pair_slot_of(ctx, iaddr)];
  if (s->addr == iaddr && s->naddrs == pl->naddrs)
    return s->ai;
  return (uint32_t)(((uint64_t)ph_pair_mix(ctx, iaddr) * pl->naddrs) >> 32);
}

/* Remembers paired pooling's index ai of iaddr in pool pl (what
 * pinhole__pool_addr_index gave: the new mapping's). */
static void ph_pair_keep(pinhole_ctx *ctx, const ph_pool *pl, uint32_t iaddr,
                         uint32_t ai) {
  ph_pair_slot *s = &ctx->pair_cache[ph_pair_slot_of(ctx, iaddr)];
  s->addr = iaddr;
  s->naddrs = pl->naddrs;
  s->ai = ai;
}

ph_ref pinhole__map_insert(pinhole_ctx *ctx, uint32_t pool, uint8_t proto,
                           uint32_t iaddr, uint16_t iport, uint32_t ai,
                           uint16_t pport) {
  return ph_map_insert_at(ctx, pool, proto, iaddr, iport, ai, pport,
                          ph_ibucket(ctx, proto, iaddr, iport), UINT32_MAX);
}

/* pinhole__map_insert; hi: the endpoint's inside bucket, hp: the public
 * one or UINT32_MAX. Inline in both callers (out of line it costs a new
 * mapping ~20 instructions of spills). */
static inline __attribute__((always_inline)) ph_ref
ph_map_insert_at(pinhole_ctx *ctx, uint32_t pool, uint8_t proto, uint32_t iaddr,
                 uint16_t iport, uint32_t ai, uint16_t pport, uint32_t hi,
                 uint32_t hp) {
  ph_ref *freep = ph_map_free_list(ctx);
  if (freep == NULL) /* pinhole__map_get checked; state import may not */
    return PH_NIL;
  ph_pool *pl = &ctx->pools[pool];
  if (pl->mode != PINHOLE_POOL_ADDRESS) { /* the address is all its own */
    uint32_t lo, n;
    unsigned fl = pport < pl->port_lo ? PH_MAP_PRIV : 0;
    uint64_t *b = ph_range(ctx, pl, ai, proto, fl, &lo, &n);
    ph_bit_set(b, (uint32_t)(pport - lo), 1);
  }
  return ph_map_link_new(ctx, freep, pool, proto, iaddr, iport, ai, pport, hi,
                         hp);
}

/* The rest of ph_map_insert_at once the port is marked: the record from
 * free list *freep filled, linked and counted, its event. */
static inline __attribute__((always_inline)) ph_ref
ph_map_link_new(pinhole_ctx *ctx, ph_ref *freep, uint32_t pool, uint8_t proto,
                uint32_t iaddr, uint16_t iport, uint32_t ai, uint16_t pport,
                uint32_t hi, uint32_t hp) {
  ph_pool *pl = &ctx->pools[pool];
  ph_ref r = *freep;
  ph_mapping *m = ph_map_at(ctx, r);
  *freep = m->inext;
  if (*freep != 0) /* the next new mapping's record, a call early */
    __builtin_prefetch(ph_map_at(ctx, *freep));
  m->iaddr = iaddr;
  m->iport = iport;
  m->paddr = pl->addr_lo + ai;
  m->pport = pport;
  m->proto = proto;
  m->pool = (uint8_t)pool;
  m->flags = 0;
  m->refs = 1;
  ph_map6 *m6 = ctx->map6_next != NULL ? ph_map6_of(ctx, r) : NULL;
  if (m6 != NULL) { /* NAT64 (nat64.c) */
    memcpy(m6->addr, ctx->map6_next, 16);
    m6->pfx = ctx->map6_pfx;
    m->flags = PH_MAPF_NAT64;
  }
  ph_hash_link(ctx, r, hi, hp);
  ctx->nmaps++;
  pl->used++;
  if (ctx->cfg.max_ports_per_host != 0)
    ph_host_inc(ctx, iaddr);
  ph_map_event(ctx, PINHOLE_EVENT_MAPPING_CREATED, m);
  return r;
}

void pinhole__map_ref(pinhole_ctx *ctx, ph_ref ref) {
  if (ref)
    ph_map_at(ctx, ref)->refs++;
}

static void ph_map_release(pinhole_ctx *ctx, ph_ref ref, ph_ref *plink);

void pinhole__map_put(pinhole_ctx *ctx, ph_ref ref) {
  if (ref != 0 && --ph_map_at(ctx, ref)->refs == 0)
    ph_map_release(ctx, ref, NULL);
}

void pinhole__map_put_public(pinhole_ctx *ctx, uint8_t proto, uint32_t paddr,
                             uint16_t pport) {
  ph_map_put_bucket(ctx, ph_map_bucket(ctx, ph_mix(ctx, proto, paddr, pport)),
                    proto, paddr, pport);
}

void pinhole__map_release_at(pinhole_ctx *ctx, ph_ref *plink) {
  ph_map_release(ctx, *plink, plink);
}

/* Mapping ref has no reference left: its port back to its pool, its
 * record to its free list (plink: ph_hash_unlink's). */
static void ph_map_release(pinhole_ctx *ctx, ph_ref ref, ph_ref *plink) {
  ph_mapping *m = ph_map_at(ctx, ref);
  ph_pool *pl = &ctx->pools[m->pool];
  if (pl->mode != PINHOLE_POOL_ADDRESS) {
    /* pools start at 1024 or above: a lower port is a privileged one */
    unsigned fl = m->pport < pl->port_lo ? PH_MAP_PRIV : 0;
    uint32_t lo, n;
    uint64_t *b =
        ph_range(ctx, pl, m->paddr - pl->addr_lo, m->proto, fl, &lo, &n);
    ph_bit_set(b, (uint32_t)(m->pport - lo), 0);
  }
  ctx->port_frees++;
  pl->used--;
  if (ctx->cfg.max_ports_per_host != 0)
    ph_host_dec(ctx, m->iaddr);
  ph_map_event(ctx, PINHOLE_EVENT_MAPPING_RELEASED, m);
  if (pl->mode == PINHOLE_POOL_PBA || pl->mode == PINHOLE_POOL_ADDRESS)
    pinhole__pba_put(ctx, m);
  ph_hash_unlink(ctx, ref, plink);
  ph_ref *freep = ph_slot(ref) < ctx->nmap6 ? &ctx->map_free : &ctx->map_free_x;
  m->inext = *freep;
  *freep = ref;
  ctx->nmaps--;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The NAPT mapping table (nat/pool.c): the new flow's look-ahead
 * (pinhole__map_ahead, its port-preservation guess, right and wrong),
 * chains that share a bucket (a mapping removed from the middle of one),
 * a full table, and new flows opened in bursts (whose look-ahead
 * prefetches the inside chain's head, guesses the mapping with
 * pinhole__map_look and prefetches side B's bucket) against the same
 * flows one per call.
 */
#include "helpers.h"

#include "core/ctx.h"
#include "core/engine.h"

#define POOL_A IP4(198, 19, 0, 4)
#define POOL_C IP4(198, 19, 0, 6)
#define UDP PINHOLE_IPPROTO_UDP

/* A context whose pool is 198.19.0.4-6 (ports 1024-65535) with room for
 * max_maps mappings. */
static tctx *map_ctx(uint32_t max_maps) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_mappings = max_maps;
  return t_ctx_pool(&cfg, POOL_A, POOL_C, 1024, 65535);
}

static ph_ref get(tctx *t, uint32_t iaddr, uint16_t iport, int *why) {
  return pinhole__map_get(t->ctx, (uint32_t)t->pool, UDP, iaddr, iport, 0, 0,
                          why);
}

static void test_map_ahead_guess(void **state) {
  (void)state;
  tctx *t = map_ctx(64);
  pinhole_ctx *ctx = t->ctx;
  for (uint32_t i = 0; i < 6; i++) {
    uint32_t ia = IP4(198, 18, 0, 10 + i);
    uint16_t ip = (uint16_t)(4000 + 7 * i);
    ph_map_ahead ah;
    pinhole__map_ahead(ctx, (uint32_t)t->pool, UDP, ia, ip, 0, NULL, &ah);
    assert_true(ah.paddr >= POOL_A && ah.paddr <= POOL_C);
    assert_int_equal(ah.pport, ip);
    assert_int_equal(ah.iaddr, ia);
    int why = -1;
    ph_ref r = pinhole__map_get_ahead(ctx, &ah, 0, 0, &why);
    assert_int_not_equal(r, PH_NIL);
    const ph_mapping *m = ph_map_at(ctx, r);
    /* the guess: the paired address, the inside port kept */
    assert_int_equal(m->paddr, ah.paddr);
    assert_int_equal(m->pport, ip);
    assert_int_equal(m->iaddr, ia);
    assert_int_equal(m->iport, ip);
    assert_int_equal(m->refs, 1);
    /* the same endpoint again, without the look-ahead: the same mapping */
    assert_int_equal(get(t, ia, ip, &why), r);
    assert_int_equal(m->refs, 2);
    assert_int_equal(pinhole__map_find_inside(ctx, UDP, ia, ip), r);
    assert_int_equal(pinhole__map_find_public(ctx, UDP, m->paddr, ip), r);
  }
  assert_int_equal(ctx->nmaps, 6);
  t_ctx_del(t);
}

/* Two inside hosts paired with the same public address and the same
 * inside port: the second one's port is the random search's, which the
 * look-ahead predicts with the next random value without taking it; a
 * twin context without the look-ahead picks the same ports. */
static void test_map_ahead_random_pick(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  tctx *t = t_ctx_cfg(&cfg); /* one public address: PUB */
  tctx *u = t_ctx_cfg(&cfg);
  pinhole_ctx *ctx = t->ctx;
  uint32_t h1 = IP4(198, 18, 0, 21), h2 = IP4(198, 18, 0, 37);
  int why = -1;
  ph_ref r1 = get(t, h1, 5353, &why);
  assert_int_not_equal(r1, PH_NIL);
  assert_int_equal(ph_map_at(ctx, r1)->pport, 5353);
  assert_int_equal(ph_map_at(u->ctx, get(u, h1, 5353, &why))->pport, 5353);
  for (uint32_t i = 0; i < 4; i++) {
    uint32_t h = h2 + 3 * i;
    uint64_t rng = ctx->rng;
    ph_map_ahead ah;
    pinhole__map_ahead(ctx, (uint32_t)t->pool, UDP, h, 5353, 0, NULL, &ah);
    assert_int_equal(ctx->rng, rng); /* peeked, not taken */
    assert_int_equal(ah.paddr, PUB);
    assert_int_not_equal(ah.pport, 5353);
    ph_ref r2 = pinhole__map_get_ahead(ctx, &ah, 0, 0, &why);
    assert_int_not_equal(r2, PH_NIL);
    assert_int_not_equal(ctx->rng, rng); /* taken once */
    const ph_mapping *m2 = ph_map_at(ctx, r2);
    assert_int_equal(m2->paddr, PUB);
    assert_int_equal(m2->pport, ah.pport);
    assert_true(m2->pport >= 1024);
    ph_ref ru = get(u, h, 5353, &why);
    assert_int_equal(ph_map_at(u->ctx, ru)->pport, m2->pport);
    assert_int_equal(u->ctx->rng, ctx->rng);
    assert_int_equal(pinhole__map_find_public(ctx, UDP, PUB, m2->pport), r2);
    assert_int_equal(pinhole__map_find_inside(ctx, UDP, h, 5353), r2);
  }
  assert_int_equal(pinhole__map_find_public(ctx, UDP, PUB, 5353), r1);
  /* the port taken between the look-ahead and the get: picked again, as
   * the twin picks it */
  ph_map_ahead ah;
  uint32_t h3 = IP4(198, 18, 0, 88);
  pinhole__map_ahead(ctx, (uint32_t)t->pool, UDP, h3, 5353, 0, NULL, &ah);
  ph_ref rx = pinhole__map_get(ctx, (uint32_t)t->pool, UDP, IP4(198, 18, 0, 89),
                               ah.pport, 0, 0, &why);
  assert_int_equal(ph_map_at(ctx, rx)->pport, ah.pport); /* preserved */
  ph_ref ry = get(u, IP4(198, 18, 0, 89), ah.pport, &why);
  assert_int_equal(ph_map_at(u->ctx, ry)->pport, ah.pport);
  ph_ref r3 = pinhole__map_get_ahead(ctx, &ah, 0, 0, &why);
  ph_ref r3u = get(u, h3, 5353, &why);
  assert_int_not_equal(ph_map_at(ctx, r3)->pport, ah.pport);
  assert_int_equal(ph_map_at(ctx, r3)->pport, ph_map_at(u->ctx, r3u)->pport);
  /* an exact port (want) that is taken: no mapping, nothing changed */
  ph_map_ahead ah3;
  pinhole__map_ahead(ctx, (uint32_t)t->pool, UDP, IP4(198, 18, 0, 99), 6000, 0,
                     NULL, &ah3);
  assert_int_equal(pinhole__map_get_ahead(ctx, &ah3, 5353, 0, &why), PH_NIL);
  assert_int_equal(why, PH_MAP_NO_PORT);
  assert_int_equal(ctx->nmaps, 7);
  t_ctx_del(t);
  t_ctx_del(u);
}

/* Endpoints of host 198.18.0.40+ whose inside chain bucket is the first
 * one's: n of them found among bounded candidates. */
static void same_bucket(tctx *t, uint32_t *ia, uint16_t *ip, unsigned n) {
  ph_map_ahead first, ah;
  unsigned k = 0;
  for (uint32_t c = 0; c < 65536 && k < n; c++) {
    uint32_t a = IP4(198, 18, 0, 40 + c % 64);
    uint16_t p = (uint16_t)(2000 + c / 64 * 3);
    pinhole__map_ahead(t->ctx, (uint32_t)t->pool, UDP, a, p, 0, NULL,
                       k == 0 ? &first : &ah);
    if (k == 0 || ah.ibucket == first.ibucket) {
      ia[k] = a;
      ip[k++] = p;
    }
  }
  assert_int_equal(k, n);
}

/* Paired pooling (RFC 4787 REQ-2) chooses an inside address's public one
 * with the public flow hash of {addr} under the context key, as a standby
 * must choose alike: the index is that hash scaled to the pool's size, the
 * same whichever path computes it (the get, the one per call look-ahead,
 * the burst's map_look), for addresses that spread over the whole pool. */
static void test_map_paired_public_hash(void **state) {
  (void)state;
  tctx *t = map_ctx(1024);
  pinhole_ctx *ctx = t->ctx;
  const ph_pool *pl = &ctx->pools[t->pool];
  assert_int_equal(pl->naddrs, 3);
  uint32_t seen[3] = {0, 0, 0};
  for (uint32_t i = 0; i < 600; i++) {
    uint32_t ia = IP4(10, 0, 0, 0) + i * 2654435761u;
    pinhole_flow_key k = {ia, 0, 0, 0, 0, {0, 0, 0}};
    uint32_t want = (uint32_t)(((uint64_t)(uint32_t)pinhole_flow_hash(
                                    &ctx->cfg.hash_key, &k) *
                                3) >>
                               32);
    assert_int_equal(pinhole__pool_addr_index(ctx, pl, ia), want);
    seen[want]++;
    uint16_t ip = (uint16_t)(2000 + i);
    uint64_t rng = ctx->rng;
    ph_new_ahead nh;
    memset(&nh, 0, sizeof(nh));
    uint32_t hi = pinhole__map_prefetch(ctx, UDP, ia, ip);
    assert_int_equal(
        pinhole__map_look(ctx, (uint32_t)t->pool, UDP, ia, ip, hi, &rng, &nh),
        1);
    assert_int_equal(nh.ai, want);
    assert_int_equal(nh.b.dst, POOL_A + want);
    ph_map_ahead ah;
    pinhole__map_ahead(ctx, (uint32_t)t->pool, UDP, ia, ip, 0, NULL, &ah);
    assert_int_equal(ah.paddr, POOL_A + want);
    int why = -1;
    ph_ref r = pinhole__map_get_ahead(ctx, &ah, 0, 0, &why);
    assert_int_not_equal(r, PH_NIL);
    assert_int_equal(ph_map_at(ctx, r)->paddr, POOL_A + want);
    assert_int_equal(ph_map_at(ctx, r)->pport, ip);
  }
  for (int a = 0; a < 3; a++)
    assert_true(seen[a] > 120);
  /* the mappings made, the pair cache answers for most of the addresses
   * (what it remembers is the index for the pool's size: another size
   * is hashed again) */
  ph_pool five = *pl;
  five.naddrs = 5;
  uint32_t cached = 0;
  for (uint32_t i = 0; i < 600; i++) {
    uint32_t ia = IP4(10, 0, 0, 0) + i * 2654435761u;
    pinhole_flow_key k = {ia, 0, 0, 0, 0, {0, 0, 0}};
    uint64_t h = (uint32_t)pinhole_flow_hash(&ctx->cfg.hash_key, &k);
    for (uint32_t s = 0; s < PH_PAIR_SLOTS; s++)
      cached += ctx->pair_cache[s].addr == ia && ctx->pair_cache[s].naddrs;
    assert_int_equal(pinhole__pool_addr_index(ctx, pl, ia), (h * 3) >> 32);
    assert_int_equal(pinhole__pool_addr_index(ctx, &five, ia), (h * 5) >> 32);
  }
  assert_true(cached > 450);
  t_ctx_del(t);
}

static void test_map_chain_middle(void **state) {
  (void)state;
  tctx *t = map_ctx(16);
  pinhole_ctx *ctx = t->ctx;
  uint32_t ia[3];
  uint16_t ip[3];
  same_bucket(t, ia, ip, 3);
  ph_ref r[3];
  int why;
  for (int i = 0; i < 3; i++) {
    r[i] = get(t, ia[i], ip[i], &why);
    assert_int_not_equal(r[i], PH_NIL);
  }
  /* one chain of three: the last made first, the first made last */
  ph_map_ahead ah;
  pinhole__map_ahead(ctx, (uint32_t)t->pool, UDP, ia[0], ip[0], 0, NULL, &ah);
  assert_int_equal(ctx->map_ihash[ah.ibucket], r[2]);
  assert_int_equal(ph_map_at(ctx, r[2])->inext, r[1]);
  assert_int_equal(ph_map_at(ctx, r[1])->inext, r[0]);
  assert_int_equal(ph_map_at(ctx, r[0])->inext, PH_NIL);
  /* the middle one goes: both others still found, both ways */
  uint32_t pa1 = ph_map_at(ctx, r[1])->paddr;
  uint16_t pp1 = ph_map_at(ctx, r[1])->pport;
  pinhole__map_put(ctx, r[1]);
  assert_int_equal(ctx->map_ihash[ah.ibucket], r[2]);
  assert_int_equal(ph_map_at(ctx, r[2])->inext, r[0]);
  assert_int_equal(pinhole__map_find_inside(ctx, UDP, ia[1], ip[1]), PH_NIL);
  assert_int_equal(pinhole__map_find_public(ctx, UDP, pa1, pp1), PH_NIL);
  for (int i = 0; i < 3; i += 2) {
    const ph_mapping *m = ph_map_at(ctx, r[i]);
    assert_int_equal(pinhole__map_find_inside(ctx, UDP, ia[i], ip[i]), r[i]);
    assert_int_equal(pinhole__map_find_public(ctx, UDP, m->paddr, m->pport),
                     r[i]);
    assert_int_equal(get(t, ia[i], ip[i], &why), r[i]); /* a hit, refs 2 */
    assert_int_equal(m->refs, 2);
  }
  /* the same endpoint over TCP is another mapping in another chain */
  ph_ref rt = pinhole__map_get(ctx, (uint32_t)t->pool, PINHOLE_IPPROTO_TCP,
                               ia[0], ip[0], 0, 0, &why);
  assert_int_not_equal(rt, PH_NIL);
  assert_int_not_equal(rt, r[0]);
  assert_int_equal(ctx->nmaps, 3);
  t_ctx_del(t);
}

static void test_map_full(void **state) {
  (void)state;
  tctx *t = map_ctx(8);
  pinhole_ctx *ctx = t->ctx;
  ph_ref r[8];
  int why = -1;
  for (uint32_t i = 0; i < 8; i++) {
    r[i] = get(t, IP4(198, 18, 0, 50 + i % 3), (uint16_t)(3000 + 11 * i), &why);
    assert_int_not_equal(r[i], PH_NIL);
  }
  assert_int_equal(ctx->nmaps, 8);
  /* full: a new endpoint is refused, an existing one still found */
  ph_map_ahead ah;
  pinhole__map_ahead(ctx, (uint32_t)t->pool, UDP, IP4(198, 18, 0, 77), 9999, 0,
                     NULL, &ah);
  assert_int_equal(pinhole__map_get_ahead(ctx, &ah, 0, 0, &why), PH_NIL);
  assert_int_equal(why, PH_MAP_TABLE);
  assert_int_equal(get(t, IP4(198, 18, 0, 51), 3011, &why), r[1]);
  pinhole__map_put(ctx, r[1]); /* refs 2 -> 1: still there */
  assert_int_equal(get(t, IP4(198, 18, 0, 77), 9999, &why), PH_NIL);
  pinhole__map_put(ctx, r[4]); /* the slot comes back */
  ph_ref n = pinhole__map_get_ahead(ctx, &ah, 0, 0, &why);
  assert_int_equal(n, r[4]);
  assert_int_equal(ph_map_at(ctx, n)->iaddr, IP4(198, 18, 0, 77));
  assert_int_equal(ph_map_at(ctx, n)->pport, 9999);
  assert_int_equal(
      pinhole__map_find_inside(ctx, UDP, IP4(198, 18, 0, 51), 3044), PH_NIL);
  t_ctx_del(t);
}

/* The chain heads are as many as the mappings (ctx.c, pool.c
 * ph_map_bucket), not a power of two above: 1000 mappings over 1000 heads
 * of each chain; walking the 1000 heads of each finds every mapping once,
 * each is found again by its inside and its public endpoint, and the
 * chains spread as a random function's (about 632 of 1000 heads in use;
 * fewer than 500 would be a bucket function that ignores most of its
 * hash). */
static void test_map_heads_by_count(void **state) {
  (void)state;
  const uint32_t n = 1000;
  tctx *t = map_ctx(n);
  pinhole_ctx *ctx = t->ctx;
  assert_int_equal(ctx->map_nb, n);
  static ph_ref r[1000];
  int why;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t ia = IP4(198, 18, (i >> 8) & 255, i & 255);
    ph_map_ahead ah;
    pinhole__map_ahead(ctx, (uint32_t)t->pool, UDP, ia, 2000, 0, NULL, &ah);
    assert_true(ah.ibucket < n);
    r[i] = get(t, ia, 2000, &why);
    assert_int_not_equal(r[i], PH_NIL);
  }
  assert_int_equal(ctx->nmaps, n);
  for (uint32_t i = 0; i < n; i++) {
    const ph_mapping *m = ph_map_at(ctx, r[i]);
    assert_int_equal(pinhole__map_find_inside(ctx, UDP, m->iaddr, 2000), r[i]);
    assert_int_equal(pinhole__map_find_public(ctx, UDP, m->paddr, m->pport),
                     r[i]);
  }
  uint32_t ni = 0, np = 0, ci = 0, cp = 0;
  for (uint32_t b = 0; b < n; b++) {
    ni += ctx->map_ihash[b] != PH_NIL;
    np += ctx->map_phash[b] != PH_NIL;
    for (ph_ref x = ctx->map_ihash[b]; x; x = ph_map_at(ctx, x)->inext)
      ci++;
    for (ph_ref x = ctx->map_phash[b]; x; x = ph_map_at(ctx, x)->pnext)
      cp++;
  }
  assert_int_equal(ci, n);
  assert_int_equal(cp, n);
  assert_true(ni > 500 && np > 500);
  t_ctx_del(t);
}

/* n new UDP flows: host 60 + i % 5, port 1500 + i / 5 % 7, to port
 * 4000 + i / 35: 35 inside endpoints (of 70 flows when n is 70) sharing
 * ports across hosts, so only the first of a port keeps it. */
static void new_flows(tpkt *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    t_udp(&p[i], IP4(198, 18, 0, 60 + (uint32_t)(i % 5)),
          (uint16_t)(1500 + i / 5 % 7), IP4(198, 19, 0, 90),
          (uint16_t)(4000 + i / 35), "q");
}

static void test_map_burst_as_single(void **state) {
  (void)state;
  enum { N = 70 };
  pinhole_config cfg;
  t_cfg(&cfg);
  tctx *a = t_ctx_cfg(&cfg), *b = t_ctx_cfg(&cfg);
  static tpkt pa[N], pb[N];
  new_flows(pa, N);
  new_flows(pb, N);
  /* one flow twice in the burst: the second finds the first's mapping */
  t_udp(&pa[N - 1], IP4(198, 18, 0, 60), 1500, IP4(198, 19, 0, 91), 4000, "r");
  t_udp(&pb[N - 1], IP4(198, 18, 0, 60), 1500, IP4(198, 19, 0, 91), 4000, "r");
  pinhole_pkt burst[N];
  uint8_t vd[N];
  for (size_t i = 0; i < N; i++)
    burst[i] = pa[i].p;
  assert_int_equal(
      pinhole_process_burst(a->ctx, burst, N, PINHOLE_SIDE_INSIDE, SEC, vd), N);
  for (size_t i = 0; i < N; i++) {
    assert_int_equal(t_in(b, &pb[i], SEC), vd[i]);
    assert_int_equal(vd[i], PINHOLE_VERDICT_FORWARD);
    assert_int_equal(burst[i].len, pb[i].p.len);
    assert_memory_equal(pa[i].b, pb[i].b, pb[i].p.len);
    assert_int_equal(t_get32(pa[i].b + 12), PUB);
  }
  /* ports preserved while free: host 60's first, not host 61's same port */
  assert_int_equal(t_get16(pa[0].b + 20), 1500);
  assert_int_not_equal(t_get16(pa[1].b + 20), 1500); /* host 61, port 1500 */
  assert_int_equal(t_get16(pa[35].b + 20), 1500);    /* host 60 again */
  assert_int_equal(t_get16(pa[N - 1].b + 20), 1500);
  assert_int_equal(a->ctx->nmaps, 35);
  assert_int_equal(b->ctx->nmaps, 35);
  /* the look-ahead's guesses (right and wrong) left the random sequence,
   * the events (210: mapping, rule accept, flow created) and every
   * counter as one per call left them */
  assert_int_equal(a->ctx->rng, b->ctx->rng);
  assert_int_equal(a->nevents, 35 + 2 * N);
  assert_int_equal(a->nevents, b->nevents);
  for (int i = 0; i < a->nevents; i++)
    assert_string_equal(a->events[i], b->events[i]);
  uint64_t ca[256], cb[256];
  int nc = pinhole_stats(a->ctx, ca, 256);
  assert_true(nc > PINHOLE_CNT_NEW_ACCEPT && nc <= 256);
  assert_int_equal(pinhole_stats(b->ctx, cb, 256), nc);
  assert_memory_equal(ca, cb, (size_t)nc * sizeof(ca[0]));
  assert_int_equal(ca[PINHOLE_CNT_NEW_ACCEPT], N);
  /* side B's key (its hash passed down from the guess): every answer to
   * a public endpoint reaches its inside host, as in the twin */
  for (size_t i = 0; i < N; i++) {
    tpkt ra, rb;
    t_udp(&ra, t_get32(pa[i].b + 16), t_get16(pa[i].b + 22), PUB,
          t_get16(pa[i].b + 20), "a");
    t_udp(&rb, t_get32(pb[i].b + 16), t_get16(pb[i].b + 22), PUB,
          t_get16(pb[i].b + 20), "a");
    assert_int_equal(t_out(a, &ra, SEC), PINHOLE_VERDICT_FORWARD);
    assert_int_equal(t_out(b, &rb, SEC), PINHOLE_VERDICT_FORWARD);
    assert_memory_equal(ra.b, rb.b, rb.p.len);
    uint32_t host = i == N - 1 ? 60 : 60 + (uint32_t)(i % 5);
    assert_int_equal(t_get32(ra.b + 16), IP4(198, 18, 0, host));
  }
  assert_int_equal(t_cnt(a, PINHOLE_CNT_NEW_ACCEPT), N);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* The burst look-ahead's own step (pinhole__map_look): an endpoint with
 * a mapping gives that mapping's public endpoint and draws nothing; a
 * new one whose port is free keeps it; one whose port is taken draws
 * the next random value from the burst's copy of the sequence (the
 * context's untouched) and guesses the port the get then picks; the
 * guess's address index is taken by pinhole__map_ahead only for the
 * same pool, address and pool size. */
static void test_map_look(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  tctx *t = t_ctx_cfg(&cfg); /* one public address: PUB */
  pinhole_ctx *ctx = t->ctx;
  uint32_t pool = (uint32_t)t->pool;
  uint32_t h1 = IP4(198, 18, 0, 21), h2 = IP4(198, 18, 0, 37);
  int why = -1;
  ph_ref r1 = get(t, h1, 5353, &why);
  assert_int_equal(ph_map_at(ctx, r1)->pport, 5353);
  uint64_t rng0 = ctx->rng, rng = rng0;
  ph_new_ahead nh;
  memset(&nh, 0, sizeof(nh));
  assert_int_equal(pinhole__map_look(ctx, pool, UDP, h1, 5353,
                                     pinhole__map_prefetch(ctx, UDP, h1, 5353),
                                     &rng, &nh),
                   1);
  assert_int_equal(nh.b.dst, PUB);
  assert_int_equal(nh.b.dport, 5353);
  assert_int_equal(nh.pbucket, UINT32_MAX); /* no guess */
  assert_int_equal(rng, rng0);
  assert_int_equal(pinhole__map_look(ctx, pool, UDP, h2, 6000,
                                     pinhole__map_prefetch(ctx, UDP, h2, 6000),
                                     &rng, &nh),
                   1);
  assert_int_equal(nh.b.dport, 6000); /* free: kept */
  assert_int_equal(rng, rng0);
  assert_int_equal(pinhole__map_look(ctx, pool, UDP, h2, 5353,
                                     pinhole__map_prefetch(ctx, UDP, h2, 5353),
                                     &rng, &nh),
                   1);
  assert_int_not_equal(rng, rng0); /* drawn once, from the copy */
  assert_int_equal(ctx->rng, rng0);
  uint16_t guess = nh.b.dport;
  assert_int_not_equal(guess, 5353);
  assert_true(guess >= 1024);
  nh.ok = 1;
  ph_map_ahead ah;
  pinhole__map_ahead(ctx, pool, UDP, h2, 5353, 0, &nh, &ah);
  assert_int_equal(ah.ai, nh.ai);
  assert_int_equal(ah.pport, guess);
  assert_int_equal(ah.pbucket, nh.pbucket);
  ph_ref r2 = pinhole__map_get_ahead(ctx, &ah, 0, 0, &why);
  assert_int_equal(ph_map_at(ctx, r2)->pport, guess);
  assert_int_equal(ctx->rng, rng); /* the get drew what the look drew */
  /* another pool size: the index is computed again, not taken */
  nh.naddrs++;
  nh.ai = 7;
  pinhole__map_ahead(ctx, pool, UDP, h2, 7000, 0, &nh, &ah);
  assert_int_equal(ah.ai, 0);
  assert_int_equal(ah.paddr, PUB);
  /* not a NAPT pool index: no look */
  assert_int_equal(pinhole__map_look(ctx, 9, UDP, h2, 5353,
                                     pinhole__map_prefetch(ctx, UDP, h2, 5353),
                                     &rng, &nh),
                   0);
  t_ctx_del(t);
}

/* The burst look-ahead's work for endpoint (ia, ip) in t's pool, as
 * ph_hint_new leaves it (ok), drawing from *rng. */
static void look(tctx *t, uint32_t ia, uint16_t ip, uint64_t *rng,
                 ph_new_ahead *nh) {
  memset(nh, 0, sizeof(*nh));
  assert_int_equal(pinhole__map_look(t->ctx, (uint32_t)t->pool, UDP, ia, ip,
                                     pinhole__map_prefetch(t->ctx, UDP, ia, ip),
                                     rng, nh),
                   1);
  nh->ok = 1;
}

/* pinhole__map_take_ahead(t's context, nh) for endpoint (ia, ip), checked
 * against twin u's pinhole__map_get of the same endpoint: a mapping of
 * the same public endpoint, one reference, the same random state and
 * count after, filed in both of t's chains, its port's bit set. Its
 * port. */
static uint16_t take_like_twin(tctx *t, tctx *u, const ph_new_ahead *nh,
                               uint32_t ia, uint16_t ip) {
  pinhole_ctx *ctx = t->ctx;
  int why = -1;
  ph_ref r = pinhole__map_take_ahead(ctx, nh);
  ph_ref ru = get(u, ia, ip, &why);
  assert_int_not_equal(r, PH_NIL);
  assert_int_not_equal(ru, PH_NIL);
  const ph_mapping *m = ph_map_at(ctx, r), *mu = ph_map_at(u->ctx, ru);
  assert_int_equal(m->paddr, mu->paddr);
  assert_int_equal(m->pport, mu->pport);
  assert_int_equal(m->iaddr, ia);
  assert_int_equal(m->iport, ip);
  assert_int_equal(m->refs, 1);
  assert_int_equal(ctx->rng, u->ctx->rng);
  assert_int_equal(ctx->nmaps, u->ctx->nmaps);
  assert_int_equal(pinhole__map_find_inside(ctx, UDP, ia, ip), r);
  assert_int_equal(pinhole__map_find_public(ctx, UDP, m->paddr, m->pport), r);
  uint64_t *bits = pinhole__pool_bits(ctx, &ctx->pools[t->pool], 0, UDP);
  uint32_t i = (uint32_t)m->pport - ctx->pools[t->pool].port_lo;
  assert_true(bits[i >> 6] >> (i & 63) & 1);
  return m->pport;
}

/* pinhole__map_take_ahead refuses (PH_NIL, nothing changed: no mapping,
 * no draw, no port) whenever the look-ahead's work cannot stand for the
 * get's: the endpoint had a mapping when it looked, or has one since (on
 * another port), the pool's size differs, the pool was removed, a
 * per-host limit is set. Otherwise it makes the mapping pinhole__map_get
 * makes: the look-ahead's pick when it is still the one a pick now gives,
 * and the pick made now when it is not (its port taken since, a port
 * given back since, the random state moved): the same port and the same
 * draw as a twin context that takes every mapping by pinhole__map_get,
 * filed in both chains. */
static void test_map_take_ahead(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  tctx *t = t_ctx_cfg(&cfg); /* one public address: PUB */
  tctx *u = t_ctx_cfg(&cfg); /* the twin */
  pinhole_ctx *ctx = t->ctx;
  uint32_t h1 = IP4(198, 18, 0, 21), h2 = IP4(198, 18, 0, 37);
  uint32_t h3 = IP4(198, 18, 0, 38), h4 = IP4(198, 18, 0, 39);
  int why = -1;
  ph_ref r1 = get(t, h1, 5353, &why);
  ph_ref u1 = get(u, h1, 5353, &why);
  ph_new_ahead nh;
  uint64_t rng = ctx->rng;
#define REFUSED(nhp)                                                           \
  do {                                                                         \
    uint64_t rng0_ = ctx->rng;                                                 \
    uint32_t n0_ = ctx->nmaps;                                                 \
    assert_int_equal(pinhole__map_take_ahead(ctx, nhp), PH_NIL);               \
    assert_int_equal(ctx->rng, rng0_);                                         \
    assert_int_equal(ctx->nmaps, n0_);                                         \
  } while (0)
/* taken: the twin's mapping of the same endpoint (port, draw, count),
 * filed in both chains, its port marked; the port */
#define TAKEN(nhp, ia, ip) take_like_twin(t, u, nhp, ia, ip)
  /* the endpoint's own mapping: no pick to take */
  look(t, h1, 5353, &rng, &nh);
  REFUSED(&nh);
  /* a pick that drew (5353 is taken): made as the get makes it */
  rng = ctx->rng;
  look(t, h2, 5353, &rng, &nh);
  uint16_t guess = nh.b.dport;
  assert_int_equal(TAKEN(&nh, h2, 5353), guess);
  assert_int_equal(ctx->rng, rng); /* the look's draw, taken */
  assert_int_equal(ctx->nmaps, 2);
  /* taken twice: the mapping exists now */
  REFUSED(&nh);
  /* a port kept (6000 free), then the endpoint mapped since on 7000 */
  rng = ctx->rng;
  look(t, h3, 6000, &rng, &nh);
  assert_int_equal(nh.b.dport, 6000);
  ph_ref r3 =
      pinhole__map_get(ctx, (uint32_t)t->pool, UDP, h3, 6000, 7000, 0, &why);
  assert_int_equal(ph_map_at(ctx, r3)->pport, 7000);
  assert_int_not_equal(
      pinhole__map_get(u->ctx, (uint32_t)u->pool, UDP, h3, 6000, 7000, 0, &why),
      PH_NIL);
  REFUSED(&nh);
  /* a kept port taken since by another endpoint: the pick now draws */
  rng = ctx->rng;
  look(t, h4, 6100, &rng, &nh);
  assert_int_equal(nh.b.dport, 6100);
  assert_int_equal(nh.drew, 0);
  assert_int_not_equal(
      pinhole__map_get(ctx, (uint32_t)t->pool, UDP, h1, 6101, 6100, 0, &why),
      PH_NIL);
  assert_int_not_equal(
      pinhole__map_get(u->ctx, (uint32_t)u->pool, UDP, h1, 6101, 6100, 0, &why),
      PH_NIL);
  uint64_t rng0 = ctx->rng;
  uint16_t p4 = TAKEN(&nh, h4, 6100);
  assert_int_not_equal(p4, 6100);
  assert_int_not_equal(ctx->rng, rng0); /* drawn once, as the twin */
  /* a drawn port taken since by another endpoint: the scan goes on */
  uint32_t h5 = IP4(198, 18, 0, 40);
  rng = ctx->rng;
  look(t, h5, 5353, &rng, &nh);
  assert_int_equal(nh.drew, 1);
  uint16_t g5 = nh.b.dport;
  assert_int_not_equal(
      pinhole__map_get(ctx, (uint32_t)t->pool, UDP, h1, 6102, g5, 0, &why),
      PH_NIL);
  assert_int_not_equal(
      pinhole__map_get(u->ctx, (uint32_t)u->pool, UDP, h1, 6102, g5, 0, &why),
      PH_NIL);
  assert_int_not_equal(TAKEN(&nh, h5, 5353), g5);
  /* a port given back since: the pick now may take it */
  uint32_t h6 = IP4(198, 18, 0, 41);
  look(t, h6, 6200, &rng, &nh);
  pinhole__map_put(ctx, r1);
  pinhole__map_put(u->ctx, u1);
  TAKEN(&nh, h6, 6200);
  /* the random state moved since (the pick drew) */
  uint32_t h7 = IP4(198, 18, 0, 42);
  rng = ctx->rng;
  look(t, h7, 7000, &rng, &nh);
  assert_int_not_equal(nh.b.dport, 7000);
  ctx->rng ^= 1;
  u->ctx->rng ^= 1;
  TAKEN(&nh, h7, 7000);
  /* another pool size, a per-host limit, a removed pool */
  uint32_t h8 = IP4(198, 18, 0, 43);
  look(t, h8, 6300, &rng, &nh);
  nh.naddrs++;
  REFUSED(&nh);
  nh.naddrs--;
  ctx->cfg.max_ports_per_host = 1000;
  REFUSED(&nh);
  ctx->cfg.max_ports_per_host = 0;
  ctx->pools[t->pool].removed = 1;
  REFUSED(&nh);
  ctx->pools[t->pool].removed = 0;
  /* and with nothing changed, taken */
  assert_int_equal(TAKEN(&nh, h8, 6300), 6300);
  assert_int_equal(ctx->nmaps, u->ctx->nmaps);
#undef TAKEN
#undef REFUSED
  t_ctx_del(t);
  t_ctx_del(u);
}

/* A pool of two ports (1024-1025): the look-ahead's kept port taken since
 * and no other free, so the pick now finds none: PH_NIL, nothing
 * changed (no draw, no mapping, no port), as the get that follows
 * refuses it. */
static void test_map_take_ahead_none_left(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  tctx *t = t_ctx_pool(&cfg, PUB, PUB, 1024, 1025);
  pinhole_ctx *ctx = t->ctx;
  int why = -1;
  assert_int_not_equal(get(t, IP4(198, 18, 0, 21), 1024, &why), PH_NIL);
  ph_new_ahead nh;
  uint64_t rng = ctx->rng;
  look(t, IP4(198, 18, 0, 22), 1025, &rng, &nh);
  assert_int_equal(nh.b.dport, 1025);
  assert_int_not_equal(pinhole__map_get(ctx, (uint32_t)t->pool, UDP,
                                        IP4(198, 18, 0, 23), 999, 1025, 0,
                                        &why),
                       PH_NIL);
  uint64_t rng0 = ctx->rng;
  uint32_t n0 = ctx->nmaps;
  uint64_t w0 = pinhole__pool_bits(ctx, &ctx->pools[t->pool], 0, UDP)[0];
  assert_int_equal(pinhole__map_take_ahead(ctx, &nh), PH_NIL);
  assert_int_equal(ctx->rng, rng0);
  assert_int_equal(ctx->nmaps, n0);
  assert_int_equal(pinhole__pool_bits(ctx, &ctx->pools[t->pool], 0, UDP)[0],
                   w0);
  assert_int_equal(
      pinhole__map_find_inside(ctx, UDP, IP4(198, 18, 0, 22), 1025), PH_NIL);
  assert_int_equal(get(t, IP4(198, 18, 0, 22), 1025, &why), PH_NIL);
  assert_int_equal(why, PH_MAP_NO_PORT);
  t_ctx_del(t);
}

/* An event callback that deletes the source NAT rule at the burst's
 * first event: the packets after it find no rule, whatever the
 * look-ahead matched before the burst ran. */
static void del_rule_on_event(pinhole_ctx *ctx, const pinhole_event *ev,
                              void *user) {
  tctx *t = user;
  if (t->nevents == 0)
    assert_int_equal(pinhole_rule_del(ctx, (int)ctx->nrules - 1, 0), 0);
  t_on_event(ctx, ev, user);
}

static void test_map_burst_rule_deleted(void **state) {
  (void)state;
  enum { N = 3 };
  pinhole_config cfg;
  t_cfg(&cfg);
  tctx *a = t_ctx_cfg(&cfg), *b = t_ctx_cfg(&cfg);
  a->ctx->cb.event = del_rule_on_event;
  b->ctx->cb.event = del_rule_on_event;
  static tpkt pa[N], pb[N];
  new_flows(pa, N);
  new_flows(pb, N);
  pinhole_pkt burst[N];
  uint8_t vd[N];
  for (size_t i = 0; i < N; i++)
    burst[i] = pa[i].p;
  assert_int_equal(
      pinhole_process_burst(a->ctx, burst, N, PINHOLE_SIDE_INSIDE, SEC, vd), N);
  assert_int_equal(vd[0], PINHOLE_VERDICT_FORWARD);
  for (size_t i = 0; i < N; i++)
    assert_int_equal(t_in(b, &pb[i], SEC), vd[i]);
  for (size_t i = 1; i < N; i++)
    assert_int_equal(vd[i], PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(a, PINHOLE_CNT_NEW_ACCEPT), 1);
  assert_int_equal(t_cnt(a, PINHOLE_CNT_DROP_NO_RULE), N - 1);
  assert_int_equal(t_cnt(b, PINHOLE_CNT_DROP_NO_RULE), N - 1);
  assert_int_equal(a->ctx->nmaps, 1);
  assert_int_equal(a->nevents, b->nevents);
  for (int i = 0; i < a->nevents; i++)
    assert_string_equal(a->events[i], b->events[i]);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* The mapping an event callback gives back at the burst's first event
 * (the test's own state, one entry per context). */
static struct {
  pinhole_ctx *ctx;
  ph_ref r;
} put_at_first[2];

static void put_on_first_event(pinhole_ctx *ctx, const pinhole_event *ev,
                               void *user) {
  for (int i = 0; i < 2; i++)
    if (put_at_first[i].ctx == ctx && put_at_first[i].r != PH_NIL) {
      pinhole__map_put(ctx, put_at_first[i].r);
      put_at_first[i].r = PH_NIL;
    }
  t_on_event(ctx, ev, user);
}

/* A burst of two new UDP flows in a pool of 8 ports (1024-1031), ports
 * 1024-1031 but 1028 held by host 200's mappings, one per port. Packet
 * 0 is host 200's (its mapping for 1025 exists: no port taken); at its
 * first event the callback gives a mapping back: case 0, the one on
 * 1024, so that packet 1 (a new endpoint, its port 5000 out of the range:
 * a random search) may now find 1024 before 1028, which alone was free
 * when the look-ahead picked; case 1, packet 1's own endpoint's mapping
 * (on 1026), which the look-ahead found. Seeds 1-8, each against a twin
 * one per call: the same ports, random state, events and counters. */
static void test_map_burst_port_freed(void **state) {
  (void)state;
  int picked_1024 = 0;
  for (int c = 0; c < 2; c++)
    for (uint64_t seed = 1; seed <= 8; seed++) {
      pinhole_config cfg;
      t_cfg(&cfg);
      cfg.seed = seed;
      tctx *t[2];
      static tpkt p[2][2];
      uint32_t h200 = IP4(198, 18, 0, 200), h201 = IP4(198, 18, 0, 201);
      uint16_t p1 = c == 0 ? 5000 : 2026;
      for (int k = 0; k < 2; k++) {
        t[k] = t_ctx_pool(&cfg, PUB, PUB, 1024, 1031);
        t[k]->ctx->cb.event = put_on_first_event;
        int why;
        ph_ref give_back = PH_NIL;
        for (uint16_t port = 1024; port <= 1031; port++) {
          if (port == 1028)
            continue;
          ph_ref r = pinhole__map_get(t[k]->ctx, (uint32_t)t[k]->pool, UDP,
                                      h200, port, 0, 0, &why);
          assert_int_equal(ph_map_at(t[k]->ctx, r)->pport, port);
          if (c == 0 && port == 1024)
            give_back = r;
        }
        if (c == 1) { /* packet 1's endpoint: its mapping on 1026 */
          pinhole__map_put(
              t[k]->ctx, pinhole__map_find_inside(t[k]->ctx, UDP, h200, 1026));
          give_back = pinhole__map_get(t[k]->ctx, (uint32_t)t[k]->pool, UDP,
                                       h201, p1, 1026, 0, &why);
          assert_int_equal(ph_map_at(t[k]->ctx, give_back)->pport, 1026);
        }
        put_at_first[k].ctx = t[k]->ctx;
        put_at_first[k].r = give_back;
        t_udp(&p[k][0], h200, 1025, IP4(198, 19, 0, 90), 4000, "q");
        t_udp(&p[k][1], h201, p1, IP4(198, 19, 0, 91), 4001, "q");
      }
      pinhole_pkt burst[2] = {p[0][0].p, p[0][1].p};
      uint8_t vd[2];
      assert_int_equal(pinhole_process_burst(t[0]->ctx, burst, 2,
                                             PINHOLE_SIDE_INSIDE, SEC, vd),
                       2);
      for (int i = 0; i < 2; i++) {
        assert_int_equal(t_in(t[1], &p[1][i], SEC), vd[i]);
        assert_int_equal(vd[i], PINHOLE_VERDICT_FORWARD);
        assert_memory_equal(p[0][i].b, p[1][i].b, p[1][i].p.len);
      }
      assert_int_equal(t_get16(p[0][0].b + 20), 1025);
      uint16_t got = t_get16(p[0][1].b + 20);
      if (c == 0) {
        assert_true(got == 1024 || got == 1028);
        picked_1024 += got == 1024;
      } else {
        assert_true(got != 1025 && got >= 1024 && got <= 1031);
      }
      assert_int_equal(t[0]->ctx->rng, t[1]->ctx->rng);
      assert_int_equal(t[0]->ctx->nmaps, t[1]->ctx->nmaps);
      assert_int_equal(t[0]->nevents, t[1]->nevents);
      for (int i = 0; i < t[0]->nevents; i++)
        assert_string_equal(t[0]->events[i], t[1]->events[i]);
      uint64_t ca[256], cb[256];
      int nc = pinhole_stats(t[0]->ctx, ca, 256);
      assert_int_equal(pinhole_stats(t[1]->ctx, cb, 256), nc);
      assert_memory_equal(ca, cb, (size_t)nc * sizeof(ca[0]));
      for (int k = 0; k < 2; k++) {
        put_at_first[k].ctx = NULL;
        t_ctx_del(t[k]);
      }
    }
  /* the case the look-ahead cannot have seen happened (and came out as
   * the twin's): 1024, given back after it picked 1028 */
  assert_true(picked_1024 > 0);
}

/* A new UDP connection's first datagram (no ALG, a plain header) is
 * translated as ph_udp_established() translates the next ones: the
 * public endpoint written, both checksums as a full computation gives
 * them (a zero UDP checksum stays zero: RFC 768, none sent), the frame
 * and its bytes counted once; with IP options it takes the view's way,
 * to the same bytes. */
static void test_map_first_datagram(void **state) {
  (void)state;
  for (int k = 0; k < 3; k++) {
    tctx *t = t_ctx();
    tpkt p, q;
    t_udp(&p, IP4(198, 18, 0, 60), 1500, IP4(198, 19, 0, 90), 4000, "first");
    if (k == 1) /* no checksum */
      t_put16(p.b + 26, 0);
    if (k == 2) { /* a 4-byte option (NOP x 4), allowed: ihl 24 */
      t->ctx->cfg.flags &= ~(uint32_t)PINHOLE_CFG_DROP_IP_OPTIONS;
      memmove(p.b + 24, p.b + 20, 13);
      memset(p.b + 20, 1, 4);
      p.b[0] = 0x46;
      t_put16(p.b + 2, 37);
      p.p.len = 37;
      t_fix(&p);
    }
    uint32_t hl = k == 2 ? 24 : 20;
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    assert_int_equal(t_get32(p.b + 12), PUB);
    assert_int_equal(t_get16(p.b + hl), 1500); /* kept */
    q = p;
    q.p.data = q.b;
    if (k == 1) {
      assert_int_equal(t_get16(p.b + 26), 0);
      t_put16(q.b + 10, 0);
      t_put16(q.b + 10, pinhole_cksum(q.b, 20));
    } else {
      t_fix(&q); /* both checksums computed over the translated bytes */
    }
    assert_memory_equal(p.b, q.b, p.p.len);
    pinhole_ctx *ctx = t->ctx;
    assert_int_equal(ctx->nconns, 1);
    uint32_t live = 0;
    while (live + 1 < ctx->cfg.max_flows &&
           !(ctx->conns[live].flags & PH_CONN_LIVE))
      live++;
    const ph_conn *c = &ctx->conns[live];
    assert_true(c->flags & PH_CONN_LIVE);
    assert_int_equal(c->frames[0], 1);
    assert_int_equal(c->frames[1], 0);
    assert_int_equal(c->bytes[0], hl + 13);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_NEW_ACCEPT), 1);
    t_ctx_del(t);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_map_ahead_guess),
      cmocka_unit_test(test_map_ahead_random_pick),
      cmocka_unit_test(test_map_paired_public_hash),
      cmocka_unit_test(test_map_chain_middle),
      cmocka_unit_test(test_map_full),
      cmocka_unit_test(test_map_heads_by_count),
      cmocka_unit_test(test_map_burst_as_single),
      cmocka_unit_test(test_map_look),
      cmocka_unit_test(test_map_take_ahead),
      cmocka_unit_test(test_map_take_ahead_none_left),
      cmocka_unit_test(test_map_burst_rule_deleted),
      cmocka_unit_test(test_map_burst_port_freed),
      cmocka_unit_test(test_map_first_datagram),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

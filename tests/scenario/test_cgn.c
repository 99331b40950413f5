/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Scenario tests of the carrier-grade pools through the context:
 * deterministic NAT (RFC 7422) both ways, port block allocation
 * (allocation, quota, pool exhaustion, hold and release, RTP parity,
 * interim records) and address-only pools (binding, exhaustion, release,
 * interim records, FTP and SIP rewrites through them).
 */
#include "helpers.h"

#include "core/engine.h"

/* ---- deterministic ---------------------------------------------------- */

/* 198.18.0.0/25 (128 subscribers) on 198.19.0.3-198.19.0.4, ports
 * 1024..2047: 64 subscribers per address, 16 ports each. */
static void det_pool(pinhole_pool *p) {
  memset(p, 0, sizeof(*p));
  p->size = sizeof(*p);
  p->addr_lo = IP4(198, 19, 0, 3);
  p->addr_hi = IP4(198, 19, 0, 4);
  p->port_lo = 1024;
  p->port_hi = 2047;
  p->mode = PINHOLE_POOL_DETERMINISTIC;
  p->inside_addr = IP4(198, 18, 0, 0);
  p->inside_plen = 25;
}

static void test_cgn_det_layout_both_ways(void **state) {
  (void)state;
  pinhole_pool p;
  det_pool(&p);
  pinhole_det_layout l;
  assert_int_equal(pinhole_det_layout_get(&p, &l), 0);
  assert_int_equal(l.inside_count, 128);
  assert_int_equal(l.per_addr, 64);
  assert_int_equal(l.ports, 16);
  const struct {
    uint32_t in, pub;
    uint16_t lo;
  } want[] = {{IP4(198, 18, 0, 0), IP4(198, 19, 0, 3), 1024},
              {IP4(198, 18, 0, 5), IP4(198, 19, 0, 3), 1104},
              {IP4(198, 18, 0, 63), IP4(198, 19, 0, 3), 2032},
              {IP4(198, 18, 0, 64), IP4(198, 19, 0, 4), 1024},
              {IP4(198, 18, 0, 127), IP4(198, 19, 0, 4), 2032}};
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    uint32_t pub = 0, in = 0;
    uint16_t lo = 0, hi = 0;
    assert_int_equal(pinhole_det_forward(&p, want[i].in, &pub, &lo, &hi), 0);
    assert_int_equal(pub, want[i].pub);
    assert_int_equal(lo, want[i].lo);
    assert_int_equal(hi, want[i].lo + 15);
    for (uint32_t port = lo; port <= hi; port++) {
      assert_int_equal(pinhole_det_reverse(&p, pub, (uint16_t)port, &in), 0);
      assert_int_equal(in, want[i].in);
    }
  }
  uint32_t in = 0, pub;
  uint16_t lo, hi;
  /* outside the prefix, the pool's addresses or its ports */
  assert_int_equal(
      pinhole_det_forward(&p, IP4(198, 18, 0, 128), &pub, &lo, &hi),
      PINHOLE_ERR_NOT_FOUND);
  assert_int_equal(
      pinhole_det_forward(&p, IP4(198, 17, 255, 255), &pub, &lo, &hi),
      PINHOLE_ERR_NOT_FOUND);
  assert_int_equal(pinhole_det_reverse(&p, IP4(198, 19, 0, 5), 1024, &in),
                   PINHOLE_ERR_NOT_FOUND);
  assert_int_equal(pinhole_det_reverse(&p, IP4(198, 19, 0, 2), 1024, &in),
                   PINHOLE_ERR_NOT_FOUND);
  assert_int_equal(pinhole_det_reverse(&p, IP4(198, 19, 0, 3), 1023, &in),
                   PINHOLE_ERR_NOT_FOUND);
  assert_int_equal(pinhole_det_reverse(&p, IP4(198, 19, 0, 3), 2048, &in),
                   PINHOLE_ERR_NOT_FOUND);
  /* 10 ports each: 640 of the 1024 are owned, the rest by nobody */
  p.block_size = 10;
  assert_int_equal(pinhole_det_reverse(&p, IP4(198, 19, 0, 4), 1663, &in), 0);
  assert_int_equal(in, IP4(198, 18, 0, 127));
  assert_int_equal(pinhole_det_reverse(&p, IP4(198, 19, 0, 4), 1664, &in),
                   PINHOLE_ERR_NOT_FOUND);
  /* three addresses for 128 subscribers: 43 each, the last one short */
  p.block_size = 0;
  p.addr_hi = IP4(198, 19, 0, 5);
  assert_int_equal(pinhole_det_layout_get(&p, &l), 0);
  assert_int_equal(l.per_addr, 43);
  assert_int_equal(l.ports, 23);
  assert_int_equal(
      pinhole_det_reverse(&p, IP4(198, 19, 0, 5), 1024 + 41 * 23, &in), 0);
  assert_int_equal(in, IP4(198, 18, 0, 127));
  assert_int_equal(
      pinhole_det_reverse(&p, IP4(198, 19, 0, 5), 1024 + 42 * 23, &in),
      PINHOLE_ERR_NOT_FOUND);
}

static void test_cgn_det_config_rejected(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  const struct {
    int field;
    uint32_t value;
    int err;
  } bad[] = {
      {0, 24, PINHOLE_ERR_RANGE}, /* 128 per address, 127 ports */
      {0, 7, PINHOLE_ERR_RANGE},  /* prefix too short */
      {0, 33, PINHOLE_ERR_RANGE}, /* prefix too long */
      {1, IP4(198, 18, 0, 1), PINHOLE_ERR_INVALID_ARG}, /* host bits */
      {1, IP4(127, 0, 0, 0), PINHOLE_ERR_ADDRESS},
      {2, 17, PINHOLE_ERR_RANGE},      /* 64 x 17 > 1024 ports */
      {3, 1, PINHOLE_ERR_INVALID_ARG}, /* a PBA field */
      {4, 4, PINHOLE_ERR_INVALID_ARG}, /* unknown mode */
      {5, 1, PINHOLE_ERR_INVALID_ARG}, /* pad_ */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    pinhole_pool p;
    det_pool(&p);
    switch (bad[i].field) {
    case 0:
      p.inside_plen = (uint8_t)bad[i].value;
      if (bad[i].value == 24)
        p.port_hi = 1024 + 126; /* 127 ports for 128 subscribers each */
      break;
    case 1:
      p.inside_addr = bad[i].value;
      break;
    case 2:
      p.block_size = (uint16_t)bad[i].value;
      break;
    case 3:
      p.max_blocks = (uint16_t)bad[i].value;
      break;
    case 4:
      p.mode = (uint8_t)bad[i].value;
      break;
    default:
      p.pad_ = (uint16_t)bad[i].value;
      break;
    }
    assert_int_equal(pinhole_pool_add(ctx, &p), bad[i].err);
    if (bad[i].field < 3)
      assert_int_equal(pinhole_det_layout_get(&p, NULL), bad[i].err);
  }
  pinhole_pool p;
  det_pool(&p);
  p.port_lo = p.port_hi = 0; /* the context's block: 64512 ports */
  assert_int_equal(pinhole_pool_add(ctx, &p), 0);
  pinhole_ctx_del(ctx);
}

static tctx *det_ctx(void) {
  pinhole_config cfg;
  t_cfg(&cfg);
  pinhole_pool p;
  det_pool(&p);
  return t_ctx_spec(&cfg, &p);
}

/* Every mapping of a subscriber lies in its range, and the reverse
 * function names it from the public endpoint the packet left with. */
static void test_cgn_det_engine_uses_the_range(void **state) {
  (void)state;
  tctx *t = det_ctx();
  pinhole_pool p;
  det_pool(&p);
  const uint32_t subs[] = {IP4(198, 18, 0, 9), IP4(198, 18, 0, 70)};
  for (size_t s = 0; s < 2; s++) {
    uint32_t pub;
    uint16_t lo, hi;
    assert_int_equal(pinhole_det_forward(&p, subs[s], &pub, &lo, &hi), 0);
    uint64_t seen = 0;
    for (uint16_t k = 0; k < 16; k++) {
      tpkt u;
      /* source ports 1100+k: not in its range, so not preserved */
      t_udp(&u, subs[s], (uint16_t)(1100 + k), OUT_HOST, 7000, "q");
      assert_int_equal(t_in(t, &u, SEC), PINHOLE_VERDICT_FORWARD);
      uint32_t src = t_get32(u.b + 12);
      uint16_t sport = t_get16(u.b + 20);
      assert_int_equal(src, pub);
      assert_in_range(sport, lo, hi);
      seen |= 1ull << (sport - lo);
      uint32_t who = 0;
      assert_int_equal(pinhole_det_reverse(&p, src, sport, &who), 0);
      assert_int_equal(who, subs[s]);
      t_check_cksums(&u);
    }
    assert_int_equal(seen, 0xFFFF); /* all 16 ports, each once */
    /* the 17th: its range is full; the other subscriber is unaffected */
    tpkt u;
    t_udp(&u, subs[s], 1300, OUT_HOST, 7000, "q");
    assert_int_equal(t_in(t, &u, SEC), PINHOLE_VERDICT_DROP);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_NAT_PORTS), s + 1);
  }
  char want[128];
  snprintf(want, sizeof(want),
           "PINHOLE_NAT_PORTS_EXHAUSTED: conv=0 proto=UDP side=inside "
           "198.18.0.70:1300 -> 198.19.0.2:7000 nat 198.19.0.4:0 -> ");
  assert_true(t_has_event(t, want));
  /* an inside address outside the prefix gets no mapping */
  tpkt u;
  t_udp(&u, IP4(198, 18, 0, 130), 1300, OUT_HOST, 7000, "q");
  assert_int_equal(t_in(t, &u, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "reason=\"not in the deterministic pool's "
                             "inside prefix\""));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 32, PINHOLE_CNT_NEW_DISCARD, 3,
             PINHOLE_CNT_DROP_NAT_PORTS, 3, -1);
  t_ctx_del(t);
}

/* ---- port block allocation --------------------------------------------- */

/* One address 198.19.0.7, ports 4096..4159: four blocks of 16; two per
 * subscriber; held 5 s after the last mapping. */
static tctx *pba_ctx(uint32_t max_blocks_cfg) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_port_blocks = max_blocks_cfg;
  cfg.udp_timeout_s = 30;
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = p.addr_hi = IP4(198, 19, 0, 7);
  p.port_lo = 4096;
  p.port_hi = 4159;
  p.mode = PINHOLE_POOL_PBA;
  p.block_size = 16;
  p.max_blocks = 2;
  p.block_hold_ms = 5000;
  return t_ctx_spec(&cfg, &p);
}

/* n UDP flows from sub, source ports base.., to OUT_HOST; returns the
 * number forwarded and checks each port lies in [lo, hi]. */
static int pba_flows(tctx *t, uint32_t sub, uint16_t base, int n, uint64_t now,
                     uint16_t lo, uint16_t hi) {
  int ok = 0;
  for (int k = 0; k < n; k++) {
    tpkt u;
    t_udp(&u, sub, (uint16_t)(base + k), OUT_HOST, 7000, "x");
    if (t_in(t, &u, now) != PINHOLE_VERDICT_FORWARD)
      continue;
    ok++;
    assert_int_equal(t_get32(u.b + 12), IP4(198, 19, 0, 7));
    assert_in_range(t_get16(u.b + 20), lo, hi);
  }
  return ok;
}

static void test_cgn_pba_blocks_quota_exhaustion(void **state) {
  (void)state;
  tctx *t = pba_ctx(4);
  const uint32_t a = IP4(198, 18, 0, 21), b = IP4(198, 18, 0, 34),
                 c = IP4(198, 18, 0, 47), d = IP4(198, 18, 0, 58);
  /* a: its first block serves 16 mappings, the 17th takes a second */
  assert_int_equal(pba_flows(t, a, 30000, 16, SEC, 4096, 4111), 16);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PBA_BLOCK_ALLOC), 1);
  assert_int_equal(pba_flows(t, a, 30016, 16, SEC, 4112, 4127), 16);
  assert_true(t_has_event(t, "PINHOLE_PORT_BLOCK_ALLOCATED: "
                             "subscriber=198.18.0.21 public=198.19.0.7 "
                             "ports=4096-4111"));
  assert_true(t_has_event(t, "PINHOLE_PORT_BLOCK_ALLOCATED: "
                             "subscriber=198.18.0.21 public=198.19.0.7 "
                             "ports=4112-4127"));
  /* its quota: two blocks, both full; refused, nothing evicted */
  assert_int_equal(pba_flows(t, a, 30032, 3, SEC, 0, 0), 0);
  assert_true(t_has_event(t, "PINHOLE_PORT_BLOCK_EXHAUSTED: "
                             "subscriber=198.18.0.21 public=198.19.0.7 "
                             "proto=UDP limit=32"));
  pinhole_usage u;
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.mappings, 32);
  /* b and c take the two blocks left; d finds none */
  assert_int_equal(pba_flows(t, b, 40000, 1, SEC, 4128, 4143), 1);
  assert_int_equal(pba_flows(t, c, 40000, 1, SEC, 4144, 4159), 1);
  assert_int_equal(pba_flows(t, d, 40000, 1, SEC, 0, 0), 0);
  assert_true(t_has_event(t, "PINHOLE_NAT_PORTS_EXHAUSTED: conv=0 proto=UDP "
                             "side=inside 198.18.0.58:40000 -> "
                             "198.19.0.2:7000 nat 198.19.0.7:0 -> "
                             "198.19.0.2:7000"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 34, PINHOLE_CNT_NEW_DISCARD, 4,
             PINHOLE_CNT_DROP_NAT_PORTS, 1, PINHOLE_CNT_PBA_BLOCK_ALLOC, 4,
             PINHOLE_CNT_PBA_QUOTA, 3, -1);
  t_ctx_del(t);
}

static int count_events(tctx *t, const char *needle) {
  int n = 0;
  for (int i = 0; i < t->nevents; i++)
    n += strstr(t->events[i], needle) != NULL;
  return n;
}

static void test_cgn_pba_hold_then_release(void **state) {
  (void)state;
  tctx *t = pba_ctx(8); /* more than the pool needs */
  const uint32_t a = IP4(198, 18, 0, 99), b = IP4(198, 18, 0, 100);
  assert_int_equal(pba_flows(t, a, 20000, 20, SEC, 4096, 4127), 20);
  assert_int_equal(pba_flows(t, b, 20000, 2, SEC, 4128, 4143), 2);
  /* the flows idle out at 31 s: mappings released, blocks held 5 s */
  while (pinhole_tick(t->ctx, 32 * SEC) == PINHOLE_TICK_BUDGET)
    ;
  assert_int_equal(count_events(t, "MAPPING_RELEASED"), 22);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PBA_BLOCK_RELEASE), 0);
  /* b comes back inside its hold: its block is kept, no new one */
  assert_int_equal(pba_flows(t, b, 20100, 1, 34 * SEC, 4128, 4143), 1);
  while (pinhole_tick(t->ctx, 37 * SEC + SEC / 2) == PINHOLE_TICK_BUDGET)
    ;
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PBA_BLOCK_RELEASE), 2);
  assert_true(t_has_event(t, "PINHOLE_PORT_BLOCK_RELEASED: "
                             "subscriber=198.18.0.99 public=198.19.0.7 "
                             "ports=4096-4111"));
  assert_true(t_has_event(t, "PINHOLE_PORT_BLOCK_RELEASED: "
                             "subscriber=198.18.0.99 public=198.19.0.7 "
                             "ports=4112-4127"));
  assert_int_equal(count_events(t, "subscriber=198.18.0.100 public=198.19.0.7 "
                                   "ports=4128-4143"),
                   1); /* allocated only */
  /* a's blocks are free again: a new subscriber gets one */
  assert_int_equal(
      pba_flows(t, IP4(198, 18, 0, 101), 1, 1, 38 * SEC, 4096, 4159), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PBA_BLOCK_ALLOC), 4);
  t_ctx_del(t);
}

/* RTP/RTCP pairs (an ALG's PH_MAP_EVEN, then the next port exactly) come
 * from the subscriber's block like any mapping, parity kept. */
static void test_cgn_pba_rtp_pairs_in_block(void **state) {
  (void)state;
  tctx *t = pba_ctx(4);
  pinhole_ctx *ctx = t->ctx;
  const uint32_t a = IP4(198, 18, 0, 12);
  int why = 0;
  for (int k = 0; k < 8; k++) {
    uint16_t iport = (uint16_t)(16384 + 2 * k);
    uint32_t r = pinhole__map_get(ctx, 0, PINHOLE_IPPROTO_UDP, a, iport, 0,
                                  PH_MAP_EVEN, &why);
    assert_int_not_equal(r, 0);
    uint16_t pp = ctx->maps[r - 1].pport;
    assert_int_equal(pp & 1, 0);
    assert_in_range(pp, 4096, 4111);
    uint32_t r2 =
        pinhole__map_get(ctx, 0, PINHOLE_IPPROTO_UDP, a, (uint16_t)(iport + 1),
                         (uint16_t)(pp + 1), 0, &why);
    assert_int_not_equal(r2, 0);
    assert_int_equal(ctx->maps[r2 - 1].pport, pp + 1);
  }
  /* the first block is full of pairs: the next pair opens the second */
  uint32_t r = pinhole__map_get(ctx, 0, PINHOLE_IPPROTO_UDP, a, 17000, 0,
                                PH_MAP_EVEN, &why);
  assert_int_not_equal(r, 0);
  assert_in_range(ctx->maps[r - 1].pport, 4112, 4127);
  /* an exact port the subscriber does not own is refused */
  assert_int_equal(
      pinhole__map_get(ctx, 0, PINHOLE_IPPROTO_UDP, a, 17001, 4150, 0, &why),
      0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PBA_BLOCK_ALLOC), 2);
  /* the mappings this test took, no connection's: given back */
  for (uint32_t m = 1; m <= ctx->cfg.max_mappings; m++)
    if (ctx->maps[m - 1].refs != 0)
      pinhole__map_put(ctx, m);
  t_ctx_del(t);
}

static void test_cgn_pba_config_rejected(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_port_blocks = 100;
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = IP4(198, 19, 0, 1);
  p.addr_hi = IP4(198, 19, 0, 2);
  p.port_lo = 2000;
  p.port_hi = 2999; /* 1000 ports: 62 blocks of 16 per address */
  p.mode = PINHOLE_POOL_PBA;
  p.max_blocks = 4;
  const uint16_t bad_size[] = {0, 6, 7, 17, 1002};
  for (size_t i = 0; i < sizeof(bad_size) / sizeof(bad_size[0]); i++) {
    p.block_size = bad_size[i];
    assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_RANGE);
  }
  p.block_size = 16;
  p.max_blocks = 0;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_RANGE);
  p.max_blocks = 1025;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_RANGE);
  p.max_blocks = 4;
  p.block_hold_ms = 86400001;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_RANGE);
  p.block_hold_ms = 0;
  p.inside_plen = 24; /* a deterministic field */
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_INVALID_ARG);
  p.inside_plen = 0;
  /* 2 x 62 = 124 blocks > 100 configured */
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_FULL);
  p.addr_hi = p.addr_lo; /* 62: fits, then 38 are left */
  assert_int_equal(pinhole_pool_add(ctx, &p), 0);
  /* the same address again would give its ports twice */
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_EXISTS);
  p.addr_lo = p.addr_hi = IP4(198, 19, 0, 9);
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_FULL);
  p.block_size = 32; /* 31 */
  assert_int_equal(pinhole_pool_add(ctx, &p), 1);
  /* a NAPT pool with a PBA field (on an address of its own) */
  p.mode = PINHOLE_POOL_NAPT;
  p.addr_lo = p.addr_hi = IP4(198, 19, 0, 10);
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_INVALID_ARG);
  pinhole_ctx_del(ctx);
  /* no blocks configured: no PBA pool */
  cfg.max_port_blocks = 0;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  p.mode = PINHOLE_POOL_PBA;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_FULL);
  pinhole_ctx_del(ctx);
  cfg.max_port_blocks = (1u << 22) + 1;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), PINHOLE_ERR_RANGE);
}

/* A 0.1 caller's pool struct (24 bytes, tail padding not zeroed) still
 * makes a NAPT pool. */
static void test_cgn_old_pool_struct(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  pinhole_pool p;
  memset(&p, 0xA5, sizeof(p));
  p.size = offsetof(pinhole_pool, reserved_) + 4;
  p.addr_lo = p.addr_hi = IP4(198, 19, 0, 9);
  p.port_lo = 5000;
  p.port_hi = 5999;
  assert_int_equal(pinhole_pool_add(ctx, &p), 0);
  pinhole_ctx_del(ctx);
}

/* Interim records: every interim_s while a block is allocated (hold time
 * included), from pinhole_tick, none before it is due, none after the
 * release. */
static void test_cgn_pba_interim_records(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_port_blocks = 4;
  cfg.udp_timeout_s = 30;
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = p.addr_hi = IP4(198, 19, 0, 7);
  p.port_lo = 4096;
  p.port_hi = 4159;
  p.mode = PINHOLE_POOL_PBA;
  p.block_size = 16;
  p.max_blocks = 2;
  p.block_hold_ms = 5000;
  p.interim_s = 10;
  tctx *t = t_ctx_spec(&cfg, &p);
  const uint32_t a = IP4(198, 18, 0, 21), b = IP4(198, 18, 0, 34);
  assert_int_equal(pba_flows(t, a, 30000, 2, SEC, 4096, 4111), 2);
  assert_int_equal(pba_flows(t, b, 30000, 1, 4 * SEC, 4112, 4127), 1);
  const char *ia = "PINHOLE_PORT_BLOCK_ACTIVE: subscriber=198.18.0.21 "
                   "public=198.19.0.7 ports=4096-4111";
  const char *ib = "PINHOLE_PORT_BLOCK_ACTIVE: subscriber=198.18.0.34 "
                   "public=198.19.0.7 ports=4112-4127";
  /* due at 11 s (a) and 14 s (b): nothing before */
  assert_int_equal(pinhole_tick(t->ctx, 10 * SEC + SEC / 2), 0);
  assert_int_equal(count_events(t, "PORT_BLOCK_ACTIVE"), 0);
  assert_int_equal(pinhole_tick(t->ctx, 11 * SEC + SEC / 10), 0);
  assert_int_equal(count_events(t, ia), 1);
  assert_int_equal(count_events(t, ib), 0);
  assert_int_equal(pinhole_tick(t->ctx, 14 * SEC + SEC / 10), 0);
  assert_int_equal(count_events(t, ib), 1);
  /* a late tick sends one record per block, not one per missed period */
  assert_int_equal(pinhole_tick(t->ctx, 24 * SEC + SEC / 10), 0);
  assert_int_equal(count_events(t, ia), 2);
  assert_int_equal(count_events(t, ib), 2);
  /* a's flows idle out at 31 s, b's at 34 s; the blocks are held 5 s
   * from the tick that saw it and still reported while held (the interims
   * due at 31 s and 34 s: the period keeps to the allocation's time) */
  while (pinhole_tick(t->ctx, 35 * SEC) == PINHOLE_TICK_BUDGET)
    ;
  assert_int_equal(count_events(t, "MAPPING_RELEASED"), 3);
  assert_int_equal(count_events(t, ia), 3);
  assert_int_equal(count_events(t, ib), 3);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PBA_BLOCK_RELEASE), 0);
  while (pinhole_tick(t->ctx, 100 * SEC) == PINHOLE_TICK_BUDGET)
    ;
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PBA_BLOCK_RELEASE), 2);
  assert_int_equal(count_events(t, "PORT_BLOCK_ACTIVE"), 6);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_FLOWS_EXPIRED, 3,
             PINHOLE_CNT_PBA_BLOCK_ALLOC, 2, PINHOLE_CNT_PBA_BLOCK_RELEASE, 2,
             PINHOLE_CNT_CGN_INTERIM, 6, -1);
  /* the order of a's records: allocated, three interims, released */
  int seen = 0;
  for (int i = 0; i < t->nevents; i++) {
    if (strstr(t->events[i], "subscriber=198.18.0.21") == NULL)
      continue;
    const char *want[] = {"PORT_BLOCK_ALLOCATED", "PORT_BLOCK_ACTIVE",
                          "PORT_BLOCK_ACTIVE", "PORT_BLOCK_ACTIVE",
                          "PORT_BLOCK_RELEASED"};
    assert_true(seen < 5);
    assert_non_null(strstr(t->events[i], want[seen++]));
  }
  assert_int_equal(seen, 5);
  t_ctx_del(t);
}

/* ---- address only (Basic NAT) ------------------------------------------ */

#define ADDR_A IP4(198, 19, 0, 20)
#define ADDR_B IP4(198, 19, 0, 21)

/* 198.19.0.20-21, bindings held 5 s, interim records every interim_s. */
static tctx *addr_ctx(uint32_t interim_s) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_port_blocks = 2;
  cfg.udp_timeout_s = 30;
  cfg.icmp_timeout_s = 30;
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = ADDR_A;
  p.addr_hi = ADDR_B;
  p.mode = PINHOLE_POOL_ADDRESS;
  p.block_hold_ms = 5000;
  p.interim_s = interim_s;
  return t_ctx_spec(&cfg, &p);
}

/* A UDP datagram from src:sport leaves as from pub:sport (port kept). */
static void addr_udp_out(tctx *t, uint32_t src, uint16_t sport, uint32_t pub,
                         uint64_t now) {
  tpkt u;
  t_udp(&u, src, sport, OUT_HOST, 7000, "x");
  assert_int_equal(t_in(t, &u, now), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(u.b + 12), pub);
  assert_int_equal(t_get16(u.b + 20), sport);
  t_check_cksums(&u);
}

static void test_cgn_addr_bind_exhaust_release(void **state) {
  (void)state;
  tctx *t = addr_ctx(0);
  const uint32_t a = IP4(198, 18, 0, 31), b = IP4(198, 18, 0, 32),
                 c = IP4(198, 18, 0, 33);
  /* a is bound to the first address: every port kept, even 53 and the
   * pool context's own range's outside */
  addr_udp_out(t, a, 40312, ADDR_A, SEC);
  addr_udp_out(t, a, 53, ADDR_A, SEC);
  addr_udp_out(t, a, 1024, ADDR_A, SEC);
  tpkt e;
  t_echo(&e, a, OUT_HOST, 8, 0x4242, 1);
  assert_int_equal(t_in(t, &e, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(e.b + 12), ADDR_A);
  assert_int_equal(t_get16(e.b + 24), 0x4242); /* ICMP id kept */
  t_check_cksums(&e);
  /* b: the second; the same source port as a's, no collision */
  addr_udp_out(t, b, 40312, ADDR_B, 2 * SEC);
  assert_true(t_has_event(t, "PINHOLE_ADDRESS_BOUND: subscriber=198.18.0.31 "
                             "public=198.19.0.20"));
  assert_true(t_has_event(t, "PINHOLE_ADDRESS_BOUND: subscriber=198.18.0.32 "
                             "public=198.19.0.21"));
  /* replies reach each by its own public address */
  tpkt u;
  t_udp(&u, OUT_HOST, 7000, ADDR_B, 40312, "r");
  assert_int_equal(t_out(t, &u, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(u.b + 16), b);
  assert_int_equal(t_get16(u.b + 22), 40312);
  t_check_cksums(&u);
  /* c: no address left; refused, nobody's binding touched */
  t_udp(&u, c, 40000, OUT_HOST, 7000, "x");
  assert_int_equal(t_in(t, &u, 3 * SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "PINHOLE_NAT_ADDRESSES_EXHAUSTED: conv=0 "
                             "proto=UDP side=inside 198.18.0.33:40000 -> "
                             "198.19.0.2:7000 rule=inside-out "
                             "reason=\"no free address in pool\" pool=0"));
  addr_udp_out(t, a, 40313, ADDR_A, 3 * SEC); /* a and b still served */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 6, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_ADDR_BIND, 2,
             PINHOLE_CNT_DROP_NAT_ADDRS, 1, -1);
  /* b's flow idles out at 32 s, a's last at 33 s; each address is held
   * 5 s from the tick that released its last mapping */
  while (pinhole_tick(t->ctx, 32 * SEC + SEC / 2) == PINHOLE_TICK_BUDGET)
    ;
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), 5);
  while (pinhole_tick(t->ctx, 37 * SEC + SEC / 4) == PINHOLE_TICK_BUDGET)
    ;
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ADDR_RELEASE), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), 6);
  assert_int_equal(pinhole_tick(t->ctx, 37 * SEC + SEC * 3 / 4), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ADDR_RELEASE), 1);
  assert_true(t_has_event(t, "PINHOLE_ADDRESS_RELEASED: "
                             "subscriber=198.18.0.32 public=198.19.0.21"));
  /* c now gets the released address */
  addr_udp_out(t, c, 40000, ADDR_B, 38 * SEC);
  assert_int_equal(pinhole_tick(t->ctx, 42 * SEC), 0);
  assert_int_equal(pinhole_tick(t->ctx, 42 * SEC + SEC / 2), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ADDR_RELEASE), 2);
  assert_true(t_has_event(t, "PINHOLE_ADDRESS_RELEASED: "
                             "subscriber=198.18.0.31 public=198.19.0.20"));
  assert_true(t_has_event(t, "PINHOLE_ADDRESS_BOUND: subscriber=198.18.0.33 "
                             "public=198.19.0.21"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 7, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_FLOWS_EXPIRED, 6,
             PINHOLE_CNT_ADDR_BIND, 3, PINHOLE_CNT_ADDR_RELEASE, 2,
             PINHOLE_CNT_DROP_NAT_ADDRS, 1, -1);
  t_ctx_del(t);
}

/* Interim records of a binding, and a subscriber coming back inside the
 * hold time keeps its address (no new binding, no release). */
static void test_cgn_addr_interim_and_hold(void **state) {
  (void)state;
  tctx *t = addr_ctx(20);
  const uint32_t a = IP4(198, 18, 0, 41);
  addr_udp_out(t, a, 5000, ADDR_A, SEC);
  assert_int_equal(pinhole_tick(t->ctx, 20 * SEC), 0);
  assert_int_equal(count_events(t, "ADDRESS_ACTIVE"), 0);
  assert_int_equal(pinhole_tick(t->ctx, 21 * SEC + SEC / 10), 0);
  assert_true(t_has_event(t, "PINHOLE_ADDRESS_ACTIVE: subscriber=198.18.0.41 "
                             "public=198.19.0.20"));
  /* idle at 31 s, back at 33 s: the hold is cancelled */
  while (pinhole_tick(t->ctx, 32 * SEC) == PINHOLE_TICK_BUDGET)
    ;
  addr_udp_out(t, a, 5001, ADDR_A, 33 * SEC);
  while (pinhole_tick(t->ctx, 42 * SEC) == PINHOLE_TICK_BUDGET)
    ;
  assert_int_equal(count_events(t, "ADDRESS_ACTIVE"), 2);
  assert_int_equal(count_events(t, "ADDRESS_BOUND"), 1);
  assert_int_equal(count_events(t, "ADDRESS_RELEASED"), 0);
  /* idle at 63 s, released 5 s after the tick that saw it: the interim
   * due at 61 s was the last */
  while (pinhole_tick(t->ctx, 64 * SEC) == PINHOLE_TICK_BUDGET)
    ;
  assert_int_equal(count_events(t, "ADDRESS_ACTIVE"), 3);
  while (pinhole_tick(t->ctx, 100 * SEC) == PINHOLE_TICK_BUDGET)
    ;
  assert_true(t_has_event(t, "PINHOLE_ADDRESS_RELEASED: "
                             "subscriber=198.18.0.41 public=198.19.0.20"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_FLOWS_EXPIRED, 2,
             PINHOLE_CNT_ADDR_BIND, 1, PINHOLE_CNT_ADDR_RELEASE, 1,
             PINHOLE_CNT_CGN_INTERIM, 3, -1);
  t_ctx_del(t);
}

/* FTP active mode through an address-only pool: the PORT command's
 * address becomes the client's public one, its port stays; the server's
 * data connection comes in through the pinhole on that public address and
 * port. A SIP INVITE from a second client on the second address: Via,
 * Contact and SDP rewritten, the media port kept. */
static void test_cgn_addr_ftp_and_sip_alg(void **state) {
  (void)state;
  tctx *t = addr_ctx(0);
  const uint32_t cli = IP4(198, 18, 0, 100), alice = IP4(198, 18, 0, 101);
  tpkt p;
  t_tcp(&p, cli, 40000, OUT_HOST, 21, 100, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 12), ADDR_A);
  assert_int_equal(t_get16(p.b + 20), 40000);
  t_tcp(&p, OUT_HOST, 21, ADDR_A, 40000, 900, 101,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, cli, 40000, OUT_HOST, 21, 101, 901, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_ftp_greet(t, OUT_HOST, ADDR_A, 40000, 901 + T_FTP_GREETING_LEN, 101);
  t_tcp(&p, cli, 40000, OUT_HOST, 21, 101, 909, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, "PORT 198,19,0,20,156,65\r\n"); /* port 40001 kept */
  t_check_cksums(&p);
  t_tcp(&p, OUT_HOST, 20, ADDR_A, 40001, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 3 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 16), cli);
  assert_int_equal(t_get16(p.b + 22), 40001);
  t_check_cksums(&p);

  const char *inv =
      "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.18.0.101:5060;branch=z9hG4bK74bf9\r\n"
      "From: <sip:alice@198.18.0.101>;tag=9fxced76sl\r\n"
      "To: <sip:bob@198.19.0.2>\r\n"
      "Call-ID: 3848276298220188511@198.18.0.101\r\n"
      "CSeq: 1 INVITE\r\n"
      "Contact: <sip:alice@198.18.0.101:5060>\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: 94\r\n\r\n"
      "v=0\r\no=- 1 1 IN IP4 198.18.0.101\r\ns=-\r\nc=IN IP4 198.18.0.101\r\n"
      "t=0 0\r\nm=audio 49171 RTP/AVP 0\r\n";
  const char *want =
      "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.19.0.21:5060;branch=z9hG4bK74bf9\r\n"
      "From: <sip:alice@198.19.0.21>;tag=9fxced76sl\r\n"
      "To: <sip:bob@198.19.0.2>\r\n"
      "Call-ID: 3848276298220188511@198.19.0.21\r\n"
      "CSeq: 1 INVITE\r\n"
      "Contact: <sip:alice@198.19.0.21:5060>\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: 92\r\n\r\n"
      "v=0\r\no=- 1 1 IN IP4 198.19.0.21\r\ns=-\r\nc=IN IP4 198.19.0.21\r\n"
      "t=0 0\r\nm=audio 49171 RTP/AVP 0\r\n";
  t_udp(&p, alice, 5060, OUT_HOST, 5060, inv);
  assert_int_equal(t_in(t, &p, 4 * SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  assert_int_equal(t_get32(p.b + 12), ADDR_B);
  assert_int_equal(t_get16(p.b + 20), 5060);
  /* media from the callee reaches alice on the odd port she chose (in a
   * NAPT pool it would have been moved to an even one) */
  t_udp(&p, OUT_HOST, 30000, ADDR_B, 49171, "rtp");
  assert_int_equal(t_out(t, &p, 5 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 16), alice);
  assert_int_equal(t_get16(p.b + 22), 49171);
  t_check_cksums(&p);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ADDR_BIND), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 2);
  assert_true(t_has_event(t, "PINHOLE_PINHOLE_CREATED: conv=2 proto=UDP "
                             "side=outside 198.19.0.2:0 -> 198.19.0.21:49171 "
                             "nat 198.19.0.2:0 -> 198.18.0.101:49171"));
  assert_true(t_has_trace(t, "ftp ALG conv=1 translated 198.18.0.100:40001 -> "
                             "198.19.0.20:40001"));
  assert_true(t_has_trace(t, "translated 198.18.0.101:49171 -> "
                             "198.19.0.21:49171"));
  t_ctx_del(t);
}

static void test_cgn_addr_config_rejected(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_port_blocks = 300;
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = IP4(198, 19, 0, 0);
  p.addr_hi = IP4(198, 19, 0, 255);
  p.mode = PINHOLE_POOL_ADDRESS;
  /* ports are the inside host's: a range is an error */
  p.port_lo = 1024;
  p.port_hi = 2047;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_INVALID_ARG);
  p.port_lo = p.port_hi = 0;
  p.block_size = 16; /* PBA fields */
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_INVALID_ARG);
  p.block_size = 0;
  p.max_blocks = 1;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_INVALID_ARG);
  p.max_blocks = 0;
  p.inside_plen = 24;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_INVALID_ARG);
  p.inside_plen = 0;
  p.interim_s = 86401;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_RANGE);
  p.interim_s = 86400;
  p.block_hold_ms = 86400001;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_RANGE);
  p.block_hold_ms = 0;
  p.addr_lo = IP4(10, 0, 0, 0); /* 65536 addresses */
  p.addr_hi = IP4(10, 0, 255, 255);
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_RANGE);
  p.addr_hi = IP4(10, 0, 1, 43); /* 300 addresses: fits exactly */
  p.addr_lo = IP4(10, 0, 0, 0);
  assert_int_equal(pinhole_pool_add(ctx, &p), 0);
  p.addr_lo = p.addr_hi = IP4(198, 19, 0, 1); /* none left */
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_FULL);
  /* interim records on pools that have no allocation to report */
  p.mode = PINHOLE_POOL_NAPT;
  p.interim_s = 60;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_INVALID_ARG);
  p.mode = PINHOLE_POOL_PBA;
  p.port_lo = 2000;
  p.port_hi = 2999;
  p.block_size = 16;
  p.max_blocks = 2;
  p.interim_s = 86401;
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_RANGE);
  pinhole_ctx_del(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cgn_det_layout_both_ways),
      cmocka_unit_test(test_cgn_det_config_rejected),
      cmocka_unit_test(test_cgn_det_engine_uses_the_range),
      cmocka_unit_test(test_cgn_pba_blocks_quota_exhaustion),
      cmocka_unit_test(test_cgn_pba_hold_then_release),
      cmocka_unit_test(test_cgn_pba_rtp_pairs_in_block),
      cmocka_unit_test(test_cgn_pba_config_rejected),
      cmocka_unit_test(test_cgn_old_pool_struct),
      cmocka_unit_test(test_cgn_pba_interim_records),
      cmocka_unit_test(test_cgn_addr_bind_exhaust_release),
      cmocka_unit_test(test_cgn_addr_interim_and_hold),
      cmocka_unit_test(test_cgn_addr_ftp_and_sip_alg),
      cmocka_unit_test(test_cgn_addr_config_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

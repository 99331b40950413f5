/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Scenario tests of the carrier-grade pools through the context:
 * deterministic NAT (RFC 7422) both ways and port block allocation
 * (allocation, quota, pool exhaustion, hold and release, RTP parity).
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
      {4, 3, PINHOLE_ERR_INVALID_ARG}, /* unknown mode */
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
  assert_int_equal(pinhole_pool_add(ctx, &p), PINHOLE_ERR_FULL);
  p.block_size = 32; /* 31 */
  assert_int_equal(pinhole_pool_add(ctx, &p), 1);
  /* a NAPT pool with a PBA field */
  p.mode = PINHOLE_POOL_NAPT;
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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One context per core (docs/multicore.md): two contexts with disjoint
 * port blocks and the same pool addresses run at the same time on two
 * threads. Each is fed the same inside traffic (the strongest case: a
 * shared table or port allocator would show as a found flow, a shared
 * port or a counter that moved in the other context). Every translated
 * source port lies in its context's block, no public address and port is
 * given twice, each reply dispatched by its public port comes back
 * exactly to the inside host, and each context's counters are exact.
 *
 * The threads use only the library and plain C (cmocka is not
 * thread-safe): they record, the main thread asserts.
 */
#include "helpers.h"

#include <pthread.h>

#define MC_FLOWS 600u  /* per context */
#define MC_ROUNDS 3u   /* established exchanges per flow after the first */
#define MC_SPLIT 33280 /* context 0: 1024-33279, context 1: 33280-65535 */
#define MC_POOL_LO IP4(198, 19, 0, 4)
#define MC_POOL_HI IP4(198, 19, 0, 5)

typedef struct mc_flow {
  uint32_t in_addr, dst;
  uint16_t in_port, dport;
} mc_flow;

/* What a thread did: per flow the public endpoint it was given, and how
 * many packets were not translated exactly. */
typedef struct mc_worker {
  tctx *t;
  const mc_flow *flows;
  uint32_t pub_addr[MC_FLOWS];
  uint16_t pub_port[MC_FLOWS];
  unsigned bad_out, bad_in;
  pthread_barrier_t *bar;
} mc_worker;

/* A UDP datagram with a 4-byte payload and correct checksums, built
 * without cmocka (callable from a thread); returns its length or 0. */
static uint32_t mc_udp(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst,
                       uint16_t dport, uint32_t tag) {
  memset(b, 0, 32);
  t_ip(b, 32, PINHOLE_IPPROTO_UDP, src, dst);
  t_put16(b + 20, sport);
  t_put16(b + 22, dport);
  t_put16(b + 24, 12);
  t_put16(b + 26, 1);
  t_put32(b + 28, tag);
  t_put16(b + 10, pinhole_cksum(b, 20));
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, 32, &v) != 0 || pinhole_pkt_fix_cksums(b, &v) != 0)
    return 0;
  return 32;
}

/* 1 when b is a UDP packet src:sport -> dst:dport with good checksums. */
static int mc_is(const uint8_t *b, uint32_t len, uint32_t src, uint16_t sport,
                 uint32_t dst, uint16_t dport) {
  pinhole_pkt_view v;
  return pinhole_pkt_parse(b, len, &v) == 0 &&
         pinhole_pkt_l4_cksum_ok(b, &v) == 1 && v.src == src &&
         v.sport == sport && v.dst == dst && v.dport == dport;
}

static void *mc_main(void *arg) {
  mc_worker *w = arg;
  uint8_t b[64];
  pthread_barrier_wait(w->bar); /* both threads start together */
  for (uint32_t r = 0; r <= MC_ROUNDS; r++) {
    for (uint32_t i = 0; i < MC_FLOWS; i++) {
      const mc_flow *f = &w->flows[i];
      uint64_t now = SEC * (2 + r);
      uint32_t len =
          mc_udp(b, f->in_addr, f->in_port, f->dst, f->dport, i * 16 + r);
      pinhole_pkt p = {b, len, sizeof(b)};
      if (len == 0 || pinhole_process(w->t->ctx, &p, PINHOLE_SIDE_INSIDE,
                                      now) != PINHOLE_VERDICT_FORWARD) {
        w->bad_out++;
        continue;
      }
      uint32_t pa = t_get32(b + 12);
      uint16_t pp = t_get16(b + 20);
      if (r == 0) {
        w->pub_addr[i] = pa;
        w->pub_port[i] = pp;
      } else if (pa != w->pub_addr[i] || pp != w->pub_port[i]) {
        w->bad_out++;
      }
      if (!mc_is(b, p.len, pa, pp, f->dst, f->dport))
        w->bad_out++;
      /* the reply, as the host's dispatcher hands it over */
      len = mc_udp(b, f->dst, f->dport, pa, pp, 0x8000u + i);
      pinhole_pkt q = {b, len, sizeof(b)};
      if (len == 0 ||
          pinhole_process(w->t->ctx, &q, PINHOLE_SIDE_OUTSIDE, now) !=
              PINHOLE_VERDICT_FORWARD ||
          !mc_is(b, q.len, f->dst, f->dport, f->in_addr, f->in_port))
        w->bad_in++;
    }
  }
  return NULL;
}

static tctx *mc_ctx(uint16_t lo, uint16_t hi) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.port_lo = lo;
  cfg.port_hi = hi;
  return t_ctx_pool(&cfg, MC_POOL_LO, MC_POOL_HI, 0, 0);
}

/* The host's dispatcher for outside packets: the public port's block. */
static int mc_owner(uint16_t pub_port) {
  return pub_port >= MC_SPLIT;
}

static void test_multicore_two_threads_disjoint_blocks(void **state) {
  (void)state;
  static mc_flow flows[MC_FLOWS];
  for (uint32_t i = 0; i < MC_FLOWS; i++) {
    flows[i].in_addr = IP4(198, 18, 0, 10) + i % 40;
    flows[i].in_port = (uint16_t)(40000 + i / 40);
    flows[i].dst = IP4(198, 19, 0, 20) + i % 7;
    flows[i].dport = (uint16_t)(5000 + i % 3);
  }
  static mc_worker w[2];
  memset(w, 0, sizeof(w));
  pthread_barrier_t bar;
  assert_int_equal(pthread_barrier_init(&bar, NULL, 2), 0);
  w[0].t = mc_ctx(1024, MC_SPLIT - 1);
  w[1].t = mc_ctx(MC_SPLIT, 65535);
  pthread_t th[2];
  for (int k = 0; k < 2; k++) {
    w[k].flows = flows;
    w[k].bar = &bar;
    assert_int_equal(pthread_create(&th[k], NULL, mc_main, &w[k]), 0);
  }
  for (int k = 0; k < 2; k++)
    assert_int_equal(pthread_join(th[k], NULL), 0);
  pthread_barrier_destroy(&bar);

  /* every translation exact, every port in its context's block */
  static uint8_t seen[2][65536]; /* public address (of 2) x port */
  memset(seen, 0, sizeof(seen));
  for (int k = 0; k < 2; k++) {
    assert_int_equal(w[k].bad_out, 0);
    assert_int_equal(w[k].bad_in, 0);
    for (uint32_t i = 0; i < MC_FLOWS; i++) {
      uint32_t a = w[k].pub_addr[i] - MC_POOL_LO;
      uint16_t p = w[k].pub_port[i];
      assert_true(a <= MC_POOL_HI - MC_POOL_LO);
      assert_int_equal(mc_owner(p), k);
      /* no public endpoint twice, in a context or across the two */
      assert_int_equal(seen[a][p], 0);
      seen[a][p] = 1;
    }
  }
  /* exact counters, each context its own: one new connection per flow,
   * every other packet an existing one (MC_ROUNDS outbound + all the
   * replies), nothing else */
  for (int k = 0; k < 2; k++) {
    t_counters(w[k].t, PINHOLE_CNT_NEW_ACCEPT, (int)MC_FLOWS,
               PINHOLE_CNT_EXIST_ACCEPT, (int)(MC_FLOWS * (2 * MC_ROUNDS + 1)),
               -1);
    pinhole_usage u;
    u.size = sizeof(u);
    assert_int_equal(pinhole_usage_get(w[k].t->ctx, &u), 0);
    assert_int_equal(u.flows, MC_FLOWS);
  }
  /* a reply sent to the wrong context finds nothing there: dispatch by
   * public port is what brings it home */
  tpkt p;
  t_udp(&p, flows[0].dst, flows[0].dport, w[0].pub_addr[0], w[0].pub_port[0],
        "x");
  assert_int_equal(t_out(w[1].t, &p, 9 * SEC), PINHOLE_VERDICT_DROP);
  t_udp(&p, flows[0].dst, flows[0].dport, w[0].pub_addr[0], w[0].pub_port[0],
        "x");
  assert_int_equal(t_out(w[0].t, &p, 9 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 16), flows[0].in_addr);
  assert_int_equal(t_get16(p.b + 22), flows[0].in_port);
  t_ctx_del(w[0].t);
  t_ctx_del(w[1].t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_multicore_two_threads_disjoint_blocks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

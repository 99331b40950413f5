/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One packet per call (pinhole_process): its UDP lookup walks the flow
 * table's lines as ph_conn_find() does and sends a miss straight to the
 * new flow (core/process.c ph_fast_udp_find, ph_fast_udp_far,
 * ph_process_udp_new). A connection filed two lines past its home, behind
 * a candidate of its own signature that is not it; a new flow whose home
 * line is full; a connection found there but idle past the shortest
 * timeout (the whole way) or past its own (expired and opened again); and
 * the same packets one per call and as bursts give the same bytes,
 * verdicts and counters.
 */
#include "helpers.h"

#include "core/ctx.h"
#include "core/engine.h"

#define UDP PINHOLE_IPPROTO_UDP
#define FWD PINHOLE_VERDICT_FORWARD

/* The flow hash of the inside tuple IN_HOST:sport -> OUT_HOST:dport. */
static uint64_t hash_of(const tctx *t, uint16_t sport, uint16_t dport) {
  return ph_ft_hash(&t->ctx->ft, UDP, IN_HOST, OUT_HOST, sport, dport);
}

/* Fills the home line of hash h and the next one with entries of other
 * signatures (references of free slots at the top of the table, which
 * never match: a free slot is zeroed), so that an entry filed under h
 * next goes two lines past home; with decoy, one more entry of h's own
 * signature at that distance, filed ahead of it (a candidate that is not
 * the tuple). Returns the entries filed. */
static uint32_t fill_home(tctx *t, uint64_t h, int decoy) {
  pinhole_ctx *ctx = t->ctx;
  uint32_t k = 0;
  for (; k < 2 * PH_FT_WAYS; k++)
    assert_int_equal(pinhole__ft_insert(&ctx->ft, h ^ (uint64_t)(k + 1) << 52,
                                        (ctx->cfg.max_flows - 1 - k) << 1),
                     0);
  if (decoy) {
    assert_int_equal(
        pinhole__ft_insert(&ctx->ft, h, (ctx->cfg.max_flows - 1 - k) << 1), 0);
    k++;
  }
  return k;
}

/* The distance from home of the entry of slot idx's side A under h, or
 * -1 when it is not within three lines. */
static int dist_of(const tctx *t, uint64_t h, long idx) {
  const pinhole_ctx *ctx = t->ctx;
  uint32_t i = ph_ft_home(&ctx->ft, h);
  for (uint32_t d = 0; d < 3; d++, i = ph_ft_succ(&ctx->ft, i))
    for (int w = 0; w < PH_FT_WAYS; w++)
      if (ctx->ft.b[i].ref[w] == (uint32_t)idx << 1 &&
          ctx->ft.b[i].sig[w] == ph_ft_sig_at(ph_ft_sig(h), d))
        return (int)d;
  return -1;
}

/* The slot of the connection filed under the inside tuple, or -1. */
static long slot_of(tctx *t, uint16_t sport, uint16_t dport) {
  int dir;
  ph_conn *c = pinhole__conn_lookup(t->ctx, UDP, IN_HOST, OUT_HOST, sport,
                                    dport, hash_of(t, sport, dport), &dir);
  return c == NULL ? -1 : (long)ph_conn_idx(t->ctx, c);
}

/* The inside packet of 5000 -> 4000 at now, one per call: its verdict,
 * and its translated source PUB:port (*port). */
static int x_in(tctx *t, uint64_t now, uint16_t *port) {
  tpkt p;
  t_udp(&p, IN_HOST, 5000, OUT_HOST, 4000, "x");
  int v = t_in(t, &p, now);
  assert_int_equal(t_get32(p.b + 12), PUB);
  assert_int_equal(t_get32(p.b + 16), OUT_HOST);
  assert_int_equal(t_get16(p.b + 22), 4000);
  *port = t_get16(p.b + 20);
  tpkt q; /* the same packet translated by hand: every checksum exact */
  t_udp(&q, PUB, *port, OUT_HOST, 4000, "x");
  assert_memory_equal(p.b, q.b, q.p.len);
  return v;
}

/* X's first packet at 1 s into t, whose home line and the next are full
 * (fill_home, with the decoy or not): X opens its connection two lines
 * past home; its public port in *port. Returns X's slot. */
static long far_x(tctx *t, int decoy, uint16_t *port) {
  uint64_t h = hash_of(t, 5000, 4000);
  fill_home(t, h, decoy);
  assert_int_equal(x_in(t, SEC, port), FWD);
  long x = slot_of(t, 5000, 4000);
  assert_true(x >= 0);
  assert_int_equal(dist_of(t, h, x), 2);
  return x;
}

/* A new flow whose home line and the next are full: the one-per-call
 * walk finds nothing in three lines and the packet opens its connection,
 * filed two lines past home (counted once); its next packets find it
 * there, one candidate of its own signature before it (the decoy), and
 * are translated exactly as the first. */
static void test_single_far_miss_then_found(void **state) {
  (void)state;
  tctx *t = t_ctx();
  uint16_t port, again;
  long x = far_x(t, 1, &port);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(x_in(t, 2 * SEC, &again), FWD);
    assert_int_equal(again, port);
  }
  assert_int_equal(t->ctx->conns[x].frames[0], 4);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3, -1);
  t_flows_maps(t, 1, 1);
  /* the reply, outside to PUB:port, finds side B at its own home */
  tpkt r;
  t_udp(&r, OUT_HOST, 4000, PUB, port, "r");
  assert_int_equal(t_out(t, &r, 3 * SEC), FWD);
  assert_int_equal(t_get32(r.b + 16), IN_HOST);
  assert_int_equal(t_get16(r.b + 22), 5000);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4, -1);
  t_ctx_del(t);
}

/* The connection two lines past home, idle past the shortest timeout (10
 * s, closed TCP) but not its own (UDP, 300 s): not the common case, the
 * whole way finds it and forwards it; idle past its own, it is expired
 * where it is found and the packet opens it again. */
static void test_single_far_idle_and_expired(void **state) {
  (void)state;
  tctx *t = t_ctx();
  uint16_t port, again;
  long x = far_x(t, 0, &port);
  assert_int_equal(x_in(t, 60 * SEC, &again), FWD);
  assert_int_equal(again, port);
  assert_int_equal(t->ctx->conns[x].frames[0], 2);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_FLOWS_EXPIRED, 0, -1);
  assert_int_equal(x_in(t, 400 * SEC, &again), FWD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_FLOWS_EXPIRED, 1, -1);
  t_flows_maps(t, 1, 1);
  long y = slot_of(t, 5000, 4000);
  assert_true(y >= 0);
  assert_int_equal(t->ctx->conns[y].frames[0], 1);
  t_ctx_del(t);
}

/* The same packets one per call into a and as bursts of one into b (the
 * burst's own lookup), with the clock moving on every packet (one per
 * call's time-advancing entry): the same bytes, verdicts and counters. */
static void test_single_far_as_burst(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  fill_home(a, hash_of(a, 5000, 4000), 1);
  fill_home(b, hash_of(b, 5000, 4000), 1);
  for (int i = 0; i < 6; i++) {
    uint64_t now = SEC + (uint64_t)i * 4 * SEC; /* each tuple idle 8 s */
    tpkt p, q;
    t_udp(&p, IN_HOST, (uint16_t)(5000 + (i & 1)), OUT_HOST, 4000, "s");
    t_udp(&q, IN_HOST, (uint16_t)(5000 + (i & 1)), OUT_HOST, 4000, "s");
    uint8_t vd;
    int v = t_in(a, &p, now);
    assert_int_equal(
        pinhole_process_burst(b->ctx, &q.p, 1, PINHOLE_SIDE_INSIDE, now, &vd),
        1);
    assert_int_equal(v, FWD);
    assert_int_equal(vd, v);
    assert_int_equal(p.p.len, q.p.len);
    assert_memory_equal(p.b, q.b, p.p.len);
  }
  uint64_t ca[128], cb[128];
  int na = pinhole_stats(a->ctx, ca, 128), nb = pinhole_stats(b->ctx, cb, 128);
  assert_int_equal(na, nb);
  assert_memory_equal(ca, cb, (size_t)na * sizeof(ca[0]));
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 4, -1);
  t_ctx_del(a);
  t_ctx_del(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_far_miss_then_found),
      cmocka_unit_test(test_single_far_idle_and_expired),
      cmocka_unit_test(test_single_far_as_burst),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Connection expiry through pinhole_tick (issue 24: the connections' own
 * timer wheel, lib/timer/cwheel.c): the exact tick a connection goes at,
 * across the wrap of the 32-bit tick counter, TCP, UDP and ICMP timeouts
 * side by side, and thousands of connections due in one tick taken with
 * the tick budget, their FLOW_CLOSED events in creation order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pinhole/pinhole.h>

#include "helpers.h"
#include "core/ctx.h"

#define TICK (1ull << 24) /* the context's tick (core/ctx.c PH_TICK_SHIFT) */

/* A context whose event callback logs FLOW_CLOSED events' inside source
 * ports and protocols, in order. */
typedef struct ectx {
  pinhole_ctx *ctx;
  uint16_t *port;
  uint8_t *proto;
  size_t n, cap;
} ectx;

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  ectx *e = user;
  if (ev->type != PINHOLE_EVENT_FLOW_CLOSED)
    return;
  assert_true(e->n < e->cap);
  e->port[e->n] = ev->src.port;
  e->proto[e->n++] = ev->proto;
}

static void e_new(ectx *e, uint32_t max_flows, size_t cap) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_flows = max_flows;
  cfg.max_conversations = max_flows;
  cfg.max_mappings = max_flows;
  cfg.udp_timeout_s = 5;
  cfg.icmp_timeout_s = 3;
  cfg.tcp_est_timeout_s = 20;
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = on_event;
  memset(e, 0, sizeof(*e));
  e->cap = cap;
  e->port = calloc(cap, sizeof(uint16_t));
  e->proto = calloc(cap, sizeof(uint8_t));
  assert_true(e->port != NULL && e->proto != NULL);
  assert_int_equal(pinhole_ctx_new(&e->ctx, &cfg, &cb, e), 0);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = IP4(198, 19, 0, 1);
  pool.addr_hi = IP4(198, 19, 0, 3);
  int id = pinhole_pool_add(e->ctx, &pool);
  assert_true(id >= 0);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "inside-out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = id;
  assert_int_equal(pinhole_rule_add(e->ctx, &r), 0);
}

static void e_del(ectx *e) {
  pinhole_ctx_del(e->ctx);
  free(e->port);
  free(e->proto);
}

static uint64_t e_cnt(ectx *e, int c) {
  uint64_t v[128];
  assert_true(pinhole_stats(e->ctx, v, 128) > c);
  return v[c];
}

static uint32_t e_flows(ectx *e) {
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(e->ctx, &u), 0);
  return u.flows;
}

static void e_udp(ectx *e, uint32_t src, uint16_t sport, uint64_t now) {
  tpkt p;
  t_udp(&p, src, sport, IP4(198, 19, 0, 77), 5353, "q");
  assert_int_equal(pinhole_process(e->ctx, &p.p, PINHOLE_SIDE_INSIDE, now),
                   PINHOLE_VERDICT_FORWARD);
}

/* An established TCP connection from the inside: SYN, SYN-ACK, ACK. */
static void e_tcp(ectx *e, uint16_t sport, uint64_t now) {
  tpkt p;
  uint32_t srv = IP4(198, 19, 0, 80);
  t_tcp(&p, IN_HOST, sport, srv, 443, 1000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(pinhole_process(e->ctx, &p.p, PINHOLE_SIDE_INSIDE, now),
                   PINHOLE_VERDICT_FORWARD);
  uint32_t pub = t_get32(p.b + 12);
  uint16_t pport = t_get16(p.b + 20);
  t_tcp(&p, srv, 443, pub, pport, 9000, 1001, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(pinhole_process(e->ctx, &p.p, PINHOLE_SIDE_OUTSIDE, now),
                   PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, IN_HOST, sport, srv, 443, 1001, 9001, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(pinhole_process(e->ctx, &p.p, PINHOLE_SIDE_INSIDE, now),
                   PINHOLE_VERDICT_FORWARD);
}

static void e_echo(ectx *e, uint16_t id, uint64_t now) {
  tpkt p;
  t_echo(&p, IN_HOST, IP4(198, 19, 0, 9), 8, id, 1);
  assert_int_equal(pinhole_process(e->ctx, &p.p, PINHOLE_SIDE_INSIDE, now),
                   PINHOLE_VERDICT_FORWARD);
}

/* The first tick boundary at which a connection whose last packet was at
 * t with a timeout of s seconds goes: its deadline t + ceil(s / tick)
 * ticks, rounded up to a tick (the wheel's rounding). */
static uint64_t e_due(uint64_t t, uint32_t s) {
  uint64_t ticks = (s * SEC + TICK - 1) / TICK;
  return (t + ticks * TICK + TICK - 1) / TICK * TICK;
}

/* Ticks at due - 1 (nothing), then at due (exactly want FLOW_CLOSED
 * events, of proto). The contract: never before the timeout, within one
 * tick after it. */
static void e_expect(ectx *e, uint64_t t, uint32_t s, uint8_t proto,
                     size_t want) {
  uint64_t due = e_due(t, s);
  assert_true(due >= t + s * SEC && due < t + s * SEC + 2 * TICK);
  size_t n0 = e->n;
  assert_int_equal(pinhole_tick(e->ctx, t + s * SEC - 1), 0);
  assert_int_equal(pinhole_tick(e->ctx, due - 1), 0);
  assert_int_equal(e->n, n0);
  assert_int_equal(pinhole_tick(e->ctx, due), (int)want);
  assert_int_equal(e->n, n0 + want);
  for (size_t i = n0; i < e->n; i++)
    assert_int_equal(e->proto[i], proto);
}

/* TCP, UDP and ICMP connections made at one time, and a UDP one later:
 * each goes at its own timeout's tick, exactly, across the wrap of the
 * context's 32-bit tick counter (time 2^56 ns is tick 2^32). */
static void mixed_at(uint64_t t0) {
  ectx e;
  e_new(&e, 64, 64);
  e_tcp(&e, 40001, t0);
  e_udp(&e, IN_HOST, 40002, t0);
  e_echo(&e, 0x4242, t0);
  uint64_t t1 = t0 + 2 * SEC + 123456789;
  e_udp(&e, IP4(198, 18, 0, 7), 40003, t1);
  assert_int_equal(e_flows(&e), 4);
  e_expect(&e, t0, 3, PINHOLE_IPPROTO_ICMP, 1);
  e_expect(&e, t0, 5, PINHOLE_IPPROTO_UDP, 1);
  assert_int_equal(e.port[1], 40002);
  e_expect(&e, t1, 5, PINHOLE_IPPROTO_UDP, 1);
  assert_int_equal(e.port[2], 40003);
  e_expect(&e, t0, 20, PINHOLE_IPPROTO_TCP, 1);
  assert_int_equal(e.port[3], 40001);
  assert_int_equal(e_flows(&e), 0);
  assert_int_equal(e_cnt(&e, PINHOLE_CNT_FLOWS_EXPIRED), 4);
  e_del(&e);
}

static void test_expiry_mixed_exact(void **state) {
  (void)state;
  mixed_at(1000 * TICK + 12345);
  mixed_at(1000 * TICK); /* on a tick boundary */
}

static void test_expiry_across_tick_wrap(void **state) {
  (void)state;
  /* 1, 3 and 10 s before the ticks' low 32 bits wrap, and at it */
  mixed_at((1ull << 56) - 1 * SEC);
  mixed_at((1ull << 56) - 3 * SEC - 7);
  mixed_at((1ull << 56) - 10 * SEC + 99);
  mixed_at(1ull << 56);
  mixed_at((3ull << 56) - 4 * SEC); /* the third wrap */
}

/* A connection kept alive by traffic is not expired when its first timer
 * fires; it goes one timeout after its last packet, also across the wrap. */
static void test_expiry_refreshed_across_wrap(void **state) {
  (void)state;
  ectx e;
  e_new(&e, 64, 64);
  uint64_t t0 = (1ull << 56) - 7 * SEC;
  e_udp(&e, IN_HOST, 41000, t0);
  uint64_t t = t0;
  for (int i = 0; i < 6; i++) { /* a packet every 4 s, ticks between */
    t += 4 * SEC;
    assert_int_equal(pinhole_tick(e.ctx, t - 1), 0);
    e_udp(&e, IN_HOST, 41000, t);
  }
  e_expect(&e, t, 5, PINHOLE_IPPROTO_UDP, 1);
  assert_int_equal(e.port[0], 41000);
  e_del(&e);
}

/* 10000 UDP connections due in the same tick: pinhole_tick takes them
 * within its budget, returning PINHOLE_TICK_BUDGET while more is due and
 * then the number expired by the last call; every one goes, none early,
 * their FLOW_CLOSED events in the order they were made. */
static void test_expiry_one_slot_budget(void **state) {
  (void)state;
  enum { N = 10000 };
  ectx e;
  e_new(&e, 16384, N);
  uint64_t t0 = 50 * SEC + 777;
  for (uint32_t i = 0; i < N; i++) /* several inside hosts, ports varied */
    e_udp(&e, IP4(198, 18, 0, 10 + i % 7), (uint16_t)(1024 + (i * 37) % 60000),
          t0);
  assert_int_equal(e_flows(&e), N);
  uint64_t due = e_due(t0, 5);
  /* before the tick: their timers are re-filed (work, within the budget),
   * none expires */
  int guard = 0;
  while (pinhole_tick(e.ctx, due - 1) == PINHOLE_TICK_BUDGET && ++guard < 100)
    ;
  assert_true(guard >= 2); /* 10000 re-filed: more than one call's budget */
  assert_int_equal(pinhole_tick(e.ctx, due - 1), 0);
  assert_int_equal(e_flows(&e), N);
  assert_int_equal(e_cnt(&e, PINHOLE_CNT_FLOWS_EXPIRED), 0);
  int calls = 0, x;
  uint64_t before = 0;
  do {
    x = pinhole_tick(e.ctx, due);
    uint64_t now = e_cnt(&e, PINHOLE_CNT_FLOWS_EXPIRED);
    assert_true(now - before <= PINHOLE_TICK_BUDGET);
    if (x != PINHOLE_TICK_BUDGET)
      assert_int_equal((uint64_t)x, now - before);
    before = now;
    calls++;
  } while (x == PINHOLE_TICK_BUDGET && calls < 100);
  assert_true(x < PINHOLE_TICK_BUDGET);
  assert_true(calls >= 3); /* 10000 fired and the ticks reached */
  assert_int_equal(e_cnt(&e, PINHOLE_CNT_FLOWS_EXPIRED), N);
  assert_int_equal(e_flows(&e), 0);
  assert_int_equal(e.ctx->ft.count, 0); /* both keys of each removed */
  assert_int_equal(pinhole_tick(e.ctx, due), 0);
  assert_int_equal(e.n, N);
  for (uint32_t i = 0; i < N; i++)
    assert_int_equal(e.port[i], (uint16_t)(1024 + (i * 37) % 60000));
  e_del(&e);
}

/* 3000 UDP connections due in one tick, every third refreshed a
 * second before: the tick frees the 2000 idle ones (their keys removed with the
 * hashes the look-ahead computed) and re-arms the 1000 others, whose
 * hashes it computed too and never uses; the flow table then holds
 * exactly the refreshed ones' two keys each, and they still forward. */
static void test_expiry_refreshed_among_due(void **state) {
  (void)state;
  enum { N = 3000 };
  ectx e;
  e_new(&e, 4096, N);
  uint64_t t0 = 70 * SEC + 31;
  for (uint32_t i = 0; i < N; i++)
    e_udp(&e, IP4(198, 18, 0, 20 + i % 5), (uint16_t)(2000 + i), t0);
  assert_int_equal(e.ctx->ft.count, 2 * N);
  uint64_t due = e_due(t0, 5);
  for (uint32_t i = 0; i < N; i += 3)
    e_udp(&e, IP4(198, 18, 0, 20 + i % 5), (uint16_t)(2000 + i), t0 + 4 * SEC);
  int guard = 0;
  while (pinhole_tick(e.ctx, due) == PINHOLE_TICK_BUDGET && ++guard < 100)
    ;
  assert_int_equal(e_cnt(&e, PINHOLE_CNT_FLOWS_EXPIRED), N - N / 3);
  assert_int_equal(e_flows(&e), N / 3);
  assert_int_equal(e.ctx->ft.count, 2 * (N / 3));
  for (size_t k = 0; k < e.n; k++) /* only the idle ones closed */
    assert_int_not_equal((e.port[k] - 2000) % 3, 0);
  for (uint32_t i = 0; i < N; i += 3) /* the same flows, not new ones */
    e_udp(&e, IP4(198, 18, 0, 20 + i % 5), (uint16_t)(2000 + i), due);
  assert_int_equal(e_flows(&e), N / 3);
  assert_int_equal(e.ctx->ft.count, 2 * (N / 3));
  e_del(&e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expiry_mixed_exact),
      cmocka_unit_test(test_expiry_across_tick_wrap),
      cmocka_unit_test(test_expiry_refreshed_across_wrap),
      cmocka_unit_test(test_expiry_one_slot_budget),
      cmocka_unit_test(test_expiry_refreshed_among_due),
  };
  return cmocka_run_group_tests_name("scenario.expiry", tests, NULL, NULL);
}

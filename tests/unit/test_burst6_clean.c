/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 packets in bursts (pinhole_process_burst) while the burst is
 * "clean" (core/process.c): the look-ahead checked a plain IPv6 TCP or
 * UDP packet (pkt/plain6.h), hashed it and found its first candidate in
 * ft6, and its turn takes all three without checking, hashing or looking
 * up again (core/process6.c pinhole__process6_clean). That stands only
 * while nothing can have written the packet since, and the candidate only
 * while it is still the lookup's and its key is the packet's. In every
 * case the burst gives what one call per packet gives: the same verdicts,
 * bytes and counters as a twin context fed one packet per call, and the
 * exact verdicts and counters stated here.
 */
#include "helpers.h"
#include "helpers6.h"
#include "burst_twin.h"

#include "core/ctx.h"
#include "core/engine.h"

#define UDP PINHOLE_IPPROTO_UDP
#define FWD PINHOLE_VERDICT_FORWARD
#define DROP PINHOLE_VERDICT_DROP
#define LATE (3 * 3600 * SEC) /* past every idle timeout */
#define IN6 "2001:db8:1::5"
#define OUT6 "2001:db8:9::1"

/* No callback: every turn leaves the burst clean (process.c "quiet"). */
static void quiet(tctx *t) {
  t->ctx->cb.event = NULL;
  t->ctx->cb.trace = NULL;
  t->ctx->cb.emit = NULL;
}

/* The IPv6 rule the tests use: from the inside 2001:db8:1::/48, any. */
static void rule_out6(tctx *t) {
  rule6(t, "v6-out", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NULL, 0, 0,
        PINHOLE_ACTION_ACCEPT);
}

/* Opens the UDP flow IN6:sport -> OUT6:53 in t at now. */
static void open6(tctx *t, uint16_t sport, uint64_t now) {
  tpkt p;
  b6_udp(&p, IN6, sport, OUT6, 53, "open");
  assert_int_equal(pinhole_process(t->ctx, &p.p, PINHOLE_SIDE_INSIDE, now),
                   FWD);
}

/* The IPv6 connection of this UDP tuple (from its side A), or NULL. */
static ph_conn *conn6_of(tctx *t, const char *src, uint16_t sport,
                         const char *dst, uint16_t dport) {
  uint8_t s[16], d[16];
  a6(s, src);
  a6(d, dst);
  int dir;
  return pinhole__conn6_lookup(t->ctx, UDP, s, d, sport, dport, &dir);
}

/* What a callback does to a later packet of the burst (corrupt6). */
enum { C6_HLIM0, C6_OTHER_FLOW };

/* A corrupting event callback: the first event after target is set (a
 * new flow's, in an earlier packet's turn) rewrites the target: its hop
 * limit 0 (C6_HLIM0), or its source port that of the other established
 * flow, 5301 (C6_OTHER_FLOW; the UDP checksum fixed). */
typedef struct corrupter6 {
  tctx t; /* first: t_on_event's user */
  pinhole_pkt *target;
  int what;
} corrupter6;

static void corrupt6(pinhole_pkt *p, int what) {
  uint8_t *b = p->data;
  if (what == C6_HLIM0) {
    b[7] = 0;
    return;
  }
  t_put16(b + 40, 5301);
  pinhole_pkt6_view v;
  assert_int_equal(pinhole_pkt6_parse(b, p->len, &v), PINHOLE_PKT_OK);
  pinhole_pkt6_fix_cksums(b, &v);
}

static void on_event_corrupt6(pinhole_ctx *ctx, const pinhole_event *ev,
                              void *user) {
  corrupter6 *k = user;
  t_on_event(ctx, ev, user);
  if (k->target != NULL) {
    corrupt6(k->target, k->what);
    k->target = NULL;
  }
}

static corrupter6 *corrupter6_new(void) {
  corrupter6 *k = calloc(1, sizeof(*k));
  assert_non_null(k);
  pinhole_config cfg;
  t_cfg(&cfg);
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = on_event_corrupt6;
  assert_int_equal(pinhole_ctx_new(&k->t.ctx, &cfg, &cb, k), 0);
  rule_out6(&k->t);
  return k;
}

/* A new IPv6 flow's event (packet 0's turn) rewrites packet 1, a packet
 * of the established flow from port 5300, after the look-ahead checked,
 * hashed and found it: its turn must take it as it now is, as one call
 * per packet does. Its hop limit 0: dropped and counted (the look-ahead's
 * check no longer stands). Its source port 5301: a packet of the other
 * established flow (the look-ahead's hash and candidate no longer stand:
 * with them it would be taken for a new flow). Packet 2, of the flow
 * from 5300, is forwarded. */
static void test_burst6_rewritten_after_lookahead(void **state) {
  (void)state;
  for (int what = C6_HLIM0; what <= C6_OTHER_FLOW; what++) {
    corrupter6 *k = corrupter6_new();
    tctx *a = &k->t, *b = t_ctx();
    rule_out6(b);
    for (int i = 0; i < 2; i++) {
      tctx *t = i ? b : a;
      open6(t, 5300, SEC);
      open6(t, 5301, SEC);
    }
    static tpkt p[3], q[3];
    b6_udp(&p[0], IN6, 5400, OUT6, 53, "a new flow"); /* an event */
    b6_udp(&p[1], IN6, 5300, OUT6, 53, "rewritten");
    b6_udp(&p[2], IN6, 5300, OUT6, 53, "after");
    for (int i = 0; i < 3; i++)
      t_copy(&q[i], &p[i]);
    corrupt6(&q[1].p, what);
    pinhole_pkt burst[3] = {p[0].p, p[1].p, p[2].p};
    k->target = &burst[1];
    k->what = what;
    uint8_t vd[3];
    assert_int_equal(pinhole_process_burst(a->ctx, burst, 3,
                                           PINHOLE_SIDE_INSIDE, 2 * SEC, vd),
                     3);
    assert_null(k->target); /* it fired */
    for (int i = 0; i < 3; i++) {
      assert_int_equal(vd[i], pinhole_process(b->ctx, &q[i].p,
                                              PINHOLE_SIDE_INSIDE, 2 * SEC));
      assert_int_equal(burst[i].len, q[i].p.len);
      assert_memory_equal(p[i].b, q[i].b, q[i].p.len);
    }
    /* the two flows opened first, then the burst */
    if (what == C6_HLIM0) {
      vd_is(vd, 3, FWD, DROP, FWD);
      t_counters(b, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 1,
                 PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_TTL_ZERO, 1, -1);
    } else {
      vd_is(vd, 3, FWD, FWD, FWD);
      t_counters(b, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 2, -1);
      assert_int_equal(t_get16(p[1].b + 40), 5301);
    }
    stats_same(a->ctx, b->ctx);
    /* no third flow: packet 1 went to its own flow, 5301's when
     * rewritten (taken for 5300's with the look-ahead's hash and
     * candidate), none when dropped */
    ph_conn *c0 = conn6_of(a, IN6, 5300, OUT6, 53);
    ph_conn *c1 = conn6_of(a, IN6, 5301, OUT6, 53);
    assert_non_null(c0);
    assert_non_null(c1);
    assert_int_equal(c0->frames[0], 2);
    assert_int_equal(c1->frames[0], what == C6_OTHER_FLOW ? 2 : 1);
    pinhole_usage u;
    u.size = sizeof(u);
    assert_int_equal(pinhole_usage_get(a->ctx, &u), 0);
    assert_int_equal(u.flows, 3);
    pinhole_ctx_del(a->ctx);
    free(k);
    t_ctx_del(b);
  }
}

/* Expiry between the look-ahead and the packet, clean: the burst comes
 * after the flow's timeout; its first packet finds the look-ahead's
 * candidate dead (expired here) and opens the flow again, the second
 * one's candidate was the old connection and it takes the new one (ft6
 * changed since the look-ahead). */
static void test_burst6_expired_and_opened_again(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  tctx *both[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    quiet(both[i]);
    rule_out6(both[i]);
    open6(both[i], 5300, SEC);
  }
  static tpkt p[NB];
  b6_udp(&p[0], IN6, 5300, OUT6, 53, "r");
  b6_udp(&p[1], IN6, 5300, OUT6, 53, "s");
  uint8_t vd[NB];
  burst_twin(a, b, p, 2, PINHOLE_SIDE_INSIDE, LATE, vd);
  vd_is(vd, 2, FWD, FWD);
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_FLOWS_EXPIRED, 1, -1);
  ph_conn *c = conn6_of(a, IN6, 5300, OUT6, 53);
  assert_non_null(c);
  assert_int_equal(c->frames[0], 2);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* An established flow's packet from the wrong side (its side A's tuple
 * arriving from the outside), clean, between two from the right one:
 * dropped as one call per packet drops it (an existing flow's discard);
 * the others forwarded, the replies too. */
static void test_burst6_wrong_side(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  tctx *both[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    quiet(both[i]);
    rule_out6(both[i]);
    open6(both[i], 5300, SEC);
  }
  static tpkt p[NB];
  b6_udp(&p[0], IN6, 5300, OUT6, 53, "from A, outside");
  b6_udp(&p[1], OUT6, 53, IN6, 5300, "reply");
  b6_udp(&p[2], OUT6, 53, IN6, 5300, "reply 2");
  uint8_t vd[NB];
  burst_twin(a, b, p, 3, PINHOLE_SIDE_OUTSIDE, 2 * SEC, vd);
  vd_is(vd, 3, DROP, FWD, FWD);
  b6_udp(&p[0], IN6, 5300, OUT6, 53, "out");
  b6_udp(&p[1], OUT6, 53, IN6, 5300, "reply from inside");
  b6_udp(&p[2], IN6, 5300, OUT6, 53, "out 2");
  burst_twin(a, b, p, 3, PINHOLE_SIDE_INSIDE, 2 * SEC, vd);
  vd_is(vd, 3, FWD, DROP, FWD);
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_EXIST_DISCARD, 2, -1);
  ph_conn *c = conn6_of(a, IN6, 5300, OUT6, 53);
  assert_non_null(c);
  assert_int_equal(c->frames[0], 3);
  assert_int_equal(c->frames[1], 2);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* A source address of 2001:db8:1::/64 (in s) whose UDP tuple to OUT6,
 * ports 5300 -> 53, has the home line and signature in t's ft6 of the
 * tuple from IN6 (a birthday-free search over the low 32 bits: about
 * 2^12 times the line count tries). */
static void sig_twin(tctx *t, uint8_t s[16]) {
  pinhole_ctx *ctx = t->ctx;
  uint8_t x[16], d[16];
  a6(x, IN6);
  a6(d, OUT6);
  uint64_t h = pinhole__hash6(ctx, UDP, x, d, 5300, 53);
  memcpy(s, x, 16);
  for (uint32_t i = 1; i < (1u << 28); i++) {
    t_put32(s + 12, 0x10000u + i);
    uint64_t g = pinhole__hash6(ctx, UDP, s, d, 5300, 53);
    if (ph_ft_bucket_of(&ctx->ft6, g) == ph_ft_bucket_of(&ctx->ft6, h) &&
        ph_ft_sig(g) == ph_ft_sig(h))
      return;
  }
  fail_msg("no address shares the signature");
}

/* A packet of no connection whose tuple shares its home line and
 * signature with an established flow's (the look-ahead's first
 * candidate is that flow), clean: its turn compares the candidate's key
 * with the packet (the addresses differ) and takes it for what it is, a
 * new flow, as one call per packet does; the flow's own packet after it
 * is forwarded as that flow's. */
static void test_burst6_signature_shared(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  tctx *both[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    quiet(both[i]);
    rule_out6(both[i]);
    open6(both[i], 5300, SEC);
  }
  uint8_t s[16];
  sig_twin(a, s);
  static tpkt p[NB];
  b6_udp(&p[0], IN6, 5300, OUT6, 53, "same signature");
  memcpy(p[0].b + 8, s, 16);
  b6_fix(&p[0]);
  b6_udp(&p[1], IN6, 5300, OUT6, 53, "the flow's");
  uint8_t vd[NB];
  burst_twin(a, b, p, 2, PINHOLE_SIDE_INSIDE, 2 * SEC, vd);
  vd_is(vd, 2, FWD, FWD);
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
  ph_conn *c = conn6_of(a, IN6, 5300, OUT6, 53);
  assert_non_null(c);
  assert_int_equal(c->frames[0], 2);
  int dir;
  ph_conn *n = pinhole__conn6_lookup(a->ctx, UDP, s, c->a_dst6, 5300, 53, &dir);
  assert_non_null(n);
  assert_ptr_not_equal(n, c);
  assert_int_equal(n->frames[0], 1);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* Quiet contexts (the burst stays clean across new flows, expiries and
 * refusals): bursts of IPv6 UDP and TCP and some IPv4 from both sides,
 * new and established, some packets repeating an earlier packet's buffer
 * (met as that one's turn left it), some hostile (hop limit 0, a UDP
 * length one short), some through NAT64 (not the line form), against a
 * twin fed one packet per call: the same verdicts, lengths, bytes and
 * counters. */
static void test_burst6_quiet_mixed_as_single(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_flows = 64;
  cfg.max_conns6 = 24;
  tctx *a = t_ctx_cfg(&cfg), *b = t_ctx_cfg(&cfg);
  tctx *both[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    quiet(both[i]);
    rule_out6(both[i]);
    assert_true(t_rule64(both[i]->ctx, both[i]->pool, "64:ff9b::", 96) >= 0);
  }
  static tpkt pa[NB], pb[NB];
  uint64_t rng = 4242, now = SEC;
  unsigned shared = 0;
  for (int round = 0; round < 800; round++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    int side = (int)((rng >> 60) & 1);
    size_t n = 1 + (size_t)((rng >> 40) % NB);
    now += ((rng >> 20) & 15) == 0 ? 400 * SEC : SEC / 8;
    size_t of[NB];
    for (size_t i = 0; i < n; i++) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      uint32_t e = (uint32_t)(rng >> 61); /* one of 8 inside endpoints */
      of[i] = i;
      if (i > 0 && ((rng >> 8) & 7) == 0) {
        of[i] = (size_t)((rng >> 12) % i); /* an earlier packet's buffer */
        shared++;
        continue;
      }
      char in[48];
      snprintf(in, sizeof(in), "2001:db8:1::%x", 5 + (e & 3));
      uint16_t ip = (uint16_t)(5000 + e);
      unsigned kind = (unsigned)((rng >> 16) & 7);
      if (kind == 0) {
        t_udp(&pa[i], IN_HOST + (e & 3), ip, OUT_HOST, 4000, "v4");
        if (side == PINHOLE_SIDE_OUTSIDE)
          t_udp(&pa[i], OUT_HOST, 4000, PUB, ip, "r4");
      } else if (kind == 1 && side == PINHOLE_SIDE_INSIDE) {
        b6_udp(&pa[i], in, ip, "64:ff9b::c000:201", 53, "nat64");
      } else if (kind == 2) {
        uint8_t f =
            side == PINHOLE_SIDE_INSIDE ? PINHOLE_TCP_SYN : PINHOLE_TCP_ACK;
        if (side == PINHOLE_SIDE_INSIDE)
          b6_tcp(&pa[i], in, ip, OUT6, 80, f, 1, 0, 2);
        else
          b6_tcp(&pa[i], OUT6, 80, in, ip, f, 1, 0, 2);
      } else if (side == PINHOLE_SIDE_INSIDE) {
        b6_udp(&pa[i], in, ip, OUT6, 53, "m");
      } else {
        b6_udp(&pa[i], OUT6, 53, in, ip, "r");
      }
      if (kind != 0 && ((rng >> 24) & 15) == 0) {
        if ((rng >> 28) & 1)
          pa[i].b[7] = 0; /* hop limit 0 */
        else
          t_put16(pa[i].b + 44, (uint16_t)(t_get16(pa[i].b + 44) - 1));
      }
      t_copy(&pb[i], &pa[i]);
    }
    burst_twin_of(a, b, pa, pb, of, n, side, now);
  }
  assert_true(shared > 100);
  assert_true(t_cnt(a, PINHOLE_CNT_FLOWS_EXPIRED) > 0);
  assert_true(t_cnt(a, PINHOLE_CNT_EXIST_ACCEPT) > 300);
  assert_true(t_cnt(a, PINHOLE_CNT_NEW_ACCEPT) > 20);
  assert_true(t_cnt(a, PINHOLE_CNT_EXIST_DISCARD) > 10);
  assert_true(t_cnt(a, PINHOLE_CNT_ERR_IP) > 5);
  assert_true(t_cnt(a, PINHOLE_CNT_ERR_UDP) > 5);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* NAT64's IPv4 side in a quiet burst: the replies to a NAT64 flow are
 * IPv4 UDP packets whose connection the look-ahead hands over (its
 * reference in the IPv4 table, its slot among the IPv6 connections). The
 * burst's common case must tell it is not an IPv4 connection (process.c
 * ph_fast_udp_conn: its address past the IPv4 ones) and leave it to
 * NAT64, which makes each an IPv6 packet 20 bytes longer, as one per call
 * does. */
static void test_burst6_nat64_reply_handed_over(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_flows = 64;
  cfg.max_conns6 = 24;
  tctx *a = t_ctx_cfg(&cfg), *b = t_ctx_cfg(&cfg);
  tctx *both[2] = {a, b};
  uint16_t pport = 0;
  for (int i = 0; i < 2; i++) {
    quiet(both[i]);
    static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
    assert_int_equal(
        pinhole_nat64_prefix_add(both[i]->ctx, wkp, 96, PINHOLE_NAT64_LAB), 0);
    assert_true(t_rule64(both[i]->ctx, both[i]->pool, "64:ff9b::", 96) >= 0);
    tpkt q;
    b6_udp(&q, "2001:db8:1::5", 5000, "64:ff9b::c613:2", 53, "ask");
    assert_int_equal(
        pinhole_process(both[i]->ctx, &q.p, PINHOLE_SIDE_INSIDE, SEC), FWD);
    assert_int_equal(q.p.len, 20 + 8 + 3); /* now IPv4 */
    assert_int_equal(t_get32(q.b + 12), PUB);
    assert_int_equal(t_get32(q.b + 16), OUT_HOST);
    if (i == 0)
      pport = t_get16(q.b + 20);
    assert_int_equal(t_get16(q.b + 20), pport);
  }
  int dir;
  ph_conn *c = pinhole__conn_lookup(
      a->ctx, UDP, OUT_HOST, PUB, 53, pport,
      ph_ft_hash(&a->ctx->ft, UDP, OUT_HOST, PUB, 53, pport), &dir);
  assert_non_null(c);
  assert_true(ph_conn_idx(a->ctx, c) >= cfg.max_flows); /* a NAT64 slot */
  static tpkt p[NB];
  uint8_t vd[NB];
  for (int i = 0; i < 3; i++)
    t_udp(&p[i], OUT_HOST, 53, PUB, pport, "reply");
  uint64_t exist = t_cnt(a, PINHOLE_CNT_EXIST_ACCEPT);
  burst_twin(a, b, p, 3, PINHOLE_SIDE_OUTSIDE, 2 * SEC, vd);
  vd_is(vd, 3, FWD, FWD, FWD);
  uint8_t in6[16], src6[16];
  a6(in6, "2001:db8:1::5");
  a6(src6, "64:ff9b::c613:2");
  for (int i = 0; i < 3; i++) {
    assert_int_equal(p[i].b[0] >> 4, 6); /* IPv6 now */
    assert_int_equal(t_get16(p[i].b + 4), 8 + 5);
    assert_memory_equal(p[i].b + 8, src6, 16);
    assert_memory_equal(p[i].b + 24, in6, 16);
    assert_int_equal(t_get16(p[i].b + 40), 53);
    assert_int_equal(t_get16(p[i].b + 42), 5000);
  }
  assert_int_equal(c->frames[1], 3);
  assert_int_equal(t_cnt(a, PINHOLE_CNT_EXIST_ACCEPT), exist + 3);
  t_ctx_del(a);
  t_ctx_del(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_burst6_rewritten_after_lookahead),
      cmocka_unit_test(test_burst6_expired_and_opened_again),
      cmocka_unit_test(test_burst6_wrong_side),
      cmocka_unit_test(test_burst6_signature_shared),
      cmocka_unit_test(test_burst6_quiet_mixed_as_single),
      cmocka_unit_test(test_burst6_nat64_reply_handed_over),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

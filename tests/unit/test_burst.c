/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bursts (pinhole_process_burst) against the same packets one per call.
 * A burst's look-ahead finds each packet's connection in the flow table
 * before any packet is processed and hands it to the packet
 * (core/process.c ph_hint_found); by the packet's turn an earlier packet
 * of the burst may have expired that connection, re-used its slot for
 * another one, created one with the same tuple, or filed a connection
 * under the same key ahead of it in the bucket. In every case the burst
 * must give what one call per packet gives: the same verdicts, bytes and
 * counters as a twin context fed one packet per call, and the exact
 * verdicts and counters stated here.
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

/* The slot index of the connection filed under this IPv4 tuple, or -1. */
static long slot_of(tctx *t, uint8_t proto, uint32_t src, uint32_t dst,
                    uint16_t sport, uint16_t dport) {
  pinhole_ctx *ctx = t->ctx;
  int dir;
  ph_conn *c = pinhole__conn_lookup(
      ctx, proto, src, dst, sport, dport,
      ph_ft_hash(&ctx->ft, proto, src, dst, sport, dport), &dir);
  return c == NULL ? -1 : (long)ph_conn_idx(ctx, c);
}

/* Expiry between the look-ahead and the packet: the burst comes after the
 * connection's timeout; its first packet expires the connection (dead at
 * use) and opens it again in the same slot, the second packet's
 * look-ahead named the old one and finds the new one. */
static void test_burst_expired_and_opened_again(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  static tpkt p[NB];
  t_udp(&p[0], IN_HOST, 5000, OUT_HOST, 4000, "q");
  tpkt q;
  t_copy(&q, &p[0]);
  assert_int_equal(t_in(a, &p[0], SEC), FWD);
  assert_int_equal(t_in(b, &q, SEC), FWD);
  long slot = slot_of(a, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  assert_true(slot >= 0);
  t_udp(&p[0], IN_HOST, 5000, OUT_HOST, 4000, "r");
  t_udp(&p[1], IN_HOST, 5000, OUT_HOST, 4000, "s");
  uint8_t vd[NB];
  burst_twin(a, b, p, 2, PINHOLE_SIDE_INSIDE, LATE, vd);
  vd_is(vd, 2, FWD, FWD);
  /* the same slot, a new connection */
  assert_int_equal(slot_of(a, UDP, IN_HOST, OUT_HOST, 5000, 4000), slot);
  assert_int_equal(t_get32(p[1].b + 12), PUB);
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_FLOWS_EXPIRED, 1, -1);
  t_flows_maps(a, 1, 1);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* One buffer twice in a burst: the first packet's translation rewrites
 * the bytes the second's look-ahead read and hashed, so the second is
 * checked and looked up as it now is (its source the public address: a
 * new flow of its own), as one call per packet does. */
static void test_burst_shared_buffer(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  tpkt p, q, r;
  t_udp(&p, IN_HOST, 5000, OUT_HOST, 4000, "q");
  t_copy(&q, &p);
  assert_int_equal(t_in(a, &p, SEC), FWD);
  assert_int_equal(t_in(b, &q, SEC), FWD);
  t_udp(&p, IN_HOST, 5000, OUT_HOST, 4000, "s");
  t_copy(&r, &p);
  pinhole_pkt burst[2] = {p.p, p.p};
  uint8_t vd[2];
  assert_int_equal(
      pinhole_process_burst(a->ctx, burst, 2, PINHOLE_SIDE_INSIDE, 2 * SEC, vd),
      2);
  assert_int_equal(vd[0], t_in(b, &r, 2 * SEC));
  assert_int_equal(vd[1], t_in(b, &r, 2 * SEC));
  assert_memory_equal(p.b, r.b, r.p.len);
  vd_is(vd, 2, FWD, FWD);
  /* the second time from the public address: translated again */
  assert_int_equal(t_get32(p.b + 12), PUB);
  assert_int_not_equal(t_get16(p.b + 20), 5000);
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
  stats_same(a->ctx, b->ctx);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* A TCP connection: SYN, SYN-ACK, ACK; the inside's next SEQ is 101. */
static void tcp_open(tctx *t, uint16_t sport, uint64_t now) {
  tpkt p;
  t_tcp(&p, IN_HOST, sport, OUT_HOST, 80, 100, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, now), FWD);
  uint16_t pport = t_get16(p.b + 20);
  t_tcp(&p, OUT_HOST, 80, PUB, pport, 500, 101,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, now), FWD);
  t_tcp(&p, IN_HOST, sport, OUT_HOST, 80, 101, 501, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, now), FWD);
}

/* The slot freed and re-used by another connection: the burst after the
 * timeout; its first packet (not a SYN) expires connection X and opens
 * nothing; the second, a SYN of another tuple, opens Z in X's slot; the
 * third, X's tuple again, was handed X's slot by the look-ahead and must
 * not take Z for X; the fourth is Z's SYN again. */
static void test_burst_slot_reused(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  tcp_open(a, 6000, SEC);
  tcp_open(b, 6000, SEC);
  long slot = slot_of(a, PINHOLE_IPPROTO_TCP, IN_HOST, OUT_HOST, 6000, 80);
  assert_true(slot >= 0);
  static tpkt p[NB];
  t_tcp(&p[0], IN_HOST, 6000, OUT_HOST, 80, 101, 501, PINHOLE_TCP_ACK, "x");
  t_tcp(&p[1], IN_HOST, 6001, OUT_HOST, 80, 900, 0, PINHOLE_TCP_SYN, NULL);
  t_tcp(&p[2], IN_HOST, 6000, OUT_HOST, 80, 102, 501, PINHOLE_TCP_ACK, "y");
  t_tcp(&p[3], IN_HOST, 6001, OUT_HOST, 80, 900, 0, PINHOLE_TCP_SYN, NULL);
  uint8_t vd[NB];
  burst_twin(a, b, p, 4, PINHOLE_SIDE_INSIDE, LATE, vd);
  vd_is(vd, 4, DROP, FWD, DROP, FWD);
  assert_int_equal(slot_of(a, PINHOLE_IPPROTO_TCP, IN_HOST, OUT_HOST, 6001, 80),
                   slot);
  assert_int_equal(slot_of(a, PINHOLE_IPPROTO_TCP, IN_HOST, OUT_HOST, 6000, 80),
                   -1);
  /* open: 3 new, 2 existing; burst: 1 new (Z), 1 existing (its SYN
   * again), 2 not-SYN drops of X's tuple */
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 2,
             PINHOLE_CNT_EXIST_ACCEPT, 3, PINHOLE_CNT_ERR_TCP, 2,
             PINHOLE_CNT_TCP_NOT_SYN, 2, PINHOLE_CNT_FLOWS_EXPIRED, 1, -1);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* TCP RST then data in one burst, then a new incarnation's SYN and data
 * before its SYN-ACK: the exact RST closes the connection the look-ahead
 * found for every packet after it (the tracker's CLOSED state, which
 * still forwards the in-window segment after it), the SYN opens it again
 * in the same slot (half-open), and the data before the SYN-ACK is
 * refused (illegal flags). */
static void test_burst_rst_then_data(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  tcp_open(a, 7000, SEC);
  tcp_open(b, 7000, SEC);
  long slot = slot_of(a, PINHOLE_IPPROTO_TCP, IN_HOST, OUT_HOST, 7000, 80);
  static tpkt p[NB];
  t_tcp(&p[0], IN_HOST, 7000, OUT_HOST, 80, 101, 501, PINHOLE_TCP_ACK, "ab");
  t_tcp(&p[1], IN_HOST, 7000, OUT_HOST, 80, 103, 501, PINHOLE_TCP_RST, NULL);
  t_tcp(&p[2], IN_HOST, 7000, OUT_HOST, 80, 103, 501, PINHOLE_TCP_ACK, "cd");
  t_tcp(&p[3], IN_HOST, 7000, OUT_HOST, 80, 7777, 0, PINHOLE_TCP_SYN, NULL);
  t_tcp(&p[4], IN_HOST, 7000, OUT_HOST, 80, 7778, 501, PINHOLE_TCP_ACK, "ef");
  uint8_t vd[NB];
  burst_twin(a, b, p, 5, PINHOLE_SIDE_INSIDE, 2 * SEC, vd);
  vd_is(vd, 5, FWD, FWD, FWD, FWD, DROP);
  assert_int_equal(slot_of(a, PINHOLE_IPPROTO_TCP, IN_HOST, OUT_HOST, 7000, 80),
                   slot);
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_TCP, 1,
             PINHOLE_CNT_TCP_FLAGS, 1, -1);
  t_ctx_del(a);
  t_ctx_del(b);
}

/*
 * A second connection filed under the same key ahead of the one the
 * look-ahead found. The context: connection X (inside UDP 5000 -> 4000)
 * filed at way wx of its home bucket, behind a placeholder entry of the
 * same bucket but another signature (so the look-ahead's first candidate
 * is X). The burst's first packet opens an unrelated flow; its event
 * (the test's callback) removes the placeholder and files a connection D
 * with X's tuple as side A, which takes the placeholder's way, before
 * wx. A lookup now answers D (the first candidate whose tuple matches):
 * so must the burst's second packet, X's tuple, whose look-ahead named X.
 */
typedef struct dup_ctx {
  tctx t; /* first: the helpers' callbacks take it as their user */
  int armed;
  int shift_only;  /* the event only removes the placeholder */
  int insert_only; /* the event only files D (the placeholder is gone) */
  int poke;        /* and writes D's reference over the placeholder's way
                      in X's home line, under X's signature there */
  uint64_t hp;     /* the placeholder's hash */
  uint32_t ref;    /* and reference */
  ph_tuple a, b;
  long d_slot;
} dup_ctx;

static void dup_on_event(pinhole_ctx *ctx, const pinhole_event *ev,
                         void *user) {
  dup_ctx *d = user;
  t_on_event(ctx, ev, user);
  if (!d->armed)
    return;
  d->armed = 0;
  if (!d->insert_only)
    assert_int_equal(pinhole__ft_remove(&ctx->ft, d->hp, d->ref), 0);
  if (d->shift_only)
    return;
  ph_conn *c =
      pinhole__conn_new(ctx, PH_NIL, UDP, PINHOLE_SIDE_INSIDE, &d->a, &d->b);
  assert_non_null(c);
  d->d_slot = (long)ph_conn_idx(ctx, c);
  if (d->poke) {
    /* D's side A filed at home too, ahead of every line past it: a
     * lookup of X's tuple now answers D from the home line */
    uint64_t h = ph_ft_hash(&ctx->ft, UDP, IN_HOST, OUT_HOST, 5000, 4000);
    ph_ft_bucket *bk = &ctx->ft.b[ph_ft_home(&ctx->ft, h)];
    int w = 0;
    while (w < PH_FT_WAYS && bk->ref[w] != d->ref)
      w++;
    assert_true(w < PH_FT_WAYS);
    bk->sig[w] = (uint16_t)ph_ft_sig(h);
    bk->ref[w] = (uint32_t)d->d_slot << 1;
  }
}

/* dport: the only destination port the rule admits (0: any). far 1: X
 * filed one line past its home, behind P1 (filler entries of other
 * signatures fill the home line, and P1, of yet another, is filed in the
 * next line before X is made); far 2: X filed two lines past its home
 * (fillers fill the home line and the next). */
static dup_ctx *dup_make(uint16_t dport, int far) {
  dup_ctx *d = calloc(1, sizeof(*d));
  assert_non_null(d);
  pinhole_config cfg;
  t_cfg(&cfg);
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.alloc = t_alloc;
  cb.free = t_free;
  cb.event = dup_on_event;
  cb.trace = t_on_trace;
  cb.emit = t_on_emit;
  assert_int_equal(pinhole_ctx_new(&d->t.ctx, &cfg, &cb, d), 0);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = PUB;
  d->t.pool = pinhole_pool_add(d->t.ctx, &pool);
  assert_true(d->t.pool >= 0);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = d->t.pool;
  r.dport_lo = r.dport_hi = dport;
  assert_int_equal(pinhole_rule_add(d->t.ctx, &r), 0);
  pinhole_ctx *ctx = d->t.ctx;
  /* X's key's bucket, another signature: the lowest free way */
  uint64_t h = ph_ft_hash(&ctx->ft, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  d->hp = h ^ (1ull << 60);               /* another signature (the top bits) */
  d->ref = (ctx->cfg.max_flows - 1) << 1; /* a free slot: never a match */
  assert_int_equal(pinhole__ft_insert(&ctx->ft, d->hp, d->ref), 0);
  if (far) {
    const ph_ft_bucket *bk = ph_ft_bucket_of(&ctx->ft, h);
    for (uint32_t k = 2; ph_ft_match(bk, 0) != 0; k++)
      assert_int_equal(pinhole__ft_insert(&ctx->ft, h ^ (uint64_t)k << 52,
                                          (ctx->cfg.max_flows - k) << 1),
                       0);
    if (far == 1)
      assert_int_equal(pinhole__ft_insert(&ctx->ft, h ^ (uint64_t)20 << 52,
                                          (ctx->cfg.max_flows - 20) << 1),
                       0); /* P1 */
    const ph_ft_bucket *b1 =
        &ctx->ft.b[ph_ft_succ(&ctx->ft, ph_ft_home(&ctx->ft, h))];
    for (uint32_t k = 30; far == 2 && ph_ft_match(b1, 0) != 0; k++)
      assert_int_equal(pinhole__ft_insert(&ctx->ft, h ^ (uint64_t)k << 52,
                                          (ctx->cfg.max_flows - k) << 1),
                       0);
  }
  tpkt p;
  t_udp(&p, IN_HOST, 5000, OUT_HOST, 4000, "q");
  assert_int_equal(t_in(&d->t, &p, SEC), FWD);
  /* D: side A is X's, side B another public port */
  d->a =
      (ph_tuple){.src = IN_HOST, .dst = OUT_HOST, .sport = 5000, .dport = 4000};
  d->b = (ph_tuple){.src = OUT_HOST, .dst = PUB, .sport = 4000, .dport = 61000};
  d->d_slot = -1;
  return d;
}

static dup_ctx *dup_new(void) {
  return dup_make(0, 0);
}

static dup_ctx *dup_new_port(uint16_t dport) {
  return dup_make(dport, 0);
}

static dup_ctx *dup_new_far(void) {
  return dup_make(0, 1);
}

/* The way of the line d past the home bucket of X's key that holds slot
 * idx's side A. */
static int way_at(const pinhole_ctx *ctx, long idx, uint32_t d) {
  uint64_t h = ph_ft_hash(&ctx->ft, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  uint32_t i = ph_ft_home(&ctx->ft, h);
  for (uint32_t k = 0; k < d; k++)
    i = ph_ft_succ(&ctx->ft, i);
  const ph_ft_bucket *bk = &ctx->ft.b[i];
  for (int w = 0; w < PH_FT_WAYS; w++)
    if (bk->ref[w] == (uint32_t)idx << 1 &&
        bk->sig[w] == ph_ft_sig_at(ph_ft_sig(h), d))
      return w;
  return -1;
}

static int way_of(const pinhole_ctx *ctx, long idx) {
  return way_at(ctx, idx, 0);
}

/* The burst of a new flow's packet n, whose event the test armed, then
 * X's tuple (p[1]), on both twins. */
static void burst_n_x(dup_ctx *a, dup_ctx *b, tpkt *p, uint8_t *vd) {
  t_udp(&p[0], IN_HOST, 5100, OUT_HOST, 4001, "n");
  t_udp(&p[1], IN_HOST, 5000, OUT_HOST, 4000, "x");
  burst_twin(&a->t, &b->t, p, 2, PINHOLE_SIDE_INSIDE, 2 * SEC, vd);
}

static void dup_del(dup_ctx *a, dup_ctx *b) {
  t_ctx_del(&a->t);
  t_ctx_del(&b->t);
}

/* X's tuple (packet q) went to D, not X: D's side B's public port, one
 * frame each (X's the packet that opened it). */
static void went_to_d(const dup_ctx *d, const tpkt *q, long x) {
  assert_int_equal(t_get32(q->b + 12), PUB);
  assert_int_equal(t_get16(q->b + 20), 61000);
  assert_int_equal(d->t.ctx->conns[d->d_slot].frames[0], 1);
  assert_int_equal(d->t.ctx->conns[x].frames[0], 1);
}

/* After burst_n_x: n opened its flow, its event filed D at way 0 of X's
 * home line, and X's tuple went to D. */
static void d_home_took_x(dup_ctx *d, const tpkt *p, const uint8_t *vd,
                          long x) {
  vd_is(vd, 2, FWD, FWD);
  assert_int_equal(d->armed, 0);
  assert_int_equal(way_of(d->t.ctx, d->d_slot), 0);
  went_to_d(d, &p[1], x);
  t_counters(&d->t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
}

static void test_burst_same_key_filed_ahead(void **state) {
  (void)state;
  dup_ctx *a = dup_new(), *b = dup_new();
  long x = slot_of(&a->t, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  int wx = way_of(a->t.ctx, x);
  assert_true(wx > 0); /* behind the placeholder */
  static tpkt p[NB];
  a->armed = b->armed = 1;
  uint8_t vd[NB];
  burst_n_x(a, b, p, vd);
  vd_is(vd, 2, FWD, FWD);
  assert_int_equal(a->armed, 0);
  assert_true(a->d_slot >= 0 && a->d_slot != x);
  int wd = way_of(a->t.ctx, a->d_slot);
  assert_true(wd >= 0 && wd < wx); /* D filed ahead of X */
  went_to_d(a, &p[1], x);
  t_counters(&a->t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
  dup_del(a, b);
}

/* X's home bucket filled up with entries of other signatures and D filed
 * one line past home, X (slot x) still the first candidate; the event
 * armed to remove the placeholder (way 0) only. */
static void shift_setup(dup_ctx *t, long x) {
  pinhole_ctx *ctx = t->t.ctx;
  uint64_t h = ph_ft_hash(&ctx->ft, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  const ph_ft_bucket *bk = ph_ft_bucket_of(&ctx->ft, h);
  assert_int_equal(bk->ref[0], t->ref); /* the placeholder, way 0 */
  for (uint32_t k = 2; ph_ft_match(bk, 0) != 0; k++)
    assert_int_equal(pinhole__ft_insert(&ctx->ft, h ^ (uint64_t)k << 52,
                                        (ctx->cfg.max_flows - k) << 1),
                     0);
  ph_conn *c =
      pinhole__conn_new(ctx, PH_NIL, UDP, PINHOLE_SIDE_INSIDE, &t->a, &t->b);
  assert_non_null(c);
  t->d_slot = (long)ph_conn_idx(ctx, c);
  assert_int_equal(way_of(ctx, t->d_slot), -1); /* not at home */
  assert_int_equal(slot_of(&t->t, UDP, IN_HOST, OUT_HOST, 5000, 4000),
                   x); /* X still the first candidate */
  t->shift_only = 1;
  t->armed = 1;
}

/* shift_setup on both twins; *x: X's slot. Returns X's way (past the
 * placeholder). */
static int shift_pair(dup_ctx **t, long *x) {
  *x = slot_of(&t[0]->t, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  for (int i = 0; i < 2; i++)
    shift_setup(t[i], *x);
  int wx = way_of(t[0]->t.ctx, *x);
  assert_true(wx > 0);
  return wx;
}

/*
 * The same, with the connection ahead moved there by the table's backward
 * shift (lib/flow/table.c) between the look-ahead and the packet: X's
 * home bucket is filled up with entries of other signatures, so that D,
 * filed with X's tuple as side A before the burst, lands one line past
 * home, and X is the look-ahead's first candidate. The first packet's
 * event removes the placeholder (way 0): the shift pulls D's entry into
 * that way, before X's. The hand-over sees a way before X's with the
 * signature and falls back to the lookup, which answers D, as one call
 * per packet does.
 */
static void test_burst_same_key_shifted_ahead(void **state) {
  (void)state;
  dup_ctx *t[2] = {dup_new(), dup_new()};
  long x;
  int wx = shift_pair(t, &x);
  static tpkt p[NB];
  uint8_t vd[NB];
  burst_n_x(t[0], t[1], p, vd);
  d_home_took_x(t[0], p, vd, x); /* D shifted home */
  assert_int_equal(way_of(t[0]->t.ctx, x), wx);
  dup_del(t[0], t[1]);
}

/*
 * The flow table's change count (ft.changes) against each kind of change
 * on its own: the burst's turn takes the look-ahead's candidate without
 * re-reading the bucket only while no insert or remove happened since the
 * look-ahead. Here the first packet's event does one kind only.
 *
 * Inserts only: the placeholder is removed before the burst (way 0 free,
 * X behind it); the first packet opens a flow and its event files D with
 * X's tuple at way 0. The second packet, X's tuple, goes to D.
 */
static void test_burst_change_insert_only(void **state) {
  (void)state;
  dup_ctx *t[2] = {dup_new(), dup_new()};
  long x = slot_of(&t[0]->t, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  for (int i = 0; i < 2; i++) {
    pinhole_ctx *ctx = t[i]->t.ctx;
    assert_int_equal(pinhole__ft_remove(&ctx->ft, t[i]->hp, t[i]->ref), 0);
    t[i]->insert_only = 1;
    t[i]->armed = 1;
  }
  int wx = way_of(t[0]->t.ctx, x);
  assert_true(wx > 0);
  static tpkt p[NB];
  uint8_t vd[NB];
  burst_n_x(t[0], t[1], p, vd);
  d_home_took_x(t[0], p, vd, x);
  dup_del(t[0], t[1]);
}

/*
 * Removes only: the rule admits destination port 4000 alone, so the first
 * packet (to 4001) opens nothing; its no-rule event removes the
 * placeholder, and the backward shift pulls D (filed past home before the
 * burst) ahead of X. The second packet, X's tuple, goes to D.
 */
static void test_burst_change_remove_only(void **state) {
  (void)state;
  dup_ctx *t[2] = {dup_new_port(4000), dup_new_port(4000)};
  long x;
  (void)shift_pair(t, &x); /* X behind D once the shift ran */
  static tpkt p[NB];
  uint8_t vd[NB];
  uint32_t before = t[0]->t.ctx->ft.changes;
  burst_n_x(t[0], t[1], p, vd);
  vd_is(vd, 2, DROP, FWD);
  assert_int_equal(t[0]->armed, 0);
  assert_int_equal(t[0]->t.ctx->ft.changes, before + 1);  /* the remove */
  assert_int_equal(way_of(t[0]->t.ctx, t[0]->d_slot), 0); /* shifted home */
  went_to_d(t[0], &p[1], x);
  t_counters(&t[0]->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1, -1);
  dup_del(t[0], t[1]);
}

/* Many bursts over few tuples in a small table, with time steps past the
 * UDP timeout between some of them, from both sides (the outside's to
 * the public ports port preservation gives, mapped or not): the twin one
 * per call agrees on every packet (burst_twin). */
static void test_burst_mixed_as_single(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_flows = 32;
  tctx *a = t_ctx_cfg(&cfg), *b = t_ctx_cfg(&cfg);
  static tpkt p[NB];
  uint64_t rng = 12345, now = SEC;
  for (int round = 0; round < 400; round++) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    int side = (int)((rng >> 60) & 1);
    size_t n = 1 + (size_t)((rng >> 40) % NB);
    now += ((rng >> 20) & 15) == 0 ? 400 * SEC : SEC / 8;
    for (size_t i = 0; i < n; i++) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      uint32_t e = (uint32_t)(rng >> 61); /* one of 8 inside endpoints */
      if (side == PINHOLE_SIDE_INSIDE)
        t_udp(&p[i], IN_HOST + (e & 3), (uint16_t)(5000 + e), OUT_HOST, 4000,
              "m");
      else
        t_udp(&p[i], OUT_HOST, 4000, PUB, (uint16_t)(5000 + e), "r");
    }
    uint8_t vd[NB];
    burst_twin(a, b, p, n, side, now, vd);
  }
  assert_true(t_cnt(a, PINHOLE_CNT_FLOWS_EXPIRED) > 0);
  assert_true(t_cnt(a, PINHOLE_CNT_EXIST_ACCEPT) > 100);
  assert_true(t_cnt(a, PINHOLE_CNT_NEW_ACCEPT) > 10);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* Hostile headers on an established UDP connection (one per call and in
 * bursts), each of which the one-pass check (plain4.h) must refuse so
 * that the full parse counts it: the header checksum, TTL 0, port 0, the
 * UDP length, ip_len past the buffer, the land check, IP options (the
 * default drop), the host's len one short of ip_len (its pinhole_pkt's
 * len, not a byte of the packet); a first fragment is forwarded by the
 * full path. */
enum {
  H_CKSUM,
  H_TTL0,
  H_PORT0,
  H_UDPLEN,
  H_IPLEN,
  H_LAND,
  H_MF,
  H_OPTS,
  H_SHORT,
  H_N,
  H_TCPFLAGS = H_N /* not in the UDP table */
};

static void ip_refix(uint8_t *b) {
  t_put16(b + 10, 0);
  t_put16(b + 10, pinhole_cksum(b, (size_t)(b[0] & 15) * 4));
}

static void hostile(pinhole_pkt *t, int what) {
  uint8_t *b = t->data;
  switch (what) {
  case H_CKSUM:
    b[10] ^= 0x01;
    break;
  case H_TTL0:
    b[8] = 0;
    ip_refix(b);
    break;
  case H_PORT0:
    t_put16(b + 20, 0);
    break;
  case H_UDPLEN:
    t_put16(b + 24, (uint16_t)(t_get16(b + 24) + 1));
    break;
  case H_IPLEN:
    t_put16(b + 2, (uint16_t)(t->len + 1));
    ip_refix(b);
    break;
  case H_LAND:
    memcpy(b + 16, b + 12, 4);
    ip_refix(b);
    break;
  case H_MF:
    b[6] = 0x20;
    ip_refix(b);
    break;
  case H_OPTS: /* four NOP octets of options */
    memmove(b + 24, b + 20, t->len - 20);
    memset(b + 20, 1, 4);
    b[0] = 0x46;
    t->len += 4;
    t_put16(b + 2, (uint16_t)t->len);
    ip_refix(b);
    break;
  case H_SHORT:
    t->len -= 1;
    break;
  case H_TCPFLAGS: /* SYN+FIN (a TCP segment) */
    b[33] = PINHOLE_TCP_SYN | PINHOLE_TCP_FIN;
    break;
  default:
    fail();
  }
}

/* A corrupting event callback: the first event after target is set (a
 * new flow's, in an earlier packet's turn) applies hostile() to it. */
typedef struct corrupter {
  tctx t; /* first: t_on_event's user */
  pinhole_pkt *target;
  int what;
} corrupter;

static void on_event_corrupt(pinhole_ctx *ctx, const pinhole_event *ev,
                             void *user) {
  corrupter *k = user;
  t_on_event(ctx, ev, user);
  if (k->target != NULL) {
    hostile(k->target, k->what);
    k->target = NULL;
  }
}

static corrupter *corrupter_new(void) {
  corrupter *k = calloc(1, sizeof(*k));
  assert_non_null(k);
  pinhole_config cfg;
  t_cfg(&cfg);
  /* t_ctx()'s context, with the corrupting event callback */
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = on_event_corrupt;
  assert_int_equal(pinhole_ctx_new(&k->t.ctx, &cfg, &cb, k), 0);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = PUB;
  k->t.pool = pinhole_pool_add(k->t.ctx, &pool);
  assert_true(k->t.pool >= 0);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = k->t.pool;
  assert_int_equal(pinhole_rule_add(k->t.ctx, &r), 0);
  return k;
}

static void test_burst_hostile_headers(void **state) {
  (void)state;
  static const struct {
    int verdict, group, detail;
  } want[H_N] = {
      [H_CKSUM] = {DROP, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_CKSUM},
      [H_TTL0] = {DROP, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_TTL_ZERO},
      [H_PORT0] = {DROP, PINHOLE_CNT_ERR_UDP, PINHOLE_CNT_UDP_PORT_ZERO},
      [H_UDPLEN] = {DROP, PINHOLE_CNT_ERR_UDP, PINHOLE_CNT_UDP_LEN},
      [H_IPLEN] = {DROP, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LEN},
      [H_LAND] = {DROP, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LAND},
      [H_MF] = {FWD, 0, 0},
      /* the default configuration drops IP options */
      [H_OPTS] = {DROP, PINHOLE_CNT_DROP_IP_OPTION, PINHOLE_CNT_DROP_IP_OPTION},
      [H_SHORT] = {DROP, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LEN},
  };
  for (int what = 0; what < H_N; what++) {
    /* during = 0: hostile before the burst (its turn's check refuses
     * it); 1: valid when the look-ahead read it, made hostile by the new
     * flow's event in packet 0's turn (its turn checks the bytes now) */
    for (int during = 0; during < 2; during++) {
      corrupter *k = corrupter_new();
      tctx *a = &k->t, *b = t_ctx();
      static tpkt p[3], q[3];
      t_udp(&p[0], IN_HOST, 5000, OUT_HOST, 4000, "open");
      t_copy(&q[0], &p[0]);
      assert_int_equal(t_in(a, &p[0], SEC), FWD);
      assert_int_equal(t_in(b, &q[0], SEC), FWD);
      uint16_t pport = t_get16(q[0].b + 20);
      t_udp(&p[0], IN_HOST + 1, 5001, OUT_HOST, 4000, "new"); /* an event */
      /* 24 bytes of UDP: a first fragment's length is a multiple of 8 */
      t_udp(&p[1], IN_HOST, 5000, OUT_HOST, 4000, "hostile payload!");
      t_udp(&p[2], IN_HOST, 5000, OUT_HOST, 4000, "after");
      for (int i = 0; i < 3; i++)
        t_copy(&q[i], &p[i]);
      pinhole_pkt burst[3] = {p[0].p, p[1].p, p[2].p};
      if (during)
        k->target = &burst[1], k->what = what;
      else
        hostile(&burst[1], what);
      hostile(&q[1].p, what);
      uint8_t vd[3];
      assert_int_equal(pinhole_process_burst(a->ctx, burst, 3,
                                             PINHOLE_SIDE_INSIDE, 2 * SEC, vd),
                       3);
      assert_null(k->target); /* it fired */
      for (int i = 0; i < 3; i++) {
        int v = t_in(b, &q[i], 2 * SEC);
        assert_int_equal(vd[i], v);
        assert_int_equal(burst[i].len, q[i].p.len);
        assert_memory_equal(p[i].b, q[i].b, q[i].p.len);
      }
      vd_is(vd, 3, FWD, want[what].verdict, FWD);
      /* the packet after it went the fast way: translated exactly */
      assert_int_equal(t_get32(q[2].b + 12), PUB);
      assert_int_equal(t_get16(q[2].b + 20), pport);
      t_check_cksums(&q[2]);
      if (want[what].verdict == FWD) {
        t_counters(b, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 2,
                   -1);
        assert_int_equal(t_get32(q[1].b + 12), PUB);
      } else {
        t_counters(b, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
                   want[what].group, 1, want[what].detail, 1, -1);
      }
      stats_same(a->ctx, b->ctx);
      pinhole_ctx_del(a->ctx);
      free(k);
      t_ctx_del(b);
    }
  }
}

/* p[0..2] in one burst through k's context, where a callback makes
 * p[1] hostile (what) after the look-ahead; their copies q one per call
 * through b, made hostile the same way first: the same verdicts, lengths
 * and bytes. */
static void corrupt_second_twin(corrupter *k, tctx *b, tpkt *p, tpkt *q,
                                int what, uint8_t *vd) {
  for (int i = 0; i < 3; i++)
    t_copy(&q[i], &p[i]);
  pinhole_pkt burst[3] = {p[0].p, p[1].p, p[2].p};
  k->target = &burst[1];
  k->what = what;
  hostile(&q[1].p, what);
  assert_int_equal(pinhole_process_burst(k->t.ctx, burst, 3,
                                         PINHOLE_SIDE_INSIDE, 2 * SEC, vd),
                   3);
  assert_null(k->target); /* it fired */
  for (int i = 0; i < 3; i++) {
    assert_int_equal(vd[i], t_in(b, &q[i], 2 * SEC));
    assert_int_equal(burst[i].len, q[i].p.len);
    assert_memory_equal(p[i].b, q[i].b, q[i].p.len);
  }
}

/* A TCP segment whose flags (byte 33, past the tuple the look-ahead
 * reads) a callback turns into SYN+FIN after the look-ahead: its turn
 * checks them and refuses it (illegal flags), as one call per packet
 * refuses it; the segment after it is forwarded. */
static void test_burst_tcp_flags_after_lookahead(void **state) {
  (void)state;
  corrupter *k = corrupter_new();
  tctx *a = &k->t, *b = t_ctx();
  tcp_open(a, 6000, SEC);
  tcp_open(b, 6000, SEC);
  static tpkt p[3], q[3];
  t_udp(&p[0], IN_HOST + 1, 5001, OUT_HOST, 4000, "new"); /* an event */
  t_tcp(&p[1], IN_HOST, 6000, OUT_HOST, 80, 101, 501, PINHOLE_TCP_ACK, "x");
  t_tcp(&p[2], IN_HOST, 6000, OUT_HOST, 80, 101, 501, PINHOLE_TCP_ACK, "x");
  uint8_t vd[3];
  corrupt_second_twin(k, b, p, q, H_TCPFLAGS, vd);
  vd_is(vd, 3, FWD, DROP, FWD);
  /* open: 1 new, 2 existing; then a new UDP flow, the refused segment
   * and the one after it */
  t_counters(b, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_ERR_TCP, 1, PINHOLE_CNT_TCP_FLAGS, 1, -1);
  stats_same(a->ctx, b->ctx);
  pinhole_ctx_del(a->ctx);
  free(k);
  t_ctx_del(b);
}

/* RFC 768 and 1624 on the fast way, one per call and in a burst: a UDP
 * checksum of zero (none) stays zero, the header checksum is updated;
 * the reply's destination and port are translated back and both
 * checksums verify. */
static void test_burst_udp_no_cksum(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  tpkt p, q;
  t_udp(&p, IN_HOST, 5000, OUT_HOST, 4000, "open");
  t_copy(&q, &p);
  assert_int_equal(t_in(a, &p, SEC), FWD);
  assert_int_equal(t_in(b, &q, SEC), FWD);
  uint16_t pport = t_get16(q.b + 20);
  static tpkt r[2];
  t_udp(&r[0], IN_HOST, 5000, OUT_HOST, 4000, "none");
  t_put16(r[0].b + 26, 0);
  t_udp(&r[1], OUT_HOST, 4000, PUB, pport, "back");
  uint8_t vd[2];
  burst_twin(a, b, &r[0], 1, PINHOLE_SIDE_INSIDE, 2 * SEC, vd);
  vd_is(vd, 1, FWD);
  assert_int_equal(t_get16(r[0].b + 26), 0);
  assert_int_equal(t_get32(r[0].b + 12), PUB);
  assert_int_equal(pinhole_cksum(r[0].b, 20), 0);
  burst_twin(a, b, &r[1], 1, PINHOLE_SIDE_OUTSIDE, 2 * SEC, vd);
  vd_is(vd, 1, FWD);
  assert_int_equal(t_get32(r[1].b + 16), IN_HOST);
  assert_int_equal(t_get16(r[1].b + 22), 5000);
  t_check_cksums(&r[1]);
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2, -1);
  t_ctx_del(a);
  t_ctx_del(b);
}

/*
 * The look-ahead past a full home line (process.c ph_hint_far): X sits
 * one line past its home (dup_new_far()), the look-ahead finds it there and
 * hands it over. The first packet's event removes a filler of the home
 * line; the backward shift pulls P1, the first movable entry of the next
 * line, into it, and D, filed with X's tuple as side A, takes P1's old
 * way there, before X's. The hand-over must see D's way ahead of X's with
 * the signature at distance 1 and fall back to the lookup, which answers
 * D. Then, with nothing changed between look-ahead and packet, X's
 * reverse and D's tuple go through in one burst as one call each does.
 */
static void test_burst_far_same_key_filed_ahead(void **state) {
  (void)state;
  dup_ctx *a = dup_new_far(), *b = dup_new_far();
  long x = slot_of(&a->t, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  assert_true(x >= 0);
  assert_int_equal(way_of(a->t.ctx, x), -1); /* not at home */
  int wx = way_at(a->t.ctx, x, 1);
  assert_true(wx > 0); /* behind P1 */
  static tpkt p[NB];
  a->armed = b->armed = 1;
  uint8_t vd[NB];
  burst_n_x(a, b, p, vd);
  vd_is(vd, 2, FWD, FWD);
  assert_int_equal(a->armed, 0);
  assert_true(a->d_slot >= 0 && a->d_slot != x);
  assert_int_equal(way_at(a->t.ctx, x, 1), wx); /* X stayed */
  int wd = way_at(a->t.ctx, a->d_slot, 1);
  assert_true(wd >= 0 && wd < wx); /* D filed ahead of X, past home */
  went_to_d(a, &p[1], x);
  /* D's tuple again, and X's reply, in one burst each side */
  t_udp(&p[0], IN_HOST, 5000, OUT_HOST, 4000, "y");
  burst_twin(&a->t, &b->t, p, 1, PINHOLE_SIDE_INSIDE, 3 * SEC, vd);
  vd_is(vd, 1, FWD);
  assert_int_equal(t_get16(p[0].b + 20), 61000);
  assert_int_equal(a->t.ctx->conns[a->d_slot].frames[0], 2);
  const ph_conn *cx = &a->t.ctx->conns[x];
  t_udp(&p[0], OUT_HOST, 4000, PUB, cx->b.dport, "r");
  burst_twin(&a->t, &b->t, p, 1, PINHOLE_SIDE_OUTSIDE, 3 * SEC, vd);
  vd_is(vd, 1, FWD);
  assert_int_equal(t_get32(p[0].b + 16), IN_HOST);
  assert_int_equal(t_get16(p[0].b + 22), 5000);
  assert_int_equal(cx->frames[1], 1);
  t_counters(&a->t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 3, -1);
  dup_del(a, b);
}

/* Three packets of X (inside 5000 -> outside 4000) in one burst at time
 * now, in both contexts: each forwarded. */
static void burst_x3(dup_ctx *a, dup_ctx *b, uint64_t now) {
  static tpkt p[NB];
  uint8_t vd[NB];
  for (int i = 0; i < 3; i++)
    t_udp(&p[i], IN_HOST, 5000, OUT_HOST, 4000, "x");
  burst_twin(&a->t, &b->t, p, 3, PINHOLE_SIDE_INSIDE, now, vd);
  vd_is(vd, 3, FWD, FWD, FWD);
}

/* X one line past home, nothing changed between look-ahead and packet:
 * the burst forwards X's packets to X, as one call each does, and with
 * the home line's filler removed between bursts (the shift pulls P1, then
 * X home on a second removal) the next bursts find X where it moved. */
static void test_burst_far_handed_over(void **state) {
  (void)state;
  dup_ctx *a = dup_new_far(), *b = dup_new_far();
  long x = slot_of(&a->t, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  assert_int_equal(way_at(a->t.ctx, x, 1) > 0, 1);
  burst_x3(a, b, 2 * SEC);
  assert_int_equal(a->t.ctx->conns[x].frames[0], 4);
  for (int round = 0; round < 2; round++) {
    dup_ctx *t[2] = {a, b};
    for (int k = 0; k < 2; k++) {
      pinhole_ctx *ctx = t[k]->t.ctx;
      uint64_t h = ph_ft_hash(&ctx->ft, UDP, IN_HOST, OUT_HOST, 5000, 4000);
      uint32_t fk = 2 + (uint32_t)round;
      assert_int_equal(pinhole__ft_remove(&ctx->ft, h ^ (uint64_t)fk << 52,
                                          (ctx->cfg.max_flows - fk) << 1),
                       0);
    }
    burst_x3(a, b, 3 * SEC);
  }
  assert_true(way_of(a->t.ctx, x) >= 0); /* X home after two removals */
  assert_int_equal(a->t.ctx->conns[x].frames[0], 10);
  t_counters(&a->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 9, -1);
  dup_del(a, b);
}

/* X two lines past its home (ph_hint_far walks on while a line counts
 * an overflow): the look-ahead finds it there and hands it over, and the
 * burst forwards X's packets to X as one call each does. */
static void test_burst_far2_handed_over(void **state) {
  (void)state;
  dup_ctx *a = dup_make(0, 2), *b = dup_make(0, 2);
  long x = slot_of(&a->t, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  assert_int_equal(way_at(a->t.ctx, x, 0), -1);
  assert_int_equal(way_at(a->t.ctx, x, 1), -1);
  assert_true(way_at(a->t.ctx, x, 2) >= 0);
  burst_x3(a, b, 2 * SEC);
  assert_int_equal(a->t.ctx->conns[x].frames[0], 4);
  t_counters(&a->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3, -1);
  dup_del(a, b);
}

/* X two lines past home; the first packet's event files D, with X's
 * tuple as side A, in X's home line (and, as the insert puts it, behind
 * X two lines on). X's line is as the look-ahead read it, but a lookup
 * now stops at home and answers D: the hand-over checks every line
 * before X's (process.c ph_hint_walks_to) and falls back to the lookup,
 * as one call per packet finds D. */
static void test_burst_far2_home_filed_since(void **state) {
  (void)state;
  dup_ctx *a = dup_make(0, 2), *b = dup_make(0, 2);
  long x = slot_of(&a->t, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  int wx = way_at(a->t.ctx, x, 2);
  assert_true(wx >= 0);
  static tpkt p[NB];
  uint8_t vd[NB];
  a->insert_only = b->insert_only = 1;
  a->poke = b->poke = 1;
  a->armed = b->armed = 1;
  burst_n_x(a, b, p, vd);
  vd_is(vd, 2, FWD, FWD);
  assert_int_equal(a->armed, 0);
  assert_int_equal(way_at(a->t.ctx, x, 2), wx);  /* X stayed */
  assert_true(way_of(a->t.ctx, a->d_slot) >= 0); /* D at home */
  went_to_d(a, &p[1], x);
  dup_del(a, b);
}

/* An IPv6 packet's turn (process6.c, taken straight from the look-ahead's
 * reading of its first bytes while nothing has written them) opens a
 * flow, and its event makes the next packet's IPv4 header hostile (TTL
 * 0) after the look-ahead checked it: the look-ahead's checks stand no
 * longer, that packet's turn checks it again and drops it, as one call
 * per packet does. */
static void test_burst_ipv6_turn_calls_back(void **state) {
  (void)state;
  corrupter *k = corrupter_new();
  tctx *a = &k->t, *b = t_ctx();
  tctx *both[2] = {a, b};
  for (int i = 0; i < 2; i++)
    rule6(both[i], "v6-out", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NULL,
          0, 0, PINHOLE_ACTION_ACCEPT);
  static tpkt p[3], q[3];
  t_udp(&p[0], IN_HOST, 5000, OUT_HOST, 4000, "open");
  t_copy(&q[0], &p[0]);
  assert_int_equal(t_in(a, &p[0], SEC), FWD);
  assert_int_equal(t_in(b, &q[0], SEC), FWD);
  b6_udp(&p[0], "2001:db8:1::5", 5300, "2001:db8:9::1", 53, "a new flow");
  t_udp(&p[1], IN_HOST, 5000, OUT_HOST, 4000, "hostile");
  t_udp(&p[2], IN_HOST, 5000, OUT_HOST, 4000, "after");
  uint8_t vd[3];
  corrupt_second_twin(k, b, p, q, H_TTL0, vd);
  vd_is(vd, 3, FWD, DROP, FWD);
  t_counters(b, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_TTL_ZERO, 1, -1);
  stats_same(a->ctx, b->ctx);
  pinhole_ctx_del(a->ctx);
  free(k);
  t_ctx_del(b);
}

/* A packet the look-ahead does not check (an ICMP echo request) opens a
 * flow, and its event makes the next packet's header hostile (TTL 0)
 * after the look-ahead checked it: that packet's turn checks it again
 * and drops it, as one call per packet does. */
static void test_burst_callback_in_unchecked_turn(void **state) {
  (void)state;
  corrupter *k = corrupter_new();
  tctx *a = &k->t, *b = t_ctx();
  static tpkt p[3], q[3];
  t_udp(&p[0], IN_HOST, 5000, OUT_HOST, 4000, "open");
  t_copy(&q[0], &p[0]);
  assert_int_equal(t_in(a, &p[0], SEC), FWD);
  assert_int_equal(t_in(b, &q[0], SEC), FWD);
  t_echo(&p[0], IN_HOST + 1, OUT_HOST, 8, 77, 1); /* a new flow's event */
  t_udp(&p[1], IN_HOST, 5000, OUT_HOST, 4000, "hostile");
  t_udp(&p[2], IN_HOST, 5000, OUT_HOST, 4000, "after");
  uint8_t vd[3];
  corrupt_second_twin(k, b, p, q, H_TTL0, vd);
  vd_is(vd, 3, FWD, DROP, FWD);
  t_counters(b, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_TTL_ZERO, 1, -1);
  stats_same(a->ctx, b->ctx);
  pinhole_ctx_del(a->ctx);
  free(k);
  t_ctx_del(b);
}

/* The burst's verdicts array over a later packet's header: packet 0's
 * verdict (FORWARD, 0) lands on packet 1's TTL, which the look-ahead had
 * checked as 64. Packet 1 is checked as it is in its turn (TTL 0, its
 * header checksum now wrong: dropped and counted), as one call per packet
 * with the host writing the verdict between the calls gives; the look-ahead's
 * check stands only while nothing the host gave overlaps (process.c
 * ph_apart). */
static void test_burst_verdicts_over_a_header(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  static tpkt p[2], q[2];
  t_udp(&p[0], IN_HOST, 5000, OUT_HOST, 4000, "open");
  t_copy(&q[0], &p[0]);
  assert_int_equal(t_in(a, &p[0], SEC), FWD);
  assert_int_equal(t_in(b, &q[0], SEC), FWD);
  t_udp(&p[0], IN_HOST, 5000, OUT_HOST, 4000, "first");
  t_udp(&p[1], IN_HOST, 5000, OUT_HOST, 4000, "second");
  for (int i = 0; i < 2; i++)
    t_copy(&q[i], &p[i]);
  assert_int_equal(p[1].b[8], 64);
  uint8_t *vd = p[1].b + 8; /* vd[0]: its TTL; vd[1]: its protocol */
  pinhole_pkt burst[2] = {p[0].p, p[1].p};
  assert_int_equal(
      pinhole_process_burst(a->ctx, burst, 2, PINHOLE_SIDE_INSIDE, 2 * SEC, vd),
      2);
  int v0 = t_in(b, &q[0], 2 * SEC);
  q[1].b[8] = (uint8_t)v0;
  int v1 = t_in(b, &q[1], 2 * SEC);
  q[1].b[9] = (uint8_t)v1;
  assert_int_equal(v0, FWD);
  assert_int_equal(v1, DROP);
  assert_int_equal(p[1].b[8], FWD);
  assert_int_equal(p[1].b[9], DROP);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(burst[i].len, q[i].p.len);
    assert_memory_equal(p[i].b, q[i].b, q[i].p.len);
  }
  t_counters(a, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_CKSUM, 1, -1);
  stats_same(a->ctx, b->ctx);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* No callbacks: every turn writes only its own buffer, its pkt's len, its
 * verdict and the context, so the look-ahead's check stands across new
 * flows, expiries and refusals too (process.c "quiet"), and only a buffer
 * the burst shares ends it. Bursts of UDP and TCP from both sides, some
 * packets repeating an earlier packet's buffer (met as that one's turn
 * left it), some hostile, against a twin fed one packet per call. */
static void quiet(tctx *t) {
  t->ctx->cb.event = NULL;
  t->ctx->cb.trace = NULL;
  t->ctx->cb.emit = NULL;
}

static void test_burst_quiet_mixed_as_single(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_flows = 32;
  tctx *a = t_ctx_cfg(&cfg), *b = t_ctx_cfg(&cfg);
  quiet(a);
  quiet(b);
  static tpkt pa[NB], pb[NB];
  uint64_t rng = 777, now = SEC;
  unsigned shared = 0;
  for (int round = 0; round < 600; round++) {
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
      int tcp = ((rng >> 16) & 3) == 0;
      uint16_t ip = (uint16_t)(5000 + e);
      if (side == PINHOLE_SIDE_INSIDE && tcp)
        t_tcp(&pa[i], IN_HOST + (e & 3), ip, OUT_HOST, 80, 1, 0,
              PINHOLE_TCP_SYN, NULL);
      else if (side == PINHOLE_SIDE_INSIDE)
        t_udp(&pa[i], IN_HOST + (e & 3), ip, OUT_HOST, 4000, "m");
      else
        t_udp(&pa[i], OUT_HOST, 4000, PUB, ip, "r");
      if (((rng >> 24) & 15) == 0)
        hostile(&pa[i].p, (int)((rng >> 28) % H_N));
      t_copy(&pb[i], &pa[i]);
    }
    burst_twin_of(a, b, pa, pb, of, n, side, now);
  }
  assert_true(shared > 100);
  assert_true(t_cnt(a, PINHOLE_CNT_FLOWS_EXPIRED) > 0);
  assert_true(t_cnt(a, PINHOLE_CNT_EXIST_ACCEPT) > 100);
  assert_true(t_cnt(a, PINHOLE_CNT_NEW_ACCEPT) > 10);
  assert_true(t_cnt(a, PINHOLE_CNT_ERR_IP) > 10);
  t_ctx_del(a);
  t_ctx_del(b);
}

/*
 * A quiet context's hand-over (process.c PH_CHK_REF): X two lines past
 * its home, N a new flow. In the first burst X's first packet takes the
 * look-ahead's connection on trust (the table as the look-ahead read it),
 * N's opens a flow (an insert: every later turn of the chunk checks its
 * candidate again, ph_hint_holds, as the table changed), N's second
 * packet had no candidate (N did not exist yet) and finds N by a lookup.
 * In the second burst every packet is handed its connection, N's too. The
 * same verdicts, bytes and counters as one call per packet, and these
 * exact ones.
 */
static void test_burst_quiet_hand_over(void **state) {
  (void)state;
  dup_ctx *a = dup_make(0, 2), *b = dup_make(0, 2);
  quiet(&a->t);
  quiet(&b->t);
  long x = slot_of(&a->t, UDP, IN_HOST, OUT_HOST, 5000, 4000);
  assert_true(way_at(a->t.ctx, x, 2) >= 0);
  static tpkt p[NB];
  uint8_t vd[NB];
  static const uint16_t sp1[5] = {5000, 5001, 5000, 5001, 5000};
  for (int i = 0; i < 5; i++)
    t_udp(&p[i], IN_HOST, sp1[i], OUT_HOST, 4000, "h");
  uint32_t before = a->t.ctx->ft.changes;
  uint64_t exist = t_cnt(&a->t, PINHOLE_CNT_EXIST_ACCEPT);
  uint64_t opened = t_cnt(&a->t, PINHOLE_CNT_NEW_ACCEPT);
  burst_twin(&a->t, &b->t, p, 5, PINHOLE_SIDE_INSIDE, 2 * SEC, vd);
  vd_is(vd, 5, FWD, FWD, FWD, FWD, FWD);
  assert_int_equal(a->t.ctx->ft.changes, before + 2); /* N's two keys */
  long n = slot_of(&a->t, UDP, IN_HOST, OUT_HOST, 5001, 4000);
  assert_true(n >= 0 && n != x);
  assert_int_equal(a->t.ctx->conns[x].frames[0], 4);
  assert_int_equal(a->t.ctx->conns[n].frames[0], 2);
  assert_int_equal(t_get32(p[3].b + 12), PUB);
  static const uint16_t sp2[4] = {5001, 5000, 5001, 5000};
  for (int i = 0; i < 4; i++)
    t_udp(&p[i], IN_HOST, sp2[i], OUT_HOST, 4000, "i");
  burst_twin(&a->t, &b->t, p, 4, PINHOLE_SIDE_INSIDE, 3 * SEC, vd);
  vd_is(vd, 4, FWD, FWD, FWD, FWD);
  assert_int_equal(a->t.ctx->ft.changes, before + 2);
  assert_int_equal(a->t.ctx->conns[x].frames[0], 6);
  assert_int_equal(a->t.ctx->conns[n].frames[0], 4);
  assert_int_equal(t_cnt(&a->t, PINHOLE_CNT_NEW_ACCEPT), opened + 1);
  assert_int_equal(t_cnt(&a->t, PINHOLE_CNT_EXIST_ACCEPT), exist + 8);
  dup_del(a, b);
}

/* Two packets laid out in memory of their own in each of two contexts:
 * t[0]'s pair in one burst, t[1]'s one per call, the same verdicts and
 * lengths (vd: the burst's verdicts). */
static void burst_pair_vs_single(tctx *const t[2], pinhole_pkt *pa,
                                 pinhole_pkt *pb, uint8_t vd[2]) {
  assert_int_equal(
      pinhole_process_burst(t[0]->ctx, pa, 2, PINHOLE_SIDE_INSIDE, 2 * SEC, vd),
      2);
  for (int i = 0; i < 2; i++) {
    int v = pinhole_process(t[1]->ctx, &pb[i], PINHOLE_SIDE_INSIDE, 2 * SEC);
    assert_int_equal(vd[i], v);
    assert_int_equal(pa[i].len, pb[i].len);
  }
}

/* A buffer's extent is its cap, not its len (process.c: the look-ahead
 * checks a packet only while each buffer [data, data + cap) comes after
 * the one before). Packet 0, an FTP PORT command whose address grows
 * (198,18,0,2 becomes 198,19,100,100), writes in its turn past its len,
 * where packet 1's header lies: packet 1 is checked as it then is (its
 * first byte a comma: not IP, dropped and counted), as one call per
 * packet gives. Quiet contexts, where the look-ahead's check would
 * otherwise stand through packet 0's turn. */
#define FTP_CLI IP4(198, 18, 0, 2)
#define FTP_PUB IP4(198, 19, 100, 100) /* two digits longer */
static void ftp_ready(tctx *t) {
  tpkt p;
  uint32_t cs = 100, ss = 900 - T_FTP_GREETING_LEN;
  t_tcp(&p, FTP_CLI, 40000, OUT_HOST, 21, cs++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), FWD);
  t_tcp(&p, OUT_HOST, 21, FTP_PUB, 40000, ss++, cs,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), FWD);
  ss += T_FTP_GREETING_LEN;
  t_ftp_greet(t, OUT_HOST, FTP_PUB, 40000, ss, cs);
  t_udp(&p, IN_HOST, 5000, OUT_HOST, 4000, "open");
  assert_int_equal(t_in(t, &p, SEC), FWD);
}

static void test_burst_extent_is_cap(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  tctx *t[2] = {t_ctx_pool(&cfg, FTP_PUB, FTP_PUB, 0, 0),
                t_ctx_pool(&cfg, FTP_PUB, FTP_PUB, 0, 0)};
  uint8_t *mem[2];
  pinhole_pkt pk[2][2];
  size_t l0 = 0, l1 = 0;
  for (int x = 0; x < 2; x++) {
    quiet(t[x]);
    ftp_ready(t[x]);
    mem[x] = calloc(1, 1024);
    assert_non_null(mem[x]);
    tpkt p;
    t_tcp(&p, FTP_CLI, 40000, OUT_HOST, 21, 101, 901, PINHOLE_TCP_ACK,
          "PORT 198,18,0,2,4,0\r\n");
    l0 = p.p.len;
    memcpy(mem[x], p.b, l0);
    t_udp(&p, IN_HOST, 5000, OUT_HOST, 4000, "s");
    l1 = p.p.len;
    memcpy(mem[x] + l0, p.b, l1);
    /* packet 0 may grow by 64; packet 1 starts right after its len */
    pk[x][0] = (pinhole_pkt){mem[x], (uint32_t)l0, (uint32_t)l0 + 64};
    pk[x][1] = (pinhole_pkt){mem[x] + l0, (uint32_t)l1, (uint32_t)l1};
  }
  uint8_t vd[2];
  burst_pair_vs_single(t, pk[0], pk[1], vd);
  assert_memory_equal(mem[0], mem[1], 1024);
  vd_is(vd, 2, FWD, DROP);
  assert_true(pk[0][0].len > l0); /* it grew over packet 1's header */
  /* its first byte now a comma of the address: version 2 */
  assert_int_equal(mem[0][l0], ',');
  t_counters(t[0], PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_ERR_NON_IP, 1, PINHOLE_CNT_PINHOLE_CREATED, 1, -1);
  stats_same(t[0]->ctx, t[1]->ctx);
  for (int x = 0; x < 2; x++) {
    free(mem[x]);
    t_ctx_del(t[x]);
  }
}

/* The burst's pinhole_pkt array over a later packet's header bytes
 * (process.c: the look-ahead's check stands only while the array
 * overlaps no checked buffer). pk[0] lies in packet 1's TCP header,
 * its len on packet 1's data offset, flags and window (a SYN of 20
 * bytes: 0x50 0x02 0 0, so packet 0's len is 592, link padding past its
 * 29 bytes); pk[1] in packet 1's payload. Packet 0's turn sets its len
 * to 29, so packet 1's data offset becomes 1 and its flags 0: checked as
 * it then is, it is dropped for its TCP header length, as one call per
 * packet gives. Quiet contexts. */
static void test_burst_pkts_over_a_header(void **state) {
  (void)state;
  tctx *t[2] = {t_ctx(), t_ctx()};
  uint8_t *mem[2];
  pinhole_pkt *pk[2];
  for (int x = 0; x < 2; x++) {
    quiet(t[x]);
    tpkt p;
    t_udp(&p, IN_HOST, 5000, OUT_HOST, 4000, "open");
    assert_int_equal(t_in(t[x], &p, SEC), FWD);
    mem[x] = calloc(1, 1024); /* malloc'd: no declared type */
    assert_non_null(mem[x]);
    uint8_t *d0 = mem[x], *d1 = mem[x] + 608;
    t_udp(&p, IN_HOST, 5000, OUT_HOST, 4000, "x");
    assert_int_equal(p.p.len, 29);
    memcpy(d0, p.b, 29);
    static const uint8_t zero[16];
    t_tcp_n(&p, IN_HOST, 6000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, zero, 16);
    t_put16(p.b + 34, 0); /* window 0 */
    memcpy(d1, p.b, 56);
    pk[x] = (pinhole_pkt *)(void *)(d1 + 24);
    pk[x][0] = (pinhole_pkt){d0, 592, 600};
    pk[x][1] = (pinhole_pkt){d1, 56, 56};
    /* the array's bytes are packet 1's: data offset 5, SYN, window 0 */
    assert_int_equal(d1[32], 0x50);
    assert_int_equal(d1[33], PINHOLE_TCP_SYN);
    assert_int_equal(t_get16(d1 + 34), 0);
  }
  uint8_t vd[2];
  burst_pair_vs_single(t, pk[0], pk[1], vd);
  vd_is(vd, 2, FWD, DROP);
  assert_int_equal(pk[0][0].len, 29);
  assert_int_equal(mem[0][608 + 32], 29); /* its data offset byte now */
  /* the same bytes but the pointers the arrays hold */
  assert_memory_equal(mem[0], mem[1], 608 + 24);
  assert_memory_equal(mem[0] + 608 + 32, mem[1] + 608 + 32, 8);
  t_counters(t[0], PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_TCP, 1, PINHOLE_CNT_TCP_HDR_LEN, 1, -1);
  stats_same(t[0]->ctx, t[1]->ctx);
  for (int x = 0; x < 2; x++) {
    free(mem[x]);
    t_ctx_del(t[x]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_burst_expired_and_opened_again),
      cmocka_unit_test(test_burst_slot_reused),
      cmocka_unit_test(test_burst_rst_then_data),
      cmocka_unit_test(test_burst_shared_buffer),
      cmocka_unit_test(test_burst_same_key_filed_ahead),
      cmocka_unit_test(test_burst_same_key_shifted_ahead),
      cmocka_unit_test(test_burst_far_same_key_filed_ahead),
      cmocka_unit_test(test_burst_far_handed_over),
      cmocka_unit_test(test_burst_far2_handed_over),
      cmocka_unit_test(test_burst_far2_home_filed_since),
      cmocka_unit_test(test_burst_ipv6_turn_calls_back),
      cmocka_unit_test(test_burst_change_insert_only),
      cmocka_unit_test(test_burst_change_remove_only),
      cmocka_unit_test(test_burst_mixed_as_single),
      cmocka_unit_test(test_burst_hostile_headers),
      cmocka_unit_test(test_burst_tcp_flags_after_lookahead),
      cmocka_unit_test(test_burst_udp_no_cksum),
      cmocka_unit_test(test_burst_callback_in_unchecked_turn),
      cmocka_unit_test(test_burst_verdicts_over_a_header),
      cmocka_unit_test(test_burst_quiet_mixed_as_single),
      cmocka_unit_test(test_burst_quiet_hand_over),
      cmocka_unit_test(test_burst_extent_is_cap),
      cmocka_unit_test(test_burst_pkts_over_a_header),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the hierarchical timer wheel (lib/timer/wheel.c), all on a
 * fake clock: times are plain numbers passed to init/arm/advance.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pinhole/wheel.h>

#include "timer/wheel_internal.h"

typedef struct obj {
  uint32_t id;
  pinhole_timer t;
  uint8_t other[5];
} obj;

/* What the callback saw, plus actions it takes (indexed by fired entry). */
typedef struct rec {
  pinhole_wheel *w;
  size_t n;
  uint32_t *idx;
  uint64_t *at;     /* now_ns of the advance call that fired it */
  uint64_t now;     /* set by the test before each advance */
  uint32_t *cancel; /* cancel[i] = j + 1: on firing i, cancel j */
  uint32_t *rearm;  /* rearm[i] = j + 1: on firing i, arm j at rearm_ns[i] */
  uint64_t *rearm_ns;
} rec;

static void on_fire(uint32_t i, void *user) {
  rec *r = user;
  r->idx[r->n] = i;
  r->at[r->n] = r->now;
  r->n++;
  if (r->cancel != NULL && r->cancel[i] != 0)
    pinhole_wheel_cancel(r->w, r->cancel[i] - 1);
  if (r->rearm != NULL && r->rearm[i] != 0) {
    uint32_t j = r->rearm[i] - 1;
    r->rearm[i] = 0; /* once */
    assert_int_equal(pinhole_wheel_arm(r->w, j, r->rearm_ns[i]), 0);
  }
}

static rec *rec_new(pinhole_wheel *w, size_t cap, int actions) {
  rec *r = calloc(1, sizeof(*r));
  assert_non_null(r);
  r->w = w;
  r->idx = calloc(cap, sizeof(*r->idx));
  r->at = calloc(cap, sizeof(*r->at));
  assert_non_null(r->idx);
  assert_non_null(r->at);
  if (actions) {
    r->cancel = calloc(cap, sizeof(*r->cancel));
    r->rearm = calloc(cap, sizeof(*r->rearm));
    r->rearm_ns = calloc(cap, sizeof(*r->rearm_ns));
    assert_non_null(r->cancel);
    assert_non_null(r->rearm);
    assert_non_null(r->rearm_ns);
  }
  return r;
}

static void rec_free(rec *r) {
  free(r->idx);
  free(r->at);
  free(r->cancel);
  free(r->rearm);
  free(r->rearm_ns);
  free(r);
}

static size_t adv(pinhole_wheel *w, rec *r, uint64_t now, size_t budget) {
  r->now = now;
  return pinhole_wheel_advance(w, now, budget, on_fire, r);
}

static uint64_t rnd(uint64_t *s) {
  *s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
  return *s >> 17;
}

static uint64_t tick_up(uint64_t ns, unsigned shift) {
  return (ns >> shift) + ((ns & ((UINT64_C(1) << shift) - 1)) != 0);
}

typedef struct exp_ent {
  uint64_t tick;
  uint32_t seq, idx;
} exp_ent;

static int exp_cmp(const void *a, const void *b) {
  const exp_ent *x = a, *y = b;
  if (x->tick != y->tick)
    return x->tick < y->tick ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static obj *objs_new(size_t n) {
  obj *o = calloc(n, sizeof(*o));
  assert_non_null(o);
  /* Garbage in the timers: init must clear them. */
  memset(o, 0xa5, n * sizeof(*o));
  return o;
}

static void wheel_init(pinhole_wheel *w, obj *o, uint32_t n, uint64_t now,
                       unsigned shift) {
  assert_int_equal(
      pinhole_wheel_init(w, o, sizeof(obj), offsetof(obj, t), n, now, shift),
      0);
}

/*
 * Many timers at known times, a quarter of them on 16 shared times, armed in
 * shuffled index order; advanced in uneven steps. They must fire exactly in
 * (tick, arming order) order, each in the first advance that reaches its
 * tick, never before its time.
 */
static void test_wheel_expiry_order_exact(void **state) {
  (void)state;
  enum { N = 3000 };
  const unsigned shift = 10;
  const uint64_t T = UINT64_C(1) << shift, now0 = 123456789;
  obj *o = objs_new(N);
  pinhole_wheel w;
  wheel_init(&w, o, N, now0, shift);
  rec *r = rec_new(&w, N, 0);
  exp_ent *e = calloc(N, sizeof(*e));
  uint64_t *when = calloc(N, sizeof(*when));
  assert_non_null(e);
  assert_non_null(when);
  uint64_t s = 42, shared[16], last = 0;
  for (int k = 0; k < 16; k++)
    shared[k] = now0 + 1 + rnd(&s) % (UINT64_C(1) << 28);
  uint32_t perm[N];
  for (uint32_t i = 0; i < N; i++)
    perm[i] = i;
  for (uint32_t i = N - 1; i > 0; i--) {
    uint32_t j = (uint32_t)(rnd(&s) % (i + 1)), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (uint32_t k = 0; k < N; k++) {
    uint32_t i = perm[k];
    uint64_t x = rnd(&s);
    when[i] = (x & 3) == 0 ? shared[(x >> 2) & 15]
                           : now0 + 1 + rnd(&s) % (UINT64_C(1) << 28);
    assert_int_equal(pinhole_wheel_arm(&w, i, when[i]), 0);
    e[k] = (exp_ent){tick_up(when[i], shift), k, i};
    last = when[i] > last ? when[i] : last;
  }
  qsort(e, N, sizeof(*e), exp_cmp);
  uint64_t now = now0, prev = now0;
  while (now < last + T) {
    now += 1 + rnd(&s) % (UINT64_C(1) << 21);
    size_t before = r->n;
    size_t got = adv(&w, r, now, SIZE_MAX);
    assert_int_equal(got, r->n - before);
    for (size_t k = before; k < r->n; k++) {
      uint32_t i = r->idx[k];
      uint64_t due = tick_up(when[i], shift) * T;
      assert_true(when[i] <= now);    /* never early */
      assert_true(due <= now);        /* its tick was reached */
      assert_true(due > prev);        /* and not in an earlier call */
      assert_true(due - when[i] < T); /* under a tick after its time */
    }
    assert_int_equal(pinhole_wheel_pending(&w, now), 0);
    prev = now;
  }
  assert_int_equal(r->n, N);
  for (size_t k = 0; k < N; k++)
    assert_int_equal(r->idx[k], e[k].idx);
  for (uint32_t i = 0; i < N; i++)
    assert_int_equal(pinhole_wheel_armed(&w, i), 0);
  free(e);
  free(when);
  rec_free(r);
  free(o);
}

/* Equal times fire in arming order, whatever the indexes. */
static void test_wheel_equal_times_insertion_order(void **state) {
  (void)state;
  enum { N = 200 };
  obj *o = objs_new(N);
  pinhole_wheel w;
  wheel_init(&w, o, N, 0, 24);
  rec *r = rec_new(&w, N, 0);
  const uint64_t at = UINT64_C(5000000000); /* ~298 ticks: level 1 */
  for (uint32_t k = 0; k < N; k++)
    assert_int_equal(pinhole_wheel_arm(&w, (k * 37) % N, at), 0);
  assert_int_equal(adv(&w, r, at - 1, SIZE_MAX), 0);
  assert_int_equal(adv(&w, r, at + (UINT64_C(1) << 24), SIZE_MAX), N);
  for (uint32_t k = 0; k < N; k++)
    assert_int_equal(r->idx[k], (k * 37) % N);
  rec_free(r);
  free(o);
}

/*
 * Far-future timers at tick distances around every level boundary and past
 * the wheel's span (parked): each fires exactly when its tick is reached:
 * not at tick - 1 ns, and at the tick boundary. The start time is not
 * aligned, so every digit of the tick counter is in play.
 */
static void test_wheel_far_future_cascade(void **state) {
  (void)state;
  static const uint64_t dt[] = {1,
                                2,
                                63,
                                64,
                                65,
                                127,
                                128,
                                4095,
                                4096,
                                4097,
                                262143,
                                262144,
                                262145,
                                1000000,
                                16777215,
                                16777216,
                                16777217,
                                20000000,
                                3 * 16777216 + 12345,
                                (UINT64_C(1) << 26) + 7};
  enum { N = sizeof(dt) / sizeof(dt[0]) + 2 };
  const unsigned shift = 24;
  const uint64_t T = UINT64_C(1) << shift;
  const uint64_t now0 = UINT64_C(987654321987654321);
  const uint64_t t0 = now0 >> shift;
  obj *o = objs_new(N);
  pinhole_wheel w;
  wheel_init(&w, o, N, now0, shift);
  rec *r = rec_new(&w, 2 * N, 0);
  /* Arm in reverse to make list order differ from expiry order. */
  for (uint32_t i = N - 2; i-- > 0;)
    assert_int_equal(pinhole_wheel_arm(&w, i, (t0 + dt[i]) * T - T / 3), 0);
  /* A and B share a far time; B is armed much later: A must fire first. */
  const uint64_t ab = (t0 + 5000000) * T;
  assert_int_equal(pinhole_wheel_arm(&w, N - 2, ab), 0);
  int ab_done = 0;
  for (uint32_t i = 0; i < N - 2; i++) {
    uint64_t due = (t0 + dt[i]) * T;
    if (i == 13) { /* between 1e6 and 16777215: arm B now */
      assert_int_equal(pinhole_wheel_arm(&w, N - 1, ab), 0);
    }
    if (dt[i] > 5000000 && !ab_done) {
      assert_int_equal(adv(&w, r, ab - 1, SIZE_MAX), 0);
      assert_int_equal(adv(&w, r, ab, SIZE_MAX), 2);
      assert_int_equal(r->idx[r->n - 2], N - 2);
      assert_int_equal(r->idx[r->n - 1], N - 1);
      ab_done = 1;
    }
    size_t n0 = r->n;
    assert_int_equal(adv(&w, r, due - 1, SIZE_MAX), 0);
    assert_int_equal(pinhole_wheel_pending(&w, due - 1), 0);
    assert_int_equal(pinhole_wheel_pending(&w, due), 1);
    assert_int_equal(adv(&w, r, due, SIZE_MAX), 1);
    assert_int_equal(r->n, n0 + 1);
    assert_int_equal(r->idx[n0], i);
    assert_int_equal(pinhole_wheel_armed(&w, i), 0);
  }
  assert_true(ab_done);
  assert_int_equal(r->n, N);
  rec_free(r);
  free(o);
}

static void test_wheel_cancel_before_expiry(void **state) {
  (void)state;
  enum { N = 10 };
  obj *o = objs_new(N);
  pinhole_wheel w;
  wheel_init(&w, o, N, 0, 20);
  rec *r = rec_new(&w, N, 0);
  for (uint32_t i = 0; i < N; i++)
    assert_int_equal(pinhole_wheel_arm(&w, i, (i + 1) * UINT64_C(100000000)),
                     0);
  pinhole_wheel_cancel(&w, 3);
  pinhole_wheel_cancel(&w, 0);
  pinhole_wheel_cancel(&w, 9);
  pinhole_wheel_cancel(&w, 9); /* not armed: no-op */
  pinhole_wheel_cancel(&w, N); /* out of range: no-op */
  pinhole_wheel_cancel(&w, UINT32_MAX);
  assert_int_equal(pinhole_wheel_armed(&w, 3), 0);
  assert_int_equal(pinhole_wheel_armed(&w, 4), 1);
  assert_int_equal(adv(&w, r, UINT64_C(2000000000), SIZE_MAX), 7);
  static const uint32_t want[] = {1, 2, 4, 5, 6, 7, 8};
  for (size_t k = 0; k < 7; k++)
    assert_int_equal(r->idx[k], want[k]);
  rec_free(r);
  free(o);
}

/*
 * From inside the callback: cancel an entry due in the same tick (it must
 * not fire), cancel a later one, re-arm the fired entry itself (periodic),
 * re-arm another one into the past (fires in the same call).
 */
static void test_wheel_cancel_and_rearm_in_callback(void **state) {
  (void)state;
  enum { N = 8 };
  const unsigned shift = 20;
  const uint64_t T = UINT64_C(1) << shift;
  obj *o = objs_new(N);
  pinhole_wheel w;
  wheel_init(&w, o, N, 0, shift);
  rec *r = rec_new(&w, 64, 1);
  /* 0, 1, 2 due at tick 10; 0 cancels 1; 2 cancels 5 (tick 50). */
  for (uint32_t i = 0; i < 3; i++)
    assert_int_equal(pinhole_wheel_arm(&w, i, 10 * T), 0);
  assert_int_equal(pinhole_wheel_arm(&w, 5, 50 * T), 0);
  r->cancel[0] = 1 + 1;
  r->cancel[2] = 5 + 1;
  /* 3 due at tick 20 re-arms itself at tick 30 (once), and re-arms 4 in
   * the past: 4 fires in the same call, after 3. */
  assert_int_equal(pinhole_wheel_arm(&w, 3, 20 * T), 0);
  assert_int_equal(pinhole_wheel_arm(&w, 4, 1000 * T), 0);
  r->rearm[3] = 3 + 1;
  r->rearm_ns[3] = 30 * T;
  r->cancel[3] = 0;
  /* 6 at tick 20 (after 3) re-arms 4 into the past. */
  assert_int_equal(pinhole_wheel_arm(&w, 6, 20 * T), 0);
  r->rearm[6] = 4 + 1;
  r->rearm_ns[6] = 1;

  assert_int_equal(adv(&w, r, 10 * T, SIZE_MAX), 2);
  assert_int_equal(r->idx[0], 0);
  assert_int_equal(r->idx[1], 2);
  assert_int_equal(pinhole_wheel_armed(&w, 1), 0);
  assert_int_equal(pinhole_wheel_armed(&w, 5), 0);

  assert_int_equal(adv(&w, r, 20 * T, SIZE_MAX), 3);
  assert_int_equal(r->idx[2], 3);
  assert_int_equal(r->idx[3], 6);
  assert_int_equal(r->idx[4], 4);
  assert_int_equal(pinhole_wheel_armed(&w, 3), 1);

  assert_int_equal(adv(&w, r, 30 * T - 1, SIZE_MAX), 0);
  assert_int_equal(adv(&w, r, 30 * T, SIZE_MAX), 1);
  assert_int_equal(r->idx[5], 3);
  assert_int_equal(adv(&w, r, 5000 * T, SIZE_MAX), 0);
  for (uint32_t i = 0; i < N; i++)
    assert_int_equal(pinhole_wheel_armed(&w, i), 0);
  rec_free(r);
  free(o);
}

/*
 * A budget that runs out while a boundary tick is being re-filed leaves
 * the wheel consistent: timers armed meanwhile keep their order (same
 * expiry: arming order), one armed just before the boundary tick fires on
 * the next advance, one armed at the boundary tick fires with it.
 */
static void test_wheel_arm_during_partial_cascade(void **state) {
  (void)state;
  enum { N = 104, X = 100, Y = 101, Z = 102 };
  const uint64_t T = UINT64_C(1) << 24;
  obj *o = objs_new(N);
  pinhole_wheel w;
  wheel_init(&w, o, N, 0, 24);
  rec *r = rec_new(&w, 2 * N, 0);
  for (uint32_t i = 0; i < 100; i++) /* tick 100: level 1, slot 1 */
    assert_int_equal(pinhole_wheel_arm(&w, i, 100 * T), 0);
  /* Tick 64 re-files level-1 slot 1: 1 unit for the tick + 9 re-files. */
  assert_int_equal(adv(&w, r, 64 * T, 10), 0);
  assert_int_equal(pinhole_wheel_pending(&w, 0), 1);
  assert_int_equal(pinhole_wheel_arm(&w, X, 100 * T), 0);
  assert_int_equal(pinhole_wheel_arm(&w, Y, 63 * T), 0);
  assert_int_equal(pinhole_wheel_arm(&w, Z, 64 * T), 0);
  assert_int_equal(adv(&w, r, 64 * T, SIZE_MAX), 2);
  assert_int_equal(r->idx[0], Y);
  assert_int_equal(r->idx[1], Z);
  assert_int_equal(adv(&w, r, 100 * T - 1, SIZE_MAX), 0);
  assert_int_equal(adv(&w, r, 100 * T, SIZE_MAX), 101);
  for (uint32_t k = 0; k < 100; k++)
    assert_int_equal(r->idx[2 + k], k);
  assert_int_equal(r->idx[102], X);
  rec_free(r);
  free(o);
}

/* A callback that re-arms its own entry in the past is bounded by budget. */
static void rearm_self_past(uint32_t i, void *user) {
  pinhole_wheel *w = user;
  assert_int_equal(pinhole_wheel_arm(w, i, 0), 0);
}

static void test_wheel_rearm_loop_bounded(void **state) {
  (void)state;
  obj *o = objs_new(1);
  pinhole_wheel w;
  wheel_init(&w, o, 1, UINT64_C(1) << 30, 10);
  assert_int_equal(pinhole_wheel_arm(&w, 0, 5), 0);
  assert_int_equal(
      pinhole_wheel_advance(&w, UINT64_C(1) << 30, 7, rearm_self_past, &w), 7);
  assert_int_equal(pinhole_wheel_armed(&w, 0), 1);
  assert_int_equal(pinhole_wheel_pending(&w, 0), 1);
  pinhole_wheel_cancel(&w, 0);
  assert_int_equal(pinhole_wheel_pending(&w, 0), 0);
  free(o);
}

/*
 * 10000 timers spread over 6 hours, then a jump of 6 hours advanced with a
 * budget of 64: every call fires at most 64, all fire in order, and the
 * number of calls is bounded by the work (fires + re-files + ticks), not by
 * the 1.3 million ticks crossed.
 */
static void test_wheel_time_jump_budget(void **state) {
  (void)state;
  enum { N = 10000 };
  const unsigned shift = 24;
  const uint64_t T = UINT64_C(1) << shift;
  const uint64_t six_h = UINT64_C(6) * 3600 * 1000000000;
  const uint64_t now0 = UINT64_C(5000000000000) + 777;
  obj *o = objs_new(N);
  pinhole_wheel w;
  wheel_init(&w, o, N, now0, shift);
  rec *r = rec_new(&w, N, 0);
  exp_ent *e = calloc(N, sizeof(*e));
  assert_non_null(e);
  uint64_t s = 7;
  for (uint32_t k = 0; k < N; k++) {
    uint32_t i = (uint32_t)((k * UINT64_C(7919)) % N);
    uint64_t x = now0 + 1 + rnd(&s) % six_h;
    if (k % 10 == 0) /* ties */
      x = now0 + six_h / 2;
    assert_int_equal(pinhole_wheel_arm(&w, i, x), 0);
    e[k] = (exp_ent){tick_up(x, shift), k, i};
  }
  qsort(e, N, sizeof(*e), exp_cmp);
  const uint64_t end = now0 + six_h + T;
  size_t calls = 0, total = 0;
  assert_int_equal(pinhole_wheel_pending(&w, end), 1);
  for (;;) {
    size_t got = adv(&w, r, end, 64);
    calls++;
    assert_true(got <= 64);
    total += got;
    if (!pinhole_wheel_pending(&w, end))
      break;
    assert_true(calls < 2000);
  }
  /* A timer is re-filed at most 3 times and fired once, and each tick
   * visited re-files or fires at least one: at most 8 * N units. */
  assert_true(calls <= (8 * N) / 64 + 1);
  assert_true(calls >= N / 64);
  assert_int_equal(total, N);
  assert_int_equal(r->n, N);
  for (size_t k = 0; k < N; k++)
    assert_int_equal(r->idx[k], e[k].idx);
  assert_int_equal(adv(&w, r, end, 64), 0);
  free(e);
  rec_free(r);
  free(o);
}

/* The internal advance reports the work it spent: never more than its
 * budget, and the same total however the budget is split; a call that
 * spends less than its budget leaves nothing pending (what pinhole_tick's
 * return value relies on). */
static void test_wheel_run_work_accounting(void **state) {
  (void)state;
  enum { N = 2000 };
  const unsigned shift = 10;
  const uint64_t now0 = 12345;
  const uint64_t end = now0 + (UINT64_C(1) << 30);
  static const size_t budgets[] = {1, 7, 64, 1000, 100000};
  size_t total_work[5], total_fired[5];
  for (size_t b = 0; b < 5; b++) {
    obj *o = objs_new(N);
    pinhole_wheel w;
    wheel_init(&w, o, N, now0, shift);
    uint64_t s = 99;
    for (uint32_t i = 0; i < N; i++) /* every level of the wheel */
      assert_int_equal(
          pinhole_wheel_arm(&w, i, now0 + 1 + rnd(&s) % (UINT64_C(1) << 29)),
          0);
    total_work[b] = total_fired[b] = 0;
    for (size_t calls = 0;; calls++) {
      size_t fired;
      size_t work = pinhole__wheel_run(&w, end, budgets[b], NULL, NULL, &fired);
      assert_true(work <= budgets[b]);
      assert_true(fired <= work);
      total_work[b] += work;
      total_fired[b] += fired;
      if (work < budgets[b]) {
        assert_int_equal(pinhole_wheel_pending(&w, end), 0);
        break;
      }
      assert_true(calls < 100000);
    }
    assert_int_equal(total_fired[b], N);
    assert_int_equal(w.armed, 0);
    free(o);
  }
  for (size_t b = 1; b < 5; b++)
    assert_int_equal(total_work[b], total_work[0]);
  /* each timer fired once and re-filed at most three times */
  assert_true(total_work[0] >= N && total_work[0] <= 4 * N + 4096);
}

/* An empty wheel crosses 2^54 ticks at once; a lone timer 2^40 ns out (far
 * past the 2^34 ns span at shift 10) still fires at its tick. */
static void test_wheel_huge_jump(void **state) {
  (void)state;
  obj *o = objs_new(2);
  pinhole_wheel w;
  rec *r = rec_new(&w, 4, 0);
  wheel_init(&w, o, 2, 0, 10);
  assert_int_equal(adv(&w, r, UINT64_MAX / 2, 1), 0);
  assert_int_equal(pinhole_wheel_pending(&w, UINT64_MAX), 0);
  const uint64_t base = UINT64_MAX / 2, at = base + (UINT64_C(1) << 40);
  assert_int_equal(pinhole_wheel_arm(&w, 1, at), 0);
  size_t calls = 0;
  while (pinhole_wheel_pending(&w, at - 1)) {
    assert_int_equal(adv(&w, r, at - 1, 1024), 0);
    assert_true(++calls < 100);
  }
  assert_int_equal(adv(&w, r, at - 1, 1024), 0);
  assert_int_equal(adv(&w, r, UINT64_MAX, 1024), 1);
  assert_int_equal(r->idx[0], 1);
  rec_free(r);
  free(o);
}

/* pending: set while a budget-limited advance has work left, clear after. */
static void test_wheel_pending(void **state) {
  (void)state;
  const uint64_t T = UINT64_C(1) << 24, now0 = 100 * T + 5;
  obj *o = objs_new(4);
  pinhole_wheel w;
  wheel_init(&w, o, 4, now0, 24);
  rec *r = rec_new(&w, 8, 0);
  assert_int_equal(pinhole_wheel_pending(&w, UINT64_MAX), 0);
  assert_int_equal(pinhole_wheel_arm(&w, 0, 105 * T), 0);
  assert_int_equal(pinhole_wheel_arm(&w, 1, 105 * T), 0);
  assert_int_equal(pinhole_wheel_pending(&w, now0), 0);
  assert_int_equal(pinhole_wheel_pending(&w, 105 * T - 1), 0);
  assert_int_equal(pinhole_wheel_pending(&w, 105 * T), 1);
  assert_int_equal(adv(&w, r, 105 * T, 0), 0); /* no budget: nothing */
  assert_int_equal(pinhole_wheel_pending(&w, 105 * T), 1);
  assert_int_equal(adv(&w, r, 105 * T, 1), 0); /* the tick's visit */
  assert_int_equal(pinhole_wheel_pending(&w, 105 * T), 1);
  assert_int_equal(adv(&w, r, 105 * T, 1), 1);
  assert_int_equal(pinhole_wheel_pending(&w, 105 * T), 1);
  assert_int_equal(pinhole_wheel_pending(&w, 0), 1); /* due, whatever now */
  assert_int_equal(adv(&w, r, 105 * T, 1), 1);
  assert_int_equal(pinhole_wheel_pending(&w, 105 * T), 0);
  /* A past timer is due on the next advance, at any now_ns. */
  assert_int_equal(pinhole_wheel_arm(&w, 2, 3), 0);
  assert_int_equal(pinhole_wheel_pending(&w, 0), 1);
  assert_int_equal(adv(&w, r, 0, 10), 1);
  assert_int_equal(r->idx[2], 2);
  /* One in the current tick but after now fires at the next boundary. */
  assert_int_equal(pinhole_wheel_arm(&w, 3, 105 * T + 1), 0);
  assert_int_equal(adv(&w, r, 106 * T - 1, 10), 0);
  assert_int_equal(adv(&w, r, 106 * T, 10), 1);
  rec_free(r);
  free(o);
}

static void test_wheel_invalid_args(void **state) {
  (void)state;
  obj *o = objs_new(4);
  pinhole_wheel w;
  const size_t off = offsetof(obj, t);
  assert_int_equal(pinhole_wheel_init(NULL, o, sizeof(obj), off, 4, 0, 24),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_wheel_init(&w, o, sizeof(obj), off, 4, 0, 9),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_wheel_init(&w, o, sizeof(obj), off, 4, 0, 41),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_wheel_init(&w, NULL, sizeof(obj), off, 4, 0, 24),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_wheel_init(&w, o, off + 8, off, 4, 0, 24),
                   PINHOLE_ERR_INVALID_ARG); /* stride too small */
  assert_int_equal(pinhole_wheel_init(&w, o, sizeof(obj), off + 1, 4, 0, 24),
                   PINHOLE_ERR_INVALID_ARG); /* misaligned */
  assert_int_equal(
      pinhole_wheel_init(&w, (uint8_t *)o + 4, sizeof(obj), off, 4, 0, 24),
      PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(
      pinhole_wheel_init(&w, o, SIZE_MAX / 2 + 1 - 7, off, UINT32_MAX, 0, 24),
      PINHOLE_ERR_INVALID_ARG); /* misaligned, huge */
  assert_int_equal(pinhole_wheel_init(&w, o, SIZE_MAX / 4 * 2, off, 4, 0, 24),
                   PINHOLE_ERR_INVALID_ARG); /* overflows */
  assert_int_equal(pinhole_wheel_init(&w, NULL, 0, 0, 0, 0, 24), 0);
  assert_int_equal(pinhole_wheel_arm(&w, 0, 1), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_wheel_armed(&w, 0), 0);

  wheel_init(&w, o, 4, 0, 24);
  assert_int_equal(pinhole_wheel_arm(&w, 4, 1), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_wheel_arm(&w, UINT32_MAX, 1),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_wheel_arm(NULL, 0, 1), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_wheel_armed(&w, 4), 0);
  assert_int_equal(pinhole_wheel_armed(NULL, 0), 0);
  assert_int_equal(pinhole_wheel_advance(NULL, 1, 1, NULL, NULL), 0);
  assert_int_equal(pinhole_wheel_pending(NULL, 1), 0);
  /* The neighbours of the timer in each object are never written. */
  for (int i = 0; i < 4; i++)
    assert_int_equal(o[i].id, 0xa5a5a5a5u);
  /* init cleared the garbage in the timers. */
  for (uint32_t i = 0; i < 4; i++)
    assert_int_equal(pinhole_wheel_armed(&w, i), 0);
  /* A NULL callback still expires timers. */
  assert_int_equal(pinhole_wheel_arm(&w, 2, 0), 0);
  assert_int_equal(pinhole_wheel_advance(&w, 0, 10, NULL, NULL), 1);
  assert_int_equal(pinhole_wheel_armed(&w, 2), 0);
  free(o);
}

/* Re-arming moves a timer: it fires once, at the new time only. */
static void test_wheel_rearm_moves(void **state) {
  (void)state;
  const uint64_t T = UINT64_C(1) << 24;
  obj *o = objs_new(2);
  pinhole_wheel w;
  wheel_init(&w, o, 2, 0, 24);
  rec *r = rec_new(&w, 8, 0);
  assert_int_equal(pinhole_wheel_arm(&w, 0, 100 * T), 0);
  assert_int_equal(pinhole_wheel_arm(&w, 0, 3 * T), 0); /* earlier */
  assert_int_equal(pinhole_wheel_arm(&w, 1, 5 * T), 0);
  assert_int_equal(pinhole_wheel_arm(&w, 1, 5000 * T), 0); /* later */
  assert_int_equal(adv(&w, r, 3 * T, SIZE_MAX), 1);
  assert_int_equal(r->idx[0], 0);
  assert_int_equal(adv(&w, r, 4999 * T, SIZE_MAX), 0);
  assert_int_equal(pinhole_wheel_armed(&w, 0), 0);
  assert_int_equal(pinhole_wheel_armed(&w, 1), 1);
  assert_int_equal(adv(&w, r, 5000 * T, SIZE_MAX), 1);
  assert_int_equal(r->idx[1], 1);
  assert_int_equal(adv(&w, r, 100000 * T, SIZE_MAX), 0);
  rec_free(r);
  free(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wheel_expiry_order_exact),
      cmocka_unit_test(test_wheel_equal_times_insertion_order),
      cmocka_unit_test(test_wheel_far_future_cascade),
      cmocka_unit_test(test_wheel_cancel_before_expiry),
      cmocka_unit_test(test_wheel_cancel_and_rearm_in_callback),
      cmocka_unit_test(test_wheel_arm_during_partial_cascade),
      cmocka_unit_test(test_wheel_rearm_loop_bounded),
      cmocka_unit_test(test_wheel_time_jump_budget),
      cmocka_unit_test(test_wheel_run_work_accounting),
      cmocka_unit_test(test_wheel_huge_jump),
      cmocka_unit_test(test_wheel_pending),
      cmocka_unit_test(test_wheel_invalid_args),
      cmocka_unit_test(test_wheel_rearm_moves),
  };
  return cmocka_run_group_tests_name("unit.wheel", tests, NULL, NULL);
}

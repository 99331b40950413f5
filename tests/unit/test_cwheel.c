/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the connections' timer wheel (lib/timer/cwheel.c): it
 * must fire exactly what the public wheel (lib/timer/wheel.c) fires, in
 * the same order and for the same work, with 32-bit expiries across the
 * wrap of the tick counter's low 32 bits; its look-ahead hook only sees
 * armed entries that are due. All on a fake clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pinhole/wheel.h>

#include "timer/cwheel.h"
#include "timer/wheel_internal.h"

#define SHIFT 10u
#define TK (UINT64_C(1) << SHIFT) /* one tick in ns */

/* An object with both kinds of timer (the public one as the model). */
typedef struct obj {
  pinhole_timer pt;
  uint8_t pad[5];
  ph_ctimer ct;
} obj;

typedef struct side {
  int is_c; /* 1: the cwheel */
  pinhole_wheel *pw;
  ph_cwheel *cw;
  uint32_t *fired;
  size_t nfired, cap;
  uint64_t *ahead0; /* stage-0 look-ahead calls, in order */
  size_t nahead0, nahead1;
  uint64_t seed; /* the callback's actions: the same on both sides */
  uint32_t n;
  uint64_t now_ns;
  int act; /* the callback arms and cancels */
} side;

static uint64_t xs(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static void s_arm(side *s, uint32_t i, uint64_t at) {
  if (s->is_c)
    pinhole__cwheel_arm(s->cw, i, at);
  else
    assert_int_equal(pinhole_wheel_arm(s->pw, i, at), 0);
}

static void s_cancel(side *s, uint32_t i) {
  if (s->is_c)
    pinhole__cwheel_cancel(s->cw, i);
  else
    pinhole_wheel_cancel(s->pw, i);
}

static int s_armed(const side *s, uint32_t i) {
  return s->is_c ? pinhole__cwheel_armed(s->cw, i)
                 : pinhole_wheel_armed(s->pw, i);
}

static void on_fire(uint32_t i, void *user) {
  side *s = user;
  assert_true(s->nfired < s->cap);
  s->fired[s->nfired++] = i;
  if (!s->act)
    return;
  uint64_t r = xs(&s->seed);
  uint32_t j = (uint32_t)(r >> 20) % s->n;
  switch (r % 8) {
  case 0: /* re-arm another (or itself) in the past: fires in this call */
    s_arm(s, j, s->now_ns - TK);
    break;
  case 1: /* later */
    s_arm(s, j, s->now_ns + ((r >> 40) % 5000) * TK);
    break;
  case 2:
    s_cancel(s, j);
    break;
  default:
    break;
  }
}

static void on_ahead(uint32_t i, int stage, void *user) {
  side *s = user;
  assert_true(i < s->n);
  /* only armed entries, and only ones due: expiry at or before now */
  assert_true(pinhole__cwheel_armed(s->cw, i));
  uint64_t now_t = s->cw->now_tick - 1;
  const obj *o =
      (const obj *)(const void *)(s->cw->base + (size_t)i * sizeof(obj));
  assert_true((int32_t)(o->ct.expire - (uint32_t)now_t) <= 0);
  if (stage == 0)
    s->ahead0[s->nahead0++ % s->cap] = i;
  else
    s->nahead1++;
}

static size_t s_run(side *s, uint64_t now_ns, size_t budget, size_t *fired) {
  s->now_ns = now_ns;
  if (s->is_c)
    return pinhole__cwheel_run(s->cw, now_ns, budget, on_fire, on_ahead, s,
                               fired);
  return pinhole__wheel_run(s->pw, now_ns, budget, on_fire, s, fired);
}

static int s_pending(const side *s, uint64_t now_ns) {
  return s->is_c ? pinhole__cwheel_pending(s->cw, now_ns)
                 : pinhole_wheel_pending(s->pw, now_ns);
}

/* Random arms, cancels and advances with small budgets (the callbacks arm
 * and cancel too), from a start tick: both wheels fire the same entries
 * in the same order, spend the same work, agree on what is armed and
 * pending. */
static void same_as_wheel(uint64_t start_tick, uint64_t seed, int act) {
  enum { N = 300, STEPS = 4000, CAP = 400000 };
  obj *o = calloc(N, sizeof(obj));
  pinhole_wheel *pw = malloc(sizeof(*pw));
  ph_cwheel *cw = malloc(sizeof(*cw));
  assert_true(o != NULL && pw != NULL && cw != NULL);
  uint64_t now = start_tick * TK + 17;
  assert_int_equal(
      pinhole_wheel_init(pw, o, sizeof(obj), offsetof(obj, pt), N, now, SHIFT),
      0);
  pinhole__cwheel_init(cw, o, sizeof(obj), offsetof(obj, ct), N, now, SHIFT);
  side sd[2];
  for (int k = 0; k < 2; k++) {
    memset(&sd[k], 0, sizeof(sd[k]));
    sd[k].is_c = k;
    sd[k].pw = pw;
    sd[k].cw = cw;
    sd[k].cap = CAP;
    sd[k].fired = calloc(CAP, sizeof(uint32_t));
    sd[k].ahead0 = calloc(CAP, sizeof(uint64_t));
    sd[k].seed = seed ^ 0x5555;
    sd[k].n = N;
    sd[k].act = act;
  }
  uint64_t r = seed;
  for (int step = 0; step < STEPS; step++) {
    uint64_t x = xs(&r);
    uint32_t i = (uint32_t)(x >> 32) % N;
    switch (x % 10) {
    case 0:
    case 1:
    case 2: { /* arm near, far, beyond the wheel, in the past */
      uint64_t d = (x >> 8) % 5;
      uint64_t at = d == 0   ? now + ((x >> 16) % 200) * TK
                    : d == 1 ? now + ((x >> 16) % 300000) * TK
                    : d == 2 ? now + ((x >> 16) % (UINT64_C(1) << 29)) * TK
                    : d == 3 ? now + ((x >> 16) % 64) * TK + (x >> 50)
                             : now - ((x >> 16) % 1000 % (now / TK)) * TK;
      for (int k = 0; k < 2; k++)
        s_arm(&sd[k], i, at);
      break;
    }
    case 3:
      for (int k = 0; k < 2; k++)
        s_cancel(&sd[k], i);
      break;
    default: { /* advance a little, or jump, with a small or large budget */
      uint64_t d = (x >> 8) % 4;
      now += d == 0   ? (x >> 16) % 3 * TK
             : d == 1 ? (x >> 16) % (70 * TK)
             : d == 2 ? (x >> 16) % (5000 * TK)
                      : (x >> 16) % (UINT64_C(1) << 28) * TK;
      size_t budget = (x >> 40) % 3 == 0 ? SIZE_MAX : 1 + (x >> 44) % 40;
      size_t f0, f1;
      size_t w0 = s_run(&sd[0], now, budget, &f0);
      size_t w1 = s_run(&sd[1], now, budget, &f1);
      assert_int_equal(w0, w1);
      assert_int_equal(f0, f1);
      assert_int_equal(s_pending(&sd[0], now), s_pending(&sd[1], now));
      assert_int_equal(pw->now_tick, cw->now_tick);
      assert_int_equal(pw->cascading, cw->cascading);
      break;
    }
    }
    assert_int_equal(sd[0].nfired, sd[1].nfired);
    assert_memory_equal(sd[0].fired, sd[1].fired,
                        sd[0].nfired * sizeof(uint32_t));
    assert_int_equal(pw->armed, cw->armed);
    for (uint32_t j = 0; j < N; j++)
      assert_int_equal(s_armed(&sd[0], j), s_armed(&sd[1], j));
  }
  /* drain: everything fires, the same way */
  for (int k = 0; k < 2; k++)
    sd[k].act = 0;
  size_t f0, f1;
  now += UINT64_C(1) << 30 << SHIFT;
  for (int guard = 0; guard < 100000; guard++) {
    size_t w0 = s_run(&sd[0], now, 50, &f0);
    size_t w1 = s_run(&sd[1], now, 50, &f1);
    assert_int_equal(w0, w1);
    if (!s_pending(&sd[0], now))
      break;
  }
  assert_false(s_pending(&sd[1], now));
  assert_int_equal(sd[0].nfired, sd[1].nfired);
  assert_memory_equal(sd[0].fired, sd[1].fired,
                      sd[0].nfired * sizeof(uint32_t));
  assert_int_equal(cw->armed, 0);
  assert_true(sd[1].nahead0 > 0); /* the look-ahead ran */
  for (int k = 0; k < 2; k++) {
    free(sd[k].fired);
    free(sd[k].ahead0);
  }
  free(o);
  free(pw);
  free(cw);
}

static void test_cwheel_same_as_wheel(void **state) {
  (void)state;
  same_as_wheel(1000, 0x1234567u, 0);
  same_as_wheel(5, 0x9abcdefu, 1);
}

/* The same across the wrap of the ticks' low 32 bits (and of 33 bits),
 * where a 32-bit expiry compared as a plain number would fire too early
 * or never. */
static void test_cwheel_same_across_wrap(void **state) {
  (void)state;
  same_as_wheel((UINT64_C(1) << 32) - 20000, 0x42u, 0);
  same_as_wheel((UINT64_C(1) << 32) - 3, 0x4243u, 1);
  same_as_wheel((UINT64_C(1) << 33) - 200000, 0x777u, 1);
}

static void nop_fire(uint32_t i, void *user) {
  uint32_t *log = user;
  log[log[0]++ + 1] = i;
}

/* Exactly on time across the wrap: a timer due at tick e fires in the
 * first advance to e's boundary, not one nanosecond before. */
static void test_cwheel_exact_across_wrap(void **state) {
  (void)state;
  enum { N = 8 };
  obj o[N];
  ph_cwheel *w = malloc(sizeof(*w));
  assert_non_null(w);
  uint64_t t0 = ((UINT64_C(1) << 32) - 40) * TK; /* 40 ticks before */
  pinhole__cwheel_init(w, o, sizeof(obj), offsetof(obj, ct), N, t0, SHIFT);
  /* due 10, 39, 40 (the wrap), 41, 100 000 and 3 * 2^24 ticks later */
  const uint64_t d[6] = {10, 39, 40, 41, 100000, 3u << 24};
  for (uint32_t i = 0; i < 6; i++)
    pinhole__cwheel_arm(w, i, t0 + d[i] * TK);
  assert_int_equal(o[2].ct.expire, 0); /* stored modulo 2^32 */
  uint32_t log[16] = {0};
  size_t fired;
  for (uint32_t i = 0; i < 6; i++) {
    uint64_t at = t0 + d[i] * TK;
    pinhole__cwheel_run(w, at - 1, SIZE_MAX, nop_fire, NULL, log, &fired);
    assert_int_equal(fired, 0);
    assert_int_equal(log[0], i);
    pinhole__cwheel_run(w, at, SIZE_MAX, nop_fire, NULL, log, &fired);
    assert_int_equal(fired, 1);
    assert_int_equal(log[0], i + 1);
    assert_int_equal(log[i + 1], i);
  }
  assert_int_equal(w->armed, 0);
  free(w);
}

/* A deadline further than 2^31 ticks is filed 2^31 ticks ahead (fires
 * early: the caller re-checks its own deadline and re-arms). */
static void test_cwheel_far_deadline_clamped(void **state) {
  (void)state;
  obj o[2];
  ph_cwheel *w = malloc(sizeof(*w));
  assert_non_null(w);
  uint64_t t0 = 5 * TK;
  pinhole__cwheel_init(w, o, sizeof(obj), offsetof(obj, ct), 2, t0, SHIFT);
  pinhole__cwheel_arm(w, 0, UINT64_MAX);
  pinhole__cwheel_arm(w, 1, t0 + (PH_CWHEEL_SPAN - 7) * TK);
  uint32_t log[4] = {0};
  size_t fired;
  uint64_t edge = (5 + PH_CWHEEL_SPAN) * TK; /* ref (tick 5) + 2^31 */
  pinhole__cwheel_run(w, edge - TK * 7 - 1, SIZE_MAX, nop_fire, NULL, log,
                      &fired);
  assert_int_equal(fired, 0);
  pinhole__cwheel_run(w, edge - TK * 7, SIZE_MAX, nop_fire, NULL, log, &fired);
  assert_int_equal(fired, 1);
  assert_int_equal(log[1], 1);
  pinhole__cwheel_run(w, edge - 1, SIZE_MAX, nop_fire, NULL, log, &fired);
  assert_int_equal(fired, 0);
  pinhole__cwheel_run(w, edge, SIZE_MAX, nop_fire, NULL, log, &fired);
  assert_int_equal(fired, 1);
  assert_int_equal(log[2], 0);
  free(w);
}

typedef struct look {
  ph_cwheel *w;
  uint32_t fired[2000], ahead[2000];
  size_t nf, na, na1;
  uint32_t cancel_at; /* on firing this entry, cancel entry cancel_what */
  uint32_t cancel_what;
} look;

static void look_fire(uint32_t i, void *user) {
  look *l = user;
  l->fired[l->nf++] = i;
  if (i == l->cancel_at)
    pinhole__cwheel_cancel(l->w, l->cancel_what);
}

static void look_ahead(uint32_t i, int stage, void *user) {
  look *l = user;
  assert_true(pinhole__cwheel_armed(l->w, i));
  if (stage == 0)
    l->ahead[l->na++] = i;
  else
    l->na1++;
}

/* 1000 timers due in one tick, run with a budget of 100 per call: they
 * fire in arming order, 100 (less the tick reached) per call; the
 * look-ahead reaches entries in the same order, never past what the call
 * can fire, never one that was cancelled meanwhile. */
static void test_cwheel_lookahead_one_slot(void **state) {
  (void)state;
  enum { N = 1000 };
  obj *o = calloc(N, sizeof(obj));
  ph_cwheel *w = malloc(sizeof(*w));
  look *l = calloc(1, sizeof(*l));
  assert_true(o != NULL && w != NULL && l != NULL);
  pinhole__cwheel_init(w, o, sizeof(obj), offsetof(obj, ct), N, 0, SHIFT);
  l->w = w;
  l->cancel_at = 500;              /* fires 501st: (500 * 7) % N */
  l->cancel_what = 535;            /* fires 506th, already looked at by then */
  for (uint32_t i = 0; i < N; i++) /* arming order: a permutation */
    pinhole__cwheel_arm(w, (i * 7) % N, 30 * TK);
  size_t fired, calls = 0, total = 0;
  do {
    size_t before = l->na;
    size_t work =
        pinhole__cwheel_run(w, 30 * TK, 100, look_fire, look_ahead, l, &fired);
    assert_true(work <= 100);
    /* the look-ahead of this call stays within what it fired */
    for (size_t k = before; k < l->na; k++) {
      int seen = 0;
      for (size_t f = total; f < total + fired; f++)
        seen |= l->fired[f] == l->ahead[k];
      assert_true(seen || l->ahead[k] == 535);
    }
    total += fired;
    calls++;
  } while (pinhole__cwheel_pending(w, 30 * TK) && calls < 100);
  assert_int_equal(total, N - 1); /* 535 was cancelled */
  assert_int_equal(calls, 10);    /* 99 in the first (one tick reached) */
  size_t k = 0;
  for (uint32_t i = 0; i < N; i++) {
    uint32_t want = (i * 7) % N;
    if (want == 535)
      continue;
    assert_int_equal(l->fired[k++], want);
  }
  /* every entry but the first of each call's run (and the one after the
   * cancel, where the ring fell out of step) was looked at ahead, in
   * firing order */
  assert_true(l->na >= N - 1 - 2 * 10);
  assert_true(l->na1 > 0);
  /* in firing order, but for one step back where the ring restarted */
  static size_t pos[N];
  for (size_t f = 0; f < total; f++)
    pos[l->fired[f]] = f + 1;
  size_t back = 0, prev = 0;
  for (size_t a = 0; a < l->na; a++) {
    if (l->ahead[a] == 535)
      continue;
    assert_true(pos[l->ahead[a]] != 0);
    back += pos[l->ahead[a]] <= prev;
    prev = pos[l->ahead[a]];
  }
  assert_int_equal(back, 1);
  free(o);
  free(w);
  free(l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cwheel_same_as_wheel),
      cmocka_unit_test(test_cwheel_same_across_wrap),
      cmocka_unit_test(test_cwheel_exact_across_wrap),
      cmocka_unit_test(test_cwheel_far_deadline_clamped),
      cmocka_unit_test(test_cwheel_lookahead_one_slot),
  };
  return cmocka_run_group_tests_name("unit.cwheel", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the connections' timer wheel (lib/timer/cwheel.c): while
 * nothing is cancelled or re-armed it must fire exactly what the public
 * wheel (lib/timer/wheel.c) fires, in the same order and for the same
 * work; with cancels and re-arms the same timers at the same ticks, a
 * cancel moving its list's first entry into the hole; its 32-bit expiries
 * hold across the wrap of the tick counter's low 32 bits; its block pool
 * never runs out; its look-ahead hook only sees armed entries that are
 * due. All on a fake clock.
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
#include "timer/cwheel_run.h"
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
  int act;     /* the callback arms and cancels */
  int cancels; /* cancels and re-arms of armed timers allowed */
} side;

static uint64_t xs(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static int s_armed(const side *s, uint32_t i);

/* Without cancels, only timers not armed are armed (a re-arm moves the
 * timer, so is a cancel too). */
static void s_arm(side *s, uint32_t i, uint64_t at) {
  if (!s->cancels && s_armed(s, i))
    return;
  if (s->is_c)
    pinhole__cwheel_arm(s->cw, i, at);
  else
    assert_int_equal(pinhole_wheel_arm(s->pw, i, at), 0);
}

static void s_cancel(side *s, uint32_t i) {
  if (!s->cancels)
    return;
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

/* A connections' wheel with its pool, exactly pinhole__cwheel_blocks(n)
 * blocks (so that the sanitizers see any overrun). */
static ph_cwheel *cw_new(obj *o, uint32_t n, uint64_t now) {
  ph_cwheel *w = malloc(sizeof(*w));
  size_t nb = pinhole__cwheel_blocks(n);
  ph_cwblock *b = malloc(nb * sizeof(ph_cwblock));
  assert_true(w != NULL && b != NULL);
  pinhole__cwheel_init(w, o, sizeof(obj), offsetof(obj, ct), n, b, nb, now,
                       SHIFT);
  return w;
}

static void cw_free(ph_cwheel *w) {
  free(w->blocks);
  free(w);
}

/* The pool's bound (cwheel.h): at most n / 15 + 512 blocks in lists. */
static void cw_check_pool(const ph_cwheel *w) {
  assert_true(w->used <= w->n / PH_CWHEEL_PER + 2 * PH_CWHEEL_LISTS);
  assert_true(w->fresh <= w->nblocks);
  assert_true(w->armed == 0 || w->used > 0);
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

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Random arms, advances and (with cancels) cancels and re-arms, from a
 * start tick. Without cancels, with small budgets and callbacks that arm:
 * both wheels fire the same entries in the same order and spend the same
 * work. With cancels (and re-arms, which move a timer), advancing without
 * a budget: each advance fires the same set of entries and spends the
 * same work. Always: they agree on what is armed and pending, and the
 * pool stays within its bound. */
static void same_as_wheel(uint64_t start_tick, uint64_t seed, int act,
                          int cancels) {
  enum { N = 300, STEPS = 4000, CAP = 400000 };
  obj *o = calloc(N, sizeof(obj));
  pinhole_wheel *pw = malloc(sizeof(*pw));
  assert_true(o != NULL && pw != NULL);
  uint64_t now = start_tick * TK + 17;
  assert_int_equal(
      pinhole_wheel_init(pw, o, sizeof(obj), offsetof(obj, pt), N, now, SHIFT),
      0);
  ph_cwheel *cw = cw_new(o, N, now);
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
    sd[k].cancels = cancels;
  }
  uint64_t r = seed;
  size_t cancelled = 0, moved = 0;
  for (int step = 0; step < STEPS; step++) {
    uint64_t x = xs(&r);
    uint32_t i = (uint32_t)(x >> 32) % N;
    size_t nf0 = sd[0].nfired;
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
      moved += cancels && s_armed(&sd[0], i);
      for (int k = 0; k < 2; k++)
        s_arm(&sd[k], i, at);
      break;
    }
    case 3:
      cancelled += cancels && s_armed(&sd[0], i);
      for (int k = 0; k < 2; k++)
        s_cancel(&sd[k], i);
      break;
    default: { /* advance a little, or jump, with a small or large budget */
      uint64_t d = (x >> 8) % (cancels ? 3 : 4); /* cancels: no jumps */
      now += d == 0   ? (x >> 16) % 3 * TK
             : d == 1 ? (x >> 16) % (70 * TK)
             : d == 2 ? (x >> 16) % (5000 * TK)
                      : (x >> 16) % (UINT64_C(1) << 28) * TK;
      size_t budget =
          cancels || (x >> 40) % 3 == 0 ? SIZE_MAX : 1 + (x >> 44) % 40;
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
    if (cancels) { /* the same set in each advance */
      size_t m = sd[0].nfired - nf0;
      qsort(sd[0].fired + nf0, m, sizeof(uint32_t), cmp_u32);
      qsort(sd[1].fired + nf0, m, sizeof(uint32_t), cmp_u32);
    }
    assert_memory_equal(sd[0].fired, sd[1].fired,
                        sd[0].nfired * sizeof(uint32_t));
    assert_int_equal(pw->armed, cw->armed);
    for (uint32_t j = 0; j < N; j++)
      assert_int_equal(s_armed(&sd[0], j), s_armed(&sd[1], j));
    cw_check_pool(cw);
  }
  if (cancels) /* the cancels and moves happened */
    assert_true(cancelled > 50 && moved > 100);
  /* drain: everything fires, the same way */
  for (int k = 0; k < 2; k++)
    sd[k].act = 0;
  size_t f0, f1;
  now += UINT64_C(1) << 30 << SHIFT;
  size_t nf0 = sd[0].nfired;
  for (int guard = 0; guard < 100000; guard++) {
    size_t budget = cancels ? SIZE_MAX : 50;
    size_t w0 = s_run(&sd[0], now, budget, &f0);
    size_t w1 = s_run(&sd[1], now, budget, &f1);
    assert_int_equal(w0, w1);
    if (!s_pending(&sd[0], now))
      break;
  }
  assert_false(s_pending(&sd[1], now));
  assert_int_equal(sd[0].nfired, sd[1].nfired);
  if (cancels) {
    size_t m = sd[0].nfired - nf0;
    qsort(sd[0].fired + nf0, m, sizeof(uint32_t), cmp_u32);
    qsort(sd[1].fired + nf0, m, sizeof(uint32_t), cmp_u32);
  }
  assert_memory_equal(sd[0].fired, sd[1].fired,
                      sd[0].nfired * sizeof(uint32_t));
  assert_int_equal(cw->armed, 0);
  assert_int_equal(cw->used, 0);  /* every block back in the pool */
  assert_true(sd[1].nahead0 > 0); /* the look-ahead ran */
  for (int k = 0; k < 2; k++) {
    free(sd[k].fired);
    free(sd[k].ahead0);
  }
  free(o);
  free(pw);
  cw_free(cw);
}

static void test_cwheel_same_as_wheel(void **state) {
  (void)state;
  same_as_wheel(1000, 0x1234567u, 0, 0);
  same_as_wheel(5, 0x9abcdefu, 1, 0);
  same_as_wheel(1000, 0x2468aceu, 0, 1);
  same_as_wheel(5, 0x13579bdu, 0, 1);
}

/* The same across the wrap of the ticks' low 32 bits (and of 33 bits),
 * where a 32-bit expiry compared as a plain number would fire too early
 * or never. */
static void test_cwheel_same_across_wrap(void **state) {
  (void)state;
  same_as_wheel((UINT64_C(1) << 32) - 20000, 0x42u, 0, 0);
  same_as_wheel((UINT64_C(1) << 32) - 3, 0x4243u, 1, 0);
  same_as_wheel((UINT64_C(1) << 33) - 200000, 0x777u, 1, 0);
  same_as_wheel((UINT64_C(1) << 32) - 20000, 0x4244u, 0, 1);
  same_as_wheel((UINT64_C(1) << 33) - 200000, 0x778u, 0, 1);
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
  uint64_t t0 = ((UINT64_C(1) << 32) - 40) * TK; /* 40 ticks before */
  ph_cwheel *w = cw_new(o, N, t0);
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
  cw_free(w);
}

/* ph_cwheel_place is ph_wheel_place: at every level's edges (e just
 * above ref, the level boundaries 2^(6l) - 1 and 2^(6l), the park beyond
 * 2^24) and at random pairs. */
static void test_cwheel_place_same(void **state) {
  (void)state;
  uint64_t x = 0x9e3779b97f4a7c15u;
  size_t n = 0;
  for (int r = 0; r < 200000; r++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    uint64_t ref = r % 2 ? x >> 2 : x >> (x & 63);
    uint64_t d;
    if (r < 64 * 30) { /* every bit width, the edges around it */
      unsigned b = (unsigned)(r / 30) % 31;
      d = (UINT64_C(1) << b) + (uint64_t)(r % 30) - 15;
    } else {
      d = (x >> 17) >> ((x >> 5) % 47) | 1u;
    }
    assert_int_equal(ph_cwheel_place(ref + d, ref),
                     ph_wheel_place(ref + d, ref));
    n++;
  }
  assert_int_equal(n, 200000);
}

/* A deadline further than 2^31 ticks is filed 2^31 ticks ahead (fires
 * early: the caller re-checks its own deadline and re-arms). */
static void test_cwheel_far_deadline_clamped(void **state) {
  (void)state;
  obj o[2];
  uint64_t t0 = 5 * TK;
  ph_cwheel *w = cw_new(o, 2, t0);
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
  cw_free(w);
}

typedef struct look {
  ph_cwheel *w;
  uint32_t fired[2000], ahead[2000];
  uint8_t stage[1000]; /* per entry: 1 stage 0 seen, 2 stage 1 after it */
  size_t nf, na, na1, out_of_order;
  uint32_t cancel_at; /* on firing this entry, cancel entries cancel_what */
  uint32_t cancel_what[2];
} look;

static void look_fire(uint32_t i, void *user) {
  look *l = user;
  l->fired[l->nf++] = i;
  if (i == l->cancel_at)
    for (int k = 0; k < 2; k++)
      pinhole__cwheel_cancel(l->w, l->cancel_what[k]);
}

static void look_ahead(uint32_t i, int stage, void *user) {
  look *l = user;
  assert_true(pinhole__cwheel_armed(l->w, i));
  if (stage == 0) {
    l->ahead[l->na++] = i;
    l->stage[i] |= 1;
  } else {
    l->na1++;
    l->out_of_order += !(l->stage[i] & 1);
    l->stage[i] |= 2;
  }
}

/* The order of a list of m entries armed in order a[] after cancels:
 * each cancel at position p moves the first entry to p. */
static void model_cancel(uint32_t *a, size_t *m, uint32_t what) {
  for (size_t p = 0; p < *m; p++) {
    if (a[p] != what)
      continue;
    a[p] = a[0];
    memmove(a, a + 1, (*m - 1) * sizeof(uint32_t));
    (*m)--;
    return;
  }
  fail();
}

/* 1000 timers due in one tick, run with a budget of 100 per call: they
 * fire in arming order, 100 (less the tick reached) per call, except that
 * the cancel of an entry still in its list moves the list's first entry
 * into its place, while the cancel of one already popped into the window
 * (PH_CWHEEL_AHEAD ahead) only drops it; the look-ahead reaches entries
 * in firing order, never past what the call can fire, stage 1 after
 * stage 0, never one cancelled. */
static void test_cwheel_lookahead_one_slot(void **state) {
  (void)state;
  enum { N = 1000 };
  obj *o = calloc(N, sizeof(obj));
  look *l = calloc(1, sizeof(*l));
  assert_true(o != NULL && l != NULL);
  ph_cwheel *w = cw_new(o, N, 0);
  l->w = w;
  l->cancel_at = 500;              /* fires 501st: (500 * 7) % N */
  l->cancel_what[0] = 535;         /* 506th in arming order: in the window */
  l->cancel_what[1] = 780;         /* 541st: still in the list */
  for (uint32_t i = 0; i < N; i++) /* arming order: a permutation */
    pinhole__cwheel_arm(w, (i * 7) % N, 30 * TK);
  assert_int_equal(w->used, (N + 14) / 15); /* full blocks */
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
      assert_true(seen || l->ahead[k] == 535 || l->ahead[k] == 780);
    }
    total += fired;
    calls++;
  } while (pinhole__cwheel_pending(w, 30 * TK) && calls < 100);
  assert_int_equal(total, N - 2); /* 535 and 780 were cancelled */
  assert_int_equal(calls, 10);    /* 99 in the first (one tick reached) */
  /* 500 and the 500 before it fired, and the window's 24 (arming order
   * 501..524) were popped (the rest of a block at a time; the calls of
   * 100 leave the list's head mid-block): 535 (505th) is only dropped
   * from them; in the list (from 525 on) the first (525th: 675) moves
   * into 780's place */
  enum { POPPED = 525 };
  uint32_t want[N];
  size_t m = 0;
  for (uint32_t p = 501; p < POPPED; p++)
    if (p != 505)
      want[m++] = (p * 7) % N;
  size_t lm = 0;
  for (uint32_t p = POPPED; p < N; p++)
    want[m + lm++] = (p * 7) % N;
  model_cancel(want + m, &lm, 780);
  m += lm;
  assert_int_equal(m, N - 501 - 2);
  assert_int_equal(want[4], 506 * 7 % N);
  assert_int_equal(want[22], 524 * 7 % N);
  assert_int_equal(want[23], 526 * 7 % N);
  for (size_t k = 0; k < 501; k++)
    assert_int_equal(l->fired[k], (k * 7) % N);
  for (size_t k = 0; k < m; k++)
    assert_int_equal(l->fired[501 + k], want[k]);
  /* every entry popped was looked at ahead, at both stages, stage 1
   * after stage 0 */
  size_t both = 0;
  for (uint32_t i = 0; i < N; i++)
    both += l->stage[i] == 3;
  assert_int_equal(both, N - 1); /* all but 780, never popped */
  assert_int_equal(l->out_of_order, 0);
  /* in firing order, but for the one the cancel moved */
  static size_t pos[N];
  for (size_t f = 0; f < total; f++)
    pos[l->fired[f]] = f + 1;
  size_t back = 0, prev = 0;
  for (size_t a = 0; a < l->na; a++) {
    if (l->ahead[a] == 535 || l->ahead[a] == 780)
      continue;
    assert_true(pos[l->ahead[a]] != 0);
    back += pos[l->ahead[a]] <= prev;
    prev = pos[l->ahead[a]];
  }
  assert_true(back <= 2);
  assert_int_equal(w->used, 0);
  free(o);
  cw_free(w);
  free(l);
}

/* The look-ahead's distances: each entry's stage 0 comes when
 * PH_CWHEEL_AHEAD entries before it are still to fire, its stage 1 when
 * PH_CWHEEL_AHEAD1 are (fewer only at the window's first fill, where
 * every stage comes before the first fire, and the budget's end), so
 * that each stage's loads have that many fires to arrive in. */
typedef struct dist {
  size_t nf;         /* fired so far */
  size_t at0[300];   /* per entry: nf at its stage 0, + 1 (0: none) */
  size_t at1[300];   /* at its stage 1 */
  size_t order[300]; /* per entry: its place in firing order */
} dist;

static void dist_fire(uint32_t i, void *user) {
  dist *d = user;
  d->order[i] = d->nf++;
}

static void dist_ahead(uint32_t i, int stage, void *user) {
  dist *d = user;
  size_t *at = stage == 0 ? d->at0 : d->at1;
  assert_int_equal(at[i], 0); /* once each */
  at[i] = d->nf + 1;
}

static void test_cwheel_lookahead_distance(void **state) {
  (void)state;
  enum { N = 300, BUDGET = 200 };
  obj *o = calloc(N, sizeof(obj));
  dist *d = calloc(1, sizeof(*d));
  assert_true(o != NULL && d != NULL);
  ph_cwheel *w = cw_new(o, N, 0);
  for (uint32_t i = 0; i < N; i++) /* one slot, arming order (i * 7) % N */
    pinhole__cwheel_arm(w, (i * 7) % N, 30 * TK);
  size_t fired, total = 0;
  /* two calls: the budget's end (one tick reached, 199 fired) and a
   * second window's first fill */
  pinhole__cwheel_run(w, 30 * TK, BUDGET, dist_fire, dist_ahead, d, &fired);
  total += fired;
  assert_int_equal(fired, BUDGET - 1);
  size_t first = d->nf;
  pinhole__cwheel_run(w, 30 * TK, BUDGET, dist_fire, dist_ahead, d, &fired);
  total += fired;
  assert_int_equal(total, N);
  size_t far = 0;
  for (uint32_t i = 0; i < N; i++) {
    size_t k = d->order[i], base = k < first ? 0 : first;
    size_t want1 = k - base > PH_CWHEEL_AHEAD1 ? k - PH_CWHEEL_AHEAD1 : base;
    assert_true(d->at0[i] != 0 && d->at1[i] != 0);
    /* stage 0 with its block: AHEAD to AHEAD + PER - 1 fires before,
     * or in the window's first fill (one block) */
    size_t f0 = d->at0[i] - 1;
    assert_true(f0 <= k && f0 >= base);
    if (f0 == base)
      assert_true(k - base <= PH_CWHEEL_AHEAD + PH_CWHEEL_PER - 1);
    else
      assert_true(k - f0 >= PH_CWHEEL_AHEAD &&
                  k - f0 <= PH_CWHEEL_AHEAD + PH_CWHEEL_PER - 1);
    far += k - f0 > PH_CWHEEL_AHEAD;
    assert_int_equal(d->at1[i] - 1, want1);
  }
  assert_true(far > N / 2); /* a block at a time, not one entry */
  free(o);
  cw_free(w);
  free(d);
}

/* The run's window places (cwheel_run.h, ph_cwheel_fire_at_fn): an
 * entry's stage 0, stage 1 and fire get the same place, and no place is
 * given to another entry while the entry there is still to fire or be
 * skipped: at most PH_CWHEEL_AHEAD + PH_CWHEEL_PER entries are popped after it
 * by then. One slot of 300 timers, calls whose budget ends mid-window, and a
 * fire that cancels an entry in the window (it never fires), re-arms another in
 * the window (skipped there, it fires once, at its new tick, from a place of
 * its own) and re-arms one already fired (again). */
typedef struct slots {
  ph_cwheel *w;
  uint32_t idx[PH_CWHEEL_RING]; /* the entry at each place, UINT32_MAX */
  size_t popped_at[PH_CWHEEL_RING];
  size_t npopped, nfired, nstage1;
  uint32_t fires[320];
} slots;

static void slots_ahead(uint32_t index, int stage, unsigned slot, void *user) {
  slots *s = user;
  assert_true(slot < PH_CWHEEL_RING);
  if (stage == 0) {
    s->idx[slot] = index;
    s->popped_at[slot] = s->npopped++;
    return;
  }
  assert_int_equal(s->idx[slot], index);
  s->nstage1++;
}

static void slots_fire(uint32_t index, unsigned slot, void *user) {
  slots *s = user;
  assert_true(slot < PH_CWHEEL_RING);
  assert_int_equal(s->idx[slot], index);
  /* the entries popped after it, its own place not given again */
  assert_true(s->npopped - s->popped_at[slot] <=
              PH_CWHEEL_AHEAD + PH_CWHEEL_PER);
  s->idx[slot] = UINT32_MAX;
  assert_true(s->nfired < 320);
  s->fires[s->nfired++] = index;
  if (index == 10) { /* armed 130th: 17 and 24 are the next two */
    pinhole__cwheel_cancel(s->w, 17);
    pinhole__cwheel_arm(s->w, 24, 31 * TK);
    pinhole__cwheel_arm(s->w, 0, 31 * TK); /* fired first */
  }
}

static void test_cwheel_window_slots(void **state) {
  (void)state;
  enum { N = 300 };
  obj *o = calloc(N, sizeof(obj));
  slots *s = calloc(1, sizeof(*s));
  assert_true(o != NULL && s != NULL);
  ph_cwheel *w = cw_new(o, N, 0);
  for (uint32_t i = 0; i < N; i++) /* one slot, arming order (i * 7) % N */
    pinhole__cwheel_arm(w, (i * 7) % N, 30 * TK);
  s->w = w;
  size_t fired, total = 0;
  for (int call = 0; call < 8 && w->armed != 0; call++) {
    for (unsigned k = 0; k < PH_CWHEEL_RING; k++)
      s->idx[k] = UINT32_MAX; /* a call's places are its own */
    ph_cwheel_run(w, 40 * TK, 97, slots_fire, slots_ahead, s, &fired, 0);
    total += fired;
  }
  assert_int_equal(w->armed, 0);
  assert_int_equal(total, N); /* less 17, plus 0 again */
  assert_int_equal(s->nfired, N);
  assert_true(s->nstage1 >= N);
  size_t n0 = 0, n24 = 0;
  for (size_t k = 0; k < s->nfired; k++) {
    assert_true(s->fires[k] != 17);
    n0 += s->fires[k] == 0;
    n24 += s->fires[k] == 24;
  }
  assert_int_equal(n0, 2);
  assert_int_equal(n24, 1);
  assert_int_equal(s->fires[N - 2], 24); /* at tick 31, in arming order */
  assert_int_equal(s->fires[N - 1], 0);
  free(o);
  cw_free(w);
  free(s);
}

/* pinhole__cwheel_arm_new is pinhole__cwheel_arm for a timer not armed:
 * two wheels, one armed each way, with runs between (some with a small
 * budget, so that arms land mid-cascade), expiries repeated (its list
 * taken again), due already, far (clamped), parked beyond the levels and
 * at a changed time with the same expiry: every timer's expiry and place,
 * every list and the firing order stay the same. */
static void test_cwheel_arm_new_same(void **state) {
  (void)state;
  enum { N = 600 };
  obj *oa = calloc(N, sizeof(obj)), *ob = calloc(N, sizeof(obj));
  assert_true(oa != NULL && ob != NULL);
  uint64_t now = 5 * TK + 3;
  ph_cwheel *wa = cw_new(oa, N, now), *wb = cw_new(ob, N, now);
  uint32_t *la = calloc(64 * N + 1, sizeof(uint32_t));
  uint32_t *lb = calloc(64 * N + 1, sizeof(uint32_t));
  assert_true(la != NULL && lb != NULL);
  uint64_t seed = 77, at = now + 100 * TK;
  /* first the same expiry at two times: 100 ticks ahead is level 1, and
   * from 70 ticks on (past the boundary at tick 64) level 0 */
  size_t fa0, fb0;
  pinhole__cwheel_arm(wa, 1, at);
  pinhole__cwheel_arm_new(wb, 1, at);
  now += 70 * TK;
  pinhole__cwheel_run(wa, now, SIZE_MAX, nop_fire, NULL, la, &fa0);
  pinhole__cwheel_run(wb, now, SIZE_MAX, nop_fire, NULL, lb, &fb0);
  pinhole__cwheel_arm(wa, 2, at);
  pinhole__cwheel_arm_new(wb, 2, at);
  assert_int_equal(wb->tag[ob[2].ct.pos >> 4], wa->tag[oa[2].ct.pos >> 4]);
  assert_true(wb->tag[ob[2].ct.pos >> 4] < PH_CWHEEL_SLOTS); /* level 0 */
  for (int round = 0; round < 400; round++) {
    for (int j = 0; j < 8; j++) {
      uint32_t i = (uint32_t)(xs(&seed) % N);
      if (pinhole__cwheel_armed(wa, i))
        continue;
      switch (xs(&seed) % 6) {
      case 0: /* the previous expiry again */
        break;
      case 1: /* due already */
        at = now - (xs(&seed) % 3) * TK;
        break;
      case 2: /* beyond the span: clamped */
        at = now + (PH_CWHEEL_SPAN + 9) * TK;
        break;
      case 3: /* parked beyond the levels */
        at = now + ((UINT64_C(1) << 24) + xs(&seed) % 4096) * TK;
        break;
      default:
        at = now + (xs(&seed) % 5000) * TK + xs(&seed) % TK;
      }
      pinhole__cwheel_arm(wa, i, at);
      pinhole__cwheel_arm_new(wb, i, at);
    }
    if (xs(&seed) % 3 == 0) {
      now += (xs(&seed) % 200) * TK;
      size_t budget = xs(&seed) % 4 == 0 ? 5 : SIZE_MAX, fa, fb;
      la[0] = lb[0] = 0;
      size_t ka = pinhole__cwheel_run(wa, now, budget, nop_fire, NULL, la, &fa);
      size_t kb = pinhole__cwheel_run(wb, now, budget, nop_fire, NULL, lb, &fb);
      assert_int_equal(ka, kb);
      assert_int_equal(fa, fb);
      assert_memory_equal(la, lb, (la[0] + 1) * sizeof(uint32_t));
    }
    assert_int_equal(wa->armed, wb->armed);
    assert_int_equal(wa->cascading, wb->cascading);
    for (uint32_t i = 0; i < N; i++) {
      assert_int_equal(oa[i].ct.pos, ob[i].ct.pos);
      if (oa[i].ct.pos != 0)
        assert_int_equal(oa[i].ct.expire, ob[i].ct.expire);
    }
    assert_memory_equal(wa->list, wb->list, sizeof(wa->list));
  }
  cw_free(wa);
  cw_free(wb);
  free(oa);
  free(ob);
  free(la);
  free(lb);
}

/* Cancels in one list spread over three blocks: of its head, in its first
 * block, in its second, of its last entry, and of the first entry of a
 * block; then a re-arm to the same tick (to the tail). The order is the
 * model's exactly; the blocks go back as they empty. */
static void test_cwheel_cancel_middle(void **state) {
  (void)state;
  enum { N = 40 };
  obj o[N];
  ph_cwheel *w = cw_new(o, N, 0);
  uint32_t want[N];
  size_t m = N;
  for (uint32_t i = 0; i < N; i++) {
    want[i] = (i * 3) % N; /* arming order */
    pinhole__cwheel_arm(w, want[i], 9 * TK);
  }
  assert_int_equal(w->used, 3); /* 15 + 15 + 10 */
  const uint32_t cancels[6] = {0, 21, 9, 37, 15 * 3 % N, 3};
  for (int c = 0; c < 6; c++) {
    pinhole__cwheel_cancel(w, cancels[c]);
    assert_false(pinhole__cwheel_armed(w, cancels[c]));
    model_cancel(want, &m, cancels[c]);
    pinhole__cwheel_cancel(w, cancels[c]); /* again: a no-op */
  }
  assert_int_equal(w->armed, N - 6);
  assert_int_equal(m, N - 6);
  pinhole__cwheel_arm(w, want[4], 9 * TK); /* a re-arm: to the tail */
  uint32_t re = want[4];
  model_cancel(want, &m, re);
  want[m++] = re;
  uint32_t log[N + 1] = {0};
  size_t fired;
  pinhole__cwheel_run(w, 9 * TK - 1, SIZE_MAX, nop_fire, NULL, log, &fired);
  assert_int_equal(fired, 0);
  pinhole__cwheel_run(w, 9 * TK, SIZE_MAX, nop_fire, NULL, log, &fired);
  assert_int_equal(fired, m);
  for (size_t k = 0; k < m; k++)
    assert_int_equal(log[k + 1], want[k]);
  assert_int_equal(w->armed, 0);
  assert_int_equal(w->used, 0);
  cw_free(w);
}

/* Timers filed at level 2, all in one slot, in arming order: the cascade
 * to levels 1 and 0 keeps each tick's timers in arming order, whatever
 * their order of expiry. */
static void test_cwheel_cascade_order(void **state) {
  (void)state;
  enum { N = 200 };
  obj *o = calloc(N, sizeof(obj));
  assert_non_null(o);
  ph_cwheel *w = cw_new(o, N, 0);
  /* expiries 4096 + 7 * (k % 20) ticks: level 2 slot 1 at tick 0 */
  for (uint32_t k = 0; k < N; k++)
    pinhole__cwheel_arm(w, (k * 13) % N, (4096 + 7 * (k % 20)) * TK);
  assert_int_equal(w->occ[2], UINT64_C(1) << 1);
  uint32_t log[N + 1] = {0};
  size_t fired, k = 1;
  for (uint32_t d = 0; d < 20; d++) {
    pinhole__cwheel_run(w, (4096 + 7 * d) * TK, SIZE_MAX, nop_fire, NULL, log,
                        &fired);
    assert_int_equal(fired, N / 20);
    for (uint32_t a = d; a < N; a += 20) /* arming order */
      assert_int_equal(log[k++], (a * 13) % N);
  }
  assert_int_equal(w->armed, 0);
  assert_int_equal(w->used, 0);
  free(o);
  cw_free(w);
}

/* The pool's worst case: every list reached with two entries in two
 * blocks (an entry left at the end of a full first block, one in the
 * second), then every other timer armed at random: the pool holds (it is
 * exactly pinhole__cwheel_blocks(n) blocks, so an overrun is seen by the
 * sanitizers) and everything fires once. */
static void test_cwheel_pool_bound(void **state) {
  (void)state;
  enum { N = 9000 };
  obj *o = calloc(N, sizeof(obj));
  assert_non_null(o);
  /* at 2^32 ticks (expiries across the wrap of 32 bits): a tick whose low
   * 24 bits are 0 reaches 63 slots of each level, and the due list */
  uint64_t ref = UINT64_C(1) << 32; /* every tick up to ref processed */
  ph_cwheel *w = cw_new(o, N, ref * TK);
  /* a delay reaching each list from ref (the due list: delay 0) */
  uint64_t delay[PH_CWHEEL_LISTS];
  int have[PH_CWHEEL_LISTS] = {0};
  unsigned lists = 0;
  for (uint64_t d = 0; d < (UINT64_C(1) << 26) && lists < PH_CWHEEL_LISTS;
       d = d < 64 ? d + 1 : d + d / 64 + 1) {
    unsigned id = d == 0 ? (unsigned)(ref & 63) : ph_wheel_place(ref + d, ref);
    if (!have[id]) {
      have[id] = 1;
      delay[id] = d;
      lists++;
    }
  }
  assert_int_equal(lists, 4 * 63 + 1);
  uint32_t next = 0;
  for (unsigned id = 0; id < PH_CWHEEL_LISTS; id++) {
    if (!have[id])
      continue;
    uint32_t first = next;
    for (int k = 0; k < 16; k++) /* 15 in the first block, 1 after */
      pinhole__cwheel_arm(w, next++, (ref + delay[id]) * TK);
    for (int k = 0; k < 14; k++) /* its first 14 go */
      pinhole__cwheel_cancel(w, first + (uint32_t)k);
  }
  assert_int_equal(w->used, 2 * lists); /* two blocks for two entries */
  assert_int_equal(w->armed, 2 * lists);
  uint64_t x = 99;
  for (uint32_t i = 0; i < N; i++) {
    if (pinhole__cwheel_armed(w, i))
      continue;
    uint64_t r = xs(&x);
    pinhole__cwheel_arm(w, i, (ref + r % (UINT64_C(1) << 24)) * TK);
    cw_check_pool(w);
  }
  assert_int_equal(w->armed, N);
  size_t fired, total = 0;
  pinhole__cwheel_run(w, (ref + (UINT64_C(1) << 26)) * TK, SIZE_MAX, NULL, NULL,
                      NULL, &fired);
  total += fired;
  assert_int_equal(total, N);
  assert_int_equal(w->used, 0);
  free(o);
  cw_free(w);
}

/* Cancels and re-arms while a cascade is unfinished (its budget ran out):
 * a timer of the slot being re-filed is then in that slot or already in
 * its lower one, which its expiry and the wheel's time do not tell apart
 * (the block's tag does). 60 timers filed at level 1 (ticks B + 100..102),
 * the cascade at B + 64 stopped after 30 of them; then a cancel and a
 * re-arm (to level 2, and across the wrap of the ticks' low 32 bits when B
 * is near it) of each kind, and a re-arm of an unmoved one to an earlier
 * tick: every list keeps the model's order exactly (a cancel moves its
 * list's first entry into the hole), and each timer fires at its tick. */
static void cancel_mid_cascade(uint64_t b) {
  enum { N = 60, DONE = 30 };
  obj o[N];
  uint64_t t0 = b * TK;
  ph_cwheel *w = cw_new(o, N, t0);
  uint32_t arm[N];
  for (uint32_t k = 0; k < N; k++) {
    arm[k] = (k * 7) % N;
    pinhole__cwheel_arm(w, arm[k], t0 + (100 + k % 3) * TK);
  }
  unsigned src = PH_CWHEEL_SLOTS + (unsigned)(((b + 100) >> 6) & 63u);
  assert_int_equal(w->occ[1], UINT64_C(1) << (src - PH_CWHEEL_SLOTS));
  size_t fired;
  /* one tick reached (B + 64), DONE timers re-filed */
  size_t work = pinhole__cwheel_run(w, t0 + 64 * TK, 1 + DONE, nop_fire, NULL,
                                    NULL, &fired);
  assert_int_equal(work, 1 + DONE);
  assert_int_equal(fired, 0);
  assert_int_equal(w->cascading, 1);
  assert_int_equal(w->armed, N);
  /* the model: the lists of ticks 100..102 (the moved), the source */
  uint32_t d[3][N], sl[N];
  size_t dm[3] = {0, 0, 0}, sm = 0;
  for (uint32_t k = 0; k < N; k++) {
    if (k < DONE)
      d[k % 3][dm[k % 3]++] = arm[k];
    else
      sl[sm++] = arm[k];
  }
  /* a moved one cancelled (arming order 5: tick 102, 4th in its list) */
  pinhole__cwheel_cancel(w, arm[5]);
  model_cancel(d[2], &dm[2], arm[5]);
  /* a moved one re-armed to level 2 (across the wrap near it) */
  uint64_t far = b + 5000;
  pinhole__cwheel_arm(w, arm[10], far * TK);
  model_cancel(d[1], &dm[1], arm[10]);
  /* one still in the source cancelled, one re-armed to tick 101: at
   * the source's tail (the wheel's time is still B + 63), moved on */
  pinhole__cwheel_cancel(w, arm[45]);
  model_cancel(sl, &sm, arm[45]);
  pinhole__cwheel_arm(w, arm[50], t0 + 101 * TK);
  model_cancel(sl, &sm, arm[50]);
  sl[sm++] = arm[50];
  /* a moved one re-armed earlier, within level 0: tick 70, alone */
  pinhole__cwheel_arm(w, arm[3], t0 + 70 * TK);
  model_cancel(d[0], &dm[0], arm[3]);
  assert_int_equal(w->armed, N - 2);
  /* the cascade goes on in the source's order */
  for (size_t k = 0; k < sm; k++) {
    uint32_t i = sl[k];
    uint32_t e = i == arm[50] ? 101 : 0;
    for (uint32_t a = 0; e == 0 && a < N; a++)
      if (arm[a] == i)
        e = 100 + a % 3;
    d[e - 100][dm[e - 100]++] = i;
  }
  uint32_t log[N + 1] = {0};
  pinhole__cwheel_run(w, t0 + 69 * TK, SIZE_MAX, nop_fire, NULL, log, &fired);
  assert_int_equal(fired, 0);
  assert_int_equal(w->cascading, 0);
  pinhole__cwheel_run(w, t0 + 70 * TK, SIZE_MAX, nop_fire, NULL, log, &fired);
  assert_int_equal(fired, 1);
  assert_int_equal(log[1], arm[3]);
  size_t at = 2;
  for (uint32_t t = 0; t < 3; t++) {
    pinhole__cwheel_run(w, t0 + (100 + t) * TK - 1, SIZE_MAX, nop_fire, NULL,
                        log, &fired);
    assert_int_equal(fired, 0);
    pinhole__cwheel_run(w, t0 + (100 + t) * TK, SIZE_MAX, nop_fire, NULL, log,
                        &fired);
    assert_int_equal(fired, dm[t]);
    for (size_t k = 0; k < dm[t]; k++)
      assert_int_equal(log[at++], d[t][k]);
  }
  assert_int_equal(w->armed, 1);
  pinhole__cwheel_run(w, far * TK - 1, SIZE_MAX, nop_fire, NULL, log, &fired);
  assert_int_equal(fired, 0);
  pinhole__cwheel_run(w, far * TK, SIZE_MAX, nop_fire, NULL, log, &fired);
  assert_int_equal(fired, 1);
  assert_int_equal(log[at], arm[10]);
  assert_int_equal(log[0], N - 2);
  assert_int_equal(w->armed, 0);
  assert_int_equal(w->used, 0);
  cw_free(w);
}

static void test_cwheel_cancel_mid_cascade(void **state) {
  (void)state;
  cancel_mid_cascade(0);
  cancel_mid_cascade((UINT64_C(1) << 32) - 64 * 50); /* 5000 ticks wrap */
  cancel_mid_cascade((UINT64_C(7) << 32) + (UINT64_C(5) << 24));
}

/* A popped timer (in the firing window, in no list) cancelled or re-armed
 * by the one firing before it: the cancelled one does not fire, the
 * re-armed one fires at its new tick (at another level), the rest of the
 * window in its order; then, re-armed from within its own firing, a timer
 * fires again at its new tick. */
typedef struct refire {
  ph_cwheel *w;
  uint32_t log[64];
  size_t n;
  uint64_t later; /* ns: the re-arm's */
} refire;

static void refire_fire(uint32_t i, void *user) {
  refire *r = user;
  r->log[r->n++] = i;
  if (i == 0) {
    pinhole__cwheel_cancel(r->w, 1);
    assert_false(pinhole__cwheel_armed(r->w, 1));
    pinhole__cwheel_arm(r->w, 2, r->later);
    pinhole__cwheel_arm(r->w, 0, r->later); /* itself, after 2 */
  }
}

static void test_cwheel_cancel_firing(void **state) {
  (void)state;
  enum { N = 6 };
  obj o[N];
  uint64_t t0 = ((UINT64_C(1) << 32) - 10) * TK;
  ph_cwheel *w = cw_new(o, N, t0);
  for (uint32_t i = 0; i < N; i++)
    pinhole__cwheel_arm(w, i, t0 + 5 * TK);
  refire r = {w, {0}, 0, t0 + 4000 * TK}; /* past the wrap, level 1 */
  size_t fired;
  pinhole__cwheel_run(w, t0 + 5 * TK, SIZE_MAX, refire_fire, NULL, &r, &fired);
  assert_int_equal(fired, 4);
  assert_int_equal(r.n, 4);
  const uint32_t want[4] = {0, 3, 4, 5};
  for (int k = 0; k < 4; k++)
    assert_int_equal(r.log[k], want[k]);
  assert_int_equal(w->armed, 2);
  assert_int_equal(o[2].ct.expire, (uint32_t)((t0 >> SHIFT) + 4000));
  pinhole__cwheel_run(w, t0 + 4000 * TK - 1, SIZE_MAX, refire_fire, NULL, &r,
                      &fired);
  assert_int_equal(fired, 0);
  r.later = t0 + 9000 * TK;
  pinhole__cwheel_run(w, t0 + 4000 * TK, SIZE_MAX, refire_fire, NULL, &r,
                      &fired);
  assert_int_equal(fired, 2);
  assert_int_equal(r.log[4], 2);
  assert_int_equal(r.log[5], 0);
  /* 0 re-armed itself (and 2) again, 1 cancelled again: a no-op */
  assert_int_equal(w->armed, 2);
  assert_false(pinhole__cwheel_armed(w, 1));
  pinhole__cwheel_run(w, t0 + 9000 * TK, SIZE_MAX, NULL, NULL, NULL, &fired);
  assert_int_equal(fired, 2);
  assert_int_equal(w->armed, 0);
  assert_int_equal(w->used, 0);
  cw_free(w);
}

/* Both wheels over the same objects advanced to now with the same budget
 * until neither has anything due: the same work in each call, the same
 * timers fired in the same order (logged in cl and pl). */
static void both_run(pinhole_wheel *pw, ph_cwheel *cw, uint64_t now,
                     size_t budget, uint32_t *pl, uint32_t *cl) {
  for (int guard = 0; guard < 100000; guard++) {
    size_t pf, cf;
    size_t pwk = pinhole__wheel_run(pw, now, budget, nop_fire, pl, &pf);
    size_t cwk = pinhole__cwheel_run(cw, now, budget, nop_fire, NULL, cl, &cf);
    assert_int_equal(pwk, cwk);
    assert_int_equal(pf, cf);
    assert_int_equal(pw->now_tick, cw->now_tick);
    assert_int_equal(pw->cascading, cw->cascading);
    int pending = pinhole_wheel_pending(pw, now);
    assert_int_equal(pending, pinhole__cwheel_pending(cw, now));
    if (!pending)
      break;
  }
  assert_int_equal(pl[0], cl[0]);
  assert_memory_equal(pl, cl, (pl[0] + 1) * sizeof(uint32_t));
}

/* N timers due in one tick 10 000 ticks on (level 2, one list of seven
 * blocks), and M due in three ticks just before that list's slot comes
 * round (a list of level 1 or 2 that goes to three lists): each cascade finds
 * every entry of its list bound for one lower list and hands the blocks over
 * (with no budget: all of them, the timers keep their places), for the model's
 * work, order and firing (the public wheel), with any budget (one that splits a
 * block re-files it entry by entry: the rest is handed over again). Then a
 * cancel after the hand-over moves the new list's first entry into the
 * hole: the blocks' tags follow them. */
static void hands_blocks(uint64_t b, size_t budget) {
  enum { N = 100, M = 20 };
  obj *o = calloc(N + M, sizeof(obj));
  pinhole_wheel *pw = malloc(sizeof(*pw));
  uint32_t *pl = calloc(N + M + 1, sizeof(uint32_t));
  uint32_t *cl = calloc(N + M + 1, sizeof(uint32_t));
  assert_true(o != NULL && pw != NULL && pl != NULL && cl != NULL);
  uint64_t t0 = b * TK;
  assert_int_equal(pinhole_wheel_init(pw, o, sizeof(obj), offsetof(obj, pt),
                                      N + M, t0, SHIFT),
                   0);
  ph_cwheel *w = cw_new(o, N + M, t0);
  uint64_t due = b + 10000, edge = due & ~UINT64_C(4095);
  assert_true(edge > b + 64);
  uint32_t want[N], pos[N];
  size_t m = N;
  for (uint32_t k = 0; k < N; k++) {
    want[k] = (k * 37) % N;
    pinhole__cwheel_arm(w, want[k], due * TK);
    assert_int_equal(pinhole_wheel_arm(pw, want[k], due * TK), 0);
  }
  for (uint32_t k = 0; k < M; k++) { /* re-filed one by one */
    uint64_t at = (edge - 60 + k % 3) * TK;
    pinhole__cwheel_arm(w, N + k, at);
    assert_int_equal(pinhole_wheel_arm(pw, N + k, at), 0);
  }
  for (uint32_t i = 0; i < N; i++)
    pos[i] = o[i].ct.pos;
  both_run(pw, w, (due - 1) * TK, budget, pl, cl);
  assert_int_equal(cl[0], M);
  size_t kept = 0;
  for (uint32_t i = 0; i < N; i++)
    kept += o[i].ct.pos == pos[i];
  if (budget == SIZE_MAX) {
    assert_int_equal(kept, N); /* two cascades, no timer written */
    pinhole__cwheel_cancel(w, want[40]);
    model_cancel(want, &m, want[40]);
    pinhole__cwheel_cancel(w, want[95]);
    model_cancel(want, &m, want[95]);
    assert_int_equal(w->armed, N - 2);
    size_t fired;
    pinhole__cwheel_run(w, due * TK - 1, SIZE_MAX, nop_fire, NULL, cl, &fired);
    assert_int_equal(fired, 0);
    pinhole__cwheel_run(w, due * TK, SIZE_MAX, nop_fire, NULL, cl, &fired);
    assert_int_equal(fired, N - 2);
    for (size_t k = 0; k < m; k++)
      assert_int_equal(cl[M + 1 + k], want[k]);
  } else {
    assert_true(kept < N);                /* split blocks were re-filed */
    assert_true(budget < 40 || kept > 0); /* the others handed over */
    both_run(pw, w, due * TK, budget, pl, cl);
    assert_int_equal(cl[0], M + N);
    for (size_t k = 0; k < N; k++)
      assert_int_equal(cl[M + 1 + k], want[k]);
  }
  assert_int_equal(w->armed, 0);
  assert_int_equal(w->used, 0);
  free(o);
  free(pw);
  free(pl);
  free(cl);
  cw_free(w);
}

static void test_cwheel_cascade_hands_blocks(void **state) {
  (void)state;
  hands_blocks(7, SIZE_MAX);
  hands_blocks((UINT64_C(1) << 32) - 6000, SIZE_MAX); /* across the wrap */
  hands_blocks(7, 40);
  hands_blocks(7, 23);
  hands_blocks((UINT64_C(1) << 32) - 6000, 17);
}

/* A parked list (level 3, beyond the span of the levels) also takes the
 * nearest entries of its own level: armed at the last level-3 slot of a
 * 2^24-tick block, expiries in slots 1 and 2 of the next block and one
 * in the block after are all parked in slot 0; when slot 0 comes round
 * the first and the last go to slot 1 (the last parked again), the
 * middle one to slot 2, so the list is not handed over whole (the bounds
 * alone would say it could): the model's work and firing. */
static void test_cwheel_cascade_parked_bounds(void **state) {
  (void)state;
  enum { N = 3 };
  obj o[N];
  uint64_t b = (UINT64_C(1) << 24) - (UINT64_C(1) << 18) + 5;
  pinhole_wheel *pw = malloc(sizeof(*pw));
  assert_non_null(pw);
  assert_int_equal(pinhole_wheel_init(pw, o, sizeof(obj), offsetof(obj, pt), N,
                                      b * TK, SHIFT),
                   0);
  ph_cwheel *w = cw_new(o, N, b * TK);
  const uint64_t e[N] = {(UINT64_C(1) << 24) + (UINT64_C(1) << 18) + 7,
                         (UINT64_C(1) << 24) + (UINT64_C(2) << 18) + 7,
                         (UINT64_C(2) << 24) + 7};
  for (uint32_t i = 0; i < N; i++) {
    pinhole__cwheel_arm(w, i, e[i] * TK);
    assert_int_equal(pinhole_wheel_arm(pw, i, e[i] * TK), 0);
  }
  assert_int_equal(w->occ[3], UINT64_C(1)); /* all three in slot 0 */
  uint32_t pl[N + 1] = {0}, cl[N + 1] = {0};
  for (uint32_t i = 0; i < N; i++) {
    both_run(pw, w, e[i] * TK - 1, SIZE_MAX, pl, cl);
    assert_int_equal(cl[0], i);
    both_run(pw, w, e[i] * TK, SIZE_MAX, pl, cl);
    assert_int_equal(cl[0], i + 1);
    assert_int_equal(cl[i + 1], i);
  }
  free(pw);
  cw_free(w);
}

/* A parked list handed over whole to the next level-3 slot, which holds
 * a full block of timers due in its own range: the list that takes the
 * blocks widens its bounds to the parked ones, so when its slot comes
 * round it is not handed down whole (the parked would fire early): the
 * model's work and firing. */
static void test_cwheel_cascade_merges_bounds(void **state) {
  (void)state;
  enum { N = 30 };
  obj o[N];
  uint64_t b = (UINT64_C(9) << 18) + 5; /* level 3's slot 9 */
  pinhole_wheel *pw = malloc(sizeof(*pw));
  assert_non_null(pw);
  assert_int_equal(pinhole_wheel_init(pw, o, sizeof(obj), offsetof(obj, pt), N,
                                      b * TK, SHIFT),
                   0);
  ph_cwheel *w = cw_new(o, N, b * TK);
  uint64_t near = (UINT64_C(11) << 18) + 1000, far = b + (UINT64_C(1) << 25);
  for (uint32_t i = 0; i < N; i++) { /* slot 11: 15 due near, 15 parked */
    uint64_t at = (i < N / 2 ? near : far) * TK;
    pinhole__cwheel_arm(w, i, at);
    assert_int_equal(pinhole_wheel_arm(pw, i, at), 0);
  }
  assert_int_equal(w->occ[3], UINT64_C(3) << 10);
  uint32_t pl[N + 1] = {0}, cl[N + 1] = {0};
  both_run(pw, w, near * TK - 1, SIZE_MAX, pl, cl);
  assert_int_equal(cl[0], 0);
  assert_int_equal(w->occ[3], UINT64_C(1) << 12); /* the parked moved on */
  both_run(pw, w, near * TK, SIZE_MAX, pl, cl);
  assert_int_equal(cl[0], N / 2);
  both_run(pw, w, far * TK - 1, SIZE_MAX, pl, cl);
  assert_int_equal(cl[0], N / 2);
  both_run(pw, w, far * TK, SIZE_MAX, pl, cl);
  assert_int_equal(cl[0], N);
  for (uint32_t i = 0; i < N; i++)
    assert_int_equal(cl[i + 1], i);
  free(pw);
  cw_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cwheel_same_as_wheel),
      cmocka_unit_test(test_cwheel_same_across_wrap),
      cmocka_unit_test(test_cwheel_exact_across_wrap),
      cmocka_unit_test(test_cwheel_far_deadline_clamped),
      cmocka_unit_test(test_cwheel_place_same),
      cmocka_unit_test(test_cwheel_lookahead_one_slot),
      cmocka_unit_test(test_cwheel_lookahead_distance),
      cmocka_unit_test(test_cwheel_window_slots),
      cmocka_unit_test(test_cwheel_arm_new_same),
      cmocka_unit_test(test_cwheel_cancel_middle),
      cmocka_unit_test(test_cwheel_cascade_order),
      cmocka_unit_test(test_cwheel_pool_bound),
      cmocka_unit_test(test_cwheel_cancel_mid_cascade),
      cmocka_unit_test(test_cwheel_cancel_firing),
      cmocka_unit_test(test_cwheel_cascade_hands_blocks),
      cmocka_unit_test(test_cwheel_cascade_parked_bounds),
      cmocka_unit_test(test_cwheel_cascade_merges_bounds),
  };
  return cmocka_run_group_tests_name("unit.cwheel", tests, NULL, NULL);
}

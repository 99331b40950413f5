/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connections' wheel's run (cwheel.h, pinhole__cwheel_run) as a
 * static inline function, for a caller whose fire and look-ahead hooks
 * are known at compile time (core/flows.c pinhole__conn_wheel_run, the
 * tick's): the compiler can then inline them, and what they call, into
 * the run. With the list helpers it needs; only cwheel.c and flows.c
 * include it.
 */
#ifndef PH_TIMER_CWHEEL_RUN_H
#define PH_TIMER_CWHEEL_RUN_H

#include "timer/cwheel.h"
#include "timer/wheel_internal.h"

/* Re-files the lists that come round at tick now_tick - 1 (its cascade,
 * cwheel.c), adding the units spent to *work; 0 when the budget ran out
 * before it was done. */
int pinhole__cwheel_cascade(ph_cwheel *w, size_t *work, size_t budget);

static inline ph_ctimer *ph_ct(const ph_cwheel *w, uint32_t i) {
  return (ph_ctimer *)(void *)(w->base + (size_t)i * w->stride + w->offset);
}

static inline void ph_occ_clear(ph_cwheel *w, unsigned id) {
  w->occ[id / PH_CWHEEL_SLOTS] &= ~(UINT64_C(1) << (id % PH_CWHEEL_SLOTS));
}

static inline void ph_bfree(ph_cwheel *w, uint32_t b) {
  w->blocks[b].e[0] = w->free_block;
  w->free_block = b;
  w->used--;
}

/* Drops the first entry of non-empty list id (its timer is not touched). */
static inline void ph_drop_head(ph_cwheel *w, unsigned id) {
  ph_cwlist *l = &w->list[id];
  uint32_t b = l->head;
  l->hs++;
  if (b == l->tail) {
    if (l->hs == l->te) { /* it was the last */
      ph_bfree(w, b);
      l->head = l->tail = 0;
      ph_occ_clear(w, id);
    }
  } else if (l->hs == PH_CWHEEL_PER + 1) {
    l->head = w->blocks[b].e[0];
    l->hs = 1;
    ph_bfree(w, b);
  }
}

/* ph_ct with the timers' base (w->base + w->offset) and stride held by
 * the caller: the run keeps them in registers across its hooks' calls,
 * which the compiler must otherwise assume may change the wheel. */
static inline ph_ctimer *ph_ct_at(uint8_t *tbase, size_t stride, uint32_t i) {
  return (ph_ctimer *)(void *)(tbase + (size_t)i * stride);
}

static inline unsigned ph_due(const ph_cwheel *w) {
  return (unsigned)((w->now_tick - 1) & PH_WHEEL_MASK);
}

/* The run's hooks (cwheel.h's, ph_cwheel_fire_fn and ph_cwheel_ahead_fn)
 * with the entry's place in the window: slot, 0 to PH_CWHEEL_RING - 1,
 * is the same at an entry's stage 0, its stage 1 and its fire, and is
 * given to another entry only after this one fired or was skipped (and
 * then first at that one's stage 0), so a caller may keep what an entry's
 * stage 1 found in an array of PH_CWHEEL_RING indexed by it. A timer
 * popped twice (re-armed in between) has two places. */
typedef void (*ph_cwheel_fire_at_fn)(uint32_t index, unsigned slot, void *user);
typedef void (*ph_cwheel_ahead_at_fn)(uint32_t index, int stage, unsigned slot,
                                      void *user);

/* stride_k: the objects' stride when the caller knows it at compile time
 * (it must be w->stride), or 0 (w->stride is read). A caller whose hooks
 * are always_inline (flows.c) relies on GCC's indirect inlining to make
 * them direct calls once this is inlined into it: on from -O2 and at -Os,
 * asked for by meson.build so that -O1 builds. (The run as a template
 * included per caller with direct hook calls also builds at -O1, but GCC
 * 12 -O3 gave it 1.1 % more instructions an expired flow: BENCHMARKS.md,
 * expire10.) */
static inline size_t ph_cwheel_run(ph_cwheel *w, uint64_t now_ns, size_t budget,
                                   ph_cwheel_fire_at_fn fire,
                                   ph_cwheel_ahead_at_fn ahead, void *user,
                                   size_t *fired_out, size_t stride_k) {
  uint64_t target = now_ns >> w->tick_shift;
  /* the work done is fired + other, other the units spent on other than
   * fires (the cascade's, the ticks stepped), which are rare: a fire adds
   * to fired only (one add a fire fewer) */
  size_t other = 0, fired = 0;
  uint32_t ring[PH_CWHEEL_RING]; /* popped, to fire in this order */
  uint8_t *const tbase = w->base + w->offset; /* the hooks never init w */
  const size_t stride = stride_k != 0 ? stride_k : w->stride;
  for (;;) {
    if (w->cascading) {
      size_t work = fired + other;
      int done = pinhole__cwheel_cascade(w, &work, budget);
      other = work - fired;
      if (!done)
        break;
    }
    unsigned due = ph_due(w);
    unsigned rh = 0, rn = 0, s1 = 0; /* ring head, entries, stage 1 done */
    for (;;) {
      /* keep at least PH_CWHEEL_AHEAD entries popped beyond the one to
       * fire, no more than the budget can fire: while fewer are, the rest
       * of the due list's head block at once (one loop test and one drop
       * a block rather than an entry), so an entry's stage 0 comes
       * PH_CWHEEL_AHEAD to PH_CWHEEL_AHEAD + PH_CWHEEL_PER - 1 fires
       * before its own (fewer in a window's first fill), and the window
       * holds at most PH_CWHEEL_AHEAD + PH_CWHEEL_PER < PH_CWHEEL_RING */
      while (rn <= PH_CWHEEL_AHEAD && w->list[due].head != 0 &&
             fired + other + rn < budget) {
        ph_cwlist *l = &w->list[due];
        uint32_t b = l->head;
        const ph_cwblock *hb = &w->blocks[b];
        unsigned s = l->hs, end = b == l->tail ? l->te : PH_CWHEEL_PER + 1;
        unsigned n = end - s;
        size_t room = budget - (fired + other) - rn;
        if (n > room)
          n = (unsigned)room;
        if (s == 1 && hb->e[0] != 0) /* the next block's line */
          __builtin_prefetch(&w->blocks[hb->e[0]]);
        for (unsigned k = 0; k < n; k++) {
          uint32_t j = hb->e[s + k];
          ph_ct_at(tbase, stride, j)->pos = PH_CWHEEL_FIRING;
          unsigned at = (rh + rn++) % PH_CWHEEL_RING;
          ring[at] = j;
          if (ahead != NULL)
            ahead(j, 0, at, user);
        }
        if (s + n < end) { /* the budget's end: the rest stays */
          l->hs = (uint8_t)(s + n);
        } else if (b == l->tail) {
          ph_bfree(w, b);
          l->head = l->tail = 0;
          ph_occ_clear(w, due);
        } else {
          l->head = hb->e[0];
          l->hs = 1;
          ph_bfree(w, b);
        }
      }
      if (rn == 0)
        break;
      /* stage 1 of the entries up to PH_CWHEEL_AHEAD1 from firing: the
       * first time all of the window (a loop apart), then the one entry
       * that came within reach (no loop) */
      unsigned lim = rn < PH_CWHEEL_AHEAD1 + 1 ? rn : PH_CWHEEL_AHEAD1 + 1;
      if (ahead != NULL && s1 < lim) {
        if (__builtin_expect(s1 + 1 < lim, 0))
          for (; s1 + 1 < lim; s1++) {
            unsigned at = (rh + s1) % PH_CWHEEL_RING;
            uint32_t j = ring[at];
            if (ph_ct_at(tbase, stride, j)->pos == PH_CWHEEL_FIRING)
              ahead(j, 1, at, user);
          }
        unsigned at = (rh + s1) % PH_CWHEEL_RING;
        uint32_t j = ring[at];
        if (ph_ct_at(tbase, stride, j)->pos == PH_CWHEEL_FIRING)
          ahead(j, 1, at, user);
        s1 = lim;
      }
      unsigned at = rh;
      uint32_t i = ring[at];
      rh = (rh + 1) % PH_CWHEEL_RING;
      rn--;
      s1 -= s1 != 0;
      ph_ctimer *t = ph_ct_at(tbase, stride, i);
      if (t->pos != PH_CWHEEL_FIRING)
        continue; /* cancelled or re-armed since it was popped */
      t->pos = 0;
      w->armed--;
      fired++;
      if (fire != NULL)
        fire(i, at, user); /* may arm or cancel any entry */
    }
    if (w->list[due].head != 0 || w->now_tick > target)
      break;
    uint64_t ev = ph_wheel_next_event(w->occ, w->now_tick);
    if (ev > target) {
      w->now_tick = target + 1; /* nothing comes round before: jump */
      break;
    }
    w->now_tick = ev; /* skip the empty ticks between */
    if (fired + other >= budget)
      break;
    other++;
    w->now_tick = ev + 1;
    w->cascading = (ev & PH_WHEEL_MASK) == 0;
  }
  *fired_out = fired;
  return fired + other;
}

#endif /* PH_TIMER_CWHEEL_RUN_H */

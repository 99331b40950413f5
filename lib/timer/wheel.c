/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hierarchical timer wheel (Varghese and Lauck, "Hashed and hierarchical
 * timing wheels", 1987): 4 levels of 64 slots, level L slot = 64^L ticks.
 *
 * Ticks are numbered in base 64; digit L of a tick is (tick >> 6L) & 63.
 * Placement: a timer expiring at tick e, filed when every tick up to ref is
 * processed, goes to the level of the highest digit where e and ref differ,
 * in the slot named by e's digit there (e > ref, so that digit of e is
 * larger and the slot comes round exactly when time enters e's block of
 * that level, before or at e). A timer that differs in a digit above the
 * wheel is parked in the level-3 slot that comes round next and placed
 * again then. When a tick that is a multiple of 64^L is reached, the level-L
 * slot named by its digit L is emptied and its timers placed again relative
 * to that tick; they land strictly lower, in the tick's own level-0 slot,
 * or (still parked) in the next level-3 slot, never back in an emptied one.
 * Until that re-filing is finished, arming places relative to the tick
 * before, so a new timer queues behind older ones with the same expiry.
 *
 * The level-0 slot of the last processed tick (now_tick - 1) is never a
 * placement target, so it serves as the due list: timers of the tick just
 * reached, and timers armed in the past, wait there in insertion order and
 * are fired one by one. Work is counted (one unit per fired timer, per
 * re-filed timer, per tick reached) and stops at the budget with the wheel
 * consistent: a boundary tick whose re-filing is unfinished is marked by
 * `cascading`, and the next call finishes it first. Empty stretches of time
 * cost nothing: per-level occupancy bitmaps give the next tick at which any
 * slot comes round.
 */
#include <string.h>

#include <pinhole/wheel.h>

#include "timer/wheel_internal.h"

#define PH_BITS PH_WHEEL_BITS
#define PH_MASK PH_WHEEL_MASK

static inline pinhole_timer *ph_t(const pinhole_wheel *w, uint32_t i) {
  return (pinhole_timer *)(void *)(w->base + (size_t)i * w->stride + w->offset);
}

/* Appends entry i to list id (level * 64 + slot). */
static void ph_link(pinhole_wheel *w, uint32_t i, unsigned id) {
  unsigned l = id >> PH_BITS, s = id & PH_MASK;
  pinhole_timer *t = ph_t(w, i);
  uint32_t tail = w->tail[l][s];
  t->next = 0;
  t->prev = tail;
  t->slot = (uint16_t)(id + 1);
  if (tail != 0)
    ph_t(w, tail - 1)->next = i + 1;
  else
    w->head[l][s] = i + 1;
  w->tail[l][s] = i + 1;
  w->occ[l] |= UINT64_C(1) << s;
}

/* Removes armed entry i from its list. */
static void ph_unlink(pinhole_wheel *w, uint32_t i) {
  pinhole_timer *t = ph_t(w, i);
  unsigned id = (unsigned)t->slot - 1;
  unsigned l = id >> PH_BITS, s = id & PH_MASK;
  if (t->prev != 0)
    ph_t(w, t->prev - 1)->next = t->next;
  else
    w->head[l][s] = t->next;
  if (t->next != 0)
    ph_t(w, t->next - 1)->prev = t->prev;
  else
    w->tail[l][s] = t->prev;
  if (w->head[l][s] == 0)
    w->occ[l] &= ~(UINT64_C(1) << s);
  t->next = 0;
  t->prev = 0;
  t->slot = 0;
}

static inline unsigned ph_due(const pinhole_wheel *w) {
  return (unsigned)((w->now_tick - 1) & PH_MASK);
}

int pinhole_wheel_init(pinhole_wheel *w, void *base, size_t stride,
                       size_t offset, uint32_t nentries, uint64_t now_ns,
                       unsigned tick_shift) {
  const size_t align = _Alignof(pinhole_timer);
  if (w == NULL || tick_shift < 10 || tick_shift > 40)
    return PINHOLE_ERR_INVALID_ARG;
  if (nentries > 0) {
    if (base == NULL || offset > SIZE_MAX - sizeof(pinhole_timer) ||
        stride < offset + sizeof(pinhole_timer) ||
        (size_t)(nentries - 1) >
            (SIZE_MAX - offset - sizeof(pinhole_timer)) / stride ||
        (uintptr_t)base % align != 0 || stride % align != 0 ||
        offset % align != 0)
      return PINHOLE_ERR_INVALID_ARG;
  }
  memset(w, 0, sizeof(*w));
  w->base = base;
  w->stride = stride;
  w->offset = offset;
  w->nentries = nentries;
  w->tick_shift = tick_shift;
  /* The tick containing now_ns counts as processed: a timer due in it is
   * in the past and goes to the due slot. */
  w->now_tick = (now_ns >> tick_shift) + 1;
  for (uint32_t i = 0; i < nentries; i++)
    memset(ph_t(w, i), 0, sizeof(pinhole_timer));
  return 0;
}

int pinhole_wheel_arm(pinhole_wheel *w, uint32_t index, uint64_t expire_ns) {
  if (w == NULL || index >= w->nentries)
    return PINHOLE_ERR_INVALID_ARG;
  pinhole_timer *t = ph_t(w, index);
  if (t->slot != 0)
    ph_unlink(w, index);
  else
    w->armed++;
  uint64_t e = ph_wheel_tick_of(expire_ns, w->tick_shift);
  t->expire = e;
  /* While a boundary tick is being re-filed it is not processed yet for
   * placement: ref is the tick before it. */
  uint64_t ref = w->now_tick - 1 - w->cascading;
  if (e <= ref)
    ph_link(w, index, ph_due(w));
  else
    ph_link(w, index, ph_wheel_place(e, ref));
  return 0;
}

void pinhole_wheel_cancel(pinhole_wheel *w, uint32_t index) {
  if (w == NULL || index >= w->nentries || ph_t(w, index)->slot == 0)
    return;
  ph_unlink(w, index);
  w->armed--;
}

int pinhole_wheel_armed(const pinhole_wheel *w, uint32_t index) {
  if (w == NULL || index >= w->nentries)
    return 0;
  return ph_t(w, index)->slot != 0;
}

/* Re-files the slots that come round at tick now_tick - 1. Returns 0 when
 * the budget ran out first. */
static int ph_cascade(pinhole_wheel *w, size_t *work, size_t budget) {
  uint64_t ev = w->now_tick - 1;
  for (unsigned l = PINHOLE_WHEEL_LEVELS - 1; l > 0; l--) {
    unsigned sh = l * PH_BITS;
    if ((ev & ((UINT64_C(1) << sh) - 1)) != 0)
      continue;
    unsigned s = (unsigned)((ev >> sh) & PH_MASK);
    while (w->head[l][s] != 0) {
      if (*work >= budget)
        return 0;
      uint32_t i = w->head[l][s] - 1;
      ph_unlink(w, i);
      ph_link(w, i, ph_wheel_place(ph_t(w, i)->expire, ev));
      (*work)++;
    }
  }
  w->cascading = 0;
  return 1;
}

size_t pinhole__wheel_run(pinhole_wheel *w, uint64_t now_ns, size_t budget,
                          pinhole_wheel_fn fn, void *user, size_t *fired_out) {
  uint64_t target = now_ns >> w->tick_shift;
  size_t work = 0, fired = 0;
  for (;;) {
    if (w->cascading && !ph_cascade(w, &work, budget))
      break;
    unsigned due = ph_due(w);
    while (w->head[0][due] != 0 && work < budget) {
      uint32_t i = w->head[0][due] - 1;
      ph_unlink(w, i);
      w->armed--;
      work++;
      fired++;
      if (fn != NULL)
        fn(i, user); /* may arm or cancel any entry */
      due = ph_due(w);
    }
    if (w->head[0][due] != 0 || w->now_tick > target)
      break;
    uint64_t ev = ph_wheel_next_event(w->occ, w->now_tick);
    if (ev > target) {
      w->now_tick = target + 1; /* nothing comes round before: jump */
      break;
    }
    w->now_tick = ev; /* skip the empty ticks between */
    if (work >= budget)
      break;
    work++;
    w->now_tick = ev + 1;
    w->cascading = (ev & PH_MASK) == 0;
  }
  *fired_out = fired;
  return work;
}

size_t pinhole_wheel_advance(pinhole_wheel *w, uint64_t now_ns, size_t budget,
                             pinhole_wheel_fn fn, void *user) {
  if (w == NULL)
    return 0;
  size_t fired;
  pinhole__wheel_run(w, now_ns, budget, fn, user, &fired);
  return fired;
}

int pinhole_wheel_pending(const pinhole_wheel *w, uint64_t now_ns) {
  if (w == NULL)
    return 0;
  if (w->cascading || w->head[0][ph_due(w)] != 0)
    return 1;
  uint64_t target = now_ns >> w->tick_shift;
  return w->now_tick <= target &&
         ph_wheel_next_event(w->occ, w->now_tick) <= target;
}

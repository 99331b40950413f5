/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connections' timer wheel: the public wheel's algorithm
 * (include/pinhole/wheel.h, lib/timer/wheel.c: four levels of 64 slots,
 * the same placement, the same firing order, the same work units) over
 * a 12-byte timer instead of the public 24-byte pinhole_timer, so that a
 * connection's cold part carries 12 bytes of timer (issue 24).
 *
 * What makes it smaller:
 * - The expiry is kept in 32 bits: the tick number modulo 2^32. The wheel
 *   itself counts ticks in 64 bits (it never wraps: 2^64 ticks), and an
 *   armed timer always expires within 2^31 ticks after the tick at which
 *   it was filed (pinhole__cwheel_arm clamps further deadlines to that,
 *   which then fire early: the caller re-checks its own deadline, as the
 *   connections do with last_seen) and never before the tick at which the
 *   wheel re-files it. So when a slot comes round at 64-bit tick ev, each
 *   of its timers' full expiry is ev + (uint32_t)(expire - (uint32_t)ev),
 *   exact whatever the tick counter's low 32 bits have wrapped to (with
 *   the context's 2^24 ns tick they wrap every ~2.3 years).
 * - No slot field: each list is circular through a sentinel that lives in
 *   the wheel (link values n + 1 .. n + 256 name the 256 lists' sentinels,
 *   1 .. n the entries), so unlinking needs only the entry's own links, and
 *   a list became empty exactly when the entry's two neighbours are the
 *   same sentinel.
 *
 * Firing takes the due list's head one by one, as the public wheel does.
 * Beside it the wheel walks the due list ahead of the head and calls a
 * prefetch hook for the entries it reaches (stage 0, PH_CWHEEL_AHEAD
 * entries ahead of the one fired, and stage 1, PH_CWHEEL_AHEAD1 ahead), so
 * that the caller can start the loads of the next entries' objects while
 * it frees the current one. The hook is only a hint: what fires, and in
 * which order, is decided by the lists alone.
 */
#ifndef PH_TIMER_CWHEEL_H
#define PH_TIMER_CWHEEL_H

#include <stddef.h>
#include <stdint.h>

#define PH_CWHEEL_LEVELS 4
#define PH_CWHEEL_SLOTS 64
#define PH_CWHEEL_LISTS (PH_CWHEEL_LEVELS * PH_CWHEEL_SLOTS)
/* The furthest an armed timer expires after the wheel's time, in ticks. */
#define PH_CWHEEL_SPAN (UINT64_C(1) << 31)
/* The look-ahead distances of the prefetch hook's two stages. */
#define PH_CWHEEL_AHEAD 12
#define PH_CWHEEL_AHEAD1 6

/* A timer embedded in a caller object. Zero it before first use. */
typedef struct ph_ctimer {
  uint32_t expire; /* expiry tick modulo 2^32 (armed only) */
  uint32_t next;   /* 0: not armed; 1..n: entry + 1; n+1..: a sentinel */
  uint32_t prev;
} ph_ctimer;

_Static_assert(sizeof(ph_ctimer) == 12, "a connection timer is 12 bytes");

typedef struct ph_cwheel {
  uint32_t first[PH_CWHEEL_LISTS]; /* the sentinels' next links */
  uint32_t last[PH_CWHEEL_LISTS];  /* and prev links */
  uint64_t occ[PH_CWHEEL_LEVELS];  /* bit s set: slot s not empty */
  uint64_t now_tick;               /* every earlier tick processed */
  uint8_t *base;
  size_t stride; /* of the objects; the timer at offset in each */
  size_t offset;
  uint32_t n;
  uint32_t armed;
  uint32_t tick_shift;
  uint32_t cascading; /* 1: re-filing for tick now_tick - 1 unfinished */
} ph_cwheel;

/* Called for each expired timer; the entry is already unlinked. It may arm
 * or cancel any timer; it must not run or init the wheel. */
typedef void (*ph_cwheel_fire_fn)(uint32_t index, void *user);
/* The prefetch hook: entry index is due and will fire soon (stage 0: the
 * first time the look-ahead reaches it, stage 1: closer). Must not change
 * the wheel. */
typedef void (*ph_cwheel_ahead_fn)(uint32_t index, int stage, void *user);

/* Initialises *w over n objects at base (stride bytes each, the ph_ctimer
 * at offset, 4-byte aligned) at host time now_ns with ticks of
 * 2^tick_shift ns; zeroes the timers. The tick containing now_ns counts
 * as reached. n + PH_CWHEEL_LISTS must fit in 32 bits. */
void pinhole__cwheel_init(ph_cwheel *w, void *base, size_t stride,
                          size_t offset, uint32_t n, uint64_t now_ns,
                          unsigned tick_shift);

/* Arms or re-arms timer index for expire_ns rounded up to a tick (the
 * public wheel's contract), or for PH_CWHEEL_SPAN ticks after the wheel's
 * time if that is earlier. index < n. */
void pinhole__cwheel_arm(ph_cwheel *w, uint32_t index, uint64_t expire_ns);

/* Disarms timer index (a no-op when it is not armed). */
void pinhole__cwheel_cancel(ph_cwheel *w, uint32_t index);

/* Is timer index armed? */
static inline int pinhole__cwheel_armed(const ph_cwheel *w, uint32_t index) {
  const ph_ctimer *t =
      (const ph_ctimer *)(const void *)(w->base + (size_t)index * w->stride +
                                        w->offset);
  return t->next != 0;
}

/* pinhole__wheel_run() of this wheel: advances to now_ns firing due
 * timers through fire (may be NULL), calling ahead (may be NULL) for the
 * due entries about to fire; stops after budget units of work. Returns
 * the units spent, the timers fired in *fired. */
size_t pinhole__cwheel_run(ph_cwheel *w, uint64_t now_ns, size_t budget,
                           ph_cwheel_fire_fn fire, ph_cwheel_ahead_fn ahead,
                           void *user, size_t *fired);

/* pinhole_wheel_pending() of this wheel. */
int pinhole__cwheel_pending(const ph_cwheel *w, uint64_t now_ns);

#endif /* PH_TIMER_CWHEEL_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The timer wheel's internal entry point for the stateful layer, which
 * shares one work budget between several wheels and so needs to know what
 * each advance spent, not only what it fired; and the placement arithmetic
 * the public wheel (wheel.c) and the connections' wheel (cwheel.c) share.
 */
#ifndef PH_TIMER_WHEEL_INTERNAL_H
#define PH_TIMER_WHEEL_INTERNAL_H

#include <pinhole/wheel.h>

/* pinhole_wheel_advance() (w not NULL) that returns the units of work it
 * spent (at most budget: fired timers, re-filed timers, ticks reached) and
 * stores the number of timers fired in *fired. */
size_t pinhole__wheel_run(pinhole_wheel *w, uint64_t now_ns, size_t budget,
                          pinhole_wheel_fn fn, void *user, size_t *fired);

#define PH_WHEEL_BITS 6u
#define PH_WHEEL_MASK 63u

static inline unsigned ph_wheel_ctz64(uint64_t x) {
#if defined(__GNUC__) || defined(__clang__)
  return (unsigned)__builtin_ctzll(x);
#else
  unsigned n = 0;
  while (!(x & 1u)) {
    x >>= 1;
    n++;
  }
  return n;
#endif
}

/* The list (level * 64 + slot) for expiry tick e > ref when every tick
 * up to ref is processed (wheel.c's header comment has the argument). */
static inline unsigned ph_wheel_place(uint64_t e, uint64_t ref) {
  uint64_t x = e ^ ref;
  unsigned top = (PINHOLE_WHEEL_LEVELS - 1) * PH_WHEEL_BITS;
  if (x >> (PINHOLE_WHEEL_LEVELS * PH_WHEEL_BITS) != 0) /* beyond: park */
    return (PINHOLE_WHEEL_LEVELS - 1) * PINHOLE_WHEEL_SLOTS +
           (unsigned)(((ref >> top) + 1) & PH_WHEEL_MASK);
  unsigned l = PINHOLE_WHEEL_LEVELS - 1;
  while (l > 0 && (x >> (l * PH_WHEEL_BITS)) == 0)
    l--;
  return l * PINHOLE_WHEEL_SLOTS +
         (unsigned)((e >> (l * PH_WHEEL_BITS)) & PH_WHEEL_MASK);
}

/* The first tick >= now_tick at which an occupied slot of occ comes
 * round, or UINT64_MAX. The due slot must be empty. */
static inline uint64_t ph_wheel_next_event(const uint64_t *occ,
                                           uint64_t now_tick) {
  uint64_t best = UINT64_MAX;
  for (unsigned l = 0; l < PINHOLE_WHEEL_LEVELS; l++) {
    uint64_t o = occ[l];
    if (o == 0)
      continue;
    unsigned sh = l * PH_WHEEL_BITS;
    uint64_t b = (now_tick + ((UINT64_C(1) << sh) - 1)) >> sh;
    unsigned p = (unsigned)(b & PH_WHEEL_MASK);
    uint64_t rot = p != 0 ? (o >> p) | (o << (64u - p)) : o;
    uint64_t u = (b + ph_wheel_ctz64(rot)) << sh;
    if (u < best)
      best = u;
  }
  return best;
}

/* The expiry tick, rounded up, of a deadline in ns. */
static inline uint64_t ph_wheel_tick_of(uint64_t expire_ns, unsigned shift) {
  uint64_t mask = (UINT64_C(1) << shift) - 1;
  return (expire_ns >> shift) + ((expire_ns & mask) != 0);
}

#endif /* PH_TIMER_WHEEL_INTERNAL_H */

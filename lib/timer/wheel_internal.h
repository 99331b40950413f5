/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The timer wheel's internal entry point for the stateful layer, which
 * shares one work budget between several wheels and so needs to know what
 * each advance spent, not only what it fired.
 */
#ifndef PH_TIMER_WHEEL_INTERNAL_H
#define PH_TIMER_WHEEL_INTERNAL_H

#include <pinhole/wheel.h>

/* pinhole_wheel_advance() (w not NULL) that returns the units of work it
 * spent (at most budget: fired timers, re-filed timers, ticks reached) and
 * stores the number of timers fired in *fired. */
size_t pinhole__wheel_run(pinhole_wheel *w, uint64_t now_ns, size_t budget,
                          pinhole_wheel_fn fn, void *user, size_t *fired);

#endif /* PH_TIMER_WHEEL_INTERNAL_H */

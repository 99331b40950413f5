/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: a hierarchical timer wheel (Varghese and Lauck).
 *
 * Four levels of 64 slots. A tick is 2^tick_shift nanoseconds of host
 * time; level L slot width is 64^L ticks, so with the default 2^24 ns
 * (~16.8 ms) tick the wheel spans 64^4 ticks (~78 hours). Timers further
 * out are parked in the next level-3 slot to come round and re-filed then
 * (one re-file per 64^3 ticks, ~73 minutes at the default tick).
 *
 * Entries are pinhole_timer records embedded in the caller's objects: the
 * caller gives the base of an array of objects, their stride, and the offset
 * of the pinhole_timer inside each; timers are named by array index. Insert
 * and cancel are O(1); pinhole_wheel_advance() does bounded work per call.
 * Nothing here allocates or reads a clock.
 */
#ifndef PINHOLE_WHEEL_H
#define PINHOLE_WHEEL_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PINHOLE_WHEEL_LEVELS 4
#define PINHOLE_WHEEL_SLOTS 64

/** A timer embedded in a caller object. Zero it before first use. */
typedef struct pinhole_timer {
  uint32_t next;   /**< private: index + 1 of next entry in slot, 0 = none */
  uint32_t prev;   /**< private: index + 1 of previous entry, 0 = head */
  uint64_t expire; /**< private: absolute expiry in ticks */
  uint16_t slot;   /**< private: level * 64 + slot + 1; 0 = not armed */
  uint16_t pad_[3];
} pinhole_timer;

/** The wheel. Caller storage; fields are private, layout is ABI. */
typedef struct pinhole_wheel {
  uint32_t head[PINHOLE_WHEEL_LEVELS][PINHOLE_WHEEL_SLOTS];
  uint32_t tail[PINHOLE_WHEEL_LEVELS][PINHOLE_WHEEL_SLOTS];
  uint64_t occ[PINHOLE_WHEEL_LEVELS]; /**< bit s set: slot s not empty */
  uint64_t now_tick; /**< current tick (all earlier ticks processed) */
  uint8_t *base;
  size_t stride;
  size_t offset;
  uint32_t nentries;
  uint32_t armed; /**< number of armed timers */
  uint32_t tick_shift;
  uint32_t cascading; /**< 1: re-filing for tick now_tick - 1 unfinished */
} pinhole_wheel;

/** Called for each expired timer; the entry is already unlinked. */
typedef void (*pinhole_wheel_fn)(uint32_t index, void *user);

/**
 * Initialises *w over nentries objects at base, each stride bytes, with
 * the pinhole_timer at offset inside each, at host time now_ns. Timers of
 * the objects are zeroed (not armed). The tick containing now_ns counts as
 * already reached.
 * @param w caller storage, written whole; borrowed until the caller stops
 *        using the wheel (the wheel keeps base, not a copy).
 * @param base array of nentries objects, aligned for pinhole_timer; may be
 *        NULL only when nentries is 0.
 * @param stride object size: a multiple of _Alignof(pinhole_timer) and at
 *        least offset + sizeof(pinhole_timer).
 * @param offset of the pinhole_timer in each object, suitably aligned.
 * @param tick_shift log2 of the tick in nanoseconds, 10..40 (24: ~16.8 ms).
 * @return 0, or PINHOLE_ERR_INVALID_ARG when w is NULL, tick_shift is out
 *         of range, or base/stride/offset are misaligned, overlap or
 *         overflow the address space.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_wheel_init(pinhole_wheel *w, void *base,
                                      size_t stride, size_t offset,
                                      uint32_t nentries, uint64_t now_ns,
                                      unsigned tick_shift);

/**
 * Arms (or re-arms, moving it) timer index to fire once host time reaches
 * expire_ns rounded up to a tick: it fires in the first advance whose
 * now_ns is at or past that tick boundary, never earlier and less than one
 * tick after expire_ns. A time in the current tick or the past fires on the
 * next advance, whatever its now_ns. O(1). Safe inside a pinhole_wheel_fn.
 * @return 0, or PINHOLE_ERR_INVALID_ARG (w NULL or index >= nentries).
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_wheel_arm(pinhole_wheel *w, uint32_t index,
                                     uint64_t expire_ns);

/**
 * Disarms timer index; a no-op when it is not armed. Safe to call from
 * inside a pinhole_wheel_fn on any entry.
 * @since 0.1.0
 */
PINHOLE_EXTERN void pinhole_wheel_cancel(pinhole_wheel *w, uint32_t index);

/**
 * Returns 1 when timer index is armed, 0 otherwise (or out of range).
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_wheel_armed(const pinhole_wheel *w, uint32_t index);

/**
 * Advances the wheel to now_ns, calling fn for each expired timer in order
 * of expiry tick (insertion order within a tick), and stops after budget
 * units of work (one unit per fired timer, per re-filed timer and per tick
 * whose slots are visited; stretches of time with nothing due are skipped
 * at no cost). Call again to continue: time already reached is kept.
 * Timers armed in the past fire first, in arming order. An earlier now_ns
 * than already reached only fires such timers.
 * The callback may arm or cancel any timer, including the one it got (a
 * timer it re-arms in the past fires again in the same call, within the
 * budget); it must not call pinhole_wheel_advance or _init on w.
 * @param fn may be NULL (expired timers are only disarmed).
 * @param user passed to fn.
 * @return the number of timers fired (at most budget).
 * @since 0.1.0
 */
PINHOLE_EXTERN size_t pinhole_wheel_advance(pinhole_wheel *w, uint64_t now_ns,
                                            size_t budget, pinhole_wheel_fn fn,
                                            void *user);

/**
 * Returns 1 when an advance to now_ns has work to do (timers to fire or to
 * re-file, e.g. because the last advance stopped on its budget), 0 when it
 * would only move the time.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_wheel_pending(const pinhole_wheel *w,
                                         uint64_t now_ns);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_WHEEL_H */

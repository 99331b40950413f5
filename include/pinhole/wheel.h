/*
 * pinhole pure layer: a hierarchical timer wheel (Varghese and Lauck).
 *
 * Four levels of 64 slots. A tick is 2^tick_shift nanoseconds of host
 * time; level L slot width is 64^L ticks, so with the default 2^24 ns
 * (~16.8 ms) tick the wheel spans 64^4 ticks (~78 hours). Timers further
 * out are parked in the last slot and re-filed when it comes round.
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
  uint32_t expire; /**< private: absolute expiry in ticks */
  uint16_t slot;   /**< private: level * 64 + slot + 1; 0 = not armed */
  uint16_t pad_;
} pinhole_timer;

/** The wheel. Caller storage; fields are private, layout is ABI. */
typedef struct pinhole_wheel {
  uint32_t head[PINHOLE_WHEEL_LEVELS][PINHOLE_WHEEL_SLOTS];
  uint32_t tail[PINHOLE_WHEEL_LEVELS][PINHOLE_WHEEL_SLOTS];
  uint64_t now_tick;     /**< current tick (all earlier ticks processed) */
  uint8_t *base;
  size_t stride;
  size_t offset;
  uint32_t nentries;
  uint32_t armed;        /**< number of armed timers */
  uint32_t tick_shift;
  uint32_t pad_;
} pinhole_wheel;

/** Called for each expired timer; the entry is already unlinked. */
typedef void (*pinhole_wheel_fn)(uint32_t index, void *user);

/**
 * Initialises *w over nentries objects at base, each stride bytes, with
 * the pinhole_timer at offset inside each, at host time now_ns. Timers of
 * the objects are marked not armed. tick_shift is 10..40.
 * @return 0 or PINHOLE_ERR_INVALID_ARG.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_wheel_init(pinhole_wheel *w, void *base,
                                      size_t stride, size_t offset,
                                      uint32_t nentries, uint64_t now_ns,
                                      unsigned tick_shift);

/**
 * Arms (or re-arms) timer index to fire once host time reaches
 * expire_ns (rounded up to a tick). A time in the past fires on the next
 * advance.
 * @return 0 or PINHOLE_ERR_INVALID_ARG (index out of range).
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

/** Returns 1 when timer index is armed, 0 otherwise (or out of range). */
PINHOLE_EXTERN int pinhole_wheel_armed(const pinhole_wheel *w, uint32_t index);

/**
 * Advances the wheel to now_ns, calling fn for each expired timer in order
 * of expiry tick (insertion order within a tick), and stops after budget
 * units of work (one unit per fired timer, per re-filed timer and per slot
 * visited). Call again to continue: time already reached is kept.
 * The callback may arm or cancel any timer, including the one it got.
 * @return the number of timers fired.
 * @since 0.1.0
 */
PINHOLE_EXTERN size_t pinhole_wheel_advance(pinhole_wheel *w, uint64_t now_ns,
                                            size_t budget, pinhole_wheel_fn fn,
                                            void *user);

/**
 * Returns 1 when the last advance stopped on its budget before reaching its
 * target time (more work is due), 0 otherwise.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_wheel_pending(const pinhole_wheel *w, uint64_t now_ns);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_WHEEL_H */

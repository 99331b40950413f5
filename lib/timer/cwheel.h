/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connections' timer wheel: the public wheel's placement
 * (include/pinhole/wheel.h, lib/timer/wheel.c: four levels of 64 slots,
 * the same ticks, the same work units) with its lists kept as chains of
 * 64-byte blocks of connection indices, so that firing and cascading read
 * a list sequentially and know the next entries' indices without loading
 * their objects: the objects' lines can be asked for k entries ahead as
 * independent loads (issue 24).
 *
 * - The block pool is the caller's, sized by pinhole__cwheel_blocks(n) at
 *   init: nothing is allocated after. Block 0 is "none". A block holds a
 *   link to the next block of its list and 15 indices (slots 1..15).
 * - A list is a chain of blocks from its head to its tail: entries are
 *   taken from the head (slot hs of the head block on) and added at the
 *   tail (before slot te of the tail block); every block between is full.
 *   A list of m >= 1 entries so uses at most (m - 2) / 15 + 2 blocks
 *   (one when m = 1), and all lists together at most n / 15 + 512.
 * - A timer (ph_ctimer, 8 bytes in the caller's object) keeps its expiry
 *   tick modulo 2^32 and the position of its entry (block * 16 + slot; 0:
 *   not armed). Its list is the one its block belongs to: a block serves
 *   one list from its allocation to its release, and the wheel keeps each
 *   block's list in a byte (the tags, carved from the end of the pool:
 *   one block of tags for 64 blocks). The list cannot be computed from
 *   the expiry and the wheel's time alone: while a cascade is unfinished
 *   (its budget ran out) a timer of the slot being re-filed may be in
 *   that slot or already in its lower one. Cancelling moves the entry at
 *   its list's head into the cancelled entry's place (writing the moved
 *   timer's position) and drops the head: O(1), no tombstones, and the
 *   pool bound holds.
 * - Order: a list is FIFO while nothing in it is cancelled (so a slot's
 *   timers fire in arming order, and a cascade keeps the order, as the
 *   public wheel's); a cancel moves the list's first entry to the
 *   cancelled one's place (but of the entries already popped to fire,
 *   below). Always deterministic.
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
 *
 * A cascade re-files a list entry by entry, reading each timer's expiry
 * and writing its new position, unless the list's bounds (ph_cwlist)
 * put all of its entries in one lower list: then its blocks are handed
 * to that list as they are (retagged; the timers keep their positions),
 * while the budget covers a whole block and the lower list is empty or
 * ends with a full block; the same entries in the same order for the
 * same work (a unit a timer).
 *
 * Firing pops the due list's head into a window that is kept at least
 * PH_CWHEEL_AHEAD entries ahead of the one that fires (no more than the
 * budget can fire), the rest of the head block at once while no more
 * than PH_CWHEEL_AHEAD are: a popped timer is still armed (pos
 * PH_CWHEEL_FIRING, counted in armed) but in no list. Beside it the
 * wheel calls a prefetch hook for each entry as it is popped (stage 0,
 * PH_CWHEEL_AHEAD to PH_CWHEEL_AHEAD + PH_CWHEEL_PER - 1 places before
 * it fires) and when it is PH_CWHEEL_AHEAD1 places from firing
 * (stage 1), so that the caller can start the loads of the next entries'
 * objects while it frees the current one; a cascade prefetches the
 * timers it is about to move the same way. The hook is only a hint: what
 * fires, and in which order, is decided by the lists alone. A popped
 * timer cancelled or re-armed before its turn does not fire then (a
 * cancel of one still in a list moves the list's first entry into its
 * place, as above; one in the window leaves the order of the rest).
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
/* The look-ahead distances of the prefetch hook's two stages (both less
 * than PH_CWHEEL_PER: one block hop at most). */
#define PH_CWHEEL_AHEAD 14
#define PH_CWHEEL_AHEAD1 7
/* The window of popped due entries (a power of two above
 * PH_CWHEEL_AHEAD + PH_CWHEEL_PER - 1: a block's entries are popped at
 * once while no more than PH_CWHEEL_AHEAD are), and the position of a
 * timer in it: armed, due, in no list (block 0 is never used, so no
 * entry is there). */
#define PH_CWHEEL_RING 32u
#define PH_CWHEEL_FIRING 1u
/* Indices per block, and the most objects a wheel can carry. */
#define PH_CWHEEL_PER 15u
#define PH_CWHEEL_MAX_N (UINT32_C(1) << 31)

/* A timer embedded in a caller object. Zeroed by init. */
typedef struct ph_ctimer {
  uint32_t expire; /* expiry tick modulo 2^32 (armed only) */
  uint32_t pos;    /* 0: not armed; PH_CWHEEL_FIRING: popped to fire;
                      else block * 16 + slot of its entry */
} ph_ctimer;

_Static_assert(sizeof(ph_ctimer) == 8, "a connection timer is 8 bytes");

/* A block of a list: the next block (0: the last) and up to 15 indices
 * in e[1..15] (e[0] is the link). */
typedef struct ph_cwblock {
  uint32_t e[PH_CWHEEL_PER + 1];
} ph_cwblock;

_Static_assert(sizeof(ph_cwblock) == 64, "a block is one line");

/* A list: blocks head..tail; entries from head's slot hs to tail's slot
 * te - 1 (head 0: empty). lo..hi bound the full expiries of the entries
 * added since it was last empty (a cancel leaves them: still bounds), so
 * that a cascade can tell that every entry goes to the same lower list
 * without reading their timers. */
typedef struct ph_cwlist {
  uint64_t lo, hi;
  uint32_t head, tail;
  uint8_t hs, te;
} ph_cwlist;

typedef struct ph_cwheel {
  ph_cwlist list[PH_CWHEEL_LISTS];
  uint64_t occ[PH_CWHEEL_LEVELS]; /* bit s set: slot s not empty */
  uint64_t now_tick;              /* every earlier tick processed */
  uint8_t *base;
  size_t stride; /* of the objects; the timer at offset in each */
  size_t offset;
  ph_cwblock *blocks;  /* the pool: nblocks blocks, 0 never used */
  uint8_t *tag;        /* the list of each block in a list (pool's end) */
  uint32_t nblocks;    /* of the pool that hold lists (not the tags) */
  uint32_t free_block; /* the free list of blocks (linked by e[0]) */
  uint32_t fresh;      /* blocks fresh.. were never used */
  uint32_t used;       /* blocks in lists */
  uint32_t n;
  uint32_t armed;
  uint32_t tick_shift;
  uint32_t cascading; /* 1: re-filing for tick now_tick - 1 unfinished */
  /* pinhole__cwheel_arm_new's last placement: list new_id for expiry
   * new_e when every tick up to new_ref is processed (new_e 0: none; an
   * expiry it places is after its ref, so never 0). The new connections
   * of one tick all expire at the same tick: one placement for all. */
  uint64_t new_e, new_ref;
  uint32_t new_id;
} ph_cwheel;

/* Called for each expired timer; the entry is already removed. It may arm
 * or cancel any timer; it must not run or init the wheel. */
typedef void (*ph_cwheel_fire_fn)(uint32_t index, void *user);
/* The prefetch hook: entry index is due and will fire soon (stage 0:
 * PH_CWHEEL_AHEAD entries ahead, nothing of it read yet; stage 1:
 * PH_CWHEEL_AHEAD1 ahead, after its stage 0). Must not change the wheel. */
typedef void (*ph_cwheel_ahead_fn)(uint32_t index, int stage, void *user);

/* Is expiry tick e beyond the wheel's levels when every tick up to ref
 * is processed (ph_cwheel_place parks it in level 3's next slot)? */
static inline int ph_cwheel_parked(uint64_t e, uint64_t ref) {
  return ((e ^ ref) >> (PH_CWHEEL_LEVELS * 6u)) != 0;
}

/* ph_wheel_place (timer/wheel_internal.h) with the level found by one
 * count of leading zeros rather than a loop: the list for expiry tick
 * e > ref when every tick up to ref is processed. */
static inline unsigned ph_cwheel_place(uint64_t e, uint64_t ref) {
  uint64_t x = e ^ ref;
  if (ph_cwheel_parked(e, ref)) /* beyond: park */
    return (PH_CWHEEL_LEVELS - 1) * PH_CWHEEL_SLOTS +
           (unsigned)(((ref >> ((PH_CWHEEL_LEVELS - 1) * 6u)) + 1) & 63u);
#if defined(__GNUC__) || defined(__clang__)
  unsigned l = (63u - (unsigned)__builtin_clzll(x | 1u)) / 6u;
#else
  unsigned l = PH_CWHEEL_LEVELS - 1;
  while (l > 0 && (x >> (l * 6u)) == 0)
    l--;
#endif
  return l * PH_CWHEEL_SLOTS + (unsigned)((e >> (l * 6u)) & 63u);
}

/* The blocks a wheel over n objects needs (n <= PH_CWHEEL_MAX_N): those
 * of the lists, and a byte of tag for each of them. */
static inline size_t pinhole__cwheel_blocks(uint32_t n) {
  size_t b = (size_t)n / PH_CWHEEL_PER + 2 * PH_CWHEEL_LISTS + 2;
  return b + (b + sizeof(ph_cwblock) - 1) / sizeof(ph_cwblock);
}

/* Initialises *w over n objects at base (stride bytes each, the ph_ctimer
 * at offset, 4-byte aligned), with the pool blocks (nblocks of them, at
 * least pinhole__cwheel_blocks(n), 64-byte aligned preferably) at host
 * time now_ns with ticks of 2^tick_shift ns; zeroes the timers. The tick
 * containing now_ns counts as reached. n <= PH_CWHEEL_MAX_N. */
void pinhole__cwheel_init(ph_cwheel *w, void *base, size_t stride,
                          size_t offset, uint32_t n, ph_cwblock *blocks,
                          size_t nblocks, uint64_t now_ns, unsigned tick_shift);

/* Arms or re-arms timer index for expire_ns rounded up to a tick (the
 * public wheel's contract), or for PH_CWHEEL_SPAN ticks after the wheel's
 * time if that is earlier. index < n. A re-arm adds the timer at its new
 * list's tail. */
void pinhole__cwheel_arm(ph_cwheel *w, uint32_t index, uint64_t expire_ns);

/* pinhole__cwheel_arm for a timer that is not armed (a new object's):
 * the same list, place and order, without the test for a re-arm, and
 * the list of the previous call's expiry taken again when the expiry
 * and the wheel's time are the same. index < n, its timer not armed. */
void pinhole__cwheel_arm_new(ph_cwheel *w, uint32_t index, uint64_t expire_ns);

/* Disarms timer index (a no-op when it is not armed). */
void pinhole__cwheel_cancel(ph_cwheel *w, uint32_t index);

/* Is timer t (the one of its object) armed? */
static inline int ph_ctimer_armed(const ph_ctimer *t) {
  return t->pos != 0;
}

/* Is timer index armed? */
static inline int pinhole__cwheel_armed(const ph_cwheel *w, uint32_t index) {
  const ph_ctimer *t =
      (const ph_ctimer *)(const void *)(w->base + (size_t)index * w->stride +
                                        w->offset);
  return t->pos != 0;
}

/* pinhole__wheel_run() of this wheel: advances to now_ns firing due
 * timers through fire (may be NULL), calling ahead (may be NULL) for the
 * due entries about to fire; stops after budget units of work (a timer
 * fired, a timer re-filed, a tick reached). Returns the units spent, the
 * timers fired in *fired. */
size_t pinhole__cwheel_run(ph_cwheel *w, uint64_t now_ns, size_t budget,
                           ph_cwheel_fire_fn fire, ph_cwheel_ahead_fn ahead,
                           void *user, size_t *fired);

/* pinhole_wheel_pending() of this wheel. */
int pinhole__cwheel_pending(const ph_cwheel *w, uint64_t now_ns);

#endif /* PH_TIMER_CWHEEL_H */

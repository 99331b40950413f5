/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connections' timer wheel (cwheel.h): wheel.c's placement over lists
 * kept as chains of 64-byte blocks of indices from a bounded pool, with
 * 32-bit expiries, O(1) cancel by moving the list's first entry into the
 * hole, and look-ahead by index for the caller's prefetches: the due
 * entries are popped, a block's rest at a time, into a window of at
 * least PH_CWHEEL_AHEAD + 1 before they fire (their timers marked
 * PH_CWHEEL_FIRING), so the look-ahead reads the window, not the blocks.
 */
#include <string.h>

#include "timer/cwheel_run.h"

_Static_assert(PH_CWHEEL_LEVELS == PINHOLE_WHEEL_LEVELS &&
                   PH_CWHEEL_SLOTS == PINHOLE_WHEEL_SLOTS &&
                   PH_CWHEEL_SLOTS == 1u << PH_WHEEL_BITS,
               "the placement is wheel.c's");
_Static_assert(PH_CWHEEL_AHEAD < PH_CWHEEL_PER &&
                   PH_CWHEEL_AHEAD1 < PH_CWHEEL_AHEAD,
               "the look-ahead crosses one block at most");
_Static_assert(PH_CWHEEL_LISTS <= UINT8_MAX + 1, "a list id fits a tag");
_Static_assert(PH_CWHEEL_AHEAD + PH_CWHEEL_PER < PH_CWHEEL_RING &&
                   (PH_CWHEEL_RING & (PH_CWHEEL_RING - 1)) == 0,
               "the window fits the ring");

static inline void ph_occ_set(ph_cwheel *w, unsigned id) {
  w->occ[id / PH_CWHEEL_SLOTS] |= UINT64_C(1) << (id % PH_CWHEEL_SLOTS);
}

/* A block for list id, tagged with it. The pool cannot run out: a list of
 * m entries holds at most (m - 2) / 15 + 2 blocks (cwheel.h), and the
 * pool has n / 15 + 2 * 256 + 1 besides block 0 (and the tags). */
static uint32_t ph_balloc(ph_cwheel *w, unsigned id) {
  uint32_t b = w->free_block;
  if (b != 0)
    w->free_block = w->blocks[b].e[0];
  else
    b = w->fresh++;
  w->blocks[b].e[0] = 0;
  w->tag[b] = (uint8_t)id;
  w->used++;
  return b;
}

/* Adds entry i (full expiry e) at list id's tail and records its place
 * in its timer. */
static inline void ph_push(ph_cwheel *w, uint32_t i, unsigned id, uint64_t e) {
  ph_cwlist *l = &w->list[id];
  if (l->head == 0) {
    l->head = l->tail = ph_balloc(w, id);
    l->hs = l->te = 1;
    l->lo = l->hi = e;
    ph_occ_set(w, id);
  } else {
    l->lo = e < l->lo ? e : l->lo;
    l->hi = e > l->hi ? e : l->hi;
    if (l->te == PH_CWHEEL_PER + 1) {
      uint32_t b = ph_balloc(w, id);
      w->blocks[l->tail].e[0] = b;
      l->tail = b;
      l->te = 1;
    }
  }
  w->blocks[l->tail].e[l->te] = i;
  ph_ctimer *t = ph_ct(w, i);
  t->pos = l->tail << 4 | l->te;
  l->te++;
}

/* Removes armed entry i from its list (its block's): the list's first
 * entry takes its place. */
static void ph_remove(ph_cwheel *w, uint32_t i) {
  ph_ctimer *t = ph_ct(w, i);
  uint32_t pos = t->pos;
  unsigned id = w->tag[pos >> 4];
  ph_cwlist *l = &w->list[id];
  uint32_t first = l->head << 4 | l->hs;
  if (pos != first) {
    uint32_t j = w->blocks[l->head].e[l->hs];
    w->blocks[pos >> 4].e[pos & 15u] = j;
    ph_ct(w, j)->pos = pos;
  }
  ph_drop_head(w, id);
  t->pos = 0;
}

void pinhole__cwheel_init(ph_cwheel *w, void *base, size_t stride,
                          size_t offset, uint32_t n, ph_cwblock *blocks,
                          size_t nblocks, uint64_t now_ns,
                          unsigned tick_shift) {
  memset(w, 0, sizeof(*w));
  w->base = base;
  w->stride = stride;
  w->offset = offset;
  w->n = n;
  /* the last ceil(nblocks / 65) blocks hold a byte for each of the others
   * (with nblocks = pinhole__cwheel_blocks(n), as many as it adds) */
  size_t ntag = (nblocks + sizeof(ph_cwblock)) / (sizeof(ph_cwblock) + 1);
  w->blocks = blocks;
  w->nblocks = (uint32_t)(nblocks - ntag);
  w->tag = (uint8_t *)(void *)(blocks + w->nblocks);
  memset(w->tag, 0, w->nblocks);
  w->fresh = 1;
  w->tick_shift = tick_shift;
  w->now_tick = (now_ns >> tick_shift) + 1; /* as pinhole_wheel_init */
  for (uint32_t i = 0; i < n; i++)
    memset(ph_ct(w, i), 0, sizeof(ph_ctimer));
}

void pinhole__cwheel_arm(ph_cwheel *w, uint32_t index, uint64_t expire_ns) {
  ph_ctimer *t = ph_ct(w, index);
  if (t->pos == 0)
    w->armed++;
  else if (t->pos != PH_CWHEEL_FIRING) /* popped, about to fire: in no list */
    ph_remove(w, index);
  uint64_t e = ph_wheel_tick_of(expire_ns, w->tick_shift);
  uint64_t ref = w->now_tick - 1 - w->cascading; /* as wheel.c */
  if (e > ref + PH_CWHEEL_SPAN)
    e = ref + PH_CWHEEL_SPAN; /* 32 bits must name it: fire early */
  t->expire = (uint32_t)e;
  ph_push(w, index, e <= ref ? ph_due(w) : ph_cwheel_place(e, ref), e);
}

void pinhole__cwheel_arm_new(ph_cwheel *w, uint32_t index, uint64_t expire_ns) {
  ph_ctimer *t = ph_ct(w, index);
  w->armed++;
  uint64_t e = ph_wheel_tick_of(expire_ns, w->tick_shift);
  uint64_t ref = w->now_tick - 1 - w->cascading; /* as wheel.c */
  unsigned id;
  if (e <= ref) {
    id = ph_due(w);
  } else {
    if (e > ref + PH_CWHEEL_SPAN)
      e = ref + PH_CWHEEL_SPAN; /* 32 bits must name it: fire early */
    /* the list is a function of e and ref alone (ph_cwheel_place) */
    if (e != w->new_e || ref != w->new_ref) {
      w->new_e = e;
      w->new_ref = ref;
      w->new_id = ph_cwheel_place(e, ref);
    }
    id = w->new_id;
  }
  t->expire = (uint32_t)e;
  ph_push(w, index, id, e);
}

void pinhole__cwheel_cancel(ph_cwheel *w, uint32_t index) {
  ph_ctimer *t = ph_ct(w, index);
  if (t->pos == 0)
    return;
  if (t->pos == PH_CWHEEL_FIRING) /* popped, about to fire: it will not */
    t->pos = 0;
  else
    ph_remove(w, index);
  w->armed--;
}

/* The full expiry of entry i, filed in a slot that came round at ev: at
 * or after ev and less than 2^32 ticks later (cwheel.h). */
static inline uint64_t ph_expiry(const ph_cwheel *w, uint32_t i, uint64_t ev) {
  return ev + (uint32_t)(ph_ct(w, i)->expire - (uint32_t)ev);
}

/* Asks for the timers of block b's entries (from slot s on) and for the
 * line of the block after it. */
static inline void ph_prefetch_block(const ph_cwheel *w, uint32_t b, unsigned s,
                                     unsigned end) {
  const ph_cwblock *k = &w->blocks[b];
  if (k->e[0] != 0)
    __builtin_prefetch(&w->blocks[k->e[0]]);
  for (; s < end; s++)
    __builtin_prefetch(ph_ct(w, k->e[s]), 1);
}

/* Can list id take a block whose entries start at slot s as its next
 * block? When it is empty, or its tail block is full and s is a block's
 * first slot: every block between a list's head and tail stays full. */
static inline int ph_can_take(const ph_cwheel *w, unsigned id, unsigned s) {
  const ph_cwlist *l = &w->list[id];
  return l->head == 0 || (l->te == PH_CWHEEL_PER + 1 && s == 1);
}

/* Hands block b (its entries in slots s..end - 1; taken out of its list,
 * which lo..hi bound) to list id's tail as it is: the entries keep their
 * places, so their timers are not touched, only the block's tag. */
static inline void ph_take(ph_cwheel *w, unsigned id, uint32_t b, unsigned s,
                           unsigned end, uint64_t lo, uint64_t hi) {
  ph_cwlist *l = &w->list[id];
  if (l->head == 0) {
    l->head = b;
    l->hs = (uint8_t)s;
    l->lo = lo;
    l->hi = hi;
    ph_occ_set(w, id);
  } else {
    l->lo = lo < l->lo ? lo : l->lo;
    l->hi = hi > l->hi ? hi : l->hi;
    w->blocks[l->tail].e[0] = b;
  }
  w->blocks[b].e[0] = 0;
  l->tail = b;
  l->te = (uint8_t)end;
  w->tag[b] = (uint8_t)id;
}

/* Re-files the slots that come round at tick now_tick - 1, in list order:
 * each list is taken out of the wheel whole and walked block by block,
 * the timers of the next block asked for while one block is re-filed,
 * each block given back once it is done. When the list's bounds put
 * every entry in the same lower list, its blocks are handed over whole
 * instead, while that list can take them (ph_can_take) and the budget
 * covers all of a block's entries: the same entries in the same order
 * for the same work, without reading or writing their timers. When the
 * budget runs out the rest goes back as the list (its head block partly
 * done) and 0 is returned. Re-filing never adds to the list being walked:
 * a timer of a slot of level l goes to a lower level, or when parked
 * beyond the span to the next slot of level 3. */
int pinhole__cwheel_cascade(ph_cwheel *w, size_t *work, size_t budget) {
  uint64_t ev = w->now_tick - 1;
  for (unsigned l = PH_CWHEEL_LEVELS - 1; l > 0; l--) {
    unsigned sh = l * PH_WHEEL_BITS;
    if ((ev & ((UINT64_C(1) << sh) - 1)) != 0)
      continue;
    unsigned id = l * PH_CWHEEL_SLOTS + (unsigned)((ev >> sh) & PH_WHEEL_MASK);
    ph_cwlist src = w->list[id];
    if (src.head == 0)
      continue;
    w->list[id].head = w->list[id].tail = 0;
    ph_occ_clear(w, id);
    /* every entry's expiry is in lo..hi (all at or after ev), and each
     * list but the parked one takes an interval of expiries, the parked
     * one those from the level above's next boundary on (it is also a
     * list some nearer ones go to): one list for both ends, both parked
     * or neither, is one list for all */
    unsigned to = ph_cwheel_place(src.lo, ev);
    int whole = to == ph_cwheel_place(src.hi, ev) &&
                ph_cwheel_parked(src.lo, ev) == ph_cwheel_parked(src.hi, ev);
    uint32_t b = src.head;
    unsigned s = src.hs;
    int asked = 0; /* block b's timers asked for */
    while (b != 0) {
      const ph_cwblock *k = &w->blocks[b];
      unsigned end = b == src.tail ? src.te : PH_CWHEEL_PER + 1;
      uint32_t next = k->e[0];
      if (whole && *work + (end - s) <= budget && ph_can_take(w, to, s)) {
        if (next != 0)
          __builtin_prefetch(&w->blocks[next]);
        ph_take(w, to, b, s, end, src.lo, src.hi);
        *work += end - s;
        b = next;
        s = 1;
        asked = 0;
        continue;
      }
      if (!asked)
        ph_prefetch_block(w, b, s, end);
      if (next != 0)
        ph_prefetch_block(w, next, 1,
                          next == src.tail ? src.te : PH_CWHEEL_PER + 1);
      asked = 1;
      for (; s < end; s++) {
        if (*work >= budget) { /* the rest goes back */
          w->list[id] = src;
          w->list[id].head = b;
          w->list[id].hs = (uint8_t)s;
          ph_occ_set(w, id);
          return 0;
        }
        uint32_t i = k->e[s];
        uint64_t e = ph_expiry(w, i, ev);
        ph_push(w, i, ph_cwheel_place(e, ev), e);
        (*work)++;
      }
      ph_bfree(w, b);
      b = next;
      s = 1;
    }
  }
  w->cascading = 0;
  return 1;
}

/* The hooks of pinhole__cwheel_run, called without the window's slot
 * (ph_cwheel_run's hooks have it). */
typedef struct ph_cw_hooks {
  ph_cwheel_fire_fn fire;
  ph_cwheel_ahead_fn ahead;
  void *user;
} ph_cw_hooks;

static void ph_cw_fire(uint32_t index, unsigned slot, void *user) {
  const ph_cw_hooks *h = user;
  (void)slot;
  h->fire(index, h->user);
}

static void ph_cw_ahead(uint32_t index, int stage, unsigned slot, void *user) {
  const ph_cw_hooks *h = user;
  (void)slot;
  h->ahead(index, stage, h->user);
}

size_t pinhole__cwheel_run(ph_cwheel *w, uint64_t now_ns, size_t budget,
                           ph_cwheel_fire_fn fire, ph_cwheel_ahead_fn ahead,
                           void *user, size_t *fired_out) {
  ph_cw_hooks h = {fire, ahead, user};
  return ph_cwheel_run(w, now_ns, budget, fire != NULL ? ph_cw_fire : NULL,
                       ahead != NULL ? ph_cw_ahead : NULL, &h, fired_out, 0);
}

int pinhole__cwheel_pending(const ph_cwheel *w, uint64_t now_ns) {
  if (w->cascading || w->list[ph_due(w)].head != 0)
    return 1;
  uint64_t target = now_ns >> w->tick_shift;
  return w->now_tick <= target &&
         ph_wheel_next_event(w->occ, w->now_tick) <= target;
}

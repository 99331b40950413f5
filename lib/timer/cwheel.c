/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connections' timer wheel (cwheel.h): wheel.c's algorithm over
 * 12-byte timers with 32-bit expiries and sentinel-terminated circular
 * lists, and a look-ahead along the due list for the caller's prefetches.
 */
#include <string.h>

#include "timer/cwheel.h"
#include "timer/wheel_internal.h"

_Static_assert(PH_CWHEEL_LEVELS == PINHOLE_WHEEL_LEVELS &&
                   PH_CWHEEL_SLOTS == PINHOLE_WHEEL_SLOTS,
               "the placement is wheel.c's");

#define PH_RING 16u /* look-ahead ring: the head + PH_CWHEEL_AHEAD */
_Static_assert(PH_CWHEEL_AHEAD < PH_RING && PH_CWHEEL_AHEAD1 < PH_CWHEEL_AHEAD,
               "the look-ahead fits its ring");

static inline ph_ctimer *ph_ct(const ph_cwheel *w, uint32_t i) {
  return (ph_ctimer *)(void *)(w->base + (size_t)i * w->stride + w->offset);
}

/* The link value of list id's sentinel. */
static inline uint32_t ph_sent(const ph_cwheel *w, unsigned id) {
  return w->n + 1 + id;
}

/* Does link value v name an entry (not a sentinel, not "unlinked")? */
static inline int ph_is_entry(const ph_cwheel *w, uint32_t v) {
  return v - 1 < w->n;
}

static inline uint32_t *ph_nextp(ph_cwheel *w, uint32_t v) {
  return v <= w->n ? &ph_ct(w, v - 1)->next : &w->first[v - w->n - 1];
}

static inline uint32_t *ph_prevp(ph_cwheel *w, uint32_t v) {
  return v <= w->n ? &ph_ct(w, v - 1)->prev : &w->last[v - w->n - 1];
}

/* Appends entry i to list id. */
static void ph_link(ph_cwheel *w, uint32_t i, unsigned id) {
  ph_ctimer *t = ph_ct(w, i);
  uint32_t s = ph_sent(w, id), tail = w->last[id];
  t->next = s;
  t->prev = tail;
  *ph_nextp(w, tail) = i + 1;
  w->last[id] = i + 1;
  w->occ[id / PH_CWHEEL_SLOTS] |= UINT64_C(1) << (id % PH_CWHEEL_SLOTS);
}

/* Removes armed entry i from its list. */
static void ph_unlink(ph_cwheel *w, uint32_t i) {
  ph_ctimer *t = ph_ct(w, i);
  uint32_t p = t->prev, nx = t->next;
  *ph_nextp(w, p) = nx;
  *ph_prevp(w, nx) = p;
  if (p == nx) { /* only the sentinel is left: the list is empty */
    unsigned id = p - w->n - 1;
    w->occ[id / PH_CWHEEL_SLOTS] &= ~(UINT64_C(1) << (id % PH_CWHEEL_SLOTS));
  }
  t->next = 0;
  t->prev = 0;
}

static inline int ph_empty(const ph_cwheel *w, unsigned id) {
  return w->first[id] == ph_sent(w, id);
}

static inline unsigned ph_due(const ph_cwheel *w) {
  return (unsigned)((w->now_tick - 1) & PH_WHEEL_MASK);
}

void pinhole__cwheel_init(ph_cwheel *w, void *base, size_t stride,
                          size_t offset, uint32_t n, uint64_t now_ns,
                          unsigned tick_shift) {
  memset(w, 0, sizeof(*w));
  w->base = base;
  w->stride = stride;
  w->offset = offset;
  w->n = n;
  w->tick_shift = tick_shift;
  w->now_tick = (now_ns >> tick_shift) + 1; /* as pinhole_wheel_init */
  for (unsigned id = 0; id < PH_CWHEEL_LISTS; id++)
    w->first[id] = w->last[id] = ph_sent(w, id);
  for (uint32_t i = 0; i < n; i++)
    memset(ph_ct(w, i), 0, sizeof(ph_ctimer));
}

void pinhole__cwheel_arm(ph_cwheel *w, uint32_t index, uint64_t expire_ns) {
  ph_ctimer *t = ph_ct(w, index);
  if (t->next != 0)
    ph_unlink(w, index);
  else
    w->armed++;
  uint64_t e = ph_wheel_tick_of(expire_ns, w->tick_shift);
  uint64_t ref = w->now_tick - 1 - w->cascading; /* as wheel.c */
  if (e > ref + PH_CWHEEL_SPAN)
    e = ref + PH_CWHEEL_SPAN; /* 32 bits must name it: fire early */
  t->expire = (uint32_t)e;
  if (e <= ref)
    ph_link(w, index, ph_due(w));
  else
    ph_link(w, index, ph_wheel_place(e, ref));
}

void pinhole__cwheel_cancel(ph_cwheel *w, uint32_t index) {
  if (ph_ct(w, index)->next == 0)
    return;
  ph_unlink(w, index);
  w->armed--;
}

/* The full expiry of entry i, filed in a slot that came round at ev: at
 * or after ev and less than 2^32 ticks later (cwheel.h). */
static inline uint64_t ph_expiry(const ph_cwheel *w, uint32_t i, uint64_t ev) {
  return ev + (uint32_t)(ph_ct(w, i)->expire - (uint32_t)ev);
}

/* Re-files the slots that come round at tick now_tick - 1. Returns 0 when
 * the budget ran out first. */
static int ph_cascade(ph_cwheel *w, size_t *work, size_t budget) {
  uint64_t ev = w->now_tick - 1;
  for (unsigned l = PH_CWHEEL_LEVELS - 1; l > 0; l--) {
    unsigned sh = l * PH_WHEEL_BITS;
    if ((ev & ((UINT64_C(1) << sh) - 1)) != 0)
      continue;
    unsigned id = l * PH_CWHEEL_SLOTS + (unsigned)((ev >> sh) & PH_WHEEL_MASK);
    while (!ph_empty(w, id)) {
      if (*work >= budget)
        return 0;
      uint32_t i = w->first[id] - 1;
      ph_unlink(w, i);
      ph_link(w, i, ph_wheel_place(ph_expiry(w, i, ev), ev));
      (*work)++;
    }
  }
  w->cascading = 0;
  return 1;
}

/* The due entries walked ahead of the head: ring[front] is the head when
 * in step, cnt of them. */
typedef struct ph_look {
  uint32_t ring[PH_RING];
  unsigned front, cnt;
} ph_look;

/* Extends the look-ahead from head v (about to fire) to at most lim - 1
 * entries after it, calling fn for each entry reached. Only a hint: an
 * entry the callback moved or cancelled makes the ring fall out of step
 * with the list, which is seen here and restarted from the head. */
static void ph_look_ahead(ph_cwheel *w, ph_look *a, uint32_t v, size_t lim,
                          ph_cwheel_ahead_fn fn, void *user) {
  if (a->cnt == 0 || a->ring[a->front] != v) {
    a->ring[a->front] = v;
    a->cnt = 1;
  }
  if (lim > PH_CWHEEL_AHEAD + 1)
    lim = PH_CWHEEL_AHEAD + 1;
  while (a->cnt < lim) {
    uint32_t last = a->ring[(a->front + a->cnt - 1) % PH_RING];
    uint32_t nx = ph_ct(w, last - 1)->next;
    if (!ph_is_entry(w, nx)) /* the due list's end (or last moved) */
      break;
    a->ring[(a->front + a->cnt) % PH_RING] = nx;
    a->cnt++;
    fn(nx - 1, 0, user);
  }
  if (a->cnt > PH_CWHEEL_AHEAD1)
    fn(a->ring[(a->front + PH_CWHEEL_AHEAD1) % PH_RING] - 1, 1, user);
  a->front = (a->front + 1) % PH_RING; /* v fires now */
  a->cnt--;
}

size_t pinhole__cwheel_run(ph_cwheel *w, uint64_t now_ns, size_t budget,
                           ph_cwheel_fire_fn fire, ph_cwheel_ahead_fn ahead,
                           void *user, size_t *fired_out) {
  uint64_t target = now_ns >> w->tick_shift;
  size_t work = 0, fired = 0;
  ph_look look = {{0}, 0, 0};
  for (;;) {
    if (w->cascading && !ph_cascade(w, &work, budget))
      break;
    unsigned due = ph_due(w);
    while (!ph_empty(w, due) && work < budget) {
      uint32_t v = w->first[due];
      if (ahead != NULL)
        ph_look_ahead(w, &look, v, budget - work, ahead, user);
      ph_unlink(w, v - 1);
      w->armed--;
      work++;
      fired++;
      if (fire != NULL)
        fire(v - 1, user); /* may arm or cancel any entry */
      due = ph_due(w);
    }
    if (!ph_empty(w, due) || w->now_tick > target)
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
    w->cascading = (ev & PH_WHEEL_MASK) == 0;
  }
  *fired_out = fired;
  return work;
}

int pinhole__cwheel_pending(const ph_cwheel *w, uint64_t now_ns) {
  if (w->cascading || !ph_empty(w, ph_due(w)))
    return 1;
  uint64_t target = now_ns >> w->tick_shift;
  return w->now_tick <= target &&
         ph_wheel_next_event(w->occ, w->now_tick) <= target;
}

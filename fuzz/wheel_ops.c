/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the timer wheel driven by a script of operations, checked
 * against a shadow model; the same script then drives the connections'
 * wheel (lib/timer/cwheel.c: lists of index blocks from a pool of exactly
 * pinhole__cwheel_blocks(NENT) blocks, so an overrun is seen by ASan)
 * against a model of its own, with the same checks.
 *
 * Input: byte 0 picks the tick shift (10..40); byte 1 the start time scale;
 * then operations, one opcode byte each:
 *   0 arm    idx, kind, 2-byte amount  (kind: ticks, mid, far; in the
 *            past; or near the wheel's current tick)
 *   1 cancel idx
 *   2 advance kind, 2-byte amount, budget byte (255 = unlimited, else
 *            0..7 or 0..127)
 *   3 on-fire action for idx: type (none, cancel j, arm j), j, kind, amount
 * Aborts when an entry fires before its tick, fires while not armed (twice),
 * is still armed after a complete advance past its tick (more than one tick
 * late), disagrees with pinhole_wheel_armed, or is lost after a final full
 * advance.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/wheel.h>

#include "timer/cwheel.h"

#define NENT 64

typedef struct ent {
  uint64_t pad;
  pinhole_timer t;
  ph_ctimer ct;
} ent;

typedef struct action {
  uint8_t type; /* 0 none, 1 cancel j, 2 arm j */
  uint8_t j;
  uint64_t delta; /* arm at call now + delta, or now - delta when past */
  uint8_t past;
} action;

typedef struct model {
  int is_c; /* 1: the connections' wheel (cw), else the public one (w) */
  pinhole_wheel w;
  ph_cwheel cw;
  ph_cwblock *blocks;
  ent e[NENT];
  int armed[NENT];
  uint64_t tick[NENT]; /* expiry rounded up to a tick */
  action act[NENT];
  uint64_t now; /* time of the advance in progress */
  unsigned shift;
  int actions_on;
} model;

typedef struct cur {
  const uint8_t *p, *end;
} cur;

static uint8_t get8(cur *c) {
  return c->p < c->end ? *c->p++ : 0;
}

static uint64_t get16(cur *c) {
  uint64_t hi = get8(c);
  return hi << 8 | get8(c);
}

static uint64_t tick_up(uint64_t ns, unsigned shift) {
  return (ns >> shift) + ((ns & ((UINT64_C(1) << shift) - 1)) != 0);
}

/* A duration of a given kind: a few ticks, up to the wheel's span, or past
 * it (at most 2^(shift+30) ns, which bounds the re-filing of parked
 * entries). */
#define MAX_DURATION (UINT64_C(1) << 61)

static uint64_t duration(unsigned shift, uint8_t kind, uint64_t amount) {
  static const unsigned up[4] = {0, 2, 18, 24}; /* amount is 16 bits */
  if ((kind & 3) == 0)
    return amount >> 8; /* sub-tick to a few ticks at shift 10 */
  unsigned s = shift - 10 + up[kind & 3];
  if (s >= 45)
    return amount != 0 ? MAX_DURATION : 0;
  uint64_t d = amount << s;
  return d < MAX_DURATION ? d : MAX_DURATION;
}

static int w_armed(const model *m, uint32_t i) {
  return m->is_c ? pinhole__cwheel_armed(&m->cw, i)
                 : pinhole_wheel_armed(&m->w, i);
}

static void w_cancel(model *m, uint32_t i) {
  if (m->is_c)
    pinhole__cwheel_cancel(&m->cw, i);
  else
    pinhole_wheel_cancel(&m->w, i);
}

static int w_pending(const model *m, uint64_t now) {
  return m->is_c ? pinhole__cwheel_pending(&m->cw, now)
                 : pinhole_wheel_pending(&m->w, now);
}

static void do_arm(model *m, uint32_t i, uint64_t at) {
  if (m->is_c) {
    /* the connections' wheel files at most 2^31 ticks ahead: the model
     * expects it no later than that (it fires early, by contract) */
    uint64_t lim = m->cw.now_tick - 1 - m->cw.cascading + PH_CWHEEL_SPAN;
    pinhole__cwheel_arm(&m->cw, i, at);
    m->armed[i] = 1;
    m->tick[i] = tick_up(at, m->shift);
    if (m->tick[i] > lim)
      m->tick[i] = lim;
    return;
  }
  if (pinhole_wheel_arm(&m->w, i, at) != 0)
    abort();
  m->armed[i] = 1;
  m->tick[i] = tick_up(at, m->shift);
}

static void on_fire(uint32_t i, void *user) {
  model *m = user;
  if (i >= NENT || !m->armed[i])
    abort(); /* fired twice, or never armed */
  if (m->tick[i] > (m->now >> m->shift))
    abort(); /* early */
  if (w_armed(m, i))
    abort(); /* must be unlinked before the callback */
  m->armed[i] = 0;
  if (!m->actions_on)
    return;
  action a = m->act[i];
  m->act[i].type = 0; /* one shot: no endless re-arm loops */
  uint32_t j = a.j % NENT;
  if (a.type == 1) {
    w_cancel(m, j);
    m->armed[j] = 0;
  } else if (a.type == 2) {
    uint64_t at =
        a.past ? (m->now > a.delta ? m->now - a.delta : 0) : m->now + a.delta;
    do_arm(m, j, at);
  }
}

static void check(model *m) {
  for (uint32_t i = 0; i < NENT; i++)
    if (w_armed(m, i) != m->armed[i])
      abort();
  if (m->is_c && m->cw.used > NENT / PH_CWHEEL_PER + 2 * PH_CWHEEL_LISTS)
    abort(); /* the pool's bound (cwheel.h) */
}

static void advance(model *m, uint64_t to, size_t budget) {
  m->now = to;
  size_t fired;
  if (m->is_c)
    pinhole__cwheel_run(&m->cw, to, budget, on_fire, NULL, m, &fired);
  else
    fired = pinhole_wheel_advance(&m->w, to, budget, on_fire, m);
  if (fired > budget)
    abort();
  check(m);
  if (!w_pending(m, to)) {
    for (uint32_t i = 0; i < NENT; i++)
      if (m->armed[i] && m->tick[i] <= (to >> m->shift))
        abort(); /* more than a tick late */
  }
}

static void run(const uint8_t *data, size_t size, int is_c) {
  cur c = {data, data + size};
  model *m = calloc(1, sizeof(*m));
  size_t nb = pinhole__cwheel_blocks(NENT);
  ph_cwblock *blocks = is_c ? malloc(nb * sizeof(ph_cwblock)) : NULL;
  if (m == NULL || (is_c && blocks == NULL)) {
    free(m);
    free(blocks);
    return;
  }
  m->is_c = is_c;
  m->shift = 10 + get8(&c) % 31;
  unsigned scale = m->shift + 16 + get8(&c) % 8;
  uint64_t now = (uint64_t)get8(&c) << (scale < 52 ? scale : 52);
  m->now = now;
  m->actions_on = 1;
  if (is_c)
    pinhole__cwheel_init(&m->cw, m->e, sizeof(ent), offsetof(ent, ct), NENT,
                         blocks, nb, now, m->shift);
  else if (pinhole_wheel_init(&m->w, m->e, sizeof(ent), offsetof(ent, t), NENT,
                              now, m->shift) != 0)
    abort();
  const uint64_t limit = UINT64_C(1) << 62;
  for (int ops = 0; c.p < c.end && ops < 4096; ops++) {
    uint8_t op = get8(&c);
    switch (op & 3) {
    case 0: {
      uint32_t i = get8(&c) % NENT;
      uint8_t kind = get8(&c);
      uint64_t amount = get16(&c);
      uint64_t at;
      if (kind & 8) {
        /* Near the wheel's own reached tick (ticks -3..+4, minus a part of
         * a tick): the edges of "past", "due now" and "next tick", also
         * while a budget-limited advance is half way through a tick. */
        uint64_t t = (is_c ? m->cw.now_tick : m->w.now_tick) + (amount & 7);
        uint64_t sub = (amount >> 3) & ((UINT64_C(1) << m->shift) - 1);
        at = t > 3 ? ((t - 3) << m->shift) - sub : 0;
      } else {
        uint64_t d = duration(m->shift, kind, amount);
        at = kind & 4 ? (now > d ? now - d : 0) : now + d;
      }
      do_arm(m, i, at);
      break;
    }
    case 1: {
      uint32_t i = get8(&c) % NENT;
      w_cancel(m, i);
      m->armed[i] = 0;
      break;
    }
    case 2: {
      uint8_t kind = get8(&c);
      uint64_t d = duration(m->shift, kind, get16(&c));
      uint8_t b = get8(&c);
      if (now + d < limit)
        now += d;
      advance(m, now, b == 255 ? SIZE_MAX : (b & 128) ? b & 127u : b & 7u);
      break;
    }
    default: {
      uint32_t i = get8(&c) % NENT;
      action *a = &m->act[i];
      a->type = get8(&c) % 3;
      a->j = get8(&c);
      uint8_t kind = get8(&c);
      a->past = (kind & 4) != 0;
      a->delta = duration(m->shift, kind, get16(&c));
      break;
    }
    }
    check(m);
  }
  /* Everything still armed must fire by a full advance past the furthest
   * time an operation could have asked for. */
  m->actions_on = 0;
  uint64_t end = now + 2 * duration(m->shift, 3, 0xffff);
  advance(m, end, SIZE_MAX);
  if (w_pending(m, end))
    abort();
  for (uint32_t i = 0; i < NENT; i++)
    if (m->armed[i])
      abort(); /* lost */
  if (is_c && m->cw.used != 0)
    abort(); /* every block back in the pool */
  free(m);
  free(blocks);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  run(data, size, 0);
  run(data, size, 1);
  return 0;
}

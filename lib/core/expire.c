/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Time: pinhole_tick() advances the timer wheels with bounded work, and
 * objects past their deadline are expired when a packet meets them.
 *
 * A connection's timer is armed for its idle timeout when it is created
 * and when its state shortens the timeout; packets only record last_seen.
 * When the timer fires the connection is freed if it has really been idle
 * for its timeout, and re-armed for the rest otherwise, so established
 * traffic costs no timer work per packet.
 *
 * One budget of work (PINHOLE_TICK_BUDGET units: an object expired, a
 * timer re-filed or re-armed, a tick reached) is shared by the wheels
 * of a call. The return value says whether anything is still due:
 * a call that stopped at its budget with work left returns the budget
 * itself, whatever it expired, so "call again while it returns
 * PINHOLE_TICK_BUDGET" never leaves due work behind. Deadlines are also
 * checked at use (pinhole__conn_lookup, the pinhole and fragment look-ups),
 * so a host that ticks late never sees state outlive its lifetime.
 */
#include "core/engine.h"
#include "core/alg_call.h"
#include "timer/cwheel_run.h"
#include "timer/wheel_internal.h"

/* The keys' places the look-ahead's stage 1 computed, in its order (the
 * wheel fires in that order, skipping some): freeing takes them rather
 * than hashing both keys again. */
#define PH_HK_RING 16u

typedef struct ph_hk {
  uint32_t idx;
  ph_conn_keys k;
} ph_hk;

typedef struct ph_expiry {
  pinhole_ctx *ctx;
  int expired;
  uint32_t hk_w, hk_r; /* written, read (counts) */
  ph_hk hk[PH_HK_RING];
} ph_expiry;

static void ph_conn_expire_keyed(pinhole_ctx *ctx, ph_conn *c,
                                 const ph_conn_keys *hk) {
  if (ctx->cb.event != NULL)
    pinhole__event(
        ctx, PINHOLE_EVENT_FLOW_CLOSED, NULL, c->a_side, PH_NIL,
        ph_conn_watched(c) ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD, c, 0,
        NULL, pinhole__alg_name(c->alg), pinhole__conn_close_reason(c));
  ph_count(ctx, PINHOLE_CNT_FLOWS_EXPIRED);
  pinhole__conn_free_keyed(ctx, c, hk);
}

void pinhole__conn_expire(pinhole_ctx *ctx, ph_conn *c) {
  ph_conn_expire_keyed(ctx, c, NULL);
}

/* The places stage 1 stored for slot index, or NULL. Entries before it
 * (not fired: re-armed, cancelled or not stale) are passed over. */
static const ph_conn_keys *ph_hk_take(ph_expiry *x, uint32_t index) {
  if (x->hk_w - x->hk_r > PH_HK_RING)
    x->hk_r = x->hk_w - PH_HK_RING;
  for (uint32_t r = x->hk_r; r != x->hk_w; r++) {
    const ph_hk *e = &x->hk[r % PH_HK_RING];
    if (e->idx == index) {
      x->hk_r = r + 1;
      return &e->k;
    }
  }
  return NULL;
}

static void ph_conn_fire(uint32_t index, void *user) {
  ph_expiry *x = user;
  pinhole_ctx *ctx = x->ctx;
  ph_conn *c = &ctx->conns[index];
  if (!(c->flags & PH_CONN_LIVE))
    return;
  if (!ph_conn_stale(ctx, c)) {
    pinhole__conn_touch_timer(ctx, c);
    return;
  }
  ph_conn_expire_keyed(ctx, c, ph_hk_take(x, index));
  x->expired++;
}

static void ph_conn_ahead(uint32_t index, int stage, void *user) {
  ph_expiry *x = user;
  if (stage == 0) {
    ph_conn_free_prefetch0(x->ctx, index);
    return;
  }
  ph_hk *e = &x->hk[x->hk_w % PH_HK_RING];
  if (pinhole__conn_free_prefetch(x->ctx, index, stage, &e->k)) {
    e->idx = index;
    x->hk_w++;
  }
}

static void ph_pinhole_fire(uint32_t index, void *user) {
  ph_expiry *x = user;
  if (!x->ctx->pinholes[index].live)
    return;
  pinhole__pinhole_free(x->ctx, ph_ref_of(index), 1);
  x->expired++;
}

static void ph_frag_fire(uint32_t index, void *user) {
  ph_expiry *x = user;
  if (x->ctx->frags[index].proto == 0) /* a free slot */
    return;
  pinhole__frag_free(x->ctx, ph_ref_of(index), 1);
  x->expired++;
}

static void ph_hold_fire(uint32_t index, void *user) {
  ph_expiry *x = user;
  if (x->ctx->held[index].conv == 0)
    return;
  pinhole__hold_expire(x->ctx, ph_ref_of(index));
  x->expired++;
}

void pinhole__set_time(pinhole_ctx *ctx, uint64_t now_ns) {
  if (now_ns <= ctx->now_ns)
    return;
  ctx->now_ns = now_ns;
  ctx->now_tick = (uint32_t)(now_ns >> ctx->tick_shift);
  /* an empty wheel moves to the host's time at no cost, so that timers
   * are placed near it (the wheels start at 0; the host's clock may be
   * anywhere in the 64-bit range) */
  pinhole_wheel *const wheels[5] = {&ctx->pinhole_wheel, &ctx->frag_wheel,
                                    &ctx->block_wheel, &ctx->interim_wheel,
                                    &ctx->hold_wheel};
  size_t fired;
  for (int i = 0; i < 5; i++) {
    pinhole_wheel *w = wheels[i];
    if (w->armed == 0 && w->now_tick <= now_ns >> w->tick_shift)
      pinhole__wheel_run(w, now_ns, 0, NULL, NULL, &fired);
  }
  ph_cwheel *cw = &ctx->conn_wheel;
  if (cw->armed == 0 && cw->now_tick <= now_ns >> cw->tick_shift)
    pinhole__cwheel_run(cw, now_ns, 0, NULL, NULL, NULL, &fired);
}

int pinhole_tick(pinhole_ctx *ctx, uint64_t now_ns) {
  if (ctx == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  pinhole__set_time(ctx, now_ns);
  /* in this order: pinholes, connections, fragments, held messages */
  pinhole_wheel *const wheels[3] = {&ctx->pinhole_wheel, &ctx->frag_wheel,
                                    &ctx->hold_wheel};
  const pinhole_wheel_fn fns[3] = {ph_pinhole_fire, ph_frag_fire, ph_hold_fire};
  ph_expiry x = {ctx, 0, 0, 0, {{0, {{0, 0}, {0, 0}}}}};
  size_t work = 0, fired;
  work += pinhole__wheel_run(wheels[0], ctx->now_ns, PINHOLE_TICK_BUDGET,
                             fns[0], &x, &fired);
  if (work < PINHOLE_TICK_BUDGET)
    work +=
        ph_cwheel_run(&ctx->conn_wheel, ctx->now_ns, PINHOLE_TICK_BUDGET - work,
                      ph_conn_fire, ph_conn_ahead, &x, &fired);
  for (int i = 1; i < 3 && work < PINHOLE_TICK_BUDGET; i++)
    work += pinhole__wheel_run(wheels[i], ctx->now_ns,
                               PINHOLE_TICK_BUDGET - work, fns[i], &x, &fired);
  if (work < PINHOLE_TICK_BUDGET) {
    int released = 0; /* port blocks whose hold time passed (interim
                         records are sent there too, not counted here) */
    work += pinhole__pba_tick(ctx, PINHOLE_TICK_BUDGET - work, &released);
    x.expired += released;
  }
  for (int i = 0; i < 3; i++)
    if (pinhole_wheel_pending(wheels[i], ctx->now_ns))
      return PINHOLE_TICK_BUDGET;
  if (pinhole__cwheel_pending(&ctx->conn_wheel, ctx->now_ns))
    return PINHOLE_TICK_BUDGET;
  if (pinhole__pba_pending(ctx))
    return PINHOLE_TICK_BUDGET;
  return x.expired;
}

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
#include "timer/cwheel.h"
#include "timer/wheel_internal.h"

typedef struct ph_expiry {
  pinhole_ctx *ctx;
  int expired;
} ph_expiry;

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
  ph_expiry x = {ctx, 0};
  size_t work = 0, fired;
  work += pinhole__wheel_run(wheels[0], ctx->now_ns, PINHOLE_TICK_BUDGET,
                             fns[0], &x, &fired);
  if (work < PINHOLE_TICK_BUDGET) /* connections (flows.c) */
    work +=
        pinhole__conn_wheel_run(ctx, PINHOLE_TICK_BUDGET - work, &x.expired);
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

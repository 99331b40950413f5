/*
 * Time: pinhole_tick() advances both timer wheels with bounded work.
 *
 * A connection's timer is armed for its idle timeout when it is created
 * and when its state shortens the timeout; packets only record last_seen.
 * When the timer fires the connection is freed if it has really been idle
 * for its timeout, and re-armed for the rest otherwise, so established
 * traffic costs no timer work per packet.
 */
#include "core/engine.h"
#include "core/alg_call.h"

#define PH_TICK_BUDGET 4096

typedef struct ph_expiry {
  pinhole_ctx *ctx;
  int expired;
} ph_expiry;

static void ph_conn_fire(uint32_t index, void *user) {
  ph_expiry *x = user;
  pinhole_ctx *ctx = x->ctx;
  ph_conn *c = &ctx->conns[index];
  if (!(c->flags & PH_CONN_LIVE))
    return;
  uint32_t idle = ctx->now_tick - c->last_seen;
  if (idle < pinhole__conn_timeout(ctx, c)) {
    pinhole__conn_touch_timer(ctx, c);
    return;
  }
  pinhole__event(
      ctx, PINHOLE_EVENT_FLOW_CLOSED, NULL, c->a_side, ph_cold(ctx, c)->conv,
      c->watch ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD, c, 0, NULL,
      pinhole__alg_name(c->alg), pinhole__conn_close_reason(c));
  ph_count(ctx, PINHOLE_CNT_FLOWS_EXPIRED);
  pinhole__conn_free(ctx, c);
  x->expired++;
}

static void ph_hole_fire(uint32_t index, void *user) {
  ph_expiry *x = user;
  if (!x->ctx->holes[index].live)
    return;
  pinhole__hole_free(x->ctx, index + 1, 1);
  x->expired++;
}

static void ph_frag_fire(uint32_t index, void *user) {
  ph_expiry *x = user;
  if (x->ctx->frags[index].conn == 0)
    return;
  pinhole__frag_free(x->ctx, index + 1, 1);
  x->expired++;
}

int pinhole_tick(pinhole_ctx *ctx, uint64_t now_ns) {
  if (ctx == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (now_ns > ctx->now_ns)
    ctx->now_ns = now_ns;
  ctx->now_tick = (uint32_t)(ctx->now_ns >> ctx->tick_shift);
  ph_expiry x = {ctx, 0};
  pinhole_wheel_advance(&ctx->hole_wheel, ctx->now_ns, PH_TICK_BUDGET,
                        ph_hole_fire, &x);
  pinhole_wheel_advance(&ctx->conn_wheel, ctx->now_ns, PH_TICK_BUDGET,
                        ph_conn_fire, &x);
  pinhole_wheel_advance(&ctx->frag_wheel, ctx->now_ns, PH_TICK_BUDGET,
                        ph_frag_fire, &x);
  return x.expired;
}

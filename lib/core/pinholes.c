/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Pinholes: short-lived expectations that ALGs open for the data
 * connections their control connection announces.
 *
 * A pinhole names the first packet it lets in as it arrives (side, proto,
 * source address, source port or any, destination address and port) and
 * what to translate its destination to. It lives in its parent
 * conversation (bounded per conversation), expires after the configured
 * lifetime, and is consumed by the first matching packet, which becomes a
 * Forward connection of the parent conversation.
 */
#include "core/alg_call.h"
#include "core/engine.h"

#include <string.h>

static uint32_t ph_hole_bucket(const pinhole_ctx *ctx, uint8_t proto,
                               uint32_t dst, uint16_t dport) {
  pinhole_flow_key k = {0, dst, 0, dport, proto, {0, 0, 0}};
  return (uint32_t)pinhole_flow_hash(&ctx->cfg.hash_key, &k) & ctx->hole_mask;
}

static void ph_hole_unhash(pinhole_ctx *ctx, uint32_t ref) {
  ph_pinhole *h = &ctx->holes[ref - 1];
  uint32_t b = ph_hole_bucket(ctx, h->proto, h->dst, h->dport);
  for (uint32_t *pp = &ctx->hole_hash[b]; *pp; pp = &ctx->holes[*pp - 1].hnext)
    if (*pp == ref) {
      *pp = h->hnext;
      return;
    }
}

/* Does source port sport match pinhole h (any, exact, or a range)? */
static int ph_sport_ok(const ph_pinhole *h, uint16_t sport) {
  if (h->sport_hi)
    return sport >= h->sport && sport <= h->sport_hi;
  return h->sport == 0 || h->sport == sport;
}

static uint32_t ph_hole_same(const pinhole_ctx *ctx, uint32_t conv,
                             const ph_pinhole *e) {
  uint32_t b = ph_hole_bucket(ctx, e->proto, e->dst, e->dport);
  for (uint32_t r = ctx->hole_hash[b]; r; r = ctx->holes[r - 1].hnext) {
    const ph_pinhole *h = &ctx->holes[r - 1];
    if (h->conv == conv && h->proto == e->proto && h->side == e->side &&
        h->src == e->src && h->sport == e->sport &&
        h->sport_hi == e->sport_hi && h->dst == e->dst &&
        h->dport == e->dport && h->to_addr == e->to_addr &&
        h->to_port == e->to_port && !ph_timer_passed(ctx, &h->timer))
      return r;
  }
  return 0;
}

int pinhole__hole_open(pinhole_ctx *ctx, uint32_t conv, const ph_pinhole *e) {
  ph_conv *cv = &ctx->convs[conv];
  uint64_t expire = ph_deadline(
      ctx->now_ns, (uint64_t)ctx->cfg.pinhole_timeout_ms * 1000000u);
  uint32_t r = ph_hole_same(ctx, conv, e);
  if (r != 0) {
    /* a retransmitted announcement: refresh, keep one mapping reference */
    pinhole__map_put(ctx, e->mapping);
    pinhole_wheel_arm(&ctx->hole_wheel, r - 1, expire);
    return 0;
  }
  if (cv->npinholes >= ctx->cfg.max_pinholes_per_conv || ctx->hole_free == 0) {
    ph_count(ctx, PINHOLE_CNT_DROP_PINHOLE_FULL);
    pinhole__map_put(ctx, e->mapping);
    return PINHOLE_ERR_FULL;
  }
  r = ctx->hole_free;
  ph_pinhole *h = &ctx->holes[r - 1];
  ctx->hole_free = h->hnext;
  *h = *e;
  h->live = 1;
  h->conv = conv;
  h->conv_id = cv->id;
  h->conv_next = 0;
  memset(&h->timer, 0, sizeof(h->timer));
  /* a mapping that exists only for this pinhole (the ALG just made it)
   * admits only the pinhole's peer, and goes with the pinhole */
  if (h->mapping != 0 && ctx->maps[h->mapping - 1].refs == 1)
    ctx->maps[h->mapping - 1].flags |= PH_MAPF_ALG;
  uint32_t b = ph_hole_bucket(ctx, h->proto, h->dst, h->dport);
  h->hnext = ctx->hole_hash[b];
  ctx->hole_hash[b] = r;
  h->conv_next = cv->pinholes;
  cv->pinholes = r;
  cv->npinholes++;
  ctx->nholes++;
  pinhole_wheel_arm(&ctx->hole_wheel, r - 1, expire);
  ph_count(ctx, PINHOLE_CNT_PINHOLE_CREATED);
  pinhole__event_hole(ctx, PINHOLE_EVENT_PINHOLE_CREATED, h,
                      pinhole__alg_name(h->alg));
  return 0;
}

uint32_t pinhole__hole_find(const pinhole_ctx *ctx, int side,
                            const pinhole_pkt_view *v) {
  if (ctx->nholes == 0)
    return 0;
  uint32_t b = ph_hole_bucket(ctx, v->proto, v->dst, v->dport);
  for (uint32_t r = ctx->hole_hash[b]; r; r = ctx->holes[r - 1].hnext) {
    const ph_pinhole *h = &ctx->holes[r - 1];
    if (h->proto == v->proto && h->side == side && h->dst == v->dst &&
        h->dport == v->dport && h->src == v->src && ph_sport_ok(h, v->sport) &&
        !ph_timer_passed(ctx, &h->timer))
      return r;
  }
  return 0;
}

uint32_t pinhole__hole_find_reverse(const pinhole_ctx *ctx, int side,
                                    const pinhole_pkt_view *v) {
  if (ctx->nholes == 0)
    return 0;
  uint32_t m = pinhole__map_find_inside(ctx, v->proto, v->src, v->sport);
  if (m == 0)
    return 0;
  const ph_mapping *mp = &ctx->maps[m - 1];
  uint32_t b = ph_hole_bucket(ctx, v->proto, mp->paddr, mp->pport);
  for (uint32_t r = ctx->hole_hash[b]; r; r = ctx->holes[r - 1].hnext) {
    const ph_pinhole *h = &ctx->holes[r - 1];
    if (h->proto == v->proto && h->side == (side ^ 1) && h->src == v->dst &&
        ph_sport_ok(h, v->dport) && h->dst == mp->paddr &&
        h->dport == mp->pport && h->to_addr == v->src &&
        h->to_port == v->sport && !ph_timer_passed(ctx, &h->timer))
      return r;
  }
  return 0;
}

void pinhole__hole_free(pinhole_ctx *ctx, uint32_t ref, int expired) {
  ph_pinhole *h = &ctx->holes[ref - 1];
  ph_conv *cv = &ctx->convs[h->conv];
  if (expired) {
    ph_count(ctx, PINHOLE_CNT_PINHOLE_EXPIRED);
    const char *alg = pinhole__alg_name(h->alg);
    pinhole__event_hole(ctx, PINHOLE_EVENT_PINHOLE_EXPIRED, h, alg);
    pinhole__trace_hole(ctx, PINHOLE_TRACE_PINHOLE_EXPIRED, h, NULL, alg);
  }
  ph_hole_unhash(ctx, ref);
  for (uint32_t *pp = &cv->pinholes; *pp; pp = &ctx->holes[*pp - 1].conv_next)
    if (*pp == ref) {
      *pp = h->conv_next;
      break;
    }
  cv->npinholes--;
  pinhole_wheel_cancel(&ctx->hole_wheel, ref - 1);
  pinhole__map_put(ctx, h->mapping);
  uint32_t conv = h->conv;
  memset(h, 0, sizeof(*h));
  h->hnext = ctx->hole_free;
  ctx->hole_free = ref;
  ctx->nholes--;
  pinhole__conv_maybe_free(ctx, conv);
}

void pinhole__conv_holes_free(pinhole_ctx *ctx, uint32_t conv) {
  ph_conv *cv = &ctx->convs[conv];
  /* keep the conversation alive until its list is empty */
  cv->nconns++;
  while (cv->pinholes)
    pinhole__hole_free(ctx, cv->pinholes, 0);
  cv->nconns--;
}

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

static uint32_t ph_pinhole_bucket(const pinhole_ctx *ctx, uint8_t proto,
                                  uint32_t dst, uint16_t dport) {
  pinhole_flow_key k = {0, dst, 0, dport, proto, {0, 0, 0}};
  return (uint32_t)pinhole_flow_hash(&ctx->cfg.hash_key, &k) &
         ctx->pinhole_mask;
}

static void ph_pinhole_unhash(pinhole_ctx *ctx, ph_ref ref) {
  ph_pinhole *h = ph_pinhole_at(ctx, ref);
  uint32_t b = ph_pinhole_bucket(ctx, h->proto, h->dst, h->dport);
  for (uint32_t *pp = &ctx->pinhole_hash[b]; *pp;
       pp = &ph_pinhole_at(ctx, *pp)->hnext)
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

/* Does IPv6 pinhole h (v6 set) have the addresses a6? */
static int ph_same6(const pinhole_ctx *ctx, const ph_pinhole *h,
                    const uint8_t src[16], const uint8_t dst[16]) {
  const ph_pinhole6 *h6 = ph_pinhole6_of(ctx, h);
  if (src == NULL || dst == NULL)
    return 0; /* an IPv4 packet (the caller checks; gcc -O3 cannot tell) */
  return memcmp(h6->src, src, 16) == 0 && memcmp(h6->dst, dst, 16) == 0;
}

static ph_ref ph_pinhole_same(const pinhole_ctx *ctx, ph_ref conv,
                              const ph_pinhole *e, const ph_pinhole6 *a6) {
  uint32_t b = ph_pinhole_bucket(ctx, e->proto, e->dst, e->dport);
  for (ph_ref r = ctx->pinhole_hash[b]; r; r = ph_pinhole_at(ctx, r)->hnext) {
    const ph_pinhole *h = ph_pinhole_at(ctx, r);
    if (h->conv == conv && h->proto == e->proto && h->side == e->side &&
        h->src == e->src && h->sport == e->sport &&
        h->sport_hi == e->sport_hi && h->dst == e->dst &&
        h->dport == e->dport && h->to_addr == e->to_addr &&
        h->to_port == e->to_port && h->v6 == e->v6 &&
        (!h->v6 || ph_same6(ctx, h, a6->src, a6->dst)) &&
        !ph_timer_passed(ctx, &h->timer))
      return r;
  }
  return 0;
}

int pinhole__pinhole_open(pinhole_ctx *ctx, ph_ref conv, const ph_pinhole *e) {
  return pinhole__pinhole_open6(ctx, conv, e, NULL);
}

int pinhole__pinhole_open6(pinhole_ctx *ctx, ph_ref conv, const ph_pinhole *e,
                           const ph_pinhole6 *a6) {
  if (e->v6 && (a6 == NULL || ctx->pinhole6 == NULL))
    return PINHOLE_ERR_INVALID_ARG;
  ph_conv *cv = ph_conv_at(ctx, conv);
  uint64_t expire = ph_deadline(
      ctx->now_ns, (uint64_t)ctx->cfg.pinhole_timeout_ms * 1000000u);
  ph_ref r = ph_pinhole_same(ctx, conv, e, a6);
  if (r != 0) {
    /* a retransmitted announcement: refresh, keep one mapping reference */
    pinhole__map_put(ctx, e->mapping);
    pinhole_wheel_arm(&ctx->pinhole_wheel, ph_slot(r), expire);
    return 0;
  }
  if (cv->npinholes >= ctx->cfg.max_pinholes_per_conv ||
      ctx->pinhole_free == 0) {
    ph_count(ctx, PINHOLE_CNT_DROP_PINHOLE_FULL);
    pinhole__map_put(ctx, e->mapping);
    return PINHOLE_ERR_FULL;
  }
  r = ctx->pinhole_free;
  ph_pinhole *h = ph_pinhole_at(ctx, r);
  ctx->pinhole_free = h->hnext;
  *h = *e;
  if (h->v6)
    *ph_pinhole6_of(ctx, h) = *a6;
  h->live = 1;
  h->conv = conv;
  h->conv_id = cv->id;
  h->conv_next = 0;
  memset(&h->timer, 0, sizeof(h->timer));
  /* a mapping that exists only for this pinhole (the ALG just made it)
   * admits only the pinhole's peer, and goes with the pinhole */
  if (h->mapping != 0 && ph_map_at(ctx, h->mapping)->refs == 1)
    ph_map_at(ctx, h->mapping)->flags |= PH_MAPF_ALG;
  uint32_t b = ph_pinhole_bucket(ctx, h->proto, h->dst, h->dport);
  h->hnext = ctx->pinhole_hash[b];
  ctx->pinhole_hash[b] = r;
  h->conv_next = cv->pinholes;
  cv->pinholes = r;
  cv->npinholes++;
  ctx->npinholes++;
  pinhole_wheel_arm(&ctx->pinhole_wheel, ph_slot(r), expire);
  ph_count(ctx, PINHOLE_CNT_PINHOLE_CREATED);
  pinhole__event_hole(ctx, PINHOLE_EVENT_PINHOLE_CREATED, h,
                      pinhole__alg_name(h->alg));
  return 0;
}

/* The pinhole a packet (v; IPv6: src, dst its addresses, v its folded
 * view; IPv4: src NULL) matches, or PH_NIL. */
static ph_ref ph_pinhole_match(const pinhole_ctx *ctx, int side,
                               const pinhole_pkt_view *v, const uint8_t *src,
                               const uint8_t *dst) {
  if (ctx->npinholes == 0)
    return 0;
  uint32_t b = ph_pinhole_bucket(ctx, v->proto, v->dst, v->dport);
  for (ph_ref r = ctx->pinhole_hash[b]; r; r = ph_pinhole_at(ctx, r)->hnext) {
    const ph_pinhole *h = ph_pinhole_at(ctx, r);
    if (h->proto == v->proto && h->side == side && h->dst == v->dst &&
        h->dport == v->dport && h->src == v->src && ph_sport_ok(h, v->sport) &&
        (h->v6 == PH_HOLE_V6) == (src != NULL) &&
        (h->v6 != PH_HOLE_V6 || ph_same6(ctx, h, src, dst)) &&
        !ph_timer_passed(ctx, &h->timer))
      return r; /* IPv6: the folds, then the full addresses */
  }
  return 0;
}

ph_ref pinhole__pinhole_find(const pinhole_ctx *ctx, int side,
                             const pinhole_pkt_view *v) {
  return ph_pinhole_match(ctx, side, v, NULL, NULL);
}

ph_ref pinhole__pinhole_find6(const pinhole_ctx *ctx, int side,
                              const pinhole_pkt_view *v, const uint8_t src[16],
                              const uint8_t dst[16]) {
  return ph_pinhole_match(ctx, side, v, src, dst);
}

ph_ref pinhole__pinhole_find_reverse(const pinhole_ctx *ctx, int side,
                                     const pinhole_pkt_view *v) {
  if (ctx->npinholes == 0)
    return 0;
  ph_ref m = pinhole__map_find_inside(ctx, v->proto, v->src, v->sport);
  if (m == 0)
    return 0;
  const ph_mapping *mp = ph_map_at(ctx, m);
  uint32_t b = ph_pinhole_bucket(ctx, v->proto, mp->paddr, mp->pport);
  for (ph_ref r = ctx->pinhole_hash[b]; r; r = ph_pinhole_at(ctx, r)->hnext) {
    const ph_pinhole *h = ph_pinhole_at(ctx, r);
    if (h->proto == v->proto && h->side == (side ^ 1) && h->src == v->dst &&
        ph_sport_ok(h, v->dport) && h->dst == mp->paddr &&
        h->dport == mp->pport && h->to_addr == v->src &&
        h->to_port == v->sport && !h->v6 && !ph_timer_passed(ctx, &h->timer))
      return r;
  }
  return 0;
}

void pinhole__pinhole_used(pinhole_ctx *ctx, ph_ref ref,
                           const pinhole_pkt_view *trace_v,
                           const pinhole_pkt_view *v, int side, ph_conn *c,
                           int dir) {
  ph_pinhole *h = ph_pinhole_at(ctx, ref);
  ph_count(ctx, PINHOLE_CNT_PINHOLE_USED);
  const char *alg = pinhole__alg_name(h->alg);
  pinhole__event_hole(ctx, PINHOLE_EVENT_PINHOLE_USED, h, alg);
  pinhole__trace_hole(ctx, PINHOLE_TRACE_PINHOLE_USED, h, trace_v, alg);
  pinhole__event(ctx, PINHOLE_EVENT_FLOW_CREATED, v, side, h->conv,
                 h->watch ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD, c, dir,
                 NULL, alg, "pinhole");
  pinhole__pinhole_free(ctx, ref, 0);
  pinhole__conn_touch_timer(ctx, c);
}

void pinhole__pinhole_free(pinhole_ctx *ctx, ph_ref ref, int expired) {
  ph_pinhole *h = ph_pinhole_at(ctx, ref);
  ph_conv *cv = ph_conv_at(ctx, h->conv);
  if (expired) {
    ph_count(ctx, PINHOLE_CNT_PINHOLE_EXPIRED);
    const char *alg = pinhole__alg_name(h->alg);
    pinhole__event_hole(ctx, PINHOLE_EVENT_PINHOLE_EXPIRED, h, alg);
    pinhole__trace_hole(ctx, PINHOLE_TRACE_PINHOLE_EXPIRED, h, NULL, alg);
  }
  ph_pinhole_unhash(ctx, ref);
  for (uint32_t *pp = &cv->pinholes; *pp;
       pp = &ph_pinhole_at(ctx, *pp)->conv_next)
    if (*pp == ref) {
      *pp = h->conv_next;
      break;
    }
  cv->npinholes--;
  pinhole_wheel_cancel(&ctx->pinhole_wheel, ph_slot(ref));
  pinhole__map_put(ctx, h->mapping);
  ph_ref conv = h->conv;
  memset(h, 0, sizeof(*h));
  h->hnext = ctx->pinhole_free;
  ctx->pinhole_free = ref;
  ctx->npinholes--;
  pinhole__conv_maybe_free(ctx, conv);
}

void pinhole__conv_pinholes_free(pinhole_ctx *ctx, ph_ref conv) {
  ph_conv *cv = ph_conv_at(ctx, conv);
  /* keep the conversation alive until its list is empty */
  cv->nconns++;
  while (cv->pinholes)
    pinhole__pinhole_free(ctx, cv->pinholes, 0);
  cv->nconns--;
}

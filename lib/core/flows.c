/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Connections and conversations: creation, lookup by either direction's
 * tuple, watch slots, release.
 *
 * A connection is in the flow table twice: reference (index << 1 | 0) under
 * the hash of its side-A tuple and (index << 1 | 1) under its side-B tuple.
 */
#include "core/engine.h"
#include "core/alg_call.h"
#include "flow/hash_internal.h"

#include <string.h>

uint64_t pinhole__key_hash(const pinhole_ctx *ctx, uint8_t proto, uint32_t src,
                           uint32_t dst, uint16_t sport, uint16_t dport) {
  return ph_tuple_hash(&ctx->cfg.hash_key, proto, src, dst, sport, dport);
}

static int ph_tuple_eq(const ph_tuple *t, uint32_t src, uint32_t dst,
                       uint16_t sport, uint16_t dport) {
  return t->src == src && t->dst == dst && t->sport == sport &&
         t->dport == dport;
}

ph_conn *pinhole__conn_lookup(pinhole_ctx *ctx, uint8_t proto, uint32_t src,
                              uint32_t dst, uint16_t sport, uint16_t dport,
                              uint64_t h, int *dir) {
  ph_ft_iter it;
  ph_ft_iter_init(&ctx->ft, h, &it);
  for (uint32_t ref; (ref = ph_ft_next(&ctx->ft, &it)) != UINT32_MAX;) {
    if (proto == PINHOLE_IPPROTO_TCP) /* its windows: fetched alongside */
      __builtin_prefetch(&ctx->tcpw[ref >> 1]);
    ph_conn *c = &ctx->conns[ref >> 1];
    const ph_tuple *t = (ref & 1) ? &c->b : &c->a;
    if (c->proto == proto && ph_tuple_eq(t, src, dst, sport, dport)) {
      if (ph_conn_stale(ctx, c)) {
        /* past its deadline, only no tick has run since: dead */
        pinhole__conn_expire(ctx, c);
        return NULL;
      }
      *dir = (int)(ref & 1);
      return c;
    }
  }
  return NULL;
}

uint32_t pinhole__conv_new(pinhole_ctx *ctx, uint8_t alg, uint8_t a_side) {
  uint32_t r = ctx->conv_free;
  if (r == 0)
    return 0;
  ph_conv *cv = &ctx->convs[r - 1];
  ctx->conv_free = cv->next;
  memset(cv, 0, sizeof(*cv));
  cv->id = ctx->next_conv_id++;
  if (ctx->next_conv_id == 0)
    ctx->next_conv_id = 1;
  cv->alg = alg;
  cv->a_side = a_side;
  cv->live = 1;
  cv->prev = ctx->conv_tail;
  if (ctx->conv_tail)
    ctx->convs[ctx->conv_tail - 1].next = r;
  else
    ctx->conv_head = r;
  ctx->conv_tail = r;
  ctx->nconvs++;
  return r;
}

void pinhole__conv_maybe_free(pinhole_ctx *ctx, uint32_t conv) {
  ph_conv *cv = &ctx->convs[conv];
  if (!cv->live || cv->nconns != 0 || cv->npinholes != 0)
    return;
  uint32_t r = conv + 1;
  if (cv->prev)
    ctx->convs[cv->prev - 1].next = cv->next;
  else
    ctx->conv_head = cv->next;
  if (cv->next)
    ctx->convs[cv->next - 1].prev = cv->prev;
  else
    ctx->conv_tail = cv->prev;
  cv->live = 0;
  cv->next = ctx->conv_free;
  ctx->conv_free = r;
  ctx->nconvs--;
}

ph_conn *pinhole__conn_new(pinhole_ctx *ctx, uint32_t conv, uint8_t proto,
                           uint8_t a_side, const ph_tuple *a,
                           const ph_tuple *b) {
  uint32_t r = ctx->conn_free;
  if (r == 0)
    return NULL;
  uint32_t idx = r - 1;
  ph_conn *c = &ctx->conns[idx];
  ph_conn_cold *k = &ctx->cold[idx];
  uint32_t next_free = k->conv_next;
  uint64_t ha =
      pinhole__key_hash(ctx, proto, a->src, a->dst, a->sport, a->dport);
  uint64_t hb =
      pinhole__key_hash(ctx, proto, b->src, b->dst, b->sport, b->dport);
  if (pinhole__ft_insert(&ctx->ft, ha, idx << 1) != 0)
    return NULL;
  if (pinhole__ft_insert(&ctx->ft, hb, idx << 1 | 1) != 0) {
    pinhole__ft_remove(&ctx->ft, ha, idx << 1);
    return NULL;
  }
  ctx->conn_free = next_free;
  memset(c, 0, sizeof(*c));
  memset(k, 0, sizeof(*k));
  memset(&ctx->tcpw[idx], 0, sizeof(ph_tcpw));
  c->a = *a;
  c->b = *b;
  c->proto = proto;
  c->a_side = a_side;
  c->flags = PH_CONN_LIVE;
  k->conv = conv;
  c->last_seen = ctx->now_tick;
  ph_conv *cv = &ctx->convs[conv];
  if (cv->last)
    ctx->cold[cv->last - 1].conv_next = r;
  else
    cv->first = r;
  cv->last = r;
  cv->nconns++;
  ctx->nconns++;
  return c;
}

int pinhole__conn_watch(pinhole_ctx *ctx, ph_conn *c, uint8_t alg) {
  uint32_t r = ctx->watch_free;
  if (r == 0)
    return PINHOLE_ERR_FULL;
  ph_watch *w = &ctx->watch[r - 1];
  ctx->watch_free = w->free_next;
  memset(w, 0, sizeof(*w));
  w->conn = ph_conn_idx(ctx, c) + 1;
  c->watch = r;
  c->alg = alg;
  c->flags |= PH_CONN_WATCH;
  ctx->nwatch++;
  return 0;
}

/* The idle timeout of a connection's protocol and state. */
static uint32_t ph_state_timeout(const pinhole_ctx *ctx, const ph_conn *c) {
  switch (c->proto) {
  case PINHOLE_IPPROTO_TCP:
    switch (c->tcp_state) {
    case PH_TCP_ESTABLISHED:
      return ctx->to[PH_TO_EST];
    case PH_TCP_FIN_WAIT:
    case PH_TCP_CLOSING:
      return ctx->to[PH_TO_TRANS];
    case PH_TCP_CLOSED:
      return ctx->to[PH_TO_CLOSED];
    default:
      return ctx->to[PH_TO_SYN];
    }
  case PINHOLE_IPPROTO_UDP:
    /* a media flow whose dialog ended */
    return c->tcp_state == PH_TCP_CLOSED ? ctx->to[PH_TO_CLOSED]
                                         : ctx->to[PH_TO_UDP];
  default:
    return ctx->to[PH_TO_ICMP];
  }
}

uint32_t pinhole__conn_timeout(const pinhole_ctx *ctx, const ph_conn *c) {
  uint32_t to = ph_state_timeout(ctx, c);
  /* an ALG may keep its control connection longer (a registration) */
  if (c->watch && c->tcp_state != PH_TCP_CLOSED) {
    uint32_t keep = ctx->watch[c->watch - 1].keep_ticks;
    if (keep > to)
      to = keep;
  }
  return to;
}

void pinhole__conn_touch_timer(pinhole_ctx *ctx, ph_conn *c) {
  int32_t ahead =
      (int32_t)(c->last_seen + pinhole__conn_timeout(ctx, c) - ctx->now_tick);
  uint64_t at = ctx->now_ns;
  if (ahead > 0)
    at = ph_deadline(at, (uint64_t)ahead << ctx->tick_shift);
  pinhole_wheel_arm(&ctx->conn_wheel, ph_conn_idx(ctx, c), at);
}

void pinhole__conn_free(pinhole_ctx *ctx, ph_conn *c) {
  uint32_t idx = ph_conn_idx(ctx, c);
  ph_conn_cold *k = &ctx->cold[idx];
  uint64_t ha = pinhole__key_hash(ctx, c->proto, c->a.src, c->a.dst, c->a.sport,
                                  c->a.dport);
  uint64_t hb = pinhole__key_hash(ctx, c->proto, c->b.src, c->b.dst, c->b.sport,
                                  c->b.dport);
  pinhole__ft_remove(&ctx->ft, ha, idx << 1);
  pinhole__ft_remove(&ctx->ft, hb, idx << 1 | 1);
  pinhole_wheel_cancel(&ctx->conn_wheel, idx);
  if (c->flags & PH_CONN_HALF_OPEN)
    ctx->half_open--;
  if (c->watch) {
    ph_watch *w = &ctx->watch[c->watch - 1];
    w->conn = 0;
    w->free_next = ctx->watch_free;
    ctx->watch_free = c->watch;
    ctx->nwatch--;
  }
  pinhole__map_put(ctx, k->mapping);
  pinhole__map_put(ctx, k->hairpin);

  /* unlink from the conversation's list */
  ph_conv *cv = &ctx->convs[k->conv];
  uint32_t r = idx + 1, prev = 0;
  for (uint32_t x = cv->first; x; prev = x, x = ctx->cold[x - 1].conv_next) {
    if (x != r)
      continue;
    if (prev)
      ctx->cold[prev - 1].conv_next = k->conv_next;
    else
      cv->first = k->conv_next;
    if (cv->last == r)
      cv->last = prev;
    break;
  }
  cv->nconns--;
  uint32_t conv = k->conv;
  /* the control connection of an ALG conversation takes its pinholes */
  if (c->watch)
    pinhole__conv_holes_free(ctx, conv);
  memset(c, 0, sizeof(*c));
  memset(k, 0, sizeof(*k));
  k->conv_next = ctx->conn_free;
  ctx->conn_free = r;
  ctx->nconns--;
  pinhole__conv_maybe_free(ctx, conv);
}

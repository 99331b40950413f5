/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The operator's handles on a running context: labels, conversation
 * filters and clearing, flow look-up by tuple, pending pinholes, timeouts.
 */
#include "core/engine.h"
#include "core/alg_call.h"

#include <string.h>

/* ---- labels ---------------------------------------------------------- */

static int ph_label_ok(const char *s) {
  if (s == NULL)
    return 1;
  size_t n = strnlen(s, PINHOLE_LABEL_MAX);
  if (n == PINHOLE_LABEL_MAX)
    return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
      return 0;
  return 1;
}

int pinhole_labels_set(pinhole_ctx *ctx, const char *interface,
                       const char *service_set) {
  if (ctx == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (!ph_label_ok(interface) || !ph_label_ok(service_set))
    return PINHOLE_ERR_RANGE;
  const char *v[2] = {interface, service_set};
  for (int i = 0; i < 2; i++) {
    memset(ctx->labels[i], 0, PINHOLE_LABEL_MAX);
    if (v[i] != NULL)
      memcpy(ctx->labels[i], v[i], strlen(v[i]));
  }
  return 0;
}

void pinhole__labels_header(const pinhole_ctx *ctx, ph_out *o) {
  if (ctx->labels[0][0] || ctx->labels[1][0])
    pinhole__printf(o, "Interface: %s, Service set: %s\n", ctx->labels[0],
                    ctx->labels[1]);
}

/* ---- filters --------------------------------------------------------- */

/* A filter the library can read: NULL (everything) or a known size. */
static int ph_filter_check(const pinhole_conv_filter *f) {
  if (f == NULL)
    return 0;
  if (f->size != sizeof(*f))
    return PINHOLE_ERR_STRUCT_SIZE;
  return f->prefix > 32 ? PINHOLE_ERR_RANGE : 0;
}

static int ph_in_prefix(uint32_t a, const pinhole_conv_filter *f) {
  uint32_t mask = f->prefix ? ~0u << (32 - f->prefix) : 0;
  return (a & mask) == (f->addr & mask);
}

/* Does one of the connection's endpoints (either side's view) match the
 * filter's address and port? */
static int ph_conn_match(const pinhole_ctx *ctx, const ph_conn *c,
                         const pinhole_conv_filter *f) {
  ph_tuple ta = ph_conn_tuple(ctx, c, 0), tb = ph_conn_tuple(ctx, c, 1);
  const uint32_t a[4] = {ta.src, ta.dst, tb.src, tb.dst};
  const uint16_t p[4] = {ta.sport, ta.dport, tb.sport, tb.dport};
  int addr = f->prefix == 0, port = f->port == 0;
  for (int i = 0; i < 4; i++) {
    addr |= f->prefix != 0 && ph_in_prefix(a[i], f);
    port |= f->port != 0 && p[i] == f->port;
  }
  int state =
      f->state == 0 || f->state == (ph_conn_watched(c) ? PINHOLE_FLOW_WATCH
                                                       : PINHOLE_FLOW_FORWARD);
  return addr && port && state;
}

int pinhole__conv_match(const pinhole_ctx *ctx, const ph_convv *cv,
                        const pinhole_conv_filter *f) {
  if (f->conv_id && f->conv_id != cv->id)
    return 0;
  if (f->alg != NULL &&
      strcmp(f->alg, cv->alg ? pinhole__alg_name(cv->alg) : "none") != 0)
    return 0;
  if (f->prefix == 0 && f->port == 0 && f->state == 0)
    return 1;
  for (ph_ref x = cv->first; x; x = ph_conv_next_conn(ctx, x))
    if (ph_conn_match(ctx, ph_conn_at(ctx, x), f))
      return 1;
  return 0;
}

int pinhole_conversations_format_filter(const pinhole_ctx *ctx,
                                        const pinhole_conv_filter *f, char *buf,
                                        size_t len) {
  if (ctx == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  int rc = ph_filter_check(f);
  if (rc < 0)
    return rc;
  return pinhole__conversations_format(ctx, f, buf, len);
}

/* ---- clearing -------------------------------------------------------- */

/* A connection the operator cleared: its event, then freed. */
static void ph_conn_clear(pinhole_ctx *ctx, ph_conn *c) {
  pinhole__event(ctx, PINHOLE_EVENT_FLOW_CLOSED, NULL, c->a_side, PH_NIL,
                 ph_conn_watched(c) ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD,
                 c, 0, NULL, pinhole__alg_name(c->alg), "cleared");
  pinhole__conn_free(ctx, c);
}

static void ph_conv_clear(pinhole_ctx *ctx, ph_convh r) {
  if (ph_convh_plain(r)) {
    ph_conn_clear(ctx, ph_conn_at(ctx, ph_convh_conn(r)));
    return;
  }
  ph_conv *cv = ph_conv_at(ctx, r);
  cv->nconns++; /* hold it while its lists empty */
  while (cv->pinholes) {
    const ph_pinhole *h = ph_pinhole_at(ctx, cv->pinholes);
    pinhole__event_hole(ctx, PINHOLE_EVENT_PINHOLE_EXPIRED, h,
                        pinhole__alg_name(h->alg));
    pinhole__pinhole_free(ctx, cv->pinholes, 0);
  }
  cv->nconns--;
  while (cv->live && cv->first)
    ph_conn_clear(ctx, ph_conn_at(ctx, cv->first));
}

void pinhole__conv_clear(pinhole_ctx *ctx, ph_convh h) {
  ph_conv_clear(ctx, h);
}

/* Was the conversation's connection accepted by the current rule idx? */
static int ph_conv_of_rule(const pinhole_ctx *ctx, const ph_convv *cv,
                           uint32_t idx) {
  for (ph_ref x = cv->first; x; x = ph_conv_next_conn(ctx, x)) {
    const ph_conn_cold *k = ph_cold_at(ctx, x);
    if (k->rule == idx && ph_cold_gen_is(k, ctx->rules_gen))
      return 1;
  }
  return 0;
}

/* Clears every conversation sel(ctx, cv, arg) selects; how many. */
static int ph_clear_if(pinhole_ctx *ctx,
                       int (*sel)(const pinhole_ctx *, const ph_convv *,
                                  uint32_t),
                       uint32_t arg) {
  int n = 0;
  ph_convv cv;
  for (ph_convh r = ctx->conv_head; r; r = cv.next) {
    ph_conv_view(ctx, r, &cv); /* cv.next: r goes back to its free list */
    if (!sel(ctx, &cv, arg))
      continue;
    ph_conv_clear(ctx, r);
    n++;
  }
  return n;
}

int pinhole_rule_del(pinhole_ctx *ctx, int rule, int flags) {
  if (ctx == NULL || rule < 0 || (uint32_t)rule >= ctx->nrules ||
      ctx->rules[rule].gone || (flags & ~PINHOLE_RULE_DEL_FLUSH) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  int n = flags & PINHOLE_RULE_DEL_FLUSH
              ? ph_clear_if(ctx, ph_conv_of_rule, (uint32_t)rule)
              : 0;
  ctx->rules[rule].gone = 1;
  return n;
}

/* Is mapping m (PH_NIL: none) one of pool's? */
static int ph_map_of(const pinhole_ctx *ctx, ph_ref m, uint32_t pool) {
  return m != PH_NIL && ph_map_at(ctx, m)->pool == pool;
}

/* Does the conversation hold a mapping of pool, or a pinhole that would
 * take one from it? */
static int ph_conv_of_pool(const pinhole_ctx *ctx, const ph_convv *cv,
                           uint32_t pool) {
  for (ph_ref x = cv->first; x; x = ph_conv_next_conn(ctx, x)) {
    if (ph_map_of(ctx, pinhole__conn_mapping(ctx, ph_conn_at(ctx, x)), pool) ||
        ph_map_of(ctx, pinhole__conn_hairpin(ctx, ph_conn_at(ctx, x)), pool))
      return 1;
  }
  for (ph_ref h = cv->pinholes; h; h = ph_pinhole_at(ctx, h)->conv_next) {
    const ph_pinhole *p = ph_pinhole_at(ctx, h);
    if (ph_map_of(ctx, p->mapping, pool) || p->snat_pool == pool + 1)
      return 1;
  }
  return 0;
}

int pinhole_pool_del(pinhole_ctx *ctx, int pool, int flags) {
  if (ctx == NULL || pool < 0 || (uint32_t)pool >= ctx->npools ||
      ctx->pools[pool].removed || (flags & ~PINHOLE_POOL_DEL_FLUSH) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  int n = flags & PINHOLE_POOL_DEL_FLUSH
              ? ph_clear_if(ctx, ph_conv_of_pool, (uint32_t)pool)
              : 0;
  ctx->pools[pool].removed = 1;
  return n;
}

int pinhole_conversations_clear(pinhole_ctx *ctx,
                                const pinhole_conv_filter *f) {
  if (ctx == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  int rc = ph_filter_check(f);
  if (rc < 0)
    return rc;
  int n = 0;
  ph_convv cv;
  for (ph_convh r = ctx->conv_head; r; r = cv.next) {
    ph_conv_view(ctx, r, &cv); /* cv.next: r goes back to its free list */
    if (f != NULL && !pinhole__conv_match(ctx, &cv, f))
      continue;
    ph_conv_clear(ctx, r);
    n++;
  }
  return n;
}

/* ---- look-up --------------------------------------------------------- */

int pinhole_flow_lookup(const pinhole_ctx *ctx, int side, uint8_t proto,
                        const pinhole_endpoint *src,
                        const pinhole_endpoint *dst, pinhole_flow_info *out) {
  if (ctx == NULL || src == NULL || dst == NULL || out == NULL ||
      (side != PINHOLE_SIDE_INSIDE && side != PINHOLE_SIDE_OUTSIDE))
    return PINHOLE_ERR_INVALID_ARG;
  if (out->size != sizeof(*out))
    return PINHOLE_ERR_STRUCT_SIZE;
  uint64_t h =
      pinhole__key_hash(ctx, proto, src->addr, dst->addr, src->port, dst->port);
  ph_ft_iter it;
  ph_ft_iter_init(&ctx->ft, h, &it);
  for (uint32_t ref; (ref = ph_ft_next(&ctx->ft, &it)) != UINT32_MAX;) {
    const ph_conn *c = &ctx->conns[ref >> 1];
    int dir = (int)(ref & 1);
    const ph_tuple *t = dir ? &c->b : &c->a;
    uint8_t from = dir == 0 || (c->flags & PH_CONN_HAIRPIN)
                       ? c->a_side
                       : (uint8_t)(c->a_side ^ 1);
    if (c->proto != proto || t->src != src->addr || t->dst != dst->addr ||
        t->sport != src->port || t->dport != dst->port || from != side)
      continue;
    if (ph_conn_stale(ctx, c))
      return PINHOLE_ERR_NOT_FOUND; /* dead, only not yet removed */
    ph_convv cv;
    ph_conv_view(ctx, ph_conn_convh(ctx, c), &cv);
    pinhole__flow_info(ctx, &cv, c, dir, out);
    return 0;
  }
  return PINHOLE_ERR_NOT_FOUND;
}

/* ---- pending pinholes ------------------------------------------------ */

static void ph_pinhole_info(const pinhole_ctx *ctx, const ph_pinhole *h,
                            pinhole_pinhole_info *pi) {
  memset(pi, 0, sizeof(*pi));
  pi->size = sizeof(*pi);
  pi->conv_id = h->conv_id;
  pi->alg = pinhole__alg_name(h->alg);
  pi->proto = h->proto;
  pi->side = h->side;
  pi->sport_hi = h->sport_hi;
  pi->src = (pinhole_endpoint){h->src, h->sport, 0};
  pi->dst = (pinhole_endpoint){h->dst, h->dport, 0};
  pi->to = h->to_addr ? (pinhole_endpoint){h->to_addr, h->to_port, 0} : pi->dst;
  uint64_t now = ctx->now_ns >> ctx->tick_shift;
  uint64_t left = h->timer.expire > now ? h->timer.expire - now : 0;
  uint64_t ms = (left << ctx->tick_shift) / 1000000u;
  pi->expires_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

int pinhole_pinholes_visit(const pinhole_ctx *ctx, pinhole_pinhole_visit_fn fn,
                           void *user) {
  if (ctx == NULL || fn == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  int n = 0;
  ph_convv cv;
  for (ph_convh r = ctx->conv_head; r; r = cv.next) {
    ph_conv_view(ctx, r, &cv);
    for (ph_ref x = cv.pinholes; x; x = ph_pinhole_at(ctx, x)->conv_next) {
      const ph_pinhole *h = ph_pinhole_at(ctx, x);
      if (ph_timer_passed(ctx, &h->timer))
        continue;
      pinhole_pinhole_info pi;
      ph_pinhole_info(ctx, h, &pi);
      n++;
      if (fn(&pi, user) != 0)
        return n;
    }
  }
  return n;
}

/* ---- timeouts -------------------------------------------------------- */

#define PH_MAX_TO_S (30u * 86400u) /* as pinhole_config's bounds */
#define PH_MAX_TO_MS 86400000u

int pinhole_timeout_set(pinhole_ctx *ctx, int which, uint32_t value) {
  if (ctx == NULL || which < PINHOLE_TIMEOUT_TCP_SYN ||
      which > PINHOLE_TIMEOUT_PINHOLE)
    return PINHOLE_ERR_INVALID_ARG;
  if (which == PINHOLE_TIMEOUT_PINHOLE) {
    if (value == 0 || value > PH_MAX_TO_MS)
      return PINHOLE_ERR_RANGE;
    ctx->cfg.pinhole_timeout_ms = value;
    return 0;
  }
  if (value == 0 || value > PH_MAX_TO_S)
    return PINHOLE_ERR_RANGE;
  static const int slot[] = {
      [PINHOLE_TIMEOUT_TCP_SYN] = PH_TO_SYN,
      [PINHOLE_TIMEOUT_TCP_EST] = PH_TO_EST,
      [PINHOLE_TIMEOUT_TCP_TRANS] = PH_TO_TRANS,
      [PINHOLE_TIMEOUT_UDP] = PH_TO_UDP,
      [PINHOLE_TIMEOUT_ICMP] = PH_TO_ICMP,
  };
  uint32_t *cfg[] = {
      [PINHOLE_TIMEOUT_TCP_SYN] = &ctx->cfg.tcp_syn_timeout_s,
      [PINHOLE_TIMEOUT_TCP_EST] = &ctx->cfg.tcp_est_timeout_s,
      [PINHOLE_TIMEOUT_TCP_TRANS] = &ctx->cfg.tcp_trans_timeout_s,
      [PINHOLE_TIMEOUT_UDP] = &ctx->cfg.udp_timeout_s,
      [PINHOLE_TIMEOUT_ICMP] = &ctx->cfg.icmp_timeout_s,
  };
  *cfg[which] = value;
  ctx->to[slot[which]] = ph_ns_to_ticks(ctx, (uint64_t)value * 1000000000u);
  ctx->to_min = ctx->to[0];
  for (int i = 1; i < PH_TO_COUNT; i++)
    if (ctx->to[i] < ctx->to_min)
      ctx->to_min = ctx->to[i];
  return 0;
}

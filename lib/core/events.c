/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Events (the operator's log) and their one-line formatter, and the ALG
 * trace formatter.
 */
#include "core/engine.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char *const ph_event_names[] = {
    [PINHOLE_EVENT_RULE_ACCEPT] = "RULE_ACCEPT",
    [PINHOLE_EVENT_FLOW_CREATED] = "FLOW_CREATED",
    [PINHOLE_EVENT_NO_RULE_DROP] = "NO_RULE_DROP",
    [PINHOLE_EVENT_PINHOLE_CREATED] = "PINHOLE_CREATED",
    [PINHOLE_EVENT_PINHOLE_USED] = "PINHOLE_USED",
    [PINHOLE_EVENT_PINHOLE_EXPIRED] = "PINHOLE_EXPIRED",
    [PINHOLE_EVENT_NAT_PORTS_EXHAUSTED] = "NAT_PORTS_EXHAUSTED",
    [PINHOLE_EVENT_ALG_ERROR] = "ALG_ERROR",
    [PINHOLE_EVENT_UNANNOUNCED_DATA] = "UNANNOUNCED_DATA",
    [PINHOLE_EVENT_RULE_DISCARD] = "RULE_DISCARD",
    [PINHOLE_EVENT_RULE_REJECT] = "RULE_REJECT",
    [PINHOLE_EVENT_TABLE_FULL] = "TABLE_FULL",
    [PINHOLE_EVENT_FLOW_CLOSED] = "FLOW_CLOSED",
    [PINHOLE_EVENT_MAPPING_CREATED] = "MAPPING_CREATED",
    [PINHOLE_EVENT_MAPPING_RELEASED] = "MAPPING_RELEASED",
    [PINHOLE_EVENT_PORT_BLOCK_ALLOCATED] = "PORT_BLOCK_ALLOCATED",
    [PINHOLE_EVENT_PORT_BLOCK_RELEASED] = "PORT_BLOCK_RELEASED",
    [PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED] = "PORT_BLOCK_EXHAUSTED",
    [PINHOLE_EVENT_PORT_BLOCK_ACTIVE] = "PORT_BLOCK_ACTIVE",
    [PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED] = "NAT_ADDRESSES_EXHAUSTED",
    [PINHOLE_EVENT_ADDRESS_BOUND] = "ADDRESS_BOUND",
    [PINHOLE_EVENT_ADDRESS_RELEASED] = "ADDRESS_RELEASED",
    [PINHOLE_EVENT_ADDRESS_ACTIVE] = "ADDRESS_ACTIVE",
};

const char *pinhole_event_name(int type) {
  if (type <= 0 ||
      (size_t)type >= sizeof(ph_event_names) / sizeof(ph_event_names[0]) ||
      ph_event_names[type] == NULL)
    return "UNKNOWN";
  return ph_event_names[type];
}

void pinhole__event_init(const pinhole_ctx *ctx, pinhole_event *ev, int type) {
  ph_event_init(ctx, ev, type);
}

void pinhole__trace_init(const pinhole_ctx *ctx, pinhole_trace *t, int kind) {
  memset(t, 0, sizeof(*t));
  t->size = sizeof(*t);
  t->kind = kind;
  t->time_ns = ctx->now_ns;
}

static void ph_emit(pinhole_ctx *ctx, pinhole_event *ev) {
  ctx->cb.event(ctx, ev, ctx->user);
}

/* Connection c's fields of an event (seen from dir): its conversation,
 * endpoints as they arrive and leave, and its counts. */
static inline void ph_event_conn(const pinhole_ctx *ctx, pinhole_event *ev,
                                 const ph_conn *c, int dir) {
  ph_tuple ti = ph_conn_tuple(ctx, c, dir), to = ph_conn_tuple(ctx, c, !dir);
  const ph_tuple *in = &ti, *out = &to;
  ev->conv_id = ph_conn_conv_id(ctx, c);
  ev->proto = c->proto;
  ev->src = (pinhole_endpoint){in->src, in->sport, 0};
  ev->dst = (pinhole_endpoint){in->dst, in->dport, 0};
  ev->nat_src = (pinhole_endpoint){out->dst, out->dport, 0};
  ev->nat_dst = (pinhole_endpoint){out->src, out->sport, 0};
  ev->frames_i = c->frames[0];
  ev->frames_o = c->frames[1];
  ev->bytes_i = ph_conn_bytes(ctx, c, 0);
  ev->bytes_o = ph_conn_bytes(ctx, c, 1);
  if (ph_conn_is6(ctx, c))
    pinhole__event6_conn(ctx, ev, c, dir);
}

void pinhole__event_conn_new(pinhole_ctx *ctx, int side, const ph_conn *c,
                             uint8_t flow_state, const char *rule,
                             const char *alg, const char *reason) {
  if (ctx->cb.event == NULL)
    return;
  pinhole_event ev;
  ph_event_init(ctx, &ev, PINHOLE_EVENT_RULE_ACCEPT);
  ev.side = (uint8_t)side;
  if (ph_conn_is6(ctx, c)) {
    ph_event_conn(ctx, &ev, c, 0);
  } else {
    /* ph_event_conn's fields of an IPv4 connection just made: its tuples
     * as they are (never the line form), each endpoint's address and port
     * alone (the pads are the record's zeros), and no counts (c has
     * counted nothing yet: the frames and bytes are the record's zeros) */
    const ph_conn_cold *k = &ctx->cold[ph_conn_idx(ctx, c)];
    /* ph_conn_conv_id from the cold part at hand (no handle made) */
    ev.conv_id =
        k->conv_mark == PH_CONVH_REC ? ph_conv_at(ctx, k->conv)->id : k->own_id;
    ev.proto = c->proto;
    ev.src.addr = c->a.src;
    ev.src.port = c->a.sport;
    ev.dst.addr = c->a.dst;
    ev.dst.port = c->a.dport;
    ev.nat_src.addr = c->b.dst;
    ev.nat_src.port = c->b.dport;
    ev.nat_dst.addr = c->b.src;
    ev.nat_dst.port = c->b.sport;
  }
  ev.rule = rule;
  ev.alg = alg;
  ph_emit(ctx, &ev);
  /* the same record: the host reads it through a const pointer (pinhole.h)
   * and may call nothing that changes c, so every field but these three
   * is still FLOW_CREATED's */
  ev.type = PINHOLE_EVENT_FLOW_CREATED;
  ev.flow_state = flow_state;
  ev.reason = reason;
  ph_emit(ctx, &ev);
}

void pinhole__event(pinhole_ctx *ctx, int type, const pinhole_pkt_view *v,
                    int side, ph_convh conv, uint8_t flow_state,
                    const ph_conn *c, int dir, const char *rule,
                    const char *alg, const char *reason) {
  if (ctx->cb.event == NULL)
    return;
  pinhole_event ev;
  pinhole__event_init(ctx, &ev, type);
  ev.side = (uint8_t)side;
  ev.flow_state = flow_state;
  if (c != NULL) {
    ph_event_conn(ctx, &ev, c, dir);
  } else if (v != NULL) {
    ev.conv_id = conv ? ph_convh_id(ctx, conv) : 0;
    ev.proto = v->proto;
    ev.src = (pinhole_endpoint){v->src, v->sport, 0};
    ev.dst = (pinhole_endpoint){v->dst, v->dport, 0};
    ev.nat_src = ev.src;
    ev.nat_dst = ev.dst;
    pinhole__event6_refused(ctx, &ev); /* a refused NAT64 mapping's */
  }
  ev.rule = rule;
  ev.alg = alg;
  ev.reason = reason;
  ph_emit(ctx, &ev);
}

void pinhole__event_hole(pinhole_ctx *ctx, int type, const ph_pinhole *h,
                         const char *alg) {
  if (ctx->cb.event == NULL)
    return;
  pinhole_event ev;
  pinhole__event_init(ctx, &ev, type);
  ev.conv_id = h->conv_id;
  ev.proto = h->proto;
  ev.side = h->side;
  ev.flow_state = h->watch ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD;
  ev.src = (pinhole_endpoint){h->src, h->sport, 0};
  ev.dst = (pinhole_endpoint){h->dst, h->dport, 0};
  ev.nat_src = ev.src;
  ev.nat_dst = ev.dst;
  if (h->to_addr)
    ev.nat_dst = (pinhole_endpoint){h->to_addr, h->to_port, 0};
  if (h->v6 == PH_HOLE_V6) {
    ev.family = 6;
    memcpy(ev.src6, ph_pinhole6_of(ctx, h)->src, 16);
    memcpy(ev.dst6, ph_pinhole6_of(ctx, h)->dst, 16);
    ev.src.addr = ev.dst.addr = ev.nat_src.addr = ev.nat_dst.addr = 0;
  }
  ev.alg = alg;
  ph_emit(ctx, &ev);
}

void pinhole__trace_hole(pinhole_ctx *ctx, int kind, const ph_pinhole *h,
                         const pinhole_pkt_view *v, const char *alg) {
  if (ctx->cb.trace == NULL)
    return;
  pinhole_trace t;
  pinhole__trace_init(ctx, &t, kind);
  t.alg = alg;
  t.conv_id = h->conv_id;
  t.proto = h->proto;
  t.side = h->side;
  t.a = (pinhole_endpoint){h->src, h->sport, 0};
  t.b = (pinhole_endpoint){h->dst, h->dport, 0};
  if (v != NULL) {
    t.a = (pinhole_endpoint){v->src, v->sport, 0};
    t.b = (pinhole_endpoint){v->dst, v->dport, 0};
    t.seq = v->seq;
    t.ack = v->ack;
  }
  if (h->v6 == PH_HOLE_V6) /* NAT64 holes expect IPv4: as they are */
    pinhole__trace_addrs6(&t, ph_pinhole6_of(ctx, h));
  ctx->cb.trace(ctx, &t, ctx->user);
}

void pinhole__trace_addrs6(pinhole_trace *t, const ph_pinhole6 *a6) {
  t->a.addr = t->b.addr = 0;
  t->a_family = t->b_family = 6;
  memcpy(t->a6, a6->src, 16);
  memcpy(t->b6, a6->dst, 16);
}

/* ---- formatting ------------------------------------------------------ */

void pinhole__printf(ph_out *o, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *at = o->used < o->len ? o->buf + o->used : NULL;
  size_t room = o->used < o->len ? o->len - o->used : 0;
  int n = vsnprintf(at, room, fmt, ap);
  va_end(ap);
  if (n > 0)
    o->used += (size_t)n;
}

int pinhole_addr_format(uint32_t addr, char *buf, size_t len) {
  if (buf == NULL || len < 16)
    return PINHOLE_ERR_NOBUF;
  return snprintf(buf, len, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255,
                  (addr >> 8) & 255, addr & 255);
}

int pinhole_addr_parse(const char *s, uint32_t *addr) {
  if (s == NULL || addr == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  uint32_t a = 0;
  for (int i = 0; i < 4; i++) {
    if (*s < '0' || *s > '9')
      return PINHOLE_ERR_PARSE;
    uint32_t n = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9') {
      n = n * 10 + (uint32_t)(*s++ - '0');
      if (++digits > 3 || n > 255)
        return PINHOLE_ERR_PARSE;
    }
    a = a << 8 | n;
    if (i < 3 && *s++ != '.')
      return PINHOLE_ERR_PARSE;
  }
  if (*s != '\0')
    return PINHOLE_ERR_PARSE;
  *addr = a;
  return 0;
}

size_t pinhole__fmt_ep(char *buf, size_t len, uint32_t addr, uint16_t port) {
  int n = snprintf(buf, len, "%u.%u.%u.%u:%u", addr >> 24, (addr >> 16) & 255,
                   (addr >> 8) & 255, addr & 255, port);
  return n < 0 ? 0 : (size_t)n;
}

const char *pinhole__proto_name(uint8_t p) {
  return p == PINHOLE_IPPROTO_TCP     ? "TCP"
         : p == PINHOLE_IPPROTO_UDP   ? "UDP"
         : p == PINHOLE_IPPROTO_ICMP  ? "ICMP"
         : p == PINHOLE_IPPROTO_GRE   ? "GRE"
         : p == PINHOLE_IP6_NH_ICMPV6 ? "ICMPv6"
                                      : "IP";
}

int pinhole_event_format(const pinhole_event *ev, char *buf, size_t len) {
  if (ev == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  char s[PINHOLE_ENDPOINT6_STRLEN], d[PINHOLE_ENDPOINT6_STRLEN],
      ns[PINHOLE_ENDPOINT6_STRLEN], nd[PINHOLE_ENDPOINT6_STRLEN];
  pinhole__fmt_ep(s, sizeof(s), ev->src.addr, ev->src.port);
  pinhole__fmt_ep(d, sizeof(d), ev->dst.addr, ev->dst.port);
  pinhole__fmt_ep(ns, sizeof(ns), ev->nat_src.addr, ev->nat_src.port);
  pinhole__fmt_ep(nd, sizeof(nd), ev->nat_dst.addr, ev->nat_dst.port);
  if (ev->size >= offsetof(pinhole_event, dst6) + sizeof(ev->dst6) &&
      ev->family == 6) {
    /* IPv6 endpoints: nothing is translated, but by NAT64 (nat_* hold
     * its IPv4 side) */
    pinhole__fmt_ep6(s, sizeof(s), ev->src6, ev->src.port);
    pinhole__fmt_ep6(d, sizeof(d), ev->dst6, ev->dst.port);
    if (ev->nat_src.addr == 0) {
      memcpy(ns, s, sizeof(s));
      memcpy(nd, d, sizeof(d));
    }
  }
  ph_out o = {buf, len, 0};
  if (ev->type == PINHOLE_EVENT_MAPPING_CREATED ||
      ev->type == PINHOLE_EVENT_MAPPING_RELEASED) {
    /* the port allocation log: inside endpoint and its public one */
    pinhole__printf(&o, "PINHOLE_%s: proto=%s %s -> %s",
                    pinhole_event_name(ev->type),
                    pinhole__proto_name(ev->proto), s, ns);
    return o.used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)o.used;
  }
  if (ev->type == PINHOLE_EVENT_PORT_BLOCK_ALLOCATED ||
      ev->type == PINHOLE_EVENT_PORT_BLOCK_RELEASED ||
      ev->type == PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED ||
      ev->type == PINHOLE_EVENT_PORT_BLOCK_ACTIVE ||
      ev->type == PINHOLE_EVENT_ADDRESS_BOUND ||
      ev->type == PINHOLE_EVENT_ADDRESS_RELEASED ||
      ev->type == PINHOLE_EVENT_ADDRESS_ACTIVE) {
    /* the block log: subscriber (a NAT64 one by its IPv6 address, "[a]:0"
     * unbracketed), public address, block or quota */
    const char *sub = s[0] == '[' ? s + 1 : s;
    int sublen = (int)(strchr(sub, s[0] == '[' ? ']' : ':') - sub);
    pinhole__printf(&o, "PINHOLE_%s: subscriber=%.*s public=%.*s",
                    pinhole_event_name(ev->type), sublen, sub,
                    (int)(strchr(ns, ':') - ns), ns);
    if (ev->type == PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED)
      pinhole__printf(&o, " proto=%s limit=%u", pinhole__proto_name(ev->proto),
                      ev->limit);
    else if (ev->port_hi != 0)
      pinhole__printf(&o, " ports=%u-%u", ev->port_lo, ev->port_hi);
    return o.used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)o.used;
  }
  pinhole__printf(&o, "PINHOLE_%s: conv=%u proto=%s side=%s %s -> %s",
                  pinhole_event_name(ev->type), ev->conv_id,
                  pinhole__proto_name(ev->proto),
                  ev->side == PINHOLE_SIDE_INSIDE ? "inside" : "outside", s, d);
  if (ev->nat_src.addr != ev->src.addr || ev->nat_src.port != ev->src.port ||
      ev->nat_dst.addr != ev->dst.addr || ev->nat_dst.port != ev->dst.port)
    pinhole__printf(&o, " nat %s -> %s", ns, nd);
  if (ev->flow_state)
    pinhole__printf(&o, " state=%s",
                    ev->flow_state == PINHOLE_FLOW_WATCH ? "watch" : "forward");
  if (ev->rule)
    pinhole__printf(&o, " rule=%s", ev->rule);
  if (ev->alg)
    pinhole__printf(&o, " alg=%s", ev->alg);
  if (ev->reason)
    pinhole__printf(&o, " reason=\"%s\"", ev->reason);
  if (ev->type == PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED &&
      ev->size >= offsetof(pinhole_event, pool_id) + sizeof(ev->pool_id))
    pinhole__printf(&o, " pool=%u", ev->pool_id);
  if (ev->type == PINHOLE_EVENT_FLOW_CLOSED &&
      ev->size >= offsetof(pinhole_event, bytes_o) + sizeof(ev->bytes_o))
    pinhole__printf(
        &o, " frames=%llu/%llu bytes=%llu/%llu",
        (unsigned long long)ev->frames_i, (unsigned long long)ev->frames_o,
        (unsigned long long)ev->bytes_i, (unsigned long long)ev->bytes_o);
  return o.used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)o.used;
}

static const char *const ph_trace_names[] = {
    [PINHOLE_TRACE_MESSAGE] = "message",
    [PINHOLE_TRACE_PARSED] = "parsed",
    [PINHOLE_TRACE_TRANSLATED] = "translated",
    [PINHOLE_TRACE_PINHOLE_CREATED] = "pinhole created",
    [PINHOLE_TRACE_PINHOLE_USED] = "pinhole used",
    [PINHOLE_TRACE_PINHOLE_EXPIRED] = "pinhole expired",
    [PINHOLE_TRACE_ERROR] = "error",
    [PINHOLE_TRACE_SKIPPED] = "skipped",
    [PINHOLE_TRACE_SEQ_DIFF] = "seq diff",
};

/* Endpoint a (which 0) or b (1) of t as "addr:port" or "[addr6]:port". */
void pinhole__trace_ep(const pinhole_trace *t, int which, char *buf,
                       size_t len) {
  const pinhole_endpoint *e = which ? &t->b : &t->a;
  int v6 = t->size >= offsetof(pinhole_trace, b6) + sizeof(t->b6) &&
           (which ? t->b_family : t->a_family) == 6;
  if (v6)
    pinhole__fmt_ep6(buf, len, which ? t->b6 : t->a6, e->port);
  else
    pinhole__fmt_ep(buf, len, e->addr, e->port);
}

int pinhole_trace_format(const pinhole_trace *t, char *buf, size_t len) {
  if (t == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  const char *kind =
      t->kind > 0 && (size_t)t->kind < sizeof(ph_trace_names) / sizeof(char *)
          ? ph_trace_names[t->kind]
          : "unknown";
  char a[PINHOLE_ENDPOINT6_STRLEN], b[PINHOLE_ENDPOINT6_STRLEN];
  pinhole__trace_ep(t, 0, a, sizeof(a));
  pinhole__trace_ep(t, 1, b, sizeof(b));
  ph_out o = {buf, len, 0};
  pinhole__printf(&o, "%s ALG conv=%u %s", t->alg ? t->alg : "?", t->conv_id,
                  kind);
  switch (t->kind) {
  case PINHOLE_TRACE_MESSAGE:
    pinhole__printf(&o, " from %s seq=%u ack=%u",
                    t->side == PINHOLE_SIDE_INSIDE ? "inside" : "outside",
                    t->seq, t->ack);
    break;
  case PINHOLE_TRACE_PARSED:
    pinhole__printf(&o, " %s", a);
    break;
  case PINHOLE_TRACE_TRANSLATED:
    pinhole__printf(&o, " %s -> %s", a, b);
    break;
  case PINHOLE_TRACE_PINHOLE_CREATED:
    pinhole__printf(&o, " %s %s -> %s lifetime=%ums",
                    pinhole__proto_name(t->proto), a, b, t->lifetime_ms);
    break;
  case PINHOLE_TRACE_PINHOLE_USED:
  case PINHOLE_TRACE_PINHOLE_EXPIRED:
    pinhole__printf(&o, " %s %s -> %s", pinhole__proto_name(t->proto), a, b);
    break;
  case PINHOLE_TRACE_SEQ_DIFF:
    if (t->size >= offsetof(pinhole_trace, diff_new) + sizeof(t->diff_new))
      pinhole__printf(&o, " %d -> %d seq=%u", (int)t->diff_old,
                      (int)t->diff_new, t->seq);
    break;
  default:
    break;
  }
  if (t->text != NULL && t->text_len > 0) {
    pinhole__printf(&o, " \"");
    size_t n = t->text_len > 120 ? 120 : t->text_len;
    for (size_t i = 0; i < n; i++) {
      unsigned char ch = (unsigned char)t->text[i];
      if (ch == '\r' || ch == '\n')
        continue;
      if (ch < 32 || ch > 126 || ch == '"' || ch == '\\')
        pinhole__printf(&o, "\\x%02x", ch);
      else
        pinhole__printf(&o, "%c", ch);
    }
    pinhole__printf(&o, "%s\"", t->text_len > n ? "..." : "");
  }
  return o.used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)o.used;
}

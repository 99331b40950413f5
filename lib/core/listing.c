/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The operator's conversation listing: a visitor over every flow and the
 * formatter that prints conversations as a carrier firewall does.
 */
#include "core/engine.h"
#include "core/alg_call.h"

#include <stdio.h>
#include <string.h>

void pinhole__flow_info_conv(const pinhole_ctx *ctx, const ph_convv *cv,
                             pinhole_flow_info *fi) {
  (void)ctx;
  memset(fi, 0, sizeof(*fi));
  fi->size = sizeof(*fi);
  fi->conv_id = cv->id;
  fi->alg = cv->alg ? pinhole__alg_name(cv->alg) : "none";
  fi->initiators = cv->nconns;
  fi->responders = cv->nconns;
}

void pinhole__flow_info(const pinhole_ctx *ctx, const ph_convv *cv,
                        const ph_conn *c, int dir, pinhole_flow_info *fi) {
  ph_tuple ti = ph_conn_tuple(ctx, c, dir), to = ph_conn_tuple(ctx, c, !dir);
  const ph_tuple *in = &ti, *out = &to;
  pinhole__flow_info_conv(ctx, cv, fi);
  fi->proto = c->proto;
  fi->dir = (uint8_t)dir;
  fi->state = ph_conn_watched(c) ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD;
  fi->side = dir ? (uint8_t)(c->a_side ^ 1) : c->a_side;
  fi->src = (pinhole_endpoint){in->src, in->sport, 0};
  fi->dst = (pinhole_endpoint){in->dst, in->dport, 0};
  fi->out_src = (pinhole_endpoint){out->dst, out->dport, 0};
  fi->out_dst = (pinhole_endpoint){out->src, out->sport, 0};
  if (ph_conn_is6(ctx, c))
    pinhole__flow_info6(ctx, c, dir, fi);
  fi->frames = c->frames[dir];
  fi->bytes = ph_conn_bytes(ctx, c, dir);
  uint32_t idle = ctx->now_tick - c->last_seen;
  fi->idle_ms = (uint32_t)(((uint64_t)idle << ctx->tick_shift) / 1000000u);
}

int pinhole_flows_visit(const pinhole_ctx *ctx, pinhole_flow_visit_fn fn,
                        void *user) {
  if (ctx == NULL || fn == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  int n = 0;
  ph_convv cv;
  for (ph_convh r = ctx->conv_head; r; r = cv.next) {
    ph_conv_view(ctx, r, &cv);
    for (int dir = 0; dir < 2; dir++) {
      for (ph_ref x = cv.first; x; x = ph_conv_next_conn(ctx, x)) {
        pinhole_flow_info fi;
        pinhole__flow_info(ctx, &cv, ph_conn_at(ctx, x), dir, &fi);
        n++;
        if (fn(&fi, user) != 0)
          return n;
      }
    }
  }
  return n;
}

static const char *ph_proto(uint8_t p) {
  return p == PINHOLE_IPPROTO_TCP     ? "TCP"
         : p == PINHOLE_IPPROTO_UDP   ? "UDP"
         : p == PINHOLE_IPPROTO_GRE   ? "GRE"
         : p == PINHOLE_IP6_NH_ICMPV6 ? "ICMPv6"
                                      : "ICMP";
}

typedef struct ph_fmt_state {
  ph_out o;
  uint32_t conv_id;
} ph_fmt_state;

static void ph_fmt_header(const pinhole_flow_info *fi, ph_fmt_state *s) {
  s->conv_id = fi->conv_id;
  pinhole__printf(&s->o, "Conversation: ALG protocol: %s\n", fi->alg);
  pinhole__printf(&s->o,
                  "  Number of initiators: %u, Number of responders: %u\n",
                  fi->initiators, fi->responders);
  pinhole__printf(&s->o, "%-46s%-9s%-5s%s\n", "Flow", "State", "Dir",
                  "Frm count");
}

/* A NAT64 row's line under it: the packet as it leaves, in the other
 * family ("NAT64 198.19.0.1:1024 -> 198.19.0.2:80"). */
static void ph_fmt_nat64(const pinhole_flow_info *fi, ph_fmt_state *s) {
  char a[PINHOLE_ENDPOINT6_STRLEN], b[PINHOLE_ENDPOINT6_STRLEN];
  if (fi->out_family == 6) {
    pinhole__fmt_ep6(a, sizeof(a), fi->out_src6, fi->out_src.port);
    pinhole__fmt_ep6(b, sizeof(b), fi->out_dst6, fi->out_dst.port);
  } else {
    pinhole__fmt_ep(a, sizeof(a), fi->out_src.addr, fi->out_src.port);
    pinhole__fmt_ep(b, sizeof(b), fi->out_dst.addr, fi->out_dst.port);
  }
  pinhole__printf(&s->o, "    NAT64 %s -> %s\n", a, b);
}

/* An IPv6 row: nothing is translated, so no NAT line (but NAT64's); a
 * flow text longer than its column still leaves one space before the
 * state. */
static int ph_fmt_flow6(const pinhole_flow_info *fi, ph_fmt_state *s) {
  char a[PINHOLE_ENDPOINT6_STRLEN], b[PINHOLE_ENDPOINT6_STRLEN], flow[128];
  pinhole__fmt_ep6(a, sizeof(a), fi->src6, fi->src.port);
  pinhole__fmt_ep6(b, sizeof(b), fi->dst6, fi->dst.port);
  /* a NAT64 echo is filed as ICMP; its IPv6 side is ICMPv6 */
  const char *pn =
      fi->proto == PINHOLE_IPPROTO_ICMP ? "ICMPv6" : ph_proto(fi->proto);
  int n = snprintf(flow, sizeof(flow), "%s %s -> %s", pn, a, b);
  int w = n < 46 ? 46 : n + 1;
  pinhole__printf(&s->o, "%-*s%-9s%-5s%7llu\n", w, flow,
                  fi->state == PINHOLE_FLOW_WATCH ? "Watch" : "Forward",
                  fi->dir == PINHOLE_DIR_I ? "I" : "O",
                  (unsigned long long)fi->frames);
  if (fi->out_family != 0) /* NAT64, hairpinning included */
    ph_fmt_nat64(fi, s);
  return 0;
}

static int ph_fmt_flow(const pinhole_flow_info *fi, void *user) {
  ph_fmt_state *s = user;
  char a[24], b[24], flow[64];
  if (fi->conv_id != s->conv_id)
    ph_fmt_header(fi, s);
  if (fi->family == 6)
    return ph_fmt_flow6(fi, s);
  pinhole__fmt_ep(a, sizeof(a), fi->src.addr, fi->src.port);
  pinhole__fmt_ep(b, sizeof(b), fi->dst.addr, fi->dst.port);
  snprintf(flow, sizeof(flow), "%s %s -> %s", ph_proto(fi->proto), a, b);
  pinhole__printf(&s->o, "%-46s%-9s%-5s%7llu\n", flow,
                  fi->state == PINHOLE_FLOW_WATCH ? "Watch" : "Forward",
                  fi->dir == PINHOLE_DIR_I ? "I" : "O",
                  (unsigned long long)fi->frames);
  if (fi->out_family == 6) {
    ph_fmt_nat64(fi, s);
    return 0;
  }
  if (fi->src.addr != fi->out_src.addr || fi->src.port != fi->out_src.port) {
    pinhole__fmt_ep(b, sizeof(b), fi->out_src.addr, fi->out_src.port);
    pinhole__printf(&s->o, "    NAT source %s -> %s\n", a, b);
  }
  if (fi->dst.addr != fi->out_dst.addr || fi->dst.port != fi->out_dst.port) {
    pinhole__fmt_ep(a, sizeof(a), fi->dst.addr, fi->dst.port);
    pinhole__fmt_ep(b, sizeof(b), fi->out_dst.addr, fi->out_dst.port);
    pinhole__printf(&s->o, "    NAT dest %s -> %s\n", a, b);
  }
  return 0;
}

/* A pending pinhole as the row of the Forward flow it will become, frame
 * count 0 (the documented RTSP listing shows its media flows so before
 * any media flowed). */
void pinhole__pinhole_flow_info(const pinhole_ctx *ctx, const ph_convv *cv,
                                const ph_pinhole *h, pinhole_flow_info *fi) {
  pinhole__flow_info_conv(ctx, cv, fi);
  fi->proto = h->proto;
  fi->dir = h->side == cv->a_side ? PINHOLE_DIR_I : PINHOLE_DIR_O;
  fi->state = PINHOLE_FLOW_FORWARD;
  fi->side = h->side;
  fi->src = (pinhole_endpoint){h->src, h->sport, 0};
  fi->dst = (pinhole_endpoint){h->dst, h->dport, 0};
  fi->out_src = fi->src;
  fi->out_dst = fi->dst;
  if (h->to_addr)
    fi->out_dst = (pinhole_endpoint){h->to_addr, h->to_port, 0};
  if (h->v6 == PH_HOLE_V6) {
    fi->family = 6;
    memcpy(fi->src6, ph_pinhole6_of(ctx, h)->src, 16);
    memcpy(fi->dst6, ph_pinhole6_of(ctx, h)->dst, 16);
    fi->src.addr = fi->dst.addr = fi->out_src.addr = fi->out_dst.addr = 0;
  }
}

static void ph_fmt_conv(const pinhole_ctx *ctx, const ph_convv *cv,
                        ph_fmt_state *s) {
  int rows = 0;
  for (int dir = 0; dir < 2; dir++)
    for (ph_ref x = cv->first; x; x = ph_conv_next_conn(ctx, x)) {
      pinhole_flow_info fi;
      pinhole__flow_info(ctx, cv, ph_conn_at(ctx, x), dir, &fi);
      ph_fmt_flow(&fi, s);
      rows++;
    }
  for (ph_ref r = cv->pinholes; r; r = ph_pinhole_at(ctx, r)->conv_next) {
    const ph_pinhole *h = ph_pinhole_at(ctx, r);
    if (ph_timer_passed(ctx, &h->timer))
      continue;        /* dead, only no tick has removed it yet */
    if (rows++ == 0) { /* a conversation of pinholes only */
      pinhole_flow_info fi;
      pinhole__flow_info_conv(ctx, cv, &fi);
      ph_fmt_header(&fi, s);
    }
    pinhole_flow_info fi;
    pinhole__pinhole_flow_info(ctx, cv, h, &fi);
    ph_fmt_flow(&fi, s);
  }
}

int pinhole__conversations_format(const pinhole_ctx *ctx,
                                  const pinhole_conv_filter *f, char *buf,
                                  size_t len) {
  ph_fmt_state s;
  memset(&s, 0, sizeof(s));
  s.o.buf = buf;
  s.o.len = len;
  if (len)
    buf[0] = '\0';
  pinhole__labels_header(ctx, &s.o);
  ph_convv cv;
  for (ph_convh r = ctx->conv_head; r; r = cv.next) {
    ph_conv_view(ctx, r, &cv);
    if (f == NULL || pinhole__conv_match(ctx, &cv, f))
      ph_fmt_conv(ctx, &cv, &s);
  }
  return s.o.used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)s.o.used;
}

int pinhole_conversations_format(const pinhole_ctx *ctx, char *buf,
                                 size_t len) {
  if (ctx == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  return pinhole__conversations_format(ctx, NULL, buf, len);
}

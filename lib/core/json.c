/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Machine-readable output: the listing, the counters and events as JSON,
 * one object per line, for tools and dashboards.
 */
#include "core/engine.h"
#include "core/alg_call.h"

#include <stddef.h>
#include <string.h>

/* A JSON string (RFC 8259 sec. 7): quotes, backslash and control bytes
 * escaped; bytes above 0x7e as \u00XX so the output is ASCII whatever a
 * name holds. NULL is null. */
static void ph_json_str(ph_out *o, const char *s) {
  if (s == NULL) {
    pinhole__printf(o, "null");
    return;
  }
  pinhole__printf(o, "\"");
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      pinhole__printf(o, "\\%c", c);
    else if (c < 0x20 || c > 0x7e)
      pinhole__printf(o, "\\u%04x", c);
    else
      pinhole__printf(o, "%c", c);
  }
  pinhole__printf(o, "\"");
}

/* a6: the endpoint's IPv6 address, or NULL for IPv4 */
static void ph_json_ep(ph_out *o, const char *key, const pinhole_endpoint *e,
                       const uint8_t *a6) {
  char a[PINHOLE_ADDR6_STRLEN];
  if (a6 == NULL || pinhole_addr6_format(a6, a, sizeof(a)) < 0)
    pinhole_addr_format(e->addr, a, sizeof(a));
  pinhole__printf(o, ",\"%s\":\"%s\",\"%s_port\":%u", key, a, key, e->port);
}

static int ph_json_done(const ph_out *o) {
  return o->used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)o->used;
}

int pinhole_stats_format_json(const pinhole_ctx *ctx, char *buf, size_t len) {
  if (ctx == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  ph_out o = {buf, len, 0};
  if (len)
    buf[0] = '\0';
  pinhole__printf(&o, "{");
  int n = pinhole_counter_count();
  for (int i = 0; i < n; i++)
    pinhole__printf(&o, "%s\"%s\":%llu", i ? "," : "", pinhole_counter_key(i),
                    (unsigned long long)ctx->cnt[i]);
  pinhole__printf(&o, "}\n");
  return ph_json_done(&o);
}

static void ph_json_flow(ph_out *o, const pinhole_flow_info *fi, int pending) {
  pinhole__printf(o, "{\"conversation\":%u,\"alg\":", fi->conv_id);
  ph_json_str(o, fi->alg);
  pinhole__printf(o, ",\"proto\":%u,\"state\":\"%s\",\"dir\":\"%s\"", fi->proto,
                  fi->state == PINHOLE_FLOW_WATCH ? "Watch" : "Forward",
                  fi->dir == PINHOLE_DIR_I ? "I" : "O");
  int v6 = fi->family == 6; /* untranslated: nat_* are src, dst */
  ph_json_ep(o, "src", &fi->src, v6 ? fi->src6 : NULL);
  ph_json_ep(o, "dst", &fi->dst, v6 ? fi->dst6 : NULL);
  /* NAT64: nat_* in the other family */
  const uint8_t *ns = fi->out_family == 6   ? fi->out_src6
                      : fi->out_family == 4 ? NULL
                      : v6                  ? fi->src6
                                            : NULL;
  const uint8_t *nd = fi->out_family == 6   ? fi->out_dst6
                      : fi->out_family == 4 ? NULL
                      : v6                  ? fi->dst6
                                            : NULL;
  ph_json_ep(o, "nat_src", &fi->out_src, ns);
  ph_json_ep(o, "nat_dst", &fi->out_dst, nd);
  pinhole__printf(o, ",\"frames\":%llu,\"bytes\":%llu,\"pending\":%s}\n",
                  (unsigned long long)fi->frames, (unsigned long long)fi->bytes,
                  pending ? "true" : "false");
}

int pinhole_conversations_format_json(const pinhole_ctx *ctx,
                                      const pinhole_conv_filter *f, char *buf,
                                      size_t len) {
  if (ctx == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  if (f != NULL && f->size != sizeof(*f))
    return PINHOLE_ERR_STRUCT_SIZE;
  if (f != NULL && f->prefix > 32)
    return PINHOLE_ERR_RANGE;
  ph_out o = {buf, len, 0};
  if (len)
    buf[0] = '\0';
  ph_convv cv;
  for (ph_convh r = ctx->conv_head; r; r = cv.next) {
    ph_conv_view(ctx, r, &cv);
    if (f != NULL && !pinhole__conv_match(ctx, &cv, f))
      continue;
    pinhole_flow_info fi;
    for (int dir = 0; dir < 2; dir++)
      for (ph_ref x = cv.first; x; x = ph_conv_next_conn(ctx, x)) {
        pinhole__flow_info(ctx, &cv, ph_conn_at(ctx, x), dir, &fi);
        ph_json_flow(&o, &fi, 0);
      }
    for (ph_ref x = cv.pinholes; x; x = ph_pinhole_at(ctx, x)->conv_next) {
      const ph_pinhole *h = ph_pinhole_at(ctx, x);
      if (ph_timer_passed(ctx, &h->timer))
        continue;
      pinhole__pinhole_flow_info(ctx, &cv, h, &fi);
      ph_json_flow(&o, &fi, 1);
    }
  }
  return ph_json_done(&o);
}

int pinhole_event_format_json(const pinhole_event *ev, char *buf, size_t len) {
  if (ev == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  ph_out o = {buf, len, 0};
  if (len)
    buf[0] = '\0';
  pinhole__printf(&o, "{\"event\":\"%s\",\"time_ns\":%llu,\"conversation\":%u",
                  pinhole_event_name(ev->type), (unsigned long long)ev->time_ns,
                  ev->conv_id);
  pinhole__printf(&o, ",\"proto\":%u,\"side\":\"%s\"", ev->proto,
                  ev->side == PINHOLE_SIDE_INSIDE ? "inside" : "outside");
  int v6 = ev->size >= offsetof(pinhole_event, dst6) + sizeof(ev->dst6) &&
           ev->family == 6;
  ph_json_ep(&o, "src", &ev->src, v6 ? ev->src6 : NULL);
  ph_json_ep(&o, "dst", &ev->dst, v6 ? ev->dst6 : NULL);
  int v6nat = v6 && ev->nat_src.addr == 0; /* else NAT64's IPv4 side */
  ph_json_ep(&o, "nat_src", &ev->nat_src, v6nat ? ev->src6 : NULL);
  ph_json_ep(&o, "nat_dst", &ev->nat_dst, v6nat ? ev->dst6 : NULL);
  pinhole__printf(&o, ",\"state\":%s",
                  ev->flow_state == PINHOLE_FLOW_WATCH     ? "\"Watch\""
                  : ev->flow_state == PINHOLE_FLOW_FORWARD ? "\"Forward\""
                                                           : "null");
  pinhole__printf(&o, ",\"rule\":");
  ph_json_str(&o, ev->rule);
  pinhole__printf(&o, ",\"alg\":");
  ph_json_str(&o, ev->alg);
  pinhole__printf(&o, ",\"reason\":");
  ph_json_str(&o, ev->reason);
  if (ev->type == PINHOLE_EVENT_FLOW_CLOSED &&
      ev->size >= offsetof(pinhole_event, bytes_o) + sizeof(ev->bytes_o))
    pinhole__printf(
        &o,
        ",\"frames_i\":%llu,\"frames_o\":%llu,\"bytes_i\":%llu,"
        "\"bytes_o\":%llu",
        (unsigned long long)ev->frames_i, (unsigned long long)ev->frames_o,
        (unsigned long long)ev->bytes_i, (unsigned long long)ev->bytes_o);
  pinhole__printf(&o, "}");
  return ph_json_done(&o);
}

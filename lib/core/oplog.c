/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Events as the system-log lines of a carrier firewall's stateful
 * firewall (RULE_ACCEPT, CREATE_ACCEPT_FLOW, NO_RULE_DROP ...), the
 * layout operators' scripts already parse, with an optional RFC 5424
 * header. docs/operator.md lists every event type's line.
 */
#include "core/engine.h"
#include "core/syslog.h"

#include <stddef.h>
#include <string.h>

/* The tag of an event; *documented is set for the five tags the
 * firewall's documentation defines (they take the ASP_SFW_ prefix). */
static const char *ph_tag(int type, int *documented) {
  *documented = 1;
  switch (type) {
  case PINHOLE_EVENT_RULE_ACCEPT:
  case PINHOLE_EVENT_NO_RULE_DROP:
  case PINHOLE_EVENT_RULE_DISCARD:
  case PINHOLE_EVENT_RULE_REJECT:
    return pinhole_event_name(type);
  case PINHOLE_EVENT_FLOW_CREATED:
    return "CREATE_ACCEPT_FLOW";
  default:
    *documented = 0;
    return pinhole_event_name(type);
  }
}

static int ph_warn(int type) {
  return type == PINHOLE_EVENT_NAT_PORTS_EXHAUSTED ||
         type == PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED ||
         type == PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED ||
         type == PINHOLE_EVENT_TABLE_FULL;
}

/* An event with IPv6 endpoints (family 6: an IPv6 connection, or a
 * NAT64 one whose IPv6 side is src6/dst6, or a NAT64 subscriber). */
static int ph_v6(const pinhole_event *ev) {
  return ev->size >= offsetof(pinhole_event, dst6) + sizeof(ev->dst6) &&
         ev->family == 6;
}

/* The packet's source (or destination) endpoint as it arrived:
 * "198.18.0.2:40000" or "[2001:db8::2]:40000". */
static void ph_ep(char *b, size_t n, const pinhole_event *ev, int dst) {
  const pinhole_endpoint *e = dst ? &ev->dst : &ev->src;
  if (ph_v6(ev))
    pinhole__fmt_ep6(b, n, dst ? ev->dst6 : ev->src6, e->port);
  else
    pinhole__fmt_ep(b, n, e->addr, e->port);
}

/* "proto 6 (TCP)[ application: ALG], IF:src -> dst, " */
static void ph_head(ph_out *o, const pinhole_ctx *ctx, const pinhole_event *ev,
                    int with_app) {
  char s[PINHOLE_ENDPOINT6_STRLEN], d[PINHOLE_ENDPOINT6_STRLEN];
  ph_ep(s, sizeof(s), ev, 0);
  ph_ep(d, sizeof(d), ev, 1);
  const char *ifname = ctx != NULL && ctx->labels[0][0]  ? ctx->labels[0]
                       : ev->side == PINHOLE_SIDE_INSIDE ? "inside"
                                                         : "outside";
  pinhole__printf(o, "proto %u (%s)", ev->proto,
                  pinhole__proto_name(ev->proto));
  if (with_app)
    pinhole__printf(o, " application: %s", ev->alg ? ev->alg : "none");
  pinhole__printf(o, ", %s:%s -> %s, ", ifname, s, d);
}

static void ph_match(ph_out *o, const pinhole_event *ev, const char *action) {
  pinhole__printf(o, "Match SFW %s rule-set: , rule: %s, term: 0", action,
                  ev->rule ? ev->rule : "");
}

static void ph_ip(char *b, size_t n, uint32_t a) {
  pinhole_addr_format(a, b, n);
}

/* The port allocation and block events name a subscriber, not a flow
 * (a NAT64 one by its IPv6 address). */
static void ph_cgn_body(ph_out *o, const pinhole_event *ev) {
  char s[PINHOLE_ENDPOINT6_STRLEN], ns[24];
  if (ev->type == PINHOLE_EVENT_MAPPING_CREATED ||
      ev->type == PINHOLE_EVENT_MAPPING_RELEASED) {
    ph_ep(s, sizeof(s), ev, 0);
    pinhole__fmt_ep(ns, sizeof(ns), ev->nat_src.addr, ev->nat_src.port);
    pinhole__printf(o, "proto %u (%s), %s -> %s, NAT mapping %s", ev->proto,
                    pinhole__proto_name(ev->proto), s, ns,
                    ev->type == PINHOLE_EVENT_MAPPING_CREATED ? "created"
                                                              : "released");
    return;
  }
  if (ph_v6(ev))
    pinhole_addr6_format(ev->src6, s, sizeof(s));
  else
    ph_ip(s, sizeof(s), ev->src.addr);
  ph_ip(ns, sizeof(ns), ev->nat_src.addr);
  pinhole__printf(o, "subscriber %s, public %s, ", s, ns);
  if (ev->type == PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED)
    pinhole__printf(o, "proto %u (%s), port block quota exceeded, limit: %u",
                    ev->proto, pinhole__proto_name(ev->proto), ev->limit);
  else if (ev->type == PINHOLE_EVENT_ADDRESS_BOUND)
    pinhole__printf(o, "address bound");
  else if (ev->type == PINHOLE_EVENT_ADDRESS_RELEASED)
    pinhole__printf(o, "address released");
  else if (ev->type == PINHOLE_EVENT_ADDRESS_ACTIVE)
    pinhole__printf(o, "address binding active");
  else
    pinhole__printf(o, "ports %u-%u, port block %s", ev->port_lo, ev->port_hi,
                    ev->type == PINHOLE_EVENT_PORT_BLOCK_ALLOCATED ? "allocated"
                    : ev->type == PINHOLE_EVENT_PORT_BLOCK_ACTIVE  ? "active"
                                                                  : "released");
}

static void ph_body(ph_out *o, const pinhole_ctx *ctx,
                    const pinhole_event *ev) {
  char nd[24];
  switch (ev->type) {
  case PINHOLE_EVENT_RULE_ACCEPT:
  case PINHOLE_EVENT_RULE_DISCARD:
  case PINHOLE_EVENT_RULE_REJECT:
    ph_head(o, ctx, ev, 1);
    ph_match(o, ev,
             ev->type == PINHOLE_EVENT_RULE_ACCEPT    ? "accept"
             : ev->type == PINHOLE_EVENT_RULE_DISCARD ? "discard"
                                                      : "reject");
    return;
  case PINHOLE_EVENT_FLOW_CREATED:
    ph_head(o, ctx, ev, 1);
    pinhole__printf(o, "creating forward or watch flow");
    return;
  case PINHOLE_EVENT_NO_RULE_DROP:
    ph_head(o, ctx, ev, 0);
    pinhole__printf(o, "No matching SFW rule");
    return;
  case PINHOLE_EVENT_MAPPING_CREATED:
  case PINHOLE_EVENT_MAPPING_RELEASED:
  case PINHOLE_EVENT_PORT_BLOCK_ALLOCATED:
  case PINHOLE_EVENT_PORT_BLOCK_RELEASED:
  case PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED:
  case PINHOLE_EVENT_PORT_BLOCK_ACTIVE:
  case PINHOLE_EVENT_ADDRESS_BOUND:
  case PINHOLE_EVENT_ADDRESS_RELEASED:
  case PINHOLE_EVENT_ADDRESS_ACTIVE:
    ph_cgn_body(o, ev);
    return;
  default:
    break;
  }
  ph_head(o, ctx, ev, 1);
  switch (ev->type) {
  case PINHOLE_EVENT_PINHOLE_CREATED:
    pinhole__fmt_ep(nd, sizeof(nd), ev->nat_dst.addr, ev->nat_dst.port);
    pinhole__printf(o, "opening %s pinhole to %s",
                    ev->flow_state == PINHOLE_FLOW_WATCH ? "watch" : "forward",
                    nd);
    break;
  case PINHOLE_EVENT_PINHOLE_USED:
    pinhole__printf(o, "pinhole used");
    break;
  case PINHOLE_EVENT_PINHOLE_EXPIRED:
    pinhole__printf(o, "pinhole expired");
    break;
  case PINHOLE_EVENT_NAT_PORTS_EXHAUSTED:
    pinhole__printf(o, "NAT ports exhausted");
    if (ev->limit)
      pinhole__printf(o, ", limit: %u", ev->limit);
    break;
  case PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED:
    pinhole__printf(o, "NAT addresses exhausted, pool: %u",
                    ev->size >= offsetof(pinhole_event, pool_id) +
                                    sizeof(ev->pool_id)
                        ? ev->pool_id
                        : 0u);
    break;
  case PINHOLE_EVENT_ALG_ERROR:
    pinhole__printf(o, "ALG error");
    break;
  case PINHOLE_EVENT_UNANNOUNCED_DATA:
    pinhole__printf(o, "data flow not announced by its control flow");
    break;
  case PINHOLE_EVENT_TABLE_FULL:
    pinhole__printf(o, "flow table full");
    break;
  case PINHOLE_EVENT_FLOW_CLOSED:
    pinhole__printf(o, "closing flow");
    if (ev->size >= offsetof(pinhole_event, bytes_o) + sizeof(ev->bytes_o))
      pinhole__printf(
          o, ", frames: %llu/%llu, bytes: %llu/%llu",
          (unsigned long long)ev->frames_i, (unsigned long long)ev->frames_o,
          (unsigned long long)ev->bytes_i, (unsigned long long)ev->bytes_o);
    break;
  default:
    pinhole__printf(o, "event %d", ev->type);
    break;
  }
}

/* ", reason: TEXT" with bytes outside printable ASCII as '?' (a reason is
 * the library's own text, but a line must stay one line). */
static void ph_reason(ph_out *o, const char *r) {
  if (r == NULL)
    return;
  pinhole__printf(o, ", reason: ");
  for (size_t i = 0; r[i] != '\0' && i < 128; i++) {
    unsigned char c = (unsigned char)r[i];
    pinhole__printf(o, "%c", c < 32 || c > 126 ? '?' : (char)c);
  }
}

int pinhole_event_format_syslog(const pinhole_ctx *ctx, const pinhole_event *ev,
                                int flags, uint64_t wall_offset_ns,
                                const char *hostname, char *buf, size_t len) {
  if (ev == NULL || (buf == NULL && len != 0) ||
      (flags & ~(PINHOLE_SYSLOG_RFC5424 | PINHOLE_SYSLOG_ASP_TAGS)) != 0 ||
      (hostname != NULL && !pinhole__hostname_ok(hostname)))
    return PINHOLE_ERR_INVALID_ARG;
  ph_out o = {buf, len, 0};
  if (len)
    buf[0] = '\0';
  int documented;
  const char *tag = ph_tag(ev->type, &documented);
  int asp = (flags & PINHOLE_SYSLOG_ASP_TAGS) && documented;
  if (flags & PINHOLE_SYSLOG_RFC5424) {
    char head[48];
    pinhole__syslog_head(head, sizeof(head), ph_warn(ev->type),
                         wall_offset_ns + ev->time_ns);
    pinhole__printf(&o, "%s%s pinhole - %s%s - ", head,
                    hostname ? hostname : "-", asp ? "ASP_SFW_" : "", tag);
  }
  if (flags & PINHOLE_SYSLOG_ASP_TAGS)
    pinhole__printf(&o, "{%s}[FWNAT]: ", ctx != NULL ? ctx->labels[1] : "");
  pinhole__printf(&o, "%s%s: ", asp ? "ASP_SFW_" : "", tag);
  ph_body(&o, ctx, ev);
  if (ev->type != PINHOLE_EVENT_RULE_ACCEPT &&
      ev->type != PINHOLE_EVENT_FLOW_CREATED &&
      ev->type != PINHOLE_EVENT_NO_RULE_DROP)
    ph_reason(&o, ev->reason);
  return o.used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)o.used;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMP errors through NAT (RFC 5508 sec. 4.2) and rejects: the ICMP ALG
 * and the Traceroute ALG.
 *
 * An ICMP error quotes a packet that left the gateway towards the side the
 * error arrives from. Reversed, the quoted tuple is a tuple as packets
 * arrive from that side, so the connection is found with the ordinary
 * lookup. The quoted header is rewritten back to what the other side sent
 * (its IP checksum and, when present, its L4 checksum updated), the outer
 * destination becomes that side's host, the outer source is translated
 * only when the error comes from the peer itself (a router on the path
 * keeps its own address, RFC 5508 REQ-3), and the ICMP checksum is
 * recomputed over the whole message. Echo identifiers, in queries and in
 * quoted echoes, are the NAPT "port" of an ICMP flow (RFC 5508 REQ-1, 7).
 *
 * The ICMP ALG drops an error whose quote is inconsistent, counted as an
 * ICMP ALG error (PINHOLE_CNT_ALG_ICMP, with the counters it also took):
 * a quote too short to hold an IP header and 8 bytes of L4 (the packet
 * parser's "icmp-err-len", counted in process.c), a quoted protocol no
 * flow can have, a quoted ICMP error (RFC 1122 3.2.2), a quote that
 * matches no flow or a flow of the other side, and an error not addressed
 * to the quoted packet's source. A quoted enhanced GRE packet (PPTP data)
 * is found by its addresses and key call ID as it left the gateway (the
 * only call ID it carries, the receiver's), and its call ID is rewritten
 * back to what the other side sent; a GRE quote of no call is dropped the
 * same way.
 *
 * The Traceroute ALG (UDP probes to 33434-33534 by default, or any flow,
 * ICMP echo too, of a rule with alg "traceroute") admits for its flows
 * only Time Exceeded in transit (type 11 code 0), from any router on the
 * path, and Port Unreachable (type 3 code 3) from the probed host itself
 * (not counted as a UDP port scan: it is how a UDP trace ends). Any other
 * error about a probe is dropped and counted (PINHOLE_CNT_ALG_TRACEROUTE),
 * as is an error quoting a UDP probe to the traceroute ports that matches
 * no flow. Errors about flows of no ALG pass as RFC 5508 requires: from
 * the peer or from a router (Fragmentation Needed for PMTU discovery).
 */
#include "core/alg_call.h"
#include "core/engine.h"
#include "pkt/bytes.h"

#include <string.h>

#define PH_TRACE_PORT_LO 33434 /* traceroute's default UDP ports */
#define PH_TRACE_PORT_HI 33534
#define PH_ICMP_TIME_EXCEEDED 11
#define PH_ICMP_UNREACH 3
#define PH_ICMP_UNREACH_PORT 3

/* Probes are not inspected: the ALG acts on the errors they draw. */
static void ph_trace_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  (void)ac;
  (void)start;
  (void)res;
}

const ph_alg pinhole__alg_traceroute = {
    .name = "traceroute",
    .proto = PINHOLE_IPPROTO_UDP,
    .rule_proto = PINHOLE_IPPROTO_ICMP, /* tracert's echo requests */
    .counter = PINHOLE_CNT_ALG_TRACEROUTE,
    .stream = 0,
    .state_size = 0,
    .ports = {0, 0, 0, 0},
    .port_lo = PH_TRACE_PORT_LO,
    .port_hi = PH_TRACE_PORT_HI,
    .inspect = ph_trace_inspect,
};

static void ph_rewrite32(uint8_t *field, uint8_t *ck, uint32_t v) {
  uint32_t old = ph_get32(field);
  ph_put32(field, v);
  if (ck)
    ph_put16(ck, pinhole_cksum_update32(ph_get16(ck), old, v));
}

static void ph_rewrite16(uint8_t *field, uint8_t *ck, uint16_t v) {
  uint16_t old = ph_get16(field);
  ph_put16(field, v);
  if (ck)
    ph_put16(ck, pinhole_cksum_update16(ph_get16(ck), old, v));
}

/* The quote is a UDP probe to the traceroute ports. */
static int ph_trace_probe(const pinhole_pkt_view *v) {
  return v->inner_proto == PINHOLE_IPPROTO_UDP &&
         v->inner_dport >= PH_TRACE_PORT_LO &&
         v->inner_dport <= PH_TRACE_PORT_HI;
}

/* Drops an error the ICMP ALG (or, trace, the Traceroute ALG) refuses:
 * counted, with flow_cnt (new- or existing-flow discard), and an event. */
static int ph_icmp_refuse(pinhole_ctx *ctx, const pinhole_pkt_view *v, int side,
                          const ph_conn *c, int trace, int flow_cnt,
                          const char *why) {
  ph_count(ctx, flow_cnt);
  ph_count(ctx, PINHOLE_CNT_ERR_ALG);
  ph_count(ctx, trace ? PINHOLE_CNT_ALG_TRACEROUTE : PINHOLE_CNT_ALG_ICMP);
  pinhole__event(ctx, PINHOLE_EVENT_ALG_ERROR, v, side, PH_NIL, 0, c, 0, NULL,
                 trace ? "traceroute" : "icmp", why);
  return PINHOLE_VERDICT_DROP;
}

/* The Traceroute ALG's judgement of an error about one of its flows, from
 * the probed host itself (peer) or not: 0 admits it. */
static int ph_trace_admits(const pinhole_pkt_view *v, int peer) {
  if (v->icmp_type == PH_ICMP_TIME_EXCEEDED && v->icmp_code == 0)
    return 0;
  if (v->icmp_type == PH_ICMP_UNREACH && v->icmp_code == PH_ICMP_UNREACH_PORT &&
      peer)
    return 0;
  return -1;
}

/* The flow a quoted packet belongs to: the reversed quote is a tuple as
 * packets arrive from the error's side; a quoted enhanced GRE packet
 * carries only its receiver's call ID, so it is looked up as it left
 * (pinhole__gre_quote_lookup). A GRE quote that is no PPTP data packet
 * (call ID 0 from the packet parser) matches nothing. */
static ph_conn *ph_quoted_conn(pinhole_ctx *ctx, const pinhole_pkt_view *v,
                               int *dir) {
  if (v->inner_proto == PINHOLE_IPPROTO_GRE)
    return v->inner_dport == 0
               ? NULL
               : pinhole__gre_quote_lookup(ctx, v->inner_src, v->inner_dst,
                                           v->inner_dport, dir);
  uint64_t h = pinhole__key_hash(ctx, v->inner_proto, v->inner_dst,
                                 v->inner_src, v->inner_dport, v->inner_sport);
  return pinhole__conn_lookup(ctx, v->inner_proto, v->inner_dst, v->inner_src,
                              v->inner_dport, v->inner_sport, h, dir);
}

int pinhole__icmp_about_error(pinhole_ctx *ctx) {
  /* an error about an error is never answered (RFC 1122 3.2.2, RFC 4443
   * sec. 2.4) */
  ph_count(ctx, PINHOLE_CNT_ERR_ICMP);
  ph_count(ctx, PINHOLE_CNT_ICMP_ERR_LEN);
  ph_count(ctx, PINHOLE_CNT_ERR_ALG);
  ph_count(ctx, PINHOLE_CNT_ALG_ICMP);
  return PINHOLE_VERDICT_DROP;
}

int pinhole__icmp_error_in(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, int side) {
  uint8_t proto = v->inner_proto;
  if (proto != PINHOLE_IPPROTO_TCP && proto != PINHOLE_IPPROTO_UDP &&
      proto != PINHOLE_IPPROTO_ICMP && proto != PINHOLE_IPPROTO_GRE)
    return ph_icmp_refuse(ctx, v, side, NULL, 0, PINHOLE_CNT_NEW_DISCARD,
                          "quoted protocol has no flows");
  uint8_t *p = pkt->data;
  size_t in = v->inner_off, il4 = v->inner_l4_off;
  if (proto == PINHOLE_IPPROTO_ICMP) {
    uint8_t t = p[il4];
    if (t != 8 && t != 0)
      return pinhole__icmp_about_error(ctx);
  }
  int dir;
  ph_conn *c = ph_quoted_conn(ctx, v, &dir);
  uint8_t want_side = c ? (dir == 0 ? c->a_side : (uint8_t)(c->a_side ^ 1)) : 0;
  if (c == NULL || side != want_side)
    return ph_icmp_refuse(ctx, v, side, NULL, ph_trace_probe(v),
                          PINHOLE_CNT_NEW_DISCARD, "quote matches no flow");
  int trace = c->alg && ph_alg_get(c->alg) == &pinhole__alg_traceroute;
  if (v->dst != v->inner_src)
    return ph_icmp_refuse(ctx, v, side, c, trace, PINHOLE_CNT_EXIST_DISCARD,
                          "error not addressed to the quoted source");
  const ph_tuple *from = dir ? &c->b : &c->a; /* as this side sends */
  const ph_tuple *other = dir ? &c->a : &c->b;
  int peer = v->src == from->src;
  if (trace && ph_trace_admits(v, peer) != 0)
    return ph_icmp_refuse(ctx, v, side, c, 1, PINHOLE_CNT_EXIST_DISCARD,
                          "not time exceeded nor the probed port unreachable");
  if (proto == PINHOLE_IPPROTO_UDP && v->icmp_type == 3 && v->icmp_code == 3 &&
      dir == 1 && !trace) {
    /* port unreachable answering a UDP flow: the port-scan signature */
    ph_count(ctx, PINHOLE_CNT_ERR_UDP);
    ph_count(ctx, PINHOLE_CNT_UDP_PORT_SCAN);
  }
  if (ph_conn_is6(ctx, c)) /* NAT64: to the IPv6 host (core/nat64.c) */
    return pinhole__nat64_error4(ctx, pkt, v, c, peer);
  /* outer header: to the other side's host; from the peer translated */
  uint32_t osrc = peer ? other->dst : v->src;
  uint32_t odst = other->src;
  if (osrc == odst) {
    /* a router address equal to the other side's host: it would leave as
     * a land packet */
    ph_count(ctx, PINHOLE_CNT_ERR_IP);
    ph_count(ctx, PINHOLE_CNT_IP_LAND);
    ph_count(ctx, PINHOLE_CNT_EXIST_DISCARD);
    return PINHOLE_VERDICT_DROP;
  }
  /* the quoted packet becomes what the other side sent: tuple other */
  uint8_t *ick = p + in + 10;
  uint8_t *l4ck = NULL;
  size_t have = v->ip_len;
  if (proto == PINHOLE_IPPROTO_UDP && il4 + 8 <= have && ph_get16(p + il4 + 6))
    l4ck = p + il4 + 6;
  else if (proto == PINHOLE_IPPROTO_TCP && il4 + 18 <= have)
    l4ck = p + il4 + 16;
  if (ph_get32(p + in + 12) != other->src) {
    if (proto != PINHOLE_IPPROTO_ICMP && l4ck)
      ph_rewrite32(p + in + 12, l4ck, other->src);
    else
      ph_put32(p + in + 12, other->src);
    ph_put16(ick,
             pinhole_cksum_update32(ph_get16(ick), v->inner_src, other->src));
  }
  if (ph_get32(p + in + 16) != other->dst) {
    if (proto != PINHOLE_IPPROTO_ICMP && l4ck)
      ph_rewrite32(p + in + 16, l4ck, other->dst);
    else
      ph_put32(p + in + 16, other->dst);
    ph_put16(ick,
             pinhole_cksum_update32(ph_get16(ick), v->inner_dst, other->dst));
  }
  if (proto == PINHOLE_IPPROTO_ICMP) {
    /* quoted echo: its identifier (checksum over the whole echo, which is
     * usually truncated: update it incrementally) */
    ph_rewrite16(p + il4 + 4, p + il4 + 2, other->sport);
  } else if (proto == PINHOLE_IPPROTO_GRE) {
    /* the key's call ID as the other side sent it (no GRE checksum) */
    ph_put16(p + il4 + PH_GRE_CALL_ID, other->dport);
  } else {
    ph_rewrite16(p + il4, l4ck, other->sport);
    ph_rewrite16(p + il4 + 2, l4ck, other->dport);
  }
  ph_rewrite32(p + 12, p + 10, osrc);
  ph_rewrite32(p + 16, p + 10, odst);
  v->src = osrc;
  v->dst = odst;
  pinhole__l4_cksum_full(p, v);
  pkt->len = v->ip_len;
  ph_count(ctx, PINHOLE_CNT_EXIST_ACCEPT);
  return PINHOLE_VERDICT_FORWARD;
}

static uint16_t ph_ip_hdr(uint8_t *o, uint16_t total, uint8_t proto,
                          uint32_t src, uint32_t dst) {
  memset(o, 0, 20);
  o[0] = 0x45;
  ph_put16(o + 2, total);
  o[8] = 64;
  o[9] = proto;
  ph_put32(o + 12, src);
  ph_put32(o + 16, dst);
  uint16_t ck = pinhole_cksum(o, 20);
  ph_put16(o + 10, ck);
  return ck;
}

void pinhole__rst_fill(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq,
                       uint32_t ack, uint32_t payload_len, uint8_t flags) {
  memset(t, 0, 20);
  ph_put16(t, dport);
  ph_put16(t + 2, sport);
  uint32_t seg = payload_len + ((flags & PINHOLE_TCP_SYN) ? 1u : 0u) +
                 ((flags & PINHOLE_TCP_FIN) ? 1u : 0u);
  if (flags & PINHOLE_TCP_ACK) { /* RFC 9293 sec. 3.10.7.1 */
    ph_put32(t + 4, ack);
    t[13] = PINHOLE_TCP_RST;
  } else {
    ph_put32(t + 8, seq + seg);
    t[13] = PINHOLE_TCP_RST | PINHOLE_TCP_ACK;
  }
  t[12] = 5 << 4;
}

void pinhole__reject(pinhole_ctx *ctx, const uint8_t *pkt,
                     const pinhole_pkt_view *v, int side) {
  if (ctx->cb.emit == NULL)
    return;
  uint8_t *o = ctx->emit_buf;
  size_t len;
  if (v->proto == PINHOLE_IPPROTO_TCP) {
    if (v->tcp_flags & PINHOLE_TCP_RST)
      return; /* never answer an RST */
    len = 40;
    ph_ip_hdr(o, (uint16_t)len, PINHOLE_IPPROTO_TCP, v->dst, v->src);
    pinhole__rst_fill(o + 20, v->sport, v->dport, v->seq, v->ack,
                      v->payload_len, v->tcp_flags);
    pinhole_pkt_view ov;
    memset(&ov, 0, sizeof(ov));
    ov.proto = PINHOLE_IPPROTO_TCP;
    ov.l4_off = 20;
    ov.l4_len = 20;
    pinhole__l4_cksum_full(o, &ov);
  } else {
    /* ICMP destination unreachable, communication administratively
     * prohibited (RFC 1812 5.2.7.1), quoting the header and 8 bytes */
    size_t quote = (size_t)v->ihl + 8;
    if (quote > v->ip_len)
      quote = v->ip_len;
    len = 28 + quote;
    ph_ip_hdr(o, (uint16_t)len, PINHOLE_IPPROTO_ICMP, v->dst, v->src);
    uint8_t *m = o + 20;
    memset(m, 0, 8);
    m[0] = 3;
    m[1] = 13;
    memcpy(m + 8, pkt, quote);
    ph_put16(m + 2, pinhole_cksum(m, 8 + quote));
  }
  ctx->cb.emit(ctx, o, len, side, ctx->user);
}

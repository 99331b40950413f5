/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The IPv6 packet path (max_conns6 > 0): the stateful firewall without
 * translation. Validate (pinhole_pkt6_parse), look up (flows6.c), create
 * under an IPv6 rule, track TCP as for IPv4, run the ALGs that know IPv6
 * and admit the data connections they announce (alg6.c), count.
 * docs/ipv6.md says what is built and what is not yet; fragments:
 * core/frag6.c; NAT64: core/nat64.c.
 */
#include "core/alg_call.h"
#include "core/engine.h"
#include "core/frag_reasm.h"
#include "pkt/bytes.h"
#include "pkt/plain6.h"

#include <stddef.h>
#include <string.h>

/* The IPv4-shaped view the shared steps read (TCP tracking, echo
 * sequence checks): addresses folded, ICMPv6 echo types as ICMP's. The
 * offsets fit 16 bits: a packet with its TCP header is past 65535 only
 * in its payload, and l4_len, payload_len saturate there. */
static void ph_view_of6(pinhole_pkt_view *v, const pinhole_pkt6_view *v6,
                        uint32_t fsrc, uint32_t fdst) {
  memset(v, 0, sizeof(*v));
  v->src = fsrc;
  v->dst = fdst;
  v->ip_len = v6->ip_len > 65535u ? 65535u : (uint16_t)v6->ip_len;
  v->proto = v6->proto;
  v->ttl = v6->hlim;
  v->l4_off = (uint16_t)v6->l4_off;
  v->l4_len = v6->l4_len > 65535u ? 65535u : (uint16_t)v6->l4_len;
  v->sport = v6->sport;
  v->dport = v6->dport;
  v->payload_off = v6->payload_off > 65535u ? 0 : (uint16_t)v6->payload_off;
  v->payload_len =
      v6->payload_len > 65535u ? 65535u : (uint16_t)v6->payload_len;
  v->seq = v6->seq;
  v->ack = v6->ack;
  v->tcp_flags = v6->tcp_flags;
  v->tcp_hlen = v6->tcp_hlen;
  v->tcp_win = v6->tcp_win;
  v->icmp_code = v6->icmp_code;
  v->icmp_seq = v6->icmp_seq;
  if (v6->flags & PINHOLE_PKT6F_FIRST_FRAG) /* TCP: its end may be short */
    v->flags |= PINHOLE_PKTF_FRAGMENT | PINHOLE_PKTF_FIRST_FRAG;
  if (v6->flags & PINHOLE_PKT6F_ICMP_QUERY) {
    v->flags |= PINHOLE_PKTF_ICMP_QUERY;
    v->icmp_type = v6->icmp_type == PINHOLE_ICMP6_ECHO ? 8 : 0;
  } else {
    v->icmp_type = v6->icmp_type;
  }
}

/* The last steps of ph_existing6() for a UDP packet of ip_len bytes of
 * a connection no ALG watches and not NAT64: last seen, counts. */
static int ph_udp6_forward(pinhole_ctx *ctx, ph_conn *c, int dir,
                           uint32_t ip_len) {
  c->last_seen = ctx->now_tick;
  ph_conn_count(ctx, c, dir, ip_len);
  return PINHOLE_VERDICT_FORWARD;
}

/* ph_existing6() for a UDP packet of a connection no ALG watches: the
 * same steps (side, NAT64, last seen, counts), without the view. */
static int ph_udp6_established(pinhole_ctx *ctx, pinhole_pkt *pkt,
                               const pinhole_pkt6_view *v6, ph_conn *c, int dir,
                               int side) {
  uint8_t want_side = dir == 0 || (c->flags & PH_CONN_HAIRPIN)
                          ? c->a_side
                          : (uint8_t)(c->a_side ^ 1);
  if (side != want_side)
    return PINHOLE_VERDICT_DROP;
  if (ph_conn_is64(ctx, c)) /* NAT64: translated to IPv4 (core/nat64.c) */
    return pinhole__nat64_out(ctx, pkt, v6, c);
  if (c->flags & PH_CONN_HAIRPIN) /* NAT64 hairpinning (core/nat64.c) */
    return pinhole__nat64_hairpin(ctx, pkt, v6, c, dir);
  return ph_udp6_forward(ctx, c, dir, v6->ip_len);
}

/* An event about an IPv6 packet that has no connection (yet). */
static void ph_event6(pinhole_ctx *ctx, int type, const pinhole_pkt6_view *v6,
                      int side, const char *rule, const char *reason) {
  if (ctx->cb.event == NULL)
    return;
  pinhole_event ev;
  pinhole__event_init(ctx, &ev, type);
  ev.side = (uint8_t)side;
  ev.proto = v6->proto;
  ev.family = 6;
  memcpy(ev.src6, v6->src, 16);
  memcpy(ev.dst6, v6->dst, 16);
  ev.src.port = ev.nat_src.port = v6->sport;
  ev.dst.port = ev.nat_dst.port = v6->dport;
  ev.rule = rule;
  ev.reason = reason;
  ctx->cb.event(ctx, &ev, ctx->user);
}

/* A packet of an existing IPv6 connection from dir: its verdict. */
static int ph_existing6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                        const pinhole_pkt6_view *v6, pinhole_pkt_view *v,
                        ph_conn *c, int dir, int side) {
  uint8_t want_side = dir == 0 || (c->flags & PH_CONN_HAIRPIN)
                          ? c->a_side
                          : (uint8_t)(c->a_side ^ 1);
  if (side != want_side)
    return PINHOLE_VERDICT_DROP;
  if (v6->proto == PINHOLE_IPPROTO_TCP) {
    if (pinhole__tcp_track(ctx, c, dir, pkt->data, v) == PH_DROP)
      return PINHOLE_VERDICT_DROP;
  } else if (v->flags & PINHOLE_PKTF_ICMP_QUERY) {
    int bad = pinhole__icmp_seq_bad(ctx, c, dir, v);
    if (bad) {
      ph_count(ctx, PINHOLE_CNT_ERR_ICMP);
      ph_count(ctx, bad);
      return PINHOLE_VERDICT_DROP;
    }
  }
  /* a Watch datagram's first fragment: reassembled for its ALG
   * (core/frag_reasm.c); -1: passed on unparsed, its ALG error counted;
   * -2: not reassembled */
  int rv = -2;
  if (ph_conn_watched(c) && c->proto == PINHOLE_IPPROTO_UDP &&
      (v->flags & PINHOLE_PKTF_FRAGMENT) && !(c->flags & PH_CONN_HAIRPIN)) {
    rv = pinhole__reasm6_first(ctx, pkt, v6, v, c, dir, side);
    if (rv >= 0)
      return rv;
  }
  if (ph_conn_is64(ctx, c)) { /* NAT64: translated to IPv4 (core/nat64.c) */
    if (rv == -2 &&
        pinhole__nat64_frag_watched(ctx, v, c, dir, side) == PH_DROP)
      return PINHOLE_VERDICT_DROP; /* its later fragments: not matched */
    return pinhole__nat64_out(ctx, pkt, v6, c);
  }
  if (c->flags & PH_CONN_HAIRPIN) /* NAT64 hairpinning (core/nat64.c) */
    return pinhole__nat64_hairpin(ctx, pkt, v6, c, dir);
  c->last_seen = ctx->now_tick;
  if (ph_conn_watched(c) && (v->flags & PINHOLE_PKTF_FRAGMENT)) {
    if (rv == -2)
      pinhole__alg_frag(ctx, v, c, dir, side); /* not inspected: counted */
  } else if (ph_conn_watched(c)) {
    /* its ALG (alg6.c): a split message held, or sent reassembled */
    int vd = pinhole__alg_run6(ctx, pkt, v, c, dir, side);
    if (vd >= 0)
      return vd;
  }
  ph_conn_count(ctx, c, dir, v6->ip_len);
  return PINHOLE_VERDICT_FORWARD;
}

static int ph_full6(pinhole_ctx *ctx, const pinhole_pkt6_view *v6, int side,
                    const char *what) {
  ph_count(ctx, PINHOLE_CNT_DROP_FLOW_FULL);
  ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
  ph_event6(ctx, PINHOLE_EVENT_TABLE_FULL, v6, side, NULL, what);
  return PINHOLE_VERDICT_DROP;
}

/* The answer to a packet a reject rule refused (pkt, parsed as v6), sent
 * back to its sender through emit: a TCP RST as for IPv4 (RFC 9293 sec.
 * 3.10.7.1), else ICMPv6 destination unreachable, code 1 "communication
 * administratively prohibited" (RFC 4443 sec. 3.1) quoting as much of
 * the packet as keeps it within the minimum MTU, 1280 bytes (sec. 2.4
 * (c)). Nothing for an RST, an ICMPv6 error, or a packet to a multicast
 * address (sec. 2.4 (e)). */
static void ph_reject6(pinhole_ctx *ctx, const uint8_t *pkt,
                       const pinhole_pkt6_view *v6, int side) {
  if (ctx->cb.emit == NULL || v6->dst[0] == 0xff)
    return;
  uint8_t *o = ctx->emit_buf;
  size_t plen;
  if (v6->proto == PINHOLE_IPPROTO_TCP) {
    if (v6->tcp_flags & PINHOLE_TCP_RST)
      return;
    plen = 20;
    pinhole__rst_fill(o + 40, v6->sport, v6->dport, v6->seq, v6->ack,
                      v6->payload_len, v6->tcp_flags);
  } else {
    if (v6->proto == PINHOLE_IP6_NH_ICMPV6 && v6->icmp_type < 128)
      return; /* never answer an error */
    size_t quote = v6->ip_len < 1280u - 48u ? v6->ip_len : 1280u - 48u;
    plen = 8 + quote;
    uint8_t *m = o + 40;
    memset(m, 0, 8);
    m[0] = 1; /* destination unreachable */
    m[1] = 1; /* administratively prohibited */
    memcpy(m + 8, pkt, quote);
  }
  memset(o, 0, 40);
  o[0] = 0x60;
  ph_put16(o + 4, (uint16_t)plen);
  o[6] = v6->proto == PINHOLE_IPPROTO_TCP ? PINHOLE_IPPROTO_TCP
                                          : PINHOLE_IP6_NH_ICMPV6;
  o[7] = 64;
  memcpy(o + 8, v6->dst, 16);
  memcpy(o + 24, v6->src, 16);
  pinhole_pkt6_view ov;
  if (pinhole_pkt6_parse(o, 40 + plen, &ov) != PINHOLE_PKT_OK)
    return; /* an address that may not be a source */
  pinhole_pkt6_fix_cksums(o, &ov);
  ctx->cb.emit(ctx, o, 40 + plen, side, ctx->user);
}

/* A packet of no connection: an IPv6 rule decides. */
static int ph_new6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                   const pinhole_pkt6_view *v6, pinhole_pkt_view *v, int side) {
  ph_ref hole = pinhole__pinhole_find6(ctx, side, v, v6->src, v6->dst);
  if (hole != PH_NIL) { /* a data connection an ALG announced (alg6.c) */
    int dir;
    ph_conn *c = pinhole__pinhole_take6(ctx, v6, v, side, hole, &dir);
    if (c == NULL)
      return PINHOLE_VERDICT_DROP;
    return ph_verdict(ctx, 1, ph_existing6(ctx, pkt, v6, v, c, dir, side));
  }
  const ph_rule *pr = pinhole__rule_match6(ctx, side, v6);
  if (pr == NULL) {
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    ph_count(ctx, PINHOLE_CNT_DROP_NO_RULE);
    ph_event6(ctx, PINHOLE_EVENT_NO_RULE_DROP, v6, side, NULL, NULL);
    return PINHOLE_VERDICT_DROP;
  }
  const pinhole_rule *r = &pr->r;
  if (r->action != PINHOLE_ACTION_ACCEPT) {
    int rej = r->action == PINHOLE_ACTION_REJECT;
    ph_count(ctx, rej ? PINHOLE_CNT_NEW_REJECT : PINHOLE_CNT_NEW_DISCARD);
    ph_event6(ctx, rej ? PINHOLE_EVENT_RULE_REJECT : PINHOLE_EVENT_RULE_DISCARD,
              v6, side, r->name, NULL);
    if (!rej)
      return PINHOLE_VERDICT_DROP;
    ph_reject6(ctx, pkt->data, v6, side);
    return PINHOLE_VERDICT_REJECT;
  }
  if (pinhole__tcp_first(ctx, v) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  if (v6->proto == PINHOLE_IP6_NH_ICMPV6 &&
      v6->icmp_type != PINHOLE_ICMP6_ECHO) {
    /* only echo requests open ICMPv6 conversations */
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    return PINHOLE_VERDICT_DROP;
  }
  if (r->nat == PINHOLE_NAT_SOURCE) { /* NAT64 (core/nat64.c) */
    ph_conn *c64;
    if (pinhole__nat64_new(ctx, v6, v, side, pr, &c64) == PH_DROP)
      return PINHOLE_VERDICT_DROP;
    return ph_verdict(ctx, 1, ph_existing6(ctx, pkt, v6, v, c64, 0, side));
  }
  ph_tuple a, b;
  a.src = v->src;
  a.dst = v->dst;
  a.sport = v->sport;
  a.dport = v->dport;
  b.src = a.dst;
  b.dst = a.src;
  b.sport = a.dport;
  b.dport = a.sport;
  uint8_t alg = pinhole__alg6_pick(pr, v6->proto, v6->dport);
  ph_ref conv = PH_NIL; /* a plain connection: no conversation record */
  if (alg && (conv = pinhole__conv_new(ctx, alg, (uint8_t)side)) == PH_NIL)
    return ph_full6(ctx, v6, side, "conversation table full");
  ph_conn *c = pinhole__conn_new6(ctx, conv, v6->proto, (uint8_t)side, &a, &b,
                                  v6->src, v6->dst, v6->dst, v6->src);
  if (c == NULL) {
    if (conv != PH_NIL)
      pinhole__conv_maybe_free(ctx, conv);
    return ph_full6(ctx, v6, side, "IPv6 flow table full");
  }
  ph_cold_set_rule(ctx, c, (uint16_t)(pr - ctx->rules));
  if (alg && pinhole__conn_watch(ctx, c, alg) != 0) {
    pinhole__conn_free(ctx, c);
    return ph_full6(ctx, v6, side, "watch table full");
  }
  pinhole__event_conn_new(ctx, side, c,
                          alg ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD,
                          r->name, pinhole__alg_name(alg), NULL);
  pinhole__conn_touch_timer(ctx, c);
  return ph_verdict(ctx, 1, ph_existing6(ctx, pkt, v6, v, c, 0, side));
}

/* Drops an ICMPv6 error the ICMP ALG refuses (as icmp.c does for IPv4). */
static int ph_error6_refuse(pinhole_ctx *ctx, const pinhole_pkt6_view *v6,
                            int side, int flow_cnt, const char *why) {
  ph_count(ctx, flow_cnt);
  ph_count(ctx, PINHOLE_CNT_ERR_ALG);
  ph_count(ctx, PINHOLE_CNT_ALG_ICMP);
  ph_event6(ctx, PINHOLE_EVENT_ALG_ERROR, v6, side, NULL, why);
  return PINHOLE_VERDICT_DROP;
}

/* An ICMPv6 error (types 1-4): it passes when its quoted packet, reversed,
 * is a packet of a connection arriving from the error's side and it is
 * addressed to the quoted packet's source; nothing is rewritten. */
static int ph_error6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                     const pinhole_pkt6_view *v6, int side) {
  uint8_t proto = v6->inner_proto;
  if (proto != PINHOLE_IPPROTO_TCP && proto != PINHOLE_IPPROTO_UDP &&
      proto != PINHOLE_IP6_NH_ICMPV6)
    return ph_error6_refuse(ctx, v6, side, PINHOLE_CNT_NEW_DISCARD,
                            "quoted protocol has no flows");
  if (v6->inner_frag)
    return ph_error6_refuse(ctx, v6, side, PINHOLE_CNT_NEW_DISCARD,
                            "quoted fragment has no ports");
  if (proto == PINHOLE_IP6_NH_ICMPV6) {
    uint8_t t = pkt->data[v6->inner_l4_off];
    if (t != PINHOLE_ICMP6_ECHO && t != PINHOLE_ICMP6_ECHOREPLY)
      return pinhole__icmp_about_error(ctx);
  }
  int dir;
  ph_conn *c = pinhole__nat64_lookup6(ctx, proto, v6->inner_dst, v6->inner_src,
                                      v6->inner_dport, v6->inner_sport, &dir);
  uint8_t want_side = c ? (dir == 0 ? c->a_side : (uint8_t)(c->a_side ^ 1)) : 0;
  if (c == NULL || side != want_side)
    return ph_error6_refuse(ctx, v6, side, PINHOLE_CNT_NEW_DISCARD,
                            "quote matches no flow");
  if (memcmp(v6->dst, v6->inner_src, 16) != 0)
    return ph_error6_refuse(ctx, v6, side, PINHOLE_CNT_EXIST_DISCARD,
                            "error not addressed to the quoted source");
  if (proto == PINHOLE_IPPROTO_UDP && dir == 1 &&
      v6->icmp_type == PINHOLE_ICMP6_UNREACH && v6->icmp_code == 4) {
    /* port unreachable answering a UDP flow: the port-scan signature */
    ph_count(ctx, PINHOLE_CNT_ERR_UDP);
    ph_count(ctx, PINHOLE_CNT_UDP_PORT_SCAN);
  }
  if (ph_conn_is64(ctx, c)) /* NAT64: to the IPv4 peer (core/nat64.c) */
    return pinhole__nat64_error6(ctx, pkt, v6, c);
  ph_count(ctx, PINHOLE_CNT_EXIST_ACCEPT);
  return PINHOLE_VERDICT_FORWARD;
}

/* Is v6, flagged ND or MLD, one its link would accept: ND with hop limit
 * 255 (RFC 4861 sec. 6.1, 7.1: a receiver discards any other, so it
 * never crossed a router), MLD with hop limit 1 from a link-local or the
 * unspecified source (RFC 3810 sec. 5.1.14, 5.2.13; RFC 2710 sec. 3)?
 * Only those pass unfiltered; anything else with those types is an
 * ordinary ICMPv6 message, so the rules cannot be bypassed by a type. */
static int ph_link_msg6(const pinhole_pkt6_view *v6) {
  static const uint8_t any[16];
  if (v6->flags & PINHOLE_PKT6F_ND)
    return v6->hlim == 255;
  return v6->hlim == 1 &&
         ((v6->src[0] == 0xfe && (v6->src[1] & 0xc0) == 0x80) ||
          memcmp(v6->src, any, 16) == 0);
}

/* The flow hash (pinhole__hash6) of a packet from src to dst: the
 * burst's when it hashed the same. */
static inline uint64_t ph_hash6_hinted(const pinhole_ctx *ctx,
                                       const ph_hint6 *hint, uint8_t proto,
                                       const uint8_t src[16],
                                       const uint8_t dst[16], uint16_t sport,
                                       uint16_t dport) {
  uint64_t s0 = ph_ne64(src), s1 = ph_ne64(src + 8);
  uint64_t d0 = ph_ne64(dst), d1 = ph_ne64(dst + 8);
  if (hint != NULL && hint->proto == proto && hint->sport == sport &&
      hint->dport == dport &&
      ((hint->a[0] ^ s0) | (hint->a[1] ^ s1) | (hint->a[2] ^ d0) |
       (hint->a[3] ^ d1)) == 0)
    return hint->h;
  return ph_hash6_words(ctx, proto, s0, s1, d0, d1, sport, dport);
}

/* A parsed TCP, UDP or echo packet v6 from side, of connection c
 * (direction dir) or of none: its verdict. */
static int ph_found6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                     const pinhole_pkt6_view *v6, ph_conn *c, int dir,
                     int side) {
  pinhole_pkt_view v;
  ph_view_of6(&v, v6, pinhole__fold6(ctx, v6->src),
              pinhole__fold6(ctx, v6->dst));
  if (c != NULL)
    return ph_verdict(ctx, 0, ph_existing6(ctx, pkt, v6, &v, c, dir, side));
  return ph_new6(ctx, pkt, v6, &v, side);
}

int pinhole__process6_full(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                           const ph_hint6 *hint) {
  pinhole_pkt6_view v6;
  int reason = pinhole_pkt6_parse(pkt->data, pkt->len, &v6);
  if (reason != PINHOLE_PKT_OK) {
    pinhole__count_reason(ctx, reason);
    return PINHOLE_VERDICT_DROP;
  }
  if ((v6.flags & PINHOLE_PKT6F_FRAGMENT) && !(v6.flags & PINHOLE_PKT6F_ATOMIC))
    return pinhole__frag6(ctx, pkt, &v6, side); /* core/frag6.c */
  if (v6.flags & (PINHOLE_PKT6F_ND | PINHOLE_PKT6F_MLD)) {
    if (!(ctx->cfg.flags & PINHOLE_CFG_IP6_ND_DROP) && ph_link_msg6(&v6))
      return PINHOLE_VERDICT_FORWARD;
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    ph_count(ctx, PINHOLE_CNT_DROP_NO_RULE);
    return PINHOLE_VERDICT_DROP;
  }
  if (v6.flags & PINHOLE_PKT6F_ICMP_ERROR)
    return ph_error6(ctx, pkt, &v6, side);
  if (v6.proto != PINHOLE_IPPROTO_TCP && v6.proto != PINHOLE_IPPROTO_UDP &&
      !(v6.flags & PINHOLE_PKT6F_ICMP_QUERY)) {
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    ph_count(ctx, PINHOLE_CNT_DROP_NO_RULE);
    return PINHOLE_VERDICT_DROP;
  }
  pkt->len = v6.ip_len; /* link-layer padding is not part of the packet */
  int dir;
  ph_conn *c;
  if (v6.proto != PINHOLE_IP6_NH_ICMPV6) {
    /* TCP and UDP with, from a burst, its hash */
    c = pinhole__conn6_find(ctx, v6.proto, v6.src, v6.dst, v6.sport, v6.dport,
                            ph_hash6_hinted(ctx, hint, v6.proto, v6.src, v6.dst,
                                            v6.sport, v6.dport),
                            &dir);
    if (c != NULL && v6.proto == PINHOLE_IPPROTO_UDP && !ph_conn_watched(c))
      return ph_verdict(ctx, 0,
                        ph_udp6_established(ctx, pkt, &v6, c, dir, side));
  } else { /* ICMPv6: it may be a NAT64 echo */
    c = pinhole__nat64_lookup6(ctx, v6.proto, v6.src, v6.dst, v6.sport,
                               v6.dport, &dir);
  }
  return ph_found6(ctx, pkt, &v6, c, dir, side);
}

/* A plain IPv6 TCP or UDP packet (ph_plain6_check() accepted it as *p:
 * the full parse would say OK, no extension header) of connection c
 * (direction dir, found from the header) or of none: an established UDP
 * packet of a line-form connection (ctx.h ph_conn_line6: not NAT64, not
 * hairpinned) no ALG watches is done without a view, as
 * ph_udp6_established() does it; anything else gets the view the parse
 * would have filled. */
static inline __attribute__((always_inline)) int
ph_plain6_found(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                const ph_plain6 *p, ph_conn *c, int dir) {
  if (c != NULL && p->proto == PINHOLE_IPPROTO_UDP && ph_conn_line6(c) &&
      !(c->flags & (PH_CONN_WATCH | PH_CONN_HAIRPIN))) {
    uint8_t want_side = dir == 0 ? c->a_side : (uint8_t)(c->a_side ^ 1);
    return ph_verdict(ctx, 0,
                      side != want_side
                          ? PINHOLE_VERDICT_DROP
                          : ph_udp6_forward(ctx, c, dir, p->ip_len));
  }
  pinhole_pkt6_view v6;
  ph_plain6_view(pkt->data, p, &v6);
  if (c != NULL && p->proto == PINHOLE_IPPROTO_UDP && !ph_conn_watched(c))
    return ph_verdict(ctx, 0, ph_udp6_established(ctx, pkt, &v6, c, dir, side));
  return ph_found6(ctx, pkt, &v6, c, dir, side);
}

/* The same, looked up from the header under its flow hash h (inline in
 * both its callers: one per call's way keeps its one frame). */
static inline __attribute__((always_inline)) int
ph_process6_plain(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                  const ph_plain6 *p, uint64_t h) {
  const uint8_t *d = pkt->data;
  pkt->len = p->ip_len; /* link-layer padding is not part of the packet */
  int dir = 0;
  ph_conn *c =
      ph_conn6_find(ctx, p->proto, d + 8, d + 24, p->sport, p->dport, h, &dir);
  return ph_plain6_found(ctx, pkt, side, p, c, dir);
}

int pinhole__process6(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                      const ph_hint6 *hint) {
  ph_plain6 p;
  if (ph_plain6_check(pkt->data, pkt->len, &p)) {
    const uint8_t *d = pkt->data;
    return ph_process6_plain(
        ctx, pkt, side, &p,
        ph_hash6_hinted(ctx, hint, p.proto, d + 8, d + 24, p.sport, p.dport));
  }
  return pinhole__process6_full(ctx, pkt, side, hint);
}

/* pinhole__process6_clean() past its common case. */
static __attribute__((noinline)) int
ph_process6_clean_rest(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                       const ph_hint6 *hint, uint32_t ref) {
  if (!hint->plain)
    return pinhole__process6(ctx, pkt, side, hint);
  const ph_plain6 *p = &hint->p;
  if (ref != UINT32_MAX) {
    /* the look-ahead's first candidate, still the lookup's: the
     * connection when its key is the packet's (other keys share its
     * signature) */
    const uint8_t *d = pkt->data;
    ph_conn *c = &ctx->conns[ref >> 1];
    int dir = (int)(ref & 1);
    if (ph_conn6_keyed(ctx, c, dir, p->proto, d + 8, d + 24, p->sport,
                       p->dport)) {
      pkt->len = p->ip_len; /* link-layer padding is not part of it */
      return ph_plain6_found(ctx, pkt, side, p, ph_conn_live(ctx, c), dir);
    }
  }
  return ph_process6_plain(ctx, pkt, side, p, hint->h);
}

/* Are a line-form connection's ports (a_sport6, a_dport6) those of its
 * packets from dir with these ports (sport, dport of p, adjacent in the
 * same order: one 32-bit word each, swapped halves for dir 1)? */
static inline int ph_line6_ports_are(const ph_conn *c, int dir,
                                     const ph_plain6 *p) {
  uint32_t cw, pw;
  memcpy(&cw, &c->a_sport6, sizeof(cw));
  memcpy(&pw, &p->sport, sizeof(pw));
  if (dir)
    pw = pw << 16 | pw >> 16;
  return cw == pw;
}
_Static_assert(offsetof(ph_conn, a_dport6) == offsetof(ph_conn, a_sport6) + 2 &&
                   offsetof(ph_plain6, dport) == offsetof(ph_plain6, sport) + 2,
               "the ports are adjacent, source first");

/* The common case first, with nothing but loads until it is sure: a
 * plain UDP packet whose candidate ref is its connection, in the line
 * form (its side A's packets: source a_src6, destination a_dst6; side
 * B's swapped), no ALG watching it, not hairpinned, idle for less than
 * the shortest timeout (so not stale, ph_conn_stale), from its side:
 * what ph_plain6_found() does for it. Anything else: the rest above,
 * which finds the same connection (or expires it) from the start. */
int pinhole__process6_clean(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                            const ph_hint6 *hint, uint32_t ref) {
  const ph_plain6 *p = &hint->p;
  if (ref == UINT32_MAX || !hint->plain || p->proto != PINHOLE_IPPROTO_UDP)
    return ph_process6_clean_rest(ctx, pkt, side, hint, ref);
  ph_conn *c = &ctx->conns[ref >> 1];
  int dir = (int)(ref & 1);
  const uint8_t *d = pkt->data;
  if (!ph_conn_line6(c) || c->proto != PINHOLE_IPPROTO_UDP ||
      (c->flags & (PH_CONN_WATCH | PH_CONN_HAIRPIN)) ||
      !ph_line6_ports_are(c, dir, p) ||
      !ph_addr6_eq(c->a_src6, dir ? d + 24 : d + 8) ||
      !ph_addr6_eq(c->a_dst6, dir ? d + 8 : d + 24) ||
      (int32_t)(ctx->now_tick - c->last_seen) >= (int32_t)ctx->to_min ||
      (side ^ dir) != c->a_side)
    return ph_process6_clean_rest(ctx, pkt, side, hint, ref);
  pkt->len = p->ip_len; /* link-layer padding is not part of the packet */
  return ph_verdict(ctx, 0, ph_udp6_forward(ctx, c, dir, p->ip_len));
}

int pinhole__process6_first(pinhole_ctx *ctx, pinhole_pkt *pkt,
                            const pinhole_pkt6_view *v6, int side,
                            ph_conn **conn, int *dir) {
  pkt->len = v6->ip_len;
  pinhole_pkt_view v;
  ph_view_of6(&v, v6, pinhole__fold6(ctx, v6->src),
              pinhole__fold6(ctx, v6->dst));
  ph_conn *c = pinhole__conn6_lookup(ctx, v6->proto, v6->src, v6->dst,
                                     v6->sport, v6->dport, dir);
  int vd = c != NULL ? ph_verdict(ctx, 0,
                                  ph_existing6(ctx, pkt, v6, &v, c, *dir, side))
                     : ph_new6(ctx, pkt, v6, &v, side);
  *conn = vd == PINHOLE_VERDICT_FORWARD
              ? pinhole__conn6_lookup(ctx, v6->proto, v6->src, v6->dst,
                                      v6->sport, v6->dport, dir)
              : NULL;
  return vd;
}

int pinhole__existing6_whole(pinhole_ctx *ctx, pinhole_pkt *pkt, ph_conn *c,
                             int dir, int side) {
  pinhole_pkt6_view v6;
  int reason = pinhole_pkt6_parse(pkt->data, pkt->len, &v6);
  if (reason != PINHOLE_PKT_OK) {
    pinhole__count_reason(ctx, reason);
    return PINHOLE_VERDICT_DROP;
  }
  pinhole_pkt_view v;
  ph_view_of6(&v, &v6, pinhole__fold6(ctx, v6.src),
              pinhole__fold6(ctx, v6.dst));
  return ph_existing6(ctx, pkt, &v6, &v, c, dir, side);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ALGs on IPv6 connections (the firewall, no translation; docs/ipv6.md):
 * which ALG watches a new IPv6 connection, running it on a packet, and
 * the IPv6 data connection an ALG's pinhole admits. ALGs on NAT64
 * connections (FTP64, docs/nat64.md): which one watches, running it on
 * the IPv4 form of each packet (the NAT64 data connection its pinhole
 * admits is core/nat64.c's). A message split across segments is held
 * and reassembled on both as on IPv4 (core/stream.c). The module services
 * for IPv6 (pinhole__alg_family, _ends6, _policy6, IPv6 pinhole requests)
 * are in core/alg.c beside their IPv4 forms.
 *
 * An IPv6 pinhole is filed like an IPv4 one under the keyed folds of its
 * addresses (flows6.c), with the full addresses beside it
 * (ctx->pinhole6); the packet it admits must match both, so two hosts
 * whose addresses fold alike are told apart.
 */
#include "core/alg_call.h"
#include "core/engine.h"

#include <string.h>

/* The ALG rule pr names for proto, or the one by port (0: none). */
static uint8_t ph_rule_alg(const ph_rule *pr, uint8_t proto, uint16_t dport) {
  uint8_t alg = pr->alg;
  if (alg == PH_ALG_NONE)
    return 0;
  if (alg == 0)
    return pinhole__alg_by_port(proto, dport);
  return pinhole__alg_fits(alg, proto) ? alg : 0;
}

uint8_t pinhole__alg6_pick(const ph_rule *pr, uint8_t proto, uint16_t dport) {
  uint8_t alg = ph_rule_alg(pr, proto, dport);
  return alg && ph_alg_get(alg)->ipv6 ? alg : 0;
}

uint8_t pinhole__alg64_pick(const ph_rule *pr, uint8_t proto, uint16_t dport) {
  uint8_t alg = ph_rule_alg(pr, proto, dport);
  return alg && ph_alg_get(alg)->nat64 ? alg : 0;
}

/* After c's ALG ran on a packet of an IPv6 or NAT64 connection (changed:
 * pinhole__alg_run's bits): a held payload's ACK goes on, a reassembled
 * message goes out whole or in segments (core/stream.c, as on IPv4).
 * -1 when the packet goes on, its checksums set when it changed. */
static int ph_alg_after6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                         pinhole_pkt_view *v, ph_conn *c, int dir, int side,
                         int changed) {
  if (changed & (PH_ALG_HELD | PH_ALG_MERGED))
    c->last_seen = ctx->now_tick;
  if (changed & PH_ALG_HELD) {
    pinhole__stream_held_ack(ctx, pkt, v, c, dir, side);
    return PINHOLE_VERDICT_HELD;
  }
  if (changed & PH_ALG_MERGED)
    return pinhole__stream_merged(ctx, pkt, v, c, dir, side);
  /* rewrites (and so sequence corrections) are NAT64's only */
  if (v->proto == PINHOLE_IPPROTO_TCP && ph_conn_is64(ctx, c))
    pinhole__tcp_seq_adjust(ctx, c, dir, pkt->data, v, changed);
  if (changed)
    pinhole__seg_cksums(pkt->data, v);
  return -1;
}

int pinhole__alg_run64(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                       ph_conn *c, int dir, int side) {
  int changed = 0;
  if (pinhole__alg_run(ctx, pkt, v, c, dir, side, &changed) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  return ph_alg_after6(ctx, pkt, v, c, dir, side, changed);
}

int pinhole__alg_run6(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                      ph_conn *c, int dir, int side) {
  int changed = 0;
  /* nothing is rewritten on IPv6 (alg.c): a payload changes only when a
   * split message's start is held or a held one completed */
  if (pinhole__alg_run(ctx, pkt, v, c, dir, side, &changed) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  return ph_alg_after6(ctx, pkt, v, c, dir, side, changed);
}

static ph_conn *ph_refuse6(pinhole_ctx *ctx, const pinhole_pkt_view *v,
                           int side, const char *what) {
  ph_count(ctx, PINHOLE_CNT_DROP_FLOW_FULL);
  ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
  pinhole__event(ctx, PINHOLE_EVENT_TABLE_FULL, v, side, 0, 0, NULL, 0, NULL,
                 NULL, what);
  return NULL;
}

ph_conn *pinhole__pinhole_take6(pinhole_ctx *ctx, const pinhole_pkt6_view *v6,
                                const pinhole_pkt_view *v, int side, ph_ref ref,
                                int *dir) {
  ph_pinhole *h = ph_pinhole_at(ctx, ref);
  ph_conv *cv = ph_conv_at(ctx, h->conv);
  if (pinhole__tcp_first(ctx, v) == PH_DROP)
    return NULL;
  /* side A is the conversation initiator's side */
  ph_tuple in, rev;
  pinhole__tuple6(ctx, &in, v6->src, v6->dst, v6->sport, v6->dport);
  pinhole__tuple6(ctx, &rev, v6->dst, v6->src, v6->dport, v6->sport);
  *dir = side == cv->a_side ? 0 : 1;
  ph_ref conv = h->conv;
  const uint8_t *a_src = *dir ? v6->dst : v6->src;
  const uint8_t *a_dst = *dir ? v6->src : v6->dst;
  ph_conn *c =
      pinhole__conn_new6(ctx, conv, v6->proto, cv->a_side, *dir ? &rev : &in,
                         *dir ? &in : &rev, a_src, a_dst, a_dst, a_src);
  if (c == NULL)
    return ph_refuse6(ctx, v, side, "IPv6 flow table full");
  if (h->watch && pinhole__conn_watch(ctx, c, h->alg) != 0) {
    pinhole__conn_free(ctx, c);
    return ph_refuse6(ctx, v, side, "watch table full");
  }
  if (*dir)
    c->flags |= PH_CONN_B_OPENED;
  /* the view is folded: the trace shows no addresses */
  pinhole__pinhole_used(ctx, ref, NULL, v, side, c, *dir);
  return c;
}

/* ---- NAT64 services for SIP (docs/nat64.md "SIP over NAT64") ---------- */

/* The index of the NAT64 prefix the control connection's server is
 * under (the first that holds it, as core/nat64.c picks), or -1. */
static int ph_prefix_index(const ph_alg_call *ac) {
  uint32_t v4;
  return pinhole__nat64_prefix_of(ac->ctx,
                                  ph_conn6_addr(ac->ctx, ac->conn, 0, 1), &v4);
}

int pinhole__alg_map6_flags(ph_alg_call *ac, uint8_t proto,
                            const uint8_t addr[16], uint16_t port,
                            unsigned flags, pinhole_endpoint *pub,
                            uint32_t *mapref, uint32_t *mapref2) {
  *mapref = 0;
  if (mapref2)
    *mapref2 = 0;
  memset(pub, 0, sizeof(*pub));
  if (pinhole__alg_family(ac) != 64 ||
      !ph_cold_mapped(ph_cold(ac->ctx, ac->conn)))
    return PINHOLE_ERR_INVALID_ARG;
  /* the mappings made name their IPv6 host and prefix (ctx map6: logs,
   * hairpinning), as a NAT64 connection's own do (core/nat64.c) */
  pinhole_ctx *ctx = ac->ctx;
  int k = ph_prefix_index(ac);
  ctx->map6_next = k >= 0 ? addr : NULL;
  ctx->map6_pfx = (uint8_t)(k >= 0 ? k : 0);
  int rv = pinhole__alg_map(ac, proto, pinhole__fold6(ctx, addr), port, flags,
                            pub, mapref, mapref2);
  ctx->map6_next = NULL;
  /* no IPv4 host behind them (core/nat64.c) */
  if (rv == 0)
    ph_map_at(ac->ctx, *mapref)->flags |= PH_MAPF_NAT64;
  if (rv == 0 && mapref2 && *mapref2)
    ph_map_at(ac->ctx, *mapref2)->flags |= PH_MAPF_NAT64;
  return rv;
}

int pinhole__alg_prefix64(const ph_alg_call *ac, uint8_t prefix[16],
                          unsigned *plen) {
  if (pinhole__alg_family(ac) != 64)
    return PINHOLE_ERR_NOMATCH;
  int k = ph_prefix_index(ac);
  if (k < 0)
    return PINHOLE_ERR_NOMATCH;
  memcpy(prefix, ac->ctx->nat64_prefix[k], 16);
  *plen = ac->ctx->nat64_plen[k];
  return 0;
}

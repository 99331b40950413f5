/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The packet path: validate, look up, create (pinhole or rule), translate,
 * inspect, count. See DESIGN.md "The packet path".
 */
#include "core/engine.h"
#include "core/alg_call.h"
#include "core/frag_reasm.h"
#include "core/tcp.h"
#include "flow/hash_internal.h"
#include "pkt/bytes.h"
#include "pkt/pkt_cksum.h"
#include "pkt/plain4.h"

#include <stddef.h>
#include <string.h>

/* pinhole_pkt_reason -> (group counter, detail counter) */
static const uint8_t ph_reason_cnt[][2] = {
    [PINHOLE_PKT_NON_IP] = {PINHOLE_CNT_ERR_NON_IP, PINHOLE_CNT_ERR_NON_IP},
    [PINHOLE_PKT_IP_NON_IPV4] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_NON_IPV4},
    [PINHOLE_PKT_IP_MIN_HDR] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_MIN_HDR},
    [PINHOLE_PKT_IP_LEN] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LEN},
    [PINHOLE_PKT_IP_TTL_ZERO] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_TTL_ZERO},
    [PINHOLE_PKT_IP_PROTO] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_PROTO},
    [PINHOLE_PKT_IP_LAND] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LAND},
    [PINHOLE_PKT_IP_SRC] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_SRC},
    [PINHOLE_PKT_IP_DST] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_DST},
    [PINHOLE_PKT_IP_CKSUM] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_CKSUM},
    [PINHOLE_PKT_IP_FRAG_LEN] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_FRAG_LEN},
    [PINHOLE_PKT_IP_OPTION] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_UNKNOWN},
    [PINHOLE_PKT_TCP_HDR_LEN] = {PINHOLE_CNT_ERR_TCP, PINHOLE_CNT_TCP_HDR_LEN},
    [PINHOLE_PKT_TCP_PORT_ZERO] = {PINHOLE_CNT_ERR_TCP,
                                   PINHOLE_CNT_TCP_PORT_ZERO},
    [PINHOLE_PKT_TCP_FLAGS] = {PINHOLE_CNT_ERR_TCP, PINHOLE_CNT_TCP_FLAGS},
    [PINHOLE_PKT_UDP_SHORT] = {PINHOLE_CNT_ERR_UDP, PINHOLE_CNT_UDP_SHORT},
    [PINHOLE_PKT_UDP_PORT_ZERO] = {PINHOLE_CNT_ERR_UDP,
                                   PINHOLE_CNT_UDP_PORT_ZERO},
    [PINHOLE_PKT_UDP_LEN] = {PINHOLE_CNT_ERR_UDP, PINHOLE_CNT_UDP_LEN},
    [PINHOLE_PKT_ICMP_SHORT] = {PINHOLE_CNT_ERR_ICMP, PINHOLE_CNT_ICMP_SHORT},
    [PINHOLE_PKT_ICMP_ERR_LEN] = {PINHOLE_CNT_ERR_ICMP,
                                  PINHOLE_CNT_ICMP_ERR_LEN},
    /* IPv6 (process6.c): the IPv4 counter of the same class */
    [PINHOLE_PKT_IP6_HDR] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_MIN_HDR},
    [PINHOLE_PKT_IP6_LEN] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LEN},
    [PINHOLE_PKT_IP6_JUMBO] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LEN},
    [PINHOLE_PKT_IP6_SRC] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_SRC},
    [PINHOLE_PKT_IP6_DST] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_DST},
    [PINHOLE_PKT_IP6_EXT] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_UNKNOWN},
    [PINHOLE_PKT_IP6_EXT_ORDER] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_UNKNOWN},
    /* routing header type 0: IPv6's source route, the "IP option" drop */
    [PINHOLE_PKT_IP6_ROUTING] = {PINHOLE_CNT_DROP_IP_OPTION,
                                 PINHOLE_CNT_DROP_IP_OPTION},
    [PINHOLE_PKT_IP6_FRAG_LEN] = {PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_FRAG_LEN},
    [PINHOLE_PKT_IP6_FRAG_CHAIN] = {PINHOLE_CNT_ERR_IP,
                                    PINHOLE_CNT_IP_FRAG_LEN},
    [PINHOLE_PKT_UDP6_CKSUM_ZERO] = {PINHOLE_CNT_ERR_UDP,
                                     PINHOLE_CNT_UDP6_CKSUM_ZERO},
};

static void ph_count_reason(pinhole_ctx *ctx, int reason) {
  if (reason <= 0 ||
      (size_t)reason >= sizeof(ph_reason_cnt) / sizeof(ph_reason_cnt[0])) {
    ph_count(ctx, PINHOLE_CNT_ERR_IP);
    ph_count(ctx, PINHOLE_CNT_IP_UNKNOWN);
    return;
  }
  ph_count(ctx, ph_reason_cnt[reason][0]);
  if (ph_reason_cnt[reason][1] != ph_reason_cnt[reason][0])
    ph_count(ctx, ph_reason_cnt[reason][1]);
  if (reason == PINHOLE_PKT_ICMP_ERR_LEN) {
    /* an ICMP error whose quote does not parse: the ICMP ALG's (icmp.c) */
    ph_count(ctx, PINHOLE_CNT_ERR_ALG);
    ph_count(ctx, PINHOLE_CNT_ALG_ICMP);
  }
}

/* A translation that would send the packet out with its source equal to
 * its destination (an inside host hairpinning to the public address, or a
 * spoofed source through destination NAT): refused as a land attack. */
static ph_status ph_land_after_nat(pinhole_ctx *ctx, uint32_t out_src,
                                   uint32_t out_dst) {
  if (out_src != out_dst)
    return PH_PASS;
  ph_count_reason(ctx, PINHOLE_PKT_IP_LAND);
  ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
  return PH_DROP;
}

/* ICMP echo sequence checks (the carrier's duplicate/mismatched ping):
 * the counter of the failed check, or 0. */
static int ph_icmp_seq_bad(uint16_t *seq, uint8_t *valid, int dir,
                           const pinhole_pkt_view *v) {
  if (!(v->flags & PINHOLE_PKTF_ICMP_QUERY) || v->icmp_type > 8)
    return 0;
  int request = v->icmp_type == 8;
  if (request != (dir == 0))
    return PINHOLE_CNT_ICMP_MISMATCH_SEQ; /* echo in the wrong direction */
  if (request) {
    if (*valid && *seq == v->icmp_seq)
      return PINHOLE_CNT_ICMP_DUP_SEQ;
    *seq = v->icmp_seq;
    *valid = 1;
    return 0;
  }
  if (*valid && v->icmp_seq != *seq) {
    /* a reply may answer any recent request; allow a small window */
    uint16_t behind = (uint16_t)(*seq - v->icmp_seq);
    if (behind > 64)
      return PINHOLE_CNT_ICMP_MISMATCH_SEQ;
  }
  return 0;
}

/* Does a packet of connection c from direction dir arrive on the side it
 * must (side A's own for dir 0 and for a hairpin, the other for dir 1)?
 * ph_existing() and the direct paths ask it first: a packet on the wrong
 * side is dropped with nothing changed. */
static inline int ph_side_ok(const ph_conn *c, int dir, int side) {
  uint8_t want_side = dir == 0 || (c->flags & PH_CONN_HAIRPIN)
                          ? c->a_side
                          : (uint8_t)(c->a_side ^ 1);
  return side == want_side;
}

/* A packet of an existing connection, from direction dir: its verdict
 * (the reasons for a drop are counted here, the verdict by the caller). */
static int ph_existing(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                       ph_conn *c, int dir, int side) {
  if (!ph_side_ok(c, dir, side))
    return PINHOLE_VERDICT_DROP;
  if (v->proto == PINHOLE_IPPROTO_TCP) {
    if (pinhole__tcp_track(ctx, c, dir, pkt->data, v) == PH_DROP)
      return PINHOLE_VERDICT_DROP;
  } else if (v->proto == PINHOLE_IPPROTO_ICMP) {
    int bad = ph_icmp_seq_bad(&c->icmp_seq, &c->icmp_seq_valid, dir, v);
    if (bad) {
      ph_count(ctx, PINHOLE_CNT_ERR_ICMP);
      ph_count(ctx, bad);
      return PINHOLE_VERDICT_DROP;
    }
  }
  c->last_seen = ctx->now_tick;

  int changed = 0;
  if ((v->flags & PINHOLE_PKTF_FRAGMENT) && c->watch &&
      v->proto == PINHOLE_IPPROTO_UDP) {
    /* a Watch datagram: reassembled for its ALG (core/frag_reasm.c); -1:
     * passed on unparsed, later fragments follow this one's translation */
    int vd = pinhole__reasm_first(ctx, pkt, v, c, dir, side);
    if (vd >= 0)
      return vd;
  } else if (v->flags & PINHOLE_PKTF_FRAGMENT) {
    /* a first fragment: later ones follow its translation */
    pinhole__frag_first(ctx, side, v, pkt->data, c, dir);
    if (c->watch)
      pinhole__alg_frag(ctx, v, c, dir, side);
  } else if (c->watch) {
    if (pinhole__alg_run(ctx, pkt, v, c, dir, side, &changed) == PH_DROP)
      return PINHOLE_VERDICT_DROP;
    if (changed & PH_ALG_HELD) {
      /* its payload waits in the pool; its ACK goes on */
      pinhole__stream_held_ack(ctx, pkt, v, c, dir, side);
      return PINHOLE_VERDICT_HELD;
    }
    if (changed & PH_ALG_MERGED)
      return pinhole__stream_send(ctx, pkt, v, c, dir, side);
  }
  pinhole__translate(ctx, pkt->data, v, c, dir, changed);
  if (c->watch && v->proto == PINHOLE_IPPROTO_TCP)
    pinhole__tcp_seq_adjust(ctx, c, dir, pkt->data, v, changed);
  if (changed)
    pinhole__l4_cksum_full(pkt->data, v);
  c->frames[dir]++; /* forwarded frames only: the ALG may have dropped it */
  c->bytes[dir] += v->ip_len;
  return (c->flags & PH_CONN_HAIRPIN) ? PINHOLE_VERDICT_HAIRPIN
                                      : PINHOLE_VERDICT_FORWARD;
}

int pinhole__existing_whole(pinhole_ctx *ctx, pinhole_pkt *pkt, ph_conn *c,
                            int dir, int side) {
  pinhole_pkt_view v;
  int reason = pinhole_pkt_parse(pkt->data, pkt->len, &v);
  if (reason != PINHOLE_PKT_OK) {
    ph_count_reason(ctx, reason);
    return PINHOLE_VERDICT_DROP;
  }
  return ph_existing(ctx, pkt, &v, c, dir, side);
}

static void ph_reverse(ph_tuple *b, const ph_tuple *a) {
  b->src = a->dst;
  b->dst = a->src;
  b->sport = a->dport;
  b->dport = a->sport;
}

static void ph_tuple_of(ph_tuple *t, const pinhole_pkt_view *v) {
  t->src = v->src;
  t->dst = v->dst;
  t->sport = v->sport;
  t->dport = v->dport;
}

static int ph_refuse_full(pinhole_ctx *ctx, const pinhole_pkt_view *v, int side,
                          const char *what) {
  ph_count(ctx, PINHOLE_CNT_DROP_FLOW_FULL);
  ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
  pinhole__event(ctx, PINHOLE_EVENT_TABLE_FULL, v, side, 0, 0, NULL, 0, NULL,
                 NULL, what);
  return PINHOLE_VERDICT_DROP;
}

/* A TCP connection may only begin with a SYN; SYN defense. */
static ph_status ph_tcp_first(pinhole_ctx *ctx, const pinhole_pkt_view *v) {
  if (v->proto != PINHOLE_IPPROTO_TCP)
    return PH_PASS;
  if ((v->tcp_flags & (PINHOLE_TCP_SYN | PINHOLE_TCP_ACK)) != PINHOLE_TCP_SYN) {
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    ph_count(ctx, PINHOLE_CNT_ERR_TCP);
    ph_count(ctx, PINHOLE_CNT_TCP_NOT_SYN);
    return PH_DROP;
  }
  if (ctx->half_open >= ctx->cfg.max_half_open) {
    ph_count(ctx, PINHOLE_CNT_DROP_SYN_DEFENSE);
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    return PH_DROP;
  }
  return PH_PASS;
}

/* A new connection through a pinhole an ALG opened. */
static int ph_from_pinhole(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, int side, ph_ref ref,
                           int reverse, uint64_t hash) {
  ph_pinhole *h = ph_pinhole_at(ctx, ref);
  ph_conv *cv = ph_conv_at(ctx, h->conv);
  if (ph_tcp_first(ctx, v) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  ph_tuple in, out;
  ph_tuple_of(&in, v);
  out = in;
  if (reverse) {
    /* the inside endpoint speaks first: it leaves as the pinhole's
     * public endpoint, and the answer will come back the same way */
    out.src = h->dst;
    out.sport = h->dport;
  } else if (h->to_addr) {
    out.dst = h->to_addr;
    out.dport = h->to_port;
  }
  uint32_t mapping = h->mapping;
  h->mapping = 0;
  if (h->snat_pool && !reverse) {
    /* a data connection from the NATed side: map its source like the
     * control connection's (same pool, so the same public address) */
    int why = 0;
    mapping = pinhole__map_get(ctx, h->snat_pool - 1u, v->proto, v->src,
                               v->sport, 0, 0, &why);
    if (mapping == 0) {
      pinhole__map_refused(ctx, why, v, side, NULL);
      return PINHOLE_VERDICT_DROP;
    }
    ph_map_at(ctx, mapping)->flags &= (uint8_t)~PH_MAPF_ALG;
    out.src = ph_map_at(ctx, mapping)->paddr;
    out.sport = ph_map_at(ctx, mapping)->pport;
  }
  if (ph_land_after_nat(ctx, out.src, out.dst) == PH_DROP) {
    if (h->snat_pool)
      pinhole__map_put(ctx, mapping);
    else
      h->mapping = mapping;
    return PINHOLE_VERDICT_DROP;
  }
  /* side A is the conversation initiator's side */
  ph_tuple a, b;
  int dir;
  if (side == cv->a_side) {
    a = in;
    ph_reverse(&b, &out);
    dir = 0;
  } else {
    b = in;
    ph_reverse(&a, &out);
    dir = 1;
  }
  ph_ref conv = h->conv;
  ph_conn *c = pinhole__conn_new_hashed(ctx, conv, v->proto, cv->a_side, &a, &b,
                                        hash, dir);
  if (c == NULL) {
    if (h->snat_pool && !reverse)
      pinhole__map_put(ctx, mapping);
    else
      h->mapping = mapping;
    return ph_refuse_full(ctx, v, side, "flow table full");
  }
  ph_cold_set_map(ctx, c, mapping);
  if (h->watch && pinhole__conn_watch(ctx, c, h->alg) != 0) {
    pinhole__conn_free(ctx, c); /* gives the mapping back */
    return ph_refuse_full(ctx, v, side, "watch table full");
  }
  if (dir)
    c->flags |= PH_CONN_B_OPENED;
  pinhole__pinhole_used(ctx, ref, v, v, side, c, dir);
  return ph_verdict(ctx, 1, ph_existing(ctx, pkt, v, c, dir, side));
}

static int ph_tuple_eq(const ph_tuple *x, const ph_tuple *y) {
  return x->src == y->src && x->dst == y->dst && x->sport == y->sport &&
         x->dport == y->dport;
}

/* Builds side B's tuple for a new connection under a rule's NAT. nh:
 * the burst look-ahead's work for it, or NULL; *g: the side B tuple
 * guessed and its key hash (g->ok 0: none), for the caller to take when
 * *b came out the same (g->ok 2: the look-ahead's mapping taken whole,
 * *b its guess exactly; g->b is not filled, only g->hb). */
static ph_status ph_rule_nat(pinhole_ctx *ctx, const ph_rule *pr,
                             const pinhole_pkt_view *v, int side,
                             const ph_tuple *a, ph_tuple *b, ph_ref *mapping,
                             uint8_t alg, const ph_new_ahead *nh,
                             ph_new_ahead *g) {
  const pinhole_rule *r = &pr->r;
  ph_reverse(b, a);
  *mapping = 0;
  g->ok = 0;
  switch (r->nat) {
  case PINHOLE_NAT_SOURCE: {
    int why = 0;
    /* the privileged-port rule: rsh/rlogin keep a port below 1024 */
    unsigned fl = alg && pinhole__alg_privileged(alg, v->proto, a->sport)
                      ? PH_MAP_PRIV
                      : 0;
    if (nh != NULL && fl == 0 && nh->pool == (uint32_t)r->pool &&
        nh->iaddr == a->src && nh->iport == a->sport && nh->proto == v->proto &&
        nh->b.src == a->dst && nh->b.sport == a->dport) {
      /* the look-ahead's new mapping, when it still holds: side B is its
       * guess exactly, its key hashed, its lines asked for */
      ph_ref m = pinhole__map_take_ahead(ctx, nh);
      if (m != 0) {
        b->dst = nh->b.dst; /* the same address index */
        b->dport = ph_map_at(ctx, m)->pport;
        if (b->dport == nh->b.dport) { /* the guess's port: its key */
          g->hb = nh->hb;
          g->ok = 2;
        }
        *mapping = m;
        return PH_PASS;
      }
    }
    /* the new flow's dependent lines (mapping probe, public port, side
     * B's key, its bucket) loaded together under port preservation's
     * guess; a wrong guess costs only the prefetches */
    ph_map_ahead ah;
    pinhole__map_ahead(ctx, (uint32_t)r->pool, v->proto, a->src, a->sport, fl,
                       nh, &ah);
    if (ah.paddr != 0) {
      g->b = *b;
      g->b.dst = ah.paddr;
      g->b.dport = ah.pport;
      if (v->proto == PINHOLE_IPPROTO_ICMP)
        g->b.sport = g->b.dport;
      /* the look-ahead's guess the same: its key hashed, its lines asked */
      g->hb = nh != NULL && nh->proto == v->proto && ph_tuple_eq(&nh->b, &g->b)
                  ? nh->hb
                  : pinhole__conn_new_prefetch(ctx, v->proto, &g->b);
      g->ok = 1;
    }
    ph_ref m = pinhole__map_get_ahead(ctx, &ah, 0, fl, &why);
    if (m == 0) {
      pinhole__map_refused(ctx, why, v, side, r->name);
      return PH_DROP;
    }
    /* the endpoint's own traffic: its mapping is an ordinary one now */
    ph_map_at(ctx, m)->flags &= (uint8_t)~PH_MAPF_ALG;
    b->dst = ph_map_at(ctx, m)->paddr;
    b->dport = ph_map_at(ctx, m)->pport;
    if (v->proto == PINHOLE_IPPROTO_ICMP)
      b->sport = b->dport;
    *mapping = m;
    return PH_PASS;
  }
  case PINHOLE_NAT_DEST:
    b->src = r->nat_addr;
    if (r->nat_port && v->proto != PINHOLE_IPPROTO_ICMP)
      b->sport = r->nat_port;
    return PH_PASS;
  case PINHOLE_NAT_STATIC:
    if (side == PINHOLE_SIDE_INSIDE)
      b->dst = (r->nat_addr & pr->src_mask) | (a->src & ~pr->src_mask);
    else
      b->src = (r->nat_addr & pr->dst_mask) | (a->dst & ~pr->dst_mask);
    return PH_PASS;
  default:
    return PH_PASS;
  }
}

/* Endpoint-independent filtering (RFC 4787 REQ-8 option): any remote may
 * reach an existing mapping; the connection belongs to a new conversation
 * initiated from outside. */
static int ph_from_mapping(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, int side, uint32_t m,
                           uint64_t hash) {
  if (ph_tcp_first(ctx, v) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  const ph_mapping *mp = ph_map_at(ctx, m);
  ph_tuple a, b;
  ph_tuple_of(&a, v);
  b.src = mp->iaddr;
  b.sport = mp->iport;
  b.dst = a.src;
  b.dport = a.sport;
  if (ph_land_after_nat(ctx, b.dst, b.src) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  ph_conn *c = pinhole__conn_new_hashed(ctx, PH_NIL, v->proto, (uint8_t)side,
                                        &a, &b, hash, 0);
  if (c == NULL)
    return ph_refuse_full(ctx, v, side, "flow table full");
  pinhole__map_ref(ctx, m);
  ph_cold_set_map(ctx, c, m);
  pinhole__event(ctx, PINHOLE_EVENT_FLOW_CREATED, v, side, PH_NIL,
                 PINHOLE_FLOW_FORWARD, c, 0, NULL, NULL,
                 "endpoint-independent filtering");
  pinhole__conn_touch_timer(ctx, c);
  return ph_verdict(ctx, 1, ph_existing(ctx, pkt, v, c, 0, side));
}

/* Is there a pinhole for this destination announced to another peer? */
static int ph_unannounced(const pinhole_ctx *ctx, int side,
                          const pinhole_pkt_view *v) {
  /* only ever an event: without an event callback, skip the look-ups */
  if (ctx->cb.event == NULL || side != PINHOLE_SIDE_OUTSIDE ||
      pinhole__pool_of(ctx, v->dst) < 0)
    return 0;
  return pinhole__map_find_public(ctx, v->proto, v->dst, v->dport) != 0;
}

static inline __attribute__((always_inline)) int
ph_udp_established(pinhole_ctx *ctx, uint8_t *d, uint16_t ip_len, ph_conn *c,
                   int dir, int side);
static inline __attribute__((always_inline)) int
ph_tcp_syn_first(pinhole_ctx *ctx, uint8_t *d, const pinhole_pkt_view *v,
                 ph_conn *c);

/* A packet of no connection; hash: its tuple's flow hash; nh: the burst
 * look-ahead's work for a new flow, or NULL. */
static int ph_new(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                  int side, uint64_t hash, const ph_new_ahead *nh) {
  /* both finds answer 0 without a pinhole: no call to learn it */
  if (ctx->npinholes != 0) {
    ph_ref ph = pinhole__pinhole_find(ctx, side, v);
    if (ph && ph_pinhole_at(ctx, ph)->v6 == PH_HOLE_NAT64) /* FTP64 */
      return ph_verdict(ctx, 1,
                        pinhole__nat64_from_pinhole(ctx, pkt, v, side, ph));
    if (ph)
      return ph_from_pinhole(ctx, pkt, v, side, ph, 0, hash);
    if ((ph = pinhole__pinhole_find_reverse(ctx, side, v)) != 0)
      return ph_from_pinhole(ctx, pkt, v, side, ph, 1, hash);
  }

  if ((ctx->cfg.flags & PINHOLE_CFG_EIF) && side == PINHOLE_SIDE_OUTSIDE) {
    /* not a mapping an ALG made for a pinhole: that one admits only the
     * pinhole's peer, through the pinhole */
    ph_ref m = pinhole__map_find_open(ctx, v->proto, v->dst, v->dport);
    if (m != 0)
      return ph_from_mapping(ctx, pkt, v, side, m, hash);
    int vd = pinhole__nat64_eif(ctx, pkt, v, side); /* core/nat64.c */
    if (vd >= 0)
      return ph_verdict(ctx, 1, vd);
  }
  /* the look-ahead's match stands while the rules are the same (rules
   * are appended, or all cleared, which rules_gen counts) and its own is
   * not deleted: the packet's tuple and side are the look-ahead's */
  const ph_rule *pr =
      nh != NULL && nh->rules_gen == ctx->rules_gen && !nh->rule->gone
          ? nh->rule
          : pinhole__rule_match(ctx, side, v);
  if (pr == NULL) {
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    ph_count(ctx, PINHOLE_CNT_DROP_NO_RULE);
    if (ph_unannounced(ctx, side, v))
      pinhole__event(ctx, PINHOLE_EVENT_UNANNOUNCED_DATA, v, side, 0, 0, NULL,
                     0, NULL, NULL, "no pinhole for this port");
    pinhole__event(ctx, PINHOLE_EVENT_NO_RULE_DROP, v, side, 0, 0, NULL, 0,
                   NULL, NULL, NULL);
    return PINHOLE_VERDICT_DROP;
  }
  const pinhole_rule *r = &pr->r;
  if (r->action == PINHOLE_ACTION_DISCARD) {
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    pinhole__event(ctx, PINHOLE_EVENT_RULE_DISCARD, v, side, 0, 0, NULL, 0,
                   r->name, NULL, NULL);
    return PINHOLE_VERDICT_DROP;
  }
  if (r->action == PINHOLE_ACTION_REJECT) {
    ph_count(ctx, PINHOLE_CNT_NEW_REJECT);
    pinhole__event(ctx, PINHOLE_EVENT_RULE_REJECT, v, side, 0, 0, NULL, 0,
                   r->name, NULL, NULL);
    pinhole__reject(ctx, pkt->data, v, side);
    return PINHOLE_VERDICT_REJECT;
  }
  if (ph_tcp_first(ctx, v) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  if (v->proto == PINHOLE_IPPROTO_ICMP &&
      (!(v->flags & PINHOLE_PKTF_ICMP_QUERY) || v->icmp_type != 8)) {
    /* only echo requests open ICMP conversations */
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    return PINHOLE_VERDICT_DROP;
  }

  uint8_t alg = pr->alg;
  if (alg == PH_ALG_NONE)
    alg = 0;
  else if (alg == 0)
    alg = pinhole__alg_for_port(ctx, v->proto, v->dport);
  else if (!pinhole__alg_fits(alg, v->proto))
    alg = 0; /* a rule for any protocol names a TCP (or UDP) ALG */

  ph_tuple a, b;
  uint32_t mapping;
  ph_new_ahead g;
  ph_tuple_of(&a, v);
  if (ph_rule_nat(ctx, pr, v, side, &a, &b, &mapping, alg, nh, &g) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  /* hairpinning: an inside host addressing another one's public mapping
   * reaches it, seeing the sender's public endpoint */
  uint32_t hp = 0;
  if (side == PINHOLE_SIDE_INSIDE && mapping != 0 &&
      pinhole__pool_of(ctx, v->dst) >= 0 &&
      (hp = pinhole__map_find_open(ctx, v->proto, v->dst, v->dport)) != 0) {
    b.src = ph_map_at(ctx, hp)->iaddr;
    b.sport = ph_map_at(ctx, hp)->iport;
    g.ok = 0; /* side B is not the guess's */
    if (v->proto == PINHOLE_IPPROTO_ICMP)
      hp = 0; /* echo ids are not endpoints: no hairpin for ICMP */
  }
  if (ph_land_after_nat(ctx, b.dst, b.src) == PH_DROP) {
    pinhole__map_put(ctx, mapping);
    return PINHOLE_VERDICT_DROP;
  }
  /* an ALG session takes a conversation record; a plain connection is a
   * conversation of its own (ctx.h ph_convh) */
  ph_ref conv = PH_NIL;
  if (alg && (conv = pinhole__conv_new(ctx, alg, (uint8_t)side)) == PH_NIL) {
    pinhole__map_put(ctx, mapping);
    return ph_refuse_full(ctx, v, side, "conversation table full");
  }
  /* side B's key was hashed for the guess's prefetch: kept if it came true */
  ph_conn *c = g.ok == 2 || (g.ok && ph_tuple_eq(&g.b, &b))
                   ? pinhole__conn_new_keyed(ctx, conv, v->proto, (uint8_t)side,
                                             &a, &b, hash, g.hb)
                   : pinhole__conn_new_hashed(ctx, conv, v->proto,
                                              (uint8_t)side, &a, &b, hash, 0);
  if (c == NULL) {
    pinhole__map_put(ctx, mapping);
    if (conv != PH_NIL)
      pinhole__conv_maybe_free(ctx, conv);
    return ph_refuse_full(ctx, v, side, "flow table full");
  }
  ph_cold_set_map(ctx, c, mapping);
  ph_cold_set_rule(ctx, c, (uint16_t)(pr - ctx->rules));
  if (hp != 0) {
    c->flags |= PH_CONN_HAIRPIN;
    pinhole__map_ref(ctx, hp); /* pinhole__conn_hairpin finds it again */
  }
  if (alg && pinhole__conn_watch(ctx, c, alg) != 0) {
    pinhole__conn_free(ctx, c);
    return ph_refuse_full(ctx, v, side, "watch table full");
  }
  if (ctx->cb.event != NULL) /* built only for a host that takes them */
    pinhole__event_conn_new(ctx, side, c,
                            alg ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD,
                            r->name, alg ? pinhole__alg_name(alg) : NULL, NULL);
  pinhole__conn_arm_new(ctx, c);
  if (c->watch == PH_NIL && v->proto == PINHOLE_IPPROTO_UDP &&
      v->ihl == PH_IP_MIN_HLEN &&
      (v->flags & (PINHOLE_PKTF_L4 | PINHOLE_PKTF_FRAGMENT)) ==
          PINHOLE_PKTF_L4) {
    /* the first datagram of a UDP connection no ALG watches, its header
     * plain: what ph_existing() does for it, as for the next ones */
    return ph_verdict(
        ctx, 1, ph_udp_established(ctx, pkt->data, v->ip_len, c, 0, side));
  }
  if (c->watch == PH_NIL && v->proto == PINHOLE_IPPROTO_TCP &&
      v->ihl == PH_IP_MIN_HLEN &&
      (v->flags & (PINHOLE_PKTF_L4 | PINHOLE_PKTF_FRAGMENT)) ==
          PINHOLE_PKTF_L4) {
    /* the same for a TCP connection's first SYN: its state is known */
    return ph_verdict(ctx, 1, ph_tcp_syn_first(ctx, pkt->data, v, c));
  }
  return ph_verdict(ctx, 1, ph_existing(ctx, pkt, v, c, 0, side));
}

/* An enhanced GRE packet (PPTP data): it belongs to a call a PPTP ALG
 * set up (pinhole__alg_gre_open), or it is dropped. Never opens one. */
static int ph_gre(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                  int side) {
  pkt->len = v->ip_len;
  int dir;
  ph_conn *c = pinhole__gre_lookup(ctx, v->src, v->dst, v->dport, &dir);
  if (c != NULL)
    return ph_verdict(ctx, 0, ph_existing(ctx, pkt, v, c, dir, side));
  ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
  ph_count(ctx, PINHOLE_CNT_GRE_NO_CALL);
  return PINHOLE_VERDICT_DROP;
}

/*
 * A burst's look-ahead: an IPv4 packet checked (ph_plain4_check, the one
 * pass of one per call: chk) or, failing that, a TCP or UDP packet's tuple
 * (a 20-byte header: first byte 0x45, at least 28 bytes) read as it is,
 * not checked; and its flow hash, so that the flow table bucket and the
 * connection can be prefetched. Packets before it in the burst may
 * rewrite its bytes (a shared buffer, a callback, a verdict), so the
 * check stands in its turn only while pinhole_process_burst() can show
 * that nothing wrote them ("clean"); otherwise the packet is checked as it
 * now is and takes the look-ahead's hash and candidate only when the
 * checked tuple is the look-ahead's (ph_hint_for).
 */
typedef struct ph_hint {
  /* what an IPv4 packet's turn reads, first; p4 at the start, so that
   * the turn's pointer to it is the hint's own */
  /* IPv4: the tuple read (src, dst, sport, dport, proto); with chk, the
   * whole of ph_plain4_check()'s answer for the bytes as they were */
  ph_plain4 p4;
  uint64_t h;
  const ph_ft_bucket *bk; /* the home line (ph_hint_make); IPv4, with a
                             candidate: the line of way */
  uint32_t ref;           /* the reference there, UINT32_MAX: none */
  uint16_t sigd;          /* IPv4: h's signature at that distance */
  uint8_t proto;
  uint8_t ok;   /* PH_HINT_4, PH_HINT_6, PH_HINT_64, or 0: none */
  uint8_t chk;  /* PH_CHK_4: IPv4, the look-ahead's check passed (p4
                   whole), with PH_CHK_REF when it is UDP and ref is the
                   first candidate of the table as it was read;
                   PH_CHK_6: an IPv6 packet process6.c takes */
  uint8_t way;  /* IPv4: the first way of h's signature in line bk */
  uint8_t dist; /* the candidate line's distance from home (at most
                   max_probe, 64) */
  union {
    ph_hint6 six;    /* IPv6: what process6.c takes (h is six.h, in ft6) */
    ph_new_ahead nf; /* IPv4 inside, no candidate: its new flow's (ok) */
  };
} ph_hint;
/* ph_hint_conn() clears nf.ok of every hint, IPv6 ones too: past six */
_Static_assert(offsetof(ph_new_ahead, ok) >= sizeof(ph_hint6),
               "nf.ok lies past six");
#define PH_HINT_4 4  /* IPv4: the tuple above */
#define PH_HINT_6 6  /* IPv6: six */
#define PH_HINT_64 7 /* the same, its destination maybe NAT64's */
#define PH_CHK_4 1
#define PH_CHK_6 2
/* with PH_CHK_4: a UDP packet whose connection the look-ahead handed over
 * (ref), so that its turn, while clean and while the table is as the
 * look-ahead read it, is one test of chk against trust (the bit stays in
 * trust until a turn that may change the table) */
#define PH_CHK_REF 4

/* With callbacks set, no turn after one that called back may trust the
 * look-ahead's check: the host may have written any packet. The check is
 * a function of the packet's len and of the bytes ph_plain4_check() read
 * (d[0, 28), and TCP's d[32, 34): its data offset and flags) alone, so
 * the look-ahead keeps those (ph_snap_take) and a turn whose packet still
 * has them takes its answer (ph_snap_same) instead of checking again
 * (ev11 measured the check ~116 instructions a new TCP flow of --new's
 * bursts). Only the burst loop for callbacks (pinhole_process_burst's
 * loud instance) takes them: the quiet loop's code is left as it was. */
typedef struct ph_snap {
  uint64_t w[3]; /* d[0, 24) */
  uint32_t w3;   /* d[24, 28) */
  uint32_t len;
  uint16_t tcp; /* TCP's d[32, 34); 0 for UDP */
} ph_snap;

/* d: a packet ph_plain4_check() accepted as proto (len >= 28; TCP's >= 40) */
static inline void ph_snap_take(ph_snap *s, const uint8_t *d, uint32_t len,
                                uint8_t proto) {
  s->w[0] = ph_ne64(d);
  s->w[1] = ph_ne64(d + 8);
  s->w[2] = ph_ne64(d + 16);
  memcpy(&s->w3, d + 24, 4);
  s->len = len;
  s->tcp = 0;
  if (proto == PINHOLE_IPPROTO_TCP)
    memcpy(&s->tcp, d + 32, 2);
}

/* Are p's len and the bytes its check read still s's? The same len first:
 * as many bytes as the check had, so the reads below stay inside them. */
static inline int ph_snap_same(const ph_snap *s, const pinhole_pkt *p,
                               uint8_t proto) {
  if (p->len != s->len)
    return 0;
  const uint8_t *d = p->data;
  uint32_t w3;
  memcpy(&w3, d + 24, 4);
  uint64_t diff = (ph_ne64(d) ^ s->w[0]) | (ph_ne64(d + 8) ^ s->w[1]) |
                  (ph_ne64(d + 16) ^ s->w[2]) | (w3 ^ s->w3);
  if (proto == PINHOLE_IPPROTO_TCP) {
    uint16_t t;
    memcpy(&t, d + 32, 2);
    diff |= (uint16_t)(t ^ s->tcp);
  }
  return diff == 0;
}

/* A packet of connection c, found by its tuple, with its view: the one
 * place both lookups (plain and parsed) hand a found connection to. */
static int ph_known(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                    ph_conn *c, int dir, int side) {
  return ph_verdict(ctx, 0,
                    ph_conn_is6(ctx, c) /* NAT64's IPv4 side (nat64.c) */
                        ? pinhole__nat64_in(ctx, pkt, v, c, dir, side)
                        : ph_existing(ctx, pkt, v, c, dir, side));
}

/*
 * The look-ahead's connection handed over: what ph_conn_find() would
 * answer for the hint's tuple (the packet's, the caller checked), found
 * without probing the table again. The look-ahead saw ref as the first
 * candidate of the home bucket (way), but packets before this one in the
 * burst may since have freed the connection, re-used its slot or filed
 * other references in the bucket; so it holds only when, now, way still
 * holds ref, no way before it has h's signature (a reference filed there
 * since would be the first candidate: a second connection may be filed
 * under the same key), and the slot's tuple of ref's direction is the
 * packet's (a freed slot is zeroed; a re-used one has its new tuple). A
 * reference is only ever filed under its own tuple's hash, so ref at way
 * is then ph_conn_find()'s first match. 1 with *c (NULL when it was past
 * its deadline: expired here, as ph_conn_find() does) and *dir; 0 when it
 * does not hold and the caller must look the tuple up.
 */
/* ph_conn_keyed() for the tuple of p, compared as its 12 bytes (the
 * first members of ph_plain4 are a ph_tuple's, in its order). */
_Static_assert(offsetof(ph_plain4, src) == offsetof(ph_tuple, src) &&
                   offsetof(ph_plain4, dst) == offsetof(ph_tuple, dst) &&
                   offsetof(ph_plain4, sport) == offsetof(ph_tuple, sport) &&
                   offsetof(ph_plain4, dport) == offsetof(ph_tuple, dport) &&
                   sizeof(ph_tuple) == 12,
               "ph_plain4 starts with a ph_tuple's members");
static inline ph_conn *ph_conn_keyed4(pinhole_ctx *ctx, uint32_t ref,
                                      const ph_plain4 *p) {
  ph_conn *c = &ctx->conns[ref >> 1];
  const ph_tuple *t = (ref & 1) ? &c->b : &c->a;
  return c->proto == p->proto && memcmp(t, p, sizeof(*t)) == 0 ? c : NULL;
}

/* The lines before a candidate dist (1 to max_probe) lines past home
 * (ph_hint_far): a lookup still walks past each of them to the
 * candidate's (table.h's walk: no way of h's signature at its distance,
 * and ph_ft_walk_on goes on). IPv4 (ft). Out of line: about 6 % of keys
 * sit past home. */
static __attribute__((noinline)) int ph_hint_walks_to(const pinhole_ctx *ctx,
                                                      const ph_hint *k) {
  const ph_flow_table *ft = &ctx->ft;
  const ph_ft_bucket *bk = ph_ft_bucket_of(ft, k->h);
  uint32_t sig = ph_ft_sig(k->h);
  for (uint32_t d = 0; d < k->dist; d++)
    if (ph_ft_match_at(bk, sig, d) != 0 || !ph_ft_walk_on(ft, &bk, d))
      return 0;
  return 1;
}

/* The hand-over's check (above), in the line the look-ahead found ref
 * in (the table never moves its lines). A reference found in a line past
 * home (dist 1 or more, ph_hint_far) is the first candidate when,
 * besides, every line before it still has no way of h's signature at its
 * distance and still counts an overflow (else the lookup would stop
 * there). */
static inline __attribute__((always_inline)) int
ph_hint_holds(const pinhole_ctx *ctx, const ph_hint *k) {
  if (k->ref == UINT32_MAX)
    return 0;
  const ph_ft_bucket *bk = k->bk;
  if (bk->ref[k->way] != k->ref ||
      (k->way != 0 && (ph_ft_match(bk, k->sigd) & ((1u << k->way) - 1u)) != 0))
    return 0;
  return k->dist == 0 || ph_hint_walks_to(ctx, k);
}

/* The hand-over taken: 1 with *c and *dir as ph_conn_find() would
 * answer for p (the tuple of k), 0 when the caller must look it up.
 * While the table is as the look-ahead read it (ctx->ft_read: no insert
 * or remove since), a reference found is still the first candidate, and
 * none found means the tuple has no connection (*c NULL): the look-ahead
 * walked its lines as a lookup does, home and, when home counts an
 * overflow, on (ph_hint_far). After a change, ph_hint_holds() decides. */
static int ph_hint_found(pinhole_ctx *ctx, const ph_hint *k, const ph_plain4 *p,
                         ph_conn **c, int *dir) {
  if (ctx->ft.changes == ctx->ft_read) {
    if (k->ref == UINT32_MAX) {
      *c = NULL;
      return 1;
    }
  } else if (!ph_hint_holds(ctx, k)) {
    return 0;
  }
  ph_conn *f = ph_conn_keyed4(ctx, k->ref, p);
  if (f == NULL)
    return 0;
  *dir = (int)(k->ref & 1);
  *c = ph_conn_live(ctx, f);
  return 1;
}

/* The reference ph_conn_find() would answer for the tuple of p under
 * hash h (its first candidate of that tuple), without expiring it, or
 * UINT32_MAX. */
static inline uint32_t ph_find_ref4(pinhole_ctx *ctx, const ph_plain4 *p,
                                    uint64_t h) {
  ph_ft_iter it;
  ph_ft_iter_init(&ctx->ft, h, &it);
  for (uint32_t ref; (ref = ph_ft_next(&ctx->ft, &it)) != UINT32_MAX;)
    if (ph_conn_keyed4(ctx, ref, p) != NULL)
      return ref;
  return UINT32_MAX;
}

/* What pinhole__translate() does to the addresses and ports of a plain
 * packet (a 20-byte IP header, then the ports) as it leaves for to (c->b
 * from side A, c->a from side B), read and written straight from the
 * header d, without a view: the IP checksum updated; the L4 checksum's
 * difference (the addresses' and ports' words) in *diffp. Returns 1 when
 * an address or a port changed (the L4 checksum needs *diffp), 0 when
 * not. Each field is compared with its translation as the native loads
 * of their bytes, which are needed for the checksums anyway. */
static inline __attribute__((always_inline)) int
ph_plain_rewrite(uint8_t *d, const ph_tuple *to, uint32_t *diffp) {
  /* the changed words summed in the packet's byte order, no field
   * converted, end-around in 32 bits (pkt_cksum.h ph_ck_apply_ne32) */
  uint32_t diff = 0; /* address words changed, for both checksums */
  int ip_changed = 0, l4_changed;
  uint32_t n = ph_ck_ne32_of(to->dst), o = ph_ne32(d + 12);
  if (n != o) {
    diff = ph_ck_diff32e(o, n);
    memcpy(d + 12, &n, sizeof(n));
    ip_changed = 1;
  }
  n = ph_ck_ne32_of(to->src);
  o = ph_ne32(d + 16);
  if (n != o) {
    diff = ph_ck_add32(diff, ph_ck_diff32e(o, n));
    memcpy(d + 16, &n, sizeof(n));
    ip_changed = 1;
  }
  if (ip_changed)
    ph_ck_apply_ne32(d + 10, diff);
  /* the ports as one word (the new source port is to's destination),
   * without a branch: whether a port changes is the data's (a pool keeps
   * the inside port when it is free), so a branch on it is mispredicted
   * (callgrind's branch simulation: 0.28 a packet in the 1k burst). An
   * unchanged word adds 0 (ph_ck_add32(diff, 0) is diff), as a mask
   * (GCC turns a select back into the branch), and is stored as it was. */
  n = ph_ck_ne32_of((uint32_t)to->dport << 16 | to->sport);
  o = ph_ne32(d + 20);
  uint32_t ports_changed = n != o;
  diff = ph_ck_add32(diff, ph_ck_diff32e(o, n) & (0u - ports_changed));
  memcpy(d + 20, &n, sizeof(n));
  l4_changed = ip_changed | (int)ports_changed;
  *diffp = diff;
  return l4_changed;
}

/* An established UDP packet of a connection no ALG watches, plain (so not
 * a fragment), ip_len bytes long: what ph_existing() and
 * pinhole__translate() do for it, straight from the header d. The
 * packet's tuple is the one c was found by (direction dir). */
static inline __attribute__((always_inline)) int
ph_udp_established(pinhole_ctx *ctx, uint8_t *d, uint16_t ip_len, ph_conn *c,
                   int dir, int side) {
  if (!ph_side_ok(c, dir, side))
    return PINHOLE_VERDICT_DROP;
  c->last_seen = ctx->now_tick;
  uint32_t diff;
  int l4_changed = ph_plain_rewrite(d, dir ? &c->a : &c->b, &diff);
  /* RFC 768: no checksum stays none; a computed zero is sent as all ones */
  if (l4_changed && ph_get16(d + 26) != 0 &&
      ph_ck_apply_ne32(d + 26, diff) == 0)
    ph_put16(d + 26, 0xFFFF);
  c->frames[dir]++;
  c->bytes[dir] += ip_len;
  return (c->flags & PH_CONN_HAIRPIN) ? PINHOLE_VERDICT_HAIRPIN
                                      : PINHOLE_VERDICT_FORWARD;
}

/* The first segment of TCP connection c, just made from side A's packet
 * d (view v): a SYN (ph_tcp_first: SYN, not ACK; so, as the parser
 * refuses SYN+FIN and SYN+RST, neither FIN nor RST), no ALG watches c
 * (so no MSS to record for one), the IP header plain (20 bytes, not a
 * fragment). What ph_existing() does for it, without its general steps:
 * the side is c's own (dir 0); the tracker's answer is known (tcp.c
 * ph_syn() in state PH_TCP_NONE: tcp.h ph_tcp_open(), the direction's
 * window from the SYN, its window scale read by the tracker's own option
 * walk when there are options); the timer stays as ph_new() armed it
 * (SYN_SENT's timeout is PH_TCP_NONE's); the translation is
 * ph_udp_established()'s, the TCP checksum at d + 36, which has no
 * "none"; the TCP options are not rewritten. */
static inline __attribute__((always_inline)) int
ph_tcp_syn_first(pinhole_ctx *ctx, uint8_t *d, const pinhole_pkt_view *v,
                 ph_conn *c) {
  uint8_t ws =
      v->tcp_hlen > PH_TCP_MIN_HLEN ? ph_tcp_syn_wscale(d, v) : PH_TCP_WS_NONE;
  /* c is IPv4 (ph_new), and TCP takes only slots with windows: its
   * windows are at its own index (ph_tcpw_of without the IPv6 arm) */
  ph_tcp_open(ctx, c, &ctx->tcpw[ph_conn_idx(ctx, c)].d[0], v->seq,
              v->seq + v->payload_len + 1, v->tcp_win, ws);
  c->last_seen = ctx->now_tick;
  uint32_t diff;
  if (ph_plain_rewrite(d, &c->b, &diff))
    ph_ck_apply_ne32(d + PH_IP_MIN_HLEN + PH_TCP_CKSUM, diff);
  c->frames[0]++;
  c->bytes[0] += v->ip_len;
  return (c->flags & PH_CONN_HAIRPIN) ? PINHOLE_VERDICT_HAIRPIN
                                      : PINHOLE_VERDICT_FORWARD;
}

/* An established TCP segment of a connection no ALG watches, plain (a
 * 20-byte IP header, not a fragment: ph_plain4_check accepted it as *p),
 * IPv4 (not a NAT64 slot): what ph_existing(), the tracker and
 * pinhole__translate() do for it, straight from the header d, when it is
 * the tracker's common case (tcp.h ph_tcp_est_case: established, a bare
 * ACK, both windows known, no fragment before); its verdict, not yet
 * counted. -1 with nothing changed when it is not that case: the caller
 * takes the whole way. The tracker's decision is tcp.h ph_tcp_est_track,
 * its own; a segment outside the window is counted as it counts it. The
 * TCP options are neither read nor rewritten (no ALG: no SACK edges to
 * map); the translation is ph_tcp_syn_first()'s. The packet's tuple is
 * the one c was found by (direction dir). */
static inline __attribute__((always_inline)) int
ph_tcp_established(pinhole_ctx *ctx, uint8_t *d, const ph_plain4 *p, ph_conn *c,
                   int dir, int side) {
  const uint8_t *l4 = d + PH_IP_MIN_HLEN;
  /* c is IPv4: its windows are at its own index (ph_tcp_syn_first) */
  ph_tcpw *w = &ctx->tcpw[ph_conn_idx(ctx, c)];
  ph_tcp_dir *s = &w->d[dir];
  if (!ph_tcp_est_case(c, s, &w->d[dir ^ 1], l4[13]))
    return -1;
  if (!ph_side_ok(c, dir, side))
    return PINHOLE_VERDICT_DROP;
  uint32_t seq = ph_get32(l4 + 4);
  uint32_t len = (uint32_t)p->ip_len - PH_IP_MIN_HLEN - p->l4_hlen;
  int bad = ph_tcp_est_track(s, &w->d[dir ^ 1], seq, seq + len,
                             ph_get32(l4 + 8), ph_get16(l4 + 14));
  if (bad) { /* as pinhole__tcp_track() counts it */
    ph_count(ctx, PINHOLE_CNT_ERR_TCP);
    ph_count(ctx, bad);
    return PINHOLE_VERDICT_DROP;
  }
  c->last_seen = ctx->now_tick;
  uint32_t diff;
  if (ph_plain_rewrite(d, dir ? &c->a : &c->b, &diff))
    ph_ck_apply_ne32(d + PH_IP_MIN_HLEN + PH_TCP_CKSUM, diff);
  c->frames[dir]++;
  c->bytes[dir] += p->ip_len;
  return (c->flags & PH_CONN_HAIRPIN) ? PINHOLE_VERDICT_HAIRPIN
                                      : PINHOLE_VERDICT_FORWARD;
}

/* Is the UDP connection of reference ref (c) the established path's
 * common case: an IPv4 connection no ALG watches, idle for less than the
 * shortest timeout (so not stale, ph_conn_stale)? One per call's and the
 * burst's fast paths both ask it. */
static inline int ph_udp_plain_live(const pinhole_ctx *ctx, const ph_conn *c,
                                    uint32_t ref) {
  return c->watch == PH_NIL && (ref >> 1) < ctx->cfg.max_flows /* IPv4 */ &&
         (int32_t)(ctx->now_tick - c->last_seen) < (int32_t)ctx->to_min;
}

/*
 * The common case first, with nothing but loads until it is sure: a plain
 * UDP packet p of a burst whose connection is ref (what ph_conn_find()
 * would answer for p's tuple: the look-ahead's hand-over, home or past
 * it, or ph_find_ref4's; not UINT32_MAX; one per call has its own,
 * ph_fast_udp_find), an IPv4 connection no ALG watches, idle for less
 * than the shortest timeout (so not stale, ph_conn_stale). Its verdict,
 * as ph_process_plain() would give; -1 when it is not that case, with
 * nothing changed: the caller then takes the whole way, which finds the
 * same connection (or another candidate, or expires it).
 */
/* ph_fast_udp() for a p its caller knows to be UDP (PH_CHK_REF): the
 * connection's protocol compared with UDP, not with p's. It writes out
 * ph_conn_keyed4()'s tuple test with UDP a constant rather than calling a
 * shared one with the protocol as an argument: that cost every burst
 * profile +1.2 instructions a packet (measured, session 21). */
static inline __attribute__((always_inline)) int
ph_fast_udp_conn(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                 const ph_plain4 *p, ph_conn *c, uint32_t ref,
                 const ph_conn *end4) {
  const ph_tuple *t = (ref & 1) ? &c->b : &c->a;
  /* ph_udp_plain_live(), its IPv4 test as c against end4 (the end of
   * the IPv4 connections, ctx->conns + max_flows) */
  if (c->proto != PINHOLE_IPPROTO_UDP || memcmp(t, p, sizeof(*t)) != 0 ||
      c->watch != PH_NIL || c >= end4 ||
      (int32_t)(ctx->now_tick - c->last_seen) >= (int32_t)ctx->to_min)
    return -1;
  pkt->len = p->ip_len; /* link-layer padding is not part of the packet */
  return ph_verdict(
      ctx, 0,
      ph_udp_established(ctx, pkt->data, p->ip_len, c, (int)(ref & 1), side));
}

static inline int ph_fast_udp_known(pinhole_ctx *ctx, pinhole_pkt *pkt,
                                    int side, const ph_plain4 *p,
                                    uint32_t ref) {
  return ph_fast_udp_conn(ctx, pkt, side, p, &ctx->conns[ref >> 1], ref,
                          ctx->conns + ctx->cfg.max_flows);
}

static inline int ph_fast_udp(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                              const ph_plain4 *p, uint32_t ref) {
  if (p->proto != PINHOLE_IPPROTO_UDP)
    return -1;
  return ph_fast_udp_known(ctx, pkt, side, p, ref);
}

/* A plain IPv4 TCP or UDP packet (ph_plain4_check() accepted it: the full
 * parse would say OK, no options, not a fragment) whose tuple hashes to
 * h: looked up from the header; an established UDP packet without an ALG
 * is done without a view, and so is an established TCP segment the
 * tracker's common case decides (ph_tcp_established); anything else
 * gets the view the parse would have filled. hint: the look-ahead's for this
 * same tuple, or NULL. Taken whole into its two entries below. */
static inline __attribute__((always_inline)) int
ph_plain_body(pinhole_ctx *ctx, pinhole_pkt *pkt, int side, const ph_hint *hint,
              ph_plain4 plain, uint64_t h) {
  const ph_plain4 *p = &plain; /* by value: the callers keep theirs in
                                  registers */
  pkt->len = p->ip_len; /* link-layer padding is not part of the packet */
  int dir = 0;
  ph_conn *c;
  if (hint != NULL && ph_hint_found(ctx, hint, p, &c, &dir))
    goto found;
  c = ph_conn_find(ctx, p->proto, p->src, p->dst, p->sport, p->dport, h, &dir);
found:
  if (c != NULL && c->watch == PH_NIL &&
      !ph_conn_is6(ctx, c)) { /* NAT64 translates it (ph_known) */
    if (p->proto == PINHOLE_IPPROTO_UDP)
      return ph_verdict(
          ctx, 0, ph_udp_established(ctx, pkt->data, p->ip_len, c, dir, side));
    int vd = ph_tcp_established(ctx, pkt->data, p, c, dir, side);
    if (vd >= 0)
      return ph_verdict(ctx, 0, vd);
  }
  pinhole_pkt_view v;
  ph_plain4_view(pkt->data, p, &v);
  if (c != NULL)
    return ph_known(ctx, pkt, &v, c, dir, side);
  return ph_new(ctx, pkt, &v, side, h,
                hint != NULL && hint->nf.ok && hint->ref == UINT32_MAX
                    ? &hint->nf
                    : NULL);
}

/* The entries: six arguments, all in registers (the checked header in
 * two), so that a caller with nothing left to do jumps to them. */
static int ph_process_plain(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                            ph_plain4 plain, uint64_t h) {
  return ph_plain_body(ctx, pkt, side, NULL, plain, h);
}

/* The same with the look-ahead's hint for the tuple of plain. */
static int ph_process_hinted(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                             const ph_hint *hint, ph_plain4 plain) {
  return ph_plain_body(ctx, pkt, side, hint, plain, hint->h);
}

/* An IPv6 packet (process6.c) with its burst look-ahead, if any. */
static int ph_process6_hinted(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                              const ph_hint *hint) {
  return pinhole__process6(ctx, pkt, side,
                           hint != NULL && hint->ok >= PH_HINT_6 ? &hint->six
                                                                 : NULL);
}

/* Is hint the look-ahead's for this tuple? */
static inline int ph_hint_is(const ph_hint *hint, uint8_t proto, uint32_t src,
                             uint32_t dst, uint16_t sport, uint16_t dport) {
  return hint != NULL && hint->ok == PH_HINT_4 && hint->proto == proto &&
         hint->p4.src == src && hint->p4.dst == dst &&
         hint->p4.sport == sport && hint->p4.dport == dport;
}

static inline int ph_hint_for(const ph_hint *hint, const ph_plain4 *p) {
  return ph_hint_is(hint, p->proto, p->src, p->dst, p->sport, p->dport);
}

static int ph_process_one(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                          const ph_hint *hint) {
  ph_plain4 plain;
  if (ph_plain4_check(pkt->data, pkt->len, &plain)) {
    if (ph_hint_for(hint, &plain))
      return ph_process_hinted(ctx, pkt, side, hint, plain);
    /* not the look-ahead's tuple (an earlier packet rewrote it), or none */
    return ph_process_plain(ctx, pkt, side, plain,
                            ph_ft_hash(&ctx->ft, plain.proto, plain.src,
                                       plain.dst, plain.sport, plain.dport));
  }
  /* version 6: what the parse would answer (ip-non-ipv4) leads here */
  if (pkt->len != 0 && (pkt->data[0] >> 4) == 6 && ctx->cfg.max_conns6 != 0)
    return ph_process6_hinted(ctx, pkt, side, hint);
  pinhole_pkt_view v;
  int reason = pinhole_pkt_parse(pkt->data, pkt->len, &v);
  if (reason == PINHOLE_PKT_IP_FRAG_LEN &&
      (uint32_t)v.frag_off + v.ip_len - v.ihl > 65535u) {
    /* the datagram these pieces make would exceed the IP maximum */
    ph_count(ctx, PINHOLE_CNT_ERR_IP);
    ph_count(ctx, PINHOLE_CNT_IP_MAX_LEN);
    return PINHOLE_VERDICT_DROP;
  }
  if (reason == PINHOLE_PKT_IP_NON_IPV4 && ctx->cfg.max_conns6 != 0)
    return ph_process6_hinted(ctx, pkt, side, hint);
  if (reason != PINHOLE_PKT_OK) {
    ph_count_reason(ctx, reason);
    return PINHOLE_VERDICT_DROP;
  }
  if ((v.flags & PINHOLE_PKTF_OPTIONS) &&
      (ctx->cfg.flags & PINHOLE_CFG_DROP_IP_OPTIONS)) {
    ph_count(ctx, PINHOLE_CNT_DROP_IP_OPTION);
    return PINHOLE_VERDICT_DROP;
  }
  if ((v.flags & PINHOLE_PKTF_FRAGMENT) && !(v.flags & PINHOLE_PKTF_FIRST_FRAG))
    return pinhole__frag_later(ctx, pkt, &v, side);
  if (v.flags & PINHOLE_PKTF_ICMP_ERROR)
    return pinhole__icmp_error_in(ctx, pkt, &v, side);
  if (v.proto != PINHOLE_IPPROTO_TCP && v.proto != PINHOLE_IPPROTO_UDP &&
      !(v.flags & PINHOLE_PKTF_ICMP_QUERY)) {
    if (v.flags & PINHOLE_PKTF_GRE)
      return ph_gre(ctx, pkt, &v, side);
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    ph_count(ctx, PINHOLE_CNT_DROP_NO_RULE);
    return PINHOLE_VERDICT_DROP;
  }
  pkt->len = v.ip_len; /* link-layer padding is not part of the packet */
  uint64_t h;
  if (ph_hint_is(hint, v.proto, v.src, v.dst, v.sport, v.dport))
    h = hint->h;
  else
    h = ph_ft_hash(&ctx->ft, v.proto, v.src, v.dst, v.sport, v.dport);
  int dir;
  ph_conn *c = pinhole__conn_lookup(ctx, v.proto, v.src, v.dst, v.sport,
                                    v.dport, h, &dir);
  if (c != NULL)
    return ph_known(ctx, pkt, &v, c, dir, side);
  return ph_new(ctx, pkt, &v, side, h, NULL);
}

/* The checked header of a plain UDP packet d that ph_plain4_check()
 * accepted, read again (nothing has written d since): what it filled,
 * and the tuple's flow hash. */
static inline ph_plain4 ph_plain4_udp_again(const pinhole_ctx *ctx,
                                            const uint8_t *d, uint64_t *h) {
  ph_plain4 p;
  p.src = ph_get32(d + 12);
  p.dst = ph_get32(d + 16);
  p.sport = ph_get16(d + 20);
  p.dport = ph_get16(d + 22);
  p.ip_len = ph_get16(d + 2);
  p.proto = PINHOLE_IPPROTO_UDP;
  p.l4_hlen = PH_UDP_HLEN;
  *h = ph_ft_hash(&ctx->ft, p.proto, p.src, p.dst, p.sport, p.dport);
  return p;
}

/* ph_fast_udp_find()'s ways out of the common case, for a checked plain
 * UDP packet: its connection found but not the common case
 * (ph_process_plain() finds it again), or none found (what
 * ph_process_plain() does when ph_conn_find() answers NULL, without
 * looking again: the same walk found nothing and changed nothing). They
 * read the header again, so that the common case keeps none of it. */
static __attribute__((noinline)) int
ph_process_udp_again(pinhole_ctx *ctx, pinhole_pkt *pkt, int side) {
  uint64_t h;
  ph_plain4 p = ph_plain4_udp_again(ctx, pkt->data, &h);
  return ph_process_plain(ctx, pkt, side, p, h);
}

static __attribute__((noinline)) int
ph_process_udp_new(pinhole_ctx *ctx, pinhole_pkt *pkt, int side) {
  uint64_t h;
  ph_plain4 p = ph_plain4_udp_again(ctx, pkt->data, &h);
  pkt->len = p.ip_len; /* link-layer padding is not part of the packet */
  pinhole_pkt_view v;
  ph_plain4_view(pkt->data, &p, &v);
  return ph_new(ctx, pkt, &v, side, h, NULL);
}

/* The packet's tuple (checked as p, from header d) as the bytes of a
 * ph_tuple (ph_conn_keyed4): its addresses (src, dst) as a native 64-bit
 * word and its ports (sport, dport) as a native 32-bit one. On a
 * little-endian host they are the header's words with each field's bytes
 * reversed: a 64-bit byte swap and a rotation, a 32-bit swap and a
 * rotation. */
static inline void ph_tuple_words(const uint8_t *d, const ph_plain4 *p,
                                  uint64_t *addrs, uint32_t *ports) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  (void)p;
  uint64_t a = __builtin_bswap64(ph_ne64(d + 12)); /* dst, src */
  uint32_t q = __builtin_bswap32(ph_ne32(d + 20)); /* sport, dport */
  *addrs = a << 32 | a >> 32;
  *ports = q << 16 | q >> 16;
#else
  (void)d;
  memcpy(addrs, &p->src, sizeof(*addrs));   /* src, dst */
  memcpy(ports, &p->sport, sizeof(*ports)); /* sport, dport */
#endif
}

/* The candidates of line bk (mask m: the ways of the signature at its
 * distance) for the tuple whose ph_tuple bytes are addrs (src, dst) and
 * ports (sport, dport), in ph_conn_find()'s order. The first whose tuple
 * is the packet's: in the common case (ph_udp_plain_live) the packet
 * is done here (ph_udp_established), anything
 * else is ph_process_udp_again()'s; the verdict. -1 when none is. */
static inline __attribute__((always_inline)) int
ph_fast_udp_line(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                 const ph_ft_bucket *bk, uint32_t m, uint64_t addrs,
                 uint32_t ports) {
  for (; m != 0; m &= m - 1) {
    uint32_t ref = bk->ref[__builtin_ctz(m)];
    ph_conn *c = &ctx->conns[ref >> 1];
    const uint8_t *t = (const uint8_t *)((ref & 1) ? &c->b : &c->a);
    if (c->proto != PINHOLE_IPPROTO_UDP || ph_ne64(t) != addrs ||
        ph_ne32(t + 8) != ports)
      continue;
    if (!ph_udp_plain_live(ctx, c, ref))
      return ph_process_udp_again(ctx, pkt, side);
    return ph_verdict(ctx, 0,
                      ph_udp_established(ctx, pkt->data, (uint16_t)pkt->len, c,
                                         (int)(ref & 1), side));
  }
  return -1;
}

/* ph_fast_udp_find() past the home line (one packet in 15 at the 80 %
 * load): the lines after it as table.h's walk goes on (ph_ft_walk_on). */
static __attribute__((noinline)) int ph_fast_udp_far(pinhole_ctx *ctx,
                                                     pinhole_pkt *pkt, int side,
                                                     uint64_t h, uint64_t addrs,
                                                     uint32_t ports) {
  const ph_flow_table *ft = &ctx->ft;
  const ph_ft_bucket *bk = ph_ft_bucket_of(ft, h);
  uint32_t sig = ph_ft_sig(h);
  for (uint32_t d = 0; ph_ft_walk_on(ft, &bk, d);) {
    int vd = ph_fast_udp_line(ctx, pkt, side, bk, ph_ft_match_at(bk, sig, ++d),
                              addrs, ports);
    if (vd >= 0)
      return vd;
  }
  return ph_process_udp_new(ctx, pkt, side);
}

/*
 * A plain UDP packet p (checked), looked up as ph_conn_find() does (the
 * candidates of every line from home while a line counts an overflow, at
 * most max_probe lines further; the first whose tuple is the packet's,
 * compared as a ph_tuple's 12 bytes: a 64-bit and a 32-bit word), with
 * nothing but loads until it is sure of the common case
 * (ph_fast_udp_line).
 */
static inline __attribute__((always_inline)) int
ph_fast_udp_find(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                 const ph_plain4 *p) {
  const ph_flow_table *ft = &ctx->ft;
  uint64_t addrs;
  uint32_t ports;
  ph_tuple_words(pkt->data, p, &addrs, &ports);
  uint64_t h =
      ph_ft_hash(ft, PINHOLE_IPPROTO_UDP, p->src, p->dst, p->sport, p->dport);
  pkt->len = p->ip_len; /* link-layer padding is not part of the packet */
  const ph_ft_bucket *bk = ph_ft_bucket_of(ft, h);
  int vd = ph_fast_udp_line(ctx, pkt, side, bk, ph_ft_match(bk, ph_ft_sig(h)),
                            addrs, ports);
  if (vd >= 0)
    return vd;
  if (bk->ovf != 0)
    return ph_fast_udp_far(ctx, pkt, side, h, addrs, ports);
  return ph_process_udp_new(ctx, pkt, side);
}

/* pinhole_process() once its arguments are checked and the context's time
 * is the packet's: ph_process_one()'s plain case here, its common case
 * first. It calls nothing but in its last step (a tail call): no value of
 * the common case lives across a call. */
static inline __attribute__((always_inline)) int
ph_process_now(pinhole_ctx *ctx, pinhole_pkt *pkt, int side) {
  ph_plain4 plain;
  if (!ph_plain4_check(pkt->data, pkt->len, &plain))
    return ph_process_one(ctx, pkt, side, NULL);
  if (plain.proto == PINHOLE_IPPROTO_UDP)
    return ph_fast_udp_find(ctx, pkt, side, &plain);
  return ph_process_plain(ctx, pkt, side, plain,
                          ph_ft_hash(&ctx->ft, plain.proto, plain.src,
                                     plain.dst, plain.sport, plain.dport));
}

/* The packet of a later time than the context's: the context moves to it
 * (pinhole__set_time, a call: what lives across it is kept here, not in
 * the common case), then the same. */
static __attribute__((noinline)) int ph_process_later(pinhole_ctx *ctx,
                                                      pinhole_pkt *pkt,
                                                      int side,
                                                      uint64_t now_ns) {
  pinhole__set_time(ctx, now_ns);
  return ph_process_now(ctx, pkt, side);
}

int pinhole_process(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                    uint64_t now_ns) {
  if (ctx == NULL || pkt == NULL || pkt->data == NULL || pkt->cap < pkt->len ||
      (side != PINHOLE_SIDE_INSIDE && side != PINHOLE_SIDE_OUTSIDE))
    return PINHOLE_ERR_INVALID_ARG;
  if (now_ns > ctx->now_ns) /* ph_set_time()'s test */
    return ph_process_later(ctx, pkt, side, now_ns);
  return ph_process_now(ctx, pkt, side);
}

/* Packets whose lookups are in flight together. */
#ifndef PH_BURST
#define PH_BURST 32
#endif
_Static_assert(PH_BURST >= 1 && PH_BURST <= 32,
               "a chunk's packets are bits of a 32-bit mask");

/* The same for an IPv6 packet whose first header is TCP or UDP (no
 * extension header; anything else is left to process6.c): with check,
 * ph_plain6_check() of its bytes (six.plain, six.p whole when it passes:
 * what its turn takes while clean), else its tuple read as it is; hashed
 * as pinhole__conn6_find will (pinhole__hash6, the addresses whole), its
 * ft6 bucket prefetched. A hint read unchecked only prefetches: the
 * packet is parsed in full in its turn. */
static void ph_hint_make6(const pinhole_ctx *ctx, const pinhole_pkt *p,
                          ph_hint *k, int check) {
  const uint8_t *d = p->data;
  ph_hint6 *s = &k->six;
  s->plain = (uint8_t)(check && ph_plain6_check(d, p->len, &s->p));
  if (s->plain) {
    s->proto = s->p.proto;
    s->sport = s->p.sport;
    s->dport = s->p.dport;
  } else {
    s->proto = d[6];
    if (s->proto != PINHOLE_IPPROTO_TCP && s->proto != PINHOLE_IPPROTO_UDP)
      return;
    s->sport = ph_get16(d + 40);
    s->dport = ph_get16(d + 42);
  }
  uint64_t s0 = ph_ne64(d + 8), s1 = ph_ne64(d + 16);
  uint64_t d0 = ph_ne64(d + 24), d1 = ph_ne64(d + 32);
  s->a[0] = s0;
  s->a[1] = s1;
  s->a[2] = d0;
  s->a[3] = d1;
  s->h = ph_hash6_words(ctx, s->proto, s0, s1, d0, d1, s->sport, s->dport);
  s->changes = ctx->ft6.changes;
  k->h = s->h;
  k->proto = s->proto;
  k->ok = PH_HINT_6;
  /* under a NAT64 prefix (its first 32 bits, every prefix has them): a
   * NAT64 connection, whose side record holds its addresses */
  for (uint32_t i = 0, n = ctx->nnat64, w = ph_ne32(d + 24); i < n; i++)
    if (w == ph_ne32(ctx->nat64_prefix[i])) {
      k->ok = PH_HINT_64;
      break;
    }
  k->bk = ph_ft_bucket_of(&ctx->ft6, k->h);
  __builtin_prefetch(k->bk);
}

/* The turn of an IPv6 packet k's look-ahead checked (chk PH_CHK_6) while
 * the burst is clean: process6.c's whole way (it may call back) with the
 * look-ahead's check, hash and first candidate. The candidate stands
 * while ft6 is as the look-ahead read it (no insert or remove since);
 * else, at home, when its way still holds it and no way before has its
 * signature (ph_hint_holds), and never past home (looked up again). */
static inline __attribute__((always_inline)) int
ph_process6_clean(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                  const ph_hint *k) {
  if (k->ok < PH_HINT_6) /* not TCP or UDP: parsed in full */
    return pinhole__process6(ctx, pkt, side, NULL);
  uint32_t ref = k->ref;
  if (ref != UINT32_MAX && ctx->ft6.changes != k->six.changes &&
      (k->dist != 0 || k->bk->ref[k->way] != ref ||
       (k->way != 0 &&
        (ph_ft_match(k->bk, k->sigd) & ((1u << k->way) - 1u)) != 0)))
    ref = UINT32_MAX;
  return pinhole__process6_clean(ctx, pkt, side, &k->six, ref);
}

/* For p (data not NULL, cap >= len): with check, ph_plain4_check() of
 * its bytes (chk PH_CHK_4, p4 whole when it passes); else, or when it
 * fails, an IPv4 TCP or UDP packet's tuple read (first byte 0x45, at
 * least 28 bytes; nothing else checked: the packet's turn checks it). The
 * tuple hashed as ph_ft_hash() does, its home line kept (bk) and
 * prefetched. An IPv6 packet (version 6, at least 48 bytes, contexts with
 * IPv6) is ph_hint_make6()'s, and with check its chk is PH_CHK_6: what
 * ph_process_one() would hand to process6.c as long as its bytes stay.
 * Anything else gets no hint. */
static inline __attribute__((always_inline)) void
ph_hint_make(const pinhole_ctx *ctx, const pinhole_pkt *p, ph_hint *k,
             int check) {
  const uint8_t *d = p->data;
  ph_plain4 *c = &k->p4;
  uint8_t proto = (uint8_t)(check ? ph_plain4_check(d, p->len, c) : 0);
  if (proto != 0) {
    /* REF until ph_hint_conn() finds no candidate at home */
    k->chk = proto == PINHOLE_IPPROTO_UDP ? PH_CHK_4 | PH_CHK_REF : PH_CHK_4;
  } else {
    k->ok = 0;
    k->chk = 0;
    if (p->len < PH_IP_MIN_HLEN + PH_UDP_HLEN)
      return;
    if (d[0] != 0x45) {
      if (p->len >= 48 && (d[0] >> 4) == 6 && ctx->cfg.max_conns6 != 0) {
        k->chk = check ? PH_CHK_6 : 0;
        ph_hint_make6(ctx, p, k, check);
      }
      return;
    }
    proto = d[9];
    if (proto != PINHOLE_IPPROTO_UDP && proto != PINHOLE_IPPROTO_TCP)
      return;
    c->src = ph_get32(d + 12);
    c->dst = ph_get32(d + 16);
    c->sport = ph_get16(d + 20);
    c->dport = ph_get16(d + 22);
    c->proto = proto;
  }
  uint64_t h = ph_ft_hash(&ctx->ft, proto, c->src, c->dst, c->sport, c->dport);
  k->bk = ph_ft_bucket_of(&ctx->ft, h);
  __builtin_prefetch(k->bk);
  k->h = h;
  k->proto = proto;
  k->ok = PH_HINT_4;
}

/* The first candidate of mask m in bucket bk (dist lines past home)
 * handed to the packet's turn (ph_hint_found), and every line its
 * connection's lookup and translation touch prefetched. */
static void ph_hint_cand(const pinhole_ctx *ctx, ph_hint *k,
                         const ph_ft_bucket *bk, uint32_t m, uint32_t sigd) {
  /* the first candidate only, for ph_hint_found(): a second one is a
   * false signature match (2^-12 a way) or a second connection filed under
   * the same key, which ph_conn_find() then probes uncached */
  k->way = (uint8_t)__builtin_ctz(m);
  k->bk = bk;
  k->sigd = (uint16_t)sigd;
  k->ref = bk->ref[k->way];
  /* its one line (ctx.h: 64 bytes; ctx.c carves the array on a 64-byte
   * boundary); a read prefetch: generic x86-64 has no write prefetch and
   * GCC drops it */
  _Static_assert(sizeof(ph_conn) == 64, "a connection is one line");
  __builtin_prefetch(&ctx->conns[k->ref >> 1]);
  if (k->proto == PINHOLE_IPPROTO_TCP) /* its windows, one line */
    ph_tcpw_prefetch(ctx, k->ref >> 1);
  if (k->ok == PH_HINT_64) /* NAT64: its addresses (ctx.h ph_conn6) */
    __builtin_prefetch(&ctx->conn6[(k->ref >> 1) - ctx->cfg.max_flows]);
}

/* With the bucket (hopefully) in cache: prefetch the connections whose
 * signature matches, every line a lookup and a translation touch. A key
 * (IPv4 or IPv6) with no candidate at home whose home line counts an
 * overflow may sit in the next line (about 6 % of them at the 80 % load):
 * that line is prefetched, and looked at by ph_hint_far once the other
 * packets' home lines have been (k->dist 1 meanwhile). An inside IPv4
 * packet that matches none (or may not) will likely open a flow, so the
 * head of its mapping's inside chain (pool.c). 1 when the third
 * pass has work for it (never when a candidate was found: ref is then
 * set): the line after home (dist 1), or an inside packet that
 * ph_hint_new() may take further. */
static inline __attribute__((always_inline)) int
ph_hint_conn(const pinhole_ctx *ctx, ph_hint *k, int side) {
  k->dist = 0;
  if (!k->ok) {
    k->ref = UINT32_MAX;
    k->nf.ok = 0;
    return 0;
  }
  const ph_ft_bucket *bk = k->bk; /* home, from the look-ahead */
  uint32_t sig = ph_ft_sig(k->h);
  uint32_t m = ph_ft_match(bk, sig);
  if (m != 0) {
    ph_hint_cand(ctx, k, bk, m, sig);
    return 0;
  }
  k->ref = UINT32_MAX;
  k->nf.ok = 0;
  k->chk &= (uint8_t)~PH_CHK_REF;
  if (bk->ovf != 0) {
    const ph_flow_table *ft = k->ok != PH_HINT_4 ? &ctx->ft6 : &ctx->ft;
    k->dist = 1;
    __builtin_prefetch(bk + 1 == ft->b + ft->nbuckets ? ft->b : bk + 1);
  }
  if (k->ok != PH_HINT_4) /* IPv6: the prefetches only (process6.c looks up) */
    return k->dist;
  if (side == PINHOLE_SIDE_INSIDE && ctx->npools != 0) {
    k->nf.ibucket =
        pinhole__map_prefetch(ctx, k->proto, k->p4.src, k->p4.sport);
    return 1;
  }
  return k->dist;
}

/* A key ph_hint_conn left at dist 1: its candidates in the lines past
 * home, as a lookup walks them (ph_ft_next: the signature at each line's
 * distance, on while a line counts an overflow, at most max_probe lines
 * on). The line after home was prefetched; those further are read here
 * (2 % of established keys at the 80 % load), where the lookup in the
 * packet's turn would have read them (that turn then finds them cached;
 * a new flow's key walks to a line counting no overflow, as its lookup
 * does: new-burst 7.7 instructions a flow more, burst 3.3 a packet less
 * than with the walk stopped two lines on). 1 when it found one (dist:
 * its line's). An IPv6 key's
 * (ft6) only prefetches its connection: its turn looks it up itself. */
static int ph_hint_far(const pinhole_ctx *ctx, ph_hint *k) {
  const ph_flow_table *ft = k->ok != PH_HINT_4 ? &ctx->ft6 : &ctx->ft;
  const ph_ft_bucket *bk = k->bk; /* home, which counts an overflow */
  uint32_t sig = ph_ft_sig(k->h);
  for (uint32_t d = 0; ph_ft_walk_on(ft, &bk, d);) {
    uint32_t m = ph_ft_match_at(bk, sig, ++d);
    if (m != 0) {
      ph_hint_cand(ctx, k, bk, m, ph_ft_sig_at(sig, d));
      k->dist = (uint8_t)d;
      if (k->chk == PH_CHK_4 && k->proto == PINHOLE_IPPROTO_UDP)
        k->chk = PH_CHK_4 | PH_CHK_REF;
      return 1;
    }
  }
  return 0;
}

/* The rest of the wave of an inside IPv4 packet that matched no
 * connection (ph_hint_conn prefetched its inside chain head), under a
 * source NAT rule: the rule it will match, its mapping's public
 * endpoint (existing, or the port guessed with the burst's random
 * sequence *rng), that public chain's head and side B's flow-table
 * bucket, prefetched; side B's key hash kept for its turn. Prefetch
 * only, from a tuple not yet checked: the packet's turn takes it only for
 * its checked tuple, and what packets earlier in the burst change is
 * checked there (pinhole__map_ahead, ph_new). */
static void ph_hint_new(const pinhole_ctx *ctx, ph_hint *k, int side,
                        uint64_t *rng) {
  const ph_rule *pr = pinhole__rule_match4(ctx, side, k->proto, k->p4.src,
                                           k->p4.dst, k->p4.dport);
  if (pr == NULL || pr->r.action != PINHOLE_ACTION_ACCEPT ||
      pr->r.nat != PINHOLE_NAT_SOURCE || pr->r.pool < 0 ||
      !pinhole__map_look(ctx, (uint32_t)pr->r.pool, k->proto, k->p4.src,
                         k->p4.sport, k->nf.ibucket, rng, &k->nf))
    return;
  k->nf.rule = pr;
  k->nf.rules_gen = ctx->rules_gen;
  k->nf.b.src = k->p4.dst;
  k->nf.b.sport = k->p4.dport;
  k->nf.hb = pinhole__conn_new_prefetch(ctx, k->proto, &k->nf.b);
  k->nf.ok = 1;
}

/* The third pass over a chunk's hints: those of the packets in mask
 * fresh (bit i: hint[i]) that ph_hint_conn() left work for (no candidate
 * at home). Out of line:
 * most chunks have a few such packets or none. */
static __attribute__((noinline)) void
ph_hint_more(const pinhole_ctx *ctx, ph_hint *hint, uint32_t fresh, int side) {
  uint64_t rng = ctx->rng; /* the random draws the new flows will take */
  for (; fresh != 0; fresh &= fresh - 1) {
    ph_hint *k = &hint[__builtin_ctz(fresh)];
    if ((k->dist == 0 || !ph_hint_far(ctx, k)) && k->ok == PH_HINT_4 &&
        side == PINHOLE_SIDE_INSIDE && ctx->npools != 0)
      ph_hint_new(ctx, k, side, &rng);
  }
}

/* Do the bytes [a, a + alen) and [b, b + blen) not overlap? */
static inline int ph_apart(const void *a, size_t alen, const void *b,
                           size_t blen) {
  uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
  return x + alen <= y || y + blen <= x;
}

/* pinhole_process_burst()'s work, in two instances: quiet (a constant)
 * when no callback is set, and loud, which alone keeps the look-ahead's
 * snapshots (ph_snap). Two, so that the quiet one's code is what it was
 * without them (ev11: the compare inside the one loop cost a quiet burst
 * 2.2 instructions a packet). */
static inline __attribute__((always_inline)) void
ph_burst(pinhole_ctx *ctx, pinhole_pkt *pkts, size_t n, int side,
         uint8_t *verdicts, const int quiet) {
  /* the look-ahead checks the packets while that paid off: it stops
   * after a chunk whose check a packet's turn had to redo */
  int look = 1;
  /* per chunk: the packets checked, their tuples hashed and their buckets
   * prefetched; then from the buckets, the connections prefetched; then
   * the packets processed in order, exactly as pinhole_process() would */
  ph_hint hint[PH_BURST];
  /* loud: what each checked packet's check read (chk PH_CHK_4 only) */
  ph_snap snap[PH_BURST];
  for (size_t base = 0; base < n; base += PH_BURST) {
    size_t m = n - base < PH_BURST ? n - base : PH_BURST;
    pinhole_pkt *pk = pkts + base;
    /* the chunk's buffers [data, data + cap) in order one after another,
     * none reaching the next, as far as they go (apart); [lo, hi) holds
     * them. Only packets of that prefix are checked here (chk). */
    uintptr_t lo = 0, hi = 0;
    size_t at = 0;
    for (; look && at < m; at++) { /* the prefix */
      const pinhole_pkt *p = &pk[at];
      if (p->data == NULL || p->cap < p->len) {
        hint[at].ok = 0;
        hint[at].chk = 0;
        continue;
      }
      uintptr_t a = (uintptr_t)p->data;
      if (a < hi)
        break;
      hi = a + p->cap;
      ph_hint_make(ctx, p, &hint[at], 1);
      if (!quiet && (hint[at].chk & PH_CHK_4))
        ph_snap_take(&snap[at], p->data, p->len, hint[at].p4.proto);
    }
    /* its first buffer's start (none: lo == hi == 0) */
    for (size_t j = 0; hi != 0 && lo == 0; j++)
      if (pk[j].data != NULL && pk[j].cap >= pk[j].len)
        lo = (uintptr_t)pk[j].data;
    for (size_t i = at; i < m; i++) { /* past it: read, not checked */
      const pinhole_pkt *p = &pk[i];
      if (p->data == NULL || p->cap < p->len) {
        hint[i].ok = 0;
        hint[i].chk = 0;
        continue;
      }
      ph_hint_make(ctx, p, &hint[i], 0);
    }
    /* the packets the third pass has work for (bit i: packet i): the
     * line after home, or one that may open a flow */
    uint32_t fresh = 0;
    for (size_t i = 0; i < m; i++)
      fresh |= (uint32_t)ph_hint_conn(ctx, &hint[i], side) << i;
    if (fresh) /* the line after home; the new flows' waves */
      ph_hint_more(ctx, hint, fresh, side);
    /* the table as ph_hint_conn() and ph_hint_far() read it: while no
     * insert or remove has changed it since, a hint's ref is still the
     * first candidate a lookup would try (ph_hint_holds) */
    const uint32_t changes = ctx->ft.changes;
    ctx->ft_read = changes; /* the same, for ph_hint_found() */
    /* the end of the IPv4 connections (ph_fast_udp_conn) */
    const ph_conn *const end4 = ctx->conns + ctx->cfg.max_flows;
    /* clean: no byte the look-ahead checked has changed, so its check
     * stands (the same ph_plain4_check() on the same bytes) and is not
     * run again. It holds while every turn so far wrote only its own
     * buffer, its pkt's len, its verdict and the context's memory (every
     * turn when quiet; else only ph_fast_udp()'s, which calls nothing
     * back), the checked buffers do not overlap (apart), and neither this
     * chunk's pinhole_pkt array nor its verdicts overlap them or each
     * other. Once it ends, each packet is checked as it then is. */
    const int clean =
        lo < hi &&
        ph_apart(pk, m * sizeof(*pk), (const void *)lo, (size_t)(hi - lo)) &&
        ph_apart(verdicts + base, m, (const void *)lo, (size_t)(hi - lo)) &&
        ph_apart(verdicts + base, m, pk, m * sizeof(*pk));
    /* while clean, every bit of a chk, then only a quiet context's (one
     * mask: a packet's chk and its trust in one test) */
    const unsigned stays = quiet ? 0xffu : 0u;
    /* REF only while nothing but a fast UDP turn has run: any other may
     * have changed the table (a new flow, an expiry) */
    unsigned trust = clean ? 0xffu : 0u;
    int redone = 0; /* loud: a checked packet's bytes had changed */
    for (size_t i = 0; i < m; i++) {
      pinhole_pkt *p = &pk[i];
      const ph_hint *k = &hint[i];
      int vd;
      unsigned chk = k->chk & trust;
      if (chk == (PH_CHK_4 | PH_CHK_REF)) {
        /* the common case: UDP, checked, its connection handed over and
         * the table unchanged since */
        vd = ph_fast_udp_conn(ctx, p, side, &k->p4, &ctx->conns[k->ref >> 1],
                              k->ref, end4);
        if (vd < 0) {
          trust = stays & ~PH_CHK_REF;
          vd = ph_process_hinted(ctx, p, side, k, k->p4);
        }
        verdicts[base + i] = (uint8_t)vd;
        continue;
      }
      if (chk == PH_CHK_4) {
        vd = -1;
        if (k->p4.proto == PINHOLE_IPPROTO_UDP) {
          uint32_t ref = k->ref;
          if (ctx->ft.changes != changes && !ph_hint_holds(ctx, k))
            ref = UINT32_MAX;
          /* with callbacks, the whole way would end clean: first what
           * ph_conn_find() would find (a new flow is looked up twice) */
          if (ref == UINT32_MAX && !quiet)
            ref = ph_find_ref4(ctx, &k->p4, k->h);
          if (ref != UINT32_MAX)
            vd = ph_fast_udp(ctx, p, side, &k->p4, ref);
        }
        if (vd < 0) {
          trust = stays & ~PH_CHK_REF;
          vd = ph_process_hinted(ctx, p, side, k, k->p4);
        }
        verdicts[base + i] = (uint8_t)vd;
        continue;
      }
      if (chk == PH_CHK_6) {
        /* ph_process_one()'s way for these bytes: process6.c's, whole
         * (it may call back) */
        trust = stays & ~PH_CHK_REF;
        verdicts[base + i] = (uint8_t)ph_process6_clean(ctx, p, side, k);
        continue;
      }
      if (p->data == NULL || p->cap < p->len) {
        verdicts[base + i] = PINHOLE_VERDICT_DROP;
        continue;
      }
      trust &= stays & ~PH_CHK_REF; /* the whole way: it may call back */
      /* ph_process_one()'s common case here (no call, no frame): the
       * check of the bytes as they are now, then the look-ahead's hash and
       * candidate if its tuple is the same */
      ph_plain4 p4;
      /* loud: the look-ahead's check while its bytes are as they were
       * (then its tuple is the hint's own) */
      int same = 0;
      if (!quiet && (k->chk & PH_CHK_4)) {
        same = ph_snap_same(&snap[i], p, k->p4.proto);
        if (same)
          p4 = k->p4;
        else
          redone = 1;
      }
      if (!same &&
          (k->ok != PH_HINT_4 || !ph_plain4_check(p->data, p->len, &p4))) {
        vd = ph_process_one(ctx, p, side, k);
      } else if (!same && !ph_hint_for(k, &p4)) {
        vd = ph_process_plain(
            ctx, p, side, p4,
            ph_ft_hash(&ctx->ft, p4.proto, p4.src, p4.dst, p4.sport, p4.dport));
      } else {
        vd = -1;
        if (p4.proto == PINHOLE_IPPROTO_UDP &&
            (ctx->ft.changes == changes ? k->ref != UINT32_MAX
                                        : ph_hint_holds(ctx, k)))
          vd = ph_fast_udp(ctx, p, side, &p4, k->ref);
        if (vd < 0)
          vd = ph_process_hinted(ctx, p, side, k, p4);
      }
      verdicts[base + i] = (uint8_t)vd;
    }
    /* a chunk whose checks were redone: the next ones are not checked
     * (loud: every turn after one that called back compares its
     * snapshot, so only when a packet's bytes had changed) */
    if (lo < hi && (quiet ? !trust : redone))
      look = 0;
  }
}

/* each instance its own function, its registers its own */
static __attribute__((noinline)) void ph_burst_quiet(pinhole_ctx *ctx,
                                                     pinhole_pkt *pkts,
                                                     size_t n, int side,
                                                     uint8_t *verdicts) {
  ph_burst(ctx, pkts, n, side, verdicts, 1);
}

static __attribute__((noinline)) void ph_burst_loud(pinhole_ctx *ctx,
                                                    pinhole_pkt *pkts, size_t n,
                                                    int side,
                                                    uint8_t *verdicts) {
  ph_burst(ctx, pkts, n, side, verdicts, 0);
}

int pinhole_process_burst(pinhole_ctx *ctx, pinhole_pkt *pkts, size_t n,
                          int side, uint64_t now_ns, uint8_t *verdicts) {
  if (ctx == NULL || (n > 0 && (pkts == NULL || verdicts == NULL)) ||
      n > INT32_MAX ||
      (side != PINHOLE_SIDE_INSIDE && side != PINHOLE_SIDE_OUTSIDE))
    return PINHOLE_ERR_INVALID_ARG;
  ph_set_time(ctx, now_ns);
  /* Without callbacks, a packet's turn writes nothing of the host's but
   * its own buffer (within its cap), its pinhole_pkt's len and its
   * verdict: no host code runs in between. */
  if (ctx->cb.event == NULL && ctx->cb.trace == NULL && ctx->cb.emit == NULL)
    ph_burst_quiet(ctx, pkts, n, side, verdicts);
  else
    ph_burst_loud(ctx, pkts, n, side, verdicts);
  return (int)n;
}

/* ---- shared with the IPv6 path (process6.c) ------------------------- */

void pinhole__count_reason(pinhole_ctx *ctx, int reason) {
  ph_count_reason(ctx, reason);
}

ph_status pinhole__tcp_first(pinhole_ctx *ctx, const pinhole_pkt_view *v) {
  return ph_tcp_first(ctx, v);
}

int pinhole__icmp_seq_bad(const pinhole_ctx *ctx, ph_conn *c, int dir,
                          const pinhole_pkt_view *v) {
  return ph_icmp_seq_bad(ph_conn_echo_seq(ctx, c), ph_conn_echo_valid(ctx, c),
                         dir, v);
}

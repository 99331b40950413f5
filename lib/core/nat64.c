/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAT64 (RFC 6146) in the engine: an inside IPv6 host reaches IPv4
 * servers through addresses under a NAT64 prefix (RFC 6052), with the
 * IPv4 pools, mappings and port rules of NAT44, the headers translated by
 * the pure RFC 7915 layer (lib/pkt/xlat.c).
 *
 * A NAT64 connection is an IPv6 connection slot (ctx.h ph_conn6) whose
 * side A is the inside IPv6 host, as packets arrive from it (folded
 * tuple, filed in ft6), and whose side B is IPv4, as packets arrive from
 * the server: (server, pool address, server port, public port), filed in
 * the IPv4 flow table ft. So an IPv4 answer finds it with the ordinary
 * IPv4 lookup, and an ICMPv4 error quoting it with the ordinary quote
 * lookup; ph_conn6 keeps the IPv6 addresses (side B's as IPv4-mapped
 * addresses, which mark the slot as NAT64: ph_conn_is64). docs/nat64.md
 * has the argument and the limits (no fragments, no hairpinning, no
 * endpoint-independent filtering for NAT64 mappings). FTP64 (RFC 6384):
 * the FTP ALG watches a NAT64 control connection on the IPv4 form of its
 * packets (alg6.c), and its pinhole admits the server's IPv4 data
 * connection as a NAT64 connection to the client
 * (pinhole__nat64_from_pinhole).
 */
#include "core/alg_call.h"
#include "core/engine.h"
#include "pkt/bytes.h"

#include <pinhole/hash.h>

#include <string.h>

static const uint8_t ph_wkp[16] = PINHOLE_NAT64_WKP;

void pinhole__nat64_init(pinhole_ctx *ctx) {
  ctx->nnat64 = 0;
  if (ctx->cfg.max_conns6 == 0)
    return;
  memcpy(ctx->nat64_prefix[0], ph_wkp, 16);
  ctx->nat64_plen[0] = 96;
  ctx->nat64_flags[0] = 0;
  ctx->nnat64 = 1;
}

static int ph_is_wkp(const uint8_t p[16], unsigned plen) {
  return plen == 96 && memcmp(p, ph_wkp, 16) == 0;
}

int pinhole_nat64_prefix_add(pinhole_ctx *ctx, const uint8_t prefix[16],
                             unsigned plen, uint32_t flags) {
  uint8_t p[16];
  if (ctx == NULL || prefix == NULL || ctx->nnat64 == 0 ||
      (flags & ~(uint32_t)PINHOLE_NAT64_LAB) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  /* the prefix with every bit past plen cleared; checks plen and the u
   * octet of a /96 */
  if (pinhole_nat64_embed(p, prefix, plen, 0) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (ph_is_wkp(p, plen)) {
    ctx->nat64_flags[0] = (uint8_t)flags;
    return 0;
  }
  if (flags & PINHOLE_NAT64_LAB)
    return PINHOLE_ERR_INVALID_ARG;
  for (uint32_t k = 0; k < ctx->nnat64; k++)
    if (ctx->nat64_plen[k] == plen && memcmp(ctx->nat64_prefix[k], p, 16) == 0)
      return PINHOLE_ERR_EXISTS;
  if (ctx->nnat64 >= PINHOLE_NAT64_PREFIX_MAX)
    return PINHOLE_ERR_FULL;
  memcpy(ctx->nat64_prefix[ctx->nnat64], p, 16);
  ctx->nat64_plen[ctx->nnat64] = (uint8_t)plen;
  ctx->nat64_flags[ctx->nnat64] = 0;
  ctx->nnat64++;
  return 0;
}

int pinhole__nat64_rule_ok(const pinhole_ctx *ctx, const uint8_t dst6[16],
                           unsigned plen) {
  for (uint32_t k = 0; k < ctx->nnat64; k++)
    if (plen >= ctx->nat64_plen[k] &&
        pinhole__prefix6_has(dst6, ctx->nat64_prefix[k], ctx->nat64_plen[k]))
      return 1;
  return 0;
}

/* The first prefix whose embedding addr is (u octet zero): its index,
 * *v4 the embedded address; -1 when none. */
static int ph_prefix_of(const pinhole_ctx *ctx, const uint8_t addr[16],
                        uint32_t *v4) {
  for (uint32_t k = 0; k < ctx->nnat64; k++)
    if (pinhole_nat64_extract(addr, ctx->nat64_prefix[k], ctx->nat64_plen[k],
                              v4) == 0)
      return (int)k;
  return -1;
}

/* The IPv4 destination an inside IPv6 destination embeds, when NAT64 may
 * reach it: 0 with *v4; -1 (refused). */
static int ph_dst4(const pinhole_ctx *ctx, const uint8_t dst6[16],
                   uint32_t *v4) {
  int k = ph_prefix_of(ctx, dst6, v4);
  if (k < 0)
    return -1; /* under no prefix, or a u octet that is not zero */
  uint32_t a = *v4 >> 24;
  if (a == 0 || a == 127 || a >= 224)
    return -1; /* this network, loopback, multicast, class E, broadcast */
  if (ph_is_wkp(ctx->nat64_prefix[k], ctx->nat64_plen[k]) &&
      !pinhole_nat64_wkp_allowed(*v4) &&
      !((ctx->nat64_flags[k] & PINHOLE_NAT64_LAB) &&
        (*v4 & 0xfffe0000u) == 0xc6120000u)) /* 198.18.0.0/15 */
    return -1;
  if (pinhole__pool_of(ctx, *v4) >= 0)
    return -1; /* our own public address: hairpinning is not done */
  return 0;
}

/* ::ffff:v4 (RFC 4291 sec. 2.5.5.2): side B's addresses in ph_conn6 */
static void ph_mapped(uint8_t out[16], uint32_t v4) {
  memset(out, 0, 10);
  out[10] = out[11] = 0xff;
  ph_put32(out + 12, v4);
}

static int ph_refuse(pinhole_ctx *ctx, int cnt, int flow_cnt) {
  ph_count(ctx, cnt);
  if (flow_cnt)
    ph_count(ctx, flow_cnt);
  return PINHOLE_VERDICT_DROP;
}

static ph_status ph_full(pinhole_ctx *ctx, const pinhole_pkt_view *v, int side,
                         const char *what) {
  ph_count(ctx, PINHOLE_CNT_DROP_FLOW_FULL);
  ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
  pinhole__event(ctx, PINHOLE_EVENT_TABLE_FULL, v, side, 0, 0, NULL, 0, NULL,
                 NULL, what);
  return PH_DROP;
}

ph_status pinhole__nat64_new(pinhole_ctx *ctx, const pinhole_pkt6_view *v6,
                             const pinhole_pkt_view *v, int side,
                             const ph_rule *pr, ph_conn **out) {
  uint32_t d4;
  if (ph_dst4(ctx, v6->dst, &d4) != 0) {
    ph_refuse(ctx, PINHOLE_CNT_NAT64_DST, PINHOLE_CNT_NEW_DISCARD);
    return PH_DROP;
  }
  /* an echo connection is an ICMP one: its IPv4 side is looked up so */
  uint8_t proto =
      v6->proto == PINHOLE_IP6_NH_ICMPV6 ? PINHOLE_IPPROTO_ICMP : v6->proto;
  int why = 0;
  ph_ref m =
      pinhole__map_get(ctx, (uint32_t)pr->r.pool, proto,
                       pinhole__fold6(ctx, v6->src), v6->sport, 0, 0, &why);
  if (m == PH_NIL) {
    pinhole__map_refused(ctx, why, v, side, pr->r.name);
    return PH_DROP;
  }
  ph_mapping *mp = ph_map_at(ctx, m);
  mp->flags = (uint8_t)((mp->flags & ~PH_MAPF_ALG) | PH_MAPF_NAT64);
  ph_tuple a, b;
  pinhole__tuple6(ctx, &a, v6->src, v6->dst, v6->sport, v6->dport);
  b.src = d4;
  b.dst = mp->paddr;
  b.sport = proto == PINHOLE_IPPROTO_ICMP ? mp->pport : v6->dport;
  b.dport = mp->pport;
  uint8_t alg = pinhole__alg64_pick(pr, v6->proto, v6->dport);
  ph_ref conv = pinhole__conv_new(ctx, alg, (uint8_t)side);
  if (conv == PH_NIL) {
    pinhole__map_put(ctx, m);
    return ph_full(ctx, v, side, "conversation table full");
  }
  uint8_t bs[16], bd[16];
  ph_mapped(bs, b.src);
  ph_mapped(bd, b.dst);
  ph_conn *c = pinhole__conn_new64(ctx, conv, proto, (uint8_t)side, &a, &b,
                                   v6->src, v6->dst, bs, bd);
  if (c == NULL) {
    pinhole__map_put(ctx, m);
    pinhole__conv_maybe_free(ctx, conv);
    return ph_full(ctx, v, side, "IPv6 flow table full");
  }
  ph_cold(ctx, c)->mapping = m;
  ph_cold(ctx, c)->rule = (uint16_t)(pr - ctx->rules);
  ph_cold(ctx, c)->rule_gen = ctx->rules_gen;
  if (alg && pinhole__conn_watch(ctx, c, alg) != 0) {
    pinhole__conn_free(ctx, c); /* gives the mapping back */
    return ph_full(ctx, v, side, "watch table full");
  }
  const char *alg_name = pinhole__alg_name(alg);
  pinhole__event(ctx, PINHOLE_EVENT_RULE_ACCEPT, v, side, conv, 0, c, 0,
                 pr->r.name, alg_name, NULL);
  pinhole__event(ctx, PINHOLE_EVENT_FLOW_CREATED, v, side, conv,
                 alg ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD, c, 0,
                 pr->r.name, alg_name, "NAT64");
  pinhole__conn_touch_timer(ctx, c);
  *out = c;
  return PH_PASS;
}

int pinhole__nat64_from_pinhole(pinhole_ctx *ctx, pinhole_pkt *pkt,
                                pinhole_pkt_view *v, int side, ph_ref ref) {
  ph_pinhole *h = ph_pinhole_at(ctx, ref);
  const ph_pinhole6 *h6 = ph_pinhole6_of(ctx, h);
  ph_conv *cv = ph_conv_at(ctx, h->conv);
  if (pinhole__tcp_first(ctx, v) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  /* side A: the IPv6 client, as its packets will arrive (to the server
   * under the prefix, from the port the server connected from); side B:
   * the server's IPv4 packet as it is */
  ph_tuple a, b;
  pinhole__tuple6(ctx, &a, h6->dst, h6->src, h->to_port, v->sport);
  b.src = v->src;
  b.dst = v->dst;
  b.sport = v->sport;
  b.dport = v->dport;
  uint8_t bs[16], bd[16];
  ph_mapped(bs, b.src);
  ph_mapped(bd, b.dst);
  ph_ref conv = h->conv;
  ph_conn *c = pinhole__conn_new64(ctx, conv, v->proto, cv->a_side, &a, &b,
                                   h6->dst, h6->src, bs, bd);
  if (c == NULL) {
    ph_count(ctx, PINHOLE_CNT_DROP_FLOW_FULL);
    pinhole__event(ctx, PINHOLE_EVENT_TABLE_FULL, v, side, 0, 0, NULL, 0, NULL,
                   NULL, "IPv6 flow table full");
    return PINHOLE_VERDICT_DROP;
  }
  ph_cold(ctx, c)->mapping = h->mapping; /* handed over */
  h->mapping = 0;
  c->flags |= PH_CONN_B_OPENED;
  pinhole__pinhole_used(ctx, ref, v, v, side, c, 1);
  return pinhole__nat64_in(ctx, pkt, v, c, 1, side);
}

ph_conn *pinhole__nat64_lookup6(pinhole_ctx *ctx, uint8_t proto,
                                const uint8_t src[16], const uint8_t dst[16],
                                uint16_t sport, uint16_t dport, int *dir) {
  ph_conn *c = pinhole__conn6_lookup(ctx, proto, src, dst, sport, dport, dir);
  if (c != NULL || proto != PINHOLE_IP6_NH_ICMPV6 || ctx->nnat64 == 0)
    return c;
  c = pinhole__conn6_lookup(ctx, PINHOLE_IPPROTO_ICMP, src, dst, sport, dport,
                            dir);
  return c != NULL && ph_conn_is64(ctx, c) ? c : NULL;
}

/* The IPv4 identification of a translated packet of c (RFC 7915 sec.
 * 5.1: "a Fragment Identification generator at the translator"): keyed,
 * so an outsider cannot predict it, and different per packet. */
static uint16_t ph_ip_id(const pinhole_ctx *ctx, const ph_conn *c) {
  uint32_t w[2] = {ph_conn_idx(ctx, c), c->frames[0]};
  pinhole_hash_key k = ctx->cfg.hash_key;
  k.k0 ^= 0x6e61743634696421ull; /* "nat64id!" */
  return (uint16_t)pinhole_siphash13(&k, w, sizeof(w));
}

/* The translation in ctx->scratch (rc, olen from pinhole_xlat_*) put in
 * the caller's packet, checked as a packet of its new family: 0, or the
 * counter of the reason it is dropped. */
static int ph_put_back(pinhole_ctx *ctx, pinhole_pkt *pkt, int rc,
                       size_t olen) {
  if (rc == PINHOLE_ERR_NOBUF || (rc == 0 && olen > pkt->cap))
    return PINHOLE_CNT_NAT64_NOBUF;
  if (rc != 0)
    return PINHOLE_CNT_NAT64_FAIL;
  const uint8_t *o = ctx->scratch;
  int bad;
  if ((o[0] >> 4) == 4) {
    pinhole_pkt_view ov;
    bad = pinhole_pkt_parse(o, olen, &ov) != PINHOLE_PKT_OK;
  } else {
    pinhole_pkt6_view ov;
    bad = pinhole_pkt6_parse(o, olen, &ov) != PINHOLE_PKT_OK;
  }
  if (bad)
    return PINHOLE_CNT_NAT64_FAIL;
  memcpy(pkt->data, o, olen);
  pkt->len = (uint32_t)olen;
  ph_count(ctx, PINHOLE_CNT_NAT64_XLAT);
  return 0;
}

int pinhole__nat64_out(pinhole_ctx *ctx, pinhole_pkt *pkt,
                       const pinhole_pkt6_view *v6, ph_conn *c) {
  if (v6->flags & PINHOLE_PKT6F_FRAGMENT)
    return ph_refuse(ctx, PINHOLE_CNT_NAT64_FRAGMENT, 0);
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  m.src4 = c->b.dst;
  m.dst4 = c->b.src;
  m.sport = c->b.dport; /* echo: the public identifier */
  m.dport = c->b.sport;
  m.ip_id = ph_ip_id(ctx, c);
  size_t olen = 0;
  int rc = pinhole_xlat_6to4(pkt->data, pkt->len, ctx->scratch, PH_SCRATCH, &m,
                             &olen);
  int why = ph_put_back(ctx, pkt, rc, olen);
  if (why)
    return ph_refuse(ctx, why, 0);
  if (c->watch) { /* FTP64: its ALG on the IPv4 packet (alg6.c) */
    pinhole_pkt_view v4;
    if (pinhole_pkt_parse(pkt->data, pkt->len, &v4) != PINHOLE_PKT_OK)
      return PINHOLE_VERDICT_DROP;
    int vd = pinhole__alg_run64(ctx, pkt, &v4, c, 0, c->a_side);
    if (vd >= 0)
      return vd;
  }
  c->last_seen = ctx->now_tick;
  c->frames[0]++;
  c->bytes[0] += v6->ip_len;
  return PINHOLE_VERDICT_FORWARD;
}

int pinhole__nat64_xlat_in(pinhole_ctx *ctx, const ph_conn *c, const uint8_t *p,
                           size_t len, size_t *olen) {
  const ph_conn6 *c6 = ph_conn6_of(ctx, c);
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  memcpy(m.src6, c6->a_dst, 16);
  memcpy(m.dst6, c6->a_src, 16);
  /* echo: sport is the identifier, the host's own */
  m.sport = p[PH_IP_PROTO] == PINHOLE_IPPROTO_ICMP ? c->a.sport : c->a.dport;
  m.dport = c->a.sport;
  *olen = 0;
  return pinhole_xlat_4to6(p, len, ctx->scratch, PH_SCRATCH, &m, olen);
}

int pinhole__nat64_in(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                      ph_conn *c, int dir, int side) {
  if (dir != 1 || side != (c->a_side ^ 1))
    return PINHOLE_VERDICT_DROP;
  if (v->flags & PINHOLE_PKTF_FRAGMENT)
    return ph_refuse(ctx, PINHOLE_CNT_NAT64_FRAGMENT, 0);
  if (v->proto == PINHOLE_IPPROTO_TCP) {
    if (pinhole__tcp_track(ctx, c, dir, pkt->data, v) == PH_DROP)
      return PINHOLE_VERDICT_DROP;
  } else if (v->proto == PINHOLE_IPPROTO_ICMP) {
    int bad = pinhole__icmp_seq_bad(c, dir, v);
    if (bad) {
      ph_count(ctx, PINHOLE_CNT_ERR_ICMP);
      return ph_refuse(ctx, bad, 0);
    }
  }
  /* FTP64: its ALG on the IPv4 packet as the server sent it (alg6.c) */
  if (c->watch) {
    int vd = pinhole__alg_run64(ctx, pkt, v, c, dir, side);
    if (vd >= 0)
      return vd;
  }
  size_t olen = 0;
  uint32_t in_len = v->ip_len;
  int rc = pinhole__nat64_xlat_in(ctx, c, pkt->data, pkt->len, &olen);
  int why = ph_put_back(ctx, pkt, rc, olen);
  if (why)
    return ph_refuse(ctx, why, 0);
  c->last_seen = ctx->now_tick;
  c->frames[1]++;
  c->bytes[1] += in_len;
  return PINHOLE_VERDICT_FORWARD;
}

/* An error's verdict, counted here (icmp.c and process6.c count their
 * own error verdicts). */
static int ph_error_done(pinhole_ctx *ctx, pinhole_pkt *pkt, int rc,
                         size_t olen) {
  int why = ph_put_back(ctx, pkt, rc, olen);
  if (why)
    return ph_refuse(ctx, why, PINHOLE_CNT_EXIST_DISCARD);
  ph_count(ctx, PINHOLE_CNT_EXIST_ACCEPT);
  return PINHOLE_VERDICT_FORWARD;
}

int pinhole__nat64_error4(pinhole_ctx *ctx, pinhole_pkt *pkt,
                          const pinhole_pkt_view *v, ph_conn *c, int peer) {
  if (v->flags & PINHOLE_PKTF_FRAGMENT)
    return ph_refuse(ctx, PINHOLE_CNT_NAT64_FRAGMENT,
                     PINHOLE_CNT_EXIST_DISCARD);
  const ph_conn6 *c6 = ph_conn6_of(ctx, c);
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  memcpy(m.dst6, c6->a_src, 16);
  if (peer) {
    memcpy(m.src6, c6->a_dst, 16);
  } else {
    /* a router on the IPv4 path: its address under the connection's
     * prefix (RFC 6146 sec. 3.5.3, RFC 7915 sec. 4.1) */
    uint32_t d4;
    int k = ph_prefix_of(ctx, c6->a_dst, &d4);
    if (k < 0 || pinhole_nat64_embed(m.src6, ctx->nat64_prefix[k],
                                     ctx->nat64_plen[k], v->src) != 0)
      return ph_refuse(ctx, PINHOLE_CNT_NAT64_FAIL, PINHOLE_CNT_EXIST_DISCARD);
  }
  /* the quote becomes what the IPv6 host sent */
  memcpy(m.inner_src6, c6->a_src, 16);
  memcpy(m.inner_dst6, c6->a_dst, 16);
  m.inner_sport = c->a.sport; /* echo: the host's identifier */
  m.inner_dport = c->a.dport;
  size_t olen = 0;
  int rc = pinhole_xlat_4to6(pkt->data, v->ip_len, ctx->scratch, PH_SCRATCH, &m,
                             &olen);
  return ph_error_done(ctx, pkt, rc, olen);
}

int pinhole__nat64_error6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                          const pinhole_pkt6_view *v6, ph_conn *c) {
  if (v6->flags & PINHOLE_PKT6F_FRAGMENT)
    return ph_refuse(ctx, PINHOLE_CNT_NAT64_FRAGMENT,
                     PINHOLE_CNT_EXIST_DISCARD);
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  /* from the public endpoint, whoever inside sent it: an IPv6 address
   * has no IPv4 form */
  m.src4 = c->b.dst;
  m.dst4 = c->b.src;
  /* the quote becomes what the IPv4 server sent */
  m.inner_src4 = c->b.src;
  m.inner_dst4 = c->b.dst;
  m.inner_sport = c->b.sport; /* echo: the public identifier (b.sport) */
  m.inner_dport = c->b.dport;
  m.ip_id = ph_ip_id(ctx, c);
  size_t olen = 0;
  int rc = pinhole_xlat_6to4(pkt->data, v6->ip_len, ctx->scratch, PH_SCRATCH,
                             &m, &olen);
  return ph_error_done(ctx, pkt, rc, olen);
}

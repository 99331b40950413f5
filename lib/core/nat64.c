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
 * has the argument and the limits. Fragments are translated as they come
 * (RFC 7915 sec. 4.1, 5.1.1; later ones follow their first through the
 * fragment table), hairpinning (RFC 6146 sec. 3.8) is an IPv6 slot with
 * PH_CONN_HAIRPIN, endpoint-independent filtering opens a session back
 * to a mapping's IPv6 host, which ctx->map6 keeps. FTP64 (RFC 6384):
 * the FTP ALG watches a NAT64 control connection on the IPv4 form of its
 * packets (alg6.c), and its pinhole admits the server's IPv4 data
 * connection as a NAT64 connection to the client
 * (pinhole__nat64_from_pinhole).
 */
#include "core/alg_call.h"
#include "core/engine.h"
#include "core/frag_reasm.h"
#include "pkt/bytes.h"
#include "pkt/refrag.h"
#include "pkt/xlat_plain.h"

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
int pinhole__nat64_prefix_of(const pinhole_ctx *ctx, const uint8_t addr[16],
                             uint32_t *v4) {
  for (uint32_t k = 0; k < ctx->nnat64; k++)
    if (pinhole_nat64_extract(addr, ctx->nat64_prefix[k], ctx->nat64_plen[k],
                              v4) == 0)
      return (int)k;
  return -1;
}

/* The IPv4 destination an inside IPv6 destination embeds, when NAT64 may
 * reach it: 0 with *v4; 1 when it is one of our pool addresses
 * (hairpinning, RFC 6146 sec. 3.8); -1 (refused). *pfx: the prefix. */
static int ph_dst4(const pinhole_ctx *ctx, const uint8_t dst6[16], uint32_t *v4,
                   int *pfx) {
  int k = pinhole__nat64_prefix_of(ctx, dst6, v4);
  *pfx = k;
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
    return 1; /* our own public address: hairpinning */
  return 0;
}

/* ::ffff:v4 (RFC 4291 sec. 2.5.5.2): side B's addresses in ph_conn6 */
static void ph_mapped(uint8_t out[16], uint32_t v4) {
  memset(out, 0, 10);
  out[10] = out[11] = 0xff;
  ph_put32(out + 12, v4);
}

/*
 * The IPv4 identification of a translated packet (RFC 7915 sec. 5.1: "a
 * Fragment Identification generator at the translator"): per connection
 * a counter started at a keyed random value, the connection's packets
 * from its IPv6 side (frames[0], before this one is counted) added to
 * its base
 *
 *     id = base + frames[0] (mod 2^16),
 *     base = SipHash-1-3 under the context's key (tweaked) of side B's
 *            IPv4 tuple and protocol, its low 16 bits.
 *
 * RFC 7739 sec. 5.1 and 5.3 name this kind of generator (a counter per
 * destination started at a random value; a counter plus a keyed hash of
 * the addresses): the IDs of one connection do not repeat before 65536
 * of its packets, and what an outsider sees tells it nothing of another
 * connection's, since each base is a keyed hash it cannot compute and
 * the counts are each connection's own. Whoever sees a connection's IDs
 * go up by one (its server, an observer on its path) sees its packets
 * themselves.
 * (The generator this replaced hashed the count too, every packet: 136
 * instructions a packet out, BENCHMARKS.md "nat64x9".)
 *
 * When it matters: the translation sets DF only above 1260 bytes, so most
 * packets leave fragmentable and a router on the IPv4 path may cut them;
 * the server reassembles by (source, destination, protocol, ID). An
 * output with DF set is an atomic datagram, whose ID RFC 6864 sec. 4.1
 * lets a source set to any value; it takes the same counter anyway, which
 * now costs a load and an add, so no branch tells the two apart.
 *
 * The base is computed once, when the connection is made, and kept in
 * c->icmp_seq, which a NAT64 TCP or UDP connection does not use (only
 * echo has a sequence): no byte more per connection. An echo connection
 * uses the field for its sequence, so its base is hashed again for each
 * of its packets (the same value). The base and frames[0] both travel in
 * a state blob (the echo sequence field and the frame count, state.c),
 * so a standby that took the connection over goes on with the same
 * identifications, whatever its slots (docs/ha.md; tests/scenario/
 * test_nat64_id.c).
 */
static uint16_t ph_id_base(const pinhole_ctx *ctx, const ph_conn *c) {
  uint32_t w[4] = {c->b.src, c->b.dst, (uint32_t)c->b.sport << 16 | c->b.dport,
                   c->proto};
  pinhole_hash_key k = ctx->cfg.hash_key;
  k.k0 ^= 0x6e61743634696462ull; /* "nat64idb" */
  return (uint16_t)pinhole_siphash13(&k, w, sizeof(w));
}

/* A new NAT64 connection's identification base, kept (see above). */
static void ph_id_seed(const pinhole_ctx *ctx, ph_conn *c) {
  if (c->proto != PINHOLE_IPPROTO_ICMP)
    c->icmp_seq = ph_id_base(ctx, c);
}

/* The identification of the next translated packet of NAT64 connection
 * c from its IPv6 side. */
static uint16_t ph_ip_id(const pinhole_ctx *ctx, const ph_conn *c) {
  uint16_t base =
      c->proto == PINHOLE_IPPROTO_ICMP ? ph_id_base(ctx, c) : c->icmp_seq;
  return (uint16_t)(base + c->frames[0]);
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

/* Hairpinning (RFC 6146 sec. 3.8): inside IPv6 host A reaches inside
 * IPv6 host B through B's NAT64 mapping hp (the destination: B's public
 * address under prefix k, B's public port). The packet is what it would
 * be had it left as IPv4 from A's mapping m and come back in to hp: B
 * sees A's public endpoint under the prefix. The connection is an IPv6
 * one, both sides inside (PH_CONN_HAIRPIN), filed in ft6 under A's
 * packets (A -> [B's public]) and B's (B -> [A's public]); it holds m
 * and a reference to hp. */
static ph_status ph_hairpin_new(pinhole_ctx *ctx, const pinhole_pkt6_view *v6,
                                const pinhole_pkt_view *v, int side,
                                const ph_rule *pr, ph_ref m, ph_ref hp, int k,
                                ph_conn **out) {
  const ph_mapping *ma = ph_map_at(ctx, m), *mb = ph_map_at(ctx, hp);
  uint8_t a_pub[16]; /* A's public address under the prefix */
  if (pinhole_nat64_embed(a_pub, ctx->nat64_prefix[k], ctx->nat64_plen[k],
                          ma->paddr) != 0) {
    pinhole__map_put(ctx, m);
    ph_refuse(ctx, PINHOLE_CNT_NAT64_FAIL, PINHOLE_CNT_NEW_DISCARD);
    return PH_DROP;
  }
  const uint8_t *b6 = ph_map6_of(ctx, hp)->addr; /* ph_hairpin_target */
  ph_tuple a, b;
  pinhole__tuple6(ctx, &a, v6->src, v6->dst, v6->sport, v6->dport);
  pinhole__tuple6(ctx, &b, b6, a_pub, mb->iport, ma->pport);
  ph_conn *c = pinhole__conn_new6(ctx, PH_NIL, v6->proto, (uint8_t)side, &a, &b,
                                  v6->src, v6->dst, b6, a_pub);
  if (c == NULL) {
    pinhole__map_put(ctx, m);
    return ph_full(ctx, v, side, "IPv6 flow table full");
  }
  c->flags |= PH_CONN_HAIRPIN;
  ph_cold_set_map(ctx, c, m);
  pinhole__map_ref(ctx, hp); /* pinhole__conn_hairpin finds it again */
  ph_cold_set_rule(ctx, c, (uint16_t)(pr - ctx->rules));
  pinhole__event_conn_new(ctx, side, c, PINHOLE_FLOW_FORWARD, pr->r.name, NULL,
                          "NAT64 hairpinning");
  pinhole__conn_touch_timer(ctx, c);
  *out = c;
  return PH_PASS;
}

/* The NAT64 mapping a hairpinned packet (to pool address d4, port
 * dport) reaches: one with an IPv6 host behind it, or PH_NIL. */
static ph_ref ph_hairpin_target(const pinhole_ctx *ctx, uint8_t proto,
                                uint32_t d4, uint16_t dport) {
  if (proto == PINHOLE_IPPROTO_ICMP || ctx->map6 == NULL)
    return PH_NIL; /* echo identifiers are no endpoints */
  ph_ref r = pinhole__map_find_public(ctx, proto, d4, dport);
  return r != PH_NIL && (ph_map_at(ctx, r)->flags & PH_MAPF_NAT64) &&
                 ph_map6_of(ctx, r) != NULL
             ? r
             : PH_NIL;
}

ph_status pinhole__nat64_new(pinhole_ctx *ctx, const pinhole_pkt6_view *v6,
                             const pinhole_pkt_view *v, int side,
                             const ph_rule *pr, ph_conn **out) {
  uint32_t d4;
  int k;
  int dk = ph_dst4(ctx, v6->dst, &d4, &k);
  /* an echo connection is an ICMP one: its IPv4 side is looked up so */
  uint8_t proto =
      v6->proto == PINHOLE_IP6_NH_ICMPV6 ? PINHOLE_IPPROTO_ICMP : v6->proto;
  ph_ref hp = dk == 1 ? ph_hairpin_target(ctx, proto, d4, v6->dport) : PH_NIL;
  if (dk < 0 || (dk == 1 && hp == PH_NIL)) {
    ph_refuse(ctx, PINHOLE_CNT_NAT64_DST, PINHOLE_CNT_NEW_DISCARD);
    return PH_DROP;
  }
  int why = 0;
  ctx->map6_next = v6->src; /* the mapping's IPv6 host (pool.c) */
  ctx->map6_pfx = (uint8_t)k;
  ph_ref m =
      pinhole__map_get(ctx, (uint32_t)pr->r.pool, proto,
                       pinhole__fold6(ctx, v6->src), v6->sport, 0, 0, &why);
  if (m == PH_NIL) { /* its events name the IPv6 ends, not the folds */
    ctx->map6_dst = v6->dst;
    pinhole__map_refused(ctx, why, v, side, pr->r.name);
    ctx->map6_next = ctx->map6_dst = NULL;
    return PH_DROP;
  }
  ctx->map6_next = NULL;
  if (hp != PH_NIL)
    return ph_hairpin_new(ctx, v6, v, side, pr, m, hp, k, out);
  ph_mapping *mp = ph_map_at(ctx, m);
  mp->flags = (uint8_t)((mp->flags & ~PH_MAPF_ALG) | PH_MAPF_NAT64);
  ph_tuple a, b;
  pinhole__tuple6(ctx, &a, v6->src, v6->dst, v6->sport, v6->dport);
  b.src = d4;
  b.dst = mp->paddr;
  b.sport = proto == PINHOLE_IPPROTO_ICMP ? mp->pport : v6->dport;
  b.dport = mp->pport;
  uint8_t alg = pinhole__alg64_pick(pr, v6->proto, v6->dport);
  ph_ref conv = PH_NIL; /* a plain connection: no conversation record */
  if (alg && (conv = pinhole__conv_new(ctx, alg, (uint8_t)side)) == PH_NIL) {
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
    if (conv != PH_NIL)
      pinhole__conv_maybe_free(ctx, conv);
    return ph_full(ctx, v, side, "IPv6 flow table full");
  }
  ph_id_seed(ctx, c);
  ph_cold_set_map(ctx, c, m);
  ph_cold_set_rule(ctx, c, (uint16_t)(pr - ctx->rules));
  if (alg && pinhole__conn_watch(ctx, c, alg) != 0) {
    pinhole__conn_free(ctx, c); /* gives the mapping back */
    return ph_full(ctx, v, side, "watch table full");
  }
  pinhole__event_conn_new(ctx, side, c,
                          alg ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD,
                          pr->r.name, pinhole__alg_name(alg), "NAT64");
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
  ph_id_seed(ctx, c);
  ph_cold_set_map(ctx, c, h->mapping); /* handed over */
  h->mapping = 0;
  c->flags |= PH_CONN_B_OPENED;
  pinhole__pinhole_used(ctx, ref, v, v, side, c, 1);
  return pinhole__nat64_in(ctx, pkt, v, c, 1, side);
}

int pinhole__nat64_eif(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                       int side) {
  if (ctx->map6 == NULL ||
      (v->proto != PINHOLE_IPPROTO_TCP && v->proto != PINHOLE_IPPROTO_UDP))
    return -1; /* echo identifiers are no endpoints */
  ph_ref m = pinhole__map_find_public(ctx, v->proto, v->dst, v->dport);
  const ph_map6 *m6 = m != PH_NIL ? ph_map6_of(ctx, m) : NULL;
  if (m6 == NULL || (ph_map_at(ctx, m)->flags &
                     (PH_MAPF_ALG | PH_MAPF_NAT64)) != PH_MAPF_NAT64)
    return -1; /* not a NAT64 mapping, or one an ALG made for a pinhole */
  if (pinhole__tcp_first(ctx, v) == PH_DROP)
    return PINHOLE_VERDICT_DROP;
  /* the outside host under the prefix the mapping's host used (RFC 6146
   * sec. 3.5.1.1, 3.5.2.2: the source synthesized with Pref64::/n), and
   * only an address NAT64 may reach (not one of our pool addresses) */
  uint8_t src6[16];
  uint32_t d4;
  int k;
  if (m6->pfx >= ctx->nnat64 ||
      pinhole_nat64_embed(src6, ctx->nat64_prefix[m6->pfx],
                          ctx->nat64_plen[m6->pfx], v->src) != 0 ||
      ph_dst4(ctx, src6, &d4, &k) != 0) {
    ph_count(ctx, PINHOLE_CNT_NAT64_DST);
    return PINHOLE_VERDICT_DROP;
  }
  ph_tuple a, b;
  pinhole__tuple6(ctx, &a, m6->addr, src6, ph_map_at(ctx, m)->iport, v->sport);
  b.src = v->src;
  b.dst = v->dst;
  b.sport = v->sport;
  b.dport = v->dport;
  uint8_t bs[16], bd[16];
  ph_mapped(bs, b.src);
  ph_mapped(bd, b.dst);
  ph_conn *c = pinhole__conn_new64(ctx, PH_NIL, v->proto, (uint8_t)(side ^ 1),
                                   &a, &b, m6->addr, src6, bs, bd);
  if (c == NULL) {
    ph_full(ctx, v, side, "IPv6 flow table full");
    return PINHOLE_VERDICT_DROP;
  }
  ph_id_seed(ctx, c);
  pinhole__map_ref(ctx, m);
  ph_cold_set_map(ctx, c, m);
  c->flags |= PH_CONN_B_OPENED;
  pinhole__event(ctx, PINHOLE_EVENT_FLOW_CREATED, v, side, PH_NIL,
                 PINHOLE_FLOW_FORWARD, c, 1, NULL, NULL,
                 "endpoint-independent filtering");
  pinhole__conn_touch_timer(ctx, c);
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

/* RFC 7915 sec. 4 / 4.1: an IPv4 packet sent with DF clear whose IPv6
 * translation exceeds the IPv6 minimum MTU is sent in IPv6 fragments of
 * at most 1280 bytes, so that it passes whatever the IPv6 path: 40
 * bytes of header, 8 of fragment header, 1232 of payload (a multiple of
 * 8). */
#define PH6_MIN_MTU 1280u
#define PH6_PIECE 1232u

/* Does the IPv4 to IPv6 translation in ctx->scratch (olen bytes, of an
 * IPv4 packet with DF clear when df_clear) go out in pieces (pkt/refrag.h)?
 * Only with an emit callback to send the pieces past the first: without
 * one it goes whole, as the IPv4 sender's packet would have (the host's
 * link decides; docs/nat64.md "Fragments"). */
static int ph_must_cut(const pinhole_ctx *ctx, size_t olen, int df_clear) {
  return df_clear && olen > PH6_MIN_MTU && ctx->cb.emit != NULL;
}

/* The translation in ctx->scratch (olen bytes, a valid IPv6 packet) cut
 * for the minimum MTU: piece 0 in pkt (NULL: emitted too), the others
 * emitted to side. 0, or the counter of the reason it is dropped. */
static int ph_send_cut(pinhole_ctx *ctx, pinhole_pkt *pkt, size_t olen,
                       uint32_t id, int side) {
  const uint8_t *o = ctx->scratch;
  pinhole_pkt6_view ov;
  ph_refrag6 rf; /* offset, M flag and id continue o's own fragment
                    header (o translated an IPv4 fragment) */
  if (pinhole_pkt6_parse(o, olen, &ov) != PINHOLE_PKT_OK ||
      pinhole__refrag6_plan(&rf, o, olen, PH6_PIECE, id) != 0)
    return PINHOLE_CNT_NAT64_FAIL;
  if (pkt != NULL && pkt->cap < PH6_MIN_MTU)
    return PINHOLE_CNT_NAT64_NOBUF;
  for (size_t k = pkt != NULL ? 1 : 0; k < rf.n; k++) {
    size_t n = pinhole__refrag6_put(&rf, k, o + rf.at, ctx->emit_buf);
    ctx->cb.emit(ctx, ctx->emit_buf, n, side, ctx->user);
  }
  if (pkt != NULL)
    pkt->len = (uint32_t)pinhole__refrag6_put(&rf, 0, o + rf.at, pkt->data);
  ph_count(ctx, PINHOLE_CNT_NAT64_XLAT);
  return 0;
}

/* An IPv4 packet's translation (rc, olen from pinhole_xlat_4to6) put in
 * pkt (NULL: emitted to side), whole or cut (df_clear: the IPv4 packet
 * allowed fragmentation; id: its identification). 0, or the counter of
 * the reason it is dropped. */
static int ph_put_back6(pinhole_ctx *ctx, pinhole_pkt *pkt, int rc, size_t olen,
                        int df_clear, uint32_t id, int side) {
  if (rc == 0 && ph_must_cut(ctx, olen, df_clear))
    return ph_send_cut(ctx, pkt, olen, id, side);
  if (pkt != NULL)
    return ph_put_back(ctx, pkt, rc, olen);
  if (rc != 0)
    return rc == PINHOLE_ERR_NOBUF ? PINHOLE_CNT_NAT64_NOBUF
                                   : PINHOLE_CNT_NAT64_FAIL;
  pinhole_pkt6_view ov;
  if (pinhole_pkt6_parse(ctx->scratch, olen, &ov) != PINHOLE_PKT_OK)
    return PINHOLE_CNT_NAT64_FAIL;
  ctx->cb.emit(ctx, ctx->scratch, olen, side, ctx->user);
  ph_count(ctx, PINHOLE_CNT_NAT64_XLAT);
  return 0;
}

/* The IPv6 addresses a packet of c from the IPv4 side gets (sec. 4.1):
 * the server under the prefix, to the client. */
static void ph_map_in(const pinhole_ctx *ctx, const ph_conn *c,
                      pinhole_xlat_map *m) {
  const ph_conn6 *c6 = ph_conn6_of(ctx, c);
  memset(m, 0, sizeof(*m));
  memcpy(m->src6, c6->a_dst, 16);
  memcpy(m->dst6, c6->a_src, 16);
}

/* The IPv4 addresses a packet of c from the IPv6 side gets (sec. 5.1). */
static void ph_map_out(const pinhole_ctx *ctx, const ph_conn *c,
                       pinhole_xlat_map *m) {
  memset(m, 0, sizeof(*m));
  m->src4 = c->b.dst;
  m->dst4 = c->b.src;
  m->sport = c->b.dport; /* echo: the public identifier */
  m->dport = c->b.sport;
  m->ip_id = ph_ip_id(ctx, c);
}

/* Is the IPv4 packet at d sent with DF clear? */
static int ph_df_clear(const uint8_t *d) {
  return !(ph_get16(d + 6) & 0x4000u);
}

/* Is v (a packet of c) a first fragment of a UDP datagram an ALG
 * watches (a SIP message)? Its ALG would take the piece for the message. */
static int ph_watched_frag(const ph_conn *c, const pinhole_pkt_view *v) {
  return ph_conn_watched(c) && c->proto == PINHOLE_IPPROTO_UDP &&
         (v->flags & PINHOLE_PKTF_FRAGMENT);
}

ph_status pinhole__nat64_frag_watched(pinhole_ctx *ctx, pinhole_pkt_view *v,
                                      ph_conn *c, int dir, int side) {
  if (!ph_watched_frag(c, v))
    return PH_PASS;
  pinhole__alg_frag(ctx, v, c, dir, side); /* not inspected: counted */
  if (ctx->cfg.flags & PINHOLE_CFG_ALG_PASS_UNTRANSLATED)
    return PH_PASS;
  ph_count(ctx, PINHOLE_CNT_NAT64_FRAGMENT);
  return PH_DROP;
}

int pinhole__nat64_out(pinhole_ctx *ctx, pinhole_pkt *pkt,
                       const pinhole_pkt6_view *v6, ph_conn *c) {
  /* a first fragment (frag6.c keeps its entry): RFC 7915 sec. 5.1.1,
   * the IPv4 fragment carries the low 16 bits of the identification, its
   * offset and M, DF clear (pinhole_xlat_6to4); the transport checksum
   * is adjusted for the pseudo-header and port, not recomputed (sec.
   * 5.5: the rest of the datagram is not here). An ICMPv6 message's
   * checksum covers the pseudo-header and the whole message, which a
   * translator of fragments cannot refold: not translated. */
  if ((v6->flags & PINHOLE_PKT6F_FRAGMENT) &&
      v6->proto == PINHOLE_IP6_NH_ICMPV6)
    return ph_refuse(ctx, PINHOLE_CNT_NAT64_FRAGMENT, 0);
  size_t olen = 0;
  /* the common case (a plain TCP or UDP packet no ALG watches):
   * translated in place, the same bytes (pkt/xlat_plain.h), without
   * ph_plain6_check again: v6 is the IPv6 path's parse of these bytes
   * (ph_plain6_check's view or the full parse's, whose TCP and UDP
   * checks are the same), and nothing wrote them since: no ALG, and the
   * TCP tracking only reads the packet (tcp.c pinhole__tcp_track; the
   * sequence corrections are a watched connection's). With no extension
   * header (l4_off 40) v6 is what ph_plain6_check accepts as far as the
   * translation reads it (the ports, the hop limit and a UDP checksum
   * not 0 read again here: a few loads). Anything else (echo, extension
   * headers, a fragment): the general path, unchecked here. The
   * translation takes only the fields it reads (ph_map_out's). */
  size_t cap = pkt->cap < PH_SCRATCH ? pkt->cap : PH_SCRATCH;
  const uint8_t *d = pkt->data;
  int udp = v6->proto == PINHOLE_IPPROTO_UDP;
  ph_plain6 p6 = {v6->ip_len, v6->sport, v6->dport, v6->proto,
                  udp ? (uint8_t)PH_PLAIN6_UDP_HLEN : v6->tcp_hlen};
  int plain = (udp ? ph_get16(d + PH_PLAIN6_HLEN + 6) != 0
                   : v6->proto == PINHOLE_IPPROTO_TCP) &&
              v6->l4_off == PH_PLAIN6_HLEN && v6->ip_len <= pkt->len &&
              v6->sport != 0 && v6->dport != 0 && d[7] != 0;
  if (!ph_conn_watched(c) && plain) {
    ph_xlat_to4 x = {c->b.dst, c->b.src, c->b.dport, c->b.sport,
                     ph_ip_id(ctx, c)};
    if (pinhole__xlat_6to4_checked(pkt->data, cap, &p6, &x, &olen)) {
      pkt->len = (uint32_t)olen;
      ph_count(ctx, PINHOLE_CNT_NAT64_XLAT);
      c->last_seen = ctx->now_tick;
      ph_conn_count(ctx, c, 0, v6->ip_len);
      return PINHOLE_VERDICT_FORWARD;
    }
  }
  pinhole_xlat_map m;
  ph_map_out(ctx, c, &m);
  int rc = pinhole_xlat_6to4(pkt->data, pkt->len, ctx->scratch, PH_SCRATCH, &m,
                             &olen);
  int why = ph_put_back(ctx, pkt, rc, olen);
  if (why)
    return ph_refuse(ctx, why, 0);
  /* a watched datagram's first fragment here passes untranslated
   * (pinhole__nat64_frag_watched) */
  int piece =
      c->proto == PINHOLE_IPPROTO_UDP && (v6->flags & PINHOLE_PKT6F_FIRST_FRAG);
  if (ph_conn_watched(c) && !piece) { /* its ALG on the IPv4 packet */
    pinhole_pkt_view v4;
    if (pinhole_pkt_parse(pkt->data, pkt->len, &v4) != PINHOLE_PKT_OK)
      return PINHOLE_VERDICT_DROP;
    int vd = pinhole__alg_run64(ctx, pkt, &v4, c, 0, c->a_side);
    if (vd >= 0)
      return vd;
  }
  c->last_seen = ctx->now_tick;
  ph_conn_count(ctx, c, 0, v6->ip_len);
  return PINHOLE_VERDICT_FORWARD;
}

/* An IPv4 first fragment NAT64 does not translate (RFC 6146 sec. 3.4):
 * a UDP datagram without a checksum (RFC 7915 sec. 4.5: the IPv6 one
 * cannot be computed from a piece; the default "drop"), or an ICMP
 * message (its ICMPv6 checksum covers the whole message): dropped and
 * counted, and its later fragments with it (frag_reasm.c). */
static int ph_frag4_refused(pinhole_ctx *ctx, const pinhole_pkt_view *v,
                            int side) {
  if (!(v->flags & PINHOLE_PKTF_FRAGMENT) ||
      (v->proto != PINHOLE_IPPROTO_ICMP &&
       !(v->proto == PINHOLE_IPPROTO_UDP &&
         (v->flags & PINHOLE_PKTF_UDP_NOCSUM))))
    return 0;
  pinhole__frag_dead4(ctx, side, v);
  ph_refuse(ctx, PINHOLE_CNT_NAT64_FRAGMENT, 0);
  return 1;
}

int pinhole__nat64_xlat_in(pinhole_ctx *ctx, const ph_conn *c, const uint8_t *p,
                           size_t len, size_t *olen) {
  pinhole_xlat_map m;
  ph_map_in(ctx, c, &m);
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
  if (ph_frag4_refused(ctx, v, side))
    return PINHOLE_VERDICT_DROP;
  if (v->proto == PINHOLE_IPPROTO_TCP) {
    if (pinhole__tcp_track(ctx, c, dir, pkt->data, v) == PH_DROP)
      return PINHOLE_VERDICT_DROP;
  } else if (v->proto == PINHOLE_IPPROTO_ICMP) {
    int bad = pinhole__icmp_seq_bad(ctx, c, dir, v);
    if (bad) {
      ph_count(ctx, PINHOLE_CNT_ERR_ICMP);
      return ph_refuse(ctx, bad, 0);
    }
  }
  /* a watched datagram's first fragment: reassembled for its ALG
   * (core/frag_reasm.c, ph_finish64); -1: passed on unparsed */
  if (ph_watched_frag(c, v)) {
    int vd = pinhole__reasm_first(ctx, pkt, v, c, dir, side);
    if (vd >= 0)
      return vd;
  }
  /* FTP64: its ALG on the IPv4 packet as the server sent it (alg6.c) */
  if (ph_conn_watched(c) && !ph_watched_frag(c, v)) {
    int vd = pinhole__alg_run64(ctx, pkt, v, c, dir, side);
    if (vd >= 0)
      return vd;
  }
  size_t olen = 0;
  uint32_t in_len = v->ip_len;
  int df_clear = ph_df_clear(pkt->data);
  /* the common case (a plain TCP or UDP packet no ALG watches): translated
   * in place, the same bytes (pkt/xlat_plain.h), when it goes out whole
   * (ph_must_cut: not above the minimum MTU when it would be cut) */
  if (!ph_conn_watched(c)) {
    /* ph_map_in's addresses (the connection's own, not copied) and
     * pinhole__nat64_xlat_in's ports for TCP and UDP */
    const ph_conn6 *c6 = ph_conn6_of(ctx, c);
    ph_xlat_to6 x = {c6->a_dst, c6->a_src, c->a.dport, c->a.sport};
    size_t cap = pkt->cap < PH_SCRATCH ? pkt->cap : PH_SCRATCH;
    if (df_clear && ctx->cb.emit != NULL && cap > PH6_MIN_MTU)
      cap = PH6_MIN_MTU;
    /* a TCP or UDP packet's view is the parse's (ph_plain4_check's or the
     * full one's, whose checks are the same) of these bytes, which
     * nothing wrote since (no ALG; the TCP tracking only reads them): no
     * ph_plain4_check again. Anything else (echo, options, a fragment):
     * the general path */
    int udp = v->proto == PINHOLE_IPPROTO_UDP;
    ph_plain4 p4 = {v->src,
                    v->dst,
                    v->sport,
                    v->dport,
                    v->ip_len,
                    v->proto,
                    udp ? (uint8_t)PH_UDP_HLEN : v->tcp_hlen};
    int plain = (udp || v->proto == PINHOLE_IPPROTO_TCP) &&
                v->ihl == PH_IP_MIN_HLEN &&
                !(v->flags & PINHOLE_PKTF_FRAGMENT) && v->ip_len <= pkt->len;
    if (plain && pinhole__xlat_4to6_checked(pkt->data, cap, &p4, &x, &olen)) {
      pkt->len = (uint32_t)olen;
      ph_count(ctx, PINHOLE_CNT_NAT64_XLAT);
      c->last_seen = ctx->now_tick;
      ph_conn_count(ctx, c, 1, in_len);
      return PINHOLE_VERDICT_FORWARD;
    }
  }
  uint8_t hdr4[60]; /* a first fragment's header, for its entry */
  if (v->flags & PINHOLE_PKTF_FRAGMENT)
    memcpy(hdr4, pkt->data, v->ihl);
  /* RFC 7915 sec. 4.1: a first fragment gets a fragment header (the
   * identification zero-extended, offset 0, M) and its transport
   * checksum adjusted for the new pseudo-header and port (sec. 4.5) */
  int rc = pinhole__nat64_xlat_in(ctx, c, pkt->data, pkt->len, &olen);
  int why = ph_put_back6(ctx, pkt, rc, olen, df_clear, v->ip_id, c->a_side);
  if (why)
    return ph_refuse(ctx, why, 0);
  c->last_seen = ctx->now_tick;
  ph_conn_count(ctx, c, 1, in_len);
  /* later fragments follow this one (frag.c, pinhole__nat64_frag4) */
  if (v->flags & PINHOLE_PKTF_FRAGMENT)
    pinhole__frag_first(ctx, side, v, hdr4, c, dir);
  return PINHOLE_VERDICT_FORWARD;
}

int pinhole__nat64_frag4(pinhole_ctx *ctx, pinhole_pkt *pkt,
                         const pinhole_pkt_view *v, const ph_conn *c) {
  pinhole_xlat_map m;
  ph_map_in(ctx, c, &m);
  size_t olen = 0;
  int rc = pinhole_xlat_4to6(pkt->data, v->ip_len, ctx->scratch, PH_SCRATCH, &m,
                             &olen);
  int why = ph_put_back6(ctx, pkt, rc, olen, ph_df_clear(pkt->data), v->ip_id,
                         c->a_side);
  if (why)
    return ph_refuse(ctx, why, PINHOLE_CNT_EXIST_DISCARD);
  ph_count(ctx, PINHOLE_CNT_EXIST_ACCEPT);
  return PINHOLE_VERDICT_FORWARD;
}

int pinhole__nat64_emit4(pinhole_ctx *ctx, const uint8_t *b, size_t len,
                         const ph_conn *c) {
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, len, &v) != PINHOLE_PKT_OK)
    return -1;
  pinhole_xlat_map m;
  ph_map_in(ctx, c, &m);
  size_t olen = 0;
  int rc = pinhole_xlat_4to6(b, len, ctx->scratch, PH_SCRATCH, &m, &olen);
  int why =
      ph_put_back6(ctx, NULL, rc, olen, ph_df_clear(b), v.ip_id, c->a_side);
  if (why) {
    ph_count(ctx, why);
    return -1;
  }
  return 0;
}

int pinhole__nat64_frag6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                         const pinhole_pkt6_view *v6, const ph_conn *c) {
  pinhole_xlat_map m;
  ph_map_out(ctx, c, &m);
  size_t olen = 0;
  /* RFC 7915 sec. 5.1.1: a later fragment, nothing past its header */
  int rc = pinhole_xlat_6to4(pkt->data, v6->ip_len, ctx->scratch, PH_SCRATCH,
                             &m, &olen);
  int why = ph_put_back(ctx, pkt, rc, olen);
  if (why)
    return ph_refuse(ctx, why, PINHOLE_CNT_EXIST_DISCARD);
  ph_count(ctx, PINHOLE_CNT_EXIST_ACCEPT);
  return PINHOLE_VERDICT_FORWARD;
}

int pinhole__nat64_hairpin(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           const pinhole_pkt6_view *v6, ph_conn *c, int dir) {
  const ph_conn6 *c6 = ph_conn6_of(ctx, c);
  const ph_mapping *ma = ph_map_at(ctx, pinhole__conn_mapping(ctx, c));
  const ph_mapping *mb = ph_map_at(ctx, pinhole__conn_hairpin(ctx, c));
  /* RFC 6146 sec. 3.8: out as IPv4 from the sender's mapping to the
   * other's (RFC 7915 sec. 5.1), then in as IPv6 to the other host
   * (sec. 4.1): two translations, so the packet is exactly what a
   * round trip through the IPv4 side would make of it */
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  m.src4 = dir ? mb->paddr : ma->paddr;
  m.sport = dir ? mb->pport : ma->pport;
  m.dst4 = dir ? ma->paddr : mb->paddr;
  m.dport = dir ? ma->pport : mb->pport;
  if (m.src4 == m.dst4) /* one pool address: the IPv4 parse would refuse
                           the intermediate packet as a land attack; its
                           addresses cancel out of the checksum */
    m.src4 ^= 0x100u;
  /* m.ip_id stays 0: the intermediate packet's identification never
   * reaches the output (pinhole_xlat_4to6 copies it only into the
   * fragment header of an IPv4 fragment, and the intermediate packet is
   * one only when the IPv6 packet was, with the identification of its
   * own fragment header) */
  size_t mid = 0, olen = 0;
  int rc = pinhole_xlat_6to4(pkt->data, v6->ip_len, ctx->scratch, PH_SCRATCH,
                             &m, &mid);
  if (rc == 0) {
    memset(&m, 0, sizeof(m));
    memcpy(m.src6, dir ? c6->a_dst : c6->b_dst, 16);
    memcpy(m.dst6, dir ? c6->a_src : c6->b_src, 16);
    m.sport = dir ? c->a.dport : c->b.dport;
    m.dport = dir ? c->a.sport : c->b.sport;
    rc = pinhole_xlat_4to6(ctx->scratch, mid, pkt->data, pkt->cap, &m, &olen);
  }
  pinhole_pkt6_view ov;
  if (rc != 0 || pinhole_pkt6_parse(pkt->data, olen, &ov) != PINHOLE_PKT_OK)
    return ph_refuse(ctx,
                     rc == PINHOLE_ERR_NOBUF ? PINHOLE_CNT_NAT64_NOBUF
                                             : PINHOLE_CNT_NAT64_FAIL,
                     0);
  pkt->len = (uint32_t)olen;
  ph_count(ctx, PINHOLE_CNT_NAT64_XLAT);
  c->last_seen = ctx->now_tick;
  ph_conn_count(ctx, c, dir, v6->ip_len);
  return PINHOLE_VERDICT_HAIRPIN;
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
    int k = pinhole__nat64_prefix_of(ctx, c6->a_dst, &d4);
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

int pinhole__nat64_whole4(pinhole_ctx *ctx, pinhole_pkt *w, ph_conn *c,
                          int side, size_t *olen) {
  pinhole_pkt_view v;
  int reason = pinhole_pkt_parse(w->data, w->len, &v);
  if (reason != PINHOLE_PKT_OK) {
    pinhole__count_reason(ctx, reason);
    return PINHOLE_VERDICT_DROP;
  }
  uint32_t in_len = v.ip_len;
  int vd = pinhole__alg_run64(ctx, w, &v, c, 1, side);
  if (vd >= 0)
    return vd;
  int rc = pinhole__nat64_xlat_in(ctx, c, w->data, w->len, olen);
  pinhole_pkt6_view ov;
  if (rc != 0 || pinhole_pkt6_parse(ctx->scratch, *olen, &ov) != PINHOLE_PKT_OK)
    return ph_refuse(ctx,
                     rc == PINHOLE_ERR_NOBUF ? PINHOLE_CNT_NAT64_NOBUF
                                             : PINHOLE_CNT_NAT64_FAIL,
                     0);
  ph_count(ctx, PINHOLE_CNT_NAT64_XLAT);
  c->last_seen = ctx->now_tick;
  ph_conn_count(ctx, c, 1, in_len);
  return PINHOLE_VERDICT_FORWARD;
}

int pinhole__nat64_emit6(pinhole_ctx *ctx, const uint8_t *b, size_t len,
                         const ph_conn *c) {
  pinhole_xlat_map m;
  ph_map_out(ctx, c, &m);
  size_t olen = 0;
  int rc = pinhole_xlat_6to4(b, len, ctx->scratch, PH_SCRATCH, &m, &olen);
  pinhole_pkt_view ov;
  if (rc != 0 || pinhole_pkt_parse(ctx->scratch, olen, &ov) != PINHOLE_PKT_OK) {
    ph_count(ctx, rc == PINHOLE_ERR_NOBUF ? PINHOLE_CNT_NAT64_NOBUF
                                          : PINHOLE_CNT_NAT64_FAIL);
    return -1;
  }
  ctx->cb.emit(ctx, ctx->scratch, olen, c->a_side ^ 1, ctx->user);
  ph_count(ctx, PINHOLE_CNT_NAT64_XLAT);
  return 0;
}

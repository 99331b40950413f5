/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6, its extension headers, and TCP, UDP and ICMPv6 over it (RFC 8200,
 * 4443, 4861 for the ND types, 2675 jumbograms refused, 5095 type 0
 * routing refused, 6946 atomic fragments, 7112 the header chain of a
 * first fragment, 4291 and 6890 for illegal addresses).
 *
 * One pass, first failed check wins, in the order documented in
 * include/pinhole/ipv6.h. Every read is preceded by a length check against
 * the bytes the packet really has; the chain walk is bounded by a count
 * of headers as well as by the bytes.
 */
#include <pinhole/cksum.h>
#include <pinhole/ipv6.h>

#include <string.h>

#include "pkt/bytes.h"
#include "pkt/ipv6_chain.h"
#include "pkt/pkt_cksum.h"
#include "pkt/plain6.h"

#define PH6_HLEN 40u
#define PH6_EXT_MAX 8u
#define PH6_TCP_MIN 20u
#define PH6_UDP_HLEN 8u
#define PH6_ICMP_HLEN 8u
#define PH6_OPT_PAD1 0u
#define PH6_OPT_JUMBO 0xc2u

/* ---- addresses (RFC 4291 sec. 2, RFC 6890) --------------------------- */

static int ph6_zero(const uint8_t *a, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i] != 0)
      return 0;
  return 1;
}

/* ::/128 */
static int ph6_unspec(const uint8_t a[16]) {
  return ph6_zero(a, 16);
}

/* ::1, ::ffff:0:0/96 (IPv4-mapped, RFC 4291 2.5.5.2: never on the wire)
 * and the deprecated IPv4-compatible ::/96 (2.5.5.1) other than ::. */
static int ph6_never_on_wire(const uint8_t a[16]) {
  if (!ph6_zero(a, 10))
    return 0;
  if (a[10] == 0xff && a[11] == 0xff)
    return 1; /* mapped */
  if (a[10] != 0 || a[11] != 0)
    return 0;
  return !ph6_unspec(a); /* ::1 and ::a.b.c.d */
}

static int ph6_link_local(const uint8_t a[16]) {
  return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
         (a[0] == 0xff && (a[1] & 0x0f) == 2);
}

static int ph6_src_bad(const uint8_t a[16]) {
  return a[0] == 0xff || ph6_never_on_wire(a);
}

/* Multicast scopes 0 and F are reserved and 1 (interface-local) is for
 * loopback only (RFC 4291 2.7). */
static int ph6_dst_bad(const uint8_t a[16]) {
  if (a[0] == 0xff) {
    unsigned scope = a[1] & 0x0fu;
    return scope == 0 || scope == 1 || scope == 0xf;
  }
  return ph6_unspec(a) || ph6_never_on_wire(a);
}

/* ---- the extension-header chain -------------------------------------- */

/* Options of a hop-by-hop or destination options header (RFC 8200 4.2):
 * Pad1 is one byte, every other option type, length, data inside the
 * header. A Jumbo Payload option is refused. */
static int ph6_options(ph_span opt) {
  size_t off = 0;
  while (off < opt.len) {
    uint8_t type = opt.p[off];
    if (type == PH6_OPT_PAD1) {
      off++;
      continue;
    }
    if (!ph_span_has(&opt, off, 2))
      return PINHOLE_PKT_IP6_EXT;
    size_t olen = (size_t)opt.p[off + 1] + 2u;
    if (!ph_span_has(&opt, off, olen))
      return PINHOLE_PKT_IP6_EXT;
    if (type == PH6_OPT_JUMBO)
      return PINHOLE_PKT_IP6_JUMBO;
    off += olen;
  }
  return PINHOLE_PKT_OK;
}

/* The fragment header at pkt[off..off+8) (RFC 8200 4.5). quoted: inside
 * an ICMPv6 error, whose cut-off quote makes the length rules moot. */
static int ph6_fragment(ph_span pkt, size_t off, int quoted, ph6_chain *c) {
  uint16_t offlg = ph_get16(pkt.p + off + 2);
  size_t fo = offlg & 0xfff8u;
  int more = offlg & 1u;
  size_t flen = pkt.len - off - 8u;
  c->frag_hdr_off = off;
  c->frag_id = ph_get32(pkt.p + off + 4);
  c->frag_off = (uint16_t)fo;
  c->frag_more = (uint8_t)more;
  if (fo == 0 && !more) {
    c->flags |= PINHOLE_PKT6F_ATOMIC;
    return PINHOLE_PKT_OK;
  }
  c->flags |= PINHOLE_PKT6F_FRAGMENT;
  if (fo == 0)
    c->flags |= PINHOLE_PKT6F_FIRST_FRAG;
  if (!quoted && ((more && flen % 8u != 0) || fo + flen > 65535u))
    return PINHOLE_PKT_IP6_FRAG_LEN;
  return PINHOLE_PKT_OK;
}

/* May header nh come at position c->count, given the ones seen? */
static int ph6_order_ok(uint8_t nh, const ph6_chain *c, unsigned *seen) {
  unsigned bit = nh == PINHOLE_IP6_NH_ROUTING    ? 1u
                 : nh == PINHOLE_IP6_NH_FRAGMENT ? 2u
                 : nh == PINHOLE_IP6_NH_DSTOPTS  ? 4u
                                                 : 0u;
  if (c->count >= PH6_EXT_MAX)
    return 0;
  if (nh == PINHOLE_IP6_NH_HOPOPTS)
    return c->count == 0;
  if (nh == PINHOLE_IP6_NH_DSTOPTS && (*seen & 4u)) {
    if (*seen & 8u)
      return 0; /* a third destination options header */
    *seen |= 8u;
    return 1;
  }
  if (*seen & bit)
    return 0;
  *seen |= bit;
  return 1;
}

static int ph6_is_ext(uint8_t nh) {
  return nh == PINHOLE_IP6_NH_HOPOPTS || nh == PINHOLE_IP6_NH_ROUTING ||
         nh == PINHOLE_IP6_NH_FRAGMENT || nh == PINHOLE_IP6_NH_DSTOPTS;
}

/* One header of the chain at off: its length in *hlen. A header that
 * does not fit is IP6_EXT, or IP6_FRAG_CHAIN in a first fragment. */
static int ph6_ext_one(ph_span pkt, size_t off, uint8_t nh, int quoted,
                       ph6_chain *c, size_t *hlen) {
  int cut = (c->flags & PINHOLE_PKT6F_FIRST_FRAG) ? PINHOLE_PKT_IP6_FRAG_CHAIN
                                                  : PINHOLE_PKT_IP6_EXT;
  if (nh == PINHOLE_IP6_NH_FRAGMENT) {
    *hlen = 8;
    if (!ph_span_has(&pkt, off, 8))
      return PINHOLE_PKT_IP6_EXT;
    return ph6_fragment(pkt, off, quoted, c);
  }
  if (!ph_span_has(&pkt, off, 8))
    return cut;
  *hlen = ((size_t)pkt.p[off + 1] + 1u) * 8u;
  if (!ph_span_has(&pkt, off, *hlen))
    return cut;
  if (nh != PINHOLE_IP6_NH_ROUTING) {
    ph_span opt = {pkt.p + off + 2, *hlen - 2u};
    return ph6_options(opt);
  }
  if (pkt.p[off + 2] == 0)
    return PINHOLE_PKT_IP6_ROUTING;
  if (pkt.p[off + 3] != 0)
    c->flags |= PINHOLE_PKT6F_ROUTED;
  return PINHOLE_PKT_OK;
}

int pinhole__ip6_walk(const uint8_t *p, size_t len, int quoted, ph6_chain *c) {
  ph_span pkt = {p, len};
  uint8_t nh = pkt.p[6];
  size_t off = PH6_HLEN;
  unsigned seen = 0;
  memset(c, 0, sizeof(*c));
  while (ph6_is_ext(nh)) {
    if (!ph6_order_ok(nh, c, &seen))
      return PINHOLE_PKT_IP6_EXT_ORDER;
    size_t hlen = 0;
    int r = ph6_ext_one(pkt, off, nh, quoted, c, &hlen);
    if (r != PINHOLE_PKT_OK)
      return r;
    c->count++;
    c->flags |= PINHOLE_PKT6F_EXT;
    nh = pkt.p[off];
    off += hlen;
    if (c->frag_off != 0)
      break; /* a non-first fragment: the rest is not here */
  }
  c->proto = nh;
  c->l4_off = off;
  return PINHOLE_PKT_OK;
}

/* ---- the upper layer */

/* cut: the reason when a header is incomplete (FRAG_CHAIN in a first
 * fragment, where RFC 7112 wants the whole upper-layer header). */
static int ph6_tcp(ph_span seg, int cut, pinhole_pkt6_view *v) {
  if (seg.len < PH6_TCP_MIN)
    return cut ? cut : PINHOLE_PKT_TCP_HDR_LEN;
  size_t hlen = (size_t)(seg.p[12] >> 4) * 4u;
  if (hlen < PH6_TCP_MIN)
    return PINHOLE_PKT_TCP_HDR_LEN;
  if (hlen > seg.len)
    return cut ? cut : PINHOLE_PKT_TCP_HDR_LEN;
  v->sport = ph_get16(seg.p);
  v->dport = ph_get16(seg.p + 2);
  v->seq = ph_get32(seg.p + 4);
  v->ack = ph_get32(seg.p + 8);
  v->tcp_flags = seg.p[13];
  v->tcp_hlen = (uint8_t)hlen;
  v->tcp_win = ph_get16(seg.p + 14);
  v->payload_off = (uint32_t)(v->l4_off + hlen);
  v->payload_len = (uint32_t)(seg.len - hlen);
  if (v->sport == 0 || v->dport == 0)
    return PINHOLE_PKT_TCP_PORT_ZERO;
  if (ph_tcp_flags_bad(v->tcp_flags))
    return PINHOLE_PKT_TCP_FLAGS;
  v->flags |= PINHOLE_PKT6F_L4;
  return PINHOLE_PKT_OK;
}

static int ph6_udp(ph_span dgram, int cut, pinhole_pkt6_view *v) {
  if (dgram.len < PH6_UDP_HLEN)
    return cut ? cut : PINHOLE_PKT_UDP_SHORT;
  v->sport = ph_get16(dgram.p);
  v->dport = ph_get16(dgram.p + 2);
  v->payload_off = v->l4_off + PH6_UDP_HLEN;
  v->payload_len = (uint32_t)(dgram.len - PH6_UDP_HLEN);
  if (v->sport == 0 || v->dport == 0)
    return PINHOLE_PKT_UDP_PORT_ZERO;
  size_t ulen = ph_get16(dgram.p + 4);
  if (ulen < PH6_UDP_HLEN || (cut ? ulen < dgram.len : ulen != dgram.len))
    return PINHOLE_PKT_UDP_LEN;
  if (ph_get16(dgram.p + 6) == 0)
    return PINHOLE_PKT_UDP6_CKSUM_ZERO;
  v->flags |= PINHOLE_PKT6F_L4;
  return PINHOLE_PKT_OK;
}

/* The packet an ICMPv6 error quotes (RFC 4443 2.4(c): as much as fits):
 * an IPv6 header, its chain, and 8 bytes of what follows. */
static int ph6_quoted(ph_span q, size_t q_off, pinhole_pkt6_view *v) {
  if (q.len < PH6_HLEN || (q.p[0] >> 4) != 6)
    return PINHOLE_PKT_ICMP_ERR_LEN;
  ph6_chain c;
  if (pinhole__ip6_walk(q.p, q.len, 1, &c) != PINHOLE_PKT_OK ||
      !ph_span_has(&q, c.l4_off, 8))
    return PINHOLE_PKT_ICMP_ERR_LEN;
  v->inner_off = (uint32_t)q_off;
  v->inner_l4_off = (uint32_t)(q_off + c.l4_off);
  v->inner_proto = c.proto;
  memcpy(v->inner_src, q.p + 8, 16);
  memcpy(v->inner_dst, q.p + 24, 16);
  if (c.frag_off != 0) {
    v->inner_frag = 1;
    return PINHOLE_PKT_OK;
  }
  const uint8_t *l4 = q.p + c.l4_off;
  if (c.proto == PINHOLE_IPPROTO_TCP || c.proto == PINHOLE_IPPROTO_UDP) {
    v->inner_sport = ph_get16(l4);
    v->inner_dport = ph_get16(l4 + 2);
  } else if (c.proto == PINHOLE_IP6_NH_ICMPV6 &&
             (l4[0] == PINHOLE_ICMP6_ECHO ||
              l4[0] == PINHOLE_ICMP6_ECHOREPLY)) {
    v->inner_sport = ph_get16(l4 + 4);
    v->inner_dport = v->inner_sport;
  }
  return PINHOLE_PKT_OK;
}

static int ph6_icmp(ph_span msg, int cut, pinhole_pkt6_view *v) {
  if (msg.len < PH6_ICMP_HLEN)
    return cut ? cut : PINHOLE_PKT_ICMP_SHORT;
  uint8_t t = msg.p[0];
  v->icmp_type = t;
  v->icmp_code = msg.p[1];
  v->payload_off = v->l4_off + PH6_ICMP_HLEN;
  v->payload_len = (uint32_t)(msg.len - PH6_ICMP_HLEN);
  if (t == PINHOLE_ICMP6_ECHO || t == PINHOLE_ICMP6_ECHOREPLY) {
    v->sport = ph_get16(msg.p + 4);
    v->dport = v->sport;
    v->icmp_seq = ph_get16(msg.p + 6);
    v->flags |= PINHOLE_PKT6F_ICMP_QUERY | PINHOLE_PKT6F_L4;
    return PINHOLE_PKT_OK;
  }
  if (t >= PINHOLE_ICMP6_ROUTER_SOL && t <= PINHOLE_ICMP6_REDIRECT)
    v->flags |= PINHOLE_PKT6F_ND;
  if ((t >= 130 && t <= 132) || t == 143)
    v->flags |= PINHOLE_PKT6F_MLD;
  if (t < PINHOLE_ICMP6_UNREACH || t > PINHOLE_ICMP6_PARAMPROB)
    return PINHOLE_PKT_OK;
  v->flags |= PINHOLE_PKT6F_ICMP_ERROR;
  ph_span q = {msg.p + PH6_ICMP_HLEN, msg.len - PH6_ICMP_HLEN};
  return ph6_quoted(q, v->payload_off, v);
}

/* ---- the packet */

static int ph6_fixed(const uint8_t *d, size_t len, pinhole_pkt6_view *v) {
  if (len < PH6_HLEN || (d[0] >> 4) != 6)
    return PINHOLE_PKT_IP6_HDR;
  uint32_t w0 = ph_get32(d);
  size_t plen = ph_get16(d + 4);
  v->tclass = (uint8_t)(w0 >> 20);
  v->flow_label = w0 & 0xfffffu;
  v->hlim = d[7];
  v->ip_len = (uint32_t)(PH6_HLEN + plen);
  memcpy(v->src, d + 8, 16);
  memcpy(v->dst, d + 24, 16);
  if (plen > len - PH6_HLEN)
    return PINHOLE_PKT_IP6_LEN;
  if (plen == 0 && d[6] == PINHOLE_IP6_NH_HOPOPTS)
    return PINHOLE_PKT_IP6_JUMBO;
  if (v->hlim == 0)
    return PINHOLE_PKT_IP_TTL_ZERO;
  if (memcmp(v->src, v->dst, 16) == 0)
    return PINHOLE_PKT_IP_LAND;
  if (ph6_src_bad(v->src))
    return PINHOLE_PKT_IP6_SRC;
  if (ph6_dst_bad(v->dst))
    return PINHOLE_PKT_IP6_DST;
  if (ph6_unspec(v->src))
    v->flags |= PINHOLE_PKT6F_SRC_UNSPEC;
  if (ph6_link_local(v->src) || ph6_link_local(v->dst))
    v->flags |= PINHOLE_PKT6F_LINK_LOCAL;
  return PINHOLE_PKT_OK;
}

static int ph6_upper(const uint8_t *d, pinhole_pkt6_view *v) {
  ph_span l4 = {d + v->l4_off, v->l4_len};
  int cut =
      (v->flags & PINHOLE_PKT6F_FIRST_FRAG) ? PINHOLE_PKT_IP6_FRAG_CHAIN : 0;
  switch (v->proto) {
  case PINHOLE_IPPROTO_TCP:
    return ph6_tcp(l4, cut, v);
  case PINHOLE_IPPROTO_UDP:
    return ph6_udp(l4, cut, v);
  case PINHOLE_IP6_NH_ICMPV6:
    return ph6_icmp(l4, cut, v);
  default:
    return PINHOLE_PKT_OK;
  }
}

/* The unspecified source is the sender's before it has an address: router
 * and neighbour solicitation (RFC 4861 6.1.1, 7.1.1: DAD) and MLD reports
 * (RFC 3810 5.2.13 allows it for MLDv2 reports). */
static int ph6_unspec_ok(const pinhole_pkt6_view *v) {
  if (v->proto != PINHOLE_IP6_NH_ICMPV6 || v->l4_len < PH6_ICMP_HLEN ||
      (v->flags & PINHOLE_PKT6F_FRAGMENT))
    return 0;
  uint8_t t = v->icmp_type;
  return t == PINHOLE_ICMP6_ROUTER_SOL || t == PINHOLE_ICMP6_NEIGH_SOL ||
         t == 131 || t == 143;
}

/* The common case in one pass (plain6.h): 1 when it filled *v exactly
 * as the full parse would, 0 when the packet needs the full parse. */
static inline int ph6_parse_fast(const uint8_t *d, size_t len,
                                 pinhole_pkt6_view *v) {
  ph_plain6 p;
  if (!ph_plain6_check(d, len, &p))
    return 0;
  ph_plain6_view(d, &p, v);
  return 1;
}

int pinhole_pkt6_parse(const uint8_t *data, size_t len,
                       pinhole_pkt6_view *view) {
  if (data == NULL || view == NULL) {
    if (view != NULL)
      memset(view, 0, sizeof(*view));
    return PINHOLE_ERR_INVALID_ARG;
  }
#ifdef PH_PARSE_SELFTEST
  /* differential check of the fast path (fuzzing builds only) */
  pinhole_pkt6_view fast;
  if (ph6_parse_fast(data, len, &fast)) {
    int r = pinhole__pkt6_parse_full(data, len, view);
    if (r != PINHOLE_PKT_OK || memcmp(&fast, view, sizeof(fast)) != 0)
      __builtin_trap();
    return r;
  }
#else
  if (ph6_parse_fast(data, len, view))
    return PINHOLE_PKT_OK;
#endif
  return pinhole__pkt6_parse_full(data, len, view);
}

int pinhole__pkt6_parse_full(const uint8_t *data, size_t len,
                             pinhole_pkt6_view *view) {
  memset(view, 0, sizeof(*view));
  int r = ph6_fixed(data, len, view);
  if (r != PINHOLE_PKT_OK)
    return r;
  ph6_chain c;
  r = pinhole__ip6_walk(data, view->ip_len, 0, &c);
  view->flags |= c.flags;
  view->ext_count = c.count;
  view->frag_hdr_off = (uint16_t)c.frag_hdr_off;
  view->frag_id = c.frag_id;
  view->frag_off = c.frag_off;
  if (r != PINHOLE_PKT_OK)
    return r;
  view->proto = c.proto;
  view->l4_off = (uint32_t)c.l4_off;
  view->l4_len = (uint32_t)(view->ip_len - c.l4_off);
  if (c.frag_off != 0)
    return PINHOLE_PKT_OK; /* non-first fragment: no upper-layer header */
  r = ph6_upper(data, view);
  if (r != PINHOLE_PKT_OK)
    return r;
  if ((view->flags & PINHOLE_PKT6F_SRC_UNSPEC) && !ph6_unspec_ok(view))
    return PINHOLE_PKT_IP6_SRC;
  return PINHOLE_PKT_OK;
}

/* ---- checksums ------------------------------------------------------- */

uint32_t pinhole_ip6_pseudo_sum(const uint8_t src[16], const uint8_t dst[16],
                                uint32_t ul_len, uint8_t nh) {
  uint8_t tail[8];
  ph_put32(tail, ul_len);
  tail[4] = tail[5] = tail[6] = 0;
  tail[7] = nh;
  uint32_t s = pinhole_cksum_add(0, src, 16);
  s = pinhole_cksum_add(s, dst, 16);
  return pinhole_cksum_add(s, tail, sizeof(tail));
}

size_t pinhole__l4_cksum6_at(uint8_t nh) {
  switch (nh) {
  case PINHOLE_IPPROTO_TCP:
    return 16;
  case PINHOLE_IPPROTO_UDP:
    return 6;
  case PINHOLE_IP6_NH_ICMPV6:
    return 2;
  default:
    return 0;
  }
}

uint32_t pinhole__l4_sum6(const uint8_t src[16], const uint8_t dst[16],
                          const uint8_t *l4, size_t l4_len, uint8_t nh) {
  uint32_t s = pinhole_ip6_pseudo_sum(src, dst, (uint32_t)l4_len, nh);
  return pinhole_cksum_add(s, l4, l4_len);
}

/* Offset of the checksum field of a parsed packet, or 0 when it has none
 * checked here (fragments, other protocols, a header too short). */
static size_t ph6_cksum_field(const pinhole_pkt6_view *v) {
  size_t at = pinhole__l4_cksum6_at(v->proto);
  if (at == 0 || (v->flags & PINHOLE_PKT6F_FRAGMENT) || v->l4_len < at + 2u)
    return 0;
  return (size_t)v->l4_off + at;
}

int pinhole_pkt6_l4_cksum_ok(const uint8_t *data,
                             const pinhole_pkt6_view *view) {
  if (data == NULL || view == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (ph6_cksum_field(view) == 0)
    return 1;
  uint32_t s = pinhole__l4_sum6(view->src, view->dst, data + view->l4_off,
                                view->l4_len, view->proto);
  return pinhole_cksum_finish(s) == 0;
}

int pinhole_pkt6_fix_cksums(uint8_t *data, const pinhole_pkt6_view *view) {
  if (data == NULL || view == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  size_t field = ph6_cksum_field(view);
  if (field == 0)
    return 0;
  uint16_t old = ph_get16(data + field);
  ph_put16(data + field, 0);
  uint16_t c = pinhole_cksum_finish(pinhole__l4_sum6(
      view->src, view->dst, data + view->l4_off, view->l4_len, view->proto));
  if (c == 0 && view->proto == PINHOLE_IPPROTO_UDP)
    c = 0xffff;
  ph_put16(data + field, c);
  return c != old;
}

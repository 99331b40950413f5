/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IP/ICMP translation (RFC 7915) as pure functions: one IPv4 packet into
 * one IPv6 packet and back, in a caller buffer, with the addresses and
 * ports the caller chose (stateless: the NAT64 state is the engine's).
 *
 * Sections: 4.1 IPv4 header -> IPv6, 4.2 ICMPv4 -> ICMPv6, 4.3 the quoted
 * packet of an ICMPv4 error, 4.5 TCP/UDP checksums (and the UDP zero
 * checksum); 5.1 IPv6 -> IPv4 with 5.1.1 the fragment header, 5.2 ICMPv6
 * -> ICMPv4, 5.3 the quoted packet. Known limits (docs/ipv6.md): no
 * fragmentation of an output larger than the next-hop MTU (the host's),
 * fragmented ICMP is dropped, a quoted packet is translated one level.
 */
#include <pinhole/cksum.h>
#include <pinhole/ipv6.h>

#include <string.h>

#include "pkt/bytes.h"
#include "pkt/ipv6_chain.h"
#include "pkt/pkt_cksum.h"
#include "pkt/plain4.h"
#include "pkt/plain6.h"
#include "pkt/xlat_plain.h"

#define PH4_HLEN 20u
#define PH6_HLEN 40u
#define PH6_FRAG_HLEN 8u
#define PH_ICMP_HLEN 8u
#define PH6_MIN_MTU 1280u
#define PH4_DF 0x4000u
#define PH4_MF 0x2000u
#define PH4_OFFMASK 0x1fffu
#define PH4_DF_ABOVE 1260u /* sec. 5.1: DF set on outputs above this */

#define PH_ICMP4_ECHOREPLY 0u
#define PH_ICMP4_UNREACH 3u
#define PH_ICMP4_ECHO 8u
#define PH_ICMP4_TIMXCEED 11u
#define PH_ICMP4_PARAMPROB 12u

#define PH_DROP (-1) /* a mapping table's "silently drop" */

/* ---- checksum arithmetic ---------------------------------------------- */

static uint16_t ph_fold(uint32_t s) {
  return (uint16_t)~pinhole_cksum_finish(s);
}

/* RFC 1624 eqn. 3 for a change of a whole region whose old and new
 * unfolded sums are given. */
static uint16_t ph_ck_adjust(uint16_t ck, uint32_t old_sum, uint32_t new_sum) {
  uint32_t s =
      (uint32_t)(uint16_t)~ck + (uint16_t)~ph_fold(old_sum) + ph_fold(new_sum);
  return (uint16_t)~ph_fold(s);
}

static uint32_t ph_sum4(uint32_t src, uint32_t dst) {
  uint8_t b[8];
  ph_put32(b, src);
  ph_put32(b + 4, dst);
  return pinhole_cksum_add(0, b, sizeof(b));
}

static uint32_t ph_sum6(const uint8_t src[16], const uint8_t dst[16]) {
  return pinhole_cksum_add(pinhole_cksum_add(0, src, 16), dst, 16);
}

/* ---- headers ------------------------------------------------------------ */

static void ph_put6_hdr(uint8_t *o, uint8_t tclass, size_t plen, uint8_t nh,
                        uint8_t hlim, const uint8_t src[16],
                        const uint8_t dst[16]) {
  ph_put32(o, 6u << 28 | (uint32_t)tclass << 20);
  ph_put16(o + 4, (uint16_t)plen);
  o[6] = nh;
  o[7] = hlim;
  memcpy(o + 8, src, 16);
  memcpy(o + 24, dst, 16);
}

static void ph_put6_frag(uint8_t *o, uint8_t nh, uint16_t off, int more,
                         uint32_t id) {
  o[0] = nh;
  o[1] = 0;
  ph_put16(o + 2, (uint16_t)(off | (more ? 1u : 0u)));
  ph_put32(o + 4, id);
}

static void ph_put4_hdr(uint8_t *o, uint8_t tos, size_t tot, uint16_t id,
                        uint16_t frag, uint8_t ttl, uint8_t proto, uint32_t src,
                        uint32_t dst) {
  o[0] = 0x45;
  o[1] = tos;
  ph_put16(o + 2, (uint16_t)tot);
  ph_put16(o + 4, id);
  ph_put16(o + 6, frag);
  o[8] = ttl;
  o[9] = proto;
  ph_put32(o + 12, src);
  ph_put32(o + 16, dst);
  pinhole__ip_cksum_set(o, PH4_HLEN);
}

/* ---- TCP and UDP (sec. 4.5, 5.5) ---------------------------------------- */

/* The pseudo-header and port changes of a TCP or UDP header l4[0..len)
 * (len: the bytes present; a cut-off quote may lack the checksum field,
 * which is then left alone): old_sum/new_sum are the sums of the old and
 * new pseudo-header addresses (length and protocol do not change). A UDP
 * zero checksum stays zero. */
static void ph_l4_adjust(uint8_t *l4, size_t len, uint8_t proto,
                         uint32_t old_sum, uint32_t new_sum, uint16_t sport,
                         uint16_t dport) {
  size_t at = proto == PINHOLE_IPPROTO_TCP ? 16u : 6u;
  int has_ck = len >= at + 2u;
  uint16_t ck = has_ck ? ph_get16(l4 + at) : 0;
  int none = proto == PINHOLE_IPPROTO_UDP && ck == 0;
  uint16_t ports[2] = {sport, dport};
  for (size_t i = 0; i < 2; i++) {
    if (ports[i] == 0 || len < 2u * i + 2u)
      continue;
    uint16_t old = ph_get16(l4 + 2 * i);
    ph_put16(l4 + 2 * i, ports[i]);
    old_sum += old;
    new_sum += ports[i];
  }
  if (!has_ck || none)
    return;
  ck = ph_ck_adjust(ck, old_sum, new_sum);
  if (ck == 0 && proto == PINHOLE_IPPROTO_UDP)
    ck = 0xffff;
  ph_put16(l4 + at, ck);
}

static int ph_is_tcp_udp(uint8_t proto) {
  return proto == PINHOLE_IPPROTO_TCP || proto == PINHOLE_IPPROTO_UDP;
}

/* ---- ICMP type and code mappings ----------------------------------------- */

/* Sec. 4.2, Figure 3: an IPv4 header byte to the IPv6 header byte. */
static int ph_ptr_4to6(unsigned p) {
  static const signed char map[20] = {0,  1,  4, 4, -1, -1, -1, -1, 7,  6,
                                      -1, -1, 8, 8, 8,  8,  24, 24, 24, 24};
  return p < 20 ? map[p] : PH_DROP;
}

/* Sec. 5.2, Figure 6: an IPv6 header byte to the IPv4 header byte. */
static int ph_ptr_6to4(uint32_t p) {
  if (p <= 1)
    return (int)p;
  if (p == 4 || p == 5)
    return 2;
  if (p == 6)
    return 9;
  if (p == 7)
    return 8;
  if (p >= 8 && p <= 23)
    return 12;
  if (p >= 24 && p <= 39)
    return 16;
  return PH_DROP;
}

/* Sec. 4.2 Destination Unreachable codes: ICMPv6 type << 8 | code. */
static int ph_unreach_4to6(uint8_t code) {
  static const short map[16] = {0x100, 0x100, 0x401,   0x104, 0x200, 0x100,
                                0x100, 0x100, 0x100,   0x101, 0x101, 0x100,
                                0x100, 0x101, PH_DROP, 0x101};
  return code < 16 ? map[code] : PH_DROP;
}

/* Sec. 5.2 Destination Unreachable codes: the ICMPv4 code. */
static int ph_unreach_6to4(uint8_t code) {
  static const signed char map[5] = {1, 10, 1, 1, 3};
  return code < 5 ? map[code] : PH_DROP;
}

/* RFC 1191 plateaus, for an IPv4 router that sent MTU 0 (sec. 4.2): the
 * greatest below the quoted total length, but not below 1280. */
static uint32_t ph_plateau(uint32_t tot) {
  static const uint16_t p[] = {65535, 32000, 17914, 8166, 4352,
                               2002,  1492,  1006,  508,  296};
  for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
    if (p[i] < tot)
      return p[i] < PH6_MIN_MTU ? PH6_MIN_MTU : p[i];
  return PH6_MIN_MTU;
}

static uint32_t ph_min_known(uint32_t v, uint32_t limit, int known) {
  return known && limit < v ? limit : v;
}

/* ---- IPv4 -> IPv6 */

/* IPv4 protocol numbers that would read as IPv6 extension headers or
 * ICMPv6 once copied into a next-header field: not translated. */
static int ph_proto4_bad(uint8_t p) {
  return p == PINHOLE_IP6_NH_HOPOPTS || p == PINHOLE_IP6_NH_ROUTING ||
         p == PINHOLE_IP6_NH_FRAGMENT || p == PINHOLE_IP6_NH_DSTOPTS ||
         p == PINHOLE_IP6_NH_ICMPV6;
}

/* An unexpired loose or strict source route option (sec. 4.1: such a
 * packet is not translated): its pointer still points inside it. */
static int ph_src_route(const uint8_t *in, size_t ihl) {
  size_t off = PH4_HLEN;
  while (off < ihl) {
    uint8_t t = in[off];
    if (t == 0)
      return 0;
    if (t == 1 || off + 2u > ihl) {
      off++;
      continue;
    }
    size_t olen = in[off + 1];
    if ((t == 131 || t == 137) && olen >= 3 && in[off + 2] <= olen)
      return 1;
    off += olen < 2 ? 2 : olen;
  }
  return 0;
}

/* The quoted IPv4 packet q[0..qlen) of an ICMPv4 error (view: the outer
 * parse) into o[0..room) as IPv6 (sec. 4.3). Returns the bytes written,
 * or PH_DROP. */
static int ph_inner_4to6(const uint8_t *q, size_t qlen,
                         const pinhole_pkt_view *v, uint8_t *o, size_t room,
                         const pinhole_xlat_map *m) {
  size_t ihl = v->inner_ihl;
  size_t tot = ph_get16(q + 2);
  uint16_t fo = ph_get16(q + 6);
  int frag = (fo & (PH4_MF | PH4_OFFMASK)) != 0;
  size_t hdr = PH6_HLEN + (frag ? PH6_FRAG_HLEN : 0u);
  uint8_t proto = q[9] == PINHOLE_IPPROTO_ICMP ? PINHOLE_IP6_NH_ICMPV6 : q[9];
  if (tot < ihl || room < hdr || ph_proto4_bad(q[9]))
    return PH_DROP;
  size_t dlen = qlen - ihl;
  if (dlen > room - hdr)
    dlen = room - hdr; /* cut to the minimum MTU */
  ph_put6_hdr(o, q[1], tot - ihl + (frag ? PH6_FRAG_HLEN : 0u),
              frag ? PINHOLE_IP6_NH_FRAGMENT : proto, q[8], m->inner_src6,
              m->inner_dst6);
  if (frag)
    ph_put6_frag(o + PH6_HLEN, proto, (uint16_t)((fo & PH4_OFFMASK) * 8u),
                 (fo & PH4_MF) != 0, ph_get16(q + 4));
  uint8_t *l4 = o + hdr;
  memcpy(l4, q + ihl, dlen);
  if ((fo & PH4_OFFMASK) != 0)
    return (int)(hdr + dlen);
  if (ph_is_tcp_udp(q[9])) {
    ph_l4_adjust(l4, dlen, q[9], ph_sum4(v->inner_src, v->inner_dst),
                 ph_sum6(m->inner_src6, m->inner_dst6), m->inner_sport,
                 m->inner_dport);
  } else if (q[9] == PINHOLE_IPPROTO_ICMP) {
    if (l4[0] != PH_ICMP4_ECHO && l4[0] != PH_ICMP4_ECHOREPLY)
      return PH_DROP; /* sec. 4.3: one level; queries other than echo */
    uint16_t w_old = ph_get16(l4);
    l4[0] =
        l4[0] == PH_ICMP4_ECHO ? PINHOLE_ICMP6_ECHO : PINHOLE_ICMP6_ECHOREPLY;
    uint32_t old_sum = w_old, new_sum = ph_get16(l4);
    new_sum +=
        pinhole_ip6_pseudo_sum(m->inner_src6, m->inner_dst6,
                               (uint32_t)(tot - ihl), PINHOLE_IP6_NH_ICMPV6);
    if (m->inner_sport != 0) {
      old_sum += ph_get16(l4 + 4);
      new_sum += m->inner_sport;
      ph_put16(l4 + 4, m->inner_sport);
    }
    ph_put16(l4 + 2, ph_ck_adjust(ph_get16(l4 + 2), old_sum, new_sum));
  }
  return (int)(hdr + dlen);
}

/* Type, code and the second word of an ICMPv4 error as ICMPv6 (sec. 4.2).
 * msg: the ICMPv4 message (8 bytes at least). Returns 0 or PH_DROP. */
static int ph_err_4to6(const uint8_t *msg, const pinhole_xlat_map *m,
                       uint8_t *o) {
  uint32_t word = 0;
  int tc;
  if (msg[0] == PH_ICMP4_TIMXCEED) {
    tc = PINHOLE_ICMP6_TIMXCEED << 8 | msg[1];
  } else if (msg[0] == PH_ICMP4_PARAMPROB) {
    int p = ph_ptr_4to6(msg[4]);
    if ((msg[1] != 0 && msg[1] != 2) || p == PH_DROP)
      return PH_DROP;
    tc = PINHOLE_ICMP6_PARAMPROB << 8;
    word = (uint32_t)p;
  } else if (msg[0] != PH_ICMP4_UNREACH) {
    return PH_DROP; /* source quench, redirect (sec. 4.2) */
  } else {
    tc = ph_unreach_4to6(msg[1]);
    if (tc == PH_DROP)
      return PH_DROP;
    if (tc == 0x401)
      word = 6; /* protocol unreachable: the Next Header field */
    if (tc == 0x200) {
      uint32_t mtu = ph_get16(msg + 6);
      if (mtu == 0)
        mtu = ph_plateau(ph_get16(msg + PH_ICMP_HLEN + 2));
      word = mtu + 20u;
      word = ph_min_known(word, m->mtu6, m->mtu6 != 0);
      word = ph_min_known(word, m->mtu4 + 20u, m->mtu4 != 0);
    }
  }
  o[0] = (uint8_t)(tc >> 8);
  o[1] = (uint8_t)tc;
  ph_put32(o + 4, word);
  return 0;
}

static int ph_icmp_4to6(const uint8_t *in, const pinhole_pkt_view *v,
                        uint8_t *out, size_t cap, const pinhole_xlat_map *m,
                        size_t *out_len) {
  const uint8_t *msg = in + v->l4_off;
  size_t mlen = v->l4_len;
  uint8_t *o = out + PH6_HLEN;
  size_t total;
  if (v->flags & PINHOLE_PKTF_FRAGMENT)
    return PINHOLE_ERR_UNSUPPORTED; /* the checksum needs the whole message */
  if (pinhole_pkt_l4_cksum_ok(in, v) != 1)
    return PINHOLE_ERR_PARSE; /* recomputed below: never launder a bad one */
  if (v->flags & PINHOLE_PKTF_ICMP_QUERY) {
    if (msg[0] != PH_ICMP4_ECHO && msg[0] != PH_ICMP4_ECHOREPLY)
      return PINHOLE_ERR_UNSUPPORTED; /* timestamps: obsolete (sec. 4.2) */
    total = PH6_HLEN + mlen;
    if (total > cap)
      return PINHOLE_ERR_NOBUF;
    memcpy(o, msg, mlen);
    o[0] =
        msg[0] == PH_ICMP4_ECHO ? PINHOLE_ICMP6_ECHO : PINHOLE_ICMP6_ECHOREPLY;
    if (m->sport != 0)
      ph_put16(o + 4, m->sport);
  } else if (v->flags & PINHOLE_PKTF_ICMP_ERROR) {
    const uint8_t *q = msg + PH_ICMP_HLEN;
    int qfrag = (ph_get16(q + 6) & (PH4_MF | PH4_OFFMASK)) != 0;
    size_t full = PH6_HLEN + PH_ICMP_HLEN + PH6_HLEN +
                  (qfrag ? PH6_FRAG_HLEN : 0u) +
                  (mlen - PH_ICMP_HLEN - v->inner_ihl);
    size_t room = (full < PH6_MIN_MTU ? full : PH6_MIN_MTU);
    if (room > cap)
      return PINHOLE_ERR_NOBUF;
    if (ph_err_4to6(msg, m, o) != 0)
      return PINHOLE_ERR_UNSUPPORTED;
    int n = ph_inner_4to6(q, mlen - PH_ICMP_HLEN, v, o + PH_ICMP_HLEN,
                          room - PH6_HLEN - PH_ICMP_HLEN, m);
    if (n < 0)
      return PINHOLE_ERR_UNSUPPORTED;
    total = PH6_HLEN + PH_ICMP_HLEN + (size_t)n;
  } else {
    return PINHOLE_ERR_UNSUPPORTED; /* no mapping (sec. 4.2) */
  }
  ph_put6_hdr(out, in[1], total - PH6_HLEN, PINHOLE_IP6_NH_ICMPV6, v->ttl,
              m->src6, m->dst6);
  ph_put16(o + 2, 0);
  ph_put16(o + 2,
           pinhole_cksum_finish(pinhole__l4_sum6(
               m->src6, m->dst6, o, total - PH6_HLEN, PINHOLE_IP6_NH_ICMPV6)));
  *out_len = total;
  return 0;
}

int pinhole_xlat_4to6(const uint8_t *in, size_t in_len, uint8_t *out,
                      size_t out_cap, const pinhole_xlat_map *map,
                      size_t *out_len) {
  if (in == NULL || out == NULL || map == NULL || out_len == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  *out_len = 0;
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(in, in_len, &v) != PINHOLE_PKT_OK)
    return PINHOLE_ERR_PARSE;
  if (ph_src_route(in, v.ihl))
    return PINHOLE_ERR_UNSUPPORTED;
  if (v.proto == PINHOLE_IPPROTO_ICMP)
    return ph_icmp_4to6(in, &v, out, out_cap, map, out_len);
  if (ph_proto4_bad(v.proto))
    return PINHOLE_ERR_UNSUPPORTED;
  int frag = (v.flags & PINHOLE_PKTF_FRAGMENT) != 0;
  int udp_none = v.proto == PINHOLE_IPPROTO_UDP && v.frag_off == 0 &&
                 (v.flags & PINHOLE_PKTF_UDP_NOCSUM);
  if (udp_none && frag)
    return PINHOLE_ERR_UNSUPPORTED; /* sec. 4.5: cannot be computed */
  size_t hdr = PH6_HLEN + (frag ? PH6_FRAG_HLEN : 0u);
  size_t total = hdr + v.l4_len;
  if (total > out_cap)
    return PINHOLE_ERR_NOBUF;
  ph_put6_hdr(out, in[1], total - PH6_HLEN,
              frag ? PINHOLE_IP6_NH_FRAGMENT : v.proto, v.ttl, map->src6,
              map->dst6);
  if (frag)
    ph_put6_frag(out + PH6_HLEN, v.proto, v.frag_off,
                 (ph_get16(in + 6) & PH4_MF) != 0, v.ip_id);
  uint8_t *l4 = out + hdr;
  memcpy(l4, in + v.l4_off, v.l4_len);
  if (v.frag_off == 0 && ph_is_tcp_udp(v.proto)) {
    ph_l4_adjust(l4, v.l4_len, v.proto, ph_sum4(v.src, v.dst),
                 ph_sum6(map->src6, map->dst6), map->sport, map->dport);
    if (udp_none) { /* sec. 4.5: computed for the IPv6 side */
      uint16_t c = pinhole_cksum_finish(pinhole__l4_sum6(
          map->src6, map->dst6, l4, v.l4_len, PINHOLE_IPPROTO_UDP));
      ph_put16(l4 + 6, c == 0 ? 0xffff : c);
    }
  }
  *out_len = total;
  return 0;
}

/* ---- IPv6 -> IPv4 */

/* The IPv4 flags/fragment-offset word from a fragment header (sec.
 * 5.1.1: DF clear), or without one DF above 1260 bytes (sec. 5.1). */
static uint16_t ph_frag4(const ph6_chain *c, size_t tot) {
  if (c->frag_hdr_off != 0)
    return (uint16_t)((c->frag_more ? PH4_MF : 0u) | (c->frag_off / 8u));
  return tot > PH4_DF_ABOVE ? PH4_DF : 0;
}

/* The quoted IPv6 packet q[0..qlen) of an ICMPv6 error into o as IPv4
 * (sec. 5.3). Returns the bytes written, or PH_DROP. */
static int ph_inner_6to4(const uint8_t *q, size_t qlen, uint8_t *o, size_t room,
                         const pinhole_xlat_map *m) {
  ph6_chain c;
  if (pinhole__ip6_walk(q, qlen, 1, &c) != PINHOLE_PKT_OK || c.l4_off > qlen)
    return PH_DROP;
  size_t ext = c.l4_off - PH6_HLEN;
  size_t plen = ph_get16(q + 4);
  if (plen < ext ||
      (c.frag_off != 0 && c.proto != PINHOLE_IPPROTO_TCP &&
       c.proto != PINHOLE_IPPROTO_UDP && c.proto != PINHOLE_IP6_NH_ICMPV6))
    return PH_DROP;
  size_t dlen = qlen - c.l4_off;
  if (PH4_HLEN + dlen > room)
    return PH_DROP;
  if (c.proto == PINHOLE_IPPROTO_ICMP || c.proto == 255 ||
      c.proto == PINHOLE_IP6_NH_HOPOPTS)
    return PH_DROP;
  uint8_t proto =
      c.proto == PINHOLE_IP6_NH_ICMPV6 ? PINHOLE_IPPROTO_ICMP : c.proto;
  size_t tot = PH4_HLEN + plen - ext;
  ph_put4_hdr(o, (uint8_t)(ph_get16(q) >> 4), tot, (uint16_t)c.frag_id,
              ph_frag4(&c, tot), q[7], proto, m->inner_src4, m->inner_dst4);
  uint8_t *l4 = o + PH4_HLEN;
  memcpy(l4, q + c.l4_off, dlen);
  if (c.frag_off != 0)
    return (int)(PH4_HLEN + dlen);
  if (ph_is_tcp_udp(c.proto)) {
    ph_l4_adjust(l4, dlen, c.proto, ph_sum6(q + 8, q + 24),
                 ph_sum4(m->inner_src4, m->inner_dst4), m->inner_sport,
                 m->inner_dport);
  } else if (c.proto == PINHOLE_IP6_NH_ICMPV6) {
    if (l4[0] != PINHOLE_ICMP6_ECHO && l4[0] != PINHOLE_ICMP6_ECHOREPLY)
      return PH_DROP;
    uint32_t old_sum = ph_get16(l4);
    old_sum += pinhole_ip6_pseudo_sum(q + 8, q + 24, (uint32_t)(plen - ext),
                                      PINHOLE_IP6_NH_ICMPV6);
    l4[0] = l4[0] == PINHOLE_ICMP6_ECHO ? PH_ICMP4_ECHO : PH_ICMP4_ECHOREPLY;
    uint32_t new_sum = ph_get16(l4);
    if (m->inner_sport != 0) {
      old_sum += ph_get16(l4 + 4);
      new_sum += m->inner_sport;
      ph_put16(l4 + 4, m->inner_sport);
    }
    ph_put16(l4 + 2, ph_ck_adjust(ph_get16(l4 + 2), old_sum, new_sum));
  }
  return (int)(PH4_HLEN + dlen);
}

/* Type, code and second word of an ICMPv6 error as ICMPv4 (sec. 5.2). */
static int ph_err_6to4(const uint8_t *msg, size_t mlen,
                       const pinhole_xlat_map *m, uint8_t *o) {
  uint32_t word = 0;
  unsigned type = PH_ICMP4_UNREACH, code;
  switch (msg[0]) {
  case PINHOLE_ICMP6_UNREACH: {
    int c = ph_unreach_6to4(msg[1]);
    if (c == PH_DROP)
      return PH_DROP;
    code = (unsigned)c;
    break;
  }
  case PINHOLE_ICMP6_TOOBIG: {
    /* the packet in error had a fragment header: 28 bytes, not 20 */
    ph6_chain qc;
    size_t shrink = 20u;
    if (pinhole__ip6_walk(msg + PH_ICMP_HLEN, mlen - PH_ICMP_HLEN, 1, &qc) ==
            PINHOLE_PKT_OK &&
        qc.frag_hdr_off != 0)
      shrink += PH6_FRAG_HLEN;
    uint32_t mtu = ph_get32(msg + 4);
    mtu = mtu > shrink ? mtu - (uint32_t)shrink : 0u;
    mtu = ph_min_known(mtu, m->mtu4, m->mtu4 != 0);
    mtu = ph_min_known(mtu, m->mtu6 > 20u ? m->mtu6 - 20u : 0u, m->mtu6 != 0);
    word = mtu > 0xffffu ? 0xffffu : mtu;
    code = 4;
    break;
  }
  case PINHOLE_ICMP6_TIMXCEED:
    type = PH_ICMP4_TIMXCEED;
    code = msg[1];
    break;
  default: /* PINHOLE_ICMP6_PARAMPROB */
    if (msg[1] == 1) {
      code = 2; /* unrecognised next header: protocol unreachable */
    } else {
      int p = ph_ptr_6to4(ph_get32(msg + 4));
      if (msg[1] != 0 || p == PH_DROP)
        return PH_DROP;
      type = PH_ICMP4_PARAMPROB;
      code = 0;
      word = (uint32_t)p << 24;
    }
    break;
  }
  o[0] = (uint8_t)type;
  o[1] = (uint8_t)code;
  ph_put32(o + 4, word);
  return 0;
}

static int ph_icmp_6to4(const uint8_t *in, const pinhole_pkt6_view *v,
                        const ph6_chain *c, uint8_t *out, size_t cap,
                        const pinhole_xlat_map *m, size_t *out_len) {
  const uint8_t *msg = in + v->l4_off;
  size_t mlen = v->l4_len;
  uint8_t *o = out + PH4_HLEN;
  size_t total;
  if (v->flags & PINHOLE_PKT6F_FRAGMENT)
    return PINHOLE_ERR_UNSUPPORTED;
  if (pinhole_pkt6_l4_cksum_ok(in, v) != 1)
    return PINHOLE_ERR_PARSE; /* recomputed below: never launder a bad one */
  if (v->flags & PINHOLE_PKT6F_ICMP_QUERY) {
    total = PH4_HLEN + mlen;
    if (total > cap)
      return PINHOLE_ERR_NOBUF;
    memcpy(o, msg, mlen);
    o[0] = msg[0] == PINHOLE_ICMP6_ECHO ? PH_ICMP4_ECHO : PH_ICMP4_ECHOREPLY;
    if (m->sport != 0)
      ph_put16(o + 4, m->sport);
  } else if (v->flags & PINHOLE_PKT6F_ICMP_ERROR) {
    if (PH4_HLEN + mlen > cap)
      return PINHOLE_ERR_NOBUF; /* the output is never larger */
    if (ph_err_6to4(msg, mlen, m, o) != 0)
      return PINHOLE_ERR_UNSUPPORTED;
    int n = ph_inner_6to4(msg + PH_ICMP_HLEN, mlen - PH_ICMP_HLEN,
                          o + PH_ICMP_HLEN, cap - PH4_HLEN - PH_ICMP_HLEN, m);
    if (n < 0)
      return PINHOLE_ERR_UNSUPPORTED;
    total = PH4_HLEN + PH_ICMP_HLEN + (size_t)n;
  } else {
    return PINHOLE_ERR_UNSUPPORTED; /* ND, MLD, unknown (sec. 5.2) */
  }
  ph_put4_hdr(out, v->tclass, total, m->ip_id, ph_frag4(c, total), v->hlim,
              PINHOLE_IPPROTO_ICMP, m->src4, m->dst4);
  ph_put16(o + 2, 0);
  ph_put16(o + 2, pinhole_cksum(o, total - PH4_HLEN));
  *out_len = total;
  return 0;
}

int pinhole_xlat_6to4(const uint8_t *in, size_t in_len, uint8_t *out,
                      size_t out_cap, const pinhole_xlat_map *map,
                      size_t *out_len) {
  if (in == NULL || out == NULL || map == NULL || out_len == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  *out_len = 0;
  pinhole_pkt6_view v;
  ph6_chain c;
  if (pinhole_pkt6_parse(in, in_len, &v) != PINHOLE_PKT_OK ||
      pinhole__ip6_walk(in, v.ip_len, 0, &c) != PINHOLE_PKT_OK)
    return PINHOLE_ERR_PARSE;
  if ((v.flags & PINHOLE_PKT6F_ROUTED) ||
      (v.frag_off != 0 && (v.proto == PINHOLE_IP6_NH_HOPOPTS ||
                           v.proto == PINHOLE_IP6_NH_ROUTING ||
                           v.proto == PINHOLE_IP6_NH_FRAGMENT ||
                           v.proto == PINHOLE_IP6_NH_DSTOPTS)) ||
      v.proto == PINHOLE_IPPROTO_ICMP || v.proto == 255)
    return PINHOLE_ERR_UNSUPPORTED;
  if ((v.flags & PINHOLE_PKT6F_FRAGMENT) &&
      c.l4_off != c.frag_hdr_off + PH6_FRAG_HLEN)
    return PINHOLE_ERR_UNSUPPORTED; /* headers after the fragment header
                                       would shift every IPv4 offset */
  if (v.proto == PINHOLE_IP6_NH_ICMPV6)
    return ph_icmp_6to4(in, &v, &c, out, out_cap, map, out_len);
  size_t total = PH4_HLEN + v.l4_len;
  if (total > 0xffffu)
    return PINHOLE_ERR_UNSUPPORTED;
  if (total > out_cap)
    return PINHOLE_ERR_NOBUF;
  ph_put4_hdr(out, v.tclass, total,
              c.frag_hdr_off ? (uint16_t)c.frag_id : map->ip_id,
              ph_frag4(&c, total), v.hlim, v.proto, map->src4, map->dst4);
  uint8_t *l4 = out + PH4_HLEN;
  memcpy(l4, in + v.l4_off, v.l4_len);
  if (v.frag_off == 0 && ph_is_tcp_udp(v.proto))
    ph_l4_adjust(l4, v.l4_len, v.proto, ph_sum6(v.src, v.dst),
                 ph_sum4(map->src4, map->dst4), map->sport, map->dport);
  *out_len = total;
  return 0;
}

/* ---- IPv6 -> IPv4 in place: the plain TCP or UDP packet ------------------ */

/*
 * The checked translations below adjust the TCP/UDP checksum in the
 * packet's own byte order (as pkt_cksum.h ph_ck_apply_ne does): every
 * term is the native load of the bytes it stands for, the checksum is
 * loaded and stored natively, and no field is converted; swapping the
 * bytes of every word swaps those of the one's-complement sum (RFC 1071
 * sec. 2(B)), so the bytes stored are those of the converted values'
 * update, 0 exactly when it is 0.
 */

/* The sum of the n native 32-bit loads at p (n <= 8: no overflow). */
static inline uint64_t ph_sum_ne(const uint8_t *p, unsigned n) {
  uint64_t s = 0;
  for (unsigned i = 0; i < n; i++)
    s += ph_ne32(p + 4 * i);
  return s;
}

/* The checksum of the 20-byte IPv4 header at d, its field 0, stored: the
 * header's native 64-, 64- and 32-bit loads summed with the carries
 * added back (congruent modulo 0xffff to the sum of its 16-bit words, as
 * plain4.h ph_hdr20_sum, which ph_hdr20_cksum_ok tests), folded and
 * complemented in the packet's own byte order (RFC 1071 sec. 2(B): swapping the
 * bytes of every word swaps those of the sum), so no field is converted. The
 * sum is not 0 (d[0] is 0x45): the fold is in 1..0xffff, as a sum of the
 * converted values would be, and the bytes stored are the same. */
static inline void ph_put4_cksum20(uint8_t *d) {
  uint16_t ck = (uint16_t)~ph_ck_fold64(ph_hdr20_sum(d));
  memcpy(d + 10, &ck, sizeof(ck));
}

int pinhole__xlat_6to4_plain(uint8_t *d, size_t len, size_t cap,
                             const pinhole_xlat_map *m, size_t *out_len) {
  ph_plain6 p;
  ph_xlat_to4 x = {m->src4, m->dst4, m->sport, m->dport, m->ip_id};
  return ph_plain6_check(d, len, &p) &&
         pinhole__xlat_6to4_checked(d, cap, &p, &x, out_len);
}

int pinhole__xlat_6to4_checked(uint8_t *d, size_t cap, const ph_plain6 *pp,
                               const ph_xlat_to4 *m, size_t *out_len) {
  ph_plain6 p = *pp;
  size_t l4_len = p.ip_len - PH6_HLEN;
  size_t total = PH4_HLEN + l4_len;
  /* pinhole_xlat_6to4's own refusals (too long, no room) and what the
   * IPv4 parse of its output would refuse (ph_plain4_check: equal
   * addresses, one it does not take; the rest holds by construction: TTL
   * = hop limit != 0, no fragment, lengths, non-zero ports, the TCP
   * header as ph_plain6_check checked it) */
  if (total > 0xffffu || total > cap || m->src4 == m->dst4 ||
      (ph_a4_first_bad[m->src4 >> 24] & PH_A4_BAD_SRC) != 0 ||
      (ph_a4_first_bad[m->dst4 >> 24] & PH_A4_BAD_DST) != 0)
    return 0;
  uint8_t *l4 = d + PH6_HLEN;
  uint16_t sport = m->sport ? m->sport : p.sport;
  uint16_t dport = m->dport ? m->dport : p.dport;
  /* sec. 5.5: the pseudo-header's addresses and the ports change (length
   * and protocol do not): RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), with m
   * the 32 address bytes (as eight 32-bit words: 2^16 = 1 modulo 0xffff)
   * and the old ports (one word, as the packet holds them), m' the IPv4
   * addresses and the new ports, natively (above). ~m is taken as a
   * multiple of 0xffff minus m: the sum stays non-zero (m' is not) and
   * the same modulo 0xffff, so its fold is ph_l4_adjust's. */
  uint64_t old_sum = ph_sum_ne(d + 8, 8) + ph_ne32(l4);
  uint64_t new_sum = (uint64_t)ph_ck_ne32_of(m->src4) + ph_ck_ne32_of(m->dst4) +
                     ph_ck_ne32_of((uint32_t)sport << 16 | dport);
  size_t at = p.proto == PINHOLE_IPPROTO_TCP ? 16u : 6u;
  uint16_t ck; /* UDP: not 0 (ph_plain6_check) */
  memcpy(&ck, l4 + at, sizeof(ck));
  ck = (uint16_t)~ph_ck_fold64((uint16_t)~ck + (UINT64_C(0xffff) << 36) -
                               old_sum + new_sum);
  if (ck == 0 && p.proto == PINHOLE_IPPROTO_UDP)
    ck = 0xffff;
  uint32_t w0 = ph_get32(d);
  uint8_t tos = (uint8_t)(w0 >> 20), ttl = d[7];
  uint16_t frag = total > PH4_DF_ABOVE ? PH4_DF : 0u;
  /* the payload 20 bytes down, then the IPv4 header before it (sec. 5.1:
   * ID the host's, DF above 1260 bytes), then its checksum */
  memmove(d + PH4_HLEN, l4, l4_len);
  l4 = d + PH4_HLEN;
  ph_put16(l4, sport);
  ph_put16(l4 + 2, dport);
  memcpy(l4 + at, &ck, sizeof(ck));
  d[0] = 0x45;
  d[1] = tos;
  ph_put16(d + 2, (uint16_t)total);
  ph_put16(d + 4, m->ip_id);
  ph_put16(d + 6, frag);
  d[8] = ttl;
  d[9] = p.proto;
  ph_put16(d + 10, 0);
  ph_put32(d + 12, m->src4);
  ph_put32(d + 16, m->dst4);
  ph_put4_cksum20(d);
  *out_len = total;
  return 1;
}

/* ---- IPv4 -> IPv6 in place: the plain TCP or UDP packet ------------------ */

int pinhole__xlat_4to6_plain(uint8_t *d, size_t len, size_t cap,
                             const pinhole_xlat_map *m, size_t *out_len) {
  ph_plain4 p;
  ph_xlat_to6 x = {m->src6, m->dst6, m->sport, m->dport};
  return ph_plain4_check(d, len, &p) &&
         pinhole__xlat_4to6_checked(d, cap, &p, &x, out_len);
}

int pinhole__xlat_4to6_checked(uint8_t *d, size_t cap, const ph_plain4 *pp,
                               const ph_xlat_to6 *m, size_t *out_len) {
  ph_plain4 p = *pp;
  size_t l4_len = p.ip_len - PH4_HLEN;
  size_t total = PH6_HLEN + l4_len;
  /* pinhole_xlat_4to6's own refusal (no room: its output is this long,
   * whatever the buffer) and what the IPv6 parse of its output would
   * refuse: the addresses are checked as ph_plain6_check checks them
   * (not equal, first 64 bits not zero, not multicast), so the output is
   * a plain IPv6 packet, which the full parse accepts; the rest holds by
   * construction (hop limit = TTL != 0, the ports stay non-zero, the
   * lengths, the UDP checksum never 0 below, the TCP header as
   * ph_plain4_check checked it). Anything else: the general path. */
  if (total > cap || ph_plain6_addrs_bad(m->src6, m->dst6))
    return 0;
  uint8_t *l4 = d + PH4_HLEN;
  uint16_t sport = m->sport ? m->sport : p.sport;
  uint16_t dport = m->dport ? m->dport : p.dport;
  size_t at = p.proto == PINHOLE_IPPROTO_TCP ? 16u : 6u;
  uint16_t ck;
  memcpy(&ck, l4 + at, sizeof(ck));
  int none = p.proto == PINHOLE_IPPROTO_UDP && ck == 0;
  /* sec. 4.5: the pseudo-header's addresses and the ports change (length
   * and protocol do not): RFC 1624 eqn. 3 as in the 6 -> 4 direction
   * above, natively, m the IPv4 addresses and the old ports (as the
   * packet holds them), m' the 32 address bytes (eight 32-bit words) and
   * the new ports */
  uint64_t old_sum = (uint64_t)ph_ne32(d + 12) + ph_ne32(d + 16) + ph_ne32(l4);
  uint64_t new_sum = ph_sum_ne(m->src6, 4) + ph_sum_ne(m->dst6, 4) +
                     ph_ck_ne32_of((uint32_t)sport << 16 | dport);
  ck = (uint16_t)~ph_ck_fold64((uint16_t)~ck + (UINT64_C(0xffff) << 36) -
                               old_sum + new_sum);
  if (ck == 0 && p.proto == PINHOLE_IPPROTO_UDP)
    ck = 0xffff;
  uint8_t tos = d[1], ttl = d[8];
  /* the payload 20 bytes up, then the IPv6 header before it (sec. 4.1:
   * traffic class the TOS, flow label 0, hop limit the TTL as
   * pinhole_xlat_4to6 writes them) */
  memmove(d + PH6_HLEN, l4, l4_len);
  l4 = d + PH6_HLEN;
  ph_put16(l4, sport);
  ph_put16(l4 + 2, dport);
  ph_put6_hdr(d, tos, l4_len, p.proto, ttl, m->src6, m->dst6);
  if (none) { /* sec. 4.5: computed for the IPv6 side, as
                 pinhole_xlat_4to6 does (the field is 0 in the sum) */
    ck = pinhole_cksum_finish(
        pinhole__l4_sum6(m->src6, m->dst6, l4, l4_len, PINHOLE_IPPROTO_UDP));
    ph_put16(l4 + at, ck == 0 ? 0xffff : ck);
  } else {
    memcpy(l4 + at, &ck, sizeof(ck));
  }
  *out_len = total;
  return 1;
}

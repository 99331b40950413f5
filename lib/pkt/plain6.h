/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The common IPv6 packet in one pass: a plain IPv6 TCP or UDP packet (no
 * extension header, unicast addresses whose first 64 bits are not zero,
 * every check of the full parse passing). Shared by the parser's fast
 * path (ipv6.c, which fills the whole view from it) and the engine's
 * established path (core/process6.c, which reads only the few fields it
 * needs and fills the view only when it must), so that both accept
 * exactly the same packets. Everything else (extension headers,
 * multicast, ::/64 addresses: unspecified, loopback, IPv4-mapped and
 * -compatible, ICMPv6, other next headers, any failed check) is left to
 * the full parse, which then reports the first failing check in the
 * order include/pinhole/ipv6.h documents.
 */
#ifndef PH_PKT_PLAIN6_H
#define PH_PKT_PLAIN6_H

#include <pinhole/ipv6.h>
#include <pinhole/packet.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt/bytes.h"

#define PH_PLAIN6_HLEN 40u
#define PH_PLAIN6_TCP_MIN 20u
#define PH_PLAIN6_UDP_HLEN 8u

/* What the checks read: enough for a flow lookup. The addresses are
 * the packet's own bytes (d + 8, d + 24); the view's flags are
 * ph_plain6_view()'s. */
typedef struct ph_plain6 {
  uint32_t ip_len; /* 40 + payload length */
  uint16_t sport, dport;
  uint8_t proto;   /* TCP or UDP */
  uint8_t l4_hlen; /* 8 (UDP) or the TCP header's length */
} ph_plain6;

/* fe80::/10 (RFC 4291 2.5.6); multicast never reaches the test. */
static inline int ph_plain6_ll(const uint8_t *a) {
  return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* Nonzero when the source s or destination t is one ph_plain6_check()
 * leaves to the full parse: the two equal, either's first 64 bits zero
 * (::, ::1, ::ffff:0:0/96, ::/96) or its first byte 0xff (multicast). */
static inline int ph_plain6_addrs_bad(const uint8_t *s, const uint8_t *t) {
  uint64_t s0 = ph_ne64(s), s1 = ph_ne64(s + 8);
  uint64_t t0 = ph_ne64(t), t1 = ph_ne64(t + 8);
  return (((s0 ^ t0) | (s1 ^ t1)) == 0) | (s0 == 0) | (t0 == 0) |
         (s[0] == 0xff) | (t[0] == 0xff);
}

/*
 * 1 when d[0..len) is a plain IPv6 TCP or UDP packet that the full parse
 * (pinhole_pkt6_parse) accepts with PINHOLE_PKT_OK, with *p filled; 0
 * when it needs the full parse. The address rules are a subset of the
 * full parse's (RFC 4291 2.5.2-2.5.5, 2.7): a source or destination
 * whose first 64 bits are zero (::, ::1, ::ffff:0:0/96, ::/96) or whose
 * first byte is 0xff (multicast) takes the full path, so no address the
 * full parse refuses passes here. The length, TCP and UDP checks are the
 * full parse's, a zero UDP checksum included (RFC 8200 8.1).
 */
static inline int ph_plain6_check(const uint8_t *d, size_t len, ph_plain6 *p) {
  if (len < PH_PLAIN6_HLEN + PH_PLAIN6_UDP_HLEN || (d[0] >> 4) != 6)
    return 0;
  size_t plen = ph_get16(d + 4);
  uint8_t proto = d[6];
  int bad = (plen > len - PH_PLAIN6_HLEN) | (plen < PH_PLAIN6_UDP_HLEN) |
            (d[7] == 0) | ph_plain6_addrs_bad(d + 8, d + 24);
  if (bad)
    return 0;
  const uint8_t *l4 = d + PH_PLAIN6_HLEN;
  uint16_t sport = ph_get16(l4), dport = ph_get16(l4 + 2);
  if (sport == 0 || dport == 0)
    return 0;
  size_t hlen;
  if (proto == PINHOLE_IPPROTO_UDP) {
    if (ph_get16(l4 + 4) != plen || ph_get16(l4 + 6) == 0)
      return 0;
    hlen = PH_PLAIN6_UDP_HLEN;
  } else if (proto == PINHOLE_IPPROTO_TCP) {
    if (plen < PH_PLAIN6_TCP_MIN)
      return 0;
    hlen = (size_t)(l4[12] >> 4) * 4u;
    if (hlen < PH_PLAIN6_TCP_MIN || hlen > plen || ph_tcp_flags_bad(l4[13]))
      return 0;
  } else {
    return 0;
  }
  p->ip_len = (uint32_t)(PH_PLAIN6_HLEN + plen);
  p->sport = sport;
  p->dport = dport;
  p->proto = proto;
  p->l4_hlen = (uint8_t)hlen;
  return 1;
}

/* The view the full parse fills for the plain packet d that
 * ph_plain6_check() accepted as *p. */
static inline void ph_plain6_view(const uint8_t *d, const ph_plain6 *p,
                                  pinhole_pkt6_view *v) {
  const uint8_t *l4 = d + PH_PLAIN6_HLEN;
  uint32_t w0 = ph_get32(d);
  memset(v, 0, sizeof(*v));
  memcpy(v->src, d + 8, 16);
  memcpy(v->dst, d + 24, 16);
  v->ip_len = p->ip_len;
  v->flow_label = w0 & 0xfffffu;
  v->tclass = (uint8_t)(w0 >> 20);
  v->hlim = d[7];
  v->proto = p->proto;
  /* the view's flags: a link-local address is told only here (the
   * lookups do not need it) */
  v->flags = (ph_plain6_ll(d + 8) || ph_plain6_ll(d + 24))
                 ? PINHOLE_PKT6F_L4 | PINHOLE_PKT6F_LINK_LOCAL
                 : PINHOLE_PKT6F_L4;
  v->sport = p->sport;
  v->dport = p->dport;
  v->l4_off = PH_PLAIN6_HLEN;
  v->l4_len = p->ip_len - PH_PLAIN6_HLEN;
  v->payload_off = PH_PLAIN6_HLEN + p->l4_hlen;
  v->payload_len = v->l4_len - p->l4_hlen;
  if (p->proto == PINHOLE_IPPROTO_TCP) {
    v->seq = ph_get32(l4 + 4);
    v->ack = ph_get32(l4 + 8);
    v->tcp_flags = l4[13];
    v->tcp_hlen = p->l4_hlen;
    v->tcp_win = ph_get16(l4 + 14);
  }
}

#endif /* PH_PKT_PLAIN6_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The common packet in one pass: a plain IPv4 TCP or UDP packet (a 20-byte
 * header, not a fragment, every check of the full parse passing). Shared
 * by the parser's fast path (ipv4.c, which fills the whole view from it)
 * and the engine's established path (core/process.c, which reads only the
 * few fields it needs and fills the view only when it must), so that both
 * accept exactly the same packets.
 */
#ifndef PH_PKT_PLAIN4_H
#define PH_PKT_PLAIN4_H

#include <pinhole/packet.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt/bytes.h"

#define PH_IP_MIN_HLEN 20u
#define PH_TCP_MIN_HLEN 20u
#define PH_UDP_HLEN 8u
#define PH_IP_MF 0x2000u
#define PH_IP_OFFMASK 0x1fffu

/* What the checks read: enough for a flow lookup and a translation. */
typedef struct ph_plain4 {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint16_t ip_len;
  uint8_t proto;
  uint8_t l4_hlen; /* 8 (UDP) or the TCP header's length */
} ph_plain4;

/* A native-order 32-bit load (the header checksum test below is
 * byte-order independent). */
static inline uint32_t ph_ne32(const uint8_t *p) {
  uint32_t x;
  memcpy(&x, p, sizeof(x));
  return x;
}

/* The 20-byte IPv4 header at d summed as its native 64-, 64- and 32-bit
 * loads with the carries added back (end-around): congruent modulo 0xffff
 * to the sum of its 16-bit words in the packet's own byte order, never
 * 0 when d[0] is not. What the check below tests and xlat.c's
 * ph_put4_cksum20 folds. */
static inline uint64_t ph_hdr20_sum(const uint8_t *d) {
  uint64_t a, b;
  memcpy(&a, d, sizeof(a));
  memcpy(&b, d + 8, sizeof(b));
  uint64_t c = ph_ne32(d + 16);
  uint64_t s = a + b;
  s += s < a; /* the carry out, end-around (s <= 2^64 - 2 after one) */
  s += c;
  s += s < c;
  return s;
}

/* The 20-byte header's checksum verifies: the one's-complement sum of its
 * 16-bit words is all ones (RFC 1071). Taken over two native 64-bit words
 * and a 32-bit one: a word w is the sum of its 16-bit parts times powers
 * of 2^16, and 2^16 is 1 modulo 0xffff, so w is congruent to the sum of
 * its 16-bit words; a carry out of 64 bits is 2^64, also 1 modulo 0xffff,
 * so it is added back (end-around). The sum S so taken is congruent to
 * the sum of the ten 16-bit words, and an end-around-carry sum of words
 * not all zero lies in 1..0xffff, where 0xffff is the only value
 * congruent to 0: it verifies when S is a multiple of 0xffff (one
 * multiply by the inverse, no folds). Byte order does not matter (RFC
 * 1071 sec. 2(B): swapping the bytes of every word swaps those of the
 * sum, and all ones stays all ones). d[0] must not be zero (the words are
 * then not all zero; both callers hold a version 4 byte there). */
static inline int ph_hdr20_cksum_ok(const uint8_t *d) {
  uint64_t s = ph_hdr20_sum(d);
  /* s % 0xffff == 0, written as GCC wrote it for the five 32-bit words
   * (it does not for this sum): s times the inverse of 0xffff modulo
   * 2^64 is at most (2^64 - 1) / 0xffff exactly for the multiples */
  return s * UINT64_C(0xfffefffefffeffff) <= UINT64_C(0x0001000100010001);
}

/* First octets an IPv4 address may not have: bit 0 as a source (0/8 "this
 * network", 127/8 loopback, 224/4 multicast, 240/4 class E with the
 * limited broadcast), bit 1 as a destination (the same but multicast,
 * which is a legal destination). RFC 1122 sec. 3.2.1.3, RFC 1812 sec.
 * 5.3.7. One table for the full parse (ipv4.c) and the one pass below. */
#define PH_A4_BAD_SRC 1u
#define PH_A4_BAD_DST 2u
/* clang-format off */
static const uint8_t ph_a4_first_bad[256] = {
    [0] = 3, [127] = 3,
    [224] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 224-239 */
    [240] = 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 240-255 */
};
/* clang-format on */

/*
 * The protocol (PINHOLE_IPPROTO_TCP or _UDP, never 0) when d[0..len) is
 * a plain IPv4 TCP or UDP packet that the full parse (pinhole_pkt_parse)
 * accepts with PINHOLE_PKT_OK, no options and no fragment flags, with *p
 * filled; 0 when it needs the full parse (which then reports the first
 * failing check in the documented order), *p then partly written and
 * meaningless. The checks are the full
 * parse's, evaluated together with few branches. The protocol as the
 * answer lets a caller that stores *p in memory it may not keep in
 * registers (the burst's look-ahead) branch on it without reading it
 * back.
 */
static inline int ph_plain4_check(const uint8_t *d, size_t len, ph_plain4 *p) {
  if (len < PH_IP_MIN_HLEN + PH_UDP_HLEN || d[0] != 0x45)
    return 0;
  uint8_t proto = d[9];
  size_t ip_len = ph_get16(d + 2);
  uint32_t src = ph_get32(d + 12), dst = ph_get32(d + 16);
  /* one branch each (a compare and a jump; no packet a router forwards
   * takes one), ip_len in [28, len] as one unsigned compare (len >= 28
   * above) */
  if (ip_len - (PH_IP_MIN_HLEN + PH_UDP_HLEN) >
      len - (PH_IP_MIN_HLEN + PH_UDP_HLEN))
    return 0;
  if ((ph_get16(d + 6) & (PH_IP_MF | PH_IP_OFFMASK)) != 0)
    return 0;
  if (d[8] == 0 || src == dst)
    return 0;
  if ((ph_a4_first_bad[src >> 24] & PH_A4_BAD_SRC) != 0 ||
      (ph_a4_first_bad[dst >> 24] & PH_A4_BAD_DST) != 0)
    return 0;
  if (!ph_hdr20_cksum_ok(d))
    return 0;
  const uint8_t *l4 = d + PH_IP_MIN_HLEN;
  size_t l4_len = ip_len - PH_IP_MIN_HLEN;
  /* the two ports as one word, sport its high half: neither is zero */
  uint32_t ports = ph_get32(l4);
  if (ports < 0x10000u || (uint16_t)ports == 0)
    return 0;
  uint16_t sport = (uint16_t)(ports >> 16), dport = (uint16_t)ports;
  /* the tuple stored before the last checks, which then need fewer
   * registers (the burst's look-ahead spilled two around them) */
  p->src = src;
  p->dst = dst;
  p->sport = sport;
  p->dport = dport;
  p->ip_len = (uint16_t)ip_len;
  p->proto = proto;
  size_t hlen;
  if (proto == PINHOLE_IPPROTO_UDP) {
    if (ph_get16(l4 + 4) != l4_len)
      return 0;
    hlen = PH_UDP_HLEN;
  } else if (proto == PINHOLE_IPPROTO_TCP) {
    if (l4_len < PH_TCP_MIN_HLEN)
      return 0;
    hlen = (size_t)(l4[12] >> 4) * 4u;
    if (hlen < PH_TCP_MIN_HLEN || hlen > l4_len || ph_tcp_flags_bad(l4[13]))
      return 0;
  } else {
    return 0;
  }
  p->l4_hlen = (uint8_t)hlen;
  return proto;
}

/* The view the full parse fills for the plain packet d that
 * ph_plain4_check() accepted as *p. */
static inline void ph_plain4_view(const uint8_t *d, const ph_plain4 *p,
                                  pinhole_pkt_view *v) {
  const uint8_t *l4 = d + PH_IP_MIN_HLEN;
  uint16_t l4_len = (uint16_t)(p->ip_len - PH_IP_MIN_HLEN);
  /* one clear for both (GCC made the TCP one a rep stos) */
  memset(v, 0, sizeof(*v));
  uint8_t flags = PINHOLE_PKTF_L4;
  if (p->proto == PINHOLE_IPPROTO_TCP) {
    v->seq = ph_get32(l4 + 4);
    v->ack = ph_get32(l4 + 8);
    v->tcp_flags = l4[13];
    v->tcp_hlen = p->l4_hlen;
    v->tcp_win = ph_get16(l4 + 14);
  } else if (ph_get16(l4 + 6) == 0) {
    flags |= PINHOLE_PKTF_UDP_NOCSUM;
  }
  v->src = p->src;
  v->dst = p->dst;
  v->ip_len = p->ip_len;
  v->ip_id = ph_get16(d + 4);
  v->ihl = PH_IP_MIN_HLEN;
  v->proto = p->proto;
  v->ttl = d[8];
  v->flags = flags;
  v->l4_off = PH_IP_MIN_HLEN;
  v->l4_len = l4_len;
  v->sport = p->sport;
  v->dport = p->dport;
  v->payload_off = (uint16_t)(PH_IP_MIN_HLEN + p->l4_hlen);
  v->payload_len = (uint16_t)(l4_len - p->l4_hlen);
}

#endif /* PH_PKT_PLAIN4_H */

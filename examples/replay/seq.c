/* SPDX-License-Identifier: BSD-2-Clause */
/* pinhole-replay: TCP sequence deltas (seq.h). */
#include "seq.h"

#include <stdlib.h>
#include <string.h>

/* Records that from captured sequence number seq on, the library adds
 * delta. Nothing is kept while every delta is 0. */
void hist_push(hist **hp, uint32_t seq, uint32_t delta) {
  if (!*hp && delta == 0)
    return;
  if (!*hp && !(*hp = calloc(1, sizeof(**hp))))
    return;
  hist *h = *hp;
  for (size_t i = 0; i < h->n; i++)
    if (h->end[i] == seq) {
      h->delta[i] = delta;
      return;
    }
  h->end[h->next] = seq;
  h->delta[h->next] = delta;
  h->next = (h->next + 1) % HIST;
  if (h->n < HIST)
    h->n++;
}

/* The delta for captured sequence number x: that of the closest recorded
 * point at or before x (mod 2^32); 0 when none is known. */
uint32_t hist_delta(const hist *h, uint32_t x) {
  uint32_t best = 0, bestd = UINT32_MAX;
  if (!h)
    return 0;
  for (size_t i = 0; i < h->n; i++) {
    uint32_t d = x - h->end[i];
    if (d < 0x80000000u && d < bestd) {
      bestd = d;
      best = h->delta[i];
    }
  }
  return best;
}

/* A forwarded TCP segment: captured at seq with seq_len blen, sent on at
 * aseq with alen; the delta at its start and at its end recorded. */
void hist_learn(hist **hp, uint32_t seq, uint32_t blen, uint32_t aseq,
                uint32_t alen) {
  hist_push(hp, seq, aseq - seq);
  hist_push(hp, seq + blen, aseq + alen - seq - blen);
}

/* Adds to the one's complement checksum field at ck the change of n
 * bytes (n even, at an even offset of the sum) from old to now (RFC
 * 1624): a checksum that was wrong stays as wrong. */
void cksum_adjust(uint8_t *ck, const uint8_t *old, const uint8_t *now,
                  size_t n) {
  uint32_t s = (uint16_t)~get16(ck);
  for (size_t i = 0; i + 1 < n; i += 2)
    s += (uint16_t)~get16(old + i) + (uint32_t)get16(now + i);
  while (s >> 16)
    s = (s & 0xffffu) + (s >> 16);
  put16(ck, (uint16_t)~s);
}

/* Shifts the SACK blocks of the TCP header at tcp by the connection's
 * delta (they acknowledge the inside host's sequence space). */
void shift_sack(uint8_t *tcp, size_t hlen, const hist *h) {
  size_t i = 20;
  while (i < hlen) {
    uint8_t kind = tcp[i];
    if (kind == 0)
      break;
    if (kind == 1) {
      i++;
      continue;
    }
    if (i + 1 >= hlen || tcp[i + 1] < 2 || i + tcp[i + 1] > hlen)
      break;
    size_t olen = tcp[i + 1];
    if (kind == 5)
      for (size_t e = i + 2; e + 4 <= i + olen; e += 4) {
        uint32_t x = get32(tcp + e);
        put32(tcp + e, x + hist_delta(h, x));
      }
    i += olen;
  }
}

/* Is pkt[0..len) an IPv4 TCP segment (not a fragment) that parses? *v
 * its view. */
static int tcp4(const uint8_t *pkt, size_t len, pinhole_pkt_view *v) {
  return pinhole_pkt_parse(pkt, len, v) == 0 &&
         v->proto == PINHOLE_IPPROTO_TCP && (v->flags & PINHOLE_PKTF_L4) &&
         !(v->flags & PINHOLE_PKTF_FRAGMENT);
}

/*
 * The IPv4 packet pkt[0..len) made of a server's captured segment: its
 * ACK and SACK blocks moved into the client's sequence space as the
 * server saw it, past the library's rewrites of the client's payload (h),
 * as rewrite_outside() does on IPv4; the checksum follows.
 */
void ack_to_server(uint8_t *pkt, size_t len, const hist *h) {
  pinhole_pkt_view v;
  uint8_t old[60];
  if (!h || !tcp4(pkt, len, &v))
    return;
  uint8_t *tcp = pkt + v.l4_off;
  memcpy(old, tcp, v.tcp_hlen);
  if (v.tcp_flags & PINHOLE_TCP_ACK)
    put32(tcp + 8, v.ack + hist_delta(h, v.ack));
  shift_sack(tcp, v.tcp_hlen, h);
  cksum_adjust(tcp + 16, old + 8, tcp + 8, 4);
  cksum_adjust(tcp + 16, old + 20, tcp + 20, v.tcp_hlen - 20u);
}

/* The IPv4 packet pkt[0..len) made of a client's captured segment: its
 * sequence number moved by the delta the library's rewrites of the
 * earlier payload added (h); the checksum follows. */
void seq_to_server(uint8_t *pkt, size_t len, const hist *h) {
  pinhole_pkt_view v;
  if (!h || !tcp4(pkt, len, &v))
    return;
  seq_set(pkt, len, v.seq + hist_delta(h, v.seq));
}

/* Is pkt[0..len) an IPv6 TCP segment (not a fragment) that parses? *v
 * its view. */
static int tcp6(const uint8_t *pkt, size_t len, pinhole_pkt6_view *v) {
  return pinhole_pkt6_parse(pkt, len, v) == 0 &&
         v->proto == PINHOLE_IPPROTO_TCP && (v->flags & PINHOLE_PKT6F_L4) &&
         !(v->flags & PINHOLE_PKT6F_FRAGMENT) && v->payload_off != 0;
}

/* The TCP sequence number of pkt[0..len) (IPv4 or IPv6) set to seq, the
 * checksum following it. */
void seq_set(uint8_t *pkt, size_t len, uint32_t seq) {
  pinhole_pkt_view v;
  pinhole_pkt6_view v6;
  uint8_t *tcp, old[4];
  if (len && pkt[0] >> 4 == 4 && tcp4(pkt, len, &v))
    tcp = pkt + v.l4_off;
  else if (len && pkt[0] >> 4 == 6 && tcp6(pkt, len, &v6))
    tcp = pkt + v6.l4_off;
  else
    return;
  memcpy(old, tcp + 4, 4);
  put32(tcp + 4, seq);
  cksum_adjust(tcp + 16, old, tcp + 4, 4);
}

/*
 * Is the IPv4 TCP packet b[0..blen) (the library's) the packet a[0..alen)
 * (the expected translation) with its payload rewritten? Every header
 * field must be a's but the IP total length and the checksums, which must
 * be right (the IP one: b parses; TCP: as right as a's).
 */
int payload_rewritten(const uint8_t *a, size_t alen, const uint8_t *b,
                      size_t blen) {
  pinhole_pkt_view va, vb;
  if (!tcp4(a, alen, &va) || !tcp4(b, blen, &vb) || va.ihl != vb.ihl ||
      va.tcp_hlen != vb.tcp_hlen)
    return 0;
  const uint8_t *ta = a + va.l4_off, *tb = b + vb.l4_off;
  size_t ihl = va.ihl, th = va.tcp_hlen;
  return !memcmp(a, b, 2) && !memcmp(a + 4, b + 4, 6) &&
         !memcmp(a + 12, b + 12, ihl - 12) && !memcmp(ta, tb, 16) &&
         !memcmp(ta + 18, tb + 18, th - 18) &&
         pinhole_pkt_l4_cksum_ok(a, &va) == pinhole_pkt_l4_cksum_ok(b, &vb);
}

/*
 * Is the IPv6 TCP packet b[0..blen) the packet a[0..alen) with another
 * payload? Every header byte must be a's but the payload length and the
 * TCP checksum, which must be as right as a's.
 */
int payload_rewritten6(const uint8_t *a, size_t alen, const uint8_t *b,
                       size_t blen) {
  pinhole_pkt6_view va, vb;
  if (!tcp6(a, alen, &va) || !tcp6(b, blen, &vb) || va.l4_off != vb.l4_off ||
      va.tcp_hlen != vb.tcp_hlen)
    return 0;
  size_t l4 = va.l4_off, th = va.tcp_hlen;
  return !memcmp(a, b, 4) && !memcmp(a + 6, b + 6, l4 - 6) &&
         !memcmp(a + l4, b + l4, 16) &&
         !memcmp(a + l4 + 18, b + l4 + 18, th - 18) &&
         pinhole_pkt6_l4_cksum_ok(a, &va) == pinhole_pkt6_l4_cksum_ok(b, &vb);
}

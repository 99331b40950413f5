/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-replay: TCP sequence deltas and the header edits that follow
 * them (pure: no player state).
 *
 * A payload rewrite by an ALG (FTP PORT/EPRT, SIP SDP ...) that changes
 * a segment's length moves every later sequence number of its direction
 * by a delta, and the peer acknowledges in the moved space. The player
 * learns the delta from each forwarded segment (captured sequence number
 * and length, as sent on) and keeps a short history per direction; an
 * outside segment's ACK and SACK blocks are moved by it before feeding
 * (IPv4 and NAT64 captures alike), a NAT64 client segment's expected
 * translation too.
 */
#ifndef PINHOLE_REPLAY_SEQ_H
#define PINHOLE_REPLAY_SEQ_H

#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>

#include <stddef.h>
#include <stdint.h>

/* Big-endian field access (the example uses only the public API). */
static inline uint16_t get16(const uint8_t *b) {
  return (uint16_t)(b[0] << 8 | b[1]);
}
static inline uint32_t get32(const uint8_t *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
         (uint32_t)b[3];
}
static inline void put16(uint8_t *b, uint16_t v) {
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}
static inline void put32(uint8_t *b, uint32_t v) {
  put16(b, (uint16_t)(v >> 16));
  put16(b + 2, (uint16_t)v);
}

#define HIST 32

/* One direction's delta history: from end[i] (captured sequence space)
 * on, the library adds delta[i]; a ring of the last HIST points. */
typedef struct hist {
  uint32_t end[HIST];   /* sequence number (captured space) ... */
  uint32_t delta[HIST]; /* ... from which this delta applies */
  size_t n, next;
} hist;

/* Records that from captured sequence number seq on, the library adds
 * delta. *hp is allocated at the first non-zero delta (nothing is kept
 * while every delta is 0; out of memory: nothing kept); the caller frees
 * it. */
void hist_push(hist **hp, uint32_t seq, uint32_t delta);

/* The delta for captured sequence number x: that of the closest recorded
 * point at or before x (mod 2^32); 0 when none is known or h is NULL. */
uint32_t hist_delta(const hist *h, uint32_t x);

/* A forwarded TCP segment: captured at seq with sequence length blen
 * (payload, SYN and FIN), sent on at aseq with alen; the deltas at its
 * start and at its end recorded. */
void hist_learn(hist **hp, uint32_t seq, uint32_t blen, uint32_t aseq,
                uint32_t alen);

/* Adds to the one's complement checksum field at ck the change of n
 * bytes (n even, at an even offset of the sum) from old to now (RFC
 * 1624): a checksum that was wrong stays as wrong. */
void cksum_adjust(uint8_t *ck, const uint8_t *old, const uint8_t *now,
                  size_t n);

/* Shifts the SACK blocks (option 5) of the TCP header tcp[0..hlen) by
 * h's deltas; a malformed option list stops the walk. The checksum is
 * the caller's. */
void shift_sack(uint8_t *tcp, size_t hlen, const hist *h);

/* The IPv4 packet pkt[0..len) (a server's segment made of a capture):
 * its ACK and SACK blocks moved by h into the sequence space the server
 * saw; the TCP checksum follows. Not TCP, a fragment, or not parsing:
 * left as it is. */
void ack_to_server(uint8_t *pkt, size_t len, const hist *h);

/* The IPv4 packet pkt[0..len) (a client's segment as it would leave
 * unrewritten): its sequence number moved by h; the checksum follows.
 * Not TCP, a fragment, or not parsing: left as it is. */
void seq_to_server(uint8_t *pkt, size_t len, const hist *h);

/* Sets the TCP sequence number of the IPv4 or IPv6 packet pkt[0..len)
 * (by its version) to seq; the TCP checksum follows, as wrong as it was.
 * Not TCP, a fragment, or not parsing: left as it is. */
void seq_set(uint8_t *pkt, size_t len, uint32_t seq);

/* Is the IPv4 TCP packet b[0..blen) the packet a[0..alen) with its
 * payload rewritten? Every header field of b must be a's but the IP total
 * length and the checksums, and b's checksums right (its IP header
 * parses; its TCP checksum as right as a's). 1 or 0. */
int payload_rewritten(const uint8_t *a, size_t alen, const uint8_t *b,
                      size_t blen);

/* The same for IPv6 (a held message sent on merged, on the IPv6
 * firewall or from a NAT64 server): every byte of b's IPv6 header and
 * extension headers must be a's but the payload length, every byte of its
 * TCP header a's but the checksum, and b's TCP checksum as right as a's.
 * 1 or 0. */
int payload_rewritten6(const uint8_t *a, size_t alen, const uint8_t *b,
                       size_t blen);

#endif /* PINHOLE_REPLAY_SEQ_H */

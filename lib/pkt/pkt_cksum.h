/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one checksum path for whole packets (lib/pkt/ipv4.c): every full
 * recomputation or verification of an IPv4 header or L4 checksum in the
 * library goes through these, the public pinhole_pkt_fix_cksums,
 * pinhole_pkt_fix_all_cksums and pinhole_pkt_l4_cksum_ok as well as the
 * engine's recomputation after a payload rewrite. Incremental updates
 * (RFC 1624) are the helpers at the end (used by core/translate.c and the
 * engine's established path) and include/pinhole/cksum.h.
 */
#ifndef PH_PKT_CKSUM_H
#define PH_PKT_CKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt/bytes.h"

/* Stores the header checksum of the IPv4 header pkt[0..ihl), computed from
 * scratch (RFC 791, RFC 1071). ihl >= 20. */
void pinhole__ip_cksum_set(uint8_t *pkt, size_t ihl);

/* The unfolded one's-complement sum of the L4 bytes pkt[l4_off..+l4_len)
 * plus, for TCP and UDP, the pseudo-header (RFC 9293 3.1, RFC 768) made of
 * the addresses at pkt[12..20), proto and l4_len; ICMP (RFC 792) has none.
 * A correct checksum makes pinhole_cksum_finish() of it 0. */
uint32_t pinhole__l4_sum(const uint8_t *pkt, size_t l4_off, size_t l4_len,
                         uint8_t proto);

/* Recomputes the TCP, UDP or ICMP checksum of the L4 bytes
 * pkt[l4_off..+l4_len) from scratch; the caller has checked that they hold
 * the checksum field (TCP 18 bytes, UDP and ICMP 8). A UDP checksum of zero
 * ("none", RFC 768) stays zero and a computed zero is stored as 0xFFFF.
 * Other protocols are left alone. Returns 1 when the stored value changed,
 * 0 when not. */
int pinhole__l4_cksum_set(uint8_t *pkt, size_t l4_off, size_t l4_len,
                          uint8_t proto);

/* IPv6 (lib/pkt/ipv6.c): the offset of the checksum field in the TCP,
 * UDP or ICMPv6 header nh, 0 for other next headers; and the unfolded sum
 * of the upper-layer bytes l4[0..l4_len) with the RFC 8200 8.1
 * pseudo-header. */
size_t pinhole__l4_cksum6_at(uint8_t nh);
uint32_t pinhole__l4_sum6(const uint8_t src[16], const uint8_t dst[16],
                          const uint8_t *l4, size_t l4_len, uint8_t nh);

/*
 * Incremental updates (RFC 1624 eqn. 3) from summed field differences:
 * ~old + new in 16-bit words, summed once over every changed field and
 * applied once per checksum. One's-complement addition is associative, and
 * a sum that has a non-zero term is never +0, so the result is
 * bit-identical to updating the checksum field by field.
 */
static inline uint32_t ph_ck_diff32(uint32_t old, uint32_t new_val) {
  return (uint32_t)(uint16_t) ~(old >> 16) + (uint16_t)~old + (new_val >> 16) +
         (new_val & 0xffffu);
}

static inline uint32_t ph_ck_diff16(uint16_t old, uint16_t new_val) {
  return (uint32_t)(uint16_t)~old + new_val;
}

/* HC' = ~(~HC + diff) stored at ck: diff is a sum of at most 12 16-bit
 * terms. Returns the stored value. */
static inline uint16_t ph_ck_apply(uint8_t *ck, uint32_t diff) {
  uint32_t s = (uint32_t)(uint16_t)~ph_get16(ck) + diff;
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  uint16_t c = (uint16_t)~s;
  ph_put16(ck, c);
  return c;
}

/*
 * The same with 32-bit terms: a field word w is hi * 2^16 + lo, which is
 * hi + lo modulo 0xffff, so ~old + new over a whole 32-bit word (~old its
 * 32-bit complement) is congruent to the sum of its two 16-bit terms. A
 * half that did not change adds ~x + x, congruent to 0; as long as one
 * word changed the sum is not 0, and ph_ck_fold() gives the one value in
 * 1..0xffff of its class, the value the 16-bit terms of the changed
 * halves alone give. Each term is below 2^33; at most three are summed.
 */
static inline uint64_t ph_ck_diff32w(uint32_t old, uint32_t new_val) {
  return (uint64_t)(uint32_t)~old + new_val;
}

/* An unfolded sum s < 2^36 reduced with end-around carries to 0..0xffff
 * (0 only for s = 0). */
static inline uint32_t ph_ck_fold(uint64_t s) {
  s = (s & 0xffffu) + (s >> 16); /* < 2^16 + 2^20 */
  s = (s & 0xffffu) + (s >> 16); /* < 2^16 + 2^5 */
  return (uint32_t)((s & 0xffffu) + (s >> 16));
}

/* ph_ck_apply() for a diff of at most three ph_ck_diff32w() terms. */
static inline uint16_t ph_ck_apply32w(uint8_t *ck, uint64_t diff) {
  uint16_t c = (uint16_t)~ph_ck_fold((uint16_t)~ph_get16(ck) + diff);
  ph_put16(ck, c);
  return c;
}

/*
 * The same update in the packet's own byte order (the established UDP
 * path, core/process.c): every field is taken as the native load of its
 * bytes, so on a little-endian host every 16-bit word comes byte-swapped,
 * the checksum field with them; swapping the bytes of every word swaps
 * those of the one's-complement sum (RFC 1071 sec. 2(B)), so the checksum
 * stored back natively is the one the converted values give, and no field
 * is converted. The terms are ph_ck_diff32w()'s (~old + new over 32-bit
 * words, each below 2^33), summed in 64 bits with ~HC; ph_ck_fold64()
 * reduces that sum to its one value in 1..0xffff (0 for 0), as
 * ph_ck_fold() does: bit-identical to the 16-bit update of the changed
 * halves.
 */

/* The native load of the four bytes ph_put32(v) stores. */
static inline uint32_t ph_ck_ne32_of(uint32_t v) {
  uint8_t b[4];
  uint32_t x;
  ph_put32(b, v);
  memcpy(&x, b, sizeof(x));
  return x;
}

/* s folded to 16 bits with the carries added back, by two rotations: the
 * high half of x + (x rotated by half its width) is hi + lo plus the carry
 * out of the low half's lo + hi, which is the end-around sum of the two
 * halves (a value of the half's width, 0 only for x = 0); 64 to 32 bits,
 * then 32 to 16. Each keeps the class modulo 0xffff (2^32 and 2^16 are 1
 * modulo 0xffff). */
static inline uint32_t ph_ck_fold64(uint64_t s) {
  uint32_t x = (uint32_t)((s + (s << 32 | s >> 32)) >> 32);
  return (x + (x << 16 | x >> 16)) >> 16;
}

/* ph_ck_apply32w() natively: HC' = ~(~HC + diff) for the checksum stored
 * at ck, diff a sum of at most three ph_ck_diff32w() terms of native
 * loads. Returns the value stored (native; 0 only when it is 0). */
static inline uint16_t ph_ck_apply_ne(uint8_t *ck, uint64_t diff) {
  uint16_t hc;
  memcpy(&hc, ck, sizeof(hc));
  uint16_t c = (uint16_t)~ph_ck_fold64((uint16_t)~hc + diff);
  memcpy(ck, &c, sizeof(c));
  return c;
}

/*
 * The same update with 32-bit end-around-carry sums (the established UDP
 * path, core/process.c ph_udp_established): a + b with the carry out of
 * 32 bits added back is congruent to a + b modulo 0xffff (2^32 is 1
 * modulo 0xffff), fits 32 bits, and is 0 only when a and b both are. A
 * term ~old + new so taken, the terms summed so, and ~HC added so give
 * the class of ph_ck_apply_ne()'s 64-bit sum, 0 exactly when it is 0;
 * one 32-to-16 rotation fold (ph_ck_fold64's second) then gives the same
 * value in 1..0xffff, so the same checksum. An add and an add-with-carry
 * a term instead of ph_ck_fold64's 64-to-32 fold.
 */
static inline uint32_t ph_ck_add32(uint32_t a, uint32_t b) {
  uint32_t s = a + b;
  return s + (s < b);
}

/* ~old + new over a 32-bit word (native loads), end-around. */
static inline uint32_t ph_ck_diff32e(uint32_t old, uint32_t new_val) {
  return ph_ck_add32(~old, new_val);
}

/* ph_ck_apply_ne() for diff, an end-around sum of ph_ck_diff32e() terms
 * of native loads: HC' = ~(~HC + diff) stored natively at ck. Returns the
 * value stored (native; 0 only when it is 0). */
static inline uint16_t ph_ck_apply_ne32(uint8_t *ck, uint32_t diff) {
  uint16_t hc;
  memcpy(&hc, ck, sizeof(hc));
  uint32_t x = ph_ck_add32(diff, (uint16_t)~hc);
  uint16_t c = (uint16_t) ~((x + (x << 16 | x >> 16)) >> 16);
  memcpy(ck, &c, sizeof(c));
  return c;
}

#endif /* PH_PKT_CKSUM_H */

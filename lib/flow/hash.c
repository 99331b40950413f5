/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Keyed flow hashing: SipHash (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012), written from the paper's description.
 *
 * State v0..v3 is initialised from the 128-bit key (k0, k1) and the four
 * constants of the paper; the message is read as little-endian 64-bit words,
 * the last one carrying the remaining bytes and (length mod 256) in its top
 * byte; each word is absorbed with c SipRounds, then v2 ^= 0xff and d
 * SipRounds give the 64-bit output v0 ^ v1 ^ v2 ^ v3. pinhole uses c = 1,
 * d = 3 (SipHash-1-3); the tests check the same core at c = 2, d = 4 against
 * the paper's reference vector.
 */
#include <string.h>

#include "flow/hash_internal.h"

_Static_assert(sizeof(pinhole_flow_key) == 16, "flow key is 16 bytes");

static inline uint64_t ph_siphash(const pinhole_hash_key *key, const uint8_t *p,
                                  size_t len, unsigned c, unsigned d) {
  ph_sip s;
  ph_sip_init(&s, key);
  size_t whole = len - len % 8;
  for (size_t i = 0; i < whole; i += 8)
    ph_sip_absorb(&s, ph_le64(p + i), c);
  uint64_t last = (uint64_t)(len & 0xff) << 56;
  for (size_t i = whole; i < len; i++)
    last |= (uint64_t)p[i] << (8 * (i - whole));
  ph_sip_absorb(&s, last, c);
  return ph_sip_final(&s, d);
}

uint64_t pinhole__siphash(const pinhole_hash_key *key, const void *data,
                          size_t len, unsigned c, unsigned d) {
  return ph_siphash(key, data, len, c, d);
}

uint64_t pinhole_siphash13(const pinhole_hash_key *key, const void *data,
                           size_t len) {
  if (key == NULL || (data == NULL && len > 0))
    return 0;
  return ph_siphash(key, data, len, 1, 3); /* len 0: data not read */
}

uint64_t pinhole_flow_hash(const pinhole_hash_key *key,
                           const pinhole_flow_key *fk) {
  if (key == NULL || fk == NULL)
    return 0;
  return ph_flow_hash(key, fk);
}

uint64_t pinhole_flow_hash_sym(const pinhole_hash_key *key,
                               const pinhole_flow_key *fk) {
  if (key == NULL || fk == NULL)
    return 0;
  pinhole_flow_key k;
  memset(&k, 0, sizeof(k));
  k.proto = fk->proto;
  int swap = fk->dst < fk->src || (fk->dst == fk->src && fk->dport < fk->sport);
  k.src = swap ? fk->dst : fk->src;
  k.dst = swap ? fk->src : fk->dst;
  k.sport = swap ? fk->dport : fk->sport;
  k.dport = swap ? fk->sport : fk->dport;
  return pinhole_flow_hash(key, &k);
}

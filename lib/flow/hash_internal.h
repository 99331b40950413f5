/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal: the SipHash core with its round counts as parameters, so the
 * unit tests can check it against the SipHash-2-4 reference vectors and
 * then trust the 1-3 instance built from the same code; and the flow hash
 * as an inline function, so the packet path can compute it without a call
 * and the compiler can interleave the hashes of a burst.
 */
#ifndef PH_FLOW_HASH_INTERNAL_H
#define PH_FLOW_HASH_INTERNAL_H

#include <pinhole/hash.h>

#include <string.h>

/**
 * SipHash-c-d of data[0..len) under key: c compression rounds per 8-byte
 * word, d finalization rounds, 64-bit output. c and d are at least 1.
 */
uint64_t pinhole__siphash(const pinhole_hash_key *key, const void *data,
                          size_t len, unsigned c, unsigned d);

typedef struct ph_sip {
  uint64_t v0, v1, v2, v3;
} ph_sip;

static inline uint64_t ph_rotl(uint64_t x, unsigned b) {
  return (x << b) | (x >> (64u - b));
}

static inline uint64_t ph_le64(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
         (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
         (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline void ph_sipround(ph_sip *s) {
  s->v0 += s->v1;
  s->v1 = ph_rotl(s->v1, 13);
  s->v1 ^= s->v0;
  s->v0 = ph_rotl(s->v0, 32);
  s->v2 += s->v3;
  s->v3 = ph_rotl(s->v3, 16);
  s->v3 ^= s->v2;
  s->v0 += s->v3;
  s->v3 = ph_rotl(s->v3, 21);
  s->v3 ^= s->v0;
  s->v2 += s->v1;
  s->v1 = ph_rotl(s->v1, 17);
  s->v1 ^= s->v2;
  s->v2 = ph_rotl(s->v2, 32);
}

static inline void ph_sip_init(ph_sip *s, const pinhole_hash_key *key) {
  s->v0 = key->k0 ^ UINT64_C(0x736f6d6570736575);
  s->v1 = key->k1 ^ UINT64_C(0x646f72616e646f6d);
  s->v2 = key->k0 ^ UINT64_C(0x6c7967656e657261);
  s->v3 = key->k1 ^ UINT64_C(0x7465646279746573);
}

static inline void ph_sip_absorb(ph_sip *s, uint64_t m, unsigned c) {
  s->v3 ^= m;
  for (unsigned i = 0; i < c; i++)
    ph_sipround(s);
  s->v0 ^= m;
}

static inline uint64_t ph_sip_final(ph_sip *s, unsigned d) {
  s->v2 ^= 0xff;
  for (unsigned i = 0; i < d; i++)
    ph_sipround(s);
  return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* pinhole_flow_hash(): SipHash-1-3 of the 16 bytes of *fk. */
static inline uint64_t ph_flow_hash(const pinhole_hash_key *key,
                                    const pinhole_flow_key *fk) {
  uint8_t b[16];
  memcpy(b, fk, sizeof(b));
  ph_sip s;
  ph_sip_init(&s, key);
  ph_sip_absorb(&s, ph_le64(b), 1);
  ph_sip_absorb(&s, ph_le64(b + 8), 1);
  /* The last word of a 16-byte message: no tail bytes, length 16. */
  ph_sip_absorb(&s, (uint64_t)16 << 56, 1);
  return ph_sip_final(&s, 3);
}

/* The flow hash of a tuple: pinhole_flow_hash() of its zeroed key. */
static inline uint64_t ph_tuple_hash(const pinhole_hash_key *key, uint8_t proto,
                                     uint32_t src, uint32_t dst, uint16_t sport,
                                     uint16_t dport) {
  pinhole_flow_key k;
  k.src = src;
  k.dst = dst;
  k.sport = sport;
  k.dport = dport;
  k.proto = proto;
  k.pad_[0] = k.pad_[1] = k.pad_[2] = 0;
  return ph_flow_hash(key, &k);
}

#endif /* PH_FLOW_HASH_INTERNAL_H */

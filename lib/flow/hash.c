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
  return ph_siphash(key, data, len, 1, 3);
}

uint64_t pinhole_flow_hash(const pinhole_hash_key *key,
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

uint64_t pinhole_flow_hash_sym(const pinhole_hash_key *key,
                               const pinhole_flow_key *fk) {
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

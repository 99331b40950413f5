/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The flow table: a cache-line bucketised hash of 32-bit references.
 *
 * Each bucket is one 64-byte line of 7 (signature, reference) pairs and an
 * overflow count. A key hashes to a home bucket; when that is full it goes
 * to the next bucket with room and every bucket passed counts one overflow,
 * so a lookup stops at the first bucket whose overflow count is zero. The
 * table stores no keys: the caller verifies a candidate reference against
 * its own object (the signature makes false candidates rare: 2^-32).
 */
#ifndef PH_FLOW_TABLE_H
#define PH_FLOW_TABLE_H

#include <pinhole/hash.h>

#include <stddef.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define PH_FT_WAYS 7

typedef struct ph_ft_bucket {
  uint32_t sig[PH_FT_WAYS];
  uint32_t ovf;
  uint32_t ref[PH_FT_WAYS];
  uint32_t pad_;
} ph_ft_bucket;

typedef struct ph_flow_table {
  ph_ft_bucket *b;
  uint32_t nbuckets;
  uint32_t count;
  uint32_t max_probe;
  uint32_t nh[4]; /* the table hash's NH key (see ph_ft_hash) */
  uint64_t mul;   /* its finaliser's multiplier, odd */
} ph_flow_table;

/* A cursor over candidates of one hash. */
typedef struct ph_ft_iter {
  uint32_t bucket;
  uint32_t mask; /* ways of the bucket still to return, 1 << way */
  uint32_t probes;
  uint32_t sig;
} ph_ft_iter;

static inline uint32_t ph_ft_sig(uint64_t h) {
  uint32_t s = (uint32_t)(h >> 32);
  return s ? s : 1u;
}

/* Number of buckets for n entries at a load of at most 60%. */
uint32_t pinhole__ft_buckets_for(uint32_t n);

/* An empty table over mem; its hash key is derived from key (the
 * context's secret) with SipHash-1-3, so the table's key says nothing
 * about the context key and the reverse. */
void pinhole__ft_init(ph_flow_table *ft, ph_ft_bucket *mem, uint32_t nbuckets,
                      const pinhole_hash_key *key);

/*
 * The table's keyed hash of an IPv4 tuple (13 bytes as four 32-bit words:
 * source, destination, ports, protocol): NH, the universal hash of UMAC
 * (Black, Halevi, Krawczyk, Krovetz, Rogaway, "UMAC: Fast and Secure
 * Message Authentication", CRYPTO 1999), over 32-bit words,
 *
 *   NH = (m0 + K0)(m1 + K1) + (m2 + K2)(m3 + K3)  mod 2^64,
 *
 * the additions mod 2^32, then a bijection keyed by an odd multiplier M:
 * x ^= x >> 32, x *= M, x ^= x >> 32. NH is 2^-32-almost-universal: for
 * any two distinct tuples fixed in advance, the probability over the
 * random key that their 64-bit hashes are equal is at most 2^-32, and a
 * bijection keeps that. It is not a PRF, and it need not be one here: the
 * hash never leaves the context (no output, no ID, no order that a peer
 * can observe except through timing), the key is per context, random and
 * derived, and the table bounds what a collision costs (a lookup stops at
 * the first bucket whose overflow count is zero and never walks more than
 * max_probe + 1 lines; an insert past that is refused and counted). So a
 * sender who cannot see the key cannot aim tuples at one bucket: the bound
 * holds for the full hash, the bucket and signature bits are mixed by the
 * keyed finaliser, and what an attacker gets from blind flooding is the
 * random-function load. ~15 instructions against SipHash-1-3's ~125.
 * docs/architecture.md "The flow table's hash" has the argument in full.
 */
static inline uint64_t ph_nh64(const uint32_t nh[4], uint64_t mul, uint32_t m0,
                               uint32_t m1, uint32_t m2, uint32_t m3) {
  uint64_t x = (uint64_t)(uint32_t)(m0 + nh[0]) * (uint32_t)(m1 + nh[1]) +
               (uint64_t)(uint32_t)(m2 + nh[2]) * (uint32_t)(m3 + nh[3]);
  x ^= x >> 32;
  x *= mul;
  return x ^ (x >> 32);
}

static inline uint64_t ph_ft_hash(const ph_flow_table *ft, uint8_t proto,
                                  uint32_t src, uint32_t dst, uint16_t sport,
                                  uint16_t dport) {
  return ph_nh64(ft->nh, ft->mul, src, dst, (uint32_t)sport << 16 | dport,
                 proto);
}

/* An NH key (nh, mul) derived from the context's key: SipHash-1-3 of the
 * three 8-byte labels, so that keys of different labels say nothing about
 * each other or the context key. The flow table's is labelled
 * "ft-nh-0", "ft-nh-1", "ft-mul". */
void pinhole__nh_derive(uint32_t nh[4], uint64_t *mul,
                        const pinhole_hash_key *key, const char label[3][8]);

/* Inserts (h, ref). Returns 0, or -1 when no bucket within max_probe has
 * room. */
int pinhole__ft_insert(ph_flow_table *ft, uint64_t h, uint32_t ref);

/* Removes (h, ref). Returns 0, or -1 when absent. */
int pinhole__ft_remove(ph_flow_table *ft, uint64_t h, uint32_t ref);

/* The home bucket of hash h. */
static inline uint32_t ph_ft_home(const ph_flow_table *ft, uint64_t h) {
  return (uint32_t)(((uint64_t)(uint32_t)h * ft->nbuckets) >> 32);
}

/* The bucket after i, wrapping. */
static inline uint32_t ph_ft_succ(const ph_flow_table *ft, uint32_t i) {
  return i + 1 == ft->nbuckets ? 0 : i + 1;
}

static inline const ph_ft_bucket *ph_ft_bucket_of(const ph_flow_table *ft,
                                                  uint64_t h) {
  return &ft->b[ph_ft_home(ft, h)];
}

static inline void ph_ft_prefetch(const ph_flow_table *ft, uint64_t h) {
  __builtin_prefetch(ph_ft_bucket_of(ft, h));
}

/* The ways of bucket bk whose signature is sig, as a bit mask: seven
 * independent compares, no branch; with SSE2 (every x86-64) two vector
 * compares and two movemasks. */
static inline uint32_t ph_ft_match(const ph_ft_bucket *bk, uint32_t sig) {
#ifdef __SSE2__
  /* sig[0..3] and sig[4..6] with ovf, compared four at a time */
  __m128i k = _mm_set1_epi32((int)sig);
  __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)bk->sig);
  __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(bk->sig + 4));
  uint32_t m =
      (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, k))) |
      (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, k))) << 4;
  return m & ((1u << PH_FT_WAYS) - 1);
#else
  uint32_t m = 0;
  for (uint32_t w = 0; w < PH_FT_WAYS; w++)
    m |= (uint32_t)(bk->sig[w] == sig) << w;
  return m;
#endif
}

static inline void ph_ft_iter_init(const ph_flow_table *ft, uint64_t h,
                                   ph_ft_iter *it) {
  it->bucket = ph_ft_home(ft, h);
  it->probes = 0;
  it->sig = ph_ft_sig(h);
  it->mask = ph_ft_match(&ft->b[it->bucket], it->sig);
}

/* Next candidate reference for the iterator's hash, or UINT32_MAX: the
 * matching ways of each bucket in order, then the next bucket while the
 * current one counts an overflow, at most max_probe buckets further. */
static inline uint32_t ph_ft_next(const ph_flow_table *ft, ph_ft_iter *it) {
  for (;;) {
    const ph_ft_bucket *bk = &ft->b[it->bucket];
    if (it->mask != 0) {
      uint32_t w = (uint32_t)__builtin_ctz(it->mask);
      it->mask &= it->mask - 1;
      return bk->ref[w];
    }
    if (bk->ovf == 0 || ++it->probes > ft->max_probe)
      return UINT32_MAX;
    it->bucket = ph_ft_succ(ft, it->bucket);
    it->mask = ph_ft_match(&ft->b[it->bucket], it->sig);
  }
}

#endif /* PH_FLOW_TABLE_H */

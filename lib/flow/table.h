/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The flow table: a cache-line bucketised hash of 32-bit references.
 *
 * Each bucket is one 64-byte line of 10 (16-bit signature, 32-bit
 * reference) pairs and an overflow count. A key hashes to a home bucket;
 * when that is full it goes to the next bucket with room and every bucket
 * passed counts one overflow, so a lookup stops at the first bucket whose
 * overflow count is zero. A signature's low four bits say how far the
 * entry sits from its home (0 to 14 lines, 15 for that far or further), so a
 * removal can pull a displaced entry back into the way it frees (a
 * backward shift, pinhole__ft_remove) and the counts drain instead of
 * piling up under churn. The table stores no keys: the caller verifies a
 * candidate reference against its own object. The signature makes false
 * candidates rare (2^-12 per occupied way compared, see ph_ft_sig) and
 * the sizing keeps the load at most 80 % (pinhole__ft_buckets_for).
 */
#ifndef PH_FLOW_TABLE_H
#define PH_FLOW_TABLE_H

#include <pinhole/hash.h>

#include <stddef.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define PH_FT_WAYS 10
/* The load bound, PH_FT_LOAD_NUM / PH_FT_LOAD_DEN of the slots: 80 %
 * (16.0 bytes a connection, both keys; 19.7 at 65 %). The backward shift
 * keeps walks short there; on a freshly filled table 6.5 % of entries sit
 * in a line past their home (2.2 % at 65 %), and the burst's look-ahead
 * follows a full home line into the next one (process.c ph_hint_far), so
 * those hand over as home entries do. */
#define PH_FT_LOAD_NUM 16
#define PH_FT_LOAD_DEN 20
/* A signature's low bits: the entry's distance from its home bucket, in
 * lines, PH_FT_DFAR for that far or further (an entry that never moves:
 * its home is not known exactly). */
#define PH_FT_DBITS 4
#define PH_FT_DFAR ((1u << PH_FT_DBITS) - 1u)

/* 20 bytes of signatures (0: an empty way), the overflow count, 40 bytes
 * of references: one line, the signatures in its first 32 bytes. */
typedef struct ph_ft_bucket {
  uint16_t sig[PH_FT_WAYS];
  uint32_t ovf;
  uint32_t ref[PH_FT_WAYS];
} ph_ft_bucket;

typedef struct ph_flow_table {
  ph_ft_bucket *b;
  uint32_t nbuckets;
  uint32_t count;
  uint32_t max_probe;
  /* bumped by every insert and remove (with its backward shift): while
   * it stays the same, every bucket reads as it did (a burst's
   * look-ahead, core/process.c) */
  uint32_t changes;
  uint32_t nh[4]; /* the table hash's NH key (see ph_ft_hash) */
  uint64_t mul;   /* its finaliser's multiplier, odd */
} ph_flow_table;

/* A cursor over candidates of one hash. */
typedef struct ph_ft_iter {
  const ph_ft_bucket *bk; /* the line being returned */
  uint32_t mask;          /* ways of the line still to return, 1 << way */
  uint32_t probes;        /* its distance from home */
  uint32_t sig;           /* the signature at distance 0 (ph_ft_sig) */
} ph_ft_iter;

/*
 * The signature: the hash's top 12 bits (the home bucket comes from its
 * low 32) over four bits of distance from home, here 0; the top bits 0 are
 * taken as 1 since 0 marks an empty way. An entry filed d lines past its
 * home carries ph_ft_sig_at(ph_ft_sig(h), d), and a lookup compares that
 * with every way of the line d past home; each occupied way that is not
 * the key matches with probability 2^-12 (about 2.0e-3 per lookup at
 * 8 ways in use, the 80 % bound), and a false candidate costs one
 * connection line read and one tuple compare, never a wrong answer. The
 * hash is keyed (below), so a sender cannot choose tuples whose
 * signatures collide more often than that: it sees neither the key nor
 * the signatures.
 */
static inline uint32_t ph_ft_sig(uint64_t h) {
  uint32_t s = (uint32_t)(h >> 48) & ~PH_FT_DFAR;
  return s ? s : PH_FT_DFAR + 1u;
}

/* The signature of an entry of signature sig (at distance 0) filed d
 * lines past its home. */
static inline uint32_t ph_ft_sig_at(uint32_t sig, uint32_t d) {
  return sig | (d < PH_FT_DFAR ? d : PH_FT_DFAR);
}

/* Number of buckets for n entries at a load of at most 80 %. */
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

/* pinhole__ft_insert past its common case (table.c): home bucket home
 * is full; the walk from it to the first line with room, counting an
 * overflow in every line it passes; sig: the entry's signature at
 * distance 0 (ph_ft_sig). */
int pinhole__ft_insert_far(ph_flow_table *ft, uint32_t home, uint32_t sig,
                           uint32_t ref);

/* pinhole__ft_remove_at past its common case (table.c): the entry of
 * home bucket home and signature sig (at distance 0). */
int pinhole__ft_remove_far(ph_flow_table *ft, uint32_t home, uint32_t sig,
                           uint32_t ref);

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

/* The ways of bucket bk whose signature is sig (0: the empty ways), as a
 * bit mask, portably: three 64-bit words of four 16-bit lanes each; a lane
 * of x = word ^ (sig in every lane) is zero exactly when adding 0x7fff to
 * its low 15 bits does not carry into bit 15 and its bit 15 is clear
 * (exact, no false lane); a multiply gathers the four lane flags, bits
 * 0, 16, 32, 48 after the shift, into bits 48..51 (no two partial
 * products meet, so nothing carries). */
static inline uint32_t ph_ft_match_swar(const ph_ft_bucket *bk, uint32_t sig) {
  const uint64_t lo15 = UINT64_C(0x7fff7fff7fff7fff);
  const uint64_t gather = UINT64_C(1) << 48 | UINT64_C(1) << 33 |
                          UINT64_C(1) << 18 | UINT64_C(1) << 3;
  uint64_t k = UINT64_C(0x0001000100010001) * (uint16_t)sig, m = 0;
  for (unsigned i = 0; i < 3; i++) {
    uint64_t w = 0;
    for (unsigned l = 0; l < 4 && 4 * i + l < PH_FT_WAYS; l++)
      w |= (uint64_t)bk->sig[4 * i + l] << 16 * l;
    uint64_t x = w ^ k;
    uint64_t z = ~(((x & lo15) + lo15) | x) & ~lo15;
    m |= ((z >> 15) * gather >> 48 & 0xf) << 4 * i;
  }
  return (uint32_t)m & ((1u << PH_FT_WAYS) - 1); /* not the lanes past */
}

/* The same mask; with SSE2 (every x86-64) two 16-bit vector compares of
 * the line's first 32 bytes, one pack and one movemask. */
static inline uint32_t ph_ft_match(const ph_ft_bucket *bk, uint32_t sig) {
#ifdef __SSE2__
  /* lanes 0..7: sig[0..7]; lanes 8..15: sig[8..9], ovf, ref[0..1] */
  __m128i k = _mm_set1_epi16((short)sig);
  __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)bk);
  __m128i hi =
      _mm_loadu_si128((const __m128i *)(const void *)((const char *)bk + 16));
  __m128i eq = _mm_packs_epi16(_mm_cmpeq_epi16(lo, k), _mm_cmpeq_epi16(hi, k));
  return (uint32_t)_mm_movemask_epi8(eq) & ((1u << PH_FT_WAYS) - 1);
#else
  return ph_ft_match_swar(bk, sig);
#endif
}

/* The ways of bucket bk that hold an entry filed at least d (1 to
 * PH_FT_DFAR - 1) lines past its home, at a known distance (not
 * PH_FT_DFAR): those whose home is at or before the bucket d lines back,
 * which the backward shift may move there (table.c ph_ft_refill). An
 * empty way's distance reads 0, below d. Portably: */
static inline uint32_t ph_ft_movable_swar(const ph_ft_bucket *bk, uint32_t d) {
  uint32_t m = 0;
  for (uint32_t w = 0; w < PH_FT_WAYS; w++) {
    uint32_t code = bk->sig[w] & PH_FT_DFAR;
    m |= (uint32_t)(code >= d && code < PH_FT_DFAR) << w;
  }
  return m;
}

/* The same mask; with SSE2 the line's first 32 bytes as two vectors of
 * 16-bit lanes: each lane's distance plus one, modulo 16 (PH_FT_DFAR
 * becomes 0, an empty way's 0 becomes 1, distance k becomes k + 1),
 * compared with d (d <= code < PH_FT_DFAR exactly when it exceeds d),
 * one pack and one movemask. */
static inline uint32_t ph_ft_movable(const ph_ft_bucket *bk, uint32_t d) {
#ifdef __SSE2__
  const __m128i one = _mm_set1_epi16(1);
  const __m128i dfar = _mm_set1_epi16((short)PH_FT_DFAR);
  const __m128i dv = _mm_set1_epi16((short)d);
  __m128i lo = _mm_and_si128(
      _mm_add_epi16(_mm_loadu_si128((const __m128i *)(const void *)bk), one),
      dfar);
  __m128i hi = _mm_and_si128(
      _mm_add_epi16(_mm_loadu_si128(
                        (const __m128i *)(const void *)((const char *)bk + 16)),
                    one),
      dfar);
  return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(_mm_cmpgt_epi16(lo, dv),
                                                     _mm_cmpgt_epi16(hi, dv))) &
         ((1u << PH_FT_WAYS) - 1);
#else
  return ph_ft_movable_swar(bk, d);
#endif
}

/*
 * The lookup's walk, one rule for every walker (ph_ft_next, and
 * core/process.c's one per call, look-ahead and hand-over check): in the
 * line d lines past home, the candidates are the ways of the signature at
 * distance d (ph_ft_match_at); with none of them the key, the walk goes
 * on to the next line (wrapping) while the line counts an overflow, at
 * most max_probe lines past home (ph_ft_walk_on: 1 with *bk the next
 * line, d + 1 past home; 0 where the walk ends).
 */
static inline uint32_t ph_ft_match_at(const ph_ft_bucket *bk, uint32_t sig,
                                      uint32_t d) {
  return ph_ft_match(bk, ph_ft_sig_at(sig, d));
}

static inline int ph_ft_walk_on(const ph_flow_table *ft,
                                const ph_ft_bucket **bk, uint32_t d) {
  const ph_ft_bucket *b = *bk;
  if (b->ovf == 0 || d >= ft->max_probe)
    return 0;
  *bk = b + 1 == ft->b + ft->nbuckets ? ft->b : b + 1;
  return 1;
}

static inline void ph_ft_iter_init(const ph_flow_table *ft, uint64_t h,
                                   ph_ft_iter *it) {
  it->bk = ph_ft_bucket_of(ft, h);
  it->probes = 0;
  it->sig = ph_ft_sig(h);
  it->mask = ph_ft_match(it->bk, it->sig);
}

/* Next candidate reference for the iterator's hash, or UINT32_MAX: the
 * matching ways of each line in order, then the walk's next line
 * (ph_ft_walk_on). */
static inline uint32_t ph_ft_next(const ph_flow_table *ft, ph_ft_iter *it) {
  for (;;) {
    if (it->mask != 0) {
      uint32_t w = (uint32_t)__builtin_ctz(it->mask);
      it->mask &= it->mask - 1;
      return it->bk->ref[w];
    }
    if (!ph_ft_walk_on(ft, &it->bk, it->probes))
      return UINT32_MAX;
    it->mask = ph_ft_match_at(it->bk, it->sig, ++it->probes);
  }
}

/* Removes (h, ref) and refills the way it frees: while the bucket counts
 * an overflow, the first entry of the next lines (within PH_FT_DFAR - 1 of
 * it) whose home is at or before it moves in, its signature's distance and
 * the counts of the lines it passed back drop, and the same is done for
 * the way it leaves. O(lines passed), at most max_probe + 1. Returns 0,
 * or -1 when absent. Entries move: an iterator does not survive it.
 *
 * Inline, the common case (at 65 % most lines count no overflow): a home
 * line that counts none holds every entry homed there (one filed further
 * would have counted one), and a way freed in it has nothing to pull
 * back; the rest is pinhole__ft_remove_far's.
 *
 * pinhole__ft_remove_at does the same for a hash whose home bucket and
 * signature were worked out before (ph_ft_home, ph_ft_sig), and
 * pinhole__ft_remove_in for one whose home line is known (&ft->b[home]:
 * expiry's look-ahead forms it to prefetch the line and keeps it). */
static inline int pinhole__ft_remove_in(ph_flow_table *ft, ph_ft_bucket *bk,
                                        uint32_t sig, uint32_t ref) {
  if (bk->ovf != 0)
    return pinhole__ft_remove_far(ft, (uint32_t)(bk - ft->b), sig, ref);
  for (uint32_t m = ph_ft_match(bk, sig); m != 0; m &= m - 1) {
    uint32_t w = (uint32_t)__builtin_ctz(m);
    if (bk->ref[w] == ref) {
      bk->sig[w] = 0;
      bk->ref[w] = 0;
      ft->count--;
      ft->changes++;
      return 0;
    }
  }
  return -1;
}

static inline int pinhole__ft_remove_at(ph_flow_table *ft, uint32_t home,
                                        uint32_t sig, uint32_t ref) {
  return pinhole__ft_remove_in(ft, &ft->b[home], sig, ref);
}

static inline int pinhole__ft_remove(ph_flow_table *ft, uint64_t h,
                                     uint32_t ref) {
  return pinhole__ft_remove_at(ft, ph_ft_home(ft, h), ph_ft_sig(h), ref);
}

/* Inserts (h, ref) in the first line from home with an empty way, its
 * signature at that line's distance, and counts an overflow in every line
 * passed. Returns 0, or -1 when no bucket within max_probe has room.
 *
 * Inline, the common case (at the 80 % load most home lines have room: a
 * new flow's two inserts): an empty way at home, the entry at distance 0,
 * no count to raise; the rest is pinhole__ft_insert_far's. */
static inline int pinhole__ft_insert(ph_flow_table *ft, uint64_t h,
                                     uint32_t ref) {
  uint32_t home = ph_ft_home(ft, h);
  ph_ft_bucket *bk = &ft->b[home];
  uint32_t empty = ph_ft_match(bk, 0);
  if (empty == 0)
    return pinhole__ft_insert_far(ft, home, ph_ft_sig(h), ref);
  uint32_t w = (uint32_t)__builtin_ctz(empty);
  bk->sig[w] = (uint16_t)ph_ft_sig(h);
  bk->ref[w] = ref;
  ft->count++;
  ft->changes++;
  return 0;
}

#endif /* PH_FLOW_TABLE_H */

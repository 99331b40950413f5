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

#include <stddef.h>
#include <stdint.h>

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
} ph_flow_table;

/* A cursor over candidates of one hash. */
typedef struct ph_ft_iter {
  uint32_t bucket;
  uint32_t way;
  uint32_t probes;
  uint32_t sig;
} ph_ft_iter;

static inline uint32_t ph_ft_sig(uint64_t h) {
  uint32_t s = (uint32_t)(h >> 32);
  return s ? s : 1u;
}

/* Number of buckets for n entries at a load of at most 60%. */
uint32_t pinhole__ft_buckets_for(uint32_t n);

void pinhole__ft_init(ph_flow_table *ft, ph_ft_bucket *mem, uint32_t nbuckets);

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

static inline void ph_ft_iter_init(const ph_flow_table *ft, uint64_t h,
                                   ph_ft_iter *it) {
  it->bucket = ph_ft_home(ft, h);
  it->way = 0;
  it->probes = 0;
  it->sig = ph_ft_sig(h);
}

/* Next candidate reference for the iterator's hash, or UINT32_MAX. */
static inline uint32_t ph_ft_next(const ph_flow_table *ft, ph_ft_iter *it) {
  for (;;) {
    const ph_ft_bucket *bk = &ft->b[it->bucket];
    while (it->way < PH_FT_WAYS) {
      uint32_t w = it->way++;
      if (bk->sig[w] == it->sig)
        return bk->ref[w];
    }
    if (bk->ovf == 0 || ++it->probes > ft->max_probe)
      return UINT32_MAX;
    it->bucket = ph_ft_succ(ft, it->bucket);
    it->way = 0;
  }
}

#endif /* PH_FLOW_TABLE_H */

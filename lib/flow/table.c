/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Flow table: bucketised open addressing with overflow counts and a
 * backward shift on removal (see table.h). Insert and remove walk at most
 * max_probe buckets.
 */
#include "flow/table.h"

#include <string.h>

#include <stddef.h>

_Static_assert(sizeof(ph_ft_bucket) == 64, "bucket is one cache line");
/* ph_ft_match reads the signatures as the line's first 32 bytes */
_Static_assert(offsetof(ph_ft_bucket, sig) == 0 &&
                   offsetof(ph_ft_bucket, ref) >= 2 * PH_FT_WAYS &&
                   PH_FT_WAYS <= 16,
               "signatures first, at most 16 of them");

uint32_t pinhole__ft_buckets_for(uint32_t n) {
  const uint64_t per = (uint64_t)PH_FT_WAYS * PH_FT_LOAD_NUM;
  uint64_t want = ((uint64_t)n * PH_FT_LOAD_DEN + per - 1) / per;
  if (want < 16)
    want = 16;
  if (want > (1u << 30))
    want = 1u << 30;
  return (uint32_t)want;
}

void pinhole__nh_derive(uint32_t nh[4], uint64_t *mul,
                        const pinhole_hash_key *key, const char label[3][8]) {
  uint64_t w[3];
  for (int i = 0; i < 3; i++)
    w[i] = pinhole_siphash13(key, label[i], sizeof(label[i]));
  nh[0] = (uint32_t)w[0];
  nh[1] = (uint32_t)(w[0] >> 32);
  nh[2] = (uint32_t)w[1];
  nh[3] = (uint32_t)(w[1] >> 32);
  *mul = w[2] | 1u;
}

void pinhole__ft_init(ph_flow_table *ft, ph_ft_bucket *mem, uint32_t nbuckets,
                      const pinhole_hash_key *key) {
  /* the table's key: SipHash-1-3 of three labels under the context's */
  static const char label[3][8] = {"ft-nh-0", "ft-nh-1", "ft-mul"};
  pinhole__nh_derive(ft->nh, &ft->mul, key, label);
  memset(mem, 0, (size_t)nbuckets * sizeof(*mem));
  ft->b = mem;
  ft->nbuckets = nbuckets;
  ft->count = 0;
  ft->changes = 0;
  ft->max_probe = nbuckets < 64 ? nbuckets - 1 : 64;
}

int pinhole__ft_insert_far(ph_flow_table *ft, uint32_t home, uint32_t sig,
                           uint32_t ref) {
  /* one walk: each full line passed counts its overflow as the walk
   * leaves it (home is full), taken back if no line within max_probe
   * has room */
  ph_ft_bucket *bk = &ft->b[home], *end = ft->b + ft->nbuckets;
  for (uint32_t probe = 0; probe < ft->max_probe;) {
    bk->ovf++;
    bk = bk + 1 == end ? ft->b : bk + 1;
    probe++;
    uint32_t empty = ph_ft_match(bk, 0);
    if (empty != 0) {
      uint32_t w = (uint32_t)__builtin_ctz(empty);
      bk->sig[w] = (uint16_t)ph_ft_sig_at(sig, probe);
      bk->ref[w] = ref;
      ft->count++;
      ft->changes++;
      return 0;
    }
  }
  for (uint32_t i = home, k = 0; k < ft->max_probe; k++) {
    ft->b[i].ovf--;
    i = ph_ft_succ(ft, i);
  }
  return -1;
}

/* The backward shift: way w of bucket i is free; while i counts an
 * overflow, an entry homed at or before i may sit in the lines after it.
 * Only entries of a known distance move (PH_FT_DFAR ones keep their
 * place: their home is not known), so the search ends PH_FT_DFAR - 1
 * lines on; the first one found moves into (i, w), the counts of the
 * lines between drop by one, and its old way is the next hole. */
static void ph_ft_refill(ph_flow_table *ft, uint32_t i, uint32_t w) {
  for (uint32_t moves = 0; moves <= ft->max_probe; moves++) {
    uint32_t j = i, d = 0, m = 0;
    while (m == 0) {
      if (ft->b[j].ovf == 0 || ++d >= PH_FT_DFAR)
        return; /* nothing homed at or before i lies past j */
      j = ph_ft_succ(ft, j);
      m = ph_ft_movable(&ft->b[j], d); /* the first such way moves */
    }
    uint32_t v = (uint32_t)__builtin_ctz(m);
    ph_ft_bucket *to = &ft->b[i], *from = &ft->b[j];
    to->sig[w] = (uint16_t)(from->sig[v] - d);
    to->ref[w] = from->ref[v];
    from->sig[v] = 0;
    from->ref[v] = 0;
    for (uint32_t k = i; k != j; k = ph_ft_succ(ft, k))
      ft->b[k].ovf--;
    i = j;
    w = v;
  }
}

/* pinhole__ft_remove_at (table.h) when the home line counts an overflow
 * (it also does the rest). */
int pinhole__ft_remove_far(ph_flow_table *ft, uint32_t home, uint32_t sig,
                           uint32_t ref) {
  uint32_t i = home;
  for (uint32_t probe = 0; probe <= ft->max_probe; probe++) {
    ph_ft_bucket *bk = &ft->b[i];
    for (uint32_t m = ph_ft_match(bk, ph_ft_sig_at(sig, probe)); m != 0;
         m &= m - 1) {
      uint32_t w = (uint32_t)__builtin_ctz(m);
      if (bk->ref[w] == ref) {
        bk->sig[w] = 0;
        bk->ref[w] = 0;
        for (uint32_t j = home; j != i; j = ph_ft_succ(ft, j))
          ft->b[j].ovf--;
        ft->count--;
        ft->changes++;
        ph_ft_refill(ft, i, w);
        return 0;
      }
    }
    if (bk->ovf == 0)
      return -1;
    i = ph_ft_succ(ft, i);
  }
  return -1;
}

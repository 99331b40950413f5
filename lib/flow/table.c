/*
 * Flow table: bucketised open addressing with overflow counts (see
 * table.h). Insert and remove walk at most max_probe buckets.
 */
#include "flow/table.h"

#include <string.h>

_Static_assert(sizeof(ph_ft_bucket) == 64, "bucket is one cache line");

uint32_t pinhole__ft_buckets_for(uint32_t n) {
  uint64_t want = ((uint64_t)n * 10 + 6 * PH_FT_WAYS - 1) / (6 * PH_FT_WAYS);
  uint32_t nb = 16;
  while (nb < want && nb < (1u << 30))
    nb <<= 1;
  return nb;
}

void pinhole__ft_init(ph_flow_table *ft, ph_ft_bucket *mem, uint32_t nbuckets) {
  memset(mem, 0, (size_t)nbuckets * sizeof(*mem));
  ft->b = mem;
  ft->mask = nbuckets - 1;
  ft->count = 0;
  ft->max_probe = nbuckets < 64 ? nbuckets - 1 : 64;
}

int pinhole__ft_insert(ph_flow_table *ft, uint64_t h, uint32_t ref) {
  uint32_t sig = ph_ft_sig(h);
  uint32_t home = (uint32_t)h & ft->mask;
  uint32_t i = home;
  for (uint32_t probe = 0; probe <= ft->max_probe; probe++) {
    ph_ft_bucket *bk = &ft->b[i];
    for (uint32_t w = 0; w < PH_FT_WAYS; w++) {
      if (bk->sig[w] == 0) {
        bk->sig[w] = sig;
        bk->ref[w] = ref;
        /* count an overflow in every bucket passed on the way */
        for (uint32_t j = home; j != i; j = (j + 1) & ft->mask)
          ft->b[j].ovf++;
        ft->count++;
        return 0;
      }
    }
    i = (i + 1) & ft->mask;
  }
  return -1;
}

int pinhole__ft_remove(ph_flow_table *ft, uint64_t h, uint32_t ref) {
  uint32_t sig = ph_ft_sig(h);
  uint32_t home = (uint32_t)h & ft->mask;
  uint32_t i = home;
  for (uint32_t probe = 0; probe <= ft->max_probe; probe++) {
    ph_ft_bucket *bk = &ft->b[i];
    for (uint32_t w = 0; w < PH_FT_WAYS; w++) {
      if (bk->sig[w] == sig && bk->ref[w] == ref) {
        bk->sig[w] = 0;
        bk->ref[w] = 0;
        for (uint32_t j = home; j != i; j = (j + 1) & ft->mask)
          ft->b[j].ovf--;
        ft->count--;
        return 0;
      }
    }
    if (bk->ovf == 0)
      return -1;
    i = (i + 1) & ft->mask;
  }
  return -1;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the keyed flow hash (lib/flow/hash.c).
 *
 * The SipHash core is checked at c = 2, d = 4 against the reference vectors
 * of the SipHash paper (key 00..0f, message 00..len-1), then at c = 1, d = 3
 * against values that two independent implementations agree on (CPython
 * 3.11 hash() of bytes with PYTHONHASHSEED=0, i.e. key 0, and Rust's
 * std DefaultHasher, also SipHash-1-3 with key 0).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pinhole/hash.h>
#include "flow/hash_internal.h"
#include "flow/table.h"

static const pinhole_hash_key ref_key = {UINT64_C(0x0706050403020100),
                                         UINT64_C(0x0f0e0d0c0b0a0908)};

static void test_hash_siphash24_reference(void **state) {
  (void)state;
  uint8_t m[64];
  for (size_t i = 0; i < sizeof(m); i++)
    m[i] = (uint8_t)i;
  /* The paper's test vector: message 00..0e. */
  assert_int_equal(pinhole__siphash(&ref_key, m, 15, 2, 4),
                   UINT64_C(0xa129ca6149be45e5));
  /* More of the reference table: empty, one byte, 7/8 (block edge), 63. */
  assert_int_equal(pinhole__siphash(&ref_key, m, 0, 2, 4),
                   UINT64_C(0x726fdb47dd0e0e31));
  assert_int_equal(pinhole__siphash(&ref_key, m, 1, 2, 4),
                   UINT64_C(0x74f839c593dc67fd));
  assert_int_equal(pinhole__siphash(&ref_key, m, 7, 2, 4),
                   UINT64_C(0xab0200f58b01d137));
  assert_int_equal(pinhole__siphash(&ref_key, m, 8, 2, 4),
                   UINT64_C(0x93f5f5799a932462));
  assert_int_equal(pinhole__siphash(&ref_key, m, 63, 2, 4),
                   UINT64_C(0x958a324ceb064572));
}

static void test_hash_siphash13_vectors(void **state) {
  (void)state;
  static const struct {
    const char *msg;
    uint64_t want;
  } v[] = {
      {"", UINT64_C(0xd1fba762150c532c)},
      {"a", UINT64_C(0x407448d2b89b1813)},
      {"abcdefg", UINT64_C(0x6db12aae9070f506)},
      {"abcdefgh", UINT64_C(0x3f7b849c0b8e35ea)},
      {"0123456789abcdef", UINT64_C(0x1d42b30f7e060c24)},
      {"hello world, siphash", UINT64_C(0x968e813047249cf5)},
  };
  const pinhole_hash_key zero = {0, 0};
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
    size_t len = strlen(v[i].msg);
    assert_int_equal(pinhole_siphash13(&zero, v[i].msg, len), v[i].want);
    assert_int_equal(pinhole__siphash(&zero, v[i].msg, len, 1, 3), v[i].want);
  }
  /* 1-3 is not 2-4. */
  assert_int_not_equal(pinhole_siphash13(&ref_key, "abc", 3),
                       pinhole__siphash(&ref_key, "abc", 3, 2, 4));
}

static pinhole_flow_key mk(uint32_t src, uint32_t dst, uint16_t sport,
                           uint16_t dport, uint8_t proto) {
  pinhole_flow_key k;
  memset(&k, 0, sizeof(k));
  k.src = src;
  k.dst = dst;
  k.sport = sport;
  k.dport = dport;
  k.proto = proto;
  return k;
}

static void test_hash_flow_equals_siphash13(void **state) {
  (void)state;
  const pinhole_flow_key keys[] = {
      mk(0xC6120001, 0xC6130002, 1024, 80, 6),
      mk(0, 0, 0, 0, 0),
      mk(0xFFFFFFFF, 0xFFFFFFFF, 0xFFFF, 0xFFFF, 255),
      mk(0x0A000001, 0xC6120063, 50118, 21, 17),
  };
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    assert_int_equal(pinhole_flow_hash(&ref_key, &keys[i]),
                     pinhole_siphash13(&ref_key, &keys[i], 16));
  }
  /* The pad bytes are hashed as they are: a caller that forgets to zero
   * them gets a different hash (hence "must be zero"). */
  pinhole_flow_key dirty = keys[0];
  dirty.pad_[1] = 0x5a;
  assert_int_equal(pinhole_flow_hash(&ref_key, &dirty),
                   pinhole_siphash13(&ref_key, &dirty, 16));
  assert_int_not_equal(pinhole_flow_hash(&ref_key, &dirty),
                       pinhole_flow_hash(&ref_key, &keys[0]));
}

static void test_hash_key_changes_hash(void **state) {
  (void)state;
  pinhole_flow_key fk = mk(0xC6120001, 0xC6130002, 1024, 80, 6);
  uint64_t h = pinhole_flow_hash(&ref_key, &fk);
  for (unsigned b = 0; b < 64; b++) {
    pinhole_hash_key k0 = ref_key, k1 = ref_key;
    k0.k0 ^= UINT64_C(1) << b;
    k1.k1 ^= UINT64_C(1) << b;
    assert_int_not_equal(pinhole_flow_hash(&k0, &fk), h);
    assert_int_not_equal(pinhole_flow_hash(&k1, &fk), h);
  }
  /* Every field matters. */
  pinhole_flow_key f = fk;
  f.proto = 17;
  assert_int_not_equal(pinhole_flow_hash(&ref_key, &f), h);
  f = fk;
  f.sport++;
  assert_int_not_equal(pinhole_flow_hash(&ref_key, &f), h);
  f = fk;
  f.dst ^= 0x80000000u;
  assert_int_not_equal(pinhole_flow_hash(&ref_key, &f), h);
}

static void test_hash_sym_reverse(void **state) {
  (void)state;
  const pinhole_flow_key fwd[] = {
      mk(0xC6120001, 0xC6130002, 1024, 80, 6),
      mk(0xC6130002, 0xC6120001, 80, 1024, 6),
      mk(0x0A000001, 0x0A000001, 5060, 5061, 17), /* same address */
      mk(0x0A000001, 0x0A000001, 7, 7, 17),       /* same endpoint */
      mk(0, 0xFFFFFFFF, 0xFFFF, 0, 1),
  };
  for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
    pinhole_flow_key rev =
        mk(fwd[i].dst, fwd[i].src, fwd[i].dport, fwd[i].sport, fwd[i].proto);
    uint64_t h = pinhole_flow_hash_sym(&ref_key, &fwd[i]);
    assert_int_equal(pinhole_flow_hash_sym(&ref_key, &rev), h);
    /* It is the directed hash of the ordered tuple. */
    const pinhole_flow_key *lo =
        (fwd[i].src < fwd[i].dst ||
         (fwd[i].src == fwd[i].dst && fwd[i].sport <= fwd[i].dport))
            ? &fwd[i]
            : &rev;
    assert_int_equal(h, pinhole_flow_hash(&ref_key, lo));
  }
  /* Not symmetric in anything else: swapping only the ports differs. */
  pinhole_flow_key a = mk(0xC6120001, 0xC6130002, 1024, 80, 6);
  pinhole_flow_key b = mk(0xC6120001, 0xC6130002, 80, 1024, 6);
  assert_int_not_equal(pinhole_flow_hash_sym(&ref_key, &a),
                       pinhole_flow_hash_sym(&ref_key, &b));
  /* The directed hash does tell the directions apart. */
  pinhole_flow_key ra = mk(a.dst, a.src, a.dport, a.sport, a.proto);
  assert_int_not_equal(pinhole_flow_hash(&ref_key, &a),
                       pinhole_flow_hash(&ref_key, &ra));
}

/*
 * 65536 tuples differing only in the source port, into 4096 buckets (mean
 * 16), by the low 12 bits and by the high 12 bits of the hash. For a random
 * function a bucket's load is ~Poisson(16): P(load >= 40) <= e^-16 (16e/40)^40
 * ~ 3e-6 and P(load <= 1) = 17 e^-16 ~ 2e-6, so over 4096 buckets a max of 40
 * or a min of 1 happen with probability < 1.5% and < 1%. Chi-square has 4095
 * degrees of freedom (mean 4095, sd 90.5): the bounds are +-6 sd. A weak hash
 * that spreads sequential ports perfectly evenly (chi-square 0) fails too.
 */
static void check_buckets(const uint32_t *cnt, size_t n, double mean) {
  uint32_t max = 0, min = UINT32_MAX;
  double chi2 = 0;
  for (size_t i = 0; i < n; i++) {
    max = cnt[i] > max ? cnt[i] : max;
    min = cnt[i] < min ? cnt[i] : min;
    double d = (double)cnt[i] - mean;
    chi2 += d * d / mean;
  }
  assert_true(max < 40);
  assert_true(min > 1);
  assert_true(chi2 > 3552.0 && chi2 < 4638.0);
}

static void test_hash_distribution(void **state) {
  (void)state;
  static uint32_t lo[4096], hi[4096];
  memset(lo, 0, sizeof(lo));
  memset(hi, 0, sizeof(hi));
  const pinhole_hash_key key = {UINT64_C(0x243f6a8885a308d3),
                                UINT64_C(0x13198a2e03707344)};
  for (uint32_t p = 0; p < 65536; p++) {
    pinhole_flow_key fk = mk(0xC6120001, 0xC6130002, (uint16_t)p, 443, 6);
    uint64_t h = pinhole_flow_hash(&key, &fk);
    lo[h & 4095]++;
    hi[h >> 52]++;
  }
  check_buckets(lo, 4096, 16.0);
  check_buckets(hi, 4096, 16.0);
}

/* The flow table's hash (ph_ft_hash, lib/flow/table.h) under the table
 * key that pinhole__ft_init derives from key. */
static void ft_keyed(ph_flow_table *ft, const pinhole_hash_key *key) {
  static ph_ft_bucket mem[16];
  pinhole__ft_init(ft, mem, 16, key);
}

/* Four context keys, as a host's entropy would give them (fixed here so
 * that a failure is reproducible): splitmix64 from a constant. */
static pinhole_hash_key some_key(unsigned i) {
  uint64_t x = UINT64_C(0x9e3779b97f4a7c15) * (2 * i + 1), w[2];
  for (int j = 0; j < 2; j++) {
    uint64_t z = (x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    w[j] = z ^ (z >> 31);
  }
  pinhole_hash_key k = {w[0], w[1]};
  return k;
}

/* Tuple i of 1M sequential ones, in three shapes: consecutive sources
 * (198.18.0.0 up, one port), one source's consecutive ports towards 16
 * destinations, and consecutive destination ports of 16 sources. */
static void seq_tuple(unsigned shape, uint32_t i, uint32_t *src, uint32_t *dst,
                      uint16_t *sport, uint16_t *dport) {
  switch (shape) {
  case 0:
    *src = 0xC6120000u + i, *dst = 0xC6130001u, *sport = 40000, *dport = 443;
    break;
  case 1:
    *src = 0xC6120001u, *dst = 0xC6130000u + (i >> 16);
    *sport = (uint16_t)i, *dport = 53;
    break;
  default:
    *src = 0xC6120000u + (i >> 16), *dst = 0xC6130002u, *sport = 1024;
    *dport = (uint16_t)i;
    break;
  }
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/*
 * 1M sequential tuples (three shapes, four keys) into the home buckets of
 * a table sized for 1M entries (131072 buckets, mean 8): for a random
 * function a bucket's load is ~Poisson(8), P(load >= 30) ~ 2.1e-9, so a
 * maximum of 30 over 131072 buckets has probability < 0.03%; chi-square
 * has 131071 degrees of freedom (sd 512): the bounds are +-6 sd. The
 * signature's 12 hash bits (above its 4 bits of distance) spread too
 * (4096 cells, mean 256, max < 340: ~5 sd), and no two of the 1M hashes
 * are equal (expected 2^-25).
 */
static void test_hash_table_distribution(void **state) {
  (void)state;
  const uint32_t n = 1u << 20;
  uint32_t nb = pinhole__ft_buckets_for(n);
  assert_int_equal(nb, 131072);
  uint32_t *cnt = calloc(nb, sizeof(*cnt));
  uint64_t *all = malloc(n * sizeof(*all));
  static uint32_t sig[4096];
  assert_non_null(cnt);
  assert_non_null(all);
  for (unsigned key = 0; key < 4; key++) {
    pinhole_hash_key k = some_key(key);
    ph_flow_table ft;
    ft_keyed(&ft, &k);
    ft.nbuckets = nb; /* only for ph_ft_home: no bucket is read */
    for (unsigned shape = 0; shape < 3; shape++) {
      memset(cnt, 0, nb * sizeof(*cnt));
      memset(sig, 0, sizeof(sig));
      for (uint32_t i = 0; i < n; i++) {
        uint32_t src, dst;
        uint16_t sp, dp;
        seq_tuple(shape, i, &src, &dst, &sp, &dp);
        uint64_t h = ph_ft_hash(&ft, 17, src, dst, sp, dp);
        cnt[ph_ft_home(&ft, h)]++;
        sig[h >> 52]++;
        assert_int_equal(ph_ft_sig(h), h >> 52 ? (h >> 52) << 4 : 0x10);
        all[i] = h;
      }
      double mean = (double)n / nb, chi2 = 0;
      uint32_t max = 0;
      for (uint32_t b = 0; b < nb; b++) {
        double d = cnt[b] - mean;
        chi2 += d * d / mean;
        max = cnt[b] > max ? cnt[b] : max;
      }
      assert_true(max < 30);
      assert_true(chi2 > nb - 1 - 6 * 512.0 && chi2 < nb - 1 + 6 * 512.0);
      for (unsigned c = 0; c < 4096; c++)
        assert_true(sig[c] > 172 && sig[c] < 340);
      qsort(all, n, sizeof(*all), cmp_u64);
      for (uint32_t i = 1; i < n; i++)
        assert_true(all[i] != all[i - 1]);
    }
  }
  free(cnt);
  free(all);
}

/* The same 1M tuples really go into a table sized for them: every insert
 * succeeds, and every key is found again within a few buckets. */
static void test_hash_table_fill(void **state) {
  (void)state;
  const uint32_t n = 1u << 20;
  uint32_t nb = pinhole__ft_buckets_for(n);
  ph_ft_bucket *mem = aligned_alloc(64, (size_t)nb * sizeof(*mem));
  assert_non_null(mem);
  pinhole_hash_key k = some_key(7);
  ph_flow_table ft;
  pinhole__ft_init(&ft, mem, nb, &k);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t src, dst;
    uint16_t sp, dp;
    seq_tuple(i % 3, i, &src, &dst, &sp, &dp);
    assert_int_equal(
        pinhole__ft_insert(&ft, ph_ft_hash(&ft, 6, src, dst, sp, dp), i), 0);
  }
  assert_int_equal(ft.count, n);
  uint32_t worst = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t src, dst;
    uint16_t sp, dp;
    seq_tuple(i % 3, i, &src, &dst, &sp, &dp);
    ph_ft_iter it;
    ph_ft_iter_init(&ft, ph_ft_hash(&ft, 6, src, dst, sp, dp), &it);
    uint32_t ref;
    while ((ref = ph_ft_next(&ft, &it)) != UINT32_MAX && ref != i)
      ;
    assert_int_equal(ref, i);
    worst = it.probes > worst ? it.probes : worst;
  }
  /* 80 % load, 10 ways: the longest walk past full buckets is what a
   * random function gives (8 to 12 buckets at 65 %; a simulation of 1M
   * random hashes at 80 %: 22, BENCHMARKS.md "ftdense"); far from the 64
   * a lookup may walk */
  assert_true(worst < 32);
  free(mem);
}

/* Every field and every key matters; the table key is not the context
 * key (nor a function of it that skips SipHash). */
static void test_hash_table_key(void **state) {
  (void)state;
  pinhole_hash_key k = some_key(1);
  ph_flow_table ft;
  ft_keyed(&ft, &k);
  uint64_t h = ph_ft_hash(&ft, 6, 0xC6120001u, 0xC6130002u, 1024, 80);
  /* one field changed each: protocol, source, destination, a port,
   * the ports swapped, the tuple reversed */
  static const struct {
    uint8_t proto;
    uint32_t src, dst;
    uint16_t sport, dport;
  } other[] = {{17, 0xC6120001u, 0xC6130002u, 1024, 80},
               {6, 0xC6120002u, 0xC6130002u, 1024, 80},
               {6, 0xC6120001u, 0xC6130003u, 1024, 80},
               {6, 0xC6120001u, 0xC6130002u, 1025, 80},
               {6, 0xC6120001u, 0xC6130002u, 80, 1024},
               {6, 0xC6130002u, 0xC6120001u, 80, 1024}};
  for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
    assert_int_not_equal(ph_ft_hash(&ft, other[i].proto, other[i].src,
                                    other[i].dst, other[i].sport,
                                    other[i].dport),
                         h);
  for (unsigned b = 0; b < 64; b++) {
    pinhole_hash_key k0 = k, k1 = k;
    k0.k0 ^= UINT64_C(1) << b;
    k1.k1 ^= UINT64_C(1) << b;
    ph_flow_table f0, f1;
    ft_keyed(&f0, &k0);
    ft_keyed(&f1, &k1);
    assert_int_not_equal(ph_ft_hash(&f0, 6, 0xC6120001u, 0xC6130002u, 1024, 80),
                         h);
    assert_int_not_equal(ph_ft_hash(&f1, 6, 0xC6120001u, 0xC6130002u, 1024, 80),
                         h);
  }
  /* derived with SipHash-1-3: the first table key word is that of the
   * label "ft-nh-0" under the context key */
  static const char l0[8] = "ft-nh-0";
  uint64_t w = pinhole_siphash13(&k, l0, sizeof(l0));
  assert_int_equal(ft.nh[0], (uint32_t)w);
  assert_int_equal(ft.nh[1], (uint32_t)(w >> 32));
  assert_int_not_equal(ft.nh[0], (uint32_t)k.k0);
  assert_true(ft.mul & 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hash_siphash24_reference),
      cmocka_unit_test(test_hash_siphash13_vectors),
      cmocka_unit_test(test_hash_flow_equals_siphash13),
      cmocka_unit_test(test_hash_key_changes_hash),
      cmocka_unit_test(test_hash_sym_reverse),
      cmocka_unit_test(test_hash_distribution),
      cmocka_unit_test(test_hash_table_distribution),
      cmocka_unit_test(test_hash_table_fill),
      cmocka_unit_test(test_hash_table_key),
  };
  return cmocka_run_group_tests_name("unit.hash", tests, NULL, NULL);
}

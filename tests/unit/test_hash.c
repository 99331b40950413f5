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
#include <string.h>
#include <cmocka.h>

#include <pinhole/hash.h>
#include "flow/hash_internal.h"

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hash_siphash24_reference),
      cmocka_unit_test(test_hash_siphash13_vectors),
      cmocka_unit_test(test_hash_flow_equals_siphash13),
      cmocka_unit_test(test_hash_key_changes_hash),
      cmocka_unit_test(test_hash_sym_reverse),
      cmocka_unit_test(test_hash_distribution),
  };
  return cmocka_run_group_tests_name("unit.hash", tests, NULL, NULL);
}

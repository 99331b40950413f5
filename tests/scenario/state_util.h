/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Helpers of the state sync scenarios (test_state.c, test_state6.c):
 * feeding a packet to an active and a standby context alike, comparing
 * listings, what a refused import must leave alone, a full export, the
 * records of a blob, every truncation and flipped byte of one.
 */
#ifndef PH_TEST_STATE_UTIL_H
#define PH_TEST_STATE_UTIL_H

#include <pinhole/state.h>

#include "helpers.h"

#define BLOB 65536

static uint8_t blob[BLOB];

/* Feeds copies of p to A and B from side; both must give the same verdict
 * and bytes. Returns the verdict; *out (may be NULL) gets A's packet. */
static inline int both(tctx *a, tctx *b, const tpkt *p, int side, uint64_t now,
                       tpkt *out) {
  static tpkt pa, pb;
  pa = *p;
  pb = *p;
  pa.p.data = pa.b;
  pb.p.data = pb.b;
  int va = pinhole_process(a->ctx, &pa.p, side, now);
  int vb = pinhole_process(b->ctx, &pb.p, side, now);
  assert_int_equal(va, vb);
  assert_int_equal(pa.p.len, pb.p.len);
  assert_memory_equal(pa.b, pb.b, pa.p.len);
  if (out != NULL)
    *out = pa;
  return va;
}

static inline void same_listing(tctx *a, tctx *b) {
  char *la = t_listing(a), *lb = t_listing(b);
  if (strcmp(la, lb) != 0) {
    fprintf(stderr, "A:\n%s---- B:\n%s----\n", la, lb);
    fail();
  }
  free(la);
  free(lb);
}

/* Everything a refused import must leave alone. */
typedef struct snap {
  char *listing;
  pinhole_usage u;
  uint64_t cnt[128];
} snap;

static inline void snap_take(tctx *t, snap *s) {
  s->listing = t_listing(t);
  memset(&s->u, 0, sizeof(s->u));
  s->u.size = sizeof(s->u);
  assert_int_equal(pinhole_usage_get(t->ctx, &s->u), 0);
  memset(s->cnt, 0, sizeof(s->cnt));
  assert_true(pinhole_stats(t->ctx, s->cnt, 128) > 0);
}

static inline void snap_same(tctx *t, const snap *s) {
  snap n;
  snap_take(t, &n);
  assert_string_equal(n.listing, s->listing);
  assert_memory_equal(&n.u, &s->u, sizeof(n.u));
  assert_memory_equal(n.cnt, s->cnt, sizeof(n.cnt));
  free(n.listing);
}

/* A full export of t in one piece; its length. */
static inline size_t export_full(tctx *t, uint64_t now, uint64_t *cursor) {
  size_t len = 0;
  uint64_t next = 0;
  assert_int_equal(
      pinhole_state_export(t->ctx, now, 0, blob, sizeof(blob), &len, &next), 1);
  assert_true(len >= 24);
  if (cursor != NULL)
    *cursor = next;
  return len;
}

/* Offsets of the records of blob[0..len): n of them. */
static inline size_t records(size_t len, size_t *off, size_t max) {
  size_t n = 0;
  for (size_t at = 24; at + 4 <= len && n < max;) {
    off[n++] = at;
    at += 4 + ((size_t)blob[at + 2] << 8 | blob[at + 3]);
  }
  return n;
}

/* Every truncation of good[0..len) and every byte of it flipped: refused
 * with B left as it was, or accepted (then B's state is the new "as it
 * was"); the good blob still goes in afterwards, applying want. */
static inline void hostile_all(tctx *b, const uint8_t *good, size_t len,
                               int want) {
  snap before;
  snap_take(b, &before);
  for (size_t n = 0; n < len; n++)
    assert_true(pinhole_state_import(b->ctx, 3 * SEC, good, n) < 0);
  snap_same(b, &before);
  for (size_t i = 0; i < len; i++) {
    memcpy(blob, good, len);
    blob[i] ^= (uint8_t)(0x5a + i);
    if (pinhole_state_import(b->ctx, 3 * SEC, blob, len) < 0) {
      snap_same(b, &before);
    } else {
      free(before.listing);
      snap_take(b, &before);
    }
  }
  free(before.listing);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, good, len), want);
}

/* blob = good with n bytes at `at` replaced by ins[0..ilen) and the
 * record count moved by dn; its length. */
static inline size_t edit(const uint8_t *good, size_t len, size_t at, size_t n,
                          const uint8_t *ins, size_t ilen, int dn) {
  static uint8_t tmp[BLOB];
  assert_true(len - n + ilen <= BLOB);
  memcpy(tmp, good, at);
  memcpy(tmp + at, ins, ilen);
  memcpy(tmp + at + ilen, good + at + n, len - at - n);
  size_t out = len - n + ilen;
  t_put32(tmp + 16, (uint32_t)((int32_t)t_get32(good + 16) + dn));
  t_put32(tmp + 20, (uint32_t)out);
  memcpy(blob, tmp, out);
  return out;
}

/* The offset of the k-th record (0: first) of type in good. */
static inline size_t rec_of(const uint8_t *good, size_t len, uint8_t type,
                            int k) {
  for (size_t at = 24; at + 4 <= len; at += 4 + t_get16(good + at + 2))
    if (good[at] == type && k-- == 0)
      return at;
  fail_msg("no record of type %u", type);
  return 0;
}

static inline size_t rec_len(const uint8_t *good, size_t at) {
  return 4 + t_get16(good + at + 2);
}

/* good with body byte `at` of the record at rec xored with x: refused
 * with want, B unchanged. */
static inline void flip(tctx *b, const uint8_t *good, size_t len, size_t rec,
                        size_t at, uint8_t x, int want) {
  snap before;
  snap_take(b, &before);
  memcpy(blob, good, len);
  blob[rec + 4 + at] ^= x;
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), want);
  snap_same(b, &before);
  free(before.listing);
}

static inline void refused(tctx *b, size_t len, int want) {
  snap before;
  snap_take(b, &before);
  assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), want);
  snap_same(b, &before);
  free(before.listing);
}

#endif /* PH_TEST_STATE_UTIL_H */

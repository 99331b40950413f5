/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bursts against one call per packet, for the burst tests (after
 * helpers.h): context a takes the packets as one pinhole_process_burst()
 * call, its twin b (made the same way) copies of them one call each, and
 * both must give the same verdicts, lengths, bytes and counters.
 */
#ifndef PH_TEST_BURST_TWIN_H
#define PH_TEST_BURST_TWIN_H

#include "helpers.h"

#ifndef NB
#define NB 8 /* packets a twin burst takes at most */
#endif

static inline void t_copy(tpkt *dst, const tpkt *src) {
  *dst = *src;
  dst->p.data = dst->b;
}

/* The two contexts' counters are the same. */
static inline void stats_same(pinhole_ctx *a, pinhole_ctx *b) {
  uint64_t ca[128], cb[128];
  int na = pinhole_stats(a, ca, 128), nb = pinhole_stats(b, cb, 128);
  assert_int_equal(na, nb);
  assert_memory_equal(ca, cb, (size_t)na * sizeof(ca[0]));
}

/* pa[0..n) as one burst into a, copies of them one per call into b, all
 * from side at now: the same verdicts, lengths, bytes and counters; the
 * verdicts in vd. */
static inline void burst_twin(tctx *a, tctx *b, tpkt *pa, size_t n, int side,
                              uint64_t now, uint8_t *vd) {
  static tpkt pb[NB];
  pinhole_pkt burst[NB];
  assert_true(n <= NB);
  for (size_t i = 0; i < n; i++) {
    t_copy(&pb[i], &pa[i]);
    burst[i] = pa[i].p;
  }
  assert_int_equal(pinhole_process_burst(a->ctx, burst, n, side, now, vd),
                   (int)n);
  for (size_t i = 0; i < n; i++) {
    int v = pinhole_process(b->ctx, &pb[i].p, side, now);
    assert_int_equal(vd[i], v);
    assert_int_equal(burst[i].len, pb[i].p.len);
    assert_memory_equal(pa[i].b, pb[i].b, pb[i].p.len);
  }
  stats_same(a->ctx, b->ctx);
}

/* Packets i = 0..n) over the buffers pa[of[i]] as one burst into a and
 * over the twin buffers pb[of[i]] (copies made before) one per call into
 * b: a buffer may be an earlier packet's again, met as that packet's
 * turn left it. The same verdicts, lengths, the first 128 bytes of every
 * buffer and the counters. */
static inline void burst_twin_of(tctx *a, tctx *b, tpkt *pa, tpkt *pb,
                                 const size_t *of, size_t n, int side,
                                 uint64_t now) {
  pinhole_pkt ba[NB], bb[NB];
  assert_true(n <= NB);
  for (size_t i = 0; i < n; i++) {
    ba[i] = pa[of[i]].p;
    bb[i] = pb[of[i]].p;
  }
  uint8_t vd[NB];
  assert_int_equal(pinhole_process_burst(a->ctx, ba, n, side, now, vd), (int)n);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(vd[i], pinhole_process(b->ctx, &bb[i], side, now));
    assert_int_equal(ba[i].len, bb[i].len);
  }
  for (size_t i = 0; i < n; i++)
    assert_memory_equal(pa[i].b, pb[i].b, 128);
  stats_same(a->ctx, b->ctx);
}

static inline void vd_is(const uint8_t *vd, size_t n, ...) {
  va_list ap;
  va_start(ap, n);
  for (size_t i = 0; i < n; i++) {
    int want = va_arg(ap, int);
    if (vd[i] != want) {
      for (size_t j = 0; j < n; j++)
        print_message("verdict[%zu] %d\n", j, vd[j]);
      fail_msg("packet %zu: verdict %d, want %d", i, vd[i], want);
    }
  }
  va_end(ap);
}

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reassembly (issue 21, docs/reassembly.md): the held-bytes pool of
 * core/hold.c (configuration, chunks, shares, eviction, timeouts) and the
 * TCP stream's split messages held and merged.
 */
#include "helpers.h"

#include "core/engine.h"

/* ---- the pool ----------------------------------------------------------- */

static pinhole_ctx *pool_ctx(uint32_t bytes, uint32_t per_conv,
                             uint32_t msg_max, uint32_t max_held) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.hold_bytes = bytes;
  cfg.hold_bytes_per_conv = per_conv;
  cfg.hold_msg_max = msg_max;
  cfg.max_held = max_held;
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  assert_int_equal(pinhole_tick(ctx, 5 * SEC), 0);
  return ctx;
}

static uint64_t cnt(pinhole_ctx *ctx, int c) {
  uint64_t v[128];
  int n = pinhole_stats(ctx, v, 128);
  assert_true(c < n);
  return v[c];
}

static void test_hold_config(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  assert_int_equal(cfg.hold_bytes, 262144);
  assert_int_equal(cfg.hold_bytes_per_conv, 16384);
  assert_int_equal(cfg.hold_msg_max, 9216);
  assert_int_equal(cfg.max_held, 256);
  assert_int_equal(cfg.hold_timeout_ms, 3000);
  /* a caller that predates the fields: 0 is the default */
  cfg.hold_bytes = cfg.hold_bytes_per_conv = cfg.hold_msg_max = 0;
  cfg.max_held = cfg.hold_timeout_ms = 0;
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  assert_int_equal(ctx->cfg.hold_bytes, 262144);
  assert_int_equal(ctx->cfg.hold_bytes_per_conv, 16384);
  assert_int_equal(ctx->cfg.hold_msg_max, 9216);
  assert_int_equal(ctx->cfg.max_held, 256);
  assert_int_equal(ctx->cfg.hold_timeout_ms, 3000);
  assert_int_equal(ctx->nchunks, 262144 / PH_HOLD_CHUNK);
  pinhole_ctx_del(ctx);
  /* a small pool: the share defaults to the whole of it */
  cfg.hold_bytes = 4000;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  assert_int_equal(ctx->cfg.hold_bytes_per_conv, 4000);
  assert_int_equal(ctx->nchunks, 16); /* 4000 / 256, rounded up */
  pinhole_ctx_del(ctx);
  /* bounds */
  const struct {
    uint32_t bytes, per_conv, msg_max, held, to;
    int rc;
  } cases[] = {
      {(1u << 30) + 1, 0, 0, 0, 0, PINHOLE_ERR_RANGE},
      {4096, 4097, 0, 0, 0, PINHOLE_ERR_RANGE},
      {0, 0, 65536, 0, 0, PINHOLE_ERR_RANGE},
      {0, 0, 0, (1u << 20) + 1, 0, PINHOLE_ERR_RANGE},
      {0, 0, 0, 0, 86400001, PINHOLE_ERR_RANGE},
      {4096, 4096, 65535, 1, 86400000, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    t_cfg(&cfg);
    cfg.hold_bytes = cases[i].bytes;
    cfg.hold_bytes_per_conv = cases[i].per_conv;
    cfg.hold_msg_max = cases[i].msg_max;
    cfg.max_held = cases[i].held;
    cfg.hold_timeout_ms = cases[i].to;
    int rc = pinhole_ctx_new(&ctx, &cfg, NULL, NULL);
    assert_int_equal(rc, cases[i].rc);
    if (rc == 0) {
      assert_int_equal(ctx->hold_buf_cap, 65535 + 2048);
      pinhole_ctx_del(ctx);
    }
  }
}

static void fill(uint8_t *p, size_t n, uint8_t seed) {
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(seed + i * 7);
}

static void test_hold_append_copy(void **state) {
  (void)state;
  pinhole_ctx *ctx = pool_ctx(4096, 2048, 1500, 4);
  uint8_t msg[1500], out[1600];
  fill(msg, sizeof(msg), 3);
  ph_ref h = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 1, 7, 1, 0xdeadbeef);
  assert_int_not_equal(h, PH_NIL);
  assert_int_equal(ph_held_at(ctx, h)->key, 0xdeadbeef);
  assert_int_equal(ph_held_at(ctx, h)->owner, 7);
  /* pieces that cross chunk boundaries at odd places */
  assert_int_equal(pinhole__hold_append(ctx, h, msg, 1), 0);
  assert_int_equal(pinhole__hold_append(ctx, h, msg + 1, 255), 0);
  assert_int_equal(pinhole__hold_append(ctx, h, msg + 256, 300), 0);
  assert_int_equal(pinhole__hold_append(ctx, h, msg + 556, 0), 0);
  assert_int_equal(pinhole__hold_append(ctx, h, msg + 556, 444), 0);
  assert_int_equal(ph_held_at(ctx, h)->len, 1000);
  assert_int_equal(ctx->chunks_used, 4); /* 1000 bytes in 256-byte chunks */
  assert_int_equal(ctx->conv_held[0], 1024);
  memset(out, 0, sizeof(out));
  assert_int_equal(pinhole__hold_copy(ctx, h, 0, out, sizeof(out)), 1000);
  assert_memory_equal(out, msg, 1000);
  assert_int_equal(pinhole__hold_copy(ctx, h, 250, out, 20), 20);
  assert_memory_equal(out, msg + 250, 20);
  assert_int_equal(pinhole__hold_copy(ctx, h, 990, out, 100), 10);
  assert_memory_equal(out, msg + 990, 10);
  assert_int_equal(pinhole__hold_copy(ctx, h, 1000, out, 1), 0);
  assert_true(pinhole__hold_same(ctx, h, 0, msg, 1000));
  assert_true(pinhole__hold_same(ctx, h, 255, msg + 255, 2));
  assert_false(pinhole__hold_same(ctx, h, 999, msg + 999, 2)); /* past end */
  msg[600] ^= 1;
  assert_false(pinhole__hold_same(ctx, h, 512, msg + 512, 200));
  assert_true(pinhole__hold_same(ctx, h, 512, msg + 512, 88));
  msg[600] ^= 1;
  /* the message limit: 500 more would pass hold_msg_max (1500) */
  assert_int_equal(pinhole__hold_append(ctx, h, msg, 501), PINHOLE_ERR_RANGE);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_TOO_BIG), 1);
  assert_int_equal(ph_held_at(ctx, h)->len, 1000); /* nothing appended */
  assert_int_equal(pinhole__hold_append(ctx, h, msg + 1000, 500), 0);
  assert_int_equal(ph_held_at(ctx, h)->len, 1500);
  assert_int_equal(ctx->conv_held[0], 1536);
  pinhole__hold_done(ctx, h);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_COMPLETED), 1);
  assert_int_equal(ctx->chunks_used, 0);
  assert_int_equal(ctx->conv_held[0], 0);
  assert_int_equal(ctx->nheld, 0);
  pinhole_ctx_del(ctx);
}

static void test_hold_share(void **state) {
  (void)state;
  /* 16 chunks in all, 4 per conversation */
  pinhole_ctx *ctx = pool_ctx(4096, 1024, 9000, 8);
  uint8_t b[1100];
  fill(b, sizeof(b), 9);
  ph_ref a1 = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 2, 1, 0, 100);
  ph_ref a2 = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 2, 2, 0, 200);
  assert_int_equal(pinhole__hold_append(ctx, a1, b, 700), 0); /* 3 chunks */
  /* a second message of the same conversation: one chunk left */
  assert_int_equal(pinhole__hold_append(ctx, a2, b, 256), 0);
  assert_int_equal(pinhole__hold_append(ctx, a2, b, 1), PINHOLE_ERR_FULL);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_OVERFLOW), 1);
  /* the first one fills its last chunk without a new one */
  assert_int_equal(pinhole__hold_append(ctx, a1, b, 68), 0);
  assert_int_equal(pinhole__hold_append(ctx, a1, b, 1), PINHOLE_ERR_FULL);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_OVERFLOW), 2);
  assert_int_equal(ctx->conv_held[1], 1024);
  /* another conversation is not touched by it */
  ph_ref b1 = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 3, 3, 1, 300);
  assert_int_equal(pinhole__hold_append(ctx, b1, b, 1024), 0);
  assert_int_equal(ctx->conv_held[2], 1024);
  pinhole__hold_free(ctx, a2);
  assert_int_equal(ctx->conv_held[1], 768);
  assert_int_equal(pinhole__hold_append(ctx, a1, b, 1), 0);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_COMPLETED), 0);
  pinhole__hold_free(ctx, a1);
  pinhole__hold_free(ctx, b1);
  pinhole__hold_free(ctx, b1); /* twice: nothing */
  assert_int_equal(ctx->chunks_used, 0);
  assert_int_equal(ctx->nheld, 0);
  pinhole_ctx_del(ctx);
}

/* The pool full: the oldest message is given up for a newer one, so a
 * flood that began earlier cannot keep a later message out. */
static void test_hold_evict_oldest(void **state) {
  (void)state;
  pinhole_ctx *ctx = pool_ctx(2048, 1024, 9000, 4); /* 8 chunks */
  uint8_t b[1024];
  fill(b, sizeof(b), 1);
  ph_ref m[3];
  m[0] = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 1, 1, 0, 1);
  assert_int_equal(pinhole__hold_append(ctx, m[0], b, 1024), 0);
  pinhole_tick(ctx, 6 * SEC);
  m[1] = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 2, 2, 0, 2);
  assert_int_equal(pinhole__hold_append(ctx, m[1], b, 1024), 0);
  assert_int_equal(ctx->chunks_used, 8);
  m[2] = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 3, 3, 0, 3);
  assert_int_equal(pinhole__hold_append(ctx, m[2], b, 300), 0);
  /* the oldest (conversation 1) was given up, the second kept */
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_OVERFLOW), 1);
  assert_int_equal(ph_held_at(ctx, m[0])->conv, PH_NIL);
  assert_int_equal(ctx->conv_held[0], 0);
  assert_int_equal(ph_held_at(ctx, m[1])->len, 1024);
  assert_int_equal(ctx->chunks_used, 6);
  /* message slots: max_held 4 */
  ph_ref x = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 4, 4, 0, 4);
  ph_ref y = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 5, 5, 0, 5);
  assert_int_equal(ctx->nheld, 4);
  ph_ref z = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 6, 6, 0, 6);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_OVERFLOW), 2);
  /* the oldest, conversation 2, was given up (z took its slot) */
  assert_int_equal(ctx->conv_held[1], 0);
  assert_int_equal(ctx->chunks_used, 2);
  assert_int_equal(ctx->nheld, 4);
  assert_int_equal(ph_held_at(ctx, z)->conv, 6);
  /* a message that needs more than all the others hold: it still gets
   * room by giving up every older one, never itself */
  assert_int_equal(pinhole__hold_append(ctx, z, b, 1024), 0);
  assert_int_equal(pinhole__hold_append(ctx, m[2], b, 724), 0);
  assert_int_equal(ctx->chunks_used, 8);
  assert_int_equal(pinhole__hold_append(ctx, z, b, 1), PINHOLE_ERR_FULL);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_HELD), 6);
  (void)x;
  (void)y;
  pinhole_ctx_del(ctx);
}

static void test_hold_timeout(void **state) {
  (void)state;
  pinhole_ctx *ctx = pool_ctx(4096, 2048, 9000, 4);
  uint8_t b[300];
  fill(b, sizeof(b), 5);
  ph_ref h = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 1, 1, 0, 1);
  assert_int_equal(pinhole__hold_append(ctx, h, b, 300), 0);
  /* not before hold_timeout_ms (3000) */
  assert_int_equal(pinhole_tick(ctx, 5 * SEC + 2900000000ull), 0);
  assert_int_equal(ph_held_at(ctx, h)->conv, 1);
  assert_int_equal(pinhole_tick(ctx, 5 * SEC + 3100000000ull), 1);
  assert_int_equal(ph_held_at(ctx, h)->conv, PH_NIL);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_TIMEOUT), 1);
  assert_int_equal(ctx->chunks_used, 0);
  assert_int_equal(ctx->nheld, 0);
  /* found at use */
  h = pinhole__hold_new(ctx, PH_HOLD_DGRAM, 1, 1, 0, 2);
  pinhole__hold_expire(ctx, h);
  pinhole__hold_expire(ctx, h);
  assert_int_equal(cnt(ctx, PINHOLE_CNT_REASM_TIMEOUT), 2);
  assert_int_equal(ctx->nheld, 0);
  pinhole_ctx_del(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hold_config),
      cmocka_unit_test(test_hold_append_copy),
      cmocka_unit_test(test_hold_share),
      cmocka_unit_test(test_hold_evict_oldest),
      cmocka_unit_test(test_hold_timeout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

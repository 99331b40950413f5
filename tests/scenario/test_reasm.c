/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reassembly (issue 21, docs/reassembly.md): the held-bytes pool of
 * core/hold.c (configuration, chunks, shares, eviction, timeouts) and the
 * TCP stream's split messages held and merged.
 */
#define _GNU_SOURCE /* memmem */
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

/* ---- TCP: split messages held and merged ------------------------------- */

#define CLI IP4(198, 18, 0, 100)
#define SRV IP4(198, 19, 0, 2)
#define CPORT 40000

/* A TCP segment with options (opts[0..olen), a multiple of 4). */
static tpkt *seg_opt(tpkt *t, uint32_t src, uint16_t sport, uint32_t dst,
                     uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                     const uint8_t *opts, size_t olen, const void *pl,
                     size_t plen) {
  return t_tcp_opts(t, src, sport, dst, dport, seq, ack, flags, 65535, opts,
                    olen, pl, plen);
}

typedef struct sess {
  tctx *t;
  uint16_t sport;      /* server port */
  uint32_t cseq, sseq; /* next seq of each endpoint */
  uint32_t pub;        /* the client's public address */
  uint16_t pport;      /* and port */
} sess;

/* A Watch connection CLI:CPORT -> SRV:sport through source NAPT, the SYNs
 * announcing MSS cmss (client) and smss (server). */
static void sess_open(sess *s, tctx *t, uint16_t sport, uint16_t cport,
                      uint16_t cmss, uint16_t smss) {
  tpkt p;
  pinhole_pkt_view v;
  uint8_t o[4] = {2, 4, 0, 0};
  s->t = t;
  s->sport = sport;
  s->cseq = 1000 + cport;
  s->sseq = 70000;
  t_put16(o + 2, cmss);
  seg_opt(&p, CLI, cport, SRV, sport, s->cseq++, 0, PINHOLE_TCP_SYN, o, 4, NULL,
          0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  s->pub = v.src;
  s->pport = v.sport;
  t_put16(o + 2, smss);
  seg_opt(&p, SRV, sport, s->pub, s->pport, s->sseq++, s->cseq,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, o, 4, NULL, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, CLI, cport, SRV, sport, s->cseq, s->sseq, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
}

/* The client's next n bytes of data at offset off from cseq. */
static int cli_seg(sess *s, uint16_t cport, uint32_t off, const void *d,
                   size_t n, uint64_t now, tpkt *p) {
  t_tcp_n(p, CLI, cport, SRV, s->sport, s->cseq + off, s->sseq,
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, d, n);
  return t_in(s->t, p, now);
}

static tctx *ftp_ctx(uint32_t flags) {
  /* pool 198.19.0.4-6, ports 2000-2003: the port in PORT gets shorter */
  tctx *t = t_ctx_pool3(2000, 2003, flags, 0, 0, 0);
  return t;
}

static void ftp_sess_open(sess *s, tctx *t, uint16_t cport) {
  sess_open(s, t, 21, cport, 1460, 1400);
  tpkt p;
  t_tcp(&p, SRV, 21, s->pub, s->pport, s->sseq, s->cseq, PINHOLE_TCP_ACK,
        T_FTP_GREETING);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s->sseq += T_FTP_GREETING_LEN;
}

static void test_reasm_ftp_port_two_segments(void **state) {
  (void)state;
  tctx *t = ftp_ctx(0);
  sess s;
  ftp_sess_open(&s, t, CPORT);
  assert_int_equal(s.pub, IP4(198, 19, 0, 6));
  tpkt p;
  pinhole_pkt_view v;
  const char *a = "PORT 198,18,0,100,", *b = "156,65\r\n";
  assert_int_equal(cli_seg(&s, CPORT, 0, a, 18, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_true(t_has_trace(t, "split message: 18 bytes held"));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(cli_seg(&s, CPORT, 18, b, 8, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  /* one segment from the held message's start, rewritten whole */
  t_view(&p, &v);
  assert_int_equal(v.src, s.pub);
  assert_int_equal(v.seq, s.cseq);
  assert_int_equal(v.ack, s.sseq);
  t_payload_is(&p, "PORT 198,19,0,6,7,210\r\n");
  t_check_cksums(&p);
  assert_true(t_has_trace(t, "split message: 26 bytes merged"));
  /* 26 bytes became 23: the next segment is 3 earlier */
  assert_int_equal(cli_seg(&s, CPORT, 26, "NOOP\r\n", 6, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseq + 23);
  t_payload_is(&p, "NOOP\r\n");
  /* the server's acknowledgment of all 29 bytes maps back to 32 */
  t_tcp(&p, SRV, 21, s.pub, s.pport, s.sseq, s.cseq + 29, PINHOLE_TCP_ACK,
        "200 ok\r\n");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.ack, s.cseq + 32);
  t_check_cksums(&p);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 7,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_COMPLETED, 1, -1);
  t_ctx_del(t);
}

static void test_reasm_ftp_port_three_segments(void **state) {
  (void)state;
  /* another client port: its own conversation, the second address */
  tctx *t = ftp_ctx(0);
  sess s0, s;
  ftp_sess_open(&s0, t, CPORT);
  ftp_sess_open(&s, t, CPORT + 7);
  assert_int_equal(s.pub, IP4(198, 19, 0, 6));
  tpkt p;
  pinhole_pkt_view v;
  /* a first command passes whole, then PORT in three pieces */
  assert_int_equal(cli_seg(&s, CPORT + 7, 0, "TYPE I\r\nPO", 10, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, "TYPE I\r\n"); /* the start of PORT held, cut off */
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseq);
  assert_int_equal(cli_seg(&s, CPORT + 7, 10, "RT 198,18,0,1", 13, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_true(t_has_trace(t, "split message: 15 bytes held"));
  assert_int_equal(
      cli_seg(&s, CPORT + 7, 23, "00,156,72\r\nNOOP\r\n", 17, SEC, &p),
      PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseq + 8);
  t_payload_is(&p, "PORT 198,19,0,6,7,211\r\nNOOP\r\n");
  t_check_cksums(&p);
  /* the stream goes on 3 bytes shorter */
  assert_int_equal(cli_seg(&s, CPORT + 7, 40, "PWD\r\n", 5, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseq + 37);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  t_ctx_del(t);
}

/* A context like ftp_ctx with some of the reassembly limits changed. */
static tctx *limits_ctx(uint32_t bytes, uint32_t per_conv, uint32_t msg_max,
                        uint32_t max_held, uint32_t flags) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_watch = 32;
  cfg.hold_bytes = bytes;
  cfg.hold_bytes_per_conv = per_conv;
  cfg.hold_msg_max = msg_max;
  cfg.max_held = max_held;
  cfg.flags |= flags;
  return t_ctx_pool(&cfg, IP4(198, 19, 0, 4), IP4(198, 19, 0, 6), 2000, 2063);
}

static void test_reasm_resent_held_and_merged(void **state) {
  (void)state;
  tctx *t = ftp_ctx(0);
  sess s;
  ftp_sess_open(&s, t, CPORT);
  tpkt p;
  pinhole_pkt_view v;
  const char *line = "PORT 198,18,0,100,156,65\r\n";
  assert_int_equal(cli_seg(&s, CPORT, 0, line, 18, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  /* the same bytes again: a duplicate, no second copy (its ACK goes on,
   * test_reasm_resent_held_ack) */
  assert_int_equal(cli_seg(&s, CPORT, 0, line, 18, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(cli_seg(&s, CPORT, 5, line + 5, 4, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_RESENT), 2);
  assert_int_equal(t->ctx->nheld, 1);
  assert_int_equal(t->ctx->chunks_used, 1);
  /* different bytes where some are held: fail closed, the copy kept */
  assert_int_equal(cli_seg(&s, CPORT, 10, "0,200,156,65\r\n", 14, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_CONFLICT), 1);
  assert_true(t_has_trace(t, "resent bytes differ from the held ones"));
  /* past the held bytes (18): an earlier segment is missing */
  assert_int_equal(cli_seg(&s, CPORT, 19, line + 19, 7, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_OUT_OF_ORDER), 1);
  /* a sender that waited for an acknowledgment (Nagle) resends the held
   * bytes with the rest: that completes the message */
  assert_int_equal(cli_seg(&s, CPORT, 0, line, 26, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, "PORT 198,19,0,6,7,210\r\n");
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseq);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_RESENT), 3);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  /* part of the merged, rewritten message again: sent without payload at
   * its corrected number, so the receiver only acknowledges */
  assert_int_equal(cli_seg(&s, CPORT, 18, line + 18, 8, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.payload_len, 0);
  assert_int_equal(v.seq, s.cseq + 15);
  t_check_cksums(&p);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_RESENT), 4);
  /* all of it from its start: rewritten the same way again */
  assert_int_equal(cli_seg(&s, CPORT, 0, line, 26, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, "PORT 198,19,0,6,7,210\r\n");
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseq);
  t_check_cksums(&p);
  /* and the stream goes on 3 bytes shorter */
  assert_int_equal(cli_seg(&s, CPORT, 26, "NOOP\r\n", 6, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseq + 23);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);
}

/* A message that never ends: after hold_timeout_ms the inside client's
 * direction (its address translated: passing could leak it) is closed to
 * data; with PINHOLE_CFG_ALG_PASS_UNTRANSLATED it passes unparsed. */
/* The last packet emitted, parsed (the bare ACK of a held segment). */
static void emitted_view(const tctx *t, pinhole_pkt_view *v) {
  assert_int_equal(pinhole_pkt_parse(t->emitted, t->emitted_len, v), 0);
  assert_int_equal(pinhole_cksum(t->emitted, v->ihl), 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(t->emitted, v), 1);
}

/* A held piece sent again after the server's next reply: the bytes are a
 * duplicate, but the acknowledgment it carries is new (the client's only
 * one for that reply, when its delayed ACK rides on the resend). It goes
 * on in a bare ACK like the piece's first one; dropped with the segment,
 * the server would resend the reply the client has (a spurious
 * retransmission after its timeout). */
static void test_reasm_resent_held_ack(void **state) {
  (void)state;
  tctx *t = ftp_ctx(0);
  sess s;
  ftp_sess_open(&s, t, CPORT);
  tpkt p;
  pinhole_pkt_view v;
  const char *a = "PORT 198,18,0,100,", *b = "156,65\r\n";
  assert_int_equal(cli_seg(&s, CPORT, 0, a, 18, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nemitted, 1);
  emitted_view(t, &v);
  assert_int_equal(v.ack, s.sseq);
  /* the server's reply to an earlier command */
  t_tcp(&p, SRV, 21, s.pub, s.pport, s.sseq, s.cseq, PINHOLE_TCP_ACK,
        "200 NOOP ok\r\n");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s.sseq += 13;
  /* the piece again, acknowledging the reply */
  assert_int_equal(cli_seg(&s, CPORT, 0, a, 18, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nemitted, 2);
  assert_int_equal(t->emitted_side, PINHOLE_SIDE_OUTSIDE);
  emitted_view(t, &v);
  assert_int_equal(v.src, s.pub);
  assert_int_equal(v.sport, s.pport);
  assert_int_equal(v.dst, SRV);
  assert_int_equal(v.seq, s.cseq); /* where the held message begins */
  assert_int_equal(v.ack, s.sseq);
  assert_int_equal(v.payload_len, 0);
  assert_int_equal(v.tcp_flags, PINHOLE_TCP_ACK);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_RESENT), 1);
  assert_int_equal(t->ctx->nheld, 1);
  assert_int_equal(t->ctx->chunks_used, 1); /* no second copy */
  /* the rest completes the message as before */
  assert_int_equal(cli_seg(&s, CPORT, 18, b, 8, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, "PORT 198,19,0,6,7,210\r\n");
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseq);
  assert_int_equal(v.ack, s.sseq);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 7,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_COMPLETED, 1, PINHOLE_CNT_REASM_RESENT, 1, -1);
  t_ctx_del(t);
}

static void test_reasm_timeout(void **state) {
  (void)state;
  for (int open = 0; open < 2; open++) {
    tctx *t = ftp_ctx(open ? PINHOLE_CFG_ALG_PASS_UNTRANSLATED : 0);
    sess s;
    ftp_sess_open(&s, t, CPORT);
    tpkt p;
    const char *line = "PORT 198,18,0,100,156,65\r\n";
    assert_int_equal(cli_seg(&s, CPORT, 0, line, 18, SEC, &p),
                     PINHOLE_VERDICT_HELD);
    assert_int_equal(pinhole_tick(t->ctx, SEC + 2900000000ull), 0);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TIMEOUT), 0);
    assert_int_equal(pinhole_tick(t->ctx, SEC + 3100000000ull), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TIMEOUT), 1);
    assert_int_equal(t->ctx->nheld, 0);
    if (!open) {
      assert_true(t_has_event(t, "split message timed out: dropped"));
      assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
      assert_int_equal(cli_seg(&s, CPORT, 0, line, 26, 5 * SEC, &p),
                       PINHOLE_VERDICT_DROP);
    } else {
      assert_true(t_has_event(t, "split message timed out: passed unparsed"));
      assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
      assert_int_equal(cli_seg(&s, CPORT, 0, line, 26, 5 * SEC, &p),
                       PINHOLE_VERDICT_FORWARD);
      t_payload_is(&p, line);
    }
    assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 0);
    t_ctx_del(t);
  }
}

static void test_reasm_too_big(void **state) {
  (void)state;
  tctx *t = limits_ctx(4096, 1024, 32, 8, 0);
  sess s;
  ftp_sess_open(&s, t, CPORT);
  tpkt p;
  assert_int_equal(cli_seg(&s, CPORT, 0, "PORT 198,18,0,100,", 18, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  /* 18 + 20 > hold_msg_max (32) */
  assert_int_equal(cli_seg(&s, CPORT, 18, "156,65              ", 20, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TOO_BIG), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_true(t_has_event(t, "split message too large: dropped"));
  assert_int_equal(t->ctx->nheld, 0);
  assert_int_equal(t->ctx->chunks_used, 0);
  /* the direction stays closed to data */
  assert_int_equal(cli_seg(&s, CPORT, 0, "NOOP\r\n", 6, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  /* the server's direction (not translated) passes unparsed when its
   * split message is too large: a 40-byte start at once */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  tpkt q;
  t_tcp(&q, SRV, 21, s.pub, s.pport, s.sseq, s.cseq, PINHOLE_TCP_ACK,
        "227 Entering Passive Mode (198,19,0,2,1");
  assert_int_equal(t_out(t, &q, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&q, "227 Entering Passive Mode (198,19,0,2,1");
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TOO_BIG), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_true(t_has_event(t, "split message too large: passed unparsed"));
  t_ctx_del(t);
}

/* The pool full: many connections each hold the start of a message that
 * never ends (8 chunks of 256 bytes: the whole pool). A message that
 * begins after them still gets room: the oldest half-message is given up
 * (its sender would have to resend it). */
static void test_reasm_flood(void **state) {
  (void)state;
  tctx *t = limits_ctx(2048, 1024, 9216, 16, 0);
  sess a[8], s;
  tpkt p;
  for (int i = 0; i < 8; i++) {
    ftp_sess_open(&a[i], t, (uint16_t)(41000 + i));
    assert_int_equal(cli_seg(&a[i], (uint16_t)(41000 + i), 0, "PORT 198,18,0,1",
                             15, SEC, &p),
                     PINHOLE_VERDICT_HELD);
  }
  assert_int_equal(t->ctx->chunks_used, 8);
  ftp_sess_open(&s, t, CPORT);
  assert_int_equal(cli_seg(&s, CPORT, 0, "PORT 198,18,0,100,", 18, 2 * SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_OVERFLOW), 1);
  assert_int_equal(cli_seg(&s, CPORT, 18, "156,65\r\n", 8, 2 * SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  pinhole_pkt_view v;
  t_view(&p, &v);
  assert_int_equal(v.src, s.pub);
  t_payload_is(&p, "PORT 198,19,0,6,8,14\r\n");
  /* the first attacker's bytes are gone: the rest of its message comes
   * after a gap now, dropped until it resends from the start */
  assert_int_equal(cli_seg(&a[0], 41000, 15, "00,156,65\r\n", 11, 2 * SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 9);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_OVERFLOW), 1);
  assert_int_equal(t->ctx->nheld, 7);
  t_ctx_del(t);
}

/* A conversation's share taken (256 bytes: one chunk) by the client's
 * held message: the server's split reply finds no room for now and is
 * dropped for its sender to resend. */
static void test_reasm_share_full(void **state) {
  (void)state;
  tctx *t = limits_ctx(4096, 256, 9216, 8, 0);
  sess s;
  ftp_sess_open(&s, t, CPORT);
  tpkt p;
  assert_int_equal(cli_seg(&s, CPORT, 0, "PORT 198,18,0,100,", 18, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  t_tcp(&p, SRV, 21, s.pub, s.pport, s.sseq, s.cseq, PINHOLE_TCP_ACK,
        "227 Entering Passive Mode (198,19,0,2,");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_OVERFLOW), 1);
  assert_true(t_has_trace(t, "split message: no room, 38 bytes dropped"));
  assert_int_equal(t->ctx->nheld, 1);
  t_ctx_del(t);
}

/* The payload of packet b[0..n). */
static const uint8_t *pl_of(const uint8_t *b, size_t n, size_t *len,
                            pinhole_pkt_view *v) {
  assert_int_equal(pinhole_pkt_parse(b, n, v), 0);
  *len = v->payload_len;
  return b + v->payload_off;
}

/* An INVITE over TCP with an SDP offer of many attributes: about 3000
 * bytes. */
static size_t big_invite(char *buf, size_t cap, const char *ip) {
  char sdp[3000];
  size_t n =
      (size_t)snprintf(sdp, sizeof(sdp),
                       "v=0\r\no=alice 2890844526 2890844526 IN IP4 %s\r\n"
                       "s=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
                       "m=audio 49170 RTP/AVP 0 8 96 97 98 99 100\r\n",
                       ip, ip);
  for (int i = 0; n < 2650; i++)
    n += (size_t)snprintf(sdp + n, sizeof(sdp) - n,
                          "a=rtpmap:%d codec-%02d/8000\r\na=fmtp:%d "
                          "mode=%d;annexb=no;maxptime=40\r\n",
                          96 + i, i, 96 + i, i);
  return (size_t)snprintf(buf, cap,
                          "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
                          "Via: SIP/2.0/TCP %s:5060;branch=z9hG4bK776asdhds\r\n"
                          "Max-Forwards: 70\r\n"
                          "To: Bob <sip:bob@198.19.0.2>\r\n"
                          "From: Alice <sip:alice@%s>;tag=1928301774\r\n"
                          "Call-ID: a84b4c76e66710@%s\r\n"
                          "CSeq: 314159 INVITE\r\n"
                          "Contact: <sip:alice@%s:5060;transport=tcp>\r\n"
                          "Content-Type: application/sdp\r\n"
                          "Content-Length: %zu\r\n\r\n%s",
                          ip, ip, ip, ip, n, sdp);
}

/* A ~3000-byte INVITE in three segments of the client's MSS (1400)
 * within its window: held, merged, rewritten whole and sent on as three
 * segments of the server's MSS through emit, in order, numbered from the
 * message's start; the same bytes the ALG makes of it sent whole. */
/* Emitted packet i is the bare ACK of a client segment whose payload the
 * library holds: from the client's public endpoint, numbered where the
 * held message begins (want_seq), acknowledging the server's bytes, no
 * payload, no PSH, checksums right. */
static void bare_ack_is(tctx *t, int i, const sess *s, uint32_t want_seq) {
  pinhole_pkt_view v;
  size_t len;
  pl_of(t->elog[i], t->elog_len[i], &len, &v);
  assert_int_equal(t->elog_side[i], PINHOLE_SIDE_OUTSIDE);
  assert_int_equal(len, 0);
  assert_int_equal(v.src, s->pub);
  assert_int_equal(v.sport, s->pport);
  assert_int_equal(v.seq, want_seq);
  assert_int_equal(v.ack, s->sseq);
  assert_int_equal(v.tcp_flags, PINHOLE_TCP_ACK);
  assert_int_equal(pinhole_cksum(t->elog[i], v.ihl), 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(t->elog[i], &v), 1);
}

static void test_reasm_sip_invite_segments(void **state) {
  (void)state;
  char inv[3600];
  size_t n = big_invite(inv, sizeof(inv), "198.18.0.100");
  assert_true(n > 2900 && n < 3100 && n < sizeof(inv));
  /* the reference: the same context, the INVITE in one segment */
  tctx *r = ftp_ctx(0);
  sess rs;
  sess_open(&rs, r, 5060, CPORT, 1400, 1400);
  tpkt *big = malloc(sizeof(tpkt));
  assert_non_null(big);
  assert_int_equal(cli_seg(&rs, CPORT, 0, inv, n, SEC, big),
                   PINHOLE_VERDICT_FORWARD);
  pinhole_pkt_view rv;
  size_t rlen;
  const uint8_t *ref = pl_of(big->b, big->p.len, &rlen, &rv);
  assert_null(memmem(ref, rlen, "198.18.", 7));
  assert_int_not_equal(rlen, n);

  tctx *t = ftp_ctx(0);
  sess s;
  sess_open(&s, t, 5060, CPORT, 1400, 1400);
  tpkt p;
  assert_int_equal(cli_seg(&s, CPORT, 0, inv, 1400, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  /* the bytes are held, the segment's ACK goes on */
  assert_int_equal(t->nelog, 1);
  bare_ack_is(t, 0, &s, s.cseq);
  assert_int_equal(cli_seg(&s, CPORT, 1400, inv + 1400, 1400, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nelog, 2);
  bare_ack_is(t, 1, &s, s.cseq); /* still where the message begins */
  assert_int_equal(cli_seg(&s, CPORT, 2800, inv + 2800, n - 2800, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nelog, 5);
  size_t at = 0;
  for (int i = 0; i < 3; i++) {
    pinhole_pkt_view v;
    size_t len;
    const uint8_t *pl = pl_of(t->elog[i + 2], t->elog_len[i + 2], &len, &v);
    assert_int_equal(t->elog_side[i + 2], PINHOLE_SIDE_OUTSIDE);
    assert_int_equal(v.seq, s.cseq + at);
    assert_int_equal(v.ack, s.sseq);
    assert_int_equal(v.src, s.pub);
    assert_int_equal(v.sport, s.pport);
    assert_int_equal(len, i < 2 ? 1400 : rlen - 2800);
    assert_int_equal(v.tcp_flags & PINHOLE_TCP_PSH,
                     i < 2 ? 0 : PINHOLE_TCP_PSH);
    assert_int_equal(pinhole_cksum(t->elog[i + 2], v.ihl), 0);
    assert_int_equal(pinhole_pkt_l4_cksum_ok(t->elog[i + 2], &v), 1);
    assert_memory_equal(pl, ref + at, len);
    at += len;
  }
  assert_int_equal(at, rlen);
  assert_true(t_has_trace(t, "bytes merged"));
  /* the next request is numbered after the rewritten INVITE */
  const char *ack =
      "ACK sip:bob@198.19.0.2 SIP/2.0\r\nContent-Length: 0\r\n\r\n";
  assert_int_equal(cli_seg(&s, CPORT, (uint32_t)n, ack, strlen(ack), SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  pinhole_pkt_view v;
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseq + rlen);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED),
                   t_cnt(r, PINHOLE_CNT_PINHOLE_CREATED));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  free(big);
  t_ctx_del(r);
  t_ctx_del(t);
}

/* An RTSP SETUP written in two pieces: merged into the second segment
 * (it fits the MSS), the same bytes as the SETUP sent whole. */
static void test_reasm_rtsp_setup(void **state) {
  (void)state;
  const char *setup =
      "SETUP rtsp://198.19.0.2/test/stream=0 RTSP/1.0\r\n"
      "CSeq: 3\r\n"
      "Transport: RTP/AVP;unicast;client_port=50000-50001\r\n\r\n";
  size_t n = strlen(setup);
  tctx *r = ftp_ctx(0);
  sess rs;
  sess_open(&rs, r, 554, CPORT, 1460, 1460);
  tpkt ref;
  assert_int_equal(cli_seg(&rs, CPORT, 0, setup, n, SEC, &ref),
                   PINHOLE_VERDICT_FORWARD);
  pinhole_pkt_view rv;
  size_t rlen;
  const uint8_t *rp = pl_of(ref.b, ref.p.len, &rlen, &rv);
  assert_int_not_equal(rlen, n); /* the port range is narrow */

  tctx *t = ftp_ctx(0);
  sess s;
  sess_open(&s, t, 554, CPORT, 1460, 1460);
  tpkt p;
  assert_int_equal(cli_seg(&s, CPORT, 0, setup, 70, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nelog, 1);
  bare_ack_is(t, 0, &s, s.cseq);
  assert_int_equal(cli_seg(&s, CPORT, 70, setup + 70, n - 70, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  pinhole_pkt_view v;
  size_t len;
  const uint8_t *pl = pl_of(p.b, p.p.len, &len, &v);
  assert_int_equal(len, rlen);
  assert_memory_equal(pl, rp, rlen);
  assert_int_equal(v.seq, s.cseq);
  t_check_cksums(&p);
  assert_int_equal(t->nelog, 1); /* only the bare ACK */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED),
                   t_cnt(r, PINHOLE_CNT_PINHOLE_CREATED));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  t_ctx_del(r);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hold_config),
      cmocka_unit_test(test_hold_append_copy),
      cmocka_unit_test(test_hold_share),
      cmocka_unit_test(test_hold_evict_oldest),
      cmocka_unit_test(test_hold_timeout),
      cmocka_unit_test(test_reasm_ftp_port_two_segments),
      cmocka_unit_test(test_reasm_ftp_port_three_segments),
      cmocka_unit_test(test_reasm_resent_held_and_merged),
      cmocka_unit_test(test_reasm_resent_held_ack),
      cmocka_unit_test(test_reasm_timeout),
      cmocka_unit_test(test_reasm_too_big),
      cmocka_unit_test(test_reasm_flood),
      cmocka_unit_test(test_reasm_share_full),
      cmocka_unit_test(test_reasm_sip_invite_segments),
      cmocka_unit_test(test_reasm_rtsp_setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

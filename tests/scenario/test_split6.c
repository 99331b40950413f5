/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Split messages on IPv6 and NAT64 control connections (issue 21 beyond
 * IPv4; docs/reassembly.md): an FTP command or reply split across TCP
 * segments is held in the pool and its ALG sees it whole, as on IPv4.
 * IPv6 (the firewall): the pieces leave as one segment, byte for byte the
 * unsplit one, and the pinhole opens only with the last piece. NAT64
 * (FTP64): a split EPRT |2| leaves whole as the rewritten EPRT |1| with
 * the sequence delta after it; a split 229 from the IPv4 server leaves as
 * the IPv6 reply. A piece lost or resent, the pool's share full, a line
 * that never ends (too large, not FTP, timed out): counted, and fail
 * closed on NAT64 (an untranslated IPv6 address never reaches the server).
 */
#include "helpers.h"
#include "helpers6.h"

#define CLI "2001:db8:1::2"     /* inside IPv6 client */
#define SRV "2001:db8:2::5"     /* outside IPv6 server */
#define SRV64 "64:ff9b::c613:2" /* OUT_HOST 198.19.0.2 under the WKP */
#define ACKPSH (PINHOLE_TCP_ACK | PINHOLE_TCP_PSH)
#define EPRT6 "EPRT |2|2001:db8:1::2|40001|\r\n"
#define R229 "229 Entering Extended Passive Mode (|||50020|)\r\n"

/* ---- IPv6: the firewall ------------------------------------------------- */

typedef struct s6 {
  tctx *t;
  uint16_t cport;
  uint32_t cseq, sseq; /* the next byte of each */
} s6;

static tctx *ctx6(uint32_t hold_bytes, uint32_t per_conv, uint32_t msg_max) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 16;
  if (hold_bytes) {
    cfg.hold_bytes = hold_bytes;
    cfg.hold_bytes_per_conv = per_conv;
    cfg.hold_msg_max = msg_max;
  }
  tctx *t = t_ctx_cfg(&cfg);
  rule6(t, "v6-out", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NULL, 0, 0,
        PINHOLE_ACTION_ACCEPT);
  return t;
}

/* CLI:cport -> SRV:21, handshake and greeting. */
static void s6_open(s6 *s, tctx *t, uint16_t cport) {
  tpkt p;
  s->t = t;
  s->cport = cport;
  s->cseq = 3000u + cport;
  s->sseq = 77000;
  b6_tcp(&p, CLI, cport, SRV, 21, PINHOLE_TCP_SYN, s->cseq++, 0, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, SRV, 21, CLI, cport, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, s->sseq++,
         s->cseq, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, cport, SRV, 21, PINHOLE_TCP_ACK, s->cseq, s->sseq, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&p, SRV, 21, CLI, cport, ACKPSH, s->sseq, s->cseq,
              T_FTP_GREETING);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s->sseq += T_FTP_GREETING_LEN;
}

/* The client's bytes d[0..n) at offset off from cseq: the verdict. */
static int c6_seg(s6 *s, uint32_t off, const char *d, size_t n, uint64_t now,
                  tpkt *p) {
  char buf[1600];
  assert_true(n < sizeof(buf));
  memcpy(buf, d, n);
  buf[n] = '\0';
  b6_tcp_text(p, CLI, s->cport, SRV, 21, ACKPSH, s->cseq + off, s->sseq, buf);
  return t_in(s->t, p, now);
}

static int s6_seg(s6 *s, uint32_t off, const char *d, size_t n, uint64_t now,
                  tpkt *p) {
  char buf[1600];
  assert_true(n < sizeof(buf));
  memcpy(buf, d, n);
  buf[n] = '\0';
  b6_tcp_text(p, SRV, 21, CLI, s->cport, ACKPSH, s->sseq + off, s->cseq, buf);
  return t_out(s->t, p, now);
}

/* Emitted packet i is the bare IPv6 ACK of a held segment: from src:sport
 * to dst:dport, numbered seq, acknowledging ack, no payload, no PSH. */
static void ack6_is(tctx *t, int i, const char *src, uint16_t sport,
                    const char *dst, uint16_t dport, uint32_t seq, uint32_t ack,
                    int side) {
  tpkt want;
  b6_tcp(&want, src, sport, dst, dport, PINHOLE_TCP_ACK, seq, ack, 0);
  assert_true(i < t->nelog);
  assert_int_equal(t->elog_side[i], side);
  assert_int_equal(t->elog_len[i], want.p.len);
  assert_memory_equal(t->elog[i], want.b, want.p.len);
}

/* A data SYN from the server's port 20 to the client's port: its verdict. */
static int data_syn6(tctx *t, uint16_t port) {
  tpkt p;
  b6_tcp(&p, SRV, 20, CLI, port, PINHOLE_TCP_SYN, 900, 0, 0);
  return t_out(t, &p, SEC);
}

/* EPRT |2| split at every offset (and in three pieces): the first held
 * (its ACK sent on, numbered where the line begins), the pinhole opened
 * by the last, which leaves as exactly the unsplit segment. */
static void test_split6_eprt_offsets(void **state) {
  (void)state;
  size_t len = strlen(EPRT6);
  for (size_t k = 1; k < len; k++) {
    for (size_t k2 = k; k2 <= k + (k < len - 1 ? 1 : 0); k2++) {
      tctx *t = ctx6(0, 0, 0);
      s6 s;
      s6_open(&s, t, (uint16_t)(40000 + k));
      tpkt p, want;
      assert_int_equal(c6_seg(&s, 0, EPRT6, k, SEC, &p), PINHOLE_VERDICT_HELD);
      ack6_is(t, 0, CLI, s.cport, SRV, 21, s.cseq, s.sseq,
              PINHOLE_SIDE_OUTSIDE);
      assert_int_equal(t->ctx->nheld, 1);
      if (k2 > k) { /* a middle piece joins the held bytes */
        assert_int_equal(c6_seg(&s, (uint32_t)k, &EPRT6[k], k2 - k, SEC, &p),
                         PINHOLE_VERDICT_HELD);
        ack6_is(t, 1, CLI, s.cport, SRV, 21, s.cseq, s.sseq,
                PINHOLE_SIDE_OUTSIDE);
      }
      assert_int_equal(data_syn6(t, 40001), PINHOLE_VERDICT_DROP);
      assert_int_equal(c6_seg(&s, (uint32_t)k2, &EPRT6[k2], len - k2, SEC, &p),
                       PINHOLE_VERDICT_FORWARD);
      b6_tcp_text(&want, CLI, s.cport, SRV, 21, ACKPSH, s.cseq, s.sseq, EPRT6);
      assert_int_equal(p.p.len, want.p.len);
      assert_memory_equal(p.b, want.b, want.p.len);
      assert_int_equal(t->ctx->nheld, 0);
      assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
      assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
      assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
      assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
      assert_int_equal(t->nemitted, k2 > k ? 2 : 1);
      assert_int_equal(data_syn6(t, 40001), PINHOLE_VERDICT_FORWARD);
      assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 1);
      t_ctx_del(t);
    }
  }
}

/* A 229 reply split in two: held, then the pinhole for the client's data
 * connection; a complete line before the split one leaves at once. */
static void test_split6_229(void **state) {
  (void)state;
  tctx *t = ctx6(0, 0, 0);
  s6 s;
  s6_open(&s, t, 40100);
  tpkt p, want;
  const char *a = "200 ok\r\n229 Entering Extended Pass";
  size_t la = strlen(a), l200 = 8;
  assert_int_equal(s6_seg(&s, 0, a, la, SEC, &p), PINHOLE_VERDICT_FORWARD);
  /* the complete line goes on, the partial one is cut off and held */
  b6_tcp_text(&want, SRV, 21, CLI, s.cport, ACKPSH, s.sseq, s.cseq,
              "200 ok\r\n");
  assert_int_equal(p.p.len, want.p.len);
  assert_memory_equal(p.b, want.b, want.p.len);
  assert_int_equal(t->ctx->nheld, 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  const char *rest = "ive Mode (|||50020|)\r\n";
  assert_int_equal(s6_seg(&s, (uint32_t)la, rest, strlen(rest), SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&want, SRV, 21, CLI, s.cport, ACKPSH, s.sseq + (uint32_t)l200,
              s.cseq, R229);
  assert_int_equal(p.p.len, want.p.len);
  assert_memory_equal(p.b, want.b, want.p.len);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_true(t_has_event(t, "PINHOLE_CREATED: conv=1 proto=TCP side=inside "
                             "[2001:db8:1::2]:0 -> [2001:db8:2::5]:50020"));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  assert_int_equal(t->nemitted, 0); /* nothing held whole: no bare ACK */
  t_ctx_del(t);
}

/* A piece lost: the one after it is dropped (past the held message); the
 * held piece resent the same is a duplicate (only its ACK goes on),
 * resent different is a conflict (dropped); the lost piece completes the
 * line; the whole
 * line resent after is an old retransmission and passes. */
static void test_split6_lost_resent(void **state) {
  (void)state;
  tctx *t = ctx6(0, 0, 0);
  s6 s;
  s6_open(&s, t, 40200);
  tpkt p, want;
  size_t len = strlen(EPRT6);
  assert_int_equal(c6_seg(&s, 0, EPRT6, 10, SEC, &p), PINHOLE_VERDICT_HELD);
  /* bytes 10..20 lost: 20.. arrive */
  assert_int_equal(c6_seg(&s, 20, &EPRT6[20], len - 20, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_OUT_OF_ORDER), 1);
  assert_int_equal(c6_seg(&s, 0, EPRT6, 10, SEC, &p), PINHOLE_VERDICT_HELD);
  ack6_is(t, 1, CLI, s.cport, SRV, 21, s.cseq, s.sseq, PINHOLE_SIDE_OUTSIDE);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_RESENT), 1);
  assert_int_equal(c6_seg(&s, 0, "EPRT |2|3001", 10, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_CONFLICT), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  /* the sender resends from the receiver's acknowledgment: 10.. whole */
  assert_int_equal(c6_seg(&s, 10, &EPRT6[10], len - 10, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&want, CLI, s.cport, SRV, 21, ACKPSH, s.cseq, s.sseq, EPRT6);
  assert_memory_equal(p.b, want.b, want.p.len);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_int_equal(c6_seg(&s, 0, EPRT6, len, SEC, &p), PINHOLE_VERDICT_FORWARD);
  assert_memory_equal(p.b, want.b, want.p.len);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_int_equal(t->ctx->nheld, 0);
  t_ctx_del(t);
}

/* The conversation's share (256 bytes, one chunk) held by the client's
 * split EPRT: the server's split 229 finds no room and is dropped for its
 * sender to resend (counted); after the EPRT completes, it is held. */
static void test_split6_share_full(void **state) {
  (void)state;
  tctx *t = ctx6(4096, 256, 9216);
  s6 s;
  s6_open(&s, t, 40300);
  tpkt p;
  assert_int_equal(c6_seg(&s, 0, EPRT6, 12, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(s6_seg(&s, 0, R229, 30, SEC, &p), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_OVERFLOW), 1);
  assert_true(t_has_trace(t, "split message: no room, 30 bytes dropped"));
  assert_int_equal(t->ctx->nheld, 1);
  assert_int_equal(c6_seg(&s, 12, &EPRT6[12], strlen(EPRT6) - 12, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(s6_seg(&s, 0, R229, 30, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(s6_seg(&s, 30, &R229[30], strlen(R229) - 30, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 2);
  t_ctx_del(t);
}

/* Lines that never end on IPv6 (nothing to translate: they pass
 * unparsed once given up): past hold_msg_max (too large), past an FTP
 * line (not FTP), or not complete in time. */
static void test_split6_endless(void **state) {
  (void)state;
  char junk[600];
  memset(junk, '1', sizeof(junk));
  memcpy(junk, "EPRT |2|", 8);
  /* too large: 100 + 100 > hold_msg_max 128 */
  tctx *t = ctx6(4096, 1024, 128);
  s6 s;
  s6_open(&s, t, 40400);
  tpkt p;
  assert_int_equal(c6_seg(&s, 0, junk, 100, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(c6_seg(&s, 100, junk + 100, 100, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.p.len, 60 + 100); /* the new piece as it came */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TOO_BIG), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
  assert_true(t_has_event(t, "split message too large: passed unparsed"));
  assert_int_equal(c6_seg(&s, 200, EPRT6, strlen(EPRT6), SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0); /* unparsed */
  assert_int_equal(t->ctx->nheld, 0);
  assert_int_equal(t->ctx->chunks_used, 0);
  t_ctx_del(t);

  /* not FTP: held up to a line's length, then the stream is given up */
  t = ctx6(0, 0, 0);
  s6_open(&s, t, 40401);
  assert_int_equal(c6_seg(&s, 0, junk, 300, SEC, &p), PINHOLE_VERDICT_HELD);
  /* all of it, past the server's MSS (536): in two segments after the
   * held piece's ACK */
  assert_int_equal(c6_seg(&s, 300, junk + 300, 300, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nelog, 3);
  assert_int_equal(t->elog_len[1], 60 + 536);
  assert_int_equal(t->elog_len[2], 60 + 64);
  assert_memory_equal(t->elog[1] + 60, junk, 536);
  assert_memory_equal(t->elog[2] + 60, junk + 536, 64);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_DESYNC), 1);
  assert_int_equal(t->ctx->nheld, 0);
  t_ctx_del(t);

  /* timed out */
  t = ctx6(0, 0, 0);
  s6_open(&s, t, 40402);
  assert_int_equal(c6_seg(&s, 0, EPRT6, 9, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(pinhole_tick(t->ctx, SEC + 2900000000ull), 0);
  assert_int_equal(pinhole_tick(t->ctx, SEC + 3100000000ull), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TIMEOUT), 1);
  assert_true(t_has_event(t, "split message timed out: passed unparsed"));
  assert_int_equal(c6_seg(&s, 0, EPRT6, strlen(EPRT6), 5 * SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(t);
}

/* A held start and a long segment that completes it with more lines: more
 * than the server's MSS (536: its SYN carried none), so the message goes
 * out through emit in IPv6 segments of 536 bytes, numbered from the held
 * start, the PSH on the last only. */
static void test_split6_emitted_segments(void **state) {
  (void)state;
  tctx *t = ctx6(0, 0, 0);
  s6 s;
  s6_open(&s, t, 40500);
  char msg[1200];
  size_t n = 0;
  n += (size_t)snprintf(msg, sizeof(msg), "%s", EPRT6);
  while (n < 1100)
    n += (size_t)snprintf(msg + n, sizeof(msg) - n, "NOOP\r\n");
  tpkt p;
  assert_int_equal(c6_seg(&s, 0, msg, 7, SEC, &p), PINHOLE_VERDICT_HELD);
  t->nelog = 0;
  t->nemitted = 0;
  assert_int_equal(c6_seg(&s, 7, msg + 7, n - 7, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nelog, 3);
  size_t off = 0;
  for (int i = 0; i < 3; i++) {
    size_t k = n - off < 536 ? n - off : 536;
    char piece[600];
    memcpy(piece, msg + off, k);
    piece[k] = '\0';
    tpkt want;
    b6_tcp_text(&want, CLI, s.cport, SRV, 21, i == 2 ? ACKPSH : PINHOLE_TCP_ACK,
                s.cseq + (uint32_t)off, s.sseq, piece);
    assert_int_equal(t->elog_side[i], PINHOLE_SIDE_OUTSIDE);
    assert_int_equal(t->elog_len[i], want.p.len);
    assert_memory_equal(t->elog[i], want.b, want.p.len);
    off += k;
  }
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  t_ctx_del(t);
}

/* ---- NAT64: FTP64 ------------------------------------------------------ */

#define FTP_CSEQ 200u
#define FTP_SSEQ 9000u
#define CPORT64 40021

static void rule64(tctx *t) {
  assert_true(t_rule64(t->ctx, t->pool, "64:ff9b::", 96) >= 0);
}

typedef struct s64 {
  tctx *t;
  uint16_t pport; /* the control connection's public port */
  uint32_t c, g;  /* the client's next byte, the server's next byte */
} s64;

static tctx *ctx64(uint32_t msg_max, uint32_t flags) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 64;
  cfg.flags |= flags;
  if (msg_max)
    cfg.hold_msg_max = msg_max;
  tctx *t = t_ctx_pool(&cfg, PUB, PUB, 20000, 20099);
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, wkp, 96, PINHOLE_NAT64_LAB),
                   0);
  rule64(t);
  return t;
}

static void s64_open(s64 *s, tctx *t) {
  tpkt p;
  s->t = t;
  b6_tcp(&p, CLI, CPORT64, SRV64, 21, PINHOLE_TCP_SYN, FTP_CSEQ, 0, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s->pport = t_get16(p.b + 20);
  t_tcp_n(&p, OUT_HOST, 21, PUB, s->pport, FTP_SSEQ, FTP_CSEQ + 1,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, CPORT64, SRV64, 21, PINHOLE_TCP_ACK, FTP_CSEQ + 1,
         FTP_SSEQ + 1, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s->g = FTP_SSEQ + 1 + T_FTP_GREETING_LEN;
  s->c = FTP_CSEQ + 1;
  t_ftp_greet(t, OUT_HOST, PUB, s->pport, s->g, s->c);
}

static int c64_seg(s64 *s, uint32_t off, const char *d, size_t n, uint64_t now,
                   tpkt *p) {
  char buf[1600];
  assert_true(n < sizeof(buf));
  memcpy(buf, d, n);
  buf[n] = '\0';
  b6_tcp_text(p, CLI, CPORT64, SRV64, 21, ACKPSH, s->c + off, s->g, buf);
  return t_in(s->t, p, now);
}

/* p (an IPv4 output) is want but for the IPv4 identification, the
 * translator's; both checksums right. */
static void same4(const uint8_t *p, size_t len, tpkt *want) {
  assert_int_equal(len, want->p.len);
  memcpy(want->b + 4, p + 4, 2);
  t_put16(want->b + 10, 0);
  t_put16(want->b + 10, pinhole_cksum(want->b, 20));
  assert_memory_equal(p, want->b, len);
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(p, len, &v), 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(p, &v), 1);
}

/* EPRT |2| split (at several offsets): the start held (the bare ACK goes
 * to the server as IPv4, numbered where the line begins), the rest makes
 * it whole and it leaves as EPRT |1|PUB|<public port>| in one IPv4
 * segment; the server's reply and the client's next command carry the
 * sequence delta; the server's data SYN reaches the client. */
static void test_split64_eprt(void **state) {
  (void)state;
  static const size_t cuts[] = {1, 5, 8, 14, 21, 28, 29};
  const char *cmd = "EPRT |2|2001:db8:1::2|50000|\r\n";
  size_t l1 = strlen(cmd);
  for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
    size_t k = cuts[i];
    tctx *t = ctx64(0, 0);
    s64 s;
    s64_open(&s, t);
    tpkt p, e;
    assert_int_equal(c64_seg(&s, 0, cmd, k, SEC, &p), PINHOLE_VERDICT_HELD);
    assert_int_equal(t->nelog, 1);
    t_tcp(&e, PUB, s.pport, OUT_HOST, 21, s.c, s.g, PINHOLE_TCP_ACK, NULL);
    assert_int_equal(t->elog_side[0], PINHOLE_SIDE_OUTSIDE);
    same4(t->elog[0], t->elog_len[0], &e);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
    assert_int_equal(c64_seg(&s, (uint32_t)k, cmd + k, l1 - k, SEC, &p),
                     PINHOLE_VERDICT_FORWARD);
    /* the public port chosen, read from the output */
    unsigned q = 0;
    char txt[64];
    size_t ol = p.p.len - 40;
    assert_true(ol < sizeof(txt));
    memcpy(txt, p.b + 40, ol);
    txt[ol] = '\0';
    assert_int_equal(sscanf(txt, "EPRT |1|198.19.0.1|%u|\r\n", &q), 1);
    assert_true(q >= 20000 && q <= 20099 && q != s.pport);
    char want[64];
    snprintf(want, sizeof(want), "EPRT |1|198.19.0.1|%u|\r\n", q);
    size_t l2 = strlen(want);
    t_tcp(&e, PUB, s.pport, OUT_HOST, 21, s.c, s.g, ACKPSH, want);
    same4(p.b, p.p.len, &e);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
    /* the reply acknowledges the longer command: the client sees its own
     * numbering */
    const char *ok = "200 EPRT command successful.\r\n";
    t_tcp(&p, OUT_HOST, 21, PUB, s.pport, s.g, s.c + (uint32_t)l2, ACKPSH, ok);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    b6_tcp_text(&e, SRV64, 21, CLI, CPORT64, ACKPSH, s.g, s.c + (uint32_t)l1,
                ok);
    assert_int_equal(p.p.len, e.p.len);
    assert_memory_equal(p.b, e.b, e.p.len);
    s.g += (uint32_t)strlen(ok);
    /* the next command at the shifted sequence number */
    assert_int_equal(c64_seg(&s, (uint32_t)l1, "LIST\r\n", 6, SEC, &p),
                     PINHOLE_VERDICT_FORWARD);
    t_tcp(&e, PUB, s.pport, OUT_HOST, 21, s.c + (uint32_t)l2, s.g, ACKPSH,
          "LIST\r\n");
    same4(p.b, p.p.len, &e);
    /* the server's data connection */
    t_tcp_n(&p, OUT_HOST, 20, PUB, (uint16_t)q, 700, 0, PINHOLE_TCP_SYN, NULL,
            0);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    b6_tcp(&e, SRV64, 20, CLI, 50000, PINHOLE_TCP_SYN, 700, 0, 0);
    assert_int_equal(p.p.len, e.p.len);
    assert_memory_equal(p.b, e.b, e.p.len);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
    t_ctx_del(t);
  }
}

/* A 229 from the IPv4 server split in two: the start held (its bare ACK
 * reaches the client as IPv6), then the whole reply leaves as IPv6. */
static void test_split64_229(void **state) {
  (void)state;
  tctx *t = ctx64(0, 0);
  s64 s;
  s64_open(&s, t);
  tpkt p, e;
  size_t k = 20, n = strlen(R229);
  t_tcp_n(&p, OUT_HOST, 21, PUB, s.pport, s.g, s.c, ACKPSH, R229, k);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nelog, 1);
  b6_tcp(&e, SRV64, 21, CLI, CPORT64, PINHOLE_TCP_ACK, s.g, s.c, 0);
  assert_int_equal(t->elog_side[0], PINHOLE_SIDE_INSIDE);
  assert_int_equal(t->elog_len[0], e.p.len);
  assert_memory_equal(t->elog[0], e.b, e.p.len);
  t_tcp_n(&p, OUT_HOST, 21, PUB, s.pport, s.g + (uint32_t)k, s.c, ACKPSH,
          &R229[k], n - k);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&e, SRV64, 21, CLI, CPORT64, ACKPSH, s.g, s.c, R229);
  assert_int_equal(p.p.len, e.p.len);
  assert_memory_equal(p.b, e.b, e.p.len);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  /* the handshake and greeting, the bare ACK and the reply */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_NAT64_XLAT), 4 + 2);
  assert_true(t_has_trace(t, "split message: 48 bytes merged"));
  t_ctx_del(t);
}

/* A split EPRT on NAT64 that cannot be reassembled never leaves with the
 * client's IPv6 address: too large (the direction then closed to data),
 * outgrowing a line (dropped each time it comes), timed out; with
 * PINHOLE_CFG_ALG_PASS_UNTRANSLATED a timed-out one passes unparsed. A
 * piece resent different from the held bytes is dropped. */
static void test_split64_fail_closed(void **state) {
  (void)state;
  char junk[600];
  memset(junk, '2', sizeof(junk));
  memcpy(junk, "EPRT |2|2001:db8:1::2|", 22);
  tpkt p;
  s64 s;
  /* too large */
  tctx *t = ctx64(64, 0);
  s64_open(&s, t);
  assert_int_equal(c64_seg(&s, 0, junk, 40, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(c64_seg(&s, 0, "EPRT |2|3001", 12, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_CONFLICT), 1);
  assert_int_equal(c64_seg(&s, 40, junk + 40, 40, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TOO_BIG), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_true(t_has_event(t, "split message too large: dropped"));
  assert_int_equal(c64_seg(&s, 0, "NOOP\r\n", 6, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t->ctx->nheld, 0);
  t_ctx_del(t);

  /* longer than an FTP line: refused, the held bytes given up, and again
   * when resent */
  t = ctx64(0, 0);
  s64_open(&s, t);
  assert_int_equal(c64_seg(&s, 0, junk, 300, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(c64_seg(&s, 300, junk + 300, 300, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_DESYNC), 0);
  assert_int_equal(t->ctx->nheld, 0);
  assert_int_equal(c64_seg(&s, 0, junk, 600, SEC, &p), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(t);

  /* timed out */
  for (int open = 0; open < 2; open++) {
    t = ctx64(0, open ? PINHOLE_CFG_ALG_PASS_UNTRANSLATED : 0);
    s64_open(&s, t);
    const char *cmd = "EPRT |2|2001:db8:1::2|50000|\r\n";
    assert_int_equal(c64_seg(&s, 0, cmd, 15, SEC, &p), PINHOLE_VERDICT_HELD);
    assert_int_equal(pinhole_tick(t->ctx, SEC + 3100000000ull), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TIMEOUT), 1);
    assert_int_equal(c64_seg(&s, 0, cmd, strlen(cmd), 5 * SEC, &p),
                     open ? PINHOLE_VERDICT_FORWARD : PINHOLE_VERDICT_DROP);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), open ? 0 : 1);
    assert_true(t_has_event(t, open ? "split message timed out: passed "
                                      "unparsed"
                                    : "split message timed out: dropped"));
    assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
    t_ctx_del(t);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split6_eprt_offsets),
      cmocka_unit_test(test_split6_229),
      cmocka_unit_test(test_split6_lost_resent),
      cmocka_unit_test(test_split6_share_full),
      cmocka_unit_test(test_split6_endless),
      cmocka_unit_test(test_split6_emitted_segments),
      cmocka_unit_test(test_split64_eprt),
      cmocka_unit_test(test_split64_229),
      cmocka_unit_test(test_split64_fail_closed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

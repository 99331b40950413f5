/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP window tracking as legitimate traffic meets it: window scaling as
 * the SYNs negotiate it (RFC 7323), a SYN-ACK and an RST to a SYN that
 * must acknowledge the SYN, retransmissions, keep-alives and zero-window
 * probes, simultaneous open, a fragmented segment, and a connection taken
 * over mid-stream (no SYN seen: the windows are learned from the first
 * segments). The attacks themselves are in test_hostile.c.
 */
#include "helpers.h"

#include "core/ctx.h"

#define CLI IP4(198, 18, 0, 7)
#define SRV IP4(198, 19, 0, 9)

/* A TCP segment with a window and options (a multiple of 4 bytes). */
static void tcp_opt(tpkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                    uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                    uint16_t win, const uint8_t *opts, size_t optlen,
                    const char *payload) {
  t_tcp_opts(p, src, sport, dst, dport, seq, ack, flags, win, opts, optlen,
             payload, payload ? strlen(payload) : 0);
}

static uint32_t half_open(tctx *t) {
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  return u.half_open;
}

/* One segment from the client (CLI:port to SRV:443) or from the server
 * (SRV:443 to PUB:pub) at 1 s, without options; returns the verdict. */
static int from_cli(tctx *t, uint16_t port, uint32_t seq, uint32_t ack,
                    uint8_t flags, uint16_t win, const char *payload) {
  tpkt p;
  tcp_opt(&p, CLI, port, SRV, 443, seq, ack, flags, win, NULL, 0, payload);
  return t_in(t, &p, SEC);
}

static int from_srv(tctx *t, uint16_t pub, uint32_t seq, uint32_t ack,
                    uint8_t flags, uint16_t win, const char *payload) {
  tpkt p;
  tcp_opt(&p, SRV, 443, PUB, pub, seq, ack, flags, win, NULL, 0, payload);
  return t_out(t, &p, SEC);
}

/* The client's SYN from CLI:port with this ISN; returns its public port. */
static uint16_t syn_from_cli(tctx *t, uint16_t port, uint32_t isn) {
  tpkt p;
  t_tcp(&p, CLI, port, SRV, 443, isn, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  return t_get16(p.b + 20);
}

/* MSS 1460, NOP, window scale shift. */
static const uint8_t ws7[8] = {2, 4, 5, 180, 1, 3, 3, 7};
static const uint8_t mss_only[4] = {2, 4, 5, 180};

typedef struct conn {
  uint16_t pub;
  uint32_t cseq, sseq; /* next byte each side sends */
} conn;

/* A handshake with tiny windows (1000) announced in the SYNs; the client
 * offers window scale 7, the server too when server_ws. */
static void open_small(tctx *t, conn *c, int server_ws) {
  tpkt p;
  c->cseq = 0x7ffffff0u; /* sequence numbers that wrap soon */
  c->sseq = 0xfffffff0u;
  tcp_opt(&p, CLI, 41000, SRV, 443, c->cseq++, 0, PINHOLE_TCP_SYN, 1000, ws7, 8,
          NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  c->pub = t_get16(p.b + 20);
  tcp_opt(&p, SRV, 443, PUB, c->pub, c->sseq++, c->cseq,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 1000, server_ws ? ws7 : mss_only,
          server_ws ? 8 : 4, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the client's window: 1000, scaled by 2^7 when both agreed */
  assert_int_equal(
      from_cli(t, 41000, c->cseq, c->sseq, PINHOLE_TCP_ACK, 1000, NULL),
      PINHOLE_VERDICT_FORWARD);
}

static int server_data_at(tctx *t, const conn *c, uint32_t off) {
  tpkt p;
  tcp_opt(&p, SRV, 443, PUB, c->pub, c->sseq + off, c->cseq, PINHOLE_TCP_ACK,
          1000, NULL, 0, "x");
  return t_out(t, &p, SEC);
}

/* RFC 7323 sec. 2.3: windows after the SYNs are scaled by the shift their
 * sender announced, when both SYNs carried the option. */
static void test_tcp_window_scale_negotiated(void **state) {
  (void)state;
  tctx *t = t_ctx();
  conn c;
  open_small(t, &c, 1);
  /* 1000 << 7 = 128000 bytes from the client's acknowledgment */
  assert_int_equal(server_data_at(t, &c, 100000), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(server_data_at(t, &c, 127999), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(server_data_at(t, &c, 128001), PINHOLE_VERDICT_DROP);
  assert_int_equal(server_data_at(t, &c, 200000), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_EXIST_DISCARD, 2, PINHOLE_CNT_ERR_TCP, 2,
             PINHOLE_CNT_TCP_FLAGS, 2, -1);
  t_ctx_del(t);
}

/* Only one SYN offered it: no scaling either way (RFC 7323 sec. 2.2). */
static void test_tcp_window_scale_one_sided(void **state) {
  (void)state;
  tctx *t = t_ctx();
  conn c;
  open_small(t, &c, 0);
  assert_int_equal(server_data_at(t, &c, 999), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(server_data_at(t, &c, 1001), PINHOLE_VERDICT_DROP);
  assert_int_equal(server_data_at(t, &c, 100000), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_FLAGS), 2);
  t_ctx_del(t);
}

/* A SYN-ACK must acknowledge the SYN; so must an RST that answers it
 * (RFC 793: a reset in SYN-SENT is acceptable if it acknowledges the
 * SYN). Guessed ones are dropped and change nothing. */
static void test_tcp_answers_to_syn_must_ack_it(void **state) {
  (void)state;
  tctx *t = t_ctx();
  uint16_t pub = syn_from_cli(t, 41001, 5000);
  assert_int_equal(
      from_srv(t, pub, 1, 5002, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 65535, NULL),
      PINHOLE_VERDICT_DROP);
  assert_int_equal(
      from_srv(t, pub, 0, 5000, PINHOLE_TCP_RST | PINHOLE_TCP_ACK, 65535, NULL),
      PINHOLE_VERDICT_DROP);
  assert_int_equal(from_srv(t, pub, 0, 0, PINHOLE_TCP_RST, 65535, NULL),
                   PINHOLE_VERDICT_DROP);
  /* nor may anything else come before the answer, from either side */
  assert_int_equal(
      from_cli(t, 41001, 5001, 77, PINHOLE_TCP_ACK, 65535, "early"),
      PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_DISCARD, 4,
             PINHOLE_CNT_ERR_TCP, 4, PINHOLE_CNT_TCP_FLAGS, 4, -1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_PORT_SCAN), 0);
  assert_int_equal(half_open(t), 1);
  /* the real answer: a closed port */
  assert_int_equal(
      from_srv(t, pub, 0, 5001, PINHOLE_TCP_RST | PINHOLE_TCP_ACK, 65535, NULL),
      PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_PORT_SCAN), 1);
  assert_int_equal(half_open(t), 0);
  /* a retransmitted SYN-ACK (the client's ACK was lost) passes; one that
   * does not acknowledge the SYN does not */
  pub = syn_from_cli(t, 41002, 6000);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(from_srv(t, pub, 800, 6001,
                              PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 65535, NULL),
                     PINHOLE_VERDICT_FORWARD);
  }
  assert_int_equal(from_srv(t, pub, 800, 6002,
                            PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 65535, NULL),
                   PINHOLE_VERDICT_DROP);
  /* and the client's retransmitted SYN, but not a SYN from another ISN */
  assert_int_equal(from_cli(t, 41002, 6000, 0, PINHOLE_TCP_SYN, 65535, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(from_cli(t, 41002, 7000, 0, PINHOLE_TCP_SYN, 65535, NULL),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(from_cli(t, 41002, 6001, 801, PINHOLE_TCP_ACK, 65535, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(half_open(t), 0);
  assert_int_equal(from_srv(t, pub, 800, 6001,
                            PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 65535, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_FLAGS), 6);
  t_ctx_del(t);
}

/* What a live connection legitimately sends outside the newest data:
 * retransmissions of old segments, keep-alives (one byte before the next
 * sequence number), zero-window probes, window updates; FIN and its
 * retransmission. */
static void test_tcp_retransmissions_keepalives_probes(void **state) {
  (void)state;
  tctx *t = t_ctx();
  conn c;
  open_small(t, &c, 1);
  /* 3000 bytes of server data in three segments, the client acks them */
  char chunk[1001];
  memset(chunk, 'd', 1000);
  chunk[1000] = '\0';
  for (int i = 0; i < 3; i++) {
    assert_int_equal(from_srv(t, c.pub, c.sseq + 1000u * (uint32_t)i, c.cseq,
                              PINHOLE_TCP_ACK, 1000, chunk),
                     PINHOLE_VERDICT_FORWARD);
  }
  /* the first one again */
  assert_int_equal(
      from_srv(t, c.pub, c.sseq, c.cseq, PINHOLE_TCP_ACK, 1000, chunk),
      PINHOLE_VERDICT_FORWARD);
  c.sseq += 3000;
  /* the client's window closes: zero window, then probes of one byte */
  assert_int_equal(from_cli(t, 41000, c.cseq, c.sseq, PINHOLE_TCP_ACK, 0, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(
      from_srv(t, c.pub, c.sseq, c.cseq, PINHOLE_TCP_ACK, 1000, "p"),
      PINHOLE_VERDICT_FORWARD);
  /* keep-alives both ways: one byte before the next sequence number */
  assert_int_equal(
      from_cli(t, 41000, c.cseq - 1, c.sseq, PINHOLE_TCP_ACK, 1000, NULL),
      PINHOLE_VERDICT_FORWARD);
  assert_int_equal(
      from_srv(t, c.pub, c.sseq - 1, c.cseq, PINHOLE_TCP_ACK, 1000, NULL),
      PINHOLE_VERDICT_FORWARD);
  /* an old acknowledgment (a reordered segment) */
  assert_int_equal(
      from_cli(t, 41000, c.cseq, c.sseq - 2000, PINHOLE_TCP_ACK, 1000, NULL),
      PINHOLE_VERDICT_FORWARD);
  /* FIN from the client, twice; the server's FIN; the last ACK */
  for (int i = 0; i < 2; i++) {
    assert_int_equal(from_cli(t, 41000, c.cseq, c.sseq,
                              PINHOLE_TCP_FIN | PINHOLE_TCP_ACK, 1000, NULL),
                     PINHOLE_VERDICT_FORWARD);
  }
  assert_int_equal(from_srv(t, c.pub, c.sseq, c.cseq + 1,
                            PINHOLE_TCP_FIN | PINHOLE_TCP_ACK, 1000, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(
      from_cli(t, 41000, c.cseq + 1, c.sseq + 1, PINHOLE_TCP_ACK, 1000, NULL),
      PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_EXIST_DISCARD), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_TCP), 0);
  /* closing: gone after 240 s */
  assert_int_equal(pinhole_tick(t->ctx, 242 * SEC), 1);
  t_ctx_del(t);
}

/* Both sides send a SYN (RFC 793 sec. 3.4 simultaneous open). */
static void test_tcp_simultaneous_open(void **state) {
  (void)state;
  tctx *t = t_ctx();
  uint16_t pub = syn_from_cli(t, 41003, 100);
  assert_int_equal(from_srv(t, pub, 500, 0, PINHOLE_TCP_SYN, 65535, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(from_srv(t, pub, 500, 101, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
                            65535, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(
      from_cli(t, 41003, 101, 501, PINHOLE_TCP_ACK, 65535, "hello"),
      PINHOLE_VERDICT_FORWARD);
  assert_int_equal(from_srv(t, pub, 501, 106, PINHOLE_TCP_ACK, 65535, "hi"),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(from_srv(t, pub, 700, 106, PINHOLE_TCP_RST, 65535, NULL),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_RST_IN_WINDOW), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_EXIST_DISCARD), 1);
  assert_int_equal(half_open(t), 0);
  t_ctx_del(t);
}

/* A blind host spoofs the server's SYN while the client waits for the
 * real answer (a "simultaneous open" it made up): the real SYN-ACK, which
 * alone acknowledges the client's SYN, still sets the server's side, and
 * the connection works; the spoofed side's numbers do not. */
static void test_tcp_spoofed_simultaneous_open(void **state) {
  (void)state;
  tctx *t = t_ctx();
  uint16_t pub = syn_from_cli(t, 41004, 100);
  assert_int_equal(
      from_srv(t, pub, 0x55555555u, 0, PINHOLE_TCP_SYN, 65535, NULL),
      PINHOLE_VERDICT_FORWARD);
  assert_int_equal(from_srv(t, pub, 500, 101, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
                            65535, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(from_cli(t, 41004, 101, 501, PINHOLE_TCP_ACK, 65535, "hi"),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(from_srv(t, pub, 501, 103, PINHOLE_TCP_ACK, 65535, "ok"),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(
      from_srv(t, pub, 0x55555556u, 103, PINHOLE_TCP_RST, 65535, NULL),
      PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_FLAGS), 1);
  assert_int_equal(half_open(t), 0);
  t_ctx_del(t);
}

/* A segment sent as IP fragments: the first piece shows only part of its
 * data, so the acknowledgment of all of it must still pass. */
static void test_tcp_fragmented_segment(void **state) {
  (void)state;
  tctx *t = t_ctx();
  conn c;
  open_small(t, &c, 0);
  /* 1000 bytes of data, the first fragment carrying 20 of them */
  char data[1001];
  memset(data, 'f', 1000);
  data[1000] = '\0';
  tpkt whole, p;
  tcp_opt(&whole, CLI, 41000, SRV, 443, c.cseq, c.sseq, PINHOLE_TCP_ACK, 1000,
          NULL, 0, data);
  memcpy(p.b, whole.b, 60);
  t_put16(p.b + 2, 60);
  t_put16(p.b + 6, 0x2000); /* MF */
  t_put16(p.b + 10, 0);
  t_put16(p.b + 10, pinhole_cksum(p.b, 20));
  p.p.data = p.b;
  p.p.len = 60;
  p.p.cap = sizeof(p.b);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  memcpy(p.b + 20, whole.b + 60, 1000 - 20);
  memcpy(p.b, whole.b, 20);
  t_put16(p.b + 2, (uint16_t)(20 + 980));
  t_put16(p.b + 6, 40 / 8);
  t_put16(p.b + 10, 0);
  t_put16(p.b + 10, pinhole_cksum(p.b, 20));
  p.p.len = 1000;
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  c.cseq += 1000;
  assert_int_equal(
      from_srv(t, c.pub, c.sseq, c.cseq, PINHOLE_TCP_ACK, 1000, NULL),
      PINHOLE_VERDICT_FORWARD);
  /* but not beyond what a datagram can hold */
  assert_int_equal(
      from_srv(t, c.pub, c.sseq, c.cseq + 70000, PINHOLE_TCP_ACK, 1000, NULL),
      PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_FLAGS), 1);
  t_ctx_del(t);
}

/* A connection whose windows are unknown (state taken over mid-stream,
 * as an imported flow would be): each direction learns from its first
 * segment, bounded by the other side's acknowledgment once known; then
 * the bounds hold as for any connection and blind RSTs are refused. */
static void test_tcp_mid_stream_pickup(void **state) {
  (void)state;
  tctx *t = t_ctx();
  conn c;
  open_small(t, &c, 1);
  /* forget the windows */
  pinhole_ctx *ctx = t->ctx;
  uint32_t idx = UINT32_MAX;
  for (uint32_t i = 0; i < ctx->cfg.max_flows; i++)
    if ((ctx->conns[i].flags & PH_CONN_LIVE) &&
        ctx->conns[i].proto == PINHOLE_IPPROTO_TCP)
      idx = i;
  assert_true(idx != UINT32_MAX);
  memset(&ctx->tcpw[idx], 0, sizeof(ph_tcpw));
  /* the server speaks first, far into its stream: learned */
  c.sseq += 50000;
  assert_int_equal(
      from_srv(t, c.pub, c.sseq, c.cseq, PINHOLE_TCP_ACK, 1000, "server data"),
      PINHOLE_VERDICT_FORWARD);
  c.sseq += 11;
  /* the client's first segment must fit what the server acknowledged */
  assert_int_equal(from_cli(t, 41000, c.cseq + 0x40000000u, c.sseq,
                            PINHOLE_TCP_ACK, 1000, "far"),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(
      from_cli(t, 41000, c.cseq, c.sseq, PINHOLE_TCP_ACK, 1000, "client data"),
      PINHOLE_VERDICT_FORWARD);
  c.cseq += 11;
  /* from here on, as any connection */
  assert_int_equal(from_srv(t, c.pub, c.sseq + 0x40000000u, c.cseq,
                            PINHOLE_TCP_RST, 1000, NULL),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(
      from_srv(t, c.pub, c.sseq + 5, c.cseq, PINHOLE_TCP_RST, 1000, NULL),
      PINHOLE_VERDICT_DROP);
  assert_int_equal(
      from_srv(t, c.pub, c.sseq, c.cseq, PINHOLE_TCP_ACK, 1000, "more"),
      PINHOLE_VERDICT_FORWARD);
  c.sseq += 4;
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 5,
             PINHOLE_CNT_EXIST_DISCARD, 3, PINHOLE_CNT_ERR_TCP, 3,
             PINHOLE_CNT_TCP_FLAGS, 2, PINHOLE_CNT_TCP_RST_IN_WINDOW, 1, -1);
  /* the exact RST resets */
  assert_int_equal(
      from_srv(t, c.pub, c.sseq, c.cseq, PINHOLE_TCP_RST, 1000, NULL),
      PINHOLE_VERDICT_FORWARD);
  assert_int_equal(pinhole_tick(t->ctx, 20 * SEC), 1);
  t_ctx_del(t);
}

/* ---- the window encoding (ctx.h ph_tcp_dir: 16-bit field and shift) -- */

/* Every maxwin the tracker stores (a window field shifted by a scale of
 * 0..14, or a SYN's unscaled field) is held exactly; a number no tracker
 * writes (from a state blob) is rounded up, by less than its step. */
static void test_tcp_maxwin_encoding(void **state) {
  (void)state;
  static const uint32_t fields[] = {
      0, 1, 2, 3, 255, 256, 1000, 4097, 32767, 32768, 32769, 65534, 65535};
  ph_tcp_dir d;
  for (uint8_t sc = 0; sc <= 14; sc++) {
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
      uint32_t v = fields[i] << sc;
      memset(&d, 0, sizeof(d));
      ph_tw_set_scale(&d, sc);
      ph_tw_set_maxwin(&d, (uint16_t)fields[i], sc);
      assert_int_equal(ph_tw_maxwin(&d), v);
      assert_int_equal(ph_tw_scale(&d), sc);
      memset(&d, 0xff, sizeof(d));
      ph_tw_set_scale(&d, sc);
      ph_tw_set_maxwin_up(&d, v);
      assert_int_equal(ph_tw_maxwin(&d), v);
      assert_int_equal(ph_tw_scale(&d), sc);
      assert_int_equal(d.flags, 0xff); /* the flags untouched */
    }
  }
  /* the bounds: 1, and 65535 << 14 = 2^30 - 2^14 */
  memset(&d, 0, sizeof(d));
  ph_tw_set_maxwin_up(&d, 1);
  assert_int_equal(ph_tw_maxwin(&d), 1);
  ph_tw_set_maxwin_up(&d, PH_TW_MAXWIN_MAX);
  assert_int_equal(ph_tw_maxwin(&d), 0x3fffc000u);
  assert_int_equal(d.mw, 0xffff);
  assert_int_equal(d.shifts >> 4, 14);
  /* rounded up, by less than the step */
  static const struct {
    uint32_t v, want;
  } up[] = {{65536, 65536},
            {65537, 65538},
            {131071, 131072},
            {131073, 131076},
            {0x3fffbfffu, 0x3fffc000u},
            {0x3fff8001u, 0x3fffc000u},
            {0x20000001u, 0x20004000u},
            {0x1fffffffu, 0x20000000u}};
  for (size_t i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
    memset(&d, 0, sizeof(d));
    ph_tw_set_scale(&d, 9);
    ph_tw_set_maxwin_up(&d, up[i].v);
    assert_int_equal(ph_tw_maxwin(&d), up[i].want);
    assert_int_equal(ph_tw_scale(&d), 9);
  }
}

/* A handshake that sets the client's largest window to cwin << scale:
 * both SYNs offer shift ws (none: ws 0xff), the client's SYN and ACK
 * announce cwin, the server's SYN-ACK swin. */
static void open_win(tctx *t, conn *c, uint8_t ws, uint16_t cwin,
                     uint16_t swin) {
  tpkt p;
  const uint8_t opt[8] = {2, 4, 5, 180, 1, 3, 3, ws};
  size_t olen = ws == 0xff ? 4 : 8;
  c->cseq = 0x7ffffff0u;
  c->sseq = 0xfffffff0u;
  tcp_opt(&p, CLI, 41000, SRV, 443, c->cseq++, 0, PINHOLE_TCP_SYN, cwin, opt,
          olen, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  c->pub = t_get16(p.b + 20);
  tcp_opt(&p, SRV, 443, PUB, c->pub, c->sseq++, c->cseq,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, swin, opt, olen, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(
      from_cli(t, 41000, c->cseq, c->sseq, PINHOLE_TCP_ACK, cwin, NULL),
      PINHOLE_VERDICT_FORWARD);
}

/* One byte from the server at sseq + off, with these flags. */
static int srv_at(tctx *t, const conn *c, uint32_t off, uint8_t flags) {
  tpkt p;
  tcp_opt(&p, SRV, 443, PUB, c->pub, c->sseq + off, c->cseq, flags, 1000, NULL,
          0, "x");
  return t_out(t, &p, SEC);
}

/* The server's byte at offset edge + 1 is dropped and at edge forwarded,
 * on the fast path (ACK) and the general one (ACK+FIN, which must not
 * close anything when it is refused); then the counters of the opening,
 * the four segments and the two refusals. */
static void right_edge(tctx *t, const conn *c, uint32_t edge) {
  assert_int_equal(srv_at(t, c, edge + 1, PINHOLE_TCP_ACK),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(srv_at(t, c, edge, PINHOLE_TCP_ACK),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(srv_at(t, c, edge + 1, PINHOLE_TCP_ACK | PINHOLE_TCP_FIN),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_FLAGS), 2);
  assert_int_equal(srv_at(t, c, edge, PINHOLE_TCP_ACK | PINHOLE_TCP_FIN),
                   PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_EXIST_DISCARD, 2, PINHOLE_CNT_ERR_TCP, 2,
             PINHOLE_CNT_TCP_FLAGS, 2, -1);
}

/* RFC 793 sec. 3.3 bound I at the smallest window: the client announced
 * a zero window (held as 1), scale 0. The server's byte at the right edge
 * (ack + 1) passes, one past is dropped; the same through the general
 * path (a FIN), which must not close anything when it is refused. */
static void test_tcp_window_edge_min(void **state) {
  (void)state;
  tctx *t = t_ctx();
  conn c;
  open_win(t, &c, 0xff, 0, 1000);
  right_edge(t, &c, 1);
  t_ctx_del(t);
}

/* Scale 0, the largest field: 65535 exactly. */
static void test_tcp_window_edge_scale0(void **state) {
  (void)state;
  tctx *t = t_ctx();
  conn c;
  open_win(t, &c, 0, 65535, 1000);
  right_edge(t, &c, 65535);
  t_ctx_del(t);
}

/* Scale 14, the largest field: 65535 << 14 = 2^30 - 2^14, the largest
 * window RFC 7323 allows. Bound I at its right edge; bound II (a segment
 * no older than the receiver's window) and bound IV (an acknowledgment
 * no older than the acknowledging side's window) at theirs. */
static void test_tcp_window_edge_scale14(void **state) {
  (void)state;
  tctx *t = t_ctx();
  conn c;
  const uint32_t max = 0x3fffc000u;
  open_win(t, &c, 14, 65535, 65535);
  /* I: from the client's acknowledgment (c.sseq) */
  assert_int_equal(srv_at(t, &c, max + 1, PINHOLE_TCP_ACK),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(srv_at(t, &c, max, PINHOLE_TCP_ACK),
                   PINHOLE_VERDICT_FORWARD);
  /* the server's end is now sseq + max + 1; II: end >= s.end - max */
  assert_int_equal(srv_at(t, &c, (uint32_t)-1, PINHOLE_TCP_ACK),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(srv_at(t, &c, 0, PINHOLE_TCP_ACK), PINHOLE_VERDICT_FORWARD);
  /* IV: the client's acknowledgment of server data no older than
   * r.end - max(s.maxwin, 66000) with the client's maxwin 2^30 - 2^14 */
  uint32_t send = c.sseq + max + 1;
  assert_int_equal(
      from_cli(t, 41000, c.cseq, send - max - 1, PINHOLE_TCP_ACK, 65535, NULL),
      PINHOLE_VERDICT_DROP);
  assert_int_equal(
      from_cli(t, 41000, c.cseq, send - max, PINHOLE_TCP_ACK, 65535, NULL),
      PINHOLE_VERDICT_FORWARD);
  /* and through the general path (FIN) at bound I, from the client's
   * acknowledgment now (c.sseq + 1) */
  assert_int_equal(srv_at(t, &c, max + 2, PINHOLE_TCP_ACK | PINHOLE_TCP_FIN),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(srv_at(t, &c, max + 1, PINHOLE_TCP_ACK | PINHOLE_TCP_FIN),
                   PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_EXIST_DISCARD, 4, PINHOLE_CNT_ERR_TCP, 4,
             PINHOLE_CNT_TCP_FLAGS, 4, -1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tcp_window_scale_negotiated),
      cmocka_unit_test(test_tcp_window_scale_one_sided),
      cmocka_unit_test(test_tcp_answers_to_syn_must_ack_it),
      cmocka_unit_test(test_tcp_retransmissions_keepalives_probes),
      cmocka_unit_test(test_tcp_simultaneous_open),
      cmocka_unit_test(test_tcp_spoofed_simultaneous_open),
      cmocka_unit_test(test_tcp_fragmented_segment),
      cmocka_unit_test(test_tcp_mid_stream_pickup),
      cmocka_unit_test(test_tcp_maxwin_encoding),
      cmocka_unit_test(test_tcp_window_edge_min),
      cmocka_unit_test(test_tcp_window_edge_scale0),
      cmocka_unit_test(test_tcp_window_edge_scale14),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

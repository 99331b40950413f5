/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PPTP ALG scenarios (RFC 2637): call IDs rewritten with exact bytes in
 * every message that carries the client's (Outgoing-Call-Request,
 * Incoming-Call-Reply, Call-Clear-Request) or names it back
 * (Outgoing-Call-Reply, Incoming-Call-Connected, WAN-Error-Notify); the
 * calls' GRE flows translated both ways with exact bytes; two and three
 * inside clients with the same and different call IDs to one server; the
 * listing and the counters; hostile streams (lengths that lie, unknown
 * types, no session start, the wrong side, collisions, unknown calls,
 * split messages, GRE for no call), the GRE timeouts and ICMP errors
 * quoting GRE.
 */
#include "helpers.h"
#include "core/ctx.h"

#include <pinhole/state.h>

#include <pinhole/pptp.h>

#define CLI IP4(198, 18, 0, 100)
#define CLI2 IP4(198, 18, 0, 101)
#define CLI3 IP4(198, 18, 0, 102)
#define SRV OUT_HOST

static tctx *pptp_ctx(uint32_t gre_timeout_s) {
  pinhole_config cfg;
  t_cfg(&cfg);
  if (gre_timeout_s)
    cfg.gre_timeout_s = gre_timeout_s;
  return t_ctx_pool(&cfg, PUB, PUB, 0, 0);
}

/* Control message lengths by type (RFC 2637 section 2). */
static const uint8_t msg_len[16] = {0,  156, 156, 16, 16, 16,  20, 168,
                                    32, 220, 24,  28, 16, 148, 40, 24};

/* Builds control message `type` in b with its fields at 12 and 14 (call
 * IDs) and result at 16 (or 14 for Call-Disconnect-Notify); returns its
 * length. */
static size_t msg(uint8_t *b, int type, uint16_t f12, uint16_t f14,
                  uint8_t result) {
  size_t n = msg_len[type];
  memset(b, 0, n);
  t_put16(b, (uint16_t)n);
  t_put16(b + 2, 1);
  t_put32(b + 4, 0x1A2B3C4Du);
  t_put16(b + 8, (uint16_t)type);
  t_put16(b + 12, f12);
  if (type == PINHOLE_PPTP_CALL_DISCONNECT_NOTIFY) {
    b[14] = result;
  } else {
    if (n >= 16)
      t_put16(b + 14, f14);
    if (n >= 20)
      b[16] = result;
  }
  if (type == PINHOLE_PPTP_START_CTRL_REQUEST ||
      type == PINHOLE_PPTP_START_CTRL_REPLY) {
    t_put16(b + 12, 0x0100); /* protocol version 1.0 */
    b[14] = type == PINHOLE_PPTP_START_CTRL_REPLY ? 1 : 0;
  }
  return n;
}

/* One control connection. */
typedef struct psess {
  tctx *t;
  uint32_t cli, pub;
  uint16_t cport, pport;
  uint32_t cseq, sseq;
} psess;

static void seg(tpkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                uint16_t dport, uint32_t seq, uint32_t ack, const void *b,
                size_t n) {
  t_tcp_n(p, src, sport, dst, dport, seq, ack, PINHOLE_TCP_ACK, b, n);
}

static void p_open(psess *s, tctx *t, uint32_t cli, uint16_t cport) {
  tpkt p;
  pinhole_pkt_view v;
  memset(s, 0, sizeof(*s));
  s->t = t;
  s->cli = cli;
  s->cport = cport;
  s->cseq = 100000u + cport;
  s->sseq = 900000u + cport;
  t_tcp(&p, cli, cport, SRV, 1723, s->cseq++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  s->pub = v.src;
  s->pport = v.sport;
  t_tcp(&p, SRV, 1723, s->pub, s->pport, s->sseq++, s->cseq,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_tcp(&p, cli, cport, SRV, 1723, s->cseq, s->sseq, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
}

/* The client sends b[0..n): the verdict; on FORWARD the payload leaves as
 * want[0..n) (want NULL: unchanged). */
static int c_send(psess *s, const uint8_t *b, size_t n, const uint8_t *want) {
  tpkt p;
  seg(&p, s->cli, s->cport, SRV, 1723, s->cseq, s->sseq, b, n);
  int rc = t_in(s->t, &p, 2 * SEC);
  if (rc != 0)
    return rc;
  t_payload_eq(&p, want ? want : b, n);
  t_check_cksums(&p);
  s->cseq += (uint32_t)n;
  return 0;
}

/* The same for the server. */
static int s_send(psess *s, const uint8_t *b, size_t n, const uint8_t *want) {
  tpkt p;
  pinhole_pkt_view v;
  seg(&p, SRV, 1723, s->pub, s->pport, s->sseq, s->cseq, b, n);
  int rc = t_out(s->t, &p, 2 * SEC);
  if (rc != 0)
    return rc;
  t_view(&p, &v);
  assert_int_equal(v.dst, s->cli);
  t_payload_eq(&p, want ? want : b, n);
  t_check_cksums(&p);
  s->sseq += (uint32_t)n;
  return 0;
}

static void p_start(psess *s) {
  uint8_t b[256];
  size_t n = msg(b, PINHOLE_PPTP_START_CTRL_REQUEST, 0, 0, 0);
  assert_int_equal(c_send(s, b, n, NULL), 0);
  n = msg(b, PINHOLE_PPTP_START_CTRL_REPLY, 0, 0, 1);
  assert_int_equal(s_send(s, b, n, NULL), 0);
}

/* Outgoing-Call-Request with call ID cid: returns the public call ID it
 * left with (its bytes otherwise unchanged). */
static uint16_t p_ocrq(psess *s, uint16_t cid) {
  uint8_t b[256], want[256];
  tpkt p;
  pinhole_pkt_view v;
  size_t n = msg(b, PINHOLE_PPTP_OUT_CALL_REQUEST, cid, 0x00ff, 0);
  seg(&p, s->cli, s->cport, SRV, 1723, s->cseq, s->sseq, b, n);
  assert_int_equal(t_in(s->t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  uint16_t pub = t_get16(p.b + v.payload_off + 12);
  memcpy(want, b, n);
  t_put16(want + 12, pub);
  t_payload_eq(&p, want, n);
  t_check_cksums(&p);
  s->cseq += (uint32_t)n;
  return pub;
}

/* Outgoing-Call-Reply: the server's call id scid for public call ID pub,
 * arriving with the client's call ID cid. */
static void p_ocrp(psess *s, uint16_t scid, uint16_t pub, uint16_t cid) {
  uint8_t b[256], want[256];
  size_t n = msg(b, PINHOLE_PPTP_OUT_CALL_REPLY, scid, pub, 1);
  msg(want, PINHOLE_PPTP_OUT_CALL_REPLY, scid, cid, 1);
  assert_int_equal(s_send(s, b, n, want), 0);
}

/* An enhanced GRE packet with sequence number and payload. */
static void gre(tpkt *t, uint32_t src, uint32_t dst, uint16_t cid, uint32_t seq,
                const char *payload) {
  size_t plen = strlen(payload), total = 20 + 12 + plen;
  t_ip(t->b, total, PINHOLE_IPPROTO_GRE, src, dst);
  uint8_t *g = t->b + 20;
  g[0] = 0x30; /* K, S */
  g[1] = 0x01; /* version 1 */
  t_put16(g + 2, 0x880B);
  t_put16(g + 4, (uint16_t)plen);
  t_put16(g + 6, cid);
  t_put32(g + 8, seq);
  memcpy(g + 12, payload, plen);
  t->p.data = t->b;
  t->p.len = (uint32_t)total;
  t->p.cap = sizeof(t->b);
  t_fix(t);
}

/* A GRE packet from the client to the server with key scid: the verdict;
 * on FORWARD it leaves from pub with every other byte unchanged. */
static int gre_up(tctx *t, uint32_t cli, uint32_t pub, uint16_t scid,
                  uint64_t now) {
  tpkt p, want;
  gre(&p, cli, SRV, scid, 7, "\xff\x03up");
  gre(&want, pub, SRV, scid, 7, "\xff\x03up");
  t_put16(want.b + 4, 0x1234);
  int rc = t_in(t, &p, now);
  if (rc == 0) {
    assert_int_equal(p.p.len, want.p.len);
    assert_memory_equal(p.b, want.b, want.p.len);
  }
  return rc;
}

/* A GRE packet from the server to (pub, key pcid): on FORWARD it reaches
 * cli with key cid, every other byte unchanged. */
static int gre_down(tctx *t, uint32_t pub, uint16_t pcid, uint32_t cli,
                    uint16_t cid, uint64_t now) {
  tpkt p, want;
  gre(&p, SRV, pub, pcid, 9,
      "\xff\x03"
      "down");
  gre(&want, SRV, cli, cid, 9,
      "\xff\x03"
      "down");
  int rc = t_out(t, &p, now);
  if (rc == 0) {
    assert_int_equal(p.p.len, want.p.len);
    assert_memory_equal(p.b, want.b, want.p.len);
  }
  return rc;
}

/* One client's outgoing call: returns the public call ID. */
static uint16_t p_call(psess *s, uint16_t cid, uint16_t scid) {
  uint16_t pub = p_ocrq(s, cid);
  p_ocrp(s, scid, pub, cid);
  return pub;
}

/* Three inside clients to one server: two with call ID 0x4000, one with
 * 0x0777. Each gets its own public call ID at the one public address, and
 * each call's GRE comes back to its own client with its own call ID. */
static void test_pptp_three_clients(void **state) {
  (void)state;
  tctx *t = pptp_ctx(0);
  psess a, b, c;
  p_open(&a, t, CLI, 40001);
  p_open(&b, t, CLI2, 40001);
  p_open(&c, t, CLI3, 40002);
  p_start(&a);
  p_start(&b);
  p_start(&c);
  uint16_t pa = p_call(&a, 0x4000, 0x0100);
  uint16_t pb = p_call(&b, 0x4000, 0x0101);
  uint16_t pc = p_call(&c, 0x0777, 0x0102);
  assert_int_equal(pa, 0x4000); /* free: kept */
  assert_int_not_equal(pb, 0x4000);
  assert_int_not_equal(pb, pa);
  assert_int_equal(pc, 0x0777); /* free: kept */
  /* up: the key (the server's call ID) is left alone */
  assert_int_equal(gre_up(t, CLI, PUB, 0x0100, 3 * SEC), 0);
  assert_int_equal(gre_up(t, CLI2, PUB, 0x0101, 3 * SEC), 0);
  assert_int_equal(gre_up(t, CLI3, PUB, 0x0102, 3 * SEC), 0);
  /* down: each public call ID to its own client and call ID */
  assert_int_equal(gre_down(t, PUB, pa, CLI, 0x4000, 3 * SEC), 0);
  assert_int_equal(gre_down(t, PUB, pb, CLI2, 0x4000, 3 * SEC), 0);
  assert_int_equal(gre_down(t, PUB, pc, CLI3, 0x0777, 3 * SEC), 0);
  assert_int_equal(gre_down(t, PUB, pb, CLI2, 0x4000, 3 * SEC), 0);
  /* the server's call ID of another client's call from this client */
  assert_int_equal(gre_up(t, CLI, PUB, 0x0101, 3 * SEC), PINHOLE_VERDICT_DROP);
  char want[2048];
  snprintf(
      want, sizeof(want),
      "Conversation: ALG protocol: pptp\n"
      "  Number of initiators: 2, Number of responders: 2\n"
      "Flow                                          State    Dir  Frm count\n"
      "TCP 198.18.0.100:40001 -> 198.19.0.2:1723     Watch    I          4\n"
      "    NAT source 198.18.0.100:40001 -> 198.19.0.1:40001\n"
      "GRE 198.18.0.100:16384 -> 198.19.0.2:256      Forward  I          1\n"
      "    NAT source 198.18.0.100:16384 -> 198.19.0.1:16384\n"
      "TCP 198.19.0.2:1723 -> 198.19.0.1:40001       Watch    O          3\n"
      "    NAT dest 198.19.0.1:40001 -> 198.18.0.100:40001\n"
      "GRE 198.19.0.2:256 -> 198.19.0.1:16384        Forward  O          1\n"
      "    NAT dest 198.19.0.1:16384 -> 198.18.0.100:16384\n"
      "Conversation: ALG protocol: pptp\n"
      "  Number of initiators: 2, Number of responders: 2\n"
      "Flow                                          State    Dir  Frm count\n"
      "TCP 198.18.0.101:40001 -> 198.19.0.2:1723     Watch    I          4\n"
      "    NAT source 198.18.0.101:40001 -> 198.19.0.1:%u\n"
      "GRE 198.18.0.101:16384 -> 198.19.0.2:257      Forward  I          1\n"
      "    NAT source 198.18.0.101:16384 -> 198.19.0.1:%u\n"
      "TCP 198.19.0.2:1723 -> 198.19.0.1:%-5u       Watch    O          3\n"
      "    NAT dest 198.19.0.1:%u -> 198.18.0.101:40001\n"
      "GRE 198.19.0.2:257 -> 198.19.0.1:%-5u        Forward  O          2\n"
      "    NAT dest 198.19.0.1:%u -> 198.18.0.101:16384\n"
      "Conversation: ALG protocol: pptp\n"
      "  Number of initiators: 2, Number of responders: 2\n"
      "Flow                                          State    Dir  Frm count\n"
      "TCP 198.18.0.102:40002 -> 198.19.0.2:1723     Watch    I          4\n"
      "    NAT source 198.18.0.102:40002 -> 198.19.0.1:40002\n"
      "GRE 198.18.0.102:1911 -> 198.19.0.2:258       Forward  I          1\n"
      "    NAT source 198.18.0.102:1911 -> 198.19.0.1:%u\n"
      "TCP 198.19.0.2:1723 -> 198.19.0.1:40002       Watch    O          3\n"
      "    NAT dest 198.19.0.1:40002 -> 198.18.0.102:40002\n"
      "GRE 198.19.0.2:258 -> 198.19.0.1:%-5u        Forward  O          1\n"
      "    NAT dest 198.19.0.1:%u -> 198.18.0.102:1911\n",
      b.pport, pb, b.pport, b.pport, pb, pb, pc, pc, pc);
  t_listing_is(t, want);
  /* 3 SYNs; 3 x (SYN-ACK, ACK, 2 start, 2 call) + 7 GRE; 1 GRE dropped */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 25,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_GRE_NO_CALL, 1, -1);
  snprintf(want, sizeof(want),
           "pptp ALG conv=2 translated 198.18.0.101:16384 -> 198.19.0.1:%u",
           pb);
  assert_true(t_has_trace(t, want));
  snprintf(want, sizeof(want),
           "pptp ALG conv=2 translated 198.19.0.1:%u -> 198.18.0.101:16384",
           pb);
  assert_true(t_has_trace(t, want));
  assert_true(t_has_event(t, "proto=GRE"));
  t_ctx_del(t);
}

/* An incoming call (Incoming-Call-Request from the server, -Reply from
 * the client naming the server's call ID, -Connected back), then
 * WAN-Error-Notify, Set-Link-Info, Call-Clear-Request and
 * Call-Disconnect-Notify: every call ID field with exact bytes; the GRE
 * flow ends with the call. */
static void test_pptp_incoming_call_and_clear(void **state) {
  (void)state;
  tctx *t = pptp_ctx(0);
  psess o, s;
  /* another client holds public call ID 0x2222 */
  p_open(&o, t, CLI2, 40010);
  p_start(&o);
  assert_int_equal(p_call(&o, 0x2222, 0x0300), 0x2222);
  p_open(&s, t, CLI, 40011);
  p_start(&s);
  uint8_t b[256], w[256];
  size_t n = msg(b, PINHOLE_PPTP_IN_CALL_REQUEST, 0x0301, 0, 0);
  assert_int_equal(s_send(&s, b, n, NULL), 0); /* the server's own ID */
  /* Incoming-Call-Reply: Call ID 0x2222 (taken at PUB) gets another */
  tpkt p;
  pinhole_pkt_view v;
  n = msg(b, PINHOLE_PPTP_IN_CALL_REPLY, 0x2222, 0x0301, 1);
  seg(&p, CLI, 40011, SRV, 1723, s.cseq, s.sseq, b, n);
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  uint16_t pub = t_get16(p.b + v.payload_off + 12);
  assert_int_not_equal(pub, 0x2222);
  msg(w, PINHOLE_PPTP_IN_CALL_REPLY, pub, 0x0301, 1);
  t_payload_eq(&p, w, n);
  s.cseq += (uint32_t)n;
  /* the GRE flow is complete at once: both directions */
  assert_int_equal(gre_up(t, CLI, PUB, 0x0301, 3 * SEC), 0);
  assert_int_equal(gre_down(t, PUB, pub, CLI, 0x2222, 3 * SEC), 0);
  assert_int_equal(gre_down(t, PUB, 0x2222, CLI2, 0x2222, 3 * SEC), 0);
  /* Incoming-Call-Connected and WAN-Error-Notify name the client's */
  n = msg(b, PINHOLE_PPTP_IN_CALL_CONNECTED, pub, 0, 0);
  msg(w, PINHOLE_PPTP_IN_CALL_CONNECTED, 0x2222, 0, 0);
  assert_int_equal(s_send(&s, b, n, w), 0);
  n = msg(b, PINHOLE_PPTP_WAN_ERROR_NOTIFY, pub, 0, 0);
  msg(w, PINHOLE_PPTP_WAN_ERROR_NOTIFY, 0x2222, 0, 0);
  assert_int_equal(s_send(&s, b, n, w), 0);
  /* Set-Link-Info names the server's: unchanged */
  n = msg(b, PINHOLE_PPTP_SET_LINK_INFO, 0x0301, 0, 0);
  assert_int_equal(c_send(&s, b, n, NULL), 0);
  /* Call-Clear-Request carries the client's */
  n = msg(b, PINHOLE_PPTP_CALL_CLEAR_REQUEST, 0x2222, 0, 0);
  msg(w, PINHOLE_PPTP_CALL_CLEAR_REQUEST, pub, 0, 0);
  assert_int_equal(c_send(&s, b, n, w), 0);
  /* Call-Disconnect-Notify: the server's own call ID, unchanged; the GRE
   * flow gets the closed timeout (10 s) */
  n = msg(b, PINHOLE_PPTP_CALL_DISCONNECT_NOTIFY, 0x0301, 0, 3);
  assert_int_equal(s_send(&s, b, n, NULL), 0);
  assert_int_equal(gre_down(t, PUB, pub, CLI, 0x2222, 5 * SEC), 0);
  pinhole_tick(t->ctx, 20 * SEC);
  assert_int_equal(gre_down(t, PUB, pub, CLI, 0x2222, 20 * SEC),
                   PINHOLE_VERDICT_DROP);
  /* the other client's call is untouched */
  assert_int_equal(gre_down(t, PUB, 0x2222, CLI2, 0x2222, 20 * SEC), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_GRE_NO_CALL), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);
}

/* GRE for no call: a key nobody set up, the client's GRE before the
 * server's call ID is known, GRE version 0; and the GRE idle timeout. */
static void test_pptp_gre_no_call_and_timeout(void **state) {
  (void)state;
  tctx *t = pptp_ctx(30);
  psess s;
  p_open(&s, t, CLI, 40020);
  p_start(&s);
  uint16_t pub = p_ocrq(&s, 0x5151);
  assert_int_equal(gre_down(t, PUB, 0x7777, CLI, 0x5151, 2 * SEC),
                   PINHOLE_VERDICT_DROP);
  /* before the reply: the client's GRE has no flow, the server's has */
  assert_int_equal(gre_up(t, CLI, PUB, 0x0400, 2 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(gre_down(t, PUB, pub, CLI, 0x5151, 2 * SEC), 0);
  p_ocrp(&s, 0x0400, pub, 0x5151);
  assert_int_equal(gre_up(t, CLI, PUB, 0x0400, 2 * SEC), 0);
  /* GRE version 0: no call, not translated */
  tpkt p;
  gre(&p, SRV, PUB, pub, 1, "x");
  p.b[21] = 0x00;
  t_fix(&p);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_DROP);
  /* idle for 30 s: gone (the control connection stays) */
  assert_int_equal(gre_down(t, PUB, pub, CLI, 0x5151, 31 * SEC), 0);
  assert_int_equal(gre_down(t, PUB, pub, CLI, 0x5151, 62 * SEC),
                   PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 9,
             PINHOLE_CNT_NEW_DISCARD, 4, PINHOLE_CNT_GRE_NO_CALL, 3,
             PINHOLE_CNT_DROP_NO_RULE, 1, PINHOLE_CNT_FLOWS_EXPIRED, 1, -1);
  t_ctx_del(t);
}

/* Hostile control streams: each counted as a PPTP ALG error, nothing
 * opened. */
static void test_pptp_length_lies(void **state) {
  (void)state;
  tctx *t = pptp_ctx(0);
  psess s;
  p_open(&s, t, CLI, 40030);
  p_start(&s);
  uint8_t b[256];
  size_t n = msg(b, PINHOLE_PPTP_OUT_CALL_REQUEST, 0x1111, 0, 0);
  t_put16(b, 160); /* Outgoing-Call-Request is 168 bytes */
  /* passes unparsed (desynchronised): the direction is not PPTP */
  assert_int_equal(c_send(&s, b, n, NULL), 0);
  /* nothing parsed any more: a good request passes untranslated */
  n = msg(b, PINHOLE_PPTP_OUT_CALL_REQUEST, 0x1111, 0, 0);
  assert_int_equal(c_send(&s, b, n, NULL), 0);
  assert_int_equal(gre_down(t, PUB, 0x1111, CLI, 0x1111, 3 * SEC),
                   PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_PPTP, 1,
             PINHOLE_CNT_ALG_DESYNC, 1, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_GRE_NO_CALL, 1, -1);
  assert_true(t_has_event(t, "malformed PPTP message"));
  t_ctx_del(t);
}

/* An unknown control message type (16), and a session that does not start
 * with Start-Control-Connection. */
static void test_pptp_unknown_type_and_no_start(void **state) {
  (void)state;
  tctx *t = pptp_ctx(0);
  psess s, u;
  p_open(&s, t, CLI, 40040);
  p_start(&s);
  uint8_t b[256];
  size_t n = msg(b, PINHOLE_PPTP_STOP_CTRL_REQUEST, 0, 0, 0);
  t_put16(b + 8, 16);
  assert_int_equal(s_send(&s, b, n, NULL), 0);
  p_open(&u, t, CLI2, 40041);
  n = msg(b, PINHOLE_PPTP_OUT_CALL_REQUEST, 0x2020, 0, 0);
  assert_int_equal(c_send(&u, b, n, NULL), 0); /* not translated */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_PPTP), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_DESYNC), 2);
  assert_true(t_has_event(t, "not a PPTP session start"));
  char *l = t_listing(t);
  assert_null(strstr(l, "GRE"));
  free(l);
  t_ctx_del(t);
}

/* Refused (dropped, counted "dropped untranslated"): a message from the
 * wrong side, a reply for no known call, a call ID collision (the server
 * gives the same call ID to two calls of one client), a clear for no
 * call, too many calls. */
static void test_pptp_refused(void **state) {
  (void)state;
  tctx *t = pptp_ctx(0);
  psess s, s2;
  p_open(&s, t, CLI, 40050);
  p_start(&s);
  uint8_t b[256];
  /* the server sends an Outgoing-Call-Request */
  size_t n = msg(b, PINHOLE_PPTP_OUT_CALL_REQUEST, 0x0aaa, 0, 0);
  assert_int_equal(s_send(&s, b, n, NULL), PINHOLE_VERDICT_DROP);
  /* a reply naming a call nobody asked for */
  n = msg(b, PINHOLE_PPTP_OUT_CALL_REPLY, 0x0500, 0x9999, 1);
  assert_int_equal(s_send(&s, b, n, NULL), PINHOLE_VERDICT_DROP);
  /* a clear for no call */
  n = msg(b, PINHOLE_PPTP_CALL_CLEAR_REQUEST, 0x3333, 0, 0);
  assert_int_equal(c_send(&s, b, n, NULL), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 3);
  /* the same server call ID for two calls of one client: the second
   * reply collides */
  uint16_t p1 = p_call(&s, 0x0001, 0x0600);
  p_open(&s2, t, CLI, 40051);
  p_start(&s2);
  uint16_t p2 = p_ocrq(&s2, 0x0002);
  assert_int_not_equal(p1, p2);
  n = msg(b, PINHOLE_PPTP_OUT_CALL_REPLY, 0x0600, p2, 1);
  assert_int_equal(s_send(&s2, b, n, NULL), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "call ID collision"));
  /* the first call still works; the second has no flow */
  assert_int_equal(gre_up(t, CLI, PUB, 0x0600, 3 * SEC), 0);
  assert_int_equal(gre_down(t, PUB, p1, CLI, 0x0001, 3 * SEC), 0);
  /* too many calls on one control connection (3 at most) */
  p_call(&s, 0x0003, 0x0601);
  p_call(&s, 0x0004, 0x0602);
  n = msg(b, PINHOLE_PPTP_OUT_CALL_REQUEST, 0x0005, 0, 0);
  assert_int_equal(c_send(&s, b, n, NULL), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "too many calls on the control connection"));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_PPTP), 5);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 5);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 5);
  t_ctx_del(t);
}

/* An Outgoing-Call-Request cut at every length: withheld until whole,
 * then rewritten once (call ID 0x0042 is below the pool's range: it must
 * change); its retransmission is rewritten the same way. */
static void test_pptp_split_request(void **state) {
  (void)state;
  for (size_t cut = 1; cut < 168; cut++) {
    tctx *t = pptp_ctx(0);
    psess s;
    p_open(&s, t, CLI, 40060);
    p_start(&s);
    uint8_t b[256], w[256];
    size_t n = msg(b, PINHOLE_PPTP_OUT_CALL_REQUEST, 0x0042, 0x00ff, 0);
    tpkt p;
    seg(&p, CLI, 40060, SRV, 1723, s.cseq, s.sseq, b, cut);
    assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_HELD);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
    uint16_t pub = p_ocrq(&s, 0x0042);
    assert_true(pub >= 1024);
    memcpy(w, b, n);
    t_put16(w + 12, pub);
    s.cseq -= (uint32_t)n;
    assert_int_equal(c_send(&s, b, n, w), 0); /* resent */
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_NAT_PORTS), 0);
    t_ctx_del(t);
  }
}

/* ICMP errors quoting a call's GRE (RFC 5508 4.2): found by the quoted
 * packet's addresses and key call ID as it left, translated back with
 * exact bytes; a quote of no call, of the call's other direction, or of
 * GRE that is no PPTP data is dropped and counted by the ICMP ALG. */
static void test_pptp_icmp_quoting_gre(void **state) {
  (void)state;
  tctx *t = pptp_ctx(0);
  psess a, b;
  p_open(&a, t, CLI, 40001);
  p_open(&b, t, CLI2, 40003);
  p_start(&a);
  p_start(&b);
  uint16_t pa = p_call(&a, 0x4000, 0x0100);
  uint16_t pb = p_call(&b, 0x4000, 0x0207);
  assert_int_equal(pa, 0x4000);
  assert_int_not_equal(pb, 0x4000);
  const uint32_t router = IP4(198, 19, 0, 77), in_router = IP4(198, 18, 0, 9);
  tpkt q, err, want, wq;
  /* fragmentation needed from a router outside, about CLI2's GRE as it
   * left (PUB -> SRV, key 0x0207): to CLI2, the quote from CLI2 */
  gre(&q, PUB, SRV, 0x0207, 7, "\xff\x03up");
  t_icmp_err(&err, router, PUB, 3, 4, q.b, 28);
  t_put16(err.b + 26, 1400); /* next-hop MTU */
  t_fix(&err);
  gre(&wq, CLI2, SRV, 0x0207, 7, "\xff\x03up");
  t_icmp_err(&want, router, CLI2, 3, 4, wq.b, 28);
  t_put16(want.b + 26, 1400);
  t_fix(&want);
  assert_int_equal(t_out(t, &err, 3 * SEC), 0);
  assert_int_equal(err.p.len, want.p.len);
  assert_memory_equal(err.b, want.b, want.p.len);
  t_check_cksums(&err);
  /* protocol unreachable from CLI2 itself about the server's GRE as it
   * reached CLI2 (SRV -> CLI2, key 0x4000): to the server from PUB, the
   * quote to PUB with the public call ID */
  gre(&q, SRV, CLI2, 0x4000, 9,
      "\xff\x03"
      "down");
  t_icmp_err(&err, CLI2, SRV, 3, 2, q.b, 38);
  gre(&wq, SRV, PUB, pb, 9,
      "\xff\x03"
      "down");
  t_icmp_err(&want, PUB, SRV, 3, 2, wq.b, 38);
  assert_int_equal(t_in(t, &err, 3 * SEC), 0);
  assert_int_equal(err.p.len, want.p.len);
  assert_memory_equal(err.b, want.b, want.p.len);
  /* the same from a router inside: its own address kept */
  t_icmp_err(&err, in_router, SRV, 11, 0, q.b, 28);
  t_icmp_err(&want, in_router, SRV, 11, 0, wq.b, 28);
  assert_int_equal(t_in(t, &err, 3 * SEC), 0);
  assert_memory_equal(err.b, want.b, want.p.len);
  /* CLI's call: its call ID unchanged, only the quote's address */
  gre(&q, SRV, CLI, 0x4000, 9,
      "\xff\x03"
      "down");
  t_icmp_err(&err, CLI, SRV, 3, 2, q.b, 28);
  gre(&wq, SRV, PUB, pa, 9,
      "\xff\x03"
      "down");
  t_icmp_err(&want, PUB, SRV, 3, 2, wq.b, 28);
  assert_int_equal(t_in(t, &err, 3 * SEC), 0);
  assert_memory_equal(err.b, want.b, want.p.len);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 16, -1);
  /* hostile: a key of no call */
  gre(&q, PUB, SRV, 0x0999, 7, "\xff\x03up");
  t_icmp_err(&err, router, PUB, 3, 4, q.b, 28);
  assert_int_equal(t_out(t, &err, 3 * SEC), PINHOLE_VERDICT_DROP);
  /* the public call ID as if the quote had left to the server: the call
   * is filed only under the IDs its packets carry */
  gre(&q, PUB, SRV, pb, 7, "\xff\x03up");
  t_icmp_err(&err, router, PUB, 3, 4, q.b, 28);
  assert_int_equal(t_out(t, &err, 3 * SEC), PINHOLE_VERDICT_DROP);
  /* the right quote from the wrong side (inside) */
  gre(&q, PUB, SRV, 0x0207, 7, "\xff\x03up");
  t_icmp_err(&err, CLI, PUB, 3, 4, q.b, 28);
  assert_int_equal(t_in(t, &err, 3 * SEC), PINHOLE_VERDICT_DROP);
  /* GRE version 0 (no PPTP data): no call ID at all */
  gre(&q, PUB, SRV, 0x0207, 7, "\xff\x03up");
  q.b[21] = 0x00;
  t_fix(&q);
  t_icmp_err(&err, router, PUB, 3, 4, q.b, 28);
  assert_int_equal(t_out(t, &err, 3 * SEC), PINHOLE_VERDICT_DROP);
  /* addressed to another host than the quoted source */
  gre(&q, PUB, SRV, 0x0207, 7, "\xff\x03up");
  t_icmp_err(&err, router, IP4(198, 19, 0, 3), 3, 4, q.b, 28);
  assert_int_equal(t_out(t, &err, 3 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 16,
             PINHOLE_CNT_NEW_DISCARD, 4, PINHOLE_CNT_EXIST_DISCARD, 1,
             PINHOLE_CNT_ERR_ALG, 5, PINHOLE_CNT_ALG_ICMP, 5, -1);
  assert_true(t_has_event(t, "quote matches no flow"));
  /* expiry takes every key of the table, the calls' quoted ones too */
  assert_true(t->ctx->ft.count > 0);
  for (int i = 0; i < 64; i++)
    if (pinhole_tick(t->ctx, 1000000 * SEC) != PINHOLE_TICK_BUDGET)
      break;
  assert_int_equal(t->ctx->nconns, 0);
  assert_int_equal(t->ctx->ft.count, 0);
  t_ctx_del(t);
}

/* Failover (state sync, docs/ha.md): a call's Outgoing-Call-Request went
 * through A, its reply comes through B. The PPTP state names A's GRE flow
 * slot; B, whose slots differ (flows of its own came first), finds the
 * flow by its public call ID, and the client's GRE then passes. */
static void test_pptp_failover_reply_on_standby(void **state) {
  (void)state;
  tctx *a = pptp_ctx(0), *b = pptp_ctx(0);
  tpkt p;
  for (uint16_t i = 0; i < 3; i++) { /* B's own flows take the first slots */
    t_udp(&p, CLI3, (uint16_t)(999 + i), SRV, 5001, "b's own");
    assert_int_equal(t_in(b, &p, SEC), 0);
  }
  psess s;
  p_open(&s, a, CLI, 40020);
  p_start(&s);
  uint16_t pub = p_ocrq(&s, 0x4000);
  static uint8_t blob[8192];
  size_t len = 0;
  uint64_t next;
  assert_int_equal(
      pinhole_state_export(a->ctx, 2 * SEC, 0, blob, sizeof(blob), &len, &next),
      1);
  t_put16(blob + 6, 0); /* a delta: B keeps its own flow (and its slot) */
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 1);
  s.t = b;
  assert_int_equal(gre_up(b, CLI, PUB, 0x0500, 3 * SEC), PINHOLE_VERDICT_DROP);
  p_ocrp(&s, 0x0500, pub, 0x4000);
  assert_int_equal(gre_up(b, CLI, PUB, 0x0500, 3 * SEC), 0);
  assert_int_equal(gre_down(b, PUB, pub, CLI, 0x4000, 3 * SEC), 0);
  assert_int_equal(t_cnt(b, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(a);
  t_ctx_del(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pptp_three_clients),
      cmocka_unit_test(test_pptp_incoming_call_and_clear),
      cmocka_unit_test(test_pptp_gre_no_call_and_timeout),
      cmocka_unit_test(test_pptp_length_lies),
      cmocka_unit_test(test_pptp_unknown_type_and_no_start),
      cmocka_unit_test(test_pptp_refused),
      cmocka_unit_test(test_pptp_split_request),
      cmocka_unit_test(test_pptp_icmp_quoting_gre),
      cmocka_unit_test(test_pptp_failover_reply_on_standby),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FTP ALG scenarios, packet by packet: active (PORT, EPRT) and passive
 * (227, 229) sessions through source NAPT, with exact rewritten bytes,
 * sequence numbers on every later packet, pinholes used and expired, the
 * listing, counters, events and traces; and the hostile cases.
 */
#include "helpers.h"

#define CLI IP4(198, 18, 0, 100)
#define SRV OUT_HOST

typedef struct ftp_sess {
  tctx *t;
  uint32_t cseq, sseq; /* next seq as each endpoint numbers its bytes */
  uint32_t cseen;      /* next seq as the server sees the client's bytes */
} ftp_sess;

static void ftp_open(ftp_sess *s) {
  tpkt p;
  pinhole_pkt_view v;
  s->t = t_ctx();
  s->cseq = 100;
  s->sseq = 900;
  t_tcp(&p, CLI, 40000, SRV, 21, s->cseq++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(s->t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 40000);
  t_tcp(&p, SRV, 21, PUB, 40000, s->sseq++, s->cseq,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(s->t, &p, SEC), 0);
  t_tcp(&p, CLI, 40000, SRV, 21, s->cseq, s->sseq, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(s->t, &p, SEC), 0);
  const char *banner = "220 (vsFTPd 3.0.3)\r\n";
  t_tcp(&p, SRV, 21, PUB, 40000, s->sseq, s->cseq, PINHOLE_TCP_ACK, banner);
  assert_int_equal(t_out(s->t, &p, SEC), 0);
  t_payload_is(&p, banner);
  s->sseq += (uint32_t)strlen(banner);
  s->cseen = s->cseq;
}

/* Client sends line; check it leaves as want with seq shifted. */
static void ftp_client(ftp_sess *s, const char *line, const char *want,
                       uint64_t now) {
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, CLI, 40000, SRV, 21, s->cseq, s->sseq, PINHOLE_TCP_ACK, line);
  assert_int_equal(t_in(s->t, &p, now), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, s->cseen);
  assert_int_equal(v.ack, s->sseq);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  s->cseq += (uint32_t)strlen(line);
  s->cseen += (uint32_t)strlen(want);
}

/* Server sends line acknowledging what it has seen; check the client gets
 * want and an acknowledgment in its own numbering. */
static void ftp_server(ftp_sess *s, const char *line, const char *want,
                       uint64_t now) {
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, SRV, 21, PUB, 40000, s->sseq, s->cseen, PINHOLE_TCP_ACK, line);
  assert_int_equal(t_out(s->t, &p, now), 0);
  t_view(&p, &v);
  assert_int_equal(v.ack, s->cseq);
  assert_int_equal(v.dst, CLI);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  s->sseq += (uint32_t)strlen(line);
}

static void test_alg_ftp_active_port(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tctx *t = s.t;
  ftp_client(&s, "USER anonymous\r\n", "USER anonymous\r\n", SEC);
  ftp_server(&s, "331 Please specify the password.\r\n",
             "331 Please specify the password.\r\n", SEC);
  /* 198,18,0,100 -> 198,19,0,1: the line shrinks by 2 bytes */
  ftp_client(&s, "PORT 198,18,0,100,156,65\r\n", "PORT 198,19,0,1,156,65\r\n",
             2 * SEC);
  ftp_server(&s, "200 PORT command successful.\r\n",
             "200 PORT command successful.\r\n", 2 * SEC);
  ftp_client(&s, "RETR file\r\n", "RETR file\r\n", 2 * SEC);

  /* the server's data connection comes through the pinhole */
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, SRV, 20, PUB, 40001, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 3 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, CLI);
  assert_int_equal(v.dport, 40001);
  assert_int_equal(v.src, SRV);
  t_check_cksums(&p);
  t_tcp(&p, CLI, 40001, SRV, 20, 3000, 7001, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_in(t, &p, 3 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 40001);
  t_check_cksums(&p);
  t_tcp(&p, SRV, 20, PUB, 40001, 7001, 3001, PINHOLE_TCP_ACK, "DATA");
  assert_int_equal(t_out(t, &p, 3 * SEC), 0);
  ftp_server(&s, "226 Transfer complete.\r\n", "226 Transfer complete.\r\n",
             3 * SEC);
  ftp_client(&s, "QUIT\r\n", "QUIT\r\n", 3 * SEC);

  t_listing_is(t, "Conversation: ALG protocol: ftp\n"
                  "  Number of initiators: 2, Number of responders: 2\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP 198.18.0.100:40000 -> 198.19.0.2:21       Watch    I    "
                  "      6\n"
                  "    NAT source 198.18.0.100:40000 -> 198.19.0.1:40000\n"
                  "TCP 198.18.0.100:40001 -> 198.19.0.2:20       Forward  I    "
                  "      1\n"
                  "    NAT source 198.18.0.100:40001 -> 198.19.0.1:40001\n"
                  "TCP 198.19.0.2:21 -> 198.19.0.1:40000         Watch    O    "
                  "      5\n"
                  "    NAT dest 198.19.0.1:40000 -> 198.18.0.100:40000\n"
                  "TCP 198.19.0.2:20 -> 198.19.0.1:40001         Forward  O    "
                  "      2\n"
                  "    NAT dest 198.19.0.1:40001 -> 198.18.0.100:40001\n");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 12,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  assert_true(t_has_event(t, "PINHOLE_PINHOLE_CREATED: conv=1 proto=TCP "
                             "side=outside 198.19.0.2:0 -> 198.19.0.1:40001 "
                             "nat 198.19.0.2:0 -> 198.18.0.100:40001"));
  assert_true(t_has_event(t, "PINHOLE_PINHOLE_USED: conv=1"));
  assert_true(t_has_trace(t, "ftp ALG conv=1 message from inside seq=117 "
                             "ack=955 \"PORT 198,18,0,100,156,65\""));
  assert_true(t_has_trace(t, "ftp ALG conv=1 translated 198.18.0.100:40001 -> "
                             "198.19.0.1:40001"));
  assert_true(t_has_trace(t, "ftp ALG conv=1 pinhole created TCP "
                             "198.19.0.2:0 -> 198.19.0.1:40001 "
                             "lifetime=10000ms"));
  assert_true(t_has_trace(t, "ftp ALG conv=1 pinhole used TCP "
                             "198.19.0.2:20 -> 198.19.0.1:40001"));
  t_ctx_del(t);
}

/* Several PORT commands of different lengths: the delta accumulates and
 * every later segment (both directions) is numbered right. */
static void test_alg_ftp_delta_accumulates(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  ftp_client(&s, "PORT 198,18,0,100,156,65\r\n", "PORT 198,19,0,1,156,65\r\n",
             SEC);
  ftp_server(&s, "200 OK\r\n", "200 OK\r\n", SEC);
  ftp_client(&s, "EPRT |1|198.18.0.100|40002|\r\n",
             "EPRT |1|198.19.0.1|40002|\r\n", SEC);
  ftp_server(&s, "200 OK\r\n", "200 OK\r\n", SEC);
  ftp_client(&s, "PORT 198,18,0,100,156,67\r\n", "PORT 198,19,0,1,156,67\r\n",
             SEC);
  ftp_server(&s, "200 OK\r\n", "200 OK\r\n", SEC);
  ftp_client(&s, "NOOP\r\n", "NOOP\r\n", SEC);
  ftp_server(&s, "200 NOOP ok.\r\n", "200 NOOP ok.\r\n", SEC);
  assert_int_equal(s.cseq - s.cseen, 6); /* 3 rewrites of -2 bytes */
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 3);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(s.t);
}

static void test_alg_ftp_passive_227_and_229(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tctx *t = s.t;
  ftp_client(&s, "PASV\r\n", "PASV\r\n", SEC);
  ftp_server(&s, "227 Entering Passive Mode (198,19,0,2,117,48).\r\n",
             "227 Entering Passive Mode (198,19,0,2,117,48).\r\n", SEC);
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, CLI, 40010, SRV, 30000, 50, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 40010);
  assert_int_equal(v.dst, SRV);
  assert_int_equal(v.dport, 30000);
  t_check_cksums(&p);
  ftp_client(&s, "EPSV\r\n", "EPSV\r\n", 2 * SEC);
  ftp_server(&s, "229 Entering Extended Passive Mode (|||30001|)\r\n",
             "229 Entering Extended Passive Mode (|||30001|)\r\n", 2 * SEC);
  t_tcp(&p, CLI, 40011, SRV, 30001, 60, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  char *l = t_listing(t);
  assert_non_null(
      strstr(l, "Number of initiators: 3, Number of responders: 3"));
  assert_non_null(strstr(l, "TCP 198.18.0.100:40010 -> 198.19.0.2:30000    "
                            "Forward  I          1\n"
                            "    NAT source 198.18.0.100:40010 -> "
                            "198.19.0.1:40010\n"));
  assert_non_null(strstr(l, "TCP 198.18.0.100:40011 -> 198.19.0.2:30001    "
                            "Forward  I          1\n"));
  free(l);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 2);
  t_ctx_del(t);
}

/* An unused pinhole expires after 10 s of host time, with its event. */
static void test_alg_ftp_pinhole_expires(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tctx *t = s.t;
  ftp_client(&s, "PORT 198,18,0,100,156,65\r\n", "PORT 198,19,0,1,156,65\r\n",
             SEC);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.pinholes, 1);
  assert_int_equal(u.mappings, 2); /* control and announced data port */
  assert_int_equal(pinhole_tick(t->ctx, 10 * SEC), 0);
  assert_int_equal(pinhole_tick(t->ctx, 11 * SEC + SEC / 10), 1);
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.pinholes, 0);
  assert_int_equal(u.mappings, 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_EXPIRED), 1);
  assert_true(t_has_event(t, "PINHOLE_PINHOLE_EXPIRED: conv=1 proto=TCP "
                             "side=outside 198.19.0.2:0 -> 198.19.0.1:40001"));
  assert_true(t_has_trace(t, "ftp ALG conv=1 pinhole expired TCP "
                             "198.19.0.2:0 -> 198.19.0.1:40001"));
  /* the server connecting late finds the door shut */
  tpkt p;
  t_tcp(&p, SRV, 20, PUB, 40001, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 12 * SEC), PINHOLE_VERDICT_DROP);
  t_ctx_del(t);
}

/* FTP bounce / slipstreaming: a PORT naming another host opens nothing. */
static void test_alg_ftp_port_foreign_address_refused(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tctx *t = s.t;
  ftp_client(&s, "PORT 198,18,0,7,156,65\r\n", "PORT 198,18,0,7,156,65\r\n",
             SEC);
  ftp_client(&s, "PORT 198,18,0,100,0,22\r\n", "PORT 198,18,0,100,0,22\r\n",
             SEC);
  /* malformed and naming the client's inside address: it must not leave
   * (fail closed) */
  tpkt p;
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,256,1\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  ftp_server(&s, "227 Entering Passive Mode (198,19,0,99,117,48).\r\n",
             "227 Entering Passive Mode (198,19,0,99,117,48).\r\n", SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 4);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_FTP), 4);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_true(t_has_event(t, "PINHOLE_ALG_ERROR: conv=1"));
  assert_true(t_has_trace(t, "ftp ALG conv=1 error \"PORT 198,18,0,7,156,65"));
  t_ctx_del(t);
}

/* A PORT split across segments is held until the rest arrives, then
 * sent whole, rewritten, in the segment that completed it. */
static void test_alg_ftp_split_port_withheld(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tctx *t = s.t;
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  /* the rest completes it: the whole line goes in this segment */
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq + 14, s.sseq, PINHOLE_TCP_ACK,
        "100,156,65\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseen);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\n");
  t_check_cksums(&p);
  /* a retransmission of the whole line: rewritten the same way again */
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseen);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\n");
  s.cseq += 26;
  s.cseen += 24;
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  /* a complete line followed by a partial one: the partial is cut */
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK,
        "NOOP\r\nEPRT |1|198.18");
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, s.cseen);
  t_payload_is(&p, "NOOP\r\n");
  t_check_cksums(&p);
  s.cseq += 6;
  s.cseen += 6;
  ftp_client(&s, "EPRT |1|198.18.0.100|40005|\r\n",
             "EPRT |1|198.19.0.1|40005|\r\n", 2 * SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  /* an uninteresting split line passes at once */
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK, "NO");
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  t_ctx_del(t);
}

/* A retransmitted PORT segment is rewritten the same way again. */
static void test_alg_ftp_retransmitted_port(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  uint32_t seq = s.cseq, seen = s.cseen;
  ftp_client(&s, "PORT 198,18,0,100,156,65\r\n", "PORT 198,19,0,1,156,65\r\n",
             SEC);
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, CLI, 40000, SRV, 21, seq, s.sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_in(s.t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, seen);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\n");
  t_check_cksums(&p);
  ftp_client(&s, "NOOP\r\n", "NOOP\r\n", SEC);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  t_ctx_del(s.t);
}

/* A rewritten PORT and a withheld partial EPRT in one segment; the sender
 * resends the whole segment with the EPRT complete: the PORT is rewritten
 * the same way again (its correction was recorded the first time) and the
 * EPRT's correction is added, so later segments are numbered right. */
static void test_alg_ftp_resent_with_completed_command(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tpkt p;
  pinhole_pkt_view v;
  uint32_t seq = s.cseq, seen = s.cseen;
  t_tcp(&p, CLI, 40000, SRV, 21, seq, s.sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\nEPRT |1|198.18");
  assert_int_equal(t_in(s.t, &p, SEC), 0);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\n");
  t_tcp(&p, CLI, 40000, SRV, 21, seq, s.sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\nEPRT |1|198.18.0.100|40005|\r\n");
  assert_int_equal(t_in(s.t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, seen);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\nEPRT |1|198.19.0.1|40005|\r\n");
  t_check_cksums(&p);
  s.cseq += 26 + 29;
  s.cseen += 24 + 27;
  ftp_client(&s, "NOOP\r\n", "NOOP\r\n", SEC);
  ftp_server(&s, "200 ok\r\n", "200 ok\r\n", SEC);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(s.t);
}

/* A segment after a gap is held back (dropped) until the missing one has
 * passed: the ALG never sees the stream out of order. */
static void test_alg_ftp_out_of_order_dropped(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tpkt p;
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq + 6, s.sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_in(s.t, &p, SEC), PINHOLE_VERDICT_DROP);
  ftp_client(&s, "NOOP\r\n", "NOOP\r\n", SEC);
  ftp_client(&s, "PORT 198,18,0,100,156,65\r\n", "PORT 198,19,0,1,156,65\r\n",
             SEC);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_true(t_has_trace(s.t, "skipped \"out of order: dropped\""));
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_REASM_GAP), 1);
  t_ctx_del(s.t);
}

/* A server behind destination NAT: its 227 names its private address and
 * is rewritten to the public one (twice, so the delta in the server's
 * direction accumulates), while the outside client's PORT commands pass
 * as they are; every later segment is numbered right both ways. */
/* Issue 13's fail-open bug: a TAB after the verb is as good as a space to
 * the parser, so the split command must be withheld too (the glue asks
 * the parser's prefix test, it keeps no list of its own). */
static void test_alg_ftp_split_port_with_tab_withheld(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tctx *t = s.t;
  tpkt p;
  t_tcp(&p, CLI, 40000, SRV, 21, s.cseq, s.sseq, PINHOLE_TCP_ACK,
        "port\t198,18,0,");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  ftp_client(&s, "port\t198,18,0,100,156,65\r\n", "port\t198,19,0,1,156,65\r\n",
             2 * SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  t_ctx_del(t);
}

/* An FTP control connection that is not FTP opens nothing (NAT
 * slipstreaming): a browser posting attacker content to port 21 sends an
 * HTTP request whose body holds a PORT naming the client's port 3389, each
 * body line at a segment start; the first line is not FTP, so the
 * connection is desynchronised for good, counted, and passes untouched. */
static void test_alg_ftp_slipstream_http_post(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tctx *t = s.t;
  static const char *const segs[] = {
      "POST /upload HTTP/1.1\r\nHost: 198.19.0.2:21\r\n",
      "Content-Type: text/plain\r\nContent-Length: 60\r\n\r\n",
      "PORT 198,18,0,100,13,61\r\n", "EPRT |1|198.18.0.100|3389|\r\n"};
  for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
    ftp_client(&s, segs[i], segs[i], SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_DESYNC), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  assert_true(t_has_trace(t, "not the protocol"));
  /* nor does a 227 from the server open anything now */
  ftp_server(&s, "227 Entering Passive Mode (198,19,0,2,117,48).\r\n",
             "227 Entering Passive Mode (198,19,0,2,117,48).\r\n", SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(t);
}

/* Before the server's 220 nothing is FTP: a client that speaks first (the
 * browser of a slipstreaming attack does) is not honoured. */
static void test_alg_ftp_command_before_greeting(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  t_tcp(&p, CLI, 40000, SRV, 21, 99, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_tcp(&p, SRV, 21, PUB, 40000, 899, 100, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_tcp(&p, CLI, 40000, SRV, 21, 100, 900, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_payload_is(&p, "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(t);
}

/* A 227 inside a multi-line reply is the reply's text (RFC 959 4.2), and
 * a 227 or 229 sent by the client is not FTP: neither opens anything; the
 * client's is counted as a desynchronisation. */
static void test_alg_ftp_227_in_text_and_from_client(void **state) {
  (void)state;
  ftp_sess s;
  ftp_open(&s);
  tctx *t = s.t;
  const char *multi = "211-Features:\r\n"
                      "227 Entering Passive Mode (198,19,0,2,117,48).\r\n"
                      "211 End\r\n";
  ftp_server(&s, multi, multi, SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  ftp_server(&s, "227 Entering Passive Mode (198,19,0,2,117,49).\r\n",
             "227 Entering Passive Mode (198,19,0,2,117,49).\r\n", SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  ftp_client(&s, "227 Entering Passive Mode (198,18,0,100,117,50).\r\n",
             "227 Entering Passive Mode (198,18,0,100,117,50).\r\n", SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_DESYNC), 1);
  t_ctx_del(t);
}

static void test_alg_ftp_dnat_server_227(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "ftp-in");
  r.side = PINHOLE_SIDE_OUTSIDE;
  r.proto = PINHOLE_IPPROTO_TCP;
  r.dst_addr = PUB;
  r.dst_plen = 32;
  r.dport_lo = r.dport_hi = 21;
  r.nat = PINHOLE_NAT_DEST;
  r.nat_addr = IP4(198, 18, 0, 10);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  const uint32_t srv = IP4(198, 18, 0, 10), cli = OUT_HOST;
  uint32_t cs = 10, ss = 500, sseen = 501; /* sseen: client's view */
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, cli, 45000, PUB, 21, cs++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_tcp(&p, srv, 21, cli, 45000, ss++, cs, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  /* the greeting first: only then is the session FTP */
  const char *g = "220 ready\r\n";
  t_tcp(&p, srv, 21, cli, 45000, ss, cs, PINHOLE_TCP_ACK, g);
  assert_int_equal(t_in(t, &p, SEC), 0);
  ss += (uint32_t)strlen(g);
  sseen += (uint32_t)strlen(g);
  const char *r1 = "227 Entering Passive Mode (198,18,0,10,117,48).\r\n";
  const char *w1 = "227 Entering Passive Mode (198,19,0,1,117,48).\r\n";
  for (int round = 0; round < 2; round++) {
    t_tcp(&p, srv, 21, cli, 45000, ss, cs, PINHOLE_TCP_ACK, r1);
    assert_int_equal(t_in(t, &p, SEC), 0);
    t_view(&p, &v);
    assert_int_equal(v.seq, sseen);
    assert_int_equal(v.src, PUB);
    t_payload_is(&p, w1);
    t_check_cksums(&p);
    ss += (uint32_t)strlen(r1);
    sseen += (uint32_t)strlen(w1);
    /* the client acknowledges in its numbering; the server gets its own */
    t_tcp(&p, cli, 45000, PUB, 21, cs, sseen, PINHOLE_TCP_ACK, "PASV\r\n");
    assert_int_equal(t_out(t, &p, SEC), 0);
    t_view(&p, &v);
    assert_int_equal(v.ack, ss);
    assert_int_equal(v.dst, srv);
    t_check_cksums(&p);
    cs += 6;
  }
  assert_int_equal(ss - sseen, 2);
  /* the client's data connection reaches the server through the pinhole */
  t_tcp(&p, cli, 46000, PUB, 30000, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, srv);
  assert_int_equal(v.dport, 30000);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_ftp_active_port),
      cmocka_unit_test(test_alg_ftp_delta_accumulates),
      cmocka_unit_test(test_alg_ftp_passive_227_and_229),
      cmocka_unit_test(test_alg_ftp_pinhole_expires),
      cmocka_unit_test(test_alg_ftp_port_foreign_address_refused),
      cmocka_unit_test(test_alg_ftp_split_port_withheld),
      cmocka_unit_test(test_alg_ftp_retransmitted_port),
      cmocka_unit_test(test_alg_ftp_out_of_order_dropped),
      cmocka_unit_test(test_alg_ftp_resent_with_completed_command),
      cmocka_unit_test(test_alg_ftp_dnat_server_227),
      cmocka_unit_test(test_alg_ftp_split_port_with_tab_withheld),
      cmocka_unit_test(test_alg_ftp_slipstream_http_post),
      cmocka_unit_test(test_alg_ftp_command_before_greeting),
      cmocka_unit_test(test_alg_ftp_227_in_text_and_from_client),
  };
  return cmocka_run_group_tests_name("scenario.alg_ftp", tests, NULL, NULL);
}

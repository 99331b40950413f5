/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RTSP and TFTP ALG scenarios: exact rewritten bytes, media and transfer
 * pinholes, listings and counters.
 */
#include "helpers.h"

#define SRV OUT_HOST

typedef struct rtsp_sess {
  tctx *t;
  uint32_t cseq, sseq, cseen;
  uint32_t pub;   /* the control connection's public address */
  uint16_t pport; /* and port */
} rtsp_sess;

/* Opens the control connection on t, pool on pub (NULL: the usual
 * context, pool on PUB). */
static void rtsp_open_on(rtsp_sess *s, tctx *t, uint32_t pub) {
  tpkt p;
  s->t = t != NULL ? t : t_ctx();
  s->pub = pub;
  s->cseq = 1000;
  s->sseq = 5000;
  t_tcp(&p, IN_HOST, 41000, SRV, 554, s->cseq++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(s->t, &p, SEC), 0);
  pinhole_pkt_view v;
  t_view(&p, &v);
  assert_int_equal(v.src, pub);
  s->pport = v.sport;
  t_tcp(&p, SRV, 554, s->pub, s->pport, s->sseq++, s->cseq,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(s->t, &p, SEC), 0);
  s->cseen = s->cseq;
}

static void rtsp_open(rtsp_sess *s) {
  rtsp_open_on(s, NULL, PUB);
}

static void rtsp_client(rtsp_sess *s, const char *msg, const char *want) {
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, IN_HOST, 41000, SRV, 554, s->cseq, s->sseq, PINHOLE_TCP_ACK, msg);
  assert_int_equal(t_in(s->t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, s->cseen);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  s->cseq += (uint32_t)strlen(msg);
  s->cseen += (uint32_t)strlen(want);
}

static void rtsp_server(rtsp_sess *s, const char *msg, const char *want) {
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, SRV, 554, s->pub, s->pport, s->sseq, s->cseen, PINHOLE_TCP_ACK,
        msg);
  assert_int_equal(t_out(s->t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.ack, s->cseq);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  s->sseq += (uint32_t)strlen(msg);
}

/* Port 5001 is taken by another host first, so the client's pair 5000-5001
 * cannot be preserved: the ALG maps it to another even pair, rewrites the
 * SETUP, rewrites the reply back and lets the media in. */
static void test_alg_rtsp_setup_udp_pair(void **state) {
  (void)state;
  rtsp_sess s;
  rtsp_open(&s);
  tctx *t = s.t;
  tpkt p;
  pinhole_pkt_view v;
  t_udp(&p, IP4(198, 18, 0, 3), 5000, SRV, 9, "x"); /* takes public 5000 */
  assert_int_equal(t_in(t, &p, SEC), 0);

  rtsp_client(&s, "OPTIONS rtsp://198.19.0.2/test RTSP/1.0\r\nCSeq: 1\r\n\r\n",
              "OPTIONS rtsp://198.19.0.2/test RTSP/1.0\r\nCSeq: 1\r\n\r\n");
  rtsp_client(&s,
              "SETUP rtsp://198.19.0.2/test/stream=0 RTSP/1.0\r\n"
              "CSeq: 3\r\n"
              "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n",
              "SETUP rtsp://198.19.0.2/test/stream=0 RTSP/1.0\r\n"
              "CSeq: 3\r\n"
              "Transport: RTP/AVP;unicast;client_port=3090-3091\r\n\r\n");
  rtsp_server(&s,
              "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
              "Transport: RTP/AVP;unicast;client_port=3090-3091;"
              "server_port=6970-6971;ssrc=1A2B3C4D\r\n"
              "Session: 12345678\r\n\r\n",
              "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
              "Transport: RTP/AVP;unicast;client_port=5000-5001;"
              "server_port=6970-6971;ssrc=1A2B3C4D\r\n"
              "Session: 12345678\r\n\r\n");
  /* the media: RTP to 30000, RTCP to 30001 */
  t_udp(&p, SRV, 6970, PUB, 3090, "rtp");
  assert_int_equal(t_out(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.dport, 5000);
  t_check_cksums(&p);
  t_udp(&p, SRV, 6971, PUB, 3091, "rtcp");
  assert_int_equal(t_out(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dport, 5001);
  t_udp(&p, IN_HOST, 5001, SRV, 6971, "rr");
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 3091);

  char *l = t_listing(t);
  assert_non_null(strstr(l, "Conversation: ALG protocol: rtsp\n"
                            "  Number of initiators: 3, Number of "
                            "responders: 3\n"));
  assert_non_null(strstr(l, "UDP 198.18.0.2:5000 -> 198.19.0.2:6970        "
                            "Forward  I          0\n"
                            "    NAT source 198.18.0.2:5000 -> "
                            "198.19.0.1:3090\n"));
  assert_non_null(strstr(l, "UDP 198.19.0.2:6971 -> 198.19.0.1:3091        "
                            "Forward  O          1\n"
                            "    NAT dest 198.19.0.1:3091 -> "
                            "198.18.0.2:5001\n"));
  free(l);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 2);
  assert_true(t_has_trace(t, "rtsp ALG conv=1 parsed 198.18.0.2:5000 "
                             "\"client_port\""));
  assert_true(t_has_trace(t, "rtsp ALG conv=1 translated 198.18.0.2:5000 -> "
                             "198.19.0.1:3090"));
  assert_true(t_has_trace(t, "rtsp ALG conv=1 pinhole created UDP "
                             "198.19.0.2:0 -> 198.19.0.1:3091 "
                             "lifetime=10000ms"));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);
}

/* The client speaks first (ffmpeg's and rtspsrc's NAT punch packets): the
 * packet from the announced inside port takes its pinhole, and the data
 * flow joins the RTSP conversation instead of starting one of its own. */
static void test_alg_rtsp_client_sends_first(void **state) {
  (void)state;
  rtsp_sess s;
  rtsp_open(&s);
  tctx *t = s.t;
  const char *setup = "SETUP rtsp://198.19.0.2/a RTSP/1.0\r\nCSeq: 2\r\n"
                      "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"
                      "\r\n";
  rtsp_client(&s, setup, setup);
  tpkt p;
  pinhole_pkt_view v;
  t_udp(&p, IN_HOST, 5000, SRV, 6970, "punch");
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 5000);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 1);
  t_udp(&p, SRV, 6970, PUB, 5000, "rtp");
  assert_int_equal(t_out(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.dport, 5000);
  char *l = t_listing(t);
  assert_non_null(strstr(l, "Conversation: ALG protocol: rtsp\n"
                            "  Number of initiators: 2"));
  assert_null(strstr(l, "ALG protocol: none"));
  free(l);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.pinholes, 1); /* RTCP still pending */
  assert_int_equal(u.mappings, 3); /* control, RTP, RTCP */
  t_ctx_del(t);
}

/* No public port for the client's RTP/RTCP pair (a pool of two ports,
 * 20001-20002, one taken by the control connection: no even pair fits):
 * the SETUP is refused, fail closed, nothing stays mapped for it. */
static void test_alg_rtsp_no_client_port(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  const uint32_t pub = IP4(198, 19, 0, 7);
  rtsp_sess s;
  rtsp_open_on(&s, t_ctx_pool(&cfg, pub, pub, 20001, 20002), pub);
  tpkt p;
  const char *setup = "SETUP rtsp://198.19.0.2/a RTSP/1.0\r\nCSeq: 2\r\n"
                      "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"
                      "\r\n";
  t_tcp(&p, IN_HOST, 41000, SRV, 554, s.cseq, s.sseq, PINHOLE_TCP_ACK, setup);
  assert_int_equal(t_in(s.t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(s.t, "reason=\"no public port for client_port\""));
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(s.t->ctx, &u), 0);
  assert_int_equal(u.mappings, 1); /* the control connection's */
  assert_int_equal(u.pinholes, 0);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_RTSP, 1, PINHOLE_CNT_ALG_UNTRANSLATED, 1,
             PINHOLE_CNT_DROP_NAT_PORTS, 1, -1);
  t_ctx_del(s.t);
}

/* Interleaved transport needs no pinhole; a destination naming another
 * host opens nothing and is counted. */
static void test_alg_rtsp_interleaved_and_foreign_destination(void **state) {
  (void)state;
  rtsp_sess s;
  rtsp_open(&s);
  const char *il = "SETUP rtsp://198.19.0.2/a RTSP/1.0\r\nCSeq: 2\r\n"
                   "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n";
  rtsp_client(&s, il, il);
  const char *bad = "SETUP rtsp://198.19.0.2/b RTSP/1.0\r\nCSeq: 3\r\n"
                    "Transport: RTP/AVP;unicast;destination=198.19.0.66;"
                    "client_port=7000-7001\r\n\r\n";
  rtsp_client(&s, bad, bad);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_RTSP), 1);
  assert_true(
      t_has_event(s.t, "reason=\"destination address is not the client's\""));
  t_ctx_del(s.t);
}

/* Pipelined requests in one segment, and a body split over segments. */
static void test_alg_rtsp_pipelined_and_body(void **state) {
  (void)state;
  rtsp_sess s;
  rtsp_open(&s);
  rtsp_client(&s,
              "SET_PARAMETER rtsp://198.19.0.2/a RTSP/1.0\r\nCSeq: 4\r\n"
              "Content-Length: 10\r\n\r\nSETUP x\r\n\r\n"
              "SETUP rtsp://198.19.0.2/a RTSP/1.0\r\nCSeq: 5\r\n"
              "Transport: RTP/AVP;unicast;client_port=6000-6001\r\n\r\n",
              "SET_PARAMETER rtsp://198.19.0.2/a RTSP/1.0\r\nCSeq: 4\r\n"
              "Content-Length: 10\r\n\r\nSETUP x\r\n\r\n"
              "SETUP rtsp://198.19.0.2/a RTSP/1.0\r\nCSeq: 5\r\n"
              "Transport: RTP/AVP;unicast;client_port=6000-6001\r\n\r\n");
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  /* a body that continues in the next segment is skipped, not parsed */
  rtsp_client(&s,
              "ANNOUNCE rtsp://198.19.0.2/a RTSP/1.0\r\nCSeq: 6\r\n"
              "Content-Length: 40\r\n\r\nv=0\r\n",
              "ANNOUNCE rtsp://198.19.0.2/a RTSP/1.0\r\nCSeq: 6\r\n"
              "Content-Length: 40\r\n\r\nv=0\r\n");
  /* the rest of the body looks like a SETUP: it must not be parsed */
  rtsp_client(&s, "SETUP rtsp://q/ RTSP/1.0\r\naaaaaaa\r\n",
              "SETUP rtsp://q/ RTSP/1.0\r\naaaaaaa\r\n");
  rtsp_client(&s, "SETUP rtsp://x/ RTSP/1.0\r\nTransport: ;;;\r\n\r\n",
              "SETUP rtsp://x/ RTSP/1.0\r\nTransport: ;;;\r\n\r\n");
  /* the malformed Transport is counted; the body bytes were not parsed */
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_RTSP), 1);
  assert_true(t_has_event(s.t, "reason=\"malformed Transport header\""));
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  t_ctx_del(s.t);
}

/* A partial header block is withheld only when it could be a message:
 * a partial one of junk is passed, counted, and parsing stops. */
static void test_alg_rtsp_junk_not_withheld(void **state) {
  (void)state;
  rtsp_sess s;
  rtsp_open(&s);
  tpkt p;
  t_tcp(&p, IN_HOST, 41000, SRV, 554, s.cseq, s.sseq, PINHOLE_TCP_ACK,
        "SETUP rtsp://198.19.0.2/a RTSP/1.0\r\nCSe");
  assert_int_equal(t_in(s.t, &p, SEC), PINHOLE_VERDICT_HELD); /* held */
  /* other bytes where those are held: dropped, the held ones kept */
  const char *junk = "POST /upload HTTP/1.1 and then some more";
  t_tcp(&p, IN_HOST, 41000, SRV, 554, s.cseq, s.sseq, PINHOLE_TCP_ACK, junk);
  assert_int_equal(t_in(s.t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_REASM_CONFLICT), 1);
  t_ctx_del(s.t);
  /* not a start line the framer could accept: "HTTP/1.1" is no RTSP
   * version (the parser's prefix test, pinhole_rtsp_prefix, decides) */
  rtsp_open(&s);
  rtsp_client(&s, junk, junk);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_RTSP), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_REASM_HELD), 0);
  assert_true(t_has_event(s.t, "reason=\"not the start of an RTSP message\""));
  t_ctx_del(s.t);
}

/* TFTP: the read request opens a pinhole for the server's new port. */
static void test_alg_tftp_read_request(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  pinhole_pkt_view v;
  static const uint8_t rrq[] = "\0\1hello.txt\0octet\0blksize\0001024";
  t_udp_n(&p, IN_HOST, 43000, SRV, 69, rrq, sizeof(rrq));
  assert_int_equal(t_in(t, &p, SEC), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  static const uint8_t data[] = "\0\3\0\1hello";
  t_udp_n(&p, SRV, 51234, PUB, 43000, data, sizeof(data) - 1);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.dport, 43000);
  t_check_cksums(&p);
  static const uint8_t ack[] = "\0\4\0\1";
  t_udp_n(&p, IN_HOST, 43000, SRV, 51234, ack, 4);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 43000);
  t_listing_is(t, "Conversation: ALG protocol: tftp\n"
                  "  Number of initiators: 2, Number of responders: 2\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "UDP 198.18.0.2:43000 -> 198.19.0.2:69         Watch    I    "
                  "      1\n"
                  "    NAT source 198.18.0.2:43000 -> 198.19.0.1:43000\n"
                  "UDP 198.18.0.2:43000 -> 198.19.0.2:51234      Forward  I    "
                  "      1\n"
                  "    NAT source 198.18.0.2:43000 -> 198.19.0.1:43000\n"
                  "UDP 198.19.0.2:69 -> 198.19.0.1:43000         Watch    O    "
                  "      0\n"
                  "    NAT dest 198.19.0.1:43000 -> 198.18.0.2:43000\n"
                  "UDP 198.19.0.2:51234 -> 198.19.0.1:43000      Forward  O    "
                  "      1\n"
                  "    NAT dest 198.19.0.1:43000 -> 198.18.0.2:43000\n");
  /* malformed requests are counted and open nothing */
  static const uint8_t bad1[] = "\0\1nonul";
  t_udp_n(&p, IN_HOST, 43001, SRV, 69, bad1, sizeof(bad1) - 1);
  assert_int_equal(t_in(t, &p, SEC), 0);
  static const uint8_t bad2[] = "\0\1f\0morse\0";
  t_udp_n(&p, IN_HOST, 43002, SRV, 69, bad2, sizeof(bad2) - 1);
  assert_int_equal(t_in(t, &p, SEC), 0);
  static const uint8_t bad3[] = "\0\11f\0octet\0";
  t_udp_n(&p, IN_HOST, 43003, SRV, 69, bad3, sizeof(bad3) - 1);
  assert_int_equal(t_in(t, &p, SEC), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_TFTP), 3);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_rtsp_setup_udp_pair),
      cmocka_unit_test(test_alg_rtsp_no_client_port),
      cmocka_unit_test(test_alg_rtsp_client_sends_first),
      cmocka_unit_test(test_alg_rtsp_interleaved_and_foreign_destination),
      cmocka_unit_test(test_alg_rtsp_pipelined_and_body),
      cmocka_unit_test(test_alg_rtsp_junk_not_withheld),
      cmocka_unit_test(test_alg_tftp_read_request),
  };
  return cmocka_run_group_tests_name("scenario.alg_rtsp", tests, NULL, NULL);
}

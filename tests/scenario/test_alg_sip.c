/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIP ALG scenarios: an INVITE with SDP through source NAPT, the 200 OK
 * back, media through the pinholes, BYE closing them, REGISTER lifetime,
 * and NAT slipstreaming over TCP.
 */
#include "helpers.h"

#define ALICE IP4(198, 18, 0, 100)
#define BOB OUT_HOST

#define INVITE_HEAD(ip, port)                                                  \
  "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"                                      \
  "Via: SIP/2.0/UDP " ip ":5060;branch=z9hG4bK776asdhds\r\n"                   \
  "Max-Forwards: 70\r\n"                                                       \
  "To: Bob <sip:bob@198.19.0.2>\r\n"                                           \
  "From: Alice <sip:alice@" ip ">;tag=1928301774\r\n"                          \
  "Call-ID: a84b4c76e66710@" ip "\r\n"                                         \
  "CSeq: 314159 INVITE\r\n"                                                    \
  "Contact: <sip:alice@" ip ":5060>\r\n"                                       \
  "Content-Type: application/sdp\r\n"

#define OFFER(ip, port)                                                        \
  "v=0\r\n"                                                                    \
  "o=alice 2890844526 2890844526 IN IP4 " ip "\r\n"                            \
  "s=-\r\n"                                                                    \
  "c=IN IP4 " ip "\r\n"                                                        \
  "t=0 0\r\n"                                                                  \
  "m=audio " port " RTP/AVP 0\r\n"

#define OK_HEAD(ip)                                                            \
  "SIP/2.0 200 OK\r\n"                                                         \
  "Via: SIP/2.0/UDP " ip ":5060;branch=z9hG4bK776asdhds\r\n"                   \
  "To: Bob <sip:bob@198.19.0.2>;tag=a6c85cf\r\n"                               \
  "From: Alice <sip:alice@" ip ">;tag=1928301774\r\n"                          \
  "Call-ID: a84b4c76e66710@" ip "\r\n"                                         \
  "CSeq: 314159 INVITE\r\n"                                                    \
  "Contact: <sip:bob@198.19.0.2>\r\n"                                          \
  "Content-Type: application/sdp\r\n"

#define ANSWER                                                                 \
  "v=0\r\n"                                                                    \
  "o=bob 2808844564 2808844564 IN IP4 198.19.0.2\r\n"                          \
  "s=-\r\n"                                                                    \
  "c=IN IP4 198.19.0.2\r\n"                                                    \
  "t=0 0\r\n"                                                                  \
  "m=audio 30000 RTP/AVP 0\r\n"

static void sip_call(tctx *t) {
  char in[2048], want[2048];
  tpkt p;
  pinhole_pkt_view v;
  t_sip_msg(in, sizeof(in), INVITE_HEAD("198.18.0.100", "5060"),
            OFFER("198.18.0.100", "49170"));
  t_sip_msg(want, sizeof(want), INVITE_HEAD("198.19.0.1", "5060"),
            OFFER("198.19.0.1", "49170"));
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 5060);

  t_sip_msg(in, sizeof(in), OK_HEAD("198.19.0.1"), ANSWER);
  t_sip_msg(want, sizeof(want), OK_HEAD("198.18.0.100"), ANSWER);
  t_udp(&p, BOB, 5060, PUB, 5060, in);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_payload_is(&p, want);
  t_check_cksums(&p);
}

static void test_alg_sip_invite_through_napt(void **state) {
  (void)state;
  tctx *t = t_ctx();
  sip_call(t);
  /* media from the signalling peer comes in through the pinholes */
  tpkt p;
  pinhole_pkt_view v;
  t_udp(&p, BOB, 30000, PUB, 49170, "rtp");
  assert_int_equal(t_out(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, ALICE);
  assert_int_equal(v.dport, 49170);
  t_udp(&p, ALICE, 49170, BOB, 30000, "rtp back");
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 49170);
  /* from anyone else: nothing */
  t_udp(&p, IP4(198, 19, 0, 66), 30001, PUB, 49171, "rtcp");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_DROP);
  char *l = t_listing(t);
  assert_non_null(strstr(l, "Conversation: ALG protocol: sip\n"
                            "  Number of initiators: 2, Number of "
                            "responders: 2\n"));
  assert_non_null(strstr(l, "UDP 198.18.0.100:5060 -> 198.19.0.2:5060      "
                            "Watch    I          1\n"));
  assert_non_null(strstr(l, "UDP 198.19.0.2:30000 -> 198.19.0.1:49170      "
                            "Forward  O          1\n"
                            "    NAT dest 198.19.0.1:49170 -> "
                            "198.18.0.100:49170\n"));
  free(l);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  assert_true(t_has_trace(t, "sip ALG conv=1 translated 198.18.0.100:49170 -> "
                             "198.19.0.1:49170"));
  t_ctx_del(t);
}

/* BYE ends the dialog: pending pinholes close, media flows go soon. */
static void test_alg_sip_bye_closes(void **state) {
  (void)state;
  tctx *t = t_ctx();
  sip_call(t);
  tpkt p;
  t_udp(&p, BOB, 30000, PUB, 49170, "rtp");
  assert_int_equal(t_out(t, &p, 2 * SEC), 0);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.pinholes, 1); /* RTCP still pending */
  char bye[1024];
  t_sip_msg(bye, sizeof(bye),
            "BYE sip:bob@198.19.0.2 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 198.18.0.100:5060;branch=z9hG4bKnashds7\r\n"
            "To: Bob <sip:bob@198.19.0.2>;tag=a6c85cf\r\n"
            "From: Alice <sip:alice@198.18.0.100>;tag=1928301774\r\n"
            "Call-ID: a84b4c76e66710@198.18.0.100\r\n"
            "CSeq: 231 BYE\r\n",
            "");
  t_udp(&p, ALICE, 5060, BOB, 5060, bye);
  assert_int_equal(t_in(t, &p, 3 * SEC), 0);
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.pinholes, 0);
  assert_int_equal(u.flows, 2);
  pinhole_tick(t->ctx, 20 * SEC);
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.flows, 1); /* media gone, signalling stays */
  t_ctx_del(t);
}

/* REGISTER keeps the signalling flow (and mapping) for Expires. */
static void test_alg_sip_register_lifetime(void **state) {
  (void)state;
  tctx *t = t_ctx();
  char reg[1024];
  t_sip_msg(reg, sizeof(reg),
            "REGISTER sip:198.19.0.2 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 198.18.0.100:5060;branch=z9hG4bKnashds8\r\n"
            "To: <sip:alice@198.19.0.2>\r\n"
            "From: <sip:alice@198.19.0.2>;tag=456248\r\n"
            "Call-ID: 843817637684230@998sdasdh09\r\n"
            "CSeq: 1826 REGISTER\r\n"
            "Contact: <sip:alice@198.18.0.100>\r\n"
            "Expires: 1800\r\n",
            "");
  tpkt p;
  t_udp(&p, ALICE, 5060, BOB, 5060, reg);
  assert_int_equal(t_in(t, &p, SEC), 0);
  assert_true(t_contains(&p, "Contact: <sip:alice@198.19.0.1>"));
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_tick(t->ctx, 1000 * SEC); /* past the 300 s UDP timeout */
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.flows, 1);
  pinhole_tick(t->ctx, 1900 * SEC);
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.flows, 0);
  t_ctx_del(t);
}

/* NAT slipstreaming: an HTTP-like stream to port 5060 whose segment
 * boundary puts a REGISTER at a segment start opens nothing and is
 * counted. */
static void test_alg_sip_slipstream_refused(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  uint32_t cs = 100, ss = 900;
  t_tcp(&p, ALICE, 40000, BOB, 5060, cs++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_tcp(&p, BOB, 5060, PUB, 40000, ss++, cs, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  const char *seg1 = "POST /x HTTP/1.1\r\nHost: 198.19.0.2:5060\r\n"
                     "Content-Length: 400\r\n\r\naaaaaaaaaaaaaaaaaaaaaaaa";
  t_tcp(&p, ALICE, 40000, BOB, 5060, cs, ss, PINHOLE_TCP_ACK, seg1);
  assert_int_equal(t_in(t, &p, SEC), 0);
  cs += (uint32_t)strlen(seg1);
  const char *seg2 =
      "REGISTER sip:198.19.0.2 SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 198.18.0.100:1433;branch=z9hG4bKx\r\n"
      "To: <sip:a@198.19.0.2>\r\nFrom: <sip:a@198.19.0.2>;tag=1\r\n"
      "Call-ID: x\r\nCSeq: 1 REGISTER\r\n"
      "Contact: <sip:a@198.18.0.100:1433;transport=tcp>\r\n"
      "Content-Type: application/sdp\r\nContent-Length: 52\r\n\r\n"
      "v=0\r\nc=IN IP4 198.18.0.100\r\nm=audio 1433 RTP/AVP 0\r\n";
  t_tcp(&p, ALICE, 40000, BOB, 5060, cs, ss, PINHOLE_TCP_ACK, seg2);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_payload_is(&p, seg2); /* not parsed: not rewritten */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 1);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.mappings, 1);
  t_ctx_del(t);
}

/* A third-party media address is refused by default (direct media off). */
static void test_alg_sip_third_party_media_refused(void **state) {
  (void)state;
  tctx *t = t_ctx();
  char in[2048];
  t_sip_msg(in, sizeof(in), INVITE_HEAD("198.18.0.100", "5060"),
            OFFER("198.18.0.55", "49170"));
  tpkt p;
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 1);
  /* a low media port is refused too */
  t_sip_msg(in, sizeof(in), INVITE_HEAD("198.18.0.100", "5060"),
            OFFER("198.18.0.100", "554"));
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 2);
  t_ctx_del(t);
}

/* Fail closed (issue 14): what the ALG cannot translate does not leave.
 * An INVITE naming the inside address where no rule translates it (free
 * text), one with more media lines than pinholes allowed, one whose
 * Content-Length the datagram disagrees with: each dropped and counted;
 * keep-alive blanks pass and are no error; the rewrite is traced. */
static void test_alg_sip_fail_closed(void **state) {
  (void)state;
  tctx *t = t_ctx();
  char in[4096], body[2048];
  tpkt p;
  /* a Subject naming the inside address: no header rule translates it */
  t_sip_msg(
      in, sizeof(in),
      INVITE_HEAD("198.18.0.100", "5060") "Subject: from 198.18.0.100\r\n",
      OFFER("198.18.0.100", "49170"));
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "reason=\"inside address left untranslated\""));
  /* 17 media lines, the limit is 16 */
  size_t n = (size_t)snprintf(body, sizeof(body), "%s",
                              OFFER("198.18.0.100", "49170"));
  for (int i = 0; i < 16; i++)
    n += (size_t)snprintf(body + n, sizeof(body) - n,
                          "m=audio %d RTP/AVP 0\r\n", 49172 + 2 * i);
  t_sip_msg(in, sizeof(in), INVITE_HEAD("198.18.0.100", "5060"), body);
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_PINHOLE_FULL), 1);
  /* a Content-Length longer than the datagram's body */
  snprintf(in, sizeof(in), "%sContent-Length: 500\r\n\r\n%s",
           INVITE_HEAD("198.18.0.100", "5060"), OFFER("198.18.0.100", "49170"));
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* keep-alives: no error */
  t_udp(&p, ALICE, 5060, BOB, 5060, "\r\n\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_EXIST_DISCARD, 2,
             PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_ERR_ALG, 3,
             PINHOLE_CNT_ALG_SIP, 3, PINHOLE_CNT_ALG_UNTRANSLATED, 3,
             PINHOLE_CNT_DROP_PINHOLE_FULL, 1, -1);
  /* a good INVITE passes translated, and the rewrite is traced */
  sip_call(t);
  assert_true(t_has_trace(t, "Via 1, Contact 1, From/To 1"));
  t_ctx_del(t);
}

/* No public port for a media stream (a pool of two ports, 40001-40002,
 * one taken by the signalling): an RTP/RTCP pair cannot be mapped, so
 * the INVITE is refused (its m= port would leave untranslated), its
 * mappings given back; a single port (odd, no RTCP pair) still gets the
 * last one, and the m= line is rewritten to it. */
static void test_alg_sip_no_media_port(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  const uint32_t pub = IP4(198, 19, 0, 9);
  tctx *t = t_ctx_pool(&cfg, pub, pub, 40001, 40002);
  char in[2048], want[2048];
  tpkt p;
  pinhole_pkt_view v;
  t_sip_msg(in, sizeof(in), INVITE_HEAD("198.18.0.100", "5060"),
            OFFER("198.18.0.100", "49170"));
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "reason=\"no public port for media\""));
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.mappings, 1); /* the signalling's only */
  assert_int_equal(u.pinholes, 0);
  /* an odd port: no pair wanted, the last public port */
  t_sip_msg(in, sizeof(in), INVITE_HEAD("198.18.0.100", "5060"),
            OFFER("198.18.0.100", "49171"));
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, pub);
  /* the signalling took 40001 (the seed's pick), the media gets 40002:
   * the port changes, From gains it (its URI had none) */
  assert_int_equal(v.sport, 40001);
  t_sip_msg(want, sizeof(want),
            "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 198.19.0.9:40001;branch=z9hG4bK776asdhds\r\n"
            "Max-Forwards: 70\r\n"
            "To: Bob <sip:bob@198.19.0.2>\r\n"
            "From: Alice <sip:alice@198.19.0.9:40001>;tag=1928301774\r\n"
            "Call-ID: a84b4c76e66710@198.19.0.9\r\n"
            "CSeq: 314159 INVITE\r\n"
            "Contact: <sip:alice@198.19.0.9:40001>\r\n"
            "Content-Type: application/sdp\r\n",
            OFFER("198.19.0.9", "40002"));
  t_payload_is(&p, want);
  t_check_cksums(&p);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.mappings, 2);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_SIP, 1,
             PINHOLE_CNT_ALG_UNTRANSLATED, 1, PINHOLE_CNT_DROP_NAT_PORTS, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, -1);
  t_ctx_del(t);
}

/* The operator may choose to pass what cannot be translated, counted. */
static void test_alg_sip_pass_untranslated_by_choice(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 256;
  cfg.seed = 3;
  cfg.flags |= PINHOLE_CFG_ALG_PASS_UNTRANSLATED;
  tctx *t = t_ctx_cfg(&cfg);
  char in[4096];
  tpkt p;
  t_sip_msg(
      in, sizeof(in),
      INVITE_HEAD("198.18.0.100", "5060") "Subject: from 198.18.0.100\r\n",
      OFFER("198.18.0.100", "49170"));
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
  t_ctx_del(t);
}

/* A multipart/mixed INVITE (RFC 2046): the SDP part is translated, the
 * other part and the boundaries are kept byte for byte. */
static void test_alg_sip_multipart_invite(void **state) {
  (void)state;
  tctx *t = t_ctx();
  char in[4096], want[4096];
#define MP_HEAD                                                                \
  "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"                                      \
  "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK9\r\n"                               \
  "From: <sip:alice@%s:5060>;tag=9\r\n"                                        \
  "To: <sip:bob@198.19.0.2>\r\n"                                               \
  "Call-ID: 77@x\r\nCSeq: 1 INVITE\r\n"                                        \
  "Content-Type: multipart/mixed;boundary=b1\r\n"                              \
  "Content-Length: %zu\r\n\r\n%s"
#define MP_BODY                                                                \
  "--b1\r\nContent-Type: application/sdp\r\n\r\n"                              \
  "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\n"                         \
  "t=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"                                       \
  "--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n"                          \
  "--b1--\r\n"
  char b_in[512], b_want[512];
  snprintf(b_in, sizeof(b_in), MP_BODY, "198.18.0.100", "198.18.0.100");
  snprintf(b_want, sizeof(b_want), MP_BODY, "198.19.0.1", "198.19.0.1");
  snprintf(in, sizeof(in), MP_HEAD, "198.18.0.100", "198.18.0.100",
           strlen(b_in), b_in);
  snprintf(want, sizeof(want), MP_HEAD, "198.19.0.1", "198.19.0.1",
           strlen(b_want), b_want);
  tpkt p;
  t_udp(&p, ALICE, 5060, BOB, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_sip_invite_through_napt),
      cmocka_unit_test(test_alg_sip_bye_closes),
      cmocka_unit_test(test_alg_sip_register_lifetime),
      cmocka_unit_test(test_alg_sip_slipstream_refused),
      cmocka_unit_test(test_alg_sip_third_party_media_refused),
      cmocka_unit_test(test_alg_sip_fail_closed),
      cmocka_unit_test(test_alg_sip_no_media_port),
      cmocka_unit_test(test_alg_sip_pass_untranslated_by_choice),
      cmocka_unit_test(test_alg_sip_multipart_invite),
  };
  return cmocka_run_group_tests_name("scenario.alg_sip", tests, NULL, NULL);
}

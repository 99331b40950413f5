/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIP ALG scenarios: an INVITE with SDP through source NAPT, the 200 OK
 * back, media through the pinholes, BYE closing them, REGISTER lifetime,
 * NAT slipstreaming over TCP, the user agent's listening port (TCP and
 * UDP), sips: URIs and TLS.
 */
#include "helpers.h"
#include "state_util.h"

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

/* ---- SIP over TCP: the user agent's listening port (RFC 3261 sec. 18) ---
 *
 * The connection leaves from an ephemeral port (cport) while the UA names
 * its listening port 5060 (or no port) in Via, From and To; its Contact
 * names the connection's port (as some UAs do). Outbound the 5060 ones
 * become the pool address's 5060, the connection's port the public port
 * P; inbound, in the server's responses and requests on the connection,
 * both come back as the UA wrote them. */

#define TCP_POOL_LO 40000
#define TCP_POOL_HI 40009

/* The client's INVITE over TCP as written by host (the UA's address),
 * vport (its Via's port), cport (its Contact's port), the SDP at
 * host:mport. */
static void tcp_invite_v(char *b, size_t n, const char *host, unsigned vport,
                         unsigned cport, unsigned mport) {
  char head[1024], body[512], port[8];
  snprintf(head, sizeof(head),
           "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
           "Via: SIP/2.0/TCP %s:%u;branch=z9hG4bKtcp1;rport\r\n"
           "Max-Forwards: 70\r\n"
           "To: Bob <sip:bob@198.19.0.2>\r\n"
           "From: Alice <sip:alice@%s>;tag=1928301774\r\n"
           "Call-ID: a84b4c76e66710@%s\r\n"
           "CSeq: 314159 INVITE\r\n"
           "Contact: <sip:alice@%s:%u;transport=tcp>\r\n"
           "Content-Type: application/sdp\r\n",
           host, vport, host, host, host, cport);
  snprintf(port, sizeof(port), "%u", mport);
  snprintf(body, sizeof(body), OFFER("%s", "%s"), host, host, port);
  t_sip_msg(b, n, head, body);
}

static void tcp_invite(char *b, size_t n, const char *host, unsigned cport,
                       unsigned mport) {
  tcp_invite_v(b, n, host, 5060, cport, mport);
}

/* The server's 200 OK: its top Via echoes the UA's sent-by
 * (host:vport) with rport= and received= (RFC 3581) naming rhost:rport. */
static void tcp_ok_v(char *b, size_t n, const char *host, unsigned vport,
                     const char *rhost, unsigned rport) {
  char head[1024];
  snprintf(head, sizeof(head),
           "SIP/2.0 200 OK\r\n"
           "Via: SIP/2.0/TCP %s:%u;branch=z9hG4bKtcp1;rport=%u;"
           "received=%s\r\n"
           "To: Bob <sip:bob@198.19.0.2>;tag=a6c85cf\r\n"
           "From: Alice <sip:alice@%s>;tag=1928301774\r\n"
           "Call-ID: a84b4c76e66710@%s\r\n"
           "CSeq: 314159 INVITE\r\n"
           "Contact: <sip:bob@198.19.0.2;transport=tcp>\r\n"
           "Content-Type: application/sdp\r\n",
           host, vport, rport, rhost, host, host);
  t_sip_msg(b, n, head, ANSWER);
}

static void tcp_ok(char *b, size_t n, const char *host, const char *rhost,
                   unsigned rport) {
  tcp_ok_v(b, n, host, 5060, rhost, rport);
}

/* The server's BYE back on the connection, to the UA's Contact
 * host:cport; its own Via and another host's 5060 below it. */
static void tcp_bye(char *b, size_t n, const char *host, unsigned cport) {
  char head[1024];
  snprintf(head, sizeof(head),
           "BYE sip:alice@%s:%u;transport=tcp SIP/2.0\r\n"
           "Via: SIP/2.0/TCP 198.19.0.2:5060;branch=z9hG4bKsrv1\r\n"
           "Via: SIP/2.0/TCP 198.19.0.9:5060;branch=z9hG4bKother\r\n"
           "Max-Forwards: 69\r\n"
           "To: Alice <sip:alice@%s>;tag=1928301774\r\n"
           "From: Bob <sip:bob@198.19.0.2>;tag=a6c85cf\r\n"
           "Call-ID: a84b4c76e66710@%s\r\n"
           "CSeq: 1 BYE\r\n",
           host, cport, host, host);
  t_sip_msg(b, n, head, "");
}

/* The UA's 200 OK to it: the Vias stay, To and Contact (the listening
 * port lport written out) are the UA's. */
static void tcp_bye_ok_v(char *b, size_t n, const char *host, unsigned lport) {
  char head[1024];
  snprintf(head, sizeof(head),
           "SIP/2.0 200 OK\r\n"
           "Via: SIP/2.0/TCP 198.19.0.2:5060;branch=z9hG4bKsrv1\r\n"
           "Via: SIP/2.0/TCP 198.19.0.9:5060;branch=z9hG4bKother\r\n"
           "To: Alice <sip:alice@%s>;tag=1928301774\r\n"
           "From: Bob <sip:bob@198.19.0.2>;tag=a6c85cf\r\n"
           "Call-ID: a84b4c76e66710@%s\r\n"
           "CSeq: 1 BYE\r\n"
           "Contact: <sip:alice@%s:%u;transport=tcp>\r\n",
           host, host, host, lport);
  t_sip_msg(b, n, head, "");
}

static void tcp_bye_ok(char *b, size_t n, const char *host) {
  tcp_bye_ok_v(b, n, host, 5060);
}

/* The m= port of an output message p (IPv4, TCP). */
static unsigned tcp_mport(const tpkt *p) {
  pinhole_pkt_view v;
  t_view(p, &v);
  const char *s = (const char *)p->b + (p->p.len - v.payload_len);
  const char *m = NULL;
  for (size_t i = 0; i + 8 <= v.payload_len; i++)
    if (memcmp(s + i, "m=audio ", 8) == 0)
      m = s + i + 8;
  assert_non_null(m);
  return (unsigned)strtoul(m, NULL, 10);
}

static size_t tcp_plen(const tpkt *p) {
  pinhole_pkt_view v;
  t_view(p, &v);
  return v.payload_len;
}

/* ua:cport -> BOB:dport through pool (ISNs C and S): the public port. */
static uint16_t tcp_open_to(tctx *t, uint32_t ua, uint16_t cport,
                            uint16_t dport, uint32_t pool, uint32_t C,
                            uint32_t S) {
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, ua, cport, BOB, dport, C, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, pool);
  uint16_t P = v.sport;
  assert_true(P >= TCP_POOL_LO && P <= TCP_POOL_HI && P != cport);
  t_tcp(&p, BOB, dport, pool, P, S, C + 1, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, ua, cport, BOB, dport, C + 1, S + 1, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  return P;
}

static uint16_t tcp_open(tctx *t, uint16_t cport, uint32_t pool, uint32_t C,
                         uint32_t S) {
  return tcp_open_to(t, ALICE, cport, 5060, pool, C, S);
}

static tctx *tcp_ctx(uint32_t pool, uint16_t lo, uint16_t hi) {
  pinhole_config cfg;
  t_cfg(&cfg);
  return t_ctx_pool(&cfg, pool, pool, lo, hi);
}

/* One call over TCP through pool from ALICE:cport: INVITE out, 200 OK
 * in, the server's BYE in on the same connection, the UA's 200 OK out;
 * every message byte for byte, then the server's media through the
 * pinhole. */
static void tcp_call(uint32_t pool, const char *pa, uint16_t cport) {
  tctx *t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  const uint32_t C = 1000, S = 7000;
  uint16_t P = tcp_open(t, cport, pool, C, S);
  char in[2048], want[2048];
  tpkt p;
  tcp_invite(in, sizeof(in), "198.18.0.100", cport, 49170);
  t_tcp(&p, ALICE, cport, BOB, 5060, C + 1, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  unsigned Q = tcp_mport(&p);
  assert_true(Q >= TCP_POOL_LO && Q < TCP_POOL_HI && (Q & 1) == 0);
  tcp_invite(want, sizeof(want), pa, P, Q);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  uint32_t l1 = (uint32_t)strlen(in), l2 = (uint32_t)tcp_plen(&p);
  if (cport < 10000)
    assert_true(l2 != l1); /* a 4-digit port became a 5-digit one */

  /* the 200 OK on the connection: the UA's own sent-by, rport, received */
  tcp_ok(in, sizeof(in), pa, pa, P);
  tcp_ok(want, sizeof(want), "198.18.0.100", "198.18.0.100", cport);
  t_tcp(&p, BOB, 5060, pool, P, S + 1, C + 1 + l2,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  pinhole_pkt_view v;
  t_view(&p, &v);
  assert_int_equal(v.dst, ALICE);
  assert_int_equal(v.dport, cport);
  uint32_t s1 = (uint32_t)strlen(in), s1c = (uint32_t)tcp_plen(&p);

  /* the server's request back on the connection */
  tcp_bye(in, sizeof(in), pa, P);
  tcp_bye(want, sizeof(want), "198.18.0.100", cport);
  t_tcp(&p, BOB, 5060, pool, P, S + 1 + s1, C + 1 + l2,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  uint32_t s2c = (uint32_t)tcp_plen(&p);

  /* the UA answers it: the Vias of the server and of 198.19.0.9 stay */
  tcp_bye_ok(in, sizeof(in), "198.18.0.100");
  tcp_bye_ok(want, sizeof(want), pa);
  t_tcp(&p, ALICE, cport, BOB, 5060, C + 1 + l1, S + 1 + s1c + s2c,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  t_view(&p, &v);
  assert_int_equal(v.src, pool);
  assert_int_equal(v.sport, P);
  assert_int_equal(v.seq, C + 1 + l2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  /* nothing was opened for the listening port: the pool's 5060 admits
   * nobody, from the server either */
  t_tcp(&p, BOB, 5070, pool, 5060, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 3 * SEC), PINHOLE_VERDICT_DROP);
  t_ctx_del(t);
}

static void test_alg_sip_tcp_listen_port(void **state) {
  (void)state;
  tcp_call(IP4(198, 19, 0, 7), "198.19.0.7", 9000);
  tcp_call(IP4(198, 19, 0, 200), "198.19.0.200", 41000);
}

/* The UA's REGISTER over TCP from ALICE:9000 with the given Via value
 * (sent-by and parameters). */
static void tcp_register(char *b, size_t n, const char *via, const char *host) {
  char head[1024];
  snprintf(head, sizeof(head),
           "REGISTER sip:198.19.0.2 SIP/2.0\r\n"
           "Via: SIP/2.0/TCP %s\r\n"
           "To: <sip:alice@198.19.0.2>\r\n"
           "From: <sip:alice@198.19.0.2>;tag=456248\r\n"
           "Call-ID: 843817637684230@998sdasdh09\r\n"
           "CSeq: 1826 REGISTER\r\n"
           "Contact: <sip:alice@%s;transport=tcp>\r\n"
           "Expires: 1800\r\n",
           via, host);
  t_sip_msg(b, n, head, "");
}

#define TRYING                                                                 \
  "SIP/2.0 100 Trying\r\n"                                                     \
  "Via: SIP/2.0/TCP 198.19.0.7:5o60;branch=z9hG4bKh1\r\n"                      \
  "To: <sip:alice@%s>\r\n"                                                     \
  "From: <sip:alice@198.19.0.2>;tag=456248\r\n"                                \
  "Call-ID: 843817637684230@998sdasdh09\r\n"                                   \
  "CSeq: 1826 REGISTER\r\n"                                                    \
  "Content-Length: 0\r\n\r\n"

#define REG_OK                                                                 \
  "SIP/2.0 200 OK\r\n"                                                         \
  "Via: SIP/2.0/TCP %s;branch=z9hG4bKh2;received=%s,"                          \
  " SIP/2.0/TCP 198.18.0.55:5060;branch=z9hG4bKh0\r\n"                         \
  "To: <sip:alice@198.19.0.2>;tag=9\r\n"                                       \
  "From: <sip:alice@198.19.0.2>;tag=456248\r\n"                                \
  "Call-ID: 843817637684230@998sdasdh09\r\n"                                   \
  "CSeq: 1826 REGISTER\r\n"                                                    \
  "Contact: <sip:alice@%s;transport=tcp>;expires=1800\r\n"                     \
  "Contact: <sip:alice@198.19.0.7:5061;transport=tcp>\r\n"                     \
  "Content-Length: 0\r\n\r\n"

/* Hostile and edge cases of the listening port over TCP, each on its own
 * connection: a port that is not a number (the inside address would
 * leave: refused); another inside host's 5060 in a lower Via (not the
 * UA's: left, the UA's own translated); the connection's own public port
 * 5060 (a pool of that one port: the UA's 5060 could not be told apart
 * from it on the way back, so it is left and the message refused). */
static void test_alg_sip_tcp_listen_hostile(void **state) {
  (void)state;
  const uint32_t pool = IP4(198, 19, 0, 7), C = 300, S = 900;
  char in[2048], want[2048];
  tpkt p;
  /* a port that is not a number */
  tctx *t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  uint16_t P = tcp_open(t, 9000, pool, C, S);
  tcp_register(in, sizeof(in), "198.18.0.100:50x0;branch=z9hG4bKh1",
               "198.18.0.100");
  t_tcp(&p, ALICE, 9000, BOB, 5060, C + 1, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "reason=\"inside address left untranslated\""));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_SIP, 1, PINHOLE_CNT_ALG_UNTRANSLATED, 1, -1);
  /* inbound, a pool sent-by whose port is not a number is left as it is
   * (the server's text, nothing of the inside leaks) */
  char ok[1024];
  snprintf(ok, sizeof(ok), TRYING, "198.19.0.7");
  snprintf(want, sizeof(want), TRYING, "198.18.0.100");
  t_tcp(&p, BOB, 5060, pool, P, S + 1, C + 1, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
        ok);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_ctx_del(t);

  /* another inside host's 5060 below the UA's own Via */
  t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  P = tcp_open(t, 9000, pool, C, S);
  tcp_register(in, sizeof(in),
               "198.18.0.100;branch=z9hG4bKh2,"
               " SIP/2.0/TCP 198.18.0.55:5060;branch=z9hG4bKh0",
               "198.18.0.100:5060");
  tcp_register(want, sizeof(want),
               "198.19.0.7;branch=z9hG4bKh2,"
               " SIP/2.0/TCP 198.18.0.55:5060;branch=z9hG4bKh0",
               "198.19.0.7:5060");
  t_tcp(&p, ALICE, 9000, BOB, 5060, C + 1, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  /* the answer: the UA's sent-by (no port: 5060) and Contact back, the
   * other host's 5060 and the pool's 5061 (not the UA's) left */
  char o1[1024], o2[1024];
  snprintf(o1, sizeof(o1), REG_OK, "198.19.0.7", "198.19.0.7",
           "198.19.0.7:5060");
  snprintf(o2, sizeof(o2), REG_OK, "198.18.0.100", "198.18.0.100",
           "198.18.0.100:5060");
  t_tcp(&p, BOB, 5060, pool, P, S + 1, C + 1 + (uint32_t)strlen(want),
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, o1);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, o2);
  t_check_cksums(&p);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);

  /* the connection's own public port is 5060 */
  t = tcp_ctx(pool, 5060, 5060);
  t_tcp(&p, ALICE, 9000, BOB, 5060, C, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  pinhole_pkt_view v;
  t_view(&p, &v);
  assert_int_equal(v.sport, 5060);
  t_tcp(&p, BOB, 5060, pool, 5060, S, C + 1, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, ALICE, 9000, BOB, 5060, C + 1, S + 1, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  tcp_register(in, sizeof(in), "198.18.0.100:5060;branch=z9hG4bKh3",
               "198.18.0.100:9000");
  t_tcp(&p, ALICE, 9000, BOB, 5060, C + 1, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* naming the connection's port only, it leaves */
  tcp_register(in, sizeof(in), "198.18.0.100:9000;branch=z9hG4bKh4",
               "198.18.0.100:9000");
  tcp_register(want, sizeof(want), "198.19.0.7:5060;branch=z9hG4bKh4",
               "198.19.0.7:5060");
  t_tcp(&p, ALICE, 9000, BOB, 5060, C + 1, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  t_ctx_del(t);
}

/* The server's 200 OK over TCP split in two inside the UA's sent-by
 * ("198.19.0.7:50" | "60;..."): the first piece is held (its bare ACK
 * reaches the UA), the second makes the message whole and it reaches the
 * UA translated in one segment (lib/core/stream.c). */
static void test_alg_sip_tcp_listen_split(void **state) {
  (void)state;
  const uint32_t pool = IP4(198, 19, 0, 7), C = 2000, S = 5000;
  tctx *t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  uint16_t P = tcp_open(t, 9000, pool, C, S);
  char in[2048], want[2048];
  tpkt p;
  tcp_invite(in, sizeof(in), "198.18.0.100", 9000, 49170);
  t_tcp(&p, ALICE, 9000, BOB, 5060, C + 1, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint32_t l1 = (uint32_t)strlen(in), l2 = (uint32_t)tcp_plen(&p);
  tcp_ok(in, sizeof(in), "198.19.0.7", "198.19.0.7", P);
  tcp_ok(want, sizeof(want), "198.18.0.100", "198.18.0.100", 9000);
  size_t n = strlen(in), k = (size_t)(strstr(in, "0.7:5060;") - in) + 6;
  t_tcp_n(&p, BOB, 5060, pool, P, S + 1, C + 1 + l2, PINHOLE_TCP_ACK, in, k);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nelog, 1);
  assert_int_equal(t->elog_side[0], PINHOLE_SIDE_INSIDE);
  t_tcp_n(&p, BOB, 5060, pool, P, S + 1 + (uint32_t)k, C + 1 + l2,
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in + k, n - k);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  pinhole_pkt_view v;
  t_view(&p, &v);
  assert_int_equal(v.seq, S + 1);
  assert_int_equal(v.ack, C + 1 + l1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);
}

/* One call over TCP through pool from ua (text uat) connecting from
 * cport, listening on lport (not 5060): its INVITE's Via and Contact name
 * lport, learnt from that first request; INVITE out, 200 OK in, the
 * server's BYE to the Contact in on the connection, the UA's 200 OK out;
 * every message byte for byte. Nothing is admitted to the public lport. */
static void tcp_call_learnt(uint32_t pool, const char *pa, uint32_t ua,
                            const char *uat, uint16_t cport, uint16_t lport) {
  tctx *t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  const uint32_t C = 3000, S = 8000;
  uint16_t P = tcp_open_to(t, ua, cport, 5060, pool, C, S);
  char in[2048], want[2048];
  tpkt p;
  pinhole_pkt_view v;
  tcp_invite_v(in, sizeof(in), uat, lport, lport, 49170);
  t_tcp(&p, ua, cport, BOB, 5060, C + 1, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  unsigned Q = tcp_mport(&p);
  tcp_invite_v(want, sizeof(want), pa, lport, lport, Q);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  uint32_t l1 = (uint32_t)strlen(in), l2 = (uint32_t)tcp_plen(&p);

  /* the 200 OK: the UA's own sent-by with its listening port */
  tcp_ok_v(in, sizeof(in), pa, lport, pa, P);
  tcp_ok_v(want, sizeof(want), uat, lport, uat, cport);
  t_tcp(&p, BOB, 5060, pool, P, S + 1, C + 1 + l2,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  t_view(&p, &v);
  assert_int_equal(v.dst, ua);
  assert_int_equal(v.dport, cport);
  uint32_t s1 = (uint32_t)strlen(in), s1c = (uint32_t)tcp_plen(&p);

  /* the server's BYE to the UA's Contact, on the connection */
  tcp_bye(in, sizeof(in), pa, lport);
  tcp_bye(want, sizeof(want), uat, lport);
  t_tcp(&p, BOB, 5060, pool, P, S + 1 + s1, C + 1 + l2,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  uint32_t s2c = (uint32_t)tcp_plen(&p);

  /* the UA's answer names its listening port in Contact */
  tcp_bye_ok_v(in, sizeof(in), uat, lport);
  tcp_bye_ok_v(want, sizeof(want), pa, lport);
  t_tcp(&p, ua, cport, BOB, 5060, C + 1 + l1, S + 1 + s1c + s2c,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  t_view(&p, &v);
  assert_int_equal(v.src, pool);
  assert_int_equal(v.sport, P);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  /* the public lport admits nobody */
  t_tcp(&p, BOB, 5070, pool, lport, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 3 * SEC), PINHOLE_VERDICT_DROP);
  t_ctx_del(t);
}

static void test_alg_sip_tcp_listen_learnt(void **state) {
  (void)state;
  tcp_call_learnt(IP4(198, 19, 0, 7), "198.19.0.7", ALICE, "198.18.0.100", 9000,
                  5070);
  tcp_call_learnt(IP4(198, 19, 0, 200), "198.19.0.200", IP4(198, 18, 0, 23),
                  "198.18.0.23", 41000, 5062);
  tcp_call_learnt(IP4(198, 19, 0, 7), "198.19.0.7", IP4(198, 18, 0, 5),
                  "198.18.0.5", 33333, 15060);
}

/* A request from the UA with the given Via value and Contact URI,
 * CSeq n (its own Call-ID names host). */
static void tcp_req(char *b, size_t n, const char *via, const char *contact,
                    const char *host, unsigned cseq) {
  char head[1024];
  snprintf(head, sizeof(head),
           "OPTIONS sip:bob@198.19.0.2 SIP/2.0\r\n"
           "%s"
           "To: <sip:bob@198.19.0.2>\r\n"
           "From: <sip:alice@198.19.0.2>;tag=55\r\n"
           "Call-ID: opt%u@%s\r\n"
           "CSeq: %u OPTIONS\r\n"
           "Contact: <%s;transport=tcp>\r\n",
           via, cseq, host, cseq, contact);
  t_sip_msg(b, n, head, "");
}

/* Sends in from ALICE:9000 at stream offset *off; expects verdict and,
 * when it passes, want; *off and *soff advance. */
static void tcp_send(tctx *t, uint32_t pool, uint32_t C, uint32_t S,
                     uint32_t *off, const char *in, int verdict,
                     const char *want) {
  tpkt p;
  t_tcp(&p, ALICE, 9000, BOB, 5060, C + 1 + *off, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, SEC), verdict);
  if (verdict == PINHOLE_VERDICT_FORWARD) {
    t_payload_is(&p, want);
    t_check_cksums(&p);
    pinhole_pkt_view v;
    t_view(&p, &v);
    assert_int_equal(v.src, pool);
    *off += (uint32_t)strlen(in);
  }
}

#define VIA_TCP(x) "Via: SIP/2.0/TCP " x ";branch=z9hG4bKq\r\n"

/* Hostile listening ports over TCP, each on its own connection from
 * ALICE:9000 (pool 198.19.0.7): the first request decides and what it
 * named is kept for the connection's life; a port it cannot be (0, over
 * 65535, the connection's public port) is not learnt and a message
 * naming it is refused (the inside address would leave). */
static void test_alg_sip_tcp_listen_learnt_hostile(void **state) {
  (void)state;
  const uint32_t pool = IP4(198, 19, 0, 7), C = 500, S = 600;
  char in[2048], want[2048], v1[128];
  static const struct {
    const char *via; /* the first request's Via */
    int verdict;
  } first[] = {
      {VIA_TCP("198.18.0.100:0"), PINHOLE_VERDICT_DROP},
      {VIA_TCP("198.18.0.100:65536"), PINHOLE_VERDICT_DROP},
      /* repeated Via fields: the top one is learnt, the second's port
       * is not the UA's */
      {VIA_TCP("198.18.0.100:5070") VIA_TCP("198.18.0.100:5080"),
       PINHOLE_VERDICT_DROP},
  };
  for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
    tctx *t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
    (void)tcp_open(t, 9000, pool, C, S);
    uint32_t off = 0;
    tcp_req(in, sizeof(in), first[i].via, "sip:alice@198.18.0.100:5070",
            "198.18.0.100", 1);
    tcp_send(t, pool, C, S, &off, in, first[i].verdict, NULL);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_EXIST_DISCARD), 1);
    /* the same UA goes on with 5070: learnt from the first request
     * (5070) when it named it, else nothing: refused again */
    tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:5070"),
            "sip:alice@198.18.0.100:5070", "198.18.0.100", 2);
    tcp_req(want, sizeof(want), VIA_TCP("198.19.0.7:5070"),
            "sip:alice@198.19.0.7:5070", "198.19.0.7", 2);
    tcp_send(t, pool, C, S, &off, in,
             i == 2 ? PINHOLE_VERDICT_FORWARD : PINHOLE_VERDICT_DROP, want);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), i == 2 ? 1 : 2);
    t_ctx_del(t);
  }

  /* the connection's public port named as the listening port: it could
   * not be told from the connection's on the way back */
  tctx *t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  uint16_t P = tcp_open(t, 9000, pool, C, S);
  uint32_t off = 0;
  snprintf(v1, sizeof(v1), VIA_TCP("198.18.0.100:%u"), (unsigned)P);
  tcp_req(in, sizeof(in), v1, "sip:alice@198.18.0.100:9000", "198.18.0.100", 1);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_DROP, NULL);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  t_ctx_del(t);

  /* the connection's own port: nothing to learn, it is the connection's
   * endpoint; the port missing: 5060, the default */
  t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  P = tcp_open(t, 9000, pool, C, S);
  off = 0;
  snprintf(v1, sizeof(v1), VIA_TCP("198.19.0.7:%u"), (unsigned)P);
  char c1[64];
  snprintf(c1, sizeof(c1), "sip:alice@198.19.0.7:%u", (unsigned)P);
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:9000"),
          "sip:alice@198.18.0.100:9000", "198.18.0.100", 1);
  tcp_req(want, sizeof(want), v1, c1, "198.19.0.7", 1);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_FORWARD, want);
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100"), "sip:alice@198.18.0.100",
          "198.18.0.100", 2);
  tcp_req(want, sizeof(want), VIA_TCP("198.19.0.7"), "sip:alice@198.19.0.7",
          "198.19.0.7", 2);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_FORWARD, want);
  /* 5070 was never learnt on this connection */
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:5070"),
          "sip:alice@198.18.0.100:5070", "198.18.0.100", 3);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_DROP, NULL);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  t_ctx_del(t);

  /* learnt once: 5070 from the first request (its Contact: the Via
   * names the connection's port); a later 5080 is refused, and inbound
   * the public 5080 is left as the server wrote it */
  t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  P = tcp_open(t, 9000, pool, C, S);
  off = 0;
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:9000"),
          "sip:alice@198.18.0.100:5070", "198.18.0.100", 1);
  tcp_req(want, sizeof(want), v1, "sip:alice@198.19.0.7:5070", "198.19.0.7", 1);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_FORWARD, want);
  uint32_t ooff = (uint32_t)strlen(want); /* as the server numbers it */
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:5080"),
          "sip:alice@198.18.0.100:5080", "198.18.0.100", 2);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_DROP, NULL);
  tpkt p;
  tcp_req(in, sizeof(in), VIA_TCP("198.19.0.2:5060"),
          "sip:alice@198.19.0.7:5080", "198.19.0.2", 7);
  tcp_req(want, sizeof(want), VIA_TCP("198.19.0.2:5060"),
          "sip:alice@198.19.0.7:5080", "198.19.0.2", 7);
  t_tcp(&p, BOB, 5060, pool, P, S + 1, C + 1 + ooff,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  uint32_t soff = (uint32_t)strlen(in);
  tcp_req(in, sizeof(in), VIA_TCP("198.19.0.2:5060"),
          "sip:alice@198.19.0.7:5070", "198.19.0.2", 8);
  tcp_req(want, sizeof(want), VIA_TCP("198.19.0.2:5060"),
          "sip:alice@198.18.0.100:5070", "198.19.0.2", 8);
  t_tcp(&p, BOB, 5060, pool, P, S + 1 + soff, C + 1 + ooff,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, want);
  t_check_cksums(&p);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  t_ctx_del(t);
}

/* State sync carries the learnt port (docs/ha.md): the standby maps the
 * UA's 5070 as the active box does, for the server's request that comes
 * first after the failover and for the UA's next one; states the module
 * cannot have are refused. */
static void test_alg_sip_tcp_listen_failover(void **state) {
  (void)state;
  static uint8_t good[BLOB];
  const uint32_t pool = IP4(198, 19, 0, 7), C = 900, S = 1900;
  tctx *a = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  tctx *b = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  uint16_t P = tcp_open(a, 9000, pool, C, S);
  char in[2048], want[2048];
  uint32_t off = 0;
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:5070"),
          "sip:alice@198.18.0.100:5070", "198.18.0.100", 1);
  tcp_req(want, sizeof(want), VIA_TCP("198.19.0.7:5070"),
          "sip:alice@198.19.0.7:5070", "198.19.0.7", 1);
  tcp_send(a, pool, C, S, &off, in, PINHOLE_VERDICT_FORWARD, want);
  uint32_t ooff = (uint32_t)strlen(want); /* as the server numbers it */
  size_t len = export_full(a, 2 * SEC, NULL);
  memcpy(good, blob, len);
  /* the record: "sip", 4 bytes: seen, pad, the port (host order) */
  size_t at = rec_of(good, len, 7, 0);
  assert_int_equal(rec_len(good, at), 4 + 9);
  assert_memory_equal(good + at + 4, "\x03sip\x04\x01\x00", 7);
  uint16_t lp;
  memcpy(&lp, good + at + 11, 2);
  assert_int_equal(lp, 5070);
  flip(b, good, len, at, 5, 0x03, PINHOLE_ERR_PARSE); /* seen 2 */
  flip(b, good, len, at, 5, 0x01, PINHOLE_ERR_PARSE); /* a port, not seen */
  flip(b, good, len, at, 6, 0x01, PINHOLE_ERR_PARSE); /* pad */
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, good, len), 1);
  same_listing(a, b);
  tpkt p, o;
  tcp_req(in, sizeof(in), VIA_TCP("198.19.0.2:5060"),
          "sip:alice@198.19.0.7:5070", "198.19.0.2", 7);
  tcp_req(want, sizeof(want), VIA_TCP("198.19.0.2:5060"),
          "sip:alice@198.18.0.100:5070", "198.19.0.2", 7);
  t_tcp(&p, BOB, 5060, pool, P, S + 1, C + 1 + ooff,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_is(&o, want);
  uint32_t soff = (uint32_t)strlen(want); /* as the UA numbers it */
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:5070"),
          "sip:alice@198.18.0.100:5070", "198.18.0.100", 2);
  tcp_req(want, sizeof(want), VIA_TCP("198.19.0.7:5070"),
          "sip:alice@198.19.0.7:5070", "198.19.0.7", 2);
  t_tcp(&p, ALICE, 9000, BOB, 5060, C + 1 + off, S + 1 + soff,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_is(&o, want);
  assert_int_equal(t_cnt(b, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* sips: URIs in plaintext SIP over TCP (the address in them is rewritten
 * by the same rule, their default port being 5061) and TLS, which the
 * ALG does not watch unless a rule names it for the port. */
static void test_alg_sip_tcp_sips(void **state) {
  (void)state;
  const uint32_t pool = IP4(198, 19, 0, 200), C = 700, S = 800;
  char in[2048], want[2048];
  tctx *t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  (void)tcp_open(t, 9000, pool, C, S);
  uint32_t off = 0;
  /* learnt 5070: sips: with it translated, another host's left */
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:5070"),
          "sips:alice@198.18.0.100:5070", "198.18.0.100", 1);
  tcp_req(want, sizeof(want), VIA_TCP("198.19.0.200:5070"),
          "sips:alice@198.19.0.200:5070", "198.19.0.200", 1);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_FORWARD, want);
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:5070"), "sips:bob@198.18.0.55",
          "198.18.0.100", 2);
  tcp_req(want, sizeof(want), VIA_TCP("198.19.0.200:5070"),
          "sips:bob@198.18.0.55", "198.19.0.200", 2);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_FORWARD, want);
  /* sips: without a port is 5061, not one of the UA's here: refused */
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:5070"),
          "sips:alice@198.18.0.100", "198.18.0.100", 3);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_DROP, NULL);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  t_ctx_del(t);

  /* a Via TLS without a port: 5061 learnt, sips: without a port follows */
  t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  (void)tcp_open(t, 9000, pool, C, S);
  off = 0;
  tcp_req(in, sizeof(in), "Via: SIP/2.0/TLS 198.18.0.100;branch=z9hG4bKs\r\n",
          "sips:alice@198.18.0.100", "198.18.0.100", 1);
  tcp_req(want, sizeof(want),
          "Via: SIP/2.0/TLS 198.19.0.200;branch=z9hG4bKs\r\n",
          "sips:alice@198.19.0.200", "198.19.0.200", 1);
  tcp_send(t, pool, C, S, &off, in, PINHOLE_VERDICT_FORWARD, want);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);

  /* TLS to 5061: not watched by default, plaintext naming the inside
   * address passes as it is */
  t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  tpkt p;
  (void)tcp_open_to(t, ALICE, 9001, 5061, pool, C, S);
  tcp_req(in, sizeof(in), VIA_TCP("198.18.0.100:5070"),
          "sips:alice@198.18.0.100:5070", "198.18.0.100", 1);
  t_tcp(&p, ALICE, 9001, BOB, 5061, C + 1, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, in);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);
}

/* A rule that names the SIP ALG for TCP 5061 (TLS): the first record
 * is not SIP, the ALG stops watching that direction (counted once) and
 * every byte passes as it came, both ways. */
static void test_alg_sip_tls_watched(void **state) {
  (void)state;
  static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0x0a, 0x01,
                                  0x00, 0x00, 0x06, 0x03, 0x03, 0xc6,
                                  0x12, 0x00, 0x64, 0x0d, 0x0a};
  static const uint8_t server[] = {0x16, 0x03, 0x03, 0x00, 0x04, 0x02,
                                   0x00, 0x00, 0x00, 0x0d, 0x0a, 0x0d};
  static const uint8_t app[] = {0x17, 0x03, 0x03, 0x00, 0x05, 'S',
                                'I',  'P',  '/',  '2',  '\r', '\n'};
  const uint32_t pool = IP4(198, 19, 0, 7), C = 100, S = 200;
  tctx *t = tcp_ctx(pool, TCP_POOL_LO, TCP_POOL_HI);
  pinhole_rules_clear(t->ctx);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "sip-tls");
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.proto = PINHOLE_IPPROTO_TCP;
  r.dport_lo = r.dport_hi = 5061;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = t->pool;
  snprintf(r.alg, sizeof(r.alg), "sip");
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  tpkt p;
  pinhole_pkt_view v;
  uint16_t P = tcp_open_to(t, ALICE, 9002, 5061, pool, C, S);
  t_tcp_n(&p, ALICE, 9002, BOB, 5061, C + 1, S + 1,
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, (const char *)hello,
          sizeof(hello));
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_bytes_is(&p, hello, sizeof(hello));
  t_check_cksums(&p);
  t_tcp_n(&p, BOB, 5061, pool, P, S + 1, C + 1 + sizeof(hello),
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, (const char *)server,
          sizeof(server));
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_bytes_is(&p, server, sizeof(server));
  t_tcp_n(&p, ALICE, 9002, BOB, 5061, C + 1 + sizeof(hello),
          S + 1 + sizeof(server), PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
          (const char *)app, sizeof(app));
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_bytes_is(&p, app, sizeof(app));
  t_check_cksums(&p);
  t_view(&p, &v);
  assert_int_equal(v.seq, C + 1 + sizeof(hello));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_DESYNC), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_EXIST_DISCARD), 0);
  t_ctx_del(t);
}

/* SIP over UDP: a UA sending from 5060 whose Via names 5070 (RFC 3261
 * sec. 18.2.2: responses go to the sent-by port, or with rport, RFC 3581,
 * to the source port). Learnt from its first request like over TCP: the
 * public 5070 in Via and Contact, back to 5070 in the response (sent to
 * the source as rport asks) and in the server's request on the flow. */
static void test_alg_sip_udp_listen_learnt(void **state) {
  (void)state;
  static const struct {
    uint32_t pool, ua;
    const char *pa, *uat;
    uint16_t sport, lport;
  } k[] = {
      {IP4(198, 19, 0, 7), ALICE, "198.19.0.7", "198.18.0.100", 5060, 5070},
      {IP4(198, 19, 0, 200), IP4(198, 18, 0, 23), "198.19.0.200", "198.18.0.23",
       5062, 5060},
  };
  for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
    tctx *t = tcp_ctx(k[i].pool, TCP_POOL_LO, TCP_POOL_HI);
    char in[2048], want[2048], via[128], c[64];
    tpkt p;
    pinhole_pkt_view v;
#define VIA_UDP "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bKu1;rport\r\n"
    snprintf(via, sizeof(via), VIA_UDP, k[i].uat, (unsigned)k[i].lport);
    snprintf(c, sizeof(c), "sip:alice@%s:%u", k[i].uat, (unsigned)k[i].lport);
    tcp_req(in, sizeof(in), via, c, k[i].uat, 1);
    snprintf(via, sizeof(via), VIA_UDP, k[i].pa, (unsigned)k[i].lport);
    snprintf(c, sizeof(c), "sip:alice@%s:%u", k[i].pa, (unsigned)k[i].lport);
    tcp_req(want, sizeof(want), via, c, k[i].pa, 1);
    t_udp(&p, k[i].ua, k[i].sport, BOB, 5060, in);
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    t_payload_is(&p, want);
    t_check_cksums(&p);
    t_view(&p, &v);
    uint16_t P = v.sport;
    assert_true(P >= TCP_POOL_LO && P <= TCP_POOL_HI);
    /* the response to the source (rport) */
    char ok[1024], okw[1024];
    snprintf(ok, sizeof(ok),
             "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bKu1;rport=%u;received=%s\r\n"
             "To: <sip:bob@198.19.0.2>;tag=8\r\n"
             "From: <sip:alice@198.19.0.2>;tag=55\r\n"
             "Call-ID: opt1@%s\r\n"
             "CSeq: 1 OPTIONS\r\n"
             "Content-Length: 0\r\n\r\n",
             k[i].pa, (unsigned)k[i].lport, (unsigned)P, k[i].pa, k[i].pa);
    snprintf(okw, sizeof(okw),
             "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bKu1;rport=%u;received=%s\r\n"
             "To: <sip:bob@198.19.0.2>;tag=8\r\n"
             "From: <sip:alice@198.19.0.2>;tag=55\r\n"
             "Call-ID: opt1@%s\r\n"
             "CSeq: 1 OPTIONS\r\n"
             "Content-Length: 0\r\n\r\n",
             k[i].uat, (unsigned)k[i].lport, (unsigned)k[i].sport, k[i].uat,
             k[i].uat);
    t_udp(&p, BOB, 5060, k[i].pool, P, ok);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    t_payload_is(&p, okw);
    t_check_cksums(&p);
    t_view(&p, &v);
    assert_int_equal(v.dst, k[i].ua);
    assert_int_equal(v.dport, k[i].sport);
    /* the server's request on the flow, to the Contact */
    snprintf(c, sizeof(c), "sip:alice@%s:%u", k[i].pa, (unsigned)k[i].lport);
    tcp_req(in, sizeof(in), VIA_TCP("198.19.0.2:5060"), c, "198.19.0.2", 9);
    snprintf(c, sizeof(c), "sip:alice@%s:%u", k[i].uat, (unsigned)k[i].lport);
    tcp_req(want, sizeof(want), VIA_TCP("198.19.0.2:5060"), c, "198.19.0.2", 9);
    t_udp(&p, BOB, 5060, k[i].pool, P, in);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    t_payload_is(&p, want);
    t_check_cksums(&p);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
    /* nothing admitted to the public listening port */
    t_udp(&p, BOB, 5060, k[i].pool, k[i].lport, ok);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
#undef VIA_UDP
    t_ctx_del(t);
  }
}
#undef VIA_TCP

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
      cmocka_unit_test(test_alg_sip_tcp_listen_port),
      cmocka_unit_test(test_alg_sip_tcp_listen_hostile),
      cmocka_unit_test(test_alg_sip_tcp_listen_split),
      cmocka_unit_test(test_alg_sip_tcp_listen_learnt),
      cmocka_unit_test(test_alg_sip_tcp_listen_learnt_hostile),
      cmocka_unit_test(test_alg_sip_tcp_listen_failover),
      cmocka_unit_test(test_alg_sip_tcp_sips),
      cmocka_unit_test(test_alg_sip_tls_watched),
      cmocka_unit_test(test_alg_sip_udp_listen_learnt),
  };
  return cmocka_run_group_tests_name("scenario.alg_sip", tests, NULL, NULL);
}

/*
 * Unit tests for the SIP/SDP parser and rewriter (lib/alg/sip_parse.c).
 * Addresses: inside 198.18.0.2:5060, outside 198.19.100.200:40000, the
 * remote peer 198.19.0.100.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/sip.h>

#define IN_ADDR 0xC6120002u   /* 198.18.0.2 */
#define OUT_ADDR 0xC61364C8u  /* 198.19.100.200 */
#define PEER_ADDR 0xC6130064u /* 198.19.0.100 */

static const uint8_t *U(const char *s) {
  return (const uint8_t *)s;
}

static void nat_init(pinhole_sip_nat *nat, uint32_t dir) {
  assert_int_equal(pinhole_sip_nat_default(nat, sizeof(*nat)), 0);
  nat->dir = dir;
  nat->inside.addr = IN_ADDR;
  nat->inside.port = 5060;
  nat->outside.addr = OUT_ADDR;
  nat->outside.port = 40000;
}

static void nat_map(pinhole_sip_nat *nat, uint16_t in, uint16_t out) {
  nat->port_map[nat->port_map_count].inside = in;
  nat->port_map[nat->port_map_count].outside = out;
  nat->port_map_count++;
}

static uint8_t outbuf[16384];

/* Rewrites in and asserts the exact output. */
static void rewrite_eq(const char *in, const pinhole_sip_nat *nat,
                       const char *want, pinhole_sip_rewrite_result *res) {
  memset(outbuf, 0xAA, sizeof(outbuf));
  int n =
      pinhole_sip_rewrite(U(in), strlen(in), nat, outbuf, sizeof(outbuf), res);
  if (n < 0)
    fail_msg("rewrite failed: %d", n);
  if ((size_t)n != strlen(want) || memcmp(outbuf, want, (size_t)n) != 0)
    fail_msg("got:\n%.*s\nwant:\n%s", n, (const char *)outbuf, want);
  assert_int_equal(res->out_len, (size_t)n);
  assert_int_equal(outbuf[n], 0xAA);
}

static int parse_str(const char *s, uint32_t flags, pinhole_sip_msg *m) {
  return pinhole_sip_parse(U(s), strlen(s), flags, m);
}

/* ------------------------------------------------------------------ */

#define INVITE_BODY                                                            \
  "v=0\r\n"                                                                    \
  "o=alice 2890844526 2890844526 IN IP4 198.18.0.2\r\n"                        \
  "s=-\r\n"                                                                    \
  "c=IN IP4 198.18.0.2\r\n"                                                    \
  "t=0 0\r\n"                                                                  \
  "m=audio 49170 RTP/AVP 0\r\n"                                                \
  "a=rtpmap:0 PCMU/8000\r\n"

static const char invite[] =
    "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@198.19.0.100>\r\n"
    "From: Alice <sip:alice@198.18.0.2>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@198.18.0.2\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@198.18.0.2:5060>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 134\r\n"
    "\r\n" INVITE_BODY;

static void test_sip_parse_invite(void **state) {
  (void)state;
  pinhole_sip_msg m;
  assert_int_equal(parse_str(invite, 0, &m), 0);
  assert_true(m.flags & PINHOLE_SIP_MSG_REQUEST);
  assert_int_equal(m.flags, PINHOLE_SIP_MSG_REQUEST | PINHOLE_SIP_MSG_CALL_ID |
                                PINHOLE_SIP_MSG_CSEQ |
                                PINHOLE_SIP_MSG_CONTENT_LENGTH |
                                PINHOLE_SIP_MSG_SDP | PINHOLE_SIP_MSG_CONTACT);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_INVITE);
  assert_int_equal(m.status, 0);
  assert_int_equal(m.cseq, 314159);
  assert_int_equal(m.cseq_method, PINHOLE_SIP_METHOD_INVITE);
  assert_int_equal(m.header_count, 9);
  assert_int_equal(m.via_count, 1);
  assert_int_equal(m.content_length, 134);
  assert_int_equal(m.body_len, 134);
  assert_int_equal(m.msg_len, strlen(invite));
  assert_int_equal(m.hdr_len, strlen(invite) - 134);
  assert_memory_equal(invite + m.call_id.off, "a84b4c76e66710@198.18.0.2",
                      m.call_id.len);
  assert_int_equal(m.call_id.len, 25);
  assert_memory_equal(invite + m.request_uri.off, "sip:bob@198.19.0.100", 20);
  assert_int_equal(m.request_uri.len, 20);
  assert_memory_equal(invite + m.content_length_value.off, "134", 3);
  assert_int_equal(m.content_length_value.len, 3);
  /* The same bytes as a stream frame identically. */
  assert_int_equal(parse_str(invite, PINHOLE_SIP_STREAM, &m), 0);
  assert_int_equal(m.msg_len, strlen(invite));
}

static void test_sip_rewrite_invite_outbound(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat_map(&nat, 49170, 6000);
  rewrite_eq(
      invite, &nat,
      "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bK776asdhds;rport\r\n"
      "Max-Forwards: 70\r\n"
      "To: Bob <sip:bob@198.19.0.100>\r\n"
      "From: Alice <sip:alice@198.18.0.2>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@198.18.0.2\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Contact: <sip:alice@198.19.100.200:40000>\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: 141\r\n"
      "\r\n"
      "v=0\r\n"
      "o=alice 2890844526 2890844526 IN IP4 198.19.100.200\r\n"
      "s=-\r\n"
      "c=IN IP4 198.19.100.200\r\n"
      "t=0 0\r\n"
      "m=audio 6000 RTP/AVP 0\r\n"
      "a=rtpmap:0 PCMU/8000\r\n",
      &res);
  assert_int_equal(res.in_len, strlen(invite));
  assert_int_equal(res.body_len, 141);
  assert_int_equal(res.request_uri, 0);
  assert_int_equal(res.via, 1);
  assert_int_equal(res.via_params, 0);
  assert_int_equal(res.contact, 1);
  assert_int_equal(res.route, 0);
  assert_int_equal(res.sdp_addr, 2);
  assert_int_equal(res.media_port, 1);
  assert_int_equal(res.rtcp_port, 0);
  assert_int_equal(res.content_length, 1);
  assert_int_equal(res.skipped, 0);
}

static void test_sip_rewrite_200ok_inbound(void **state) {
  (void)state;
  static const char ok[] =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bK776asdhds"
      ";received=198.19.100.200;rport=40000\r\n"
      "Via: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bKlower\r\n"
      "Record-Route: <sip:proxy.example.com;lr>\r\n"
      "To: Bob <sip:bob@198.19.0.100>;tag=a6c85cf\r\n"
      "From: Alice <sip:alice@198.18.0.2>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@198.18.0.2\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Contact: <sip:bob@198.19.0.100>\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: 135\r\n"
      "\r\n"
      "v=0\r\n"
      "o=bob 2808844564 2808844564 IN IP4 198.19.0.100\r\n"
      "s=-\r\n"
      "c=IN IP4 198.19.0.100\r\n"
      "t=0 0\r\n"
      "m=audio 3456 RTP/AVP 0\r\n"
      "a=rtpmap:0 PCMU/8000\r\n";
  pinhole_sip_msg m;
  assert_int_equal(parse_str(ok, 0, &m), 0);
  assert_int_equal(m.status, 200);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_INVITE);
  assert_int_equal(m.via_count, 2);
  assert_false(m.flags & PINHOLE_SIP_MSG_REQUEST);

  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_INBOUND);
  nat_map(&nat, 3456, 3456); /* peer's port: its address is not ours */
  rewrite_eq(ok, &nat,
             "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bK776asdhds"
             ";received=198.18.0.2;rport=5060\r\n"
             "Via: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bKlower\r\n"
             "Record-Route: <sip:proxy.example.com;lr>\r\n"
             "To: Bob <sip:bob@198.19.0.100>;tag=a6c85cf\r\n"
             "From: Alice <sip:alice@198.18.0.2>;tag=1928301774\r\n"
             "Call-ID: a84b4c76e66710@198.18.0.2\r\n"
             "CSeq: 314159 INVITE\r\n"
             "Contact: <sip:bob@198.19.0.100>\r\n"
             "Content-Type: application/sdp\r\n"
             "Content-Length: 135\r\n"
             "\r\n"
             "v=0\r\n"
             "o=bob 2808844564 2808844564 IN IP4 198.19.0.100\r\n"
             "s=-\r\n"
             "c=IN IP4 198.19.0.100\r\n"
             "t=0 0\r\n"
             "m=audio 3456 RTP/AVP 0\r\n"
             "a=rtpmap:0 PCMU/8000\r\n",
             &res);
  assert_int_equal(res.via, 1);
  assert_int_equal(res.via_params, 2);
  assert_int_equal(res.contact, 0);
  assert_int_equal(res.sdp_addr, 0);
  assert_int_equal(res.media_port, 0);
  assert_int_equal(res.content_length, 0);
}

static void test_sip_rewrite_bye_request_uri(void **state) {
  (void)state;
  static const char bye[] =
      "BYE sip:alice@198.19.100.200:40000 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.19.0.100:5060;branch=z9hG4bKnashds7\r\n"
      "Max-Forwards: 70\r\n"
      "From: Bob <sip:bob@198.19.0.100>;tag=a6c85cf\r\n"
      "To: Alice <sip:alice@198.19.100.200:40000>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@198.18.0.2\r\n"
      "CSeq: 231 BYE\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  pinhole_sip_msg m;
  assert_int_equal(parse_str(bye, PINHOLE_SIP_STREAM, &m), 0);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_BYE);
  assert_int_equal(m.cseq, 231);
  assert_int_equal(m.body_len, 0);
  assert_int_equal(m.msg_len, strlen(bye));

  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_INBOUND);
  rewrite_eq(bye, &nat,
             "BYE sip:alice@198.18.0.2:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.0.100:5060;branch=z9hG4bKnashds7\r\n"
             "Max-Forwards: 70\r\n"
             "From: Bob <sip:bob@198.19.0.100>;tag=a6c85cf\r\n"
             "To: Alice <sip:alice@198.19.100.200:40000>;tag=1928301774\r\n"
             "Call-ID: a84b4c76e66710@198.18.0.2\r\n"
             "CSeq: 231 BYE\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.request_uri, 1);
  assert_int_equal(res.via, 0);
  assert_int_equal(res.content_length, 0);

  /* Outbound, the same request's Request-URI names the far end: kept. */
  nat.dir = PINHOLE_SIP_DIR_OUTBOUND;
  nat.inside.addr = OUT_ADDR;
  nat.inside.port = 40000;
  rewrite_eq(bye, &nat, bye, &res);
  assert_int_equal(res.request_uri, 0);
}

static void test_sip_register_expires(void **state) {
  (void)state;
  static const char reg[] =
      "REGISTER sip:registrar.example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.18.0.2;branch=z9hG4bKnashds7\r\n"
      "Max-Forwards: 70\r\n"
      "To: Alice <sip:alice@example.com>\r\n"
      "From: Alice <sip:alice@example.com>;tag=456248\r\n"
      "Call-ID: 843817637684230@998sdasdh09\r\n"
      "CSeq: 1826 REGISTER\r\n"
      "Contact: <sip:alice@198.18.0.2>\r\n"
      "Expires: 7200\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  pinhole_sip_msg m;
  assert_int_equal(parse_str(reg, 0, &m), 0);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_REGISTER);
  assert_int_equal(
      m.flags & (PINHOLE_SIP_MSG_EXPIRES | PINHOLE_SIP_MSG_CONTACT_EXPIRES),
      PINHOLE_SIP_MSG_EXPIRES);
  assert_int_equal(m.expires, 7200);

  /* Implied port 5060 == inside port: it matches, and the outside port
   * (not the default) must be written. */
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  rewrite_eq(reg, &nat,
             "REGISTER sip:registrar.example.com SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bKnashds7\r\n"
             "Max-Forwards: 70\r\n"
             "To: Alice <sip:alice@example.com>\r\n"
             "From: Alice <sip:alice@example.com>;tag=456248\r\n"
             "Call-ID: 843817637684230@998sdasdh09\r\n"
             "CSeq: 1826 REGISTER\r\n"
             "Contact: <sip:alice@198.19.100.200:40000>\r\n"
             "Expires: 7200\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.via, 1);
  assert_int_equal(res.contact, 1);

  /* The registrar's 200 OK lists the binding with ;expires=: the Contact
   * parameter wins over the Expires header (RFC 3261 10.2.4). */
  static const char ok[] =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bKnashds7"
      ";received=198.19.100.200\r\n"
      "To: Alice <sip:alice@example.com>;tag=2493k59kd\r\n"
      "From: Alice <sip:alice@example.com>;tag=456248\r\n"
      "Call-ID: 843817637684230@998sdasdh09\r\n"
      "CSeq: 1826 REGISTER\r\n"
      "Contact: <sip:alice@198.19.100.200:40000>;expires=3600, "
      "\"Desk, 2\" <sip:alice@198.19.100.200:40000;transport=udp>"
      ";expires=60\r\n"
      "Expires: 7200\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  assert_int_equal(parse_str(ok, 0, &m), 0);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_REGISTER);
  assert_int_equal(m.expires, 3600);
  assert_true(m.flags & PINHOLE_SIP_MSG_CONTACT_EXPIRES);
  nat.dir = PINHOLE_SIP_DIR_INBOUND;
  rewrite_eq(ok, &nat,
             "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bKnashds7"
             ";received=198.18.0.2\r\n"
             "To: Alice <sip:alice@example.com>;tag=2493k59kd\r\n"
             "From: Alice <sip:alice@example.com>;tag=456248\r\n"
             "Call-ID: 843817637684230@998sdasdh09\r\n"
             "CSeq: 1826 REGISTER\r\n"
             "Contact: <sip:alice@198.18.0.2:5060>;expires=3600, "
             "\"Desk, 2\" <sip:alice@198.18.0.2:5060;transport=udp>"
             ";expires=60\r\n"
             "Expires: 7200\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.via, 1);
  assert_int_equal(res.via_params, 1);
  assert_int_equal(res.contact, 2);

  /* A malformed Expires is ignored, a huge one saturates. */
  assert_int_equal(
      parse_str("OPTIONS sip:x SIP/2.0\r\nExpires: soon\r\n\r\n", 0, &m), 0);
  assert_false(m.flags & PINHOLE_SIP_MSG_EXPIRES);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_OPTIONS);
  assert_int_equal(
      parse_str("OPTIONS sip:x SIP/2.0\r\nExpires: 99999999999\r\n\r\n", 0, &m),
      0);
  assert_int_equal(m.expires, UINT32_MAX);
}

static void test_sip_compact_forms(void **state) {
  (void)state;
  static const char msg[] = "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"
                            "v: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bKc\r\n"
                            "f: <sip:alice@198.18.0.2>;tag=1\r\n"
                            "t: <sip:bob@198.19.0.100>\r\n"
                            "i: compact-1@198.18.0.2\r\n"
                            "CSEQ: 1 INVITE\r\n"
                            "m: <sip:alice@198.18.0.2:5060>\r\n"
                            "c: Application/SDP\r\n"
                            "l:134\r\n"
                            "\r\n" INVITE_BODY;
  pinhole_sip_msg m;
  assert_int_equal(parse_str(msg, 0, &m), 0);
  assert_int_equal(m.flags & (PINHOLE_SIP_MSG_SDP | PINHOLE_SIP_MSG_CALL_ID |
                              PINHOLE_SIP_MSG_CONTENT_LENGTH |
                              PINHOLE_SIP_MSG_CONTACT | PINHOLE_SIP_MSG_CSEQ),
                   PINHOLE_SIP_MSG_SDP | PINHOLE_SIP_MSG_CALL_ID |
                       PINHOLE_SIP_MSG_CONTENT_LENGTH |
                       PINHOLE_SIP_MSG_CONTACT | PINHOLE_SIP_MSG_CSEQ);
  assert_int_equal(m.via_count, 1);
  assert_int_equal(m.content_length, 134);
  assert_int_equal(m.call_id.len, 20);

  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat_map(&nat, 49170, 6000);
  rewrite_eq(msg, &nat,
             "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"
             "v: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bKc\r\n"
             "f: <sip:alice@198.18.0.2>;tag=1\r\n"
             "t: <sip:bob@198.19.0.100>\r\n"
             "i: compact-1@198.18.0.2\r\n"
             "CSEQ: 1 INVITE\r\n"
             "m: <sip:alice@198.19.100.200:40000>\r\n"
             "c: Application/SDP\r\n"
             "l:141\r\n"
             "\r\n"
             "v=0\r\n"
             "o=alice 2890844526 2890844526 IN IP4 198.19.100.200\r\n"
             "s=-\r\n"
             "c=IN IP4 198.19.100.200\r\n"
             "t=0 0\r\n"
             "m=audio 6000 RTP/AVP 0\r\n"
             "a=rtpmap:0 PCMU/8000\r\n",
             &res);
  assert_int_equal(res.content_length, 1);
  assert_int_equal(res.via, 1);
  assert_int_equal(res.contact, 1);
}

static void test_sip_rewrite_multiple_via(void **state) {
  (void)state;
  /* An inside proxy forwards a request: its own Via is on top; the values
   * below name earlier hops (even one that looks like ours) and are left
   * alone, whether in separate fields or comma-separated in one. */
  static const char msg[] =
      "OPTIONS sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.18.0.2;branch=z9hG4bKtop, "
      "SIP/2.0/UDP 198.18.0.2;branch=z9hG4bKmid\r\n"
      "Via: SIP/2.0/TCP 198.18.0.2:5060;branch=z9hG4bKlow\r\n"
      "CSeq: 7 OPTIONS\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat.outside.port = 5060; /* default port: no ":port" to add */
  rewrite_eq(msg, &nat,
             "OPTIONS sip:bob@198.19.0.100 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.100.200;branch=z9hG4bKtop, "
             "SIP/2.0/UDP 198.18.0.2;branch=z9hG4bKmid\r\n"
             "Via: SIP/2.0/TCP 198.18.0.2:5060;branch=z9hG4bKlow\r\n"
             "CSeq: 7 OPTIONS\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.via, 1);
  /* Inbound requests' Vias name the sender: untouched even if equal. */
  nat.dir = PINHOLE_SIP_DIR_INBOUND;
  nat.outside.addr = IN_ADDR;
  rewrite_eq(msg, &nat, msg, &res);
  assert_int_equal(res.via, 0);
  /* Blanks around the slashes and the colon (RFC 3261 SLASH, COLON). */
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  rewrite_eq("ACK sip:b SIP/2.0\r\n"
             "Via: SIP / 2.0 / UDP 198.18.0.2 : 5060 ;branch=z9hG4bKx\r\n\r\n",
             &nat,
             "ACK sip:b SIP/2.0\r\n"
             "Via: SIP / 2.0 / UDP 198.19.100.200:40000 ;branch=z9hG4bKx\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.via, 1);
  /* A Via we cannot read is counted and left alone. */
  static const char bad[] =
      "ACK sip:b SIP/2.0\r\nVia: SIP/2.0 198.18.0.2\r\n\r\n";
  rewrite_eq(bad, &nat, bad, &res);
  assert_int_equal(res.skipped, 1);
}

static void test_sip_rewrite_request_uri_literal(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_INBOUND);
  /* IPv4 literal host, no user part. */
  rewrite_eq("INVITE sip:198.19.100.200:40000;transport=udp SIP/2.0\r\n"
             "Route: <sip:198.19.100.200:40000;lr>\r\n"
             "Content-Length: 0\r\n\r\n",
             &nat,
             "INVITE sip:198.18.0.2:5060;transport=udp SIP/2.0\r\n"
             "Route: <sip:198.18.0.2:5060;lr>\r\n"
             "Content-Length: 0\r\n\r\n",
             &res);
  assert_int_equal(res.request_uri, 1);
  assert_int_equal(res.route, 1);
  /* No port means 5060, which is not the outside port 40000: no match. */
  static const char noport[] = "INVITE sip:198.19.100.200 SIP/2.0\r\n\r\n";
  rewrite_eq(noport, &nat, noport, &res);
  assert_int_equal(res.request_uri, 0);
  /* With outside port 5060 it matches; the inside port 5060 is the
   * default, so no port is added. sips: defaults to 5061. */
  nat.outside.port = 5060;
  rewrite_eq(noport, &nat, "INVITE sip:198.18.0.2 SIP/2.0\r\n\r\n", &res);
  assert_int_equal(res.request_uri, 1);
  static const char sips[] = "INVITE sips:198.19.100.200 SIP/2.0\r\n\r\n";
  rewrite_eq(sips, &nat, sips, &res);
  /* Record-Route in an outbound response (an inside proxy) is ours. */
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  rewrite_eq("SIP/2.0 180 Ringing\r\n"
             "Record-Route: <sip:198.18.0.2;lr>,<sip:p2.example.com;lr>\r\n"
             "\r\n",
             &nat,
             "SIP/2.0 180 Ringing\r\n"
             "Record-Route: <sip:198.19.100.200:40000;lr>,"
             "<sip:p2.example.com;lr>\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.route, 1);
}

#define RTCP_BODY                                                              \
  "v=0\r\n"                                                                    \
  "o=- 1 1 IN IP4 198.18.0.2\r\n"                                              \
  "s=-\r\n"                                                                    \
  "c=IN IP4 198.18.0.2\r\n"                                                    \
  "t=0 0\r\n"                                                                  \
  "m=audio 49170 RTP/AVP 0\r\n"                                                \
  "a=rtcp:49171\r\n"                                                           \
  "a=rtcp-mux\r\n"                                                             \
  "m=video 51372/2 RTP/AVP 99\r\n"                                             \
  "c=IN IP4 198.18.0.20\r\n"                                                   \
  "a=rtcp:53020 IN IP4 198.18.0.2\r\n"                                         \
  "m=audio 0 RTP/AVP 0\r\n"

static void test_sip_sdp_parse_media(void **state) {
  (void)state;
  pinhole_sdp s;
  const char *b = RTCP_BODY;
  assert_int_equal(pinhole_sip_sdp_parse(U(b), strlen(b), &s), 0);
  assert_int_equal(s.flags, PINHOLE_SDP_ORIGIN | PINHOLE_SDP_CONN);
  assert_int_equal(s.origin_addr, IN_ADDR);
  assert_int_equal(s.conn_addr, IN_ADDR);
  assert_int_equal(s.media_count, 3);
  assert_int_equal(s.media[0].type, PINHOLE_SDP_MEDIA_AUDIO);
  assert_int_equal(s.media[0].flags, PINHOLE_SDP_MEDIA_RTCP);
  assert_int_equal(s.media[0].addr, IN_ADDR);
  assert_int_equal(s.media[0].port, 49170);
  assert_int_equal(s.media[0].port_count, 1);
  assert_int_equal(s.media[0].rtcp_port, 49171);
  assert_int_equal(s.media[0].rtcp_addr, IN_ADDR);
  assert_int_equal(s.media[1].type, PINHOLE_SDP_MEDIA_VIDEO);
  assert_int_equal(s.media[1].flags, PINHOLE_SDP_MEDIA_CONN |
                                         PINHOLE_SDP_MEDIA_RTCP |
                                         PINHOLE_SDP_MEDIA_RTCP_ADDR);
  assert_int_equal(s.media[1].addr, 0xC6120014u); /* 198.18.0.20 */
  assert_int_equal(s.media[1].port, 51372);
  assert_int_equal(s.media[1].port_count, 2);
  assert_int_equal(s.media[1].rtcp_port, 53020);
  assert_int_equal(s.media[1].rtcp_addr, IN_ADDR);
  assert_int_equal(s.media[2].port, 0);
  assert_int_equal(s.media[2].flags, 0);

  /* LF-only lines, IPv6 and host names, multicast suffix. */
  const char *b2 = "v=0\n"
                   "o=- 1 1 IN IP6 2001:db8::1\n"
                   "c=IN IP4 224.2.1.1/127/3\n"
                   "m=application 9 TCP/BFCP *\n"
                   "c=IN IP4 media.example.com\n"
                   "m=image 4000 udptl t38\n"
                   "a=rtcp:4001 IN IP6 2001:db8::2\n";
  assert_int_equal(pinhole_sip_sdp_parse(U(b2), strlen(b2), &s), 0);
  assert_int_equal(s.flags, PINHOLE_SDP_CONN);
  assert_int_equal(s.conn_addr, 0xE0020101u);
  assert_int_equal(s.media_count, 2);
  assert_int_equal(s.media[0].type, PINHOLE_SDP_MEDIA_APPLICATION);
  assert_int_equal(s.media[0].flags, PINHOLE_SDP_MEDIA_CONN_OTHER);
  assert_int_equal(s.media[0].addr, 0);
  assert_int_equal(s.media[1].type, PINHOLE_SDP_MEDIA_IMAGE);
  assert_int_equal(s.media[1].addr, 0xE0020101u);
  assert_int_equal(s.media[1].flags,
                   PINHOLE_SDP_MEDIA_RTCP | PINHOLE_SDP_MEDIA_RTCP_OTHER);
  assert_int_equal(s.media[1].rtcp_addr, 0);

  /* Malformed lines. */
  static const char *const bad[] = {
      "m=audio 65536 RTP/AVP 0\r\n",
      "m=audio 49170/0 RTP/AVP 0\r\n",
      "m=audio -1 RTP/AVP 0\r\n",
      "m=audio 49170\r\n",
      "c=IN IP4\r\n",
      "o=- 1 IN IP4 198.18.0.2\r\n",
      "m=audio 1 RTP/AVP 0\r\na=rtcp:x\r\n",
      "V=0\r\n",
      "v0\r\n",
      "v=0\rs=-\r\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(pinhole_sip_sdp_parse(U(bad[i]), strlen(bad[i]), &s),
                     PINHOLE_ERR_PARSE);
  /* Session-level a=rtcp is not an RTCP port of any stream. */
  assert_int_equal(pinhole_sip_sdp_parse(U("a=rtcp:x\r\n"), 10, &s), 0);
  assert_int_equal(pinhole_sip_sdp_parse(NULL, 0, &s), 0);
  assert_int_equal(pinhole_sip_sdp_parse(NULL, 1, &s), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_sdp_parse(U("v=0"), 3, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_sip_rewrite_rtcp(void **state) {
  (void)state;
  char in[1024];
  snprintf(in, sizeof(in),
           "SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n"
           "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
           strlen(RTCP_BODY), RTCP_BODY);
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat_map(&nat, 49170, 6000);
  nat_map(&nat, 49171, 6001);
  nat_map(&nat, 51372, 7000);
  nat_map(&nat, 53020, 7002);
  rewrite_eq(in, &nat,
             "SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n"
             "Content-Type: application/sdp\r\nContent-Length: 228\r\n\r\n"
             "v=0\r\n"
             "o=- 1 1 IN IP4 198.19.100.200\r\n"
             "s=-\r\n"
             "c=IN IP4 198.19.100.200\r\n"
             "t=0 0\r\n"
             "m=audio 6000 RTP/AVP 0\r\n"
             "a=rtcp:6001\r\n"
             "a=rtcp-mux\r\n"
             "m=video 51372/2 RTP/AVP 99\r\n"
             "c=IN IP4 198.18.0.20\r\n"
             "a=rtcp:7002 IN IP4 198.19.100.200\r\n"
             "m=audio 0 RTP/AVP 0\r\n",
             &res);
  assert_int_equal(strlen(RTCP_BODY), 219);
  assert_int_equal(res.body_len, 228);
  assert_int_equal(res.sdp_addr, 3);
  assert_int_equal(res.media_port, 1);
  assert_int_equal(res.rtcp_port, 2);
  assert_int_equal(res.content_length, 1);
}

static void test_sip_token_boundary(void **state) {
  (void)state;
  /* 198.18.0.20, 198.18.0.200 and 198.18.0.02 are not 198.18.0.2; neither
   * is a host name that starts with it. */
  static const char msg[] =
      "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.18.0.20:5060;branch=z9hG4bK1\r\n"
      "Contact: <sip:a@198.18.0.200:5060>, <sip:b@198.18.0.02:5060>, "
      "<sip:c@198.18.0.2.example.com:5060>, sip:d@198.18.0.2:50600\r\n"
      "Record-Route: <sip:198.18.0.2x;lr>\r\n"
      "Content-Type: application/sdp\r\n"
      "\r\n"
      "v=0\r\n"
      "o=- 1 1 IN IP4 198.18.0.20\r\n"
      "c=IN IP4 198.18.0.21/127\r\n"
      "m=audio 49170 RTP/AVP 0\r\n";
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat_map(&nat, 49170, 6000);
  rewrite_eq(msg, &nat, msg, &res);
  assert_int_equal(
      res.via + res.contact + res.route + res.sdp_addr + res.media_port, 0);
  assert_int_equal(res.skipped, 0);
  /* ... while the exact token in the same places is rewritten, including
   * an addr-spec Contact without angle brackets. */
  rewrite_eq("SIP/2.0 200 OK\r\n"
             "Contact: sip:d@198.18.0.2:5060;expires=30\r\n"
             "Content-Type: application/sdp\r\n"
             "\r\n"
             "c=IN IP4 198.18.0.2/127\r\n"
             "m=audio 49170 RTP/AVP 0\r\n",
             &nat,
             "SIP/2.0 200 OK\r\n"
             "Contact: sip:d@198.19.100.200:40000;expires=30\r\n"
             "Content-Type: application/sdp\r\n"
             "\r\n"
             "c=IN IP4 198.19.100.200/127\r\n"
             "m=audio 6000 RTP/AVP 0\r\n",
             &res);
  assert_int_equal(res.contact, 1);
  assert_int_equal(res.sdp_addr, 1);
  assert_int_equal(res.media_port, 1);
}

static void test_sip_hostile_content_length(void **state) {
  (void)state;
  pinhole_sip_msg m;
  const char *h = "MESSAGE sip:x@198.19.0.100 SIP/2.0\r\nContent-Length: ";
  static const char *const bad[] = {"-5",  "2147483648", "4294967296",
                                    "12a", "0x10",       "65536",
                                    "",    "+1",         "1 2"};
  char buf[256];
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(buf, sizeof(buf), "%s%s\r\n\r\nbody", h, bad[i]);
    assert_int_equal(parse_str(buf, 0, &m), PINHOLE_ERR_PARSE);
    assert_int_equal(parse_str(buf, PINHOLE_SIP_STREAM, &m), PINHOLE_ERR_PARSE);
  }
  /* Beyond the body: an error for a datagram, more to come on a stream. */
  snprintf(buf, sizeof(buf), "%s10\r\n\r\nbody", h);
  assert_int_equal(parse_str(buf, 0, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(parse_str(buf, PINHOLE_SIP_STREAM, &m), PINHOLE_ERR_PARTIAL);
  /* Leading zeros and surrounding blanks are fine; 65535 is the limit. */
  snprintf(buf, sizeof(buf), "%s 0004 \r\n\r\nbody", h);
  assert_int_equal(parse_str(buf, 0, &m), 0);
  assert_int_equal(m.content_length, 4);
  snprintf(buf, sizeof(buf), "%s65535\r\n\r\nbody", h);
  assert_int_equal(parse_str(buf, PINHOLE_SIP_STREAM, &m), PINHOLE_ERR_PARTIAL);
  /* Two Content-Length fields (even equal, even compact) are refused. */
  snprintf(buf, sizeof(buf), "%s4\r\nl: 4\r\n\r\nbody", h);
  assert_int_equal(parse_str(buf, 0, &m), PINHOLE_ERR_PARSE);
  /* Datagram surplus after the body is not part of the message, and the
   * rewriter drops it (RFC 3261 18.3). */
  snprintf(buf, sizeof(buf), "%s2\r\n\r\nbody", h);
  assert_int_equal(parse_str(buf, 0, &m), 0);
  assert_int_equal(m.body_len, 2);
  assert_int_equal(m.msg_len, strlen(buf) - 2);
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  int n = pinhole_sip_rewrite(U(buf), strlen(buf), &nat, outbuf, sizeof(outbuf),
                              &res);
  assert_int_equal(n, (int)strlen(buf) - 2);
  assert_memory_equal(outbuf, buf, (size_t)n);
  /* Without Content-Length a datagram's body is the rest; a stream's is
   * empty. */
  snprintf(buf, sizeof(buf), "MESSAGE sip:x SIP/2.0\r\n\r\nbody");
  assert_int_equal(parse_str(buf, 0, &m), 0);
  assert_int_equal(m.body_len, 4);
  assert_int_equal(parse_str(buf, PINHOLE_SIP_STREAM, &m), 0);
  assert_int_equal(m.body_len, 0);
  assert_int_equal(m.msg_len, strlen(buf) - 4);
}

static void test_sip_hostile_long_lines(void **state) {
  (void)state;
  static char buf[3 * PINHOLE_SIP_MAX_LINE];
  pinhole_sip_msg m;
  const char *start = "OPTIONS sip:x SIP/2.0\r\n";
  size_t sl = strlen(start);
  /* "X: " + filler == exactly 4096 bytes, then one more. */
  for (size_t extra = 0; extra < 2; extra++) {
    size_t line = PINHOLE_SIP_MAX_LINE + extra;
    memcpy(buf, start, sl);
    memcpy(buf + sl, "X: ", 3);
    memset(buf + sl + 3, 'a', line - 3);
    memcpy(buf + sl + line, "\r\n\r\n", 5);
    int want = extra ? PINHOLE_ERR_PARSE : 0;
    assert_int_equal(parse_str(buf, 0, &m), want);
    assert_int_equal(parse_str(buf, PINHOLE_SIP_STREAM, &m), want);
    /* A stream that has sent 4097 bytes of a line without CRLF is
     * refused at once, not buffered. */
    assert_int_equal(
        pinhole_sip_parse(U(buf), sl + line, PINHOLE_SIP_STREAM, &m),
        extra ? PINHOLE_ERR_PARSE : PINHOLE_ERR_PARTIAL);
  }
  /* A folded field counts as one line. */
  memcpy(buf, start, sl);
  size_t o = sl;
  memcpy(buf + o, "X: ", 3);
  o += 3;
  for (int i = 0; i < 3; i++) {
    memset(buf + o, 'a', 1500);
    o += 1500;
    memcpy(buf + o, "\r\n ", 3);
    o += 3;
  }
  memcpy(buf + o, "z\r\n\r\n", 6);
  assert_int_equal(parse_str(buf, 0, &m), PINHOLE_ERR_PARSE);
}

static void test_sip_folded_header(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  static const char msg[] = "ACK sip:bob@198.19.0.100 SIP/2.0\r\n"
                            "Contact: <sip:a@198.19.0.100>,\r\n"
                            "\t<sip:alice@198.18.0.2>\r\n"
                            "CSeq:\r\n 314159\r\n  ACK\r\n"
                            "Content-Length: 0\r\n\r\n";
  pinhole_sip_msg m;
  assert_int_equal(parse_str(msg, 0, &m), 0);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_ACK);
  assert_int_equal(m.cseq, 314159);
  assert_int_equal(m.cseq_method, PINHOLE_SIP_METHOD_ACK);
  assert_int_equal(m.header_count, 3);
  rewrite_eq(msg, &nat,
             "ACK sip:bob@198.19.0.100 SIP/2.0\r\n"
             "Contact: <sip:a@198.19.0.100>,\r\n"
             "\t<sip:alice@198.19.100.200:40000>\r\n"
             "CSeq:\r\n 314159\r\n  ACK\r\n"
             "Content-Length: 0\r\n\r\n",
             &res);
  assert_int_equal(res.contact, 1);
  /* A fold right after the start line has no field to continue. */
  assert_int_equal(parse_str("ACK sip:b SIP/2.0\r\n x\r\n\r\n", 0, &m),
                   PINHOLE_ERR_PARSE);
}

static void test_sip_missing_crlfcrlf(void **state) {
  (void)state;
  pinhole_sip_msg m;
  static const char *const cut[] = {
      "INVITE sip:bob@198.19.0.100 SIP/2.0\r\nCSeq: 1 INVITE\r\n",
      "INVITE sip:bob@198.19.0.100 SIP/2.0\r\nCSeq: 1 INVITE\r\n\r",
      "INVITE sip:bob@198.19.0.100 SIP/2.0\r\nCSeq: 1 INV",
      "INVITE sip:bob@198.19.0.100 SIP/2.0\r",
      "INV",
      "",
  };
  for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
    assert_int_equal(parse_str(cut[i], PINHOLE_SIP_STREAM, &m),
                     PINHOLE_ERR_PARTIAL);
    assert_int_equal(parse_str(cut[i], 0, &m), PINHOLE_ERR_PARSE);
  }
  /* Keep-alives (RFC 5626) are not messages. */
  assert_int_equal(parse_str("\r\n\r\n", PINHOLE_SIP_STREAM, &m),
                   PINHOLE_ERR_NOMATCH);
  assert_int_equal(m.msg_len, 4);
  assert_int_equal(
      parse_str("\r\nBYE sip:b SIP/2.0\r\n\r\n", PINHOLE_SIP_STREAM, &m),
      PINHOLE_ERR_NOMATCH);
  assert_int_equal(m.msg_len, 2);
  assert_int_equal(parse_str("\r\n\r\n", 0, &m), PINHOLE_ERR_NOMATCH);
  assert_int_equal(m.msg_len, 4);
  assert_int_equal(parse_str("\r\nBYE sip:b SIP/2.0\r\n\r\n", 0, &m), 0);
  assert_int_equal(m.start_off, 2);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_BYE);
  /* Two messages back to back on a stream: the first one alone. */
  static const char two[] = "BYE sip:b SIP/2.0\r\nl: 1\r\n\r\nx"
                            "ACK sip:b SIP/2.0\r\n\r\n";
  assert_int_equal(parse_str(two, PINHOLE_SIP_STREAM, &m), 0);
  assert_int_equal(m.msg_len, 28);
  assert_int_equal(parse_str(two + 28, PINHOLE_SIP_STREAM, &m), 0);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_ACK);
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat.flags = PINHOLE_SIP_STREAM;
  assert_int_equal(pinhole_sip_rewrite(U(two), strlen(two), &nat, outbuf,
                                       sizeof(outbuf), &res),
                   28);
  assert_int_equal(res.in_len, 28);
  assert_memory_equal(outbuf, two, 28);
  assert_int_equal(
      pinhole_sip_rewrite(U("\r\n"), 2, &nat, outbuf, sizeof(outbuf), &res),
      PINHOLE_ERR_NOMATCH);
  assert_int_equal(res.in_len, 2);
}

static void test_sip_bad_start_line(void **state) {
  (void)state;
  pinhole_sip_msg m;
  static const char *const bad[] = {
      "INVITE sip:b SIP/3.0\r\n\r\n",
      "INVITE sip:b SIP/2.0 \r\n\r\n",
      "INVITE  sip:b SIP/2.0\r\n\r\n",
      "INVITE bob SIP/2.0\r\n\r\n",
      "INV(TE sip:b SIP/2.0\r\n\r\n",
      "SIP/2.0 99 Low\r\n\r\n",
      "SIP/2.0 700 High\r\n\r\n",
      "SIP/2.0 200OK\r\n\r\n",
      "SIP/2.0 2x0 OK\r\n\r\n",
      "INVITE sip:b SIP/2.0\n\n",
      "INVITE sip:b SIP/2.0\r\nX\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nX Y: z\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nX: a\nb\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nX: a\rb\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nX: \x01\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nCSeq: x INVITE\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nCSeq: 1\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nCSeq: 4294967296 INVITE\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nCSeq: 1 A\r\nCSeq: 1 A\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\ni: a\r\nCall-ID: a\r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nCall-ID:  \r\n\r\n",
      "INVITE sip:b SIP/2.0\r\nc: a/b\r\nContent-Type: a/b\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (parse_str(bad[i], 0, &m) != PINHOLE_ERR_PARSE)
      fail_msg("accepted case %zu: %s", i, bad[i]);
  }
  assert_int_equal(parse_str("SIP/2.0 699 \r\n\r\n", 0, &m), 0);
  assert_int_equal(m.status, 699);
  assert_int_equal(parse_str("sip/2.0 100\r\n\r\n", 0, &m), 0);
  assert_int_equal(m.status, 100);
  assert_int_equal(parse_str("FOO sip:b sip/2.0\r\n\r\n", 0, &m), 0);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_OTHER);
  assert_int_equal(m.method_tok.len, 3);
  /* Method names are case-sensitive. */
  assert_int_equal(parse_str("invite sip:b SIP/2.0\r\n\r\n", 0, &m), 0);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_OTHER);
}

static void test_sip_hostile_nul(void **state) {
  (void)state;
  pinhole_sip_msg m;
  static const char msg[] = "INVITE sip:b SIP/2.0\r\nX: a\0b\r\n\r\n";
  assert_int_equal(pinhole_sip_parse(U(msg), sizeof(msg) - 1, 0, &m),
                   PINHOLE_ERR_PARSE);
  static const char sdp[] = "SIP/2.0 200 OK\r\nc: application/sdp\r\n\r\n"
                            "v=0\r\nc=IN IP4 198.18.0.2\0\r\n";
  assert_int_equal(pinhole_sip_parse(U(sdp), sizeof(sdp) - 1, 0, &m), 0);
  pinhole_sdp s;
  assert_int_equal(pinhole_sip_sdp_parse(U(sdp) + m.hdr_len, m.body_len, &s),
                   PINHOLE_ERR_PARSE);
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(pinhole_sip_rewrite(U(sdp), sizeof(sdp) - 1, &nat, outbuf,
                                       sizeof(outbuf), &res),
                   PINHOLE_ERR_PARSE);
}

static void test_sip_sdp_too_many_media(void **state) {
  (void)state;
  static char body[200 * 32];
  size_t n = 0;
  pinhole_sdp s;
  n += (size_t)snprintf(body, sizeof(body), "v=0\r\nc=IN IP4 198.18.0.2\r\n");
  for (int i = 0; i < 200; i++) {
    n += (size_t)snprintf(body + n, sizeof(body) - n,
                          "m=audio %d RTP/AVP 0\r\n", 10000 + 2 * i);
    if (i == 15)
      assert_int_equal(pinhole_sip_sdp_parse(U(body), n, &s), 0);
  }
  assert_int_equal(s.media_count, 16);
  assert_int_equal(s.media[15].port, 10030);
  assert_int_equal(pinhole_sip_sdp_parse(U(body), n, &s), PINHOLE_ERR_RANGE);
  static char msg[sizeof(body) + 128];
  int ml = snprintf(msg, sizeof(msg),
                    "SIP/2.0 200 OK\r\nc: application/sdp\r\nl: %zu\r\n\r\n%s",
                    n, body);
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(pinhole_sip_rewrite(U(msg), (size_t)ml, &nat, outbuf,
                                       sizeof(outbuf), &res),
                   PINHOLE_ERR_RANGE);
}

static void test_sip_too_many_headers(void **state) {
  (void)state;
  static char buf[2048];
  pinhole_sip_msg m;
  for (int count = 64; count <= 65; count++) {
    size_t n = (size_t)snprintf(buf, sizeof(buf), "ACK sip:b SIP/2.0\r\n");
    for (int i = 0; i < count; i++)
      n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X: %d\r\n", i);
    snprintf(buf + n, sizeof(buf) - n, "\r\n");
    assert_int_equal(parse_str(buf, 0, &m),
                     count == 64 ? 0 : PINHOLE_ERR_PARSE);
    if (count == 64)
      assert_int_equal(m.header_count, 64);
  }
}

static void test_sip_rewrite_nobuf(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat_map(&nat, 49170, 6000);
  size_t want;
  assert_int_equal(
      pinhole_sip_rewrite(U(invite), strlen(invite), &nat, NULL, 0, &res),
      PINHOLE_ERR_NOBUF);
  /* Via +5, Contact +5, body +7, Content-Length digits +0. */
  assert_int_equal(res.out_len, strlen(invite) + 17);
  want = res.out_len;
  static uint8_t small[1024];
  memset(small, 0xAA, sizeof(small));
  assert_int_equal(pinhole_sip_rewrite(U(invite), strlen(invite), &nat, small,
                                       want - 1, &res),
                   PINHOLE_ERR_NOBUF);
  assert_int_equal(small[want - 1], 0xAA); /* never writes past cap */
  assert_int_equal(
      pinhole_sip_rewrite(U(invite), strlen(invite), &nat, small, want, &res),
      (int)want);
}

static void test_sip_rewrite_args(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  pinhole_sip_msg m;
  const uint8_t *in = U(invite);
  size_t len = strlen(invite);
  assert_int_equal(pinhole_sip_nat_default(NULL, sizeof(nat)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_nat_default(&nat, sizeof(nat) - 1),
                   PINHOLE_ERR_INVALID_ARG);
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(pinhole_sip_rewrite(in, len, &nat, outbuf, 10, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_rewrite(in, len, NULL, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_rewrite(NULL, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_rewrite(in, len, &nat, NULL, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  nat.dir = 3;
  assert_int_equal(pinhole_sip_rewrite(in, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  nat.dir = PINHOLE_SIP_DIR_OUTBOUND;
  nat.flags = 2;
  assert_int_equal(pinhole_sip_rewrite(in, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  nat.flags = 0;
  nat.port_map_count = 17;
  assert_int_equal(pinhole_sip_rewrite(in, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  nat.port_map_count = 0;
  nat.size = sizeof(nat) - 1;
  assert_int_equal(pinhole_sip_rewrite(in, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  /* A newer caller's larger struct: zero tail accepted, non-zero refused. */
  struct {
    pinhole_sip_nat nat;
    uint8_t tail[8];
  } big;
  assert_int_equal(pinhole_sip_nat_default(&big.nat, sizeof(big)), 0);
  big.nat.inside = nat.inside;
  big.nat.outside = nat.outside;
  assert_true(
      pinhole_sip_rewrite(in, len, &big.nat, outbuf, sizeof(outbuf), &res) > 0);
  big.tail[3] = 1;
  assert_int_equal(
      pinhole_sip_rewrite(in, len, &big.nat, outbuf, sizeof(outbuf), &res),
      PINHOLE_ERR_STRUCT_SIZE);
  assert_int_equal(pinhole_sip_parse(in, len, 0, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_parse(NULL, 1, 0, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_parse(in, len, 4, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_parse(NULL, 0, PINHOLE_SIP_STREAM, &m),
                   PINHOLE_ERR_PARTIAL);
  /* Errors of the parser come through: partial on a stream. */
  nat.size = sizeof(nat);
  nat.flags = PINHOLE_SIP_STREAM;
  assert_int_equal(
      pinhole_sip_rewrite(in, len - 1, &nat, outbuf, sizeof(outbuf), &res),
      PINHOLE_ERR_PARTIAL);
}

static void test_sip_rewrite_encoded_body(void **state) {
  (void)state;
  static const char msg[] = "SIP/2.0 200 OK\r\nc: application/sdp\r\n"
                            "e: gzip\r\nl: 4\r\n\r\nv=0\n";
  pinhole_sip_msg m;
  assert_int_equal(parse_str(msg, 0, &m), 0);
  assert_true(m.flags & PINHOLE_SIP_MSG_ENCODED);
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(pinhole_sip_rewrite(U(msg), strlen(msg), &nat, outbuf,
                                       sizeof(outbuf), &res),
                   PINHOLE_ERR_UNSUPPORTED);
  /* Not SDP (multipart): the body is copied verbatim. */
  static const char mp[] = "SIP/2.0 200 OK\r\nc: multipart/mixed;b=x\r\n"
                           "l: 21\r\n\r\nc=IN IP4 198.18.0.2\r\n";
  rewrite_eq(mp, &nat, mp, &res);
  assert_int_equal(res.sdp_addr, 0);
}

static void test_sip_rewrite_grows_past_limit(void **state) {
  (void)state;
  /* A Contact line just under 4096 bytes that grows past it when its
   * addresses get longer: refused rather than emitted unparseable. */
  static char msg[8192];
  size_t n = (size_t)snprintf(msg, sizeof(msg), "SIP/2.0 200 OK\r\nm: ");
  while (n < 4000)
    n += (size_t)snprintf(msg + n, sizeof(msg) - n, "<sip:198.18.0.2>,");
  n += (size_t)snprintf(msg + n, sizeof(msg) - n, "<sip:x>\r\n\r\n");
  pinhole_sip_msg m;
  assert_int_equal(parse_str(msg, 0, &m), 0);
  pinhole_sip_nat nat;
  pinhole_sip_rewrite_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(
      pinhole_sip_rewrite(U(msg), n, &nat, outbuf, sizeof(outbuf), &res),
      PINHOLE_ERR_RANGE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sip_parse_invite),
      cmocka_unit_test(test_sip_rewrite_invite_outbound),
      cmocka_unit_test(test_sip_rewrite_200ok_inbound),
      cmocka_unit_test(test_sip_rewrite_bye_request_uri),
      cmocka_unit_test(test_sip_register_expires),
      cmocka_unit_test(test_sip_compact_forms),
      cmocka_unit_test(test_sip_rewrite_multiple_via),
      cmocka_unit_test(test_sip_rewrite_request_uri_literal),
      cmocka_unit_test(test_sip_sdp_parse_media),
      cmocka_unit_test(test_sip_rewrite_rtcp),
      cmocka_unit_test(test_sip_token_boundary),
      cmocka_unit_test(test_sip_hostile_content_length),
      cmocka_unit_test(test_sip_hostile_long_lines),
      cmocka_unit_test(test_sip_folded_header),
      cmocka_unit_test(test_sip_missing_crlfcrlf),
      cmocka_unit_test(test_sip_bad_start_line),
      cmocka_unit_test(test_sip_hostile_nul),
      cmocka_unit_test(test_sip_sdp_too_many_media),
      cmocka_unit_test(test_sip_too_many_headers),
      cmocka_unit_test(test_sip_rewrite_nobuf),
      cmocka_unit_test(test_sip_rewrite_args),
      cmocka_unit_test(test_sip_rewrite_encoded_body),
      cmocka_unit_test(test_sip_rewrite_grows_past_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the SIP/SDP parser and rewriter (lib/alg/sip_parse.c).
 * Addresses: inside 198.18.0.2:5060 (and 198.18.0.77:5062), outside
 * 198.19.100.200:40000 (and 198.19.0.7, 198.19.0.201), the remote peer
 * 198.19.0.100.
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
#define IN2_ADDR 0xC612004Du  /* 198.18.0.77 */
#define OUT2_ADDR 0xC6130007u /* 198.19.0.7 */
#define OUT3_ADDR 0xC61300C9u /* 198.19.0.201 */

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

static void nat_set(pinhole_sip_nat *nat, uint32_t dir, uint32_t in_addr,
                    uint16_t in_port, uint32_t out_addr, uint16_t out_port) {
  nat_init(nat, dir);
  nat->inside.addr = in_addr;
  nat->inside.port = in_port;
  nat->outside.addr = out_addr;
  nat->outside.port = out_port;
}

static void nat_map(pinhole_sip_nat *nat, uint16_t in, uint16_t out) {
  nat->port_map[nat->port_map_count].inside = in;
  nat->port_map[nat->port_map_count].outside = out;
  nat->port_map_count++;
}

static uint8_t outbuf[16384];

/* Translates in[0..len) and asserts the exact output (the message is
 * all of in unless it says otherwise). */
static void translate_eq_n(const char *in, size_t len,
                           const pinhole_sip_nat *nat, const char *want,
                           pinhole_sip_result *res) {
  memset(outbuf, 0xAA, sizeof(outbuf));
  res->size = sizeof(*res);
  int n = pinhole_sip_translate(U(in), len, nat, outbuf, sizeof(outbuf), res);
  if (n < 0)
    fail_msg("translate failed: %d", n);
  if ((size_t)n != strlen(want) || memcmp(outbuf, want, (size_t)n) != 0)
    fail_msg("got:\n%.*s\nwant:\n%s", n, (const char *)outbuf, want);
  assert_int_equal(res->out_len, (size_t)n);
  assert_int_equal(outbuf[n], 0xAA);
}

static void translate_eq(const char *in, const pinhole_sip_nat *nat,
                         const char *want, pinhole_sip_result *res) {
  translate_eq_n(in, strlen(in), nat, want, res);
  assert_int_equal(res->in_len, strlen(in));
}

/* pinhole_sip_translate() with res->size set. */
static int tr(const uint8_t *p, size_t len, const pinhole_sip_nat *nat,
              uint8_t *out, size_t cap, pinhole_sip_result *res) {
  if (res != NULL)
    res->size = sizeof(*res);
  return pinhole_sip_translate(p, len, nat, out, cap, res);
}

/* The error pinhole_sip_translate() gives for in. */
static int translate_rc(const char *in, const pinhole_sip_nat *nat,
                        pinhole_sip_result *res) {
  res->size = sizeof(*res);
  return pinhole_sip_translate(U(in), strlen(in), nat, outbuf, sizeof(outbuf),
                               res);
}

/* The old entry point gives the same bytes. */
static void rewrite_eq(const char *in, const pinhole_sip_nat *nat,
                       const char *want, pinhole_sip_result *res) {
  pinhole_sip_rewrite_result old;
  translate_eq(in, nat, want, res);
  int n =
      pinhole_sip_rewrite(U(in), strlen(in), nat, outbuf, sizeof(outbuf), &old);
  assert_int_equal(n, (int)strlen(want));
  assert_memory_equal(outbuf, want, (size_t)n);
  assert_int_equal(old.via, res->via);
  assert_int_equal(old.via_params, res->via_received + res->via_rport);
  assert_int_equal(old.contact, res->contact);
  assert_int_equal(old.sdp_addr, res->sdp_addr);
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
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat_map(&nat, 49170, 6000);
  rewrite_eq(
      invite, &nat,
      "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bK776asdhds;rport\r\n"
      "Max-Forwards: 70\r\n"
      "To: Bob <sip:bob@198.19.0.100>\r\n"
      "From: Alice <sip:alice@198.19.100.200:40000>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@198.19.100.200\r\n"
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
  assert_int_equal(res.via_received + res.via_rport, 0);
  assert_int_equal(res.contact, 1);
  assert_int_equal(res.route, 0);
  assert_int_equal(res.from_to, 1);
  assert_int_equal(res.other_uri, 0);
  assert_int_equal(res.call_id, 1);
  assert_int_equal(res.sdp_addr, 2);
  assert_int_equal(res.media_port, 1);
  assert_int_equal(res.rtcp_port, 0);
  assert_int_equal(res.content_length, 1);
  assert_int_equal(res.multipart, 0);
  assert_int_equal(res.skipped, 0);
  assert_int_equal(res.leftover, 0);
  assert_int_equal(res.size, sizeof(res));
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
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_INBOUND);
  nat_map(&nat, 3456, 3456); /* peer's port: its address is not ours */
  rewrite_eq(ok, &nat,
             "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bK776asdhds"
             ";received=198.18.0.2;rport=5060\r\n"
             "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bKlower\r\n"
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
  assert_int_equal(res.via, 2);
  assert_int_equal(res.via_received, 1);
  assert_int_equal(res.via_rport, 1);
  assert_int_equal(res.contact, 0);
  assert_int_equal(res.from_to, 0);
  assert_int_equal(res.sdp_addr, 0);
  assert_int_equal(res.media_port, 0);
  assert_int_equal(res.content_length, 0);
  assert_int_equal(res.leftover, 0);
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
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_INBOUND);
  rewrite_eq(bye, &nat,
             "BYE sip:alice@198.18.0.2:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.0.100:5060;branch=z9hG4bKnashds7\r\n"
             "Max-Forwards: 70\r\n"
             "From: Bob <sip:bob@198.19.0.100>;tag=a6c85cf\r\n"
             "To: Alice <sip:alice@198.18.0.2:5060>;tag=1928301774\r\n"
             "Call-ID: a84b4c76e66710@198.18.0.2\r\n"
             "CSeq: 231 BYE\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.request_uri, 1);
  assert_int_equal(res.from_to, 1);
  assert_int_equal(res.via, 0);
  assert_int_equal(res.call_id, 0);
  assert_int_equal(res.content_length, 0);
  /* The Call-ID names the inside address, but inbound that is not what
   * is translated away: no leftover. */
  assert_int_equal(res.leftover, 0);

  /* Outbound, the one rule is the same: whatever names the from
   * endpoint is translated, the Request-URI too. */
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, OUT_ADDR, 40000, OUT2_ADDR, 5060);
  rewrite_eq(bye, &nat,
             "BYE sip:alice@198.19.0.7:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.0.100:5060;branch=z9hG4bKnashds7\r\n"
             "Max-Forwards: 70\r\n"
             "From: Bob <sip:bob@198.19.0.100>;tag=a6c85cf\r\n"
             "To: Alice <sip:alice@198.19.0.7:5060>;tag=1928301774\r\n"
             "Call-ID: a84b4c76e66710@198.18.0.2\r\n"
             "CSeq: 231 BYE\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.request_uri, 1);
  assert_int_equal(res.from_to, 1);
  assert_int_equal(res.leftover, 0);
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
  pinhole_sip_result res;
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
  assert_int_equal(res.via_received, 1);
  assert_int_equal(res.via_rport, 0);
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
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat_map(&nat, 49170, 6000);
  rewrite_eq(msg, &nat,
             "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"
             "v: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bKc\r\n"
             "f: <sip:alice@198.19.100.200:40000>;tag=1\r\n"
             "t: <sip:bob@198.19.0.100>\r\n"
             "i: compact-1@198.19.100.200\r\n"
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
  assert_int_equal(res.from_to, 1);
  assert_int_equal(res.call_id, 1);
  assert_int_equal(res.leftover, 0);
}

static void test_sip_rewrite_every_via(void **state) {
  (void)state;
  /* Every Via value naming the from endpoint is translated, in separate
   * fields and comma-separated in one: the top one is the sender's; a
   * lower one naming the same endpoint is that host met earlier on the
   * path (a spiral) and would leak otherwise. The same address with
   * another port is someone else's: left, and counted as leftover. */
  static const char msg[] =
      "OPTIONS sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.18.0.77:5062;branch=z9hG4bKtop;rport, "
      "SIP/2.0/UDP 198.19.0.100;branch=z9hG4bKmid\r\n"
      "Via: SIP/2.0/TCP 198.18.0.77:5062;branch=z9hG4bKlow"
      ";received=198.18.0.77\r\n"
      "v: SIP/2.0/UDP 198.18.0.77:5070;branch=z9hG4bKother\r\n"
      "CSeq: 7 OPTIONS\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, IN2_ADDR, 5062, OUT3_ADDR, 5060);
  rewrite_eq(msg, &nat,
             "OPTIONS sip:bob@198.19.0.100 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.0.201:5060;branch=z9hG4bKtop;rport, "
             "SIP/2.0/UDP 198.19.0.100;branch=z9hG4bKmid\r\n"
             "Via: SIP/2.0/TCP 198.19.0.201:5060;branch=z9hG4bKlow"
             ";received=198.19.0.201\r\n"
             "v: SIP/2.0/UDP 198.18.0.77:5070;branch=z9hG4bKother\r\n"
             "CSeq: 7 OPTIONS\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.via, 2);
  assert_int_equal(res.via_received, 1);
  assert_int_equal(res.via_rport, 0);
  assert_int_equal(res.skipped, 0);
  assert_int_equal(res.leftover, 1);

  /* The response comes back: every value naming the public endpoint
   * returns to the inside one; rport= too where the value is ours (by
   * sent-by or by received=), not in a stranger's value. */
  nat.dir = PINHOLE_SIP_DIR_INBOUND;
  rewrite_eq("SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 198.19.0.201;branch=z9hG4bKtop;rport=5060"
             ";received=198.19.0.201, "
             "SIP/2.0/UDP 198.19.0.100;branch=z9hG4bKmid;rport=5060\r\n"
             "Via: SIP/2.0/TCP 198.19.0.201:5060;branch=z9hG4bKlow\r\n"
             "Via: SIP/2.0/UDP pc.example.com;rport=5060"
             ";received=198.19.0.201;branch=z9hG4bKname\r\n"
             "CSeq: 7 OPTIONS\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &nat,
             "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 198.18.0.77:5062;branch=z9hG4bKtop;rport=5062"
             ";received=198.18.0.77, "
             "SIP/2.0/UDP 198.19.0.100;branch=z9hG4bKmid;rport=5060\r\n"
             "Via: SIP/2.0/TCP 198.18.0.77:5062;branch=z9hG4bKlow\r\n"
             "Via: SIP/2.0/UDP pc.example.com;rport=5062"
             ";received=198.18.0.77;branch=z9hG4bKname\r\n"
             "CSeq: 7 OPTIONS\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.via, 2);
  assert_int_equal(res.via_received, 2);
  assert_int_equal(res.via_rport, 2);
  assert_int_equal(res.leftover, 0);

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
  /* A Via value we cannot read is counted and left alone (the values
   * before it are done); its address stays, and is leftover. */
  static const char bad[] =
      "ACK sip:b SIP/2.0\r\nVia: SIP/2.0 198.18.0.2\r\n\r\n";
  rewrite_eq(bad, &nat, bad, &res);
  assert_int_equal(res.skipped, 1);
  assert_int_equal(res.leftover, 1);
  rewrite_eq("ACK sip:b SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.18.0.2;branch=z9hG4bK1, "
             "SIP/2.0/UDP 198.18.0.2 x\r\n\r\n",
             &nat,
             "ACK sip:b SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bK1, "
             "SIP/2.0/UDP 198.18.0.2 x\r\n\r\n",
             &res);
  assert_int_equal(res.via, 1);
  assert_int_equal(res.skipped, 1);
  assert_int_equal(res.leftover, 1);
}

static void test_sip_rewrite_request_uri_literal(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_result res;
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
  pinhole_sip_result res;
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
  pinhole_sip_result res;
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
  /* Beyond the body: the datagram disagrees with it (RANGE), more is to
   * come on a stream. */
  snprintf(buf, sizeof(buf), "%s10\r\n\r\nbody", h);
  assert_int_equal(parse_str(buf, 0, &m), PINHOLE_ERR_RANGE);
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
  pinhole_sip_result res;
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
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat.flags = PINHOLE_SIP_STREAM;
  assert_int_equal(tr(U(two), strlen(two), &nat, outbuf, sizeof(outbuf), &res),
                   28);
  assert_int_equal(res.in_len, 28);
  assert_memory_equal(outbuf, two, 28);
  assert_int_equal(tr(U("\r\n"), 2, &nat, outbuf, sizeof(outbuf), &res),
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
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(
      tr(U(sdp), sizeof(sdp) - 1, &nat, outbuf, sizeof(outbuf), &res),
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
  /* The 17th m= line: the media table is full (a limit of ours, not a
   * malformed body); the first 16 are there. */
  assert_int_equal(pinhole_sip_sdp_parse(U(body), n, &s), PINHOLE_ERR_FULL);
  assert_int_equal(s.media_count, 16);
  static char msg[sizeof(body) + 128];
  int ml = snprintf(msg, sizeof(msg),
                    "SIP/2.0 200 OK\r\nc: application/sdp\r\nl: %zu\r\n\r\n%s",
                    n, body);
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  pinhole_sip_range r;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(tr(U(msg), (size_t)ml, &nat, outbuf, sizeof(outbuf), &res),
                   PINHOLE_ERR_FULL);
  assert_int_equal(res.in_len, (size_t)ml);
  /* Finding it is not reading it. */
  assert_int_equal(pinhole_sip_sdp_find(U(msg), (size_t)ml, 0, &r), 0);
  assert_int_equal(r.off, (size_t)ml - n);
  assert_int_equal(r.len, n);
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
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  nat_map(&nat, 49170, 6000);
  size_t want;
  assert_int_equal(tr(U(invite), strlen(invite), &nat, NULL, 0, &res),
                   PINHOLE_ERR_NOBUF);
  /* Via +5, From +10 (a port added), Call-ID +4, Contact +5, body +7,
   * Content-Length digits +0. */
  assert_int_equal(res.out_len, strlen(invite) + 31);
  want = res.out_len;
  static uint8_t small[1024];
  memset(small, 0xAA, sizeof(small));
  assert_int_equal(tr(U(invite), strlen(invite), &nat, small, want - 1, &res),
                   PINHOLE_ERR_NOBUF);
  assert_int_equal(small[want - 1], 0xAA); /* never writes past cap */
  assert_int_equal(tr(U(invite), strlen(invite), &nat, small, want, &res),
                   (int)want);
}

static void test_sip_rewrite_args(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  pinhole_sip_msg m;
  const uint8_t *in = U(invite);
  size_t len = strlen(invite);
  assert_int_equal(pinhole_sip_nat_default(NULL, sizeof(nat)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_nat_default(&nat, sizeof(nat) - 1),
                   PINHOLE_ERR_INVALID_ARG);
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(tr(in, len, &nat, outbuf, 10, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  /* The result's size: smaller than ours refused, larger kept. */
  res.size = sizeof(res) - 1;
  assert_int_equal(
      pinhole_sip_translate(in, len, &nat, outbuf, sizeof(outbuf), &res),
      PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(res.size, sizeof(res) - 1);
  struct {
    pinhole_sip_result r;
    uint32_t tail;
  } bigres;
  memset(&bigres, 0x55, sizeof(bigres));
  bigres.r.size = sizeof(bigres);
  assert_true(pinhole_sip_translate(in, len, &nat, outbuf, sizeof(outbuf),
                                    &bigres.r) > 0);
  assert_int_equal(bigres.r.size, sizeof(bigres));
  assert_int_equal(bigres.r.in_len, len);
  assert_int_equal(bigres.r.leftover, 0);
  assert_int_equal(bigres.tail, 0x55555555u);
  assert_int_equal(tr(in, len, NULL, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(tr(NULL, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(tr(in, len, &nat, NULL, 10, &res), PINHOLE_ERR_INVALID_ARG);
  nat.dir = 3;
  assert_int_equal(tr(in, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  nat.dir = PINHOLE_SIP_DIR_OUTBOUND;
  nat.flags = 2;
  assert_int_equal(tr(in, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  nat.flags = 0;
  nat.port_map_count = 17;
  assert_int_equal(tr(in, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  nat.port_map_count = 0;
  nat.size = sizeof(nat) - 1;
  assert_int_equal(tr(in, len, &nat, outbuf, 10, &res),
                   PINHOLE_ERR_INVALID_ARG);
  /* A newer caller's larger struct: zero tail accepted, non-zero refused. */
  struct {
    pinhole_sip_nat nat;
    uint8_t tail[8];
  } big;
  assert_int_equal(pinhole_sip_nat_default(&big.nat, sizeof(big)), 0);
  big.nat.inside = nat.inside;
  big.nat.outside = nat.outside;
  assert_true(tr(in, len, &big.nat, outbuf, sizeof(outbuf), &res) > 0);
  big.tail[3] = 1;
  assert_int_equal(tr(in, len, &big.nat, outbuf, sizeof(outbuf), &res),
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
  assert_int_equal(tr(in, len - 1, &nat, outbuf, sizeof(outbuf), &res),
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
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(tr(U(msg), strlen(msg), &nat, outbuf, sizeof(outbuf), &res),
                   PINHOLE_ERR_UNSUPPORTED);
  pinhole_sip_range r;
  assert_int_equal(pinhole_sip_sdp_find(U(msg), strlen(msg), 0, &r),
                   PINHOLE_ERR_UNSUPPORTED);
  /* The same for a multipart body: its SDP cannot be seen. */
  static const char mpz[] = "SIP/2.0 200 OK\r\n"
                            "c: multipart/mixed;boundary=x\r\n"
                            "e: gzip\r\nl: 4\r\n\r\nv=0\n";
  assert_int_equal(translate_rc(mpz, &nat, &res), PINHOLE_ERR_UNSUPPORTED);
  /* Not SDP: the body is copied verbatim and not looked at (even with
   * the inside address in it). */
  static const char txt[] = "MESSAGE sip:b@198.19.0.100 SIP/2.0\r\n"
                            "c: text/plain\r\n"
                            "l: 21\r\n\r\nc=IN IP4 198.18.0.2\r\n";
  rewrite_eq(txt, &nat, txt, &res);
  assert_int_equal(res.sdp_addr, 0);
  assert_int_equal(res.leftover, 0);
  assert_int_equal(pinhole_sip_sdp_find(U(txt), strlen(txt), 0, &r),
                   PINHOLE_ERR_NOMATCH);
  assert_int_equal(r.off + r.len, 0);
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
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  assert_int_equal(tr(U(msg), n, &nat, outbuf, sizeof(outbuf), &res),
                   PINHOLE_ERR_UNSUPPORTED);
}

/* ------------------------------------------------------------------ */
/* From, To and the other fields that carry URIs                       */

static const char ack_alice[] =
    "ACK sip:bob@198.19.0.100:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 198.18.0.77:5062;branch=z9hG4bK74b43\r\n"
    "Max-Forwards: 70\r\n"
    "From: Alice <sip:alice@198.18.0.77:5062>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@198.19.0.100:5060>;tag=314159\r\n"
    "Call-ID: 3848276298220188511@198.18.0.77\r\n"
    "CSeq: 1 ACK\r\n"
    "Contact: <sip:alice@198.18.0.77:5062>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char bye_alice[] =
    "BYE sip:bob@198.19.0.100:5060 SIP/2.0\r\n"
    "v: SIP/2.0/UDP 198.18.0.77:5062;branch=z9hG4bK74b44\r\n"
    "f: sip:alice@198.18.0.77:5062;tag=9fxced76sl\r\n"
    "t: Bob <sip:bob@198.19.0.100:5060>;tag=314159\r\n"
    "i: 3848276298220188511@198.18.0.77\r\n"
    "CSeq: 2 BYE\r\n"
    "l: 0\r\n"
    "\r\n";

static void test_sip_rewrite_from_to(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  /* Issue 14: From names the inside endpoint in INVITE, ACK and BYE. */
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, IN2_ADDR, 5062, OUT3_ADDR, 40123);
  rewrite_eq(ack_alice, &nat,
             "ACK sip:bob@198.19.0.100:5060 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.0.201:40123;branch=z9hG4bK74b43\r\n"
             "Max-Forwards: 70\r\n"
             "From: Alice <sip:alice@198.19.0.201:40123>;tag=9fxced76sl\r\n"
             "To: Bob <sip:bob@198.19.0.100:5060>;tag=314159\r\n"
             "Call-ID: 3848276298220188511@198.19.0.201\r\n"
             "CSeq: 1 ACK\r\n"
             "Contact: <sip:alice@198.19.0.201:40123>\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.via, 1);
  assert_int_equal(res.from_to, 1);
  assert_int_equal(res.call_id, 1);
  assert_int_equal(res.contact, 1);
  assert_int_equal(res.leftover, 0);
  /* Compact names and an addr-spec without brackets (;tag is a field
   * parameter then, RFC 3261 20.10). */
  rewrite_eq(bye_alice, &nat,
             "BYE sip:bob@198.19.0.100:5060 SIP/2.0\r\n"
             "v: SIP/2.0/UDP 198.19.0.201:40123;branch=z9hG4bK74b44\r\n"
             "f: sip:alice@198.19.0.201:40123;tag=9fxced76sl\r\n"
             "t: Bob <sip:bob@198.19.0.100:5060>;tag=314159\r\n"
             "i: 3848276298220188511@198.19.0.201\r\n"
             "CSeq: 2 BYE\r\n"
             "l: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.from_to, 1);
  assert_int_equal(res.call_id, 1);
  assert_int_equal(res.leftover, 0);

  /* The inside endpoint called: the caller addressed its public
   * endpoint; the request comes in with it in the Request-URI and To,
   * the answer goes out with the inside one translated back. */
  nat.dir = PINHOLE_SIP_DIR_INBOUND;
  rewrite_eq("INVITE sip:carol@198.19.0.201:40123 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.0.100;branch=z9hG4bKin\r\n"
             "From: <sip:dave@198.19.0.100>;tag=77\r\n"
             "To: <sip:carol@198.19.0.201:40123>\r\n"
             "Call-ID: in-1@198.19.0.100\r\n"
             "CSeq: 9 INVITE\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &nat,
             "INVITE sip:carol@198.18.0.77:5062 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.0.100;branch=z9hG4bKin\r\n"
             "From: <sip:dave@198.19.0.100>;tag=77\r\n"
             "To: <sip:carol@198.18.0.77:5062>\r\n"
             "Call-ID: in-1@198.19.0.100\r\n"
             "CSeq: 9 INVITE\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.request_uri, 1);
  assert_int_equal(res.from_to, 1);
  nat.dir = PINHOLE_SIP_DIR_OUTBOUND;
  rewrite_eq("SIP/2.0 180 Ringing\r\n"
             "Via: SIP/2.0/UDP 198.19.0.100;branch=z9hG4bKin\r\n"
             "From: <sip:dave@198.19.0.100>;tag=77\r\n"
             "To: <sip:carol@198.18.0.77:5062>;tag=c1\r\n"
             "Call-ID: in-1@198.19.0.100\r\n"
             "CSeq: 9 INVITE\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &nat,
             "SIP/2.0 180 Ringing\r\n"
             "Via: SIP/2.0/UDP 198.19.0.100;branch=z9hG4bKin\r\n"
             "From: <sip:dave@198.19.0.100>;tag=77\r\n"
             "To: <sip:carol@198.19.0.201:40123>;tag=c1\r\n"
             "Call-ID: in-1@198.19.0.100\r\n"
             "CSeq: 9 INVITE\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.from_to, 1);
  assert_int_equal(res.via, 0);
}

static void test_sip_rewrite_uri_fields(void **state) {
  (void)state;
  /* Every field whose values carry URIs, one rule for all; what the rule
   * cannot reach (an escaped address in a URI header, an http: URI, free
   * text) stays and is counted. */
  static const char msg[] =
      "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.18.0.2;branch=z9hG4bKu\r\n"
      "From: <sip:alice@198.18.0.2>;tag=1\r\n"
      "To: <sip:bob@198.19.0.100>\r\n"
      "Call-ID: u1\r\n"
      "CSeq: 1 INVITE\r\n"
      "P-Asserted-Identity: \"Alice, A\" <sip:alice@198.18.0.2>, "
      "<tel:+15551234>\r\n"
      "P-Preferred-Identity: <sips:alice@198.18.0.2:5060>\r\n"
      "Reply-To: Alice <sip:alice@198.18.0.2>\r\n"
      "Refer-To: <sip:carol@198.18.0.2?Replaces=abc%40198.18.0.2>\r\n"
      "b: <sip:alice@198.18.0.2>\r\n"
      "Path: <sip:198.18.0.2;lr>\r\n"
      "Service-Route: <sip:198.18.0.2;lr>\r\n"
      "Record-Route: <sip:198.18.0.2;lr>\r\n"
      "Route: <sip:198.19.0.100;lr>\r\n"
      "Diversion: <sip:alice@198.18.0.2>;reason=unconditional\r\n"
      "History-Info: <sip:alice@198.18.0.2?Reason=SIP%3Bcause%3D302>"
      ";index=1\r\n"
      "Remote-Party-ID: \"Alice\" <sip:alice@198.18.0.2>;party=calling\r\n"
      "P-Called-Party-ID: <sip:alice@198.18.0.2>\r\n"
      "P-Associated-URI: <sip:alice@198.18.0.2>\r\n"
      "Alert-Info: <http://198.18.0.2/ring.wav>\r\n"
      "Call-Info: <sip:198.18.0.2>;purpose=info\r\n"
      "Error-Info: <sip:198.18.0.2>\r\n"
      "Subject: a call from 198.18.0.2\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, IN_ADDR, 5060, OUT2_ADDR, 5060);
  rewrite_eq(msg, &nat,
             "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.19.0.7;branch=z9hG4bKu\r\n"
             "From: <sip:alice@198.19.0.7>;tag=1\r\n"
             "To: <sip:bob@198.19.0.100>\r\n"
             "Call-ID: u1\r\n"
             "CSeq: 1 INVITE\r\n"
             "P-Asserted-Identity: \"Alice, A\" <sip:alice@198.19.0.7>, "
             "<tel:+15551234>\r\n"
             "P-Preferred-Identity: <sips:alice@198.19.0.7:5060>\r\n"
             "Reply-To: Alice <sip:alice@198.19.0.7>\r\n"
             "Refer-To: <sip:carol@198.19.0.7?Replaces=abc%40198.18.0.2>\r\n"
             "b: <sip:alice@198.19.0.7>\r\n"
             "Path: <sip:198.19.0.7;lr>\r\n"
             "Service-Route: <sip:198.19.0.7;lr>\r\n"
             "Record-Route: <sip:198.19.0.7;lr>\r\n"
             "Route: <sip:198.19.0.100;lr>\r\n"
             "Diversion: <sip:alice@198.19.0.7>;reason=unconditional\r\n"
             "History-Info: <sip:alice@198.19.0.7?Reason=SIP%3Bcause%3D302>"
             ";index=1\r\n"
             "Remote-Party-ID: \"Alice\" <sip:alice@198.19.0.7>"
             ";party=calling\r\n"
             "P-Called-Party-ID: <sip:alice@198.19.0.7>\r\n"
             "P-Associated-URI: <sip:alice@198.19.0.7>\r\n"
             "Alert-Info: <http://198.18.0.2/ring.wav>\r\n"
             "Call-Info: <sip:198.19.0.7>;purpose=info\r\n"
             "Error-Info: <sip:198.19.0.7>\r\n"
             "Subject: a call from 198.18.0.2\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.via, 1);
  assert_int_equal(res.from_to, 1);
  assert_int_equal(res.route, 3);
  assert_int_equal(res.other_uri, 12);
  assert_int_equal(res.contact, 0);
  assert_int_equal(res.skipped, 0);
  assert_int_equal(res.leftover, 3);
  /* A value that does not parse is counted and kept; what it carries is
   * leftover. */
  rewrite_eq("OPTIONS sip:b SIP/2.0\r\n"
             "Reply-To: <sip:alice@198.18.0.2>, \"open <sip:a@198.18.0.2>\r\n"
             "\r\n",
             &nat,
             "OPTIONS sip:b SIP/2.0\r\n"
             "Reply-To: <sip:alice@198.19.0.7>, \"open <sip:a@198.18.0.2>\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.other_uri, 1);
  assert_int_equal(res.skipped, 1);
  assert_int_equal(res.leftover, 1);
}

static void test_sip_rewrite_call_id_words(void **state) {
  (void)state;
  /* Call-ID and the fields naming Call-IDs are words: each host token
   * equal to the address is translated (address only), both ways, so
   * both ends see one Call-ID each. */
  static const char out_msg[] =
      "OPTIONS sip:b@198.19.0.100 SIP/2.0\r\n"
      "Call-ID: 198.18.0.2-77@198.18.0.2\r\n"
      "Replaces: 1234@198.18.0.2;to-tag=a;from-tag=b\r\n"
      "In-Reply-To: 70710@198.18.0.2, 17320@198.18.0.2\r\n"
      "Join: x@198.18.0.25;to-tag=1;from-tag=2\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, IN_ADDR, 5060, OUT3_ADDR, 40000);
  rewrite_eq(out_msg, &nat,
             "OPTIONS sip:b@198.19.0.100 SIP/2.0\r\n"
             "Call-ID: 198.18.0.2-77@198.19.0.201\r\n"
             "Replaces: 1234@198.19.0.201;to-tag=a;from-tag=b\r\n"
             "In-Reply-To: 70710@198.19.0.201, 17320@198.19.0.201\r\n"
             "Join: x@198.18.0.25;to-tag=1;from-tag=2\r\n"
             "Content-Length: 0\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.call_id, 4);
  assert_int_equal(res.leftover, 0);
  nat.dir = PINHOLE_SIP_DIR_INBOUND;
  rewrite_eq(
      "SIP/2.0 200 OK\r\nCall-ID: 198.18.0.2-77@198.19.0.201\r\n\r\n", &nat,
      "SIP/2.0 200 OK\r\nCall-ID: 198.18.0.2-77@198.18.0.2\r\n\r\n", &res);
  assert_int_equal(res.call_id, 1);
}

/* ------------------------------------------------------------------ */
/* Multipart bodies                                                    */

#define MP_SDP(ip, port)                                                       \
  "v=0\r\n"                                                                    \
  "o=- 1 1 IN IP4 " ip "\r\n"                                                  \
  "s=-\r\n"                                                                    \
  "c=IN IP4 " ip "\r\n"                                                        \
  "t=0 0\r\n"                                                                  \
  "m=audio " port " RTP/AVP 0\r\n"

#define MP_ISUP                                                                \
  "Content-Type: application/isup; version=itu-t92+\r\n"                       \
  "Content-Disposition: signal; handling=optional\r\n"                         \
  "\r\n"                                                                       \
  "\x01\x02\x49\x7f calling 198.18.0.77\r\n"

#define MP_BODY(ip, port)                                                      \
  "preamble, ignored\r\n"                                                      \
  "--unique-boundary-1\r\n"                                                    \
  "Content-Type: application/sdp\r\n"                                          \
  "\r\n" MP_SDP(ip, port) "\r\n"                                               \
                          "--unique-boundary-1 \r\n" MP_ISUP                   \
                          "--unique-boundary-1--\r\n"                          \
                          "epilogue 198.18.0.77\r\n"

#define MP_HEAD(ip, port)                                                      \
  "INVITE sip:bob@198.19.0.100 SIP/2.0\r\n"                                    \
  "Via: SIP/2.0/UDP " ip ":" port ";branch=z9hG4bKmp\r\n"                      \
  "To: <sip:bob@198.19.0.100>\r\n"                                             \
  "From: <sip:alice@example.com>;tag=1\r\n"                                    \
  "Call-ID: mp1\r\n"                                                           \
  "CSeq: 1 INVITE\r\n"                                                         \
  "Content-Type: multipart/mixed;boundary=unique-boundary-1\r\n"

static size_t mp_msg(char *buf, size_t cap, const char *head,
                     const char *body) {
  int n = snprintf(buf, cap, "%sContent-Length: %zu\r\n\r\n%s", head,
                   strlen(body), body);
  return (size_t)n;
}

static void test_sip_multipart(void **state) {
  (void)state;
  static char in[2048], want[2048];
  mp_msg(in, sizeof(in), MP_HEAD("198.18.0.77", "5062"),
         MP_BODY("198.18.0.77", "49170"));
  mp_msg(want, sizeof(want), MP_HEAD("198.19.0.201", "40123"),
         MP_BODY("198.19.0.201", "6000"));
  pinhole_sip_msg m;
  assert_int_equal(parse_str(in, 0, &m), 0);
  assert_int_equal(m.flags & (PINHOLE_SIP_MSG_MULTIPART | PINHOLE_SIP_MSG_SDP),
                   PINHOLE_SIP_MSG_MULTIPART);
  /* The SDP part: after its header block, up to the line break that
   * belongs to the next boundary. */
  pinhole_sip_range r;
  assert_int_equal(pinhole_sip_sdp_find(U(in), strlen(in), 0, &r), 0);
  const char *sdp = MP_SDP("198.18.0.77", "49170");
  assert_int_equal(r.len, strlen(sdp));
  assert_memory_equal(in + r.off, sdp, r.len);
  pinhole_sdp sd;
  assert_int_equal(pinhole_sip_sdp_parse(U(in) + r.off, r.len, &sd), 0);
  assert_int_equal(sd.media[0].addr, IN2_ADDR);

  /* Only the SDP part changes (o= and c= +1 each, m= -1); the other part,
   * the preamble and the epilogue stay byte for byte (the epilogue names
   * the inside address: bodies other than SDP are not looked at);
   * Content-Length follows. */
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, IN2_ADDR, 5062, OUT3_ADDR, 40123);
  nat_map(&nat, 49170, 6000);
  rewrite_eq(in, &nat, want, &res);
  assert_int_equal(res.multipart, 1);
  assert_int_equal(res.sdp_addr, 2);
  assert_int_equal(res.media_port, 1);
  assert_int_equal(res.content_length, 1);
  assert_int_equal(res.body_len, strlen(MP_BODY("198.18.0.77", "49170")) + 1);
  assert_int_equal(res.leftover, 0);
  /* And back: the answer in the same shape comes in. */
  nat.dir = PINHOLE_SIP_DIR_INBOUND;
  rewrite_eq(want, &nat, in, &res);
  assert_int_equal(res.sdp_addr, 2);
  assert_int_equal(res.media_port, 1);

  /* A quoted boundary with a space, the SDP as the second part, no
   * preamble, LF-only SDP lines. */
  static const char q[] =
      "SIP/2.0 200 OK\r\n"
      "Content-Type: multipart/related; boundary=\"simple boundary\"\r\n"
      "Content-Length: 149\r\n"
      "\r\n"
      "--simple boundary\r\n"
      "\r\n"
      "text part\r\n"
      "--simple boundary\r\n"
      "content-type: Application/SDP\r\n"
      "\r\n"
      "c=IN IP4 198.18.0.2\n"
      "m=audio 49170 RTP/AVP 0\n"
      "\r\n"
      "--simple boundary--";
  assert_int_equal(strlen(q) - (size_t)(strstr(q, "\r\n\r\n") - q) - 4, 149);
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  rewrite_eq(q, &nat,
             "SIP/2.0 200 OK\r\n"
             "Content-Type: multipart/related; boundary=\"simple boundary\"\r\n"
             "Content-Length: 153\r\n"
             "\r\n"
             "--simple boundary\r\n"
             "\r\n"
             "text part\r\n"
             "--simple boundary\r\n"
             "content-type: Application/SDP\r\n"
             "\r\n"
             "c=IN IP4 198.19.100.200\n"
             "m=audio 49170 RTP/AVP 0\n"
             "\r\n"
             "--simple boundary--",
             &res);
  assert_int_equal(res.sdp_addr, 1);
  assert_int_equal(res.multipart, 1);

  /* No SDP part: nothing to find, the body is copied. */
  static const char none[] = "MESSAGE sip:b SIP/2.0\r\n"
                             "Content-Type: multipart/mixed;boundary=b1\r\n"
                             "\r\n"
                             "--b1\r\n"
                             "Content-Type: text/plain\r\n"
                             "\r\n"
                             "c=IN IP4 198.18.0.2\r\n"
                             "--b1--\r\n";
  assert_int_equal(pinhole_sip_sdp_find(U(none), strlen(none), 0, &r),
                   PINHOLE_ERR_NOMATCH);
  rewrite_eq(none, &nat, none, &res);
  assert_int_equal(res.multipart, 0);
  assert_int_equal(res.leftover, 0);
}

/* Multipart forms that cannot be handled: exact errors. */
static void test_sip_multipart_hostile(void **state) {
  (void)state;
  static const struct {
    const char *ctype, *body;
    int rc;
  } cases[] = {
      /* no boundary parameter, an empty one, 71 bytes, a trailing space */
      {"multipart/mixed", "--b\r\n\r\nx\r\n--b--", PINHOLE_ERR_PARSE},
      {"multipart/mixed;boundary=\"\"", "--\r\n--", PINHOLE_ERR_PARSE},
      {"multipart/mixed;boundary=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
       "x", PINHOLE_ERR_PARSE},
      {"multipart/mixed;boundary=\"b \"", "--b \r\n--b --", PINHOLE_ERR_PARSE},
      /* no opening boundary; no closing one; "--b" glued to more */
      {"multipart/mixed;boundary=b", "c=IN IP4 198.18.0.2\r\n",
       PINHOLE_ERR_PARSE},
      {"multipart/mixed;boundary=b",
       "--b\r\nContent-Type: application/sdp\r\n\r\nc=IN IP4 198.18.0.2\r\n",
       PINHOLE_ERR_PARSE},
      {"multipart/mixed;boundary=b", "--bb\r\n\r\nx\r\n--bb--",
       PINHOLE_ERR_PARSE},
      /* a part header line without a colon; a fold with nothing above */
      {"multipart/mixed;boundary=b", "--b\r\nContent-Type\r\n\r\nx\r\n--b--",
       PINHOLE_ERR_PARSE},
      {"multipart/mixed;boundary=b", "--b\r\n x\r\n\r\nx\r\n--b--",
       PINHOLE_ERR_PARSE},
      /* nested multipart: cannot see inside */
      {"multipart/mixed;boundary=b",
       "--b\r\nContent-Type: multipart/alternative;boundary=c\r\n\r\n"
       "--c\r\n\r\nx\r\n--c--\r\n--b--",
       PINHOLE_ERR_UNSUPPORTED},
      /* two SDP parts */
      {"multipart/mixed;boundary=b",
       "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n"
       "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--b--",
       PINHOLE_ERR_UNSUPPORTED},
      /* an encoded SDP part, one with its own Content-Length */
      {"multipart/mixed;boundary=b",
       "--b\r\nContent-Type: application/sdp\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\ndj0wDQo=\r\n--b--",
       PINHOLE_ERR_UNSUPPORTED},
      {"multipart/mixed;boundary=b",
       "--b\r\nContent-Type: application/sdp\r\nContent-Encoding: gzip\r\n"
       "\r\nv=0\r\n--b--",
       PINHOLE_ERR_UNSUPPORTED},
      {"multipart/mixed;boundary=b",
       "--b\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n"
       "\r\nv=0\r\n--b--",
       PINHOLE_ERR_UNSUPPORTED},
      /* an SDP part over the media limit */
      {"multipart/mixed;boundary=b",
       "--b\r\nContent-Type: application/sdp\r\n\r\n"
       "m=audio 1 R 0\r\nm=audio 2 R 0\r\nm=audio 3 R 0\r\nm=audio 4 R 0\r\n"
       "m=audio 5 R 0\r\nm=audio 6 R 0\r\nm=audio 7 R 0\r\nm=audio 8 R 0\r\n"
       "m=audio 9 R 0\r\nm=audio 10 R 0\r\nm=audio 11 R 0\r\n"
       "m=audio 12 R 0\r\nm=audio 13 R 0\r\nm=audio 14 R 0\r\n"
       "m=audio 15 R 0\r\nm=audio 16 R 0\r\nm=audio 17 R 0\r\n--b--",
       PINHOLE_ERR_FULL},
      /* a malformed SDP part */
      {"multipart/mixed;boundary=b",
       "--b\r\nContent-Type: application/sdp\r\n\r\nm=audio x R 0\r\n--b--",
       PINHOLE_ERR_PARSE},
  };
  static char msg[1024];
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  pinhole_sip_range r;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    snprintf(msg, sizeof(msg),
             "MESSAGE sip:b SIP/2.0\r\nContent-Type: %s\r\n\r\n%s",
             cases[i].ctype, cases[i].body);
    int rc = translate_rc(msg, &nat, &res);
    if (rc != cases[i].rc)
      fail_msg("case %zu: %d, want %d", i, rc, cases[i].rc);
    /* Finding the SDP does not read it: an SDP error is not find's. */
    int frc = pinhole_sip_sdp_find(U(msg), strlen(msg), 0, &r);
    int fwant = strstr(cases[i].body, "m=audio") != NULL ? 0 : cases[i].rc;
    if (frc != fwant)
      fail_msg("case %zu: find %d, want %d", i, frc, fwant);
  }
}

/* ------------------------------------------------------------------ */
/* Framing: datagrams, streams, keep-alives                            */

static void test_sip_datagram_length(void **state) {
  (void)state;
  pinhole_sip_msg m;
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  const char *h = "MESSAGE sip:x@198.19.0.100 SIP/2.0\r\n"
                  "Via: SIP/2.0/UDP 198.18.0.2;branch=z9hG4bKd\r\n"
                  "Content-Length: ";
  char buf[512];
  /* Bytes after the body that are not a message: Content-Length lies
   * (RANGE), as when the body is short. */
  static const struct {
    const char *clen_body;
    int rc;
  } cases[] = {
      {"2\r\n\r\nbody", PINHOLE_ERR_RANGE},
      {"10\r\n\r\nbody", PINHOLE_ERR_RANGE},
      {"0\r\n\r\nc=IN IP4 198.18.0.2\r\n", PINHOLE_ERR_RANGE},
      {"0\r\n\r\nINVITE sip:b@198.19.0.100 SIP/2.", PINHOLE_ERR_RANGE},
      {"0\r\n\r\nSIP/2.0 20 OK\r\n\r\n", PINHOLE_ERR_RANGE},
      /* a second message, whole or only its start line, after blanks
       * or not: POLICY */
      {"0\r\n\r\nINVITE sip:b@198.19.0.100 SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 198.18.0.2\r\n\r\n",
       PINHOLE_ERR_POLICY},
      {"4\r\n\r\nbody\r\n\r\nSIP/2.0 200 OK\r\n", PINHOLE_ERR_POLICY},
      /* blanks after the body are not a message: accepted */
      {"4\r\n\r\nbody\r\n\r\n \t", 0},
      {"4\r\n\r\nbody", 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    snprintf(buf, sizeof(buf), "%s%s", h, cases[i].clen_body);
    int rc = parse_str(buf, 0, &m);
    if (rc != cases[i].rc)
      fail_msg("case %zu: parse %d, want %d", i, rc, cases[i].rc);
    rc = translate_rc(buf, &nat, &res);
    if (rc != (cases[i].rc == 0 ? (int)res.out_len : cases[i].rc))
      fail_msg("case %zu: translate %d, want %d", i, rc, cases[i].rc);
  }
  /* The accepted one with trailing blanks: the message stops at its
   * body, and the rewrite replaces just that. */
  snprintf(buf, sizeof(buf), "%s4\r\n\r\nbody\r\n\r\n \t", h);
  assert_int_equal(parse_str(buf, 0, &m), 0);
  assert_int_equal(m.msg_len, strlen(buf) - 6);
  translate_eq_n(buf, strlen(buf), &nat,
                 "MESSAGE sip:x@198.19.0.100 SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 198.19.100.200:40000;branch=z9hG4bKd\r\n"
                 "Content-Length: 4\r\n\r\nbody",
                 &res);
  assert_int_equal(res.in_len, strlen(buf) - 6);
  /* The same bytes as a stream: the next message is simply next. */
  snprintf(buf, sizeof(buf), "%s0\r\n\r\nSIP/2.0 200 OK\r\n\r\n", h);
  assert_int_equal(parse_str(buf, PINHOLE_SIP_STREAM, &m), 0);
  assert_int_equal(m.msg_len, strlen(buf) - 18);
}

static void test_sip_stream_two_messages(void **state) {
  (void)state;
  /* Two messages in one TCP segment: each is framed and translated on its
   * own, one after the other. */
  static const char two[] =
      "BYE sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 198.18.0.2:5060;branch=z9hG4bKt1\r\n"
      "From: <sip:alice@198.18.0.2>;tag=1\r\n"
      "To: <sip:bob@198.19.0.100>;tag=2\r\n"
      "Call-ID: tcp1@198.18.0.2\r\n"
      "CSeq: 3 BYE\r\n"
      "Content-Length: 0\r\n"
      "\r\n"
      "MESSAGE sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 198.18.0.2:5060;branch=z9hG4bKt2\r\n"
      "Contact: <sip:alice@198.18.0.2;transport=tcp>\r\n"
      "Content-Type: text/plain\r\n"
      "Content-Length: 2\r\n"
      "\r\n"
      "hi";
  static const char want1[] =
      "BYE sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 198.19.0.7:40001;branch=z9hG4bKt1\r\n"
      "From: <sip:alice@198.19.0.7:40001>;tag=1\r\n"
      "To: <sip:bob@198.19.0.100>;tag=2\r\n"
      "Call-ID: tcp1@198.19.0.7\r\n"
      "CSeq: 3 BYE\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  static const char want2[] =
      "MESSAGE sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 198.19.0.7:40001;branch=z9hG4bKt2\r\n"
      "Contact: <sip:alice@198.19.0.7:40001;transport=tcp>\r\n"
      "Content-Type: text/plain\r\n"
      "Content-Length: 2\r\n"
      "\r\n"
      "hi";
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, IN_ADDR, 5060, OUT2_ADDR, 40001);
  nat.flags = PINHOLE_SIP_STREAM;
  size_t first = (size_t)(strstr(two, "MESSAGE") - two);
  translate_eq_n(two, strlen(two), &nat, want1, &res);
  assert_int_equal(res.in_len, first);
  assert_int_equal(res.leftover, 0);
  translate_eq_n(two + first, strlen(two) - first, &nat, want2, &res);
  assert_int_equal(res.in_len, strlen(two) - first);
  assert_int_equal(res.leftover, 0);
  /* As a datagram the same bytes are one message and a second: refused. */
  nat.flags = 0;
  assert_int_equal(translate_rc(two, &nat, &res), PINHOLE_ERR_POLICY);
}

static void test_sip_keepalive(void **state) {
  (void)state;
  /* CRLF, double CRLF and blanks (RFC 5626 pings and pongs, and what
   * phones send) are not messages and not errors. */
  static const char *const ka[] = {"\r\n",    "\r\n\r\n",  " ",
                                   "\t \r\n", "\r\n \r\n", "\n"};
  pinhole_sip_msg m;
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  nat_init(&nat, PINHOLE_SIP_DIR_OUTBOUND);
  for (size_t i = 0; i < sizeof(ka) / sizeof(ka[0]); i++) {
    size_t n = strlen(ka[i]);
    for (uint32_t flags = 0; flags <= PINHOLE_SIP_STREAM; flags++) {
      assert_int_equal(parse_str(ka[i], flags, &m), PINHOLE_ERR_NOMATCH);
      assert_int_equal(m.msg_len, n);
      nat.flags = flags;
      assert_int_equal(translate_rc(ka[i], &nat, &res), PINHOLE_ERR_NOMATCH);
      assert_int_equal(res.in_len, n);
    }
    assert_int_equal(pinhole_sip_prefix(U(ka[i]), n), 1);
  }
  /* Before a message: on a stream they are skipped first (NOMATCH with
   * their length), in a datagram they are skipped in place. */
  static const char msg[] = "\r\n\r\n OPTIONS sip:b SIP/2.0\r\n\r\n";
  assert_int_equal(parse_str(msg, PINHOLE_SIP_STREAM, &m), PINHOLE_ERR_NOMATCH);
  assert_int_equal(m.msg_len, 5);
  assert_int_equal(parse_str(msg + 5, PINHOLE_SIP_STREAM, &m), 0);
  assert_int_equal(parse_str(msg, 0, &m), 0);
  assert_int_equal(m.start_off, 5);
  assert_int_equal(m.method, PINHOLE_SIP_METHOD_OPTIONS);
  /* A NUL is not a keep-alive. */
  assert_int_equal(pinhole_sip_parse(U("\0\0\0\0"), 4, 0, &m),
                   PINHOLE_ERR_PARSE);
}

/* ------------------------------------------------------------------ */
/* Stream prefix                                                       */

static void test_sip_prefix(void **state) {
  (void)state;
  /* Every strict prefix of every message the framer accepts could still
   * become one. */
  static char mp[2048];
  mp_msg(mp, sizeof(mp), MP_HEAD("198.18.0.77", "5062"),
         MP_BODY("198.18.0.77", "49170"));
  const char *accepted[] = {
      invite,
      ack_alice,
      bye_alice,
      mp,
      "\r\n\r\nOPTIONS sip:b SIP/2.0\r\n\r\n",
      "SIP/2.0 699 \r\n\r\n",
      "sip/2.0 100\r\n\r\n",
      "FOO sip:b sip/2.0\r\n\r\n",
      "SIP sip:b SIP/2.0\r\nX:\r\n y\r\n\r\n",
      "ACK sip:bob@198.19.0.100 SIP/2.0\r\n"
      "Contact: <sip:a@198.19.0.100>,\r\n"
      "\t<sip:alice@198.18.0.2>\r\n"
      "CSeq:\r\n 314159\r\n  ACK\r\n"
      "Content-Length: 0\r\n\r\n",
  };
  pinhole_sip_msg m;
  for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
    const char *a = accepted[i];
    size_t n = strlen(a);
    if (pinhole_sip_parse(U(a), n, 0, &m) != 0)
      fail_msg("message %zu is not accepted", i);
    for (size_t k = 0; k <= n; k++)
      if (pinhole_sip_prefix(U(a), k) != 1)
        fail_msg("message %zu: prefix of %zu bytes refused", i, k);
  }
  /* What cannot begin a SIP message: refused as soon as it shows. */
  static const struct {
    const char *p;
    int want;
  } cases[] = {
      {"GET / HTTP/1.1\r\n", 0},
      {"POST /upload HTTP/1.1", 0},
      {"PORT 198,18,0,2,13,61 ", 0},
      {"\x16\x03\x01\x02\x00", 0},
      {"\r\n\r\nGET / ", 0},
      {"INVITE  sip:b", 0},
      {"INVITE sip:b\t", 0},
      {"INVITE sip:b SIP/2.0x", 0},
      {"INVITE sip:b SIP/3.0\r", 0},
      {"INVITE sip:b SIP/2.0\r", 1},
      {"INVITE sip:b SIP/2.0\r\n", 1},
      {"INVITE sip:b SIP/2.0\r\nVia", 1},
      {"INVITE sip:b SIP/2.0\r\nVia :", 1},
      {"INVITE sip:b SIP/2.0\r\nX Y", 0},
      {"INVITE sip:b SIP/2.0\r\nX\x01", 0},
      {"INVITE sip:b SIP/2.0\r\n@", 0},
      {"INVITE sip:b SIP/2.0\r\nl: 5\r\n\r\nab", 1},
      {"SIP/2.0 2", 1},
      {"SIP/2.0 7", 0},
      {"SIP/2.0 099", 0},
      {"SIP/2.0 20x", 0},
      {"SIP/2.0 200OK", 0},
      {"SIP/2.0 200 OK", 1},
      {"SIP/2.0", 1},
      {"SIP/2.0\r", 0},
      {"SIP/2", 1},
      {"PORT 198,18,0,2,13,61", 1}, /* "...:x SIP/2.0" would be a request */
      {"(", 0},
      {"", 1},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    if (pinhole_sip_prefix(U(cases[i].p), strlen(cases[i].p)) != cases[i].want)
      fail_msg("case %zu \"%s\": want %d", i, cases[i].p, cases[i].want);
  assert_int_equal(pinhole_sip_prefix(NULL, 0), 1);
  assert_int_equal(pinhole_sip_prefix(NULL, 1), 0);
}

/* ------------------------------------------------------------------ */
/* Leftover                                                            */

static void test_sip_leftover(void **state) {
  (void)state;
  /* What the rules do not translate is counted, once per host token;
   * other addresses, longer tokens and ICE candidates are not. */
#define LO_SDP                                                                 \
  "v=0\r\n"                                                                    \
  "o=198.18.0.2 1 1 IN IP4 198.18.0.2\r\n"                                     \
  "s=198.18.0.20\r\n"                                                          \
  "c=IN IP4 198.18.0.2\r\n"                                                    \
  "t=0 0\r\n"                                                                  \
  "m=audio 49170 RTP/AVP 0\r\n"                                                \
  "a=candidate:1 1 UDP 2130706431 198.18.0.2 49170 typ host\r\n"               \
  "a=remote-candidates:1 198.18.0.2 49170\r\n"                                 \
  "a=x-path:msrp://198.18.0.2:2855/s;tcp\r\n"
  static char msg[1024];
  snprintf(msg, sizeof(msg),
           "MESSAGE sip:bob@198.19.0.100 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bKl"
           ";received=\"198.18.0.2\"\r\n"
           "From: <sip:alice@198.18.0.2:5070>;tag=1\r\n"
           "To: <sip:bob@198.18.0.25>\r\n"
           "Contact: <sip:alice@198.18.0.2.example.com>\r\n"
           "Subject: hello from 198.18.0.2.\r\n"
           "Warning: 399 198.18.0.2 \"x\"\r\n"
           "Call-ID: x@198.18.0.2\r\n"
           "Content-Type: application/sdp\r\n"
           "Content-Length: %zu\r\n"
           "\r\n" LO_SDP,
           strlen(LO_SDP));
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, IN_ADDR, 5060, OUT2_ADDR, 40000);
  int n = translate_rc(msg, &nat, &res);
  assert_true(n > 0);
  assert_int_equal(res.via, 1);
  assert_int_equal(res.call_id, 1);
  assert_int_equal(res.sdp_addr, 2);
  assert_int_equal(res.from_to, 0);
  /* received="..." (quoted), From on port 5070, Subject, Warning, the
   * o= user name, the MSRP path. */
  assert_int_equal(res.leftover, 6);
  /* Port-only NAT (same address both sides): nothing to tell apart. */
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, IN_ADDR, 5060, IN_ADDR, 40000);
  assert_true(translate_rc(msg, &nat, &res) > 0);
  assert_int_equal(res.leftover, 0);
  /* Inbound, leftover counts the public address left: another mapping
   * of a shared public address is one (the caller decides). */
  nat_set(&nat, PINHOLE_SIP_DIR_INBOUND, IN_ADDR, 5060, OUT2_ADDR, 40000);
  rewrite_eq("SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 198.19.0.7:40000;branch=z9hG4bKi\r\n"
             "Contact: <sip:carol@198.19.0.7:40002>\r\n"
             "\r\n",
             &nat,
             "SIP/2.0 200 OK\r\n"
             "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bKi\r\n"
             "Contact: <sip:carol@198.19.0.7:40002>\r\n"
             "\r\n",
             &res);
  assert_int_equal(res.leftover, 1);
}

/* pinhole_sip_sdp_addr6: the media's own c=, else the session's; IPv4,
 * other forms, bad text and missing sections are no IPv6 address. */
static void test_sip_sdp_addr6(void **state) {
  (void)state;
  static const char sdp[] = "v=0\r\nc=IN IP6 2001:db8:1::2\r\n"
                            "m=audio 3000 RTP/AVP 0\r\n"
                            "m=audio 3002 RTP/AVP 0\r\n"
                            "c=IN IP6 2001:db8:2::7/127\r\n"
                            "m=audio 3004 RTP/AVP 0\r\n"
                            "c=IN IP4 198.18.0.2\r\n"
                            "c=IN IP6 2001:db8:2::8\r\n"
                            "m=audio 3006 RTP/AVP 0\r\n"
                            "c=IN IP6 2001:db8::zz\r\n";
  const uint8_t *b = (const uint8_t *)sdp;
  size_t n = strlen(sdp);
  uint8_t a[16], want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
  want[15] = 2;
  memset(a, 0xee, sizeof(a));
  assert_int_equal(pinhole_sip_sdp_addr6(b, n, 0, a), 0);
  assert_memory_equal(a, want, 16); /* the session's */
  want[5] = 2;
  want[15] = 7;
  assert_int_equal(pinhole_sip_sdp_addr6(b, n, 1, a), 0);
  assert_memory_equal(a, want, 16); /* its own, /ttl ignored */
  memset(a, 0xee, sizeof(a));
  assert_int_equal(pinhole_sip_sdp_addr6(b, n, 2, a), PINHOLE_ERR_NOMATCH);
  assert_int_equal(a[0], 0xee); /* the first c= (IPv4) counts */
  assert_int_equal(pinhole_sip_sdp_addr6(b, n, 3, a), PINHOLE_ERR_NOMATCH);
  assert_int_equal(pinhole_sip_sdp_addr6(b, n, 4, a), PINHOLE_ERR_NOMATCH);
  assert_int_equal(pinhole_sip_sdp_addr6(b, 5, 0, a), PINHOLE_ERR_NOMATCH);
  assert_int_equal(pinhole_sip_sdp_addr6(b, 10, 0, a), PINHOLE_ERR_PARSE);
  for (size_t k = 0; k <= n; k++) /* truncated anywhere: never past k */
    (void)pinhole_sip_sdp_addr6(b, k, 1, a);
  static const char bad[] = "m=audio 1 RTP/AVP 0\r\nc=IN\r\n";
  assert_int_equal(
      pinhole_sip_sdp_addr6((const uint8_t *)bad, strlen(bad), 0, a),
      PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_sip_sdp_addr6(NULL, 1, 0, a),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_sdp_addr6(b, n, 0, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

/* SIP over TCP: the connection's port 41000 is public 40003, and the
 * port map says where the endpoint's other ports go (the UA's listening
 * port 5060 to the public address's 5060, a media port 49170 to 40006):
 * URIs and Via sent-by of the endpoint's address follow it, both ways,
 * exact bytes; a port in neither (5061, the sips: default) is left and
 * counted. */
#define PM_MSG(v1, v2, from, to, c1, c2, cid, rport)                           \
  "REGISTER sip:198.19.0.2 SIP/2.0\r\n"                                        \
  "Via: SIP/2.0/TCP " v1 ";branch=z9hG4bK1;rport=" rport "\r\n"                \
  "Via: SIP/2.0/TCP " v2 ";branch=z9hG4bK0\r\n"                                \
  "From: <sip:a@" from ">;tag=1\r\n"                                           \
  "To: <sip:a@" to ">\r\n"                                                     \
  "Contact: <sip:a@" c1 ";transport=tcp>, <sips:a@" c2 ">\r\n"                 \
  "Call-ID: x@" cid "\r\n"                                                     \
  "CSeq: 1 REGISTER\r\n"                                                       \
  "Content-Length: 0\r\n\r\n"
#define PM_I "198.18.0.2"
#define PM_O "198.19.100.200"
/* The counts of either direction below: the 5060 sent-by with its
 * rport, From and To, one Contact, the Call-ID; the 5061 sent-by and the
 * sips: URI left. */
static void pm_counts(const pinhole_sip_result *res) {
  assert_int_equal(res->via, 1);
  assert_int_equal(res->via_rport, 1);
  assert_int_equal(res->from_to, 2);
  assert_int_equal(res->contact, 1);
  assert_int_equal(res->call_id, 1);
  assert_int_equal(res->leftover, 2);
}

static void test_sip_translate_port_map_uris(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_result res;
  nat_set(&nat, PINHOLE_SIP_DIR_OUTBOUND, IN_ADDR, 41000, OUT_ADDR, 40003);
  nat.flags = PINHOLE_SIP_STREAM;
  nat_map(&nat, 49170, 40006);
  nat_map(&nat, 5060, 5060);
  translate_eq(PM_MSG(PM_I ":5060", PM_I ":5061", PM_I, PM_I ":41000",
                      PM_I ":49170", PM_I, PM_I, "41000"),
               &nat,
               PM_MSG(PM_O ":5060", PM_I ":5061", PM_O, PM_O ":40003",
                      PM_O ":40006", PM_I, PM_O, "40003"),
               &res);
  pm_counts(&res);
  nat.dir = PINHOLE_SIP_DIR_INBOUND;
  translate_eq(PM_MSG(PM_O ":5060", PM_O ":5061", PM_O, PM_O ":40003",
                      PM_O ":40006", PM_O, PM_O, "40003"),
               &nat,
               PM_MSG(PM_I ":5060", PM_O ":5061", PM_I, PM_I ":41000",
                      PM_I ":49170", PM_O, PM_I, "41000"),
               &res);
  pm_counts(&res);
  /* without the map entry the 5060 ones stay (and count) */
  nat.port_map_count = 1;
  nat.dir = PINHOLE_SIP_DIR_OUTBOUND;
  translate_eq(PM_MSG(PM_I ":5060", PM_I ":5061", PM_I, PM_I ":41000",
                      PM_I ":49170", PM_I, PM_I, "41000"),
               &nat,
               PM_MSG(PM_I ":5060", PM_I ":5061", PM_I, PM_O ":40003",
                      PM_O ":40006", PM_I, PM_O, "41000"),
               &res);
  assert_int_equal(res.leftover, 4);
}
#undef PM_MSG
#undef PM_I
#undef PM_O

/* ---- pinhole_sip_listen_port ---- */

/* A REGISTER from 198.18.0.2 with the given Via field lines (each
 * "Via: ...\r\n") and Contact field lines. */
static const char *lp_msg(char *b, size_t n, const char *vias,
                          const char *contacts) {
  snprintf(b, n,
           "REGISTER sip:198.19.0.100 SIP/2.0\r\n"
           "%s"
           "To: <sip:alice@198.19.0.100>\r\n"
           "From: <sip:alice@198.19.0.100>;tag=77\r\n"
           "Call-ID: lp1@198.18.0.2\r\n"
           "CSeq: 1 REGISTER\r\n"
           "%s"
           "Content-Length: 0\r\n\r\n",
           vias, contacts);
  return b;
}

/* The answer for the message and the connection port 41000 (*port
 * checked against want, 0 unless found). */
static void lp_eq(const char *vias, const char *contacts, int rc,
                  uint16_t want) {
  char b[1024];
  uint16_t port = 1234;
  lp_msg(b, sizeof(b), vias, contacts);
  assert_int_equal(pinhole_sip_listen_port(U(b), strlen(b), PINHOLE_SIP_STREAM,
                                           IN_ADDR, 41000, &port),
                   rc);
  assert_int_equal(port, want);
  port = 1234;
  assert_int_equal(
      pinhole_sip_listen_port(U(b), strlen(b), 0, IN_ADDR, 41000, &port), rc);
  assert_int_equal(port, want);
}

#define LP_VIA(x) "Via: SIP/2.0/TCP " x ";branch=z9hG4bKlp\r\n"
#define LP_CT(x) "Contact: <" x ";transport=tcp>\r\n"

static void test_sip_listen_port(void **state) {
  (void)state;
  /* the top Via's port */
  lp_eq(LP_VIA("198.18.0.2:5070"), LP_CT("sip:alice@198.18.0.2:5080"), 0, 5070);
  lp_eq(LP_VIA("198.18.0.2:5062"), "", 0, 5062);
  lp_eq("v: SIP/2.0/UDP 198.18.0.2 : 5070;rport\r\n", "", 0, 5070);
  /* no port: the default, 5061 for TLS */
  lp_eq(LP_VIA("198.18.0.2"), "", 0, 5060);
  lp_eq("Via: SIP/2.0/TLS 198.18.0.2;branch=z9hG4bKlp\r\n", "", 0, 5061);
  /* the connection's own port is passed over: Contact next */
  lp_eq(LP_VIA("198.18.0.2:41000"), LP_CT("sip:alice@198.18.0.2:5062"), 0,
        5062);
  lp_eq(LP_VIA("198.18.0.2:41000"), LP_CT("sip:alice@198.18.0.2:41000"),
        PINHOLE_ERR_NOMATCH, 0);
  lp_eq(LP_VIA("198.18.0.2:41000"), "", PINHOLE_ERR_NOMATCH, 0);
  /* another host's Via (a relay, a look-alike): Contact decides */
  lp_eq(LP_VIA("198.18.0.20:5070"), LP_CT("sip:alice@198.18.0.2:5080"), 0,
        5080);
  lp_eq(LP_VIA("alice.invalid:5070"), LP_CT("sips:alice@198.18.0.2"), 0, 5061);
  lp_eq(LP_VIA("198.18.0.2.example.com:5070"), "", PINHOLE_ERR_NOMATCH, 0);
  /* every Contact field and value in order; other hosts, IPv6 and *
   * skipped */
  lp_eq(LP_VIA("198.18.0.20"),
        "Contact: *\r\n"
        "Contact: <sip:a@198.18.0.77:5090>, <sip:a@[2001:db8::2]:5091>,"
        " <sip:a@198.18.0.2:41000>\r\n"
        "m: sip:a@198.18.0.2:5092;expires=60\r\n",
        0, 5092);
  /* repeated Via fields: only the first value of the first counts */
  lp_eq(LP_VIA("198.18.0.2:5070") LP_VIA("198.18.0.2:5080"), "", 0, 5070);
  lp_eq(LP_VIA("198.18.0.2:41000, SIP/2.0/TCP 198.18.0.2:5080")
            LP_VIA("198.18.0.2:5090"),
        "", PINHOLE_ERR_NOMATCH, 0);
  /* port 0 in the candidate; a port over 65535 or none after the colon */
  lp_eq(LP_VIA("198.18.0.2:0"), LP_CT("sip:alice@198.18.0.2:5080"),
        PINHOLE_ERR_RANGE, 0);
  lp_eq(LP_VIA("198.18.0.20"), LP_CT("sip:alice@198.18.0.2:0"),
        PINHOLE_ERR_RANGE, 0);
  lp_eq(LP_VIA("198.18.0.2:65536"), LP_CT("sip:alice@198.18.0.2:5080"),
        PINHOLE_ERR_PARSE, 0);
  lp_eq(LP_VIA("198.18.0.2:"), "", PINHOLE_ERR_PARSE, 0);
  lp_eq("Via: SIP/2.0/TCP\r\n", LP_CT("sip:alice@198.18.0.2:5080"),
        PINHOLE_ERR_PARSE, 0);
  /* a malformed Contact URI with the address is not a candidate */
  lp_eq(LP_VIA("198.18.0.20"), LP_CT("sip:alice@198.18.0.2:65536"),
        PINHOLE_ERR_NOMATCH, 0);
  lp_eq(LP_VIA("198.18.0.20"), "", PINHOLE_ERR_NOMATCH, 0);

  /* a response, keep-alive bytes, a message not complete, bad args */
  const char *r = "SIP/2.0 200 OK\r\n" LP_VIA(
      "198.18.0.2:5070") "CSeq: 1 REGISTER\r\nCall-ID: x\r\nContent-Length: "
                         "0\r\n\r\n";
  uint16_t port = 9;
  assert_int_equal(
      pinhole_sip_listen_port(U(r), strlen(r), 0, IN_ADDR, 41000, &port),
      PINHOLE_ERR_NOMATCH);
  assert_int_equal(port, 0);
  assert_int_equal(pinhole_sip_listen_port(U("\r\n\r\n"), 4, PINHOLE_SIP_STREAM,
                                           IN_ADDR, 41000, &port),
                   PINHOLE_ERR_NOMATCH);
  char b[1024];
  lp_msg(b, sizeof(b), LP_VIA("198.18.0.2:5070"), "");
  size_t n = strlen(b);
  for (size_t k = 0; k < n; k++) {
    port = 9;
    assert_int_equal(pinhole_sip_listen_port(U(b), k, PINHOLE_SIP_STREAM,
                                             IN_ADDR, 41000, &port),
                     k == 0 ? PINHOLE_ERR_PARTIAL : PINHOLE_ERR_PARTIAL);
    assert_int_equal(port, 0);
  }
  assert_int_equal(pinhole_sip_listen_port(U(b), n, PINHOLE_SIP_STREAM, IN_ADDR,
                                           41000, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_listen_port(NULL, 1, 0, IN_ADDR, 41000, &port),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(
      pinhole_sip_listen_port(U(b), n, 0x80, IN_ADDR, 41000, &port),
      PINHOLE_ERR_INVALID_ARG);
  /* another sender address: nothing */
  assert_int_equal(pinhole_sip_listen_port(U(b), n, PINHOLE_SIP_STREAM,
                                           IN2_ADDR, 41000, &port),
                   PINHOLE_ERR_NOMATCH);
}

/* pinhole_sip_listen_port6: the sender at 2001:db8:1::2 (a NAT64 client) */
static void lp6_eq(const char *vias, const char *contacts, int rc,
                   uint16_t want) {
  static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                 0,    0,    0,    0,    0, 0, 0, 2};
  char b[1024];
  uint16_t port = 1234;
  lp_msg(b, sizeof(b), vias, contacts);
  assert_int_equal(pinhole_sip_listen_port6(U(b), strlen(b), PINHOLE_SIP_STREAM,
                                            a6, 41000, &port),
                   rc);
  assert_int_equal(port, want);
}

static void test_sip_listen_port6(void **state) {
  (void)state;
  /* the top Via's IPv6 reference, in any text form of the address */
  lp6_eq(LP_VIA("[2001:db8:1::2]:5070"), "", 0, 5070);
  lp6_eq(LP_VIA("[2001:DB8:1:0:0:0:0:2]:5062"), "", 0, 5062);
  lp6_eq(LP_VIA("[2001:db8:1::2]"), "", 0, 5060);
  lp6_eq(LP_VIA("[2001:db8:1::2]:41000"), LP_CT("sip:a@[2001:db8:1::2]:5080"),
         0, 5080);
  /* an IPv4 literal, another IPv6 host, a bracket left open or a bare
   * address: not the sender; Contact decides */
  lp6_eq(LP_VIA("198.18.0.2:5070"), LP_CT("sip:a@[2001:db8:1::2]:5090"), 0,
         5090);
  lp6_eq(LP_VIA("[2001:db8:1::3]:5070"), "", PINHOLE_ERR_NOMATCH, 0);
  lp6_eq(LP_VIA("[2001:db8:1::2:5070"), "", PINHOLE_ERR_PARSE, 0);
  lp6_eq(LP_VIA("[::ffff:198.18.0.2]:5070"), LP_CT("sip:a@198.18.0.2:5071"),
         PINHOLE_ERR_NOMATCH, 0);
  /* port 0 */
  lp6_eq(LP_VIA("[2001:db8:1::2]:0"), "", PINHOLE_ERR_RANGE, 0);
  lp6_eq(LP_VIA("198.18.0.20"), LP_CT("sip:a@[2001:db8:1::2]:0"),
         PINHOLE_ERR_RANGE, 0);
  uint16_t port = 9;
  assert_int_equal(pinhole_sip_listen_port6(U("x"), 1, 0, NULL, 41000, &port),
                   PINHOLE_ERR_INVALID_ARG);
}
#undef LP_VIA
#undef LP_CT

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sip_parse_invite),
      cmocka_unit_test(test_sip_rewrite_invite_outbound),
      cmocka_unit_test(test_sip_rewrite_200ok_inbound),
      cmocka_unit_test(test_sip_rewrite_bye_request_uri),
      cmocka_unit_test(test_sip_register_expires),
      cmocka_unit_test(test_sip_compact_forms),
      cmocka_unit_test(test_sip_rewrite_every_via),
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
      cmocka_unit_test(test_sip_rewrite_from_to),
      cmocka_unit_test(test_sip_rewrite_uri_fields),
      cmocka_unit_test(test_sip_rewrite_call_id_words),
      cmocka_unit_test(test_sip_multipart),
      cmocka_unit_test(test_sip_multipart_hostile),
      cmocka_unit_test(test_sip_datagram_length),
      cmocka_unit_test(test_sip_stream_two_messages),
      cmocka_unit_test(test_sip_keepalive),
      cmocka_unit_test(test_sip_prefix),
      cmocka_unit_test(test_sip_leftover),
      cmocka_unit_test(test_sip_translate_port_map_uris),
      cmocka_unit_test(test_sip_sdp_addr6),
      cmocka_unit_test(test_sip_listen_port),
      cmocka_unit_test(test_sip_listen_port6),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

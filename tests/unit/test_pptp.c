/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: PPTP control message framing (RFC 2637 section 2) and the
 * enhanced GRE header (RFC 2637 section 4.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/cksum.h>
#include <pinhole/packet.h>
#include <pinhole/pptp.h>

/* A control message of the given type and length, zero body. */
static size_t mk(uint8_t *b, uint16_t type, uint16_t len) {
  memset(b, 0, len);
  b[0] = (uint8_t)(len >> 8);
  b[1] = (uint8_t)len;
  b[3] = 1;
  b[4] = 0x1a;
  b[5] = 0x2b;
  b[6] = 0x3c;
  b[7] = 0x4d;
  b[8] = (uint8_t)(type >> 8);
  b[9] = (uint8_t)type;
  return len;
}

static void put16(uint8_t *b, uint16_t v) {
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}

/* Outgoing-Call-Reply from the PAC: its Call ID 0x4a21, the PNS's 0x0c80,
 * Result 1 (Connected), speed 64000, window 64, delay 0, channel 0. */
static const uint8_t ocrp[32] = {
    0x00, 0x20, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x08, 0x00,
    0x00, 0x4a, 0x21, 0x0c, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xfa, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

static void test_pptp_types_table(void **state) {
  (void)state;
  static const struct {
    uint16_t type, len;
    uint8_t sender;
    uint32_t flags;
    size_t cid_off, peer_off;
  } t[] = {
      {1, 156, PINHOLE_PPTP_SENDER_EITHER, 0, 0, 0},
      {2, 156, PINHOLE_PPTP_SENDER_EITHER, PINHOLE_PPTP_MSG_RESULT, 0, 0},
      {3, 16, PINHOLE_PPTP_SENDER_EITHER, 0, 0, 0},
      {4, 16, PINHOLE_PPTP_SENDER_EITHER, PINHOLE_PPTP_MSG_RESULT, 0, 0},
      {5, 16, PINHOLE_PPTP_SENDER_EITHER, 0, 0, 0},
      {6, 20, PINHOLE_PPTP_SENDER_EITHER, PINHOLE_PPTP_MSG_RESULT, 0, 0},
      {7, 168, PINHOLE_PPTP_SENDER_PNS, PINHOLE_PPTP_MSG_CALL_ID, 12, 0},
      {8, 32, PINHOLE_PPTP_SENDER_PAC,
       PINHOLE_PPTP_MSG_CALL_ID | PINHOLE_PPTP_MSG_PEER_CALL_ID |
           PINHOLE_PPTP_MSG_RESULT,
       12, 14},
      {9, 220, PINHOLE_PPTP_SENDER_PAC, PINHOLE_PPTP_MSG_CALL_ID, 12, 0},
      {10, 24, PINHOLE_PPTP_SENDER_PNS,
       PINHOLE_PPTP_MSG_CALL_ID | PINHOLE_PPTP_MSG_PEER_CALL_ID |
           PINHOLE_PPTP_MSG_RESULT,
       12, 14},
      {11, 28, PINHOLE_PPTP_SENDER_PAC, PINHOLE_PPTP_MSG_PEER_CALL_ID, 0, 12},
      {12, 16, PINHOLE_PPTP_SENDER_PNS, PINHOLE_PPTP_MSG_CALL_ID, 12, 0},
      {13, 148, PINHOLE_PPTP_SENDER_PAC,
       PINHOLE_PPTP_MSG_CALL_ID | PINHOLE_PPTP_MSG_RESULT, 12, 0},
      {14, 40, PINHOLE_PPTP_SENDER_PAC, PINHOLE_PPTP_MSG_PEER_CALL_ID, 0, 12},
      {15, 24, PINHOLE_PPTP_SENDER_PNS, PINHOLE_PPTP_MSG_PEER_CALL_ID, 0, 12},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    uint8_t b[PINHOLE_PPTP_MAX_MSG];
    size_t n = mk(b, t[i].type, t[i].len);
    /* distinct values in every 16-bit slot 12..20 */
    for (size_t o = 12; o + 1 < n && o < 20; o += 2)
      put16(b + o, (uint16_t)(0x1100 * i + o));
    pinhole_pptp_msg m;
    assert_int_equal(pinhole_pptp_frame(b, n, &m), 0);
    assert_int_equal(m.type, t[i].type);
    assert_int_equal(m.length, t[i].len);
    assert_int_equal(m.sender, t[i].sender);
    assert_int_equal(m.flags, t[i].flags);
    assert_int_equal(m.call_id_off, t[i].cid_off);
    assert_int_equal(m.peer_call_id_off, t[i].peer_off);
    if (t[i].cid_off)
      assert_int_equal(m.call_id, 0x1100 * i + t[i].cid_off);
    else
      assert_int_equal(m.call_id, 0);
    if (t[i].peer_off)
      assert_int_equal(m.peer_call_id, 0x1100 * i + t[i].peer_off);
    else
      assert_int_equal(m.peer_call_id, 0);
    /* one byte short of the length is partial; a longer length is not
     * the type's */
    assert_int_equal(pinhole_pptp_frame(b, n - 1, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(m.length, t[i].len);
    put16(b, (uint16_t)(t[i].len + 4));
    assert_int_equal(pinhole_pptp_frame(b, n, &m), PINHOLE_ERR_PARSE);
  }
}

static void test_pptp_ocrp_exact_and_translate(void **state) {
  (void)state;
  pinhole_pptp_msg m;
  assert_int_equal(pinhole_pptp_frame(ocrp, sizeof(ocrp), &m), 0);
  assert_int_equal(m.type, PINHOLE_PPTP_OUT_CALL_REPLY);
  assert_int_equal(m.length, 32);
  assert_int_equal(m.sender, PINHOLE_PPTP_SENDER_PAC);
  assert_int_equal(m.call_id, 0x4a21);
  assert_int_equal(m.call_id_off, 12);
  assert_int_equal(m.peer_call_id, 0x0c80);
  assert_int_equal(m.peer_call_id_off, 14);
  assert_int_equal(m.result, 1);
  /* the glue maps the PNS's public call ID back to the inside one */
  uint8_t b[32];
  memcpy(b, ocrp, sizeof(b));
  put16(b + m.peer_call_id_off, 0x0003);
  assert_int_equal(pinhole_pptp_frame(b, sizeof(b), &m), 0);
  assert_int_equal(m.peer_call_id, 0x0003);
  assert_int_equal(m.call_id, 0x4a21);
  assert_memory_equal(b, ocrp, 14);
  assert_memory_equal(b + 16, ocrp + 16, 16);
}

static void test_pptp_partial_every_prefix(void **state) {
  (void)state;
  pinhole_pptp_msg m;
  for (size_t k = 0; k < sizeof(ocrp); k++) {
    memset(&m, 0xa5, sizeof(m));
    assert_int_equal(pinhole_pptp_frame(ocrp, k, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(m.type, k >= 12 ? 8 : 0);
    assert_int_equal(m.length, k >= 12 ? 32 : 0);
    assert_int_equal(m.flags, 0);
    assert_int_equal(m.call_id_off, 0);
  }
  assert_int_equal(pinhole_pptp_frame(NULL, 0, &m), PINHOLE_ERR_PARTIAL);
}

static void test_pptp_back_to_back(void **state) {
  (void)state;
  /* Set-Link-Info (PNS: the PAC's call ID 0x4a21) then Call-Clear-Request
   * (PNS: its own call ID 0x0003) in one segment */
  uint8_t b[64];
  size_t n = mk(b, 15, 24);
  put16(b + 12, 0x4a21);
  memset(b + 16, 0xff, 8);
  size_t n2 = mk(b + n, 12, 16);
  put16(b + n + 12, 0x0003);
  pinhole_pptp_msg m;
  assert_int_equal(pinhole_pptp_frame(b, n + n2, &m), 0);
  assert_int_equal(m.type, PINHOLE_PPTP_SET_LINK_INFO);
  assert_int_equal(m.length, 24);
  assert_int_equal(m.peer_call_id, 0x4a21);
  assert_int_equal(pinhole_pptp_frame(b + m.length, n + n2 - m.length, &m), 0);
  assert_int_equal(m.type, PINHOLE_PPTP_CALL_CLEAR_REQUEST);
  assert_int_equal(m.call_id, 0x0003);
  assert_int_equal(m.call_id_off, 12);
  /* and the second one cut short */
  assert_int_equal(pinhole_pptp_frame(b + 24, 10, &m), PINHOLE_ERR_PARTIAL);
}

static void test_pptp_bad_header(void **state) {
  (void)state;
  pinhole_pptp_msg m;
  uint8_t b[32];
  /* each wrong header byte is refused as soon as it is held */
  static const struct {
    size_t off;
    uint8_t val;
    size_t at; /* bytes needed to see it */
  } t[] = {
      {0, 0x01, 2},  /* length 288 */
      {1, 0x0b, 2},  /* length 11 */
      {1, 0x00, 2},  /* length 0 */
      {2, 0x01, 4},  /* PPTP message type 257 */
      {3, 0x02, 4},  /* management message */
      {3, 0x00, 4},  /* type 0 */
      {4, 0x1b, 5},  /* cookie */
      {5, 0x2a, 6},  /* cookie */
      {6, 0x3d, 7},  /* cookie */
      {7, 0x4c, 8},  /* cookie */
      {8, 0x01, 9},  /* control type 0x0108 */
      {9, 0x00, 10}, /* control type 0 */
      {9, 0x10, 10}, /* control type 16 */
      {9, 0x07, 10}, /* Outgoing-Call-Request is 168 bytes, not 32 */
      {9, 0x0d, 10}, /* Call-Disconnect-Notify is 148 */
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    memcpy(b, ocrp, sizeof(b));
    b[t[i].off] = t[i].val;
    for (size_t k = 0; k < t[i].at; k++)
      assert_int_equal(pinhole_pptp_frame(b, k, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(pinhole_pptp_frame(b, t[i].at, &m), PINHOLE_ERR_PARSE);
    assert_int_equal(pinhole_pptp_frame(b, sizeof(b), &m), PINHOLE_ERR_PARSE);
    assert_int_equal(m.type, 0);
  }
  /* reserved fields are not checked */
  memcpy(b, ocrp, sizeof(b));
  b[10] = 0xff;
  assert_int_equal(pinhole_pptp_frame(b, sizeof(b), &m), 0);
}

static void test_pptp_length_lies(void **state) {
  (void)state;
  pinhole_pptp_msg m;
  uint8_t b[PINHOLE_PPTP_MAX_MSG + 8];
  /* Incoming-Call-Request claiming 220 bytes with only 200 held: partial;
   * claiming 156 with 220 held: refused */
  size_t n = mk(b, 9, 220);
  assert_int_equal(pinhole_pptp_frame(b, 200, &m), PINHOLE_ERR_PARTIAL);
  assert_int_equal(pinhole_pptp_frame(b, n, &m), 0);
  put16(b, 156);
  assert_int_equal(pinhole_pptp_frame(b, n, &m), PINHOLE_ERR_PARSE);
  put16(b, 0xffff);
  assert_int_equal(pinhole_pptp_frame(b, 2, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_pptp_frame(NULL, 2, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pptp_frame(b, 2, NULL), PINHOLE_ERR_INVALID_ARG);
}

static void test_pptp_type_names(void **state) {
  (void)state;
  assert_string_equal(pinhole_pptp_type_name(7), "Outgoing-Call-Request");
  assert_string_equal(pinhole_pptp_type_name(13), "Call-Disconnect-Notify");
  assert_string_equal(pinhole_pptp_type_name(15), "Set-Link-Info");
  assert_string_equal(pinhole_pptp_type_name(0), "unknown");
  assert_string_equal(pinhole_pptp_type_name(16), "unknown");
  assert_string_equal(pinhole_pptp_type_name(-1), "unknown");
}

/* ---- enhanced GRE ------------------------------------------------------ */

/* PAC to PNS: S and A set, payload 6 bytes, the PNS's call ID 0x0c80,
 * seq 0x00000011, ack 0x00000007, then the PPP frame. */
static const uint8_t gre_data[] = {
    0x30, 0x81, 0x88, 0x0b, 0x00, 0x06, 0x0c, 0x80, 0x00, 0x00, 0x00,
    0x11, 0x00, 0x00, 0x00, 0x07, 0xff, 0x03, 0xc0, 0x21, 0x09, 0x01};

static void test_pptp_gre_data(void **state) {
  (void)state;
  pinhole_pptp_gre g;
  assert_int_equal(pinhole_pptp_gre_parse(gre_data, sizeof(gre_data), 0, &g),
                   0);
  assert_int_equal(g.flags, PINHOLE_PPTP_GRE_SEQ | PINHOLE_PPTP_GRE_ACK);
  assert_int_equal(g.payload_len, 6);
  assert_int_equal(g.call_id, 0x0c80);
  assert_int_equal(g.call_id_off, 6);
  assert_int_equal(g.seq, 0x11);
  assert_int_equal(g.ack, 7);
  assert_int_equal(g.hdr_len, 16);
  /* trailing bytes after the payload are allowed; fewer are not */
  uint8_t b[sizeof(gre_data) + 2];
  memcpy(b, gre_data, sizeof(gre_data));
  b[sizeof(gre_data)] = b[sizeof(gre_data) + 1] = 0;
  assert_int_equal(pinhole_pptp_gre_parse(b, sizeof(b), 0, &g), 0);
  /* cut anywhere before the payload's end: refused */
  for (size_t k = 0; k < sizeof(gre_data); k++)
    assert_int_equal(pinhole_pptp_gre_parse(gre_data, k, 0, &g),
                     PINHOLE_ERR_PARSE);
}

static void test_pptp_gre_ack_only_and_seq_only(void **state) {
  (void)state;
  pinhole_pptp_gre g;
  static const uint8_t ack[] = {0x20, 0x81, 0x88, 0x0b, 0x00, 0x00,
                                0x00, 0x03, 0x00, 0x00, 0x01, 0x02};
  assert_int_equal(pinhole_pptp_gre_parse(ack, sizeof(ack), 0, &g), 0);
  assert_int_equal(g.flags, PINHOLE_PPTP_GRE_ACK);
  assert_int_equal(g.call_id, 3);
  assert_int_equal(g.ack, 0x102);
  assert_int_equal(g.hdr_len, 12);
  static const uint8_t seq[] = {0x30, 0x01, 0x88, 0x0b, 0x00, 0x01, 0x4a,
                                0x21, 0xde, 0xad, 0xbe, 0xef, 0x7e};
  assert_int_equal(pinhole_pptp_gre_parse(seq, sizeof(seq), 0, &g), 0);
  assert_int_equal(g.flags, PINHOLE_PPTP_GRE_SEQ);
  assert_int_equal(g.call_id, 0x4a21);
  assert_int_equal(g.seq, 0xdeadbeef);
  assert_int_equal(g.hdr_len, 12);
  assert_int_equal(g.payload_len, 1);
}

static void test_pptp_gre_bad(void **state) {
  (void)state;
  pinhole_pptp_gre g;
  uint8_t b[sizeof(gre_data)];
  static const struct {
    size_t off;
    uint8_t val;
    int rc;
  } t[] = {
      {1, 0x80, PINHOLE_ERR_NOMATCH}, /* GRE version 0 */
      {1, 0x82, PINHOLE_ERR_NOMATCH}, /* version 2 */
      {0, 0xb0, PINHOLE_ERR_PARSE},   /* C */
      {0, 0x70, PINHOLE_ERR_PARSE},   /* R */
      {0, 0x10, PINHOLE_ERR_PARSE},   /* no K */
      {0, 0x38, PINHOLE_ERR_PARSE},   /* s */
      {0, 0x31, PINHOLE_ERR_PARSE},   /* Recur */
      {1, 0x89, PINHOLE_ERR_PARSE},   /* Flags */
      {2, 0x08, PINHOLE_ERR_PARSE},   /* protocol 0x080b */
      {3, 0x00, PINHOLE_ERR_PARSE},   /* protocol 0x8800 */
      {5, 0x07, PINHOLE_ERR_PARSE},   /* payload longer than held */
      {4, 0xff, PINHOLE_ERR_PARSE},   /* payload 65286 */
      {0, 0x20, PINHOLE_ERR_PARSE},   /* no S but a payload length */
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    memcpy(b, gre_data, sizeof(b));
    b[t[i].off] = t[i].val;
    memset(&g, 0xa5, sizeof(g));
    assert_int_equal(pinhole_pptp_gre_parse(b, sizeof(b), 0, &g), t[i].rc);
    assert_int_equal(g.hdr_len, 0);
  }
  assert_int_equal(pinhole_pptp_gre_parse(NULL, 4, 0, &g),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pptp_gre_parse(gre_data, 4, 0, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_pptp_gre_quoted(void **state) {
  (void)state;
  /* an ICMP error quotes 8 bytes of the GRE header: enough for the call
   * ID; shorter is refused; a payload length beyond them is fine */
  pinhole_pptp_gre g;
  for (size_t k = 0; k < 8; k++)
    assert_int_equal(pinhole_pptp_gre_parse(gre_data, k, 1, &g),
                     PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_pptp_gre_parse(gre_data, 8, 1, &g), 0);
  assert_int_equal(g.call_id, 0x0c80);
  assert_int_equal(g.call_id_off, 6);
  assert_int_equal(g.payload_len, 6);
  assert_int_equal(g.hdr_len, 16);
  assert_int_equal(g.flags, PINHOLE_PPTP_GRE_SEQ | PINHOLE_PPTP_GRE_ACK);
  assert_int_equal(g.seq, 0);
  assert_int_equal(pinhole_pptp_gre_parse(gre_data, 13, 1, &g), 0);
  assert_int_equal(g.seq, 0x11);
  assert_int_equal(g.ack, 0);
  /* not quoted, the same 8 bytes are too short */
  assert_int_equal(pinhole_pptp_gre_parse(gre_data, 8, 0, &g),
                   PINHOLE_ERR_PARSE);
  /* a quoted header is still checked */
  uint8_t b[8];
  memcpy(b, gre_data, 8);
  b[3] = 0x0c;
  assert_int_equal(pinhole_pptp_gre_parse(b, 8, 1, &g), PINHOLE_ERR_PARSE);
}

/* An IPv4 packet 198.19.0.2 -> 198.19.0.1 of protocol proto around
 * l4[0..n); returns its length. */
static size_t ip_around(uint8_t *b, uint8_t proto, const uint8_t *l4,
                        size_t n) {
  static const uint8_t hdr[20] = {0x45, 0, 0,   0,  0x12, 0x34, 0,   0,  64, 0,
                                  0,    0, 198, 19, 0,    2,    198, 19, 0,  1};
  memcpy(b, hdr, 20);
  b[2] = (uint8_t)((20 + n) >> 8);
  b[3] = (uint8_t)(20 + n);
  b[9] = proto;
  memcpy(b + 20, l4, n);
  uint16_t ck = pinhole_cksum(b, 20);
  b[10] = (uint8_t)(ck >> 8);
  b[11] = (uint8_t)ck;
  return 20 + n;
}

/* The packet parser's view of enhanced GRE: the call ID in dport, the
 * PPP payload after the header; other GRE is no call (no flag, no
 * error); an ICMP error quoting enhanced GRE names its call ID. */
static void test_pptp_pkt_view(void **state) {
  (void)state;
  uint8_t b[128];
  pinhole_pkt_view v;
  size_t n = ip_around(b, 47, gre_data, sizeof(gre_data));
  assert_int_equal(pinhole_pkt_parse(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.proto, PINHOLE_IPPROTO_GRE);
  assert_int_equal(v.flags, PINHOLE_PKTF_GRE);
  assert_int_equal(v.sport, 0);
  assert_int_equal(v.dport, 0x0c80);
  assert_int_equal(v.payload_off, 36);
  assert_int_equal(v.payload_len, 6);
  /* version 0 (and a key-less header): parsed, but no call */
  uint8_t g0[sizeof(gre_data)];
  memcpy(g0, gre_data, sizeof(g0));
  g0[1] = 0x80;
  n = ip_around(b, 47, g0, sizeof(g0));
  assert_int_equal(pinhole_pkt_parse(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, 0);
  assert_int_equal(v.dport, 0);
  /* a payload length that lies: no call either */
  memcpy(g0, gre_data, sizeof(g0));
  g0[5] = 7;
  n = ip_around(b, 47, g0, sizeof(g0));
  assert_int_equal(pinhole_pkt_parse(b, n, &v), PINHOLE_PKT_OK);
  assert_int_equal(v.flags, 0);
  /* quoted by an ICMP error: the quoted header and its first 8 bytes */
  uint8_t inner[28], icmp[8 + 28];
  ip_around(inner, 47, gre_data, 8);
  inner[2] = 0;
  inner[3] = 20 + sizeof(gre_data); /* as it was sent */
  memset(icmp, 0, 8);
  icmp[0] = 3;
  icmp[1] = 1;
  memcpy(icmp + 8, inner, 28);
  uint16_t ck = pinhole_cksum(icmp, sizeof(icmp));
  icmp[2] = (uint8_t)(ck >> 8);
  icmp[3] = (uint8_t)ck;
  n = ip_around(b, 1, icmp, sizeof(icmp));
  assert_int_equal(pinhole_pkt_parse(b, n, &v), PINHOLE_PKT_OK);
  assert_true(v.flags & PINHOLE_PKTF_ICMP_ERROR);
  assert_int_equal(v.inner_proto, PINHOLE_IPPROTO_GRE);
  assert_int_equal(v.inner_sport, 0);
  assert_int_equal(v.inner_dport, 0x0c80);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pptp_types_table),
      cmocka_unit_test(test_pptp_ocrp_exact_and_translate),
      cmocka_unit_test(test_pptp_partial_every_prefix),
      cmocka_unit_test(test_pptp_back_to_back),
      cmocka_unit_test(test_pptp_bad_header),
      cmocka_unit_test(test_pptp_length_lies),
      cmocka_unit_test(test_pptp_type_names),
      cmocka_unit_test(test_pptp_gre_data),
      cmocka_unit_test(test_pptp_gre_ack_only_and_seq_only),
      cmocka_unit_test(test_pptp_gre_bad),
      cmocka_unit_test(test_pptp_gre_quoted),
      cmocka_unit_test(test_pptp_pkt_view),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

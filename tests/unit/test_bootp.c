/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: BOOTP/DHCP parsing (RFC 951 header layout, RFC 2131 magic
 * cookie and option overload order, RFC 2132 options 52/53/54, RFC 3046
 * relay agent information, RFC 3527 link selection, RFC 5107 server
 * identifier override).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/bootp.h>

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x11, 0x22, 0x33};

/* The RFC 951 header, field by field, into a zeroed 300-byte message. */
static void header(uint8_t *p, uint8_t op, uint8_t hops, uint32_t ciaddr,
                   uint32_t yiaddr, uint32_t siaddr, uint32_t giaddr) {
  memset(p, 0, 300);
  p[0] = op;
  p[1] = 1; /* Ethernet */
  p[2] = 6;
  p[3] = hops;
  put32(p + 4, 0x3903F326); /* xid */
  p[8] = 0;                 /* secs */
  p[9] = 3;
  p[10] = 0x80; /* broadcast */
  put32(p + 12, ciaddr);
  put32(p + 16, yiaddr);
  put32(p + 20, siaddr);
  put32(p + 24, giaddr);
  memcpy(p + 28, mac, 6);
  put32(p + 236, 0x63825363);
}

/* DHCPDISCOVER relayed by 198.18.0.1: client id, parameter list, relay
 * agent information {circuit "eth0", remote id 6 bytes}. */
static const uint8_t discover_opts[] = {
    53,  1,   1, 61, 7,    1,  0x00, 0x16, 0x3e, 0x11, 0x22, 0x33,
    55,  4,   1, 3,  6,    15, 82,   14,   1,    4,    'e',  't',
    'h', '0', 2, 6,  0x02, 0,  0,    0,    0,    1,    255};

static size_t discover(uint8_t *p) {
  header(p, 1, 1, 0, 0, 0, 0xC6120001);
  memcpy(p + 240, discover_opts, sizeof(discover_opts));
  return 300;
}

/* DHCPOFFER of 198.18.0.50 from server 198.19.0.2 to the relay. */
static const uint8_t offer_opts[] = {
    53,   1, 2, 54,  4,   198, 19, 0, 2, 51,  4,  0, 0, 0x0e,
    0x10, 1, 4, 255, 255, 255, 0,  3, 4, 198, 18, 0, 1, 255};

static size_t offer(uint8_t *p) {
  header(p, 2, 0, 0, 0xC6120032, 0xC6130002, 0xC6120001);
  memcpy(p + 240, offer_opts, sizeof(offer_opts));
  return 300;
}

static int parse_copy(const uint8_t *p, size_t len, pinhole_bootp_msg *m) {
  uint8_t *c = malloc(len ? len : 1); /* exact size for ASan */
  assert_non_null(c);
  memcpy(c, p, len);
  int rc = pinhole_bootp_parse(c, len, m);
  free(c);
  return rc;
}

static void expect(const uint8_t *p, size_t len, uint32_t reason) {
  pinhole_bootp_msg m;
  int rc = parse_copy(p, len, &m);
  assert_int_equal(m.reason, reason);
  assert_int_equal(rc, reason ? PINHOLE_ERR_PARSE : 0);
}

static void test_bootp_discover_via_relay(void **state) {
  (void)state;
  uint8_t p[300];
  pinhole_bootp_msg m;
  assert_int_equal(pinhole_bootp_parse(p, discover(p), &m), 0);
  assert_int_equal(m.op, PINHOLE_BOOTP_OP_REQUEST);
  assert_int_equal(m.htype, 1);
  assert_int_equal(m.hlen, 6);
  assert_int_equal(m.hops, 1);
  assert_int_equal(m.xid, 0x3903F326);
  assert_int_equal(m.secs, 3);
  assert_int_equal(m.flags, PINHOLE_BOOTP_FLAG_BROADCAST);
  assert_int_equal(m.ciaddr, 0);
  assert_int_equal(m.giaddr, 0xC6120001);
  assert_memory_equal(p + PINHOLE_BOOTP_CHADDR_OFF, mac, 6);
  assert_int_equal(m.mflags, PINHOLE_BOOTP_HAS_COOKIE |
                                 PINHOLE_BOOTP_HAS_MSG_TYPE |
                                 PINHOLE_BOOTP_HAS_RELAY);
  assert_int_equal(m.msg_type, PINHOLE_DHCP_DISCOVER);
  assert_int_equal(m.noptions, 4);
  assert_int_equal(m.end_off, 274);
  assert_int_equal(m.relay_off, 260);
  assert_int_equal(m.relay_len, 14);
  assert_int_equal(m.circuit_id_off, 262);
  assert_int_equal(m.circuit_id_len, 4);
  assert_memory_equal(p + m.circuit_id_off, "eth0", 4);
  assert_int_equal(m.remote_id_off, 268);
  assert_int_equal(m.remote_id_len, 6);
  assert_int_equal(m.link_selection_off, 0);
  assert_int_equal(m.server_override_off, 0);
  assert_int_equal(m.server_id_off, 0);
  /* giaddr is rewritten in place at its fixed offset */
  put32(p + PINHOLE_BOOTP_GIADDR_OFF, 0xC6130001);
  assert_int_equal(pinhole_bootp_parse(p, 300, &m), 0);
  assert_int_equal(m.giaddr, 0xC6130001);
}

static void test_bootp_offer(void **state) {
  (void)state;
  uint8_t p[300];
  pinhole_bootp_msg m;
  assert_int_equal(pinhole_bootp_parse(p, offer(p), &m), 0);
  assert_int_equal(m.op, PINHOLE_BOOTP_OP_REPLY);
  assert_int_equal(m.msg_type, PINHOLE_DHCP_OFFER);
  assert_int_equal(m.yiaddr, 0xC6120032);
  assert_int_equal(m.siaddr, 0xC6130002);
  assert_int_equal(m.server_id, 0xC6130002);
  assert_int_equal(m.server_id_off, 245);
  assert_int_equal(m.mflags, PINHOLE_BOOTP_HAS_COOKIE |
                                 PINHOLE_BOOTP_HAS_MSG_TYPE |
                                 PINHOLE_BOOTP_HAS_SERVER_ID);
  assert_int_equal(m.noptions, 5);
  assert_int_equal(m.end_off, 267);
  size_t off, len;
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 51, &off, &len), 0);
  assert_int_equal(off, 251);
  assert_int_equal(len, 4);
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 3, &off, &len), 0);
  assert_int_equal(off, 263);
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 82, &off, &len),
                   PINHOLE_ERR_NOMATCH);
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 0, &off, &len),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 255, &off, &len),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 1, NULL, &len),
                   PINHOLE_ERR_INVALID_ARG);
}

/* Option 52 = 3: options continue in file, then sname, each ending with
 * its own end option (RFC 2131 4.1). */
static void test_bootp_overload(void **state) {
  (void)state;
  uint8_t p[300];
  pinhole_bootp_msg m;
  header(p, 2, 0, 0, 0xC6120033, 0, 0);
  static const uint8_t main_opts[] = {52, 1, 3, 54, 4, 198, 19, 0, 3, 255};
  memcpy(p + 240, main_opts, sizeof(main_opts));
  static const uint8_t file_opts[] = {53, 1, 5, 15, 4, 'c', 'o', 'r', 'p', 255};
  memcpy(p + PINHOLE_BOOTP_FILE_OFF, file_opts, sizeof(file_opts));
  static const uint8_t sname_opts[] = {0, 0, 12, 3, 'g', 'w', '1', 255};
  memcpy(p + PINHOLE_BOOTP_SNAME_OFF, sname_opts, sizeof(sname_opts));
  assert_int_equal(pinhole_bootp_parse(p, 300, &m), 0);
  assert_int_equal(m.overload, 3);
  assert_int_equal(m.msg_type, PINHOLE_DHCP_ACK);
  assert_int_equal(m.server_id, 0xC6130003);
  assert_int_equal(m.noptions, 5);
  assert_int_equal(m.end_off, 249);
  size_t off, len;
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 15, &off, &len), 0);
  assert_int_equal(off, 113);
  assert_int_equal(len, 4);
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 12, &off, &len), 0);
  assert_int_equal(off, 48);
  assert_int_equal(len, 3);
  /* with 52 = 1 only file is walked: sname's option is not an option */
  p[242] = 1;
  assert_int_equal(pinhole_bootp_parse(p, 300, &m), 0);
  assert_int_equal(m.noptions, 4);
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 12, &off, &len),
                   PINHOLE_ERR_NOMATCH);
  /* with 52 = 2, file is a file name and 53 is not seen */
  p[242] = 2;
  assert_int_equal(pinhole_bootp_parse(p, 300, &m), 0);
  assert_int_equal(m.mflags & PINHOLE_BOOTP_HAS_MSG_TYPE, 0);
  /* an overloaded field without its end option */
  p[242] = 3;
  p[PINHOLE_BOOTP_FILE_OFF + 9] = 0;
  expect(p, 300, PINHOLE_BOOTP_NO_END);
  p[PINHOLE_BOOTP_FILE_OFF + 9] = 255;
  /* an option of file that runs past file's 128 bytes */
  p[PINHOLE_BOOTP_FILE_OFF + 9] = 43;
  p[PINHOLE_BOOTP_FILE_OFF + 10] = 120;
  expect(p, 300, PINHOLE_BOOTP_OPTION_LEN);
  p[PINHOLE_BOOTP_FILE_OFF + 10] = 117; /* ends at 236 exactly: no end */
  expect(p, 300, PINHOLE_BOOTP_NO_END);
  p[PINHOLE_BOOTP_FILE_OFF + 9] = 255;
  p[PINHOLE_BOOTP_FILE_OFF + 10] = 0;
  /* option 52 inside file */
  p[PINHOLE_BOOTP_FILE_OFF + 9] = 52;
  p[PINHOLE_BOOTP_FILE_OFF + 10] = 1;
  p[PINHOLE_BOOTP_FILE_OFF + 11] = 3;
  p[PINHOLE_BOOTP_FILE_OFF + 12] = 255;
  expect(p, 300, PINHOLE_BOOTP_OVERLOAD);
}

static void test_bootp_plain(void **state) {
  (void)state;
  uint8_t p[300];
  pinhole_bootp_msg m;
  header(p, 1, 0, 0xC6120044, 0, 0, 0);
  memset(p + 236, 0, 64); /* RFC 951 vendor area, no cookie */
  p[240] = 99;            /* whatever the vendor area holds */
  assert_int_equal(pinhole_bootp_parse(p, 300, &m), 0);
  assert_int_equal(m.mflags, 0);
  assert_int_equal(m.ciaddr, 0xC6120044);
  assert_int_equal(m.noptions, 0);
  size_t off, len;
  assert_int_equal(pinhole_bootp_option_find(p, 300, &m, 53, &off, &len),
                   PINHOLE_ERR_NOMATCH);
  /* the header alone, and header plus a partial cookie */
  expect(p, 236, 0);
  expect(p, 239, 0);
}

static void test_bootp_header_hostile(void **state) {
  (void)state;
  uint8_t p[300];
  discover(p);
  /* every length below the fixed header */
  for (size_t n = 0; n < PINHOLE_BOOTP_HEADER_LEN; n++)
    expect(p, n, PINHOLE_BOOTP_SHORT);
  const uint8_t ops[] = {0, 3, 255};
  for (size_t i = 0; i < sizeof(ops); i++) {
    discover(p);
    p[0] = ops[i];
    expect(p, 300, PINHOLE_BOOTP_OP);
  }
  discover(p);
  p[2] = 16;
  expect(p, 300, 0);
  p[2] = 17;
  expect(p, 300, PINHOLE_BOOTP_HLEN);
  p[2] = 255;
  expect(p, 300, PINHOLE_BOOTP_HLEN);
}

/* The options cut at every length: an error until the end option is
 * there, fine from then on (what follows the end is padding). */
static void test_bootp_options_truncated(void **state) {
  (void)state;
  uint8_t p[300];
  discover(p);
  for (size_t n = PINHOLE_BOOTP_OPTIONS_OFF; n <= 300; n++) {
    pinhole_bootp_msg m;
    int rc = parse_copy(p, n, &m);
    if (n > 274) {
      assert_int_equal(rc, 0);
      continue;
    }
    assert_int_equal(rc, PINHOLE_ERR_PARSE);
    /* cut between options or after a length byte's code: no end; cut
     * inside a length or value: the option runs past */
    int between = n == 240 || n == 243 || n == 252 || n == 258 || n == 274;
    assert_int_equal(m.reason,
                     between ? PINHOLE_BOOTP_NO_END : PINHOLE_BOOTP_OPTION_LEN);
  }
}

static void test_bootp_option_hostile(void **state) {
  (void)state;
  uint8_t p[300];
  /* an option length past the message */
  discover(p);
  p[259] = 200;
  expect(p, 300, PINHOLE_BOOTP_OPTION_LEN);
  /* no end option at all: every byte after the last option is pad */
  discover(p);
  p[274] = 0;
  expect(p, 300, PINHOLE_BOOTP_NO_END);
  /* 53: length 2, value 0, value 19, twice */
  discover(p);
  p[241] = 2;
  expect(p, 300, PINHOLE_BOOTP_MSG_TYPE);
  discover(p);
  p[242] = 0;
  expect(p, 300, PINHOLE_BOOTP_MSG_TYPE);
  p[242] = 18;
  expect(p, 300, 0);
  p[242] = 19;
  expect(p, 300, PINHOLE_BOOTP_MSG_TYPE);
  discover(p);
  memcpy(p + 274, "\x35\x01\x03\xff", 4);
  expect(p, 300, PINHOLE_BOOTP_MSG_TYPE);
  /* 54 of 3 bytes; twice */
  uint8_t o[300];
  offer(o);
  o[244] = 3;
  o[248] = 0; /* a pad keeps the chain in step */
  expect(o, 300, PINHOLE_BOOTP_SERVER_ID);
  offer(o);
  memcpy(o + 267, "\x36\x04\xc6\x13\x00\x09\xff", 7);
  expect(o, 300, PINHOLE_BOOTP_SERVER_ID);
  /* 52: value 0 and 4, length 2, twice */
  offer(o);
  memcpy(o + 267, "\x34\x01\x00\xff", 4);
  expect(o, 300, PINHOLE_BOOTP_OVERLOAD);
  o[269] = 4;
  expect(o, 300, PINHOLE_BOOTP_OVERLOAD);
  memcpy(o + 267, "\x34\x02\x01\x01\xff", 5);
  expect(o, 300, PINHOLE_BOOTP_OVERLOAD);
  memcpy(o + 267, "\x34\x01\x01\x34\x01\x01\xff", 7);
  expect(o, 300, PINHOLE_BOOTP_OVERLOAD);
}

static void test_bootp_relay_info(void **state) {
  (void)state;
  uint8_t p[300];
  pinhole_bootp_msg m;
  /* link selection (5) and server identifier override (11): addresses */
  discover(p);
  static const uint8_t ri[] = {82, 12, 5,   4,  198, 18, 0,  0,
                               11, 4,  198, 19, 0,   2,  255};
  memcpy(p + 258, ri, sizeof(ri));
  memset(p + 258 + sizeof(ri), 0, 300 - 258 - sizeof(ri));
  assert_int_equal(pinhole_bootp_parse(p, 300, &m), 0);
  assert_int_equal(m.link_selection_off, 262);
  assert_int_equal(m.server_override_off, 268);
  assert_int_equal(m.circuit_id_off, 0);
  assert_int_equal(m.relay_len, 12);
  /* a sub-option running past the option */
  discover(p);
  p[267] = 7;
  expect(p, 300, PINHOLE_BOOTP_RELAY);
  /* sub-options not filling the option: one byte left over */
  discover(p);
  p[259] = 15;
  p[274] = 0xaa;
  p[275] = 255;
  expect(p, 300, PINHOLE_BOOTP_RELAY);
  /* empty */
  discover(p);
  memcpy(p + 258, "\x52\x00\xff", 3);
  expect(p, 300, PINHOLE_BOOTP_RELAY);
  /* link selection of 3 bytes */
  memcpy(p + 258, "\x52\x05\x05\x03\xc6\x12\x00\xff", 8);
  expect(p, 300, PINHOLE_BOOTP_RELAY);
  /* a circuit id twice */
  memcpy(p + 258, "\x52\x06\x01\x01\x61\x01\x01\x62\xff", 9);
  expect(p, 300, PINHOLE_BOOTP_RELAY);
  /* unknown sub-options pass */
  memcpy(p + 258, "\x52\x06\x09\x01\x61\x97\x01\x62\xff", 9);
  expect(p, 300, 0);
  /* option 82 twice */
  discover(p);
  memcpy(p + 274, "\x52\x03\x01\x01\x78\xff", 6);
  expect(p, 300, PINHOLE_BOOTP_RELAY);
}

static void test_bootp_invalid_args(void **state) {
  (void)state;
  uint8_t p[300];
  pinhole_bootp_msg m;
  discover(p);
  assert_int_equal(pinhole_bootp_parse(p, 300, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_bootp_parse(NULL, 300, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_bootp_parse(p, 300, &m), 0);
  size_t off, len;
  /* find on bytes that are not the parsed message */
  assert_int_equal(pinhole_bootp_option_find(p, 239, &m, 53, &off, &len),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_bootp_option_find(p, 250, &m, 82, &off, &len),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_bootp_option_find(p, 250, &m, 53, &off, &len), 0);
  assert_int_equal(off, 242);
  assert_int_equal(pinhole_bootp_option_find(NULL, 300, &m, 53, &off, &len),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_bootp_reason_names(void **state) {
  (void)state;
  static const char *const want[] = {
      "ok",     "short",    "op",       "hlen",      "option-len",
      "no-end", "overload", "msg-type", "server-id", "relay",
  };
  for (int i = 0; i < 10; i++)
    assert_string_equal(pinhole_bootp_reason_name(i), want[i]);
  assert_string_equal(pinhole_bootp_reason_name(10), "unknown");
  assert_string_equal(pinhole_bootp_reason_name(-1), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bootp_discover_via_relay),
      cmocka_unit_test(test_bootp_offer),
      cmocka_unit_test(test_bootp_overload),
      cmocka_unit_test(test_bootp_plain),
      cmocka_unit_test(test_bootp_header_hostile),
      cmocka_unit_test(test_bootp_options_truncated),
      cmocka_unit_test(test_bootp_option_hostile),
      cmocka_unit_test(test_bootp_relay_info),
      cmocka_unit_test(test_bootp_invalid_args),
      cmocka_unit_test(test_bootp_reason_names),
  };
  return cmocka_run_group_tests_name("unit.bootp", tests, NULL, NULL);
}

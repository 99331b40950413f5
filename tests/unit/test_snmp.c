/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: SNMP parsing (RFC 1157 Message, GetRequest, Trap-PDU;
 * RFC 3416 v2c PDUs; RFC 3412 v3 header) and the bounded BER decoder
 * (RFC 3417 section 8: definite lengths, primitive strings; X.690).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/snmp.h>

/* v1 GetRequest, community "public", sysDescr.0 (snmpget -v1). */
static const uint8_t v1_get[] = {
    0x30, 0x27, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
    0x69, 0x63, 0xa0, 0x1a, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00,
    0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06,
    0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05, 0x00,
};
/* v1 Trap (snmptrap -v 1): enterprise 1.3.6.1.4.1.8072.3.2.10, agent-addr
 * 198.18.0.5, enterpriseSpecific 17, uptime 123456; bindings ipAdEntAddr
 * .198.18.0.9 = IpAddress 198.18.0.9, sysName.0 = "gw-inside". */
static const uint8_t v1_trap[] = {
    0x30, 0x5b, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69,
    0x63, 0xa4, 0x4e, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xbf, 0x08,
    0x03, 0x02, 0x0a, 0x40, 0x04, 0xc6, 0x12, 0x00, 0x05, 0x02, 0x01, 0x06,
    0x02, 0x01, 0x11, 0x43, 0x03, 0x01, 0xe2, 0x40, 0x30, 0x2f, 0x30, 0x16,
    0x06, 0x0e, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x04, 0x14, 0x01, 0x01, 0x81,
    0x46, 0x12, 0x00, 0x09, 0x40, 0x04, 0xc6, 0x12, 0x00, 0x09, 0x30, 0x15,
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, 0x04, 0x09,
    0x67, 0x77, 0x2d, 0x69, 0x6e, 0x73, 0x69, 0x64, 0x65,
};
/* v2c SNMPv2-Trap, community "private": sysUpTime.0 = 4294967295 (5-byte
 * TimeTicks), snmpTrapOID.0 = linkDown, ifIndex.2 = 2, an enterprise
 * binding = IpAddress 198.18.0.77. */
static const uint8_t v2c_trap[] = {
    0x30, 0x6d, 0x02, 0x01, 0x01, 0x04, 0x07, 0x70, 0x72, 0x69, 0x76, 0x61,
    0x74, 0x65, 0xa7, 0x5f, 0x02, 0x04, 0x5e, 0xad, 0xbe, 0xef, 0x02, 0x01,
    0x00, 0x02, 0x01, 0x00, 0x30, 0x51, 0x30, 0x11, 0x06, 0x08, 0x2b, 0x06,
    0x01, 0x02, 0x01, 0x01, 0x03, 0x00, 0x43, 0x05, 0x00, 0xff, 0xff, 0xff,
    0xff, 0x30, 0x17, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x06, 0x03, 0x01, 0x01,
    0x04, 0x01, 0x00, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x06, 0x03, 0x01, 0x01,
    0x05, 0x03, 0x30, 0x0f, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x02,
    0x02, 0x01, 0x01, 0x02, 0x02, 0x01, 0x02, 0x30, 0x12, 0x06, 0x0a, 0x2b,
    0x06, 0x01, 0x04, 0x01, 0x09, 0x09, 0x87, 0x67, 0x01, 0x40, 0x04, 0xc6,
    0x12, 0x00, 0x4d,
};
/* v2c Response, request-id -2: ifHCInOctets.1 = Counter64 2^64-1 (9
 * bytes), sysORDescr.9 = noSuchInstance. */
static const uint8_t v2c_resp[] = {
    0x30, 0x40, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
    0x69, 0x63, 0xa2, 0x33, 0x02, 0x01, 0xfe, 0x02, 0x01, 0x00, 0x02,
    0x01, 0x00, 0x30, 0x28, 0x30, 0x18, 0x06, 0x0b, 0x2b, 0x06, 0x01,
    0x02, 0x01, 0x1f, 0x01, 0x01, 0x01, 0x06, 0x01, 0x46, 0x09, 0x00,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x30, 0x0c, 0x06,
    0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x09, 0x09, 0x81, 0x00,
};
/* v2c GetBulk: non-repeaters 1, max-repetitions 25. */
static const uint8_t v2c_bulk[] = {
    0x30, 0x34, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
    0x69, 0x63, 0xa5, 0x27, 0x02, 0x01, 0x4d, 0x02, 0x01, 0x01, 0x02,
    0x01, 0x19, 0x30, 0x1c, 0x30, 0x0b, 0x06, 0x07, 0x2b, 0x06, 0x01,
    0x02, 0x01, 0x01, 0x03, 0x05, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2b,
    0x06, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01, 0x02, 0x05, 0x00,
};
/* v3 noAuthNoPriv, reportable, USM; a discovery-shaped Get. */
static const uint8_t v3_get[] = {
    0x30, 0x3a, 0x02, 0x01, 0x03, 0x30, 0x0f, 0x02, 0x02, 0x1e, 0xad, 0x02,
    0x03, 0x00, 0xff, 0xe3, 0x04, 0x01, 0x04, 0x02, 0x01, 0x03, 0x04, 0x10,
    0x30, 0x0e, 0x04, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x04, 0x00,
    0x04, 0x00, 0x04, 0x00, 0x30, 0x12, 0x04, 0x00, 0x04, 0x00, 0xa0, 0x0c,
    0x02, 0x02, 0x22, 0x22, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x00,
};
/* v3 authPriv: the scoped PDU is an encrypted OCTET STRING. */
static const uint8_t v3_priv[] = {
    0x30, 0x38, 0x02, 0x01, 0x03, 0x30, 0x0f, 0x02, 0x02, 0x1e, 0xae, 0x02,
    0x03, 0x00, 0xff, 0xe3, 0x04, 0x01, 0x07, 0x02, 0x01, 0x03, 0x04, 0x10,
    0x30, 0x0e, 0x04, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x04, 0x00,
    0x04, 0x00, 0x04, 0x00, 0x04, 0x10, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

/* Ten SEQUENCEs nested in the variable bindings of a v1 Get. */
static const uint8_t depth_bomb[] = {
    0x30, 0x2a, 0x02, 0x01, 0x00, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c,
    0x69, 0x63, 0xa0, 0x1d, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02,
    0x01, 0x00, 0x30, 0x12, 0x30, 0x10, 0x30, 0x0e, 0x30, 0x0c, 0x30,
    0x0a, 0x30, 0x08, 0x30, 0x06, 0x30, 0x04, 0x30, 0x02, 0x30, 0x00,
};

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* Parses a modified copy of msg (byte at off set to v), exact size. */
static int parse_mod(const uint8_t *msg, size_t len, size_t off, uint8_t v,
                     pinhole_snmp_msg *m) {
  uint8_t *c = malloc(len ? len : 1);
  assert_non_null(c);
  memcpy(c, msg, len);
  if (off < len)
    c[off] = v;
  int rc = pinhole_snmp_parse(c, len, m);
  free(c);
  return rc;
}

static void expect(const uint8_t *msg, size_t len, size_t off, uint8_t v,
                   uint32_t reason) {
  pinhole_snmp_msg m;
  int rc = parse_mod(msg, len, off, v, &m);
  assert_int_equal(m.reason, reason);
  assert_int_equal(rc, reason ? PINHOLE_ERR_PARSE : 0);
}

static void test_snmp_v1_get(void **state) {
  (void)state;
  pinhole_snmp_msg m;
  assert_int_equal(pinhole_snmp_parse(v1_get, sizeof(v1_get), &m), 0);
  assert_int_equal(m.version, PINHOLE_SNMP_VERSION_1);
  assert_int_equal(m.pdu_type, PINHOLE_SNMP_PDU_GET);
  assert_int_equal(m.community_off, 7);
  assert_int_equal(m.community_len, 6);
  assert_memory_equal(v1_get + 7, "public", 6);
  assert_int_equal(m.request_id, 0x1234);
  assert_int_equal(m.error_status, 0);
  assert_int_equal(m.error_index, 0);
  assert_int_equal(m.nvarbinds, 1);
  assert_int_equal(m.n_ipaddr, 0);
  assert_int_equal(m.agent_addr_off, 0);
  assert_int_equal(m.varbinds_off, 27);
  assert_int_equal(m.varbinds_len, 14);
  pinhole_snmp_iter it = {0};
  pinhole_snmp_varbind vb;
  assert_int_equal(
      pinhole_snmp_varbind_next(v1_get, sizeof(v1_get), &m, &it, &vb), 0);
  assert_int_equal(vb.name_off, 31);
  assert_int_equal(vb.name_len, 8);
  assert_memory_equal(v1_get + vb.name_off, "\x2b\x06\x01\x02\x01\x01\x01\x00",
                      8);
  assert_int_equal(vb.tag, PINHOLE_SNMP_TAG_NULL);
  assert_int_equal(vb.value_off, 41);
  assert_int_equal(vb.value_len, 0);
  assert_int_equal(
      pinhole_snmp_varbind_next(v1_get, sizeof(v1_get), &m, &it, &vb),
      PINHOLE_ERR_NOMATCH);
}

/* The v1 Trap's agent-addr from the inside becomes the public address. */
static void test_snmp_v1_trap_agent_addr(void **state) {
  (void)state;
  pinhole_snmp_msg m;
  assert_int_equal(pinhole_snmp_parse(v1_trap, sizeof(v1_trap), &m), 0);
  assert_int_equal(m.pdu_type, PINHOLE_SNMP_PDU_TRAP_V1);
  assert_int_equal(m.enterprise_off, 17);
  assert_int_equal(m.enterprise_len, 10);
  assert_int_equal(m.agent_addr_off, 29);
  assert_int_equal(m.agent_addr, 0xC6120005);
  assert_int_equal(m.generic_trap, 6);
  assert_int_equal(m.specific_trap, 17);
  assert_int_equal(m.time_stamp, 123456);
  assert_int_equal(m.nvarbinds, 2);
  assert_int_equal(m.n_ipaddr, 1);
  assert_int_equal(m.varbinds_off, 46);
  assert_int_equal(m.varbinds_len, 47);

  uint8_t t[sizeof(v1_trap)];
  memcpy(t, v1_trap, sizeof(t));
  uint32_t old = 0;
  assert_int_equal(pinhole_snmp_ipaddr_rewrite(t, sizeof(t), m.agent_addr_off,
                                               0xC6130001, &old),
                   0);
  assert_int_equal(old, 0xC6120005);
  uint8_t want[sizeof(v1_trap)];
  memcpy(want, v1_trap, sizeof(want));
  want[30] = 0x13;
  want[32] = 0x01;
  assert_memory_equal(t, want, sizeof(t));

  /* the IpAddress binding, found by the walk, rewritten too */
  pinhole_snmp_iter it = {0};
  pinhole_snmp_varbind vb;
  assert_int_equal(pinhole_snmp_varbind_next(t, sizeof(t), &m, &it, &vb), 0);
  assert_int_equal(vb.tag, PINHOLE_SNMP_TAG_IPADDRESS);
  assert_int_equal(vb.name_off, 50);
  assert_int_equal(vb.name_len, 14);
  assert_int_equal(vb.value_off, 66);
  assert_int_equal(vb.value_len, 4);
  assert_int_equal(
      pinhole_snmp_ipaddr_rewrite(t, sizeof(t), vb.value_off, 0xC6130009, NULL),
      0);
  want[67] = 0x13;
  assert_memory_equal(t, want, sizeof(t));
  assert_int_equal(pinhole_snmp_varbind_next(t, sizeof(t), &m, &it, &vb), 0);
  assert_int_equal(vb.tag, PINHOLE_SNMP_TAG_OCTET_STRING);
  assert_int_equal(vb.value_off, 84);
  assert_int_equal(vb.value_len, 9);
  assert_int_equal(pinhole_snmp_varbind_next(t, sizeof(t), &m, &it, &vb),
                   PINHOLE_ERR_NOMATCH);
  /* still a valid message, with the new address */
  assert_int_equal(pinhole_snmp_parse(t, sizeof(t), &m), 0);
  assert_int_equal(m.agent_addr, 0xC6130001);
}

static void test_snmp_ipaddr_rewrite_refuses(void **state) {
  (void)state;
  uint8_t t[sizeof(v1_trap)];
  memcpy(t, v1_trap, sizeof(t));
  uint32_t old = 9;
  /* the enterprise OID, the community, the tag byte, past the end */
  const size_t bad[] = {17, 7, 28, 27, 0, 1, 90, sizeof(t), SIZE_MAX};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(pinhole_snmp_ipaddr_rewrite(t, sizeof(t), bad[i], 1, &old),
                     PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_snmp_ipaddr_rewrite(t, 32, 29, 1, &old),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_snmp_ipaddr_rewrite(NULL, 93, 29, 1, &old),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(old, 9);
  assert_memory_equal(t, v1_trap, sizeof(t));
}

static void test_snmp_v2c_trap(void **state) {
  (void)state;
  pinhole_snmp_msg m;
  assert_int_equal(pinhole_snmp_parse(v2c_trap, sizeof(v2c_trap), &m), 0);
  assert_int_equal(m.version, PINHOLE_SNMP_VERSION_2C);
  assert_int_equal(m.pdu_type, PINHOLE_SNMP_PDU_TRAP_V2);
  assert_int_equal(m.community_len, 7);
  assert_int_equal(m.request_id, 0x5eadbeef);
  assert_int_equal(m.agent_addr_off, 0);
  assert_int_equal(m.nvarbinds, 4);
  assert_int_equal(m.n_ipaddr, 1);
  pinhole_snmp_iter it = {0};
  pinhole_snmp_varbind vb;
  const uint8_t tags[] = {PINHOLE_SNMP_TAG_TIMETICKS, PINHOLE_SNMP_TAG_OID,
                          PINHOLE_SNMP_TAG_INTEGER, PINHOLE_SNMP_TAG_IPADDRESS};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(
        pinhole_snmp_varbind_next(v2c_trap, sizeof(v2c_trap), &m, &it, &vb), 0);
    assert_int_equal(vb.tag, tags[i]);
  }
  assert_int_equal(vb.value_off, 107);
  assert_int_equal(get32(v2c_trap + vb.value_off), 0xC612004D);
  assert_int_equal(it.pos, sizeof(v2c_trap));
}

static void test_snmp_v2c_response_and_bulk(void **state) {
  (void)state;
  pinhole_snmp_msg m;
  assert_int_equal(pinhole_snmp_parse(v2c_resp, sizeof(v2c_resp), &m), 0);
  assert_int_equal(m.pdu_type, PINHOLE_SNMP_PDU_RESPONSE);
  assert_int_equal(m.request_id, -2);
  assert_int_equal(m.nvarbinds, 2);
  assert_int_equal(pinhole_snmp_parse(v2c_bulk, sizeof(v2c_bulk), &m), 0);
  assert_int_equal(m.pdu_type, PINHOLE_SNMP_PDU_GETBULK);
  assert_int_equal(m.request_id, 77);
  assert_int_equal(m.error_status, 1);
  assert_int_equal(m.error_index, 25);
  /* non-repeaters may exceed the error-status range in a GetBulk */
  expect(v2c_bulk, sizeof(v2c_bulk), 20, 0x7f, 0);
  /* Counter64: 9 bytes only with a leading zero; 10 never */
  expect(v2c_resp, sizeof(v2c_resp), 43, 0x01, PINHOLE_SNMP_INTEGER);
  /* an exception with contents */
  uint8_t r[sizeof(v2c_resp) + 1];
  memcpy(r, v2c_resp, sizeof(v2c_resp));
  r[1]++;
  r[14]++;
  r[25]++;
  r[53]++;
  r[65] = 1;
  r[66] = 0;
  expect(r, sizeof(r), 0, 0x30, PINHOLE_SNMP_STRUCTURE);
}

static void test_snmp_v3(void **state) {
  (void)state;
  pinhole_snmp_msg m;
  assert_int_equal(pinhole_snmp_parse(v3_get, sizeof(v3_get), &m), 0);
  assert_int_equal(m.version, PINHOLE_SNMP_VERSION_3);
  assert_int_equal(m.msg_id, 0x1ead);
  assert_int_equal(m.msg_max_size, 65507);
  assert_int_equal(m.msg_flags, 0x04);
  assert_int_equal(m.security_model, 3);
  assert_int_equal(m.flags, 0);
  assert_int_equal(m.pdu_type, PINHOLE_SNMP_PDU_GET);
  assert_int_equal(m.request_id, 0x2222);
  assert_int_equal(m.nvarbinds, 0);
  assert_int_equal(m.community_len, 0);
  assert_int_equal(pinhole_snmp_parse(v3_priv, sizeof(v3_priv), &m), 0);
  assert_int_equal(m.flags, PINHOLE_SNMP_MSG_ENCRYPTED);
  assert_int_equal(m.pdu_type, 0);
  assert_int_equal(m.msg_flags, 0x07);
  /* privacy without authentication */
  expect(v3_get, sizeof(v3_get), 18, 0x02, PINHOLE_SNMP_V3);
  /* auth only: the plaintext scoped PDU stays */
  expect(v3_get, sizeof(v3_get), 18, 0x01, 0);
  /* privacy claimed over a plaintext scoped PDU */
  expect(v3_get, sizeof(v3_get), 18, 0x03, PINHOLE_SNMP_STRUCTURE);
  /* msgMaxSize 483 (below 484), security model 0 */
  expect(v3_get, sizeof(v3_get), 14, 0x01, PINHOLE_SNMP_INTEGER); /* 483 */
  expect(v3_get, sizeof(v3_get), 21, 0x00, PINHOLE_SNMP_INTEGER);
}

/* net-snmp writes a SEQUENCE's length in the long form even when short. */
static void test_snmp_long_length_forms(void **state) {
  (void)state;
  uint8_t g[sizeof(v1_get) + 4];
  g[0] = 0x30;
  g[1] = 0x84;
  g[2] = g[3] = g[4] = 0;
  g[5] = 0x27;
  memcpy(g + 6, v1_get + 2, sizeof(v1_get) - 2);
  pinhole_snmp_msg m;
  assert_int_equal(pinhole_snmp_parse(g, sizeof(v1_get) + 4, &m), 0);
  assert_int_equal(m.community_off, 11);
  assert_int_equal(m.request_id, 0x1234);
  /* five length octets */
  g[1] = 0x85;
  g[6] = 0x02;
  assert_int_equal(pinhole_snmp_parse(g, sizeof(g), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_SNMP_LENGTH);
  /* 0xFF (reserved) */
  expect(v1_get, sizeof(v1_get), 1, 0xff, PINHOLE_SNMP_LENGTH);
  /* a 4-octet length of 4 GiB - 1 */
  static const uint8_t huge[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02};
  assert_int_equal(pinhole_snmp_parse(huge, sizeof(huge), &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_SNMP_TRUNCATED);
}

static void test_snmp_ber_hostile(void **state) {
  (void)state;
  pinhole_snmp_msg m;
  /* indefinite length, at the top and inside */
  expect(v1_get, sizeof(v1_get), 1, 0x80, PINHOLE_SNMP_INDEFINITE);
  expect(v1_get, sizeof(v1_get), 26, 0x80, PINHOLE_SNMP_INDEFINITE);
  /* high tag number form */
  expect(v1_get, sizeof(v1_get), 13, 0xbf, PINHOLE_SNMP_TAG);
  expect(v1_get, sizeof(v1_get), 5, 0x1f, PINHOLE_SNMP_TAG);
  /* nesting deeper than 8 */
  assert_int_equal(pinhole_snmp_parse(depth_bomb, sizeof(depth_bomb), &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_SNMP_DEPTH);
  /* an inner length past its container, and past the datagram */
  expect(v1_get, sizeof(v1_get), 14, 0x1b, PINHOLE_SNMP_TRUNCATED);
  expect(v1_get, sizeof(v1_get), 1, 0x28, PINHOLE_SNMP_TRUNCATED);
  /* a byte after the Message */
  uint8_t g[sizeof(v1_get) + 1];
  memcpy(g, v1_get, sizeof(v1_get));
  g[sizeof(v1_get)] = 0;
  assert_int_equal(pinhole_snmp_parse(g, sizeof(g), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_SNMP_TRUNCATED); /* a half element */
  g[sizeof(v1_get)] = 0;
  uint8_t g2[sizeof(v1_get) + 2];
  memcpy(g2, v1_get, sizeof(v1_get));
  g2[sizeof(v1_get)] = 0x05;
  g2[sizeof(v1_get) + 1] = 0x00;
  assert_int_equal(pinhole_snmp_parse(g2, sizeof(g2), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_SNMP_TRAILING);
  /* truncated at every length */
  const uint8_t *msgs[] = {v1_get, v1_trap, v2c_trap, v3_get};
  size_t lens[] = {sizeof(v1_get), sizeof(v1_trap), sizeof(v2c_trap),
                   sizeof(v3_get)};
  for (size_t k = 0; k < 4; k++)
    for (size_t n = 0; n < lens[k]; n++)
      expect(msgs[k], n, SIZE_MAX, 0, PINHOLE_SNMP_TRUNCATED);
}

static void test_snmp_syntax_hostile(void **state) {
  (void)state;
  /* versions 2 and 4; a 6-byte version */
  expect(v1_get, sizeof(v1_get), 4, 2, PINHOLE_SNMP_VERSION);
  expect(v1_get, sizeof(v1_get), 4, 4, PINHOLE_SNMP_VERSION);
  expect(v1_get, sizeof(v1_get), 4, 0xff, PINHOLE_SNMP_VERSION); /* -1 */
  /* the community as an INTEGER, the Message as a SET */
  expect(v1_get, sizeof(v1_get), 5, 0x02, PINHOLE_SNMP_STRUCTURE);
  expect(v1_get, sizeof(v1_get), 0, 0x31, PINHOLE_SNMP_STRUCTURE);
  /* PDU types: Trap-PDU in v2c, GetBulk/v2-Trap/Report in v1, unknown */
  expect(v2c_trap, sizeof(v2c_trap), 14, 0xa4, PINHOLE_SNMP_PDU);
  expect(v1_get, sizeof(v1_get), 13, 0xa5, PINHOLE_SNMP_PDU);
  expect(v1_get, sizeof(v1_get), 13, 0xa7, PINHOLE_SNMP_PDU);
  expect(v1_get, sizeof(v1_get), 13, 0xa8, PINHOLE_SNMP_PDU);
  expect(v1_get, sizeof(v1_get), 13, 0xa9, PINHOLE_SNMP_PDU);
  expect(v1_get, sizeof(v1_get), 13, 0x30, PINHOLE_SNMP_PDU);
  expect(v1_get, sizeof(v1_get), 13, 0xa3, 0); /* Set is fine in v1 */
  /* error-status 19; error-index -1 */
  expect(v1_get, sizeof(v1_get), 21, 19, PINHOLE_SNMP_INTEGER);
  expect(v1_get, sizeof(v1_get), 24, 0xff, PINHOLE_SNMP_INTEGER);
  /* generic-trap 7; agent-addr as an OCTET STRING */
  expect(v1_trap, sizeof(v1_trap), 35, 7, PINHOLE_SNMP_INTEGER);
  expect(v1_trap, sizeof(v1_trap), 27, 0x04, PINHOLE_SNMP_STRUCTURE);
  /* an IpAddress binding of 2 bytes, then a NULL: well-formed BER */
  uint8_t t[sizeof(v1_trap)];
  pinhole_snmp_msg m;
  memcpy(t, v1_trap, sizeof(t));
  t[65] = 0x02;
  t[68] = 0x05;
  t[69] = 0x00;
  assert_int_equal(pinhole_snmp_parse(t, sizeof(t), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_SNMP_IPADDR);
  /* a value of no SNMP type; a constructed value */
  expect(v1_get, sizeof(v1_get), 39, 0x09, PINHOLE_SNMP_STRUCTURE);
  expect(v1_get, sizeof(v1_get), 39, 0x30, PINHOLE_SNMP_STRUCTURE);
  expect(v1_get, sizeof(v1_get), 39, 0x24, PINHOLE_SNMP_STRUCTURE);
  /* a binding without its value; a binding name that is not an OID */
  expect(v1_get, sizeof(v1_get), 29, 0x04, PINHOLE_SNMP_STRUCTURE);
  /* OIDs: a padded sub-identifier, a last byte that continues */
  expect(v1_get, sizeof(v1_get), 33, 0x80, PINHOLE_SNMP_OID);
  expect(v1_get, sizeof(v1_get), 38, 0x81, PINHOLE_SNMP_OID);
  /* the 5-byte unsigned value as a Counter32; a negative TimeTicks */
  expect(v2c_trap, sizeof(v2c_trap), 42, 0x41, 0);
  expect(v2c_trap, sizeof(v2c_trap), 44, 0x80, PINHOLE_SNMP_INTEGER);
}

/* Writes tag, length (short or long form) and n bytes of v at o. */
static size_t tlv(uint8_t *o, uint8_t tag, const uint8_t *v, size_t n) {
  size_t k = 0;
  o[k++] = tag;
  if (n >= 256) {
    o[k++] = 0x82;
    o[k++] = (uint8_t)(n >> 8);
  } else if (n >= 128) {
    o[k++] = 0x81;
  }
  o[k++] = (uint8_t)n;
  memmove(o + k, v, n);
  return k + n;
}

/* A v1 Get of one binding whose name is the OID contents oid[0..n). */
static size_t get_with_oid(uint8_t *out, const uint8_t *oid, size_t n) {
  uint8_t a[400], b[400];
  size_t k = tlv(a, 0x06, oid, n);
  a[k++] = 0x05;
  a[k++] = 0x00;
  k = tlv(b, 0x30, a, k);      /* VarBind */
  k = tlv(a + 10, 0x30, b, k); /* VarBindList */
  memcpy(a, "\x02\x02\x12\x34\x02\x01\x00\x02\x01\x00", 10);
  k = tlv(b + 11, 0xa0, a, 10 + k);
  memcpy(b, "\x02\x01\x00\x04\x06public", 11);
  return tlv(out, 0x30, b, 11 + k);
}

static void test_snmp_oid_limits(void **state) {
  (void)state;
  uint8_t oid[200], g[400];
  pinhole_snmp_msg m;
  /* n sub-identifiers: 0x2b (1.3) then n - 2 bytes of 1 */
  for (size_t n = 126; n <= 130; n++) {
    oid[0] = 0x2b;
    memset(oid + 1, 1, n - 2);
    size_t len = get_with_oid(g, oid, n - 1);
    int rc = pinhole_snmp_parse(g, len, &m);
    assert_int_equal(m.reason,
                     n <= PINHOLE_SNMP_MAX_OID ? 0 : PINHOLE_SNMP_OID);
    assert_int_equal(rc, n <= PINHOLE_SNMP_MAX_OID ? 0 : PINHOLE_ERR_PARSE);
  }
  /* sub-identifier 2^32 - 1 (5 bytes, first 0x8f) and 2^32 (first 0x90) */
  static const uint8_t big[] = {0x2b, 0x06, 0x8f, 0xff, 0xff, 0xff, 0x7f};
  memcpy(oid, big, sizeof(big));
  size_t len = get_with_oid(g, oid, sizeof(big));
  assert_int_equal(pinhole_snmp_parse(g, len, &m), 0);
  oid[2] = 0x90;
  len = get_with_oid(g, oid, sizeof(big));
  assert_int_equal(pinhole_snmp_parse(g, len, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_SNMP_OID);
  /* six bytes, even with small value bits */
  static const uint8_t six[] = {0x2b, 0x81, 0x80, 0x80, 0x80, 0x80, 0x01};
  len = get_with_oid(g, six, sizeof(six));
  assert_int_equal(pinhole_snmp_parse(g, len, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_SNMP_OID);
  /* the builder itself: v1_get's OID gives v1_get */
  len = get_with_oid(g, v1_get + 31, 8);
  assert_int_equal(len, sizeof(v1_get));
  assert_memory_equal(g, v1_get, sizeof(v1_get));
}

static void test_snmp_varbind_next_other_bytes(void **state) {
  (void)state;
  pinhole_snmp_msg m;
  assert_int_equal(pinhole_snmp_parse(v1_trap, sizeof(v1_trap), &m), 0);
  pinhole_snmp_iter it = {0};
  pinhole_snmp_varbind vb;
  /* the message cut inside the second binding */
  assert_int_equal(pinhole_snmp_varbind_next(v1_trap, 80, &m, &it, &vb),
                   PINHOLE_ERR_PARSE);
  /* v1_get's bytes with the trap's ranges */
  assert_int_equal(
      pinhole_snmp_varbind_next(v1_get, sizeof(v1_get), &m, &it, &vb),
      PINHOLE_ERR_PARSE);
  assert_int_equal(
      pinhole_snmp_varbind_next(v1_trap, sizeof(v1_trap), NULL, &it, &vb),
      PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_snmp_parse(NULL, 1, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_snmp_parse(v1_get, 1, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_snmp_reason_names(void **state) {
  (void)state;
  static const char *const want[] = {
      "ok",  "truncated", "trailing",  "indefinite", "length",
      "tag", "depth",     "structure", "integer",    "version",
      "pdu", "ipaddr",    "oid",       "v3",
  };
  for (int i = 0; i < 14; i++)
    assert_string_equal(pinhole_snmp_reason_name(i), want[i]);
  assert_string_equal(pinhole_snmp_reason_name(14), "unknown");
  assert_string_equal(pinhole_snmp_reason_name(-3), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_snmp_v1_get),
      cmocka_unit_test(test_snmp_v1_trap_agent_addr),
      cmocka_unit_test(test_snmp_ipaddr_rewrite_refuses),
      cmocka_unit_test(test_snmp_v2c_trap),
      cmocka_unit_test(test_snmp_v2c_response_and_bulk),
      cmocka_unit_test(test_snmp_v3),
      cmocka_unit_test(test_snmp_long_length_forms),
      cmocka_unit_test(test_snmp_ber_hostile),
      cmocka_unit_test(test_snmp_syntax_hostile),
      cmocka_unit_test(test_snmp_oid_limits),
      cmocka_unit_test(test_snmp_varbind_next_other_bytes),
      cmocka_unit_test(test_snmp_reason_names),
  };
  return cmocka_run_group_tests_name("unit.snmp", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: NetBIOS name service (RFC 1002 4.2: query, positive query
 * response, registration, WACK, node status) and datagram service
 * (RFC 1002 4.4) parsing; first-level name encoding (RFC 1001 14.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/netbios.h>

/* FRED<20> is "EGFCEFEECACACACACACACACACACACACA" (RFC 1001 14.1);
 * WORKGROUP<1d> is "FHEPFCELEHFCEPFFFACACACACACACABN". */

/* Name query request for FRED<20>, unicast to the NBNS (RD). */
static const uint8_t nbns_query[] = {
    0x8a, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x20, 0x45, 0x47, 0x46, 0x43, 0x45, 0x46, 0x45,
    0x45, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
    0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
    0x41, 0x43, 0x41, 0x43, 0x41, 0x00, 0x00, 0x20, 0x00, 0x01,
};

/* Positive name query response: FRED<20> at 198.18.0.5 and 198.18.0.6,
 * H-node entries. */
static const uint8_t nbns_resp[] = {
    0x8a, 0x01, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x45, 0x47, 0x46, 0x43, 0x45, 0x46, 0x45, 0x45, 0x43, 0x41, 0x43,
    0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
    0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x00, 0x00, 0x20,
    0x00, 0x01, 0x00, 0x04, 0x93, 0xe0, 0x00, 0x0c, 0x60, 0x00, 0xc6, 0x12,
    0x00, 0x05, 0x60, 0x00, 0xc6, 0x12, 0x00, 0x06,
};

/* Name registration request (opcode 5, RD, B) for WORKGROUP<1d>; the
 * additional record (owner: pointer to the question) holds 198.18.0.7. */
static const uint8_t nbns_reg[] = {
    0x12, 0x34, 0x29, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x46, 0x48, 0x45, 0x50, 0x46, 0x43, 0x45, 0x4c, 0x45, 0x48, 0x46,
    0x43, 0x45, 0x50, 0x46, 0x46, 0x46, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
    0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x42, 0x4e, 0x00, 0x00, 0x20,
    0x00, 0x01, 0xc0, 0x0c, 0x00, 0x20, 0x00, 0x01, 0x00, 0x04, 0x93, 0xe0,
    0x00, 0x06, 0x60, 0x00, 0xc6, 0x12, 0x00, 0x07,
};

/* WACK (opcode 7): RDATA is the request's flags, 2 bytes. */
static const uint8_t nbns_wack[] = {
    0x12, 0x34, 0xbc, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x46, 0x48, 0x45, 0x50, 0x46, 0x43, 0x45, 0x4c, 0x45, 0x48, 0x46,
    0x43, 0x45, 0x50, 0x46, 0x46, 0x46, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
    0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x42, 0x4e, 0x00, 0x00, 0x20,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x02, 0x29, 0x10,
};

/* Node status response for "*": two names, MAC 00:16:3e:11:22:33. */
static const uint8_t nbns_stat[] = {
    0x00, 0x42, 0x84, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x20, 0x43, 0x4b, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41,
    0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x00, 0x00, 0x21,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x02, 0x46, 0x52, 0x45,
    0x44, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x00, 0x04, 0x00, 0x57, 0x4f, 0x52, 0x4b, 0x47, 0x52, 0x4f, 0x55, 0x50,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x00, 0x84, 0x00, 0x00, 0x16, 0x3e,
    0x11, 0x22, 0x33, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* DIRECT_GROUP datagram from FRED<00> at 198.18.0.5:138 to
 * WORKGROUP<1d>, first fragment, B node; an SMB header as data. */
static const uint8_t nbds_group[] = {
    0x11, 0x02, 0x77, 0x01, 0xc6, 0x12, 0x00, 0x05, 0x00, 0x8a, 0x00,
    0x54, 0x00, 0x00, 0x20, 0x45, 0x47, 0x46, 0x43, 0x45, 0x46, 0x45,
    0x45, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41,
    0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43,
    0x41, 0x41, 0x41, 0x00, 0x20, 0x46, 0x48, 0x45, 0x50, 0x46, 0x43,
    0x45, 0x4c, 0x45, 0x48, 0x46, 0x43, 0x45, 0x50, 0x46, 0x46, 0x46,
    0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41,
    0x43, 0x41, 0x42, 0x4e, 0x00, 0xff, 0x53, 0x4d, 0x42, 0x25, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* DATAGRAM QUERY REQUEST for FRED<03> from 198.18.0.9:138. */
static const uint8_t nbds_query[] = {
    0x14, 0x06, 0x01, 0x02, 0xc6, 0x12, 0x00, 0x09, 0x00, 0x8a, 0x20,
    0x45, 0x47, 0x46, 0x43, 0x45, 0x46, 0x45, 0x45, 0x43, 0x41, 0x43,
    0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41,
    0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x43, 0x41, 0x41, 0x44, 0x00,
};

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static void test_netbios_query(void **state) {
  (void)state;
  pinhole_dns_msg m;
  assert_int_equal(pinhole_nbns_parse(nbns_query, sizeof(nbns_query), &m), 0);
  assert_int_equal(m.id, 0x8a01);
  assert_int_equal(m.opcode, PINHOLE_NBNS_OPCODE_QUERY);
  assert_int_equal(m.qdcount, 1);
  assert_int_equal(m.question[0].name_off, 12);
  assert_int_equal(m.question[0].name_len, 34);
  assert_int_equal(m.question[0].qtype, PINHOLE_NBNS_TYPE_NB);
  assert_int_equal(m.n_nb, 0);
  uint8_t name[16];
  assert_int_equal(
      pinhole_netbios_name_decode(nbns_query, sizeof(nbns_query), 12, name), 0);
  assert_memory_equal(name, "FRED            ", 16);
}

/* The addresses a NAT rewrites, found through the DNS record walk. */
static void test_netbios_query_response_entries(void **state) {
  (void)state;
  pinhole_dns_msg m;
  assert_int_equal(pinhole_nbns_parse(nbns_resp, sizeof(nbns_resp), &m), 0);
  assert_true(m.flags & PINHOLE_DNS_FLAG_QR);
  assert_int_equal(m.n_nb, 2);
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  assert_int_equal(
      pinhole_dns_rr_next(nbns_resp, sizeof(nbns_resp), &m, &it, &rr), 0);
  assert_int_equal(rr.section, PINHOLE_DNS_SECTION_ANSWER);
  assert_int_equal(rr.type, PINHOLE_NBNS_TYPE_NB);
  assert_int_equal(rr.ttl, 300000);
  assert_int_equal(rr.rdata_off, 56);
  assert_int_equal(rr.rdlength, 12);
  size_t a0 = rr.rdata_off + 2;
  size_t a1 = rr.rdata_off + PINHOLE_NBNS_NB_ENTRY_LEN + 2;
  assert_int_equal(a0, 58);
  assert_int_equal(a1, 64);
  assert_int_equal(get32(nbns_resp + a0), 0xC6120005);
  assert_int_equal(get32(nbns_resp + a1), 0xC6120006);
  assert_int_equal(nbns_resp[rr.rdata_off] << 8 & PINHOLE_NBNS_NB_ONT_MASK,
                   0x6000);
  uint8_t name[16];
  assert_int_equal(
      pinhole_netbios_name_decode(nbns_resp, sizeof(nbns_resp), rr.off, name),
      0);
  assert_memory_equal(name, "FRED           \x20", 16);
  assert_int_equal(
      pinhole_dns_rr_next(nbns_resp, sizeof(nbns_resp), &m, &it, &rr),
      PINHOLE_ERR_NOMATCH);
}

static void test_netbios_registration(void **state) {
  (void)state;
  pinhole_dns_msg m;
  assert_int_equal(pinhole_nbns_parse(nbns_reg, sizeof(nbns_reg), &m), 0);
  assert_int_equal(m.opcode, PINHOLE_NBNS_OPCODE_REGISTRATION);
  assert_true(m.flags & PINHOLE_NBNS_FLAG_B);
  assert_int_equal(m.n_nb, 1);
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  assert_int_equal(
      pinhole_dns_rr_next(nbns_reg, sizeof(nbns_reg), &m, &it, &rr), 0);
  assert_int_equal(rr.section, PINHOLE_DNS_SECTION_ADDITIONAL);
  assert_int_equal(rr.off, 50);
  assert_int_equal(rr.name_len, 2);
  assert_int_equal(rr.rdata_off, 62);
  assert_int_equal(get32(nbns_reg + rr.rdata_off + 2), 0xC6120007);
  uint8_t name[16];
  assert_int_equal(
      pinhole_netbios_name_decode(nbns_reg, sizeof(nbns_reg), rr.off, name), 0);
  assert_memory_equal(name, "WORKGROUP      \x1d", 16);
}

static void test_netbios_wack_and_status(void **state) {
  (void)state;
  pinhole_dns_msg m;
  assert_int_equal(pinhole_nbns_parse(nbns_wack, sizeof(nbns_wack), &m), 0);
  assert_int_equal(m.opcode, PINHOLE_NBNS_OPCODE_WACK);
  assert_int_equal(m.n_nb, 0);
  assert_int_equal(pinhole_nbns_parse(nbns_stat, sizeof(nbns_stat), &m), 0);
  assert_int_equal(m.n_nb, 0);
  uint8_t name[16];
  assert_int_equal(
      pinhole_netbios_name_decode(nbns_stat, sizeof(nbns_stat), 12, name), 0);
  assert_memory_equal(name, "*\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);

  /* a WACK whose RDATA is a whole NB entry is not a WACK */
  static const uint8_t entry6[] = {0x60, 0, 0xc6, 0x12, 0, 5};
  uint8_t w[sizeof(nbns_wack) + 4];
  memcpy(w, nbns_wack, sizeof(nbns_wack) - 2);
  w[55] = 6;
  memcpy(w + 56, entry6, 6);
  assert_int_equal(pinhole_nbns_parse(w, sizeof(w), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_NB_RDATA);
  /* the same bytes as a refresh (opcode 8) are fine */
  w[2] = (uint8_t)(0x80 | PINHOLE_NBNS_OPCODE_REFRESH << 3);
  assert_int_equal(pinhole_nbns_parse(w, sizeof(w), &m), 0);
  assert_int_equal(m.n_nb, 1);

  /* node status claiming 5 names in room for 4 */
  uint8_t s[sizeof(nbns_stat)];
  memcpy(s, nbns_stat, sizeof(s));
  s[56] = 4; /* 1 + 4 * 18 = 73 <= 83 */
  assert_int_equal(pinhole_nbns_parse(s, sizeof(s), &m), 0);
  s[56] = 5; /* 91 > 83 */
  assert_int_equal(pinhole_nbns_parse(s, sizeof(s), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_NB_RDATA);
}

static void test_netbios_nb_rdata_lengths(void **state) {
  (void)state;
  uint8_t r[sizeof(nbns_resp)];
  pinhole_dns_msg m;
  for (size_t rdlen = 0; rdlen <= 12; rdlen++) {
    memcpy(r, nbns_resp, sizeof(r));
    r[55] = (uint8_t)rdlen;
    int rc = pinhole_nbns_parse(r, 56 + rdlen, &m);
    if (rdlen % 6 == 0) {
      assert_int_equal(rc, 0);
      assert_int_equal(m.n_nb, rdlen / 6);
    } else {
      assert_int_equal(rc, PINHOLE_ERR_PARSE);
      assert_int_equal(m.reason, PINHOLE_DNS_NB_RDATA);
    }
  }
}

static void test_netbios_bad_names(void **state) {
  (void)state;
  uint8_t q[sizeof(nbns_query)];
  pinhole_dns_msg m;
  uint8_t name[16];
  /* a letter past 'P', a lower-case one, a digit */
  const uint8_t bad[] = {'Q', 'a', '0', '@', 0};
  for (size_t i = 0; i < sizeof(bad); i++) {
    memcpy(q, nbns_query, sizeof(q));
    q[20] = bad[i];
    assert_int_equal(pinhole_nbns_parse(q, sizeof(q), &m), PINHOLE_ERR_PARSE);
    assert_int_equal(m.reason, PINHOLE_DNS_NB_NAME);
    assert_int_equal(pinhole_netbios_name_decode(q, sizeof(q), 12, name),
                     PINHOLE_ERR_PARSE);
  }
  /* a first label of 30 bytes and a scope label of 1: a valid DNS name,
   * not a NetBIOS one */
  memcpy(q, nbns_query, sizeof(q));
  q[12] = 30;
  q[43] = 1;
  assert_int_equal(pinhole_nbns_parse(q, sizeof(q), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_NB_NAME);
  /* a scope is fine: FRED<20>.A (the scope label replaces the root) */
  uint8_t s[sizeof(nbns_query) + 2];
  memcpy(s, nbns_query, 45);
  s[45] = 1;
  s[46] = 'A';
  s[47] = 0;
  memcpy(s + 48, nbns_query + 46, 4);
  assert_int_equal(pinhole_nbns_parse(s, sizeof(s), &m), 0);
  assert_int_equal(m.question[0].name_len, 36);
  /* a record owner that is not a NetBIOS name */
  uint8_t r[sizeof(nbns_resp)];
  memcpy(r, nbns_resp, sizeof(r));
  r[30] = 'Z';
  assert_int_equal(pinhole_nbns_parse(r, sizeof(r), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_NB_NAME);
  /* DNS-level faults come first, with DNS reasons */
  memcpy(r, nbns_resp, sizeof(r));
  r[12] = 0xc0;
  r[13] = 0x0c;
  assert_int_equal(pinhole_nbns_parse(r, sizeof(r), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_POINTER);
  memcpy(r, nbns_resp, sizeof(r));
  r[7] = 2;
  assert_int_equal(pinhole_nbns_parse(r, sizeof(r), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_TRUNCATED);
}

/* No name may read an NB_ADDRESS through a pointer: rewriting it must not
 * change a name. DNS alone does not know NB RDATA holds addresses. */
static void test_netbios_pointer_into_address(void **state) {
  (void)state;
  uint8_t r[sizeof(nbns_reg) + 12];
  memcpy(r, nbns_reg, sizeof(nbns_reg));
  r[11] = 2;
  static const uint8_t null_rr[] = {0xc0, 0x42, 0, 10, 0, 1, 0, 0, 0, 0, 0, 0};
  memcpy(r + sizeof(nbns_reg), null_rr, sizeof(null_rr));
  pinhole_dns_msg m;
  /* 0x42 = 66: the last byte of 198.18.0.7 ... */
  r[69] = 0x43; /* 67: the 0x07 of the address, read as a label */
  assert_int_equal(pinhole_nbns_parse(r, sizeof(r), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_POINTER);
  r[69] = 0x42; /* 66: the 0x00 of the address, read as the root */
  assert_int_equal(pinhole_nbns_parse(r, sizeof(r), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_DNS_POINTER);
  assert_int_equal(pinhole_dns_parse(r, sizeof(r), 0, &m), 0);
  r[69] = 0x0c; /* the question's name: fine */
  assert_int_equal(pinhole_nbns_parse(r, sizeof(r), &m), 0);
  assert_int_equal(m.n_nb, 1);
}

static void test_netbios_truncated_every_length(void **state) {
  (void)state;
  const uint8_t *msgs[] = {nbns_query, nbns_resp, nbns_reg, nbns_stat};
  size_t lens[] = {sizeof(nbns_query), sizeof(nbns_resp), sizeof(nbns_reg),
                   sizeof(nbns_stat)};
  for (size_t k = 0; k < 4; k++) {
    for (size_t n = 0; n < lens[k]; n++) {
      uint8_t *c = malloc(n ? n : 1);
      assert_non_null(c);
      memcpy(c, msgs[k], n);
      pinhole_dns_msg m;
      assert_int_equal(pinhole_nbns_parse(c, n, &m), PINHOLE_ERR_PARSE);
      assert_int_equal(m.reason,
                       n < 12 ? PINHOLE_DNS_SHORT : PINHOLE_DNS_TRUNCATED);
      free(c);
    }
  }
}

/* ---- datagram service --------------------------------------------- */

static void test_netbios_datagram(void **state) {
  (void)state;
  pinhole_nbds_msg m;
  assert_int_equal(pinhole_nbds_parse(nbds_group, sizeof(nbds_group), &m), 0);
  assert_int_equal(m.type, PINHOLE_NBDS_TYPE_DIRECT_GROUP);
  assert_int_equal(m.flags, PINHOLE_NBDS_FLAG_FIRST);
  assert_int_equal(m.dgm_id, 0x7701);
  assert_int_equal(m.source_ip, 0xC6120005);
  assert_int_equal(m.source_port, 138);
  assert_int_equal(get32(nbds_group + PINHOLE_NBDS_SOURCE_IP_OFF), 0xC6120005);
  assert_int_equal(nbds_group[PINHOLE_NBDS_SOURCE_PORT_OFF + 1], 138);
  assert_int_equal(m.dgm_length, 84);
  assert_int_equal(m.packet_offset, 0);
  assert_int_equal(m.source_name_off, 14);
  assert_int_equal(m.source_name_len, 34);
  assert_int_equal(m.dest_name_off, 48);
  assert_int_equal(m.dest_name_len, 34);
  assert_int_equal(m.data_off, 82);
  assert_int_equal(m.data_len, 16);
  assert_memory_equal(nbds_group + m.data_off, "\xffSMB", 4);
  uint8_t name[16];
  assert_int_equal(pinhole_netbios_name_decode(nbds_group, sizeof(nbds_group),
                                               m.dest_name_off, name),
                   0);
  assert_memory_equal(name, "WORKGROUP      \x1d", 16);

  assert_int_equal(pinhole_nbds_parse(nbds_query, sizeof(nbds_query), &m), 0);
  assert_int_equal(m.type, PINHOLE_NBDS_TYPE_QUERY_REQUEST);
  assert_int_equal(m.source_ip, 0xC6120009);
  assert_int_equal(m.dest_name_off, 10);
  assert_int_equal(m.dest_name_len, 34);
  assert_int_equal(m.source_name_off, 0);

  /* ERROR: header and one code byte */
  static const uint8_t err[] = {0x13, 0x02, 0x77, 0x02, 0xc6, 0x13,
                                0x00, 0x04, 0x00, 0x8a, 0x82};
  assert_int_equal(pinhole_nbds_parse(err, sizeof(err), &m), 0);
  assert_int_equal(m.error_code, 0x82);
  assert_int_equal(m.source_ip, 0xC6130004);
  assert_int_equal(pinhole_nbds_parse(err, 10, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_NBDS_SHORT);
}

static void test_netbios_datagram_hostile(void **state) {
  (void)state;
  uint8_t d[sizeof(nbds_group) + 1];
  pinhole_nbds_msg m;
  /* DGM_LENGTH one off either way */
  for (int delta = -1; delta <= 1; delta += 2) {
    memcpy(d, nbds_group, sizeof(nbds_group));
    d[11] = (uint8_t)(84 + delta);
    assert_int_equal(pinhole_nbds_parse(d, sizeof(nbds_group), &m),
                     PINHOLE_ERR_PARSE);
    assert_int_equal(m.reason, PINHOLE_NBDS_LENGTH);
  }
  /* a compressed destination name */
  memcpy(d, nbds_group, sizeof(nbds_group));
  d[48] = 0xc0;
  d[49] = 0x0e;
  assert_int_equal(pinhole_nbds_parse(d, sizeof(nbds_group), &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_NBDS_NAME);
  /* a bad encoding in the source name */
  memcpy(d, nbds_group, sizeof(nbds_group));
  d[20] = 'z';
  assert_int_equal(pinhole_nbds_parse(d, sizeof(nbds_group), &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_NBDS_NAME);
  /* names longer than DGM_LENGTH says there is: 14 + 34 + 33 */
  memcpy(d, nbds_group, sizeof(nbds_group));
  d[11] = 67;
  assert_int_equal(pinhole_nbds_parse(d, 81, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_NBDS_NAME);
  /* unknown types */
  memcpy(d, nbds_group, sizeof(nbds_group));
  const uint8_t types[] = {0x00, 0x0f, 0x17, 0xff};
  for (size_t i = 0; i < sizeof(types); i++) {
    d[0] = types[i];
    assert_int_equal(pinhole_nbds_parse(d, sizeof(nbds_group), &m),
                     PINHOLE_ERR_PARSE);
    assert_int_equal(m.reason, PINHOLE_NBDS_TYPE);
  }
  /* a query with a byte after its name */
  memcpy(d, nbds_query, sizeof(nbds_query));
  d[sizeof(nbds_query)] = 0;
  assert_int_equal(pinhole_nbds_parse(d, sizeof(nbds_query) + 1, &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(m.reason, PINHOLE_NBDS_TRAILING);
  /* truncated at every length */
  for (size_t n = 0; n < sizeof(nbds_group); n++) {
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, nbds_group, n);
    assert_int_equal(pinhole_nbds_parse(c, n, &m), PINHOLE_ERR_PARSE);
    assert_int_equal(m.reason,
                     n < 14 ? PINHOLE_NBDS_SHORT : PINHOLE_NBDS_LENGTH);
    free(c);
  }
  for (size_t n = 0; n < sizeof(nbds_query); n++) {
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, nbds_query, n);
    assert_int_equal(pinhole_nbds_parse(c, n, &m), PINHOLE_ERR_PARSE);
    assert_int_equal(m.reason, n < 10 ? PINHOLE_NBDS_SHORT : PINHOLE_NBDS_NAME);
    free(c);
  }
}

static void test_netbios_invalid_args(void **state) {
  (void)state;
  pinhole_dns_msg m;
  pinhole_nbds_msg d;
  uint8_t name[16];
  assert_int_equal(pinhole_nbns_parse(nbns_query, 50, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_nbns_parse(NULL, 50, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_nbds_parse(nbds_query, 44, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_nbds_parse(NULL, 44, &d), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_netbios_name_decode(NULL, 50, 12, name),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_netbios_name_decode(nbns_query, 50, 12, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_netbios_name_decode(nbns_query, 50, 50, name),
                   PINHOLE_ERR_PARSE);
}

static void test_netbios_reason_names(void **state) {
  (void)state;
  static const char *const want[] = {"ok",     "short", "type",
                                     "length", "name",  "trailing"};
  for (int i = 0; i < 6; i++)
    assert_string_equal(pinhole_nbds_reason_name(i), want[i]);
  assert_string_equal(pinhole_nbds_reason_name(6), "unknown");
  assert_string_equal(pinhole_nbds_reason_name(-1), "unknown");
  assert_string_equal(pinhole_dns_reason_name(PINHOLE_DNS_NB_NAME), "nb-name");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_netbios_query),
      cmocka_unit_test(test_netbios_query_response_entries),
      cmocka_unit_test(test_netbios_registration),
      cmocka_unit_test(test_netbios_wack_and_status),
      cmocka_unit_test(test_netbios_nb_rdata_lengths),
      cmocka_unit_test(test_netbios_bad_names),
      cmocka_unit_test(test_netbios_pointer_into_address),
      cmocka_unit_test(test_netbios_truncated_every_length),
      cmocka_unit_test(test_netbios_datagram),
      cmocka_unit_test(test_netbios_datagram_hostile),
      cmocka_unit_test(test_netbios_invalid_args),
      cmocka_unit_test(test_netbios_reason_names),
  };
  return cmocka_run_group_tests_name("unit.netbios", tests, NULL, NULL);
}

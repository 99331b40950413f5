/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the NetBIOS parsers (include/pinhole/netbios.h).
 *
 * Every input is parsed as a name service message and as a datagram. On
 * success: the NB records' RDATA holds whole 6-byte entries (2 bytes in a
 * WACK) and their number is m.n_nb; record owners and questions of NB and
 * NBSTAT type decode as NetBIOS names; a datagram's spans lie inside it,
 * in order, its names decode and its header fields are the bytes at their
 * offsets. Aborts otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/netbios.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c))                                                                  \
      abort();                                                                 \
  } while (0)

/* Rewrites every NB entry's address and every A record of a copy; the
 * copy must parse again with the same counts: no name reads an address. */
static void check_rewrite(const uint8_t *p, size_t len,
                          const pinhole_dns_msg *m) {
  uint8_t *c = malloc(len ? len : 1);
  CHECK(c != NULL);
  memcpy(c, p, len);
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  while (pinhole_dns_rr_next(p, len, m, &it, &rr) == 0) {
    if (rr.type == PINHOLE_DNS_TYPE_A && rr.rclass == PINHOLE_DNS_CLASS_IN)
      CHECK(pinhole_dns_a_rewrite(c, len, rr.rdata_off, 0xC6130001, NULL) == 0);
    if (rr.type != PINHOLE_NBNS_TYPE_NB || rr.rclass != PINHOLE_DNS_CLASS_IN ||
        m->opcode == PINHOLE_NBNS_OPCODE_WACK)
      continue;
    for (size_t i = 0; i < rr.rdlength / PINHOLE_NBNS_NB_ENTRY_LEN; i++)
      memset(c + rr.rdata_off + i * PINHOLE_NBNS_NB_ENTRY_LEN + 2, 0xC6, 4);
  }
  pinhole_dns_msg m2;
  CHECK(pinhole_nbns_parse(c, len, &m2) == 0);
  CHECK(m2.n_nb == m->n_nb && m2.n_a == m->n_a);
  free(c);
}

static void check_nbns(const uint8_t *p, size_t len) {
  pinhole_dns_msg m;
  int rc = pinhole_nbns_parse(p, len, &m);
  CHECK(m.reason <= PINHOLE_DNS_NB_RDATA);
  if (rc != 0) {
    CHECK(m.reason != 0);
    return;
  }
  uint8_t name[16];
  for (size_t i = 0; i < m.qdcount; i++)
    CHECK(pinhole_netbios_name_decode(p, len, m.question[i].name_off, name) ==
          0);
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  size_t entries = 0, n = 0;
  while (pinhole_dns_rr_next(p, len, &m, &it, &rr) == 0) {
    n++;
    if (rr.type != PINHOLE_NBNS_TYPE_NB && rr.type != PINHOLE_NBNS_TYPE_NBSTAT)
      continue;
    CHECK(pinhole_netbios_name_decode(p, len, rr.off, name) == 0);
    if (rr.type == PINHOLE_NBNS_TYPE_NBSTAT)
      continue;
    if (m.opcode == PINHOLE_NBNS_OPCODE_WACK) {
      CHECK(rr.rdlength == 2);
      continue;
    }
    CHECK(rr.rdlength % PINHOLE_NBNS_NB_ENTRY_LEN == 0);
    entries += rr.rdlength / PINHOLE_NBNS_NB_ENTRY_LEN;
  }
  CHECK(n == (size_t)m.ancount + m.nscount + m.arcount);
  CHECK(entries == m.n_nb);
  check_rewrite(p, len, &m);
}

static void check_nbds(const uint8_t *p, size_t len) {
  pinhole_nbds_msg m;
  int rc = pinhole_nbds_parse(p, len, &m);
  CHECK(m.reason <= PINHOLE_NBDS_TRAILING);
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE && m.reason != 0);
    return;
  }
  CHECK(m.type >= PINHOLE_NBDS_TYPE_DIRECT_UNIQUE &&
        m.type <= PINHOLE_NBDS_TYPE_NEGATIVE_RESPONSE);
  const uint8_t *s = p + PINHOLE_NBDS_SOURCE_IP_OFF;
  CHECK(m.source_ip == ((uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
                        (uint32_t)s[2] << 8 | s[3]));
  CHECK(m.source_port == (p[PINHOLE_NBDS_SOURCE_PORT_OFF] << 8 |
                          p[PINHOLE_NBDS_SOURCE_PORT_OFF + 1]));
  uint8_t name[16];
  if (m.type <= PINHOLE_NBDS_TYPE_BROADCAST) {
    CHECK(m.dgm_length == len - 14 && m.source_name_off == 14);
    CHECK(m.dest_name_off == 14 + m.source_name_len);
    CHECK(m.data_off == m.dest_name_off + m.dest_name_len);
    CHECK(m.data_off + m.data_len == len);
    CHECK(pinhole_netbios_name_decode(p, len, m.source_name_off, name) == 0);
  } else if (m.type == PINHOLE_NBDS_TYPE_ERROR) {
    CHECK(len == 11 && m.error_code == p[10]);
    return;
  } else {
    CHECK(m.dest_name_off == 10 && 10 + m.dest_name_len == len);
  }
  CHECK(m.dest_name_len >= 34);
  CHECK(pinhole_netbios_name_decode(p, len, m.dest_name_off, name) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_nbns(data, size);
  check_nbds(data, size);
  return 0;
}

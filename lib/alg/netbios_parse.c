/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NetBIOS pure layer: name service (UDP 137) and datagram service
 * (UDP 138) parsing.
 *
 * RFC 1001 (concepts; first-level name encoding, section 14.1) and
 * RFC 1002 (packet formats: name service 4.2, datagram service 4.4). The
 * NetBIOS ALG rewrites the NB_ADDRESS of name registrations and query
 * responses and the SOURCE_IP/SOURCE_PORT of datagrams through the NAT,
 * all in place. The name service shares DNS's wire walk (dns_parse.h).
 *
 * Limits: as DNS's (4 questions, 16 pointers per name); NBSTAT
 * statistics are not looked into; datagram user data is opaque.
 */
#include <pinhole/netbios.h>

#include <string.h>

#include "alg/dns_parse.h"
#include "alg/text.h"

/* Encoded NetBIOS name: label of 32, two 'A'..'P' per byte. */
#define PH_NB_ENCODED 32

static int ph_nb_label_ok(const uint8_t *n) {
  if (n[0] != PH_NB_ENCODED)
    return 0;
  for (size_t i = 1; i <= PH_NB_ENCODED; i++)
    if (n[i] < 'A' || n[i] > 'P')
      return 0;
  return 1;
}

/* Reads the NetBIOS name at off: 0, or a pinhole_dns_reason (NB_NAME when
 * a well-formed DNS name is not a NetBIOS one). */
static uint32_t ph_nb_name(const uint8_t *p, size_t len, size_t off,
                           size_t min_ptr, uint8_t *out, size_t *wire_len) {
  size_t nlen;
  ph_dns_rd rd = {min_ptr, NULL, out, 0};
  uint32_t r = pinhole__dns_name(p, len, off, &rd, wire_len, &nlen);
  if (r != 0)
    return r;
  return ph_nb_label_ok(out) ? 0 : PINHOLE_DNS_NB_NAME;
}

/* RDATA of NB and NBSTAT records (RFC 1002 4.2.1.3, 4.2.16, 4.2.18). */
static uint32_t ph_nb_rdata(const uint8_t *p, const pinhole_dns_msg *m,
                            const pinhole_dns_rr *rr, size_t *entries) {
  *entries = 0;
  if (rr->type == PINHOLE_NBNS_TYPE_NBSTAT) {
    if (rr->rdlength < 1 || (rr->rdlength - 1) / 18 < p[rr->rdata_off])
      return PINHOLE_DNS_NB_RDATA;
    return 0;
  }
  if (m->opcode == PINHOLE_NBNS_OPCODE_WACK)
    return rr->rdlength == 2 ? 0 : PINHOLE_DNS_NB_RDATA;
  if (rr->rdlength % PINHOLE_NBNS_NB_ENTRY_LEN != 0)
    return PINHOLE_DNS_NB_RDATA;
  *entries = rr->rdlength / PINHOLE_NBNS_NB_ENTRY_LEN;
  return 0;
}

static uint32_t ph_nbns_records(const uint8_t *p, size_t len,
                                pinhole_dns_msg *m) {
  uint8_t name[PINHOLE_DNS_NAME_MAX];
  pinhole_dns_iter it = {0, 0};
  pinhole_dns_rr rr;
  while (pinhole_dns_rr_next(p, len, m, &it, &rr) == 0) {
    if (rr.type != PINHOLE_NBNS_TYPE_NB && rr.type != PINHOLE_NBNS_TYPE_NBSTAT)
      continue;
    size_t wire, entries;
    uint32_t r =
        ph_nb_name(p, len, rr.off, PINHOLE_DNS_HEADER_LEN, name, &wire);
    if (r == 0)
      r = ph_nb_rdata(p, m, &rr, &entries);
    if (r != 0)
      return r;
    m->n_nb += entries;
  }
  return 0;
}

int pinhole_nbns_parse(const uint8_t *p, size_t len, pinhole_dns_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  int rc = pinhole__dns_walk(p, len, PINHOLE_DNS_MSG_MAX, PH_DNS_WALK_NBNS, m);
  if (rc != 0)
    return rc;
  uint8_t name[PINHOLE_DNS_NAME_MAX];
  uint32_t r = 0;
  for (size_t i = 0; i < m->qdcount && r == 0; i++) {
    size_t wire;
    r = ph_nb_name(p, len, m->question[i].name_off, PINHOLE_DNS_HEADER_LEN,
                   name, &wire);
  }
  if (r == 0)
    r = ph_nbns_records(p, len, m);
  if (r != 0) {
    m->reason = r;
    return pinhole__dns_err(r);
  }
  return 0;
}

int pinhole_netbios_name_decode(const uint8_t *p, size_t len, size_t off,
                                uint8_t *out) {
  uint8_t name[PINHOLE_DNS_NAME_MAX];
  size_t wire;
  if (p == NULL || out == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (ph_nb_name(p, len, off, PINHOLE_DNS_HEADER_LEN, name, &wire) != 0)
    return PINHOLE_ERR_PARSE;
  for (size_t i = 0; i < 16; i++)
    out[i] = (uint8_t)((name[1 + 2 * i] - 'A') << 4 | (name[2 + 2 * i] - 'A'));
  return 0;
}

static int ph_nbds_fail(pinhole_nbds_msg *m, uint32_t reason) {
  m->reason = reason;
  return PINHOLE_ERR_PARSE;
}

/* A datagram name at c->pos: uncompressed NetBIOS name. */
static int ph_nbds_name(ph_cur *c, size_t *off, size_t *wire) {
  uint8_t name[PINHOLE_DNS_NAME_MAX];
  *off = c->pos;
  if (ph_nb_name(c->p, c->end, c->pos, PH_DNS_NO_POINTERS, name, wire) != 0)
    return -1;
  c->pos += *wire;
  return 0;
}

/* DIRECT_UNIQUE, DIRECT_GROUP, BROADCAST (RFC 1002 4.4.2). */
static int ph_nbds_data(ph_cur *c, pinhole_nbds_msg *m) {
  if (ph_cur_be16(c, &m->dgm_length) != 0 ||
      ph_cur_be16(c, &m->packet_offset) != 0)
    return ph_nbds_fail(m, PINHOLE_NBDS_SHORT);
  if (m->dgm_length != ph_cur_left(c))
    return ph_nbds_fail(m, PINHOLE_NBDS_LENGTH);
  if (ph_nbds_name(c, &m->source_name_off, &m->source_name_len) != 0 ||
      ph_nbds_name(c, &m->dest_name_off, &m->dest_name_len) != 0)
    return ph_nbds_fail(m, PINHOLE_NBDS_NAME);
  m->data_off = c->pos;
  m->data_len = ph_cur_left(c);
  return 0;
}

int pinhole_nbds_parse(const uint8_t *p, size_t len, pinhole_nbds_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  ph_cur c = ph_cur_make(p, len);
  if (ph_cur_u8(&c, &m->type) != 0 || ph_cur_u8(&c, &m->flags) != 0 ||
      ph_cur_be16(&c, &m->dgm_id) != 0 || ph_cur_be32(&c, &m->source_ip) != 0 ||
      ph_cur_be16(&c, &m->source_port) != 0)
    return ph_nbds_fail(m, PINHOLE_NBDS_SHORT);
  switch (m->type) {
  case PINHOLE_NBDS_TYPE_DIRECT_UNIQUE:
  case PINHOLE_NBDS_TYPE_DIRECT_GROUP:
  case PINHOLE_NBDS_TYPE_BROADCAST:
    return ph_nbds_data(&c, m);
  case PINHOLE_NBDS_TYPE_ERROR:
    if (ph_cur_u8(&c, &m->error_code) != 0)
      return ph_nbds_fail(m, PINHOLE_NBDS_SHORT);
    break;
  case PINHOLE_NBDS_TYPE_QUERY_REQUEST:
  case PINHOLE_NBDS_TYPE_POSITIVE_RESPONSE:
  case PINHOLE_NBDS_TYPE_NEGATIVE_RESPONSE:
    if (ph_nbds_name(&c, &m->dest_name_off, &m->dest_name_len) != 0)
      return ph_nbds_fail(m, PINHOLE_NBDS_NAME);
    break;
  default:
    return ph_nbds_fail(m, PINHOLE_NBDS_TYPE);
  }
  if (ph_cur_left(&c) != 0)
    return ph_nbds_fail(m, PINHOLE_NBDS_TRAILING);
  return 0;
}

const char *pinhole_nbds_reason_name(int reason) {
  static const char *const names[] = {"ok",     "short", "type",
                                      "length", "name",  "trailing"};
  return ph_name_at(names, sizeof(names) / sizeof(names[0]), reason);
}

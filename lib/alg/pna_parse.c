/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Real Audio ALG, pure part: the hello a RealAudio client sends first on
 * its PNA (Progressive Networks Audio) connection, TCP 7070.
 *
 * Format: "PNA", a 16-bit version, then tagged fields (16-bit tag,
 * 16-bit length, value) up to a 0x0000 tag; tag 0x0001 holds the
 * client's UDP data port, tag 0x0007 its robust UDP port, big-endian.
 * No published specification: docs/realaudio.md says where this is
 * described and what the parser assumes. Located: the two ports (the
 * glue rewrites them in place).
 *
 * Known limits: the hello only (nothing later on the connection); at
 * most PINHOLE_PNA_MAX_HELLO bytes; versions up to 255.
 */
#include <pinhole/pna.h>

#include <string.h>

#include "alg/text.h"

/* Reads one 16-bit field; PARTIAL when the bytes run out. */
static int ph_pna_be16(ph_cur *c, uint16_t *v) {
  return ph_cur_be16(c, v) == 0 ? 0 : PINHOLE_ERR_PARTIAL;
}

/* A port field's value at the cursor: length 2, first of its tag. */
static int ph_pna_port(ph_cur *c, uint16_t len, size_t *off, uint16_t *port) {
  if (len != 2 || *off != 0)
    return PINHOLE_ERR_PARSE;
  size_t at = c->pos;
  int rc = ph_pna_be16(c, port);
  if (rc == 0)
    *off = at;
  return rc;
}

/* One field after its tag; 0, or an error. */
static int ph_pna_field(ph_cur *c, uint16_t tag, pinhole_pna_hello *h) {
  if (c->pos + 2 > PINHOLE_PNA_MAX_HELLO)
    return PINHOLE_ERR_PARSE; /* no room for its length */
  uint16_t len;
  int rc = ph_pna_be16(c, &len);
  if (rc != 0)
    return rc;
  if ((size_t)len > PINHOLE_PNA_MAX_HELLO - c->pos)
    return PINHOLE_ERR_PARSE; /* it would end past the longest hello */
  if (tag == PINHOLE_PNA_TAG_UDP_PORT)
    return ph_pna_port(c, len, &h->udp_port_off, &h->udp_port);
  if (tag == PINHOLE_PNA_TAG_ROBUST_PORT)
    return ph_pna_port(c, len, &h->robust_port_off, &h->robust_port);
  return ph_cur_skip(c, len) == 0 ? 0 : PINHOLE_ERR_PARTIAL;
}

/* The fields after the version, up to and including the end tag. */
static int ph_pna_fields(ph_cur *c, pinhole_pna_hello *h) {
  for (;;) {
    if (c->pos + 2 > PINHOLE_PNA_MAX_HELLO)
      return PINHOLE_ERR_PARSE; /* no room left for the end tag */
    uint16_t tag;
    int rc = ph_pna_be16(c, &tag);
    if (rc != 0)
      return rc;
    if (tag == PINHOLE_PNA_TAG_END)
      return 0;
    rc = ph_pna_field(c, tag, h);
    if (rc != 0)
      return rc;
    h->nfields++;
  }
}

static int ph_pna_hello(const uint8_t *p, size_t len, pinhole_pna_hello *h) {
  static const uint8_t magic[3] = {'P', 'N', 'A'};
  size_t n = len < 3 ? len : 3;
  if (memcmp(p, magic, n) != 0)
    return PINHOLE_ERR_NOMATCH;
  ph_cur c = ph_cur_make(p, len);
  if (ph_cur_skip(&c, 3) != 0)
    return PINHOLE_ERR_PARTIAL;
  if (len > 3 && p[3] != 0)
    return PINHOLE_ERR_UNSUPPORTED; /* a version above 255 */
  int rc = ph_pna_be16(&c, &h->version);
  if (rc == 0)
    rc = ph_pna_fields(&c, h);
  if (rc == 0)
    h->total_len = c.pos;
  return rc;
}

int pinhole_pna_hello_parse(const uint8_t *p, size_t len,
                            pinhole_pna_hello *h) {
  if (h == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(h, 0, sizeof(*h));
  if (len == 0)
    return PINHOLE_ERR_PARTIAL;
  int rc = ph_pna_hello(p, len, h);
  if (rc != 0)
    memset(h, 0, sizeof(*h));
  return rc;
}

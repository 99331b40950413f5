/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TFTP pure layer: request parsing.
 *
 * RFC 1350 (packet formats), RFC 2347 (option extension), RFC 2348
 * (blksize), RFC 2349 (timeout, tsize), RFC 7440 (windowsize). Nothing is
 * rewritten: a request names no address or port; the ALG only opens a
 * pinhole for the server's reply from its new transfer port.
 *
 * Limits: at most PINHOLE_TFTP_MAX_OPTIONS options; the 512-byte request
 * size of RFC 2347 is not enforced (clients differ).
 */
#include <pinhole/tftp.h>

#include <string.h>

#include "alg/text.h"

/* The value of a known option: plain decimal digits, value in min..max. */
static int ph_opt_value(const uint8_t *p, size_t len, uint64_t min,
                        uint64_t max, uint64_t *out) {
  int rc = ph_dec_range(p, len, min, max, out);
  if (rc == -1)
    return PINHOLE_ERR_PARSE;
  return rc == 0 ? 0 : PINHOLE_ERR_RANGE;
}

static int ph_mode(const uint8_t *p, size_t len, uint16_t *mode) {
  if (ph_ieq(p, len, "netascii"))
    *mode = PINHOLE_TFTP_MODE_NETASCII;
  else if (ph_ieq(p, len, "octet"))
    *mode = PINHOLE_TFTP_MODE_OCTET;
  else if (ph_ieq(p, len, "mail"))
    *mode = PINHOLE_TFTP_MODE_MAIL;
  else
    return PINHOLE_ERR_PARSE;
  return 0;
}

/* Checks a known option's value and records it; unknown ones pass. */
static int ph_option(const uint8_t *p, const pinhole_tftp_option *o,
                     pinhole_tftp_msg *m) {
  static const struct {
    const char *name;
    uint32_t flag;
    uint64_t min, max;
  } known[] = {
      {"blksize", PINHOLE_TFTP_OPT_BLKSIZE, 8, 65464},
      {"tsize", PINHOLE_TFTP_OPT_TSIZE, 0, UINT64_MAX},
      {"timeout", PINHOLE_TFTP_OPT_TIMEOUT, 1, 255},
      {"windowsize", PINHOLE_TFTP_OPT_WINDOWSIZE, 1, 65535},
  };
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
    if (!ph_ieq(p + o->name_off, o->name_len, known[i].name))
      continue;
    if (m->flags & known[i].flag)
      return PINHOLE_ERR_PARSE;
    uint64_t v;
    int rc = ph_opt_value(p + o->value_off, o->value_len, known[i].min,
                          known[i].max, &v);
    if (rc != 0)
      return rc;
    m->flags |= known[i].flag;
    if (known[i].flag == PINHOLE_TFTP_OPT_BLKSIZE)
      m->blksize = (uint32_t)v;
    else if (known[i].flag == PINHOLE_TFTP_OPT_TSIZE)
      m->tsize = v;
    else if (known[i].flag == PINHOLE_TFTP_OPT_TIMEOUT)
      m->timeout = (uint32_t)v;
    else
      m->windowsize = (uint32_t)v;
    return 0;
  }
  return 0;
}

static int ph_options(ph_cur *c, pinhole_tftp_msg *m) {
  while (ph_cur_left(c) > 0) {
    pinhole_tftp_option o;
    if (ph_cur_cstr(c, &o.name_off, &o.name_len) != 0 || o.name_len == 0 ||
        ph_cur_cstr(c, &o.value_off, &o.value_len) != 0)
      return PINHOLE_ERR_PARSE;
    if (m->noptions == PINHOLE_TFTP_MAX_OPTIONS)
      return PINHOLE_ERR_RANGE;
    int rc = ph_option(c->p, &o, m);
    if (rc != 0)
      return rc;
    m->opt[m->noptions++] = o;
  }
  return 0;
}

int pinhole_tftp_parse(const uint8_t *p, size_t len, pinhole_tftp_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  ph_cur c = ph_cur_make(p, len);
  uint16_t op;
  if (ph_cur_be16(&c, &op) != 0 || op == 0 || op > PINHOLE_TFTP_OPCODE_OACK)
    return PINHOLE_ERR_PARSE;
  m->opcode = op;
  if (op != PINHOLE_TFTP_OPCODE_RRQ && op != PINHOLE_TFTP_OPCODE_WRQ)
    return PINHOLE_ERR_NOMATCH;
  if (ph_cur_cstr(&c, &m->filename_off, &m->filename_len) != 0 ||
      m->filename_len == 0 || m->filename_len > PINHOLE_TFTP_MAX_FILENAME ||
      ph_cur_cstr(&c, &m->mode_off, &m->mode_len) != 0 ||
      ph_mode(p + m->mode_off, m->mode_len, &m->mode) != 0)
    return PINHOLE_ERR_PARSE;
  return ph_options(&c, m);
}

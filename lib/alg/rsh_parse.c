/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rsh / rexec / rlogin ALGs, pure part: the client's first bytes.
 *
 * Protocols: rsh (rshd(8), TCP 514) and rexec (rexecd(8), TCP 512) begin
 * with the standard-error port as NUL-terminated ASCII decimal; rlogin
 * (RFC 1282, TCP 513) begins with NUL, client user, server user and
 * terminal/speed, each NUL-terminated. The port field is rewritten (its
 * length may change); the rlogin message is only checked.
 *
 * Known limits: the rest of an rsh/rexec request (user names, password,
 * command) is not parsed: the client sends it only once the
 * standard-error connection is up. rlogin strings are at most
 * PINHOLE_RLOGIN_MAX_FIELD bytes.
 */
#include <pinhole/rsh.h>

#include <string.h>

#include "alg/text.h"

/* The digits at p[0..n) hold at most 5 digits: their value. */
static uint32_t ph_digits_value(const uint8_t *p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; i++)
    v = v * 10u + (uint32_t)(p[i] - '0');
  return v;
}

int pinhole_rsh_port_parse(const uint8_t *p, size_t len, pinhole_rsh_port *r) {
  if (r == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(r, 0, sizeof(*r));
  ph_cur c = ph_cur_make(p, len);
  size_t n = ph_cur_span(&c, ph_is_digit);
  if (n > PINHOLE_RSH_PORT_DIGITS)
    return PINHOLE_ERR_PARSE;
  int done = ph_cur_eat(&c, 0);
  if (!done && ph_cur_left(&c) > 0)
    return PINHOLE_ERR_PARSE;
  uint32_t v = ph_digits_value(p, n);
  if (v > 65535)
    return PINHOLE_ERR_RANGE;
  if (!done)
    return PINHOLE_ERR_PARTIAL;
  r->port = (uint16_t)v;
  r->digits_len = n;
  r->field_len = n + 1;
  return 0;
}

int pinhole_rsh_port_rewrite(const uint8_t *p, size_t len, uint16_t port,
                             uint8_t *out, size_t cap) {
  pinhole_rsh_port r;
  if (out == NULL && cap > 0)
    return PINHOLE_ERR_INVALID_ARG;
  int rc = pinhole_rsh_port_parse(p, len, &r);
  if (rc != 0)
    return rc;
  uint8_t field[PINHOLE_RSH_PORT_DIGITS + 1];
  size_t n = ph_fmt_u32(field, port);
  field[n++] = 0;
  size_t rest = len - r.field_len;
  if (rest > (size_t)INT32_MAX - n)
    return PINHOLE_ERR_INVALID_ARG;
  if (n + rest > cap)
    return PINHOLE_ERR_NOBUF;
  memcpy(out, field, n);
  if (rest > 0)
    memcpy(out + n, p + r.field_len, rest);
  return (int)(n + rest);
}

/* rlogin strings: printable ASCII and 8-bit bytes, no control bytes. */
static int ph_rlogin_char(uint8_t ch) {
  return ch >= 0x20 && ch != 0x7f;
}

/* One NUL-terminated string at the cursor: 0 (consumed, span in *off and
 * *slen), PINHOLE_ERR_PARTIAL or PINHOLE_ERR_PARSE. */
static int ph_rlogin_field(ph_cur *c, size_t *off, size_t *slen) {
  *off = c->pos;
  size_t n = ph_cur_span(c, ph_rlogin_char);
  if (n > PINHOLE_RLOGIN_MAX_FIELD)
    return PINHOLE_ERR_PARSE;
  if (ph_cur_eat(c, 0)) {
    *slen = n;
    return 0;
  }
  return ph_cur_left(c) > 0 ? PINHOLE_ERR_PARSE : PINHOLE_ERR_PARTIAL;
}

int pinhole_rlogin_parse(const uint8_t *p, size_t len,
                         pinhole_rlogin_hello *h) {
  if (h == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(h, 0, sizeof(*h));
  ph_cur c = ph_cur_make(p, len);
  if (len == 0)
    return PINHOLE_ERR_PARTIAL;
  if (!ph_cur_eat(&c, 0))
    return PINHOLE_ERR_PARSE;
  pinhole_rlogin_hello t;
  size_t *spans[3][2] = {{&t.client_user_off, &t.client_user_len},
                         {&t.server_user_off, &t.server_user_len},
                         {&t.terminal_off, &t.terminal_len}};
  for (size_t i = 0; i < 3; i++) {
    int rc = ph_rlogin_field(&c, spans[i][0], spans[i][1]);
    if (rc != 0)
      return rc;
  }
  t.total_len = c.pos;
  *h = t;
  return 0;
}

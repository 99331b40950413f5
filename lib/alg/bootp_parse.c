/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BOOTP/DHCP pure layer: fixed header and option chain.
 *
 * RFC 951 (BOOTP header), RFC 1542 (relay agents, giaddr), RFC 2131
 * (DHCP, magic cookie, option overload order), RFC 2132 (options 52, 53,
 * 54), RFC 3046 (relay agent information, option 82), RFC 3527 (link
 * selection sub-option), RFC 5107 (server identifier override). The
 * BOOTP ALG matches replies to requests by xid through a relay and
 * rewrites giaddr under NAT, 4 bytes in place.
 *
 * Limits: none beyond the message; options other than 52, 53, 54, 82 are
 * only bounded; split options (RFC 3396) are not joined.
 */
#include <pinhole/bootp.h>

#include <string.h>

#include "alg/text.h"

#include "pkt/bytes.h"

/* What ph_opt_next found. */
enum { PH_OPT = 0, PH_OPT_END = -1 };

/* The next option of a field: PH_OPT with its code and value, PH_OPT_END
 * at the end option (c is left on it), or a pinhole_bootp_reason. */
static int ph_opt_next(ph_cur *c, uint8_t *code, ph_cur *val) {
  for (;;) {
    if (ph_cur_u8(c, code) != 0)
      return PINHOLE_BOOTP_NO_END;
    if (*code == PINHOLE_BOOTP_OPT_PAD)
      continue;
    if (*code == PINHOLE_BOOTP_OPT_END) {
      c->pos--;
      return PH_OPT_END;
    }
    uint8_t n;
    if (ph_cur_u8(c, &n) != 0 || ph_cur_sub(c, n, val) != 0)
      return PINHOLE_BOOTP_OPTION_LEN;
    return PH_OPT;
  }
}

/* Relay agent information sub-options (RFC 3046 2.0). */
static uint32_t ph_relay(ph_cur v, pinhole_bootp_msg *m) {
  if (ph_cur_left(&v) == 0)
    return PINHOLE_BOOTP_RELAY;
  m->relay_off = v.pos;
  m->relay_len = ph_cur_left(&v);
  while (ph_cur_left(&v) > 0) {
    uint8_t code, n;
    ph_cur s;
    if (ph_cur_u8(&v, &code) != 0 || ph_cur_u8(&v, &n) != 0 ||
        ph_cur_sub(&v, n, &s) != 0)
      return PINHOLE_BOOTP_RELAY;
    size_t *off = NULL, *len = NULL;
    if (code == 1) {
      off = &m->circuit_id_off;
      len = &m->circuit_id_len;
    } else if (code == 2) {
      off = &m->remote_id_off;
      len = &m->remote_id_len;
    } else if (code == 5 || code == 11) {
      if (n != 4)
        return PINHOLE_BOOTP_RELAY;
      off = code == 5 ? &m->link_selection_off : &m->server_override_off;
    } else {
      continue;
    }
    if (*off != 0)
      return PINHOLE_BOOTP_RELAY;
    *off = s.pos;
    if (len != NULL)
      *len = n;
  }
  return 0;
}

/* Marks `has` seen in m; returns whether it was seen before. */
static int ph_once(pinhole_bootp_msg *m, uint32_t has) {
  int seen = (m->mflags & has) != 0;
  m->mflags |= has;
  return seen;
}

/* Checks and records the options the parser knows. */
static uint32_t ph_option(uint8_t code, ph_cur v, int main_field,
                          pinhole_bootp_msg *m) {
  size_t n = ph_cur_left(&v);
  const uint8_t *q = v.p + v.pos;
  switch (code) {
  case PINHOLE_BOOTP_OPT_OVERLOAD:
    if (!main_field || n != 1 || q[0] < 1 || q[0] > 3 ||
        ph_once(m, PINHOLE_BOOTP_HAS_OVERLOAD))
      return PINHOLE_BOOTP_OVERLOAD;
    m->overload = q[0];
    return 0;
  case PINHOLE_BOOTP_OPT_MSG_TYPE:
    if (n != 1 || q[0] < 1 || q[0] > 18 ||
        ph_once(m, PINHOLE_BOOTP_HAS_MSG_TYPE))
      return PINHOLE_BOOTP_MSG_TYPE;
    m->msg_type = q[0];
    return 0;
  case PINHOLE_BOOTP_OPT_SERVER_ID:
    if (n != 4 || ph_once(m, PINHOLE_BOOTP_HAS_SERVER_ID))
      return PINHOLE_BOOTP_SERVER_ID;
    m->server_id = ph_get32(q);
    m->server_id_off = v.pos;
    return 0;
  case PINHOLE_BOOTP_OPT_RELAY_INFO:
    if (ph_once(m, PINHOLE_BOOTP_HAS_RELAY))
      return PINHOLE_BOOTP_RELAY;
    return ph_relay(v, m);
  default:
    return 0;
  }
}

/* Walks one field of options up to its end option. */
static uint32_t ph_field(ph_cur c, int main_field, pinhole_bootp_msg *m) {
  for (;;) {
    uint8_t code;
    ph_cur v;
    int r = ph_opt_next(&c, &code, &v);
    if (r == PH_OPT_END) {
      if (main_field)
        m->end_off = c.pos;
      return 0;
    }
    if (r != PH_OPT)
      return (uint32_t)r;
    m->noptions++;
    uint32_t e = ph_option(code, v, main_field, m);
    if (e != 0)
      return e;
  }
}

/* The option fields in RFC 2131 4.1 order: options, file, sname. */
static size_t ph_fields(const uint8_t *p, size_t len, uint8_t overload,
                        ph_cur out[3]) {
  size_t n = 0;
  ph_cur all = {p, PINHOLE_BOOTP_OPTIONS_OFF, len};
  out[n++] = all;
  if (overload & 1) {
    ph_cur f = {p, PINHOLE_BOOTP_FILE_OFF,
                PINHOLE_BOOTP_FILE_OFF + PINHOLE_BOOTP_FILE_LEN};
    out[n++] = f;
  }
  if (overload & 2) {
    ph_cur s = {p, PINHOLE_BOOTP_SNAME_OFF,
                PINHOLE_BOOTP_SNAME_OFF + PINHOLE_BOOTP_SNAME_LEN};
    out[n++] = s;
  }
  return n;
}

static uint32_t ph_header(ph_cur *c, pinhole_bootp_msg *m) {
  if (ph_cur_left(c) < PINHOLE_BOOTP_HEADER_LEN)
    return PINHOLE_BOOTP_SHORT;
  ph_cur_u8(c, &m->op);
  ph_cur_u8(c, &m->htype);
  ph_cur_u8(c, &m->hlen);
  ph_cur_u8(c, &m->hops);
  ph_cur_be32(c, &m->xid);
  ph_cur_be16(c, &m->secs);
  ph_cur_be16(c, &m->flags);
  ph_cur_be32(c, &m->ciaddr);
  ph_cur_be32(c, &m->yiaddr);
  ph_cur_be32(c, &m->siaddr);
  ph_cur_be32(c, &m->giaddr);
  if (m->op != PINHOLE_BOOTP_OP_REQUEST && m->op != PINHOLE_BOOTP_OP_REPLY)
    return PINHOLE_BOOTP_OP;
  if (m->hlen > PINHOLE_BOOTP_CHADDR_MAX)
    return PINHOLE_BOOTP_HLEN;
  return 0;
}

static uint32_t ph_message(const uint8_t *p, size_t len, pinhole_bootp_msg *m) {
  ph_cur c = ph_cur_make(p, len);
  uint32_t r = ph_header(&c, m);
  if (r != 0)
    return r;
  if (len < PINHOLE_BOOTP_OPTIONS_OFF ||
      ph_get32(p + PINHOLE_BOOTP_HEADER_LEN) != PINHOLE_BOOTP_COOKIE)
    return 0; /* plain BOOTP: the vendor area is opaque */
  m->mflags |= PINHOLE_BOOTP_HAS_COOKIE;
  ph_cur all = {p, PINHOLE_BOOTP_OPTIONS_OFF, len};
  if ((r = ph_field(all, 1, m)) != 0)
    return r;
  ph_cur f[3];
  size_t n = ph_fields(p, len, m->overload, f);
  for (size_t i = 1; i < n; i++)
    if ((r = ph_field(f[i], 0, m)) != 0)
      return r;
  return 0;
}

int pinhole_bootp_parse(const uint8_t *p, size_t len, pinhole_bootp_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  m->reason = ph_message(p, len, m);
  return m->reason == 0 ? 0 : PINHOLE_ERR_PARSE;
}

int pinhole_bootp_option_find(const uint8_t *p, size_t len,
                              const pinhole_bootp_msg *m, unsigned code,
                              size_t *off, size_t *olen) {
  if (p == NULL || m == NULL || off == NULL || olen == NULL || code == 0 ||
      code >= PINHOLE_BOOTP_OPT_END)
    return PINHOLE_ERR_INVALID_ARG;
  if (!(m->mflags & PINHOLE_BOOTP_HAS_COOKIE))
    return PINHOLE_ERR_NOMATCH;
  if (len < PINHOLE_BOOTP_OPTIONS_OFF)
    return PINHOLE_ERR_PARSE;
  ph_cur f[3];
  size_t n = ph_fields(p, len, m->overload, f);
  for (size_t i = 0; i < n; i++) {
    for (;;) {
      uint8_t c;
      ph_cur v;
      int r = ph_opt_next(&f[i], &c, &v);
      if (r == PH_OPT_END)
        break;
      if (r != PH_OPT)
        return PINHOLE_ERR_PARSE;
      if (c == code) {
        *off = v.pos;
        *olen = ph_cur_left(&v);
        return 0;
      }
    }
  }
  return PINHOLE_ERR_NOMATCH;
}

const char *pinhole_bootp_reason_name(int reason) {
  static const char *const names[] = {
      "ok",     "short",    "op",       "hlen",      "option-len",
      "no-end", "overload", "msg-type", "server-id", "relay",
  };
  return ph_name_at(names, sizeof(names) / sizeof(names[0]), reason);
}

/*
 * FTP ALG, pure part: control-line parser and formatter.
 *
 * Protocol: FTP control connection, RFC 959 (PORT, 227) and RFC 2428
 * (EPRT, 229). Messages recognised: client PORT and EPRT, server 227 and
 * 229; every other line is PINHOLE_ERR_NOMATCH. The formatter writes the
 * replacement for the address/port text only; the stateful glue splices it.
 *
 * Known limits: IPv4 only (EPRT family 2 is parsed and reported
 * PINHOLE_ERR_UNSUPPORTED); lines up to PINHOLE_FTP_LINE_MAX bytes; a verb
 * must start the line (no Telnet IAC sequences before it); multi-line
 * replies ("227-...") are not recognised, only the final "227 " line; 229
 * uses the first "(" of the line only.
 */
#include <pinhole/ftp.h>

#include <string.h>

#include "alg/text.h"

/* Longest IPv6 text address (INET6_ADDRSTRLEN - 1). */
#define PH_IP6_TEXT_MAX 45

/* RFC 2428: any of ASCII 33..126. Digits are refused as ambiguous. */
static int ph_is_delim(int ch) {
  return ch >= 33 && ch <= 126 && !ph_is_digit((uint8_t)ch);
}

/* Reads a maximal list digits(,digits)* and returns how many numbers it
 * has; the first six values go to v. A comma not followed by a digit is
 * left unread. */
static size_t ph_list(ph_cur *c, uint32_t v[6]) {
  size_t count = 0;
  for (;;) {
    uint32_t x;
    if (ph_cur_number(c, &x) == 0)
      return count;
    if (count < 6)
      v[count] = x;
    count++;
    if (ph_cur_peek(c) != ',' || ph_cur_left(c) < 2 ||
        !ph_is_digit(c->p[c->pos + 1]))
      return count;
    c->pos++;
  }
}

static int ph_port_ok(uint32_t port) {
  return port >= 1 && port <= 65535;
}

/* Turns h1..h4,p1,p2 into addr and port; PINHOLE_ERR_RANGE if a value is
 * above 255 or the port is 0. */
static int ph_tuple(const uint32_t v[6], uint32_t *addr, uint16_t *port) {
  for (size_t i = 0; i < 6; i++)
    if (v[i] > 255)
      return PINHOLE_ERR_RANGE;
  uint32_t pt = v[4] << 8 | v[5];
  if (!ph_port_ok(pt))
    return PINHOLE_ERR_RANGE;
  *addr = v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3];
  *port = (uint16_t)pt;
  return 0;
}

static void ph_fill(pinhole_ftp_msg *m, int kind, int family, uint32_t addr,
                    uint16_t port, int delim, size_t off, size_t end) {
  m->kind = kind;
  m->family = family;
  m->addr = addr;
  m->port = port;
  m->delim = (char)delim;
  m->pad_ = 0;
  m->arg_off = off;
  m->arg_len = end - off;
}

/* PORT <ws> h1,h2,h3,h4,p1,p2 <ws>* */
static int ph_parse_port(ph_cur *c, pinhole_ftp_msg *m) {
  uint32_t v[6], addr;
  uint16_t port;
  if (ph_cur_skip_ws(c) == 0)
    return PINHOLE_ERR_PARSE;
  size_t off = c->pos;
  if (ph_list(c, v) != 6)
    return PINHOLE_ERR_PARSE;
  size_t end = c->pos;
  ph_cur_skip_ws(c);
  if (c->pos != c->end)
    return PINHOLE_ERR_PARSE;
  int rc = ph_tuple(v, &addr, &port);
  if (rc != 0)
    return rc;
  ph_fill(m, PINHOLE_FTP_PORT, 1, addr, port, 0, off, end);
  return 0;
}

/* 227 <text>: the first list of exactly six numbers is the address. */
static int ph_parse_227(ph_cur *c, pinhole_ftp_msg *m) {
  while (c->pos < c->end) {
    if (!ph_is_digit(c->p[c->pos])) {
      c->pos++;
      continue;
    }
    uint32_t v[6], addr;
    uint16_t port;
    size_t off = c->pos;
    if (ph_list(c, v) != 6)
      continue;
    int rc = ph_tuple(v, &addr, &port);
    if (rc != 0)
      return rc;
    ph_fill(m, PINHOLE_FTP_227, 1, addr, port, 0, off, c->pos);
    return 0;
  }
  return PINHOLE_ERR_PARSE;
}

/* 229 <text>(<d><d><d>port<d>)<text>, at the first "(" of the line. */
static int ph_parse_229(ph_cur *c, pinhole_ftp_msg *m) {
  while (c->pos < c->end && c->p[c->pos] != '(')
    c->pos++;
  if (!ph_cur_eat(c, '('))
    return PINHOLE_ERR_PARSE;
  size_t off = c->pos;
  int d = ph_cur_peek(c);
  uint32_t port;
  if (!ph_is_delim(d) || !ph_cur_eat(c, d) || !ph_cur_eat(c, d) ||
      !ph_cur_eat(c, d))
    return PINHOLE_ERR_PARSE;
  if (ph_cur_number(c, &port) == 0 || !ph_cur_eat(c, d))
    return PINHOLE_ERR_PARSE;
  size_t end = c->pos;
  if (!ph_cur_eat(c, ')'))
    return PINHOLE_ERR_PARSE;
  if (!ph_port_ok(port))
    return PINHOLE_ERR_RANGE;
  ph_fill(m, PINHOLE_FTP_229, 1, 0, (uint16_t)port, d, off, end);
  return 0;
}

/* Strict dotted quad over all of c (no leading zero: inet_aton would read
 * it as octal). Returns 0, PINHOLE_ERR_PARSE or PINHOLE_ERR_RANGE. */
static int ph_dotted_quad(ph_cur *c, uint32_t *addr) {
  int rc = ph_cur_quad(c, addr);
  if (rc == -1 || c->pos != c->end)
    return PINHOLE_ERR_PARSE;
  return rc == 0 ? 0 : PINHOLE_ERR_RANGE;
}

/* Loose IPv6 text check: hex digits, ':' and '.', 2..45 bytes. */
static int ph_ip6_text(const ph_cur *c) {
  size_t n = ph_cur_left(c);
  if (n < 2 || n > PH_IP6_TEXT_MAX)
    return PINHOLE_ERR_PARSE;
  for (size_t i = c->pos; i < c->end; i++)
    if (!ph_is_xdigit(c->p[i]) && c->p[i] != ':' && c->p[i] != '.')
      return PINHOLE_ERR_PARSE;
  return 0;
}

/* Checks net-addr c of net-prt fam (1 = "1", 2 = "2", 0 = other). */
static int ph_eprt_addr(ph_cur *c, int fam, uint32_t *addr) {
  *addr = 0;
  if (fam == 1)
    return ph_dotted_quad(c, addr);
  if (fam == 2)
    return ph_ip6_text(c);
  return c->pos < c->end ? 0 : PINHOLE_ERR_PARSE;
}

/* EPRT <ws> <d>net-prt<d>net-addr<d>tcp-port<d> <ws>* */
static int ph_parse_eprt(ph_cur *c, pinhole_ftp_msg *m) {
  if (ph_cur_skip_ws(c) == 0)
    return PINHOLE_ERR_PARSE;
  size_t off = c->pos;
  int d = ph_cur_peek(c);
  if (!ph_is_delim(d))
    return PINHOLE_ERR_PARSE;
  c->pos++;
  uint32_t fv, port, addr;
  size_t fdigits = ph_cur_number(c, &fv);
  if (fdigits == 0 || !ph_cur_eat(c, d))
    return PINHOLE_ERR_PARSE;
  /* Exactly "1" or "2"; any other number (even "01") is another family. */
  int fam = fdigits == 1 && (fv == 1 || fv == 2) ? (int)fv : 0;
  ph_cur a = {c->p, c->pos, c->pos};
  while (c->pos < c->end && c->p[c->pos] != (uint8_t)d)
    c->pos++;
  a.end = c->pos;
  if (!ph_cur_eat(c, d) || ph_cur_number(c, &port) == 0 || !ph_cur_eat(c, d))
    return PINHOLE_ERR_PARSE;
  size_t end = c->pos;
  ph_cur_skip_ws(c);
  if (c->pos != c->end)
    return PINHOLE_ERR_PARSE;
  int rc = ph_eprt_addr(&a, fam, &addr);
  if (rc == PINHOLE_ERR_PARSE)
    return rc;
  if (rc != 0 || !ph_port_ok(port))
    return PINHOLE_ERR_RANGE;
  if (fam == 0)
    return PINHOLE_ERR_UNSUPPORTED;
  ph_fill(m, PINHOLE_FTP_EPRT, fam, addr, (uint16_t)port, d, off, end);
  return fam == 1 ? 0 : PINHOLE_ERR_UNSUPPORTED;
}

/* Which recognised verb or reply p[0..len) starts with, or 0. The token
 * must end at a space, a tab or at len. *tok gets its length. */
static int ph_kind_of(const uint8_t *p, size_t len, int from_server,
                      size_t *tok) {
  if (from_server) {
    if (len < 3 || p[0] != '2' || p[1] != '2' || (p[2] != '7' && p[2] != '9'))
      return 0;
    if (len > 3 && !ph_is_ws(p[3]))
      return 0;
    *tok = 3;
    return p[2] == '7' ? PINHOLE_FTP_227 : PINHOLE_FTP_229;
  }
  if (len < 4 || (len > 4 && !ph_is_ws(p[4])))
    return 0;
  *tok = 4;
  if (ph_ieq(p, 4, "port"))
    return PINHOLE_FTP_PORT;
  if (ph_ieq(p, 4, "eprt"))
    return PINHOLE_FTP_EPRT;
  return 0;
}

size_t pinhole_ftp_line_len(const uint8_t *p, size_t len) {
  if (p == NULL || len == 0)
    return 0;
  const uint8_t *lf = memchr(p, '\n', len);
  return lf == NULL ? 0 : (size_t)(lf - p) + 1;
}

int pinhole_ftp_parse(const uint8_t *p, size_t len, int from_server,
                      pinhole_ftp_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  size_t linelen = pinhole_ftp_line_len(p, len);
  size_t tok = 0;
  if (linelen == 0) {
    /* A recognised verb that is already too long can never become valid. */
    if (len > PINHOLE_FTP_LINE_MAX && ph_kind_of(p, len, from_server, &tok))
      return PINHOLE_ERR_PARSE;
    return PINHOLE_ERR_PARTIAL;
  }
  size_t end = linelen - 1;
  if (end > 0 && p[end - 1] == '\r')
    end--;
  int kind = ph_kind_of(p, end, from_server, &tok);
  if (kind == 0)
    return PINHOLE_ERR_NOMATCH;
  if (linelen > PINHOLE_FTP_LINE_MAX || memchr(p, 0, linelen) != NULL)
    return PINHOLE_ERR_PARSE;
  ph_cur c = {p, tok, end};
  switch (kind) {
  case PINHOLE_FTP_PORT:
    return ph_parse_port(&c, m);
  case PINHOLE_FTP_EPRT:
    return ph_parse_eprt(&c, m);
  case PINHOLE_FTP_227:
    return ph_parse_227(&c, m);
  default:
    return ph_parse_229(&c, m);
  }
}

/* h1,h2,h3,h4,p1,p2 */
static void ph_put_tuple(ph_wr *w, uint32_t addr, uint16_t port) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    ph_wr_u32(w, addr >> shift & 0xFFu);
    ph_wr_ch(w, ',');
  }
  ph_wr_u32(w, (uint32_t)port >> 8);
  ph_wr_ch(w, ',');
  ph_wr_u32(w, port & 0xFFu);
}

int pinhole_ftp_format(const pinhole_ftp_msg *m, uint32_t addr, uint16_t port,
                       char *out, size_t cap) {
  if (m == NULL || port == 0)
    return PINHOLE_ERR_INVALID_ARG;
  uint8_t buf[32];
  ph_wr w = {buf, sizeof(buf), 0};
  uint8_t d = (uint8_t)m->delim;
  switch (m->kind) {
  case PINHOLE_FTP_PORT:
  case PINHOLE_FTP_227:
    ph_put_tuple(&w, addr, port);
    break;
  case PINHOLE_FTP_EPRT:
  case PINHOLE_FTP_229:
    if (!ph_is_delim(d))
      return PINHOLE_ERR_INVALID_ARG;
    ph_wr_ch(&w, d);
    if (m->kind == PINHOLE_FTP_EPRT) {
      ph_wr_ch(&w, '1');
      ph_wr_ch(&w, d);
      ph_wr_ipv4(&w, addr);
    } else {
      ph_wr_ch(&w, d);
    }
    ph_wr_ch(&w, d);
    ph_wr_u32(&w, port);
    ph_wr_ch(&w, d);
    break;
  default:
    return PINHOLE_ERR_INVALID_ARG;
  }
  if (out == NULL || cap < w.len)
    return PINHOLE_ERR_NOBUF;
  memcpy(out, buf, w.len);
  return (int)w.len;
}

const char *pinhole_ftp_kind_name(int kind) {
  switch (kind) {
  case PINHOLE_FTP_PORT:
    return "PORT";
  case PINHOLE_FTP_EPRT:
    return "EPRT";
  case PINHOLE_FTP_227:
    return "227";
  case PINHOLE_FTP_229:
    return "229";
  default:
    return "unknown";
  }
}

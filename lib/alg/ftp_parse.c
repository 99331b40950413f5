/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * FTP ALG, pure part: control-line parser, prefix test, line classifier
 * and formatter.
 *
 * Protocol: FTP control connection, RFC 959 (PORT, 227) and RFC 2428
 * (EPRT, 229). Messages recognised: client PORT and EPRT, server 227 and
 * 229; every other line is PINHOLE_ERR_NOMATCH. The prefix test follows
 * the parser step by step on a line not yet ended; the classifier knows
 * the commands and replies of RFC 959 and its extensions. The formatter
 * writes the replacement for the address/port text only; the stateful
 * glue splices it.
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

/* Parses the line whose content (line end excluded) is p[0..end) and
 * whose length with its line end is linelen. */
static int ph_parse_line(const uint8_t *p, size_t end, size_t linelen,
                         int from_server, pinhole_ftp_msg *m) {
  size_t tok = 0;
  int kind = ph_kind_of(p, end, from_server, &tok);
  if (kind == 0)
    return PINHOLE_ERR_NOMATCH;
  if (linelen > PINHOLE_FTP_LINE_MAX || memchr(p, 0, end) != NULL)
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
  return ph_parse_line(p, end, linelen, from_server, m);
}

/* ---- prefixes: could a partial line still become an accepted one? ---- */

/* Each ph_need_* below answers, for content p[0..n) without its line end,
 * the fewest bytes that must still follow (the line end not counted) for
 * pinhole_ftp_parse() to return 0, or PH_DEAD when no bytes can. They
 * follow the parser step by step; tests/unit/test_ftp.c and
 * fuzz/alg_ftp.c hold them to it. */
#define PH_DEAD SIZE_MAX

/* The shortest bodies after the verb's blank: "0,0,0,0,0,1", "|1|0.0.0.0|1|"
 * and "(|||1|)" (227 as PORT). */
#define PH_MIN_TUPLE 11u
#define PH_MIN_EPRT 13u
#define PH_MIN_229 7u

/* A comma list (PORT's argument, 227's tuple) as far as it has come. */
typedef struct ph_plist {
  size_t k;      /* numbers begun */
  int last;      /* 1: ends in a digit; 2: in a comma after a digit */
  int big;       /* one of the first six is above 255 */
  uint32_t v[6]; /* the first six, capped at 256 */
} ph_plist;

/* Feeds b to the list; 0 when b cannot go on it (the list ends before b). */
static int ph_plist_feed(ph_plist *l, uint8_t b) {
  if (b == ',' && l->last == 1) {
    l->last = 2;
    return 1;
  }
  if (!ph_is_digit(b))
    return 0;
  if (l->last != 1)
    l->k++;
  l->last = 1;
  if (l->k <= 6) {
    uint32_t *x = &l->v[l->k - 1];
    *x = *x * 10u + (uint32_t)(b - '0');
    if (*x > 255) {
      *x = 256;
      l->big = 1;
    }
  }
  return 1;
}

/* Bytes that make the list end as exactly six numbers parsed without a
 * range error (it ends where the bytes stop), or PH_DEAD. */
static size_t ph_plist_six(const ph_plist *l) {
  if (l->k > 6 || l->big)
    return PH_DEAD;
  if (l->k < 6)
    return 2 * (6 - l->k) - (l->last == 2 ? 1u : 0u);
  if (l->v[4] != 0 || l->v[5] != 0)
    return 0;
  return l->last == 1 ? 1 : PH_DEAD; /* a zero port takes one more digit */
}

/* PORT <ws> h1,h2,h3,h4,p1,p2 <ws>*; c is after the verb. */
static size_t ph_need_port(ph_cur *c) {
  ph_plist l = {0, 0, 0, {0}};
  ph_cur_skip_ws(c);
  while (ph_cur_left(c) > 0 && ph_plist_feed(&l, c->p[c->pos])) {
    if (l.big || l.k > 6 || (l.k == 6 && l.last == 2))
      return PH_DEAD;
    c->pos++;
  }
  if (ph_cur_left(c) == 0)
    return l.k == 0 ? PH_MIN_TUPLE : ph_plist_six(&l);
  if (l.last != 1 || ph_plist_six(&l) != 0)
    return PH_DEAD;
  ph_cur_skip_ws(c);
  return ph_cur_left(c) == 0 ? 0 : PH_DEAD;
}

/* A port of 1..65535 in digits, then d (EPRT, 229): 0 once d is read after
 * such a port, the bytes still needed (d included) when c runs out, or
 * PH_DEAD. */
static size_t ph_need_dport(ph_cur *c, int d) {
  uint32_t port = 0;
  size_t digits = 0;
  for (;;) {
    if (ph_cur_left(c) == 0)
      return digits == 0 || port == 0 ? 2 : 1;
    uint8_t b = c->p[c->pos++];
    if (b == (uint8_t)d)
      return digits == 0 || port == 0 ? PH_DEAD : 0;
    if (!ph_is_digit(b))
      return PH_DEAD;
    port = port * 10u + (uint32_t)(b - '0');
    if (port > 65535)
      return PH_DEAD;
    digits++;
  }
}

/* The strict dotted quad of EPRT, then d: 0 once d is read after it, the
 * bytes still needed when c runs out (with "d" port "d" after it), or
 * PH_DEAD. */
static size_t ph_need_quad(ph_cur *c, int d) {
  size_t dots = 0, digits = 0;
  uint32_t v = 0;
  for (;;) {
    if (ph_cur_left(c) == 0)
      return (digits == 0 ? 1u : 0u) + 2 * (3 - dots) + 3;
    uint8_t b = c->p[c->pos++];
    if (b == (uint8_t)d)
      return dots == 3 && digits > 0 ? 0 : PH_DEAD;
    if (b == '.' && digits > 0 && dots < 3) {
      dots++;
      digits = 0;
      v = 0;
      continue;
    }
    if (!ph_is_digit(b) || (digits > 0 && v == 0)) /* no leading zero */
      return PH_DEAD;
    v = v * 10u + (uint32_t)(b - '0');
    if (v > 255)
      return PH_DEAD;
    digits++;
  }
}

/* EPRT <ws> d "1" d a.b.c.d d port d <ws>*; c is after the verb. */
static size_t ph_need_eprt(ph_cur *c) {
  ph_cur_skip_ws(c);
  if (ph_cur_left(c) == 0)
    return PH_MIN_EPRT;
  int d = c->p[c->pos++];
  if (!ph_is_delim(d))
    return PH_DEAD;
  if (ph_cur_left(c) == 0)
    return PH_MIN_EPRT - 1;
  if (!ph_cur_eat(c, '1')) /* the only family parsed to 0 */
    return PH_DEAD;
  if (ph_cur_left(c) == 0)
    return PH_MIN_EPRT - 2;
  if (!ph_cur_eat(c, d))
    return PH_DEAD;
  size_t need = ph_need_quad(c, d);
  if (need == 0)
    need = ph_need_dport(c, d);
  if (need != 0)
    return need;
  ph_cur_skip_ws(c);
  return ph_cur_left(c) == 0 ? 0 : PH_DEAD;
}

/* 227 <text>: the first list of exactly six numbers decides; c is after
 * the code. */
static size_t ph_need_227(ph_cur *c) {
  ph_plist l = {0, 0, 0, {0}};
  while (ph_cur_left(c) > 0) {
    uint8_t b = c->p[c->pos++];
    if (l.k > 0 && ph_plist_feed(&l, b))
      continue;
    if (l.k == 6) /* it ended as six: accepted, or a range error */
      return ph_plist_six(&l) == 0 ? 0 : PH_DEAD;
    memset(&l, 0, sizeof(l));
    ph_plist_feed(&l, b);
  }
  if (l.k == 0)
    return PH_MIN_TUPLE;
  /* end it as six here, or make it anything but six and start another */
  size_t six = ph_plist_six(&l);
  size_t other = PH_MIN_TUPLE + 1; /* a byte that ends the list, a six */
  if (l.k == 6)
    other += l.last == 1 ? 2 : 1; /* a seventh number first */
  return six < other ? six : other;
}

/* 229 <text>(d d d port d)<text>, at the first "(" of the line; c is after
 * the code. */
static size_t ph_need_229(ph_cur *c) {
  while (ph_cur_left(c) > 0 && c->p[c->pos] != '(')
    c->pos++;
  if (!ph_cur_eat(c, '('))
    return PH_MIN_229;
  if (ph_cur_left(c) == 0)
    return PH_MIN_229 - 1;
  int d = c->p[c->pos++];
  if (!ph_is_delim(d))
    return PH_DEAD;
  for (size_t i = 0; i < 2; i++) {
    if (ph_cur_left(c) == 0)
      return PH_MIN_229 - 2 - i;
    if (!ph_cur_eat(c, d))
      return PH_DEAD;
  }
  size_t need = ph_need_dport(c, d);
  if (need != 0)
    return need == PH_DEAD ? need : need + 1; /* and ")" */
  if (ph_cur_left(c) == 0)
    return 1;
  return ph_cur_eat(c, ')') ? 0 : PH_DEAD;
}

/* The fewest bytes p[0..n) (no line end) still needs to become a line
 * pinhole_ftp_parse() accepts, line end not counted; or PH_DEAD. */
static size_t ph_need(const uint8_t *p, size_t n, int from_server) {
  static const struct {
    const char *tok;
    size_t body; /* the shortest body after tok and one blank */
  } verbs[2][2] = {{{"port", PH_MIN_TUPLE}, {"eprt", PH_MIN_EPRT}},
                   {{"227", PH_MIN_TUPLE}, {"229", PH_MIN_229}}};
  size_t tl = from_server ? 3 : 4, best = PH_DEAD;
  if (n > 0 && memchr(p, 0, n) != NULL)
    return PH_DEAD;
  if (n <= tl) {
    for (size_t i = 0; i < 2; i++) {
      size_t need = tl - n + 1 + verbs[from_server][i].body;
      if (ph_iprefix(p, n, verbs[from_server][i].tok) && need < best)
        best = need;
    }
    return best;
  }
  size_t tok;
  ph_cur c = {p, tl, n};
  switch (ph_kind_of(p, n, from_server, &tok)) {
  case PINHOLE_FTP_PORT:
    return ph_need_port(&c);
  case PINHOLE_FTP_EPRT:
    return ph_need_eprt(&c);
  case PINHOLE_FTP_227:
    return ph_need_227(&c);
  case PINHOLE_FTP_229:
    return ph_need_229(&c);
  default:
    return PH_DEAD;
  }
}

int pinhole_ftp_prefix(const uint8_t *p, size_t len, int from_server) {
  if (p == NULL && len > 0)
    return PINHOLE_ERR_INVALID_ARG;
  from_server = from_server != 0;
  if (len >= PINHOLE_FTP_LINE_MAX || (len > 0 && memchr(p, '\n', len)))
    return 0;
  size_t need = ph_need(p, len, from_server);
  if (need != PH_DEAD && len + need + 1 <= PINHOLE_FTP_LINE_MAX)
    return 1;
  /* A final CR: the LF that ends the line may be all that is missing. */
  pinhole_ftp_msg m;
  return len > 0 && p[len - 1] == '\r' &&
         ph_parse_line(p, len - 1, len + 1, from_server, &m) == 0;
}

/* ---- session sanity: is this line FTP at all? ------------------------ */

/* The commands a client may send: RFC 959 4.1, RFC 775 (X-forms, RFC 1123
 * 4.1.3.1), 2228, 2389, 2428, 2640, 3659, 7151; then extensions clients
 * send in the wild (CLNT, MFMT/MFCT/MFF, HASH, AVBL, PRET and the X-hash
 * commands). Not LPRT/LPSV (RFC 1639): the parser does not translate them. */
static const char ph_ftp_verbs[][8] = {
    "ABOR", "ACCT",  "ADAT",    "ALLO",   "APPE", "AUTH", "AVBL", "CCC",
    "CDUP", "CLNT",  "CONF",    "CWD",    "DELE", "ENC",  "EPRT", "EPSV",
    "FEAT", "HASH",  "HELP",    "HOST",   "LANG", "LIST", "MDTM", "MFCT",
    "MFF",  "MFMT",  "MIC",     "MKD",    "MLSD", "MLST", "MODE", "NLST",
    "NOOP", "OPTS",  "PASS",    "PASV",   "PBSZ", "PORT", "PRET", "PROT",
    "PWD",  "QUIT",  "REIN",    "REST",   "RETR", "RMD",  "RNFR", "RNTO",
    "SITE", "SIZE",  "SMNT",    "STAT",   "STOR", "STOU", "STRU", "SYST",
    "TYPE", "USER",  "XCRC",    "XCUP",   "XCWD", "XMD5", "XMKD", "XPWD",
    "XRMD", "XSHA1", "XSHA256", "XSHA512"};

/* One of the verbs above (ASCII case ignored); with partial, one of them
 * starts with p[0..n). */
static int ph_ftp_verb(const uint8_t *p, size_t n, int partial) {
  for (size_t i = 0; i < sizeof(ph_ftp_verbs) / sizeof(ph_ftp_verbs[0]); i++)
    if (partial
            ? n <= strlen(ph_ftp_verbs[i]) && ph_iprefix(p, n, ph_ftp_verbs[i])
            : ph_ieq(p, n, ph_ftp_verbs[i]))
      return 1;
  return 0;
}

/* Bytes an FTP line may carry: printable ASCII, HT, and bytes above 0x7f
 * (UTF-8 path names, RFC 2640). */
static int ph_ftp_byte(uint8_t b) {
  return (b >= 0x20 && b != 0x7f) || b == '\t';
}

/* Telnet IAC and a two-byte command (NOP .. GA, RFC 854): BSD clients send
 * IAC IP IAC DM before ABOR (RFC 959 4.1.3). */
static int ph_telnet_cmd(const ph_cur *c) {
  return ph_cur_left(c) >= 2 && c->p[c->pos] == 0xff &&
         c->p[c->pos + 1] >= 0xf1 && c->p[c->pos + 1] <= 0xf9;
}

/* A client line's content p[0..n); partial: more of it may follow. */
static int ph_class_command(const uint8_t *p, size_t n, int partial) {
  ph_cur c = ph_cur_make(p, n);
  while (ph_telnet_cmd(&c))
    c.pos += 2;
  if (partial && ph_cur_left(&c) == 1 && p[c.pos] == 0xff)
    return PINHOLE_FTP_LINE_COMMAND; /* its command byte may follow */
  size_t s = c.pos, vl = ph_cur_span(&c, ph_is_alnum);
  if (ph_cur_left(&c) > 0 && !ph_is_ws(p[c.pos]))
    return PINHOLE_FTP_LINE_NOT_FTP;
  return ph_ftp_verb(p + s, vl, partial && ph_cur_left(&c) == 0)
             ? PINHOLE_FTP_LINE_COMMAND
             : PINHOLE_FTP_LINE_NOT_FTP;
}

/* A server line's content p[0..n) (RFC 959 4.2). */
static int ph_class_reply(const uint8_t *p, size_t n, unsigned *code) {
  uint32_t v;
  if (n < 3 || p[0] < '1' || p[0] > '6' || ph_dec(p, 3, 999, &v) != 0 ||
      (n > 3 && !ph_is_ws(p[3]) && p[3] != '-'))
    return PINHOLE_FTP_LINE_TEXT;
  *code = v;
  return n > 3 && p[3] == '-' ? PINHOLE_FTP_LINE_REPLY_FIRST
                              : PINHOLE_FTP_LINE_REPLY;
}

int pinhole_ftp_classify(const uint8_t *p, size_t len, int from_server,
                         unsigned *code) {
  unsigned scratch;
  if (code == NULL)
    code = &scratch;
  *code = 0;
  if (p == NULL && len > 0)
    return PINHOLE_ERR_INVALID_ARG;
  size_t scan = len < PINHOLE_FTP_LINE_MAX ? len : PINHOLE_FTP_LINE_MAX;
  size_t linelen = pinhole_ftp_line_len(p, scan);
  int partial = linelen == 0;
  if (partial && len >= PINHOLE_FTP_LINE_MAX)
    return PINHOLE_FTP_LINE_NOT_FTP; /* no room left for its end */
  size_t end = partial ? len : linelen - 1;
  /* A CR ends the content: before the LF, or (partial) before the LF to
   * come; a CR anywhere else is a bad byte. */
  int final = !partial;
  if (end > 0 && p[end - 1] == '\r') {
    end--;
    final = 1;
  }
  for (size_t i = 0; i < end; i++)
    if (!ph_ftp_byte(p[i]))
      return PINHOLE_FTP_LINE_NOT_FTP;
  int cls = from_server ? ph_class_reply(p, end, code)
                        : ph_class_command(p, end, !final);
  if (cls == PINHOLE_FTP_LINE_NOT_FTP || !partial)
    return cls;
  *code = 0;
  return PINHOLE_ERR_PARTIAL;
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

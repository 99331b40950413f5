/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SQLNet ALG, pure part: TNS packet framing, connect descriptors and
 * their rewriting.
 *
 * Protocol: Oracle Net (SQL*Net) over TNS, TCP 1521. Oracle publishes no
 * wire specification; the packet layout follows what Oracle's clients
 * send and Wireshark's TNS dissector documents (8-byte header; CONNECT
 * with its connect data length at 24 and offset at 26; REDIRECT with its
 * data length at 8 and data at 10), the descriptor syntax follows Oracle
 * Net Services Reference ("Syntax Rules for Configuration Files").
 * Messages rewritten: the HOST and PORT values of ADDRESS entries in
 * CONNECT and REDIRECT data, with the packet and data lengths following.
 *
 * Known limits: connect or redirect data sent in the packet that follows
 * (long connect data) is reported, not rewritten; at most
 * PINHOLE_SQLNET_MAX_ADDRS addresses and PINHOLE_SQLNET_MAX_DEPTH levels
 * of parentheses; HOST is rewritten only to a dotted quad.
 */
#include <pinhole/sqlnet.h>

#include <string.h>

#include "alg/text.h"

#include "pkt/bytes.h"

/* Fixed offsets of the CONNECT and REDIRECT bodies. */
#define PH_CONNECT_MIN 34u
#define PH_CONNECT_CD_LEN 24u
#define PH_CONNECT_CD_OFF 26u
#define PH_REDIRECT_MIN 10u
#define PH_REDIRECT_LEN 8u
#define PH_DD_MIN 16u

static int ph_tns_type_known(uint8_t t) {
  return (t >= 1 && t <= 7) || t == 9 || (t >= 11 && t <= 15);
}

/* CONNECT: where its connect data is. */
static int ph_tns_connect(const uint8_t *p, pinhole_sqlnet_pkt *m) {
  if (m->length < PH_CONNECT_MIN)
    return PINHOLE_ERR_PARSE;
  size_t cd_len = ph_get16(p + PH_CONNECT_CD_LEN);
  size_t cd_off = ph_get16(p + PH_CONNECT_CD_OFF);
  m->version = ph_get16(p + PINHOLE_SQLNET_HEADER_LEN);
  m->data_len_off = PH_CONNECT_CD_LEN;
  if (cd_len == 0)
    return 0;
  m->data_len = cd_len;
  if (cd_off >= m->length) {
    m->flags |= PINHOLE_SQLNET_PKT_DATA_NEXT;
    return 0;
  }
  if (cd_off < PH_CONNECT_MIN || cd_off + cd_len != m->length)
    return PINHOLE_ERR_PARSE;
  m->flags |= PINHOLE_SQLNET_PKT_DATA;
  m->data_off = cd_off;
  return 0;
}

/* REDIRECT: its data runs to the end, or follows in the next packet. */
static int ph_tns_redirect(const uint8_t *p, pinhole_sqlnet_pkt *m) {
  if (m->length < PH_REDIRECT_MIN)
    return PINHOLE_ERR_PARSE;
  size_t rd_len = ph_get16(p + PH_REDIRECT_LEN);
  m->data_len_off = PH_REDIRECT_LEN;
  if (rd_len == 0)
    return m->length == PH_REDIRECT_MIN ? 0 : PINHOLE_ERR_PARSE;
  m->data_len = rd_len;
  if (m->length == PH_REDIRECT_MIN) {
    m->flags |= PINHOLE_SQLNET_PKT_DATA_NEXT;
    return 0;
  }
  if (PH_REDIRECT_MIN + rd_len != m->length)
    return PINHOLE_ERR_PARSE;
  m->flags |= PINHOLE_SQLNET_PKT_DATA;
  m->data_off = PH_REDIRECT_MIN;
  return 0;
}

/* The header: length form, length, type. 0, PARTIAL or PARSE. */
static int ph_tns_header(const uint8_t *p, size_t len, pinhole_sqlnet_pkt *m) {
  if (len < 4)
    return PINHOLE_ERR_PARTIAL;
  uint16_t ck = ph_get16(p + 2);
  int len32 = ck != 0 && ck != 4;
  uint32_t length = len32 ? ph_get32(p) : ph_get16(p);
  if (length < PINHOLE_SQLNET_HEADER_LEN)
    return PINHOLE_ERR_PARSE;
  if (len < 5)
    return PINHOLE_ERR_PARTIAL;
  if (!ph_tns_type_known(p[4]))
    return PINHOLE_ERR_PARSE;
  if (len < PINHOLE_SQLNET_HEADER_LEN)
    return PINHOLE_ERR_PARTIAL;
  m->length = length;
  m->type = p[4];
  m->hdr_flags = p[5];
  m->flags = len32 ? PINHOLE_SQLNET_PKT_LEN32 : 0;
  return 0;
}

int pinhole_sqlnet_frame(const uint8_t *p, size_t len, pinhole_sqlnet_pkt *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  int rc = ph_tns_header(p, len, m);
  if (rc != 0)
    return rc;
  uint64_t total = m->length;
  if (m->type == PINHOLE_SQLNET_DATA_DESCRIPTOR) {
    if (m->length < PH_DD_MIN)
      return PINHOLE_ERR_PARSE;
    if (len < PH_DD_MIN)
      return PINHOLE_ERR_PARTIAL;
    total += ph_get32(p + 12);
    if (total > SIZE_MAX)
      return PINHOLE_ERR_PARSE;
  }
  m->total_len = (size_t)total;
  if (len < m->total_len)
    return PINHOLE_ERR_PARTIAL;
  if (m->type == PINHOLE_SQLNET_CONNECT)
    rc = ph_tns_connect(p, m);
  else if (m->type == PINHOLE_SQLNET_REDIRECT)
    rc = ph_tns_redirect(p, m);
  if (rc != 0)
    memset(m, 0, sizeof(*m));
  return rc;
}

/* ---- descriptors ------------------------------------------------------ */

typedef struct ph_nv {
  ph_cur c;
  pinhole_sqlnet_desc *d;
} ph_nv;

static int ph_nv_blank(uint8_t ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int ph_nv_sep(uint8_t ch) {
  return ph_nv_blank(ch) || ch == 0;
}

static int ph_nv_keych(uint8_t ch) {
  return ph_is_alnum(ch) || ch == '_' || ch == '.' || ch == '-';
}

static int ph_nv_ctl(uint8_t ch) {
  return ch < 0x20 || ch == 0x7f;
}

/* A quoted value at the opening quote; the span is the inside. */
static int ph_nv_quoted(ph_cur *c, size_t *off, size_t *vlen) {
  c->pos++;
  *off = c->pos;
  while (c->pos < c->end && c->p[c->pos] != '"') {
    if (ph_nv_ctl(c->p[c->pos]))
      return PINHOLE_ERR_PARSE;
    c->pos++;
  }
  if (!ph_cur_eat(c, '"'))
    return PINHOLE_ERR_PARSE;
  *vlen = c->pos - 1 - *off;
  return 0;
}

/* A bare value, possibly empty; trailing spaces are not part of it. */
static int ph_nv_bare(ph_cur *c, size_t *off, size_t *vlen) {
  *off = c->pos;
  size_t end = c->pos;
  while (c->pos < c->end) {
    uint8_t ch = c->p[c->pos];
    if (ch == '\\') {
      if (c->pos + 1 >= c->end || ph_nv_ctl(c->p[c->pos + 1]))
        return PINHOLE_ERR_PARSE;
      c->pos += 2;
      end = c->pos;
      continue;
    }
    if (ph_nv_ctl(ch) || ch == '(' || ch == ')' || ch == '=' || ch == '"')
      break;
    c->pos++;
    if (ch != ' ')
      end = c->pos;
  }
  *vlen = end - *off;
  return 0;
}

/* PORT value: 1..5 digits, at most 65535. */
static int ph_nv_port(const uint8_t *v, size_t n, uint16_t *port) {
  uint32_t x;
  for (size_t i = 0; i < n; i++)
    if (!ph_is_digit(v[i]))
      return PINHOLE_ERR_PARSE;
  if (n == 0 || n > 5)
    return PINHOLE_ERR_PARSE;
  if (ph_dec(v, n, 65535, &x) != 0)
    return PINHOLE_ERR_RANGE;
  *port = (uint16_t)x;
  return 0;
}

/* Records a text value of an ADDRESS's direct child. */
static int ph_nv_field(const uint8_t *p, const uint8_t *kw, size_t kwlen,
                       size_t off, size_t n, int quoted,
                       pinhole_sqlnet_address *a) {
  if (ph_ieq(kw, kwlen, "HOST")) {
    if (a->flags & PINHOLE_SQLNET_ADDR_HOST)
      return PINHOLE_ERR_PARSE;
    a->flags |= PINHOLE_SQLNET_ADDR_HOST;
    if (quoted)
      a->flags |= PINHOLE_SQLNET_ADDR_QUOTED;
    a->host_off = off;
    a->host_len = n;
    if (ph_ipv4_text(p + off, n, &a->addr) == 0)
      a->flags |= PINHOLE_SQLNET_ADDR_HOST_IPV4;
  } else if (ph_ieq(kw, kwlen, "PORT")) {
    if (a->flags & PINHOLE_SQLNET_ADDR_PORT)
      return PINHOLE_ERR_PARSE;
    int rc = ph_nv_port(p + off, n, &a->port);
    if (rc != 0)
      return rc;
    a->flags |= PINHOLE_SQLNET_ADDR_PORT;
    a->port_off = off;
    a->port_len = n;
  } else if (ph_ieq(kw, kwlen, "PROTOCOL")) {
    if (a->proto != PINHOLE_SQLNET_PROTO_NONE)
      return PINHOLE_ERR_PARSE;
    a->proto = ph_ieq(p + off, n, "tcp")    ? PINHOLE_SQLNET_PROTO_TCP
               : ph_ieq(p + off, n, "tcps") ? PINHOLE_SQLNET_PROTO_TCPS
                                            : PINHOLE_SQLNET_PROTO_OTHER;
  }
  return 0;
}

static int ph_nv_value(ph_nv *s, const uint8_t *kw, size_t kwlen,
                       pinhole_sqlnet_address *parent) {
  size_t off = 0, n = 0; /* set on success; zero for GCC -Os's analysis */
  int quoted = ph_cur_peek(&s->c) == '"';
  int rc = quoted ? ph_nv_quoted(&s->c, &off, &n) : ph_nv_bare(&s->c, &off, &n);
  if (rc != 0 || parent == NULL)
    return rc;
  return ph_nv_field(s->c.p, kw, kwlen, off, n, quoted, parent);
}

static int ph_nv_pair(ph_nv *s, unsigned depth, pinhole_sqlnet_address *parent);

/* A list value: one or more pairs; an ADDRESS list gets a record. */
static int ph_nv_list(ph_nv *s, unsigned depth, int is_address, size_t start,
                      pinhole_sqlnet_address **rec) {
  if (is_address) {
    if (s->d->naddrs == PINHOLE_SQLNET_MAX_ADDRS)
      return PINHOLE_ERR_RANGE;
    *rec = &s->d->addr[s->d->naddrs++];
    (*rec)->off = start;
  }
  do {
    int rc = ph_nv_pair(s, depth + 1, *rec);
    if (rc != 0)
      return rc;
    ph_cur_span(&s->c, ph_nv_blank);
  } while (ph_cur_peek(&s->c) == '(');
  return 0;
}

/* "(" KEYWORD "=" value ")" with blanks around every token. */
static int ph_nv_pair(ph_nv *s, unsigned depth,
                      pinhole_sqlnet_address *parent) {
  ph_cur *c = &s->c;
  size_t start = c->pos;
  if (depth > PINHOLE_SQLNET_MAX_DEPTH || !ph_cur_eat(c, '('))
    return PINHOLE_ERR_PARSE;
  ph_cur_span(c, ph_nv_blank);
  const uint8_t *kw = c->p + c->pos;
  size_t kwlen = ph_cur_span(c, ph_nv_keych);
  if (kwlen == 0 || kwlen > PINHOLE_SQLNET_MAX_KEYWORD)
    return PINHOLE_ERR_PARSE;
  ph_cur_span(c, ph_nv_blank);
  if (!ph_cur_eat(c, '='))
    return PINHOLE_ERR_PARSE;
  ph_cur_span(c, ph_nv_blank);
  pinhole_sqlnet_address *rec = NULL;
  int rc = ph_cur_peek(c) == '('
               ? ph_nv_list(s, depth, ph_ieq(kw, kwlen, "ADDRESS"), start, &rec)
               : ph_nv_value(s, kw, kwlen, parent);
  if (rc != 0)
    return rc;
  ph_cur_span(c, ph_nv_blank);
  if (!ph_cur_eat(c, ')'))
    return PINHOLE_ERR_PARSE;
  if (rec != NULL)
    rec->len = c->pos - rec->off;
  return 0;
}

int pinhole_sqlnet_desc_parse(const uint8_t *d, size_t len,
                              pinhole_sqlnet_desc *out) {
  if (out == NULL || (d == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(out, 0, sizeof(*out));
  ph_nv s = {ph_cur_make(d, len), out};
  size_t pairs = 0;
  for (;;) {
    ph_cur_span(&s.c, ph_nv_sep);
    if (ph_cur_left(&s.c) == 0)
      break;
    int rc = ph_nv_pair(&s, 1, NULL);
    if (rc != 0)
      return rc;
    pairs++;
  }
  return pairs > 0 ? 0 : PINHOLE_ERR_PARSE;
}

/* ---- rewriting --------------------------------------------------------- */

/* One replacement: bytes [off, off + len) become b[0..n). */
typedef struct ph_edit {
  size_t off;
  size_t len;
  size_t n;
  uint8_t b[16];
} ph_edit;

typedef struct ph_plan {
  size_t nedits;
  ph_edit e[2 * PINHOLE_SQLNET_MAX_ADDRS];
  size_t newlen;
} ph_plan;

/* Adds an edit, keeping them sorted by offset (spans never overlap). */
static void ph_plan_add(ph_plan *pl, size_t off, size_t len, const uint8_t *b,
                        size_t n) {
  size_t i = pl->nedits++;
  while (i > 0 && pl->e[i - 1].off > off) {
    pl->e[i] = pl->e[i - 1];
    i--;
  }
  pl->e[i].off = off;
  pl->e[i].len = len;
  pl->e[i].n = n;
  memcpy(pl->e[i].b, b, n);
  pl->newlen = pl->newlen - len + n;
}

/* Parses d and lists the replacements rw asks for. */
static int ph_plan_make(const uint8_t *d, size_t len,
                        const pinhole_sqlnet_rewrite *rw, ph_plan *pl) {
  pinhole_sqlnet_desc desc;
  int rc = pinhole_sqlnet_desc_parse(d, len, &desc);
  if (rc != 0)
    return rc;
  pl->nedits = 0;
  pl->newlen = len;
  for (size_t i = 0; i < desc.naddrs; i++) {
    const pinhole_sqlnet_address *a = &desc.addr[i];
    const pinhole_sqlnet_rewrite_addr *r = &rw->addr[i];
    uint8_t b[16];
    if ((r->flags & PINHOLE_SQLNET_REWRITE_HOST) &&
        (a->flags & PINHOLE_SQLNET_ADDR_HOST))
      ph_plan_add(pl, a->host_off, a->host_len, b, ph_fmt_ipv4(b, r->addr));
    if ((r->flags & PINHOLE_SQLNET_REWRITE_PORT) &&
        (a->flags & PINHOLE_SQLNET_ADDR_PORT))
      ph_plan_add(pl, a->port_off, a->port_len, b, ph_fmt_u32(b, r->port));
  }
  return pl->newlen > (size_t)INT32_MAX ? PINHOLE_ERR_INVALID_ARG : 0;
}

/* Writes d with the plan's replacements; out holds pl->newlen bytes. */
static void ph_plan_apply(const uint8_t *d, size_t len, const ph_plan *pl,
                          uint8_t *out) {
  size_t in = 0, o = 0;
  for (size_t i = 0; i < pl->nedits; i++) {
    const ph_edit *e = &pl->e[i];
    memcpy(out + o, d + in, e->off - in);
    o += e->off - in;
    memcpy(out + o, e->b, e->n);
    o += e->n;
    in = e->off + e->len;
  }
  if (len > in)
    memcpy(out + o, d + in, len - in);
}

int pinhole_sqlnet_desc_rewrite(const uint8_t *d, size_t len,
                                const pinhole_sqlnet_rewrite *rw, uint8_t *out,
                                size_t cap) {
  if (rw == NULL || (out == NULL && cap > 0))
    return PINHOLE_ERR_INVALID_ARG;
  ph_plan pl;
  int rc = ph_plan_make(d, len, rw, &pl);
  if (rc != 0)
    return rc;
  if (pl.newlen > cap)
    return PINHOLE_ERR_NOBUF;
  ph_plan_apply(d, len, &pl, out);
  return (int)pl.newlen;
}

int pinhole_sqlnet_packet_rewrite(const uint8_t *p, size_t len,
                                  const pinhole_sqlnet_rewrite *rw,
                                  uint8_t *out, size_t cap) {
  if (rw == NULL || (out == NULL && cap > 0))
    return PINHOLE_ERR_INVALID_ARG;
  pinhole_sqlnet_pkt m;
  int rc = pinhole_sqlnet_frame(p, len, &m);
  if (rc != 0)
    return rc;
  if (len != m.total_len)
    return PINHOLE_ERR_PARSE;
  if (!(m.flags & PINHOLE_SQLNET_PKT_DATA))
    return PINHOLE_ERR_NOMATCH;
  ph_plan pl;
  rc = ph_plan_make(p + m.data_off, m.data_len, rw, &pl);
  if (rc != 0)
    return rc;
  size_t total = m.data_off + pl.newlen;
  uint32_t max = (m.flags & PINHOLE_SQLNET_PKT_LEN32) ? UINT32_MAX : 65535u;
  if (pl.newlen > 65535u || total > max)
    return PINHOLE_ERR_RANGE;
  if (total > cap)
    return PINHOLE_ERR_NOBUF;
  memcpy(out, p, m.data_off);
  ph_plan_apply(p + m.data_off, m.data_len, &pl, out + m.data_off);
  if (m.flags & PINHOLE_SQLNET_PKT_LEN32)
    ph_put32(out, (uint32_t)total);
  else
    ph_put16(out, (uint16_t)total);
  ph_put16(out + m.data_len_off, (uint16_t)pl.newlen);
  return (int)total;
}

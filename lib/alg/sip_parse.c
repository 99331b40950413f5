/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIP ALG, pure part: message framing and parsing (RFC 3261), the stream
 * prefix test, multipart bodies (RFC 2046) and where the SDP is. The SDP
 * itself: sdp_parse.c; the NAT rewriter: sip_rewrite.c.
 *
 * One rule decides what the rewriter translates, in every message and in
 * both directions: a sip: or sips: URI whose host is the IPv4 literal
 * from.addr and whose port (or the scheme's default) is from.port becomes
 * to.addr[:to.port], wherever the grammar puts a URI: the Request-URI and
 * every value of the fields in ph_hnames[] below as PH_H_CONTACT,
 * PH_H_ROUTE, PH_H_FROM_TO or PH_H_URI, the fields of RFC 3261 section 20
 * and of the extensions named there whose values are name-addr, addr-spec
 * or <URI>. The same for the sent-by of every Via value, with its
 * received= address and, in such a value, its rport= port (RFC 3581).
 * Call-ID and the fields that name Call-IDs are opaque words: every
 * from.addr host token in them becomes to.addr. In the SDP (a body of
 * type application/sdp, or the one application/sdp part of a multipart
 * body): o=, c= and a=rtcp addresses equal to from.addr, m= and a=rtcp
 * ports in the caller's port map. Content-Length follows the body.
 *
 * Fail closed: the output is parsed again and every from.addr host token
 * left in its header block or SDP (ICE candidate lines aside) is counted
 * as leftover, for the caller to drop the message.
 *
 * Limits: IPv4 literals only; no compressed or transfer-encoded SDP, no
 * nested multipart, one SDP per message; lines end in CRLF; no TLS (the
 * ALG cannot see it).
 */
#include <string.h>

#include "alg/sip_parse.h"

/* ------------------------------------------------------------------ */
/* Characters                                                          */

/* RFC 3261 token characters. */
static int ph_is_sip_token(uint8_t c) {
  if (ph_is_alnum(c))
    return 1;
  switch (c) {
  case '-':
  case '.':
  case '!':
  case '%':
  case '*':
  case '_':
  case '+':
  case '`':
  case '\'':
  case '~':
    return 1;
  default:
    return 0;
  }
}

/* A byte of an addr-spec written without angle brackets. */
static int ph_is_bare_uri(uint8_t c) {
  return c != ';' && c != ',' && !ph_is_lws(c);
}

/* A byte of an unquoted parameter value. */
static int ph_is_pvalue(uint8_t c) {
  return c != ';' && c != ',' && c != '"' && !ph_is_lws(c);
}

/* A byte of a Request-URI (it ends at SP or HT). */
static int ph_is_ruri(uint8_t c) {
  return !ph_is_ws(c);
}

/* A byte of a Via sent-by host that is not an IPv6 reference. */
static int ph_is_via_host(uint8_t c) {
  return c != ':' && c != ';' && c != ',' && !ph_is_lws(c);
}

/* ------------------------------------------------------------------ */
/* Header names                                                        */

static const struct {
  const char *name;
  char compact;
  uint8_t id;
} ph_hnames[] = {
    {"Via", 'v', PH_H_VIA},
    {"Contact", 'm', PH_H_CONTACT},
    {"Content-Length", 'l', PH_H_CLEN},
    {"Content-Type", 'c', PH_H_CTYPE},
    {"Content-Encoding", 'e', PH_H_CENC},
    {"Call-ID", 'i', PH_H_CALLID},
    {"CSeq", 0, PH_H_CSEQ},
    {"Expires", 0, PH_H_EXPIRES},
    {"Route", 0, PH_H_ROUTE},
    {"Record-Route", 0, PH_H_ROUTE},
    {"Path", 0, PH_H_ROUTE},          /* RFC 3327 */
    {"Service-Route", 0, PH_H_ROUTE}, /* RFC 3608 */
    {"From", 'f', PH_H_FROM_TO},
    {"To", 't', PH_H_FROM_TO},
    {"Reply-To", 0, PH_H_URI},
    {"Alert-Info", 0, PH_H_URI},
    {"Call-Info", 0, PH_H_URI},
    {"Error-Info", 0, PH_H_URI},
    {"P-Asserted-Identity", 0, PH_H_URI},  /* RFC 3325 */
    {"P-Preferred-Identity", 0, PH_H_URI}, /* RFC 3325 */
    {"Refer-To", 'r', PH_H_URI},           /* RFC 3515 */
    {"Referred-By", 'b', PH_H_URI},        /* RFC 3892 */
    {"Diversion", 0, PH_H_URI},            /* RFC 5806 */
    {"History-Info", 0, PH_H_URI},         /* RFC 7044 */
    {"P-Associated-URI", 0, PH_H_URI},     /* RFC 7315 */
    {"P-Called-Party-ID", 0, PH_H_URI},    /* RFC 7315 */
    {"Remote-Party-ID", 0, PH_H_URI},
    {"Replaces", 0, PH_H_CALLREF},    /* RFC 3891 */
    {"Join", 0, PH_H_CALLREF},        /* RFC 3911 */
    {"In-Reply-To", 0, PH_H_CALLREF}, /* RFC 3261 20.21 */
};

static uint8_t ph_header_id(const uint8_t *p, size_t len) {
  for (size_t i = 0; i < sizeof(ph_hnames) / sizeof(ph_hnames[0]); i++) {
    if (len == 1 && ph_hnames[i].compact != 0 &&
        ph_lower(p[0]) == (uint8_t)ph_hnames[i].compact)
      return ph_hnames[i].id;
    if (ph_ieq(p, len, ph_hnames[i].name))
      return ph_hnames[i].id;
  }
  return PH_H_OTHER;
}

static uint32_t ph_method(const uint8_t *p, size_t len) {
  static const char *const names[] = {"INVITE",   "ACK",     "BYE",    "CANCEL",
                                      "REGISTER", "OPTIONS", "UPDATE", "PRACK"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (ph_eq(p, len, names[i]))
      return (uint32_t)(i + 1);
  return PINHOLE_SIP_METHOD_OTHER;
}

/* ------------------------------------------------------------------ */
/* name-addr / addr-spec values and parameters                         */

/* Advances to the next byte of stops (or the end), over quoted strings.
 * Returns 0, or -1 for a quote that does not close. */
static int ph_skip_until(ph_cur *c, const char *stops) {
  int ch;
  while ((ch = ph_cur_peek(c)) >= 0 && (ch == 0 || !strchr(stops, ch))) {
    if (ch != '"')
      c->pos++;
    else if (ph_cur_quoted(c) != 0)
      return -1;
  }
  return 0;
}

/* [display-name] "<" URI ">" or a bare addr-spec, at the cursor. */
static int ph_uri_part(ph_cur *c, ph_av *v) {
  size_t s = c->pos;
  if (ph_skip_until(c, "<,;") != 0)
    return -1;
  if (ph_cur_eat(c, '<')) {
    v->uri_s = c->pos;
    const uint8_t *gt = memchr(c->p + c->pos, '>', ph_cur_left(c));
    if (gt == NULL)
      return -1;
    v->uri_e = (size_t)(gt - c->p);
    c->pos = v->uri_e + 1;
  } else {
    c->pos = s;
    v->uri_s = s;
    ph_cur_span(c, ph_is_bare_uri);
    v->uri_e = c->pos;
  }
  return v->uri_e > v->uri_s ? 0 : -1;
}

/* Reads the value at the cursor and moves past the ',' that ends it.
 * Returns 1, 0 at the end of the field, -1 when malformed. */
int pinhole__sip_addr_value(ph_cur *c, ph_av *v) {
  ph_cur_span(c, ph_is_lws);
  if (ph_cur_left(c) == 0)
    return 0;
  if (ph_cur_eat(c, '*'))
    v->uri_s = v->uri_e = c->pos;
  else if (ph_uri_part(c, v) != 0)
    return -1;
  v->par_s = c->pos;
  if (ph_skip_until(c, ",") != 0)
    return -1;
  v->par_e = c->pos;
  ph_cur_eat(c, ',');
  return 1;
}

/* Reads one parameter at the cursor (after blanks). Returns 1, 0 when the
 * next non-blank byte is not ';' (cursor unchanged), -1 when malformed. */
int pinhole__sip_param(ph_cur *c, ph_par *r) {
  ph_cur t = *c;
  ph_cur_span(&t, ph_is_lws);
  if (!ph_cur_eat(&t, ';'))
    return 0;
  ph_cur_span(&t, ph_is_lws);
  r->ns = t.pos;
  if (ph_cur_span(&t, ph_is_sip_token) == 0)
    return -1;
  r->ne = r->vs = r->ve = t.pos;
  ph_cur u = t;
  ph_cur_span(&u, ph_is_lws);
  if (ph_cur_eat(&u, '=')) {
    ph_cur_span(&u, ph_is_lws);
    r->vs = u.pos;
    if (ph_cur_peek(&u) == '"' ? ph_cur_quoted(&u) != 0
                               : ph_cur_span(&u, ph_is_pvalue) == 0)
      return -1;
    r->ve = u.pos;
    t = u;
  }
  *c = t;
  return 1;
}

/* Returns 1 when p[us..ue) is such a URI (an IPv4 or a bracketed IPv6
 * host), else 0. */
int pinhole__sip_uri_hostport(const uint8_t *p, size_t us, size_t ue,
                              ph_hp *h) {
  ph_cur c = {p, us, ue};
  uint32_t port;
  if (ph_cur_eat_word(&c, "sip:"))
    h->def_port = 5060;
  else if (ph_cur_eat_word(&c, "sips:"))
    h->def_port = 5061;
  else
    return 0;
  const uint8_t *at = memchr(p + c.pos, '@', ph_cur_left(&c));
  if (at != NULL)
    c.pos = (size_t)(at - p) + 1;
  h->host_s = c.pos;
  h->ip6 = 0;
  h->addr = 0;
  if (ph_cur_eat(&c, '[')) {
    if (ph_cur_ipv6(&c, h->addr6) != 0 || !ph_cur_eat(&c, ']'))
      return 0;
    h->ip6 = 1;
  } else if (ph_cur_ipv4(&c, &h->addr) != 0) {
    return 0;
  }
  h->host_e = h->port_e = c.pos;
  h->port = 0;
  h->has_port = ph_cur_eat(&c, ':');
  if (h->has_port) {
    if (ph_cur_number(&c, &port) == 0 || port > 65535)
      return 0;
    h->port = (uint16_t)port;
    h->port_e = c.pos;
  }
  return ph_cur_left(&c) == 0 || ph_cur_peek(&c) == ';' ||
         ph_cur_peek(&c) == '?';
}

static int ph_sent_by(ph_cur *c, ph_via *v) {
  uint32_t port;
  v->host_s = c->pos;
  if (ph_cur_eat(c, '[')) {
    const uint8_t *rb = memchr(c->p + c->pos, ']', ph_cur_left(c));
    if (rb == NULL)
      return -1;
    c->pos = (size_t)(rb - c->p) + 1;
  } else if (ph_cur_span(c, ph_is_via_host) == 0) {
    return -1;
  }
  v->host_e = v->port_e = c->pos;
  v->has_port = 0;
  v->port = 0;
  ph_cur t = *c;
  ph_cur_span(&t, ph_is_lws);
  if (ph_cur_eat(&t, ':')) {
    ph_cur_span(&t, ph_is_lws);
    if (ph_cur_number(&t, &port) == 0 || port > 65535)
      return -1;
    v->port = (uint16_t)port;
    v->has_port = 1;
    v->port_e = t.pos;
    *c = t;
  }
  return 0;
}

/* sent-protocol LWS sent-by *(;param), and the ',' after it. Returns 1,
 * 0 at the end of the field, -1 when malformed. */
int pinhole__sip_via_value(ph_cur *c, ph_via *v) {
  size_t ts = 0, te = 0;
  ph_par r;
  int k;
  ph_cur_span(c, ph_is_lws);
  if (ph_cur_left(c) == 0)
    return 0;
  for (int part = 0; part < 3; part++) {
    if (part > 0) {
      ph_cur_span(c, ph_is_lws);
      if (!ph_cur_eat(c, '/'))
        return -1;
      ph_cur_span(c, ph_is_lws);
    }
    ts = c->pos;
    if (ph_cur_span(c, ph_is_sip_token) == 0)
      return -1;
    te = c->pos;
  }
  v->def_port = ph_ieq(c->p + ts, te - ts, "TLS") ? 5061 : 5060;
  if (ph_cur_span(c, ph_is_lws) == 0 || ph_sent_by(c, v) != 0)
    return -1;
  v->par_s = c->pos;
  while ((k = pinhole__sip_param(c, &r)) == 1)
    ;
  v->par_e = c->pos;
  ph_cur_span(c, ph_is_lws);
  if (k < 0 || (ph_cur_left(c) > 0 && !ph_cur_eat(c, ',')))
    return -1;
  return 1;
}

/* ------------------------------------------------------------------ */
/* Message framing and parsing                                         */

/* Finds the CRLF ending the line that starts at s. */
static int ph_line(const uint8_t *p, size_t len, size_t s, int stream,
                   size_t *eol) {
  size_t lim = len - s;
  if (lim > PINHOLE_SIP_MAX_LINE + 1)
    lim = PINHOLE_SIP_MAX_LINE + 1;
  for (size_t i = 0; i < lim; i++) {
    uint8_t c = p[s + i];
    if (c == '\r') {
      if (s + i + 1 >= len)
        return stream ? PINHOLE_ERR_PARTIAL : PINHOLE_ERR_PARSE;
      if (p[s + i + 1] != '\n')
        return PINHOLE_ERR_PARSE;
      *eol = s + i;
      return 0;
    }
    if (c == '\n' || c == 0x7f || (c < 0x20 && c != '\t'))
      return PINHOLE_ERR_PARSE;
  }
  if (len - s > PINHOLE_SIP_MAX_LINE)
    return PINHOLE_ERR_PARSE;
  return stream ? PINHOLE_ERR_PARTIAL : PINHOLE_ERR_PARSE;
}

/* "SIP/2.0 " is behind the cursor: NNN, then SP or the end. */
static int ph_status_line(ph_cur *c, pinhole_sip_msg *m) {
  const uint8_t *d;
  uint32_t st;
  if (ph_cur_take(c, 3, &d) != 0 || ph_dec(d, 3, 999, &st) != 0 || st < 100 ||
      st > 699)
    return PINHOLE_ERR_PARSE;
  if (ph_cur_left(c) > 0 && !ph_cur_eat(c, ' '))
    return PINHOLE_ERR_PARSE;
  m->status = st;
  return 0;
}

static int ph_start_line(const uint8_t *p, size_t s, size_t e,
                         pinhole_sip_msg *m) {
  ph_cur c = {p, s, e};
  if (ph_cur_eat_word(&c, "SIP/2.0 "))
    return ph_status_line(&c, m);
  if (ph_cur_span(&c, ph_is_sip_token) == 0 || !ph_cur_eat(&c, ' '))
    return PINHOLE_ERR_PARSE;
  m->method_tok.off = s;
  m->method_tok.len = c.pos - 1 - s;
  m->method = ph_method(p + s, m->method_tok.len);
  size_t us = c.pos;
  if (ph_cur_span(&c, ph_is_ruri) == 0 ||
      memchr(p + us, ':', c.pos - us) == NULL || !ph_cur_eat(&c, ' '))
    return PINHOLE_ERR_PARSE;
  m->request_uri.off = us;
  m->request_uri.len = c.pos - 1 - us;
  if (!ph_ieq(p + c.pos, ph_cur_left(&c), "SIP/2.0"))
    return PINHOLE_ERR_PARSE;
  m->flags |= PINHOLE_SIP_MSG_REQUEST;
  return 0;
}

/* Parser scratch beyond the public view. */
typedef struct ph_pstate {
  int hdr_expires;
  uint32_t hdr_expires_v;
  int ctype_seen;
} ph_pstate;

static int ph_cseq(const uint8_t *p, size_t s, size_t e, pinhole_sip_msg *m) {
  ph_cur c = {p, s, e};
  ph_cur_span(&c, ph_is_digit);
  if (ph_dec(p + s, c.pos - s, UINT32_MAX, &m->cseq) != 0 ||
      ph_cur_span(&c, ph_is_lws) == 0)
    return PINHOLE_ERR_PARSE;
  size_t ms = c.pos;
  if (ph_cur_span(&c, ph_is_sip_token) == 0)
    return PINHOLE_ERR_PARSE;
  m->cseq_method = ph_method(p + ms, c.pos - ms);
  ph_cur_span(&c, ph_is_lws);
  if (ph_cur_left(&c) > 0)
    return PINHOLE_ERR_PARSE;
  m->flags |= PINHOLE_SIP_MSG_CSEQ;
  return 0;
}

/* What a Content-Type names. */
enum { PH_CT_OTHER = 0, PH_CT_SDP, PH_CT_MULTIPART };

/* Reads type "/" subtype at the cursor and leaves it after the subtype. */
static int ph_ctype(ph_cur *c) {
  ph_cur_span(c, ph_is_lws);
  size_t ts = c->pos;
  size_t tn = ph_cur_span(c, ph_is_sip_token);
  ph_cur_span(c, ph_is_lws);
  if (!ph_cur_eat(c, '/'))
    return PH_CT_OTHER;
  ph_cur_span(c, ph_is_lws);
  size_t ss = c->pos;
  size_t sn = ph_cur_span(c, ph_is_sip_token);
  if (ph_ieq(c->p + ts, tn, "application") && ph_ieq(c->p + ss, sn, "sdp"))
    return PH_CT_SDP;
  if (ph_ieq(c->p + ts, tn, "multipart") && sn > 0)
    return PH_CT_MULTIPART;
  return PH_CT_OTHER;
}

/* ;expires= of the first Contact value. */
static void ph_contact_expires(const uint8_t *p, size_t s, size_t e,
                               pinhole_sip_msg *m) {
  ph_cur c = {p, s, e};
  ph_av v;
  ph_par r;
  uint32_t x;
  if (pinhole__sip_addr_value(&c, &v) != 1)
    return;
  ph_cur pc = {p, v.par_s, v.par_e};
  while (pinhole__sip_param(&pc, &r) == 1) {
    if (ph_ieq(p + r.ns, r.ne - r.ns, "expires") &&
        ph_dec_sat(p + r.vs, r.ve - r.vs, &x) == 0) {
      m->expires = x;
      m->flags |= PINHOLE_SIP_MSG_EXPIRES | PINHOLE_SIP_MSG_CONTACT_EXPIRES;
      return;
    }
  }
}

static int ph_content_length(const uint8_t *p, size_t s, size_t e,
                             pinhole_sip_msg *m) {
  uint32_t v;
  if ((m->flags & PINHOLE_SIP_MSG_CONTENT_LENGTH) ||
      ph_dec(p + s, e - s, PINHOLE_SIP_MAX_BODY, &v))
    return PINHOLE_ERR_PARSE;
  m->content_length = v;
  m->content_length_value.off = s;
  m->content_length_value.len = e - s;
  m->flags |= PINHOLE_SIP_MSG_CONTENT_LENGTH;
  return 0;
}

/* Interprets one complete header field. */
static int ph_header(const uint8_t *p, const ph_hdr *h, pinhole_sip_msg *m,
                     ph_pstate *st) {
  size_t s = h->val_off, e = h->val_end;
  ph_trim(p, &s, &e);
  ph_cur c = {p, s, e};
  switch (h->id) {
  case PH_H_CLEN:
    return ph_content_length(p, s, e, m);
  case PH_H_CTYPE:
    if (st->ctype_seen)
      return PINHOLE_ERR_PARSE;
    st->ctype_seen = 1;
    switch (ph_ctype(&c)) {
    case PH_CT_SDP:
      m->flags |= PINHOLE_SIP_MSG_SDP;
      break;
    case PH_CT_MULTIPART:
      m->flags |= PINHOLE_SIP_MSG_MULTIPART;
      break;
    default:
      break;
    }
    return 0;
  case PH_H_CENC:
    if (e > s && !ph_ieq(p + s, e - s, "identity"))
      m->flags |= PINHOLE_SIP_MSG_ENCODED;
    return 0;
  case PH_H_CALLID:
    if ((m->flags & PINHOLE_SIP_MSG_CALL_ID) || e == s)
      return PINHOLE_ERR_PARSE;
    m->call_id.off = s;
    m->call_id.len = e - s;
    m->flags |= PINHOLE_SIP_MSG_CALL_ID;
    return 0;
  case PH_H_CSEQ:
    if (m->flags & PINHOLE_SIP_MSG_CSEQ)
      return PINHOLE_ERR_PARSE;
    return ph_cseq(p, s, e, m);
  case PH_H_EXPIRES:
    if (!st->hdr_expires && ph_dec_sat(p + s, e - s, &st->hdr_expires_v) == 0)
      st->hdr_expires = 1;
    return 0;
  case PH_H_CONTACT:
    if (!(m->flags & PINHOLE_SIP_MSG_CONTACT))
      ph_contact_expires(p, s, e, m);
    m->flags |= PINHOLE_SIP_MSG_CONTACT;
    return 0;
  case PH_H_VIA:
    m->via_count++;
    return 0;
  default:
    return 0;
  }
}

/* Reads one header line starting at pos (ending at eol) into h. */
static int ph_header_line(const uint8_t *p, size_t pos, size_t eol, ph_hdr *h) {
  ph_cur c = {p, pos, eol};
  size_t n = ph_cur_span(&c, ph_is_sip_token);
  size_t ne = c.pos;
  ph_cur_skip_ws(&c);
  if (n == 0 || !ph_cur_eat(&c, ':'))
    return PINHOLE_ERR_PARSE;
  h->id = ph_header_id(p + pos, ne - pos);
  h->name_off = pos;
  h->val_off = c.pos;
  h->val_end = eol;
  return 0;
}

/* Blank bytes (keep-alives) at the start of p[0..len). */
static size_t ph_blank_len(const uint8_t *p, size_t len) {
  ph_cur c = ph_cur_make(p, len);
  return ph_cur_span(&c, ph_is_lws);
}

/* What follows a datagram's Content-Length body: nothing or blanks; a
 * second message (its start line is complete and valid); anything else
 * means the Content-Length is wrong. */
static int ph_datagram_rest(const uint8_t *p, size_t len) {
  size_t s = ph_blank_len(p, len), eol;
  pinhole_sip_msg m2;
  if (s == len)
    return 0;
  memset(&m2, 0, sizeof(m2));
  if (ph_line(p, len, s, 0, &eol) == 0 && ph_start_line(p, s, eol, &m2) == 0)
    return PINHOLE_ERR_POLICY;
  return PINHOLE_ERR_RANGE;
}

static int ph_body(const uint8_t *p, size_t len, int stream,
                   pinhole_sip_msg *m) {
  size_t avail = len - m->hdr_len;
  if (m->flags & PINHOLE_SIP_MSG_CONTENT_LENGTH) {
    if (avail < m->content_length)
      return stream ? PINHOLE_ERR_PARTIAL : PINHOLE_ERR_RANGE;
    m->body_len = m->content_length;
  } else if (stream) {
    m->body_len = 0;
  } else {
    if (avail > PINHOLE_SIP_MAX_BODY)
      return PINHOLE_ERR_PARSE;
    m->body_len = avail;
  }
  m->msg_len = m->hdr_len + m->body_len;
  return stream ? 0 : ph_datagram_rest(p + m->msg_len, len - m->msg_len);
}

/* The header block after the start line, from pos; fields into hdrs. */
static int ph_fields(const uint8_t *p, size_t len, size_t pos, int stream,
                     pinhole_sip_msg *m, ph_hdr *hdrs) {
  ph_pstate st = {0, 0, 0};
  size_t eol = 0, n = 0;
  int rc;
  for (;; pos = eol + 2) {
    if ((rc = ph_line(p, len, pos, stream, &eol)) != 0)
      return rc;
    if (eol > pos && ph_is_ws(p[pos])) {
      /* a fold: the field above continues */
      if (n == 0 || eol - hdrs[n - 1].name_off > PINHOLE_SIP_MAX_LINE)
        return PINHOLE_ERR_PARSE;
      hdrs[n - 1].val_end = eol;
      continue;
    }
    if (n > 0 && (rc = ph_header(p, &hdrs[n - 1], m, &st)) != 0)
      return rc;
    if (eol == pos)
      break;
    if (n == PINHOLE_SIP_MAX_HEADERS)
      return PINHOLE_ERR_PARSE;
    if ((rc = ph_header_line(p, pos, eol, &hdrs[n])) != 0)
      return rc;
    n++;
  }
  m->header_count = (uint32_t)n;
  m->hdr_len = pos + 2;
  if (!(m->flags & PINHOLE_SIP_MSG_CONTACT_EXPIRES) && st.hdr_expires) {
    m->expires = st.hdr_expires_v;
    m->flags |= PINHOLE_SIP_MSG_EXPIRES;
  }
  return 0;
}

/* The parser behind pinhole_sip_parse(); hdrs receives the fields. */
int pinhole__sip_parse(const uint8_t *p, size_t len, uint32_t flags,
                       pinhole_sip_msg *m, ph_hdr *hdrs) {
  int stream = (flags & PINHOLE_SIP_STREAM) != 0;
  size_t pos = ph_blank_len(p, len), eol = 0;
  int rc;
  memset(m, 0, sizeof(*m));
  if (pos > 0 && (stream || pos == len)) {
    m->msg_len = pos;
    return PINHOLE_ERR_NOMATCH;
  }
  m->start_off = pos;
  if ((rc = ph_line(p, len, pos, stream, &eol)) != 0 ||
      (rc = ph_start_line(p, pos, eol, m)) != 0 ||
      (rc = ph_fields(p, len, eol + 2, stream, m, hdrs)) != 0)
    return rc;
  if (!(m->flags & PINHOLE_SIP_MSG_REQUEST))
    m->method = m->cseq_method;
  return ph_body(p, len, stream, m);
}

int pinhole_sip_parse(const uint8_t *p, size_t len, uint32_t flags,
                      pinhole_sip_msg *m) {
  ph_hdr hdrs[PINHOLE_SIP_MAX_HEADERS];
  if (m == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  if ((p == NULL && len > 0) || (flags & ~(uint32_t)PINHOLE_SIP_STREAM))
    return PINHOLE_ERR_INVALID_ARG;
  return pinhole__sip_parse(p, len, flags, m, hdrs);
}

/* ------------------------------------------------------------------ */
/* Stream prefix                                                       */

/* Could the unfinished start line q[0..n) (no CR yet) still become one
 * ph_start_line() accepts? */
static int ph_start_prefix(const uint8_t *q, size_t n) {
  ph_cur c = ph_cur_make(q, n);
  const uint8_t *d = q; /* taken below; set for GCC -Og's flow analysis */
  if (n <= 8 && ph_iprefix(q, n, "SIP/2.0 "))
    return 1; /* a status line, or the method "SIP" */
  if (ph_cur_eat_word(&c, "SIP/2.0 ")) {
    size_t k = ph_cur_left(&c) < 3 ? ph_cur_left(&c) : 3;
    ph_cur_take(&c, k, &d);
    for (size_t i = 0; i < k; i++)
      if (!ph_is_digit(d[i]) || (i == 0 && (d[0] < '1' || d[0] > '6')))
        return 0;
    return ph_cur_left(&c) == 0 || ph_cur_peek(&c) == ' ';
  }
  if (ph_cur_span(&c, ph_is_sip_token) == 0)
    return 0;
  if (ph_cur_left(&c) == 0)
    return 1;
  if (!ph_cur_eat(&c, ' '))
    return 0;
  size_t us = c.pos;
  ph_cur_span(&c, ph_is_ruri);
  if (ph_cur_left(&c) == 0)
    return 1;
  if (c.pos == us || memchr(q + us, ':', c.pos - us) == NULL ||
      !ph_cur_eat(&c, ' '))
    return 0;
  return ph_cur_left(&c) <= 7 &&
         ph_iprefix(q + c.pos, ph_cur_left(&c), "SIP/2.0");
}

/* Could the unfinished header line q[s..n) still become a field or the
 * empty line? */
static int ph_field_prefix(const uint8_t *q, size_t s, size_t n) {
  ph_cur c = {q, s, n};
  if (ph_cur_left(&c) == 0 || ph_is_ws(q[s]) || q[s] == '\r')
    return 1;
  if (ph_cur_span(&c, ph_is_sip_token) == 0)
    return 0;
  ph_cur_skip_ws(&c);
  return ph_cur_left(&c) == 0 || ph_cur_peek(&c) == ':';
}

int pinhole_sip_prefix(const uint8_t *p, size_t len) {
  ph_hdr hdrs[PINHOLE_SIP_MAX_HEADERS];
  pinhole_sip_msg m;
  size_t eol;
  if (p == NULL)
    return len == 0;
  size_t s = ph_blank_len(p, len);
  const uint8_t *q = p + s;
  size_t n = len - s;
  int rc = pinhole__sip_parse(q, n, PINHOLE_SIP_STREAM, &m, hdrs);
  if (rc == 0 || n == 0)
    return 1;
  if (rc != PINHOLE_ERR_PARTIAL)
    return 0;
  if (ph_line(q, n, 0, 1, &eol) != 0) { /* the start line is unfinished */
    if (q[n - 1] != '\r')
      return ph_start_prefix(q, n);
    memset(&m, 0, sizeof(m));
    return ph_start_line(q, 0, n - 1, &m) == 0;
  }
  if (m.hdr_len > 0) /* the body is */
    return 1;
  size_t ls = n;
  while (q[ls - 1] != '\n')
    ls--;
  return ph_field_prefix(q, ls, n);
}

/* ------------------------------------------------------------------ */
/* Multipart bodies (RFC 2046 5.1)                                     */

/* The boundary parameter of a multipart Content-Type value, at the
 * cursor (after the subtype): 1..70 bchars, not ending in a space,
 * quoted or not. */
static int ph_boundary(ph_cur *c, size_t *bs, size_t *be) {
  ph_par r;
  int k;
  while ((k = pinhole__sip_param(c, &r)) == 1) {
    if (!ph_ieq(c->p + r.ns, r.ne - r.ns, "boundary"))
      continue;
    size_t s = r.vs, e = r.ve;
    if (e - s >= 2 && c->p[s] == '"') {
      s++;
      e--;
    }
    if (e == s || e - s > PINHOLE_SIP_MAX_BOUNDARY || c->p[e - 1] == ' ')
      return PINHOLE_ERR_PARSE;
    for (size_t i = s; i < e; i++)
      if (!ph_is_alnum(c->p[i]) &&
          (c->p[i] == 0 || strchr("'()+_,-./:=? ", c->p[i]) == NULL))
        return PINHOLE_ERR_PARSE;
    *bs = s;
    *be = e;
    return 0;
  }
  return PINHOLE_ERR_PARSE;
}

/* Is the line p[ls..le) (le at its LF or the end) "--boundary", with
 * "--" after it for the last one, then blanks? */
static int ph_delimiter(const uint8_t *p, size_t ls, size_t le,
                        const uint8_t *bd, size_t bn, int *last) {
  ph_cur c = {p, ls, le};
  if (!ph_cur_eat(&c, '-') || !ph_cur_eat(&c, '-') || ph_cur_left(&c) < bn ||
      memcmp(p + c.pos, bd, bn) != 0)
    return 0;
  c.pos += bn;
  *last = ph_cur_left(&c) >= 2 && p[c.pos] == '-' && p[c.pos + 1] == '-';
  c.pos += *last ? 2 : 0;
  ph_cur_skip_ws(&c);
  ph_cur_eat(&c, '\r');
  return ph_cur_left(&c) == 0;
}

/* What one part's headers say. */
typedef struct ph_part {
  int type;    /* PH_CT_* */
  int encoded; /* a transfer or content encoding */
  int length;  /* a Content-Length of its own */
} ph_part;

/* One part header line p[s..e), folds included. */
static int ph_part_field(const uint8_t *p, size_t s, size_t e, ph_part *pt) {
  ph_cur c = {p, s, e};
  size_t n = ph_cur_span(&c, ph_is_sip_token);
  size_t ve = e;
  ph_cur_skip_ws(&c);
  if (n == 0 || !ph_cur_eat(&c, ':'))
    return PINHOLE_ERR_PARSE;
  size_t vs = c.pos;
  ph_trim(p, &vs, &ve);
  ph_cur v = {p, vs, ve};
  uint8_t id = ph_header_id(p + s, n);
  if (ph_ieq(p + s, n, "Content-Transfer-Encoding"))
    pt->encoded |= !ph_ieq(p + vs, ve - vs, "7bit") &&
                   !ph_ieq(p + vs, ve - vs, "8bit") &&
                   !ph_ieq(p + vs, ve - vs, "binary");
  else if (id == PH_H_CENC)
    pt->encoded |= !ph_ieq(p + vs, ve - vs, "identity");
  else if (id == PH_H_CLEN)
    pt->length = 1;
  else if (id == PH_H_CTYPE)
    pt->type = ph_ctype(&v);
  return 0;
}

/* The part p[s..e): its headers, and where its content starts (*cs). */
static int ph_part_read(const uint8_t *p, size_t s, size_t e, ph_part *pt,
                        size_t *cs) {
  size_t pos = s, fs = 0, fe = 0;
  int rc, open = 0;
  memset(pt, 0, sizeof(*pt));
  *cs = e;
  while (pos < e) {
    const uint8_t *nl = memchr(p + pos, '\n', e - pos);
    size_t le = nl != NULL ? (size_t)(nl - p) : e;
    size_t next = nl != NULL ? le + 1 : e, ce = le;
    if (ce > pos && p[ce - 1] == '\r')
      ce--;
    if (ce == pos || !ph_is_ws(p[pos])) {
      if (open && (rc = ph_part_field(p, fs, fe, pt)) != 0)
        return rc;
      open = 0;
    }
    if (ce == pos) {
      *cs = next;
      return 0;
    }
    if (ph_is_ws(p[pos]) && !open)
      return PINHOLE_ERR_PARSE;
    if (!open)
      fs = pos;
    fe = ce;
    open = 1;
    pos = next;
  }
  return open ? ph_part_field(p, fs, fe, pt) : 0;
}

/* Where a part's content ends: before the line break ahead of the
 * delimiter line at ls (not before s, the content's start). */
static size_t ph_part_end(const uint8_t *p, size_t s, size_t ls) {
  if (ls > s && p[ls - 1] == '\n')
    ls--;
  if (ls > s && p[ls - 1] == '\r')
    ls--;
  return ls;
}

/* Checks the part p[s..e) and notes it if it is the SDP. */
static int ph_part_sdp(const uint8_t *p, size_t s, size_t e,
                       pinhole_sip_range *sdp) {
  ph_part pt;
  size_t cs;
  int rc = ph_part_read(p, s, e, &pt, &cs);
  if (rc != 0)
    return rc;
  if (pt.type == PH_CT_MULTIPART)
    return PINHOLE_ERR_UNSUPPORTED;
  if (pt.type != PH_CT_SDP)
    return 0;
  if (pt.encoded || pt.length || sdp->off > 0) /* sdp->off: a second one */
    return PINHOLE_ERR_UNSUPPORTED;
  sdp->off = cs;
  sdp->len = e - cs;
  return 1;
}

/* Finds the SDP part of the multipart body p[s..e) with boundary bd.
 * Returns 1 (*sdp set), 0 when there is none, or an error. */
static int ph_multipart(const uint8_t *p, size_t s, size_t e, const uint8_t *bd,
                        size_t bn, pinhole_sip_range *sdp) {
  size_t pos = s, part = 0;
  int in = 0, last = 0, found = 0, rc;
  while (pos < e && !last) {
    size_t ls = pos;
    const uint8_t *nl = memchr(p + ls, '\n', e - ls);
    size_t le = nl != NULL ? (size_t)(nl - p) : e;
    pos = nl != NULL ? le + 1 : e;
    int is_last;
    if (!ph_delimiter(p, ls, le, bd, bn, &is_last))
      continue;
    if (in && (rc = ph_part_sdp(p, part, ph_part_end(p, part, ls), sdp)) != 0) {
      if (rc < 0)
        return rc;
      found = 1;
    }
    in = 1;
    part = pos;
    last = is_last;
  }
  if (!last)
    return PINHOLE_ERR_PARSE;
  return found;
}

static const ph_hdr *ph_find_header(const ph_hdr *hdrs, uint32_t n,
                                    uint8_t id) {
  for (uint32_t i = 0; i < n; i++)
    if (hdrs[i].id == id)
      return &hdrs[i];
  return NULL;
}

/* Where the SDP of a parsed message is. Returns 1 (*sdp set), 0 when it
 * has none, or PINHOLE_ERR_PARSE / PINHOLE_ERR_UNSUPPORTED. */
int pinhole__sip_body_sdp(const uint8_t *p, const pinhole_sip_msg *m,
                          const ph_hdr *hdrs, pinhole_sip_range *sdp) {
  uint32_t kind = m->flags & (PINHOLE_SIP_MSG_SDP | PINHOLE_SIP_MSG_MULTIPART);
  size_t bs, be;
  memset(sdp, 0, sizeof(*sdp));
  if (kind == 0 || m->body_len == 0)
    return 0;
  if (m->flags & PINHOLE_SIP_MSG_ENCODED)
    return PINHOLE_ERR_UNSUPPORTED;
  if (kind == PINHOLE_SIP_MSG_SDP) {
    sdp->off = m->hdr_len;
    sdp->len = m->body_len;
    return 1;
  }
  const ph_hdr *h = ph_find_header(hdrs, m->header_count, PH_H_CTYPE);
  if (h == NULL)
    return PINHOLE_ERR_PARSE;
  ph_cur c = {p, h->val_off, h->val_end};
  ph_ctype(&c);
  if (ph_boundary(&c, &bs, &be) != 0)
    return PINHOLE_ERR_PARSE;
  return ph_multipart(p, m->hdr_len, m->msg_len, p + bs, be - bs, sdp);
}

int pinhole_sip_sdp_find(const uint8_t *p, size_t len, uint32_t flags,
                         pinhole_sip_range *sdp) {
  ph_hdr hdrs[PINHOLE_SIP_MAX_HEADERS];
  pinhole_sip_msg m;
  if (sdp == NULL || (p == NULL && len > 0) ||
      (flags & ~(uint32_t)PINHOLE_SIP_STREAM))
    return PINHOLE_ERR_INVALID_ARG;
  memset(sdp, 0, sizeof(*sdp));
  int rc = pinhole__sip_parse(p, len, flags, &m, hdrs);
  if (rc == 0)
    rc = pinhole__sip_body_sdp(p, &m, hdrs, sdp);
  return rc == 1 ? 0 : rc == 0 ? PINHOLE_ERR_NOMATCH : rc;
}

/* ------------------------------------------------------------------ */
/* The sender's listening port                                         */

/* A port the sender at addr names as its own, other than conn_port: 1
 * with *port, 0 when this one is not (another host, conn_port),
 * PINHOLE_ERR_RANGE for port 0. */
static int ph_own_port(uint16_t port, uint16_t conn_port, uint16_t *out) {
  if (port == 0)
    return PINHOLE_ERR_RANGE;
  if (port == conn_port)
    return 0;
  *out = port;
  return 1;
}

/* The sender: its IPv4 address, or (addr6 not NULL) its IPv6 one. */
typedef struct ph_who {
  const uint8_t *addr6;
  uint32_t addr;
} ph_who;

/* Is the Via sent-by host p[s..e) the sender's address ("[...]" for an
 * IPv6 one, RFC 3261 sec. 25.1 IPv6reference)? */
static int ph_via_host_is(const uint8_t *p, size_t s, size_t e,
                          const ph_who *w) {
  if (w->addr6 == NULL) {
    uint32_t a;
    return ph_ipv4_text(p + s, e - s, &a) == 0 && a == w->addr;
  }
  uint8_t a6[16];
  ph_cur c = {p, s, e};
  return ph_cur_eat(&c, '[') && ph_cur_ipv6(&c, a6) == 0 &&
         ph_cur_eat(&c, ']') && ph_cur_left(&c) == 0 &&
         memcmp(a6, w->addr6, 16) == 0;
}

/* The top Via value (the first value of the first Via field). */
static int ph_listen_via(const uint8_t *p, const ph_hdr *h, const ph_who *w,
                         uint16_t conn_port, uint16_t *port) {
  ph_cur c = {p, h->val_off, h->val_end};
  ph_via v;
  int r = pinhole__sip_via_value(&c, &v);
  if (r < 0)
    return PINHOLE_ERR_PARSE;
  if (r == 0 || !ph_via_host_is(p, v.host_s, v.host_e, w))
    return 0;
  return ph_own_port(v.has_port ? v.port : v.def_port, conn_port, port);
}

/* The URIs of a Contact field, in order. */
static int ph_listen_contact(const uint8_t *p, const ph_hdr *h, const ph_who *w,
                             uint16_t conn_port, uint16_t *port) {
  ph_cur c = {p, h->val_off, h->val_end};
  ph_av v;
  ph_hp hp;
  int r;
  while ((r = pinhole__sip_addr_value(&c, &v)) == 1) {
    if (v.uri_e == v.uri_s ||
        !pinhole__sip_uri_hostport(p, v.uri_s, v.uri_e, &hp) ||
        hp.ip6 != (w->addr6 != NULL) ||
        (hp.ip6 ? memcmp(hp.addr6, w->addr6, 16) != 0 : hp.addr != w->addr))
      continue;
    int k = ph_own_port(hp.has_port ? hp.port : hp.def_port, conn_port, port);
    if (k != 0)
      return k;
  }
  return 0;
}

static int ph_listen_port(const uint8_t *p, size_t len, uint32_t flags,
                          const ph_who *w, uint16_t conn_port, uint16_t *port) {
  ph_hdr hdrs[PINHOLE_SIP_MAX_HEADERS];
  pinhole_sip_msg m;
  if (port == NULL || (p == NULL && len > 0) ||
      (flags & ~(uint32_t)PINHOLE_SIP_STREAM))
    return PINHOLE_ERR_INVALID_ARG;
  *port = 0;
  int rc = pinhole__sip_parse(p, len, flags, &m, hdrs);
  if (rc != 0)
    return rc;
  if (!(m.flags & PINHOLE_SIP_MSG_REQUEST))
    return PINHOLE_ERR_NOMATCH;
  uint32_t i = 0;
  while (i < m.header_count && hdrs[i].id != PH_H_VIA)
    i++;
  if (i < m.header_count &&
      (rc = ph_listen_via(p, &hdrs[i], w, conn_port, port)) != 0)
    return rc < 0 ? rc : 0;
  for (i = 0; i < m.header_count; i++)
    if (hdrs[i].id == PH_H_CONTACT &&
        (rc = ph_listen_contact(p, &hdrs[i], w, conn_port, port)) != 0)
      return rc < 0 ? rc : 0;
  return PINHOLE_ERR_NOMATCH;
}

int pinhole_sip_listen_port(const uint8_t *p, size_t len, uint32_t flags,
                            uint32_t addr, uint16_t conn_port, uint16_t *port) {
  ph_who w = {NULL, addr};
  return ph_listen_port(p, len, flags, &w, conn_port, port);
}

int pinhole_sip_listen_port6(const uint8_t *p, size_t len, uint32_t flags,
                             const uint8_t addr6[16], uint16_t conn_port,
                             uint16_t *port) {
  if (addr6 == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  ph_who w = {addr6, 0};
  return ph_listen_port(p, len, flags, &w, conn_port, port);
}

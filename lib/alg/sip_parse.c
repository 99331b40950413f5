/*
 * SIP ALG, pure part: message framing and parsing (RFC 3261), the stream
 * prefix test, SDP parsing (RFC 8866, RFC 3605 a=rtcp), multipart bodies
 * (RFC 2046) and the NAT rewriter.
 *
 * One rule decides what is rewritten, in every message and in both
 * directions: a sip: or sips: URI whose host is the IPv4 literal from.addr
 * and whose port (or the scheme's default) is from.port becomes
 * to.addr[:to.port], wherever the grammar puts a URI: the Request-URI and
 * every value of the fields in ph_hnames[] whose values are name-addr,
 * addr-spec or <URI> (RFC 3261 section 20 and the extensions named
 * there). The same for the sent-by of every Via value, with its received=
 * address and, in such a value, its rport= port (RFC 3581). Call-ID and
 * the fields that name Call-IDs are opaque words: every from.addr host
 * token in them becomes to.addr. In the SDP (a body of type
 * application/sdp, or the one application/sdp part of a multipart body):
 * o=, c= and a=rtcp addresses equal to from.addr, m= and a=rtcp ports in
 * the caller's port map. Content-Length follows the body.
 *
 * Fail closed: the output is parsed again and every from.addr host token
 * left in its header block or SDP (ICE candidate lines aside) is counted
 * as leftover, for the caller to drop the message.
 *
 * Limits: IPv4 literals only; no compressed or transfer-encoded SDP, no
 * nested multipart, one SDP per message; lines end in CRLF; no TLS (the
 * ALG cannot see it).
 *
 * The rewriter never edits in place: it walks the message in order and
 * emits copy ranges and replacements into a sink (text.h) that counts
 * what it would write past the caller's capacity. It runs the SDP once
 * into a counting sink to learn the new Content-Length, then writes
 * everything.
 */
#include <pinhole/sip.h>

#include <string.h>

#include "alg/text.h"

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

/* A byte of an SDP field (fields are separated by single spaces). */
static int ph_is_sdp_field(uint8_t c) {
  return c != ' ';
}

static int ph_is_sp(uint8_t c) {
  return c == ' ';
}

/* ------------------------------------------------------------------ */
/* Header names                                                        */

enum ph_hid {
  PH_H_OTHER = 0,
  PH_H_VIA,
  PH_H_CONTACT,
  PH_H_CLEN,
  PH_H_CTYPE,
  PH_H_CENC,
  PH_H_CALLID,
  PH_H_CSEQ,
  PH_H_EXPIRES,
  PH_H_ROUTE,   /* routing sets: Route, Record-Route, Path, Service-Route */
  PH_H_FROM_TO, /* From, To */
  PH_H_URI,     /* the other fields whose values carry URIs */
  PH_H_CALLREF  /* fields naming Call-IDs: Replaces, Join, In-Reply-To */
};

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

/* One value of a field that carries URIs. */
typedef struct ph_av {
  size_t uri_s, uri_e; /* the URI (empty for Contact: *) */
  size_t par_s, par_e; /* header parameters after it */
} ph_av;

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
static int ph_addr_value(ph_cur *c, ph_av *v) {
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

/* One ";name[=value]". */
typedef struct ph_par {
  size_t ns, ne, vs, ve; /* value empty (vs == ve) when absent */
} ph_par;

/* Reads one parameter at the cursor (after blanks). Returns 1, 0 when the
 * next non-blank byte is not ';' (cursor unchanged), -1 when malformed. */
static int ph_param(ph_cur *c, ph_par *r) {
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

/* Host and port of a sip: or sips: URI with an IPv4 literal host. */
typedef struct ph_hp {
  size_t host_s, host_e, port_e;
  uint32_t addr;
  uint16_t port, def_port;
  int has_port;
} ph_hp;

/* Returns 1 when p[us..ue) is such a URI, else 0. */
static int ph_uri_hostport(const uint8_t *p, size_t us, size_t ue, ph_hp *h) {
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
  if (ph_cur_ipv4(&c, &h->addr) != 0)
    return 0;
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

/* One Via value. */
typedef struct ph_via {
  size_t host_s, host_e, port_e; /* sent-by: host [":" port] */
  size_t par_s, par_e;           /* its parameters */
  uint16_t port, def_port;
  int has_port;
} ph_via;

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
static int ph_via_value(ph_cur *c, ph_via *v) {
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
  while ((k = ph_param(c, &r)) == 1)
    ;
  v->par_e = c->pos;
  ph_cur_span(c, ph_is_lws);
  if (k < 0 || (ph_cur_left(c) > 0 && !ph_cur_eat(c, ',')))
    return -1;
  return 1;
}

/* ------------------------------------------------------------------ */
/* Message framing and parsing                                         */

typedef struct ph_hdr {
  uint8_t id;
  size_t name_off;
  size_t val_off; /* just past the colon */
  size_t val_end; /* the CR ending the field's last line */
} ph_hdr;

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
  if (ph_addr_value(&c, &v) != 1)
    return;
  ph_cur pc = {p, v.par_s, v.par_e};
  while (ph_param(&pc, &r) == 1) {
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
static int ph_parse(const uint8_t *p, size_t len, uint32_t flags,
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
  return ph_parse(p, len, flags, m, hdrs);
}

/* ------------------------------------------------------------------ */
/* Stream prefix                                                       */

/* Could the unfinished start line q[0..n) (no CR yet) still become one
 * ph_start_line() accepts? */
static int ph_start_prefix(const uint8_t *q, size_t n) {
  ph_cur c = ph_cur_make(q, n);
  const uint8_t *d;
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
  int rc = ph_parse(q, n, PINHOLE_SIP_STREAM, &m, hdrs);
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
/* SDP                                                                 */

/* Next line of b[0..len) from *pos: content [*ls, *le) without CRLF/LF.
 * Returns 1, 0 at the end, PINHOLE_ERR_PARSE on NUL or a bare CR. */
static int ph_sdp_line(const uint8_t *b, size_t len, size_t *pos, size_t *ls,
                       size_t *le) {
  size_t i = *pos;
  if (i >= len)
    return 0;
  *ls = i;
  while (i < len && b[i] != '\n') {
    if (b[i] == 0 || (b[i] == '\r' && (i + 1 >= len || b[i + 1] != '\n')))
      return PINHOLE_ERR_PARSE;
    if (b[i] == '\r')
      break;
    i++;
  }
  *le = i;
  if (i < len && b[i] == '\r')
    i++;
  if (i < len)
    i++;
  *pos = i;
  return 1;
}

/* Next space-separated field at the cursor. Returns 1 or 0 when none. */
static int ph_sdp_field(ph_cur *c, size_t *fs, size_t *fe) {
  ph_cur_span(c, ph_is_sp);
  *fs = c->pos;
  ph_cur_span(c, ph_is_sdp_field);
  *fe = c->pos;
  return *fe > *fs;
}

/* An address field of o=, c= or a=rtcp:. */
typedef struct ph_sdp_addr {
  size_t s, e; /* the address itself (without a /ttl suffix) */
  uint32_t addr;
  int ip4; /* 1: IN IP4 literal */
} ph_sdp_addr;

/* Reads "nettype addrtype address" at the cursor. Returns 0 or -1. */
static int ph_sdp_nataddr(ph_cur *c, ph_sdp_addr *a) {
  size_t ns, ne, ts, te, as, ae;
  if (!ph_sdp_field(c, &ns, &ne) || !ph_sdp_field(c, &ts, &te) ||
      !ph_sdp_field(c, &as, &ae))
    return -1;
  const uint8_t *b = c->p;
  const uint8_t *sl = memchr(b + as, '/', ae - as);
  a->s = as;
  a->e = sl != NULL ? (size_t)(sl - b) : ae;
  a->ip4 = ph_eq(b + ns, ne - ns, "IN") && ph_eq(b + ts, te - ts, "IP4") &&
           ph_ipv4_text(b + as, a->e - as, &a->addr) == 0;
  return 0;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
static int ph_sdp_origin(const uint8_t *b, size_t s, size_t e, ph_sdp_addr *a) {
  ph_cur c = {b, s, e};
  size_t fs, fe;
  for (int i = 0; i < 3; i++)
    if (!ph_sdp_field(&c, &fs, &fe))
      return -1;
  return ph_sdp_nataddr(&c, a);
}

/* m=<media> <port>[/<count>] <proto> <fmt> ... */
typedef struct ph_sdp_m {
  uint32_t type;
  size_t port_s, port_e;
  uint16_t port, count;
} ph_sdp_m;

static int ph_sdp_mline(const uint8_t *b, size_t s, size_t e, ph_sdp_m *mm) {
  static const char *const types[] = {"audio",       "video",   "text",
                                      "application", "message", "image"};
  ph_cur c = {b, s, e};
  size_t ms, me, ps, pe, fs, fe;
  uint32_t v, n = 1;
  if (!ph_sdp_field(&c, &ms, &me) || !ph_sdp_field(&c, &ps, &pe) ||
      !ph_sdp_field(&c, &fs, &fe))
    return -1;
  mm->type = PINHOLE_SDP_MEDIA_OTHER;
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    if (ph_eq(b + ms, me - ms, types[i]))
      mm->type = (uint32_t)(i + 1);
  const uint8_t *sl = memchr(b + ps, '/', pe - ps);
  size_t x = sl != NULL ? (size_t)(sl - b) : pe;
  if (ph_dec(b + ps, x - ps, 65535, &v))
    return -1;
  if (x < pe && (ph_dec(b + x + 1, pe - x - 1, 65535, &n) || n == 0))
    return -1;
  mm->port_s = ps;
  mm->port_e = x;
  mm->port = (uint16_t)v;
  mm->count = (uint16_t)n;
  return 0;
}

/* a=rtcp:<port> [<nettype> <addrtype> <address>]; s is past "rtcp:". */
typedef struct ph_sdp_rtcp {
  size_t port_s, port_e;
  uint16_t port;
  int has_addr;
  ph_sdp_addr a;
} ph_sdp_rtcp;

static int ph_sdp_rtcpline(const uint8_t *b, size_t s, size_t e,
                           ph_sdp_rtcp *r) {
  ph_cur c = {b, s, e};
  size_t ps, pe;
  uint32_t v;
  if (!ph_sdp_field(&c, &ps, &pe) || ph_dec(b + ps, pe - ps, 65535, &v))
    return -1;
  r->port_s = ps;
  r->port_e = pe;
  r->port = (uint16_t)v;
  r->has_addr = 0;
  ph_cur t = c;
  if (!ph_sdp_field(&t, &ps, &pe))
    return 0;
  if (ph_sdp_nataddr(&c, &r->a))
    return -1;
  r->has_addr = 1;
  return 0;
}

/* Line type of b[ls..le): 'x' for "x=", 0 for an empty line, -1 else. */
static int ph_sdp_type(const uint8_t *b, size_t ls, size_t le) {
  if (le == ls)
    return 0;
  if (le - ls < 2 || b[ls] < 'a' || b[ls] > 'z' || b[ls + 1] != '=')
    return -1;
  return b[ls];
}

static int ph_is_rtcp(const uint8_t *b, size_t s, size_t e) {
  return e - s >= 5 && memcmp(b + s, "rtcp:", 5) == 0;
}

/* a=candidate: and a=remote-candidates: (ICE, RFC 8839) lines. */
static int ph_is_ice(const uint8_t *b, size_t ls, size_t le) {
  static const char *const names[] = {"a=candidate:", "a=remote-candidates:"};
  for (size_t i = 0; i < 2; i++) {
    size_t n = strlen(names[i]);
    if (le - ls >= n && memcmp(b + ls, names[i], n) == 0)
      return 1;
  }
  return 0;
}

static void ph_sdp_conn(pinhole_sdp *sd, int cur, const ph_sdp_addr *a) {
  if (cur < 0) {
    if (sd->flags & (PINHOLE_SDP_CONN | PINHOLE_SDP_CONN_OTHER))
      return;
    sd->flags |= a->ip4 ? PINHOLE_SDP_CONN : PINHOLE_SDP_CONN_OTHER;
    sd->conn_addr = a->ip4 ? a->addr : 0;
    return;
  }
  pinhole_sdp_media *md = &sd->media[cur];
  if (md->flags & (PINHOLE_SDP_MEDIA_CONN | PINHOLE_SDP_MEDIA_CONN_OTHER))
    return;
  md->flags |= a->ip4 ? PINHOLE_SDP_MEDIA_CONN : PINHOLE_SDP_MEDIA_CONN_OTHER;
  md->addr = a->ip4 ? a->addr : 0;
}

static void ph_sdp_rtcp_attr(pinhole_sdp_media *md, const ph_sdp_rtcp *r) {
  if (md->flags & PINHOLE_SDP_MEDIA_RTCP)
    return;
  md->flags |= PINHOLE_SDP_MEDIA_RTCP;
  md->rtcp_port = r->port;
  if (r->has_addr && r->a.ip4) {
    md->flags |= PINHOLE_SDP_MEDIA_RTCP_ADDR;
    md->rtcp_addr = r->a.addr;
  } else if (r->has_addr) {
    md->flags |= PINHOLE_SDP_MEDIA_RTCP_OTHER;
  }
}

static int ph_sdp_one(const uint8_t *b, int type, size_t s, size_t e,
                      pinhole_sdp *sd, int *cur) {
  ph_sdp_addr a;
  ph_cur c = {b, s, e};
  if (type == 'o') {
    if (ph_sdp_origin(b, s, e, &a))
      return PINHOLE_ERR_PARSE;
    if (a.ip4 && !(sd->flags & PINHOLE_SDP_ORIGIN)) {
      sd->flags |= PINHOLE_SDP_ORIGIN;
      sd->origin_addr = a.addr;
    }
  } else if (type == 'c') {
    if (ph_sdp_nataddr(&c, &a))
      return PINHOLE_ERR_PARSE;
    ph_sdp_conn(sd, *cur, &a);
  } else if (type == 'm') {
    ph_sdp_m mm;
    if (sd->media_count == PINHOLE_SDP_MAX_MEDIA)
      return PINHOLE_ERR_FULL;
    if (ph_sdp_mline(b, s, e, &mm))
      return PINHOLE_ERR_PARSE;
    *cur = (int)sd->media_count++;
    sd->media[*cur].type = mm.type;
    sd->media[*cur].port = mm.port;
    sd->media[*cur].port_count = mm.count;
  } else if (type == 'a' && *cur >= 0 && ph_is_rtcp(b, s, e)) {
    ph_sdp_rtcp r;
    if (ph_sdp_rtcpline(b, s + 5, e, &r))
      return PINHOLE_ERR_PARSE;
    ph_sdp_rtcp_attr(&sd->media[*cur], &r);
  }
  return 0;
}

int pinhole_sip_sdp_parse(const uint8_t *body, size_t len, pinhole_sdp *s) {
  size_t pos = 0, ls, le;
  int cur = -1, rc;
  if (s == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  memset(s, 0, sizeof(*s));
  if (body == NULL && len > 0)
    return PINHOLE_ERR_INVALID_ARG;
  while ((rc = ph_sdp_line(body, len, &pos, &ls, &le)) == 1) {
    int type = ph_sdp_type(body, ls, le);
    if (type < 0)
      return PINHOLE_ERR_PARSE;
    if (type > 0 && (rc = ph_sdp_one(body, type, ls + 2, le, s, &cur)) != 0)
      return rc;
  }
  if (rc < 0)
    return rc;
  for (uint32_t i = 0; i < s->media_count; i++) {
    pinhole_sdp_media *md = &s->media[i];
    if (!(md->flags & (PINHOLE_SDP_MEDIA_CONN | PINHOLE_SDP_MEDIA_CONN_OTHER)))
      md->addr = s->conn_addr;
    if (!(md->flags &
          (PINHOLE_SDP_MEDIA_RTCP_ADDR | PINHOLE_SDP_MEDIA_RTCP_OTHER)))
      md->rtcp_addr = md->addr;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Multipart bodies (RFC 2046 5.1)                                     */

/* The boundary parameter of a multipart Content-Type value, at the
 * cursor (after the subtype): 1..70 bchars, not ending in a space,
 * quoted or not. */
static int ph_boundary(ph_cur *c, size_t *bs, size_t *be) {
  ph_par r;
  int k;
  while ((k = ph_param(c, &r)) == 1) {
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
  if (ph_ieq(p + s, n, "Content-Transfer-Encoding"))
    pt->encoded |= !ph_ieq(p + vs, ve - vs, "7bit") &&
                   !ph_ieq(p + vs, ve - vs, "8bit") &&
                   !ph_ieq(p + vs, ve - vs, "binary");
  else if (ph_header_id(p + s, n) == PH_H_CENC)
    pt->encoded |= !ph_ieq(p + vs, ve - vs, "identity");
  else if (ph_header_id(p + s, n) == PH_H_CLEN)
    pt->length = 1;
  else if (ph_header_id(p + s, n) == PH_H_CTYPE)
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
static int ph_body_sdp(const uint8_t *p, const pinhole_sip_msg *m,
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
  int rc = ph_parse(p, len, flags, &m, hdrs);
  if (rc == 0)
    rc = ph_body_sdp(p, &m, hdrs, sdp);
  return rc == 1 ? 0 : rc == 0 ? PINHOLE_ERR_NOMATCH : rc;
}

/* ------------------------------------------------------------------ */
/* Rewriter                                                            */

typedef struct ph_rw {
  const uint8_t *p;
  const pinhole_sip_msg *m;
  const ph_hdr *hdrs;
  const pinhole_sip_nat *nat;
  const pinhole_sdp *sdp; /* NULL: no SDP to rewrite */
  pinhole_endpoint from, to;
  int outbound;
  uint8_t from_txt[16]; /* from.addr as text */
  size_t from_len;
  pinhole_sip_result *res;
} ph_rw;

static void ph_put_addr(ph_sink *o, size_t s, size_t e, uint32_t addr) {
  uint8_t t[16];
  ph_sink_replace(o, s, e, t, ph_fmt_ipv4(t, addr));
}

static void ph_put_dec(ph_sink *o, size_t s, size_t e, uint32_t v) {
  uint8_t t[10];
  ph_sink_replace(o, s, e, t, ph_fmt_u32(t, v));
}

/* Replaces host[:port] at [s, e) with to.addr[:to.port]. */
static void ph_put_hostport(const ph_rw *rw, ph_sink *o, size_t s, size_t e,
                            int has_port, uint16_t def_port) {
  uint8_t t[24];
  size_t n = ph_fmt_ipv4(t, rw->to.addr);
  if (has_port || rw->to.port != def_port) {
    t[n++] = ':';
    n += ph_fmt_u32(t + n, rw->to.port);
  }
  ph_sink_replace(o, s, e, t, n);
}

static int ph_matches(const ph_rw *rw, uint32_t addr, int has_port,
                      uint16_t port, uint16_t def_port) {
  return addr == rw->from.addr && (has_port ? port : def_port) == rw->from.port;
}

/* Rewrites the URI p[us..ue) if it names the from endpoint. */
static int ph_rw_uri(const ph_rw *rw, ph_sink *o, size_t us, size_t ue) {
  ph_hp h;
  if (!ph_uri_hostport(rw->p, us, ue, &h) ||
      !ph_matches(rw, h.addr, h.has_port, h.port, h.def_port))
    return 0;
  ph_put_hostport(rw, o, h.host_s, h.port_e, h.has_port, h.def_port);
  return 1;
}

/* Every URI of a field that carries them. */
static void ph_rw_uris(const ph_rw *rw, ph_sink *o, const ph_hdr *h,
                       uint32_t *count) {
  ph_cur c = {rw->p, h->val_off, h->val_end};
  ph_av v;
  int r;
  while ((r = ph_addr_value(&c, &v)) == 1)
    if (v.uri_e > v.uri_s && ph_rw_uri(rw, o, v.uri_s, v.uri_e))
      (*count)++;
  if (r < 0)
    rw->res->skipped++;
}

/* Every from.addr host token of an opaque value (Call-ID and the like). */
static void ph_rw_words(const ph_rw *rw, ph_sink *o, const ph_hdr *h) {
  ph_cur c = {rw->p, h->val_off, h->val_end};
  size_t at;
  while (ph_cur_host_token(&c, rw->from_txt, rw->from_len, &at)) {
    ph_put_addr(o, at, at + rw->from_len, rw->to.addr);
    rw->res->call_id++;
  }
}

/* Does this Via value's received= name from.addr? */
static int ph_via_received(const ph_rw *rw, const ph_via *v) {
  ph_cur c = {rw->p, v->par_s, v->par_e};
  ph_par r;
  uint32_t a;
  while (ph_param(&c, &r) == 1)
    if (ph_ieq(rw->p + r.ns, r.ne - r.ns, "received") &&
        ph_ipv4_text(rw->p + r.vs, r.ve - r.vs, &a) == 0 && a == rw->from.addr)
      return 1;
  return 0;
}

/* received= and rport= of a Via value (rport only when it is ours). */
static void ph_rw_via_params(const ph_rw *rw, ph_sink *o, const ph_via *v,
                             int ours) {
  const uint8_t *p = rw->p;
  ph_cur c = {p, v->par_s, v->par_e};
  ph_par r;
  uint32_t x;
  while (ph_param(&c, &r) == 1) {
    if (ph_ieq(p + r.ns, r.ne - r.ns, "received") &&
        ph_ipv4_text(p + r.vs, r.ve - r.vs, &x) == 0 && x == rw->from.addr) {
      ph_put_addr(o, r.vs, r.ve, rw->to.addr);
      rw->res->via_received++;
    } else if (ours && ph_ieq(p + r.ns, r.ne - r.ns, "rport") &&
               ph_dec(p + r.vs, r.ve - r.vs, 65535, &x) == 0 &&
               x == rw->from.port) {
      ph_put_dec(o, r.vs, r.ve, rw->to.port);
      rw->res->via_rport++;
    }
  }
}

static void ph_rw_via_one(const ph_rw *rw, ph_sink *o, const ph_via *v) {
  uint32_t addr;
  int ours = 0;
  if (ph_ipv4_text(rw->p + v->host_s, v->host_e - v->host_s, &addr) == 0 &&
      ph_matches(rw, addr, v->has_port, v->port, v->def_port)) {
    ph_put_hostport(rw, o, v->host_s, v->port_e, v->has_port, v->def_port);
    rw->res->via++;
    ours = 1;
  }
  ph_rw_via_params(rw, o, v, ours || ph_via_received(rw, v));
}

/* Every value of a Via field. */
static void ph_rw_via(const ph_rw *rw, ph_sink *o, const ph_hdr *h) {
  ph_cur c = {rw->p, h->val_off, h->val_end};
  ph_via v;
  int r;
  while ((r = ph_via_value(&c, &v)) == 1)
    ph_rw_via_one(rw, o, &v);
  if (r < 0)
    rw->res->skipped++;
}

static void ph_rw_header(const ph_rw *rw, ph_sink *o, const ph_hdr *h,
                         size_t body_len) {
  const pinhole_sip_msg *m = rw->m;
  pinhole_sip_result *res = rw->res;
  switch (h->id) {
  case PH_H_VIA:
    ph_rw_via(rw, o, h);
    break;
  case PH_H_CONTACT:
    ph_rw_uris(rw, o, h, &res->contact);
    break;
  case PH_H_ROUTE:
    ph_rw_uris(rw, o, h, &res->route);
    break;
  case PH_H_FROM_TO:
    ph_rw_uris(rw, o, h, &res->from_to);
    break;
  case PH_H_URI:
    ph_rw_uris(rw, o, h, &res->other_uri);
    break;
  case PH_H_CALLID:
  case PH_H_CALLREF:
    ph_rw_words(rw, o, h);
    break;
  case PH_H_CLEN:
    if (body_len != m->content_length) {
      ph_put_dec(o, m->content_length_value.off,
                 m->content_length_value.off + m->content_length_value.len,
                 (uint32_t)body_len);
      res->content_length++;
    }
    break;
  default:
    break;
  }
}

static void ph_rw_headers(const ph_rw *rw, ph_sink *o, size_t body_len) {
  const pinhole_sip_msg *m = rw->m;
  if ((m->flags & PINHOLE_SIP_MSG_REQUEST) &&
      ph_rw_uri(rw, o, m->request_uri.off,
                m->request_uri.off + m->request_uri.len))
    rw->res->request_uri++;
  for (uint32_t i = 0; i < m->header_count; i++)
    ph_rw_header(rw, o, &rw->hdrs[i], body_len);
  ph_sink_copy_to(o, m->hdr_len);
}

/* Maps a media port through nat->port_map. */
static int ph_map_port(const ph_rw *rw, uint16_t port, uint16_t *to) {
  for (uint32_t i = 0; i < rw->nat->port_map_count; i++) {
    const pinhole_sip_port_map *pm = &rw->nat->port_map[i];
    if ((rw->outbound ? pm->inside : pm->outside) == port) {
      *to = rw->outbound ? pm->outside : pm->inside;
      return 1;
    }
  }
  return 0;
}

static void ph_rw_sdp_addr(const ph_rw *rw, ph_sink *o, const ph_sdp_addr *a) {
  if (a->ip4 && a->addr == rw->from.addr) {
    ph_put_addr(o, a->s, a->e, rw->to.addr);
    rw->res->sdp_addr++;
  }
}

static void ph_rw_sdp_m(const ph_rw *rw, ph_sink *o, size_t s, size_t e,
                        int cur) {
  ph_sdp_m mm;
  uint16_t to;
  if ((uint32_t)cur < rw->sdp->media_count &&
      ph_sdp_mline(rw->p, s, e, &mm) == 0 && mm.port != 0 &&
      rw->sdp->media[cur].addr == rw->from.addr &&
      ph_map_port(rw, mm.port, &to)) {
    ph_put_dec(o, mm.port_s, mm.port_e, to);
    rw->res->media_port++;
  }
}

static void ph_rw_sdp_rtcp(const ph_rw *rw, ph_sink *o, size_t s, size_t e,
                           int cur) {
  ph_sdp_rtcp r;
  uint16_t to;
  if ((uint32_t)cur >= rw->sdp->media_count ||
      ph_sdp_rtcpline(rw->p, s + 5, e, &r))
    return;
  uint32_t addr =
      r.has_addr ? (r.a.ip4 ? r.a.addr : 0) : rw->sdp->media[cur].addr;
  if (addr == rw->from.addr && ph_map_port(rw, r.port, &to)) {
    ph_put_dec(o, r.port_s, r.port_e, to);
    rw->res->rtcp_port++;
  }
  if (r.has_addr)
    ph_rw_sdp_addr(rw, o, &r.a);
}

/* One SDP line already validated by pinhole_sip_sdp_parse(). */
static void ph_rw_sdp_line(const ph_rw *rw, ph_sink *o, int type, size_t s,
                           size_t e, int *cur) {
  const uint8_t *b = rw->p;
  ph_sdp_addr a;
  ph_cur c = {b, s, e};
  if (type == 'o' && ph_sdp_origin(b, s, e, &a) == 0) {
    ph_rw_sdp_addr(rw, o, &a);
  } else if (type == 'c' && ph_sdp_nataddr(&c, &a) == 0) {
    ph_rw_sdp_addr(rw, o, &a);
  } else if (type == 'm') {
    ph_rw_sdp_m(rw, o, s, e, ++*cur);
  } else if (type == 'a' && *cur >= 0 && ph_is_rtcp(b, s, e)) {
    ph_rw_sdp_rtcp(rw, o, s, e, *cur);
  }
}

/* Emits the SDP p[sdp.off..sdp.off + sdp.len) rewritten. */
static void ph_rw_sdp(const ph_rw *rw, ph_sink *o,
                      const pinhole_sip_range *sdp) {
  size_t end = sdp->off + sdp->len, pos = sdp->off, ls, le;
  int cur = -1;
  while (ph_sdp_line(rw->p, end, &pos, &ls, &le) == 1) {
    int type = ph_sdp_type(rw->p, ls, le);
    if (type > 0)
      ph_rw_sdp_line(rw, o, type, ls + 2, le, &cur);
  }
  ph_sink_copy_to(o, end);
}

static int ph_nat_check(const pinhole_sip_nat *nat) {
  if (nat->size < sizeof(*nat))
    return PINHOLE_ERR_INVALID_ARG;
  for (size_t i = sizeof(*nat); i < nat->size; i++)
    if (((const uint8_t *)nat)[i] != 0)
      return PINHOLE_ERR_STRUCT_SIZE;
  if ((nat->flags & ~(uint32_t)PINHOLE_SIP_STREAM) ||
      (nat->dir != PINHOLE_SIP_DIR_OUTBOUND &&
       nat->dir != PINHOLE_SIP_DIR_INBOUND) ||
      nat->port_map_count > PINHOLE_SIP_MAX_PORT_MAPS)
    return PINHOLE_ERR_INVALID_ARG;
  return 0;
}

int pinhole_sip_nat_default(pinhole_sip_nat *nat, size_t size) {
  if (nat == NULL || size < sizeof(*nat))
    return PINHOLE_ERR_INVALID_ARG;
  memset(nat, 0, size);
  nat->size = size;
  nat->dir = PINHOLE_SIP_DIR_OUTBOUND;
  return 0;
}

/* from.addr host tokens in p[s..e). */
static uint32_t ph_count_tokens(const ph_rw *rw, const uint8_t *p, size_t s,
                                size_t e) {
  ph_cur c = {p, s, e};
  size_t at;
  uint32_t n = 0;
  while (ph_cur_host_token(&c, rw->from_txt, rw->from_len, &at))
    n++;
  return n;
}

/* Parses the output again (it must frame exactly as itself) and counts
 * the from.addr host tokens left in its header block and SDP. */
static int ph_check_output(const ph_rw *rw, const uint8_t *out, size_t len,
                           uint32_t *leftover) {
  pinhole_sip_msg m2;
  ph_hdr hdrs[PINHOLE_SIP_MAX_HEADERS];
  pinhole_sip_range sdp;
  size_t pos, ls, le;
  if (ph_parse(out, len, rw->nat->flags, &m2, hdrs) != 0 || m2.msg_len != len ||
      ph_body_sdp(out, &m2, hdrs, &sdp) < 0)
    return PINHOLE_ERR_UNSUPPORTED;
  *leftover = 0;
  if (rw->from.addr == rw->to.addr)
    return 0;
  *leftover = ph_count_tokens(rw, out, 0, m2.hdr_len);
  for (pos = sdp.off; ph_sdp_line(out, sdp.off + sdp.len, &pos, &ls, &le) == 1;)
    if (!ph_is_ice(out, ls, le))
      *leftover += ph_count_tokens(rw, out, ls, le);
  return 0;
}

static void ph_rw_init(ph_rw *rw, const uint8_t *p, const pinhole_sip_msg *m,
                       const ph_hdr *hdrs, const pinhole_sip_nat *nat) {
  memset(rw, 0, sizeof(*rw));
  rw->p = p;
  rw->m = m;
  rw->hdrs = hdrs;
  rw->nat = nat;
  rw->outbound = nat->dir == PINHOLE_SIP_DIR_OUTBOUND;
  rw->from = rw->outbound ? nat->inside : nat->outside;
  rw->to = rw->outbound ? nat->outside : nat->inside;
  rw->from_len = ph_fmt_ipv4(rw->from_txt, rw->from.addr);
}

/* Parses what is to be rewritten: the message and its SDP. */
static int ph_translate_parse(const uint8_t *p, size_t len,
                              const pinhole_sip_nat *nat, pinhole_sip_msg *m,
                              ph_hdr *hdrs, pinhole_sdp *sdp,
                              pinhole_sip_range *where, pinhole_sip_result *r) {
  int rc = ph_parse(p, len, nat->flags, m, hdrs);
  r->in_len = m->msg_len;
  if (rc != 0)
    return rc;
  if ((rc = ph_body_sdp(p, m, hdrs, where)) <= 0)
    return rc;
  r->multipart = (m->flags & PINHOLE_SIP_MSG_MULTIPART) != 0;
  rc = pinhole_sip_sdp_parse(p + where->off, where->len, sdp);
  return rc != 0 ? rc : 1;
}

/* pinhole_sip_translate() into r, a full-size result. */
static int ph_translate(const uint8_t *p, size_t len,
                        const pinhole_sip_nat *nat, uint8_t *out, size_t cap,
                        pinhole_sip_result *r) {
  ph_hdr hdrs[PINHOLE_SIP_MAX_HEADERS];
  pinhole_sip_msg m;
  pinhole_sdp sdp;
  pinhole_sip_range where;
  pinhole_sip_result scratch;
  ph_rw rw;
  int rc = ph_translate_parse(p, len, nat, &m, hdrs, &sdp, &where, r);
  if (rc < 0)
    return rc;
  ph_rw_init(&rw, p, &m, hdrs, nat);
  rw.sdp = rc == 1 ? &sdp : NULL;
  /* Pass 1: the new body length, counted only. */
  size_t body_len = m.body_len;
  if (rw.sdp != NULL) {
    ph_sink cnt = {NULL, 0, 0, p, where.off};
    rw.res = &scratch;
    ph_rw_sdp(&rw, &cnt, &where);
    body_len = m.body_len - where.len + cnt.len;
  }
  if (body_len > PINHOLE_SIP_MAX_BODY)
    return PINHOLE_ERR_UNSUPPORTED;
  /* Pass 2: everything, into out. */
  ph_sink o = {out, cap, 0, p, 0};
  rw.res = r;
  ph_rw_headers(&rw, &o, body_len);
  if (rw.sdp != NULL)
    ph_rw_sdp(&rw, &o, &where);
  ph_sink_copy_to(&o, m.msg_len);
  r->out_len = o.len;
  r->body_len = body_len;
  if (o.len > INT32_MAX)
    return PINHOLE_ERR_UNSUPPORTED;
  if (o.len > cap)
    return PINHOLE_ERR_NOBUF;
  if ((rc = ph_check_output(&rw, out, o.len, &r->leftover)) != 0)
    return rc;
  return (int)o.len;
}

int pinhole_sip_translate(const uint8_t *p, size_t len,
                          const pinhole_sip_nat *nat, uint8_t *out, size_t cap,
                          pinhole_sip_result *res) {
  pinhole_sip_result r;
  int rc;
  if (res == NULL || res->size < sizeof(r))
    return PINHOLE_ERR_INVALID_ARG;
  memset(&r, 0, sizeof(r));
  r.size = res->size;
  if (nat == NULL || (p == NULL && len > 0) || (out == NULL && cap > 0))
    rc = PINHOLE_ERR_INVALID_ARG;
  else if ((rc = ph_nat_check(nat)) == 0)
    rc = ph_translate(p, len, nat, out, cap, &r);
  memcpy(res, &r, sizeof(r));
  return rc;
}

int pinhole_sip_rewrite(const uint8_t *p, size_t len,
                        const pinhole_sip_nat *nat, uint8_t *out, size_t cap,
                        pinhole_sip_rewrite_result *res) {
  pinhole_sip_result r;
  if (res == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  r.size = sizeof(r);
  int rc = pinhole_sip_translate(p, len, nat, out, cap, &r);
  res->in_len = r.in_len;
  res->out_len = r.out_len;
  res->body_len = r.body_len;
  res->request_uri = r.request_uri;
  res->via = r.via;
  res->via_params = r.via_received + r.via_rport;
  res->contact = r.contact;
  res->route = r.route;
  res->sdp_addr = r.sdp_addr;
  res->media_port = r.media_port;
  res->rtcp_port = r.rtcp_port;
  res->content_length = r.content_length;
  res->skipped = r.skipped;
  return rc;
}

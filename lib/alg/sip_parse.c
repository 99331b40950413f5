/*
 * SIP ALG, pure part: message framing and parsing (RFC 3261), SDP parsing
 * (RFC 8866, RFC 3605 a=rtcp) and the NAT rewriter.
 *
 * Rewritten: the top Via sent-by (and received/rport of RFC 3581 on
 * inbound responses), the Request-URI of inbound requests, Contact, Route
 * and Record-Route URIs, SDP o=/c=/a=rtcp addresses, m= and a=rtcp ports,
 * Content-Length. Limits: IPv4 literals only, no multipart bodies, no
 * compressed bodies, no TLS (the ALG cannot see it), lines end in CRLF.
 *
 * The rewriter never edits in place: it walks the message in order and
 * emits copy ranges and replacements into a sink that counts what it would
 * write past the caller's capacity. It runs the body once into a counting
 * sink to learn the new Content-Length, then writes everything.
 */
#include <pinhole/sip.h>

#include <string.h>

#include "alg/text.h"

/* ------------------------------------------------------------------ */
/* Characters, numbers, addresses                                      */

/* RFC 3261 token characters. */
static int ph_is_token(uint8_t c) {
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

/* Whitespace inside a validated header value: CR and LF only occur there
 * as part of a fold (CRLF followed by SP/HT). */
static int ph_is_lws(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1*DIGIT saturating at UINT32_MAX (delta-seconds). */
static int ph_dec_sat(const uint8_t *p, size_t len, uint32_t *v) {
  if (len == 0)
    return -1;
  for (size_t i = 0; i < len; i++)
    if (!ph_is_digit(p[i]))
      return -1;
  if (ph_dec(p, len, UINT32_MAX, v) != 0)
    *v = UINT32_MAX;
  return 0;
}

static size_t ph_skip_lws(const uint8_t *p, size_t s, size_t e) {
  while (s < e && ph_is_lws(p[s]))
    s++;
  return s;
}

static size_t ph_skip_token(const uint8_t *p, size_t s, size_t e) {
  while (s < e && ph_is_token(p[s]))
    s++;
  return s;
}

/* p[s] is '"': returns the offset past the closing quote, or 0. */
static size_t ph_skip_quoted(const uint8_t *p, size_t s, size_t e) {
  for (size_t i = s + 1; i < e; i++) {
    if (p[i] == '\\') {
      i++;
      continue;
    }
    if (p[i] == '"')
      return i + 1;
  }
  return 0;
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
  PH_H_ROUTE,
  PH_H_RROUTE,
  PH_H_FROM,
  PH_H_TO
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
    {"Record-Route", 0, PH_H_RROUTE},
    {"From", 'f', PH_H_FROM},
    {"To", 't', PH_H_TO},
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

/* One value of a Contact, Route or Record-Route field. */
typedef struct ph_av {
  size_t uri_s, uri_e; /* the URI (empty for Contact: *) */
  size_t par_s, par_e; /* header parameters after it */
  size_t next;         /* where the next value starts */
} ph_av;

/* Reads the value starting at or after s. Returns 1, 0 at the end of the
 * field, -1 when malformed. */
static int ph_addr_value(const uint8_t *p, size_t s, size_t e, ph_av *v) {
  s = ph_skip_lws(p, s, e);
  if (s >= e)
    return 0;
  size_t k;
  if (p[s] == '*') {
    v->uri_s = v->uri_e = s;
    k = s + 1;
  } else {
    size_t i = s;
    while (i < e && p[i] != '<' && p[i] != ',' && p[i] != ';') {
      if (p[i] == '"') {
        i = ph_skip_quoted(p, i, e);
        if (i == 0)
          return -1;
        continue;
      }
      i++;
    }
    if (i < e && p[i] == '<') {
      size_t j = i + 1;
      while (j < e && p[j] != '>')
        j++;
      if (j >= e)
        return -1;
      v->uri_s = i + 1;
      v->uri_e = j;
      k = j + 1;
    } else {
      k = s;
      while (k < e && p[k] != ';' && p[k] != ',' && !ph_is_lws(p[k]))
        k++;
      v->uri_s = s;
      v->uri_e = k;
    }
    if (v->uri_e == v->uri_s)
      return -1;
  }
  v->par_s = k;
  while (k < e && p[k] != ',') {
    if (p[k] == '"') {
      k = ph_skip_quoted(p, k, e);
      if (k == 0)
        return -1;
      continue;
    }
    k++;
  }
  v->par_e = k;
  v->next = k < e ? k + 1 : e;
  return 1;
}

/* Reads one ";name[=value]" at or after *s. Returns 1, 0 when the next
 * non-blank byte is not ';', -1 when malformed. */
static int ph_param(const uint8_t *p, size_t *s, size_t e, size_t *ns,
                    size_t *ne, size_t *vs, size_t *ve) {
  size_t i = ph_skip_lws(p, *s, e);
  if (i >= e || p[i] != ';')
    return 0;
  i = ph_skip_lws(p, i + 1, e);
  *ns = i;
  i = ph_skip_token(p, i, e);
  *ne = i;
  if (*ne == *ns)
    return -1;
  i = ph_skip_lws(p, i, e);
  *vs = *ve = *ne;
  if (i < e && p[i] == '=') {
    i = ph_skip_lws(p, i + 1, e);
    *vs = i;
    if (i < e && p[i] == '"') {
      i = ph_skip_quoted(p, i, e);
      if (i == 0)
        return -1;
    } else {
      while (i < e && p[i] != ';' && p[i] != ',' && p[i] != '"' &&
             !ph_is_lws(p[i]))
        i++;
    }
    *ve = i;
    if (*ve == *vs)
      return -1;
  }
  *s = i;
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
  size_t c = us;
  while (c < ue && p[c] != ':')
    c++;
  if (c >= ue)
    return 0;
  if (ph_ieq(p + us, c - us, "sip"))
    h->def_port = 5060;
  else if (ph_ieq(p + us, c - us, "sips"))
    h->def_port = 5061;
  else
    return 0;
  size_t hs = c + 1;
  for (size_t i = hs; i < ue; i++)
    if (p[i] == '@') {
      hs = i + 1;
      break;
    }
  size_t he = hs;
  while (he < ue && p[he] != ':' && p[he] != ';' && p[he] != '?')
    he++;
  if (ph_ipv4_text(p + hs, he - hs, &h->addr))
    return 0;
  h->host_s = hs;
  h->host_e = h->port_e = he;
  h->has_port = 0;
  if (he < ue && p[he] == ':') {
    size_t pe = he + 1;
    while (pe < ue && p[pe] != ';' && p[pe] != '?')
      pe++;
    uint32_t port;
    if (ph_dec(p + he + 1, pe - he - 1, 65535, &port))
      return 0;
    h->port = (uint16_t)port;
    h->has_port = 1;
    h->port_e = pe;
  }
  return 1;
}

/* The first value of a Via field. */
typedef struct ph_via {
  size_t host_s, host_e, port_e, par_s;
  uint16_t port, def_port;
  int has_port;
} ph_via;

/* Returns 0, or -1 when malformed. */
static int ph_via_value(const uint8_t *p, size_t s, size_t e, ph_via *v) {
  size_t ts = 0, te = 0;
  s = ph_skip_lws(p, s, e);
  for (int part = 0; part < 3; part++) {
    if (part > 0) {
      s = ph_skip_lws(p, s, e);
      if (s >= e || p[s] != '/')
        return -1;
      s = ph_skip_lws(p, s + 1, e);
    }
    ts = s;
    s = ph_skip_token(p, s, e);
    te = s;
    if (te == ts)
      return -1;
  }
  v->def_port = ph_ieq(p + ts, te - ts, "TLS") ? 5061 : 5060;
  if (s >= e || !ph_is_lws(p[s]))
    return -1;
  s = ph_skip_lws(p, s, e);
  v->host_s = s;
  if (s < e && p[s] == '[') {
    while (s < e && p[s] != ']')
      s++;
    if (s >= e)
      return -1;
    s++;
  } else {
    while (s < e && p[s] != ':' && p[s] != ';' && p[s] != ',' &&
           !ph_is_lws(p[s]))
      s++;
  }
  v->host_e = v->port_e = s;
  if (v->host_e == v->host_s)
    return -1;
  v->has_port = 0;
  size_t c = ph_skip_lws(p, s, e);
  if (c < e && p[c] == ':') {
    size_t ds = ph_skip_lws(p, c + 1, e);
    size_t de = ds;
    while (de < e && ph_is_digit(p[de]))
      de++;
    uint32_t port;
    if (ph_dec(p + ds, de - ds, 65535, &port))
      return -1;
    v->port = (uint16_t)port;
    v->has_port = 1;
    v->port_e = de;
  }
  v->par_s = v->port_e;
  return 0;
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

static int ph_start_line(const uint8_t *p, size_t s, size_t e,
                         pinhole_sip_msg *m) {
  if (e - s >= 8 && ph_ieq(p + s, 7, "SIP/2.0") && p[s + 7] == ' ') {
    size_t i = s + 8;
    uint32_t st;
    if (e - i < 3 || ph_dec(p + i, 3, 999, &st) || st < 100 || st > 699)
      return PINHOLE_ERR_PARSE;
    if (i + 3 < e && p[i + 3] != ' ')
      return PINHOLE_ERR_PARSE;
    m->status = st;
    return 0;
  }
  size_t i = ph_skip_token(p, s, e);
  if (i == s || i >= e || p[i] != ' ')
    return PINHOLE_ERR_PARSE;
  m->method_tok.off = s;
  m->method_tok.len = i - s;
  m->method = ph_method(p + s, i - s);
  size_t us = ++i;
  int colon = 0;
  while (i < e && p[i] != ' ' && p[i] != '\t') {
    colon |= p[i] == ':';
    i++;
  }
  if (i == us || !colon || i >= e || p[i] != ' ')
    return PINHOLE_ERR_PARSE;
  m->request_uri.off = us;
  m->request_uri.len = i - us;
  if (!ph_ieq(p + i + 1, e - i - 1, "SIP/2.0"))
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
  size_t i = s;
  while (i < e && ph_is_digit(p[i]))
    i++;
  if (ph_dec(p + s, i - s, UINT32_MAX, &m->cseq))
    return PINHOLE_ERR_PARSE;
  size_t ms = ph_skip_lws(p, i, e);
  if (ms == i)
    return PINHOLE_ERR_PARSE;
  size_t me = ph_skip_token(p, ms, e);
  if (me == ms || ph_skip_lws(p, me, e) != e)
    return PINHOLE_ERR_PARSE;
  m->cseq_method = ph_method(p + ms, me - ms);
  m->flags |= PINHOLE_SIP_MSG_CSEQ;
  return 0;
}

static void ph_content_type(const uint8_t *p, size_t s, size_t e,
                            pinhole_sip_msg *m) {
  size_t te = ph_skip_token(p, s, e);
  size_t i = ph_skip_lws(p, te, e);
  if (i >= e || p[i] != '/')
    return;
  size_t ss = ph_skip_lws(p, i + 1, e);
  size_t se = ph_skip_token(p, ss, e);
  if (ph_ieq(p + s, te - s, "application") && ph_ieq(p + ss, se - ss, "sdp"))
    m->flags |= PINHOLE_SIP_MSG_SDP;
}

/* ;expires= of the first Contact value. */
static void ph_contact_expires(const uint8_t *p, size_t s, size_t e,
                               pinhole_sip_msg *m) {
  ph_av v;
  if (ph_addr_value(p, s, e, &v) != 1)
    return;
  size_t i = v.par_s, ns, ne, vs, ve;
  while (ph_param(p, &i, v.par_e, &ns, &ne, &vs, &ve) == 1) {
    uint32_t x;
    if (ph_ieq(p + ns, ne - ns, "expires") &&
        ph_dec_sat(p + vs, ve - vs, &x) == 0) {
      m->expires = x;
      m->flags |= PINHOLE_SIP_MSG_EXPIRES | PINHOLE_SIP_MSG_CONTACT_EXPIRES;
      return;
    }
  }
}

/* Interprets one complete header field. */
static int ph_header(const uint8_t *p, const ph_hdr *h, pinhole_sip_msg *m,
                     ph_pstate *st) {
  size_t s = ph_skip_lws(p, h->val_off, h->val_end);
  size_t e = h->val_end;
  while (e > s && ph_is_lws(p[e - 1]))
    e--;
  switch (h->id) {
  case PH_H_CLEN: {
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
  case PH_H_CTYPE:
    if (st->ctype_seen)
      return PINHOLE_ERR_PARSE;
    st->ctype_seen = 1;
    ph_content_type(p, s, e, m);
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
  size_t ne = ph_skip_token(p, pos, eol);
  size_t c = ne;
  while (c < eol && (p[c] == ' ' || p[c] == '\t'))
    c++;
  if (ne == pos || c >= eol || p[c] != ':')
    return PINHOLE_ERR_PARSE;
  h->id = ph_header_id(p + pos, ne - pos);
  h->name_off = pos;
  h->val_off = c + 1;
  h->val_end = eol;
  return 0;
}

static int ph_body(size_t len, int stream, pinhole_sip_msg *m) {
  size_t avail = len - m->hdr_len;
  if (m->flags & PINHOLE_SIP_MSG_CONTENT_LENGTH) {
    if (avail < m->content_length)
      return stream ? PINHOLE_ERR_PARTIAL : PINHOLE_ERR_PARSE;
    m->body_len = m->content_length;
  } else if (stream) {
    m->body_len = 0;
  } else {
    if (avail > PINHOLE_SIP_MAX_BODY)
      return PINHOLE_ERR_PARSE;
    m->body_len = avail;
  }
  m->msg_len = m->hdr_len + m->body_len;
  return 0;
}

/* The parser behind pinhole_sip_parse(); hdrs receives the fields. */
static int ph_parse(const uint8_t *p, size_t len, uint32_t flags,
                    pinhole_sip_msg *m, ph_hdr *hdrs) {
  int stream = (flags & PINHOLE_SIP_STREAM) != 0;
  ph_pstate st = {0, 0, 0};
  size_t pos = 0, eol = 0, n = 0;
  int rc;
  memset(m, 0, sizeof(*m));
  while (pos + 1 < len && p[pos] == '\r' && p[pos + 1] == '\n')
    pos += 2;
  if (pos > 0 && (stream || pos == len)) {
    m->msg_len = stream ? pos : len;
    return PINHOLE_ERR_NOMATCH;
  }
  m->start_off = pos;
  if ((rc = ph_line(p, len, pos, stream, &eol)) != 0)
    return rc;
  if ((rc = ph_start_line(p, pos, eol, m)) != 0)
    return rc;
  for (pos = eol + 2;; pos = eol + 2) {
    if ((rc = ph_line(p, len, pos, stream, &eol)) != 0)
      return rc;
    if (eol > pos && (p[pos] == ' ' || p[pos] == '\t')) {
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
  if (!(m->flags & PINHOLE_SIP_MSG_REQUEST))
    m->method = m->cseq_method;
  if ((rc = ph_body(len, stream, m)) != 0)
    return rc;
  return 0;
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

/* Next space-separated field of b[*s..e). Returns 1 or 0 when none. */
static int ph_sdp_field(const uint8_t *b, size_t *s, size_t e, size_t *fs,
                        size_t *fe) {
  size_t i = *s;
  while (i < e && b[i] == ' ')
    i++;
  *fs = i;
  while (i < e && b[i] != ' ')
    i++;
  *fe = i;
  *s = i;
  return *fe > *fs;
}

/* An address field of o=, c= or a=rtcp:. */
typedef struct ph_sdp_addr {
  size_t s, e; /* the address itself (without a /ttl suffix) */
  uint32_t addr;
  int ip4; /* 1: IN IP4 literal */
} ph_sdp_addr;

/* Reads "nettype addrtype address" from b[*s..e). Returns 0 or -1. */
static int ph_sdp_nataddr(const uint8_t *b, size_t *s, size_t e,
                          ph_sdp_addr *a) {
  size_t ns, ne, ts, te, as, ae;
  if (!ph_sdp_field(b, s, e, &ns, &ne) || !ph_sdp_field(b, s, e, &ts, &te) ||
      !ph_sdp_field(b, s, e, &as, &ae))
    return -1;
  size_t x = as;
  while (x < ae && b[x] != '/')
    x++;
  a->s = as;
  a->e = x;
  a->ip4 = ph_eq(b + ns, ne - ns, "IN") && ph_eq(b + ts, te - ts, "IP4") &&
           ph_ipv4_text(b + as, x - as, &a->addr) == 0;
  return 0;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
static int ph_sdp_origin(const uint8_t *b, size_t s, size_t e, ph_sdp_addr *a) {
  size_t fs, fe;
  for (int i = 0; i < 3; i++)
    if (!ph_sdp_field(b, &s, e, &fs, &fe))
      return -1;
  return ph_sdp_nataddr(b, &s, e, a);
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
  size_t ms, me, ps, pe, fs, fe;
  uint32_t v, c = 1;
  if (!ph_sdp_field(b, &s, e, &ms, &me) || !ph_sdp_field(b, &s, e, &ps, &pe) ||
      !ph_sdp_field(b, &s, e, &fs, &fe))
    return -1;
  mm->type = PINHOLE_SDP_MEDIA_OTHER;
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    if (ph_eq(b + ms, me - ms, types[i]))
      mm->type = (uint32_t)(i + 1);
  size_t x = ps;
  while (x < pe && b[x] != '/')
    x++;
  if (ph_dec(b + ps, x - ps, 65535, &v))
    return -1;
  if (x < pe && (ph_dec(b + x + 1, pe - x - 1, 65535, &c) || c == 0))
    return -1;
  mm->port_s = ps;
  mm->port_e = x;
  mm->port = (uint16_t)v;
  mm->count = (uint16_t)c;
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
  size_t ps, pe, t;
  uint32_t v;
  if (!ph_sdp_field(b, &s, e, &ps, &pe) || ph_dec(b + ps, pe - ps, 65535, &v))
    return -1;
  r->port_s = ps;
  r->port_e = pe;
  r->port = (uint16_t)v;
  r->has_addr = 0;
  t = s;
  if (!ph_sdp_field(b, &t, e, &ps, &pe))
    return 0;
  if (ph_sdp_nataddr(b, &s, e, &r->a))
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

static int ph_sdp_one(const uint8_t *b, int type, size_t s, size_t e,
                      pinhole_sdp *sd, int *cur) {
  ph_sdp_addr a;
  if (type == 'o') {
    if (ph_sdp_origin(b, s, e, &a))
      return PINHOLE_ERR_PARSE;
    if (a.ip4 && !(sd->flags & PINHOLE_SDP_ORIGIN)) {
      sd->flags |= PINHOLE_SDP_ORIGIN;
      sd->origin_addr = a.addr;
    }
  } else if (type == 'c') {
    if (ph_sdp_nataddr(b, &s, e, &a))
      return PINHOLE_ERR_PARSE;
    ph_sdp_conn(sd, *cur, &a);
  } else if (type == 'm') {
    ph_sdp_m mm;
    if (sd->media_count == PINHOLE_SDP_MAX_MEDIA)
      return PINHOLE_ERR_RANGE;
    if (ph_sdp_mline(b, s, e, &mm))
      return PINHOLE_ERR_PARSE;
    *cur = (int)sd->media_count++;
    sd->media[*cur].type = mm.type;
    sd->media[*cur].port = mm.port;
    sd->media[*cur].port_count = mm.count;
  } else if (type == 'a' && *cur >= 0 && ph_is_rtcp(b, s, e)) {
    ph_sdp_rtcp r;
    pinhole_sdp_media *md = &sd->media[*cur];
    if (ph_sdp_rtcpline(b, s + 5, e, &r))
      return PINHOLE_ERR_PARSE;
    if (!(md->flags & PINHOLE_SDP_MEDIA_RTCP)) {
      md->flags |= PINHOLE_SDP_MEDIA_RTCP;
      md->rtcp_port = r.port;
      if (r.has_addr && r.a.ip4) {
        md->flags |= PINHOLE_SDP_MEDIA_RTCP_ADDR;
        md->rtcp_addr = r.a.addr;
      } else if (r.has_addr) {
        md->flags |= PINHOLE_SDP_MEDIA_RTCP_OTHER;
      }
    }
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
/* Rewriter                                                            */

/* Output sink: copies src ranges and replacements in increasing source
 * order; counts bytes beyond cap without writing them. */
typedef struct ph_out {
  uint8_t *buf;
  size_t cap;
  size_t len;
  const uint8_t *src;
  size_t pos; /* next source byte not yet copied or replaced */
} ph_out;

static void ph_put(ph_out *o, const uint8_t *b, size_t n) {
  if (n > 0 && o->len <= o->cap && n <= o->cap - o->len)
    memcpy(o->buf + o->len, b, n);
  o->len += n;
}

static void ph_copy_to(ph_out *o, size_t off) {
  ph_put(o, o->src + o->pos, off - o->pos);
  o->pos = off;
}

static void ph_replace(ph_out *o, size_t s, size_t e, const uint8_t *t,
                       size_t n) {
  ph_copy_to(o, s);
  ph_put(o, t, n);
  o->pos = e;
}

typedef struct ph_rw {
  const uint8_t *p;
  const pinhole_sip_msg *m;
  const ph_hdr *hdrs;
  const pinhole_sip_nat *nat;
  const pinhole_sdp *sdp; /* NULL: body copied verbatim */
  pinhole_endpoint from, to;
  int outbound;
  pinhole_sip_rewrite_result *res;
} ph_rw;

static void ph_put_addr(ph_out *o, size_t s, size_t e, uint32_t addr) {
  uint8_t t[16];
  ph_replace(o, s, e, t, ph_fmt_ipv4(t, addr));
}

static void ph_put_port(ph_out *o, size_t s, size_t e, uint16_t port) {
  uint8_t t[10];
  ph_replace(o, s, e, t, ph_fmt_u32(t, port));
}

/* Replaces host[:port] at [s, e) with to.addr[:to.port]. */
static void ph_put_hostport(const ph_rw *rw, ph_out *o, size_t s, size_t e,
                            int has_port, uint16_t def_port) {
  uint8_t t[24];
  size_t n = ph_fmt_ipv4(t, rw->to.addr);
  if (has_port || rw->to.port != def_port) {
    t[n++] = ':';
    n += ph_fmt_u32(t + n, rw->to.port);
  }
  ph_replace(o, s, e, t, n);
}

static int ph_matches(const ph_rw *rw, uint32_t addr, int has_port,
                      uint16_t port, uint16_t def_port) {
  return addr == rw->from.addr && (has_port ? port : def_port) == rw->from.port;
}

/* Rewrites the URI p[us..ue) if it names the from endpoint. */
static int ph_rw_uri(const ph_rw *rw, ph_out *o, size_t us, size_t ue) {
  ph_hp h;
  if (!ph_uri_hostport(rw->p, us, ue, &h) ||
      !ph_matches(rw, h.addr, h.has_port, h.port, h.def_port))
    return 0;
  ph_put_hostport(rw, o, h.host_s, h.port_e, h.has_port, h.def_port);
  return 1;
}

/* Contact, Route, Record-Route: every URI of the field. */
static void ph_rw_addrs(const ph_rw *rw, ph_out *o, const ph_hdr *h,
                        uint32_t *count) {
  size_t s = h->val_off;
  ph_av v;
  int r;
  while ((r = ph_addr_value(rw->p, s, h->val_end, &v)) == 1) {
    if (v.uri_e > v.uri_s && ph_rw_uri(rw, o, v.uri_s, v.uri_e))
      (*count)++;
    s = v.next;
  }
  if (r < 0)
    rw->res->skipped++;
}

/* received= and rport= of the top Via (inbound responses). */
static void ph_rw_via_params(const ph_rw *rw, ph_out *o, size_t s, size_t e) {
  const uint8_t *p = rw->p;
  size_t ns, ne, vs, ve;
  uint32_t v;
  while (ph_param(p, &s, e, &ns, &ne, &vs, &ve) == 1) {
    if (ph_ieq(p + ns, ne - ns, "received") &&
        ph_ipv4_text(p + vs, ve - vs, &v) == 0 && v == rw->from.addr) {
      ph_put_addr(o, vs, ve, rw->to.addr);
      rw->res->via_params++;
    } else if (ph_ieq(p + ns, ne - ns, "rport") &&
               ph_dec(p + vs, ve - vs, 65535, &v) == 0 && v == rw->from.port) {
      ph_put_port(o, vs, ve, rw->to.port);
      rw->res->via_params++;
    }
  }
}

static void ph_rw_via(const ph_rw *rw, ph_out *o, const ph_hdr *h) {
  ph_via v;
  uint32_t addr;
  memset(&v, 0, sizeof(v));
  if (ph_via_value(rw->p, h->val_off, h->val_end, &v)) {
    rw->res->skipped++;
    return;
  }
  if (ph_ipv4_text(rw->p + v.host_s, v.host_e - v.host_s, &addr) == 0 &&
      ph_matches(rw, addr, v.has_port, v.port, v.def_port)) {
    ph_put_hostport(rw, o, v.host_s, v.port_e, v.has_port, v.def_port);
    rw->res->via++;
  }
  if (!rw->outbound)
    ph_rw_via_params(rw, o, v.par_s, h->val_end);
}

static void ph_rw_headers(const ph_rw *rw, ph_out *o, size_t body_len) {
  const pinhole_sip_msg *m = rw->m;
  int request = (m->flags & PINHOLE_SIP_MSG_REQUEST) != 0;
  int via_done = 0;
  if (request && !rw->outbound &&
      ph_rw_uri(rw, o, m->request_uri.off,
                m->request_uri.off + m->request_uri.len))
    rw->res->request_uri++;
  for (uint32_t i = 0; i < m->header_count; i++) {
    const ph_hdr *h = &rw->hdrs[i];
    switch (h->id) {
    case PH_H_VIA:
      /* Only the top value is ours: lower ones name earlier hops. */
      if (!via_done && request == rw->outbound)
        ph_rw_via(rw, o, h);
      via_done = 1;
      break;
    case PH_H_CONTACT:
      ph_rw_addrs(rw, o, h, &rw->res->contact);
      break;
    case PH_H_ROUTE:
    case PH_H_RROUTE:
      ph_rw_addrs(rw, o, h, &rw->res->route);
      break;
    case PH_H_CLEN:
      if (body_len != m->content_length) {
        ph_put_port(o, m->content_length_value.off,
                    m->content_length_value.off + m->content_length_value.len,
                    (uint16_t)body_len);
        rw->res->content_length++;
      }
      break;
    default:
      break;
    }
  }
  ph_copy_to(o, m->hdr_len);
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

static void ph_rw_sdp_addr(const ph_rw *rw, ph_out *o, const ph_sdp_addr *a) {
  if (a->ip4 && a->addr == rw->from.addr) {
    ph_put_addr(o, a->s, a->e, rw->to.addr);
    rw->res->sdp_addr++;
  }
}

/* One SDP line already validated by pinhole_sip_sdp_parse(). */
static void ph_rw_sdp_line(const ph_rw *rw, ph_out *o, int type, size_t s,
                           size_t e, int *cur) {
  const uint8_t *b = o->src;
  ph_sdp_addr a;
  uint16_t to;
  if (type == 'o' && ph_sdp_origin(b, s, e, &a) == 0) {
    ph_rw_sdp_addr(rw, o, &a);
  } else if (type == 'c' && ph_sdp_nataddr(b, &s, e, &a) == 0) {
    ph_rw_sdp_addr(rw, o, &a);
  } else if (type == 'm') {
    ph_sdp_m mm;
    (*cur)++;
    if ((uint32_t)*cur < rw->sdp->media_count &&
        ph_sdp_mline(b, s, e, &mm) == 0 && mm.port != 0 &&
        rw->sdp->media[*cur].addr == rw->from.addr &&
        ph_map_port(rw, mm.port, &to)) {
      ph_put_port(o, mm.port_s, mm.port_e, to);
      rw->res->media_port++;
    }
  } else if (type == 'a' && *cur >= 0 &&
             (uint32_t)*cur < rw->sdp->media_count && ph_is_rtcp(b, s, e)) {
    ph_sdp_rtcp r;
    if (ph_sdp_rtcpline(b, s + 5, e, &r))
      return;
    uint32_t addr =
        r.has_addr ? (r.a.ip4 ? r.a.addr : 0) : rw->sdp->media[*cur].addr;
    if (addr == rw->from.addr && ph_map_port(rw, r.port, &to)) {
      ph_put_port(o, r.port_s, r.port_e, to);
      rw->res->rtcp_port++;
    }
    if (r.has_addr)
      ph_rw_sdp_addr(rw, o, &r.a);
  }
}

/* Emits the body; o->src is the body, o->pos 0. */
static void ph_rw_body(const ph_rw *rw, ph_out *o) {
  size_t blen = rw->m->body_len, pos = 0, ls, le;
  int cur = -1;
  if (rw->sdp != NULL) {
    while (ph_sdp_line(o->src, blen, &pos, &ls, &le) == 1) {
      int type = ph_sdp_type(o->src, ls, le);
      if (type > 0)
        ph_rw_sdp_line(rw, o, type, ls + 2, le, &cur);
    }
  }
  ph_copy_to(o, blen);
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

/* The rewritten message must frame exactly as itself. */
static int ph_self_check(const uint8_t *out, size_t len, uint32_t flags) {
  pinhole_sip_msg m2;
  ph_hdr hdrs[PINHOLE_SIP_MAX_HEADERS];
  if (ph_parse(out, len, flags, &m2, hdrs) != 0 || m2.msg_len != len)
    return PINHOLE_ERR_RANGE;
  return 0;
}

int pinhole_sip_rewrite(const uint8_t *p, size_t len,
                        const pinhole_sip_nat *nat, uint8_t *out, size_t cap,
                        pinhole_sip_rewrite_result *res) {
  ph_hdr hdrs[PINHOLE_SIP_MAX_HEADERS];
  pinhole_sip_msg m;
  pinhole_sdp sdp;
  pinhole_sip_rewrite_result scratch;
  int rc;
  if (res == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  memset(res, 0, sizeof(*res));
  if (nat == NULL || (p == NULL && len > 0) || (out == NULL && cap > 0))
    return PINHOLE_ERR_INVALID_ARG;
  if ((rc = ph_nat_check(nat)) != 0)
    return rc;
  rc = ph_parse(p, len, nat->flags, &m, hdrs);
  res->in_len = m.msg_len;
  if (rc != 0)
    return rc;
  ph_rw rw = {p, &m, hdrs, nat, NULL, nat->inside, nat->outside, 1, &scratch};
  if (nat->dir == PINHOLE_SIP_DIR_INBOUND) {
    rw.from = nat->outside;
    rw.to = nat->inside;
    rw.outbound = 0;
  }
  if ((m.flags & PINHOLE_SIP_MSG_SDP) && m.body_len > 0) {
    if (m.flags & PINHOLE_SIP_MSG_ENCODED)
      return PINHOLE_ERR_UNSUPPORTED;
    if ((rc = pinhole_sip_sdp_parse(p + m.hdr_len, m.body_len, &sdp)) != 0)
      return rc;
    rw.sdp = &sdp;
  }
  /* Pass 1: the new body length, counted only. */
  memset(&scratch, 0, sizeof(scratch));
  ph_out o = {NULL, 0, 0, p + m.hdr_len, 0};
  ph_rw_body(&rw, &o);
  size_t body_len = o.len;
  if (body_len > PINHOLE_SIP_MAX_BODY)
    return PINHOLE_ERR_RANGE;
  /* Pass 2: everything, into out. */
  rw.res = res;
  o = (ph_out){out, cap, 0, p, 0};
  ph_rw_headers(&rw, &o, body_len);
  o.src = p + m.hdr_len;
  o.pos = 0;
  ph_rw_body(&rw, &o);
  res->out_len = o.len;
  res->body_len = body_len;
  if (o.len > INT32_MAX)
    return PINHOLE_ERR_RANGE;
  if (o.len > cap)
    return PINHOLE_ERR_NOBUF;
  if ((rc = ph_self_check(out, o.len, nat->flags)) != 0)
    return rc;
  return (int)o.len;
}

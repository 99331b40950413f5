/*
 * RTSP pure layer: message framing, Transport header parse and rewrite.
 *
 * RFC 2326 (RTSP 1.0) sections 4, 6, 7, 10.12 (interleaved frames), 12.39
 * (Transport); RFC 7826 (RTSP 2.0) for the shared message syntax. The ALG
 * rewrites client_port, server_port, destination and source in Transport
 * values of SETUP requests and replies.
 *
 * Limits: IPv4 dotted quads only (host names and IPv6 are reported by span,
 * not value); RFC 7826 dest_addr/src_addr are skipped as unknown parameters;
 * at most PINHOLE_RTSP_MAX_SPECS specs; no Transfer-Encoding (RTSP has none).
 */
#include <pinhole/rtsp.h>

#include <string.h>

#include "alg/text.h"

#include "pkt/bytes.h"

/* A header while its continuation lines are still being collected. */
typedef struct ph_hdr {
  size_t name_off, name_len;
  size_t val_off, val_end;
  int open;
} ph_hdr;

static int ph_is_tchar(uint8_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || ph_is_digit(c))
    return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Control bytes other than HT, CR and LF (which callers treat apart). */
static int ph_is_bad_ctl(uint8_t c) {
  return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

/* Plain decimal digits in p[0..len), at least one, value <= max. */
static int ph_dec64(const uint8_t *p, size_t len, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  if (len == 0)
    return PINHOLE_ERR_PARSE;
  for (size_t i = 0; i < len; i++) {
    if (!ph_is_digit(p[i]))
      return PINHOLE_ERR_PARSE;
    v = v * 10 + (uint64_t)(p[i] - '0');
    if (v > max)
      return PINHOLE_ERR_RANGE;
  }
  *out = v;
  return 0;
}

/* ---- framing ------------------------------------------------------- */

/*
 * Finds the line starting at pos: *eol is where its content ends (before
 * CR LF or LF), *next where the following line starts. Checks control
 * bytes, bare CRs and the line and header-block limits on every byte seen.
 */
static int ph_line(const uint8_t *p, size_t len, size_t pos, size_t *eol,
                   size_t *next) {
  size_t lim = len < PINHOLE_RTSP_MAX_HEADER ? len : PINHOLE_RTSP_MAX_HEADER;
  for (size_t i = pos; i < lim; i++) {
    uint8_t c = p[i];
    if (c == '\n') {
      size_t e = (i > pos && p[i - 1] == '\r') ? i - 1 : i;
      if (e - pos > PINHOLE_RTSP_MAX_LINE)
        return PINHOLE_ERR_PARSE;
      *eol = e;
      *next = i + 1;
      return 0;
    }
    if (ph_is_bad_ctl(c))
      return PINHOLE_ERR_PARSE;
    if (c == '\r' && i + 1 < len && p[i + 1] != '\n')
      return PINHOLE_ERR_PARSE;
    if (i - pos >= PINHOLE_RTSP_MAX_LINE + (c == '\r' ? 1u : 0u))
      return PINHOLE_ERR_PARSE;
  }
  return lim < len || lim == PINHOLE_RTSP_MAX_HEADER ? PINHOLE_ERR_PARSE
                                                     : PINHOLE_ERR_PARTIAL;
}

/* "RTSP/" 1*DIGIT "." 1*DIGIT at p[*i..end); advances *i. */
static int ph_version(const uint8_t *p, size_t end, size_t *i) {
  size_t k = *i, d;
  if (end - k < 5 || memcmp(p + k, "RTSP/", 5) != 0)
    return PINHOLE_ERR_PARSE;
  k += 5;
  for (d = k; k < end && ph_is_digit(p[k]); k++)
    ;
  if (k == d || k >= end || p[k] != '.')
    return PINHOLE_ERR_PARSE;
  for (d = ++k; k < end && ph_is_digit(p[k]); k++)
    ;
  if (k == d)
    return PINHOLE_ERR_PARSE;
  *i = k;
  return 0;
}

static uint32_t ph_method(const uint8_t *p, size_t len) {
  static const char *const names[] = {
      "SETUP",         "PLAY",          "TEARDOWN", "DESCRIBE",
      "OPTIONS",       "PAUSE",         "RECORD",   "ANNOUNCE",
      "GET_PARAMETER", "SET_PARAMETER", "REDIRECT"};
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (ph_eq(p, len, names[i]))
      return (uint32_t)(i + 1);
  return PINHOLE_RTSP_METHOD_OTHER;
}

/* Status-Line: RTSP-Version SP 3DIGIT [SP Reason-Phrase]. */
static int ph_status_line(const uint8_t *p, size_t pos, size_t eol,
                          pinhole_rtsp_msg *m) {
  size_t i = pos;
  if (ph_version(p, eol, &i) != 0 || eol - i < 4 || p[i] != ' ')
    return PINHOLE_ERR_PARSE;
  i++;
  if (!ph_is_digit(p[i]) || !ph_is_digit(p[i + 1]) || !ph_is_digit(p[i + 2]) ||
      p[i] == '0')
    return PINHOLE_ERR_PARSE;
  if (i + 3 < eol && p[i + 3] != ' ')
    return PINHOLE_ERR_PARSE;
  m->status = (uint32_t)(p[i] - '0') * 100 + (uint32_t)(p[i + 1] - '0') * 10 +
              (uint32_t)(p[i + 2] - '0');
  m->kind = PINHOLE_RTSP_KIND_RESPONSE;
  return 0;
}

/* Request-Line: Method SP Request-URI SP RTSP-Version. */
static int ph_request_line(const uint8_t *p, size_t pos, size_t eol,
                           pinhole_rtsp_msg *m) {
  size_t i = pos;
  while (i < eol && ph_is_tchar(p[i]))
    i++;
  if (i == pos || i >= eol || p[i] != ' ')
    return PINHOLE_ERR_PARSE;
  m->method = ph_method(p + pos, i - pos);
  size_t u = ++i;
  while (i < eol && p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
    i++;
  if (i == u || i >= eol || p[i] != ' ')
    return PINHOLE_ERR_PARSE;
  m->uri_off = u;
  m->uri_len = i - u;
  i++;
  if (ph_version(p, eol, &i) != 0 || i != eol)
    return PINHOLE_ERR_PARSE;
  m->kind = PINHOLE_RTSP_KIND_REQUEST;
  return 0;
}

static int ph_start_line(const uint8_t *p, size_t pos, size_t eol,
                         pinhole_rtsp_msg *m) {
  if (eol - pos >= 5 && memcmp(p + pos, "RTSP/", 5) == 0)
    return ph_status_line(p, pos, eol, m);
  return ph_request_line(p, pos, eol, m);
}

/* A decimal header value (Content-Length, CSeq); repeats must agree. */
static int ph_hdr_number(const uint8_t *p, size_t off, size_t end, uint64_t max,
                         uint32_t *flags, uint32_t flag, uint64_t *val) {
  uint64_t v;
  int rc = ph_dec64(p + off, end - off, max, &v);
  if (rc != 0)
    return PINHOLE_ERR_PARSE;
  if ((*flags & flag) && v != *val)
    return PINHOLE_ERR_PARSE;
  *flags |= flag;
  *val = v;
  return 0;
}

static int ph_hdr_done(const uint8_t *p, const ph_hdr *h, pinhole_rtsp_msg *m,
                       uint64_t *clen) {
  const uint8_t *name = p + h->name_off;
  size_t off = h->val_off, end = h->val_end;
  ph_trim(p, &off, &end);
  if (ph_ieq(name, h->name_len, "Content-Length"))
    return ph_hdr_number(p, off, end, PINHOLE_RTSP_MAX_BODY, &m->flags,
                         PINHOLE_RTSP_MSG_CONTENT_LENGTH, clen);
  if (ph_ieq(name, h->name_len, "CSeq")) {
    uint64_t v = m->cseq;
    int rc = ph_hdr_number(p, off, end, UINT32_MAX, &m->flags,
                           PINHOLE_RTSP_MSG_CSEQ, &v);
    m->cseq = (uint32_t)v;
    return rc;
  }
  if (ph_ieq(name, h->name_len, "Transport")) {
    if (m->flags & PINHOLE_RTSP_MSG_TRANSPORT) {
      m->flags |= PINHOLE_RTSP_MSG_TRANSPORT_MULTI;
    } else {
      m->flags |= PINHOLE_RTSP_MSG_TRANSPORT;
      m->transport_off = off;
      m->transport_len = end - off;
    }
    return 0;
  }
  if (ph_ieq(name, h->name_len, "Session") &&
      !(m->flags & PINHOLE_RTSP_MSG_SESSION)) {
    size_t e = off;
    while (e < end && p[e] != ';' && !ph_is_lws(p[e]))
      e++;
    m->flags |= PINHOLE_RTSP_MSG_SESSION;
    m->session_off = off;
    m->session_len = e - off;
  }
  return 0;
}

/* Header line at [pos, eol): a new "name:" header or a continuation. */
static int ph_hdr_line(const uint8_t *p, size_t pos, size_t eol, ph_hdr *h,
                       pinhole_rtsp_msg *m, uint64_t *clen) {
  if (p[pos] == ' ' || p[pos] == '\t') {
    if (!h->open)
      return PINHOLE_ERR_PARSE;
    h->val_end = eol;
    return 0;
  }
  if (h->open) {
    int rc = ph_hdr_done(p, h, m, clen);
    if (rc != 0)
      return rc;
  }
  size_t i = pos;
  while (i < eol && ph_is_tchar(p[i]))
    i++;
  if (i == pos || i >= eol || p[i] != ':')
    return PINHOLE_ERR_PARSE;
  h->name_off = pos;
  h->name_len = i - pos;
  h->val_off = i + 1;
  h->val_end = eol;
  h->open = 1;
  return 0;
}

static int ph_frame_interleaved(const uint8_t *p, size_t len,
                                pinhole_rtsp_msg *m) {
  if (len < 4)
    return PINHOLE_ERR_PARTIAL;
  m->kind = PINHOLE_RTSP_KIND_INTERLEAVED;
  m->channel = p[1];
  m->hdr_len = 4;
  m->body_len = ph_get16(p + 2);
  m->total_len = 4 + m->body_len;
  return len < m->total_len ? PINHOLE_ERR_PARTIAL : 0;
}

int pinhole_rtsp_frame(const uint8_t *p, size_t len, pinhole_rtsp_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  if (len == 0)
    return PINHOLE_ERR_PARTIAL;
  if (p[0] == '$')
    return ph_frame_interleaved(p, len, m);

  size_t pos = 0, eol, next;
  int rc;
  /* Empty lines before the start line (RFC 7230 section 3.5). */
  for (;;) {
    if ((rc = ph_line(p, len, pos, &eol, &next)) != 0)
      return rc;
    if (eol > pos)
      break;
    pos = next;
  }
  if ((rc = ph_start_line(p, pos, eol, m)) != 0)
    return rc;

  ph_hdr h = {0, 0, 0, 0, 0};
  uint64_t clen = 0;
  for (;;) {
    pos = next;
    if ((rc = ph_line(p, len, pos, &eol, &next)) != 0)
      return rc;
    if (eol == pos)
      break;
    if ((rc = ph_hdr_line(p, pos, eol, &h, m, &clen)) != 0)
      return rc;
  }
  if (h.open && (rc = ph_hdr_done(p, &h, m, &clen)) != 0)
    return rc;
  m->hdr_len = next;
  m->body_len = (size_t)clen;
  m->total_len = next + (size_t)clen;
  return len < m->total_len ? PINHOLE_ERR_PARTIAL : 0;
}

/* ---- Transport ----------------------------------------------------- */

/* A cursor over a Transport value. */
typedef struct ph_tcur {
  const uint8_t *v;
  size_t pos, len;
} ph_tcur;

static void ph_tskip_ws(ph_tcur *c) {
  while (c->pos < c->len && ph_is_lws(c->v[c->pos]))
    c->pos++;
}

/* Bytes that end a bare token: white space, ';', ',', '=' and '"'. */
static int ph_is_tok(uint8_t b) {
  return !ph_is_lws(b) && b != ';' && b != ',' && b != '=' && b != '"';
}

static pinhole_rtsp_span ph_token(ph_tcur *c) {
  pinhole_rtsp_span s = {c->pos, 0};
  while (c->pos < c->len && ph_is_tok(c->v[c->pos]))
    c->pos++;
  s.len = c->pos - s.off;
  return s;
}

/* value = quoted-string | token; *s is the inside of the quotes. */
static int ph_value(ph_tcur *c, pinhole_rtsp_span *s) {
  if (c->pos < c->len && c->v[c->pos] == '"') {
    const uint8_t *q = memchr(c->v + c->pos + 1, '"', c->len - c->pos - 1);
    if (q == NULL)
      return PINHOLE_ERR_PARSE;
    s->off = c->pos + 1;
    s->len = (size_t)(q - (c->v + s->off));
    c->pos = s->off + s->len + 1;
    return 0;
  }
  *s = ph_token(c);
  return s->len > 0 && (c->pos == c->len || c->v[c->pos] != '=')
             ? 0
             : PINHOLE_ERR_PARSE;
}

/* lo[-hi] with both in min..max and hi >= lo. */
static int ph_range(const uint8_t *p, size_t len, uint32_t min, uint32_t max,
                    uint32_t out[2], int *is_range) {
  const uint8_t *dash = memchr(p, '-', len);
  size_t n1 = dash ? (size_t)(dash - p) : len;
  uint64_t lo = 0, hi = 0;
  int rc1 = ph_dec64(p, n1, UINT32_MAX, &lo);
  int rc2 = dash ? ph_dec64(dash + 1, len - n1 - 1, UINT32_MAX, &hi) : rc1;
  if (rc1 == PINHOLE_ERR_PARSE || rc2 == PINHOLE_ERR_PARSE)
    return PINHOLE_ERR_PARSE;
  if (rc1 != 0 || rc2 != 0)
    return PINHOLE_ERR_RANGE;
  if (!dash)
    hi = lo;
  if (lo < min || lo > max || hi < min || hi > max || hi < lo)
    return PINHOLE_ERR_RANGE;
  out[0] = (uint32_t)lo;
  out[1] = (uint32_t)hi;
  *is_range = dash != NULL;
  return 0;
}

/* Dotted quad, each part 0..255 without leading zeros. */
static int ph_ipv4_bool(const uint8_t *p, size_t len, uint32_t *addr) {
  uint32_t a = 0;
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= len || p[i] != '.')
        return 0;
      i++;
    }
    size_t d = i;
    uint32_t o = 0;
    while (i < len && ph_is_digit(p[i]) && i - d < 3)
      o = o * 10 + (uint32_t)(p[i++] - '0');
    if (i == d || o > 255 || (p[d] == '0' && i - d > 1))
      return 0;
    a = a << 8 | o;
  }
  if (i != len)
    return 0;
  *addr = a;
  return 1;
}

static int ph_ssrc(const uint8_t *p, size_t len, uint32_t *out) {
  uint32_t v = 0;
  if (len == 0 || len > 8)
    return PINHOLE_ERR_PARSE;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = ph_lower(p[i]);
    uint32_t d;
    if (ph_is_digit(c))
      d = (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = (uint32_t)(c - 'a' + 10);
    else
      return PINHOLE_ERR_PARSE;
    v = v << 4 | d;
  }
  *out = v;
  return 0;
}

/* "RTP/AVP", "RTP/SAVP/TCP", ...: profile and lower transport. */
static void ph_protocol(const uint8_t *p, size_t len, pinhole_rtsp_spec *s) {
  static const char *const profiles[] = {"RTP/AVP", "RTP/SAVP", "RTP/AVPF",
                                         "RTP/SAVPF"};
  for (size_t i = 0; i < 4; i++) {
    size_t n = strlen(profiles[i]);
    if (len < n || !ph_ieq(p, n, profiles[i]))
      continue;
    if (len == n) {
      s->profile = (uint8_t)(i + 1);
      s->lower = PINHOLE_RTSP_LOWER_UDP;
      return;
    }
    if (len == n + 4 && p[n] == '/') {
      s->profile = (uint8_t)(i + 1);
      s->flags |= PINHOLE_RTSP_SPEC_LOWER_EXPLICIT;
      if (ph_ieq(p + n + 1, 3, "UDP"))
        s->lower = PINHOLE_RTSP_LOWER_UDP;
      else if (ph_ieq(p + n + 1, 3, "TCP"))
        s->lower = PINHOLE_RTSP_LOWER_TCP;
      return;
    }
  }
}

/* Sets flag once; a second occurrence of the parameter is an error. */
static int ph_once(pinhole_rtsp_spec *s, uint32_t flag) {
  if (s->flags & flag)
    return PINHOLE_ERR_PARSE;
  s->flags |= flag;
  return 0;
}

static int ph_ports(const uint8_t *v, pinhole_rtsp_span val, uint16_t out[2],
                    int *is_range) {
  uint32_t r[2];
  int rc = ph_range(v + val.off, val.len, 1, 65535, r, is_range);
  if (rc != 0)
    return rc;
  out[0] = (uint16_t)r[0];
  out[1] = (uint16_t)r[1];
  return 0;
}

static int ph_port_param(const uint8_t *v, pinhole_rtsp_span val,
                         pinhole_rtsp_spec *s, int server) {
  int is_range = 0, rc;
  rc = ph_once(s, server ? PINHOLE_RTSP_SPEC_SERVER_PORT
                         : PINHOLE_RTSP_SPEC_CLIENT_PORT);
  if (rc == 0)
    rc = ph_ports(v, val, server ? s->server_port : s->client_port, &is_range);
  if (rc != 0)
    return rc;
  if (server)
    s->server_port_v = val;
  else
    s->client_port_v = val;
  if (is_range)
    s->flags |= server ? PINHOLE_RTSP_SPEC_SERVER_PORT_RANGE
                       : PINHOLE_RTSP_SPEC_CLIENT_PORT_RANGE;
  return 0;
}

static int ph_addr_param(const uint8_t *v, pinhole_rtsp_span val,
                         pinhole_rtsp_spec *s, int source) {
  uint32_t flag =
      source ? PINHOLE_RTSP_SPEC_SOURCE : PINHOLE_RTSP_SPEC_DESTINATION;
  if (ph_once(s, flag) != 0)
    return PINHOLE_ERR_PARSE;
  if (source) {
    s->source_v = val;
    if (ph_ipv4_bool(v + val.off, val.len, &s->source))
      s->flags |= PINHOLE_RTSP_SPEC_SOURCE_IPV4;
  } else {
    s->destination_v = val;
    if (ph_ipv4_bool(v + val.off, val.len, &s->destination))
      s->flags |= PINHOLE_RTSP_SPEC_DESTINATION_IPV4;
  }
  return 0;
}

static int ph_param(const uint8_t *v, pinhole_rtsp_span name, int has_val,
                    pinhole_rtsp_span val, pinhole_rtsp_spec *s) {
  const uint8_t *n = v + name.off;
  if (ph_ieq(n, name.len, "unicast")) {
    s->flags |= PINHOLE_RTSP_SPEC_UNICAST;
    return 0;
  }
  if (ph_ieq(n, name.len, "multicast")) {
    s->flags |= PINHOLE_RTSP_SPEC_MULTICAST;
    return 0;
  }
  if (ph_ieq(n, name.len, "destination") && !has_val)
    return ph_once(s, PINHOLE_RTSP_SPEC_DESTINATION);
  int known = ph_ieq(n, name.len, "client_port") ||
              ph_ieq(n, name.len, "server_port") ||
              ph_ieq(n, name.len, "destination") ||
              ph_ieq(n, name.len, "source") ||
              ph_ieq(n, name.len, "interleaved") ||
              ph_ieq(n, name.len, "mode") || ph_ieq(n, name.len, "ssrc");
  if (!known)
    return 0;
  if (!has_val)
    return PINHOLE_ERR_PARSE;
  if (ph_ieq(n, name.len, "client_port"))
    return ph_port_param(v, val, s, 0);
  if (ph_ieq(n, name.len, "server_port"))
    return ph_port_param(v, val, s, 1);
  if (ph_ieq(n, name.len, "destination"))
    return ph_addr_param(v, val, s, 0);
  if (ph_ieq(n, name.len, "source"))
    return ph_addr_param(v, val, s, 1);
  if (ph_ieq(n, name.len, "mode")) {
    s->mode_v = val;
    return ph_once(s, PINHOLE_RTSP_SPEC_MODE);
  }
  if (ph_ieq(n, name.len, "ssrc")) {
    int rc = ph_once(s, PINHOLE_RTSP_SPEC_SSRC);
    return rc != 0 ? rc : ph_ssrc(v + val.off, val.len, &s->ssrc);
  }
  /* interleaved */
  uint32_t ch[2];
  int is_range, rc = ph_once(s, PINHOLE_RTSP_SPEC_INTERLEAVED);
  if (rc == 0)
    rc = ph_range(v + val.off, val.len, 0, 255, ch, &is_range);
  if (rc != 0)
    return rc;
  s->interleaved[0] = (uint8_t)ch[0];
  s->interleaved[1] = (uint8_t)ch[1];
  return 0;
}

/* One ";name[=value]" (the ';' consumed by the caller). */
static int ph_one_param(ph_tcur *c, pinhole_rtsp_spec *s, size_t *spec_end) {
  ph_tskip_ws(c);
  if (c->pos == c->len || c->v[c->pos] == ';' || c->v[c->pos] == ',')
    return 0; /* empty parameter */
  pinhole_rtsp_span name = ph_token(c), val = {0, 0};
  if (name.len == 0)
    return PINHOLE_ERR_PARSE;
  *spec_end = c->pos;
  ph_tskip_ws(c);
  int has_val = c->pos < c->len && c->v[c->pos] == '=';
  if (has_val) {
    c->pos++;
    ph_tskip_ws(c);
    int rc = ph_value(c, &val);
    if (rc != 0)
      return rc;
    *spec_end = c->pos;
  }
  return ph_param(c->v, name, has_val, val, s);
}

static int ph_spec(ph_tcur *c, pinhole_rtsp_spec *s) {
  memset(s, 0, sizeof(*s));
  ph_tskip_ws(c);
  pinhole_rtsp_span proto = ph_token(c);
  if (proto.len == 0)
    return PINHOLE_ERR_PARSE;
  ph_protocol(c->v + proto.off, proto.len, s);
  size_t end = c->pos;
  for (;;) {
    ph_tskip_ws(c);
    if (c->pos == c->len || c->v[c->pos] == ',')
      break;
    if (c->v[c->pos] != ';')
      return PINHOLE_ERR_PARSE;
    c->pos++;
    int rc = ph_one_param(c, s, &end);
    if (rc != 0)
      return rc;
  }
  s->spec.off = proto.off;
  s->spec.len = end - proto.off;
  return 0;
}

int pinhole_rtsp_transport_parse(const uint8_t *v, size_t len,
                                 pinhole_rtsp_transport *t) {
  if (t == NULL || (v == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  t->nspecs = 0;
  if (len == 0 || len > PINHOLE_RTSP_MAX_HEADER)
    return PINHOLE_ERR_PARSE;
  for (size_t i = 0; i < len; i++)
    if (ph_is_bad_ctl(v[i]))
      return PINHOLE_ERR_PARSE;
  ph_tcur c = {v, 0, len};
  for (;;) {
    if (t->nspecs == PINHOLE_RTSP_MAX_SPECS)
      return PINHOLE_ERR_RANGE;
    int rc = ph_spec(&c, &t->spec[t->nspecs]);
    if (rc != 0)
      return rc;
    t->nspecs++;
    if (c.pos == c.len)
      return 0;
    c.pos++; /* ',' */
  }
}

/* ---- rewrite ------------------------------------------------------- */

/* One replaced span: numbers to write as "a", "a-b" or "a.b.c.d". */
typedef struct ph_edit {
  pinhole_rtsp_span at;
  uint32_t n[4];
  size_t count; /* 1 or 2 ports, or 4 octets */
} ph_edit;

typedef struct ph_out {
  uint8_t *p;
  size_t cap, len;
} ph_out;

static int ph_put(ph_out *o, const uint8_t *s, size_t n) {
  if (o->cap - o->len < n)
    return PINHOLE_ERR_NOBUF;
  if (n > 0)
    memcpy(o->p + o->len, s, n);
  o->len += n;
  return 0;
}

static int ph_put_dec(ph_out *o, uint32_t v) {
  uint8_t buf[10];
  size_t n = 0;
  do {
    buf[sizeof(buf) - 1 - n++] = (uint8_t)('0' + v % 10);
    v /= 10;
  } while (v > 0);
  return ph_put(o, buf + sizeof(buf) - n, n);
}

static int ph_put_edit(ph_out *o, const ph_edit *e) {
  const uint8_t sep = e->count == 4 ? '.' : '-';
  for (size_t i = 0; i < e->count; i++) {
    if (i > 0 && ph_put(o, &sep, 1) != 0)
      return PINHOLE_ERR_NOBUF;
    if (ph_put_dec(o, e->n[i]) != 0)
      return PINHOLE_ERR_NOBUF;
  }
  return 0;
}

static int ph_port_edit(const uint16_t port[2], pinhole_rtsp_span at,
                        int is_range, ph_edit *e) {
  if (port[0] == 0 || (is_range && port[1] < port[0]))
    return PINHOLE_ERR_INVALID_ARG;
  e->at = at;
  e->n[0] = port[0];
  e->n[1] = port[1];
  e->count = is_range ? 2 : 1;
  return 0;
}

static void ph_addr_edit(uint32_t addr, pinhole_rtsp_span at, ph_edit *e) {
  e->at = at;
  for (size_t i = 0; i < 4; i++)
    e->n[i] = addr >> (24 - 8 * i) & 0xff;
  e->count = 4;
}

/* Collects the edits spec s asks for; *n grows by up to 4. */
static int ph_spec_edits(const pinhole_rtsp_spec *s,
                         const pinhole_rtsp_rewrite_spec *r, ph_edit *e,
                         size_t *n) {
  int rc;
  if ((r->flags & PINHOLE_RTSP_REWRITE_CLIENT_PORT) &&
      (s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT)) {
    rc = ph_port_edit(r->client_port, s->client_port_v,
                      (s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT_RANGE) != 0,
                      &e[(*n)++]);
    if (rc != 0)
      return rc;
  }
  if ((r->flags & PINHOLE_RTSP_REWRITE_SERVER_PORT) &&
      (s->flags & PINHOLE_RTSP_SPEC_SERVER_PORT)) {
    rc = ph_port_edit(r->server_port, s->server_port_v,
                      (s->flags & PINHOLE_RTSP_SPEC_SERVER_PORT_RANGE) != 0,
                      &e[(*n)++]);
    if (rc != 0)
      return rc;
  }
  if ((r->flags & PINHOLE_RTSP_REWRITE_DESTINATION) && s->destination_v.len > 0)
    ph_addr_edit(r->destination, s->destination_v, &e[(*n)++]);
  if ((r->flags & PINHOLE_RTSP_REWRITE_SOURCE) && s->source_v.len > 0)
    ph_addr_edit(r->source, s->source_v, &e[(*n)++]);
  return 0;
}

int pinhole_rtsp_transport_rewrite(const uint8_t *v, size_t len,
                                   const pinhole_rtsp_rewrite *rw, uint8_t *out,
                                   size_t cap) {
  if (rw == NULL || (out == NULL && cap > 0))
    return PINHOLE_ERR_INVALID_ARG;
  pinhole_rtsp_transport t;
  int rc = pinhole_rtsp_transport_parse(v, len, &t);
  if (rc != 0)
    return rc;
  ph_edit e[4 * PINHOLE_RTSP_MAX_SPECS];
  size_t n = 0;
  for (size_t i = 0; i < t.nspecs; i++)
    if ((rc = ph_spec_edits(&t.spec[i], &rw->spec[i], e, &n)) != 0)
      return rc;
  /* Insertion sort by offset: within a spec, parameters come in any order. */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && e[j].at.off < e[j - 1].at.off; j--) {
      ph_edit tmp = e[j];
      e[j] = e[j - 1];
      e[j - 1] = tmp;
    }
  ph_out o = {out, cap, 0};
  size_t cur = 0;
  for (size_t i = 0; i < n; i++) {
    if (ph_put(&o, v + cur, e[i].at.off - cur) != 0 ||
        ph_put_edit(&o, &e[i]) != 0)
      return PINHOLE_ERR_NOBUF;
    cur = e[i].at.off + e[i].at.len;
  }
  if (ph_put(&o, v + cur, len - cur) != 0)
    return PINHOLE_ERR_NOBUF;
  return (int)o.len;
}

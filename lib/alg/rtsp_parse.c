/* SPDX-License-Identifier: BSD-2-Clause */
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

/* RTSP-Version: "RTSP/" 1*DIGIT "." 1*DIGIT at the cursor. */
static int ph_version(ph_cur *c) {
  if (ph_cur_left(c) < 5 || memcmp(c->p + c->pos, "RTSP/", 5) != 0)
    return PINHOLE_ERR_PARSE;
  c->pos += 5;
  if (ph_cur_span(c, ph_is_digit) == 0 || !ph_cur_eat(c, '.') ||
      ph_cur_span(c, ph_is_digit) == 0)
    return PINHOLE_ERR_PARSE;
  return 0;
}

/* Bytes of a Request-URI: anything up to SP (HT and CR end it too). */
static int ph_is_uri(uint8_t c) {
  return c != ' ' && c != '\t' && c != '\r';
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
static int ph_status_line(ph_cur *c, pinhole_rtsp_msg *m) {
  uint32_t st;
  if (ph_version(c) != 0 || !ph_cur_eat(c, ' ') || ph_cur_left(c) < 3 ||
      ph_dec(c->p + c->pos, 3, 999, &st) != 0 || st < 100)
    return PINHOLE_ERR_PARSE;
  c->pos += 3;
  if (ph_cur_left(c) > 0 && ph_cur_peek(c) != ' ')
    return PINHOLE_ERR_PARSE;
  m->status = st;
  m->kind = PINHOLE_RTSP_KIND_RESPONSE;
  return 0;
}

/* Request-Line: Method SP Request-URI SP RTSP-Version. */
static int ph_request_line(ph_cur *c, pinhole_rtsp_msg *m) {
  size_t s = c->pos;
  if (ph_cur_span(c, ph_is_tchar) == 0 || !ph_cur_eat(c, ' '))
    return PINHOLE_ERR_PARSE;
  m->method = ph_method(c->p + s, c->pos - 1 - s);
  size_t u = c->pos;
  if (ph_cur_span(c, ph_is_uri) == 0 || !ph_cur_eat(c, ' '))
    return PINHOLE_ERR_PARSE;
  m->uri_off = u;
  m->uri_len = c->pos - 1 - u;
  if (ph_version(c) != 0 || ph_cur_left(c) != 0)
    return PINHOLE_ERR_PARSE;
  m->kind = PINHOLE_RTSP_KIND_REQUEST;
  return 0;
}

static int ph_start_line(const uint8_t *p, size_t pos, size_t eol,
                         pinhole_rtsp_msg *m) {
  ph_cur c = {p, pos, eol};
  if (eol - pos >= 5 && memcmp(p + pos, "RTSP/", 5) == 0)
    return ph_status_line(&c, m);
  return ph_request_line(&c, m);
}

/* A decimal header value (Content-Length, CSeq); repeats must agree. */
static int ph_hdr_number(const uint8_t *p, size_t off, size_t end, uint64_t max,
                         uint32_t *flags, uint32_t flag, uint64_t *val) {
  uint64_t v;
  if (ph_dec_range(p + off, end - off, 0, max, &v) != 0)
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
  ph_cur c = {p, pos, eol};
  if (ph_cur_span(&c, ph_is_tchar) == 0 || !ph_cur_eat(&c, ':'))
    return PINHOLE_ERR_PARSE;
  h->name_off = pos;
  h->name_len = c.pos - 1 - pos;
  h->val_off = c.pos;
  h->val_end = eol;
  h->open = 1;
  return 0;
}

static int ph_frame_interleaved(const uint8_t *p, size_t len,
                                pinhole_rtsp_msg *m) {
  ph_cur c = ph_cur_make(p, len);
  uint8_t channel;
  uint16_t n;
  if (ph_cur_skip(&c, 1) != 0 || ph_cur_u8(&c, &channel) != 0 ||
      ph_cur_be16(&c, &n) != 0)
    return PINHOLE_ERR_PARTIAL;
  m->kind = PINHOLE_RTSP_KIND_INTERLEAVED;
  m->channel = channel;
  m->hdr_len = 4;
  m->body_len = n;
  m->total_len = 4 + m->body_len;
  return len < m->total_len ? PINHOLE_ERR_PARTIAL : 0;
}

/* How far framing a text message got: where the unfinished line starts,
 * whether the start line was read, the header still being collected. */
typedef struct ph_head {
  size_t line;
  int started;
  ph_hdr h;
  uint64_t clen;
} ph_head;

/* Frames a request or response (p[0] is not '$'); on PINHOLE_ERR_PARTIAL
 * with m->hdr_len 0, st says where the header block stopped. */
static int ph_frame_text(const uint8_t *p, size_t len, pinhole_rtsp_msg *m,
                         ph_head *st) {
  size_t pos = 0, eol, next;
  int rc;
  memset(st, 0, sizeof(*st));
  /* Empty lines before the start line (RFC 7230 section 3.5). */
  for (;;) {
    st->line = pos;
    if ((rc = ph_line(p, len, pos, &eol, &next)) != 0)
      return rc;
    if (eol > pos)
      break;
    pos = next;
  }
  if ((rc = ph_start_line(p, pos, eol, m)) != 0)
    return rc;
  st->started = 1;
  for (;;) {
    pos = next;
    st->line = pos;
    if ((rc = ph_line(p, len, pos, &eol, &next)) != 0)
      return rc;
    if (eol == pos)
      break;
    if ((rc = ph_hdr_line(p, pos, eol, &st->h, m, &st->clen)) != 0)
      return rc;
  }
  if (st->h.open && (rc = ph_hdr_done(p, &st->h, m, &st->clen)) != 0)
    return rc;
  m->hdr_len = next;
  m->body_len = (size_t)st->clen;
  m->total_len = next + (size_t)st->clen;
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
  ph_head st;
  return ph_frame_text(p, len, m, &st);
}

/* ---- prefixes: could a partial header block still become a message? -- */

/* Reads what c holds of RTSP-Version ("RTSP/" 1*DIGIT "." 1*DIGIT).
 * Returns 0 when the bytes break it; 1 when they fit, with *whole set when
 * the version is complete (c is then at the end or past it); when *whole
 * is 0, c ran out inside it. */
static int ph_version_prefix(ph_cur *c, int *whole) {
  static const char lit[] = "RTSP/";
  *whole = 0;
  for (size_t i = 0; i < 5; i++) {
    if (ph_cur_left(c) == 0)
      return 1;
    if (!ph_cur_eat(c, lit[i]))
      return 0;
  }
  if (ph_cur_span(c, ph_is_digit) == 0 || ph_cur_left(c) == 0)
    return ph_cur_left(c) == 0;
  if (!ph_cur_eat(c, '.'))
    return 0;
  *whole = ph_cur_span(c, ph_is_digit) > 0;
  return *whole || ph_cur_left(c) == 0;
}

/* Could c (a start line without its end) begin a Request-Line? */
static int ph_request_prefix(ph_cur c) {
  int whole;
  if (ph_cur_span(&c, ph_is_tchar) == 0 || ph_cur_left(&c) == 0)
    return ph_cur_left(&c) == 0;
  if (!ph_cur_eat(&c, ' '))
    return 0;
  if (ph_cur_span(&c, ph_is_uri) == 0 || ph_cur_left(&c) == 0)
    return ph_cur_left(&c) == 0;
  if (!ph_cur_eat(&c, ' '))
    return 0;
  return ph_version_prefix(&c, &whole) && ph_cur_left(&c) == 0;
}

/* Could c (a start line without its end) begin a Status-Line? */
static int ph_status_prefix(ph_cur c) {
  int whole;
  if (!ph_version_prefix(&c, &whole))
    return 0;
  if (ph_cur_left(&c) == 0)
    return 1;
  if (!ph_cur_eat(&c, ' '))
    return 0;
  for (int i = 0; i < 3; i++) {
    if (ph_cur_left(&c) == 0)
      return 1;
    uint8_t b = c.p[c.pos++];
    if (!ph_is_digit(b) || (i == 0 && b == '0'))
      return 0;
  }
  return ph_cur_left(&c) == 0 || ph_cur_peek(&c) == ' ';
}

/* The unfinished last line p[st->line..len) of a header block that
 * pinhole_rtsp_frame() found no fault in: could it still become a line it
 * accepts? m is scratch. */
static int ph_tail_ok(const uint8_t *p, size_t len, ph_head *st,
                      pinhole_rtsp_msg *m) {
  size_t s = st->line, e = len;
  int whole = e > s && p[e - 1] == '\r'; /* only the LF can follow */
  if (whole)
    e--;
  if (!st->started) {
    if (e == s)
      return 1; /* an empty line, or nothing yet */
    ph_cur c = {p, s, e};
    return whole ? ph_start_line(p, s, e, m) == 0
                 : ph_request_prefix(c) || ph_status_prefix(c);
  }
  if (e == s && !whole)
    return 1;
  if (e > s && ph_is_ws(p[s])) /* a continuation */
    return st->h.open;
  /* a new header or the end of the block: the open header is final */
  if (st->h.open && ph_hdr_done(p, &st->h, m, &st->clen) != 0)
    return 0;
  ph_cur c = {p, s, e};
  if (e == s)
    return 1;
  if (ph_cur_span(&c, ph_is_tchar) == 0)
    return 0;
  return ph_cur_left(&c) == 0 ? !whole : ph_cur_peek(&c) == ':';
}

int pinhole_rtsp_prefix(const uint8_t *p, size_t len) {
  if (p == NULL && len > 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (len == 0 || p[0] == '$')
    return 1;
  pinhole_rtsp_msg m;
  ph_head st;
  memset(&m, 0, sizeof(m));
  int rc = ph_frame_text(p, len, &m, &st);
  if (rc != PINHOLE_ERR_PARTIAL || m.hdr_len > 0)
    return rc != PINHOLE_ERR_PARSE;
  return ph_tail_ok(p, len, &st, &m);
}

/* ---- Transport ----------------------------------------------------- */

static void ph_tskip_ws(ph_cur *c) {
  ph_cur_span(c, ph_is_lws);
}

/* Bytes that end a bare token: white space, ';', ',', '=' and '"'. */
static int ph_is_tok(uint8_t b) {
  return !ph_is_lws(b) && b != ';' && b != ',' && b != '=' && b != '"';
}

static pinhole_rtsp_span ph_token(ph_cur *c) {
  pinhole_rtsp_span s = {c->pos, 0};
  s.len = ph_cur_span(c, ph_is_tok);
  return s;
}

/* value = quoted-string | token; *s is the inside of the quotes. */
static int ph_value(ph_cur *c, pinhole_rtsp_span *s) {
  if (ph_cur_eat(c, '"')) {
    const uint8_t *q = memchr(c->p + c->pos, '"', ph_cur_left(c));
    if (q == NULL)
      return PINHOLE_ERR_PARSE;
    s->off = c->pos;
    s->len = (size_t)(q - (c->p + s->off));
    c->pos = s->off + s->len + 1;
    return 0;
  }
  *s = ph_token(c);
  return s->len > 0 && ph_cur_peek(c) != '=' ? 0 : PINHOLE_ERR_PARSE;
}

/* lo[-hi] with both in min..max and hi >= lo. */
static int ph_range(const uint8_t *p, size_t len, uint32_t min, uint32_t max,
                    uint32_t out[2], int *is_range) {
  const uint8_t *dash = memchr(p, '-', len);
  size_t n1 = dash ? (size_t)(dash - p) : len;
  uint64_t lo = 0, hi = 0;
  int rc1 = ph_dec_range(p, n1, min, max, &lo);
  int rc2 = dash ? ph_dec_range(dash + 1, len - n1 - 1, min, max, &hi) : rc1;
  if (rc1 == -1 || rc2 == -1)
    return PINHOLE_ERR_PARSE;
  if (!dash)
    hi = lo;
  if (rc1 != 0 || rc2 != 0 || hi < lo)
    return PINHOLE_ERR_RANGE;
  out[0] = (uint32_t)lo;
  out[1] = (uint32_t)hi;
  *is_range = dash != NULL;
  return 0;
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
    if (ph_ipv4_text(v + val.off, val.len, &s->source) == 0)
      s->flags |= PINHOLE_RTSP_SPEC_SOURCE_IPV4;
  } else {
    s->destination_v = val;
    if (ph_ipv4_text(v + val.off, val.len, &s->destination) == 0)
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
static int ph_one_param(ph_cur *c, pinhole_rtsp_spec *s, size_t *spec_end) {
  ph_tskip_ws(c);
  if (ph_cur_left(c) == 0 || ph_cur_peek(c) == ';' || ph_cur_peek(c) == ',')
    return 0; /* empty parameter */
  pinhole_rtsp_span name = ph_token(c), val = {0, 0};
  if (name.len == 0)
    return PINHOLE_ERR_PARSE;
  *spec_end = c->pos;
  ph_tskip_ws(c);
  int has_val = ph_cur_eat(c, '=');
  if (has_val) {
    ph_tskip_ws(c);
    int rc = ph_value(c, &val);
    if (rc != 0)
      return rc;
    *spec_end = c->pos;
  }
  return ph_param(c->p, name, has_val, val, s);
}

static int ph_spec(ph_cur *c, pinhole_rtsp_spec *s) {
  memset(s, 0, sizeof(*s));
  ph_tskip_ws(c);
  pinhole_rtsp_span proto = ph_token(c);
  if (proto.len == 0)
    return PINHOLE_ERR_PARSE;
  ph_protocol(c->p + proto.off, proto.len, s);
  size_t end = c->pos;
  for (;;) {
    ph_tskip_ws(c);
    if (ph_cur_left(c) == 0 || ph_cur_peek(c) == ',')
      break;
    if (!ph_cur_eat(c, ';'))
      return PINHOLE_ERR_PARSE;
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
  ph_cur c = ph_cur_make(v, len);
  for (;;) {
    if (t->nspecs == PINHOLE_RTSP_MAX_SPECS)
      return PINHOLE_ERR_RANGE;
    int rc = ph_spec(&c, &t->spec[t->nspecs]);
    if (rc != 0)
      return rc;
    t->nspecs++;
    if (ph_cur_left(&c) == 0)
      return 0;
    c.pos++; /* ',' */
  }
}

/* ---- rewrite ------------------------------------------------------- */

/* One replaced span: a port "a", a range "a-b" or an address "a.b.c.d". */
typedef struct ph_edit {
  pinhole_rtsp_span at;
  uint32_t n[2]; /* ports, or the address in n[0] */
  size_t count;  /* 1 or 2 ports; 4 for an address */
} ph_edit;

/* "a", "a-b" or "a.b.c.d". */
static void ph_put_edit(ph_wr *w, const ph_edit *e) {
  if (e->count == 4) {
    ph_wr_ipv4(w, e->n[0]);
    return;
  }
  ph_wr_u32(w, e->n[0]);
  if (e->count == 2) {
    ph_wr_ch(w, '-');
    ph_wr_u32(w, e->n[1]);
  }
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
  e->n[0] = addr;
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
  ph_wr w = {out, cap, 0};
  size_t cur = 0;
  for (size_t i = 0; i < n; i++) {
    ph_wr_put(&w, v + cur, e[i].at.off - cur);
    ph_put_edit(&w, &e[i]);
    cur = e[i].at.off + e[i].at.len;
  }
  ph_wr_put(&w, v + cur, len - cur);
  return w.len > cap ? PINHOLE_ERR_NOBUF : (int)w.len;
}

/* ---- readers for the NAT64 rewrite (alg/rtsp_parse.h) ---------------- */

/* The line at pos of a block already checked line by line: *eol where
 * its content ends, *next where the next one starts (len when none). */
static void ph_line_at(const uint8_t *p, size_t len, size_t pos, size_t *eol,
                       size_t *next) {
  const uint8_t *lf = memchr(p + pos, '\n', len - pos);
  size_t e = lf != NULL ? (size_t)(lf - p) : len;
  *next = lf != NULL ? e + 1 : len;
  *eol = e > pos && p[e - 1] == '\r' ? e - 1 : e;
}

int pinhole_rtsp_header_next(const uint8_t *p, size_t hdr_len, size_t *pos,
                             pinhole_rtsp_header *h) {
  if (p == NULL || pos == NULL || h == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  size_t eol, next, at = *pos;
  if (at == 0) { /* the empty lines and the start line */
    for (;;) {
      if (at >= hdr_len)
        return 0;
      ph_line_at(p, hdr_len, at, &eol, &next);
      size_t ls = at;
      at = next;
      if (eol > ls)
        break;
    }
  }
  if (at >= hdr_len)
    return 0;
  ph_line_at(p, hdr_len, at, &eol, &next);
  ph_cur c = {p, at, eol};
  if (ph_cur_span(&c, ph_is_tchar) == 0 || !ph_cur_eat(&c, ':')) {
    *pos = hdr_len;
    return 0;
  }
  h->name_off = at;
  h->name_len = c.pos - 1 - at;
  h->val_off = c.pos;
  h->val_end = eol;
  /* continuation lines */
  while (next < hdr_len && (p[next] == ' ' || p[next] == '\t')) {
    ph_line_at(p, hdr_len, next, &eol, &next);
    h->val_end = eol;
  }
  ph_trim(p, &h->val_off, &h->val_end);
  *pos = next;
  return 1;
}

/* Bytes that end a URL's authority. */
static int ph_is_auth_end(uint8_t b) {
  return b == '/' || b == '?' || b == '#' || b == ';' || b == ',' || b == '"' ||
         b == '>' || ph_is_lws(b);
}

/* RFC 3986 scheme characters besides letters. */
static int ph_is_scheme(uint8_t b) {
  return ph_is_alnum(b) || b == '+' || b == '-' || b == '.';
}

/* The host of the authority v[a..e). */
static void ph_host(const uint8_t *v, size_t a, size_t e,
                    pinhole_rtsp_host *h) {
  for (size_t i = a; i < e; i++)
    if (v[i] == '@') /* userinfo: the host follows the last '@' */
      a = i + 1;
  size_t he = a;
  memset(h, 0, sizeof(*h));
  h->off = a;
  if (a < e && v[a] == '[') {
    const uint8_t *rb = memchr(v + a, ']', e - a);
    he = rb != NULL ? (size_t)(rb - v) + 1 : e;
    if (rb != NULL && ph_ipv6_text(v + a + 1, he - a - 2, h->v6) == 0)
      h->kind = PINHOLE_RTSP_HOST_IPV6;
  } else {
    while (he < e && v[he] != ':')
      he++;
    if (ph_ipv4_text(v + a, he - a, &h->v4) == 0)
      h->kind = PINHOLE_RTSP_HOST_IPV4;
  }
  h->len = he - a;
  /* only ":port" may follow the host */
  uint32_t port;
  if (he < e && (v[he] != ':' || (he + 1 < e && ph_dec(v + he + 1, e - he - 1,
                                                       65535, &port) != 0)))
    h->kind = PINHOLE_RTSP_HOST_NAME;
}

int pinhole_rtsp_url_next(const uint8_t *v, size_t len, size_t *pos,
                          pinhole_rtsp_host *h) {
  if ((v == NULL && len > 0) || pos == NULL || h == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  for (size_t i = *pos; i + 3 <= len; i++) {
    if (v[i] != ':' || v[i + 1] != '/' || v[i + 2] != '/' || i == 0 ||
        !ph_is_scheme(v[i - 1]))
      continue;
    size_t a = i + 3, e = a;
    int in_brackets = 0;
    while (e < len && (in_brackets || !ph_is_auth_end(v[e]))) {
      if (v[e] == '[')
        in_brackets = 1;
      else if (v[e] == ']')
        in_brackets = 0;
      else if (ph_is_lws(v[e]) || v[e] == '"' || v[e] == '>')
        break; /* an unclosed bracket ends with the token */
      e++;
    }
    ph_host(v, a, e, h);
    *pos = h->off + h->len;
    return 1;
  }
  *pos = len;
  return 0;
}

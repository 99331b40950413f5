/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIP ALG, pure part: SDP (RFC 8866; a=rtcp, RFC 3605): the parser behind
 * pinhole_sip_sdp_parse() and the line readers the rewriter
 * (sip_rewrite.c) walks the same lines with.
 */
#include <string.h>

#include "alg/sip_parse.h"

/* A byte of an SDP field (fields are separated by single spaces). */
static int ph_is_sdp_field(uint8_t c) {
  return c != ' ';
}

static int ph_is_sp(uint8_t c) {
  return c == ' ';
}

/* Next line of b[0..len) from *pos: content [*ls, *le) without CRLF/LF.
 * Returns 1, 0 at the end, PINHOLE_ERR_PARSE on NUL or a bare CR. */
int pinhole__sdp_line(const uint8_t *b, size_t len, size_t *pos, size_t *ls,
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

/* Reads "nettype addrtype address" at the cursor. Returns 0 or -1. */
int pinhole__sdp_nataddr(ph_cur *c, ph_sdp_addr *a) {
  size_t ns, ne, ts, te, as, ae;
  if (!ph_sdp_field(c, &ns, &ne) || !ph_sdp_field(c, &ts, &te) ||
      !ph_sdp_field(c, &as, &ae))
    return -1;
  const uint8_t *b = c->p;
  const uint8_t *sl = memchr(b + as, '/', ae - as);
  a->s = as;
  a->ts = ts;
  a->te = te;
  a->e = sl != NULL ? (size_t)(sl - b) : ae;
  a->ip4 = ph_eq(b + ns, ne - ns, "IN") && ph_eq(b + ts, te - ts, "IP4") &&
           ph_ipv4_text(b + as, a->e - as, &a->addr) == 0;
  a->ip6 = ph_eq(b + ns, ne - ns, "IN") && ph_eq(b + ts, te - ts, "IP6") &&
           ph_ipv6_text(b + as, a->e - as, a->addr6) == 0;
  return 0;
}

int pinhole_sip_sdp_addr6(const uint8_t *body, size_t len, uint32_t idx,
                          uint8_t addr[16]) {
  size_t pos = 0, ls, le;
  long cur = -1;
  int sess = 0, media = 0; /* 0: no c= yet, 1: not IPv6, 2: IPv6 */
  uint8_t sess6[16], media6[16];
  if (addr == NULL || (body == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(sess6, 0, sizeof(sess6));
  memset(media6, 0, sizeof(media6));
  while (pinhole__sdp_line(body, len, &pos, &ls, &le) == 1) {
    int type = pinhole__sdp_type(body, ls, le);
    if (type == 'm' && cur == (long)idx)
      break;
    if (type == 'm')
      cur++;
    if (type != 'c' || (cur >= 0 && cur != (long)idx) ||
        (cur < 0 ? sess : media) != 0)
      continue;
    ph_cur c = {body, ls + 2, le};
    ph_sdp_addr a;
    memset(&a, 0, sizeof(a));
    if (pinhole__sdp_nataddr(&c, &a) != 0)
      return PINHOLE_ERR_PARSE;
    *(cur < 0 ? &sess : &media) = 1 + a.ip6;
    memcpy(cur < 0 ? sess6 : media6, a.addr6, 16);
  }
  if (cur != (long)idx || media == 1 || (media == 0 && sess != 2))
    return PINHOLE_ERR_NOMATCH;
  memcpy(addr, media ? media6 : sess6, 16);
  return 0;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address> */
int pinhole__sdp_origin(const uint8_t *b, size_t s, size_t e, ph_sdp_addr *a) {
  ph_cur c = {b, s, e};
  size_t fs, fe;
  for (int i = 0; i < 3; i++)
    if (!ph_sdp_field(&c, &fs, &fe))
      return -1;
  return pinhole__sdp_nataddr(&c, a);
}

int pinhole__sdp_mline(const uint8_t *b, size_t s, size_t e, ph_sdp_m *mm) {
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

int pinhole__sdp_rtcpline(const uint8_t *b, size_t s, size_t e,
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
  if (pinhole__sdp_nataddr(&c, &r->a))
    return -1;
  r->has_addr = 1;
  return 0;
}

/* Line type of b[ls..le): 'x' for "x=", 0 for an empty line, -1 else. */
int pinhole__sdp_type(const uint8_t *b, size_t ls, size_t le) {
  if (le == ls)
    return 0;
  if (le - ls < 2 || b[ls] < 'a' || b[ls] > 'z' || b[ls + 1] != '=')
    return -1;
  return b[ls];
}

int pinhole__sdp_is_rtcp(const uint8_t *b, size_t s, size_t e) {
  return e - s >= 5 && memcmp(b + s, "rtcp:", 5) == 0;
}

/* a=candidate: and a=remote-candidates: (ICE, RFC 8839) lines. */
int pinhole__sdp_is_ice(const uint8_t *b, size_t ls, size_t le) {
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
    if (pinhole__sdp_origin(b, s, e, &a))
      return PINHOLE_ERR_PARSE;
    if (a.ip4 && !(sd->flags & PINHOLE_SDP_ORIGIN)) {
      sd->flags |= PINHOLE_SDP_ORIGIN;
      sd->origin_addr = a.addr;
    }
  } else if (type == 'c') {
    if (pinhole__sdp_nataddr(&c, &a))
      return PINHOLE_ERR_PARSE;
    ph_sdp_conn(sd, *cur, &a);
  } else if (type == 'm') {
    ph_sdp_m mm;
    if (sd->media_count == PINHOLE_SDP_MAX_MEDIA)
      return PINHOLE_ERR_FULL;
    if (pinhole__sdp_mline(b, s, e, &mm))
      return PINHOLE_ERR_PARSE;
    *cur = (int)sd->media_count++;
    sd->media[*cur].type = mm.type;
    sd->media[*cur].port = mm.port;
    sd->media[*cur].port_count = mm.count;
  } else if (type == 'a' && *cur >= 0 && pinhole__sdp_is_rtcp(b, s, e)) {
    ph_sdp_rtcp r;
    if (pinhole__sdp_rtcpline(b, s + 5, e, &r))
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
  while ((rc = pinhole__sdp_line(body, len, &pos, &ls, &le)) == 1) {
    int type = pinhole__sdp_type(body, ls, le);
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

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIP ALG, pure part: the NAT rewriter behind pinhole_sip_translate() and
 * pinhole_sip_rewrite(). What it rewrites and why: sip_parse.c's opening
 * comment and include/pinhole/sip.h.
 *
 * It never edits in place: it walks the message in order and emits copy
 * ranges and replacements into a sink (text.h) that counts what it would
 * write past the caller's capacity. It runs the SDP once into a counting
 * sink to learn the new Content-Length, then writes everything, parses the
 * output again and counts what is left of the from address (leftover).
 *
 * NAT64 (pinhole_sip_translate64, docs/nat64.md "SIP over NAT64"): the
 * same walk, where each address handler asks ph_rw.x and writes the other
 * family's form: IPv6 references and SDP "IN IP6" of the client become
 * the pool's IPv4 ones, IPv4 ones the client's or synthesised IPv6 ones
 * (RFC 6052 sec. 2.2, RFC 6157 sec. 4).
 */
#include <string.h>

#include "alg/sip_parse.h"

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
  const pinhole_sip_nat64 *x; /* NULL: NAT44; else NAT64 (from/to ports as
                        on IPv4, the client's address in x) */
  size_t sdp_off, sdp_len;    /* the SDP (for its media's IPv6 addresses) */
} ph_rw;

static void ph_put_addr(ph_sink *o, size_t s, size_t e, uint32_t addr) {
  uint8_t t[16];
  ph_sink_replace(o, s, e, t, ph_fmt_ipv4(t, addr));
}

static void ph_put_dec(ph_sink *o, size_t s, size_t e, uint32_t v) {
  uint8_t t[10];
  ph_sink_replace(o, s, e, t, ph_fmt_u32(t, v));
}

/* Replaces host[:port] at [s, e) with to.addr[:port]: the port is
 * written unless the original had none and port is the default. */
static void ph_put_hostport(const ph_rw *rw, ph_sink *o, size_t s, size_t e,
                            int has_port, uint16_t def_port, uint16_t port) {
  uint8_t t[24];
  size_t n = ph_fmt_ipv4(t, rw->to.addr);
  if (has_port || port != def_port) {
    t[n++] = ':';
    n += ph_fmt_u32(t + n, port);
  }
  ph_sink_replace(o, s, e, t, n);
}

/* Maps a port of from's address through nat->port_map (inside to
 * outside outbound, back inbound). */
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

/* The port a URI or Via sent-by of from's address names (its own, else
 * def_port) is one of from's: from.port itself, or a port of
 * nat->port_map (another endpoint at the same address: a SIP-over-TCP
 * user agent's listening port, a media port). Returns 1 with *to the
 * port it becomes, else 0. */
static int ph_port_is_from(const ph_rw *rw, int has_port, uint16_t port,
                           uint16_t def_port, uint16_t *to) {
  uint16_t eff = has_port ? port : def_port;
  if (eff == rw->from.port) {
    *to = rw->to.port;
    return 1;
  }
  return ph_map_port(rw, eff, to);
}

/* ---- NAT64 addresses ---- */

/* a as RFC 5952 text at t (room for PINHOLE_ADDR6_STRLEN + 2), in
 * brackets when br (a URI host, RFC 3261 sec. 25.1 IPv6reference). */
static size_t ph_fmt6(uint8_t *t, const uint8_t a[16], int br) {
  char b[PINHOLE_ADDR6_STRLEN];
  int n = pinhole_addr6_format(a, b, sizeof(b));
  size_t k = 0;
  if (br)
    t[k++] = '[';
  if (n > 0) {
    memcpy(t + k, b, (size_t)n);
    k += (size_t)n;
  }
  if (br)
    t[k++] = ']';
  return k;
}

/* IPv4 address v4 as the IPv6 client reaches it: synthesised under the
 * connection's prefix (RFC 6052 sec. 2.2); "::" for 0.0.0.0. */
static void ph_synth(const ph_rw *rw, uint32_t v4, uint8_t out[16]) {
  if (v4 == 0 || pinhole_nat64_embed(out, rw->x->prefix, rw->x->plen, v4) != 0)
    memset(out, 0, 16);
}

/* t[0..n) ("[v6]" or IPv6 text) is the client's IPv6 address. */
static int ph_is_client6(const ph_rw *rw, const uint8_t *t, size_t n) {
  uint8_t a[16];
  if (n >= 2 && t[0] == '[' && t[n - 1] == ']') {
    t++;
    n -= 2;
  }
  return ph_ipv6_text(t, n, a) == 0 && memcmp(a, rw->x->client6, 16) == 0;
}

/* NAT64: a URI host or Via sent-by p[s..he) with its port (up to pe).
 * Outbound, [client6] with one of from's ports (ph_port_is_from) becomes
 * to.addr[:port] (1), another IPv6 reference under the prefix its IPv4
 * address (0, the port as written). Inbound, from.addr with one of
 * from's ports becomes [client6][:port] (1), another IPv4 address its
 * synthesised IPv6 reference (0). -1: left as it is. */
static int ph_rw_host64(const ph_rw *rw, ph_sink *o, size_t s, size_t he,
                        size_t pe, int has_port, uint16_t port,
                        uint16_t def_port) {
  const uint8_t *p = rw->p;
  uint8_t a6[16], t[PINHOLE_ADDR6_STRLEN + 8];
  uint32_t a4;
  uint16_t to;
  if (rw->outbound) {
    if (he - s < 3 || p[s] != '[' || p[he - 1] != ']' ||
        ph_ipv6_text(p + s + 1, he - s - 2, a6) != 0)
      return -1;
    if (memcmp(a6, rw->x->client6, 16) == 0) {
      if (!ph_port_is_from(rw, has_port, port, def_port, &to))
        return -1;
      ph_put_hostport(rw, o, s, pe, has_port, def_port, to);
      return 1;
    }
    if (pinhole_nat64_extract(a6, rw->x->prefix, rw->x->plen, &a4) != 0)
      return -1;
    ph_put_addr(o, s, he, a4);
    return 0;
  }
  if (ph_ipv4_text(p + s, he - s, &a4) != 0 || a4 == 0)
    return -1;
  if (a4 == rw->from.addr) {
    if (!ph_port_is_from(rw, has_port, port, def_port, &to))
      return -1;
    size_t n = ph_fmt6(t, rw->x->client6, 1);
    if (has_port || to != def_port) {
      t[n++] = ':';
      n += ph_fmt_u32(t + n, to);
    }
    ph_sink_replace(o, s, pe, t, n);
    return 1;
  }
  ph_synth(rw, a4, a6);
  ph_sink_replace(o, s, he, t, ph_fmt6(t, a6, 1));
  return 0;
}

/* Writes to's address (an IPv4 address, or for NAT64 inbound the
 * client's IPv6 text) in place of [s, e). */
static void ph_put_to(const ph_rw *rw, ph_sink *o, size_t s, size_t e) {
  uint8_t t[PINHOLE_ADDR6_STRLEN + 2];
  if (rw->x != NULL && !rw->outbound)
    ph_sink_replace(o, s, e, t, ph_fmt6(t, rw->x->client6, 0));
  else
    ph_put_addr(o, s, e, rw->to.addr);
}

/* t[0..n) is from's address (a received= value). */
static int ph_is_from(const ph_rw *rw, const uint8_t *t, size_t n) {
  uint32_t a;
  if (rw->x != NULL && rw->outbound)
    return ph_is_client6(rw, t, n);
  return ph_ipv4_text(t, n, &a) == 0 && a == rw->from.addr;
}

/* Rewrites the URI p[us..ue) if it names the from endpoint. */
static int ph_rw_uri(const ph_rw *rw, ph_sink *o, size_t us, size_t ue) {
  ph_hp h;
  uint16_t to;
  if (!pinhole__sip_uri_hostport(rw->p, us, ue, &h))
    return 0;
  if (rw->x != NULL)
    return ph_rw_host64(rw, o, h.host_s, h.host_e, h.port_e, h.has_port, h.port,
                        h.def_port) >= 0;
  if (h.ip6 || h.addr != rw->from.addr ||
      !ph_port_is_from(rw, h.has_port, h.port, h.def_port, &to))
    return 0;
  ph_put_hostport(rw, o, h.host_s, h.port_e, h.has_port, h.def_port, to);
  return 1;
}

/* Every URI of a field that carries them. */
static void ph_rw_uris(const ph_rw *rw, ph_sink *o, const ph_hdr *h,
                       uint32_t *count) {
  ph_cur c = {rw->p, h->val_off, h->val_end};
  ph_av v;
  int r;
  while ((r = pinhole__sip_addr_value(&c, &v)) == 1)
    if (v.uri_e > v.uri_s && ph_rw_uri(rw, o, v.uri_s, v.uri_e))
      (*count)++;
  if (r < 0)
    rw->res->skipped++;
}

/* Every from.addr host token of an opaque value (Call-ID and the like). */
static void ph_rw_words(const ph_rw *rw, ph_sink *o, const ph_hdr *h) {
  ph_cur c = {rw->p, h->val_off, h->val_end};
  size_t at, e;
  if (rw->x != NULL && rw->outbound) {
    while (ph_cur_ipv6_token(&c, rw->x->client6, &at, &e)) {
      ph_put_addr(o, at, e, rw->to.addr);
      rw->res->call_id++;
    }
    return;
  }
  while (ph_cur_host_token(&c, rw->from_txt, rw->from_len, &at)) {
    ph_put_to(rw, o, at, at + rw->from_len);
    rw->res->call_id++;
  }
}

/* Does this Via value's received= name from.addr? */
static int ph_via_received(const ph_rw *rw, const ph_via *v) {
  ph_cur c = {rw->p, v->par_s, v->par_e};
  ph_par r;
  while (pinhole__sip_param(&c, &r) == 1)
    if (ph_ieq(rw->p + r.ns, r.ne - r.ns, "received") &&
        ph_is_from(rw, rw->p + r.vs, r.ve - r.vs))
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
  while (pinhole__sip_param(&c, &r) == 1) {
    if (ph_ieq(p + r.ns, r.ne - r.ns, "received") &&
        ph_is_from(rw, p + r.vs, r.ve - r.vs)) {
      ph_put_to(rw, o, r.vs, r.ve);
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
  uint16_t to;
  int ours = 0;
  if (rw->x != NULL) {
    int r = ph_rw_host64(rw, o, v->host_s, v->host_e, v->port_e, v->has_port,
                         v->port, v->def_port);
    if (r >= 0)
      rw->res->via++;
    ph_rw_via_params(rw, o, v, r == 1 || ph_via_received(rw, v));
    return;
  }
  if (ph_ipv4_text(rw->p + v->host_s, v->host_e - v->host_s, &addr) == 0 &&
      addr == rw->from.addr &&
      ph_port_is_from(rw, v->has_port, v->port, v->def_port, &to)) {
    ph_put_hostport(rw, o, v->host_s, v->port_e, v->has_port, v->def_port, to);
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
  while ((r = pinhole__sip_via_value(&c, &v)) == 1)
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

/* NAT64: "IN IP6 client6" becomes "IN IP4 to.addr" (outbound); "IN IP4
 * a" becomes "IN IP6" the client's address for from.addr, else a
 * synthesised (inbound; multicast is left alone). */
static void ph_rw_sdp_addr64(const ph_rw *rw, ph_sink *o,
                             const ph_sdp_addr *a) {
  uint8_t a6[16], t[PINHOLE_ADDR6_STRLEN + 2];
  if (rw->outbound) {
    if (!a->ip6 || memcmp(a->addr6, rw->x->client6, 16) != 0)
      return;
    ph_sink_replace(o, a->ts, a->te, (const uint8_t *)"IP4", 3);
    ph_put_addr(o, a->s, a->e, rw->to.addr);
  } else {
    if (!a->ip4 || (a->addr >> 28) == 14)
      return;
    if (a->addr == rw->from.addr)
      memcpy(a6, rw->x->client6, 16);
    else
      ph_synth(rw, a->addr, a6);
    ph_sink_replace(o, a->ts, a->te, (const uint8_t *)"IP6", 3);
    ph_sink_replace(o, a->s, a->e, t, ph_fmt6(t, a6, 0));
  }
  rw->res->sdp_addr++;
}

static void ph_rw_sdp_addr(const ph_rw *rw, ph_sink *o, const ph_sdp_addr *a) {
  if (rw->x != NULL) {
    ph_rw_sdp_addr64(rw, o, a);
    return;
  }
  if (a->ip4 && a->addr == rw->from.addr) {
    ph_put_addr(o, a->s, a->e, rw->to.addr);
    rw->res->sdp_addr++;
  }
}

/* Media stream cur is at from's address (NAT64 outbound: the client's
 * IPv6 address, RFC 4566 sec. 5.7 session or media c=). */
static int ph_media_from(const ph_rw *rw, int cur) {
  uint8_t a[16];
  if (rw->x != NULL && rw->outbound)
    return pinhole_sip_sdp_addr6(rw->p + rw->sdp_off, rw->sdp_len,
                                 (uint32_t)cur, a) == 0 &&
           memcmp(a, rw->x->client6, 16) == 0;
  return rw->sdp->media[cur].addr == rw->from.addr;
}

static void ph_rw_sdp_m(const ph_rw *rw, ph_sink *o, size_t s, size_t e,
                        int cur) {
  ph_sdp_m mm;
  uint16_t to;
  if ((uint32_t)cur < rw->sdp->media_count &&
      pinhole__sdp_mline(rw->p, s, e, &mm) == 0 && mm.port != 0 &&
      ph_media_from(rw, cur) && ph_map_port(rw, mm.port, &to)) {
    ph_put_dec(o, mm.port_s, mm.port_e, to);
    rw->res->media_port++;
  }
}

static void ph_rw_sdp_rtcp(const ph_rw *rw, ph_sink *o, size_t s, size_t e,
                           int cur) {
  ph_sdp_rtcp r;
  uint16_t to;
  if ((uint32_t)cur >= rw->sdp->media_count ||
      pinhole__sdp_rtcpline(rw->p, s + 5, e, &r))
    return;
  int from;
  if (rw->x != NULL && rw->outbound && r.has_addr)
    from = r.a.ip6 && memcmp(r.a.addr6, rw->x->client6, 16) == 0;
  else if (r.has_addr)
    from = r.a.ip4 && r.a.addr == rw->from.addr;
  else
    from = ph_media_from(rw, cur);
  if (from && ph_map_port(rw, r.port, &to)) {
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
  if (type == 'o' && pinhole__sdp_origin(b, s, e, &a) == 0) {
    ph_rw_sdp_addr(rw, o, &a);
  } else if (type == 'c' && pinhole__sdp_nataddr(&c, &a) == 0) {
    ph_rw_sdp_addr(rw, o, &a);
  } else if (type == 'm') {
    ph_rw_sdp_m(rw, o, s, e, ++*cur);
  } else if (type == 'a' && *cur >= 0 && pinhole__sdp_is_rtcp(b, s, e)) {
    ph_rw_sdp_rtcp(rw, o, s, e, *cur);
  }
}

/* Emits the SDP p[sdp.off..sdp.off + sdp.len) rewritten. */
static void ph_rw_sdp(const ph_rw *rw, ph_sink *o,
                      const pinhole_sip_range *sdp) {
  size_t end = sdp->off + sdp->len, pos = sdp->off, ls, le;
  int cur = -1;
  while (pinhole__sdp_line(rw->p, end, &pos, &ls, &le) == 1) {
    int type = pinhole__sdp_type(rw->p, ls, le);
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

/* IPv6 text tokens in p[s..e): the client's (any when any). */
static uint32_t ph_count6(const ph_rw *rw, const uint8_t *p, size_t s, size_t e,
                          int any) {
  ph_cur c = {p, s, e};
  size_t ts, te;
  uint32_t n = 0;
  while (ph_cur_ipv6_token(&c, any ? NULL : rw->x->client6, &ts, &te))
    n++;
  return n;
}

/* The address field of the SDP line b[ls..le) (o=, c=, a=rtcp with an
 * address) into *a. Returns 1, or 0 when the line has none. */
static int ph_sdp_line_addr(const uint8_t *b, size_t ls, size_t le,
                            ph_sdp_addr *a) {
  int type = pinhole__sdp_type(b, ls, le);
  ph_cur c = {b, ls + 2, le};
  ph_sdp_rtcp r;
  memset(a, 0, sizeof(*a));
  if (type == 'o')
    return pinhole__sdp_origin(b, ls + 2, le, a) == 0;
  if (type == 'c')
    return pinhole__sdp_nataddr(&c, a) == 0;
  if (type != 'a' || !pinhole__sdp_is_rtcp(b, ls + 2, le) ||
      pinhole__sdp_rtcpline(b, ls + 7, le, &r) != 0 || !r.has_addr)
    return 0;
  *a = r.a;
  return 1;
}

/* NAT64 outbound: what the output still says of IPv6 that the IPv4
 * server cannot use and that may name an inside host: the client's
 * address anywhere in the header block or the SDP (a token), any IPv6
 * address in Via and Contact (where the sender names itself), and any
 * SDP o=, c= or a=rtcp address of type IP6 (read or not). */
static uint32_t ph_leftover64(const ph_rw *rw, const uint8_t *out,
                              const pinhole_sip_msg *m, const ph_hdr *hdrs,
                              const pinhole_sip_range *sdp) {
  uint32_t n = ph_count6(rw, out, 0, m->hdr_len, 0);
  for (uint32_t i = 0; i < m->header_count; i++)
    if (hdrs[i].id == PH_H_VIA || hdrs[i].id == PH_H_CONTACT)
      n += ph_count6(rw, out, hdrs[i].val_off, hdrs[i].val_end, 1);
  size_t pos = sdp->off, ls, le;
  ph_sdp_addr a;
  while (pinhole__sdp_line(out, sdp->off + sdp->len, &pos, &ls, &le) == 1) {
    if (pinhole__sdp_is_ice(out, ls, le))
      continue;
    n += ph_count6(rw, out, ls, le, 0);
    if (ph_sdp_line_addr(out, ls, le, &a))
      n += ph_eq(out + a.ts, a.te - a.ts, "IP6");
  }
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
  if (pinhole__sip_parse(out, len, rw->nat->flags, &m2, hdrs) != 0 ||
      m2.msg_len != len || pinhole__sip_body_sdp(out, &m2, hdrs, &sdp) < 0)
    return PINHOLE_ERR_UNSUPPORTED;
  *leftover = 0;
  if (rw->x != NULL && rw->outbound) {
    *leftover = ph_leftover64(rw, out, &m2, hdrs, &sdp);
    return 0;
  }
  if (rw->from.addr == rw->to.addr)
    return 0;
  *leftover = ph_count_tokens(rw, out, 0, m2.hdr_len);
  for (pos = sdp.off;
       pinhole__sdp_line(out, sdp.off + sdp.len, &pos, &ls, &le) == 1;)
    if (!pinhole__sdp_is_ice(out, ls, le))
      *leftover += ph_count_tokens(rw, out, ls, le);
  return 0;
}

static void ph_rw_init(ph_rw *rw, const uint8_t *p, const pinhole_sip_msg *m,
                       const ph_hdr *hdrs, const pinhole_sip_nat *nat,
                       const pinhole_sip_nat64 *x) {
  memset(rw, 0, sizeof(*rw));
  rw->x = x;
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
  int rc = pinhole__sip_parse(p, len, nat->flags, m, hdrs);
  r->in_len = m->msg_len;
  if (rc != 0)
    return rc;
  if ((rc = pinhole__sip_body_sdp(p, m, hdrs, where)) <= 0)
    return rc;
  r->multipart = (m->flags & PINHOLE_SIP_MSG_MULTIPART) != 0;
  rc = pinhole_sip_sdp_parse(p + where->off, where->len, sdp);
  return rc != 0 ? rc : 1;
}

/* pinhole_sip_translate() into r, a full-size result. */
static int ph_translate(const uint8_t *p, size_t len,
                        const pinhole_sip_nat *nat, const pinhole_sip_nat64 *x,
                        uint8_t *out, size_t cap, pinhole_sip_result *r) {
  ph_hdr hdrs[PINHOLE_SIP_MAX_HEADERS];
  pinhole_sip_msg m;
  pinhole_sdp sdp;
  pinhole_sip_range where;
  pinhole_sip_result scratch;
  ph_rw rw;
  int rc = ph_translate_parse(p, len, nat, &m, hdrs, &sdp, &where, r);
  if (rc < 0)
    return rc;
  ph_rw_init(&rw, p, &m, hdrs, nat, x);
  rw.sdp = rc == 1 ? &sdp : NULL;
  rw.sdp_off = where.off;
  rw.sdp_len = rc == 1 ? where.len : 0;
  /* Pass 1: the new body length, counted only. */
  size_t body_len = m.body_len;
  if (rw.sdp != NULL) {
    ph_sink cnt = {{NULL, 0, 0}, p, where.off};
    memset(&scratch, 0, sizeof(scratch));
    rw.res = &scratch;
    ph_rw_sdp(&rw, &cnt, &where);
    body_len = m.body_len - where.len + cnt.w.len;
  }
  if (body_len > PINHOLE_SIP_MAX_BODY)
    return PINHOLE_ERR_UNSUPPORTED;
  /* Pass 2: everything, into out. */
  ph_sink o = {{out, cap, 0}, p, 0};
  rw.res = r;
  ph_rw_headers(&rw, &o, body_len);
  if (rw.sdp != NULL)
    ph_rw_sdp(&rw, &o, &where);
  ph_sink_copy_to(&o, m.msg_len);
  r->out_len = o.w.len;
  r->body_len = body_len;
  if (o.w.len > INT32_MAX)
    return PINHOLE_ERR_UNSUPPORTED;
  if (o.w.len > cap)
    return PINHOLE_ERR_NOBUF;
  if ((rc = ph_check_output(&rw, out, o.w.len, &r->leftover)) != 0)
    return rc;
  return (int)o.w.len;
}

/* pinhole_sip_translate() and pinhole_sip_translate64() (x). */
static int ph_translate_any(const uint8_t *p, size_t len,
                            const pinhole_sip_nat *nat,
                            const pinhole_sip_nat64 *x, uint8_t *out,
                            size_t cap, pinhole_sip_result *res) {
  pinhole_sip_result r;
  int rc;
  if (res == NULL || res->size < sizeof(r))
    return PINHOLE_ERR_INVALID_ARG;
  memset(&r, 0, sizeof(r));
  r.size = res->size;
  if (nat == NULL || (p == NULL && len > 0) || (out == NULL && cap > 0))
    rc = PINHOLE_ERR_INVALID_ARG;
  else if ((rc = ph_nat_check(nat)) == 0)
    rc = ph_translate(p, len, nat, x, out, cap, &r);
  memcpy(res, &r, sizeof(r));
  return rc;
}

int pinhole_sip_translate(const uint8_t *p, size_t len,
                          const pinhole_sip_nat *nat, uint8_t *out, size_t cap,
                          pinhole_sip_result *res) {
  return ph_translate_any(p, len, nat, NULL, out, cap, res);
}

int pinhole_sip_translate64(const uint8_t *p, size_t len,
                            const pinhole_sip_nat *nat,
                            const pinhole_sip_nat64 *x, uint8_t *out,
                            size_t cap, pinhole_sip_result *res) {
  if (x == NULL || x->size < sizeof(*x) ||
      (x->plen != 96 && (x->plen < 32 || x->plen > 64 || x->plen % 8 != 0)))
    return PINHOLE_ERR_INVALID_ARG;
  return ph_translate_any(p, len, nat, x, out, cap, res);
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

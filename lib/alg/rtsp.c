/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RTSP ALG (RFC 2326; RFC 7826 shares the syntax): media through NAT.
 *
 * Watches the RTSP control connection (TCP 554 and 8554) in both
 * directions. A SETUP request's Transport header names the client's RTP
 * and RTCP ports (client_port=a-b): each UDP spec's ports are mapped to
 * public ports that keep the pair together (even RTP port, RTCP at +1, RFC
 * 3550), the header is rewritten, and pinholes let the server's media in
 * to each port of the pair. The server's reply, which echoes the public
 * ports, is rewritten back so the client sees its own. Interleaved specs
 * (RTP over the RTSP connection) need nothing. A destination= naming any
 * host but the client opens nothing and is counted.
 *
 * On an IPv6 control connection (the firewall, no translation;
 * docs/ipv6.md) nothing is rewritten: a SETUP's client_port pair gets
 * pinholes for the server's media to the client's IPv6 address, or to
 * its destination= (the client's own unless third parties are allowed);
 * a reply's source= must be the server's own address (counted).
 *
 * Messages are framed by the pure parser (Content-Length bodies,
 * pipelining, interleaved '$' frames); the engine's stream driver parses
 * only at message starts and withholds a header block split across
 * segments until it arrives whole. A message the parser rejects stops
 * parsing in that direction (it cannot be resynchronised safely).
 */
#include "alg/alg.h"

#include "alg/text.h"

#include <pinhole/rtsp.h>

#include <string.h>

/* Pinholes for one spec's mapped ports. */
static void ph_rtsp_expect(ph_alg_call *ac, const ph_ends *e, uint16_t pub,
                           uint16_t priv, uint32_t mref) {
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_UDP;
  x.from = PH_ALG_SERVER; /* media comes from the server */
  x.src = e->server.addr;
  x.sport = 0; /* server_port is not known before the reply */
  x.dst = e->client_pub.addr;
  x.dport = pub;
  x.to_addr = e->client.addr;
  x.to_port = priv;
  x.mapping = mref;
  pinhole__alg_open_pinhole(ac, &x);
}

/* SETUP from the client: map client ports, fill rw, open pinholes. */
static int ph_rtsp_setup(ph_alg_call *ac, const pinhole_rtsp_transport *t,
                         pinhole_rtsp_rewrite *rw) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  int changes = 0;
  for (size_t i = 0; i < t->nspecs; i++) {
    const pinhole_rtsp_spec *s = &t->spec[i];
    pinhole_rtsp_rewrite_spec *r = &rw->spec[i];
    if (s->lower != PINHOLE_RTSP_LOWER_UDP ||
        !(s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT))
      continue; /* interleaved or not RTP: nothing to open */
    if (s->flags & PINHOLE_RTSP_SPEC_MULTICAST)
      continue;
    uint32_t dest = 0;
    if (s->flags & PINHOLE_RTSP_SPEC_DESTINATION) {
      if (!(s->flags & PINHOLE_RTSP_SPEC_DESTINATION_IPV4)) {
        pinhole__alg_error(ac, "destination is not an IPv4 address", NULL, 0);
        continue;
      }
      dest = s->destination;
    }
    uint16_t lo = s->client_port[0], hi = s->client_port[1];
    pinhole_endpoint seen = {e.client.addr, lo, 0};
    pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &seen, NULL, 0,
                       (const uint8_t *)"client_port", 11);
    if (pinhole__alg_policy(ac, PH_ALG_CLIENT, dest, 0, "destination", NULL,
                            0) < 0 ||
        pinhole__alg_policy(ac, PH_ALG_CLIENT, 0, lo, "client_port", NULL, 0) <
            0)
      continue;
    int pair = hi == lo + 1 && (lo & 1) == 0;
    if (hi != lo && !pair) {
      pinhole__alg_error(ac, "client_port is not an RTP/RTCP pair", NULL, 0);
      continue;
    }
    pinhole_endpoint pub;
    uint32_t m1, m2;
    if (pinhole__alg_map(ac, PINHOLE_IPPROTO_UDP, e.client.addr, lo, pair, &pub,
                         &m1, &m2) != 0) {
      /* no public port: the server would send to a port nobody opened
       * (and a destination= would name the inside address): the SETUP is
       * refused, fail closed (pinholes of earlier specs expire unused) */
      pinhole__alg_refuse(ac, "no public port for client_port", NULL, 0);
      return 0;
    }
    pinhole_endpoint real = {e.client.addr, lo, 0};
    pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &pub, 0, NULL, 0);
    if (pub.port != lo) {
      r->flags |= PINHOLE_RTSP_REWRITE_CLIENT_PORT;
      r->client_port[0] = pub.port;
      r->client_port[1] = (uint16_t)(pub.port + (hi - lo));
      changes++;
    }
    if ((s->flags & PINHOLE_RTSP_SPEC_DESTINATION) &&
        pub.addr != s->destination) {
      r->flags |= PINHOLE_RTSP_REWRITE_DESTINATION;
      r->destination = pub.addr;
      changes++;
    }
    ph_rtsp_expect(ac, &e, pub.port, lo, m1);
    if (pair)
      ph_rtsp_expect(ac, &e, (uint16_t)(pub.port + 1), hi, m2);
  }
  return changes;
}

/* A reply from the server: public client ports back to the client's own. */
static int ph_rtsp_reply(ph_alg_call *ac, const pinhole_rtsp_transport *t,
                         pinhole_rtsp_rewrite *rw) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  int changes = 0;
  for (size_t i = 0; i < t->nspecs; i++) {
    const pinhole_rtsp_spec *s = &t->spec[i];
    pinhole_rtsp_rewrite_spec *r = &rw->spec[i];
    if (s->lower != PINHOLE_RTSP_LOWER_UDP ||
        !(s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT))
      continue;
    pinhole_endpoint real;
    if (pinhole__alg_unmap_public(ac, PINHOLE_IPPROTO_UDP, s->client_port[0],
                                  &real) != 0)
      continue;
    if (real.port != s->client_port[0]) {
      r->flags |= PINHOLE_RTSP_REWRITE_CLIENT_PORT;
      r->client_port[0] = real.port;
      r->client_port[1] =
          (uint16_t)(real.port + (s->client_port[1] - s->client_port[0]));
      changes++;
    }
    if ((s->flags & PINHOLE_RTSP_SPEC_DESTINATION_IPV4) &&
        s->destination == e.client_pub.addr &&
        e.client_pub.addr != e.client.addr) {
      r->flags |= PINHOLE_RTSP_REWRITE_DESTINATION;
      r->destination = e.client.addr;
      changes++;
    }
  }
  return changes;
}

/* ---- IPv6 control connections (the firewall, no translation) ------------- */

/* The IPv6 address of a destination= or source= value v[sp] (plain,
 * quoted or in brackets). Returns 0, or -1 when it is none. */
static int ph_rtsp_addr6(const uint8_t *v, const pinhole_rtsp_span *sp,
                         uint8_t a[16]) {
  size_t o = sp->off, n = sp->len;
  for (int k = 0; k < 2 && n >= 2; k++)
    if ((v[o] == '"' && v[o + n - 1] == '"') ||
        (v[o] == '[' && v[o + n - 1] == ']'))
      o++, n -= 2;
  return ph_ipv6_text(v + o, n, a);
}

/* The Transport header v of a SETUP (setup) or a reply on an IPv6
 * connection: a SETUP's UDP client_port pairs get pinholes for the
 * server's media to the client's address (or its destination=, which
 * must be the client's own unless third parties are allowed); a reply's
 * source= must be the server's own (counted otherwise). Nothing is
 * rewritten. */
static void ph_rtsp_transport6(ph_alg_call *ac, const uint8_t *v,
                               const pinhole_rtsp_transport *t, int setup) {
  ph_ends6 e;
  pinhole__alg_ends6(ac, &e);
  static const uint8_t any[16];
  for (size_t i = 0; i < t->nspecs; i++) {
    const pinhole_rtsp_spec *s = &t->spec[i];
    uint8_t a[16];
    if (s->lower != PINHOLE_RTSP_LOWER_UDP ||
        (s->flags & PINHOLE_RTSP_SPEC_MULTICAST))
      continue;
    if (!setup) { /* a source= of another host: counted by the policy */
      if (!(s->flags & PINHOLE_RTSP_SPEC_SOURCE))
        continue;
      if (ph_rtsp_addr6(v, &s->source_v, a) != 0)
        pinhole__alg_error(ac, "source is not an IPv6 address", NULL, 0);
      else
        pinhole__alg_policy6(ac, PH_ALG_SERVER, a, 0, "source", NULL, 0);
      continue;
    }
    if (!(s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT))
      continue;
    memcpy(a, e.client, 16);
    if ((s->flags & PINHOLE_RTSP_SPEC_DESTINATION) &&
        s->destination_v.len != 0 && ph_rtsp_addr6(v, &s->destination_v, a)) {
      pinhole__alg_error(ac, "destination is not an IPv6 address", NULL, 0);
      continue;
    }
    uint16_t lo = s->client_port[0], hi = s->client_port[1];
    pinhole_endpoint seen = {0, lo, 0};
    pinhole__alg_trace6(ac, PINHOLE_TRACE_PARSED, &seen, a, NULL, NULL,
                        (const uint8_t *)"client_port", 11);
    if (pinhole__alg_policy6(ac, PH_ALG_CLIENT, a, 0, "destination", NULL, 0) <
            0 ||
        pinhole__alg_policy6(ac, PH_ALG_CLIENT, any, lo, "client_port", NULL,
                             0) < 0)
      continue;
    if (hi != lo && (hi != lo + 1 || (lo & 1) != 0)) {
      pinhole__alg_error(ac, "client_port is not an RTP/RTCP pair", NULL, 0);
      continue;
    }
    ph_pinhole_req x;
    memset(&x, 0, sizeof(x));
    x.family = 6;
    x.proto = PINHOLE_IPPROTO_UDP;
    x.from = PH_ALG_SERVER; /* media comes from the server */
    memcpy(x.src6, e.server, 16);
    memcpy(x.dst6, a, 16);
    for (uint32_t port = lo; port <= hi; port++) {
      x.dport = (uint16_t)port;
      pinhole__alg_open_pinhole(ac, &x);
    }
  }
}

/* ---- NAT64 control connections (RTSP over NAT64; docs/nat64.md) --------- */

/* The edits of one message, applied together once it was read whole: a
 * message is translated entirely or not at all. */
#define PH_RTSP64_EDITS 40
#define PH_RTSP64_TXT 52

typedef struct ph_ed {
  size_t off, len; /* the bytes replaced, from the message's start */
  size_t n;
  uint8_t txt[PH_RTSP64_TXT];
} ph_ed;

typedef struct ph_eds {
  size_t n;
  int over; /* more edits than fit: the message is not translated */
  ph_ed e[PH_RTSP64_EDITS];
} ph_eds;

static void ph_ed_add(ph_eds *d, size_t off, size_t len, const void *t,
                      size_t n) {
  if (d->n == PH_RTSP64_EDITS || n > PH_RTSP64_TXT) {
    d->over = 1;
    return;
  }
  ph_ed *e = &d->e[d->n++];
  e->off = off;
  e->len = len;
  e->n = n;
  memcpy(e->txt, t, n);
}

static void ph_ed_v4(ph_eds *d, size_t off, size_t len, uint32_t addr) {
  uint8_t t[15];
  ph_ed_add(d, off, len, t, ph_fmt_ipv4(t, addr));
}

/* addr as RFC 5952 text, in brackets for a URL host (RFC 3986 sec.
 * 3.2.2), plain in a Transport parameter or an SDP line. */
static void ph_ed_v6(ph_eds *d, size_t off, size_t len, const uint8_t a[16],
                     int brackets) {
  char t[PINHOLE_ADDR6_STRLEN + 2];
  int n = pinhole_addr6_format(a, t + 1, sizeof(t) - 2);
  if (n < 0) {
    d->over = 1;
    return;
  }
  t[0] = '[';
  t[n + 1] = ']';
  ph_ed_add(d, off, len, brackets ? t : t + 1, (size_t)n + (brackets ? 2 : 0));
}

/* "a" or "a-b". */
static void ph_ed_ports(ph_eds *d, size_t off, size_t len, uint32_t lo,
                        uint32_t hi, int range) {
  uint8_t t[24];
  size_t n = ph_fmt_u32(t, lo);
  if (range) {
    t[n++] = '-';
    n += ph_fmt_u32(t + n, hi);
  }
  ph_ed_add(d, off, len, t, n);
}

/* Applies d to the message at pos, last edit first (so the offsets of
 * the others hold); the engine fixes lengths, checksums and sequence
 * numbers. */
static void ph_ed_apply(ph_alg_call *ac, size_t pos, ph_eds *d) {
  for (size_t i = 1; i < d->n; i++)
    for (size_t j = i; j > 0 && d->e[j].off < d->e[j - 1].off; j--) {
      ph_ed tmp = d->e[j];
      d->e[j] = d->e[j - 1];
      d->e[j - 1] = tmp;
    }
  for (size_t i = 1; i < d->n; i++)
    if (d->e[i - 1].off + d->e[i - 1].len > d->e[i].off) {
      pinhole__alg_refuse(ac, "overlapping rewrites", NULL, 0);
      return;
    }
  for (size_t i = d->n; i > 0 && !pinhole__alg_failed(ac); i--) {
    const ph_ed *e = &d->e[i - 1];
    pinhole__alg_splice(ac, pos + e->off, e->len, e->txt, e->n);
  }
}

/* The pinhole for the server's IPv4 media to the pool's public port pub,
 * admitted as a NAT64 connection to [dst6]:port. */
static void ph_rtsp64_expect(ph_alg_call *ac, const ph_ends *e, uint32_t pool,
                             uint16_t pub, const uint8_t dst6[16],
                             uint16_t port, uint32_t mref) {
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.family = 64;
  x.proto = PINHOLE_IPPROTO_UDP;
  x.from = PH_ALG_SERVER; /* media comes from the server */
  x.src = e->server.addr;
  x.sport = 0; /* server_port is not known before the reply */
  x.dst = pool;
  x.dport = pub;
  x.to_port = port;
  memcpy(x.dst6, dst6, 16);
  x.mapping = mref;
  pinhole__alg_open_pinhole(ac, &x);
}

/* One UDP spec s of a SETUP's Transport value (at toff in the message,
 * v its bytes) from a NAT64 client: client_port gets public ports of the
 * pool (an RTP/RTCP pair keeps together), destination= (the client's
 * own IPv6 address) the pool address, and pinholes admit the server's
 * IPv4 media to the client. Returns -1 when the message was refused. */
static int ph_rtsp64_spec(ph_alg_call *ac, const uint8_t *v, size_t toff,
                          const pinhole_rtsp_spec *s, ph_eds *d) {
  static const uint8_t any[16];
  ph_ends e;
  ph_ends6 e6;
  pinhole__alg_ends(ac, &e);
  pinhole__alg_ends6(ac, &e6);
  uint8_t a[16];
  memcpy(a, e6.client, 16);
  if ((s->flags & PINHOLE_RTSP_SPEC_DESTINATION) && s->destination_v.len > 0 &&
      ph_rtsp_addr6(v, &s->destination_v, a) != 0) {
    /* an IPv4 address, a name or a form not read: it may carry the
     * client's address, which must not leave untranslated */
    pinhole__alg_refuse(ac, "destination is not an IPv6 address", NULL, 0);
    return -1;
  }
  uint16_t lo = s->client_port[0], hi = s->client_port[1];
  pinhole_endpoint seen = {0, lo, 0};
  pinhole__alg_trace6(ac, PINHOLE_TRACE_PARSED, &seen, a, NULL, NULL,
                      (const uint8_t *)"client_port", 11);
  if (pinhole__alg_policy6(ac, PH_ALG_CLIENT, a, 0, "destination", NULL, 0) <
          0 ||
      pinhole__alg_policy6(ac, PH_ALG_CLIENT, any, lo, "client_port", NULL, 0) <
          0)
    return 0;
  int pair = hi == lo + 1 && (lo & 1) == 0;
  if (hi != lo && !pair) {
    pinhole__alg_error(ac, "client_port is not an RTP/RTCP pair", NULL, 0);
    return 0;
  }
  pinhole_endpoint pub;
  uint32_t m1, m2 = 0;
  int rc = pinhole__alg_map6_flags(ac, PINHOLE_IPPROTO_UDP, a, lo,
                                   pair ? PH_ALG_MAP_PAIR : 0, &pub, &m1, &m2);
  if (rc != 0) {
    /* no public port: the server would send to a port nobody opened */
    pinhole__alg_refuse(ac, "no public port for client_port", NULL, 0);
    return -1;
  }
  pinhole__alg_trace6(ac, PINHOLE_TRACE_TRANSLATED, &seen, a, &pub, NULL, NULL,
                      0);
  ph_ed_ports(d, toff + s->client_port_v.off, s->client_port_v.len, pub.port,
              pub.port + (uint32_t)(hi - lo),
              (s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT_RANGE) != 0);
  if ((s->flags & PINHOLE_RTSP_SPEC_DESTINATION) && s->destination_v.len > 0)
    ph_ed_v4(d, toff + s->destination_v.off, s->destination_v.len, pub.addr);
  ph_rtsp64_expect(ac, &e, pub.addr, pub.port, a, lo, m1);
  if (pair)
    ph_rtsp64_expect(ac, &e, pub.addr, (uint16_t)(pub.port + 1), a, hi, m2);
  return 0;
}

/* A Transport value v[0..len) at toff of a SETUP from a NAT64 client.
 * Returns -1 when the message was refused. */
static int ph_rtsp64_setup(ph_alg_call *ac, const uint8_t *v, size_t len,
                           size_t toff, ph_eds *d) {
  pinhole_rtsp_transport t;
  if (pinhole_rtsp_transport_parse(v, len, &t) < 0) {
    /* it may name the client's IPv6 address in a form not read */
    pinhole__alg_refuse(ac, "malformed Transport header", v, len);
    return -1;
  }
  for (size_t i = 0; i < t.nspecs; i++) {
    const pinhole_rtsp_spec *s = &t.spec[i];
    if (s->lower != PINHOLE_RTSP_LOWER_UDP ||
        !(s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT) ||
        (s->flags & PINHOLE_RTSP_SPEC_MULTICAST))
      continue; /* interleaved, not RTP or multicast: nothing to open */
    if (ph_rtsp64_spec(ac, v, toff, s, d) < 0)
      return -1;
  }
  return 0;
}

/* A Transport value v[0..len) at toff of a reply to a NAT64 client:
 * client_port back to the client's ports, destination= (the pool
 * address) to the client's IPv6 address, source= (the server's IPv4
 * address) to the server's under the prefix. */
static void ph_rtsp64_reply_transport(ph_alg_call *ac, const uint8_t *v,
                                      size_t len, size_t toff, ph_eds *d) {
  ph_ends e;
  ph_ends6 e6;
  pinhole__alg_ends(ac, &e);
  pinhole__alg_ends6(ac, &e6);
  pinhole_rtsp_transport t;
  if (pinhole_rtsp_transport_parse(v, len, &t) < 0) {
    pinhole__alg_error(ac, "malformed Transport header", v, len);
    return;
  }
  for (size_t i = 0; i < t.nspecs; i++) {
    const pinhole_rtsp_spec *s = &t.spec[i];
    if (s->lower != PINHOLE_RTSP_LOWER_UDP ||
        (s->flags & PINHOLE_RTSP_SPEC_MULTICAST))
      continue;
    pinhole_endpoint real;
    if ((s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT) &&
        pinhole__alg_unmap_public(ac, PINHOLE_IPPROTO_UDP, s->client_port[0],
                                  &real) == 0 &&
        real.port != s->client_port[0])
      ph_ed_ports(d, toff + s->client_port_v.off, s->client_port_v.len,
                  real.port,
                  real.port + (uint32_t)(s->client_port[1] - s->client_port[0]),
                  (s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT_RANGE) != 0);
    if ((s->flags & PINHOLE_RTSP_SPEC_DESTINATION_IPV4) &&
        s->destination == e.client_pub.addr)
      ph_ed_v6(d, toff + s->destination_v.off, s->destination_v.len, e6.client,
               0);
    if (!(s->flags & PINHOLE_RTSP_SPEC_SOURCE_IPV4))
      continue;
    if (s->source == e.server.addr)
      ph_ed_v6(d, toff + s->source_v.off, s->source_v.len, e6.server, 0);
    else /* another host's media: counted, left as it is */
      pinhole__alg_policy(ac, PH_ALG_SERVER, s->source, 0, "source", NULL, 0);
  }
}

/* URLs in a header value p[off..end) naming the server by its IPv4
 * address: to its address under the prefix, as the client knows it. */
static void ph_rtsp64_urls(const uint8_t *p, size_t off, size_t end,
                           uint32_t v4, const uint8_t v6[16], ph_eds *d) {
  size_t at = 0;
  pinhole_rtsp_host h;
  while (pinhole_rtsp_url_next(p + off, end - off, &at, &h) == 1)
    if (h.kind == PINHOLE_RTSP_HOST_IPV4 && h.v4 == v4)
      ph_ed_v6(d, off + h.off, h.len, v6, 1);
}

/* The SDP body b[0..len) at boff of a reply: o= and c= naming the
 * server's IPv4 address become IN IP6 with its address under the prefix,
 * c= 0.0.0.0 becomes IN IP6 :: (RFC 4566 sec. 5.7, RFC 2326 appendix
 * C.1.7), a=control: URLs as in the headers. Returns -1 (counted,
 * nothing translated) when the body cannot be read. */
static int ph_rtsp64_sdp(ph_alg_call *ac, const uint8_t *b, size_t len,
                         size_t boff, ph_eds *d) {
  static const uint8_t any[16];
  ph_ends e;
  ph_ends6 e6;
  pinhole__alg_ends(ac, &e);
  pinhole__alg_ends6(ac, &e6);
  size_t pos = 0;
  pinhole_rtsp_sdp_addr a;
  int rc, multicast = 0;
  while ((rc = pinhole_rtsp_sdp_next(b, len, &pos, &a)) == 1) {
    if (a.line == 'a') {
      if (a.host.kind == PINHOLE_RTSP_HOST_IPV4 && a.host.v4 == e.server.addr)
        ph_ed_v6(d, boff + a.host.off, a.host.len, e6.server, 1);
      continue;
    }
    if (!a.ip4)
      continue;
    if (a.multicast) {
      multicast = 1; /* an IPv6-only client has no way to it */
      continue;
    }
    if (a.v4 != e.server.addr && (a.v4 != 0 || a.line != 'c'))
      continue; /* another host: a name for it is DNS64's business */
    ph_ed_add(d, boff + a.type_off, a.type_len, "IP6", 3);
    ph_ed_v6(d, boff + a.addr_off, a.addr_len, a.v4 ? e6.server : any, 0);
  }
  if (rc < 0) {
    pinhole__alg_error(ac, "malformed SDP body", NULL, 0);
    return -1;
  }
  if (multicast)
    pinhole__alg_error(ac, "multicast address not translated", NULL, 0);
  return 0;
}

static int ph_hdr_is(const uint8_t *p, const pinhole_rtsp_header *h,
                     const char *name) {
  return ph_ieq(p + h->name_off, h->name_len, name);
}

/* A reply from the server (p, the message; whole: its body is here too):
 * its Transport, the URLs of Content-Base, Content-Location, Location and
 * RTP-Info, and an SDP body with its Content-Length. */
static void ph_rtsp64_reply(ph_alg_call *ac, const uint8_t *p,
                            const pinhole_rtsp_msg *m, int whole, ph_eds *d) {
  ph_ends e;
  ph_ends6 e6;
  pinhole__alg_ends(ac, &e);
  pinhole__alg_ends6(ac, &e6);
  size_t pos = 0, clen_off = 0, clen_end = 0;
  int sdp = 0;
  pinhole_rtsp_header h;
  while (pinhole_rtsp_header_next(p, m->hdr_len, &pos, &h) == 1) {
    if (ph_hdr_is(p, &h, "Transport"))
      ph_rtsp64_reply_transport(ac, p + h.val_off, h.val_end - h.val_off,
                                h.val_off, d);
    else if (ph_hdr_is(p, &h, "Content-Base") ||
             ph_hdr_is(p, &h, "Content-Location") ||
             ph_hdr_is(p, &h, "Location") || ph_hdr_is(p, &h, "RTP-Info"))
      ph_rtsp64_urls(p, h.val_off, h.val_end, e.server.addr, e6.server, d);
    else if (ph_hdr_is(p, &h, "Content-Type"))
      sdp = h.val_end - h.val_off >= 15 &&
            ph_ieq(p + h.val_off, 15, "application/sdp");
    else if (ph_hdr_is(p, &h, "Content-Length"))
      clen_off = h.val_off, clen_end = h.val_end;
  }
  if (!sdp || m->body_len == 0 || clen_end == 0)
    return;
  if (!whole) {
    /* nothing is held on NAT64: the header is gone before the body
     * arrives, its Content-Length can no longer change */
    pinhole__alg_error(ac, "SDP body split across segments not translated",
                       NULL, 0);
    return;
  }
  size_t n0 = d->n;
  if (ph_rtsp64_sdp(ac, p + m->hdr_len, m->body_len, m->hdr_len, d) < 0) {
    d->n = n0;
    return;
  }
  int64_t grow = 0;
  for (size_t i = n0; i < d->n; i++)
    grow += (int64_t)d->e[i].n - (int64_t)d->e[i].len;
  if (grow != 0)
    ph_ed_ports(d, clen_off, clen_end - clen_off,
                (uint32_t)((int64_t)m->body_len + grow), 0, 0);
}

/* One message at pos on a NAT64 connection (the IPv4 form of the
 * packet); whole: all of it is in this segment. Client to server: the
 * Request-URI's host, when it is the server's address under the prefix,
 * becomes its IPv4 address (an RTSP/1.0 host is a name or a dotted quad,
 * RFC 2326 sec. 3.2), and SETUP's Transport is translated; server to
 * client: ph_rtsp64_reply. */
static void ph_rtsp64_message(ph_alg_call *ac, size_t pos,
                              const pinhole_rtsp_msg *m, int whole) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  ph_eds d;
  d.n = 0;
  d.over = 0;
  int client = pinhole__alg_from(ac) == PH_ALG_CLIENT;
  if (client && m->kind == PINHOLE_RTSP_KIND_REQUEST) {
    ph_ends e;
    ph_ends6 e6;
    pinhole__alg_ends(ac, &e);
    pinhole__alg_ends6(ac, &e6);
    size_t at = 0;
    pinhole_rtsp_host h;
    if (pinhole_rtsp_url_next(p + m->uri_off, m->uri_len, &at, &h) == 1 &&
        h.kind == PINHOLE_RTSP_HOST_IPV6 && memcmp(h.v6, e6.server, 16) == 0)
      ph_ed_v4(&d, m->uri_off + h.off, h.len, e.server.addr);
    size_t hp = 0;
    pinhole_rtsp_header t;
    while (m->method == PINHOLE_RTSP_METHOD_SETUP &&
           pinhole_rtsp_header_next(p, m->hdr_len, &hp, &t) == 1)
      if (ph_hdr_is(p, &t, "Transport") &&
          ph_rtsp64_setup(ac, p + t.val_off, t.val_end - t.val_off, t.val_off,
                          &d) < 0)
        return;
  } else if (!client && m->kind == PINHOLE_RTSP_KIND_RESPONSE) {
    ph_rtsp64_reply(ac, p, m, whole, &d);
  }
  if (d.over) {
    /* the client's: fail closed; the server's: counted, left as it is */
    if (client)
      pinhole__alg_refuse(ac, "too many addresses to translate", NULL, 0);
    else
      pinhole__alg_error(ac, "too many addresses to translate", NULL, 0);
    return;
  }
  ph_ed_apply(ac, pos, &d);
}

/* A Transport header the ALG cannot handle: it fails closed when the
 * header names the client's inside address (it would leave the NAT
 * untranslated), else it is only counted. */
static void ph_rtsp_unhandled(ph_alg_call *ac, const char *why,
                              const uint8_t *text, size_t len) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  if (e.client.addr != e.client_pub.addr &&
      ph_has_ipv4(text, len, e.client.addr, '.'))
    pinhole__alg_refuse(ac, why, text, len);
  else
    pinhole__alg_error(ac, why, text, len);
}

/* Handles the header block of one message at pos; 0, or -1 to stop. */
static int ph_rtsp_message(ph_alg_call *ac, size_t pos,
                           const pinhole_rtsp_msg *m, int whole) {
  if (m->kind == PINHOLE_RTSP_KIND_INTERLEAVED)
    return 0;
  /* every request and reply is traced (its header block), the ones that
   * carry no Transport too */
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, p, m->hdr_len);
  if (pinhole__alg_family(ac) == 64) {
    ph_rtsp64_message(ac, pos, m, whole);
    return 0;
  }
  if (!(m->flags & PINHOLE_RTSP_MSG_TRANSPORT))
    return 0;
  int setup = m->kind == PINHOLE_RTSP_KIND_REQUEST &&
              m->method == PINHOLE_RTSP_METHOD_SETUP &&
              pinhole__alg_from(ac) == PH_ALG_CLIENT;
  int reply = m->kind == PINHOLE_RTSP_KIND_RESPONSE &&
              pinhole__alg_from(ac) == PH_ALG_SERVER;
  if (!setup && !reply)
    return 0;
  pinhole_rtsp_transport t;
  int rc =
      pinhole_rtsp_transport_parse(p + m->transport_off, m->transport_len, &t);
  if (rc < 0) {
    ph_rtsp_unhandled(ac, "malformed Transport header", p + m->transport_off,
                      m->transport_len);
    return 0;
  }
  if (pinhole__alg_family(ac) == 6) {
    ph_rtsp_transport6(ac, p + m->transport_off, &t, setup);
    return 0;
  }
  pinhole_rtsp_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  int changes = setup ? ph_rtsp_setup(ac, &t, &rw) : ph_rtsp_reply(ac, &t, &rw);
  if (changes == 0)
    return 0;
  size_t cap;
  uint8_t *out = pinhole__alg_scratch(ac, &cap);
  int n = pinhole_rtsp_transport_rewrite(p + m->transport_off, m->transport_len,
                                         &rw, out, cap);
  if (n < 0) {
    pinhole__alg_refuse(ac, "Transport rewrite failed", p + m->transport_off,
                        m->transport_len);
    return 0;
  }
  pinhole__alg_splice(ac, pos + m->transport_off, m->transport_len, out,
                      (size_t)n);
  return 0;
}

/* The start of an interleaved frame header ('$', channel, length)
 * split across segments on an IPv6 or NAT64 connection, where nothing is
 * held (RFC 2326 sec. 10.12): its bytes, until the next segment gives
 * the length and the frame can be skipped. */
typedef struct ph_rtsp_state {
  uint8_t npart[2]; /* per direction: PH_ALG_CLIENT, PH_ALG_SERVER */
  uint8_t part[2][3];
} ph_rtsp_state;

/* The frame whose first st->npart header bytes came in the last segment:
 * its end in this payload (past it: *skip the bytes left in later
 * segments). Returns the position to parse from. */
static size_t ph_rtsp_split_frame(ph_alg_call *ac, ph_rtsp_state *st,
                                  size_t start, uint32_t *skip) {
  int d = pinhole__alg_from(ac);
  uint8_t h[4];
  size_t len = pinhole__alg_payload_len(ac), need = 4u - st->npart[d];
  const uint8_t *p = pinhole__alg_payload(ac);
  *skip = 0;
  if (len - start < need) { /* still not whole: keep collecting */
    memcpy(st->part[d] + st->npart[d], p + start, len - start);
    st->npart[d] = (uint8_t)(st->npart[d] + len - start);
    return len;
  }
  memcpy(h, st->part[d], st->npart[d]);
  memcpy(h + st->npart[d], p + start, need);
  st->npart[d] = 0;
  size_t end = start + need + ((size_t)h[2] << 8 | h[3]);
  if (end > len) {
    *skip = (uint32_t)(end - len);
    return len;
  }
  return end;
}

static void ph_rtsp_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_rtsp_state *st = pinhole__alg_state(ac);
  int d = pinhole__alg_from(ac);
  size_t pos = start;
  if (st->npart[d] > 0 && st->npart[d] < 4 &&
      start < pinhole__alg_payload_len(ac)) {
    pos = ph_rtsp_split_frame(ac, st, start, &res->skip_len);
    if (pos >= pinhole__alg_payload_len(ac)) {
      res->consumed = pinhole__alg_payload_len(ac);
      return;
    }
  }
  while (pos < pinhole__alg_payload_len(ac) && !pinhole__alg_failed(ac)) {
    size_t left = pinhole__alg_payload_len(ac) - pos;
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    pinhole_rtsp_msg m;
    int rc = pinhole_rtsp_frame(p, left, &m);
    if (rc == PINHOLE_ERR_PARSE) {
      pinhole__alg_error(ac, "malformed RTSP message", p,
                         left < 80 ? left : 80);
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    size_t blank = 0;
    while (blank < left && (p[blank] == '\r' || p[blank] == '\n'))
      blank++;
    if (blank == left) {
      /* empty lines between messages (RFC 7230 sec. 3.5): nothing to
       * withhold, the next message starts after them */
      pos += left;
      break;
    }
    if (rc == PINHOLE_ERR_PARTIAL && m.hdr_len == 0 && p[0] == '$' &&
        pinhole__alg_family(ac) != 4) {
      /* a frame header split on a connection that holds nothing: its
       * bytes are kept until the length arrives */
      memcpy(st->part[d], p, left);
      st->npart[d] = (uint8_t)left;
      res->consumed = pinhole__alg_payload_len(ac);
      return;
    }
    if (rc == PINHOLE_ERR_PARTIAL && m.hdr_len == 0) {
      /* the header block is split: withhold it until it is whole */
      res->consumed = pos;
      res->hold =
          left <= PINHOLE_RTSP_MAX_HEADER && pinhole_rtsp_prefix(p, left) == 1;
      if (!res->hold) {
        pinhole__alg_error(ac, "not the start of an RTSP message", p,
                           left < 80 ? left : 80);
        res->desync = 1;
      }
      return;
    }
    size_t len0 = pinhole__alg_payload_len(ac);
    ph_rtsp_message(ac, pos, &m, rc == 0);
    if (rc == PINHOLE_ERR_PARTIAL) {
      /* header handled; the body continues in later segments */
      res->consumed = pinhole__alg_payload_len(ac);
      res->skip_len = (uint32_t)(m.total_len - left);
      return;
    }
    /* the message may have grown or shrunk */
    pos = pos + m.total_len + pinhole__alg_payload_len(ac) - len0;
  }
  res->consumed = pos;
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_rtsp_state_ok(const void *state) {
  const ph_rtsp_state *st = state;
  return st->npart[0] < 4 && st->npart[1] < 4;
}

const ph_alg pinhole__alg_rtsp = {
    .name = "rtsp",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_RTSP,
    .stream = 1,
    .state_size = sizeof(ph_rtsp_state),
    .state_ok = ph_rtsp_state_ok,
    .ports = {554, 8554, 0, 0},
    .ipv6 = 1,
    .nat64 = 1,
    .inspect = ph_rtsp_inspect,
};

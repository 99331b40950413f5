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
                           const pinhole_rtsp_msg *m) {
  if (m->kind == PINHOLE_RTSP_KIND_INTERLEAVED)
    return 0;
  /* every request and reply is traced (its header block), the ones that
   * carry no Transport too */
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, p, m->hdr_len);
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

static void ph_rtsp_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  size_t pos = start;
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
    ph_rtsp_message(ac, pos, &m);
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

const ph_alg pinhole__alg_rtsp = {
    .name = "rtsp",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_RTSP,
    .stream = 1,
    .ports = {554, 8554, 0, 0},
    .ipv6 = 1,
    .inspect = ph_rtsp_inspect,
};

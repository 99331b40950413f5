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
 * Messages are framed by the pure parser (Content-Length bodies,
 * pipelining, interleaved '$' frames); the engine's stream driver parses
 * only at message starts and withholds a header block split across
 * segments until it arrives whole. A message the parser rejects stops
 * parsing in that direction (it cannot be resynchronised safely).
 */
#include "alg/alg.h"
#include "core/engine.h"

#include "alg/text.h"

#include <pinhole/rtsp.h>

#include <string.h>

/* Pinholes for one spec's mapped ports. */
static void ph_rtsp_expect(ph_alg_call *ac, const ph_ends *e, uint16_t pub,
                           uint16_t priv, uint32_t mref) {
  ph_expect x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_UDP;
  x.side = (uint8_t)(ac->conn->a_side ^ 1); /* media comes from the server */
  x.src = e->b_real.addr;
  x.sport = 0; /* server_port is not known before the reply */
  x.dst = e->a_pub.addr;
  x.dport = pub;
  x.to_addr = e->a_real.addr;
  x.to_port = priv;
  x.mapping = mref;
  pinhole__alg_expect(ac, &x);
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
    if (s->flags & PINHOLE_RTSP_SPEC_DESTINATION) {
      if (!(s->flags & PINHOLE_RTSP_SPEC_DESTINATION_IPV4) ||
          (s->destination != e.a_real.addr &&
           !(ac->ctx->cfg.flags & PINHOLE_CFG_ALG_THIRD_PARTY))) {
        pinhole__alg_error(ac, "destination is not the client", NULL, 0);
        continue;
      }
    }
    uint16_t lo = s->client_port[0], hi = s->client_port[1];
    pinhole_endpoint seen = {e.a_real.addr, lo, 0};
    pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &seen, NULL, 0,
                       (const uint8_t *)"client_port", 11);
    if (lo < 1024 && !(ac->ctx->cfg.flags & PINHOLE_CFG_ALG_LOW_PORTS)) {
      pinhole__alg_error(ac, "client_port below 1024", NULL, 0);
      continue;
    }
    int pair = hi == lo + 1 && (lo & 1) == 0;
    if (hi != lo && !pair) {
      pinhole__alg_error(ac, "client_port is not an RTP/RTCP pair", NULL, 0);
      continue;
    }
    pinhole_endpoint pub;
    uint32_t m1, m2;
    if (pinhole__alg_map(ac, PINHOLE_IPPROTO_UDP, e.a_real.addr, lo, pair, &pub,
                         &m1, &m2) != 0)
      continue;
    pinhole_endpoint real = {e.a_real.addr, lo, 0};
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
    uint32_t m = pinhole__map_find_public(ac->ctx, PINHOLE_IPPROTO_UDP,
                                          e.a_pub.addr, s->client_port[0]);
    if (m == 0)
      continue;
    const ph_mapping *mp = &ac->ctx->maps[m - 1];
    if (mp->iaddr != e.a_real.addr)
      continue;
    if (mp->iport != s->client_port[0]) {
      r->flags |= PINHOLE_RTSP_REWRITE_CLIENT_PORT;
      r->client_port[0] = mp->iport;
      r->client_port[1] =
          (uint16_t)(mp->iport + (s->client_port[1] - s->client_port[0]));
      changes++;
    }
    if ((s->flags & PINHOLE_RTSP_SPEC_DESTINATION_IPV4) &&
        s->destination == e.a_pub.addr && e.a_pub.addr != e.a_real.addr) {
      r->flags |= PINHOLE_RTSP_REWRITE_DESTINATION;
      r->destination = e.a_real.addr;
      changes++;
    }
  }
  return changes;
}

/* Handles the header block of one message at pos; 0, or -1 to stop. */
static int ph_rtsp_message(ph_alg_call *ac, size_t pos,
                           const pinhole_rtsp_msg *m) {
  if (m->kind == PINHOLE_RTSP_KIND_INTERLEAVED ||
      !(m->flags & PINHOLE_RTSP_MSG_TRANSPORT))
    return 0;
  int setup = m->kind == PINHOLE_RTSP_KIND_REQUEST &&
              m->method == PINHOLE_RTSP_METHOD_SETUP && ac->dir == 0;
  int reply = m->kind == PINHOLE_RTSP_KIND_RESPONSE && ac->dir == 1;
  if (!setup && !reply)
    return 0;
  const uint8_t *p = ph_payload(ac) + pos;
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, p,
                     m->hdr_len < 80 ? m->hdr_len : 80);
  pinhole_rtsp_transport t;
  int rc =
      pinhole_rtsp_transport_parse(p + m->transport_off, m->transport_len, &t);
  if (rc < 0) {
    pinhole__alg_error(ac, "malformed Transport header", p + m->transport_off,
                       m->transport_len);
    return 0;
  }
  pinhole_rtsp_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  int changes = setup ? ph_rtsp_setup(ac, &t, &rw) : ph_rtsp_reply(ac, &t, &rw);
  if (changes == 0)
    return 0;
  uint8_t *out = ac->ctx->scratch;
  int n = pinhole_rtsp_transport_rewrite(p + m->transport_off, m->transport_len,
                                         &rw, out, PH_SCRATCH);
  if (n < 0) {
    pinhole__alg_error(ac, "Transport rewrite failed", NULL, 0);
    return 0;
  }
  pinhole__alg_splice(ac, pos + m->transport_off, m->transport_len, out,
                      (size_t)n);
  return 0;
}

static void ph_rtsp_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  size_t pos = start;
  while (pos < ac->v->payload_len && !ac->failed) {
    size_t left = ac->v->payload_len - pos;
    const uint8_t *p = ph_payload(ac) + pos;
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
      res->hold = left <= PINHOLE_RTSP_MAX_HEADER &&
                  (p[0] == '$' || ph_start_plausible(p, left));
      if (!res->hold) {
        pinhole__alg_error(ac, "not the start of an RTSP message", p,
                           left < 80 ? left : 80);
        res->desync = 1;
      }
      return;
    }
    int32_t g0 = ac->growth;
    ph_rtsp_message(ac, pos, &m);
    if (rc == PINHOLE_ERR_PARTIAL) {
      /* header handled; the body continues in later segments */
      res->consumed = ac->v->payload_len;
      res->skip_len = (uint32_t)(m.total_len - left);
      return;
    }
    pos = (size_t)((int64_t)pos + (int64_t)m.total_len + (ac->growth - g0));
  }
  res->consumed = pos;
}

const ph_alg pinhole__alg_rtsp = {
    .name = "rtsp",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_RTSP,
    .stream = 1,
    .ports = {554, 8554, 0, 0},
    .inspect = ph_rtsp_inspect,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIP ALG (RFC 3261; SDP RFC 8866; RFC 3581 rport; RFC 3605 a=rtcp).
 *
 * Watches UDP and TCP 5060 in both directions. The inside endpoint is side
 * A of the signalling connection (the one behind source NAT); its private
 * address and port are rewritten to the public mapping in Via, Contact and
 * Route headers and in the SDP c=/o= lines of what it sends, and back in
 * what it receives (the pure rewriter lib/alg/sip_parse.c decides which
 * header carries what, and fixes Content-Length). SDP media ports the
 * inside endpoint offers are mapped to public ports keeping RTP/RTCP pairs
 * (and a=rtcp), with pinholes for the peer's media. The user agent's
 * listening port, when it is not the connection's (5060 over TCP, and the
 * one its first request names, over TCP and UDP), maps to the public
 * address's same port both ways on that connection (ph_sip_learn,
 * ph_sip_listen; no mapping is opened for it).
 *
 * Safety: a message is parsed only where one can begin (a UDP datagram, or
 * a message boundary of the TCP stream, never an arbitrary segment start);
 * media pinholes open only towards the signalling peer unless third-party
 * media is configured; ports below 1024 are refused; pinholes per
 * conversation are bounded. Violations count as SIP ALG errors.
 *
 * IPv6 signalling (the firewall, no translation; docs/ipv6.md): nothing
 * is rewritten; each party's SDP media at its own IPv6 address (c=IN IP6)
 * get RTP and RTCP pinholes from the other party.
 *
 * NAT64 signalling (docs/nat64.md "SIP over NAT64"; RFC 6157 sec. 4,
 * RFC 6146, RFC 6052): the module sees the IPv4 form of each packet. The
 * client's IPv6 endpoint in its URIs and Via becomes the public IPv4 one,
 * its SDP "IN IP6" the pool address, its media ports public ports of a
 * NAT64 pair whose pinholes let the server's IPv4 RTP/RTCP in as NAT64
 * connections to it; the server's IPv4 addresses reach the client
 * synthesised under the connection's prefix (lib/alg/sip_rewrite.c,
 * pinhole_sip_translate64). Media at another IPv6 address, or a client
 * message that cannot be read, is dropped and counted (fail closed).
 *
 * Life: BYE, CANCEL or a failure final response to INVITE closes the
 * conversation's pending pinholes and gives its media flows a short
 * timeout. A REGISTER keeps the signalling flow (and so the inside
 * endpoint's mapping) alive for its Expires, at most one hour.
 */
#include "alg/alg.h"

#include "alg/text.h"

#include <pinhole/sip.h>

#include <string.h>

/* The media the inside endpoint offers: mapped first (the rewrite needs
 * the public ports), pinholes opened only once the message is sure to
 * leave, mappings given back when it is not. */
typedef struct ph_sip_media {
  uint32_t addr;
  uint16_t port, pub_port;
  uint32_t pub_addr;
  uint32_t map[2]; /* RTP, and RTCP when paired */
  uint8_t pair;
} ph_sip_media;

typedef struct ph_sip_offer_set {
  size_t n;
  ph_sip_media m[PINHOLE_SDP_MAX_MEDIA];
} ph_sip_offer_set;

/* Maps stream md of the inside endpoint's offer (at md->addr, or on
 * NAT64 at the client's IPv6 address a6) to public ports, an RTP/RTCP
 * pair when it is one, and records it in set and nat's port map. Returns
 * NULL, or why it could not be mapped. */
static const char *ph_sip_offer_one(ph_alg_call *ac,
                                    const pinhole_sdp_media *md,
                                    const uint8_t *a6, pinhole_sip_nat *nat,
                                    ph_sip_offer_set *set) {
  int pair = (md->port & 1) == 0 && (!(md->flags & PINHOLE_SDP_MEDIA_RTCP) ||
                                     md->rtcp_port == md->port + 1);
  if (nat->port_map_count + 2 > PINHOLE_SIP_MAX_PORT_MAPS ||
      set->n == PINHOLE_SDP_MAX_MEDIA) {
    pinhole__alg_limit(ac);
    return "more media lines than pinholes allowed";
  }
  pinhole_endpoint pub;
  ph_sip_media *sm = &set->m[set->n];
  memset(sm, 0, sizeof(*sm));
  int rc =
      a6 != NULL
          ? pinhole__alg_map6_flags(ac, PINHOLE_IPPROTO_UDP, a6, md->port,
                                    pair ? PH_ALG_MAP_PAIR : 0, &pub,
                                    &sm->map[0], pair ? &sm->map[1] : NULL)
          : pinhole__alg_map(ac, PINHOLE_IPPROTO_UDP, md->addr, md->port, pair,
                             &pub, &sm->map[0], pair ? &sm->map[1] : NULL);
  if (rc != 0)
    return "no public port for media";
  set->n++;
  sm->pair = (uint8_t)pair;
  sm->addr = a6 != NULL ? 0 : md->addr;
  sm->port = md->port;
  sm->pub_addr = pub.addr;
  sm->pub_port = pub.port;
  for (int k = 0; k <= pair; k++) {
    pinhole_sip_port_map *pm = &nat->port_map[nat->port_map_count++];
    pm->inside = (uint16_t)(md->port + k);
    pm->outside = (uint16_t)(pub.port + k);
  }
  pinhole_endpoint real = {sm->addr, md->port, 0};
  pinhole__alg_trace6(ac, PINHOLE_TRACE_TRANSLATED, &real, a6, &pub, NULL, NULL,
                      0);
  return NULL;
}

/* Maps each media stream of the inside endpoint's offer. Returns NULL, or
 * why a stream could not be mapped: its port would leave untranslated, so
 * the caller refuses the message (fail closed) and gives the mappings of
 * set back. */
static const char *ph_sip_offer_map(ph_alg_call *ac, const ph_ends *e,
                                    const pinhole_sdp *sdp,
                                    pinhole_sip_nat *nat,
                                    ph_sip_offer_set *set) {
  for (uint32_t i = 0; i < sdp->media_count; i++) {
    const pinhole_sdp_media *md = &sdp->media[i];
    if (md->port == 0)
      continue; /* a disabled stream */
    /* media of the inside endpoint's own address only; an address that
     * is already public needs nothing */
    if (pinhole__alg_policy(ac, PH_ALG_CLIENT, md->addr, md->port, "media",
                            NULL, 0) != PH_ALG_REAL ||
        md->addr != e->client.addr)
      continue;
    const char *why = ph_sip_offer_one(ac, md, NULL, nat, set);
    if (why != NULL)
      return why;
  }
  return NULL;
}

/* The message leaves: pinholes for the peer's media (or, when it does not
 * leave, the mappings back). dst6: NAT64, the client's IPv6 address (the
 * server's IPv4 media becomes a NAT64 connection to it); else NULL. */
static void ph_sip_offer_done(ph_alg_call *ac, const ph_ends *e,
                              ph_sip_offer_set *set, int leaves,
                              const uint8_t *dst6) {
  for (size_t i = 0; i < set->n; i++) {
    const ph_sip_media *sm = &set->m[i];
    for (int k = 0; k < 1 + sm->pair; k++) {
      if (!leaves) {
        pinhole__alg_unmap(ac, sm->map[k]);
        continue;
      }
      ph_pinhole_req x;
      memset(&x, 0, sizeof(x));
      x.proto = PINHOLE_IPPROTO_UDP;
      x.from = PH_ALG_SERVER;
      x.src = e->server.addr; /* direct media off: only the signalling peer */
      x.dst = sm->pub_addr;
      x.dport = (uint16_t)(sm->pub_port + k);
      x.to_addr = sm->addr;
      x.to_port = (uint16_t)(sm->port + k);
      x.mapping = sm->map[k];
      if (dst6 != NULL) {
        x.family = 64;
        x.to_addr = 0;
        memcpy(x.dst6, dst6, 16);
      }
      pinhole__alg_open_pinhole(ac, &x);
    }
  }
  set->n = 0;
}

/* A message the ALG cannot handle (rc from the parser or the rewriter):
 * fail closed when it comes from the inside endpoint and names its inside
 * address (it would leave the NAT untranslated); otherwise it is counted
 * and passes. */
static void ph_sip_unhandled(ph_alg_call *ac, int rc, const uint8_t *p,
                             size_t len) {
  int from_client = pinhole__alg_from(ac) == PH_ALG_CLIENT;
  const char *why;
  switch (rc) {
  case PINHOLE_ERR_RANGE:
    why = "Content-Length disagrees with the datagram";
    break;
  case PINHOLE_ERR_POLICY:
    why = "a second message in the datagram";
    break;
  case PINHOLE_ERR_FULL:
    why = "more media lines than pinholes allowed";
    pinhole__alg_limit(ac);
    break;
  case PINHOLE_ERR_UNSUPPORTED:
    why = "message form not supported";
    break;
  case PINHOLE_ERR_NOBUF:
    why = "message could not be rewritten";
    break;
  default:
    why = "malformed SIP message";
    break;
  }
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  /* NAT64: when it names the client's IPv6 address, in any form */
  if (from_client && pinhole__alg_family(ac) == 64) {
    ph_ends6 e6;
    pinhole__alg_ends6(ac, &e6);
    if (ph_has_ipv6(p, len, e6.client))
      pinhole__alg_refuse(ac, why, NULL, 0);
    else
      pinhole__alg_error(ac, why, NULL, 0);
  } else if (from_client && e.client.addr != e.client_pub.addr &&
             ph_has_ipv4(p, len, e.client.addr, '.'))
    pinhole__alg_refuse(ac, why, NULL, 0);
  else
    pinhole__alg_error(ac, why, NULL, 0);
}

/* Traces what the rewriter changed, one line; inside6: the NAT64
 * client's IPv6 address (nat->inside then holds its port only), or NULL. */
static void ph_sip_trace_rewrite(ph_alg_call *ac, const pinhole_sip_nat *nat,
                                 const uint8_t *inside6,
                                 const pinhole_sip_result *r) {
  char buf[200];
  ph_wr w = {(uint8_t *)buf, sizeof(buf), 0};
  static const char *const names[] = {
      "Request-URI ", ", Via ",           ", received= ", ", rport= ",
      ", Contact ",   ", Route ",         ", From/To ",   ", other URIs ",
      ", Call-ID ",   ", SDP addresses ", ", m= ports ",  ", a=rtcp ports "};
  const uint32_t counts[] = {r->request_uri, r->via,        r->via_received,
                             r->via_rport,   r->contact,    r->route,
                             r->from_to,     r->other_uri,  r->call_id,
                             r->sdp_addr,    r->media_port, r->rtcp_port};
  for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
    const char *n = names[i] + (w.len == 0 && i > 0 ? 2 : 0);
    if (counts[i] == 0)
      continue;
    ph_wr_put(&w, (const uint8_t *)n, strlen(n));
    ph_wr_u32(&w, counts[i]);
  }
  int out = nat->dir == PINHOLE_SIP_DIR_OUTBOUND;
  pinhole__alg_trace6(ac, PINHOLE_TRACE_TRANSLATED,
                      out ? &nat->inside : &nat->outside, out ? inside6 : NULL,
                      out ? &nat->outside : &nat->inside, out ? NULL : inside6,
                      (uint8_t *)buf, w.len < w.cap ? w.len : w.cap);
}

/* What the module keeps per connection (zero when watching starts, or
 * after an import from a version that kept nothing: then the next
 * request of the client is read as its first). */
typedef struct ph_sip_state {
  uint8_t seen; /* the client's first request was read */
  uint8_t pad_;
  uint16_t listen; /* the listening port it named there (not the
                      connection's); 0: none */
} ph_sip_state;

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_sip_state_ok(const void *state) {
  const ph_sip_state *st = state;
  return st->seen <= 1 && st->pad_ == 0 && (st->seen || st->listen == 0);
}

/* The user agent's listening port (docs/sip.md "The user agent's
 * listening port"): read once, from the client's first request on the
 * connection (its top Via sent-by at the client's own address, else its
 * Contact), when it is not the port the connection comes from; kept for
 * the connection's life so that every later message, the server's too,
 * is translated with the same map. NAT44 and NAT64 (the client's IPv6
 * address, "[addr]" in Via); the IPv6 firewall translates nothing. */
static uint16_t ph_sip_learn(ph_alg_call *ac, const uint8_t *p, size_t len,
                             uint32_t flags, const pinhole_sip_msg *m,
                             const ph_ends *e) {
  ph_sip_state *st = pinhole__alg_state(ac);
  if (!st->seen && pinhole__alg_from(ac) == PH_ALG_CLIENT &&
      (m->flags & PINHOLE_SIP_MSG_REQUEST)) {
    uint16_t port = 0;
    st->seen = 1;
    if (pinhole__alg_family(ac) == 64) {
      ph_ends6 e6;
      pinhole__alg_ends6(ac, &e6);
      if (pinhole_sip_listen_port6(p, len, flags, e6.client, e6.client_port,
                                   &port) == 0) {
        pinhole_endpoint l = {0, port, 0};
        st->listen = port;
        pinhole__alg_trace6(ac, PINHOLE_TRACE_PARSED, &l, e6.client, NULL, NULL,
                            (const uint8_t *)"listening port", 14);
      }
    } else if (pinhole_sip_listen_port(p, len, flags, e->client.addr,
                                       e->client.port, &port) == 0) {
      pinhole_endpoint l = {e->client.addr, port, 0};
      st->listen = port;
      pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &l, NULL, 0,
                         (const uint8_t *)"listening port", 14);
    }
  }
  return st->listen;
}

/* Adds "inside address:port <-> public address:port" to nat's port map,
 * unless the port is the connection's own on either side (the two could
 * not be told apart on the way back: the client's port is then left,
 * fail closed), already in the map on either side (a media port), or
 * the map is full. */
static void ph_sip_listen_add(pinhole_sip_nat *nat, uint16_t port) {
  if (nat->inside.port == port || nat->outside.port == port ||
      nat->port_map_count >= PINHOLE_SIP_MAX_PORT_MAPS)
    return;
  for (uint32_t i = 0; i < nat->port_map_count; i++)
    if (nat->port_map[i].inside == port || nat->port_map[i].outside == port)
      return;
  pinhole_sip_port_map *pm = &nat->port_map[nat->port_map_count++];
  pm->inside = port;
  pm->outside = port;
}

/* The user agent's listening endpoints, which are not the connection's
 * (RFC 3261 sec. 18): over TCP 5060 (or no port, which means 5060),
 * and on TCP and UDP the port learnt from its first request (listen, 0:
 * none). Each is "inside address:port <-> public address:port" on this
 * connection, one more entry of nat's port map, used both ways: the
 * client's port leaves as the public address's same port and, in what
 * the server sends on the connection (responses, RFC 3261 sec. 18.2.2,
 * and its requests), comes back as the client's own. No mapping or
 * pinhole is opened for it: a public port shared by every subscriber of
 * the pool address admits nobody (docs/sip.md "SIP over TCP"). Nothing
 * without address translation. */
static void ph_sip_listen(pinhole_sip_nat *nat, int translated,
                          uint16_t listen) {
  if (!translated)
    return;
  if (nat->flags & PINHOLE_SIP_STREAM)
    ph_sip_listen_add(nat, 5060);
  if (listen != 0)
    ph_sip_listen_add(nat, listen);
}

/* Translates the message at pos (its framing already checked) and splices
 * the result in; *used becomes its new length. */
static int ph_sip_translate_one(const uint8_t *p, size_t len,
                                const pinhole_sip_nat *nat,
                                const pinhole_sip_nat64 *x, uint8_t *out,
                                size_t cap, pinhole_sip_result *res) {
  memset(res, 0, sizeof(*res));
  res->size = sizeof(*res);
  return x != NULL ? pinhole_sip_translate64(p, len, nat, x, out, cap, res)
                   : pinhole_sip_translate(p, len, nat, out, cap, res);
}

static void ph_sip_translate(ph_alg_call *ac, size_t pos, size_t len,
                             pinhole_sip_nat *nat, const pinhole_sip_nat64 *x,
                             size_t *used) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  size_t cap;
  uint8_t *out = pinhole__alg_scratch(ac, &cap);
  pinhole_sip_result res;
  int n = ph_sip_translate_one(p, len, nat, x, out, cap, &res);
  if (n < 0) {
    ph_sip_unhandled(ac, n, p, len);
    return;
  }
  if (res.leftover && nat->dir == PINHOLE_SIP_DIR_OUTBOUND) {
    pinhole__alg_refuse(ac, "inside address left untranslated", NULL, 0);
    return;
  }
  if ((size_t)n == res.in_len && memcmp(p, out, (size_t)n) == 0)
    return;
  ph_sip_trace_rewrite(ac, nat, x != NULL ? x->client6 : NULL, &res);
  if (pinhole__alg_splice(ac, pos, res.in_len, out, (size_t)n) == 0)
    *used = (size_t)n;
}

/* ---- IPv6 signalling (the firewall, no translation) ---------------------- */

/* The media an SDP body (b[0..len), parsed as sdp) of the sender announces
 * on an IPv6 signalling connection: each stream at the sender's own IPv6
 * address (a third party only with PINHOLE_CFG_ALG_THIRD_PARTY) gets
 * pinholes for RTP and RTCP (a=rtcp's port, else the next) from the other
 * party's signalling address. A stream whose c= is not an IN IP6 literal
 * is counted and left alone. Nothing is rewritten. */
static void ph_sip_media6(ph_alg_call *ac, const uint8_t *b, size_t len,
                          const pinhole_sdp *sdp) {
  ph_ends6 e;
  pinhole__alg_ends6(ac, &e);
  int from = pinhole__alg_from(ac);
  for (uint32_t i = 0; i < sdp->media_count; i++) {
    const pinhole_sdp_media *md = &sdp->media[i];
    uint8_t a[16];
    if (md->port == 0)
      continue; /* a disabled stream */
    if (pinhole_sip_sdp_addr6(b, len, i, a) != 0) {
      pinhole__alg_error(ac, "media address is not IPv6", NULL, 0);
      continue;
    }
    if (pinhole__alg_policy6(ac, from, a, md->port, "media", NULL, 0) < 0)
      continue;
    ph_pinhole_req x;
    memset(&x, 0, sizeof(x));
    x.family = 6;
    x.proto = PINHOLE_IPPROTO_UDP;
    x.from = (uint8_t)(from == PH_ALG_CLIENT ? PH_ALG_SERVER : PH_ALG_CLIENT);
    memcpy(x.src6, from == PH_ALG_CLIENT ? e.server : e.client, 16);
    memcpy(x.dst6, a, 16);
    x.dport = md->port;
    pinhole__alg_open_pinhole(ac, &x);
    x.dport = (md->flags & PINHOLE_SDP_MEDIA_RTCP) ? md->rtcp_port
                                                   : (uint16_t)(md->port + 1);
    if (x.dport != 0 && x.dport != md->port)
      pinhole__alg_open_pinhole(ac, &x);
  }
}

/* ---- NAT64 signalling -----------------------------------------------------
 */

/* Maps each stream of the NAT64 client's offer (the SDP b[0..len), parsed
 * as sdp) at its own IPv6 address to a public IPv4 port (an RTP/RTCP pair
 * when it is one), filling nat's port map and set. Returns NULL, or why
 * the message must be refused: a stream at another IPv6 address (the
 * IPv4 server could reach none; RFC 6157 sec. 4), or no port. */
static const char *ph_sip_offer_map64(ph_alg_call *ac, const uint8_t *b,
                                      size_t len, const pinhole_sdp *sdp,
                                      pinhole_sip_nat *nat,
                                      ph_sip_offer_set *set) {
  ph_ends6 e6;
  pinhole__alg_ends6(ac, &e6);
  for (uint32_t i = 0; i < sdp->media_count; i++) {
    const pinhole_sdp_media *md = &sdp->media[i];
    uint8_t a[16];
    if (md->port == 0 || pinhole_sip_sdp_addr6(b, len, i, a) != 0)
      continue; /* disabled, or not an IPv6 stream: nothing to translate */
    if (memcmp(a, e6.client, 16) != 0)
      return "media address is not the client's";
    if (pinhole__alg_policy6(ac, PH_ALG_CLIENT, a, md->port, "media", NULL, 0) <
        0)
      continue;
    const char *why = ph_sip_offer_one(ac, md, a, nat, set);
    if (why != NULL)
      return why;
  }
  return NULL;
}

/* One message on a NAT64 connection (nat set up as for IPv4; sr: its SDP
 * or NULL, parsed into sdp): the client's offer mapped, the message
 * translated across the families, the media pinholes opened once it
 * leaves. */
static void ph_sip_message64(ph_alg_call *ac, size_t pos, size_t len,
                             pinhole_sip_nat *nat, uint16_t listen,
                             const pinhole_sip_range *sr,
                             const pinhole_sdp *sdp, size_t *used) {
  ph_ends e;
  ph_ends6 e6;
  pinhole_sip_nat64 x;
  pinhole__alg_ends(ac, &e);
  pinhole__alg_ends6(ac, &e6);
  unsigned plen = 0;
  memset(&x, 0, sizeof(x));
  x.size = sizeof(x);
  memcpy(x.client6, e6.client, 16);
  if (pinhole__alg_prefix64(ac, x.prefix, &plen) != 0) {
    pinhole__alg_refuse(ac, "no NAT64 prefix", NULL, 0);
    return;
  }
  x.plen = plen;
  nat->inside.addr = 0;
  nat->inside.port = e6.client_port;
  ph_sip_offer_set set;
  set.n = 0;
  if (sr != NULL && pinhole__alg_from(ac) == PH_ALG_CLIENT) {
    const uint8_t *b = pinhole__alg_payload(ac) + pos + sr->off;
    const char *why = ph_sip_offer_map64(ac, b, sr->len, sdp, nat, &set);
    if (why != NULL) {
      ph_sip_offer_done(ac, &e, &set, 0, NULL);
      pinhole__alg_refuse(ac, why, NULL, 0);
      return;
    }
  }
  ph_sip_listen(nat, 1, listen);
  ph_sip_translate(ac, pos, len, nat, &x, used);
  ph_sip_offer_done(ac, &e, &set, !pinhole__alg_failed(ac), e6.client);
}

/* After a message that leaves: the dialog's end, a registration's life. */
static void ph_sip_dialog(ph_alg_call *ac, const pinhole_sip_msg *m) {
  int request = (m->flags & PINHOLE_SIP_MSG_REQUEST) != 0;
  uint32_t meth = request ? m->method : m->cseq_method;
  if (request &&
      (meth == PINHOLE_SIP_METHOD_BYE || meth == PINHOLE_SIP_METHOD_CANCEL))
    pinhole__alg_dialog_end(ac);
  else if (!request && meth == PINHOLE_SIP_METHOD_INVITE && m->status >= 300)
    pinhole__alg_dialog_end(ac);
  if (meth == PINHOLE_SIP_METHOD_REGISTER &&
      (m->flags & PINHOLE_SIP_MSG_EXPIRES) &&
      (request ? pinhole__alg_from(ac) == PH_ALG_CLIENT : m->status / 100 == 2))
    pinhole__alg_keep(ac, m->expires);
}

/* Handles one message at pos; returns the parser's code (0, NOMATCH for
 * keep-alive bytes, PARTIAL, or an error), *used the bytes it took. */
static int ph_sip_message(ph_alg_call *ac, size_t pos, size_t len,
                          uint32_t flags, size_t *used) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  int from = pinhole__alg_from(ac);
  pinhole_sip_msg m;
  memset(&m, 0, sizeof(m));
  int rc = pinhole_sip_parse(p, len, flags, &m);
  *used = m.msg_len;
  if (rc != 0)
    return rc;
  /* the whole message: the debug trace dumps it */
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, p + m.start_off,
                     m.msg_len > m.start_off ? m.msg_len - m.start_off : 0);
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  pinhole_sip_nat nat;
  pinhole_sip_nat_default(&nat, sizeof(nat));
  nat.flags = flags;
  nat.dir = from == PH_ALG_CLIENT ? PINHOLE_SIP_DIR_OUTBOUND
                                  : PINHOLE_SIP_DIR_INBOUND;
  nat.inside = e.client;
  nat.outside = e.client_pub;
  /* the client's first request, whatever becomes of it */
  uint16_t listen = pinhole__alg_family(ac) != 6
                        ? ph_sip_learn(ac, p, m.msg_len, flags, &m, &e)
                        : 0;

  pinhole_sip_range sr;
  pinhole_sdp sdp;
  int src = pinhole_sip_sdp_find(p, m.msg_len, flags, &sr);
  if (src == 0)
    src = pinhole_sip_sdp_parse(p + sr.off, sr.len, &sdp);
  if (src < 0 && src != PINHOLE_ERR_NOMATCH) {
    ph_sip_unhandled(ac, src, p, m.msg_len);
    return 0;
  }
  if (pinhole__alg_family(ac) == 6) {
    if (src == 0)
      ph_sip_media6(ac, p + sr.off, sr.len, &sdp);
    ph_sip_dialog(ac, &m);
    return 0;
  }
  if (pinhole__alg_family(ac) == 64) {
    ph_sip_message64(ac, pos, len, &nat, listen, src == 0 ? &sr : NULL, &sdp,
                     used);
    if (!pinhole__alg_failed(ac))
      ph_sip_dialog(ac, &m);
    return 0;
  }
  ph_sip_offer_set set;
  set.n = 0;
  if (src == 0 && from == PH_ALG_CLIENT) {
    const char *why = ph_sip_offer_map(ac, &e, &sdp, &nat, &set);
    if (why != NULL) {
      ph_sip_offer_done(ac, &e, &set, 0, NULL);
      pinhole__alg_refuse(ac, why, NULL, 0);
      return 0;
    }
  }
  ph_sip_listen(&nat, e.client.addr != e.client_pub.addr, listen);
  if (e.client.addr != e.client_pub.addr ||
      e.client.port != e.client_pub.port || nat.port_map_count != 0)
    ph_sip_translate(ac, pos, len, &nat, NULL, used);
  int leaves = !pinhole__alg_failed(ac);
  ph_sip_offer_done(ac, &e, &set, leaves, NULL);
  if (leaves)
    ph_sip_dialog(ac, &m);
  return 0;
}

static void ph_sip_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  size_t pos = start;
  if (pinhole__alg_l4(ac) != PINHOLE_IPPROTO_TCP) {
    /* a datagram is one message (or keep-alive bytes) */
    size_t used = 0, len = pinhole__alg_payload_len(ac);
    int rc = len ? ph_sip_message(ac, 0, len, 0, &used) : 0;
    if (rc < 0 && rc != PINHOLE_ERR_NOMATCH)
      ph_sip_unhandled(ac, rc, pinhole__alg_payload(ac), len);
    return;
  }
  while (pos < pinhole__alg_payload_len(ac) && !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    size_t left = pinhole__alg_payload_len(ac) - pos, used = 0;
    int rc = ph_sip_message(ac, pos, left, PINHOLE_SIP_STREAM, &used);
    if (rc == PINHOLE_ERR_PARTIAL) {
      /* withheld only while the parser says it can become a message */
      res->consumed = pos;
      res->hold = left <= 16384 && pinhole_sip_prefix(p, left) == 1;
      if (!res->hold) {
        ph_sip_unhandled(ac, PINHOLE_ERR_PARSE, p, left);
        res->desync = 1;
      }
      return;
    }
    if ((rc < 0 && rc != PINHOLE_ERR_NOMATCH) || used == 0) {
      ph_sip_unhandled(ac, rc < 0 ? rc : PINHOLE_ERR_PARSE, p, left);
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    pos += used;
  }
  res->consumed = pos;
}

const ph_alg pinhole__alg_sip = {
    .name = "sip",
    .proto = 0, /* UDP and TCP */
    .counter = PINHOLE_CNT_ALG_SIP,
    .stream = 1,
    .state_size = sizeof(ph_sip_state),
    .state_ok = ph_sip_state_ok,
    .ports = {5060, 0, 0, 0},
    .ipv6 = 1,
    .nat64 = 1,
    .inspect = ph_sip_inspect,
};

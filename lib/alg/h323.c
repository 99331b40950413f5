/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * H.323 ALG (ITU-T H.323: H.225.0 RAS on UDP 1719, H.225.0 call
 * signalling in Q.931/TPKT on TCP 1720, H.245 on the port an h245Address
 * announces; aligned PER, decoded by lib/alg/h323_parse.c).
 *
 * Each message is decoded whole and every IPv4 TransportAddress in it is
 * looked at (pinhole_h323_msg: RAS rasAddress, callSignalAddress and the
 * like; Q.931 h245Address, sourceCallSignalAddress, Fast Start media;
 * H.245 OpenLogicalChannel / Ack mediaChannel and mediaControlChannel).
 * An address of the sender's own (its real address, or its public one):
 * - behind source NAT (the client), its port is mapped to a public one
 *   (media as RTP/RTCP even/odd pairs: an odd RTCP port maps with its
 *   even RTP port) and the address and port are rewritten in place (same
 *   length: PER IPv4 addresses are fixed-size); the RAS port of the RAS
 *   flow itself becomes that flow's public endpoint;
 * - a pinhole lets the other party alone reach it (for an H.245 or call
 *   signalling address, as a Watch connection of this ALG in the same
 *   conversation; for media, Forward);
 * - a server's H.245 or media address (the client connects to it) gets a
 *   pinhole from the client, its source mapped like the control
 *   connection's, and the server's inside address under destination NAT
 *   is rewritten to its public one.
 * Addresses of the receiver are left alone; a media or H.245 address of
 * a third party is counted (the contract's policy) and opens nothing.
 *
 * Safety: a TCP connection is a sequence of TPKTs, each decoded only
 * whole (withheld up to PH_H323_HOLD_MAX bytes); bytes that are not TPKT
 * desynchronise that direction for good. On the call signalling
 * connection the server is honoured only after the client's Setup.
 *
 * Fail closed: every decoding error counts (H323); a message the ALG
 * cannot translate (a decoding error, a message or root type the decoder
 * does not walk, a port it cannot map) is dropped when it comes from a
 * client behind NAT and still carries the client's inside address as its
 * four octets anywhere, otherwise counted and passed.
 *
 * Limits (docs/h323.md): a RAS registration's callSignalAddress is mapped
 * and opened for the gatekeeper for the pinhole lifetime only (incoming
 * calls to a registered endpoint behind NAT need a static rule); RAS
 * messages IRR and the extension messages are not walked; H.245 other
 * than OLC / OLCAck is not looked into.
 */
#include "alg/alg.h"
#include "alg/text.h"

#include <pinhole/h323.h>

#include <string.h>

/* Longest TPKT withheld until it arrives whole. */
#define PH_H323_HOLD_MAX 8192u
/* Most pinholes one message opens (two per media pair). */
#define PH_H323_MAX_OPEN (2 * PINHOLE_H323_MAX_ADDRS)

enum { PH_H323_UNKNOWN = 0, PH_H323_Q931 = 1, PH_H323_H245 = 2 };

typedef struct ph_h323_state {
  uint8_t mode;  /* PH_H323_Q931 / PH_H323_H245 (TCP) */
  uint8_t setup; /* the client sent a Setup (call signalling) */
} ph_h323_state;

/* What one message does: mapped media pairs, pinholes to open once it is
 * sure to leave. */
typedef struct ph_h323_work {
  ph_ends e;
  int from;
  size_t pos; /* the message in the payload */
  size_t npairs;
  struct {
    uint16_t port, pub; /* even RTP ports */
    uint32_t pub_addr;
  } pair[PINHOLE_H323_MAX_ADDRS];
  size_t nopen;
  ph_pinhole_req open[PH_H323_MAX_OPEN];
} ph_h323_work;

static const char *ph_h323_kind_name(uint8_t kind) {
  static const char *const names[] = {
      "address",     "rasAddress",   "callSignalAddress",
      "h245Address", "mediaChannel", "mediaControlChannel"};
  return ph_name_at(names, sizeof(names) / sizeof(names[0]), kind);
}

/* Rewrites an address's four octets and its port's two in place. */
static void ph_h323_put(ph_alg_call *ac, size_t off, size_t port_off,
                        uint32_t addr, uint16_t port) {
  uint8_t b[4] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16),
                  (uint8_t)(addr >> 8), (uint8_t)addr};
  if (pinhole__alg_splice(ac, off, 4, b, 4) != 0)
    return;
  b[0] = (uint8_t)(port >> 8);
  b[1] = (uint8_t)port;
  pinhole__alg_splice(ac, port_off, 2, b, 2);
}

/* The next pinhole request (the caller checked there is room). */
static ph_pinhole_req *ph_h323_req(ph_h323_work *w) {
  ph_pinhole_req *x = &w->open[w->nopen++];
  memset(x, 0, sizeof(*x));
  return x;
}

/* A media port of the client behind NAT: its even/odd pair mapped once
 * per message, pinholes for the server's RTP and RTCP. Returns 0 with
 * *pub, or -1. */
static int ph_h323_media_map(ph_alg_call *ac, ph_h323_work *w, uint32_t addr,
                             uint16_t port, pinhole_endpoint *pub) {
  uint16_t even = (uint16_t)(port & ~1u);
  for (size_t i = 0; i < w->npairs; i++)
    if (w->pair[i].port == even) {
      pub->addr = w->pair[i].pub_addr;
      pub->port = (uint16_t)(w->pair[i].pub + (port & 1u));
      return 0;
    }
  uint32_t ref[2];
  pinhole_endpoint p;
  if (w->npairs >= PINHOLE_H323_MAX_ADDRS || w->nopen + 2 > PH_H323_MAX_OPEN ||
      pinhole__alg_map(ac, PINHOLE_IPPROTO_UDP, addr, even, PH_ALG_MAP_PAIR, &p,
                       &ref[0], &ref[1]) != 0)
    return -1;
  w->pair[w->npairs].port = even;
  w->pair[w->npairs].pub = p.port;
  w->pair[w->npairs].pub_addr = p.addr;
  w->npairs++;
  for (int k = 0; k < 2; k++) {
    ph_pinhole_req *x = ph_h323_req(w);
    x->proto = PINHOLE_IPPROTO_UDP;
    x->from = PH_ALG_SERVER;
    x->src = w->e.server.addr; /* the peer alone */
    x->dst = p.addr;
    x->dport = (uint16_t)(p.port + k);
    x->to_addr = addr;
    x->to_port = (uint16_t)(even + k);
    x->mapping = ref[k];
  }
  pub->addr = p.addr;
  pub->port = (uint16_t)(p.port + (port & 1u));
  return 0;
}

/* A signalling endpoint of the client (RAS, call signalling, H.245). */
static int ph_h323_client_map(ph_alg_call *ac, ph_h323_work *w,
                              const pinhole_h323_addr *a,
                              pinhole_endpoint *pub) {
  int ras = a->kind == PINHOLE_H323_ADDR_RAS;
  if (ras && pinhole__alg_l4(ac) == PINHOLE_IPPROTO_UDP &&
      a->port == w->e.client.port) {
    *pub = w->e.client_pub; /* the RAS flow itself */
    return 0;
  }
  uint8_t proto = ras ? PINHOLE_IPPROTO_UDP : PINHOLE_IPPROTO_TCP;
  uint32_t ref;
  if (w->nopen >= PH_H323_MAX_OPEN ||
      pinhole__alg_map(ac, proto, a->addr, a->port, 0, pub, &ref, NULL) != 0)
    return -1;
  ph_pinhole_req *x = ph_h323_req(w);
  x->proto = proto;
  x->from = PH_ALG_SERVER;
  x->src = w->e.server.addr;
  x->dst = pub->addr;
  x->dport = pub->port;
  x->to_addr = a->addr;
  x->to_port = a->port;
  x->mapping = ref;
  x->watch = !ras;
  return 0;
}

/* An own address of the client. */
static void ph_h323_client_addr(ph_alg_call *ac, ph_h323_work *w,
                                const pinhole_h323_addr *a) {
  const char *what = ph_h323_kind_name(a->kind);
  int media = a->kind == PINHOLE_H323_ADDR_MEDIA ||
              a->kind == PINHOLE_H323_ADDR_MEDIA_CTRL;
  if (a->kind == PINHOLE_H323_ADDR_OTHER)
    return; /* not an endpoint of its own: rewritten only if NATed */
  if ((media || a->kind == PINHOLE_H323_ADDR_H245) &&
      pinhole__alg_policy(ac, PH_ALG_CLIENT, a->addr, a->port, what, NULL, 0) <
          0)
    return;
  pinhole_endpoint real = {a->addr, a->port, 0}, pub;
  if (a->addr != w->e.client.addr)
    return; /* the public one already, or not the client's */
  int rc = media ? ph_h323_media_map(ac, w, a->addr, a->port, &pub)
                 : ph_h323_client_map(ac, w, a, &pub);
  if (rc != 0) {
    pinhole__alg_refuse_why(ac, what, "no public port");
    return;
  }
  if (pub.addr == real.addr && pub.port == real.port)
    return;
  pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &pub, 0,
                     (const uint8_t *)what, strlen(what));
  ph_h323_put(ac, w->pos + a->off, w->pos + a->port_off, pub.addr, pub.port);
}

/* An address the server announces: its H.245 or media endpoint, which
 * the client will reach. */
static void ph_h323_server_addr(ph_alg_call *ac, ph_h323_work *w,
                                const pinhole_h323_addr *a) {
  int media = a->kind == PINHOLE_H323_ADDR_MEDIA ||
              a->kind == PINHOLE_H323_ADDR_MEDIA_CTRL;
  if (!media && a->kind != PINHOLE_H323_ADDR_H245)
    return;
  if (a->addr == w->e.client.addr || a->addr == w->e.client_pub.addr)
    return; /* the client's own (Fast Start answers name both) */
  uint32_t seen;
  ph_pinhole_req x;
  int rc = ph_alg_server_endpoint(
      ac, a->addr, a->port, ph_h323_kind_name(a->kind), NULL, 0, &seen, &x);
  if (rc < 0)
    return;
  if (seen != a->addr)
    ph_h323_put(ac, w->pos + a->off, w->pos + a->port_off, seen, a->port);
  if (rc == 0 || w->nopen >= PH_H323_MAX_OPEN)
    return;
  ph_pinhole_req *y = ph_h323_req(w);
  *y = x;
  if (media)
    y->proto = PINHOLE_IPPROTO_UDP;
  else
    y->watch = 1;
}

/* Does the message at pos still carry the client's inside address? */
static int ph_h323_leaks(const ph_alg_call *ac, size_t pos, size_t len) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  return pinhole__alg_from(ac) == PH_ALG_CLIENT &&
         e.client.addr != e.client_pub.addr &&
         ph_has_ipv4_bin(pinhole__alg_payload(ac) + pos, len, e.client.addr);
}

static const char *ph_h323_why(int rc) {
  switch (rc) {
  case PINHOLE_ERR_RANGE:
    return "too many addresses or too deep";
  case PINHOLE_ERR_UNSUPPORTED:
    return "message not decoded";
  default:
    return "malformed message";
  }
}

/* A message that did not decode: counted; dropped if it leaks. */
static void ph_h323_bad(ph_alg_call *ac, const pinhole_h323_msg *m, int rc,
                        size_t pos, size_t len) {
  const char *name = pinhole_h323_msg_name(m);
  if (ph_h323_leaks(ac, pos, len))
    pinhole__alg_refuse_why(ac, name, ph_h323_why(rc));
  else
    pinhole__alg_error(ac, ph_h323_why(rc), (const uint8_t *)name,
                       strlen(name));
}

/* One decoded message at pos: addresses translated, pinholes opened. */
static void ph_h323_apply(ph_alg_call *ac, size_t pos,
                          const pinhole_h323_msg *m) {
  const char *name = pinhole_h323_msg_name(m);
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)name, strlen(name));
  ph_h323_work local, *w = &local;
  memset(w, 0, sizeof(*w));
  pinhole__alg_ends(ac, &w->e);
  w->from = pinhole__alg_from(ac);
  w->pos = pos;
  for (size_t i = 0; i < m->naddrs && !pinhole__alg_failed(ac); i++) {
    const pinhole_h323_addr *a = &m->addr[i];
    pinhole_endpoint ep = {a->addr, a->port, 0};
    pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &ep, NULL, 0,
                       (const uint8_t *)ph_h323_kind_name(a->kind),
                       strlen(ph_h323_kind_name(a->kind)));
    if (w->from == PH_ALG_CLIENT)
      ph_h323_client_addr(ac, w, a);
    else
      ph_h323_server_addr(ac, w, a);
  }
  if (!pinhole__alg_failed(ac) && ph_h323_leaks(ac, pos, m->len))
    pinhole__alg_refuse(ac, "inside address left untranslated",
                        (const uint8_t *)name, strlen(name));
  int leaves = !pinhole__alg_failed(ac);
  for (size_t i = 0; i < w->nopen; i++) {
    if (leaves)
      pinhole__alg_open_pinhole(ac, &w->open[i]);
    else
      pinhole__alg_unmap(ac, w->open[i].mapping);
  }
}

/* RAS: one message a datagram. */
static void ph_h323_ras(ph_alg_call *ac) {
  const uint8_t *p = pinhole__alg_payload(ac);
  size_t len = pinhole__alg_payload_len(ac);
  pinhole_h323_msg m;
  int rc = pinhole_h225_ras_parse(p, len, &m);
  if (rc != 0) {
    ph_h323_bad(ac, &m, rc, 0, len);
    return;
  }
  ph_h323_apply(ac, 0, &m);
}

/* One whole TPKT at pos of a call signalling or H.245 connection; -1
 * when it breaks the session rule. */
static int ph_h323_tpkt(ph_alg_call *ac, ph_h323_state *st, size_t pos,
                        size_t left) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  pinhole_h323_msg m;
  if (left == PINHOLE_TPKT_HEADER_LEN)
    return 0; /* an empty TPKT: a keep-alive */
  int rc = st->mode == PH_H323_Q931 ? pinhole_h225_cs_parse(p, left, &m)
                                    : pinhole_h245_parse(p, left, &m);
  int client = pinhole__alg_from(ac) == PH_ALG_CLIENT;
  if (st->mode == PH_H323_Q931) {
    if (client && m.q931_type == 0x05)
      st->setup = 1;
    else if (!client && !st->setup)
      return -1; /* an answer to no call */
  }
  if (rc != 0)
    ph_h323_bad(ac, &m, rc, pos, m.len);
  else
    ph_h323_apply(ac, pos, &m);
  return 0;
}

/* The kind of a TCP connection, from its port or its first TPKT. */
static void ph_h323_mode(ph_alg_call *ac, ph_h323_state *st, const uint8_t *p,
                         size_t left) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  if (e.server.port == 1720 || e.server_pub.port == 1720 ||
      (left > PINHOLE_TPKT_HEADER_LEN && p[PINHOLE_TPKT_HEADER_LEN] == 0x08))
    st->mode = PH_H323_Q931;
  else
    st->mode = PH_H323_H245;
}

/* A TPKT not held whole at pos: withheld, or skipped by its length. */
static void ph_h323_partial(ph_alg_call *ac, size_t pos, size_t tlen,
                            ph_scan *res) {
  size_t left = pinhole__alg_payload_len(ac) - pos;
  res->consumed = pos;
  if (tlen == 0 || tlen <= PH_H323_HOLD_MAX) {
    res->hold = 1;
    return;
  }
  if (ph_h323_leaks(ac, pos, left))
    pinhole__alg_refuse(ac, "message too long to inspect", NULL, 0);
  else
    pinhole__alg_error(ac, "message too long to inspect", NULL, 0);
  if (pinhole__alg_failed(ac))
    return;
  res->consumed = pinhole__alg_payload_len(ac);
  res->skip_len = (uint32_t)(tlen - left);
}

static void ph_h323_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_h323_state *st = pinhole__alg_state(ac);
  if (pinhole__alg_l4(ac) != PINHOLE_IPPROTO_TCP) {
    ph_h323_ras(ac);
    return;
  }
  size_t pos = start;
  while (pos < pinhole__alg_payload_len(ac) && !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    size_t left = pinhole__alg_payload_len(ac) - pos, tlen;
    int rc = pinhole_tpkt_frame(p, left, &tlen);
    if (rc == PINHOLE_ERR_PARTIAL) {
      ph_h323_partial(ac, pos, tlen, res);
      return;
    }
    if (st->mode == PH_H323_UNKNOWN && rc == 0)
      ph_h323_mode(ac, st, p, tlen);
    if (rc != 0 || ph_h323_tpkt(ac, st, pos, tlen) != 0) {
      pinhole__alg_error(ac, "not an H.323 session", p, left < 40 ? left : 40);
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    pos += tlen; /* rewrites keep lengths */
  }
  res->consumed = pos;
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_h323_state_ok(const void *state) {
  const ph_h323_state *st = state;
  return st->mode <= PH_H323_H245 && st->setup <= 1;
}

const ph_alg pinhole__alg_h323 = {
    .name = "h323",
    .proto = 0, /* TCP 1720 and UDP 1719 */
    .counter = PINHOLE_CNT_ALG_H323,
    .stream = 1,
    .state_size = sizeof(ph_h323_state),
    .state_ok = ph_h323_state_ok,
    .ports = {1720, 1719, 0, 0},
    .inspect = ph_h323_inspect,
};

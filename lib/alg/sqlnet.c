/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SQLNet ALG (Oracle Net over TNS, TCP 1521): redirects through NAT.
 *
 * Watches the listener connection in both directions, one TNS packet at a
 * time (pinhole_sqlnet_frame). A listener answers a CONNECT with a
 * REDIRECT naming where the client must go next (a shared-server
 * dispatcher, another port): "(ADDRESS=(PROTOCOL=TCP)(HOST=...)
 * (PORT=...))". For each TCP address naming the server (its inside
 * address under static or destination NAT, or the public one it knows) the
 * HOST is rewritten to the server's public address - the packet length and
 * the redirect data length follow (pinhole_sqlnet_packet_rewrite) - and a
 * pinhole lets the client alone reach that port (its source mapped like
 * the control connection's). A client's CONNECT naming the server's public
 * address under destination NAT gets the inside address, as the listener
 * sees itself; it opens nothing.
 *
 * Safety: the session is TNS only if the client's first packet is a
 * CONNECT; a REDIRECT is honoured only after one. Any bytes that do not
 * frame as TNS desynchronise that direction for good (an HTTP POST to
 * 1521 opens nothing). After the server's ACCEPT no descriptor follows:
 * the ALG stops looking. Packets are parsed only where one begins in the
 * stream; a CONNECT or REDIRECT split across segments is withheld when
 * the framer says PARTIAL and it is at most PH_SQLNET_HOLD_MAX bytes;
 * other packets are skipped by their length.
 *
 * Fail closed: a REDIRECT that cannot be parsed or rewritten, is too long
 * to hold, or announces its data in the next packet (PKT_DATA_NEXT) while
 * it carries the server's inside address as text is refused (dropped; the
 * server resends it, dropped again). A HOST given as a name or naming a
 * third party is left alone (traced; a third party is counted unless
 * configured) and opens nothing.
 */
#include "alg/alg.h"
#include "alg/text.h"

#include <pinhole/sqlnet.h>

#include <string.h>

/* Longest CONNECT or REDIRECT withheld until it arrives whole. */
#define PH_SQLNET_HOLD_MAX 4096u

typedef struct ph_sqlnet_state {
  uint8_t connected; /* the client's CONNECT came: the session is TNS */
  uint8_t accepted;  /* the server's ACCEPT came: nothing more to see */
  uint8_t data_next; /* a REDIRECT's data follows in the next packet */
} ph_sqlnet_state;

/* Is the server behind NAT, its inside address visible in text? */
static int ph_sqlnet_leaks(const ph_ends *e, const uint8_t *p, size_t n) {
  return e->server.addr != e->server_pub.addr &&
         ph_has_ipv4(p, n, e->server.addr, '.');
}

/* A REDIRECT (or its data) that cannot be handled: refused when it names
 * the server's inside address, else counted. */
static void ph_sqlnet_unhandled(ph_alg_call *ac, const char *why,
                                const uint8_t *p, size_t n) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  if (ph_sqlnet_leaks(&e, p, n))
    pinhole__alg_refuse(ac, why, p, n < 120 ? n : 120);
  else
    pinhole__alg_error(ac, why, p, n < 120 ? n : 120);
}

/* One REDIRECT address: fills rw and x (the pinhole); 1 when a pinhole
 * is to be opened. */
static int ph_sqlnet_redirect_addr(ph_alg_call *ac, const uint8_t *d,
                                   const pinhole_sqlnet_address *a,
                                   pinhole_sqlnet_rewrite_addr *rw,
                                   ph_pinhole_req *x) {
  const uint8_t *text = d + a->off;
  if (a->proto == PINHOLE_SQLNET_PROTO_OTHER ||
      !(a->flags & PINHOLE_SQLNET_ADDR_HOST) ||
      !(a->flags & PINHOLE_SQLNET_ADDR_PORT))
    return 0;
  if (!(a->flags & PINHOLE_SQLNET_ADDR_HOST_IPV4)) {
    pinhole__alg_trace(ac, PINHOLE_TRACE_SKIPPED, NULL, NULL, 0, text, a->len);
    return 0; /* a name: left alone */
  }
  uint32_t seen;
  int rc = ph_alg_server_endpoint(ac, a->addr, a->port, "redirect", text,
                                  a->len, &seen, x);
  if (rc >= 0 && seen != a->addr) {
    rw->flags = PINHOLE_SQLNET_REWRITE_HOST;
    rw->addr = seen;
  }
  return rc > 0;
}

/* Splices the packet at pos rewritten as rw; 0, or -1 after refusing. */
static int ph_sqlnet_rewrite(ph_alg_call *ac, size_t pos,
                             const pinhole_sqlnet_pkt *m,
                             const pinhole_sqlnet_rewrite *rw) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  size_t cap;
  uint8_t *out = pinhole__alg_scratch(ac, &cap);
  int n = pinhole_sqlnet_packet_rewrite(p, m->total_len, rw, out, cap);
  if (n < 0) {
    ph_sqlnet_unhandled(ac, "redirect rewrite failed", p + m->data_off,
                        m->data_len);
    return -1;
  }
  return pinhole__alg_splice(ac, pos, m->total_len, out, (size_t)n) ? -1 : 0;
}

/* A REDIRECT with its data at pos. */
static void ph_sqlnet_redirect(ph_alg_call *ac, size_t pos,
                               const pinhole_sqlnet_pkt *m) {
  const uint8_t *d = pinhole__alg_payload(ac) + pos + m->data_off;
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, d,
                     m->data_len < 120 ? m->data_len : 120);
  pinhole_sqlnet_desc desc;
  int rc = pinhole_sqlnet_desc_parse(d, m->data_len, &desc);
  if (rc < 0) {
    ph_sqlnet_unhandled(ac, "malformed redirect data", d, m->data_len);
    return;
  }
  pinhole_sqlnet_rewrite rw;
  ph_pinhole_req x[PINHOLE_SQLNET_MAX_ADDRS];
  int open[PINHOLE_SQLNET_MAX_ADDRS];
  int changes = 0;
  memset(&rw, 0, sizeof(rw));
  for (size_t i = 0; i < desc.naddrs; i++) {
    open[i] = ph_sqlnet_redirect_addr(ac, d, &desc.addr[i], &rw.addr[i], &x[i]);
    changes += rw.addr[i].flags != 0;
  }
  if (changes && ph_sqlnet_rewrite(ac, pos, m, &rw) != 0)
    return;
  /* the pinholes, once the redirect leaves translated */
  for (size_t i = 0; i < desc.naddrs; i++)
    if (open[i])
      pinhole__alg_open_pinhole(ac, &x[i]);
}

/* A CONNECT with its data at pos: under destination NAT, the server's
 * public address becomes the inside one the listener knows. */
static void ph_sqlnet_connect(ph_alg_call *ac, size_t pos,
                              const pinhole_sqlnet_pkt *m) {
  const uint8_t *d = pinhole__alg_payload(ac) + pos + m->data_off;
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, d,
                     m->data_len < 120 ? m->data_len : 120);
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  pinhole_sqlnet_desc desc;
  if (pinhole_sqlnet_desc_parse(d, m->data_len, &desc) < 0) {
    pinhole__alg_error(ac, "malformed connect data", d,
                       m->data_len < 120 ? m->data_len : 120);
    return;
  }
  if (e.server.addr == e.server_pub.addr)
    return;
  pinhole_sqlnet_rewrite rw;
  int changes = 0;
  memset(&rw, 0, sizeof(rw));
  for (size_t i = 0; i < desc.naddrs; i++) {
    const pinhole_sqlnet_address *a = &desc.addr[i];
    if ((a->flags & PINHOLE_SQLNET_ADDR_HOST_IPV4) &&
        a->addr == e.server_pub.addr) {
      rw.addr[i].flags = PINHOLE_SQLNET_REWRITE_HOST;
      rw.addr[i].addr = e.server.addr;
      changes++;
    }
  }
  if (changes)
    ph_sqlnet_rewrite(ac, pos, m, &rw);
}

/* One whole packet at pos; 0, or -1 when the direction is not TNS. */
static int ph_sqlnet_packet(ph_alg_call *ac, ph_sqlnet_state *st, size_t pos,
                            const pinhole_sqlnet_pkt *m) {
  int from_server = pinhole__alg_from(ac) == PH_ALG_SERVER;
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  if (!st->connected && (from_server || m->type != PINHOLE_SQLNET_CONNECT))
    return -1; /* a TNS session starts with the client's CONNECT */
  if (from_server && st->data_next) {
    st->data_next = 0;
    ph_ends e;
    pinhole__alg_ends(ac, &e);
    if (ph_sqlnet_leaks(&e, p, m->total_len)) {
      pinhole__alg_refuse(ac, "redirect data in a separate packet", p,
                          m->total_len < 120 ? m->total_len : 120);
      return 0;
    }
  }
  if (!from_server) {
    st->connected = 1;
    if (m->type == PINHOLE_SQLNET_CONNECT &&
        (m->flags & PINHOLE_SQLNET_PKT_DATA))
      ph_sqlnet_connect(ac, pos, m);
    return 0;
  }
  if (m->type == PINHOLE_SQLNET_ACCEPT)
    st->accepted = 1;
  else if (m->type == PINHOLE_SQLNET_REDIRECT) {
    if (m->flags & PINHOLE_SQLNET_PKT_DATA)
      ph_sqlnet_redirect(ac, pos, m);
    else if (m->flags & PINHOLE_SQLNET_PKT_DATA_NEXT)
      st->data_next = 1;
  }
  return 0;
}

/* A packet not held whole at pos (left bytes): withheld, or skipped by
 * its length. */
static void ph_sqlnet_partial(ph_alg_call *ac, ph_sqlnet_state *st, size_t pos,
                              const pinhole_sqlnet_pkt *m, ph_scan *res) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  size_t left = pinhole__alg_payload_len(ac) - pos;
  int wanted = m->type == (pinhole__alg_from(ac) == PH_ALG_SERVER
                               ? PINHOLE_SQLNET_REDIRECT
                               : PINHOLE_SQLNET_CONNECT);
  res->consumed = pos;
  if (m->total_len == 0 || (wanted && m->total_len <= PH_SQLNET_HOLD_MAX)) {
    res->hold = 1; /* the framer says it can still become a packet */
    return;
  }
  if (wanted && pinhole__alg_from(ac) == PH_ALG_CLIENT)
    st->connected = 1; /* a CONNECT too long to hold: skipped, still TNS */
  if (wanted && pinhole__alg_from(ac) == PH_ALG_SERVER) {
    ph_sqlnet_unhandled(ac, "redirect too long to inspect", p, left);
    if (pinhole__alg_failed(ac))
      return;
  }
  res->consumed = pinhole__alg_payload_len(ac);
  res->skip_len = (uint32_t)(m->total_len - left);
}

static void ph_sqlnet_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_sqlnet_state *st = pinhole__alg_state(ac);
  size_t pos = start;
  while (!st->accepted && pos < pinhole__alg_payload_len(ac) &&
         !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    size_t left = pinhole__alg_payload_len(ac) - pos;
    pinhole_sqlnet_pkt m;
    int rc = pinhole_sqlnet_frame(p, left, &m);
    if (rc == PINHOLE_ERR_PARTIAL && (st->connected || m.total_len == 0 ||
                                      m.type == PINHOLE_SQLNET_CONNECT)) {
      ph_sqlnet_partial(ac, st, pos, &m, res);
      return;
    }
    size_t len0 = pinhole__alg_payload_len(ac);
    if (rc != 0 || ph_sqlnet_packet(ac, st, pos, &m) != 0) {
      pinhole__alg_error(ac, "not a TNS session", p, left < 80 ? left : 80);
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    pos += m.total_len + pinhole__alg_payload_len(ac) - len0;
  }
  res->consumed =
      st->accepted ? pinhole__alg_payload_len(ac) : pos; /* nothing more */
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_sqlnet_state_ok(const void *state) {
  const ph_sqlnet_state *st = state;
  return st->connected <= 1 && st->accepted <= 1 && st->data_next <= 1;
}

const ph_alg pinhole__alg_sqlnet = {
    .name = "sqlnet",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_SQLNET,
    .stream = 1,
    .state_size = sizeof(ph_sqlnet_state),
    .state_ok = ph_sqlnet_state_ok,
    .ports = {1521, 0, 0, 0},
    .inspect = ph_sqlnet_inspect,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shell (rsh, TCP 514), Exec (rexec, TCP 512) and Login (rlogin, TCP 513)
 * ALGs: the Berkeley r-commands through NAT.
 *
 * rsh and rexec: the client's first bytes are the port of a second,
 * standard-error connection the server opens back to it: ASCII digits
 * ended by a NUL (pinhole_rsh_port_parse), "0" or empty for none. The
 * field is parsed only at the very start of the client's byte stream
 * (pinhole__alg_stream_at); nothing later on the connection is ever
 * parsed, so a second announcement is never honoured. The port is mapped
 * to a public one (rsh servers connect only to a port below 1024: a port
 * in 512..1023 keeps a public port in 512..1023, the privileged-port
 * rule), the digits are rewritten (their length may change), and a
 * pinhole lets the server's connection in: from the server's address,
 * from a source port in 512..1023 (rsh, rresvport) or any (rexec), to
 * exactly that public port.
 *
 * rlogin carries no address: the module only checks the client's first
 * message (pinhole_rlogin_parse). All three descriptors set `privileged`:
 * the engine keeps a client source port in 512..1023 privileged through
 * source NAT (rshd and rlogind trust only such clients).
 *
 * What happens to a message the ALG cannot handle: a field split across
 * segments is withheld until whole (the stream driver; at most 6 bytes);
 * a field that is not digits + NUL, longer than 5 digits or above 65535
 * is counted and the stream desynchronised (nothing opened, the bytes
 * pass: they name no inside address); a port below 512 fails the low-port
 * policy (counted, nothing opened, passes); no free public port is
 * counted and the segment dropped (fail closed); the first segment sent
 * again with a different field is a second announcement: counted and
 * dropped. An rlogin greeting that is not one is counted and the stream
 * desynchronised.
 */
#include "alg/alg.h"

#include <pinhole/rsh.h>

#include <string.h>

#define PH_RSH_FIELD_MAX (PINHOLE_RSH_PORT_DIGITS + 1)

/* Per-connection state (client direction). */
typedef struct ph_rsh_state {
  uint8_t done;      /* the field was handled: never parsed as new again */
  uint8_t field_len; /* the original field (retransmissions must match) */
  uint16_t pub_port; /* the port it was rewritten to; 0: left as it was */
  uint8_t field[PH_RSH_FIELD_MAX];
} ph_rsh_state;

/* Replaces the field payload[0..r->field_len) by one announcing port.
 * Returns 0 (nothing to change included) or an error (the engine drops). */
static int ph_rsh_splice(ph_alg_call *ac, const pinhole_rsh_port *r,
                         uint16_t port) {
  uint8_t rep[PH_RSH_FIELD_MAX];
  const uint8_t *p = pinhole__alg_payload(ac);
  int n = pinhole_rsh_port_rewrite(p, r->field_len, port, rep, sizeof(rep));
  if (n < 0)
    return n;
  if ((size_t)n == r->field_len && memcmp(rep, p, (size_t)n) == 0)
    return 0;
  return pinhole__alg_splice(ac, 0, r->field_len, rep, (size_t)n);
}

/* Maps the announced port, rewrites it and opens the pinhole. */
static void ph_rsh_announce(ph_alg_call *ac, ph_rsh_state *st,
                            const pinhole_rsh_port *r, int rsh) {
  const uint8_t *p = pinhole__alg_payload(ac);
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  pinhole_endpoint real = {e.client.addr, r->port, 0}, pub;
  pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &real, NULL, 0, p, r->field_len);
  int priv = r->port >= 512 && r->port <= 1023;
  if (!priv && pinhole__alg_policy(ac, PH_ALG_CLIENT, 0, r->port,
                                   "standard-error", p, r->field_len) < 0)
    return;
  uint32_t mref;
  if (pinhole__alg_map(ac, PINHOLE_IPPROTO_TCP, real.addr, real.port,
                       priv ? PH_ALG_MAP_PRIVILEGED : 0, &pub, &mref,
                       NULL) != 0) {
    pinhole__alg_refuse(ac, "no public port for the standard-error connection",
                        p, r->field_len);
    return;
  }
  if (ph_rsh_splice(ac, r, pub.port) != 0) {
    pinhole__alg_unmap(ac, mref);
    return;
  }
  st->pub_port = pub.port;
  pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &pub, 0, NULL, 0);
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_TCP;
  x.from = PH_ALG_SERVER;
  x.src = e.server.addr;
  x.sport = rsh ? 512 : 0; /* rshd binds with rresvport(3) */
  x.sport_hi = rsh ? 1023 : 0;
  x.dst = pub.addr;
  x.dport = pub.port;
  x.to_addr = real.addr;
  x.to_port = real.port;
  x.mapping = mref;
  x.privileged = (uint8_t)priv;
  pinhole__alg_open_pinhole(ac, &x);
}

/* The first segment again (a retransmission): the same field is rewritten
 * the same way; another field is a second announcement. */
static void ph_rsh_again(ph_alg_call *ac, ph_rsh_state *st,
                         const pinhole_rsh_port *r) {
  const uint8_t *p = pinhole__alg_payload(ac);
  if (r->field_len != st->field_len ||
      memcmp(p, st->field, r->field_len) != 0) {
    pinhole__alg_refuse(ac, "second standard-error port announcement", p,
                        r->field_len);
    return;
  }
  if (st->pub_port != 0)
    ph_rsh_splice(ac, r, st->pub_port);
}

static void ph_rsh_scan(ph_alg_call *ac, size_t start, ph_scan *res, int rsh) {
  ph_rsh_state *st = pinhole__alg_state(ac);
  size_t len = pinhole__alg_payload_len(ac);
  res->consumed = len; /* nothing but the first field is ever parsed */
  if (!ph_alg_client_stream_start(ac, start))
    return;
  pinhole_rsh_port r;
  const uint8_t *p = pinhole__alg_payload(ac);
  int rc = pinhole_rsh_port_parse(p, len, &r);
  size_t shown = len < PH_RSH_FIELD_MAX ? len : PH_RSH_FIELD_MAX;
  if (st->done) {
    /* the first segment again: it must carry the same field */
    if (rc < 0)
      pinhole__alg_refuse(ac, "second standard-error port announcement", p,
                          shown);
    else
      ph_rsh_again(ac, st, &r);
    return;
  }
  if (rc == PINHOLE_ERR_PARTIAL) {
    res->consumed = 0;
    res->hold = 1; /* at most 5 digits so far: wait for the rest */
    return;
  }
  if (rc < 0) {
    pinhole__alg_error(ac,
                       rc == PINHOLE_ERR_RANGE
                           ? "standard-error port above 65535"
                           : "malformed standard-error port",
                       p, shown);
    res->desync = 1;
    return;
  }
  st->done = 1;
  st->field_len = (uint8_t)r.field_len;
  memcpy(st->field, pinhole__alg_payload(ac), r.field_len);
  if (r.port != 0)
    ph_rsh_announce(ac, st, &r, rsh);
  res->consumed = pinhole__alg_payload_len(ac);
}

static void ph_rsh_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_rsh_scan(ac, start, res, 1);
}

static void ph_rexec_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_rsh_scan(ac, start, res, 0);
}

static void ph_rlogin_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  size_t len = pinhole__alg_payload_len(ac);
  res->consumed = len;
  if (!ph_alg_client_stream_start(ac, start))
    return;
  pinhole_rlogin_hello h;
  const uint8_t *p = pinhole__alg_payload(ac);
  if (pinhole_rlogin_parse(p, len, &h) == PINHOLE_ERR_PARSE) {
    pinhole__alg_error(ac, "not an rlogin greeting", p, len < 64 ? len : 64);
    res->desync = 1;
  }
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_rsh_state_ok(const void *state) {
  const ph_rsh_state *st = state;
  return st->done <= 1 && st->field_len <= PH_RSH_FIELD_MAX;
}

const ph_alg pinhole__alg_rsh = {
    .name = "rsh",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_SHELL,
    .stream = 1,
    .state_size = sizeof(ph_rsh_state),
    .state_ok = ph_rsh_state_ok,
    .ports = {514, 0, 0, 0},
    .privileged = 1,
    .inspect = ph_rsh_inspect,
};

const ph_alg pinhole__alg_rexec = {
    .name = "rexec",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_EXEC,
    .stream = 1,
    .state_size = sizeof(ph_rsh_state),
    .state_ok = ph_rsh_state_ok,
    .ports = {512, 0, 0, 0},
    .privileged = 1,
    .inspect = ph_rexec_inspect,
};

const ph_alg pinhole__alg_rlogin = {
    .name = "rlogin",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_LOGIN,
    .stream = 1,
    .state_size = 0,
    .ports = {513, 0, 0, 0},
    .privileged = 1,
    .inspect = ph_rlogin_inspect,
};

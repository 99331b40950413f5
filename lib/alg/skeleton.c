/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Skeleton ALG: the smallest complete module, to copy when starting one.
 * It is compiled (tests/style) but not in the ALG table.
 *
 * Protocol: a made-up line protocol on TCP port 7 where the client sends
 * "DATA <dotted-quad> <port>\r\n" to announce where the server should
 * connect back. The module checks the announcement against the contract's
 * policy, maps the client's endpoint to a public one, rewrites the line and
 * opens a pinhole for the server's connection.
 *
 * A real module keeps its parser in <proto>_parse.c (public, pure, fuzzed,
 * declared in include/pinhole/<proto>.h) and its glue here; the glue never
 * re-lists what the parser accepts - it asks the parser, including for
 * what may begin a message (the prefix test behind res->hold).
 *
 * Fail closed: a line the module cannot rewrite is refused
 * (pinhole__alg_refuse), so it never leaves with the inside address in it.
 */
#include "alg/alg.h"
#include "alg/text.h"

#include <string.h>

/* Per-connection state, in the engine's slot (ph_alg.state_size). */
typedef struct ph_skel_state {
  uint8_t announced; /* one announcement per connection */
} ph_skel_state;

/* Parses "DATA a.b.c.d port" (line without its end); 0, or -1. */
static int ph_skel_parse(const uint8_t *p, size_t len, pinhole_endpoint *ep) {
  ph_cur c = ph_cur_make(p, len);
  uint32_t port;
  memset(ep, 0, sizeof(*ep));
  if (!ph_cur_eat_word(&c, "DATA ") || ph_cur_ipv4(&c, &ep->addr) != 0 ||
      !ph_cur_eat(&c, ' ') || ph_cur_number(&c, &port) == 0 || port == 0 ||
      port > 65535 || ph_cur_left(&c) != 0)
    return -1;
  ep->port = (uint16_t)port;
  return 0;
}

/* Handles one complete line payload[pos..pos+n) (n includes CRLF). */
static void ph_skel_line(ph_alg_call *ac, size_t pos, size_t n) {
  const uint8_t *line = pinhole__alg_payload(ac) + pos;
  ph_skel_state *st = pinhole__alg_state(ac);
  pinhole_endpoint real, pub;
  if (ph_skel_parse(line, n - 2, &real) != 0)
    return; /* not an announcement: passes as it is */
  if (st->announced++) {
    pinhole__alg_error(ac, "second announcement", line, n);
    return;
  }
  /* the address must be the client's, the port not privileged */
  if (pinhole__alg_policy(ac, PH_ALG_CLIENT, real.addr, real.port, "data", line,
                          n) != PH_ALG_REAL)
    return;
  uint32_t mref;
  if (pinhole__alg_map(ac, PINHOLE_IPPROTO_TCP, real.addr, real.port, 0, &pub,
                       &mref, NULL) != 0) {
    pinhole__alg_refuse(ac, "no public port for the announcement", line, n);
    return;
  }
  uint8_t rep[40] = "DATA ";
  size_t k = 5;
  k += ph_fmt_ipv4(rep + k, pub.addr);
  rep[k++] = ' ';
  k += ph_fmt_u32(rep + k, pub.port);
  if (pinhole__alg_splice(ac, pos, n - 2, rep, k) != 0) {
    pinhole__alg_unmap(ac, mref);
    return; /* the engine drops and counts a rewrite that does not fit */
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &pub, 0, NULL, 0);
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_TCP;
  x.from = PH_ALG_SERVER; /* the server connects back */
  x.src = e.server.addr;
  x.dst = pub.addr;
  x.dport = pub.port;
  x.to_addr = real.addr;
  x.to_port = real.port;
  x.mapping = mref; /* handed over, whatever happens */
  pinhole__alg_open_pinhole(ac, &x);
}

/* The engine calls this from where a line can begin (start). */
static void ph_skel_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  if (pinhole__alg_from(ac) != PH_ALG_CLIENT) {
    res->consumed = pinhole__alg_payload_len(ac);
    return;
  }
  size_t pos = start;
  while (pos < pinhole__alg_payload_len(ac) && !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    size_t left = pinhole__alg_payload_len(ac) - pos;
    const uint8_t *lf = memchr(p, '\n', left);
    if (lf == NULL) {
      /* a partial line: withhold it if it could become an announcement */
      res->consumed = pos;
      res->hold = left < 64 && ph_iprefix(p, left, "DATA ");
      return;
    }
    size_t n = (size_t)(lf - p) + 1, len0 = pinhole__alg_payload_len(ac);
    if (n >= 2 && lf[-1] == '\r')
      ph_skel_line(ac, pos, n);
    pos += n + pinhole__alg_payload_len(ac) - len0; /* it may have grown */
  }
  res->consumed = pos;
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_skel_state_ok(const void *state) {
  const ph_skel_state *st = state;
  return st->announced <= 1;
}

const ph_alg pinhole__alg_skeleton = {
    .name = "skeleton",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ERR_ALG, /* a real module has its own counter */
    .stream = 1,
    .state_size = sizeof(ph_skel_state),
    .state_ok = ph_skel_state_ok,
    .ports = {7, 0, 0, 0},
    .inspect = ph_skel_inspect,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Real Audio ALG (Progressive Networks Audio, PNA, TCP 7070): the
 * client's UDP ports through NAT.
 *
 * A RealAudio client opens its control connection with a hello ("PNA",
 * a version, tagged fields; pinhole_pna_hello_parse, docs/realaudio.md)
 * naming the UDP port where it wants the audio (tag 0x0001) and the one
 * for robust-UDP error correction (tag 0x0007). Each nonzero port is
 * checked against the contract's policy (no port below 1024 unless
 * configured), mapped to a public one with the control connection's NAPT,
 * its two bytes rewritten in place (no length change), and a UDP pinhole
 * lets the server's packets in: from the server's address, any source
 * port, to exactly that public port.
 *
 * Safety: the hello is parsed only at the very start of the client's
 * byte stream (pinhole__alg_stream_at); nothing later on the connection,
 * and nothing from the server, is ever parsed, so no second announcement
 * is honoured. A stream whose first bytes are not "PNA" is counted and
 * desynchronised (an RTSP client on 7070 included: RTSP belongs on 554).
 *
 * What happens to a hello the ALG cannot handle: split across segments,
 * it is withheld until whole (the parser's PARTIAL, at most
 * PINHOLE_PNA_MAX_HELLO bytes); malformed, of an unsupported version, or
 * with no free public port for a port it names, it is refused (dropped,
 * fail closed: the server would send to an untranslated port) when the
 * client is behind source NAT, and counted and passed otherwise; a port
 * below 1024 fails the policy (counted, left as it is, nothing opened).
 * The first segment sent again is rewritten the same way; other bytes in
 * its port fields are a second announcement, refused.
 */
#include "alg/alg.h"

#include <pinhole/pna.h>

#include <string.h>

/* Per-connection state: the two port fields as first handled. */
typedef struct ph_pna_state {
  uint8_t done; /* the hello was handled: never parsed as new again */
  uint8_t pad_;
  uint16_t off[2];  /* the value's offset in the stream; 0: no field */
  uint16_t real[2]; /* as the client sent it */
  uint16_t pub[2];  /* as it left (= real when left alone) */
} ph_pna_state;

/* A hello the ALG cannot translate: refused when the client is behind
 * source NAT (its ports would reach the server untranslated), else
 * counted and passed. */
static void ph_pna_unhandled(ph_alg_call *ac, const char *why) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  const uint8_t *p = pinhole__alg_payload(ac);
  size_t n = pinhole__alg_payload_len(ac);
  n = n < 64 ? n : 64;
  if (e.client.addr != e.client_pub.addr || e.client.port != e.client_pub.port)
    pinhole__alg_refuse(ac, why, p, n);
  else
    pinhole__alg_error(ac, why, p, n);
}

static const char *ph_pna_reason(int rc) {
  return rc == PINHOLE_ERR_UNSUPPORTED ? "PNA version not supported"
                                       : "malformed PNA hello";
}

/* Writes port at payload[off] if it differs; 0, or the splice's error. */
static int ph_pna_put(ph_alg_call *ac, size_t off, uint16_t port) {
  const uint8_t *p = pinhole__alg_payload(ac) + off;
  uint8_t rep[2] = {(uint8_t)(port >> 8), (uint8_t)port};
  if (memcmp(p, rep, 2) == 0)
    return 0;
  return pinhole__alg_splice(ac, off, 2, rep, 2);
}

/* Maps the nonzero ports that pass the policy: open[i] set, pub[i] and
 * mref[i] filled (pub = real for the others). Returns 0, or -1 after
 * refusing (no mapping kept). */
static int ph_pna_map(ph_alg_call *ac, const ph_pna_state *st, const ph_ends *e,
                      pinhole_endpoint pub[2], uint32_t mref[2], int open[2]) {
  static const char *const what[2] = {"UDP data", "robust UDP"};
  const uint8_t *p = pinhole__alg_payload(ac);
  for (int i = 0; i < 2; i++) {
    pinhole_endpoint real = {e->client.addr, st->real[i], 0};
    pub[i] = real;
    mref[i] = 0;
    open[i] = 0;
    if (st->off[i] == 0 || real.port == 0)
      continue;
    const uint8_t *field = p + st->off[i] - 4; /* tag, length, value */
    pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &real, NULL, 0, field, 6);
    if (pinhole__alg_policy(ac, PH_ALG_CLIENT, 0, real.port, what[i], field,
                            6) < 0)
      continue; /* counted: left as it is, nothing opened */
    if (pinhole__alg_map(ac, PINHOLE_IPPROTO_UDP, real.addr, real.port, 0,
                         &pub[i], &mref[i], NULL) != 0) {
      if (i == 1 && mref[0] != 0)
        pinhole__alg_unmap(ac, mref[0]);
      ph_pna_unhandled(ac, "no public port for a PNA UDP port");
      return -1;
    }
    open[i] = 1;
  }
  return 0;
}

/* Opens the pinhole for the server's packets to pub (handing mref over). */
static void ph_pna_open(ph_alg_call *ac, const ph_ends *e,
                        const pinhole_endpoint *real,
                        const pinhole_endpoint *pub, uint32_t mref) {
  pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, real, pub, 0, NULL, 0);
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_UDP;
  x.from = PH_ALG_SERVER; /* the audio comes from the server, any port */
  x.src = e->server.addr;
  x.dst = pub->addr;
  x.dport = pub->port;
  x.to_addr = real->addr;
  x.to_port = real->port;
  x.mapping = mref;
  pinhole__alg_open_pinhole(ac, &x);
}

/* A new hello: map, rewrite, open. */
static void ph_pna_announce(ph_alg_call *ac, ph_pna_state *st) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  pinhole_endpoint pub[2];
  uint32_t mref[2];
  int open[2];
  if (ph_pna_map(ac, st, &e, pub, mref, open) != 0)
    return;
  for (int i = 0; i < 2; i++) {
    if (!open[i] || ph_pna_put(ac, st->off[i], pub[i].port) == 0)
      continue;
    for (int k = 0; k < 2; k++)
      if (mref[k] != 0)
        pinhole__alg_unmap(ac, mref[k]);
    return; /* the engine drops and counts a rewrite that does not fit */
  }
  st->done = 1;
  for (int i = 0; i < 2; i++) {
    st->pub[i] = pub[i].port;
    pinhole_endpoint real = {e.client.addr, st->real[i], 0};
    if (open[i])
      ph_pna_open(ac, &e, &real, &pub[i], mref[i]);
  }
}

/* The first segment sent again: its port fields must hold what they held
 * the first time, and are rewritten the same way. */
static void ph_pna_again(ph_alg_call *ac, const ph_pna_state *st) {
  const uint8_t *p = pinhole__alg_payload(ac);
  size_t len = pinhole__alg_payload_len(ac);
  for (int i = 0; i < 2; i++) {
    size_t off = st->off[i];
    if (off == 0 || off >= len)
      continue;
    if (off + 2 > len || (uint16_t)(p[off] << 8 | p[off + 1]) != st->real[i]) {
      pinhole__alg_refuse(ac, "second PNA hello", p, len < 64 ? len : 64);
      return;
    }
    if (ph_pna_put(ac, off, st->pub[i]) != 0)
      return;
  }
}

static void ph_pna_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  ph_pna_state *st = pinhole__alg_state(ac);
  size_t len = pinhole__alg_payload_len(ac);
  res->consumed = len; /* nothing but the hello is ever parsed */
  if (!ph_alg_client_stream_start(ac, start))
    return;
  if (st->done) {
    ph_pna_again(ac, st);
    return;
  }
  const uint8_t *p = pinhole__alg_payload(ac);
  pinhole_pna_hello h;
  int rc = pinhole_pna_hello_parse(p, len, &h);
  if (rc == PINHOLE_ERR_PARTIAL) {
    res->consumed = 0;
    res->hold = 1; /* the parser says it can still become a hello */
    return;
  }
  if (rc == PINHOLE_ERR_NOMATCH) {
    pinhole__alg_error(ac, "not a PNA session", p, len < 64 ? len : 64);
    res->desync = 1;
    return;
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, p,
                     len < 64 ? len : 64);
  if (rc < 0) {
    ph_pna_unhandled(ac, ph_pna_reason(rc));
    st->done = !pinhole__alg_failed(ac); /* passed: counted once */
    return;
  }
  st->off[0] = (uint16_t)h.udp_port_off;
  st->off[1] = (uint16_t)h.robust_port_off;
  st->real[0] = h.udp_port;
  st->real[1] = h.robust_port;
  ph_pna_announce(ac, st);
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_pna_state_ok(const void *state) {
  const ph_pna_state *st = state;
  return st->done <= 1 && (st->off[0] == 0 || st->off[0] >= 4) &&
         (st->off[1] == 0 || st->off[1] >= 4);
}

const ph_alg pinhole__alg_pna = {
    .name = "pna",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_REALAUDIO,
    .stream = 1,
    .state_size = sizeof(ph_pna_state),
    .state_ok = ph_pna_state_ok,
    .ports = {7070, 0, 0, 0},
    .inspect = ph_pna_inspect,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NetShow ALG (Microsoft Media Server, [MS-MMSP], TCP 1755): the client's
 * funnel through NAT.
 *
 * Watches the client's direction of the control connection, one
 * TcpMessageHeader packet at a time (pinhole_mms_frame). The client names
 * where it wants the stream in a LinkViewerToMacConnectFunnel message, a
 * UTF-16LE "\\<ip>\UDP\<port>": the UDP endpoint is checked against the
 * contract's policy (the client's own address, no port below 1024 unless
 * configured), mapped to a public one with the control connection's NAPT,
 * the packet rebuilt announcing it (the funnel message's chunkLen, the
 * packet's messageLength and chunkCount follow,
 * pinhole_mms_funnel_rewrite), and a UDP pinhole lets the server's data in.
 * A TCP funnel names the client's end of this very connection: it is
 * rewritten to the connection's public endpoint and opens nothing.
 *
 * Safety: the session is MMS only while every client packet frames as a
 * TcpMessageHeader; the first that does not desynchronises the direction
 * for good (an HTTP POST to 1755 opens nothing). The server's direction
 * (data packets have their own header) is not parsed. A packet split
 * across segments is withheld when the framer says PARTIAL and it is at
 * most PH_MMS_HOLD_MAX bytes (a funnel packet is about 100); a longer one
 * cannot be a funnel packet and is skipped by its length.
 *
 * Fail closed: a funnel message the parser rejects (or one that cannot be
 * rewritten) is refused - dropped, the client resends it, dropped again -
 * when it carries the client's inside address; otherwise it is counted
 * and passes. An IPv6 funnel, a third party's address or the client's
 * public one is counted and opens nothing.
 */
#include "alg/alg.h"
#include "alg/text.h"

#include <pinhole/mms.h>

#include <string.h>

/* Longest packet withheld until it arrives whole. */
#define PH_MMS_HOLD_MAX 1024u

/* Does p hold addr as UTF-16LE dotted-quad text (not inside a longer
 * number)? */
static int ph_mms_has_addr(const uint8_t *p, size_t len, uint32_t addr) {
  uint8_t want[15];
  size_t n = ph_fmt_ipv4(want, addr), k;
  for (size_t i = 0; i + 2 * n <= len; i++) {
    for (k = 0; k < n && p[i + 2 * k] == want[k] && p[i + 2 * k + 1] == 0;)
      k++;
    if (k < n)
      continue;
    int before = i >= 2 && p[i - 1] == 0 && ph_is_digit(p[i - 2]);
    int after = i + 2 * n + 1 < len && p[i + 2 * n + 1] == 0 &&
                ph_is_digit(p[i + 2 * n]);
    if (!before && !after)
      return 1;
  }
  return 0;
}

/* A funnel packet the ALG cannot handle: refused when it names the
 * client's inside address, else counted. */
static void ph_mms_unhandled(ph_alg_call *ac, const char *why, const uint8_t *p,
                             size_t n) {
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  if (e.client.addr != e.client_pub.addr &&
      ph_mms_has_addr(p, n, e.client.addr))
    pinhole__alg_refuse(ac, why, NULL, 0);
  else
    pinhole__alg_error(ac, why, NULL, 0);
}

static const char *ph_mms_reason(int rc) {
  switch (rc) {
  case PINHOLE_ERR_RANGE:
    return "funnel port out of range";
  case PINHOLE_ERR_UNSUPPORTED:
    return "IPv6 funnel left alone";
  default:
    return "malformed funnel";
  }
}

/* Splices the packet at pos rewritten to announce pub; 0, or -1. */
static int ph_mms_rewrite(ph_alg_call *ac, size_t pos, size_t total,
                          const pinhole_endpoint *pub) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  size_t cap;
  uint8_t *out = pinhole__alg_scratch(ac, &cap);
  int n = pinhole_mms_funnel_rewrite(p, total, pub->addr, pub->port, out, cap);
  if (n < 0) {
    ph_mms_unhandled(ac, "funnel rewrite failed", p, total);
    return -1;
  }
  return pinhole__alg_splice(ac, pos, total, out, (size_t)n) ? -1 : 0;
}

/* A TCP funnel: the client's end of this connection, seen publicly. */
static void ph_mms_tcp(ph_alg_call *ac, size_t pos, size_t total,
                       const pinhole_mms_funnel *f, const ph_ends *e) {
  if (f->addr != e->client.addr || f->port != e->client.port) {
    ph_mms_unhandled(ac, "TCP funnel is not this connection", NULL, 0);
    return;
  }
  if (e->client_pub.addr != f->addr || e->client_pub.port != f->port)
    ph_mms_rewrite(ac, pos, total, &e->client_pub);
}

/* A funnel packet at pos (total bytes). */
static void ph_mms_funnel(ph_alg_call *ac, size_t pos, size_t total,
                          const pinhole_mms_funnel *f) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  pinhole_endpoint real = {f->addr, f->port, 0};
  pinhole__alg_trace(ac, PINHOLE_TRACE_PARSED, &real, NULL, 0, p + f->name_off,
                     f->name_len);
  if (!(f->flags & PINHOLE_MMS_FUNNEL_UDP)) {
    ph_mms_tcp(ac, pos, total, f, &e);
    return;
  }
  int whose = pinhole__alg_policy(ac, PH_ALG_CLIENT, f->addr, f->port, "funnel",
                                  NULL, 0);
  if (whose < 0)
    return;
  if (whose != PH_ALG_REAL) {
    pinhole__alg_error(ac, "funnel address is not the client's own", NULL, 0);
    return;
  }
  pinhole_endpoint pub;
  uint32_t mref;
  if (pinhole__alg_map(ac, PINHOLE_IPPROTO_UDP, f->addr, f->port, 0, &pub,
                       &mref, NULL) != 0) {
    ph_mms_unhandled(ac, "no public port for the funnel", p, total);
    return;
  }
  if ((pub.addr != f->addr || pub.port != f->port) &&
      ph_mms_rewrite(ac, pos, total, &pub) != 0) {
    pinhole__alg_unmap(ac, mref);
    return;
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &real, &pub, 0, NULL, 0);
  ph_pinhole_req x;
  memset(&x, 0, sizeof(x));
  x.proto = PINHOLE_IPPROTO_UDP;
  x.from = PH_ALG_SERVER; /* the stream comes from the server */
  x.src = e.server.addr;
  x.dst = pub.addr;
  x.dport = pub.port;
  x.to_addr = f->addr;
  x.to_port = f->port;
  x.mapping = mref;
  pinhole__alg_open_pinhole(ac, &x);
}

/* One whole packet at pos. */
static void ph_mms_packet(ph_alg_call *ac, size_t pos, size_t total) {
  const uint8_t *p = pinhole__alg_payload(ac) + pos;
  pinhole_mms_funnel f;
  int rc = pinhole_mms_funnel_parse(p, total, &f);
  if (rc == PINHOLE_ERR_NOMATCH)
    return;
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0, p,
                     total < 120 ? total : 120);
  if (rc < 0)
    ph_mms_unhandled(ac, ph_mms_reason(rc), p, total);
  else
    ph_mms_funnel(ac, pos, total, &f);
}

static void ph_mms_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  if (pinhole__alg_from(ac) != PH_ALG_CLIENT) {
    res->consumed = pinhole__alg_payload_len(ac);
    return;
  }
  size_t pos = start;
  while (pos < pinhole__alg_payload_len(ac) && !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    size_t left = pinhole__alg_payload_len(ac) - pos;
    pinhole_mms_pkt m;
    int rc = pinhole_mms_frame(p, left, &m);
    if (rc == PINHOLE_ERR_PARTIAL) {
      res->consumed = pos;
      if (m.total_len == 0 || m.total_len <= PH_MMS_HOLD_MAX) {
        res->hold = 1; /* the framer says it can still become a packet */
        return;
      }
      res->consumed = pinhole__alg_payload_len(ac);
      res->skip_len = (uint32_t)(m.total_len - left);
      return;
    }
    if (rc != 0) {
      pinhole__alg_error(ac, "not an MMS session", p, left < 80 ? left : 80);
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    size_t len0 = pinhole__alg_payload_len(ac);
    ph_mms_packet(ac, pos, m.total_len);
    pos += m.total_len + pinhole__alg_payload_len(ac) - len0;
  }
  res->consumed = pos;
}

const ph_alg pinhole__alg_mms = {
    .name = "mms",
    .proto = PINHOLE_IPPROTO_TCP,
    .counter = PINHOLE_CNT_ALG_NETSHOW,
    .stream = 1,
    .ports = {1755, 0, 0, 0},
    .inspect = ph_mms_inspect,
};

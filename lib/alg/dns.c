/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS ALG (RFC 1035; EDNS0 RFC 6891; TCP RFC 7766; doctoring as carrier
 * NATs do it for static 1:1 NAT).
 *
 * Watches UDP and TCP port 53 in both directions. Every message is
 * validated by the pure parser (lib/alg/dns_parse.c: header counts, names,
 * compression pointers, records, size limits); a message it refuses is a
 * DNS ALG error and is dropped (passed, counted, with
 * PINHOLE_CFG_ALG_PASS_UNTRANSLATED). A response over UDP must also fit
 * the size its query advertised.
 *
 * Quick teardown (UDP): each query from the client is remembered in the
 * connection's state slot (id, a keyed digest of its questions, its size
 * limit); a response from the server matching id and questions answers it.
 * Once every query is answered the connection closes at once
 * (pinhole__alg_close_soon) instead of holding a flow for the UDP timeout.
 * A connection that carried more queries at once than the slot holds
 * waits for its timeout.
 *
 * TCP: messages follow each other with a 2-byte length prefix; each is
 * parsed at its boundary (the engine's stream driver). A message split
 * across segments is withheld until it arrives whole when it can fit one
 * segment (PH_DNS_HOLD_MAX); a larger one passes uninspected, unless DNS
 * doctoring is configured (then it is refused: it could carry an address
 * to doctor).
 *
 * Doctoring, only through static rules with PINHOLE_RULE_DNS_DOCTOR: in a
 * response, every A record (class IN, any section) holding an address such
 * a rule maps is rewritten, in place, to the address the receiver must use
 * (inside -> public for a receiver outside, public -> inside for a
 * receiver inside). Lengths do not change; the engine fixes the checksum.
 * DNSSEC signatures over a doctored record no longer verify.
 */
#include "alg/alg.h"

#include "pkt/bytes.h"

#include <pinhole/dns.h>

#include <stdio.h>
#include <string.h>

/* Queries remembered per connection. */
#define PH_DNS_PENDING 5
/* The largest split TCP message withheld: it fits one segment on any path
 * with the IPv6 minimum MTU of 1280 bytes. */
#define PH_DNS_HOLD_MAX 1200

typedef struct ph_dns_query {
  uint16_t id;
  uint16_t limit; /* the size its answer may have over UDP */
  uint32_t qhash; /* digest of the questions (ph_dns_qhash) */
} ph_dns_query;

/* The connection's state slot. */
typedef struct ph_dns_state {
  uint8_t npending;
  uint8_t untracked; /* a query did not fit: no quick teardown */
  uint8_t closing;   /* pinhole__alg_close_soon() was called */
  uint8_t pad_[5];
  ph_dns_query q[PH_DNS_PENDING];
} ph_dns_state;

_Static_assert(sizeof(ph_dns_state) <= PH_ALG_STATE_SIZE,
               "DNS state fits the slot");

/* A digest of every question: count, then each normalized name, type and
 * class. Returns 0, or -1 when a name cannot be read (cannot happen on a
 * parsed message). */
static int ph_dns_qhash(const ph_alg_call *ac, const uint8_t *p, size_t len,
                        const pinhole_dns_msg *m, uint32_t *h) {
  uint8_t buf[1 + PINHOLE_DNS_MAX_QUESTIONS * (PINHOLE_DNS_NAME_MAX + 4)];
  size_t n = 0;
  buf[n++] = (uint8_t)m->qdcount;
  for (unsigned i = 0; i < m->qdcount && i < PINHOLE_DNS_MAX_QUESTIONS; i++) {
    const pinhole_dns_question *q = &m->question[i];
    int k = pinhole_dns_name_normalize(p, len, q->name_off, buf + n,
                                       PINHOLE_DNS_NAME_MAX);
    if (k < 0)
      return -1;
    n += (size_t)k;
    ph_put16(buf + n, q->qtype);
    ph_put16(buf + n + 2, q->qclass);
    n += 4;
  }
  *h = (uint32_t)pinhole__alg_hash(ac, buf, n);
  return 0;
}

/* A query from the client: remember it until its answer. */
static void ph_dns_query_seen(ph_alg_call *ac, const uint8_t *p, size_t len,
                              const pinhole_dns_msg *m) {
  ph_dns_state *st = pinhole__alg_state(ac);
  ph_dns_query q;
  memset(&q, 0, sizeof(q));
  q.id = m->id;
  q.limit = (uint16_t)m->limit;
  if (ph_dns_qhash(ac, p, len, m, &q.qhash) != 0)
    return;
  for (unsigned i = 0; i < st->npending; i++)
    if (st->q[i].id == q.id && st->q[i].qhash == q.qhash) {
      st->q[i] = q; /* a retransmission */
      return;
    }
  if (st->npending < PH_DNS_PENDING)
    st->q[st->npending++] = q;
  else
    st->untracked = 1;
}

/* A response from the server: the pending query it answers, or -1. */
static int ph_dns_match(ph_alg_call *ac, const uint8_t *p, size_t len,
                        const pinhole_dns_msg *m) {
  ph_dns_state *st = pinhole__alg_state(ac);
  uint32_t h;
  if (ph_dns_qhash(ac, p, len, m, &h) != 0)
    return -1;
  for (unsigned i = 0; i < st->npending; i++) {
    if (st->q[i].id != m->id)
      continue;
    /* an error response may leave the question out (FORMERR) */
    if (st->q[i].qhash == h || (m->qdcount == 0 && m->rcode != 0))
      return (int)i;
  }
  return -1;
}

/* The response answers pending query i: forget it; close when none is
 * left. Returns 1 when the response must be dropped. */
static int ph_dns_answered(ph_alg_call *ac, size_t len, int i) {
  ph_dns_state *st = pinhole__alg_state(ac);
  ph_dns_query q = st->q[i];
  st->q[i] = st->q[--st->npending];
  memset(&st->q[st->npending], 0, sizeof(st->q[0]));
  if (len > q.limit &&
      pinhole__alg_refuse(ac, "response larger than its query allows", NULL, 0))
    return 1;
  if (st->npending == 0 && !st->untracked && !st->closing) {
    st->closing = 1;
    pinhole__alg_close_soon(ac);
  }
  return 0;
}

/* Doctors the A records of the response at payload[off..off+len). */
static void ph_dns_doctor(ph_alg_call *ac, size_t off, size_t len,
                          const pinhole_dns_msg *m) {
  pinhole_dns_iter it;
  pinhole_dns_rr rr;
  memset(&it, 0, sizeof(it));
  while (!pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + off;
    if (pinhole_dns_rr_next(p, len, m, &it, &rr) != 0)
      return;
    if (rr.type != PINHOLE_DNS_TYPE_A || rr.rclass != PINHOLE_DNS_CLASS_IN ||
        rr.rdlength != 4)
      continue;
    uint32_t addr = ph_get32(p + rr.rdata_off), to;
    if (pinhole__alg_static_addr(ac, addr, PINHOLE_RULE_DNS_DOCTOR, &to) != 0)
      continue;
    if (pinhole__alg_put_addr(ac, off + rr.rdata_off, to) != 0)
      return;
  }
}

/* A trace line: "query 0x1234 www.example.test type 1". */
static void ph_dns_trace(ph_alg_call *ac, const uint8_t *p, size_t len,
                         const pinhole_dns_msg *m) {
  uint8_t name[PINHOLE_DNS_NAME_MAX];
  char text[48 + PINHOLE_DNS_NAME_MAX];
  int k = snprintf(text, sizeof(text), "%s 0x%04x",
                   (m->flags & PINHOLE_DNS_FLAG_QR) ? "response" : "query",
                   (unsigned)m->id);
  int n = m->qdcount ? pinhole_dns_name_normalize(
                           p, len, m->question[0].name_off, name, sizeof(name))
                     : -1;
  if (n > 1) {
    /* wire labels to dotted text */
    for (int i = 0; i < n && name[i] != 0 && i + 1 + name[i] <= n;
         i += name[i] + 1) {
      text[k++] = ' ';
      if (i > 0)
        text[k - 1] = '.';
      memcpy(text + k, name + i + 1, name[i]);
      k += name[i];
    }
  }
  if (m->qdcount)
    k += snprintf(text + k, sizeof(text) - (size_t)k, "%s type %u",
                  n == 1 ? " ." : "", (unsigned)m->question[0].qtype);
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)text, (size_t)k);
}

/* One whole message at payload[off..off+len). */
static void ph_dns_message(ph_alg_call *ac, size_t off, size_t len, int tcp) {
  const uint8_t *p = pinhole__alg_payload(ac) + off;
  pinhole_dns_msg m;
  int rc = pinhole_dns_parse(p, len, tcp ? PINHOLE_DNS_PARSE_TCP : 0, &m);
  if (rc != 0) {
    pinhole__alg_refuse_why(ac, "malformed message",
                            pinhole_dns_reason_name((int)m.reason));
    return;
  }
  int response = (m.flags & PINHOLE_DNS_FLAG_QR) != 0;
  int from = pinhole__alg_from(ac);
  ph_dns_trace(ac, p, len, &m);
  if (!tcp && !response && from == PH_ALG_CLIENT)
    ph_dns_query_seen(ac, p, len, &m);
  if (!response)
    return;
  if (m.n_a > 0 && pinhole__alg_static_any(ac, PINHOLE_RULE_DNS_DOCTOR))
    ph_dns_doctor(ac, off, len, &m);
  if (!tcp && from == PH_ALG_SERVER && !pinhole__alg_failed(ac)) {
    int i = ph_dns_match(ac, pinhole__alg_payload(ac) + off, len, &m);
    if (i >= 0)
      ph_dns_answered(ac, len, i);
  }
}

/* A message whose head is at payload[pos..len) and which cannot arrive
 * whole in one segment: it passes uninspected (skip_len), unless it could
 * carry an address to doctor. */
static void ph_dns_too_big(ph_alg_call *ac, size_t pos, size_t msg_len,
                           ph_scan *res) {
  size_t len = pinhole__alg_payload_len(ac);
  if (pinhole__alg_static_any(ac, PINHOLE_RULE_DNS_DOCTOR) &&
      pinhole__alg_refuse(ac, "split message too large to doctor", NULL, 0))
    return;
  static const char why[] = "split message too large to withhold: skipped";
  pinhole__alg_trace(ac, PINHOLE_TRACE_SKIPPED, NULL, NULL, 0,
                     (const uint8_t *)why, sizeof(why) - 1);
  res->consumed = len;
  res->skip_len = (uint32_t)(2 + msg_len - (len - pos));
}

static void ph_dns_stream(ph_alg_call *ac, size_t start, ph_scan *res) {
  size_t pos = start;
  while (pos < pinhole__alg_payload_len(ac) && !pinhole__alg_failed(ac)) {
    const uint8_t *p = pinhole__alg_payload(ac) + pos;
    size_t left = pinhole__alg_payload_len(ac) - pos, msg_len = 0;
    int rc = pinhole_dns_tcp_frame(p, left, &msg_len);
    if (rc == PINHOLE_ERR_PARTIAL) {
      res->consumed = pos;
      if (msg_len == 0 || 2 + msg_len <= PH_DNS_HOLD_MAX)
        res->hold = 1; /* the rest of the message will follow */
      else
        ph_dns_too_big(ac, pos, msg_len, res);
      return;
    }
    if (rc != 0) {
      /* a length that cannot frame a DNS message: not DNS any more */
      if (pinhole__alg_refuse(ac, "message length below 12", NULL, 0))
        return;
      res->consumed = pos;
      res->desync = 1;
      return;
    }
    ph_dns_message(ac, pos + 2, msg_len, 1);
    pos += 2 + msg_len;
  }
  res->consumed = pos;
}

static void ph_dns_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  if (pinhole__alg_l4(ac) == PINHOLE_IPPROTO_TCP) {
    ph_dns_stream(ac, start, res);
    return;
  }
  ph_dns_message(ac, 0, pinhole__alg_payload_len(ac), 0);
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_dns_state_ok(const void *state) {
  const ph_dns_state *st = state;
  return st->npending <= PH_DNS_PENDING && st->untracked <= 1 &&
         st->closing <= 1;
}

const ph_alg pinhole__alg_dns = {
    .name = "dns",
    .proto = 0, /* UDP and TCP */
    .counter = PINHOLE_CNT_ALG_DNS,
    .stream = 1,
    .state_size = sizeof(ph_dns_state),
    .state_ok = ph_dns_state_ok,
    .ports = {53, 0, 0, 0},
    .inspect = ph_dns_inspect,
};

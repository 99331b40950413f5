/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NetBIOS ALG (RFC 1001, RFC 1002): name service (UDP 137) and datagram
 * service (UDP 138) through NAT.
 *
 * Name service: every message is validated by the pure parser
 * (pinhole_nbns_parse: the DNS checks plus NetBIOS names and NB RDATA).
 * The addresses it carries - each NB entry's NB_ADDRESS (registrations,
 * refreshes, releases, positive query responses) and A records (redirect
 * responses) - are rewritten for the receiver (pinhole__alg_carried): the
 * sender's own inside address becomes its public one, the receiver's
 * public address its inside one, an address a static rule maps the mapped
 * one. Datagram service: SOURCE_IP and SOURCE_PORT of the sender's own
 * datagrams become its public endpoint, so that answers come back through
 * its mapping.
 *
 * A host's 137 and 138 connections to one peer (from ports 137 and 138)
 * are one conversation: the second one joins the first's.
 *
 * Fail closed: a message the parser refuses (bad names, lengths, counts),
 * or one from a host behind NAT that carries an inside address other than
 * its own, is a NetBIOS ALG error and is dropped (passed, counted, with
 * PINHOLE_CFG_ALG_PASS_UNTRANSLATED). Nothing is opened.
 */
#include "alg/alg.h"

#include "pkt/bytes.h"

#include <pinhole/netbios.h>

#include <stdio.h>
#include <string.h>

#define PH_NBNS_PORT 137
#define PH_NBDS_PORT 138

typedef struct ph_nb_state {
  uint8_t join_tried; /* the first packet looked for the sibling flow */
} ph_nb_state;

/* Rewrites the 4-byte address at payload[off] for the receiver. Returns
 * 0, or 1 when the message was refused (or a rewrite failed). */
static int ph_nb_addr(ph_alg_call *ac, size_t off, const char *what) {
  uint32_t addr = ph_get32(pinhole__alg_payload(ac) + off), to;
  if (pinhole__alg_carried(ac, addr, &to) < 0)
    return pinhole__alg_refuse_why(ac, what, "not the sender's");
  return to != addr && pinhole__alg_put_addr(ac, off, to) != 0;
}

/* The addresses of one NB or A record. Returns 1 when refused. */
static int ph_nbns_record(ph_alg_call *ac, const pinhole_dns_rr *rr) {
  if (rr->rclass != PINHOLE_DNS_CLASS_IN)
    return 0;
  if (rr->type == PINHOLE_DNS_TYPE_A && rr->rdlength == 4)
    return ph_nb_addr(ac, rr->rdata_off, "A address");
  if (rr->type != PINHOLE_NBNS_TYPE_NB)
    return 0;
  size_t n = rr->rdlength / PINHOLE_NBNS_NB_ENTRY_LEN;
  for (size_t i = 0; i < n; i++)
    if (ph_nb_addr(ac, rr->rdata_off + PINHOLE_NBNS_NB_ENTRY_LEN * i + 2,
                   "NB address"))
      return 1;
  return 0;
}

/* A trace line: "opcode 5 PINHOLE<00>" (the question's or first record's
 * name, decoded). */
static void ph_nbns_trace(ph_alg_call *ac, const uint8_t *p, size_t len,
                          const pinhole_dns_msg *m) {
  char text[48];
  uint8_t name[16];
  size_t off = m->qdcount ? m->question[0].name_off : m->rr_off;
  int k = snprintf(text, sizeof(text), "%s opcode %u",
                   (m->flags & PINHOLE_DNS_FLAG_QR) ? "response" : "request",
                   (unsigned)m->opcode);
  if (pinhole_netbios_name_decode(p, len, off, name) == 0) {
    size_t n = 15;
    while (n > 0 && name[n - 1] == ' ')
      n--;
    text[k++] = ' ';
    for (size_t i = 0; i < n; i++)
      text[k++] = (char)(name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?');
    k += snprintf(text + k, sizeof(text) - (size_t)k, "<%02x>", name[15]);
  }
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)text, (size_t)k);
}

static void ph_nbns(ph_alg_call *ac) {
  const uint8_t *p = pinhole__alg_payload(ac);
  size_t len = pinhole__alg_payload_len(ac);
  pinhole_dns_msg m;
  if (pinhole_nbns_parse(p, len, &m) != 0) {
    pinhole__alg_refuse_why(ac, "malformed name service message",
                            pinhole_dns_reason_name((int)m.reason));
    return;
  }
  ph_nbns_trace(ac, p, len, &m);
  pinhole_dns_iter it;
  pinhole_dns_rr rr;
  memset(&it, 0, sizeof(it));
  /* same-length rewrites: the message stays where the walk reads it */
  while (pinhole_dns_rr_next(p, len, &m, &it, &rr) == 0)
    if (ph_nbns_record(ac, &rr))
      return;
}

static void ph_nbds(ph_alg_call *ac) {
  const uint8_t *p = pinhole__alg_payload(ac);
  size_t len = pinhole__alg_payload_len(ac);
  pinhole_nbds_msg m;
  if (pinhole_nbds_parse(p, len, &m) != 0) {
    pinhole__alg_refuse_why(ac, "malformed datagram",
                            pinhole_nbds_reason_name((int)m.reason));
    return;
  }
  uint32_t to;
  int whose = pinhole__alg_carried(ac, m.source_ip, &to);
  if (whose == PH_ALG_REAL) {
    /* the sender's own datagram: answers go to its public endpoint */
    ph_ends e;
    pinhole__alg_ends(ac, &e);
    const pinhole_endpoint *pub =
        pinhole__alg_from(ac) == PH_ALG_CLIENT ? &e.client_pub : &e.server_pub;
    uint8_t rep[6];
    ph_put32(rep, pub->addr);
    ph_put16(rep + 4, pub->port);
    if (pinhole__alg_splice(ac, PINHOLE_NBDS_SOURCE_IP_OFF, 6, rep, 6) != 0)
      return;
    pinhole_endpoint a = {m.source_ip, m.source_port, 0};
    pinhole__alg_trace(ac, PINHOLE_TRACE_TRANSLATED, &a, pub, 0, NULL, 0);
    return;
  }
  ph_nb_addr(ac, PINHOLE_NBDS_SOURCE_IP_OFF, "datagram source address");
}

/* A host's 137 and 138 connections to one peer: one conversation. */
static void ph_nb_join(ph_alg_call *ac, const ph_ends *e) {
  uint16_t cp = e->client.port, sp = e->server_pub.port;
  if (cp == PH_NBDS_PORT && sp == PH_NBDS_PORT)
    pinhole__alg_join(ac, PH_NBNS_PORT, PH_NBNS_PORT);
  else if (cp == PH_NBNS_PORT && sp == PH_NBNS_PORT)
    pinhole__alg_join(ac, PH_NBDS_PORT, PH_NBDS_PORT);
}

static void ph_nb_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  (void)start;
  (void)res;
  ph_nb_state *st = pinhole__alg_state(ac);
  ph_ends e;
  pinhole__alg_ends(ac, &e);
  if (!st->join_tried) {
    st->join_tried = 1;
    ph_nb_join(ac, &e);
  }
  if (e.server_pub.port == PH_NBDS_PORT)
    ph_nbds(ac);
  else
    ph_nbns(ac);
}

/* ph_alg.state_ok: a state carried by state sync (docs/ha.md). */
static int ph_netbios_state_ok(const void *state) {
  const ph_nb_state *st = state;
  return st->join_tried <= 1;
}

const ph_alg pinhole__alg_netbios = {
    .name = "netbios",
    .proto = PINHOLE_IPPROTO_UDP,
    .counter = PINHOLE_CNT_ALG_NETBIOS,
    .stream = 0,
    .state_size = sizeof(ph_nb_state),
    .state_ok = ph_netbios_state_ok,
    .ports = {PH_NBNS_PORT, PH_NBDS_PORT, 0, 0},
    .inspect = ph_nb_inspect,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SNMP ALG (RFC 1157 SNMPv1, RFC 3416 SNMPv2c PDUs, RFC 3412 SNMPv3
 * header): UDP 161 (requests and their responses) and 162 (traps and
 * informs).
 *
 * Every datagram is validated by the pure parser (pinhole_snmp_parse: a
 * bounded BER walk, then the message syntax); malformed BER or syntax is
 * an SNMP ALG error and the datagram is dropped (passed, counted, with
 * PINHOLE_CFG_ALG_PASS_UNTRANSLATED). Requests, responses, traps and
 * informs pass as flows of the connection that carries them.
 *
 * An SNMPv1 Trap names its agent in agent-addr: from an agent behind NAT
 * its own inside address becomes its public address (and one a static rule
 * maps, the mapped one; pinhole__alg_carried). A trap naming another
 * inside address is refused: it would leave untranslated. 0.0.0.0 passes.
 *
 * Limits: IpAddress values in variable bindings are MIB data (the same
 * address is repeated in the OIDs that index the tables) and pass
 * unchanged; an encrypted SNMPv3 PDU is checked as far as its header.
 */
#include "alg/alg.h"

#include <pinhole/snmp.h>

#include <stdio.h>
#include <string.h>

static const char *ph_snmp_pdu_name(uint32_t t) {
  static const char *const names[] = {"get",    "getnext", "response",
                                      "set",    "trap",    "bulk",
                                      "inform", "trapv2",  "report"};
  if (t >= PINHOLE_SNMP_PDU_GET && t <= PINHOLE_SNMP_PDU_REPORT)
    return names[t - PINHOLE_SNMP_PDU_GET];
  return "encrypted";
}

/* The v1 Trap's agent-addr. */
static void ph_snmp_agent(ph_alg_call *ac, const pinhole_snmp_msg *m) {
  uint32_t to;
  if (pinhole__alg_carried(ac, m->agent_addr, &to) < 0) {
    pinhole__alg_refuse(ac, "agent-addr is not the agent's", NULL, 0);
    return;
  }
  if (to != m->agent_addr)
    pinhole__alg_put_addr(ac, m->agent_addr_off, to);
}

static void ph_snmp_inspect(ph_alg_call *ac, size_t start, ph_scan *res) {
  (void)start;
  (void)res;
  const uint8_t *p = pinhole__alg_payload(ac);
  size_t len = pinhole__alg_payload_len(ac);
  pinhole_snmp_msg m;
  if (pinhole_snmp_parse(p, len, &m) != 0) {
    pinhole__alg_refuse_why(ac, "malformed message",
                            pinhole_snmp_reason_name((int)m.reason));
    return;
  }
  const char *name = ph_snmp_pdu_name(m.pdu_type);
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)name, strlen(name));
  if (m.pdu_type == PINHOLE_SNMP_PDU_TRAP_V1 && m.agent_addr_off != 0)
    ph_snmp_agent(ac, &m);
}

const ph_alg pinhole__alg_snmp = {
    .name = "snmp",
    .proto = PINHOLE_IPPROTO_UDP,
    .counter = PINHOLE_CNT_ALG_SNMP,
    .stream = 0,
    .state_size = 0,
    .ports = {161, 162, 0, 0},
    .inspect = ph_snmp_inspect,
};

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the SNMP parser and BER decoder (include/pinhole/snmp.h).
 *
 * On success: the binding walk returns m.nvarbinds bindings inside the
 * VarBindList, m.n_ipaddr of them IpAddress values of 4 bytes; in a copy,
 * the agent-addr (v1 Trap) and every IpAddress value are rewritten to an
 * input-derived address, and the copy must parse again the same, with the
 * new agent-addr. Aborts otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/snmp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c))                                                                  \
      abort();                                                                 \
  } while (0)

static size_t walk(const uint8_t *p, size_t len, const pinhole_snmp_msg *m,
                   uint8_t *copy, uint32_t addr) {
  pinhole_snmp_iter it = {0};
  pinhole_snmp_varbind vb;
  size_t n = 0, nip = 0, end = m->varbinds_off + m->varbinds_len;
  while (pinhole_snmp_varbind_next(p, len, m, &it, &vb) == 0) {
    n++;
    CHECK(vb.name_off >= m->varbinds_off && vb.name_len >= 1);
    CHECK(vb.value_off > vb.name_off && vb.value_len <= end - vb.value_off);
    if (vb.tag == PINHOLE_SNMP_TAG_IPADDRESS) {
      CHECK(vb.value_len == 4);
      nip++;
      if (copy != NULL)
        CHECK(pinhole_snmp_ipaddr_rewrite(copy, len, vb.value_off, addr,
                                          NULL) == 0);
    }
  }
  CHECK(it.pos == (n ? end : 0));
  CHECK(n == m->nvarbinds && nip == m->n_ipaddr);
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pinhole_snmp_msg m;
  int rc = pinhole_snmp_parse(data, size, &m);
  CHECK(m.reason <= PINHOLE_SNMP_V3);
  CHECK(pinhole_snmp_reason_name((int)m.reason)[0] != 'u');
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE && m.reason != 0);
    return 0;
  }
  CHECK(m.version == 0 || m.version == 1 || m.version == 3);
  CHECK(m.varbinds_off + m.varbinds_len <= size);
  CHECK(m.community_off + m.community_len <= size);
  uint8_t *copy = malloc(size);
  CHECK(copy != NULL);
  memcpy(copy, data, size);
  uint32_t addr = size > 8 ? (uint32_t)data[size / 3] << 16 | data[1] : 9;
  if (m.pdu_type == PINHOLE_SNMP_PDU_TRAP_V1) {
    CHECK(m.version == 0 && m.agent_addr_off + 4 <= size);
    CHECK(pinhole_snmp_ipaddr_rewrite(copy, size, m.agent_addr_off, addr,
                                      NULL) == 0);
  } else {
    CHECK(m.agent_addr_off == 0);
  }
  size_t n = walk(data, size, &m, copy, addr);
  pinhole_snmp_msg m2;
  CHECK(pinhole_snmp_parse(copy, size, &m2) == 0);
  CHECK(m2.pdu_type == m.pdu_type && m2.nvarbinds == m.nvarbinds);
  if (m.pdu_type == PINHOLE_SNMP_PDU_TRAP_V1)
    CHECK(m2.agent_addr == addr);
  CHECK(walk(copy, size, &m2, NULL, 0) == n);
  free(copy);
  return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SNMP ALG scenarios: an SNMPv1 Trap's agent-addr rewritten for an agent
 * behind NAT (exact bytes), requests and responses passing unchanged,
 * agent-addr of another inside host refused, malformed BER dropped and
 * counted.
 */
#include "helpers.h"

#define MGR OUT_HOST

typedef struct ber {
  uint8_t b[512];
  size_t n;
} ber;

/* Appends tag, a short length and the contents. */
static void b_tlv(ber *m, uint8_t tag, const void *d, size_t k) {
  m->b[m->n++] = tag;
  m->b[m->n++] = (uint8_t)k;
  if (k > 0)
    memcpy(m->b + m->n, d, k);
  m->n += k;
}

/* Wraps everything from `from` on in a constructed element. */
static void b_wrap(ber *m, size_t from, uint8_t tag) {
  size_t k = m->n - from;
  memmove(m->b + from + 2, m->b + from, k);
  m->b[from] = tag;
  m->b[from + 1] = (uint8_t)k;
  m->n += 2;
}

static const uint8_t sys_name[] = {0x2B, 6, 1, 2, 1, 1, 5, 0};

/* A v1 Trap from agent-addr addr: enterprise 1.3.6.1.4.1.8072,
 * enterpriseSpecific 1, one binding sysName.0 = "gw". */
static void b_trap(ber *m, uint32_t addr) {
  static const uint8_t ent[] = {0x2B, 6, 1, 4, 1, 0xBF, 0x08};
  uint8_t a[4], six = 6, one = 1, ticks[] = {0x12, 0x34};
  t_put32(a, addr);
  m->n = 0;
  b_tlv(m, 0x02, "\0", 1);
  b_tlv(m, 0x04, "private", 7);
  size_t pdu = m->n;
  b_tlv(m, 0x06, ent, sizeof(ent));
  b_tlv(m, 0x40, a, 4);
  b_tlv(m, 0x02, &six, 1);
  b_tlv(m, 0x02, &one, 1);
  b_tlv(m, 0x43, ticks, 2);
  size_t list = m->n, vb = m->n;
  b_tlv(m, 0x06, sys_name, sizeof(sys_name));
  b_tlv(m, 0x04, "gw", 2);
  b_wrap(m, vb, 0x30);
  b_wrap(m, list, 0x30);
  b_wrap(m, pdu, 0xA4);
  b_wrap(m, 0, 0x30);
}

/* A v2c GetRequest (0xA0) or Response (0xA2) for sysName.0. */
static void b_get(ber *m, uint8_t pdu_tag, const char *value) {
  uint8_t id = 42;
  m->n = 0;
  b_tlv(m, 0x02, "\1", 1);
  b_tlv(m, 0x04, "public", 6);
  size_t pdu = m->n;
  b_tlv(m, 0x02, &id, 1);
  b_tlv(m, 0x02, "\0", 1);
  b_tlv(m, 0x02, "\0", 1);
  size_t list = m->n, vb = m->n;
  b_tlv(m, 0x06, sys_name, sizeof(sys_name));
  if (value)
    b_tlv(m, 0x04, value, strlen(value));
  else
    b_tlv(m, 0x05, NULL, 0);
  b_wrap(m, vb, 0x30);
  b_wrap(m, list, 0x30);
  b_wrap(m, pdu, pdu_tag);
  b_wrap(m, 0, 0x30);
}

static tpkt *b_udp(tpkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                   uint16_t dport, const ber *m) {
  return t_udp_n(p, src, sport, dst, dport, m->b, m->n);
}

/* A trap from an agent behind NAT names its public address; the checksum
 * follows (the address sits at an odd offset: 40 04 at byte 25). */
static void test_alg_snmp_trap_agent_addr(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  ber m, want;
  b_trap(&m, IN_HOST);
  assert_int_equal(m.b[25], 0x40);
  b_trap(&want, PUB);
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 40162, MGR, 162, &m), SEC), 0);
  t_payload_bytes_is(&p, want.b, want.n);
  t_check_cksums(&p);
  assert_true(t_has_trace(t, "snmp ALG conv=1 translated 198.18.0.2:0 -> "
                             "198.19.0.1:0"));
  assert_true(t_has_trace(t, "snmp ALG conv=1 message from inside seq=0 "
                             "ack=0 \"trap\""));
  /* an agent that does not know its address says 0.0.0.0: unchanged */
  b_trap(&m, 0);
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 40162, MGR, 162, &m), SEC), 0);
  t_payload_bytes_is(&p, m.b, m.n);
  t_listing_is(t, "Conversation: ALG protocol: snmp\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir "
                  " Frm count\n"
                  "UDP 198.18.0.2:40162 -> 198.19.0.2:162        Watch    I  "
                  "        2\n"
                  "    NAT source 198.18.0.2:40162 -> 198.19.0.1:40162\n"
                  "UDP 198.19.0.2:162 -> 198.19.0.1:40162        Watch    O  "
                  "        0\n"
                  "    NAT dest 198.19.0.1:40162 -> 198.18.0.2:40162\n");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
  t_ctx_del(t);
}

/* A manager inside polls an agent outside: request and response pass
 * unchanged as the flows of one conversation. */
static void test_alg_snmp_get_response(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  ber m;
  b_get(&m, 0xA0, NULL);
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 40161, MGR, 161, &m), SEC), 0);
  t_payload_bytes_is(&p, m.b, m.n);
  b_get(&m, 0xA2, "agent-1");
  assert_int_equal(t_out(t, b_udp(&p, MGR, 161, PUB, 40161, &m), SEC), 0);
  t_payload_bytes_is(&p, m.b, m.n);
  t_check_cksums(&p);
  char *l = t_listing(t);
  assert_non_null(strstr(l, "UDP 198.19.0.2:161 -> 198.19.0.1:40161        "
                            "Watch    O          1\n"));
  free(l);
  assert_true(t_has_trace(t, "\"response\""));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
  t_ctx_del(t);
}

/* Another inside host's address as agent-addr, and malformed BER:
 * dropped, counted once each. */
static void test_alg_snmp_hostile(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  ber m;
  int n = 0;
  b_trap(&m, IP4(198, 18, 0, 77));
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 40162, MGR, 162, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "agent-addr is not the agent's"));
  /* indefinite length on the Message */
  b_trap(&m, IN_HOST);
  m.b[1] = 0x80;
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 40162, MGR, 162, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "malformed message: indefinite"));
  /* a length over the datagram */
  b_trap(&m, IN_HOST);
  m.b[6] = 0x7f;
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 40162, MGR, 162, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  /* five length octets */
  b_trap(&m, IN_HOST);
  m.b[1] = 0x85;
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 40162, MGR, 162, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  /* truncated at every length */
  b_trap(&m, IN_HOST);
  size_t full = m.n;
  for (m.n = 0; m.n < full; m.n++, n++)
    assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 40162, MGR, 162, &m), SEC),
                     PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_EXIST_DISCARD, n - 1,
             PINHOLE_CNT_ERR_ALG, n, PINHOLE_CNT_ALG_SNMP, n,
             PINHOLE_CNT_ALG_UNTRANSLATED, n, -1);
  t_ctx_del(t);
}

/* An agent behind a static rule: its trap names the static address. */
static void test_alg_snmp_static_agent(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_rules_clear(t->ctx);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.side = PINHOLE_SIDE_INSIDE;
  r.src_addr = IP4(198, 18, 0, 0);
  r.src_plen = 24;
  r.nat = PINHOLE_NAT_STATIC;
  r.nat_addr = IP4(198, 19, 0, 0);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
  tpkt p;
  ber m, want;
  b_trap(&m, IP4(198, 18, 0, 33));
  b_trap(&want, IP4(198, 19, 0, 33));
  assert_int_equal(
      t_in(t, b_udp(&p, IP4(198, 18, 0, 33), 162, MGR, 162, &m), SEC), 0);
  t_payload_bytes_is(&p, want.b, want.n);
  t_check_cksums(&p);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_snmp_trap_agent_addr),
      cmocka_unit_test(test_alg_snmp_get_response),
      cmocka_unit_test(test_alg_snmp_hostile),
      cmocka_unit_test(test_alg_snmp_static_agent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

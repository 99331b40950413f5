/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * BOOTP/DHCP ALG scenarios: a relay agent behind a static rule and behind
 * NAPT, giaddr rewritten to the relay's public address and restored in
 * the server's reply matched by xid (exact bytes), malformed messages
 * dropped and counted.
 */
#include "helpers.h"

#define SRV OUT_HOST
#define RELAY_PUB IP4(198, 19, 0, 20)
#define RELAY_LAN IP4(198, 18, 0, 9)

typedef struct bmsg {
  uint8_t b[400];
  size_t n;
} bmsg;

/* A DHCP message: op, xid, giaddr, a 6-byte chaddr, option 53 = type. */
static void b_dhcp(bmsg *m, uint8_t op, uint32_t xid, uint32_t giaddr,
                   uint8_t type) {
  memset(m->b, 0, sizeof(m->b));
  m->b[0] = op;
  m->b[1] = 1;
  m->b[2] = 6;
  m->b[3] = 1; /* hops: relayed once */
  t_put32(m->b + 4, xid);
  t_put32(m->b + 24, giaddr);
  static const uint8_t mac[] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
  memcpy(m->b + 28, mac, sizeof(mac));
  m->n = 236;
  t_put32(m->b + m->n, 0x63825363u);
  m->n += 4;
  m->b[m->n++] = 53;
  m->b[m->n++] = 1;
  m->b[m->n++] = type;
  m->b[m->n++] = 255;
}

static tpkt *b_udp(tpkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                   uint16_t dport, const bmsg *m) {
  return t_udp_n(p, src, sport, dst, dport, m->b, m->n);
}

/* The relay 198.18.0.2 behind a static rule (ports kept) serves the link
 * 198.18.0.9: its DISCOVER leaves with giaddr = its public address, the
 * server's OFFER to that address port 67 comes back on the same flow and
 * gets giaddr 198.18.0.9 back; the REQUEST/ACK of the same xid too. */
static void test_alg_bootp_static_relay(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_rules_clear(t->ctx);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "relay");
  r.side = PINHOLE_SIDE_INSIDE;
  r.src_addr = IN_HOST;
  r.src_plen = 32;
  r.nat = PINHOLE_NAT_STATIC;
  r.nat_addr = RELAY_PUB;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
  tpkt p;
  bmsg m, want;
  pinhole_pkt_view v;
  b_dhcp(&m, 1, 0xc0ffee01, RELAY_LAN, 1);
  b_dhcp(&want, 1, 0xc0ffee01, RELAY_PUB, 1);
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 67, SRV, 67, &m), SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, RELAY_PUB);
  assert_int_equal(v.sport, 67);
  t_payload_bytes_is(&p, want.b, want.n);
  t_check_cksums(&p);

  b_dhcp(&m, 2, 0xc0ffee01, RELAY_PUB, 2);
  b_dhcp(&want, 2, 0xc0ffee01, RELAY_LAN, 2);
  assert_int_equal(t_out(t, b_udp(&p, SRV, 67, RELAY_PUB, 67, &m), SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.dport, 67);
  t_payload_bytes_is(&p, want.b, want.n);
  t_check_cksums(&p);

  /* REQUEST and ACK of the same xid, and a relay speaking for itself */
  b_dhcp(&m, 1, 0xc0ffee01, RELAY_LAN, 3);
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 67, SRV, 67, &m), SEC), 0);
  b_dhcp(&m, 1, 0x0badcafe, IN_HOST, 1);
  b_dhcp(&want, 1, 0x0badcafe, RELAY_PUB, 1);
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 67, SRV, 67, &m), SEC), 0);
  t_payload_bytes_is(&p, want.b, want.n);
  b_dhcp(&m, 2, 0xc0ffee01, RELAY_PUB, 5);
  b_dhcp(&want, 2, 0xc0ffee01, RELAY_LAN, 5);
  assert_int_equal(t_out(t, b_udp(&p, SRV, 67, RELAY_PUB, 67, &m), SEC), 0);
  t_payload_bytes_is(&p, want.b, want.n);
  b_dhcp(&m, 2, 0x0badcafe, RELAY_PUB, 2);
  b_dhcp(&want, 2, 0x0badcafe, IN_HOST, 2);
  assert_int_equal(t_out(t, b_udp(&p, SRV, 67, RELAY_PUB, 67, &m), SEC), 0);
  t_payload_bytes_is(&p, want.b, want.n);
  assert_true(t_has_trace(t, "bootp ALG conv=1 translated 198.18.0.9:0 -> "
                             "198.19.0.20:0"));
  assert_true(t_has_trace(t, "\"reply xid=c0ffee01 type=5\""));
  t_listing_is(t, "Conversation: ALG protocol: bootp\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir "
                  " Frm count\n"
                  "UDP 198.18.0.2:67 -> 198.19.0.2:67            Watch    I  "
                  "        3\n"
                  "    NAT source 198.18.0.2:67 -> 198.19.0.20:67\n"
                  "UDP 198.19.0.2:67 -> 198.19.0.20:67           Watch    O  "
                  "        3\n"
                  "    NAT dest 198.19.0.20:67 -> 198.18.0.2:67\n");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 5, -1);
  t_ctx_del(t);
}

/* Behind NAPT the relay's public port is not 67: giaddr still becomes the
 * public address, a reply to the relay's mapped port is restored, and one
 * sent to port 67 of the public address (RFC 2131) finds no flow. */
static void test_alg_bootp_napt_relay(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  bmsg m, want;
  pinhole_pkt_view v;
  b_dhcp(&m, 1, 0x11111111, IN_HOST, 1);
  b_dhcp(&want, 1, 0x11111111, PUB, 1);
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 67, SRV, 67, &m), SEC), 0);
  t_view(&p, &v);
  assert_true(v.sport >= 1024);
  uint16_t port = v.sport;
  t_payload_bytes_is(&p, want.b, want.n);
  b_dhcp(&m, 2, 0x11111111, PUB, 2);
  assert_int_equal(t_out(t, b_udp(&p, SRV, 67, PUB, 67, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  /* a server answering the source port (RFC 8357), another xid */
  b_dhcp(&m, 2, 0x22222222, PUB, 2);
  b_dhcp(&want, 2, 0x22222222, IN_HOST, 2);
  assert_int_equal(t_out(t, b_udp(&p, SRV, 67, PUB, port, &m), SEC), 0);
  t_payload_bytes_is(&p, want.b, want.n);
  t_check_cksums(&p);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1, -1);
  t_ctx_del(t);
}

/* Malformed messages: dropped, counted once each. A client's own
 * broadcast-style request (no giaddr) passes unchanged. */
static void test_alg_bootp_hostile(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  bmsg m;
  int n = 0;
  b_dhcp(&m, 1, 1, 0, 1);
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 68, SRV, 67, &m), SEC), 0);
  t_payload_bytes_is(&p, m.b, m.n);
  /* no end option */
  b_dhcp(&m, 1, 2, IN_HOST, 1);
  m.n--;
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 68, SRV, 67, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "malformed message: no-end"));
  /* option 53 of two bytes */
  b_dhcp(&m, 1, 3, IN_HOST, 1);
  m.b[241] = 2;
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 68, SRV, 67, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  /* hlen 17, op 3 */
  b_dhcp(&m, 1, 4, IN_HOST, 1);
  m.b[2] = 17;
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 68, SRV, 67, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  b_dhcp(&m, 3, 5, IN_HOST, 1);
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 68, SRV, 67, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  /* an option length running past the field, and every short length */
  b_dhcp(&m, 1, 6, IN_HOST, 1);
  m.b[241] = 200;
  assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 68, SRV, 67, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  b_dhcp(&m, 1, 7, IN_HOST, 1);
  for (m.n = 0; m.n < 236; m.n += 7, n++)
    assert_int_equal(t_in(t, b_udp(&p, IN_HOST, 68, SRV, 67, &m), SEC),
                     PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_DISCARD, n,
             PINHOLE_CNT_ERR_ALG, n, PINHOLE_CNT_ALG_BOOTP, n,
             PINHOLE_CNT_ALG_UNTRANSLATED, n, -1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_bootp_static_relay),
      cmocka_unit_test(test_alg_bootp_napt_relay),
      cmocka_unit_test(test_alg_bootp_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

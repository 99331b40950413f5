/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NetBIOS ALG scenarios: name registration and its response rewritten
 * both ways, datagram source endpoint rewritten, the 137 and 138 flows of
 * a host in one conversation, an inside server reached through a static
 * rule, hostile messages dropped and counted. Two public addresses and a
 * narrow port range, so that every rewritten address and port differs
 * from the original.
 */
#include "helpers.h"

#define WINS OUT_HOST
#define PUB2 IP4(198, 19, 0, 11)

typedef struct nmsg {
  uint8_t b[512];
  size_t n;
} nmsg;

static void n_put(nmsg *m, const void *d, size_t k) {
  memcpy(m->b + m->n, d, k);
  m->n += k;
}

static void n_u16(nmsg *m, uint16_t v) {
  t_put16(m->b + m->n, v);
  m->n += 2;
}

static void n_u32(nmsg *m, uint32_t v) {
  t_put32(m->b + m->n, v);
  m->n += 4;
}

/* The first-level encoding of a 15-byte name and a suffix (RFC 1001
 * 14.1): 0x20, 32 letters 'A'..'P', the root label. */
static void n_name(nmsg *m, const char *name, uint8_t suffix) {
  uint8_t raw[16];
  memset(raw, ' ', 15);
  memcpy(raw, name, strlen(name));
  raw[15] = suffix;
  m->b[m->n++] = 32;
  for (int i = 0; i < 16; i++) {
    m->b[m->n++] = (uint8_t)('A' + (raw[i] >> 4));
    m->b[m->n++] = (uint8_t)('A' + (raw[i] & 15));
  }
  m->b[m->n++] = 0;
}

static void n_hdr(nmsg *m, uint16_t id, uint16_t flags, uint16_t qd,
                  uint16_t an, uint16_t ar) {
  m->n = 0;
  n_u16(m, id);
  n_u16(m, flags);
  n_u16(m, qd);
  n_u16(m, an);
  n_u16(m, 0);
  n_u16(m, ar);
}

/* A name registration request (opcode 5, RD) for NAME registering addr. */
static void n_register(nmsg *m, uint16_t id, uint32_t addr) {
  n_hdr(m, id, 0x2900, 1, 0, 1);
  n_name(m, "PINHOLE", 0x00);
  n_u16(m, 0x20);
  n_u16(m, 1);
  uint8_t ptr[] = {0xC0, 0x0C};
  n_put(m, ptr, 2);
  n_u16(m, 0x20);
  n_u16(m, 1);
  n_u32(m, 300000);
  n_u16(m, 6);
  n_u16(m, 0x6000); /* H node */
  n_u32(m, addr);
}

/* The positive registration response (an answer with the address). */
static void n_registered(nmsg *m, uint16_t id, uint32_t addr) {
  n_hdr(m, id, 0xAD80, 0, 1, 0);
  n_name(m, "PINHOLE", 0x00);
  n_u16(m, 0x20);
  n_u16(m, 1);
  n_u32(m, 300000);
  n_u16(m, 6);
  n_u16(m, 0x6000);
  n_u32(m, addr);
}

/* A DIRECT_GROUP datagram from (ip, port) with 4 bytes of data. */
static void n_datagram(nmsg *m, uint32_t ip, uint16_t port) {
  m->n = 0;
  m->b[m->n++] = 0x11;
  m->b[m->n++] = 0x02;
  n_u16(m, 0x7a7a);
  n_u32(m, ip);
  n_u16(m, port);
  n_u16(m, 34 + 34 + 4);
  n_u16(m, 0);
  n_name(m, "PINHOLE", 0x00);
  n_name(m, "WORKGROUP", 0x1d);
  n_put(m,
        "\xff"
        "SMB",
        4);
}

static tpkt *n_udp(tpkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                   uint16_t dport, const nmsg *m) {
  return t_udp_n(p, src, sport, dst, dport, m->b, m->n);
}

/* Source NAT to 198.19.0.10-11, ports 20000-20002. */
static tctx *nb_ctx(void) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.port_lo = 20000;
  cfg.port_hi = 20002;
  cfg.seed = 7;
  tctx *t = t_ctx_cfg(&cfg);
  pinhole_rules_clear(t->ctx);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = IP4(198, 19, 0, 10);
  pool.addr_hi = PUB2;
  int id = pinhole_pool_add(t->ctx, &pool);
  assert_true(id >= 0);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "inside-out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = id;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
  return t;
}

/* The public endpoint a packet left with. */
static void t_src_of(const tpkt *p, pinhole_endpoint *ep) {
  pinhole_pkt_view v;
  t_view(p, &v);
  ep->addr = v.src;
  ep->port = v.sport;
}

/* Registration with a WINS server outside: the inside address leaves as
 * the public one and comes back as the inside one; a datagram from the
 * same host's port 138 names its public endpoint and joins the name
 * service flow's conversation. */
static void test_alg_netbios_register_and_datagram(void **state) {
  (void)state;
  tctx *t = nb_ctx();
  tpkt p;
  nmsg m, want;
  pinhole_endpoint pub137, pub138;
  n_register(&m, 0x5151, IN_HOST);
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 137, WINS, 137, &m), SEC), 0);
  t_src_of(&p, &pub137);
  assert_true(pub137.addr != IN_HOST);
  n_register(&want, 0x5151, pub137.addr);
  t_payload_bytes_is(&p, want.b, want.n);
  assert_true(t_has_trace(t, "\"request opcode 5 PINHOLE<00>\""));
  t_check_cksums(&p);

  n_registered(&m, 0x5151, pub137.addr);
  assert_int_equal(
      t_out(t, n_udp(&p, WINS, 137, pub137.addr, pub137.port, &m), SEC), 0);
  n_registered(&want, 0x5151, IN_HOST);
  t_payload_bytes_is(&p, want.b, want.n);
  t_check_cksums(&p);

  n_datagram(&m, IN_HOST, 138);
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 138, WINS, 138, &m), SEC), 0);
  t_src_of(&p, &pub138);
  assert_true(pub138.port >= 20000 && pub138.port <= 20002);
  n_datagram(&want, pub138.addr, pub138.port);
  t_payload_bytes_is(&p, want.b, want.n);
  t_check_cksums(&p);
  /* an answer to the datagram's source comes back through its flow */
  n_datagram(&m, WINS, 138);
  assert_int_equal(
      t_out(t, n_udp(&p, WINS, 138, pub138.addr, pub138.port, &m), SEC), 0);
  t_payload_bytes_is(&p, m.b, m.n);

  t_listing_is(t, "Conversation: ALG protocol: netbios\n"
                  "  Number of initiators: 2, Number of responders: 2\n"
                  "Flow                                          State    Dir "
                  " Frm count\n"
                  "UDP 198.18.0.2:137 -> 198.19.0.2:137          Watch    I  "
                  "        1\n"
                  "    NAT source 198.18.0.2:137 -> 198.19.0.10:20001\n"
                  "UDP 198.18.0.2:138 -> 198.19.0.2:138          Watch    I  "
                  "        1\n"
                  "    NAT source 198.18.0.2:138 -> 198.19.0.10:20002\n"
                  "UDP 198.19.0.2:137 -> 198.19.0.10:20001       Watch    O  "
                  "        1\n"
                  "    NAT dest 198.19.0.10:20001 -> 198.18.0.2:137\n"
                  "UDP 198.19.0.2:138 -> 198.19.0.10:20002       Watch    O  "
                  "        1\n"
                  "    NAT dest 198.19.0.10:20002 -> 198.18.0.2:138\n");
  assert_true(t_has_trace(t, "netbios ALG conv=1 message from inside seq=0 "
                             "ack=0 \"joined conversation 1\""));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 2, -1);
  t_ctx_del(t);
}

/* The datagram flow first, the name service second: the later one joins
 * the earlier one's conversation. */
static void test_alg_netbios_join_either_order(void **state) {
  (void)state;
  tctx *t = nb_ctx();
  tpkt p;
  nmsg m;
  n_datagram(&m, IN_HOST, 138);
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 138, WINS, 138, &m), SEC), 0);
  n_register(&m, 0x0001, IN_HOST);
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 137, WINS, 137, &m), SEC), 0);
  /* a query from an ephemeral port stays its own conversation */
  n_register(&m, 0x0002, IN_HOST);
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 40137, WINS, 137, &m), SEC), 0);
  char *l = t_listing(t);
  assert_non_null(strstr(l, "Conversation: ALG protocol: netbios\n"
                            "  Number of initiators: 2, Number of "
                            "responders: 2\n"));
  assert_non_null(strstr(l, "Conversation: ALG protocol: netbios\n"
                            "  Number of initiators: 1, Number of "
                            "responders: 1\n"
                            "Flow                                          "
                            "State    Dir  Frm count\n"
                            "UDP 198.18.0.2:40137 -> 198.19.0.2:137       "));
  free(l);
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.conversations, 2);
  assert_int_equal(u.flows, 3);
  t_ctx_del(t);
}

/* Bad names, lying lengths and another inside host's address: dropped,
 * counted once each, nothing forwarded. */
static void test_alg_netbios_hostile(void **state) {
  (void)state;
  tctx *t = nb_ctx();
  tpkt p;
  nmsg m;
  int n = 0;
  /* a name letter past 'P' */
  n_register(&m, 1, IN_HOST);
  m.b[13] = 'Z';
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 137, WINS, 137, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "malformed name service message: nb-name"));
  /* NB RDATA of 5 bytes */
  n_register(&m, 2, IN_HOST);
  t_put16(m.b + m.n - 8, 5);
  m.n--;
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 137, WINS, 137, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  /* registering another inside host's address */
  n_register(&m, 3, IP4(198, 18, 0, 3));
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 137, WINS, 137, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "NB address: not the sender's"));
  /* a datagram whose DGM_LENGTH lies, and one from another inside host */
  n_datagram(&m, IN_HOST, 138);
  t_put16(m.b + 10, 200);
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 138, WINS, 138, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "malformed datagram: length"));
  n_datagram(&m, IP4(198, 18, 0, 3), 138);
  assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 138, WINS, 138, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "datagram source address: not the sender's"));
  /* each message truncated at every length */
  n_register(&m, 4, IN_HOST);
  size_t full = m.n;
  for (m.n = 0; m.n < full; m.n++, n++)
    assert_int_equal(t_in(t, n_udp(&p, IN_HOST, 137, WINS, 137, &m), SEC),
                     PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 2, PINHOLE_CNT_EXIST_DISCARD, n - 2,
             PINHOLE_CNT_ERR_ALG, n, PINHOLE_CNT_ALG_NETBIOS, n,
             PINHOLE_CNT_ALG_UNTRANSLATED, n, -1);
  t_ctx_del(t);
}

/* An outside host queries an inside name server reached through a static
 * rule (the outside side opens): the answer naming the server's own
 * inside address leaves with its static public address. */
static void test_alg_netbios_static_server(void **state) {
  (void)state;
  tctx *t = nb_ctx();
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "nbns-in");
  r.side = PINHOLE_SIDE_OUTSIDE;
  r.dst_addr = IP4(198, 19, 0, 50);
  r.dst_plen = 32;
  r.nat = PINHOLE_NAT_STATIC;
  r.nat_addr = IP4(198, 18, 0, 50);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  tpkt p;
  nmsg m, want;
  n_hdr(&m, 0x0e0e, 0x0100, 1, 0, 0);
  n_name(&m, "FILESRV", 0x20);
  n_u16(&m, 0x20);
  n_u16(&m, 1);
  assert_int_equal(
      t_out(t, n_udp(&p, WINS, 137, IP4(198, 19, 0, 50), 137, &m), SEC), 0);
  n_registered(&m, 0x0e0e, IP4(198, 18, 0, 50));
  m.b[2] = 0x85; /* a query response, AA */
  n_registered(&want, 0x0e0e, IP4(198, 19, 0, 50));
  want.b[2] = 0x85;
  assert_int_equal(
      t_in(t, n_udp(&p, IP4(198, 18, 0, 50), 137, WINS, 137, &m), SEC), 0);
  t_payload_bytes_is(&p, want.b, want.n);
  t_check_cksums(&p);
  assert_true(t_has_trace(t, "netbios ALG conv=1 translated 198.18.0.50:0 -> "
                             "198.19.0.50:0"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_netbios_register_and_datagram),
      cmocka_unit_test(test_alg_netbios_join_either_order),
      cmocka_unit_test(test_alg_netbios_hostile),
      cmocka_unit_test(test_alg_netbios_static_server),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

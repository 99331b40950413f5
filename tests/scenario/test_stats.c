/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Every counter fires: for each enum pinhole_counter a packet (or a short
 * sequence) that increments it, with the exact value of every counter
 * afterwards (t_counters: all the others stay zero).
 *
 * Counters nothing can fire yet, asserted to stay 0 by every test here
 * (t_counters checks them) and listed by test_stats_cannot_fire_yet:
 *   TCP_SYN_COOKIE                                 no SYN cookies
 *   EXIST_REJECT                                   nothing rejects a packet
 *                                                  of an existing flow
 *   ALG_WITHHELD                                   kept for the ABI: split
 *                                                  messages are held and
 *                                                  reassembled since 0.2
 *   (no ALG counter: every one fires in tests/scenario/test_alg_<name>.c)
 *
 * Also: pinhole_stats_format() prints every section header and every
 * counter name.
 */
#include "helpers.h"

#define SRV2 IP4(198, 19, 0, 3)

/* Recomputes only the IP header checksum (for packets t_fix refuses). */
static void ip_ck(tpkt *p) {
  size_t ihl = (size_t)(p->b[0] & 15) * 4;
  t_put16(p->b + 10, 0);
  t_put16(p->b + 10, pinhole_cksum(p->b, ihl));
}

/* A TCP handshake from IN_HOST:cport to OUT_HOST:80; returns the public
 * port. Counts one new accept and two existing accepts. */
static uint16_t handshake(tctx *t, uint16_t cport, uint64_t now) {
  tpkt p;
  t_tcp(&p, IN_HOST, cport, OUT_HOST, 80, 1000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, now), PINHOLE_VERDICT_FORWARD);
  uint16_t pub = t_get16(p.b + 20);
  t_tcp(&p, OUT_HOST, 80, PUB, pub, 5000, 1001,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, now), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, IN_HOST, cport, OUT_HOST, 80, 1001, 5001, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, now), PINHOLE_VERDICT_FORWARD);
  return pub;
}

static void add_rule(tctx *t, const char *name, int side, uint8_t proto,
                     uint16_t dport, int action) {
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "%s", name);
  r.side = (uint8_t)side;
  r.proto = proto;
  r.dport_lo = r.dport_hi = dport;
  r.action = (uint8_t)action;
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
}

/* ---- new and existing flows ------------------------------------------ */

static void test_stats_new_and_existing_accept(void **state) {
  (void)state;
  tctx *t = t_ctx();
  handshake(t, 40000, SEC);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2, -1);
  t_ctx_del(t);
}

static void test_stats_new_discard_no_rule(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  t_tcp(&p, OUT_HOST, 50000, PUB, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1, -1);
  assert_true(t_has_event(t, "NO_RULE_DROP"));
  t_ctx_del(t);
}

static void test_stats_new_discard_and_reject_rules(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_rules_clear(t->ctx);
  add_rule(t, "no-telnet", PINHOLE_SIDE_INSIDE, 6, 23, PINHOLE_ACTION_REJECT);
  add_rule(t, "no-smtp", PINHOLE_SIDE_INSIDE, 6, 25, PINHOLE_ACTION_DISCARD);
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 23, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(t->nemitted, 1); /* the RST */
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 25, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_NEW_REJECT, 1, -1);
  t_ctx_del(t);
}

static void test_stats_existing_discard_wrong_side(void **state) {
  (void)state;
  tctx *t = t_ctx();
  handshake(t, 40000, SEC);
  tpkt p;
  /* the inside client's tuple arriving on the outside */
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 80, 1001, 5001, PINHOLE_TCP_ACK, "x");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, -1);
  t_ctx_del(t);
}

/* ---- drops ------------------------------------------------------------ */

static void test_stats_drop_ip_option(void **state) {
  (void)state;
  tctx *t = t_ctx(); /* DROP_IP_OPTIONS is the default */
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
  /* rebuild with IHL 6 and a NOP,NOP,NOP,EOL option */
  memmove(p.b + 24, p.b + 20, 9);
  memcpy(p.b + 20, "\x01\x01\x01\x00", 4);
  p.b[0] = 0x46;
  t_put16(p.b + 2, 33);
  p.p.len = 33;
  t_fix(&p);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_DROP_IP_OPTION, 1, -1);
  t_ctx_del(t);
}

static void test_stats_drop_syn_defense(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.max_half_open = 2;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  for (uint16_t i = 0; i < 3; i++) {
    t_tcp(&p, IN_HOST, (uint16_t)(40000 + i), OUT_HOST, 80, 1, 0,
          PINHOLE_TCP_SYN, NULL);
    assert_int_equal(t_in(t, &p, SEC),
                     i < 2 ? PINHOLE_VERDICT_FORWARD : PINHOLE_VERDICT_DROP);
  }
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_SYN_DEFENSE, 1, -1);
  t_ctx_del(t);
}

static void test_stats_drop_nat_ports(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.port_lo = cfg.port_hi = 40000; /* one public port */
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  t_udp(&p, IN_HOST, 1111, OUT_HOST, 37, "a");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&p, IN_HOST, 2222, OUT_HOST, 37, "b");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_NAT_PORTS, 1, -1);
  assert_true(t_has_event(t, "NAT_PORTS_EXHAUSTED"));
  t_ctx_del(t);
}

static void test_stats_drop_host_limit(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.max_ports_per_host = 2;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  for (uint16_t i = 0; i < 3; i++) {
    t_udp(&p, IN_HOST, (uint16_t)(3000 + i), OUT_HOST, 37, "q");
    assert_int_equal(t_in(t, &p, SEC),
                     i < 2 ? PINHOLE_VERDICT_FORWARD : PINHOLE_VERDICT_DROP);
  }
  /* another host is not limited by this one's ports */
  t_udp(&p, IP4(198, 18, 0, 3), 3000, OUT_HOST, 37, "q");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_HOST_LIMIT, 1, -1);
  assert_true(t_has_event(t, "per-host port limit"));
  t_ctx_del(t);
}

static void test_stats_drop_flow_full(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 2;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  for (uint16_t i = 0; i < 3; i++) {
    t_udp(&p, IN_HOST, (uint16_t)(3000 + i), OUT_HOST, 37, "q");
    assert_int_equal(t_in(t, &p, SEC),
                     i < 2 ? PINHOLE_VERDICT_FORWARD : PINHOLE_VERDICT_DROP);
  }
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_FLOW_FULL, 1, -1);
  assert_true(t_has_event(t, "TABLE_FULL"));
  t_ctx_del(t);
}

/* ---- IP errors -------------------------------------------------------- */

/* Sends a packet and checks the one group and detail counter it hits. */
static void one_error(tpkt *p, int group, int detail) {
  tctx *t = t_ctx();
  assert_int_equal(t_in(t, p, SEC), PINHOLE_VERDICT_DROP);
  if (detail == group)
    t_counters(t, group, 1, -1);
  else
    t_counters(t, group, 1, detail, 1, -1);
  t_ctx_del(t);
}

static void test_stats_err_non_ip(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
  p.b[0] = 0x05; /* version 0 */
  one_error(&p, PINHOLE_CNT_ERR_NON_IP, PINHOLE_CNT_ERR_NON_IP);
  p.p.len = 0;
  one_error(&p, PINHOLE_CNT_ERR_NON_IP, PINHOLE_CNT_ERR_NON_IP);
}

static void test_stats_ip_non_ipv4(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
  p.b[0] = 0x60;
  /* IPv6 off (max_conns6 0): counted as before 0.2 */
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 0;
  tctx *t = t_ctx_cfg(&cfg);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_NON_IPV4, 1, -1);
  t_ctx_del(t);
  /* IPv6 on (the default): parsed as IPv6, 28 bytes are no IPv6 header */
  one_error(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_MIN_HDR);
}

static void test_stats_ip_min_hdr(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
  p.p.len = 19;
  one_error(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_MIN_HDR);
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
  p.b[0] = 0x44;
  ip_ck(&p);
  one_error(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_MIN_HDR);
}

static void test_stats_ip_len(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
  t_put16(p.b + 2, 30); /* one byte more than the buffer */
  ip_ck(&p);
  one_error(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LEN);
}

static void test_stats_ip_header_fields(void **state) {
  (void)state;
  static const struct {
    size_t off;
    uint32_t val;
    int width;
    int detail;
  } cases[] = {
      {12, IP4(127, 0, 0, 1), 4, PINHOLE_CNT_IP_SRC},
      {16, IP4(240, 0, 0, 1), 4, PINHOLE_CNT_IP_DST},
      {8, 0, 1, PINHOLE_CNT_IP_TTL_ZERO},
      {9, 255, 1, PINHOLE_CNT_IP_PROTO},
      {16, IN_HOST, 4, PINHOLE_CNT_IP_LAND},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    tpkt p;
    t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
    if (cases[i].width == 4)
      t_put32(p.b + cases[i].off, cases[i].val);
    else
      p.b[cases[i].off] = (uint8_t)cases[i].val;
    ip_ck(&p);
    one_error(&p, PINHOLE_CNT_ERR_IP, cases[i].detail);
  }
}

static void test_stats_ip_cksum(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
  p.b[10] ^= 0x01;
  one_error(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_CKSUM);
}

static void test_stats_ip_frag_len(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q"); /* 9-byte payload */
  t_put16(p.b + 6, 0x2000);                     /* MF */
  ip_ck(&p);
  one_error(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_FRAG_LEN);
}

static void test_stats_ip_unknown_bad_option(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
  memmove(p.b + 24, p.b + 20, 9);
  memcpy(p.b + 20, "\x07\x09\x04\x00", 4); /* record route, 9 > 4 bytes */
  p.b[0] = 0x46;
  t_put16(p.b + 2, 33);
  p.p.len = 33;
  ip_ck(&p);
  one_error(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_UNKNOWN);
}

/* ---- TCP errors ------------------------------------------------------- */

static void test_stats_tcp_hdr_len(void **state) {
  (void)state;
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  p.b[32] = 6 << 4; /* 24-byte header in a 20-byte segment */
  one_error(&p, PINHOLE_CNT_ERR_TCP, PINHOLE_CNT_TCP_HDR_LEN);
}

static void test_stats_tcp_port_zero(void **state) {
  (void)state;
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  t_put16(p.b + 22, 0);
  one_error(&p, PINHOLE_CNT_ERR_TCP, PINHOLE_CNT_TCP_PORT_ZERO);
}

static void test_stats_tcp_flags(void **state) {
  (void)state;
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  p.b[33] = PINHOLE_TCP_SYN | PINHOLE_TCP_FIN;
  one_error(&p, PINHOLE_CNT_ERR_TCP, PINHOLE_CNT_TCP_FLAGS);
}

static void test_stats_tcp_flags_data_before_synack(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t pub = t_get16(p.b + 20);
  t_tcp(&p, OUT_HOST, 80, PUB, pub, 9, 2, PINHOLE_TCP_ACK, "data");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_DISCARD, 1,
             PINHOLE_CNT_ERR_TCP, 1, PINHOLE_CNT_TCP_FLAGS, 1, -1);
  t_ctx_del(t);
}

/* An RST at a sequence number inside the window but not the next one. */
static void test_stats_tcp_rst_in_window(void **state) {
  (void)state;
  tctx *t = t_ctx();
  uint16_t pub = handshake(t, 40000, SEC);
  tpkt p;
  t_tcp(&p, OUT_HOST, 80, PUB, pub, 5001 + 100, 0, PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_TCP, 1,
             PINHOLE_CNT_TCP_RST_IN_WINDOW, 1, -1);
  assert_string_equal(pinhole_counter_key(PINHOLE_CNT_TCP_RST_IN_WINDOW),
                      "TCP_RST_IN_WINDOW");
  assert_string_equal(pinhole_counter_name(PINHOLE_CNT_TCP_RST_IN_WINDOW),
                      "TCP RST in window, not exact (RFC 5961)");
  t_ctx_del(t);
}

static void test_stats_tcp_syn_attack(void **state) {
  (void)state;
  tctx *t = t_ctx();
  handshake(t, 40000, SEC);
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 80, 77, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_TCP, 1,
             PINHOLE_CNT_TCP_SYN_ATTACK, 1, -1);
  t_ctx_del(t);
}

static void test_stats_tcp_not_syn(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 80, 1, 1, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_ERR_TCP, 1,
             PINHOLE_CNT_TCP_NOT_SYN, 1, -1);
  t_ctx_del(t);
}

static void test_stats_tcp_port_scan(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 81, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t pub = t_get16(p.b + 20);
  t_tcp(&p, OUT_HOST, 81, PUB, pub, 0, 2, PINHOLE_TCP_RST | PINHOLE_TCP_ACK,
        NULL);
  /* the RST still reaches the client: it is the answer to its SYN */
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_TCP, 1, PINHOLE_CNT_TCP_PORT_SCAN, 1, -1);
  t_ctx_del(t);
}

/* ---- UDP errors ------------------------------------------------------- */

static void test_stats_udp_short(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, NULL);
  p.p.len = 27;
  t_put16(p.b + 2, 27);
  ip_ck(&p);
  one_error(&p, PINHOLE_CNT_ERR_UDP, PINHOLE_CNT_UDP_SHORT);
}

static void test_stats_udp_port_zero(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "q");
  t_put16(p.b + 20, 0);
  one_error(&p, PINHOLE_CNT_ERR_UDP, PINHOLE_CNT_UDP_PORT_ZERO);
}

static void test_stats_udp_len(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "query");
  t_put16(p.b + 24, 12); /* 8 + 5 on the wire */
  one_error(&p, PINHOLE_CNT_ERR_UDP, PINHOLE_CNT_UDP_LEN);
}

static void test_stats_udp_port_scan(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p, e;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 9999, "probe");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* port unreachable from the outside host, quoting what it received */
  t_icmp_err(&e, OUT_HOST, PUB, 3, 3, p.b, 28);
  assert_int_equal(t_out(t, &e, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_UDP, 1, PINHOLE_CNT_UDP_PORT_SCAN, 1, -1);
  t_ctx_del(t);
}

/* ---- ICMP errors ------------------------------------------------------ */

static void test_stats_icmp_short(void **state) {
  (void)state;
  tpkt p;
  t_echo(&p, IN_HOST, OUT_HOST, 8, 7, 1);
  p.p.len = 27;
  t_put16(p.b + 2, 27);
  ip_ck(&p);
  one_error(&p, PINHOLE_CNT_ERR_ICMP, PINHOLE_CNT_ICMP_SHORT);
}

static void test_stats_icmp_err_len(void **state) {
  (void)state;
  tpkt q, p;
  t_udp(&q, OUT_HOST, 37, PUB, 40000, "x");
  /* quoting 20 bytes, fewer than a header and 8 (t_icmp_err would
   * refuse to build it) */
  memset(p.b, 0, sizeof(p.b));
  t_ip(p.b, 48, 1, OUT_HOST, IN_HOST);
  p.b[20] = 3;
  p.b[21] = 3;
  memcpy(p.b + 28, q.b, 20);
  t_put16(p.b + 22, pinhole_cksum(p.b + 20, 28));
  p.p.data = p.b;
  p.p.len = 48;
  p.p.cap = sizeof(p.b);
  ip_ck(&p);
  /* the ICMP ALG counts a quote that does not parse too */
  tctx *t = t_ctx();
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_ERR_ICMP, 1, PINHOLE_CNT_ICMP_ERR_LEN, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_ICMP, 1, -1);
  t_ctx_del(t);
}

static void test_stats_icmp_dup_and_mismatched_seq(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  t_echo(&p, IN_HOST, OUT_HOST, 8, 77, 1);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t id = t_get16(p.b + 24);
  t_echo(&p, IN_HOST, OUT_HOST, 8, 77, 1);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_DISCARD, 1,
             PINHOLE_CNT_ERR_ICMP, 1, PINHOLE_CNT_ICMP_DUP_SEQ, 1, -1);
  /* a reply 100 sequence numbers behind the last request */
  t_echo(&p, IN_HOST, OUT_HOST, 8, 77, 200);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_echo(&p, OUT_HOST, PUB, 0, id, 100);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_EXIST_DISCARD, 2, PINHOLE_CNT_ERR_ICMP, 2,
             PINHOLE_CNT_ICMP_DUP_SEQ, 1, PINHOLE_CNT_ICMP_MISMATCH_SEQ, 1, -1);
  t_ctx_del(t);
}

/* ---- ALG errors ------------------------------------------------------- */

/* An ALG control connection from the inside to OUT_HOST:port over TCP;
 * returns the public port. */
static uint16_t alg_tcp_open(tctx *t, uint16_t port) {
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, port, 100, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t pub = t_get16(p.b + 20);
  /* FTP: the greeting ends where the server's data of the tests begins */
  uint32_t syn = port == 21 ? 900 - T_FTP_GREETING_LEN : 900;
  t_tcp(&p, OUT_HOST, port, PUB, pub, syn, 101,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  if (port == 21)
    t_ftp_greet(t, OUT_HOST, PUB, pub, 901, 101);
  return pub;
}

static void test_stats_alg_ftp(void **state) {
  (void)state;
  tctx *t = t_ctx();
  alg_tcp_open(t, 21);
  tpkt p;
  /* FTP bounce: a data address that is not the client's */
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 21, 101, 901, PINHOLE_TCP_ACK,
        "PORT 198,19,0,3,195,80\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_FTP, 1, -1);
  assert_true(t_has_event(t, "ALG_ERROR"));
  t_ctx_del(t);
}

static void test_stats_alg_rtsp(void **state) {
  (void)state;
  tctx *t = t_ctx();
  alg_tcp_open(t, 554);
  tpkt p;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 554, 101, 901, PINHOLE_TCP_ACK,
        "SETUP rtsp://198.19.0.2/s RTSP/1.0\r\nCSeq: 1\r\n"
        "Transport: RTP/AVP;unicast;client_port=5001-5002\r\n\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_RTSP, 1, -1);
  t_ctx_del(t);
}

static void test_stats_alg_sip(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  t_udp(&p, IN_HOST, 5060, OUT_HOST, 5060,
        "INVITE sip:bob@198.19.0.2 SIP/2.0\r\nContent-Length: x\r\n\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_SIP, 1, -1);
  t_ctx_del(t);
}

static void test_stats_alg_tftp(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  t_udp_n(&p, IN_HOST, 40000, OUT_HOST, 69, "\x00\x09junk", 6);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_TFTP, 1, -1);
  t_ctx_del(t);
}

/* ---- pinholes, expiry, fragments, too big ---------------------------- */

static void test_stats_pinhole_created_used_expired(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  /* two TFTP requests from two client ports: two pinholes */
  t_udp_n(&p, IN_HOST, 40000, OUT_HOST, 69,
          "\x00\x01"
          "a\x00octet\x00",
          10);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t pub1 = t_get16(p.b + 20);
  t_udp_n(&p, IN_HOST, 40001, OUT_HOST, 69,
          "\x00\x01"
          "b\x00octet\x00",
          10);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_PINHOLE_CREATED, 2, -1);
  /* the server answers the first from a new port: pinhole used */
  t_udp_n(&p, OUT_HOST, 33000, PUB, pub1, "\x00\x03\x00\x01hi", 6);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_PINHOLE_CREATED, 2,
             PINHOLE_CNT_PINHOLE_USED, 1, -1);
  /* the second pinhole expires after 10 s */
  pinhole_tick(t->ctx, 12 * SEC);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_PINHOLE_CREATED, 2,
             PINHOLE_CNT_PINHOLE_USED, 1, PINHOLE_CNT_PINHOLE_EXPIRED, 1, -1);
  /* and every flow after the UDP timeout */
  pinhole_tick(t->ctx, 400 * SEC);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_PINHOLE_CREATED, 2,
             PINHOLE_CNT_PINHOLE_USED, 1, PINHOLE_CNT_PINHOLE_EXPIRED, 1,
             PINHOLE_CNT_FLOWS_EXPIRED, 3, -1);
  t_ctx_del(t);
}

static void test_stats_drop_pinhole_full(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.max_pinholes_per_conv = 1;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  t_udp_n(&p, IN_HOST, 40000, OUT_HOST, 69,
          "\x00\x01"
          "a\x00octet\x00",
          10);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_udp_n(&p, IN_HOST, 40000, OUT_HOST, 69,
          "\x00\x01"
          "b\x00octet\x00",
          10);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the same pinhole again: refreshed, not a second one */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, -1);
  t_ctx_del(t);

  t = t_ctx_cfg(&cfg);
  alg_tcp_open(t, 21);
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 21, 101, 901, PINHOLE_TCP_ACK,
        "PORT 198,18,0,2,195,80\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint32_t seq = 101 + 24;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 21, seq, 901, PINHOLE_TCP_ACK,
        "PORT 198,18,0,2,195,81\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_DROP_PINHOLE_FULL, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_FTP, 1, -1);
  t_ctx_del(t);
}

/* The packet that would create a connection but is dropped on its way
 * (a SIP request whose rewrite does not fit its buffer) counts once, as a
 * new-flow discard: not as a new-flow accept and an existing-flow discard. */
static void test_stats_first_packet_dropped(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  /* the pool's ports start at 1024: the Via's port 5 becomes a longer
   * one, so the datagram must grow */
  const char *inv = "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
                    "Via: SIP/2.0/UDP 198.18.0.2:5;branch=z9hG4bK1\r\n"
                    "From: <sip:a@198.19.0.2>;tag=1\r\n"
                    "To: <sip:bob@198.19.0.2>\r\n"
                    "Call-ID: 1\r\nCSeq: 1 INVITE\r\n"
                    "Content-Length: 0\r\n\r\n";
  t_udp(&p, IN_HOST, 5, OUT_HOST, 5060, inv);
  p.p.cap = p.p.len;
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_TOO_BIG, 1, -1);
  t_ctx_del(t);
}

static void test_stats_drop_too_big(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  /* another host holds public port 1025 */
  t_tcp(&p, IP4(198, 18, 0, 3), 1025, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN,
        NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get16(p.b + 20), 1025);
  alg_tcp_open(t, 21);
  /* so "4,1" (1025) becomes a public port with more digits: the packet
   * must grow, but its cap is its length */
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 21, 101, 901, PINHOLE_TCP_ACK,
        "PORT 198,18,0,2,4,1\r\n");
  p.p.cap = p.p.len;
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_DROP_TOO_BIG, 1, -1);
  /* nothing of the failed rewrite stays: no pinhole, no data mapping */
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.pinholes, 0);
  assert_int_equal(u.mappings, 2);
  t_ctx_del(t);
}

static void test_stats_fragments(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "query");
  t_put16(p.b + 6, 0x0002); /* offset 16 bytes, last fragment */
  p.b[9] = 6;               /* TCP: only UDP pieces wait for their first */
  ip_ck(&p);
  tctx *t = t_ctx();
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_FRAGMENTS, 1, -1);
  t_ctx_del(t);
}

/* Piece [lo, hi) of the L4 bytes of a UDP datagram p (payload 24 bytes:
 * 32 L4 bytes) as a fragment; mf: more fragments follow. */
static void frag_of(tpkt *f, const tpkt *p, size_t lo, size_t hi, int mf) {
  memcpy(f->b, p->b, 20);
  memcpy(f->b + 20, p->b + 20 + lo, hi - lo);
  t_put16(f->b + 2, (uint16_t)(20 + hi - lo));
  t_put16(f->b + 6, (uint16_t)((mf ? 0x2000 : 0) | lo / 8));
  ip_ck(f);
  f->p.data = f->b;
  f->p.len = (uint32_t)(20 + hi - lo);
  f->p.cap = sizeof(f->b);
}

static void test_stats_ip_frag_overlap(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p, f;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "0123456789abcdefghijklmn");
  frag_of(&f, &p, 0, 16, 1);
  assert_int_equal(t_in(t, &f, SEC), PINHOLE_VERDICT_FORWARD);
  frag_of(&f, &p, 8, 32, 0); /* rewrites bytes 8..16 that passed */
  assert_int_equal(t_in(t, &f, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_FRAG_OVERLAP, 1, -1);
  /* the right piece still passes, translated like the first */
  frag_of(&f, &p, 16, 32, 0);
  assert_int_equal(t_in(t, &f, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(f.b + 12), PUB);
  t_ctx_del(t);
}

static void test_stats_ip_frag_timeout(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p, f;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "0123456789abcdefghijklmn");
  frag_of(&f, &p, 0, 16, 1);
  assert_int_equal(t_in(t, &f, SEC), PINHOLE_VERDICT_FORWARD);
  pinhole_tick(t->ctx, 5 * SEC);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, -1);
  pinhole_tick(t->ctx, 12 * SEC); /* frag_timeout_ms 10000 */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_FRAG_TIMEOUT, 1, -1);
  /* the last piece now has nothing to follow: held for a first fragment
   * (core/frag_reasm.c) that never comes, then timed out */
  frag_of(&f, &p, 16, 32, 0);
  assert_int_equal(t_in(t, &f, 12 * SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FRAGMENTS), 0);
  /* a complete datagram does not time out (another IP id: with the same,
   * its pieces would join the one held) */
  t_udp(&p, IN_HOST, 40001, OUT_HOST, 37, "0123456789abcdefghijklmn");
  t_put16(p.b + 4, 0x1235);
  frag_of(&f, &p, 0, 16, 1);
  assert_int_equal(t_in(t, &f, 13 * SEC), PINHOLE_VERDICT_FORWARD);
  frag_of(&f, &p, 16, 32, 0);
  assert_int_equal(t_in(t, &f, 13 * SEC), PINHOLE_VERDICT_FORWARD);
  pinhole_tick(t->ctx, 30 * SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_IP_FRAG_TIMEOUT), 2); /* the piece */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TIMEOUT), 1);
  t_ctx_del(t);
}

static void test_stats_ip_max_len(void **state) {
  (void)state;
  tpkt p;
  t_udp(&p, IN_HOST, 40000, OUT_HOST, 37, "0123456789abcdefghijklmn");
  t_put16(p.b + 6, 8191); /* offset 65528 + 32 bytes > 65535 */
  ip_ck(&p);
  one_error(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_MAX_LEN);
}

/* ---- what cannot fire, and the formatter ----------------------------- */

static const int cannot_fire[] = {
    PINHOLE_CNT_EXIST_REJECT,    PINHOLE_CNT_IP_MAX_LEN,
    PINHOLE_CNT_IP_FRAG_OVERLAP, PINHOLE_CNT_IP_FRAG_TIMEOUT,
    PINHOLE_CNT_TCP_SYN_COOKIE,  PINHOLE_CNT_ALG_WITHHELD};

/* A mixed workload of everything above leaves these at zero. */
static void test_stats_cannot_fire_yet(void **state) {
  (void)state;
  tctx *t = t_ctx();
  handshake(t, 40000, SEC);
  alg_tcp_open(t, 21);
  tpkt p;
  t_udp_n(&p, IN_HOST, 40002, OUT_HOST, 69,
          "\x00\x01"
          "a\x00octet\x00",
          10);
  t_in(t, &p, SEC);
  t_udp(&p, IN_HOST, 40003, OUT_HOST, 37, "query");
  t_put16(p.b + 6, 0x2001);
  ip_ck(&p);
  t_in(t, &p, SEC);
  t_tcp(&p, OUT_HOST, 80, PUB, 40000, 5001, 1001, PINHOLE_TCP_RST, NULL);
  t_out(t, &p, SEC);
  pinhole_tick(t->ctx, 100000 * SEC);
  for (size_t i = 0; i < sizeof(cannot_fire) / sizeof(cannot_fire[0]); i++)
    assert_int_equal(t_cnt(t, cannot_fire[i]), 0);
  t_ctx_del(t);
}

static void test_stats_format_every_name(void **state) {
  (void)state;
  tctx *t = t_ctx();
  handshake(t, 40000, SEC);
  int n = pinhole_stats_format(t->ctx, NULL, 0);
  assert_true(n > 0);
  char *s = malloc((size_t)n + 1);
  assert_int_equal(pinhole_stats_format(t->ctx, s, (size_t)n + 1), n);
  assert_int_equal(strlen(s), n);
  static const char *sections[] = {
      "New flows",  "Existing flows", "Drops",       "Errors",    "IP errors",
      "TCP errors", "UDP errors",     "ICMP errors", "ALG errors"};
  for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
    if (strstr(s, sections[i]) == NULL)
      fail_msg("section %s missing", sections[i]);
  for (int i = 0; i < pinhole_counter_count(); i++) {
    const char *name = pinhole_counter_name(i);
    assert_non_null(name);
    assert_true(name[0] != '\0');
    if (strstr(s, name) == NULL)
      fail_msg("counter %d (%s) missing", i, name);
  }
  assert_null(pinhole_counter_name(pinhole_counter_count()));
  assert_null(pinhole_counter_name(-1));
  /* the accept line shows its value */
  assert_non_null(strstr(s, "Accepts"));
  /* truncated: same length, NUL-terminated */
  char small[16];
  assert_int_equal(pinhole_stats_format(t->ctx, small, sizeof(small)), n);
  assert_int_equal(strlen(small), sizeof(small) - 1);
  assert_int_equal(pinhole_stats_format(NULL, small, sizeof(small)),
                   PINHOLE_ERR_INVALID_ARG);
  free(s);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stats_new_and_existing_accept),
      cmocka_unit_test(test_stats_new_discard_no_rule),
      cmocka_unit_test(test_stats_new_discard_and_reject_rules),
      cmocka_unit_test(test_stats_existing_discard_wrong_side),
      cmocka_unit_test(test_stats_drop_ip_option),
      cmocka_unit_test(test_stats_drop_syn_defense),
      cmocka_unit_test(test_stats_drop_nat_ports),
      cmocka_unit_test(test_stats_drop_host_limit),
      cmocka_unit_test(test_stats_drop_flow_full),
      cmocka_unit_test(test_stats_err_non_ip),
      cmocka_unit_test(test_stats_ip_non_ipv4),
      cmocka_unit_test(test_stats_ip_min_hdr),
      cmocka_unit_test(test_stats_ip_len),
      cmocka_unit_test(test_stats_ip_header_fields),
      cmocka_unit_test(test_stats_ip_cksum),
      cmocka_unit_test(test_stats_ip_frag_len),
      cmocka_unit_test(test_stats_ip_unknown_bad_option),
      cmocka_unit_test(test_stats_tcp_hdr_len),
      cmocka_unit_test(test_stats_tcp_port_zero),
      cmocka_unit_test(test_stats_tcp_flags),
      cmocka_unit_test(test_stats_tcp_flags_data_before_synack),
      cmocka_unit_test(test_stats_tcp_rst_in_window),
      cmocka_unit_test(test_stats_tcp_syn_attack),
      cmocka_unit_test(test_stats_tcp_not_syn),
      cmocka_unit_test(test_stats_tcp_port_scan),
      cmocka_unit_test(test_stats_udp_short),
      cmocka_unit_test(test_stats_udp_port_zero),
      cmocka_unit_test(test_stats_udp_len),
      cmocka_unit_test(test_stats_udp_port_scan),
      cmocka_unit_test(test_stats_icmp_short),
      cmocka_unit_test(test_stats_icmp_err_len),
      cmocka_unit_test(test_stats_icmp_dup_and_mismatched_seq),
      cmocka_unit_test(test_stats_alg_ftp),
      cmocka_unit_test(test_stats_alg_rtsp),
      cmocka_unit_test(test_stats_alg_sip),
      cmocka_unit_test(test_stats_alg_tftp),
      cmocka_unit_test(test_stats_pinhole_created_used_expired),
      cmocka_unit_test(test_stats_drop_pinhole_full),
      cmocka_unit_test(test_stats_first_packet_dropped),
      cmocka_unit_test(test_stats_drop_too_big),
      cmocka_unit_test(test_stats_fragments),
      cmocka_unit_test(test_stats_ip_frag_overlap),
      cmocka_unit_test(test_stats_ip_frag_timeout),
      cmocka_unit_test(test_stats_ip_max_len),
      cmocka_unit_test(test_stats_cannot_fire_yet),
      cmocka_unit_test(test_stats_format_every_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

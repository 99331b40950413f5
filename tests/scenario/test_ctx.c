/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Context life cycle: struct-size rules, the host allocator (used only at
 * creation), a failing allocator, two contexts sharing nothing, rules and
 * pools argument checks, verdicts for rule actions, table bounds.
 */
#include "helpers.h"

#include "core/alg_call.h"
#include "core/ctx.h"

/* The context's ALG port table answers every (protocol, port) as the scan
 * of the ALG table does (the first ALG naming the port, an ALG of both
 * protocols for either), and holds every ALG's ports. */
static void test_ctx_alg_port_table(void **state) {
  (void)state;
  tctx *t = t_ctx();
  const uint8_t protos[] = {0, PINHOLE_IPPROTO_ICMP, PINHOLE_IPPROTO_TCP,
                            PINHOLE_IPPROTO_UDP, PINHOLE_IPPROTO_GRE};
  uint32_t named = 0;
  for (size_t i = 0; i < sizeof(protos); i++)
    for (uint32_t port = 0; port < 65536; port++) {
      uint8_t want = pinhole__alg_by_port(protos[i], (uint16_t)port);
      assert_int_equal(pinhole__alg_for_port(t->ctx, protos[i], (uint16_t)port),
                       want);
      named += want != 0;
    }
  assert_int_equal(t->ctx->alg_ports_scan, 0);
  /* FTP, SIP on both, DNS on both, H.323's two, ... */
  assert_int_equal(pinhole__alg_for_port(t->ctx, PINHOLE_IPPROTO_TCP, 21),
                   pinhole__alg_by_name("ftp"));
  assert_int_equal(pinhole__alg_for_port(t->ctx, PINHOLE_IPPROTO_UDP, 5060),
                   pinhole__alg_by_name("sip"));
  assert_int_equal(pinhole__alg_for_port(t->ctx, PINHOLE_IPPROTO_TCP, 5060),
                   pinhole__alg_by_name("sip"));
  assert_int_equal(pinhole__alg_for_port(t->ctx, PINHOLE_IPPROTO_UDP, 21), 0);
  assert_true(named > 40);
  /* the filter in front of both (one bit a group of 16 ports) is sparse:
   * 5000's group has no ALG port, 5060's has; and it holds every port
   * the scan answers for, the port table's or not */
  uint32_t groups = 0;
  for (uint32_t w = 0; w < PH_ALG_ANY_WORDS; w++)
    groups += (uint32_t)__builtin_popcountll(t->ctx->alg_port_any[w]);
  assert_true(groups >= 20 && groups <= 40);
  assert_int_equal(t->ctx->alg_port_any[5000 >> 4 >> 6] >> (5000 >> 4 & 63) & 1,
                   0);
  assert_int_equal(t->ctx->alg_port_any[5060 >> 4 >> 6] >> (5060 >> 4 & 63) & 1,
                   1);
  t->ctx->alg_ports_scan = 1;
  for (size_t i = 0; i < sizeof(protos); i++)
    for (uint32_t port = 0; port < 65536; port++)
      assert_int_equal(pinhole__alg_for_port(t->ctx, protos[i], (uint16_t)port),
                       pinhole__alg_by_port(protos[i], (uint16_t)port));
  t_ctx_del(t);
}

static void test_ctx_config_size_rules(void **state) {
  (void)state;
  pinhole_config cfg;
  assert_int_equal(pinhole_config_default(&cfg, sizeof(cfg) - 1),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_config_default(NULL, sizeof(cfg)),
                   PINHOLE_ERR_INVALID_ARG);
  /* a newer caller's larger struct: fine while the tail is zero */
  struct {
    pinhole_config c;
    uint64_t future;
  } big;
  assert_int_equal(pinhole_config_default(&big.c, sizeof(big)), 0);
  assert_int_equal(big.c.size, sizeof(big));
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, &big.c, NULL, NULL), 0);
  pinhole_ctx_del(ctx);
  big.future = 1;
  assert_int_equal(pinhole_ctx_new(&ctx, &big.c, NULL, NULL),
                   PINHOLE_ERR_STRUCT_SIZE);
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.port_lo = 2000;
  cfg.port_hi = 1000;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 0;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_ctx_new(NULL, NULL, NULL, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  pinhole_ctx_del(NULL);
}

static void *null_alloc(size_t size, void *user) {
  (void)size;
  (void)user;
  return NULL;
}

static void never_free(void *p, size_t size, void *user) {
  (void)p;
  (void)size;
  (void)user;
  fail();
}

static void test_ctx_failing_allocator(void **state) {
  (void)state;
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.alloc = null_alloc;
  cb.free = never_free;
  pinhole_ctx *ctx = (pinhole_ctx *)&cb;
  int rc = pinhole_ctx_new(&ctx, NULL, &cb, NULL);
  assert_int_equal(rc, PINHOLE_ERR_NOMEM);
  assert_null(ctx);
  assert_true(pinhole_err_is_fatal(rc));
}

/* No allocation on the packet path: the host allocator is called once at
 * creation and never again across thousands of packets and ticks. */
static void test_ctx_no_allocation_after_creation(void **state) {
  (void)state;
  tctx *t = t_ctx();
  assert_int_equal(t->allocs, 1);
  tpkt p;
  for (uint32_t i = 0; i < 5000; i++) {
    uint64_t now = SEC + i * (SEC / 100);
    t_udp(&p, IN_HOST, (uint16_t)(10000 + i % 500), OUT_HOST, 37, "query");
    t_in(t, &p, now);
    t_tcp(&p, IN_HOST, (uint16_t)(20000 + i % 300), OUT_HOST, 80, i, 0,
          PINHOLE_TCP_SYN, NULL);
    t_in(t, &p, now);
    t_echo(&p, IN_HOST, OUT_HOST, 8, (uint16_t)i, 1);
    t_in(t, &p, now);
    pinhole_tick(t->ctx, now);
  }
  pinhole_tick(t->ctx, 100000 * SEC);
  assert_int_equal(t->allocs, 1);
  assert_int_equal(t->frees, 0);
  t_ctx_del(t);
}

/* Two contexts never share state: the same traffic gives each its own
 * conversation ids, counters and mappings. */
static void test_ctx_two_contexts_independent(void **state) {
  (void)state;
  tctx *a = t_ctx(), *b = t_ctx();
  tpkt p;
  t_udp(&p, IN_HOST, 6000, OUT_HOST, 7000, "x");
  assert_int_equal(t_in(a, &p, SEC), 0);
  assert_int_equal(t_cnt(a, PINHOLE_CNT_NEW_ACCEPT), 1);
  assert_int_equal(t_cnt(b, PINHOLE_CNT_NEW_ACCEPT), 0);
  t_udp(&p, OUT_HOST, 7000, PUB, 6000, "y");
  assert_int_equal(t_out(b, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_out(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_ctx_del(a);
  t_ctx_del(b);
}

static void add_rule(tctx *t, const char *name, uint8_t side, uint8_t proto,
                     uint16_t port, uint8_t action) {
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "%s", name);
  r.side = side;
  r.proto = proto;
  r.dport_lo = r.dport_hi = port;
  r.action = action;
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
}

static void test_ctx_rule_actions(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_rules_clear(t->ctx);
  add_rule(t, "no-telnet", PINHOLE_SIDE_INSIDE, PINHOLE_IPPROTO_TCP, 23,
           PINHOLE_ACTION_REJECT);
  add_rule(t, "no-snmp", PINHOLE_SIDE_INSIDE, PINHOLE_IPPROTO_UDP, 161,
           PINHOLE_ACTION_REJECT);
  add_rule(t, "no-chargen", PINHOLE_SIDE_ANY, PINHOLE_IPPROTO_UDP, 19,
           PINHOLE_ACTION_DISCARD);
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 23, 1000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  /* the RST goes back to the sender: ack = seq + 1 for the SYN */
  assert_int_equal(t->nemitted, 1);
  assert_int_equal(t->emitted_side, PINHOLE_SIDE_INSIDE);
  assert_int_equal(pinhole_pkt_parse(t->emitted, t->emitted_len, &v), 0);
  assert_int_equal(v.src, OUT_HOST);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.sport, 23);
  assert_int_equal(v.dport, 40000);
  assert_int_equal(v.tcp_flags, PINHOLE_TCP_RST | PINHOLE_TCP_ACK);
  assert_int_equal(v.ack, 1001);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(t->emitted, &v), 1);
  t_udp(&p, IN_HOST, 5555, OUT_HOST, 161, "get");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(pinhole_pkt_parse(t->emitted, t->emitted_len, &v), 0);
  assert_int_equal(v.icmp_type, 3);
  assert_int_equal(v.icmp_code, 13);
  assert_int_equal(v.inner_sport, 5555);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(t->emitted, &v), 1);
  t_udp(&p, IN_HOST, 5555, OUT_HOST, 19, "x");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_udp(&p, IN_HOST, 5555, OUT_HOST, 20, "x");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_REJECT, 2, PINHOLE_CNT_NEW_DISCARD, 2,
             PINHOLE_CNT_DROP_NO_RULE, 1, -1);
  assert_true(t_has_event(t, "PINHOLE_RULE_REJECT: conv=0 proto=TCP "
                             "side=inside 198.18.0.2:40000 -> 198.19.0.2:23 "
                             "rule=no-telnet"));
  assert_true(t_has_event(t, "PINHOLE_RULE_DISCARD"));
  assert_true(t_has_event(t, "PINHOLE_NO_RULE_DROP"));
  t_ctx_del(t);
}

static void test_ctx_rule_and_pool_arguments(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.action = 7;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = 5;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  r.nat = 0;
  snprintf(r.alg, sizeof(r.alg), "gopher");
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_NOT_FOUND);
  snprintf(r.alg, sizeof(r.alg), "ftp");
  r.proto = PINHOLE_IPPROTO_UDP; /* FTP runs over TCP only */
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  snprintf(r.alg, sizeof(r.alg), "tftp");
  r.proto = PINHOLE_IPPROTO_TCP;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  snprintf(r.alg, sizeof(r.alg), "sip"); /* SIP runs over both */
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  r.proto = 0;
  snprintf(r.alg, sizeof(r.alg), "ftp");
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 2);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = IP4(198, 19, 0, 10);
  pool.addr_hi = IP4(198, 19, 0, 40);
  assert_int_equal(pinhole_pool_add(t->ctx, &pool), PINHOLE_ERR_RANGE);
  pool.addr_hi = IP4(198, 19, 0, 9);
  assert_int_equal(pinhole_pool_add(t->ctx, &pool), PINHOLE_ERR_INVALID_ARG);
  t_ctx_del(t);
}

/* When the pool has no port left: dropped, counted, evented; nothing else
 * breaks and the existing flows keep working. */
/* A rule for any protocol that names a UDP ALG: its TCP connections are
 * translated but not inspected (a Forward flow, no ALG counted). */
static void test_ctx_rule_alg_other_protocol(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  tctx *t = t_ctx_pool(&cfg, 0xC6130007, 0xC6130007, 40000, 40009);
  pinhole_rules_clear(t->ctx);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "any-tftp");
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = t->pool;
  snprintf(r.alg, sizeof(r.alg), "tftp");
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 0);
  tpkt p;
  t_tcp(&p, 0xC6120021, 33000, 0xC6130063, 69, 1000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 1000), PINHOLE_VERDICT_FORWARD);
  t_udp_n(&p, 0xC6120021, 33001, 0xC6130063, 69, "\0\1f\0octet\0", 11);
  assert_int_equal(t_in(t, &p, 2000), PINHOLE_VERDICT_FORWARD);
  /* the TCP connection is a Forward flow, the UDP one a TFTP Watch flow */
  t_listing_is(
      t,
      "Conversation: ALG protocol: none\n"
      "  Number of initiators: 1, Number of responders: 1\n"
      "Flow                                          State    Dir  Frm count\n"
      "TCP 198.18.0.33:33000 -> 198.19.0.99:69       Forward  I          1\n"
      "    NAT source 198.18.0.33:33000 -> 198.19.0.7:40000\n"
      "TCP 198.19.0.99:69 -> 198.19.0.7:40000        Forward  O          0\n"
      "    NAT dest 198.19.0.7:40000 -> 198.18.0.33:33000\n"
      "Conversation: ALG protocol: tftp\n"
      "  Number of initiators: 1, Number of responders: 1\n"
      "Flow                                          State    Dir  Frm count\n"
      "UDP 198.18.0.33:33001 -> 198.19.0.99:69       Watch    I          1\n"
      "    NAT source 198.18.0.33:33001 -> 198.19.0.7:40000\n"
      "UDP 198.19.0.99:69 -> 198.19.0.7:40000        Watch    O          0\n"
      "    NAT dest 198.19.0.7:40000 -> 198.18.0.33:33001\n");
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_TFTP), 1);
  t_ctx_del(t);
}

static void test_ctx_nat_ports_exhausted(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.port_lo = 5000;
  cfg.port_hi = 5001;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  t_udp(&p, IN_HOST, 100, OUT_HOST, 37, "a");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_udp(&p, IN_HOST, 101, OUT_HOST, 37, "b");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_udp(&p, IN_HOST, 102, OUT_HOST, 37, "c");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_NAT_PORTS), 1);
  assert_true(t_has_event(t, "PINHOLE_NAT_PORTS_EXHAUSTED"));
  t_udp(&p, IN_HOST, 100, OUT_HOST, 37, "a again");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_ctx_del(t);
}

/* The bytes a context of configuration c takes (pinhole_usage). */
static uint64_t ctx_memory(const pinhole_config *c) {
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, c, NULL, NULL), 0);
  pinhole_usage u = {.size = sizeof(u)};
  assert_int_equal(pinhole_usage_get(ctx, &u), 0);
  pinhole_ctx_del(ctx);
  return u.memory_bytes;
}

/* The windows tests' context: eight IPv4 slots, TCP windows for three. */
static tctx *t_ctx_windows3(void) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 8;
  cfg.max_conns6 = 0;
  cfg.max_tcp_conns = 3;
  return t_ctx_cfg(&cfg);
}

/* Three SYNs at now take the three slots with windows; a fourth is
 * refused. */
static void t_syns_windows3(tctx *t, uint64_t now) {
  tpkt p;
  for (uint16_t i = 0; i < 3; i++) {
    t_tcp(&p, IN_HOST, (uint16_t)(3000 + i), OUT_HOST, 80, 1, 0,
          PINHOLE_TCP_SYN, NULL);
    assert_int_equal(t_in(t, &p, now), 0);
  }
  t_tcp(&p, IN_HOST, 3003, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, now), PINHOLE_VERDICT_DROP);
}

/* Expiry gives each slot back to its own list: with max_tcp_conns 3, UDP
 * flows in all eight slots (the five without windows taken first) expire
 * in one tick (the run that frees them with their keys' places known),
 * and then exactly three TCP connections find windows: the slots 0 to 2
 * went back to the list with windows, 3 to 7 (from 3, the first without)
 * to the other. */
static void test_ctx_expiry_tcp_windows_lists(void **state) {
  (void)state;
  tctx *t = t_ctx_windows3();
  tpkt p;
  for (uint16_t i = 0; i < 8; i++) {
    t_udp(&p, IN_HOST, (uint16_t)(2000 + i), OUT_HOST, 37, "a");
    assert_int_equal(t_in(t, &p, SEC), 0);
  }
  pinhole_usage u = {.size = sizeof(u)};
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.flows, 8);
  assert_true(pinhole_tick(t->ctx, 1000 * SEC) >= 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), 8);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.flows, 0);
  t_syns_windows3(t, 1000 * SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_TCP_FULL), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_FLOW_FULL), 1);
  /* the five without windows still take UDP, and then the table is full */
  for (uint16_t i = 0; i < 5; i++) {
    t_udp(&p, IN_HOST, (uint16_t)(4000 + i), OUT_HOST, 37, "b");
    assert_int_equal(t_in(t, &p, 1000 * SEC), 0);
  }
  t_udp(&p, IN_HOST, 4005, OUT_HOST, 37, "b");
  assert_int_equal(t_in(t, &p, 1000 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_FLOW_FULL), 2);
  t_ctx_del(t);
}

/* Expiry by the wheel's run (each connection's two home lines and the
 * public chain worked out in its look-ahead, core/flows.c) takes both
 * keys of every connection out of the flow table, from home or past it,
 * and every mapping with them: 64 UDP flows from four hosts (two keys
 * each, 80 % of a 16-line table, so some home lines count overflows),
 * all expired in one tick, leave every line empty (no signature,
 * reference or overflow count), no mapping, no conversation. */
static void test_ctx_expiry_empties_table(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_flows = 64;
  tctx *t = t_ctx_cfg(&cfg);
  const ph_flow_table *ft = &t->ctx->ft;
  tpkt p;
  for (uint16_t i = 0; i < 64; i++) {
    t_udp(&p, IN_HOST + (i & 3u), (uint16_t)(2000 + i), OUT_HOST, 37, "a");
    assert_int_equal(t_in(t, &p, SEC), 0);
  }
  assert_int_equal(ft->nbuckets, 16);
  assert_int_equal(ft->count, 128);
  uint32_t over = 0;
  for (uint32_t b = 0; b < ft->nbuckets; b++)
    over += ft->b[b].ovf != 0;
  assert_true(over > 0); /* the far removals run too */
  pinhole_usage u = {.size = sizeof(u)};
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.flows, 64);
  assert_int_equal(u.mappings, 64);
  assert_true(pinhole_tick(t->ctx, 1000 * SEC) >= 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), 64);
  assert_int_equal(ft->count, 0);
  for (uint32_t b = 0; b < ft->nbuckets; b++) {
    assert_int_equal(ft->b[b].ovf, 0);
    for (uint32_t w = 0; w < PH_FT_WAYS; w++) {
      assert_int_equal(ft->b[b].sig[w], 0);
      assert_int_equal(ft->b[b].ref[w], 0);
    }
  }
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.flows, 0);
  assert_int_equal(u.mappings, 0);
  assert_int_equal(u.conversations, 0);
  t_ctx_del(t);
}

/* max_tcp_conns: TCP windows for that many slots only. A TCP connection
 * past them is refused (counted), other protocols take the slots without
 * windows first and then the others; the memory is 32 bytes a slot less. */
static void test_ctx_tcp_windows_bounded(void **state) {
  (void)state;
  tctx *t = t_ctx_windows3();
  tpkt p;
  t_syns_windows3(t, SEC);
  t_counters(t, PINHOLE_CNT_DROP_TCP_FULL, 1, PINHOLE_CNT_DROP_FLOW_FULL, 1,
             PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_NEW_DISCARD, 1, -1);
  assert_true(t_has_event(t, "PINHOLE_TABLE_FULL"));
  /* the five slots without windows still take UDP */
  for (uint16_t i = 0; i < 5; i++) {
    t_udp(&p, IN_HOST, (uint16_t)(2000 + i), OUT_HOST, 37, "a");
    assert_int_equal(t_in(t, &p, SEC), 0);
  }
  pinhole_usage u = {.size = sizeof(u)};
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.flows, 8);
  /* full: a refusal of the table, not of the windows */
  t_udp(&p, IN_HOST, 2005, OUT_HOST, 37, "a");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_TCP_FULL), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_FLOW_FULL), 2);
  /* everything expires; UDP alone may then take every slot, windows or
   * not, and a TCP SYN finds none left */
  assert_true(pinhole_tick(t->ctx, 1000 * SEC) >= 0);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.flows, 0);
  for (uint16_t i = 0; i < 8; i++) {
    t_udp(&p, IN_HOST, (uint16_t)(4000 + i), OUT_HOST, 37, "b");
    assert_int_equal(t_in(t, &p, 1000 * SEC), 0);
  }
  t_tcp(&p, IN_HOST, 3010, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 1000 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_TCP_FULL), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_FLOW_FULL), 3);
  /* a slot with windows given back takes TCP again, with windows that
   * work: the SYN-ACK and the ACK pass, a segment outside is refused */
  assert_true(pinhole_tick(t->ctx, 2000 * SEC) >= 0);
  t_tcp(&p, IN_HOST, 3011, OUT_HOST, 80, 100, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 2000 * SEC), 0);
  pinhole_pkt_view v;
  t_view(&p, &v);
  t_tcp(&p, OUT_HOST, 80, PUB, v.sport, 700, 101,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, 2000 * SEC), 0);
  t_tcp(&p, IN_HOST, 3011, OUT_HOST, 80, 101, 701, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, 2000 * SEC), 0);
  t_tcp(&p, IN_HOST, 3011, OUT_HOST, 80, 101 + 0x40000000u, 701,
        PINHOLE_TCP_ACK, "x");
  assert_int_equal(t_in(t, &p, 2000 * SEC), PINHOLE_VERDICT_DROP);
  t_ctx_del(t);

  /* memory: 24 bytes less for each IPv4 and IPv6 slot without windows */
  pinhole_config c2;
  pinhole_config_default(&c2, sizeof(c2));
  c2.max_flows = 64;
  c2.max_conns6 = 64;
  uint64_t all = ctx_memory(&c2);
  c2.max_tcp_conns = 16;
  assert_int_equal(all - ctx_memory(&c2), 2 * 48 * 24);
  c2.max_tcp_conns = (1u << 28) + 1;
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, &c2, NULL, NULL), PINHOLE_ERR_RANGE);
}

/* The IPv6 host records of NAT64 mappings (ph_map6, 17 bytes) exist only
 * for the mapping slots NAT64 can use (2 * max_conns6 + 2 * max_pinholes):
 * more mappings cost 28 bytes each and their chain heads, no more. */
static void test_ctx_map6_bounded(void **state) {
  (void)state;
  pinhole_config c;
  pinhole_config_default(&c, sizeof(c));
  c.max_flows = 1024;
  c.max_conns6 = 16;
  c.max_pinholes = 16;
  c.max_mappings = 1024;
  uint64_t small = ctx_memory(&c);
  c.max_mappings = 2048;
  /* 1024 mappings of 28 bytes, 1024 heads in each of the two chains */
  assert_int_equal(ctx_memory(&c) - small, 1024 * 28 + 2 * 1024 * 4);
}

/* A full flow table refuses new flows and leaves existing ones alone. */
static void test_ctx_flow_table_full(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 8;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  for (uint16_t i = 0; i < 8; i++) {
    t_udp(&p, IN_HOST, (uint16_t)(2000 + i), OUT_HOST, 37, "a");
    assert_int_equal(t_in(t, &p, SEC), 0);
  }
  for (uint16_t i = 0; i < 100; i++) {
    t_tcp(&p, IN_HOST, (uint16_t)(3000 + i), OUT_HOST, 80, 1, 0,
          PINHOLE_TCP_SYN, NULL);
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  }
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_FLOW_FULL), 100);
  assert_true(t_has_event(t, "PINHOLE_TABLE_FULL"));
  t_udp(&p, OUT_HOST, 37, PUB, 2003, "reply");
  assert_int_equal(t_out(t, &p, SEC), 0);
  pinhole_usage u = {.size = sizeof(u)};
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.flows, 8);
  assert_int_equal(u.max_flows, 8);
  t_ctx_del(t);
}

/* RFC 6888 REQ-4: a per-subscriber port limit, so one host cannot take a
 * pool's ports; and REQ-12: every port allocation and release is logged. */
static void test_ctx_per_host_port_limit_and_log(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.max_ports_per_host = 3;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  for (uint16_t i = 0; i < 3; i++) {
    t_udp(&p, IN_HOST, (uint16_t)(2000 + i), OUT_HOST, 37, "q");
    assert_int_equal(t_in(t, &p, SEC), 0);
  }
  t_udp(&p, IN_HOST, 2003, OUT_HOST, 37, "q");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_HOST_LIMIT), 1);
  assert_true(t_has_event(t, "PINHOLE_NAT_PORTS_EXHAUSTED: conv=0 proto=UDP "
                             "side=inside 198.18.0.2:2003 -> 198.19.0.2:37 "
                             "rule=inside-out reason=\"per-host port limit\""));
  /* another host is not affected; an existing mapping is reused */
  t_udp(&p, IP4(198, 18, 0, 3), 2003, OUT_HOST, 37, "q");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_udp(&p, IN_HOST, 2000, IP4(198, 19, 0, 3), 37, "q");
  assert_int_equal(t_in(t, &p, SEC), 0);
  assert_true(t_has_event(t, "PINHOLE_MAPPING_CREATED: proto=UDP "
                             "198.18.0.2:2000 -> 198.19.0.1:2000"));
  /* when the mappings go, the host may map again */
  pinhole_tick(t->ctx, 400 * SEC);
  assert_true(t_has_event(t, "PINHOLE_MAPPING_RELEASED: proto=UDP "
                             "198.18.0.2:2000 -> 198.19.0.1:2000"));
  t_udp(&p, IN_HOST, 2003, OUT_HOST, 37, "q");
  assert_int_equal(t_in(t, &p, 401 * SEC), 0);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ctx_config_size_rules),
      cmocka_unit_test(test_ctx_failing_allocator),
      cmocka_unit_test(test_ctx_no_allocation_after_creation),
      cmocka_unit_test(test_ctx_two_contexts_independent),
      cmocka_unit_test(test_ctx_rule_actions),
      cmocka_unit_test(test_ctx_rule_and_pool_arguments),
      cmocka_unit_test(test_ctx_rule_alg_other_protocol),
      cmocka_unit_test(test_ctx_nat_ports_exhausted),
      cmocka_unit_test(test_ctx_flow_table_full),
      cmocka_unit_test(test_ctx_tcp_windows_bounded),
      cmocka_unit_test(test_ctx_expiry_tcp_windows_lists),
      cmocka_unit_test(test_ctx_expiry_empties_table),
      cmocka_unit_test(test_ctx_map6_bounded),
      cmocka_unit_test(test_ctx_per_host_port_limit_and_log),
      cmocka_unit_test(test_ctx_alg_port_table),
  };
  return cmocka_run_group_tests_name("scenario.ctx", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Scenarios: TCP, UDP and ICMP sessions through source NAPT and a static
 * destination NAT, packet by packet, asserting bytes, counters, listing
 * and events.
 */
#include "helpers.h"

/* RFC 4787/5382: NAPT with port preservation, replies translated back. */
static void test_nat_tcp_napt_session(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  pinhole_pkt_view v;

  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 80, 1000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 1 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 40000); /* port preserved */
  assert_int_equal(v.dst, OUT_HOST);
  assert_int_equal(v.dport, 80);
  t_check_cksums(&p);

  t_tcp(&p, OUT_HOST, 80, PUB, 40000, 5000, 1001,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, 1 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.dport, 40000);
  assert_int_equal(v.src, OUT_HOST);
  t_check_cksums(&p);

  t_tcp(&p, IN_HOST, 40000, OUT_HOST, 80, 1001, 5001, PINHOLE_TCP_ACK,
        "GET / HTTP/1.0\r\n\r\n");
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_check_cksums(&p);
  t_tcp(&p, OUT_HOST, 80, PUB, 40000, 5001, 1019, PINHOLE_TCP_ACK,
        "HTTP/1.0 200 OK\r\n\r\n");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_check_cksums(&p);

  t_listing_is(t, "Conversation: ALG protocol: none\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP 198.18.0.2:40000 -> 198.19.0.2:80         Forward  I    "
                  "      2\n"
                  "    NAT source 198.18.0.2:40000 -> 198.19.0.1:40000\n"
                  "TCP 198.19.0.2:80 -> 198.19.0.1:40000         Forward  O    "
                  "      2\n"
                  "    NAT dest 198.19.0.1:40000 -> 198.18.0.2:40000\n");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3, -1);
  assert_true(t_has_event(t,
                          "PINHOLE_RULE_ACCEPT: conv=1 proto=TCP side=inside "
                          "198.18.0.2:40000 -> 198.19.0.2:80 nat "
                          "198.19.0.1:40000 -> 198.19.0.2:80 rule=inside-out"));
  assert_true(t_has_event(t, "PINHOLE_FLOW_CREATED: conv=1"));
  t_ctx_del(t);
}

/* RFC 4787 REQ-1: the same mapping for every flow of one inside endpoint;
 * a second inside host wanting the same port gets another one. */
static void test_nat_eim_mapping(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  pinhole_pkt_view v;
  t_udp(&p, IN_HOST, 5000, OUT_HOST, 37, "q1");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.sport, 5000);
  t_udp(&p, IN_HOST, 5000, IP4(198, 19, 0, 3), 37, "q2");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 5000);
  t_udp(&p, IP4(198, 18, 0, 3), 5000, OUT_HOST, 37, "q3");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_true(v.sport != 5000);
  assert_true(v.sport >= 1024);
  t_check_cksums(&p);
  /* address-dependent filtering: an unsolicited packet to the mapping
   * from a third host is dropped and reported */
  t_udp(&p, IP4(198, 19, 0, 9), 37, PUB, 5000, "x");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "PINHOLE_UNANNOUNCED_DATA"));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_NO_RULE), 1);
  t_ctx_del(t);
}

static void test_nat_udp_listing_and_expiry(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  t_udp(&p, IN_HOST, 6000, OUT_HOST, 7000, "ping");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_check_cksums(&p);
  t_udp(&p, OUT_HOST, 7000, PUB, 6000, "pong");
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_check_cksums(&p);
  t_listing_is(t, "Conversation: ALG protocol: none\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "UDP 198.18.0.2:6000 -> 198.19.0.2:7000        Forward  I    "
                  "      1\n"
                  "    NAT source 198.18.0.2:6000 -> 198.19.0.1:6000\n"
                  "UDP 198.19.0.2:7000 -> 198.19.0.1:6000        Forward  O    "
                  "      1\n"
                  "    NAT dest 198.19.0.1:6000 -> 198.18.0.2:6000\n");
  /* RFC 4787 REQ-5: UDP mappings live at least 2 minutes (default 5) */
  assert_int_equal(pinhole_tick(t->ctx, 200 * SEC), 0);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.flows, 1);
  assert_int_equal(pinhole_tick(t->ctx, 302 * SEC), 1);
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.flows, 0);
  assert_int_equal(u.mappings, 0);
  assert_int_equal(u.conversations, 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), 1);
  assert_true(t_has_event(t, "PINHOLE_FLOW_CLOSED: conv=1"));
  t_ctx_del(t);
}

/* What an established UDP packet must leave as: p with its source (or,
 * inbound, destination) endpoint replaced and the checksums recomputed in
 * full (a UDP checksum of zero stays zero). */
static void udp_want(tpkt *w, const tpkt *p, int src, uint32_t addr,
                     uint16_t port) {
  *w = *p;
  w->p.data = w->b;
  t_put32(w->b + (src ? 12 : 16), addr);
  t_put16(w->b + (src ? 20 : 22), port);
  t_fix(w);
}

/* Established UDP through NAPT (the engine's header-only path after each
 * flow's first packet): exact bytes both ways for two inside hosts, a UDP
 * checksum of zero left zero, a checksum that computes to zero sent as all
 * ones, a flow's packet arriving on the wrong side dropped; counters. */
static void test_nat_udp_established_bytes(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p, w;
  const uint32_t in2 = IP4(198, 18, 0, 77), out2 = IP4(198, 19, 0, 200);
  for (int i = 0; i < 3; i++) {
    t_udp(&p, IN_HOST, 6000, OUT_HOST, 7000, i ? "more" : "first");
    udp_want(&w, &p, 1, PUB, 6000);
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    assert_memory_equal(p.b, w.b, p.p.len);
    t_udp(&p, in2, 41000, out2, 53001, "x");
    udp_want(&w, &p, 1, PUB, 41000);
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    assert_memory_equal(p.b, w.b, p.p.len);
    t_udp(&p, out2, 53001, PUB, 41000, "reply");
    udp_want(&w, &p, 0, in2, 41000);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    assert_memory_equal(p.b, w.b, p.p.len);
  }
  /* no checksum (RFC 768): stays none, the IP header's is updated */
  t_udp(&p, OUT_HOST, 7000, PUB, 6000, "none");
  t_put16(p.b + 26, 0);
  udp_want(&w, &p, 0, IN_HOST, 6000);
  assert_int_equal(t_get16(w.b + 26), 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_memory_equal(p.b, w.b, p.p.len);
  /* a payload whose translated checksum computes to zero: all ones */
  uint8_t pl[2] = {0, 0};
  uint32_t x;
  for (x = 0; x < 65536; x++) {
    pl[0] = (uint8_t)(x >> 8);
    pl[1] = (uint8_t)x;
    t_udp_n(&w, PUB, 41000, out2, 53001, pl, sizeof(pl));
    if (t_get16(w.b + 26) == 0xFFFF)
      break;
  }
  assert_true(x < 65536);
  t_udp_n(&p, in2, 41000, out2, 53001, pl, sizeof(pl));
  assert_int_not_equal(t_get16(p.b + 26), 0xFFFF);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_memory_equal(p.b, w.b, p.p.len);
  /* the outbound flow's packet from the outside: dropped, unchanged */
  t_udp(&p, IN_HOST, 6000, OUT_HOST, 7000, "spoof");
  w = p;
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_memory_equal(p.b, w.b, p.p.len);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_NEW_ACCEPT), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_EXIST_ACCEPT), 9);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_EXIST_DISCARD), 1);
  t_ctx_del(t);
}

static void test_nat_icmp_echo(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  pinhole_pkt_view v;
  t_echo(&p, IN_HOST, OUT_HOST, 8, 77, 1);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  uint16_t pid = v.sport;
  t_check_cksums(&p);
  t_echo(&p, OUT_HOST, PUB, 0, pid, 1);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.sport, 77);
  t_check_cksums(&p);
  /* the same request again: duplicate ping sequence */
  t_echo(&p, IN_HOST, OUT_HOST, 8, 77, 2);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_echo(&p, IN_HOST, OUT_HOST, 8, 77, 2);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ICMP_DUP_SEQ), 1);
  char *s = t_listing(t);
  assert_non_null(strstr(s, "ICMP 198.18.0.2:77 -> 198.19.0.2:77           "
                            "Forward  I          2\n"));
  free(s);
  t_ctx_del(t);
}

/* RFC 5508: an ICMP error for a translated UDP flow reaches the inside host
 * with its quoted header translated back and both checksums right. */
static void test_nat_icmp_error_translated(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p, q, out;
  pinhole_pkt_view v;
  t_udp(&p, IN_HOST, 6000, OUT_HOST, 7000, "hello");
  assert_int_equal(t_in(t, &p, SEC), 0);
  memcpy(&q, &p, sizeof(q)); /* as it left: 198.19.0.1:6000 -> :7000 */
  t_icmp_err(&out, OUT_HOST, PUB, 3, 3, q.b, 28 + 5);
  assert_int_equal(t_out(t, &out, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&out, &v);
  assert_int_equal(v.src, OUT_HOST);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.inner_src, IN_HOST);
  assert_int_equal(v.inner_sport, 6000);
  assert_int_equal(v.inner_dst, OUT_HOST);
  assert_int_equal(pinhole_cksum(out.b + v.inner_off, 20), 0);
  t_check_cksums(&out);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_UDP_PORT_SCAN), 1);
  /* an error about a flow that does not exist is dropped */
  t_udp(&p, IN_HOST, 6001, OUT_HOST, 7000, "x");
  t_icmp_err(&out, OUT_HOST, PUB, 3, 3, p.b, 28);
  assert_int_equal(t_out(t, &out, SEC), PINHOLE_VERDICT_DROP);
  t_ctx_del(t);
}

static void test_nat_static_dest(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "ssh-in");
  r.side = PINHOLE_SIDE_OUTSIDE;
  r.proto = PINHOLE_IPPROTO_TCP;
  r.dst_addr = PUB;
  r.dst_plen = 32;
  r.dport_lo = r.dport_hi = 2222;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_DEST;
  r.nat_addr = IP4(198, 18, 0, 10);
  r.nat_port = 22;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, OUT_HOST, 50000, PUB, 2222, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, IP4(198, 18, 0, 10));
  assert_int_equal(v.dport, 22);
  t_check_cksums(&p);
  t_tcp(&p, IP4(198, 18, 0, 10), 22, OUT_HOST, 50000, 9, 2,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 2222);
  t_check_cksums(&p);
  t_listing_is(t, "Conversation: ALG protocol: none\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP 198.19.0.2:50000 -> 198.19.0.1:2222       Forward  I    "
                  "      1\n"
                  "    NAT dest 198.19.0.1:2222 -> 198.18.0.10:22\n"
                  "TCP 198.18.0.10:22 -> 198.19.0.2:50000        Forward  O    "
                  "      1\n"
                  "    NAT source 198.18.0.10:22 -> 198.19.0.1:2222\n");
  t_ctx_del(t);
}

/* RFC 4787 REQ-8: with endpoint-independent filtering configured, any
 * remote reaches a live mapping; without it (the default), only the
 * remote the inside host talked to. */
static void test_nat_eif_option(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.flags |= PINHOLE_CFG_EIF;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  pinhole_pkt_view v;
  t_udp(&p, IN_HOST, 4500, OUT_HOST, 3478, "binding request");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_udp(&p, IP4(198, 19, 0, 77), 9999, PUB, 4500, "from a stranger");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.dport, 4500);
  t_check_cksums(&p);
  t_udp(&p, IN_HOST, 4500, IP4(198, 19, 0, 77), 9999, "answer");
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 4500);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.flows, 2);
  assert_int_equal(u.mappings, 1);
  pinhole_tick(t->ctx, 1000 * SEC);
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.mappings, 0);
  t_ctx_del(t);
}

/* How many of t's events name type (their formatted text's). */
static int t_nevents_of(tctx *t, const char *type) {
  int n = 0;
  for (int i = 0; i < t->nevents; i++)
    n += strstr(t->events[i], type) != NULL;
  return n;
}

/* A connection finds its mapping again by its public endpoint (no
 * reference of its own): two connections of one inside endpoint share
 * its mapping (UDP, TCP, an echo's identifier); the first to go leaves
 * it, and it still carries the other's answers; the last releases it,
 * once (one MAPPING_RELEASED event, the pool's port free again). */
static void test_nat_shared_mapping_released_once(void **state) {
  (void)state;
  static const uint8_t protos[3] = {PINHOLE_IPPROTO_UDP, PINHOLE_IPPROTO_TCP,
                                    PINHOLE_IPPROTO_ICMP};
  static const uint64_t timeouts[3] = {300, 240, 60};
  for (int k = 0; k < 3; k++) {
    uint8_t proto = protos[k];
    uint64_t to = timeouts[k]; /* the defaults */
    tctx *t = t_ctx();
    tpkt p;
    pinhole_pkt_view v;
    const uint32_t peer2 = IP4(198, 19, 0, 3);
    for (int i = 0; i < 2; i++) {
      uint32_t dst = i ? peer2 : OUT_HOST;
      if (proto == PINHOLE_IPPROTO_UDP)
        t_udp(&p, IN_HOST, 5000, dst, 3478, "q");
      else if (proto == PINHOLE_IPPROTO_TCP)
        t_tcp(&p, IN_HOST, 5000, dst, 80, 1000, 0, PINHOLE_TCP_SYN, NULL);
      else
        t_echo(&p, IN_HOST, dst, 8, 5000, 1);
      assert_int_equal(t_in(t, &p, (1 + i * to / 2) * SEC), 0);
      t_view(&p, &v);
      assert_int_equal(v.src, PUB);
    }
    uint16_t pub = v.sport;
    t_flows_maps(t, 2, 1);
    assert_int_equal(t_nevents_of(t, "MAPPING_CREATED"), 1);
    /* the first idles out: the mapping stays for the second */
    pinhole_tick(t->ctx, (1 + to + to / 4) * SEC);
    t_flows_maps(t, 1, 1);
    assert_int_equal(t_nevents_of(t, "MAPPING_RELEASED"), 0);
    if (proto == PINHOLE_IPPROTO_UDP) {
      t_udp(&p, peer2, 3478, PUB, pub, "a");
      assert_int_equal(t_out(t, &p, (1 + to + to / 4) * SEC), 0);
      t_view(&p, &v);
      assert_int_equal(v.dst, IN_HOST);
      assert_int_equal(v.dport, 5000);
    }
    /* the second goes: released once */
    assert_int_equal(pinhole_conversations_clear(t->ctx, NULL), 1);
    t_flows_maps(t, 0, 0);
    assert_int_equal(t_nevents_of(t, "MAPPING_RELEASED"), 1);
    t_ctx_del(t);
  }
}

/* Pools whose addresses and public ports meet are refused: a live
 * mapping's public endpoint is unique (a connection finds its mapping by
 * it). A removed pool counts while it holds mappings. */
static void test_nat_pool_clash_refused(void **state) {
  (void)state;
  tctx *t = t_ctx(); /* pool 0: PUB, the context's ports */
  pinhole_pool pl;
  memset(&pl, 0, sizeof(pl));
  pl.size = sizeof(pl);
  pl.addr_lo = IP4(198, 19, 0, 0);
  pl.addr_hi = IP4(198, 19, 0, 1);
  assert_int_equal(pinhole_pool_add(t->ctx, &pl), PINHOLE_ERR_EXISTS);
  pl.mode = PINHOLE_POOL_ADDRESS; /* every port */
  assert_int_equal(pinhole_pool_add(t->ctx, &pl), PINHOLE_ERR_EXISTS);
  pl.mode = PINHOLE_POOL_NAPT;
  pl.addr_hi = pl.addr_lo; /* another address */
  assert_int_equal(pinhole_pool_add(t->ctx, &pl), 1);
  /* pool 0 removed with a mapping left: still refused */
  tpkt p;
  t_udp(&p, IN_HOST, 5000, OUT_HOST, 3478, "q");
  assert_int_equal(t_in(t, &p, SEC), 0);
  assert_int_equal(pinhole_pool_del(t->ctx, 0, 0), 0);
  pl.addr_lo = pl.addr_hi = PUB;
  assert_int_equal(pinhole_pool_add(t->ctx, &pl), PINHOLE_ERR_EXISTS);
  /* its last mapping gone, its addresses may be had again */
  pinhole_tick(t->ctx, 400 * SEC);
  t_flows_maps(t, 0, 0);
  assert_int_equal(pinhole_pool_add(t->ctx, &pl), 2);
  t_ctx_del(t);
}

/* RFC 4787 REQ-9 / RFC 5382 REQ-8: hairpinning. An inside host sending to
 * another inside host's public mapping reaches it, from its own public
 * endpoint, and the answer goes back the same way. */
static void test_nat_hairpinning(void **state) {
  (void)state;
  tctx *t = t_ctx();
  const uint32_t a = IP4(198, 18, 0, 2), b = IP4(198, 18, 0, 3);
  tpkt p;
  pinhole_pkt_view v;
  t_udp(&p, b, 7777, OUT_HOST, 3478, "b registers its mapping");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&p, a, 6666, PUB, 7777, "a to b's public endpoint");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HAIRPIN);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 6666);
  assert_int_equal(v.dst, b);
  assert_int_equal(v.dport, 7777);
  t_check_cksums(&p);
  t_udp(&p, b, 7777, PUB, 6666, "b answers a's public endpoint");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HAIRPIN);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 7777);
  assert_int_equal(v.dst, a);
  assert_int_equal(v.dport, 6666);
  t_check_cksums(&p);
  /* the same from outside is refused (filtering) */
  t_udp(&p, OUT_HOST, 1, PUB, 7777, "x");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  pinhole_tick(t->ctx, 1000 * SEC);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(t->ctx, &u);
  assert_int_equal(u.flows, 0);
  assert_int_equal(u.mappings, 0);
  t_ctx_del(t);
}

/* A hairpinned connection holds its target's mapping (the target's public
 * endpoint stays reserved) after the target's own connection has ended;
 * the mapping goes when the hairpinned connection does. */
static void test_nat_hairpin_holds_target(void **state) {
  (void)state;
  tctx *t = t_ctx();
  const uint32_t a = IP4(198, 18, 0, 2), b = IP4(198, 18, 0, 3),
                 c = IP4(198, 18, 0, 4);
  tpkt p;
  pinhole_pkt_view v;
  t_udp(&p, b, 7777, OUT_HOST, 3478, "b registers its mapping");
  assert_int_equal(t_in(t, &p, 1 * SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&p, a, 6666, PUB, 7777, "a to b's public endpoint");
  assert_int_equal(t_in(t, &p, 200 * SEC), PINHOLE_VERDICT_HAIRPIN);
  t_flows_maps(t, 2, 2); /* a's and b's */
  /* b's own connection idles out (UDP 300 s); the hairpinned one holds
   * b's mapping */
  pinhole_tick(t->ctx, 350 * SEC);
  t_flows_maps(t, 1, 2);
  /* b's public port stays reserved: c's port 7777 is not given it */
  t_udp(&p, c, 7777, OUT_HOST, 3478, "c wants 7777");
  assert_int_equal(t_in(t, &p, 351 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_not_equal(v.sport, 7777);
  t_flows_maps(t, 2, 3); /* mappings: a's, b's (held), c's */
  /* b still answers a through the held mapping */
  t_udp(&p, b, 7777, PUB, 6666, "b answers a");
  assert_int_equal(t_in(t, &p, 480 * SEC), PINHOLE_VERDICT_HAIRPIN);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 7777);
  assert_int_equal(v.dst, a);
  assert_int_equal(v.dport, 6666);
  t_check_cksums(&p);
  /* c's connection ends (351 + 300): b's mapping is still held */
  pinhole_tick(t->ctx, 600 * SEC);
  pinhole_tick(t->ctx, 660 * SEC);
  t_flows_maps(t, 1, 2);
  /* the hairpinned connection ends (480 + 300): both mappings go */
  pinhole_tick(t->ctx, 810 * SEC);
  t_flows_maps(t, 0, 0);
  /* and b's public port is free again */
  t_udp(&p, c, 7777, OUT_HOST, 3479, "c again");
  assert_int_equal(t_in(t, &p, 811 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.sport, 7777);
  t_ctx_del(t);
}

/* An IPv4 fragment of a UDP datagram: offset in bytes, more fragments. */
static void frag(tpkt *p, uint32_t src, uint32_t dst, uint16_t id, uint16_t off,
                 int mf, const uint8_t *data, size_t len) {
  t_ip(p->b, 20 + len, 17, src, dst);
  t_put16(p->b + 4, id);
  t_put16(p->b + 6, (uint16_t)((mf ? 0x2000 : 0) | off / 8));
  memcpy(p->b + 20, data, len);
  p->p.data = p->b;
  p->p.len = (uint32_t)(20 + len);
  p->p.cap = sizeof(p->b);
  t_put16(p->b + 10, 0);
  t_put16(p->b + 10, pinhole_cksum(p->b, 20));
}

/* RFC 4787 REQ-14: fragments follow their first fragment's translation;
 * overlaps, oversize datagrams and incomplete datagrams are counted. */
static void test_nat_fragments(void **state) {
  (void)state;
  tctx *t = t_ctx();
  /* a 40-byte UDP datagram (8 header + 32 data) in two pieces */
  uint8_t dgram[40];
  t_put16(dgram, 7000);
  t_put16(dgram + 2, 37);
  t_put16(dgram + 4, 40);
  t_put16(dgram + 6, 0);
  for (int i = 8; i < 40; i++)
    dgram[i] = (uint8_t)i;
  tpkt p;
  pinhole_pkt_view v;
  frag(&p, IN_HOST, OUT_HOST, 99, 0, 1, dgram, 24);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 7000);
  assert_int_equal(pinhole_cksum(p.b, 20), 0);
  frag(&p, IN_HOST, OUT_HOST, 99, 24, 0, dgram + 24, 16);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.frag_off, 24);
  assert_int_equal(pinhole_cksum(p.b, 20), 0);
  pinhole_usage u = {.size = sizeof(u)};
  /* overlap: a piece covering bytes that already passed */
  frag(&p, IN_HOST, OUT_HOST, 100, 0, 1, dgram, 24);
  assert_int_equal(t_in(t, &p, SEC), 0);
  frag(&p, IN_HOST, OUT_HOST, 100, 16, 1, dgram + 16, 16);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* a later fragment whose first never came: held for it (it could be a
   * Watch connection's, core/frag_reasm.c), then timed out */
  frag(&p, IN_HOST, OUT_HOST, 101, 24, 0, dgram + 24, 16);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  /* the pieces would make a datagram over 65535 bytes */
  frag(&p, IN_HOST, OUT_HOST, 102, 65528, 0, dgram, 16);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* datagram 100 never completes: its entry times out */
  pinhole_tick(t->ctx, 12 * SEC);
  pinhole_usage_get(t->ctx, &u);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_ERR_IP, 4, PINHOLE_CNT_IP_FRAG_OVERLAP, 1,
             PINHOLE_CNT_IP_MAX_LEN, 1, PINHOLE_CNT_IP_FRAG_TIMEOUT, 2,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_TIMEOUT, 1, -1);
  t_ctx_del(t);
}

/* ---- a new connection's events, field by field ------------------------ */

/* Every event of a context, as the host was given it (the whole record). */
typedef struct evlog {
  pinhole_event ev[16];
  int n;
} evlog;

static void evlog_on(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  evlog *l = user;
  assert_true(l->n < 16);
  l->ev[l->n++] = *ev;
}

/* A context taking events into l: pool 198.19.0.7 with ports 20000-20001
 * (so that neither the address nor the port is the inside one), one NAPT
 * rule from the inside named "napt-out" (ALG by port). */
static pinhole_ctx *evlog_ctx(evlog *l) {
  pinhole_config cfg;
  t_cfg(&cfg);
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = evlog_on;
  pinhole_ctx *ctx;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, &cb, l), 0);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = IP4(198, 19, 0, 7);
  pool.port_lo = 20000;
  pool.port_hi = 20001;
  int pid = pinhole_pool_add(ctx, &pool);
  assert_true(pid >= 0);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "napt-out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pid;
  assert_int_equal(pinhole_rule_add(ctx, &r), 0);
  return ctx;
}

static void ep_is(pinhole_endpoint e, uint32_t addr, uint16_t port) {
  assert_int_equal(e.addr, addr);
  assert_int_equal(e.port, port);
  assert_int_equal(e.pad_, 0);
}

/* Every field of ev but the type, conv_id, flow_state, endpoints, rule
 * and alg: the size, time and side, and each other field zero. */
static void ev_rest_is(const pinhole_event *ev, uint64_t now, uint8_t proto) {
  static const uint8_t zero16[16];
  assert_int_equal(ev->size, sizeof(pinhole_event));
  assert_int_equal(ev->time_ns, now);
  assert_int_equal(ev->proto, proto);
  assert_int_equal(ev->side, PINHOLE_SIDE_INSIDE);
  assert_int_equal(ev->pad_, 0);
  assert_null(ev->reason);
  assert_int_equal(ev->port_lo, 0);
  assert_int_equal(ev->port_hi, 0);
  assert_int_equal(ev->limit, 0);
  assert_int_equal(ev->frames_i, 0);
  assert_int_equal(ev->frames_o, 0);
  assert_int_equal(ev->bytes_i, 0);
  assert_int_equal(ev->bytes_o, 0);
  assert_int_equal(ev->pool_id, 0);
  assert_int_equal(ev->pad2_, 0);
  assert_int_equal(ev->family, 0);
  assert_memory_equal(ev->src6, zero16, 16);
  assert_memory_equal(ev->dst6, zero16, 16);
}

/* The three events of a new connection inside src:sport -> dst:dport
 * mapped to pub:pport, at now: MAPPING_CREATED, RULE_ACCEPT and
 * FLOW_CREATED, in that order from l->ev[at]. */
static void new_conn_events_are(const evlog *l, int at, uint64_t now,
                                uint8_t proto, uint32_t src, uint16_t sport,
                                uint32_t dst, uint16_t dport, uint32_t pub,
                                uint16_t pport, uint32_t conv,
                                const char *alg) {
  const pinhole_event *m = &l->ev[at];
  assert_int_equal(m->type, PINHOLE_EVENT_MAPPING_CREATED);
  ev_rest_is(m, now, proto);
  assert_int_equal(m->conv_id, 0);
  assert_int_equal(m->flow_state, 0);
  ep_is(m->src, src, sport);
  ep_is(m->dst, 0, 0);
  ep_is(m->nat_src, pub, pport);
  ep_is(m->nat_dst, 0, 0);
  assert_null(m->rule);
  assert_null(m->alg);
  for (int i = 1; i <= 2; i++) {
    const pinhole_event *e = &l->ev[at + i];
    assert_int_equal(e->type, i == 1 ? PINHOLE_EVENT_RULE_ACCEPT
                                     : PINHOLE_EVENT_FLOW_CREATED);
    ev_rest_is(e, now, proto);
    assert_int_equal(e->conv_id, conv);
    assert_int_equal(e->flow_state, i == 1 ? 0
                                    : alg  ? PINHOLE_FLOW_WATCH
                                           : PINHOLE_FLOW_FORWARD);
    ep_is(e->src, src, sport);
    ep_is(e->dst, dst, dport);
    ep_is(e->nat_src, pub, pport);
    ep_is(e->nat_dst, dst, dport);
    assert_non_null(e->rule);
    assert_string_equal(e->rule, "napt-out");
    if (alg == NULL) {
      assert_null(e->alg);
    } else {
      assert_non_null(e->alg);
      assert_string_equal(e->alg, alg);
    }
  }
}

/* A new NAPT'd TCP connection (a plain one, then one the FTP ALG
 * watches) gives the host MAPPING_CREATED, RULE_ACCEPT and FLOW_CREATED
 * with every field as documented (pinhole.h), one per call and in a
 * burst alike. */
static void test_nat_new_conn_events(void **state) {
  (void)state;
  for (int burst = 0; burst <= 1; burst++) {
    evlog l;
    memset(&l, 0, sizeof(l));
    pinhole_ctx *ctx = evlog_ctx(&l);
    tpkt p[2];
    t_tcp(&p[0], IN_HOST, 40000, OUT_HOST, 80, 1000, 0, PINHOLE_TCP_SYN, NULL);
    t_tcp(&p[1], IP4(198, 18, 0, 3), 41000, IP4(198, 19, 0, 9), 21, 7000, 0,
          PINHOLE_TCP_SYN, NULL);
    if (burst) {
      pinhole_pkt pk[2] = {p[0].p, p[1].p};
      uint8_t vd[2];
      assert_int_equal(
          pinhole_process_burst(ctx, pk, 2, PINHOLE_SIDE_INSIDE, 3 * SEC, vd),
          2);
      assert_int_equal(vd[0], PINHOLE_VERDICT_FORWARD);
      assert_int_equal(vd[1], PINHOLE_VERDICT_FORWARD);
    } else {
      for (int i = 0; i < 2; i++)
        assert_int_equal(
            pinhole_process(ctx, &p[i].p, PINHOLE_SIDE_INSIDE, 3 * SEC),
            PINHOLE_VERDICT_FORWARD);
    }
    /* the translations the events must name */
    pinhole_pkt_view v0, v1;
    t_view(&p[0], &v0);
    t_view(&p[1], &v1);
    assert_int_equal(v0.src, IP4(198, 19, 0, 7));
    assert_int_equal(v1.src, IP4(198, 19, 0, 7));
    assert_int_equal(v0.sport, 20000);
    assert_int_equal(v1.sport, 20001);
    assert_int_equal(l.n, 6);
    new_conn_events_are(&l, 0, 3 * SEC, PINHOLE_IPPROTO_TCP, IN_HOST, 40000,
                        OUT_HOST, 80, IP4(198, 19, 0, 7), 20000, 1, NULL);
    new_conn_events_are(&l, 3, 3 * SEC, PINHOLE_IPPROTO_TCP, IP4(198, 18, 0, 3),
                        41000, IP4(198, 19, 0, 9), 21, IP4(198, 19, 0, 7),
                        20001, 2, "ftp");
    pinhole_ctx_del(ctx);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nat_tcp_napt_session),
      cmocka_unit_test(test_nat_eim_mapping),
      cmocka_unit_test(test_nat_udp_listing_and_expiry),
      cmocka_unit_test(test_nat_icmp_echo),
      cmocka_unit_test(test_nat_icmp_error_translated),
      cmocka_unit_test(test_nat_static_dest),
      cmocka_unit_test(test_nat_eif_option),
      cmocka_unit_test(test_nat_fragments),
      cmocka_unit_test(test_nat_hairpinning),
      cmocka_unit_test(test_nat_shared_mapping_released_once),
      cmocka_unit_test(test_nat_pool_clash_refused),
      cmocka_unit_test(test_nat_hairpin_holds_target),
      cmocka_unit_test(test_nat_udp_established_bytes),
      cmocka_unit_test(test_nat_new_conn_events),
  };
  return cmocka_run_group_tests_name("scenario.nat", tests, NULL, NULL);
}

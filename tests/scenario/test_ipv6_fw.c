/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stateful IPv6 firewall (no translation, docs/ipv6.md): IPv6 rules,
 * TCP both ways, a first packet from outside refused, UDP, echo, ICMPv6
 * errors matched to their flow through the quote, two addresses whose
 * folds collide, flows that differ only in an address's high bits, the
 * IPv6 table full, expiry, IPv6 off, the parse reasons' counters,
 * neighbour discovery passed or dropped, and fragmented datagrams (in
 * order, out of order, unknown, overlapping, from another host, refused,
 * no room, timed out, atomic).
 */
#include "helpers.h"
#include "helpers6.h"

#include "core/engine.h"

#include <pinhole/ipv6.h>

#define CLI "2001:db8:1::2"  /* inside client */
#define CLI2 "2001:db8:1::3" /* another one */
#define WEB "2001:db8:1::80" /* inside server the outside may reach */
#define SRV "2001:db8:2::5"  /* outside server */
#define PEER "2001:db8:2::7" /* outside client */
#define RTR "2001:db8:3::1"  /* a router on the path */

static tpkt *b6_echo(tpkt *p, const char *src, const char *dst, uint8_t type,
                     uint16_t id, uint16_t seq) {
  uint8_t s[16], d[16];
  a6(s, src);
  a6(d, dst);
  size_t o = b6_ip(p->b, s, d, PINHOLE_IP6_NH_ICMPV6, 12);
  uint8_t *m = p->b + o;
  memset(m, 0, 12);
  m[0] = type;
  t_put16(m + 4, id);
  t_put16(m + 6, seq);
  memcpy(m + 8, "ping", 4);
  b6_len(p, o + 12);
  b6_fix(p);
  return p;
}

/* An ICMPv6 error src -> dst quoting the packet q. */
static tpkt *b6_err(tpkt *p, const char *src, const char *dst, uint8_t type,
                    uint8_t code, const tpkt *q) {
  uint8_t s[16], d[16];
  a6(s, src);
  a6(d, dst);
  size_t o = b6_ip(p->b, s, d, PINHOLE_IP6_NH_ICMPV6, 8 + q->p.len);
  uint8_t *m = p->b + o;
  memset(m, 0, 8);
  m[0] = type;
  m[1] = code;
  memcpy(m + 8, q->b, q->p.len);
  b6_len(p, o + 8 + q->p.len);
  b6_fix(p);
  return p;
}

/* The tests' context (an IPv4 pool and inside-out rule as usual) with
 * max_conns6 IPv6 connections and the IPv6 rules: inside 2001:db8:1::/48
 * out, and the outside to WEB port 80. */
static tctx *ctx6(uint32_t max_conns6) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = max_conns6;
  tctx *t = t_ctx_cfg(&cfg);
  rule6(t, "v6-out", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NULL, 0, 0,
        PINHOLE_ACTION_ACCEPT);
  rule6(t, "v6-web", PINHOLE_SIDE_OUTSIDE, PINHOLE_IPPROTO_TCP, NULL, 0, WEB,
        128, 80, PINHOLE_ACTION_ACCEPT);
  return t;
}

static void test_ipv6_tcp_out(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  tpkt p;
  b6_tcp(&p, CLI, 40000, SRV, 443, PINHOLE_TCP_SYN, 1000, 0, 0);
  uint8_t before[80];
  memcpy(before, p.b, 60);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_memory_equal(p.b, before, 60); /* nothing translated */
  b6_tcp(&p, SRV, 443, CLI, 40000, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 5000,
         1001, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, 40000, SRV, 443, PINHOLE_TCP_ACK, 1001, 5001, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, 40000, SRV, 443, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 1001,
         5001, 10);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3, -1);
  t_listing_is(t, "Conversation: ALG protocol: none\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP [2001:db8:1::2]:40000 -> [2001:db8:2::5]:443 Forward  "
                  "I          3\n"
                  "TCP [2001:db8:2::5]:443 -> [2001:db8:1::2]:40000 Forward  "
                  "O          1\n");
  assert_true(t_has_event(
      t, "PINHOLE_RULE_ACCEPT: conv=1 proto=TCP side=inside "
         "[2001:db8:1::2]:40000 -> [2001:db8:2::5]:443 rule=v6-out"));
  assert_true(t_has_event(t, "PINHOLE_FLOW_CREATED: conv=1 proto=TCP "
                             "side=inside [2001:db8:1::2]:40000 -> "
                             "[2001:db8:2::5]:443 state=forward rule=v6-out"));
  int n = pinhole_conversations_format_json(t->ctx, NULL, NULL, 0);
  assert_true(n > 0);
  char *js = malloc((size_t)n + 1);
  assert_int_equal(
      pinhole_conversations_format_json(t->ctx, NULL, js, (size_t)n + 1), n);
  assert_non_null(strstr(js, "\"src\":\"2001:db8:1::2\",\"src_port\":40000,"
                             "\"dst\":\"2001:db8:2::5\",\"dst_port\":443,"
                             "\"nat_src\":\"2001:db8:1::2\",\"nat_src_port\":"
                             "40000,"));
  free(js);
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.flows, 1);
  assert_int_equal(u.flows6, 1);
  assert_int_equal(u.max_flows6, 8);
  t_ctx_del(t);
}

static void test_ipv6_tcp_in_by_rule(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  tpkt p;
  b6_tcp(&p, PEER, 51000, WEB, 80, PINHOLE_TCP_SYN, 77, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, WEB, 80, PEER, 51000, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 9000, 78,
         0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, PEER, 51000, WEB, 80, PINHOLE_TCP_ACK, 78, 9001, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the answer side's packet arriving on the wrong side is no answer */
  b6_tcp(&p, WEB, 80, PEER, 51000, PINHOLE_TCP_ACK, 9001, 78, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, -1);
  t_listing_is(t, "Conversation: ALG protocol: none\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP [2001:db8:2::7]:51000 -> [2001:db8:1::80]:80 Forward  "
                  "I          2\n"
                  "TCP [2001:db8:1::80]:80 -> [2001:db8:2::7]:51000 Forward  "
                  "O          1\n");
  t_ctx_del(t);
}

static void test_ipv6_outside_first_refused(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  tpkt p;
  /* to a host the outside rule does not name, and to WEB's other port */
  b6_tcp(&p, PEER, 51000, CLI, 22, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_tcp(&p, PEER, 51000, WEB, 81, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* an answer to nothing */
  b6_tcp(&p, SRV, 443, CLI, 40000, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 5, 6, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* from inside, a first packet that is no SYN */
  b6_tcp(&p, CLI, 40000, SRV, 443, PINHOLE_TCP_ACK, 5, 6, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* an inside address outside the rule's /48: the IPv4 rule "inside-out"
   * matches no IPv6 packet */
  b6_udp(&p, "2001:db8:9::2", 5000, SRV, 53, "q");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 5, PINHOLE_CNT_DROP_NO_RULE, 4,
             PINHOLE_CNT_ERR_TCP, 1, PINHOLE_CNT_TCP_NOT_SYN, 1, -1);
  assert_true(t_has_event(t, "PINHOLE_NO_RULE_DROP: conv=0 proto=TCP "
                             "side=outside [2001:db8:2::7]:51000 -> "
                             "[2001:db8:1::2]:22"));
  t_listing_is(t, "");
  t_ctx_del(t);
}

static void test_ipv6_udp_and_echo(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  tpkt p;
  b6_udp(&p, CLI, 5353, SRV, 53, "query");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, SRV, 53, CLI, 5353, "answer!");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* another source port of the server: no flow, no rule */
  b6_udp(&p, SRV, 54, CLI, 5353, "spoof");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_echo(&p, CLI2, SRV, PINHOLE_ICMP6_ECHO, 0x1d2e, 1);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_echo(&p, SRV, CLI2, PINHOLE_ICMP6_ECHOREPLY, 0x1d2e, 1);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the same request again: a duplicate sequence number */
  b6_echo(&p, CLI2, SRV, PINHOLE_ICMP6_ECHO, 0x1d2e, 1);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* a reply opens nothing */
  b6_echo(&p, CLI2, SRV, PINHOLE_ICMP6_ECHOREPLY, 0x2222, 1);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_NEW_DISCARD, 2, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_ICMP, 1,
             PINHOLE_CNT_ICMP_DUP_SEQ, 1, -1);
  t_listing_is(t, "Conversation: ALG protocol: none\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "UDP [2001:db8:1::2]:5353 -> [2001:db8:2::5]:53 Forward  "
                  "I          1\n"
                  "UDP [2001:db8:2::5]:53 -> [2001:db8:1::2]:5353 Forward  "
                  "O          1\n"
                  "Conversation: ALG protocol: none\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "ICMPv6 [2001:db8:1::3]:7470 -> [2001:db8:2::5]:7470 "
                  "Forward  I          1\n"
                  "ICMPv6 [2001:db8:2::5]:7470 -> [2001:db8:1::3]:7470 "
                  "Forward  O          1\n");
  t_ctx_del(t);
}

static tpkt *b6_ns(tpkt *p);

static void test_ipv6_icmp_error_to_its_flow(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  tpkt p, q;
  b6_udp(&q, CLI, 5353, SRV, 53, "query");
  assert_int_equal(t_in(t, &q, SEC), PINHOLE_VERDICT_FORWARD);
  /* a router's address unreachable about it, to the client */
  b6_err(&p, RTR, CLI, PINHOLE_ICMP6_UNREACH, 3, &q);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the server's port unreachable: passes, the port-scan signature */
  b6_err(&p, SRV, CLI, PINHOLE_ICMP6_UNREACH, 4, &q);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the same error arriving inside: not the flow's answer side */
  b6_err(&p, RTR, CLI, PINHOLE_ICMP6_UNREACH, 3, &q);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* addressed to another host than the quoted source */
  b6_err(&p, RTR, CLI2, PINHOLE_ICMP6_UNREACH, 3, &q);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* quoting a packet of no flow (another client port) */
  b6_udp(&q, CLI, 5354, SRV, 53, "query");
  b6_err(&p, RTR, CLI, PINHOLE_ICMP6_TIMXCEED, 0, &q);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* an error about an ICMPv6 message that is no echo is never passed */
  b6_ns(&q);
  b6_err(&p, RTR, "fe80::1", PINHOLE_ICMP6_UNREACH, 3, &q);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_ERR_UDP, 1, PINHOLE_CNT_UDP_PORT_SCAN, 1,
             PINHOLE_CNT_NEW_DISCARD, 2, PINHOLE_CNT_EXIST_DISCARD, 1,
             PINHOLE_CNT_ERR_ALG, 4, PINHOLE_CNT_ALG_ICMP, 4,
             PINHOLE_CNT_ERR_ICMP, 1, PINHOLE_CNT_ICMP_ERR_LEN, 1, -1);
  assert_true(t_has_event(t, "PINHOLE_ALG_ERROR: conv=0 proto=ICMPv6 "
                             "side=outside [2001:db8:3::1]:0 -> "
                             "[2001:db8:1::3]:0 reason=\"error not "
                             "addressed to the quoted source\""));
  t_ctx_del(t);
}

static void test_ipv6_fold_collision(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  uint8_t x[16], y[16];
  fold_collision(t->ctx, x, y);
  assert_memory_not_equal(x, y, 16);
  assert_int_equal(pinhole__fold6(t->ctx, x), pinhole__fold6(t->ctx, y));
  char xs[PINHOLE_ADDR6_STRLEN], ys[PINHOLE_ADDR6_STRLEN];
  assert_true(pinhole_addr6_format(x, xs, sizeof(xs)) > 0);
  assert_true(pinhole_addr6_format(y, ys, sizeof(ys)) > 0);
  /* the same ports and server: two connections all the same */
  tpkt p;
  b6_udp(&p, xs, 6000, SRV, 53, "from x");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, ys, 6000, SRV, 53, "from y");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, ys, 6000, SRV, 53, "again y");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the answers reach their own connection */
  b6_udp(&p, SRV, 53, ys, 6000, "to y");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 2, -1);
  /* both in the line form (ctx.h ph_conn_line6): told apart by the full
   * addresses in their own lines, either way */
  uint8_t srv[16];
  a6(srv, SRV);
  int dx = -1, dy = -1;
  ph_conn *cx =
      pinhole__conn6_lookup(t->ctx, PINHOLE_IPPROTO_UDP, srv, x, 53, 6000, &dx);
  ph_conn *cy =
      pinhole__conn6_lookup(t->ctx, PINHOLE_IPPROTO_UDP, y, srv, 6000, 53, &dy);
  assert_non_null(cx);
  assert_non_null(cy);
  assert_ptr_not_equal(cx, cy);
  assert_int_equal(dx, 1);
  assert_int_equal(dy, 0);
  assert_true(ph_conn_line6(cx) && ph_conn_line6(cy));
  assert_memory_equal(cx->a_src6, x, 16);
  assert_memory_equal(cy->a_src6, y, 16);
  assert_int_equal(cx->frames[0] + cx->frames[1], 1);
  assert_int_equal(cy->frames[0] + cy->frames[1], 3);
  char want[1024];
  snprintf(want, sizeof(want),
           "Conversation: ALG protocol: none\n"
           "  Number of initiators: 1, Number of responders: 1\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "UDP [%s]:6000 -> [2001:db8:2::5]:53 Forward  I          1\n"
           "UDP [2001:db8:2::5]:53 -> [%s]:6000 Forward  O          0\n"
           "Conversation: ALG protocol: none\n"
           "  Number of initiators: 1, Number of responders: 1\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "UDP [%s]:6000 -> [2001:db8:2::5]:53 Forward  I          2\n"
           "UDP [2001:db8:2::5]:53 -> [%s]:6000 Forward  O          1\n",
           xs, xs, ys, ys);
  t_listing_is(t, want);
  t_ctx_del(t);
}

static void test_ipv6_high_bits_only(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  tpkt p;
  /* 2001:db8:1::2 and 2001:db8:1:8000::2 differ in bit 48 alone */
  b6_tcp(&p, CLI, 40000, SRV, 80, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, "2001:db8:1:8000::2", 40000, SRV, 80, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the server answers the second one only */
  b6_tcp(&p, SRV, 80, "2001:db8:1:8000::2", 40000,
         PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 700, 2, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
  char *s = t_listing(t);
  assert_non_null(strstr(s, "TCP [2001:db8:2::5]:80 -> [2001:db8:1::2]:40000 "
                            "Forward  O          0\n"));
  assert_non_null(strstr(s,
                         "TCP [2001:db8:2::5]:80 -> "
                         "[2001:db8:1:8000::2]:40000 Forward  O          1\n"));
  free(s);
  t_ctx_del(t);
}

static void test_ipv6_table_full(void **state) {
  (void)state;
  tctx *t = ctx6(2);
  tpkt p;
  b6_udp(&p, CLI, 7001, SRV, 53, "1");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, CLI, 7002, SRV, 53, "2");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, CLI, 7003, SRV, 53, "3");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* IPv4 keeps its own slots */
  tpkt q;
  t_udp(&q, IN_HOST, 7003, OUT_HOST, 5000, "4");
  assert_int_equal(t_in(t, &q, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_FLOW_FULL, 1, -1);
  assert_true(t_has_event(t, "PINHOLE_TABLE_FULL: conv=0 proto=UDP "
                             "side=inside [2001:db8:1::2]:7003 -> "
                             "[2001:db8:2::5]:53 reason=\"IPv6 flow table "
                             "full\""));
  /* idle past the UDP timeout (300 s): both expire, a slot is free */
  assert_true(pinhole_tick(t->ctx, 302 * SEC) >= 0);
  b6_udp(&p, CLI, 7003, SRV, 53, "3");
  assert_int_equal(t_in(t, &p, 303 * SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 4, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_FLOW_FULL, 1, PINHOLE_CNT_FLOWS_EXPIRED, 3, -1);
  t_ctx_del(t);
}

static void test_ipv6_off(void **state) {
  (void)state;
  tctx *t = ctx6(0);
  tpkt p;
  b6_tcp(&p, CLI, 40000, SRV, 443, PINHOLE_TCP_SYN, 1000, 0, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_udp(&p, CLI, 5353, SRV, 53, "query");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_ERR_IP, 2, PINHOLE_CNT_IP_NON_IPV4, 2, -1);
  t_listing_is(t, "");
  t_ctx_del(t);
}

/* One packet p from inside, dropped with exactly these counters. */
static void dropped_as(tpkt *p, int c1, int c2) {
  tctx *t = ctx6(8);
  assert_int_equal(t_in(t, p, SEC), PINHOLE_VERDICT_DROP);
  if (c1 == c2)
    t_counters(t, c1, 1, -1);
  else
    t_counters(t, c1, 1, c2, 1, -1);
  t_ctx_del(t);
}

static void test_ipv6_reasons_counted(void **state) {
  (void)state;
  tpkt p;
  b6_udp(&p, CLI, 5353, SRV, 53, "query");
  p.p.len = 39; /* no whole IPv6 header */
  dropped_as(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_MIN_HDR);
  b6_udp(&p, CLI, 5353, SRV, 53, "query");
  t_put16(p.b + 4, 200); /* payload length past the buffer */
  dropped_as(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LEN);
  b6_udp(&p, CLI, 5353, SRV, 53, "query");
  p.b[7] = 0; /* hop limit */
  dropped_as(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_TTL_ZERO);
  b6_udp(&p, CLI, 5353, SRV, 53, "query");
  memcpy(p.b + 24, p.b + 8, 16); /* land */
  dropped_as(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_LAND);
  b6_udp(&p, CLI, 5353, SRV, 53, "query");
  p.b[8] = 0xff; /* a multicast source */
  dropped_as(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_SRC);
  b6_udp(&p, CLI, 5353, SRV, 53, "query");
  t_put16(p.b + 46, 0); /* UDP checksum 0 */
  dropped_as(&p, PINHOLE_CNT_ERR_UDP, PINHOLE_CNT_UDP6_CKSUM_ZERO);

  /* a first fragment: 8-byte fragment header, M set, offset 0 */
  uint8_t s[16], d[16];
  a6(s, CLI);
  a6(d, SRV);
  size_t o = b6_ip(p.b, s, d, PINHOLE_IP6_NH_FRAGMENT, 8 + 16);
  uint8_t *f = p.b + o;
  memset(f, 0, 8 + 16);
  f[0] = PINHOLE_IPPROTO_UDP;
  t_put16(f + 2, 1); /* offset 0, M */
  t_put32(f + 4, 0xabcd);
  t_put16(f + 8, 5353);
  t_put16(f + 10, 53);
  t_put16(f + 12, 40);
  t_put16(f + 14, 0x1234);
  b6_len(&p, o + 24);
  f[0] = PINHOLE_IPPROTO_TCP; /* claims TCP: the chain lacks its header */
  dropped_as(&p, PINHOLE_CNT_ERR_IP, PINHOLE_CNT_IP_FRAG_LEN);
  t_put16(f + 2, 17); /* a later TCP one (offset 16) of no datagram: only */
  dropped_as(&p, PINHOLE_CNT_FRAGMENTS, /* UDP pieces are held */
             PINHOLE_CNT_FRAGMENTS);
  f[0] = PINHOLE_IPPROTO_UDP;

  /* a routing header of type 0 (RFC 5095): IPv6's source route */
  o = b6_ip(p.b, s, d, PINHOLE_IP6_NH_ROUTING, 24 + 8);
  uint8_t *r = p.b + o;
  memset(r, 0, 24 + 8);
  r[0] = PINHOLE_IPPROTO_UDP;
  r[1] = 2; /* 24 bytes */
  r[2] = 0; /* type 0 */
  r[3] = 1; /* segments left */
  t_put16(r + 24, 5353);
  t_put16(r + 26, 53);
  t_put16(r + 28, 8);
  t_put16(r + 30, 0x1234);
  b6_len(&p, o + 32);
  dropped_as(&p, PINHOLE_CNT_DROP_IP_OPTION, PINHOLE_CNT_DROP_IP_OPTION);
}

/* A neighbour solicitation fe80::1 -> ff02::1:ff00:2 for 2001:db8:1::2. */
static tpkt *b6_ns(tpkt *p) {
  uint8_t s[16], d[16];
  a6(s, "fe80::1");
  a6(d, "ff02::1:ff00:2");
  size_t o = b6_ip(p->b, s, d, PINHOLE_IP6_NH_ICMPV6, 24);
  p->b[7] = 255;
  uint8_t *m = p->b + o;
  memset(m, 0, 24);
  m[0] = PINHOLE_ICMP6_NEIGH_SOL;
  a6(m + 8, CLI);
  b6_len(p, o + 24);
  b6_fix(p);
  return p;
}

static void test_ipv6_nd_pass_or_drop(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  tpkt p;
  assert_int_equal(t_out(t, b6_ns(&p), SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, -1);
  t_listing_is(t, "");
  t_ctx_del(t);

  /* the same type routed (hop limit 64: not from the link) is an
   * ordinary ICMPv6 message: no rule */
  t = ctx6(8);
  b6_ns(&p)->b[7] = 64;
  b6_fix(&p);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1, -1);
  /* MLD: a listener query from fe80::1 with hop limit 1 passes; from a
   * global source, or with another hop limit, it does not */
  static const struct {
    const char *src;
    uint8_t hlim;
    int verdict;
  } mld[] = {{"fe80::1", 1, PINHOLE_VERDICT_FORWARD},
             {"2001:db8:2::9", 1, PINHOLE_VERDICT_DROP},
             {"fe80::1", 64, PINHOLE_VERDICT_DROP}};
  for (size_t i = 0; i < sizeof(mld) / sizeof(mld[0]); i++) {
    uint8_t src[16], dst[16];
    a6(src, mld[i].src);
    a6(dst, "ff02::1");
    size_t o = b6_ip(p.b, src, dst, PINHOLE_IP6_NH_ICMPV6, 24);
    p.b[7] = mld[i].hlim;
    memset(p.b + o, 0, 24);
    p.b[o] = 130; /* multicast listener query */
    b6_len(&p, o + 24);
    b6_fix(&p);
    assert_int_equal(t_out(t, &p, SEC), mld[i].verdict);
  }
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 3, PINHOLE_CNT_DROP_NO_RULE, 3, -1);
  t_listing_is(t, "");
  t_ctx_del(t);

  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 8;
  cfg.flags |= PINHOLE_CFG_IP6_ND_DROP;
  t = t_ctx_cfg(&cfg);
  assert_int_equal(t_out(t, b6_ns(&p), SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1, -1);
  t_ctx_del(t);
}

static void test_ipv6_rule_checks(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.family = 6;
  r.src_plen = 129;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  r.src_plen = 64;
  r.nat = PINHOLE_NAT_SOURCE; /* no NAT for IPv6 */
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  r.nat = PINHOLE_NAT_NONE;
  snprintf(r.alg, sizeof(r.alg), "dns"); /* an ALG that knows no IPv6 */
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  snprintf(r.alg, sizeof(r.alg), "ftp"); /* one that does (test_ipv6_alg) */
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 3);
  snprintf(r.alg, sizeof(r.alg), "none");
  r.family = 5;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  r.family = 6;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 4);
  /* an IPv4 rule's plen stays at most 32 */
  r.family = 4;
  r.src_plen = 33;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  t_ctx_del(t);
}

/* pk[0..nin) through one burst from inside, then pk[nin..nin+nout)
 * from outside; their verdicts in vd. */
static void burst_in_out(tctx *t, tpkt *p, size_t nin, size_t nout,
                         uint8_t *vd) {
  pinhole_pkt pk[8];
  assert_true(nin + nout <= 8);
  for (size_t i = 0; i < nin + nout; i++)
    pk[i] = p[i].p;
  assert_int_equal(
      pinhole_process_burst(t->ctx, pk, nin, PINHOLE_SIDE_INSIDE, SEC, vd),
      (int)nin);
  assert_int_equal(pinhole_process_burst(t->ctx, pk + nin, nout,
                                         PINHOLE_SIDE_OUTSIDE, SEC, vd + nin),
                   (int)nout);
}

/* A burst mixing both families: each packet as pinhole_process() would. */
static void test_ipv6_burst(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  tpkt p[4];
  b6_udp(&p[0], CLI, 5353, SRV, 53, "query");
  t_udp(&p[1], IN_HOST, 7003, OUT_HOST, 5000, "v4");
  b6_udp(&p[2], CLI, 5353, SRV, 53, "again");
  b6_udp(&p[3], PEER, 5353, CLI, 53, "no rule");
  uint8_t vd[4];
  burst_in_out(t, p, 3, 1, vd);
  assert_int_equal(vd[0], PINHOLE_VERDICT_FORWARD);
  assert_int_equal(vd[1], PINHOLE_VERDICT_FORWARD);
  assert_int_equal(vd[2], PINHOLE_VERDICT_FORWARD);
  assert_int_equal(vd[3], PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1, -1);
  t_ctx_del(t);
}

/* The burst look-ahead (process.c ph_hint_make6) of two hosts whose
 * addresses fold alike, with the same ports and server: their hints are
 * the same folded tuple and hash, and the full addresses still pick each
 * packet's own connection, in both directions. */
static void test_ipv6_burst_fold_collision(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  uint8_t x[16], y[16];
  char xs[PINHOLE_ADDR6_STRLEN], ys[PINHOLE_ADDR6_STRLEN];
  fold_collision_text(t->ctx, x, y, xs, ys);
  tpkt p[6];
  b6_udp(&p[0], xs, 6000, SRV, 53, "x one");
  b6_udp(&p[1], ys, 6000, SRV, 53, "y one");
  b6_udp(&p[2], ys, 6000, SRV, 53, "y two");
  b6_udp(&p[3], xs, 6000, SRV, 53, "x two");
  b6_udp(&p[4], SRV, 53, ys, 6000, "to y");
  b6_udp(&p[5], SRV, 53, xs, 6000, "to x");
  uint8_t vd[6];
  burst_in_out(t, p, 4, 2, vd);
  for (int i = 0; i < 6; i++)
    assert_int_equal(vd[i], PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 4, -1);
  /* each connection counted its own packets: 2 out, 1 back */
  int dir;
  ph_conn *cx = pinhole__conn6_lookup(t->ctx, PINHOLE_IPPROTO_UDP, x,
                                      p[0].b + 24, 6000, 53, &dir);
  ph_conn *cy = pinhole__conn6_lookup(t->ctx, PINHOLE_IPPROTO_UDP, y,
                                      p[0].b + 24, 6000, 53, &dir);
  assert_non_null(cx);
  assert_non_null(cy);
  assert_ptr_not_equal(cx, cy);
  assert_int_equal(cx->frames[0], 2);
  assert_int_equal(cx->frames[1], 1);
  assert_int_equal(cy->frames[0], 2);
  assert_int_equal(cy->frames[1], 1);
  t_ctx_del(t);
}

/* A reject rule answers: a TCP RST (RFC 9293 sec. 3.10.7.1) or ICMPv6
 * destination unreachable, code 1 (RFC 4443 sec. 3.1), quoting the
 * packet, sent back through emit on the side it came from; nothing for
 * an RST or to a multicast destination. The expected bytes are laid out
 * here, the checksums computed by the test's own sum. */
static uint16_t sum6(const uint8_t *ip, size_t len) {
  /* RFC 8200 sec. 8.1: pseudo-header (addresses, length, next header) */
  uint32_t s = 0;
  for (size_t i = 8; i < 40; i += 2)
    s += (uint32_t)ip[i] << 8 | ip[i + 1];
  s += (uint32_t)(len - 40) + ip[6];
  for (size_t i = 40; i < len; i += 2)
    s += (uint32_t)ip[i] << 8 | (i + 1 < len ? ip[i + 1] : 0);
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

static void test_ipv6_reject_answers(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  rule6(t, "v6-no-telnet", PINHOLE_SIDE_OUTSIDE, 0, NULL, 0, WEB, 128, 23,
        PINHOLE_ACTION_REJECT);
  tpkt p;
  uint8_t want[1400], peer[16], web[16];
  a6(peer, PEER);
  a6(web, WEB);
  /* a SYN: RST+ACK, ack = seq + 1, from WEB:23 to PEER:41000 */
  b6_tcp(&p, PEER, 41000, WEB, 23, PINHOLE_TCP_SYN, 7000, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(t->nemitted, 1);
  assert_int_equal(t->emitted_side, PINHOLE_SIDE_OUTSIDE);
  memset(want, 0, 60);
  want[0] = 0x60;
  want[5] = 20;
  want[6] = PINHOLE_IPPROTO_TCP;
  want[7] = 64;
  memcpy(want + 8, web, 16);
  memcpy(want + 24, peer, 16);
  t_put16(want + 40, 23);
  t_put16(want + 42, 41000);
  t_put32(want + 48, 7001);
  want[52] = 5 << 4;
  want[53] = PINHOLE_TCP_RST | PINHOLE_TCP_ACK;
  t_put16(want + 56, sum6(want, 60));
  assert_int_equal(t->emitted_len, 60);
  assert_memory_equal(t->emitted, want, 60);
  /* an ACK segment: RST with seq = its ack */
  b6_tcp(&p, PEER, 41001, WEB, 23, PINHOLE_TCP_ACK, 7000, 99999, 5);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(t->nemitted, 2);
  assert_int_equal(t->emitted[53], PINHOLE_TCP_RST);
  assert_int_equal(t->emitted[44] << 24 | t->emitted[45] << 16 |
                       t->emitted[46] << 8 | t->emitted[47],
                   99999);
  /* an RST: refused, no answer */
  b6_tcp(&p, PEER, 41002, WEB, 23, PINHOLE_TCP_RST, 7000, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(t->nemitted, 2);
  /* UDP: ICMPv6 type 1 code 1 quoting the whole datagram */
  b6_udp(&p, PEER, 5353, WEB, 23, "hello");
  size_t n = p.p.len;
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(t->nemitted, 3);
  memset(want, 0, 48);
  want[0] = 0x60;
  t_put16(want + 4, (uint16_t)(8 + n));
  want[6] = PINHOLE_IP6_NH_ICMPV6;
  want[7] = 64;
  memcpy(want + 8, web, 16);
  memcpy(want + 24, peer, 16);
  want[40] = 1;
  want[41] = 1;
  memcpy(want + 48, p.b, n);
  t_put16(want + 42, sum6(want, 48 + n));
  assert_int_equal(t->emitted_len, 48 + n);
  assert_memory_equal(t->emitted, want, 48 + n);
  /* a large datagram: the quote stops where the error is 1280 bytes */
  char big[1301];
  memset(big, 'x', 1300);
  big[1300] = 0;
  b6_udp(&p, PEER, 5354, WEB, 23, big);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(t->nemitted, 4);
  assert_int_equal(t->emitted_len, 1280);
  assert_memory_equal(t->emitted + 48, p.b, 1280 - 48);
  t_counters(t, PINHOLE_CNT_NEW_REJECT, 5, -1);
  t_ctx_del(t);
}

/* ---- fragments (core/frag6.c) ---------------------------------------- */

/* A UDP datagram src:sport -> dst:dport with a 40-byte payload: its
 * fragmentable part (UDP header and payload, checksum set) into part;
 * returns its length, 48. */
static size_t d6_udp(uint8_t part[64], const char *src, uint16_t sport,
                     const char *dst, uint16_t dport, char tag) {
  char pl[41];
  memset(pl, tag, 40);
  pl[40] = '\0';
  tpkt w;
  b6_udp(&w, src, sport, dst, dport, pl);
  memcpy(part, w.b + 40, 48);
  return 48;
}

/* A fragment src -> dst of a datagram whose fragmentable part is part:
 * bytes [off, off + n), identification id, M set when more. */
static tpkt *b6_frag(tpkt *p, const char *src, const char *dst, uint32_t id,
                     const uint8_t *part, size_t off, size_t n, int more) {
  uint8_t s[16], d[16];
  a6(s, src);
  a6(d, dst);
  size_t o = b6_ip(p->b, s, d, PINHOLE_IP6_NH_FRAGMENT, 8 + n);
  uint8_t *f = p->b + o;
  f[0] = PINHOLE_IPPROTO_UDP;
  f[1] = 0;
  t_put16(f + 2, (uint16_t)(off | (more ? 1u : 0u)));
  t_put32(f + 4, id);
  memcpy(f + 8, part + off, n);
  b6_len(p, o + 8 + n);
  return p;
}

/* Fragment k (0, 1, 2) of the datagram part cut in three 16-byte pieces. */
static tpkt *b6_third(tpkt *p, const char *src, const char *dst, uint32_t id,
                      const uint8_t *part, int k) {
  return b6_frag(p, src, dst, id, part, 16u * (size_t)k, 16, k < 2);
}

static uint32_t frags_in_use(tctx *t) {
  pinhole_usage u;
  t_usage(t, &u);
  return u.fragments;
}

/* Sends fragment p from inside; asserts the verdict and, when forwarded,
 * that its bytes are untouched. */
static void frag_in(tctx *t, tpkt *p, uint64_t now, int want) {
  uint8_t before[sizeof(p->b)];
  uint32_t len = p->p.len;
  memcpy(before, p->b, len);
  assert_int_equal(t_in(t, p, now), want);
  if (want == PINHOLE_VERDICT_FORWARD) {
    assert_int_equal(p->p.len, len);
    assert_memory_equal(p->b, before, len);
  }
}

static const char *const frag_listing =
    "Conversation: ALG protocol: none\n"
    "  Number of initiators: 1, Number of responders: 1\n"
    "Flow                                          State    Dir  Frm count\n"
    "UDP [2001:db8:1::2]:5353 -> [2001:db8:2::5]:53 Forward  I          3\n"
    "UDP [2001:db8:2::5]:53 -> [2001:db8:1::2]:5353 Forward  O          1\n";

static void test_ipv6_frag_in_order(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  uint8_t d[64];
  d6_udp(d, CLI, 5353, SRV, 53, 'q');
  tpkt p;
  frag_in(t, b6_third(&p, CLI, SRV, 0x10203040u, d, 0), SEC,
          PINHOLE_VERDICT_FORWARD);
  assert_int_equal(frags_in_use(t), 1);
  frag_in(t, b6_third(&p, CLI, SRV, 0x10203040u, d, 1), SEC,
          PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_third(&p, CLI, SRV, 0x10203040u, d, 2), SEC,
          PINHOLE_VERDICT_FORWARD);
  assert_int_equal(frags_in_use(t), 0); /* whole: the entry is gone */
  /* the answer in one piece, from the outside */
  b6_udp(&p, SRV, 53, CLI, 5353, "answer");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3, -1);
  t_listing_is(t, frag_listing);
  t_ctx_del(t);
}

static void test_ipv6_frag_out_of_order(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  uint8_t d[64];
  d6_udp(d, CLI, 5353, SRV, 53, 'q');
  tpkt p;
  /* first, last, middle: the first decides, the others follow */
  frag_in(t, b6_third(&p, CLI, SRV, 77, d, 0), SEC, PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_third(&p, CLI, SRV, 77, d, 2), SEC, PINHOLE_VERDICT_FORWARD);
  assert_int_equal(frags_in_use(t), 1);
  frag_in(t, b6_third(&p, CLI, SRV, 77, d, 1), SEC, PINHOLE_VERDICT_FORWARD);
  assert_int_equal(frags_in_use(t), 0);
  b6_udp(&p, SRV, 53, CLI, 5353, "answer");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3, -1);
  t_listing_is(t, frag_listing);
  /* last, middle, first (id 78): pieces before their first fragment are
   * held (orphans); the first one passes, the held ones leave through
   * emit ahead of it, untouched, in the order they came, and the
   * datagram is whole: its entry is gone */
  tpkt sent[2];
  b6_third(&sent[0], CLI, SRV, 78, d, 2);
  b6_third(&sent[1], CLI, SRV, 78, d, 1);
  t->nelog = 0;
  for (int i = 0; i < 2; i++) {
    p = sent[i];
    frag_in(t, &p, 2 * SEC, PINHOLE_VERDICT_HELD);
  }
  assert_int_equal(t->nelog, 0);
  frag_in(t, b6_third(&p, CLI, SRV, 78, d, 0), 2 * SEC,
          PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t->nelog, 2);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(t->elog_side[i], PINHOLE_SIDE_OUTSIDE);
    assert_int_equal(t->elog_len[i], sent[i].p.len);
    assert_memory_equal(t->elog[i], sent[i].b, sent[i].p.len);
  }
  assert_int_equal(frags_in_use(t), 0);
  assert_true(pinhole_tick(t->ctx, 13 * SEC) >= 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_REASM_HELD, 1, -1);
  t_ctx_del(t);
}

static void test_ipv6_frag_unknown_and_timeout(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  uint8_t d[64];
  d6_udp(d, CLI, 5353, SRV, 53, 'q');
  tpkt p;
  /* a piece of a datagram never seen: held as an orphan until
   * hold_timeout_ms (3 s) has passed, then counted, nothing sent */
  frag_in(t, b6_third(&p, CLI, SRV, 5, d, 1), SEC, PINHOLE_VERDICT_HELD);
  assert_int_equal(frags_in_use(t), 1);
  t_counters(t, PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_REASM_HELD, 1, -1);
  assert_true(pinhole_tick(t->ctx, 5 * SEC) >= 0);
  assert_int_equal(frags_in_use(t), 0);
  assert_int_equal(t->nemitted, 0);
  t_counters(t, PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_TIMEOUT, 1, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_FRAG_TIMEOUT, 1, -1);
  /* a first fragment, then its rest after frag_timeout_ms (10 s) */
  frag_in(t, b6_third(&p, CLI, SRV, 6, d, 0), 5 * SEC, PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_third(&p, CLI, SRV, 6, d, 1), 14 * SEC,
          PINHOLE_VERDICT_FORWARD);
  /* past the deadline (rounded up to the wheel's ticks) the entry is dead
   * even before a tick removes it: the late piece finds none and is held
   * as an orphan, which never leaves */
  frag_in(t, b6_third(&p, CLI, SRV, 6, d, 2), 17 * SEC, PINHOLE_VERDICT_HELD);
  assert_int_equal(frags_in_use(t), 2);
  assert_true(pinhole_tick(t->ctx, 17 * SEC) >= 0);
  assert_int_equal(frags_in_use(t), 1);
  assert_true(pinhole_tick(t->ctx, 21 * SEC) >= 0);
  assert_int_equal(frags_in_use(t), 0);
  assert_int_equal(t->nemitted, 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_REASM_HELD, 2, PINHOLE_CNT_REASM_TIMEOUT, 2,
             PINHOLE_CNT_ERR_IP, 3, PINHOLE_CNT_IP_FRAG_TIMEOUT, 3, -1);
  t_ctx_del(t);
}

/* Pieces with a hop-by-hop and a destination options header before the
 * fragment header (RFC 8200 sec. 4.1 order), last, first, middle: the
 * last is held, the first passes and the held one leaves through emit
 * with its own headers, untouched; the middle follows. Then an overlap
 * between two held pieces (RFC 5722) drops the datagram, its first
 * fragment included. */
static void test_ipv6_frag_ext_headers_reordered(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  tpkt w, p, last;
  char pl[41];
  memset(pl, 'e', 40);
  pl[40] = '\0';
  b6_udp(&w, CLI, 5353, SRV, 53, pl);
  t->nelog = 0;
  t6_frag6_ext(&last, &w, 32, 16, 0, 0xe0e0u);
  p = last;
  frag_in(t, &p, SEC, PINHOLE_VERDICT_HELD);
  frag_in(t, t6_frag6_ext(&p, &w, 0, 16, 1, 0xe0e0u), SEC,
          PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t->nelog, 1);
  assert_int_equal(t->elog_len[0], last.p.len);
  assert_memory_equal(t->elog[0], last.b, last.p.len);
  frag_in(t, t6_frag6_ext(&p, &w, 16, 16, 1, 0xe0e0u), SEC,
          PINHOLE_VERDICT_FORWARD);
  assert_int_equal(frags_in_use(t), 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_REASM_HELD, 1, -1);
  /* held [16, 32) and [24, 48): overlap */
  frag_in(t, t6_frag6_ext(&p, &w, 16, 16, 1, 0xe0e1u), SEC,
          PINHOLE_VERDICT_HELD);
  frag_in(t, t6_frag6_ext(&p, &w, 24, 24, 0, 0xe0e1u), SEC,
          PINHOLE_VERDICT_DROP);
  frag_in(t, t6_frag6_ext(&p, &w, 0, 16, 1, 0xe0e1u), SEC,
          PINHOLE_VERDICT_DROP);
  assert_int_equal(t->nelog, 1);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_REASM_HELD, 2, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_FRAG_OVERLAP, 1, PINHOLE_CNT_FRAGMENTS, 1, -1);
  t_ctx_del(t);
}

/* RFC 5722: an overlapping piece drops the whole datagram. */
static void test_ipv6_frag_overlap(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  uint8_t d[64];
  d6_udp(d, CLI, 5353, SRV, 53, 'q');
  tpkt p;
  frag_in(t, b6_third(&p, CLI, SRV, 9, d, 0), SEC, PINHOLE_VERDICT_FORWARD);
  /* [8, 24) overlaps the first piece */
  frag_in(t, b6_frag(&p, CLI, SRV, 9, d, 8, 16, 1), SEC, PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_FRAG_OVERLAP, 1, -1);
  /* the rest of the datagram, even clean pieces, is dropped with it */
  frag_in(t, b6_third(&p, CLI, SRV, 9, d, 1), SEC, PINHOLE_VERDICT_DROP);
  frag_in(t, b6_third(&p, CLI, SRV, 9, d, 2), SEC, PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_FRAG_OVERLAP, 1, PINHOLE_CNT_FRAGMENTS, 2, -1);
  /* a first fragment sent twice (id 10) */
  frag_in(t, b6_third(&p, CLI, SRV, 10, d, 0), SEC, PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_third(&p, CLI, SRV, 10, d, 0), SEC, PINHOLE_VERDICT_DROP);
  frag_in(t, b6_third(&p, CLI, SRV, 10, d, 0), SEC, PINHOLE_VERDICT_DROP);
  /* an end that disagrees (id 11): the last piece ends at 48, a piece
   * past it follows */
  frag_in(t, b6_third(&p, CLI, SRV, 11, d, 0), SEC, PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_third(&p, CLI, SRV, 11, d, 2), SEC, PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_frag(&p, CLI, SRV, 11, d, 48, 8, 0), SEC, PINHOLE_VERDICT_DROP);
  frag_in(t, b6_third(&p, CLI, SRV, 11, d, 1), SEC, PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_ERR_IP, 3, PINHOLE_CNT_IP_FRAG_OVERLAP, 3,
             PINHOLE_CNT_FRAGMENTS, 4, -1);
  t_ctx_del(t);
}

/* A piece from another host with the same identification (and one
 * whose address folds like the sender's) is no piece of the datagram. */
static void test_ipv6_frag_other_host(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  uint8_t x[16], y[16];
  char xs[PINHOLE_ADDR6_STRLEN], ys[PINHOLE_ADDR6_STRLEN];
  fold_collision_text(t->ctx, x, y, xs, ys);
  uint8_t d[64];
  d6_udp(d, xs, 6000, SRV, 53, 'x');
  tpkt p;
  frag_in(t, b6_third(&p, xs, SRV, 42, d, 0), SEC, PINHOLE_VERDICT_FORWARD);
  /* not the datagram's: each an orphan of a datagram of its own */
  frag_in(t, b6_third(&p, ys, SRV, 42, d, 1), SEC, PINHOLE_VERDICT_HELD);
  frag_in(t, b6_third(&p, CLI2, SRV, 42, d, 1), SEC, PINHOLE_VERDICT_HELD);
  frag_in(t, b6_third(&p, xs, RTR, 42, d, 1), SEC, PINHOLE_VERDICT_HELD);
  /* the same host's piece from the wrong side */
  b6_third(&p, xs, SRV, 42, d, 1);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(frags_in_use(t), 5);
  /* the sender's own pieces still pass */
  frag_in(t, b6_third(&p, xs, SRV, 42, d, 1), SEC, PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_third(&p, xs, SRV, 42, d, 2), SEC, PINHOLE_VERDICT_FORWARD);
  assert_int_equal(frags_in_use(t), 4);
  assert_int_equal(t->nemitted, 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_REASM_HELD, 4, -1);
  t_ctx_del(t);
}

/* The first fragment refused by the rules: its followers are dropped. */
static void test_ipv6_frag_first_refused(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  uint8_t d[64];
  d6_udp(d, PEER, 7000, CLI, 53, 'o');
  tpkt p;
  /* refused: no entry is kept; the pieces after it are orphans */
  for (int k = 0; k < 3; k++) {
    b6_third(&p, PEER, CLI, 3, d, k);
    assert_int_equal(t_out(t, &p, SEC),
                     k == 0 ? PINHOLE_VERDICT_DROP : PINHOLE_VERDICT_HELD);
  }
  assert_int_equal(frags_in_use(t), 1);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 2, PINHOLE_CNT_REASM_HELD, 1, -1);
  /* the first fragment again, refused again: the held pieces go with
   * it (not matched), and the rest of the datagram until the deadline */
  b6_third(&p, PEER, CLI, 3, d, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_third(&p, PEER, CLI, 3, d, 2);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t->nemitted, 0);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 2, PINHOLE_CNT_DROP_NO_RULE, 2,
             PINHOLE_CNT_EXIST_ACCEPT, 2, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_FRAGMENTS, 2, -1);
  assert_true(pinhole_tick(t->ctx, 5 * SEC) >= 0);
  assert_int_equal(frags_in_use(t), 0);
  t_listing_is(t, "");
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 2, PINHOLE_CNT_DROP_NO_RULE, 2,
             PINHOLE_CNT_EXIST_ACCEPT, 2, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_FRAGMENTS, 2, -1);
  t_ctx_del(t);
}

/* No free fragment entry: the first fragment is dropped, not tracked. */
static void test_ipv6_frag_table_full(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 8;
  cfg.max_fragments = 2;
  tctx *t = t_ctx_cfg(&cfg);
  rule6(t, "v6-out", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NULL, 0, 0,
        PINHOLE_ACTION_ACCEPT);
  uint8_t d[64];
  d6_udp(d, CLI, 5353, SRV, 53, 'q');
  tpkt p;
  frag_in(t, b6_third(&p, CLI, SRV, 1, d, 0), SEC, PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_third(&p, CLI, SRV, 2, d, 0), SEC, PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_third(&p, CLI, SRV, 3, d, 0), SEC, PINHOLE_VERDICT_DROP);
  /* its follower would be an orphan: no entry to hold it either */
  frag_in(t, b6_third(&p, CLI, SRV, 3, d, 1), SEC, PINHOLE_VERDICT_DROP);
  /* the others complete and make room */
  for (uint32_t id = 1; id <= 2; id++)
    for (int k = 1; k < 3; k++)
      frag_in(t, b6_third(&p, CLI, SRV, id, d, k), SEC,
              PINHOLE_VERDICT_FORWARD);
  frag_in(t, b6_third(&p, CLI, SRV, 3, d, 0), SEC, PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP6_FRAGMENT, 1,
             PINHOLE_CNT_REASM_OVERFLOW, 1, PINHOLE_CNT_FRAGMENTS, 1, -1);
  t_ctx_del(t);
}

/* Atomic fragments are whole packets (RFC 6946); fragmented ND and
 * ICMPv6 errors have no connection to follow (RFC 6980). */
static void test_ipv6_frag_atomic_and_untracked(void **state) {
  (void)state;
  tctx *t = ctx6(8);
  uint8_t d[64];
  d6_udp(d, CLI, 5353, SRV, 53, 'q');
  tpkt p;
  frag_in(t, b6_frag(&p, CLI, SRV, 4, d, 0, 48, 0), SEC,
          PINHOLE_VERDICT_FORWARD);
  assert_int_equal(frags_in_use(t), 0);
  b6_udp(&p, SRV, 53, CLI, 5353, "answer");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
  /* a first fragment of a protocol without connections (GRE) */
  uint8_t ns[32];
  memset(ns, 0, sizeof(ns));
  ns[0] = PINHOLE_ICMP6_NEIGH_SOL;
  b6_frag(&p, CLI, SRV, 8, ns, 0, 24, 1);
  p.b[40] = 47;
  frag_in(t, &p, SEC, PINHOLE_VERDICT_DROP);
  /* ... and of a neighbour solicitation */
  p.b[40] = PINHOLE_IP6_NH_ICMPV6;
  frag_in(t, &p, SEC, PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP6_FRAGMENT, 1, -1);
  t_ctx_del(t);
}

/* ---- the one-pass path (pkt/plain6.h) against the full one ---------- */

/* The connection's frames and bytes both ways in a and b are the same,
 * and are fa, ba (from A) and fb, bb (from B). */
static void same_conn6(tctx *a, tctx *b, uint8_t proto, const char *src,
                       const char *dst, uint16_t sport, uint16_t dport,
                       uint64_t fa, uint64_t fb, uint64_t ba, uint64_t bb) {
  uint8_t s[16], d[16];
  a6(s, src);
  a6(d, dst);
  int da, db;
  ph_conn *ca = pinhole__conn6_lookup(a->ctx, proto, s, d, sport, dport, &da);
  ph_conn *cb = pinhole__conn6_lookup(b->ctx, proto, s, d, sport, dport, &db);
  assert_non_null(ca);
  assert_non_null(cb);
  assert_int_equal(da, 0);
  assert_int_equal(db, 0);
  assert_int_equal(ca->frames[0], fa);
  assert_int_equal(ca->frames[1], fb);
  assert_int_equal(ph_conn_bytes(a->ctx, ca, 0), ba);
  assert_int_equal(ph_conn_bytes(a->ctx, ca, 1), bb);
  assert_int_equal(cb->frames[0], fa);
  assert_int_equal(cb->frames[1], fb);
  assert_int_equal(ph_conn_bytes(b->ctx, cb, 0), ba);
  assert_int_equal(ph_conn_bytes(b->ctx, cb, 1), bb);
}

/* p behind an 8-byte hop-by-hop header (PadN): not plain. */
static void with_hbh(tpkt *p) {
  size_t n = p->p.len;
  memmove(p->b + 48, p->b + 40, n - 40);
  memset(p->b + 40, 0, 8);
  p->b[40] = p->b[6];
  p->b[42] = 1; /* PadN */
  p->b[43] = 4;
  p->b[6] = PINHOLE_IP6_NH_HOPOPTS;
  t_put16(p->b + 4, (uint16_t)(t_get16(p->b + 4) + 8));
  b6_len(p, n + 8);
}

/* Plain UDP and TCP both ways (new, established, the wrong side, from
 * the outside first, link-local), the same flows behind a hop-by-hop
 * header, a zero UDP checksum, lengths that lie, truncations at every
 * length and link-layer padding: the one-pass path gives every packet the
 * full path's verdict and bytes, and both contexts end with the same
 * counters and connection figures. */
static void test_ipv6_plain_same_as_full(void **state) {
  (void)state;
  tctx *a = ctx6(8), *b = ctx6(8);
  tpkt p;
  int FWD = PINHOLE_VERDICT_FORWARD, DROP = PINHOLE_VERDICT_DROP;
  int IN = PINHOLE_SIDE_INSIDE, OUT = PINHOLE_SIDE_OUTSIDE;
  /* UDP: new, established both ways, padded, behind a header */
  b6_udp(&p, CLI, 5353, SRV, 53, "query");
  assert_int_equal(t6_both(a, b, &p, IN, SEC), FWD);
  b6_udp(&p, CLI, 5353, SRV, 53, "query-2");
  assert_int_equal(t6_both(a, b, &p, IN, SEC), FWD);
  b6_udp(&p, SRV, 53, CLI, 5353, "answer");
  assert_int_equal(t6_both(a, b, &p, OUT, SEC), FWD);
  b6_udp(&p, SRV, 53, CLI, 5353, "answer-2");
  memset(p.b + p.p.len, 0xee, 6); /* Ethernet padding */
  p.p.len += 6;
  assert_int_equal(t6_both(a, b, &p, OUT, SEC), FWD);
  assert_int_equal(p.p.len, 40 + 8 + 8);
  b6_udp(&p, CLI, 5353, SRV, 53, "hbh");
  with_hbh(&p);
  assert_int_equal(t6_both(a, b, &p, IN, SEC), FWD);
  /* the wrong side for each direction */
  b6_udp(&p, CLI, 5353, SRV, 53, "side");
  assert_int_equal(t6_both(a, b, &p, OUT, SEC), DROP);
  b6_udp(&p, SRV, 53, CLI, 5353, "side");
  assert_int_equal(t6_both(a, b, &p, IN, SEC), DROP);
  /* zero UDP checksum (RFC 8200 8.1), UDP and payload lengths that lie */
  b6_udp(&p, CLI, 5353, SRV, 53, "zero");
  p.b[46] = p.b[47] = 0;
  assert_int_equal(t6_both(a, b, &p, IN, SEC), DROP);
  b6_udp(&p, CLI, 5353, SRV, 53, "ulen");
  p.b[45]++;
  assert_int_equal(t6_both(a, b, &p, IN, SEC), DROP);
  b6_udp(&p, CLI, 5353, SRV, 53, "plen");
  p.b[5]++;
  assert_int_equal(t6_both(a, b, &p, IN, SEC), DROP);
  b6_udp(&p, CLI, 5353, SRV, 53, "plen");
  p.b[5]--;
  assert_int_equal(t6_both(a, b, &p, IN, SEC), DROP);
  /* truncated at every length */
  tpkt whole;
  b6_udp(&whole, CLI, 5353, SRV, 53, "cut");
  for (uint32_t k = 0; k < whole.p.len; k++) {
    p = whole;
    p.p.data = p.b;
    p.p.len = k;
    assert_int_equal(t6_both(a, b, &p, IN, SEC), DROP);
  }
  /* from the outside first; link-local (no rule) */
  b6_udp(&p, PEER, 5353, CLI, 53, "unasked");
  assert_int_equal(t6_both(a, b, &p, OUT, SEC), DROP);
  b6_udp(&p, "fe80::2", 546, "fe80::1", 547, "ll");
  assert_int_equal(t6_both(a, b, &p, IN, SEC), DROP);
  /* TCP: handshake, data both ways, one behind a header, bad flags,
   * the wrong side, truncated at every length */
  b6_tcp(&p, CLI2, 40001, SRV, 443, PINHOLE_TCP_SYN, 100, 0, 0);
  assert_int_equal(t6_both(a, b, &p, IN, SEC), FWD);
  b6_tcp(&p, SRV, 443, CLI2, 40001, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 900, 101,
         0);
  assert_int_equal(t6_both(a, b, &p, OUT, SEC), FWD);
  b6_tcp(&p, CLI2, 40001, SRV, 443, PINHOLE_TCP_ACK, 101, 901, 0);
  assert_int_equal(t6_both(a, b, &p, IN, SEC), FWD);
  b6_tcp(&p, CLI2, 40001, SRV, 443, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 101, 901,
         12);
  assert_int_equal(t6_both(a, b, &p, IN, SEC), FWD);
  b6_tcp(&p, SRV, 443, CLI2, 40001, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 901, 113,
         30);
  with_hbh(&p);
  assert_int_equal(t6_both(a, b, &p, OUT, SEC), FWD);
  b6_tcp(&p, CLI2, 40001, SRV, 443, PINHOLE_TCP_ACK, 113, 931, 0);
  p.b[53] = PINHOLE_TCP_SYN | PINHOLE_TCP_FIN; /* refused by the parse */
  assert_int_equal(t6_both(a, b, &p, IN, SEC), DROP);
  b6_tcp(&p, CLI2, 40001, SRV, 443, PINHOLE_TCP_ACK, 113, 931, 0);
  assert_int_equal(t6_both(a, b, &p, OUT, SEC), DROP);
  b6_tcp(&whole, CLI2, 40001, SRV, 443, PINHOLE_TCP_ACK, 113, 931, 4);
  for (uint32_t k = 0; k < whole.p.len; k++) {
    p = whole;
    p.p.data = p.b;
    p.p.len = k;
    assert_int_equal(t6_both(a, b, &p, IN, SEC), DROP);
  }
  p = whole;
  p.p.data = p.b;
  assert_int_equal(t6_both(a, b, &p, IN, SEC), FWD);
  /* 2 in, 2 out (one padded), 1 in behind a header; TCP 4 and 2 */
  same_conn6(a, b, PINHOLE_IPPROTO_UDP, CLI, SRV, 5353, 53, 3, 2, 53 + 55 + 59,
             54 + 56);
  same_conn6(a, b, PINHOLE_IPPROTO_TCP, CLI2, SRV, 40001, 443, 4, 2,
             60 + 60 + 72 + 64, 60 + 98);
  t6_same_counters(a, b);
  assert_int_equal(t_cnt(a, PINHOLE_CNT_NEW_ACCEPT), 2);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* The same through bursts (the look-ahead's folds and hash used when the
 * packet's address bytes are those it folded): a burst whose packets
 * share one buffer, so that later packets' bytes are not what the
 * look-ahead read, still gives each packet the full path's answer. */
static void test_ipv6_plain_burst_same_as_full(void **state) {
  (void)state;
  tctx *a = ctx6(8), *b = ctx6(8);
  tpkt p[6], q[6];
  b6_udp(&p[0], CLI, 5353, SRV, 53, "one");
  b6_udp(&p[1], CLI2, 5354, SRV, 53, "two");
  b6_udp(&p[2], CLI, 5353, SRV, 53, "three");
  b6_tcp(&p[3], CLI, 40002, SRV, 80, PINHOLE_TCP_SYN, 7, 0, 0);
  b6_udp(&p[4], CLI, 5353, SRV, 53, "zero");
  p[4].b[46] = p[4].b[47] = 0;
  b6_udp(&p[5], CLI2, 5354, SRV, 53, "with hbh");
  with_hbh(&p[5]);
  pinhole_pkt pk[6];
  uint8_t vd[6];
  for (int i = 0; i < 6; i++) {
    q[i] = p[i];
    q[i].p.data = q[i].b;
    pk[i] = p[i].p;
  }
  assert_int_equal(
      pinhole_process_burst(a->ctx, pk, 6, PINHOLE_SIDE_INSIDE, SEC, vd), 6);
  ph_set_time(b->ctx, SEC);
  static const int want[6] = {PINHOLE_VERDICT_FORWARD, PINHOLE_VERDICT_FORWARD,
                              PINHOLE_VERDICT_FORWARD, PINHOLE_VERDICT_FORWARD,
                              PINHOLE_VERDICT_DROP,    PINHOLE_VERDICT_FORWARD};
  for (int i = 0; i < 6; i++) {
    int v = pinhole__process6_full(b->ctx, &q[i].p, PINHOLE_SIDE_INSIDE, NULL);
    assert_int_equal(vd[i], v);
    assert_int_equal(v, want[i]);
    assert_memory_equal(p[i].b, q[i].b, q[i].p.len);
  }
  /* one buffer for three packets: the look-ahead read the last bytes */
  tpkt shared;
  b6_udp(&shared, CLI2, 5354, SRV, 53, "shared");
  for (int i = 0; i < 3; i++)
    pk[i] = shared.p;
  assert_int_equal(
      pinhole_process_burst(a->ctx, pk, 3, PINHOLE_SIDE_INSIDE, SEC, vd), 3);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(vd[i], PINHOLE_VERDICT_FORWARD);
    tpkt r = shared;
    r.p.data = r.b;
    assert_int_equal(
        pinhole__process6_full(b->ctx, &r.p, PINHOLE_SIDE_INSIDE, NULL),
        PINHOLE_VERDICT_FORWARD);
  }
  same_conn6(a, b, PINHOLE_IPPROTO_UDP, CLI2, SRV, 5354, 53, 5, 0,
             51 + 64 + 3 * 54, 0);
  t6_same_counters(a, b);
  t_ctx_del(a);
  t_ctx_del(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ipv6_tcp_out),
      cmocka_unit_test(test_ipv6_reject_answers),
      cmocka_unit_test(test_ipv6_tcp_in_by_rule),
      cmocka_unit_test(test_ipv6_outside_first_refused),
      cmocka_unit_test(test_ipv6_udp_and_echo),
      cmocka_unit_test(test_ipv6_icmp_error_to_its_flow),
      cmocka_unit_test(test_ipv6_fold_collision),
      cmocka_unit_test(test_ipv6_burst_fold_collision),
      cmocka_unit_test(test_ipv6_high_bits_only),
      cmocka_unit_test(test_ipv6_table_full),
      cmocka_unit_test(test_ipv6_off),
      cmocka_unit_test(test_ipv6_reasons_counted),
      cmocka_unit_test(test_ipv6_nd_pass_or_drop),
      cmocka_unit_test(test_ipv6_rule_checks),
      cmocka_unit_test(test_ipv6_burst),
      cmocka_unit_test(test_ipv6_plain_same_as_full),
      cmocka_unit_test(test_ipv6_plain_burst_same_as_full),
      cmocka_unit_test(test_ipv6_frag_in_order),
      cmocka_unit_test(test_ipv6_frag_out_of_order),
      cmocka_unit_test(test_ipv6_frag_unknown_and_timeout),
      cmocka_unit_test(test_ipv6_frag_overlap),
      cmocka_unit_test(test_ipv6_frag_ext_headers_reordered),
      cmocka_unit_test(test_ipv6_frag_other_host),
      cmocka_unit_test(test_ipv6_frag_first_refused),
      cmocka_unit_test(test_ipv6_frag_table_full),
      cmocka_unit_test(test_ipv6_frag_atomic_and_untracked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

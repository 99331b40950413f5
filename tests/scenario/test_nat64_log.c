/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Carrier logs of NAT64 clients (docs/cgn.md "NAT64 clients",
 * docs/nat64.md "Logs"): a NAT64 client is named by its IPv6 address in
 * every log a CGN keeps, never by the keyed fold its mapping is filed
 * under. Two IPv6 clients through a port-block pool of two addresses
 * and 32 ports: the block, quota and release events (PBA, RFC 6888
 * REQ-12), their IPFIX records (RFC 8158 sec. 4.2, byte for byte), the
 * operator's lines and JSON; deterministic pools (RFC 7422) refuse NAT64;
 * the SIP ALG's NAT64 traces name the client's IPv6 endpoint.
 */
#include "helpers6.h"

#include <pinhole/operator.h>

#define CLI "2001:db8:1::2"
#define CLI2 "2001:db8:1::3"
#define SRV6 "64:ff9b::c613:2" /* OUT_HOST 198.19.0.2 under the WKP */
#define PA IP4(198, 19, 0, 7)  /* the pool: .7 and .8, ports 4096..4127 */
#define PB IP4(198, 19, 0, 8)

static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;

/* The context and every event it reported, as it was (the strings it
 * points to are the context's or the library's, alive with it). */
typedef struct lctx {
  tctx t; /* heads the struct: the helpers' user pointer */
  pinhole_event ev[256];
  int nev;
} lctx;

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  lctx *l = user;
  t_on_event(ctx, ev, user);
  if (l->nev < 256)
    l->ev[l->nev++] = *ev;
}

static void rule64(pinhole_ctx *ctx, int pool, int want) {
  assert_int_equal(t_rule64(ctx, pool, "64:ff9b::", 96), want);
}

/* IPv6 on, the WKP (lab), a NAT64 rule to the pool given; the pool a PBA
 * one on PA..PB, ports 4096..4127, blocks of 16, one per subscriber,
 * given back at once (hold 0). */
static lctx *lctx_new(void) {
  lctx *l = calloc(1, sizeof(*l));
  assert_non_null(l);
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 64;
  cfg.max_port_blocks = 8;
  cfg.udp_timeout_s = 30;
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.alloc = t_alloc;
  cb.free = t_free;
  cb.event = on_event;
  cb.trace = t_on_trace;
  assert_int_equal(pinhole_ctx_new(&l->t.ctx, &cfg, &cb, l), 0);
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = PA;
  p.addr_hi = PB;
  p.port_lo = 4096;
  p.port_hi = 4127;
  p.mode = PINHOLE_POOL_PBA;
  p.block_size = 16;
  p.max_blocks = 1;
  l->t.pool = pinhole_pool_add(l->t.ctx, &p);
  assert_true(l->t.pool >= 0);
  assert_int_equal(
      pinhole_nat64_prefix_add(l->t.ctx, wkp, 96, PINHOLE_NAT64_LAB), 0);
  rule64(l->t.ctx, l->t.pool, 0);
  return l;
}

/* The k-th event of type (0 the first); fails when there is none. */
static const pinhole_event *ev_nth(const lctx *l, int type, int k) {
  for (int i = 0; i < l->nev; i++)
    if (l->ev[i].type == type && k-- == 0)
      return &l->ev[i];
  fail_msg("no event %s", pinhole_event_name(type));
  return &l->ev[0];
}

/* UDP from cli:sport to SRV6:7000 at now; returns the verdict, and the
 * public address and port it left from in *pub, *port. */
static int send64(lctx *l, const char *cli, uint16_t sport, uint64_t now,
                  uint32_t *pub, uint16_t *port) {
  tpkt p;
  b6_udp(&p, cli, sport, SRV6, 7000, "x");
  int v = t_in(&l->t, &p, now);
  if (v == PINHOLE_VERDICT_FORWARD) {
    assert_int_equal(p.b[0], 0x45);
    *pub = t_get32(p.b + 12);
    *port = t_get16(p.b + 20);
  }
  return v;
}

static void syslog_is(const pinhole_event *ev, const char *want) {
  char buf[512];
  pinhole_event_format_syslog(NULL, ev, 0, 0, NULL, buf, sizeof(buf));
  assert_string_equal(buf, want);
}

static void format_is(const pinhole_event *ev, const char *want) {
  char buf[512];
  pinhole_event_format(ev, buf, sizeof(buf));
  assert_string_equal(buf, want);
}

/* IPFIX of the events: every message to msg (one expected). */
typedef struct lsink {
  uint8_t msg[1400];
  size_t len;
  int n;
} lsink;

static void on_send(const uint8_t *m, size_t len, void *user) {
  lsink *s = user;
  assert_true(len <= sizeof(s->msg));
  memcpy(s->msg, m, len);
  s->len = len;
  s->n++;
}

/* The data record of template tid at (0-based) position k of msg, or
 * NULL; rec its length. */
static const uint8_t *ipfix_rec(const lsink *s, unsigned tid, size_t rec,
                                int k) {
  size_t at = 16;
  while (at + 4 <= s->len) {
    unsigned id = t_get16(s->msg + at), sl = t_get16(s->msg + at + 2);
    assert_true(sl >= 4 && at + sl <= s->len);
    for (size_t r = at + 4; id == tid && r + rec <= at + sl; r += rec)
      if (k-- == 0)
        return s->msg + r;
    at += sl;
  }
  return NULL;
}

/* The NAT64 port block record (template 265) of a block allocated at
 * t_s seconds to cli, on pub, ports lo..lo+15: written from RFC 8158's
 * field list and IANA's ids. */
static void block64_is(const uint8_t *r, uint64_t t_s, const char *cli,
                       uint32_t pub, uint16_t lo, uint8_t ne) {
  uint8_t w[41];
  uint64_t ms = 1764800000000ull + t_s * 1000u; /* observationTimeMs */
  for (int i = 0; i < 8; i++)
    w[i] = (uint8_t)(ms >> (56 - 8 * i));
  memset(w + 8, 0, 4); /* ingressVRFID */
  a6(w + 12, cli);     /* sourceIPv6Address */
  t_put32(w + 28, pub);
  t_put16(w + 32, lo);
  t_put16(w + 34, (uint16_t)(lo + 15));
  t_put16(w + 36, 1);
  t_put16(w + 38, 16);
  w[40] = ne;
  assert_non_null(r);
  assert_memory_equal(r, w, sizeof(w));
}

/* RFC 6888 REQ-12 with NAT64 clients: each IPv6 client gets its block
 * on the pool address paired pooling gives it; every block event names
 * the client by its IPv6 address (family 6, src6; src.addr 0: the fold
 * stays inside), the quota refusal too, and the release, which comes
 * from a timer long after the packet that made the block. */
static void test_nat64_log_pba_blocks(void **state) {
  (void)state;
  lctx *l = lctx_new();
  uint32_t pa, pb, pub;
  uint16_t porta, portb, port;
  assert_int_equal(send64(l, CLI, 5000, SEC, &pa, &porta),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(send64(l, CLI2, 5000, SEC, &pb, &portb),
                   PINHOLE_VERDICT_FORWARD);
  /* the two clients' folds pair them with the two addresses */
  assert_int_equal(pa, PA);
  assert_int_equal(pb, PB);
  assert_int_equal(porta, 4096);
  assert_int_equal(portb, 4096);
  const pinhole_event *a = ev_nth(l, PINHOLE_EVENT_PORT_BLOCK_ALLOCATED, 0);
  const pinhole_event *b = ev_nth(l, PINHOLE_EVENT_PORT_BLOCK_ALLOCATED, 1);
  uint8_t cli[16], cli2[16];
  a6(cli, CLI);
  a6(cli2, CLI2);
  assert_int_equal(a->family, 6);
  assert_memory_equal(a->src6, cli, 16);
  assert_int_equal(a->src.addr, 0);
  assert_int_equal(b->family, 6);
  assert_memory_equal(b->src6, cli2, 16);
  assert_int_equal(b->src.addr, 0);
  syslog_is(a, "PORT_BLOCK_ALLOCATED: subscriber 2001:db8:1::2, public "
               "198.19.0.7, ports 4096-4111, port block allocated");
  syslog_is(b, "PORT_BLOCK_ALLOCATED: subscriber 2001:db8:1::3, public "
               "198.19.0.8, ports 4096-4111, port block allocated");
  format_is(a, "PINHOLE_PORT_BLOCK_ALLOCATED: subscriber=2001:db8:1::2 "
               "public=198.19.0.7 ports=4096-4111");

  /* the client's 15 more fill its block; the 17th mapping is refused at
   * its quota of one block (RFC 6888 REQ-4) */
  for (uint16_t k = 1; k < 16; k++) {
    assert_int_equal(send64(l, CLI, (uint16_t)(5000 + k), SEC, &pub, &port),
                     PINHOLE_VERDICT_FORWARD);
    assert_int_equal(pub, PA);
    assert_in_range(port, 4096, 4111);
  }
  assert_int_equal(send64(l, CLI, 5016, SEC, &pub, &port),
                   PINHOLE_VERDICT_DROP);
  const pinhole_event *q = ev_nth(l, PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED, 0);
  assert_int_equal(q->family, 6);
  assert_memory_equal(q->src6, cli, 16);
  syslog_is(q, "PORT_BLOCK_EXHAUSTED: subscriber 2001:db8:1::2, public "
               "198.19.0.7, proto 17 (UDP), port block quota exceeded, "
               "limit: 16, reason: port block quota");
  assert_int_equal(t_cnt(&l->t, PINHOLE_CNT_PBA_QUOTA), 1);

  /* idle past the UDP timeout: the blocks go back (hold 0); the events
   * still name the IPv6 clients (kept with the subscriber) */
  pinhole_tick(l->t.ctx, 40 * SEC);
  while (pinhole_tick(l->t.ctx, 40 * SEC) > 0)
    ;
  assert_int_equal(t_cnt(&l->t, PINHOLE_CNT_PBA_BLOCK_RELEASE), 2);
  const pinhole_event *ra = ev_nth(l, PINHOLE_EVENT_PORT_BLOCK_RELEASED, 0);
  const pinhole_event *rb = ev_nth(l, PINHOLE_EVENT_PORT_BLOCK_RELEASED, 1);
  if (ra->nat_src.addr != PA) { /* in the order the timers fired */
    const pinhole_event *x = ra;
    ra = rb;
    rb = x;
  }
  assert_int_equal(ra->family, 6);
  assert_memory_equal(ra->src6, cli, 16);
  assert_int_equal(ra->src.addr, 0);
  assert_memory_equal(rb->src6, cli2, 16);
  syslog_is(rb, "PORT_BLOCK_RELEASED: subscriber 2001:db8:1::3, public "
                "198.19.0.8, ports 4096-4111, port block released");

  /* IPFIX: the NAT64 port block template (265), natEvent 16 and 17 */
  pinhole_ipfix x;
  pinhole_ipfix_config c;
  lsink s;
  static uint8_t buf[1400];
  memset(&s, 0, sizeof(s));
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.wall_offset_ns = 1764800000ull * SEC;
  c.buf = buf;
  c.buf_len = sizeof(buf);
  c.send = on_send;
  c.user = &s;
  assert_int_equal(pinhole_ipfix_init(&x, &c), 0);
  const pinhole_event *blk[4] = {a, b, ra, rb};
  for (int i = 0; i < 4; i++)
    assert_int_equal(pinhole_ipfix_event(&x, blk[i]), 1);
  assert_int_equal(pinhole_ipfix_flush(&x, 40 * SEC), 4);
  assert_int_equal(s.n, 1);
  block64_is(ipfix_rec(&s, 265, 41, 0), 1, CLI, PA, 4096, 16);
  block64_is(ipfix_rec(&s, 265, 41, 1), 1, CLI2, PB, 4096, 16);
  block64_is(ipfix_rec(&s, 265, 41, 2), 40, CLI, PA, 4096, 17);
  block64_is(ipfix_rec(&s, 265, 41, 3), 40, CLI2, PB, 4096, 17);
  assert_null(ipfix_rec(&s, 260, 29, 0)); /* no NAT44 block record */
  t_ctx_del(&l->t);
}

/* The session lines of a NAT64 connection: the operator's line names
 * the IPv6 ends in [addr]:port notation, JSON the addresses and the
 * IPv4 side in nat_*, the IPFIX session record (263) both. */
static void test_nat64_log_session_lines(void **state) {
  (void)state;
  lctx *l = lctx_new();
  uint32_t pub;
  uint16_t port;
  assert_int_equal(send64(l, CLI2, 5004, 2 * SEC, &pub, &port),
                   PINHOLE_VERDICT_FORWARD);
  const pinhole_event *f = ev_nth(l, PINHOLE_EVENT_FLOW_CREATED, 0);
  syslog_is(f, "CREATE_ACCEPT_FLOW: proto 17 (UDP) application: none, "
               "inside:[2001:db8:1::3]:5004 -> [64:ff9b::c613:2]:7000, "
               "creating forward or watch flow");
  char buf[1024];
  pinhole_event_format_json(f, buf, sizeof(buf));
  assert_string_equal(buf,
                      "{\"event\":\"FLOW_CREATED\",\"time_ns\":2000000000,"
                      "\"conversation\":1,\"proto\":17,\"side\":\"inside\","
                      "\"src\":\"2001:db8:1::3\",\"src_port\":5004,"
                      "\"dst\":\"64:ff9b::c613:2\",\"dst_port\":7000,"
                      "\"nat_src\":\"198.19.0.8\",\"nat_src_port\":4096,"
                      "\"nat_dst\":\"198.19.0.2\",\"nat_dst_port\":7000,"
                      "\"state\":\"Forward\",\"rule\":\"nat64\",\"alg\":null,"
                      "\"reason\":\"NAT64\"}");
  const pinhole_event *m = ev_nth(l, PINHOLE_EVENT_MAPPING_CREATED, 0);
  syslog_is(m, "MAPPING_CREATED: proto 17 (UDP), [2001:db8:1::3]:5004 -> "
               "198.19.0.8:4096, NAT mapping created");
  assert_int_equal(pinhole_ipfix_nat_event(f), 6);
  assert_int_equal(pinhole_ipfix_nat_event(m), 10);
  /* closed: the line with its counts, natEvent 7 */
  pinhole_tick(l->t.ctx, 40 * SEC);
  while (pinhole_tick(l->t.ctx, 40 * SEC) > 0)
    ;
  const pinhole_event *cl = ev_nth(l, PINHOLE_EVENT_FLOW_CLOSED, 0);
  syslog_is(cl, "FLOW_CLOSED: proto 17 (UDP) application: none, "
                "inside:[2001:db8:1::3]:5004 -> [64:ff9b::c613:2]:7000, "
                "closing flow, frames: 1/0, bytes: 49/0, reason: idle timeout");
  assert_int_equal(pinhole_ipfix_nat_event(cl), 7);
  t_ctx_del(&l->t);
}

/* Four blocks in all: of six clients, the ones paired with an
 * address whose two blocks are taken are refused (NAT_PORTS_EXHAUSTED);
 * the refusal names the client and the server by their IPv6 addresses
 * (it named their folds before). */
static void test_nat64_log_ports_exhausted(void **state) {
  (void)state;
  lctx *l = lctx_new();
  uint32_t pub;
  uint16_t port;
  int refused = 0;
  for (int k = 0; k < 6; k++) {
    char cli[32], want[256];
    snprintf(cli, sizeof(cli), "2001:db8:1::%x", 0x10 + k);
    if (send64(l, cli, 6000, SEC, &pub, &port) == PINHOLE_VERDICT_FORWARD)
      continue;
    const pinhole_event *e =
        ev_nth(l, PINHOLE_EVENT_NAT_PORTS_EXHAUSTED, refused++);
    uint8_t c6[16], s6[16];
    a6(c6, cli);
    a6(s6, SRV6);
    assert_int_equal(e->family, 6);
    assert_memory_equal(e->src6, c6, 16);
    assert_memory_equal(e->dst6, s6, 16);
    assert_int_equal(e->src.addr, 0);
    assert_int_equal(e->dst.addr, 0);
    assert_true(e->nat_src.addr == PA || e->nat_src.addr == PB);
    snprintf(want, sizeof(want),
             "NAT_PORTS_EXHAUSTED: proto 17 (UDP) application: none, "
             "inside:[%s]:6000 -> [64:ff9b::c613:2]:7000, NAT ports "
             "exhausted, reason: no free port in pool",
             cli);
    syslog_is(e, want);
  }
  assert_int_equal(refused, 2); /* 4 blocks, one per client */
  assert_int_equal(t_cnt(&l->t, PINHOLE_CNT_DROP_NAT_PORTS), 2);
  t_ctx_del(&l->t);
}

/* RFC 7422 computes a subscriber's range from its IPv4 address; a NAT64
 * client has none (its fold would land in an IPv4 subscriber's range and
 * the reverse lookup would name that subscriber): a NAT64 rule to a
 * deterministic pool is refused; a NAT44 rule to it is not. */
static void test_nat64_log_deterministic_refused(void **state) {
  (void)state;
  lctx *l = lctx_new();
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = p.addr_hi = IP4(198, 19, 0, 9);
  p.port_lo = 1024;
  p.port_hi = 65535;
  p.mode = PINHOLE_POOL_DETERMINISTIC;
  p.inside_addr = IP4(198, 18, 0, 0);
  p.inside_plen = 24;
  int det = pinhole_pool_add(l->t.ctx, &p);
  assert_true(det >= 0);
  rule64(l->t.ctx, det, PINHOLE_ERR_INVALID_ARG);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.side = PINHOLE_SIDE_INSIDE;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = det;
  assert_true(pinhole_rule_add(l->t.ctx, &r) >= 0);
  t_ctx_del(&l->t);
}

/* The SIP ALG on a NAT64 signalling connection traces the client's IPv6
 * endpoints (it traced 0.0.0.0 before): the media mapping and the
 * message's rewrite. */
static void test_nat64_log_sip_traces(void **state) {
  (void)state;
  lctx *l = lctx_new();
  char head[512], msg[1024];
  snprintf(head, sizeof(head),
           "INVITE sip:bob@[" SRV6 "] SIP/2.0\r\n"
           "Via: SIP/2.0/UDP [" CLI "]:5060;branch=z9hG4bK7\r\n"
           "To: <sip:bob@[" SRV6 "]>\r\n"
           "From: <sip:alice@[" CLI "]:5060>;tag=1\r\n"
           "Call-ID: c1@[" CLI "]\r\n"
           "CSeq: 1 INVITE\r\n"
           "Contact: <sip:alice@[" CLI "]:5060>\r\n"
           "Content-Type: application/sdp\r\n");
  t_sip_msg(msg, sizeof(msg), head,
            "v=0\r\no=a 1 1 IN IP6 " CLI "\r\ns=-\r\nc=IN IP6 " CLI
            "\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n");
  tpkt p;
  b6_udp(&p, CLI, 5060, SRV6, 5060, msg);
  assert_int_equal(t_in(&l->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  for (int i = 0; i < l->t.ntraces; i++)
    if (strstr(l->t.traces[i], "0.0.0.0") != NULL)
      fail_msg("trace names no address: %s", l->t.traces[i]);
  assert_true(t_has_trace(&l->t, "sip ALG conv=1 translated "
                                 "[2001:db8:1::2]:49170 -> 198.19.0.7:4098"));
  assert_true(t_has_trace(&l->t, "sip ALG conv=1 translated "
                                 "[2001:db8:1::2]:5060 -> 198.19.0.7:4096"));
  t_ctx_del(&l->t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nat64_log_pba_blocks),
      cmocka_unit_test(test_nat64_log_session_lines),
      cmocka_unit_test(test_nat64_log_ports_exhausted),
      cmocka_unit_test(test_nat64_log_deterministic_refused),
      cmocka_unit_test(test_nat64_log_sip_traces),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS ALG scenarios: sanity (hostile messages dropped and counted, or
 * passed with PINHOLE_CFG_ALG_PASS_UNTRANSLATED), quick teardown of UDP
 * flows once every query has its answer, TCP framing with split messages,
 * and doctoring through static 1:1 rules, with exact bytes and listings.
 */
#include "helpers.h"

#define SRV OUT_HOST

/* ---- message builder -------------------------------------------------- */

typedef struct dmsg {
  uint8_t b[1024];
  size_t n;
} dmsg;

static void d_hdr(dmsg *m, uint16_t id, uint16_t flags, uint16_t qd,
                  uint16_t an, uint16_t ns, uint16_t ar) {
  t_put16(m->b, id);
  t_put16(m->b + 2, flags);
  t_put16(m->b + 4, qd);
  t_put16(m->b + 6, an);
  t_put16(m->b + 8, ns);
  t_put16(m->b + 10, ar);
  m->n = 12;
}

/* Appends a name given as "example.test". */
static void d_name(dmsg *m, const char *name) {
  while (*name) {
    const char *dot = strchr(name, '.');
    size_t l = dot ? (size_t)(dot - name) : strlen(name);
    m->b[m->n++] = (uint8_t)l;
    memcpy(m->b + m->n, name, l);
    m->n += l;
    name += l + (dot ? 1 : 0);
  }
  m->b[m->n++] = 0;
}

static void d_q(dmsg *m, const char *name, uint16_t type) {
  d_name(m, name);
  t_put16(m->b + m->n, type);
  t_put16(m->b + m->n + 2, 1);
  m->n += 4;
}

/* An A record owned by the first question's name (pointer to 12). */
static void d_a(dmsg *m, uint32_t addr) {
  uint8_t rr[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4};
  memcpy(m->b + m->n, rr, sizeof(rr));
  m->n += sizeof(rr);
  t_put32(m->b + m->n, addr);
  m->n += 4;
}

static void d_query(dmsg *m, uint16_t id, const char *name, uint16_t type) {
  d_hdr(m, id, 0x0100, 1, 0, 0, 0);
  d_q(m, name, type);
}

/* A response to (id, name, type) with one A record per address. */
static void d_answer(dmsg *m, uint16_t id, const char *name, uint16_t type,
                     const uint32_t *addrs, size_t n) {
  d_hdr(m, id, 0x8180, 1, (uint16_t)n, 0, 0);
  d_q(m, name, type);
  for (size_t i = 0; i < n; i++)
    d_a(m, addrs[i]);
}

static tpkt *d_udp(tpkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                   uint16_t dport, const dmsg *m) {
  return t_udp_n(p, src, sport, dst, dport, m->b, m->n);
}

static void t_tick(tctx *t, uint64_t now) {
  while (pinhole_tick(t->ctx, now) >= 4096)
    ;
}

/* ---- quick teardown ---------------------------------------------------- */

/* One query, its answer: the flow closes at the next tick (FLOW_CLOSED
 * with reason "ALG"), counted once; the answer is forwarded unchanged. */
static void test_alg_dns_quick_teardown(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  dmsg q, a;
  pinhole_pkt_view v;
  d_query(&q, 0x1234, "www.example.test", 1);
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 40000, SRV, 53, &q), SEC), 0);
  t_payload_bytes_is(&p, q.b, q.n);
  uint32_t addr = IP4(198, 19, 0, 50);
  d_answer(&a, 0x1234, "WWW.Example.TEST", 1, &addr, 1);
  assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 40000, &a), SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.dst, IN_HOST);
  assert_int_equal(v.dport, 40000);
  t_payload_bytes_is(&p, a.b, a.n);
  t_check_cksums(&p);
  t_listing_is(t, "Conversation: ALG protocol: dns\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir "
                  " Frm count\n"
                  "UDP 198.18.0.2:40000 -> 198.19.0.2:53         Watch    I  "
                  "        1\n"
                  "    NAT source 198.18.0.2:40000 -> 198.19.0.1:40000\n"
                  "UDP 198.19.0.2:53 -> 198.19.0.1:40000         Watch    O  "
                  "        1\n"
                  "    NAT dest 198.19.0.1:40000 -> 198.18.0.2:40000\n");
  assert_true(t_has_trace(t, "dns ALG conv=1 message from inside seq=0 "
                             "ack=0 \"query 0x1234 www.example.test type "
                             "1\""));
  assert_true(t_has_trace(t, "dns ALG conv=1 message from outside seq=0 "
                             "ack=0 \"exchange complete: quick teardown\""));
  t_tick(t, SEC + SEC / 10);
  t_listing_is(t, "");
  assert_true(t_has_event(t, "PINHOLE_FLOW_CLOSED: conv=1 proto=UDP"));
  assert_true(t_has_event(t, "alg=dns reason=\"ALG\""));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_FLOWS_EXPIRED, 1, PINHOLE_CNT_ALG_QUICK_CLOSE, 1, -1);
  /* a late duplicate answer finds no flow: no rule from outside */
  assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 40000, &a), 2 * SEC),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_NO_RULE), 1);
  t_ctx_del(t);
}

/* A and AAAA queries on one socket (a stub resolver): the flow stays
 * until both have answers; answers with another id or another question
 * answer nothing. A query after the close reopens the flow. */
static void test_alg_dns_every_query_answered(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  dmsg q1, q2, a, wrong;
  uint32_t addr = IP4(198, 19, 0, 50);
  d_query(&q1, 0x0101, "host.example.test", 1);
  d_query(&q2, 0x0202, "host.example.test", 28);
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 41000, SRV, 53, &q1), SEC), 0);
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 41000, SRV, 53, &q2), SEC), 0);
  /* the retransmitted first query is not a third one */
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 41000, SRV, 53, &q1), SEC), 0);
  /* right id, other name; right name and type, other id */
  d_answer(&wrong, 0x0101, "other.example.test", 1, &addr, 1);
  assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 41000, &wrong), SEC), 0);
  d_answer(&wrong, 0x0303, "host.example.test", 1, &addr, 1);
  assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 41000, &wrong), SEC), 0);
  /* the AAAA answer (no records) */
  d_answer(&a, 0x0202, "host.example.test", 28, NULL, 0);
  assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 41000, &a), SEC), 0);
  t_tick(t, 2 * SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_QUICK_CLOSE), 0);
  char *l = t_listing(t);
  assert_non_null(strstr(l, "UDP 198.18.0.2:41000 -> 198.19.0.2:53         "
                            "Watch    I          3\n"));
  assert_non_null(strstr(l, "UDP 198.19.0.2:53 -> 198.19.0.1:41000         "
                            "Watch    O          3\n"));
  free(l);
  d_answer(&a, 0x0101, "host.example.test", 1, &addr, 1);
  assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 41000, &a), 2 * SEC), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_QUICK_CLOSE), 1);
  /* the closed flow is dead at once, tick or no tick (deadlines are
   * checked at use): a new query is a new flow */
  d_query(&q1, 0x0404, "next.example.test", 1);
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 41000, SRV, 53, &q1), 2 * SEC),
                   0);
  t_tick(t, 3 * SEC);
  l = t_listing(t);
  assert_non_null(strstr(l, "UDP 198.18.0.2:41000 -> 198.19.0.2:53         "
                            "Watch    I          1\n"));
  free(l);
  d_answer(&a, 0x0404, "next.example.test", 1, &addr, 1);
  assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 41000, &a), 3 * SEC), 0);
  t_tick(t, 4 * SEC);
  t_listing_is(t, "");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 7,
             PINHOLE_CNT_FLOWS_EXPIRED, 2, PINHOLE_CNT_ALG_QUICK_CLOSE, 2, -1);
  t_ctx_del(t);
}

/* More queries in flight than the slot holds: the flow cannot know when
 * it is done and waits for its UDP timeout. */
static void test_alg_dns_untracked_waits(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  dmsg q, a;
  for (uint16_t i = 0; i < 6; i++) {
    d_query(&q, (uint16_t)(0x100 + i), "many.example.test", 1);
    assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 42000, SRV, 53, &q), SEC), 0);
  }
  for (uint16_t i = 0; i < 6; i++) {
    d_answer(&a, (uint16_t)(0x100 + i), "many.example.test", 1, NULL, 0);
    assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 42000, &a), SEC), 0);
  }
  t_tick(t, 2 * SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_QUICK_CLOSE), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), 0);
  t_tick(t, 302 * SEC);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), 1);
  assert_true(t_has_event(t, "reason=\"idle timeout\""));
  t_ctx_del(t);
}

/* ---- sanity ------------------------------------------------------------ */

/* Each hostile query is dropped and counted once as a DNS ALG error and
 * as an untranslated drop; the trace names the violation. */
static void test_alg_dns_hostile_dropped(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  dmsg m;
  int n = 0;
  /* a pointer to itself */
  d_hdr(&m, 1, 0x0100, 1, 0, 0, 0);
  uint8_t loop[] = {0xC0, 0x0C, 0, 1, 0, 1};
  memcpy(m.b + 12, loop, sizeof(loop));
  m.n = 18;
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 43000, SRV, 53, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "malformed message: pointer"));
  /* a label of 64 */
  d_hdr(&m, 2, 0x0100, 1, 0, 0, 0);
  m.b[m.n++] = 64;
  memset(m.b + m.n, 'a', 64);
  m.n += 64;
  m.b[m.n++] = 0;
  memset(m.b + m.n, 0, 4);
  m.n += 4;
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 43000, SRV, 53, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "malformed message: label"));
  /* counts that lie: ANCOUNT 3 with no record */
  d_query(&m, 3, "a.example.test", 1);
  t_put16(m.b + 6, 3);
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 43000, SRV, 53, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  assert_true(t_has_trace(t, "malformed message: truncated"));
  /* a valid query truncated at every length */
  d_query(&m, 4, "b.example.test", 1);
  size_t full = m.n;
  for (m.n = 0; m.n < full; m.n++) {
    assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 43000, SRV, 53, &m), SEC),
                     PINHOLE_VERDICT_DROP);
    n++;
  }
  /* over 512 bytes without EDNS0 */
  d_query(&m, 5, "c.example.test", 1);
  memset(m.b + m.n, 0, 600 - m.n);
  m.n = 600;
  t_put16(m.b + 10, 0);
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 43000, SRV, 53, &m), SEC),
                   PINHOLE_VERDICT_DROP);
  n++;
  /* the same valid query passes */
  d_query(&m, 6, "b.example.test", 1);
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 43000, SRV, 53, &m), SEC), 0);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_EXIST_DISCARD, n - 1,
             PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_ERR_ALG, n,
             PINHOLE_CNT_ALG_DNS, n, PINHOLE_CNT_ALG_UNTRANSLATED, n, -1);
  t_ctx_del(t);
}

/* Count only: with PINHOLE_CFG_ALG_PASS_UNTRANSLATED a malformed message
 * passes, counted as a DNS ALG error. */
static void test_alg_dns_count_only(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.flags |= PINHOLE_CFG_ALG_PASS_UNTRANSLATED;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  assert_int_equal(t_in(t, t_udp(&p, IN_HOST, 44000, SRV, 53, "not dns"), SEC),
                   0);
  t_payload_is(&p, "not dns");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_DNS, 1, -1);
  assert_true(t_has_event(t, "PINHOLE_ALG_ERROR: conv=1 proto=UDP"));
  t_ctx_del(t);
}

/* An answer larger than its query allowed (512 without EDNS0; 1232 with
 * it) is dropped. */
static void test_alg_dns_answer_over_query_size(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  dmsg q, a;
  uint32_t addrs[40];
  for (int i = 0; i < 40; i++)
    addrs[i] = IP4(198, 19, 0, 100 + i);
  d_query(&q, 0x0777, "big.example.test", 1);
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 45000, SRV, 53, &q), SEC), 0);
  /* 34 + 40 * 16 = 674 bytes, with an OPT record of its own saying 4096 */
  d_answer(&a, 0x0777, "big.example.test", 1, addrs, 40);
  uint8_t opt[] = {0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0};
  memcpy(a.b + a.n, opt, sizeof(opt));
  a.n += sizeof(opt);
  t_put16(a.b + 10, 1);
  assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 45000, &a), SEC),
                   PINHOLE_VERDICT_DROP);
  assert_true(t_has_trace(t, "response larger than its query allows"));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_DNS), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_QUICK_CLOSE), 0);
  t_ctx_del(t);
}

/* ---- doctoring --------------------------------------------------------- */

static void add_static(tctx *t, const char *name, int side, uint32_t match,
                       uint8_t plen, uint32_t to, uint32_t flags) {
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "%s", name);
  r.side = (uint8_t)side;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_STATIC;
  r.nat_addr = to;
  r.flags = flags;
  if (side == PINHOLE_SIDE_INSIDE) {
    r.src_addr = match;
    r.src_plen = plen;
  } else {
    r.dst_addr = match;
    r.dst_plen = plen;
  }
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
}

/* An inside client asks an outside server for a name whose address is a
 * static public address of an inside host: the answer's A record becomes
 * the inside address; an unmapped address and the AAAA query's answer are
 * left alone. */
static void test_alg_dns_doctor_for_inside_receiver(void **state) {
  (void)state;
  tctx *t = t_ctx();
  add_static(t, "web", PINHOLE_SIDE_OUTSIDE, IP4(198, 19, 0, 50), 32,
             IP4(198, 18, 0, 50), PINHOLE_RULE_DNS_DOCTOR);
  tpkt p;
  dmsg q, a, want;
  d_query(&q, 0x4242, "www.example.test", 1);
  assert_int_equal(t_in(t, d_udp(&p, IN_HOST, 46000, SRV, 53, &q), SEC), 0);
  uint32_t addrs[] = {IP4(198, 19, 0, 7), IP4(198, 19, 0, 50)};
  d_answer(&a, 0x4242, "www.example.test", 1, addrs, 2);
  uint32_t want_addrs[] = {IP4(198, 19, 0, 7), IP4(198, 18, 0, 50)};
  d_answer(&want, 0x4242, "www.example.test", 1, want_addrs, 2);
  assert_int_equal(t_out(t, d_udp(&p, SRV, 53, PUB, 46000, &a), SEC), 0);
  t_payload_bytes_is(&p, want.b, want.n);
  /* the exact bytes: the second record's RDATA, at an even offset */
  pinhole_pkt_view v;
  t_view(&p, &v);
  const uint8_t *rd = p.b + v.payload_off + want.n - 4;
  assert_int_equal(rd[0], 198);
  assert_int_equal(rd[1], 18);
  assert_int_equal(rd[2], 0);
  assert_int_equal(rd[3], 50);
  t_check_cksums(&p);
  assert_true(t_has_trace(t, "dns ALG conv=1 translated 198.19.0.50:0 -> "
                             "198.18.0.50:0"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ALG_QUICK_CLOSE, 1, -1);
  t_ctx_del(t);
}

/* An outside client asks an inside server (reached through a static
 * rule): the server's answer names two inside hosts. The one a doctoring
 * rule maps (read backwards: inside -> public) leaves as its public
 * address; the record sits at an odd offset (a 1-byte longer name), so
 * the checksum update must not cancel out. A static rule without the flag
 * doctors nothing. */
static void test_alg_dns_doctor_for_outside_receiver(void **state) {
  (void)state;
  tctx *t = t_ctx();
  add_static(t, "dns-srv", PINHOLE_SIDE_OUTSIDE, IP4(198, 19, 0, 60), 31,
             IP4(198, 18, 0, 60), PINHOLE_RULE_DNS_DOCTOR);
  add_static(t, "plain", PINHOLE_SIDE_INSIDE, IP4(198, 18, 0, 70), 32,
             IP4(198, 19, 0, 70), 0);
  tpkt p;
  dmsg q, a, want;
  pinhole_pkt_view v;
  d_query(&q, 0x0909, "ab.example.test", 1);
  assert_int_equal(
      t_out(t, d_udp(&p, IP4(198, 19, 0, 3), 5353, IP4(198, 19, 0, 60), 53, &q),
            SEC),
      0);
  t_view(&p, &v);
  assert_int_equal(v.dst, IP4(198, 18, 0, 60));
  uint32_t addrs[] = {IP4(198, 18, 0, 61), IP4(198, 18, 0, 70),
                      IP4(198, 18, 0, 99)};
  d_answer(&a, 0x0909, "ab.example.test", 1, addrs, 3);
  uint32_t want_addrs[] = {IP4(198, 19, 0, 61), IP4(198, 18, 0, 70),
                           IP4(198, 18, 0, 99)};
  d_answer(&want, 0x0909, "ab.example.test", 1, want_addrs, 3);
  assert_int_equal((a.n - 3 * 16 + 12) % 2, 1); /* first RDATA is odd */
  assert_int_equal(
      t_in(t, d_udp(&p, IP4(198, 18, 0, 60), 53, IP4(198, 19, 0, 3), 5353, &a),
           SEC),
      0);
  t_view(&p, &v);
  assert_int_equal(v.src, IP4(198, 19, 0, 60));
  t_payload_bytes_is(&p, want.b, want.n);
  t_check_cksums(&p);
  t_listing_is(t, "Conversation: ALG protocol: dns\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir "
                  " Frm count\n"
                  "UDP 198.19.0.3:5353 -> 198.19.0.60:53         Watch    I  "
                  "        1\n"
                  "    NAT dest 198.19.0.60:53 -> 198.18.0.60:53\n"
                  "UDP 198.18.0.60:53 -> 198.19.0.3:5353         Watch    O  "
                  "        1\n"
                  "    NAT source 198.18.0.60:53 -> 198.19.0.60:53\n");
  t_ctx_del(t);
}

/* The flag is for static rules only; unknown flags are refused. */
static void test_alg_dns_doctor_flag_checked(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.side = PINHOLE_SIDE_INSIDE;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = t->pool;
  r.flags = PINHOLE_RULE_DNS_DOCTOR;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  r.nat = PINHOLE_NAT_STATIC;
  r.nat_addr = IP4(198, 19, 0, 80);
  r.flags = 0x80;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  r.flags = PINHOLE_RULE_DNS_DOCTOR;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  t_ctx_del(t);
}

/* ---- TCP ---------------------------------------------------------------- */

typedef struct dtcp {
  tctx *t;
  uint32_t cseq, sseq;
} dtcp;

static void dtcp_open(dtcp *s, tctx *t) {
  tpkt p;
  s->t = t;
  s->cseq = 7000;
  s->sseq = 9000;
  t_tcp(&p, IN_HOST, 47000, SRV, 53, s->cseq++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_tcp(&p, SRV, 53, PUB, 47000, s->sseq++, s->cseq,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_tcp(&p, IN_HOST, 47000, SRV, 53, s->cseq, s->sseq, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
}

/* Frames m with its 2-byte length into out; returns the length. */
static size_t d_frame(uint8_t *out, const dmsg *m) {
  t_put16(out, (uint16_t)m->n);
  memcpy(out + 2, m->b, m->n);
  return m->n + 2;
}

/* Two queries in one segment; the answer split across two segments is
 * withheld until the server sends it whole, then doctored. */
static void test_alg_dns_tcp_framing(void **state) {
  (void)state;
  tctx *t = t_ctx();
  add_static(t, "web", PINHOLE_SIDE_OUTSIDE, IP4(198, 19, 0, 50), 32,
             IP4(198, 18, 0, 50), PINHOLE_RULE_DNS_DOCTOR);
  dtcp s;
  dtcp_open(&s, t);
  tpkt p;
  dmsg q1, q2, a, want;
  uint8_t seg[1200], wseg[1200];
  d_query(&q1, 0x0a0a, "www.example.test", 1);
  d_query(&q2, 0x0b0b, "www.example.test", 28);
  size_t n = d_frame(seg, &q1);
  n += d_frame(seg + n, &q2);
  t_tcp_n(&p, IN_HOST, 47000, SRV, 53, s.cseq, s.sseq, PINHOLE_TCP_ACK, seg, n);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_payload_bytes_is(&p, seg, n);
  s.cseq += (uint32_t)n;

  uint32_t addr = IP4(198, 19, 0, 50), to = IP4(198, 18, 0, 50);
  d_answer(&a, 0x0a0a, "www.example.test", 1, &addr, 1);
  d_answer(&want, 0x0a0a, "www.example.test", 1, &to, 1);
  n = d_frame(seg, &a);
  d_frame(wseg, &want);
  /* the first 20 bytes alone: held (not sent) */
  t_tcp_n(&p, SRV, 53, PUB, 47000, s.sseq, s.cseq, PINHOLE_TCP_ACK, seg, 20);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  /* resent whole (a sender waiting for their acknowledgment) */
  t_tcp_n(&p, SRV, 53, PUB, 47000, s.sseq, s.cseq, PINHOLE_TCP_ACK, seg, n);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_payload_bytes_is(&p, wseg, n);
  t_check_cksums(&p);
  s.sseq += (uint32_t)n;
  /* the AAAA answer and the head of a third message: the head is cut */
  d_answer(&a, 0x0b0b, "www.example.test", 28, NULL, 0);
  size_t m1 = d_frame(seg, &a);
  d_answer(&want, 0x0c0c, "www.example.test", 1, &addr, 1);
  size_t m2 = d_frame(seg + m1, &want);
  t_tcp_n(&p, SRV, 53, PUB, 47000, s.sseq, s.cseq, PINHOLE_TCP_ACK, seg,
          m1 + m2 - 5);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_payload_bytes_is(&p, seg, m1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 2);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_REASM_HELD, 2, PINHOLE_CNT_REASM_RESENT, 1,
             PINHOLE_CNT_REASM_COMPLETED, 1, -1);
  t_ctx_del(t);
}

/* A frame shorter than a DNS header is not DNS: refused (dropped, each
 * time it is sent). */
static void test_alg_dns_tcp_bad_frame(void **state) {
  (void)state;
  tctx *t = t_ctx();
  dtcp s;
  dtcp_open(&s, t);
  tpkt p;
  uint8_t seg[] = {0, 5, 'h', 'e', 'l', 'l', 'o'};
  t_tcp_n(&p, IN_HOST, 47000, SRV, 53, s.cseq, s.sseq, PINHOLE_TCP_ACK, seg,
          sizeof(seg));
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_trace(t, "message length below 12"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 2, PINHOLE_CNT_ERR_ALG, 2,
             PINHOLE_CNT_ALG_DNS, 2, PINHOLE_CNT_ALG_UNTRANSLATED, 2, -1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_dns_quick_teardown),
      cmocka_unit_test(test_alg_dns_every_query_answered),
      cmocka_unit_test(test_alg_dns_untracked_waits),
      cmocka_unit_test(test_alg_dns_hostile_dropped),
      cmocka_unit_test(test_alg_dns_count_only),
      cmocka_unit_test(test_alg_dns_answer_over_query_size),
      cmocka_unit_test(test_alg_dns_doctor_for_inside_receiver),
      cmocka_unit_test(test_alg_dns_doctor_for_outside_receiver),
      cmocka_unit_test(test_alg_dns_doctor_flag_checked),
      cmocka_unit_test(test_alg_dns_tcp_framing),
      cmocka_unit_test(test_alg_dns_tcp_bad_frame),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

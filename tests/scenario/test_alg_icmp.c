/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMP and Traceroute ALG scenarios (lib/core/icmp.c): Time Exceeded from
 * routers on the path and Port Unreachable from the probed host reach the
 * inside host for traceroute flows (UDP probes to 33434-33534, ICMP echo
 * under a rule with alg "traceroute"), as exact bytes: outer header,
 * quoted header restored with its IP and L4 checksums, ICMP checksum.
 * Other errors about probes, errors that match no flow, quotes that do not
 * parse and errors addressed elsewhere are dropped with exact counters.
 */
#include "helpers.h"

#define POOL_LO IP4(198, 19, 0, 4)
#define POOL_HI IP4(198, 19, 0, 6)
#define HOST_A IP4(198, 18, 0, 7)
#define HOST_B IP4(198, 18, 0, 41)
#define TARGET IP4(198, 19, 0, 9)
#define ROUTER1 IP4(198, 19, 0, 77)
#define ROUTER2 IP4(198, 19, 0, 130)

/* A context with a pool of three addresses, ports 20000-20999; with
 * icmp_trace, inside ICMP goes through a rule with alg "traceroute" first;
 * then everything from the inside with source NAPT (ALG by port). */
static tctx *ctx_trace(int icmp_trace) {
  pinhole_config cfg;
  t_cfg(&cfg);
  tctx *t = t_ctx_pool(&cfg, POOL_LO, POOL_HI, 20000, 20999);
  pinhole_rules_clear(t->ctx);
  pinhole_rule r;
  if (icmp_trace) {
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    snprintf(r.name, sizeof(r.name), "ping-trace");
    r.side = PINHOLE_SIDE_INSIDE;
    r.proto = PINHOLE_IPPROTO_ICMP;
    r.nat = PINHOLE_NAT_SOURCE;
    r.pool = t->pool;
    snprintf(r.alg, sizeof(r.alg), "traceroute");
    assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  }
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "inside-out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = t->pool;
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  return t;
}

/* A UDP probe as traceroute sends it: TTL ttl, 32 bytes of payload. */
static void probe(tpkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                  uint16_t dport, uint8_t ttl) {
  t_udp(p, src, sport, dst, dport, "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_");
  p->b[8] = ttl;
  t_put16(p->b + 4, (uint16_t)(0x4000 + sport));
  t_fix(p);
}

/* Sends the probe from the inside; *sent is it as it left the gateway. */
static void send_probe(tctx *t, tpkt *p, tpkt *sent) {
  memcpy(sent, p, sizeof(*sent));
  sent->p.data = sent->b;
  assert_int_equal(t_in(t, sent, SEC), PINHOLE_VERDICT_FORWARD);
  t_check_cksums(sent);
}

/* err: the error from src about the packet as it left (quoting its first
 * qlen bytes), to the packet's (public) source. */
static void error_about(tpkt *err, uint32_t src, uint8_t type, uint8_t code,
                        const tpkt *left, size_t qlen) {
  t_icmp_err(err, src, t_get32(left->b + 12), type, code, left->b, qlen);
}

/* The error the inside host must get: from src (as given), to the probe's
 * inside source, quoting the probe as the host sent it. */
static void want_error(tpkt *want, uint32_t src, uint8_t type, uint8_t code,
                       const tpkt *orig, size_t qlen) {
  t_icmp_err(want, src, t_get32(orig->b + 12), type, code, orig->b, qlen);
}

/* A port unreachable quoting qlen bytes of q, checksums computed directly
 * (t_icmp_err's parse refuses quotes this short). */
static void raw_error(tpkt *err, uint32_t src, uint32_t dst, const tpkt *q,
                      size_t qlen) {
  memset(err->b, 0, 28);
  t_ip(err->b, 28 + qlen, 1, src, dst);
  err->b[20] = 3;
  err->b[21] = 3;
  memcpy(err->b + 28, q->b, qlen);
  t_put16(err->b + 22, pinhole_cksum(err->b + 20, 8 + qlen));
  t_put16(err->b + 10, pinhole_cksum(err->b, 20));
  err->p.data = err->b;
  err->p.len = (uint32_t)(28 + qlen);
  err->p.cap = sizeof(err->b);
}

static void bytes_equal(const tpkt *got, const tpkt *want) {
  assert_int_equal(got->p.len, want->p.len);
  assert_memory_equal(got->b, want->b, want->p.len);
  t_check_cksums(got);
}

/* Time Exceeded from two routers and Port Unreachable from the target, for
 * UDP probes of two hosts: each reaches its host exactly. */
static void test_traceroute_udp_time_exceeded(void **state) {
  (void)state;
  tctx *t = ctx_trace(0);
  tpkt p1, s1, p2, s2, p3, s3, err, want;
  probe(&p1, HOST_A, 45001, TARGET, 33434, 1);
  send_probe(t, &p1, &s1);
  probe(&p2, HOST_A, 45002, TARGET, 33435, 2);
  send_probe(t, &p2, &s2);
  probe(&p3, HOST_B, 51234, TARGET, 33436, 3);
  send_probe(t, &p3, &s3);
  /* translated into the pool, ports from 20000-20999 */
  uint32_t pa = t_get32(s1.b + 12), pb = t_get32(s3.b + 12);
  assert_true(pa >= POOL_LO && pa <= POOL_HI);
  assert_true(pb >= POOL_LO && pb <= POOL_HI);
  assert_true(t_get16(s1.b + 20) >= 20000 && t_get16(s1.b + 20) <= 20999);
  assert_int_not_equal(t_get16(s1.b + 20), 45001);
  char *s = t_listing(t);
  assert_non_null(strstr(s, "ALG protocol: traceroute"));
  free(s);

  /* hop 1: a router quoting header + 8 bytes */
  error_about(&err, ROUTER1, 11, 0, &s1, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  want_error(&want, ROUTER1, 11, 0, &p1, 28);
  bytes_equal(&err, &want);
  /* hop 2: another router quoting the whole probe (RFC 1812 4.3.2.3) */
  error_about(&err, ROUTER2, 11, 0, &s2, 60);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  want_error(&want, ROUTER2, 11, 0, &p2, 60);
  bytes_equal(&err, &want);
  /* the target: port unreachable, not counted as a port scan */
  error_about(&err, TARGET, 3, 3, &s3, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  want_error(&want, TARGET, 3, 3, &p3, 28);
  bytes_equal(&err, &want);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 3, -1);
  t_ctx_del(t);
}

/* Errors a trace never gets, about a probe: dropped and counted. */
static void test_traceroute_udp_refused(void **state) {
  (void)state;
  tctx *t = ctx_trace(0);
  tpkt p1, s1, err;
  probe(&p1, HOST_B, 40777, TARGET, 33500, 5);
  send_probe(t, &p1, &s1);
  /* port unreachable from a router: only the probed host sends it */
  error_about(&err, ROUTER1, 3, 3, &s1, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_DISCARD, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_TRACEROUTE, 1, -1);
  /* host unreachable, fragment reassembly time exceeded, parameter
   * problem, redirect: from the router and from the target */
  static const uint8_t tc[][2] = {{3, 1}, {11, 1}, {12, 0}, {5, 1}, {3, 13}};
  for (size_t i = 0; i < sizeof(tc) / sizeof(tc[0]); i++) {
    error_about(&err, ROUTER2, tc[i][0], tc[i][1], &s1, 28);
    assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
    error_about(&err, TARGET, tc[i][0], tc[i][1], &s1, 28);
    assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  }
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_DISCARD, 11,
             PINHOLE_CNT_ERR_ALG, 11, PINHOLE_CNT_ALG_TRACEROUTE, 11, -1);
  assert_true(t_has_event(t, "traceroute"));
  /* Time Exceeded quoting a probe the gateway never sent: unmatched */
  tpkt other;
  memcpy(&other, &s1, sizeof(other));
  t_put16(other.b + 22, 33501);
  error_about(&err, ROUTER1, 11, 0, &other, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_DISCARD, 11, PINHOLE_CNT_ERR_ALG, 12,
             PINHOLE_CNT_ALG_TRACEROUTE, 12, -1);
  /* the real one still passes */
  error_about(&err, ROUTER1, 11, 0, &s1, 28);
  assert_int_equal(t_out(t, &err, 3 * SEC), PINHOLE_VERDICT_FORWARD);
  t_ctx_del(t);
}

/* ICMP echo traceroute (rule alg "traceroute"): the quoted echo gets its
 * identifier back, its checksum updated. */
static void test_traceroute_icmp_echo(void **state) {
  (void)state;
  tctx *t = ctx_trace(1);
  tpkt p, s, err, want;
  t_echo(&p, HOST_A, TARGET, 8, 0x1f2e, 1);
  p.b[8] = 1;
  t_fix(&p);
  send_probe(t, &p, &s);
  uint16_t pub_id = t_get16(s.b + 24);
  assert_int_not_equal(pub_id, 0x1f2e);
  char *l = t_listing(t);
  assert_non_null(strstr(l, "ALG protocol: traceroute"));
  free(l);
  error_about(&err, ROUTER2, 11, 0, &s, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  want_error(&want, ROUTER2, 11, 0, &p, 28);
  bytes_equal(&err, &want);
  /* the whole echo quoted: its checksum verifies again */
  error_about(&err, ROUTER1, 11, 0, &s, 36);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  want_error(&want, ROUTER1, 11, 0, &p, 36);
  bytes_equal(&err, &want);
  assert_int_equal(pinhole_cksum(err.b + 48, 16), 0);
  /* net unreachable from a router about an echo trace: refused */
  error_about(&err, ROUTER1, 3, 0, &s, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_TRACEROUTE, 1, -1);
  t_ctx_del(t);
}

/* Flows of no ALG keep RFC 5508: errors from routers pass (PMTU discovery
 * needs Fragmentation Needed), port unreachable counts as a port scan. */
static void test_icmp_plain_flow_router_errors(void **state) {
  (void)state;
  tctx *t = ctx_trace(1);
  tpkt p, s, err, want;
  probe(&p, HOST_B, 47000, TARGET, 7000, 64);
  send_probe(t, &p, &s);
  error_about(&err, ROUTER1, 3, 4, &s, 28);
  t_put16(err.b + 26, 1400); /* next-hop MTU */
  t_fix(&err);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  want_error(&want, ROUTER1, 3, 4, &p, 28);
  t_put16(want.b + 26, 1400);
  t_fix(&want);
  bytes_equal(&err, &want);
  error_about(&err, ROUTER2, 11, 0, &s, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  error_about(&err, TARGET, 3, 3, &s, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  want_error(&want, TARGET, 3, 3, &p, 28);
  bytes_equal(&err, &want);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_ERR_UDP, 1, PINHOLE_CNT_UDP_PORT_SCAN, 1, -1);
  t_ctx_del(t);
}

/* Inconsistent quotes: each dropped, counted as the ICMP ALG's. */
static void test_icmp_alg_inconsistent_quotes(void **state) {
  (void)state;
  tctx *t = ctx_trace(0);
  tpkt p, s, err, q;
  probe(&p, HOST_A, 46000, TARGET, 5353, 64);
  send_probe(t, &p, &s);
  uint32_t pub = t_get32(s.b + 12);
  /* addressed to another public address than the quoted source */
  uint32_t elsewhere = pub == POOL_HI ? POOL_LO : pub + 1;
  t_icmp_err(&err, TARGET, elsewhere, 3, 3, s.b, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_DISCARD, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_ICMP, 1, -1);
  /* quoting another port: no such flow */
  memcpy(&q, &s, sizeof(q));
  t_put16(q.b + 20, (uint16_t)(t_get16(s.b + 20) + 1));
  error_about(&err, TARGET, 3, 3, &q, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  /* quoting another destination */
  memcpy(&q, &s, sizeof(q));
  t_put32(q.b + 16, ROUTER2);
  error_about(&err, TARGET, 3, 3, &q, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  /* quoting GRE */
  memcpy(&q, &s, sizeof(q));
  q.b[9] = 47;
  error_about(&err, TARGET, 3, 2, &q, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  /* the error arriving from the wrong side (the inside) */
  error_about(&err, TARGET, 3, 3, &s, 28);
  assert_int_equal(t_in(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_NEW_DISCARD, 4,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_ALG, 5,
             PINHOLE_CNT_ALG_ICMP, 5, -1);
  /* a quoted ICMP error (an error about an error) */
  tpkt inner;
  t_icmp_err(&inner, pub, TARGET, 3, 3, s.b, 28);
  error_about(&err, TARGET, 3, 3, &inner, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_NEW_DISCARD, 4,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_ALG, 6,
             PINHOLE_CNT_ALG_ICMP, 6, PINHOLE_CNT_ERR_ICMP, 1,
             PINHOLE_CNT_ICMP_ERR_LEN, 1, -1);
  /* truncated quotes: every length below header + 8 */
  for (size_t n = 0; n < 28; n++) {
    raw_error(&err, TARGET, pub, &s, n);
    assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_DROP);
  }
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_NEW_DISCARD, 4,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_ALG, 34,
             PINHOLE_CNT_ALG_ICMP, 34, PINHOLE_CNT_ERR_ICMP, 29,
             PINHOLE_CNT_ICMP_ERR_LEN, 29, -1);
  /* and the flow's own error still passes, exactly */
  tpkt want;
  error_about(&err, TARGET, 3, 3, &s, 28);
  assert_int_equal(t_out(t, &err, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  want_error(&want, TARGET, 3, 3, &p, 28);
  bytes_equal(&err, &want);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_traceroute_udp_time_exceeded),
      cmocka_unit_test(test_traceroute_udp_refused),
      cmocka_unit_test(test_traceroute_icmp_echo),
      cmocka_unit_test(test_icmp_plain_flow_router_errors),
      cmocka_unit_test(test_icmp_alg_inconsistent_quotes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

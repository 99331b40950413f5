/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The IPv4 identification NAT64 gives a translated packet (RFC 7915 sec.
 * 5.1, "a Fragment Identification generator at the translator";
 * core/nat64.c ph_ip_id, docs/nat64.md): per connection a counter started
 * at a keyed random base, id = base + the packets the connection had from
 * its IPv6 side, base = the low 16 bits of SipHash-1-3 under the
 * context's key (k0 ^ "nat64idb") of side B's IPv4 tuple (server, public
 * address, server port << 16 | public port, protocol) as four host-order
 * 32-bit words. The test computes that formula itself and pins one value
 * outright, so a change on either side shows.
 */
#include "helpers6.h"

#include <pinhole/hash.h>
#include <pinhole/state.h>

#define CLI "2001:db8:1::2"
#define SRV6 "64:ff9b::c613:2" /* OUT_HOST 198.19.0.2 under the WKP */

static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;

/* The configuration of the tests' NAT64 contexts: t_cfg's with IPv6
 * slots, k0 of the hash key xored with flip. */
static void cfg64(pinhole_config *cfg, uint64_t flip) {
  t_cfg(cfg);
  cfg->max_conns6 = 64;
  cfg->hash_key.k0 ^= flip;
}

/* A NAT64 context of cfg: the WKP with PINHOLE_NAT64_LAB (the servers
 * are in 198.18/15), the rule to it, the pool PUB ports 30000-30999. */
static tctx *ctx64(const pinhole_config *cfg) {
  tctx *t = t_ctx_pool(cfg, PUB, PUB, 30000, 30999);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, wkp, 96, PINHOLE_NAT64_LAB),
                   0);
  assert_true(t_rule64(t->ctx, t->pool, "64:ff9b::", 96) >= 0);
  return t;
}

/* The identification of packet k (from 0) from the IPv6 side of the
 * connection whose IPv4 side is srv:sport <-> PUB:pport, by the
 * documented formula. */
static uint16_t want_id(const pinhole_config *cfg, uint8_t proto, uint32_t srv,
                        uint16_t sport, uint16_t pport, uint32_t k) {
  uint32_t w[4] = {srv, PUB, (uint32_t)sport << 16 | pport, proto};
  pinhole_hash_key key = cfg->hash_key;
  key.k0 ^= 0x6e61743634696462ull; /* "nat64idb" */
  return (uint16_t)(pinhole_siphash13(&key, w, sizeof(w)) + k);
}

/* Sends a UDP datagram CLI:5353 -> SRV6:53 with payload text through t:
 * forwarded as IPv4 from PUB; its identification, *port its source. */
static uint16_t udp_out(tctx *t, const char *text, uint16_t *port) {
  tpkt p;
  b6_udp(&p, CLI, 5353, SRV6, 53, text);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.b[0], 0x45);
  assert_int_equal(t_get32(p.b + 12), PUB);
  *port = t_get16(p.b + 20);
  return t_get16(p.b + 4);
}

/* RFC 7915 sec. 5.1, RFC 7739 sec. 5.1/5.3: a UDP, a TCP and an echo
 * connection each count up from their own keyed base, one a packet from
 * the IPv6 side (replies do not move it), a DF-set output (above 1260
 * bytes: an atomic datagram, RFC 6864 sec. 4.1) included. */
static void test_nat64_id_counter_rfc7915_5_1(void **state) {
  (void)state;
  pinhole_config cfg;
  cfg64(&cfg, 0);
  tctx *t = ctx64(&cfg);
  tpkt p;
  uint16_t P = 0, Q = 0, id[4];
  for (uint32_t k = 0; k < 4; k++) {
    id[k] = udp_out(t, "query", &Q);
    if (k == 0)
      P = Q;
    assert_int_equal(Q, P);
    assert_int_equal(id[k],
                     want_id(&cfg, PINHOLE_IPPROTO_UDP, OUT_HOST, 53, P, k));
    if (k > 0)
      assert_int_equal((uint16_t)(id[k] - id[k - 1]), 1);
    t_udp(&p, OUT_HOST, 53, PUB, P, "answer"); /* counted from side B */
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  }
  assert_int_equal(id[0], 0x4c75); /* the formula's value, pinned */
  /* a translation above 1260 bytes leaves with DF set, the same counter */
  char big[1300];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = 0;
  b6_udp(&p, CLI, 5353, SRV6, 53, big);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.p.len, 20 + 8 + sizeof(big) - 1);
  assert_int_equal(t_get16(p.b + 6), 0x4000); /* DF, offset 0 */
  assert_int_equal(t_get16(p.b + 4),
                   want_id(&cfg, PINHOLE_IPPROTO_UDP, OUT_HOST, 53, P, 4));

  /* TCP: the SYN is packet 0 */
  b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_SYN, 1000, 0, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t T = t_get16(p.b + 20);
  assert_int_equal(t_get16(p.b + 4),
                   want_id(&cfg, PINHOLE_IPPROTO_TCP, OUT_HOST, 80, T, 0));
  t_tcp_n(&p, OUT_HOST, 80, PUB, T, 5000, 1001,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  for (uint32_t k = 1; k < 3; k++) {
    b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
           1001 + 10 * (k - 1), 5001, 10);
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    assert_int_equal(t_get16(p.b + 4),
                     want_id(&cfg, PINHOLE_IPPROTO_TCP, OUT_HOST, 80, T, k));
  }
  /* echo: its tuple is (server, identifier, PUB, identifier) */
  for (uint16_t k = 0; k < 3; k++) {
    b6_ping(&p, CLI, SRV6, PINHOLE_ICMP6_ECHO, 0x77, (uint16_t)(k + 1));
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    assert_int_equal(p.b[9], PINHOLE_IPPROTO_ICMP);
    uint16_t E = t_get16(p.b + 24);
    assert_int_equal(t_get16(p.b + 4),
                     want_id(&cfg, PINHOLE_IPPROTO_ICMP, OUT_HOST, E, E, k));
  }
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 13,
             PINHOLE_CNT_NAT64_XLAT, 16, -1);
  t_ctx_del(t);
}

/* The base is keyed: the same connection through a context with another
 * hash key gets other identifications (each its own key's). */
static void test_nat64_id_keyed(void **state) {
  (void)state;
  pinhole_config c1, c2;
  cfg64(&c1, 0);
  cfg64(&c2, 1);
  tctx *t1 = ctx64(&c1), *t2 = ctx64(&c2);
  uint16_t P1, P2;
  uint16_t i1 = udp_out(t1, "query", &P1), i2 = udp_out(t2, "query", &P2);
  assert_int_equal(i1, want_id(&c1, PINHOLE_IPPROTO_UDP, OUT_HOST, 53, P1, 0));
  assert_int_equal(i2, want_id(&c2, PINHOLE_IPPROTO_UDP, OUT_HOST, 53, P2, 0));
  assert_int_equal(P1, P2); /* the same public port, other bases */
  assert_int_not_equal(i1, i2);
  assert_int_equal(i1, 0x4c75);
  assert_int_equal(i2, 0x58dc);
  t_ctx_del(t1);
  t_ctx_del(t2);
}

/* A standby that took the connections over (pinhole_state_import, with
 * flows of its own before: other slots) goes on with the active's next
 * identifications: the base travels in the blob with the count. */
static void test_nat64_id_failover(void **state) {
  (void)state;
  pinhole_config cfg;
  cfg64(&cfg, 0);
  tctx *a = ctx64(&cfg), *b = ctx64(&cfg);
  tpkt p;
  b6_udp(&p, "2001:db8:1::77", 7000, "64:ff9b::c613:9", 7001, "own one");
  assert_int_equal(t_in(b, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = 0;
  for (uint32_t k = 0; k < 3; k++) {
    uint16_t id = udp_out(a, "query", &P);
    assert_int_equal(id,
                     want_id(&cfg, PINHOLE_IPPROTO_UDP, OUT_HOST, 53, P, k));
  }
  b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_SYN, 1000, 0, 0);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t T = t_get16(p.b + 20);
  t_tcp_n(&p, OUT_HOST, 80, PUB, T, 5000, 1001,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(t_out(a, &p, SEC), PINHOLE_VERDICT_FORWARD);

  static uint8_t blob[16384];
  size_t len = 0;
  uint64_t next = 0;
  assert_int_equal(
      pinhole_state_export(a->ctx, 2 * SEC, 0, blob, sizeof(blob), &len, &next),
      1);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 2);
  tctx *ab[2] = {a, b};
  for (int i = 0; i < 2; i++) {
    uint16_t Q = 0, id = udp_out(ab[i], "query", &Q);
    assert_int_equal(Q, P);
    assert_int_equal(id,
                     want_id(&cfg, PINHOLE_IPPROTO_UDP, OUT_HOST, 53, P, 3));
    b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_ACK, 1001, 5001, 0);
    assert_int_equal(t_in(ab[i], &p, 3 * SEC), PINHOLE_VERDICT_FORWARD);
    assert_int_equal(t_get16(p.b + 20), T);
    assert_int_equal(t_get16(p.b + 4),
                     want_id(&cfg, PINHOLE_IPPROTO_TCP, OUT_HOST, 80, T, 1));
  }
  t_ctx_del(a);
  t_ctx_del(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nat64_id_counter_rfc7915_5_1),
      cmocka_unit_test(test_nat64_id_keyed),
      cmocka_unit_test(test_nat64_id_failover),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

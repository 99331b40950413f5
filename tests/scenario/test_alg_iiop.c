/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IIOP ALG scenarios: a CORBA server inside behind destination NAT on a
 * second public address answers an outside client with object references
 * naming its inside address: a big-endian LOCATION_FORWARD on a port a
 * rule gives the ALG, a little-endian reply whose two profiles differ in
 * byte order on port 683 (exact rewritten bytes, pinholes used, listing,
 * counters); a malformed forward naming the inside address (refused), a
 * third party's reference, a reply to nothing and a stream that is not
 * GIOP (desynchronised).
 */
#include "helpers.h"

#define ORB IP4(198, 18, 0, 5)     /* the server, inside */
#define ORBPUB IP4(198, 19, 0, 77) /* its public address */
#define CLI IP4(198, 19, 0, 31)    /* the client, outside */

/* GIOP 1.1 Request, as the fuzz seed request11_framed */
static const uint8_t req11[16] = {0x47, 0x49, 0x4f, 0x50, 0x01, 0x01,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x04};

/* Reply 1.2 LOCATION_FORWARD, big-endian: one IIOP 1.2 profile
 * 198.18.0.5:2809 (fuzz seed reply12_be_location_forward) */
static const uint8_t fwd_be[161] = {
    0x47, 0x49, 0x4f, 0x50, 0x01, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x95,
    0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x2b, 0x49, 0x44, 0x4c, 0x3a, 0x6f, 0x6d, 0x67, 0x2e,
    0x6f, 0x72, 0x67, 0x2f, 0x43, 0x6f, 0x73, 0x4e, 0x61, 0x6d, 0x69, 0x6e,
    0x67, 0x2f, 0x4e, 0x61, 0x6d, 0x69, 0x6e, 0x67, 0x43, 0x6f, 0x6e, 0x74,
    0x65, 0x78, 0x74, 0x45, 0x78, 0x74, 0x3a, 0x31, 0x2e, 0x30, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4d,
    0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b, 0x31, 0x39, 0x38, 0x2e,
    0x31, 0x38, 0x2e, 0x30, 0x2e, 0x35, 0x00, 0x00, 0x0a, 0xf9, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x08, 0xff, 0x50, 0x48, 0x00, 0x6b, 0x65, 0x79, 0x01,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x00, 0x00, 0x00, 0x4f, 0x4d, 0x4e, 0x49, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00,
};

/* Reply 1.2 LOCATION_FORWARD_PERM, little-endian: an IIOP 1.2 profile in
 * little-endian 198.18.0.5:2809, an IIOP 1.0 one in big-endian
 * 198.18.0.5:2810 (fuzz seed reply12_le_two_profiles) */
static const uint8_t two_le[208] = {
    0x47, 0x49, 0x4f, 0x50, 0x01, 0x02, 0x01, 0x01, 0xc4, 0x00, 0x00, 0x00,
    0x07, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x2b, 0x00, 0x00, 0x00, 0x49, 0x44, 0x4c, 0x3a, 0x6f, 0x6d, 0x67, 0x2e,
    0x6f, 0x72, 0x67, 0x2f, 0x43, 0x6f, 0x73, 0x4e, 0x61, 0x6d, 0x69, 0x6e,
    0x67, 0x2f, 0x4e, 0x61, 0x6d, 0x69, 0x6e, 0x67, 0x43, 0x6f, 0x6e, 0x74,
    0x65, 0x78, 0x74, 0x45, 0x78, 0x74, 0x3a, 0x31, 0x2e, 0x30, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4d, 0x00, 0x00, 0x00,
    0x01, 0x01, 0x02, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x31, 0x39, 0x38, 0x2e,
    0x31, 0x38, 0x2e, 0x30, 0x2e, 0x35, 0x00, 0x00, 0xf9, 0x0a, 0x00, 0x00,
    0x08, 0x00, 0x00, 0x00, 0xff, 0x50, 0x48, 0x00, 0x6b, 0x65, 0x79, 0x01,
    0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x4f, 0x4d, 0x4e, 0x49, 0x01, 0x00, 0x00, 0x00,
    0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x24, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b,
    0x31, 0x39, 0x38, 0x2e, 0x31, 0x38, 0x2e, 0x30, 0x2e, 0x35, 0x00, 0x00,
    0x0a, 0xfa, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0xff, 0x50, 0x48, 0x00,
    0x6b, 0x65, 0x79, 0x01,
};

typedef struct orb_sess {
  tctx *t;
  uint16_t port;
  uint32_t cs, ss;
} orb_sess;

/* The rule: ORBPUB:port to ORB, with the ALG named when alg is set. */
static void orb_open(orb_sess *s, uint16_t port, const char *alg) {
  tpkt p;
  pinhole_pkt_view v;
  s->t = t_ctx();
  s->port = port;
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "orb-in");
  r.side = PINHOLE_SIDE_OUTSIDE;
  r.proto = PINHOLE_IPPROTO_TCP;
  r.dst_addr = ORBPUB;
  r.dst_plen = 32;
  r.dport_lo = r.dport_hi = port;
  r.nat = PINHOLE_NAT_DEST;
  r.nat_addr = ORB;
  if (alg)
    snprintf(r.alg, sizeof(r.alg), "%s", alg);
  assert_int_equal(pinhole_rule_add(s->t->ctx, &r), 1);
  s->cs = 300;
  s->ss = 77000;
  t_tcp(&p, CLI, 41000, ORBPUB, port, s->cs++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, ORB);
  t_tcp(&p, ORB, port, CLI, 41000, s->ss++, s->cs,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
}

static void orb_request(orb_sess *s) {
  tpkt p;
  t_tcp_n(&p, CLI, 41000, ORBPUB, s->port, s->cs, s->ss, PINHOLE_TCP_ACK, req11,
          sizeof(req11));
  assert_int_equal(t_out(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s->cs += sizeof(req11);
}

/* The server's reply m; returns the verdict, the packet as it left in *p. */
static int orb_reply(orb_sess *s, tpkt *p, const uint8_t *m, size_t n) {
  t_tcp_n(p, ORB, s->port, CLI, 41000, s->ss, s->cs, PINHOLE_TCP_ACK, m, n);
  return t_in(s->t, p, SEC);
}

/* m with every 198.18.0.5 host (length field at each of at) become
 * 198.19.0.77: one character more, taking the NUL's pad byte. */
static void orb_expect(uint8_t *w, const uint8_t *m, size_t n,
                       const size_t *len_at, size_t k, int little) {
  memcpy(w, m, n);
  for (size_t i = 0; i < k; i++) {
    w[len_at[i] + (little ? 0 : 3)] = 12;
    memcpy(w + len_at[i] + 4, "198.19.0.77", 12);
  }
}

static void test_alg_iiop_forward_be(void **state) {
  (void)state;
  orb_sess s;
  orb_open(&s, 2809, "iiop");
  tctx *t = s.t;
  orb_request(&s);
  uint8_t m[sizeof(fwd_be)], w[sizeof(fwd_be)];
  memcpy(m, fwd_be, sizeof(m));
  m[0x68] = 0x9c; /* the object listens on 40001 */
  m[0x69] = 0x41;
  const size_t at[] = {0x58};
  orb_expect(w, m, sizeof(m), at, 1, 0);
  tpkt p;
  pinhole_pkt_view v;
  assert_int_equal(orb_reply(&s, &p, m, sizeof(m)), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, ORBPUB);
  t_payload_eq(&p, w, sizeof(w));
  t_check_cksums(&p);
  /* the client follows the forward to 40001, a stranger cannot */
  t_tcp(&p, IP4(198, 19, 0, 32), 41001, ORBPUB, 40001, 1, 0, PINHOLE_TCP_SYN,
        NULL);
  assert_int_not_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, CLI, 41001, ORBPUB, 40001, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, ORB);
  assert_int_equal(v.dport, 40001);
  t_listing_is(t, "Conversation: ALG protocol: iiop\n"
                  "  Number of initiators: 2, Number of responders: 2\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP 198.19.0.31:41000 -> 198.19.0.77:2809     Watch    I    "
                  "      2\n"
                  "    NAT dest 198.19.0.77:2809 -> 198.18.0.5:2809\n"
                  "TCP 198.19.0.31:41001 -> 198.19.0.77:40001    Forward  I    "
                  "      1\n"
                  "    NAT dest 198.19.0.77:40001 -> 198.18.0.5:40001\n"
                  "TCP 198.18.0.5:2809 -> 198.19.0.31:41000      Watch    O    "
                  "      2\n"
                  "    NAT source 198.18.0.5:2809 -> 198.19.0.77:2809\n"
                  "TCP 198.18.0.5:40001 -> 198.19.0.31:41001     Forward  O    "
                  "      0\n"
                  "    NAT source 198.18.0.5:40001 -> 198.19.0.77:40001\n");
  /* two new flows accepted (control, object), the stranger discarded */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 3, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(t);
}

static void test_alg_iiop_two_profiles_le(void **state) {
  (void)state;
  orb_sess s;
  orb_open(&s, 683, NULL);
  orb_request(&s);
  uint8_t w[sizeof(two_le)];
  const size_t at_le[] = {0x58}, at_be[] = {0xb0};
  orb_expect(w, two_le, sizeof(two_le), at_le, 1, 1);
  orb_expect(w, w, sizeof(w), at_be, 1, 0);
  tpkt p;
  assert_int_equal(orb_reply(&s, &p, two_le, sizeof(two_le)),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, w, sizeof(w));
  t_check_cksums(&p);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  for (uint16_t port = 2809; port <= 2810; port++) {
    t_tcp(&p, CLI, (uint16_t)(41000 + port), ORBPUB, port, 1, 0,
          PINHOLE_TCP_SYN, NULL);
    assert_int_equal(t_out(s.t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  }
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_USED), 2);
  t_ctx_del(s.t);
}

/* m as a NO_EXCEPTION result with 8 bytes (a sequence<octet> of 4)
 * before its body's IOR (little-endian message size grown by 8). */
static size_t orb_shift(uint8_t *d, const uint8_t *m, size_t n) {
  static const uint8_t seq[8] = {4, 0, 0, 0, 'a', 'b', 'c', 'd'};
  memcpy(d, m, 24);
  memcpy(d + 24, seq, 8);
  memcpy(d + 32, m + 24, n - 24);
  d[8] = (uint8_t)(d[8] + 8);
  d[16] = 0; /* NO_EXCEPTION */
  return n + 8;
}

static void test_alg_iiop_result_ior_not_first(void **state) {
  (void)state;
  orb_sess s;
  orb_open(&s, 683, NULL);
  orb_request(&s);
  /* list() returns its BindingIterator after the bindings: a reference
   * that is not at the start of the body is found and rewritten too */
  uint8_t w0[sizeof(two_le)], m[sizeof(two_le) + 8], w[sizeof(two_le) + 8];
  const size_t at_le[] = {0x58}, at_be[] = {0xb0};
  orb_expect(w0, two_le, sizeof(two_le), at_le, 1, 1);
  orb_expect(w0, w0, sizeof(w0), at_be, 1, 0);
  size_t n = orb_shift(m, two_le, sizeof(two_le));
  orb_shift(w, w0, sizeof(w0));
  tpkt p;
  assert_int_equal(orb_reply(&s, &p, m, n), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, w, n);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(s.t);
}

static void test_alg_iiop_malformed_forward_refused(void **state) {
  (void)state;
  orb_sess s;
  orb_open(&s, 683, NULL);
  orb_request(&s);
  uint8_t m[sizeof(fwd_be)];
  memcpy(m, fwd_be, sizeof(m));
  m[0x54] = 7; /* the profile's byte order octet */
  tpkt p;
  assert_int_equal(orb_reply(&s, &p, m, sizeof(m)), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_IIOP), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_true(t_has_event(s.t, "malformed forward reference"));
  t_ctx_del(s.t);
}

static void test_alg_iiop_third_party(void **state) {
  (void)state;
  orb_sess s;
  orb_open(&s, 683, NULL);
  orb_request(&s);
  uint8_t m[sizeof(fwd_be)];
  memcpy(m, fwd_be, sizeof(m));
  m[0x65] = '6'; /* 198.18.0.6: another host */
  tpkt p;
  assert_int_equal(orb_reply(&s, &p, m, sizeof(m)), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, m, sizeof(m));
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_IIOP), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_true(t_has_event(s.t, "object address is not the server's"));
  t_ctx_del(s.t);
}

static void test_alg_iiop_own_endpoint_683(void **state) {
  (void)state;
  orb_sess s;
  orb_open(&s, 683, NULL);
  orb_request(&s);
  /* a reference to the server's own listening port 683: rewritten, no
   * "port below 1024" error, no pinhole (the connection reaches it) */
  uint8_t m[sizeof(fwd_be)], w[sizeof(fwd_be)];
  memcpy(m, fwd_be, sizeof(m));
  m[0x68] = 0x02;
  m[0x69] = 0xab;
  const size_t at[] = {0x58};
  orb_expect(w, m, sizeof(m), at, 1, 0);
  tpkt p;
  assert_int_equal(orb_reply(&s, &p, m, sizeof(m)), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, w, sizeof(w));
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(s.t);
}

/* Every prefix (one segment ending with FIN: not withheld) and every
 * one-byte corruption of the reply: no crash, at most the pinhole the
 * whole reply opens. */
static void test_alg_iiop_hostile_prefixes_and_flips(void **state) {
  (void)state;
  uint8_t m[sizeof(fwd_be)];
  for (size_t k = 1; k < 2 * sizeof(fwd_be); k++) {
    orb_sess s;
    orb_open(&s, 683, NULL);
    orb_request(&s);
    memcpy(m, fwd_be, sizeof(m));
    size_t n = sizeof(m);
    if (k < sizeof(m))
      n = k;
    else
      m[k - sizeof(m)] ^= 0xa5;
    tpkt p;
    t_tcp_n(&p, ORB, 683, CLI, 41000, s.ss, s.cs,
            PINHOLE_TCP_ACK | PINHOLE_TCP_FIN, m, n);
    int v = t_in(s.t, &p, SEC);
    assert_true(v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_DROP);
    assert_true(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED) <= 1);
    t_ctx_del(s.t);
  }
}

static void test_alg_iiop_long_request_then_forward(void **state) {
  (void)state;
  orb_sess s;
  orb_open(&s, 683, NULL);
  /* a Request of 12 + 2000 bytes in two segments: skipped by its size,
   * and the session has its request */
  static uint8_t req[2012];
  memcpy(req, req11, 12);
  req[10] = 0x07; /* message size 2000, big-endian */
  req[11] = 0xd0;
  tpkt p;
  t_tcp_n(&p, CLI, 41000, ORBPUB, 683, s.cs, s.ss, PINHOLE_TCP_ACK, req, 1000);
  assert_int_equal(t_out(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp_n(&p, CLI, 41000, ORBPUB, 683, s.cs + 1000, s.ss, PINHOLE_TCP_ACK,
          req + 1000, 1012);
  assert_int_equal(t_out(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s.cs += 2012;
  uint8_t w[sizeof(fwd_be)];
  const size_t at[] = {0x58};
  orb_expect(w, fwd_be, sizeof(fwd_be), at, 1, 0);
  assert_int_equal(orb_reply(&s, &p, fwd_be, sizeof(fwd_be)),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, w, sizeof(w));
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_DESYNC), 0);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  t_ctx_del(s.t);
}

static void test_alg_iiop_not_giop(void **state) {
  (void)state;
  orb_sess s;
  orb_open(&s, 683, NULL);
  tpkt p;
  /* a reply before any request: not honoured, that direction stops */
  assert_int_equal(orb_reply(&s, &p, fwd_be, sizeof(fwd_be)),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, fwd_be, sizeof(fwd_be));
  /* the client speaks HTTP: its direction stops too */
  const char *post = "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nGIOP";
  t_tcp(&p, CLI, 41000, ORBPUB, 683, s.cs, s.ss, PINHOLE_TCP_ACK, post);
  assert_int_equal(t_out(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, post);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_DESYNC), 2);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_IIOP), 2);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(s.t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_iiop_forward_be),
      cmocka_unit_test(test_alg_iiop_two_profiles_le),
      cmocka_unit_test(test_alg_iiop_result_ior_not_first),
      cmocka_unit_test(test_alg_iiop_malformed_forward_refused),
      cmocka_unit_test(test_alg_iiop_third_party),
      cmocka_unit_test(test_alg_iiop_own_endpoint_683),
      cmocka_unit_test(test_alg_iiop_hostile_prefixes_and_flips),
      cmocka_unit_test(test_alg_iiop_long_request_then_forward),
      cmocka_unit_test(test_alg_iiop_not_giop),
  };
  return cmocka_run_group_tests_name("scenario.alg_iiop", tests, NULL, NULL);
}

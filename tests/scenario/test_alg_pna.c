/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Real Audio (PNA) ALG scenarios: a RealAudio client inside behind source
 * NAPT (three public addresses, a narrow port range: the announced ports
 * must change) sends its hello naming a UDP data port and a robust UDP
 * port; both are rewritten in place (exact bytes), the server's packets
 * come in through the pinholes and nobody else's; the hello sent again,
 * split, malformed (refused, or passed when configured), a port below
 * 1024, a stream that is not PNA, and every prefix and byte flip.
 */
#include "helpers.h"

#define RCLI IP4(198, 18, 0, 5)
#define RSRV IP4(198, 19, 0, 20)
#define ROTHER IP4(198, 19, 0, 21)

/* A hello: version 10, an option, the UDP port (tag 1), a player name,
 * the robust port (tag 7; none when 0xffff), the end tag. Returns its
 * length (45 with both ports); the UDP port's value is at 17, the
 * robust port's at 41. */
static size_t pna_hello(uint8_t *b, uint16_t udp, uint16_t robust) {
  static const uint8_t head[] = {'P', 'N', 'A',  0,    10, 0, 2, 0, 4,
                                 0,   0,   0x3a, 0x98, 0,  1, 0, 2};
  size_t n = sizeof(head);
  memcpy(b, head, n);
  t_put16(b + n, udp);
  n += 2;
  memcpy(b + n, "\x00\x17\x00\x0eRealPlayer/5.0", 18);
  n += 18;
  if (robust != 0xffff) {
    memcpy(b + n, "\x00\x07\x00\x02", 4);
    t_put16(b + n + 4, robust);
    n += 6;
  }
  b[n++] = 0;
  b[n++] = 0;
  return n;
}

typedef struct pna_sess {
  tctx *t;
  uint32_t cs, ss;
  uint16_t pub_port;
  uint32_t pub_addr;
} pna_sess;

static void pna_open_flags(pna_sess *s, uint32_t flags) {
  tpkt p;
  pinhole_pkt_view v;
  s->t = t_ctx_pool3(40000, 40009, flags, 0, 0, 0);
  s->cs = 70000;
  s->ss = 9000;
  t_tcp(&p, RCLI, 51000, RSRV, 7070, s->cs++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  s->pub_addr = v.src;
  s->pub_port = v.sport;
  t_tcp(&p, RSRV, 7070, s->pub_addr, s->pub_port, s->ss++, s->cs,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
}

static void pna_open(pna_sess *s) {
  pna_open_flags(s, 0);
}

static int pna_send(pna_sess *s, tpkt *p, const uint8_t *b, size_t n,
                    uint8_t flags) {
  t_tcp_n(p, RCLI, 51000, RSRV, 7070, s->cs, s->ss, PINHOLE_TCP_ACK | flags, b,
          n);
  return t_in(s->t, p, SEC);
}

static void test_alg_pna_hello(void **state) {
  (void)state;
  pna_sess s;
  pna_open(&s);
  tctx *t = s.t;
  tpkt p;
  pinhole_pkt_view v;
  uint8_t b[128], w[128];
  size_t n = pna_hello(b, 6970, 6971);
  assert_int_equal(n, 45);
  assert_int_equal(pna_send(&s, &p, b, n, 0), PINHOLE_VERDICT_FORWARD);
  /* both ports mapped with the connection's public address, rewritten in
   * place: same length, no sequence change */
  t_view(&p, &v);
  assert_int_equal(v.src, s.pub_addr);
  uint16_t pub_udp = t_get16(p.b + 40 + 17);
  uint16_t pub_rob = t_get16(p.b + 40 + 41);
  assert_int_equal(s.pub_addr, IP4(198, 19, 0, 5));
  assert_int_equal(s.pub_port, 40003);
  assert_int_equal(pub_udp, 40005);
  assert_int_equal(pub_rob, 40004);
  assert_int_equal(pna_hello(w, pub_udp, pub_rob), n);
  t_payload_eq(&p, w, n);
  t_check_cksums(&p);
  s.cs += (uint32_t)n;
  /* the audio from the server, from any port, reaches the real ports */
  t_udp(&p, RSRV, 7071, s.pub_addr, pub_udp, "audio");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, RCLI);
  assert_int_equal(v.dport, 6970);
  t_udp(&p, RSRV, 7072, s.pub_addr, pub_rob, "fec");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dport, 6971);
  /* nobody else's packets: the pinholes were for the server alone */
  t_udp(&p, ROTHER, 7071, s.pub_addr, pub_udp, "spoof");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_DROP);
  /* the server's ACK is not shifted (same length) */
  t_tcp(&p, RSRV, 7070, s.pub_addr, s.pub_port, s.ss, s.cs, PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.ack, s.cs);
  t_listing_is(t, "Conversation: ALG protocol: pna\n"
                  "  Number of initiators: 3, Number of responders: 3\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP 198.18.0.5:51000 -> 198.19.0.20:7070      Watch    I    "
                  "      2\n"
                  "    NAT source 198.18.0.5:51000 -> 198.19.0.5:40003\n"
                  "UDP 198.18.0.5:6970 -> 198.19.0.20:7071       Forward  I    "
                  "      0\n"
                  "    NAT source 198.18.0.5:6970 -> 198.19.0.5:40005\n"
                  "UDP 198.18.0.5:6971 -> 198.19.0.20:7072       Forward  I    "
                  "      0\n"
                  "    NAT source 198.18.0.5:6971 -> 198.19.0.5:40004\n"
                  "TCP 198.19.0.20:7070 -> 198.19.0.5:40003      Watch    O    "
                  "      2\n"
                  "    NAT dest 198.19.0.5:40003 -> 198.18.0.5:51000\n"
                  "UDP 198.19.0.20:7071 -> 198.19.0.5:40005      Forward  O    "
                  "      1\n"
                  "    NAT dest 198.19.0.5:40005 -> 198.18.0.5:6970\n"
                  "UDP 198.19.0.20:7072 -> 198.19.0.5:40004      Forward  O    "
                  "      1\n"
                  "    NAT dest 198.19.0.5:40004 -> 198.18.0.5:6971\n");
  /* the spoofed datagram matched no rule */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_NO_RULE, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_PINHOLE_USED, 2, -1);
  assert_true(t_has_trace(t, "6970"));
  t_ctx_del(t);
}

/* The first segment sent again is rewritten the same way, opening
 * nothing new; other bytes in its port fields are refused. */
static void test_alg_pna_retransmitted(void **state) {
  (void)state;
  pna_sess s;
  pna_open(&s);
  tpkt p;
  uint8_t b[128], w[128];
  size_t n = pna_hello(b, 6970, 0xffff);
  assert_int_equal(pna_send(&s, &p, b, n, 0), PINHOLE_VERDICT_FORWARD);
  uint16_t pub_udp = t_get16(p.b + 40 + 17);
  assert_int_equal(pna_hello(w, pub_udp, 0xffff), n);
  t_payload_eq(&p, w, n);
  assert_int_equal(pna_send(&s, &p, b, n, 0), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, w, n);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  /* the same sequence numbers, another port: a second announcement */
  pna_hello(b, 6990, 0xffff);
  assert_int_equal(pna_send(&s, &p, b, n, 0), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_REALAUDIO), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_true(t_has_event(s.t, "second PNA hello"));
  t_ctx_del(s.t);
}

static void test_alg_pna_split_withheld(void **state) {
  (void)state;
  pna_sess s;
  pna_open(&s);
  tpkt p;
  uint8_t b[128];
  size_t n = pna_hello(b, 6970, 6971);
  /* cut inside the UDP port's value */
  assert_int_equal(pna_send(&s, &p, b, 18, 0), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(pna_send(&s, &p, b, n, 0), PINHOLE_VERDICT_FORWARD);
  assert_int_not_equal(t_get16(p.b + 40 + 17), 6970);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  t_ctx_del(s.t);
}

/* A robust port field of length 3: the ports cannot be translated, the
 * hello never leaves (fail closed), or leaves counted when configured. */
static void test_alg_pna_malformed_refused(void **state) {
  (void)state;
  uint8_t b[128];
  size_t n = pna_hello(b, 6970, 6971);
  b[n - 5] = 3;    /* tag 7's length */
  b[n - 2] = 0x55; /* its third byte, where the end tag was */
  b[n - 1] = 0;
  b[n] = 0;
  n += 1;
  for (int pass = 0; pass < 2; pass++) {
    pna_sess s;
    pna_open_flags(&s, pass ? PINHOLE_CFG_ALG_PASS_UNTRANSLATED : 0);
    tpkt p;
    assert_int_equal(pna_send(&s, &p, b, n, 0),
                     pass ? PINHOLE_VERDICT_FORWARD : PINHOLE_VERDICT_DROP);
    if (pass)
      t_payload_eq(&p, b, n);
    assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_REALAUDIO), 1);
    assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 1);
    assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_UNTRANSLATED), pass ? 0 : 1);
    assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
    assert_true(t_has_event(s.t, "malformed PNA hello"));
    t_ctx_del(s.t);
  }
}

/* No public port left for the robust port: the hello is refused and the
 * data port's mapping released (the client's next hello, with the data
 * port alone, gets it). */
static void test_alg_pna_ports_exhausted(void **state) {
  (void)state;
  pna_sess s;
  s.t = t_ctx_pool3(40000, 40000, 0, 0, 0, 0); /* one UDP port per address */
  s.cs = 70000;
  s.ss = 9000;
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, RCLI, 51000, RSRV, 7070, s.cs++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  s.pub_addr = v.src;
  s.pub_port = v.sport;
  t_tcp(&p, RSRV, 7070, s.pub_addr, s.pub_port, s.ss++, s.cs,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint8_t b[128];
  size_t n = pna_hello(b, 6970, 6971);
  assert_int_equal(pna_send(&s, &p, b, n, 0), PINHOLE_VERDICT_DROP);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_DROP_NAT_PORTS, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_REALAUDIO, 1,
             PINHOLE_CNT_ALG_UNTRANSLATED, 1, -1);
  /* the data port's mapping went with the refused hello */
  assert_true(t_has_event(s.t, "PINHOLE_MAPPING_RELEASED: proto=UDP "
                               "198.18.0.5:6970 -> "));
  n = pna_hello(b, 6970, 0xffff);
  assert_int_equal(pna_send(&s, &p, b, n, 0), PINHOLE_VERDICT_FORWARD);
  uint16_t pub_udp = t_get16(p.b + 40 + 17);
  assert_int_equal(pub_udp, 40000);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  t_ctx_del(s.t);
}

/* A data port below 1024: the policy counts it, it is left as it is and
 * opens nothing; the robust port beside it is still handled. */
static void test_alg_pna_low_port(void **state) {
  (void)state;
  pna_sess s;
  pna_open(&s);
  tpkt p;
  uint8_t b[128];
  size_t n = pna_hello(b, 800, 6971);
  assert_int_equal(pna_send(&s, &p, b, n, 0), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get16(p.b + 40 + 17), 800);
  assert_int_not_equal(t_get16(p.b + 40 + 41), 6971);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_REALAUDIO), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_true(t_has_event(s.t, "port below 1024"));
  t_ctx_del(s.t);
}

/* RTSP on 7070 (or anything else) is not PNA: counted, desynchronised; a
 * hello later in the stream is never parsed (slipstreaming). */
static void test_alg_pna_not_pna(void **state) {
  (void)state;
  pna_sess s;
  pna_open(&s);
  tpkt p;
  const char *opt =
      "OPTIONS rtsp://198.19.0.20:7070 RTSP/1.0\r\nCSeq: 1\r\n\r\n";
  assert_int_equal(pna_send(&s, &p, (const uint8_t *)opt, strlen(opt), 0),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, opt);
  s.cs += (uint32_t)strlen(opt);
  uint8_t b[128];
  size_t n = pna_hello(b, 6970, 6971);
  assert_int_equal(pna_send(&s, &p, b, n, 0), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, b, n);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_DESYNC), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_REALAUDIO), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(s.t);
}

/* A hello from the server's side is never parsed. */
static void test_alg_pna_server_side_ignored(void **state) {
  (void)state;
  pna_sess s;
  pna_open(&s);
  tpkt p;
  uint8_t b[128];
  size_t n = pna_hello(b, 6970, 6971);
  t_tcp_n(&p, RSRV, 7070, s.pub_addr, s.pub_port, s.ss, s.cs, PINHOLE_TCP_ACK,
          b, n);
  assert_int_equal(t_out(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, b, n);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(s.t);
}

/* Every prefix (one segment ending with FIN: not withheld) and every
 * one-byte corruption of the hello: no crash, at most two pinholes, and
 * a forwarded hello never carries the inside port unless it is left
 * alone on purpose. */
static void test_alg_pna_hostile_prefixes_and_flips(void **state) {
  (void)state;
  uint8_t b[128];
  size_t n0 = pna_hello(b, 6970, 6971);
  for (size_t k = 1; k < 2 * n0; k++) {
    pna_sess s;
    pna_open(&s);
    size_t n = pna_hello(b, 6970, 6971);
    if (k < n0)
      n = k;
    else
      b[k - n0] ^= 0xa5;
    tpkt p;
    int v = pna_send(&s, &p, b, n, PINHOLE_TCP_FIN);
    assert_true(v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_DROP);
    assert_true(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED) <= 2);
    t_ctx_del(s.t);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_pna_hello),
      cmocka_unit_test(test_alg_pna_retransmitted),
      cmocka_unit_test(test_alg_pna_split_withheld),
      cmocka_unit_test(test_alg_pna_malformed_refused),
      cmocka_unit_test(test_alg_pna_ports_exhausted),
      cmocka_unit_test(test_alg_pna_low_port),
      cmocka_unit_test(test_alg_pna_not_pna),
      cmocka_unit_test(test_alg_pna_server_side_ignored),
      cmocka_unit_test(test_alg_pna_hostile_prefixes_and_flips),
  };
  return cmocka_run_group_tests_name("scenario.alg_pna", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * H.323 ALG scenarios: an endpoint inside (198.18.0.10) behind source
 * NAPT registers with a gatekeeper outside (RRQ/RCF on UDP 1719) and
 * calls a peer outside (198.19.0.20): Setup with an h245Address and Fast
 * Start, Connect with the peer's h245Address, the H.245 connection to it
 * (Watch, same conversation) carrying OpenLogicalChannel and its Ack,
 * and the peer's RTP and RTCP through the media pinholes (Forward). Each
 * rewritten field is checked byte for byte, then the listing and the
 * counters. Hostile: a third party's media address, a TPKT whose length
 * disagrees with its Q.931 content from the inside (dropped: it carries
 * the inside address), an answer before any Setup, bytes that are not
 * TPKT.
 */
#include "helpers.h"

#include <pinhole/h323.h>

#include "unit/h323_vectors.h"

#define EP IP4(198, 18, 0, 10)   /* the endpoint, inside */
#define PEER IP4(198, 19, 0, 20) /* the called endpoint */
#define GK IP4(198, 19, 0, 1)    /* the gatekeeper */
#define EPPUB IP4(198, 19, 0, 5) /* its public address (pool 4-6) */

/* One expected rewrite of the i-th address of a message. */
typedef struct h_rw {
  size_t i;
  uint32_t addr;
  uint16_t port;
} h_rw;

/* The message m as it must leave: the addresses rw[] rewritten in place,
 * every other byte as it was. */
static void h_expect(int ras, const uint8_t *m, size_t n, const h_rw *rw,
                     size_t k, uint8_t *w) {
  pinhole_h323_msg pm;
  int rc = ras            ? pinhole_h225_ras_parse(m, n, &pm)
           : m[4] == 0x08 ? pinhole_h225_cs_parse(m, n, &pm)
                          : pinhole_h245_parse(m, n, &pm);
  assert_int_equal(rc, 0);
  memcpy(w, m, n);
  for (size_t j = 0; j < k; j++) {
    assert_true(rw[j].i < pm.naddrs);
    t_put32(w + pm.addr[rw[j].i].off, rw[j].addr);
    t_put16(w + pm.addr[rw[j].i].port_off, rw[j].port);
  }
}

typedef struct h_call {
  tctx *t;
  uint32_t cs, ss;   /* call signalling sequence numbers */
  uint32_t hcs, hss; /* H.245 */
  uint16_t cpub;     /* the call signalling connection's public port */
} h_call;

static void h_tcp_open(h_call *c, uint16_t sport, uint16_t dport, uint32_t *cs,
                       uint32_t *ss, uint16_t *pub) {
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, EP, sport, PEER, dport, (*cs)++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(c->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, EPPUB);
  *pub = v.sport;
  t_tcp(&p, PEER, dport, EPPUB, *pub, (*ss)++, *cs,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(c->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
}

/* The inside endpoint sends m on the call signalling connection; the
 * packet as it left in *p. */
static int h_cs_in(h_call *c, tpkt *p, const uint8_t *m, size_t n) {
  t_tcp_n(p, EP, 40000, PEER, 1720, c->cs, c->ss, PINHOLE_TCP_ACK, m, n);
  int vd = t_in(c->t, p, SEC);
  if (vd == PINHOLE_VERDICT_FORWARD)
    c->cs += (uint32_t)n;
  return vd;
}

static int h_cs_out(h_call *c, tpkt *p, const uint8_t *m, size_t n) {
  t_tcp_n(p, PEER, 1720, EPPUB, c->cpub, c->ss, c->cs, PINHOLE_TCP_ACK, m, n);
  int vd = t_out(c->t, p, SEC);
  if (vd == PINHOLE_VERDICT_FORWARD)
    c->ss += (uint32_t)n;
  return vd;
}

static void h_start(h_call *c, uint32_t flags) {
  memset(c, 0, sizeof(*c));
  c->t = t_ctx_pool3(20000, 20099, flags, 0, 0, 0);
  c->cs = 1000;
  c->ss = 5000;
  c->hcs = 2000;
  c->hss = 6000;
  h_tcp_open(c, 40000, 1720, &c->cs, &c->ss, &c->cpub);
}

/* RAS: the registration's rasAddress becomes the RAS flow's public
 * endpoint, its callSignalAddress a public port of its own. */
static void test_alg_h323_ras_registration(void **state) {
  (void)state;
  tctx *t = t_ctx_pool3(20000, 20099, 0, 0, 0, 0);
  tpkt p;
  pinhole_pkt_view v;
  uint8_t w[sizeof(h323_ras_rrq)];
  t_udp_n(&p, EP, 1719, GK, 1719, h323_ras_rrq, sizeof(h323_ras_rrq));
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, EPPUB);
  const h_rw rw[] = {{0, EPPUB, 20059}, {1, EPPUB, v.sport}};
  h_expect(1, h323_ras_rrq, sizeof(w), rw, 2, w);
  t_payload_eq(&p, w, sizeof(w));
  t_check_cksums(&p);
  /* the gatekeeper's RCF passes as it is */
  t_udp_n(&p, GK, 1719, EPPUB, v.sport, h323_ras_rcf, sizeof(h323_ras_rcf));
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, h323_ras_rcf, sizeof(h323_ras_rcf));
  /* the gatekeeper alone reaches the call signalling port: a Watch */
  t_tcp(&p, PEER, 41000, EPPUB, 20059, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_not_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, GK, 41000, EPPUB, 20059, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, EP);
  assert_int_equal(v.dport, 1720);
  assert_true(t_has_trace(t, "RRQ"));
  assert_true(t_has_trace(t, "callSignalAddress"));
  t_listing_is(
      t,
      "Conversation: ALG protocol: h323\n"
      "  Number of initiators: 2, Number of responders: 2\n"
      "Flow                                          State    Dir  Frm count\n"
      "UDP 198.18.0.10:1719 -> 198.19.0.1:1719       Watch    I          1\n"
      "    NAT source 198.18.0.10:1719 -> 198.19.0.5:20039\n"
      "TCP 198.18.0.10:1720 -> 198.19.0.1:41000      Watch    I          0\n"
      "    NAT source 198.18.0.10:1720 -> 198.19.0.5:20059\n"
      "UDP 198.19.0.1:1719 -> 198.19.0.5:20039       Watch    O          1\n"
      "    NAT dest 198.19.0.5:20039 -> 198.18.0.10:1719\n"
      "TCP 198.19.0.1:41000 -> 198.19.0.5:20059      Watch    O          1\n"
      "    NAT dest 198.19.0.5:20059 -> 198.18.0.10:1720\n");
  /* the stranger discarded; one pinhole (call signalling) */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(t);
}

static void test_alg_h323_call(void **state) {
  (void)state;
  h_call c;
  h_start(&c, 0);
  tctx *t = c.t;
  tpkt p;
  pinhole_pkt_view v;
  /* Setup: h245Address, sourceCallSignalAddress and the Fast Start
   * media of the endpoint rewritten; the peer's address left alone */
  uint8_t w[sizeof(h323_q931_setup)];
  assert_int_equal(h_cs_in(&c, &p, h323_q931_setup, sizeof(w)),
                   PINHOLE_VERDICT_FORWARD);
  const h_rw rw[] = {{0, EPPUB, 20059},
                     {2, EPPUB, 20043},
                     {3, EPPUB, 20085},
                     {4, EPPUB, 20084},
                     {5, EPPUB, 20085}};
  h_expect(0, h323_q931_setup, sizeof(w), rw, 5, w);
  t_payload_eq(&p, w, sizeof(w));
  t_check_cksums(&p);
  /* Connect: the peer's h245Address, left as it is */
  assert_int_equal(
      h_cs_out(&c, &p, h323_q931_connect, sizeof(h323_q931_connect)),
      PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, h323_q931_connect, sizeof(h323_q931_connect));
  /* the endpoint opens H.245 to the peer's h245Address: Watch */
  uint16_t hpub;
  h_tcp_open(&c, 40002, 5001, &c.hcs, &c.hss, &hpub);
  uint8_t w2[sizeof(h323_h245_olcack)];
  t_tcp_n(&p, EP, 40002, PEER, 5001, c.hcs, c.hss, PINHOLE_TCP_ACK,
          h323_h245_olc, sizeof(h323_h245_olc));
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  c.hcs += sizeof(h323_h245_olc);
  const h_rw rw_olc[] = {{0, EPPUB, 20085}};
  h_expect(0, h323_h245_olc, sizeof(h323_h245_olc), rw_olc, 1, w2);
  t_payload_eq(&p, w2, sizeof(h323_h245_olc));
  t_tcp_n(&p, EP, 40002, PEER, 5001, c.hcs, c.hss, PINHOLE_TCP_ACK,
          h323_h245_olcack, sizeof(h323_h245_olcack));
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  const h_rw rw_ack[] = {{0, EPPUB, 20084}, {1, EPPUB, 20085}};
  h_expect(0, h323_h245_olcack, sizeof(w2), rw_ack, 2, w2);
  t_payload_eq(&p, w2, sizeof(w2));
  t_check_cksums(&p);
  /* the peer's RTP and RTCP reach the endpoint; a stranger's do not */
  t_udp(&p, IP4(198, 19, 0, 21), 7000, EPPUB, 20084, "rtp");
  assert_int_not_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&p, PEER, 7000, EPPUB, 20084, "rtp");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, EP);
  assert_int_equal(v.dport, 49152);
  t_udp(&p, PEER, 7001, EPPUB, 20085, "rtcp");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dport, 49153);
  assert_true(t_has_trace(t, "Setup"));
  assert_true(t_has_trace(t, "OLCAck"));
  assert_true(t_has_trace(t, "mediaControlChannel"));
  t_listing_is(
      t,
      "Conversation: ALG protocol: h323\n"
      "  Number of initiators: 4, Number of responders: 4\n"
      "Flow                                          State    Dir  Frm count\n"
      "TCP 198.18.0.10:40000 -> 198.19.0.20:1720     Watch    I          2\n"
      "    NAT source 198.18.0.10:40000 -> 198.19.0.5:20039\n"
      "TCP 198.18.0.10:40002 -> 198.19.0.20:5001     Watch    I          3\n"
      "    NAT source 198.18.0.10:40002 -> 198.19.0.5:20094\n"
      "UDP 198.18.0.10:49152 -> 198.19.0.20:7000     Forward  I          0\n"
      "    NAT source 198.18.0.10:49152 -> 198.19.0.5:20084\n"
      "UDP 198.18.0.10:49153 -> 198.19.0.20:7001     Forward  I          0\n"
      "    NAT source 198.18.0.10:49153 -> 198.19.0.5:20085\n"
      "TCP 198.19.0.20:1720 -> 198.19.0.5:20039      Watch    O          2\n"
      "    NAT dest 198.19.0.5:20039 -> 198.18.0.10:40000\n"
      "TCP 198.19.0.20:5001 -> 198.19.0.5:20094      Watch    O          1\n"
      "    NAT dest 198.19.0.5:20094 -> 198.18.0.10:40002\n"
      "UDP 198.19.0.20:7000 -> 198.19.0.5:20084      Forward  O          1\n"
      "    NAT dest 198.19.0.5:20084 -> 198.18.0.10:49152\n"
      "UDP 198.19.0.20:7001 -> 198.19.0.5:20085      Forward  O          1\n"
      "    NAT dest 198.19.0.5:20085 -> 198.18.0.10:49153\n"
      /* the pinholes still pending (the listing shows them as Forward
       * rows with frame count 0): the Setup's sourceCallSignalAddress and
       * h245Address, for the peer from any port */
      "TCP 198.19.0.20:0 -> 198.19.0.5:20043         Forward  O          0\n"
      "    NAT dest 198.19.0.5:20043 -> 198.18.0.10:1720\n"
      "TCP 198.19.0.20:0 -> 198.19.0.5:20059         Forward  O          0\n"
      "    NAT dest 198.19.0.5:20059 -> 198.18.0.10:5000\n");
  /* pinholes: the Setup's h245Address, sourceCallSignalAddress, RTP and
   * RTCP, the Connect's h245Address (OLC and OLCAck refresh the media
   * ones); used: H.245, RTP, RTCP */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 4, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 6, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 5, PINHOLE_CNT_PINHOLE_USED, 3, -1);
  t_ctx_del(t);
}

/* A Setup split across two segments: the first part withheld, the whole
 * one (resent) translated. */
static void test_alg_h323_split_setup_withheld(void **state) {
  (void)state;
  h_call c;
  h_start(&c, 0);
  tpkt p;
  assert_int_equal(h_cs_in(&c, &p, h323_q931_setup, 60), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(h_cs_in(&c, &p, h323_q931_setup, sizeof(h323_q931_setup)),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_PINHOLE_CREATED), 4);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_ALG_H323), 0);
  t_ctx_del(c.t);
}

/* Fast Start media of a third party (another inside host): counted, no
 * media pinhole, the addresses left as they are; the rest translated. */
static void test_alg_h323_third_party_media(void **state) {
  (void)state;
  h_call c;
  h_start(&c, 0);
  uint8_t m[sizeof(h323_q931_setup)];
  memcpy(m, h323_q931_setup, sizeof(m));
  pinhole_h323_msg pm;
  assert_int_equal(pinhole_h225_cs_parse(m, sizeof(m), &pm), 0);
  for (size_t i = 3; i < 6; i++)
    t_put32(m + pm.addr[i].off, IP4(198, 18, 0, 77));
  tpkt p;
  assert_int_equal(h_cs_in(&c, &p, m, sizeof(m)), PINHOLE_VERDICT_FORWARD);
  /* three media addresses, each "... address is not the client's" */
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_ALG_H323), 3);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  assert_true(t_has_trace(c.t, "not the client"));
  pinhole_pkt_view v;
  t_view(&p, &v);
  assert_int_equal(t_get32(p.b + v.payload_off + pm.addr[4].off),
                   IP4(198, 18, 0, 77));
  t_ctx_del(c.t);
}

/* A TPKT shorter than its Q.931 content, from the inside: the message
 * does not decode and carries the inside address: dropped, counted. */
static void test_alg_h323_tpkt_length_lies(void **state) {
  (void)state;
  h_call c;
  h_start(&c, 0);
  uint8_t m[sizeof(h323_q931_setup)];
  memcpy(m, h323_q931_setup, sizeof(m));
  m[3] = (uint8_t)(m[3] - 10);
  tpkt p;
  assert_int_equal(h_cs_in(&c, &p, m, sizeof(m)), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_ALG_H323), 1);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_true(t_has_trace(c.t, "malformed message"));
  t_ctx_del(c.t);
}

/* An answer before any Setup, bytes that are not TPKT: that direction
 * is desynchronised for good, counted; a later Setup opens nothing. */
static void test_alg_h323_not_a_session(void **state) {
  (void)state;
  h_call c;
  h_start(&c, 0);
  tpkt p;
  /* a keep-alive (empty TPKT) from either side is no message */
  const uint8_t ka[] = {3, 0, 0, 4};
  assert_int_equal(h_cs_out(&c, &p, ka, 4), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(h_cs_in(&c, &p, ka, 4), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_ALG_H323), 0);
  assert_int_equal(
      h_cs_out(&c, &p, h323_q931_connect, sizeof(h323_q931_connect)),
      PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_ALG_DESYNC), 1);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_ALG_H323), 1);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  static const char junk[] = "GET / HTTP/1.0\r\n\r\n";
  assert_int_equal(h_cs_in(&c, &p, (const uint8_t *)junk, sizeof(junk) - 1),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_ALG_DESYNC), 2);
  assert_int_equal(h_cs_in(&c, &p, h323_q931_setup, sizeof(h323_q931_setup)),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(c.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(c.t);
}

/* A RAS message that does not decode from the inside: dropped when it
 * carries the inside address, counted and passed when it does not. */
static void test_alg_h323_ras_malformed(void **state) {
  (void)state;
  tctx *t = t_ctx_pool3(20000, 20099, 0, 0, 0, 0);
  uint8_t m[sizeof(h323_ras_rrq)];
  memcpy(m, h323_ras_rrq, sizeof(m));
  m[12] = 0x7f; /* 127 call signalling addresses */
  tpkt p;
  t_udp_n(&p, EP, 1719, GK, 1719, m, sizeof(m));
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_H323), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  const uint8_t ucf[] = {0x1c, 0x00, 0x00}; /* UCF cut short */
  t_udp_n(&p, EP, 1719, GK, 1719, ucf, 2);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_H323), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  t_ctx_del(t);
}

/* The peer connects to the h245Address the Setup announced: a Watch
 * connection of the call's conversation whatever side opened it; the
 * endpoint's OLC on it is translated. */
static void test_alg_h323_h245_from_peer(void **state) {
  (void)state;
  h_call c;
  h_start(&c, 0);
  tctx *t = c.t;
  tpkt p;
  pinhole_pkt_view v;
  assert_int_equal(h_cs_in(&c, &p, h323_q931_setup, sizeof(h323_q931_setup)),
                   PINHOLE_VERDICT_FORWARD);
  /* a stranger cannot use the pinhole, the peer can */
  t_tcp(&p, IP4(198, 19, 0, 21), 41000, EPPUB, 20059, 1, 0, PINHOLE_TCP_SYN,
        NULL);
  assert_int_not_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, PEER, 41000, EPPUB, 20059, 100, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, EP);
  assert_int_equal(v.dport, 5000);
  t_tcp(&p, EP, 5000, PEER, 41000, 700, 101, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp_n(&p, EP, 5000, PEER, 41000, 701, 101, PINHOLE_TCP_ACK, h323_h245_olc,
          sizeof(h323_h245_olc));
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  uint8_t w[sizeof(h323_h245_olc)];
  const h_rw rw[] = {{0, EPPUB, 20085}};
  h_expect(0, h323_h245_olc, sizeof(w), rw, 1, w);
  t_payload_eq(&p, w, sizeof(w));
  t_check_cksums(&p);
  assert_true(t_has_event(t, "198.19.0.20:41000 -> 198.19.0.5:20059") &&
              t_has_event(t, "state=watch"));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_H323), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_h323_ras_registration),
      cmocka_unit_test(test_alg_h323_call),
      cmocka_unit_test(test_alg_h323_h245_from_peer),
      cmocka_unit_test(test_alg_h323_split_setup_withheld),
      cmocka_unit_test(test_alg_h323_third_party_media),
      cmocka_unit_test(test_alg_h323_tpkt_length_lies),
      cmocka_unit_test(test_alg_h323_not_a_session),
      cmocka_unit_test(test_alg_h323_ras_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

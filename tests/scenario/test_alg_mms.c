/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NetShow (MMS) ALG scenarios: a client inside behind source NAPT with a
 * narrow public port range announces its UDP funnel; the funnel packet is
 * rebuilt with the public endpoint (exact bytes, lengths), the server's
 * stream comes in through the pinhole; a funnel naming a third party, a
 * malformed funnel naming the inside address (refused), and a stream that
 * is not MMS.
 */
#include "helpers.h"

#define MCLI IP4(198, 18, 0, 4)
#define MSRV IP4(198, 19, 0, 15)

/* A TcpMessageHeader packet holding one LinkViewerToMacConnectFunnel
 * announcing name (ASCII, sent as UTF-16LE with a NUL). */
static size_t mms_funnel(uint8_t *b, const char *name) {
  size_t nc = strlen(name) + 1, msg = 28 + 2 * nc;
  msg = (msg + 7) & ~(size_t)7;
  size_t total = 32 + msg;
  memset(b, 0, total);
  b[0] = 1;
  const uint8_t hdr[] = {0xce, 0xfa, 0x0b, 0xb0};
  memcpy(b + 4, hdr, 4);
  b[8] = (uint8_t)(total - 16);
  memcpy(b + 12, "MMS ", 4);
  b[16] = (uint8_t)((total - 16) / 8); /* chunkCount */
  b[20] = 3;                           /* seq */
  b[32] = (uint8_t)(msg / 8);          /* chunkLen */
  b[36] = 0x02;                        /* MID 0x00030002 */
  b[38] = 0x03;
  b[40] = 0xf0; /* playIncarnation */
  b[41] = 0xf0;
  b[45] = 0x80; /* maxBlockBytes */
  b[56] = 0x02; /* funnelMode */
  for (size_t i = 0; i + 1 < nc; i++)
    b[60 + 2 * i] = (uint8_t)name[i];
  return total;
}

typedef struct mms_sess {
  tctx *t;
  uint32_t cs, cseen, ss;
} mms_sess;

static void mms_open(mms_sess *s) {
  tpkt p;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 1024;
  cfg.max_pinholes = 64;
  cfg.max_watch = 64;
  cfg.seed = 7;
  cfg.port_lo = 30000; /* a narrow range: the funnel port must change */
  cfg.port_hi = 30009;
  s->t = t_ctx_cfg(&cfg);
  s->cs = 5000;
  s->ss = 800;
  pinhole_pkt_view v;
  t_tcp(&p, MCLI, 50123, MSRV, 1755, s->cs++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.sport, 30003);
  t_tcp(&p, MSRV, 1755, PUB, 30003, s->ss++, s->cs,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s->cseen = s->cs;
}

/* Sends the funnel packet for name; returns the verdict, and the packet
 * as it left in *p. */
static int mms_send(mms_sess *s, tpkt *p, const char *name) {
  uint8_t b[256];
  size_t n = mms_funnel(b, name);
  t_tcp_n(p, MCLI, 50123, MSRV, 1755, s->cs, s->ss, PINHOLE_TCP_ACK, b, n);
  return t_in(s->t, p, SEC);
}

static void test_alg_mms_udp_funnel(void **state) {
  (void)state;
  mms_sess s;
  mms_open(&s);
  tctx *t = s.t;
  tpkt p;
  pinhole_pkt_view v;
  uint8_t w[256];
  assert_int_equal(mms_send(&s, &p, "\\\\198.18.0.4\\UDP\\7000"),
                   PINHOLE_VERDICT_FORWARD);
  size_t wn = mms_funnel(w, "\\\\198.19.0.1\\UDP\\30005");
  assert_int_equal(wn, 112); /* one chunk more than the 104 sent */
  t_view(&p, &v);
  assert_int_equal(v.src, PUB);
  assert_int_equal(v.sport, 30003);
  t_payload_eq(&p, w, wn);
  t_check_cksums(&p);
  /* the stream comes in through the pinhole to the client's own port */
  t_udp(&p, MSRV, 1755, PUB, 30005, "ASF data");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, MCLI);
  assert_int_equal(v.dport, 7000);
  /* the next client packet is acknowledged in the server's numbering */
  t_tcp(&p, MSRV, 1755, PUB, 30003, s.ss, s.cs + 112, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.ack, s.cs + 104);
  t_listing_is(t, "Conversation: ALG protocol: mms\n"
                  "  Number of initiators: 2, Number of responders: 2\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP 198.18.0.4:50123 -> 198.19.0.15:1755      Watch    I    "
                  "      2\n"
                  "    NAT source 198.18.0.4:50123 -> 198.19.0.1:30003\n"
                  "UDP 198.18.0.4:7000 -> 198.19.0.15:1755       Forward  I    "
                  "      0\n"
                  "    NAT source 198.18.0.4:7000 -> 198.19.0.1:30005\n"
                  "TCP 198.19.0.15:1755 -> 198.19.0.1:30003      Watch    O    "
                  "      2\n"
                  "    NAT dest 198.19.0.1:30003 -> 198.18.0.4:50123\n"
                  "UDP 198.19.0.15:1755 -> 198.19.0.1:30005      Forward  O    "
                  "      1\n"
                  "    NAT dest 198.19.0.1:30005 -> 198.18.0.4:7000\n");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(t);
}

static void test_alg_mms_third_party(void **state) {
  (void)state;
  mms_sess s;
  mms_open(&s);
  tpkt p;
  uint8_t b[256];
  size_t n = mms_funnel(b, "\\\\198.18.0.77\\UDP\\7000");
  assert_int_equal(mms_send(&s, &p, "\\\\198.18.0.77\\UDP\\7000"),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, b, n); /* left alone, counted */
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_NETSHOW), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_true(t_has_event(s.t, "funnel address is not the client's"));
  t_ctx_del(s.t);
}

static void test_alg_mms_malformed_refused(void **state) {
  (void)state;
  mms_sess s;
  mms_open(&s);
  tpkt p;
  /* a port that is not digits: the inside address must not leave */
  assert_int_equal(mms_send(&s, &p, "\\\\198.18.0.4\\UDP\\70x0"),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_NETSHOW), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(s.t);
}

static void test_alg_mms_split_withheld(void **state) {
  (void)state;
  mms_sess s;
  mms_open(&s);
  tpkt p;
  uint8_t b[256];
  size_t n = mms_funnel(b, "\\\\198.18.0.4\\UDP\\7000");
  t_tcp_n(&p, MCLI, 50123, MSRV, 1755, s.cs, s.ss, PINHOLE_TCP_ACK, b, 40);
  assert_int_equal(t_in(s.t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_REASM_HELD), 1);
  t_tcp_n(&p, MCLI, 50123, MSRV, 1755, s.cs, s.ss, PINHOLE_TCP_ACK, b, n);
  assert_int_equal(t_in(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint8_t w[256];
  size_t wn = mms_funnel(w, "\\\\198.19.0.1\\UDP\\30005");
  t_payload_eq(&p, w, wn);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  t_ctx_del(s.t);
}

/* Every prefix (one segment ending with FIN: not withheld) and every
 * one-byte corruption of the funnel packet: no crash, at most one
 * pinhole. */
static void test_alg_mms_hostile_prefixes_and_flips(void **state) {
  (void)state;
  uint8_t b[256];
  size_t n0 = mms_funnel(b, "\\\\198.18.0.4\\UDP\\7000");
  for (size_t k = 1; k < 2 * n0; k++) {
    mms_sess s;
    mms_open(&s);
    size_t n = mms_funnel(b, "\\\\198.18.0.4\\UDP\\7000");
    if (k < n0)
      n = k;
    else
      b[k - n0] ^= 0xa5;
    tpkt p;
    t_tcp_n(&p, MCLI, 50123, MSRV, 1755, s.cs, s.ss,
            PINHOLE_TCP_ACK | PINHOLE_TCP_FIN, b, n);
    int v = t_in(s.t, &p, SEC);
    assert_true(v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_DROP);
    assert_true(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED) <= 1);
    t_ctx_del(s.t);
  }
}

static void test_alg_mms_not_mms(void **state) {
  (void)state;
  mms_sess s;
  mms_open(&s);
  tpkt p;
  const char *post = "POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";
  t_tcp(&p, MCLI, 50123, MSRV, 1755, s.cs, s.ss, PINHOLE_TCP_ACK, post);
  assert_int_equal(t_in(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, post);
  s.cs += (uint32_t)strlen(post);
  /* a funnel after it is no longer looked at */
  uint8_t b[256];
  size_t n = mms_funnel(b, "\\\\198.18.0.4\\UDP\\7000");
  assert_int_equal(mms_send(&s, &p, "\\\\198.18.0.4\\UDP\\7000"),
                   PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, b, n);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_DESYNC), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_NETSHOW), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(s.t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_mms_udp_funnel),
      cmocka_unit_test(test_alg_mms_third_party),
      cmocka_unit_test(test_alg_mms_malformed_refused),
      cmocka_unit_test(test_alg_mms_split_withheld),
      cmocka_unit_test(test_alg_mms_hostile_prefixes_and_flips),
      cmocka_unit_test(test_alg_mms_not_mms),
  };
  return cmocka_run_group_tests_name("scenario.alg_mms", tests, NULL, NULL);
}

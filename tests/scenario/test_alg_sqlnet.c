/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SQLNet ALG scenarios: an Oracle listener inside behind destination NAT
 * on a second public address redirects an outside client to a dispatcher
 * port (exact rewritten TNS packets, lengths, the pinhole used, the
 * listing, counters), a REDIRECT split across segments, one that cannot
 * be parsed (refused), and a stream that is not TNS.
 */
#include "helpers.h"

#define DB IP4(198, 18, 0, 10)   /* the listener, inside */
#define DBPUB IP4(198, 19, 0, 7) /* its public address (destination NAT) */
#define CL IP4(198, 19, 0, 23)   /* the client, outside */

/* A TNS CONNECT carrying data d (offset 34). */
static size_t tns_connect(uint8_t *b, const char *d) {
  size_t n = strlen(d), len = 34 + n;
  memset(b, 0, 34);
  t_put16(b, (uint16_t)len);
  b[4] = 1;
  t_put16(b + 8, 0x013a);  /* version */
  t_put16(b + 10, 0x012c); /* compatible */
  t_put16(b + 14, 8192);   /* SDU */
  t_put16(b + 16, 32767);  /* TDU */
  t_put16(b + 22, 0x0100); /* value of one */
  t_put16(b + 24, (uint16_t)n);
  t_put16(b + 26, 34);
  memcpy(b + 34, d, n);
  return len;
}

/* A TNS REDIRECT carrying data d (n bytes, NULs allowed). */
static size_t tns_redirect(uint8_t *b, const char *d, size_t n) {
  memset(b, 0, 10);
  t_put16(b, (uint16_t)(10 + n));
  b[4] = 5;
  t_put16(b + 8, (uint16_t)n);
  memcpy(b + 10, d, n);
  return 10 + n;
}

typedef struct tns_sess {
  tctx *t;
  uint32_t cs, ss; /* next seq of the client, of the server */
} tns_sess;

static void tns_open(tns_sess *s) {
  tpkt p;
  pinhole_pkt_view v;
  s->t = t_ctx();
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "oracle-in");
  r.side = PINHOLE_SIDE_OUTSIDE;
  r.proto = PINHOLE_IPPROTO_TCP;
  r.dst_addr = DBPUB;
  r.dst_plen = 32;
  r.dport_lo = r.dport_hi = 1521;
  r.nat = PINHOLE_NAT_DEST;
  r.nat_addr = DB;
  assert_int_equal(pinhole_rule_add(s->t->ctx, &r), 1);
  s->cs = 7000;
  s->ss = 91000;
  t_tcp(&p, CL, 45100, DBPUB, 1521, s->cs++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, DB);
  t_tcp(&p, DB, 1521, CL, 45100, s->ss++, s->cs,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
}

#define CONNECT_DATA                                                           \
  "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=%s)(PORT=1521))"                  \
  "(CONNECT_DATA=(SERVICE_NAME=orcl)(CID=(PROGRAM=sqlplus)(HOST=cl1))))"

/* The client's CONNECT names the public address; the listener gets its
 * own. Returns the number of bytes the server saw. */
static size_t tns_send_connect(tns_sess *s) {
  uint8_t b[512], w[512];
  char d[256];
  tpkt p;
  snprintf(d, sizeof(d), CONNECT_DATA, "198.19.0.7");
  size_t n = tns_connect(b, d);
  snprintf(d, sizeof(d), CONNECT_DATA, "198.18.0.10");
  size_t wn = tns_connect(w, d);
  t_tcp_n(&p, CL, 45100, DBPUB, 1521, s->cs, s->ss, PINHOLE_TCP_ACK, b, n);
  assert_int_equal(t_out(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, w, wn);
  t_check_cksums(&p);
  s->cs += (uint32_t)n;
  return wn;
}

static const char redir_in[] =
    "(ADDRESS=(PROTOCOL=tcp)(HOST=198.18.0.10)(PORT=40123))\0"
    "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=198.18.0.10)(PORT=1521))"
    "(CONNECT_DATA=(SERVICE_NAME=orcl)))";
static const char redir_out[] =
    "(ADDRESS=(PROTOCOL=tcp)(HOST=198.19.0.7)(PORT=40123))\0"
    "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=198.19.0.7)(PORT=1521))"
    "(CONNECT_DATA=(SERVICE_NAME=orcl)))";

static void test_alg_sqlnet_dnat_redirect(void **state) {
  (void)state;
  tns_sess s;
  tns_open(&s);
  tctx *t = s.t;
  size_t seen = tns_send_connect(&s);
  uint8_t b[512], w[512];
  tpkt p;
  pinhole_pkt_view v;
  size_t n = tns_redirect(b, redir_in, sizeof(redir_in) - 1);
  size_t wn = tns_redirect(w, redir_out, sizeof(redir_out) - 1);
  assert_int_equal(n - wn, 2);
  /* the server acknowledges in its numbering (one byte more) */
  t_tcp_n(&p, DB, 1521, CL, 45100, s.ss, 7001 + (uint32_t)seen,
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, b, n);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.src, DBPUB);
  assert_int_equal(v.ack, s.cs);
  assert_int_equal(v.seq, s.ss);
  t_payload_eq(&p, w, wn);
  t_check_cksums(&p);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  /* the client follows the redirect: only it, only to 40123 */
  t_tcp(&p, IP4(198, 19, 0, 99), 45200, DBPUB, 40123, 1, 0, PINHOLE_TCP_SYN,
        NULL);
  assert_int_not_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, CL, 45101, DBPUB, 40123, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.dst, DB);
  assert_int_equal(v.dport, 40123);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 1);
  t_listing_is(t, "Conversation: ALG protocol: sqlnet\n"
                  "  Number of initiators: 2, Number of responders: 2\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP 198.19.0.23:45100 -> 198.19.0.7:1521      Watch    I    "
                  "      2\n"
                  "    NAT dest 198.19.0.7:1521 -> 198.18.0.10:1521\n"
                  "TCP 198.19.0.23:45101 -> 198.19.0.7:40123     Forward  I    "
                  "      1\n"
                  "    NAT dest 198.19.0.7:40123 -> 198.18.0.10:40123\n"
                  "TCP 198.18.0.10:1521 -> 198.19.0.23:45100     Watch    O    "
                  "      2\n"
                  "    NAT source 198.18.0.10:1521 -> 198.19.0.7:1521\n"
                  "TCP 198.18.0.10:40123 -> 198.19.0.23:45101    Forward  O    "
                  "      0\n"
                  "    NAT source 198.18.0.10:40123 -> 198.19.0.7:40123\n");
  /* two new flows accepted (control, data), the stranger discarded */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 3, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(t);
}

static void test_alg_sqlnet_split_redirect_withheld(void **state) {
  (void)state;
  tns_sess s;
  tns_open(&s);
  tctx *t = s.t;
  size_t seen = tns_send_connect(&s);
  uint8_t b[512], w[512];
  tpkt p;
  size_t n = tns_redirect(b, redir_in, sizeof(redir_in) - 1);
  size_t wn = tns_redirect(w, redir_out, sizeof(redir_out) - 1);
  uint32_t ack = 7001 + (uint32_t)seen;
  /* the first 30 bytes alone: withheld (dropped), nothing opened */
  t_tcp_n(&p, DB, 1521, CL, 45100, s.ss, ack, PINHOLE_TCP_ACK, b, 30);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  /* the resent whole packet is translated */
  t_tcp_n(&p, DB, 1521, CL, 45100, s.ss, ack, PINHOLE_TCP_ACK, b, n);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, w, wn);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  t_ctx_del(t);
}

static void test_alg_sqlnet_malformed_redirect_refused(void **state) {
  (void)state;
  tns_sess s;
  tns_open(&s);
  tctx *t = s.t;
  size_t seen = tns_send_connect(&s);
  static const char bad[] = "(ADDRESS=(PROTOCOL=tcp)(HOST=198.18.0.10)"
                            "(PORT=40123)(PORT=40124))";
  uint8_t b[256];
  tpkt p;
  size_t n = tns_redirect(b, bad, sizeof(bad) - 1);
  t_tcp_n(&p, DB, 1521, CL, 45100, s.ss, 7001 + (uint32_t)seen, PINHOLE_TCP_ACK,
          b, n);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SQLNET), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_true(t_has_event(t, "malformed redirect data"));
  t_ctx_del(t);
}

/* Every prefix (one segment ending with FIN: not withheld) and every
 * one-byte corruption of the REDIRECT: no crash, at most one pinhole. */
static void test_alg_sqlnet_hostile_prefixes_and_flips(void **state) {
  (void)state;
  uint8_t b[512];
  size_t n0 = tns_redirect(b, redir_in, sizeof(redir_in) - 1);
  for (size_t k = 1; k < 2 * n0; k++) {
    tns_sess s;
    tns_open(&s);
    size_t seen = tns_send_connect(&s);
    size_t n = tns_redirect(b, redir_in, sizeof(redir_in) - 1);
    if (k < n0)
      n = k;
    else
      b[k - n0] ^= 0xa5;
    tpkt p;
    t_tcp_n(&p, DB, 1521, CL, 45100, s.ss, 7001 + (uint32_t)seen,
            PINHOLE_TCP_ACK | PINHOLE_TCP_FIN, b, n);
    int v = t_in(s.t, &p, SEC);
    assert_true(v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_DROP);
    assert_true(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED) <= 1);
    t_ctx_del(s.t);
  }
}

static void test_alg_sqlnet_not_tns(void **state) {
  (void)state;
  tns_sess s;
  tns_open(&s);
  tctx *t = s.t;
  tpkt p;
  /* an HTTP POST whose body holds a redirect: not TNS, nothing honoured */
  const char *post = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n"
                     "(ADDRESS=(PROTOCOL=tcp)(HOST=198.18.0.10)(PORT=40123))";
  t_tcp(&p, CL, 45100, DBPUB, 1521, s.cs, s.ss, PINHOLE_TCP_ACK, post);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, post);
  uint8_t b[256];
  size_t n = tns_redirect(b, redir_in, sizeof(redir_in) - 1);
  t_tcp_n(&p, DB, 1521, CL, 45100, s.ss, s.cs, PINHOLE_TCP_ACK, b, n);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_eq(&p, b, n); /* no CONNECT came: not honoured */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_DESYNC), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SQLNET), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alg_sqlnet_dnat_redirect),
      cmocka_unit_test(test_alg_sqlnet_split_redirect_withheld),
      cmocka_unit_test(test_alg_sqlnet_malformed_redirect_refused),
      cmocka_unit_test(test_alg_sqlnet_hostile_prefixes_and_flips),
      cmocka_unit_test(test_alg_sqlnet_not_tns),
  };
  return cmocka_run_group_tests_name("scenario.alg_sqlnet", tests, NULL, NULL);
}

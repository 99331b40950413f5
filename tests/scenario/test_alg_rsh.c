/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rsh (Shell), rexec (Exec) and rlogin (Login) ALG scenarios: the
 * standard-error port rewritten with exact bytes (its length changes),
 * the pinhole the server's connection back uses (rsh: only from a port in
 * 512..1023), the privileged-port rule through source NAT (and its
 * exhaustion), a second announcement, a split field, streams that are not
 * the protocol, the listing and the counters.
 */
#include "helpers.h"

#define CLI IP4(198, 18, 0, 100)
#define CLI2 IP4(198, 18, 0, 101)
#define SRV OUT_HOST
#define SRV2 IP4(198, 19, 0, 7)

/* A context like t_ctx() with the pool addr_lo..addr_hi, ports lo..hi. */
static tctx *rsh_ctx(uint32_t addr_lo, uint32_t addr_hi, uint16_t lo,
                     uint16_t hi) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_flows = 2048; /* 512 privileged ports and more */
  cfg.max_watch = 1024;
  return t_ctx_pool(&cfg, addr_lo, addr_hi, lo, hi);
}

/* A TCP segment whose payload is n bytes (NULs allowed). */
static void seg(tpkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                uint16_t dport, uint32_t seq, uint32_t ack, const char *b,
                size_t n) {
  t_tcp(p, src, sport, dst, dport, seq, ack, PINHOLE_TCP_ACK, NULL);
  memcpy(p->b + 40, b, n);
  t_put16(p->b + 2, (uint16_t)(40 + n));
  p->p.len = (uint32_t)(40 + n);
  t_fix(p);
}

static void payload_is(const tpkt *p, const char *want, size_t n) {
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(p->b, p->p.len, &v), 0);
  assert_int_equal(v.payload_len, n);
  assert_memory_equal(p->b + v.payload_off, want, n);
  t_check_cksums(p);
}

/* One r-command connection from (cli, cport) to (srv, sport). */
typedef struct rsess {
  tctx *t;
  uint32_t cli, srv, pub;
  uint16_t cport, sport, pport;
  uint32_t cseq, sseq, cseen;
} rsess;

/* Handshake; returns the verdict of the SYN (the rest only when it
 * passed). */
static int r_open(rsess *s, tctx *t, uint32_t cli, uint16_t cport, uint32_t srv,
                  uint16_t sport) {
  tpkt p;
  pinhole_pkt_view v;
  memset(s, 0, sizeof(*s));
  s->t = t;
  s->cli = cli;
  s->cport = cport;
  s->srv = srv;
  s->sport = sport;
  s->cseq = 1000u + cport;
  s->sseq = 5000;
  t_tcp(&p, cli, cport, srv, sport, s->cseq++, 0, PINHOLE_TCP_SYN, NULL);
  int rc = t_in(t, &p, SEC);
  if (rc != 0)
    return rc;
  t_view(&p, &v);
  s->pub = v.src;
  s->pport = v.sport;
  t_tcp(&p, srv, sport, s->pub, s->pport, s->sseq++, s->cseq,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_tcp(&p, cli, cport, srv, sport, s->cseq, s->sseq, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  s->cseen = s->cseq;
  return 0;
}

/* The client sends b[0..n): the verdict; on FORWARD the payload must be
 * want[0..wn) at the shifted sequence number. */
static int r_send(rsess *s, const char *b, size_t n, const char *want,
                  size_t wn) {
  tpkt p;
  pinhole_pkt_view v;
  seg(&p, s->cli, s->cport, s->srv, s->sport, s->cseq, s->sseq, b, n);
  int rc = t_in(s->t, &p, 2 * SEC);
  if (rc != 0)
    return rc;
  t_view(&p, &v);
  assert_int_equal(v.seq, s->cseen);
  payload_is(&p, want, wn);
  s->cseq += (uint32_t)n;
  s->cseen += (uint32_t)wn;
  return 0;
}

/* The server's SYN from (src, sport) to (pub, dport): the verdict; on
 * FORWARD it must reach (to, to_port). */
static int r_back(tctx *t, uint32_t src, uint16_t sport, uint32_t pub,
                  uint16_t dport, uint32_t to, uint16_t to_port) {
  tpkt p;
  pinhole_pkt_view v;
  t_tcp(&p, src, sport, pub, dport, 77000, 0, PINHOLE_TCP_SYN, NULL);
  int rc = t_out(t, &p, 3 * SEC);
  if (rc == 0) {
    t_view(&p, &v);
    assert_int_equal(v.dst, to);
    assert_int_equal(v.dport, to_port);
    assert_int_equal(v.src, src);
    assert_int_equal(v.sport, sport);
    t_check_cksums(&p);
  }
  return rc;
}

/* rsh from a privileged port: the control connection keeps it, the
 * stderr port "01022" (its inside port taken on the public side by
 * another client) becomes another privileged one, and the server's
 * connection back comes in only from a port in 512..1023. */
static void test_rsh_stderr(void **state) {
  (void)state;
  tctx *t = rsh_ctx(PUB, PUB, 1024, 65535);
  rsess o, s;
  /* another client holds public port 1022 */
  assert_int_equal(r_open(&o, t, CLI2, 1022, SRV2, 514), 0);
  assert_int_equal(o.pport, 1022);
  assert_int_equal(r_open(&s, t, CLI, 1023, SRV, 514), 0);
  assert_int_equal(s.pub, PUB);
  assert_int_equal(s.pport, 1023); /* kept: free and privileged */
  /* the field shrinks by one byte: "01022\0" -> "<3 digits>\0" */
  assert_int_equal(r_send(&s, "01022\0", 6, "528\0", 4), 0);
  assert_int_equal(
      r_send(&s, "alice\0alice\0ls -l\0", 18, "alice\0alice\0ls -l\0", 18), 0);
  /* not from a reserved port: no pinhole for it */
  assert_int_equal(r_back(t, SRV, 2000, PUB, 528, CLI, 1022),
                   PINHOLE_VERDICT_DROP);
  /* not from the server */
  assert_int_equal(r_back(t, SRV2, 1021, PUB, 528, CLI, 1022),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(r_back(t, SRV, 1021, PUB, 528, CLI, 1022), 0);
  t_listing_is(
      t,
      "Conversation: ALG protocol: rsh\n"
      "  Number of initiators: 1, Number of responders: 1\n"
      "Flow                                          State    Dir  Frm count\n"
      "TCP 198.18.0.101:1022 -> 198.19.0.7:514       Watch    I          2\n"
      "    NAT source 198.18.0.101:1022 -> 198.19.0.1:1022\n"
      "TCP 198.19.0.7:514 -> 198.19.0.1:1022         Watch    O          1\n"
      "    NAT dest 198.19.0.1:1022 -> 198.18.0.101:1022\n"
      "Conversation: ALG protocol: rsh\n"
      "  Number of initiators: 2, Number of responders: 2\n"
      "Flow                                          State    Dir  Frm count\n"
      "TCP 198.18.0.100:1023 -> 198.19.0.2:514       Watch    I          4\n"
      "    NAT source 198.18.0.100:1023 -> 198.19.0.1:1023\n"
      "TCP 198.18.0.100:1022 -> 198.19.0.2:1021      Forward  I          0\n"
      "    NAT source 198.18.0.100:1022 -> 198.19.0.1:528\n"
      "TCP 198.19.0.2:514 -> 198.19.0.1:1023         Watch    O          1\n"
      "    NAT dest 198.19.0.1:1023 -> 198.18.0.100:1023\n"
      "TCP 198.19.0.2:1021 -> 198.19.0.1:528         Forward  O          1\n"
      "    NAT dest 198.19.0.1:528 -> 198.18.0.100:1022\n");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_NEW_DISCARD, 2, PINHOLE_CNT_DROP_NO_RULE, 2,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  assert_true(t_has_trace(t, "rsh ALG conv=2 translated 198.18.0.100:1022 -> "
                             "198.19.0.1:528"));
  assert_true(t_has_trace(t, "rsh ALG conv=2 pinhole created TCP "
                             "198.19.0.2:512 -> 198.19.0.1:528"));
  t_ctx_del(t);
}

/* rexec through a narrow pool on two addresses: "40000" becomes a
 * four-digit port of the client's public address; the server's
 * connection back may come from any port. */
static void test_rexec_stderr(void **state) {
  (void)state;
  uint32_t pub1 = IP4(198, 19, 0, 5), pub2 = IP4(198, 19, 0, 6);
  tctx *t = rsh_ctx(pub1, pub2, 2000, 2000);
  rsess s;
  /* a privileged client port keeps a privileged public one: the pool's
   * one port is left for the stderr mapping */
  assert_int_equal(r_open(&s, t, CLI, 800, SRV, 512), 0);
  assert_int_equal(s.pport, 800);
  assert_true(s.pub == pub1 || s.pub == pub2);
  assert_int_equal(r_send(&s, "40000\0", 6, "2000\0", 5), 0);
  assert_int_equal(r_send(&s, "bob\0secret\0id\0", 14, "bob\0secret\0id\0", 14),
                   0);
  uint32_t other = s.pub == pub1 ? pub2 : pub1;
  assert_int_equal(r_back(t, SRV, 2000, other, 2000, CLI, 40000),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(r_back(t, SRV, 2000, s.pub, 2000, CLI, 40000), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_USED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_EXEC), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);
}

/* A port from the pool's range for a non-privileged rexec stderr port,
 * and an rsh stderr port from a second client in the same conversation
 * kept when free (nothing to rewrite). */
static void test_rsh_kept_port(void **state) {
  (void)state;
  tctx *t = rsh_ctx(PUB, PUB, 1024, 65535);
  rsess s;
  assert_int_equal(r_open(&s, t, CLI, 1000, SRV, 514), 0);
  assert_int_equal(s.pport, 1000);
  assert_int_equal(r_send(&s, "999\0", 4, "999\0", 4), 0);
  assert_int_equal(r_back(t, SRV, 1023, PUB, 999, CLI, 999), 0);
  /* port 0 and the empty field: no connection, nothing opened */
  rsess z;
  assert_int_equal(r_open(&z, t, CLI2, 1001, SRV, 514), 0);
  assert_int_equal(r_send(&z, "0\0x\0", 4, "0\0x\0", 4), 0);
  rsess e;
  assert_int_equal(r_open(&e, t, CLI2, 1002, SRV, 514), 0);
  assert_int_equal(r_send(&e, "\0x\0", 3, "\0x\0", 3), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);
}

/* The privileged-port rule: kept privileged, ordinary otherwise, and when
 * all of 512..1023 are taken the connection is counted and dropped. */
static void test_privileged_rule(void **state) {
  (void)state;
  tctx *t = rsh_ctx(PUB, PUB, 1024, 65535);
  tpkt p;
  pinhole_pkt_view v;
  /* not an r-command: a port below 1024 leaves from the pool's range */
  t_tcp(&p, CLI, 1000, SRV, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_true(v.sport >= 1024);
  /* to rsh from an unprivileged port: nothing special */
  t_tcp(&p, CLI, 3000, SRV, 514, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.sport, 3000);
  /* fill 512..1023 from one host (rlogin), each port kept */
  for (uint16_t port = 512; port <= 1023; port++) {
    t_tcp(&p, CLI2, port, SRV, 513, 1, 0, PINHOLE_TCP_SYN, NULL);
    assert_int_equal(t_in(t, &p, SEC), 0);
    t_view(&p, &v);
    assert_int_equal(v.sport, port);
  }
  /* CLI's port 1000 has an ordinary mapping already: refused */
  t_tcp(&p, CLI, 1000, SRV, 514, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* none free */
  t_tcp(&p, CLI, 700, SRV, 514, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 514, PINHOLE_CNT_NEW_DISCARD, 2,
             PINHOLE_CNT_DROP_NAT_PORTS, 2, -1);
  /* the half-open connections expire (240 s): their ports come back */
  for (uint64_t now = 2; now < 300; now += 10)
    while (pinhole_tick(t->ctx, now * SEC) > 0)
      ;
  t_tcp(&p, CLI, 700, SRV, 514, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 300 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.sport, 700);
  t_ctx_del(t);
}

/* The stderr mapping when 512..1023 are all taken: counted, the field
 * refused (the segment dropped), nothing opened. */
static void test_rsh_stderr_exhausted(void **state) {
  (void)state;
  tctx *t = rsh_ctx(PUB, PUB, 1024, 65535);
  tpkt p;
  for (uint16_t port = 512; port <= 1022; port++) {
    t_tcp(&p, CLI2, port, SRV, 513, 1, 0, PINHOLE_TCP_SYN, NULL);
    assert_int_equal(t_in(t, &p, SEC), 0);
  }
  rsess s;
  assert_int_equal(r_open(&s, t, CLI, 1023, SRV, 514), 0);
  assert_int_equal(r_send(&s, "1022\0", 5, NULL, 0), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 512, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_DROP_NAT_PORTS, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_SHELL, 1,
             PINHOLE_CNT_ALG_UNTRANSLATED, 1, -1);
  t_ctx_del(t);
}

/* Nothing after the stream's first field is parsed; the first segment
 * sent again is rewritten the same way, or refused when it announces
 * another port. */
static void test_rsh_second_announcement(void **state) {
  (void)state;
  tctx *t = rsh_ctx(PUB, PUB, 1024, 65535);
  rsess o, s;
  assert_int_equal(r_open(&o, t, CLI2, 1021, SRV2, 514), 0);
  assert_int_equal(r_open(&s, t, CLI, 1020, SRV, 514), 0);
  assert_int_equal(s.pport, 1020);
  uint32_t first = s.cseq;
  assert_int_equal(r_send(&s, "1021\0", 5, "528\0", 4), 0);
  /* later bytes that look like a port are data */
  assert_int_equal(r_send(&s, "1019\0", 5, "1019\0", 5), 0);
  /* the first segment again: the same rewrite, no new sequence shift */
  tpkt p;
  pinhole_pkt_view v;
  seg(&p, CLI, 1020, SRV, 514, first, s.sseq, "1021\0", 5);
  assert_int_equal(t_in(t, &p, 2 * SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, first);
  payload_is(&p, "528\0", 4);
  /* the first segment again with another port: refused */
  seg(&p, CLI, 1020, SRV, 514, first, s.sseq, "1019\0", 5);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SHELL), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_true(t_has_event(t, "second standard-error port announcement"));
  /* the data after it still flows, numbered as before */
  assert_int_equal(r_send(&s, "x\0", 2, "x\0", 2), 0);
  t_ctx_del(t);
}

/* A field split across segments is held, never passed in part: each
 * try resends the held bytes with one more, until it is whole. */
static void test_rsh_split_field(void **state) {
  (void)state;
  tctx *t = rsh_ctx(PUB, PUB, 1024, 65535);
  rsess o, s;
  assert_int_equal(r_open(&o, t, CLI2, 1021, SRV2, 514), 0);
  assert_int_equal(r_open(&s, t, CLI, 1019, SRV, 514), 0);
  for (size_t n = 1; n <= 3; n++) {
    tpkt p;
    seg(&p, CLI, 1019, SRV, 514, s.cseq, s.sseq, "01021", n);
    assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_HELD);
  }
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_RESENT), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  /* sent again whole: rewritten */
  assert_int_equal(r_send(&s, "01021\0", 6, "528\0", 4), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  /* a field that never completes: held until hold_timeout_ms, then (the
   * client's address is translated) its direction is closed to data,
   * never passed in part, nothing opened */
  rsess u;
  assert_int_equal(r_open(&u, t, CLI, 1018, SRV, 514), 0);
  tpkt p;
  seg(&p, CLI, 1018, SRV, 514, u.cseq, u.sseq, "1017", 4);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(pinhole_tick(t->ctx, 2 * SEC + 3100000000ull), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TIMEOUT), 1);
  assert_true(t_has_event(t, "split message timed out: dropped"));
  seg(&p, CLI, 1018, SRV, 514, u.cseq, u.sseq, "1017\0x\0", 7);
  assert_int_equal(t_in(t, &p, 6 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  t_ctx_del(t);
}

/* Streams that are not the protocol: counted, desynchronised, nothing
 * opened, the bytes pass as they are. */
static void test_rsh_not_protocol(void **state) {
  (void)state;
  static const struct {
    uint16_t dport;
    const char *b;
    size_t n;
  } cases[] = {
      {514, "GET / HTTP/1.0\r\n\r\n", 18},
      {514, "123456\0", 7},
      {514, "70000\0", 6},
      {512, "10 22\0", 6},
      {512, "+1022\0", 6},
      {513, "alice\0", 6},
      {513, "\0al\tice\0", 8},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    tctx *t = rsh_ctx(PUB, PUB, 1024, 65535);
    rsess s;
    assert_int_equal(
        r_open(&s, t, CLI, (uint16_t)(900 + i), SRV, cases[i].dport), 0);
    assert_int_equal(r_send(&s, cases[i].b, cases[i].n, cases[i].b, cases[i].n),
                     0);
    /* and nothing later is parsed */
    assert_int_equal(r_send(&s, "1022\0", 5, "1022\0", 5), 0);
    int cnt = cases[i].dport == 514   ? PINHOLE_CNT_ALG_SHELL
              : cases[i].dport == 512 ? PINHOLE_CNT_ALG_EXEC
                                      : PINHOLE_CNT_ALG_LOGIN;
    t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
               PINHOLE_CNT_ERR_ALG, 1, cnt, 1, PINHOLE_CNT_ALG_DESYNC, 1, -1);
    t_ctx_del(t);
  }
}

/* rlogin: the greeting passes, the client's privileged port is kept. */
static void test_rlogin(void **state) {
  (void)state;
  tctx *t = rsh_ctx(PUB, PUB, 1024, 65535);
  rsess s;
  assert_int_equal(r_open(&s, t, CLI, 1023, SRV, 513), 0);
  assert_int_equal(s.pport, 1023);
  const char g[] = "\0alice\0bob\0xterm/38400\0";
  assert_int_equal(r_send(&s, g, sizeof(g) - 1, g, sizeof(g) - 1), 0);
  assert_int_equal(r_send(&s, "ls\r", 3, "ls\r", 3), 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4, -1);
  char *l = t_listing(t);
  assert_non_null(strstr(l, "Conversation: ALG protocol: rlogin\n"));
  assert_non_null(
      strstr(l, "    NAT source 198.18.0.100:1023 -> 198.19.0.1:1023\n"));
  free(l);
  t_ctx_del(t);
}

/* A stderr port below 512 fails the low-port policy: counted, nothing
 * opened, the field passes (it names no address). */
static void test_rsh_low_port(void **state) {
  (void)state;
  tctx *t = rsh_ctx(PUB, PUB, 1024, 65535);
  rsess s;
  assert_int_equal(r_open(&s, t, CLI, 1023, SRV, 514), 0);
  assert_int_equal(r_send(&s, "22\0", 3, "22\0", 3), 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_SHELL, 1, -1);
  assert_true(t_has_event(t, "standard-error port below 1024"));
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rsh_stderr),
      cmocka_unit_test(test_rexec_stderr),
      cmocka_unit_test(test_rsh_kept_port),
      cmocka_unit_test(test_privileged_rule),
      cmocka_unit_test(test_rsh_stderr_exhausted),
      cmocka_unit_test(test_rsh_second_announcement),
      cmocka_unit_test(test_rsh_split_field),
      cmocka_unit_test(test_rsh_not_protocol),
      cmocka_unit_test(test_rlogin),
      cmocka_unit_test(test_rsh_low_port),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

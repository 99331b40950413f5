/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP sequence corrections in both directions at once: two PORT rewrites
 * shrink the client's stream by 4 bytes, and a growth of 3 bytes is
 * recorded in the server's stream through the engine's service (as an ALG
 * rewriting a server reply would); every later segment's SEQ, ACK and SACK
 * edges are checked, in both directions.
 */
#include "helpers.h"

#include "core/ctx.h"
#include "core/engine.h"

#define CLI IP4(198, 18, 0, 100)

/* A TCP segment with a SACK option (one block). */
static void tcp_sack(tpkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                     uint16_t dport, uint32_t seq, uint32_t ack, uint32_t l,
                     uint32_t r) {
  t_ip(p->b, 52, 6, src, dst);
  uint8_t *h = p->b + 20;
  memset(h, 0, 32);
  t_put16(h, sport);
  t_put16(h + 2, dport);
  t_put32(h + 4, seq);
  t_put32(h + 8, ack);
  h[12] = 8 << 4;
  h[13] = PINHOLE_TCP_ACK;
  t_put16(h + 14, 1000);
  h[20] = 1;
  h[21] = 1;
  h[22] = 5;
  h[23] = 10;
  t_put32(h + 24, l);
  t_put32(h + 28, r);
  p->p.data = p->b;
  p->p.len = 52;
  p->p.cap = sizeof(p->b);
  t_fix(p);
}

static ph_watch *the_watch(tctx *t) {
  pinhole_ctx *ctx = t->ctx;
  for (uint32_t i = 0; i < ctx->cfg.max_flows; i++)
    if ((ctx->conns[i].flags & PH_CONN_LIVE) && ctx->conns[i].watch)
      return &ctx->watch[ctx->conns[i].watch - 1];
  fail();
  return NULL;
}

static void test_seq_both_directions(void **state) {
  (void)state;
  tctx *t = t_ctx();
  tpkt p;
  pinhole_pkt_view v;
  uint32_t cs = 100, ss = 900 - T_FTP_GREETING_LEN;
  t_tcp(&p, CLI, 40000, OUT_HOST, 21, cs++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, ss++, cs,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  ss += T_FTP_GREETING_LEN;
  t_ftp_greet(t, OUT_HOST, PUB, 40000, ss, cs);
  /* two rewrites from the client: -2 each */
  const char *port = "PORT 198,18,0,100,156,65\r\n";
  for (int i = 0; i < 2; i++) {
    t_tcp(&p, CLI, 40000, OUT_HOST, 21, cs, ss, PINHOLE_TCP_ACK, port);
    assert_int_equal(t_in(t, &p, SEC), 0);
    t_view(&p, &v);
    assert_int_equal(v.seq, cs - 2u * (uint32_t)i);
    cs += 26;
  }
  /* one growth of 3 in the server's stream, at ss */
  uint32_t corr = ss;
  ph_watch *w = the_watch(t);
  pinhole__tcp_seq_record(&w->st[1], ss, 3);
  const char *reply = "200 PORT command successful.\r\n";
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, ss, cs - 4, PINHOLE_TCP_ACK, reply);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, ss); /* the growing segment keeps its start */
  assert_int_equal(v.ack, cs);
  t_check_cksums(&p);
  ss += (uint32_t)strlen(reply);
  /* the next server segment is 3 later in the client's numbering */
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, ss, cs - 4, PINHOLE_TCP_ACK,
        "150 ok\r\n");
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, ss + 3);
  t_check_cksums(&p);
  ss += 8;
  /* the client acknowledges in its numbering (+3), with a SACK block */
  tcp_sack(&p, CLI, 40000, OUT_HOST, 21, cs, ss + 3, ss + 3 + 100,
           ss + 3 + 200);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.seq, cs - 4);
  assert_int_equal(v.ack, ss);
  assert_int_equal(t_get32(p.b + 20 + 24), ss + 100);
  assert_int_equal(t_get32(p.b + 20 + 28), ss + 200);
  t_check_cksums(&p);
  /* an old ACK from before the server's correction maps with no offset */
  tcp_sack(&p, CLI, 40000, OUT_HOST, 21, cs, corr, corr - 20, corr - 10);
  assert_int_equal(t_in(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.ack, corr);
  assert_int_equal(t_get32(p.b + 20 + 24), corr - 20);
  /* and the server's ACKs of client data keep the -4 mapping */
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, ss, cs - 4, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), 0);
  t_view(&p, &v);
  assert_int_equal(v.ack, cs);
  assert_int_equal(v.seq, ss + 3);
  t_check_cksums(&p);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seq_both_directions),
  };
  return cmocka_run_group_tests_name("unit.seq", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ALGs on IPv6 connections (the firewall, no translation; docs/ipv6.md):
 * FTP EPRT |2| (active) and 229 (passive) open pinholes for the IPv6 data
 * connection, which joins the conversation as a Forward flow and is
 * admitted only from the announced peer (full addresses compared, a fold
 * collision opens nothing); hostile EPRTs (another address, a low port,
 * bad text, |1| and PORT on IPv6) are counted and open nothing; nothing
 * is ever rewritten; a split EPRT is held until whole.
 */
#include "helpers.h"
#include "helpers6.h"

#define CLI "2001:db8:1::2"  /* inside FTP client */
#define SRV "2001:db8:2::5"  /* outside FTP server */
#define PEER "2001:db8:2::7" /* another outside host */
#define WEB "2001:db8:1::21" /* inside FTP server */
#define OUTC "2001:db8:3::9" /* outside FTP client */

/* An FTP control connection cli:cport -> srv:21 and where each side's
 * sequence numbers are. in: the client is inside. */
typedef struct ftp6 {
  const char *cli, *srv;
  uint16_t cport;
  int in;
  uint32_t cseq, sseq;
} ftp6;

/* The context: inside 2001:db8:1::/48 may go out (the ALG by port), the
 * outside may reach WEB's FTP port. */
static tctx *ctx_alg6(uint32_t flags) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 16;
  cfg.flags |= flags;
  tctx *t = t_ctx_cfg(&cfg);
  rule6(t, "v6-out", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NULL, 0, 0,
        PINHOLE_ACTION_ACCEPT);
  rule6(t, "v6-ftp", PINHOLE_SIDE_OUTSIDE, PINHOLE_IPPROTO_TCP, NULL, 0, WEB,
        128, 21, PINHOLE_ACTION_ACCEPT);
  return t;
}

static int from_cli(tctx *t, const ftp6 *f, tpkt *p) {
  return f->in ? t_in(t, p, SEC) : t_out(t, p, SEC);
}

static int from_srv(tctx *t, const ftp6 *f, tpkt *p) {
  return f->in ? t_out(t, p, SEC) : t_in(t, p, SEC);
}

/* Handshake and the server's greeting. */
static void ftp6_open(tctx *t, ftp6 *f) {
  tpkt p;
  f->cseq = 1000 + f->cport;
  f->sseq = 7000;
  b6_tcp(&p, f->cli, f->cport, f->srv, 21, PINHOLE_TCP_SYN, f->cseq++, 0, 0);
  assert_int_equal(from_cli(t, f, &p), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, f->srv, 21, f->cli, f->cport, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
         f->sseq++, f->cseq, 0);
  assert_int_equal(from_srv(t, f, &p), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, f->cli, f->cport, f->srv, 21, PINHOLE_TCP_ACK, f->cseq, f->sseq,
         0);
  assert_int_equal(from_cli(t, f, &p), PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&p, f->srv, 21, f->cli, f->cport,
              PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, f->sseq, f->cseq,
              T_FTP_GREETING);
  f->sseq += T_FTP_GREETING_LEN;
  assert_int_equal(from_srv(t, f, &p), PINHOLE_VERDICT_FORWARD);
}

/* A line from the client (cli 1) or the server: forwarded unchanged. */
static void ftp6_line(tctx *t, ftp6 *f, int cli, const char *line) {
  tpkt p;
  if (cli)
    b6_tcp_text(&p, f->cli, f->cport, f->srv, 21,
                PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, f->cseq, f->sseq, line);
  else
    b6_tcp_text(&p, f->srv, 21, f->cli, f->cport,
                PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, f->sseq, f->cseq, line);
  uint8_t before[256];
  uint32_t len = p.p.len;
  assert_true(len <= sizeof(before));
  memcpy(before, p.b, len);
  assert_int_equal(cli ? from_cli(t, f, &p) : from_srv(t, f, &p),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.p.len, len);
  assert_memory_equal(p.b, before, len); /* nothing rewritten */
  if (cli)
    f->cseq += (uint32_t)strlen(line);
  else
    f->sseq += (uint32_t)strlen(line);
}

static void test_ipv6_ftp_eprt_active(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  ftp6 f = {CLI, SRV, 40000, 1, 0, 0};
  ftp6_open(t, &f);
  ftp6_line(t, &f, 1, "EPRT |2|2001:db8:1::2|40001|\r\n");
  t_listing_is(t, "Conversation: ALG protocol: ftp\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP [2001:db8:1::2]:40000 -> [2001:db8:2::5]:21 Watch    "
                  "I          3\n"
                  "TCP [2001:db8:2::5]:21 -> [2001:db8:1::2]:40000 Watch    "
                  "O          2\n"
                  "TCP [2001:db8:2::5]:0 -> [2001:db8:1::2]:40001 Forward  "
                  "O          0\n");
  assert_true(t_has_event(t, "PINHOLE_CREATED: conv=1 proto=TCP side=outside "
                             "[2001:db8:2::5]:0 -> [2001:db8:1::2]:40001"));
  /* traces name the IPv6 endpoints (pinhole_trace a6/b6) */
  assert_true(t_has_trace(t, "ftp ALG conv=1 parsed [2001:db8:1::2]:40001 "
                             "\"EPRT |2|2001:db8:1::2|40001|\""));
  assert_true(t_has_trace(t, "ftp ALG conv=1 pinhole created TCP "
                             "[2001:db8:2::5]:0 -> [2001:db8:1::2]:40001 "
                             "lifetime=10000ms"));
  tpkt p;
  /* another outside host, and the server to another port: refused */
  b6_tcp(&p, PEER, 20, CLI, 40001, PINHOLE_TCP_SYN, 300, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_tcp(&p, SRV, 20, CLI, 40002, PINHOLE_TCP_SYN, 300, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* the server's data connection */
  b6_tcp(&p, SRV, 20, CLI, 40001, PINHOLE_TCP_SYN, 300, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, 40001, SRV, 20, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 9000, 301,
         0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, SRV, 20, CLI, 40001, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 301, 9001,
         12);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* consumed: another connection from the server (any source port
   * matched) is no data connection */
  b6_tcp(&p, SRV, 2020, CLI, 40001, PINHOLE_TCP_SYN, 900, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_listing_is(t, "Conversation: ALG protocol: ftp\n"
                  "  Number of initiators: 2, Number of responders: 2\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP [2001:db8:1::2]:40000 -> [2001:db8:2::5]:21 Watch    "
                  "I          3\n"
                  "TCP [2001:db8:1::2]:40001 -> [2001:db8:2::5]:20 Forward  "
                  "I          1\n"
                  "TCP [2001:db8:2::5]:21 -> [2001:db8:1::2]:40000 Watch    "
                  "O          2\n"
                  "TCP [2001:db8:2::5]:20 -> [2001:db8:1::2]:40001 Forward  "
                  "O          2\n");
  assert_true(t_has_event(t, "PINHOLE_USED: conv=1 proto=TCP side=outside "
                             "[2001:db8:2::5]:0 -> [2001:db8:1::2]:40001"));
  assert_true(t_has_trace(t, "ftp ALG conv=1 pinhole used TCP "
                             "[2001:db8:2::5]:0 -> [2001:db8:1::2]:40001"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_NEW_DISCARD, 3, PINHOLE_CNT_DROP_NO_RULE, 3,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(t);
}

static void test_ipv6_ftp_epsv_passive(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  ftp6 f = {OUTC, WEB, 51000, 0, 0, 0};
  ftp6_open(t, &f);
  tpkt p;
  /* before the 229 the outside may not reach the data port */
  b6_tcp(&p, OUTC, 51001, WEB, 50000, PINHOLE_TCP_SYN, 10, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  ftp6_line(t, &f, 1, "EPSV\r\n");
  ftp6_line(t, &f, 0, "229 Entering Extended Passive Mode (|||50000|)\r\n");
  /* only the client, only to the announced port */
  b6_tcp(&p, PEER, 51001, WEB, 50000, PINHOLE_TCP_SYN, 10, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_tcp(&p, OUTC, 51001, WEB, 50001, PINHOLE_TCP_SYN, 10, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_tcp(&p, OUTC, 51002, WEB, 50000, PINHOLE_TCP_SYN, 10, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, WEB, 50000, OUTC, 51002, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 60, 11,
         0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_listing_is(t, "Conversation: ALG protocol: ftp\n"
                  "  Number of initiators: 2, Number of responders: 2\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP [2001:db8:3::9]:51000 -> [2001:db8:1::21]:21 Watch    "
                  "I          3\n"
                  "TCP [2001:db8:3::9]:51002 -> [2001:db8:1::21]:50000 Forward "
                  " I          1\n"
                  "TCP [2001:db8:1::21]:21 -> [2001:db8:3::9]:51000 Watch    "
                  "O          3\n"
                  "TCP [2001:db8:1::21]:50000 -> [2001:db8:3::9]:51002 Forward "
                  " O          1\n");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_NEW_DISCARD, 3, PINHOLE_CNT_DROP_NO_RULE, 3,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(t);
}

/* Each hostile line is counted as an FTP ALG error, passes unchanged and
 * opens nothing. */
static void test_ipv6_ftp_hostile_eprt(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  ftp6 f = {CLI, SRV, 40100, 1, 0, 0};
  ftp6_open(t, &f);
  static const char *const bad[] = {
      "EPRT |2|2001:db8:1::3|40001|\r\n", /* another inside host */
      "EPRT |2|2001:db8:2::7|40001|\r\n", /* an outside one */
      "EPRT |2|2001:db8:1::2|80|\r\n",    /* a low port */
      "EPRT |2|2001:db8::zz|40001|\r\n",  /* not an address */
      "EPRT |2|2001:db8:1::2 |40001|\r\n",
      "EPRT |2|2001:db8:1::2|70000|\r\n", /* port out of range */
      "EPRT |1|198.18.0.2|40001|\r\n",    /* IPv4 on IPv6 */
      "PORT 198,18,0,2,156,65\r\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    ftp6_line(t, &f, 1, bad[i]);
  ftp6_line(t, &f, 0, "227 Entering Passive Mode (198,19,0,5,156,66)\r\n");
  assert_true(t_has_event(t, "data address is not the client's"));
  assert_true(t_has_event(t, "data port below 1024"));
  assert_true(t_has_event(t, "malformed command"));
  assert_true(t_has_event(t, "number out of range"));
  assert_true(t_has_event(t, "IPv4 endpoint on an IPv6 connection"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 12,
             PINHOLE_CNT_ERR_ALG, 9, PINHOLE_CNT_ALG_FTP, 9, -1);
  tpkt p;
  b6_tcp(&p, SRV, 20, "2001:db8:1::3", 40001, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_ctx_del(t);
}

/* With third parties allowed, another address of the client's side opens
 * its pinhole (to that address only). */
static void test_ipv6_ftp_third_party(void **state) {
  (void)state;
  tctx *t = ctx_alg6(PINHOLE_CFG_ALG_THIRD_PARTY);
  ftp6 f = {CLI, SRV, 40200, 1, 0, 0};
  ftp6_open(t, &f);
  ftp6_line(t, &f, 1, "EPRT |2|2001:db8:1::3|41000|\r\n");
  tpkt p;
  b6_tcp(&p, SRV, 20, CLI, 41000, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_tcp(&p, SRV, 20, "2001:db8:1::3", 41000, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(t);
}

/* A client x announces its data port; y, whose address folds like x's,
 * gets nothing through x's pinhole: the full address decides. */
static void test_ipv6_ftp_fold_collision(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  uint8_t x[16], y[16];
  char xs[PINHOLE_ADDR6_STRLEN], ys[PINHOLE_ADDR6_STRLEN];
  fold_collision_text(t->ctx, x, y, xs, ys);
  ftp6 f = {xs, SRV, 40300, 1, 0, 0};
  ftp6_open(t, &f);
  char line[96];
  snprintf(line, sizeof(line), "EPRT |2|%s|42000|\r\n", xs);
  ftp6_line(t, &f, 1, line);
  tpkt p;
  b6_tcp(&p, SRV, 20, ys, 42000, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_tcp(&p, SRV, 20, xs, 42000, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  t_ctx_del(t);
}

/* An EPRT split across two segments is held on IPv6 as on IPv4 and
 * opens its pinhole once whole (tests/scenario/test_split6.c has the
 * bytes); the next whole line is parsed as usual. */
static void test_ipv6_ftp_split_held(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  ftp6 f = {CLI, SRV, 40400, 1, 0, 0};
  ftp6_open(t, &f);
  tpkt p;
  b6_tcp_text(&p, f.cli, f.cport, f.srv, 21, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              f.cseq, f.sseq, "EPRT |2|2001:db8:1:");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  f.cseq += 19;
  b6_tcp(&p, SRV, 20, CLI, 43000, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_tcp_text(&p, f.cli, f.cport, f.srv, 21, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              f.cseq, f.sseq, ":2|43000|\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  f.cseq += 11;
  b6_tcp(&p, SRV, 20, CLI, 43000, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  ftp6_line(t, &f, 1, "EPRT |2|2001:db8:1::2|43001|\r\n");
  b6_tcp(&p, SRV, 20, CLI, 43001, PINHOLE_TCP_SYN, 1, 0, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_ctx_del(t);
}

/* A SIP message over UDP from src:5060 to dst:5060: head lines (ending in
 * CRLF), Content-Length and the SDP body. */
static void sip6(tpkt *p, const char *src, const char *dst, const char *head,
                 const char *sdp) {
  char msg[1024];
  snprintf(msg, sizeof(msg), "%sContent-Length: %zu\r\n\r\n%s", head,
           strlen(sdp), sdp);
  b6_udp(p, src, 5060, dst, 5060, msg);
}

#define SDP6(ip, port, extra)                                                  \
  "v=0\r\no=- 1 1 IN IP6 " ip "\r\ns=-\r\nc=IN IP6 " ip                        \
  "\r\nt=0 0\r\nm=audio " port " RTP/AVP 0\r\n" extra

#define INVITE6                                                                \
  "INVITE sip:bob@[2001:db8:2::5] SIP/2.0\r\n"                                 \
  "Via: SIP/2.0/UDP [2001:db8:1::2]:5060;branch=z9hG4bK6a\r\n"                 \
  "From: <sip:alice@[2001:db8:1::2]>;tag=1\r\n"                                \
  "To: <sip:bob@[2001:db8:2::5]>\r\n"                                          \
  "Call-ID: 6a@2001:db8:1::2\r\nCSeq: 1 INVITE\r\n"                            \
  "Contact: <sip:alice@[2001:db8:1::2]:5060>\r\n"                              \
  "Content-Type: application/sdp\r\n"

#define OK6                                                                    \
  "SIP/2.0 200 OK\r\n"                                                         \
  "Via: SIP/2.0/UDP [2001:db8:1::2]:5060;branch=z9hG4bK6a\r\n"                 \
  "From: <sip:alice@[2001:db8:1::2]>;tag=1\r\n"                                \
  "To: <sip:bob@[2001:db8:2::5]>;tag=2\r\n"                                    \
  "Call-ID: 6a@2001:db8:1::2\r\nCSeq: 1 INVITE\r\n"                            \
  "Contact: <sip:bob@[2001:db8:2::5]:5060>\r\n"                                \
  "Content-Type: application/sdp\r\n"

/* INVITE / 200 with c=IN IP6: RTP and RTCP pinholes both ways, each from
 * the other party only; nothing rewritten. */
static void test_ipv6_sip_call(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  tpkt p;
  sip6(&p, CLI, SRV, INVITE6, SDP6("2001:db8:1::2", "30000", ""));
  uint8_t before[1100];
  uint32_t len = p.p.len;
  memcpy(before, p.b, len);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_memory_equal(p.b, before, len);
  sip6(&p, SRV, CLI, OK6, SDP6("2001:db8:2::5", "40000", "a=rtcp:40011\r\n"));
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_listing_is(t, "Conversation: ALG protocol: sip\n"
                  "  Number of initiators: 1, Number of responders: 1\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "UDP [2001:db8:1::2]:5060 -> [2001:db8:2::5]:5060 Watch    "
                  "I          1\n"
                  "UDP [2001:db8:2::5]:5060 -> [2001:db8:1::2]:5060 Watch    "
                  "O          1\n"
                  "UDP [2001:db8:1::2]:0 -> [2001:db8:2::5]:40011 Forward  "
                  "I          0\n"
                  "UDP [2001:db8:1::2]:0 -> [2001:db8:2::5]:40000 Forward  "
                  "I          0\n"
                  "UDP [2001:db8:2::5]:0 -> [2001:db8:1::2]:30001 Forward  "
                  "O          0\n"
                  "UDP [2001:db8:2::5]:0 -> [2001:db8:1::2]:30000 Forward  "
                  "O          0\n");
  /* media from another host is refused; the callee's RTP and RTCP pass */
  b6_udp(&p, PEER, 40000, CLI, 30000, "rtp?");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_udp(&p, SRV, 40000, CLI, 30000, "rtp");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, SRV, 40001, CLI, 30001, "rtcp");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the caller's RTP answers on the flow the callee's opened (the
   * caller's pinhole to 40000 stays pending) */
  b6_udp(&p, CLI, 30000, SRV, 40000, "rtp back");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 4, PINHOLE_CNT_PINHOLE_USED, 2, -1);
  t_ctx_del(t);
}

/* Media at another address, at an IPv4 one, at a low port: counted (3
 * errors), no pinhole; a disabled stream (port 0) is no error. */
static void test_ipv6_sip_hostile_media(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  tpkt p;
  sip6(&p, CLI, SRV, INVITE6,
       "v=0\r\no=- 1 1 IN IP6 2001:db8:1::2\r\ns=-\r\nt=0 0\r\n"
       "m=audio 30000 RTP/AVP 0\r\nc=IN IP6 2001:db8:1::9\r\n"
       "m=audio 30002 RTP/AVP 0\r\nc=IN IP4 198.18.0.2\r\n"
       "m=audio 500 RTP/AVP 0\r\nc=IN IP6 2001:db8:1::2\r\n"
       "m=audio 0 RTP/AVP 0\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_true(t_has_event(t, "media address is not the client's"));
  assert_true(t_has_event(t, "media address is not IPv6"));
  assert_true(t_has_event(t, "media port below 1024"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_ERR_ALG, 3,
             PINHOLE_CNT_ALG_SIP, 3, -1);
  t_ctx_del(t);
}

/* An INVITE from CLI in three IPv6 fragments (the UDP payload cut at 64,
 * inside the Via, and 200, inside the headers before the SDP; sent
 * first, last, middle): held until whole, the ALG sees the whole
 * message (RFC 8200 sec. 4.5), nothing is rewritten, and it leaves in
 * fragments of the longest one's size, the same identification: the
 * first in the caller's packet, the others through emit. The callee's
 * media then comes in through the pinholes the SDP opened. */
static void test_ipv6_sip_frag(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  tpkt w, p, e;
  sip6(&w, CLI, SRV, INVITE6, SDP6("2001:db8:1::2", "30000", ""));
  size_t n = w.p.len - 40u;
  const size_t lo[3] = {0, 64, 200}, hi[3] = {64, 200, n};
  const int ord[3] = {0, 2, 1};
  for (int i = 0; i < 3; i++) {
    int k = ord[i];
    t6_frag6(&p, &w, lo[k], hi[k] - lo[k], k < 2, 0x6a6b6c6du);
    assert_int_equal(t_in(t, &p, SEC),
                     i < 2 ? PINHOLE_VERDICT_HELD : PINHOLE_VERDICT_FORWARD);
  }
  size_t fp = (n - 200) & ~(size_t)7; /* the longest piece */
  assert_true(fp < n - 200 && 2 * fp > n);
  t6_frag6(&e, &w, 0, fp, 1, 0x6a6b6c6du);
  assert_int_equal(p.p.len, e.p.len);
  assert_memory_equal(p.b, e.b, e.p.len);
  t6_frag6(&e, &w, fp, n - fp, 0, 0x6a6b6c6du);
  assert_int_equal(t->nelog, 1);
  assert_int_equal(t->elog_side[0], PINHOLE_SIDE_OUTSIDE);
  assert_int_equal(t->elog_len[0], e.p.len);
  assert_memory_equal(t->elog[0], e.b, e.p.len);
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.pinholes, 2); /* RTP, RTCP to the caller */
  assert_int_equal(u.fragments, 0);
  /* the callee's RTP through the pinhole; another host's refused */
  b6_udp(&p, PEER, 40000, CLI, 30000, "rtp?");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_udp(&p, SRV, 40000, CLI, 30000, "rtp");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_COMPLETED, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  assert_false(t_has_trace(t, "fragmented message not inspected"));
  t_ctx_del(t);
}

/* Piece k of the INVITE w cut at 64 and 200 (identification id; ext: with
 * a hop-by-hop and a destination options header before the fragment
 * header). */
static tpkt *invite_third(tpkt *p, const tpkt *w, int k, uint32_t id, int ext) {
  size_t n = w->p.len - 40u;
  const size_t lo[3] = {0, 64, 200}, hi[3] = {64, 200, n};
  return (ext ? t6_frag6_ext : t6_frag6)(p, w, lo[k], hi[k] - lo[k], k < 2, id);
}

/* The INVITE's three pieces sent in order ord (ext: with extension
 * headers before the fragment header): the two first to come are held
 * (a piece before its first fragment as an orphan, RFC 8200 sec. 4.5
 * allows any order), the last completes it; the ALG saw it whole (its
 * RTP and RTCP pinholes), and it leaves in two fragments of the longest
 * one's size (RFC 8200 sec. 4.5: the first fragment's per-fragment
 * headers on each), byte for byte, the first in the caller's packet. */
static void sip6_frag_order(const int ord[3], int ext) {
  tctx *t = ctx_alg6(0);
  tpkt w, p, e;
  sip6(&w, CLI, SRV, INVITE6, SDP6("2001:db8:1::2", "30000", ""));
  size_t n = w.p.len - 40u;
  const uint32_t id = 0x0d0e0f00u;
  for (int i = 0; i < 3; i++) {
    invite_third(&p, &w, ord[i], id, ext);
    assert_int_equal(t_in(t, &p, SEC),
                     i < 2 ? PINHOLE_VERDICT_HELD : PINHOLE_VERDICT_FORWARD);
  }
  size_t fp = (n - 200) & ~(size_t)7; /* the longest piece */
  (ext ? t6_frag6_ext : t6_frag6)(&e, &w, 0, fp, 1, id);
  assert_int_equal(p.p.len, e.p.len);
  assert_memory_equal(p.b, e.b, e.p.len);
  (ext ? t6_frag6_ext : t6_frag6)(&e, &w, fp, n - fp, 0, id);
  assert_int_equal(t->nelog, 1);
  assert_int_equal(t->elog_side[0], PINHOLE_SIDE_OUTSIDE);
  assert_int_equal(t->elog_len[0], e.p.len);
  assert_memory_equal(t->elog[0], e.b, e.p.len);
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.pinholes, 2);
  assert_int_equal(u.fragments, 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_COMPLETED, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 2, -1);
  assert_false(t_has_trace(t, "fragmented message not inspected"));
  t_ctx_del(t);
}

/* Every order of the three pieces, without and with extension headers
 * before the fragment header. */
static void test_ipv6_sip_frag_every_order(void **state) {
  (void)state;
  static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (int ext = 0; ext < 2; ext++)
    for (int k = 0; k < 6; k++)
      sip6_frag_order(perm[k], ext);
}

/* Orphans that cannot make a datagram: two held pieces that overlap
 * (RFC 5722: the datagram is dropped, its first fragment too when it
 * comes); a first fragment that overlaps a held piece; the fragment
 * table full while a piece is held (the other datagram's piece and
 * first fragment have no entry, the held one completes); and a first
 * fragment whose header chain is cut (RFC 7112). Exact counters;
 * nothing leaves but the completed datagram. */
static void test_ipv6_sip_frag_orphans_fail(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  tpkt w, p;
  sip6(&w, CLI, SRV, INVITE6, SDP6("2001:db8:1::2", "30000", ""));
  size_t n = w.p.len - 40u;
  assert_int_equal(t_in(t, invite_third(&p, &w, 1, 21, 0), SEC),
                   PINHOLE_VERDICT_HELD);
  t6_frag6(&p, &w, 192, n - 192, 0, 21); /* 8 bytes again */
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_in(t, invite_third(&p, &w, 0, 21, 0), SEC),
                   PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_FRAG_OVERLAP, 1,
             PINHOLE_CNT_FRAGMENTS, 1, -1);
  t_listing_is(t, ""); /* its first fragment made no connection */
  /* the first fragment [0, 64) over a held [56, 200) */
  t6_frag6(&p, &w, 56, 200 - 56, 1, 22);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(t, invite_third(&p, &w, 0, 22, 1), SEC),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_in(t, invite_third(&p, &w, 2, 22, 0), SEC),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t->nemitted, 0);
  t_counters(t, PINHOLE_CNT_EXIST_ACCEPT, 2, PINHOLE_CNT_REASM_HELD, 2,
             PINHOLE_CNT_ERR_IP, 2, PINHOLE_CNT_IP_FRAG_OVERLAP, 2,
             PINHOLE_CNT_FRAGMENTS, 2, -1);
  t_ctx_del(t);

  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 16;
  cfg.max_fragments = 1;
  t = t_ctx_cfg(&cfg);
  rule6(t, "v6-out", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NULL, 0, 0,
        PINHOLE_ACTION_ACCEPT);
  assert_int_equal(t_in(t, invite_third(&p, &w, 2, 31, 1), SEC),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(t, invite_third(&p, &w, 1, 32, 1), SEC),
                   PINHOLE_VERDICT_DROP); /* no entry to hold it */
  assert_int_equal(t_in(t, invite_third(&p, &w, 0, 32, 1), SEC),
                   PINHOLE_VERDICT_DROP); /* no entry to track it */
  assert_int_equal(t_in(t, invite_third(&p, &w, 0, 31, 1), SEC),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(t, invite_third(&p, &w, 1, 31, 1), SEC),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t->nelog, 1);
  /* RFC 7112: a first fragment whose chain ends in the next piece (a
   * destination options header after the fragment header, its UDP
   * header not in the piece) */
  invite_third(&p, &w, 0, 33, 1);
  p.b[56] = 60;
  p.b[64] = PINHOLE_IPPROTO_UDP;
  p.b[65] = 7; /* 64 bytes: the whole piece */
  p.b[66] = 1; /* one PadN option fills it (RFC 8200 sec. 4.2) */
  p.b[67] = 60;
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_COMPLETED, 1,
             PINHOLE_CNT_REASM_OVERFLOW, 1, PINHOLE_CNT_FRAGMENTS, 1,
             PINHOLE_CNT_ERR_IP, 2, PINHOLE_CNT_IP6_FRAGMENT, 1,
             PINHOLE_CNT_IP_FRAG_LEN, 1, PINHOLE_CNT_PINHOLE_CREATED, 2, -1);
  t_ctx_del(t);
}

/* The same INVITE whose pieces overlap (RFC 5722: the datagram is
 * dropped, and what follows) or whose SDP is longer than hold_msg_max
 * (it cannot be held: on the IPv6 firewall, which rewrites nothing, it
 * passes uninspected, counted, the held piece through emit). */
static void test_ipv6_sip_frag_fail(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  tpkt w, p;
  sip6(&w, CLI, SRV, INVITE6, SDP6("2001:db8:1::2", "30000", ""));
  size_t n = w.p.len - 40u;
  t6_frag6(&p, &w, 0, 64, 1, 7);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  t6_frag6(&p, &w, 64, 200 - 64, 1, 7);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  t6_frag6(&p, &w, 192, n - 192, 0, 7); /* 8 bytes again */
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t6_frag6(&p, &w, 200, n - 200, 0, 7);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t->nemitted, 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_FRAG_OVERLAP, 1, PINHOLE_CNT_FRAGMENTS, 1, -1);
  t_ctx_del(t);

  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 16;
  cfg.hold_msg_max = 128;
  t = t_ctx_cfg(&cfg);
  rule6(t, "v6-out", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NULL, 0, 0,
        PINHOLE_ACTION_ACCEPT);
  t6_frag6(&p, &w, 0, 64, 1, 8);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  t6_frag6(&p, &w, 64, n - 64, 0, 8);
  tpkt e;
  memcpy(e.b, p.b, p.p.len);
  e.p.len = p.p.len;
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_memory_equal(p.b, e.b, e.p.len); /* untouched */
  t6_frag6(&e, &w, 0, 64, 1, 8);
  assert_int_equal(t->nelog, 1);
  assert_int_equal(t->elog_len[0], e.p.len);
  assert_memory_equal(t->elog[0], e.b, e.p.len);
  assert_true(t_has_trace(t, "fragmented message not inspected"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_TOO_BIG, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_SIP, 1, -1);
  t_ctx_del(t);
}

/* RTSP SETUP / reply on IPv6: the client_port pair opens for the
 * server's media; a destination= of another host and a reply's source=
 * of another host are counted; nothing rewritten. */
static void test_ipv6_rtsp_setup(void **state) {
  (void)state;
  tctx *t = ctx_alg6(0);
  ftp6 f = {CLI, SRV, 40500, 1, 0, 0};
  tpkt p;
  f.cseq = 100;
  f.sseq = 900;
  b6_tcp(&p, CLI, 40500, SRV, 554, PINHOLE_TCP_SYN, f.cseq++, 0, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, SRV, 554, CLI, 40500, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, f.sseq++,
         f.cseq, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  static const char *const msgs[] = {
      "SETUP rtsp://[2001:db8:2::5]/a/trackID=1 RTSP/1.0\r\nCSeq: 2\r\n"
      "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n",
      "RTSP/1.0 200 OK\r\nCSeq: 2\r\nTransport: RTP/AVP;unicast;"
      "client_port=5000-5001;server_port=6000-6001;"
      "source=2001:db8:2::5\r\nSession: 12\r\n\r\n",
      "SETUP rtsp://[2001:db8:2::5]/a/trackID=2 RTSP/1.0\r\nCSeq: 3\r\n"
      "Transport: RTP/AVP;unicast;destination=[2001:db8:1::9];"
      "client_port=5002-5003\r\nSession: 12\r\n\r\n",
      "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP;unicast;"
      "client_port=5002-5003;source=2001:db8:2::7\r\nSession: 12\r\n\r\n",
  };
  for (size_t i = 0; i < 4; i++) {
    uint32_t *seq = i % 2 ? &f.sseq : &f.cseq;
    int cli = i % 2 == 0;
    b6_tcp_text(&p, cli ? CLI : SRV, cli ? 40500 : 554, cli ? SRV : CLI,
                cli ? 554 : 40500, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, *seq,
                cli ? f.sseq : f.cseq, msgs[i]);
    uint8_t before[400];
    uint32_t len = p.p.len;
    memcpy(before, p.b, len);
    assert_int_equal(cli ? t_in(t, &p, SEC) : t_out(t, &p, SEC),
                     PINHOLE_VERDICT_FORWARD);
    assert_memory_equal(p.b, before, len);
    *seq += (uint32_t)strlen(msgs[i]);
  }
  assert_true(t_has_event(t, "destination address is not the client's"));
  assert_true(t_has_event(t, "source address is not the server's"));
  /* the client_port as parsed, at the IPv6 address it names */
  assert_true(t_has_trace(
      t, "rtsp ALG conv=1 parsed [2001:db8:1::2]:5000 \"client_port\""));
  assert_true(t_has_trace(
      t, "rtsp ALG conv=1 parsed [2001:db8:1::9]:5002 \"client_port\""));
  b6_udp(&p, PEER, 6000, CLI, 5000, "rtp?");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  b6_udp(&p, SRV, 6000, CLI, 5000, "rtp");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, SRV, 6001, CLI, 5001, "rtcp");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, SRV, 6002, CLI, 5002, "rtp?");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_listing_is(t, "Conversation: ALG protocol: rtsp\n"
                  "  Number of initiators: 3, Number of responders: 3\n"
                  "Flow                                          State    Dir  "
                  "Frm count\n"
                  "TCP [2001:db8:1::2]:40500 -> [2001:db8:2::5]:554 Watch    "
                  "I          3\n"
                  "UDP [2001:db8:1::2]:5000 -> [2001:db8:2::5]:6000 Forward  "
                  "I          0\n"
                  "UDP [2001:db8:1::2]:5001 -> [2001:db8:2::5]:6001 Forward  "
                  "I          0\n"
                  "TCP [2001:db8:2::5]:554 -> [2001:db8:1::2]:40500 Watch    "
                  "O          3\n"
                  "UDP [2001:db8:2::5]:6000 -> [2001:db8:1::2]:5000 Forward  "
                  "O          1\n"
                  "UDP [2001:db8:2::5]:6001 -> [2001:db8:1::2]:5001 Forward  "
                  "O          1\n");
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 5,
             PINHOLE_CNT_NEW_DISCARD, 2, PINHOLE_CNT_DROP_NO_RULE, 2,
             PINHOLE_CNT_ERR_ALG, 2, PINHOLE_CNT_ALG_RTSP, 2,
             PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_PINHOLE_USED, 2, -1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ipv6_ftp_eprt_active),
      cmocka_unit_test(test_ipv6_ftp_epsv_passive),
      cmocka_unit_test(test_ipv6_ftp_hostile_eprt),
      cmocka_unit_test(test_ipv6_ftp_third_party),
      cmocka_unit_test(test_ipv6_ftp_fold_collision),
      cmocka_unit_test(test_ipv6_ftp_split_held),
      cmocka_unit_test(test_ipv6_sip_call),
      cmocka_unit_test(test_ipv6_sip_hostile_media),
      cmocka_unit_test(test_ipv6_sip_frag),
      cmocka_unit_test(test_ipv6_sip_frag_fail),
      cmocka_unit_test(test_ipv6_sip_frag_every_order),
      cmocka_unit_test(test_ipv6_sip_frag_orphans_fail),
      cmocka_unit_test(test_ipv6_rtsp_setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

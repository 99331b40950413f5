/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * State sync of NAT64 and of IPv6 under ALGs (docs/ha.md "IPv6 and
 * NAT64"): context A runs NAT64 sessions (TCP, UDP under the well-known
 * prefix and under a network-specific one, an ICMP echo), an FTP64
 * session whose EPRT |2| was rewritten (sequence delta, NAT64 pinhole)
 * and an IPv6 FTP session whose EPRT |2| opened an IPv6 pinhole; B, which
 * had a flow of its own (so its slots differ), imports A's export; then
 * the same packets through A and B give the same bytes both ways, the
 * data connections come in through the pinholes on B, and the listings
 * agree. Hostile blobs (every truncation and flipped byte, a prefix the
 * standby lacks or does not allow, fields of each new record out of
 * range, a pinhole or connection of another family in a conversation)
 * are refused with B unchanged.
 */
#include "helpers6.h"
#include "state_util.h"

#include "core/alg_call.h"

#define CLI "2001:db8:1::2"
#define CLI2 "2001:db8:1::3"
#define SRV6 "64:ff9b::c613:2" /* OUT_HOST 198.19.0.2 under the WKP */
#define DNS4 IP4(198, 19, 0, 5)
#define DNS6 "64:ff9b::c613:5"
#define NSP "2001:db8:64::" /* a network-specific prefix, /96 */
#define NSP4 IP4(198, 19, 0, 7)
#define NSP6 "2001:db8:64::c613:7"
#define FSRV "2001:db8:2::5" /* an IPv6 FTP server */

static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;

static void rule64(tctx *t, const char *dst) {
  assert_true(t_rule64(t->ctx, t->pool, dst, 96) >= 0);
}

enum { PAIR = 0, NO_NSP = 1, NO_LAB = 2 };

/* The pair's configuration: IPv6, the WKP with PINHOLE_NAT64_LAB and NSP,
 * NAT64 rules to both, IPv6 from 2001:db8:1::/48 out (the ALG by port).
 * NO_NSP: a standby without NSP (a plain IPv6 rule in its rule's place);
 * NO_LAB: one whose WKP does not allow 198.18/15. */
static tctx *ctx46(int how) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 64;
  tctx *t = t_ctx_cfg(&cfg);
  uint8_t nsp[16];
  a6(nsp, NSP);
  assert_int_equal(pinhole_nat64_prefix_add(
                       t->ctx, wkp, 96, how == NO_LAB ? 0 : PINHOLE_NAT64_LAB),
                   0);
  rule64(t, "64:ff9b::");
  if (how == NO_NSP) {
    rule6(t, "v6-nsp", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NSP, 96, 0,
          PINHOLE_ACTION_DISCARD);
  } else {
    assert_int_equal(pinhole_nat64_prefix_add(t->ctx, nsp, 96, 0), 0);
    rule64(t, NSP);
  }
  rule6(t, "v6-out", PINHOLE_SIDE_INSIDE, 0, "2001:db8:1::", 48, NULL, 0, 0,
        PINHOLE_ACTION_ACCEPT);
  return t;
}

/* A standby that had a flow of its own before its first import. */
static tctx *standby(void) {
  tctx *b = ctx46(PAIR);
  tpkt p;
  b6_udp(&p, "2001:db8:1::77", 7000, "2001:db8:2::9", 7001, "own one");
  assert_int_equal(t_in(b, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, "2001:db8:1::78", 7000, DNS6, 53, "own two");
  assert_int_equal(t_in(b, &p, SEC), PINHOLE_VERDICT_FORWARD);
  return b;
}

/* The NAT64 sessions on A: their public ports. */
typedef struct s64 {
  uint16_t tcp, udp, nsp, echo;
} s64;

static void nat64_sessions(tctx *a, s64 *s) {
  tpkt p;
  b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_SYN, 100, 0, 0);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s->tcp = t_get16(p.b + 20);
  t_tcp_n(&p, OUT_HOST, 80, PUB, s->tcp, 5000, 101,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(t_out(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 101, 5001,
         10);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, CLI, 5000, DNS6, 53, "query");
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s->udp = t_get16(p.b + 20);
  b6_udp(&p, CLI2, 5002, NSP6, 5353, "under the nsp");
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 16), NSP4);
  s->nsp = t_get16(p.b + 20);
  b6_ping(&p, CLI, DNS6, 128, 0x77, 1);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.b[9], PINHOLE_IPPROTO_ICMP);
  s->echo = t_get16(p.b + 24);
}

/* RFC 6146 sessions survive failover: TCP, UDP (two prefixes) and an
 * echo go on through B both ways with A's bytes (the IPv4
 * identification included), the TCP windows relearnt as for IPv4. */
static void test_state6_nat64_failover(void **state) {
  (void)state;
  tctx *a = ctx46(PAIR), *b = standby();
  s64 s;
  nat64_sessions(a, &s);
  size_t len = export_full(a, 2 * SEC, NULL);
  size_t off[32];
  size_t nrec = records(len, off, 32);
  assert_int_equal(nrec, 16); /* 4 CONV, 4 MAP, 4 HOST64, 4 CONN64 */
  for (size_t i = 0; i < nrec; i++)
    if (blob[off[i]] == 12) { /* right after its MAP */
      assert_int_equal(blob[off[i - 1]], 2);
      assert_int_equal(t_get16(blob + off[i] + 2), 33);
    } else if (blob[off[i]] != 1 && blob[off[i]] != 2) {
      assert_int_equal(blob[off[i]], 9);
      assert_int_equal(t_get16(blob + off[i] + 2), 242);
    }
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 4);
  same_listing(a, b);
  char *l = t_listing(b);
  assert_non_null(strstr(l, "UDP [2001:db8:1::3]:5002 -> "
                            "[2001:db8:64::c613:7]:5353 Forward  I"));
  assert_null(strstr(l, "2001:db8:1::77"));
  free(l);

  tpkt p, o;
  static const char data[] = "twenty bytes of data";
  t_tcp_n(&p, OUT_HOST, 80, PUB, s.tcp, 5001, 111,
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, data, 20);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(o.b[0] >> 4, 6);
  assert_memory_equal(o.b + 60, data, 20);
  b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 111, 5021,
         7);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get16(o.b + 20), s.tcp);
  t_udp(&p, DNS4, 53, PUB, s.udp, "answer");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  uint8_t want[16];
  a6(want, CLI);
  assert_memory_equal(o.b + 24, want, 16);
  b6_udp(&p, CLI, 5000, DNS6, 53, "query 2");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  t_udp(&p, NSP4, 5353, PUB, s.nsp, "nsp answer");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  a6(want, NSP6);
  assert_memory_equal(o.b + 8, want, 16);
  t_echo(&p, DNS4, PUB, 0, s.echo, 1);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(o.b[40], 129); /* an ICMPv6 echo reply */
  assert_int_equal(t_get16(o.b + 44), 0x77);
  b6_ping(&p, CLI, DNS6, 128, 0x77, 2);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get16(o.b + 24), s.echo);
  same_listing(a, b);
  pinhole_usage ua, ub;
  ua.size = ub.size = sizeof(ua);
  assert_int_equal(pinhole_usage_get(a->ctx, &ua), 0);
  assert_int_equal(pinhole_usage_get(b->ctx, &ub), 0);
  assert_memory_equal(&ua, &ub, sizeof(ua));
  /* the server moved on by more than a window after the last pass: A
   * refuses the segment, B relearns the server's window from it */
  t_tcp_n(&p, OUT_HOST, 80, PUB, s.tcp, 5021 + 300000u, 118, PINHOLE_TCP_ACK,
          data, 4);
  tpkt pb = p;
  pb.p.data = pb.b;
  assert_int_equal(t_out(a, &p, 4 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_out(b, &pb, 4 * SEC), PINHOLE_VERDICT_FORWARD);
  a6(want, CLI);
  assert_memory_equal(pb.b + 24, want, 16);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* ---- FTP64 and IPv6 FTP ------------------------------------------------- */

typedef struct ftp {
  uint16_t ctl;  /* FTP64: the control connection's public port */
  uint16_t data; /* FTP64: the public data port EPRT announced */
  uint32_t c, s; /* the client's next seq (its own numbering), server's */
  int32_t d;     /* FTP64: the client's sequence delta */
} ftp;

/* On A: an FTP64 control connection CLI:40021 -> SRV6:21 greeted, then
 * EPRT |2|CLI|50000| rewritten to EPRT |1|PUB|data| (the NAT64 pinhole
 * is open). */
static void ftp64_on(tctx *a, ftp *f) {
  tpkt p;
  f->c = 300;
  f->s = 9000;
  b6_tcp(&p, CLI, 40021, SRV6, 21, PINHOLE_TCP_SYN, f->c++, 0, 0);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  f->ctl = t_get16(p.b + 20);
  t_tcp_n(&p, OUT_HOST, 21, PUB, f->ctl, f->s++, f->c,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(t_out(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, 40021, SRV6, 21, PINHOLE_TCP_ACK, f->c, f->s, 0);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  f->s += T_FTP_GREETING_LEN;
  t_ftp_greet(a, OUT_HOST, PUB, f->ctl, f->s, f->c);
  const char *cmd = "EPRT |2|2001:db8:1::2|50000|\r\n";
  b6_tcp_text(&p, CLI, 40021, SRV6, 21, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, f->c,
              f->s, cmd);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  char txt[64], want[64];
  size_t n = p.p.len - 40;
  assert_true(n < sizeof(txt));
  memcpy(txt, p.b + 40, n);
  txt[n] = '\0';
  unsigned q = 0;
  assert_int_equal(sscanf(txt, "EPRT |1|198.19.0.1|%u|\r\n", &q), 1);
  f->data = (uint16_t)q;
  snprintf(want, sizeof(want), "EPRT |1|198.19.0.1|%u|\r\n", q);
  t_payload_is(&p, want);
  f->d = (int32_t)strlen(want) - (int32_t)strlen(cmd);
  assert_true(f->d != 0);
  f->c += (uint32_t)strlen(cmd);
}

/* RFC 6384 active FTP through the standby: the server's reply and the
 * client's next command shifted by A's sequence delta on B, the server's
 * IPv4 data connection through the NAT64 pinhole to the client as IPv6,
 * the same bytes and listing on both. */
static void test_state6_ftp64_failover(void **state) {
  (void)state;
  tctx *a = ctx46(PAIR), *b = standby();
  ftp f;
  ftp64_on(a, &f);
  size_t len = export_full(a, 2 * SEC, NULL);
  size_t off[16];
  size_t nrec = records(len, off, 16);
  /* CONV, MAP, HOST64, CONN64, ALG (the FTP module's state), MAP,
   * HOST64, HOLE64 */
  assert_int_equal(nrec, 8);
  static const uint8_t types[] = {1, 2, 12, 9, 7, 2, 12, 11};
  for (size_t i = 0; i < nrec; i++)
    assert_int_equal(blob[off[i]], types[i]);
  assert_int_equal(t_get16(blob + off[7] + 2), 80);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 1);
  same_listing(a, b);

  tpkt p, o;
  const char *ok = "200 EPRT command successful.\r\n";
  t_tcp(&p, OUT_HOST, 21, PUB, f.ctl, f.s, f.c + (uint32_t)f.d,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, ok);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(o.b + 40 + 8), f.c); /* the ack, mapped back */
  f.s += (uint32_t)strlen(ok);
  b6_tcp_text(&p, CLI, 40021, SRV6, 21, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, f.c,
              f.s, "LIST\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(o.b + 20 + 4), f.c + (uint32_t)f.d);
  /* the data connection from port 20 through the NAT64 pinhole */
  t_tcp_n(&p, OUT_HOST, 20, PUB, f.data, 7000, 0, PINHOLE_TCP_SYN, NULL, 0);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  tpkt e;
  b6_tcp(&e, SRV6, 20, CLI, 50000, PINHOLE_TCP_SYN, 7000, 0, 0);
  assert_int_equal(o.p.len, e.p.len);
  assert_memory_equal(o.b, e.b, e.p.len);
  b6_tcp(&p, CLI, 50000, SRV6, 20, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 800, 7001,
         0);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get16(o.b + 20), f.data);
  t_tcp(&p, OUT_HOST, 20, PUB, f.data, 7001, 801,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, "total 0\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  same_listing(a, b);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* On A: an IPv6 FTP control connection CLI:40000 -> FSRV:21 greeted,
 * then EPRT |2|CLI|40001| (the IPv6 pinhole is open). */
static void ftp6_on(tctx *a, ftp *f) {
  tpkt p;
  f->c = 1000;
  f->s = 7000;
  b6_tcp(&p, CLI, 40000, FSRV, 21, PINHOLE_TCP_SYN, f->c++, 0, 0);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, FSRV, 21, CLI, 40000, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, f->s++,
         f->c, 0);
  assert_int_equal(t_out(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, 40000, FSRV, 21, PINHOLE_TCP_ACK, f->c, f->s, 0);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&p, FSRV, 21, CLI, 40000, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, f->s,
              f->c, T_FTP_GREETING);
  assert_int_equal(t_out(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  f->s += T_FTP_GREETING_LEN;
  const char *cmd = "EPRT |2|2001:db8:1::2|40001|\r\n";
  b6_tcp_text(&p, CLI, 40000, FSRV, 21, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, f->c,
              f->s, cmd);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  f->c += (uint32_t)strlen(cmd);
}

/* RFC 2428 active FTP over IPv6 through the standby: the IPv6 pinhole
 * admits the server's data connection on B as on A; a packet it does
 * not match is dropped on both. */
static void test_state6_ipv6_ftp_failover(void **state) {
  (void)state;
  tctx *a = ctx46(PAIR), *b = standby();
  ftp f;
  ftp6_on(a, &f);
  size_t len = export_full(a, 2 * SEC, NULL);
  size_t off[16];
  size_t nrec = records(len, off, 16);
  static const uint8_t types[] = {1, 5, 7, 10}; /* CONV, CONN6, ALG, HOLE6 */
  assert_int_equal(nrec, 4);
  for (size_t i = 0; i < nrec; i++)
    assert_int_equal(blob[off[i]], types[i]);
  assert_int_equal(t_get16(blob + off[3] + 2), 63);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 1);
  same_listing(a, b);
  char *l = t_listing(b);
  assert_non_null(strstr(l, "TCP [2001:db8:2::5]:0 -> [2001:db8:1::2]:40001 "
                            "Forward  O          0\n"));
  free(l);
  tpkt p, o;
  b6_tcp(&p, FSRV, 20, CLI, 40002, PINHOLE_TCP_SYN, 300, 0, 0);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_DROP);
  b6_tcp(&p, FSRV, 20, CLI, 40001, PINHOLE_TCP_SYN, 300, 0, 0);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_memory_equal(o.b, p.b, p.p.len); /* nothing translated */
  b6_tcp(&p, CLI, 40001, FSRV, 20, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 900, 301,
         0);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, FSRV, 20, CLI, 40001, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 301, 901,
         12);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&p, FSRV, 21, CLI, 40000, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, f.s,
              f.c, "200 EPRT ok\r\n");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  same_listing(a, b);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* The bytes of the IPv6 flow rows from port sport (the row's own
 * source port) of a visit. */
typedef struct bytes_of {
  uint16_t sport;
  uint64_t bytes;
  int rows;
} bytes_of;

static int visit_bytes(const pinhole_flow_info *fi, void *user) {
  bytes_of *b = user;
  if (fi->family == 6 && fi->src.port == b->sport) {
    b->bytes = fi->bytes;
    b->rows++;
  }
  return 0;
}

static uint64_t row_bytes(tctx *t, uint16_t sport) {
  bytes_of b = {sport, 0, 0};
  assert_true(pinhole_flows_visit(t->ctx, visit_bytes, &b) >= 2);
  assert_int_equal(b.rows, 1);
  return b.bytes;
}

/* An IPv6 firewall connection (held in one line, ctx.h ph_conn_line6)
 * whose byte counts pass 2^32 (the low halves carry into the side
 * record): the listing reads them whole, a state export carries them and
 * B's listing and counts read the same; both go on counting alike. */
static void test_state6_ipv6_bytes_past_2_32(void **state) {
  (void)state;
  tctx *a = ctx46(PAIR), *b = standby();
  tpkt p;
  b6_udp(&p, CLI2, 6100, FSRV, 6200, "first");
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint8_t s[16], d[16];
  a6(s, CLI2);
  a6(d, FSRV);
  int dir = -1;
  ph_conn *c = pinhole__conn6_lookup(a->ctx, PINHOLE_IPPROTO_UDP, s, d, 6100,
                                     6200, &dir);
  assert_non_null(c);
  assert_int_equal(dir, 0);
  assert_true(ph_conn_line6(c));
  /* just under 2^32 from A; just under 2 * 2^32 + 2^31 from B */
  ph_conn_set_bytes(a->ctx, c, 0, 0xfffffff0ull);
  ph_conn_set_bytes(a->ctx, c, 1, 0x27ffffff8ull);
  b6_udp(&p, CLI2, 6100, FSRV, 6200, "past the low half"); /* 65 bytes */
  assert_int_equal(p.p.len, 65);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, FSRV, 6200, CLI2, 6100, "an answer"); /* 57 bytes */
  assert_int_equal(t_out(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(ph_conn_bytes(a->ctx, c, 0), 0xfffffff0ull + 65);
  assert_int_equal(ph_conn_bytes(a->ctx, c, 1), 0x27ffffff8ull + 57);
  assert_int_equal(c->bytes_lo[0], 0x31);
  assert_int_equal(c->bytes_lo[1], 0x80000031u);
  assert_int_equal(row_bytes(a, 6100), 0x100000031ull);
  assert_int_equal(row_bytes(a, 6200), 0x280000031ull);
  assert_int_equal(c->frames[0], 2);
  assert_int_equal(c->frames[1], 1);

  size_t len = export_full(a, 2 * SEC, NULL);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 1);
  same_listing(a, b);
  assert_int_equal(row_bytes(b, 6100), 0x100000031ull);
  assert_int_equal(row_bytes(b, 6200), 0x280000031ull);
  ph_conn *cb = pinhole__conn6_lookup(b->ctx, PINHOLE_IPPROTO_UDP, d, s, 6200,
                                      6100, &dir);
  assert_non_null(cb);
  assert_int_equal(dir, 1);
  assert_true(ph_conn_line6(cb));
  assert_int_equal(ph_conn_bytes(b->ctx, cb, 0), 0x100000031ull);
  /* both go on counting alike */
  b6_udp(&p, FSRV, 6200, CLI2, 6100, "an answer");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(row_bytes(a, 6200), 0x280000031ull + 57);
  assert_int_equal(row_bytes(b, 6200), 0x280000031ull + 57);
  same_listing(a, b);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* A SIP request or answer of the call 2001:db8:1::3 -> 2001:db8:2::8
 * over UDP (port 5060 both ends): first line, the dialog's headers and,
 * with port, an SDP body offering audio at that port (RTCP above). */
static tpkt *sip6_msg(tpkt *p, int from_caller, const char *first,
                      const char *cseq, const char *port) {
  const char *me = from_caller ? "2001:db8:1::3" : "2001:db8:2::8";
  char sdp[256] = "", msg[1024];
  if (port != NULL)
    snprintf(sdp, sizeof(sdp),
             "v=0\r\no=- 7 7 IN IP6 %s\r\ns=-\r\nc=IN IP6 %s\r\nt=0 0\r\n"
             "m=audio %s RTP/AVP 8\r\n",
             me, me, port);
  snprintf(msg, sizeof(msg),
           "%s\r\nVia: SIP/2.0/UDP [2001:db8:1::3]:5060;branch=z9hG4bKs6\r\n"
           "From: <sip:carol@[2001:db8:1::3]>;tag=31\r\n"
           "To: <sip:dave@[2001:db8:2::8]>;tag=42\r\n"
           "Call-ID: s6fail@2001:db8:1::3\r\nCSeq: %s\r\n"
           "Contact: <sip:x@[%s]:5060>\r\n%sContent-Length: %zu\r\n\r\n%s",
           first, cseq, me, port ? "Content-Type: application/sdp\r\n" : "",
           strlen(sdp), sdp);
  return b6_udp(p, me, 5060, from_caller ? "2001:db8:2::8" : "2001:db8:1::3",
                5060, msg);
}

/* A SIP call over IPv6 (c=IN IP6): its media pinholes travel; on B the
 * callee's RTP and RTCP come in through them (another host's do not),
 * the caller's RTP goes out on the callee's flow, the BYE passes, with
 * A's bytes. */
static void test_state6_sip6_failover(void **state) {
  (void)state;
  tctx *a = ctx46(PAIR), *b = standby();
  tpkt p;
  sip6_msg(&p, 1, "INVITE sip:dave@[2001:db8:2::8] SIP/2.0", "1 INVITE",
           "31000");
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  sip6_msg(&p, 0, "SIP/2.0 200 OK", "1 INVITE", "41000");
  assert_int_equal(t_out(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  size_t len = export_full(a, 2 * SEC, NULL);
  size_t off[16];
  size_t nrec = records(len, off, 16);
  /* CONV, CONN6, ALG (SIP's state: no listening port learnt on IPv6),
   * 4 HOLE6 */
  assert_int_equal(nrec, 7);
  for (size_t i = 2; i < nrec; i++)
    assert_int_equal(blob[off[i]], i == 2 ? 7 : 10);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 1);
  same_listing(a, b);
  b6_udp(&p, "2001:db8:2::9", 41000, "2001:db8:1::3", 31000, "rtp?");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_DROP);
  b6_udp(&p, "2001:db8:2::8", 41000, "2001:db8:1::3", 31000, "rtp in");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, "2001:db8:2::8", 41001, "2001:db8:1::3", 31001, "rtcp in");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, "2001:db8:1::3", 31000, "2001:db8:2::8", 41000, "rtp out");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  sip6_msg(&p, 1, "BYE sip:dave@[2001:db8:2::8] SIP/2.0", "2 BYE", NULL);
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  same_listing(a, b);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* ---- hostile blobs ------------------------------------------------------ */

/* Each new record's fields, a prefix the standby lacks or does not
 * allow, records of another family in a conversation, every truncation
 * and flipped byte: refused with B unchanged (or, a flip the checks
 * cannot tell, accepted and exported again alike). */
static void test_state6_hostile(void **state) {
  (void)state;
  tctx *a = ctx46(PAIR), *b = standby();
  s64 s;
  ftp f, g;
  nat64_sessions(a, &s);
  ftp64_on(a, &f);
  ftp6_on(a, &g);
  size_t len = export_full(a, 2 * SEC, NULL);
  static uint8_t good[BLOB];
  memcpy(good, blob, len);
  size_t c64 = rec_of(good, len, 9, 0), h64 = rec_of(good, len, 11, 0);
  size_t h6 = rec_of(good, len, 10, 0), c6 = rec_of(good, len, 5, 0);
  size_t map = rec_of(good, len, 2, 0), conv_ftp64 = rec_of(good, len, 1, 4);

  /* a standby without the network-specific prefix, or whose WKP does not
   * allow the servers' 198.18/15 addresses: another configuration */
  tctx *x = ctx46(NO_NSP);
  snap before;
  snap_take(x, &before);
  assert_int_equal(pinhole_state_import(x->ctx, 3 * SEC, good, len),
                   PINHOLE_ERR_NOMATCH);
  snap_same(x, &before);
  free(before.listing);
  t_ctx_del(x);
  x = ctx46(NO_LAB);
  assert_int_equal(pinhole_state_import(x->ctx, 3 * SEC, good, len),
                   PINHOLE_ERR_NOMATCH);
  t_ctx_del(x);

  /* CONN64 (body: prefix 0-15, length 16, a_src 17, a_dst 33, then the
   * CONN body at 49): a bit past the prefix length, another length, a
   * fold that is not a_src's, a_dst under no prefix of B, an inside
   * address that is no host's, side A outside, side B's server not the
   * embedded one, its mapping and hairpin references out of range, a
   * watch without an ALG */
  flip(b, good, len, c64, 14, 0x01, PINHOLE_ERR_PARSE);
  flip(b, good, len, c64, 16, 96 ^ 64, PINHOLE_ERR_PARSE);
  flip(b, good, len, c64, 20, 0x10, PINHOLE_ERR_PARSE);
  flip(b, good, len, c64, 33, 0x20, PINHOLE_ERR_PARSE);
  flip(b, good, len, c64, 17, 0xdf, PINHOLE_ERR_PARSE); /* ff01:db8:: */
  flip(b, good, len, c64, 49 + 1, 1, PINHOLE_ERR_PARSE);
  flip(b, good, len, c64, 49 + 16 + 3, 0x04, PINHOLE_ERR_PARSE);
  flip(b, good, len, c64, 49 + 32, 0xff, PINHOLE_ERR_PARSE);
  flip(b, good, len, c64, 49 + 34, 0xff, PINHOLE_ERR_PARSE);
  flip(b, good, len, c64, 49 + 98, 1, PINHOLE_ERR_PARSE);
  /* the inside host moved, its fold, its mapping's inside address and
   * its host record with it: a multicast address is refused, a host's goes in
   */
  static const char *const moved[] = {"ff0e::2", "2001:db8:1::99"};
  for (int i = 0; i < 2; i++) {
    uint8_t h[16];
    a6(h, moved[i]);
    uint32_t fold = pinhole__fold6(b->ctx, h);
    memcpy(blob, good, len);
    memcpy(blob + c64 + 4 + 17, h, 16);
    t_put32(blob + c64 + 4 + 49 + 4, fold);
    t_put32(blob + map + 4 + 3, fold);
    assert_int_equal(blob[map + 19], 12); /* its HOST64 names it too */
    memcpy(blob + map + 19 + 4, h, 16);
    if (i == 0) {
      refused(b, len, PINHOLE_ERR_PARSE);
    } else {
      assert_int_equal(pinhole_state_import(b->ctx, 3 * SEC, blob, len), 6);
      char *l = t_listing(b);
      assert_non_null(strstr(l, "TCP [2001:db8:1::99]:40000 -> "
                                "[64:ff9b::c613:2]:80 Forward  I"));
      free(l);
    }
  }
  /* its mapping no longer a NAT64 one (MAP body: pool, proto, flags) */
  flip(b, good, len, map, 2, PH_MAPF_NAT64, PINHOLE_ERR_PARSE);
  /* HOLE64 (prefix 0-16, the server under it 17, the client 33, the HOLE
   * body at 49): the server's IPv6 address, the client's (no longer its
   * mapping's), the side, the client's port, a destination, source NAT */
  flip(b, good, len, h64, 17 + 15, 0x01, PINHOLE_ERR_PARSE);
  flip(b, good, len, h64, 33 + 15, 0x01, PINHOLE_ERR_PARSE);
  flip(b, good, len, h64, 49 + 13, 1, PINHOLE_ERR_PARSE);
  flip(b, good, len, h64, 49 + 20, 0x01, PINHOLE_ERR_PARSE);
  flip(b, good, len, h64, 49 + 17, 0x01, PINHOLE_ERR_PARSE);
  flip(b, good, len, h64, 49 + 23, 1, PINHOLE_ERR_PARSE);
  /* HOLE6 (src6 0, dst6 16, the HOLE body at 32): an address that is not
   * its fold's, a destination port to translate to, no ALG, an ALG that
   * does not run on IPv6, a mapping reference */
  flip(b, good, len, h6, 15, 0x01, PINHOLE_ERR_PARSE);
  flip(b, good, len, h6, 32 + 20, 0x01, PINHOLE_ERR_PARSE);
  flip(b, good, len, h6, 32 + 14, good[h6 + 4 + 32 + 14], PINHOLE_ERR_PARSE);
  uint8_t tftp = pinhole__alg_by_name("tftp");
  assert_true(tftp != 0);
  flip(b, good, len, h6, 32 + 14, (uint8_t)(good[h6 + 4 + 32 + 14] ^ tftp),
       PINHOLE_ERR_PARSE);
  flip(b, good, len, h6, 32 + 26, 0x01, PINHOLE_ERR_PARSE);
  /* a watched CONN6: a sequence delta (nothing is rewritten on IPv6), its
   * watch gone with its ALG kept */
  flip(b, good, len, c6, 64 + 103 + 7, 0x02, PINHOLE_ERR_PARSE);
  flip(b, good, len, c6, 64 + 98, 1, PINHOLE_ERR_PARSE);

  /* another family in a conversation: the IPv6 pinhole in the FTP64
   * conversation (after its NAT64 pinhole), a plain IPv4 connection's
   * record (a CONN body) as a CONN64's place taken by a CONN6 */
  static uint8_t rec[512];
  size_t hl = rec_len(good, h6);
  memcpy(rec, good + h6, hl);
  size_t n = edit(good, len, h64 + rec_len(good, h64), 0, rec, hl, 1);
  refused(b, n, PINHOLE_ERR_PARSE);
  n = edit(good, len, h64, rec_len(good, h64), rec, hl, 0);
  refused(b, n, PINHOLE_ERR_PARSE);
  size_t cl = rec_len(good, c6);
  memcpy(rec, good + c6, cl);
  /* the IPv6 FTP control connection (and its ALG record) into the FTP64
   * conversation, after its CONN64 and ALG */
  size_t al = rec_len(good, c6 + cl);
  memcpy(rec + cl, good + c6 + cl, al);
  size_t after = rec_of(good, len, 9, 4); /* the FTP64 control connection */
  after += rec_len(good, after);
  after += rec_len(good, after); /* its ALG record */
  assert_true(after > conv_ftp64 && after < rec_of(good, len, 1, 5));
  n = edit(good, len, after, 0, rec, cl + al, 2);
  refused(b, n, PINHOLE_ERR_PARSE);

  hostile_all(b, good, len, 6);
  same_listing(a, b);
  t_ctx_del(a);
  t_ctx_del(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state6_nat64_failover),
      cmocka_unit_test(test_state6_ftp64_failover),
      cmocka_unit_test(test_state6_ipv6_ftp_failover),
      cmocka_unit_test(test_state6_ipv6_bytes_past_2_32),
      cmocka_unit_test(test_state6_sip6_failover),
      cmocka_unit_test(test_state6_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

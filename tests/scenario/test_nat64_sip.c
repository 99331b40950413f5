/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIP over NAT64 (docs/nat64.md "SIP over NAT64"): an IPv6-only client
 * [2001:db8:1::2]:5060 calls an IPv4 server 198.19.0.2:5060 through
 * 64:ff9b::/96. The INVITE's IPv6 URIs, Via and SDP (RFC 3261, RFC 4566
 * "IN IP6") leave as IPv4 ones of the pool (RFC 6146, RFC 6157 sec. 4);
 * the 200 OK's IPv4 addresses reach the client as the client's own or
 * synthesised under the prefix (RFC 6052 sec. 2.2); the server's RTP and
 * RTCP come in through NAT64 pinholes, the client's leaves from the same
 * public ports. Every output is compared byte for byte with a packet the
 * test lays out (the IPv4 identification, the translator's choice,
 * copied) and its checksums verified by the test's own sum.
 */
#include "helpers6.h"
#include "state_util.h"

#define CLI "2001:db8:1::2"
#define SRV6 "64:ff9b::c613:2" /* OUT_HOST 198.19.0.2 under the WKP */

/* ---- the test's own checksums (as test_nat64.c) ------------------------ */

static uint32_t osum(uint32_t s, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i += 2)
    s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
  return s;
}

static uint16_t ofold(uint32_t s) {
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

/* An IPv4 UDP packet's header and UDP checksums verify. */
static void own4(const uint8_t *b, size_t len) {
  assert_int_equal(ofold(osum(0, b, 20)), 0);
  uint32_t s = osum(0, b + 12, 8) + b[9] + (uint32_t)(len - 20);
  assert_int_equal(ofold(osum(s, b + 20, len - 20)), 0);
}

/* An IPv6 UDP packet's checksum verifies (RFC 8200 sec. 8.1). */
static void own6(const uint8_t *b, size_t len) {
  uint32_t s = osum(0, b + 8, 32) + (uint32_t)(len - 40) + b[6];
  assert_int_equal(ofold(osum(s, b + 40, len - 40)), 0);
}

/* p (an IPv4 output) is want but for the identification (copied) and so
 * the header checksum (set by the own sum). */
static void same4(const tpkt *p, tpkt *want) {
  assert_int_equal(p->p.len, want->p.len);
  memcpy(want->b + 4, p->b + 4, 2);
  want->b[10] = want->b[11] = 0;
  t_put16(want->b + 10, ofold(osum(0, want->b, 20)));
  if (memcmp(p->b, want->b, p->p.len) != 0)
    fail_msg("IPv4 output\n'%.*s'\n!=\n'%.*s'", (int)(p->p.len - 28),
             (const char *)p->b + 28, (int)(want->p.len - 28),
             (const char *)want->b + 28);
  own4(p->b, p->p.len);
}

static void same6(const tpkt *p, const tpkt *want) {
  assert_int_equal(p->b[0] >> 4, 6);
  if (p->p.len != want->p.len || memcmp(p->b, want->b, p->p.len) != 0)
    fail_msg("IPv6 output\n'%.*s'\n!=\n'%.*s'", (int)(p->p.len - 48),
             (const char *)p->b + 48, (int)(want->p.len - 48),
             (const char *)want->b + 48);
  own6(p->b, p->p.len);
}

/* ---- the context ------------------------------------------------------- */

static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;

/* IPv6 on, the WKP (lab), a NAT64 rule from 2001:db8:1::/48 to it, the
 * pool pool:lo..hi; the rule picks the SIP ALG by port 5060. msg_max: the
 * pool's hold_msg_max (0: the default); flags: more PINHOLE_CFG_ flags. */
static tctx *ctx64q(uint32_t pool, uint16_t lo, uint16_t hi, uint32_t msg_max,
                    uint32_t flags, uint32_t max_frags) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.flags |= flags;
  if (max_frags)
    cfg.max_fragments = max_frags;
  cfg.max_conns6 = 64;
  if (msg_max)
    cfg.hold_msg_max = msg_max;
  tctx *t = t_ctx_pool(&cfg, pool, pool, lo, hi);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, wkp, 96, PINHOLE_NAT64_LAB),
                   0);
  assert_true(t_rule64(t->ctx, t->pool, "64:ff9b::", 96) >= 0);
  return t;
}

/* ctx64q with the default max_fragments. */
static tctx *ctx64f(uint32_t pool, uint16_t lo, uint16_t hi, uint32_t msg_max,
                    uint32_t flags) {
  return ctx64q(pool, lo, hi, msg_max, flags, 0);
}

static tctx *ctx64m(uint32_t pool, uint16_t lo, uint16_t hi, uint32_t msg_max) {
  return ctx64f(pool, lo, hi, msg_max, 0);
}

static tctx *ctx64(uint32_t pool, uint16_t lo, uint16_t hi) {
  return ctx64m(pool, lo, hi, 0);
}

static void ip4s(char *b, size_t n, uint32_t a) {
  snprintf(b, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
           a & 255);
}

/* ---- the call ------------------------------------------------------------ */

/* The INVITE as the client sends it (host: the client's, "[CLI]"; srv:
 * the server as the client names it; the Via's port part) and as the
 * server gets it. */
static void invite(char *b, size_t n, const char *host, const char *hport,
                   const char *srv, const char *callid, const char *ctype,
                   const char *caddr, unsigned mport) {
  char head[1024], body[512];
  snprintf(head, sizeof(head),
           "INVITE sip:bob@%s SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s%s;branch=z9hG4bK776asdhds;rport\r\n"
           "Max-Forwards: 70\r\n"
           "To: Bob <sip:bob@%s>\r\n"
           "From: Alice <sip:alice@%s%s>;tag=1928301774\r\n"
           "Call-ID: a84b4c76e66710@%s\r\n"
           "CSeq: 314159 INVITE\r\n"
           "Contact: <sip:alice@%s%s>\r\n"
           "Content-Type: application/sdp\r\n",
           srv, host, hport, srv, host, hport, callid, host, hport);
  snprintf(body, sizeof(body),
           "v=0\r\n"
           "o=alice 2890844526 2890844526 IN %s %s\r\n"
           "s=-\r\n"
           "c=IN %s %s\r\n"
           "t=0 0\r\n"
           "m=audio %u RTP/AVP 0\r\n",
           ctype, caddr, ctype, caddr, mport);
  t_sip_msg(b, n, head, body);
}

/* The 200 OK as the server sends it (via: the top Via's sent-by and
 * parameters; from: the From host; callid; the SDP address type and
 * address, srvaddr: the server in To and Contact) and as the client gets
 * it. */
static void ok200(char *b, size_t n, const char *via, const char *from,
                  const char *callid, const char *srv, const char *ctype,
                  const char *caddr) {
  char head[1024], body[512];
  snprintf(head, sizeof(head),
           "SIP/2.0 200 OK\r\n"
           "Via: SIP/2.0/UDP %s\r\n"
           "To: Bob <sip:bob@%s>;tag=a6c85cf\r\n"
           "From: Alice <sip:alice@%s>;tag=1928301774\r\n"
           "Call-ID: a84b4c76e66710@%s\r\n"
           "CSeq: 314159 INVITE\r\n"
           "Contact: <sip:bob@%s>\r\n"
           "Content-Type: application/sdp\r\n",
           via, srv, from, callid, srv);
  snprintf(body, sizeof(body),
           "v=0\r\n"
           "o=bob 2808844564 2808844564 IN %s %s\r\n"
           "s=-\r\n"
           "c=IN %s %s\r\n"
           "t=0 0\r\n"
           "m=audio 30000 RTP/AVP 0\r\n"
           "a=rtcp:30001 IN %s %s\r\n",
           ctype, caddr, ctype, caddr, ctype, caddr);
  t_sip_msg(b, n, head, body);
}

/* The m= port of an output SIP message in p (IPv4). */
static unsigned out_mport(const tpkt *p) {
  size_t off = p->b[9] == PINHOLE_IPPROTO_TCP ? 40 : 28;
  const char *s = (const char *)p->b + off;
  size_t n = p->p.len - off;
  const char *m = NULL;
  for (size_t i = 0; i + 8 <= n; i++)
    if (memcmp(s + i, "m=audio ", 8) == 0)
      m = s + i + 8;
  assert_non_null(m);
  return (unsigned)strtoul(m, NULL, 10);
}

/* The client's INVITE through the pool, the 200 OK back; *P the public
 * signalling port, *Q the public RTP port. */
static void sip64_call(tctx *t, uint32_t pool, uint16_t lo, uint16_t hi,
                       uint16_t *P, uint16_t *Q) {
  char in[2048], want[2048], a[20], h[40];
  tpkt p, e;
  ip4s(a, sizeof(a), pool);
  invite(in, sizeof(in), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  b6_udp(&p, CLI, 5060, SRV6, 5060, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.b[0], 0x45);
  *P = t_get16(p.b + 20);
  *Q = (uint16_t)out_mport(&p);
  assert_true(*P >= lo && *P <= hi);
  assert_true(*Q >= lo && *Q < hi && (*Q & 1) == 0 && *Q != *P && *Q + 1 != *P);
  snprintf(h, sizeof(h), ":%u", *P);
  invite(want, sizeof(want), a, h, "198.19.0.2", a, "IP4", a, *Q);
  assert_true(strlen(want) != strlen(in)); /* lengths change */
  t_udp(&e, pool, *P, OUT_HOST, 5060, want);
  same4(&p, &e);

  /* the server's answer: its Via names the public endpoint it saw */
  char via[160], from[40];
  snprintf(via, sizeof(via),
           "%s:%u;branch=z9hG4bK776asdhds;rport=%u;received=%s", a, *P, *P, a);
  snprintf(from, sizeof(from), "%s:%u", a, *P);
  ok200(in, sizeof(in), via, from, a, "198.19.0.2", "IP4", "198.19.0.2");
  ok200(want, sizeof(want),
        "[" CLI "]:5060;branch=z9hG4bK776asdhds;rport=5060;received=" CLI,
        "[" CLI "]:5060", CLI, "[" SRV6 "]", "IP6", SRV6);
  t_udp(&p, OUT_HOST, 5060, pool, *P, in);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV6, 5060, CLI, 5060, want);
  same6(&p, &e);
}

/* RFC 3550 media both ways: the server's RTP through the pinhole to the
 * client's IPv6 endpoint, the client's from the same public port; the
 * client's RTCP first (a NAT64 connection under the rule, through the
 * same mapping: the public port Q+1 the SDP implies), the server's
 * answer to it. */
static void sip64_media(tctx *t, uint32_t pool, uint16_t Q) {
  tpkt p, e;
  t_udp(&p, OUT_HOST, 30000, pool, Q, "rtp-from-server");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV6, 30000, CLI, 49170, "rtp-from-server");
  same6(&p, &e);
  b6_udp(&p, CLI, 49170, SRV6, 30000, "rtp-from-client");
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&e, pool, Q, OUT_HOST, 30000, "rtp-from-client");
  same4(&p, &e);
  b6_udp(&p, CLI, 49171, SRV6, 30001, "rtcp-from-client");
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&e, pool, (uint16_t)(Q + 1), OUT_HOST, 30001, "rtcp-from-client");
  same4(&p, &e);
  t_udp(&p, OUT_HOST, 30001, pool, (uint16_t)(Q + 1), "rtcp-from-server");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV6, 30001, CLI, 49171, "rtcp-from-server");
  same6(&p, &e);
  /* another IPv4 host to the public RTP port: nothing */
  t_udp(&p, IP4(198, 19, 0, 66), 30000, pool, Q, "intruder");
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_DROP);
}

/* The client's BYE (RFC 3261 sec. 15) over transport tr and, as the
 * IPv4 server gets it, with the Via's sent-by via and the Call-ID's host
 * callid (the pool address). */
static void sip64_bye(char *bye, char *byew, size_t n, const char *tr,
                      const char *via, const char *callid) {
  char h[512];
  snprintf(h, sizeof(h),
           "BYE sip:bob@[64:ff9b::c613:2] SIP/2.0\r\n"
           "Via: SIP/2.0/%s [2001:db8:1::2]:5060;branch=z9hG4bKnashds7\r\n"
           "To: Bob <sip:bob@[64:ff9b::c613:2]>;tag=a6c85cf\r\n"
           "Call-ID: a84b4c76e66710@2001:db8:1::2\r\n"
           "CSeq: 231 BYE\r\n",
           tr);
  t_sip_msg(bye, n, h, "");
  snprintf(h, sizeof(h),
           "BYE sip:bob@198.19.0.2 SIP/2.0\r\n"
           "Via: SIP/2.0/%s %s;branch=z9hG4bKnashds7\r\n"
           "To: Bob <sip:bob@198.19.0.2>;tag=a6c85cf\r\n"
           "Call-ID: a84b4c76e66710@%s\r\n"
           "CSeq: 231 BYE\r\n",
           tr, via, callid);
  t_sip_msg(byew, n, h, "");
}

static void sip64_call_media(uint32_t pool, uint16_t lo, uint16_t hi) {
  tctx *t = ctx64(pool, lo, hi);
  uint16_t P, Q;
  sip64_call(t, pool, lo, hi, &P, &Q);
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.pinholes, 2); /* RTP and RTCP */
  assert_int_equal(u.mappings, 3); /* signalling, RTP, RTCP */
  sip64_media(t, pool, Q);
  t_usage(t, &u);
  assert_int_equal(u.pinholes, 1); /* RTCP's: its flow came from inside */
  assert_int_equal(u.mappings, 3);
  /* new: the INVITE (rule), RTP (pinhole), RTCP (rule); existing: the
   * 200, the client's RTP, the server's RTCP; the intruder dropped */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_NAT64_XLAT, 6, PINHOLE_CNT_PINHOLE_CREATED, 2,
             PINHOLE_CNT_PINHOLE_USED, 1, -1);
  char a[20], pd[40], qd[40], rd[40], want[2048], r[8][96];
  ip4s(a, sizeof(a), pool);
  snprintf(pd, sizeof(pd), "%s:%u", a, P);
  snprintf(qd, sizeof(qd), "%s:%u", a, Q);
  snprintf(rd, sizeof(rd), "%s:%u", a, Q + 1);
  /* the flow column is 45 wide, then a blank */
  snprintf(r[0], sizeof(r[0]), "UDP 198.19.0.2:5060 -> %s", pd);
  snprintf(r[1], sizeof(r[1]), "UDP 198.19.0.2:30000 -> %s", qd);
  snprintf(r[2], sizeof(r[2]), "UDP 198.19.0.2:0 -> %s", rd);
  snprintf(r[3], sizeof(r[3]), "UDP 198.19.0.2:30001 -> %s", rd);
  snprintf(want, sizeof(want),
           "Conversation: ALG protocol: sip\n"
           "  Number of initiators: 2, Number of responders: 2\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "UDP [2001:db8:1::2]:5060 -> [64:ff9b::c613:2]:5060 Watch    I"
           "          1\n"
           "    NAT64 %s -> 198.19.0.2:5060\n"
           "UDP [2001:db8:1::2]:49170 -> [64:ff9b::c613:2]:30000 Forward  I"
           "          1\n"
           "    NAT64 %s -> 198.19.0.2:30000\n"
           "%-45s Watch    O          1\n"
           "    NAT64 [64:ff9b::c613:2]:5060 -> [2001:db8:1::2]:5060\n"
           "%-45s Forward  O          1\n"
           "    NAT64 [64:ff9b::c613:2]:30000 -> [2001:db8:1::2]:49170\n"
           "%-45s Forward  O          0\n" /* RTCP's pinhole, pending */
           "Conversation: ALG protocol: none\n"
           "  Number of initiators: 1, Number of responders: 1\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "UDP [2001:db8:1::2]:49171 -> [64:ff9b::c613:2]:30001 Forward  I"
           "          1\n"
           "    NAT64 %s -> 198.19.0.2:30001\n"
           "%-45s Forward  O          1\n"
           "    NAT64 [64:ff9b::c613:2]:30001 -> [2001:db8:1::2]:49171\n",
           pd, qd, r[0], r[1], r[2], rd, r[3]);
  t_listing_is(t, want);
  assert_true(t_has_trace(t, "sip ALG conv=1 translated"));

  /* BYE (RFC 3261 sec. 15): translated, the dialog ends, the pending
   * RTCP pinhole closes, media flows time out soon */
  char bye[1024], byew[1024];
  sip64_bye(bye, byew, sizeof(bye), "UDP", pd, a);
  tpkt p, e;
  b6_udp(&p, CLI, 5060, SRV6, 5060, bye);
  assert_int_equal(t_in(t, &p, 3 * SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&e, pool, P, OUT_HOST, 5060, byew);
  same4(&p, &e);
  t_usage(t, &u);
  assert_int_equal(u.pinholes, 0);
  assert_int_equal(u.flows6, 3);
  pinhole_tick(t->ctx, 20 * SEC);
  t_usage(t, &u);
  assert_int_equal(u.flows6, 2); /* the sip media gone; signalling and the
                                    rule's RTCP flow stay */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(t);
}

/* The call through two pools: 198.19.0.1 20000-20099, and 198.19.0.200
 * 1030-1039 (a shorter address and port: other lengths). */
static void test_nat64_sip_call(void **state) {
  (void)state;
  sip64_call_media(PUB, 20000, 20099);
  sip64_call_media(IP4(198, 19, 0, 200), 1030, 1039);
}

/* "/UDP " in b becomes "/TCP " (the Via's transport). */
static void via_tcp(char *b) {
  char *v = strstr(b, "/UDP ");
  assert_non_null(v);
  memcpy(v, "/TCP ", 5);
}

/* SIP over TCP through NAT64 (RFC 3261 sec. 18): the INVITE from the
 * connection's port 40000 names the UA's listening port 5060 in Via and
 * Contact, which becomes the pool address with 5060 (as on IPv4); the
 * segment shrinks, and every later segment's sequence (client to server)
 * and acknowledgement (server to client) numbers move by the delta. The
 * server's 200 OK and its BYE on the connection give the UA its own
 * [CLI]:5060 back. */
/* CLI:40000 -> SRV6:5060 over TCP, the client's ISN C, the server's S,
 * through the pool address pool: the public port. */
static uint16_t sip64_tcp_open(tctx *t, uint32_t pool, uint32_t C, uint32_t S) {
  tpkt p;
  b6_tcp(&p, CLI, 40000, SRV6, 5060, PINHOLE_TCP_SYN, C, 0, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = t_get16(p.b + 20);
  t_tcp(&p, OUT_HOST, 5060, pool, P, S, C + 1,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, 40000, SRV6, 5060, PINHOLE_TCP_ACK, C + 1, S + 1, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  return P;
}

/* The server's BYE to the UA, as a format: the Request-URI's
 * host[:port], the server's Via host, To's host, From's host, Call-ID's
 * host. */
#define BYE64                                                                  \
  "BYE sip:alice@%s;transport=tcp SIP/2.0\r\n"                                 \
  "Via: SIP/2.0/TCP %s:5060;branch=z9hG4bKsrv\r\n"                             \
  "To: <sip:alice@%s>;tag=1928301774\r\n"                                      \
  "From: <sip:bob@%s>;tag=a6c85cf\r\n"                                         \
  "Call-ID: a84b4c76e66710@%s\r\n"                                             \
  "CSeq: 7 BYE\r\n"                                                            \
  "Content-Length: 0\r\n\r\n"

/* lp: the UA's listening port, named in its Via and Contact */
static void sip64_tcp(unsigned lp) {
  char lps[8], pub[32], cli[64];
  snprintf(lps, sizeof(lps), ":%u", lp);
  snprintf(pub, sizeof(pub), "198.19.0.200:%u", lp);
  snprintf(cli, sizeof(cli), "[" CLI "]:%u", lp);
  tctx *t = ctx64(IP4(198, 19, 0, 200), 1030, 1039);
  tpkt p, e;
  const uint32_t C = 1000, S = 7000;
  uint16_t P = sip64_tcp_open(t, IP4(198, 19, 0, 200), C, S);
  char in[2048], want[2048];
  invite(in, sizeof(in), "[" CLI "]", lps, "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  via_tcp(in);
  b6_tcp_text(&p, CLI, 40000, SRV6, 5060, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              C + 1, S + 1, in);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  unsigned Q = out_mport(&p);
  assert_true(Q >= 1030 && Q < 1039 && (Q & 1) == 0); /* UDP: P may match */
  invite(want, sizeof(want), "198.19.0.200", lps, "198.19.0.2", "198.19.0.200",
         "IP4", "198.19.0.200", Q);
  via_tcp(want);
  size_t l1 = strlen(in), l2 = strlen(want);
  assert_true(l2 < l1);
  t_tcp(&e, IP4(198, 19, 0, 200), P, OUT_HOST, 5060, C + 1, S + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, want);
  same4(&p, &e);
  /* the server acknowledges the shorter message: the client sees its own
   * numbering */
  t_tcp(&p, OUT_HOST, 5060, IP4(198, 19, 0, 200), P, S + 1,
        C + 1 + (uint32_t)l2, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 40 + 8), C + 1 + (uint32_t)l1);
  /* the client's next bytes leave shifted */
  b6_tcp_text(&p, CLI, 40000, SRV6, 5060, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              C + 1 + (uint32_t)l1, S + 1, "\r\n\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&e, IP4(198, 19, 0, 200), P, OUT_HOST, 5060, C + 1 + (uint32_t)l2,
        S + 1, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, "\r\n\r\n");
  same4(&p, &e);

  /* the server's 200 OK on the connection (RFC 3261 sec. 18.2.2): the
   * UA's listening endpoint 198.19.0.200:lp comes back as
   * [CLI]:lp, rport= the connection's own port 40000 */
  char via[128];
  uint32_t ca = C + 1 + (uint32_t)l1 + 4, sa = C + 1 + (uint32_t)l2 + 4;
  char via6[160];
  snprintf(via, sizeof(via),
           "%s;branch=z9hG4bK776asdhds;rport=%u;received=198.19.0.200", pub, P);
  snprintf(via6, sizeof(via6),
           "%s;branch=z9hG4bK776asdhds;rport=40000;received=" CLI, cli);
  ok200(in, sizeof(in), via, pub, "198.19.0.200", "198.19.0.2", "IP4",
        "198.19.0.2");
  via_tcp(in);
  ok200(want, sizeof(want), via6, cli, CLI, "[" SRV6 "]", "IP6", SRV6);
  via_tcp(want);
  t_tcp(&p, OUT_HOST, 5060, IP4(198, 19, 0, 200), P, S + 1, sa,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&e, SRV6, 5060, CLI, 40000, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              S + 1, ca, want);
  same6(&p, &e);
  uint32_t n1 = (uint32_t)strlen(in), n1c = (uint32_t)strlen(want);

  /* a request of the server back on the connection, to the Contact: its
   * own Via synthesised under the prefix, the UA's lp its own again */
  snprintf(in, sizeof(in), BYE64, pub, "198.19.0.2", "198.19.0.200",
           "198.19.0.2", "198.19.0.200");
  snprintf(want, sizeof(want), BYE64, cli, "[" SRV6 "]", "[" CLI "]",
           "[" SRV6 "]", CLI);
  t_tcp(&p, OUT_HOST, 5060, IP4(198, 19, 0, 200), P, S + 1 + n1, sa,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&e, SRV6, 5060, CLI, 40000, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              S + 1 + n1c, ca, want);
  same6(&p, &e);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  t_ctx_del(t);
}

static void test_nat64_sip_tcp(void **state) {
  (void)state;
  sip64_tcp(5060);
}

/* The UA listens on 5070 (docs/sip.md "The user agent's listening
 * port"): learnt from the INVITE's top Via "[CLI]:5070" and mapped both
 * ways as 5060 is above, so the server's 200 OK and BYE reach
 * [CLI]:5070. Before, NAT64 learnt nothing and left [CLI]:5070 in the
 * INVITE, which then went out with the client's IPv6 address in it. */
static void test_nat64_sip_tcp_listen_port(void **state) {
  (void)state;
  sip64_tcp(5070);
}

/* ---- split across TCP segments (docs/reassembly.md) --------------------- */

#define SPOOL IP4(198, 19, 0, 200)
#define SC 5000u /* the client's ISN */
#define SS 8000u /* the server's ISN */

/* The client's bytes d[0..n) at offset off of its data: the verdict. */
static int sip64_piece(tctx *t, uint32_t off, const char *d, size_t n,
                       uint64_t now, tpkt *p) {
  char buf[2048];
  assert_true(n < sizeof(buf));
  memcpy(buf, d, n);
  buf[n] = '\0';
  b6_tcp_text(p, CLI, 40000, SRV6, 5060, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              SC + 1 + off, SS + 1, buf);
  return t_in(t, p, now);
}

/* Emitted packet i is the bare IPv4 ACK of a held piece: to the server,
 * numbered where the message begins. */
static void sip64_held_ack(tctx *t, int i, uint16_t P) {
  tpkt got, e;
  assert_true(i < t->nelog);
  assert_int_equal(t->elog_side[i], PINHOLE_SIDE_OUTSIDE);
  memcpy(got.b, t->elog[i], t->elog_len[i]);
  got.p.len = (uint32_t)t->elog_len[i];
  t_tcp(&e, SPOOL, P, OUT_HOST, 5060, SC + 1, SS + 1, PINHOLE_TCP_ACK, NULL);
  same4(&got, &e);
}

/* The client's INVITE over TCP (Via /TCP) and, for the public RTP port Q,
 * what the server must get. */
static void sip64_tcp_invite(char *in, char *want, size_t n, unsigned Q) {
  invite(in, n, "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI, 49170);
  via_tcp(in);
  if (want != NULL) {
    invite(want, n, "198.19.0.200", ":5060", "198.19.0.2", "198.19.0.200",
           "IP4", "198.19.0.200", Q);
    via_tcp(want);
  }
}

/* The last piece's output p is the whole INVITE translated, in one IPv4
 * segment numbered from the message's start; the server's acknowledgment
 * of it reaches the client in the client's numbering and the client's
 * next bytes leave shifted by the delta. */
static void sip64_whole(tctx *t, uint16_t P, const tpkt *p, size_t l1) {
  char want[2048], tmp[2048];
  tpkt e, q;
  unsigned Q = out_mport(p);
  assert_true(Q >= 1030 && Q < 1039 && (Q & 1) == 0);
  sip64_tcp_invite(tmp, want, sizeof(want), Q);
  size_t l2 = strlen(want);
  assert_true(l2 < l1);
  t_tcp(&e, SPOOL, P, OUT_HOST, 5060, SC + 1, SS + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, want);
  same4(p, &e);
  t_tcp(&q, OUT_HOST, 5060, SPOOL, P, SS + 1, SC + 1 + (uint32_t)l2,
        PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &q, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&e, SRV6, 5060, CLI, 40000, PINHOLE_TCP_ACK, SS + 1,
         SC + 1 + (uint32_t)l1, 0);
  assert_int_equal(q.p.len, e.p.len);
  assert_memory_equal(q.b, e.b, e.p.len);
  assert_int_equal(sip64_piece(t, (uint32_t)l1, "\r\n\r\n", 4, SEC, &q),
                   PINHOLE_VERDICT_FORWARD);
  t_tcp(&e, SPOOL, P, OUT_HOST, 5060, SC + 1 + (uint32_t)l2, SS + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, "\r\n\r\n");
  same4(&q, &e);
  /* the server's RTP through the pinhole the whole message opened */
  t_udp(&q, OUT_HOST, 30000, SPOOL, (uint16_t)Q, "rtp");
  assert_int_equal(t_out(t, &q, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV6, 30000, CLI, 49170, "rtp");
  same6(&q, &e);
}

/* Offset of needle in m plus d. */
static size_t at(const char *m, const char *needle, size_t d) {
  const char *s = strstr(m, needle);
  assert_non_null(s);
  return (size_t)(s - m) + d;
}

/* The INVITE split in two and three pieces, cut inside the Via's IPv6
 * address, inside the Content-Length value and inside the SDP's
 * "c=IN IP6" line: each piece but the last held (its bare ACK to the
 * server as IPv4, numbered at the message's start; nothing of the
 * client's address leaves), the last makes it whole and it leaves
 * translated in one segment; the delta applies after it. */
static void test_nat64_sip_split(void **state) {
  (void)state;
  char in[2048];
  sip64_tcp_invite(in, NULL, sizeof(in), 0);
  size_t l1 = strlen(in);
  size_t via = at(in, "[2001:db8:1::2]:5060;branch", 7);
  size_t clen = at(in, "Content-Length: ", 17);
  size_t cip6 = at(in, "c=IN IP6", 6);
  size_t caddr = at(in, "c=IN IP6 2001:db8:1::2", 14);
  const size_t cuts[][2] = {{via, 0},    {clen, 0},    {cip6, 0},   {caddr, 0},
                            {via, clen}, {clen, cip6}, {via, caddr}};
  for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
    tctx *t = ctx64(SPOOL, 1030, 1039);
    uint16_t P = sip64_tcp_open(t, SPOOL, SC, SS);
    tpkt p;
    size_t k = cuts[i][0], k2 = cuts[i][1] ? cuts[i][1] : k;
    assert_int_equal(sip64_piece(t, 0, in, k, SEC, &p), PINHOLE_VERDICT_HELD);
    sip64_held_ack(t, 0, P);
    if (k2 > k) {
      assert_int_equal(sip64_piece(t, (uint32_t)k, in + k, k2 - k, SEC, &p),
                       PINHOLE_VERDICT_HELD);
      sip64_held_ack(t, 1, P);
    }
    assert_int_equal(t->ctx->nheld, 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
    assert_int_equal(sip64_piece(t, (uint32_t)k2, in + k2, l1 - k2, SEC, &p),
                     PINHOLE_VERDICT_FORWARD);
    assert_int_equal(t->nemitted, k2 > k ? 2 : 1);
    assert_int_equal(t->ctx->nheld, 0);
    sip64_whole(t, P, &p, l1);
    /* new: the SYN, the RTP; existing: the handshake's two, the held
     * pieces, the last, the server's ACK, the client's next bytes;
     * translated: all of them and each bare ACK */
    int three = k2 > k;
    t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT,
               6 + three, PINHOLE_CNT_NAT64_XLAT, 8 + three,
               PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_COMPLETED, 1,
               PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_PINHOLE_USED, 1, -1);
    t_ctx_del(t);
  }
}

/* The server's 200 OK over TCP split in two inside its SDP's
 * "c=IN IP4" line: the start held (its bare ACK reaches the client as
 * IPv6, numbered where the answer begins), the rest makes it whole and
 * it reaches the client translated, in one IPv6 segment. The client's
 * Via and From name the connection's own port 40000 (the public port P
 * on the way out, the client's again on the way back). */
static void test_nat64_sip_split_answer(void **state) {
  (void)state;
  char in[2048], want[2048], via[96], from[40];
  tctx *t = ctx64(SPOOL, 1030, 1039);
  uint16_t P = sip64_tcp_open(t, SPOOL, SC, SS);
  tpkt p, e;
  invite(in, sizeof(in), "[" CLI "]", ":40000", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  via_tcp(in);
  size_t l1 = strlen(in);
  assert_int_equal(sip64_piece(t, 0, in, l1, SEC, &p), PINHOLE_VERDICT_FORWARD);
  size_t l2 = p.p.len - 40;
  snprintf(via, sizeof(via), "198.19.0.200:%u;branch=z9hG4bK776asdhds", P);
  snprintf(from, sizeof(from), "198.19.0.200:%u", P);
  ok200(in, sizeof(in), via, from, "198.19.0.200", "198.19.0.2", "IP4",
        "198.19.0.2");
  via_tcp(in);
  ok200(want, sizeof(want), "[" CLI "]:40000;branch=z9hG4bK776asdhds",
        "[" CLI "]:40000", CLI, "[" SRV6 "]", "IP6", SRV6);
  via_tcp(want);
  size_t n = strlen(in), k = at(in, "c=IN IP4", 7);
  uint32_t ack = SC + 1 + (uint32_t)l2;
  t_tcp_n(&p, OUT_HOST, 5060, SPOOL, P, SS + 1, ack, PINHOLE_TCP_ACK, in, k);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nelog, 1);
  b6_tcp(&e, SRV6, 5060, CLI, 40000, PINHOLE_TCP_ACK, SS + 1,
         SC + 1 + (uint32_t)l1, 0);
  assert_int_equal(t->elog_side[0], PINHOLE_SIDE_INSIDE);
  assert_int_equal(t->elog_len[0], e.p.len);
  assert_memory_equal(t->elog[0], e.b, e.p.len);
  t_tcp_n(&p, OUT_HOST, 5060, SPOOL, P, SS + 1 + (uint32_t)k, ack,
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in + k, n - k);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp_text(&e, SRV6, 5060, CLI, 40000, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              SS + 1, SC + 1 + (uint32_t)l1, want);
  same6(&p, &e);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_COMPLETED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
  t_ctx_del(t);
}

/* Resent pieces of a split INVITE: the held piece again (a duplicate:
 * held, not stored twice, its acknowledgment sent on), a piece that overlaps
 * the held bytes and goes further (the same bytes: merged, still held), one
 * that overlaps with other bytes (a conflict, dropped), the rest (whole,
 * translated); then part of the message resent after it left (sent on without
 * its payload). */
static void test_nat64_sip_split_resent(void **state) {
  (void)state;
  char in[2048];
  sip64_tcp_invite(in, NULL, sizeof(in), 0);
  size_t l1 = strlen(in);
  size_t k = at(in, "Content-Length: ", 17), k2 = at(in, "c=IN IP6", 6);
  tctx *t = ctx64(SPOOL, 1030, 1039);
  uint16_t P = sip64_tcp_open(t, SPOOL, SC, SS);
  tpkt p;
  assert_int_equal(sip64_piece(t, 0, in, k, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(sip64_piece(t, 0, in, k, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_RESENT), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t->nelog, 2); /* each piece's bare ACK, as IPv4 */
  sip64_held_ack(t, 0, P);
  sip64_held_ack(t, 1, P);
  size_t j = k - 30;
  assert_int_equal(sip64_piece(t, (uint32_t)j, in + j, k2 - j, SEC, &p),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_RESENT), 2);
  char other[2048];
  memcpy(other, in, l1 + 1);
  other[k2 - 3] ^= 0x20; /* the c= line's "IN" as "In" */
  assert_int_equal(sip64_piece(t, (uint32_t)j, other + j, l1 - j, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_CONFLICT), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  assert_int_equal(sip64_piece(t, (uint32_t)k2, in + k2, l1 - k2, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  sip64_whole(t, P, &p, l1);
  /* a middle part again: only its header goes on */
  assert_int_equal(sip64_piece(t, 10, in + 10, 40, SEC, &p),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.p.len, 40);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_RESENT), 3);
  /* the duplicate and the conflict dropped; no ALG error */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 9,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_NAT64_XLAT, 12,
             PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_PINHOLE_USED, 1,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_COMPLETED, 1,
             PINHOLE_CNT_REASM_RESENT, 3, PINHOLE_CNT_REASM_CONFLICT, 1, -1);
  t_ctx_del(t);
}

/* A split INVITE that never completes is given up and, on NAT64, never
 * leaves with the client's IPv6 address: timed out (the whole message
 * resent later is dropped too; its direction stays closed), or grown
 * past hold_msg_max. Counted each way. */
static void test_nat64_sip_split_given_up(void **state) {
  (void)state;
  char in[2048];
  sip64_tcp_invite(in, NULL, sizeof(in), 0);
  size_t l1 = strlen(in), k = at(in, "c=IN IP6", 6);
  tpkt p;
  /* timed out */
  tctx *t = ctx64(SPOOL, 1030, 1039);
  sip64_tcp_open(t, SPOOL, SC, SS);
  assert_int_equal(sip64_piece(t, 0, in, k, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(pinhole_tick(t->ctx, SEC + 2900000000ull), 0);
  assert_int_equal(pinhole_tick(t->ctx, SEC + 3100000000ull), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_REASM_TIMEOUT), 1);
  assert_true(t_has_event(t, "split message timed out: dropped"));
  assert_int_equal(t->ctx->nheld, 0);
  assert_int_equal(sip64_piece(t, 0, in, l1, 5 * SEC, &p),
                   PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_NAT64_XLAT, 5,
             PINHOLE_CNT_ALG_UNTRANSLATED, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_TIMEOUT, 1, -1);
  t_ctx_del(t);

  /* too large: 300 bytes held, the rest would pass hold_msg_max 400 */
  t = ctx64m(SPOOL, 1030, 1039, 400);
  sip64_tcp_open(t, SPOOL, SC, SS);
  assert_true(l1 > 400);
  assert_int_equal(sip64_piece(t, 0, in, 300, SEC, &p), PINHOLE_VERDICT_HELD);
  assert_int_equal(sip64_piece(t, 300, in + 300, l1 - 300, SEC, &p),
                   PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "split message too large: dropped"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_NAT64_XLAT, 5,
             PINHOLE_CNT_ALG_UNTRANSLATED, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_TOO_BIG, 1, -1);
  assert_int_equal(t->ctx->nheld, 0);
  assert_int_equal(t->ctx->chunks_used, 0);
  t_ctx_del(t);
}

/* ---- hostile ------------------------------------------------------------- */

/* One client message on a fresh context: dropped, counted as an
 * untranslated SIP ALG refusal, nothing mapped but the signalling. */
static void sip64_refused(const char *msg, const char *why) {
  tctx *t = ctx64(PUB, 20000, 20099);
  tpkt p;
  b6_udp(&p, CLI, 5060, SRV6, 5060, msg);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  if (!t_has_trace(t, why))
    for (int i = 0; i < t->ntraces; i++)
      fprintf(stderr, "trace: %s\n", t->traces[i]);
  assert_true(t_has_trace(t, why));
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.mappings, 1);
  assert_int_equal(u.pinholes, 0);
  t_ctx_del(t);
}

/* Fail closed (RFC 6157 sec. 4: an IPv4 server can reach no IPv6
 * address, and none of an inside host may leave): media at another
 * host's IPv6 address, an SDP "IN IP6" no one can read, a Via naming
 * another host, a Contact naming the client at a port neither its
 * connection's nor its listening one, a Content-Length that lies
 * either way, a truncated body. */
static void test_nat64_sip_hostile(void **state) {
  (void)state;
  char m[2048];
  invite(m, sizeof(m), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6",
         "2001:db8:1::99", 49170);
  sip64_refused(m, "media address is not the client's");
  invite(m, sizeof(m), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6",
         "2001:db8:1::2:0:0:0:0:0:0:0:0", 49170);
  sip64_refused(m, "inside address left untranslated");
  invite(m, sizeof(m), "[2001:db8:1::99]", ":5060", "[" SRV6 "]", CLI, "IP6",
         CLI, 49170);
  sip64_refused(m, "inside address left untranslated");
  /* the client at another port: the top Via's 5070 is learnt as its
   * listening port (test_nat64_sip_tcp_listen_port), a Contact at 5080
   * is neither that nor the connection's */
  invite(m, sizeof(m), "[" CLI "]", ":5070", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  char *ct = strstr(m, "Contact: <sip:alice@[" CLI "]:5070>");
  assert_non_null(ct);
  memcpy(strstr(ct, ":5070>"), ":5080>", 6);
  sip64_refused(m, "inside address left untranslated");
  /* Content-Length larger than the body, then smaller */
  for (int d = 10; d >= -10; d -= 20) {
    invite(m, sizeof(m), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
           49170);
    char *cl = strstr(m, "Content-Length: ");
    assert_non_null(cl);
    char *body = strstr(cl, "\r\n\r\n") + 4;
    char lie[2200];
    snprintf(lie, sizeof(lie), "%.*sContent-Length: %d\r\n\r\n%s",
             (int)(cl - m), m, (int)strlen(body) + d, body);
    sip64_refused(lie, "Content-Length disagrees with the datagram");
  }
  /* truncated in the SDP */
  invite(m, sizeof(m), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  size_t n = strlen(m);
  m[n - 12] = '\0';
  sip64_refused(m, "Content-Length disagrees with the datagram");
}

/* An overlong header line (past PINHOLE_SIP_MAX_LINE) naming the client:
 * not SIP the ALG can read, dropped; the same bytes without the client's
 * address only counted. */
static void test_nat64_sip_overlong(void **state) {
  (void)state;
  static uint8_t big[6000];
  static char msg[5200];
  for (int named = 1; named >= 0; named--) {
    tctx *t = ctx64(PUB, 20000, 20099);
    int k = snprintf(msg, sizeof(msg),
                     "OPTIONS sip:bob@[64:ff9b::c613:2] SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP %s;branch=z9hG4bKx\r\nSubject: ",
                     named ? "[2001:db8:1::2]:5060" : "host.example:5060");
    memset(msg + k, 'x', 4200);
    snprintf(msg + k + 4200, sizeof(msg) - (size_t)k - 4200,
             "\r\nContent-Length: 0\r\n\r\n");
    size_t n = strlen(msg);
    uint8_t s[16], d[16];
    a6(s, CLI);
    a6(d, SRV6);
    size_t o = b6_ip(big, s, d, PINHOLE_IPPROTO_UDP, 8 + n);
    t_put16(big + o, 5060);
    t_put16(big + o + 2, 5060);
    t_put16(big + o + 4, (uint16_t)(8 + n));
    t_put16(big + o + 6, 0);
    memcpy(big + o + 8, msg, n);
    uint32_t sum = osum(0, big + 8, 32) + (uint32_t)(8 + n) + 17;
    t_put16(big + o + 6, ofold(osum(sum, big + o, 8 + n)));
    pinhole_pkt pk = {
        .data = big, .len = (uint32_t)(o + 8 + n), .cap = sizeof(big)};
    int vd = pinhole_process(t->ctx, &pk, PINHOLE_SIDE_INSIDE, SEC);
    assert_int_equal(vd,
                     named ? PINHOLE_VERDICT_DROP : PINHOLE_VERDICT_FORWARD);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), named ? 1 : 0);
    t_ctx_del(t);
  }
}

/* The server's answer with a malformed SDP: counted, passed untranslated
 * (it names no inside address), nothing opened. */
static void test_nat64_sip_server_bad_sdp(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, 20000, 20099);
  uint16_t P, Q;
  sip64_call(t, PUB, 20000, 20099, &P, &Q);
  char in[1024];
  t_sip_msg(in, sizeof(in),
            "SIP/2.0 200 OK\r\n"
            "Via: SIP/2.0/UDP 198.19.0.1:20000;branch=z9hG4bKy\r\n"
            "CSeq: 2 INVITE\r\n"
            "Content-Type: application/sdp\r\n",
            "v=0\r\nc=IN IP4\r\nm=audio 30000 RTP/AVP 0\r\n");
  tpkt p;
  t_udp(&p, OUT_HOST, 5060, PUB, P, in);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_SIP), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  t_ctx_del(t);
}

/* The pure layer's own checks (pinhole_sip_translate64). */
static void test_nat64_sip_translate64_args(void **state) {
  (void)state;
  pinhole_sip_nat nat;
  pinhole_sip_nat_default(&nat, sizeof(nat));
  pinhole_sip_nat64 x;
  memset(&x, 0, sizeof(x));
  x.size = sizeof(x);
  memcpy(x.prefix, wkp, 16);
  x.plen = 96;
  a6(x.client6, CLI);
  pinhole_sip_result r = {.size = sizeof(r)};
  const char *msg = "OPTIONS sip:[2001:db8:1::2] SIP/2.0\r\n"
                    "Content-Length: 0\r\n\r\n";
  uint8_t out[256];
  nat.inside.port = 5060;
  nat.outside.addr = PUB;
  nat.outside.port = 5060;
  int n = pinhole_sip_translate64((const uint8_t *)msg, strlen(msg), &nat, &x,
                                  out, sizeof(out), &r);
  const char *want = "OPTIONS sip:198.19.0.1 SIP/2.0\r\n"
                     "Content-Length: 0\r\n\r\n";
  assert_int_equal(n, (int)strlen(want));
  assert_memory_equal(out, want, strlen(want));
  assert_int_equal(r.request_uri, 1);
  assert_int_equal(r.leftover, 0);
  x.plen = 80;
  assert_int_equal(pinhole_sip_translate64((const uint8_t *)msg, strlen(msg),
                                           &nat, &x, out, sizeof(out), &r),
                   PINHOLE_ERR_INVALID_ARG);
  x.plen = 96;
  x.size = 8;
  assert_int_equal(pinhole_sip_translate64((const uint8_t *)msg, strlen(msg),
                                           &nat, &x, out, sizeof(out), &r),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sip_translate64((const uint8_t *)msg, strlen(msg),
                                           &nat, NULL, out, sizeof(out), &r),
                   PINHOLE_ERR_INVALID_ARG);
}

/* ---- failover (docs/ha.md "IPv6 and NAT64") ----------------------------- */

/* A standby with the same prefix, rule and pool (pool:lo..hi) that had
 * a flow of its own before its first import (so its slots differ from
 * A's). */
static tctx *standby64(uint32_t pool, uint16_t lo, uint16_t hi) {
  tctx *b = ctx64(pool, lo, hi);
  tpkt p;
  b6_udp(&p, "2001:db8:1::77", 7000, "64:ff9b::c613:9", 7001, "own one");
  assert_int_equal(t_in(b, &p, SEC), PINHOLE_VERDICT_FORWARD);
  return b;
}

/* The client's ACK of the 200 (RFC 3261 sec. 13.2.2.4) on A: as it
 * leaves, the client's URIs and Call-ID in the pool's form. */
static void sip64_ack(tctx *a, uint16_t P) {
  char m[1024], w[1024], h[512];
  t_sip_msg(m, sizeof(m),
            "ACK sip:bob@[64:ff9b::c613:2] SIP/2.0\r\n"
            "Via: SIP/2.0/UDP [2001:db8:1::2]:5060;branch=z9hG4bK776asdhdt\r\n"
            "To: Bob <sip:bob@[64:ff9b::c613:2]>;tag=a6c85cf\r\n"
            "From: Alice <sip:alice@[2001:db8:1::2]:5060>;tag=1928301774\r\n"
            "Call-ID: a84b4c76e66710@2001:db8:1::2\r\n"
            "CSeq: 314159 ACK\r\n",
            "");
  snprintf(h, sizeof(h),
           "ACK sip:bob@198.19.0.2 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 198.19.0.1:%u;branch=z9hG4bK776asdhdt\r\n"
           "To: Bob <sip:bob@198.19.0.2>;tag=a6c85cf\r\n"
           "From: Alice <sip:alice@198.19.0.1:%u>;tag=1928301774\r\n"
           "Call-ID: a84b4c76e66710@198.19.0.1\r\n"
           "CSeq: 314159 ACK\r\n",
           P, P);
  t_sip_msg(w, sizeof(w), h, "");
  tpkt p, e;
  b6_udp(&p, CLI, 5060, SRV6, 5060, m);
  assert_int_equal(t_in(a, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&e, PUB, P, OUT_HOST, 5060, w);
  same4(&p, &e);
}

/* Copies of p through A and B alike (state_util.h's both()), and A's
 * output is want: an IPv4 one (the identification copied) or IPv6. */
static void both_is(tctx *a, tctx *b, const tpkt *p, int side, uint64_t now,
                    tpkt *want) {
  tpkt o;
  assert_int_equal(both(a, b, p, side, now, &o), PINHOLE_VERDICT_FORWARD);
  if (want->b[0] >> 4 == 6)
    same6(&o, want);
  else
    same4(&o, want);
}

/* A SIP64 call (INVITE, 200 OK, ACK) set up on A, its state imported
 * into B: the server's RTP and RTCP come in through B's imported NAT64
 * pinholes to the client's IPv6 endpoints, the client's media leaves
 * from the public ports the SDP announced, the BYE leaves translated
 * and ends the dialog on both; every output the same bytes on A and B
 * and the bytes the test lays out; the listings agree. */
static void test_nat64_sip_failover(void **state) {
  (void)state;
  tctx *a = ctx64(PUB, 20000, 20099), *b = standby64(PUB, 20000, 20099);
  uint16_t P, Q;
  sip64_call(a, PUB, 20000, 20099, &P, &Q);
  sip64_ack(a, P);
  size_t len = export_full(a, 2 * SEC, NULL);
  size_t off[16];
  size_t nrec = records(len, off, 16);
  /* CONV, MAP, its HOST64 and CONN64 (signalling) with the SIP
   * module's ALG record (no listening port learnt on NAT64), MAP, HOST64
   * and HOLE64 for RTP, then RTCP */
  static const uint8_t types[] = {1, 2, 12, 9, 7, 2, 12, 11, 2, 12, 11};
  assert_int_equal(nrec, sizeof(types));
  for (size_t i = 0; i < nrec; i++)
    assert_int_equal(blob[off[i]], types[i]);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 1);
  same_listing(a, b);

  tpkt p, e;
  t_udp(&p, OUT_HOST, 30000, PUB, Q, "rtp-from-server");
  b6_udp(&e, SRV6, 30000, CLI, 49170, "rtp-from-server");
  both_is(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &e);
  b6_udp(&p, CLI, 49170, SRV6, 30000, "rtp-from-client");
  t_udp(&e, PUB, Q, OUT_HOST, 30000, "rtp-from-client");
  both_is(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &e);
  t_udp(&p, OUT_HOST, 30001, PUB, (uint16_t)(Q + 1), "rtcp-from-server");
  b6_udp(&e, SRV6, 30001, CLI, 49171, "rtcp-from-server");
  both_is(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &e);
  b6_udp(&p, CLI, 49171, SRV6, 30001, "rtcp-from-client");
  t_udp(&e, PUB, (uint16_t)(Q + 1), OUT_HOST, 30001, "rtcp-from-client");
  both_is(a, b, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &e);
  /* another IPv4 host to the public RTP port: nothing on either */
  t_udp(&p, IP4(198, 19, 0, 66), 30000, PUB, Q, "intruder");
  assert_int_equal(both(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_DROP);
  same_listing(a, b);

  char bye[1024], byew[1024], pd[40];
  snprintf(pd, sizeof(pd), "198.19.0.1:%u", P);
  sip64_bye(bye, byew, sizeof(bye), "UDP", pd, "198.19.0.1");
  b6_udp(&p, CLI, 5060, SRV6, 5060, bye);
  t_udp(&e, PUB, P, OUT_HOST, 5060, byew);
  both_is(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, &e);
  same_listing(a, b);
  pinhole_usage ua, ub;
  t_usage(a, &ua);
  t_usage(b, &ub);
  assert_int_equal(ua.pinholes, 0);
  assert_int_equal(ub.pinholes, 0);
  assert_memory_equal(&ua, &ub, sizeof(ua)); /* B's own conversation 1
                                                 was replaced by A's */
  assert_int_equal(t_cnt(b, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(b, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* The call over TCP (RFC 3261 sec. 18) set up on A, imported into B:
 * the INVITE's sequence delta goes with the connection, so the server's
 * acknowledgment reaches the client in its own numbering through B, the
 * server's RTP comes in through B's pinhole, and the client's BYE leaves
 * B translated and shifted by the delta; the same bytes on A and B. */
static void test_nat64_sip_failover_tcp(void **state) {
  (void)state;
  tctx *a = ctx64(SPOOL, 1030, 1039), *b = standby64(SPOOL, 1030, 1039);
  uint16_t P = sip64_tcp_open(a, SPOOL, SC, SS);
  char in[2048], want[2048];
  sip64_tcp_invite(in, NULL, sizeof(in), 0);
  tpkt p, e;
  size_t l1 = strlen(in);
  assert_int_equal(sip64_piece(a, 0, in, l1, SEC, &p), PINHOLE_VERDICT_FORWARD);
  unsigned Q = out_mport(&p);
  sip64_tcp_invite(in, want, sizeof(want), Q);
  size_t l2 = strlen(want);
  t_tcp(&e, SPOOL, P, OUT_HOST, 5060, SC + 1, SS + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, want);
  same4(&p, &e);
  size_t len = export_full(a, 2 * SEC, NULL);
  assert_int_equal(pinhole_state_import(b->ctx, 2 * SEC, blob, len), 1);
  same_listing(a, b);

  t_tcp(&p, OUT_HOST, 5060, SPOOL, P, SS + 1, SC + 1 + (uint32_t)l2,
        PINHOLE_TCP_ACK, NULL);
  b6_tcp(&e, SRV6, 5060, CLI, 40000, PINHOLE_TCP_ACK, SS + 1,
         SC + 1 + (uint32_t)l1, 0);
  both_is(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &e);
  t_udp(&p, OUT_HOST, 30000, SPOOL, (uint16_t)Q, "rtp-from-server");
  b6_udp(&e, SRV6, 30000, CLI, 49170, "rtp-from-server");
  both_is(a, b, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &e);
  char bye[1024], byew[1024];
  sip64_bye(bye, byew, sizeof(bye), "TCP", "198.19.0.200:5060", "198.19.0.200");
  b6_tcp_text(&p, CLI, 40000, SRV6, 5060, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              SC + 1 + (uint32_t)l1, SS + 1, bye);
  t_tcp(&e, SPOOL, P, OUT_HOST, 5060, SC + 1 + (uint32_t)l2, SS + 1,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, byew);
  both_is(a, b, &p, PINHOLE_SIDE_INSIDE, 4 * SEC, &e);
  same_listing(a, b);
  pinhole_usage ua, ub;
  t_usage(a, &ua);
  t_usage(b, &ub);
  assert_int_equal(ub.pinholes, 0);
  assert_memory_equal(&ua, &ub, sizeof(ua));
  assert_int_equal(t_cnt(b, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(b, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
  t_ctx_del(a);
  t_ctx_del(b);
}

/* ---- fragments of the signalling (docs/nat64.md "Fragments") ---------- */

/* ---- fragments (docs/reassembly.md "IPv6") ----------------------------- */

/* The packets that left, in order: the caller's p, then the ones emitted
 * from its log index e0 on): piece i in *got, *glen bytes. */
static void left(const tctx *t, const tpkt *p, int e0, int i,
                 const uint8_t **got, size_t *glen) {
  *got = i == 0 ? p->b : t->elog[e0 + i - 1];
  *glen = i == 0 ? p->p.len : t->elog_len[e0 + i - 1];
}

/* What left (p, then t's emitted packets from e0) is the whole packet w
 * cut in pieces of fp payload bytes: IPv4 ones (RFC 791: MF on all but
 * the last, DF clear, identification id's low 16 bits, each header's
 * checksum by the test's own sum) emitted to the outside, or IPv6 ones
 * (RFC 8200 sec. 4.5: a fragment header, M on all but the last,
 * identification id) to the inside; the transport checksum of w (the
 * datagram they make) verified by the own sum too. */
static void pieces(const tctx *t, const tpkt *p, int e0, const tpkt *w,
                   size_t fp, uint32_t id) {
  int v6 = (w->b[0] >> 4) == 6;
  size_t n = w->p.len - (v6 ? 40u : 20u);
  int k = 0;
  if (v6)
    own6(w->b, w->p.len);
  else
    own4(w->b, w->p.len);
  for (size_t off = 0; off < n; off += fp, k++) {
    size_t m = n - off < fp ? n - off : fp;
    tpkt e;
    if (v6)
      t6_frag6(&e, w, off, m, off + m < n, id);
    else
      t6_frag4(&e, w, off, m, off + m < n, 0, (uint16_t)id);
    const uint8_t *got;
    size_t glen;
    left(t, p, e0, k, &got, &glen);
    assert_int_equal(glen, e.p.len);
    assert_memory_equal(got, e.b, glen);
    assert_true(v6 || ofold(osum(0, got, 20)) == 0);
    if (k > 0)
      assert_int_equal(t->elog_side[e0 + k - 1],
                       v6 ? PINHOLE_SIDE_INSIDE : PINHOLE_SIDE_OUTSIDE);
  }
  assert_true(k >= 2);
  assert_int_equal(t->nelog - e0, k - 1);
}

/* The IPv4 datagram the pieces that left make (p then t's emitted from
 * e0: header of the first, payloads in order), in *w. */
static void joined4(const tctx *t, const tpkt *p, int e0, tpkt *w) {
  const uint8_t *got;
  size_t glen, at = 20;
  int n = 1 + t->nelog - e0;
  for (int i = 0; i < n; i++) {
    left(t, p, e0, i, &got, &glen);
    if (i == 0)
      memcpy(w->b, got, 20);
    assert_true(at + glen - 20 <= sizeof(w->b));
    memcpy(w->b + at, got + 20, glen - 20);
    at += glen - 20;
  }
  w->p.data = w->b;
  w->p.len = (uint32_t)at;
  w->p.cap = sizeof(w->b);
}

/* The client's INVITE msg (IPv6, the UDP payload cut at the multiples of
 * 8 cut[0] < cut[1]: three fragments, identification id; ext: a
 * hop-by-hop and a destination options header before each fragment
 * header) sent in order ord; the first two are held (a piece before its
 * first fragment as an orphan), the last completes it: the ALG sees the
 * whole INVITE, which leaves as IPv4 fragments as long as the longest
 * IPv6 one's piece (RFC 7915 sec. 5.1.1: the IPv6 header, the extension
 * headers and the fragment header become a 20-byte IPv4 header),
 * identification id's low 16 bits, every address and length rewritten.
 * *P, *Q: the public signalling and media ports. */
static void frag_invite(tctx *t, uint32_t pool, const size_t cut[2],
                        const int ord[3], uint32_t id, int ext, uint16_t *P,
                        uint16_t *Q) {
  char in[2048], want[2048], a[20], h[40];
  tpkt w, p, w4, got;
  ip4s(a, sizeof(a), pool);
  invite(in, sizeof(in), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  b6_udp(&w, CLI, 5060, SRV6, 5060, in);
  size_t n = w.p.len - 40u;
  size_t lo[3] = {0, cut[0], cut[1]}, hi[3] = {cut[0], cut[1], n};
  size_t big = 0;
  t->nelog = 0;
  for (int i = 0; i < 3; i++) {
    int k = ord[i];
    big = hi[k] - lo[k] > big ? hi[k] - lo[k] : big;
    (ext ? t6_frag6_ext : t6_frag6)(&p, &w, lo[k], hi[k] - lo[k], k < 2, id);
    assert_int_equal(t_in(t, &p, SEC),
                     i < 2 ? PINHOLE_VERDICT_HELD : PINHOLE_VERDICT_FORWARD);
  }
  joined4(t, &p, 0, &got);
  *P = t_get16(got.b + 20);
  *Q = (uint16_t)out_mport(&got);
  snprintf(h, sizeof(h), ":%u", *P);
  invite(want, sizeof(want), a, h, "198.19.0.2", a, "IP4", a, *Q);
  t_udp(&w4, pool, *P, OUT_HOST, 5060, want);
  pieces(t, &p, 0, &w4, big & ~(size_t)7, id);
}

/* The server's 200 OK to the public endpoint P in two IPv4 fragments cut
 * at cut (identification id; later1st: the later one first, held as an
 * orphan): it reaches the client translated (Via, From, Contact, SDP) as
 * IPv6 fragments as long as the IPv4 ones plus 28, identification id
 * zero-extended (RFC 7915 sec. 4.1). */
static void frag_ok(tctx *t, uint32_t pool, uint16_t P, uint16_t id,
                    int later1st) {
  char in[2048], want[2048], a[20], via[160], from[40];
  tpkt w, w6, p;
  ip4s(a, sizeof(a), pool);
  snprintf(via, sizeof(via),
           "%s:%u;branch=z9hG4bK776asdhds;rport=%u;received=%s", a, P, P, a);
  snprintf(from, sizeof(from), "%s:%u", a, P);
  ok200(in, sizeof(in), via, from, a, "198.19.0.2", "IP4", "198.19.0.2");
  ok200(want, sizeof(want),
        "[" CLI "]:5060;branch=z9hG4bK776asdhds;rport=5060;received=" CLI,
        "[" CLI "]:5060", CLI, "[" SRV6 "]", "IP6", SRV6);
  t_udp(&w, OUT_HOST, 5060, pool, P, in);
  size_t n = w.p.len - 20u;
  size_t cut = ((size_t)(strstr(in, "c=IN") - in) + 8u) & ~(size_t)7;
  t->nelog = 0;
  if (later1st) {
    t6_frag4(&p, &w, cut, n - cut, 0, 0, id);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_HELD);
  }
  t6_frag4(&p, &w, 0, cut, 1, 0, id);
  assert_int_equal(t_out(t, &p, SEC),
                   later1st ? PINHOLE_VERDICT_FORWARD : PINHOLE_VERDICT_HELD);
  if (!later1st) {
    t6_frag4(&p, &w, cut, n - cut, 0, 0, id);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  }
  b6_udp(&w6, SRV6, 5060, CLI, 5060, want);
  size_t big = cut > n - cut ? cut : n - cut;
  pieces(t, &p, 0, &w6, big & ~(size_t)7, id);
}

/* A SIP call over NAT64 whose INVITE and 200 OK come in fragments: the
 * INVITE cut inside its headers and inside its SDP, in order or first,
 * last, middle; the 200 OK cut inside its SDP, in order or its later
 * fragment first. Reassembled, the ALG sees each whole: the messages
 * leave rewritten in fragments, and the media flows through the
 * pinholes the SDP opened. pass (PINHOLE_CFG_ALG_PASS_UNTRANSLATED)
 * changes nothing when the datagram can be reassembled. */
static void sip64_frag(uint32_t pool, uint16_t lo, uint16_t hi, int pass,
                       int reorder) {
  tctx *t =
      ctx64f(pool, lo, hi, 0, pass ? PINHOLE_CFG_ALG_PASS_UNTRANSLATED : 0u);
  char in[2048];
  invite(in, sizeof(in), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  size_t sdp = ((size_t)(strstr(in, "c=IN") - in) + 8u) & ~(size_t)7;
  size_t cut[2] = {64, sdp}; /* inside the Via; inside the SDP */
  const int in_order[3] = {0, 1, 2}, mixed[3] = {0, 2, 1};
  uint16_t P, Q;
  frag_invite(t, pool, cut, reorder ? mixed : in_order, 0x5eed0001u, 0, &P, &Q);
  assert_true(P >= lo && P <= hi);
  assert_true(Q >= lo && Q < hi && (Q & 1) == 0 && Q != P && Q + 1 != P);
  frag_ok(t, pool, P, 0x4242, reorder);
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.pinholes, 2); /* RTP and RTCP: the SDP was seen */
  assert_int_equal(u.fragments, 0);
  sip64_media(t, pool, Q);
  /* new: the INVITE's first piece, RTP (pinhole), RTCP (rule); existing:
   * the INVITE's other two pieces, the 200 OK's two, the client's RTP,
   * the server's RTCP; one intruder; the datagrams: two held, two whole */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 6,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_REASM_HELD, 2, PINHOLE_CNT_REASM_COMPLETED, 2,
             PINHOLE_CNT_NAT64_XLAT, 6, PINHOLE_CNT_PINHOLE_CREATED, 2,
             PINHOLE_CNT_PINHOLE_USED, 1, -1);
  assert_false(t_has_trace(t, "fragmented message not inspected"));
  t_ctx_del(t);
}

static void test_nat64_sip_frag(void **state) {
  (void)state;
  sip64_frag(PUB, 20000, 20099, 0, 0);
  sip64_frag(IP4(198, 19, 0, 200), 1030, 1039, 0, 1);
  sip64_frag(PUB, 20000, 20099, 1, 1);
  sip64_frag(IP4(198, 19, 0, 200), 1030, 1039, 1, 0);
}

/* An IPv4 fragment p is want but for the identification (copied) and so
 * the header checksum (by the test's own sum). */
static void same4f(const tpkt *p, tpkt *want) {
  assert_int_equal(p->p.len, want->p.len);
  memcpy(want->b + 4, p->b + 4, 2);
  want->b[10] = want->b[11] = 0;
  t_put16(want->b + 10, ofold(osum(0, want->b, 20)));
  assert_memory_equal(p->b, want->b, p->p.len);
}

/* Piece [lo, hi) of the client's INVITE w (IPv6, identification id) from
 * inside at now: its verdict. */
static int invite_piece(tctx *t, const tpkt *w, size_t lo, size_t hi,
                        uint32_t id, uint64_t now) {
  tpkt p;
  t6_frag6(&p, w, lo, hi - lo, hi < w->p.len - 40u, id);
  return t_in(t, &p, now);
}

/* A datagram that cannot be reassembled: an IPv6 overlap (RFC 5722: even
 * of the same bytes) ends it and the rest is not matched; one not whole
 * within hold_timeout_ms (3 s) times out and what comes after is not
 * matched; a full fragment table leaves an IPv6 first fragment untracked
 * and the server's IPv4 one not held. Each a drop with its own counter;
 * nothing leaves. */
static void test_nat64_sip_frag_fail(void **state) {
  (void)state;
  tctx *t = ctx64q(PUB, 20000, 20099, 0, 0, 1);
  char in[2048];
  tpkt w, p;
  invite(in, sizeof(in), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  b6_udp(&w, CLI, 5060, SRV6, 5060, in);
  size_t n = w.p.len - 40u;
  /* overlap: [0, 64), [56, 200), then the rest */
  assert_int_equal(invite_piece(t, &w, 0, 64, 0xa1, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(invite_piece(t, &w, 56, 200, 0xa1, SEC),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(invite_piece(t, &w, 200, n, 0xa1, SEC),
                   PINHOLE_VERDICT_DROP);
  /* the dead entry holds the one slot until its deadline (3 s): another
   * first fragment is not tracked */
  assert_int_equal(invite_piece(t, &w, 0, 64, 0xa2, 2 * SEC),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(t->nemitted, 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_ERR_IP, 2, PINHOLE_CNT_IP_FRAG_OVERLAP, 1,
             PINHOLE_CNT_FRAGMENTS, 1, PINHOLE_CNT_IP6_FRAGMENT, 1, -1);
  /* timeout: the first piece held at 5 s, nothing by 8 s */
  pinhole_tick(t->ctx, 5 * SEC);
  assert_int_equal(invite_piece(t, &w, 0, 64, 0xa3, 5 * SEC),
                   PINHOLE_VERDICT_HELD);
  pinhole_tick(t->ctx, 8 * SEC + SEC / 2);
  /* the rest, late: an orphan now (its first fragment's entry is gone),
   * which times out in turn; nothing ever leaves */
  assert_int_equal(invite_piece(t, &w, 64, n, 0xa3, 9 * SEC),
                   PINHOLE_VERDICT_HELD);
  pinhole_tick(t->ctx, 13 * SEC);
  assert_int_equal(t->nemitted, 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_REASM_HELD, 3, PINHOLE_CNT_REASM_TIMEOUT, 2,
             PINHOLE_CNT_ERR_IP, 4, PINHOLE_CNT_IP_FRAG_OVERLAP, 1,
             PINHOLE_CNT_IP_FRAG_TIMEOUT, 2, PINHOLE_CNT_FRAGMENTS, 1,
             PINHOLE_CNT_IP6_FRAGMENT, 1, -1);
  t_ctx_del(t);
  /* the server's fragmented reply while the one slot holds a piece:
   * not held, and not passed unparsed (its addresses would reach the
   * client untranslated in the SIP message): dropped */
  t = ctx64q(IP4(198, 19, 0, 200), 1030, 1039, 0, 0, 1);
  uint16_t P, Q;
  sip64_call(t, IP4(198, 19, 0, 200), 1030, 1039, &P, &Q);
  b6_udp(&w, CLI, 5060, SRV6, 5060, in);
  assert_int_equal(invite_piece(t, &w, 0, 64, 0xa4, 2 * SEC),
                   PINHOLE_VERDICT_HELD);
  t_udp(&w, OUT_HOST, 5060, IP4(198, 19, 0, 200), P, in);
  t6_frag4(&p, &w, 0, 64, 1, 0, 0x77);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t->nemitted, 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_OVERFLOW, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_SIP, 1, PINHOLE_CNT_NAT64_XLAT, 2,
             PINHOLE_CNT_PINHOLE_CREATED, 2, -1);
  t_ctx_del(t);
}

/* The INVITE's three pieces in every order, without and with extension
 * headers before the fragment header (RFC 7915 sec. 5.1: dropped in the
 * translation): each time the ALG sees it whole (its two pinholes), it
 * leaves rewritten in IPv4 fragments byte for byte (frag_invite), and
 * nothing is left in the fragment table. */
static void test_nat64_sip_frag_every_order(void **state) {
  (void)state;
  static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  char in[2048];
  invite(in, sizeof(in), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  size_t sdp = ((size_t)(strstr(in, "c=IN") - in) + 8u) & ~(size_t)7;
  const size_t cut[2] = {64, sdp};
  for (int ext = 0; ext < 2; ext++)
    for (int k = 0; k < 6; k++) {
      tctx *t = ctx64(PUB, 20000, 20099);
      uint16_t P, Q;
      frag_invite(t, PUB, cut, perm[k], 0x64000000u + (uint32_t)k, ext, &P, &Q);
      pinhole_usage u;
      t_usage(t, &u);
      assert_int_equal(u.pinholes, 2);
      assert_int_equal(u.fragments, 0);
      t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
                 PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_COMPLETED, 1,
                 PINHOLE_CNT_NAT64_XLAT, 1, PINHOLE_CNT_PINHOLE_CREATED, 2, -1);
      t_ctx_del(t);
    }
}

/* Orphans over NAT64 that cannot make a datagram: held pieces that
 * overlap (RFC 5722: dropped, its first fragment too when it comes); the
 * one fragment entry taken by a held piece (another datagram's piece and
 * first fragment have none; the held one completes and leaves); held
 * pieces whose first never comes (timed out, counted). Nothing leaves
 * but the completed datagram. */
static void test_nat64_sip_frag_orphans_fail(void **state) {
  (void)state;
  tctx *t = ctx64q(PUB, 20000, 20099, 0, 0, 1);
  char in[2048];
  tpkt w;
  invite(in, sizeof(in), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  b6_udp(&w, CLI, 5060, SRV6, 5060, in);
  size_t n = w.p.len - 40u;
  assert_int_equal(invite_piece(t, &w, 64, 200, 0xb1, SEC),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(invite_piece(t, &w, 192, n, 0xb1, SEC),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(invite_piece(t, &w, 0, 64, 0xb1, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_EXIST_ACCEPT, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_FRAG_OVERLAP, 1,
             PINHOLE_CNT_FRAGMENTS, 1, -1);
  /* the dead entry goes at its deadline (3 s); then one held piece
   * takes the one entry */
  pinhole_tick(t->ctx, 5 * SEC);
  assert_int_equal(invite_piece(t, &w, 200, n, 0xb2, 5 * SEC),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(invite_piece(t, &w, 64, 200, 0xb3, 5 * SEC),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(invite_piece(t, &w, 0, 64, 0xb3, 5 * SEC),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(invite_piece(t, &w, 0, 64, 0xb2, 5 * SEC),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(invite_piece(t, &w, 64, 200, 0xb2, 5 * SEC),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t->nelog, 1); /* the second IPv4 piece */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_REASM_HELD, 2, PINHOLE_CNT_REASM_COMPLETED, 1,
             PINHOLE_CNT_REASM_OVERFLOW, 1, PINHOLE_CNT_ERR_IP, 2,
             PINHOLE_CNT_IP_FRAG_OVERLAP, 1, PINHOLE_CNT_IP6_FRAGMENT, 1,
             PINHOLE_CNT_FRAGMENTS, 2, PINHOLE_CNT_NAT64_XLAT, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 2, -1);
  /* two pieces whose first never comes */
  assert_int_equal(invite_piece(t, &w, 200, n, 0xb4, 6 * SEC),
                   PINHOLE_VERDICT_HELD);
  assert_int_equal(invite_piece(t, &w, 64, 200, 0xb4, 6 * SEC),
                   PINHOLE_VERDICT_HELD);
  pinhole_tick(t->ctx, 10 * SEC);
  assert_int_equal(t->nelog, 1);
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.fragments, 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 5,
             PINHOLE_CNT_REASM_HELD, 3, PINHOLE_CNT_REASM_COMPLETED, 1,
             PINHOLE_CNT_REASM_OVERFLOW, 1, PINHOLE_CNT_REASM_TIMEOUT, 1,
             PINHOLE_CNT_ERR_IP, 3, PINHOLE_CNT_IP_FRAG_OVERLAP, 1,
             PINHOLE_CNT_IP_FRAG_TIMEOUT, 1, PINHOLE_CNT_IP6_FRAGMENT, 1,
             PINHOLE_CNT_FRAGMENTS, 2, PINHOLE_CNT_NAT64_XLAT, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 2, -1);
  t_ctx_del(t);
}

/* An INVITE longer than hold_msg_max (256) cannot be held: dropped
 * (REASM_TOO_BIG) and the rest not matched; with
 * PINHOLE_CFG_ALG_PASS_UNTRANSLATED its pieces leave translated at the IP
 * layer only (the held one through emit), as before reassembly. */
static void frag_too_big(uint32_t pool, int pass) {
  tctx *t = ctx64f(pool, 1030, 1039, 256,
                   pass ? PINHOLE_CFG_ALG_PASS_UNTRANSLATED : 0u);
  char in[2048];
  tpkt w, w4, p, e;
  invite(in, sizeof(in), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  b6_udp(&w, CLI, 5060, SRV6, 5060, in);
  size_t n = w.p.len - 40u;
  t->nelog = 0;
  assert_int_equal(invite_piece(t, &w, 0, 200, 0x5eed0003u, SEC),
                   PINHOLE_VERDICT_HELD);
  t6_frag6(&p, &w, 200, 400 - 200, 1, 0x5eed0003u);
  assert_int_equal(t_in(t, &p, SEC),
                   pass ? PINHOLE_VERDICT_FORWARD : PINHOLE_VERDICT_DROP);
  if (pass) {
    uint16_t P = t_get16(t->elog[0] + 20);
    t_udp(&w4, pool, P, OUT_HOST, 5060, in); /* nothing rewritten */
    assert_int_equal(t->nelog, 1);
    tpkt got;
    memcpy(got.b, t->elog[0], t->elog_len[0]);
    got.p.len = (uint32_t)t->elog_len[0];
    t6_frag4(&e, &w4, 0, 200, 1, 0, 0x0003);
    same4f(&got, &e);
    t6_frag4(&e, &w4, 200, 200, 1, 0, 0x0003);
    same4f(&p, &e);
  }
  assert_int_equal(invite_piece(t, &w, 400, n, 0x5eed0003u, SEC),
                   pass ? PINHOLE_VERDICT_FORWARD : PINHOLE_VERDICT_DROP);
  if (pass)
    t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
               PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_TOO_BIG, 1,
               PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_SIP, 1,
               PINHOLE_CNT_NAT64_XLAT, 3, -1);
  else
    t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_DISCARD, 1,
               PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_TOO_BIG, 1,
               PINHOLE_CNT_FRAGMENTS, 1, -1);
  t_ctx_del(t);
}

static void test_nat64_sip_frag_too_big(void **state) {
  (void)state;
  frag_too_big(PUB, 0);
  frag_too_big(IP4(198, 19, 0, 200), 1);
}

/* An atomic fragment (RFC 6946: offset 0, M clear) is a whole datagram:
 * the INVITE in one is not held, its ALG rewrites it and it leaves as one
 * IPv4 packet (RFC 7915 sec. 5.1.1: the identification's low 16 bits,
 * DF clear); nothing is left in the fragment table. */
static void test_nat64_sip_atomic_frag(void **state) {
  (void)state;
  uint32_t pool = IP4(198, 19, 0, 200);
  tctx *t = ctx64(pool, 1030, 1039);
  char in[2048], want[2048], a[20], h[40];
  tpkt w, p, e;
  ip4s(a, sizeof(a), pool);
  invite(in, sizeof(in), "[" CLI "]", ":5060", "[" SRV6 "]", CLI, "IP6", CLI,
         49170);
  b6_udp(&w, CLI, 5060, SRV6, 5060, in);
  t6_frag6(&p, &w, 0, w.p.len - 40u, 0, 0x00c0ffeeu);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = t_get16(p.b + 20);
  snprintf(h, sizeof(h), ":%u", P);
  invite(want, sizeof(want), a, h, "198.19.0.2", a, "IP4", a, out_mport(&p));
  t_udp(&e, pool, P, OUT_HOST, 5060, want);
  assert_int_equal(t_get16(p.b + 4), 0xffee);
  same4(&p, &e);
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.fragments, 0);
  assert_int_equal(u.pinholes, 2);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_NAT64_XLAT, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 2, -1);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nat64_sip_call),
      cmocka_unit_test(test_nat64_sip_tcp),
      cmocka_unit_test(test_nat64_sip_tcp_listen_port),
      cmocka_unit_test(test_nat64_sip_hostile),
      cmocka_unit_test(test_nat64_sip_overlong),
      cmocka_unit_test(test_nat64_sip_server_bad_sdp),
      cmocka_unit_test(test_nat64_sip_translate64_args),
      cmocka_unit_test(test_nat64_sip_split),
      cmocka_unit_test(test_nat64_sip_split_answer),
      cmocka_unit_test(test_nat64_sip_split_resent),
      cmocka_unit_test(test_nat64_sip_split_given_up),
      cmocka_unit_test(test_nat64_sip_failover),
      cmocka_unit_test(test_nat64_sip_failover_tcp),
      cmocka_unit_test(test_nat64_sip_frag),
      cmocka_unit_test(test_nat64_sip_frag_fail),
      cmocka_unit_test(test_nat64_sip_frag_every_order),
      cmocka_unit_test(test_nat64_sip_frag_orphans_fail),
      cmocka_unit_test(test_nat64_sip_frag_too_big),
      cmocka_unit_test(test_nat64_sip_atomic_frag),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

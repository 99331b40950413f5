/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RTSP over NAT64 (docs/nat64.md "RTSP over NAT64"): an IPv6-only client
 * [2001:db8:1::2] plays a stream from the IPv4 server 198.19.0.2 at
 * [64:ff9b::c613:2]:8554 through the NAT64. Every message is checked
 * byte for byte both ways (the test lays out each output itself; only
 * the IPv4 identification, the translator's choice, is copied), with the
 * length changes, the TCP sequence deltas both ways and every checksum
 * verified by the test's own sum; the server's RTP and RTCP reach the
 * client through the NAT64 pinholes; the listing and the counters are
 * exact. Hostile messages are counted, and the ones that could carry the
 * client's IPv6 address untranslated are dropped.
 */
#include "helpers6.h"

#define CLI "2001:db8:1::2"
#define SRV6 "64:ff9b::c613:2" /* OUT_HOST 198.19.0.2 under the WKP */
#define CSEQ0 100u             /* the client's ISN */
#define SSEQ0 7000u            /* the server's ISN */

/* ---- the test's own checksums ---------------------------------------- */

static uint32_t osum(uint32_t s, const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i += 2)
    s += (uint32_t)b[i] << 8 | (i + 1 < n ? b[i + 1] : 0);
  while (s >> 16)
    s = (s & 0xffff) + (s >> 16);
  return s;
}

/* p's IPv4 header and TCP/UDP checksums, or its IPv6 TCP/UDP checksum,
 * verify by this file's sum (RFC 791, 9293 sec. 3.1, 768, 8200 sec. 8.1). */
static void own_sums(const tpkt *p) {
  const uint8_t *b = p->b;
  size_t len = p->p.len;
  uint32_t s;
  if (b[0] >> 4 == 4) {
    size_t hl = (size_t)(b[0] & 15) * 4;
    assert_int_equal(osum(0, b, hl), 0xffff);
    s = osum(0, b + 12, 8) + b[9] + (uint32_t)(len - hl);
    assert_int_equal(osum(s, b + hl, len - hl), 0xffff);
  } else {
    s = osum(0, b + 8, 32) + b[6] + (uint32_t)(len - 40);
    assert_int_equal(osum(s, b + 40, len - 40), 0xffff);
  }
}

/* The output p equals want (the IPv4 identification copied from p, the
 * header checksum then recomputed). */
static void same(const tpkt *p, tpkt *want) {
  if (p->p.len != want->p.len) {
    size_t o = p->b[0] >> 4 == 4 ? 40 : 60;
    fail_msg("got  %.*s\nwant %.*s", (int)(p->p.len - o), p->b + o,
             (int)(want->p.len - (want->b[0] >> 4 == 4 ? 40 : 60)),
             want->b + (want->b[0] >> 4 == 4 ? 40 : 60));
  }
  if (want->b[0] >> 4 == 4) {
    memcpy(want->b + 4, p->b + 4, 2);
    t_fix(want);
  }
  if (memcmp(p->b, want->b, p->p.len) != 0) {
    size_t o = p->b[0] >> 4 == 4 ? 40 : 60;
    fail_msg("got  %.*s\nwant %.*s", (int)(p->p.len - o), p->b + o,
             (int)(want->p.len - o), want->b + o);
  }
  own_sums(p);
}

/* ---- a NAT64 RTSP control connection ------------------------------------ */

typedef struct rs {
  tctx *t;
  uint32_t pool;
  uint16_t P;         /* the control connection's public port */
  uint32_t cin, cout; /* the client's next byte: as sent, as it left */
  uint32_t sin, sout; /* the server's: as the client sees it, as sent */
  char a4[16];        /* the pool address as text */
  char last[2048];    /* the payload of the last output */
} rs;

static void rs_ctx(rs *s, uint32_t pool, uint16_t lo, uint16_t hi) {
  memset(s, 0, sizeof(*s));
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 64;
  s->t = t_ctx_pool(&cfg, pool, pool, lo, hi);
  s->pool = pool;
  snprintf(s->a4, sizeof(s->a4), "%u.%u.%u.%u", pool >> 24, (pool >> 16) & 255,
           (pool >> 8) & 255, pool & 255);
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  assert_int_equal(
      pinhole_nat64_prefix_add(s->t->ctx, wkp, 96, PINHOLE_NAT64_LAB), 0);
  assert_true(t_rule64(s->t->ctx, s->t->pool, "64:ff9b::", 96) >= 0);
}

/* The handshake [CLI]:40554 -> [SRV6]:8554 (the RTSP ALG by port). */
static void rs_open(rs *s, uint32_t pool, uint16_t lo, uint16_t hi) {
  rs_ctx(s, pool, lo, hi);
  tpkt p;
  b6_tcp(&p, CLI, 40554, SRV6, 8554, PINHOLE_TCP_SYN, CSEQ0, 0, 0);
  assert_int_equal(t_in(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 12), pool);
  s->P = t_get16(p.b + 20);
  t_tcp(&p, OUT_HOST, 8554, pool, s->P, SSEQ0, CSEQ0 + 1,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, 40554, SRV6, 8554, PINHOLE_TCP_ACK, CSEQ0 + 1, SSEQ0 + 1, 0);
  assert_int_equal(t_in(s->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  s->cin = s->cout = CSEQ0 + 1;
  s->sin = s->sout = SSEQ0 + 1;
}

static void rs_keep(rs *s, const tpkt *p) {
  size_t o = p->b[0] >> 4 == 4 ? 40 : 60;
  size_t n = p->p.len - o;
  assert_true(n < sizeof(s->last));
  memcpy(s->last, p->b + o, n);
  s->last[n] = '\0';
}

/* The client sends in; the verdict must be verdict. Returns the output
 * (kept in s->last). */
static tpkt *rs_client(rs *s, tpkt *p, const char *in, int verdict) {
  b6_tcp_text(p, CLI, 40554, SRV6, 8554, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              s->cin, s->sin, in);
  assert_int_equal(t_in(s->t, p, SEC), verdict);
  if (verdict == PINHOLE_VERDICT_FORWARD)
    rs_keep(s, p);
  return p;
}

/* What left for the client's in must be want: checked, and the stream
 * numbering moves on. */
static void rs_client_is(rs *s, const tpkt *p, const char *in,
                         const char *want) {
  tpkt e;
  t_tcp(&e, s->pool, s->P, OUT_HOST, 8554, s->cout, s->sout,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, want);
  same(p, &e);
  s->cin += (uint32_t)strlen(in);
  s->cout += (uint32_t)strlen(want);
}

/* The client sends in, and want leaves. */
static void rs_c(rs *s, const char *in, const char *want) {
  tpkt p;
  rs_client(s, &p, in, PINHOLE_VERDICT_FORWARD);
  rs_client_is(s, &p, in, want);
}

/* The server sends in; the client must get want (NULL: dropped). */
static void rs_s(rs *s, const char *in, const char *want) {
  tpkt p, e;
  t_tcp(&p, OUT_HOST, 8554, s->pool, s->P, s->sout, s->cout,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, in);
  int v = t_out(s->t, &p, SEC);
  if (want == NULL) {
    assert_int_equal(v, PINHOLE_VERDICT_DROP);
    return;
  }
  assert_int_equal(v, PINHOLE_VERDICT_FORWARD);
  rs_keep(s, &p);
  b6_tcp_text(&e, SRV6, 8554, CLI, 40554, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
              s->sin, s->cin, want);
  same(&p, &e);
  s->sout += (uint32_t)strlen(in);
  s->sin += (uint32_t)strlen(want);
}

/* ---- the session --------------------------------------------------------- */

#define SDP_IN                                                                 \
  "v=0\r\n"                                                                    \
  "o=- 1188340656180883 1 IN IP4 198.19.0.2\r\n"                               \
  "s=Session streamed with GStreamer\r\n"                                      \
  "c=IN IP4 0.0.0.0\r\n"                                                       \
  "t=0 0\r\n"                                                                  \
  "m=video 0 RTP/AVP 96\r\n"                                                   \
  "a=rtpmap:96 H264/90000\r\n"                                                 \
  "a=control:stream=0\r\n"                                                     \
  "m=audio 0 RTP/AVP 0\r\n"                                                    \
  "c=IN IP4 198.19.0.2\r\n"                                                    \
  "a=control:rtsp://198.19.0.2:8554/test/stream=1\r\n"
#define SDP_OUT                                                                \
  "v=0\r\n"                                                                    \
  "o=- 1188340656180883 1 IN IP6 64:ff9b::c613:2\r\n"                          \
  "s=Session streamed with GStreamer\r\n"                                      \
  "c=IN IP6 ::\r\n"                                                            \
  "t=0 0\r\n"                                                                  \
  "m=video 0 RTP/AVP 96\r\n"                                                   \
  "a=rtpmap:96 H264/90000\r\n"                                                 \
  "a=control:stream=0\r\n"                                                     \
  "m=audio 0 RTP/AVP 0\r\n"                                                    \
  "c=IN IP6 64:ff9b::c613:2\r\n"                                               \
  "a=control:rtsp://[64:ff9b::c613:2]:8554/test/stream=1\r\n"

/* DESCRIBE, SETUP, PLAY and the server's media (RFC 2326 sec. 10.2,
 * 10.4, 10.5, 12.39; RFC 6146 sec. 3.5.1 for the media's NAT64
 * connections, RFC 6052 sec. 2.2 for the addresses). */
static void rtsp64_session(uint32_t pool, uint16_t lo, uint16_t hi) {
  rs s;
  rs_open(&s, pool, lo, hi);
  char want[2048], in[2048];

  /* DESCRIBE: the Request-URI's host, the server under the prefix, is
   * its IPv4 address for the server (7 bytes shorter) */
  rs_c(&s,
       "DESCRIBE rtsp://[64:ff9b::c613:2]:8554/test RTSP/1.0\r\n"
       "CSeq: 1\r\nAccept: application/sdp\r\n\r\n",
       "DESCRIBE rtsp://198.19.0.2:8554/test RTSP/1.0\r\n"
       "CSeq: 1\r\nAccept: application/sdp\r\n\r\n");
  /* the reply: Content-Base and the SDP's o=, c= and a=control: to IPv6,
   * Content-Length to the new body's length */
  snprintf(in, sizeof(in),
           "RTSP/1.0 200 OK\r\nCSeq: 1\r\n"
           "Content-Base: rtsp://198.19.0.2:8554/test/\r\n"
           "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
           strlen(SDP_IN), SDP_IN);
  snprintf(want, sizeof(want),
           "RTSP/1.0 200 OK\r\nCSeq: 1\r\n"
           "Content-Base: rtsp://[64:ff9b::c613:2]:8554/test/\r\n"
           "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
           strlen(SDP_OUT), SDP_OUT);
  assert_int_equal(strlen(SDP_OUT) - strlen(SDP_IN), 5 - 5 + 5 + 7);
  rs_s(&s, in, want);

  /* SETUP: client_port to an even public pair of the pool, destination=
   * (the client's own IPv6 address) to the pool address */
  const char *setup =
      "SETUP rtsp://[64:ff9b::c613:2]:8554/test/stream=0 RTSP/1.0\r\n"
      "CSeq: 2\r\n"
      "Transport: RTP/AVP;unicast;client_port=50000-50001;"
      "destination=2001:db8:1::2\r\n\r\n";
  tpkt p;
  rs_client(&s, &p, setup, PINHOLE_VERDICT_FORWARD);
  unsigned q = 0, q2 = 0;
  const char *cp = strstr(s.last, "client_port=");
  assert_non_null(cp);
  assert_int_equal(sscanf(cp, "client_port=%u-%u", &q, &q2), 2);
  assert_true(q >= lo && q2 == q + 1 && q2 <= hi && q % 2 == 0);
  snprintf(want, sizeof(want),
           "SETUP rtsp://198.19.0.2:8554/test/stream=0 RTSP/1.0\r\n"
           "CSeq: 2\r\n"
           "Transport: RTP/AVP;unicast;client_port=%u-%u;destination=%s\r\n"
           "\r\n",
           q, q2, s.a4);
  rs_client_is(&s, &p, setup, want);
  /* the reply echoes them: back to the client's; source= (the server's
   * IPv4 address) to its address under the prefix */
  snprintf(in, sizeof(in),
           "RTSP/1.0 200 OK\r\nCSeq: 2\r\n"
           "Transport: RTP/AVP;unicast;client_port=%u-%u;destination=%s;"
           "source=198.19.0.2;server_port=6970-6971;ssrc=1A2B3C4D\r\n"
           "Session: 12345678;timeout=60\r\n\r\n",
           q, q2, s.a4);
  rs_s(&s, in,
       "RTSP/1.0 200 OK\r\nCSeq: 2\r\n"
       "Transport: RTP/AVP;unicast;client_port=50000-50001;"
       "destination=2001:db8:1::2;source=64:ff9b::c613:2;"
       "server_port=6970-6971;ssrc=1A2B3C4D\r\n"
       "Session: 12345678;timeout=60\r\n\r\n");

  /* PLAY and its RTP-Info */
  rs_c(&s,
       "PLAY rtsp://[64:ff9b::c613:2]:8554/test/ RTSP/1.0\r\n"
       "CSeq: 3\r\nSession: 12345678\r\n\r\n",
       "PLAY rtsp://198.19.0.2:8554/test/ RTSP/1.0\r\n"
       "CSeq: 3\r\nSession: 12345678\r\n\r\n");
  rs_s(&s,
       "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
       "RTP-Info: url=rtsp://198.19.0.2:8554/test/stream=0;seq=1;rtptime=0\r\n"
       "\r\n",
       "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
       "RTP-Info: url=rtsp://[64:ff9b::c613:2]:8554/test/stream=0;seq=1;"
       "rtptime=0\r\n\r\n");

  /* the server's RTP and RTCP, IPv4 to the pool's public pair, reach the
   * client's IPv6 ports through the pinholes */
  tpkt e;
  t_udp(&p, OUT_HOST, 6970, pool, (uint16_t)q, "rtp video");
  assert_int_equal(t_out(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV6, 6970, CLI, 50000, "rtp video");
  same(&p, &e);
  t_udp(&p, OUT_HOST, 6971, pool, (uint16_t)q2, "rtcp sr");
  assert_int_equal(t_out(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV6, 6971, CLI, 50001, "rtcp sr");
  same(&p, &e);
  /* and the client's receiver report goes back the same way */
  b6_udp(&p, CLI, 50001, SRV6, 6971, "rtcp rr");
  assert_int_equal(t_in(s.t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&e, pool, (uint16_t)q2, OUT_HOST, 6971, "rtcp rr");
  same(&p, &e);
  /* another server port to the pair finds no pinhole: consumed */
  t_udp(&p, OUT_HOST, 6980, pool, (uint16_t)q, "rtp again");
  assert_int_equal(t_out(s.t, &p, SEC), PINHOLE_VERDICT_DROP);

  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 9, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_NAT64_XLAT, 12, PINHOLE_CNT_PINHOLE_CREATED, 2,
             PINHOLE_CNT_PINHOLE_USED, 2, -1);
  char pd[40], qd[40], q2d[40];
  snprintf(pd, sizeof(pd), "%s:%u", s.a4, s.P);
  snprintf(qd, sizeof(qd), "%s:%u", s.a4, q);
  snprintf(q2d, sizeof(q2d), "%s:%u", s.a4, q2);
  snprintf(want, sizeof(want),
           "Conversation: ALG protocol: rtsp\n"
           "  Number of initiators: 3, Number of responders: 3\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "TCP [2001:db8:1::2]:40554 -> [64:ff9b::c613:2]:8554 Watch    I"
           "          5\n"
           "    NAT64 %s -> 198.19.0.2:8554\n"
           "UDP [2001:db8:1::2]:50000 -> [64:ff9b::c613:2]:6970 Forward  I"
           "          0\n"
           "    NAT64 %s -> 198.19.0.2:6970\n"
           "UDP [2001:db8:1::2]:50001 -> [64:ff9b::c613:2]:6971 Forward  I"
           "          1\n"
           "    NAT64 %s -> 198.19.0.2:6971\n"
           "TCP 198.19.0.2:8554 -> %-23sWatch    O          4\n"
           "    NAT64 [64:ff9b::c613:2]:8554 -> [2001:db8:1::2]:40554\n"
           "UDP 198.19.0.2:6970 -> %-23sForward  O          1\n"
           "    NAT64 [64:ff9b::c613:2]:6970 -> [2001:db8:1::2]:50000\n"
           "UDP 198.19.0.2:6971 -> %-23sForward  O          1\n"
           "    NAT64 [64:ff9b::c613:2]:6971 -> [2001:db8:1::2]:50001\n",
           pd, qd, q2d, pd, qd, q2d);
  t_listing_is(s.t, want);
  /* the ALG's traces name the client's IPv6 endpoint (not 0.0.0.0) */
  char tr[96];
  assert_true(t_has_trace(
      s.t, "rtsp ALG conv=1 parsed [2001:db8:1::2]:50000 \"client_port\""));
  snprintf(tr, sizeof(tr),
           "rtsp ALG conv=1 translated [2001:db8:1::2]:50000 -> %s", qd);
  assert_true(t_has_trace(s.t, tr));
  for (int i = 0; i < s.t->ntraces; i++)
    assert_null(strstr(s.t->traces[i], "0.0.0.0"));
  t_ctx_del(s.t);
}

static void test_nat64_rtsp_session(void **state) {
  (void)state;
  rtsp64_session(PUB, 20000, 20099);
  /* another pool address and a narrow range of four-digit ports: other
   * lengths, other checksum deltas */
  rtsp64_session(IP4(198, 19, 0, 200), 1030, 1039);
}

/* ---- hostile input ------------------------------------------------------ */

#define T_SETUP(tr)                                                            \
  "SETUP rtsp://[64:ff9b::c613:2]:8554/test/stream=0 RTSP/1.0\r\n"             \
  "CSeq: 2\r\nTransport: " tr "\r\n\r\n"
#define T_SETUP4(tr)                                                           \
  "SETUP rtsp://198.19.0.2:8554/test/stream=0 RTSP/1.0\r\n"                    \
  "CSeq: 2\r\nTransport: " tr "\r\n\r\n"

/* A SETUP from the client whose Transport the ALG will not translate:
 * passed (only the Request-URI translated), one ALG error, nothing
 * opened, no mapping but the control connection's. */
static void rtsp64_passed(const char *in, const char *want) {
  rs s;
  rs_open(&s, PUB, 20000, 20099);
  rs_c(&s, in, want);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_NAT64_XLAT, 4, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_RTSP, 1, -1);
  pinhole_usage u;
  t_usage(s.t, &u);
  assert_int_equal(u.mappings, 1);
  t_ctx_del(s.t);
}

/* One that could carry the client's IPv6 address untranslated: dropped
 * (fail closed), counted. */
static void rtsp64_dropped(const char *in) {
  rs s;
  rs_open(&s, PUB, 20000, 20099);
  tpkt p;
  rs_client(&s, &p, in, PINHOLE_VERDICT_DROP);
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_NAT64_XLAT, 4,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_RTSP, 1,
             PINHOLE_CNT_ALG_UNTRANSLATED, 1, -1);
  t_ctx_del(s.t);
}

/* RFC 2326 sec. 12.39 with the ALG contract's policy: a destination=
 * naming another host, a port below 1024 or a client_port range that is
 * no RTP/RTCP pair is counted and passes, opening nothing; a
 * destination= that is no IPv6 address (an IPv4 one, a name, a zone) or
 * a Transport the parser rejects is dropped. */
static void test_nat64_rtsp_hostile_setup(void **state) {
  (void)state;
  rtsp64_passed(T_SETUP("RTP/AVP;unicast;client_port=50000-50001;"
                        "destination=2001:db8:1::99"),
                T_SETUP4("RTP/AVP;unicast;client_port=50000-50001;"
                         "destination=2001:db8:1::99"));
  rtsp64_passed(T_SETUP("RTP/AVP;unicast;client_port=1000-1001"),
                T_SETUP4("RTP/AVP;unicast;client_port=1000-1001"));
  rtsp64_passed(T_SETUP("RTP/AVP;unicast;client_port=50001-50002"),
                T_SETUP4("RTP/AVP;unicast;client_port=50001-50002"));
  rtsp64_dropped(T_SETUP("RTP/AVP;unicast;client_port=50000-50001;"
                         "destination=198.18.0.2"));
  rtsp64_dropped(T_SETUP("RTP/AVP;unicast;client_port=50000-50001;"
                         "destination=\"fe80::2%eth0\""));
  rtsp64_dropped(T_SETUP("RTP/AVP;unicast;client_port=70000-70001;"
                         "destination=2001:db8:1::2"));
  rtsp64_dropped(T_SETUP("RTP/AVP;unicast;client_port=50000-50001;"
                         "destination=2001:db8:1::2;destination=::1"));
  /* the URI of another synthesized host is a name, not translated;
   * interleaved needs nothing */
  rs s;
  rs_open(&s, PUB, 20000, 20099);
  rs_c(&s,
       "SETUP rtsp://[64:ff9b::c613:7]/x RTSP/1.0\r\nCSeq: 2\r\n"
       "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n",
       "SETUP rtsp://[64:ff9b::c613:7]/x RTSP/1.0\r\nCSeq: 2\r\n"
       "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(s.t);
}

/* A header block split across segments: the first piece is held in the
 * context's pool (stream.c, docs/reassembly.md "IPv6 and NAT64 control
 * connections") and the whole SETUP leaves translated with the last,
 * its pinholes opened; the next message is translated at once. */
static void test_nat64_rtsp_split(void **state) {
  (void)state;
  rs s;
  rs_open(&s, PUB, 20000, 20099);
  const char *a = "SETUP rtsp://[64:ff9b::c613:2]:8554/t RTSP/1.0\r\nCSeq: 2"
                  "\r\nTransport: RTP/AVP;unicast;client_";
  const char *b = "port=50000-50001\r\n\r\n";
  tpkt p;
  /* the first piece is held (stream.c on NAT64, docs/reassembly.md) */
  rs_client(&s, &p, a, PINHOLE_VERDICT_HELD);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  s.cin += (uint32_t)strlen(a);
  /* the last one completes it: the whole SETUP leaves translated, from
   * the first piece's sequence number, and its pinholes open */
  rs_client(&s, &p, b, PINHOLE_VERDICT_FORWARD);
  unsigned q1 = 0, q2 = 0;
  assert_int_equal(sscanf(s.last,
                          "SETUP rtsp://198.19.0.2:8554/t RTSP/1.0\r\nCSeq: "
                          "2\r\nTransport: RTP/AVP;unicast;client_port=%u-%u",
                          &q1, &q2),
                   2);
  assert_true(q1 >= 20000 && q1 <= 20098 && q1 % 2 == 0 && q2 == q1 + 1);
  char want[256];
  snprintf(want, sizeof(want),
           "SETUP rtsp://198.19.0.2:8554/t RTSP/1.0\r\nCSeq: 2\r\n"
           "Transport: RTP/AVP;unicast;client_port=%u-%u\r\n\r\n",
           q1, q2);
  s.cin -= (uint32_t)strlen(a);
  char whole[256];
  snprintf(whole, sizeof(whole), "%s%s", a, b);
  rs_client_is(&s, &p, whole, want);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_PINHOLE_CREATED), 2);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_REASM_HELD), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_REASM_COMPLETED), 1);
  /* the next request is whole: translated at once */
  rs_c(&s,
       "OPTIONS rtsp://[64:ff9b::c613:2]:8554/t RTSP/1.0\r\nCSeq: 3\r\n\r\n",
       "OPTIONS rtsp://198.19.0.2:8554/t RTSP/1.0\r\nCSeq: 3\r\n\r\n");
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 0);
  t_ctx_del(s.t);
}

/* The server's side: a source= of another host is counted and left; a
 * Content-Length that lies (more than arrives: the body continues in
 * later segments) leaves the SDP untranslated, counted; a Content-Length
 * that is no number stops parsing the direction (counted), and what
 * follows passes as it is. Nothing from the server is dropped: it names
 * no inside address. */
static void test_nat64_rtsp_hostile_reply(void **state) {
  (void)state;
  rs s;
  rs_open(&s, PUB, 20000, 20099);
  rs_s(&s,
       "RTSP/1.0 200 OK\r\nCSeq: 2\r\n"
       "Transport: RTP/AVP;unicast;source=198.19.0.77;server_port=6970-6971"
       "\r\n\r\n",
       "RTSP/1.0 200 OK\r\nCSeq: 2\r\n"
       "Transport: RTP/AVP;unicast;source=198.19.0.77;server_port=6970-6971"
       "\r\n\r\n");
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_RTSP), 1);
  /* 90 bytes announced, 24 here: the header is translated, the body
   * not */
  const char *lie = "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
                    "Content-Base: rtsp://198.19.0.2/x/\r\n"
                    "Content-Type: application/sdp\r\nContent-Length: 90\r\n"
                    "\r\nv=0\r\nc=IN IP4 198.19.0.2\r\n";
  const char *lie6 = "RTSP/1.0 200 OK\r\nCSeq: 3\r\n"
                     "Content-Base: rtsp://[64:ff9b::c613:2]/x/\r\n"
                     "Content-Type: application/sdp\r\nContent-Length: 90\r\n"
                     "\r\nv=0\r\nc=IN IP4 198.19.0.2\r\n";
  rs_s(&s, lie, lie6);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_RTSP), 2);
  /* the rest of the body (66 bytes) is skipped, not parsed */
  char rest[67];
  memset(rest, 'x', 64);
  memcpy(rest + 64, "\r\n", 3);
  rs_s(&s, rest, rest);
  rs_s(&s, "RTSP/1.0 200 OK\r\nCSeq: 4\r\nContent-Length: 1x\r\n\r\n",
       "RTSP/1.0 200 OK\r\nCSeq: 4\r\nContent-Length: 1x\r\n\r\n");
  rs_s(&s, "RTSP/1.0 200 OK\r\nContent-Base: rtsp://198.19.0.2/\r\n\r\n",
       "RTSP/1.0 200 OK\r\nContent-Base: rtsp://198.19.0.2/\r\n\r\n");
  t_counters(s.t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 7,
             PINHOLE_CNT_NAT64_XLAT, 8, PINHOLE_CNT_ERR_ALG, 3,
             PINHOLE_CNT_ALG_RTSP, 3, PINHOLE_CNT_ALG_DESYNC, 1, -1);
  t_ctx_del(s.t);
}

/* A pool of two ports has one UDP pair: a SETUP with a second spec finds
 * no pair for it and is dropped (fail closed: its ports would reach the
 * server with no mapping behind them). */
static void test_nat64_rtsp_no_port(void **state) {
  (void)state;
  rs s;
  rs_open(&s, PUB, 20000, 20001);
  tpkt p;
  rs_client(&s, &p,
            T_SETUP("RTP/AVP;unicast;client_port=50000-50001,"
                    "RTP/AVP;unicast;client_port=50002-50003"),
            PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_DROP_NAT_PORTS), 1);
  t_ctx_del(s.t);
}

/* An interleaved frame (RFC 2326 sec. 10.12) whose 4-byte header is
 * split across segments, on a connection where nothing is withheld: the
 * ALG keeps the header's first bytes, learns the length from the next
 * segment, skips the frame and translates the reply that follows it. */
static void test_nat64_rtsp_split_frame(void **state) {
  (void)state;
  rs s;
  rs_open(&s, PUB, 20000, 20099);
  char seg[512];
  rs_s(&s, "$\x01", "$\x01");
  memcpy(seg, "\x01\x05", 2);
  memset(seg + 2, 'x', 261);
  seg[263] = '\0';
  char in[600], want[600];
  snprintf(in, sizeof(in),
           "%sRTSP/1.0 200 OK\r\nCSeq: 5\r\n"
           "Content-Base: rtsp://198.19.0.2/t/\r\n\r\n",
           seg);
  snprintf(want, sizeof(want),
           "%sRTSP/1.0 200 OK\r\nCSeq: 5\r\n"
           "Content-Base: rtsp://[64:ff9b::c613:2]/t/\r\n\r\n",
           seg);
  rs_s(&s, in, want);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(s.t, PINHOLE_CNT_ALG_DESYNC), 0);
  t_ctx_del(s.t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nat64_rtsp_session),
      cmocka_unit_test(test_nat64_rtsp_hostile_setup),
      cmocka_unit_test(test_nat64_rtsp_split),
      cmocka_unit_test(test_nat64_rtsp_hostile_reply),
      cmocka_unit_test(test_nat64_rtsp_no_port),
      cmocka_unit_test(test_nat64_rtsp_split_frame),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

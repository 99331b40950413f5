/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The direct TCP paths of core/process.c, each held to the general path
 * (ph_existing, the tracker, pinhole__translate), which a packet with IP
 * options takes: a new TCP connection's first SYN translated directly
 * (ph_tcp_syn_first) when no ALG watches it and its IP header is plain
 * (TCP options or not); and an established connection's segments
 * (ph_tcp_established), one per call and in bursts. The same bytes
 * out, the same connection state, windows, counters, listing and reply
 * translation either way.
 *
 * NAPT from the inside to two public addresses with 24 ports (20000
 * to 20023; paired pooling gives one inside host one of them), so that
 * both an address and the source port change. The window scale a SYN
 * offers is read from hostile option lists too (core/tcp.h
 * ph_tcp_syn_wscale: each way the walk stops or steps over). Expected
 * packets are built here with their checksums summed here (RFC 1071),
 * not by the library; the translation's address and port are the ones
 * the output carries, checked to be the pool's.
 */
#include "helpers.h"

#include "core/ctx.h"
#include "core/engine.h"

#define TCP PINHOLE_IPPROTO_TCP
#define FWD PINHOLE_VERDICT_FORWARD
#define PUB_A IP4(198, 19, 0, 1)
#define PUB_B IP4(198, 19, 0, 2)
#define SRV IP4(198, 19, 0, 9)
#define PORT_LO 20000u
#define PORT_HI 20023u
#define SYN PINHOLE_TCP_SYN
#define ACK PINHOLE_TCP_ACK

/* The one's-complement sum of n bytes (RFC 1071), unfolded, from s. */
static uint32_t x_sum(const uint8_t *p, size_t n, uint32_t s) {
  for (size_t i = 0; i + 1 < n; i += 2)
    s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1)
    s += (uint32_t)p[n - 1] << 8;
  return s;
}

static uint16_t x_fold(uint32_t s) {
  while (s >> 16)
    s = (s & 0xffffu) + (s >> 16);
  return (uint16_t)~s;
}

/* A TCP segment as the test expects it, both checksums summed here: an
 * IP header of 20 + iopt bytes (its options NOPs), a TCP header of 20 +
 * olen bytes (opts), plen bytes of payload 'a', 'b', ...; the IP
 * identification 0x1234 and TTL 64 that the helpers' packets carry.
 * Returns its length. */
static size_t x_seg(uint8_t *b, size_t iopt, uint32_t src, uint16_t sport,
                    uint32_t dst, uint16_t dport, uint32_t seq, uint32_t ack,
                    uint8_t flags, uint16_t win, const uint8_t *opts,
                    size_t olen, size_t plen) {
  size_t ihl = 20 + iopt, hl = 20 + olen, len = ihl + hl + plen;
  memset(b, 0, len);
  b[0] = (uint8_t)(0x40 | ihl / 4);
  t_put16(b + 2, (uint16_t)len);
  t_put16(b + 4, 0x1234);
  b[8] = 64;
  b[9] = TCP;
  t_put32(b + 12, src);
  t_put32(b + 16, dst);
  memset(b + 20, 1, iopt); /* NOP */
  t_put16(b + 10, x_fold(x_sum(b, ihl, 0)));
  uint8_t *h = b + ihl;
  t_put16(h, sport);
  t_put16(h + 2, dport);
  t_put32(h + 4, seq);
  t_put32(h + 8, ack);
  h[12] = (uint8_t)((hl / 4) << 4);
  h[13] = flags;
  t_put16(h + 14, win);
  if (olen)
    memcpy(h + 20, opts, olen);
  for (size_t i = 0; i < plen; i++)
    h[hl + i] = (uint8_t)('a' + i);
  uint32_t s = x_sum(b + 12, 8, 0) + TCP + (uint32_t)(hl + plen);
  t_put16(h + 16, x_fold(x_sum(h, hl + plen, s)));
  return len;
}

/* x_seg into a tpkt the library takes. */
static void x_pkt(tpkt *p, size_t iopt, uint32_t src, uint16_t sport,
                  uint32_t dst, uint16_t dport, uint32_t seq, uint32_t ack,
                  uint8_t flags, uint16_t win, const uint8_t *opts, size_t olen,
                  size_t plen) {
  p->p.data = p->b;
  p->p.len = (uint32_t)x_seg(p->b, iopt, src, sport, dst, dport, seq, ack,
                             flags, win, opts, olen, plen);
  p->p.cap = sizeof(p->b);
}

/* The pool on addresses alo..ahi, ports lo..hi. */
static tctx *x_ctx_ports(uint32_t alo, uint32_t ahi, uint32_t lo, uint32_t hi) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.flags &= ~(uint32_t)PINHOLE_CFG_DROP_IP_OPTIONS; /* ihl > 5 passes */
  return t_ctx_pool(&cfg, alo, ahi, (uint16_t)lo, (uint16_t)hi);
}

static tctx *x_ctx(void) {
  return x_ctx_ports(PUB_A, PUB_B, PORT_LO, PORT_HI);
}

/* The connection of inside tuple IN_HOST:sport -> SRV:80, found from
 * side A. */
static ph_conn *x_conn(tctx *t, uint16_t sport) {
  int dir = -1;
  ph_conn *c = pinhole__conn_lookup(
      t->ctx, TCP, IN_HOST, SRV, sport, 80,
      ph_ft_hash(&t->ctx->ft, TCP, IN_HOST, SRV, sport, 80), &dir);
  assert_non_null(c);
  assert_int_equal(dir, 0);
  return c;
}

/* One first SYN and its whole handshake. */
typedef struct x_case {
  const char *what;
  size_t iopt;         /* IP option bytes */
  const uint8_t *opts; /* TCP options */
  size_t olen;
  size_t plen; /* SYN payload */
  uint16_t win;
  uint8_t ws; /* the window scale the SYN offers, 0xff none */
} x_case;

static const uint8_t mss[4] = {2, 4, 0x05, 0xb4};
static const uint8_t wscale[4] = {1, 3, 3, 7};
static const uint8_t wscale15[4] = {3, 3, 15, 0}; /* past 14: taken as 14 */
/* what a Linux SYN carries: MSS, SACK permitted, timestamps, window scale */
static const uint8_t linux_opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 1,
                                       2, 3, 0,    0,    0, 0, 1, 3,  3, 7};

/* hostile option bytes: the tracker's walk (tcp.c) stops at the end of
 * the list (EOL), at a length below 2 and at an option that has no
 * length byte or runs past the header; it skips NOPs and options of
 * other kinds or of another length; the first window scale of length 3
 * counts */
static const uint8_t ws_len0[4] = {3, 0, 7, 1};
static const uint8_t ws_len1[4] = {1, 3, 1, 7};
static const uint8_t ws_past[4] = {1, 1, 3, 4};
static const uint8_t ws_nolen[4] = {1, 1, 1, 3};
static const uint8_t ws_after_eol[8] = {0, 2, 3, 3, 7, 0, 0, 0};
static const uint8_t ws_twice[8] = {3, 3, 5, 1, 3, 3, 9, 0};
static const uint8_t ws_len4_then3[8] = {3, 4, 9, 9, 3, 3, 6, 0};
static const uint8_t ws_after_unknown[8] = {254, 2, 1, 3, 3, 8, 0, 0};
static const uint8_t ws_after_bad_mss[8] = {2, 1, 3, 3, 7, 1, 1, 1};
static const uint8_t ws_after_long[8] = {8, 5, 0, 0, 0, 3, 3, 2};

static const x_case cases[] = {
    {"plain: direct", 0, NULL, 0, 0, 64240, 0xff},
    {"with data: direct", 0, NULL, 0, 5, 29200, 0xff},
    {"window 0: direct", 0, NULL, 0, 0, 0, 0xff},
    {"MSS option: direct", 0, mss, 4, 0, 64240, 0xff},
    {"window scale: direct", 0, wscale, 4, 0, 64240, 7},
    {"window scale 15: direct", 0, wscale15, 4, 0, 1000, 14},
    {"Linux options and data: direct", 0, linux_opts, 20, 3, 64240, 7},
    {"ihl 6: general", 4, NULL, 0, 0, 64240, 0xff},
    {"ihl 6, window scale: general", 4, wscale, 4, 0, 64240, 7},
    {"ihl 6, Linux options: general", 4, linux_opts, 20, 0, 64240, 7},
    {"window scale of length 0: none", 0, ws_len0, 4, 0, 64240, 0xff},
    {"window scale of length 1: none", 0, ws_len1, 4, 0, 64240, 0xff},
    {"window scale past the header: none", 0, ws_past, 4, 0, 64240, 0xff},
    {"kind 3 without a length: none", 0, ws_nolen, 4, 0, 64240, 0xff},
    {"window scale after EOL: none", 0, ws_after_eol, 8, 0, 64240, 0xff},
    {"window scale twice: the first", 0, ws_twice, 8, 0, 64240, 5},
    {"kind 3 of length 4, then 3: the second", 0, ws_len4_then3, 8, 0, 64240,
     6},
    {"after an unknown option and a NOP", 0, ws_after_unknown, 8, 0, 64240, 8},
    {"after an option of length 1: none", 4, ws_after_bad_mss, 8, 0, 64240,
     0xff},
    {"after an option of length 5", 0, ws_after_long, 8, 0, 64240, 2},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* The SYN of case k, from IN_HOST:5000 + k: its bytes out exactly as
 * the translation to the output's public endpoint gives them, and the
 * state it leaves (tcp.c ph_syn in state PH_TCP_NONE). */
static void x_syn(tctx *t, unsigned k, uint32_t *pa, uint16_t *pp) {
  const x_case *x = &cases[k];
  uint16_t sport = (uint16_t)(5000 + k);
  uint32_t seq = 0xfffffffeu - k; /* the SYN with data ends past 2^32 */
  tpkt p;
  x_pkt(&p, x->iopt, IN_HOST, sport, SRV, 80, seq, 0, SYN, x->win, x->opts,
        x->olen, x->plen);
  int vd = t_in(t, &p, SEC);
  if (vd != FWD)
    fail_msg("%s: verdict %d", x->what, vd);
  size_t l4 = 20 + x->iopt;
  *pa = t_get32(p.b + 12);
  *pp = t_get16(p.b + l4);
  assert_true(*pa == PUB_A || *pa == PUB_B);
  assert_true(*pp >= PORT_LO && *pp <= PORT_HI);
  uint8_t want[128];
  size_t n = x_seg(want, x->iopt, *pa, *pp, SRV, 80, seq, 0, SYN, x->win,
                   x->opts, x->olen, x->plen);
  assert_int_equal(p.p.len, n);
  assert_memory_equal(p.b, want, n);

  ph_conn *c = x_conn(t, sport);
  assert_int_equal(c->tcp_state, PH_TCP_SYN_SENT);
  assert_int_equal(c->flags, PH_CONN_LIVE | PH_CONN_HALF_OPEN);
  assert_int_equal(c->frames[0], 1);
  assert_int_equal(c->frames[1], 0);
  assert_int_equal(c->bytes[0], n);
  assert_int_equal(c->bytes[1], 0);
  const ph_tcpw *w = ph_tcpw_of(t->ctx, c);
  assert_int_equal(w->d[0].end, (uint32_t)(seq + 1 + x->plen));
  assert_int_equal(w->d[0].ack, seq + 1);
  assert_int_equal(ph_tw_maxwin(&w->d[0]), x->win ? x->win : 1);
  assert_int_equal(ph_tw_scale(&w->d[0]), x->ws == 0xff ? 0 : x->ws);
  assert_int_equal(w->d[0].flags, PH_TW_SEEN | (x->ws == 0xff ? 0 : PH_TW_WS));
  static const ph_tcp_dir none;
  assert_memory_equal(&w->d[1], &none, sizeof(none));
}

/* The answer SYN-ACK to case k's SYN and the opener's ACK, each
 * translated exactly. */
static void x_handshake(tctx *t, unsigned k, uint32_t pa, uint16_t pp) {
  const x_case *x = &cases[k];
  uint16_t sport = (uint16_t)(5000 + k);
  uint32_t seq = 0xfffffffeu - k, end = seq + 1 + (uint32_t)x->plen;
  tpkt p;
  uint8_t want[128];
  x_pkt(&p, 0, SRV, 80, pa, pp, 7000, end, SYN | ACK, 8192, wscale, 4, 0);
  assert_int_equal(t_out(t, &p, 2 * SEC), FWD);
  size_t n = x_seg(want, 0, SRV, 80, IN_HOST, sport, 7000, end, SYN | ACK, 8192,
                   wscale, 4, 0);
  assert_memory_equal(p.b, want, n);
  x_pkt(&p, 0, IN_HOST, sport, SRV, 80, end, 7001, ACK, 500, NULL, 0, 0);
  assert_int_equal(t_in(t, &p, 2 * SEC), FWD);
  n = x_seg(want, 0, pa, pp, SRV, 80, end, 7001, ACK, 500, NULL, 0, 0);
  assert_memory_equal(p.b, want, n);
  assert_int_equal(x_conn(t, sport)->tcp_state, PH_TCP_ESTABLISHED);
}

/* One listing row pair of a plain conversation (core/listing.c's
 * columns), appended at *o. */
static void x_row(char **o, size_t *left, uint16_t sport, uint32_t pa,
                  uint16_t pp, unsigned fi, unsigned fo) {
  char flow[64], ep[32];
  int n;
  snprintf(ep, sizeof(ep), "198.19.0.%u:%u", (unsigned)(pa & 0xff),
           (unsigned)pp);
  n = snprintf(*o, *left,
               "Conversation: ALG protocol: none\n"
               "  Number of initiators: 1, Number of responders: 1\n"
               "Flow                                          State "
               "   Dir  Frm count\n");
  *o += n, *left -= (size_t)n;
  snprintf(flow, sizeof(flow), "TCP 198.18.0.2:%u -> 198.19.0.9:80",
           (unsigned)sport);
  n = snprintf(*o, *left,
               "%-46sForward  I    %7u\n"
               "    NAT source 198.18.0.2:%u -> %s\n",
               flow, fi, (unsigned)sport, ep);
  *o += n, *left -= (size_t)n;
  snprintf(flow, sizeof(flow), "TCP 198.19.0.9:80 -> %s", ep);
  n = snprintf(*o, *left,
               "%-46sForward  O    %7u\n"
               "    NAT dest %s -> 198.18.0.2:%u\n",
               flow, fo, ep, (unsigned)sport);
  *o += n, *left -= (size_t)n;
}

/* Every case's SYN, then every handshake: bytes, state, half-open
 * count, counters and listing exact at each step. */
static void test_synfirst_same_as_general(void **state) {
  (void)state;
  tctx *t = x_ctx();
  uint32_t pa[NCASES];
  uint16_t pp[NCASES];
  pinhole_usage u;
  for (unsigned k = 0; k < NCASES; k++) {
    x_syn(t, k, &pa[k], &pp[k]);
    t_usage(t, &u);
    assert_int_equal(u.half_open, k + 1);
    assert_int_equal(u.flows, k + 1);
  }
  assert_int_equal(u.mappings, NCASES);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, (int)NCASES, -1);
  char want[8192], *o = want;
  size_t left = sizeof(want);
  for (unsigned k = 0; k < NCASES; k++)
    x_row(&o, &left, (uint16_t)(5000 + k), pa[k], pp[k], 1, 0);
  t_listing_is(t, want);

  for (unsigned k = 0; k < NCASES; k++)
    x_handshake(t, k, pa[k], pp[k]);
  t_usage(t, &u);
  assert_int_equal(u.half_open, 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, (int)NCASES, PINHOLE_CNT_EXIST_ACCEPT,
             (int)(2 * NCASES), -1);
  o = want;
  left = sizeof(want);
  for (unsigned k = 0; k < NCASES; k++)
    x_row(&o, &left, (uint16_t)(5000 + k), pa[k], pp[k], 2, 1);
  t_listing_is(t, want);
  t_ctx_del(t);
}

/* The half-open limit holds for direct first SYNs as for the others:
 * the SYN past it is refused and counted, and the count is back to the
 * limit's when one of them is answered. */
static void test_synfirst_half_open_limit(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_half_open = 2;
  tctx *t = t_ctx_pool(&cfg, PUB_A, PUB_B, PORT_LO, PORT_HI);
  tpkt p;
  uint32_t pa = 0;
  uint16_t pp = 0;
  for (unsigned k = 0; k < 3; k++) {
    x_pkt(&p, 0, IN_HOST, (uint16_t)(5000 + k), SRV, 80, 100, 0, SYN, 1000,
          NULL, 0, 0);
    assert_int_equal(t_in(t, &p, SEC), k < 2 ? FWD : PINHOLE_VERDICT_DROP);
    if (k == 0) {
      pa = t_get32(p.b + 12);
      pp = t_get16(p.b + 20);
    }
  }
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_SYN_DEFENSE, 1, -1);
  x_pkt(&p, 0, SRV, 80, pa, pp, 7000, 101, SYN | ACK, 8192, NULL, 0, 0);
  assert_int_equal(t_out(t, &p, 2 * SEC), FWD);
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.half_open, 2); /* SYN_RCVD is half-open still */
  x_pkt(&p, 0, IN_HOST, 5000, SRV, 80, 101, 7001, ACK, 1000, NULL, 0, 0);
  assert_int_equal(t_in(t, &p, 2 * SEC), FWD);
  t_usage(t, &u);
  assert_int_equal(u.half_open, 1);
  t_ctx_del(t);
}

/* RFC 5382 REQ-8, hairpinning: an inside host's first SYN to another
 * inside host's public mapping (a direct first SYN) reaches it from its
 * own public endpoint, verdict HAIRPIN, and the SYN-ACK goes back the
 * same way. */
static void test_synfirst_hairpin(void **state) {
  (void)state;
  tctx *t = x_ctx();
  const uint32_t b = IP4(198, 18, 0, 3);
  tpkt p;
  uint8_t want[128];
  x_pkt(&p, 0, b, 7777, SRV, 80, 500, 0, SYN, 1000, NULL, 0, 0);
  assert_int_equal(t_in(t, &p, SEC), FWD);
  uint32_t pb = t_get32(p.b + 12);
  uint16_t qb = t_get16(p.b + 20);
  x_pkt(&p, 0, IN_HOST, 6666, pb, qb, 900, 0, SYN, 2000, wscale, 4, 0);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HAIRPIN);
  uint32_t pa = t_get32(p.b + 12);
  uint16_t qa = t_get16(p.b + 20);
  assert_true(pa == PUB_A || pa == PUB_B);
  assert_true(qa >= PORT_LO && qa <= PORT_HI && qa != qb);
  size_t n = x_seg(want, 0, pa, qa, b, 7777, 900, 0, SYN, 2000, wscale, 4, 0);
  assert_memory_equal(p.b, want, n);
  x_pkt(&p, 0, b, 7777, pa, qa, 4000, 901, SYN | ACK, 3000, NULL, 0, 0);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_HAIRPIN);
  n = x_seg(want, 0, pb, qb, IN_HOST, 6666, 4000, 901, SYN | ACK, 3000, NULL, 0,
            0);
  assert_memory_equal(p.b, want, n);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1, -1);
  t_ctx_del(t);
}

/* ---- established segments (process.c ph_tcp_established) ------------- */

#define PSH PINHOLE_TCP_PSH
#define FIN PINHOLE_TCP_FIN
#define RST PINHOLE_TCP_RST
#define DROP PINHOLE_VERDICT_DROP
#define CI 0xfffff000u /* the client's ISN: its numbers wrap past 2^32 */
#define SI 0x10000000u /* the server's */

/* A segment of the established scenario: from the client (inside) or
 * the server, sent on its own side or (wrong) on the other. */
typedef struct y_step {
  const char *what;
  int from_srv, wrong_side;
  uint32_t seq, ack;
  uint8_t flags;
  uint16_t win;
  const uint8_t *opts;
  size_t olen, plen;
  int verdict;
} y_step;

/* NOP, NOP, timestamps (RFC 7323 sec. 3) */
static const uint8_t tsopt[12] = {1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0};

/* After the handshake (tcp.c): the client's windows end CI + 1, its
 * maxwin 502 << 7, it acknowledged SI + 1; the server's end SI + 1,
 * maxwin 8192 (a SYN's is never scaled), scale 3, it acknowledged
 * CI + 1. */
static const y_step steps[] = {
    {"client data", 0, 0, CI + 1, SI + 1, PSH | ACK, 502, NULL, 0, 100, FWD},
    /* 2000 << 3 = 16000 > 8192: the server's maxwin grows, scaled */
    {"server pure ACK, window grows", 1, 0, SI + 1, CI + 101, ACK, 2000, NULL,
     0, 0, FWD},
    {"server data", 1, 0, SI + 1, CI + 101, PSH | ACK, 2000, NULL, 0, 50, FWD},
    /* bound I: past the server's ack CI + 101 plus its window 16000 */
    {"client beyond the window", 0, 0, CI + 101 + 16000 + 1, SI + 51, ACK, 502,
     NULL, 0, 10, DROP},
    /* bound IV holds (66000 back from SI + 51); the ack does not move */
    {"client old ACK", 0, 0, CI + 101, SI - 5, ACK, 502, NULL, 0, 0, FWD},
    {"client ACK too old", 0, 0, CI + 101, SI + 51 - 66000 - 1, ACK, 502, NULL,
     0, 0, DROP},
    /* bound III: the server sent up to SI + 51 */
    {"client ACK of unsent data", 0, 0, CI + 101, SI + 52, ACK, 502, NULL, 0, 0,
     DROP},
    {"client data with timestamps", 0, 0, CI + 101, SI + 51, PSH | ACK, 502,
     tsopt, 12, 20, FWD},
    /* bound II: ends before the server's end less the client's window */
    {"server segment long acknowledged", 1, 0, SI + 51 - 64256 - 100, CI + 121,
     ACK, 2000, NULL, 0, 10, DROP},
    {"client segment on the outside", 0, 1, CI + 121, SI + 51, ACK, 502, NULL,
     0, 0, DROP},
    {"server FIN", 1, 0, SI + 51, CI + 121, FIN | ACK, 2000, NULL, 0, 0, FWD},
    {"client ACK of the FIN (FIN_WAIT)", 0, 0, CI + 121, SI + 52, ACK, 502,
     NULL, 0, 0, FWD},
    {"client RST", 0, 0, CI + 121, 0, RST, 0, NULL, 0, 0, FWD},
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

/* The ways the scenario is sent: one per call with a plain IP header
 * (the direct path), one per call with 4 bytes of IP options (the
 * general path), in bursts (each run of steps from one side in one
 * pinhole_process_burst call) with a plain header. */
enum { Y_DIRECT, Y_GENERAL, Y_BURST, Y_WAYS };

typedef struct y_run {
  tctx *t;
  size_t iopt;
  uint32_t pa; /* the client's public endpoint */
  uint16_t pp;
  int verdict[NSTEPS];
  uint8_t out[NSTEPS][256];
  size_t len[NSTEPS];
  ph_tcpw after[NSTEPS]; /* one per call only */
} y_run;

/* Step k's packet as it arrives (from the server: to the client's public
 * endpoint). */
static void y_pkt(const y_run *r, unsigned k, uint16_t sport, tpkt *p) {
  const y_step *x = &steps[k];
  if (x->from_srv)
    x_pkt(p, r->iopt, SRV, 80, r->pa, r->pp, x->seq, x->ack, x->flags, x->win,
          x->opts, x->olen, x->plen);
  else
    x_pkt(p, r->iopt, IN_HOST, sport, SRV, 80, x->seq, x->ack, x->flags, x->win,
          x->opts, x->olen, x->plen);
}

/* The handshake with window scales (the client offers 7, the server 3),
 * one per call, then every step the run's way. */
static void y_scenario(y_run *r, int way, uint32_t alo, uint32_t ahi,
                       uint32_t lo, uint32_t hi, uint16_t sport) {
  tpkt p;
  r->t = x_ctx_ports(alo, ahi, lo, hi);
  r->iopt = way == Y_GENERAL ? 4 : 0;
  x_pkt(&p, r->iopt, IN_HOST, sport, SRV, 80, CI, 0, SYN, 64240, wscale, 4, 0);
  assert_int_equal(t_in(r->t, &p, SEC), FWD);
  r->pa = t_get32(p.b + 12);
  r->pp = t_get16(p.b + 20 + r->iopt);
  static const uint8_t ws3[4] = {1, 3, 3, 3};
  x_pkt(&p, r->iopt, SRV, 80, r->pa, r->pp, SI, CI + 1, SYN | ACK, 8192, ws3, 4,
        0);
  assert_int_equal(t_out(r->t, &p, SEC), FWD);
  x_pkt(&p, r->iopt, IN_HOST, sport, SRV, 80, CI + 1, SI + 1, ACK, 502, NULL, 0,
        0);
  assert_int_equal(t_in(r->t, &p, SEC), FWD);
  ph_conn *c = x_conn(r->t, sport);
  assert_int_equal(c->tcp_state, PH_TCP_ESTABLISHED);
  const ph_tcpw *w = ph_tcpw_of(r->t->ctx, c);
  assert_int_equal(ph_tw_maxwin(&w->d[0]), 502u << 7);
  assert_int_equal(ph_tw_maxwin(&w->d[1]), 8192);
  assert_int_equal(ph_tw_scale(&w->d[1]), 3);

  for (unsigned k = 0; k < NSTEPS;) {
    tpkt b[NSTEPS];
    pinhole_pkt bp[NSTEPS];
    uint8_t vd[NSTEPS];
    int side = steps[k].from_srv ^ steps[k].wrong_side;
    unsigned n = 1;
    if (way == Y_BURST)
      while (k + n < NSTEPS &&
             (steps[k + n].from_srv ^ steps[k + n].wrong_side) == side)
        n++;
    for (unsigned i = 0; i < n; i++) {
      y_pkt(r, k + i, sport, &b[i]);
      bp[i] = b[i].p;
    }
    if (way == Y_BURST) {
      pinhole_process_burst(r->t->ctx, bp, n,
                            side ? PINHOLE_SIDE_OUTSIDE : PINHOLE_SIDE_INSIDE,
                            3 * SEC, vd);
      for (unsigned i = 0; i < n; i++)
        r->verdict[k + i] = vd[i];
    } else {
      r->verdict[k] = pinhole_process(
          r->t->ctx, &bp[0], side ? PINHOLE_SIDE_OUTSIDE : PINHOLE_SIDE_INSIDE,
          3 * SEC);
      r->after[k] = *ph_tcpw_of(r->t->ctx, c);
    }
    for (unsigned i = 0; i < n; i++) {
      r->len[k + i] = bp[i].len;
      memcpy(r->out[k + i], b[i].b, bp[i].len);
    }
    k += n;
  }
}

/* What step k leaves as: forwarded, translated (the checksums summed
 * here); dropped, unchanged. */
static void y_want(const y_run *r, unsigned k, uint16_t sport, uint8_t *want,
                   size_t *n) {
  const y_step *x = &steps[k];
  if (x->verdict == DROP) {
    tpkt p;
    y_pkt(r, k, sport, &p);
    *n = p.p.len;
    memcpy(want, p.b, *n);
  } else if (x->from_srv) {
    *n = x_seg(want, r->iopt, SRV, 80, IN_HOST, sport, x->seq, x->ack, x->flags,
               x->win, x->opts, x->olen, x->plen);
  } else {
    *n = x_seg(want, r->iopt, r->pa, r->pp, SRV, 80, x->seq, x->ack, x->flags,
               x->win, x->opts, x->olen, x->plen);
  }
}

/* The scenario sent the three ways from inside port sport, the pool's
 * ports lo..hi: each way's bytes exact; the windows after each step, the
 * connection's state and counts and every counter the same each way,
 * and the windows as the four bounds give them. Returns the client's
 * public port (the direct way's). */
static uint16_t y_same_each_way(uint32_t alo, uint32_t ahi, uint32_t lo,
                                uint32_t hi, uint16_t sport) {
  static y_run r[Y_WAYS];
  for (int way = 0; way < Y_WAYS; way++) {
    y_scenario(&r[way], way, alo, ahi, lo, hi, sport);
    for (unsigned k = 0; k < NSTEPS; k++) {
      uint8_t want[256];
      size_t n;
      y_want(&r[way], k, sport, want, &n);
      if (r[way].verdict[k] != steps[k].verdict)
        fail_msg("way %d, %s: verdict %d", way, steps[k].what,
                 r[way].verdict[k]);
      assert_int_equal(r[way].len[k], n);
      if (memcmp(r[way].out[k], want, n) != 0)
        fail_msg("way %d, %s: bytes differ", way, steps[k].what);
    }
  }
  /* one per call: the windows after each step the same either way, and
   * unchanged by a dropped segment */
  for (unsigned k = 0; k < NSTEPS; k++) {
    if (memcmp(&r[Y_DIRECT].after[k], &r[Y_GENERAL].after[k],
               sizeof(ph_tcpw)) != 0)
      fail_msg("%s: the windows differ", steps[k].what);
    if (k > 0 && steps[k].verdict == DROP)
      assert_memory_equal(&r[Y_DIRECT].after[k], &r[Y_DIRECT].after[k - 1],
                          sizeof(ph_tcpw));
  }
  const ph_tcpw *w1 = &r[Y_DIRECT].after[1];
  assert_int_equal(ph_tw_maxwin(&w1->d[1]), 16000); /* grown, scale 3 */
  assert_int_equal(w1->d[1].ack, CI + 101);
  assert_int_equal(r[Y_DIRECT].after[4].d[0].ack, SI + 1); /* not moved */
  const ph_tcpw *w = &r[Y_DIRECT].after[NSTEPS - 1];
  assert_int_equal(w->d[0].end, CI + 121);
  assert_int_equal(w->d[0].ack, SI + 52);
  assert_int_equal(ph_tw_maxwin(&w->d[0]), 502u << 7);
  assert_int_equal(ph_tw_scale(&w->d[0]), 7);
  assert_int_equal(w->d[0].flags, PH_TW_SEEN | PH_TW_ACKED | PH_TW_WS);
  assert_int_equal(w->d[1].end, SI + 52);
  assert_int_equal(w->d[1].ack, CI + 121);
  assert_int_equal(ph_tw_maxwin(&w->d[1]), 16000);
  assert_int_equal(ph_tw_scale(&w->d[1]), 3);
  assert_int_equal(w->d[1].flags, PH_TW_SEEN | PH_TW_ACKED | PH_TW_WS);

  ph_conn *c[Y_WAYS];
  for (int way = 0; way < Y_WAYS; way++)
    c[way] = x_conn(r[way].t, sport);
  /* forwarded: the client's 3 handshake SYN and ACK, 5 steps; the
   * server's SYN-ACK, 3 steps */
  assert_int_equal(c[Y_DIRECT]->frames[0], 7);
  assert_int_equal(c[Y_DIRECT]->frames[1], 4);
  assert_int_equal(c[Y_DIRECT]->bytes[0], 44 + 40 + 140 + 40 + 72 + 40 + 40);
  assert_int_equal(c[Y_DIRECT]->bytes[1], 44 + 40 + 90 + 40);
  for (int way = 0; way < Y_WAYS; way++) {
    assert_int_equal(c[way]->tcp_state, PH_TCP_CLOSED);
    assert_int_equal(c[way]->last_seen, c[Y_DIRECT]->last_seen);
    assert_memory_equal(ph_tcpw_of(r[way].t->ctx, c[way]),
                        &r[Y_DIRECT].after[NSTEPS - 1], sizeof(ph_tcpw));
    for (int d = 0; d < 2; d++) {
      assert_int_equal(c[way]->frames[d], c[Y_DIRECT]->frames[d]);
      assert_int_equal(c[way]->bytes[d],
                       c[Y_DIRECT]->bytes[d] + r[way].iopt * c[way]->frames[d]);
    }
    /* 5 drops: 4 outside the windows, 1 on the wrong side */
    t_counters(r[way].t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT,
               2 + 8, PINHOLE_CNT_EXIST_DISCARD, 5, PINHOLE_CNT_ERR_TCP, 4,
               PINHOLE_CNT_TCP_FLAGS, 4, -1);
  }
  uint16_t pp = r[Y_DIRECT].pp;
  for (int way = 0; way < Y_WAYS; way++) {
    assert_int_equal(r[way].pa, r[Y_DIRECT].pa);
    assert_int_equal(r[way].pp, pp);
    t_ctx_del(r[way].t);
  }
  return pp;
}

/* The pool's ports 20000 to 20023: the client's port 5000 changes. */
static void test_established_port_changed(void **state) {
  (void)state;
  uint16_t pp = y_same_each_way(PUB_A, PUB_B, PORT_LO, PORT_HI, 5000);
  assert_true(pp >= PORT_LO && pp <= PORT_HI);
}

/* The pool's ports 1024 to 65535: the client's port 40000 is kept, only
 * the address changes; to PUB_B (198.18.0.2 to PUB_A, 198.19.0.1, leaves
 * the checksums' sum as it was). */
static void test_established_port_kept(void **state) {
  (void)state;
  assert_int_equal(y_same_each_way(PUB_B, PUB_B, 1024, 65535, 40000), 40000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_synfirst_same_as_general),
      cmocka_unit_test(test_synfirst_half_open_limit),
      cmocka_unit_test(test_synfirst_hairpin),
      cmocka_unit_test(test_established_port_changed),
      cmocka_unit_test(test_established_port_kept),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

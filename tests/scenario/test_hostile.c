/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hostile input, class by class. Each test feeds the class to a context
 * that already carries an established TCP connection and asserts: a
 * counted drop (the exact counters) or a clean ALG error, no pinhole, and
 * an unchanged context for the other flows (the established connection
 * keeps forwarding both ways with correct checksums, the tables hold what
 * they held before).
 */
#include "helpers.h"

#define BIG_CAP (65535u + 64u)

/* The bystander connection: IN_HOST:30000 <-> OUT_HOST:80. */
typedef struct bystander {
  uint16_t pub;
  uint32_t cseq, sseq;
} bystander;

static pinhole_usage usage(tctx *t) {
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  return u;
}

static void by_open(tctx *t, bystander *b) {
  tpkt p;
  b->cseq = 1000;
  b->sseq = 9000;
  t_tcp(&p, IN_HOST, 30000, OUT_HOST, 80, b->cseq, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b->pub = t_get16(p.b + 20);
  b->cseq++;
  t_tcp(&p, OUT_HOST, 80, PUB, b->pub, b->sseq, b->cseq,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b->sseq++;
  t_tcp(&p, IN_HOST, 30000, OUT_HOST, 80, b->cseq, b->sseq, PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
}

/* The bystander still forwards both ways, translated, checksums right. */
static void by_check(tctx *t, bystander *b, uint64_t now) {
  tpkt p;
  t_tcp(&p, IN_HOST, 30000, OUT_HOST, 80, b->cseq, b->sseq,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, "GET / HTTP/1.0\r\n\r\n");
  assert_int_equal(t_in(t, &p, now), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 12), PUB);
  assert_int_equal(t_get16(p.b + 20), b->pub);
  t_check_cksums(&p);
  b->cseq += 18;
  t_tcp(&p, OUT_HOST, 80, PUB, b->pub, b->sseq, b->cseq,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, "HTTP/1.0 200 OK\r\n\r\n");
  assert_int_equal(t_out(t, &p, now), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 16), IN_HOST);
  assert_int_equal(t_get16(p.b + 22), 30000);
  t_check_cksums(&p);
  b->sseq += 19;
}

/* Same table occupancy as before. */
static void same_usage(tctx *t, const pinhole_usage *before) {
  pinhole_usage u = usage(t);
  assert_int_equal(u.flows, before->flows);
  assert_int_equal(u.conversations, before->conversations);
  assert_int_equal(u.mappings, before->mappings);
  assert_int_equal(u.pinholes, before->pinholes);
  assert_int_equal(u.watch, before->watch);
  assert_int_equal(u.half_open, before->half_open);
}

static void ip_ck(uint8_t *b) {
  size_t ihl = (size_t)(b[0] & 15) * 4;
  t_put16(b + 10, 0);
  t_put16(b + 10, pinhole_cksum(b, ihl));
}

static uint64_t err_groups(tctx *t) {
  return t_cnt(t, PINHOLE_CNT_ERR_IP) + t_cnt(t, PINHOLE_CNT_ERR_TCP) +
         t_cnt(t, PINHOLE_CNT_ERR_UDP) + t_cnt(t, PINHOLE_CNT_ERR_ICMP) +
         t_cnt(t, PINHOLE_CNT_ERR_NON_IP);
}

/* A 60-byte TCP SYN with 20 bytes of options (MSS, SACK-permitted,
 * timestamps, NOP, window scale). */
static void syn60(tpkt *p) {
  t_tcp(p, IN_HOST, 41000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  static const uint8_t opts[20] = {2, 4, 5, 180, 4, 2, 8, 10, 0, 0,
                                   0, 1, 0, 0,   0, 0, 1, 3,  3, 7};
  memcpy(p->b + 40, opts, 20);
  p->b[32] = 10 << 4;
  t_put16(p->b + 2, 60);
  p->p.len = 60;
  t_fix(p);
}

/* ---- truncation and lengths ----------------------------------------- */

/* Every prefix of a valid packet, with the IP total length left at 60
 * (buffer shorter than the header says) and with it matching the buffer:
 * each is one counted error, never a flow. */
static void test_hostile_truncated_every_length(void **state) {
  (void)state;
  tctx *t = t_ctx();
  bystander by;
  by_open(t, &by);
  pinhole_usage before = usage(t);
  uint64_t errs = 0;
  for (size_t len = 0; len < 60; len++) {
    for (int consistent = 0; consistent < 2; consistent++) {
      tpkt p;
      syn60(&p);
      if (consistent && len >= 20) {
        t_put16(p.b + 2, (uint16_t)len);
        ip_ck(p.b);
      }
      p.p.len = (uint32_t)len;
      assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
      errs++;
      if (err_groups(t) != errs)
        fail_msg("length %zu (%s): not one counted error", len,
                 consistent ? "consistent" : "short buffer");
    }
  }
  same_usage(t, &before);
  /* the exact split: shorter than 20 is a minimum header failure, 20..59
   * against a total length of 60 an IP length error; consistent lengths
   * 20..39 leave no room for the TCP header, 40..59 no room for its
   * options */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_NON_IP), 2); /* length 0 */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_IP_MIN_HDR), 2 * 19);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_IP_LEN), 40);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_HDR_LEN), 40);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_IP), 2 * 19 + 40);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_TCP), 40);
  by_check(t, &by, 2 * SEC);
  /* the whole packet is fine */
  tpkt p;
  syn60(&p);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_check_cksums(&p);
  t_ctx_del(t);
}

static void test_hostile_ip_total_length(void **state) {
  (void)state;
  tctx *t = t_ctx();
  bystander by;
  by_open(t, &by);
  pinhole_usage before = usage(t);
  tpkt p;
  /* larger than the buffer */
  t_udp(&p, IN_HOST, 42000, OUT_HOST, 37, "query");
  t_put16(p.b + 2, 34);
  ip_ck(p.b);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_put16(p.b + 2, 65535);
  ip_ck(p.b);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* smaller than the IP header */
  t_put16(p.b + 2, 19);
  ip_ck(p.b);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_IP_LEN), 3);
  /* smaller than the buffer but covering the UDP datagram: link padding,
   * cut off */
  t_udp(&p, IN_HOST, 42000, OUT_HOST, 37, "query");
  memset(p.b + 33, 0xee, 13);
  p.p.len = 46;
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.p.len, 33);
  t_check_cksums(&p);
  /* smaller than the buffer and cutting the UDP datagram short */
  t_udp(&p, IN_HOST, 42001, OUT_HOST, 37, "query");
  t_put16(p.b + 2, 30);
  ip_ck(p.b);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_UDP_LEN), 1);
  pinhole_usage u = usage(t);
  assert_int_equal(u.flows, before.flows + 1); /* the padded datagram */
  assert_int_equal(u.pinholes, 0);
  by_check(t, &by, SEC);
  t_ctx_del(t);
}

static void test_hostile_ihl_short(void **state) {
  (void)state;
  tctx *t = t_ctx();
  bystander by;
  by_open(t, &by);
  pinhole_usage before = usage(t);
  for (uint8_t ihl = 0; ihl < 5; ihl++) {
    tpkt p;
    t_udp(&p, IN_HOST, 42000, OUT_HOST, 37, "query");
    p.b[0] = (uint8_t)(0x40 | ihl);
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  }
  /* IHL 15 (60 bytes) in a 33-byte and a 40-byte buffer */
  tpkt p;
  t_udp(&p, IN_HOST, 42000, OUT_HOST, 37, "query");
  p.b[0] = 0x4f;
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_udp(&p, IN_HOST, 42000, OUT_HOST, 37, "query");
  p.b[0] = 0x4f;
  t_put16(p.b + 2, 40);
  p.p.len = 40;
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_ERR_IP, 7, PINHOLE_CNT_IP_MIN_HDR, 7, -1);
  same_usage(t, &before);
  by_check(t, &by, SEC);
  t_ctx_del(t);
}

/* An IP option whose length runs past the header, with and without the
 * drop-options policy; and a TCP data offset beyond the segment. */
static void test_hostile_options_past_header(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  for (int policy = 0; policy < 2; policy++) {
    cfg.flags = policy ? PINHOLE_CFG_DROP_IP_OPTIONS : 0;
    tctx *t = t_ctx_cfg(&cfg);
    bystander by;
    by_open(t, &by);
    pinhole_usage before = usage(t);
    static const uint8_t bad[][8] = {
        {0x07, 0x09, 0x04, 0x00, 0, 0, 0, 0}, /* RR, length 9 > 8 left */
        {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x44}, /* TS, no len */
        {0x83, 0x01, 0, 0, 0, 0, 0, 0}, /* LSRR, length 1 < 2 */
        {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x82, 0x0b}, /* length 11 */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
      tpkt p;
      t_udp(&p, IN_HOST, 42000, OUT_HOST, 37, "q");
      memmove(p.b + 28, p.b + 20, 9);
      memcpy(p.b + 20, bad[i], 8);
      p.b[0] = 0x47;
      t_put16(p.b + 2, 37);
      p.p.len = 37;
      ip_ck(p.b);
      assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
    }
    /* TCP data offset 15 (60 bytes) in a 40-byte segment, and 6 in 20 */
    tpkt p;
    t_tcp(&p, IN_HOST, 42000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN,
          "01234567890123456789");
    p.b[32] = 0xf0;
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
    t_tcp(&p, IN_HOST, 42000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
    p.b[32] = 0x60;
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
    t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
               PINHOLE_CNT_ERR_IP, 4, PINHOLE_CNT_IP_UNKNOWN, 4,
               PINHOLE_CNT_ERR_TCP, 2, PINHOLE_CNT_TCP_HDR_LEN, 2, -1);
    same_usage(t, &before);
    by_check(t, &by, SEC);
    t_ctx_del(t);
  }
}

/* ---- ICMP errors ------------------------------------------------------ */

static void test_hostile_icmp_error_quotes(void **state) {
  (void)state;
  tctx *t = t_ctx();
  bystander by;
  by_open(t, &by);
  pinhole_usage before = usage(t);
  /* what the outside host received from the bystander */
  tpkt q;
  t_tcp(&q, PUB, by.pub, OUT_HOST, 80, by.cseq, by.sseq, PINHOLE_TCP_ACK,
        "data");
  tpkt e;
  /* truncated quotes: 0..27 bytes (header + 8 needed) */
  for (size_t qlen = 0; qlen < 28; qlen++) {
    memset(e.b, 0, sizeof(e.b));
    t_ip(e.b, 28 + qlen, 1, OUT_HOST, PUB);
    e.b[20] = 3;
    e.b[21] = 1;
    memcpy(e.b + 28, q.b, qlen);
    t_put16(e.b + 22, pinhole_cksum(e.b + 20, 8 + qlen));
    ip_ck(e.b);
    e.p.data = e.b;
    e.p.len = (uint32_t)(28 + qlen);
    e.p.cap = sizeof(e.b);
    assert_int_equal(t_out(t, &e, SEC), PINHOLE_VERDICT_DROP);
  }
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ICMP_ERR_LEN), 28);
  /* a quoted header claiming options that were not quoted */
  t_icmp_err(&e, OUT_HOST, PUB, 3, 1, q.b, 28);
  e.b[28] = 0x4f;
  memset(e.b + 22, 0, 2);
  t_put16(e.b + 22, pinhole_cksum(e.b + 20, 8 + 28));
  assert_int_equal(t_out(t, &e, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ICMP_ERR_LEN), 29);
  /* an error quoting an error quoting the bystander: never answered */
  tpkt inner;
  t_icmp_err(&inner, OUT_HOST, PUB, 3, 1, q.b, 28);
  t_icmp_err(&e, IP4(198, 19, 0, 9), OUT_HOST, 11, 0, inner.b, 28);
  assert_int_equal(t_out(t, &e, SEC), PINHOLE_VERDICT_DROP);
  /* and one quoting an error that appears to come from the gateway */
  t_icmp_err(&inner, PUB, OUT_HOST, 3, 3, q.b, 28);
  t_icmp_err(&e, OUT_HOST, PUB, 3, 1, inner.b, 56);
  assert_int_equal(t_out(t, &e, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ICMP), 31);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ICMP_ERR_LEN), 31);
  same_usage(t, &before);
  /* an error with the shortest legal quote is translated back */
  t_icmp_err(&e, OUT_HOST, PUB, 3, 4, q.b, 28);
  assert_int_equal(t_out(t, &e, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(e.b + 16), IN_HOST);
  assert_int_equal(t_get32(e.b + 28 + 12), IN_HOST);
  assert_int_equal(t_get16(e.b + 48), 30000);
  t_check_cksums(&e);
  by_check(t, &by, SEC);
  t_ctx_del(t);
}

/* ---- ALG payloads ----------------------------------------------------- */

/* A TCP segment with a payload of plen bytes in a 64 KB buffer. */
static void big_tcp(pinhole_pkt *pk, uint8_t *b, uint32_t src, uint16_t sport,
                    uint32_t dst, uint16_t dport, uint32_t seq, uint32_t ack,
                    const uint8_t *payload, size_t plen) {
  size_t total = 40 + plen;
  t_ip(b, total, 6, src, dst);
  uint8_t *h = b + 20;
  memset(h, 0, 20);
  t_put16(h, sport);
  t_put16(h + 2, dport);
  t_put32(h + 4, seq);
  t_put32(h + 8, ack);
  h[12] = 5 << 4;
  h[13] = PINHOLE_TCP_ACK | PINHOLE_TCP_PSH;
  t_put16(h + 14, 65535);
  memcpy(h + 20, payload, plen);
  pk->data = b;
  pk->len = (uint32_t)total;
  pk->cap = BIG_CAP;
  pinhole_pkt_view v;
  ip_ck(b);
  assert_int_equal(pinhole_pkt_parse(b, total, &v), 0);
  pinhole_pkt_fix_cksums(b, &v);
}

static void big_udp(pinhole_pkt *pk, uint8_t *b, uint32_t src, uint16_t sport,
                    uint32_t dst, uint16_t dport, const uint8_t *payload,
                    size_t plen) {
  size_t total = 28 + plen;
  t_ip(b, total, 17, src, dst);
  t_put16(b + 20, sport);
  t_put16(b + 22, dport);
  t_put16(b + 24, (uint16_t)(8 + plen));
  t_put16(b + 26, 1);
  memcpy(b + 28, payload, plen);
  pk->data = b;
  pk->len = (uint32_t)total;
  pk->cap = BIG_CAP;
  pinhole_pkt_view v;
  ip_ck(b);
  assert_int_equal(pinhole_pkt_parse(b, total, &v), 0);
  pinhole_pkt_fix_cksums(b, &v);
}

enum { FILL_DIGITS, FILL_COMMAS, FILL_NUL, FILL_LONG_LINE, FILL_COUNT };

static size_t fill(uint8_t *pl, int kind, const char *prefix) {
  size_t max = 65535 - 40; /* the largest TCP payload */
  size_t n = kind == FILL_LONG_LINE ? max : 1400;
  size_t pre = strlen(prefix);
  memcpy(pl, prefix, pre);
  uint8_t c = kind == FILL_DIGITS ? '9' : kind == FILL_COMMAS ? ',' : 0;
  if (kind == FILL_LONG_LINE)
    c = '1';
  memset(pl + pre, c, n - pre);
  if (kind == FILL_LONG_LINE) {
    pl[n - 2] = '\r';
    pl[n - 1] = '\n';
  }
  return n;
}

/* Each hostile payload on a fresh control connection of the ALG: the
 * packet is forwarded unchanged or dropped, never a pinhole, and the
 * bystander is untouched. Returns the ALG error count. */
static void alg_payloads(uint16_t port, const char *const *prefixes,
                         size_t nprefixes, int udp) {
  uint8_t *b = malloc(BIG_CAP), *pl = malloc(65536), *orig = malloc(BIG_CAP);
  assert_non_null(b);
  assert_non_null(pl);
  assert_non_null(orig);
  for (size_t pi = 0; pi < nprefixes; pi++) {
    for (int kind = 0; kind < FILL_COUNT; kind++) {
      tctx *t = t_ctx();
      bystander by;
      by_open(t, &by);
      uint16_t cport = 43000, pub = 0;
      uint32_t seq = 100;
      if (!udp) {
        tpkt p;
        t_tcp(&p, IN_HOST, cport, OUT_HOST, port, seq - 1, 0, PINHOLE_TCP_SYN,
              NULL);
        assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
        pub = t_get16(p.b + 20);
        uint32_t syn = port == 21 ? 5000 - T_FTP_GREETING_LEN : 5000;
        t_tcp(&p, OUT_HOST, port, PUB, pub, syn, seq,
              PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
        assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
        if (port == 21)
          t_ftp_greet(t, OUT_HOST, PUB, pub, 5001, seq);
      }
      size_t n = fill(pl, kind, prefixes[pi]);
      if (udp && n > 65535 - 28)
        n = 65535 - 28;
      pinhole_pkt pk;
      if (udp)
        big_udp(&pk, b, IN_HOST, cport, OUT_HOST, port, pl, n);
      else
        big_tcp(&pk, b, IN_HOST, cport, OUT_HOST, port, seq, 5001, pl, n);
      memcpy(orig, b, pk.len);
      uint32_t olen = pk.len;
      int v = pinhole_process(t->ctx, &pk, PINHOLE_SIDE_INSIDE, SEC);
      assert_true(v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_DROP ||
                  v == PINHOLE_VERDICT_HELD);
      if (v == PINHOLE_VERDICT_HELD) /* all of it may begin a message */
        assert_true(t_has_trace(t, "bytes held"));
      if (v == PINHOLE_VERDICT_FORWARD) {
        /* the payload went through untouched (only addresses changed), or
         * a TCP stream ALG withheld a tail that may begin a message: then
         * what went is a prefix, and the cut was traced */
        size_t off = udp ? 28 : 40;
        if (pk.len != olen) {
          assert_false(udp);
          assert_true(pk.len < olen);
          assert_true(t_has_trace(t, "bytes held"));
        }
        assert_memory_equal(b + off, orig + off, pk.len - off);
        pinhole_pkt_view vw;
        assert_int_equal(pinhole_pkt_parse(b, pk.len, &vw), 0);
        assert_int_equal(pinhole_pkt_l4_cksum_ok(b, &vw), 1);
      } else if (v == PINHOLE_VERDICT_DROP) {
        assert_true(t_cnt(t, PINHOLE_CNT_EXIST_DISCARD) +
                        t_cnt(t, PINHOLE_CNT_NEW_DISCARD) >=
                    1);
      }
      pinhole_usage u = usage(t);
      if (u.pinholes != 0)
        fail_msg("port %u prefix %zu fill %d: a pinhole was opened",
                 (unsigned)port, pi, kind);
      assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
      /* errors are counted per ALG only */
      assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG),
                       t_cnt(t, PINHOLE_CNT_ALG_FTP) +
                           t_cnt(t, PINHOLE_CNT_ALG_RTSP) +
                           t_cnt(t, PINHOLE_CNT_ALG_SIP));
      by_check(t, &by, 2 * SEC);
      t_ctx_del(t);
    }
  }
  free(b);
  free(pl);
  free(orig);
}

static void test_hostile_ftp_payloads(void **state) {
  (void)state;
  static const char *const prefixes[] = {"", "PORT ", "EPRT |1|",
                                         "227 Entering Passive Mode ("};
  alg_payloads(21, prefixes, 4, 0);
}

static void test_hostile_rtsp_payloads(void **state) {
  (void)state;
  static const char *const prefixes[] = {
      "", "SETUP rtsp://198.19.0.2/s RTSP/1.0\r\nCSeq: 1\r\nTransport: ",
      "SETUP rtsp://198.19.0.2/s RTSP/1.0\r\nContent-Length: "};
  alg_payloads(554, prefixes, 3, 0);
}

static void test_hostile_sip_payloads(void **state) {
  (void)state;
  static const char *const prefixes[] = {
      "", "INVITE sip:b@198.19.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP ",
      "INVITE sip:b@198.19.0.2 SIP/2.0\r\nContent-Length: 10\r\n\r\nm=audio "};
  alg_payloads(5060, prefixes, 3, 0);
  alg_payloads(5060, prefixes, 3, 1);
}

/* ---- numbers out of range --------------------------------------------- */

/* An FTP control connection, inside client to OUT_HOST:21 (seq 100,
 * server seq 5000). */
static uint16_t ftp_open(tctx *t) {
  tpkt p;
  t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, 99, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t pub = t_get16(p.b + 20);
  t_tcp(&p, OUT_HOST, 21, PUB, pub, 4999 - T_FTP_GREETING_LEN, 100,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_ftp_greet(t, OUT_HOST, PUB, pub, 5000, 100);
  return pub;
}

/* PINHOLE_CFG_ALG_PASS_UNTRANSLATED: the operator chose to let a message
 * the ALG cannot translate pass, counted as an ALG error only. */
static void test_hostile_fail_open_by_choice(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 1024;
  cfg.max_pinholes = 64;
  cfg.max_watch = 64;
  cfg.seed = 7;
  cfg.flags |= PINHOLE_CFG_ALG_PASS_UNTRANSLATED;
  tctx *t = t_ctx_cfg(&cfg);
  uint16_t pub = ftp_open(t);
  (void)pub;
  tpkt p;
  const char *bad = "PORT 198,18,0,2,1,4294967296\r\n";
  t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, 100, 5000, PINHOLE_TCP_ACK, bad);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_memory_equal(p.b + 40, bad, strlen(bad));
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_FTP), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
  t_ctx_del(t);
}

static void test_hostile_numbers_overflow(void **state) {
  (void)state;
  static const char *const client[] = {
      "PORT 198,18,0,2,4294967297,1\r\n",
      "PORT 198,18,0,2,1,4294967296\r\n",
      "PORT 4294967494,18,0,2,4,1\r\n",
      "PORT 198,18,0,2,99999999999999999999999,1\r\n",
      "EPRT |1|198.18.0.2|4294967297|\r\n",
      "EPRT |1|198.18.0.2|65536|\r\n"};
  static const char *const server[] = {
      "227 Entering Passive Mode (198,19,0,2,4294967297,1)\r\n",
      "227 Entering Passive Mode (198,19,0,2,256,1)\r\n",
      "229 Entering Extended Passive Mode (|||4294967297|)\r\n"};
  tctx *t = t_ctx();
  bystander by;
  by_open(t, &by);
  uint16_t pub = ftp_open(t);
  uint32_t cseq = 100, sseq = 5000;
  tpkt p;
  /* fail closed: a malformed command naming the client's inside address
   * must not leave (each is resent at the same place in the stream, as a
   * client would after a drop); one naming no inside address passes */
  size_t refused = 0;
  for (size_t i = 0; i < sizeof(client) / sizeof(client[0]); i++) {
    t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, cseq, sseq, PINHOLE_TCP_ACK,
          client[i]);
    int names_inside = strstr(client[i], "198,18,0,2,") != NULL ||
                       strstr(client[i], "198.18.0.2|") != NULL;
    assert_int_equal(t_in(t, &p, SEC), names_inside ? PINHOLE_VERDICT_DROP
                                                    : PINHOLE_VERDICT_FORWARD);
    if (names_inside) {
      refused++;
      continue;
    }
    assert_memory_equal(p.b + 40, client[i], strlen(client[i]));
    cseq += (uint32_t)strlen(client[i]);
  }
  assert_int_equal(refused, 5);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 5);
  for (size_t i = 0; i < sizeof(server) / sizeof(server[0]); i++) {
    t_tcp(&p, OUT_HOST, 21, PUB, pub, sseq, cseq, PINHOLE_TCP_ACK, server[i]);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    sseq += (uint32_t)strlen(server[i]);
  }
  assert_int_equal(usage(t).pinholes, 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_FTP), 9);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 9);
  /* the control connection still works: a good PORT opens its pinhole */
  t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, cseq, sseq, PINHOLE_TCP_ACK,
        "PORT 198,18,0,2,195,80\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(usage(t).pinholes, 1);
  by_check(t, &by, SEC);
  t_ctx_del(t);

  /* SDP ports out of range */
  static const char *const sdp[] = {
      "m=audio 4294967336 RTP/AVP 0\r\n", "m=audio 65536 RTP/AVP 0\r\n",
      "m=audio 99999999999999999999 RTP/AVP 0\r\n",
      "m=audio 40000/4294967297 RTP/AVP 0\r\n"};
  for (size_t i = 0; i < sizeof(sdp) / sizeof(sdp[0]); i++) {
    t = t_ctx();
    by_open(t, &by);
    char body[256], msg[768];
    snprintf(body, sizeof(body),
             "v=0\r\no=- 1 1 IN IP4 198.18.0.2\r\ns=-\r\n"
             "c=IN IP4 198.18.0.2\r\nt=0 0\r\n%s",
             sdp[i]);
    snprintf(msg, sizeof(msg),
             "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
             "Via: SIP/2.0/UDP 198.18.0.2:5060;branch=z9hG4bK1\r\n"
             "Call-ID: x@198.18.0.2\r\nCSeq: 1 INVITE\r\n"
             "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    t_udp(&p, IN_HOST, 5060, OUT_HOST, 5060, msg);
    /* fail closed: the SDP names the inside address and cannot be
     * translated, so the INVITE does not leave */
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
    assert_int_equal(usage(t).pinholes, 0);
    if (t_cnt(t, PINHOLE_CNT_ALG_SIP) != 1)
      fail_msg("SDP \"%s\": %llu SIP errors", sdp[i],
               (unsigned long long)t_cnt(t, PINHOLE_CNT_ALG_SIP));
    by_check(t, &by, SEC);
    t_ctx_del(t);
  }
}

/* Content-Length 2^31, 2^32 and -1 in SIP (UDP and TCP) and RTSP. */
static void test_hostile_content_length(void **state) {
  (void)state;
  static const char *const lens[] = {"2147483648", "4294967296", "-1",
                                     "18446744073709551617"};
  for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
    for (int which = 0; which < 3; which++) {
      tctx *t = t_ctx();
      bystander by;
      by_open(t, &by);
      char msg[512];
      tpkt p;
      if (which == 2) {
        snprintf(msg, sizeof(msg),
                 "SETUP rtsp://198.19.0.2/s RTSP/1.0\r\nCSeq: 1\r\n"
                 "Transport: RTP/AVP;unicast;client_port=50000-50001\r\n"
                 "Content-Length: %s\r\n\r\n",
                 lens[i]);
      } else {
        snprintf(msg, sizeof(msg),
                 "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
                 "Via: SIP/2.0/%s 198.18.0.2:5060;branch=z9hG4bK1\r\n"
                 "Call-ID: x@198.18.0.2\r\nCSeq: 1 INVITE\r\n"
                 "Content-Type: application/sdp\r\nContent-Length: %s\r\n\r\n"
                 "v=0\r\nc=IN IP4 198.18.0.2\r\nm=audio 40000 RTP/AVP 0\r\n",
                 which ? "TCP" : "UDP", lens[i]);
      }
      uint16_t port = which == 2 ? 554 : 5060;
      if (which == 0) {
        /* the datagram's length disagrees: it names the inside address and
         * cannot be translated, so it does not leave (fail closed) */
        t_udp(&p, IN_HOST, 5060, OUT_HOST, 5060, msg);
        assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
        assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
      } else {
        t_tcp(&p, IN_HOST, 43000, OUT_HOST, port, 99, 0, PINHOLE_TCP_SYN, NULL);
        assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
        uint16_t pub = t_get16(p.b + 20);
        uint32_t syn = port == 21 ? 4999 - T_FTP_GREETING_LEN : 4999;
        t_tcp(&p, OUT_HOST, port, PUB, pub, syn, 100,
              PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
        assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
        if (port == 21)
          t_ftp_greet(t, OUT_HOST, PUB, pub, 5000, 100);
        t_tcp(&p, IN_HOST, 43000, OUT_HOST, port, 100, 5000,
              PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, msg);
        int v = t_in(t, &p, SEC);
        assert_true(v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_DROP);
      }
      /* a length the message does not have is an error, never a pinhole
       * for the media it describes */
      if (usage(t).pinholes != 0)
        fail_msg("Content-Length %s (%s): pinhole opened", lens[i],
                 which == 2 ? "RTSP"
                 : which    ? "SIP/TCP"
                            : "SIP/UDP");
      uint64_t errs =
          t_cnt(t, which == 2 ? PINHOLE_CNT_ALG_RTSP : PINHOLE_CNT_ALG_SIP);
      if (errs != 1)
        fail_msg("Content-Length %s (%s): %llu ALG errors", lens[i],
                 which == 2 ? "RTSP"
                 : which    ? "SIP/TCP"
                            : "SIP/UDP",
                 (unsigned long long)errs);
      by_check(t, &by, SEC);
      t_ctx_del(t);
    }
  }
}

/* ---- bounds ----------------------------------------------------------- */

static void test_hostile_pinholes_per_conversation_bound(void **state) {
  (void)state;
  tctx *t = t_ctx(); /* max_pinholes_per_conv = 8 (default) */
  bystander by;
  by_open(t, &by);
  ftp_open(t);
  uint32_t cseq = 100;
  tpkt p;
  char cmd[64];
  for (int i = 0; i < 9; i++) {
    int n = snprintf(cmd, sizeof(cmd), "PORT 198,18,0,2,195,%d\r\n", 80 + i);
    t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, cseq, 5000, PINHOLE_TCP_ACK, cmd);
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
    cseq += (uint32_t)n;
  }
  assert_int_equal(usage(t).pinholes, 8);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 13,
             PINHOLE_CNT_PINHOLE_CREATED, 8, PINHOLE_CNT_DROP_PINHOLE_FULL, 1,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_FTP, 1, -1);
  assert_true(t_has_trace(t, "pinhole limit reached"));
  /* the refused one left no mapping behind: control + bystander + 8 */
  assert_int_equal(usage(t).mappings, 10);
  by_check(t, &by, SEC);
  t_ctx_del(t);
}

/* The FTP control connection expires while its pinholes are pending and
 * its data connection is busy: the pinholes go with it, the data
 * connection lives on in its conversation until its own timeout. Run
 * under ASan to prove no use after free. */
static void test_hostile_parent_expires_first(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.tcp_est_timeout_s = 60;
  cfg.pinhole_timeout_ms = 3600 * 1000; /* outlive the parent */
  tctx *t = t_ctx_cfg(&cfg);
  bystander by;
  by_open(t, &by);
  uint16_t cpub = ftp_open(t);
  tpkt p;
  t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, 100, 5000, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, 100, 5000, PINHOLE_TCP_ACK,
        "PORT 198,18,0,2,195,80\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, 124, 5000, PINHOLE_TCP_ACK,
        "PORT 198,18,0,2,195,81\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t dpub = 0;
  assert_int_equal(usage(t).pinholes, 2);
  /* find the first pinhole's port from the trace */
  for (int i = 0; i < t->ntraces && !dpub; i++) {
    const char *m = strstr(t->traces[i], "pinhole created TCP 198.19.0.2:0 -> "
                                         "198.19.0.1:");
    if (m)
      dpub = (uint16_t)atoi(m + strlen("pinhole created TCP 198.19.0.2:0 -> "
                                       "198.19.0.1:"));
  }
  assert_true(dpub != 0);
  /* the server's data connection through the first pinhole */
  t_tcp(&p, OUT_HOST, 20, PUB, dpub, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, IN_HOST, 50000, OUT_HOST, 20, 8000, 7001,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, OUT_HOST, 20, PUB, dpub, 7001, 8001, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(usage(t).pinholes, 1);
  /* the data connection and the bystander stay busy; the control
   * connection goes quiet */
  uint32_t dseq = 7001;
  for (uint64_t s = 10; s <= 200; s += 10) {
    t_tcp(&p, OUT_HOST, 20, PUB, dpub, dseq, 8001,
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, "data data data");
    assert_int_equal(t_out(t, &p, s * SEC), PINHOLE_VERDICT_FORWARD);
    dseq += 14;
    by_check(t, &by, s * SEC);
    pinhole_tick(t->ctx, s * SEC);
  }
  /* the control connection expired and took its pending pinhole */
  pinhole_usage u = usage(t);
  assert_int_equal(u.pinholes, 0);
  assert_int_equal(u.flows, 2); /* bystander + data */
  assert_int_equal(u.watch, 0);
  assert_int_equal(u.conversations, 2);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), 1);
  /* the control connection's tuple is gone: a late segment is refused */
  t_tcp(&p, OUT_HOST, 21, PUB, cpub, 5000, 148, PINHOLE_TCP_ACK, "226 x\r\n");
  assert_int_equal(t_out(t, &p, 201 * SEC), PINHOLE_VERDICT_DROP);
  /* the orphaned data connection still forwards and lists */
  t_tcp(&p, OUT_HOST, 20, PUB, dpub, dseq, 8001,
        PINHOLE_TCP_ACK | PINHOLE_TCP_FIN, NULL);
  assert_int_equal(t_out(t, &p, 201 * SEC), PINHOLE_VERDICT_FORWARD);
  t_check_cksums(&p);
  char *l = t_listing(t);
  assert_non_null(strstr(l, "198.19.0.2:20"));
  assert_null(strstr(l, ":21 "));
  free(l);
  /* and everything goes in the end */
  pinhole_tick(t->ctx, 100000 * SEC);
  u = usage(t);
  assert_int_equal(u.flows + u.conversations + u.mappings + u.pinholes, 0);
  t_ctx_del(t);
}

/* The flow table filled to its last slot, then a SYN flood: every SYN is
 * refused and counted, the table and the established flows stay. */
static void test_hostile_full_table_syn_flood(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 32;
  cfg.max_half_open = 1000; /* so the flood reaches the table limit */
  tctx *t = t_ctx_cfg(&cfg);
  bystander by;
  by_open(t, &by);
  tpkt p;
  for (uint16_t i = 0; i < 31; i++) {
    t_udp(&p, IN_HOST, (uint16_t)(20000 + i), OUT_HOST, 37, "q");
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  }
  pinhole_usage full = usage(t);
  assert_int_equal(full.flows, 32);
  for (uint32_t i = 0; i < 2000; i++) {
    uint32_t src = IP4(198, 18, (i >> 8) & 0xff, 10 + (i & 0x7f));
    t_tcp(&p, src, (uint16_t)(1024 + i), OUT_HOST, 80, i * 7919u, 0,
          PINHOLE_TCP_SYN, NULL);
    assert_int_equal(t_in(t, &p, SEC + i), PINHOLE_VERDICT_DROP);
    /* from the outside too (no rule: counted as such) */
    t_tcp(&p, OUT_HOST, (uint16_t)(1024 + i), PUB, (uint16_t)(2000 + i), i, 0,
          PINHOLE_TCP_SYN, NULL);
    assert_int_equal(t_out(t, &p, SEC + i), PINHOLE_VERDICT_DROP);
  }
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_FLOW_FULL), 2000);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_DROP_NO_RULE), 2000);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_NEW_DISCARD), 4000);
  same_usage(t, &full);
  by_check(t, &by, 3 * SEC);
  /* the UDP flows still answer */
  t_udp(&p, OUT_HOST, 37, PUB, 20030, "a");
  assert_int_equal(t_out(t, &p, 3 * SEC), PINHOLE_VERDICT_FORWARD);
  /* once they expire the table takes new connections again */
  pinhole_tick(t->ctx, 400 * SEC);
  t_tcp(&p, IN_HOST, 44000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 400 * SEC), PINHOLE_VERDICT_FORWARD);
  t_ctx_del(t);
}

/* A command split across segments whose rest never comes: held (the
 * same bytes resent are duplicates: only their ACKs go on), then, after
 * hold_timeout_ms, given
 * up: the client's address is translated, so passing the line unparsed
 * could leak it, and its direction is closed to data (fail closed); no
 * pinhole, and the bystander is not touched. */
static void test_hostile_split_command_never_completed(void **state) {
  (void)state;
  tctx *t = t_ctx();
  bystander by;
  by_open(t, &by);
  ftp_open(t);
  tpkt p;
  for (int i = 0; i < 3; i++) {
    t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, 100, 5000, PINHOLE_TCP_ACK,
          "PORT 198,18,0,2,");
    assert_int_equal(t_in(t, &p, SEC + (uint64_t)i * SEC),
                     PINHOLE_VERDICT_HELD);
  }
  assert_int_equal(usage(t).pinholes, 0);
  t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, 116, 5000, PINHOLE_TCP_ACK,
        "195,80\r\nPORT 198,18,0,2,195,81\r\n");
  assert_int_equal(t_in(t, &p, 5 * SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "split message timed out: dropped"));
  assert_int_equal(usage(t).pinholes, 0);
  assert_false(t_has_trace(t, "parsed 198.18.0.2"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 7,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_RESENT, 2, PINHOLE_CNT_REASM_TIMEOUT, 1,
             PINHOLE_CNT_ALG_UNTRANSLATED, 1, -1);
  by_check(t, &by, 5 * SEC);
  t_ctx_del(t);
}

/* A reject rule never answers an RST (no RST storms between two
 * gateways), answers a stray ACK with an RST that carries its ACK as SEQ
 * (RFC 793 reset generation), and answers UDP with an ICMP unreachable
 * quoting at most the header and 8 bytes. */
static void test_hostile_reject_answers(void **state) {
  (void)state;
  tctx *t = t_ctx();
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "reject-all-out");
  r.side = PINHOLE_SIDE_OUTSIDE;
  r.action = PINHOLE_ACTION_REJECT;
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  tpkt p;
  t_tcp(&p, OUT_HOST, 50000, PUB, 80, 77, 99, PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(t->nemitted, 0);
  t_tcp(&p, OUT_HOST, 50000, PUB, 80, 77, 0xdeadbeef, PINHOLE_TCP_ACK, "x");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(t->nemitted, 1);
  assert_int_equal(t->emitted_len, 40);
  assert_int_equal(t_get32(t->emitted + 24), 0xdeadbeef);
  assert_int_equal(t->emitted[33], PINHOLE_TCP_RST);
  assert_int_equal(t_get32(t->emitted + 16), OUT_HOST);
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(t->emitted, t->emitted_len, &v), 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(t->emitted, &v), 1);
  uint8_t big[1400];
  memset(big, 'u', sizeof(big));
  t_udp_n(&p, OUT_HOST, 50000, PUB, 37, big, sizeof(big));
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_REJECT);
  assert_int_equal(t->nemitted, 2);
  assert_int_equal(t->emitted_len, 20 + 8 + 28);
  assert_int_equal(pinhole_pkt_parse(t->emitted, t->emitted_len, &v), 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(t->emitted, &v), 1);
  t_counters(t, PINHOLE_CNT_NEW_REJECT, 3, -1);
  assert_int_equal(usage(t).flows, 0);
  t_ctx_del(t);
}

/* The SYN defense bound holds for a tuple reopened after an RST too (a
 * SYN/RST cycle on old tuples must not grow the half-open count). */
static void test_hostile_syn_defense_reopened_tuple(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.max_half_open = 2;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  t_tcp(&p, IN_HOST, 45000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, IN_HOST, 45001, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, IN_HOST, 45000, OUT_HOST, 80, 2, 0, PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(usage(t).half_open, 1);
  t_tcp(&p, IN_HOST, 45002, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(usage(t).half_open, 2);
  /* the closed tuple's new SYN would be a third half-open connection */
  t_tcp(&p, IN_HOST, 45000, OUT_HOST, 80, 1000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(usage(t).half_open, 2);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_DROP_SYN_DEFENSE, 1, -1);
  /* below the bound it reopens */
  t_tcp(&p, IN_HOST, 45001, OUT_HOST, 80, 2, 0, PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, IN_HOST, 45000, OUT_HOST, 80, 1000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(usage(t).half_open, 2);
  t_ctx_del(t);
}

/* Bounds other than flows: the watch table (ALG-inspected connections)
 * and the conversation records, which only ALG sessions take (a plain
 * connection is a conversation of its own without one). The connection
 * that does not fit is refused and counted, with nothing left half-made;
 * plain connections go on past max_conversations. */
static void test_hostile_watch_and_conversation_tables_full(void **state) {
  (void)state;
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 16;
  cfg.max_watch = 1;
  cfg.max_conversations = 2;
  tctx *t = t_ctx_cfg(&cfg);
  bystander by;
  by_open(t, &by); /* conversation 1, plain: no record */
  ftp_open(t);     /* conversation 2, a record and the one watch slot */
  pinhole_usage before = usage(t);
  assert_int_equal(before.alg_conversations, 1);
  tpkt p;
  t_tcp(&p, IN_HOST, 43001, OUT_HOST, 21, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "watch table full"));
  same_usage(t, &before);
  assert_int_equal(usage(t).alg_conversations, 1);
  /* plain connections take no record: past max_conversations */
  for (uint16_t port = 43002; port < 43005; port++) {
    t_udp(&p, IN_HOST, port, OUT_HOST, 37, "q");
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  }
  assert_int_equal(usage(t).conversations, 5);
  assert_int_equal(usage(t).alg_conversations, 1);
  assert_false(t_has_event(t, "conversation table full"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 5, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_FLOW_FULL, 1, -1);
  by_check(t, &by, SEC);
  t_ctx_del(t);

  /* records full while watch slots are free: the ALG session is refused */
  cfg.max_watch = 2;
  cfg.max_conversations = 1;
  t = t_ctx_cfg(&cfg);
  by_open(t, &by);
  ftp_open(t);
  before = usage(t);
  t_tcp(&p, IN_HOST, 43001, OUT_HOST, 21, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "conversation table full"));
  same_usage(t, &before);
  t_udp(&p, IN_HOST, 43002, OUT_HOST, 37, "q");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_FLOW_FULL, 1, -1);
  by_check(t, &by, SEC);
  t_ctx_del(t);
}

/* IP protocols the gateway does not translate (GRE, ESP, SCTP, IPv6 in
 * IPv4): no rule applies, counted, nothing created. */
static void test_hostile_other_protocols(void **state) {
  (void)state;
  tctx *t = t_ctx();
  bystander by;
  by_open(t, &by);
  pinhole_usage before = usage(t);
  static const uint8_t protos[] = {47, 50, 132, 41};
  for (size_t i = 0; i < sizeof(protos); i++) {
    tpkt p;
    t_udp(&p, IN_HOST, 43000, OUT_HOST, 37, "payload!");
    p.b[9] = protos[i];
    ip_ck(p.b);
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  }
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_NEW_DISCARD, 8, PINHOLE_CNT_DROP_NO_RULE, 8, -1);
  same_usage(t, &before);
  by_check(t, &by, SEC);
  t_ctx_del(t);
}

/* ---- expiry: the tick's contract and deadlines at use ------------------ */

/* The port of the first pinhole an FTP PORT opened on PUB, from its trace
 * ("pinhole created TCP 198.19.0.2:0 -> 198.19.0.1:<port>"). */
static uint16_t hole_port(tctx *t) {
  static const char k[] = "pinhole created TCP 198.19.0.2:0 -> 198.19.0.1:";
  for (int i = 0; i < t->ntraces; i++) {
    const char *m = strstr(t->traces[i], k);
    if (m)
      return (uint16_t)atoi(m + strlen(k));
  }
  fail_msg("no pinhole trace");
  return 0;
}

/* An FTP control connection at host time now (client seq 100, server seq
 * 5000, as ftp_open) and one PORT command for port 50000 (195,80). */
static uint16_t ftp_port_at(tctx *t, uint64_t now) {
  tpkt p;
  t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, 99, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, now), PINHOLE_VERDICT_FORWARD);
  uint16_t pub = t_get16(p.b + 20);
  t_tcp(&p, OUT_HOST, 21, PUB, pub, 4999 - T_FTP_GREETING_LEN, 100,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, now), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, OUT_HOST, 21, PUB, pub, 5000 - T_FTP_GREETING_LEN, 100,
        PINHOLE_TCP_ACK, T_FTP_GREETING);
  assert_int_equal(t_out(t, &p, now), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, IN_HOST, 43000, OUT_HOST, 21, 100, 5000, PINHOLE_TCP_ACK,
        "PORT 198,18,0,2,195,80\r\n");
  assert_int_equal(t_in(t, &p, now), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(usage(t).pinholes, 1);
  return hole_port(t);
}

/* Many timers due at once after a long silence: re-filing them costs the
 * tick's budget. The host follows the header (call again while it returns
 * PINHOLE_TICK_BUDGET); when a call returns less, nothing may be left,
 * and every flow was expired and counted exactly once. */
static void test_hostile_tick_budget_truthful(void **state) {
  (void)state;
  enum { N = 20000 };
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 32768;
  cfg.hash_key.k0 = 0x1111;
  cfg.seed = 7;
  tctx *t = t_ctx_cfg(&cfg);
  tpkt p;
  for (uint32_t i = 0; i < N; i++) {
    /* spread over 100 s, so the deadlines sit in several wheel slots */
    t_udp(&p, IP4(198, 18, 0, 2 + (i & 3)), (uint16_t)(1024 + i / 4), OUT_HOST,
          37, "q");
    assert_int_equal(t_in(t, &p, SEC + (uint64_t)i * 5000000u),
                     PINHOLE_VERDICT_FORWARD);
  }
  assert_int_equal(usage(t).flows, N);
  assert_int_equal(usage(t).mappings, N);
  /* three hours of silence */
  uint64_t now = 3 * 3600 * SEC;
  int calls = 0, rv;
  while ((rv = pinhole_tick(t->ctx, now)) == PINHOLE_TICK_BUDGET)
    calls++;
  assert_true(rv >= 0 && rv < PINHOLE_TICK_BUDGET);
  pinhole_usage u = usage(t);
  assert_int_equal(u.flows, 0);
  assert_int_equal(u.mappings, 0);
  assert_int_equal(u.conversations, 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), N);
  /* bounded: each timer fired once and re-filed at most once per level */
  assert_true(calls >= N / PINHOLE_TICK_BUDGET);
  assert_true(calls <= 5 * N / PINHOLE_TICK_BUDGET + 2);
  /* done means done */
  assert_int_equal(pinhole_tick(t->ctx, now), 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, N, PINHOLE_CNT_FLOWS_EXPIRED, N, -1);
  t_ctx_del(t);
}

/* A pinhole past its lifetime with no tick since: dead when the data
 * connection's SYN meets it (refused as a connection no rule allows), and
 * expired and counted once a tick runs. */
static void test_hostile_stale_pinhole_without_tick(void **state) {
  (void)state;
  tctx *t = t_ctx(); /* pinhole lifetime 10 s */
  uint16_t dpub = ftp_port_at(t, SEC);
  tpkt p;
  t_tcp(&p, OUT_HOST, 20, PUB, dpub, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 99 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(usage(t).flows, 1);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_NO_RULE, 1, -1);
  /* one second before its deadline it still works (another context) */
  tctx *t2 = t_ctx();
  dpub = ftp_port_at(t2, SEC);
  t_tcp(&p, OUT_HOST, 20, PUB, dpub, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t2, &p, 10 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t2, PINHOLE_CNT_PINHOLE_USED), 1);
  t_ctx_del(t2);
  /* the tick collects it: counted expired, its mapping released */
  assert_int_equal(pinhole_tick(t->ctx, 99 * SEC), 1);
  assert_int_equal(usage(t).pinholes, 0);
  assert_int_equal(usage(t).mappings, 1); /* the control connection's */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_EXPIRED), 1);
  t_ctx_del(t);
}

/* Flows past their idle timeout with no tick since: a UDP answer and a
 * TCP segment of an established connection meet dead flows; each is
 * expired (counted, logged) by the packet, which is then handled as the
 * first packet of a new connection. */
static void test_hostile_stale_flow_without_tick(void **state) {
  (void)state;
  tctx *t = t_ctx(); /* UDP 300 s, established TCP 7440 s */
  bystander by;
  by_open(t, &by);
  tpkt p;
  t_udp(&p, IN_HOST, 42000, OUT_HOST, 37, "query");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t upub = t_get16(p.b + 20);
  /* within its lifetime the answer comes back */
  t_udp(&p, OUT_HOST, 37, PUB, upub, "answer");
  assert_int_equal(t_out(t, &p, 300 * SEC), PINHOLE_VERDICT_FORWARD);
  /* 300 s after that it is dead */
  t_udp(&p, OUT_HOST, 37, PUB, upub, "late answer");
  assert_int_equal(t_out(t, &p, 601 * SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "idle timeout"));
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_FLOWS_EXPIRED, 1, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_NO_RULE, 1, -1);
  assert_int_equal(usage(t).flows, 1);
  assert_int_equal(usage(t).mappings, 1);
  /* the established bystander, idle 7440 s: its next segment is no
   * longer part of a connection (not a SYN: refused) */
  t_tcp(&p, IN_HOST, 30000, OUT_HOST, 80, by.cseq, by.sseq, PINHOLE_TCP_ACK,
        "late");
  assert_int_equal(t_in(t, &p, 7442 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_FLOWS_EXPIRED, 2, PINHOLE_CNT_NEW_DISCARD, 2,
             PINHOLE_CNT_DROP_NO_RULE, 1, PINHOLE_CNT_ERR_TCP, 1,
             PINHOLE_CNT_TCP_NOT_SYN, 1, -1);
  pinhole_usage u = usage(t);
  assert_int_equal(u.flows + u.mappings + u.conversations, 0);
  /* nothing left for the tick */
  assert_int_equal(pinhole_tick(t->ctx, 7442 * SEC), 0);
  t_ctx_del(t);
}

/* At the end of the 64-bit nanosecond range deadlines saturate: a 10 s
 * pinhole opened 5 s before the end lives to the end (it used to wrap to
 * the beginning and expire at the next tick), and the connections' timers
 * do not spin. */
static void test_hostile_deadline_saturates(void **state) {
  (void)state;
  tctx *t = t_ctx();
  uint64_t t0 = UINT64_MAX - 5 * SEC;
  uint16_t dpub = ftp_port_at(t, t0);
  assert_int_equal(pinhole_tick(t->ctx, t0 + SEC), 0);
  assert_int_equal(usage(t).pinholes, 1);
  tpkt p;
  t_tcp(&p, OUT_HOST, 20, PUB, dpub, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, t0 + 2 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 16), IN_HOST);
  assert_int_equal(t_get16(p.b + 22), 50000);
  assert_int_equal(pinhole_tick(t->ctx, UINT64_MAX), 0);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_PINHOLE_USED, 1, -1);
  pinhole_usage u = usage(t);
  assert_int_equal(u.flows, 2);
  assert_int_equal(u.pinholes, 0);
  /* 10 s before the end a 10 s pinhole still ends in time */
  tctx *t2 = t_ctx();
  t0 = UINT64_MAX - 20 * SEC;
  dpub = ftp_port_at(t2, t0);
  assert_int_equal(pinhole_tick(t2->ctx, t0 + 11 * SEC), 1);
  t_tcp(&p, OUT_HOST, 20, PUB, dpub, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t2, &p, t0 + 12 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t2, PINHOLE_CNT_PINHOLE_EXPIRED), 1);
  t_ctx_del(t2);
  t_ctx_del(t);
}

/* ---- endpoint-independent filtering and ALG mappings ------------------ */

/* With endpoint-independent filtering, the mapping the FTP ALG made for a
 * PORT command's pinhole admits only the pinhole's peer: a stranger (from
 * outside, or hairpinning from inside) is refused before and after the
 * data connection, and a pinhole that expires unused takes its mapping
 * with it even when a stranger knocked first. */
static void test_hostile_eif_alg_mapping_expected_peer_only(void **state) {
  (void)state;
  const uint32_t stranger = IP4(198, 19, 0, 66);
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.flags |= PINHOLE_CFG_EIF;
  tctx *t = t_ctx_cfg(&cfg);
  uint16_t dpub = ftp_port_at(t, SEC);
  assert_int_equal(usage(t).mappings, 2);
  tpkt p;
  /* a stranger to the announced port, TCP and UDP */
  t_tcp(&p, stranger, 4444, PUB, dpub, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 2 * SEC), PINHOLE_VERDICT_DROP);
  assert_true(t_has_event(t, "UNANNOUNCED_DATA"));
  /* another inside host, hairpinning to it: not delivered either */
  t_tcp(&p, IP4(198, 18, 0, 3), 4445, PUB, dpub, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_PINHOLE_CREATED, 1, PINHOLE_CNT_NEW_DISCARD, 2,
             PINHOLE_CNT_DROP_NO_RULE, 1, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_LAND, 1, -1);
  assert_int_equal(usage(t).flows, 1);
  /* the expected peer gets in, through the pinhole */
  t_tcp(&p, OUT_HOST, 20, PUB, dpub, 7000, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 3 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 16), IN_HOST);
  assert_int_equal(t_get16(p.b + 22), 50000);
  /* and while its data connection holds the mapping, a stranger still
   * does not */
  t_tcp(&p, stranger, 4446, PUB, dpub, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 4 * SEC), PINHOLE_VERDICT_DROP);
  t_udp(&p, stranger, 4446, PUB, dpub, "udp to the same port");
  assert_int_equal(t_out(t, &p, 4 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(usage(t).flows, 2);
  /* a second PORT whose pinhole is never used; a stranger knocks */
  tpkt q;
  t_tcp(&q, IN_HOST, 43000, OUT_HOST, 21, 124, 5000, PINHOLE_TCP_ACK,
        "PORT 198,18,0,2,195,81\r\n");
  assert_int_equal(t_in(t, &q, 5 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(usage(t).mappings, 3);
  uint16_t dpub2 = 0;
  static const char k[] = "pinhole created TCP 198.19.0.2:0 -> 198.19.0.1:";
  for (int i = 0; i < t->ntraces; i++) {
    const char *m = strstr(t->traces[i], k);
    if (m && atoi(m + strlen(k)) != dpub)
      dpub2 = (uint16_t)atoi(m + strlen(k));
  }
  assert_true(dpub2 != 0);
  t_tcp(&p, stranger, 4447, PUB, dpub2, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 6 * SEC), PINHOLE_VERDICT_DROP);
  /* the pinhole expires: its mapping goes, the data connection's stays */
  assert_int_equal(pinhole_tick(t->ctx, 20 * SEC), 1);
  pinhole_usage u = usage(t);
  assert_int_equal(u.pinholes, 0);
  assert_int_equal(u.mappings, 2);
  assert_int_equal(u.flows, 2);
  t_tcp(&p, stranger, 4448, PUB, dpub2, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 21 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_PINHOLE_USED, 1,
             PINHOLE_CNT_PINHOLE_EXPIRED, 1, PINHOLE_CNT_NEW_DISCARD, 6,
             PINHOLE_CNT_DROP_NO_RULE, 5, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_LAND, 1, -1);
  /* the inside host's own traffic from the data port makes its mapping
   * an ordinary one, open to everyone as the filtering mode says */
  t_tcp(&p, IN_HOST, 50000, OUT_HOST, 80, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, 22 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get16(p.b + 20), dpub);
  t_tcp(&p, stranger, 4449, PUB, dpub, 1, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_out(t, &p, 22 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(usage(t).mappings, 2);
  t_ctx_del(t);
}

/* ---- what a binding or a typo hands the API --------------------------- */

/* The pure functions a binding calls first, with a NULL it did not mean:
 * a documented 0, not a crash. */
static void test_hostile_hash_null_pointers(void **state) {
  (void)state;
  pinhole_hash_key key = {0x0123456789abcdefull, 0xfedcba9876543210ull};
  pinhole_flow_key fk = {IN_HOST, OUT_HOST, 1000, 80, 6, {0, 0, 0}};
  assert_int_equal(pinhole_siphash13(NULL, &fk, sizeof(fk)), 0);
  assert_int_equal(pinhole_siphash13(&key, NULL, 16), 0);
  assert_int_equal(pinhole_flow_hash(&key, NULL), 0);
  assert_int_equal(pinhole_flow_hash(NULL, &fk), 0);
  assert_int_equal(pinhole_flow_hash_sym(&key, NULL), 0);
  /* with both, the hash is SipHash-1-3 of the 16-byte key */
  assert_int_equal(pinhole_flow_hash(&key, &fk),
                   pinhole_siphash13(&key, &fk, sizeof(fk)));
  assert_true(pinhole_flow_hash(&key, &fk) != 0);
}

/* Configurations that cannot be right, each refused with its reason and
 * nothing allocated: a typo asking for billions of conversations or
 * mappings (the allocation used to be tried and zeroed), a port block
 * reaching below 1024, timeouts of zero or of years. */
static void test_hostile_absurd_config_refused(void **state) {
  (void)state;
  static const struct {
    size_t off;
    uint32_t val;
    int want;
  } bad[] = {
      {offsetof(pinhole_config, max_conversations), 4000000000u,
       PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_conversations), 65536 + 4096 + 1,
       PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_mappings), 4000000000u, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_mappings), 2 * 65536 + 4096 + 1,
       PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_flows), (1u << 28) + 1, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_pinholes), (1u << 24) + 1,
       PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_fragments), (1u << 20) + 1,
       PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_rules), 65536, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_pools), 256, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_pinholes_per_conv), 65536,
       PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, tcp_est_timeout_s), 0, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, tcp_est_timeout_s), 30 * 86400 + 1,
       PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, udp_timeout_s), 4000000000u, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, tcp_syn_timeout_s), 0, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, tcp_trans_timeout_s), 0, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, icmp_timeout_s), 0, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, pinhole_timeout_ms), 0, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, pinhole_timeout_ms), 86400001,
       PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, frag_timeout_ms), 0, PINHOLE_ERR_RANGE},
      {offsetof(pinhole_config, max_flows), 0, PINHOLE_ERR_INVALID_ARG},
      {offsetof(pinhole_config, max_watch), 0, PINHOLE_ERR_INVALID_ARG},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    tctx *t = calloc(1, sizeof(*t));
    pinhole_callbacks cb;
    memset(&cb, 0, sizeof(cb));
    cb.size = sizeof(cb);
    cb.alloc = t_alloc;
    cb.free = t_free;
    pinhole_config cfg;
    pinhole_config_default(&cfg, sizeof(cfg));
    memcpy((uint8_t *)&cfg + bad[i].off, &bad[i].val, sizeof(uint32_t));
    pinhole_ctx *ctx = NULL;
    int rv = pinhole_ctx_new(&ctx, &cfg, &cb, t);
    if (rv != bad[i].want)
      fail_msg("case %zu: got %d, want %d", i, rv, bad[i].want);
    assert_null(ctx);
    assert_int_equal(t->allocs, 0);
    free(t);
  }
  /* the port block: below 1024 is refused, as the header says */
  pinhole_config cfg;
  pinhole_ctx *ctx = NULL;
  static const uint16_t low[] = {0, 1, 21, 1023};
  for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
    pinhole_config_default(&cfg, sizeof(cfg));
    cfg.port_lo = low[i];
    assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL),
                     PINHOLE_ERR_RANGE);
    assert_null(ctx);
  }
  /* the edges themselves are fine */
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.max_pinholes = 16;
  cfg.max_conversations = 64 + 16;
  cfg.max_mappings = 2 * 64 + 16;
  cfg.port_lo = 1024;
  cfg.port_hi = 1024;
  cfg.tcp_est_timeout_s = 30 * 86400;
  cfg.pinhole_timeout_ms = 1;
  assert_int_equal(pinhole_ctx_new(&ctx, &cfg, NULL, NULL), 0);
  pinhole_ctx_del(ctx);
}

/* Pool addresses and NAT targets that no host can have: this network,
 * loopback, multicast, reserved and the limited broadcast. */
static void test_hostile_pool_and_dnat_addresses_refused(void **state) {
  (void)state;
  tctx *t = t_ctx();
  static const uint32_t bad[] = {
      IP4(0, 0, 0, 1),         IP4(0, 255, 255, 255), IP4(127, 0, 0, 1),
      IP4(224, 0, 0, 1),       IP4(239, 1, 2, 3),     IP4(240, 0, 0, 1),
      IP4(255, 255, 255, 255),
  };
  pinhole_pool pool;
  pinhole_rule r;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    memset(&pool, 0, sizeof(pool));
    pool.size = sizeof(pool);
    pool.addr_lo = pool.addr_hi = bad[i];
    assert_int_equal(pinhole_pool_add(t->ctx, &pool), PINHOLE_ERR_ADDRESS);
    for (int nat = PINHOLE_NAT_DEST; nat <= PINHOLE_NAT_STATIC; nat++) {
      memset(&r, 0, sizeof(r));
      r.size = sizeof(r);
      r.side = PINHOLE_SIDE_OUTSIDE;
      r.nat = (uint8_t)nat;
      r.nat_addr = bad[i];
      assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_ADDRESS);
    }
  }
  /* a range that runs into multicast or from this network */
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = IP4(223, 255, 255, 250);
  pool.addr_hi = IP4(224, 0, 0, 3);
  assert_int_equal(pinhole_pool_add(t->ctx, &pool), PINHOLE_ERR_ADDRESS);
  pool.addr_lo = IP4(0, 0, 0, 1);
  pool.addr_hi = IP4(0, 0, 0, 4);
  assert_int_equal(pinhole_pool_add(t->ctx, &pool), PINHOLE_ERR_ADDRESS);
  /* nothing was added: the next pool is number 1 and the rules are the
   * fixture's one */
  pool.addr_lo = IP4(198, 19, 0, 100);
  pool.addr_hi = IP4(198, 19, 0, 101);
  assert_int_equal(pinhole_pool_add(t->ctx, &pool), 1);
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.side = PINHOLE_SIDE_OUTSIDE;
  r.nat = PINHOLE_NAT_DEST;
  r.nat_addr = IP4(198, 18, 0, 4);
  assert_int_equal(pinhole_rule_add(t->ctx, &r), 1);
  t_ctx_del(t);
}

/* ---- blind TCP teardown ------------------------------------------------ */

/* A segment to the bystander's client as its server (or an off-path host
 * that knows the server's endpoint and guesses the public port, but does
 * not see the sequence numbers) sends it; returns the verdict. */
static int from_server(tctx *t, const bystander *b, uint32_t seq, uint32_t ack,
                       uint8_t flags, const char *payload) {
  tpkt p;
  t_tcp(&p, OUT_HOST, 80, PUB, b->pub, seq, ack, flags, payload);
  int v = t_out(t, &p, 2 * SEC);
  if (v == PINHOLE_VERDICT_FORWARD)
    t_check_cksums(&p);
  return v;
}

/* No teardown: at a tick at now, later than an RST's (10 s) or a FIN's
 * (240 s) timeout, the tables hold what they held and the bystander
 * still forwards both ways. */
static void still_there(tctx *t, bystander *b, const pinhole_usage *before,
                        uint64_t now) {
  assert_int_equal(pinhole_tick(t->ctx, now), 0);
  same_usage(t, before);
  by_check(t, b, now);
}

/* A context with the bystander connection established and one exchange
 * done both ways; *before: the tables then. */
static tctx *by_ready(bystander *by, pinhole_usage *before) {
  tctx *t = t_ctx();
  by_open(t, by);
  by_check(t, by, SEC);
  *before = usage(t);
  return t;
}

/* RSTs outside the window, from outside and (spoofed) from inside: each
 * dropped and counted as an illegal sequence number, and the connection
 * keeps its state. */
static void test_hostile_blind_rst_out_of_window(void **state) {
  (void)state;
  bystander by;
  pinhole_usage before;
  tctx *t = by_ready(&by, &before);
  /* the client acknowledged all but the server's last 19 bytes and
   * offers 65535 from there */
  static const uint32_t off[] = {
      65536,           70000, 0x40000000u, 0x80000000u, (uint32_t)-65536,
      (uint32_t)-70000};
  for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
    uint32_t seq = by.sseq + off[i];
    assert_int_equal(from_server(t, &by, seq, by.cseq, PINHOLE_TCP_RST, NULL),
                     PINHOLE_VERDICT_DROP);
    assert_int_equal(from_server(t, &by, seq, by.cseq,
                                 PINHOLE_TCP_RST | PINHOLE_TCP_ACK, NULL),
                     PINHOLE_VERDICT_DROP);
  }
  tpkt p;
  t_tcp(&p, IN_HOST, 30000, OUT_HOST, 80, by.cseq + 100000, by.sseq,
        PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_in(t, &p, 2 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_EXIST_DISCARD, 13, PINHOLE_CNT_ERR_TCP, 13,
             PINHOLE_CNT_TCP_FLAGS, 13, -1);
  same_usage(t, &before);
  still_there(t, &by, &before, 100 * SEC);
  t_ctx_del(t);
}

/* FINs and data outside the window, and acknowledgments of data never
 * sent (or long acknowledged): dropped and counted; the connection stays
 * established. The real FIN closes it. */
static void test_hostile_blind_fin_and_data_out_of_window(void **state) {
  (void)state;
  bystander by;
  pinhole_usage before;
  tctx *t = by_ready(&by, &before);
  const uint8_t fin = PINHOLE_TCP_FIN | PINHOLE_TCP_ACK;
  static const struct {
    uint32_t seq_off, ack_off;
    uint8_t flags;
    const char *data;
  } bad[] = {
      {70000, 0, PINHOLE_TCP_FIN | PINHOLE_TCP_ACK, NULL},
      {(uint32_t)-70000, 0, PINHOLE_TCP_FIN | PINHOLE_TCP_ACK, NULL},
      {0x10000000u, 0, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, "injected"},
      {0, 1000, PINHOLE_TCP_FIN | PINHOLE_TCP_ACK, NULL},
      {0, (uint32_t)-100000, PINHOLE_TCP_FIN | PINHOLE_TCP_ACK, NULL},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(from_server(t, &by, by.sseq + bad[i].seq_off,
                                 by.cseq + bad[i].ack_off, bad[i].flags,
                                 bad[i].data),
                     PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_EXIST_DISCARD, 5, PINHOLE_CNT_ERR_TCP, 5,
             PINHOLE_CNT_TCP_FLAGS, 5, -1);
  still_there(t, &by, &before, 300 * SEC);
  assert_int_equal(from_server(t, &by, by.sseq, by.cseq, fin, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(pinhole_tick(t->ctx, 600 * SEC), 1);
  assert_int_equal(usage(t).flows, 0);
  t_ctx_del(t);
}

/* RFC 5961: an RST in the window but not at the next sequence number is
 * dropped and counted on its own (the endpoint would answer it with a
 * challenge ACK); only the exact one resets: the next sequence number the
 * sender will send, or the one the receiver acknowledged. */
static void test_hostile_rst_in_window_not_exact(void **state) {
  (void)state;
  bystander by;
  pinhole_usage before;
  tctx *t = by_ready(&by, &before);
  /* the client acknowledged all but the server's last 19 bytes and
   * offers 65535 from there */
  static const uint32_t near[] = {1, 1000, 65535 - 19, (uint32_t)-1,
                                  (uint32_t)-1000};
  for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++)
    assert_int_equal(
        from_server(t, &by, by.sseq + near[i], 0, PINHOLE_TCP_RST, NULL),
        PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_EXIST_DISCARD, 5, PINHOLE_CNT_ERR_TCP, 5,
             PINHOLE_CNT_TCP_RST_IN_WINDOW, 5, -1);
  still_there(t, &by, &before, 100 * SEC);
  /* the client acknowledges everything, then the server sends 4 bytes
   * not acknowledged yet: the client's acknowledgment is exact (as is
   * the server's next sequence number, below) */
  tpkt p;
  t_tcp(&p, IN_HOST, 30000, OUT_HOST, 80, by.cseq, by.sseq, PINHOLE_TCP_ACK,
        NULL);
  assert_int_equal(t_in(t, &p, 100 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(
      from_server(t, &by, by.sseq, by.cseq, PINHOLE_TCP_ACK, "more"),
      PINHOLE_VERDICT_FORWARD);
  assert_int_equal(from_server(t, &by, by.sseq, by.cseq,
                               PINHOLE_TCP_RST | PINHOLE_TCP_ACK, NULL),
                   PINHOLE_VERDICT_FORWARD);
  /* reset: 10 s later it is gone */
  assert_int_equal(pinhole_tick(t->ctx, 111 * SEC), 1);
  assert_int_equal(usage(t).flows, 0);
  /* the same with the sender's next number, on a fresh connection */
  by_open(t, &by);
  assert_int_equal(from_server(t, &by, by.sseq + 4, 0, PINHOLE_TCP_RST, NULL),
                   PINHOLE_VERDICT_DROP);
  assert_int_equal(from_server(t, &by, by.sseq, 0, PINHOLE_TCP_RST, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(pinhole_tick(t->ctx, 200 * SEC), 1);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_TCP_RST_IN_WINDOW), 6);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_FLOWS_EXPIRED), 2);
  t_ctx_del(t);
}

/* The same on a connection whose payload an ALG rewrote with a length
 * change (an FTP PORT shrinking by 2 bytes): the tracker compares each
 * side's sequence numbers in that side's own numbering, acknowledgments
 * mapped back as the rewrite maps them; so the client's exact RST passes
 * (and leaves corrected), while one at the number the server sees (2
 * less) is not exact, and the server's acknowledgments of what it really
 * received pass while one 2 bytes further is refused. */
static void test_hostile_blind_rst_with_alg_delta(void **state) {
  (void)state;
  const uint32_t cli = IP4(198, 18, 0, 100);
  tctx *t = t_ctx();
  tpkt p;
  pinhole_pkt_view v;
  uint32_t cseq = 100, sseq = 900;
  t_tcp(&p, cli, 40000, OUT_HOST, 21, cseq++, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, sseq++, cseq,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  const char *banner = "220 ready\r\n";
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, sseq, cseq, PINHOLE_TCP_ACK, banner);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  sseq += (uint32_t)strlen(banner);
  const char *port = "PORT 198,18,0,100,156,65\r\n";
  t_tcp(&p, cli, 40000, OUT_HOST, 21, cseq, sseq, PINHOLE_TCP_ACK, port);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\n");
  cseq += (uint32_t)strlen(port);
  uint32_t cseen = cseq - 2; /* the client's next byte, as the server
                                numbers it */
  /* the server acknowledges what it got, in its numbering: passes, and
   * reaches the client in the client's numbering */
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, sseq, cseen, PINHOLE_TCP_ACK,
        "200 ok\r\n");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.ack, cseq);
  sseq += 8;
  /* two bytes more than it got: data the client never sent */
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, sseq, cseen + 2, PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* blind RSTs towards the client: out of window, in window */
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, sseq + 100000, 0, PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, sseq + 10, 0, PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* from the client side: the number the server sees is not the client's
   * own */
  t_tcp(&p, cli, 40000, OUT_HOST, 21, cseen, sseq, PINHOLE_TCP_RST, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_EXIST_DISCARD, 4, PINHOLE_CNT_ERR_TCP, 4,
             PINHOLE_CNT_TCP_FLAGS, 2, PINHOLE_CNT_TCP_RST_IN_WINDOW, 2,
             PINHOLE_CNT_PINHOLE_CREATED, 1, -1);
  assert_int_equal(usage(t).flows, 1);
  /* the client's real RST: exact, and it leaves in the server's numbering */
  t_tcp(&p, cli, 40000, OUT_HOST, 21, cseq, sseq,
        PINHOLE_TCP_RST | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &v);
  assert_int_equal(v.seq, cseen);
  t_check_cksums(&p);
  assert_int_equal(pinhole_tick(t->ctx, 20 * SEC), 2); /* + its pinhole */
  assert_int_equal(usage(t).flows, 0);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hostile_truncated_every_length),
      cmocka_unit_test(test_hostile_ip_total_length),
      cmocka_unit_test(test_hostile_ihl_short),
      cmocka_unit_test(test_hostile_options_past_header),
      cmocka_unit_test(test_hostile_icmp_error_quotes),
      cmocka_unit_test(test_hostile_ftp_payloads),
      cmocka_unit_test(test_hostile_rtsp_payloads),
      cmocka_unit_test(test_hostile_sip_payloads),
      cmocka_unit_test(test_hostile_fail_open_by_choice),
      cmocka_unit_test(test_hostile_numbers_overflow),
      cmocka_unit_test(test_hostile_content_length),
      cmocka_unit_test(test_hostile_pinholes_per_conversation_bound),
      cmocka_unit_test(test_hostile_parent_expires_first),
      cmocka_unit_test(test_hostile_full_table_syn_flood),
      cmocka_unit_test(test_hostile_watch_and_conversation_tables_full),
      cmocka_unit_test(test_hostile_other_protocols),
      cmocka_unit_test(test_hostile_reject_answers),
      cmocka_unit_test(test_hostile_syn_defense_reopened_tuple),
      cmocka_unit_test(test_hostile_split_command_never_completed),
      cmocka_unit_test(test_hostile_tick_budget_truthful),
      cmocka_unit_test(test_hostile_stale_pinhole_without_tick),
      cmocka_unit_test(test_hostile_stale_flow_without_tick),
      cmocka_unit_test(test_hostile_deadline_saturates),
      cmocka_unit_test(test_hostile_eif_alg_mapping_expected_peer_only),
      cmocka_unit_test(test_hostile_hash_null_pointers),
      cmocka_unit_test(test_hostile_absurd_config_refused),
      cmocka_unit_test(test_hostile_pool_and_dnat_addresses_refused),
      cmocka_unit_test(test_hostile_blind_rst_out_of_window),
      cmocka_unit_test(test_hostile_blind_fin_and_data_out_of_window),
      cmocka_unit_test(test_hostile_rst_in_window_not_exact),
      cmocka_unit_test(test_hostile_blind_rst_with_alg_delta),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

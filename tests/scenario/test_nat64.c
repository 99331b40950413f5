/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAT64 in the engine (RFC 6146, docs/nat64.md): an inside IPv6 host
 * reaches IPv4 servers through 64:ff9b::/96 (with PINHOLE_NAT64_LAB, as
 * the test servers are in 198.18/15) or a configured prefix, with the
 * IPv4 pool and port rules of NAT44. Every translated packet is compared
 * byte for byte with one the test lays out itself (only the IPv4
 * identification, the translator's choice, is copied from the output),
 * and every checksum is checked by the test's own sum. Each test names
 * the RFC 7915 / RFC 6146 section it proves.
 */
#include "helpers.h"

#include "core/engine.h"

#include <pinhole/ipv6.h>
#include <pinhole/operator.h>

#define CLI "2001:db8:1::2"    /* inside IPv6 client */
#define CLI2 "2001:db8:1::3"   /* another one */
#define SRV6 "64:ff9b::c613:2" /* OUT_HOST 198.19.0.2 under the WKP */
#define SRV2 IP4(198, 19, 0, 7)
#define SRV26 "64:ff9b::c613:7"
#define RTR4 IP4(198, 19, 0, 254) /* a router on the IPv4 path */
#define RTR6 "64:ff9b::c613:fe"

/* ---- the test's own checksums ---------------------------------------- */

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

/* The IPv4 header checksum and the TCP/UDP/ICMP checksum of p verify. */
static void own4(const uint8_t *b, size_t len) {
  size_t hl = (size_t)(b[0] & 15) * 4;
  assert_int_equal(ofold(osum(0, b, hl)), 0);
  uint32_t s = 0;
  if (b[9] != 1) { /* pseudo-header (RFC 9293 sec. 3.1, RFC 768) */
    s = osum(0, b + 12, 8);
    s += b[9];
    s += (uint32_t)(len - hl);
  }
  assert_int_equal(ofold(osum(s, b + hl, len - hl)), 0);
}

/* The ICMPv6/TCP/UDP checksum of an IPv6 packet without extension
 * headers verifies (RFC 8200 sec. 8.1). */
static void own6(const uint8_t *b, size_t len) {
  uint32_t s = osum(0, b + 8, 32);
  s += (uint32_t)(len - 40) + b[6];
  assert_int_equal(ofold(osum(s, b + 40, len - 40)), 0);
}

/* Sets the IPv4 header checksum by the test's own sum. */
static void own4_set(uint8_t *b) {
  b[10] = b[11] = 0;
  t_put16(b + 10, ofold(osum(0, b, (size_t)(b[0] & 15) * 4)));
}

/* Sets the L4 checksum of an IPv6 packet (at off, its field) by own sum. */
static void own6_set(uint8_t *b, size_t len, size_t ck) {
  b[40 + ck] = b[41 + ck] = 0;
  uint32_t s = osum(0, b + 8, 32);
  s += (uint32_t)(len - 40) + b[6];
  t_put16(b + 40 + ck, ofold(osum(s, b + 40, len - 40)));
}

/* ---- IPv6 packets ------------------------------------------------------ */

static void a6(uint8_t out[16], const char *s) {
  assert_int_equal(pinhole_addr6_parse(s, strlen(s), out), 0);
}

/* An IPv6 packet src -> dst, next header nh, upper layer l4[0..n), its
 * checksum (at offset ck of l4) set by the test's own sum. */
static tpkt *b6(tpkt *p, const char *src, const char *dst, uint8_t nh,
                const uint8_t *l4, size_t n, size_t ck) {
  memset(p->b, 0, 40);
  p->b[0] = 0x60;
  t_put16(p->b + 4, (uint16_t)n);
  p->b[6] = nh;
  p->b[7] = 64;
  a6(p->b + 8, src);
  a6(p->b + 24, dst);
  memcpy(p->b + 40, l4, n);
  p->p.data = p->b;
  p->p.len = (uint32_t)(40 + n);
  p->p.cap = sizeof(p->b);
  own6_set(p->b, 40 + n, ck);
  return p;
}

static tpkt *b6_tcp(tpkt *p, const char *src, uint16_t sport, const char *dst,
                    uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack,
                    const char *data) {
  uint8_t t[256];
  size_t n = data ? strlen(data) : 0;
  memset(t, 0, 20);
  t_put16(t, sport);
  t_put16(t + 2, dport);
  t_put32(t + 4, seq);
  t_put32(t + 8, ack);
  t[12] = 5 << 4;
  t[13] = flags;
  t_put16(t + 14, 65535);
  if (n)
    memcpy(t + 20, data, n);
  return b6(p, src, dst, PINHOLE_IPPROTO_TCP, t, 20 + n, 16);
}

static tpkt *b6_udp(tpkt *p, const char *src, uint16_t sport, const char *dst,
                    uint16_t dport, const char *data) {
  uint8_t u[256];
  size_t n = strlen(data);
  t_put16(u, sport);
  t_put16(u + 2, dport);
  t_put16(u + 4, (uint16_t)(8 + n));
  memcpy(u + 8, data, n);
  return b6(p, src, dst, PINHOLE_IPPROTO_UDP, u, 8 + n, 6);
}

static tpkt *b6_echo(tpkt *p, const char *src, const char *dst, uint8_t type,
                     uint16_t id, uint16_t seq) {
  uint8_t m[16];
  memset(m, 0, 8);
  m[0] = type;
  t_put16(m + 4, id);
  t_put16(m + 6, seq);
  memcpy(m + 8, "pinhole!", 8); /* as t_echo's */
  return b6(p, src, dst, PINHOLE_IP6_NH_ICMPV6, m, 16, 2);
}

/* An ICMPv6 error src -> dst quoting q whole; word: bytes 4-7. */
static tpkt *b6_err(tpkt *p, const char *src, const char *dst, uint8_t type,
                    uint8_t code, uint32_t word, const tpkt *q) {
  uint8_t m[1400];
  memset(m, 0, 8);
  m[0] = type;
  m[1] = code;
  t_put32(m + 4, word);
  memcpy(m + 8, q->b, q->p.len);
  return b6(p, src, dst, PINHOLE_IP6_NH_ICMPV6, m, 8 + q->p.len, 2);
}

/* ---- the context ------------------------------------------------------- */

static void rule64(tctx *t, const char *dst, unsigned dplen, int pool) {
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "nat64");
  r.family = 6;
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pool;
  a6(r.src6, "2001:db8:1::");
  r.src_plen = 48;
  a6(r.dst6, dst);
  r.dst_plen = (uint8_t)dplen;
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
}

static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;

/* IPv6 on, the WKP with PINHOLE_NAT64_LAB, a NAT64 rule to it, the pool
 * PUB ports lo..hi (and the helpers' IPv4 inside-out rule). */
static tctx *ctx64(uint32_t lo_addr, uint32_t hi_addr, uint16_t lo,
                   uint16_t hi) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 64;
  tctx *t = t_ctx_pool(&cfg, lo_addr, hi_addr, lo, hi);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, wkp, 96, PINHOLE_NAT64_LAB),
                   0);
  rule64(t, "64:ff9b::", 96, t->pool);
  return t;
}

/* The public port the output p (IPv4, from PUB) left from. */
static uint16_t out_sport(const tpkt *p) {
  assert_int_equal(p->b[0], 0x45);
  return t_get16(p->b + 20);
}

/* Asserts p (an output) equals want but for the IPv4 identification
 * (copied: the translator's choice) and the header checksum then set by
 * the test's own sum; and checks p's checksums. */
static void same4(const tpkt *p, tpkt *want) {
  assert_int_equal(p->p.len, want->p.len);
  memcpy(want->b + 4, p->b + 4, 2);
  own4_set(want->b);
  assert_memory_equal(p->b, want->b, p->p.len);
  own4(p->b, p->p.len);
}

static void same6(const tpkt *p, const tpkt *want) {
  assert_int_equal(p->p.len, want->p.len);
  assert_memory_equal(p->b, want->b, p->p.len);
  own6(p->b, p->p.len);
}

/* ---- tests ------------------------------------------------------------- */

/* RFC 6146 sec. 3.5.2 (TCP session), RFC 7915 sec. 5.1 (IPv6 header ->
 * IPv4) and 5.5 (TCP checksum for the new pseudo-header and port), sec.
 * 4.1 and 4.5 back; the listing's NAT64 lines and the events. */
static void test_nat64_tcp_handshake(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 20000, 20099);
  tpkt p, e;
  b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_SYN, 1000, 0, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = out_sport(&p);
  assert_true(P >= 20000 && P <= 20099);
  t_tcp_n(&e, PUB, P, OUT_HOST, 80, 1000, 0, PINHOLE_TCP_SYN, NULL, 0);
  same4(&p, &e);

  t_tcp_n(&p, OUT_HOST, 80, PUB, P, 7777, 1001,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&e, SRV6, 80, CLI, 40000, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 7777,
         1001, NULL);
  same6(&p, &e);

  b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 1001,
         7778, "GET / HTTP/1.0\r\n\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&e, PUB, P, OUT_HOST, 80, 1001, 7778, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
        "GET / HTTP/1.0\r\n\r\n");
  same4(&p, &e);

  t_tcp(&p, OUT_HOST, 80, PUB, P, 7778, 1019, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
        "HTTP/1.0 200 OK\r\n");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&e, SRV6, 80, CLI, 40000, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 7778,
         1019, "HTTP/1.0 200 OK\r\n");
  same6(&p, &e);

  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_NAT64_XLAT, 4, -1);
  char want[1024];
  snprintf(want, sizeof(want),
           "Conversation: ALG protocol: none\n"
           "  Number of initiators: 1, Number of responders: 1\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "TCP [2001:db8:1::2]:40000 -> [64:ff9b::c613:2]:80 Forward  I"
           "          2\n"
           "    NAT64 198.19.0.1:%u -> 198.19.0.2:80\n"
           "TCP 198.19.0.2:80 -> 198.19.0.1:%-14uForward  O          2\n"
           "    NAT64 [64:ff9b::c613:2]:80 -> [2001:db8:1::2]:40000\n",
           P, P);
  t_listing_is(t, want);
  snprintf(want, sizeof(want),
           "PINHOLE_FLOW_CREATED: conv=1 proto=TCP side=inside "
           "[2001:db8:1::2]:40000 -> [64:ff9b::c613:2]:80 nat 198.19.0.1:%u "
           "-> 198.19.0.2:80 state=forward rule=nat64 reason=\"NAT64\"",
           P);
  if (!t_has_event(t, want)) {
    t_dump(t);
    fail_msg("no event %s", want);
  }
  int n = pinhole_conversations_format_json(t->ctx, NULL, NULL, 0);
  assert_true(n > 0);
  char *js = malloc((size_t)n + 1);
  assert_non_null(js);
  assert_int_equal(
      pinhole_conversations_format_json(t->ctx, NULL, js, (size_t)n + 1), n);
  snprintf(want, sizeof(want),
           "\"src\":\"2001:db8:1::2\",\"src_port\":40000,"
           "\"dst\":\"64:ff9b::c613:2\",\"dst_port\":80,"
           "\"nat_src\":\"198.19.0.1\",\"nat_src_port\":%u,"
           "\"nat_dst\":\"198.19.0.2\",\"nat_dst_port\":80,",
           P);
  assert_non_null(strstr(js, want));
  snprintf(want, sizeof(want),
           "\"src\":\"198.19.0.2\",\"src_port\":80,"
           "\"dst\":\"198.19.0.1\",\"dst_port\":%u,"
           "\"nat_src\":\"64:ff9b::c613:2\",\"nat_src_port\":80,"
           "\"nat_dst\":\"2001:db8:1::2\",\"nat_dst_port\":40000,",
           P);
  assert_non_null(strstr(js, want));
  free(js);
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.flows6, 1);
  assert_int_equal(u.mappings, 1);
  t_ctx_del(t);
}

/* RFC 6146 sec. 3.5.1 (UDP session, endpoint-independent mapping: a
 * second server sees the same public endpoint, sec. 3.5.1.1 REQ of RFC
 * 4787) and address-dependent filtering (an IPv4 peer with no session is
 * dropped); RFC 7915 sec. 5.5 / 4.5 (UDP checksum). */
static void test_nat64_udp_eim(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 30000, 30999);
  tpkt p, e;
  b6_udp(&p, CLI, 5353, SRV6, 53, "query-one");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = out_sport(&p);
  t_udp(&e, PUB, P, OUT_HOST, 53, "query-one");
  same4(&p, &e);
  b6_udp(&p, CLI, 5353, SRV26, 5080, "query-two");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&e, PUB, P, SRV2, 5080, "query-two"); /* the same mapping */
  same4(&p, &e);
  t_udp(&p, SRV2, 5080, PUB, P, "answer-two");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV26, 5080, CLI, 5353, "answer-two");
  same6(&p, &e);
  /* a third IPv4 host to the same public endpoint: no session */
  t_udp(&p, IP4(198, 19, 0, 44), 5080, PUB, P, "unsolicited");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* the server from another port */
  t_udp(&p, OUT_HOST, 54, PUB, P, "unsolicited");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_NEW_DISCARD, 2, PINHOLE_CNT_DROP_NO_RULE, 2,
             PINHOLE_CNT_NAT64_XLAT, 3, -1);
  t_ctx_del(t);
}

/* A UDP session (client port 5353 to SRV6:53) and an established TCP one
 * (40000 to SRV6:80, the server's SYN-ACK back) through t; their public
 * ports in *pu and *pt. */
static void two_sessions(tctx *t, uint16_t *pu, uint16_t *pt) {
  tpkt p, c;
  b6_udp(&p, CLI, 5353, SRV6, 53, "open");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  *pu = out_sport(&p);
  b6_tcp(&p, CLI, 40000, SRV6, 80, PINHOLE_TCP_SYN, 1000, 0, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  *pt = out_sport(&p);
  t_tcp(&c, OUT_HOST, 80, PUB, *pt, 5000, 1001,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(t, &c, SEC), PINHOLE_VERDICT_FORWARD);
}

/* RFC 7915 sec. 5.1 / 5.5 on the established path (the in-place
 * translation of a plain packet, lib/pkt/xlat_plain.h): hundreds of UDP
 * and TCP packets of two sessions, random payload lengths 0..1400 (odd
 * and even), traffic classes and hop limits (1 and 2 among them), leave
 * exactly as pinhole_xlat_6to4 writes a copy with the session's
 * addresses and ports (the identification copied from the output, the
 * translator's choice), their checksums right by the test's own sum,
 * and counted once each. */
static void test_nat64_established_same_bytes(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 30000, 30999);
  tpkt p, c;
  uint16_t PU, PT;
  two_sessions(t, &PU, &PT);
  static const uint8_t hl[] = {1, 2, 64, 255};
  uint64_t r = 0x2545f4914f6cdd1dull;
  uint32_t seq = 1001; /* the same data again: in the window */
  unsigned n = 0;
  for (unsigned i = 0; i < 400; i++) {
    uint8_t l4[1420];
    r ^= r << 13;
    r ^= r >> 7;
    r ^= r << 17;
    size_t len = (size_t)(r >> 20) % 1401;
    for (size_t k = 0; k < sizeof(l4); k++)
      l4[k] = (uint8_t)(r >> (k % 56));
    int tcp = i & 1;
    size_t hdr = tcp ? 20 : 8;
    memset(l4, 0, hdr);
    if (tcp) {
      t_put16(l4, 40000);
      t_put16(l4 + 2, 80);
      t_put32(l4 + 4, seq);
      t_put32(l4 + 8, 5001);
      l4[12] = 5 << 4;
      l4[13] = PINHOLE_TCP_ACK;
      t_put16(l4 + 14, 65535);
    } else {
      t_put16(l4, 5353);
      t_put16(l4 + 2, 53);
      t_put16(l4 + 4, (uint16_t)(hdr + len));
    }
    b6(&p, CLI, SRV6, tcp ? PINHOLE_IPPROTO_TCP : PINHOLE_IPPROTO_UDP, l4,
       hdr + len, tcp ? 16 : 6);
    uint8_t tc = (uint8_t)(r >> 8);
    p.b[0] = (uint8_t)(0x60 | tc >> 4); /* not in the checksum */
    p.b[1] = (uint8_t)(tc << 4 | (p.b[1] & 0x0f));
    p.b[7] = hl[i % 4];
    tpkt want = p;
    assert_int_equal(t_in(t, &p, SEC + i), PINHOLE_VERDICT_FORWARD);
    pinhole_xlat_map m;
    memset(&m, 0, sizeof(m));
    m.src4 = PUB;
    m.dst4 = OUT_HOST;
    m.sport = tcp ? PT : PU;
    m.ip_id = t_get16(p.b + 4);
    size_t olen = 0;
    assert_int_equal(
        pinhole_xlat_6to4(want.b, want.p.len, c.b, sizeof(c.b), &m, &olen), 0);
    assert_int_equal(p.p.len, olen);
    assert_memory_equal(p.b, c.b, olen);
    assert_int_equal(p.b[8], hl[i % 4]); /* the hop limit as the TTL */
    assert_int_equal(p.b[1], tc);
    own4(p.b, p.p.len);
    n++;
  }
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1 + n,
             PINHOLE_CNT_NAT64_XLAT, 3 + n, -1);
  t_ctx_del(t);
}

/* The reply direction in place (RFC 7915 sec. 4.1, 4.5; pkt/xlat_plain.h):
 * 400 established IPv4 UDP and TCP replies from the server, payloads
 * 0..1400 bytes, TOS values, TTL 1, 2, 64, 255, DF set or clear, some
 * UDP ones without a checksum (computed), leave exactly as
 * pinhole_xlat_4to6 writes a copy with the session's addresses and
 * ports, their checksums right by the test's own sum, counted once each.
 * One with DF clear whose translation exceeds 1280 bytes goes out cut
 * (the general path's, with the emit callback); one without room for the
 * 20 more bytes is dropped as before (NAT64_NOBUF); with just the room,
 * forwarded. */
static void test_nat64_reply_same_bytes(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 30000, 30999);
  tpkt p, c, want;
  uint16_t PU, PT;
  two_sessions(t, &PU, &PT);
  static const uint8_t tl[] = {1, 2, 64, 255};
  uint64_t r = 0x9e3779b97f4a7c15ull;
  unsigned n = 0, none = 0, cut = 0;
  for (unsigned i = 0; i < 400; i++) {
    r ^= r << 13;
    r ^= r >> 7;
    r ^= r << 17;
    size_t len = (size_t)(r >> 20) % 1401;
    int tcp = i & 1;
    size_t hdr = tcp ? 20 : 8, l4n = hdr + len;
    uint8_t *b = p.b, *l4 = p.b + 20;
    t_ip(b, 20 + l4n, tcp ? PINHOLE_IPPROTO_TCP : PINHOLE_IPPROTO_UDP, OUT_HOST,
         PUB);
    b[1] = (uint8_t)(r >> 8);
    t_put16(b + 4, (uint16_t)(r >> 24));
    int df = 20 + 40 + l4n <= 1280 ? (int)(r >> 40) & 1 : i % 8 != 6;
    t_put16(b + 6, df ? 0x4000 : 0);
    b[8] = tl[(i / 2) % 4];
    for (size_t k = 0; k < l4n; k++)
      l4[k] = (uint8_t)(r >> (k % 56));
    memset(l4, 0, hdr);
    if (tcp) {
      t_put16(l4, 80);
      t_put16(l4 + 2, PT);
      t_put32(l4 + 4, 5001); /* the same data again: in the window */
      t_put32(l4 + 8, 1001);
      l4[12] = 5 << 4;
      l4[13] = PINHOLE_TCP_ACK;
      t_put16(l4 + 14, 65535);
    } else {
      t_put16(l4, 53);
      t_put16(l4 + 2, PU);
      t_put16(l4 + 4, (uint16_t)l4n);
    }
    int zero = !tcp && i % 10 == 4; /* no checksum: computed (sec. 4.5) */
    if (!zero) {
      uint32_t ps = osum(0, b + 12, 8) + b[9] + (uint32_t)l4n;
      uint16_t ck = ofold(osum(ps, l4, l4n));
      t_put16(l4 + (tcp ? 16 : 6), !tcp && ck == 0 ? 0xffff : ck);
    }
    own4_set(b);
    p.p.data = p.b;
    p.p.len = (uint32_t)(20 + l4n);
    p.p.cap = sizeof(p.b);
    want = p;
    int emitted = t->nemitted;
    assert_int_equal(t_out(t, &p, SEC + i), PINHOLE_VERDICT_FORWARD);
    if (!df && 40 + l4n > 1280) { /* cut: the general path's (4.1) */
      assert_int_equal(p.p.len, 1280);
      assert_int_equal(t->nemitted, emitted + 1);
      cut++;
      n++;
      continue;
    }
    assert_int_equal(t->nemitted, emitted);
    pinhole_xlat_map m;
    memset(&m, 0, sizeof(m));
    a6(m.src6, SRV6);
    a6(m.dst6, CLI);
    m.sport = tcp ? 80 : 53;
    m.dport = tcp ? 40000 : 5353;
    size_t olen = 0;
    assert_int_equal(
        pinhole_xlat_4to6(want.b, want.p.len, c.b, sizeof(c.b), &m, &olen), 0);
    assert_int_equal(p.p.len, olen);
    assert_int_equal(olen, 40 + l4n);
    assert_memory_equal(p.b, c.b, olen);
    assert_int_equal(p.b[7], tl[(i / 2) % 4]); /* the TTL as hop limit */
    assert_int_equal((uint8_t)(t_get16(p.b) >> 4), want.b[1]); /* TOS */
    own6(p.b, p.p.len);
    none += zero;
    n++;
  }
  assert_true(none > 10);
  assert_true(cut > 0);
  /* no room for the 20 bytes more: dropped, as the general path does */
  t_udp(&p, OUT_HOST, 53, PUB, PU, "no room");
  p.p.cap = p.p.len + 19;
  assert_int_equal(t_out(t, &p, SEC + 500), PINHOLE_VERDICT_DROP);
  t_udp(&p, OUT_HOST, 53, PUB, PU, "room");
  p.p.cap = p.p.len + 20;
  assert_int_equal(t_out(t, &p, SEC + 500), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.p.len, 40 + 8 + 4);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 2 + n,
             PINHOLE_CNT_NAT64_XLAT, 4 + n, PINHOLE_CNT_NAT64_NOBUF, 1,
             PINHOLE_CNT_EXIST_DISCARD, 1, -1);
  t_ctx_del(t);
}

/* RFC 6146 sec. 3.5.1 / RFC 4787 REQ-8 with PINHOLE_CFG_EIF (as for
 * NAT44): any IPv4 host may reach an existing NAT64 mapping; the packet
 * opens a session back to the mapping's IPv6 host, from the sender
 * under the prefix (exact bytes, RFC 7915 sec. 4.1, 4.5), and the host's
 * answer leaves through it (sec. 5.1). A TCP segment that is no SYN
 * opens nothing; a mapping's other protocol is no mapping. (Without the
 * flag: test_nat64_udp_eim, address-dependent.) */
static void test_nat64_eif_rfc6146_3_5_1(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 8;
  cfg.flags |= PINHOLE_CFG_EIF;
  tctx *t = t_ctx_pool(&cfg, PUB, PUB, 30000, 30999);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, wkp, 96, PINHOLE_NAT64_LAB),
                   0);
  rule64(t, "64:ff9b::", 96, t->pool);
  tpkt p, e;
  b6_udp(&p, CLI, 5353, SRV6, 53, "query");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = out_sport(&p);
  t_udp(&p, SRV2, 5060, PUB, P, "unsolicited");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV26, 5060, CLI, 5353, "unsolicited");
  same6(&p, &e);
  b6_udp(&p, CLI, 5353, SRV26, 5060, "reply");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_udp(&e, PUB, P, SRV2, 5060, "reply");
  same4(&p, &e);
  /* TCP to the UDP mapping's port: no mapping, no rule */
  t_tcp_n(&p, SRV2, 5061, PUB, P, 9, 0, PINHOLE_TCP_SYN, NULL, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  char want[200];
  snprintf(want, sizeof(want),
           "PINHOLE_FLOW_CREATED: conv=2 proto=UDP side=outside "
           "[2001:db8:1::2]:5353 -> [64:ff9b::c613:7]:5060 nat "
           "198.19.0.1:%u -> 198.19.0.7:5060 state=forward "
           "reason=\"endpoint-independent filtering\"",
           P);
  if (!t_has_event(t, want)) {
    t_dump(t);
    fail_msg("no event %s", want);
  }
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_NAT64_XLAT, 3, -1);
  t_ctx_del(t);
}

/* NAT64 mappings take the mapping slots with an IPv6 host record (2 *
 * max_conns6 + 2 * max_pinholes of them), IPv4 ones the others first and
 * then those: with IPv4 mappings past their own slots, a NAT64 mapping
 * still gets a record, and endpoint-independent filtering reaches its
 * IPv6 host through it. */
static void test_nat64_map6_slots(void **state) {
  (void)state;
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 8;
  cfg.max_pinholes = 4;
  cfg.max_mappings = 40; /* 24 with a record, 16 without */
  cfg.flags |= PINHOLE_CFG_EIF;
  tctx *t = t_ctx_pool(&cfg, PUB, PUB, 30000, 30999);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, wkp, 96, PINHOLE_NAT64_LAB),
                   0);
  rule64(t, "64:ff9b::", 96, t->pool);
  tpkt p, e;
  for (uint16_t i = 0; i < 36; i++) { /* 16 slots without, 20 with */
    t_udp(&p, IP4(198, 18, 0, 20), (uint16_t)(7000 + i), SRV2, 5001, "q");
    if (t_in(t, &p, SEC) != PINHOLE_VERDICT_FORWARD) {
      t_dump(t);
      fail_msg("flow %u", i);
    }
  }
  b6_udp(&p, CLI, 5353, SRV6, 53, "query");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = out_sport(&p);
  t_udp(&p, SRV2, 5060, PUB, P, "unsolicited");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV26, 5060, CLI, 5353, "unsolicited");
  same6(&p, &e);
  pinhole_usage u = {.size = sizeof(u)};
  assert_int_equal(pinhole_usage_get(t->ctx, &u), 0);
  assert_int_equal(u.mappings, 37);
  t_ctx_del(t);
}

/* RFC 6146 sec. 3.5.3 (ICMP query session: the identifier is the port),
 * RFC 7915 sec. 5.2 (ICMPv6 echo request 128 -> ICMP 8, checksum without
 * a pseudo-header) and 4.2 (echo reply 0 -> 129); the listing names the
 * IPv6 side ICMPv6. */
static void test_nat64_echo(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 40000, 40999);
  tpkt p, e;
  b6_echo(&p, CLI, SRV6, PINHOLE_ICMP6_ECHO, 0x0a0b, 1);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.b[9], 1);
  uint16_t id = t_get16(p.b + 24);
  assert_true(id >= 40000 && id <= 40999);
  t_echo(&e, PUB, OUT_HOST, 8, id, 1);
  same4(&p, &e);
  t_echo(&p, OUT_HOST, PUB, 0, id, 1);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_echo(&e, SRV6, CLI, PINHOLE_ICMP6_ECHOREPLY, 0x0a0b, 1);
  same6(&p, &e);
  /* an echo request from outside to the mapping is no answer */
  t_echo(&p, OUT_HOST, PUB, 8, id, 2);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_ERR_ICMP, 1,
             PINHOLE_CNT_ICMP_MISMATCH_SEQ, 1, PINHOLE_CNT_NAT64_XLAT, 2, -1);
  char want[1024];
  snprintf(want, sizeof(want),
           "Conversation: ALG protocol: none\n"
           "  Number of initiators: 1, Number of responders: 1\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "ICMPv6 [2001:db8:1::2]:2571 -> [64:ff9b::c613:2]:2571 Forward  I"
           "          1\n"
           "    NAT64 198.19.0.1:%u -> 198.19.0.2:%u\n"
           "ICMP 198.19.0.2:%u -> 198.19.0.1:%-10uForward  O          1\n"
           "    NAT64 [64:ff9b::c613:2]:2571 -> [2001:db8:1::2]:2571\n",
           id, id, id, id);
  t_listing_is(t, want);
  t_ctx_del(t);
}

/* A UDP flow out (CLI:6000 -> SRV6:33434), its IPv4 packet in *out4 and
 * the IPv6 one in *out6. */
static uint16_t udp_out(tctx *t, tpkt *out6, tpkt *out4) {
  b6_udp(out6, CLI, 6000, SRV6, 33434, "probe");
  *out4 = *out6;
  out4->p.data = out4->b;
  assert_int_equal(t_in(t, out4, SEC), PINHOLE_VERDICT_FORWARD);
  return out_sport(out4);
}

/* RFC 6146 sec. 3.4 (an ICMP error's tuple is its quote's), RFC 7915
 * sec. 4.2 (type/code mapping: time exceeded 11/0 -> 3/0, port
 * unreachable 3/3 -> 1/4, fragmentation needed 3/4 -> packet too big
 * 2/0 with the MTU + 20) and 4.3 (the quoted packet translated back to
 * what the IPv6 host sent); a router's address under the prefix. */
static void test_nat64_icmp4_errors_back(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 50000, 50999);
  tpkt o6, o4, p, e;
  udp_out(t, &o6, &o4);
  /* time exceeded from a router */
  t_icmp_err(&p, RTR4, PUB, 11, 0, o4.b, o4.p.len);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_err(&e, RTR6, CLI, PINHOLE_ICMP6_TIMXCEED, 0, 0, &o6);
  same6(&p, &e);
  /* port unreachable from the server */
  t_icmp_err(&p, OUT_HOST, PUB, 3, 3, o4.b, o4.p.len);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_err(&e, SRV6, CLI, PINHOLE_ICMP6_UNREACH, 4, 0, &o6);
  same6(&p, &e);
  /* fragmentation needed, next-hop MTU 1400: the IPv6 host hears 1420 */
  t_icmp_err(&p, RTR4, PUB, 3, 4, o4.b, o4.p.len);
  t_put16(p.b + 26, 1400);
  t_fix(&p);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_err(&e, RTR6, CLI, PINHOLE_ICMP6_TOOBIG, 0, 1420, &o6);
  same6(&p, &e);
  /* an error whose quote is no flow (a UDP probe to the traceroute
   * ports: the Traceroute ALG's count) */
  t_udp(&o4, PUB, 1, OUT_HOST, 33434, "probe");
  t_icmp_err(&p, RTR4, PUB, 11, 0, o4.b, o4.p.len);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* the server's port unreachable is the UDP port-scan signature, as
   * for NAT44 */
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_TRACEROUTE, 1, PINHOLE_CNT_ERR_UDP, 1,
             PINHOLE_CNT_UDP_PORT_SCAN, 1, PINHOLE_CNT_NAT64_XLAT, 4, -1);
  t_ctx_del(t);
}

/* What NAT64 does not translate: an ICMP error RFC 7915 sec. 4.2 drops
 * (parameter problem code 1, "missing a required option": "NAT64
 * translation failures"); the session goes on. */
static void test_nat64_not_translated(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 41000, 41999);
  tpkt o6, o4, p, e;
  uint16_t P = udp_out(t, &o6, &o4);
  /* parameter problem, missing a required option: dropped */
  t_icmp_err(&p, RTR4, PUB, 12, 1, o4.b, o4.p.len);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* and the session still works */
  t_udp(&p, OUT_HOST, 33434, PUB, P, "answer");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, SRV6, 33434, CLI, 6000, "answer");
  same6(&p, &e);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_NAT64_XLAT, 2,
             PINHOLE_CNT_NAT64_FAIL, 1, -1);
  t_ctx_del(t);
}

/* ---- fragments (RFC 7915 sec. 4.1, 5.1.1; RFC 6146 sec. 3.4) --------- */

/* 40 bytes of UDP payload, every byte different */
static void data40(char out[41]) {
  for (int i = 0; i < 40; i++)
    out[i] = (char)('A' + i);
  out[40] = '\0';
}

static void same_bytes(const tpkt *p, const tpkt *want) {
  assert_int_equal(p->p.len, want->p.len);
  assert_memory_equal(p->b, want->b, p->p.len);
}

/* RFC 7915 sec. 5.1.1 (an IPv6 fragment -> an IPv4 fragment: the low 16
 * bits of the identification, offset, MF, DF clear), sec. 5.5 and RFC
 * 6146 sec. 3.4 (the first fragment creates the session; its UDP
 * checksum is adjusted, not recomputed, so it is the whole IPv4
 * datagram's), the later fragment follows its first through the
 * fragment table; RFC 5722 (an overlap drops the rest of its datagram);
 * a later fragment without its first is dropped; an entry times out
 * (frag_timeout_ms) counted. */
static void test_nat64_frag6_out_rfc7915_5_1_1(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 42000, 42999);
  char d[41];
  data40(d);
  tpkt w6, w4, p, e;
  b6_udp(&w6, CLI, 7000, SRV6, 53, d);
  t6_frag6(&p, &w6, 0, 24, 1, 0x12345eedu);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = out_sport(&p);
  t_udp(&w4, PUB, P, OUT_HOST, 53, d); /* the whole datagram, translated */
  t6_frag4(&e, &w4, 0, 24, 1, 0, 0x5eed);
  same_bytes(&p, &e);
  t6_frag6(&p, &w6, 24, 24, 0, 0x12345eedu);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t6_frag4(&e, &w4, 24, 24, 0, 0, 0x5eed);
  same_bytes(&p, &e);
  /* another datagram: an overlapping piece drops it, and what follows */
  t6_frag6(&p, &w6, 0, 24, 1, 0x0101u);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t6_frag4(&e, &w4, 0, 24, 1, 0, 0x0101);
  same_bytes(&p, &e);
  t6_frag6(&p, &w6, 16, 32, 0, 0x0101u);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t6_frag6(&p, &w6, 24, 24, 0, 0x0101u);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* a later fragment whose first never comes: held as an orphan, then
   * timed out (counted) */
  t6_frag6(&p, &w6, 24, 24, 0, 0x0202u);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HELD);
  /* a datagram whose end never comes: its entry times out (counted),
   * and a piece after that is an orphan again, never sent on */
  t6_frag6(&p, &w6, 0, 24, 1, 0x0404u);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  for (int i = 0; i < 64 && pinhole_tick(t->ctx, 12 * SEC) > 0; i++)
    ;
  t6_frag6(&p, &w6, 24, 24, 0, 0x0404u);
  assert_int_equal(t_in(t, &p, 12 * SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nemitted, 0);
  /* a fragmented echo request: its checksum covers the whole message */
  b6_echo(&w6, CLI, SRV6, PINHOLE_ICMP6_ECHO, 0x0a0b, 1);
  t6_frag6(&p, &w6, 0, 8, 1, 0x0303u);
  assert_int_equal(t_in(t, &p, 12 * SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 5, PINHOLE_CNT_NAT64_XLAT, 4,
             PINHOLE_CNT_ERR_IP, 3, PINHOLE_CNT_IP_FRAG_OVERLAP, 1,
             PINHOLE_CNT_IP_FRAG_TIMEOUT, 2, PINHOLE_CNT_FRAGMENTS, 1,
             PINHOLE_CNT_REASM_HELD, 2, PINHOLE_CNT_REASM_TIMEOUT, 1,
             PINHOLE_CNT_NAT64_FRAGMENT, 1, -1);
  t_ctx_del(t);
}

/* A plain UDP datagram's three IPv6 pieces over NAT64 in order ord (ext:
 * a hop-by-hop and a destination options header before each fragment
 * header): the pieces before the first are held (orphans); the first is
 * translated (RFC 7915 sec. 5.1.1) and the held ones leave through emit,
 * each translated on its own in the order they came (the extension
 * headers dropped, sec. 5.1); the pieces after it follow translated.
 * Every piece out byte for byte; exact counters; no entry left. */
static void frag6_orphans(const int ord[3], int ext) {
  tctx *t = ctx64(PUB, PUB, 42000, 42999);
  char d[41];
  data40(d);
  tpkt w6, w4, p, e;
  b6_udp(&w6, CLI, 7000, SRV6, 53, d);
  const uint32_t id = 0x77770000u | (uint32_t)(ord[0] * 9 + ord[1] * 3 + ext);
  int held[3], nheld = 0, first_at = -1;
  uint16_t P = 0;
  t->nelog = 0;
  for (int i = 0; i < 3; i++) {
    int k = ord[i];
    (ext ? t6_frag6_ext : t6_frag6)(&p, &w6, 16u * (size_t)k, 16, k < 2, id);
    int vd = t_in(t, &p, SEC);
    if (first_at < 0 && k != 0) {
      assert_int_equal(vd, PINHOLE_VERDICT_HELD);
      held[nheld++] = k;
      continue;
    }
    assert_int_equal(vd, PINHOLE_VERDICT_FORWARD);
    if (k == 0) {
      first_at = i;
      P = out_sport(&p);
      t_udp(&w4, PUB, P, OUT_HOST, 53, d); /* the datagram, translated */
    }
    t6_frag4(&e, &w4, 16u * (size_t)k, 16, k < 2, 0, (uint16_t)id);
    same_bytes(&p, &e);
  }
  assert_int_equal(t->nelog, nheld);
  for (int j = 0; j < nheld; j++) {
    t6_frag4(&e, &w4, 16u * (size_t)held[j], 16, held[j] < 2, 0, (uint16_t)id);
    assert_int_equal(t->elog_side[j], PINHOLE_SIDE_OUTSIDE);
    assert_int_equal(t->elog_len[j], e.p.len);
    assert_memory_equal(t->elog[j], e.b, e.p.len);
  }
  pinhole_usage u;
  t_usage(t, &u);
  assert_int_equal(u.fragments, 0);
  /* each piece translated once; the held ones held once, as one */
  if (nheld)
    t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
               PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_NAT64_XLAT, 3, -1);
  else
    t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
               PINHOLE_CNT_NAT64_XLAT, 3, -1);
  t_ctx_del(t);
}

static void test_nat64_frag6_out_every_order(void **state) {
  (void)state;
  static const int perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                 {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (int ext = 0; ext < 2; ext++)
    for (int k = 0; k < 6; k++)
      frag6_orphans(perm[k], ext);
}

/* RFC 7915 sec. 4.1 (an IPv4 fragment -> IPv6 with a fragment header:
 * the identification zero-extended, offset, M), sec. 4.5 (the first
 * fragment's UDP checksum adjusted: the whole IPv6 datagram's); a later
 * fragment that came first is held and sent, translated, when its first
 * fragment says whose it is; RFC 5722 on the IPv6 side (an overlap drops
 * the rest); RFC 6146 sec. 3.4 / RFC 7915 sec. 4.5 (a fragmented UDP
 * datagram without a checksum is dropped, all of it). */
static void test_nat64_frag4_in_rfc7915_4_1(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 43000, 43999);
  tpkt o6, o4, w4, w6, p, e;
  uint16_t P = udp_out(t, &o6, &o4);
  char d[41];
  data40(d);
  t_udp(&w4, OUT_HOST, 33434, PUB, P, d);
  b6_udp(&w6, SRV6, 33434, CLI, 6000, d);
  t6_frag4(&p, &w4, 0, 24, 1, 0, 0x4d2);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t6_frag6(&e, &w6, 0, 24, 1, 0x4d2);
  same_bytes(&p, &e);
  t6_frag4(&p, &w4, 24, 24, 0, 0, 0x4d2);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t6_frag6(&e, &w6, 24, 24, 0, 0x4d2);
  same_bytes(&p, &e);
  /* the later fragment first: held, then emitted translated */
  t6_frag4(&p, &w4, 24, 24, 0, 0, 0xbeef);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t->nemitted, 0);
  t6_frag4(&p, &w4, 0, 24, 1, 0, 0xbeef);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t6_frag6(&e, &w6, 0, 24, 1, 0xbeef);
  same_bytes(&p, &e);
  assert_int_equal(t->nemitted, 1);
  assert_int_equal(t->elog_side[0], PINHOLE_SIDE_INSIDE);
  t6_frag6(&e, &w6, 24, 24, 0, 0xbeef);
  assert_int_equal(t->elog_len[0], e.p.len);
  assert_memory_equal(t->elog[0], e.b, e.p.len);
  /* an overlap on the way to IPv6: the datagram is dropped (RFC 5722) */
  t6_frag4(&p, &w4, 0, 24, 1, 0, 0x0707);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t6_frag4(&p, &w4, 16, 32, 0, 0, 0x0707);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t6_frag4(&p, &w4, 24, 24, 0, 0, 0x0707);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* without a UDP checksum: the first fragment and the rest dropped */
  t_put16(w4.b + 26, 0);
  t6_frag4(&p, &w4, 0, 24, 1, 0, 0x0808);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t6_frag4(&p, &w4, 24, 24, 0, 0, 0x0808);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 5,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_NAT64_XLAT, 6, PINHOLE_CNT_ERR_IP, 1,
             PINHOLE_CNT_IP_FRAG_OVERLAP, 1, PINHOLE_CNT_NAT64_FRAGMENT, 1,
             PINHOLE_CNT_FRAGMENTS, 2, -1);
  t_ctx_del(t);
}

/* RFC 7915 sec. 4 / 4.1: an IPv4 packet with DF clear whose translation
 * would exceed 1280 bytes leaves in IPv6 fragments of at most 1280 (the
 * identification the IPv4 one, zero-extended; the second piece through
 * emit); with DF set it leaves whole (the IPv6 path's packet too big
 * comes back as fragmentation needed). */
static void test_nat64_df_clear_cut_rfc7915_4(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 44000, 44999);
  tpkt o6, o4, w4, w6, p, e;
  uint16_t P = udp_out(t, &o6, &o4);
  uint8_t big[1408];
  for (size_t i = 0; i < sizeof(big); i++)
    big[i] = (uint8_t)(i * 7 + 3);
  t_udp_n(&w4, OUT_HOST, 33434, PUB, P, big + 8, 1400);
  /* the IPv6 datagram the server's answer is */
  t_put16(big, 33434);
  t_put16(big + 2, 6000);
  t_put16(big + 4, 1408);
  t_put16(big + 6, 0);
  b6(&w6, SRV6, CLI, PINHOLE_IPPROTO_UDP, big, sizeof(big), 6);
  p = w4;
  p.p.data = p.b;
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t6_frag6(&e, &w6, 0, 1232, 1, 0x1234);
  assert_int_equal(e.p.len, 1280);
  same_bytes(&p, &e);
  assert_int_equal(t->nemitted, 1);
  assert_int_equal(t->elog_side[0], PINHOLE_SIDE_INSIDE);
  t6_frag6(&e, &w6, 1232, 176, 0, 0x1234);
  assert_int_equal(t->elog_len[0], e.p.len);
  assert_memory_equal(t->elog[0], e.b, e.p.len);
  /* DF set: whole */
  p = w4;
  p.p.data = p.b;
  p.b[6] |= 0x40;
  own4_set(p.b);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  same6(&p, &w6);
  assert_int_equal(t->nemitted, 1);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_NAT64_XLAT, 3, -1);
  t_ctx_del(t);
}

/* ---- hairpinning (RFC 6146 sec. 3.8) ---------------------------------- */

#define PUB6 "64:ff9b::c613:1" /* PUB under the WKP */

/* RFC 6146 sec. 3.8: IPv6 host A reaches IPv6 host B of the same NAT64
 * through B's public endpoint under the prefix; B gets it as IPv6 from
 * A's own public endpoint under the prefix, and B's answer goes back the
 * same way (verdict HAIRPIN both ways: both hosts are inside), each
 * packet what RFC 7915 sec. 5.1 then 4.1 make of it (checksum adjusted
 * for both pseudo-headers and ports). The mapping log names the IPv6
 * host, not its fold. A pool port nobody holds is refused. */
static void test_nat64_hairpin_rfc6146_3_8(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 45000, 45999);
  tpkt p, e;
  b6_udp(&p, CLI2, 5000, SRV6, 53, "b-out");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t PB = out_sport(&p);
  char pub_b[48];
  snprintf(pub_b, sizeof(pub_b), "198.19.0.1:%u", PB);
  b6_udp(&p, CLI, 7000, PUB6, PB, "hello-b");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HAIRPIN);
  uint16_t PA = t_get16(p.b + 40);
  assert_true(PA >= 45000 && PA <= 45999 && PA != PB);
  b6_udp(&e, PUB6, PA, CLI2, 5000, "hello-b");
  same6(&p, &e);
  b6_udp(&p, CLI2, 5000, PUB6, PA, "hello-a, from b");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_HAIRPIN);
  b6_udp(&e, PUB6, PB, CLI, 7000, "hello-a, from b");
  same6(&p, &e);
  /* a TCP port nobody holds on the pool address: refused */
  b6_tcp(&p, CLI, 7001, PUB6, 45999, PINHOLE_TCP_SYN, 1, 0, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_NAT64_DST, 1,
             PINHOLE_CNT_NAT64_XLAT, 3, -1);
  char lst[1024];
  snprintf(lst, sizeof(lst),
           "Conversation: ALG protocol: none\n"
           "  Number of initiators: 1, Number of responders: 1\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "UDP [2001:db8:1::3]:5000 -> [64:ff9b::c613:2]:53 Forward  I"
           "          1\n"
           "    NAT64 198.19.0.1:%u -> 198.19.0.2:53\n"
           "UDP 198.19.0.2:53 -> 198.19.0.1:%-14uForward  O          0\n"
           "    NAT64 [64:ff9b::c613:2]:53 -> [2001:db8:1::3]:5000\n"
           "Conversation: ALG protocol: none\n"
           "  Number of initiators: 1, Number of responders: 1\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "UDP [2001:db8:1::2]:7000 -> [64:ff9b::c613:1]:%u Forward  I"
           "          1\n"
           "    NAT64 [64:ff9b::c613:1]:%u -> [2001:db8:1::3]:5000\n"
           "UDP [2001:db8:1::3]:5000 -> [64:ff9b::c613:1]:%u Forward  O"
           "          1\n"
           "    NAT64 [64:ff9b::c613:1]:%u -> [2001:db8:1::2]:7000\n",
           PB, PB, PB, PA, PA, PB);
  t_listing_is(t, lst);
  char want[160];
  snprintf(want, sizeof(want),
           "PINHOLE_MAPPING_CREATED: proto=UDP [2001:db8:1::3]:5000 -> %s",
           pub_b);
  if (!t_has_event(t, want)) {
    t_dump(t);
    fail_msg("no event %s", want);
  }
  t_ctx_del(t);
}

/* The operator's log line of a NAT64 mapping (the port allocation log)
 * names the client's IPv6 endpoint, as the event does (family 6, src6;
 * src.addr keeps the fold). */
static void test_nat64_mapping_log_ipv6(void **state) {
  (void)state;
  pinhole_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.size = sizeof(ev);
  ev.type = PINHOLE_EVENT_MAPPING_CREATED;
  ev.proto = PINHOLE_IPPROTO_UDP;
  ev.family = 6;
  a6(ev.src6, CLI2);
  ev.src = (pinhole_endpoint){0x0badf01du, 5000, 0};
  ev.nat_src = (pinhole_endpoint){PUB, 45032, 0};
  char buf[256];
  pinhole_event_format_syslog(NULL, &ev, 0, 0, NULL, buf, sizeof(buf));
  assert_string_equal(buf, "MAPPING_CREATED: proto 17 (UDP), "
                           "[2001:db8:1::3]:5000 -> 198.19.0.1:45032, NAT "
                           "mapping created");
  ev.family = 0; /* NAT44: the IPv4 address */
  pinhole_event_format_syslog(NULL, &ev, 0, 0, NULL, buf, sizeof(buf));
  assert_string_equal(buf, "MAPPING_CREATED: proto 17 (UDP), "
                           "11.173.240.29:5000 -> 198.19.0.1:45032, NAT "
                           "mapping created");
}

/* RFC 7915 sec. 5.2 (ICMPv6 port unreachable 1/4 -> ICMP 3/3, packet
 * too big -> fragmentation needed with the MTU - 20) and 5.3
 * (the quote: what the IPv4 server sent), from the public address to the
 * server (RFC 6146 sec. 3.4); an echo reply's quote keeps the public
 * identifier. */
static void test_nat64_icmp6_error_out(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 50000, 50999);
  tpkt o6, o4, in4, in6, p;
  uint16_t P = udp_out(t, &o6, &o4);
  t_udp(&in4, OUT_HOST, 33434, PUB, P, "answer");
  in6 = in4;
  in6.p.data = in6.b;
  assert_int_equal(t_out(t, &in6, SEC), PINHOLE_VERDICT_FORWARD);
  b6_err(&p, CLI, SRV6, PINHOLE_ICMP6_UNREACH, 4, 0, &in6);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* ICMP 3/3 from PUB to the server quoting its own datagram */
  assert_int_equal(p.p.len, 28 + in4.p.len);
  own4(p.b, p.p.len);
  assert_int_equal(t_get32(p.b + 12), PUB);
  assert_int_equal(t_get32(p.b + 16), OUT_HOST);
  assert_int_equal(p.b[20], 3);
  assert_int_equal(p.b[21], 3);
  /* the quote: in4 but its identification and header checksum */
  uint8_t *q = p.b + 28;
  memcpy(in4.b + 4, q + 4, 2);
  own4_set(in4.b);
  assert_memory_equal(q, in4.b, in4.p.len);
  /* packet too big, MTU 1280 (sec. 5.2: fragmentation needed, 3/4, the
   * MTU - 20) */
  b6_err(&p, CLI, SRV6, PINHOLE_ICMP6_TOOBIG, 0, 1280, &in6);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  own4(p.b, p.p.len);
  assert_int_equal(p.b[20], 3);
  assert_int_equal(p.b[21], 4);
  assert_int_equal(t_get16(p.b + 24), 0);
  assert_int_equal(t_get16(p.b + 26), 1260);
  assert_int_equal(t_get32(p.b + 12), PUB);
  assert_int_equal(t_get32(p.b + 16), OUT_HOST);
  memcpy(in4.b + 4, p.b + 28 + 4, 2);
  own4_set(in4.b);
  assert_memory_equal(p.b + 28, in4.b, in4.p.len);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_NAT64_XLAT, 4, -1);
  t_ctx_del(t);
}

/* RFC 6146 sec. 3.5.1.1: the pool's ports run out (a 2-port pool): the
 * third inside endpoint is refused as for NAT44, counted. */
static void test_nat64_ports_exhausted(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 61000, 61001);
  tpkt p;
  b6_udp(&p, CLI, 1111, SRV6, 53, "a");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, CLI2, 1111, SRV6, 53, "b");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&p, CLI, 2222, SRV6, 53, "c");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  /* an existing mapping still works */
  b6_udp(&p, CLI2, 1111, SRV26, 53, "d");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 3, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_DROP_NAT_PORTS, 1, PINHOLE_CNT_NAT64_XLAT, 3, -1);
  t_ctx_del(t);
}

/* RFC 6146 sec. 3.5.1.1 (paired address pooling: an IPv6 host keeps one
 * IPv4 address for its sessions) over a pool of two addresses. */
static void test_nat64_two_pool_addresses(void **state) {
  (void)state;
  uint32_t lo = IP4(198, 19, 0, 8), hi = IP4(198, 19, 0, 9);
  tctx *t = ctx64(lo, hi, 1024, 65535);
  static const char *const cli[] = {"2001:db8:1::2", "2001:db8:1::3",
                                    "2001:db8:1::4", "2001:db8:1::5",
                                    "2001:db8:1::6", "2001:db8:1::7"};
  int seen[2] = {0, 0};
  for (size_t i = 0; i < 6; i++) {
    uint32_t first = 0;
    for (uint16_t k = 0; k < 3; k++) {
      tpkt p;
      b6_udp(&p, cli[i], (uint16_t)(7000 + k), k ? SRV26 : SRV6, 53, "x");
      assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
      uint32_t src = t_get32(p.b + 12);
      assert_true(src == lo || src == hi);
      if (k == 0)
        first = src;
      assert_int_equal(src, first);
      own4(p.b, p.p.len);
      seen[src - lo] = 1;
    }
  }
  assert_true(seen[0] && seen[1]); /* both used, by six hosts */
  assert_int_equal(t_cnt(t, PINHOLE_CNT_NAT64_XLAT), 18);
  t_ctx_del(t);
}

/* RFC 6052 sec. 2.2: a /40 network-specific prefix puts the IPv4 address
 * around the u octet (bits 64-71), which must be zero. 198.19.0.2 under
 * 2001:db8:100::/40 is 2001:db8:1c6:1300:2::. */
static void test_nat64_prefix40(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 20000, 20099);
  uint8_t pfx[16];
  a6(pfx, "2001:db8:100::");
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, pfx, 40, 0), 0);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, pfx, 40, 0),
                   PINHOLE_ERR_EXISTS);
  rule64(t, "2001:db8:100::", 40, t->pool);
  tpkt p, e;
  b6_udp(&p, CLI, 4444, "2001:db8:1c6:1300:2::", 53, "q40");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = out_sport(&p);
  t_udp(&e, PUB, P, OUT_HOST, 53, "q40");
  same4(&p, &e);
  t_udp(&p, OUT_HOST, 53, PUB, P, "a40");
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, "2001:db8:1c6:1300:2::", 53, CLI, 4444, "a40");
  same6(&p, &e);
  /* a u octet that is not zero: no IPv4 address */
  b6_udp(&p, CLI, 4445, "2001:db8:1c6:1300:102::", 53, "bad-u");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_NAT64_DST, 1,
             PINHOLE_CNT_NAT64_XLAT, 2, -1);
  t_ctx_del(t);
}

/* RFC 6052 sec. 3.1: the well-known prefix must not reach non-global
 * IPv4 addresses; PINHOLE_NAT64_LAB waives 198.18/15 only. Loopback,
 * this network, multicast and our own pool address (no hairpinning) are
 * refused under any prefix. */
static void test_nat64_forbidden_dst(void **state) {
  (void)state;
  static const char *const bad[] = {
      "64:ff9b::a00:1",    /* 10.0.0.1 */
      "64:ff9b::c0a8:101", /* 192.168.1.1 */
      "64:ff9b::7f00:1",   /* 127.0.0.1 */
      "64:ff9b::e000:1",   /* 224.0.0.1 */
      "64:ff9b::c613:1",   /* PUB, the pool */
  };
  tctx *t = ctx64(PUB, PUB, 20000, 20099);
  tpkt p;
  for (size_t i = 0; i < 5; i++) {
    b6_udp(&p, CLI, (uint16_t)(3000 + i), bad[i], 53, "x");
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  }
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 5, PINHOLE_CNT_NAT64_DST, 5, -1);
  t_ctx_del(t);
  /* without the lab waiver, 198.19.0.2 is non-global too */
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 8;
  t = t_ctx_cfg(&cfg);
  rule64(t, "64:ff9b::", 96, t->pool);
  b6_udp(&p, CLI, 3000, SRV6, 53, "x");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_counters(t, PINHOLE_CNT_NEW_DISCARD, 1, PINHOLE_CNT_NAT64_DST, 1, -1);
  t_ctx_del(t);
}

/* The API: prefix lengths of RFC 6052 only, the lab flag only with the
 * WKP, a NAT64 rule's destination inside a prefix, inside only. */
static void test_nat64_config_checks(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 20000, 20099);
  uint8_t pfx[16];
  a6(pfx, "2001:db8:200::");
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, pfx, 44, 0),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, pfx, 48, 0x80),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, pfx, 48, PINHOLE_NAT64_LAB),
                   PINHOLE_ERR_INVALID_ARG);
  a6(pfx, "2001:db8:200:0:ff00::"); /* a /96 with the u octet set */
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, pfx, 96, 0),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_nat64_prefix_add(NULL, pfx, 96, 0),
                   PINHOLE_ERR_INVALID_ARG);
  /* a rule to a destination under no prefix, or from outside */
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.family = 6;
  r.side = PINHOLE_SIDE_INSIDE;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = t->pool;
  a6(r.dst6, "2001:db8:300::");
  r.dst_plen = 40;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  a6(r.dst6, "64:ff9b::");
  r.dst_plen = 64; /* wider than the /96 */
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  r.dst_plen = 96;
  r.side = PINHOLE_SIDE_OUTSIDE;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  r.side = PINHOLE_SIDE_INSIDE;
  r.pool = 9;
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  for (unsigned i = 0; i < PINHOLE_NAT64_PREFIX_MAX - 1; i++) {
    a6(pfx, "2001:db8::");
    pfx[4] = (uint8_t)(0x10 + i); /* inside every length from /40 */
    assert_int_equal(pinhole_nat64_prefix_add(t->ctx, pfx, 40 + 8 * (i % 4), 0),
                     0);
  }
  a6(pfx, "2001:db8:ff::");
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, pfx, 48, 0),
                   PINHOLE_ERR_FULL);
  t_ctx_del(t);
  /* IPv6 off: no NAT64 */
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 0;
  t = t_ctx_cfg(&cfg);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, wkp, 96, 0),
                   PINHOLE_ERR_INVALID_ARG);
  t_ctx_del(t);
}

/* Hostile: every truncation of an inside IPv6 packet and of an outside
 * IPv4 answer is dropped and counted, never translated; an answer whose
 * IPv6 form does not fit the buffer's cap is dropped (NAT64 NOBUF). */
static void test_nat64_truncated_and_cap(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 20000, 20099);
  tpkt p, e;
  b6_udp(&e, CLI, 9999, SRV6, 53, "truncate-me");
  for (uint32_t n = 0; n < e.p.len; n++) {
    p = e;
    p.p.data = p.b;
    p.p.len = n;
    assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  }
  assert_int_equal(t_cnt(t, PINHOLE_CNT_NAT64_XLAT), 0);
  p = e;
  p.p.data = p.b;
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  uint16_t P = out_sport(&p);
  t_udp(&e, OUT_HOST, 53, PUB, P, "truncated-answer");
  for (uint32_t n = 0; n < e.p.len; n++) {
    p = e;
    p.p.data = p.b;
    p.p.len = n;
    assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  }
  assert_int_equal(t_cnt(t, PINHOLE_CNT_NAT64_XLAT), 1);
  /* room for the IPv4 packet only */
  p = e;
  p.p.data = p.b;
  p.p.cap = p.p.len + 19;
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_NAT64_NOBUF), 1);
  p = e;
  p.p.data = p.b;
  p.p.cap = p.p.len + 20;
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(p.p.len, e.p.len + 20);
  own6(p.b, p.p.len);
  /* an inside IPv6 fragment of the connection: not translated */
  b6_udp(&e, CLI, 9999, SRV6, 53, "frag");
  uint8_t frag[256];
  memcpy(frag, e.b, 40);
  frag[6] = PINHOLE_IP6_NH_FRAGMENT;
  memset(frag + 40, 0, 8);
  frag[40] = PINHOLE_IPPROTO_UDP;
  frag[43] = 1; /* M */
  t_put32(frag + 44, 77);
  memcpy(frag + 48, e.b + 40, e.p.len - 40);
  t_put16(frag + 4, (uint16_t)(e.p.len - 40 + 8));
  memcpy(p.b, frag, e.p.len + 8);
  p.p.len = e.p.len + 8;
  p.p.cap = sizeof(p.b);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_DROP);
  t_ctx_del(t);
}

/* ---- FTP64 (RFC 6384) ---------------------------------------------------- */

#define FTP_CSEQ 100u  /* the client's ISN */
#define FTP_SSEQ 5000u /* the server's ISN */

/* A NAT64 FTP control connection CLI:40021 -> SRV6:21 through pool
 * public endpoint *pub_port, up to the server's greeting; *ack: the next
 * server byte. */
static void ftp64_control(tctx *t, uint32_t pool, uint16_t *pub_port,
                          uint32_t *ack) {
  tpkt p;
  b6_tcp(&p, CLI, 40021, SRV6, 21, PINHOLE_TCP_SYN, FTP_CSEQ, 0, NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_get32(p.b + 12), pool);
  *pub_port = out_sport(&p);
  t_tcp_n(&p, OUT_HOST, 21, pool, *pub_port, FTP_SSEQ, FTP_CSEQ + 1,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&p, CLI, 40021, SRV6, 21, PINHOLE_TCP_ACK, FTP_CSEQ + 1, FTP_SSEQ + 1,
         NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  *ack = FTP_SSEQ + 1 + T_FTP_GREETING_LEN;
  t_ftp_greet(t, OUT_HOST, pool, *pub_port, *ack, FTP_CSEQ + 1);
}

/* RFC 6384 sec. 7.2 (EPRT from an IPv6 client through NAT64), RFC 2428
 * sec. 2: EPRT |2|<client>|50000| leaves as EPRT |1|<pool>|<public
 * port>| (a new length: IP total length, both checksums, the sequence
 * delta on every later segment both ways); the server's IPv4 data SYN
 * from port 20 reaches the client as IPv6 through the pinhole (RFC 7915
 * sec. 4.1, 4.5), joined to the conversation. */
static void ftp64_eprt(uint32_t pool, uint16_t lo, uint16_t hi) {
  tctx *t = ctx64(pool, pool, lo, hi);
  tpkt p, e;
  uint16_t P;
  uint32_t g;
  ftp64_control(t, pool, &P, &g);
  const char *cmd = "EPRT |2|2001:db8:1::2|50000|\r\n";
  size_t l1 = strlen(cmd);
  uint32_t c2 = FTP_CSEQ + 1;
  b6_tcp(&p, CLI, 40021, SRV6, 21, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, c2, g,
         cmd);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  /* the public data port, read from the output, then the whole output
   * laid out by the test */
  unsigned q = 0;
  char ip[20];
  char txt[64];
  size_t ol = p.p.len - 40;
  assert_true(ol < sizeof(txt));
  memcpy(txt, p.b + 40, ol);
  txt[ol] = '\0';
  assert_int_equal(sscanf(txt, "EPRT |1|%19[0-9.]|%u|\r\n", ip, &q), 2);
  assert_true(q >= lo && q <= hi && q != P);
  char want[1600];
  snprintf(want, sizeof(want), "EPRT |1|%u.%u.%u.%u|%u|\r\n", pool >> 24,
           (pool >> 16) & 255, (pool >> 8) & 255, pool & 255, q);
  size_t l2 = strlen(want);
  assert_true(l2 != l1);
  t_tcp(&e, pool, P, OUT_HOST, 21, c2, g, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
        want);
  same4(&p, &e);
  int32_t d = (int32_t)l2 - (int32_t)l1;

  /* the server's reply acknowledges the longer command: the client sees
   * its own numbering */
  const char *ok = "200 EPRT command successful.\r\n";
  t_tcp(&p, OUT_HOST, 21, pool, P, g, c2 + (uint32_t)l2,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, ok);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&e, SRV6, 21, CLI, 40021, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, g,
         c2 + (uint32_t)l1, ok);
  same6(&p, &e);
  uint32_t g2 = g + (uint32_t)strlen(ok);

  /* the next command leaves at the shifted sequence number */
  b6_tcp(&p, CLI, 40021, SRV6, 21, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
         c2 + (uint32_t)l1, g2, "LIST\r\n");
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp(&e, pool, P, OUT_HOST, 21, c2 + (uint32_t)l1 + (uint32_t)d, g2,
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, "LIST\r\n");
  same4(&p, &e);

  /* the server's data connection from port 20, IPv4, to the pool's
   * public endpoint: a NAT64 connection to the client's IPv6 endpoint */
  t_tcp_n(&p, OUT_HOST, 20, pool, (uint16_t)q, 9000, 0, PINHOLE_TCP_SYN, NULL,
          0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  b6_tcp(&e, SRV6, 20, CLI, 50000, PINHOLE_TCP_SYN, 9000, 0, NULL);
  same6(&p, &e);
  b6_tcp(&p, CLI, 50000, SRV6, 20, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 300, 9001,
         NULL);
  assert_int_equal(t_in(t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  t_tcp_n(&e, pool, (uint16_t)q, OUT_HOST, 20, 300, 9001,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  same4(&p, &e);
  /* a second SYN to the same public endpoint finds no pinhole: consumed */
  t_tcp_n(&p, OUT_HOST, 21000, pool, (uint16_t)q, 9100, 0, PINHOLE_TCP_SYN,
          NULL, 0);
  assert_int_equal(t_out(t, &p, SEC), PINHOLE_VERDICT_DROP);

  t_counters(t, PINHOLE_CNT_NEW_ACCEPT, 2, PINHOLE_CNT_NEW_DISCARD, 1,
             PINHOLE_CNT_EXIST_ACCEPT, 7, PINHOLE_CNT_DROP_NO_RULE, 1,
             PINHOLE_CNT_NAT64_XLAT, 9, PINHOLE_CNT_PINHOLE_CREATED, 1,
             PINHOLE_CNT_PINHOLE_USED, 1, -1);
  char a[16];
  snprintf(a, sizeof(a), "%u.%u.%u.%u", pool >> 24, (pool >> 16) & 255,
           (pool >> 8) & 255, pool & 255);
  char pd[40], qd[40];
  snprintf(pd, sizeof(pd), "%s:%u", a, P);
  snprintf(qd, sizeof(qd), "%s:%u", a, q);
  snprintf(want, sizeof(want),
           "Conversation: ALG protocol: ftp\n"
           "  Number of initiators: 2, Number of responders: 2\n"
           "Flow                                          State    Dir  "
           "Frm count\n"
           "TCP [2001:db8:1::2]:40021 -> [64:ff9b::c613:2]:21 Watch    I"
           "          4\n"
           "    NAT64 %s -> 198.19.0.2:21\n"
           "TCP [2001:db8:1::2]:50000 -> [64:ff9b::c613:2]:20 Forward  I"
           "          1\n"
           "    NAT64 %s -> 198.19.0.2:20\n"
           "TCP 198.19.0.2:21 -> %-25sWatch    O          3\n"
           "    NAT64 [64:ff9b::c613:2]:21 -> [2001:db8:1::2]:40021\n"
           "TCP 198.19.0.2:20 -> %-25sForward  O          1\n"
           "    NAT64 [64:ff9b::c613:2]:20 -> [2001:db8:1::2]:50000\n",
           pd, qd, pd, qd);
  t_listing_is(t, want);
  /* the EPRT's mapping names its IPv6 host, as the connection's own */
  snprintf(want, sizeof(want),
           "PINHOLE_MAPPING_CREATED: proto=TCP [2001:db8:1::2]:50000 -> "
           "%u.%u.%u.%u:%u",
           pool >> 24, (pool >> 16) & 255, (pool >> 8) & 255, pool & 255, q);
  if (!t_has_event(t, want)) {
    t_dump(t);
    fail_msg("no event %s", want);
  }
  t_ctx_del(t);
}

static void test_ftp64_eprt(void **state) {
  (void)state;
  ftp64_eprt(PUB, 20000, 20099);
  /* another pool address and a narrow range: a shorter public port */
  ftp64_eprt(IP4(198, 19, 0, 200), 1030, 1039);
}

/* One hostile client line on a fresh NAT64 FTP control connection: its
 * verdict, and what leaves (want NULL: the line as sent). */
static tctx *ftp64_line(const char *line, int verdict) {
  tctx *t = ctx64(PUB, PUB, 20000, 20099);
  tpkt p, e;
  uint16_t P;
  uint32_t g;
  ftp64_control(t, PUB, &P, &g);
  b6_tcp(&p, CLI, 40021, SRV6, 21, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
         FTP_CSEQ + 1, g, line);
  assert_int_equal(t_in(t, &p, SEC), verdict);
  if (verdict == PINHOLE_VERDICT_FORWARD) {
    t_tcp(&e, PUB, P, OUT_HOST, 21, FTP_CSEQ + 1, g,
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, line);
    same4(&p, &e);
  }
  return t;
}

/* RFC 6384 sec. 7.2 with RFC 2577 (bounce) and the ALG contract's
 * policy: an EPRT naming another host or a port below 1024, an IPv4
 * endpoint from an IPv6 client (EPRT |1|, PORT) are counted and pass
 * untranslated, opening nothing; an EPRT |2| the parser cannot read (it
 * may hold the client's address) is dropped (fail closed). */
static void test_ftp64_hostile(void **state) {
  (void)state;
  static const char *const passed[] = {
      "EPRT |2|2001:db8:1::99|50000|\r\n", /* another host */
      "EPRT |2|2001:db8:1::2|1023|\r\n",   /* a low port */
      "EPRT |1|198.18.0.5|50000|\r\n",     /* IPv4 from an IPv6 client */
      "PORT 198,18,0,5,195,80\r\n",
  };
  for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++) {
    tctx *t = ftp64_line(passed[i], PINHOLE_VERDICT_FORWARD);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_FTP), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 0);
    pinhole_usage u;
    t_usage(t, &u);
    assert_int_equal(u.mappings, 1); /* the control connection's only */
    t_ctx_del(t);
  }
  static const char *const dropped[] = {
      "EPRT |2|2001:db8:1::zz|50000|\r\n", /* not an IPv6 address */
      "EPRT |2|2001:db8:1::2|70000|\r\n",  /* port out of range */
      "EPRT |2|2001:db8:1::2|50000\r\n",   /* no closing delimiter */
  };
  for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
    tctx *t = ftp64_line(dropped[i], PINHOLE_VERDICT_DROP);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_FTP), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_ALG_UNTRANSLATED), 1);
    assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
    t_ctx_del(t);
  }
  /* EPSV and its 229 pass untouched, nothing opened */
  tctx *t = ftp64_line("EPSV\r\n", PINHOLE_VERDICT_FORWARD);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_ERR_ALG), 0);
  assert_int_equal(t_cnt(t, PINHOLE_CNT_PINHOLE_CREATED), 0);
  t_ctx_del(t);
}

/* A NAT64 rule names only an ALG that crosses the families. */
static void test_ftp64_rule_alg(void **state) {
  (void)state;
  tctx *t = ctx64(PUB, PUB, 20000, 20099);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.family = 6;
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = t->pool;
  a6(r.dst6, "64:ff9b::");
  r.dst_plen = 96;
  snprintf(r.alg, sizeof(r.alg), "h323"); /* no NAT64 support */
  assert_int_equal(pinhole_rule_add(t->ctx, &r), PINHOLE_ERR_INVALID_ARG);
  snprintf(r.alg, sizeof(r.alg), "rtsp"); /* RTSP over NAT64 */
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  snprintf(r.alg, sizeof(r.alg), "ftp");
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  snprintf(r.alg, sizeof(r.alg), "sip"); /* test_nat64_sip.c */
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  snprintf(r.alg, sizeof(r.alg), "none");
  assert_true(pinhole_rule_add(t->ctx, &r) >= 0);
  t_ctx_del(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nat64_tcp_handshake),
      cmocka_unit_test(test_nat64_udp_eim),
      cmocka_unit_test(test_nat64_established_same_bytes),
      cmocka_unit_test(test_nat64_reply_same_bytes),
      cmocka_unit_test(test_nat64_eif_rfc6146_3_5_1),
      cmocka_unit_test(test_nat64_map6_slots),
      cmocka_unit_test(test_nat64_echo),
      cmocka_unit_test(test_nat64_icmp4_errors_back),
      cmocka_unit_test(test_nat64_not_translated),
      cmocka_unit_test(test_nat64_frag6_out_rfc7915_5_1_1),
      cmocka_unit_test(test_nat64_frag6_out_every_order),
      cmocka_unit_test(test_nat64_frag4_in_rfc7915_4_1),
      cmocka_unit_test(test_nat64_df_clear_cut_rfc7915_4),
      cmocka_unit_test(test_nat64_hairpin_rfc6146_3_8),
      cmocka_unit_test(test_nat64_mapping_log_ipv6),
      cmocka_unit_test(test_nat64_icmp6_error_out),
      cmocka_unit_test(test_nat64_ports_exhausted),
      cmocka_unit_test(test_nat64_two_pool_addresses),
      cmocka_unit_test(test_nat64_prefix40),
      cmocka_unit_test(test_nat64_forbidden_dst),
      cmocka_unit_test(test_nat64_config_checks),
      cmocka_unit_test(test_nat64_truncated_and_cap),
      cmocka_unit_test(test_ftp64_eprt),
      cmocka_unit_test(test_ftp64_hostile),
      cmocka_unit_test(test_ftp64_rule_alg),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

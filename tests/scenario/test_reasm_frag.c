/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reassembly of IP fragments for a Watch connection's ALG
 * (lib/core/frag_reasm.c, docs/reassembly.md "IP fragments"): a SIP INVITE
 * with a ~3000-byte SDP in three fragments, in order, reversed and
 * duplicated, from the inside and (a 200 OK) from the outside. The oracle
 * is the same message sent unfragmented through a context made the same
 * way: the reassembled, rewritten datagram must be exactly that one, cut
 * again to the size the fragments came in (the first in the caller's
 * packet, the others through emit). Then every way it can go wrong, each
 * with its exact counters: different bytes overlapping, past 65535 bytes,
 * never complete, too long, the pool and the fragment table full, and a
 * flood of half-datagrams from many sources (with the bound it leaves).
 */
#include "helpers.h"

#define ALICE IP4(198, 18, 0, 100)
#define BOB OUT_HOST
#define MTU 1500u

/* ---- a context that records every emitted packet ------------------------ */

#define F_EMIT_MAX 24
typedef struct femit {
  uint8_t b[4096];
  size_t len;
  int side;
} femit;

typedef struct fctx {
  tctx t; /* first: the helpers' callbacks take it as their user */
  femit out[F_EMIT_MAX];
  int nout;
} fctx;

static void f_on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len,
                      int side, void *user) {
  (void)ctx;
  fctx *f = user;
  assert_true(f->nout < F_EMIT_MAX);
  assert_true(len <= sizeof(f->out[0].b));
  memcpy(f->out[f->nout].b, pkt, len);
  f->out[f->nout].len = len;
  f->out[f->nout].side = side;
  f->nout++;
}

/* Source NAPT from the inside to 198.19.0.4-6 ports lo..hi (narrow: the
 * public ports have fewer digits than the private ones), SIP by port. */
static fctx *f_ctx_cfg(const pinhole_config *base, uint16_t lo, uint16_t hi,
                       int with_emit) {
  fctx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  pinhole_config cfg = *base;
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.alloc = t_alloc;
  cb.free = t_free;
  cb.event = t_on_event;
  cb.trace = t_on_trace;
  cb.emit = with_emit ? f_on_emit : NULL;
  assert_int_equal(pinhole_ctx_new(&f->t.ctx, &cfg, &cb, f), 0);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = IP4(198, 19, 0, 4);
  pool.addr_hi = IP4(198, 19, 0, 6);
  pool.port_lo = lo;
  pool.port_hi = hi;
  f->t.pool = pinhole_pool_add(f->t.ctx, &pool);
  assert_true(f->t.pool >= 0);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "inside-out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = f->t.pool;
  assert_int_equal(pinhole_rule_add(f->t.ctx, &r), 0);
  return f;
}

static void f_cfg(pinhole_config *cfg, uint32_t flags) {
  pinhole_config_default(cfg, sizeof(*cfg));
  cfg->max_flows = 256;
  cfg->max_pinholes = 32;
  cfg->max_watch = 64;
  cfg->hash_key.k0 = 0x0badc0ffee0ddf00ull;
  cfg->hash_key.k1 = 0x1234000056780000ull;
  cfg->seed = 11;
  cfg->flags |= flags;
}

static fctx *f_ctx(uint32_t flags) {
  pinhole_config cfg;
  f_cfg(&cfg, flags);
  return f_ctx_cfg(&cfg, 1024, 1039, 1);
}

static void f_del(fctx *f) {
  pinhole_ctx_del(f->t.ctx);
  assert_int_equal(f->t.allocs, f->t.frees);
  free(f);
}

/* ---- messages ----------------------------------------------------------- */

/* An SDP offer of ~3000 bytes: audio and video with many codecs and
 * attributes, c= and m= lines for ip and the ports. */
static size_t big_sdp(char *b, size_t cap, const char *ip, unsigned aport,
                      unsigned vport) {
  size_t n = (size_t)snprintf(b, cap,
                              "v=0\r\n"
                              "o=alice 2890844526 2890844526 IN IP4 %s\r\n"
                              "s=-\r\n"
                              "c=IN IP4 %s\r\n"
                              "t=0 0\r\n"
                              "m=audio %u RTP/AVP 0 8 9 18 96 97 98 99 "
                              "100 101\r\n",
                              ip, ip, aport);
  for (unsigned pt = 96; pt < 128 && n < 1500; pt++)
    n += (size_t)snprintf(b + n, cap - n,
                          "a=rtpmap:%u codec-%u/%u\r\na=fmtp:%u mode=%u;"
                          "max-red=0;useinbandfec=1\r\n",
                          pt, pt, 8000 + pt * 100, pt, pt % 7);
  n += (size_t)snprintf(b + n, cap - n,
                        "a=sendrecv\r\nm=video %u RTP/AVP 102 103 104\r\n",
                        vport);
  for (unsigned i = 0; n < 2950; i++)
    n += (size_t)snprintf(b + n, cap - n,
                          "a=rtcp-fb:%u nack pli\r\na=extmap:%u "
                          "urn:ietf:params:rtp-hdrext:toffset-%u\r\n",
                          102 + i % 3, i + 1, i);
  return n;
}

#define INVITE_HEAD(ip)                                                        \
  "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"                                      \
  "Via: SIP/2.0/UDP " ip ":5060;branch=z9hG4bK776asdhds\r\n"                   \
  "Max-Forwards: 70\r\n"                                                       \
  "To: Bob <sip:bob@198.19.0.2>\r\n"                                           \
  "From: Alice <sip:alice@" ip ">;tag=1928301774\r\n"                          \
  "Call-ID: a84b4c76e66710@" ip "\r\n"                                         \
  "CSeq: 314159 INVITE\r\n"                                                    \
  "Contact: <sip:alice@" ip ":5060>\r\n"                                       \
  "Content-Type: application/sdp\r\n"

static size_t sip_with(char *b, size_t cap, const char *head,
                       const char *body) {
  return (size_t)snprintf(b, cap, "%sContent-Length: %zu\r\n\r\n%s", head,
                          strlen(body), body);
}

/* The big INVITE from Alice (private address). */
static size_t big_invite(char *b, size_t cap) {
  char sdp[4096];
  big_sdp(sdp, sizeof(sdp), "198.18.0.100", 49170, 51372);
  return sip_with(b, cap, INVITE_HEAD("198.18.0.100"), sdp);
}

/* A whole UDP datagram with IP id, checksums right. */
static size_t dgram(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst,
                    uint16_t dport, uint16_t id, const void *p, size_t plen) {
  size_t total = 28 + plen;
  t_ip(b, total, 17, src, dst);
  t_put16(b + 4, id);
  t_put16(b + 20, sport);
  t_put16(b + 22, dport);
  t_put16(b + 24, (uint16_t)(8 + plen));
  t_put16(b + 26, 1); /* non-zero: computed below */
  memcpy(b + 28, p, plen);
  t_put16(b + 10, pinhole_cksum(b, 20));
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(b, total, &v), 0);
  assert_int_equal(pinhole_pkt_fix_cksums(b, &v), 0);
  return total;
}

/* Cuts the datagram d (20-byte header) into fragments of at most mtu bytes
 * (payload a multiple of 8 but the last): fr[k], returns how many. */
static size_t cut(const uint8_t *d, size_t len, size_t mtu, tpkt *fr,
                  size_t max) {
  size_t fp = (mtu - 20) & ~(size_t)7, plen = len - 20, n = 0;
  for (size_t off = 0; off < plen; off += fp, n++) {
    assert_true(n < max);
    size_t piece = plen - off < fp ? plen - off : fp;
    uint8_t *b = fr[n].b;
    memcpy(b, d, 20);
    memcpy(b + 20, d + 20 + off, piece);
    t_put16(b + 2, (uint16_t)(20 + piece));
    t_put16(b + 6, (uint16_t)((off + piece < plen ? 0x2000 : 0) | off / 8));
    t_put16(b + 10, 0);
    t_put16(b + 10, pinhole_cksum(b, 20));
    fr[n].p.data = b;
    fr[n].p.len = (uint32_t)(20 + piece);
    fr[n].p.cap = (uint32_t)mtu; /* a buffer of the link's size */
  }
  return n;
}

/* The output of sending d unfragmented through a context made like f's
 * (the oracle): the rewritten datagram in out, its length. */
static size_t oracle(const pinhole_config *cfg, const uint8_t *pre,
                     size_t pre_len, int pre_side, const uint8_t *d, size_t len,
                     int side, uint8_t *out) {
  fctx *o = f_ctx_cfg(cfg, 1024, 1039, 1);
  tpkt p;
  if (pre) {
    memcpy(p.b, pre, pre_len);
    p.p.data = p.b;
    p.p.len = (uint32_t)pre_len;
    p.p.cap = sizeof(p.b);
    assert_int_equal(pinhole_process(o->t.ctx, &p.p, pre_side, SEC), 0);
  }
  memcpy(p.b, d, len);
  p.p.data = p.b;
  p.p.len = (uint32_t)len;
  p.p.cap = sizeof(p.b);
  assert_int_equal(pinhole_process(o->t.ctx, &p.p, side, SEC), 0);
  assert_int_equal(o->nout, 0);
  memcpy(out, p.b, p.p.len);
  size_t n = p.p.len;
  f_del(o);
  return n;
}

/* The packet the caller got back plus what was emitted are exactly the
 * oracle's datagram cut at MTU; all emitted out of side out_side. */
static void check_layout(const fctx *f, const tpkt *first, const uint8_t *want,
                         size_t want_len, int out_side) {
  static tpkt exp[8];
  size_t n = cut(want, want_len, MTU, exp, 8);
  assert_int_equal((size_t)f->nout + 1, n);
  assert_int_equal(first->p.len, exp[0].p.len);
  assert_memory_equal(first->b, exp[0].b, exp[0].p.len);
  for (size_t k = 1; k < n; k++) {
    assert_int_equal(f->out[k - 1].len, exp[k].p.len);
    assert_memory_equal(f->out[k - 1].b, exp[k].b, exp[k].p.len);
    assert_int_equal(f->out[k - 1].side, out_side);
  }
}

/* ---- the INVITE from the inside ----------------------------------------- */

typedef struct invite {
  uint8_t d[4096], want[4096];
  size_t len, want_len;
  tpkt fr[4];
  size_t n;
} invite;

static void invite_make(invite *iv, const pinhole_config *cfg, uint16_t id) {
  char msg[4096];
  size_t mlen = big_invite(msg, sizeof(msg));
  assert_true(mlen > 3300 && mlen < 3500);
  iv->len = dgram(iv->d, ALICE, 5060, BOB, 5060, id, msg, mlen);
  iv->want_len =
      oracle(cfg, NULL, 0, 0, iv->d, iv->len, PINHOLE_SIDE_INSIDE, iv->want);
  iv->n = cut(iv->d, iv->len, MTU, iv->fr, 4);
  assert_int_equal(iv->n, 3);
}

/* The rewritten INVITE says the public address and ports everywhere. */
static void check_rewritten(fctx *f, const invite *iv) {
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(iv->want, iv->want_len, &v), 0);
  char pub[16], line[96];
  snprintf(pub, sizeof(pub), "%u.%u.%u.%u", v.src >> 24, (v.src >> 16) & 255,
           (v.src >> 8) & 255, v.src & 255);
  assert_true(v.src >= IP4(198, 19, 0, 4) && v.src <= IP4(198, 19, 0, 6));
  assert_true(v.sport >= 1024 && v.sport <= 1039);
  const char *m = (const char *)iv->want + v.payload_off;
  size_t ml = v.payload_len;
  assert_true(ml < iv->len - 28); /* shorter: fewer digits */
  char *s = strndup(m, ml);
  snprintf(line, sizeof(line), "Via: SIP/2.0/UDP %s:%u;", pub, v.sport);
  assert_non_null(strstr(s, line));
  snprintf(line, sizeof(line), "Contact: <sip:alice@%s:%u>", pub, v.sport);
  assert_non_null(strstr(s, line));
  snprintf(line, sizeof(line), "\r\nc=IN IP4 %s\r\n", pub);
  assert_non_null(strstr(s, line));
  assert_null(strstr(s, "198.18.0.100"));
  assert_null(strstr(s, "49170"));
  /* the m= ports are the public ones the trace shows */
  char tr[96];
  for (int i = 0; i < f->t.ntraces; i++) {
    const char *x = strstr(f->t.traces[i], "translated 198.18.0.100:49170 -> ");
    unsigned a, b, c, d, port;
    if (x && sscanf(x + 33, "%u.%u.%u.%u:%u", &a, &b, &c, &d, &port) == 5) {
      snprintf(tr, sizeof(tr), "\r\nm=audio %u RTP/AVP 0 8", port);
      assert_non_null(strstr(s, tr));
      assert_true(port >= 1024 && port <= 1039);
      free(s);
      return;
    }
  }
  free(s);
  fail_msg("no media translation traced");
}

static void media_flows(fctx *f, const invite *iv) {
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(iv->want, iv->want_len, &v), 0);
  const char *m = (const char *)iv->want + v.payload_off;
  const char *a = strstr(m, "m=audio ");
  assert_non_null(a);
  unsigned port = (unsigned)atoi(a + 8);
  tpkt p;
  pinhole_pkt_view rv;
  t_udp(&p, BOB, 30000, v.src, (uint16_t)port, "rtp");
  assert_int_equal(t_out(&f->t, &p, 2 * SEC), PINHOLE_VERDICT_FORWARD);
  t_view(&p, &rv);
  assert_int_equal(rv.dst, ALICE);
  assert_int_equal(rv.dport, 49170);
  t_check_cksums(&p);
}

/* The INVITE's three fragments from the inside in the order given: held,
 * held, then the rewritten datagram out, its media pinholes open. */
static void invite_in(const int order[3], uint16_t id) {
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  static invite iv;
  invite_make(&iv, &cfg, id);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  assert_int_equal(t_in(&f->t, &iv.fr[order[0]], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[order[1]], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(f->nout, 0);
  assert_int_equal(t_in(&f->t, &iv.fr[order[2]], SEC), PINHOLE_VERDICT_FORWARD);
  check_layout(f, &iv.fr[order[2]], iv.want, iv.want_len, PINHOLE_SIDE_OUTSIDE);
  check_rewritten(f, &iv);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_PINHOLE_CREATED, 4, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_COMPLETED, 1, -1);
  media_flows(f, &iv);
  f_del(f);
}

static void test_reasm_frag_invite_in_order(void **state) {
  (void)state;
  const int order[3] = {0, 1, 2};
  invite_in(order, 0x5151);
}

/* The last piece first (pieces before their first fragment are orphans
 * until it comes). */
static void test_reasm_frag_invite_reversed(void **state) {
  (void)state;
  const int order[3] = {2, 1, 0};
  invite_in(order, 0x6262);
}

/* Every fragment twice (the middle one first): duplicates are kept once. */
static void test_reasm_frag_invite_duplicated(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  static invite iv;
  invite_make(&iv, &cfg, 0x7373);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  static tpkt copy;
  copy = iv.fr[1];
  copy.p.data = copy.b;
  assert_int_equal(t_in(&f->t, &copy, SEC), PINHOLE_VERDICT_HELD);
  copy = iv.fr[0];
  copy.p.data = copy.b;
  assert_int_equal(t_in(&f->t, &copy, SEC), PINHOLE_VERDICT_HELD);
  copy = iv.fr[1];
  copy.p.data = copy.b;
  assert_int_equal(t_in(&f->t, &copy, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[2], SEC), PINHOLE_VERDICT_FORWARD);
  check_layout(f, &iv.fr[2], iv.want, iv.want_len, PINHOLE_SIDE_OUTSIDE);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_PINHOLE_CREATED, 4, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_COMPLETED, 1, -1);
  f_del(f);
}

/* A piece that overlaps held bytes with the same bytes (a resend cut
 * differently) adds only its new bytes. */
static void test_reasm_frag_overlap_same_bytes(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  static invite iv;
  invite_make(&iv, &cfg, 0x7474);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  static tpkt mid;
  /* bytes [1400, 2960): 80 of the first fragment's again, then the second */
  memcpy(mid.b, iv.d, 20);
  memcpy(mid.b + 20, iv.d + 20 + 1400, 1560);
  t_put16(mid.b + 2, 1580);
  t_put16(mid.b + 6, 0x2000 | 1400 / 8);
  t_put16(mid.b + 10, 0);
  t_put16(mid.b + 10, pinhole_cksum(mid.b, 20));
  mid.p.data = mid.b;
  mid.p.len = 1580;
  mid.p.cap = sizeof(mid.b);
  assert_int_equal(t_in(&f->t, &iv.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &mid, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[2], SEC), PINHOLE_VERDICT_FORWARD);
  check_layout(f, &iv.fr[2], iv.want, iv.want_len, PINHOLE_SIDE_OUTSIDE);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_PINHOLE_CREATED, 4, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_COMPLETED, 1, -1);
  f_del(f);
}

/* PINHOLE_CFG_REASM_WHOLE: the datagram leaves whole in the caller's
 * packet when it fits; cut as usual when it does not. */
static void test_reasm_frag_whole_flag(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, PINHOLE_CFG_REASM_WHOLE);
  static invite iv;
  invite_make(&iv, &cfg, 0x1717);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  static tpkt last;
  last = iv.fr[2];
  last.p.data = last.b;
  last.p.cap = sizeof(last.b);
  assert_int_equal(t_in(&f->t, &iv.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[1], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &last, SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(f->nout, 0);
  assert_int_equal(last.p.len, iv.want_len);
  assert_memory_equal(last.b, iv.want, iv.want_len);
  /* the next one into a buffer of the link's size: cut */
  static invite iv2;
  invite_make(&iv2, &cfg, 0x1718);
  assert_int_equal(t_in(&f->t, &iv2.fr[0], 2 * SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv2.fr[1], 2 * SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv2.fr[2], 2 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(f->nout, 2);
  assert_int_equal(iv2.fr[2].p.len, MTU);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 5,
             PINHOLE_CNT_PINHOLE_CREATED, 4, PINHOLE_CNT_REASM_HELD, 2,
             PINHOLE_CNT_REASM_COMPLETED, 2, -1);
  f_del(f);
}

/* A piece that repeats held bytes differently: the datagram is dropped
 * (the overlap evasion), its other pieces too. */
static void test_reasm_frag_overlap_different(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  static invite iv;
  invite_make(&iv, &cfg, 0x8181);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  static tpkt evil;
  evil = iv.fr[1];
  evil.p.data = evil.b;
  evil.b[20 + 700] ^= 0x20; /* "a=..." -> "A=..." */
  assert_int_equal(t_in(&f->t, &iv.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[1], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &evil, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_in(&f->t, &iv.fr[2], SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(f->nout, 0);
  pinhole_tick(f->t.ctx, 20 * SEC);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(f->t.ctx, &u);
  assert_int_equal(u.fragments, 0);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_FRAG_OVERLAP, 1,
             PINHOLE_CNT_FRAGMENTS, 1, PINHOLE_CNT_REASM_HELD, 1, -1);
  f_del(f);
}

/* Pieces that would make a datagram past 65535 bytes (with its header),
 * or a last piece that disagrees with the end already known. */
static void test_reasm_frag_past_65535(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  cfg.hold_msg_max = 65535;
  static invite iv;
  invite_make(&iv, &cfg, 0x9191);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  static tpkt far;
  memcpy(far.b, iv.d, 20);
  memset(far.b + 20, 'x', 16);
  t_put16(far.b + 2, 36);
  t_put16(far.b + 6, 65512 / 8); /* 65512 + 16 + 20 > 65535 */
  t_put16(far.b + 10, 0);
  t_put16(far.b + 10, pinhole_cksum(far.b, 20));
  far.p.data = far.b;
  far.p.len = 36;
  far.p.cap = sizeof(far.b);
  assert_int_equal(t_in(&f->t, &iv.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &far, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_in(&f->t, &iv.fr[1], SEC), PINHOLE_VERDICT_DROP);
  /* the same piece first (an orphan: its header length not known yet),
   * then the first fragment */
  t_put16(far.b + 4, 0x9192);
  t_put16(far.b + 10, 0);
  t_put16(far.b + 10, pinhole_cksum(far.b, 20));
  static tpkt f0;
  f0 = iv.fr[0];
  f0.p.data = f0.b;
  t_put16(f0.b + 4, 0x9192);
  t_put16(f0.b + 10, 0);
  t_put16(f0.b + 10, pinhole_cksum(f0.b, 20));
  assert_int_equal(t_in(&f->t, &far, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &f0, SEC), PINHOLE_VERDICT_DROP);
  /* a last piece ending before bytes already held */
  static tpkt shortlast;
  shortlast = iv.fr[1];
  shortlast.p.data = shortlast.b;
  t_put16(shortlast.b + 4, 0x9193);
  t_put16(shortlast.b + 6, 1480 / 8); /* MF clear: ends at 2960 */
  t_put16(shortlast.b + 10, 0);
  t_put16(shortlast.b + 10, pinhole_cksum(shortlast.b, 20));
  static tpkt f2;
  f2 = iv.fr[2];
  f2.p.data = f2.b;
  t_put16(f2.b + 4, 0x9193);
  t_put16(f2.b + 10, 0);
  t_put16(f2.b + 10, pinhole_cksum(f2.b, 20));
  assert_int_equal(t_in(&f->t, &f2, SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &shortlast, SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(f->nout, 0);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_ERR_IP, 3, PINHOLE_CNT_IP_MAX_LEN, 2,
             PINHOLE_CNT_IP_FRAG_OVERLAP, 1, PINHOLE_CNT_FRAGMENTS, 1,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_REASM_HELD, 3, -1);
  f_del(f);
}

/* A datagram that never completes: dropped after hold_timeout_ms; its
 * last piece, late, is held alone and times out in turn. */
static void test_reasm_frag_timeout(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  cfg.hold_timeout_ms = 2000;
  static invite iv;
  invite_make(&iv, &cfg, 0xa1a1);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  assert_int_equal(t_in(&f->t, &iv.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[1], SEC), PINHOLE_VERDICT_HELD);
  pinhole_tick(f->t.ctx, 2 * SEC);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(f->t.ctx, &u);
  assert_int_equal(u.fragments, 1); /* not yet */
  pinhole_tick(f->t.ctx, 3 * SEC + SEC / 2);
  pinhole_usage_get(f->t.ctx, &u);
  assert_int_equal(u.fragments, 0);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_FRAG_TIMEOUT, 1,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_TIMEOUT, 1, -1);
  assert_int_equal(t_in(&f->t, &iv.fr[2], 4 * SEC), PINHOLE_VERDICT_HELD);
  /* dead at use: a piece after the deadline, before any tick */
  assert_int_equal(t_in(&f->t, &iv.fr[1], 7 * SEC), PINHOLE_VERDICT_HELD);
  pinhole_tick(f->t.ctx, 20 * SEC);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_ERR_IP, 3, PINHOLE_CNT_IP_FRAG_TIMEOUT, 3,
             PINHOLE_CNT_REASM_HELD, 3, PINHOLE_CNT_REASM_TIMEOUT, 3, -1);
  assert_int_equal(f->nout, 0);
  f_del(f);
}

/* Sets a fragment's IP id (and its header checksum). */
static void set_id(tpkt *p, uint16_t id) {
  t_put16(p->b + 4, id);
  t_put16(p->b + 10, 0);
  t_put16(p->b + 10, pinhole_cksum(p->b, 20));
}

/* Sets a fragment's source address. */
static void set_src(tpkt *p, uint32_t src) {
  t_put32(p->b + 12, src);
  t_put16(p->b + 10, 0);
  t_put16(p->b + 10, pinhole_cksum(p->b, 20));
}

/* ---- from the outside: a 200 OK with a big SDP answer ------------------- */

#define OK_HEAD(via)                                                           \
  "SIP/2.0 200 OK\r\n"                                                         \
  "Via: SIP/2.0/UDP %s;branch=z9hG4bK776asdhds\r\n"                            \
  "To: Bob <sip:bob@198.19.0.2>;tag=a6c85cf\r\n"                               \
  "From: Alice <sip:alice@198.18.0.100>;tag=1928301774\r\n"                    \
  "Call-ID: a84b4c76e66710@198.18.0.100\r\n"                                   \
  "CSeq: 314159 INVITE\r\n"                                                    \
  "Contact: <sip:bob@198.19.0.2>\r\n"                                          \
  "Content-Type: application/sdp\r\n"

typedef struct answer {
  uint8_t pre[2048], d[4096], want[4096];
  size_t pre_len, len, want_len;
  uint32_t pub;
  uint16_t pport;
  tpkt fr[4];
} answer;

/* Alice's small INVITE (through f, and for the oracle), then Bob's big
 * answer to her public endpoint, cut in three. */
static void answer_make(answer *a, fctx *f, const pinhole_config *cfg) {
  char msg[4096], sdp[4096], head[1024], via[40];
  sip_with(msg, sizeof(msg), INVITE_HEAD("198.18.0.100"),
           "v=0\r\no=alice 1 1 IN IP4 198.18.0.100\r\ns=-\r\n"
           "c=IN IP4 198.18.0.100\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n");
  a->pre_len = dgram(a->pre, ALICE, 5060, BOB, 5060, 0x4444, msg, strlen(msg));
  tpkt p;
  memcpy(p.b, a->pre, a->pre_len);
  p.p.data = p.b;
  p.p.len = (uint32_t)a->pre_len;
  p.p.cap = sizeof(p.b);
  assert_int_equal(t_in(&f->t, &p, SEC), PINHOLE_VERDICT_FORWARD);
  pinhole_pkt_view v;
  t_view(&p, &v);
  a->pub = v.src;
  a->pport = v.sport;
  snprintf(via, sizeof(via), "%u.%u.%u.%u:%u", a->pub >> 24,
           (a->pub >> 16) & 255, (a->pub >> 8) & 255, a->pub & 255, a->pport);
  snprintf(head, sizeof(head), OK_HEAD("%s"), via);
  big_sdp(sdp, sizeof(sdp), "198.19.0.2", 30000, 30002);
  size_t mlen = sip_with(msg, sizeof(msg), head, sdp);
  a->len = dgram(a->d, BOB, 5060, a->pub, a->pport, 0x4545, msg, mlen);
  a->want_len = oracle(cfg, a->pre, a->pre_len, PINHOLE_SIDE_INSIDE, a->d,
                       a->len, PINHOLE_SIDE_OUTSIDE, a->want);
  assert_int_equal(cut(a->d, a->len, MTU, a->fr, 4), 3);
}

static void test_reasm_frag_answer_from_outside(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  static answer a;
  answer_make(&a, f, &cfg);
  assert_int_equal(t_out(&f->t, &a.fr[1], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_out(&f->t, &a.fr[2], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_out(&f->t, &a.fr[0], SEC), PINHOLE_VERDICT_FORWARD);
  check_layout(f, &a.fr[0], a.want, a.want_len, PINHOLE_SIDE_INSIDE);
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(a.want, a.want_len, &v), 0);
  assert_int_equal(v.dst, ALICE);
  assert_int_equal(v.dport, 5060);
  char *m = strndup((const char *)a.want + v.payload_off, v.payload_len);
  assert_non_null(strstr(m, "Via: SIP/2.0/UDP 198.18.0.100:5060;"));
  free(m);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_COMPLETED, 1, -1);
  f_del(f);
}

/* ---- too long, and what passes unparsed --------------------------------- */

/* Puts the packets f returned/emitted for one datagram back together and
 * checks its checksums and payload (msg, unparsed). */
static void check_unparsed(const tpkt *const *pk, size_t n, const uint8_t *msg,
                           size_t mlen, uint32_t src, uint32_t dst) {
  static uint8_t whole[4096];
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *b = pk[i]->b;
    size_t off = (size_t)(t_get16(b + 6) & 0x1fff) * 8, len = pk[i]->p.len;
    assert_int_equal(pinhole_cksum(b, 20), 0);
    assert_int_equal(t_get32(b + 12), src);
    assert_int_equal(t_get32(b + 16), dst);
    memcpy(whole + 20 + off, b + 20, len - 20);
    if (!(t_get16(b + 6) & 0x2000))
      total = 20 + off + len - 20;
    if (off == 0)
      memcpy(whole, b, 20);
  }
  t_put16(whole + 2, (uint16_t)total);
  t_put16(whole + 6, 0);
  t_put16(whole + 10, 0);
  t_put16(whole + 10, pinhole_cksum(whole, 20));
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(whole, total, &v), 0);
  assert_int_equal(pinhole_pkt_l4_cksum_ok(whole, &v), 1);
  assert_int_equal(v.payload_len, mlen);
  assert_memory_equal(whole + v.payload_off, msg, mlen);
}

static void test_reasm_frag_too_long(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  cfg.hold_msg_max = 2048;
  static invite iv;
  invite_make(&iv, &cfg, 0xb1b1);
  /* from the inside: it would carry the private address out, dropped */
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  assert_int_equal(t_in(&f->t, &iv.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[1], SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_in(&f->t, &iv.fr[2], SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(f->nout, 0);
  /* the piece that showed it too long: a discard of its connection; the
   * last: a fragment of a dropped datagram */
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_DISCARD, 1,
             PINHOLE_CNT_FRAGMENTS, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_TOO_BIG, 1, -1);
  f_del(f);
  /* the operator's fail-open: passed on unparsed, translated */
  cfg.flags |= PINHOLE_CFG_ALG_PASS_UNTRANSLATED;
  f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  static tpkt fr[3];
  memcpy(fr, iv.fr, sizeof(fr));
  for (int i = 0; i < 3; i++)
    fr[i].p.data = fr[i].b;
  assert_int_equal(t_in(&f->t, &fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &fr[1], SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(f->nout, 1); /* the first, held, goes before it */
  assert_int_equal(f->out[0].side, PINHOLE_SIDE_OUTSIDE);
  assert_int_equal(t_in(&f->t, &fr[2], SEC), PINHOLE_VERDICT_FORWARD);
  static tpkt first;
  memcpy(first.b, f->out[0].b, f->out[0].len);
  first.p.len = (uint32_t)f->out[0].len;
  const tpkt *pk[3] = {&first, &fr[1], &fr[2]};
  pinhole_pkt_view v;
  t_view(&first, &v);
  assert_true(v.src >= IP4(198, 19, 0, 4) && v.src <= IP4(198, 19, 0, 6));
  char msg[4096];
  size_t mlen = big_invite(msg, sizeof(msg));
  check_unparsed(pk, 3, (const uint8_t *)msg, mlen, v.src, BOB);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 2,
             PINHOLE_CNT_ERR_ALG, 1, PINHOLE_CNT_ALG_SIP, 1,
             PINHOLE_CNT_REASM_HELD, 1, PINHOLE_CNT_REASM_TOO_BIG, 1, -1);
  assert_true(t_has_event(&f->t, "fragmented message not inspected"));
  f_del(f);
}

/* From the outside a message that cannot be parsed carries no inside
 * address: passed on unparsed by default. */
static void test_reasm_frag_too_long_from_outside(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  cfg.hold_msg_max = 2048;
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  static answer a;
  answer_make(&a, f, &cfg);
  assert_int_equal(t_out(&f->t, &a.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_out(&f->t, &a.fr[2], SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(f->nout, 1);
  assert_int_equal(f->out[0].side, PINHOLE_SIDE_INSIDE);
  assert_int_equal(t_out(&f->t, &a.fr[1], SEC), PINHOLE_VERDICT_FORWARD);
  static tpkt first;
  memcpy(first.b, f->out[0].b, f->out[0].len);
  first.p.len = (uint32_t)f->out[0].len;
  const tpkt *pk[3] = {&first, &a.fr[1], &a.fr[2]};
  check_unparsed(pk, 3, a.d + 28, a.len - 28, BOB, ALICE);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 3,
             PINHOLE_CNT_PINHOLE_CREATED, 2, PINHOLE_CNT_ERR_ALG, 1,
             PINHOLE_CNT_ALG_SIP, 1, PINHOLE_CNT_REASM_HELD, 1,
             PINHOLE_CNT_REASM_TOO_BIG, 1, -1);
  f_del(f);
}

/* ---- a connection without ALG: its reordered pieces are not lost -------- */

static void test_reasm_frag_plain_udp_reordered(void **state) {
  (void)state;
  fctx *f = f_ctx(0);
  static uint8_t d[3000];
  static uint8_t data[2900];
  for (size_t i = 0; i < sizeof(data); i++)
    data[i] = (uint8_t)(i * 13 + 1);
  size_t len = dgram(d, ALICE, 7000, BOB, 7001, 0x2222, data, sizeof(data));
  static tpkt fr[3];
  assert_int_equal(cut(d, len, MTU, fr, 3), 2 + (len > 2 * 1480 + 20));
  assert_int_equal(t_in(&f->t, &fr[1], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &fr[0], SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(f->nout, 1);
  pinhole_pkt_view v;
  t_view(&fr[0], &v);
  uint32_t pub = v.src;
  static tpkt second;
  memcpy(second.b, f->out[0].b, f->out[0].len);
  second.p.len = (uint32_t)f->out[0].len;
  const tpkt *pk[2] = {&fr[0], &second};
  check_unparsed(pk, 2, data, sizeof(data), pub, BOB);
  assert_int_equal(f->out[0].side, PINHOLE_SIDE_OUTSIDE);
  /* a resend of a piece already passed: the virtual overlap check */
  assert_int_equal(t_in(&f->t, &fr[1], SEC), PINHOLE_VERDICT_DROP);
  /* the datagram went through whole: its entry ends at its deadline
   * without a reassembly timeout (it was counted as one) */
  pinhole_tick(f->t.ctx, 20 * SEC);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(f->t.ctx, &u);
  assert_int_equal(u.fragments, 0);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 1,
             PINHOLE_CNT_ERR_IP, 1, PINHOLE_CNT_IP_FRAG_OVERLAP, 1,
             PINHOLE_CNT_REASM_HELD, 1, -1);
  f_del(f);
}

/* ---- a host without emit ------------------------------------------------ */

static void test_reasm_frag_no_emit(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  static invite iv;
  invite_make(&iv, &cfg, 0xc1c1);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 0);
  assert_int_equal(t_in(&f->t, &iv.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[1], SEC), PINHOLE_VERDICT_HELD);
  /* the last piece's buffer holds only it: no way to send the rest */
  assert_int_equal(t_in(&f->t, &iv.fr[2], SEC), PINHOLE_VERDICT_DROP);
  /* the same datagram again, the last piece in a big buffer: whole */
  static tpkt fr[3];
  memcpy(fr, iv.fr, sizeof(fr));
  for (int i = 0; i < 3; i++) {
    fr[i].p.data = fr[i].b;
    fr[i].p.cap = sizeof(fr[i].b);
    set_id(&fr[i], 0xc1c2);
  }
  assert_int_equal(t_in(&f->t, &fr[0], 2 * SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &fr[1], 2 * SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &fr[2], 2 * SEC), PINHOLE_VERDICT_FORWARD);
  assert_int_equal(fr[2].p.len, iv.want_len);
  /* the same rewrite but for the IP id */
  assert_memory_equal(fr[2].b + 20, iv.want + 20, iv.want_len - 20);
  t_counters(&f->t, PINHOLE_CNT_NEW_ACCEPT, 1, PINHOLE_CNT_EXIST_ACCEPT, 4,
             PINHOLE_CNT_EXIST_DISCARD, 1, PINHOLE_CNT_DROP_TOO_BIG, 1,
             PINHOLE_CNT_PINHOLE_CREATED, 4, PINHOLE_CNT_REASM_HELD, 2,
             PINHOLE_CNT_REASM_COMPLETED, 1, -1);
  f_del(f);
}

/* ---- floods and a full pool --------------------------------------------- */

/* A datagram from the inside whose first piece comes from src (a SIP
 * phone of its own: a new conversation). */
static void half_invite(fctx *f, const invite *iv, uint32_t src, uint16_t id,
                        uint64_t now) {
  static tpkt p;
  p = iv->fr[0];
  p.p.data = p.b;
  set_src(&p, src);
  set_id(&p, id);
  assert_int_equal(t_in(&f->t, &p, now), PINHOLE_VERDICT_HELD);
}

/* The pool: 64 chunks of 256 bytes, 16 per conversation (and for all the
 * orphans together), 8 messages. Orphans from 30 outside sources fill
 * their share and no more; the INVITE is still reassembled. Then
 * half-datagrams of Watch connections from 10 inside phones: each new one
 * past the 8 messages gives up the oldest held one; an INVITE completes
 * when fewer than 8 messages begin while it waits (here none), and is
 * given up when 8 do. */
static void test_reasm_frag_flood(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  cfg.hold_bytes = 16384;
  cfg.hold_bytes_per_conv = 4096;
  cfg.max_held = 8;
  static invite iv;
  invite_make(&iv, &cfg, 0xd1d1);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  static tpkt o;
  uint8_t junk[512];
  memset(junk, 'j', sizeof(junk));
  int held = 0;
  for (uint32_t i = 0; i < 30; i++) {
    t_ip(o.b, 20 + sizeof(junk), 17, IP4(198, 19, 0, 10 + i),
         IP4(198, 19, 0, 4));
    t_put16(o.b + 6, 0x2000 | 1480 / 8);
    memcpy(o.b + 20, junk, sizeof(junk));
    o.p.data = o.b;
    o.p.len = 20 + sizeof(junk);
    o.p.cap = sizeof(o.b);
    set_id(&o, (uint16_t)(100 + i));
    held += t_out(&f->t, &o, SEC) == PINHOLE_VERDICT_HELD;
  }
  assert_int_equal(held, 5); /* 3 chunks each, 16 in the share */
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_OVERFLOW), 25);
  for (int k = 0; k < 3; k++)
    assert_int_equal(t_in(&f->t, &iv.fr[k], SEC),
                     k < 2 ? PINHOLE_VERDICT_HELD : PINHOLE_VERDICT_FORWARD);
  check_layout(f, &iv.fr[2], iv.want, iv.want_len, PINHOLE_SIDE_OUTSIDE);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_COMPLETED), 1);
  /* 10 phones' half-datagrams: 3 slots free, then 7 give up the oldest
   * (the 5 orphans, then the first 2 phones') */
  for (uint32_t i = 0; i < 10; i++)
    half_invite(f, &iv, IP4(198, 18, 0, 10 + i), 0x100, 2 * SEC);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_OVERFLOW), 25 + 7);
  /* the INVITE again: its first piece gives up the oldest, it completes */
  static tpkt fr[3];
  assert_int_equal(cut(iv.d, iv.len, MTU, fr, 3), 3); /* iv.fr[2] was reused */
  for (int k = 0; k < 3; k++)
    set_id(&fr[k], 0xd1d2);
  f->nout = 0;
  for (int k = 0; k < 3; k++)
    assert_int_equal(t_in(&f->t, &fr[k], 3 * SEC),
                     k < 2 ? PINHOLE_VERDICT_HELD : PINHOLE_VERDICT_FORWARD);
  assert_int_equal(f->nout, 2);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_COMPLETED), 2);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_OVERFLOW), 25 + 7 + 1);
  /* the bound: 8 messages beginning while it waits give it up */
  assert_int_equal(cut(iv.d, iv.len, MTU, fr, 3), 3);
  for (int k = 0; k < 3; k++)
    set_id(&fr[k], 0xd1d3);
  assert_int_equal(t_in(&f->t, &fr[0], 4 * SEC), PINHOLE_VERDICT_HELD);
  for (uint32_t i = 0; i < 8; i++)
    half_invite(f, &iv, IP4(198, 18, 0, 30 + i), 0x200, 4 * SEC);
  assert_int_equal(t_in(&f->t, &fr[1], 4 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_in(&f->t, &fr[2], 4 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_OVERFLOW), 25 + 7 + 1 + 8);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_COMPLETED), 2);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_HELD), 30 + 1 + 10 + 1 + 9);
  /* the 25 orphan pieces that found no room, and the waiting INVITE's
   * last 2 */
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_FRAGMENTS), 25 + 2);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_TIMEOUT), 0);
  f_del(f);
}

/* A datagram larger than the whole pool, and a full fragment table. */
static void test_reasm_frag_pool_and_table_full(void **state) {
  (void)state;
  pinhole_config cfg;
  f_cfg(&cfg, 0);
  cfg.hold_bytes = 2048;
  cfg.hold_bytes_per_conv = 2048;
  cfg.max_fragments = 2;
  static invite iv;
  invite_make(&iv, &cfg, 0xe1e1);
  fctx *f = f_ctx_cfg(&cfg, 1024, 1039, 1);
  /* 1508 bytes fit the 8 chunks, the second piece does not: dropped */
  assert_int_equal(t_in(&f->t, &iv.fr[0], SEC), PINHOLE_VERDICT_HELD);
  assert_int_equal(t_in(&f->t, &iv.fr[1], SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_in(&f->t, &iv.fr[2], SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_OVERFLOW), 1);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_FRAGMENTS), 1);
  /* the dropped datagram's entry stays to its deadline, dropping the rest;
   * then the table: two datagrams in flight, a third finds no entry */
  pinhole_tick(f->t.ctx, 5 * SEC);
  pinhole_usage u = {.size = sizeof(u)};
  pinhole_usage_get(f->t.ctx, &u);
  assert_int_equal(u.fragments, 0);
  half_invite(f, &iv, IP4(198, 18, 0, 50), 0x300, 5 * SEC);
  half_invite(f, &iv, IP4(198, 18, 0, 51), 0x301, 5 * SEC);
  static tpkt p;
  p = iv.fr[0];
  p.p.data = p.b;
  set_src(&p, IP4(198, 18, 0, 52));
  assert_int_equal(t_in(&f->t, &p, 5 * SEC), PINHOLE_VERDICT_DROP);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_REASM_OVERFLOW), 1 + 2);
  assert_int_equal(t_cnt(&f->t, PINHOLE_CNT_ALG_SIP), 1);
  assert_int_equal(f->nout, 0);
  f_del(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reasm_frag_invite_in_order),
      cmocka_unit_test(test_reasm_frag_invite_reversed),
      cmocka_unit_test(test_reasm_frag_invite_duplicated),
      cmocka_unit_test(test_reasm_frag_overlap_same_bytes),
      cmocka_unit_test(test_reasm_frag_whole_flag),
      cmocka_unit_test(test_reasm_frag_overlap_different),
      cmocka_unit_test(test_reasm_frag_past_65535),
      cmocka_unit_test(test_reasm_frag_timeout),
      cmocka_unit_test(test_reasm_frag_answer_from_outside),
      cmocka_unit_test(test_reasm_frag_too_long),
      cmocka_unit_test(test_reasm_frag_too_long_from_outside),
      cmocka_unit_test(test_reasm_frag_plain_udp_reordered),
      cmocka_unit_test(test_reasm_frag_no_emit),
      cmocka_unit_test(test_reasm_frag_flood),
      cmocka_unit_test(test_reasm_frag_pool_and_table_full),
  };
  return cmocka_run_group_tests_name("scenario.reasm_frag", tests, NULL, NULL);
}

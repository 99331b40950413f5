/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * State sync of NAT64 mappings' IPv6 hosts and of NAT64 subscribers
 * (docs/ha.md "IPv6 and NAT64"): a NAT64 mapping travels with the IPv6
 * host behind it and the prefix its first connection used (type 12), a
 * held port block of a NAT64 subscriber with the subscriber's address
 * (type 13). So after failover the standby's events, syslog lines and
 * IPFIX records for the same later traffic are the active's, byte for
 * byte (the releases of imported mappings and blocks name the IPv6
 * client); endpoint-independent filtering reaches the imported mapping's
 * host under its prefix; a hairpinned NAT64 connection travels and goes
 * on, and a new one reaches an imported mapping's host. A standby
 * without a free mapping slot with an IPv6 host record refuses the blob
 * whole; lying host records are refused with B unchanged.
 */
#include "helpers6.h"
#include "state_util.h"

#include <pinhole/cgn.h>
#include <pinhole/operator.h>

#define CLI "2001:db8:1::2"
#define CLI2 "2001:db8:1::3"
#define CLI3 "2001:db8:1::4"
#define SRV6 "64:ff9b::c613:2" /* OUT_HOST 198.19.0.2 under the WKP */
#define NSP1 "2001:db8:64::"   /* network-specific prefixes, /96 */
#define NSP2 "2001:db8:65::"
#define PEER IP4(198, 19, 0, 9) /* another IPv4 host than the server */
#define PA IP4(198, 19, 0, 7)   /* the pool: .7 and .8, ports 4096..4127 */
#define PB IP4(198, 19, 0, 8)

static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;

/* A context and every event it reported (the strings they point to are
 * the context's or the library's, alive with it). */
typedef struct sctx {
  tctx t; /* heads the struct: the helpers' user pointer */
  pinhole_event ev[256];
  int nev;
} sctx;

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  sctx *s = user;
  t_on_event(ctx, ev, user);
  if (s->nev < 256)
    s->ev[s->nev++] = *ev;
}

static void rule64(pinhole_ctx *ctx, int pool, const char *dst) {
  assert_true(t_rule64(ctx, pool, dst, 96) >= 0);
}

/* IPv6 on, endpoint-independent filtering, the WKP (lab) and two
 * network-specific prefixes (in the order swap says: the standby may
 * list them otherwise), NAT64 rules to each through a PBA pool on
 * PA..PB, ports 4096..4127, blocks of 16, one per subscriber, held
 * hold_ms after their last mapping. */
static sctx *sctx_new(int swap, uint32_t hold_ms) {
  sctx *s = calloc(1, sizeof(*s));
  assert_non_null(s);
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 64;
  cfg.max_port_blocks = 8;
  cfg.udp_timeout_s = 30;
  cfg.flags |= PINHOLE_CFG_EIF;
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.alloc = t_alloc;
  cb.free = t_free;
  cb.event = on_event;
  cb.trace = t_on_trace;
  assert_int_equal(pinhole_ctx_new(&s->t.ctx, &cfg, &cb, s), 0);
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = PA;
  p.addr_hi = PB;
  p.port_lo = 4096;
  p.port_hi = 4127;
  p.mode = PINHOLE_POOL_PBA;
  p.block_size = 16;
  p.max_blocks = 1;
  p.block_hold_ms = hold_ms;
  s->t.pool = pinhole_pool_add(s->t.ctx, &p);
  assert_true(s->t.pool >= 0);
  uint8_t n1[16], n2[16];
  a6(n1, swap ? NSP2 : NSP1);
  a6(n2, swap ? NSP1 : NSP2);
  assert_int_equal(
      pinhole_nat64_prefix_add(s->t.ctx, wkp, 96, PINHOLE_NAT64_LAB), 0);
  assert_int_equal(pinhole_nat64_prefix_add(s->t.ctx, n1, 96, 0), 0);
  assert_int_equal(pinhole_nat64_prefix_add(s->t.ctx, n2, 96, 0), 0);
  rule64(s->t.ctx, s->t.pool, "64:ff9b::");
  rule64(s->t.ctx, s->t.pool, NSP1);
  rule64(s->t.ctx, s->t.pool, NSP2);
  return s;
}

static void sctx_del(sctx *s) {
  t_ctx_del(&s->t);
}

/* UDP from cli:sport to dst:dport, from the inside at now; the verdict,
 * and the public port it left from in *port. */
static int send64(tctx *t, const char *cli, uint16_t sport, const char *dst,
                  uint16_t dport, uint64_t now, uint16_t *port) {
  tpkt p;
  b6_udp(&p, cli, sport, dst, dport, "x");
  int v = t_in(t, &p, now);
  if (v == PINHOLE_VERDICT_FORWARD && port != NULL)
    *port = t_get16(p.b + 20);
  return v;
}

static void syslog_of(const pinhole_event *ev, char *buf, size_t cap) {
  pinhole_event_format_syslog(NULL, ev, 0, 0, NULL, buf, cap);
}

/* Events [fa..) of a and [fb..) of b: as many, each the same syslog and
 * text line and the same IPFIX records (one message each, compared byte
 * for byte). Returns how many. */
typedef struct sink {
  uint8_t msg[1400];
  size_t len;
  int n;
} sink;

static void on_send(const uint8_t *m, size_t len, void *user) {
  sink *s = user;
  assert_true(len <= sizeof(s->msg));
  memcpy(s->msg, m, len);
  s->len = len;
  s->n++;
}

static void ipfix_of(const sctx *s, int from, sink *out, uint64_t now) {
  static uint8_t buf[1400];
  pinhole_ipfix x;
  pinhole_ipfix_config c;
  memset(out, 0, sizeof(*out));
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.wall_offset_ns = 1764800000ull * SEC;
  c.buf = buf;
  c.buf_len = sizeof(buf);
  c.send = on_send;
  c.user = out;
  assert_int_equal(pinhole_ipfix_init(&x, &c), 0);
  for (int i = from; i < s->nev; i++)
    (void)pinhole_ipfix_event(&x, &s->ev[i]);
  (void)pinhole_ipfix_flush(&x, now);
}

static int same_events(const sctx *a, int fa, const sctx *b, int fb,
                       uint64_t now) {
  if (a->nev - fa != b->nev - fb) {
    for (int i = fa; i < a->nev; i++)
      fprintf(stderr, "A: %s\n", a->t.events[i]);
    for (int i = fb; i < b->nev; i++)
      fprintf(stderr, "B: %s\n", b->t.events[i]);
    fail_msg("A %d events, B %d", a->nev - fa, b->nev - fb);
  }
  for (int i = 0; i < a->nev - fa; i++) {
    char la[512], lb[512];
    syslog_of(&a->ev[fa + i], la, sizeof(la));
    syslog_of(&b->ev[fb + i], lb, sizeof(lb));
    assert_string_equal(la, lb);
    assert_string_equal(a->t.events[fa + i], b->t.events[fb + i]);
  }
  sink sa, sb;
  ipfix_of(a, fa, &sa, now);
  ipfix_of(b, fb, &sb, now);
  assert_int_equal(sa.n, sb.n);
  assert_int_equal(sa.len, sb.len);
  assert_memory_equal(sa.msg, sb.msg, sa.len);
  return a->nev - fa;
}

/* The first event of type at or after from whose syslog line is want. */
static void has_line(const sctx *s, int from, const char *want) {
  for (int i = from; i < s->nev; i++) {
    char l[512];
    syslog_of(&s->ev[i], l, sizeof(l));
    if (strcmp(l, want) == 0)
      return;
  }
  for (int i = from; i < s->nev; i++)
    fprintf(stderr, "%s\n", s->t.events[i]);
  fail_msg("no line %s", want);
}

/* RFC 6888 REQ-12 across failover: the standby's events for imported
 * NAT64 mappings and blocks name the IPv6 clients (family 6, src6): the
 * import's own (mapping created, block allocated), then the same later
 * traffic through both (a new mapping in the imported block, the idle
 * timeout's releases) gives the same events, syslog and text lines and
 * IPFIX records (NAT64 BIB 264 and port block 265) on both. */
static void test_state64_events_logs(void **state) {
  (void)state;
  sctx *a = sctx_new(0, 0), *b = sctx_new(0, 0);
  uint16_t pa = 0, pb = 0;
  assert_int_equal(send64(&a->t, CLI, 5000, SRV6, 7000, SEC, &pa),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(send64(&a->t, CLI2, 5000, SRV6, 7000, SEC, &pb),
                   PINHOLE_VERDICT_FORWARD);
  size_t len = export_full(&a->t, 2 * SEC, NULL);
  int fb = b->nev;
  assert_int_equal(pinhole_state_import(b->t.ctx, 2 * SEC, blob, len), 2);
  char want[256];
  has_line(b, fb,
           "PORT_BLOCK_ALLOCATED: subscriber 2001:db8:1::2, public "
           "198.19.0.7, ports 4096-4111, port block allocated");
  has_line(b, fb,
           "PORT_BLOCK_ALLOCATED: subscriber 2001:db8:1::3, public "
           "198.19.0.8, ports 4096-4111, port block allocated");
  snprintf(want, sizeof(want),
           "MAPPING_CREATED: proto 17 (UDP), [2001:db8:1::3]:5000 -> "
           "198.19.0.8:%u, NAT mapping created",
           pb);
  has_line(b, fb, want);
  same_listing(&a->t, &b->t);

  /* the same later traffic: a second mapping of CLI in its block, then
   * everything idle past the UDP timeout (releases from timers) */
  int fa = a->nev;
  fb = b->nev;
  tpkt p;
  b6_udp(&p, CLI, 5001, SRV6, 7000, "more");
  assert_int_equal(both(&a->t, &b->t, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  t_udp(&p, OUT_HOST, 7000, PB, pb, "answer");
  assert_int_equal(both(&a->t, &b->t, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  for (int i = 0; i < 8; i++) {
    (void)pinhole_tick(a->t.ctx, 60 * SEC);
    (void)pinhole_tick(b->t.ctx, 60 * SEC);
  }
  assert_int_equal(t_cnt(&b->t, PINHOLE_CNT_PBA_BLOCK_RELEASE), 2);
  assert_true(same_events(a, fa, b, fb, 60 * SEC) >= 8);
  snprintf(want, sizeof(want),
           "MAPPING_RELEASED: proto 17 (UDP), [2001:db8:1::2]:5000 -> "
           "198.19.0.7:%u, NAT mapping released",
           pa);
  has_line(b, fb, want);
  has_line(b, fb,
           "PORT_BLOCK_RELEASED: subscriber 2001:db8:1::3, public "
           "198.19.0.8, ports 4096-4111, port block released");
  sctx_del(a);
  sctx_del(b);
}

/* RFC 6146 sec. 3.5.1 / RFC 4787 REQ-8 after failover: an IPv4 host
 * other than the server reaches an imported NAT64 mapping on the
 * standby as on the active: a session back to the mapping's IPv6 host,
 * the sender under the prefix the mapping's first connection used (B
 * lists its network-specific prefixes in another order: the prefix
 * travels, not its index), the host's answer out through it; the next
 * pass (the two sessions filtering opened) goes in on top. */
static void test_state64_eif(void **state) {
  (void)state;
  sctx *a = sctx_new(0, 0), *b = sctx_new(1, 0);
  uint16_t pw = 0, pn = 0;
  assert_int_equal(send64(&a->t, CLI, 5353, SRV6, 53, SEC, &pw),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(send64(&a->t, CLI2, 5353, NSP2 "c613:2", 53, SEC, &pn),
                   PINHOLE_VERDICT_FORWARD);
  uint64_t cur, next;
  size_t len = export_full(&a->t, 2 * SEC, &cur);
  assert_int_equal(pinhole_state_import(b->t.ctx, 2 * SEC, blob, len), 2);
  tpkt p, o, e;
  t_udp(&p, PEER, 5060, PA, pw, "unsolicited");
  assert_int_equal(both(&a->t, &b->t, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, "64:ff9b::c613:9", 5060, CLI, 5353, "unsolicited");
  assert_int_equal(o.p.len, e.p.len);
  assert_memory_equal(o.b, e.b, e.p.len);
  t_udp(&p, PEER, 5061, PB, pn, "to the nsp one");
  assert_int_equal(both(&a->t, &b->t, &p, PINHOLE_SIDE_OUTSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  b6_udp(&e, NSP2 "c613:9", 5061, CLI2, 5353, "to the nsp one");
  assert_int_equal(o.p.len, e.p.len);
  assert_memory_equal(o.b, e.b, e.p.len);
  b6_udp(&p, CLI, 5353, "64:ff9b::c613:9", 5060, "reply");
  assert_int_equal(both(&a->t, &b->t, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(o.p.len, 20 + 8 + 5);
  assert_int_equal(t_get32(o.b + 12), PA);
  assert_int_equal(t_get32(o.b + 16), PEER);
  assert_int_equal(t_get16(o.b + 20), pw);
  assert_int_equal(t_get16(o.b + 22), 5060);
  assert_memory_equal(o.b + 28, "reply", 5);
  same_listing(&a->t, &b->t);
  /* the next pass (not a full snapshot) replaces B's conversations,
   * their mappings' hosts the ones B has: it goes in, and the filtering
   * goes on alike */
  assert_int_equal(
      pinhole_state_export(a->t.ctx, 4 * SEC, cur, blob, BLOB, &len, &next), 1);
  assert_int_equal(pinhole_state_import(b->t.ctx, 4 * SEC, blob, len), 2);
  same_listing(&a->t, &b->t);
  t_udp(&p, PEER, 5062, PB, pn, "again");
  assert_int_equal(both(&a->t, &b->t, &p, PINHOLE_SIDE_OUTSIDE, 5 * SEC, &o),
                   PINHOLE_VERDICT_FORWARD);
  same_listing(&a->t, &b->t);
  sctx_del(a);
  sctx_del(b);
}

/* RFC 6146 sec. 3.8 after failover: a hairpinned NAT64 connection (CLI
 * to CLI2 through CLI2's public endpoint) travels with both its
 * mappings and goes on both ways through the standby; a new one (CLI3
 * to CLI2) reaches the imported mapping's IPv6 host on the standby as
 * on the active. */
static void test_state64_hairpin(void **state) {
  (void)state;
  sctx *a = sctx_new(0, 0), *b = sctx_new(0, 0);
  uint16_t pb = 0;
  assert_int_equal(send64(&a->t, CLI2, 5000, SRV6, 53, SEC, &pb),
                   PINHOLE_VERDICT_FORWARD);
  char pub_b[48];
  snprintf(pub_b, sizeof(pub_b), "64:ff9b::c613:8");
  tpkt p, o;
  b6_udp(&p, CLI, 7000, pub_b, pb, "hello-b");
  assert_int_equal(t_in(&a->t, &p, SEC), PINHOLE_VERDICT_HAIRPIN);
  uint16_t pa = t_get16(p.b + 40);
  size_t len = export_full(&a->t, 2 * SEC, NULL);
  assert_int_equal(pinhole_state_import(b->t.ctx, 2 * SEC, blob, len), 2);
  same_listing(&a->t, &b->t);
  b6_udp(&p, CLI, 7000, pub_b, pb, "hello-b again");
  assert_int_equal(both(&a->t, &b->t, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_HAIRPIN);
  assert_int_equal(t_get16(o.b + 40), pa);
  b6_udp(&p, CLI2, 5000, "64:ff9b::c613:7", pa, "hello-a, from b");
  assert_int_equal(both(&a->t, &b->t, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_HAIRPIN);
  uint8_t cli[16];
  a6(cli, CLI);
  assert_memory_equal(o.b + 24, cli, 16);
  b6_udp(&p, CLI3, 7100, pub_b, pb, "hello-b from c");
  assert_int_equal(both(&a->t, &b->t, &p, PINHOLE_SIDE_INSIDE, 3 * SEC, &o),
                   PINHOLE_VERDICT_HAIRPIN);
  uint8_t cli2[16];
  a6(cli2, CLI2);
  assert_memory_equal(o.b + 24, cli2, 16);
  same_listing(&a->t, &b->t);
  sctx_del(a);
  sctx_del(b);
}

/* A pair with 12 mapping slots with an IPv6 host record (2 * 4 conns6 + 2
 * * 2 pinholes) of 40; NAPT on PUB, NAT64 through it. */
static tctx *slots_ctx(void) {
  pinhole_config cfg;
  t_cfg(&cfg);
  cfg.max_conns6 = 4;
  cfg.max_pinholes = 2;
  cfg.max_mappings = 40;
  cfg.udp_timeout_s = 30;
  tctx *t = t_ctx_pool(&cfg, PUB, PUB, 30000, 30999);
  assert_int_equal(pinhole_nat64_prefix_add(t->ctx, wkp, 96, PINHOLE_NAT64_LAB),
                   0);
  rule64(t->ctx, t->pool, "64:ff9b::");
  return t;
}

/* B: IPv4 mappings that fill the 28 slots without an IPv6 host record
 * at 1 s, then take `spilled` slots with one at 20 s; the first 28
 * expire at 40 s, so B has 28 slots without a record free and 12 -
 * spilled with one. */
static tctx *spilled_ctx(uint16_t spilled) {
  tctx *b = slots_ctx();
  tpkt p;
  for (uint16_t i = 0; i < 28 + spilled; i++) {
    t_udp(&p, IP4(198, 18, 0, 20), (uint16_t)(7000 + i), OUT_HOST, 5001, "q");
    assert_int_equal(t_in(b, &p, i < 28 ? SEC : 20 * SEC),
                     PINHOLE_VERDICT_FORWARD);
  }
  for (int i = 0; i < 8; i++)
    (void)pinhole_tick(b->ctx, 40 * SEC);
  pinhole_usage u = {.size = sizeof(u)};
  assert_int_equal(pinhole_usage_get(b->ctx, &u), 0);
  assert_int_equal(u.mappings, spilled);
  return b;
}

/* The map6 slot bound: a standby whose IPv4 mappings took all but one of
 * the slots with an IPv6 host record (with 28 others free) has no room
 * for two NAT64 mappings' hosts: the blob is refused whole
 * (PINHOLE_ERR_FULL), B unchanged; with two such slots free it goes in,
 * and the hosts are there (endpoint-independent filtering is off: the
 * listing shows them). */
static void test_state64_map6_slots(void **state) {
  (void)state;
  tctx *a = slots_ctx();
  uint64_t cur, next;
  (void)export_full(a, 38 * SEC, &cur); /* nothing yet */
  assert_int_equal(send64(a, CLI, 5000, SRV6, 53, 39 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  assert_int_equal(send64(a, CLI2, 5000, SRV6, 53, 39 * SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  size_t len = 0; /* the changes: not a full snapshot, B keeps its own */
  assert_int_equal(
      pinhole_state_export(a->ctx, 40 * SEC, cur, blob, BLOB, &len, &next), 1);
  tctx *b = spilled_ctx(11), *c = spilled_ctx(10);
  snap before;
  snap_take(b, &before);
  assert_int_equal(pinhole_state_import(b->ctx, 40 * SEC, blob, len),
                   PINHOLE_ERR_FULL);
  snap_same(b, &before);
  free(before.listing);
  assert_int_equal(pinhole_state_import(c->ctx, 40 * SEC, blob, len), 2);
  pinhole_usage u = {.size = sizeof(u)};
  assert_int_equal(pinhole_usage_get(c->ctx, &u), 0);
  assert_int_equal(u.mappings, 12); /* every slot with a record taken */
  t_ctx_del(a);
  t_ctx_del(b);
  t_ctx_del(c);
}

/* A NAT64 subscriber's port block held after its last mapping ended
 * travels as a held block and its subscriber's address (type 8, then
 * 13): when the hold ends, the standby releases it with the active's
 * event, line and IPFIX record, naming the IPv6 client. */
static void test_state64_held_block(void **state) {
  (void)state;
  sctx *a = sctx_new(0, 10000), *b = sctx_new(0, 10000);
  uint16_t port = 0;
  assert_int_equal(send64(&a->t, CLI3, 6000, SRV6, 7000, SEC, &port),
                   PINHOLE_VERDICT_FORWARD);
  for (int i = 0; i < 8; i++)
    (void)pinhole_tick(a->t.ctx, 35 * SEC); /* idle at 31 s: held 10 s */
  size_t len = export_full(&a->t, 35 * SEC, NULL);
  size_t off[8];
  assert_int_equal(records(len, off, 8), 2);
  assert_int_equal(blob[off[0]], 8);
  assert_int_equal(blob[off[1]], 13);
  assert_int_equal(t_get16(blob + off[1] + 2), 16);
  uint8_t cli3[16];
  a6(cli3, CLI3);
  assert_memory_equal(blob + off[1] + 4, cli3, 16);
  assert_int_equal(pinhole_state_import(b->t.ctx, 35 * SEC, blob, len), 0);
  int fa = a->nev, fb = b->nev;
  for (int i = 0; i < 8; i++) {
    (void)pinhole_tick(a->t.ctx, 50 * SEC);
    (void)pinhole_tick(b->t.ctx, 50 * SEC);
  }
  assert_int_equal(same_events(a, fa, b, fb, 50 * SEC), 1);
  has_line(b, fb,
           "PORT_BLOCK_RELEASED: subscriber 2001:db8:1::4, public "
           "198.19.0.7, ports 4096-4111, port block released");
  sctx_del(a);
  sctx_del(b);
}

/* Lying host records (types 12 and 13) and hairpinned connections:
 * truncated, of the wrong family (an IPv4-mapped address, after a
 * mapping that is not a NAT64 one, in a conversation), naming a host
 * whose fold is not the mapping's or the subscriber's, where no mapping
 * is, a prefix with a bit past its length or one B lacks, a NAT64
 * mapping without its host (a blob from before type 12), a hairpin to
 * another host; every truncation and flipped byte: refused with B
 * unchanged. */
static void test_state64_hostile(void **state) {
  (void)state;
  sctx *a = sctx_new(0, 10000), *sb = sctx_new(0, 10000);
  tctx *b = &sb->t;
  assert_int_equal(send64(&a->t, CLI3, 6000, SRV6, 7000, SEC, NULL),
                   PINHOLE_VERDICT_FORWARD);
  for (int i = 0; i < 8; i++)
    (void)pinhole_tick(a->t.ctx, 32 * SEC); /* CLI3's block held */
  uint16_t pb = 0;
  assert_int_equal(send64(&a->t, CLI2, 5000, SRV6, 53, 32 * SEC, &pb),
                   PINHOLE_VERDICT_FORWARD);
  tpkt p;
  b6_udp(&p, CLI, 7000, "64:ff9b::c613:8", pb, "hairpin");
  assert_int_equal(t_in(&a->t, &p, 32 * SEC), PINHOLE_VERDICT_HAIRPIN);
  size_t len = export_full(&a->t, 33 * SEC, NULL);
  static uint8_t good[BLOB];
  memcpy(good, blob, len);
  size_t sub = rec_of(good, len, 13, 0), h0 = rec_of(good, len, 12, 0);
  size_t c6 = rec_of(good, len, 5, 0), conv1 = rec_of(good, len, 1, 1);
  assert_int_equal(good[h0 - 19], 2); /* each host right after its MAP */
  assert_int_equal(good[sub - 19], 8);

  /* truncated: a body one byte short (its length says so) */
  static uint8_t rec[64];
  memcpy(rec, good + h0, 4 + 32);
  t_put16(rec + 2, 32);
  size_t n = edit(good, len, h0, 4 + 33, rec, 4 + 32, 0);
  refused(b, n, PINHOLE_ERR_PARSE);
  memcpy(rec, good + sub, 4 + 15);
  t_put16(rec + 2, 15);
  n = edit(good, len, sub, 4 + 16, rec, 4 + 15, 0);
  refused(b, n, PINHOLE_ERR_PARSE);
  /* the wrong family: an IPv4-mapped address (its fold put right too),
   * after a mapping no longer a NAT64 one, a subscriber's record in a
   * conversation after a mapping */
  uint8_t m4[16];
  a6(m4, "::ffff:198.18.0.2");
  memcpy(blob, good, len);
  memcpy(blob + h0 + 4, m4, 16);
  t_put32(blob + h0 - 19 + 4 + 3, pinhole__fold6(b->ctx, m4));
  refused(b, len, PINHOLE_ERR_PARSE);
  flip(b, good, len, h0 - 19, 2, PH_MAPF_NAT64, PINHOLE_ERR_PARSE);
  memcpy(rec, good + sub, 4 + 16);
  n = edit(good, len, h0 + 4 + 33, 0, rec, 4 + 16, 1);
  refused(b, n, PINHOLE_ERR_PARSE);
  /* a host that is not the mapping's (another fold), a subscriber that
   * is not the block's; a host record where no mapping is (first in its
   * conversation; in the subscriber's place after a held block) */
  flip(b, good, len, h0, 15, 0x01, PINHOLE_ERR_PARSE);
  flip(b, good, len, sub, 15, 0x01, PINHOLE_ERR_PARSE);
  memcpy(rec, good + h0, 4 + 33);
  n = edit(good, len, conv1 + 4 + 6, 0, rec, 4 + 33, 1);
  refused(b, n, PINHOLE_ERR_PARSE);
  n = edit(good, len, sub, 4 + 16, rec, 4 + 33, 0);
  refused(b, n, PINHOLE_ERR_PARSE);
  /* the prefix: a bit past its length, another length, one B lacks */
  flip(b, good, len, h0, 16 + 15, 0x01, PINHOLE_ERR_PARSE);
  flip(b, good, len, h0, 32, 96 ^ 95, PINHOLE_ERR_PARSE);
  flip(b, good, len, h0, 16 + 2, 0x10, PINHOLE_ERR_NOMATCH);
  /* a NAT64 mapping without its host: from before type 12 */
  n = edit(good, len, h0, 4 + 33, rec, 0, -1);
  refused(b, n, PINHOLE_ERR_UNSUPPORTED);
  /* the hairpinned connection (CONN6: src6 0, dst6 16, b_src6 32, b_dst6
   * 48, the CONN body at 64, its tuples' addresses at 4, 8, 16, 20), an
   * address moved with its fold: side B another host, side A to another
   * public address, side B's destination another, side A's under no
   * prefix B has */
  static const struct {
    size_t at, fold;
    const char *to;
    int want;
  } mv[] = {
      {32, 64 + 16, "2001:db8:1::99", PINHOLE_ERR_PARSE},
      {16, 64 + 8, "64:ff9b::c613:9", PINHOLE_ERR_PARSE},
      {48, 64 + 20, "2001:db8:99::c613:7", PINHOLE_ERR_PARSE},
      {16, 64 + 8, "2001:db8:99::c613:8", PINHOLE_ERR_NOMATCH},
  };
  for (size_t i = 0; i < sizeof(mv) / sizeof(mv[0]); i++) {
    uint8_t to[16];
    a6(to, mv[i].to);
    memcpy(blob, good, len);
    memcpy(blob + c6 + 4 + mv[i].at, to, 16);
    t_put32(blob + c6 + 4 + mv[i].fold, pinhole__fold6(b->ctx, to));
    refused(b, len, mv[i].want);
  }

  hostile_all(b, good, len, 2);
  same_listing(&a->t, b);
  sctx_del(a);
  sctx_del(sb);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_state64_events_logs),
      cmocka_unit_test(test_state64_eif),
      cmocka_unit_test(test_state64_hairpin),
      cmocka_unit_test(test_state64_map6_slots),
      cmocka_unit_test(test_state64_held_block),
      cmocka_unit_test(test_state64_hostile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Differential fuzz target for pinhole_process_burst(): two contexts made
 * the same way (configuration, hash key, seed, pools, rules, the same
 * callbacks, each with its own records) get the same script. Context S
 * takes every packet with one pinhole_process() call; context B takes each
 * burst with one pinhole_process_burst() call (bursts of 1 to 70 packets,
 * so the look-ahead's chunks of 32 split). The API says the burst is
 * "the same result as n calls of pinhole_process()": after every burst and
 * every operation between bursts the two must agree on the verdicts, every
 * buffer's bytes and length, the callbacks' records in order (events as
 * JSON, traces, emitted packets), the counters, the usage, the random
 * state and the conversation listing. Any difference aborts. A quarter
 * of the inputs (by their FNV-1a hash) set no event, trace or emit
 * callback: the burst may then trust the look-ahead's header checks
 * across its turns, and the records compared are empty.
 *
 * A burst shares the packets' buffers as the host built them: a packet
 * may repeat an earlier one's buffer (so it meets it rewritten, its tuple
 * changed), and the flows are few (a handful of addresses and ports, the
 * ports the context handed out learned from its output), so packets of
 * one burst create, hit, close and collide with each other's flows.
 *
 * Script (fdp.h reads past the end as zeros):
 *   conf u8  bit 0 EIF, bit 1 narrow pool (4 ports), bit 2 small tables,
 *            bit 3 drop IP options, bit 4 max 2 ports per inside host,
 *            bits 5-6 the pool's mode (NAPT, PBA, deterministic,
 *            address only), bit 7 ALG low ports
 *   records, each: op u8
 *     op & 0xc0 == 0xc0, an operation on both contexts (bits 0-2):
 *       0 tick after a time step (bits 3-5: steps[] below)
 *       1 add the extra rule u8 (mod 8, table extra_rule())
 *       2 delete rule u8 (mod rules added; bit 7: FLUSH)
 *       3 clear the rules, add the base rules again
 *       4 delete pool u8 (bit 0; bit 1: FLUSH)
 *       5 clear every conversation
 *       6 400 s later, ticks until done (at most 16)
 *       7 a time step (bits 3-5) without a tick (lookups expire)
 *     else a burst: bit 0 side (1 outside), bits 1-3 time step before it,
 *       bit 4 tick after the step; u8 count (mod 70, + 1) packet records:
 *       u8 kind (bits 0-2):
 *       0 TCP: u8 tuple (bits 0-2 src, 3-5 dst address), u8 sport, u8
 *         dport, u8 flags, u8 seq mode (0 follow the stream, 0x01-0x7f
 *         back, 0x80-0xfe ahead, 0xff a u32 follows), u8 payload
 *       1 UDP: tuple, sport, dport, payload
 *       2 ICMP echo: tuple, u8 id (a port index), bit 3 of kind: a reply
 *       3 the buffer of earlier packet u8 (mod count) again, as it is
 *         when its turn comes (with its original length)
 *       4 ICMP error quoting recent output u8 (mod 8), u8 type choice,
 *         bit 3 of kind: from the router
 *       5 IPv6: u8 (bits 0-1 src, 2-3 dst, bit 4 UDP), sport, dport,
 *         flags, payload
 *       6 a copy of earlier packet u8 (as built), u8 offset, u8 value,
 *         u8 how (bit 0 fix the header checksum, bit 1 the L4 checksum,
 *         bits 4-7 bytes cut off the end)
 *       7 a UDP datagram (as 1) in two IP fragments, u8 cut (8-byte
 *         units), bit 3 of kind: the later piece first
 *       payload u8: length (bits 0-6), bit 7 the bytes follow (else a
 *       pattern)
 *   Address index: 198.18.0.2, .3, .4 (inside), 198.19.0.10, .11
 *   (outside), 198.19.0.1 (public), 198.19.0.2 (pool 1, address pool),
 *   198.19.0.9 (a router). Port index: < 0x80 fixed[i % 12], else the k-th
 *   port learned (k = i & 7) or 40000 + k.
 *   IPv6 addresses: 2001:db8:1::2, 2001:db8:1::80 (inside), 2001:db8:2::2
 *   (outside), 64:ff9b::c613:a (198.19.0.10 through NAT64).
 *
 * Not sent: a packet with cap < len (pinhole_process() refuses the call,
 * the burst gives that packet a DROP; documented, and not the look-ahead).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/ipv6.h>
#include <pinhole/operator.h>
#include <pinhole/pinhole.h>

#include "check.h"
#include "core/ctx.h"
#include "ctxconf.h"
#include "fdp.h"
#include "pkt4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define A4(a, b, c, d)                                                         \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |            \
   (uint32_t)(d))
#define PUB A4(198, 19, 0, 1)
#define PUB2 A4(198, 19, 0, 2)
#define SRV A4(198, 18, 0, 4)
#define ROUTER A4(198, 19, 0, 9)
#define SEC 1000000000ull
#define MAX_PKTS 70   /* per burst */
#define BUFCAP 1600u  /* each packet's buffer */
#define MAX_OPS 256   /* records per input */
#define LOG_CAP 65536 /* callback records kept for a report */
#define LIST_CAP 65536

static const uint32_t addrs[8] = {A4(198, 18, 0, 2),
                                  A4(198, 18, 0, 3),
                                  SRV,
                                  A4(198, 19, 0, 10),
                                  A4(198, 19, 0, 11),
                                  PUB,
                                  PUB2,
                                  ROUTER};
static const uint16_t fixed_ports[12] = {1024, 1025, 5000,  80,    53, 21,
                                         23,   8080, 40000, 40001, 9,  0};
static const uint64_t steps[8] = {0,        SEC / 1000, SEC / 2,   SEC,
                                  31 * SEC, 61 * SEC,   301 * SEC, 7441 * SEC};
static const uint8_t addrs6[4][16] = {
    {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2},
    {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x80},
    {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2},
    {0, 0x64, 0xff, 0x9b, [12] = 198, 19, 0, 10}};

/* One context and what its callbacks saw. */
typedef struct side_rec {
  pinhole_ctx *ctx;
  void *arena;
  size_t arena_len;
  char log[LOG_CAP];
  size_t loglen; /* bytes kept in log */
  uint64_t hash; /* FNV-1a over every record, kept or not */
  uint64_t nrec; /* records */
  char text[4096];
  uint8_t buf[MAX_PKTS][BUFCAP];
  pinhole_pkt pk[MAX_PKTS];
  uint8_t vd[MAX_PKTS];
} side_rec;

typedef struct saved {
  uint8_t b[68];
  size_t len;
  int side; /* side it left by */
} saved;

typedef struct harness {
  side_rec s, b; /* one packet per call; bursts */
  uint64_t now;
  uint8_t conf;
  int pools[2];
  int nrules;
  uint16_t learned[8];
  unsigned nlearned;
  fz_stream sent[FZ_STREAMS], seen[FZ_STREAMS];
  unsigned nsent, nseen;
  saved out[8];
  unsigned nout;
  /* the burst being built: packet i's buffer (its own or an earlier
   * one's), length and cap; tmpl: every buffer as built */
  uint8_t tmpl[MAX_PKTS][BUFCAP];
  uint8_t bufof[MAX_PKTS];
  uint32_t len[MAX_PKTS];
  unsigned n;
  int debug;
  /* no event, trace or emit callback (a quarter of the inputs, by their
   * hash): the burst may then trust its look-ahead's header checks
   * (process.c), and only bytes, verdicts, counters and listings are
   * compared */
  int quiet;
} harness;

/* ---- callbacks: every record into the side's log --------------------- */

static void rec(side_rec *r, char tag, const void *p, size_t len) {
  const uint8_t *b = p;
  uint64_t h = (r->hash ^ (uint8_t)tag) * 0x100000001b3ull;
  for (size_t i = 0; i < len; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  r->hash = h;
  r->nrec++;
  /* kept for a report while it fits (packets in hex) */
  size_t need = 3 + (tag == 'P' ? 2 * len : len);
  if (r->loglen + need > LOG_CAP)
    return;
  char *o = r->log + r->loglen;
  *o++ = tag;
  *o++ = ' ';
  if (tag == 'P') {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
      *o++ = hex[b[i] >> 4];
      *o++ = hex[b[i] & 15];
    }
  } else {
    memcpy(o, b, len);
    o += len;
  }
  *o++ = '\n';
  r->loglen = (size_t)(o - r->log);
}

static void *ctx_alloc(size_t size, void *user) {
  side_rec *r = user;
  if (r->arena != NULL && r->arena_len != size) {
    free(r->arena);
    r->arena = NULL;
  }
  if (r->arena == NULL) {
    r->arena = malloc(size);
    r->arena_len = size;
  }
  return r->arena;
}

static void ctx_free(void *ptr, size_t size, void *user) {
  side_rec *r = user;
  CHECK(ptr == r->arena && size == r->arena_len);
}

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  side_rec *r = user;
  int n = pinhole_event_format_json(ev, r->text, sizeof(r->text));
  CHECK(n >= 0 && (size_t)n < sizeof(r->text));
  rec(r, 'E', r->text, (size_t)n);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  (void)ctx;
  side_rec *r = user;
  int n = pinhole_trace_format(tr, r->text, sizeof(r->text));
  CHECK(n >= 0);
  rec(r, 'T', r->text, strlen(r->text));
}

static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  (void)ctx;
  side_rec *r = user;
  char s = (char)('0' + side);
  rec(r, 'S', &s, 1);
  rec(r, 'P', pkt, len);
}

/* ---- both contexts ------------------------------------------------------ */

static void dump_logs(harness *h) {
  fprintf(stderr, "---- one per call (%llu records)\n%.*s",
          (unsigned long long)h->s.nrec, (int)h->s.loglen, h->s.log);
  fprintf(stderr, "---- bursts (%llu records)\n%.*s",
          (unsigned long long)h->b.nrec, (int)h->b.loglen, h->b.log);
}

#define SAME(cond)                                                             \
  do {                                                                         \
    if (!(cond)) {                                                             \
      dump_logs(h);                                                            \
      fprintf(stderr,                                                          \
              "ctx_burst: burst and one per call differ: %s "                  \
              "(line %d)\n",                                                   \
              #cond, __LINE__);                                                \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* Everything observable after an operation: records, counters, usage,
 * random state, listing. */
static void compare(harness *h) {
  SAME(h->s.nrec == h->b.nrec);
  SAME(h->s.loglen == h->b.loglen &&
       memcmp(h->s.log, h->b.log, h->s.loglen) == 0);
  SAME(h->s.hash == h->b.hash);
  static uint64_t cs[512], cb[512];
  int nc = pinhole_counter_count();
  CHECK(nc > 0 && nc <= 512);
  CHECK(pinhole_stats(h->s.ctx, cs, (size_t)nc) == nc);
  CHECK(pinhole_stats(h->b.ctx, cb, (size_t)nc) == nc);
  for (int i = 0; i < nc; i++)
    if (cs[i] != cb[i]) {
      fprintf(stderr, "counter %s: one per call %llu, bursts %llu\n",
              pinhole_counter_name(i), (unsigned long long)cs[i],
              (unsigned long long)cb[i]);
      SAME(cs[i] == cb[i]);
    }
  pinhole_usage us, ub;
  memset(&us, 0, sizeof(us));
  memset(&ub, 0, sizeof(ub));
  us.size = ub.size = sizeof(us);
  CHECK(pinhole_usage_get(h->s.ctx, &us) == 0);
  CHECK(pinhole_usage_get(h->b.ctx, &ub) == 0);
  SAME(memcmp(&us, &ub, sizeof(us)) == 0);
  SAME(h->s.ctx->rng == h->b.ctx->rng);
  static char ls[LIST_CAP], lb[LIST_CAP];
  int ns = pinhole_conversations_format(h->s.ctx, ls, sizeof(ls));
  int nb = pinhole_conversations_format(h->b.ctx, lb, sizeof(lb));
  CHECK(ns >= 0 && nb >= 0);
  if (ns != nb ||
      memcmp(ls, lb, (size_t)ns < sizeof(ls) ? (size_t)ns : sizeof(ls) - 1) !=
          0) {
    fprintf(stderr, "---- listing, one per call\n%s\n---- bursts\n%s\n", ls,
            lb);
    int same_listing = 0;
    SAME(same_listing);
  }
  if (h->debug)
    fprintf(stderr, "%.*s", (int)h->s.loglen, h->s.log);
  /* the logs are per operation: start afresh */
  h->s.loglen = h->b.loglen = 0;
}

static int rule_add2(harness *h, const pinhole_rule *r) {
  int a = pinhole_rule_add(h->s.ctx, r), b = pinhole_rule_add(h->b.ctx, r);
  SAME(a == b);
  if (a >= 0)
    h->nrules = a + 1;
  return a;
}

static void base_rules(harness *h) {
  pinhole_rule r = fz_rule_dnat("dnat-21", PUB, 21, SRV);
  rule_add2(h, &r);
  snprintf(r.name, sizeof(r.name), "dnat-8080");
  r.dport_lo = r.dport_hi = 8080;
  r.nat_port = 80;
  r.proto = PINHOLE_IPPROTO_TCP;
  rule_add2(h, &r);
  r = fz_rule("reject-telnet", PINHOLE_SIDE_ANY);
  r.proto = PINHOLE_IPPROTO_TCP;
  r.dport_lo = r.dport_hi = 23;
  r.action = PINHOLE_ACTION_REJECT;
  rule_add2(h, &r);
  r = fz_rule("discard-router", PINHOLE_SIDE_INSIDE);
  r.dst_addr = ROUTER;
  r.dst_plen = 32;
  r.action = PINHOLE_ACTION_DISCARD;
  rule_add2(h, &r);
  /* IPv6: NAT64 to pool 0 for 64:ff9b::/96, inside out, the outside to
   * [2001:db8:1::80]:80 */
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  r = fz_rule6_in("nat64", addrs6[0], 48);
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = h->pools[0];
  memcpy(r.dst6, wkp, 16);
  r.dst_plen = 96;
  rule_add2(h, &r);
  r = fz_rule6_in("v6-out", addrs6[0], 48);
  rule_add2(h, &r);
  r = fz_rule("v6-web", PINHOLE_SIDE_OUTSIDE);
  r.family = 6;
  r.proto = PINHOLE_IPPROTO_TCP;
  memcpy(r.dst6, addrs6[1], 16);
  r.dst_plen = 128;
  r.dport_lo = r.dport_hi = 80;
  rule_add2(h, &r);
  r = fz_rule("inside-out", PINHOLE_SIDE_INSIDE);
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = h->pools[0];
  rule_add2(h, &r);
}

/* Rules appended between bursts (after inside-out, so an inside one
 * matters once that is deleted or the rules cleared). */
static void extra_rule(harness *h, uint8_t which) {
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "extra-%u", which & 7u);
  switch (which & 7) {
  case 0: /* UDP through the second pool */
    r.side = PINHOLE_SIDE_INSIDE;
    r.proto = PINHOLE_IPPROTO_UDP;
    r.nat = PINHOLE_NAT_SOURCE;
    r.pool = h->pools[1];
    break;
  case 1: /* one host without NAT */
    r.side = PINHOLE_SIDE_INSIDE;
    r.src_addr = addrs[1];
    r.src_plen = 32;
    break;
  case 2:
    r.side = PINHOLE_SIDE_INSIDE;
    r.proto = PINHOLE_IPPROTO_UDP;
    r.dport_lo = r.dport_hi = 53;
    r.action = PINHOLE_ACTION_DISCARD;
    break;
  case 3: /* the server to the outside, static */
    r.side = PINHOLE_SIDE_INSIDE;
    r.src_addr = SRV;
    r.src_plen = 32;
    r.nat = PINHOLE_NAT_STATIC;
    r.nat_addr = A4(198, 19, 0, 4);
    break;
  case 4:
    r.side = PINHOLE_SIDE_OUTSIDE;
    r.dst_addr = PUB;
    r.dst_plen = 32;
    r.dport_lo = r.dport_hi = 5000;
    r.nat = PINHOLE_NAT_DEST;
    r.nat_addr = addrs[0];
    break;
  case 5:
    r.side = PINHOLE_SIDE_ANY;
    r.proto = PINHOLE_IPPROTO_UDP;
    r.dport_lo = r.dport_hi = 9;
    r.action = PINHOLE_ACTION_REJECT;
    break;
  case 6: /* everything from the inside, pool 0, again */
    r.side = PINHOLE_SIDE_INSIDE;
    r.nat = PINHOLE_NAT_SOURCE;
    r.pool = h->pools[0];
    break;
  default: /* TCP through the second pool */
    r.side = PINHOLE_SIDE_INSIDE;
    r.proto = PINHOLE_IPPROTO_TCP;
    r.nat = PINHOLE_NAT_SOURCE;
    r.pool = h->pools[1];
    break;
  }
  rule_add2(h, &r);
}

static void setup(harness *h, uint8_t conf) {
  pinhole_config cfg;
  CHECK(pinhole_config_default(&cfg, sizeof(cfg)) == 0);
  int small = (conf & 4) != 0;
  cfg.max_flows = small ? 16 : 128;
  cfg.max_conns6 = small ? 8 : 32;
  cfg.max_pinholes = 16;
  cfg.max_watch = 8;
  cfg.max_rules = 32;
  cfg.max_fragments = 4;
  cfg.max_held = 2;
  cfg.hold_bytes = 4096;
  cfg.hold_bytes_per_conv = 2048;
  cfg.max_port_blocks = 16;
  cfg.port_lo = 40000;
  cfg.port_hi = 50099;
  if (conf & 0x01)
    cfg.flags |= PINHOLE_CFG_EIF;
  if (conf & 0x08)
    cfg.flags |= PINHOLE_CFG_DROP_IP_OPTIONS;
  if (conf & 0x10)
    cfg.max_ports_per_host = 2;
  if (conf & 0x80)
    cfg.flags |= PINHOLE_CFG_ALG_LOW_PORTS;
  cfg.hash_key.k0 = 0x0123456789abcdefull;
  cfg.hash_key.k1 = 0xfedcba9876543210ull;
  cfg.seed = 7;
  pinhole_callbacks cb = h->quiet ? fz_callbacks(NULL, NULL, NULL)
                                  : fz_callbacks(on_event, on_trace, on_emit);
  cb.alloc = ctx_alloc;
  cb.free = ctx_free;
  CHECK(pinhole_ctx_new(&h->s.ctx, &cfg, &cb, &h->s) == 0);
  CHECK(pinhole_ctx_new(&h->b.ctx, &cfg, &cb, &h->b) == 0);

  pinhole_pool pool = fz_pool(PUB, 40000, (conf & 2) ? 40003 : 40015);
  switch ((conf >> 5) & 3) {
  case 1:
    pool.mode = PINHOLE_POOL_PBA;
    pool.port_hi = (conf & 2) ? 40015 : 40063;
    pool.block_size = 8;
    pool.max_blocks = 2;
    pool.block_hold_ms = 1000;
    break;
  case 2:
    pool.mode = PINHOLE_POOL_DETERMINISTIC;
    pool.inside_addr = A4(198, 18, 0, 0);
    pool.inside_plen = 30;
    pool.port_hi = 40063;
    pool.block_size = (conf & 2) ? 4 : 0;
    break;
  case 3:
    pool.mode = PINHOLE_POOL_ADDRESS;
    pool.port_lo = pool.port_hi = 0;
    pool.addr_hi = (conf & 2) ? PUB : PUB2;
    pool.block_hold_ms = 1000;
    break;
  default:
    break;
  }
  int a = pinhole_pool_add(h->s.ctx, &pool),
      b = pinhole_pool_add(h->b.ctx, &pool);
  CHECK(a >= 0 && a == b);
  h->pools[0] = a;
  pool = fz_pool(PUB2, 50000, 50003);
  if ((conf >> 5 & 3) == 3) /* PUB2 is the address pool's */
    pool.addr_lo = pool.addr_hi = A4(198, 19, 0, 3);
  a = pinhole_pool_add(h->s.ctx, &pool);
  b = pinhole_pool_add(h->b.ctx, &pool);
  CHECK(a >= 0 && a == b);
  h->pools[1] = a;
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  CHECK(pinhole_nat64_prefix_add(h->s.ctx, wkp, 96, PINHOLE_NAT64_LAB) == 0);
  CHECK(pinhole_nat64_prefix_add(h->b.ctx, wkp, 96, PINHOLE_NAT64_LAB) == 0);
  base_rules(h);
}

/* ---- building packets -------------------------------------------------- */

static uint16_t port_of(harness *h, uint8_t i) {
  if (i < 0x80)
    return fixed_ports[i % 12];
  uint16_t p = h->learned[i & 7];
  return p ? p : (uint16_t)(40000 + (i & 7));
}

static void learn(harness *h, uint16_t port) {
  if (port == 0)
    return;
  for (unsigned i = 0; i < 8; i++)
    if (h->learned[i] == port)
      return;
  h->learned[h->nlearned++ & 7] = port;
}

static size_t payload(fdp *f, uint8_t *out) {
  uint8_t l = fdp_u8(f);
  size_t n = l & 0x7f;
  if (l & 0x80) {
    memset(out, 0, n);
    fdp_bytes(f, out, n);
  } else {
    for (size_t i = 0; i < n; i++)
      out[i] = (uint8_t)('a' + i % 26);
  }
  return n;
}

/* The header with its checksum (the L4 checksum is fix4's). */
static void ip_hdr(uint8_t *b, size_t total, uint8_t proto, uint32_t src,
                   uint32_t dst, uint16_t id) {
  fz_ip4_hdr(b, total, proto, src, dst, id);
  fz_put16(b + 10, pinhole_cksum(b, 20));
}

static void fix4(uint8_t *b, size_t len) {
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, len, &v) == 0)
    pinhole_pkt_fix_cksums(b, &v);
}

static size_t build_tcp(harness *h, fdp *f, uint8_t *b) {
  uint8_t t = fdp_u8(f);
  uint32_t src = addrs[t & 7], dst = addrs[(t >> 3) & 7];
  uint16_t sport = port_of(h, fdp_u8(f)), dport = port_of(h, fdp_u8(f));
  uint8_t flags = fdp_u8(f), m = fdp_u8(f);
  fz_stream *me = fz_stream_find(h->sent, src, dst, sport, dport);
  fz_stream *peer = fz_stream_find(h->seen, dst, src, dport, sport);
  uint32_t seq = me ? me->next : (uint32_t)sport * 7919u + src;
  if (m == 0xff)
    seq = fdp_u32(f);
  else if (m >= 0x80)
    seq += (uint32_t)(m - 0x7f);
  else
    seq -= m;
  size_t n = payload(f, b + 40);
  size_t total = 40 + n;
  ip_hdr(b, total, PINHOLE_IPPROTO_TCP, src, dst, (uint16_t)h->n);
  fz_put16(b + 20, sport);
  fz_put16(b + 22, dport);
  fz_put32(b + 24, seq);
  fz_put32(b + 28, (flags & 0x10) && peer ? peer->next : 0);
  b[32] = 0x50;
  b[33] = flags;
  fz_put16(b + 34, 65535);
  fix4(b, total);
  uint32_t next = seq + (uint32_t)n + ((flags & 0x02) ? 1u : 0u) +
                  ((flags & 0x01) ? 1u : 0u);
  fz_stream_set(h->sent, &h->nsent, src, dst, sport, dport, next,
                FZ_STREAM_ANY);
  return total;
}

static size_t build_udp(harness *h, fdp *f, uint8_t *b) {
  uint8_t t = fdp_u8(f);
  uint32_t src = addrs[t & 7], dst = addrs[(t >> 3) & 7];
  uint16_t sport = port_of(h, fdp_u8(f)), dport = port_of(h, fdp_u8(f));
  size_t n = payload(f, b + 28);
  size_t total = 28 + n;
  ip_hdr(b, total, PINHOLE_IPPROTO_UDP, src, dst, (uint16_t)(h->n + 1000));
  fz_put16(b + 20, sport);
  fz_put16(b + 22, dport);
  fz_put16(b + 24, (uint16_t)(8 + n));
  fz_put16(b + 26, 0);
  fix4(b, total);
  return total;
}

static size_t build_echo(harness *h, fdp *f, uint8_t *b, int reply) {
  uint8_t t = fdp_u8(f);
  uint32_t src = addrs[t & 7], dst = addrs[(t >> 3) & 7];
  uint16_t id = port_of(h, fdp_u8(f));
  ip_hdr(b, 36, PINHOLE_IPPROTO_ICMP, src, dst, (uint16_t)h->n);
  memset(b + 20, 0, 16);
  b[20] = reply ? 0 : 8;
  fz_put16(b + 24, id);
  fz_put16(b + 26, (uint16_t)h->n);
  fz_put16(b + 22, pinhole_cksum(b + 20, 16));
  return 36;
}

static size_t build_error(harness *h, fdp *f, uint8_t *b, int router) {
  uint8_t which = fdp_u8(f), tc = fdp_u8(f);
  if (h->nout == 0)
    return 0;
  const saved *o = &h->out[which % (h->nout < 8 ? h->nout : 8)];
  if (o->len < 28 || (o->b[0] >> 4) != 4)
    return 0;
  static const uint8_t types[4][2] = {{3, 3}, {3, 4}, {11, 0}, {3, 1}};
  size_t q = o->len < 48 ? o->len : 48;
  size_t total = 28 + q;
  uint32_t from = router ? ROUTER : fz_get32(o->b + 16);
  ip_hdr(b, total, PINHOLE_IPPROTO_ICMP, from, fz_get32(o->b + 12),
         (uint16_t)h->n);
  memset(b + 20, 0, 8);
  b[20] = types[tc & 3][0];
  b[21] = types[tc & 3][1];
  if (b[20] == 3 && b[21] == 4)
    fz_put16(b + 26, 576);
  memcpy(b + 28, o->b, q);
  fz_put16(b + 22, pinhole_cksum(b + 20, 8 + q));
  return total;
}

static size_t build_v6(harness *h, fdp *f, uint8_t *b) {
  uint8_t t = fdp_u8(f);
  const uint8_t *src = addrs6[t & 3], *dst = addrs6[(t >> 2) & 3];
  int udp = (t & 0x10) != 0;
  uint16_t sport = port_of(h, fdp_u8(f)), dport = port_of(h, fdp_u8(f));
  uint8_t flags = fdp_u8(f);
  size_t hl = udp ? 8 : 20;
  size_t n = payload(f, b + 40 + hl);
  memset(b, 0, 40 + hl);
  b[0] = 0x60;
  fz_put16(b + 4, (uint16_t)(hl + n));
  b[6] = udp ? PINHOLE_IPPROTO_UDP : PINHOLE_IPPROTO_TCP;
  b[7] = 64;
  memcpy(b + 8, src, 16);
  memcpy(b + 24, dst, 16);
  fz_put16(b + 40, sport);
  fz_put16(b + 42, dport);
  if (udp) {
    fz_put16(b + 44, (uint16_t)(8 + n));
    fz_put16(b + 46, 0xffff);
  } else {
    fz_put32(b + 44, (uint32_t)sport * 7919u + h->n);
    b[52] = 0x50;
    b[53] = flags;
    fz_put16(b + 54, 65535);
  }
  pinhole_pkt6_view v;
  if (pinhole_pkt6_parse(b, 40 + hl + n, &v) == 0)
    pinhole_pkt6_fix_cksums(b, &v);
  return 40 + hl + n;
}

/* Adds packet i of the burst: its own buffer, as built in tmpl[i]. */
static void add_pkt(harness *h, size_t len) {
  h->bufof[h->n] = (uint8_t)h->n;
  h->len[h->n] = (uint32_t)len;
  h->n++;
}

static void one_record(harness *h, fdp *f) {
  uint8_t kind = fdp_u8(f);
  uint8_t *b = h->tmpl[h->n];
  size_t len = 0;
  switch (kind & 7) {
  case 0:
    len = build_tcp(h, f, b);
    break;
  case 1:
    len = build_udp(h, f, b);
    break;
  case 2:
    len = build_echo(h, f, b, (kind & 8) != 0);
    break;
  case 3: { /* an earlier packet's buffer again */
    uint8_t k = fdp_u8(f);
    if (h->n == 0)
      return;
    unsigned j = k % h->n;
    h->bufof[h->n] = h->bufof[j];
    h->len[h->n] = h->len[j];
    h->n++;
    return;
  }
  case 4:
    len = build_error(h, f, b, (kind & 8) != 0);
    break;
  case 5:
    len = build_v6(h, f, b);
    break;
  case 6: { /* a hostile copy */
    uint8_t k = fdp_u8(f), off = fdp_u8(f), val = fdp_u8(f), how = fdp_u8(f);
    if (h->n == 0)
      return;
    unsigned j = h->bufof[k % h->n];
    len = h->len[k % h->n];
    memcpy(b, h->tmpl[j], len);
    if (off < len)
      b[off] = val;
    if ((how & 1) && len >= 20 && (b[0] >> 4) == 4) {
      size_t ihl = (size_t)(b[0] & 15) * 4;
      if (ihl >= 20 && ihl <= len) {
        fz_put16(b + 10, 0);
        fz_put16(b + 10, pinhole_cksum(b, ihl));
      }
    }
    if ((how & 2) && len >= 20 && (b[0] >> 4) == 4)
      fix4(b, len);
    size_t cut = how >> 4;
    len = cut < len ? len - cut : 0;
    break;
  }
  default: { /* a UDP datagram in two fragments */
    static uint8_t whole[BUFCAP];
    size_t wl = build_udp(h, f, whole);
    uint8_t c8 = fdp_u8(f);
    size_t l4 = wl - 20;
    if (l4 <= 8 || h->n + 2 > MAX_PKTS)
      return;
    size_t cut = 8 * (1 + (size_t)c8 % ((l4 - 1) / 8));
    for (int k = 0; k < 2; k++) {
      int later = k ^ ((kind & 8) != 0);
      size_t lo = later ? cut : 0, hi = later ? l4 : cut;
      uint8_t *p = h->tmpl[h->n];
      memcpy(p, whole, 20);
      memcpy(p + 20, whole + 20 + lo, hi - lo);
      fz_put16(p + 2, (uint16_t)(20 + hi - lo));
      fz_put16(p + 6, (uint16_t)((later ? 0 : 0x2000) | lo / 8));
      fz_put16(p + 10, 0);
      fz_put16(p + 10, pinhole_cksum(p, 20));
      add_pkt(h, 20 + hi - lo);
    }
    return;
  }
  }
  if (len == 0)
    return;
  add_pkt(h, len);
}

/* What left: ports handed out on the public addresses, TCP streams as
 * their receivers see them, recent packets for ICMP errors to quote. */
static void learn_output(harness *h, const uint8_t *d, uint32_t len, int side,
                         int vd) {
  if (vd != PINHOLE_VERDICT_FORWARD && vd != PINHOLE_VERDICT_HAIRPIN)
    return;
  if (len < 20 || (d[0] >> 4) != 4)
    return;
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(d, len, &v) != 0)
    return;
  if (v.src == PUB || v.src == PUB2 || v.src == A4(198, 19, 0, 3))
    learn(h, v.sport);
  if (v.dst == PUB || v.dst == PUB2)
    learn(h, v.dport);
  if (v.proto == PINHOLE_IPPROTO_TCP)
    fz_stream_set(h->seen, &h->nseen, v.src, v.dst, v.sport, v.dport,
                  v.seq + v.payload_len + ((v.tcp_flags & 0x02) ? 1u : 0u) +
                      ((v.tcp_flags & 0x01) ? 1u : 0u),
                  FZ_STREAM_ANY);
  saved *o = &h->out[h->nout++ & 7];
  o->len = len < sizeof(o->b) ? len : sizeof(o->b);
  memcpy(o->b, d, o->len);
  o->side = vd == PINHOLE_VERDICT_HAIRPIN ? side : side ^ 1;
}

static void burst(harness *h, fdp *f, uint8_t op) {
  int side = (op & 1) ? PINHOLE_SIDE_OUTSIDE : PINHOLE_SIDE_INSIDE;
  uint64_t step = steps[(op >> 1) & 7];
  h->now += step;
  if (step && (op & 0x10)) {
    int a = pinhole_tick(h->s.ctx, h->now), b = pinhole_tick(h->b.ctx, h->now);
    SAME(a == b);
  }
  unsigned want = fdp_u8(f) % MAX_PKTS + 1u;
  h->n = 0;
  for (unsigned i = 0; i < want && h->n < MAX_PKTS && fdp_left(f) > 0; i++)
    one_record(h, f);
  if (h->n == 0)
    return;
  for (unsigned i = 0; i < h->n; i++) {
    if (h->bufof[i] != i)
      continue;
    memcpy(h->s.buf[i], h->tmpl[i], h->len[i]);
    memcpy(h->b.buf[i], h->tmpl[i], h->len[i]);
  }
  for (unsigned i = 0; i < h->n; i++) {
    h->s.pk[i] = (pinhole_pkt){h->s.buf[h->bufof[i]], h->len[i], BUFCAP};
    h->b.pk[i] = (pinhole_pkt){h->b.buf[h->bufof[i]], h->len[i], BUFCAP};
  }
  for (unsigned i = 0; i < h->n; i++) {
    int v = pinhole_process(h->s.ctx, &h->s.pk[i], side, h->now);
    CHECK(v >= 0 && v <= 255);
    h->s.vd[i] = (uint8_t)v;
  }
  memset(h->b.vd, 0xee, sizeof(h->b.vd));
  CHECK(pinhole_process_burst(h->b.ctx, h->b.pk, h->n, side, h->now, h->b.vd) ==
        (int)h->n);
  if (h->debug)
    for (unsigned i = 0; i < h->n; i++)
      fprintf(stderr, "pkt %u (buffer %u, side %d): verdict %u/%u len %u/%u\n",
              i, h->bufof[i], side, h->s.vd[i], h->b.vd[i], h->s.pk[i].len,
              h->b.pk[i].len);
  for (unsigned i = 0; i < h->n; i++) {
    if (h->s.vd[i] != h->b.vd[i] || h->s.pk[i].len != h->b.pk[i].len ||
        memcmp(h->s.buf[i], h->b.buf[i], BUFCAP) != 0) {
      fprintf(stderr,
              "packet %u of %u (buffer %u): verdict %u / %u, len %u / %u\n", i,
              h->n, h->bufof[i], h->s.vd[i], h->b.vd[i], h->s.pk[i].len,
              h->b.pk[i].len);
      SAME(h->s.vd[i] == h->b.vd[i]);
      SAME(h->s.pk[i].len == h->b.pk[i].len);
      SAME(memcmp(h->s.buf[i], h->b.buf[i], BUFCAP) == 0);
    }
  }
  compare(h);
  for (unsigned i = 0; i < h->n; i++)
    learn_output(h, h->s.pk[i].data, h->s.pk[i].len, side, h->s.vd[i]);
}

static void operation(harness *h, fdp *f, uint8_t op) {
  int a = 0, b = 0;
  switch (op & 7) {
  case 0:
  case 7:
    h->now += steps[(op >> 3) & 7];
    if ((op & 7) == 0) {
      a = pinhole_tick(h->s.ctx, h->now);
      b = pinhole_tick(h->b.ctx, h->now);
    }
    break;
  case 1:
    extra_rule(h, fdp_u8(f));
    break;
  case 2: {
    uint8_t k = fdp_u8(f);
    int idx = h->nrules ? k % h->nrules : 0;
    int fl = (k & 0x80) ? PINHOLE_RULE_DEL_FLUSH : 0;
    a = pinhole_rule_del(h->s.ctx, idx, fl);
    b = pinhole_rule_del(h->b.ctx, idx, fl);
    break;
  }
  case 3:
    pinhole_rules_clear(h->s.ctx);
    pinhole_rules_clear(h->b.ctx);
    h->nrules = 0;
    base_rules(h);
    break;
  case 4: {
    uint8_t k = fdp_u8(f);
    int fl = (k & 2) ? PINHOLE_POOL_DEL_FLUSH : 0;
    a = pinhole_pool_del(h->s.ctx, h->pools[k & 1], fl);
    b = pinhole_pool_del(h->b.ctx, h->pools[k & 1], fl);
    break;
  }
  case 5:
    a = pinhole_conversations_clear(h->s.ctx, NULL);
    b = pinhole_conversations_clear(h->b.ctx, NULL);
    break;
  default:
    h->now += 400 * SEC;
    for (int i = 0; i < 16; i++) {
      a = pinhole_tick(h->s.ctx, h->now);
      b = pinhole_tick(h->b.ctx, h->now);
      SAME(a == b);
      if (a != PINHOLE_TICK_BUDGET)
        break;
    }
    break;
  }
  SAME(a == b);
  compare(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static harness hs;
  harness *h = &hs;
  int debug = getenv("CTX_BURST_DEBUG") != NULL;
  /* keep the arenas across inputs; clear everything else */
  void *as = h->s.arena, *ab = h->b.arena;
  size_t ls = h->s.arena_len, lb = h->b.arena_len;
  memset(h, 0, sizeof(*h));
  h->s.arena = as;
  h->s.arena_len = ls;
  h->b.arena = ab;
  h->b.arena_len = lb;
  h->debug = debug;
  h->s.hash = h->b.hash = 0xcbf29ce484222325ull;
  fdp f;
  fdp_init(&f, data, size);
  h->conf = fdp_u8(&f);
  h->quiet = (fz_mix(data, size) & 3) == 0;
  h->now = 1000 * SEC;
  setup(h, h->conf);
  compare(h);
  for (int i = 0; i < MAX_OPS && fdp_left(&f) > 0; i++) {
    uint8_t op = fdp_u8(&f);
    if ((op & 0xc0) == 0xc0)
      operation(h, &f, op);
    else
      burst(h, &f, op);
  }
  /* everything expires */
  h->now += 30ull * 24 * 3600 * SEC;
  for (int i = 0; i < 64; i++) {
    int a = pinhole_tick(h->s.ctx, h->now), b = pinhole_tick(h->b.ctx, h->now);
    SAME(a == b);
    if (a != PINHOLE_TICK_BUDGET)
      break;
  }
  compare(h);
  pinhole_ctx_del(h->s.ctx);
  pinhole_ctx_del(h->b.ctx);
  return 0;
}

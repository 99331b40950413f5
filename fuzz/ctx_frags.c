/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for IP fragment reassembly through the context
 * (lib/core/frag_reasm.c and the virtual reassembly of lib/core/frag.c,
 * lib/core/frag6.c for IPv6): UDP datagrams of a SIP conversation (a Watch
 * connection, reassembled for its ALG), of a plain UDP one (virtual
 * reassembly), the same from an IPv6 host (through NAT64: translated piece
 * by piece, or held and reassembled for SIP; or to an IPv6 peer, the
 * firewall's) and unknown ones (orphans), cut into fragments the input
 * chooses, sent in the order it chooses, some twice, some changed, some
 * never; time moves and ticks run. Every verdict is one the API names;
 * every packet returned or emitted parses (IPv4 with a correct header
 * checksum; IPv6) and is as long as its header says (and what emit gets
 * is a fragment: the first piece or the whole goes back to the caller);
 * the pool and the fragment table never pass their bounds, and once every
 * deadline has passed nothing is held and no fragment entry is left.
 *
 * Script:
 *   conf  u8  bit 0 PINHOLE_CFG_REASM_WHOLE, bit 1 pass untranslated,
 *             bit 2 no emit callback, bits 3-4 the pool's size (1, 2, 4 or
 *             16 KiB), bits 5-7 hold_msg_max (512 << n, at most 65535)
 *   records, each:
 *     op   u8  bits 0-1 the flow (0: SIP from the inside, 1: SIP from the
 *              outside to the inside server, 2: plain UDP from the inside,
 *              3: raw: one fragment of the input's own making), bit 2 a
 *              second source address (flow 2: IPv6 instead, from
 *              2001:db8:1::2: id bit 0 to 198.19.0.2 through NAT64 at
 *              64:ff9b::c613:2, else to 2001:db8:2::2; id bit 1 SIP, an
 *              INVITE to port 5060, else port 7000; id bit 2 a
 *              destination options header before the fragment header;
 *              the fragment header's identification 0x5eed0000 | id),
 *              bits 3-5 the order (in order,
 *              reversed, first last, every one twice, one changed byte,
 *              the middle lost, overlapping pieces, shuffled), bit 6 tick
 *              after, bit 7 a second's wait before
 *     u8   MTU / 8 (at least 68 bytes)
 *     u16  IP id
 *     blob the payload's bytes (SIP flows: appended to an INVITE whose
 *          SDP lines it lengthens; raw: header fields then bytes)
 */
#include "check.h"
#include "ctxconf.h"
#include "fdp.h"

#include "core/ctx.h"

#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_PHONE 0xC6120064u  /* 198.18.0.100 */
#define IN_PHONE2 0xC6120065u /* 198.18.0.101 */
#define IN_SRV 0xC6120005u    /* 198.18.0.5 */
#define OUT_PEER 0xC6130002u  /* 198.19.0.2 */
#define OUT_PEER2 0xC6130003u /* 198.19.0.3 */
#define PUB 0xC6130001u       /* 198.19.0.1 */

#define MAX_FRAGS 64

static const uint8_t cli6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2};
static const uint8_t peer6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2};
static const uint8_t srv64[16] = {0, 0x64, 0xff, 0x9b, [12] = 198, 19, 0, 2};

typedef struct harness {
  pinhole_ctx *ctx;
  uint8_t whole[65600];
  uint8_t frag[MAX_FRAGS][1600];
  size_t flen[MAX_FRAGS];
  uint8_t buf[65600];
  size_t mtu;
  uint16_t id; /* the record's */
  size_t hl;   /* the fragments' header length: 20, or IPv6's with its
                  extension headers and the fragment header */
  uint32_t flags;
  char text[1024];
  volatile uint8_t sink;
  int debug;
} harness;

/* A packet the library hands on: it parses (a fragment or whole), its
 * header checksum holds, and it is no longer than it may be. */
static void check_out(const uint8_t *p, size_t len, int emitted) {
  pinhole_pkt_view v;
  if (len >= 40 && (p[0] >> 4) == 6) { /* IPv6: the firewall's */
    pinhole_pkt6_view v6;
    CHECK(pinhole_pkt6_parse(p, len, &v6) == 0);
    CHECK(v6.ip_len == len);
    if (emitted)
      CHECK(v6.flags & PINHOLE_PKT6F_FRAGMENT);
    return;
  }
  CHECK(len >= 20 && len <= 65535);
  CHECK(pinhole_pkt_parse(p, len, &v) == PINHOLE_PKT_OK);
  CHECK(v.ip_len == len);
  CHECK(pinhole_cksum(p, v.ihl) == 0);
  if (emitted) /* only ever the pieces after the first */
    CHECK(v.flags & PINHOLE_PKTF_FRAGMENT);
}

static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  (void)ctx;
  CHECK(side == PINHOLE_SIDE_INSIDE || side == PINHOLE_SIDE_OUTSIDE);
  (void)user;
  check_out(pkt, len, 1);
}

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  harness *h = user;
  CHECK(pinhole_event_format(ev, h->text, sizeof(h->text)) >= 0);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  (void)ctx;
  harness *h = user;
  for (size_t i = 0; i < tr->text_len; i++)
    h->sink ^= (uint8_t)tr->text[i];
  CHECK(pinhole_trace_format(tr, h->text, sizeof(h->text)) >= 0);
}

static void setup(harness *h, uint8_t conf) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.max_pinholes = 32;
  cfg.max_watch = 16;
  cfg.max_fragments = 8;
  cfg.hold_bytes = 1024u << ((conf >> 3) & 3);
  if (((conf >> 3) & 3) == 3)
    cfg.hold_bytes = 16384;
  cfg.hold_bytes_per_conv = cfg.hold_bytes / 2;
  uint32_t mm = 512u << ((conf >> 5) & 7);
  cfg.hold_msg_max = mm > 65535 ? 65535 : mm;
  cfg.max_held = 6;
  cfg.hold_timeout_ms = 2000;
  cfg.frag_timeout_ms = 3000;
  cfg.hash_key.k0 = 0x0102030405060708ull;
  cfg.hash_key.k1 = 0x1112131415161718ull;
  cfg.seed = 5;
  if (conf & 1)
    cfg.flags |= PINHOLE_CFG_REASM_WHOLE;
  if (conf & 2)
    cfg.flags |= PINHOLE_CFG_ALG_PASS_UNTRANSLATED;
  h->flags = cfg.flags;
  pinhole_callbacks cb =
      fz_callbacks(on_event, on_trace, (conf & 4) ? NULL : on_emit);
  CHECK(pinhole_ctx_new(&h->ctx, &cfg, &cb, h) == 0);
  pinhole_pool pool = fz_pool(PUB, 1024, 1031);
  int id = pinhole_pool_add(h->ctx, &pool);
  CHECK(id >= 0);
  pinhole_rule r = fz_rule_dnat("sip-in", PUB, 5060, IN_SRV);
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  r = fz_rule("out", PINHOLE_SIDE_INSIDE);
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = id;
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  /* IPv6 from 2001:db8:1::/48: through NAT64 to the pool (64:ff9b::/96,
   * 198.18/15 allowed), else out as it is */
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  CHECK(pinhole_nat64_prefix_add(h->ctx, wkp, 96, PINHOLE_NAT64_LAB) == 0);
  r = fz_rule6_in("nat64", cli6, 48);
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = id;
  memcpy(r.dst6, wkp, 16);
  r.dst_plen = 96;
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  r = fz_rule6_in("v6-out", cli6, 48);
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
}

static const char invite_head[] =
    "INVITE sip:srv@198.19.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 198.18.0.100:5060;branch=z9hG4bKf\r\n"
    "From: <sip:a@198.18.0.100>;tag=1\r\nTo: <sip:b@198.19.0.1>\r\n"
    "Call-ID: f@198.18.0.100\r\nCSeq: 1 INVITE\r\n"
    "Contact: <sip:a@198.18.0.100:5060>\r\n"
    "Content-Type: application/sdp\r\nContent-Length: ";

/* The datagram of a record's flow into h->whole: its length. */
static size_t make_dgram(harness *h, int flow, int second, uint16_t id,
                         const uint8_t *extra, size_t elen) {
  uint32_t src, dst;
  uint16_t sport = 5060, dport = 5060;
  if (flow == 1) {
    src = second ? OUT_PEER2 : OUT_PEER;
    dst = PUB;
  } else {
    src = second ? IN_PHONE2 : IN_PHONE;
    dst = OUT_PEER;
    if (flow == 2)
      sport = dport = 7000;
  }
  uint8_t *u = h->whole + 28;
  size_t n = 0;
  if (flow != 2) {
    char body[160];
    int bl = snprintf(body, sizeof(body),
                      "v=0\r\no=a 1 1 IN IP4 198.18.0.100\r\ns=-\r\n"
                      "c=IN IP4 198.18.0.100\r\nt=0 0\r\n"
                      "m=audio 49170 RTP/AVP 0\r\n");
    n = (size_t)snprintf((char *)u, 2048, "%s%zu\r\n\r\n%s", invite_head,
                         (size_t)bl + elen, body);
  }
  memcpy(u + n, extra, elen);
  n += elen;
  size_t total = 28 + n;
  memset(h->whole, 0, 28);
  h->whole[0] = 0x45;
  fz_put16(h->whole + 2, (uint16_t)total);
  fz_put16(h->whole + 4, id);
  h->whole[8] = 64;
  h->whole[9] = 17;
  fz_put32(h->whole + 12, src);
  fz_put32(h->whole + 16, dst);
  fz_put16(h->whole + 20, sport);
  fz_put16(h->whole + 22, dport);
  fz_put16(h->whole + 24, (uint16_t)(8 + n));
  fz_put16(h->whole + 26, 1);
  fz_put16(h->whole + 10, pinhole_cksum(h->whole, 20));
  pinhole_pkt_view v;
  CHECK(pinhole_pkt_parse(h->whole, total, &v) == PINHOLE_PKT_OK);
  pinhole_pkt_fix_cksums(h->whole, &v);
  return total;
}

static const char invite6_head[] =
    "INVITE sip:srv@198.19.0.2 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [2001:db8:1::2]:5060;branch=z9hG4bK6\r\n"
    "From: <sip:a@[2001:db8:1::2]>;tag=1\r\nTo: <sip:b@198.19.0.2>\r\n"
    "Call-ID: f6@2001:db8:1::2\r\nCSeq: 1 INVITE\r\n"
    "Contact: <sip:a@[2001:db8:1::2]:5060>\r\n"
    "Content-Type: application/sdp\r\nContent-Length: ";

/* An IPv6 record's datagram (flow 2 with bit 2) into h->whole: from
 * 2001:db8:1::2, id bit 0 through NAT64 (else to an IPv6 peer), bit 1 a
 * SIP INVITE to 5060 (else port 7000). Its length. */
static size_t make_dgram6(harness *h, uint16_t id, const uint8_t *extra,
                          size_t elen) {
  int sip = (id & 2) != 0;
  uint8_t *u = h->whole + 48;
  size_t n = 0;
  if (sip) {
    char body[160];
    int bl = snprintf(body, sizeof(body),
                      "v=0\r\no=a 1 1 IN IP6 2001:db8:1::2\r\ns=-\r\n"
                      "c=IN IP6 2001:db8:1::2\r\nt=0 0\r\n"
                      "m=audio 49170 RTP/AVP 0\r\n");
    n = (size_t)snprintf((char *)u, 2048, "%s%zu\r\n\r\n%s", invite6_head,
                         (size_t)bl + elen, body);
  }
  memcpy(u + n, extra, elen);
  n += elen;
  memset(h->whole, 0, 48);
  h->whole[0] = 0x60;
  fz_put16(h->whole + 4, (uint16_t)(8 + n));
  h->whole[6] = 17;
  h->whole[7] = 64;
  memcpy(h->whole + 8, cli6, 16);
  memcpy(h->whole + 24, (id & 1) ? srv64 : peer6, 16);
  uint16_t port = sip ? 5060 : 7000;
  fz_put16(h->whole + 40, port);
  fz_put16(h->whole + 42, port);
  fz_put16(h->whole + 44, (uint16_t)(8 + n));
  fz_put16(h->whole + 46, 1);
  pinhole_pkt6_view v;
  CHECK(pinhole_pkt6_parse(h->whole, 48 + n, &v) == 0);
  CHECK(pinhole_pkt6_fix_cksums(h->whole, &v) >= 0);
  return 48 + n;
}

/* Cuts the IPv6 datagram in h->whole (len) into h->frag at h->mtu, each
 * piece after a fragment header (after a destination options header
 * when id bit 2 is set): how many. */
static size_t cut6(harness *h, size_t len, uint16_t id) {
  size_t x = (id & 4) ? 8 : 0;
  h->hl = 40 + x + 8;
  size_t fp = h->mtu > h->hl + 8 ? (h->mtu - h->hl) & ~(size_t)7 : 8;
  size_t plen = len - 40, n = 0;
  for (size_t off = 0; off < plen && n < MAX_FRAGS; off += fp, n++) {
    size_t piece = plen - off < fp ? plen - off : fp;
    uint8_t *b = h->frag[n];
    memcpy(b, h->whole, 40);
    fz_put16(b + 4, (uint16_t)(x + 8 + piece));
    b[6] = x ? 60 : PINHOLE_IP6_NH_FRAGMENT;
    if (x) { /* destination options: PadN over its 6 bytes */
      static const uint8_t dopt[8] = {PINHOLE_IP6_NH_FRAGMENT, 0, 1, 4};
      memcpy(b + 40, dopt, 8);
    }
    uint8_t *fh = b + 40 + x;
    fh[0] = 17;
    fh[1] = 0;
    fz_put16(fh + 2, (uint16_t)(off | (off + piece < plen ? 1u : 0u)));
    fz_put32(fh + 4, 0x5eed0000u | id);
    memcpy(b + h->hl, h->whole + 40 + off, piece);
    h->flen[n] = h->hl + piece;
  }
  return n;
}

/* Cuts h->whole (len) into h->frag at h->mtu: how many. */
static size_t cut(harness *h, size_t len) {
  size_t fp = (h->mtu - 20) & ~(size_t)7, plen = len - 20, n = 0;
  h->hl = 20;
  for (size_t off = 0; off < plen && n < MAX_FRAGS; off += fp, n++) {
    size_t piece = plen - off < fp ? plen - off : fp;
    uint8_t *b = h->frag[n];
    memcpy(b, h->whole, 20);
    memcpy(b + 20, h->whole + 20 + off, piece);
    fz_put16(b + 2, (uint16_t)(20 + piece));
    fz_put16(b + 6, (uint16_t)((off + piece < plen ? 0x2000 : 0) | off / 8));
    fz_put16(b + 10, 0);
    fz_put16(b + 10, pinhole_cksum(b, 20));
    h->flen[n] = 20 + piece;
  }
  return n;
}

static void feed(harness *h, const uint8_t *p, size_t len, int side,
                 uint64_t now) {
  memcpy(h->buf, p, len);
  pinhole_pkt pk = {h->buf, (uint32_t)len, (uint32_t)h->mtu};
  if (pk.cap < len)
    pk.cap = (uint32_t)len;
  if ((h->flags & PINHOLE_CFG_REASM_WHOLE) && (h->id & 1))
    pk.cap = sizeof(h->buf); /* a host buffer that takes the whole */
  int vd = pinhole_process(h->ctx, &pk, side, now);
  if (h->debug) /* CTX_FRAGS_DEBUG=1: what each piece got */
    fprintf(stderr, "IPv%d %zu bytes from side %d: verdict %d, IPv%d %u\n",
            p[0] >> 4, len, side, vd, h->buf[0] >> 4, pk.len);
  CHECK(vd == PINHOLE_VERDICT_FORWARD || vd == PINHOLE_VERDICT_DROP ||
        vd == PINHOLE_VERDICT_REJECT || vd == PINHOLE_VERDICT_HAIRPIN ||
        vd == PINHOLE_VERDICT_HELD);
  if (vd == PINHOLE_VERDICT_FORWARD || vd == PINHOLE_VERDICT_HAIRPIN)
    check_out(h->buf, pk.len, 0);
  const pinhole_ctx *c = h->ctx;
  CHECK(c->nheld <= c->cfg.max_held);
  CHECK(c->chunks_used <= c->nchunks);
  CHECK(c->nfrags <= c->cfg.max_fragments);
}

/* A raw fragment: offset, flags, length from the input. */
static void raw(harness *h, fdp *f, int second, uint16_t id, uint64_t now) {
  uint16_t fo = fdp_u16(f);
  uint16_t plen = (uint16_t)(fdp_u16(f) % 1480u);
  uint8_t *b = h->frag[0];
  memset(b, 0, 20);
  b[0] = 0x45;
  fz_put16(b + 2, (uint16_t)(20 + plen));
  fz_put16(b + 4, id);
  fz_put16(b + 6, fo & 0x3fff);
  b[8] = 64;
  b[9] = 17;
  fz_put32(b + 12, second ? OUT_PEER : IN_PHONE);
  fz_put32(b + 16, second ? PUB : OUT_PEER);
  memset(b + 20, 0, plen);
  fdp_bytes(f, b + 20, plen);
  fz_put16(b + 10, pinhole_cksum(b, 20));
  feed(h, b, 20 + plen, second ? PINHOLE_SIDE_OUTSIDE : PINHOLE_SIDE_INSIDE,
       now);
}

static void send_order(harness *h, size_t n, int order, int side, uint64_t now,
                       uint8_t r) {
  size_t k;
  switch (order) {
  case 0:
    for (k = 0; k < n; k++)
      feed(h, h->frag[k], h->flen[k], side, now);
    break;
  case 1:
    for (k = n; k-- > 0;)
      feed(h, h->frag[k], h->flen[k], side, now);
    break;
  case 2:
    for (k = 1; k <= n; k++)
      feed(h, h->frag[k % n], h->flen[k % n], side, now);
    break;
  case 3:
    for (k = 0; k < 2 * n; k++)
      feed(h, h->frag[k / 2], h->flen[k / 2], side, now);
    break;
  case 4: /* one byte changed in a resend of one piece */
    for (k = 0; k < n; k++)
      feed(h, h->frag[k], h->flen[k], side, now);
    k = r % n;
    h->frag[k][h->hl + r % (h->flen[k] - h->hl)] ^= 0x55;
    feed(h, h->frag[k], h->flen[k], side, now);
    break;
  case 5: /* the middle lost */
    for (k = 0; k < n; k++)
      if (k != n / 2 || n == 1)
        feed(h, h->frag[k], h->flen[k], side, now);
    break;
  case 6: /* a piece shifted to overlap its neighbour */
    for (k = 0; k < n; k++) {
      if (k == 1 && n > 2 && h->hl > 20) { /* IPv6: 8 bytes back */
        uint8_t *fh = h->frag[k] + h->hl - 8;
        fz_put16(fh + 2, (uint16_t)(fz_get16(fh + 2) - 8));
      } else if (k == 1 && n > 2) {
        uint16_t fo = fz_get16(h->frag[k] + 6);
        fz_put16(h->frag[k] + 6,
                 (uint16_t)((fo & 0xe000) | ((fo & 0x1fff) - 1)));
        fz_put16(h->frag[k] + 10, 0);
        fz_put16(h->frag[k] + 10, pinhole_cksum(h->frag[k], 20));
      }
      feed(h, h->frag[k], h->flen[k], side, now);
    }
    break;
  default: /* shuffled by r */
    for (k = 0; k < n; k++) {
      size_t j = (k * 7 + r) % n;
      feed(h, h->frag[j], h->flen[j], side, now);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static harness hs;
  harness *h = &hs;
  fdp f;
  fdp_init(&f, data, size);
  h->debug = getenv("CTX_FRAGS_DEBUG") != NULL;
  setup(h, fdp_u8(&f));
  uint64_t now = 1000000000ull;
  static uint8_t extra[4096];
  for (int rec = 0; rec < 24 && fdp_left(&f) > 0; rec++) {
    uint8_t op = fdp_u8(&f);
    h->mtu = 68 + (size_t)fdp_u8(&f) * 8;
    uint16_t id = fdp_u16(&f);
    int flow = op & 3, second = (op >> 2) & 1, order = (op >> 3) & 7;
    h->id = id;
    if (op & 0x80)
      now += 1000000000ull;
    if (flow == 3) {
      raw(h, &f, second, id, now);
    } else if (flow == 2 && second) {
      size_t elen = fdp_blob(&f, extra, sizeof(extra));
      size_t len = make_dgram6(h, id, extra, elen);
      size_t n = cut6(h, len, id);
      send_order(h, n, order, PINHOLE_SIDE_INSIDE, now, (uint8_t)id);
    } else {
      size_t elen = fdp_blob(&f, extra, sizeof(extra));
      size_t len = make_dgram(h, flow, second, id, extra, elen);
      size_t n = cut(h, len);
      int side = flow == 1 ? PINHOLE_SIDE_OUTSIDE : PINHOLE_SIDE_INSIDE;
      send_order(h, n, order, side, now, (uint8_t)id);
    }
    if (op & 0x40)
      pinhole_tick(h->ctx, now);
  }
  /* every deadline passed: nothing held, no entry left */
  for (int i = 0; i < 64 && pinhole_tick(h->ctx, now + 5000000000ull) ==
                                PINHOLE_TICK_BUDGET;
       i++)
    ;
  CHECK(h->ctx->nheld == 0 && h->ctx->chunks_used == 0);
  CHECK(h->ctx->nfrags == 0);
  pinhole_ctx_del(h->ctx);
  return 0;
}

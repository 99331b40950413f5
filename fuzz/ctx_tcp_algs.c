/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the binary TCP ALG modules through the context: one
 * control connection of the SQLNet (1521), NetShow (1755), IIOP (683,
 * or 2809 named by a rule), Real Audio (7070) or H.323 call signalling (1720)
 * ALG, either from an inside client through source NAPT or from an outside
 * client to an inside server behind destination NAT, then a script of
 * segments in both directions. Every verdict must be forward or drop, every
 * forwarded packet must parse with
 * correct checksums, every trace and event text is read whole (ASan sees
 * an overread), and the context is deleted cleanly.
 *
 * Script:
 *   conf  u8  bits 0-1 ALG (sqlnet, mms, iiop on 683, iiop on 2809), bit 2
 *             the server is inside (destination NAT), bit 3 ALG third
 *             party, bit 4 ALG low ports, bit 5 pass untranslated, bit 6
 *             narrow pool (4 ports), bit 7 instead of bits 0-1's ALG:
 *             Real Audio on 7070 (bit 0 set) or H.323 on 1720 (bit 0 clear)
 *   records, each:
 *     op  u8  bit 0 from the server, bit 1 FIN, bit 2 send again from the
 *             same sequence number even when forwarded (a retransmission)
 *     u16 len, payload (at most 1400 bytes)
 *     after each record, a SYN from the client to the port the payload's
 *     first two bytes name, through any pinhole the ALG opened (H.323:
 *     and one from the server to the client's public address and that
 *     port: its H.245 and media pinholes point that way)
 */
#include "check.h"
#include "ctxconf.h"
#include "fdp.h"

#include <pinhole/pinhole.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_SRV 0xC6120004u  /* 198.18.0.4 */
#define IN_CLI 0xC6120002u  /* 198.18.0.2 */
#define OUT_SRV 0xC6130002u /* 198.19.0.2 */
#define OUT_CLI 0xC6130003u /* 198.19.0.3 */
#define PUB 0xC6130001u     /* 198.19.0.1 */

typedef struct harness {
  pinhole_ctx *ctx;
  uint8_t buf[2048];
  char text[1024];
  volatile uint8_t sink;
  uint64_t now;
} harness;

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
  /* the debug layout too: its whole block fits (a dump is at most 1 KiB
   * of text) and is as long as it says */
  char dbg[8192];
  int dn = pinhole_trace_format_debug(tr, 0, dbg, sizeof(dbg));
  CHECK(dn > 0 && (size_t)dn < sizeof(dbg) && strlen(dbg) == (size_t)dn);
  if (getenv("CTX_TCP_ALGS_DEBUG"))
    fprintf(stderr, "  trace %s\n", h->text);
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

/* A TCP segment in h->buf; returns its length. */
static size_t seg(harness *h, uint32_t src, uint16_t sport, uint32_t dst,
                  uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                  const uint8_t *pl, size_t n) {
  uint8_t *b = h->buf;
  size_t total = 40 + n;
  memset(b, 0, 40);
  b[0] = 0x45;
  put16(b + 2, (uint16_t)total);
  b[8] = 64;
  b[9] = 6;
  put32(b + 12, src);
  put32(b + 16, dst);
  put16(b + 20, sport);
  put16(b + 22, dport);
  put32(b + 24, seq);
  put32(b + 28, ack);
  b[32] = 5 << 4;
  b[33] = flags;
  put16(b + 34, 65535);
  if (n)
    memcpy(b + 40, pl, n);
  pinhole_pkt_view v;
  put16(b + 10, pinhole_cksum(b, 20));
  CHECK(pinhole_pkt_parse(b, total, &v) == 0);
  CHECK(pinhole_pkt_fix_cksums(b, &v) == 0);
  return total;
}

/* A reassembled message's segment, or the bare ACK of a segment whose
 * payload is held, sent through emit: whole and checksummed, towards a
 * side. */
static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  (void)ctx;
  (void)user;
  pinhole_pkt_view v;
  CHECK(side == PINHOLE_SIDE_INSIDE || side == PINHOLE_SIDE_OUTSIDE);
  CHECK(pinhole_pkt_parse(pkt, len, &v) == 0);
  CHECK(v.proto == PINHOLE_IPPROTO_TCP);
  CHECK(v.payload_len > 0 || (v.tcp_flags & PINHOLE_TCP_ACK));
  CHECK(pinhole_cksum(pkt, v.ihl) == 0);
  CHECK(pinhole_pkt_l4_cksum_ok(pkt, &v) == 1);
}

/* Processes h->buf (len bytes) from side; checks the verdict and output. */
static int run(harness *h, size_t len, int side) {
  pinhole_pkt p = {h->buf, (uint32_t)len, sizeof(h->buf)};
  int v = pinhole_process(h->ctx, &p, side, h->now);
  CHECK(v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_DROP ||
        v == PINHOLE_VERDICT_REJECT || v == PINHOLE_VERDICT_HELD);
  if (v == PINHOLE_VERDICT_FORWARD) {
    pinhole_pkt_view pv;
    CHECK(pinhole_pkt_parse(h->buf, p.len, &pv) == 0);
    CHECK(pinhole_cksum(h->buf, pv.ihl) == 0);
    CHECK(pinhole_pkt_l4_cksum_ok(h->buf, &pv) == 1);
  }
  return v;
}

static void setup(harness *h, uint8_t conf, uint16_t port) {
  pinhole_config cfg;
  CHECK(pinhole_config_default(&cfg, sizeof(cfg)) == 0);
  cfg.max_flows = 64;
  cfg.max_pinholes = 16;
  cfg.max_watch = 8;
  cfg.max_rules = 8;
  cfg.port_lo = 36864;
  cfg.port_hi = 45055;
  cfg.hash_key.k0 = 0x0123456789abcdefull;
  cfg.hash_key.k1 = 0xfedcba9876543210ull;
  cfg.seed = 42;
  cfg.flags |= fz_alg_flags(conf);
  pinhole_callbacks cb = fz_callbacks(on_event, on_trace, on_emit);
  /* reassembly: a small pool, so its limits are reached too */
  cfg.hold_bytes = 4096;
  cfg.hold_bytes_per_conv = 2048;
  cfg.hold_msg_max = (conf & 0x02) ? 2000 : 300;
  cfg.max_held = 2;
  h->now = 1000000000ull;
  CHECK(pinhole_ctx_new(&h->ctx, &cfg, &cb, h) == 0);
  pinhole_pool pool =
      (conf & 0x40) ? fz_pool(PUB, 40000, 40003) : fz_pool(PUB, 0, 0);
  int pid = pinhole_pool_add(h->ctx, &pool);
  CHECK(pid >= 0);
  pinhole_rule r = fz_rule_dnat(NULL, PUB, port, IN_SRV);
  r.proto = PINHOLE_IPPROTO_TCP;
  if (port == 2809)
    snprintf(r.alg, sizeof(r.alg), "iiop");
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  r = fz_rule(NULL, PINHOLE_SIDE_INSIDE);
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pid;
  if (port == 2809)
    snprintf(r.alg, sizeof(r.alg), "iiop");
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const uint16_t ports[4] = {1521, 1755, 683, 2809};
  static harness hs;
  harness *h = &hs;
  fdp f;
  fdp_init(&f, data, size);
  uint8_t conf = fdp_u8(&f);
  uint16_t port = (conf & 0x80) ? ((conf & 1) ? 7070 : 1720) : ports[conf & 3];
  int inside_srv = (conf & 0x04) != 0;
  setup(h, conf, port);
  /* the client as it sends, the server as the client addresses it */
  uint32_t cli = inside_srv ? OUT_CLI : IN_CLI;
  uint32_t srv = inside_srv ? PUB : OUT_SRV;
  int cside = inside_srv ? PINHOLE_SIDE_OUTSIDE : PINHOLE_SIDE_INSIDE;
  uint32_t cseq = 1000, sseq = 9000;
  size_t n = seg(h, cli, 41000, srv, port, cseq++, 0, PINHOLE_TCP_SYN, NULL, 0);
  CHECK(run(h, n, cside) == PINHOLE_VERDICT_FORWARD);
  /* the server answers from where the client's SYN went */
  pinhole_pkt_view v;
  CHECK(pinhole_pkt_parse(h->buf, n, &v) == 0);
  uint32_t s_addr = v.dst, c_pub = v.src;
  uint16_t c_pport = v.sport;
  n = seg(h, s_addr, port, c_pub, c_pport, sseq++, cseq,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
  CHECK(run(h, n, cside ^ 1) == PINHOLE_VERDICT_FORWARD);
  uint8_t pl[1400];
  uint16_t probe = 50000;
  while (fdp_left(&f) > 0) {
    uint8_t op = fdp_u8(&f);
    size_t len = fdp_blob(&f, pl, sizeof(pl));
    uint8_t flags = PINHOLE_TCP_ACK | ((op & 2) ? PINHOLE_TCP_FIN : 0);
    int v2;
    /* op & 8: resent from up to 15 bytes back (retransmissions of held
     * or merged bytes); op & 0x80: a second passes (held messages time
     * out) */
    uint32_t back = (op & 8) ? (uint32_t)(op >> 4 & 7) * 2 + 1 : 0;
    if (op & 0x80) {
      h->now += 1000000000ull;
      pinhole_tick(h->ctx, h->now);
    }
    if (op & 1) {
      n = seg(h, s_addr, port, c_pub, c_pport, sseq - back, cseq, flags, pl,
              len);
      v2 = run(h, n, cside ^ 1);
      if ((v2 == PINHOLE_VERDICT_FORWARD || v2 == PINHOLE_VERDICT_HELD) &&
          !(op & 4) && len > back)
        sseq += (uint32_t)len - back;
    } else {
      n = seg(h, cli, 41000, srv, port, cseq - back, sseq, flags, pl, len);
      v2 = run(h, n, cside);
      if ((v2 == PINHOLE_VERDICT_FORWARD || v2 == PINHOLE_VERDICT_HELD) &&
          !(op & 4) && len > back)
        cseq += (uint32_t)len - back;
    }
    if (len >= 2 && (pl[0] | pl[1]) != 0)
      probe = (uint16_t)(pl[0] << 8 | pl[1]);
    n = seg(h, cli, 42000, srv, probe, 1, 0, PINHOLE_TCP_SYN, NULL, 0);
    run(h, n, cside);
    if (port == 1720) {
      n = seg(h, s_addr, 42001, c_pub, probe, 1, 0, PINHOLE_TCP_SYN, NULL, 0);
      run(h, n, cside ^ 1);
    }
  }
  pinhole_ctx_del(h->ctx);
  h->ctx = NULL;
  return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for NAT64 through the whole context with its ALGs
 * (docs/nat64.md: FTP64, SIP over NAT64, RTSP over NAT64): an IPv6-only
 * inside client 2001:db8:1::2 talks to the IPv4 server 198.19.0.2 at its
 * RFC 6052 address 64:ff9b::c613:2 over one control connection (FTP 21,
 * SIP 5060 over UDP or TCP, RTSP 554 or 8554), through the pool
 * 198.19.0.1; then a script of messages both ways, each side numbering
 * its bytes and acknowledging what the other's packets carried as they
 * left the translator (so sequence deltas are exercised both ways), each
 * followed by probes at the ports the context handed out (its events
 * name them): an IPv4 SYN and an IPv4 UDP datagram from the server (the
 * data connections and media an ALG's NAT64 pinholes admit), an IPv6 UDP
 * datagram from the client (media out through the ALG's mapping). A
 * record may instead be a packet from the server to the public port its
 * payload names (a UDP datagram from port 6970, or a SYN from port 20).
 * The pure RTSP readers run on every payload with their spans checked.
 *
 * Every verdict must be one of the four; every forwarded packet must
 * parse in its family with correct checksums (IPv6 towards the client,
 * IPv4 towards the server); every packet an ALG emits likewise; every
 * event, trace, listing and statistics text is read whole (ASan sees an
 * overread); the context is deleted cleanly.
 *
 * (This target took in fuzz/ctx_nat64_algs.c, which drove RTSP over
 * NAT64 and FTP64 alone; its seeds are in the corpus as rtsp64_* and
 * ftp64_*.)
 *
 * Script:
 *   conf  u8  bits 0-1 the control connection (FTP, SIP over UDP, SIP over
 *             TCP, RTSP), bit 2 the NAT64 rule names its ALG (else picked
 *             by port), bit 3 ALG third party, bit 4 ALG low ports, bit 5
 *             pass untranslated, bit 6 narrow pool (4 ports), bit 7 EIF
 *   conf2 u8  bit 0 RTSP on port 8554 (else 554); bit 1 UDP records
 *             (both ways) leave in IP fragments (docs/reassembly.md
 *             "IPv6": reassembled for a Watch datagram) of
 *             ((conf2 >> 4) + 1) * 16 payload bytes, bits 2-3 their
 *             order: in order, reversed, the first then the rest
 *             reversed, in order with the second piece sent twice;
 *             and by the datagram's count: every second IPv6 one has a
 *             hop-by-hop and a destination options header before its
 *             fragment header, and every other pair goes in order from
 *             its middle piece (pieces before their first fragment are
 *             held as orphans either way)
 *   records, each:
 *     op  u8  bit 0 from the server, bit 1 FIN (TCP), bit 2 send again
 *             from the same sequence number even when forwarded, bit 3
 *             resent from (op >> 4 & 7) * 2 + 1 bytes back, bit 7 a
 *             second passes first (pinhole_tick)
 *     u8  bits 0-6: which learned public port the probes use (mod the
 *             ones seen); bit 7: the record is a packet from the server
 *             to the public port the payload's first two bytes name, a
 *             UDP datagram from port 6970 carrying the payload (op bit 1:
 *             a TCP SYN from port 20)
 *     u16 len, payload (at most 1400 bytes)
 */
#include "check.h"
#include "ctxconf.h"
#include "fdp.h"

#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>
#include <pinhole/rtsp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SRV4 0xC6130002u /* 198.19.0.2 */
#define PUB 0xC6130001u  /* 198.19.0.1 */
#define NPORTS 8

static const uint8_t cli6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                 0,    0,    0,    0,    0, 0, 0, 2};
static const uint8_t srv6[16] = {0, 0x64, 0xff, 0x9b, 0,    0,    0, 0,
                                 0, 0,    0,    0,    0xc6, 0x13, 0, 2};

typedef struct harness {
  pinhole_ctx *ctx;
  uint8_t buf[2048];
  char text[2048];
  uint64_t now;
  uint16_t ports[NPORTS]; /* public ports seen in events, in order */
  unsigned nports;
  size_t outlen;       /* the last packet's length after processing */
  uint32_t cack, sack; /* what each side acknowledges: the other's data
                          as it left the translator */
  uint8_t whole[2048]; /* a datagram being cut in fragments */
  uint16_t fid;        /* their identification */
} harness;

static void learn(harness *h, const pinhole_endpoint *e) {
  if (e->addr != PUB || e->port == 0)
    return;
  for (unsigned i = 0; i < h->nports; i++)
    if (h->ports[i] == e->port)
      return;
  h->ports[h->nports++ % NPORTS] = e->port;
  if (h->nports > NPORTS)
    h->nports = NPORTS;
}

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  harness *h = user;
  int n = pinhole_event_format(ev, h->text, sizeof(h->text));
  CHECK(n >= 0);
  CHECK((size_t)n >= sizeof(h->text) || strlen(h->text) == (size_t)n);
  learn(h, &ev->nat_src);
  learn(h, &ev->dst);
  learn(h, &ev->nat_dst);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  (void)ctx;
  harness *h = user;
  CHECK(pinhole_trace_format(tr, h->text, sizeof(h->text)) >= 0);
  if (getenv("CTX_NAT64_DEBUG"))
    fprintf(stderr, "  trace %s\n", h->text);
}

/* Whole and correct in its family: IPv4 header and L4 checksums, or the
 * IPv6 L4 checksum. */
static void check_out(const uint8_t *pkt, size_t len) {
  CHECK(len > 0);
  if ((pkt[0] >> 4) == 4) {
    pinhole_pkt_view v;
    CHECK(pinhole_pkt_parse(pkt, len, &v) == 0);
    CHECK(pinhole_cksum(pkt, v.ihl) == 0);
    CHECK(pinhole_pkt_l4_cksum_ok(pkt, &v) == 1);
  } else {
    pinhole_pkt6_view v;
    CHECK((pkt[0] >> 4) == 6);
    CHECK(pinhole_pkt6_parse(pkt, len, &v) == 0);
    CHECK(pinhole_pkt6_l4_cksum_ok(pkt, &v) == 1);
  }
}

/* The pure RTSP readers on a payload: spans within it. */
static void readers(const uint8_t *p, size_t n) {
  size_t pos = 0;
  pinhole_rtsp_host hst;
  for (int i = 0; i < 64 && pinhole_rtsp_url_next(p, n, &pos, &hst) == 1; i++)
    CHECK(hst.off + hst.len <= n && pos <= n);
  pinhole_rtsp_msg m;
  int rc = pinhole_rtsp_frame(p, n, &m);
  if (rc == 0 || (rc == PINHOLE_ERR_PARTIAL && m.hdr_len > 0)) {
    pinhole_rtsp_header hd;
    pos = 0;
    while (pinhole_rtsp_header_next(p, m.hdr_len, &pos, &hd) == 1)
      CHECK(hd.name_off + hd.name_len < hd.val_off + 1 &&
            hd.val_off <= hd.val_end && hd.val_end <= m.hdr_len);
  }
  pinhole_rtsp_sdp_addr a;
  pos = 0;
  while ((rc = pinhole_rtsp_sdp_next(p, n, &pos, &a)) == 1)
    CHECK(a.line == 'a' ? a.host.off + a.host.len <= n
                        : a.addr_off + a.addr_len <= n &&
                              a.type_off + a.type_len <= a.addr_off);
  CHECK(rc == 0 || rc == PINHOLE_ERR_PARSE);
}

static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  (void)ctx;
  (void)user;
  CHECK(side == PINHOLE_SIDE_INSIDE || side == PINHOLE_SIDE_OUTSIDE);
  check_out(pkt, len);
}

/* ---- packets ------------------------------------------------------------ */

static size_t l4(uint8_t *b, uint8_t proto, uint16_t sport, uint16_t dport,
                 uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl,
                 size_t n) {
  size_t hl = proto == PINHOLE_IPPROTO_TCP ? 20 : 8;
  memset(b, 0, hl);
  fz_put16(b, sport);
  fz_put16(b + 2, dport);
  if (proto == PINHOLE_IPPROTO_TCP) {
    fz_put32(b + 4, seq);
    fz_put32(b + 8, ack);
    b[12] = 5 << 4;
    b[13] = flags;
    fz_put16(b + 14, 65535);
  } else {
    fz_put16(b + 4, (uint16_t)(hl + n));
  }
  if (n)
    memcpy(b + hl, pl, n);
  return hl + n;
}

/* From the server (IPv4) to the pool endpoint. */
static size_t pkt4(harness *h, uint8_t proto, uint16_t sport, uint16_t dport,
                   uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl,
                   size_t n) {
  uint8_t *b = h->buf;
  size_t total = 20 + l4(b + 20, proto, sport, dport, seq, ack, flags, pl, n);
  memset(b, 0, 20);
  b[0] = 0x45;
  fz_put16(b + 2, (uint16_t)total);
  b[8] = 64;
  b[9] = proto;
  fz_put32(b + 12, SRV4);
  fz_put32(b + 16, PUB);
  fz_put16(b + 10, pinhole_cksum(b, 20));
  pinhole_pkt_view v;
  CHECK(pinhole_pkt_parse(b, total, &v) == 0);
  CHECK(pinhole_pkt_fix_cksums(b, &v) >= 0);
  return total;
}

/* From the client (IPv6) to the server under the prefix. */
static size_t pkt6(harness *h, uint8_t proto, uint16_t sport, uint16_t dport,
                   uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl,
                   size_t n) {
  uint8_t *b = h->buf;
  size_t ln = l4(b + 40, proto, sport, dport, seq, ack, flags, pl, n);
  memset(b, 0, 40);
  b[0] = 0x60;
  fz_put16(b + 4, (uint16_t)ln);
  b[6] = proto;
  b[7] = 64;
  memcpy(b + 8, cli6, 16);
  memcpy(b + 24, srv6, 16);
  pinhole_pkt6_view v;
  if (proto == PINHOLE_IPPROTO_UDP) /* not zero, or the parse refuses it */
    fz_put16(b + 46, 0xffff);
  CHECK(pinhole_pkt6_parse(b, 40 + ln, &v) == 0);
  CHECK(pinhole_pkt6_fix_cksums(b, &v) >= 0);
  return 40 + ln;
}

static int run(harness *h, size_t len, int side) {
  pinhole_pkt p = {h->buf, (uint32_t)len, sizeof(h->buf)};
  int v = pinhole_process(h->ctx, &p, side, h->now);
  CHECK(v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_DROP ||
        v == PINHOLE_VERDICT_REJECT || v == PINHOLE_VERDICT_HELD);
  if (v == PINHOLE_VERDICT_FORWARD) {
    CHECK(p.len <= sizeof(h->buf));
    check_out(h->buf, p.len);
  }
  h->outlen = p.len;
  return v;
}

/* Piece [off, off + n) of the datagram in h->whole (len bytes; IPv6
 * with a fragment header, after a hop-by-hop and a destination options
 * header for an odd h->fid, else IPv4) into h->buf: its length. */
static size_t piece(harness *h, size_t len, size_t off, size_t n) {
  uint8_t *b = h->buf, *w = h->whole;
  int v6 = (w[0] >> 4) == 6;
  size_t hl = v6 ? 40 : 20;
  int more = off + n < len - hl;
  memcpy(b, w, hl);
  if (v6) {
    size_t x = (h->fid & 1) ? 16 : 0; /* extension headers, PadN each */
    static const uint8_t ext[16] = {
        60, 0, 1, 4, 0, 0, 0, 0, PINHOLE_IP6_NH_FRAGMENT, 0, 1, 4, 0, 0, 0, 0};
    b[6] = x ? 0 : PINHOLE_IP6_NH_FRAGMENT;
    memcpy(b + 40, ext, x);
    fz_put16(b + 4, (uint16_t)(x + 8 + n));
    b[40 + x] = w[6];
    b[41 + x] = 0;
    fz_put16(b + 42 + x, (uint16_t)(off | (more ? 1u : 0u)));
    fz_put32(b + 44 + x, 0x5eed0000u | h->fid);
    hl += 8 + x;
  } else {
    fz_put16(b + 2, (uint16_t)(20 + n));
    fz_put16(b + 4, h->fid);
    fz_put16(b + 6, (uint16_t)((more ? 0x2000u : 0u) | (off / 8)));
    b[10] = b[11] = 0;
    fz_put16(b + 10, pinhole_cksum(b, 20));
  }
  memcpy(b + hl, w + (v6 ? 40 : 20) + off, n);
  return hl + n;
}

/* The datagram in h->buf (len bytes) sent from side in fragments of fp
 * payload bytes (at most 64 of them) in the order mode says (conf2 bits
 * 2-3): the last verdict. */
static int run_frags(harness *h, size_t len, int side, size_t fp, int mode) {
  memcpy(h->whole, h->buf, len);
  size_t hl = (h->whole[0] >> 4) == 6 ? 40 : 20, plen = len - hl;
  size_t k = (plen + fp - 1) / fp;
  if (k < 2 || k > 64)
    return run(h, len, side);
  h->fid++;
  int v = PINHOLE_VERDICT_DROP;
  for (size_t i = 0; i < k + (mode == 3); i++) {
    size_t j = i;
    if (mode == 1)
      j = k - 1 - i;
    else if (mode == 2)
      j = i == 0 ? 0 : k - i;
    else if (mode == 3)
      j = i <= 1 ? i : i - 1; /* the second piece twice */
    else if (h->fid & 2)
      j = (i + k / 2) % k; /* from the middle piece on, then the first */
    size_t off = j * fp, n = plen - off < fp ? plen - off : fp;
    v = run(h, piece(h, len, off, n), side);
  }
  return v;
}

/* A control segment forwarded (h->buf, translated): the receiver
 * acknowledges what it carried, as it left. */
static void acked(harness *h) {
  uint32_t seq, n;
  uint8_t fl;
  if ((h->buf[0] >> 4) == 4) {
    pinhole_pkt_view v;
    CHECK(pinhole_pkt_parse(h->buf, h->outlen, &v) == 0);
    seq = v.seq;
    n = v.payload_len;
    fl = v.tcp_flags;
  } else {
    pinhole_pkt6_view v;
    CHECK(pinhole_pkt6_parse(h->buf, h->outlen, &v) == 0);
    seq = v.seq;
    n = v.payload_len;
    fl = v.tcp_flags;
  }
  uint32_t end = seq + n + ((fl & PINHOLE_TCP_FIN) ? 1 : 0);
  if ((h->buf[0] >> 4) == 4)
    h->sack = end;
  else
    h->cack = end;
}

/* ---- the context -------------------------------------------------------- */

static const char *const algs[4] = {"ftp", "sip", "sip", "rtsp"};
static const uint16_t ctl_port[4] = {21, 5060, 5060, 554};

static void setup(harness *h, uint8_t conf) {
  pinhole_config cfg;
  CHECK(pinhole_config_default(&cfg, sizeof(cfg)) == 0);
  cfg.max_flows = 64;
  cfg.max_conns6 = 64;
  cfg.max_pinholes = 16;
  cfg.max_watch = 8;
  cfg.max_rules = 8;
  cfg.hash_key.k0 = 0x0123456789abcdefull;
  cfg.hash_key.k1 = 0xfedcba9876543210ull;
  cfg.seed = 64;
  cfg.max_fragments = 16;
  cfg.port_lo = 40000; /* small port tables: fast runs */
  cfg.port_hi = 40999;
  cfg.hold_bytes = 4096;
  cfg.hold_bytes_per_conv = 2048;
  cfg.max_held = 2;
  cfg.flags |= fz_alg_flags(conf);
  if (conf & 0x80)
    cfg.flags |= PINHOLE_CFG_EIF;
  pinhole_callbacks cb = fz_callbacks(on_event, on_trace, on_emit);
  h->now = 1000000000ull;
  h->nports = 0;
  CHECK(pinhole_ctx_new(&h->ctx, &cfg, &cb, h) == 0);
  pinhole_pool pool =
      (conf & 0x40) ? fz_pool(PUB, 40000, 40003) : fz_pool(PUB, 0, 0);
  int pid = pinhole_pool_add(h->ctx, &pool);
  CHECK(pid >= 0);
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  CHECK(pinhole_nat64_prefix_add(h->ctx, wkp, 96, PINHOLE_NAT64_LAB) == 0);
  pinhole_rule r = fz_rule6_in(NULL, cli6, 48);
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pid;
  memcpy(r.dst6, wkp, 16);
  r.dst_plen = 96;
  if (conf & 0x04)
    snprintf(r.alg, sizeof(r.alg), "%s", algs[conf & 3]);
  /* an ALG that does not run on NAT64 is refused by name: then by port */
  if (pinhole_rule_add(h->ctx, &r) < 0) {
    CHECK(conf & 0x04);
    memset(r.alg, 0, sizeof(r.alg));
    CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  }
}

/* The texts an operator reads: whole, and as long as they say. */
static void read_texts(harness *h) {
  static char big[65536];
  int n = pinhole_conversations_format(h->ctx, big, sizeof(big));
  CHECK(n >= 0);
  CHECK((size_t)n >= sizeof(big) || strlen(big) == (size_t)n);
  n = pinhole_stats_format(h->ctx, big, sizeof(big));
  CHECK(n >= 0 && (size_t)n < sizeof(big) && strlen(big) == (size_t)n);
}

/* A packet from the server to the public port the payload names: a UDP
 * datagram from 6970 with it, or (syn) a TCP SYN from port 20. */
static void to_named(harness *h, int syn, const uint8_t *pl, size_t len) {
  uint16_t to = 40000;
  if (len >= 2 && (pl[0] | pl[1]) != 0) /* no packet has port 0 */
    to = (uint16_t)(pl[0] << 8 | pl[1]);
  size_t n =
      syn ? pkt4(h, PINHOLE_IPPROTO_TCP, 20, to, 7, 0, PINHOLE_TCP_SYN, NULL, 0)
          : pkt4(h, PINHOLE_IPPROTO_UDP, 6970, to, 0, 0, 0, pl, len);
  run(h, n, PINHOLE_SIDE_OUTSIDE);
}

/* Probes at a port the context handed out (or the payload names). */
static void probes(harness *h, uint8_t which, const uint8_t *pl, size_t len) {
  uint16_t probe = 0;
  if (h->nports)
    probe = h->ports[which % h->nports];
  else if (len >= 2)
    probe = (uint16_t)(pl[0] << 8 | pl[1]);
  if (probe == 0)
    return;
  size_t n =
      pkt4(h, PINHOLE_IPPROTO_TCP, 20, probe, 7, 0, PINHOLE_TCP_SYN, NULL, 0);
  run(h, n, PINHOLE_SIDE_OUTSIDE);
  static const uint8_t rtp[12] = {0x80, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9};
  uint16_t from = (uint16_t)(probe ^ 1); /* RTCP's pair; never port 0 */
  n = pkt4(h, PINHOLE_IPPROTO_UDP, from != 0 ? from : 2, probe, 0, 0, 0, rtp,
           sizeof(rtp));
  run(h, n, PINHOLE_SIDE_OUTSIDE);
  uint16_t to = (uint16_t)(probe + 2);
  n = pkt6(h, PINHOLE_IPPROTO_UDP, probe, to != 0 ? to : 2, 0, 0, 0, rtp,
           sizeof(rtp));
  run(h, n, PINHOLE_SIDE_INSIDE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static harness hs;
  harness *h = &hs;
  fdp f;
  fdp_init(&f, data, size);
  uint8_t conf = fdp_u8(&f);
  uint8_t conf2 = fdp_u8(&f);
  setup(h, conf);
  uint8_t proto = (conf & 3) == 1 ? PINHOLE_IPPROTO_UDP : PINHOLE_IPPROTO_TCP;
  uint16_t port = ctl_port[conf & 3], cport = 41000;
  if ((conf & 3) == 3 && (conf2 & 1))
    port = 8554;
  uint32_t cseq = 1000, sseq = 9000;
  uint16_t pport = 0; /* the client's public port */
  h->cack = h->sack = 0;
  size_t n = pkt6(h, proto, cport, port, cseq, 0, PINHOLE_TCP_SYN, NULL, 0);
  if (proto == PINHOLE_IPPROTO_TCP) {
    cseq++;
    CHECK(run(h, n, PINHOLE_SIDE_INSIDE) == PINHOLE_VERDICT_FORWARD);
    CHECK((h->buf[0] >> 4) == 4);
    pport = (uint16_t)(h->buf[20] << 8 | h->buf[21]);
    n = pkt4(h, proto, port, pport, sseq++, cseq,
             PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL, 0);
    CHECK(run(h, n, PINHOLE_SIDE_OUTSIDE) == PINHOLE_VERDICT_FORWARD);
    n = pkt6(h, proto, cport, port, cseq, sseq, PINHOLE_TCP_ACK, NULL, 0);
    CHECK(run(h, n, PINHOLE_SIDE_INSIDE) == PINHOLE_VERDICT_FORWARD);
    h->sack = cseq;
    h->cack = sseq;
  }
  uint8_t pl[1400];
  int frag = (conf2 & 2) && proto == PINHOLE_IPPROTO_UDP,
      fmode = conf2 >> 2 & 3;
  size_t fp = ((size_t)(conf2 >> 4) + 1) * 16;
  while (fdp_left(&f) > 0) {
    uint8_t op = fdp_u8(&f);
    uint8_t which = fdp_u8(&f);
    size_t len = fdp_blob(&f, pl, sizeof(pl));
    readers(pl, len);
    uint8_t flags = PINHOLE_TCP_ACK | (len ? PINHOLE_TCP_PSH : 0) |
                    ((op & 2) ? PINHOLE_TCP_FIN : 0);
    uint32_t back = (op & 8) ? (uint32_t)(op >> 4 & 7) * 2 + 1 : 0;
    if (op & 0x80) {
      h->now += 1000000000ull;
      pinhole_tick(h->ctx, h->now);
    }
    if (which & 0x80) {
      to_named(h, op & 2, pl, len);
      continue;
    }
    int v;
    if (op & 1) {
      if (pport == 0) /* UDP: the server answers what it saw */
        pport = h->nports ? h->ports[0] : 1024;
      n = pkt4(h, proto, port, pport, sseq - back, h->sack, flags, pl, len);
      v = frag ? run_frags(h, n, PINHOLE_SIDE_OUTSIDE, fp, fmode)
               : run(h, n, PINHOLE_SIDE_OUTSIDE);
      if (v == PINHOLE_VERDICT_FORWARD && proto == PINHOLE_IPPROTO_TCP)
        acked(h);
      if ((v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_HELD) &&
          !(op & 4) && len > back)
        sseq += (uint32_t)len - back;
    } else {
      n = pkt6(h, proto, cport, port, cseq - back, h->cack, flags, pl, len);
      v = frag ? run_frags(h, n, PINHOLE_SIDE_INSIDE, fp, fmode)
               : run(h, n, PINHOLE_SIDE_INSIDE);
      /* the public port from a whole packet or a first fragment */
      if (v == PINHOLE_VERDICT_FORWARD && proto == PINHOLE_IPPROTO_UDP &&
          pport == 0 && (h->buf[0] >> 4) == 4 &&
          ((h->buf[6] & 0x1fu) | h->buf[7]) == 0)
        pport = (uint16_t)(h->buf[20] << 8 | h->buf[21]);
      if (v == PINHOLE_VERDICT_FORWARD && proto == PINHOLE_IPPROTO_TCP)
        acked(h);
      if ((v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_HELD) &&
          !(op & 4) && len > back)
        cseq += (uint32_t)len - back;
    }
    probes(h, which, pl, len);
  }
  read_texts(h);
  pinhole_ctx_del(h->ctx);
  h->ctx = NULL;
  return 0;
}

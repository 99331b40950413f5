/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the ALGs on NAT64 control connections (docs/nat64.md:
 * RTSP over NAT64, FTP64) through the context: an IPv6-only client
 * [2001:db8:1::2] opens a control connection to [64:ff9b::c613:2] (RTSP
 * on 8554 or 554, or FTP on 21) through a NAT64 rule and pool 198.19.0.1,
 * then a script of segments in both directions, with the sequence numbers
 * each side would use, and UDP/TCP packets from the server to the ports
 * the ALG may have opened. Every verdict must be forward or drop; every
 * forwarded packet must parse as its family with right checksums; every
 * trace and event is formatted; the pure RTSP readers are run on every
 * payload with their spans checked; the context is deleted cleanly.
 *
 * Script:
 *   conf  u8  bits 0-1: 8554 (RTSP), 554 (RTSP), 21 (FTP), 8554 with the
 *             rule naming "rtsp"; bit 2 ALG third party; bit 3 pass
 *             untranslated; bit 4 narrow pool (4 ports); bit 5 ALG low
 *             ports
 *   records, each:
 *     op  u8  bit 0 from the server; bit 1 instead a UDP datagram (bit 2:
 *             a TCP SYN) from the server's port 6970 to the pool's port
 *             named by the payload's first two bytes; bit 3 FIN
 *     u16 len, payload (at most 1400 bytes)
 */
#include "check.h"
#include "fdp.h"

#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>
#include <pinhole/rtsp.h>

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SRV4 0xC6130002u /* 198.19.0.2 */
#define PUB 0xC6130001u  /* 198.19.0.1 */

typedef struct harness {
  pinhole_ctx *ctx;
  uint8_t buf[4096];
  char text[1024];
  uint64_t now;
  uint16_t port, pub;
  size_t outlen;       /* the last forwarded packet's length */
  uint32_t cseq, sseq; /* each side's next sequence number */
  uint32_t cack, sack; /* what each side acknowledges */
} harness;

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  harness *h = user;
  CHECK(pinhole_event_format(ev, h->text, sizeof(h->text)) >= 0);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  (void)ctx;
  harness *h = user;
  CHECK(pinhole_trace_format(tr, h->text, sizeof(h->text)) >= 0);
}

static const uint8_t cli6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                 0,    0,    0,    0,    0, 0, 0, 2};
static const uint8_t srv6[16] = {0, 0x64, 0xff, 0x9b, 0,    0,    0, 0,
                                 0, 0,    0,    0,    0xc6, 0x13, 0, 2};

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

/* A forwarded packet is valid in its family. */
static void valid(const uint8_t *b, size_t len) {
  if (b[0] >> 4 == 6) {
    pinhole_pkt6_view v6;
    CHECK(pinhole_pkt6_parse(b, len, &v6) == PINHOLE_PKT_OK);
    CHECK(pinhole_pkt6_l4_cksum_ok(b, &v6) == 1);
  } else {
    pinhole_pkt_view v;
    CHECK(pinhole_pkt_parse(b, len, &v) == PINHOLE_PKT_OK);
    CHECK(pinhole_cksum(b, v.ihl) == 0);
    CHECK(pinhole_pkt_l4_cksum_ok(b, &v) == 1);
  }
}

static int send(harness *h, size_t len, int side) {
  pinhole_pkt pkt = {h->buf, (uint32_t)len, sizeof(h->buf)};
  h->now += 1000000;
  int v = pinhole_process(h->ctx, &pkt, side, h->now);
  CHECK(v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_DROP ||
        v == PINHOLE_VERDICT_HELD); /* a split message (stream.c) */
  if (v == PINHOLE_VERDICT_FORWARD)
    valid(h->buf, pkt.len);
  h->outlen = pkt.len;
  return v;
}

/* TCP from the client (IPv6): flags, payload p[0..n). */
static int client_tcp(harness *h, uint8_t flags, const uint8_t *p, size_t n) {
  uint8_t *b = h->buf;
  memset(b, 0, 60);
  b[0] = 0x60;
  fz_put16(b + 4, (uint16_t)(20 + n));
  b[6] = PINHOLE_IPPROTO_TCP;
  b[7] = 64;
  memcpy(b + 8, cli6, 16);
  memcpy(b + 24, srv6, 16);
  fz_put16(b + 40, 40100);
  fz_put16(b + 42, h->port);
  fz_put32(b + 44, h->cseq);
  fz_put32(b + 48, h->cack);
  b[52] = 5 << 4;
  b[53] = flags;
  fz_put16(b + 54, 65535);
  memcpy(b + 60, p, n);
  pinhole_pkt6_view v6;
  CHECK(pinhole_pkt6_parse(b, 60 + n, &v6) == PINHOLE_PKT_OK);
  pinhole_pkt6_fix_cksums(b, &v6);
  int v = send(h, 60 + n, PINHOLE_SIDE_INSIDE);
  if (v == PINHOLE_VERDICT_FORWARD) {
    /* the IPv4 form: the server acknowledges what it got */
    pinhole_pkt_view o;
    CHECK(pinhole_pkt_parse(b, h->outlen, &o) == PINHOLE_PKT_OK);
    h->pub = (uint16_t)(b[o.l4_off] << 8 | b[o.l4_off + 1]);
    uint32_t seq = (uint32_t)b[o.l4_off + 4] << 24 |
                   (uint32_t)b[o.l4_off + 5] << 16 |
                   (uint32_t)b[o.l4_off + 6] << 8 | b[o.l4_off + 7];
    h->sack = seq + o.payload_len +
              ((flags & (PINHOLE_TCP_SYN | PINHOLE_TCP_FIN)) ? 1 : 0);
  }
  h->cseq +=
      (uint32_t)n + ((flags & (PINHOLE_TCP_SYN | PINHOLE_TCP_FIN)) ? 1 : 0);
  return v;
}

/* An IPv4 header from the server to the pool, proto, l4 of n bytes. */
static void server_ip(harness *h, uint8_t proto, size_t n) {
  uint8_t *b = h->buf;
  memset(b, 0, 20);
  b[0] = 0x45;
  fz_put16(b + 2, (uint16_t)(20 + n));
  b[8] = 64;
  b[9] = proto;
  fz_put32(b + 12, SRV4);
  fz_put32(b + 16, PUB);
}

static void fix4(harness *h, size_t len) {
  pinhole_pkt_view v;
  fz_put16(h->buf + 10, pinhole_cksum(h->buf, 20));
  CHECK(pinhole_pkt_parse(h->buf, len, &v) == PINHOLE_PKT_OK);
  pinhole_pkt_fix_cksums(h->buf, &v);
}

static int server_tcp(harness *h, uint16_t sport, uint16_t dport, uint8_t flags,
                      const uint8_t *p, size_t n) {
  uint8_t *b = h->buf;
  server_ip(h, PINHOLE_IPPROTO_TCP, 20 + n);
  memset(b + 20, 0, 20);
  fz_put16(b + 20, sport);
  fz_put16(b + 22, dport);
  fz_put32(b + 24, h->sseq);
  fz_put32(b + 28, h->sack);
  b[32] = 5 << 4;
  b[33] = flags;
  fz_put16(b + 34, 65535);
  memcpy(b + 40, p, n);
  fix4(h, 40 + n);
  int v = send(h, 40 + n, PINHOLE_SIDE_OUTSIDE);
  if (v == PINHOLE_VERDICT_FORWARD && sport == h->port && b[0] >> 4 == 6) {
    uint32_t seq = (uint32_t)b[44] << 24 | (uint32_t)b[45] << 16 |
                   (uint32_t)b[46] << 8 | b[47];
    size_t plen = (size_t)(b[4] << 8 | b[5]) - (size_t)(b[52] >> 4) * 4;
    h->cack = seq + (uint32_t)plen +
              ((flags & (PINHOLE_TCP_SYN | PINHOLE_TCP_FIN)) ? 1 : 0);
  }
  if (sport == h->port)
    h->sseq +=
        (uint32_t)n + ((flags & (PINHOLE_TCP_SYN | PINHOLE_TCP_FIN)) ? 1 : 0);
  return v;
}

static void server_udp(harness *h, uint16_t dport, const uint8_t *p, size_t n) {
  uint8_t *b = h->buf;
  server_ip(h, PINHOLE_IPPROTO_UDP, 8 + n);
  fz_put16(b + 20, 6970);
  fz_put16(b + 22, dport);
  fz_put16(b + 24, (uint16_t)(8 + n));
  fz_put16(b + 26, 1);
  memcpy(b + 28, p, n);
  fix4(h, 28 + n);
  send(h, 28 + n, PINHOLE_SIDE_OUTSIDE);
}

static void setup(harness *h, uint8_t conf) {
  static const uint16_t ports[4] = {8554, 554, 21, 8554};
  pinhole_config cfg;
  CHECK(pinhole_config_default(&cfg, sizeof(cfg)) == 0);
  cfg.max_flows = 64;
  cfg.max_conns6 = 64;
  cfg.max_pinholes = 16;
  cfg.max_watch = 8;
  cfg.max_rules = 8;
  cfg.max_fragments = 16;
  cfg.port_lo = 40000; /* small port tables: fast runs */
  cfg.port_hi = 40999;
  cfg.hash_key.k0 = 0x0123456789abcdefull;
  cfg.hash_key.k1 = 0xfedcba9876543210ull;
  cfg.seed = 7;
  if (conf & 0x04)
    cfg.flags |= PINHOLE_CFG_ALG_THIRD_PARTY;
  if (conf & 0x08)
    cfg.flags |= PINHOLE_CFG_ALG_PASS_UNTRANSLATED;
  if (conf & 0x20)
    cfg.flags |= PINHOLE_CFG_ALG_LOW_PORTS;
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = on_event;
  cb.trace = on_trace;
  h->now = 1000000000ull;
  CHECK(pinhole_ctx_new(&h->ctx, &cfg, &cb, h) == 0);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = PUB;
  if (conf & 0x10) {
    pool.port_lo = 40000;
    pool.port_hi = 40003;
  }
  int pid = pinhole_pool_add(h->ctx, &pool);
  CHECK(pid >= 0);
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  CHECK(pinhole_nat64_prefix_add(h->ctx, wkp, 96, PINHOLE_NAT64_LAB) == 0);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  r.family = 6;
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pid;
  memcpy(r.src6, cli6, 16);
  r.src_plen = 48;
  memcpy(r.dst6, wkp, 16);
  r.dst_plen = 96;
  if ((conf & 3) == 3)
    memcpy(r.alg, "rtsp", 5);
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  h->port = ports[conf & 3];
  h->cseq = 1000;
  h->sseq = 900000;
  h->cack = 0;
  h->sack = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static harness hs;
  harness *h = &hs;
  fdp f;
  fdp_init(&f, data, size);
  uint8_t conf = fdp_u8(&f);
  setup(h, conf);
  static const uint8_t none[1];
  /* the handshake; the FTP server greets */
  client_tcp(h, PINHOLE_TCP_SYN, none, 0);
  server_tcp(h, h->port, h->pub, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, none, 0);
  client_tcp(h, PINHOLE_TCP_ACK, none, 0);
  if (h->port == 21)
    server_tcp(h, 21, h->pub, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH,
               (const uint8_t *)"220 ok\r\n", 8);
  uint8_t p[1400];
  for (int i = 0; i < 32 && fdp_left(&f) > 0; i++) {
    uint8_t op = fdp_u8(&f);
    size_t n = fdp_blob(&f, p, sizeof(p));
    readers(p, n);
    uint8_t fl =
        PINHOLE_TCP_ACK | PINHOLE_TCP_PSH | ((op & 8) ? PINHOLE_TCP_FIN : 0);
    uint16_t to = 40000;
    if (n >= 2)
      to = (uint16_t)(p[0] << 8 | p[1]);
    if (to == 0) /* no packet has port 0 */
      to = 40000;
    if (op & 2) {
      if (op & 4)
        server_tcp(h, 20, to, PINHOLE_TCP_SYN, none, 0);
      else
        server_udp(h, to, p, n);
    } else if (op & 1) {
      server_tcp(h, h->port, h->pub, fl, p, n);
    } else {
      client_tcp(h, fl, p, n);
    }
  }
  char *buf = h->text;
  pinhole_conversations_format(h->ctx, buf, sizeof(h->text));
  pinhole_ctx_del(h->ctx);
  h->ctx = NULL;
  return 0;
}

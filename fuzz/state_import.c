/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for pinhole_state_import: the input is a state blob applied
 * to a context B that holds flows of its own (a UDP flow and a TCP
 * connection through a NAPT pool, a UDP flow through a PBA pool).
 *  - import never crashes (ASan, UBSan);
 *  - a refused import leaves B as it was: B's full export and usage are
 *    the same bytes before and after;
 *  - an accepted blob is stable: B's full export imported into a fresh
 *    context C goes in, and C's export is the same bytes.
 * Seeds (fuzz/corpus/state_import/) are real exports of a context A that
 * ran an FTP session with a PORT rewrite and its pinhole (an ALG record),
 * TCP with a port clash, UDP and PBA flows, a SIP call with its media
 * pinholes, IPv6 flows (CONN6 records), PBA blocks held after their
 * flows ended (BLOCK records), NAT64 TCP, UDP and echo sessions (CONN64),
 * an FTP64 EPRT with its NAT64 pinhole (HOLE64) and an IPv6 FTP EPRT
 * with its IPv6 pinhole (a watched CONN6, HOLE6), every NAT64 mapping
 * with its host record (HOST64), NAT64 clients of the PBA pool (a
 * block held with its subscriber's address, SUB64) and a hairpinned
 * NAT64 connection (a CONN6 with two NAT64 mappings); built with
 * -DSTATE_SEEDGEN this file writes them (see the comment at its main).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>
#include <pinhole/state.h>

#include "check.h"

#define IP(a, b, c, d)                                                         \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define PUB IP(198, 19, 0, 1)
#define SEC 1000000000ull
#define NOW (5 * SEC)
#define BLOB 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An IPv4 packet of proto with l4len bytes of L4 header and payload. */
static void send_pkt(pinhole_ctx *ctx, int side, uint64_t now, uint8_t proto,
                     uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                     uint32_t seq, uint32_t ack, uint8_t flags,
                     const char *payload) {
  uint8_t b[1600];
  size_t plen = payload ? strlen(payload) : 0;
  size_t hl = proto == 6 ? 20 : 8, total = 20 + hl + plen;
  memset(b, 0, 20 + hl);
  b[0] = 0x45;
  fz_put16(b + 2, (uint16_t)total);
  b[8] = 64;
  b[9] = proto;
  fz_put32(b + 12, src);
  fz_put32(b + 16, dst);
  uint8_t *l4 = b + 20;
  fz_put16(l4, sport);
  fz_put16(l4 + 2, dport);
  if (proto == 6) {
    fz_put32(l4 + 4, seq);
    fz_put32(l4 + 8, ack);
    l4[12] = 5 << 4;
    l4[13] = flags;
    fz_put16(l4 + 14, 65535);
  } else {
    fz_put16(l4 + 4, (uint16_t)(8 + plen));
  }
  if (plen)
    memcpy(l4 + hl, payload, plen);
  fz_put16(b + 10, pinhole_cksum(b, 20));
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, total, &v) != 0 ||
      pinhole_pkt_fix_cksums(b, &v) != 0)
    abort();
  pinhole_pkt p = {b, (uint32_t)total, sizeof(b)};
  (void)pinhole_process(ctx, &p, side, now);
}

/* The fuzz contexts: a NAPT pool on 198.19.0.1 for 198.18.0.0/25, a PBA
 * pool on 198.19.0.7 (ports 4096-4159, blocks of 16) for 198.18.0.128/25,
 * NAT64 from 2001:db8:1::/48 to 64:ff9b::/96 (PINHOLE_NAT64_LAB) through
 * the NAPT pool and from 2001:db8:2::/48 through the PBA pool, IPv6 from
 * 2001:db8:1::/48 accepted (the stateful IPv6 firewall). */
static pinhole_ctx *mk_ctx(void) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 64;
  cfg.max_pinholes = 16;
  cfg.max_watch = 16;
  cfg.max_port_blocks = 8;
  cfg.max_rules = 6;
  cfg.max_pools = 2;
  cfg.max_fragments = 4;
  cfg.hold_bytes = 4096;
  cfg.hold_bytes_per_conv = 4096;
  cfg.max_held = 4;
  cfg.hash_key.k0 = 0x0123456789abcdefull;
  cfg.hash_key.k1 = 0xfedcba9876543210ull;
  cfg.seed = 42;
  pinhole_ctx *ctx;
  if (pinhole_ctx_new(&ctx, &cfg, NULL, NULL) != 0)
    abort();
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.addr_lo = p.addr_hi = PUB;
  int napt = pinhole_pool_add(ctx, &p);
  p.addr_lo = p.addr_hi = IP(198, 19, 0, 7);
  p.port_lo = 4096;
  p.port_hi = 4159;
  p.mode = PINHOLE_POOL_PBA;
  p.block_size = 16;
  p.max_blocks = 2;
  p.block_hold_ms = 5000;
  int pba = pinhole_pool_add(ctx, &p);
  if (napt < 0 || pba < 0)
    abort();
  for (int i = 0; i < 2; i++) {
    pinhole_rule r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    snprintf(r.name, sizeof(r.name), i ? "pba" : "napt");
    r.side = PINHOLE_SIDE_INSIDE;
    r.action = PINHOLE_ACTION_ACCEPT;
    r.nat = PINHOLE_NAT_SOURCE;
    r.src_addr = i ? IP(198, 18, 0, 128) : IP(198, 18, 0, 0);
    r.src_plen = 25;
    r.pool = i ? pba : napt;
    if (pinhole_rule_add(ctx, &r) < 0)
      abort();
  }
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  pinhole_rule r64;
  memset(&r64, 0, sizeof(r64));
  r64.size = sizeof(r64);
  snprintf(r64.name, sizeof(r64.name), "nat64");
  r64.family = 6;
  r64.side = PINHOLE_SIDE_INSIDE;
  r64.action = PINHOLE_ACTION_ACCEPT;
  r64.nat = PINHOLE_NAT_SOURCE;
  r64.pool = napt;
  r64.src_plen = 48;
  memcpy(r64.dst6, wkp, 16);
  r64.dst_plen = 96;
  if (pinhole_addr6_parse("2001:db8:1::", 12, r64.src6) != 0 ||
      pinhole_nat64_prefix_add(ctx, wkp, 96, PINHOLE_NAT64_LAB) != 0 ||
      pinhole_rule_add(ctx, &r64) < 0)
    abort();
  snprintf(r64.name, sizeof(r64.name), "nat64-pba");
  r64.pool = pba;
  if (pinhole_addr6_parse("2001:db8:2::", 12, r64.src6) != 0 ||
      pinhole_rule_add(ctx, &r64) < 0)
    abort();
  pinhole_rule r6;
  memset(&r6, 0, sizeof(r6));
  r6.size = sizeof(r6);
  snprintf(r6.name, sizeof(r6.name), "v6");
  r6.family = 6;
  r6.side = PINHOLE_SIDE_INSIDE;
  r6.action = PINHOLE_ACTION_ACCEPT;
  r6.src_plen = 48;
  if (pinhole_addr6_parse("2001:db8:1::", 12, r6.src6) != 0 ||
      pinhole_rule_add(ctx, &r6) < 0)
    abort();
  return ctx;
}

/* B's own flows. */
static void own_flows(pinhole_ctx *ctx) {
  send_pkt(ctx, PINHOLE_SIDE_INSIDE, SEC, 17, IP(198, 18, 0, 3), 999,
           IP(198, 19, 0, 10), 5001, 0, 0, 0, "mine");
  send_pkt(ctx, PINHOLE_SIDE_INSIDE, SEC, 6, IP(198, 18, 0, 7), 33000,
           IP(198, 19, 0, 9), 80, 5000, 0, 0x02, NULL);
  send_pkt(ctx, PINHOLE_SIDE_INSIDE, SEC, 17, IP(198, 18, 0, 130), 777,
           IP(198, 19, 0, 10), 5001, 0, 0, 0, "pba");
}

static uint8_t before[BLOB], after[BLOB], again[BLOB];

static size_t full(pinhole_ctx *ctx, uint8_t *buf) {
  size_t len = 0;
  uint64_t next;
  if (pinhole_state_export(ctx, NOW, 0, buf, BLOB, &len, &next) != 1)
    abort();
  return len;
}

static void usage(pinhole_ctx *ctx, pinhole_usage *u) {
  memset(u, 0, sizeof(*u));
  u->size = sizeof(*u);
  if (pinhole_usage_get(ctx, u) != 0)
    abort();
}

/* B and C live across inputs (a context is large to create under ASan):
 * before each input B is brought back to its own flows by importing their
 * full snapshot, which replaces whatever an earlier input left. */
static pinhole_ctx *fz_b, *fz_c;
static uint8_t pristine[BLOB];
static size_t pristine_len;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (fz_b == NULL) {
    fz_b = mk_ctx();
    fz_c = mk_ctx();
    own_flows(fz_b);
    pristine_len = full(fz_b, pristine);
  }
  pinhole_ctx *b = fz_b;
  CHECK(pinhole_state_import(b, NOW, pristine, pristine_len) == 3);
  size_t n0 = full(b, before);
  CHECK(n0 == pristine_len && memcmp(before, pristine, n0) == 0);
  pinhole_usage u0, u1;
  usage(b, &u0);
  int rc = pinhole_state_import(b, NOW, data, size);
  if (rc < 0) {
    size_t n1 = full(b, after);
    usage(b, &u1);
    CHECK(n1 == n0 && memcmp(before, after, n0) == 0);
    CHECK(memcmp(&u0, &u1, sizeof(u0)) == 0);
  } else {
    size_t n1 = full(b, after);
    CHECK(pinhole_state_import(fz_c, NOW, after, n1) >= 0);
    size_t n2 = full(fz_c, again);
    CHECK(n2 == n1 && memcmp(after, again, n1) == 0);
  }
  return 0;
}

#ifdef STATE_SEEDGEN
/* BUILD/fuzz/state_seedgen fuzz/corpus/state_import (meson builds it;
 * fuzz.state_import_seeds fails when the seeds are stale), or by hand:
 * cc -DSTATE_SEEDGEN -Iinclude -IBUILD/include fuzz/state_import.c
 *    BUILD/lib/libpinhole.so -o gen && ./gen fuzz/corpus/state_import */
static void seed(const char *dir, const char *name, const uint8_t *p,
                 size_t n) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL || fwrite(p, 1, n, f) != n)
    abort();
  fclose(f);
}

/* An IPv6 TCP segment (seq, ack, flags, text), UDP datagram (text) or
 * ICMPv6 echo request (sport the identifier) from side. */
static void send6t(pinhole_ctx *ctx, uint64_t now, int side, const char *src,
                   uint16_t sport, const char *dst, uint16_t dport,
                   uint8_t proto, uint32_t seq, uint32_t ack, uint8_t flags,
                   const char *text) {
  uint8_t b[256];
  size_t n = text ? strlen(text) : 0, l4 = (proto == 6 ? 20 : 8) + n;
  memset(b, 0, sizeof(b));
  b[0] = 0x60;
  fz_put16(b + 4, (uint16_t)l4);
  b[6] = proto;
  b[7] = 64;
  if (pinhole_addr6_parse(src, strlen(src), b + 8) != 0 ||
      pinhole_addr6_parse(dst, strlen(dst), b + 24) != 0)
    abort();
  uint8_t *h = b + 40;
  if (proto == 58) {
    h[0] = 128; /* echo request */
    fz_put16(h + 4, sport);
    fz_put16(h + 6, 1);
  } else {
    fz_put16(h, sport);
    fz_put16(h + 2, dport);
  }
  if (proto == 6) {
    fz_put32(h + 4, seq);
    fz_put32(h + 8, ack);
    h[12] = 5 << 4;
    h[13] = flags;
    fz_put16(h + 14, 65535);
  } else if (proto == 17) {
    fz_put16(h + 4, (uint16_t)l4);
    fz_put16(h + 6, 0xffff); /* IPv6 has no UDP checksum 0: fixed below */
  }
  memcpy(b + 40 + l4 - n, text ? text : "", n);
  pinhole_pkt6_view v6;
  if (pinhole_pkt6_parse(b, 40 + l4, &v6) != PINHOLE_PKT_OK)
    abort();
  pinhole_pkt6_fix_cksums(b, &v6);
  pinhole_pkt p = {b, (uint32_t)(40 + l4), sizeof(b)};
  (void)pinhole_process(ctx, &p, side, now);
}

/* The same at 1 s. */
static void send6x(pinhole_ctx *ctx, int side, const char *src, uint16_t sport,
                   const char *dst, uint16_t dport, uint8_t proto, uint32_t seq,
                   uint32_t ack, uint8_t flags, const char *text) {
  send6t(ctx, SEC, side, src, sport, dst, dport, proto, seq, ack, flags, text);
}

/* An IPv6 datagram (UDP) or SYN (TCP) from the inside. */
static void send6(pinhole_ctx *ctx, const char *src, uint16_t sport,
                  const char *dst, uint16_t dport, uint8_t proto) {
  send6x(ctx, PINHOLE_SIDE_INSIDE, src, sport, dst, dport, proto, 7000, 0, 0x02,
         proto == 6 ? NULL : "q6q6");
}

/* The public port of the newest NAT64 session: its conversation's last
 * listed flow's NAT line holds it. */
static uint16_t nat64_port(pinhole_ctx *ctx) {
  static char text[65536];
  if (pinhole_conversations_format(ctx, text, sizeof(text)) < 0)
    abort();
  const char *at = NULL;
  for (const char *p = text; (p = strstr(p, "NAT64 198.19.0.1:")) != NULL; p++)
    at = p;
  if (at == NULL)
    abort();
  return (uint16_t)atoi(at + strlen("NAT64 198.19.0.1:"));
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  pinhole_ctx *a = mk_ctx();
  uint32_t cli = IP(198, 18, 0, 100), srv = IP(198, 19, 0, 2);
  send_pkt(a, PINHOLE_SIDE_INSIDE, SEC, 6, cli, 40000, srv, 21, 100, 0, 0x02,
           NULL);
  send_pkt(a, PINHOLE_SIDE_OUTSIDE, SEC, 6, srv, 21, PUB, 40000, 900, 101, 0x12,
           NULL);
  send_pkt(a, PINHOLE_SIDE_INSIDE, SEC, 6, cli, 40000, srv, 21, 101, 901, 0x10,
           NULL);
  send_pkt(a, PINHOLE_SIDE_OUTSIDE, SEC, 6, srv, 21, PUB, 40000, 901, 101, 0x10,
           "220 ok\r\n");
  send_pkt(a, PINHOLE_SIDE_INSIDE, 2 * SEC, 6, cli, 40000, srv, 21, 101, 909,
           0x10, "PORT 198,18,0,100,156,65\r\n");
  uint64_t cur;
  size_t len = 0;
  static uint8_t blob[BLOB];
  if (pinhole_state_export(a, 2 * SEC, 0, blob, BLOB, &len, &cur) != 1)
    return 1;
  seed(argv[1], "ftp-port-pinhole.bin", blob, len);
  send_pkt(a, PINHOLE_SIDE_INSIDE, 3 * SEC, 6, IP(198, 18, 0, 7), 33000,
           IP(198, 19, 0, 9), 80, 5000, 0, 0x02, NULL);
  send_pkt(a, PINHOLE_SIDE_INSIDE, 3 * SEC, 6, IP(198, 18, 0, 11), 33000,
           IP(198, 19, 0, 12), 80, 6000, 0, 0x02, NULL);
  send_pkt(a, PINHOLE_SIDE_INSIDE, 3 * SEC, 17, IP(198, 18, 0, 7), 5353,
           IP(198, 19, 0, 10), 5001, 0, 0, 0, "q");
  for (int i = 0; i < 18; i++)
    send_pkt(a, PINHOLE_SIDE_INSIDE, 3 * SEC, 17, IP(198, 18, 0, 140),
             (uint16_t)(30000 + i), IP(198, 19, 0, 10), 5001, 0, 0, 0, "q");
  uint64_t next;
  if (pinhole_state_export(a, 4 * SEC, cur, blob, BLOB, &len, &next) != 1)
    return 1;
  seed(argv[1], "delta-tcp-clash-udp-pba.bin", blob, len);
  if (pinhole_state_export(a, 4 * SEC, 0, blob, BLOB, &len, &cur) != 1)
    return 1;
  seed(argv[1], "full-all.bin", blob, len);
  size_t piece = 0;
  if (pinhole_state_export(a, 4 * SEC, 0, blob, 400, &piece, &next) != 0)
    return 1;
  seed(argv[1], "full-first-piece.bin", blob, piece);
  send_pkt(a, PINHOLE_SIDE_INSIDE, 4 * SEC, 6, IP(198, 18, 0, 7), 33000,
           IP(198, 19, 0, 9), 80, 5000, 0, 0x04, NULL); /* RST */
  (void)pinhole_tick(a, 400 * SEC);
  if (pinhole_state_export(a, 400 * SEC, cur, blob, BLOB, &len, &next) != 1)
    return 1;
  seed(argv[1], "delta-deletions-held-blocks.bin", blob, len);
  if (pinhole_state_export(a, 400 * SEC, 0, blob, BLOB, &len, &next) != 1)
    return 1;
  seed(argv[1], "full-held-blocks.bin", blob, len);
  pinhole_ctx_del(a);

  /* a SIP call (media pinholes, RTP flowing) and IPv6 flows */
  a = mk_ctx();
  static const char invite[] =
      "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 198.18.0.100:5060;branch=z9hG4bK1\r\n"
      "To: <sip:bob@198.19.0.2>\r\nFrom: <sip:al@198.18.0.100>;tag=1\r\n"
      "Call-ID: c1@198.18.0.100\r\nCSeq: 1 INVITE\r\n"
      "Contact: <sip:al@198.18.0.100>\r\n"
      "Content-Type: application/sdp\r\nContent-Length: 94\r\n\r\n"
      "v=0\r\no=a 1 1 IN IP4 198.18.0.100\r\ns=-\r\nc=IN IP4 "
      "198.18.0.100\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n";
  static const char ok[] =
      "SIP/2.0 200 OK\r\n"
      "Via: SIP/2.0/UDP 198.19.0.1:5060;branch=z9hG4bK1\r\n"
      "To: <sip:bob@198.19.0.2>;tag=2\r\nFrom: <sip:al@198.19.0.1>;tag=1\r\n"
      "Call-ID: c1@198.19.0.1\r\nCSeq: 1 INVITE\r\n"
      "Contact: <sip:bob@198.19.0.2>\r\n"
      "Content-Type: application/sdp\r\nContent-Length: 90\r\n\r\n"
      "v=0\r\no=b 1 1 IN IP4 198.19.0.2\r\ns=-\r\nc=IN IP4 "
      "198.19.0.2\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\n";
  send_pkt(a, PINHOLE_SIDE_INSIDE, SEC, 17, cli, 5060, srv, 5060, 0, 0, 0,
           invite);
  send_pkt(a, PINHOLE_SIDE_OUTSIDE, SEC, 17, srv, 5060, PUB, 5060, 0, 0, 0, ok);
  send_pkt(a, PINHOLE_SIDE_OUTSIDE, SEC, 17, srv, 30000, PUB, 49170, 0, 0, 0,
           "rtp");
  send_pkt(a, PINHOLE_SIDE_INSIDE, SEC, 17, cli, 49170, srv, 30000, 0, 0, 0,
           "rtp");
  if (pinhole_state_export(a, 2 * SEC, 0, blob, BLOB, &len, &cur) != 1)
    return 1;
  seed(argv[1], "sip-call-media.bin", blob, len);
  send6(a, "2001:db8:1::2", 5000, "2001:db8:2::5", 53, 17);
  send6(a, "2001:db8:1::3", 41000, "2001:db8:2::5", 80, 6);
  if (pinhole_state_export(a, 3 * SEC, cur, blob, BLOB, &len, &next) != 1)
    return 1;
  seed(argv[1], "delta-ipv6-udp-tcp.bin", blob, len);
  pinhole_ctx_del(a);

  /* NAT64 sessions: TCP established, UDP, an echo */
  a = mk_ctx();
  const char *cli6 = "2001:db8:1::2", *srv6 = "64:ff9b::c613:2";
  send6x(a, PINHOLE_SIDE_INSIDE, cli6, 40000, srv6, 80, 6, 100, 0, 0x02, NULL);
  uint16_t pt = nat64_port(a);
  send_pkt(a, PINHOLE_SIDE_OUTSIDE, SEC, 6, srv, 80, PUB, pt, 900, 101, 0x12,
           NULL);
  send6x(a, PINHOLE_SIDE_INSIDE, cli6, 40000, srv6, 80, 6, 101, 901, 0x10,
         "GET /\r\n");
  send6(a, cli6, 5000, "64:ff9b::c613:5", 53, 17);
  send6x(a, PINHOLE_SIDE_INSIDE, cli6, 0x77, "64:ff9b::c613:5", 0, 58, 0, 0, 0,
         NULL);
  if (pinhole_state_export(a, 2 * SEC, 0, blob, BLOB, &len, &cur) != 1)
    return 1;
  seed(argv[1], "nat64-tcp-udp-echo.bin", blob, len);
  /* FTP64: greeted, EPRT |2| rewritten, the NAT64 pinhole open */
  send6x(a, PINHOLE_SIDE_INSIDE, cli6, 40021, srv6, 21, 6, 300, 0, 0x02, NULL);
  uint16_t pc = nat64_port(a);
  send_pkt(a, PINHOLE_SIDE_OUTSIDE, SEC, 6, srv, 21, PUB, pc, 9000, 301, 0x12,
           NULL);
  send6x(a, PINHOLE_SIDE_INSIDE, cli6, 40021, srv6, 21, 6, 301, 9001, 0x10,
         NULL);
  send_pkt(a, PINHOLE_SIDE_OUTSIDE, SEC, 6, srv, 21, PUB, pc, 9001, 301, 0x10,
           "220 ok\r\n");
  send6x(a, PINHOLE_SIDE_INSIDE, cli6, 40021, srv6, 21, 6, 301, 9009, 0x18,
         "EPRT |2|2001:db8:1::2|50000|\r\n");
  if (pinhole_state_export(a, 2 * SEC, cur, blob, BLOB, &len, &next) != 1)
    return 1;
  seed(argv[1], "delta-ftp64-eprt-pinhole.bin", blob, len);
  /* IPv6 FTP: greeted, EPRT |2|, the IPv6 pinhole open */
  const char *fsrv = "2001:db8:2::5";
  send6x(a, PINHOLE_SIDE_INSIDE, cli6, 40100, fsrv, 21, 6, 500, 0, 0x02, NULL);
  send6x(a, PINHOLE_SIDE_OUTSIDE, fsrv, 21, cli6, 40100, 6, 7000, 501, 0x12,
         NULL);
  send6x(a, PINHOLE_SIDE_INSIDE, cli6, 40100, fsrv, 21, 6, 501, 7001, 0x10,
         NULL);
  send6x(a, PINHOLE_SIDE_OUTSIDE, fsrv, 21, cli6, 40100, 6, 7001, 501, 0x18,
         "220 ok\r\n");
  send6x(a, PINHOLE_SIDE_INSIDE, cli6, 40100, fsrv, 21, 6, 501, 7009, 0x18,
         "EPRT |2|2001:db8:1::2|40101|\r\n");
  if (pinhole_state_export(a, 2 * SEC, 0, blob, BLOB, &len, &next) != 1)
    return 1;
  seed(argv[1], "full-nat64-ftp64-ipv6-ftp.bin", blob, len);
  pinhole_ctx_del(a);

  /* NAT64 clients of the PBA pool: one's block held after its flow
   * ended (BLOCK, SUB64), another's mapping (MAP, HOST64), a third
   * hairpinned to it through its public endpoint (198.19.0.7 under the
   * WKP) */
  a = mk_ctx();
  send6t(a, SEC, PINHOLE_SIDE_INSIDE, "2001:db8:2::7", 6000, "64:ff9b::c613:5",
         53, 17, 0, 0, 0, "held");
  (void)pinhole_tick(a, 302 * SEC); /* idle at 301 s, held 5 s */
  uint64_t t = 302 * SEC;
  send6t(a, t, PINHOLE_SIDE_INSIDE, "2001:db8:2::8", 6001, "64:ff9b::c613:5",
         53, 17, 0, 0, 0, "mapped");
  if (pinhole_conversations_format(a, (char *)blob, BLOB) < 0)
    abort();
  const char *at = strstr((char *)blob, "NAT64 198.19.0.7:");
  if (at == NULL)
    abort();
  uint16_t pp = (uint16_t)atoi(at + strlen("NAT64 198.19.0.7:"));
  send6t(a, t, PINHOLE_SIDE_INSIDE, "2001:db8:2::9", 6002, "64:ff9b::c613:7",
         pp, 17, 0, 0, 0, "hairpin");
  if (pinhole_state_export(a, t, 0, blob, BLOB, &len, &next) != 1)
    return 1;
  seed(argv[1], "full-nat64-pba-held-hairpin.bin", blob, len);
  pinhole_ctx_del(a);
  return 0;
}
#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the whole context: the input is a script of packets,
 * each with a side and a time step, fed to one context with a source NAT
 * pool (198.19.0.1), destination NAT rules to an inside server
 * (198.18.0.4) and every ALG on by port (FTP 21, TFTP 69, RTSP 554, SIP
 * 5060 UDP and TCP, Sun RPC 111 UDP and TCP, DCE-RPC 135, rexec/rlogin/rsh
 * 512-514); the destination NAT rules for 111 and 135 name their ALG and
 * allow only program 100024 and the seeds' interface
 * 12345678-1234-ab34-ef00-0123456789ab. After every packet and at the end the
 * context's invariants are checked through the public API; a violation aborts.
 *
 * Script (fdp.h reads past the end as zeros; the script ends with the
 * input):
 *   config  u8   bit0 EIF, bit1 ALG low ports, bit2 ALG third party,
 *                bit3 drop IP options, bit4 small tables (and 3 ports per
 *                inside host, 2 fragmented datagrams), bit5 narrow pool
 *                (16 ports; with bit4: an address-only pool instead), bit6
 * tight packet cap (len + 16), bit7 use pinhole_process_burst records, each: op
 * u8   bits 0-2 kind, bit 3 side given by bit 4 (else inside when the source is
 * 198.18/16), bits 5-7 time step before the packet (0, 1 ms, 50 ms, 1 s, 11 s,
 * 61 s, 301 s, 2 h 4 min; a non-zero step also calls pinhole_tick) kind 0 raw:
 * u16 len, bytes (the IPv4 packet as is) kind 1 TCP:   src dst sport dport
 * flags seqmode [u32] ackmode [u32] optlen(u8, options bytes) u16 len payload
 *     kind 2 UDP:   src dst sport dport u16 len payload
 *     kind 3 echo:  src dst u8 type(bit0: reply) id(port index) u16 seq
 *     kind 4 ICMP error quoting one of the last 4 forwarded packets:
 *                   which(bits 0-1; bit 2: from a router, not the peer)
 *                   u8 type/code choice, u8 quote length choice
 *     kind 5 frag:  a UDP datagram as kind 2, then u8 cut (first piece
 *                   length in 8-byte units) and u8 how (bit 0 later piece
 *                   first, bit 1 it overlaps by 8 bytes, bit 2 the first
 *                   piece twice, bit 3 the later piece keeps MF)
 *     kind 6 UDP    with a raw u16 checksum and length field
 *     kind 7 TCP:   src dst sport dport flags u16 len payload (SEQ/ACK
 *                   follow the stream)
 *   Raw packets may be IPv6 (rules: 2001:db8:1::/48 inside out, the
 *   outside to [2001:db8:1::80]:80 TCP; before them NAT64 to the pool
 *   for 64:ff9b::/96 (198.18/15 allowed) and 2001:db8:100::/40).
 *   Address index (low 3 bits): 198.18.0.2, .3, .4 (inside), 198.19.0.2,
 *   .3 (outside), 198.19.0.1 (public), 198.19.0.4 (a router), 127.0.0.1.
 *   Port index: < 0x80 a fixed set, index mod 48 (21 20 69 554 5060 1024
 *   1025 2121 8554 40000 40001 50000 50001 80 23 0 111 135 32765 49664
 *   2049 1147 22 1023, then the r-commands and privileged ports 514 513
 *   512 1023 1022 700 1021 600, then the other ALGs' 1720 1719 1723 1755
 *   7070 1521 683 53 161 162 137 138 67 68 and 1036 5004), >= 0x80 + k
 *   the k-th port (mod 16)
 *   the context handed out on 198.19.0.1 (learned in order from events,
 *   traces and forwarded packets' sources; ICMP echo ids likewise).
 *   SEQ/ACK modes: 0 follow the stream, 0x01-0x7f that many bytes back,
 *   0x80-0xfe ahead, 0xff a raw u32.
 *
 * Besides the counters, listing and table invariants, a TCP segment the
 * tracker refuses (an illegal sequence number or flags, an RST outside
 * the window or in it but not exact) must leave every connection exactly
 * as it was: the connections, their windows, timers and ALG state are
 * compared byte for byte around it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>

#include "core/ctx.h"
#include "ctxconf.h"
#include "fdp.h"
#include "pkt4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define A4(a, b, c, d)                                                         \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |            \
   (uint32_t)(d))
#define PUB A4(198, 19, 0, 1)
#define SRV A4(198, 18, 0, 4)
#define ROUTER A4(198, 19, 0, 4)
#define BUF_CAP 70000u
#define MAX_PAYLOAD 2000u
#define MAX_RECORDS 400
#define SEC 1000000000ull
#define MAX_FLOWS 256
#define MAX_WATCH 32

static const uint32_t addrs[8] = {A4(198, 18, 0, 2),
                                  A4(198, 18, 0, 3),
                                  SRV,
                                  A4(198, 19, 0, 2),
                                  A4(198, 19, 0, 3),
                                  PUB,
                                  ROUTER,
                                  A4(127, 0, 0, 1)};
static const uint16_t fixed_ports[48] = {
    21, 20, 69, 554, 5060, 1024, 1025, 2121, 8554, 40000, 40001, 50000, 50001,
    80, 23, 0, 111, 135, 32765, 49664, 2049, 1147, 22, 1023, 514, 513, 512,
    1023, 1022, 700, 1021, 600,
    /* the other ALGs' ports (H.323, PPTP, MMS, PNA, SQLNet, IIOP, DNS,
     * SNMP, NetBIOS, BOOTP) */
    1720, 1719, 1723, 1755, 7070, 1521, 683, 53, 161, 162, 137, 138, 67, 68,
    1036, 5004};
static const uint64_t steps[8] = {0,        SEC / 1000, SEC / 20,  SEC,
                                  11 * SEC, 61 * SEC,   301 * SEC, 7441 * SEC};

typedef struct saved {
  uint8_t b[160];
  size_t len;
  int side; /* side the output left by */
} saved;

/* CTX_PACKETS_DEBUG=1 in the environment: print each packet's verdict and
 * every event (for checking what a seed reaches). */
static int debug = -1;

typedef struct harness {
  pinhole_ctx *ctx;
  pinhole_config cfg;
  uint64_t now;
  uint16_t learned[16];
  unsigned nlearned;
  fz_stream sent[FZ_STREAMS], seen[FZ_STREAMS];
  unsigned nsent, nseen;
  saved out[4];
  unsigned nout;
  uint64_t cnt[128], prev[128];
  int ncnt;
  char text[1024];
  uint8_t *buf;
  uint64_t maps_made, maps_gone; /* MAPPING_CREATED / _RELEASED events */
  /* the endpoints' addresses of recently accepted connections, by
   * conversation id (to check whom a pinhole lets in) */
  struct {
    uint32_t conv_id;
    uint32_t addr[4];
  } convs[64];
  /* the directions (by arrival side) an ALG found not to be its protocol,
   * by conversation id: no pinhole may come from them afterwards */
  struct {
    uint32_t conv_id;
    uint8_t sides;
  } desync[64];
} harness;

/* Remembers a port the context handed out on the public address. */
static void learn(harness *h, uint32_t addr, uint16_t port) {
  if (addr != PUB || port < 512)
    return;
  for (unsigned i = 0; i < 16; i++)
    if (h->learned[i] == port)
      return;
  h->learned[h->nlearned++ & 15] = port;
}

static uint16_t port_of(harness *h, uint8_t i) {
  if (i < 0x80)
    return fixed_ports[i % 48];
  uint16_t p = h->learned[i & 15];
  return p ? p : (uint16_t)(1024 + (i & 15));
}

/* The context's one allocation, kept across inputs: large blocks cost an
 * mmap and munmap each under ASan. Same exact size, so overruns past the
 * end are still caught. */
static void *arena;
static size_t arena_len;

static void *ctx_alloc(size_t size, void *user) {
  (void)user;
  if (arena != NULL && arena_len != size) {
    free(arena);
    arena = NULL;
  }
  if (arena == NULL) {
    arena = malloc(size);
    arena_len = size;
  }
  return arena;
}

static void ctx_free(void *ptr, size_t size, void *user) {
  (void)user;
  CHECK(ptr == arena && size == arena_len);
}

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  harness *h = user;
  CHECK(pinhole_event_format(ev, h->text, sizeof(h->text)) >= 0);
  if (debug)
    fprintf(stderr, "  event %s\n", h->text);
  CHECK(pinhole_event_format(ev, h->text, 9) >= 0 && strlen(h->text) < 9);
  if (ev->type == PINHOLE_EVENT_MAPPING_CREATED)
    h->maps_made++;
  if (ev->type == PINHOLE_EVENT_MAPPING_RELEASED)
    h->maps_gone++;
  if (ev->type == PINHOLE_EVENT_RULE_ACCEPT) {
    unsigned i = ev->conv_id & 63;
    h->convs[i].conv_id = ev->conv_id;
    h->convs[i].addr[0] = ev->src.addr;
    h->convs[i].addr[1] = ev->dst.addr;
    h->convs[i].addr[2] = ev->nat_src.addr;
    h->convs[i].addr[3] = ev->nat_dst.addr;
  }
  learn(h, ev->nat_src.addr, ev->nat_src.port);
  learn(h, ev->nat_dst.addr, ev->nat_dst.port);
  learn(h, ev->dst.addr, ev->dst.port);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  (void)ctx;
  harness *h = user;
  CHECK(pinhole_trace_format(tr, h->text, sizeof(h->text)) >= 0);
  /* the debug layout too: its whole block fits (a dump is at most 1 KiB
   * of text) and is as long as it says */
  char dbg[8192];
  int dn = pinhole_trace_format_debug(tr, 0, dbg, sizeof(dbg));
  CHECK(dn > 0 && (size_t)dn < sizeof(dbg) && strlen(dbg) == (size_t)dn);
  if (debug)
    fprintf(stderr, "  trace %s\n", h->text);
  static const char not_proto[] = "not the protocol";
  if (tr->kind == PINHOLE_TRACE_SKIPPED && tr->text != NULL &&
      tr->text_len >= sizeof(not_proto) - 1 &&
      memcmp(tr->text, not_proto, sizeof(not_proto) - 1) == 0) {
    unsigned i = tr->conv_id & 63;
    if (h->desync[i].conv_id != tr->conv_id)
      h->desync[i].sides = 0;
    h->desync[i].conv_id = tr->conv_id;
    h->desync[i].sides |= (uint8_t)(1u << (tr->side & 1));
  }
  if (tr->kind == PINHOLE_TRACE_PINHOLE_CREATED && tr->a.addr == 0 &&
      tr->b.addr == 0) {
    /* an IPv6 pinhole (the firewall's): its trace names ports only */
    CHECK(tr->b.port != 0);
    if (!(h->cfg.flags & PINHOLE_CFG_ALG_LOW_PORTS))
      CHECK(tr->b.port >= 1024);
  } else if (tr->kind == PINHOLE_TRACE_PINHOLE_CREATED) {
    /* nothing is honoured from a desynchronised direction (NAT
     * slipstreaming) */
    unsigned d = tr->conv_id & 63;
    CHECK(!(h->desync[d].conv_id == tr->conv_id && tr->conv_id != 0 &&
            (h->desync[d].sides & (1u << (tr->side & 1)))));
    /* a pinhole lets in one peer of its control connection, on a
     * non-privileged port, unless configured otherwise; the one exception:
     * rsh/rexec's standard-error port kept privileged on the public
     * address (the privileged-port rule) */
    CHECK(tr->a.addr != 0 && tr->b.addr != 0 && tr->b.port != 0);
    int priv = tr->alg != NULL &&
               (strcmp(tr->alg, "rsh") == 0 || strcmp(tr->alg, "rexec") == 0) &&
               tr->b.addr == PUB && tr->b.port >= 512 && tr->b.port <= 1023;
    if (!(h->cfg.flags & PINHOLE_CFG_ALG_LOW_PORTS) && !priv)
      CHECK(tr->b.port >= 1024);
    unsigned i = tr->conv_id & 63;
    if (!(h->cfg.flags & PINHOLE_CFG_ALG_THIRD_PARTY) &&
        h->convs[i].conv_id == tr->conv_id && tr->conv_id != 0) {
      int peer = 0;
      for (int k = 0; k < 4; k++)
        peer |= h->convs[i].addr[k] == tr->a.addr;
      if (!peer)
        fprintf(stderr, "pinhole from a third party: %s\n", h->text);
      CHECK(peer);
    }
  }
  learn(h, tr->a.addr, tr->a.port);
  learn(h, tr->b.addr, tr->b.port);
}

static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  (void)ctx;
  (void)user;
  pinhole_pkt_view v;
  CHECK(side == PINHOLE_SIDE_INSIDE || side == PINHOLE_SIDE_OUTSIDE);
  CHECK(len >= 20 && len <= 65535);
  if ((pkt[0] >> 4) == 6) { /* an IPv6 reject, an IPv6 or NAT64
                               connection's segment, NAT64 fragments */
    pinhole_pkt6_view v6;
    CHECK(pinhole_pkt6_parse(pkt, len, &v6) == 0);
    CHECK((v6.flags & PINHOLE_PKT6F_FRAGMENT) ||
          pinhole_pkt6_l4_cksum_ok(pkt, &v6) == 1);
    return;
  }
  CHECK(pinhole_pkt_parse(pkt, len, &v) == 0);
  CHECK(pinhole_cksum(pkt, v.ihl) == 0);
  CHECK(pinhole_pkt_l4_cksum_ok(pkt, &v) == 1);
}

static uint32_t seq_mode(fdp *f, uint32_t base) {
  uint8_t m = fdp_u8(f);
  if (m == 0xff)
    return fdp_u32(f);
  if (m >= 0x80)
    return base + (uint32_t)(m - 0x7f);
  return base - m;
}

/* Header checksum always; L4 checksums when the packet parses. */
static void fix(uint8_t *b, size_t len) {
  size_t ihl = (size_t)(b[0] & 15) * 4;
  if (ihl < 20 || ihl > len)
    return;
  fz_put16(b + 10, 0);
  fz_put16(b + 10, pinhole_cksum(b, ihl));
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, len, &v) == 0)
    pinhole_pkt_fix_cksums(b, &v);
}

static size_t build_tcp(harness *h, fdp *f, int compact, uint32_t *src_out) {
  uint8_t *b = h->buf;
  uint32_t src = addrs[fdp_u8(f) & 7], dst = addrs[fdp_u8(f) & 7];
  uint16_t sport = port_of(h, fdp_u8(f)), dport = port_of(h, fdp_u8(f));
  uint8_t flags = fdp_u8(f);
  fz_stream *me = fz_stream_find(h->sent, src, dst, sport, dport);
  fz_stream *peer = fz_stream_find(h->seen, dst, src, dport, sport);
  uint32_t base = me ? me->next : (src ^ (uint32_t)sport << 16 ^ 0x5eed);
  if ((flags & 0x02) && !(flags & 0x10) && me == NULL)
    base = (uint32_t)sport * 7919u; /* a fresh ISN */
  uint32_t seq = base, ack = peer ? peer->next : 0;
  size_t optlen = 0;
  uint8_t opts[40];
  if (!compact) {
    seq = seq_mode(f, base);
    ack = seq_mode(f, ack);
    optlen = (size_t)(fdp_u8(f) & 0x0f) * 4;
    if (optlen > 40)
      optlen = 40;
    optlen = fdp_bytes(f, opts, optlen) & ~(size_t)3;
  }
  uint8_t *pl = b + 40 + optlen;
  size_t plen = fdp_blob(f, pl, MAX_PAYLOAD);
  size_t total = 40 + optlen + plen;
  fz_ip4_hdr(b, total, 6, src, dst, 1);
  uint8_t *t = b + 20;
  memset(t, 0, 20);
  fz_put16(t, sport);
  fz_put16(t + 2, dport);
  fz_put32(t + 4, seq);
  fz_put32(t + 8, (flags & 0x10) ? ack : 0);
  t[12] = (uint8_t)((5 + optlen / 4) << 4);
  t[13] = flags;
  fz_put16(t + 14, 65535);
  if (optlen)
    memcpy(t + 20, opts, optlen);
  fix(b, total);
  uint32_t next = seq + (uint32_t)plen + ((flags & 0x02) ? 1u : 0u) +
                  ((flags & 0x01) ? 1u : 0u);
  fz_stream_set(h->sent, &h->nsent, src, dst, sport, dport, next,
                FZ_STREAM_FORWARD);
  *src_out = src;
  return total;
}

static size_t build_udp(harness *h, fdp *f, int raw_fields, uint32_t *src_out) {
  uint8_t *b = h->buf;
  uint32_t src = addrs[fdp_u8(f) & 7], dst = addrs[fdp_u8(f) & 7];
  uint16_t sport = port_of(h, fdp_u8(f)), dport = port_of(h, fdp_u8(f));
  uint16_t ulen = 0, ck = 0;
  if (raw_fields) {
    ulen = fdp_u16(f);
    ck = fdp_u16(f);
  }
  size_t plen = fdp_blob(f, b + 28, MAX_PAYLOAD);
  size_t total = 28 + plen;
  fz_ip4_hdr(b, total, 17, src, dst, 1);
  fz_put16(b + 20, sport);
  fz_put16(b + 22, dport);
  fz_put16(b + 24, raw_fields ? ulen : (uint16_t)(8 + plen));
  fz_put16(b + 26, raw_fields ? ck : 1);
  if (raw_fields) {
    fz_put16(b + 10, 0);
    fz_put16(b + 10, pinhole_cksum(b, 20));
  } else {
    fix(b, total);
  }
  *src_out = src;
  return total;
}

static size_t build_echo(harness *h, fdp *f, uint32_t *src_out) {
  uint8_t *b = h->buf;
  uint32_t src = addrs[fdp_u8(f) & 7], dst = addrs[fdp_u8(f) & 7];
  uint8_t type = (fdp_u8(f) & 1) ? 0 : 8;
  uint16_t id = port_of(h, fdp_u8(f));
  uint16_t seq = fdp_u16(f);
  size_t total = 20 + 8 + 8;
  fz_ip4_hdr(b, total, 1, src, dst, 1);
  uint8_t *m = b + 20;
  memset(m, 0, 16);
  m[0] = type;
  fz_put16(m + 4, id);
  fz_put16(m + 6, seq);
  memcpy(m + 8, "pinhole!", 8);
  fix(b, total);
  *src_out = src;
  return total;
}

static const uint8_t err_types[8][2] = {{3, 3},  {3, 1}, {11, 0}, {3, 4},
                                        {12, 0}, {5, 1}, {4, 0},  {3, 13}};

/* An ICMP error about a packet the context forwarded; returns 0 when
 * nothing was forwarded yet. *side_out: the side it arrives on. */
static size_t build_error(harness *h, fdp *f, int *side_out) {
  uint8_t which = fdp_u8(f), tsel = fdp_u8(f), qsel = fdp_u8(f);
  if (h->nout == 0)
    return 0;
  const saved *s = &h->out[which & 3];
  if (s->len == 0)
    s = &h->out[0];
  size_t qlen =
      (qsel & 0x80) ? (size_t)(qsel & 0x7f) : 28 + (size_t)(qsel & 63);
  if (qlen > s->len)
    qlen = s->len;
  uint32_t osrc = fz_get32(s->b + 12), odst = fz_get32(s->b + 16);
  uint32_t from = (which & 4) ? ROUTER : odst;
  if ((which & 4) && s->side == PINHOLE_SIDE_INSIDE)
    from = A4(198, 18, 0, 1);
  size_t total = 28 + qlen;
  uint8_t *b = h->buf;
  fz_ip4_hdr(b, total, 1, from, osrc, 1);
  uint8_t *m = b + 20;
  memset(m, 0, 8);
  m[0] = err_types[tsel & 7][0];
  m[1] = err_types[tsel & 7][1];
  memcpy(m + 8, s->b, qlen);
  fix(b, total);
  *side_out = s->side;
  return total;
}

static void counters(harness *h) {
  memcpy(h->prev, h->cnt, sizeof(h->cnt));
  h->ncnt = pinhole_stats(h->ctx, h->cnt, 128);
  CHECK(h->ncnt == pinhole_counter_count() && h->ncnt <= 128);
}

static uint64_t sum(const harness *h, int lo, int hi) {
  uint64_t s = 0;
  for (int i = lo; i <= hi; i++)
    s += h->cnt[i];
  return s;
}

static uint64_t delta(const harness *h, int c) {
  return h->cnt[c] - h->prev[c];
}

static void check_counters(const harness *h) {
  for (int i = 0; i < h->ncnt; i++)
    CHECK(h->cnt[i] >= h->prev[i]); /* counters only grow */
  /* the IPv6 details are appended outside their groups */
  CHECK(h->cnt[PINHOLE_CNT_ERR_IP] ==
        sum(h, PINHOLE_CNT_IP_LEN, PINHOLE_CNT_IP_UNKNOWN) +
            h->cnt[PINHOLE_CNT_IP6_FRAGMENT]);
  CHECK(h->cnt[PINHOLE_CNT_ERR_TCP] ==
        sum(h, PINHOLE_CNT_TCP_HDR_LEN, PINHOLE_CNT_TCP_SYN_COOKIE) +
            h->cnt[PINHOLE_CNT_TCP_RST_IN_WINDOW]);
  CHECK(h->cnt[PINHOLE_CNT_ERR_UDP] ==
        sum(h, PINHOLE_CNT_UDP_SHORT, PINHOLE_CNT_UDP_PORT_SCAN) +
            h->cnt[PINHOLE_CNT_UDP_LEN] + h->cnt[PINHOLE_CNT_UDP6_CKSUM_ZERO]);
  CHECK(h->cnt[PINHOLE_CNT_ERR_ICMP] ==
        sum(h, PINHOLE_CNT_ICMP_SHORT, PINHOLE_CNT_ICMP_MISMATCH_SEQ));
  /* the operator's 22 ALGs, and PPTP's (appended: not in the listing's
   * ALG block) */
  CHECK(h->cnt[PINHOLE_CNT_ERR_ALG] ==
        sum(h, PINHOLE_CNT_ALG_BOOTP, PINHOLE_CNT_ALG_TRACEROUTE) +
            h->cnt[PINHOLE_CNT_ALG_PPTP]);
  CHECK(h->cnt[PINHOLE_CNT_PINHOLE_USED] +
            h->cnt[PINHOLE_CNT_PINHOLE_EXPIRED] <=
        h->cnt[PINHOLE_CNT_PINHOLE_CREATED]);
  /* not fired by anything implemented yet */
  CHECK(h->cnt[PINHOLE_CNT_TCP_SYN_COOKIE] == 0);
  CHECK(h->cnt[PINHOLE_CNT_EXIST_REJECT] == 0);
}

/* Every packet's verdict is counted: a forward as one accept, a reject as
 * one reject, a drop somewhere. The one forward without a counter: an
 * IPv6 neighbour discovery or MLD message from the link (docs/ipv6.md),
 * and then no counter moves at all. */
static void check_verdict(const harness *h, int verdict, int v6) {
  uint64_t acc =
      delta(h, PINHOLE_CNT_NEW_ACCEPT) + delta(h, PINHOLE_CNT_EXIST_ACCEPT);
  static const int drops[] = {
      PINHOLE_CNT_NEW_DISCARD,    PINHOLE_CNT_EXIST_DISCARD,
      PINHOLE_CNT_DROP_IP_OPTION, PINHOLE_CNT_DROP_SYN_DEFENSE,
      PINHOLE_CNT_DROP_NAT_PORTS, PINHOLE_CNT_ERR_IP,
      PINHOLE_CNT_ERR_TCP,        PINHOLE_CNT_ERR_UDP,
      PINHOLE_CNT_ERR_ICMP,       PINHOLE_CNT_ERR_NON_IP,
      PINHOLE_CNT_DROP_FLOW_FULL, PINHOLE_CNT_DROP_NO_RULE,
      PINHOLE_CNT_DROP_TOO_BIG,   PINHOLE_CNT_FRAGMENTS,
      PINHOLE_CNT_DROP_HOST_LIMIT};
  uint64_t dropped = 0;
  for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++)
    dropped += delta(h, drops[i]);
  switch (verdict) {
  case PINHOLE_VERDICT_FORWARD:
  case PINHOLE_VERDICT_HAIRPIN:
  case PINHOLE_VERDICT_HELD: /* kept (reassembly): not a drop */
    if (acc == 0 && v6 && verdict == PINHOLE_VERDICT_FORWARD) {
      for (int i = 0; i < h->ncnt; i++)
        CHECK(delta(h, i) == 0); /* ND or MLD passed */
      break;
    }
    CHECK(acc == 1);
    break;
  case PINHOLE_VERDICT_REJECT:
    CHECK(delta(h, PINHOLE_CNT_NEW_REJECT) == 1 && acc == 0);
    break;
  case PINHOLE_VERDICT_DROP:
    CHECK(delta(h, PINHOLE_CNT_EXIST_ACCEPT) == 0);
    CHECK(delta(h, PINHOLE_CNT_NEW_ACCEPT) <= 1);
    CHECK(dropped >= 1);
    break;
  default:
    CHECK(verdict >= 0 && verdict <= PINHOLE_VERDICT_HELD);
  }
}

static void check_usage(const harness *h, int final) {
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  CHECK(pinhole_usage_get(h->ctx, &u) == 0);
  CHECK(u.flows <= u.max_flows + u.max_flows6 && u.flows6 <= u.max_flows6 &&
        u.flows6 <= u.flows && u.alg_conversations <= u.max_conversations &&
        u.alg_conversations <= u.conversations);
  CHECK(u.mappings <= u.max_mappings && u.pinholes <= u.max_pinholes);
  CHECK(u.watch <= u.max_watch && u.watch <= u.flows);
  CHECK(u.half_open <= h->cfg.max_half_open && u.half_open <= u.flows);
  CHECK(u.conversations <= u.flows + u.pinholes);
  CHECK(u.pinholes <= u.alg_conversations * h->cfg.max_pinholes_per_conv);
  CHECK(u.fragments <= u.max_fragments);
  /* the port allocation log accounts for every mapping */
  CHECK(h->maps_made >= h->maps_gone &&
        h->maps_made - h->maps_gone == u.mappings);
  if (final) {
    if (u.flows || u.conversations || u.mappings || u.pinholes || u.watch ||
        u.half_open || u.fragments)
      fprintf(stderr,
              "leak: flows %u convs %u mappings %u pinholes %u watch %u "
              "half-open %u fragments %u\n",
              u.flows, u.conversations, u.mappings, u.pinholes, u.watch,
              u.half_open, u.fragments);
    CHECK(u.flows == 0 && u.conversations == 0 && u.mappings == 0);
    CHECK(u.pinholes == 0 && u.watch == 0 && u.half_open == 0);
    CHECK(u.fragments == 0);
  }
}

static int count_flow(const pinhole_flow_info *fi, void *user) {
  (void)fi;
  ++*(uint32_t *)user;
  return 0;
}

static void check_format(harness *h) {
  char small[8];
  int n = pinhole_conversations_format(h->ctx, NULL, 0);
  CHECK(n >= 0);
  char *s = malloc((size_t)n + 1);
  CHECK(s != NULL);
  CHECK(pinhole_conversations_format(h->ctx, s, (size_t)n + 1) == n);
  CHECK(strlen(s) == (size_t)n);
  free(s);
  CHECK(pinhole_conversations_format(h->ctx, small, sizeof(small)) == n);
  CHECK(strlen(small) < sizeof(small));
  n = pinhole_stats_format(h->ctx, NULL, 0);
  CHECK(n > 0);
  s = malloc((size_t)n + 1);
  CHECK(s != NULL);
  CHECK(pinhole_stats_format(h->ctx, s, (size_t)n + 1) == n);
  CHECK(strlen(s) == (size_t)n);
  free(s);
  uint32_t visited = 0;
  pinhole_usage u;
  memset(&u, 0, sizeof(u));
  u.size = sizeof(u);
  CHECK(pinhole_usage_get(h->ctx, &u) == 0);
  CHECK(pinhole_flows_visit(h->ctx, count_flow, &visited) == (int)visited);
  CHECK(visited == 2 * u.flows);
}

static void check_output(harness *h, const pinhole_pkt *p, int in_ok, int side,
                         int verdict) {
  CHECK(p->len <= p->cap);
  if (verdict != PINHOLE_VERDICT_FORWARD && verdict != PINHOLE_VERDICT_HAIRPIN)
    return;
  if (p->len > 0 && p->data[0] >> 4 == 6) {
    /* IPv6 passes untranslated, or NAT64 made it from IPv4: valid,
     * whole, checksums as they came */
    pinhole_pkt6_view v6;
    CHECK(verdict == PINHOLE_VERDICT_FORWARD);
    CHECK(pinhole_pkt6_parse(p->data, p->len, &v6) == 0);
    CHECK(v6.ip_len == p->len);
    if (in_ok)
      CHECK(pinhole_pkt6_l4_cksum_ok(p->data, &v6) == 1);
    return;
  }
  pinhole_pkt_view v;
  int rc = pinhole_pkt_parse(p->data, p->len, &v);
  if (rc != 0)
    fprintf(stderr, "forwarded packet does not parse: %s\n",
            pinhole_pkt_reason_name(rc));
  CHECK(rc == 0);
  CHECK(v.ip_len == p->len);
  CHECK(pinhole_cksum(p->data, v.ihl) == 0);
  if (in_ok)
    CHECK(pinhole_pkt_l4_cksum_ok(p->data, &v) == 1);
  if (v.flags & PINHOLE_PKTF_L4)
    learn(h, v.src, v.sport);
  if (v.proto == 6 && (v.flags & PINHOLE_PKTF_L4) &&
      !(v.flags & PINHOLE_PKTF_FRAGMENT)) {
    uint32_t next = v.seq + v.payload_len + ((v.tcp_flags & 0x02) ? 1u : 0u) +
                    ((v.tcp_flags & 0x01) ? 1u : 0u);
    fz_stream_set(h->seen, &h->nseen, v.src, v.dst, v.sport, v.dport, next,
                  FZ_STREAM_FORWARD);
  }
  saved *s = &h->out[h->nout++ & 3];
  s->len = p->len < sizeof(s->b) ? p->len : sizeof(s->b);
  memcpy(s->b, p->data, s->len);
  /* the side it left by: back out the same side for a hairpin */
  s->side = verdict == PINHOLE_VERDICT_HAIRPIN ? side : side ^ 1;
}

/* Every byte of connection state, to compare around a refused segment. */
typedef struct snapshot {
  ph_conn conns[MAX_FLOWS];
  ph_conn_cold cold[MAX_FLOWS];
  ph_tcpw tcpw[MAX_FLOWS];
  ph_watch watch[MAX_WATCH];
  uint32_t nconns, half_open, npinholes, nmaps;
} snapshot;

static void snap_take(const pinhole_ctx *ctx, snapshot *s) {
  uint32_t n = ctx->cfg.max_flows, w = ctx->cfg.max_watch;
  CHECK(n <= MAX_FLOWS && w <= MAX_WATCH);
  memcpy(s->conns, ctx->conns, n * sizeof(ph_conn));
  memcpy(s->cold, ctx->cold, n * sizeof(ph_conn_cold));
  memcpy(s->tcpw, ctx->tcpw, ctx->ntcp4 * sizeof(ph_tcpw));
  memcpy(s->watch, ctx->watch, w * sizeof(ph_watch));
  s->nconns = ctx->nconns;
  s->half_open = ctx->half_open;
  s->npinholes = ctx->npinholes;
  s->nmaps = ctx->nmaps;
}

static int snap_same(const pinhole_ctx *ctx, const snapshot *s) {
  uint32_t n = ctx->cfg.max_flows, w = ctx->cfg.max_watch;
  return memcmp(s->conns, ctx->conns, n * sizeof(ph_conn)) == 0 &&
         memcmp(s->cold, ctx->cold, n * sizeof(ph_conn_cold)) == 0 &&
         memcmp(s->tcpw, ctx->tcpw, ctx->ntcp4 * sizeof(ph_tcpw)) == 0 &&
         memcmp(s->watch, ctx->watch, w * sizeof(ph_watch)) == 0 &&
         s->nconns == ctx->nconns && s->half_open == ctx->half_open &&
         s->npinholes == ctx->npinholes && s->nmaps == ctx->nmaps;
}

static int input_ok(const uint8_t *b, size_t len) {
  if (len > 0 && b[0] >> 4 == 6) {
    pinhole_pkt6_view v6;
    return pinhole_pkt6_parse(b, len, &v6) == 0 &&
           pinhole_pkt6_l4_cksum_ok(b, &v6) == 1;
  }
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, len, &v) != 0)
    return 0;
  return pinhole_cksum(b, v.ihl) == 0 && pinhole_pkt_l4_cksum_ok(b, &v) == 1;
}

static void setup(harness *h, uint8_t conf) {
  pinhole_config *cfg = &h->cfg;
  CHECK(pinhole_config_default(cfg, sizeof(*cfg)) == 0);
  int small = (conf & 0x10) != 0;
  cfg->max_flows = small ? 8 : MAX_FLOWS;
  cfg->max_conversations = small ? 6 : 256;
  cfg->max_mappings = small ? 8 : 256;
  cfg->max_pinholes = small ? 4 : 32;
  cfg->max_watch = small ? 4 : MAX_WATCH;
  cfg->max_pinholes_per_conv = small ? 2 : 8;
  cfg->max_half_open = small ? 4 : 64;
  cfg->max_tcp_conns = small ? 5 : 0; /* TCP windows for 5 slots of 8 */
  cfg->max_ports_per_host = small ? 3 : 0;
  cfg->max_fragments = small ? 2 : 16;
  /* reassembly: a small pool, so its limits are reached */
  cfg->hold_bytes = small ? 1024 : 8192;
  cfg->hold_bytes_per_conv = small ? 512 : 4096;
  cfg->hold_msg_max = small ? 600 : 3000;
  cfg->max_held = small ? 2 : 8;
  cfg->hold_timeout_ms = small ? 200 : 3000;
  cfg->max_pools = 1;
  cfg->max_port_blocks = 1; /* the address-only pool's one address */
  cfg->max_rules = 20;
  cfg->port_lo = 36864; /* 8192 ports: small bitmaps, fast to create */
  cfg->port_hi = 45055;
  cfg->flags = 0;
  if (conf & 0x01)
    cfg->flags |= PINHOLE_CFG_EIF;
  if (conf & 0x02)
    cfg->flags |= PINHOLE_CFG_ALG_LOW_PORTS;
  if (conf & 0x04)
    cfg->flags |= PINHOLE_CFG_ALG_THIRD_PARTY;
  if (conf & 0x08)
    cfg->flags |= PINHOLE_CFG_DROP_IP_OPTIONS;
  cfg->hash_key.k0 = 0x0123456789abcdefull;
  cfg->hash_key.k1 = 0xfedcba9876543210ull;
  cfg->seed = 42;

  pinhole_callbacks cb = fz_callbacks(on_event, on_trace, on_emit);
  cb.alloc = ctx_alloc;
  cb.free = ctx_free;
  CHECK(pinhole_ctx_new(&h->ctx, cfg, &cb, h) == 0);

  pinhole_pool pool = fz_pool(PUB, 0, 0);
  if ((conf & 0x30) == 0x30) {
    /* small tables and the narrow bit: an address-only pool of the one
     * public address (one inside host bound at a time, ports kept) */
    pool.mode = PINHOLE_POOL_ADDRESS;
    pool.block_hold_ms = 1000;
    pool.interim_s = 1;
  } else if (conf & 0x20) {
    pool.port_lo = 40000;
    pool.port_hi = 40015;
  }
  int pid = pinhole_pool_add(h->ctx, &pool);
  CHECK(pid >= 0);

  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  /* outside to the public address: destination NAT to the inside server,
   * by port (ALG by port), and 2121 -> 21 with FTP named */
  static const uint16_t dnat_ports[] = {21, 69, 554, 5060, 2121, 111, 135};
  for (size_t i = 0; i < sizeof(dnat_ports) / sizeof(dnat_ports[0]); i++) {
    snprintf(r.name, sizeof(r.name), "dnat-%u", (unsigned)dnat_ports[i]);
    r.side = PINHOLE_SIDE_OUTSIDE;
    r.dst_addr = PUB;
    r.dst_plen = 32;
    r.dport_lo = r.dport_hi = dnat_ports[i];
    r.action = PINHOLE_ACTION_ACCEPT;
    r.nat = PINHOLE_NAT_DEST;
    r.nat_addr = SRV;
    r.nat_port = dnat_ports[i] == 2121 ? 21 : 0;
    snprintf(r.alg, sizeof(r.alg), "%s", dnat_ports[i] == 2121 ? "ftp" : "");
    /* the portmapper and the endpoint mapper name their ALG and allow
     * only status (100024) and the seeds' interface */
    if (dnat_ports[i] == 111)
      snprintf(r.alg, sizeof(r.alg), "rpc");
    if (dnat_ports[i] == 135) {
      snprintf(r.alg, sizeof(r.alg), "dcerpc");
      r.proto = PINHOLE_IPPROTO_TCP;
    }
    int idx = pinhole_rule_add(h->ctx, &r);
    CHECK(idx >= 0);
    if (dnat_ports[i] == 111)
      CHECK(pinhole_rule_alg_allow(h->ctx, idx, "100024") == 0);
    if (dnat_ports[i] == 135)
      CHECK(pinhole_rule_alg_allow(
                h->ctx, idx, "12345678-1234-ab34-ef00-0123456789ab") == 0);
  }
  r = fz_rule("reject-telnet", PINHOLE_SIDE_ANY);
  r.proto = 6;
  r.dport_lo = r.dport_hi = 23;
  r.action = PINHOLE_ACTION_REJECT;
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  r.proto = 17;
  snprintf(r.name, sizeof(r.name), "reject-udp23");
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  r = fz_rule("discard-router", PINHOLE_SIDE_INSIDE);
  r.dst_addr = ROUTER;
  r.dst_plen = 32;
  r.action = PINHOLE_ACTION_DISCARD;
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  r = fz_rule("inside-out", PINHOLE_SIDE_INSIDE);
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pid;
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  /* IPv6 (raw packets): inside 2001:db8:1::/48 out, the outside to
   * 2001:db8:1::80 TCP port 80 */
  static const uint8_t in6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
  static const uint8_t web6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x80};
  /* NAT64 first: 64:ff9b::/96 (lab: 198.18/15 allowed) and
   * 2001:db8:100::/40 to the pool */
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  static const uint8_t nsp[16] = {0x20, 0x01, 0x0d, 0xb8, 0x01};
  CHECK(pinhole_nat64_prefix_add(h->ctx, wkp, 96, PINHOLE_NAT64_LAB) == 0);
  CHECK(pinhole_nat64_prefix_add(h->ctx, nsp, 40, 0) == 0);
  for (int k = 0; k < 2; k++) {
    r = fz_rule6_in(k ? "nat64-1" : "nat64-0", in6, 48);
    r.action = PINHOLE_ACTION_ACCEPT;
    r.nat = PINHOLE_NAT_SOURCE;
    r.pool = pid;
    memcpy(r.dst6, k ? nsp : wkp, 16);
    r.dst_plen = k ? 40 : 96;
    CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  }
  r = fz_rule6_in("v6-out", in6, 48);
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
  r = fz_rule("v6-web", PINHOLE_SIDE_OUTSIDE);
  r.family = 6;
  r.proto = 6;
  memcpy(r.dst6, web6, 16);
  r.dst_plen = 128;
  r.dport_lo = r.dport_hi = 80;
  CHECK(pinhole_rule_add(h->ctx, &r) >= 0);
}

/* Processes h->buf[0..len) from side with every per-packet check. */
static void run(harness *h, size_t len, int side, uint8_t conf, int kind) {
  int in_ok = input_ok(h->buf, len);
  /* tight: an exact-size copy, so ASan sees any access past cap; loose:
   * the packet may grow to 64 KB in a buffer kept across packets */
  static uint8_t loose[65535 + 64];
  uint32_t cap = (conf & 0x40) ? (uint32_t)len + 16 : (uint32_t)sizeof(loose);
  uint8_t *data = (conf & 0x40) ? malloc(cap) : loose;
  CHECK(data != NULL);
  memcpy(data, h->buf, len);
  pinhole_pkt p = {data, (uint32_t)len, cap};
  /* a TCP segment: keep the connections' state to compare if refused */
  static snapshot snap;
  int tcp = len >= 20 && (h->buf[0] >> 4) == 4 && h->buf[9] == 6;
  if (tcp)
    snap_take(h->ctx, &snap);
  int verdict;
  if (conf & 0x80) {
    uint8_t vd = 0xee;
    CHECK(pinhole_process_burst(h->ctx, &p, 1, side, h->now, &vd) == 1);
    verdict = vd;
  } else {
    verdict = pinhole_process(h->ctx, &p, side, h->now);
  }
  if (debug) {
    fprintf(stderr, "kind %d side %d len %zu -> verdict %d len %u\n", kind,
            side, len, verdict, p.len);
    for (uint32_t i = 0; i < p.len; i++) /* as it left */
      fprintf(stderr, "%02x%s", data[i], i % 16 == 15 ? "\n" : " ");
    fprintf(stderr, "\n");
  }
  counters(h);
  if (debug)
    for (int i = 0; i < h->ncnt; i++)
      if (delta(h, i))
        fprintf(stderr, "  +%llu %s\n", (unsigned long long)delta(h, i),
                pinhole_counter_name(i));
  check_counters(h);
  check_verdict(h, verdict, len >= 40 && (data[0] >> 4) == 6);
  check_output(h, &p, in_ok, side, verdict);
  if (tcp && delta(h, PINHOLE_CNT_FLOWS_EXPIRED) == 0 &&
      (delta(h, PINHOLE_CNT_TCP_FLAGS) ||
       delta(h, PINHOLE_CNT_TCP_RST_IN_WINDOW))) {
    /* refused by the TCP tracker (or the parser): nothing changed */
    CHECK(verdict == PINHOLE_VERDICT_DROP);
    CHECK(snap_same(h->ctx, &snap));
  }
  if (data != loose)
    free(data);
  check_usage(h, 0);
}

/* Kind 5: a UDP datagram (as kind 2) sent as two fragments. cut: where
 * the first piece ends (in 8-byte units); how: bit 0 later piece first,
 * bit 1 the later piece overlaps by 8 bytes, bit 2 the first piece twice,
 * bit 3 the later piece keeps MF (never completes). */
static void fragments(harness *h, fdp *f, uint8_t conf, int side_opt) {
  uint32_t src;
  size_t len = build_udp(h, f, 0, &src);
  uint8_t cut8 = fdp_u8(f), how = fdp_u8(f);
  size_t l4 = len - 20;
  if (l4 <= 8)
    return;
  size_t cut = 8 * (1 + (size_t)cut8 % ((l4 - 1) / 8));
  size_t ov = (how & 2) && cut >= 8 ? 8 : 0;
  static uint8_t whole[MAX_PAYLOAD + 64];
  memcpy(whole, h->buf, len);
  int side = side_opt >= 0                              ? side_opt
             : (src >> 16) == (A4(198, 18, 0, 0) >> 16) ? PINHOLE_SIDE_INSIDE
                                                        : PINHOLE_SIDE_OUTSIDE;
  for (int k = 0; k < 2 + ((how & 4) ? 1 : 0); k++) {
    int later = (k == 1) ^ ((how & 1) != 0);
    if (k == 2)
      later = 0;
    size_t lo = later ? cut - ov : 0, hi = later ? l4 : cut;
    memcpy(h->buf, whole, 20);
    memcpy(h->buf + 20, whole + 20 + lo, hi - lo);
    fz_put16(h->buf + 2, (uint16_t)(20 + hi - lo));
    uint16_t fo = (uint16_t)(lo / 8);
    if (!later || (how & 8))
      fo |= 0x2000;
    fz_put16(h->buf + 6, fo);
    fz_put16(h->buf + 10, 0);
    fz_put16(h->buf + 10, pinhole_cksum(h->buf, 20));
    run(h, 20 + hi - lo, side, conf, 5);
  }
}

static void one_packet(harness *h, fdp *f, uint8_t conf) {
  uint8_t op = fdp_u8(f);
  uint64_t step = steps[op >> 5];
  if (step) {
    h->now += step;
    CHECK(pinhole_tick(h->ctx, h->now) >= 0);
  }
  int side_opt = -1;
  if (op & 0x08)
    side_opt = (op & 0x10) ? PINHOLE_SIDE_OUTSIDE : PINHOLE_SIDE_INSIDE;
  uint32_t src = 0;
  int side = -1;
  size_t len = 0;
  switch (op & 7) {
  case 0:
    len = fdp_blob(f, h->buf, MAX_PAYLOAD + 60);
    src = len >= 16 ? fz_get32(h->buf + 12) : 0;
    break;
  case 1:
  case 7:
    len = build_tcp(h, f, (op & 7) == 7, &src);
    break;
  case 2:
  case 6:
    len = build_udp(h, f, (op & 7) == 6, &src);
    break;
  case 3:
    len = build_echo(h, f, &src);
    break;
  case 4:
    len = build_error(h, f, &side);
    if (len == 0)
      return;
    break;
  default:
    fragments(h, f, conf, side_opt);
    return;
  }
  if (side < 0)
    side = (src >> 16) == (A4(198, 18, 0, 0) >> 16) ? PINHOLE_SIDE_INSIDE
                                                    : PINHOLE_SIDE_OUTSIDE;
  if (side_opt >= 0)
    side = side_opt;
  run(h, len, side, conf, op & 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (debug < 0)
    debug = getenv("CTX_PACKETS_DEBUG") != NULL;
  static harness hs;
  static uint8_t buf[BUF_CAP];
  harness *h = &hs;
  memset(h, 0, sizeof(*h));
  h->buf = buf;
  fdp f;
  fdp_init(&f, data, size);
  uint8_t conf = fdp_u8(&f);
  setup(h, conf);
  h->now = 1000 * SEC;
  counters(h);
  for (int i = 0; i < MAX_RECORDS && fdp_left(&f) > 0; i++) {
    one_packet(h, &f, conf);
    if ((i & 7) == 7)
      check_format(h);
  }
  check_format(h);
  /* far in the future everything has expired: nothing may be left */
  uint64_t far = h->now + 30ull * 24 * 3600 * SEC;
  for (int i = 0; i < 64; i++)
    CHECK(pinhole_tick(h->ctx, far) >= 0);
  check_usage(h, 1);
  counters(h);
  check_counters(h);
  check_format(h);
  pinhole_ctx_del(h->ctx);
  return 0;
}

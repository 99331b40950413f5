/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-bench: what reassembling a split message costs (issue 21).
 *
 * Two messages an ALG must see whole, sent k times through a fresh
 * context, each on its own TCP connection (opened before the clock
 * starts), once whole and once split:
 *
 *   FTP  "PORT 198,18,0,100,P1,P2\r\n" (27 bytes) in one segment, or as
 *        "PORT 198,18," and the rest; then the server's data SYN through
 *        the pinhole the rewrite opened (so pinholes do not pile up);
 *   SIP  an INVITE with a 2.9 KB SDP offer (3.3 KB in all) in one
 *        packet on a connection whose SYNs announced MSS 8960, or in
 *        three segments of at most 1448 bytes (MSS 1460): the library
 *        holds the first two, rewrites the whole message when the third
 *        arrives and sends it on re-segmented to the MSS (emit).
 *
 * Every packet is built before the clock starts; the figure is the time
 * of the loop over all segments of all messages divided by k, the median
 * of the rounds. An untimed check (first round) compares, byte for byte,
 * the payload the split message left as (the completing packet's and the
 * emitted segments', in order) with what the whole one left as: the same
 * rewrite. Public API only.
 */
#include "bench_reasm.h"

#include <pinhole/pinhole.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IP4(a, b, c, d)                                                        \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |            \
   (uint32_t)(d))
#define CLI IP4(198, 18, 0, 100)
#define SRV IP4(198, 19, 0, 2)
#define POOL IP4(198, 19, 200, 1)
#define STRIDE 4096u /* one packet's buffer: a whole INVITE and its growth */
#define OUT_MAX 8192u
#define T_NOW 1000000000ull

static void die(const char *what) {
  fprintf(stderr, "pinhole-bench: reassembly: %s\n", what);
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Whether b[0..n) holds the text s. */
static int contains(const uint8_t *b, size_t n, const char *s) {
  size_t m = strlen(s);
  for (size_t i = 0; i + m <= n; i++)
    if (memcmp(b + i, s, m) == 0)
      return 1;
  return 0;
}

/* A TCP/IPv4 packet into b: payload pl[0..n), MSS and window scale 14
 * options when mss is not 0 (a SYN: k messages sent without waiting for
 * acknowledgements stay inside the window), correct checksums. Returns
 * its length. */
static size_t seg(uint8_t *b, uint32_t src, uint16_t sp, uint32_t dst,
                  uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags,
                  uint16_t mss, const void *pl, size_t n) {
  size_t th = mss ? 28 : 20, len = 20 + th + n;
  if (len > STRIDE)
    die("packet too long for its buffer");
  memset(b, 0, 20 + th);
  b[0] = 0x45;
  put16(b + 2, (uint16_t)len);
  b[8] = 64;
  b[9] = PINHOLE_IPPROTO_TCP;
  put32(b + 12, src);
  put32(b + 16, dst);
  uint8_t *t = b + 20;
  put16(t, sp);
  put16(t + 2, dp);
  put32(t + 4, seq);
  put32(t + 8, ack);
  t[12] = (uint8_t)((th / 4) << 4);
  t[13] = flags;
  put16(t + 14, 65535);
  if (mss) {
    t[20] = 2;
    t[21] = 4;
    put16(t + 22, mss);
    t[24] = 1; /* NOP, then window scale 14 */
    t[25] = 3;
    t[26] = 3;
    t[27] = 14;
  }
  if (n)
    memcpy(t + th, pl, n);
  put16(b + 10, pinhole_cksum(b, 20));
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, len, &v) != 0 || pinhole_pkt_fix_cksums(b, &v) != 0)
    die("packet builder");
  return len;
}

/* A context and what it emitted: count, and (when collecting) the TCP
 * payloads of the segments towards the outside, in order. */
typedef struct run {
  pinhole_ctx *ctx;
  uint64_t emitted;
  int collect;
  uint8_t out[OUT_MAX];
  size_t out_len;
} run;

static void append_payload(run *r, const uint8_t *p, size_t len) {
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(p, len, &v) != 0 || v.payload_len == 0)
    return;
  if (r->out_len + v.payload_len > sizeof(r->out))
    die("more output than a message");
  memcpy(r->out + r->out_len, p + v.payload_off, v.payload_len);
  r->out_len += v.payload_len;
}

static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  run *r = user;
  (void)ctx;
  r->emitted++;
  if (r->collect && side == PINHOLE_SIDE_OUTSIDE)
    append_payload(r, pkt, len);
}

static void run_open(run *r, uint32_t k) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = 2 * k + 64;
  cfg.max_half_open = 2 * k + 64;
  cfg.max_pinholes = 4 * k + 64;
  cfg.max_pinholes_per_conv = 65535;
  cfg.max_mappings = 8 * k + 64; /* the SIP offers map their media ports */
  cfg.hash_key.k0 = 0x0706050403020100ull;
  cfg.hash_key.k1 = 0x0f0e0d0c0b0a0908ull;
  cfg.seed = 12345;
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.emit = on_emit;
  memset(r, 0, sizeof(*r));
  if (pinhole_ctx_new(&r->ctx, &cfg, &cb, r) != 0)
    die("pinhole_ctx_new");
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = POOL;
  int pid = pinhole_pool_add(r->ctx, &pool);
  pinhole_rule rule;
  memset(&rule, 0, sizeof(rule));
  rule.size = sizeof(rule);
  snprintf(rule.name, sizeof(rule.name), "out");
  rule.side = PINHOLE_SIDE_INSIDE;
  rule.nat = PINHOLE_NAT_SOURCE;
  rule.pool = pid;
  if (pid < 0 || pinhole_rule_add(r->ctx, &rule) < 0)
    die("pool or rule");
}

static int process(run *r, uint8_t *b, size_t *len, int side) {
  pinhole_pkt p = {b, (uint32_t)*len, STRIDE};
  int v = pinhole_process(r->ctx, &p, side, T_NOW);
  *len = p.len;
  return v;
}

/* The connection cli:cport -> srv:port, MSS mss both ways, and the
 * server's first segment (for FTP its greeting). Fills the public port and both
 * next sequence numbers. */
static void conn_open(run *r, uint16_t cport, uint16_t port, uint16_t mss,
                      uint16_t *pub, uint32_t *cseq, uint32_t *sseq) {
  uint8_t b[STRIDE];
  size_t n;
  *cseq = 1000;
  *sseq = 5000;
  n = seg(b, CLI, cport, SRV, port, (*cseq)++, 0, PINHOLE_TCP_SYN, mss, "", 0);
  if (process(r, b, &n, PINHOLE_SIDE_INSIDE) != PINHOLE_VERDICT_FORWARD)
    die("SYN");
  *pub = get16(b + 20);
  n = seg(b, SRV, port, POOL, *pub, (*sseq)++, *cseq,
          PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, mss, "", 0);
  if (process(r, b, &n, PINHOLE_SIDE_OUTSIDE) != PINHOLE_VERDICT_FORWARD)
    die("SYN-ACK");
  n = seg(b, CLI, cport, SRV, port, *cseq, *sseq, PINHOLE_TCP_ACK, 0, "", 0);
  if (process(r, b, &n, PINHOLE_SIDE_INSIDE) != PINHOLE_VERDICT_FORWARD)
    die("ACK");
  /* the server's first segment after its SYN-ACK opens the scaled window:
   * for FTP its greeting (the ALG honours commands only after it) */
  static const char greet[] = "220 ready\r\n";
  size_t glen = port == 21 ? sizeof(greet) - 1 : 0;
  n = seg(b, SRV, port, POOL, *pub, *sseq, *cseq,
          PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 0, greet, glen);
  if (process(r, b, &n, PINHOLE_SIDE_OUTSIDE) != PINHOLE_VERDICT_FORWARD)
    die("greeting");
  *sseq += (uint32_t)glen;
}

/* Message i of the case: FTP PORT or SIP INVITE. Returns its length. */
static size_t message(int sip, uint32_t i, char *m, size_t cap) {
  uint16_t port = (uint16_t)(20000 + 2 * i);
  if (!sip)
    return (size_t)snprintf(m, cap, "PORT 198,18,0,100,%u,%u\r\n", port >> 8,
                            port & 255);
  char sdp[3600];
  int s = snprintf(sdp, sizeof(sdp),
                   "v=0\r\no=bench 1 1 IN IP4 198.18.0.100\r\ns=-\r\n"
                   "c=IN IP4 198.18.0.100\r\nt=0 0\r\nm=audio %u RTP/AVP 0 8",
                   port);
  for (unsigned pt = 96; pt < 128; pt++)
    s += snprintf(sdp + s, sizeof(sdp) - (size_t)s, " %u", pt);
  s += snprintf(sdp + s, sizeof(sdp) - (size_t)s, "\r\n");
  for (unsigned pt = 96; pt < 128; pt++)
    s += snprintf(sdp + s, sizeof(sdp) - (size_t)s,
                  "a=rtpmap:%u codec%u/16000\r\n"
                  "a=fmtp:%u mode-set=0,1,2;octet-align=1\r\n"
                  "a=rtcp-fb:%u nack\r\n",
                  pt, pt, pt, pt);
  s += snprintf(sdp + s, sizeof(sdp) - (size_t)s, "a=sendrecv\r\n");
  return (size_t)snprintf(
      m, cap,
      "INVITE sip:callee@198.19.0.2 SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 198.18.0.100:%u;branch=z9hG4bK-%u\r\n"
      "From: <sip:caller@example.invalid>;tag=%u\r\n"
      "To: <sip:callee@198.19.0.2>\r\nCall-ID: bench-%u@example.invalid\r\n"
      "CSeq: 1 INVITE\r\nContact: <sip:caller@198.18.0.100:%u;"
      "transport=tcp>\r\nMax-Forwards: 70\r\n"
      "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
      40000 + i, i, i, i, 40000 + i, s, sdp);
}

/* One case's packets. */
typedef struct pkts {
  uint8_t *buf; /* nseg * k packets, STRIDE apart */
  size_t *len;  /* their lengths */
  uint8_t *syn; /* FTP: the data SYNs, one per message */
  size_t nseg;  /* segments per message */
} pkts;

/* The timed loop: every segment of every message (and, for FTP, the data
 * SYN), in order. Returns the number of unexpected verdicts. */
static unsigned loop(run *r, const pkts *p, int sip, uint32_t k) {
  unsigned bad = 0;
  size_t nseg = p->nseg;
  for (uint32_t i = 0; i < k; i++) {
    for (size_t s = 0; s < nseg; s++) {
      uint8_t *b = p->buf + (i * nseg + s) * STRIDE;
      size_t *n = &p->len[i * nseg + s];
      int v = process(r, b, n, PINHOLE_SIDE_INSIDE);
      bad += s + 1 < nseg
                 ? v != PINHOLE_VERDICT_HELD
                 : v != PINHOLE_VERDICT_FORWARD && v != PINHOLE_VERDICT_HELD;
      if (r->collect && v == PINHOLE_VERDICT_FORWARD)
        append_payload(r, b, *n);
    }
    r->collect = 0; /* message 0 only */
    if (!sip) {
      size_t n = 40;
      bad += process(r, p->syn + (size_t)i * 64, &n, PINHOLE_SIDE_OUTSIDE) !=
             PINHOLE_VERDICT_FORWARD;
    }
  }
  return bad;
}

/* One function per case around the loop, never inlined: what callgrind
 * counts with --toggle-collect=region_* (BENCHMARKS.md). */
typedef unsigned region_fn(run *r, const pkts *p, int sip, uint32_t k);
__attribute__((noinline)) static unsigned
region_ftp_whole(run *r, const pkts *p, int sip, uint32_t k) {
  return loop(r, p, sip, k);
}
__attribute__((noinline)) static unsigned
region_ftp_split(run *r, const pkts *p, int sip, uint32_t k) {
  return loop(r, p, sip, k);
}
__attribute__((noinline)) static unsigned
region_sip_whole(run *r, const pkts *p, int sip, uint32_t k) {
  return loop(r, p, sip, k);
}
__attribute__((noinline)) static unsigned
region_sip_split(run *r, const pkts *p, int sip, uint32_t k) {
  return loop(r, p, sip, k);
}

/* One case: k messages built (whole, or cut at the pieces' sizes: FTP
 * after 12 bytes, SIP every 1448), timed through a fresh context. Returns
 * ns per message; with chk, leaves message 0's output there. */
static double one_case(int sip, int split, uint32_t k, run *r, uint8_t *chk,
                       size_t *chk_len) {
  uint16_t port = sip ? 5060 : 21, pub;
  uint32_t cseq, sseq;
  run_open(r, k);
  size_t piece = sip ? 1448 : 12, nseg = split ? (sip ? 3 : 2) : 1;
  pkts p = {calloc(nseg * k, STRIDE), calloc(nseg * k, sizeof(size_t)),
            calloc(k, 64), nseg};
  if (!p.buf || !p.len || !p.syn)
    die("out of memory");
  char m[OUT_MAX];
  for (uint32_t i = 0; i < k; i++) {
    /* message i on its own connection, opened before the clock starts */
    uint16_t cport = (uint16_t)(40000 + i);
    conn_open(r, cport, port, sip && !split ? 8960 : 1460, &pub, &cseq, &sseq);
    size_t n = message(sip, i, m, sizeof(m)), off = 0;
    for (size_t s = 0; s < nseg; s++) {
      size_t take = s + 1 == nseg ? n - off : piece;
      if (take > n - off)
        die("message shorter than its pieces");
      p.len[i * nseg + s] =
          seg(p.buf + (i * nseg + s) * STRIDE, CLI, cport, SRV, port,
              cseq + (uint32_t)off, sseq, PINHOLE_TCP_ACK | PINHOLE_TCP_PSH, 0,
              m + off, take);
      off += take;
    }
    if (!sip)
      seg(p.syn + (size_t)i * 64, SRV, 20, POOL, (uint16_t)(20000 + 2 * i),
          7000, 0, PINHOLE_TCP_SYN, 0, "", 0);
  }
  r->collect = chk != NULL;
  static region_fn *const regions[2][2] = {
      {region_ftp_whole, region_ftp_split},
      {region_sip_whole, region_sip_split}};
  uint64_t t0 = now_ns();
  unsigned bad = regions[sip][split](r, &p, sip, k);
  uint64_t t1 = now_ns();
  if (bad)
    die(split ? "a split message was not held and completed"
              : "a whole message or data SYN was refused");
  if (chk) {
    memcpy(chk, r->out, r->out_len);
    *chk_len = r->out_len;
  }
  uint64_t c[128];
  int nc = pinhole_stats(r->ctx, c, 128);
  if (split && (nc <= PINHOLE_CNT_REASM_COMPLETED ||
                c[PINHOLE_CNT_REASM_COMPLETED] != k))
    die("not one reassembly completed per split message");
  free(p.buf);
  free(p.len);
  free(p.syn);
  return (double)(t1 - t0) / k;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median over rounds of one case; the first round checked against
 * the whole message's output (want, or filled when want_len is 0). */
static double cases(int sip, int split, uint32_t k, int rounds, uint8_t *want,
                    size_t *want_len, uint64_t *emit_per_msg) {
  double t[16];
  static run r; /* 8 KB of output buffer: not on the stack */
  static uint8_t got[OUT_MAX];
  size_t got_len = 0;
  if (rounds > 16)
    rounds = 16;
  for (int i = 0; i < rounds; i++) {
    t[i] = one_case(sip, split, k, &r, i == 0 ? got : NULL, &got_len);
    if (i == 0 && emit_per_msg)
      *emit_per_msg = r.emitted / k;
    pinhole_ctx_del(r.ctx);
    if (i != 0)
      continue;
    if (*want_len == 0) {
      memcpy(want, got, got_len);
      *want_len = got_len;
    } else if (got_len != *want_len || memcmp(got, want, got_len) != 0) {
      die(sip ? "the split INVITE did not leave as the whole one"
              : "the split PORT did not leave as the whole one");
    }
  }
  qsort(t, (size_t)rounds, sizeof(double), cmp_double);
  return t[rounds / 2];
}

void bench_reasm(int quick, int rounds, reasm_figs *f) {
  uint32_t k = quick ? 64 : 2048;
  static uint8_t want[OUT_MAX];
  size_t want_len = 0;
  if (rounds < 1)
    rounds = 1;
  f->ftp_whole = cases(0, 0, k, rounds, want, &want_len, NULL);
  if (want_len < 22 || memcmp(want, "PORT 198,19,200,1,", 18) != 0 ||
      memcmp(want + want_len - 2, "\r\n", 2) != 0)
    die("the whole PORT was not rewritten");
  f->ftp_split = cases(0, 1, k, rounds, want, &want_len, NULL);
  want_len = 0;
  f->sip_whole = cases(1, 0, k, rounds, want, &want_len, NULL);
  if (want_len < 3000 || !contains(want, want_len, "c=IN IP4 198.19.200.1\r\n"))
    die("the whole INVITE was not rewritten");
  f->sip_split = cases(1, 1, k, rounds, want, &want_len, &f->sip_emit);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-dpdk's worker lcores. Each owns one pinhole context (created on
 * the main lcore before launch, used only here afterwards) with its own
 * slice of the pool's ports, a ring the dispatcher fills, and TX queue
 * number idx on both ports (so no two lcores share a queue). A worker:
 *
 *   - dequeues up to --burst mbufs, splits them by the link they came in
 *     on, and runs each group through pinhole_process_burst();
 *   - sends FORWARD packets out of the other link, HAIRPIN ones back out
 *     of theirs, with the Ethernet header rewritten for that link; frees
 *     the rest;
 *   - sends what the library builds (emit: TCP RST, ICMP unreachable) out
 *     of the side it names, from a fresh mbuf;
 *   - calls pinhole_tick() every 100 ms of its own;
 *   - answers a dump request (a new dump_gen) with a snapshot of its
 *     context, formatted here because a context belongs to one thread;
 *     runs a --control command line (a new cmd_gen) on its context with
 *     pinhole-gw's control.c, the answer kept for the main lcore.
 */
#include "dpdk.h"

#include "../gateway/control.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TICK_NS 100000000ull

uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Writes the Ethernet header for a frame leaving on l. */
static void eth_out(const struct link *l, uint8_t *f) {
  uint64_t peer = atomic_load_explicit(&l->peer, memory_order_relaxed);
  if (peer == 0)
    memset(f, 0xff, 6);
  else
    for (int i = 0; i < 6; i++)
      f[i] = (uint8_t)(peer >> (8 * (5 - i)));
  memcpy(f + 6, l->mac.addr_bytes, 6);
  f[12] = 0x08;
  f[13] = 0x00;
}

static void send_burst(struct worker *w, const struct link *l,
                       struct rte_mbuf **m, uint16_t n) {
  uint16_t sent = 0;
  for (int tries = 0; sent < n && tries < 8; tries++)
    sent += rte_eth_tx_burst(l->port, (uint16_t)w->idx, m + sent,
                             (uint16_t)(n - sent));
  if (sent < n) {
    w->st.tx_errors += n - sent;
    rte_pktmbuf_free_bulk(m + sent, n - sent);
  }
}

static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  struct worker *w = user;
  (void)ctx;
  if (side != PINHOLE_SIDE_INSIDE && side != PINHOLE_SIDE_OUTSIDE)
    return;
  struct rte_mbuf *m = rte_pktmbuf_alloc(w->app->mp);
  uint8_t *f =
      m ? (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(ETH_HDR + len)) : NULL;
  if (f == NULL || len > UINT16_MAX - ETH_HDR) {
    w->st.tx_errors++;
    rte_pktmbuf_free(m);
    return;
  }
  const struct link *l = &w->app->link[side];
  eth_out(l, f);
  memcpy(f + ETH_HDR, pkt, len);
  send_burst(w, l, &m, 1);
  w->st.emitted++;
}

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  struct worker *w = user;
  char line[512];
  (void)ctx;
  if (pinhole_event_format(ev, line, sizeof(line)) >= 0)
    fprintf(stderr, "pinhole-dpdk[w%u]: %s\n", w->idx, line);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  struct worker *w = user;
  char line[1024];
  (void)ctx;
  if (w->app->trace && pinhole_trace_format(tr, line, sizeof(line)) >= 0)
    fprintf(stderr, "pinhole-dpdk[w%u]: trace %s\n", w->idx, line);
}

void worker_callbacks(pinhole_callbacks *cb) {
  memset(cb, 0, sizeof(*cb));
  cb->size = sizeof(*cb);
  cb->emit = on_emit;
  cb->event = on_event;
  cb->trace = on_trace;
}

/* n mbufs that arrived on side through the context; then out. */
static void process(struct worker *w, struct rte_mbuf **m, size_t n, int side) {
  pinhole_pkt pkts[BURST_MAX];
  uint8_t verdicts[BURST_MAX];
  struct rte_mbuf *out[2][BURST_MAX]; /* by the side they leave on */
  uint16_t nout[2] = {0, 0};
  for (size_t i = 0; i < n; i++) {
    uint8_t *ip = rte_pktmbuf_mtod_offset(m[i], uint8_t *, ETH_HDR);
    uint32_t len = rte_pktmbuf_data_len(m[i]) - ETH_HDR;
    uint32_t tot = (uint32_t)ip[2] << 8 | ip[3];
    if (tot >= 20 && tot < len) /* Ethernet padding is not the packet's */
      len = tot;
    /* room after the frame's data in this one segment */
    uint32_t cap = (uint32_t)(m[i]->buf_len - m[i]->data_off - ETH_HDR);
    pkts[i] = (pinhole_pkt){ip, len, cap};
  }
  w->st.rx += n;
  w->st.bursts++;
  if (pinhole_process_burst(w->ctx, pkts, n, side, now_ns(), verdicts) < 0) {
    w->st.dropped += n;
    rte_pktmbuf_free_bulk(m, (unsigned)n);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    int to = verdicts[i] == PINHOLE_VERDICT_FORWARD   ? !side
             : verdicts[i] == PINHOLE_VERDICT_HAIRPIN ? side
                                                      : -1;
    if (to < 0 || ETH_HDR + pkts[i].len > UINT16_MAX) {
      w->st.dropped++;
      rte_pktmbuf_free(m[i]);
      continue;
    }
    m[i]->data_len = (uint16_t)(ETH_HDR + pkts[i].len);
    m[i]->pkt_len = m[i]->data_len;
    eth_out(&w->app->link[to], rte_pktmbuf_mtod(m[i], uint8_t *));
    out[to][nout[to]++] = m[i];
    if (to == side)
      w->st.hairpinned++;
    else
      w->st.forwarded++;
  }
  for (int s = 0; s < 2; s++)
    if (nout[s])
      send_burst(w, &w->app->link[s], out[s], nout[s]);
}

/* Formats with one of the library's snprintf-like formatters. */
static char *format_all(const pinhole_ctx *ctx,
                        int (*fmt)(const pinhole_ctx *, char *, size_t)) {
  int need = fmt(ctx, NULL, 0);
  char *s = need >= 0 ? malloc((size_t)need + 1) : NULL;
  if (s && fmt(ctx, s, (size_t)need + 1) < 0) {
    free(s);
    s = NULL;
  }
  return s;
}

static void snapshot(struct worker *w, unsigned gen) {
  struct snapshot *s = &w->snap;
  s->listing = format_all(w->ctx, pinhole_conversations_format);
  s->stats = format_all(w->ctx, pinhole_stats_format);
  memset(&s->usage, 0, sizeof(s->usage));
  s->usage.size = sizeof(s->usage);
  pinhole_usage_get(w->ctx, &s->usage);
  atomic_store_explicit(&w->dump_seen, gen, memory_order_release);
}

/* The control line in a->cmd, on this worker's context. */
static void command(struct worker *w, unsigned gen) {
  char line[sizeof(w->app->cmd)];
  size_t len = 0;
  memcpy(line, w->app->cmd, sizeof(line));
  line[sizeof(line) - 1] = '\0';
  FILE *out = open_memstream(&w->cmd_out, &len);
  if (out) {
    gw_control_line(w->ctx, line, out);
    fclose(out);
  }
  atomic_store_explicit(&w->cmd_seen, gen, memory_order_release);
}

int worker_main(void *arg) {
  struct worker *w = arg;
  struct app *a = w->app;
  struct rte_mbuf *m[BURST_MAX], *by_side[2][BURST_MAX];
  uint64_t next_tick = now_ns() + TICK_NS;
  unsigned idle = 0;
  while (!atomic_load_explicit(&a->stop, memory_order_relaxed)) {
    unsigned n = rte_ring_sc_dequeue_burst(w->ring, (void **)m, a->burst, NULL);
    size_t k[2] = {0, 0};
    for (unsigned i = 0; i < n; i++) {
      int side = m[i]->port == a->link[PINHOLE_SIDE_INSIDE].port
                     ? PINHOLE_SIDE_INSIDE
                     : PINHOLE_SIDE_OUTSIDE;
      by_side[side][k[side]++] = m[i];
    }
    for (int s = 0; s < 2; s++)
      if (k[s])
        process(w, by_side[s], k[s], s);
    uint64_t t = now_ns();
    if (t >= next_tick) {
      while (pinhole_tick(w->ctx, t) == PINHOLE_TICK_BUDGET)
        ; /* bounded work per call: again while it was busy */
      next_tick = t + TICK_NS;
      w->st.ticks++;
    }
    unsigned gen = atomic_load_explicit(&a->dump_gen, memory_order_acquire);
    if (gen != atomic_load_explicit(&w->dump_seen, memory_order_relaxed))
      snapshot(w, gen);
    gen = atomic_load_explicit(&a->cmd_gen, memory_order_acquire);
    if (gen != atomic_load_explicit(&w->cmd_seen, memory_order_relaxed))
      command(w, gen);
    idle = n ? 0 : idle + 1;
    if (idle > 16 && a->idle_us) /* shared cores: give the CPU back */
      rte_delay_us_sleep(a->idle_us);
  }
  return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/* pinhole-dpdk: what the dispatcher (main.c) and the workers (worker.c)
 * share. docs/dpdk.md describes the model. */
#ifndef PINHOLE_DPDK_H
#define PINHOLE_DPDK_H

#include <pinhole/pinhole.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <stdatomic.h>
#include <stdint.h>

#define MAX_WORKERS 16
#define BURST_MAX 256
#define ETH_HDR 14u

/* One Ethernet port: the inside or the outside link. */
struct link {
  uint16_t port; /* DPDK port id */
  uint16_t nrxq; /* RX queues the dispatcher polls */
  struct rte_ether_addr mac;
  /* The neighbour's MAC, learned by the dispatcher from the frames it
   * receives (6 bytes in the low bits; 0 = not yet: broadcast). */
  _Atomic uint64_t peer;
};

/* A dump a worker wrote for the main lcore (its own context, its thread). */
struct snapshot {
  char *listing, *stats; /* malloc'd by the worker, freed by main */
  pinhole_usage usage;
};

/* Per worker: counted by that worker only (read by main at a dump). */
struct wstats {
  uint64_t rx, forwarded, hairpinned, dropped, emitted, tx_errors, bursts,
      ticks;
};

struct app;

struct worker {
  struct app *app;
  unsigned idx;   /* 0..nworkers-1: also its TX queue on both ports */
  unsigned lcore; /* EAL lcore id */
  uint16_t port_lo, port_hi; /* its slice of the pool's ports */
  pinhole_ctx *ctx;
  struct rte_ring *ring; /* mbufs from the dispatcher (m->port: the link) */
  struct wstats st;
  _Atomic unsigned dump_seen; /* the dump generation answered */
  struct snapshot snap;
  _Atomic unsigned cmd_seen; /* the control command answered */
  char *cmd_out;             /* its answer (malloc'd), freed by main */
} __rte_cache_aligned;

struct app {
  struct link link[2]; /* indexed by pinhole_side */
  struct rte_mempool *mp;
  unsigned nworkers;
  struct worker w[MAX_WORKERS];
  uint16_t port_lo, port_hi; /* the pool's ports, split into slices */
  uint32_t slice;            /* ports per worker */
  unsigned burst;
  unsigned idle_us; /* sleep after an empty poll (0: busy poll) */
  int trace;
  _Atomic int stop;
  _Atomic unsigned dump_gen;
  _Atomic unsigned cmd_gen; /* a new --control line in cmd */
  char cmd[1024];
  /* dispatcher counters (main lcore only) */
  uint64_t d_rx[2], d_ring_full, d_arp, d_non_ip, d_no_port;
};

/* The worker lcore's loop (rte_eal_remote_launch). */
int worker_main(void *arg);

/* The callbacks every worker's context gets (user: its struct worker). */
void worker_callbacks(pinhole_callbacks *cb);

uint64_t now_ns(void);

#endif

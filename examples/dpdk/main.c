/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-dpdk: pinhole on DPDK, one context per worker lcore.
 *
 *   pinhole-dpdk EAL-ARGS -- --pool ADDR[:LO-HI] [--rule SPEC]...
 *       [--inside-port N] [--outside-port N] [--burst N] [--idle-us N]
 *       [--listing-file FILE] [--control FIFO] [--trace]
 *
 * Two Ethernet ports (DPDK port 0 inside, 1 outside unless told): real
 * NICs, or net_af_packet / net_tap virtual devices on veths. Every EAL
 * lcore but the main one is a worker; the main lcore is the dispatcher:
 *
 *   - It polls every RX queue of both ports, answers ARP (proxy ARP, as
 *     pinhole-afpacket does: every address resolves to the port's MAC),
 *     learns each link's neighbour MAC, and hands each IPv4 frame to one
 *     worker's ring:
 *       inside  -> hash of the source address (a subscriber stays on one
 *                  worker, so its mappings and ALG conversations do);
 *       outside -> the worker whose slice holds the public port the
 *                  packet is addressed to (TCP/UDP destination port, ICMP
 *                  query id, or the port inside an ICMP error's quoted
 *                  packet). Anything else (a non-first fragment, a port
 *                  outside the pool) goes to worker 0.
 *   - Each worker's context owns a contiguous slice of the pool's ports
 *     (pinhole_config.port_lo/port_hi), so whatever answers a mapping, a
 *     pinhole or a media port the worker opened comes back to it.
 *   - Workers process bursts (pinhole_process_burst), send on their own
 *     TX queue of each port, emit library-built packets, tick (worker.c).
 *   - SIGUSR1 (and SIGTERM/SIGINT before exiting) asks every worker for a
 *     snapshot of its context and prints them merged: the listings one
 *     after the other, the counters summed ("Statistics, all workers"),
 *     each worker's own statistics, and one "Host:" line per lcore.
 *   - --control FIFO takes pinhole-gw's operator commands (show FILTER,
 *     clear, lookup, pinholes, timeout, labels, stats; one per line):
 *     every worker runs the line on its own context, the answers are
 *     printed one after the other under "Worker N:".
 *
 * Needs TX queues = workers + 1 on each port (the main lcore's is for ARP
 * replies): for net_af_packet give qpairs=N in --vdev. docs/dpdk.md.
 */
#include "dpdk.h"
#include "steer.h"

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_version.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RULES 32
#define RING_SIZE 1024
#define NB_DESC 1024
#define NB_MBUF 16383

static volatile sig_atomic_t got_dump, got_stop;

static void on_signal(int sig) {
  if (sig == SIGUSR1)
    got_dump = 1;
  else
    got_stop = 1;
}

/* ---- dispatch ---- */

/* An ARP request on l: answered in place with l's MAC (proxy ARP).
 * Returns 1 when m was sent (or freed), 0 when it is not ours. */
static int on_arp(struct app *a, struct link *l, struct rte_mbuf *m) {
  static const uint8_t req[8] = {0, 1, 8, 0, 6, 4, 0, 1};
  uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *), sha[6], spa[4], tpa[4];
  uint8_t *p = f + ETH_HDR;
  if (rte_pktmbuf_data_len(m) < ETH_HDR + 28 || memcmp(p, req, 8))
    return 0;
  memcpy(sha, p + 8, 6);
  memcpy(spa, p + 14, 4);
  memcpy(tpa, p + 24, 4);
  if (!memcmp(spa, tpa, 4)) /* gratuitous */
    return 0;
  memcpy(f, sha, 6);
  memcpy(f + 6, l->mac.addr_bytes, 6);
  p[7] = 2; /* reply */
  memcpy(p + 8, l->mac.addr_bytes, 6);
  memcpy(p + 14, tpa, 4);
  memcpy(p + 18, sha, 6);
  memcpy(p + 24, spa, 4);
  m->data_len = (uint16_t)(ETH_HDR + 28);
  m->pkt_len = m->data_len;
  if (rte_eth_tx_burst(l->port, (uint16_t)a->nworkers, &m, 1) == 1)
    a->d_arp++;
  else
    rte_pktmbuf_free(m);
  return 1;
}

/* Which worker gets frame m from side; nworkers = none (consumed). */
static unsigned classify(struct app *a, int side, struct rte_mbuf *m) {
  struct link *l = &a->link[side];
  const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
  size_t len = rte_pktmbuf_data_len(m);
  if (m->nb_segs != 1 || len < ETH_HDR + 20)
    goto not_ip;
  if (!(f[6] & 1)) { /* a unicast source: the neighbour */
    uint64_t mac = 0;
    for (int i = 0; i < 6; i++)
      mac = mac << 8 | f[6 + i];
    if (atomic_load_explicit(&l->peer, memory_order_relaxed) != mac)
      atomic_store_explicit(&l->peer, mac, memory_order_relaxed);
  }
  uint16_t type = steer_be16(f + 12);
  if (type == 0x0806 && on_arp(a, l, m))
    return a->nworkers;
  if (type != 0x0800 || (f[ETH_HDR] >> 4) != 4)
    goto not_ip;
  const uint8_t *ip = f + ETH_HDR;
  if (side == PINHOLE_SIDE_INSIDE)
    return steer_inside(ip, a->nworkers);
  unsigned w = steer_slice(a->port_lo, a->port_hi, a->slice, a->nworkers,
                           steer_public_port(ip, len - ETH_HDR));
  if (w < a->nworkers)
    return w;
  a->d_no_port++;
  return 0;
not_ip:
  a->d_non_ip++;
  rte_pktmbuf_free(m);
  return a->nworkers;
}

/* One RX burst from each queue of each port, handed to the workers.
 * Returns the number of frames read. */
static unsigned dispatch(struct app *a) {
  struct rte_mbuf *m[BURST_MAX], *to[MAX_WORKERS][BURST_MAX];
  unsigned total = 0;
  for (int side = 0; side < 2; side++)
    for (uint16_t q = 0; q < a->link[side].nrxq; q++) {
      uint16_t n =
          rte_eth_rx_burst(a->link[side].port, q, m, (uint16_t)a->burst);
      unsigned k[MAX_WORKERS] = {0};
      a->d_rx[side] += n;
      total += n;
      for (uint16_t i = 0; i < n; i++) {
        unsigned w = classify(a, side, m[i]);
        if (w < a->nworkers)
          to[w][k[w]++] = m[i];
      }
      for (unsigned w = 0; w < a->nworkers; w++) {
        if (k[w] == 0)
          continue;
        unsigned put =
            rte_ring_sp_enqueue_burst(a->w[w].ring, (void **)to[w], k[w], NULL);
        if (put < k[w]) {
          a->d_ring_full += k[w] - put;
          rte_pktmbuf_free_bulk(to[w] + put, k[w] - put);
        }
      }
    }
  return total;
}

/* ---- the merged dump ---- */

/* Asks every worker for a snapshot and waits (at most 3 s) for them. */
static int collect(struct app *a) {
  unsigned gen = atomic_fetch_add(&a->dump_gen, 1) + 1;
  for (int i = 0; i < 3000; i++) {
    unsigned done = 0;
    for (unsigned w = 0; w < a->nworkers; w++)
      done +=
          atomic_load_explicit(&a->w[w].dump_seen, memory_order_acquire) == gen;
    if (done == a->nworkers)
      return 0;
    rte_delay_us_sleep(1000);
  }
  return -1;
}

/* The workers' statistics texts summed: they share one layout (same
 * library, same labels), so walking them together, every run of digits is
 * a counter to add and everything else must be equal. NULL if not. */
static char *merge_stats(const struct app *a) {
  const char *p[MAX_WORKERS];
  size_t cap = 1;
  for (unsigned i = 0; i < a->nworkers; i++) {
    if ((p[i] = a->w[i].snap.stats) == NULL)
      return NULL;
    cap += strlen(p[i]) + 8; /* a sum has at most 20 digits */
  }
  char *out = malloc(cap), *o = out;
  while (out && *p[0]) {
    if (*p[0] >= '0' && *p[0] <= '9') {
      unsigned long long sum = 0;
      for (unsigned i = 0; i < a->nworkers; i++) {
        char *end;
        sum += strtoull(p[i], &end, 10);
        if (end == p[i])
          goto differ;
        p[i] = end;
      }
      o += snprintf(o, cap - (size_t)(o - out), "%llu", sum);
      continue;
    }
    for (unsigned i = 1; i < a->nworkers; i++)
      if (*p[i] != *p[0])
        goto differ;
    *o++ = *p[0];
    for (unsigned i = 0; i < a->nworkers; i++)
      p[i]++;
  }
  if (out)
    *o = '\0';
  return out;
differ:
  free(out);
  return NULL;
}

static void print_dump(FILE *f, const struct app *a) {
  for (unsigned i = 0; i < a->nworkers; i++) {
    const struct worker *w = &a->w[i];
    fprintf(f, "Worker %u: lcore %u, ports %u-%u\n", i, w->lcore, w->port_lo,
            w->port_hi);
    fputs(w->snap.listing ? w->snap.listing : "(listing failed)\n", f);
  }
  char *sum = merge_stats(a);
  fprintf(f, "\nStatistics, all workers:\n%s", sum ? sum : "(differ)\n");
  free(sum);
  for (unsigned i = 0; i < a->nworkers; i++)
    fprintf(f, "\nStatistics, worker %u:\n%s", i,
            a->w[i].snap.stats ? a->w[i].snap.stats : "(failed)\n");
  fprintf(f,
          "\nHost: dispatcher (lcore %u): received inside %llu, outside "
          "%llu; ARP replies %llu, non-IPv4 %llu, no public port %llu, ring "
          "full %llu\n",
          rte_get_main_lcore(), (unsigned long long)a->d_rx[0],
          (unsigned long long)a->d_rx[1], (unsigned long long)a->d_arp,
          (unsigned long long)a->d_non_ip, (unsigned long long)a->d_no_port,
          (unsigned long long)a->d_ring_full);
  for (int s = 0; s < 2; s++) {
    struct rte_eth_stats es;
    if (rte_eth_stats_get(a->link[s].port, &es) == 0)
      fprintf(f,
              "Host: port %u (%s): received %llu, missed %llu, errors "
              "%llu, no mbuf %llu; sent %llu, errors %llu\n",
              a->link[s].port, s == PINHOLE_SIDE_INSIDE ? "inside" : "outside",
              (unsigned long long)es.ipackets, (unsigned long long)es.imissed,
              (unsigned long long)es.ierrors, (unsigned long long)es.rx_nombuf,
              (unsigned long long)es.opackets, (unsigned long long)es.oerrors);
  }
  for (unsigned i = 0; i < a->nworkers; i++) {
    const struct worker *w = &a->w[i];
    fprintf(
        f,
        "Host: worker %u (lcore %u): received %llu in %llu bursts, "
        "forwarded %llu, hairpinned %llu, dropped %llu, emitted %llu, TX "
        "errors %llu, ticks %llu, connections %u, conversations %u, "
        "mappings %u\n",
        i, w->lcore, (unsigned long long)w->st.rx,
        (unsigned long long)w->st.bursts, (unsigned long long)w->st.forwarded,
        (unsigned long long)w->st.hairpinned, (unsigned long long)w->st.dropped,
        (unsigned long long)w->st.emitted, (unsigned long long)w->st.tx_errors,
        (unsigned long long)w->st.ticks, w->snap.usage.flows,
        w->snap.usage.conversations, w->snap.usage.mappings);
  }
}

static void dump(struct app *a, const char *listing_file) {
  if (collect(a) < 0) {
    fprintf(stderr, "pinhole-dpdk: a worker did not answer the dump\n");
    return;
  }
  print_dump(stdout, a);
  fflush(stdout);
  if (listing_file) { /* written to F.tmp, then renamed: never half */
    char tmp[4096];
    FILE *f;
    snprintf(tmp, sizeof(tmp), "%s.tmp", listing_file);
    if ((f = fopen(tmp, "w"))) {
      print_dump(f, a);
      if (fclose(f) == 0)
        rename(tmp, listing_file);
    }
  }
  for (unsigned i = 0; i < a->nworkers; i++) {
    free(a->w[i].snap.listing);
    free(a->w[i].snap.stats);
    a->w[i].snap.listing = a->w[i].snap.stats = NULL;
  }
}

/* ---- control: pinhole-gw's commands, run by every worker ---- */

/* Creates the FIFO if needed and opens it for reading, with a writer of
 * its own so that a client closing it never leaves end of file. */
static int control_open(const char *path) {
  if (mkfifo(path, 0600) < 0 && errno != EEXIST)
    return -1;
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  return fd < 0 || open(path, O_WRONLY | O_NONBLOCK) < 0 ? -1 : fd;
}

/* One line to every worker; their answers (at most 3 s) to stdout. */
static void control_run(struct app *a, const char *line) {
  snprintf(a->cmd, sizeof(a->cmd), "%s", line);
  unsigned gen = atomic_fetch_add(&a->cmd_gen, 1) + 1;
  for (unsigned i = 0; i < a->nworkers; i++) {
    struct worker *w = &a->w[i];
    for (int t = 0; t < 3000 && atomic_load_explicit(
                                    &w->cmd_seen, memory_order_acquire) != gen;
         t++)
      rte_delay_us_sleep(1000);
    if (atomic_load_explicit(&w->cmd_seen, memory_order_acquire) != gen) {
      printf("Worker %u: no answer\n", i);
      continue;
    }
    printf("Worker %u:\n%s", i, w->cmd_out ? w->cmd_out : "");
    free(w->cmd_out);
    w->cmd_out = NULL;
  }
  fflush(stdout);
}

/* Runs every complete line the FIFO holds. */
static void control_read(struct app *a, int fd, char *buf, size_t *len,
                         size_t cap) {
  ssize_t n = read(fd, buf + *len, cap - 1 - *len);
  if (n <= 0)
    return;
  *len += (size_t)n;
  char *nl;
  while ((nl = memchr(buf, '\n', *len)) != NULL) {
    *nl = '\0';
    size_t used = (size_t)(nl - buf) + 1;
    control_run(a, buf);
    memmove(buf, buf + used, *len - used);
    *len -= used;
  }
  if (*len == cap - 1)
    *len = 0; /* a line too long: dropped */
}

/* ---- command line: pool and rules, as pinhole-gw writes them ---- */

static int parse_range(const char *s, uint16_t *lo, uint16_t *hi) {
  char *end;
  long x = strtol(s, &end, 10), y = x;
  if (*end == '-')
    y = strtol(end + 1, &end, 10);
  if (*end != '\0' || x < 1 || y < x || y > 65535)
    return -1;
  *lo = (uint16_t)x;
  *hi = (uint16_t)y;
  return 0;
}

static int parse_prefix(char *s, uint32_t *addr, uint8_t *plen) {
  char *slash = strchr(s, '/');
  long v = 32;
  if (slash) {
    *slash = '\0';
    v = strtol(slash + 1, NULL, 10);
  }
  *plen = (uint8_t)v;
  return v < 0 || v > 32 || pinhole_addr_parse(s, addr) ? -1 : 0;
}

/* SPEC: comma-separated key=value: name, side (inside|outside|any), proto
 * (tcp|udp|icmp|any), src, dst (ADDR[/PLEN]), dport (LO[-HI]), action
 * (accept|discard|reject), nat (source|none), alg (NAME|none). */
static int parse_rule(char *spec, pinhole_rule *r) {
  char *save = NULL;
  memset(r, 0, sizeof(*r));
  r->size = sizeof(*r);
  r->side = PINHOLE_SIDE_ANY;
  snprintf(r->name, sizeof(r->name), "cli");
  for (char *t = strtok_r(spec, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    char *v = strchr(t, '=');
    int ok = 1;
    if (!v)
      return -1;
    *v++ = '\0';
    if (!strcmp(t, "name"))
      snprintf(r->name, sizeof(r->name), "%s", v);
    else if (!strcmp(t, "side"))
      r->side = !strcmp(v, "inside")    ? PINHOLE_SIDE_INSIDE
                : !strcmp(v, "outside") ? PINHOLE_SIDE_OUTSIDE
                                        : PINHOLE_SIDE_ANY;
    else if (!strcmp(t, "proto"))
      r->proto = !strcmp(v, "tcp")    ? PINHOLE_IPPROTO_TCP
                 : !strcmp(v, "udp")  ? PINHOLE_IPPROTO_UDP
                 : !strcmp(v, "icmp") ? PINHOLE_IPPROTO_ICMP
                                      : 0;
    else if (!strcmp(t, "src"))
      ok = !parse_prefix(v, &r->src_addr, &r->src_plen);
    else if (!strcmp(t, "dst"))
      ok = !parse_prefix(v, &r->dst_addr, &r->dst_plen);
    else if (!strcmp(t, "dport"))
      ok = !parse_range(v, &r->dport_lo, &r->dport_hi);
    else if (!strcmp(t, "action"))
      r->action = !strcmp(v, "discard")  ? PINHOLE_ACTION_DISCARD
                  : !strcmp(v, "reject") ? PINHOLE_ACTION_REJECT
                                         : PINHOLE_ACTION_ACCEPT;
    else if (!strcmp(t, "nat"))
      r->nat = !strcmp(v, "source") ? PINHOLE_NAT_SOURCE : PINHOLE_NAT_NONE;
    else if (!strcmp(t, "alg"))
      snprintf(r->alg, sizeof(r->alg), "%s", v);
    else
      ok = 0;
    if (!ok)
      return -1;
  }
  return 0;
}

struct opts {
  uint32_t pool_addr;
  char *rules[MAX_RULES];
  int nrules;
  uint16_t port[2];
  const char *listing_file;
  const char *control;
};

static void usage(FILE *f, int status) {
  fprintf(f, "usage: pinhole-dpdk EAL-ARGS -- --pool ADDR[:LO-HI] [--rule "
             "SPEC]...\n"
             "         [--inside-port N] [--outside-port N] [--burst N] "
             "[--idle-us N]\n"
             "         [--listing-file FILE] [--control FIFO] [--trace]\n"
             "       pinhole-dpdk --version\n"
             "Every EAL lcore but the main one is a worker with its own "
             "context and\nport slice; see docs/dpdk.md.\n");
  exit(status);
}

static void parse_opts(struct app *a, struct opts *o, int argc, char **argv) {
  static const struct option lo[] = {
      {"pool", required_argument, NULL, 'p'},
      {"rule", required_argument, NULL, 'r'},
      {"inside-port", required_argument, NULL, 'i'},
      {"outside-port", required_argument, NULL, 'o'},
      {"burst", required_argument, NULL, 'b'},
      {"idle-us", required_argument, NULL, 'u'},
      {"listing-file", required_argument, NULL, 'l'},
      {"control", required_argument, NULL, 'c'},
      {"trace", no_argument, NULL, 't'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  char *pool = NULL;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    long v = optarg ? strtol(optarg, NULL, 10) : 0;
    if (c == 'p')
      pool = optarg;
    else if (c == 'r' && o->nrules < MAX_RULES)
      o->rules[o->nrules++] = optarg;
    else if ((c == 'i' || c == 'o') && v >= 0 && v < RTE_MAX_ETHPORTS)
      o->port[c == 'o'] = (uint16_t)v;
    else if (c == 'b' && v >= 1 && v <= BURST_MAX)
      a->burst = (unsigned)v;
    else if (c == 'u' && v >= 0 && v <= 100000)
      a->idle_us = (unsigned)v;
    else if (c == 'l')
      o->listing_file = optarg;
    else if (c == 'c')
      o->control = optarg;
    else if (c == 't')
      a->trace = 1;
    else if (c == 'h')
      usage(stdout, 0);
    else
      usage(stderr, 2);
  }
  if (pool == NULL || optind != argc)
    usage(stderr, 2);
  char *colon = strchr(pool, ':');
  if (colon) {
    *colon = '\0';
    if (parse_range(colon + 1, &a->port_lo, &a->port_hi))
      usage(stderr, 2);
  }
  if (pinhole_addr_parse(pool, &o->pool_addr))
    usage(stderr, 2);
}

/* ---- set-up ---- */

static int port_setup(struct app *a, struct link *l) {
  struct rte_eth_dev_info di;
  struct rte_eth_conf conf;
  uint16_t ntxq = (uint16_t)(a->nworkers + 1), nrxd = NB_DESC, ntxd = NB_DESC;
  memset(&conf, 0, sizeof(conf));
  if (!rte_eth_dev_is_valid_port(l->port) ||
      rte_eth_dev_info_get(l->port, &di) != 0) {
    fprintf(stderr, "pinhole-dpdk: no port %u\n", l->port);
    return -1;
  }
  if (di.max_tx_queues < ntxq) {
    fprintf(stderr,
            "pinhole-dpdk: port %u (%s) has %u TX queues, needs %u (workers "
            "+ 1); for net_af_packet add qpairs=%u to its --vdev\n",
            l->port, di.driver_name, di.max_tx_queues, ntxq, ntxq);
    return -1;
  }
  /* net_af_packet spreads its input over all its qpairs sockets (kernel
   * fanout): poll them all. Elsewhere one RX queue, no RSS needed. */
  l->nrxq = strcmp(di.driver_name, "net_af_packet") ? 1 : di.max_rx_queues;
  int s = (int)rte_eth_dev_socket_id(l->port);
  unsigned sock = s < 0 ? 0 : (unsigned)s;
  if (rte_eth_dev_configure(l->port, l->nrxq, ntxq, &conf) != 0 ||
      rte_eth_dev_adjust_nb_rx_tx_desc(l->port, &nrxd, &ntxd) != 0)
    return -1;
  for (uint16_t q = 0; q < l->nrxq; q++)
    if (rte_eth_rx_queue_setup(l->port, q, nrxd, sock, NULL, a->mp) != 0)
      return -1;
  for (uint16_t q = 0; q < ntxq; q++)
    if (rte_eth_tx_queue_setup(l->port, q, ntxd, sock, NULL) != 0)
      return -1;
  rte_eth_promiscuous_enable(l->port); /* not every PMD has it: no check */
  if (rte_eth_dev_start(l->port) != 0 ||
      rte_eth_macaddr_get(l->port, &l->mac) != 0)
    return -1;
  fprintf(stderr, "pinhole-dpdk: port %u: %s, %u RX queues, %u TX queues\n",
          l->port, di.driver_name, l->nrxq, ntxq);
  return 0;
}

/* Worker i's context: its slice of the ports, the pool, the rules. */
static int worker_setup(struct app *a, struct worker *w, const struct opts *o) {
  char name[32];
  pinhole_config cfg;
  pinhole_callbacks cb;
  pinhole_config_default(&cfg, sizeof(cfg));
  if (getrandom(&cfg.hash_key, sizeof(cfg.hash_key), 0) !=
          (ssize_t)sizeof(cfg.hash_key) ||
      getrandom(&cfg.seed, sizeof(cfg.seed), 0) != (ssize_t)sizeof(cfg.seed))
    return -1;
  w->port_lo = (uint16_t)(a->port_lo + w->idx * a->slice);
  w->port_hi = w->idx + 1 == a->nworkers
                   ? a->port_hi
                   : (uint16_t)(w->port_lo + a->slice - 1);
  cfg.port_lo = w->port_lo;
  cfg.port_hi = w->port_hi;
  worker_callbacks(&cb);
  int err = pinhole_ctx_new(&w->ctx, &cfg, &cb, w);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = o->pool_addr; /* ports 0,0: the slice */
  int pool_id = err < 0 ? err : pinhole_pool_add(w->ctx, &pool);
  if ((err = pool_id) < 0)
    goto fail;
  for (int i = 0; i < o->nrules || i == 0; i++) {
    char spec[512] = "name=inside-out,side=inside,nat=source";
    pinhole_rule r;
    if (i < o->nrules)
      snprintf(spec, sizeof(spec), "%s", o->rules[i]);
    if (parse_rule(spec, &r)) {
      fprintf(stderr, "pinhole-dpdk: bad rule '%s'\n", spec);
      return -1;
    }
    if (r.nat == PINHOLE_NAT_SOURCE)
      r.pool = pool_id;
    if ((err = pinhole_rule_add(w->ctx, &r)) < 0)
      goto fail;
  }
  snprintf(name, sizeof(name), "ph_ring%u", w->idx);
  w->ring = rte_ring_create(name, RING_SIZE, rte_socket_id(),
                            RING_F_SP_ENQ | RING_F_SC_DEQ);
  return w->ring ? 0 : -1;
fail:
  fprintf(stderr, "pinhole-dpdk: worker %u: %s\n", w->idx,
          pinhole_strerror(err));
  return -1;
}

static int setup(struct app *a, const struct opts *o) {
  unsigned lcore, i = 0;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    if (i == MAX_WORKERS)
      break;
    a->w[i].lcore = lcore;
    a->w[i].idx = i;
    a->w[i].app = a;
    i++;
  }
  a->nworkers = i;
  if (a->nworkers == 0) {
    fprintf(stderr, "pinhole-dpdk: no worker lcore (give -l or --lcores "
                    "with at least 2 lcores)\n");
    return -1;
  }
  a->slice = ((uint32_t)a->port_hi - a->port_lo + 1) / a->nworkers;
  if (a->slice == 0)
    return -1;
  a->mp = rte_pktmbuf_pool_create("ph_mbufs", NB_MBUF, 256, 0,
                                  RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
  if (a->mp == NULL) {
    fprintf(stderr, "pinhole-dpdk: mbuf pool: %s\n", rte_strerror(rte_errno));
    return -1;
  }
  for (int s = 0; s < 2; s++) {
    a->link[s].port = o->port[s];
    if (port_setup(a, &a->link[s]) < 0) {
      fprintf(stderr, "pinhole-dpdk: port %u set-up failed\n", o->port[s]);
      return -1;
    }
  }
  for (i = 0; i < a->nworkers; i++)
    if (worker_setup(a, &a->w[i], o) < 0)
      return -1;
  return 0;
}

int main(int argc, char **argv) {
  static struct app a;
  struct opts o;
  if (argc == 2 && !strcmp(argv[1], "--version")) {
    printf("pinhole-dpdk %s (libpinhole %s, %s)\n", PINHOLE_VERSION_STRING,
           pinhole_version(), rte_version());
    return 0;
  }
  int n = rte_eal_init(argc, argv);
  if (n < 0) {
    fprintf(stderr, "pinhole-dpdk: EAL: %s\n", rte_strerror(rte_errno));
    return 3; /* the e2e test tells "DPDK cannot run here" by this */
  }
  memset(&o, 0, sizeof(o));
  o.port[PINHOLE_SIDE_OUTSIDE] = 1;
  a.burst = 64;
  a.idle_us = 20;
  a.port_lo = 1024;
  a.port_hi = 65535;
  parse_opts(&a, &o, argc - n, argv + n);
  if (setup(&a, &o) < 0)
    return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  for (unsigned i = 0; i < a.nworkers; i++)
    rte_eal_remote_launch(worker_main, &a.w[i], a.w[i].lcore);
  fprintf(stderr, "pinhole-dpdk[%d]: running, %u workers, ports %u-%u\n",
          (int)getpid(), a.nworkers, a.port_lo, a.port_hi);
  int ctl = o.control ? control_open(o.control) : -1;
  if (o.control && ctl < 0)
    fprintf(stderr, "pinhole-dpdk: control: %s: %s\n", o.control,
            strerror(errno));
  char ctl_buf[1024];
  size_t ctl_len = 0;
  unsigned idle = 0, loops = 0;
  while (!got_stop) {
    idle = dispatch(&a) ? 0 : idle + 1;
    if (ctl >= 0 && (++loops & 1023) == 0) /* a read() now and then */
      control_read(&a, ctl, ctl_buf, &ctl_len, sizeof(ctl_buf));
    if (got_dump) {
      got_dump = 0;
      dump(&a, o.listing_file);
    }
    if (idle > 16 && a.idle_us)
      rte_delay_us_sleep(a.idle_us);
  }
  dump(&a, o.listing_file);
  atomic_store(&a.stop, 1);
  rte_eal_mp_wait_lcore();
  for (unsigned i = 0; i < a.nworkers; i++) {
    pinhole_ctx_del(a.w[i].ctx);
    rte_ring_free(a.w[i].ring);
  }
  for (int s = 0; s < 2; s++) {
    rte_eth_dev_stop(a.link[s].port);
    rte_eth_dev_close(a.link[s].port);
  }
  rte_eal_cleanup();
  return 0;
}

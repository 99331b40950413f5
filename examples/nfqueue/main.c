/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-nfq: pinhole as a Linux userspace NAT behind netfilter's NFQUEUE.
 *
 *   pinhole-nfq --queue N --inside-dev IF --pool ADDR [--trace]
 *
 * Hook: every IPv4 packet both sides send through the gateway is queued
 * from the *prerouting* hook, before the kernel routes it (nft: `type
 * filter hook prerouting priority -300; iifname { IN, OUT } queue num N`).
 * Prerouting, because a reply from the outside is addressed to the pool
 * address: only a rewrite before the routing decision sends it on to the
 * inside host (the kernel's own DNAT sits there too); rewriting the
 * source of inside packets there is harmless, routing looks at the
 * destination. The side is the interface the packet came in on: --inside-dev
 * is the inside, any other is the outside. The pool address must not be an
 * address of the gateway (the kernel would then deliver replies locally
 * and drop rewritten inside packets as martians): route it to the gateway
 * from the outside instead, and turn rp_filter off on the gateway.
 *
 * Checksum offloads: without NFQA_CFG_F_GSO the kernel completes partial
 * checksums and segments GSO packets before queueing, so the library sees
 * complete packets; the verdict hands the rewritten bytes back
 * (nfq_set_verdict with the new payload), which the kernel sends as they
 * are.
 *
 * Verdicts: FORWARD and HAIRPIN -> NF_ACCEPT with the rewritten packet (a
 * hairpinned packet's new destination is an inside host: the kernel's
 * routing sends it back inside); DROP and REJECT -> NF_DROP. HELD (a piece
 * of a split message the library keeps, docs/reassembly.md) -> NF_DROP
 * too, counted as held, not dropped: the library sends its bytes later,
 * merged into the packet that completes the message or as extra packets
 * through the emit callback. The RST or ICMP unreachable of a REJECT and
 * such extra packets come through the emit callback and are sent with a
 * raw socket (IP_HDRINCL): they leave through the OUTPUT path and the
 * routing table, not through the queue.
 *
 * SIGUSR1 prints the listing and counters; SIGTERM/SIGINT print them and
 * exit 0. Needs root (CAP_NET_ADMIN, CAP_NET_RAW).
 */
#include <pinhole/pinhole.h>

#include "../common/simple_nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PKT_CAP 65535u

struct host {
  pinhole_ctx *ctx;
  struct nfq_q_handle *qh;
  unsigned inside_ifindex;
  int raw; /* raw socket for emitted packets */
  int trace;
  uint8_t buf[PKT_CAP]; /* one packet at a time, with room to grow */
  unsigned long accepted, dropped, held, emitted, emit_errors, non_ipv4;
};

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  (void)user;
  example_print_event("pinhole-nfq", ev);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  struct host *h = user;
  (void)ctx;
  if (h->trace)
    example_print_trace("pinhole-nfq", tr);
}

/* A packet the library built (RST / ICMP unreachable, held bytes sent
 * on): to its destination through the routing table. */
static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  struct host *h = user;
  struct sockaddr_in to;
  (void)ctx;
  (void)side;
  if (len < 20) {
    h->emit_errors++;
    return;
  }
  memset(&to, 0, sizeof(to));
  to.sin_family = AF_INET;
  memcpy(&to.sin_addr, pkt + 16, 4);
  if (sendto(h->raw, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
    h->emit_errors++;
  else
    h->emitted++;
}

static void dump(const struct host *h) {
  static char text[1 << 20];
  if (pinhole_conversations_format(h->ctx, text, sizeof(text)) >= 0)
    fputs(text, stdout);
  if (pinhole_stats_format(h->ctx, text, sizeof(text)) >= 0)
    fputs(text, stdout);
  printf("Host: accepted %lu, dropped %lu, held %lu, emitted %lu, "
         "emit errors %lu, non-IPv4 %lu\n",
         h->accepted, h->dropped, h->held, h->emitted, h->emit_errors,
         h->non_ipv4);
  fflush(stdout);
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg,
                     struct nfq_data *nfa, void *data) {
  struct host *h = data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  unsigned char *payload;
  (void)msg;
  if (!ph)
    return 0;
  uint32_t id = ntohl(ph->packet_id);
  int n = nfq_get_payload(nfa, &payload);
  if (n < 20 || (payload[0] >> 4) != 4 || (size_t)n > sizeof(h->buf)) {
    h->non_ipv4++;
    return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
  }
  int side = nfq_get_indev(nfa) == h->inside_ifindex ? PINHOLE_SIDE_INSIDE
                                                     : PINHOLE_SIDE_OUTSIDE;
  memcpy(h->buf, payload, (size_t)n);
  pinhole_pkt p = {h->buf, (uint32_t)n, (uint32_t)sizeof(h->buf)};
  int v = pinhole_process(h->ctx, &p, side, example_now_ns());
  if (v == PINHOLE_VERDICT_FORWARD || v == PINHOLE_VERDICT_HAIRPIN) {
    h->accepted++;
    return nfq_set_verdict(qh, id, NF_ACCEPT, p.len, h->buf);
  }
  if (v == PINHOLE_VERDICT_HELD) /* kept by the library, not lost */
    h->held++;
  else
    h->dropped++;
  return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
}

static void usage(FILE *f, int status) {
  fprintf(f, "usage: pinhole-nfq --queue N --inside-dev IF --pool ADDR "
             "[--trace]\n"
             "       pinhole-nfq --version\n"
             "Queue both sides' packets from the prerouting hook (see the "
             "header of\nexamples/nfqueue/main.c and docs/embedding.md).\n");
  exit(status);
}

static int setup(struct host *h, const char *pool_arg) {
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = on_event;
  cb.trace = on_trace;
  cb.emit = on_emit;
  int r = example_simple_nat(&h->ctx, "pinhole-nfq", pool_arg, &cb, h);
  if (r == -2)
    usage(stderr, 2);
  return r;
}

int main(int argc, char **argv) {
  static struct host h;
  const char *inside = NULL, *pool = NULL;
  long queue = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--version")) {
      printf("pinhole-nfq %s (libpinhole %s)\n", PINHOLE_VERSION_STRING,
             pinhole_version());
      return 0;
    } else if (!strcmp(argv[i], "--help"))
      usage(stdout, 0);
    else if (!strcmp(argv[i], "--trace"))
      h.trace = 1;
    else if (i + 1 < argc && !strcmp(argv[i], "--queue"))
      queue = strtol(argv[++i], NULL, 10);
    else if (i + 1 < argc && !strcmp(argv[i], "--inside-dev"))
      inside = argv[++i];
    else if (i + 1 < argc && !strcmp(argv[i], "--pool"))
      pool = argv[++i];
    else
      usage(stderr, 2);
  }
  if (queue < 0 || queue > 65535 || !inside || !pool)
    usage(stderr, 2);
  if (!(h.inside_ifindex = if_nametoindex(inside))) {
    fprintf(stderr, "pinhole-nfq: %s: %s\n", inside, strerror(errno));
    return 1;
  }
  if (setup(&h, pool) < 0)
    return 1;
  int one = 1;
  h.raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (h.raw < 0 ||
      setsockopt(h.raw, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0) {
    perror("pinhole-nfq: raw socket");
    return 1;
  }
  struct nfq_handle *nh = nfq_open();
  if (!nh || nfq_bind_pf(nh, AF_INET) < 0 ||
      !(h.qh = nfq_create_queue(nh, (uint16_t)queue, on_packet, &h)) ||
      nfq_set_mode(h.qh, NFQNL_COPY_PACKET, 0xffff) < 0) {
    perror("pinhole-nfq: nfqueue");
    return 1;
  }
  example_signals();
  /* Room for bursts: the kernel's queue and the socket's buffer. */
  nfq_set_queue_maxlen(h.qh, 4096);
  nfnl_rcvbufsiz(nfq_nfnlh(nh), 8u << 20);
  fprintf(stderr, "pinhole-nfq[%d]: queue %ld, inside %s, pool %s\n",
          (int)getpid(), queue, inside, pool);
  int fd = nfq_fd(nh);
  static char rx[PKT_CAP + 4096] __attribute__((aligned));
  uint64_t next_tick = example_now_ns();
  while (!example_got_stop) {
    struct pollfd pfd = {fd, POLLIN, 0};
    int rc = poll(&pfd, 1, 100);
    /* Drain everything queued, then tick. */
    while (rc > 0 && !example_got_stop) {
      ssize_t n = recv(fd, rx, sizeof(rx), MSG_DONTWAIT);
      if (n > 0)
        nfq_handle_packet(nh, rx, (int)n);
      else if (n < 0 && errno == ENOBUFS)
        fprintf(stderr, "pinhole-nfq: queue overrun, packets lost\n");
      else
        break;
    }
    uint64_t t = example_now_ns();
    if (t >= next_tick) {
      while (pinhole_tick(h.ctx, t) == PINHOLE_TICK_BUDGET)
        ;
      next_tick = t + 100000000u;
    }
    if (example_got_dump) {
      example_got_dump = 0;
      dump(&h);
    }
  }
  dump(&h);
  nfq_destroy_queue(h.qh);
  nfq_close(nh);
  close(h.raw);
  pinhole_ctx_del(h.ctx);
  return 0;
}

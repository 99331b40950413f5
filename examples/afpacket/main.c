/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-afpacket: pinhole as a Linux userspace NAT between two
 * interfaces, reading and writing Ethernet frames with AF_PACKET sockets
 * in batches (recvmmsg/sendmmsg, up to --burst frames per system call;
 * not the PACKET_MMAP/TPACKET_V3 ring) and handing each batch to
 * pinhole_process_burst().
 *
 *   pinhole-afpacket --inside IF --outside IF --pool ADDR [--burst N]
 *                    [--trace]
 *
 * The kernel does not route between the two interfaces (no addresses on
 * them, ip_forward off): this program is the only path. Each interface
 * is treated as a point-to-point Ethernet link with one neighbour (a host
 * or the next router): the neighbour's MAC is learned from the source
 * address of the frames it sends; until then frames go to the broadcast
 * address. The program answers every ARP request on either link with the
 * interface's own MAC (proxy ARP: the inside host's gateway address and
 * the pool address on the outside both resolve to it).
 *
 * Verdicts: FORWARD -> out the other interface; HAIRPIN -> back out the
 * interface it came in on; DROP and REJECT -> nothing; HELD (a piece of
 * a split message the library keeps while it waits for the rest,
 * docs/reassembly.md) -> nothing now, counted as held, not dropped.
 * Packets from emit (the RST / ICMP unreachable of a REJECT, the bytes of
 * a reassembled message that did not fit the packet that completed it)
 * go out the interface of the side the library names; those emitted
 * during a batch are copied and sent after the batch's forwarded packets,
 * so a message's extra segments follow the packet they continue.
 *
 * Checksum offloads must be off on the links (ethtool -K IF rx off tx off
 * gso off gro off tso off, on both ends of a veth): AF_PACKET hands over
 * frames as they are, partial checksums and GRO super-frames included.
 *
 * SIGUSR1 prints the listing and counters; SIGTERM/SIGINT print them and
 * exit 0. Needs root (CAP_NET_RAW).
 */
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#include <pinhole/pinhole.h>

#include "../common/simple_nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_CAP 16384u /* per slot: a 1500-byte packet may grow */
#define BURST_MAX 256u
#define ETH_HDR 14u
#define EMIT_MAX 32u /* packets emitted during one batch, sent after it */

struct link {
  const char *name;
  int fd;
  int ifindex;
  uint8_t mac[6];
  uint8_t peer[6]; /* learned; broadcast until then */
  uint8_t frames[BURST_MAX][FRAME_CAP];
  struct mmsghdr rx[BURST_MAX];
  struct iovec rx_iov[BURST_MAX];
};

/* Frames queued for one sendmmsg() on a link. */
struct txq {
  struct mmsghdr msg[BURST_MAX];
  struct iovec iov[BURST_MAX];
  unsigned n;
};

struct host {
  pinhole_ctx *ctx;
  struct link link[2]; /* indexed by side */
  size_t burst;
  int trace;
  /* One batch: the packets, their verdicts and frames, what goes out. */
  pinhole_pkt pkts[BURST_MAX];
  uint8_t verdicts[BURST_MAX];
  uint8_t *frame_of[BURST_MAX];
  struct txq fwd, back;
  int in_batch;                          /* inside pinhole_process_burst */
  uint8_t emit_buf[EMIT_MAX][FRAME_CAP]; /* emitted during the batch */
  size_t emit_len[EMIT_MAX];
  int emit_side[EMIT_MAX];
  size_t emit_n;
  unsigned long rx, forwarded, hairpinned, dropped, held, emitted, arp_replies,
      send_errors, non_ipv4, socket_drops;
};

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  (void)user;
  example_print_event("pinhole-afpacket", ev);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  struct host *h = user;
  (void)ctx;
  if (h->trace)
    example_print_trace("pinhole-afpacket", tr);
}

/* Sends an IPv4 packet out of l, framed for its neighbour. */
static void send_ip(struct host *h, struct link *l, const uint8_t *ip,
                    size_t len) {
  uint8_t frame[FRAME_CAP];
  if (len > sizeof(frame) - ETH_HDR) {
    h->send_errors++;
    return;
  }
  memcpy(frame, l->peer, 6);
  memcpy(frame + 6, l->mac, 6);
  frame[12] = ETH_P_IP >> 8;
  frame[13] = ETH_P_IP & 0xff;
  memcpy(frame + ETH_HDR, ip, len);
  if (send(l->fd, frame, ETH_HDR + len, 0) < 0)
    h->send_errors++;
}

static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  struct host *h = user;
  (void)ctx;
  if (side != PINHOLE_SIDE_INSIDE && side != PINHOLE_SIDE_OUTSIDE) {
    h->send_errors++;
    return;
  }
  if (h->in_batch && h->emit_n < EMIT_MAX && len <= FRAME_CAP) {
    memcpy(h->emit_buf[h->emit_n], pkt, len);
    h->emit_len[h->emit_n] = len;
    h->emit_side[h->emit_n++] = side;
    return; /* sent after the batch's forwarded packets */
  }
  send_ip(h, &h->link[side], pkt, len);
  h->emitted++;
}

/* What the library emitted during the batch, in order. */
static void emit_flush(struct host *h) {
  for (size_t i = 0; i < h->emit_n; i++) {
    send_ip(h, &h->link[h->emit_side[i]], h->emit_buf[i], h->emit_len[i]);
    h->emitted++;
  }
  h->emit_n = 0;
}

/* Frames the kernel dropped because a socket's buffer was full. */
static void count_drops(struct host *h) {
  for (int s = 0; s < 2; s++) {
    struct tpacket_stats st;
    socklen_t len = sizeof(st);
    if (getsockopt(h->link[s].fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) ==
        0)
      h->socket_drops += st.tp_drops; /* the kernel resets them */
  }
}

static void dump(struct host *h) {
  static char text[1 << 20];
  count_drops(h);
  if (pinhole_conversations_format(h->ctx, text, sizeof(text)) >= 0)
    fputs(text, stdout);
  if (pinhole_stats_format(h->ctx, text, sizeof(text)) >= 0)
    fputs(text, stdout);
  printf("Host: received %lu, forwarded %lu, hairpinned %lu, dropped %lu, "
         "held %lu, emitted %lu, ARP replies %lu, send errors %lu, "
         "non-IPv4 %lu, socket drops %lu\n",
         h->rx, h->forwarded, h->hairpinned, h->dropped, h->held, h->emitted,
         h->arp_replies, h->send_errors, h->non_ipv4, h->socket_drops);
  fflush(stdout);
}

/* An ARP request (Ethernet/IPv4) for any address but the asker's own:
 * answered with l's MAC. f is the whole frame, rewritten in place. */
static void on_arp(struct host *h, struct link *l, uint8_t *f, size_t n) {
  static const uint8_t req_hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
  uint8_t sha[6], spa[4], tpa[4];
  if (n < ETH_HDR + 28 || memcmp(f + ETH_HDR, req_hdr, 8))
    return;
  uint8_t *a = f + ETH_HDR;
  memcpy(sha, a + 8, 6);
  memcpy(spa, a + 14, 4);
  memcpy(tpa, a + 24, 4);
  if (!memcmp(spa, tpa, 4)) /* gratuitous */
    return;
  memcpy(f, sha, 6);
  memcpy(f + 6, l->mac, 6);
  a[7] = 2; /* reply */
  memcpy(a + 8, l->mac, 6);
  memcpy(a + 14, tpa, 4);
  memcpy(a + 18, sha, 6);
  memcpy(a + 24, spa, 4);
  if (send(l->fd, f, ETH_HDR + 28, 0) < 0)
    h->send_errors++;
  else
    h->arp_replies++;
}

/* Queues frame f (an IPv4 packet from ETH_HDR on) for sendmmsg on out. */
static void txq_add(struct txq *q, const struct link *out, uint8_t *f,
                    size_t ip_len) {
  memcpy(f, out->peer, 6);
  memcpy(f + 6, out->mac, 6);
  q->iov[q->n].iov_base = f;
  q->iov[q->n].iov_len = ETH_HDR + ip_len;
  memset(&q->msg[q->n], 0, sizeof(q->msg[q->n]));
  q->msg[q->n].msg_hdr.msg_iov = &q->iov[q->n];
  q->msg[q->n].msg_hdr.msg_iovlen = 1;
  q->n++;
}

static void txq_flush(struct host *h, struct txq *q, const struct link *out) {
  unsigned done = 0;
  while (done < q->n) {
    int r = sendmmsg(out->fd, q->msg + done, q->n - done, 0);
    if (r <= 0) { /* skip the frame that failed */
      h->send_errors++;
      done++;
    } else
      done += (unsigned)r;
  }
  q->n = 0;
}

/* One batch from the link of side: ARP answered, IPv4 through the
 * library, verdicts sent. Returns the number of frames read. */
static int rx_batch(struct host *h, int side) {
  pinhole_pkt *pkts = h->pkts;
  uint8_t *verdicts = h->verdicts;
  uint8_t **frame_of = h->frame_of;
  struct link *l = &h->link[side], *other = &h->link[!side];
  for (size_t i = 0; i < h->burst; i++) {
    l->rx_iov[i].iov_base = l->frames[i];
    l->rx_iov[i].iov_len = FRAME_CAP;
    memset(&l->rx[i].msg_hdr, 0, sizeof(l->rx[i].msg_hdr));
    l->rx[i].msg_hdr.msg_iov = &l->rx_iov[i];
    l->rx[i].msg_hdr.msg_iovlen = 1;
  }
  int got = recvmmsg(l->fd, l->rx, (unsigned)h->burst, MSG_DONTWAIT, NULL);
  if (got <= 0)
    return 0;
  size_t n = 0;
  for (int i = 0; i < got; i++) {
    uint8_t *f = l->frames[i];
    size_t len = l->rx[i].msg_len;
    h->rx++;
    if (len < ETH_HDR || (l->rx[i].msg_hdr.msg_flags & MSG_TRUNC)) {
      h->non_ipv4++;
      continue;
    }
    if (!(f[6] & 1)) /* a unicast source: the neighbour */
      memcpy(l->peer, f + 6, 6);
    uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
    if (type == ETH_P_ARP) {
      on_arp(h, l, f, len);
      continue;
    }
    if (type != ETH_P_IP || len < ETH_HDR + 20 || (f[ETH_HDR] >> 4) != 4) {
      h->non_ipv4++;
      continue;
    }
    /* Ethernet padding is not part of the packet. */
    size_t tot = (size_t)f[ETH_HDR + 2] << 8 | f[ETH_HDR + 3];
    size_t ip_len = len - ETH_HDR;
    if (tot >= 20 && tot < ip_len)
      ip_len = tot;
    pkts[n] = (pinhole_pkt){f + ETH_HDR, (uint32_t)ip_len,
                            (uint32_t)(FRAME_CAP - ETH_HDR)};
    frame_of[n++] = f;
  }
  if (n == 0)
    return got;
  h->in_batch = 1;
  int rc =
      pinhole_process_burst(h->ctx, pkts, n, side, example_now_ns(), verdicts);
  h->in_batch = 0;
  if (rc < 0) {
    h->dropped += n;
    emit_flush(h);
    return got;
  }
  for (size_t i = 0; i < n; i++) {
    if (verdicts[i] == PINHOLE_VERDICT_FORWARD) {
      txq_add(&h->fwd, other, frame_of[i], pkts[i].len);
      h->forwarded++;
    } else if (verdicts[i] == PINHOLE_VERDICT_HAIRPIN) {
      txq_add(&h->back, l, frame_of[i], pkts[i].len);
      h->hairpinned++;
    } else if (verdicts[i] == PINHOLE_VERDICT_HELD) {
      h->held++; /* its bytes leave later: merged, or through on_emit */
    } else
      h->dropped++;
  }
  txq_flush(h, &h->fwd, other);
  txq_flush(h, &h->back, l);
  emit_flush(h);
  return got;
}

static void usage(FILE *f, int status) {
  fprintf(f, "usage: pinhole-afpacket --inside IF --outside IF --pool ADDR "
             "[--burst N] [--trace]\n"
             "       pinhole-afpacket --version\n"
             "Both interfaces without addresses and checksum offloads off "
             "(see the header of\nexamples/afpacket/main.c and "
             "docs/afpacket.md).\n");
  exit(status);
}

static int open_link(struct link *l) {
  struct ifreq ifr;
  int one = 1;
  memset(l->peer, 0xff, 6);
  /* Protocol 0: nothing arrives until bind() names the interface. */
  l->fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (l->fd < 0 || strlen(l->name) >= IFNAMSIZ)
    return -1;
  memset(&ifr, 0, sizeof(ifr));
  memcpy(ifr.ifr_name, l->name, strlen(l->name));
  if (ioctl(l->fd, SIOCGIFINDEX, &ifr) < 0)
    return -1;
  l->ifindex = ifr.ifr_ifindex;
  if (ioctl(l->fd, SIOCGIFHWADDR, &ifr) < 0)
    return -1;
  memcpy(l->mac, ifr.ifr_hwaddr.sa_data, 6);
  /* Our own transmissions are not input. */
  setsockopt(l->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
  int buf = 8 << 20;
  setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof(sll));
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = l->ifindex;
  if (bind(l->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
    return -1;
  struct packet_mreq mr;
  memset(&mr, 0, sizeof(mr));
  mr.mr_ifindex = l->ifindex;
  mr.mr_type = PACKET_MR_PROMISC;
  return setsockopt(l->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
}

static int setup(struct host *h, const char *pool_arg) {
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = on_event;
  cb.trace = on_trace;
  cb.emit = on_emit;
  int r = example_simple_nat(&h->ctx, "pinhole-afpacket", pool_arg, &cb, h);
  if (r == -2)
    usage(stderr, 2);
  return r;
}

int main(int argc, char **argv) {
  static struct host h;
  const char *pool = NULL;
  long burst = 64;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--version")) {
      printf("pinhole-afpacket %s (libpinhole %s)\n", PINHOLE_VERSION_STRING,
             pinhole_version());
      return 0;
    } else if (!strcmp(argv[i], "--help"))
      usage(stdout, 0);
    else if (!strcmp(argv[i], "--trace"))
      h.trace = 1;
    else if (i + 1 < argc && !strcmp(argv[i], "--inside"))
      h.link[PINHOLE_SIDE_INSIDE].name = argv[++i];
    else if (i + 1 < argc && !strcmp(argv[i], "--outside"))
      h.link[PINHOLE_SIDE_OUTSIDE].name = argv[++i];
    else if (i + 1 < argc && !strcmp(argv[i], "--pool"))
      pool = argv[++i];
    else if (i + 1 < argc && !strcmp(argv[i], "--burst"))
      burst = strtol(argv[++i], NULL, 10);
    else
      usage(stderr, 2);
  }
  if (!h.link[0].name || !h.link[1].name || !pool || burst < 1 ||
      burst > (long)BURST_MAX)
    usage(stderr, 2);
  h.burst = (size_t)burst;
  for (int s = 0; s < 2; s++)
    if (open_link(&h.link[s]) < 0) {
      fprintf(stderr, "pinhole-afpacket: %s: %s\n", h.link[s].name,
              strerror(errno));
      return 1;
    }
  if (setup(&h, pool) < 0)
    return 1;
  example_signals();
  fprintf(stderr,
          "pinhole-afpacket[%d]: inside %s, outside %s, pool %s, burst %zu\n",
          (int)getpid(), h.link[0].name, h.link[1].name, pool, h.burst);
  uint64_t next_tick = example_now_ns();
  while (!example_got_stop) {
    struct pollfd pfd[2] = {{h.link[0].fd, POLLIN, 0},
                            {h.link[1].fd, POLLIN, 0}};
    int rc = poll(pfd, 2, 100);
    /* Both links in turn, a batch each, until both are drained. */
    while (rc > 0 && !example_got_stop) {
      int a = rx_batch(&h, PINHOLE_SIDE_INSIDE);
      int b = rx_batch(&h, PINHOLE_SIDE_OUTSIDE);
      if (a == 0 && b == 0)
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
  close(h.link[0].fd);
  close(h.link[1].fd);
  pinhole_ctx_del(h.ctx);
  return 0;
}

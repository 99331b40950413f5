/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-gw: an example NAT gateway built on libpinhole.
 *
 * It opens two TUN devices, one towards the inside network and one towards
 * the outside, reads every IPv4 packet (and IPv6 one with --max-conns6:
 * the stateful IPv6 firewall, no translation) from both, hands it to
 * pinhole_process() with its side and the CLOCK_MONOTONIC time, and writes
 * forwarded packets to the other device. Packets the library builds itself
 * (TCP RST, ICMP unreachable for REJECT rules) arrive through the emit
 * callback and are written to the device of the side it names.
 *
 * Why TUN and not veth + AF_PACKET: a TUN device hands over bare IPv4
 * packets with complete checksums (no offloads unless asked for with
 * TUNSETOFFLOAD, so no partial checksums and no GSO super-packets), needs
 * no ARP and no neighbour entries, and the kernel of the gateway never sees
 * the packets, so it cannot forward or answer them behind our back. The
 * devices are created here, in the gateway's network namespace; the
 * operator may then move each one into another namespace with
 * `ip link set tun-in netns NS` (this process keeps its file descriptor).
 * docs/gateway.md shows the whole setup.
 *
 * Carrier-grade options: --pba, --det and --address-only make the pool a
 * port block allocation, deterministic (RFC 7422) or Basic NAT one;
 * --interim adds interim records; --ipfix sends the NAT events
 * as IPFIX (RFC 8158) to a collector over UDP; --syslog prints them as
 * RFC 5424 lines. docs/cgn.md.
 *
 * Split messages: a Watch connection's message split across TCP segments
 * or IP fragments is held by the library while it waits for the rest
 * (PINHOLE_VERDICT_HELD: nothing to send now, not a drop; the bytes leave
 * later, merged into a later packet or through the emit callback, which
 * writes them like any other). --hold sizes that pool, --reasm-whole lets
 * a reassembled datagram leave whole. docs/reassembly.md.
 *
 * Signals: SIGUSR1 prints the conversation listing and the counters to
 * stdout (and to --listing-file); SIGTERM and SIGINT print them and exit 0.
 * --control FIFO takes operator commands, one per line (control.c).
 */
#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>

#include "control.h"
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULES 64
#define TICK_NS 100000000ull /* pinhole_tick every 100 ms */
#define BURST 64             /* packets read per device per wake-up */

/* Set by the signal handlers, read by the main loop. */
static volatile sig_atomic_t got_dump, got_stop;

struct gw {
  int fd[2];                /* indexed by pinhole_side */
  int trace;                /* --trace: 1, --trace=debug: 2 */
  const char *listing_file; /* --listing-file, or NULL */
  int ctl;                  /* --control FIFO, or -1 */
  char ctl_buf[1024];       /* a command line being read */
  size_t ctl_len;
  unsigned long non_ipv4; /* packets the host skipped (not IPv4, or IPv6
                             without --max-conns6) */
  int ipv6;               /* --max-conns6 > 0: IPv6 goes to the library */
  unsigned long write_errors;
  unsigned long held;      /* packets the library kept (HELD), sent on later */
  int syslog;              /* --syslog: events as RFC 5424 lines */
  uint64_t wall_offset_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
  int ipfix_fd;            /* --ipfix: connected UDP socket, or -1 */
  pinhole_ipfix ipfix;
  uint8_t ipfix_buf[1400];
};

static void on_signal(int sig) {
  if (sig == SIGUSR1)
    got_dump = 1;
  else
    got_stop = 1;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Creates (or attaches to) TUN device `name`: bare IP packets, no header. */
static int tun_open(const char *name) {
  struct ifreq ifr;
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    perror("open /dev/net/tun");
    return -1;
  }
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    fprintf(stderr, "pinhole-gw: TUNSETIFF %s: %s\n", name, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

/* Writes one packet to the device of `side`. A device that is down or
 * being moved between namespaces refuses writes (EIO): count and go on. */
static void send_pkt(struct gw *gw, int side, const uint8_t *p, size_t len) {
  if (write(gw->fd[side], p, len) != (ssize_t)len)
    gw->write_errors++;
}

/* ---- library callbacks ---- */

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  struct gw *gw = user;
  char line[1024];
  (void)ctx;
  if (gw->ipfix_fd >= 0)
    pinhole_ipfix_event(&gw->ipfix, ev);
  if (gw->syslog) {
    if (pinhole_syslog_format(ev, gw->wall_offset_ns, NULL, line,
                              sizeof(line)) >= 0)
      fprintf(stderr, "%s\n", line);
  } else if (pinhole_event_format(ev, line, sizeof(line)) >= 0) {
    fprintf(stderr, "pinhole-gw[%ld]: %s\n", (long)getpid(), line);
  }
}

/* The exporter's send callback: one IPFIX message, one UDP datagram. */
static void ipfix_send(const uint8_t *msg, size_t len, void *user) {
  struct gw *gw = user;
  if (send(gw->ipfix_fd, msg, len, 0) != (ssize_t)len)
    gw->write_errors++;
}

/* --ipfix ADDR:PORT: a UDP socket connected to the collector. */
static int ipfix_open(struct gw *gw, char *arg) {
  char *colon = strchr(arg, ':');
  struct sockaddr_in sa;
  uint32_t addr;
  memset(&sa, 0, sizeof(sa));
  if (colon == NULL)
    return -1;
  *colon = '\0';
  long port = strtol(colon + 1, NULL, 10);
  if (pinhole_addr_parse(arg, &addr) || port < 1 || port > 65535)
    return -1;
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(addr);
  gw->ipfix_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (gw->ipfix_fd < 0 ||
      connect(gw->ipfix_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    perror("pinhole-gw: ipfix socket");
    return -1;
  }
  pinhole_ipfix_config c;
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.observation_domain = 1;
  c.template_refresh_s = 60;
  c.wall_offset_ns = gw->wall_offset_ns;
  c.buf = gw->ipfix_buf;
  c.buf_len = sizeof(gw->ipfix_buf);
  c.send = ipfix_send;
  c.user = gw;
  return pinhole_ipfix_init(&gw->ipfix, &c) < 0 ? -1 : 0;
}

/* Unix time at CLOCK_MONOTONIC zero, for event wall-clock times. */
static uint64_t wall_offset(void) {
  struct timespec r, m;
  clock_gettime(CLOCK_REALTIME, &r);
  clock_gettime(CLOCK_MONOTONIC, &m);
  return ((uint64_t)r.tv_sec * 1000000000ull + (uint64_t)r.tv_nsec) -
         ((uint64_t)m.tv_sec * 1000000000ull + (uint64_t)m.tv_nsec);
}

/* --hold BYTES[,PER_CONV[,MSG_MAX[,MAX_HELD[,TIMEOUT_MS]]]]: the pool for
 * split messages (pinhole_config.hold_*; a value left out or 0 keeps the
 * library's default). 0 on success. */
static int parse_hold(const char *arg, pinhole_config *cfg) {
  unsigned long v[5] = {0, 0, 0, 0, 0};
  char *end;
  const char *p = arg;
  for (int i = 0; i < 5; i++) {
    v[i] = strtoul(p, &end, 10);
    if (end == p || v[i] > UINT32_MAX)
      return -1;
    if (*end == '\0')
      break;
    if (*end != ',' || i == 4)
      return -1;
    p = end + 1;
  }
  cfg->hold_bytes = (uint32_t)v[0];
  cfg->hold_bytes_per_conv = (uint32_t)v[1];
  cfg->hold_msg_max = (uint32_t)v[2];
  cfg->max_held = (uint32_t)v[3];
  cfg->hold_timeout_ms = (uint32_t)v[4];
  return 0;
}

/* --pba SIZE,BLOCKS[,HOLD_MS], --det PREFIX/LEN[,PORTS] and
 * --address-only HOLD_MS shape the pool (one of them); --interim SECONDS
 * adds interim records to a PBA or address-only one. */
static int parse_cgn(const char *pba, const char *det, const char *addr_only,
                     const char *interim, pinhole_pool *pool) {
  char prefix[32], end;
  unsigned a = 0, b = 0, c2 = 0, plen = 0;
  if ((pba != NULL) + (det != NULL) + (addr_only != NULL) > 1)
    return -1;
  if (addr_only != NULL) {
    if (sscanf(addr_only, "%u%c", &a, &end) != 1)
      return -1;
    pool->mode = PINHOLE_POOL_ADDRESS;
    pool->block_hold_ms = a;
  }
  if (interim != NULL) {
    if (sscanf(interim, "%u%c", &a, &end) != 1)
      return -1;
    pool->interim_s = a; /* pinhole_pool_add checks the bounds */
  }
  if (pba != NULL) {
    int n = sscanf(pba, "%u,%u,%u", &a, &b, &c2);
    if (n < 2 || a > 65535 || b > 65535)
      return -1;
    pool->mode = PINHOLE_POOL_PBA;
    pool->block_size = (uint16_t)a;
    pool->max_blocks = (uint16_t)b;
    pool->block_hold_ms = n == 3 ? c2 : 0;
  }
  if (det != NULL) {
    int n = sscanf(det, "%31[0-9.]/%u,%u", prefix, &plen, &a);
    if (n < 2 || plen > 32 || (n == 3 && a > 65535) ||
        pinhole_addr_parse(prefix, &pool->inside_addr))
      return -1;
    pool->mode = PINHOLE_POOL_DETERMINISTIC;
    pool->inside_plen = (uint8_t)plen;
    pool->block_size = n == 3 ? (uint16_t)a : 0;
  }
  return 0;
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  struct gw *gw = user;
  char line[8192]; /* --trace=debug: a record's block, dump included */
  (void)ctx;
  if (gw->trace == 2 && pinhole_trace_format_debug(tr, gw->wall_offset_ns, line,
                                                   sizeof(line)) >= 0)
    fputs(line, stderr);
  else if (gw->trace == 1 && pinhole_trace_format(tr, line, sizeof(line)) >= 0)
    fprintf(stderr, "pinhole-gw[%ld]: trace: %s\n", (long)getpid(), line);
}

static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  (void)ctx;
  if (side == PINHOLE_SIDE_INSIDE || side == PINHOLE_SIDE_OUTSIDE)
    send_pkt(user, side, pkt, len);
}

/* ---- listing and counters ---- */

/* Formats with one of the snprintf-like formatters into a malloc'd string. */
static char *format_all(const pinhole_ctx *ctx,
                        int (*fmt)(const pinhole_ctx *, char *, size_t)) {
  int need = fmt(ctx, NULL, 0);
  char *s;
  if (need < 0 || !(s = malloc((size_t)need + 1)))
    return NULL;
  if (fmt(ctx, s, (size_t)need + 1) < 0) {
    free(s);
    return NULL;
  }
  return s;
}

static void dump_to(FILE *f, const pinhole_ctx *ctx, const struct gw *gw) {
  char *conv = format_all(ctx, pinhole_conversations_format);
  char *stats = format_all(ctx, pinhole_stats_format);
  fprintf(f, "%s\n%s\n", conv ? conv : "(listing failed)\n",
          stats ? stats : "(statistics failed)\n");
  fprintf(f, "Host: non-IPv4 skipped %lu, write errors %lu, held %lu\n",
          gw->non_ipv4, gw->write_errors, gw->held);
  free(conv);
  free(stats);
}

/* Prints the listing to stdout and, if asked, replaces --listing-file
 * atomically (written to F.tmp, then renamed), so a reader never sees half. */
static void dump(const pinhole_ctx *ctx, const struct gw *gw) {
  dump_to(stdout, ctx, gw);
  fflush(stdout);
  if (gw->listing_file) {
    char tmp[4096];
    FILE *f;
    snprintf(tmp, sizeof(tmp), "%s.tmp", gw->listing_file);
    if ((f = fopen(tmp, "w"))) {
      dump_to(f, ctx, gw);
      if (fclose(f) == 0)
        rename(tmp, gw->listing_file);
    }
  }
}

/* ---- command line: pools and rules ---- */

/* "ADDR" or "ADDR:PORT": 0 on success. */
static int parse_addr_port(char *s, uint32_t *addr, uint16_t *port) {
  char *colon = strchr(s, ':');
  *port = 0;
  if (colon) {
    long v = strtol(colon + 1, NULL, 10);
    if (v < 1 || v > 65535)
      return -1;
    *port = (uint16_t)v;
    *colon = '\0';
  }
  return pinhole_addr_parse(s, addr) == 0 ? 0 : -1;
}

/* "LO-HI" or "N": 0 on success. */
static int parse_range(const char *s, uint16_t *lo, uint16_t *hi) {
  char *end;
  long a = strtol(s, &end, 10), b = a;
  if (*end == '-')
    b = strtol(end + 1, &end, 10);
  if (*end != '\0' || a < 1 || b < a || b > 65535)
    return -1;
  *lo = (uint16_t)a;
  *hi = (uint16_t)b;
  return 0;
}

/* "ADDR/PLEN" or "ADDR" (= /32): 0 on success. */
static int parse_prefix(char *s, uint32_t *addr, uint8_t *plen) {
  char *slash = strchr(s, '/');
  long v = 32;
  if (slash) {
    v = strtol(slash + 1, NULL, 10);
    *slash = '\0';
  }
  if (v < 0 || v > 32)
    return -1;
  *plen = (uint8_t)v;
  return pinhole_addr_parse(s, addr) == 0 ? 0 : -1;
}

/* An IPv6 "ADDR/PLEN" or "ADDR" (= /128) into the rule's src6 or dst6;
 * the rule becomes an IPv6 one. 0 on success. */
static int parse_prefix6(char *s, pinhole_rule *r, int dst) {
  unsigned plen = 128;
  int rc =
      strchr(s, '/')
          ? pinhole_prefix6_parse(s, strlen(s), dst ? r->dst6 : r->src6, &plen)
          : pinhole_addr6_parse(s, strlen(s), dst ? r->dst6 : r->src6);
  *(dst ? &r->dst_plen : &r->src_plen) = (uint8_t)plen;
  r->family = 6;
  return rc == 0 ? 0 : -1;
}

/* --nat64 PREFIX[,lab]: the NAT64 prefix (RFC 6052; ",lab" lets the
 * well-known prefix embed the 198.18.0.0/15 lab addresses), and in rule
 * the default rule that translates the inside's IPv6 packets to it.
 * Needs --max-conns6. 0, or -1 after saying why. */
static int nat64_setup(pinhole_ctx *ctx, char *arg, char *rule, size_t len) {
  uint8_t prefix[16];
  unsigned plen = 0;
  char *comma = strchr(arg, ',');
  uint32_t flags = 0;
  if (comma != NULL && !strcmp(comma + 1, "lab")) {
    *comma = '\0';
    flags = PINHOLE_NAT64_LAB;
  }
  int rc = pinhole_prefix6_parse(arg, strlen(arg), prefix, &plen);
  if (rc == 0)
    rc = pinhole_nat64_prefix_add(ctx, prefix, plen, flags);
  if (rc < 0) {
    fprintf(stderr,
            "pinhole-gw: --nat64 %s: %s (an RFC 6052 prefix, /32 "
            "to /96, with --max-conns6)\n",
            arg, pinhole_strerror(rc));
    return -1;
  }
  snprintf(rule, len, "name=inside-nat64,side=inside,dst=%s,nat=source", arg);
  return 0;
}

/*
 * A rule is comma-separated key=value pairs, e.g.
 *   side=inside,proto=tcp,dst=198.19.0.0/24,dport=21,nat=source,alg=ftp
 * Keys: name, side (inside|outside|any), proto (tcp|udp|icmp|any|N),
 * src and dst (ADDR[/PLEN], IPv4 or IPv6: an IPv6 prefix makes an IPv6
 * rule), family (4|6: an IPv6 rule without addresses), icmp6 as a proto,
 * dport (LO[-HI]), action (accept|discard|
 * reject), nat (none|source|dest:ADDR[:PORT]|static:ADDR), alg (NAME|none),
 * doctor=dns (with nat=static: the DNS ALG doctors A records this rule
 * maps), allow=ID (repeatable, with alg=rpc or alg=dcerpc: the RPC
 * programs, e.g. allow=100024, or DCE-RPC interface UUIDs the ALG may
 * open pinholes for; without allow, every one).
 * Unset keys match anything; the default action is accept, no NAT, and the
 * ALG chosen by destination port. nat=source uses the --pool.
 */
struct allow_list {
  const char *id[PINHOLE_RULE_ALLOW_MAX + 1]; /* one more: the library says
                                                 PINHOLE_ERR_FULL */
  int n;
};

static int parse_rule(char *spec, int pool, pinhole_rule *r,
                      struct allow_list *allow) {
  char *tok, *save = NULL;
  allow->n = 0;
  memset(r, 0, sizeof(*r));
  r->size = sizeof(*r);
  r->side = PINHOLE_SIDE_ANY;
  snprintf(r->name, sizeof(r->name), "cli");
  for (tok = strtok_r(spec, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    char *v = strchr(tok, '=');
    int ok = 1;
    if (!v)
      return -1;
    *v++ = '\0';
    if (!strcmp(tok, "name"))
      snprintf(r->name, sizeof(r->name), "%s", v);
    else if (!strcmp(tok, "side"))
      r->side = !strcmp(v, "inside")    ? PINHOLE_SIDE_INSIDE
                : !strcmp(v, "outside") ? PINHOLE_SIDE_OUTSIDE
                                        : PINHOLE_SIDE_ANY;
    else if (!strcmp(tok, "proto"))
      r->proto = !strcmp(v, "tcp")     ? PINHOLE_IPPROTO_TCP
                 : !strcmp(v, "udp")   ? PINHOLE_IPPROTO_UDP
                 : !strcmp(v, "icmp")  ? PINHOLE_IPPROTO_ICMP
                 : !strcmp(v, "icmp6") ? 58
                 : !strcmp(v, "any")   ? 0
                                       : (uint8_t)atoi(v);
    else if ((!strcmp(tok, "src") || !strcmp(tok, "dst")) && strchr(v, ':'))
      ok = parse_prefix6(v, r, tok[0] == 'd') == 0;
    else if (!strcmp(tok, "src"))
      ok = parse_prefix(v, &r->src_addr, &r->src_plen) == 0;
    else if (!strcmp(tok, "dst"))
      ok = parse_prefix(v, &r->dst_addr, &r->dst_plen) == 0;
    else if (!strcmp(tok, "family") && (!strcmp(v, "4") || !strcmp(v, "6")))
      r->family = (uint8_t)atoi(v);
    else if (!strcmp(tok, "dport"))
      ok = parse_range(v, &r->dport_lo, &r->dport_hi) == 0;
    else if (!strcmp(tok, "action"))
      r->action = !strcmp(v, "discard")  ? PINHOLE_ACTION_DISCARD
                  : !strcmp(v, "reject") ? PINHOLE_ACTION_REJECT
                                         : PINHOLE_ACTION_ACCEPT;
    else if (!strcmp(tok, "nat") && !strcmp(v, "source")) {
      r->nat = PINHOLE_NAT_SOURCE;
      r->pool = pool;
    } else if (!strcmp(tok, "nat") && !strncmp(v, "dest:", 5)) {
      r->nat = PINHOLE_NAT_DEST;
      ok = parse_addr_port(v + 5, &r->nat_addr, &r->nat_port) == 0;
    } else if (!strcmp(tok, "nat") && !strncmp(v, "static:", 7)) {
      r->nat = PINHOLE_NAT_STATIC;
      ok = pinhole_addr_parse(v + 7, &r->nat_addr) == 0;
    } else if (!strcmp(tok, "nat") && !strcmp(v, "none"))
      r->nat = PINHOLE_NAT_NONE;
    else if (!strcmp(tok, "alg"))
      snprintf(r->alg, sizeof(r->alg), "%s", v);
    else if (!strcmp(tok, "doctor") && !strcmp(v, "dns"))
      r->flags |= PINHOLE_RULE_DNS_DOCTOR;
    else if (!strcmp(tok, "allow") && allow->n <= PINHOLE_RULE_ALLOW_MAX)
      allow->id[allow->n++] = v;
    else
      ok = 0;
    if (!ok)
      return -1;
  }
  return 0;
}

/* --dnat PUBLIC:PORT=INSIDE:PORT: a TCP and a UDP rule from the outside. */
static int parse_dnat(char *spec, pinhole_rule r[2]) {
  char *eq = strchr(spec, '=');
  uint32_t pub, in;
  uint16_t pub_port, in_port;
  if (!eq)
    return -1;
  *eq = '\0';
  if (parse_addr_port(spec, &pub, &pub_port) ||
      parse_addr_port(eq + 1, &in, &in_port) || !pub_port || !in_port)
    return -1;
  for (int i = 0; i < 2; i++) {
    memset(&r[i], 0, sizeof(r[i]));
    r[i].size = sizeof(r[i]);
    snprintf(r[i].name, sizeof(r[i].name), "dnat-%u", pub_port);
    r[i].side = PINHOLE_SIDE_OUTSIDE;
    r[i].proto = i == 0 ? PINHOLE_IPPROTO_TCP : PINHOLE_IPPROTO_UDP;
    r[i].dst_addr = pub;
    r[i].dst_plen = 32;
    r[i].dport_lo = r[i].dport_hi = pub_port;
    r[i].action = PINHOLE_ACTION_ACCEPT;
    r[i].nat = PINHOLE_NAT_DEST;
    r[i].nat_addr = in;
    r[i].nat_port = in_port;
  }
  return 0;
}

static void usage_to(FILE *f, int status) {
  fprintf(
      f,
      "usage: pinhole-gw --inside TUN --outside TUN\n"
      "         --pool ADDR[-ADDR][:LO-HI]\n"
      "         [--dnat PUBLIC:PORT=INSIDE:PORT]... [--rule SPEC]...\n"
      "         [--trace[=debug]] [--listing-file FILE] [--control FIFO]\n"
      "         [--pba SIZE,BLOCKS[,HOLD_MS] | --det PREFIX/LEN[,PORTS] |\n"
      "          --address-only HOLD_MS] [--interim SECONDS]\n"
      "         [--ipfix COLLECTOR:PORT] [--syslog]\n"
      "         [--hold BYTES[,PER_CONV[,MSG_MAX[,MAX_HELD[,TIMEOUT_MS]]]]]\n"
      "         [--reasm-whole] [--max-conns6 N [--nat64 PREFIX[,lab]]]\n"
      "         [--sync-to ADDR:PORT | --sync-from PORT] --sync-key HEX32\n"
      "       pinhole-gw --help | --version\n"
      "Without --rule: inside -> anywhere accepted with source NAT to\n"
      "the pool, ALG chosen by destination port (with --max-conns6 also\n"
      "IPv6 inside -> anywhere, no NAT; with --nat64 first IPv6 inside ->\n"
      "PREFIX, translated to IPv4 from the pool). See pinhole-gw(8).\n");
  exit(status);
}

static void usage(void) {
  usage_to(stderr, 2);
}

/* ---- control ---- */

/* Creates the FIFO if needed and opens it for reading; it also holds a
 * writer of its own, so that a client closing it never leaves the poll
 * reporting end of file. */
static int control_open(const char *path) {
  if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
    fprintf(stderr, "pinhole-gw: control: %s: %s\n", path, strerror(errno));
    return -1;
  }
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if (fd < 0 || open(path, O_WRONLY | O_NONBLOCK) < 0) {
    fprintf(stderr, "pinhole-gw: control: %s: %s\n", path, strerror(errno));
    return -1;
  }
  return fd;
}

/* Reads what the FIFO holds and runs every complete line. */
static void control_read(pinhole_ctx *ctx, struct gw *gw) {
  ssize_t n = read(gw->ctl, gw->ctl_buf + gw->ctl_len,
                   sizeof(gw->ctl_buf) - 1 - gw->ctl_len);
  if (n <= 0)
    return;
  gw->ctl_len += (size_t)n;
  char *nl;
  while ((nl = memchr(gw->ctl_buf, '\n', gw->ctl_len)) != NULL) {
    *nl = '\0';
    size_t used = (size_t)(nl - gw->ctl_buf) + 1;
    gw_control_line(ctx, gw->ctl_buf, stdout);
    memmove(gw->ctl_buf, gw->ctl_buf + used, gw->ctl_len - used);
    gw->ctl_len -= used;
  }
  if (gw->ctl_len == sizeof(gw->ctl_buf) - 1)
    gw->ctl_len = 0; /* a line too long: dropped */
}

/* ---- main loop ---- */

/* Reads up to BURST packets from side's device and processes each.
 * Returns -1 when the device is gone (e.g. its namespace was deleted). */
static int pump(pinhole_ctx *ctx, struct gw *gw, int side, uint8_t *buf,
                size_t cap) {
  for (int i = 0; i < BURST; i++) {
    ssize_t n = read(gw->fd[side], buf, cap);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      fprintf(stderr, "pinhole-gw: read: %s\n", strerror(errno));
      return -1;
    }
    if (n <= 0)
      return 0; /* drained */
    if ((buf[0] >> 4) != 4 && ((buf[0] >> 4) != 6 || !gw->ipv6)) {
      gw->non_ipv4++; /* IPv6 only with --max-conns6 */
      continue;
    }
    pinhole_pkt p = {buf, (uint32_t)n, (uint32_t)cap};
    int verdict = pinhole_process(ctx, &p, side, now_ns());
    if (verdict == PINHOLE_VERDICT_FORWARD)
      send_pkt(gw,
               side == PINHOLE_SIDE_INSIDE ? PINHOLE_SIDE_OUTSIDE
                                           : PINHOLE_SIDE_INSIDE,
               p.data, p.len);
    else if (verdict == PINHOLE_VERDICT_HAIRPIN) /* inside to inside */
      send_pkt(gw, side, p.data, p.len);
    else if (verdict == PINHOLE_VERDICT_HELD) /* not a drop: its bytes */
      gw->held++; /* leave later, merged or through on_emit */
  }
  return 0;
}

int main(int argc, char **argv) {
  static const struct option opts[] = {
      {"inside", required_argument, NULL, 'i'},
      {"outside", required_argument, NULL, 'o'},
      {"pool", required_argument, NULL, 'p'},
      {"rule", required_argument, NULL, 'r'},
      {"dnat", required_argument, NULL, 'd'},
      {"trace", optional_argument, NULL, 't'},
      {"listing-file", required_argument, NULL, 'l'},
      {"pba", required_argument, NULL, 'B'},
      {"det", required_argument, NULL, 'D'},
      {"address-only", required_argument, NULL, 'A'},
      {"interim", required_argument, NULL, 'I'},
      {"ipfix", required_argument, NULL, 'X'},
      {"syslog", no_argument, NULL, 'S'},
      {"control", required_argument, NULL, 'c'},
      {"hold", required_argument, NULL, 'H'},
      {"reasm-whole", no_argument, NULL, 'W'},
      {"sync-to", required_argument, NULL, 'T'},
      {"sync-from", required_argument, NULL, 'F'},
      {"sync-key", required_argument, NULL, 'K'},
      {"max-conns6", required_argument, NULL, '6'},
      {"nat64", required_argument, NULL, '4'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0}};
  const char *pba_arg = NULL, *det_arg = NULL, *addr_arg = NULL,
             *interim_arg = NULL, *hold_arg = NULL;
  int reasm_whole = 0;
  long max_conns6 = 0;
  char *nat64_arg = NULL;
  char *ipfix_arg = NULL;
  const char *inside = NULL, *outside = NULL;
  char *pool_arg = NULL, *rule_args[MAX_RULES], *dnat_args[MAX_RULES];
  int nrules = 0, ndnat = 0, c;
  static struct gw gw;
  gw.fd[0] = gw.fd[1] = gw.ipfix_fd = gw.ctl = -1;
  const char *control = NULL;
  static struct gw_sync sync;
  char *sync_arg = NULL;
  const char *sync_key = NULL;
  sync.fd = -1;

  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'i')
      inside = optarg;
    else if (c == 'o')
      outside = optarg;
    else if (c == 'p')
      pool_arg = optarg;
    else if (c == 'r' && nrules < MAX_RULES)
      rule_args[nrules++] = optarg;
    else if (c == 'd' && ndnat < MAX_RULES)
      dnat_args[ndnat++] = optarg;
    else if (c == 't' && (optarg == NULL || !strcmp(optarg, "debug")))
      gw.trace = optarg == NULL ? 1 : 2;
    else if (c == 'l')
      gw.listing_file = optarg;
    else if (c == 'B')
      pba_arg = optarg;
    else if (c == 'D')
      det_arg = optarg;
    else if (c == 'A')
      addr_arg = optarg;
    else if (c == 'I')
      interim_arg = optarg;
    else if (c == 'X')
      ipfix_arg = optarg;
    else if (c == 'S')
      gw.syslog = 1;
    else if (c == 'c')
      control = optarg;
    else if (c == 'H')
      hold_arg = optarg;
    else if (c == 'W')
      reasm_whole = 1;
    else if (c == 'T' || c == 'F') {
      sync_arg = optarg;
      sync.to = c == 'T';
    } else if (c == 'K')
      sync_key = optarg;
    else if (c == '6')
      max_conns6 = atol(optarg);
    else if (c == '4')
      nat64_arg = optarg;
    else if (c == 'h')
      usage_to(stdout, 0);
    else if (c == 'V') {
      printf("pinhole-gw %s (libpinhole %s)\n", PINHOLE_VERSION_STRING,
             pinhole_version());
      return 0;
    } else
      usage();
  }
  if (!inside || !outside || !pool_arg || optind != argc ||
      (sync_arg != NULL) != (sync_key != NULL))
    usage();

  /* Context: defaults, with the hash key and port seed from the kernel's
   * entropy (the library reads none itself). */
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  if (getrandom(&cfg.hash_key, sizeof(cfg.hash_key), 0) !=
          (ssize_t)sizeof(cfg.hash_key) ||
      getrandom(&cfg.seed, sizeof(cfg.seed), 0) != (ssize_t)sizeof(cfg.seed)) {
    perror("getrandom");
    return 1;
  }
  /* both gateways of a pair: one flow hash key (docs/ha.md) */
  if (sync_key != NULL && gw_sync_key(sync_key, &cfg.hash_key) < 0)
    usage();
  if (sync_arg != NULL && gw_sync_open(&sync, sync_arg, sync.to) < 0)
    usage();
  if (pba_arg != NULL || addr_arg != NULL)
    cfg.max_port_blocks = 65536; /* any one-address pool's blocks, or
                                    an address-only pool's addresses */
  if (hold_arg != NULL && parse_hold(hold_arg, &cfg) < 0)
    usage();
  if (max_conns6 < 0 || max_conns6 > (long)cfg.max_flows)
    usage();
  cfg.max_conns6 = (uint32_t)max_conns6; /* 0: IPv6 not carried */
  gw.ipv6 = max_conns6 > 0;
  if (reasm_whole) /* the host says its path takes them whole */
    cfg.flags |= PINHOLE_CFG_REASM_WHOLE;
  gw.wall_offset_ns = wall_offset();
  if (ipfix_arg != NULL && ipfix_open(&gw, ipfix_arg) < 0)
    usage();
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = on_event;
  cb.trace = on_trace;
  cb.emit = on_emit;
  pinhole_ctx *ctx;
  int err = pinhole_ctx_new(&ctx, &cfg, &cb, &gw);
  if (err < 0) {
    fprintf(stderr, "pinhole-gw: context: %s\n", pinhole_strerror(err));
    return 1;
  }

  /* The pool: --pool ADDR[-ADDR][:LO-HI]. */
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  char *colon = strchr(pool_arg, ':');
  if (colon) {
    *colon = '\0';
    if (parse_range(colon + 1, &pool.port_lo, &pool.port_hi))
      usage();
  }
  char *dash = strchr(pool_arg, '-');
  if (dash)
    *dash = '\0';
  if (pinhole_addr_parse(pool_arg, &pool.addr_lo))
    usage();
  pool.addr_hi = pool.addr_lo;
  if (dash && pinhole_addr_parse(dash + 1, &pool.addr_hi))
    usage();
  if (parse_cgn(pba_arg, det_arg, addr_arg, interim_arg, &pool))
    usage();
  int pool_id = pinhole_pool_add(ctx, &pool);
  if (pool_id < 0) {
    fprintf(stderr, "pinhole-gw: pool: %s\n", pinhole_strerror(pool_id));
    return 1;
  }
  char nat64_rule[128];
  if (nat64_arg != NULL &&
      nat64_setup(ctx, nat64_arg, nat64_rule, sizeof(nat64_rule)) < 0)
    return 1;

  /* Rules, first match wins: --dnat ones, then --rule ones (or the
   * default: everything from the inside, source NAT, ALG by port). */
  pinhole_rule rule[2];
  for (int i = 0; i < ndnat; i++) {
    if (parse_dnat(dnat_args[i], rule))
      usage();
    for (int k = 0; k < 2; k++)
      if ((err = pinhole_rule_add(ctx, &rule[k])) < 0)
        goto rule_error;
  }
  char default_rule[] = "name=inside-out,side=inside,nat=source";
  char default_rule6[] = "name=inside-out6,side=inside,family=6";
  if (nrules == 0)
    rule_args[nrules++] = default_rule;
  if (nrules == 1 && rule_args[0] == default_rule && nat64_arg != NULL)
    rule_args[nrules++] = nat64_rule; /* NAT64 before plain IPv6 */
  if (rule_args[0] == default_rule && gw.ipv6)
    rule_args[nrules++] = default_rule6; /* IPv6: no NAT */
  for (int i = 0; i < nrules; i++) {
    struct allow_list allow;
    if (parse_rule(rule_args[i], pool_id, &rule[0], &allow)) {
      fprintf(stderr, "pinhole-gw: bad rule '%s'\n", rule_args[i]);
      usage();
    }
    int idx = pinhole_rule_add(ctx, &rule[0]);
    if ((err = idx) < 0)
      goto rule_error;
    for (int k = 0; k < allow.n; k++)
      if ((err = pinhole_rule_alg_allow(ctx, idx, allow.id[k])) < 0) {
        fprintf(stderr, "pinhole-gw: rule %s: allow=%s: %s\n", rule[0].name,
                allow.id[k], pinhole_strerror(err));
        return 1;
      }
  }

  /* Devices, then signals. */
  if ((gw.fd[PINHOLE_SIDE_INSIDE] = tun_open(inside)) < 0 ||
      (gw.fd[PINHOLE_SIDE_OUTSIDE] = tun_open(outside)) < 0)
    return 1;
  if (control && (gw.ctl = control_open(control)) < 0)
    return 1;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  fprintf(stderr, "pinhole-gw[%ld]: running, inside %s, outside %s\n",
          (long)getpid(), inside, outside);

  static uint8_t buf[65536]; /* one packet; rewrites may grow it to cap */
  uint64_t next_tick = now_ns() + TICK_NS;
  int status = 0;
  while (!got_stop && status == 0) {
    struct pollfd pfd[4] = {{gw.fd[0], POLLIN, 0},
                            {gw.fd[1], POLLIN, 0},
                            {gw.ctl, POLLIN, 0},
                            {sync.to ? -1 : sync.fd, POLLIN, 0}};
    uint64_t now = now_ns();
    int wait_ms = now >= next_tick ? 0 : (int)((next_tick - now) / 1000000);
    if (poll(pfd, 4, wait_ms) < 0 && errno != EINTR) {
      perror("poll");
      break;
    }
    for (int side = 0; side < 2 && status == 0; side++)
      if (pfd[side].revents) /* POLLIN, or an error the read will tell */
        status = pump(ctx, &gw, side, buf, sizeof(buf)) < 0 ? 1 : 0;
    if ((now = now_ns()) >= next_tick) {
      while (pinhole_tick(ctx, now) == PINHOLE_TICK_BUDGET)
        ; /* bounded work per call: call again while it was busy */
      next_tick = now + TICK_NS;
      if (gw.ipfix_fd >= 0) /* records wait at most one tick */
        pinhole_ipfix_flush(&gw.ipfix, now);
      gw_sync_tick(ctx, &sync, now);
    }
    if (pfd[3].revents)
      gw_sync_read(ctx, &sync, now_ns());
    if (gw.ctl >= 0 && pfd[2].revents)
      control_read(ctx, &gw);
    if (got_dump) {
      got_dump = 0;
      dump(ctx, &gw);
    }
  }
  dump(ctx, &gw);
  if (sync.fd >= 0) {
    fprintf(stderr,
            "pinhole-gw: sync: %lu blobs %s, %lu conversations imported, "
            "%lu errors\n",
            sync.blobs, sync.to ? "sent" : "received", sync.imported,
            sync.errors);
    close(sync.fd);
  }
  pinhole_ctx_del(ctx);
  if (gw.ipfix_fd >= 0) {
    pinhole_ipfix_flush(&gw.ipfix, now_ns());
    fprintf(stderr,
            "pinhole-gw: ipfix: %llu records in %llu messages, %llu "
            "dropped\n",
            (unsigned long long)gw.ipfix.stats.records,
            (unsigned long long)gw.ipfix.stats.messages,
            (unsigned long long)gw.ipfix.stats.dropped);
    close(gw.ipfix_fd);
  }
  close(gw.fd[0]);
  close(gw.fd[1]);
  return status;

rule_error:
  fprintf(stderr, "pinhole-gw: rule: %s\n", pinhole_strerror(err));
  return 1;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-replay: plays real captures through a pinhole context.
 *
 *   pinhole-replay [OPTION]... CAPTURE...      (--help lists the options)
 *
 * Reads pcap or pcapng files (Ethernet, Linux cooked v1/v2, raw IPv4, BSD
 * loopback) with libpcap, one frame at a time, and feeds every IPv4 packet
 * to pinhole_process() from the side its source address is on, rewriting
 * packets from the outside to what the library's translations imply (see
 * play.h). Prints one line per packet the library dropped or the player
 * could not match, then the conversation listing at the capture's last
 * timestamp, the counters and a summary (report.c). Time is the capture's:
 * now_ns counts from the first frame.
 *
 * Exit status: 0; 1 with --expect-clean when a packet was dropped,
 * unmatched, translated back differently or unplayable, or none was IPv4,
 * or with --check when the report differs; 2 on usage errors and unusable
 * input (not a capture, cut short, unsupported link type, bad rules).
 */
#include "replay.h"

#include <pcap/pcap.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "pinhole-replay"

/* A pcap file of the packets the library sent to one side. */
typedef struct writer {
  pcap_t *dead;
  pcap_dumper_t *d;
} writer;

typedef struct run {
  options *o;
  pinhole_ctx *ctx;
  play *pl;
  report *rep;
  char label[300];
  uint64_t now, last_ns;    /* replay time of the frame playing / last one */
  uint32_t hold_timeout_ms; /* the library's, as configured */
  uint64_t abs0;            /* the first frame's capture timestamp */
  int have_first;
  uint64_t frames, non_ipv4, ipv6, snapped;
  size_t next_at; /* the next --at to print */
  writer w[2];    /* by pinhole_side */
  /* progress on a terminal */
  int tty, stdout_tty, shown;
  struct timespec t0, last_print;
  uint64_t frames_at_t0;
  char cut[768]; /* where a capture was cut short */
} run;

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */

/* Before the report prints on the terminal the progress line is on, the
 * progress line goes, so the two do not run together. */
static void progress_clear(run *r) {
  if (r->shown && r->stdout_tty) {
    fputs("\r\033[K", stderr);
    r->shown = 0;
  }
}

static void line_out(run *r, const char *label, const char *what,
                     const char *detail) {
  progress_clear(r);
  report_line(r->rep, label, what, detail);
}

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  run *r = user;
  char line[512];
  (void)ctx;
  if (r->pl)
    play_event(r->pl, ev);
  if (r->o->events && r->rep &&
      pinhole_event_format(ev, line, sizeof(line)) >= 0)
    line_out(r, r->label, "event", line);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  run *r = user;
  char line[1024];
  (void)ctx;
  if (r->o->trace == 2 && r->rep) {
    char block[8192]; /* a whole record: its dump is at most 1 KiB */
    if (pinhole_trace_format_debug(tr, r->abs0, block, sizeof(block)) >= 0) {
      progress_clear(r);
      report_block(r->rep, r->label, "trace", block);
    }
    return;
  }
  if (r->o->trace && r->rep && format_trace(tr, line, sizeof(line)) >= 0)
    line_out(r, r->label, "trace", line);
}

static void write_pkt(run *r, int side, const uint8_t *pkt, size_t len) {
  writer *w = &r->w[side == PINHOLE_SIDE_INSIDE ? 0 : 1];
  if (!w->d)
    return;
  uint64_t ts = r->abs0 + r->now;
  struct pcap_pkthdr h;
  memset(&h, 0, sizeof(h));
  h.ts.tv_sec = (time_t)(ts / 1000000000u);
  h.ts.tv_usec = (suseconds_t)(ts % 1000000000u); /* nanosecond file */
  h.caplen = h.len = (bpf_u_int32)len;
  pcap_dump((u_char *)w->d, &h, pkt);
}

static void on_emit(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
                    void *user) {
  run *r = user;
  (void)ctx;
  write_pkt(r, side, pkt, len);
  if (r->pl)
    play_emitted(r->pl, side, pkt, len);
}

static void on_report(void *user, const char *label, const char *what,
                      const char *detail) {
  line_out(user, label, what, detail);
}

static void on_output(void *user, int side, const uint8_t *pkt, size_t len) {
  write_pkt(user, side, pkt, len);
}

/* ------------------------------------------------------------------ */
/* Captures                                                            */

static int supported_dlt(int dlt) {
  switch (dlt) {
  case DLT_EN10MB:
  case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
  case DLT_LINUX_SLL2:
#endif
  case DLT_RAW:
#ifdef DLT_IPV4
  case DLT_IPV4:
#endif
  case DLT_NULL:
    return 1;
  default:
    return 0;
  }
}

enum { L3_OTHER = -1 };

static long by_ethertype(unsigned type, long off, int *v6) {
  *v6 = type == 0x86DD;
  return type == 0x0800 || type == 0x86DD ? off : L3_OTHER;
}

/* The offset of the IP header in a frame of link type dlt (*v6 set when
 * it is IPv6), or L3_OTHER when the frame carries something else. */
static long l3_offset(int dlt, const uint8_t *f, size_t caplen, int *v6) {
  size_t off;
  unsigned type;
  switch (dlt) {
  case DLT_EN10MB:
    if (caplen < 14)
      return L3_OTHER;
    type = (unsigned)(f[12] << 8 | f[13]);
    off = 14;
    while ((type == 0x8100 || type == 0x88A8) && caplen >= off + 4) {
      type = (unsigned)(f[off + 2] << 8 | f[off + 3]);
      off += 4;
    }
    return by_ethertype(type, (long)off, v6);
  case DLT_LINUX_SLL:
    return caplen < 16 ? L3_OTHER
                       : by_ethertype((unsigned)(f[14] << 8 | f[15]), 16, v6);
#ifdef DLT_LINUX_SLL2
  case DLT_LINUX_SLL2:
    return caplen < 20 ? L3_OTHER
                       : by_ethertype((unsigned)(f[0] << 8 | f[1]), 20, v6);
#endif
  case DLT_NULL: {
    if (caplen < 4)
      return L3_OTHER;
    /* host-order AF_INET (2) as written by the capturing machine; AF_INET6
     * is 10, 24, 28 or 30 depending on the system */
    unsigned af = f[0] ? f[0] : f[3];
    *v6 = af == 10 || af == 24 || af == 28 || af == 30;
    return af == 2 || *v6 ? 4 : L3_OTHER;
  }
  default: /* raw IP */
    if (caplen < 1)
      return L3_OTHER;
    *v6 = (f[0] >> 4) == 6;
    return (f[0] >> 4) == 4 || *v6 ? 0 : L3_OTHER;
  }
}

/* Opens a capture; prints one line naming the file and returns NULL when
 * it cannot be played. */
static pcap_t *open_capture(const char *path) {
  char err[PCAP_ERRBUF_SIZE];
  struct stat st;
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, PROG ": %s: cannot open: %s\n", path, strerror(errno));
    return NULL;
  }
  if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
    fprintf(stderr, PROG ": %s: empty file, not a capture\n", path);
    fclose(f);
    return NULL;
  }
  pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(
      f, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!pc) {
    fprintf(stderr,
            PROG ": %s: not a pcap or pcapng capture, or cut short in its "
                 "header (libpcap: %s)\n",
            path, err);
    fclose(f);
    return NULL;
  }
  int dlt = pcap_datalink(pc);
  if (!supported_dlt(dlt)) {
    const char *name = pcap_datalink_val_to_name(dlt);
    fprintf(stderr,
            PROG ": %s: unsupported link type %d%s%s%s; supported: Ethernet, "
                 "Linux cooked v1 and v2, raw IPv4, BSD loopback\n",
            path, dlt, name ? " (" : "", name ? name : "", name ? ")" : "");
    pcap_close(pc);
    return NULL;
  }
  return pc;
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static void tick(pinhole_ctx *ctx, uint64_t now) {
  for (int i = 0; i < 1000 && pinhole_tick(ctx, now) == PINHOLE_TICK_BUDGET;
       i++)
    ;
}

static double secs(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) +
         (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* A progress line on stderr, at most twice a second, on a terminal. */
static void progress(run *r, pcap_t *pc, const char *path) {
  struct timespec now;
  if (!r->tty || (r->frames & 4095) != 0)
    return;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (r->shown && secs(&r->last_print, &now) < 0.5)
    return;
  struct stat st;
  FILE *f = pcap_file(pc);
  double at = f ? (double)ftell(f) : 0, size = 0;
  if (f && fstat(fileno(f), &st) == 0)
    size = (double)st.st_size;
  double el = secs(&r->t0, &now);
  fprintf(stderr,
          "\r" PROG ": %s %3.0f%% (%.1f of %.1f MB), %" PRIu64
          " frames, %.0f frames/s\033[K",
          base_name(path), size > 0 ? 100.0 * at / size : 0.0, at / 1e6,
          size / 1e6, r->frames,
          el > 0 ? (double)(r->frames - r->frames_at_t0) / el : 0.0);
  r->shown = 1;
  r->last_print = now;
}

/* The --at listings due before a frame at replay time now. */
static void listings_before(run *r, uint64_t now) {
  while (r->next_at < r->o->nat && r->o->at_ns[r->next_at] < now) {
    uint64_t at = r->o->at_ns[r->next_at++];
    tick(r->ctx, at);
    progress_clear(r);
    report_listing_at(r->rep, r->ctx, at, r->label);
  }
}

/* One frame of a capture at replay time now. */
static void frame(run *r, int dlt, const struct pcap_pkthdr *hdr,
                  const uint8_t *f) {
  int v6 = 0;
  long off = l3_offset(dlt, f, hdr->caplen, &v6);
  if (off < 0) {
    r->non_ipv4++;
    return;
  }
  r->ipv6 += v6;
  if (hdr->caplen < hdr->len) {
    char line[128];
    r->snapped++;
    snprintf(line, sizeof(line),
             "cut by the capture's snaplen (%u of %u bytes), not replayed",
             hdr->caplen, hdr->len);
    line_out(r, r->label, "skipped", line);
    return;
  }
  listings_before(r, r->now);
  tick(r->ctx, r->now);
  if (v6)
    play_packet6(r->pl, f + off, hdr->caplen - (size_t)off, r->now, r->label);
  else
    play_packet(r->pl, f + off, hdr->caplen - (size_t)off, r->now, r->label);
}

static int play_file(run *r, const char *path) {
  pcap_t *pc = open_capture(path);
  if (!pc)
    return -1;
  int dlt = pcap_datalink(pc);
  struct pcap_pkthdr *hdr;
  const u_char *f;
  uint64_t n = 0, file_first = 0;
  int rc;
  /* Each file starts where the previous one ended (plus 1 ms). */
  uint64_t base = r->have_first ? r->last_ns + 1000000u : 0;
  while ((rc = pcap_next_ex(pc, &hdr, &f)) == 1) {
    n++;
    r->frames++;
    uint64_t ts =
        (uint64_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;
    if (n == 1)
      file_first = ts;
    if (!r->have_first)
      r->abs0 = ts;
    r->now = base + (ts >= file_first ? ts - file_first : 0);
    if (r->now < r->last_ns)
      r->now = r->last_ns; /* never backwards */
    r->last_ns = r->now;
    r->have_first = 1;
    snprintf(r->label, sizeof(r->label), "%s:%" PRIu64, base_name(path), n);
    frame(r, dlt, hdr, f);
    progress(r, pc, path);
  }
  if (rc == -1) {
    FILE *ff = pcap_file(pc);
    struct stat st;
    long at = ff ? ftell(ff) : -1;
    long long size =
        ff && fstat(fileno(ff), &st) == 0 ? (long long)st.st_size : -1;
    snprintf(r->cut, sizeof(r->cut),
             PROG ": %s: cut short after frame %" PRIu64
                  " (at byte %ld of %lld): the frames before it were "
                  "replayed (libpcap: %s)",
             path, n, at, size, pcap_geterr(pc));
  }
  pcap_close(pc);
  return rc == -1 ? -1 : 0;
}

/* ------------------------------------------------------------------ */

static int open_writer(writer *w, const char *opt, const char *path) {
  if (!path)
    return 0;
  w->dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535,
                                                 PCAP_TSTAMP_PRECISION_NANO);
  if (w->dead)
    w->d = pcap_dump_open(w->dead, path);
  if (!w->d) {
    fprintf(stderr, PROG ": %s %s: %s\n", opt, path,
            w->dead ? pcap_geterr(w->dead) : "out of memory");
    return -1;
  }
  return 0;
}

static int close_writer(writer *w, const char *opt, const char *path) {
  int rc = 0;
  if (w->d) {
    if (pcap_dump_flush(w->d) != 0) {
      fprintf(stderr, PROG ": %s %s: write error\n", opt, path);
      rc = -1;
    }
    pcap_dump_close(w->d);
  }
  if (w->dead)
    pcap_close(w->dead);
  return rc;
}

static pinhole_ctx *make_ctx(options *o, run *r) {
  pinhole_config cfg;
  pinhole_callbacks cb;
  pinhole_ctx *ctx = NULL;
  pinhole_config_default(&cfg, sizeof(cfg));
  /* Fixed secrets: a replay is reproducible, run after run. */
  cfg.hash_key.k0 = 0x70696e686f6c6521u;
  cfg.hash_key.k1 = 0x7265706c61792121u;
  cfg.seed = 1;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.event = on_event;
  cb.trace = on_trace;
  cb.emit = on_emit;
  r->hold_timeout_ms = cfg.hold_timeout_ms;
  int rc = pinhole_ctx_new(&ctx, &cfg, &cb, r);
  if (rc < 0) {
    fprintf(stderr, PROG ": pinhole_ctx_new: %s\n", pinhole_strerror(rc));
    return NULL;
  }
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = o->pool_addr_lo;
  pool.addr_hi = o->pool_addr_hi;
  pool.port_lo = o->pool_lo;
  pool.port_hi = o->pool_hi;
  int pid = pinhole_pool_add(ctx, &pool);
  /* The lab waiver: captures use 198.18.0.0/15 behind 64:ff9b::/96. */
  static const uint8_t wkp[12] = {0, 0x64, 0xff, 0x9b};
  uint32_t flags = o->nat64.plen == 96 && !memcmp(o->nat64.addr, wkp, 12)
                       ? PINHOLE_NAT64_LAB
                       : 0;
  if (pid < 0)
    fprintf(stderr, PROG ": --pool: the library refused the pool: %s\n",
            pinhole_strerror(pid));
  else if (o->nat64.plen && (rc = pinhole_nat64_prefix_add(
                                 ctx, o->nat64.addr, o->nat64.plen, flags)) < 0)
    fprintf(stderr, PROG ": --nat64: the library refused the prefix: %s\n",
            pinhole_strerror(rc));
  else if (add_rules(ctx, o, pid) == 0)
    return ctx;
  pinhole_ctx_del(ctx);
  return NULL;
}

/* Everything that must hold before the first line is printed. */
static int start(run *r, int argc, char **argv, int first) {
  for (int i = first; i < argc; i++) {
    pcap_t *pc = open_capture(argv[i]);
    if (!pc)
      return -1;
    pcap_close(pc);
  }
  if (!(r->ctx = make_ctx(r->o, r)))
    return -1;
  play_config pc = {r->o->inside,   r->o->ninside,    r->o->rules,
                    r->o->nrules,   r->o->fix_cksums, r->o->inside6,
                    r->o->ninside6, r->o->nat64};
  play_host ph = {on_report, on_output, r};
  if (!(r->pl = play_new(r->ctx, &pc, &ph))) {
    fprintf(stderr, PROG ": out of memory\n");
    return -1;
  }
  if (open_writer(&r->w[0], "--write-inside", r->o->write_inside) < 0 ||
      open_writer(&r->w[1], "--write-outside", r->o->write_outside) < 0)
    return -1;
  r->rep = report_open(r->o);
  return r->rep ? 0 : -1;
}

/* What --expect-clean says about the run; 1 when it fails. */
static int expect_clean(const run *r) {
  const play_totals *t = play_get_totals(r->pl);
  if (r->frames == r->non_ipv4) {
    fprintf(stderr,
            PROG ": --expect-clean: no IPv4 or IPv6 packet in the capture "
                 "(%" PRIu64 " frames): nothing was replayed\n",
            r->frames);
    return 1;
  }
  uint64_t still = t->held_bytes - t->delivered_bytes;
  if (still) {
    fprintf(stderr,
            PROG ": --expect-clean: %" PRIu64
                 " held bytes never sent on (%" PRIu64
                 " let go at the hold timeout)\n",
            still, t->timed_out_bytes);
    return 1;
  }
  if (!t->dropped && !t->unmatched && !t->mismatched && !t->unplayable &&
      !r->snapped)
    return 0;
  fprintf(stderr,
          PROG ": --expect-clean: %" PRIu64 " dropped, %" PRIu64
               " unmatched, %" PRIu64 " mismatched, %" PRIu64
               " unplayable, %" PRIu64 " cut by the snaplen\n",
          t->dropped, t->unmatched, t->mismatched, t->unplayable, r->snapped);
  return 1;
}

/* Held bytes still held after the last frame: the library's hold timeout
 * passes (replay time), and what it let go is reported before the final
 * listing (a capture that lost a fragment or a segment). */
static void hold_timeout_past(run *r) {
  const play_totals *t = play_get_totals(r->pl);
  if (t->held_bytes == t->delivered_bytes + t->timed_out_bytes)
    return;
  snprintf(r->label, sizeof(r->label), "after the last frame");
  /* a second past it: the library's timers round up to their tick */
  tick(r->ctx, r->now + ((uint64_t)r->hold_timeout_ms + 1000) * 1000000u);
  play_held_timeout(r->pl, r->label);
}

static int finish(run *r) {
  hold_timeout_past(r);
  summary s = {
      r->frames,       r->non_ipv4, r->ipv6, r->snapped, play_get_totals(r->pl),
      r->o->fix_cksums};
  if (r->shown)
    fputs("\r\033[K", stderr);
  r->shown = 0;
  report_final(r->rep, r->ctx, &s);
  /* --at times past the last frame: what is left once they have come */
  snprintf(r->label, sizeof(r->label), "after the last frame");
  while (r->next_at < r->o->nat) {
    uint64_t at = r->o->at_ns[r->next_at++];
    tick(r->ctx, at);
    report_listing_at(r->rep, r->ctx, at, NULL);
  }
  int status = report_close(r->rep);
  r->rep = NULL;
  if (close_writer(&r->w[0], "--write-inside", r->o->write_inside) < 0 ||
      close_writer(&r->w[1], "--write-outside", r->o->write_outside) < 0)
    status = 2;
  if (r->cut[0]) {
    fprintf(stderr, "%s\n", r->cut);
    return 2;
  }
  if (r->o->expect_clean && expect_clean(r))
    status = status ? status : 1;
  return status;
}

int main(int argc, char **argv) {
  static options o;
  run r;
  memset(&r, 0, sizeof(r));
  r.o = &o;
  int first = parse_args(argc, argv, &o);
  if (first <= 0)
    return first == 0 ? 0 : 2;
  int status = 0;
  if (start(&r, argc, argv, first) < 0) {
    status = 2;
    close_writer(&r.w[0], "--write-inside", o.write_inside);
    close_writer(&r.w[1], "--write-outside", o.write_outside);
  } else {
    r.tty = isatty(STDERR_FILENO);
    r.stdout_tty = isatty(STDOUT_FILENO);
    clock_gettime(CLOCK_MONOTONIC, &r.t0);
    for (int i = first; i < argc && !r.cut[0]; i++)
      play_file(&r, argv[i]);
    status = finish(&r);
  }
  play_del(r.pl);
  pinhole_ctx_del(r.ctx);
  return status;
}

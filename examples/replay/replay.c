/*
 * pinhole-replay: plays real captures through a pinhole context.
 *
 *   pinhole-replay [--inside CIDR]... [--pool ADDR[:LO-HI]] [--rules FILE]
 *                  [--events] [--trace] [--expect-clean] [--check FILE]
 *                  CAPTURE...
 *
 * Reads pcap or pcapng files (Ethernet, Linux cooked v1/v2, raw IPv4) with
 * libpcap, feeds every IPv4 packet to pinhole_process() from the side its
 * source address is on, rewriting packets from the outside to what the
 * library's translations imply (see play.h), and prints one line per
 * packet the library dropped or the player could not match, then the
 * conversation listing at the capture's last timestamp and the counters.
 * Time is the capture's: now_ns counts from the first frame.
 *
 * Exit status: 0; 1 with --expect-clean when a packet was dropped,
 * unmatched or translated back differently, or with --check when the output
 * differs from FILE; 2 on usage or input errors.
 */
#include "play.h"

#include <pcap/pcap.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PREFIX 64
#define MAX_RULES 256

typedef struct options {
  play_prefix inside[MAX_PREFIX];
  size_t ninside;
  uint32_t pool_addr;
  uint16_t pool_lo, pool_hi;
  const char *rules_file;
  const char *check_file;
  int events, trace, expect_clean;
} options;

/* What the callbacks need: where to print and which frame is playing. */
typedef struct host {
  FILE *out;
  const options *opt;
  char label[300];
} host;

/* A growable text buffer for the report (so --check can compare it). */
typedef struct text {
  char *s;
  size_t len, cap;
} text;

static void usage(FILE *f) {
  fprintf(f,
          "usage: pinhole-replay [--inside CIDR]... [--pool ADDR[:LO-HI]]\n"
          "                      [--rules FILE] [--events] [--trace]\n"
          "                      [--expect-clean] [--check FILE] CAPTURE...\n"
          "  --inside CIDR   inside prefix (repeatable; default 10.0.0.0/8,\n"
          "                  172.16.0.0/12, 192.168.0.0/16, 198.18.0.0/24)\n"
          "  --pool ADDR[:LO-HI]  source NAT pool (default "
          "198.19.0.1:1024-65535)\n"
          "  --rules FILE    rules, one per line (default: inside to outside\n"
          "                  accepted with source NAT, ALG by port)\n"
          "  --events        print library events as they come\n"
          "  --trace         print ALG trace records as they come\n"
          "  --expect-clean  exit 1 when a packet is dropped or unmatched\n"
          "  --check FILE    exit 1 unless the report equals FILE\n");
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out) {
  char *end;
  if (!*s || *s == '-' || *s == '+')
    return -1;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v > max)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

static int parse_cidr(const char *s, uint32_t *addr, uint8_t *plen) {
  char a[32];
  const char *slash = strchr(s, '/');
  size_t alen = slash ? (size_t)(slash - s) : strlen(s);
  uint32_t pl = 32;
  if (alen >= sizeof(a))
    return -1;
  memcpy(a, s, alen);
  a[alen] = '\0';
  if (slash && parse_u32(slash + 1, 32, &pl) < 0)
    return -1;
  if (pinhole_addr_parse(a, addr) < 0)
    return -1;
  *plen = (uint8_t)pl;
  if (pl < 32)
    *addr &= pl ? UINT32_MAX << (32 - pl) : 0;
  return 0;
}

static int parse_range(const char *s, uint16_t *lo, uint16_t *hi) {
  char a[16];
  const char *dash = strchr(s, '-');
  uint32_t l, h;
  if (!dash) {
    if (parse_u32(s, 65535, &l) < 0)
      return -1;
    *lo = *hi = (uint16_t)l;
    return 0;
  }
  if ((size_t)(dash - s) >= sizeof(a))
    return -1;
  memcpy(a, s, (size_t)(dash - s));
  a[dash - s] = '\0';
  if (parse_u32(a, 65535, &l) < 0 || parse_u32(dash + 1, 65535, &h) < 0 ||
      l > h)
    return -1;
  *lo = (uint16_t)l;
  *hi = (uint16_t)h;
  return 0;
}

static int parse_pool(const char *s, options *o) {
  char a[32];
  const char *colon = strchr(s, ':');
  size_t alen = colon ? (size_t)(colon - s) : strlen(s);
  if (alen >= sizeof(a))
    return -1;
  memcpy(a, s, alen);
  a[alen] = '\0';
  if (pinhole_addr_parse(a, &o->pool_addr) < 0)
    return -1;
  if (colon)
    return parse_range(colon + 1, &o->pool_lo, &o->pool_hi);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Rules file                                                          */

/*
 * One rule per line, "key=value" words; '#' starts a comment:
 *   name=NAME side=inside|outside|any proto=tcp|udp|icmp|any|N
 *   src=CIDR dst=CIDR dport=N|LO-HI action=accept|discard|reject
 *   nat=none|source|dest|static pool=N nat-addr=ADDR nat-port=N alg=NAME
 * Defaults: side any, proto any, any address, any port, accept, no NAT,
 * pool 0 (the --pool pool), ALG by port.
 */
static int rule_word(pinhole_rule *r, const char *k, const char *v) {
  uint32_t n;
  uint16_t lo, hi;
  if (!strcmp(k, "name")) {
    if (strlen(v) >= sizeof(r->name))
      return -1;
    strcpy(r->name, v);
  } else if (!strcmp(k, "side")) {
    if (!strcmp(v, "inside"))
      r->side = PINHOLE_SIDE_INSIDE;
    else if (!strcmp(v, "outside"))
      r->side = PINHOLE_SIDE_OUTSIDE;
    else if (!strcmp(v, "any"))
      r->side = PINHOLE_SIDE_ANY;
    else
      return -1;
  } else if (!strcmp(k, "proto")) {
    if (!strcmp(v, "tcp"))
      r->proto = PINHOLE_IPPROTO_TCP;
    else if (!strcmp(v, "udp"))
      r->proto = PINHOLE_IPPROTO_UDP;
    else if (!strcmp(v, "icmp"))
      r->proto = PINHOLE_IPPROTO_ICMP;
    else if (!strcmp(v, "any"))
      r->proto = 0;
    else if (parse_u32(v, 255, &n) == 0)
      r->proto = (uint8_t)n;
    else
      return -1;
  } else if (!strcmp(k, "src")) {
    return parse_cidr(v, &r->src_addr, &r->src_plen);
  } else if (!strcmp(k, "dst")) {
    return parse_cidr(v, &r->dst_addr, &r->dst_plen);
  } else if (!strcmp(k, "dport")) {
    if (parse_range(v, &lo, &hi) < 0)
      return -1;
    r->dport_lo = lo;
    r->dport_hi = hi;
  } else if (!strcmp(k, "action")) {
    if (!strcmp(v, "accept"))
      r->action = PINHOLE_ACTION_ACCEPT;
    else if (!strcmp(v, "discard"))
      r->action = PINHOLE_ACTION_DISCARD;
    else if (!strcmp(v, "reject"))
      r->action = PINHOLE_ACTION_REJECT;
    else
      return -1;
  } else if (!strcmp(k, "nat")) {
    if (!strcmp(v, "none"))
      r->nat = PINHOLE_NAT_NONE;
    else if (!strcmp(v, "source"))
      r->nat = PINHOLE_NAT_SOURCE;
    else if (!strcmp(v, "dest"))
      r->nat = PINHOLE_NAT_DEST;
    else if (!strcmp(v, "static"))
      r->nat = PINHOLE_NAT_STATIC;
    else
      return -1;
  } else if (!strcmp(k, "pool")) {
    if (parse_u32(v, INT32_MAX, &n) < 0)
      return -1;
    r->pool = (int32_t)n;
  } else if (!strcmp(k, "nat-addr")) {
    return pinhole_addr_parse(v, &r->nat_addr) < 0 ? -1 : 0;
  } else if (!strcmp(k, "nat-port")) {
    if (parse_u32(v, 65535, &n) < 0)
      return -1;
    r->nat_port = (uint16_t)n;
  } else if (!strcmp(k, "alg")) {
    if (strlen(v) >= sizeof(r->alg))
      return -1;
    strcpy(r->alg, v);
  } else {
    return -1;
  }
  return 0;
}

static void rule_init(pinhole_rule *r) {
  memset(r, 0, sizeof(*r));
  r->size = sizeof(*r);
  r->side = PINHOLE_SIDE_ANY;
  r->action = PINHOLE_ACTION_ACCEPT;
  r->nat = PINHOLE_NAT_NONE;
}

static int load_rules(pinhole_ctx *ctx, const char *path) {
  FILE *f = fopen(path, "r");
  char line[1024];
  unsigned lineno = 0;
  if (!f) {
    fprintf(stderr, "pinhole-replay: %s: %s\n", path, strerror(errno));
    return -1;
  }
  while (fgets(line, sizeof(line), f)) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash)
      *hash = '\0';
    pinhole_rule r;
    rule_init(&r);
    int words = 0;
    for (char *save, *w = strtok_r(line, " \t\r\n", &save); w;
         w = strtok_r(NULL, " \t\r\n", &save)) {
      char *eq = strchr(w, '=');
      if (eq)
        *eq = '\0';
      if (!eq || rule_word(&r, w, eq + 1) < 0) {
        fprintf(stderr, "pinhole-replay: %s:%u: bad word '%s%s%s'\n", path,
                lineno, w, eq ? "=" : "", eq ? eq + 1 : "");
        fclose(f);
        return -1;
      }
      words++;
    }
    if (!words)
      continue;
    if (!r.name[0])
      snprintf(r.name, sizeof(r.name), "rule-%u", lineno);
    int rc = pinhole_rule_add(ctx, &r);
    if (rc < 0) {
      fprintf(stderr, "pinhole-replay: %s:%u: %s\n", path, lineno,
              pinhole_strerror(rc));
      fclose(f);
      return -1;
    }
  }
  fclose(f);
  return 0;
}

static int default_rules(pinhole_ctx *ctx, const options *o, int pool) {
  for (size_t i = 0; i < o->ninside; i++) {
    pinhole_rule r;
    rule_init(&r);
    snprintf(r.name, sizeof(r.name), "inside-out-%zu", i + 1);
    r.side = PINHOLE_SIDE_INSIDE;
    r.src_addr = o->inside[i].addr;
    r.src_plen = o->inside[i].plen;
    r.nat = PINHOLE_NAT_SOURCE;
    r.pool = pool;
    int rc = pinhole_rule_add(ctx, &r);
    if (rc < 0) {
      fprintf(stderr, "pinhole-replay: rule %s: %s\n", r.name,
              pinhole_strerror(rc));
      return -1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static void text_add(text *t, const char *s, size_t n) {
  if (t->len + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + n + 1)
      cap *= 2;
    char *ns = realloc(t->s, cap);
    if (!ns)
      return;
    t->s = ns;
    t->cap = cap;
  }
  memcpy(t->s + t->len, s, n);
  t->len += n;
  t->s[t->len] = '\0';
}

/* Formats with a library formatter of snprintf semantics into a heap
 * buffer. */
typedef int (*formatter)(const pinhole_ctx *ctx, char *buf, size_t len);

static char *format_all(const pinhole_ctx *ctx, formatter fn) {
  int n = fn(ctx, NULL, 0);
  if (n < 0)
    return NULL;
  char *s = malloc((size_t)n + 1);
  if (s && fn(ctx, s, (size_t)n + 1) < 0) {
    free(s);
    return NULL;
  }
  return s;
}

static void on_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  host *h = user;
  char line[512];
  (void)ctx;
  if (!h->opt->events)
    return;
  if (pinhole_event_format(ev, line, sizeof(line)) < 0)
    return;
  fprintf(h->out, "%s: event: %s\n", h->label, line);
}

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  host *h = user;
  char line[1024];
  (void)ctx;
  if (!h->opt->trace)
    return;
  if (pinhole_trace_format(tr, line, sizeof(line)) < 0)
    return;
  fprintf(h->out, "%s: trace: %s\n", h->label, line);
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

/* Returns the offset of the IPv4 header in a frame of link type dlt, or -1
 * when the frame carries something else. */
static long l3_offset(int dlt, const uint8_t *f, size_t caplen) {
  size_t off;
  uint16_t type;
  switch (dlt) {
  case DLT_EN10MB:
    if (caplen < 14)
      return -1;
    type = (uint16_t)(f[12] << 8 | f[13]);
    off = 14;
    while ((type == 0x8100 || type == 0x88A8) && caplen >= off + 4) {
      type = (uint16_t)(f[off + 2] << 8 | f[off + 3]);
      off += 4;
    }
    return type == 0x0800 ? (long)off : -1;
  case DLT_LINUX_SLL:
    if (caplen < 16)
      return -1;
    return (f[14] << 8 | f[15]) == 0x0800 ? 16 : -1;
#ifdef DLT_LINUX_SLL2
  case DLT_LINUX_SLL2:
    if (caplen < 20)
      return -1;
    return (f[0] << 8 | f[1]) == 0x0800 ? 20 : -1;
#endif
  case DLT_RAW:
#ifdef DLT_IPV4
  case DLT_IPV4:
#endif
    return caplen >= 1 && (f[0] >> 4) == 4 ? 0 : -1;
  case DLT_NULL:
    if (caplen < 4)
      return -1;
    /* host-order AF_INET (2) as written by the capturing machine */
    return (f[0] == 2 && f[1] == 0 && f[2] == 0 && f[3] == 0) ||
                   (f[0] == 0 && f[1] == 0 && f[2] == 0 && f[3] == 2)
               ? 4
               : -1;
  default:
    return -1;
  }
}

typedef struct run {
  pinhole_ctx *ctx;
  play *pl;
  host *h;
  uint64_t first_ns, last_ns, base_ns;
  int have_first;
  uint64_t frames, skipped_non_ipv4, truncated;
} run;

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static void tick(pinhole_ctx *ctx, uint64_t now) {
  for (int i = 0; i < 1000 && pinhole_tick(ctx, now) == PINHOLE_TICK_BUDGET;
       i++)
    ;
}

static int play_file(run *r, const char *path) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline_with_tstamp_precision(
      path, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!pc) {
    fprintf(stderr, "pinhole-replay: %s\n", err);
    return -1;
  }
  int dlt = pcap_datalink(pc);
  if (!supported_dlt(dlt)) {
    const char *name = pcap_datalink_val_to_name(dlt);
    fprintf(stderr, "pinhole-replay: %s: unsupported link type %s\n", path,
            name ? name : "?");
    pcap_close(pc);
    return -1;
  }
  struct pcap_pkthdr *hdr;
  const u_char *frame;
  uint64_t n = 0, file_first = 0;
  int rc;
  /* Each file starts where the previous one ended (plus 1 ms). */
  uint64_t base = r->have_first ? r->last_ns + 1000000u : 0;
  while ((rc = pcap_next_ex(pc, &hdr, &frame)) == 1) {
    n++;
    r->frames++;
    uint64_t ts =
        (uint64_t)hdr->ts.tv_sec * 1000000000u + (uint64_t)hdr->ts.tv_usec;
    if (n == 1)
      file_first = ts;
    uint64_t now = base + (ts >= file_first ? ts - file_first : 0);
    if (now < r->last_ns)
      now = r->last_ns; /* never backwards */
    r->last_ns = now;
    r->have_first = 1;
    snprintf(r->h->label, sizeof(r->h->label), "%s:%" PRIu64, base_name(path),
             n);
    long off = l3_offset(dlt, frame, hdr->caplen);
    if (off < 0) {
      r->skipped_non_ipv4++;
      continue;
    }
    size_t l3len = hdr->caplen - (size_t)off;
    if (hdr->caplen < hdr->len) {
      r->truncated++;
      fprintf(r->h->out,
              "%s: skipped: truncated by the capture (%u of %u "
              "bytes)\n",
              r->h->label, hdr->caplen, hdr->len);
      continue;
    }
    tick(r->ctx, now);
    play_packet(r->pl, frame + off, l3len, now, r->h->label, r->h->out);
  }
  if (rc == -1)
    fprintf(stderr, "pinhole-replay: %s: %s\n", path, pcap_geterr(pc));
  pcap_close(pc);
  return rc == -1 ? -1 : 0;
}

/* ------------------------------------------------------------------ */

static int read_file(const char *path, text *t) {
  FILE *f = fopen(path, "r");
  char buf[4096];
  size_t n;
  if (!f)
    return -1;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
    text_add(t, buf, n);
  int e = ferror(f);
  fclose(f);
  return e ? -1 : 0;
}

/* Prints the first line where got and want differ. */
static int check_output(const char *got, const char *path) {
  text want = {0};
  if (read_file(path, &want) < 0) {
    fprintf(stderr, "pinhole-replay: --check %s: %s\n", path, strerror(errno));
    return -1;
  }
  const char *w = want.s ? want.s : "";
  int same = strcmp(got, w) == 0;
  if (!same) {
    unsigned line = 1;
    const char *g = got, *ws = w;
    while (*g && *g == *ws) {
      if (*g == '\n') {
        line++;
      }
      g++;
      ws++;
    }
    const char *gl = g, *wl = ws;
    while (gl > got && gl[-1] != '\n')
      gl--;
    while (wl > w && wl[-1] != '\n')
      wl--;
    fprintf(stderr,
            "pinhole-replay: output differs from %s at line %u:\n"
            "  want: %.*s\n  got:  %.*s\n",
            path, line, (int)strcspn(wl, "\n"), wl, (int)strcspn(gl, "\n"), gl);
  }
  free(want.s);
  return same ? 0 : 1;
}

static int parse_args(int argc, char **argv, options *o, int *first) {
  static const play_prefix defaults[] = {{0x0A000000u, 8},
                                         {0xAC100000u, 12},
                                         {0xC0A80000u, 16},
                                         {0xC6120000u, 24}};
  int i;
  memset(o, 0, sizeof(*o));
  o->pool_addr = 0xC6130001u; /* 198.19.0.1 */
  o->pool_lo = 1024;
  o->pool_hi = 65535;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--")) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] != '-')
      break;
    if (!strcmp(a, "--events")) {
      o->events = 1;
    } else if (!strcmp(a, "--trace")) {
      o->trace = 1;
    } else if (!strcmp(a, "--expect-clean")) {
      o->expect_clean = 1;
    } else if (!strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    } else if (strcmp(a, "--inside") && strcmp(a, "--pool") &&
               strcmp(a, "--rules") && strcmp(a, "--check")) {
      fprintf(stderr, "pinhole-replay: unknown option %s\n", a);
      return -1;
    } else if (!val) {
      fprintf(stderr, "pinhole-replay: %s needs a value\n", a);
      return -1;
    } else if (!strcmp(a, "--inside")) {
      if (o->ninside == MAX_PREFIX ||
          parse_cidr(val, &o->inside[o->ninside].addr,
                     &o->inside[o->ninside].plen) < 0) {
        fprintf(stderr, "pinhole-replay: bad --inside %s\n", val);
        return -1;
      }
      o->ninside++;
      i++;
    } else if (!strcmp(a, "--pool")) {
      if (parse_pool(val, o) < 0) {
        fprintf(stderr, "pinhole-replay: bad --pool %s\n", val);
        return -1;
      }
      i++;
    } else if (!strcmp(a, "--rules")) {
      o->rules_file = val;
      i++;
    } else {
      o->check_file = val;
      i++;
    }
  }
  if (!o->ninside) {
    memcpy(o->inside, defaults, sizeof(defaults));
    o->ninside = sizeof(defaults) / sizeof(defaults[0]);
  }
  if (i >= argc) {
    fprintf(stderr, "pinhole-replay: no capture given\n");
    return -1;
  }
  *first = i;
  return 0;
}

static pinhole_ctx *make_ctx(const options *o, host *h) {
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
  int rc = pinhole_ctx_new(&ctx, &cfg, &cb, h);
  if (rc < 0) {
    fprintf(stderr, "pinhole-replay: pinhole_ctx_new: %s\n",
            pinhole_strerror(rc));
    return NULL;
  }
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = o->pool_addr;
  pool.port_lo = o->pool_lo;
  pool.port_hi = o->pool_hi;
  int pid = pinhole_pool_add(ctx, &pool);
  if (pid < 0) {
    fprintf(stderr, "pinhole-replay: pinhole_pool_add: %s\n",
            pinhole_strerror(pid));
  } else if (o->rules_file ? load_rules(ctx, o->rules_file) == 0
                           : default_rules(ctx, o, pid) == 0) {
    return ctx;
  }
  pinhole_ctx_del(ctx);
  return NULL;
}

int main(int argc, char **argv) {
  options o;
  int first;
  if (parse_args(argc, argv, &o, &first) < 0) {
    usage(stderr);
    return 2;
  }
  /* With --check the report goes to a memory stream to be compared. */
  char *report = NULL;
  size_t report_len = 0;
  FILE *out = o.check_file ? open_memstream(&report, &report_len) : stdout;
  if (!out)
    return 2;
  host h = {out, &o, ""};
  run r;
  memset(&r, 0, sizeof(r));
  r.h = &h;
  r.ctx = make_ctx(&o, &h);
  r.pl = r.ctx ? play_new(r.ctx, o.inside, o.ninside) : NULL;
  int status = r.pl ? 0 : 2;
  for (int i = first; status == 0 && i < argc; i++)
    if (play_file(&r, argv[i]) < 0)
      status = 2;
  if (status == 0) {
    /* The listing as it stands at the last frame, before anything expires. */
    char *conv = format_all(r.ctx, pinhole_conversations_format);
    char *stats = format_all(r.ctx, pinhole_stats_format);
    const play_totals *t = play_get_totals(r.pl);
    fprintf(out, "\n%s\n%s", conv ? conv : "(no listing)\n",
            stats ? stats : "(no statistics)\n");
    fprintf(out,
            "\nReplay: %" PRIu64 " frames, %" PRIu64 " from inside, %" PRIu64
            " from outside, %" PRIu64 " non-IPv4 skipped, %" PRIu64
            " truncated, %" PRIu64 " dropped, %" PRIu64 " unmatched, %" PRIu64
            " mismatched, %" PRIu64 " unplayable\n",
            r.frames, t->inside, t->outside, r.skipped_non_ipv4, r.truncated,
            t->dropped, t->unmatched, t->mismatched, t->unplayable);
    free(conv);
    free(stats);
    if (o.expect_clean && (t->dropped || t->unmatched || t->mismatched ||
                           t->unplayable || r.truncated))
      status = 1;
  }
  if (out != stdout) {
    fclose(out);
    if (report)
      fputs(report, stdout);
  }
  if (status == 0 && o.check_file) {
    int c = check_output(report ? report : "", o.check_file);
    status = c < 0 ? 2 : c;
  }
  free(report);
  play_del(r.pl);
  pinhole_ctx_del(r.ctx);
  return status;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-replay: the command line and the rules file. Every message names
 * what was wrong and what is allowed.
 */
#include "replay.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PROG "pinhole-replay"

static void usage(FILE *f) {
  fputs(
      "usage: pinhole-replay [OPTION]... CAPTURE...\n"
      "\n"
      "Plays pcap/pcapng captures taken without NAT through a pinhole "
      "context:\n"
      "packets from the inside go in as they are, packets from the outside "
      "are\n"
      "rewritten to what the NAT implies. Prints the packets the library "
      "dropped\n"
      "and why, the conversation listing at the last frame, the counters "
      "and a\n"
      "summary. Several captures play one after the other.\n"
      "\n"
      "  --inside CIDR         inside prefix, IPv4 or IPv6, repeatable "
      "(default\n"
      "                        10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16,\n"
      "                        198.18.0.0/24; IPv6 fc00::/7; each family's\n"
      "                        default holds until one of its own is "
      "given)\n"
      "  --pool ADDR[-ADDR][:LO-HI]\n"
      "                        the source NAT pool: 1 to 16 addresses, "
      "ports\n"
      "                        within 1024-65535 (default "
      "198.19.0.1:1024-65535)\n"
      "  --nat64 PREFIX        NAT64 (RFC 6146) through the pool: IPv6 inside\n"
      "                        prefixes reach IPv4 servers at their RFC "
      "6052\n"
      "                        addresses under PREFIX (e.g. 64:ff9b::/96);\n"
      "                        outside frames from them are played as the\n"
      "                        IPv4 packets the servers sent\n"
      "  --rules FILE          rules, one per line, instead of the default\n"
      "                        (inside prefixes out through the pool, ALG "
      "by port;\n"
      "                        IPv6: inside prefixes out, not translated)\n"
      "  --fix-cksums          recompute every frame's checksums before "
      "feeding\n"
      "                        (captures taken where the NIC computes "
      "them)\n"
      "  --at SECONDS          also print the listing at that time of the\n"
      "                        capture, from its first frame (repeatable)\n"
      "  --filter TERMS        list only conversations with a flow that "
      "matches\n"
      "                        every comma-separated term: alg=NAME,\n"
      "                        proto=tcp|udp|icmp|N, addr=CIDR, port=N, "
      "conv=ID,\n"
      "                        state=watch|forward (repeatable: any "
      "filter)\n"
      "  --json                the report as one JSON document\n"
      "  --events              print the library's events as they happen\n"
      "  --trace               print the ALGs' trace records as they "
      "happen\n"
      "  --trace=debug         the same in the layout of the firewall's FTP "
      "ALG\n"
      "                        debug output (\"## time : received PASV "
      "command,\n"
      "                        TCP SEQ ...\", hex dumps, seq diff lines)\n"
      "  --write-outside FILE  write the packets the library sent to the "
      "outside\n"
      "                        (pcap, raw IP, the capture's timestamps)\n"
      "  --write-inside FILE   the same for the inside\n"
      "  --expect-clean        exit 1 when a packet was dropped, unmatched,\n"
      "                        mismatched or unplayable, or none was IP\n"
      "  --check FILE          exit 1 unless the report equals FILE\n"
      "  -h, --help            print this help\n"
      "  --version             print the version and exit\n"
      "\n"
      "Exit status: 0; 1 as --expect-clean and --check say; 2 on a usage "
      "error,\n"
      "a bad rules file or an unusable capture (not a capture, cut short,\n"
      "unsupported link type).\n"
      "\n"
      "Example: replay active FTP with a narrow pool on another address, "
      "show\n"
      "the FTP ALG's work and write what the NAT sent out:\n"
      "  pinhole-replay --pool 198.19.0.7:2000-2100 --trace \\\n"
      "      --write-outside out.pcap examples/captures/ftp-active.pcap\n",
      f);
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out) {
  char *end;
  if (!*s || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v > max)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

/* Copies s[0..n) into buf (of len bytes) as a string; -1 when too long. */
static int cut(char *buf, size_t len, const char *s, size_t n) {
  if (n >= len)
    return -1;
  memcpy(buf, s, n);
  buf[n] = '\0';
  return 0;
}

static int parse_cidr(const char *s, uint32_t *addr, uint8_t *plen) {
  char a[32];
  const char *slash = strchr(s, '/');
  uint32_t pl = 32;
  if (cut(a, sizeof(a), s, slash ? (size_t)(slash - s) : strlen(s)) < 0)
    return -1;
  if (slash && parse_u32(slash + 1, 32, &pl) < 0)
    return -1;
  if (pinhole_addr_parse(a, addr) < 0)
    return -1;
  *plen = (uint8_t)pl;
  if (pl < 32)
    *addr &= pl ? UINT32_MAX << (32 - pl) : 0;
  return 0;
}

static int parse_range(const char *s, uint32_t max, uint16_t *lo,
                       uint16_t *hi) {
  char a[16];
  const char *dash = strchr(s, '-');
  uint32_t l, h;
  if (!dash) {
    if (parse_u32(s, max, &l) < 0)
      return -1;
    *lo = *hi = (uint16_t)l;
    return 0;
  }
  if (cut(a, sizeof(a), s, (size_t)(dash - s)) < 0 ||
      parse_u32(a, max, &l) < 0 || parse_u32(dash + 1, max, &h) < 0 || l > h)
    return -1;
  *lo = (uint16_t)l;
  *hi = (uint16_t)h;
  return 0;
}

static int bad_pool(const char *s, const char *why) {
  fprintf(stderr,
          PROG ": bad --pool '%s': %s (expected ADDR[-ADDR][:LO-HI], e.g. "
               "198.19.0.1:1024-65535)\n",
          s, why);
  return -1;
}

/* ADDR[-ADDR][:LO-HI]: the address range first, then the ports. */
static int parse_pool(const char *s, options *o) {
  char a[64], lo[32];
  const char *colon = strchr(s, ':');
  if (cut(a, sizeof(a), s, colon ? (size_t)(colon - s) : strlen(s)) < 0)
    return bad_pool(s, "too long");
  char *dash = strchr(a, '-');
  if (dash)
    *dash = '\0';
  if (cut(lo, sizeof(lo), a, strlen(a)) < 0 ||
      pinhole_addr_parse(lo, &o->pool_addr_lo) < 0)
    return bad_pool(s, "the address is not an IPv4 address");
  o->pool_addr_hi = o->pool_addr_lo;
  if (dash && pinhole_addr_parse(dash + 1, &o->pool_addr_hi) < 0)
    return bad_pool(s, "the last address is not an IPv4 address");
  if (o->pool_addr_hi < o->pool_addr_lo ||
      o->pool_addr_hi - o->pool_addr_lo >= 16)
    return bad_pool(s, "an address range holds 1 to 16 addresses, first to "
                       "last");
  if (colon && (parse_range(colon + 1, 65535, &o->pool_lo, &o->pool_hi) < 0 ||
                o->pool_lo < 1024))
    return bad_pool(s, "the port range must be within 1024-65535, LO <= HI");
  return 0;
}

/* SECONDS[.FRACTION] from the first frame, to the nanosecond. */
static int parse_at(const char *s, uint64_t *ns) {
  uint64_t sec = 0, frac = 0;
  size_t digits = 0, fdigits = 0;
  for (; *s >= '0' && *s <= '9'; s++, digits++) {
    if (sec > (UINT64_MAX / 1000000000u - 9) / 10)
      return -1;
    sec = sec * 10 + (uint64_t)(*s - '0');
  }
  if (*s == '.')
    for (s++; *s >= '0' && *s <= '9'; s++, fdigits++)
      if (fdigits < 9)
        frac = frac * 10 + (uint64_t)(*s - '0');
  if (*s == 's')
    s++;
  if (*s || (!digits && !fdigits))
    return -1;
  for (size_t i = fdigits; i < 9; i++)
    frac *= 10;
  *ns = sec * 1000000000u + frac;
  return 0;
}

static int add_at(options *o, const char *s) {
  uint64_t ns;
  if (o->nat == MAX_AT || parse_at(s, &ns) < 0) {
    fprintf(stderr,
            PROG ": bad --at '%s': expected seconds from the capture's first "
                 "frame, e.g. 1.5 (at most %d times)\n",
            s, MAX_AT);
    return -1;
  }
  size_t i = o->nat++;
  for (; i > 0 && o->at_ns[i - 1] > ns; i--)
    o->at_ns[i] = o->at_ns[i - 1];
  o->at_ns[i] = ns;
  return 0;
}

/* ------------------------------------------------------------------ */
/* --filter                                                            */

static int proto_number(const char *v, uint32_t *n) {
  if (!strcmp(v, "tcp"))
    *n = PINHOLE_IPPROTO_TCP;
  else if (!strcmp(v, "udp"))
    *n = PINHOLE_IPPROTO_UDP;
  else if (!strcmp(v, "icmp"))
    *n = PINHOLE_IPPROTO_ICMP;
  else if (parse_u32(v, 254, n) < 0 || *n == 0)
    return -1;
  return 0;
}

static int alg_known(const char *v) {
  if (!strcmp(v, "none"))
    return 1;
  for (int i = 0; i < pinhole_alg_count(); i++)
    if (!strcmp(v, pinhole_alg_name(i)))
      return 1;
  return 0;
}

/* "ftp rtsp sip tftp" */
static void alg_list(char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < pinhole_alg_count(); i++) {
    int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
                     pinhole_alg_name(i));
    if (n < 0 || (size_t)n >= len - used)
      break;
    used += (size_t)n;
  }
}

static int filter_term_parse(filter_term *t, const char *k, const char *v) {
  memset(t, 0, sizeof(*t));
  if (!strcmp(k, "alg")) {
    t->key = FILTER_ALG;
    return alg_known(v) && !cut(t->alg, sizeof(t->alg), v, strlen(v)) ? 0 : -1;
  }
  if (!strcmp(k, "proto")) {
    t->key = FILTER_PROTO;
    return proto_number(v, &t->num);
  }
  if (!strcmp(k, "addr")) {
    t->key = FILTER_ADDR;
    return parse_cidr(v, &t->num, &t->plen);
  }
  if (!strcmp(k, "port")) {
    t->key = FILTER_PORT;
    return parse_u32(v, 65535, &t->num);
  }
  if (!strcmp(k, "conv")) {
    t->key = FILTER_CONV;
    return parse_u32(v, UINT32_MAX, &t->num);
  }
  if (!strcmp(k, "state")) {
    t->key = FILTER_STATE;
    t->num = !strcmp(v, "watch")     ? PINHOLE_FLOW_WATCH
             : !strcmp(v, "forward") ? PINHOLE_FLOW_FORWARD
                                     : 0;
    return t->num ? 0 : -1;
  }
  return -1;
}

static int add_filter(options *o, const char *s) {
  char copy[512], algs[128];
  filter *f = &o->filters[o->nfilters];
  memset(f, 0, sizeof(*f));
  if (o->nfilters == MAX_FILTERS || cut(copy, sizeof(copy), s, strlen(s)) < 0)
    goto bad;
  for (char *save, *w = strtok_r(copy, ",", &save); w;
       w = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(w, '=');
    if (!eq || f->n == MAX_TERMS)
      goto bad;
    *eq = '\0';
    if (filter_term_parse(&f->t[f->n], w, eq + 1) < 0)
      goto bad;
    f->n++;
  }
  if (!f->n)
    goto bad;
  o->nfilters++;
  return 0;
bad:
  alg_list(algs, sizeof(algs));
  fprintf(stderr,
          PROG ": bad --filter '%s': expected up to %d comma-separated terms "
               "alg=NAME (none %s), proto=tcp|udp|icmp|N, addr=CIDR, "
               "port=N, conv=ID, state=watch|forward (at most %d filters)\n",
          s, MAX_TERMS, algs, MAX_FILTERS);
  return -1;
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
typedef struct rule_key {
  const char *key;
  const char *allowed; /* for the error message */
} rule_key;

static const rule_key rule_keys[] = {
    {"name", "up to 31 characters"},
    {"side", "inside, outside or any"},
    {"proto", "tcp, udp, icmp, any or a protocol number 1-254"},
    {"src", "ADDR or ADDR/LEN with LEN 0-32"},
    {"dst", "ADDR or ADDR/LEN with LEN 0-32"},
    {"dport", "N or LO-HI with 1 <= LO <= HI <= 65535"},
    {"action", "accept, discard or reject"},
    {"nat", "none, source, dest or static"},
    {"pool", "0 (the --pool pool)"},
    {"nat-addr", "an IPv4 address"},
    {"nat-port", "a port 1-65535"},
    {"alg", NULL}, /* the ALG names */
};

static int word_enum(const char *v, const char *const *names, size_t n,
                     uint8_t *out) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v, names[i])) {
      *out = (uint8_t)i;
      return 0;
    }
  return -1;
}

/* Sets the rule field of key k (an index in rule_keys) from v. */
static int rule_word(pinhole_rule *r, size_t k, const char *v) {
  static const char *const sides[] = {"inside", "outside"};
  static const char *const actions[] = {"accept", "discard", "reject"};
  static const char *const nats[] = {"none", "source", "dest", "static"};
  uint32_t n;
  uint16_t lo, hi;
  switch (k) {
  case 0:
    return cut(r->name, sizeof(r->name), v, strlen(v));
  case 1:
    if (!strcmp(v, "any")) {
      r->side = PINHOLE_SIDE_ANY;
      return 0;
    }
    return word_enum(v, sides, 2, &r->side);
  case 2:
    if (!strcmp(v, "any")) {
      r->proto = 0;
      return 0;
    }
    if (proto_number(v, &n) < 0)
      return -1;
    r->proto = (uint8_t)n;
    return 0;
  case 3:
    return parse_cidr(v, &r->src_addr, &r->src_plen);
  case 4:
    return parse_cidr(v, &r->dst_addr, &r->dst_plen);
  case 5:
    if (parse_range(v, 65535, &lo, &hi) < 0 || lo == 0)
      return -1;
    r->dport_lo = lo;
    r->dport_hi = hi;
    return 0;
  case 6:
    return word_enum(v, actions, 3, &r->action);
  case 7:
    return word_enum(v, nats, 4, &r->nat);
  case 8:
    if (parse_u32(v, 0, &n) < 0)
      return -1;
    r->pool = (int32_t)n;
    return 0;
  case 9:
    return pinhole_addr_parse(v, &r->nat_addr) < 0 ? -1 : 0;
  case 10:
    if (parse_u32(v, 65535, &n) < 0 || n == 0)
      return -1;
    r->nat_port = (uint16_t)n;
    return 0;
  default:
    if (!alg_known(v))
      return -1;
    return cut(r->alg, sizeof(r->alg), v, strlen(v));
  }
}

static void rule_init(pinhole_rule *r) {
  memset(r, 0, sizeof(*r));
  r->size = sizeof(*r);
  r->side = PINHOLE_SIDE_ANY;
  r->action = PINHOLE_ACTION_ACCEPT;
  r->nat = PINHOLE_NAT_NONE;
}

static int bad_word(const char *path, unsigned line, const char *w,
                    const char *v) {
  char algs[128];
  size_t nkeys = sizeof(rule_keys) / sizeof(rule_keys[0]);
  alg_list(algs, sizeof(algs));
  if (!v) {
    fprintf(stderr, PROG ": %s:%u: '%s' is not key=value\n", path, line, w);
    return -1;
  }
  for (size_t k = 0; k < nkeys; k++)
    if (!strcmp(w, rule_keys[k].key)) {
      fprintf(stderr, PROG ": %s:%u: bad %s '%s': %s is %s%s\n", path, line, w,
              v, w,
              rule_keys[k].allowed ? rule_keys[k].allowed : "none or one of ",
              rule_keys[k].allowed ? "" : algs);
      return -1;
    }
  fprintf(stderr,
          PROG ": %s:%u: unknown key '%s' (keys: name side proto src dst "
               "dport action nat pool nat-addr nat-port alg)\n",
          path, line, w);
  return -1;
}

/* Parses one line's words into *r; returns the number of words, or -1. */
static int rule_line(char *line, pinhole_rule *r, const char *path,
                     unsigned lineno) {
  int words = 0;
  size_t nkeys = sizeof(rule_keys) / sizeof(rule_keys[0]);
  for (char *save, *w = strtok_r(line, " \t\r\n", &save); w;
       w = strtok_r(NULL, " \t\r\n", &save)) {
    char *eq = strchr(w, '=');
    if (!eq)
      return bad_word(path, lineno, w, NULL);
    *eq = '\0';
    size_t k = 0;
    while (k < nkeys && strcmp(w, rule_keys[k].key))
      k++;
    if (k == nkeys || rule_word(r, k, eq + 1) < 0)
      return bad_word(path, lineno, w, eq + 1);
    words++;
  }
  return words;
}

static int load_rules(options *o) {
  const char *path = o->rules_file;
  FILE *f = fopen(path, "r");
  char line[1024];
  unsigned lineno = 0;
  if (!f) {
    fprintf(stderr, PROG ": --rules %s: %s\n", path, strerror(errno));
    return -1;
  }
  int rc = 0;
  while (rc == 0 && fgets(line, sizeof(line), f)) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash)
      *hash = '\0';
    pinhole_rule *r = &o->rules[o->nrules];
    rule_init(r);
    int words = rule_line(line, r, path, lineno);
    if (words < 0) {
      rc = -1;
    } else if (words > 0 && o->nrules == MAX_RULES) {
      fprintf(stderr, PROG ": %s:%u: more than %d rules\n", path, lineno,
              MAX_RULES);
      rc = -1;
    } else if (words > 0) {
      if (!r->name[0])
        snprintf(r->name, sizeof(r->name), "rule-%u", lineno);
      o->nrules++;
    }
  }
  if (rc == 0 && ferror(f)) {
    fprintf(stderr, PROG ": --rules %s: read error\n", path);
    rc = -1;
  }
  fclose(f);
  return rc;
}

/* The IPv6 rules, after the IPv4 ones (default or from the file, which
 * has no IPv6 syntax): with --nat64, each IPv6 inside prefix to the
 * NAT64 prefix translated to IPv4 through the pool; then each inside
 * prefix out to anywhere, not translated; nothing from the outside but
 * what answers them. */
static int add_rules6(options *o, int pool) {
  size_t n64 = o->nat64.plen ? o->ninside6 : 0;
  for (size_t i = 0; i < n64 && o->nrules < MAX_RULES; i++) {
    pinhole_rule *r = &o->rules[o->nrules++];
    rule_init(r);
    snprintf(r->name, sizeof(r->name), "inside6-nat64-%u", (unsigned)i + 1);
    r->side = PINHOLE_SIDE_INSIDE;
    r->family = 6;
    memcpy(r->src6, o->inside6[i].addr, 16);
    r->src_plen = o->inside6[i].plen;
    memcpy(r->dst6, o->nat64.addr, 16);
    r->dst_plen = o->nat64.plen;
    r->nat = PINHOLE_NAT_SOURCE;
    r->pool = pool;
  }
  if (o->nrules + o->ninside6 > MAX_RULES) {
    fprintf(stderr,
            PROG ": too many rules with the IPv6 inside prefixes (at "
                 "most %d)\n",
            MAX_RULES);
    return -1;
  }
  for (size_t i = 0; i < o->ninside6; i++) {
    pinhole_rule *r = &o->rules[o->nrules++];
    rule_init(r);
    snprintf(r->name, sizeof(r->name), "inside6-out-%u", (unsigned)i + 1);
    r->side = PINHOLE_SIDE_INSIDE;
    r->family = 6;
    memcpy(r->src6, o->inside6[i].addr, 16);
    r->src_plen = o->inside6[i].plen;
  }
  return 0;
}

int add_rules(pinhole_ctx *ctx, options *o, int pool) {
  if (!o->rules_file) {
    for (size_t i = 0; i < o->ninside && i < MAX_RULES; i++) {
      pinhole_rule *r = &o->rules[i];
      rule_init(r);
      snprintf(r->name, sizeof(r->name), "inside-out-%zu", i + 1);
      r->side = PINHOLE_SIDE_INSIDE;
      r->src_addr = o->inside[i].addr;
      r->src_plen = o->inside[i].plen;
      r->nat = PINHOLE_NAT_SOURCE;
      r->pool = pool;
      o->nrules = i + 1;
    }
  }
  if (add_rules6(o, pool) < 0)
    return -1;
  for (size_t i = 0; i < o->nrules; i++) {
    int rc = pinhole_rule_add(ctx, &o->rules[i]);
    if (rc < 0) {
      fprintf(stderr,
              PROG ": %s: rule %s: the library refused it: %s (check that "
                   "nat=dest and nat=static have nat-addr and a dst prefix, "
                   "and prefix lengths are 0-32)\n",
              o->rules_file ? o->rules_file : "default rules", o->rules[i].name,
              pinhole_strerror(rc));
      return -1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

/* Options that take a value. */
static const char *const valued[] = {
    "--inside", "--pool",          "--rules",        "--check", "--at",
    "--filter", "--write-outside", "--write-inside", "--nat64", NULL};

static int is_valued(const char *a) {
  for (size_t i = 0; valued[i]; i++)
    if (!strcmp(a, valued[i]))
      return 1;
  return 0;
}

static int flag(options *o, const char *a) {
  if (!strcmp(a, "--events"))
    o->events = 1;
  else if (!strcmp(a, "--trace"))
    o->trace = 1;
  else if (!strcmp(a, "--trace=debug"))
    o->trace = 2;
  else if (!strcmp(a, "--expect-clean"))
    o->expect_clean = 1;
  else if (!strcmp(a, "--fix-cksums"))
    o->fix_cksums = 1;
  else if (!strcmp(a, "--json"))
    o->json = 1;
  else
    return -1;
  return 0;
}

/* --inside with an IPv6 prefix ("2001:db8:1::/48"; no length: /128). */
static int add_inside6(options *o, const char *val) {
  unsigned plen = 128;
  play_prefix6 *x = &o->inside6[o->ninside6];
  int rc = o->ninside6 == MAX_PREFIX ? -1 : 0;
  if (rc == 0 && strchr(val, '/'))
    rc = pinhole_prefix6_parse(val, strlen(val), x->addr, &plen);
  else if (rc == 0)
    rc = pinhole_addr6_parse(val, strlen(val), x->addr);
  if (rc < 0) {
    fprintf(stderr,
            PROG ": bad --inside '%s': expected ADDR/LEN with LEN 0-128 and "
                 "no bits set past LEN, e.g. 2001:db8:1::/48 (at most %d)\n",
            val, MAX_PREFIX);
    return -1;
  }
  x->plen = (uint8_t)plen;
  o->ninside6++;
  return 0;
}

/* --nat64 PREFIX: an RFC 6052 prefix (/32, /40, /48, /56, /64, /96). */
static int set_nat64(options *o, const char *val) {
  unsigned plen = 0;
  if (pinhole_prefix6_parse(val, strlen(val), o->nat64.addr, &plen) < 0 ||
      (plen != 32 && plen != 40 && plen != 48 && plen != 56 && plen != 64 &&
       plen != 96)) {
    fprintf(stderr,
            PROG ": bad --nat64 '%s': expected an RFC 6052 prefix of length "
                 "32, 40, 48, 56, 64 or 96, e.g. 64:ff9b::/96\n",
            val);
    return -1;
  }
  o->nat64.plen = (uint8_t)plen;
  return 0;
}

static int valued_option(options *o, const char *a, const char *val) {
  if (!strcmp(a, "--nat64"))
    return set_nat64(o, val);
  if (!strcmp(a, "--inside") && strchr(val, ':'))
    return add_inside6(o, val);
  if (!strcmp(a, "--inside")) {
    if (o->ninside == MAX_PREFIX ||
        parse_cidr(val, &o->inside[o->ninside].addr,
                   &o->inside[o->ninside].plen) < 0) {
      fprintf(stderr,
              PROG ": bad --inside '%s': expected ADDR/LEN with LEN 0-32, "
                   "e.g. 198.18.0.0/24 (at most %d)\n",
              val, MAX_PREFIX);
      return -1;
    }
    o->ninside++;
    return 0;
  }
  if (!strcmp(a, "--pool"))
    return parse_pool(val, o);
  if (!strcmp(a, "--at"))
    return add_at(o, val);
  if (!strcmp(a, "--filter"))
    return add_filter(o, val);
  if (!strcmp(a, "--rules"))
    o->rules_file = val;
  else if (!strcmp(a, "--check"))
    o->check_file = val;
  else if (!strcmp(a, "--write-outside"))
    o->write_outside = val;
  else
    o->write_inside = val;
  return 0;
}

static void defaults(options *o) {
  memset(o, 0, sizeof(*o));
  o->pool_addr_lo = o->pool_addr_hi = 0xC6130001u; /* 198.19.0.1 */
  o->pool_lo = 1024;
  o->pool_hi = 65535;
}

/* One argument at argv[*i] (and its value): 0, 1 for --help, 2 for
 * --version, -1. */
static int one_arg(int argc, char **argv, int *i, options *o) {
  char name[32];
  const char *a = argv[*i], *val = NULL;
  const char *eq = strchr(a, '=');
  if (!strcmp(a, "-h") || !strcmp(a, "--help"))
    return 1;
  if (!strcmp(a, "--version"))
    return 2;
  if (eq && !cut(name, sizeof(name), a, (size_t)(eq - a)) && is_valued(name)) {
    a = name;
    val = eq + 1;
  } else if (is_valued(a)) {
    if (*i + 1 >= argc) {
      fprintf(stderr, PROG ": %s needs a value (see --help)\n", a);
      return -1;
    }
    val = argv[++*i];
  } else if (flag(o, a) == 0) {
    return 0;
  } else {
    fprintf(stderr, PROG ": unknown option %s (see --help)\n", a);
    return -1;
  }
  return valued_option(o, a, val);
}

int parse_args(int argc, char **argv, options *o) {
  static const play_prefix inside[] = {{0x0A000000u, 8},
                                       {0xAC100000u, 12},
                                       {0xC0A80000u, 16},
                                       {0xC6120000u, 24}};
  int i;
  defaults(o);
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == '\0')
      break;
    int rc = one_arg(argc, argv, &i, o);
    if (rc == 1) {
      usage(stdout);
      return 0;
    }
    if (rc == 2) {
      printf(PROG " %s (libpinhole %s)\n", PINHOLE_VERSION_STRING,
             pinhole_version());
      return 0;
    }
    if (rc < 0)
      return -1;
  }
  if (!o->ninside) {
    memcpy(o->inside, inside, sizeof(inside));
    o->ninside = sizeof(inside) / sizeof(inside[0]);
  }
  if (!o->ninside6) { /* fc00::/7, unique local (RFC 4193) */
    o->inside6[0] = (play_prefix6){{0xFC}, 7};
    o->ninside6 = 1;
  }
  if (i >= argc) {
    fprintf(stderr, PROG ": no capture given (usage: pinhole-replay "
                         "[OPTION]... CAPTURE...; see --help)\n");
    return -1;
  }
  if (o->rules_file && load_rules(o) < 0)
    return -1;
  return i;
}

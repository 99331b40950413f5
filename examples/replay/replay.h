/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-replay: what its files share (options, the report writer).
 *
 *   replay.c   main: captures in, the report out, pcap writers, progress
 *   opts.c     command line, --pool, --filter, --at, the rules file, usage
 *   report.c   the report as text or JSON, listings (filtered), --check
 *   play.c     the packet player (play.h)
 *   seq.c      TCP sequence deltas and header edits (seq.h, test-seq.c)
 */
#ifndef PINHOLE_REPLAY_REPLAY_H
#define PINHOLE_REPLAY_REPLAY_H

#include "play.h"

#include <stdio.h>

#define MAX_PREFIX 64
#define MAX_RULES 256
#define MAX_AT 64
#define MAX_FILTERS 16
#define MAX_TERMS 8

/* One --filter: every term must hold for one flow of a conversation. */
enum filter_key {
  FILTER_ALG = 1,   /* alg=NAME ("none" for no ALG) */
  FILTER_PROTO = 2, /* proto=tcp|udp|icmp|N */
  FILTER_ADDR = 3,  /* addr=CIDR: any address of the flow, either side */
  FILTER_PORT = 4,  /* port=N: any port of the flow, either side */
  FILTER_CONV = 5,  /* conv=ID */
  FILTER_STATE = 6  /* state=watch|forward */
};

typedef struct filter_term {
  int key;
  uint32_t num; /* proto, port, conv id, state, or address */
  uint8_t plen; /* address prefix length */
  char alg[16];
} filter_term;

typedef struct filter {
  filter_term t[MAX_TERMS];
  size_t n;
} filter;

typedef struct options {
  play_prefix inside[MAX_PREFIX];
  size_t ninside;
  play_prefix6 inside6[MAX_PREFIX]; /* --inside with IPv6 prefixes */
  size_t ninside6;
  play_prefix6 nat64; /* --nat64 (plen 0: none) */
  uint32_t pool_addr_lo, pool_addr_hi;
  uint16_t pool_lo, pool_hi;
  const char *rules_file;
  pinhole_rule rules[MAX_RULES]; /* from rules_file */
  size_t nrules;
  const char *check_file;
  const char *write_outside, *write_inside;
  filter filters[MAX_FILTERS]; /* a conversation shown matches one */
  size_t nfilters;
  uint64_t at_ns[MAX_AT]; /* --at, ascending */
  size_t nat;
  int events, trace /* 1: one line, 2: debug layout */, expect_clean,
      fix_cksums, json;
} options;

/* opts.c */

/* Parses the command line into *o (rules file included). Returns the
 * index of the first capture, 0 after --help (printed, exit 0), or -1
 * after printing why on stderr (exit 2). */
int parse_args(int argc, char **argv, options *o);

/* Adds o's rules (from the file, or the defaults: inside prefixes out
 * through pool) to ctx. Returns 0, or -1 after printing why. */
int add_rules(pinhole_ctx *ctx, options *o, int pool);

/* report.c */

typedef struct report report;

/* Opens the report on stdout, as text or JSON; with check_file, every
 * byte is also compared with that file's (the first difference is kept
 * for report_close). Returns NULL after printing why (the check file
 * cannot be read). */
report *report_open(const options *o);

/* A frame's line: "<label>: <what>: <detail>". */
void report_line(report *r, const char *label, const char *what,
                 const char *detail);
/* A block of lines, each ending in "\n" (--trace=debug): "<label>:
 * <what>:" on a line of its own, then the block; in JSON one item as
 * report_line's, the block its text. */
void report_block(report *r, const char *label, const char *what,
                  const char *block);

/* The listing at time at_ns (--at), placed before frame label (NULL:
 * after the last frame). */
void report_listing_at(report *r, const pinhole_ctx *ctx, uint64_t at_ns,
                       const char *label);

/* The end: listing, counters, then the summary lines in text (several
 * "Replay: ..." lines) and fields. */
typedef struct summary {
  uint64_t frames, non_ipv4, ipv6, snapped;
  const play_totals *t;
  int fix_cksums;
} summary;
void report_final(report *r, const pinhole_ctx *ctx, const summary *s);

/* Closes the report. Returns 0, or 1 when --check found a difference
 * (printed on stderr). */
int report_close(report *r);

/* A trace record as one line, its text excerpt with line breaks shown as
 * \r \n (the library's formatter leaves them out). */
int format_trace(const pinhole_trace *tr, char *buf, size_t len);

#endif /* PINHOLE_REPLAY_REPLAY_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-replay: the report, as text or as one JSON document, and its
 * comparison with a reviewed file (--check).
 *
 * Text: one line per frame problem, event or trace ("<file>:<frame>:
 * <what>: <detail>"), the --at listings where they fall, then the listing
 * at the last frame, the counters and the summary lines ("Replay: ...").
 * JSON: {"lines": [...], "conversations": [...], "counters": {...},
 * "summary": {...}, "after_end": [...]} with the same content.
 *
 * Nothing is kept but the check file: the report streams, and --check
 * compares it byte by byte as it is written.
 */
#include "replay.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PROG "pinhole-replay"

typedef struct check {
  char *want;
  size_t want_len, pos;
  unsigned line;      /* current line of the output, from 1 */
  int differ;         /* the first difference was seen */
  int got_done;       /* got[] holds the whole differing line */
  unsigned diff_line; /* line of the first difference */
  char got[512];      /* the output's line there */
  size_t got_len;
} check;

struct report {
  FILE *f; /* stdout, or the stream that also checks */
  const options *o;
  size_t nitems;   /* JSON: items written in the open array */
  int after_begun; /* JSON: "after_end" opened */
  check *ck;
};

/* ------------------------------------------------------------------ */
/* --check: a stream that writes to stdout and compares                */

static void check_byte(check *c, char b) {
  if (!c->differ && (c->pos >= c->want_len || c->want[c->pos] != b)) {
    c->differ = 1;
    c->diff_line = c->line;
  }
  c->pos++;
  if (b == '\n') {
    c->line++;
    if (c->differ)
      c->got_done = 1;
    else
      c->got_len = 0;
    return;
  }
  if (!c->got_done && c->got_len + 1 < sizeof(c->got))
    c->got[c->got_len++] = b;
}

static ssize_t check_write(void *cookie, const char *buf, size_t size) {
  check *c = cookie;
  if (fwrite(buf, 1, size, stdout) != size)
    return -1;
  for (size_t i = 0; i < size; i++)
    check_byte(c, buf[i]);
  return (ssize_t)size;
}

static int read_all(const char *path, check *c) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  size_t cap = 0;
  for (;;) {
    if (c->want_len == cap) {
      cap = cap ? cap * 2 : 65536;
      char *n = realloc(c->want, cap);
      if (!n)
        break;
      c->want = n;
    }
    size_t got = fread(c->want + c->want_len, 1, cap - c->want_len, f);
    c->want_len += got;
    if (got == 0)
      break;
  }
  int bad = ferror(f) || !feof(f);
  fclose(f);
  return bad ? -1 : 0;
}

/* The want line number line (from 1): its start, and *len. */
static const char *want_line(const check *c, unsigned line, size_t *len) {
  size_t i = 0;
  for (unsigned l = 1; l < line && i < c->want_len; i++)
    if (c->want[i] == '\n')
      l++;
  size_t e = i;
  while (e < c->want_len && c->want[e] != '\n')
    e++;
  *len = e - i;
  return c->want + i;
}

static int check_result(check *c, const char *path) {
  if (!c->differ && c->pos != c->want_len) {
    c->differ = 1;
    c->diff_line = c->line;
  }
  if (!c->differ)
    return 0;
  size_t wl;
  const char *w = want_line(c, c->diff_line, &wl);
  fprintf(stderr,
          PROG ": output differs from %s at line %u:\n  want: %.*s\n"
               "  got:  %.*s\n",
          path, c->diff_line, (int)wl, w, (int)c->got_len, c->got);
  return 1;
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

static void json_ep(FILE *f, const char *key, const pinhole_endpoint *e) {
  char a[16];
  pinhole_addr_format(e->addr, a, sizeof(a));
  fprintf(f, "\"%s\":\"%s:%u\"", key, a, (unsigned)e->port);
}

/* An endpoint of an IPv6 flow: "[2001:db8:1::2]:41000". */
static void json_ep6(FILE *f, const char *key, const uint8_t addr[16],
                     uint16_t port) {
  char a[PINHOLE_ENDPOINT6_STRLEN];
  pinhole_endpoint6_format(addr, port, a, sizeof(a));
  fprintf(f, "\"%s\":\"%s\"", key, a);
}

/* One endpoint: IPv6 when a6 is given, else ep's IPv4 address. */
static void json_ep_any(FILE *f, const char *key, const uint8_t *a6,
                        const pinhole_endpoint *ep) {
  if (a6 != NULL)
    json_ep6(f, key, a6, ep->port);
  else
    json_ep(f, key, ep);
}

/* Starts an item of the open JSON array. */
static void json_item(report *r) {
  fputs(r->nitems++ ? ",\n  " : "\n  ", r->f);
}

/* ------------------------------------------------------------------ */
/* Opening, lines                                                      */

static void report_free(report *r) {
  if (r->ck)
    free(r->ck->want);
  free(r->ck);
  free(r);
}

report *report_open(const options *o) {
  report *r = calloc(1, sizeof(*r));
  if (!r)
    return NULL;
  r->o = o;
  r->f = stdout;
  if (o->check_file) {
    r->ck = calloc(1, sizeof(*r->ck));
    if (!r->ck || read_all(o->check_file, r->ck) < 0) {
      fprintf(stderr, PROG ": --check %s: %s\n", o->check_file,
              r->ck ? strerror(errno) : "out of memory");
      report_free(r);
      return NULL;
    }
    r->ck->line = 1;
    cookie_io_functions_t io = {NULL, check_write, NULL, NULL};
    r->f = fopencookie(r->ck, "w", io);
    if (!r->f) {
      report_free(r);
      return NULL;
    }
  }
  if (o->json)
    fputs("{\"lines\": [", r->f);
  return r;
}

void report_line(report *r, const char *label, const char *what,
                 const char *detail) {
  if (!r->o->json) {
    fprintf(r->f, "%s: %s: %s\n", label, what, detail);
    return;
  }
  json_item(r);
  fputs("{\"frame\":", r->f);
  json_str(r->f, label);
  fputs(",\"kind\":", r->f);
  json_str(r->f, what);
  fputs(",\"text\":", r->f);
  json_str(r->f, detail);
  fputc('}', r->f);
}

void report_block(report *r, const char *label, const char *what,
                  const char *block) {
  if (!r->o->json) {
    fprintf(r->f, "%s: %s:\n%s", label, what, block);
    return;
  }
  report_line(r, label, what, block);
}

/* ------------------------------------------------------------------ */
/* Listings                                                            */

static int in_prefix(uint32_t a, uint32_t net, uint8_t plen) {
  uint32_t mask = plen ? UINT32_MAX << (32 - plen) : 0;
  return (a & mask) == (net & mask);
}

static int term_ok(const filter_term *t, const pinhole_flow_info *fi) {
  const pinhole_endpoint *ep[4] = {&fi->src, &fi->dst, &fi->out_src,
                                   &fi->out_dst};
  int any = 0;
  switch (t->key) {
  case FILTER_ALG:
    return !strcmp(fi->alg, t->alg);
  case FILTER_PROTO:
    return fi->proto == t->num;
  case FILTER_CONV:
    return fi->conv_id == t->num;
  case FILTER_STATE:
    return fi->state == t->num;
  case FILTER_ADDR:
    for (int i = 0; i < 4; i++)
      any |= in_prefix(ep[i]->addr, t->num, t->plen);
    return any;
  default:
    for (int i = 0; i < 4; i++)
      any |= ep[i]->port == t->num;
    return any;
  }
}

static int flow_matches(const options *o, const pinhole_flow_info *fi) {
  if (!o->nfilters)
    return 1;
  for (size_t i = 0; i < o->nfilters; i++) {
    size_t k = 0;
    while (k < o->filters[i].n && term_ok(&o->filters[i].t[k], fi))
      k++;
    if (k == o->filters[i].n)
      return 1;
  }
  return 0;
}

/* Which conversations, in listing order, have a flow that matches. */
typedef struct convs {
  const options *o;
  uint32_t *id;
  uint8_t *match;
  size_t n, cap;
  int nomem;
} convs;

static int convs_visit(const pinhole_flow_info *fi, void *user) {
  convs *c = user;
  if (!c->n || c->id[c->n - 1] != fi->conv_id) {
    if (c->n == c->cap) {
      size_t cap = c->cap ? c->cap * 2 : 64;
      uint32_t *id = realloc(c->id, cap * sizeof(*id));
      if (id)
        c->id = id;
      uint8_t *m = id ? realloc(c->match, cap) : NULL;
      if (!m) {
        c->nomem = 1;
        return 1;
      }
      c->match = m;
      c->cap = cap;
    }
    c->id[c->n] = fi->conv_id;
    c->match[c->n++] = 0;
  }
  c->match[c->n - 1] |= (uint8_t)flow_matches(c->o, fi);
  return 0;
}

static void convs_free(convs *c) {
  free(c->id);
  free(c->match);
}

static char *conversations_text(const pinhole_ctx *ctx) {
  int n = pinhole_conversations_format(ctx, NULL, 0);
  if (n < 0)
    return NULL;
  char *s = malloc((size_t)n + 1);
  if (s && pinhole_conversations_format(ctx, s, (size_t)n + 1) < 0) {
    free(s);
    return NULL;
  }
  return s;
}

/* The library's listing, keeping the blocks of the conversations that
 * match the filters (block k is the k-th conversation visited). */
static void listing_text(report *r, const pinhole_ctx *ctx) {
  convs c = {r->o, NULL, NULL, 0, 0, 0};
  char *s = conversations_text(ctx);
  pinhole_flows_visit(ctx, convs_visit, &c);
  if (!s || c.nomem) {
    fputs("(no listing: out of memory)\n", r->f);
  } else {
    size_t block = 0, shown = 0;
    for (char *line = s; *line;) {
      size_t len = strcspn(line, "\n");
      if (!strncmp(line, "Conversation: ", 14) && line != s)
        block++;
      if (block < c.n && c.match[block]) {
        fprintf(r->f, "%.*s\n", (int)len, line);
        shown++;
      }
      line += len + (line[len] == '\n');
    }
    if (!shown)
      fputs(c.n ? "(no conversation matches the filters)\n"
                : "(no conversation)\n",
            r->f);
  }
  free(s);
  convs_free(&c);
}

typedef struct jvisit {
  report *r;
  const convs *c;
  size_t k;      /* conversation index */
  int open;      /* a conversation object is open */
  size_t nconvs; /* written */
} jvisit;

static void json_flow(FILE *f, const pinhole_flow_info *fi) {
  static const char *const protos[] = {[1] = "ICMP", [6] = "TCP", [17] = "UDP"};
  fprintf(f, "{\"proto\":\"%s\",\"dir\":\"%s\",\"state\":\"%s\",",
          fi->proto == PINHOLE_IP6_NH_ICMPV6    ? "ICMPv6"
          : fi->proto < 18 && protos[fi->proto] ? protos[fi->proto]
                                                : "IP",
          fi->dir == PINHOLE_DIR_I ? "I" : "O",
          fi->state == PINHOLE_FLOW_WATCH ? "Watch" : "Forward");
  fprintf(f, "\"side\":\"%s\",",
          fi->side == PINHOLE_SIDE_INSIDE ? "inside" : "outside");
  /* IPv6 rows: src, dst in src6, dst6; out_* the same addresses (not
   * translated) unless out_family says NAT64 put them in another family */
  int v6 = fi->family == 6;
  const uint8_t *os = fi->out_family == 6   ? fi->out_src6
                      : fi->out_family == 4 ? NULL
                      : v6                  ? fi->src6
                                            : NULL;
  const uint8_t *od = fi->out_family == 6   ? fi->out_dst6
                      : fi->out_family == 4 ? NULL
                      : v6                  ? fi->dst6
                                            : NULL;
  json_ep_any(f, "src", v6 ? fi->src6 : NULL, &fi->src);
  fputc(',', f);
  json_ep_any(f, "dst", v6 ? fi->dst6 : NULL, &fi->dst);
  fputc(',', f);
  json_ep_any(f, "out_src", os, &fi->out_src);
  fputc(',', f);
  json_ep_any(f, "out_dst", od, &fi->out_dst);
  fprintf(f, ",\"frames\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"idle_ms\":%u}",
          fi->frames, fi->bytes, fi->idle_ms);
}

static int json_visit(const pinhole_flow_info *fi, void *user) {
  jvisit *j = user;
  FILE *f = j->r->f;
  if (j->k < j->c->n && j->c->id[j->k] != fi->conv_id) {
    if (j->open)
      fputs("]}", f);
    j->open = 0;
    j->k++;
  }
  if (j->k >= j->c->n || !j->c->match[j->k])
    return 0;
  if (!j->open) {
    fprintf(f, "%s\n    {\"conv\":%u,\"alg\":", j->nconvs++ ? "," : "",
            fi->conv_id);
    json_str(f, fi->alg);
    fprintf(f, ",\"initiators\":%u,\"responders\":%u,\"flows\":[",
            fi->initiators, fi->responders);
    j->open = 1;
  } else {
    fputc(',', f);
  }
  fputs("\n      ", f);
  json_flow(f, fi);
  return 0;
}

/* "[ {conversation}, ... ]" */
static void listing_json(report *r, const pinhole_ctx *ctx) {
  convs c = {r->o, NULL, NULL, 0, 0, 0};
  pinhole_flows_visit(ctx, convs_visit, &c);
  jvisit j = {r, &c, 0, 0, 0};
  fputc('[', r->f);
  if (!c.nomem)
    pinhole_flows_visit(ctx, json_visit, &j);
  if (j.open)
    fputs("]}", r->f);
  fputs(j.nconvs ? "\n  ]" : "]", r->f);
  convs_free(&c);
}

void report_listing_at(report *r, const pinhole_ctx *ctx, uint64_t at_ns,
                       const char *label) {
  uint64_t s = at_ns / 1000000000u, ns = at_ns % 1000000000u;
  if (!r->o->json) {
    if (label)
      fprintf(r->f, "Listing at %" PRIu64 ".%09" PRIu64 " s, before %s:\n", s,
              ns, label);
    else
      fprintf(r->f,
              "\nListing at %" PRIu64 ".%09" PRIu64
              " s, after the last frame:\n",
              s, ns);
    listing_text(r, ctx);
    return;
  }
  if (!label && !r->after_begun) {
    fputs(",\n\"after_end\": [", r->f);
    r->after_begun = 1;
    r->nitems = 0;
  }
  json_item(r);
  fputs("{\"kind\":\"listing\",\"before\":", r->f);
  if (label)
    json_str(r->f, label);
  else
    fputs("null", r->f);
  fprintf(r->f, ",\"at_ns\":%" PRIu64 ",\"conversations\":", at_ns);
  listing_json(r, ctx);
  fputc('}', r->f);
}

/* ------------------------------------------------------------------ */
/* The end                                                             */

static void counters_json(report *r, const pinhole_ctx *ctx) {
  int n = pinhole_counter_count();
  uint64_t *v = calloc(n > 0 ? (size_t)n : 1, sizeof(*v));
  fputc('{', r->f);
  if (v && n > 0 && pinhole_stats(ctx, v, (size_t)n) == n)
    for (int i = 0; i < n; i++)
      fprintf(r->f, "%s\n    \"%s\": %" PRIu64, i ? "," : "",
              pinhole_counter_key(i), v[i]);
  fputs("\n  }", r->f);
  free(v);
}

static void stats_text(report *r, const pinhole_ctx *ctx) {
  int n = pinhole_stats_format(ctx, NULL, 0);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (s && pinhole_stats_format(ctx, s, (size_t)n + 1) >= 0)
    fputs(s, r->f);
  else
    fputs("(no statistics)\n", r->f);
  free(s);
}

static void summary_text(report *r, const summary *s) {
  const play_totals *t = s->t;
  fprintf(r->f,
          "\nReplay: %" PRIu64 " frames, %" PRIu64 " from inside, %" PRIu64
          " from outside, %" PRIu64 " not IPv4, %" PRIu64
          " cut by the snaplen, %" PRIu64 " with bad checksums, %" PRIu64
          " dropped, %" PRIu64 " unmatched, %" PRIu64 " mismatched, %" PRIu64
          " unplayable\n",
          s->frames, t->inside, t->outside, s->non_ipv4, s->snapped,
          t->bad_cksum, t->dropped, t->unmatched, t->mismatched, t->unplayable);
  if (t->held)
    fprintf(r->f,
            "Replay: %" PRIu64 " frames held by the library (%" PRIu64
            " bytes), %" PRIu64 " bytes of them sent on, %" PRIu64
            " let go at the hold timeout, %" PRIu64 " still held\n",
            t->held, t->held_bytes, t->delivered_bytes, t->timed_out_bytes,
            t->held_bytes - t->delivered_bytes - t->timed_out_bytes);
  if (t->ipv6 > t->nat64)
    fprintf(r->f,
            "Replay: %" PRIu64 " of the frames from inside and outside were "
            "IPv6, filtered without translation\n",
            t->ipv6 - t->nat64);
  if (t->nat64)
    fprintf(r->f,
            "Replay: %" PRIu64 " of the frames from inside and outside were "
            "IPv6 to or from the NAT64 prefix, played through NAT64\n",
            t->nat64);
  if (s->frames == s->non_ipv4)
    fprintf(r->f,
            "Replay: no IPv4 or IPv6 packet in the capture (%" PRIu64
            " frames): nothing was replayed\n",
            s->frames);
  if (t->bad_cksum && s->fix_cksums)
    fprintf(r->f,
            "Replay: %" PRIu64 " frames had bad checksums, recomputed "
            "before feeding (--fix-cksums)\n",
            t->bad_cksum);
  else if (t->bad_cksum)
    fprintf(r->f,
            "Replay: %" PRIu64 " frames have bad checksums (IP header or "
            "TCP/UDP/ICMP), as captures taken on a host with checksum "
            "offload show them; --fix-cksums recomputes them before "
            "feeding\n",
            t->bad_cksum);
}

static void summary_json(report *r, const summary *s) {
  const play_totals *t = s->t;
  fprintf(r->f,
          "{\"frames\":%" PRIu64 ",\"from_inside\":%" PRIu64
          ",\"from_outside\":%" PRIu64 ",\"not_ipv4\":%" PRIu64
          ",\"ipv6\":%" PRIu64 ",\"cut_by_snaplen\":%" PRIu64
          ",\"bad_cksums\":%" PRIu64 ",\"cksums_fixed\":%s,\"dropped\":%" PRIu64
          ",\"unmatched\":%" PRIu64 ",\"mismatched\":%" PRIu64
          ",\"unplayable\":%" PRIu64 ",\"held\":%" PRIu64
          ",\"held_bytes\":%" PRIu64 ",\"delivered_bytes\":%" PRIu64
          ",\"timed_out_bytes\":%" PRIu64 ",\"ipv6_played\":%" PRIu64
          ",\"nat64_played\":%" PRIu64 "}",
          s->frames, t->inside, t->outside, s->non_ipv4, s->ipv6, s->snapped,
          t->bad_cksum, s->fix_cksums ? "true" : "false", t->dropped,
          t->unmatched, t->mismatched, t->unplayable, t->held, t->held_bytes,
          t->delivered_bytes, t->timed_out_bytes, t->ipv6, t->nat64);
}

void report_final(report *r, const pinhole_ctx *ctx, const summary *s) {
  if (!r->o->json) {
    fputc('\n', r->f);
    listing_text(r, ctx);
    fputc('\n', r->f);
    stats_text(r, ctx);
    summary_text(r, s);
    return;
  }
  fputs(r->nitems ? "\n],\n\"conversations\": " : "],\n\"conversations\": ",
        r->f);
  listing_json(r, ctx);
  fputs(",\n\"counters\": ", r->f);
  counters_json(r, ctx);
  fputs(",\n\"summary\": ", r->f);
  summary_json(r, s);
}

int report_close(report *r) {
  int rc = 0;
  if (!r)
    return 0;
  if (r->o->json)
    fputs(r->after_begun ? "\n]}\n" : "}\n", r->f);
  if (r->f != stdout)
    fclose(r->f);
  fflush(stdout);
  if (r->ck)
    rc = check_result(r->ck, r->o->check_file);
  report_free(r);
  return rc;
}

/* ------------------------------------------------------------------ */
/* Traces                                                              */

int format_trace(const pinhole_trace *tr, char *buf, size_t len) {
  pinhole_trace t = *tr;
  t.text = NULL;
  t.text_len = 0;
  int n = pinhole_trace_format(&t, buf, len);
  if (n < 0 || (size_t)n >= len || !tr->text || !tr->text_len)
    return n;
  size_t used = (size_t)n, max = tr->text_len > 120 ? 120 : tr->text_len;
  char piece[8];
  used += (size_t)snprintf(buf + used, len - used, " \"");
  for (size_t i = 0; i < max && used + 8 < len; i++) {
    unsigned char ch = (unsigned char)tr->text[i];
    if (ch == '\r')
      strcpy(piece, "\\r");
    else if (ch == '\n')
      strcpy(piece, "\\n");
    else if (ch == '"' || ch == '\\')
      snprintf(piece, sizeof(piece), "\\%c", ch);
    else if (ch < 32 || ch > 126)
      snprintf(piece, sizeof(piece), "\\x%02x", ch);
    else
      snprintf(piece, sizeof(piece), "%c", ch);
    used += (size_t)snprintf(buf + used, len - used, "%s", piece);
  }
  if (used + 5 < len)
    used += (size_t)snprintf(buf + used, len - used, "%s\"",
                             tr->text_len > max ? "..." : "");
  return (int)used;
}

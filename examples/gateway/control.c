/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-gw's control commands: one line each, read from the --control
 * FIFO, answered on the gateway's standard output (docs/gateway.md).
 *
 *   show [FILTER]                the conversation listing (filtered)
 *   clear [FILTER]               clear matching conversations ("all" for all)
 *   lookup SIDE PROTO A:P B:Q    the flow with that tuple on that side
 *   pinholes                     pending pinholes
 *   timeout NAME VALUE           tcp-syn|tcp-est|tcp-trans|udp|icmp (s),
 *                                pinhole (ms)
 *   labels INTERFACE SERVICE-SET
 *   stats                        the counters
 *
 * FILTER: any of alg=NAME prefix=ADDR/LEN addr=ADDR port=N
 * state=watch|forward id=N.
 */
#include "control.h"

#include <stdlib.h>
#include <string.h>

static int num(const char *s, unsigned long max, unsigned long *out) {
  char *end;
  if (*s < '0' || *s > '9')
    return -1;
  unsigned long v = strtoul(s, &end, 10);
  if (*end != '\0' || v > max)
    return -1;
  *out = v;
  return 0;
}

/* A "addr/len" or "addr" into the filter. */
static int parse_prefix(char *v, pinhole_conv_filter *f) {
  unsigned long len = 32;
  char *slash = strchr(v, '/');
  if (slash) {
    *slash = '\0';
    if (num(slash + 1, 32, &len))
      return -1;
  }
  if (pinhole_addr_parse(v, &f->addr) || len == 0)
    return -1;
  f->prefix = (uint8_t)len;
  return 0;
}

static int parse_filter(char **tok, int n, pinhole_conv_filter *f) {
  memset(f, 0, sizeof(*f));
  f->size = sizeof(*f);
  for (int i = 0; i < n; i++) {
    char *v = strchr(tok[i], '=');
    unsigned long x;
    if (v == NULL)
      return -1;
    *v++ = '\0';
    if (!strcmp(tok[i], "alg"))
      f->alg = v;
    else if (!strcmp(tok[i], "prefix") || !strcmp(tok[i], "addr")) {
      if (parse_prefix(v, f))
        return -1;
    } else if (!strcmp(tok[i], "port") && !num(v, 65535, &x) && x)
      f->port = (uint16_t)x;
    else if (!strcmp(tok[i], "id") && !num(v, UINT32_MAX, &x) && x)
      f->conv_id = (uint32_t)x;
    else if (!strcmp(tok[i], "state") && !strcmp(v, "watch"))
      f->state = PINHOLE_FLOW_WATCH;
    else if (!strcmp(tok[i], "state") && !strcmp(v, "forward"))
      f->state = PINHOLE_FLOW_FORWARD;
    else
      return -1;
  }
  return 0;
}

static int parse_ep(char *s, pinhole_endpoint *ep) {
  char *colon = strrchr(s, ':');
  unsigned long port;
  if (colon == NULL)
    return -1;
  *colon = '\0';
  memset(ep, 0, sizeof(*ep));
  if (pinhole_addr_parse(s, &ep->addr) || num(colon + 1, 65535, &port))
    return -1;
  ep->port = (uint16_t)port;
  return 0;
}

static void print_listing(pinhole_ctx *ctx, const pinhole_conv_filter *f,
                          FILE *out) {
  int n = pinhole_conversations_format_filter(ctx, f, NULL, 0);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (s && pinhole_conversations_format_filter(ctx, f, s, (size_t)n + 1) >= 0)
    fputs(s, out);
  free(s);
}

static void print_stats(pinhole_ctx *ctx, FILE *out) {
  int n = pinhole_stats_format(ctx, NULL, 0);
  char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (s && pinhole_stats_format(ctx, s, (size_t)n + 1) >= 0)
    fputs(s, out);
  free(s);
}

static int print_hole(const pinhole_pinhole_info *pi, void *user) {
  char a[16], b[16], c[16];
  pinhole_addr_format(pi->src.addr, a, sizeof(a));
  pinhole_addr_format(pi->dst.addr, b, sizeof(b));
  pinhole_addr_format(pi->to.addr, c, sizeof(c));
  fprintf(user,
          "pinhole conv=%u alg=%s proto=%u %s:%u -> %s:%u to %s:%u "
          "expires_ms=%u\n",
          pi->conv_id, pi->alg, pi->proto, a, pi->src.port, b, pi->dst.port, c,
          pi->to.port, pi->expires_ms);
  return 0;
}

static int cmd_lookup(pinhole_ctx *ctx, char **tok, int n, FILE *out) {
  pinhole_endpoint a, b;
  int side = n == 4 && !strcmp(tok[0], "inside")    ? PINHOLE_SIDE_INSIDE
             : n == 4 && !strcmp(tok[0], "outside") ? PINHOLE_SIDE_OUTSIDE
                                                    : -1;
  uint8_t proto = n < 4                     ? 0
                  : !strcmp(tok[1], "tcp")  ? PINHOLE_IPPROTO_TCP
                  : !strcmp(tok[1], "udp")  ? PINHOLE_IPPROTO_UDP
                  : !strcmp(tok[1], "icmp") ? PINHOLE_IPPROTO_ICMP
                                            : 0;
  if (side < 0 || proto == 0 || parse_ep(tok[2], &a) || parse_ep(tok[3], &b))
    return -1;
  pinhole_flow_info fi;
  memset(&fi, 0, sizeof(fi));
  fi.size = sizeof(fi);
  int rc = pinhole_flow_lookup(ctx, side, proto, &a, &b, &fi);
  if (rc < 0) {
    fprintf(out, "lookup: %s\n", pinhole_strerror(rc));
    return 0;
  }
  char s[16], d[16];
  pinhole_addr_format(fi.out_src.addr, s, sizeof(s));
  pinhole_addr_format(fi.out_dst.addr, d, sizeof(d));
  fprintf(out,
          "flow conv=%u alg=%s %s dir=%s frames=%llu bytes=%llu "
          "leaves %s:%u -> %s:%u\n",
          fi.conv_id, fi.alg,
          fi.state == PINHOLE_FLOW_WATCH ? "Watch" : "Forward",
          fi.dir == PINHOLE_DIR_I ? "I" : "O", (unsigned long long)fi.frames,
          (unsigned long long)fi.bytes, s, fi.out_src.port, d, fi.out_dst.port);
  return 0;
}

static int cmd_timeout(pinhole_ctx *ctx, char **tok, int n, FILE *out) {
  static const struct {
    const char *name;
    int which;
  } names[] = {{"tcp-syn", PINHOLE_TIMEOUT_TCP_SYN},
               {"tcp-est", PINHOLE_TIMEOUT_TCP_EST},
               {"tcp-trans", PINHOLE_TIMEOUT_TCP_TRANS},
               {"udp", PINHOLE_TIMEOUT_UDP},
               {"icmp", PINHOLE_TIMEOUT_ICMP},
               {"pinhole", PINHOLE_TIMEOUT_PINHOLE}};
  unsigned long v;
  if (n != 2 || num(tok[1], UINT32_MAX, &v))
    return -1;
  for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    if (!strcmp(tok[0], names[i].name)) {
      int rc = pinhole_timeout_set(ctx, names[i].which, (uint32_t)v);
      fprintf(out, "timeout %s: %s\n", tok[0],
              rc < 0 ? pinhole_strerror(rc) : "set");
      return 0;
    }
  return -1;
}

/* "rule-del IDX [flush]" / "pool-del ID [flush]": "cleared N". */
static int cmd_del(pinhole_ctx *ctx, char **tok, int n, FILE *out) {
  unsigned long id;
  int pool = !strcmp(tok[0], "pool-del");
  if (n < 2 || n > 3 || num(tok[1], INT32_MAX, &id) ||
      (n == 3 && strcmp(tok[2], "flush")))
    return -1;
  int rc =
      pool
          ? pinhole_pool_del(ctx, (int)id, n == 3 ? PINHOLE_POOL_DEL_FLUSH : 0)
          : pinhole_rule_del(ctx, (int)id, n == 3 ? PINHOLE_RULE_DEL_FLUSH : 0);
  if (rc < 0)
    fprintf(out, "%s: %s\n", tok[0], pinhole_strerror(rc));
  else
    fprintf(out, "cleared %d\n", rc);
  return 0;
}

int gw_control_line(pinhole_ctx *ctx, char *line, FILE *out) {
  char *tok[8];
  int n = 0;
  for (char *t = strtok(line, " \t\r\n"); t; t = strtok(NULL, " \t\r\n")) {
    if (n == 8)
      return -1;
    tok[n++] = t;
  }
  if (n == 0)
    return 0;
  pinhole_conv_filter f;
  int rc = 0;
  if (!strcmp(tok[0], "show") && !parse_filter(tok + 1, n - 1, &f))
    print_listing(ctx, &f, out);
  else if (!strcmp(tok[0], "clear") && n == 2 && !strcmp(tok[1], "all"))
    fprintf(out, "cleared %d\n", pinhole_conversations_clear(ctx, NULL));
  else if (!strcmp(tok[0], "clear") && n > 1 &&
           !parse_filter(tok + 1, n - 1, &f))
    fprintf(out, "cleared %d\n", pinhole_conversations_clear(ctx, &f));
  else if (!strcmp(tok[0], "lookup"))
    rc = cmd_lookup(ctx, tok + 1, n - 1, out);
  else if (!strcmp(tok[0], "pinholes") && n == 1)
    pinhole_pinholes_visit(ctx, print_hole, out);
  else if (!strcmp(tok[0], "timeout"))
    rc = cmd_timeout(ctx, tok + 1, n - 1, out);
  else if (!strcmp(tok[0], "labels") && n == 3)
    rc = pinhole_labels_set(ctx, tok[1], tok[2]) < 0 ? -1 : 0;
  else if (!strcmp(tok[0], "stats") && n == 1)
    print_stats(ctx, out);
  else if (!strcmp(tok[0], "rule-del") || !strcmp(tok[0], "pool-del"))
    rc = cmd_del(ctx, tok, n, out);
  else
    rc = -1;
  if (rc < 0)
    fprintf(out, "control: bad command\n");
  fflush(out);
  return rc;
}

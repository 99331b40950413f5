/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ALG trace records in the layout of the firewall's FTP ALG debug output
 * ("## <time> : received PASV command, TCP SEQ ... ACK ...", a hex/ASCII
 * dump of the message, "ftp 227 command: ip ..., port ...", the pinhole
 * with its ranges, age, zone and parent, and the sequence offset's
 * changes). docs/operator.md shows a whole FTP exchange.
 */
#include "core/engine.h"
#include "core/syslog.h"

#include <stddef.h>
#include <string.h>

/* The longest verb shown ("received VERB command"). */
#define PH_VERB_MAX 24
/* The longest dump, in bytes of text (64 lines). */
#define PH_DUMP_MAX 1024

/* "## YYYY-MM-DD HH:MM:SS : " for ns (Unix time), from the RFC 5424
 * TIMESTAMP pinhole__syslog_head writes after "<PRI>1 ". */
static void ph_stamp(ph_out *o, uint64_t ns) {
  char head[48];
  pinhole__syslog_head(head, sizeof(head), 0, ns);
  const char *ts = strchr(head, ' ');
  ts = ts != NULL ? ts + 1 : head;
  pinhole__printf(o, "## %.10s %.8s : ", ts, strlen(ts) > 11 ? ts + 11 : "");
}

/* The first word of the text: its leading printable bytes up to a space,
 * at most PH_VERB_MAX; "message" when there is none. */
static void ph_verb(const pinhole_trace *t, char *verb) {
  size_t n = 0;
  for (; t->text != NULL && n < t->text_len && n < PH_VERB_MAX; n++) {
    unsigned char ch = (unsigned char)t->text[n];
    if (ch <= ' ' || ch > '~')
      break;
    verb[n] = (char)ch;
  }
  if (n == 0) {
    memcpy(verb, "message", 8);
    return;
  }
  verb[n] = '\0';
}

/* One line of the dump: offset, 16 bytes in hex (two groups of 8), the
 * same bytes as ASCII ('.' for the rest) in two groups. */
static void ph_dump_line(ph_out *o, const unsigned char *p, size_t off,
                         size_t n) {
  pinhole__printf(o, "%08zx: ", off);
  for (size_t i = 0; i < 16; i++) {
    if (i < n)
      pinhole__printf(o, "%02x ", p[i]);
    else
      pinhole__printf(o, "   ");
    if (i == 7)
      pinhole__printf(o, " ");
  }
  pinhole__printf(o, "  ");
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = p[i];
    pinhole__printf(o, "%c", ch >= ' ' && ch <= '~' ? ch : '.');
    if (i == 7 && n > 8)
      pinhole__printf(o, " ");
  }
  pinhole__printf(o, "\n");
}

static void ph_dump(ph_out *o, const pinhole_trace *t) {
  if (t->text == NULL)
    return;
  size_t len = t->text_len > PH_DUMP_MAX ? PH_DUMP_MAX : t->text_len;
  const unsigned char *p = (const unsigned char *)t->text;
  for (size_t off = 0; off < len; off += 16)
    ph_dump_line(o, p + off, off, len - off > 16 ? 16 : len - off);
  if (t->text_len > len)
    pinhole__printf(o, "(%zu more bytes)\n", t->text_len - len);
}

#define PH_HAS_B6(t)                                                           \
  ((t)->size >= offsetof(pinhole_trace, b6) + sizeof((t)->b6))

/* Endpoint a (which 0) or b (1)'s address: dotted quad, or RFC 5952 for
 * an IPv6 one (pinhole_trace a_family/b_family). */
static void ph_ip(char *b, const pinhole_trace *t, int which) {
  int v6 = PH_HAS_B6(t) && (which ? t->b_family : t->a_family) == 6;
  if (v6)
    pinhole_addr6_format(which ? t->b6 : t->a6, b, PINHOLE_ADDR6_STRLEN);
  else
    pinhole_addr_format(which ? t->b.addr : t->a.addr, b, 16);
}

static const char *ph_zone(unsigned side) {
  return side == PINHOLE_SIDE_INSIDE ? "inside" : "outside";
}

/* "src ip A, dst ip B, src port LO-HI, dst port N-N, protocol P" */
static void ph_pinhole_ends(ph_out *o, const pinhole_trace *t, int has_hi) {
  char a[PINHOLE_ADDR6_STRLEN], b[PINHOLE_ADDR6_STRLEN];
  ph_ip(a, t, 0);
  ph_ip(b, t, 1);
  unsigned lo = t->a.port, hi = t->a.port;
  if (lo == 0)
    hi = 65535;
  else if (has_hi && t->a_port_hi > lo)
    hi = t->a_port_hi;
  pinhole__printf(o,
                  "src ip %s, dst ip %s, src port %u-%u, dst port %u-%u, "
                  "protocol %u",
                  a, b, lo, hi, t->b.port, t->b.port, t->proto);
}

static int ph_has(const pinhole_trace *t, size_t end) {
  return t->size >= end;
}
#define PH_HAS(t, f) ph_has((t), offsetof(pinhole_trace, f) + sizeof((t)->f))

static void ph_seq(ph_out *o, const pinhole_trace *t) {
  if (t->proto == PINHOLE_IPPROTO_TCP)
    pinhole__printf(o, ", TCP SEQ %u ACK %u", t->seq, t->ack);
}

static void ph_body(ph_out *o, const pinhole_trace *t, const char *alg) {
  char verb[PH_VERB_MAX + 1], a[PINHOLE_ADDR6_STRLEN], b[PINHOLE_ADDR6_STRLEN];
  ph_ip(a, t, 0);
  ph_ip(b, t, 1);
  switch (t->kind) {
  case PINHOLE_TRACE_MESSAGE:
    ph_verb(t, verb);
    pinhole__printf(o, "received %s command", verb);
    ph_seq(o, t);
    pinhole__printf(o, "\n");
    ph_dump(o, t);
    return;
  case PINHOLE_TRACE_PARSED:
    ph_verb(t, verb);
    pinhole__printf(o, "%s %s command: ip %s, port %u\n", alg, verb, a,
                    t->a.port);
    return;
  case PINHOLE_TRACE_TRANSLATED:
    pinhole__printf(o, "%s translated ip %s, port %u -> ip %s, port %u\n", alg,
                    a, t->a.port, b, t->b.port);
    return;
  case PINHOLE_TRACE_PINHOLE_CREATED: {
    int ext = PH_HAS(t, pinhole_side);
    pinhole__printf(o, "%s pinhole created: ", alg);
    ph_pinhole_ends(o, t, ext);
    pinhole__printf(o, ", age %u, zone %s, parent conversation %u\n",
                    t->lifetime_ms / 1000 + (t->lifetime_ms % 1000 != 0),
                    ph_zone(ext ? t->pinhole_side : t->side), t->conv_id);
    return;
  }
  case PINHOLE_TRACE_PINHOLE_USED:
  case PINHOLE_TRACE_PINHOLE_EXPIRED:
    pinhole__printf(o, "%s pinhole %s: ", alg,
                    t->kind == PINHOLE_TRACE_PINHOLE_USED ? "used" : "expired");
    ph_pinhole_ends(o, t, 0);
    pinhole__printf(o, ", zone %s, parent conversation %u\n", ph_zone(t->side),
                    t->conv_id);
    return;
  case PINHOLE_TRACE_SEQ_DIFF:
    if (!PH_HAS(t, diff_new))
      break;
    pinhole__printf(o, "%s seq diff %d -> %d", alg, (int)t->diff_old,
                    (int)t->diff_new);
    ph_seq(o, t);
    pinhole__printf(o, "\n");
    return;
  case PINHOLE_TRACE_ERROR:
  case PINHOLE_TRACE_SKIPPED:
    pinhole__printf(o, "%s %s:\n", alg,
                    t->kind == PINHOLE_TRACE_ERROR ? "error" : "skipped");
    ph_dump(o, t);
    return;
  default:
    break;
  }
  pinhole__printf(o, "%s trace kind %d\n", alg, t->kind);
}

int pinhole_trace_format_debug(const pinhole_trace *t, uint64_t wall_offset_ns,
                               char *buf, size_t len) {
  if (t == NULL || (buf == NULL && len != 0))
    return PINHOLE_ERR_INVALID_ARG;
  ph_out o = {buf, len, 0};
  if (len > 0)
    buf[0] = '\0';
  uint64_t ns = t->time_ns > UINT64_MAX - wall_offset_ns
                    ? UINT64_MAX
                    : t->time_ns + wall_offset_ns;
  ph_stamp(&o, ns);
  ph_body(&o, t, t->alg ? t->alg : "?");
  return o.used > INT32_MAX ? PINHOLE_ERR_NOBUF : (int)o.used;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the FTP ALG parser and formatter (include/pinhole/ftp.h).
 *
 * Every input is parsed as a client line and as a server reply. On a match
 * the argument range must lie inside the line; the message is formatted for
 * an input-derived address and port into a buffer whose size is also taken
 * from the input (PINHOLE_ERR_NOBUF must then be exact); the replacement is
 * spliced into a copy of the line, which must parse again to the same kind,
 * the new address and port, and the new argument range.
 *
 * pinhole_ftp_prefix() is held to the parser: every strict prefix of an
 * accepted line gives 1; once a prefix gives 0 every longer one does; and
 * no completion from a list of likely endings makes a refused prefix
 * parse. pinhole_ftp_classify() is held to itself and to the parser: a
 * line the parser accepts is FTP, every strict prefix of an FTP line is
 * PARTIAL, and a prefix found not FTP stays so. Aborts otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/ftp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest text pinhole_ftp_format() writes: "|1|255.255.255.255|65535|". */
#define FMT_MAX 25

static uint32_t mix(const uint8_t *data, size_t size) {
  uint32_t h = 2166136261u; /* FNV-1a over the input */
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 16777619u;
  return h;
}

static void check_rewrite(const uint8_t *data, size_t size, int from_server,
                          const pinhole_ftp_msg *m) {
  size_t linelen = pinhole_ftp_line_len(data, size);
  if (linelen == 0 || m->arg_off > linelen || m->arg_len > linelen ||
      m->arg_off + m->arg_len > linelen || m->arg_len == 0)
    abort();
  if (m->kind < PINHOLE_FTP_PORT || m->kind > PINHOLE_FTP_229)
    abort();

  uint32_t h = mix(data, size);
  uint32_t addr = h * 2654435761u;
  uint16_t port = (uint16_t)(h >> 16 | 1u);
  size_t cap = (size_t)(h & 31u);
  char rep[FMT_MAX + 7];
  int rl = pinhole_ftp_format(m, addr, port, rep, cap);
  if (rl == PINHOLE_ERR_NOBUF) {
    rl = pinhole_ftp_format(m, addr, port, rep, sizeof(rep));
    if (rl <= 0 || (size_t)rl <= cap)
      abort();
  }
  if (rl <= 0 || rl > FMT_MAX || (size_t)rl > sizeof(rep))
    abort();
  if (pinhole_ftp_format(m, addr, port, rep, (size_t)rl - 1) !=
      PINHOLE_ERR_NOBUF)
    abort();

  size_t tail = linelen - m->arg_off - m->arg_len;
  size_t nl = m->arg_off + (size_t)rl + tail;
  uint8_t *line = malloc(nl);
  if (line == NULL)
    return;
  memcpy(line, data, m->arg_off);
  memcpy(line + m->arg_off, rep, (size_t)rl);
  memcpy(line + m->arg_off + (size_t)rl, data + m->arg_off + m->arg_len, tail);

  pinhole_ftp_msg m2;
  int rc = pinhole_ftp_parse(line, nl, from_server, &m2);
  if (nl > PINHOLE_FTP_LINE_MAX) {
    /* The rewrite grew the line past the limit. */
    if (rc != PINHOLE_ERR_PARSE)
      abort();
  } else {
    if (rc != 0 || m2.kind != m->kind || m2.port != port ||
        m2.addr != (m->kind == PINHOLE_FTP_229 ? 0 : addr) ||
        m2.delim != m->delim || m2.family != 1 || m2.arg_off != m->arg_off ||
        m2.arg_len != (size_t)rl)
      abort();
  }
  free(line);
}

/* Endings that complete many partial lines (with a CRLF after each). */
static const char *const endings[] = {"",
                                      "1",
                                      ",1",
                                      "1,1",
                                      ",1,1,1,1,1",
                                      "0,0,0,0,0,1",
                                      "|",
                                      "1|",
                                      "|1|",
                                      ".1|1|",
                                      "1.1.1.1|1|",
                                      "|1|1.1.1.1|1|",
                                      ")",
                                      "1|)",
                                      "|1|)",
                                      "||1|)",
                                      "(|||1|)",
                                      " (1,1,1,1,1,1)",
                                      "!",
                                      "1!)",
                                      "!!!1!)",
                                      "T 1,1,1,1,1,1",
                                      " 1,1,1,1,1,1",
                                      "7 (1,1,1,1,1,1)",
                                      "9 (|||1|)",
                                      ",1 1,1,1,1,1,1",
                                      "x1,1,1,1,1,1"};

/* No ending makes a refused prefix a line the parser accepts. */
static void check_refused(const uint8_t *p, size_t n, int from_server) {
  uint8_t buf[PINHOLE_FTP_LINE_MAX + 64];
  if (n > PINHOLE_FTP_LINE_MAX)
    return;
  memcpy(buf, p, n);
  for (size_t i = 0; i < sizeof(endings) / sizeof(endings[0]); i++) {
    size_t el = strlen(endings[i]);
    memcpy(buf + n, endings[i], el);
    memcpy(buf + n + el, "\r\n", 2);
    pinhole_ftp_msg m;
    if (pinhole_ftp_parse(buf, n + el + 2, from_server, &m) == 0)
      abort();
  }
}

static void check_prefix(const uint8_t *data, size_t size, int from_server,
                         int accepted) {
  size_t linelen = pinhole_ftp_line_len(data, size);
  size_t n = linelen ? linelen - 1 : size; /* bytes before any LF */
  if (n > PINHOLE_FTP_LINE_MAX + 8)
    n = PINHOLE_FTP_LINE_MAX + 8;
  int dead = 0;
  for (size_t k = 0; k <= n; k++) {
    int r = pinhole_ftp_prefix(data, k, from_server);
    if (r != 0 && r != 1)
      abort();
    if ((accepted && r != 1) || (dead && r != 0))
      abort();
    if (r == 0 && !dead) {
      dead = 1;
      check_refused(data, k, from_server);
    }
  }
  if (linelen && pinhole_ftp_prefix(data, linelen, from_server) != 0)
    abort();
}

/* Only the bytes classify allows: HT, printable, above 0x7f. */
static int ftp_bytes(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
      return 0;
  return 1;
}

static void check_classify(const uint8_t *data, size_t size, int from_server,
                           int accepted, const pinhole_ftp_msg *m) {
  unsigned code = 1;
  int whole = pinhole_ftp_classify(data, size, from_server, &code);
  size_t linelen = pinhole_ftp_line_len(data, size);
  size_t win = size < PINHOLE_FTP_LINE_MAX ? size : PINHOLE_FTP_LINE_MAX;
  int complete = pinhole_ftp_line_len(data, win) != 0;
  if (whole != PINHOLE_ERR_PARTIAL &&
      (whole < PINHOLE_FTP_LINE_NOT_FTP || whole > PINHOLE_FTP_LINE_TEXT))
    abort();
  if (whole == PINHOLE_ERR_PARTIAL &&
      (complete || size >= PINHOLE_FTP_LINE_MAX))
    abort();
  if (!complete && size >= PINHOLE_FTP_LINE_MAX &&
      whole != PINHOLE_FTP_LINE_NOT_FTP)
    abort();
  int reply =
      whole == PINHOLE_FTP_LINE_REPLY || whole == PINHOLE_FTP_LINE_REPLY_FIRST;
  if (reply != (code >= 100 && code <= 699) || (!reply && code != 0))
    abort();
  if (accepted) {
    size_t end = linelen - 1;
    if (end > 0 && data[end - 1] == '\r')
      end--;
    if (!from_server && whole != PINHOLE_FTP_LINE_COMMAND)
      abort();
    if (from_server && ftp_bytes(data, end) &&
        (whole != PINHOLE_FTP_LINE_REPLY ||
         code != (m->kind == PINHOLE_FTP_227 ? 227u : 229u)))
      abort();
  }
  /* Prefixes: PARTIAL while the whole is FTP; NOT_FTP only if it is. */
  size_t n = linelen ? linelen : size;
  if (n > PINHOLE_FTP_LINE_MAX + 8)
    n = PINHOLE_FTP_LINE_MAX + 8;
  for (size_t k = 0; k < n; k++) {
    int r = pinhole_ftp_classify(data, k, from_server, &code);
    if (r == PINHOLE_ERR_PARTIAL)
      continue;
    if (r != PINHOLE_FTP_LINE_NOT_FTP || whole != PINHOLE_FTP_LINE_NOT_FTP)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int from_server = 0; from_server <= 1; from_server++) {
    pinhole_ftp_msg m;
    memset(&m, 0, sizeof(m));
    int rc = pinhole_ftp_parse(data, size, from_server, &m);
    switch (rc) {
    case 0:
      if (m.family != 1 || m.port == 0)
        abort();
      check_rewrite(data, size, from_server, &m);
      break;
    case PINHOLE_ERR_UNSUPPORTED:
    case PINHOLE_ERR_NOMATCH:
    case PINHOLE_ERR_PARSE:
    case PINHOLE_ERR_RANGE:
      if (pinhole_ftp_line_len(data, size) == 0 && rc != PINHOLE_ERR_PARSE)
        abort();
      break;
    case PINHOLE_ERR_PARTIAL:
      if (pinhole_ftp_line_len(data, size) != 0)
        abort();
      break;
    default:
      abort();
    }
    (void)pinhole_ftp_kind_name(m.kind);
    check_prefix(data, size, from_server, rc == 0);
    check_classify(data, size, from_server, rc == 0, &m);
  }
  return 0;
}

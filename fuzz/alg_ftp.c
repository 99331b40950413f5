/*
 * Fuzz target for the FTP ALG parser and formatter (include/pinhole/ftp.h).
 *
 * Every input is parsed as a client line and as a server reply. On a match
 * the argument range must lie inside the line; the message is formatted for
 * an input-derived address and port into a buffer whose size is also taken
 * from the input (PINHOLE_ERR_NOBUF must then be exact); the replacement is
 * spliced into a copy of the line, which must parse again to the same kind,
 * the new address and port, and the new argument range. Aborts otherwise.
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
  }
  return 0;
}

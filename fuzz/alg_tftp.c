/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: TFTP request parsing. The input is one UDP payload; every
 * span reported must lie inside it and end at a NUL.
 */
#include <stdint.h>
#include <stdlib.h>

#include <pinhole/tftp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c))                                                                  \
      abort();                                                                 \
  } while (0)

static void check_span(const uint8_t *p, size_t len, size_t off, size_t n) {
  CHECK(off <= len && n < len - off);
  CHECK(p[off + n] == 0);
  for (size_t i = 0; i < n; i++)
    CHECK(p[off + i] != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pinhole_tftp_msg m;
  int rc = pinhole_tftp_parse(data, size, &m);
  if (rc == PINHOLE_ERR_NOMATCH) {
    CHECK(m.opcode >= 3 && m.opcode <= 6);
    return 0;
  }
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE);
    return 0;
  }
  CHECK(m.opcode == 1 || m.opcode == 2);
  CHECK(m.mode >= 1 && m.mode <= 3);
  CHECK(m.filename_off == 2 && m.filename_len >= 1 &&
        m.filename_len <= PINHOLE_TFTP_MAX_FILENAME);
  check_span(data, size, m.filename_off, m.filename_len);
  check_span(data, size, m.mode_off, m.mode_len);
  CHECK(m.noptions <= PINHOLE_TFTP_MAX_OPTIONS);
  size_t end = m.mode_off + m.mode_len + 1;
  for (size_t i = 0; i < m.noptions; i++) {
    CHECK(m.opt[i].name_off == end && m.opt[i].name_len > 0);
    check_span(data, size, m.opt[i].name_off, m.opt[i].name_len);
    check_span(data, size, m.opt[i].value_off, m.opt[i].value_len);
    end = m.opt[i].value_off + m.opt[i].value_len + 1;
  }
  CHECK(end == size);
  if (m.flags & PINHOLE_TFTP_OPT_BLKSIZE)
    CHECK(m.blksize >= 8 && m.blksize <= 65464);
  if (m.flags & PINHOLE_TFTP_OPT_TIMEOUT)
    CHECK(m.timeout >= 1 && m.timeout <= 255);
  if (m.flags & PINHOLE_TFTP_OPT_WINDOWSIZE)
    CHECK(m.windowsize >= 1 && m.windowsize <= 65535);
  return 0;
}

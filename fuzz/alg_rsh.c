/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: rsh/rexec standard-error port and rlogin first message
 * (include/pinhole/rsh.h). The input is a stream's first bytes.
 *
 * A parsed port field is rewritten to an input-derived port into a buffer
 * whose size is also input-derived (PINHOLE_ERR_NOBUF must be exact); the
 * copy must parse to the new port with the rest unchanged. A parsed rlogin
 * message must have its spans inside the input, each ended by a NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/rsh.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rewrite(const uint8_t *data, size_t size,
                          const pinhole_rsh_port *r) {
  uint32_t h = fz_mix(data, size);
  uint16_t port = (uint16_t)(h >> 8);
  size_t rest = size - r->field_len;
  size_t need = (port >= 10000  ? 6
                 : port >= 1000 ? 5
                 : port >= 100  ? 4
                 : port >= 10   ? 3
                                : 2) +
                rest;
  uint8_t *out = malloc(need + 1);
  if (out == NULL)
    return;
  size_t cap = (h & 1) ? need : (size_t)(h >> 24) % (need + 1);
  int n = pinhole_rsh_port_rewrite(data, size, port, out, cap);
  if (cap < need) {
    CHECK(n == PINHOLE_ERR_NOBUF);
    n = pinhole_rsh_port_rewrite(data, size, port, out, need);
  }
  CHECK(n >= 0 && (size_t)n == need);
  pinhole_rsh_port r2;
  CHECK(pinhole_rsh_port_parse(out, (size_t)n, &r2) == 0);
  CHECK(r2.port == port && r2.field_len == need - rest);
  CHECK(memcmp(out + r2.field_len, data + r->field_len, rest) == 0);
  free(out);
}

static void check_span(const uint8_t *p, size_t len, size_t off, size_t n) {
  CHECK(off <= len && n < len - off && n <= PINHOLE_RLOGIN_MAX_FIELD);
  CHECK(p[off + n] == 0);
  for (size_t i = 0; i < n; i++)
    CHECK(p[off + i] >= 0x20 && p[off + i] != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pinhole_rsh_port r;
  int rc = pinhole_rsh_port_parse(data, size, &r);
  if (rc == 0) {
    CHECK(r.digits_len <= PINHOLE_RSH_PORT_DIGITS);
    CHECK(r.field_len == r.digits_len + 1 && r.field_len <= size);
    CHECK(data[r.digits_len] == 0);
    check_rewrite(data, size, &r);
  } else {
    CHECK(rc == PINHOLE_ERR_PARTIAL || rc == PINHOLE_ERR_PARSE ||
          rc == PINHOLE_ERR_RANGE);
    CHECK(rc != PINHOLE_ERR_PARTIAL || memchr(data, 0, size) == NULL);
  }

  pinhole_rlogin_hello h;
  rc = pinhole_rlogin_parse(data, size, &h);
  if (rc == 0) {
    CHECK(h.client_user_off == 1);
    check_span(data, size, h.client_user_off, h.client_user_len);
    CHECK(h.server_user_off == h.client_user_off + h.client_user_len + 1);
    check_span(data, size, h.server_user_off, h.server_user_len);
    CHECK(h.terminal_off == h.server_user_off + h.server_user_len + 1);
    check_span(data, size, h.terminal_off, h.terminal_len);
    CHECK(h.total_len == h.terminal_off + h.terminal_len + 1);
  } else {
    CHECK(rc == PINHOLE_ERR_PARTIAL || rc == PINHOLE_ERR_PARSE);
  }
  return 0;
}

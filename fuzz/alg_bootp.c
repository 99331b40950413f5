/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the BOOTP/DHCP parser (include/pinhole/bootp.h).
 *
 * On success: header fields are the bytes at their RFC 951 offsets; the
 * options found by pinhole_bootp_option_find() agree with what the parse
 * reported (53, 54, 82); every reported offset lies inside the message.
 * Aborts otherwise.
 */
#include <stdint.h>
#include <stdlib.h>

#include <pinhole/bootp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c))                                                                  \
      abort();                                                                 \
  } while (0)

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static void check_option(const uint8_t *p, size_t len,
                         const pinhole_bootp_msg *m, unsigned code, int has,
                         size_t want_off) {
  size_t off, olen;
  int rc = pinhole_bootp_option_find(p, len, m, code, &off, &olen);
  if (!has) {
    CHECK(rc == PINHOLE_ERR_NOMATCH);
    return;
  }
  CHECK(rc == 0 && off == want_off && olen <= len - off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pinhole_bootp_msg m;
  int rc = pinhole_bootp_parse(data, size, &m);
  CHECK(m.reason <= PINHOLE_BOOTP_RELAY);
  CHECK(pinhole_bootp_reason_name((int)m.reason)[0] != 'u');
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE && m.reason != 0);
    return 0;
  }
  CHECK(size >= PINHOLE_BOOTP_HEADER_LEN);
  CHECK(m.op == data[0] && m.hlen == data[2] && m.hlen <= 16);
  CHECK(m.xid == get32(data + 4));
  CHECK(m.giaddr == get32(data + PINHOLE_BOOTP_GIADDR_OFF));
  if (!(m.mflags & PINHOLE_BOOTP_HAS_COOKIE)) {
    CHECK(m.mflags == 0 && m.noptions == 0);
    return 0;
  }
  CHECK(m.end_off >= PINHOLE_BOOTP_OPTIONS_OFF && m.end_off < size);
  CHECK(data[m.end_off] == 255);
  if (m.mflags & PINHOLE_BOOTP_HAS_MSG_TYPE) {
    size_t off, olen;
    CHECK(pinhole_bootp_option_find(data, size, &m, 53, &off, &olen) == 0);
    CHECK(olen == 1 && data[off] == m.msg_type);
  } else {
    check_option(data, size, &m, 53, 0, 0);
  }
  check_option(data, size, &m, 54,
               (m.mflags & PINHOLE_BOOTP_HAS_SERVER_ID) != 0, m.server_id_off);
  check_option(data, size, &m, 82, (m.mflags & PINHOLE_BOOTP_HAS_RELAY) != 0,
               m.relay_off);
  if (m.mflags & PINHOLE_BOOTP_HAS_SERVER_ID)
    CHECK(get32(data + m.server_id_off) == m.server_id);
  if (m.mflags & PINHOLE_BOOTP_HAS_RELAY) {
    CHECK(m.relay_len >= 2 && m.relay_off + m.relay_len <= size);
    if (m.link_selection_off)
      CHECK(m.link_selection_off + 4 <= m.relay_off + m.relay_len);
    if (m.server_override_off)
      CHECK(m.server_override_off + 4 <= m.relay_off + m.relay_len);
    if (m.circuit_id_off)
      CHECK(m.circuit_id_off + m.circuit_id_len <= m.relay_off + m.relay_len);
  }
  return 0;
}

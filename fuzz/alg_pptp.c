/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: PPTP control message framing and the enhanced GRE header
 * (include/pinhole/pptp.h).
 *
 * The input is framed as a control stream, message after message; each
 * framed message must have the length its type requires, its call ID
 * fields inside it and equal to the bytes there, and every shorter prefix
 * of it must be partial. The input is also parsed as a GRE packet, plain
 * and quoted: offsets and lengths must stay inside what was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/pptp.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static void check_msg(const uint8_t *p, size_t len, const pinhole_pptp_msg *m) {
  CHECK(m->type >= 1 && m->type <= 15);
  CHECK(m->length >= PINHOLE_PPTP_HEADER_LEN &&
        m->length <= PINHOLE_PPTP_MAX_MSG && m->length <= len);
  CHECK(get16(p) == m->length && get16(p + 8) == m->type);
  CHECK(m->sender <= PINHOLE_PPTP_SENDER_PAC);
  if (m->flags & PINHOLE_PPTP_MSG_CALL_ID) {
    CHECK(m->call_id_off >= 12 && m->call_id_off + 2 <= m->length);
    CHECK(get16(p + m->call_id_off) == m->call_id);
  } else {
    CHECK(m->call_id_off == 0 && m->call_id == 0);
  }
  if (m->flags & PINHOLE_PPTP_MSG_PEER_CALL_ID) {
    CHECK(m->peer_call_id_off >= 12 && m->peer_call_id_off + 2 <= m->length);
    CHECK(get16(p + m->peer_call_id_off) == m->peer_call_id);
  } else {
    CHECK(m->peer_call_id_off == 0 && m->peer_call_id == 0);
  }
  for (size_t k = 0; k < m->length; k++) {
    pinhole_pptp_msg t;
    CHECK(pinhole_pptp_frame(p, k, &t) == PINHOLE_ERR_PARTIAL);
  }
  (void)pinhole_pptp_type_name(m->type);
}

static void check_gre(const uint8_t *data, size_t size, int quoted) {
  pinhole_pptp_gre g;
  int rc = pinhole_pptp_gre_parse(data, size, quoted, &g);
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_NOMATCH);
    CHECK(g.hdr_len == 0);
    return;
  }
  CHECK(size >= 8 && g.call_id_off == 6 && get16(data + 6) == g.call_id);
  CHECK(g.hdr_len == 8 || g.hdr_len == 12 || g.hdr_len == 16);
  CHECK((data[1] & 7) == 1 && get16(data + 2) == PINHOLE_PPTP_GRE_PROTO);
  if (!quoted)
    CHECK(g.hdr_len <= size && g.payload_len <= size - g.hdr_len);
  if (!(g.flags & PINHOLE_PPTP_GRE_SEQ))
    CHECK(g.payload_len == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t pos = 0;
  while (pos < size) {
    pinhole_pptp_msg m;
    int rc = pinhole_pptp_frame(data + pos, size - pos, &m);
    if (rc != 0) {
      CHECK(rc == PINHOLE_ERR_PARTIAL || rc == PINHOLE_ERR_PARSE);
      CHECK(rc != PINHOLE_ERR_PARTIAL ||
            size - pos < (m.length ? m.length : PINHOLE_PPTP_HEADER_LEN));
      break;
    }
    check_msg(data + pos, size - pos, &m);
    pos += m.length;
  }
  check_gre(data, size, 0);
  check_gre(data, size, 1);
  return 0;
}

/*
 * Fuzz target for the SIP/SDP parser and rewriter. Every input is a SIP
 * message, tried as a datagram and as a stream, outbound and inbound, with
 * a fixed translation. Checks: parse results stay inside the input; the
 * rewrite into a small buffer either fits and equals the large-buffer
 * result or reports the exact size needed; the rewritten message parses
 * again, frames to exactly its length and its Content-Length equals its
 * body length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/sip.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t big[1 << 20];
static uint8_t small[512];

static void check(int cond) {
  if (!cond)
    abort();
}

static void one(const uint8_t *data, size_t size, uint32_t flags,
                uint32_t dir) {
  pinhole_sip_msg m;
  int rc = pinhole_sip_parse(data, size, flags, &m);
  if (rc == 0) {
    check(m.msg_len <= size && m.hdr_len <= m.msg_len);
    check(m.hdr_len + m.body_len == m.msg_len);
    check(m.call_id.off + m.call_id.len <= m.hdr_len);
    check(m.request_uri.off + m.request_uri.len <= m.hdr_len);
    check(m.header_count <= PINHOLE_SIP_MAX_HEADERS);
    pinhole_sdp s;
    int src = pinhole_sip_sdp_parse(data + m.hdr_len, m.body_len, &s);
    check(src == 0 || src == PINHOLE_ERR_PARSE || src == PINHOLE_ERR_RANGE);
    check(s.media_count <= PINHOLE_SDP_MAX_MEDIA);
  } else if (rc == PINHOLE_ERR_NOMATCH) {
    check(m.msg_len > 0 && m.msg_len <= size);
  }

  pinhole_sip_nat nat;
  pinhole_sip_nat_default(&nat, sizeof(nat));
  nat.flags = flags;
  nat.dir = dir;
  nat.inside.addr = 0xC6120002; /* 198.18.0.2:5060 */
  nat.inside.port = 5060;
  nat.outside.addr = 0xC61364C8; /* 198.19.100.200:40000 */
  nat.outside.port = 40000;
  static const uint16_t maps[][2] = {
      {49170, 6000}, {49171, 6001}, {6000, 50000}, {3456, 3456}, {0, 1}};
  nat.port_map_count = sizeof(maps) / sizeof(maps[0]);
  for (uint32_t i = 0; i < nat.port_map_count; i++) {
    nat.port_map[i].inside = maps[i][0];
    nat.port_map[i].outside = maps[i][1];
  }

  pinhole_sip_rewrite_result r1, r2;
  int n1 = pinhole_sip_rewrite(data, size, &nat, small, sizeof(small), &r1);
  int n2 = pinhole_sip_rewrite(data, size, &nat, big, sizeof(big), &r2);
  if (rc != 0) {
    check(n1 == rc && n2 == rc);
    return;
  }
  if (n1 >= 0) {
    check(n1 == n2 && memcmp(small, big, (size_t)n1) == 0);
  } else if (n1 == PINHOLE_ERR_NOBUF) {
    check(r1.out_len > sizeof(small));
    check(n2 < 0 || (size_t)n2 == r1.out_len);
  } else {
    check(n1 == n2);
  }
  if (n2 < 0)
    return;
  check(r2.in_len == m.msg_len && r2.out_len == (size_t)n2);

  pinhole_sip_msg m2;
  check(pinhole_sip_parse(big, (size_t)n2, flags, &m2) == 0);
  check(m2.msg_len == (size_t)n2);
  check(m2.body_len == r2.body_len);
  if (m2.flags & PINHOLE_SIP_MSG_CONTENT_LENGTH)
    check(m2.content_length == m2.body_len);
  check(m2.header_count == m.header_count && m2.method == m.method &&
        m2.cseq == m.cseq && m2.status == m.status);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (uint32_t flags = 0; flags <= PINHOLE_SIP_STREAM; flags++) {
    one(data, size, flags, PINHOLE_SIP_DIR_OUTBOUND);
    one(data, size, flags, PINHOLE_SIP_DIR_INBOUND);
  }
  return 0;
}

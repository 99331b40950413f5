/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: MMS TcpMessageHeader framing and the funnel name of
 * LinkViewerToMacConnectFunnel (include/pinhole/mms.h).
 *
 * The input is framed as a client's MMS stream. In each whole packet the
 * funnel is parsed; its spans must lie in the message and spell the
 * values reported. The packet is rewritten to an input-derived address
 * and port into a buffer of input-derived size (PINHOLE_ERR_NOBUF must
 * be exact); the result must frame with consistent lengths and parse to
 * the new address and port.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/mms.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void check_funnel(const uint8_t *p, size_t len,
                         const pinhole_mms_funnel *f) {
  CHECK(f->msg_off >= PINHOLE_MMS_HEADER_LEN && f->msg_len >= 32 &&
        f->msg_len % 8 == 0 && f->msg_off + f->msg_len <= len);
  CHECK(le32(p + f->msg_off) * 8u == f->msg_len);
  CHECK(le32(p + f->msg_off + 4) == PINHOLE_MMS_MID_CONNECT_FUNNEL);
  CHECK(f->name_off == f->msg_off + 28 && f->name_len % 2 == 0);
  CHECK(f->name_off + f->name_len <= f->msg_off + f->msg_len);
  CHECK(f->addr_off > f->name_off && f->port_off > f->addr_off);
  CHECK(f->port_off + f->port_len == f->name_off + f->name_len);
  uint32_t port = 0;
  for (size_t i = 0; i < f->port_len; i += 2) {
    CHECK(p[f->port_off + i] >= '0' && p[f->port_off + i] <= '9');
    port = port * 10 + (uint32_t)(p[f->port_off + i] - '0');
  }
  CHECK(port == f->port && port >= 1);
}

static void check_rewrite(const uint8_t *p, size_t len,
                          const pinhole_mms_funnel *f, uint32_t h) {
  uint32_t addr = h * 2654435761u;
  uint16_t port = (uint16_t)(h >> 16 | 1u);
  size_t cap = len + 64;
  uint8_t *out = malloc(cap);
  if (out == NULL)
    return;
  int n = pinhole_mms_funnel_rewrite(p, len, addr, port, out, cap);
  if (n == PINHOLE_ERR_RANGE) {
    /* chunkCount is kept as sent plus the change: it may run out */
    uint32_t cc = le32(p + 16);
    CHECK(cc < 32 || cc > UINT32_MAX - 32);
    free(out);
    return;
  }
  CHECK(n > 0);
  CHECK(pinhole_mms_funnel_rewrite(p, len, addr, port, out, (size_t)n - 1) ==
        PINHOLE_ERR_NOBUF);
  pinhole_mms_pkt m;
  CHECK(pinhole_mms_frame(out, (size_t)n, &m) == 0 && m.total_len == (size_t)n);
  pinhole_mms_funnel f2;
  CHECK(pinhole_mms_funnel_parse(out, (size_t)n, &f2) == 0);
  /* a name without its NUL that gets shorter ends at the padding */
  CHECK(f2.addr == addr && f2.port == port &&
        (f2.flags & PINHOLE_MMS_FUNNEL_UDP) ==
            (f->flags & PINHOLE_MMS_FUNNEL_UDP));
  if (f->flags & PINHOLE_MMS_FUNNEL_TERMINATED)
    CHECK(f2.flags & PINHOLE_MMS_FUNNEL_TERMINATED);
  CHECK(f2.msg_off == f->msg_off);
  int64_t d = (int64_t)f2.msg_len - (int64_t)f->msg_len;
  CHECK((int64_t)n - (int64_t)len == d);
  CHECK((int64_t)le32(out + 16) - (int64_t)le32(p + 16) == d / 8);
  CHECK(memcmp(out + f2.msg_off + f2.msg_len, p + f->msg_off + f->msg_len,
               len - f->msg_off - f->msg_len) == 0);
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t h = fz_mix(data, size);
  size_t pos = 0;
  while (pos < size) {
    pinhole_mms_pkt m;
    int rc = pinhole_mms_frame(data + pos, size - pos, &m);
    if (rc != 0) {
      CHECK(rc == PINHOLE_ERR_PARTIAL || rc == PINHOLE_ERR_PARSE);
      CHECK(rc != PINHOLE_ERR_PARTIAL || m.total_len == 0 ||
            m.total_len > size - pos);
      break;
    }
    CHECK(m.total_len >= PINHOLE_MMS_HEADER_LEN);
    pinhole_mms_funnel f;
    rc = pinhole_mms_funnel_parse(data + pos, m.total_len, &f);
    if (rc == 0) {
      check_funnel(data + pos, m.total_len, &f);
      check_rewrite(data + pos, m.total_len, &f, h);
    } else {
      CHECK(rc == PINHOLE_ERR_NOMATCH || rc == PINHOLE_ERR_PARSE ||
            rc == PINHOLE_ERR_RANGE || rc == PINHOLE_ERR_UNSUPPORTED);
      CHECK(f.msg_len == 0);
    }
    pos += m.total_len;
  }
  return 0;
}

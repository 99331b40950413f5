/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the RealAudio client's PNA hello (include/pinhole/pna.h).
 * The input is a stream's first bytes.
 *
 * An accepted hello must lie within the input and the longest hello, its
 * port offsets must name tag 0x0001 / 0x0007 fields of length 2 spelling
 * the values reported, and every shorter prefix must be PARTIAL (the
 * prefix test the glue withholds by). The glue's in-place rewrite (two
 * bytes per port, input-derived values) must parse again to the same
 * offsets with the new values. PARTIAL is only ever said of fewer bytes
 * than the longest hello.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/pna.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t be16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static void check_port(const uint8_t *p, size_t total, size_t off, uint16_t tag,
                       uint16_t port) {
  if (off == 0) {
    CHECK(port == 0);
    return;
  }
  CHECK(off >= 9 && off + 2 <= total - 2);
  CHECK(be16(p + off - 4) == tag && be16(p + off - 2) == 2);
  CHECK(be16(p + off) == port);
}

static void check_rewrite(const uint8_t *data, const pinhole_pna_hello *h,
                          uint32_t mix) {
  uint8_t *copy = malloc(h->total_len);
  if (copy == NULL)
    return;
  memcpy(copy, data, h->total_len);
  uint16_t a = (uint16_t)mix, b = (uint16_t)(mix >> 16);
  if (h->udp_port_off) {
    copy[h->udp_port_off] = (uint8_t)(a >> 8);
    copy[h->udp_port_off + 1] = (uint8_t)a;
  }
  if (h->robust_port_off) {
    copy[h->robust_port_off] = (uint8_t)(b >> 8);
    copy[h->robust_port_off + 1] = (uint8_t)b;
  }
  pinhole_pna_hello h2;
  CHECK(pinhole_pna_hello_parse(copy, h->total_len, &h2) == 0);
  CHECK(h2.total_len == h->total_len && h2.nfields == h->nfields);
  CHECK(h2.udp_port_off == h->udp_port_off &&
        h2.robust_port_off == h->robust_port_off);
  CHECK(h2.udp_port == (h->udp_port_off ? a : 0));
  CHECK(h2.robust_port == (h->robust_port_off ? b : 0));
  free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t mix = fz_mix(data, size);
  pinhole_pna_hello h;
  int rc = pinhole_pna_hello_parse(data, size, &h);
  if (rc == PINHOLE_ERR_PARTIAL) {
    CHECK(size < PINHOLE_PNA_MAX_HELLO && h.total_len == 0);
    /* a prefix of a possible hello has only such prefixes */
    if (size > 0) {
      pinhole_pna_hello h2;
      CHECK(pinhole_pna_hello_parse(data, mix % size, &h2) ==
            PINHOLE_ERR_PARTIAL);
    }
    return 0;
  }
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_NOMATCH || rc == PINHOLE_ERR_PARSE ||
          rc == PINHOLE_ERR_UNSUPPORTED);
    CHECK(h.total_len == 0 && h.udp_port_off == 0);
    return 0;
  }
  CHECK(h.total_len >= 7 && h.total_len <= size &&
        h.total_len <= PINHOLE_PNA_MAX_HELLO);
  CHECK(memcmp(data, "PNA", 3) == 0 && be16(data + 3) == h.version &&
        h.version <= PINHOLE_PNA_MAX_VERSION);
  CHECK(be16(data + h.total_len - 2) == PINHOLE_PNA_TAG_END);
  CHECK((size_t)h.nfields * 4 + 7 <= h.total_len);
  check_port(data, h.total_len, h.udp_port_off, PINHOLE_PNA_TAG_UDP_PORT,
             h.udp_port);
  check_port(data, h.total_len, h.robust_port_off, PINHOLE_PNA_TAG_ROBUST_PORT,
             h.robust_port);
  pinhole_pna_hello h2;
  CHECK(pinhole_pna_hello_parse(data, h.total_len - 1, &h2) ==
        PINHOLE_ERR_PARTIAL);
  CHECK(pinhole_pna_hello_parse(data, mix % h.total_len, &h2) ==
        PINHOLE_ERR_PARTIAL);
  check_rewrite(data, &h, mix);
  return 0;
}

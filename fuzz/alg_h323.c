/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the H.323 aligned-PER walker (include/pinhole/h323.h).
 *
 * The first byte picks the decoder (0 RAS, 1 Q.931 in TPKT with the
 * H323-UserInformation, 2 H.245 in TPKT); the rest is the message, in a
 * buffer of exactly its size. A decoded message must report addresses
 * whose offsets lie in the message and hold the values reported; every
 * address is then rewritten in place to input-derived values and the
 * message must decode again to the same addresses at the same offsets
 * with the new values (an IPv4 TransportAddress is fixed-size in PER).
 * Errors must be the documented ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/h323.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int decode(int mode, const uint8_t *p, size_t n, pinhole_h323_msg *m) {
  switch (mode) {
  case 0:
    return pinhole_h225_ras_parse(p, n, m);
  case 1:
    return pinhole_h225_cs_parse(p, n, m);
  default:
    return pinhole_h245_parse(p, n, m);
  }
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static void check_msg(const uint8_t *p, size_t n, const pinhole_h323_msg *m) {
  CHECK(m->naddrs <= PINHOLE_H323_MAX_ADDRS && m->len <= n);
  CHECK(pinhole_h323_msg_name(m) != NULL);
  for (size_t i = 0; i < m->naddrs; i++) {
    const pinhole_h323_addr *a = &m->addr[i];
    CHECK(a->off + 4 <= n && a->port_off + 2 <= n);
    CHECK(a->port_off >= a->off + 4);
    CHECK(be32(p + a->off) == a->addr);
    CHECK((uint16_t)(p[a->port_off] << 8 | p[a->port_off + 1]) == a->port);
    CHECK(a->kind <= PINHOLE_H323_ADDR_MEDIA_CTRL && a->nested <= 1);
    for (size_t k = 0; k < i; k++) /* no two addresses share a byte */
      CHECK(a->off >= m->addr[k].port_off + 2 ||
            m->addr[k].off >= a->port_off + 2);
  }
}

static void check_rewrite(int mode, uint8_t *p, size_t n,
                          const pinhole_h323_msg *m, uint32_t h) {
  for (size_t i = 0; i < m->naddrs; i++) {
    uint32_t a = h * 2654435761u + (uint32_t)i;
    uint16_t port = (uint16_t)(h >> 16) ^ (uint16_t)i;
    uint8_t *q = p + m->addr[i].off;
    q[0] = (uint8_t)(a >> 24), q[1] = (uint8_t)(a >> 16);
    q[2] = (uint8_t)(a >> 8), q[3] = (uint8_t)a;
    p[m->addr[i].port_off] = (uint8_t)(port >> 8);
    p[m->addr[i].port_off + 1] = (uint8_t)port;
  }
  pinhole_h323_msg m2;
  CHECK(decode(mode, p, n, &m2) == 0);
  CHECK(m2.naddrs == m->naddrs && m2.type == m->type && m2.len == m->len);
  for (size_t i = 0; i < m->naddrs; i++) {
    CHECK(m2.addr[i].off == m->addr[i].off);
    CHECK(m2.addr[i].port_off == m->addr[i].port_off);
    CHECK(m2.addr[i].kind == m->addr[i].kind);
    CHECK(m2.addr[i].addr == h * 2654435761u + (uint32_t)i);
    CHECK(m2.addr[i].port == ((uint16_t)(h >> 16) ^ (uint16_t)i));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  int mode = data[0] % 3;
  size_t n = size - 1;
  uint8_t *p = malloc(n ? n : 1);
  if (p == NULL)
    return 0;
  memcpy(p, data + 1, n);
  pinhole_h323_msg m;
  int rc = decode(mode, n ? p : NULL, n, &m);
  if (rc == 0) {
    check_msg(p, n, &m);
    check_rewrite(mode, p, n, &m, fz_mix(data, size));
  } else {
    CHECK(rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE ||
          rc == PINHOLE_ERR_UNSUPPORTED || rc == PINHOLE_ERR_PARTIAL);
    CHECK(rc != PINHOLE_ERR_PARTIAL || mode != 0);
  }
  free(p);
  return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: SQLNet (TNS) framing, connect descriptors and rewriting
 * (include/pinhole/sqlnet.h).
 *
 * The input is framed as a TNS stream. Each CONNECT or REDIRECT with its
 * data is rewritten with input-derived addresses and ports into a buffer
 * of input-derived size (PINHOLE_ERR_NOBUF must be exact); the result
 * must frame again with consistent lengths and its descriptor must parse
 * to the same addresses with the new values. The whole input is also
 * parsed as a bare descriptor, with the same round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/sqlnet.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void make_rw(uint32_t h, pinhole_sqlnet_rewrite *rw) {
  memset(rw, 0, sizeof(*rw));
  for (size_t i = 0; i < PINHOLE_SQLNET_MAX_ADDRS; i++) {
    h = h * 2654435761u + 12345u;
    rw->addr[i].flags = (h >> 3) & 3u;
    rw->addr[i].addr = h * 40503u;
    rw->addr[i].port = (uint16_t)(h >> 11);
  }
}

static void check_desc(const uint8_t *d, size_t len,
                       const pinhole_sqlnet_desc *desc) {
  CHECK(desc->naddrs <= PINHOLE_SQLNET_MAX_ADDRS);
  for (size_t i = 0; i < desc->naddrs; i++) {
    const pinhole_sqlnet_address *a = &desc->addr[i];
    CHECK(a->off < len && a->len <= len - a->off && d[a->off] == '(');
    CHECK(d[a->off + a->len - 1] == ')');
    if (a->flags & PINHOLE_SQLNET_ADDR_HOST)
      CHECK(a->host_off >= a->off &&
            a->host_off + a->host_len <= a->off + a->len);
    if (a->flags & PINHOLE_SQLNET_ADDR_PORT)
      CHECK(a->port_off > a->off && a->port_len >= 1 && a->port_len <= 5 &&
            a->port_off + a->port_len < a->off + a->len);
    CHECK(a->proto <= PINHOLE_SQLNET_PROTO_OTHER);
  }
}

/* The rewritten descriptor parses to the same addresses, new values. */
static void check_rewritten(const pinhole_sqlnet_desc *before,
                            const uint8_t *nd, size_t nlen,
                            const pinhole_sqlnet_rewrite *rw) {
  pinhole_sqlnet_desc after;
  CHECK(pinhole_sqlnet_desc_parse(nd, nlen, &after) == 0);
  CHECK(after.naddrs == before->naddrs);
  for (size_t i = 0; i < after.naddrs; i++) {
    const pinhole_sqlnet_address *a = &before->addr[i], *b = &after.addr[i];
    CHECK(a->proto == b->proto);
    CHECK((a->flags & PINHOLE_SQLNET_ADDR_PORT) ==
          (b->flags & PINHOLE_SQLNET_ADDR_PORT));
    CHECK((a->flags & PINHOLE_SQLNET_ADDR_HOST) ==
          (b->flags & PINHOLE_SQLNET_ADDR_HOST));
    int host = (rw->addr[i].flags & PINHOLE_SQLNET_REWRITE_HOST) &&
               (a->flags & PINHOLE_SQLNET_ADDR_HOST);
    int port = (rw->addr[i].flags & PINHOLE_SQLNET_REWRITE_PORT) &&
               (a->flags & PINHOLE_SQLNET_ADDR_PORT);
    if (host)
      CHECK((b->flags & PINHOLE_SQLNET_ADDR_HOST_IPV4) &&
            b->addr == rw->addr[i].addr);
    if (port)
      CHECK(b->port == rw->addr[i].port);
    else if (a->flags & PINHOLE_SQLNET_ADDR_PORT)
      CHECK(b->port == a->port);
  }
}

static void check_desc_rewrite(const uint8_t *d, size_t len, uint32_t h) {
  pinhole_sqlnet_desc desc;
  int rc = pinhole_sqlnet_desc_parse(d, len, &desc);
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE);
    return;
  }
  check_desc(d, len, &desc);
  pinhole_sqlnet_rewrite rw;
  make_rw(h, &rw);
  size_t cap = len + 16 * PINHOLE_SQLNET_MAX_ADDRS * 2;
  uint8_t *out = malloc(cap);
  if (out == NULL)
    return;
  int n = pinhole_sqlnet_desc_rewrite(d, len, &rw, out, cap);
  CHECK(n >= 0);
  if (n > 0)
    CHECK(pinhole_sqlnet_desc_rewrite(d, len, &rw, out, (size_t)n - 1) ==
          PINHOLE_ERR_NOBUF);
  check_rewritten(&desc, out, (size_t)n, &rw);
  free(out);
}

static void check_packet(const uint8_t *p, const pinhole_sqlnet_pkt *m,
                         uint32_t h) {
  size_t len = m->total_len;
  CHECK(len >= PINHOLE_SQLNET_HEADER_LEN && m->length <= len);
  if (!(m->flags & PINHOLE_SQLNET_PKT_DATA))
    return;
  CHECK(m->type == PINHOLE_SQLNET_CONNECT ||
        m->type == PINHOLE_SQLNET_REDIRECT);
  CHECK(m->data_off + m->data_len == len && m->data_len > 0);
  pinhole_sqlnet_desc desc;
  int drc = pinhole_sqlnet_desc_parse(p + m->data_off, m->data_len, &desc);
  pinhole_sqlnet_rewrite rw;
  make_rw(h, &rw);
  size_t cap = len + 16 * PINHOLE_SQLNET_MAX_ADDRS * 2;
  uint8_t *out = malloc(cap);
  if (out == NULL)
    return;
  int n = pinhole_sqlnet_packet_rewrite(p, len, &rw, out, cap);
  if (drc != 0) {
    CHECK(n == drc);
  } else if (n == PINHOLE_ERR_RANGE) {
    CHECK(cap > 65535); /* only a packet near 64 KiB can overflow */
  } else {
    CHECK(n >= (int)m->data_off);
    CHECK(pinhole_sqlnet_packet_rewrite(p, len, &rw, out, (size_t)n - 1) ==
          PINHOLE_ERR_NOBUF);
    pinhole_sqlnet_pkt m2;
    CHECK(pinhole_sqlnet_frame(out, (size_t)n, &m2) == 0);
    CHECK(m2.total_len == (size_t)n && m2.type == m->type &&
          m2.data_off == m->data_off && (m2.flags & PINHOLE_SQLNET_PKT_DATA));
    CHECK(memcmp(out + 2, p + 2, m->data_len_off - 2) == 0 ||
          (m->flags & PINHOLE_SQLNET_PKT_LEN32));
    check_rewritten(&desc, out + m2.data_off, m2.data_len, &rw);
  }
  free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t h = fz_mix(data, size);
  size_t pos = 0;
  while (pos < size) {
    pinhole_sqlnet_pkt m;
    int rc = pinhole_sqlnet_frame(data + pos, size - pos, &m);
    if (rc != 0) {
      CHECK(rc == PINHOLE_ERR_PARTIAL || rc == PINHOLE_ERR_PARSE);
      CHECK(rc != PINHOLE_ERR_PARTIAL || m.total_len == 0 ||
            m.total_len > size - pos);
      break;
    }
    check_packet(data + pos, &m, h);
    pos += m.total_len;
  }
  check_desc_rewrite(data, size, h);
  return 0;
}

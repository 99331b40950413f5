/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: GIOP framing, IORs and their rewriting
 * (include/pinhole/iiop.h).
 *
 * The input is framed as a GIOP stream. For each Reply or LocateReply
 * with a body, an IOR is parsed at the body (and, once per input, at an
 * input-derived offset); every span must lie inside its container. A
 * parsed IOR is rewritten with input-derived hosts and ports into a
 * buffer of input-derived size (PINHOLE_ERR_NOBUF must be exact); the
 * result must frame, keep the message size right and parse to the same
 * profiles with the new values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/iiop.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ior(const uint8_t *msg, size_t len,
                      const pinhole_iiop_ior *ior) {
  CHECK(ior->off % 4 == 0 && ior->off + ior->len <= len);
  CHECK(ior->type_id_off + ior->type_id_len < len);
  CHECK(msg[ior->type_id_off + ior->type_id_len] == 0);
  CHECK(ior->nprofiles <= PINHOLE_IIOP_MAX_PROFILES);
  for (size_t i = 0; i < ior->nprofiles; i++) {
    const pinhole_iiop_profile *p = &ior->profile[i];
    CHECK(p->off >= ior->off && p->data_off + p->data_len <= len);
    if (!(p->flags & PINHOLE_IIOP_PROFILE_IIOP)) {
      CHECK(p->flags == 0);
      continue;
    }
    CHECK(p->tag == 0 && p->major == 1 && p->minor <= 3);
    CHECK(p->host_off > p->data_off && p->host_len <= PINHOLE_IIOP_MAX_HOST);
    CHECK(p->host_off + p->host_len < p->port_off);
    CHECK(p->port_off + 2 <= p->data_off + p->data_len);
    int little = (p->flags & PINHOLE_IIOP_PROFILE_LITTLE) != 0;
    unsigned lo = msg[p->port_off + (little ? 0 : 1)];
    unsigned hi = msg[p->port_off + (little ? 1 : 0)];
    uint16_t port = (uint16_t)(hi << 8 | lo);
    CHECK(port == p->port);
    CHECK(msg[p->data_off] == (uint8_t)little);
  }
}

static void check_rewrite(const uint8_t *msg, size_t len,
                          const pinhole_giop_msg *m,
                          const pinhole_iiop_ior *ior, size_t off, uint32_t h) {
  pinhole_iiop_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  for (size_t i = 0; i < PINHOLE_IIOP_MAX_PROFILES; i++) {
    h = h * 2654435761u + 7u;
    rw.profile[i].flags = (h >> 5) & 3u;
    rw.profile[i].addr = h * 40503u;
    rw.profile[i].port = (uint16_t)(h >> 13);
  }
  size_t cap = len + 32 * PINHOLE_IIOP_MAX_PROFILES;
  uint8_t *out = malloc(cap);
  if (out == NULL)
    return;
  int n = pinhole_iiop_ior_rewrite(msg, len, off, &rw, out, cap);
  if (n < 0) {
    CHECK(n == PINHOLE_ERR_UNSUPPORTED);
    free(out);
    return;
  }
  CHECK(pinhole_iiop_ior_rewrite(msg, len, off, &rw, out, (size_t)n - 1) ==
        PINHOLE_ERR_NOBUF);
  pinhole_giop_msg m2;
  CHECK(pinhole_giop_frame(out, (size_t)n, &m2) == 0);
  CHECK(m2.total_len == (size_t)n && m2.type == m->type &&
        m2.flags == m->flags && m2.body_off == m->body_off);
  pinhole_iiop_ior ior2;
  int little = (m->flags & PINHOLE_GIOP_MSG_LITTLE) != 0;
  CHECK(pinhole_iiop_ior_parse(out, (size_t)n, off, little, &ior2) == 0);
  check_ior(out, (size_t)n, &ior2);
  CHECK(ior2.nprofiles == ior->nprofiles && ior2.off == ior->off);
  for (size_t i = 0; i < ior2.nprofiles; i++) {
    const pinhole_iiop_profile *a = &ior->profile[i], *b = &ior2.profile[i];
    CHECK(a->tag == b->tag &&
          a->flags == b->flags - (b->flags & 4u) + (a->flags & 4u));
    if (!(a->flags & PINHOLE_IIOP_PROFILE_IIOP))
      continue;
    if (rw.profile[i].flags & PINHOLE_IIOP_REWRITE_HOST)
      CHECK((b->flags & PINHOLE_IIOP_PROFILE_HOST_IPV4) &&
            b->addr == rw.profile[i].addr);
    CHECK(b->port == ((rw.profile[i].flags & PINHOLE_IIOP_REWRITE_PORT)
                          ? rw.profile[i].port
                          : a->port));
    CHECK(b->nalternates == a->nalternates);
  }
  free(out);
}

static void check_message(const uint8_t *msg, const pinhole_giop_msg *m,
                          uint32_t h) {
  size_t len = m->total_len;
  CHECK(len >= PINHOLE_GIOP_HEADER_LEN && m->major == 1 && m->minor <= 3);
  if (!(m->flags & PINHOLE_GIOP_MSG_BODY))
    return;
  CHECK(m->type == PINHOLE_GIOP_REPLY || m->type == PINHOLE_GIOP_LOCATE_REPLY);
  CHECK(m->body_off < len);
  int little = (m->flags & PINHOLE_GIOP_MSG_LITTLE) != 0;
  pinhole_iiop_ior ior;
  int rc = pinhole_iiop_ior_parse(msg, len, m->body_off, little, &ior);
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE);
    return;
  }
  check_ior(msg, len, &ior);
  check_rewrite(msg, len, m, &ior, m->body_off, h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t h = fz_mix(data, size);
  size_t pos = 0;
  while (pos < size) {
    pinhole_giop_msg m;
    int rc = pinhole_giop_frame(data + pos, size - pos, &m);
    if (rc != 0) {
      CHECK(rc == PINHOLE_ERR_PARTIAL || rc == PINHOLE_ERR_PARSE);
      CHECK(rc != PINHOLE_ERR_PARTIAL || m.total_len == 0 ||
            m.total_len > size - pos);
      break;
    }
    check_message(data + pos, &m, h);
    pos += m.total_len;
  }
  if (size > 0) {
    pinhole_iiop_ior ior;
    size_t off = h % size;
    if (pinhole_iiop_ior_parse(data, size, off, (int)(h >> 31), &ior) == 0)
      check_ior(data, size, &ior);
  }
  return 0;
}

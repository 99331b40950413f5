/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: RTSP framing, Transport parsing and rewriting.
 *
 * The input is framed as a TCP byte stream of pipelined messages; every
 * Transport value found, and the whole input taken as a Transport value,
 * is parsed and rewritten with a fixed rewrite into a large and a small
 * buffer. The rewritten value must parse again and carry the new ports and
 * addresses. pinhole_rtsp_prefix() is held to the framer: every strict
 * prefix of a framed message gives 1, a prefix the framer finds malformed
 * gives 0, and once a prefix of the input gives 0 every longer one does.
 * Any broken invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/rtsp.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c))                                                                  \
      abort();                                                                 \
  } while (0)

static void fixed_rewrite(pinhole_rtsp_rewrite *rw) {
  memset(rw, 0, sizeof(*rw));
  for (size_t i = 0; i < PINHOLE_RTSP_MAX_SPECS; i++) {
    pinhole_rtsp_rewrite_spec *s = &rw->spec[i];
    s->flags = PINHOLE_RTSP_REWRITE_CLIENT_PORT |
               PINHOLE_RTSP_REWRITE_SERVER_PORT |
               (i % 2 ? PINHOLE_RTSP_REWRITE_DESTINATION : 0) |
               PINHOLE_RTSP_REWRITE_SOURCE;
    s->client_port[0] = (uint16_t)(61000 + 2 * i);
    s->client_port[1] = (uint16_t)(61001 + 2 * i);
    s->server_port[0] = (uint16_t)(7 + i);
    s->server_port[1] = 65535;
    s->destination = 0x0A000005;
    s->source = 0xC6130A0B + (uint32_t)i;
  }
}

static void check_spec(const pinhole_rtsp_spec *old,
                       const pinhole_rtsp_spec *neu,
                       const pinhole_rtsp_rewrite_spec *r) {
  uint32_t addr =
      PINHOLE_RTSP_SPEC_DESTINATION_IPV4 | PINHOLE_RTSP_SPEC_SOURCE_IPV4;
  CHECK((old->flags & ~addr) == (neu->flags & ~addr));
  CHECK(old->profile == neu->profile && old->lower == neu->lower);
  if (old->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT) {
    int range = (old->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT_RANGE) != 0;
    CHECK(neu->client_port[0] == r->client_port[0]);
    CHECK(neu->client_port[1] == r->client_port[range ? 1 : 0]);
  }
  if (old->flags & PINHOLE_RTSP_SPEC_SERVER_PORT) {
    int range = (old->flags & PINHOLE_RTSP_SPEC_SERVER_PORT_RANGE) != 0;
    CHECK(neu->server_port[0] == r->server_port[0]);
    CHECK(neu->server_port[1] == r->server_port[range ? 1 : 0]);
  }
  if (old->destination_v.len > 0 &&
      (r->flags & PINHOLE_RTSP_REWRITE_DESTINATION))
    CHECK((neu->flags & PINHOLE_RTSP_SPEC_DESTINATION_IPV4) &&
          neu->destination == r->destination);
  else
    CHECK((old->flags & addr & PINHOLE_RTSP_SPEC_DESTINATION_IPV4) ==
              (neu->flags & PINHOLE_RTSP_SPEC_DESTINATION_IPV4) &&
          old->destination == neu->destination);
  if (old->source_v.len > 0)
    CHECK((neu->flags & PINHOLE_RTSP_SPEC_SOURCE_IPV4) &&
          neu->source == r->source);
}

static void transport(const uint8_t *v, size_t len) {
  pinhole_rtsp_transport t, t2;
  pinhole_rtsp_rewrite rw;
  uint8_t big[PINHOLE_RTSP_MAX_HEADER * 2];
  uint8_t small[64];
  fixed_rewrite(&rw);
  int rc = pinhole_rtsp_transport_parse(v, len, &t);
  int n = pinhole_rtsp_transport_rewrite(v, len, &rw, big, sizeof(big));
  if (rc != 0) {
    CHECK(n == rc);
    return;
  }
  CHECK(t.nspecs >= 1 && t.nspecs <= PINHOLE_RTSP_MAX_SPECS);
  for (size_t i = 0; i < t.nspecs; i++) {
    const pinhole_rtsp_spec *s = &t.spec[i];
    CHECK(s->spec.off + s->spec.len <= len);
    CHECK(s->client_port_v.off + s->client_port_v.len <= len);
    CHECK(s->server_port_v.off + s->server_port_v.len <= len);
    CHECK(s->destination_v.off + s->destination_v.len <= len);
    CHECK(s->source_v.off + s->source_v.len <= len);
    CHECK(s->mode_v.off + s->mode_v.len <= len);
    if (s->flags & PINHOLE_RTSP_SPEC_CLIENT_PORT)
      CHECK(s->client_port[0] >= 1 && s->client_port[1] >= s->client_port[0]);
    if (s->flags & PINHOLE_RTSP_SPEC_SERVER_PORT)
      CHECK(s->server_port[0] >= 1 && s->server_port[1] >= s->server_port[0]);
  }
  CHECK(n >= 0);
  int m = pinhole_rtsp_transport_rewrite(v, len, &rw, small, sizeof(small));
  if ((size_t)n <= sizeof(small))
    CHECK(m == n && memcmp(small, big, (size_t)n) == 0);
  else
    CHECK(m == PINHOLE_ERR_NOBUF);
  CHECK(pinhole_rtsp_transport_parse(big, (size_t)n, &t2) == 0);
  CHECK(t2.nspecs == t.nspecs);
  for (size_t i = 0; i < t.nspecs; i++)
    check_spec(&t.spec[i], &t2.spec[i], &rw.spec[i]);
}

/* Strict prefixes of a framed message (all of a short header block, a
 * sample of a long one, so that a run stays fast). */
static void check_prefixes(const uint8_t *p, const pinhole_rtsp_msg *m) {
  size_t step = m->hdr_len <= 512 ? 1 : 97;
  for (size_t k = 0; k < m->total_len; k += step)
    CHECK(pinhole_rtsp_prefix(p, k) == 1);
  CHECK(pinhole_rtsp_prefix(p, m->hdr_len - 1) == 1);
  CHECK(pinhole_rtsp_prefix(p, m->total_len) == 1);
}

/* The input as the start of a stream: monotone, and agrees with frame. */
static void check_input_prefix(const uint8_t *data, size_t size) {
  pinhole_rtsp_msg m;
  int rc = pinhole_rtsp_frame(data, size, &m);
  int r = pinhole_rtsp_prefix(data, size);
  CHECK(r == 0 || r == 1);
  if (rc == PINHOLE_ERR_PARSE && size > 0 && data[0] != '$')
    CHECK(r == 0);
  if (rc == 0 || (rc == PINHOLE_ERR_PARTIAL && m.hdr_len > 0))
    CHECK(r == 1);
  if (size > 512)
    return;
  int dead = 0;
  for (size_t k = 0; k <= size; k++) {
    r = pinhole_rtsp_prefix(data, k);
    CHECK(!dead || r == 0);
    dead = r == 0;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_input_prefix(data, size);
  const uint8_t *p = data;
  size_t left = size;
  for (int i = 0; i < 64 && left > 0; i++) {
    pinhole_rtsp_msg m;
    int rc = pinhole_rtsp_frame(p, left, &m);
    if (rc != 0) {
      CHECK(rc == PINHOLE_ERR_PARTIAL || rc == PINHOLE_ERR_PARSE);
      break;
    }
    CHECK(m.total_len == m.hdr_len + m.body_len && m.total_len <= left);
    CHECK(m.hdr_len > 0);
    if (m.kind != PINHOLE_RTSP_KIND_INTERLEAVED) {
      CHECK(m.hdr_len <= PINHOLE_RTSP_MAX_HEADER);
      CHECK(m.body_len <= PINHOLE_RTSP_MAX_BODY);
    }
    if (m.flags & PINHOLE_RTSP_MSG_TRANSPORT) {
      CHECK(m.transport_off + m.transport_len <= m.hdr_len);
      transport(p + m.transport_off, m.transport_len);
    }
    if (m.flags & PINHOLE_RTSP_MSG_SESSION)
      CHECK(m.session_off + m.session_len <= m.hdr_len);
    /* Every strict prefix of a framed message is partial. */
    if (m.total_len > 1)
      CHECK(pinhole_rtsp_frame(p, m.total_len - 1, &m) == PINHOLE_ERR_PARTIAL);
    pinhole_rtsp_frame(p, left, &m);
    check_prefixes(p, &m);
    p += m.total_len;
    left -= m.total_len;
  }
  transport(data, size);
  return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the DCE-RPC parsers and the tower rewrite. The input is
 * a TCP stream: the first PDU is framed and, for a bind or bind_ack, its
 * contexts read; the first call is walked, its stub gathered and read as
 * an ept_map request and response. The raw input is also read as a bare
 * stub, both byte orders. Checks: every offset stays inside its buffer;
 * a tower's port and address offsets point at floors of that kind; a
 * rewrite changes exactly those bytes, parses again to the new values, and
 * written back through the PDUs gathers to the same stub.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/dcerpc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c))                                                                  \
      abort();                                                                 \
  } while (0)

#define STUB_MAX (1 << 16)

static uint8_t stub[STUB_MAX];
static uint8_t stub2[STUB_MAX];
static uint8_t copy[1 << 20];

static void check_towers(const uint8_t *p, size_t len,
                         const pinhole_dcerpc_ept_map *m) {
  CHECK(m->ntowers <= PINHOLE_DCERPC_MAX_TOWERS);
  for (size_t i = 0; i < m->ntowers; i++) {
    const pinhole_dcerpc_tower *t = &m->tower[i];
    CHECK(t->off <= len && t->len <= len - t->off);
    CHECK(t->len <= PINHOLE_DCERPC_MAX_TOWER_LEN);
    CHECK(t->nfloors >= 1 && t->nfloors <= PINHOLE_DCERPC_MAX_FLOORS);
    CHECK(p[t->off] == (t->nfloors & 0xff));
    if (t->flags & PINHOLE_DCERPC_TOWER_PORT) {
      CHECK(t->port_off >= t->off + 7 && t->port_off + 2 <= t->off + t->len);
      CHECK(p[t->port_off - 3] == (t->proto == 6 ? 0x07 : 0x08));
      CHECK(t->port == (p[t->port_off] << 8 | p[t->port_off + 1]));
    }
    if (t->flags & PINHOLE_DCERPC_TOWER_ADDR) {
      CHECK(t->addr_off >= t->off + 7 && t->addr_off + 4 <= t->off + t->len);
      CHECK(p[t->addr_off - 3] == 0x09);
    }
  }
}

/* Rewrites every tower of a response parsed from p (a writable copy) and
 * parses it again. */
static void rewrite(uint8_t *p, size_t len, size_t off, int be,
                    const pinhole_dcerpc_ept_map *m) {
  for (size_t i = 0; i < m->ntowers; i++) {
    const pinhole_dcerpc_tower *t = &m->tower[i];
    uint32_t fl = 0;
    if (t->flags & PINHOLE_DCERPC_TOWER_ADDR)
      fl |= PINHOLE_DCERPC_REWRITE_ADDR;
    if (t->flags & PINHOLE_DCERPC_TOWER_PORT)
      fl |= PINHOLE_DCERPC_REWRITE_PORT;
    int rc = pinhole_dcerpc_tower_rewrite(
        p, len, t, fl, 0xC6130000u + (uint32_t)i, (uint16_t)(40000 + i));
    CHECK(rc == (fl ? 0 : PINHOLE_ERR_INVALID_ARG));
  }
  pinhole_dcerpc_ept_map m2;
  CHECK(pinhole_dcerpc_ept_map_response_parse(p, len, off, be, &m2) == 0);
  CHECK(m2.ntowers == m->ntowers);
  for (size_t i = 0; i < m->ntowers; i++) {
    if (m->tower[i].flags & PINHOLE_DCERPC_TOWER_ADDR)
      CHECK(m2.tower[i].addr == 0xC6130000u + (uint32_t)i);
    if (m->tower[i].flags & PINHOLE_DCERPC_TOWER_PORT)
      CHECK(m2.tower[i].port == 40000 + i);
  }
}

static void stubs(const uint8_t *p, size_t len, size_t off, int be) {
  pinhole_dcerpc_ept_map m;
  int rc = pinhole_dcerpc_ept_map_request_parse(p, len, off, be, &m);
  if (rc == 0) {
    CHECK(m.ntowers <= 1 && m.max_towers <= PINHOLE_DCERPC_MAX_TOWERS_ASKED);
    check_towers(p, len, &m);
  }
  rc = pinhole_dcerpc_ept_map_response_parse(p, len, off, be, &m);
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE);
    return;
  }
  CHECK(m.num_towers <= PINHOLE_DCERPC_MAX_TOWERS);
  check_towers(p, len, &m);
  if (len <= sizeof(stub2)) {
    memcpy(stub2, p, len);
    rewrite(stub2, len, off, be, &m);
  }
}

static void first_pdu(const uint8_t *data, size_t size) {
  pinhole_dcerpc_pdu h;
  int rc = pinhole_dcerpc_pdu_parse(data, size, &h);
  if (rc != 0)
    return;
  CHECK(h.frag_len >= PINHOLE_DCERPC_HDR_LEN && h.frag_len <= size);
  CHECK(h.stub_off + h.stub_len <= h.frag_len);
  CHECK(pinhole_dcerpc_ptype_name(h.ptype)[0] != 'u');
  pinhole_dcerpc_bind b;
  rc = pinhole_dcerpc_bind_parse(data, size, &b);
  if (rc == 0)
    CHECK(b.ncontexts >= 1 && b.ncontexts <= PINHOLE_DCERPC_MAX_CONTEXTS);
  pinhole_dcerpc_bind_ack a;
  rc = pinhole_dcerpc_bind_ack_parse(data, size, &a);
  if (rc == 0) {
    CHECK(a.nresults >= 1 && a.nresults <= PINHOLE_DCERPC_MAX_CONTEXTS);
    CHECK(a.sec_addr_off == 26 && a.sec_addr_off + a.sec_addr_len <= size);
  }
}

/* A UUID that parses formats back to the same text, lower case. */
static void uuid_text(const uint8_t *data, size_t size) {
  uint8_t u[16];
  char t[36];
  size_t n = size < 36 ? size : 36;
  if (pinhole_dcerpc_uuid_parse((const char *)data, n, u) != 0)
    return;
  CHECK(n == 36 && pinhole_dcerpc_uuid_format(u, t, sizeof(t)) == 36);
  for (size_t i = 0; i < 36; i++) {
    uint8_t c = data[i];
    CHECK(t[i] == (c >= 'A' && c <= 'F' ? c + 32 : c));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uuid_text(data, size);
  first_pdu(data, size);
  stubs(data, size, 0, 0);
  stubs(data, size, 0, 1);

  pinhole_dcerpc_call c;
  int rc = pinhole_dcerpc_call_walk(data, size, STUB_MAX, 16, &c);
  if (rc == PINHOLE_ERR_PARTIAL) {
    CHECK(c.stream_len <= size && c.nfrags < 16);
    return 0;
  }
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE);
    return 0;
  }
  CHECK(c.stream_len <= size && c.nfrags >= 1 && c.stub_len <= STUB_MAX);
  int n = pinhole_dcerpc_stub_copy(data, size, &c, stub, sizeof(stub));
  CHECK(n >= 0 && (size_t)n == c.stub_len);
  stubs(stub, c.stub_len, 0, c.big_endian);

  /* A rewrite on the gathered stub, written back through the PDUs. */
  pinhole_dcerpc_ept_map m;
  if (c.stream_len > sizeof(copy) ||
      pinhole_dcerpc_ept_map_response_parse(stub, c.stub_len, 0, c.big_endian,
                                            &m) != 0)
    return 0;
  memcpy(copy, data, c.stream_len);
  memcpy(stub2, stub, c.stub_len);
  rewrite(stub2, c.stub_len, 0, c.big_endian, &m);
  CHECK(pinhole_dcerpc_stub_write(copy, c.stream_len, &c, 0, stub2,
                                  c.stub_len) == 0);
  n = pinhole_dcerpc_stub_copy(copy, c.stream_len, &c, stub, sizeof(stub));
  CHECK(n >= 0 && (size_t)n == c.stub_len);
  CHECK(memcmp(stub, stub2, c.stub_len) == 0);
  return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: DCE-RPC pure layer. PDUs are built by hand from the layouts
 * of C706 chapter 12 (connection-oriented PDUs), chapter 14 (NDR),
 * appendix L (towers) and appendix O (ept_map), the way a Windows or
 * impacket client and the endpoint mapper send them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/dcerpc.h>

/* ---- a byte builder ------------------------------------------------------ */

typedef struct wbuf {
  uint8_t b[2048];
  size_t n;
  int be; /* NDR integers big-endian */
} wbuf;

static void put(wbuf *w, const void *p, size_t n) {
  memcpy(w->b + w->n, p, n);
  w->n += n;
}

static void u8(wbuf *w, uint8_t v) {
  w->b[w->n++] = v;
}

static void le16(wbuf *w, uint16_t v) {
  u8(w, (uint8_t)v);
  u8(w, (uint8_t)(v >> 8));
}

static void n16(wbuf *w, uint16_t v) {
  if (w->be) {
    u8(w, (uint8_t)(v >> 8));
    u8(w, (uint8_t)v);
  } else {
    le16(w, v);
  }
}

static void n32(wbuf *w, uint32_t v) {
  if (w->be) {
    n16(w, (uint16_t)(v >> 16));
    n16(w, (uint16_t)v);
  } else {
    n16(w, (uint16_t)v);
    n16(w, (uint16_t)(v >> 16));
  }
}

static void align4(wbuf *w) {
  while (w->n % 4)
    u8(w, 0);
}

/* A UUID in NDR (drep order) from its text-order bytes. */
static void ndr_uuid(wbuf *w, const uint8_t *u) {
  n32(w,
      (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3]);
  n16(w, (uint16_t)(u[4] << 8 | u[5]));
  n16(w, (uint16_t)(u[6] << 8 | u[7]));
  put(w, u + 8, 8);
}

static const uint8_t EPM[16] = PINHOLE_DCERPC_UUID_EPM;
static const uint8_t NDR[16] = PINHOLE_DCERPC_UUID_NDR;
static const uint8_t NDR64[16] = PINHOLE_DCERPC_UUID_NDR64;
/* SAMR 12345778-1234-abcd-ef00-0123456789ac */
static const uint8_t SAMR[16] = {0x12, 0x34, 0x57, 0x78, 0x12, 0x34,
                                 0xab, 0xcd, 0xef, 0x00, 0x01, 0x23,
                                 0x45, 0x67, 0x89, 0xac};
/* The same, little-endian as in a tower floor. */
static const uint8_t SAMR_LE[16] = {0x78, 0x57, 0x34, 0x12, 0x34, 0x12,
                                    0xcd, 0xab, 0xef, 0x00, 0x01, 0x23,
                                    0x45, 0x67, 0x89, 0xac};
static const uint8_t NDR_LE[16] = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c,
                                   0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00,
                                   0x2b, 0x10, 0x48, 0x60};

/* The common header; frag_length patched by finish(). */
static void hdr(wbuf *w, uint8_t ptype, uint8_t flags, uint32_t call_id) {
  u8(w, 5);
  u8(w, 0);
  u8(w, ptype);
  u8(w, flags);
  u8(w, w->be ? 0x00 : 0x10);
  u8(w, 0);
  u8(w, 0);
  u8(w, 0);
  n16(w, 0);
  n16(w, 0);
  n32(w, call_id);
}

static void finish(wbuf *w, size_t start) {
  uint16_t fl = (uint16_t)(w->n - start);
  w->b[start + 8] = (uint8_t)(w->be ? fl >> 8 : fl);
  w->b[start + 9] = (uint8_t)(w->be ? fl : fl >> 8);
}

/* A 75-byte ncacn_ip_tcp tower for SAMR v1.0 (C706 appendix L): floor
 * count, interface, NDR, RPC CO, TCP port, IP address. Tower integers are
 * little-endian whatever the drep; port and address big-endian. */
static void tower_tcp(wbuf *w, uint16_t port, uint32_t addr) {
  le16(w, 5);
  le16(w, 19);
  u8(w, 0x0d);
  put(w, SAMR_LE, 16);
  le16(w, 1); /* major */
  le16(w, 2);
  le16(w, 0); /* minor */
  le16(w, 19);
  u8(w, 0x0d);
  put(w, NDR_LE, 16);
  le16(w, 2);
  le16(w, 2);
  le16(w, 0);
  le16(w, 1);
  u8(w, 0x0b);
  le16(w, 2);
  le16(w, 0);
  le16(w, 1);
  u8(w, 0x07);
  le16(w, 2);
  u8(w, (uint8_t)(port >> 8));
  u8(w, (uint8_t)port);
  le16(w, 1);
  u8(w, 0x09);
  le16(w, 4);
  u8(w, (uint8_t)(addr >> 24));
  u8(w, (uint8_t)(addr >> 16));
  u8(w, (uint8_t)(addr >> 8));
  u8(w, (uint8_t)addr);
}

/* twr_t: conformance, tower_length, octets, then alignment. */
static void twr(wbuf *w, uint16_t port, uint32_t addr) {
  n32(w, 75);
  n32(w, 75);
  tower_tcp(w, port, addr);
  align4(w);
}

/* ept_map request stub: object (null UUID), map_tower (SAMR over TCP, port
 * 0, address 0), entry_handle, max_towers 4. */
static void ept_map_request_stub(wbuf *w) {
  static const uint8_t zero[20] = {0};
  n32(w, 1);
  put(w, zero, 16);
  n32(w, 2);
  twr(w, 0, 0);
  put(w, zero, 20);
  n32(w, 4);
}

/* ept_map response stub with two towers: SAMR at 198.18.0.10:49667 and
 * 198.18.0.11:49668. */
static void ept_map_response_stub(wbuf *w) {
  static const uint8_t zero[20] = {0};
  put(w, zero, 20); /* entry_handle */
  n32(w, 2);        /* num_towers */
  n32(w, 4);        /* max_count */
  n32(w, 0);        /* offset */
  n32(w, 2);        /* actual_count */
  n32(w, 3);        /* referent ids */
  n32(w, 4);
  twr(w, 49667, 0xC612000A);
  twr(w, 49668, 0xC612000B);
  n32(w, 0); /* status */
}

static void ept_map_response_pdu(wbuf *w) {
  hdr(w, PINHOLE_DCERPC_PTYPE_RESPONSE, 0x03, 2);
  n32(w, 216); /* alloc_hint */
  n16(w, 0);   /* context id */
  u8(w, 0);    /* cancel count */
  u8(w, 0);
  ept_map_response_stub(w);
  finish(w, 0);
}

/* ---- tests ------------------------------------------------------------------
 */

static void test_dcerpc_bind(void **state) {
  (void)state;
  wbuf w = {.n = 0};
  hdr(&w, PINHOLE_DCERPC_PTYPE_BIND, 0x03, 1);
  n16(&w, 4280);
  n16(&w, 4280);
  n32(&w, 0);
  u8(&w, 2); /* two contexts */
  u8(&w, 0);
  n16(&w, 0);
  n16(&w, 0); /* ctx 0: EPM v3.0 over NDR */
  u8(&w, 1);
  u8(&w, 0);
  ndr_uuid(&w, EPM);
  n32(&w, 3);
  ndr_uuid(&w, NDR);
  n32(&w, 2);
  n16(&w, 1); /* ctx 1: EPM v3.0 over NDR64 */
  u8(&w, 1);
  u8(&w, 0);
  ndr_uuid(&w, EPM);
  n32(&w, 3);
  ndr_uuid(&w, NDR64);
  n32(&w, 1);
  finish(&w, 0);
  assert_int_equal(w.n, 116);
  /* The wire form of the EPM UUID, little-endian. */
  static const uint8_t epm_le[] = {0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9,
                                   0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14,
                                   0xa0, 0xfa, 0x03, 0x00, 0x00, 0x00};
  assert_memory_equal(w.b + 32, epm_le, sizeof(epm_le));

  pinhole_dcerpc_pdu h;
  assert_int_equal(pinhole_dcerpc_pdu_parse(w.b, w.n, &h), 0);
  assert_int_equal(h.ptype, PINHOLE_DCERPC_PTYPE_BIND);
  assert_int_equal(h.frag_len, 116);
  assert_int_equal(h.big_endian, 0);
  assert_int_equal(h.call_id, 1);
  assert_int_equal(h.flags, PINHOLE_DCERPC_PFC_FIRST_FRAG |
                                PINHOLE_DCERPC_PFC_LAST_FRAG);
  pinhole_dcerpc_bind b;
  assert_int_equal(pinhole_dcerpc_bind_parse(w.b, w.n, &b), 0);
  assert_int_equal(b.max_xmit, 4280);
  assert_int_equal(b.ncontexts, 2);
  assert_int_equal(b.ctx[0].ctx_id, 0);
  assert_memory_equal(b.ctx[0].abstract.uuid, EPM, 16);
  assert_int_equal(b.ctx[0].abstract.major, 3);
  assert_int_equal(b.ctx[0].abstract.minor, 0);
  assert_int_equal(b.ctx[0].flags, PINHOLE_DCERPC_CTX_NDR);
  assert_int_equal(b.ctx[1].ctx_id, 1);
  assert_int_equal(b.ctx[1].flags, PINHOLE_DCERPC_CTX_NDR64);
  /* Truncated at every length, as a stream: partial, never more. */
  for (size_t k = 0; k < w.n; k++)
    assert_int_equal(pinhole_dcerpc_bind_parse(w.b, k, &b),
                     PINHOLE_ERR_PARTIAL);
  /* A frag_length that cuts the contexts short. */
  wbuf t = w;
  t.b[8] = 100;
  assert_int_equal(pinhole_dcerpc_bind_parse(t.b, t.n, &b), PINHOLE_ERR_PARSE);
  /* Zero, or nine contexts. */
  t = w;
  t.b[24] = 0;
  assert_int_equal(pinhole_dcerpc_bind_parse(t.b, t.n, &b), PINHOLE_ERR_RANGE);
  t.b[24] = 9;
  assert_int_equal(pinhole_dcerpc_bind_parse(t.b, t.n, &b), PINHOLE_ERR_RANGE);
  /* A context with no transfer syntax. */
  t = w;
  t.b[30] = 0;
  assert_int_equal(pinhole_dcerpc_bind_parse(t.b, t.n, &b), PINHOLE_ERR_PARSE);
  /* Not a bind. */
  pinhole_dcerpc_bind_ack a;
  assert_int_equal(pinhole_dcerpc_bind_ack_parse(w.b, w.n, &a),
                   PINHOLE_ERR_NOMATCH);
}

static void test_dcerpc_bind_ack(void **state) {
  (void)state;
  wbuf w = {.n = 0};
  hdr(&w, PINHOLE_DCERPC_PTYPE_BIND_ACK, 0x03, 1);
  n16(&w, 4280);
  n16(&w, 4280);
  n32(&w, 0x00012345);
  n16(&w, 4);
  put(&w, "135", 4);
  align4(&w);
  u8(&w, 2);
  u8(&w, 0);
  n16(&w, 0);
  n16(&w, 0); /* acceptance, NDR */
  n16(&w, 0);
  ndr_uuid(&w, NDR);
  n32(&w, 2);
  n16(&w, 2); /* provider rejection, proposed transfer syntaxes unsupported */
  n16(&w, 2);
  put(&w, (const uint8_t[20]){0}, 20);
  finish(&w, 0);
  assert_int_equal(w.n, 84);
  pinhole_dcerpc_bind_ack a;
  assert_int_equal(pinhole_dcerpc_bind_ack_parse(w.b, w.n, &a), 0);
  assert_int_equal(a.assoc_group, 0x12345);
  assert_int_equal(a.sec_addr_off, 26);
  assert_int_equal(a.sec_addr_len, 3);
  assert_memory_equal(w.b + a.sec_addr_off, "135", 3);
  assert_int_equal(a.nresults, 2);
  assert_int_equal(a.result[0].result, 0);
  assert_memory_equal(a.result[0].transfer.uuid, NDR, 16);
  assert_int_equal(a.result[0].transfer.major, 2);
  assert_int_equal(a.result[1].result, 2);
  assert_int_equal(a.result[1].reason, 2);
  /* A secondary address length that runs past the PDU. */
  wbuf t = w;
  t.b[24] = 0x50;
  assert_int_equal(pinhole_dcerpc_bind_ack_parse(t.b, t.n, &a),
                   PINHOLE_ERR_PARSE);
  /* An empty secondary address (Samba's alter_context_resp). */
  wbuf e = {.n = 0};
  hdr(&e, PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT_RESP, 0x03, 7);
  n16(&e, 4280);
  n16(&e, 4280);
  n32(&e, 0x00012345);
  n16(&e, 0);
  align4(&e);
  u8(&e, 1);
  u8(&e, 0);
  n16(&e, 0);
  n16(&e, 0);
  n16(&e, 0);
  ndr_uuid(&e, NDR);
  n32(&e, 2);
  finish(&e, 0);
  assert_int_equal(pinhole_dcerpc_bind_ack_parse(e.b, e.n, &a), 0);
  assert_int_equal(a.sec_addr_len, 0);
  assert_int_equal(a.nresults, 1);
}

static void test_dcerpc_ept_map_request(void **state) {
  (void)state;
  wbuf w = {.n = 0};
  hdr(&w, PINHOLE_DCERPC_PTYPE_REQUEST, 0x03, 2);
  n32(&w, 132); /* alloc_hint */
  n16(&w, 0);   /* context */
  n16(&w, PINHOLE_DCERPC_OPNUM_EPT_MAP);
  ept_map_request_stub(&w);
  finish(&w, 0);
  assert_int_equal(w.n, 156);

  pinhole_dcerpc_pdu h;
  assert_int_equal(pinhole_dcerpc_pdu_parse(w.b, w.n, &h), 0);
  assert_int_equal(h.ptype, PINHOLE_DCERPC_PTYPE_REQUEST);
  assert_int_equal(h.opnum, 3);
  assert_int_equal(h.alloc_hint, 132);
  assert_int_equal(h.stub_off, 24);
  assert_int_equal(h.stub_len, 132);
  assert_int_equal(h.has_object, 0);

  pinhole_dcerpc_ept_map m;
  assert_int_equal(pinhole_dcerpc_ept_map_request_parse(
                       w.b, h.stub_off + h.stub_len, h.stub_off, 0, &m),
                   0);
  assert_int_equal(m.has_object, 1);
  assert_int_equal(m.max_towers, 4);
  assert_int_equal(m.ntowers, 1);
  const pinhole_dcerpc_tower *t = &m.tower[0];
  assert_int_equal(t->off, 56);
  assert_int_equal(t->len, 75);
  assert_int_equal(t->nfloors, 5);
  assert_int_equal(t->flags,
                   PINHOLE_DCERPC_TOWER_IFACE | PINHOLE_DCERPC_TOWER_SYNTAX |
                       PINHOLE_DCERPC_TOWER_CO | PINHOLE_DCERPC_TOWER_PORT |
                       PINHOLE_DCERPC_TOWER_ADDR);
  assert_memory_equal(t->iface.uuid, SAMR, 16);
  assert_int_equal(t->iface.major, 1);
  assert_int_equal(t->iface.minor, 0);
  assert_memory_equal(t->transfer.uuid, NDR, 16);
  assert_int_equal(t->transfer.major, 2);
  assert_int_equal(t->proto, 6);
  assert_int_equal(t->port, 0);
  assert_int_equal(t->port_off, 120);
  assert_int_equal(t->addr, 0);
  assert_int_equal(t->addr_off, 127);

  /* A null object and a null map_tower. */
  wbuf s = {.n = 0};
  n32(&s, 0);
  n32(&s, 0);
  put(&s, (const uint8_t[20]){0}, 20);
  n32(&s, 1);
  assert_int_equal(pinhole_dcerpc_ept_map_request_parse(s.b, s.n, 0, 0, &m), 0);
  assert_int_equal(m.has_object, 0);
  assert_int_equal(m.ntowers, 0);
  assert_int_equal(m.max_towers, 1);
  /* max_towers 501. */
  s.b[s.n - 4] = 0xf5;
  s.b[s.n - 3] = 0x01;
  assert_int_equal(pinhole_dcerpc_ept_map_request_parse(s.b, s.n, 0, 0, &m),
                   PINHOLE_ERR_RANGE);
  /* Truncated at every length. */
  for (size_t k = 24; k < w.n; k++)
    assert_int_equal(pinhole_dcerpc_ept_map_request_parse(w.b, k, 24, 0, &m),
                     PINHOLE_ERR_PARSE);
}

static void test_dcerpc_ept_map_response(void **state) {
  (void)state;
  wbuf w = {.n = 0};
  ept_map_response_pdu(&w);
  assert_int_equal(w.n, 240);

  pinhole_dcerpc_pdu h;
  assert_int_equal(pinhole_dcerpc_pdu_parse(w.b, w.n, &h), 0);
  assert_int_equal(h.ptype, PINHOLE_DCERPC_PTYPE_RESPONSE);
  assert_int_equal(h.stub_off, 24);
  assert_int_equal(h.stub_len, 216);

  pinhole_dcerpc_ept_map m;
  assert_int_equal(
      pinhole_dcerpc_ept_map_response_parse(w.b, w.n, h.stub_off, 0, &m), 0);
  assert_int_equal(m.num_towers, 2);
  assert_int_equal(m.max_towers, 4);
  assert_int_equal(m.status, 0);
  assert_int_equal(m.ntowers, 2);
  assert_int_equal(m.tower[0].off, 76);
  assert_int_equal(m.tower[0].port, 49667);
  assert_int_equal(m.tower[0].port_off, 140);
  assert_int_equal(m.tower[0].addr, 0xC612000A);
  assert_int_equal(m.tower[0].addr_off, 147);
  assert_int_equal(m.tower[1].off, 160);
  assert_int_equal(m.tower[1].port, 49668);
  assert_int_equal(m.tower[1].port_off, 224);
  assert_int_equal(m.tower[1].addr, 0xC612000B);
  assert_int_equal(m.tower[1].addr_off, 231);
  assert_memory_equal(m.tower[1].iface.uuid, SAMR, 16);

  /* Rewrite the first tower to 198.19.0.5:50001: exactly six bytes move. */
  uint8_t before[240];
  memcpy(before, w.b, 240);
  assert_int_equal(pinhole_dcerpc_tower_rewrite(w.b, w.n, &m.tower[0],
                                                PINHOLE_DCERPC_REWRITE_ADDR |
                                                    PINHOLE_DCERPC_REWRITE_PORT,
                                                0xC6130005, 50001),
                   0);
  static const uint8_t floors[] = {0x01, 0x00, 0x07, 0x02, 0x00, 0xc3,
                                   0x51, 0x01, 0x00, 0x09, 0x04, 0x00,
                                   0xc6, 0x13, 0x00, 0x05};
  assert_memory_equal(w.b + 135, floors, sizeof(floors));
  assert_memory_equal(w.b, before, 140);
  assert_memory_equal(w.b + 142, before + 142, 5);
  assert_memory_equal(w.b + 151, before + 151, 240 - 151);
  /* The address only, on the second tower. */
  assert_int_equal(pinhole_dcerpc_tower_rewrite(w.b, w.n, &m.tower[1],
                                                PINHOLE_DCERPC_REWRITE_ADDR,
                                                0xC6130006, 0),
                   0);
  assert_memory_equal(w.b + 231, "\xc6\x13\x00\x06", 4);
  assert_memory_equal(w.b + 224, "\xc2\x04", 2);
  pinhole_dcerpc_ept_map m2;
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(w.b, w.n, 24, 0, &m2),
                   0);
  assert_int_equal(m2.tower[0].addr, 0xC6130005);
  assert_int_equal(m2.tower[0].port, 50001);
  assert_int_equal(m2.tower[1].addr, 0xC6130006);
  assert_int_equal(m2.tower[1].port, 49668);

  /* Rewrites that do not match the buffer or ask for too much. */
  pinhole_dcerpc_tower bad = m.tower[0];
  bad.addr_off = 146;
  assert_int_equal(pinhole_dcerpc_tower_rewrite(
                       w.b, w.n, &bad, PINHOLE_DCERPC_REWRITE_ADDR, 1, 1),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dcerpc_tower_rewrite(w.b, 150, &m.tower[0],
                                                PINHOLE_DCERPC_REWRITE_ADDR, 1,
                                                1),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dcerpc_tower_rewrite(w.b, w.n, &m.tower[0],
                                                PINHOLE_DCERPC_REWRITE_PORT, 1,
                                                0),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dcerpc_tower_rewrite(w.b, w.n, &m.tower[0], 0, 1, 1),
                   PINHOLE_ERR_INVALID_ARG);
  bad = m.tower[0];
  bad.flags &= ~(uint32_t)PINHOLE_DCERPC_TOWER_PORT;
  assert_int_equal(pinhole_dcerpc_tower_rewrite(
                       w.b, w.n, &bad, PINHOLE_DCERPC_REWRITE_PORT, 1, 1),
                   PINHOLE_ERR_INVALID_ARG);
  assert_memory_equal(w.b + 135, floors, sizeof(floors));
}

static void test_dcerpc_ept_map_big_endian(void **state) {
  (void)state;
  wbuf w = {.n = 0, .be = 1};
  ept_map_response_pdu(&w);
  assert_int_equal(w.n, 240);
  assert_memory_equal(w.b + 4, "\x00\x00\x00\x00\x00\xf0", 6);
  pinhole_dcerpc_pdu h;
  assert_int_equal(pinhole_dcerpc_pdu_parse(w.b, w.n, &h), 0);
  assert_int_equal(h.big_endian, 1);
  assert_int_equal(h.frag_len, 240);
  assert_int_equal(h.alloc_hint, 216);
  pinhole_dcerpc_ept_map m;
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(w.b, w.n, 24, 1, &m),
                   0);
  assert_int_equal(m.ntowers, 2);
  assert_int_equal(m.tower[0].port, 49667);
  assert_int_equal(m.tower[1].addr, 0xC612000B);
  /* Read as little-endian it is nonsense. */
  assert_int_not_equal(
      pinhole_dcerpc_ept_map_response_parse(w.b, w.n, 24, 0, &m), 0);
}

static void test_dcerpc_ept_map_hostile(void **state) {
  (void)state;
  wbuf w = {.n = 0};
  ept_map_response_stub(&w);
  assert_int_equal(w.n, 216);
  pinhole_dcerpc_ept_map m;
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(w.b, w.n, 0, 0, &m),
                   0);
  for (size_t k = 0; k < w.n; k++)
    assert_int_equal(pinhole_dcerpc_ept_map_response_parse(w.b, k, 0, 0, &m),
                     PINHOLE_ERR_PARSE);
  static const struct {
    size_t at;
    uint8_t v[4];
    size_t n;
    int rc;
  } cases[] = {
      {52, {0xff, 0xff}, 2, PINHOLE_ERR_RANGE}, /* floor count 65535 */
      {52, {0x09, 0x00}, 2, PINHOLE_ERR_RANGE}, /* 9 floors */
      {52, {0x00, 0x00}, 2, PINHOLE_ERR_PARSE}, /* no floor */
      {52, {0x06, 0x00}, 2, PINHOLE_ERR_PARSE}, /* a floor past the end */
      {52, {0x04, 0x00}, 2, PINHOLE_ERR_PARSE}, /* bytes after the floors */
      {44, {0x4c}, 1, PINHOLE_ERR_PARSE},       /* conformance != length */
      {44, {0xd1, 0x07, 0, 0}, 4, PINHOLE_ERR_PARSE},
      {54, {0xff, 0x00}, 2, PINHOLE_ERR_PARSE}, /* LHS length lies */
      {54, {0x00, 0x00}, 2, PINHOLE_ERR_PARSE}, /* empty LHS */
      {75, {0x13}, 1, PINHOLE_ERR_PARSE},       /* RHS length lies */
      {40, {0x03}, 1, PINHOLE_ERR_PARSE},       /* a referent id twice */
      {24, {0x01}, 1, PINHOLE_ERR_PARSE},       /* actual > maximum */
      {20, {0x03}, 1, PINHOLE_ERR_PARSE},       /* actual != num_towers */
      {28, {0x01}, 1, PINHOLE_ERR_PARSE},       /* offset 1 */
      {24, {0xf5, 0x01}, 2, PINHOLE_ERR_RANGE}, /* maximum 501 */
      {106, {0x07}, 1, PINHOLE_ERR_PARSE},      /* RPC floor -> 2nd port */
      {120, {0x08}, 1, PINHOLE_ERR_PARSE},      /* IP floor as UDP port */
      {106, {0x0d}, 1, PINHOLE_ERR_PARSE},      /* UUID floor of LHS 1 */
      {212, {0x01}, 1, 0},                      /* status: not an error */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wbuf t = w;
    memcpy(t.b + cases[i].at, cases[i].v, cases[i].n);
    int rc = pinhole_dcerpc_ept_map_response_parse(t.b, t.n, 0, 0, &m);
    if (rc != cases[i].rc)
      fail_msg("case %zu: %d, want %d", i, rc, cases[i].rc);
  }
  /* tower_length 2001 in both places. */
  wbuf t = w;
  memcpy(t.b + 44, "\xd1\x07\x00\x00\xd1\x07\x00\x00", 8);
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(t.b, t.n, 0, 0, &m),
                   PINHOLE_ERR_RANGE);
  /* Nine towers announced. */
  t = w;
  t.b[20] = t.b[24] = t.b[32] = 9;
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(t.b, t.n, 0, 0, &m),
                   PINHOLE_ERR_RANGE);
  /* An unknown floor (named pipe id 0x0f in place of RPC CO) is skipped. */
  t = w;
  t.b[106] = 0x0f;
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(t.b, t.n, 0, 0, &m),
                   0);
  assert_true(m.tower[0].flags & PINHOLE_DCERPC_TOWER_OTHER);
  assert_false(m.tower[0].flags & PINHOLE_DCERPC_TOWER_CO);
  /* Padding after the status: up to 7 zero bytes; not 8, not non-zero. */
  t = w;
  memset(t.b + t.n, 0, 8);
  assert_int_equal(
      pinhole_dcerpc_ept_map_response_parse(t.b, t.n + 7, 0, 0, &m), 0);
  assert_int_equal(
      pinhole_dcerpc_ept_map_response_parse(t.b, t.n + 8, 0, 0, &m),
      PINHOLE_ERR_PARSE);
  t.b[t.n + 2] = 1;
  assert_int_equal(
      pinhole_dcerpc_ept_map_response_parse(t.b, t.n + 4, 0, 0, &m),
      PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(w.b, 10, 11, 0, &m),
                   PINHOLE_ERR_INVALID_ARG);

  /* A null pointer among the towers: one tower, status 0x16c9a0d6. */
  wbuf s = {.n = 0};
  put(&s, (const uint8_t[20]){0}, 20);
  n32(&s, 2);
  n32(&s, 2);
  n32(&s, 0);
  n32(&s, 2);
  n32(&s, 0);
  n32(&s, 7);
  twr(&s, 135, 0xC612000A);
  n32(&s, 0x16c9a0d6);
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(s.b, s.n, 0, 0, &m),
                   0);
  assert_int_equal(m.ntowers, 1);
  assert_int_equal(m.tower[0].port, 135);
  assert_int_equal(m.status, 0x16c9a0d6);
  /* Zero towers. */
  wbuf z = {.n = 0};
  put(&z, (const uint8_t[20]){0}, 20);
  n32(&z, 0);
  n32(&z, 1);
  n32(&z, 0);
  n32(&z, 0);
  n32(&z, 0x16c9a0d6);
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(z.b, z.n, 0, 0, &m),
                   0);
  assert_int_equal(m.ntowers, 0);
}

static void test_dcerpc_pdu_hostile(void **state) {
  (void)state;
  wbuf w = {.n = 0};
  ept_map_response_pdu(&w);
  pinhole_dcerpc_pdu h;
  for (size_t k = 0; k < w.n; k++) {
    assert_int_equal(pinhole_dcerpc_pdu_parse(w.b, k, &h), PINHOLE_ERR_PARTIAL);
    assert_int_equal(h.frag_len, k < 16 ? 0 : 240);
  }
  static const struct {
    size_t at;
    uint8_t v[2];
    size_t n;
    int rc;
  } cases[] = {
      {0, {4}, 1, PINHOLE_ERR_PARSE},        /* rpc_vers 4 */
      {1, {2}, 1, PINHOLE_ERR_PARSE},        /* 5.2 */
      {1, {1}, 1, 0},                        /* 5.1 */
      {2, {1}, 1, PINHOLE_ERR_PARSE},        /* ping: connectionless */
      {2, {9}, 1, PINHOLE_ERR_PARSE},        /* fack */
      {2, {20}, 1, PINHOLE_ERR_PARSE},       /* unknown */
      {4, {0x20}, 1, PINHOLE_ERR_PARSE},     /* integer rep 2 */
      {4, {0x12}, 1, PINHOLE_ERR_PARSE},     /* char rep 2 */
      {5, {4}, 1, PINHOLE_ERR_PARSE},        /* float rep 4 */
      {4, {0x11}, 1, 0},                     /* EBCDIC */
      {8, {0, 0}, 2, PINHOLE_ERR_PARSE},     /* frag_length 0 */
      {8, {23, 0}, 2, PINHOLE_ERR_PARSE},    /* below a response */
      {8, {24, 0}, 2, 0},                    /* empty stub */
      {10, {0xe0, 0}, 2, PINHOLE_ERR_PARSE}, /* auth bigger than the PDU */
      {10, {0xd0, 0}, 2, 0},                 /* auth 208: stub 0 */
      {10, {0xd1, 0}, 2, PINHOLE_ERR_PARSE}, /* auth 209 */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wbuf t = w;
    memcpy(t.b + cases[i].at, cases[i].v, cases[i].n);
    int rc = pinhole_dcerpc_pdu_parse(t.b, t.n, &h);
    if (rc != cases[i].rc)
      fail_msg("case %zu: %d, want %d", i, rc, cases[i].rc);
  }
  /* frag_length 65535 with 240 bytes: partial, says how many it needs. */
  wbuf t = w;
  t.b[8] = t.b[9] = 0xff;
  assert_int_equal(pinhole_dcerpc_pdu_parse(t.b, t.n, &h), PINHOLE_ERR_PARTIAL);
  assert_int_equal(h.frag_len, 65535);
  /* An auth trailer: 8 bytes of sec_trailer (NTLM, integrity, pad 4) and
   * 16 bytes of verifier; the stub loses the padding. */
  t = w;
  t.b[10] = 16;
  size_t tr = 240 - 16 - 8;
  t.b[tr] = 10;
  t.b[tr + 1] = 5;
  t.b[tr + 2] = 4;
  assert_int_equal(pinhole_dcerpc_pdu_parse(t.b, t.n, &h), 0);
  assert_int_equal(h.auth_type, 10);
  assert_int_equal(h.auth_level, 5);
  assert_int_equal(h.auth_pad_len, 4);
  assert_int_equal(h.stub_len, 240 - 24 - 24 - 4);
  t.b[tr + 2] = 0xff; /* padding longer than the stub */
  t.b[10] = 0xd0;
  t.b[240 - 0xd0 - 8 + 2] = 0xff;
  assert_int_equal(pinhole_dcerpc_pdu_parse(t.b, t.n, &h), PINHOLE_ERR_PARSE);
  /* Request with an object UUID: 40 bytes minimum, stub after it. */
  wbuf r = {.n = 0};
  hdr(&r, PINHOLE_DCERPC_PTYPE_REQUEST, 0x83, 5);
  n32(&r, 4);
  n16(&r, 1);
  n16(&r, 7);
  ndr_uuid(&r, SAMR);
  n32(&r, 0xdeadbeef);
  finish(&r, 0);
  assert_int_equal(pinhole_dcerpc_pdu_parse(r.b, r.n, &h), 0);
  assert_int_equal(h.has_object, 1);
  assert_memory_equal(h.object, SAMR, 16);
  assert_int_equal(h.opnum, 7);
  assert_int_equal(h.ctx_id, 1);
  assert_int_equal(h.stub_off, 40);
  assert_int_equal(h.stub_len, 4);
  r.b[8] = 39;
  assert_int_equal(pinhole_dcerpc_pdu_parse(r.b, r.n, &h), PINHOLE_ERR_PARSE);
  assert_string_equal(pinhole_dcerpc_ptype_name(12), "bind_ack");
  assert_string_equal(pinhole_dcerpc_ptype_name(0), "request");
  assert_string_equal(pinhole_dcerpc_ptype_name(1), "unknown");
  assert_string_equal(pinhole_dcerpc_ptype_name(20), "unknown");
  assert_int_equal(pinhole_dcerpc_pdu_parse(NULL, 3, &h),
                   PINHOLE_ERR_INVALID_ARG);
}

/* The response stub in two PDUs, split inside the first tower's address. */
static size_t fragmented(wbuf *w, size_t cut) {
  wbuf s = {.n = 0};
  ept_map_response_stub(&s);
  size_t a = 0;
  hdr(w, PINHOLE_DCERPC_PTYPE_RESPONSE, 0x01, 9);
  n32(w, (uint32_t)s.n);
  n16(w, 0);
  n16(w, 0);
  put(w, s.b, cut);
  finish(w, a);
  size_t b = w->n;
  hdr(w, PINHOLE_DCERPC_PTYPE_RESPONSE, 0x02, 9);
  n32(w, (uint32_t)(s.n - cut));
  n16(w, 0);
  n16(w, 0);
  put(w, s.b + cut, s.n - cut);
  finish(w, b);
  return b;
}

static void test_dcerpc_fragmented_call(void **state) {
  (void)state;
  wbuf w = {.n = 0};
  size_t second = fragmented(&w, 125);
  assert_int_equal(second, 149);
  assert_int_equal(w.n, 264);
  /* Then the start of the next PDU. */
  memcpy(w.b + w.n, "\x05\x00\x00", 3);
  pinhole_dcerpc_call c;
  assert_int_equal(pinhole_dcerpc_call_walk(w.b, w.n + 3, 65536, 8, &c), 0);
  assert_int_equal(c.nfrags, 2);
  assert_int_equal(c.stream_len, 264);
  assert_int_equal(c.stub_len, 216);
  assert_int_equal(c.call_id, 9);
  assert_int_equal(c.ptype, PINHOLE_DCERPC_PTYPE_RESPONSE);
  for (size_t k = 0; k < 264; k++) {
    assert_int_equal(pinhole_dcerpc_call_walk(w.b, k, 65536, 8, &c),
                     PINHOLE_ERR_PARTIAL);
    assert_int_equal(c.stream_len, k < 149 ? 0 : 149);
  }
  assert_int_equal(pinhole_dcerpc_call_walk(w.b, w.n, 65536, 8, &c), 0);

  uint8_t stub[256];
  assert_int_equal(pinhole_dcerpc_stub_copy(w.b, w.n, &c, stub, sizeof(stub)),
                   216);
  wbuf s = {.n = 0};
  ept_map_response_stub(&s);
  assert_memory_equal(stub, s.b, 216);
  assert_int_equal(pinhole_dcerpc_stub_copy(w.b, w.n, &c, stub, 215),
                   PINHOLE_ERR_NOBUF);

  /* Parse the gathered stub, rewrite there, write the 4 address bytes
   * back across the PDU boundary. */
  pinhole_dcerpc_ept_map m;
  assert_int_equal(pinhole_dcerpc_ept_map_response_parse(stub, 216, 0, 0, &m),
                   0);
  assert_int_equal(m.tower[0].addr_off, 123);
  assert_int_equal(pinhole_dcerpc_tower_rewrite(stub, 216, &m.tower[0],
                                                PINHOLE_DCERPC_REWRITE_ADDR,
                                                0xC6130005, 0),
                   0);
  uint8_t before[264];
  memcpy(before, w.b, 264);
  assert_int_equal(pinhole_dcerpc_stub_write(w.b, w.n, &c, 123, stub + 123, 4),
                   0);
  assert_memory_equal(w.b + 147, "\xc6\x13", 2);
  assert_memory_equal(w.b + 173, "\x00\x05", 2);
  assert_memory_equal(w.b, before, 147);
  assert_memory_equal(w.b + 149, before + 149, 24);
  assert_memory_equal(w.b + 175, before + 175, 264 - 175);
  /* Gathered again, it is the rewritten stub. */
  uint8_t again[256];
  assert_int_equal(pinhole_dcerpc_stub_copy(w.b, w.n, &c, again, 256), 216);
  assert_memory_equal(again, stub, 216);
  /* Out of the stub; a description that does not match. */
  assert_int_equal(pinhole_dcerpc_stub_write(w.b, w.n, &c, 214, stub, 3),
                   PINHOLE_ERR_INVALID_ARG);
  pinhole_dcerpc_call bad = c;
  bad.stub_len = 217;
  assert_int_equal(pinhole_dcerpc_stub_write(w.b, w.n, &bad, 0, stub, 1),
                   PINHOLE_ERR_INVALID_ARG);
  bad = c;
  bad.nfrags = 1;
  assert_int_equal(pinhole_dcerpc_stub_copy(w.b, w.n, &bad, again, 256),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_dcerpc_stub_copy(w.b, 263, &c, again, 256),
                   PINHOLE_ERR_INVALID_ARG);

  /* Limits. */
  assert_int_equal(pinhole_dcerpc_call_walk(w.b, w.n, 65536, 1, &c),
                   PINHOLE_ERR_RANGE);
  /* max_frags fragments, none the last: too many, whether the next PDU
   * is there, cut, or absent (no byte can complete it: never PARTIAL;
   * found by fuzz_alg_dcerpc with 16 fragments and a cut 17th) */
  for (size_t k = 0; k < 264; k++)
    assert_int_equal(pinhole_dcerpc_call_walk(w.b, k, 65536, 1, &c),
                     k < 149 ? PINHOLE_ERR_PARTIAL : PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_dcerpc_call_walk(w.b, w.n, 200, 8, &c),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_dcerpc_call_walk(w.b, w.n, 0, 8, &c),
                   PINHOLE_ERR_INVALID_ARG);
  /* The second PDU claims to be first; has another call id; the first
   * lacks the first-fragment flag. */
  wbuf t = w;
  t.b[149 + 3] = 0x03;
  assert_int_equal(pinhole_dcerpc_call_walk(t.b, t.n, 65536, 8, &c),
                   PINHOLE_ERR_PARSE);
  t = w;
  t.b[149 + 12] = 10;
  assert_int_equal(pinhole_dcerpc_call_walk(t.b, t.n, 65536, 8, &c),
                   PINHOLE_ERR_PARSE);
  t = w;
  t.b[149 + 2] = PINHOLE_DCERPC_PTYPE_REQUEST;
  assert_int_equal(pinhole_dcerpc_call_walk(t.b, t.n, 65536, 8, &c),
                   PINHOLE_ERR_PARSE);
  t = w;
  t.b[3] = 0;
  assert_int_equal(pinhole_dcerpc_call_walk(t.b, t.n, 65536, 8, &c),
                   PINHOLE_ERR_PARSE);
  /* A bind is a call of one PDU whatever its flags. */
  wbuf b = {.n = 0};
  hdr(&b, PINHOLE_DCERPC_PTYPE_SHUTDOWN, 0x00, 3);
  finish(&b, 0);
  assert_int_equal(pinhole_dcerpc_call_walk(b.b, b.n, 16, 1, &c), 0);
  assert_int_equal(c.nfrags, 1);
  assert_int_equal(c.stub_len, 0);
}

static void test_dcerpc_uuid_text(void **state) {
  (void)state;
  uint8_t u[16];
  const char *s = "E1AF8308-5d1f-11c9-91a4-08002b14a0fa";
  assert_int_equal(pinhole_dcerpc_uuid_parse(s, 36, u), 0);
  assert_memory_equal(u, EPM, 16);
  char out[40];
  assert_int_equal(pinhole_dcerpc_uuid_format(SAMR, out, 36), 36);
  assert_memory_equal(out, "12345778-1234-abcd-ef00-0123456789ac", 36);
  assert_int_equal(pinhole_dcerpc_uuid_format(SAMR, out, 35),
                   PINHOLE_ERR_NOBUF);
  static const char *const bad[] = {
      "e1af8308-5d1f-11c9-91a4-08002b14a0f",
      "e1af8308-5d1f-11c9-91a4-08002b14a0fa0",
      "e1af8308x5d1f-11c9-91a4-08002b14a0fa",
      "e1af8308-5d1f-11c9-91a4-08002b14a0fg",
      "{1af8308-5d1f-11c9-91a4-08002b14a0fa",
      "e1af83085d1f-11c9-91a4-08002b14a0fa-",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(pinhole_dcerpc_uuid_parse(bad[i], strlen(bad[i]), u),
                     PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_dcerpc_uuid_parse(NULL, 36, u),
                   PINHOLE_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dcerpc_bind),
      cmocka_unit_test(test_dcerpc_bind_ack),
      cmocka_unit_test(test_dcerpc_ept_map_request),
      cmocka_unit_test(test_dcerpc_ept_map_response),
      cmocka_unit_test(test_dcerpc_ept_map_big_endian),
      cmocka_unit_test(test_dcerpc_ept_map_hostile),
      cmocka_unit_test(test_dcerpc_pdu_hostile),
      cmocka_unit_test(test_dcerpc_fragmented_call),
      cmocka_unit_test(test_dcerpc_uuid_text),
  };
  return cmocka_run_group_tests_name("unit.dcerpc", tests, NULL, NULL);
}

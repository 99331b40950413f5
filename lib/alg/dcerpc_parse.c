/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DCE-RPC ALG, pure part: connection-oriented PDU framing, fragmented
 * calls, bind and bind_ack, the endpoint mapper's ept_map towers.
 *
 * Protocol: DCE 1.1 RPC (C706: chapter 12 PDUs, chapter 14 NDR, appendix L
 * towers, appendix O the endpoint mapper), MS-RPCE extensions (rpc_vers
 * 5.1, auth3, the sec_trailer). Read: every connection-oriented PDU header;
 * bind, alter_context and their acks; request and response stubs of
 * ept_map (opnum 3). Rewritten: a tower's port and IPv4 address floors, in
 * place.
 *
 * Known limits: connectionless (UDP) PDUs are not parsed; NDR only (a
 * context negotiated with NDR64 cannot be read: the bind parsers report
 * which syntaxes were offered and accepted); ept_lookup (opnum 2) is not
 * parsed; stubs under packet integrity or privacy are opaque (reported
 * through auth_level, never parsed for them here).
 */
#include <pinhole/dcerpc.h>

#include <string.h>

#include "alg/text.h"

#include "pkt/bytes.h"

/* ---- drep-ordered fetches -------------------------------------------------
 */

static int ph_u16(ph_cur *c, int be, uint16_t *v) {
  return be ? ph_cur_be16(c, v) : ph_cur_le16(c, v);
}

static int ph_u32(ph_cur *c, int be, uint32_t *v) {
  return be ? ph_cur_be32(c, v) : ph_cur_le32(c, v);
}

/* An NDR uuid_t (u32, u16, u16, 8 bytes) into text order. */
static int ph_uuid(ph_cur *c, int be, uint8_t out[16]) {
  uint32_t a;
  uint16_t b, d;
  const uint8_t *rest;
  if (ph_u32(c, be, &a) != 0 || ph_u16(c, be, &b) != 0 ||
      ph_u16(c, be, &d) != 0 || ph_cur_take(c, 8, &rest) != 0)
    return -1;
  ph_put32(out, a);
  ph_put16(out + 4, b);
  ph_put16(out + 6, d);
  memcpy(out + 8, rest, 8);
  return 0;
}

/* p_syntax_id_t: uuid, then version (major in the low 16 bits). */
static int ph_syntax(ph_cur *c, int be, pinhole_dcerpc_syntax *s) {
  uint32_t v;
  if (ph_uuid(c, be, s->uuid) != 0 || ph_u32(c, be, &v) != 0)
    return -1;
  s->major = (uint16_t)(v & 0xffff);
  s->minor = (uint16_t)(v >> 16);
  return 0;
}

static int ph_syntax_is(const pinhole_dcerpc_syntax *s, const uint8_t *uuid,
                        uint16_t major) {
  return memcmp(s->uuid, uuid, 16) == 0 && s->major == major && s->minor == 0;
}

/* ---- PDU framing
 * ------------------------------------------------------------- */

/* Smallest frag_length of a connection-oriented type, 0 if the type is
 * not one (connectionless or unknown). */
static size_t ph_min_len(uint8_t ptype, uint8_t flags) {
  switch (ptype) {
  case PINHOLE_DCERPC_PTYPE_REQUEST:
    return flags & PINHOLE_DCERPC_PFC_OBJECT_UUID ? 40 : 24;
  case PINHOLE_DCERPC_PTYPE_RESPONSE:
    return 24;
  case PINHOLE_DCERPC_PTYPE_FAULT:
    return 32;
  case PINHOLE_DCERPC_PTYPE_BIND:
  case PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT:
    return 28;
  case PINHOLE_DCERPC_PTYPE_BIND_ACK:
  case PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT_RESP:
    return 26;
  case PINHOLE_DCERPC_PTYPE_BIND_NAK:
    return 18;
  case PINHOLE_DCERPC_PTYPE_AUTH3:
    return 20;
  case PINHOLE_DCERPC_PTYPE_SHUTDOWN:
  case PINHOLE_DCERPC_PTYPE_CO_CANCEL:
  case PINHOLE_DCERPC_PTYPE_ORPHANED:
    return 16;
  default:
    return 0;
  }
}

/* The 16-byte common header. */
static int ph_common(const uint8_t *p, pinhole_dcerpc_pdu *h) {
  if (p[0] != 5 || p[1] > 1)
    return PINHOLE_ERR_PARSE;
  h->vers_minor = p[1];
  h->ptype = p[2];
  h->flags = p[3];
  memcpy(h->drep, p + 4, 4);
  if ((p[4] >> 4) > 1 || (p[4] & 0xf) > 1 || p[5] > 3)
    return PINHOLE_ERR_PARSE;
  h->big_endian = (p[4] >> 4) == 0;
  ph_cur c = ph_cur_make(p, PINHOLE_DCERPC_HDR_LEN);
  c.pos = 8;
  (void)ph_u16(&c, h->big_endian, &h->frag_len);
  (void)ph_u16(&c, h->big_endian, &h->auth_len);
  (void)ph_u32(&c, h->big_endian, &h->call_id);
  size_t min = ph_min_len(h->ptype, h->flags);
  if (min == 0)
    return PINHOLE_ERR_PARSE;
  if (h->auth_len > 0)
    min += 8 + (size_t)h->auth_len;
  return h->frag_len < min ? PINHOLE_ERR_PARSE : 0;
}

/* The sec_trailer before the auth value; the end of the body before it. */
static int ph_trailer(const uint8_t *p, pinhole_dcerpc_pdu *h, size_t *end) {
  *end = h->frag_len;
  if (h->auth_len == 0)
    return 0;
  *end = (size_t)h->frag_len - h->auth_len - 8;
  h->auth_type = p[*end];
  h->auth_level = p[*end + 1];
  h->auth_pad_len = p[*end + 2];
  return 0;
}

/* Request, response, fault: the fields after the header and the stub. */
static int ph_call_body(const uint8_t *p, pinhole_dcerpc_pdu *h, size_t end) {
  ph_cur c = ph_cur_make(p, end);
  int be = h->big_endian;
  c.pos = PINHOLE_DCERPC_HDR_LEN;
  (void)ph_u32(&c, be, &h->alloc_hint);
  (void)ph_u16(&c, be, &h->ctx_id);
  if (h->ptype == PINHOLE_DCERPC_PTYPE_REQUEST) {
    (void)ph_u16(&c, be, &h->opnum);
    if (h->flags & PINHOLE_DCERPC_PFC_OBJECT_UUID) {
      h->has_object = 1;
      (void)ph_uuid(&c, be, h->object);
    }
  } else {
    (void)ph_cur_u8(&c, &h->cancel_count);
    (void)ph_cur_skip(&c, 1);
    if (h->ptype == PINHOLE_DCERPC_PTYPE_FAULT)
      (void)ph_cur_skip(&c, 8); /* status, reserved */
  }
  /* The header minimum guarantees c.pos <= end. */
  if (h->auth_pad_len > end - c.pos)
    return PINHOLE_ERR_PARSE;
  h->stub_off = c.pos;
  h->stub_len = end - c.pos - h->auth_pad_len;
  return 0;
}

int pinhole_dcerpc_pdu_parse(const uint8_t *p, size_t len,
                             pinhole_dcerpc_pdu *h) {
  if (h == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(h, 0, sizeof(*h));
  if (len < PINHOLE_DCERPC_HDR_LEN)
    return PINHOLE_ERR_PARTIAL;
  int rc = ph_common(p, h);
  if (rc != 0)
    return rc;
  if (len < h->frag_len)
    return PINHOLE_ERR_PARTIAL;
  size_t end;
  ph_trailer(p, h, &end);
  if (h->ptype == PINHOLE_DCERPC_PTYPE_REQUEST ||
      h->ptype == PINHOLE_DCERPC_PTYPE_RESPONSE ||
      h->ptype == PINHOLE_DCERPC_PTYPE_FAULT)
    return ph_call_body(p, h, end);
  return 0;
}

const char *pinhole_dcerpc_ptype_name(int ptype) {
  static const char *const names[] = {"request",
                                      NULL,
                                      "response",
                                      "fault",
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      NULL,
                                      "bind",
                                      "bind_ack",
                                      "bind_nak",
                                      "alter_context",
                                      "alter_context_resp",
                                      "auth3",
                                      "shutdown",
                                      "co_cancel",
                                      "orphaned"};
  if (ptype < 0 || (size_t)ptype >= sizeof(names) / sizeof(names[0]) ||
      names[ptype] == NULL)
    return "unknown";
  return names[ptype];
}

/* ---- fragmented calls
 * --------------------------------------------------------- */

static int ph_fragmented(uint8_t ptype) {
  return ptype == PINHOLE_DCERPC_PTYPE_REQUEST ||
         ptype == PINHOLE_DCERPC_PTYPE_RESPONSE;
}

/* Does PDU h (not the first) continue call c? */
static int ph_continues(const pinhole_dcerpc_call *c,
                        const pinhole_dcerpc_pdu *first,
                        const pinhole_dcerpc_pdu *h) {
  return h->ptype == c->ptype && h->call_id == c->call_id &&
         memcmp(h->drep, first->drep, 4) == 0 &&
         !(h->flags & PINHOLE_DCERPC_PFC_FIRST_FRAG);
}

int pinhole_dcerpc_call_walk(const uint8_t *p, size_t len, size_t max_stub,
                             size_t max_frags, pinhole_dcerpc_call *c) {
  if (c == NULL || (p == NULL && len > 0) || max_stub == 0 ||
      max_stub > PINHOLE_DCERPC_STUB_LIMIT || max_frags == 0)
    return PINHOLE_ERR_INVALID_ARG;
  memset(c, 0, sizeof(*c));
  pinhole_dcerpc_pdu first, h;
  size_t pos = 0, stub = 0;
  for (;;) {
    int rc = pinhole_dcerpc_pdu_parse(p + pos, len - pos, &h);
    if (rc != 0)
      return rc;
    if (c->nfrags == 0) {
      if (ph_fragmented(h.ptype) && !(h.flags & PINHOLE_DCERPC_PFC_FIRST_FRAG))
        return PINHOLE_ERR_PARSE;
      first = h;
      c->call_id = h.call_id;
      c->ptype = h.ptype;
      c->big_endian = h.big_endian;
      c->opnum = h.opnum;
    } else if (!ph_continues(c, &first, &h)) {
      return PINHOLE_ERR_PARSE;
    }
    if (h.stub_len > max_stub - stub)
      return PINHOLE_ERR_RANGE;
    c->nfrags++;
    stub += h.stub_len;
    pos += h.frag_len;
    c->stream_len = pos;
    if (!ph_fragmented(h.ptype) || (h.flags & PINHOLE_DCERPC_PFC_LAST_FRAG)) {
      c->stub_len = stub;
      return 0;
    }
    /* max_frags fragments and still not the last: no later byte can
     * complete the call (not PARTIAL, whether or not one follows) */
    if (c->nfrags == max_frags)
      return PINHOLE_ERR_RANGE;
  }
}

/* Does c describe the PDUs at p[0..len)? */
static int ph_call_ok(const uint8_t *p, size_t len,
                      const pinhole_dcerpc_call *c) {
  if (p == NULL || c == NULL || c->nfrags == 0 || c->stream_len > len ||
      c->stub_len > PINHOLE_DCERPC_STUB_LIMIT)
    return 0;
  size_t pos = 0, stub = 0;
  for (size_t i = 0; i < c->nfrags; i++) {
    pinhole_dcerpc_pdu h;
    if (pinhole_dcerpc_pdu_parse(p + pos, c->stream_len - pos, &h) != 0 ||
        h.ptype != c->ptype || h.call_id != c->call_id)
      return 0;
    int last = !ph_fragmented(h.ptype) ||
               (h.flags & PINHOLE_DCERPC_PFC_LAST_FRAG) != 0;
    if (last != (i + 1 == c->nfrags))
      return 0;
    pos += h.frag_len;
    stub += h.stub_len;
  }
  return pos == c->stream_len && stub == c->stub_len;
}

int pinhole_dcerpc_stub_copy(const uint8_t *p, size_t len,
                             const pinhole_dcerpc_call *c, uint8_t *out,
                             size_t cap) {
  if (out == NULL || !ph_call_ok(p, len, c))
    return PINHOLE_ERR_INVALID_ARG;
  if (cap < c->stub_len)
    return PINHOLE_ERR_NOBUF;
  size_t pos = 0, o = 0;
  for (size_t i = 0; i < c->nfrags; i++) {
    pinhole_dcerpc_pdu h;
    (void)pinhole_dcerpc_pdu_parse(p + pos, len - pos, &h);
    if (h.stub_len > 0)
      memcpy(out + o, p + pos + h.stub_off, h.stub_len);
    o += h.stub_len;
    pos += h.frag_len;
  }
  return (int)o;
}

int pinhole_dcerpc_stub_write(uint8_t *p, size_t len,
                              const pinhole_dcerpc_call *c, size_t off,
                              const uint8_t *src, size_t n) {
  if ((src == NULL && n > 0) || !ph_call_ok(p, len, c) || off > c->stub_len ||
      n > c->stub_len - off)
    return PINHOLE_ERR_INVALID_ARG;
  size_t pos = 0, base = 0;
  for (size_t i = 0; i < c->nfrags && n > 0; i++) {
    pinhole_dcerpc_pdu h;
    (void)pinhole_dcerpc_pdu_parse(p + pos, len - pos, &h);
    /* This PDU holds gathered bytes [base, base + stub_len). */
    if (off < base + h.stub_len) {
      size_t k = base + h.stub_len - off;
      if (k > n)
        k = n;
      memcpy(p + pos + h.stub_off + (off - base), src, k);
      src += k;
      off += k;
      n -= k;
    }
    base += h.stub_len;
    pos += h.frag_len;
  }
  return 0;
}

/* ---- bind, alter_context and their acks
 * --------------------------------------- */

/* Frames the PDU at p, checks it is of type t1 or t2, reads
 * max_xmit_frag, max_recv_frag and assoc_group_id, and leaves a cursor over
 * the rest of its body (up to the sec_trailer). */
static int ph_assoc(const uint8_t *p, size_t len, uint8_t t1, uint8_t t2,
                    pinhole_dcerpc_pdu *h, ph_cur *c, uint16_t *xmit,
                    uint16_t *recv, uint32_t *group) {
  int rc = pinhole_dcerpc_pdu_parse(p, len, h);
  if (rc != 0)
    return rc;
  if (h->ptype != t1 && h->ptype != t2)
    return PINHOLE_ERR_NOMATCH;
  size_t end;
  ph_trailer(p, h, &end);
  *c = ph_cur_make(p, end);
  c->pos = PINHOLE_DCERPC_HDR_LEN;
  int be = h->big_endian;
  if (ph_u16(c, be, xmit) != 0 || ph_u16(c, be, recv) != 0 ||
      ph_u32(c, be, group) != 0)
    return PINHOLE_ERR_PARSE;
  return 0;
}

/* A list header: count (u8), then 3 reserved bytes. */
static int ph_list(ph_cur *c, size_t *n) {
  uint8_t k;
  if (ph_cur_u8(c, &k) != 0 || ph_cur_skip(c, 3) != 0)
    return PINHOLE_ERR_PARSE;
  if (k == 0 || k > PINHOLE_DCERPC_MAX_CONTEXTS)
    return PINHOLE_ERR_RANGE;
  *n = k;
  return 0;
}

static int ph_context(ph_cur *c, int be, pinhole_dcerpc_context *x) {
  static const uint8_t ndr[16] = PINHOLE_DCERPC_UUID_NDR;
  static const uint8_t ndr64[16] = PINHOLE_DCERPC_UUID_NDR64;
  if (ph_u16(c, be, &x->ctx_id) != 0 || ph_cur_u8(c, &x->ntransfer) != 0 ||
      ph_cur_skip(c, 1) != 0 || ph_syntax(c, be, &x->abstract) != 0 ||
      x->ntransfer == 0)
    return PINHOLE_ERR_PARSE;
  for (size_t i = 0; i < x->ntransfer; i++) {
    pinhole_dcerpc_syntax t;
    if (ph_syntax(c, be, &t) != 0)
      return PINHOLE_ERR_PARSE;
    if (ph_syntax_is(&t, ndr, 2))
      x->flags |= PINHOLE_DCERPC_CTX_NDR;
    else if (ph_syntax_is(&t, ndr64, 1))
      x->flags |= PINHOLE_DCERPC_CTX_NDR64;
  }
  return 0;
}

int pinhole_dcerpc_bind_parse(const uint8_t *p, size_t len,
                              pinhole_dcerpc_bind *b) {
  if (b == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  memset(b, 0, sizeof(*b));
  pinhole_dcerpc_pdu h;
  ph_cur c;
  int rc = ph_assoc(p, len, PINHOLE_DCERPC_PTYPE_BIND,
                    PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT, &h, &c, &b->max_xmit,
                    &b->max_recv, &b->assoc_group);
  if (rc == 0)
    rc = ph_list(&c, &b->ncontexts);
  for (size_t i = 0; rc == 0 && i < b->ncontexts; i++)
    rc = ph_context(&c, h.big_endian, &b->ctx[i]);
  return rc;
}

int pinhole_dcerpc_bind_ack_parse(const uint8_t *p, size_t len,
                                  pinhole_dcerpc_bind_ack *a) {
  if (a == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  memset(a, 0, sizeof(*a));
  pinhole_dcerpc_pdu h;
  ph_cur c;
  int rc = ph_assoc(p, len, PINHOLE_DCERPC_PTYPE_BIND_ACK,
                    PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT_RESP, &h, &c,
                    &a->max_xmit, &a->max_recv, &a->assoc_group);
  if (rc != 0)
    return rc;
  int be = h.big_endian;
  uint16_t n;
  if (ph_u16(&c, be, &n) != 0)
    return PINHOLE_ERR_PARSE;
  a->sec_addr_off = c.pos;
  if (ph_cur_skip(&c, n) != 0 || ph_cur_align(&c, 4, 0) != 0)
    return PINHOLE_ERR_PARSE;
  a->sec_addr_len = n > 0 && p[a->sec_addr_off + n - 1] == 0 ? n - 1u : n;
  rc = ph_list(&c, &a->nresults);
  for (size_t i = 0; rc == 0 && i < a->nresults; i++) {
    pinhole_dcerpc_result *r = &a->result[i];
    if (ph_u16(&c, be, &r->result) != 0 || ph_u16(&c, be, &r->reason) != 0 ||
        ph_syntax(&c, be, &r->transfer) != 0)
      rc = PINHOLE_ERR_PARSE;
  }
  return rc;
}

/* ---- towers (C706 appendix L) ----------------------------------------------
 */

/* A UUID floor's LHS after the protocol id: uuid (little-endian), major
 * version; its RHS: minor version. */
static void ph_floor_syntax(const uint8_t *lhs, const uint8_t *rhs,
                            pinhole_dcerpc_syntax *s) {
  ph_cur c = ph_cur_make(lhs, 18);
  (void)ph_uuid(&c, 0, s->uuid);
  s->major = (uint16_t)(lhs[16] | lhs[17] << 8);
  s->minor = (uint16_t)(rhs[0] | rhs[1] << 8);
}

/* One floor: checks its size and records what it says. */
static int ph_floor(pinhole_dcerpc_tower *t, size_t i, const uint8_t *lhs,
                    size_t lhs_len, const uint8_t *rhs, size_t rhs_len,
                    size_t rhs_off) {
  uint8_t id = lhs[0];
  if (id == 0x0d) {
    if (lhs_len != 19 || rhs_len != 2)
      return PINHOLE_ERR_PARSE;
    if (i < 2)
      ph_floor_syntax(lhs + 1, rhs, i == 0 ? &t->iface : &t->transfer);
    t->flags |= i == 0   ? PINHOLE_DCERPC_TOWER_IFACE
                : i == 1 ? PINHOLE_DCERPC_TOWER_SYNTAX
                         : 0;
  } else if (id == 0x0b || id == 0x0a) {
    if (lhs_len != 1 || rhs_len != 2)
      return PINHOLE_ERR_PARSE;
    t->flags |= id == 0x0b ? PINHOLE_DCERPC_TOWER_CO : PINHOLE_DCERPC_TOWER_CL;
  } else if (id == 0x07 || id == 0x08) {
    if (lhs_len != 1 || rhs_len != 2 || (t->flags & PINHOLE_DCERPC_TOWER_PORT))
      return PINHOLE_ERR_PARSE;
    t->flags |= PINHOLE_DCERPC_TOWER_PORT;
    t->proto = id == 0x07 ? 6 : 17;
    t->port = ph_get16(rhs);
    t->port_off = rhs_off;
  } else if (id == 0x09) {
    if (lhs_len != 1 || rhs_len != 4 || (t->flags & PINHOLE_DCERPC_TOWER_ADDR))
      return PINHOLE_ERR_PARSE;
    t->flags |= PINHOLE_DCERPC_TOWER_ADDR;
    t->addr = ph_get32(rhs);
    t->addr_off = rhs_off;
  } else {
    t->flags |= PINHOLE_DCERPC_TOWER_OTHER;
  }
  return 0;
}

/* The tower octet string p[off..off+len); offsets in t are into p. */
static int ph_tower(const uint8_t *p, size_t off, size_t len,
                    pinhole_dcerpc_tower *t) {
  memset(t, 0, sizeof(*t));
  t->off = off;
  t->len = len;
  ph_cur c = ph_cur_make(p + off, len);
  if (ph_cur_le16(&c, &t->nfloors) != 0 || t->nfloors == 0)
    return PINHOLE_ERR_PARSE;
  if (t->nfloors > PINHOLE_DCERPC_MAX_FLOORS)
    return PINHOLE_ERR_RANGE;
  for (size_t i = 0; i < t->nfloors; i++) {
    uint16_t ll, rl;
    const uint8_t *lhs, *rhs;
    if (ph_cur_le16(&c, &ll) != 0 || ll == 0 || ph_cur_take(&c, ll, &lhs) ||
        ph_cur_le16(&c, &rl) != 0 || ph_cur_take(&c, rl, &rhs) != 0)
      return PINHOLE_ERR_PARSE;
    int rc = ph_floor(t, i, lhs, ll, rhs, rl, off + c.pos - rl);
    if (rc != 0)
      return rc;
  }
  return ph_cur_left(&c) == 0 ? 0 : PINHOLE_ERR_PARSE;
}

/* A twr_t: conformance, tower_length, octets. */
static int ph_twr(ph_cur *c, int be, size_t base, pinhole_dcerpc_tower *t) {
  uint32_t conf, tlen;
  if (ph_cur_align(c, 4, 0) != 0 || ph_u32(c, be, &conf) != 0 ||
      ph_u32(c, be, &tlen) != 0 || conf != tlen)
    return PINHOLE_ERR_PARSE;
  if (tlen > PINHOLE_DCERPC_MAX_TOWER_LEN)
    return PINHOLE_ERR_RANGE;
  size_t off = c->pos;
  if (ph_cur_skip(c, tlen) != 0)
    return PINHOLE_ERR_PARSE;
  return ph_tower(c->p - base, base + off, tlen, t);
}

/* The stub's end: at most 7 zero bytes left. */
static int ph_stub_end(const ph_cur *c) {
  size_t left = ph_cur_left(c);
  if (left > 7)
    return PINHOLE_ERR_PARSE;
  for (size_t i = 0; i < left; i++)
    if (c->p[c->pos + i] != 0)
      return PINHOLE_ERR_PARSE;
  return 0;
}

static int ph_stub(const uint8_t *p, size_t len, size_t stub_off,
                   pinhole_dcerpc_ept_map *m, ph_cur *c) {
  if (p == NULL || m == NULL || stub_off > len)
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  *c = ph_cur_make(p + stub_off, len - stub_off);
  return 0;
}

int pinhole_dcerpc_ept_map_request_parse(const uint8_t *p, size_t len,
                                         size_t stub_off, int big_endian,
                                         pinhole_dcerpc_ept_map *m) {
  ph_cur c;
  int rc = ph_stub(p, len, stub_off, m, &c);
  if (rc != 0)
    return rc;
  int be = big_endian != 0;
  uint32_t ref;
  if (ph_u32(&c, be, &ref) != 0)
    return PINHOLE_ERR_PARSE;
  if (ref != 0) {
    m->has_object = 1;
    if (ph_uuid(&c, be, m->object) != 0)
      return PINHOLE_ERR_PARSE;
  }
  if (ph_u32(&c, be, &ref) != 0)
    return PINHOLE_ERR_PARSE;
  if (ref != 0) {
    rc = ph_twr(&c, be, stub_off, &m->tower[0]);
    if (rc != 0)
      return rc;
    m->ntowers = 1;
  }
  if (ph_cur_align(&c, 4, 0) != 0 || ph_cur_skip(&c, 20) != 0 ||
      ph_u32(&c, be, &m->max_towers) != 0)
    return PINHOLE_ERR_PARSE;
  if (m->max_towers > PINHOLE_DCERPC_MAX_TOWERS_ASKED)
    return PINHOLE_ERR_RANGE;
  return ph_stub_end(&c);
}

/* The towers array header: maximum, offset 0, actual = num_towers. */
static int ph_towers_hdr(ph_cur *c, int be, pinhole_dcerpc_ept_map *m,
                         uint32_t *actual) {
  uint32_t offset;
  if (ph_u32(c, be, &m->max_towers) != 0 || ph_u32(c, be, &offset) != 0 ||
      ph_u32(c, be, actual) != 0)
    return PINHOLE_ERR_PARSE;
  if (offset != 0 || *actual > m->max_towers || *actual != m->num_towers)
    return PINHOLE_ERR_PARSE;
  if (m->max_towers > PINHOLE_DCERPC_MAX_TOWERS_ASKED ||
      *actual > PINHOLE_DCERPC_MAX_TOWERS)
    return PINHOLE_ERR_RANGE;
  return 0;
}

int pinhole_dcerpc_ept_map_response_parse(const uint8_t *p, size_t len,
                                          size_t stub_off, int big_endian,
                                          pinhole_dcerpc_ept_map *m) {
  ph_cur c;
  int rc = ph_stub(p, len, stub_off, m, &c);
  if (rc != 0)
    return rc;
  int be = big_endian != 0;
  uint32_t actual, ref[PINHOLE_DCERPC_MAX_TOWERS];
  if (ph_cur_skip(&c, 20) != 0 || ph_u32(&c, be, &m->num_towers) != 0)
    return PINHOLE_ERR_PARSE;
  rc = ph_towers_hdr(&c, be, m, &actual);
  if (rc != 0)
    return rc;
  for (size_t i = 0; i < actual; i++) {
    if (ph_u32(&c, be, &ref[i]) != 0)
      return PINHOLE_ERR_PARSE;
    for (size_t j = 0; j < i; j++)
      if (ref[i] != 0 && ref[j] == ref[i])
        return PINHOLE_ERR_PARSE;
  }
  for (size_t i = 0; i < actual; i++) {
    if (ref[i] == 0)
      continue;
    rc = ph_twr(&c, be, stub_off, &m->tower[m->ntowers]);
    if (rc != 0)
      return rc;
    m->ntowers++;
  }
  if (ph_cur_align(&c, 4, 0) != 0 || ph_u32(&c, be, &m->status) != 0)
    return PINHOLE_ERR_PARSE;
  return ph_stub_end(&c);
}

/* ---- rewriting
 * ----------------------------------------------------------------- */

/* Is the floor whose RHS of rhs_len bytes starts at off one with protocol
 * id `id`? (LHS length 1, id, RHS length.) */
static int ph_floor_at(const uint8_t *p, size_t len, size_t off, uint8_t id,
                       size_t rhs_len) {
  if (off < 5 || off > len || len - off < rhs_len)
    return 0;
  const uint8_t *f = p + off - 5;
  return f[0] == 1 && f[1] == 0 && f[2] == id && f[3] == rhs_len && f[4] == 0;
}

int pinhole_dcerpc_tower_rewrite(uint8_t *p, size_t len,
                                 const pinhole_dcerpc_tower *t, uint32_t flags,
                                 uint32_t addr, uint16_t port) {
  if (p == NULL || t == NULL || flags == 0 ||
      (flags &
       ~(uint32_t)(PINHOLE_DCERPC_REWRITE_ADDR | PINHOLE_DCERPC_REWRITE_PORT)))
    return PINHOLE_ERR_INVALID_ARG;
  int wa = (flags & PINHOLE_DCERPC_REWRITE_ADDR) != 0;
  int wp = (flags & PINHOLE_DCERPC_REWRITE_PORT) != 0;
  if (wa && (!(t->flags & PINHOLE_DCERPC_TOWER_ADDR) ||
             !ph_floor_at(p, len, t->addr_off, 0x09, 4)))
    return PINHOLE_ERR_INVALID_ARG;
  if (wp && (port == 0 || !(t->flags & PINHOLE_DCERPC_TOWER_PORT) ||
             !ph_floor_at(p, len, t->port_off, t->proto == 6 ? 0x07 : 0x08, 2)))
    return PINHOLE_ERR_INVALID_ARG;
  if (wa)
    ph_put32(p + t->addr_off, addr);
  if (wp)
    ph_put16(p + t->port_off, port);
  return 0;
}

/* ---- UUID text
 * -------------------------------------------------------------------- */

static int ph_hex(uint8_t ch) {
  if (ph_is_digit(ch))
    return ch - '0';
  return (ph_lower(ch) - 'a') + 10;
}

int pinhole_dcerpc_uuid_parse(const char *s, size_t len, uint8_t *uuid) {
  if (uuid == NULL || (s == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  if (len != 36)
    return PINHOLE_ERR_PARSE;
  const uint8_t *t = (const uint8_t *)s;
  uint8_t out[16];
  size_t k = 0;
  for (size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (t[i++] != '-')
        return PINHOLE_ERR_PARSE;
      continue;
    }
    if (!ph_is_xdigit(t[i]) || !ph_is_xdigit(t[i + 1]))
      return PINHOLE_ERR_PARSE;
    out[k++] = (uint8_t)(ph_hex(t[i]) << 4 | ph_hex(t[i + 1]));
    i += 2;
  }
  memcpy(uuid, out, 16);
  return 0;
}

int pinhole_dcerpc_uuid_format(const uint8_t *uuid, char *out, size_t cap) {
  static const char hex[] = "0123456789abcdef";
  if (uuid == NULL || out == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (cap < 36)
    return PINHOLE_ERR_NOBUF;
  size_t o = 0;
  for (size_t i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      out[o++] = '-';
    out[o++] = hex[uuid[i] >> 4];
    out[o++] = hex[uuid[i] & 0xf];
  }
  return 36;
}

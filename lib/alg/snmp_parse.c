/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SNMP pure layer: a bounded BER decoder and the SNMP message syntax.
 *
 * RFC 1157 (SNMPv1 Message and PDUs, Trap-PDU with agent-addr), RFC 1901
 * and RFC 3416 (SNMPv2c, GetBulk, Inform, SNMPv2-Trap, Report), RFC 3412
 * section 6 (SNMPv3 message header), RFC 3417 section 8 (definite
 * lengths, primitive strings), X.690 (BER). The SNMP ALG rewrites a v1
 * Trap's agent-addr (and, where asked, IpAddress values of bindings) from
 * the inside address to the public one, 4 bytes in place.
 *
 * Limits: nesting PINHOLE_SNMP_MAX_DEPTH; lengths up to 4 length octets;
 * integers up to 5 bytes (Counter64 9); OIDs up to 128 sub-identifiers.
 * v3 security parameters and encrypted PDUs are not looked into.
 */
#include <pinhole/snmp.h>

#include <string.h>

#include "alg/text.h"

#include "pkt/bytes.h"

#define PH_BER_CONSTRUCTED 0x20
#define PH_BER_SEQUENCE 0x30

/* One element's tag and length at c; c moves to its contents, which are
 * known to fit in what is left of c. */
static uint32_t ph_ber_hdr(ph_cur *c, uint8_t *tag, size_t *vlen) {
  uint8_t l;
  if (ph_cur_u8(c, tag) != 0 || ph_cur_u8(c, &l) != 0)
    return PINHOLE_SNMP_TRUNCATED;
  if ((*tag & 0x1F) == 0x1F)
    return PINHOLE_SNMP_TAG;
  if (l == 0x80)
    return PINHOLE_SNMP_INDEFINITE;
  size_t n = l;
  if (l > 0x80) {
    size_t k = l & 0x7Fu;
    if (k > 4)
      return PINHOLE_SNMP_LENGTH;
    n = 0;
    for (size_t i = 0; i < k; i++) {
      uint8_t b;
      if (ph_cur_u8(c, &b) != 0)
        return PINHOLE_SNMP_TRUNCATED;
      n = n << 8 | b;
    }
  }
  if (n > ph_cur_left(c))
    return PINHOLE_SNMP_TRUNCATED;
  *vlen = n;
  return 0;
}

/* The whole datagram is well-formed BER: every element inside its
 * container, nesting bounded. An explicit stack, no recursion. */
static uint32_t ph_ber_check(const uint8_t *p, size_t len) {
  size_t ends[PINHOLE_SNMP_MAX_DEPTH];
  size_t depth = 0, pos = 0;
  for (;;) {
    while (depth > 0 && pos == ends[depth - 1])
      depth--;
    if (depth == 0 && pos == len)
      return 0;
    ph_cur c = {p, pos, depth > 0 ? ends[depth - 1] : len};
    uint8_t tag;
    size_t vlen;
    uint32_t r = ph_ber_hdr(&c, &tag, &vlen);
    if (r != 0)
      return r;
    if (tag & PH_BER_CONSTRUCTED) {
      if (depth == PINHOLE_SNMP_MAX_DEPTH)
        return PINHOLE_SNMP_DEPTH;
      ends[depth++] = c.pos + vlen;
      pos = c.pos;
    } else {
      pos = c.pos + vlen;
    }
  }
}

/* The next element, of any tag: its contents in *v. */
static uint32_t ph_any(ph_cur *c, uint8_t *tag, ph_cur *v) {
  ph_cur t = *c;
  size_t vlen;
  uint32_t r = ph_ber_hdr(&t, tag, &vlen);
  if (r != 0)
    return r;
  ph_cur_sub(&t, vlen, v); /* fits: checked by ph_ber_hdr */
  *c = t;
  return 0;
}

/* The next element, which must have tag want. */
static uint32_t ph_el(ph_cur *c, uint8_t want, ph_cur *v) {
  uint8_t tag;
  uint32_t r = ph_any(c, &tag, v);
  if (r == 0 && tag != want)
    r = PINHOLE_SNMP_STRUCTURE;
  return r;
}

/* Two's complement contents of 1..maxlen bytes, value in [min, max]. */
static uint32_t ph_int_val(const ph_cur *v, size_t maxlen, int64_t min,
                           int64_t max, int64_t *out) {
  size_t n = ph_cur_left(v);
  if (n == 0 || n > maxlen)
    return PINHOLE_SNMP_INTEGER;
  const uint8_t *q = v->p + v->pos;
  uint64_t u = (q[0] & 0x80) ? UINT64_MAX : 0;
  for (size_t i = 0; i < n; i++)
    u = u << 8 | q[i];
  int64_t x = (int64_t)u;
  if (x < min || x > max)
    return PINHOLE_SNMP_INTEGER;
  if (out != NULL)
    *out = x;
  return 0;
}

/* An element of tag `tag` holding an integer in [min, max]. */
static uint32_t ph_int(ph_cur *c, uint8_t tag, int64_t min, int64_t max,
                       int64_t *out) {
  ph_cur v;
  uint32_t r = ph_el(c, tag, &v);
  return r != 0 ? r : ph_int_val(&v, 5, min, max, out);
}

/* OBJECT IDENTIFIER contents (X.690 8.19). */
static uint32_t ph_oid(const ph_cur *v) {
  size_t n = ph_cur_left(v), subids = 1, run = 0;
  const uint8_t *q = v->p + v->pos;
  if (n == 0 || (q[n - 1] & 0x80))
    return PINHOLE_SNMP_OID;
  for (size_t i = 0; i < n; i++) {
    if (run == 0 && q[i] == 0x80)
      return PINHOLE_SNMP_OID; /* padded sub-identifier */
    if (++run > 5 || (run == 5 && (q[i - 4] & 0x7F) > 0x0F))
      return PINHOLE_SNMP_OID; /* over 32 bits */
    if (!(q[i] & 0x80)) {
      run = 0; /* the first one encodes two sub-identifiers */
      if (++subids > PINHOLE_SNMP_MAX_OID)
        return PINHOLE_SNMP_OID;
    }
  }
  return 0;
}

/* A binding's value: one of SNMP's types, well formed. */
static uint32_t ph_value(uint8_t tag, const ph_cur *v) {
  size_t n = ph_cur_left(v);
  switch (tag) {
  case PINHOLE_SNMP_TAG_INTEGER:
    return ph_int_val(v, 5, INT32_MIN, INT32_MAX, NULL);
  case PINHOLE_SNMP_TAG_COUNTER32:
  case PINHOLE_SNMP_TAG_GAUGE32:
  case PINHOLE_SNMP_TAG_TIMETICKS:
  case PINHOLE_SNMP_TAG_UINTEGER32:
    return ph_int_val(v, 5, 0, UINT32_MAX, NULL);
  case PINHOLE_SNMP_TAG_COUNTER64:
    return ph_int_val(v, 9, 0, INT64_MAX, NULL) == 0 ||
                   (n == 9 && v->p[v->pos] == 0)
               ? 0
               : PINHOLE_SNMP_INTEGER;
  case PINHOLE_SNMP_TAG_OCTET_STRING:
  case PINHOLE_SNMP_TAG_OPAQUE:
  case PINHOLE_SNMP_TAG_NSAPADDRESS:
    return 0;
  case PINHOLE_SNMP_TAG_OID:
    return ph_oid(v);
  case PINHOLE_SNMP_TAG_IPADDRESS:
    return n == 4 ? 0 : PINHOLE_SNMP_IPADDR;
  case PINHOLE_SNMP_TAG_NULL:
  case PINHOLE_SNMP_TAG_NO_SUCH_OBJECT:
  case PINHOLE_SNMP_TAG_NO_SUCH_INSTANCE:
  case PINHOLE_SNMP_TAG_END_OF_MIB_VIEW:
    return n == 0 ? 0 : PINHOLE_SNMP_STRUCTURE;
  default:
    return PINHOLE_SNMP_STRUCTURE;
  }
}

/* VarBind ::= SEQUENCE { name OBJECT IDENTIFIER, value } */
static uint32_t ph_varbind(ph_cur *list, pinhole_snmp_varbind *vb) {
  ph_cur s, name, val;
  uint32_t r = ph_el(list, PH_BER_SEQUENCE, &s);
  if (r == 0)
    r = ph_el(&s, PINHOLE_SNMP_TAG_OID, &name);
  if (r == 0)
    r = ph_oid(&name);
  if (r == 0)
    r = ph_any(&s, &vb->tag, &val);
  if (r == 0)
    r = ph_value(vb->tag, &val);
  if (r == 0 && ph_cur_left(&s) != 0)
    r = PINHOLE_SNMP_TRAILING;
  if (r != 0)
    return r;
  vb->name_off = name.pos;
  vb->name_len = ph_cur_left(&name);
  vb->value_off = val.pos;
  vb->value_len = ph_cur_left(&val);
  return 0;
}

static uint32_t ph_varbinds(ph_cur *c, pinhole_snmp_msg *m) {
  ph_cur list;
  uint32_t r = ph_el(c, PH_BER_SEQUENCE, &list);
  if (r != 0)
    return r;
  m->varbinds_off = list.pos;
  m->varbinds_len = ph_cur_left(&list);
  while (ph_cur_left(&list) > 0) {
    pinhole_snmp_varbind vb;
    memset(&vb, 0, sizeof(vb));
    r = ph_varbind(&list, &vb);
    if (r != 0)
      return r;
    m->nvarbinds++;
    if (vb.tag == PINHOLE_SNMP_TAG_IPADDRESS)
      m->n_ipaddr++;
  }
  return 0;
}

/* Trap-PDU (RFC 1157 4.1.6), after its tag and length. */
static uint32_t ph_trap_v1(ph_cur *c, pinhole_snmp_msg *m) {
  ph_cur ent, addr;
  int64_t gen, spec, ts;
  uint32_t r = ph_el(c, PINHOLE_SNMP_TAG_OID, &ent);
  if (r == 0)
    r = ph_oid(&ent);
  if (r != 0)
    return r;
  m->enterprise_off = ent.pos;
  m->enterprise_len = ph_cur_left(&ent);
  if ((r = ph_el(c, PINHOLE_SNMP_TAG_IPADDRESS, &addr)) != 0)
    return r;
  if (ph_cur_left(&addr) != 4)
    return PINHOLE_SNMP_IPADDR;
  m->agent_addr_off = addr.pos;
  m->agent_addr = ph_get32(addr.p + addr.pos);
  if ((r = ph_int(c, PINHOLE_SNMP_TAG_INTEGER, 0, 6, &gen)) != 0 ||
      (r = ph_int(c, PINHOLE_SNMP_TAG_INTEGER, INT32_MIN, INT32_MAX, &spec)) !=
          0 ||
      (r = ph_int(c, PINHOLE_SNMP_TAG_TIMETICKS, 0, UINT32_MAX, &ts)) != 0)
    return r;
  m->generic_trap = (uint32_t)gen;
  m->specific_trap = (int32_t)spec;
  m->time_stamp = (uint32_t)ts;
  return ph_varbinds(c, m);
}

/* PDU ::= request-id, error-status, error-index, variable-bindings. */
static uint32_t ph_pdu_body(ph_cur *c, pinhole_snmp_msg *m) {
  int64_t id, st, ix;
  int64_t st_max = m->pdu_type == PINHOLE_SNMP_PDU_GETBULK ? INT32_MAX : 18;
  uint32_t r;
  if ((r = ph_int(c, PINHOLE_SNMP_TAG_INTEGER, INT32_MIN, INT32_MAX, &id)) !=
          0 ||
      (r = ph_int(c, PINHOLE_SNMP_TAG_INTEGER, 0, st_max, &st)) != 0 ||
      (r = ph_int(c, PINHOLE_SNMP_TAG_INTEGER, 0, INT32_MAX, &ix)) != 0)
    return r;
  m->request_id = (int32_t)id;
  m->error_status = (uint32_t)st;
  m->error_index = (uint32_t)ix;
  return ph_varbinds(c, m);
}

static int ph_pdu_allowed(uint32_t version, uint8_t tag) {
  if (tag < PINHOLE_SNMP_PDU_GET || tag > PINHOLE_SNMP_PDU_REPORT)
    return 0;
  if (version == PINHOLE_SNMP_VERSION_1)
    return tag <= PINHOLE_SNMP_PDU_TRAP_V1;
  return tag != PINHOLE_SNMP_PDU_TRAP_V1;
}

/* The PDU: the last element of c. */
static uint32_t ph_pdu(ph_cur *c, pinhole_snmp_msg *m) {
  ph_cur body;
  uint8_t tag;
  uint32_t r = ph_any(c, &tag, &body);
  if (r != 0)
    return r;
  if (!ph_pdu_allowed(m->version, tag))
    return PINHOLE_SNMP_PDU;
  m->pdu_type = tag;
  r = tag == PINHOLE_SNMP_PDU_TRAP_V1 ? ph_trap_v1(&body, m)
                                      : ph_pdu_body(&body, m);
  if (r == 0 && (ph_cur_left(&body) != 0 || ph_cur_left(c) != 0))
    r = PINHOLE_SNMP_TRAILING;
  return r;
}

/* msgGlobalData (RFC 3412 section 6). */
static uint32_t ph_v3_global(ph_cur *c, pinhole_snmp_msg *m) {
  ph_cur g, fl;
  int64_t id, max, model;
  uint32_t r = ph_el(c, PH_BER_SEQUENCE, &g);
  if (r != 0 ||
      (r = ph_int(&g, PINHOLE_SNMP_TAG_INTEGER, 0, INT32_MAX, &id)) != 0 ||
      (r = ph_int(&g, PINHOLE_SNMP_TAG_INTEGER, 484, INT32_MAX, &max)) != 0 ||
      (r = ph_el(&g, PINHOLE_SNMP_TAG_OCTET_STRING, &fl)) != 0)
    return r;
  if (ph_cur_left(&fl) != 1 || (fl.p[fl.pos] & 3) == 2)
    return PINHOLE_SNMP_V3;
  if ((r = ph_int(&g, PINHOLE_SNMP_TAG_INTEGER, 1, INT32_MAX, &model)) != 0)
    return r;
  if (ph_cur_left(&g) != 0)
    return PINHOLE_SNMP_TRAILING;
  m->msg_id = (uint32_t)id;
  m->msg_max_size = (uint32_t)max;
  m->msg_flags = fl.p[fl.pos];
  m->security_model = (uint32_t)model;
  return 0;
}

/* v3 after the version: header, security parameters, msgData. */
static uint32_t ph_v3(ph_cur *c, pinhole_snmp_msg *m) {
  ph_cur sec, data, eng, ctx;
  uint32_t r = ph_v3_global(c, m);
  if (r == 0)
    r = ph_el(c, PINHOLE_SNMP_TAG_OCTET_STRING, &sec);
  if (r != 0)
    return r;
  if (m->msg_flags & 2) {
    m->flags |= PINHOLE_SNMP_MSG_ENCRYPTED;
    r = ph_el(c, PINHOLE_SNMP_TAG_OCTET_STRING, &data);
    return r == 0 && ph_cur_left(c) != 0 ? PINHOLE_SNMP_TRAILING : r;
  }
  r = ph_el(c, PH_BER_SEQUENCE, &data);
  if (r == 0)
    r = ph_el(&data, PINHOLE_SNMP_TAG_OCTET_STRING, &eng);
  if (r == 0)
    r = ph_el(&data, PINHOLE_SNMP_TAG_OCTET_STRING, &ctx);
  if (r == 0)
    r = ph_pdu(&data, m);
  return r == 0 && ph_cur_left(c) != 0 ? PINHOLE_SNMP_TRAILING : r;
}

static uint32_t ph_message(const uint8_t *p, size_t len, pinhole_snmp_msg *m) {
  ph_cur c = ph_cur_make(p, len), msg, comm;
  int64_t ver;
  uint32_t r = ph_ber_check(p, len);
  if (r == 0)
    r = ph_el(&c, PH_BER_SEQUENCE, &msg);
  if (r == 0 && ph_cur_left(&c) != 0)
    r = PINHOLE_SNMP_TRAILING;
  if (r == 0)
    r = ph_int(&msg, PINHOLE_SNMP_TAG_INTEGER, INT32_MIN, INT32_MAX, &ver);
  if (r != 0)
    return r;
  if (ver != 0 && ver != 1 && ver != 3)
    return PINHOLE_SNMP_VERSION;
  m->version = (uint32_t)ver;
  if (ver == PINHOLE_SNMP_VERSION_3)
    return ph_v3(&msg, m);
  if ((r = ph_el(&msg, PINHOLE_SNMP_TAG_OCTET_STRING, &comm)) != 0)
    return r;
  m->community_off = comm.pos;
  m->community_len = ph_cur_left(&comm);
  return ph_pdu(&msg, m);
}

int pinhole_snmp_parse(const uint8_t *p, size_t len, pinhole_snmp_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  m->reason = ph_message(p, len, m);
  return m->reason == 0 ? 0 : PINHOLE_ERR_PARSE;
}

int pinhole_snmp_varbind_next(const uint8_t *p, size_t len,
                              const pinhole_snmp_msg *m, pinhole_snmp_iter *it,
                              pinhole_snmp_varbind *vb) {
  if (p == NULL || m == NULL || it == NULL || vb == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  size_t end = m->varbinds_off + m->varbinds_len;
  if (end < m->varbinds_off || end > len)
    return PINHOLE_ERR_PARSE;
  ph_cur list = {p, it->pos == 0 ? m->varbinds_off : it->pos, end};
  if (list.pos >= end)
    return PINHOLE_ERR_NOMATCH;
  memset(vb, 0, sizeof(*vb));
  if (ph_varbind(&list, vb) != 0)
    return PINHOLE_ERR_PARSE;
  it->pos = list.pos;
  return 0;
}

int pinhole_snmp_ipaddr_rewrite(uint8_t *p, size_t len, size_t off,
                                uint32_t addr, uint32_t *old) {
  if (p == NULL || off < 2 || off > len || len - off < 4 ||
      p[off - 2] != PINHOLE_SNMP_TAG_IPADDRESS || p[off - 1] != 4)
    return PINHOLE_ERR_INVALID_ARG;
  if (old != NULL)
    *old = ph_get32(p + off);
  ph_put32(p + off, addr);
  return 0;
}

const char *pinhole_snmp_reason_name(int reason) {
  static const char *const names[] = {
      "ok",  "truncated", "trailing",  "indefinite", "length",
      "tag", "depth",     "structure", "integer",    "version",
      "pdu", "ipaddr",    "oid",       "v3",
  };
  return ph_name_at(names, sizeof(names) / sizeof(names[0]), reason);
}

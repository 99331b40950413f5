/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS pure layer: message validation, record walk, A-record rewrite, TCP
 * framing, name comparison.
 *
 * RFC 1035 (message format, names, compression, 512-byte UDP limit, TCP
 * length prefix), RFC 3596 (AAAA), RFC 6891 (EDNS0 OPT record, reserved
 * label types), RFC 7766 (several messages per TCP connection), RFC 4343
 * (case-insensitive names). The DNS ALG doctors A records of answers that
 * cross a static NAT (inside address <-> public address, 4 bytes in
 * place) and closes a UDP flow once every query has its answer.
 *
 * No name may read address bytes (A, AAAA, NBNS NB RDATA) through a
 * pointer, so that rewriting an address never changes a name.
 *
 * Limits: PINHOLE_DNS_MAX_QUESTIONS questions, PINHOLE_DNS_MAX_HOPS
 * pointers per name; RDATA of types other than A, AAAA, NS, CNAME, PTR,
 * DNAME, MX, SRV, SOA and OPT is not looked into. The walk keeps a 2 KiB
 * bitmap of address bytes on the stack.
 */
#include <pinhole/dns.h>
#include <pinhole/netbios.h>

#include <string.h>

#include "alg/dns_parse.h"
#include "alg/text.h"

#include "pkt/bytes.h"

/* Whether any of p[from .. from + n) is marked (a byte of an address). */
static int ph_masked(const uint8_t *mask, size_t from, size_t n) {
  for (size_t i = from; i < from + n && i < PH_DNS_MASK_BITS; i++)
    if (mask[i >> 3] & (1u << (i & 7)))
      return 1;
  return 0;
}

static void ph_mark(uint8_t *mask, size_t from, size_t n) {
  for (size_t i = from; i < from + n && i < PH_DNS_MASK_BITS; i++)
    mask[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static void ph_copy_label(const ph_dns_rd *rd, size_t at, const uint8_t *q,
                          uint8_t b) {
  rd->out[at] = b;
  for (size_t i = 0; i < b; i++)
    rd->out[at + 1 + i] = rd->lower ? ph_lower(q[i]) : q[i];
}

uint32_t pinhole__dns_name(const uint8_t *p, size_t len, size_t off,
                           const ph_dns_rd *rd, size_t *wire_len,
                           size_t *name_len) {
  size_t pos = off, run = off, total = 0, wire = 0;
  unsigned hops = 0;
  for (;;) {
    if (pos >= len)
      return PINHOLE_DNS_TRUNCATED;
    uint8_t b = p[pos], kind = b & 0xC0;
    size_t n = kind == 0xC0 ? 2 : kind != 0 ? 1 : 1u + b;
    if (len - pos < n)
      return PINHOLE_DNS_TRUNCATED;
    if (hops > 0 && rd->mask != NULL && ph_masked(rd->mask, pos, n))
      return PINHOLE_DNS_POINTER;
    if (kind == 0x40 || kind == 0x80)
      return PINHOLE_DNS_LABEL;
    if (kind == 0xC0) {
      size_t target = (size_t)(b & 0x3F) << 8 | p[pos + 1];
      if (wire == 0)
        wire = pos + 2 - off;
      if (target < rd->min_ptr || target >= run)
        return PINHOLE_DNS_POINTER;
      if (++hops > PINHOLE_DNS_MAX_HOPS)
        return PINHOLE_DNS_HOPS;
      pos = run = target;
      continue;
    }
    /* this label, and the root's 0 still to come after it */
    if (total + 1u + b + (b != 0) > PINHOLE_DNS_NAME_MAX)
      return PINHOLE_DNS_NAME_LEN;
    if (rd->out != NULL)
      ph_copy_label(rd, total, p + pos + 1, b);
    total += n;
    pos += n;
    if (b == 0) {
      *wire_len = wire != 0 ? wire : pos - off;
      *name_len = total;
      return 0;
    }
  }
}

int pinhole__dns_err(uint32_t reason) {
  switch (reason) {
  case PINHOLE_DNS_OK:
    return 0;
  case PINHOLE_DNS_TOO_LONG:
    return PINHOLE_ERR_RANGE;
  case PINHOLE_DNS_QUESTIONS:
    return PINHOLE_ERR_UNSUPPORTED;
  default:
    return PINHOLE_ERR_PARSE;
  }
}

static int ph_fail(pinhole_dns_msg *m, uint32_t reason) {
  m->reason = reason;
  return pinhole__dns_err(reason);
}

static uint32_t ph_section(const pinhole_dns_msg *m, size_t index) {
  if (index < m->ancount)
    return PINHOLE_DNS_SECTION_ANSWER;
  if (index < (size_t)m->ancount + m->nscount)
    return PINHOLE_DNS_SECTION_AUTHORITY;
  return PINHOLE_DNS_SECTION_ADDITIONAL;
}

/* A name of the message (pointers at or after the header). */
static const ph_dns_rd ph_plain = {PINHOLE_DNS_HEADER_LEN, NULL, NULL, 0};

/* Reads the record at *pos (all but rr->section); moves *pos past it. */
static uint32_t ph_rr_read(const uint8_t *p, size_t len, size_t *pos,
                           const ph_dns_rd *rd, pinhole_dns_rr *rr) {
  size_t wire, nlen;
  uint32_t r = pinhole__dns_name(p, len, *pos, rd, &wire, &nlen);
  if (r != 0)
    return r;
  ph_cur c = {p, *pos + wire, len};
  uint16_t rdlen;
  rr->off = *pos;
  rr->name_len = wire;
  if (ph_cur_be16(&c, &rr->type) != 0 || ph_cur_be16(&c, &rr->rclass) != 0 ||
      ph_cur_be32(&c, &rr->ttl) != 0 || ph_cur_be16(&c, &rdlen) != 0)
    return PINHOLE_DNS_TRUNCATED;
  rr->rdata_off = c.pos;
  rr->rdlength = rdlen;
  if (ph_cur_skip(&c, rdlen) != 0)
    return PINHOLE_DNS_TRUNCATED;
  *pos = c.pos;
  return 0;
}

/* One walk: the message, its mode, and the bytes that hold addresses (A,
 * AAAA, NB RDATA) which no name may read through a pointer, so that
 * rewriting an address never changes a name. */
typedef struct ph_walk {
  const uint8_t *p;
  size_t len;
  unsigned mode;
  ph_dns_rd rd;
  pinhole_dns_msg *m;
  uint8_t mask[PH_DNS_MASK_BITS / 8 + 1];
} ph_walk;

/* RFC 6891 6.1: one OPT, in the additional section, owned by the root,
 * RDATA a run of {code, length, data} options. */
static uint32_t ph_opt(ph_walk *w, const pinhole_dns_rr *rr) {
  pinhole_dns_msg *m = w->m;
  if (rr->section != PINHOLE_DNS_SECTION_ADDITIONAL ||
      (m->mflags & PINHOLE_DNS_MSG_EDNS) || w->p[rr->off] != 0)
    return PINHOLE_DNS_OPT;
  ph_cur c = {w->p, rr->rdata_off, rr->rdata_off + rr->rdlength};
  while (ph_cur_left(&c) > 0) {
    uint16_t code, olen;
    if (ph_cur_be16(&c, &code) != 0 || ph_cur_be16(&c, &olen) != 0 ||
        ph_cur_skip(&c, olen) != 0)
      return PINHOLE_DNS_OPT;
  }
  m->mflags |= PINHOLE_DNS_MSG_EDNS;
  m->opt_off = rr->off;
  m->edns_size = rr->rclass;
  m->edns_ext_rcode = (uint8_t)(rr->ttl >> 24);
  m->edns_version = (uint8_t)(rr->ttl >> 16);
  m->edns_flags = (uint16_t)rr->ttl;
  return 0;
}

/* RDATA that is skip bytes, names names, then exactly tail bytes. */
static uint32_t ph_rdata_names(ph_walk *w, const pinhole_dns_rr *rr,
                               size_t skip, int names, size_t tail) {
  size_t pos = rr->rdata_off + skip, end = rr->rdata_off + rr->rdlength;
  if (skip > rr->rdlength)
    return PINHOLE_DNS_RDATA;
  for (int i = 0; i < names; i++) {
    size_t wire, nlen;
    uint32_t r = pinhole__dns_name(w->p, end, pos, &w->rd, &wire, &nlen);
    if (r != 0)
      return r == PINHOLE_DNS_TRUNCATED ? PINHOLE_DNS_RDATA : r;
    pos += wire;
  }
  return end - pos == tail ? 0 : PINHOLE_DNS_RDATA;
}

/* Class IN RDATA the parser knows: addresses, and the names of RFC 1035
 * 3.3 and RFC 2782 / 6672 (the ones compression may be used in). */
static uint32_t ph_rdata(ph_walk *w, const pinhole_dns_rr *rr) {
  /* NBNS has A, NS, NULL and its own NB (32), NBSTAT (33, SRV in DNS) */
  if ((w->mode & PH_DNS_WALK_NBNS) && rr->type != PINHOLE_DNS_TYPE_A &&
      rr->type != PINHOLE_DNS_TYPE_NS)
    return 0;
  switch (rr->type) {
  case PINHOLE_DNS_TYPE_A:
    w->m->n_a++;
    return rr->rdlength == 4 ? 0 : PINHOLE_DNS_RDATA;
  case PINHOLE_DNS_TYPE_AAAA:
    w->m->n_aaaa++;
    return rr->rdlength == 16 ? 0 : PINHOLE_DNS_RDATA;
  case PINHOLE_DNS_TYPE_NS:
  case PINHOLE_DNS_TYPE_CNAME:
  case PINHOLE_DNS_TYPE_PTR:
  case PINHOLE_DNS_TYPE_DNAME:
    return ph_rdata_names(w, rr, 0, 1, 0);
  case PINHOLE_DNS_TYPE_SOA:
    return ph_rdata_names(w, rr, 0, 2, 20);
  case PINHOLE_DNS_TYPE_MX:
    return ph_rdata_names(w, rr, 2, 1, 0);
  case PINHOLE_DNS_TYPE_SRV:
    return ph_rdata_names(w, rr, 6, 1, 0);
  default:
    return 0;
  }
}

/* Does this record's RDATA hold addresses a NAT may rewrite? */
static int ph_holds_addresses(const ph_walk *w, const pinhole_dns_rr *rr) {
  if (rr->rclass != PINHOLE_DNS_CLASS_IN)
    return 0;
  return rr->type == PINHOLE_DNS_TYPE_A || rr->type == PINHOLE_DNS_TYPE_AAAA ||
         ((w->mode & PH_DNS_WALK_NBNS) && rr->type == PINHOLE_NBNS_TYPE_NB);
}

static uint32_t ph_rr_check(ph_walk *w, const pinhole_dns_rr *rr) {
  if (rr->type == PINHOLE_DNS_TYPE_OPT)
    return ph_opt(w, rr);
  if (rr->rclass != PINHOLE_DNS_CLASS_IN)
    return 0;
  uint32_t r = ph_rdata(w, rr);
  if (r == 0 && ph_holds_addresses(w, rr))
    ph_mark(w->mask, rr->rdata_off, rr->rdlength);
  return r;
}

static uint32_t ph_header(ph_cur *c, pinhole_dns_msg *m) {
  if (ph_cur_be16(c, &m->id) != 0 || ph_cur_be16(c, &m->flags) != 0 ||
      ph_cur_be16(c, &m->qdcount) != 0 || ph_cur_be16(c, &m->ancount) != 0 ||
      ph_cur_be16(c, &m->nscount) != 0 || ph_cur_be16(c, &m->arcount) != 0)
    return PINHOLE_DNS_SHORT;
  m->opcode = (uint8_t)((m->flags >> 11) & 15);
  m->rcode = (uint8_t)(m->flags & 15);
  if (c->end > PINHOLE_DNS_MSG_MAX)
    return PINHOLE_DNS_TOO_LONG;
  if (m->qdcount > PINHOLE_DNS_MAX_QUESTIONS)
    return PINHOLE_DNS_QUESTIONS;
  return 0;
}

static uint32_t ph_questions(ph_cur *c, pinhole_dns_msg *m) {
  for (size_t i = 0; i < m->qdcount; i++) {
    pinhole_dns_question *q = &m->question[i];
    size_t nlen;
    q->name_off = c->pos;
    uint32_t r =
        pinhole__dns_name(c->p, c->end, c->pos, &ph_plain, &q->name_len, &nlen);
    if (r != 0)
      return r;
    c->pos += q->name_len;
    if (ph_cur_be16(c, &q->qtype) != 0 || ph_cur_be16(c, &q->qclass) != 0)
      return PINHOLE_DNS_TRUNCATED;
  }
  return 0;
}

static uint32_t ph_records(ph_walk *w, size_t *pos) {
  pinhole_dns_msg *m = w->m;
  size_t n = (size_t)m->ancount + m->nscount + m->arcount;
  for (size_t i = 0; i < n; i++) {
    pinhole_dns_rr rr;
    rr.section = ph_section(m, i);
    uint32_t r = ph_rr_read(w->p, w->len, pos, &w->rd, &rr);
    if (r == 0)
      r = ph_rr_check(w, &rr);
    if (r != 0)
      return r;
  }
  return 0;
}

int pinhole__dns_walk(const uint8_t *p, size_t len, size_t limit, unsigned mode,
                      pinhole_dns_msg *m) {
  memset(m, 0, sizeof(*m));
  ph_cur c = ph_cur_make(p, len);
  uint32_t r = ph_header(&c, m);
  if (r == 0)
    r = ph_questions(&c, m);
  if (r != 0)
    return ph_fail(m, r);
  m->rr_off = c.pos;
  ph_walk w = {p, len, mode, {PINHOLE_DNS_HEADER_LEN, NULL, NULL, 0}, m, {0}};
  w.rd.mask = w.mask;
  size_t pos = c.pos;
  if ((r = ph_records(&w, &pos)) != 0)
    return ph_fail(m, r);
  if (pos != len)
    return ph_fail(m, PINHOLE_DNS_TRAILING);
  if (limit == 0) {
    limit = PINHOLE_DNS_UDP_MAX;
    if ((m->mflags & PINHOLE_DNS_MSG_EDNS) && m->edns_size > limit)
      limit = m->edns_size;
  }
  m->limit = limit;
  if (len > limit)
    return ph_fail(m, PINHOLE_DNS_TOO_LONG);
  return 0;
}

int pinhole_dns_parse(const uint8_t *p, size_t len, unsigned flags,
                      pinhole_dns_msg *m) {
  if (m == NULL || (p == NULL && len > 0) || (flags & ~PINHOLE_DNS_PARSE_TCP))
    return PINHOLE_ERR_INVALID_ARG;
  size_t limit = (flags & PINHOLE_DNS_PARSE_TCP) ? PINHOLE_DNS_MSG_MAX : 0;
  return pinhole__dns_walk(p, len, limit, 0, m);
}

int pinhole_dns_rr_next(const uint8_t *p, size_t len, const pinhole_dns_msg *m,
                        pinhole_dns_iter *it, pinhole_dns_rr *rr) {
  if (p == NULL || m == NULL || it == NULL || rr == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  size_t n = (size_t)m->ancount + m->nscount + m->arcount;
  if (it->index >= n)
    return PINHOLE_ERR_NOMATCH;
  size_t pos = it->index == 0 ? m->rr_off : it->pos;
  memset(rr, 0, sizeof(*rr));
  rr->section = ph_section(m, it->index);
  if (ph_rr_read(p, len, &pos, &ph_plain, rr) != 0)
    return PINHOLE_ERR_PARSE;
  it->pos = pos;
  it->index++;
  return 0;
}

int pinhole_dns_a_rewrite(uint8_t *p, size_t len, size_t rdata_off,
                          uint32_t addr, uint32_t *old) {
  /* header, a root owner name, then TYPE CLASS TTL RDLENGTH */
  if (p == NULL || rdata_off < PINHOLE_DNS_HEADER_LEN + 1 + 10 ||
      rdata_off > len || len - rdata_off < 4)
    return PINHOLE_ERR_INVALID_ARG;
  const uint8_t *f = p + rdata_off - 10;
  if (ph_get16(f) != PINHOLE_DNS_TYPE_A ||
      ph_get16(f + 2) != PINHOLE_DNS_CLASS_IN || ph_get16(f + 8) != 4)
    return PINHOLE_ERR_INVALID_ARG;
  if (old != NULL)
    *old = ph_get32(p + rdata_off);
  ph_put32(p + rdata_off, addr);
  return 0;
}

int pinhole_dns_tcp_frame(const uint8_t *p, size_t len, size_t *msg_len) {
  if (msg_len == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  *msg_len = 0;
  if (len < 2)
    return PINHOLE_ERR_PARTIAL;
  size_t n = ph_get16(p);
  *msg_len = n;
  if (n < PINHOLE_DNS_HEADER_LEN)
    return PINHOLE_ERR_PARSE;
  return len - 2 >= n ? 0 : PINHOLE_ERR_PARTIAL;
}

/* The expanded, lower-cased name at off into out[PINHOLE_DNS_NAME_MAX]. */
static int ph_norm(const uint8_t *p, size_t len, size_t off, uint8_t *out,
                   size_t *nlen) {
  size_t wire;
  ph_dns_rd rd = {PINHOLE_DNS_HEADER_LEN, NULL, out, 1};
  return pinhole__dns_name(p, len, off, &rd, &wire, nlen) == 0
             ? 0
             : PINHOLE_ERR_PARSE;
}

int pinhole_dns_name_normalize(const uint8_t *p, size_t len, size_t off,
                               uint8_t *out, size_t cap) {
  uint8_t t[PINHOLE_DNS_NAME_MAX];
  size_t n;
  if (p == NULL || out == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (ph_norm(p, len, off, t, &n) != 0)
    return PINHOLE_ERR_PARSE;
  if (cap < n)
    return PINHOLE_ERR_NOBUF;
  memcpy(out, t, n);
  return (int)n;
}

int pinhole_dns_name_eq(const uint8_t *pa, size_t lena, size_t offa,
                        const uint8_t *pb, size_t lenb, size_t offb) {
  uint8_t a[PINHOLE_DNS_NAME_MAX], b[PINHOLE_DNS_NAME_MAX];
  size_t na, nb;
  if (pa == NULL || pb == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (ph_norm(pa, lena, offa, a, &na) != 0 ||
      ph_norm(pb, lenb, offb, b, &nb) != 0)
    return PINHOLE_ERR_PARSE;
  return na == nb && memcmp(a, b, na) == 0;
}

const char *pinhole_dns_reason_name(int reason) {
  static const char *const names[] = {
      "ok",       "short",    "truncated", "trailing",  "label",
      "name-len", "pointer",  "hops",      "questions", "rdata",
      "opt",      "too-long", "nb-name",   "nb-rdata",
  };
  return ph_name_at(names, sizeof(names) / sizeof(names[0]), reason);
}

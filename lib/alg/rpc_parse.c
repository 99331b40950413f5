/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Sun RPC ALG, pure part: record marking, call and reply headers, the
 * portmapper and rpcbind procedures, universal addresses.
 *
 * Protocol: ONC RPC version 2 (RFC 5531, XDR RFC 4506), portmap version 2
 * and rpcbind versions 3 and 4 (RFC 1833), universal addresses (RFC 5665
 * section 5.2.3). Messages read: calls and replies of any program (header
 * only); the arguments of SET, UNSET, GETPORT, GETADDR and GETVERSADDR and
 * the results of GETPORT, DUMP (v2), GETADDR and GETVERSADDR. Rewritten:
 * one XDR string (a universal address) into a caller buffer.
 *
 * Known limits: IPv4 universal addresses only (IPv6 ones are recognised
 * and reported unsupported); CALLIT/BCAST/INDIRECT, GETADDRLIST and the
 * v3/v4 DUMP are classified but not parsed; rpcbind strings up to
 * PINHOLE_RPC_MAX_STRING bytes.
 */
#include <pinhole/rpc.h>

#include <string.h>

#include "alg/text.h"

#include "pkt/bytes.h"

#define PH_RM_LAST 0x80000000u
#define PH_RM_LEN 0x7fffffffu

/* ---- record marking ------------------------------------------------------ */

/* Reads the mark at p[pos] into *flen and *last. */
static void ph_mark(const uint8_t *p, size_t pos, size_t *flen, int *last) {
  uint32_t m = ph_get32(p + pos);
  *flen = m & PH_RM_LEN;
  *last = (m & PH_RM_LAST) != 0;
}

int pinhole_rpc_record_walk(const uint8_t *p, size_t len, size_t max_len,
                            size_t max_frags, pinhole_rpc_record *r) {
  if (r == NULL || (p == NULL && len > 0) || max_len == 0 ||
      max_len > PINHOLE_RPC_RECORD_LIMIT || max_frags == 0)
    return PINHOLE_ERR_INVALID_ARG;
  memset(r, 0, sizeof(*r));
  size_t pos = 0;
  for (;;) {
    if (len - pos < 4)
      return PINHOLE_ERR_PARTIAL;
    size_t flen;
    int last;
    ph_mark(p, pos, &flen, &last);
    if (r->nfrags == max_frags || flen > max_len - r->data_len)
      return PINHOLE_ERR_RANGE;
    if (flen == 0 && (!last || r->data_len == 0))
      return PINHOLE_ERR_PARSE;
    if (r->nfrags == 0)
      r->frag0_len = flen;
    r->nfrags++;
    r->data_len += flen;
    pos += 4;
    r->stream_len = pos + flen;
    if (len - pos < flen)
      return PINHOLE_ERR_PARTIAL;
    pos += flen;
    if (last)
      return 0;
  }
}

int pinhole_rpc_record_copy(const uint8_t *p, size_t len,
                            const pinhole_rpc_record *r, uint8_t *out,
                            size_t cap) {
  if (p == NULL || r == NULL || out == NULL || r->nfrags == 0 ||
      r->stream_len > len || r->data_len > PINHOLE_RPC_RECORD_LIMIT)
    return PINHOLE_ERR_INVALID_ARG;
  /* Check the whole description before writing anything. */
  size_t pos = 0, sum = 0;
  for (size_t i = 0; i < r->nfrags; i++) {
    size_t flen;
    int last;
    if (r->stream_len - pos < 4)
      return PINHOLE_ERR_INVALID_ARG;
    ph_mark(p, pos, &flen, &last);
    pos += 4;
    if (r->stream_len - pos < flen || last != (i + 1 == r->nfrags))
      return PINHOLE_ERR_INVALID_ARG;
    pos += flen;
    sum += flen;
  }
  if (pos != r->stream_len || sum != r->data_len)
    return PINHOLE_ERR_INVALID_ARG;
  if (cap < r->data_len)
    return PINHOLE_ERR_NOBUF;
  pos = 0;
  sum = 0;
  for (size_t i = 0; i < r->nfrags; i++) {
    size_t flen;
    int last;
    ph_mark(p, pos, &flen, &last);
    if (flen > 0)
      memcpy(out + sum, p + pos + 4, flen);
    pos += 4 + flen;
    sum += flen;
  }
  return (int)sum;
}

int pinhole_rpc_fragment_mark(const uint8_t *p, size_t len, size_t *frag_len,
                              int *last) {
  if (frag_len == NULL || last == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  if (len < 4)
    return PINHOLE_ERR_PARTIAL;
  size_t n;
  int l;
  ph_mark(p, 0, &n, &l);
  if (n == 0 && !l)
    return PINHOLE_ERR_PARSE;
  *frag_len = n;
  *last = l;
  return 0;
}

int pinhole_rpc_record_mark(uint8_t *out, size_t frag_len, int last) {
  if (out == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (frag_len > PH_RM_LEN)
    return PINHOLE_ERR_RANGE;
  ph_put32(out, (uint32_t)frag_len | (last ? PH_RM_LAST : 0));
  return 0;
}

/* ---- call and reply headers ------------------------------------------------
 */

/* Skips the zero padding after an opaque body: PARTIAL when the message
 * ends first, PARSE when a padding byte is not zero. */
static int ph_pad(ph_cur *c) {
  size_t pad = (4 - (c->pos & 3)) & 3;
  if (ph_cur_left(c) < pad)
    return PINHOLE_ERR_PARTIAL;
  return ph_cur_align(c, 4, 1) == 0 ? 0 : PINHOLE_ERR_PARSE;
}

/* Reads one header word: PARTIAL when the message ends first. */
static int ph_word(ph_cur *c, uint32_t *v) {
  return ph_cur_be32(c, v) == 0 ? 0 : PINHOLE_ERR_PARTIAL;
}

/* Reads opaque_auth: flavor, length, body, zero padding. */
static int ph_auth(ph_cur *c, uint32_t *flavor, size_t *off, size_t *blen) {
  uint32_t n;
  if (ph_word(c, flavor) != 0 || ph_word(c, &n) != 0)
    return PINHOLE_ERR_PARTIAL;
  if (n > PINHOLE_RPC_MAX_AUTH)
    return PINHOLE_ERR_RANGE;
  *off = c->pos;
  *blen = n;
  if (ph_cur_skip(c, n) != 0)
    return PINHOLE_ERR_PARTIAL;
  return ph_pad(c);
}

static int ph_call(ph_cur *c, pinhole_rpc_msg *m) {
  if (ph_word(c, &m->rpcvers) != 0)
    return PINHOLE_ERR_PARTIAL;
  if (m->rpcvers != 2)
    return PINHOLE_ERR_UNSUPPORTED;
  if (ph_word(c, &m->prog) != 0 || ph_word(c, &m->vers) != 0 ||
      ph_word(c, &m->proc) != 0)
    return PINHOLE_ERR_PARTIAL;
  int rc = ph_auth(c, &m->cred_flavor, &m->cred_off, &m->cred_len);
  if (rc == 0)
    rc = ph_auth(c, &m->verf_flavor, &m->verf_off, &m->verf_len);
  return rc;
}

static int ph_accepted(ph_cur *c, pinhole_rpc_msg *m) {
  int rc = ph_auth(c, &m->verf_flavor, &m->verf_off, &m->verf_len);
  if (rc != 0)
    return rc;
  if (ph_word(c, &m->accept_stat) != 0)
    return PINHOLE_ERR_PARTIAL;
  if (m->accept_stat > PINHOLE_RPC_ACCEPT_SYSTEM_ERR)
    return PINHOLE_ERR_PARSE;
  if (m->accept_stat == PINHOLE_RPC_ACCEPT_PROG_MISMATCH &&
      (ph_word(c, &m->low) != 0 || ph_word(c, &m->high) != 0))
    return PINHOLE_ERR_PARTIAL;
  return 0;
}

static int ph_denied(ph_cur *c, pinhole_rpc_msg *m) {
  if (ph_word(c, &m->reject_stat) != 0)
    return PINHOLE_ERR_PARTIAL;
  if (m->reject_stat == PINHOLE_RPC_REJECT_RPC_MISMATCH)
    return ph_word(c, &m->low) == 0 && ph_word(c, &m->high) == 0
               ? 0
               : PINHOLE_ERR_PARTIAL;
  if (m->reject_stat == PINHOLE_RPC_REJECT_AUTH_ERROR)
    return ph_word(c, &m->auth_stat) == 0 ? 0 : PINHOLE_ERR_PARTIAL;
  return PINHOLE_ERR_PARSE;
}

int pinhole_rpc_msg_parse(const uint8_t *p, size_t len, pinhole_rpc_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  ph_cur c = ph_cur_make(p, len);
  if (ph_word(&c, &m->xid) != 0 || ph_word(&c, &m->type) != 0)
    return PINHOLE_ERR_PARTIAL;
  int rc;
  if (m->type == PINHOLE_RPC_MSG_CALL) {
    rc = ph_call(&c, m);
  } else if (m->type == PINHOLE_RPC_MSG_REPLY) {
    if (ph_word(&c, &m->reply_stat) != 0)
      return PINHOLE_ERR_PARTIAL;
    if (m->reply_stat == PINHOLE_RPC_REPLY_ACCEPTED)
      rc = ph_accepted(&c, m);
    else if (m->reply_stat == PINHOLE_RPC_REPLY_DENIED)
      rc = ph_denied(&c, m);
    else
      rc = PINHOLE_ERR_PARSE;
  } else {
    rc = PINHOLE_ERR_PARSE;
  }
  m->body_off = c.pos;
  return rc;
}

/* ---- portmapper and rpcbind
 * -------------------------------------------------- */

int pinhole_rpc_pmap_op(uint32_t vers, uint32_t proc) {
  static const int v2[] = {PINHOLE_RPC_OP_NULL,  PINHOLE_RPC_OP_SET,
                           PINHOLE_RPC_OP_UNSET, PINHOLE_RPC_OP_GETPORT,
                           PINHOLE_RPC_OP_DUMP,  PINHOLE_RPC_OP_CALLIT};
  static const int v34[] = {
      PINHOLE_RPC_OP_NULL,        PINHOLE_RPC_OP_SET,
      PINHOLE_RPC_OP_UNSET,       PINHOLE_RPC_OP_GETADDR,
      PINHOLE_RPC_OP_DUMP,        PINHOLE_RPC_OP_CALLIT,
      PINHOLE_RPC_OP_GETTIME,     PINHOLE_RPC_OP_UADDR2TADDR,
      PINHOLE_RPC_OP_TADDR2UADDR, PINHOLE_RPC_OP_GETVERSADDR,
      PINHOLE_RPC_OP_INDIRECT,    PINHOLE_RPC_OP_GETADDRLIST,
      PINHOLE_RPC_OP_GETSTAT};
  if (vers == 2 && proc < sizeof(v2) / sizeof(v2[0]))
    return v2[proc];
  if (vers == 3 && proc <= 8)
    return v34[proc];
  if (vers == 4 && proc < sizeof(v34) / sizeof(v34[0]))
    return v34[proc];
  return PINHOLE_RPC_OP_OTHER;
}

const char *pinhole_rpc_op_name(int op) {
  static const char *const names[] = {
      "OTHER",       "NULL",        "SET",      "UNSET",       "GETPORT",
      "DUMP",        "CALLIT",      "GETADDR",  "GETTIME",     "UADDR2TADDR",
      "TADDR2UADDR", "GETVERSADDR", "INDIRECT", "GETADDRLIST", "GETSTAT"};
  if (op < 0 || (size_t)op >= sizeof(names) / sizeof(names[0]))
    return "unknown";
  return names[op];
}

/* A cursor over p[off..len) for argument and result parsers; XDR items
 * are 4-byte aligned, so off must be too. */
static int ph_args(const uint8_t *p, size_t len, size_t off, ph_cur *c) {
  if (p == NULL || off > len || (off & 3) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  *c = ph_cur_make(p, len);
  c->pos = off;
  return 0;
}

static int ph_mapping(ph_cur *c, pinhole_rpc_mapping *m) {
  m->off = c->pos;
  if (ph_cur_be32(c, &m->prog) != 0 || ph_cur_be32(c, &m->vers) != 0 ||
      ph_cur_be32(c, &m->prot) != 0 || ph_cur_be32(c, &m->port) != 0)
    return PINHOLE_ERR_PARSE;
  return m->port > 65535 ? PINHOLE_ERR_RANGE : 0;
}

int pinhole_rpc_pmap_mapping_parse(const uint8_t *p, size_t len, size_t off,
                                   pinhole_rpc_mapping *m) {
  ph_cur c;
  if (m == NULL || ph_args(p, len, off, &c) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (ph_cur_left(&c) != 16)
    return PINHOLE_ERR_PARSE;
  int rc = ph_mapping(&c, m);
  if (rc == 0 && m->prot != 6 && m->prot != 17)
    rc = PINHOLE_ERR_UNSUPPORTED;
  return rc;
}

int pinhole_rpc_pmap_port_parse(const uint8_t *p, size_t len, size_t off,
                                uint16_t *port) {
  ph_cur c;
  uint32_t v;
  if (port == NULL || ph_args(p, len, off, &c) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (ph_cur_left(&c) != 4 || ph_cur_be32(&c, &v) != 0)
    return PINHOLE_ERR_PARSE;
  if (v > 65535)
    return PINHOLE_ERR_RANGE;
  *port = (uint16_t)v;
  return 0;
}

int pinhole_rpc_pmap_dump_parse(const uint8_t *p, size_t len, size_t off,
                                pinhole_rpc_mapping *out, size_t max,
                                size_t *n) {
  ph_cur c;
  if (n == NULL || (out == NULL && max > 0) || ph_args(p, len, off, &c) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  *n = 0;
  /* Each entry takes 20 bytes, so the walk ends within len / 20 steps. */
  size_t count = 0;
  for (;;) {
    uint32_t more;
    if (ph_cur_be32(&c, &more) != 0 || more > 1)
      return PINHOLE_ERR_PARSE;
    if (more == 0)
      break;
    pinhole_rpc_mapping m;
    int rc = ph_mapping(&c, &m);
    if (rc != 0)
      return rc;
    if (count == max)
      return PINHOLE_ERR_RANGE;
    out[count++] = m;
  }
  if (ph_cur_left(&c) != 0)
    return PINHOLE_ERR_PARSE;
  *n = count;
  return 0;
}

/* Printable ASCII; with nospace, space excluded too. */
static int ph_printable(const uint8_t *s, size_t len, int nospace) {
  for (size_t i = 0; i < len; i++)
    if (s[i] < (nospace ? 33 : 32) || s[i] > 126)
      return 0;
  return 1;
}

static int ph_string(ph_cur *c, int nospace, pinhole_rpc_string *s) {
  uint32_t n;
  const uint8_t *b;
  s->off = c->pos;
  if (ph_cur_be32(c, &n) != 0)
    return PINHOLE_ERR_PARSE;
  if (n > ph_cur_left(c))
    return PINHOLE_ERR_PARSE;
  if (n > PINHOLE_RPC_MAX_STRING)
    return PINHOLE_ERR_RANGE;
  s->len = n;
  if (ph_cur_take(c, n, &b) != 0 || ph_cur_align(c, 4, 1) != 0 ||
      !ph_printable(b, n, nospace))
    return PINHOLE_ERR_PARSE;
  return 0;
}

/* netid -> protocol and family. */
static void ph_netid(const uint8_t *s, size_t len, pinhole_rpc_rpcb *r) {
  static const struct {
    const char *name;
    uint8_t proto, family;
  } ids[] = {{"tcp", 6, 4}, {"udp", 17, 4}, {"tcp6", 6, 6}, {"udp6", 17, 6}};
  for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
    if (ph_eq(s, len, ids[i].name)) {
      r->proto = ids[i].proto;
      r->family = ids[i].family;
    }
}

int pinhole_rpc_rpcb_parse(const uint8_t *p, size_t len, size_t off,
                           pinhole_rpc_rpcb *r) {
  ph_cur c;
  if (r == NULL || ph_args(p, len, off, &c) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  memset(r, 0, sizeof(*r));
  if (ph_cur_be32(&c, &r->prog) != 0 || ph_cur_be32(&c, &r->vers) != 0)
    return PINHOLE_ERR_PARSE;
  int rc = ph_string(&c, 1, &r->netid);
  if (rc == 0)
    rc = ph_string(&c, 1, &r->addr);
  if (rc == 0)
    rc = ph_string(&c, 0, &r->owner);
  if (rc != 0)
    return rc;
  if (ph_cur_left(&c) != 0)
    return PINHOLE_ERR_PARSE;
  ph_netid(p + r->netid.off + 4, r->netid.len, r);
  return 0;
}

int pinhole_rpc_rpcb_addr_parse(const uint8_t *p, size_t len, size_t off,
                                pinhole_rpc_string *s) {
  ph_cur c;
  if (s == NULL || ph_args(p, len, off, &c) != 0)
    return PINHOLE_ERR_INVALID_ARG;
  int rc = ph_string(&c, 1, s);
  if (rc == 0 && ph_cur_left(&c) != 0)
    rc = PINHOLE_ERR_PARSE;
  return rc;
}

/* ---- universal addresses
 * ----------------------------------------------------- */

/* One part: 1..3 digits, no leading zero. -1 when malformed, else its
 * value (up to 999). */
static int ph_part(ph_cur *c) {
  size_t s = c->pos;
  uint32_t v;
  size_t n = ph_cur_number(c, &v);
  if (n == 0 || n > 3 || (n > 1 && c->p[s] == '0'))
    return -1;
  return (int)v;
}

/* ".p1.p2" ending the text; both parts well formed. */
static int ph_port_tail(const uint8_t *s, size_t len, uint32_t *port) {
  size_t i = len, dots = 0, start = len;
  while (i > 0 && dots < 2) {
    i--;
    if (s[i] == '.') {
      dots++;
      start = i;
    }
  }
  if (dots < 2)
    return PINHOLE_ERR_PARSE;
  ph_cur c = ph_cur_make(s, len);
  c.pos = start + 1;
  int p1 = ph_part(&c);
  if (p1 < 0 || !ph_cur_eat(&c, '.'))
    return PINHOLE_ERR_PARSE;
  int p2 = ph_part(&c);
  if (p2 < 0 || c.pos != len)
    return PINHOLE_ERR_PARSE;
  if (p1 > 255 || p2 > 255)
    return PINHOLE_ERR_RANGE;
  *port = (uint32_t)p1 << 8 | (uint32_t)p2;
  return 0;
}

/* An IPv6 universal address: hex digits, ':' and '.', at least one ':',
 * ending in ".p1.p2". */
static int ph_uaddr6(const uint8_t *s, size_t len) {
  int colon = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == ':')
      colon = 1;
    else if (!ph_is_xdigit(s[i]) && s[i] != '.')
      return 0;
  }
  uint32_t port;
  return colon && ph_port_tail(s, len, &port) == 0;
}

int pinhole_rpc_uaddr_parse(const uint8_t *s, size_t len, uint32_t *addr,
                            uint16_t *port) {
  if (addr == NULL || port == NULL || (s == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  if (len == 0)
    return PINHOLE_ERR_NOMATCH;
  if (ph_uaddr6(s, len))
    return PINHOLE_ERR_UNSUPPORTED;
  ph_cur c = ph_cur_make(s, len);
  int v[6], range = 0;
  for (int i = 0; i < 6; i++) {
    if ((i > 0 && !ph_cur_eat(&c, '.')) || (v[i] = ph_part(&c)) < 0)
      return PINHOLE_ERR_PARSE;
    range |= v[i] > 255;
  }
  if (c.pos != len)
    return PINHOLE_ERR_PARSE;
  if (range || (v[4] == 0 && v[5] == 0))
    return PINHOLE_ERR_RANGE;
  *addr = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 |
          (uint32_t)v[3];
  *port = (uint16_t)(v[4] << 8 | v[5]);
  return 0;
}

/* Writes the text into b (PINHOLE_RPC_UADDR_MAX bytes); returns its
 * length. */
static size_t ph_uaddr_text(uint8_t *b, uint32_t addr, uint16_t port) {
  size_t n = ph_fmt_ipv4(b, addr);
  b[n++] = '.';
  n += ph_fmt_u32(b + n, (uint32_t)port >> 8);
  b[n++] = '.';
  n += ph_fmt_u32(b + n, (uint32_t)port & 0xff);
  return n;
}

int pinhole_rpc_uaddr_format(uint32_t addr, uint16_t port, char *out,
                             size_t cap) {
  if (port == 0 || (out == NULL && cap > 0))
    return PINHOLE_ERR_INVALID_ARG;
  uint8_t b[PINHOLE_RPC_UADDR_MAX];
  size_t n = ph_uaddr_text(b, addr, port);
  if (cap < n)
    return PINHOLE_ERR_NOBUF;
  memcpy(out, b, n);
  return (int)n;
}

static size_t ph_pad4(size_t n) {
  return (n + 3) & ~(size_t)3;
}

int pinhole_rpc_string_rewrite(const uint8_t *msg, size_t len,
                               const pinhole_rpc_string *s, const uint8_t *str,
                               size_t slen, uint8_t *out, size_t cap) {
  if (msg == NULL || s == NULL || out == NULL || (str == NULL && slen > 0) ||
      slen > PINHOLE_RPC_MAX_STRING || len > PINHOLE_RPC_RECORD_LIMIT)
    return PINHOLE_ERR_INVALID_ARG;
  if (s->off > len || len - s->off < 4 || ph_get32(msg + s->off) != s->len ||
      ph_pad4(s->len) > len - s->off - 4)
    return PINHOLE_ERR_INVALID_ARG;
  size_t tail = s->off + 4 + ph_pad4(s->len);
  size_t total = s->off + 4 + ph_pad4(slen) + (len - tail);
  if (cap < total)
    return PINHOLE_ERR_NOBUF;
  size_t o = s->off;
  memcpy(out, msg, o);
  ph_put32(out + o, (uint32_t)slen);
  o += 4;
  if (slen > 0)
    memcpy(out + o, str, slen);
  memset(out + o + slen, 0, ph_pad4(slen) - slen);
  o += ph_pad4(slen);
  memcpy(out + o, msg + tail, len - tail);
  return (int)total;
}

int pinhole_rpc_uaddr_rewrite(const uint8_t *msg, size_t len,
                              const pinhole_rpc_string *s, uint32_t addr,
                              uint16_t port, uint8_t *out, size_t cap) {
  if (port == 0)
    return PINHOLE_ERR_INVALID_ARG;
  uint8_t b[PINHOLE_RPC_UADDR_MAX];
  size_t n = ph_uaddr_text(b, addr, port);
  return pinhole_rpc_string_rewrite(msg, len, s, b, n, out, cap);
}

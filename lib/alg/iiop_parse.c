/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IIOP ALG, pure part: GIOP framing, reply headers, IORs and their IIOP
 * profiles, and the rewriting of hosts and ports in them.
 *
 * Protocol: CORBA 3.0 chapter 15 (OMG formal/02-06-01): GIOP 1.0 to 1.3
 * messages over TCP (IIOP), CDR encoding (section 15.3: alignment
 * relative to the message start, byte order from the header;
 * encapsulations carry their own byte order and align from their own
 * start), object references (15.3.6 / IOP module: IOR, TaggedProfile,
 * TAG_INTERNET_IOP ProfileBody 1.0 and 1.1, TAG_ALTERNATE_IIOP_ADDRESS).
 * Messages read: Reply and LocateReply headers; IORs wherever the glue
 * points. Rewritten: the host and port of IIOP profiles.
 *
 * Known limits: fragmented messages are framed but not rewritten;
 * TAG_ALTERNATE_IIOP_ADDRESS components and TAG_MULTIPLE_COMPONENTS
 * profiles are counted, not rewritten; a host change whose size change
 * is not a multiple of 8 is refused unless the IOR ends the message
 * (what follows would lose its alignment); bytes after the components
 * in a profile are copied as they are.
 */
#include <pinhole/iiop.h>

#include <string.h>

#include "alg/text.h"

/* ---- CDR reading -------------------------------------------------------- */

/* A cursor that aligns relative to base and reads in one byte order. */
typedef struct ph_cdr {
  ph_cur c;
  size_t base;
  int little;
} ph_cdr;

static ph_cdr ph_cdr_make(const uint8_t *p, size_t end, size_t pos, size_t base,
                          int little) {
  ph_cdr r = {ph_cur_make(p, end), base, little};
  r.c.pos = pos;
  return r;
}

static int ph_cdr_align(ph_cdr *r, size_t n) {
  size_t rel = r->c.pos - r->base;
  return ph_cur_skip(&r->c, (n - rel % n) % n);
}

static int ph_cdr_u32(ph_cdr *r, uint32_t *v) {
  if (ph_cdr_align(r, 4) != 0)
    return -1;
  return r->little ? ph_cur_le32(&r->c, v) : ph_cur_be32(&r->c, v);
}

/* An unsigned short; *off gets where it is (after the padding). */
static int ph_cdr_u16(ph_cdr *r, uint16_t *v, size_t *off) {
  if (ph_cdr_align(r, 2) != 0)
    return -1;
  *off = r->c.pos;
  return r->little ? ph_cur_le16(&r->c, v) : ph_cur_be16(&r->c, v);
}

/* A sequence<octet>: its bytes at *off, *n of them. */
static int ph_cdr_octets(ph_cdr *r, size_t *off, size_t *n) {
  uint32_t k;
  if (ph_cdr_u32(r, &k) != 0 || k > ph_cur_left(&r->c))
    return -1;
  *off = r->c.pos;
  *n = k;
  r->c.pos += k;
  return 0;
}

static int ph_printable(uint8_t ch) {
  return ch >= 0x20 && ch <= 0x7e;
}

/* A string: length with its NUL, printable characters, at most max of
 * them. 0, PINHOLE_ERR_PARSE or PINHOLE_ERR_RANGE. */
static int ph_cdr_string(ph_cdr *r, size_t max, size_t *off, size_t *slen) {
  size_t n;
  if (ph_cdr_octets(r, off, &n) != 0 || n == 0)
    return PINHOLE_ERR_PARSE;
  const uint8_t *s = r->c.p + *off;
  if (s[n - 1] != 0)
    return PINHOLE_ERR_PARSE;
  for (size_t i = 0; i + 1 < n; i++)
    if (!ph_printable(s[i]))
      return PINHOLE_ERR_PARSE;
  if (n - 1 > max)
    return PINHOLE_ERR_RANGE;
  *slen = n - 1;
  return 0;
}

/* A sequence count whose elements take at least min bytes each. */
static int ph_cdr_count(ph_cdr *r, size_t min, uint32_t *n) {
  if (ph_cdr_u32(r, n) != 0 || *n > ph_cur_left(&r->c) / min)
    return -1;
  return 0;
}

/* ---- GIOP framing ------------------------------------------------------- */

/* Checks the header bytes held so far (up to 8). */
static int ph_giop_prefix(const uint8_t *p, size_t n) {
  static const uint8_t magic[4] = {'G', 'I', 'O', 'P'};
  if (memcmp(p, magic, n < 4 ? n : 4) != 0)
    return PINHOLE_ERR_PARSE;
  if (n > 4 && p[4] != 1)
    return PINHOLE_ERR_PARSE;
  if (n > 5 && p[5] > 3)
    return PINHOLE_ERR_PARSE;
  if (n > 6 && (p[5] == 0 ? p[6] > 1 : (p[6] & ~3u) != 0))
    return PINHOLE_ERR_PARSE;
  if (n > 7 &&
      p[7] > (p[5] == 0 ? PINHOLE_GIOP_MESSAGE_ERROR : PINHOLE_GIOP_FRAGMENT))
    return PINHOLE_ERR_PARSE;
  return 0;
}

/* IOP::ServiceContextList: each entry an id and an octet sequence. */
static int ph_giop_contexts(ph_cdr *r) {
  uint32_t n, id;
  size_t off, len;
  if (ph_cdr_count(r, 8, &n) != 0)
    return PINHOLE_ERR_PARSE;
  for (uint32_t i = 0; i < n; i++)
    if (ph_cdr_u32(r, &id) != 0 || ph_cdr_octets(r, &off, &len) != 0)
      return PINHOLE_ERR_PARSE;
  return 0;
}

/* The body starts at the cursor (aligned to 8 when align8): none when
 * the message ends there, or with the alignment's padding. */
static int ph_giop_body(ph_cdr *r, int align8, pinhole_giop_msg *m) {
  if (ph_cur_left(&r->c) == 0)
    return 0;
  if (align8 && ph_cdr_align(r, 8) != 0)
    return PINHOLE_ERR_PARSE;
  if (ph_cur_left(&r->c) == 0)
    return 0;
  m->flags |= PINHOLE_GIOP_MSG_BODY;
  m->body_off = r->c.pos;
  return 0;
}

static int ph_giop_reply(const uint8_t *p, pinhole_giop_msg *m) {
  int little = (m->flags & PINHOLE_GIOP_MSG_LITTLE) != 0;
  ph_cdr r = ph_cdr_make(p, m->total_len, PINHOLE_GIOP_HEADER_LEN, 0, little);
  int v12 = m->minor >= 2;
  if (!v12 && ph_giop_contexts(&r) != 0)
    return PINHOLE_ERR_PARSE;
  if (ph_cdr_u32(&r, &m->request_id) != 0 || ph_cdr_u32(&r, &m->status) != 0)
    return PINHOLE_ERR_PARSE;
  if (m->status > (v12 ? PINHOLE_GIOP_NEEDS_ADDRESSING_MODE
                       : PINHOLE_GIOP_LOCATION_FORWARD))
    return PINHOLE_ERR_PARSE;
  if (v12 && ph_giop_contexts(&r) != 0)
    return PINHOLE_ERR_PARSE;
  m->flags |= PINHOLE_GIOP_MSG_REPLY;
  if (m->status == PINHOLE_GIOP_LOCATION_FORWARD ||
      m->status == PINHOLE_GIOP_LOCATION_FORWARD_PERM)
    m->flags |= PINHOLE_GIOP_MSG_FORWARD;
  return ph_giop_body(&r, v12, m);
}

static int ph_giop_locate_reply(const uint8_t *p, pinhole_giop_msg *m) {
  int little = (m->flags & PINHOLE_GIOP_MSG_LITTLE) != 0;
  ph_cdr r = ph_cdr_make(p, m->total_len, PINHOLE_GIOP_HEADER_LEN, 0, little);
  if (ph_cdr_u32(&r, &m->request_id) != 0 || ph_cdr_u32(&r, &m->status) != 0)
    return PINHOLE_ERR_PARSE;
  if (m->status > (m->minor >= 2 ? PINHOLE_GIOP_LOC_NEEDS_ADDRESSING_MODE
                                 : PINHOLE_GIOP_OBJECT_FORWARD))
    return PINHOLE_ERR_PARSE;
  m->flags |= PINHOLE_GIOP_MSG_REPLY;
  if (m->status == PINHOLE_GIOP_OBJECT_FORWARD ||
      m->status == PINHOLE_GIOP_OBJECT_FORWARD_PERM)
    m->flags |= PINHOLE_GIOP_MSG_FORWARD;
  return ph_giop_body(&r, 0, m);
}

int pinhole_giop_frame(const uint8_t *p, size_t len, pinhole_giop_msg *m) {
  if (m == NULL || (p == NULL && len > 0))
    return PINHOLE_ERR_INVALID_ARG;
  memset(m, 0, sizeof(*m));
  int rc = ph_giop_prefix(p, len < 8 ? len : 8);
  if (rc != 0)
    return rc;
  if (len < PINHOLE_GIOP_HEADER_LEN)
    return PINHOLE_ERR_PARTIAL;
  m->major = p[4];
  m->minor = p[5];
  m->hdr_flags = p[6];
  m->type = p[7];
  int little = (p[6] & 1) != 0;
  ph_cur c = ph_cur_make(p + 8, 4);
  if (little)
    ph_cur_le32(&c, &m->size);
  else
    ph_cur_be32(&c, &m->size);
#if SIZE_MAX <= UINT32_MAX
  if (m->size > SIZE_MAX - PINHOLE_GIOP_HEADER_LEN) {
    memset(m, 0, sizeof(*m));
    return PINHOLE_ERR_PARSE;
  }
#endif
  m->flags = (little ? PINHOLE_GIOP_MSG_LITTLE : 0) |
             (m->minor >= 1 && (p[6] & 2) ? PINHOLE_GIOP_MSG_FRAGMENTS : 0);
  m->total_len = PINHOLE_GIOP_HEADER_LEN + (size_t)m->size;
  if (len < m->total_len)
    return PINHOLE_ERR_PARTIAL;
  if (m->type == PINHOLE_GIOP_REPLY)
    rc = ph_giop_reply(p, m);
  else if (m->type == PINHOLE_GIOP_LOCATE_REPLY)
    rc = ph_giop_locate_reply(p, m);
  if (rc != 0)
    memset(m, 0, sizeof(*m));
  return rc;
}

/* ---- IORs --------------------------------------------------------------- */

#define PH_TAG_INTERNET_IOP 0u
#define PH_TAG_ALTERNATE_IIOP_ADDRESS 3u

/* The components of an IIOP 1.1+ profile body. */
static int ph_iiop_components(ph_cdr *e, pinhole_iiop_profile *pr) {
  uint32_t n, tag;
  size_t off, len;
  if (ph_cdr_count(e, 8, &n) != 0)
    return PINHOLE_ERR_PARSE;
  for (uint32_t i = 0; i < n; i++) {
    if (ph_cdr_u32(e, &tag) != 0 || ph_cdr_octets(e, &off, &len) != 0)
      return PINHOLE_ERR_PARSE;
    if (tag == PH_TAG_ALTERNATE_IIOP_ADDRESS)
      pr->nalternates++;
  }
  if (pr->nalternates > 0)
    pr->flags |= PINHOLE_IIOP_PROFILE_ALTERNATE;
  return 0;
}

/* A TAG_INTERNET_IOP profile body (an encapsulation). */
static int ph_iiop_profile(const uint8_t *msg, pinhole_iiop_profile *pr) {
  ph_cdr e = ph_cdr_make(msg, pr->data_off + pr->data_len, pr->data_off,
                         pr->data_off, 0);
  uint8_t bo;
  size_t koff, klen;
  if (ph_cur_u8(&e.c, &bo) != 0 || bo > 1 || ph_cur_u8(&e.c, &pr->major) ||
      ph_cur_u8(&e.c, &pr->minor) || pr->major != 1 || pr->minor > 3)
    return PINHOLE_ERR_PARSE;
  e.little = bo;
  int rc =
      ph_cdr_string(&e, PINHOLE_IIOP_MAX_HOST, &pr->host_off, &pr->host_len);
  if (rc != 0)
    return rc;
  if (ph_cdr_u16(&e, &pr->port, &pr->port_off) != 0 ||
      ph_cdr_octets(&e, &koff, &klen) != 0)
    return PINHOLE_ERR_PARSE;
  if (pr->minor >= 1 && (rc = ph_iiop_components(&e, pr)) != 0)
    return rc;
  pr->flags |=
      PINHOLE_IIOP_PROFILE_IIOP | (bo ? PINHOLE_IIOP_PROFILE_LITTLE : 0u);
  if (ph_ipv4_text(msg + pr->host_off, pr->host_len, &pr->addr) == 0)
    pr->flags |= PINHOLE_IIOP_PROFILE_HOST_IPV4;
  return 0;
}

int pinhole_iiop_ior_parse(const uint8_t *msg, size_t len, size_t off,
                           int little, pinhole_iiop_ior *ior) {
  if (ior == NULL || (msg == NULL && len > 0) || off > len)
    return PINHOLE_ERR_INVALID_ARG;
  memset(ior, 0, sizeof(*ior));
  ph_cdr r = ph_cdr_make(msg, len, off, 0, little != 0);
  if (ph_cdr_align(&r, 4) != 0)
    return PINHOLE_ERR_PARSE;
  ior->off = r.c.pos;
  int rc = ph_cdr_string(&r, PINHOLE_IIOP_MAX_TYPE_ID, &ior->type_id_off,
                         &ior->type_id_len);
  if (rc != 0)
    return rc;
  uint32_t n;
  if (ph_cdr_count(&r, 8, &n) != 0)
    return PINHOLE_ERR_PARSE;
  if (n > PINHOLE_IIOP_MAX_PROFILES)
    return PINHOLE_ERR_RANGE;
  for (uint32_t i = 0; i < n; i++) {
    pinhole_iiop_profile *pr = &ior->profile[i];
    if (ph_cdr_align(&r, 4) != 0)
      return PINHOLE_ERR_PARSE;
    pr->off = r.c.pos;
    if (ph_cdr_u32(&r, &pr->tag) != 0 ||
        ph_cdr_octets(&r, &pr->data_off, &pr->data_len) != 0)
      return PINHOLE_ERR_PARSE;
    if (pr->tag == PH_TAG_INTERNET_IOP && (rc = ph_iiop_profile(msg, pr)) != 0)
      return rc;
  }
  ior->nprofiles = n;
  ior->len = r.c.pos - ior->off;
  return 0;
}

/* ---- CDR writing -------------------------------------------------------- */

/* Writes into b[0..cap) while it fits and keeps counting past it. */
typedef struct ph_w {
  uint8_t *b;
  size_t cap;
  size_t pos;
  size_t base;
  int little;
} ph_w;

static void ph_w_bytes(ph_w *w, const uint8_t *s, size_t n) {
  if (w->pos <= w->cap && n <= w->cap - w->pos && n > 0)
    memcpy(w->b + w->pos, s, n);
  w->pos += n;
}

static void ph_w_align(ph_w *w, size_t n) {
  static const uint8_t zero[8];
  ph_w_bytes(w, zero, (n - (w->pos - w->base) % n) % n);
}

static void ph_w_u32_at(ph_w *w, size_t at, uint32_t v) {
  uint8_t b[4];
  for (int i = 0; i < 4; i++)
    b[w->little ? i : 3 - i] = (uint8_t)(v >> (8 * i));
  if (at <= w->cap && w->cap - at >= 4)
    memcpy(w->b + at, b, 4);
}

static void ph_w_u32(ph_w *w, uint32_t v) {
  ph_w_align(w, 4);
  size_t at = w->pos;
  w->pos += 4;
  ph_w_u32_at(w, at, v);
}

static void ph_w_u16(ph_w *w, uint16_t v) {
  ph_w_align(w, 2);
  uint8_t b[2];
  b[w->little ? 0 : 1] = (uint8_t)v;
  b[w->little ? 1 : 0] = (uint8_t)(v >> 8);
  ph_w_bytes(w, b, 2);
}

/* A string of n characters (the NUL added). */
static void ph_w_string(ph_w *w, const uint8_t *s, size_t n) {
  static const uint8_t nul = 0;
  ph_w_u32(w, (uint32_t)(n + 1));
  ph_w_bytes(w, s, n);
  ph_w_bytes(w, &nul, 1);
}

static void ph_w_octets(ph_w *w, const uint8_t *s, size_t n) {
  ph_w_u32(w, (uint32_t)n);
  ph_w_bytes(w, s, n);
}

/* Re-encodes what follows the port of a parsed IIOP profile: object key,
 * components, then any trailing bytes as they are. */
static void ph_w_profile_tail(ph_w *w, const uint8_t *msg,
                              const pinhole_iiop_profile *pr) {
  int little = (pr->flags & PINHOLE_IIOP_PROFILE_LITTLE) != 0;
  ph_cdr e = ph_cdr_make(msg, pr->data_off + pr->data_len, pr->port_off + 2,
                         pr->data_off, little);
  size_t off, n;
  uint32_t count, tag;
  if (ph_cdr_octets(&e, &off, &n) != 0)
    return; /* parsed before: cannot happen */
  ph_w_octets(w, msg + off, n);
  if (pr->minor >= 1 && ph_cdr_u32(&e, &count) == 0) {
    ph_w_u32(w, count);
    for (uint32_t i = 0; i < count; i++) {
      if (ph_cdr_u32(&e, &tag) != 0 || ph_cdr_octets(&e, &off, &n) != 0)
        return;
      ph_w_u32(w, tag);
      ph_w_octets(w, msg + off, n);
    }
  }
  ph_w_bytes(w, msg + e.c.pos, e.c.end - e.c.pos);
}

/* Writes an IIOP profile body with host and port replaced as r says. */
static void ph_w_profile(ph_w *w, const uint8_t *msg,
                         const pinhole_iiop_profile *pr,
                         const pinhole_iiop_rewrite_profile *r) {
  size_t base = w->base;
  int little = w->little;
  w->base = w->pos;
  w->little = (pr->flags & PINHOLE_IIOP_PROFILE_LITTLE) != 0;
  uint8_t head[3] = {(uint8_t)w->little, pr->major, pr->minor};
  ph_w_bytes(w, head, 3);
  uint8_t host[16];
  if (r->flags & PINHOLE_IIOP_REWRITE_HOST)
    ph_w_string(w, host, ph_fmt_ipv4(host, r->addr));
  else
    ph_w_string(w, msg + pr->host_off, pr->host_len);
  ph_w_u16(w, (r->flags & PINHOLE_IIOP_REWRITE_PORT) ? r->port : pr->port);
  ph_w_profile_tail(w, msg, pr);
  w->base = base;
  w->little = little;
}

/* Writes the IOR's profiles (count first) re-encoded. */
static void ph_w_profiles(ph_w *w, const uint8_t *msg,
                          const pinhole_iiop_ior *ior,
                          const pinhole_iiop_rewrite *rw) {
  ph_w_u32(w, (uint32_t)ior->nprofiles);
  for (size_t i = 0; i < ior->nprofiles; i++) {
    const pinhole_iiop_profile *pr = &ior->profile[i];
    const pinhole_iiop_rewrite_profile *r = &rw->profile[i];
    ph_w_u32(w, pr->tag);
    ph_w_u32(w, 0);
    size_t at = w->pos - 4;
    if ((pr->flags & PINHOLE_IIOP_PROFILE_IIOP) &&
        (r->flags & (PINHOLE_IIOP_REWRITE_HOST | PINHOLE_IIOP_REWRITE_PORT)))
      ph_w_profile(w, msg, pr, r);
    else
      ph_w_bytes(w, msg + pr->data_off, pr->data_len);
    ph_w_u32_at(w, at, (uint32_t)(w->pos - at - 4));
  }
}

/* Writes the message with the IOR re-encoded; returns the new length
 * (counted even where it passes w->cap). */
static size_t ph_w_message(ph_w *w, const uint8_t *msg, size_t len,
                           const pinhole_iiop_ior *ior,
                           const pinhole_iiop_rewrite *rw) {
  ph_w_bytes(w, msg, ior->type_id_off + ior->type_id_len + 1);
  ph_w_profiles(w, msg, ior, rw);
  size_t in_end = ior->off + ior->len;
  ph_w_bytes(w, msg + in_end, len - in_end);
  ph_w_u32_at(w, 8, (uint32_t)(w->pos - PINHOLE_GIOP_HEADER_LEN));
  return w->pos;
}

int pinhole_iiop_ior_rewrite(const uint8_t *msg, size_t len, size_t ior_off,
                             const pinhole_iiop_rewrite *rw, uint8_t *out,
                             size_t cap) {
  if (rw == NULL || (out == NULL && cap > 0))
    return PINHOLE_ERR_INVALID_ARG;
  pinhole_giop_msg m;
  int rc = pinhole_giop_frame(msg, len, &m);
  if (rc != 0)
    return rc;
  if (len != m.total_len)
    return PINHOLE_ERR_PARSE;
  if (m.flags & PINHOLE_GIOP_MSG_FRAGMENTS)
    return PINHOLE_ERR_UNSUPPORTED;
  int little = (m.flags & PINHOLE_GIOP_MSG_LITTLE) != 0;
  pinhole_iiop_ior ior;
  rc = pinhole_iiop_ior_parse(msg, len, ior_off, little, &ior);
  if (rc != 0)
    return rc;
  /* a first pass counts, the second writes: out is untouched on error */
  ph_w count = {NULL, 0, 0, 0, little};
  size_t n = ph_w_message(&count, msg, len, &ior, rw);
  size_t in_end = ior.off + ior.len;
  if (len > in_end && (n - len) % 8 != 0)
    return PINHOLE_ERR_UNSUPPORTED;
  if (n - PINHOLE_GIOP_HEADER_LEN > UINT32_MAX)
    return PINHOLE_ERR_RANGE;
  if (n > (size_t)INT32_MAX)
    return PINHOLE_ERR_INVALID_ARG;
  if (n > cap)
    return PINHOLE_ERR_NOBUF;
  ph_w w = {out, cap, 0, 0, little};
  ph_w_message(&w, msg, len, &ior, rw);
  return (int)n;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: GIOP framing, IORs and IIOP profiles, rewriting (CORBA 3.0
 * chapter 15), big- and little-endian.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/iiop.h>

/* ---- a small CDR encoder for building messages ------------------------ */

typedef struct cdr {
  uint8_t b[2048];
  size_t pos;
  size_t base;
  int little;
} cdr;

static void c_init(cdr *c, int little) {
  memset(c, 0, sizeof(*c));
  c->little = little;
}

static void c_raw(cdr *c, const void *s, size_t n) {
  memcpy(c->b + c->pos, s, n);
  c->pos += n;
}

static void c_pad(cdr *c, size_t n) {
  while ((c->pos - c->base) % n != 0)
    c->b[c->pos++] = 0;
}

static void c_u8(cdr *c, uint8_t v) {
  c->b[c->pos++] = v;
}

static void c_u16(cdr *c, uint16_t v) {
  c_pad(c, 2);
  c->b[c->pos + (c->little ? 0 : 1)] = (uint8_t)v;
  c->b[c->pos + (c->little ? 1 : 0)] = (uint8_t)(v >> 8);
  c->pos += 2;
}

static void c_u32(cdr *c, uint32_t v) {
  c_pad(c, 4);
  for (int i = 0; i < 4; i++)
    c->b[c->pos + (c->little ? i : 3 - i)] = (uint8_t)(v >> (8 * i));
  c->pos += 4;
}

static void c_str(cdr *c, const char *s) {
  c_u32(c, (uint32_t)strlen(s) + 1);
  c_raw(c, s, strlen(s) + 1);
}

static void c_seq(cdr *c, const void *s, size_t n) {
  c_u32(c, (uint32_t)n);
  c_raw(c, s, n);
}

/* One profile to build. */
typedef struct prof {
  uint32_t tag;
  int little;
  uint8_t minor;
  const char *host;
  uint16_t port;
  int alternate;
} prof;

static const uint8_t object_key[] = {0xff, 'P', 'H', 0x00, 'k', 'e', 'y', 1};

/* An encapsulation for p into e. */
static void mk_profile_body(cdr *e, const prof *p) {
  c_init(e, p->little);
  c_u8(e, (uint8_t)p->little);
  if (p->tag != 0) { /* some other profile: opaque bytes */
    c_u32(e, 0xabcdef01);
    return;
  }
  c_u8(e, 1);
  c_u8(e, p->minor);
  c_str(e, p->host);
  c_u16(e, p->port);
  c_seq(e, object_key, sizeof(object_key));
  if (p->minor == 0)
    return;
  c_u32(e, p->alternate ? 3 : 2);
  /* TAG_ORB_TYPE: encapsulation of the ORB type "OMNI" */
  uint8_t orb[8] = {(uint8_t)p->little, 0, 0, 0, 'O', 'M', 'N', 'I'};
  c_u32(e, 0);
  c_seq(e, orb, sizeof(orb));
  /* TAG_CODE_SETS: opaque here, odd length */
  static const uint8_t cs[13] = {0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 9};
  c_u32(e, 1);
  c_seq(e, cs, sizeof(cs));
  if (p->alternate) {
    cdr a;
    c_init(&a, p->little);
    c_u8(&a, (uint8_t)p->little);
    c_str(&a, "198.18.0.6");
    c_u16(&a, 2810);
    c_u32(e, 3);
    c_seq(e, a.b, a.pos);
  }
}

static const char type_id[] = "IDL:omg.org/CosNaming/NamingContextExt:1.0";

/* An IOR with n profiles at the cursor. */
static void mk_ior(cdr *c, const prof *ps, size_t n) {
  c_str(c, type_id);
  c_u32(c, (uint32_t)n);
  for (size_t i = 0; i < n; i++) {
    cdr e;
    mk_profile_body(&e, &ps[i]);
    c_u32(c, ps[i].tag);
    c_seq(c, e.b, e.pos);
  }
}

static void mk_header(cdr *c, int little, uint8_t minor, uint8_t type) {
  c_init(c, little);
  c_raw(c, "GIOP", 4);
  c_u8(c, 1);
  c_u8(c, minor);
  c_u8(c, (uint8_t)little);
  c_u8(c, type);
  c_u32(c, 0); /* size, set by mk_done */
}

static size_t mk_done(cdr *c) {
  size_t end = c->pos;
  c->pos = 8;
  c_u32(c, (uint32_t)(end - 12));
  c->pos = end;
  return end;
}

/* A Reply carrying an IOR: GIOP 1.0/1.1 (one service context first) or
 * 1.2 (body aligned to 8); trailer adds an unsigned long after it. */
static size_t mk_reply(cdr *c, int little, uint8_t minor, uint32_t status,
                       const prof *ps, size_t n, int trailer) {
  mk_header(c, little, minor, 1);
  if (minor < 2) {
    c_u32(c, 1);
    c_u32(c, 0x4f4d4f00); /* omniORB's context id, 3 bytes of data */
    c_seq(c, "abc", 3);
  }
  c_u32(c, 7);
  c_u32(c, status);
  if (minor >= 2) {
    c_u32(c, 0);
    c_pad(c, 8);
  }
  mk_ior(c, ps, n);
  if (trailer)
    c_u32(c, 0x11223344);
  return mk_done(c);
}

static const prof naming_be = {0, 0, 2, "198.18.0.5", 2809, 0};
static const prof naming_le = {0, 1, 2, "198.18.0.5", 2809, 0};

/* ---- framing ------------------------------------------------------------ */

static void test_giop_frame_reply_12_forward(void **state) {
  (void)state;
  cdr c;
  size_t n = mk_reply(&c, 0, 2, 3, &naming_be, 1, 0);
  pinhole_giop_msg m;
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), 0);
  assert_int_equal(m.major, 1);
  assert_int_equal(m.minor, 2);
  assert_int_equal(m.type, PINHOLE_GIOP_REPLY);
  assert_int_equal(m.size, n - 12);
  assert_int_equal(m.total_len, n);
  assert_int_equal(m.flags, PINHOLE_GIOP_MSG_REPLY | PINHOLE_GIOP_MSG_BODY |
                                PINHOLE_GIOP_MSG_FORWARD);
  assert_int_equal(m.request_id, 7);
  assert_int_equal(m.status, PINHOLE_GIOP_LOCATION_FORWARD);
  assert_int_equal(m.body_off, 24);
  /* every strict prefix is partial; the header is known from 12 bytes */
  for (size_t k = 0; k < n; k++) {
    assert_int_equal(pinhole_giop_frame(c.b, k, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(m.total_len, k >= 12 ? n : 0);
    assert_int_equal(m.flags & PINHOLE_GIOP_MSG_REPLY, 0);
  }
}

static void test_giop_frame_reply_10_le(void **state) {
  (void)state;
  cdr c;
  size_t n = mk_reply(&c, 1, 0, 0, &naming_be, 1, 0);
  pinhole_giop_msg m;
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), 0);
  assert_int_equal(m.minor, 0);
  assert_int_equal(m.flags, PINHOLE_GIOP_MSG_LITTLE | PINHOLE_GIOP_MSG_REPLY |
                                PINHOLE_GIOP_MSG_BODY);
  assert_int_equal(m.status, PINHOLE_GIOP_NO_EXCEPTION);
  /* 12 + count 4 + id 4 + len 4 + "abc" 3 + pad 1 + request 4 + status 4 */
  assert_int_equal(m.body_off, 36);
  assert_int_equal(m.size, n - 12);
  /* the size is little-endian in the header */
  assert_int_equal(c.b[8], (uint8_t)(n - 12));
  assert_int_equal(c.b[11], 0);
}

static void test_giop_frame_locate_reply_and_empty(void **state) {
  (void)state;
  cdr c;
  /* LocateReply 1.2 OBJECT_FORWARD: the body follows at once (20) */
  mk_header(&c, 0, 2, 4);
  c_u32(&c, 99);
  c_u32(&c, 2);
  mk_ior(&c, &naming_be, 1);
  size_t n = mk_done(&c);
  pinhole_giop_msg m;
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), 0);
  assert_int_equal(m.type, PINHOLE_GIOP_LOCATE_REPLY);
  assert_int_equal(m.request_id, 99);
  assert_int_equal(m.status, PINHOLE_GIOP_OBJECT_FORWARD);
  assert_int_equal(m.flags, PINHOLE_GIOP_MSG_REPLY | PINHOLE_GIOP_MSG_BODY |
                                PINHOLE_GIOP_MSG_FORWARD);
  assert_int_equal(m.body_off, 20);
  pinhole_iiop_ior ior;
  assert_int_equal(pinhole_iiop_ior_parse(c.b, n, m.body_off, 0, &ior), 0);
  assert_int_equal(ior.profile[0].port, 2809);
  /* a 1.2 Reply with no body has no padding and no body */
  mk_header(&c, 1, 2, 1);
  c_u32(&c, 8);
  c_u32(&c, 0);
  c_u32(&c, 0);
  n = mk_done(&c);
  assert_int_equal(n, 24);
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), 0);
  assert_int_equal(m.flags, PINHOLE_GIOP_MSG_LITTLE | PINHOLE_GIOP_MSG_REPLY);
  assert_int_equal(m.body_off, 0);
  /* one whose message ends with the body's alignment (4 bytes of padding
   * to 8, then nothing) has no body either (fuzz_alg_iiop found it named
   * a body at its end) */
  mk_header(&c, 1, 2, 1);
  c_u32(&c, 8);
  c_u32(&c, 0);
  c_u32(&c, 1); /* one service context of 4 octets: ends at 36 */
  c_u32(&c, 5);
  c_u32(&c, 4);
  c_u32(&c, 0x01020304);
  c_pad(&c, 8);
  n = mk_done(&c);
  assert_int_equal(n, 40);
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), 0);
  assert_int_equal(m.flags, PINHOLE_GIOP_MSG_LITTLE | PINHOLE_GIOP_MSG_REPLY);
  assert_int_equal(m.body_off, 0);
  /* a Request is framed, not read */
  mk_header(&c, 0, 1, 0);
  c_u32(&c, 0);
  n = mk_done(&c);
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), 0);
  assert_int_equal(m.type, PINHOLE_GIOP_REQUEST);
  assert_int_equal(m.flags, 0);
  /* a fragment header bit (1.1+) */
  c.b[6] = 2;
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), 0);
  assert_int_equal(m.flags, PINHOLE_GIOP_MSG_FRAGMENTS);
}

static void test_giop_frame_bad_header(void **state) {
  (void)state;
  cdr c;
  size_t n = mk_reply(&c, 0, 2, 3, &naming_be, 1, 0);
  static const struct {
    size_t off;
    uint8_t val;
  } t[] = {
      {0, 'g'}, {1, 'X'},  {2, 'o'}, {3, 'p'}, /* magic */
      {4, 2},   {4, 0},                        /* major */
      {5, 4},                                  /* minor 1.4 */
      {6, 4},   {6, 0x81},                     /* flag bits */
      {7, 8},   {7, 0xff},                     /* type */
  };
  pinhole_giop_msg m;
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    uint8_t b[256];
    memcpy(b, c.b, n);
    b[t[i].off] = t[i].val;
    for (size_t k = 0; k <= t[i].off; k++)
      assert_int_equal(pinhole_giop_frame(b, k, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(pinhole_giop_frame(b, t[i].off + 1, &m),
                     PINHOLE_ERR_PARSE);
    assert_int_equal(pinhole_giop_frame(b, n, &m), PINHOLE_ERR_PARSE);
  }
  /* GIOP 1.0: byte order must be 0 or 1, and no Fragment */
  uint8_t b[16] = {'G', 'I', 'O', 'P', 1, 0, 2, 1};
  assert_int_equal(pinhole_giop_frame(b, 8, &m), PINHOLE_ERR_PARSE);
  b[6] = 0;
  b[7] = 7;
  assert_int_equal(pinhole_giop_frame(b, 8, &m), PINHOLE_ERR_PARSE);
  b[5] = 1;
  assert_int_equal(pinhole_giop_frame(b, 8, &m), PINHOLE_ERR_PARTIAL);
  assert_int_equal(pinhole_giop_frame(NULL, 1, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_giop_frame(b, 1, NULL), PINHOLE_ERR_INVALID_ARG);
}

static void test_giop_frame_bad_reply_header(void **state) {
  (void)state;
  cdr c;
  pinhole_giop_msg m;
  /* reply status out of range, per version */
  size_t n = mk_reply(&c, 0, 1, 4, &naming_be, 1, 0);
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), PINHOLE_ERR_PARSE);
  n = mk_reply(&c, 0, 2, 4, &naming_be, 1, 0);
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), 0);
  assert_int_equal(m.flags & PINHOLE_GIOP_MSG_FORWARD,
                   PINHOLE_GIOP_MSG_FORWARD);
  n = mk_reply(&c, 0, 2, 6, &naming_be, 1, 0);
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), PINHOLE_ERR_PARSE);
  /* a service context count or length past the message */
  n = mk_reply(&c, 0, 0, 0, &naming_be, 1, 0);
  c.b[12] = 0x7f;
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), PINHOLE_ERR_PARSE);
  n = mk_reply(&c, 0, 0, 0, &naming_be, 1, 0);
  c.b[20] = 0x01; /* context data length 0x01000003 */
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), PINHOLE_ERR_PARSE);
  /* a message too short for its reply header */
  mk_header(&c, 0, 2, 1);
  c_u32(&c, 1);
  n = mk_done(&c);
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), PINHOLE_ERR_PARSE);
  /* 1.2 with bytes after the header (ending at 35) but fewer than the
   * padding to 40 */
  mk_header(&c, 0, 2, 1);
  c_u32(&c, 1);
  c_u32(&c, 0);
  c_u32(&c, 1);
  c_u32(&c, 5);
  c_seq(&c, "abc", 3);
  c_u8(&c, 0);
  c_u8(&c, 0);
  n = mk_done(&c);
  assert_int_equal(n, 37);
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), PINHOLE_ERR_PARSE);
  /* LocateReply 1.0 status 3 is not defined */
  mk_header(&c, 0, 0, 4);
  c_u32(&c, 1);
  c_u32(&c, 3);
  n = mk_done(&c);
  assert_int_equal(pinhole_giop_frame(c.b, n, &m), PINHOLE_ERR_PARSE);
}

/* ---- IORs --------------------------------------------------------------- */

static void test_iiop_ior_be(void **state) {
  (void)state;
  cdr c;
  size_t n = mk_reply(&c, 0, 2, 3, &naming_be, 1, 0);
  pinhole_iiop_ior ior;
  assert_int_equal(pinhole_iiop_ior_parse(c.b, n, 24, 0, &ior), 0);
  assert_int_equal(ior.off, 24);
  assert_int_equal(ior.len, n - 24);
  assert_int_equal(ior.type_id_off, 28);
  assert_int_equal(ior.type_id_len, sizeof(type_id) - 1);
  assert_memory_equal(c.b + ior.type_id_off, type_id, sizeof(type_id));
  assert_int_equal(ior.nprofiles, 1);
  const pinhole_iiop_profile *p = &ior.profile[0];
  /* type_id: 28 + 42 chars + NUL = 71; count at 72; tag at 76 */
  assert_int_equal(p->off, 76);
  assert_int_equal(p->tag, 0);
  assert_int_equal(p->data_off, 84);
  assert_int_equal(p->flags,
                   PINHOLE_IIOP_PROFILE_IIOP | PINHOLE_IIOP_PROFILE_HOST_IPV4);
  assert_int_equal(p->major, 1);
  assert_int_equal(p->minor, 2);
  /* encapsulation: bo, 1, 2, pad, host length at +4, chars at +8 */
  assert_int_equal(p->host_off, 92);
  assert_int_equal(p->host_len, 10);
  assert_memory_equal(c.b + p->host_off, "198.18.0.5", 10);
  assert_int_equal(p->addr, 0xC6120005);
  /* host ends at +19 (NUL at +18); port at +20 */
  assert_int_equal(p->port_off, 104);
  assert_int_equal(c.b[104], 0x0a);
  assert_int_equal(c.b[105], 0xf9);
  assert_int_equal(p->port, 2809);
  assert_int_equal(p->nalternates, 0);
}

static void test_iiop_ior_le_mixed_orders(void **state) {
  (void)state;
  /* a little-endian message carrying a big-endian profile and a
   * little-endian one with an alternate address, then a foreign tag */
  prof ps[3] = {{0, 0, 1, "db.example", 900, 0},
                {0, 1, 2, "198.18.0.7", 40000, 1},
                {1, 1, 0, NULL, 0, 0}};
  cdr c;
  size_t n = mk_reply(&c, 1, 0, 0, ps, 3, 0);
  pinhole_iiop_ior ior;
  assert_int_equal(pinhole_iiop_ior_parse(c.b, n, 36, 1, &ior), 0);
  assert_int_equal(ior.nprofiles, 3);
  assert_int_equal(ior.profile[0].flags, PINHOLE_IIOP_PROFILE_IIOP);
  assert_int_equal(ior.profile[0].port, 900);
  assert_int_equal(c.b[ior.profile[0].port_off], 0x03); /* big-endian */
  assert_int_equal(ior.profile[0].minor, 1);
  assert_int_equal(ior.profile[1].flags, PINHOLE_IIOP_PROFILE_IIOP |
                                             PINHOLE_IIOP_PROFILE_LITTLE |
                                             PINHOLE_IIOP_PROFILE_HOST_IPV4 |
                                             PINHOLE_IIOP_PROFILE_ALTERNATE);
  assert_int_equal(ior.profile[1].nalternates, 1);
  assert_int_equal(ior.profile[1].port, 40000);
  assert_int_equal(c.b[ior.profile[1].port_off], 0x40); /* little-endian */
  assert_int_equal(ior.profile[1].addr, 0xC6120007);
  assert_int_equal(ior.profile[2].tag, 1);
  assert_int_equal(ior.profile[2].flags, 0);
  assert_int_equal(ior.profile[2].data_len, 8);
  /* read as big-endian, the same bytes are nonsense */
  assert_int_not_equal(pinhole_iiop_ior_parse(c.b, n, 36, 0, &ior), 0);
}

static void test_iiop_port_in_place(void **state) {
  (void)state;
  for (int little = 0; little <= 1; little++) {
    cdr c;
    size_t n =
        mk_reply(&c, little, 2, 3, little ? &naming_le : &naming_be, 1, 0);
    pinhole_iiop_ior ior;
    assert_int_equal(pinhole_iiop_ior_parse(c.b, n, 24, little, &ior), 0);
    size_t at = ior.profile[0].port_off;
    /* 2809 -> 61001 (0xee49), written in the profile's byte order */
    c.b[at + (little ? 0 : 1)] = 0x49;
    c.b[at + (little ? 1 : 0)] = 0xee;
    assert_int_equal(pinhole_iiop_ior_parse(c.b, n, 24, little, &ior), 0);
    assert_int_equal(ior.profile[0].port, 61001);
  }
}

static void test_iiop_ior_null_reference(void **state) {
  (void)state;
  cdr c;
  mk_header(&c, 0, 2, 1);
  c_u32(&c, 1);
  c_u32(&c, 0);
  c_u32(&c, 0);
  c_pad(&c, 8);
  c_str(&c, "");
  c_u32(&c, 0);
  size_t n = mk_done(&c);
  pinhole_iiop_ior ior;
  assert_int_equal(pinhole_iiop_ior_parse(c.b, n, 24, 0, &ior), 0);
  assert_int_equal(ior.nprofiles, 0);
  assert_int_equal(ior.type_id_len, 0);
  assert_int_equal(ior.len, 12);
}

static void test_iiop_ior_truncated_everywhere(void **state) {
  (void)state;
  prof ps[2] = {{0, 1, 2, "198.18.0.5", 2809, 1}, {0, 0, 0, "h", 1, 0}};
  cdr c;
  size_t n = mk_reply(&c, 0, 2, 3, ps, 2, 0);
  pinhole_iiop_ior ior;
  assert_int_equal(pinhole_iiop_ior_parse(c.b, n, 24, 0, &ior), 0);
  for (size_t k = 24; k < n; k++)
    assert_int_equal(pinhole_iiop_ior_parse(c.b, k, 24, 0, &ior),
                     PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_iiop_ior_parse(c.b, 10, 24, 0, &ior),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_iiop_ior_parse(NULL, 10, 0, 0, &ior),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_iiop_ior_parse(c.b, n, 24, 0, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_iiop_ior_hostile(void **state) {
  (void)state;
  cdr c;
  size_t n = mk_reply(&c, 0, 2, 3, &naming_be, 1, 0);
  pinhole_iiop_ior ior;
  static const struct {
    size_t off;
    uint8_t val;
    int rc;
  } t[] = {
      {24, 0xff, PINHOLE_ERR_PARSE},  /* type_id length past the end */
      {27, 0, PINHOLE_ERR_PARSE},     /* type_id length 0 */
      {27, 42, PINHOLE_ERR_PARSE},    /* no NUL where the length ends */
      {30, 0x07, PINHOLE_ERR_PARSE},  /* a control byte in type_id */
      {72, 0xff, PINHOLE_ERR_PARSE},  /* profile count past the end */
      {75, 7, PINHOLE_ERR_PARSE},     /* 7 profiles: the 2nd is missing */
      {75, 9, PINHOLE_ERR_RANGE},     /* 9 profiles: over the limit */
      {80, 0x40, PINHOLE_ERR_PARSE},  /* profile length past the end */
      {84, 2, PINHOLE_ERR_PARSE},     /* byte order octet 2 */
      {85, 2, PINHOLE_ERR_PARSE},     /* IIOP 2.x */
      {86, 4, PINHOLE_ERR_PARSE},     /* IIOP 1.4 */
      {91, 0x7f, PINHOLE_ERR_PARSE},  /* host length past the profile */
      {91, 10, PINHOLE_ERR_PARSE},    /* host without its NUL */
      {93, 0xc9, PINHOLE_ERR_PARSE},  /* a non-ASCII byte in the host */
      {111, 0x70, PINHOLE_ERR_PARSE}, /* object key past the profile */
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    uint8_t b[512];
    memcpy(b, c.b, n);
    b[t[i].off] = t[i].val;
    assert_int_equal(pinhole_iiop_ior_parse(b, n, 24, 0, &ior), t[i].rc);
  }
  /* a huge component count */
  uint8_t b[512];
  memcpy(b, c.b, n);
  pinhole_iiop_ior ok;
  assert_int_equal(pinhole_iiop_ior_parse(b, n, 24, 0, &ok), 0);
  size_t comp = ok.profile[0].port_off + 2 + 2 + 4 + sizeof(object_key);
  comp = (comp + 3) & ~(size_t)3; /* the count, aligned in the encap (84) */
  assert_int_equal(b[comp + 3], 2);
  b[comp] = 0xff;
  assert_int_equal(pinhole_iiop_ior_parse(b, n, 24, 0, &ior),
                   PINHOLE_ERR_PARSE);
}

static void test_iiop_ior_limits(void **state) {
  (void)state;
  cdr c;
  /* 8 profiles parse; 9 are out of range */
  prof ps[9];
  for (size_t i = 0; i < 9; i++)
    ps[i] = naming_be;
  for (size_t count = 8; count <= 9; count++) {
    size_t n = mk_reply(&c, 0, 2, 3, ps, count, 0);
    pinhole_iiop_ior ior;
    assert_int_equal(pinhole_iiop_ior_parse(c.b, n, 24, 0, &ior),
                     count == 8 ? 0 : PINHOLE_ERR_RANGE);
  }
  /* a 255-byte host parses, 256 is out of range */
  char host[300];
  for (size_t hl = 255; hl <= 256; hl++) {
    memset(host, 'h', hl);
    host[hl] = 0;
    prof p = {0, 0, 2, host, 1, 0};
    size_t n = mk_reply(&c, 0, 2, 3, &p, 1, 0);
    pinhole_iiop_ior ior;
    assert_int_equal(pinhole_iiop_ior_parse(c.b, n, 24, 0, &ior),
                     hl == 255 ? 0 : PINHOLE_ERR_RANGE);
  }
}

/* ---- rewriting ---------------------------------------------------------- */

static void rw_host_port(pinhole_iiop_rewrite *rw, size_t i, uint32_t addr,
                         uint16_t port) {
  rw->profile[i].flags = PINHOLE_IIOP_REWRITE_HOST | PINHOLE_IIOP_REWRITE_PORT;
  rw->profile[i].addr = addr;
  rw->profile[i].port = port;
}

static void test_iiop_rewrite_same_length(void **state) {
  (void)state;
  /* static NAT 198.18.0.5 -> 198.19.0.5, port kept: bytes change in the
   * host only, big- and little-endian */
  for (int little = 0; little <= 1; little++) {
    prof p = little ? naming_le : naming_be;
    cdr in, want;
    size_t n = mk_reply(&in, little, 2, 3, &p, 1, 1);
    p.host = "198.19.0.5";
    size_t wn = mk_reply(&want, little, 2, 3, &p, 1, 1);
    assert_int_equal(n, wn);
    pinhole_iiop_rewrite rw;
    memset(&rw, 0, sizeof(rw));
    rw_host_port(&rw, 0, 0xC6130005, 2809);
    uint8_t out[512];
    int r = pinhole_iiop_ior_rewrite(in.b, n, 24, &rw, out, sizeof(out));
    assert_int_equal(r, wn);
    assert_memory_equal(out, want.b, wn);
  }
}

static void test_iiop_rewrite_grows_at_end(void **state) {
  (void)state;
  /* a 1.0 reply; two profiles, the first one's host grows by 4 and its
   * port changes; the second one follows, re-aligned */
  for (int little = 0; little <= 1; little++) {
    prof ps[2] = {{0, little, 2, "198.18.0.5", 2809, 1},
                  {0, !little, 0, "198.18.0.9", 900, 0}};
    cdr in, want;
    size_t n = mk_reply(&in, little, 0, 0, ps, 2, 0);
    ps[0].host = "198.19.100.205";
    ps[0].port = 61000;
    size_t wn = mk_reply(&want, little, 0, 0, ps, 2, 0);
    assert_int_equal(wn, n + 4);
    pinhole_iiop_rewrite rw;
    memset(&rw, 0, sizeof(rw));
    rw_host_port(&rw, 0, 0xC61364CD, 61000);
    uint8_t out[512];
    int r = pinhole_iiop_ior_rewrite(in.b, n, 36, &rw, out, sizeof(out));
    assert_int_equal(r, wn);
    assert_memory_equal(out, want.b, wn);
    /* and the result reads back */
    pinhole_giop_msg m;
    assert_int_equal(pinhole_giop_frame(out, (size_t)r, &m), 0);
    assert_int_equal(m.total_len, wn);
    pinhole_iiop_ior ior;
    assert_int_equal(pinhole_iiop_ior_parse(out, wn, 36, little, &ior), 0);
    assert_int_equal(ior.profile[0].addr, 0xC61364CD);
    assert_int_equal(ior.profile[0].port, 61000);
    assert_int_equal(ior.profile[0].nalternates, 1);
    assert_int_equal(ior.profile[1].addr, 0xC6120009);
    /* NOBUF is exact */
    assert_int_equal(
        pinhole_iiop_ior_rewrite(in.b, n, 36, &rw, out, (size_t)r - 1),
        PINHOLE_ERR_NOBUF);
  }
}

static void test_iiop_rewrite_shrinks_second_profile(void **state) {
  (void)state;
  /* the second of two profiles: only it changes; a name becomes shorter */
  prof ps[2] = {{0, 0, 1, "198.18.0.8", 700, 0},
                {0, 1, 2, "orb-server.example", 2809, 0}};
  cdr in, want;
  size_t n = mk_reply(&in, 0, 2, 3, ps, 2, 0);
  ps[1].host = "198.19.0.2";
  size_t wn = mk_reply(&want, 0, 2, 3, ps, 2, 0);
  pinhole_iiop_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.profile[1].flags = PINHOLE_IIOP_REWRITE_HOST;
  rw.profile[1].addr = 0xC6130002;
  rw.profile[1].port = 1; /* not selected */
  uint8_t out[512];
  int r = pinhole_iiop_ior_rewrite(in.b, n, 24, &rw, out, sizeof(out));
  assert_int_equal(r, wn);
  assert_true(wn < n);
  assert_memory_equal(out, want.b, wn);
}

static void test_iiop_rewrite_alignment_rule(void **state) {
  (void)state;
  /* data after the IOR: "db" -> "198.19.0.100" grows the IOR by 8 and is
   * allowed; "db" -> "1.2.3.4" grows it by 4 and is refused */
  prof p = {0, 0, 2, "db", 2809, 0};
  cdr in, want;
  size_t n = mk_reply(&in, 0, 2, 0, &p, 1, 1);
  p.host = "198.19.0.100";
  size_t wn = mk_reply(&want, 0, 2, 0, &p, 1, 1);
  assert_int_equal(wn, n + 8);
  pinhole_iiop_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw_host_port(&rw, 0, 0xC6130064, 2809);
  uint8_t out[512];
  assert_int_equal(pinhole_iiop_ior_rewrite(in.b, n, 24, &rw, out, sizeof(out)),
                   wn);
  assert_memory_equal(out, want.b, wn);
  rw.profile[0].addr = 0x01020304;
  memset(out, 0x5a, sizeof(out));
  assert_int_equal(pinhole_iiop_ior_rewrite(in.b, n, 24, &rw, out, sizeof(out)),
                   PINHOLE_ERR_UNSUPPORTED);
  /* out is untouched on error */
  for (size_t i = 0; i < sizeof(out); i++)
    assert_int_equal(out[i], 0x5a);
  /* without the trailing data the same change is fine */
  p.host = "db";
  n = mk_reply(&in, 0, 2, 0, &p, 1, 0);
  p.host = "1.2.3.4";
  wn = mk_reply(&want, 0, 2, 0, &p, 1, 0);
  assert_int_equal(wn, n + 4);
  assert_int_equal(pinhole_iiop_ior_rewrite(in.b, n, 24, &rw, out, sizeof(out)),
                   wn);
  assert_memory_equal(out, want.b, wn);
}

static void test_iiop_rewrite_refusals(void **state) {
  (void)state;
  cdr c;
  size_t n = mk_reply(&c, 0, 2, 3, &naming_be, 1, 0);
  pinhole_iiop_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw_host_port(&rw, 0, 0xC6130005, 1);
  uint8_t out[512];
  assert_int_equal(pinhole_iiop_ior_rewrite(c.b, n - 1, 24, &rw, out, 512),
                   PINHOLE_ERR_PARTIAL);
  assert_int_equal(pinhole_iiop_ior_rewrite(c.b, n + 1, 24, &rw, out, 512),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_iiop_ior_rewrite(c.b, n, 28, &rw, out, 512),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_iiop_ior_rewrite(c.b, n, 24, NULL, out, 512),
                   PINHOLE_ERR_INVALID_ARG);
  c.b[6] |= 2; /* more fragments follow */
  assert_int_equal(pinhole_iiop_ior_rewrite(c.b, n, 24, &rw, out, 512),
                   PINHOLE_ERR_UNSUPPORTED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_giop_frame_reply_12_forward),
      cmocka_unit_test(test_giop_frame_reply_10_le),
      cmocka_unit_test(test_giop_frame_locate_reply_and_empty),
      cmocka_unit_test(test_giop_frame_bad_header),
      cmocka_unit_test(test_giop_frame_bad_reply_header),
      cmocka_unit_test(test_iiop_ior_be),
      cmocka_unit_test(test_iiop_ior_le_mixed_orders),
      cmocka_unit_test(test_iiop_port_in_place),
      cmocka_unit_test(test_iiop_ior_null_reference),
      cmocka_unit_test(test_iiop_ior_truncated_everywhere),
      cmocka_unit_test(test_iiop_ior_hostile),
      cmocka_unit_test(test_iiop_ior_limits),
      cmocka_unit_test(test_iiop_rewrite_same_length),
      cmocka_unit_test(test_iiop_rewrite_grows_at_end),
      cmocka_unit_test(test_iiop_rewrite_shrinks_second_profile),
      cmocka_unit_test(test_iiop_rewrite_alignment_rule),
      cmocka_unit_test(test_iiop_rewrite_refusals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

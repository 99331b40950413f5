/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: MMS TcpMessageHeader framing and the LinkViewerToMac-
 * ConnectFunnel funnel name ([MS-MMSP] 2.2.3, 2.2.4, 2.2.4.18).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/mms.h>

static void le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

/* A packet builder: header, then messages appended. */
typedef struct pkt {
  uint8_t b[1024];
  size_t n;
  int libmms_chunks; /* chunkCount = messageLength / 8 instead of total/8 */
} pkt;

static void p_init(pkt *p, uint16_t seq) {
  memset(p, 0, sizeof(*p));
  static const uint8_t h[16] = {1, 0, 0, 0, 0xce, 0xfa, 0x0b, 0xb0,
                                0, 0, 0, 0, 0x4d, 0x4d, 0x53, 0x20};
  memcpy(p->b, h, 16);
  p->b[20] = (uint8_t)seq;
  p->b[21] = (uint8_t)(seq >> 8);
  p->b[24] = 0x9a; /* timeSent: anything */
  p->n = 32;
}

static size_t p_done(pkt *p) {
  le32(p->b + 8, (uint32_t)(p->n - 16));
  le32(p->b + 16, (uint32_t)(p->libmms_chunks ? (p->n - 16) / 8 : p->n / 8));
  return p->n;
}

/* A message: MID, fixed 32-bit fields, then UTF-16LE text (with its NUL
 * when nul), padded to 8. Returns its offset. */
static size_t p_msg(pkt *p, uint32_t mid, const uint32_t *fields,
                    size_t nfields, const char *text, int nul) {
  size_t at = p->n;
  size_t body = 8 + 4 * nfields + 2 * strlen(text) + (nul ? 2 : 0);
  size_t len = (body + 7) / 8 * 8;
  memset(p->b + at, 0, len);
  le32(p->b + at, (uint32_t)(len / 8));
  le32(p->b + at + 4, mid);
  for (size_t i = 0; i < nfields; i++)
    le32(p->b + at + 8 + 4 * i, fields[i]);
  for (size_t i = 0; text[i]; i++)
    p->b[at + 8 + 4 * nfields + 2 * i] = (uint8_t)text[i];
  p->n += len;
  return at;
}

static const uint32_t funnel_fields[5] = {0, 0xffffffff, 0, 0x00989680, 2};

static size_t p_funnel(pkt *p, const char *name, int nul) {
  return p_msg(p, PINHOLE_MMS_MID_CONNECT_FUNNEL, funnel_fields, 5, name, nul);
}

/* LinkViewerToMacConnect (0x00030001) with a subscriber name. */
static void p_connect(pkt *p) {
  static const uint32_t f[3] = {0xf0f0f0ef, 0x0004000b, 0x0003001c};
  p_msg(p, 0x00030001, f, 3,
        "NSPlayer/7.0.0.1956; {3300AD50-2C39-46c0-AE0A-60AA39CA5E32}; "
        "Host: 198.19.0.40",
        1);
}

static void test_mms_frame(void **state) {
  (void)state;
  pkt p;
  p_init(&p, 3);
  p_funnel(&p, "\\\\198.18.0.2\\UDP\\1037", 1);
  size_t n = p_done(&p);
  assert_int_equal(n, 32 + 72);
  pinhole_mms_pkt m;
  assert_int_equal(pinhole_mms_frame(p.b, n, &m), 0);
  assert_int_equal(m.message_len, 88);
  assert_int_equal(m.chunk_count, 13);
  assert_int_equal(m.seq, 3);
  assert_int_equal(m.total_len, 104);
  for (size_t k = 0; k < n; k++) {
    assert_int_equal(pinhole_mms_frame(p.b, k, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(m.total_len, k >= 32 ? 104 : 0);
  }
  /* a next packet after it is not its business */
  p.b[n] = 0xee;
  assert_int_equal(pinhole_mms_frame(p.b, n + 1, &m), 0);
  assert_int_equal(m.total_len, 104);
}

static void test_mms_frame_bad_header(void **state) {
  (void)state;
  pkt p;
  p_init(&p, 0);
  p_funnel(&p, "\\\\198.18.0.2\\UDP\\1037", 1);
  size_t n = p_done(&p);
  static const size_t offs[] = {0, 1, 2, 4, 5, 6, 7, 12, 13, 14, 15, 22, 23};
  pinhole_mms_pkt m;
  for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
    uint8_t b[128];
    memcpy(b, p.b, n);
    b[offs[i]] ^= 0x10;
    for (size_t k = 0; k <= offs[i]; k++)
      assert_int_equal(pinhole_mms_frame(b, k, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(pinhole_mms_frame(b, offs[i] + 1, &m), PINHOLE_ERR_PARSE);
    assert_int_equal(m.total_len, 0);
  }
  /* the padding byte, chunkCount, seq and timeSent are not checked */
  static const size_t free_offs[] = {3, 16, 20, 21, 24, 31};
  for (size_t i = 0; i < sizeof(free_offs) / sizeof(free_offs[0]); i++) {
    uint8_t b[128];
    memcpy(b, p.b, n);
    b[free_offs[i]] ^= 0x55;
    assert_int_equal(pinhole_mms_frame(b, n, &m), 0);
  }
  /* messageLength below 16 or not a multiple of 8, seen at 12 bytes */
  static const uint32_t bad[] = {0, 8, 15, 17, 92, 0xffffffff};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    uint8_t b[128];
    memcpy(b, p.b, n);
    le32(b + 8, bad[i]);
    assert_int_equal(pinhole_mms_frame(b, 11, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(pinhole_mms_frame(b, 12, &m), PINHOLE_ERR_PARSE);
  }
  /* a length that lies: claims more than is held */
  le32(p.b + 8, 88 + 8);
  assert_int_equal(pinhole_mms_frame(p.b, n, &m), PINHOLE_ERR_PARTIAL);
  assert_int_equal(m.total_len, 112);
  assert_int_equal(pinhole_mms_frame(NULL, 1, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_mms_frame(p.b, 1, NULL), PINHOLE_ERR_INVALID_ARG);
}

static void test_mms_funnel_parse(void **state) {
  (void)state;
  pkt p;
  p_init(&p, 1);
  p_connect(&p);
  size_t at = p_funnel(&p, "\\\\198.18.0.2\\UDP\\1037", 1);
  size_t n = p_done(&p);
  pinhole_mms_funnel f;
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n, &f), 0);
  assert_int_equal(f.flags,
                   PINHOLE_MMS_FUNNEL_UDP | PINHOLE_MMS_FUNNEL_TERMINATED);
  assert_int_equal(f.addr, 0xC6120002);
  assert_int_equal(f.port, 1037);
  assert_int_equal(f.msg_off, at);
  assert_int_equal(f.msg_len, 72);
  assert_int_equal(f.name_off, at + 28);
  assert_int_equal(f.name_len, 42);
  assert_int_equal(f.addr_off, at + 28 + 4);
  assert_int_equal(f.addr_len, 20);
  assert_int_equal(f.port_off, at + 28 + 34);
  assert_int_equal(f.port_len, 8);
  assert_int_equal(p.b[f.port_off], '1');
  assert_int_equal(p.b[f.port_off + 1], 0);
}

static void test_mms_funnel_variants(void **state) {
  (void)state;
  pinhole_mms_funnel f;
  pkt p;
  /* TCP, lower case, and a name that fills the message (no NUL) */
  p_init(&p, 0);
  p_funnel(&p, "\\\\198.18.0.20\\tcp\\1755", 0);
  size_t n = p_done(&p);
  assert_int_equal(n, 32 + 72);
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n, &f), 0);
  assert_int_equal(f.flags, 0);
  assert_int_equal(f.addr, 0xC6120014);
  assert_int_equal(f.port, 1755);
  assert_int_equal(f.name_len, 44);
  /* no funnel message at all */
  p_init(&p, 0);
  p_connect(&p);
  n = p_done(&p);
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n, &f), PINHOLE_ERR_NOMATCH);
}

static void test_mms_funnel_bad_names(void **state) {
  (void)state;
  static const struct {
    const char *name;
    int rc;
  } t[] = {
      {"\\198.18.0.2\\UDP\\1037", PINHOLE_ERR_PARSE},
      {"\\\\\\UDP\\1037", PINHOLE_ERR_PARSE},
      {"\\\\198.18.0.2\\SCTP\\1037", PINHOLE_ERR_PARSE},
      {"\\\\198.18.0.2\\UDP\\", PINHOLE_ERR_PARSE},
      {"\\\\198.18.0.2\\UDP\\1037x", PINHOLE_ERR_PARSE},
      {"\\\\198.18.0.2\\UDP\\123456", PINHOLE_ERR_PARSE},
      {"\\\\198.18.0.2\\UDP\\-1", PINHOLE_ERR_PARSE},
      {"\\\\198.18.0.2\\UDP", PINHOLE_ERR_PARSE},
      {"\\\\media-pc\\UDP\\1037", PINHOLE_ERR_PARSE},
      {"\\\\198.18.0.02\\UDP\\1037", PINHOLE_ERR_PARSE},
      {"\\\\198.18.0.2\\UDP\\0", PINHOLE_ERR_RANGE},
      {"\\\\198.18.0.2\\UDP\\65536", PINHOLE_ERR_RANGE},
      {"\\\\2001:db8::2\\UDP\\1037", PINHOLE_ERR_UNSUPPORTED},
      {"", PINHOLE_ERR_PARSE},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    pkt p;
    p_init(&p, 0);
    p_funnel(&p, t[i].name, 1);
    size_t n = p_done(&p);
    pinhole_mms_funnel f;
    memset(&f, 0xa5, sizeof(f));
    assert_int_equal(pinhole_mms_funnel_parse(p.b, n, &f), t[i].rc);
    assert_int_equal(f.msg_len, 0);
  }
  /* a character above 0x7f, and a name of 65 characters */
  pkt p;
  p_init(&p, 0);
  size_t at = p_funnel(&p, "\\\\198.18.0.2\\UDP\\1037", 1);
  size_t n = p_done(&p);
  p.b[at + 28 + 2 * 5 + 1] = 0x01; /* U+0138 in the address */
  pinhole_mms_funnel f;
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n, &f), PINHOLE_ERR_PARSE);
  char longname[80];
  memset(longname, '1', 65);
  memcpy(longname, "\\\\1.2.3.4\\UDP\\", 14);
  longname[65] = 0;
  p_init(&p, 0);
  p_funnel(&p, longname, 1);
  n = p_done(&p);
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n, &f), PINHOLE_ERR_PARSE);
}

static void test_mms_funnel_bad_tiling(void **state) {
  (void)state;
  pinhole_mms_funnel f;
  pkt p;
  p_init(&p, 0);
  p_connect(&p);
  size_t at = p_funnel(&p, "\\\\198.18.0.2\\UDP\\1037", 1);
  size_t n = p_done(&p);
  uint8_t b[512];
  /* chunkLen 0, and one past the end */
  memcpy(b, p.b, n);
  le32(b + at, 0);
  assert_int_equal(pinhole_mms_funnel_parse(b, n, &f), PINHOLE_ERR_PARSE);
  memcpy(b, p.b, n);
  le32(b + at, 10);
  assert_int_equal(pinhole_mms_funnel_parse(b, n, &f), PINHOLE_ERR_PARSE);
  memcpy(b, p.b, n);
  le32(b + 32, 0xffffffff);
  assert_int_equal(pinhole_mms_funnel_parse(b, n, &f), PINHOLE_ERR_PARSE);
  /* the packet with bytes after it, or cut */
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n + 8, &f), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n - 8, &f),
                   PINHOLE_ERR_PARTIAL);
  /* two funnel messages */
  p_init(&p, 0);
  p_funnel(&p, "\\\\198.18.0.2\\UDP\\1037", 1);
  p_funnel(&p, "\\\\198.18.0.2\\UDP\\1038", 1);
  n = p_done(&p);
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n, &f), PINHOLE_ERR_PARSE);
  /* a funnel message too short for its fixed fields */
  p_init(&p, 0);
  static const uint32_t three[3] = {0, 0xffffffff, 0};
  p_msg(&p, PINHOLE_MMS_MID_CONNECT_FUNNEL, three, 3, "", 0);
  n = p_done(&p);
  assert_int_equal(n, 32 + 24);
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n, &f), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_mms_funnel_parse(p.b, n, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_mms_funnel_rewrite_grows(void **state) {
  (void)state;
  /* inside 198.18.0.2:1037 becomes public 198.19.0.200:61000; the
   * message grows by 8, and so do messageLength and chunkCount (by 1) */
  for (int libmms = 0; libmms <= 1; libmms++) {
    pkt in, want;
    p_init(&in, 5);
    in.libmms_chunks = libmms;
    p_connect(&in);
    p_funnel(&in, "\\\\198.18.0.2\\UDP\\1037", 1);
    size_t n = p_done(&in);
    p_init(&want, 5);
    want.libmms_chunks = libmms;
    p_connect(&want);
    p_funnel(&want, "\\\\198.19.0.200\\UDP\\61000", 1);
    size_t wn = p_done(&want);
    assert_int_equal(wn, n + 8);
    uint8_t out[512];
    int r = pinhole_mms_funnel_rewrite(in.b, n, 0xC61300C8, 61000, out,
                                       sizeof(out));
    assert_int_equal(r, wn);
    assert_memory_equal(out, want.b, wn);
    assert_int_equal(get_le32(out + 8), get_le32(in.b + 8) + 8);
    assert_int_equal(get_le32(out + 16), get_le32(in.b + 16) + 1);
    pinhole_mms_funnel f;
    assert_int_equal(pinhole_mms_funnel_parse(out, (size_t)r, &f), 0);
    assert_int_equal(f.addr, 0xC61300C8);
    assert_int_equal(f.port, 61000);
    assert_int_equal(get_le32(out + f.msg_off), 10);
  }
}

static void test_mms_funnel_rewrite_shrinks_keeps_case(void **state) {
  (void)state;
  /* no NUL, "tcp" kept as sent; 22 characters become 16 */
  pkt in, want;
  p_init(&in, 0);
  p_funnel(&in, "\\\\198.18.0.20\\tcp\\1755", 0);
  size_t n = p_done(&in);
  p_init(&want, 0);
  p_funnel(&want, "\\\\1.1.1.9\\tcp\\80", 0);
  size_t wn = p_done(&want);
  assert_int_equal(wn, n - 8);
  uint8_t out[512];
  memset(out, 0x5a, sizeof(out));
  /* NOBUF is exact and leaves out untouched */
  assert_int_equal(
      pinhole_mms_funnel_rewrite(in.b, n, 0x01010109, 80, out, wn - 1),
      PINHOLE_ERR_NOBUF);
  for (size_t i = 0; i < sizeof(out); i++)
    assert_int_equal(out[i], 0x5a);
  int r = pinhole_mms_funnel_rewrite(in.b, n, 0x01010109, 80, out, wn);
  assert_int_equal(r, wn);
  assert_memory_equal(out, want.b, wn);
  /* chunkCount is kept as sent plus the change, and may not wrap */
  p_init(&in, 0);
  p_funnel(&in, "\\\\198.18.0.2\\UDP\\1037", 1);
  n = p_done(&in);
  le32(in.b + 16, 0xffffffff);
  assert_int_equal(
      pinhole_mms_funnel_rewrite(in.b, n, 0xC61300C8, 61000, out, 512),
      PINHOLE_ERR_RANGE);
  assert_int_equal(
      pinhole_mms_funnel_rewrite(in.b, n, 0x01010109, 80, out, 512),
      (int)n - 8);
  assert_int_equal(get_le32(out + 16), 0xfffffffe);
  /* refusals */
  assert_int_equal(pinhole_mms_funnel_rewrite(in.b, n, 1, 0, out, 512),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_mms_funnel_rewrite(in.b, n, 1, 1, NULL, 512),
                   PINHOLE_ERR_INVALID_ARG);
  p_init(&in, 0);
  p_connect(&in);
  n = p_done(&in);
  assert_int_equal(pinhole_mms_funnel_rewrite(in.b, n, 1, 1, out, 512),
                   PINHOLE_ERR_NOMATCH);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mms_frame),
      cmocka_unit_test(test_mms_frame_bad_header),
      cmocka_unit_test(test_mms_funnel_parse),
      cmocka_unit_test(test_mms_funnel_variants),
      cmocka_unit_test(test_mms_funnel_bad_names),
      cmocka_unit_test(test_mms_funnel_bad_tiling),
      cmocka_unit_test(test_mms_funnel_rewrite_grows),
      cmocka_unit_test(test_mms_funnel_rewrite_shrinks_keeps_case),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

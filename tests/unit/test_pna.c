/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: the RealAudio client's PNA hello (include/pinhole/pna.h,
 * docs/realaudio.md): the ports' values and offsets, every prefix a
 * PARTIAL, and hostile hellos (wrong magic, versions, port fields of the
 * wrong length or twice, lengths that run past the longest hello, field
 * lists without an end).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/pna.h>

/* A hello builder. */
typedef struct hello {
  uint8_t b[1024];
  size_t n;
} hello;

static void h_init(hello *h, uint16_t version) {
  memset(h, 0, sizeof(*h));
  memcpy(h->b, "PNA", 3);
  h->b[3] = (uint8_t)(version >> 8);
  h->b[4] = (uint8_t)version;
  h->n = 5;
}

/* Appends a field; returns the offset of its value. */
static size_t h_field(hello *h, uint16_t tag, const void *v, uint16_t len) {
  uint8_t *p = h->b + h->n;
  p[0] = (uint8_t)(tag >> 8);
  p[1] = (uint8_t)tag;
  p[2] = (uint8_t)(len >> 8);
  p[3] = (uint8_t)len;
  if (len)
    memcpy(p + 4, v, len);
  h->n += 4 + (size_t)len;
  return h->n - len;
}

static size_t h_port(hello *h, uint16_t tag, uint16_t port) {
  uint8_t v[2] = {(uint8_t)(port >> 8), (uint8_t)port};
  return h_field(h, tag, v, 2);
}

static size_t h_end(hello *h) {
  h->b[h->n++] = 0;
  h->b[h->n++] = 0;
  return h->n;
}

/* The shape the public descriptions give: a few option fields, the data
 * port, the robust port, the end tag. */
static size_t h_typical(hello *h, size_t *udp_off, size_t *rob_off) {
  h_init(h, 10);
  h_field(h, 0x0002, "\x00\x00\x3a\x98", 4); /* bandwidth-like option */
  *udp_off = h_port(h, PINHOLE_PNA_TAG_UDP_PORT, 7000);
  h_field(h, 0x0017, "RealPlayer/5.0", 14);
  *rob_off = h_port(h, PINHOLE_PNA_TAG_ROBUST_PORT, 0x1b5a);
  return h_end(h);
}

static void test_pna_typical(void **state) {
  (void)state;
  hello h;
  size_t uo, ro;
  size_t n = h_typical(&h, &uo, &ro);
  assert_int_equal(n, 5 + 8 + 6 + 18 + 6 + 2);
  assert_int_equal(uo, 17);
  assert_int_equal(ro, 41);
  pinhole_pna_hello r;
  assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r), 0);
  assert_int_equal(r.version, 10);
  assert_int_equal(r.udp_port, 7000);
  assert_int_equal(r.udp_port_off, 17);
  assert_int_equal(r.robust_port, 0x1b5a);
  assert_int_equal(r.robust_port_off, 41);
  assert_int_equal(r.nfields, 4);
  assert_int_equal(r.total_len, n);
  /* bytes after the end tag are not looked at */
  memcpy(h.b + n, "\xff\xff\xff", 3);
  assert_int_equal(pinhole_pna_hello_parse(h.b, n + 3, &r), 0);
  assert_int_equal(r.total_len, n);
}

/* Every prefix of an accepted hello is PARTIAL (the prefix test agrees
 * with the parser), with the output zeroed. */
static void test_pna_every_prefix_partial(void **state) {
  (void)state;
  hello h;
  size_t uo, ro;
  size_t n = h_typical(&h, &uo, &ro);
  for (size_t k = 0; k < n; k++) {
    pinhole_pna_hello r;
    memset(&r, 0x5a, sizeof(r));
    assert_int_equal(pinhole_pna_hello_parse(h.b, k, &r), PINHOLE_ERR_PARTIAL);
    assert_int_equal(r.total_len, 0);
    assert_int_equal(r.udp_port_off, 0);
  }
  assert_int_equal(pinhole_pna_hello_parse(NULL, 0, &(pinhole_pna_hello){0}),
                   PINHOLE_ERR_PARTIAL);
}

static void test_pna_minimal_and_no_ports(void **state) {
  (void)state;
  hello h;
  h_init(&h, 0);
  size_t n = h_end(&h);
  pinhole_pna_hello r;
  assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r), 0);
  assert_int_equal(r.total_len, 7);
  assert_int_equal(r.nfields, 0);
  assert_int_equal(r.udp_port_off, 0);
  assert_int_equal(r.robust_port_off, 0);
  /* a port field holding 0 (none): reported with its offset */
  h_init(&h, 255);
  size_t ro = h_port(&h, PINHOLE_PNA_TAG_ROBUST_PORT, 0);
  n = h_end(&h);
  assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r), 0);
  assert_int_equal(r.version, 255);
  assert_int_equal(r.robust_port, 0);
  assert_int_equal(r.robust_port_off, ro);
  assert_int_equal(r.udp_port_off, 0);
}

static void test_pna_not_pna(void **state) {
  (void)state;
  pinhole_pna_hello r;
  static const char *const not [] = {"X", "PX", "PNX", "pna\0\x0a\0\0",
                                     "OPTIONS rtsp://x RTSP/1.0\r\n"};
  for (size_t i = 0; i < sizeof(not ) / sizeof(not [0]); i++) {
    size_t len = strlen(not [i]);
    if (i == 3)
      len = 7;
    assert_int_equal(pinhole_pna_hello_parse((const uint8_t *)not [i], len, &r),
                     PINHOLE_ERR_NOMATCH);
  }
  assert_int_equal(pinhole_pna_hello_parse((const uint8_t *)"PN", 2, &r),
                   PINHOLE_ERR_PARTIAL);
}

static void test_pna_version(void **state) {
  (void)state;
  hello h;
  h_init(&h, 256);
  size_t n = h_end(&h);
  pinhole_pna_hello r;
  /* known as soon as the version's high byte is held */
  assert_int_equal(pinhole_pna_hello_parse(h.b, 4, &r),
                   PINHOLE_ERR_UNSUPPORTED);
  assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r),
                   PINHOLE_ERR_UNSUPPORTED);
  h_init(&h, 0xff00);
  n = h_end(&h);
  assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r),
                   PINHOLE_ERR_UNSUPPORTED);
  assert_int_equal(r.total_len, 0);
}

static void test_pna_port_field_length(void **state) {
  (void)state;
  static const uint16_t tags[2] = {PINHOLE_PNA_TAG_UDP_PORT,
                                   PINHOLE_PNA_TAG_ROBUST_PORT};
  for (int t = 0; t < 2; t++) {
    for (uint16_t len = 0; len < 6; len++) {
      if (len == 2)
        continue;
      hello h;
      h_init(&h, 10);
      h_field(&h, tags[t], "\x1b\x58\x00\x00\x00", len);
      size_t n = h_end(&h);
      pinhole_pna_hello r;
      assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r), PINHOLE_ERR_PARSE);
      /* known from the length field on */
      assert_int_equal(pinhole_pna_hello_parse(h.b, 9, &r), PINHOLE_ERR_PARSE);
      assert_int_equal(pinhole_pna_hello_parse(h.b, 8, &r),
                       PINHOLE_ERR_PARTIAL);
    }
  }
}

static void test_pna_port_twice(void **state) {
  (void)state;
  hello h;
  h_init(&h, 10);
  h_port(&h, PINHOLE_PNA_TAG_UDP_PORT, 7000);
  h_port(&h, PINHOLE_PNA_TAG_ROBUST_PORT, 7001);
  h_port(&h, PINHOLE_PNA_TAG_UDP_PORT, 7002);
  size_t n = h_end(&h);
  pinhole_pna_hello r;
  assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r), PINHOLE_ERR_PARSE);
  h_init(&h, 10);
  h_port(&h, PINHOLE_PNA_TAG_ROBUST_PORT, 7001);
  h_port(&h, PINHOLE_PNA_TAG_ROBUST_PORT, 7001);
  n = h_end(&h);
  assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r), PINHOLE_ERR_PARSE);
}

/* A length that runs past the longest hello is PARSE as soon as it is
 * read; one that only runs past the bytes held is PARTIAL. */
static void test_pna_lengths_that_lie(void **state) {
  (void)state;
  hello h;
  h_init(&h, 10);
  h.b[5] = 0x00;
  h.b[6] = 0x02;
  h.b[7] = 0xff; /* 65535 bytes of value */
  h.b[8] = 0xff;
  pinhole_pna_hello r;
  assert_int_equal(pinhole_pna_hello_parse(h.b, 9, &r), PINHOLE_ERR_PARSE);
  /* exactly up to the limit, then no room for the end tag */
  uint16_t most = (uint16_t)(PINHOLE_PNA_MAX_HELLO - 9);
  h.b[7] = (uint8_t)(most >> 8);
  h.b[8] = (uint8_t)most;
  assert_int_equal(pinhole_pna_hello_parse(h.b, 9, &r), PINHOLE_ERR_PARTIAL);
  assert_int_equal(pinhole_pna_hello_parse(h.b, PINHOLE_PNA_MAX_HELLO, &r),
                   PINHOLE_ERR_PARSE);
  /* two bytes less: the end tag fits exactly */
  most = (uint16_t)(most - 2);
  h.b[7] = (uint8_t)(most >> 8);
  h.b[8] = (uint8_t)most;
  memset(h.b + 9, 0x41, most);
  h.b[PINHOLE_PNA_MAX_HELLO - 2] = 0;
  h.b[PINHOLE_PNA_MAX_HELLO - 1] = 0;
  assert_int_equal(pinhole_pna_hello_parse(h.b, PINHOLE_PNA_MAX_HELLO, &r), 0);
  assert_int_equal(r.total_len, PINHOLE_PNA_MAX_HELLO);
}

/* Many empty fields: bounded by the longest hello, never a loop. */
static void test_pna_huge_field_count(void **state) {
  (void)state;
  hello h;
  h_init(&h, 10);
  while (h.n + 4 <= PINHOLE_PNA_MAX_HELLO - 2)
    h_field(&h, 0x0003, NULL, 0);
  size_t n = h_end(&h);
  assert_true(n <= PINHOLE_PNA_MAX_HELLO);
  pinhole_pna_hello r;
  assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r), 0);
  assert_int_equal(r.nfields, (PINHOLE_PNA_MAX_HELLO - 7) / 4);
  /* one more field and the end tag no longer fits */
  h.n -= 2;
  h_field(&h, 0x0003, NULL, 0);
  n = h_end(&h);
  assert_int_equal(pinhole_pna_hello_parse(h.b, n, &r), PINHOLE_ERR_PARSE);
  /* a list of empty fields never ended: PARSE once past the limit */
  memset(h.b + 5, 0, sizeof(h.b) - 5);
  for (size_t at = 5; at + 4 <= sizeof(h.b); at += 4)
    h.b[at + 1] = 3;
  assert_int_equal(pinhole_pna_hello_parse(h.b, sizeof(h.b), &r),
                   PINHOLE_ERR_PARSE);
}

/* Every one-byte change of the typical hello: a defined answer whose
 * offsets, when accepted, lie inside it and spell the values. */
static void test_pna_flips(void **state) {
  (void)state;
  hello h0;
  size_t uo, ro;
  size_t n = h_typical(&h0, &uo, &ro);
  for (size_t i = 0; i < n; i++) {
    for (int bit = 0; bit < 8; bit++) {
      hello h = h0;
      h.b[i] ^= (uint8_t)(1u << bit);
      pinhole_pna_hello r;
      int rc = pinhole_pna_hello_parse(h.b, n, &r);
      assert_true(rc == 0 || rc == PINHOLE_ERR_PARTIAL ||
                  rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_NOMATCH ||
                  rc == PINHOLE_ERR_UNSUPPORTED);
      if (rc != 0) {
        assert_int_equal(r.total_len, 0);
        continue;
      }
      assert_true(r.total_len >= 7 && r.total_len <= n);
      if (r.udp_port_off)
        assert_int_equal(r.udp_port,
                         h.b[r.udp_port_off] << 8 | h.b[r.udp_port_off + 1]);
      if (r.robust_port_off)
        assert_int_equal(r.robust_port, h.b[r.robust_port_off] << 8 |
                                            h.b[r.robust_port_off + 1]);
    }
  }
}

static void test_pna_bad_args(void **state) {
  (void)state;
  pinhole_pna_hello r;
  assert_int_equal(pinhole_pna_hello_parse(NULL, 3, &r),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_pna_hello_parse((const uint8_t *)"PNA", 3, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pna_typical),
      cmocka_unit_test(test_pna_every_prefix_partial),
      cmocka_unit_test(test_pna_minimal_and_no_ports),
      cmocka_unit_test(test_pna_not_pna),
      cmocka_unit_test(test_pna_version),
      cmocka_unit_test(test_pna_port_field_length),
      cmocka_unit_test(test_pna_port_twice),
      cmocka_unit_test(test_pna_lengths_that_lie),
      cmocka_unit_test(test_pna_huge_field_count),
      cmocka_unit_test(test_pna_flips),
      cmocka_unit_test(test_pna_bad_args),
  };
  return cmocka_run_group_tests_name("unit.pna", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: rsh/rexec standard-error port (rshd(8), rexecd(8), rcmd(3))
 * and the rlogin client's first message (RFC 1282).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/rsh.h>

#define U8(s) ((const uint8_t *)(s))
#define S(s) U8(s), (sizeof(s) - 1)

static void test_rsh_port_plain(void **state) {
  (void)state;
  /* rcmd(3) after binding its reserved stderr port 1021 */
  pinhole_rsh_port r;
  assert_int_equal(pinhole_rsh_port_parse(S("1021\0"), &r), 0);
  assert_int_equal(r.port, 1021);
  assert_int_equal(r.digits_len, 4);
  assert_int_equal(r.field_len, 5);
  assert_int_equal(pinhole_rsh_port_parse(S("65535\0"), &r), 0);
  assert_int_equal(r.port, 65535);
  assert_int_equal(r.field_len, 6);
  assert_int_equal(pinhole_rsh_port_parse(S("7\0"), &r), 0);
  assert_int_equal(r.port, 7);
  assert_int_equal(r.digits_len, 1);
}

static void test_rsh_port_none(void **state) {
  (void)state;
  pinhole_rsh_port r;
  /* "0" and the empty string BSD rcmd(3)/rexec(3) send both mean none */
  assert_int_equal(pinhole_rsh_port_parse(S("0\0"), &r), 0);
  assert_int_equal(r.port, 0);
  assert_int_equal(r.digits_len, 1);
  assert_int_equal(r.field_len, 2);
  assert_int_equal(pinhole_rsh_port_parse(S("\0alice\0alice\0id\0"), &r), 0);
  assert_int_equal(r.port, 0);
  assert_int_equal(r.digits_len, 0);
  assert_int_equal(r.field_len, 1);
  assert_int_equal(pinhole_rsh_port_parse(S("00000\0"), &r), 0);
  assert_int_equal(r.port, 0);
  assert_int_equal(r.digits_len, 5);
}

static void test_rsh_port_rest_ignored(void **state) {
  (void)state;
  pinhole_rsh_port r;
  /* leading zeros are read as rshd does; what follows is not looked at */
  assert_int_equal(pinhole_rsh_port_parse(S("00514\0\xff\x01garbage"), &r), 0);
  assert_int_equal(r.port, 514);
  assert_int_equal(r.digits_len, 5);
  assert_int_equal(r.field_len, 6);
}

static void test_rsh_port_partial_every_prefix(void **state) {
  (void)state;
  static const char f[] = "40123\0bob\0";
  pinhole_rsh_port r;
  for (size_t k = 0; k < 6; k++) {
    assert_int_equal(pinhole_rsh_port_parse(U8(f), k, &r), PINHOLE_ERR_PARTIAL);
    assert_int_equal(r.port, 0);
    assert_int_equal(r.field_len, 0);
  }
  for (size_t k = 6; k <= sizeof(f) - 1; k++) {
    assert_int_equal(pinhole_rsh_port_parse(U8(f), k, &r), 0);
    assert_int_equal(r.port, 40123);
  }
  assert_int_equal(pinhole_rsh_port_parse(NULL, 0, &r), PINHOLE_ERR_PARTIAL);
}

static void test_rsh_port_malformed(void **state) {
  (void)state;
  static const struct {
    const char *s;
    size_t len;
    int rc;
  } cases[] = {
      {"-1\0", 3, PINHOLE_ERR_PARSE},     {"+1\0", 3, PINHOLE_ERR_PARSE},
      {" 1\0", 3, PINHOLE_ERR_PARSE},     {"1 \0", 3, PINHOLE_ERR_PARSE},
      {"1\t", 2, PINHOLE_ERR_PARSE},      {"0x10\0", 5, PINHOLE_ERR_PARSE},
      {"1x", 2, PINHOLE_ERR_PARSE},       {"\xff", 1, PINHOLE_ERR_PARSE},
      {"\n", 1, PINHOLE_ERR_PARSE},       {"123456\0", 7, PINHOLE_ERR_PARSE},
      {"000001\0", 7, PINHOLE_ERR_PARSE}, {"999999", 6, PINHOLE_ERR_PARSE},
      {"99999x", 6, PINHOLE_ERR_PARSE},   {"65536\0", 6, PINHOLE_ERR_RANGE},
      {"99999\0", 6, PINHOLE_ERR_RANGE},  {"70000", 5, PINHOLE_ERR_RANGE},
      {"65535", 5, PINHOLE_ERR_PARTIAL},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    pinhole_rsh_port r;
    memset(&r, 0xa5, sizeof(r));
    assert_int_equal(pinhole_rsh_port_parse(U8(cases[i].s), cases[i].len, &r),
                     cases[i].rc);
    assert_int_equal(r.field_len, 0);
  }
  /* a long run of digits is refused at the sixth, whatever follows */
  uint8_t many[4096];
  memset(many, '1', sizeof(many));
  pinhole_rsh_port r;
  assert_int_equal(pinhole_rsh_port_parse(many, sizeof(many), &r),
                   PINHOLE_ERR_PARSE);
}

static void test_rsh_port_args(void **state) {
  (void)state;
  pinhole_rsh_port r;
  assert_int_equal(pinhole_rsh_port_parse(NULL, 1, &r),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rsh_port_parse(S("1\0"), NULL),
                   PINHOLE_ERR_INVALID_ARG);
  uint8_t out[8];
  assert_int_equal(pinhole_rsh_port_rewrite(S("1\0"), 2, NULL, 4),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rsh_port_rewrite(NULL, 2, 2, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_rsh_port_rewrite_grow(void **state) {
  (void)state;
  /* inside stderr port 1021 mapped to public 40123: the field grows */
  static const char in[] = "1021\0";
  uint8_t out[16];
  memset(out, 0xee, sizeof(out));
  int n = pinhole_rsh_port_rewrite(S(in), 40123, out, sizeof(out));
  assert_int_equal(n, 6);
  assert_memory_equal(out, "40123\0", 6);
  assert_int_equal(out[6], 0xee);
}

static void test_rsh_port_rewrite_shrink_keeps_rest(void **state) {
  (void)state;
  /* the whole first segment of rexec: port, user, password, command */
  static const char in[] = "51234\0carol\0s3cret\0uptime\0";
  static const char want[] = "1022\0carol\0s3cret\0uptime\0";
  uint8_t out[64];
  int n = pinhole_rsh_port_rewrite(S(in), 1022, out, sizeof(out));
  assert_int_equal(n, sizeof(want) - 1);
  assert_memory_equal(out, want, sizeof(want) - 1);
  /* the field alone, as the glue splices it */
  pinhole_rsh_port r;
  assert_int_equal(pinhole_rsh_port_parse(S(in), &r), 0);
  n = pinhole_rsh_port_rewrite(U8(in), r.field_len, 6001, out, sizeof(out));
  assert_int_equal(n, 5);
  assert_memory_equal(out, "6001\0", 5);
  /* and the result parses to the new port */
  assert_int_equal(pinhole_rsh_port_parse(out, (size_t)n, &r), 0);
  assert_int_equal(r.port, 6001);
}

static void test_rsh_port_rewrite_zero_and_leading_zeros(void **state) {
  (void)state;
  uint8_t out[16];
  /* "00514" is written back without leading zeros */
  assert_int_equal(pinhole_rsh_port_rewrite(S("00514\0"), 514, out, 16), 4);
  assert_memory_equal(out, "514\0", 4);
  assert_int_equal(pinhole_rsh_port_rewrite(S("\0"), 0, out, 16), 2);
  assert_memory_equal(out, "0\0", 2);
  assert_int_equal(pinhole_rsh_port_rewrite(S("9\0"), 65535, out, 16), 6);
  assert_memory_equal(out, "65535\0", 6);
}

static void test_rsh_port_rewrite_nobuf_exact(void **state) {
  (void)state;
  static const char in[] = "1021\0bob\0";
  uint8_t out[32];
  /* "40123\0bob\0" is 10 bytes: 9 is too few, 10 is enough */
  memset(out, 0x5a, sizeof(out));
  assert_int_equal(pinhole_rsh_port_rewrite(S(in), 40123, out, 9),
                   PINHOLE_ERR_NOBUF);
  for (size_t i = 0; i < sizeof(out); i++)
    assert_int_equal(out[i], 0x5a);
  assert_int_equal(pinhole_rsh_port_rewrite(S(in), 40123, out, 10), 10);
  assert_memory_equal(out, "40123\0bob\0", 10);
  assert_int_equal(pinhole_rsh_port_rewrite(S(in), 40123, NULL, 0),
                   PINHOLE_ERR_NOBUF);
}

static void test_rsh_port_rewrite_refuses_bad_input(void **state) {
  (void)state;
  uint8_t out[16];
  memset(out, 0x5a, sizeof(out));
  assert_int_equal(pinhole_rsh_port_rewrite(S("1021"), 2000, out, 16),
                   PINHOLE_ERR_PARTIAL);
  assert_int_equal(pinhole_rsh_port_rewrite(S("65536\0"), 2000, out, 16),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(pinhole_rsh_port_rewrite(S("1 021\0"), 2000, out, 16),
                   PINHOLE_ERR_PARSE);
  for (size_t i = 0; i < sizeof(out); i++)
    assert_int_equal(out[i], 0x5a);
}

/* ---- rlogin ----------------------------------------------------------- */

static void test_rlogin_hello(void **state) {
  (void)state;
  static const char in[] = "\0dave\0root\0xterm-256color/38400\0\x1b[A";
  pinhole_rlogin_hello h;
  assert_int_equal(pinhole_rlogin_parse(S(in), &h), 0);
  assert_int_equal(h.client_user_off, 1);
  assert_int_equal(h.client_user_len, 4);
  assert_int_equal(h.server_user_off, 6);
  assert_int_equal(h.server_user_len, 4);
  assert_int_equal(h.terminal_off, 11);
  assert_int_equal(h.terminal_len, 20);
  assert_memory_equal(in + h.terminal_off, "xterm-256color/38400", 20);
  assert_int_equal(h.total_len, 32);
}

static void test_rlogin_empty_strings(void **state) {
  (void)state;
  pinhole_rlogin_hello h;
  assert_int_equal(pinhole_rlogin_parse(S("\0\0\0\0"), &h), 0);
  assert_int_equal(h.client_user_off, 1);
  assert_int_equal(h.server_user_off, 2);
  assert_int_equal(h.terminal_off, 3);
  assert_int_equal(h.terminal_len, 0);
  assert_int_equal(h.total_len, 4);
}

static void test_rlogin_partial_every_prefix(void **state) {
  (void)state;
  static const char in[] = "\0erin\0erin\0vt100/9600\0";
  pinhole_rlogin_hello h;
  for (size_t k = 0; k < sizeof(in) - 1; k++) {
    assert_int_equal(pinhole_rlogin_parse(U8(in), k, &h), PINHOLE_ERR_PARTIAL);
    assert_int_equal(h.total_len, 0);
  }
  assert_int_equal(pinhole_rlogin_parse(S(in), &h), 0);
  assert_int_equal(h.total_len, sizeof(in) - 1);
}

static void test_rlogin_malformed(void **state) {
  (void)state;
  pinhole_rlogin_hello h;
  assert_int_equal(pinhole_rlogin_parse(S("frank\0frank\0vt100/9600\0"), &h),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rlogin_parse(S("1021\0"), &h), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rlogin_parse(S("\0fr\nank\0"), &h),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rlogin_parse(S("\0a\0b\x7f\0c\0"), &h),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rlogin_parse(S("\0a\0b\0c\x01"), &h),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rlogin_parse(NULL, 3, &h), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rlogin_parse(S("\0"), NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_rlogin_field_bound(void **state) {
  (void)state;
  uint8_t in[600];
  pinhole_rlogin_hello h;
  /* 255 bytes: fine; the 256th byte without a NUL is refused at once */
  in[0] = 0;
  memset(in + 1, 'u', 255);
  in[256] = 0;
  memcpy(in + 257, "u\0vt100/9600\0", 13);
  assert_int_equal(pinhole_rlogin_parse(in, 270, &h), 0);
  assert_int_equal(h.client_user_len, 255);
  assert_int_equal(h.total_len, 270);
  assert_int_equal(pinhole_rlogin_parse(in, 256, &h), PINHOLE_ERR_PARTIAL);
  in[256] = 'u';
  assert_int_equal(pinhole_rlogin_parse(in, 257, &h), PINHOLE_ERR_PARSE);
  /* the same for the terminal field */
  memcpy(in, "\0a\0b\0", 5);
  memset(in + 5, 't', 256);
  assert_int_equal(pinhole_rlogin_parse(in, 260, &h), PINHOLE_ERR_PARTIAL);
  assert_int_equal(pinhole_rlogin_parse(in, 261, &h), PINHOLE_ERR_PARSE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rsh_port_plain),
      cmocka_unit_test(test_rsh_port_none),
      cmocka_unit_test(test_rsh_port_rest_ignored),
      cmocka_unit_test(test_rsh_port_partial_every_prefix),
      cmocka_unit_test(test_rsh_port_malformed),
      cmocka_unit_test(test_rsh_port_args),
      cmocka_unit_test(test_rsh_port_rewrite_grow),
      cmocka_unit_test(test_rsh_port_rewrite_shrink_keeps_rest),
      cmocka_unit_test(test_rsh_port_rewrite_zero_and_leading_zeros),
      cmocka_unit_test(test_rsh_port_rewrite_nobuf_exact),
      cmocka_unit_test(test_rsh_port_rewrite_refuses_bad_input),
      cmocka_unit_test(test_rlogin_hello),
      cmocka_unit_test(test_rlogin_empty_strings),
      cmocka_unit_test(test_rlogin_partial_every_prefix),
      cmocka_unit_test(test_rlogin_malformed),
      cmocka_unit_test(test_rlogin_field_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for lib/core/error.c: pinhole_strerror, pinhole_err_is_fatal,
 * pinhole_version.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/pinhole.h>

/* Every defined code has its own message, none is the fallback text. */
static void test_error_strerror_each_code(void **state) {
  (void)state;
  static const struct {
    int err;
    const char *text;
  } cases[] = {
      {PINHOLE_OK, "success"},
      {PINHOLE_ERR_INVALID_ARG, "invalid argument"},
      {PINHOLE_ERR_NOMEM, "out of memory"},
      {PINHOLE_ERR_FULL, "table full"},
      {PINHOLE_ERR_NOT_FOUND, "not found"},
      {PINHOLE_ERR_EXISTS, "already exists"},
      {PINHOLE_ERR_NOBUF, "output buffer too small"},
      {PINHOLE_ERR_PARSE, "malformed input"},
      {PINHOLE_ERR_PARTIAL, "incomplete input"},
      {PINHOLE_ERR_UNSUPPORTED, "not supported"},
      {PINHOLE_ERR_RANGE, "number out of range"},
      {PINHOLE_ERR_STRUCT_SIZE, "unknown non-zero struct tail"},
      {PINHOLE_ERR_NOMATCH, "no match"},
      {PINHOLE_ERR_POLICY, "refused by policy"},
      {PINHOLE_ERR_ADDRESS,
       "address not usable (this network, loopback, multicast or reserved)"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    assert_string_equal(pinhole_strerror(cases[i].err), cases[i].text);
  }
}

/* The codes are stable ABI: pin their numeric values. */
static void test_error_codes_stable_values(void **state) {
  (void)state;
  assert_int_equal(PINHOLE_OK, 0);
  assert_int_equal(PINHOLE_ERR_INVALID_ARG, -1);
  assert_int_equal(PINHOLE_ERR_NOMEM, -2);
  assert_int_equal(PINHOLE_ERR_FULL, -3);
  assert_int_equal(PINHOLE_ERR_NOT_FOUND, -4);
  assert_int_equal(PINHOLE_ERR_EXISTS, -5);
  assert_int_equal(PINHOLE_ERR_NOBUF, -6);
  assert_int_equal(PINHOLE_ERR_PARSE, -7);
  assert_int_equal(PINHOLE_ERR_PARTIAL, -8);
  assert_int_equal(PINHOLE_ERR_UNSUPPORTED, -9);
  assert_int_equal(PINHOLE_ERR_RANGE, -10);
  assert_int_equal(PINHOLE_ERR_STRUCT_SIZE, -11);
  assert_int_equal(PINHOLE_ERR_NOMATCH, -12);
  assert_int_equal(PINHOLE_ERR_POLICY, -13);
  assert_int_equal(PINHOLE_ERR_ADDRESS, -14);
}

/* Values that are not codes, including the extremes, get the fallback. */
static void test_error_strerror_unknown(void **state) {
  (void)state;
  static const int bad[] = {1, 2, 100, -15, -100, INT32_MIN, INT32_MAX};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_string_equal(pinhole_strerror(bad[i]), "unknown error");
  }
}

/* Only NOMEM is fatal; success and every other code are not. */
static void test_error_is_fatal_only_nomem(void **state) {
  (void)state;
  assert_int_not_equal(pinhole_err_is_fatal(PINHOLE_ERR_NOMEM), 0);
  for (int err = 1; err >= -20; err--) {
    if (err == PINHOLE_ERR_NOMEM)
      continue;
    assert_int_equal(pinhole_err_is_fatal(err), 0);
  }
  assert_int_equal(pinhole_err_is_fatal(INT32_MIN), 0);
}

/* The runtime version equals the compile-time one and the numeric form. */
static void test_error_version_matches_header(void **state) {
  (void)state;
  const char *v = pinhole_version();
  assert_non_null(v);
  assert_string_equal(v, PINHOLE_VERSION_STRING);
  char expect[32];
  int n = snprintf(expect, sizeof(expect), "%d.%d.%d", PINHOLE_VERSION_MAJOR,
                   PINHOLE_VERSION_MINOR, PINHOLE_VERSION_PATCH);
  assert_true(n > 0 && (size_t)n < sizeof(expect));
  assert_string_equal(v, expect);
  assert_int_equal(PINHOLE_VERSION_NUM, (PINHOLE_VERSION_MAJOR << 16) |
                                            (PINHOLE_VERSION_MINOR << 8) |
                                            PINHOLE_VERSION_PATCH);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_error_strerror_each_code),
      cmocka_unit_test(test_error_codes_stable_values),
      cmocka_unit_test(test_error_strerror_unknown),
      cmocka_unit_test(test_error_is_fatal_only_nomem),
      cmocka_unit_test(test_error_version_matches_header),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: TFTP request parsing (RFC 1350 section 5, RFC 2347 options,
 * RFC 2348 blksize, RFC 2349 timeout/tsize, RFC 7440 windowsize).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/tftp.h>

#define U8(s) ((const uint8_t *)(s))
#define S(s) U8(s), (sizeof(s) - 1)

static void assert_span(const uint8_t *base, size_t off, size_t len,
                        const char *want) {
  assert_int_equal(len, strlen(want));
  assert_memory_equal(base + off, want, len);
}

static void test_tftp_rrq_plain(void **state) {
  (void)state;
  /* tftp-hpa "get pxelinux.0" in binary mode */
  static const char pkt[] = "\x00\x01pxelinux.0\0octet\0";
  pinhole_tftp_msg m;
  assert_int_equal(pinhole_tftp_parse(S(pkt), &m), 0);
  assert_int_equal(m.opcode, PINHOLE_TFTP_OPCODE_RRQ);
  assert_int_equal(m.mode, PINHOLE_TFTP_MODE_OCTET);
  assert_int_equal(m.filename_off, 2);
  assert_int_equal(m.filename_len, 10);
  assert_span(U8(pkt), m.filename_off, m.filename_len, "pxelinux.0");
  assert_int_equal(m.mode_off, 13);
  assert_int_equal(m.mode_len, 5);
  assert_int_equal(m.flags, 0);
  assert_int_equal(m.noptions, 0);
}

static void test_tftp_wrq_netascii(void **state) {
  (void)state;
  static const char pkt[] = "\x00\x02/srv/tftp/notes.txt\0NetASCII\0";
  pinhole_tftp_msg m;
  assert_int_equal(pinhole_tftp_parse(S(pkt), &m), 0);
  assert_int_equal(m.opcode, PINHOLE_TFTP_OPCODE_WRQ);
  assert_int_equal(m.mode, PINHOLE_TFTP_MODE_NETASCII);
  assert_span(U8(pkt), m.filename_off, m.filename_len, "/srv/tftp/notes.txt");
  assert_span(U8(pkt), m.mode_off, m.mode_len, "NetASCII");
  assert_int_equal(m.noptions, 0);
}

static void test_tftp_modes(void **state) {
  (void)state;
  pinhole_tftp_msg m;
  assert_int_equal(pinhole_tftp_parse(S("\x00\x01"
                                        "a\0OCTET\0"),
                                      &m),
                   0);
  assert_int_equal(m.mode, PINHOLE_TFTP_MODE_OCTET);
  assert_int_equal(pinhole_tftp_parse(S("\x00\x02"
                                        "a\0mail\0"),
                                      &m),
                   0);
  assert_int_equal(m.mode, PINHOLE_TFTP_MODE_MAIL);
  assert_int_equal(pinhole_tftp_parse(S("\x00\x01"
                                        "a\0netascii\0"),
                                      &m),
                   0);
  assert_int_equal(m.mode, PINHOLE_TFTP_MODE_NETASCII);
}

static void test_tftp_rrq_options(void **state) {
  (void)state;
  /* iPXE / U-Boot shape: blksize, tsize, windowsize, timeout */
  static const char pkt[] = "\x00\x01"
                            "boot/vmlinuz\0octet\0"
                            "blksize\0"
                            "1468\0"
                            "tsize\0"
                            "0\0"
                            "WindowSize\0"
                            "16\0"
                            "timeout\0"
                            "5\0";
  pinhole_tftp_msg m;
  assert_int_equal(pinhole_tftp_parse(S(pkt), &m), 0);
  assert_int_equal(m.opcode, PINHOLE_TFTP_OPCODE_RRQ);
  assert_int_equal(m.flags, PINHOLE_TFTP_OPT_BLKSIZE | PINHOLE_TFTP_OPT_TSIZE |
                                PINHOLE_TFTP_OPT_TIMEOUT |
                                PINHOLE_TFTP_OPT_WINDOWSIZE);
  assert_int_equal(m.blksize, 1468);
  assert_int_equal(m.tsize, 0);
  assert_int_equal(m.windowsize, 16);
  assert_int_equal(m.timeout, 5);
  assert_int_equal(m.noptions, 4);
  assert_int_equal(m.opt[0].name_off, 21);
  assert_int_equal(m.opt[0].name_len, 7);
  assert_int_equal(m.opt[0].value_off, 29);
  assert_int_equal(m.opt[0].value_len, 4);
  assert_span(U8(pkt), m.opt[2].name_off, m.opt[2].name_len, "WindowSize");
  assert_span(U8(pkt), m.opt[2].value_off, m.opt[2].value_len, "16");
  assert_span(U8(pkt), m.opt[3].value_off, m.opt[3].value_len, "5");
  assert_int_equal(m.opt[3].value_off + 2, sizeof(pkt) - 1);
}

static void test_tftp_wrq_tsize_and_unknown(void **state) {
  (void)state;
  /* RFC 2090 multicast carries an empty value; unknown options are kept */
  static const char pkt[] = "\x00\x02"
                            "fw.bin\0octet\0"
                            "tsize\0"
                            "18446744073709551615\0"
                            "multicast\0\0"
                            "x-vendor\0on\0";
  pinhole_tftp_msg m;
  assert_int_equal(pinhole_tftp_parse(S(pkt), &m), 0);
  assert_int_equal(m.opcode, PINHOLE_TFTP_OPCODE_WRQ);
  assert_int_equal(m.flags, PINHOLE_TFTP_OPT_TSIZE);
  assert_true(m.tsize == UINT64_MAX);
  assert_int_equal(m.noptions, 3);
  assert_span(U8(pkt), m.opt[1].name_off, m.opt[1].name_len, "multicast");
  assert_int_equal(m.opt[1].value_len, 0);
  assert_span(U8(pkt), m.opt[2].value_off, m.opt[2].value_len, "on");
}

static void test_tftp_option_ranges(void **state) {
  (void)state;
  pinhole_tftp_msg m;
  static const struct {
    const char *opt; /* "name\0value" */
    size_t optlen;
    int rc;
  } cases[] = {
      {"blksize\0008", 9, 0},
      {"blksize\00065464", 13, 0},
      {"blksize\0007", 9, PINHOLE_ERR_RANGE},
      {"blksize\00065465", 13, PINHOLE_ERR_RANGE},
      {"blksize\0001e3", 11, PINHOLE_ERR_PARSE},
      {"blksize\000", 8, PINHOLE_ERR_PARSE},
      {"blksize\000-512", 12, PINHOLE_ERR_PARSE},
      {"timeout\0001", 9, 0},
      {"timeout\000255", 11, 0},
      {"timeout\0000", 9, PINHOLE_ERR_RANGE},
      {"timeout\000256", 11, PINHOLE_ERR_RANGE},
      {"windowsize\0001", 12, 0},
      {"windowsize\00065535", 16, 0},
      {"windowsize\0000", 12, PINHOLE_ERR_RANGE},
      {"windowsize\00065536", 16, PINHOLE_ERR_RANGE},
      {"tsize\00018446744073709551616", 26, PINHOLE_ERR_RANGE},
      {"tsize\00099999999999999999999", 26, PINHOLE_ERR_RANGE},
      {"tsize\000 1", 8, PINHOLE_ERR_PARSE},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    uint8_t pkt[64] = {0, 1, 'f', 0, 'o', 'c', 't', 'e', 't', 0};
    memcpy(pkt + 10, cases[i].opt, cases[i].optlen);
    pkt[10 + cases[i].optlen] = 0;
    assert_int_equal(pinhole_tftp_parse(pkt, 11 + cases[i].optlen, &m),
                     cases[i].rc);
  }
}

static void test_tftp_not_a_request(void **state) {
  (void)state;
  pinhole_tftp_msg m;
  assert_int_equal(pinhole_tftp_parse(S("\x00\x03\x00\x01hello"), &m),
                   PINHOLE_ERR_NOMATCH);
  assert_int_equal(m.opcode, PINHOLE_TFTP_OPCODE_DATA);
  assert_int_equal(pinhole_tftp_parse(S("\x00\x04\x00\x01"), &m),
                   PINHOLE_ERR_NOMATCH);
  assert_int_equal(m.opcode, PINHOLE_TFTP_OPCODE_ACK);
  assert_int_equal(pinhole_tftp_parse(S("\x00\x05\x00\x01"
                                        "File not found\0"),
                                      &m),
                   PINHOLE_ERR_NOMATCH);
  assert_int_equal(m.opcode, PINHOLE_TFTP_OPCODE_ERROR);
  assert_int_equal(pinhole_tftp_parse(S("\x00\x06"
                                        "blksize\0"
                                        "1428\0"),
                                      &m),
                   PINHOLE_ERR_NOMATCH);
  assert_int_equal(m.opcode, PINHOLE_TFTP_OPCODE_OACK);
  /* an opcode alone is enough to know */
  assert_int_equal(pinhole_tftp_parse(S("\x00\x04"), &m), PINHOLE_ERR_NOMATCH);
  assert_int_equal(m.opcode, PINHOLE_TFTP_OPCODE_ACK);
}

static void test_tftp_bad_opcode_and_short(void **state) {
  (void)state;
  pinhole_tftp_msg m;
  assert_int_equal(pinhole_tftp_parse(S("\x00\x00"
                                        "a\0octet\0"),
                                      &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_tftp_parse(S("\x00\x07"
                                        "a\0octet\0"),
                                      &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_tftp_parse(S("\xff\xff"
                                        "a\0octet\0"),
                                      &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_tftp_parse(S("\x01\x01"
                                        "a\0octet\0"),
                                      &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_tftp_parse(S("\x00"), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_tftp_parse(U8(""), 0, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_tftp_parse(S("\x00\x01"), &m), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_tftp_parse(NULL, 2, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_tftp_parse(S("\x00\x01"), NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_tftp_missing_nul(void **state) {
  (void)state;
  pinhole_tftp_msg m;
  static const char *const cases[] = {"\x00\x01pxelinux.0",
                                      "\x00\x01pxelinux.0\0octet",
                                      "\x00\x01pxelinux.0\0octet\0blksize",
                                      ("\x00\x01pxelinux.0\0octet\0blksize\0"
                                       "1428")};
  static const size_t lens[] = {12, 18, 26, 31};
  for (size_t i = 0; i < 4; i++)
    assert_int_equal(pinhole_tftp_parse(U8(cases[i]), lens[i], &m),
                     PINHOLE_ERR_PARSE);
  /* and every strict prefix of a valid request is rejected */
  static const char pkt[] = "\x00\x01pxelinux.0\0octet\0blksize\0"
                            "1428\0";
  for (size_t k = 0; k < sizeof(pkt) - 1; k++) {
    int rc = pinhole_tftp_parse(U8(pkt), k, &m);
    /* prefixes ending right after the mode's NUL are complete requests */
    if (k == 19)
      assert_int_equal(rc, 0);
    else
      assert_int_equal(rc, PINHOLE_ERR_PARSE);
  }
  assert_int_equal(pinhole_tftp_parse(S(pkt), &m), 0);
}

static void test_tftp_filename_bounds(void **state) {
  (void)state;
  pinhole_tftp_msg m;
  uint8_t pkt[400];
  pkt[0] = 0;
  pkt[1] = 1;
  /* empty file name */
  memcpy(pkt + 2, "\0octet\0", 7);
  assert_int_equal(pinhole_tftp_parse(pkt, 9, &m), PINHOLE_ERR_PARSE);
  /* 255 bytes: accepted; 256 and 300: rejected */
  static const size_t lens[] = {255, 256, 300};
  static const int want[] = {0, PINHOLE_ERR_PARSE, PINHOLE_ERR_PARSE};
  for (size_t i = 0; i < 3; i++) {
    memset(pkt + 2, 'f', lens[i]);
    memcpy(pkt + 2 + lens[i], "\0octet\0", 7);
    assert_int_equal(pinhole_tftp_parse(pkt, lens[i] + 9, &m), want[i]);
  }
  assert_int_equal(pinhole_tftp_parse(pkt, 255 + 9, &m), PINHOLE_ERR_PARSE);
  memset(pkt + 2, 'g', 255);
  memcpy(pkt + 257, "\0octet\0", 7);
  assert_int_equal(pinhole_tftp_parse(pkt, 264, &m), 0);
  assert_int_equal(m.filename_len, 255);
}

static void test_tftp_bad_mode(void **state) {
  (void)state;
  pinhole_tftp_msg m;
  static const char *const modes[] = {"binary", "",          "octe",
                                      "octets", "net ascii", "ascii"};
  for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    uint8_t pkt[32] = {0, 1, 'f', 0};
    size_t n = strlen(modes[i]);
    memcpy(pkt + 4, modes[i], n);
    pkt[4 + n] = 0;
    assert_int_equal(pinhole_tftp_parse(pkt, 5 + n, &m), PINHOLE_ERR_PARSE);
  }
}

static void test_tftp_option_structure(void **state) {
  (void)state;
  pinhole_tftp_msg m;
  /* odd count: a name without a value */
  assert_int_equal(pinhole_tftp_parse(S("\x00\x01"
                                        "f\0octet\0blksize\0"
                                        "1428\0tsize\0"),
                                      &m),
                   PINHOLE_ERR_PARSE);
  /* empty option name */
  assert_int_equal(pinhole_tftp_parse(S("\x00\x01"
                                        "f\0octet\0\0"
                                        "1428\0"),
                                      &m),
                   PINHOLE_ERR_PARSE);
  /* a known option twice (case-insensitive) */
  assert_int_equal(pinhole_tftp_parse(S("\x00\x01"
                                        "f\0octet\0blksize\0"
                                        "512\0BLKSIZE\0"
                                        "1428\0"),
                                      &m),
                   PINHOLE_ERR_PARSE);
  /* an unknown option twice is kept twice */
  assert_int_equal(pinhole_tftp_parse(S("\x00\x01"
                                        "f\0octet\0x\0"
                                        "1\0x\0"
                                        "2\0"),
                                      &m),
                   0);
  assert_int_equal(m.noptions, 2);
}

static void test_tftp_option_count(void **state) {
  (void)state;
  pinhole_tftp_msg m;
  uint8_t pkt[256] = {0, 1, 'f', 0, 'o', 'c', 't', 'e', 't', 0};
  size_t n = 10;
  for (int i = 0; i < 17; i++) {
    pkt[n++] = 'o';
    pkt[n++] = (uint8_t)('a' + i);
    pkt[n++] = 0;
    pkt[n++] = 'v';
    pkt[n++] = 0;
    if (i == 15) {
      assert_int_equal(pinhole_tftp_parse(pkt, n, &m), 0);
      assert_int_equal(m.noptions, 16);
      assert_int_equal(m.opt[15].name_off, n - 5);
    }
  }
  assert_int_equal(pinhole_tftp_parse(pkt, n, &m), PINHOLE_ERR_RANGE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tftp_rrq_plain),
      cmocka_unit_test(test_tftp_wrq_netascii),
      cmocka_unit_test(test_tftp_modes),
      cmocka_unit_test(test_tftp_rrq_options),
      cmocka_unit_test(test_tftp_wrq_tsize_and_unknown),
      cmocka_unit_test(test_tftp_option_ranges),
      cmocka_unit_test(test_tftp_not_a_request),
      cmocka_unit_test(test_tftp_bad_opcode_and_short),
      cmocka_unit_test(test_tftp_missing_nul),
      cmocka_unit_test(test_tftp_filename_bounds),
      cmocka_unit_test(test_tftp_bad_mode),
      cmocka_unit_test(test_tftp_option_structure),
      cmocka_unit_test(test_tftp_option_count),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

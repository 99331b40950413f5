/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the FTP ALG parser and formatter (include/pinhole/ftp.h):
 * RFC 959 PORT and 227, RFC 2428 EPRT and 229, with hostile inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/ftp.h>

#define CLIENT 0
#define SERVER 1

/* Parses a NUL-terminated line. */
static int parse_s(const char *s, int from_server, pinhole_ftp_msg *m) {
  return pinhole_ftp_parse((const uint8_t *)s, strlen(s), from_server, m);
}

static int rc_of(const char *s, int from_server) {
  pinhole_ftp_msg m;
  return parse_s(s, from_server, &m);
}

/* The bytes of the line that the parser says carry the address. */
static void assert_arg(const char *line, const pinhole_ftp_msg *m,
                       const char *arg) {
  assert_int_equal(m->arg_len, strlen(arg));
  assert_true(m->arg_off + m->arg_len <= strlen(line));
  assert_memory_equal(line + m->arg_off, arg, m->arg_len);
}

struct rc_case {
  const char *line;
  int rc;
};

static void check_cases(const struct rc_case *c, size_t n, int from_server) {
  for (size_t i = 0; i < n; i++) {
    int rc = rc_of(c[i].line, from_server);
    if (rc != c[i].rc)
      fail_msg("line %zu \"%s\": got %d, want %d", i, c[i].line, rc, c[i].rc);
  }
}

static void test_ftp_line_len(void **state) {
  (void)state;
  assert_int_equal(pinhole_ftp_line_len((const uint8_t *)"USER a\r\nPASS", 12),
                   8);
  assert_int_equal(pinhole_ftp_line_len((const uint8_t *)"NOOP\nX", 6), 5);
  assert_int_equal(pinhole_ftp_line_len((const uint8_t *)"\n", 1), 1);
  assert_int_equal(pinhole_ftp_line_len((const uint8_t *)"USER a\r", 7), 0);
  /* The LF beyond len does not count. */
  assert_int_equal(pinhole_ftp_line_len((const uint8_t *)"ab\n", 2), 0);
  assert_int_equal(pinhole_ftp_line_len(NULL, 0), 0);
}

static void test_ftp_port_rfc959(void **state) {
  (void)state;
  pinhole_ftp_msg m;
  const char *l = "PORT 192,168,1,2,4,1\r\n";
  assert_int_equal(parse_s(l, CLIENT, &m), 0);
  assert_int_equal(m.kind, PINHOLE_FTP_PORT);
  assert_int_equal(m.family, 1);
  assert_int_equal(m.addr, 0xC0A80102u);
  assert_int_equal(m.port, 1025);
  assert_int_equal(m.delim, 0);
  assert_int_equal(m.pad_, 0);
  assert_int_equal(m.arg_off, 5);
  assert_int_equal(m.arg_len, 15);
  assert_arg(l, &m, "192,168,1,2,4,1");
}

static void test_ftp_port_variants(void **state) {
  (void)state;
  pinhole_ftp_msg m;
  /* Lowercase, bare LF. */
  assert_int_equal(parse_s("port 10,0,0,1,0,21\n", CLIENT, &m), 0);
  assert_int_equal(m.addr, 0x0A000001u);
  assert_int_equal(m.port, 21);
  assert_int_equal(m.arg_off, 5);
  assert_int_equal(m.arg_len, 13);
  /* Mixed case, tabs and spaces before the argument, trailing blanks. */
  const char *l = "Port \t 198,18,0,1,255,255 \t\r\n";
  assert_int_equal(parse_s(l, CLIENT, &m), 0);
  assert_int_equal(m.addr, 0xC6120001u);
  assert_int_equal(m.port, 65535);
  assert_int_equal(m.arg_off, 7);
  assert_arg(l, &m, "198,18,0,1,255,255");
  /* Leading zeros are decimal, not octal. */
  l = "PORT 010,000,000,001,000,021\r\n";
  assert_int_equal(parse_s(l, CLIENT, &m), 0);
  assert_int_equal(m.addr, 0x0A000001u);
  assert_int_equal(m.port, 21);
  assert_arg(l, &m, "010,000,000,001,000,021");
  /* Address 0.0.0.0 and port 1 parse; policy is the glue's job. */
  assert_int_equal(parse_s("PORT 0,0,0,0,0,1\r\n", CLIENT, &m), 0);
  assert_int_equal(m.addr, 0);
  assert_int_equal(m.port, 1);
  /* Only the first line of the buffer counts. */
  assert_int_equal(
      parse_s("PORT 1,2,3,4,5,6\r\nPORT 9,9,9,9,9,9\r\n", CLIENT, &m), 0);
  assert_int_equal(m.addr, 0x01020304u);
  assert_int_equal(m.port, 5 * 256 + 6);
}

static void test_ftp_port_hostile(void **state) {
  (void)state;
  static const struct rc_case c[] = {
      {"PORT 256,1,1,1,1,1\r\n", PINHOLE_ERR_RANGE},
      {"PORT 1,1,1,1000,1,1\r\n", PINHOLE_ERR_RANGE},
      {"PORT 1,1,1,1,256,0\r\n", PINHOLE_ERR_RANGE},
      {"PORT 1,1,1,1,0,256\r\n", PINHOLE_ERR_RANGE},
      {"PORT 1,1,1,1,0,0\r\n", PINHOLE_ERR_RANGE},
      {"PORT 4294967296,1,1,1,1,1\r\n", PINHOLE_ERR_RANGE},
      {"PORT 4294967297,1,1,1,1,1\r\n", PINHOLE_ERR_RANGE},
      {"PORT 1,1,1,1,1,99999999999999999999999999999999999\r\n",
       PINHOLE_ERR_RANGE},
      /* 2^32 + 1 would wrap to 1 in a 32-bit accumulator. */
      {"PORT 1,1,1,1,4294967296,4294967297\r\n", PINHOLE_ERR_RANGE},
      {"PORT 1,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT 1,1,1,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT 1,1,1,1,1,1,\r\n", PINHOLE_ERR_PARSE},
      {"PORT ,1,1,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT 1,,1,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT 1,1,1,1,1,\r\n", PINHOLE_ERR_PARSE},
      {"PORT 1, 1,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT 1 ,1,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT +1,1,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT -1,1,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT 0x1,1,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT 1.1.1.1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT a,b,c,d,e,f\r\n", PINHOLE_ERR_PARSE},
      {"PORT 1,1,1,1,1,1 x\r\n", PINHOLE_ERR_PARSE},
      {"PORT 1,1,1,1,1,1\r\r\n", PINHOLE_ERR_PARSE},
      {"PORT (1,1,1,1,1,1)\r\n", PINHOLE_ERR_PARSE},
      /* PARSE wins over RANGE. */
      {"PORT 300,1,1,1,1\r\n", PINHOLE_ERR_PARSE},
      {"PORT\r\n", PINHOLE_ERR_PARSE},
      {"PORT \r\n", PINHOLE_ERR_PARSE},
      {"PORT\n", PINHOLE_ERR_PARSE},
      {"PORTX 1,1,1,1,1,1\r\n", PINHOLE_ERR_NOMATCH},
      {"PORT,1,1,1,1,1,1\r\n", PINHOLE_ERR_NOMATCH},
      {" PORT 1,1,1,1,1,1\r\n", PINHOLE_ERR_NOMATCH},
      {"PORT\r1,1,1,1,1,1\r\n", PINHOLE_ERR_NOMATCH},
      {"POR 1,1,1,1,1,1\r\n", PINHOLE_ERR_NOMATCH},
      {"P0RT 1,1,1,1,1,1\r\n", PINHOLE_ERR_NOMATCH},
      {"PORT 1,1,1,1,1,1", PINHOLE_ERR_PARTIAL},
      {"PORT 1,1,1,1,1,1\r", PINHOLE_ERR_PARTIAL},
  };
  check_cases(c, sizeof(c) / sizeof(c[0]), CLIENT);
}

static void test_ftp_eprt_rfc2428(void **state) {
  (void)state;
  pinhole_ftp_msg m;
  const char *l = "EPRT |1|132.235.1.2|6275|\r\n";
  assert_int_equal(parse_s(l, CLIENT, &m), 0);
  assert_int_equal(m.kind, PINHOLE_FTP_EPRT);
  assert_int_equal(m.family, 1);
  assert_int_equal(m.addr, 0x84EB0102u);
  assert_int_equal(m.port, 6275);
  assert_int_equal(m.delim, '|');
  assert_int_equal(m.arg_off, 5);
  assert_int_equal(m.arg_len, 20);
  assert_arg(l, &m, "|1|132.235.1.2|6275|");
  /* Other delimiter, lowercase, tabs, bare LF, leading zeros in port. */
  l = "eprt\t!1!0.0.0.0!00021! \n";
  assert_int_equal(parse_s(l, CLIENT, &m), 0);
  assert_int_equal(m.addr, 0);
  assert_int_equal(m.port, 21);
  assert_int_equal(m.delim, '!');
  assert_arg(l, &m, "!1!0.0.0.0!00021!");
  l = "EPRT ~1~255.255.255.255~65535~\r\n";
  assert_int_equal(parse_s(l, CLIENT, &m), 0);
  assert_int_equal(m.addr, 0xFFFFFFFFu);
  assert_int_equal(m.port, 65535);
  assert_int_equal(m.delim, '~');
}

static void test_ftp_eprt_ipv6_unsupported(void **state) {
  (void)state;
  pinhole_ftp_msg m;
  const char *l = "EPRT |2|1080::8:800:200C:417A|5282|\r\n";
  memset(&m, 0xA5, sizeof(m));
  assert_int_equal(parse_s(l, CLIENT, &m), PINHOLE_ERR_UNSUPPORTED);
  assert_int_equal(m.kind, PINHOLE_FTP_EPRT);
  assert_int_equal(m.family, 2);
  assert_int_equal(m.addr, 0);
  assert_int_equal(m.port, 5282);
  assert_int_equal(m.delim, '|');
  assert_arg(l, &m, "|2|1080::8:800:200C:417A|5282|");
  assert_int_equal(rc_of("EPRT |2|::ffff:10.0.0.1|21|\r\n", CLIENT),
                   PINHOLE_ERR_UNSUPPORTED);
}

static void test_ftp_eprt_hostile(void **state) {
  (void)state;
  static const struct rc_case c[] = {
      {"EPRT |3|1.2.3.4|21|\r\n", PINHOLE_ERR_UNSUPPORTED},
      {"EPRT |01|1.2.3.4|21|\r\n", PINHOLE_ERR_UNSUPPORTED},
      {"EPRT |0|1.2.3.4|21|\r\n", PINHOLE_ERR_UNSUPPORTED},
      {"EPRT |3|1.2.3.4|0|\r\n", PINHOLE_ERR_RANGE},
      {"EPRT |3||21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |x|1.2.3.4|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT ||1.2.3.4|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |2|1080::g|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |2||21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |2|1::1|0|\r\n", PINHOLE_ERR_RANGE},
      /* Delimiters: digits, space, DEL, high bytes, mismatched. */
      {"EPRT 818101.2.3.4821\r\n", PINHOLE_ERR_PARSE},
      {"EPRT \x7f"
       "1\x7f"
       "1.2.3.4\x7f"
       "21\x7f\r\n",
       PINHOLE_ERR_PARSE},
      {"EPRT \xff"
       "1\xff"
       "1.2.3.4\xff"
       "21\xff\r\n",
       PINHOLE_ERR_PARSE},
      {"EPRT |1!1.2.3.4!21!\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.4!21!\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.4|21!\r\n", PINHOLE_ERR_PARSE},
      {"EPRT .1.1.2.3.4.21.\r\n", PINHOLE_ERR_PARSE},
      /* Fields. */
      {"EPRT |1|1.2.3.4|21\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.4||\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1||21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.4.5|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1..3.4|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1| 1.2.3.4|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|010.0.0.1|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.00|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|0x1.2.3.4|21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.4|+21|\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.4|21||\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.4|21| x\r\n", PINHOLE_ERR_PARSE},
      {"EPRT |1|1.2.3.4|21|", PINHOLE_ERR_PARTIAL},
      {"EPRT\r\n", PINHOLE_ERR_PARSE},
      {"EPRT \r\n", PINHOLE_ERR_PARSE},
      /* Ranges (and PARSE wins over RANGE). */
      {"EPRT |1|256.2.3.4|21|\r\n", PINHOLE_ERR_RANGE},
      {"EPRT |1|1.2.3.1000|21|\r\n", PINHOLE_ERR_RANGE},
      {"EPRT |1|1.2.3.4|0|\r\n", PINHOLE_ERR_RANGE},
      {"EPRT |1|1.2.3.4|65536|\r\n", PINHOLE_ERR_RANGE},
      {"EPRT |1|1.2.3.4|4294967297|\r\n", PINHOLE_ERR_RANGE},
      {"EPRT |1|4294967297.2.3.4|21|\r\n", PINHOLE_ERR_RANGE},
      {"EPRT |1|256.2.3.4|21\r\n", PINHOLE_ERR_PARSE},
      {"EPRTX |1|1.2.3.4|21|\r\n", PINHOLE_ERR_NOMATCH},
      {"EPSV\r\n", PINHOLE_ERR_NOMATCH},
  };
  check_cases(c, sizeof(c) / sizeof(c[0]), CLIENT);
}

static void test_ftp_227_server_shapes(void **state) {
  (void)state;
  pinhole_ftp_msg m;
  /* vsftpd, proftpd */
  const char *l = "227 Entering Passive Mode (192,168,1,2,4,1).\r\n";
  assert_int_equal(parse_s(l, SERVER, &m), 0);
  assert_int_equal(m.kind, PINHOLE_FTP_227);
  assert_int_equal(m.family, 1);
  assert_int_equal(m.addr, 0xC0A80102u);
  assert_int_equal(m.port, 1025);
  assert_int_equal(m.delim, 0);
  assert_int_equal(m.arg_off, 27);
  assert_int_equal(m.arg_len, 15);
  assert_arg(l, &m, "192,168,1,2,4,1");
  /* RFC 1123 4.1.2.6 shapes: no parentheses. */
  l = "227 =192,168,1,2,4,1\r\n";
  assert_int_equal(parse_s(l, SERVER, &m), 0);
  assert_int_equal(m.arg_off, 5);
  assert_int_equal(m.arg_len, 15);
  l = "227 Entering Passive Mode 192,168,1,2,4,1\n";
  assert_int_equal(parse_s(l, SERVER, &m), 0);
  assert_int_equal(m.arg_off, 26);
  assert_int_equal(m.arg_len, 15);
  assert_int_equal(m.addr, 0xC0A80102u);
  /* IIS */
  l = "227 Entering Passive Mode (10,0,0,5,195,80).\r\n";
  assert_int_equal(parse_s(l, SERVER, &m), 0);
  assert_int_equal(m.addr, 0x0A000005u);
  assert_int_equal(m.port, 50000);
  assert_arg(l, &m, "10,0,0,5,195,80");
  /* Digits before the tuple that are not a 6-list are skipped. */
  l = "227 Mode 2, 1,2,3 ok 7,7,7,7,7,7,7 (10,0,0,5,195,80)\r\n";
  assert_int_equal(parse_s(l, SERVER, &m), 0);
  assert_int_equal(m.port, 50000);
  assert_arg(l, &m, "10,0,0,5,195,80");
  /* A trailing comma does not extend the list. */
  l = "227 (10,0,0,5,195,80,)\r\n";
  assert_int_equal(parse_s(l, SERVER, &m), 0);
  assert_arg(l, &m, "10,0,0,5,195,80");
  /* Tab after the code. */
  assert_int_equal(parse_s("227\t(1,2,3,4,5,6)\r\n", SERVER, &m), 0);
  assert_int_equal(m.arg_off, 5);
}

static void test_ftp_227_hostile(void **state) {
  (void)state;
  static const struct rc_case c[] = {
      {"227 Entering Passive Mode (192,168,1,2,4).\r\n", PINHOLE_ERR_PARSE},
      {"227 Entering Passive Mode (192,168,1,2,4,1,7).\r\n", PINHOLE_ERR_PARSE},
      {"227 Entering Passive Mode (192,168,,1,2,4,1).\r\n", PINHOLE_ERR_PARSE},
      {"227 Entering Passive Mode.\r\n", PINHOLE_ERR_PARSE},
      {"227 \r\n", PINHOLE_ERR_PARSE},
      {"227\r\n", PINHOLE_ERR_PARSE},
      {"227 (256,168,1,2,4,1)\r\n", PINHOLE_ERR_RANGE},
      {"227 (192,168,1,2,0,0)\r\n", PINHOLE_ERR_RANGE},
      {"227 (192,168,1,2,4294967296,1)\r\n", PINHOLE_ERR_RANGE},
      {"227 (192,168,1,2,1,18446744073709551617)\r\n", PINHOLE_ERR_RANGE},
      /* The first 6-list is the answer even when a later one is valid. */
      {"227 (1,1,1,1,1,300) (1,1,1,1,1,1)\r\n", PINHOLE_ERR_RANGE},
      {"227 (1,1,1,1,1,1)", PINHOLE_ERR_PARTIAL},
      {"2270 (1,1,1,1,1,1)\r\n", PINHOLE_ERR_NOMATCH},
      {"227-(1,1,1,1,1,1)\r\n", PINHOLE_ERR_NOMATCH},
      {"22 (1,1,1,1,1,1)\r\n", PINHOLE_ERR_NOMATCH},
      {" 227 (1,1,1,1,1,1)\r\n", PINHOLE_ERR_NOMATCH},
      {"228 (1,1,1,1,1,1)\r\n", PINHOLE_ERR_NOMATCH},
      {"200 PORT command successful (1,1,1,1,1,1)\r\n", PINHOLE_ERR_NOMATCH},
  };
  check_cases(c, sizeof(c) / sizeof(c[0]), SERVER);
}

static void test_ftp_229_rfc2428(void **state) {
  (void)state;
  pinhole_ftp_msg m;
  const char *l = "229 Entering Extended Passive Mode (|||6446|)\r\n";
  assert_int_equal(parse_s(l, SERVER, &m), 0);
  assert_int_equal(m.kind, PINHOLE_FTP_229);
  assert_int_equal(m.family, 1);
  assert_int_equal(m.addr, 0);
  assert_int_equal(m.port, 6446);
  assert_int_equal(m.delim, '|');
  assert_int_equal(m.arg_off, 36);
  assert_int_equal(m.arg_len, 8);
  assert_arg(l, &m, "|||6446|");
  l = "229 Extended Passive mode OK (!!!65535!)\n";
  assert_int_equal(parse_s(l, SERVER, &m), 0);
  assert_int_equal(m.port, 65535);
  assert_int_equal(m.delim, '!');
  assert_arg(l, &m, "!!!65535!");
  /* '(' as the delimiter is positional, not ambiguous. */
  l = "229 ((((1(). \r\n";
  assert_int_equal(parse_s(l, SERVER, &m), 0);
  assert_int_equal(m.port, 1);
  assert_arg(l, &m, "(((1(");
}

static void test_ftp_229_hostile(void **state) {
  (void)state;
  static const struct rc_case c[] = {
      {"229 Entering Extended Passive Mode (|||0|)\r\n", PINHOLE_ERR_RANGE},
      {"229 Entering Extended Passive Mode (|||70000|)\r\n", PINHOLE_ERR_RANGE},
      {"229 Entering Extended Passive Mode (|||65536|)\r\n", PINHOLE_ERR_RANGE},
      {"229 Entering Extended Passive Mode (|||4294967297|)\r\n",
       PINHOLE_ERR_RANGE},
      {"229 Entering Extended Passive Mode (||6446|)\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode (||||6446|)\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode (|||6446)\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode (|||6446|\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode (|||6446||)\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode (|!|6446|)\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode (||||)\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode (|||-1|)\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode (1116446 1)\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode ( |||6446|)\r\n", PINHOLE_ERR_PARSE},
      {"229 Entering Extended Passive Mode |||6446|\r\n", PINHOLE_ERR_PARSE},
      /* Only the first "(" of the line is looked at. */
      {"229 Extended (EPSV) mode (|||6446|)\r\n", PINHOLE_ERR_PARSE},
      {"229\r\n", PINHOLE_ERR_PARSE},
      {"229 (|||6446|)", PINHOLE_ERR_PARTIAL},
      {"229-(|||6446|)\r\n", PINHOLE_ERR_NOMATCH},
      {"2290 (|||6446|)\r\n", PINHOLE_ERR_NOMATCH},
  };
  check_cases(c, sizeof(c) / sizeof(c[0]), SERVER);
}

static void test_ftp_nomatch_other_lines(void **state) {
  (void)state;
  static const struct rc_case client[] = {
      {"USER anonymous\r\n", PINHOLE_ERR_NOMATCH},
      {"PASS guest@\r\n", PINHOLE_ERR_NOMATCH},
      {"TYPE I\r\n", PINHOLE_ERR_NOMATCH},
      {"PASV\r\n", PINHOLE_ERR_NOMATCH},
      {"EPSV\r\n", PINHOLE_ERR_NOMATCH},
      {"EPSV ALL\r\n", PINHOLE_ERR_NOMATCH},
      {"RETR 1,2,3,4,5,6\r\n", PINHOLE_ERR_NOMATCH},
      {"STOR PORT 1,2,3,4,5,6\r\n", PINHOLE_ERR_NOMATCH},
      {"LIST\r\n", PINHOLE_ERR_NOMATCH},
      {"QUIT\r\n", PINHOLE_ERR_NOMATCH},
      {"\r\n", PINHOLE_ERR_NOMATCH},
      {"\n", PINHOLE_ERR_NOMATCH},
      /* Server replies on the client side. */
      {"227 Entering Passive Mode (192,168,1,2,4,1).\r\n", PINHOLE_ERR_NOMATCH},
      {"229 Entering Extended Passive Mode (|||6446|)\r\n",
       PINHOLE_ERR_NOMATCH},
      {"USER", PINHOLE_ERR_PARTIAL},
      {"", PINHOLE_ERR_PARTIAL},
  };
  static const struct rc_case server[] = {
      {"220 (vsFTPd 3.0.3)\r\n", PINHOLE_ERR_NOMATCH},
      {"230 Login successful.\r\n", PINHOLE_ERR_NOMATCH},
      {"200 PORT command successful. Consider using PASV.\r\n",
       PINHOLE_ERR_NOMATCH},
      {"150 Opening BINARY mode data connection for f (1,2,3,4,5,6).\r\n",
       PINHOLE_ERR_NOMATCH},
      {"226 Transfer complete.\r\n", PINHOLE_ERR_NOMATCH},
      {"228 Entering Long Passive Mode (4,4,1,2,3,4,2,0,21)\r\n",
       PINHOLE_ERR_NOMATCH},
      {"522 Network protocol not supported, use (1)\r\n", PINHOLE_ERR_NOMATCH},
      {"227-first line of a multi-line reply\r\n", PINHOLE_ERR_NOMATCH},
      /* Client commands on the server side. */
      {"PORT 192,168,1,2,4,1\r\n", PINHOLE_ERR_NOMATCH},
      {"EPRT |1|132.235.1.2|6275|\r\n", PINHOLE_ERR_NOMATCH},
      {"226", PINHOLE_ERR_PARTIAL},
  };
  check_cases(client, sizeof(client) / sizeof(client[0]), CLIENT);
  check_cases(server, sizeof(server) / sizeof(server[0]), SERVER);
}

static void test_ftp_embedded_nul(void **state) {
  (void)state;
  pinhole_ftp_msg m;
  static const char port[] = "PORT 1,2,3,4,5,6\0\r\n";
  static const char port2[] = "PORT 1,2,3,4,5,6\r\0\n";
  static const char p227[] = "227 Entering\0 Passive Mode (1,2,3,4,5,6)\r\n";
  static const char p229[] = "229 (|||6446|)\0\r\n";
  static const char eprt[] = "EPRT |1|1.2.3.4\0|21|\r\n";
  static const char user[] = "USER a\0b\r\n";
#define PARSE_ARR(a, s)                                                        \
  pinhole_ftp_parse((const uint8_t *)(a), sizeof(a) - 1, (s), &m)
  assert_int_equal(PARSE_ARR(port, CLIENT), PINHOLE_ERR_PARSE);
  assert_int_equal(PARSE_ARR(port2, CLIENT), PINHOLE_ERR_PARSE);
  assert_int_equal(PARSE_ARR(eprt, CLIENT), PINHOLE_ERR_PARSE);
  assert_int_equal(PARSE_ARR(p227, SERVER), PINHOLE_ERR_PARSE);
  assert_int_equal(PARSE_ARR(p229, SERVER), PINHOLE_ERR_PARSE);
  assert_int_equal(PARSE_ARR(user, CLIENT), PINHOLE_ERR_NOMATCH);
#undef PARSE_ARR
  /* A NUL after the first line does not matter. */
  static const char two[] = "PORT 1,2,3,4,5,6\r\n\0";
  assert_int_equal(
      pinhole_ftp_parse((const uint8_t *)two, sizeof(two) - 1, CLIENT, &m), 0);
}

/* Builds "<head><pad x n><tail>" into buf. */
static size_t build(char *buf, const char *head, char pad, size_t n,
                    const char *tail) {
  size_t hl = strlen(head), tl = strlen(tail);
  memcpy(buf, head, hl);
  memset(buf + hl, pad, n);
  memcpy(buf + hl + n, tail, tl);
  return hl + n + tl;
}

static void test_ftp_line_length_limit(void **state) {
  (void)state;
  char buf[2200];
  pinhole_ftp_msg m;
  const uint8_t *u = (const uint8_t *)buf;
  /* Exactly PINHOLE_FTP_LINE_MAX bytes with CRLF: accepted. */
  size_t hl = strlen("PORT 1,2,3,4,5,6") + 2;
  size_t n =
      build(buf, "PORT 1,2,3,4,5,6", ' ', PINHOLE_FTP_LINE_MAX - hl, "\r\n");
  assert_int_equal(n, PINHOLE_FTP_LINE_MAX);
  assert_int_equal(pinhole_ftp_parse(u, n, CLIENT, &m), 0);
  assert_int_equal(m.port, 1286);
  /* One more byte: refused. */
  n = build(buf, "PORT 1,2,3,4,5,6", ' ', PINHOLE_FTP_LINE_MAX - hl + 1,
            "\r\n");
  assert_int_equal(pinhole_ftp_parse(u, n, CLIENT, &m), PINHOLE_ERR_PARSE);
  /* 2 KB lines. */
  n = build(buf, "227 ", 'x', 2000, " (1,2,3,4,5,6)\r\n");
  assert_int_equal(pinhole_ftp_parse(u, n, SERVER, &m), PINHOLE_ERR_PARSE);
  n = build(buf, "229 (|||", '0', 2000, "1|)\r\n");
  assert_int_equal(pinhole_ftp_parse(u, n, SERVER, &m), PINHOLE_ERR_PARSE);
  n = build(buf, "EPRT |1|1.2.3.4|", '0', 2000, "21|\r\n");
  assert_int_equal(pinhole_ftp_parse(u, n, CLIENT, &m), PINHOLE_ERR_PARSE);
  n = build(buf, "USER ", 'a', 2000, "\r\n");
  assert_int_equal(pinhole_ftp_parse(u, n, CLIENT, &m), PINHOLE_ERR_NOMATCH);
  /* Long digit strings inside the limit are range errors, not overflow. */
  n = build(buf, "PORT 1,2,3,4,5,", '9', 400, "\r\n");
  assert_int_equal(pinhole_ftp_parse(u, n, CLIENT, &m), PINHOLE_ERR_RANGE);
  n = build(buf, "PORT 1,2,3,4,5,", '0', 400, "7\r\n");
  assert_int_equal(pinhole_ftp_parse(u, n, CLIENT, &m), 0);
  assert_int_equal(m.port, 5 * 256 + 7);
  /* No LF: partial until the line is known to be too long. */
  n = build(buf, "PORT ", '1', PINHOLE_FTP_LINE_MAX - 5, "");
  assert_int_equal(pinhole_ftp_parse(u, n, CLIENT, &m), PINHOLE_ERR_PARTIAL);
  n = build(buf, "PORT ", '1', 2000, "");
  assert_int_equal(pinhole_ftp_parse(u, n, CLIENT, &m), PINHOLE_ERR_PARSE);
  n = build(buf, "227 ", '1', 2000, "");
  assert_int_equal(pinhole_ftp_parse(u, n, SERVER, &m), PINHOLE_ERR_PARSE);
  n = build(buf, "USER ", 'a', 2000, "");
  assert_int_equal(pinhole_ftp_parse(u, n, CLIENT, &m), PINHOLE_ERR_PARTIAL);
}

static void test_ftp_invalid_args(void **state) {
  (void)state;
  pinhole_ftp_msg m;
  const uint8_t l[] = "PORT 1,2,3,4,5,6\r\n";
  assert_int_equal(pinhole_ftp_parse(l, sizeof(l) - 1, CLIENT, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_ftp_parse(NULL, 5, CLIENT, &m),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_ftp_parse(NULL, 0, CLIENT, &m), PINHOLE_ERR_PARTIAL);
  /* Any non-zero from_server means server. */
  assert_int_equal(rc_of("227 (1,2,3,4,5,6)\r\n", 7), 0);
}

/* Formats m with addr/port into a buffer sized exactly, checks the bytes. */
static void check_format(int kind, char delim, uint32_t addr, uint16_t port,
                         const char *want) {
  pinhole_ftp_msg m;
  memset(&m, 0, sizeof(m));
  m.kind = kind;
  m.delim = delim;
  char out[64];
  size_t wl = strlen(want);
  memset(out, 'X', sizeof(out));
  assert_int_equal(pinhole_ftp_format(&m, addr, port, out, sizeof(out)),
                   (int)wl);
  assert_memory_equal(out, want, wl);
  assert_int_equal(out[wl], 'X');
  /* Exact capacity works; one byte less is NOBUF and leaves out alone. */
  memset(out, 'X', sizeof(out));
  assert_int_equal(pinhole_ftp_format(&m, addr, port, out, wl), (int)wl);
  memset(out, 'X', sizeof(out));
  assert_int_equal(pinhole_ftp_format(&m, addr, port, out, wl - 1),
                   PINHOLE_ERR_NOBUF);
  assert_int_equal(out[0], 'X');
  assert_int_equal(pinhole_ftp_format(&m, addr, port, NULL, 0),
                   PINHOLE_ERR_NOBUF);
}

static void test_ftp_format_bytes(void **state) {
  (void)state;
  check_format(PINHOLE_FTP_PORT, 0, 0xC0A80102u, 1025, "192,168,1,2,4,1");
  check_format(PINHOLE_FTP_PORT, 0, 0, 1, "0,0,0,0,0,1");
  check_format(PINHOLE_FTP_227, 0, 0xFFFFFFFFu, 65535,
               "255,255,255,255,255,255");
  check_format(PINHOLE_FTP_227, 0, 0xC6120001u, 50000, "198,18,0,1,195,80");
  check_format(PINHOLE_FTP_EPRT, '|', 0x84EB0102u, 6275,
               "|1|132.235.1.2|6275|");
  check_format(PINHOLE_FTP_EPRT, '!', 0xFFFFFFFFu, 65535,
               "!1!255.255.255.255!65535!");
  check_format(PINHOLE_FTP_EPRT, '~', 0, 1, "~1~0.0.0.0~1~");
  check_format(PINHOLE_FTP_229, '|', 0xC6120001u, 6446, "|||6446|");
  check_format(PINHOLE_FTP_229, '(', 0, 65535, "(((65535(");
  check_format(PINHOLE_FTP_229, '|', 0, 1, "|||1|");
}

static void test_ftp_format_invalid(void **state) {
  (void)state;
  pinhole_ftp_msg m;
  char out[64];
  memset(&m, 0, sizeof(m));
  assert_int_equal(pinhole_ftp_format(NULL, 1, 1, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  m.kind = 0;
  assert_int_equal(pinhole_ftp_format(&m, 1, 1, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  m.kind = 5;
  assert_int_equal(pinhole_ftp_format(&m, 1, 1, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  m.kind = PINHOLE_FTP_PORT;
  assert_int_equal(pinhole_ftp_format(&m, 1, 0, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  m.kind = PINHOLE_FTP_EPRT;
  m.delim = 0;
  assert_int_equal(pinhole_ftp_format(&m, 1, 1, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  m.delim = '5';
  assert_int_equal(pinhole_ftp_format(&m, 1, 1, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  m.kind = PINHOLE_FTP_229;
  m.delim = ' ';
  assert_int_equal(pinhole_ftp_format(&m, 1, 1, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  m.delim = (char)0x80;
  assert_int_equal(pinhole_ftp_format(&m, 1, 1, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
}

/* Parses line, rewrites its argument to addr:port, compares the whole new
 * line with want, and parses that again. */
static void check_rewrite(const char *line, int from_server, uint32_t addr,
                          uint16_t port, const char *want) {
  pinhole_ftp_msg m, m2;
  char rep[32], out[600];
  assert_int_equal(parse_s(line, from_server, &m), 0);
  int rl = pinhole_ftp_format(&m, addr, port, rep, sizeof(rep));
  assert_true(rl > 0);
  size_t ll = strlen(line);
  size_t tail = ll - m.arg_off - m.arg_len;
  memcpy(out, line, m.arg_off);
  memcpy(out + m.arg_off, rep, (size_t)rl);
  memcpy(out + m.arg_off + (size_t)rl, line + m.arg_off + m.arg_len, tail);
  size_t nl = m.arg_off + (size_t)rl + tail;
  assert_int_equal(nl, strlen(want));
  assert_memory_equal(out, want, nl);
  assert_int_equal(
      pinhole_ftp_parse((const uint8_t *)out, nl, from_server, &m2), 0);
  assert_int_equal(m2.kind, m.kind);
  assert_int_equal(m2.port, port);
  assert_int_equal(m2.addr, m.kind == PINHOLE_FTP_229 ? 0 : addr);
  assert_int_equal(m2.delim, m.delim);
  assert_int_equal(m2.arg_off, m.arg_off);
  assert_int_equal(m2.arg_len, (size_t)rl);
}

static void test_ftp_round_trip(void **state) {
  (void)state;
  check_rewrite("PORT 10,0,0,1,4,1\r\n", CLIENT, 0xC6120001u, 50000,
                "PORT 198,18,0,1,195,80\r\n");
  check_rewrite("port  010,000,000,001,000,021 \n", CLIENT, 0x01020304u, 1,
                "port  1,2,3,4,0,1 \n");
  check_rewrite("EPRT |1|10.0.0.1|6275|\r\n", CLIENT, 0xC6120001u, 50000,
                "EPRT |1|198.18.0.1|50000|\r\n");
  check_rewrite("EPRT !1!255.255.255.255!65535!\r\n", CLIENT, 0, 1,
                "EPRT !1!0.0.0.0!1!\r\n");
  check_rewrite("227 Entering Passive Mode (10,0,0,5,195,80).\r\n", SERVER,
                0xC6120001u, 2121,
                "227 Entering Passive Mode (198,18,0,1,8,73).\r\n");
  check_rewrite("227 =1,2,3,4,5,6\r\n", SERVER, 0xFFFFFFFFu, 65535,
                "227 =255,255,255,255,255,255\r\n");
  check_rewrite("227 Mode 2, 1,2,3 (10,0,0,5,195,80)\r\n", SERVER, 0xC6120001u,
                21, "227 Mode 2, 1,2,3 (198,18,0,1,0,21)\r\n");
  check_rewrite("229 Entering Extended Passive Mode (|||6446|)\r\n", SERVER,
                0xC6120001u, 50000,
                "229 Entering Extended Passive Mode (|||50000|)\r\n");
  check_rewrite("229 x (!!!65535!)\n", SERVER, 0, 7, "229 x (!!!7!)\n");
}

static void test_ftp_kind_name(void **state) {
  (void)state;
  assert_string_equal(pinhole_ftp_kind_name(PINHOLE_FTP_PORT), "PORT");
  assert_string_equal(pinhole_ftp_kind_name(PINHOLE_FTP_EPRT), "EPRT");
  assert_string_equal(pinhole_ftp_kind_name(PINHOLE_FTP_227), "227");
  assert_string_equal(pinhole_ftp_kind_name(PINHOLE_FTP_229), "229");
  assert_string_equal(pinhole_ftp_kind_name(0), "unknown");
  assert_string_equal(pinhole_ftp_kind_name(5), "unknown");
  assert_string_equal(pinhole_ftp_kind_name(-1), "unknown");
}

/* ---- pinhole_ftp_prefix ------------------------------------------------ */

static int prefix_n(const char *s, size_t n, int from_server) {
  return pinhole_ftp_prefix((const uint8_t *)s, n, from_server);
}

/* Lines the parser accepts: every strict prefix (no line end yet, or up
 * to a final CR) must be worth withholding. */
static void test_ftp_prefix_of_accepted(void **state) {
  (void)state;
  static const struct {
    const char *line;
    int from_server;
  } ok[] = {
      {"PORT 198,18,0,2,13,61\r\n", CLIENT},
      {"port\t198,18,0,2,13,61\n", CLIENT},
      {"PORT\t198,18,0,100,156,64\r\n", CLIENT},
      {"Port \t 198,19,0,7,255,255 \t\r\n", CLIENT},
      {"PORT 010,000,000,001,000,021\r\n", CLIENT},
      {"PORT 198,18,0,2,0,1\r\n", CLIENT},
      {"PORT 198,18,0,2,00,0001\r\n", CLIENT},
      {"EPRT |1|198.18.0.2|3389|\r\n", CLIENT},
      {"eprt\t!1!0.0.0.0!00021! \n", CLIENT},
      {"EPRT ~1~255.255.255.255~65535~\r\n", CLIENT},
      {"EPRT (1(198.19.0.9(1(\r\n", CLIENT},
      {"227 Entering Passive Mode (198,18,0,2,195,80).\r\n", SERVER},
      {"227 =198,19,0,1,4,1\r\n", SERVER},
      {"227 Mode 2, 1,2,3 ok 7,7,7,7,7,7,7 (10,0,0,5,195,80)\r\n", SERVER},
      {"227 (10,0,0,5,195,80,)\r\n", SERVER},
      {"227\t(198,18,0,3,0,1)\r\n", SERVER},
      {"227 (1,1,1,1,1,300,7) (198,18,0,2,0,1)\r\n", SERVER},
      {"227 1,,2 (198,19,0,4,4,0)\r\n", SERVER},
      {"229 Entering Extended Passive Mode (|||6446|)\r\n", SERVER},
      {"229 ((((1(). \r\n", SERVER},
      {"229 x (!!!65535!)\n", SERVER},
  };
  pinhole_ftp_msg m;
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    const char *l = ok[i].line;
    size_t n = pinhole_ftp_line_len((const uint8_t *)l, strlen(l));
    assert_int_equal(parse_s(l, ok[i].from_server, &m), 0);
    for (size_t k = 0; k < n; k++)
      if (prefix_n(l, k, ok[i].from_server) != 1)
        fail_msg("\"%s\": prefix of %zu bytes refused", l, k);
    /* The other side's parser never accepts it. */
    assert_int_equal(prefix_n(l, n - 1, !ok[i].from_server), 0);
    /* A whole line is not a partial one. */
    assert_int_equal(prefix_n(l, n, ok[i].from_server), 0);
  }
}

/* Lines that go wrong: 1 up to the last byte that could still lead to an
 * accepted line (the "good" prefix), 0 from the next byte on. */
static void test_ftp_prefix_diverges(void **state) {
  (void)state;
  static const struct {
    const char *line;
    int from_server;
    const char *good;
  } c[] = {
      {"PORTS 1,2,3,4,5,6\r\n", CLIENT, "PORT"},
      {"POST / HTTP/1.1\r\n", CLIENT, "PO"},
      {"GET / HTTP/1.1\r\n", CLIENT, ""},
      {"USER anonymous\r\n", CLIENT, ""},
      {"EPSV\r\n", CLIENT, "EP"},
      {" PORT 1,2,3,4,5,6\r\n", CLIENT, ""},
      {"PORT,1,2,3,4,5,6\r\n", CLIENT, "PORT"},
      {"PORT 198,18,0,2,13,61,7\r\n", CLIENT, "PORT 198,18,0,2,13,61"},
      {"PORT 198,18,0,256,1,1\r\n", CLIENT, "PORT 198,18,0,25"},
      {"PORT 1,2,3,4,0,0\r\n", CLIENT, "PORT 1,2,3,4,0,0"},
      {"PORT 1,2,3,4,5,6 x\r\n", CLIENT, "PORT 1,2,3,4,5,6 "},
      {"PORT 1,2,3,4,5, 6\r\n", CLIENT, "PORT 1,2,3,4,5,"},
      {"PORT 1,2,3,4,5,6\r\r\n", CLIENT, "PORT 1,2,3,4,5,6\r"},
      {"PORT 1,2,3\r4,5,6\r\n", CLIENT, "PORT 1,2,3"},
      {"EPRT |2|::1|5282|\r\n", CLIENT, "EPRT |"},
      {"EPRT |1|198.018.0.2|21|\r\n", CLIENT, "EPRT |1|198.0"},
      {"EPRT |1|198.18.0.2|0|\r\n", CLIENT, "EPRT |1|198.18.0.2|0"},
      {"EPRT |1|198.18.0|21|\r\n", CLIENT, "EPRT |1|198.18.0"},
      {"EPRT .1.198.18.0.2.21.\r\n", CLIENT, "EPRT .1.198"},
      {"EPRT |1|198.18.0.2|65536|\r\n", CLIENT, "EPRT |1|198.18.0.2|6553"},
      {"EPRT 919198.18.0.29219\r\n", CLIENT, "EPRT "},
      {"227-Entering Passive Mode (1,2,3,4,5,6)\r\n", SERVER, "227"},
      {"2270 (1,2,3,4,5,6)\r\n", SERVER, "227"},
      {"220 Service ready\r\n", SERVER, "22"},
      {"227 Passive (198,18,0,300,1,1).\r\n", SERVER,
       "227 Passive (198,18,0,300,1,1"},
      {"227 (1,1,1,1,0,0) x\r\n", SERVER, "227 (1,1,1,1,0,0"},
      {"229 Entering Extended Passive Mode (|||0|)\r\n", SERVER,
       "229 Entering Extended Passive Mode (|||0"},
      {"229 Extended (EPSV) mode (|||6446|)\r\n", SERVER, "229 Extended (E"},
      {"229 (|||65536|)\r\n", SERVER, "229 (|||6553"},
      {"229 (|||6446||)\r\n", SERVER, "229 (|||6446|"},
      {"229 ( |||6446|)\r\n", SERVER, "229 ("},
  };
  for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
    const char *l = c[i].line;
    size_t good = strlen(c[i].good), n = strlen(l) - 1; /* up to the LF */
    assert_memory_equal(l, c[i].good, good);
    assert_int_not_equal(rc_of(l, c[i].from_server), 0);
    for (size_t k = 0; k <= n; k++) {
      int want = k <= good;
      if (prefix_n(l, k, c[i].from_server) != want)
        fail_msg("\"%s\": prefix of %zu bytes: want %d", l, k, want);
    }
  }
}

/* The bug of issue 13: a TAB after the verb, split before the end. */
static void test_ftp_prefix_tab_after_verb(void **state) {
  (void)state;
  const char *head = "PORT\t198,18,0,";
  assert_int_equal(prefix_n(head, strlen(head), CLIENT), 1);
  assert_int_equal(prefix_n("port\t", 5, CLIENT), 1);
  assert_int_equal(prefix_n("EpRt\t|", 6, CLIENT), 1);
  assert_int_equal(prefix_n("229\t(", 5, SERVER), 1);
  assert_int_equal(prefix_n("PORT\v", 5, CLIENT), 0);
}

/* The shortest completion must fit in PINHOLE_FTP_LINE_MAX; checked
 * against the parser on both sides of the limit. */
static void test_ftp_prefix_line_limit(void **state) {
  (void)state;
  char buf[600];
  pinhole_ftp_msg m;
  const uint8_t *u = (const uint8_t *)buf;
  /* "PORT" + blanks: 11 bytes of tuple and a LF still to come. */
  size_t n = build(buf, "PORT", ' ', 496, "");
  assert_int_equal(n + 11 + 1, PINHOLE_FTP_LINE_MAX);
  assert_int_equal(pinhole_ftp_prefix(u, n, CLIENT), 1);
  memcpy(buf + n, "0,0,0,0,0,1\n", 12);
  assert_int_equal(pinhole_ftp_parse(u, n + 12, CLIENT, &m), 0);
  n = build(buf, "PORT", ' ', 497, "");
  assert_int_equal(pinhole_ftp_prefix(u, n, CLIENT), 0);
  memcpy(buf + n, "0,0,0,0,0,1\n", 12);
  assert_int_equal(pinhole_ftp_parse(u, n + 12, CLIENT, &m), PINHOLE_ERR_PARSE);
  /* 227 with a bad six-list in progress: it must grow to seven, then a
   * good six-list follows (",1 0,0,0,0,0,1" and a LF: 15 bytes). */
  n = build(buf, "227 ", 'x', 480, "1,1,1,1,1,300");
  assert_int_equal(n + 15, PINHOLE_FTP_LINE_MAX);
  assert_int_equal(pinhole_ftp_prefix(u, n, SERVER), 1);
  memcpy(buf + n, ",1 0,0,0,0,0,1\n", 15);
  assert_int_equal(pinhole_ftp_parse(u, n + 15, SERVER, &m), 0);
  assert_int_equal(m.port, 1);
  n = build(buf, "227 ", 'x', 481, "1,1,1,1,1,300");
  assert_int_equal(pinhole_ftp_prefix(u, n, SERVER), 0);
  /* A final CR needs only the LF. */
  n = build(buf, "PORT 1,2,3,4,5,6", ' ', 494, "\r");
  assert_int_equal(n + 1, PINHOLE_FTP_LINE_MAX);
  assert_int_equal(pinhole_ftp_prefix(u, n, CLIENT), 1);
  n = build(buf, "PORT 1,2,3,4,5,6", ' ', 495, "\r");
  assert_int_equal(pinhole_ftp_prefix(u, n, CLIENT), 0);
  n = build(buf, "PORT 1,2,3,4,5,6", ' ', 600 - 17, "");
  assert_int_equal(pinhole_ftp_prefix(u, n, CLIENT), 0);
}

static void test_ftp_prefix_hostile(void **state) {
  (void)state;
  static const char nul[] = "PORT 1,2\0,3,4,5,6";
  assert_int_equal(prefix_n(nul, 8, CLIENT), 1);
  assert_int_equal(prefix_n(nul, 9, CLIENT), 0);
  assert_int_equal(prefix_n(nul, sizeof(nul) - 1, CLIENT), 0);
  static const char nul227[] = "227 \0(1,2,3,4,5,6)";
  assert_int_equal(prefix_n(nul227, 5, SERVER), 0);
  /* A line end inside: not a partial line. */
  assert_int_equal(prefix_n("PORT 1\n", 7, CLIENT), 0);
  assert_int_equal(prefix_n("\n", 1, CLIENT), 0);
  /* Empty: anything may come. */
  assert_int_equal(pinhole_ftp_prefix(NULL, 0, CLIENT), 1);
  assert_int_equal(pinhole_ftp_prefix(NULL, 0, SERVER), 1);
  assert_int_equal(pinhole_ftp_prefix(NULL, 1, CLIENT),
                   PINHOLE_ERR_INVALID_ARG);
  /* Any non-zero from_server means server. */
  assert_int_equal(prefix_n("229 (", 5, 7), 1);
  assert_int_equal(prefix_n("229 (", 5, -1), 1);
  /* High bytes and controls are not digits, delimiters or blanks. */
  assert_int_equal(prefix_n("PORT \xb1", 6, CLIENT), 0);
  assert_int_equal(prefix_n("EPRT \x7f", 6, CLIENT), 0);
  assert_int_equal(prefix_n("229 (\x80", 6, SERVER), 0);
  assert_int_equal(prefix_n("227 \x80\x01\xff(1", 9, SERVER), 1);
}

/* ---- pinhole_ftp_classify ---------------------------------------------- */

struct class_case {
  const char *line;
  size_t len; /* 0: strlen */
  int cls;
  unsigned code;
};

static void check_classes(const struct class_case *c, size_t n,
                          int from_server) {
  for (size_t i = 0; i < n; i++) {
    size_t len = c[i].len ? c[i].len : strlen(c[i].line);
    unsigned code = 12345;
    int cls = pinhole_ftp_classify((const uint8_t *)c[i].line, len, from_server,
                                   &code);
    if (cls != c[i].cls || code != c[i].code)
      fail_msg("case %zu \"%s\": got %d code %u, want %d code %u", i, c[i].line,
               cls, code, c[i].cls, c[i].code);
  }
}

#define NOT PINHOLE_FTP_LINE_NOT_FTP
#define CMD PINHOLE_FTP_LINE_COMMAND
#define REPLY PINHOLE_FTP_LINE_REPLY
#define FIRST PINHOLE_FTP_LINE_REPLY_FIRST
#define TEXT PINHOLE_FTP_LINE_TEXT
#define PART PINHOLE_ERR_PARTIAL

static void test_ftp_classify_client(void **state) {
  (void)state;
  static const struct class_case c[] = {
      {"USER anonymous\r\n", 0, CMD, 0},
      {"user x\n", 0, CMD, 0},
      {"USER\r\n", 0, CMD, 0},
      {"PORT\t198,18,0,2,13,61\r\n", 0, CMD, 0},
      {"EPSV ALL\r\n", 0, CMD, 0},
      {"FEAT\r\n", 0, CMD, 0},
      {"OPTS UTF8 ON\r\n", 0, CMD, 0},
      {"MLSD\r\n", 0, CMD, 0},
      {"HOST ftp.example.com\r\n", 0, CMD, 0},
      {"XPWD\r\n", 0, CMD, 0},
      {"CCC\r\n", 0, CMD, 0},
      {"XSHA256 f\r\n", 0, CMD, 0},
      {"RETR r\xc3\xa9sum\xc3\xa9.txt\r\n", 0, CMD, 0},
      {"\xff\xf4\xff\xf2"
       "ABOR\r\n",
       0, CMD, 0},
      {"PASS a\tb c\r\n", 0, CMD, 0},
      /* Not FTP. */
      {"POST / HTTP/1.1\r\n", 0, NOT, 0},
      {"GET /?PORT%20198,18,0,2,13,61 HTTP/1.1\r\n", 0, NOT, 0},
      {"Host: 198.19.0.1:21\r\n", 0, NOT, 0},
      {"Content-Length: 28\r\n", 0, NOT, 0},
      {"HOST: 198.19.0.1:21\r\n", 0, NOT, 0},
      {"\r\n", 0, NOT, 0},
      {"\n", 0, NOT, 0},
      {"PORTX 1\r\n", 0, NOT, 0},
      {"PORT,1\r\n", 0, NOT, 0},
      {" USER x\r\n", 0, NOT, 0},
      {"STOR\xe2x\r\n", 0, NOT, 0},
      {"LPRT 4,4,198,18,0,2,2,13,61\r\n", 0, NOT, 0},
      {"USER a\0b\r\n", 10, NOT, 0},
      {"USER a\rb\r\n", 0, NOT, 0},
      {"USER a\r\r\n", 0, NOT, 0},
      {"USER \x1b[31m\r\n", 0, NOT, 0},
      {"USER \x7f\r\n", 0, NOT, 0},
      {"\xff"
       "ABOR\r\n",
       0, NOT, 0},
      {"\xff\xfb\x01USER\r\n", 0, NOT, 0},
      {"220 Service ready\r\n", 0, NOT, 0},
      {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", 0, NOT, 0},
      /* Partial lines. */
      {"", 0, PART, 0},
      {"US", 0, PART, 0},
      {"PO", 0, PART, 0},
      {"XSHA2", 0, PART, 0},
      {"USER x\r", 0, PART, 0},
      {"\xff", 0, PART, 0},
      {"\xff\xf4\xff", 0, PART, 0},
      {"\xff\xf4"
       "AB",
       0, PART, 0},
      {"USX", 0, NOT, 0},
      {"POS", 0, NOT, 0},
      {"GE", 0, NOT, 0},
      {"XSHA2567", 0, NOT, 0},
      {"USER\r", 0, PART, 0},
      {"POST / x\r", 0, NOT, 0},
      {"USER a\rb", 0, NOT, 0},
      {"\x16\x03\x01", 0, NOT, 0},
  };
  check_classes(c, sizeof(c) / sizeof(c[0]), CLIENT);
}

static void test_ftp_classify_server(void **state) {
  (void)state;
  static const struct class_case c[] = {
      {"220 (vsFTPd 3.0.3)\r\n", 0, REPLY, 220},
      {"220-Welcome\r\n", 0, FIRST, 220},
      {"220\r\n", 0, REPLY, 220},
      {"120 Service ready in 5 minutes.\r\n", 0, REPLY, 120},
      {"421 Too many users\r\n", 0, REPLY, 421},
      {"227 Entering Passive Mode (198,18,0,2,195,80).\r\n", 0, REPLY, 227},
      {"229\t(|||6446|)\r\n", 0, REPLY, 229},
      {"631 base64data\r\n", 0, REPLY, 631},
      {"550 r\xc3\xa9sum\xc3\xa9.txt: No such file\n", 0, REPLY, 550},
      {" MDTM\r\n", 0, TEXT, 0},
      {"Welcome\r\n", 0, TEXT, 0},
      {"\r\n", 0, TEXT, 0},
      {"HTTP/1.1 200 OK\r\n", 0, TEXT, 0},
      {"2200 x\r\n", 0, TEXT, 0},
      {"720 x\r\n", 0, TEXT, 0},
      {"022 x\r\n", 0, TEXT, 0},
      {"22 x\r\n", 0, TEXT, 0},
      {"220x\r\n", 0, TEXT, 0},
      {"220 \x01\r\n", 0, NOT, 0},
      {"220 a\0\r\n", 8, NOT, 0},
      {"220 a\rb\r\n", 0, NOT, 0},
      {"220", 0, PART, 0},
      {"220 hi\r", 0, PART, 0},
      {"", 0, PART, 0},
      {"220 \x1b", 0, NOT, 0},
  };
  check_classes(c, sizeof(c) / sizeof(c[0]), SERVER);
  /* code may be NULL. */
  assert_int_equal(
      pinhole_ftp_classify((const uint8_t *)"220 x\n", 6, SERVER, NULL), REPLY);
  assert_int_equal(pinhole_ftp_classify(NULL, 0, SERVER, NULL), PART);
  unsigned code = 7;
  assert_int_equal(pinhole_ftp_classify(NULL, 3, SERVER, &code),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(code, 0);
}

/* RFC 959 4.2's examples of multi-line replies, line by line. */
static void test_ftp_classify_multiline(void **state) {
  (void)state;
  static const char feat[] =
      "211-Features:\r\n MDTM\r\n REST STREAM\r\n SIZE\r\n211 End\r\n";
  static const char rfc[] = "123-First line\r\nSecond line\r\n  234 A line "
                            "beginning with numbers\r\n123 The last line\r\n";
  static const int want_feat[] = {FIRST, TEXT, TEXT, TEXT, REPLY};
  static const unsigned feat_codes[] = {211, 0, 0, 0, 211};
  static const int want_rfc[] = {FIRST, TEXT, TEXT, REPLY};
  static const unsigned rfc_codes[] = {123, 0, 0, 123};
  const struct {
    const char *s;
    const int *cls;
    const unsigned *codes;
    size_t n;
  } r[] = {{feat, want_feat, feat_codes, 5}, {rfc, want_rfc, rfc_codes, 4}};
  for (size_t k = 0; k < 2; k++) {
    const uint8_t *p = (const uint8_t *)r[k].s;
    size_t left = strlen(r[k].s), i = 0;
    while (left > 0) {
      unsigned code;
      size_t n = pinhole_ftp_line_len(p, left);
      assert_true(n > 0 && i < r[k].n);
      assert_int_equal(pinhole_ftp_classify(p, left, SERVER, &code),
                       r[k].cls[i]);
      assert_int_equal(code, r[k].codes[i]);
      p += n;
      left -= n;
      i++;
    }
    assert_int_equal(i, r[k].n);
  }
}

/* NAT slipstreaming (issue 14): an HTTP POST to port 21 whose body holds
 * a PORT command. Classified line by line, the very first line is not
 * FTP, and so is every line before the PORT. */
static void test_ftp_classify_slipstream(void **state) {
  (void)state;
  static const char *const posts[] = {
      "POST /form HTTP/1.1\r\nHost: 198.19.0.1:21\r\nContent-Type: "
      "text/plain\r\nContent-Length: 24\r\n\r\nPORT 198,18,0,2,13,61\r\n",
      "POST / HTTP/1.1\r\nHost: 198.19.0.1:21\r\n\r\nx=1\r\nPORT "
      "198,18,0,2,13,61\r\n",
      /* fetch() with a custom method named like an FTP command */
      "PORT / HTTP/1.1\r\nHost: 198.19.0.1:21\r\n\r\nPORT 198,18,0,2,13,61\r\n",
  };
  for (size_t k = 0; k < sizeof(posts) / sizeof(posts[0]); k++) {
    const uint8_t *p = (const uint8_t *)posts[k];
    size_t left = strlen(posts[k]), first_not = SIZE_MAX, port_at = 0;
    for (size_t i = 0; left > 0; i++) {
      size_t n = pinhole_ftp_line_len(p, left);
      int cls = pinhole_ftp_classify(p, left, CLIENT, NULL);
      if (cls == NOT && first_not == SIZE_MAX)
        first_not = i;
      if (n > 5 && memcmp(p, "PORT 1", 6) == 0)
        port_at = i;
      p += n;
      left -= n;
    }
    /* The request line itself is FTP only when its method is a verb; the
     * Host line after it never is. */
    assert_int_equal(first_not, k == 2 ? 1u : 0u);
    assert_true(port_at > first_not);
  }
  /* The request line split anywhere: a partial line is not FTP as soon as
   * its first word cannot be a verb. */
  const char *req = "POST / HTTP/1.1\r\n";
  for (size_t n = 3; n < strlen(req); n++)
    assert_int_equal(
        pinhole_ftp_classify((const uint8_t *)req, n, CLIENT, NULL), NOT);
}

static void test_ftp_classify_line_limit(void **state) {
  (void)state;
  char buf[700];
  const uint8_t *u = (const uint8_t *)buf;
  size_t n = build(buf, "USER ", 'a', 505, "\r\n");
  assert_int_equal(n, PINHOLE_FTP_LINE_MAX);
  assert_int_equal(pinhole_ftp_classify(u, n, CLIENT, NULL), CMD);
  n = build(buf, "USER ", 'a', 506, "\r\n");
  assert_int_equal(pinhole_ftp_classify(u, n, CLIENT, NULL), NOT);
  n = build(buf, "220 ", 'a', 507, "\n");
  assert_int_equal(pinhole_ftp_classify(u, n, SERVER, NULL), REPLY);
  n = build(buf, "220 ", 'a', 508, "\n");
  assert_int_equal(pinhole_ftp_classify(u, n, SERVER, NULL), NOT);
  /* Without a line end: partial up to 511 bytes, then no room is left. */
  n = build(buf, "USER ", 'a', 506, "");
  assert_int_equal(pinhole_ftp_classify(u, n, CLIENT, NULL), PART);
  n = build(buf, "USER ", 'a', 507, "");
  assert_int_equal(pinhole_ftp_classify(u, n, CLIENT, NULL), NOT);
  n = build(buf, " ", 'a', 650, "\n");
  assert_int_equal(pinhole_ftp_classify(u, n, SERVER, NULL), NOT);
}

/* Whatever pinhole_ftp_parse() accepts, classify calls FTP. */
static void test_ftp_classify_agrees_with_parse(void **state) {
  (void)state;
  static const char *const client[] = {
      "PORT 198,18,0,2,13,61\r\n", "port\t198,18,0,2,13,61\n",
      "EPRT |1|198.18.0.2|3389|\r\n", "eprt\t!1!0.0.0.0!00021! \n"};
  static const char *const server[] = {
      "227 Entering Passive Mode (198,18,0,2,195,80).\r\n",
      "227\t(198,18,0,3,0,1)\r\n", "229 x (!!!65535!)\n"};
  pinhole_ftp_msg m;
  unsigned code;
  for (size_t i = 0; i < sizeof(client) / sizeof(client[0]); i++) {
    assert_int_equal(parse_s(client[i], CLIENT, &m), 0);
    assert_int_equal(pinhole_ftp_classify((const uint8_t *)client[i],
                                          strlen(client[i]), CLIENT, &code),
                     CMD);
  }
  for (size_t i = 0; i < sizeof(server) / sizeof(server[0]); i++) {
    assert_int_equal(parse_s(server[i], SERVER, &m), 0);
    assert_int_equal(pinhole_ftp_classify((const uint8_t *)server[i],
                                          strlen(server[i]), SERVER, &code),
                     REPLY);
    assert_int_equal(code, m.kind == PINHOLE_FTP_227 ? 227u : 229u);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ftp_line_len),
      cmocka_unit_test(test_ftp_port_rfc959),
      cmocka_unit_test(test_ftp_port_variants),
      cmocka_unit_test(test_ftp_port_hostile),
      cmocka_unit_test(test_ftp_eprt_rfc2428),
      cmocka_unit_test(test_ftp_eprt_ipv6_unsupported),
      cmocka_unit_test(test_ftp_eprt_hostile),
      cmocka_unit_test(test_ftp_227_server_shapes),
      cmocka_unit_test(test_ftp_227_hostile),
      cmocka_unit_test(test_ftp_229_rfc2428),
      cmocka_unit_test(test_ftp_229_hostile),
      cmocka_unit_test(test_ftp_nomatch_other_lines),
      cmocka_unit_test(test_ftp_embedded_nul),
      cmocka_unit_test(test_ftp_line_length_limit),
      cmocka_unit_test(test_ftp_invalid_args),
      cmocka_unit_test(test_ftp_format_bytes),
      cmocka_unit_test(test_ftp_format_invalid),
      cmocka_unit_test(test_ftp_round_trip),
      cmocka_unit_test(test_ftp_kind_name),
      cmocka_unit_test(test_ftp_prefix_of_accepted),
      cmocka_unit_test(test_ftp_prefix_diverges),
      cmocka_unit_test(test_ftp_prefix_tab_after_verb),
      cmocka_unit_test(test_ftp_prefix_line_limit),
      cmocka_unit_test(test_ftp_prefix_hostile),
      cmocka_unit_test(test_ftp_classify_client),
      cmocka_unit_test(test_ftp_classify_server),
      cmocka_unit_test(test_ftp_classify_multiline),
      cmocka_unit_test(test_ftp_classify_slipstream),
      cmocka_unit_test(test_ftp_classify_line_limit),
      cmocka_unit_test(test_ftp_classify_agrees_with_parse),
  };
  return cmocka_run_group_tests_name("unit.ftp", tests, NULL, NULL);
}

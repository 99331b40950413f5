/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: SQLNet (Oracle TNS) packet framing, connect descriptors and
 * their rewriting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/sqlnet.h>

#define U8(s) ((const uint8_t *)(s))
#define S(s) U8(s), (sizeof(s) - 1)

static void put16(uint8_t *b, size_t v) {
  b[0] = (uint8_t)(v >> 8);
  b[1] = (uint8_t)v;
}

/* A CONNECT as an 11g client sends it: version 314, compatible 300,
 * SDU 8192, TDU 32767, connect data at offset 58. */
static size_t mk_connect(uint8_t *b, const char *cd) {
  size_t cdl = strlen(cd);
  memset(b, 0, 58);
  put16(b, 58 + cdl);
  b[4] = 1;
  put16(b + 8, 314);
  put16(b + 10, 300);
  put16(b + 12, 0x0c41);
  put16(b + 14, 8192);
  put16(b + 16, 32767);
  put16(b + 18, 0x7f08);
  put16(b + 22, 1);
  put16(b + 24, cdl);
  put16(b + 26, 58);
  b[32] = 0x41;
  b[33] = 0x41;
  memcpy(b + 58, cd, cdl);
  return 58 + cdl;
}

/* A REDIRECT: data length at 8, data from 10. */
static size_t mk_redirect(uint8_t *b, const uint8_t *rd, size_t rdl) {
  memset(b, 0, 10);
  put16(b, 10 + rdl);
  b[4] = 5;
  put16(b + 8, rdl);
  memcpy(b + 10, rd, rdl);
  return 10 + rdl;
}

static const char connect_data[] =
    "(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=orcl)(CID=(PROGRAM=sqlplus)"
    "(HOST=client1)(USER=alice)))(ADDRESS=(PROTOCOL=TCP)(HOST=198.19.0.10)"
    "(PORT=1521)))";

static void test_sqlnet_frame_connect(void **state) {
  (void)state;
  uint8_t b[512];
  size_t n = mk_connect(b, connect_data);
  pinhole_sqlnet_pkt m;
  assert_int_equal(pinhole_sqlnet_frame(b, n, &m), 0);
  assert_int_equal(m.type, PINHOLE_SQLNET_CONNECT);
  assert_int_equal(m.length, n);
  assert_int_equal(m.total_len, n);
  assert_int_equal(m.version, 314);
  assert_int_equal(m.flags, PINHOLE_SQLNET_PKT_DATA);
  assert_int_equal(m.data_len_off, 24);
  assert_int_equal(m.data_off, 58);
  assert_int_equal(m.data_len, sizeof(connect_data) - 1);
  /* every strict prefix is partial; the header is known from 8 bytes */
  for (size_t k = 0; k < n; k++) {
    assert_int_equal(pinhole_sqlnet_frame(b, k, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(m.total_len, k >= 8 ? n : 0);
    assert_int_equal(m.data_len, 0);
  }
}

static void test_sqlnet_frame_redirect_and_next(void **state) {
  (void)state;
  static const char rd[] = "(ADDRESS=(PROTOCOL=tcp)(HOST=198.18.0.5)"
                           "(PORT=40123))";
  uint8_t b[256];
  size_t n = mk_redirect(b, U8(rd), sizeof(rd) - 1);
  /* an ACK packet follows in the same segment */
  static const uint8_t ack[] = {0, 8, 0, 0, 3, 0, 0, 0};
  memcpy(b + n, ack, sizeof(ack));
  pinhole_sqlnet_pkt m;
  assert_int_equal(pinhole_sqlnet_frame(b, n + 8, &m), 0);
  assert_int_equal(m.type, PINHOLE_SQLNET_REDIRECT);
  assert_int_equal(m.total_len, n);
  assert_int_equal(m.flags, PINHOLE_SQLNET_PKT_DATA);
  assert_int_equal(m.data_len_off, 8);
  assert_int_equal(m.data_off, 10);
  assert_int_equal(m.data_len, sizeof(rd) - 1);
  assert_int_equal(pinhole_sqlnet_frame(b + n, 8, &m), 0);
  assert_int_equal(m.type, PINHOLE_SQLNET_ACK);
  assert_int_equal(m.total_len, 8);
  assert_int_equal(m.data_len_off, 0);
}

static void test_sqlnet_frame_data_next(void **state) {
  (void)state;
  pinhole_sqlnet_pkt m;
  uint8_t b[64];
  /* long connect data: the CONNECT ends at 58 and announces 300 bytes */
  mk_connect(b, "");
  put16(b + 24, 300);
  assert_int_equal(pinhole_sqlnet_frame(b, 58, &m), 0);
  assert_int_equal(m.flags, PINHOLE_SQLNET_PKT_DATA_NEXT);
  assert_int_equal(m.data_len, 300);
  assert_int_equal(m.data_off, 0);
  /* a REDIRECT of 10 bytes announcing 77 */
  mk_redirect(b, U8(""), 0);
  put16(b + 8, 77);
  assert_int_equal(pinhole_sqlnet_frame(b, 10, &m), 0);
  assert_int_equal(m.flags, PINHOLE_SQLNET_PKT_DATA_NEXT);
  assert_int_equal(m.data_len, 77);
  /* a CONNECT without connect data */
  mk_connect(b, "");
  assert_int_equal(pinhole_sqlnet_frame(b, 58, &m), 0);
  assert_int_equal(m.flags, 0);
  assert_int_equal(m.data_len, 0);
}

static void test_sqlnet_frame_len32_and_dd(void **state) {
  (void)state;
  pinhole_sqlnet_pkt m;
  /* 12c large-SDU form: 32-bit length 0x00010010, a DATA packet */
  uint8_t b[16] = {0x00, 0x01, 0x00, 0x10, 6, 0, 0, 0, 0, 0};
  assert_int_equal(pinhole_sqlnet_frame(b, 16, &m), PINHOLE_ERR_PARTIAL);
  assert_int_equal(m.flags, PINHOLE_SQLNET_PKT_LEN32);
  assert_int_equal(m.length, 0x10010);
  assert_int_equal(m.total_len, 0x10010);
  /* checksum 4 (10g) keeps the 16-bit form */
  uint8_t c[10] = {0x00, 0x0a, 0x00, 0x04, 6, 0, 0, 0, 0, 0};
  assert_int_equal(pinhole_sqlnet_frame(c, 10, &m), 0);
  assert_int_equal(m.flags, 0);
  assert_int_equal(m.total_len, 10);
  /* a data descriptor: 16 bytes, then 5 raw bytes it counts at 12 */
  uint8_t d[21] = {0, 16, 0, 0, 15, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 5};
  assert_int_equal(pinhole_sqlnet_frame(d, 21, &m), 0);
  assert_int_equal(m.type, PINHOLE_SQLNET_DATA_DESCRIPTOR);
  assert_int_equal(m.length, 16);
  assert_int_equal(m.total_len, 21);
  assert_int_equal(pinhole_sqlnet_frame(d, 20, &m), PINHOLE_ERR_PARTIAL);
  assert_int_equal(pinhole_sqlnet_frame(d, 15, &m), PINHOLE_ERR_PARTIAL);
  assert_int_equal(m.total_len, 0);
  d[1] = 12;
  assert_int_equal(pinhole_sqlnet_frame(d, 21, &m), PINHOLE_ERR_PARSE);
}

static void test_sqlnet_frame_bad(void **state) {
  (void)state;
  pinhole_sqlnet_pkt m;
  uint8_t b[512];
  size_t n = mk_connect(b, connect_data);
  /* unknown types, refused once byte 4 is held */
  static const uint8_t types[] = {0, 8, 10, 16, 19, 255};
  for (size_t i = 0; i < sizeof(types); i++) {
    b[4] = types[i];
    assert_int_equal(pinhole_sqlnet_frame(b, 4, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(pinhole_sqlnet_frame(b, 5, &m), PINHOLE_ERR_PARSE);
    assert_int_equal(pinhole_sqlnet_frame(b, n, &m), PINHOLE_ERR_PARSE);
  }
  b[4] = 1;
  /* lengths below the header, refused at 4 bytes */
  put16(b, 7);
  assert_int_equal(pinhole_sqlnet_frame(b, 4, &m), PINHOLE_ERR_PARSE);
  put16(b, 0);
  assert_int_equal(pinhole_sqlnet_frame(b, 4, &m), PINHOLE_ERR_PARSE);
  /* connect data length that lies: one more, one less than the packet */
  put16(b, n);
  put16(b + 24, sizeof(connect_data));
  assert_int_equal(pinhole_sqlnet_frame(b, n, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(m.length, 0);
  put16(b + 24, sizeof(connect_data) - 2);
  assert_int_equal(pinhole_sqlnet_frame(b, n, &m), PINHOLE_ERR_PARSE);
  /* connect data offset inside the fixed part */
  put16(b + 24, sizeof(connect_data) - 1);
  put16(b + 26, 20);
  assert_int_equal(pinhole_sqlnet_frame(b, n, &m), PINHOLE_ERR_PARSE);
  /* a CONNECT too short for its fixed part */
  uint8_t s[33] = {0, 33, 0, 0, 1};
  assert_int_equal(pinhole_sqlnet_frame(s, 33, &m), PINHOLE_ERR_PARSE);
  /* a REDIRECT whose data length lies, or with bytes but length 0 */
  n = mk_redirect(b, U8("(ADDRESS=(PORT=1))"), 18);
  put16(b + 8, 19);
  assert_int_equal(pinhole_sqlnet_frame(b, n, &m), PINHOLE_ERR_PARSE);
  put16(b + 8, 0);
  assert_int_equal(pinhole_sqlnet_frame(b, n, &m), PINHOLE_ERR_PARSE);
  uint8_t r[9] = {0, 9, 0, 0, 5};
  assert_int_equal(pinhole_sqlnet_frame(r, 9, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_sqlnet_frame(NULL, 1, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sqlnet_frame(r, 9, NULL), PINHOLE_ERR_INVALID_ARG);
}

/* ---- descriptors ------------------------------------------------------ */

static void test_sqlnet_desc_connect(void **state) {
  (void)state;
  pinhole_sqlnet_desc d;
  assert_int_equal(pinhole_sqlnet_desc_parse(S(connect_data), &d), 0);
  /* the CID's HOST (the client's name) is not an address */
  assert_int_equal(d.naddrs, 1);
  const pinhole_sqlnet_address *a = &d.addr[0];
  assert_int_equal(a->proto, PINHOLE_SQLNET_PROTO_TCP);
  assert_int_equal(a->flags, PINHOLE_SQLNET_ADDR_HOST |
                                 PINHOLE_SQLNET_ADDR_HOST_IPV4 |
                                 PINHOLE_SQLNET_ADDR_PORT);
  assert_int_equal(a->addr, 0xC613000A);
  assert_int_equal(a->port, 1521);
  assert_int_equal(a->off, 96);
  assert_int_equal(a->len, 53);
  assert_memory_equal(connect_data + a->off, "(ADDRESS=", 9);
  assert_int_equal(connect_data[a->off + a->len - 1], ')');
  assert_memory_equal(connect_data + a->host_off, "198.19.0.10", 11);
  assert_int_equal(a->host_len, 11);
  assert_memory_equal(connect_data + a->port_off, "1521", 4);
  assert_int_equal(a->port_len, 4);
}

static void test_sqlnet_desc_blanks_case_quotes(void **state) {
  (void)state;
  static const char d1[] =
      "\r\n( description =\n  ( address_list =\n"
      "    ( Address = ( Protocol = tcps ) ( Host = \"db.example\" )"
      " ( Port = 2484 ) )\n"
      "    (ADDRESS=(PROTOCOL=IPC)(KEY=extproc))\n"
      "    (address=(host= 198.18.0.7 )(port=01521)(protocol=TCP))))\n";
  pinhole_sqlnet_desc d;
  assert_int_equal(pinhole_sqlnet_desc_parse(S(d1), &d), 0);
  assert_int_equal(d.naddrs, 3);
  assert_int_equal(d.addr[0].proto, PINHOLE_SQLNET_PROTO_TCPS);
  assert_int_equal(d.addr[0].flags, PINHOLE_SQLNET_ADDR_HOST |
                                        PINHOLE_SQLNET_ADDR_QUOTED |
                                        PINHOLE_SQLNET_ADDR_PORT);
  assert_int_equal(d.addr[0].host_len, 10);
  assert_memory_equal(d1 + d.addr[0].host_off, "db.example", 10);
  assert_int_equal(d.addr[0].port, 2484);
  assert_int_equal(d.addr[1].proto, PINHOLE_SQLNET_PROTO_OTHER);
  assert_int_equal(d.addr[1].flags, 0);
  assert_int_equal(d.addr[2].proto, PINHOLE_SQLNET_PROTO_TCP);
  assert_int_equal(d.addr[2].addr, 0xC6120007);
  assert_int_equal(d.addr[2].host_len, 10); /* blanks around it excluded */
  assert_memory_equal(d1 + d.addr[2].host_off, "198.18.0.7", 10);
  assert_int_equal(d.addr[2].port, 1521);
  assert_int_equal(d.addr[2].port_len, 5);
}

static void test_sqlnet_desc_redirect_with_nul(void **state) {
  (void)state;
  /* redirect data: the new address, a NUL, the original descriptor */
  static const char rd[] =
      "(ADDRESS=(PROTOCOL=tcp)(HOST=198.18.0.5)(PORT=40123))\0"
      "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=198.19.0.1)(PORT=1521))"
      "(CONNECT_DATA=(SID=XE)))";
  pinhole_sqlnet_desc d;
  assert_int_equal(pinhole_sqlnet_desc_parse(S(rd), &d), 0);
  assert_int_equal(d.naddrs, 2);
  assert_int_equal(d.addr[0].addr, 0xC6120005);
  assert_int_equal(d.addr[0].port, 40123);
  assert_int_equal(d.addr[0].off, 0);
  assert_int_equal(d.addr[0].len, 53);
  assert_int_equal(d.addr[1].addr, 0xC6130001);
  assert_int_equal(d.addr[1].port, 1521);
}

static void test_sqlnet_desc_hosts(void **state) {
  (void)state;
  pinhole_sqlnet_desc d;
  static const struct {
    const char *s;
    uint32_t flags;
  } t[] = {
      {"(ADDRESS=(HOST=db1))", PINHOLE_SQLNET_ADDR_HOST},
      {"(ADDRESS=(HOST=198.018.0.1))", PINHOLE_SQLNET_ADDR_HOST},
      {"(ADDRESS=(HOST=198.18.0.256))", PINHOLE_SQLNET_ADDR_HOST},
      {"(ADDRESS=(HOST=2001:db8::1))", PINHOLE_SQLNET_ADDR_HOST},
      {"(ADDRESS=(HOST=))", PINHOLE_SQLNET_ADDR_HOST},
      {"(ADDRESS=(HOST=my\\(host\\)))", PINHOLE_SQLNET_ADDR_HOST},
      {"(ADDRESS=(HOST=198.18.0.1))",
       PINHOLE_SQLNET_ADDR_HOST | PINHOLE_SQLNET_ADDR_HOST_IPV4},
      {"(ADDRESS=(HOST=\"198.18.0.1\"))", PINHOLE_SQLNET_ADDR_HOST |
                                              PINHOLE_SQLNET_ADDR_HOST_IPV4 |
                                              PINHOLE_SQLNET_ADDR_QUOTED},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    assert_int_equal(pinhole_sqlnet_desc_parse(U8(t[i].s), strlen(t[i].s), &d),
                     0);
    assert_int_equal(d.naddrs, 1);
    assert_int_equal(d.addr[0].flags, t[i].flags);
  }
}

static void test_sqlnet_desc_malformed(void **state) {
  (void)state;
  pinhole_sqlnet_desc d;
  static const struct {
    const char *s;
    int rc;
  } t[] = {
      {"", PINHOLE_ERR_PARSE},
      {" \r\n", PINHOLE_ERR_PARSE},
      {"DESCRIPTION=(A=B)", PINHOLE_ERR_PARSE},
      {"(A=B", PINHOLE_ERR_PARSE},
      {"(A=B))", PINHOLE_ERR_PARSE},
      {"(A=(B=C)", PINHOLE_ERR_PARSE},
      {"(A B)", PINHOLE_ERR_PARSE},
      {"(=B)", PINHOLE_ERR_PARSE},
      {"(A=B=C)", PINHOLE_ERR_PARSE},
      {"(A=\"B)", PINHOLE_ERR_PARSE},
      {"(A=\"B\nC\")", PINHOLE_ERR_PARSE},
      {"(A=B\x01)", PINHOLE_ERR_PARSE},
      {"(A=B\\", PINHOLE_ERR_PARSE},
      {"(A=(B=C)x)", PINHOLE_ERR_PARSE},
      {"(A=B)junk", PINHOLE_ERR_PARSE},
      {"(A=B) (C", PINHOLE_ERR_PARSE},
      {"(ADDRESS=(HOST=a)(HOST=b))", PINHOLE_ERR_PARSE},
      {"(ADDRESS=(PORT=1)(port=2))", PINHOLE_ERR_PARSE},
      {"(ADDRESS=(PROTOCOL=tcp)(PROTOCOL=tcp))", PINHOLE_ERR_PARSE},
      {"(ADDRESS=(PORT=))", PINHOLE_ERR_PARSE},
      {"(ADDRESS=(PORT=15x1))", PINHOLE_ERR_PARSE},
      {"(ADDRESS=(PORT=-1))", PINHOLE_ERR_PARSE},
      {"(ADDRESS=(PORT=123456))", PINHOLE_ERR_PARSE},
      {"(ADDRESS=(PORT=65536))", PINHOLE_ERR_RANGE},
      {"(ADDRESS=(PORT=99999))", PINHOLE_ERR_RANGE},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    assert_int_equal(pinhole_sqlnet_desc_parse(U8(t[i].s), strlen(t[i].s), &d),
                     t[i].rc);
  /* a keyword of 64 is fine, 65 is not */
  char kw[128] = "(";
  memset(kw + 1, 'K', 64);
  memcpy(kw + 65, "=v)", 4);
  assert_int_equal(pinhole_sqlnet_desc_parse(U8(kw), strlen(kw), &d), 0);
  memset(kw + 1, 'K', 65);
  memcpy(kw + 66, "=v)", 4);
  assert_int_equal(pinhole_sqlnet_desc_parse(U8(kw), strlen(kw), &d),
                   PINHOLE_ERR_PARSE);
  /* every strict prefix of a valid descriptor is refused */
  for (size_t k = 0; k < sizeof(connect_data) - 1; k++)
    assert_int_equal(pinhole_sqlnet_desc_parse(U8(connect_data), k, &d),
                     PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_sqlnet_desc_parse(NULL, 1, &d),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sqlnet_desc_parse(S("(A=B)"), NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_sqlnet_desc_depth_and_count(void **state) {
  (void)state;
  pinhole_sqlnet_desc d;
  char b[1024];
  /* 16 levels deep: fine; 17: refused */
  for (int depth = 16; depth <= 17; depth++) {
    size_t n = 0;
    for (int i = 0; i < depth - 1; i++)
      n += (size_t)snprintf(b + n, sizeof(b) - n, "(L%d=", i);
    n += (size_t)snprintf(b + n, sizeof(b) - n, "(X=y)");
    for (int i = 0; i < depth - 1; i++)
      b[n++] = ')';
    assert_int_equal(pinhole_sqlnet_desc_parse(U8(b), n, &d),
                     depth == 16 ? 0 : PINHOLE_ERR_PARSE);
  }
  /* a huge nesting is refused at the limit, not by running out of stack */
  static char deep[3 * 100000];
  for (size_t i = 0; i < 100000; i++)
    memcpy(deep + 3 * i, "(A=", 3);
  assert_int_equal(pinhole_sqlnet_desc_parse(U8(deep), sizeof(deep), &d),
                   PINHOLE_ERR_PARSE);
  /* 8 addresses: fine; 9: out of range */
  for (int count = 8; count <= 9; count++) {
    size_t n = (size_t)snprintf(b, sizeof(b), "(ADDRESS_LIST=");
    for (int i = 0; i < count; i++)
      n += (size_t)snprintf(b + n, sizeof(b) - n,
                            "(ADDRESS=(HOST=198.18.0.%d)(PORT=%d))", i + 1,
                            1521 + i);
    b[n++] = ')';
    int rc = pinhole_sqlnet_desc_parse(U8(b), n, &d);
    assert_int_equal(rc, count == 8 ? 0 : PINHOLE_ERR_RANGE);
    if (rc == 0) {
      assert_int_equal(d.naddrs, 8);
      assert_int_equal(d.addr[7].addr, 0xC6120008);
      assert_int_equal(d.addr[7].port, 1528);
    }
  }
}

/* ---- rewriting --------------------------------------------------------- */

static void test_sqlnet_desc_rewrite_exact(void **state) {
  (void)state;
  static const char in[] =
      "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=198.18.0.5)(PORT=1521))"
      "(ADDRESS=(PROTOCOL=TCP)(HOST=\"db2\")(PORT=1522)))";
  static const char want[] =
      "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=198.19.0.200)(PORT=61000))"
      "(ADDRESS=(PROTOCOL=TCP)(HOST=\"198.19.0.201\")(PORT=1522)))";
  pinhole_sqlnet_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.addr[0].flags = PINHOLE_SQLNET_REWRITE_HOST | PINHOLE_SQLNET_REWRITE_PORT;
  rw.addr[0].addr = 0xC61300C8;
  rw.addr[0].port = 61000;
  rw.addr[1].flags = PINHOLE_SQLNET_REWRITE_HOST;
  rw.addr[1].addr = 0xC61300C9;
  rw.addr[1].port = 9; /* not selected: unchanged */
  uint8_t out[256];
  int n = pinhole_sqlnet_desc_rewrite(S(in), &rw, out, sizeof(out));
  assert_int_equal(n, sizeof(want) - 1);
  assert_memory_equal(out, want, sizeof(want) - 1);
  /* NOBUF is exact */
  assert_int_equal(pinhole_sqlnet_desc_rewrite(S(in), &rw, out, (size_t)n - 1),
                   PINHOLE_ERR_NOBUF);
  assert_int_equal(pinhole_sqlnet_desc_rewrite(S(in), &rw, out, (size_t)n), n);
  /* nothing selected: an exact copy */
  memset(&rw, 0, sizeof(rw));
  assert_int_equal(pinhole_sqlnet_desc_rewrite(S(in), &rw, out, sizeof(out)),
                   sizeof(in) - 1);
  assert_memory_equal(out, in, sizeof(in) - 1);
  assert_int_equal(pinhole_sqlnet_desc_rewrite(S(in), NULL, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_sqlnet_desc_rewrite(S("(A="), &rw, out, 16),
                   PINHOLE_ERR_PARSE);
}

static void test_sqlnet_desc_rewrite_order(void **state) {
  (void)state;
  /* an ADDRESS inside an ADDRESS, PORT before HOST: edits land in text
   * order whatever the record order */
  static const char in[] = "(ADDRESS=(PORT=1)(X=(ADDRESS=(HOST=198.18.0.9)"
                           "(PORT=2)))(HOST=198.18.0.8))";
  static const char want[] = "(ADDRESS=(PORT=11111)(X=(ADDRESS=(HOST=198.19."
                             "0.9)(PORT=22222)))(HOST=198.19.0.8))";
  pinhole_sqlnet_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.addr[0].flags = PINHOLE_SQLNET_REWRITE_HOST | PINHOLE_SQLNET_REWRITE_PORT;
  rw.addr[0].addr = 0xC6130008;
  rw.addr[0].port = 11111;
  rw.addr[1].flags = PINHOLE_SQLNET_REWRITE_HOST | PINHOLE_SQLNET_REWRITE_PORT;
  rw.addr[1].addr = 0xC6130009;
  rw.addr[1].port = 22222;
  uint8_t out[256];
  int n = pinhole_sqlnet_desc_rewrite(S(in), &rw, out, sizeof(out));
  assert_int_equal(n, sizeof(want) - 1);
  assert_memory_equal(out, want, sizeof(want) - 1);
}

static void test_sqlnet_rewrite_redirect_packet(void **state) {
  (void)state;
  /* the inside dispatcher 198.18.0.5:40123 becomes 198.19.0.1:1024 */
  static const char rd[] = "(ADDRESS=(PROTOCOL=tcp)(HOST=198.18.0.5)"
                           "(PORT=40123))\0(DESCRIPTION=(CONNECT_DATA="
                           "(SID=XE)))";
  static const char nrd[] = "(ADDRESS=(PROTOCOL=tcp)(HOST=198.19.0.1)"
                            "(PORT=1024))\0(DESCRIPTION=(CONNECT_DATA="
                            "(SID=XE)))";
  uint8_t in[256], want[256], out[256];
  size_t n = mk_redirect(in, U8(rd), sizeof(rd) - 1);
  size_t wn = mk_redirect(want, U8(nrd), sizeof(nrd) - 1);
  assert_int_equal(wn, n - 1);
  pinhole_sqlnet_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.addr[0].flags = PINHOLE_SQLNET_REWRITE_HOST | PINHOLE_SQLNET_REWRITE_PORT;
  rw.addr[0].addr = 0xC6130001;
  rw.addr[0].port = 1024;
  int r = pinhole_sqlnet_packet_rewrite(in, n, &rw, out, sizeof(out));
  assert_int_equal(r, wn);
  assert_memory_equal(out, want, wn);
  /* the length fields, spelled out */
  assert_int_equal(out[0] << 8 | out[1], 10 + sizeof(nrd) - 1);
  assert_int_equal(out[8] << 8 | out[9], sizeof(nrd) - 1);
  pinhole_sqlnet_pkt m;
  assert_int_equal(pinhole_sqlnet_frame(out, (size_t)r, &m), 0);
  assert_int_equal(m.data_len, sizeof(nrd) - 1);
  memset(out, 0x5a, sizeof(out));
  assert_int_equal(pinhole_sqlnet_packet_rewrite(in, n, &rw, out, wn - 1),
                   PINHOLE_ERR_NOBUF);
  for (size_t i = 0; i < sizeof(out); i++)
    assert_int_equal(out[i], 0x5a);
}

static void test_sqlnet_rewrite_connect_packet(void **state) {
  (void)state;
  /* destination NAT: the client names 198.19.0.10, the server is
   * 198.18.0.200; the data grows by one byte */
  static const char want_cd[] =
      "(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=orcl)(CID=(PROGRAM=sqlplus)"
      "(HOST=client1)(USER=alice)))(ADDRESS=(PROTOCOL=TCP)(HOST=198.18.0.200)"
      "(PORT=1521)))";
  uint8_t in[512], want[512], out[512];
  size_t n = mk_connect(in, connect_data);
  size_t wn = mk_connect(want, want_cd);
  pinhole_sqlnet_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.addr[0].flags = PINHOLE_SQLNET_REWRITE_HOST;
  rw.addr[0].addr = 0xC61200C8;
  int r = pinhole_sqlnet_packet_rewrite(in, n, &rw, out, sizeof(out));
  assert_int_equal(r, n + 1);
  assert_int_equal(r, wn);
  assert_memory_equal(out, want, wn);
  assert_int_equal(out[24] << 8 | out[25], sizeof(want_cd) - 1);
  assert_int_equal(out[26] << 8 | out[27], 58);
}

static void test_sqlnet_rewrite_refusals(void **state) {
  (void)state;
  uint8_t in[512], out[512];
  pinhole_sqlnet_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.addr[0].flags = PINHOLE_SQLNET_REWRITE_HOST;
  rw.addr[0].addr = 0xC6130001;
  /* not a CONNECT or REDIRECT, or its data in the next packet */
  static const uint8_t data[] = {0, 12, 0, 0, 6, 0, 0, 0, 0, 0, 1, 2};
  assert_int_equal(
      pinhole_sqlnet_packet_rewrite(data, 12, &rw, out, sizeof(out)),
      PINHOLE_ERR_NOMATCH);
  mk_connect(in, "");
  put16(in + 24, 300);
  assert_int_equal(pinhole_sqlnet_packet_rewrite(in, 58, &rw, out, sizeof(out)),
                   PINHOLE_ERR_NOMATCH);
  /* partial, or bytes after the packet */
  size_t n = mk_connect(in, connect_data);
  assert_int_equal(
      pinhole_sqlnet_packet_rewrite(in, n - 1, &rw, out, sizeof(out)),
      PINHOLE_ERR_PARTIAL);
  assert_int_equal(
      pinhole_sqlnet_packet_rewrite(in, n + 1, &rw, out, sizeof(out)),
      PINHOLE_ERR_PARSE);
  /* data that is not a descriptor */
  n = mk_connect(in, "(DESCRIPTION=(ADDRESS=(HOST=x)");
  assert_int_equal(pinhole_sqlnet_packet_rewrite(in, n, &rw, out, sizeof(out)),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_sqlnet_packet_rewrite(in, n, NULL, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
}

/* A REDIRECT whose data is dl bytes: one ADDRESS, then filler. */
static size_t mk_big_redirect(uint8_t *b, size_t dl, int len32) {
  static const char head[] = "(ADDRESS=(HOST=1.1.1.1)(PORT=1))(X=";
  size_t total = 10 + dl;
  memset(b, 0, 10);
  if (len32) {
    b[0] = (uint8_t)(total >> 24);
    b[1] = (uint8_t)(total >> 16);
    put16(b + 2, total);
  } else {
    put16(b, total);
  }
  b[4] = 5;
  put16(b + 8, dl);
  memcpy(b + 10, head, sizeof(head) - 1);
  memset(b + 10 + sizeof(head) - 1, 'v', dl - (sizeof(head) - 1) - 1);
  b[10 + dl - 1] = ')';
  return total;
}

static void test_sqlnet_rewrite_length_limit(void **state) {
  (void)state;
  static uint8_t in[70000], out[70000];
  pinhole_sqlnet_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.addr[0].flags = PINHOLE_SQLNET_REWRITE_HOST;
  /* 16-bit form at 65535 bytes: a HOST that grows cannot fit ... */
  size_t n = mk_big_redirect(in, 65525, 0);
  rw.addr[0].addr = 0xC61300FE;
  assert_int_equal(pinhole_sqlnet_packet_rewrite(in, n, &rw, out, sizeof(out)),
                   PINHOLE_ERR_RANGE);
  /* ... one of the same length does */
  rw.addr[0].addr = 0x02020202;
  assert_int_equal(pinhole_sqlnet_packet_rewrite(in, n, &rw, out, sizeof(out)),
                   65535);
  assert_memory_equal(out + 10, "(ADDRESS=(HOST=2.2.2.2)", 23);
  /* 32-bit form: the packet may pass 65535 (written in 4 bytes) */
  n = mk_big_redirect(in, 65525, 1);
  pinhole_sqlnet_pkt m;
  assert_int_equal(pinhole_sqlnet_frame(in, n, &m), 0);
  assert_int_equal(m.flags, PINHOLE_SQLNET_PKT_LEN32 | PINHOLE_SQLNET_PKT_DATA);
  rw.addr[0].addr = 0xC61300FE;
  assert_int_equal(pinhole_sqlnet_packet_rewrite(in, n, &rw, out, sizeof(out)),
                   65540);
  static const uint8_t len4[] = {0x00, 0x01, 0x00, 0x04};
  assert_memory_equal(out, len4, 4);
  assert_int_equal(out[8] << 8 | out[9], 65530);
  /* ... but the redirect data length stays a 16-bit field */
  n = mk_big_redirect(in, 65535, 1);
  assert_int_equal(pinhole_sqlnet_packet_rewrite(in, n, &rw, out, sizeof(out)),
                   PINHOLE_ERR_RANGE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sqlnet_frame_connect),
      cmocka_unit_test(test_sqlnet_frame_redirect_and_next),
      cmocka_unit_test(test_sqlnet_frame_data_next),
      cmocka_unit_test(test_sqlnet_frame_len32_and_dd),
      cmocka_unit_test(test_sqlnet_frame_bad),
      cmocka_unit_test(test_sqlnet_desc_connect),
      cmocka_unit_test(test_sqlnet_desc_blanks_case_quotes),
      cmocka_unit_test(test_sqlnet_desc_redirect_with_nul),
      cmocka_unit_test(test_sqlnet_desc_hosts),
      cmocka_unit_test(test_sqlnet_desc_malformed),
      cmocka_unit_test(test_sqlnet_desc_depth_and_count),
      cmocka_unit_test(test_sqlnet_desc_rewrite_exact),
      cmocka_unit_test(test_sqlnet_desc_rewrite_order),
      cmocka_unit_test(test_sqlnet_rewrite_redirect_packet),
      cmocka_unit_test(test_sqlnet_rewrite_connect_packet),
      cmocka_unit_test(test_sqlnet_rewrite_refusals),
      cmocka_unit_test(test_sqlnet_rewrite_length_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

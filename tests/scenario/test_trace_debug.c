/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ALG trace in the layout of the firewall's FTP ALG debug output
 * (pinhole_trace_format_debug): whole exchanges pinned byte for byte: an
 * FTP PASV / 227, an FTP PORT that shrinks the line (the sequence offset
 * line), a SIP INVITE, a TFTP read; and the formatter's edges.
 */
#include "helpers.h"

/* 2026-12-04 16:00:00 UTC at the host's monotonic 0 */
#define WALL (1796400000ull * SEC)

typedef struct dbg {
  tctx t; /* first: the helpers' callbacks take it as their user */
  char log[16384];
  size_t used;
} dbg;

static void on_trace(pinhole_ctx *ctx, const pinhole_trace *tr, void *user) {
  (void)ctx;
  dbg *d = user;
  int n = pinhole_trace_format_debug(tr, WALL, d->log + d->used,
                                     sizeof(d->log) - d->used);
  assert_true(n >= 0 && (size_t)n < sizeof(d->log) - d->used);
  d->used += (size_t)n;
}

/* The helpers' usual context (source NAPT to PUB) with the debug trace. */
static dbg *dbg_ctx(void) {
  dbg *d = calloc(1, sizeof(*d));
  assert_non_null(d);
  pinhole_config cfg;
  t_cfg(&cfg);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = PUB;
  t_ctx_init(&d->t, &cfg, &pool, on_trace);
  return d;
}

static void dbg_is(dbg *d, const char *want) {
  if (strcmp(d->log, want) != 0) {
    fprintf(stderr, "debug trace:\n%s\nwanted:\n%s\n", d->log, want);
    fail();
  }
}

#define CLI IP4(198, 18, 0, 100)

/* Handshake and greeting of an FTP control connection from CLI:40000;
 * the client's next seq 101, the server's 921. */
static void ftp_open(dbg *d) {
  tpkt p;
  t_tcp(&p, CLI, 40000, OUT_HOST, 21, 100, 0, PINHOLE_TCP_SYN, NULL);
  assert_int_equal(t_in(&d->t, &p, SEC), 0);
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, 900, 101,
        PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, NULL);
  assert_int_equal(t_out(&d->t, &p, SEC), 0);
  t_ftp_greet(&d->t, OUT_HOST, PUB, 40000, 901 + T_FTP_GREETING_LEN, 101);
}

static void test_trace_debug_ftp_pasv_227(void **state) {
  (void)state;
  dbg *d = dbg_ctx();
  ftp_open(d);
  uint32_t s = 901 + T_FTP_GREETING_LEN;
  tpkt p;
  t_tcp(&p, CLI, 40000, OUT_HOST, 21, 101, s, PINHOLE_TCP_ACK, "PASV\r\n");
  assert_int_equal(t_in(&d->t, &p, 2 * SEC), 0);
  const char *r = "227 Entering Passive Mode (198,19,0,2,117,48).\r\n";
  t_tcp(&p, OUT_HOST, 21, PUB, 40000, s, 107, PINHOLE_TCP_ACK, r);
  assert_int_equal(t_out(&d->t, &p, 2 * SEC), 0);
  t_payload_is(&p, r);
  dbg_is(d,
         "## 2026-12-04 16:00:02 : received PASV command, TCP SEQ 101 ACK 909\n"
         "00000000: 50 41 53 56 0d 0a                                  PASV..\n"
         "## 2026-12-04 16:00:02 : received 227 command, TCP SEQ 909 ACK 107\n"
         "00000000: 32 32 37 20 45 6e 74 65  72 69 6e 67 20 50 61 73   227 "
         "Ente ring Pas\n"
         "00000010: 73 69 76 65 20 4d 6f 64  65 20 28 31 39 38 2c 31   sive "
         "Mod e (198,1\n"
         "00000020: 39 2c 30 2c 32 2c 31 31  37 2c 34 38 29 2e 0d 0a   "
         "9,0,2,11 7,48)...\n"
         "## 2026-12-04 16:00:02 : ftp 227 command: ip 198.19.0.2, port 30000\n"
         "## 2026-12-04 16:00:02 : ftp pinhole created: src ip 198.18.0.100, "
         "dst ip 198.19.0.2, src port 0-65535, dst port 30000-30000, protocol "
         "6, age 10, zone inside, parent conversation 1\n");
  t_ctx_del(&d->t);
}

static void test_trace_debug_ftp_port_shrinks(void **state) {
  (void)state;
  dbg *d = dbg_ctx();
  ftp_open(d);
  uint32_t s = 901 + T_FTP_GREETING_LEN;
  tpkt p;
  t_tcp(&p, CLI, 40000, OUT_HOST, 21, 101, s, PINHOLE_TCP_ACK,
        "PORT 198,18,0,100,156,65\r\n");
  assert_int_equal(t_in(&d->t, &p, 3 * SEC), 0);
  t_payload_is(&p, "PORT 198,19,0,1,156,65\r\n");
  dbg_is(
      d,
      "## 2026-12-04 16:00:03 : received PORT command, TCP SEQ 101 ACK 909\n"
      "00000000: 50 4f 52 54 20 31 39 38  2c 31 38 2c 30 2c 31 30   PORT 198 "
      ",18,0,10\n"
      "00000010: 30 2c 31 35 36 2c 36 35  0d 0a                     0,156,65 "
      "..\n"
      "## 2026-12-04 16:00:03 : ftp PORT command: ip 198.18.0.100, port 40001\n"
      "## 2026-12-04 16:00:03 : ftp translated ip 198.18.0.100, port 40001 -> "
      "ip 198.19.0.1, port 40001\n"
      "## 2026-12-04 16:00:03 : ftp pinhole created: src ip 198.19.0.2, dst ip "
      "198.19.0.1, src port 0-65535, dst port 40001-40001, protocol 6, age 10, "
      "zone outside, parent conversation 1\n"
      "## 2026-12-04 16:00:03 : ftp seq diff 0 -> -2, TCP SEQ 101 ACK 909\n");
  t_ctx_del(&d->t);
}

static void test_trace_debug_sip_invite(void **state) {
  (void)state;
  dbg *d = dbg_ctx();
  static const char body[] = "v=0\r\n"
                             "o=a 1 1 IN IP4 198.18.0.100\r\n"
                             "s=-\r\n"
                             "c=IN IP4 198.18.0.100\r\n"
                             "t=0 0\r\n"
                             "m=audio 49170 RTP/AVP 0\r\n";
  char msg[1024];
  snprintf(msg, sizeof(msg),
           "INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 198.18.0.100:5060;branch=z9hG4bK7\r\n"
           "From: <sip:a@198.18.0.100>;tag=1\r\n"
           "To: <sip:bob@198.19.0.2>\r\n"
           "Call-ID: c1@198.18.0.100\r\n"
           "CSeq: 1 INVITE\r\n"
           "Contact: <sip:a@198.18.0.100:5060>\r\n"
           "Content-Type: application/sdp\r\n"
           "Content-Length: %zu\r\n\r\n%s",
           strlen(body), body);
  tpkt p;
  t_udp(&p, CLI, 5060, OUT_HOST, 5060, msg);
  assert_int_equal(t_in(&d->t, &p, 4 * SEC), 0);
  dbg_is(d,
         "## 2026-12-04 16:00:04 : received INVITE command\n"
         "00000000: 49 4e 56 49 54 45 20 73  69 70 3a 62 6f 62 40 31   INVITE "
         "s ip:bob@1\n"
         "00000010: 39 38 2e 31 39 2e 30 2e  32 20 53 49 50 2f 32 2e   "
         "98.19.0. 2 SIP/2.\n"
         "00000020: 30 0d 0a 56 69 61 3a 20  53 49 50 2f 32 2e 30 2f   0..Via: "
         " SIP/2.0/\n"
         "00000030: 55 44 50 20 31 39 38 2e  31 38 2e 30 2e 31 30 30   UDP "
         "198. 18.0.100\n"
         "00000040: 3a 35 30 36 30 3b 62 72  61 6e 63 68 3d 7a 39 68   "
         ":5060;br anch=z9h\n"
         "00000050: 47 34 62 4b 37 0d 0a 46  72 6f 6d 3a 20 3c 73 69   "
         "G4bK7..F rom: <si\n"
         "00000060: 70 3a 61 40 31 39 38 2e  31 38 2e 30 2e 31 30 30   "
         "p:a@198. 18.0.100\n"
         "00000070: 3e 3b 74 61 67 3d 31 0d  0a 54 6f 3a 20 3c 73 69   "
         ">;tag=1. .To: <si\n"
         "00000080: 70 3a 62 6f 62 40 31 39  38 2e 31 39 2e 30 2e 32   "
         "p:bob@19 8.19.0.2\n"
         "00000090: 3e 0d 0a 43 61 6c 6c 2d  49 44 3a 20 63 31 40 31   "
         ">..Call- ID: c1@1\n"
         "000000a0: 39 38 2e 31 38 2e 30 2e  31 30 30 0d 0a 43 53 65   "
         "98.18.0. 100..CSe\n"
         "000000b0: 71 3a 20 31 20 49 4e 56  49 54 45 0d 0a 43 6f 6e   q: 1 "
         "INV ITE..Con\n"
         "000000c0: 74 61 63 74 3a 20 3c 73  69 70 3a 61 40 31 39 38   tact: "
         "<s ip:a@198\n"
         "000000d0: 2e 31 38 2e 30 2e 31 30  30 3a 35 30 36 30 3e 0d   "
         ".18.0.10 0:5060>.\n"
         "000000e0: 0a 43 6f 6e 74 65 6e 74  2d 54 79 70 65 3a 20 61   "
         ".Content -Type: a\n"
         "000000f0: 70 70 6c 69 63 61 74 69  6f 6e 2f 73 64 70 0d 0a   "
         "pplicati on/sdp..\n"
         "00000100: 43 6f 6e 74 65 6e 74 2d  4c 65 6e 67 74 68 3a 20   "
         "Content- Length: \n"
         "00000110: 39 34 0d 0a 0d 0a 76 3d  30 0d 0a 6f 3d 61 20 31   "
         "94....v= 0..o=a 1\n"
         "00000120: 20 31 20 49 4e 20 49 50  34 20 31 39 38 2e 31 38    1 IN "
         "IP 4 198.18\n"
         "00000130: 2e 30 2e 31 30 30 0d 0a  73 3d 2d 0d 0a 63 3d 49   "
         ".0.100.. s=-..c=I\n"
         "00000140: 4e 20 49 50 34 20 31 39  38 2e 31 38 2e 30 2e 31   N IP4 "
         "19 8.18.0.1\n"
         "00000150: 30 30 0d 0a 74 3d 30 20  30 0d 0a 6d 3d 61 75 64   00..t=0 "
         " 0..m=aud\n"
         "00000160: 69 6f 20 34 39 31 37 30  20 52 54 50 2f 41 56 50   io "
         "49170  RTP/AVP\n"
         "00000170: 20 30 0d 0a                                         0..\n"
         "## 2026-12-04 16:00:04 : sip translated ip 198.18.0.100, port 49170 "
         "-> ip 198.19.0.1, port 49170\n"
         "## 2026-12-04 16:00:04 : sip translated ip 198.18.0.100, port 5060 "
         "-> ip 198.19.0.1, port 5060\n"
         "## 2026-12-04 16:00:04 : sip pinhole created: src ip 198.19.0.2, dst "
         "ip 198.19.0.1, src port 0-65535, dst port 49170-49170, protocol 17, "
         "age 10, zone outside, parent conversation 1\n"
         "## 2026-12-04 16:00:04 : sip pinhole created: src ip 198.19.0.2, dst "
         "ip 198.19.0.1, src port 0-65535, dst port 49171-49171, protocol 17, "
         "age 10, zone outside, parent conversation 1\n");
  t_ctx_del(&d->t);
}

static void test_trace_debug_tftp_read(void **state) {
  (void)state;
  dbg *d = dbg_ctx();
  static const uint8_t rrq[] = "\0\1boot/pxelinux.0\0octet";
  tpkt p;
  t_udp_n(&p, CLI, 43000, OUT_HOST, 69, rrq, sizeof(rrq));
  assert_int_equal(t_in(&d->t, &p, 5 * SEC), 0);
  static const uint8_t data[] = "\0\3\0\1abc";
  t_udp_n(&p, OUT_HOST, 51234, PUB, 43000, data, sizeof(data) - 1);
  assert_int_equal(t_out(&d->t, &p, 5 * SEC + SEC / 2), 0);
  dbg_is(d, "## 2026-12-04 16:00:05 : received RRQ command\n"
            "00000000: 52 52 51 20 62 6f 6f 74  2f 70 78 65 6c 69 6e 75   RRQ "
            "boot /pxelinu\n"
            "00000010: 78 2e 30                                           x.0\n"
            "## 2026-12-04 16:00:05 : tftp pinhole created: src ip 198.19.0.2, "
            "dst ip 198.19.0.1, src port 0-65535, dst port 43000-43000, "
            "protocol 17, age 10, zone outside, parent conversation 1\n"
            "## 2026-12-04 16:00:05 : tftp pinhole used: src ip 198.19.0.2, "
            "dst ip 198.19.0.1, src port 51234-51234, dst port 43000-43000, "
            "protocol 17, zone outside, parent conversation 1\n");
  t_ctx_del(&d->t);
}

/* The formatter alone: snprintf semantics, a record of the 0.1 size
 * (no appended fields), an unknown kind, text without a verb. */
static void test_trace_debug_format_edges(void **state) {
  (void)state;
  pinhole_trace t;
  memset(&t, 0, sizeof(t));
  t.size = sizeof(t);
  t.kind = PINHOLE_TRACE_SEQ_DIFF;
  t.alg = "ftp";
  t.time_ns = 61 * SEC + 5;
  t.proto = PINHOLE_IPPROTO_TCP;
  t.seq = 4000000000u;
  t.ack = 7;
  t.diff_old = -2;
  t.diff_new = 3;
  const char *want = "## 1970-01-01 00:01:01 : ftp seq diff -2 -> 3, TCP SEQ "
                     "4000000000 ACK 7\n";
  char buf[256];
  assert_int_equal(pinhole_trace_format_debug(&t, 0, NULL, 0),
                   (int)strlen(want));
  assert_int_equal(pinhole_trace_format_debug(&t, 0, buf, 10),
                   (int)strlen(want));
  assert_string_equal(buf, "## 1970-0");
  assert_int_equal(pinhole_trace_format_debug(&t, 0, buf, sizeof(buf)),
                   (int)strlen(want));
  assert_string_equal(buf, want);
  /* a caller's record of the 0.1 size has no diffs */
  t.size = offsetof(pinhole_trace, text_len) + sizeof(size_t);
  pinhole_trace_format_debug(&t, 0, buf, sizeof(buf));
  assert_string_equal(buf, "## 1970-01-01 00:01:01 : ftp trace kind 9\n");
  /* ... and its pinhole's zone is the record's side, one source port */
  t.kind = PINHOLE_TRACE_PINHOLE_CREATED;
  t.side = PINHOLE_SIDE_OUTSIDE;
  t.pinhole_side = PINHOLE_SIDE_INSIDE; /* beyond size: not read */
  t.a = (pinhole_endpoint){IP4(198, 19, 0, 7), 20, 0};
  t.b = (pinhole_endpoint){IP4(198, 19, 0, 1), 40001, 0};
  t.a_port_hi = 30;
  t.lifetime_ms = 1500;
  t.conv_id = 12;
  pinhole_trace_format_debug(&t, 0, buf, sizeof(buf));
  assert_string_equal(buf, "## 1970-01-01 00:01:01 : ftp pinhole created: "
                           "src ip 198.19.0.7, dst ip 198.19.0.1, src port "
                           "20-20, dst port 40001-40001, protocol 6, age 2, "
                           "zone outside, parent conversation 12\n");
  t.size = sizeof(t);
  pinhole_trace_format_debug(&t, 0, buf, sizeof(buf));
  assert_non_null(strstr(buf, "src port 20-30, "));
  assert_non_null(strstr(buf, "zone inside, "));
  /* a message without a printable first word; UDP has no SEQ/ACK */
  t.kind = PINHOLE_TRACE_MESSAGE;
  t.proto = PINHOLE_IPPROTO_UDP;
  t.text = "\x01\x02";
  t.text_len = 2;
  t.alg = NULL;
  pinhole_trace_format_debug(&t, 0, buf, sizeof(buf));
  assert_string_equal(buf, "## 1970-01-01 00:01:01 : received message command\n"
                           "00000000: 01 02                                "
                           "              ..\n");
  t.kind = 99;
  pinhole_trace_format_debug(&t, 0, buf, sizeof(buf));
  assert_string_equal(buf, "## 1970-01-01 00:01:01 : ? trace kind 99\n");
  assert_int_equal(pinhole_trace_format_debug(NULL, 0, buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_trace_format_debug(&t, 0, NULL, 5),
                   PINHOLE_ERR_INVALID_ARG);
  /* the one-line format names the new kind */
  t.kind = PINHOLE_TRACE_SEQ_DIFF;
  t.alg = "ftp";
  pinhole_trace_format(&t, buf, sizeof(buf));
  assert_string_equal(buf, "ftp ALG conv=12 seq diff -2 -> 3 seq=4000000000 "
                           "\"\\x01\\x02\"");
}

/* IPv6 endpoints (a_family/b_family 6, an ALG on an IPv6 or NAT64
 * connection): both formats print them in RFC 5952 text, one side IPv6
 * and the other IPv4 as FTP64's translation; a record too short for the
 * fields prints the IPv4 ones. */
static void test_trace_ipv6_endpoints(void **state) {
  (void)state;
  static const uint8_t cli6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                   0,    0,    0,    0,    0, 0, 0, 2};
  pinhole_trace t;
  memset(&t, 0, sizeof(t));
  t.size = sizeof(t);
  t.kind = PINHOLE_TRACE_TRANSLATED;
  t.alg = "ftp";
  t.conv_id = 4;
  t.proto = PINHOLE_IPPROTO_TCP;
  t.a = (pinhole_endpoint){0, 50000, 0};
  t.a_family = 6;
  memcpy(t.a6, cli6, 16);
  t.b = (pinhole_endpoint){IP4(198, 19, 0, 1), 20002, 0};
  char buf[512];
  pinhole_trace_format(&t, buf, sizeof(buf));
  assert_string_equal(buf, "ftp ALG conv=4 translated [2001:db8:1::2]:50000 "
                           "-> 198.19.0.1:20002");
  pinhole_trace_format_debug(&t, 0, buf, sizeof(buf));
  assert_string_equal(buf, "## 1970-01-01 00:00:00 : ftp translated ip "
                           "2001:db8:1::2, port 50000 -> ip 198.19.0.1, port "
                           "20002\n");
  t.kind = PINHOLE_TRACE_PINHOLE_CREATED;
  t.b_family = 6;
  memcpy(t.b6, cli6, 16);
  t.b6[15] = 5;
  t.lifetime_ms = 10000;
  pinhole_trace_format(&t, buf, sizeof(buf));
  assert_string_equal(buf, "ftp ALG conv=4 pinhole created TCP "
                           "[2001:db8:1::2]:50000 -> [2001:db8:1::5]:20002 "
                           "lifetime=10000ms");
  pinhole_trace_format_debug(&t, 0, buf, sizeof(buf));
  assert_non_null(strstr(buf, "src ip 2001:db8:1::2, dst ip 2001:db8:1::5, "
                              "src port 50000-50000, dst port 20002-20002"));
  /* a caller's record without the fields: IPv4 (0.0.0.0) as before */
  t.size = offsetof(pinhole_trace, diff_new) + sizeof(t.diff_new);
  pinhole_trace_format(&t, buf, sizeof(buf));
  assert_string_equal(buf, "ftp ALG conv=4 pinhole created TCP "
                           "0.0.0.0:50000 -> 198.19.0.1:20002 "
                           "lifetime=10000ms");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trace_debug_ftp_pasv_227),
      cmocka_unit_test(test_trace_debug_ftp_port_shrinks),
      cmocka_unit_test(test_trace_debug_sip_invite),
      cmocka_unit_test(test_trace_debug_tftp_read),
      cmocka_unit_test(test_trace_debug_format_edges),
      cmocka_unit_test(test_trace_ipv6_endpoints),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

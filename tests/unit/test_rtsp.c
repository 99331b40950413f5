/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: RTSP framing (RFC 2326 sections 4, 6, 7, 10.12) and the
 * Transport header parser and rewriter (section 12.39).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/rtsp.h>

#define U8(s) ((const uint8_t *)(s))
#define S(s) U8(s), (sizeof(s) - 1)

/* Real-world shaped messages. */
static const char gst_setup[] =
    "SETUP rtsp://198.18.0.2:8554/test/stream=0 RTSP/1.0\r\n"
    "CSeq: 3\r\n"
    "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"
    "User-Agent: GStreamer/1.22.0\r\n"
    "\r\n";

static const char gst_reply[] =
    "RTSP/1.0 200 OK\r\n"
    "CSeq: 3\r\n"
    "Transport: RTP/AVP;unicast;client_port=5000-5001;"
    "server_port=39000-39001;ssrc=5E8C1B2A;mode=\"PLAY\"\r\n"
    "Server: GStreamer RTSP server\r\n"
    "Session: 0Yk1SSMJ1Dy8Qnnw;timeout=60\r\n"
    "Date: Mon, 06 May 2024 10:00:00 GMT\r\n"
    "\r\n";

static const char ff_setup[] =
    "SETUP rtsp://198.18.0.2:554/live/trackID=0 RTSP/1.0\r\n"
    "Transport: RTP/AVP/UDP;unicast;client_port=20000-20001\r\n"
    "CSeq: 4\r\n"
    "User-Agent: Lavf60.16.100\r\n"
    "\r\n";

static void assert_span(const uint8_t *base, size_t off, size_t len,
                        const char *want) {
  assert_int_equal(len, strlen(want));
  assert_memory_equal(base + off, want, len);
}

static int frame(const char *s, size_t len, pinhole_rtsp_msg *m) {
  return pinhole_rtsp_frame(U8(s), len, m);
}

static int frame_str(const char *s, pinhole_rtsp_msg *m) {
  return frame(s, strlen(s), m);
}

static int tparse(const char *v, pinhole_rtsp_transport *t) {
  return pinhole_rtsp_transport_parse(U8(v), strlen(v), t);
}

/* ---- framing ---- */

static void test_rtsp_frame_setup_gstreamer(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(frame(gst_setup, sizeof(gst_setup) - 1, &m), 0);
  assert_int_equal(m.kind, PINHOLE_RTSP_KIND_REQUEST);
  assert_int_equal(m.method, PINHOLE_RTSP_METHOD_SETUP);
  assert_int_equal(m.flags, PINHOLE_RTSP_MSG_CSEQ | PINHOLE_RTSP_MSG_TRANSPORT);
  assert_int_equal(m.cseq, 3);
  assert_int_equal(m.hdr_len, 144);
  assert_int_equal(m.body_len, 0);
  assert_int_equal(m.total_len, 144);
  assert_int_equal(m.uri_off, 6);
  assert_span(U8(gst_setup), m.uri_off, m.uri_len,
              "rtsp://198.18.0.2:8554/test/stream=0");
  assert_int_equal(m.transport_off, 73);
  assert_span(U8(gst_setup), m.transport_off, m.transport_len,
              "RTP/AVP;unicast;client_port=5000-5001");
}

static void test_rtsp_frame_reply_gstreamer(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(frame(gst_reply, sizeof(gst_reply) - 1, &m), 0);
  assert_int_equal(m.kind, PINHOLE_RTSP_KIND_RESPONSE);
  assert_int_equal(m.status, 200);
  assert_int_equal(m.method, PINHOLE_RTSP_METHOD_OTHER);
  assert_int_equal(m.cseq, 3);
  assert_int_equal(m.flags, PINHOLE_RTSP_MSG_CSEQ | PINHOLE_RTSP_MSG_TRANSPORT |
                                PINHOLE_RTSP_MSG_SESSION);
  assert_int_equal(m.total_len, 234);
  assert_int_equal(m.transport_off, 37);
  assert_int_equal(m.transport_len, 87);
  assert_int_equal(m.session_off, 166);
  assert_span(U8(gst_reply), m.session_off, m.session_len, "0Yk1SSMJ1Dy8Qnnw");
}

static void test_rtsp_frame_setup_ffmpeg(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(frame(ff_setup, sizeof(ff_setup) - 1, &m), 0);
  assert_int_equal(m.method, PINHOLE_RTSP_METHOD_SETUP);
  assert_int_equal(m.cseq, 4);
  assert_int_equal(m.total_len, 147);
  assert_int_equal(m.transport_off, 64);
  assert_span(U8(ff_setup), m.transport_off, m.transport_len,
              "RTP/AVP/UDP;unicast;client_port=20000-20001");
}

static void test_rtsp_frame_methods(void **state) {
  (void)state;
  static const struct {
    const char *msg;
    uint32_t method;
  } cases[] = {
      {"PLAY rtsp://h/s RTSP/1.0\r\n\r\n", PINHOLE_RTSP_METHOD_PLAY},
      {"TEARDOWN * RTSP/1.0\r\n\r\n", PINHOLE_RTSP_METHOD_TEARDOWN},
      {"DESCRIBE rtsp://h/s RTSP/1.0\r\n\r\n", PINHOLE_RTSP_METHOD_DESCRIBE},
      {"OPTIONS * RTSP/2.0\r\n\r\n", PINHOLE_RTSP_METHOD_OPTIONS},
      {"PAUSE rtsp://h/s RTSP/1.0\r\n\r\n", PINHOLE_RTSP_METHOD_PAUSE},
      {"RECORD rtsp://h/s RTSP/1.0\r\n\r\n", PINHOLE_RTSP_METHOD_RECORD},
      {"ANNOUNCE rtsp://h/s RTSP/1.0\r\n\r\n", PINHOLE_RTSP_METHOD_ANNOUNCE},
      {"GET_PARAMETER rtsp://h/s RTSP/1.0\r\n\r\n",
       PINHOLE_RTSP_METHOD_GET_PARAMETER},
      {"SET_PARAMETER rtsp://h/s RTSP/1.0\r\n\r\n",
       PINHOLE_RTSP_METHOD_SET_PARAMETER},
      {"REDIRECT rtsp://h/s RTSP/1.0\r\n\r\n", PINHOLE_RTSP_METHOD_REDIRECT},
      /* methods are case-sensitive */
      {"setup rtsp://h/s RTSP/1.0\r\n\r\n", PINHOLE_RTSP_METHOD_OTHER},
      {"X-FOO rtsp://h/s RTSP/1.0\r\n\r\n", PINHOLE_RTSP_METHOD_OTHER},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    pinhole_rtsp_msg m;
    assert_int_equal(frame_str(cases[i].msg, &m), 0);
    assert_int_equal(m.kind, PINHOLE_RTSP_KIND_REQUEST);
    assert_int_equal(m.method, cases[i].method);
    assert_int_equal(m.total_len, strlen(cases[i].msg));
    assert_int_equal(m.flags, 0);
  }
}

static void test_rtsp_frame_status_lines(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(frame_str("RTSP/1.0 454 Session Not Found\r\n\r\n", &m), 0);
  assert_int_equal(m.status, 454);
  assert_int_equal(frame_str("RTSP/1.0 200\r\n\r\n", &m), 0);
  assert_int_equal(m.status, 200);
  assert_int_equal(frame_str("RTSP/2.0 461 Unsupported Transport\n\n", &m), 0);
  assert_int_equal(m.status, 461);
  assert_int_equal(m.total_len, 36);
}

static void test_rtsp_frame_lf_only(void **state) {
  (void)state;
  static const char msg[] = "SETUP rtsp://h/s RTSP/1.0\n"
                            "CSeq: 9\n"
                            "Transport: RTP/AVP;unicast;client_port=7000\n"
                            "\n"
                            "PLAY";
  pinhole_rtsp_msg m;
  assert_int_equal(frame(msg, sizeof(msg) - 1, &m), 0);
  assert_int_equal(m.cseq, 9);
  assert_int_equal(m.total_len, sizeof(msg) - 1 - 4);
  assert_span(U8(msg), m.transport_off, m.transport_len,
              "RTP/AVP;unicast;client_port=7000");
}

static void test_rtsp_frame_pipelined(void **state) {
  (void)state;
  static const char buf[] = "SETUP rtsp://h/s/trackID=1 RTSP/1.0\r\n"
                            "CSeq: 5\r\n"
                            "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
                            "\r\n"
                            "PLAY rtsp://h/s RTSP/1.0\r\n"
                            "CSeq: 6\r\n"
                            "Session: 12345678\r\n"
                            "\r\n"
                            "$\x00\x00\x03"
                            "abc"
                            "RTSP/1.0 200 OK\r\n"
                            "CSeq: 6\r\n"
                            "\r\n";
  const uint8_t *p = U8(buf);
  size_t left = sizeof(buf) - 1;
  pinhole_rtsp_msg m;

  assert_int_equal(pinhole_rtsp_frame(p, left, &m), 0);
  assert_int_equal(m.method, PINHOLE_RTSP_METHOD_SETUP);
  assert_int_equal(m.cseq, 5);
  assert_int_equal(m.total_len, 96);
  p += m.total_len;
  left -= m.total_len;

  assert_int_equal(pinhole_rtsp_frame(p, left, &m), 0);
  assert_int_equal(m.method, PINHOLE_RTSP_METHOD_PLAY);
  assert_int_equal(m.cseq, 6);
  assert_int_equal(m.flags, PINHOLE_RTSP_MSG_CSEQ | PINHOLE_RTSP_MSG_SESSION);
  assert_span(p, m.session_off, m.session_len, "12345678");
  assert_int_equal(m.total_len, 56);
  p += m.total_len;
  left -= m.total_len;

  assert_int_equal(pinhole_rtsp_frame(p, left, &m), 0);
  assert_int_equal(m.kind, PINHOLE_RTSP_KIND_INTERLEAVED);
  assert_int_equal(m.channel, 0);
  assert_int_equal(m.hdr_len, 4);
  assert_int_equal(m.body_len, 3);
  assert_int_equal(m.total_len, 7);
  p += m.total_len;
  left -= m.total_len;

  assert_int_equal(pinhole_rtsp_frame(p, left, &m), 0);
  assert_int_equal(m.kind, PINHOLE_RTSP_KIND_RESPONSE);
  assert_int_equal(m.total_len, left);
}

static void test_rtsp_frame_content_length_body(void **state) {
  (void)state;
  static const char buf[] = "RTSP/1.0 200 OK\r\n"
                            "CSeq: 2\r\n"
                            "Content-Type: application/sdp\r\n"
                            "Content-Length: 47\r\n"
                            "\r\n"
                            "v=0\r\n"
                            "o=- 1 1 IN IP4 198.18.0.2\r\n"
                            "s=Test\r\n"
                            "t=0 0\r\n"
                            "OPTIONS * RTSP/1.0\r\n\r\n";
  pinhole_rtsp_msg m;
  assert_int_equal(frame(buf, sizeof(buf) - 1, &m), 0);
  assert_int_equal(m.flags,
                   PINHOLE_RTSP_MSG_CSEQ | PINHOLE_RTSP_MSG_CONTENT_LENGTH);
  assert_int_equal(m.hdr_len, 79);
  assert_int_equal(m.body_len, 47);
  assert_int_equal(m.total_len, 126);
  assert_memory_equal(buf + m.total_len, "OPTIONS", 7);
  /* The body bytes are not headers: a body without the whole length is
   * partial, whatever it holds. */
  assert_int_equal(frame(buf, 125, &m), PINHOLE_ERR_PARTIAL);
  assert_int_equal(frame(buf, 79, &m), PINHOLE_ERR_PARTIAL);
  /* A body may carry any bytes, NULs included. */
  static const char nul_body[] = "ANNOUNCE rtsp://h/s RTSP/1.0\r\n"
                                 "Content-Length: 3\r\n\r\n"
                                 "\0\r\0";
  assert_int_equal(frame(nul_body, sizeof(nul_body) - 1, &m), 0);
  assert_int_equal(m.body_len, 3);
}

static void test_rtsp_frame_content_length_forms(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(
      frame_str("RTSP/1.0 200 OK\r\nContent-Length:0007\r\n\r\n1234567", &m),
      0);
  assert_int_equal(m.body_len, 7);
  /* the same value twice is allowed */
  assert_int_equal(frame_str("RTSP/1.0 200 OK\r\nContent-Length: 2\r\n"
                             "content-length: 02\r\n\r\nab",
                             &m),
                   0);
  assert_int_equal(m.body_len, 2);
  /* 16 MiB is the limit: accepted (and partial here) */
  assert_int_equal(
      frame_str("RTSP/1.0 200 OK\r\nContent-Length: 16777216\r\n\r\n", &m),
      PINHOLE_ERR_PARTIAL);
}

static void test_rtsp_frame_content_length_hostile(void **state) {
  (void)state;
  static const char *const bad[] = {
      "RTSP/1.0 200 OK\r\nContent-Length: 2147483648\r\n\r\n",
      "RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
      "RTSP/1.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "RTSP/1.0 200 OK\r\nContent-Length: 16777217\r\n\r\n",
      "RTSP/1.0 200 OK\r\nContent-Length: +5\r\n\r\n",
      "RTSP/1.0 200 OK\r\nContent-Length: 0x10\r\n\r\n",
      "RTSP/1.0 200 OK\r\nContent-Length: 5 5\r\n\r\n",
      "RTSP/1.0 200 OK\r\nContent-Length:\r\n\r\n",
      "RTSP/1.0 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    pinhole_rtsp_msg m;
    assert_int_equal(frame_str(bad[i], &m), PINHOLE_ERR_PARSE);
  }
}

static void test_rtsp_frame_cseq_hostile(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(
      frame_str("OPTIONS * RTSP/1.0\r\nCSeq: 4294967295\r\n\r\n", &m), 0);
  assert_int_equal(m.cseq, 4294967295u);
  assert_int_equal(
      frame_str("OPTIONS * RTSP/1.0\r\nCSeq: 4294967296\r\n\r\n", &m),
      PINHOLE_ERR_PARSE);
  assert_int_equal(frame_str("OPTIONS * RTSP/1.0\r\nCSeq: abc\r\n\r\n", &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(
      frame_str("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2\r\n\r\n", &m),
      PINHOLE_ERR_PARSE);
}

static void test_rtsp_frame_folded_header(void **state) {
  (void)state;
  static const char msg[] = "SETUP rtsp://h/s RTSP/1.0\r\n"
                            "CSeq: 11\r\n"
                            "Transport: RTP/AVP;unicast;\r\n"
                            " client_port=5000-5001\r\n"
                            "\tCSeq: 12\r\n"
                            "\r\n";
  pinhole_rtsp_msg m;
  assert_int_equal(frame(msg, sizeof(msg) - 1, &m), 0);
  assert_int_equal(m.cseq, 11);
  assert_span(U8(msg), m.transport_off, m.transport_len,
              "RTP/AVP;unicast;\r\n client_port=5000-5001\r\n\tCSeq: 12");
  /* A continuation with no header before it is malformed. */
  assert_int_equal(
      frame_str("SETUP rtsp://h/s RTSP/1.0\r\n CSeq: 1\r\n\r\n", &m),
      PINHOLE_ERR_PARSE);
  /* A folded value parses as one Transport value. */
  static const char v[] = "RTP/AVP;unicast;\r\n client_port=5000-5001";
  pinhole_rtsp_transport t;
  assert_int_equal(pinhole_rtsp_transport_parse(S(v), &t), 0);
  assert_int_equal(t.nspecs, 1);
  assert_int_equal(t.spec[0].client_port[0], 5000);
  assert_int_equal(t.spec[0].client_port[1], 5001);
  assert_int_equal(t.spec[0].client_port_v.off, 31);
}

static void test_rtsp_frame_mixed_case_names(void **state) {
  (void)state;
  static const char msg[] =
      "RTSP/1.0 200 OK\r\n"
      "cseq: 8\r\n"
      "TRANSPORT:RTP/AVP;unicast;server_port=6000-6001 \r\n"
      "sEsSiOn:   abc;timeout=30\r\n"
      "content-LENGTH: 2\r\n"
      "\r\nxy";
  pinhole_rtsp_msg m;
  assert_int_equal(frame(msg, sizeof(msg) - 1, &m), 0);
  assert_int_equal(m.cseq, 8);
  assert_int_equal(m.body_len, 2);
  assert_int_equal(m.total_len, sizeof(msg) - 1);
  assert_span(U8(msg), m.transport_off, m.transport_len,
              "RTP/AVP;unicast;server_port=6000-6001");
  assert_span(U8(msg), m.session_off, m.session_len, "abc");
}

static void test_rtsp_frame_transport_twice(void **state) {
  (void)state;
  static const char msg[] =
      "SETUP rtsp://h/s RTSP/1.0\r\n"
      "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n"
      "Transport: RTP/AVP;unicast;client_port=22-23\r\n"
      "\r\n";
  pinhole_rtsp_msg m;
  assert_int_equal(frame(msg, sizeof(msg) - 1, &m), 0);
  assert_int_equal(m.flags, PINHOLE_RTSP_MSG_TRANSPORT |
                                PINHOLE_RTSP_MSG_TRANSPORT_MULTI);
  assert_span(U8(msg), m.transport_off, m.transport_len,
              "RTP/AVP;unicast;client_port=5000-5001");
}

static void test_rtsp_frame_partial_every_split(void **state) {
  (void)state;
  static const char *const msgs[] = {
      gst_setup,
      gst_reply,
      ff_setup,
      "RTSP/1.0 200 OK\r\nContent-Length: 5\r\nX-Info: a\r\n b\r\n\r\nhello",
      "\r\nOPTIONS * RTSP/1.0\r\n\r\n",
      "$\x01\x00\x02zz"};
  for (size_t j = 0; j < sizeof(msgs) / sizeof(msgs[0]); j++) {
    size_t len = strlen(msgs[j]);
    if (msgs[j][0] == '$')
      len = 6;
    pinhole_rtsp_msg m;
    for (size_t k = 0; k < len; k++)
      assert_int_equal(frame(msgs[j], k, &m), PINHOLE_ERR_PARTIAL);
    assert_int_equal(frame(msgs[j], len, &m), 0);
    assert_int_equal(m.total_len, len);
  }
}

static void test_rtsp_frame_leading_empty_lines(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(frame_str("\r\n\nOPTIONS * RTSP/1.0\r\nCSeq: 2\r\n\r\n", &m),
                   0);
  assert_int_equal(m.method, PINHOLE_RTSP_METHOD_OPTIONS);
  assert_int_equal(m.total_len, 34);
  assert_int_equal(frame_str("\r\r\nOPTIONS * RTSP/1.0\r\n\r\n", &m),
                   PINHOLE_ERR_PARSE);
}

static void test_rtsp_frame_interleaved(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(frame("$\x01\x00\x04"
                         "abcdSETUP",
                         13, &m),
                   0);
  assert_int_equal(m.kind, PINHOLE_RTSP_KIND_INTERLEAVED);
  assert_int_equal(m.channel, 1);
  assert_int_equal(m.body_len, 4);
  assert_int_equal(m.total_len, 8);
  assert_int_equal(frame("$\xff\xff\xff", 4, &m), PINHOLE_ERR_PARTIAL);
  assert_int_equal(m.channel, 255);
  assert_int_equal(m.total_len, 65539);
  assert_int_equal(frame("$\x02\x00\x00", 4, &m), 0);
  assert_int_equal(m.total_len, 4);
  assert_int_equal(frame("$\x02\x00", 3, &m), PINHOLE_ERR_PARTIAL);
}

static void test_rtsp_frame_long_line(void **state) {
  (void)state;
  static char buf[6000];
  pinhole_rtsp_msg m;
  /* "X-Pad: " + padding: content of exactly 4096 bytes is accepted */
  const char *start = "OPTIONS * RTSP/1.0\r\n";
  size_t n = strlen(start);
  memcpy(buf, start, n);
  memcpy(buf + n, "X-Pad: ", 7);
  memset(buf + n + 7, 'a', 4096 - 7);
  memcpy(buf + n + 4096, "\r\n\r\n", 4);
  assert_int_equal(pinhole_rtsp_frame(U8(buf), n + 4100, &m), 0);
  assert_int_equal(m.total_len, n + 4100);
  /* 4097 bytes: rejected, and already while the line is incomplete */
  memset(buf + n + 7, 'a', 4097 - 7);
  memcpy(buf + n + 4097, "\r\n\r\n", 4);
  assert_int_equal(pinhole_rtsp_frame(U8(buf), n + 4101, &m),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rtsp_frame(U8(buf), n + 4097, &m),
                   PINHOLE_ERR_PARSE);
  /* a 4096-byte line still waiting for its CR LF is partial */
  assert_int_equal(pinhole_rtsp_frame(U8(buf), n + 4096, &m),
                   PINHOLE_ERR_PARTIAL);
  /* a start line alone over the limit */
  memset(buf, 'A', 4100);
  assert_int_equal(pinhole_rtsp_frame(U8(buf), 4100, &m), PINHOLE_ERR_PARSE);
}

static void test_rtsp_frame_header_block_limit(void **state) {
  (void)state;
  static char buf[20000];
  pinhole_rtsp_msg m;
  const char *start = "OPTIONS * RTSP/1.0\r\n";
  size_t n = strlen(start);
  memcpy(buf, start, n);
  /* 100-byte header lines, no terminating empty line: missing CRLFCRLF */
  while (n + 100 <= sizeof(buf)) {
    memcpy(buf + n, "X-Pad: ", 7);
    memset(buf + n + 7, 'b', 91);
    memcpy(buf + n + 98, "\r\n", 2);
    n += 100;
  }
  assert_int_equal(pinhole_rtsp_frame(U8(buf), 16000, &m), PINHOLE_ERR_PARTIAL);
  assert_int_equal(pinhole_rtsp_frame(U8(buf), 16384, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rtsp_frame(U8(buf), n, &m), PINHOLE_ERR_PARSE);
  /* a block of exactly 16384 bytes is accepted: 20 + 163 * 100 + 64 */
  size_t at = 20 + 163 * 100;
  memcpy(buf + at, "X-Pad: ", 7);
  memset(buf + at + 7, 'c', 53);
  memcpy(buf + at + 60, "\r\n\r\n", 4);
  assert_int_equal(pinhole_rtsp_frame(U8(buf), 16384, &m), 0);
  assert_int_equal(m.hdr_len, 16384);
  /* one byte more is not */
  memset(buf + at + 7, 'c', 54);
  memcpy(buf + at + 61, "\r\n\r\n", 4);
  assert_int_equal(pinhole_rtsp_frame(U8(buf), 16385, &m), PINHOLE_ERR_PARSE);
}

static void test_rtsp_frame_control_bytes(void **state) {
  (void)state;
  static const char nul_hdr[] = "SETUP rtsp://h/s RTSP/1.0\r\n"
                                "CSeq: 1\0\r\n"
                                "\r\n";
  static const char nul_uri[] = "SETUP rtsp://h/\0 RTSP/1.0\r\n\r\n";
  static const char bare_cr[] = "SETUP rtsp://h/s RTSP/1.0\r\n"
                                "CSeq: 1\rTransport: x\r\n"
                                "\r\n";
  static const char ctl[] = "SETUP rtsp://h/s RTSP/1.0\r\nX: \x1b\r\n\r\n";
  pinhole_rtsp_msg m;
  assert_int_equal(frame(nul_hdr, sizeof(nul_hdr) - 1, &m), PINHOLE_ERR_PARSE);
  /* reported before the message is complete */
  assert_int_equal(frame(nul_hdr, 36, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(frame(nul_uri, sizeof(nul_uri) - 1, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(frame(bare_cr, sizeof(bare_cr) - 1, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(frame(ctl, sizeof(ctl) - 1, &m), PINHOLE_ERR_PARSE);
}

static void test_rtsp_frame_bad_start_lines(void **state) {
  (void)state;
  static const char *const bad[] = {
      "SETUP rtsp://h/s\r\n\r\n",
      "SETUP rtsp://h/s RTSP/1.0 x\r\n\r\n",
      "SETUP  rtsp://h/s RTSP/1.0\r\n\r\n",
      "SETUP rtsp://h/s HTTP/1.1\r\n\r\n",
      "SETUP rtsp://h/s RTSP/1.\r\n\r\n",
      "SE(TUP rtsp://h/s RTSP/1.0\r\n\r\n",
      "HTTP/1.1 200 OK\r\n\r\n",
      "RTSP/1.0 20 OK\r\n\r\n",
      "RTSP/1.0 2000 OK\r\n\r\n",
      "RTSP/1.0 099 OK\r\n\r\n",
      "RTSP/1.0 200OK\r\n\r\n",
      "RTSP/1.0\r\n\r\n",
      "RTSP/x.0 200 OK\r\n\r\n",
      "OPTIONS * RTSP/1.0\r\nNoColon\r\n\r\n",
      "OPTIONS * RTSP/1.0\r\nBad Name: x\r\n\r\n",
      "OPTIONS * RTSP/1.0\r\n: x\r\n\r\n",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    pinhole_rtsp_msg m;
    assert_int_equal(frame_str(bad[i], &m), PINHOLE_ERR_PARSE);
  }
}

static void test_rtsp_frame_invalid_args(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(pinhole_rtsp_frame(NULL, 1, &m), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rtsp_frame(U8("x"), 1, NULL),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rtsp_frame(NULL, 0, &m), PINHOLE_ERR_PARTIAL);
}

/* ---- Transport parse ---- */

static void test_rtsp_transport_gstreamer(void **state) {
  (void)state;
  pinhole_rtsp_transport t;
  assert_int_equal(tparse("RTP/AVP;unicast;client_port=5000-5001", &t), 0);
  assert_int_equal(t.nspecs, 1);
  const pinhole_rtsp_spec *s = &t.spec[0];
  assert_int_equal(s->profile, PINHOLE_RTSP_PROFILE_AVP);
  assert_int_equal(s->lower, PINHOLE_RTSP_LOWER_UDP);
  assert_int_equal(s->flags, PINHOLE_RTSP_SPEC_UNICAST |
                                 PINHOLE_RTSP_SPEC_CLIENT_PORT |
                                 PINHOLE_RTSP_SPEC_CLIENT_PORT_RANGE);
  assert_int_equal(s->client_port[0], 5000);
  assert_int_equal(s->client_port[1], 5001);
  assert_int_equal(s->client_port_v.off, 28);
  assert_int_equal(s->client_port_v.len, 9);
  assert_int_equal(s->spec.off, 0);
  assert_int_equal(s->spec.len, 37);
}

static void test_rtsp_transport_ffmpeg(void **state) {
  (void)state;
  pinhole_rtsp_transport t;
  assert_int_equal(tparse("RTP/AVP/UDP;unicast;client_port=20000-20001", &t),
                   0);
  assert_int_equal(t.nspecs, 1);
  const pinhole_rtsp_spec *s = &t.spec[0];
  assert_int_equal(s->profile, PINHOLE_RTSP_PROFILE_AVP);
  assert_int_equal(s->lower, PINHOLE_RTSP_LOWER_UDP);
  assert_int_equal(s->flags, PINHOLE_RTSP_SPEC_UNICAST |
                                 PINHOLE_RTSP_SPEC_LOWER_EXPLICIT |
                                 PINHOLE_RTSP_SPEC_CLIENT_PORT |
                                 PINHOLE_RTSP_SPEC_CLIENT_PORT_RANGE);
  assert_int_equal(s->client_port[0], 20000);
  assert_int_equal(s->client_port[1], 20001);
  assert_int_equal(s->client_port_v.off, 32);
  assert_int_equal(s->client_port_v.len, 11);
}

static void test_rtsp_transport_multiple_specs(void **state) {
  (void)state;
  pinhole_rtsp_transport t;
  assert_int_equal(tparse("RTP/AVP;unicast;client_port=5000-5001,"
                          "RTP/AVP/TCP;unicast;interleaved=0-1",
                          &t),
                   0);
  assert_int_equal(t.nspecs, 2);
  assert_int_equal(t.spec[0].spec.off, 0);
  assert_int_equal(t.spec[0].spec.len, 37);
  assert_int_equal(t.spec[0].client_port[0], 5000);
  assert_int_equal(t.spec[1].spec.off, 38);
  assert_int_equal(t.spec[1].spec.len, 35);
  assert_int_equal(t.spec[1].lower, PINHOLE_RTSP_LOWER_TCP);
  assert_int_equal(t.spec[1].flags, PINHOLE_RTSP_SPEC_UNICAST |
                                        PINHOLE_RTSP_SPEC_LOWER_EXPLICIT |
                                        PINHOLE_RTSP_SPEC_INTERLEAVED);
  assert_int_equal(t.spec[1].interleaved[0], 0);
  assert_int_equal(t.spec[1].interleaved[1], 1);
}

static void test_rtsp_transport_reply_live555(void **state) {
  (void)state;
  pinhole_rtsp_transport t;
  assert_int_equal(
      tparse("RTP/AVP;unicast;destination=198.18.0.1;source=198.18.0.2;"
             "client_port=5000-5001;server_port=6970-6971;ssrc=0000ABCD",
             &t),
      0);
  const pinhole_rtsp_spec *s = &t.spec[0];
  assert_int_equal(
      s->flags,
      PINHOLE_RTSP_SPEC_UNICAST | PINHOLE_RTSP_SPEC_DESTINATION |
          PINHOLE_RTSP_SPEC_DESTINATION_IPV4 | PINHOLE_RTSP_SPEC_SOURCE |
          PINHOLE_RTSP_SPEC_SOURCE_IPV4 | PINHOLE_RTSP_SPEC_CLIENT_PORT |
          PINHOLE_RTSP_SPEC_CLIENT_PORT_RANGE | PINHOLE_RTSP_SPEC_SERVER_PORT |
          PINHOLE_RTSP_SPEC_SERVER_PORT_RANGE | PINHOLE_RTSP_SPEC_SSRC);
  assert_int_equal(s->destination, 0xC6120001u);
  assert_int_equal(s->source, 0xC6120002u);
  assert_int_equal(s->destination_v.off, 28);
  assert_int_equal(s->destination_v.len, 10);
  assert_int_equal(s->source_v.off, 46);
  assert_int_equal(s->source_v.len, 10);
  assert_int_equal(s->client_port_v.off, 69);
  assert_int_equal(s->server_port_v.off, 91);
  assert_int_equal(s->server_port[0], 6970);
  assert_int_equal(s->server_port[1], 6971);
  assert_int_equal(s->ssrc, 0xABCDu);
  assert_int_equal(s->spec.len, 114);
}

static void test_rtsp_transport_reply_gstreamer(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  pinhole_rtsp_transport t;
  assert_int_equal(frame(gst_reply, sizeof(gst_reply) - 1, &m), 0);
  const uint8_t *v = U8(gst_reply) + m.transport_off;
  assert_int_equal(pinhole_rtsp_transport_parse(v, m.transport_len, &t), 0);
  const pinhole_rtsp_spec *s = &t.spec[0];
  assert_int_equal(s->server_port[0], 39000);
  assert_int_equal(s->server_port[1], 39001);
  assert_int_equal(s->server_port_v.off, 50);
  assert_int_equal(s->ssrc, 0x5E8C1B2Au);
  assert_true(s->flags & PINHOLE_RTSP_SPEC_MODE);
  assert_int_equal(s->mode_v.off, 82);
  assert_span(v, s->mode_v.off, s->mode_v.len, "PLAY");
  assert_int_equal(s->spec.len, 87);
}

static void test_rtsp_transport_profiles(void **state) {
  (void)state;
  static const struct {
    const char *v;
    uint8_t profile, lower;
  } cases[] = {
      {"RTP/SAVP;unicast;client_port=5000-5001", PINHOLE_RTSP_PROFILE_SAVP,
       PINHOLE_RTSP_LOWER_UDP},
      {"RTP/AVPF/UDP;unicast", PINHOLE_RTSP_PROFILE_AVPF,
       PINHOLE_RTSP_LOWER_UDP},
      {"rtp/savpf/tcp;interleaved=2-3", PINHOLE_RTSP_PROFILE_SAVPF,
       PINHOLE_RTSP_LOWER_TCP},
      {"RTP/AVP/SCTP", PINHOLE_RTSP_PROFILE_OTHER, PINHOLE_RTSP_LOWER_OTHER},
      {"RTP/AVP/DCP;unicast", PINHOLE_RTSP_PROFILE_AVP,
       PINHOLE_RTSP_LOWER_OTHER},
      {"x-real-rdt/udp;client_port=6970", PINHOLE_RTSP_PROFILE_OTHER,
       PINHOLE_RTSP_LOWER_OTHER},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    pinhole_rtsp_transport t;
    assert_int_equal(tparse(cases[i].v, &t), 0);
    assert_int_equal(t.spec[0].profile, cases[i].profile);
    assert_int_equal(t.spec[0].lower, cases[i].lower);
  }
}

static void test_rtsp_transport_single_port_and_multicast(void **state) {
  (void)state;
  pinhole_rtsp_transport t;
  assert_int_equal(
      tparse("RTP/AVP;multicast;destination=232.1.1.1;port=4588-4589;ttl=16;"
             "client_port=6000",
             &t),
      0);
  const pinhole_rtsp_spec *s = &t.spec[0];
  assert_int_equal(s->flags, PINHOLE_RTSP_SPEC_MULTICAST |
                                 PINHOLE_RTSP_SPEC_DESTINATION |
                                 PINHOLE_RTSP_SPEC_DESTINATION_IPV4 |
                                 PINHOLE_RTSP_SPEC_CLIENT_PORT);
  assert_int_equal(s->destination, 0xE8010101u);
  assert_int_equal(s->client_port[0], 6000);
  assert_int_equal(s->client_port[1], 6000);
}

static void test_rtsp_transport_unknown_and_quoted(void **state) {
  (void)state;
  static const char v[] =
      "RTP/AVP ; unicast ; x-foo=\"a,b;c\" ; layers=1;append;"
      "CLIENT_PORT = 5000-5001 ;;mode=\"PLAY,RECORD\"";
  pinhole_rtsp_transport t;
  assert_int_equal(pinhole_rtsp_transport_parse(S(v), &t), 0);
  assert_int_equal(t.nspecs, 1);
  const pinhole_rtsp_spec *s = &t.spec[0];
  assert_int_equal(s->client_port[0], 5000);
  assert_span(U8(v), s->client_port_v.off, s->client_port_v.len, "5000-5001");
  assert_span(U8(v), s->mode_v.off, s->mode_v.len, "PLAY,RECORD");
  assert_int_equal(s->spec.len, sizeof(v) - 1);
}

static void test_rtsp_transport_hostname_addresses(void **state) {
  (void)state;
  static const char v[] = "RTP/AVP;unicast;destination=cam.example;"
                          "source=198.018.0.1;client_port=5000-5001";
  pinhole_rtsp_transport t;
  assert_int_equal(pinhole_rtsp_transport_parse(S(v), &t), 0);
  const pinhole_rtsp_spec *s = &t.spec[0];
  assert_int_equal(s->flags & (PINHOLE_RTSP_SPEC_DESTINATION |
                               PINHOLE_RTSP_SPEC_DESTINATION_IPV4 |
                               PINHOLE_RTSP_SPEC_SOURCE |
                               PINHOLE_RTSP_SPEC_SOURCE_IPV4),
                   PINHOLE_RTSP_SPEC_DESTINATION | PINHOLE_RTSP_SPEC_SOURCE);
  assert_span(U8(v), s->destination_v.off, s->destination_v.len, "cam.example");
  assert_span(U8(v), s->source_v.off, s->source_v.len, "198.018.0.1");
  static const char *const not_quads[] = {
      "RTP/AVP;destination=1.2.3",     "RTP/AVP;destination=1.2.3.4.5",
      "RTP/AVP;destination=1.2.3.256", "RTP/AVP;destination=1..3.4",
      "RTP/AVP;destination=1.2.3.4x",  "RTP/AVP;destination=::1",
      "RTP/AVP;destination=1234.2.3.4"};
  for (size_t i = 0; i < sizeof(not_quads) / sizeof(not_quads[0]); i++) {
    assert_int_equal(tparse(not_quads[i], &t), 0);
    assert_int_equal(t.spec[0].flags, PINHOLE_RTSP_SPEC_DESTINATION);
  }
  assert_int_equal(tparse("RTP/AVP;destination", &t), 0);
  assert_int_equal(t.spec[0].flags, PINHOLE_RTSP_SPEC_DESTINATION);
  assert_int_equal(t.spec[0].destination_v.len, 0);
  assert_int_equal(tparse("RTP/AVP;destination=0.0.0.0", &t), 0);
  assert_int_equal(t.spec[0].flags, PINHOLE_RTSP_SPEC_DESTINATION |
                                        PINHOLE_RTSP_SPEC_DESTINATION_IPV4);
  assert_int_equal(t.spec[0].destination, 0);
}

static void test_rtsp_transport_port_range_hostile(void **state) {
  (void)state;
  static const char *const range[] = {
      "RTP/AVP;unicast;client_port=0",
      "RTP/AVP;unicast;client_port=0-1",
      "RTP/AVP;unicast;client_port=65536",
      "RTP/AVP;unicast;client_port=70000-70001",
      "RTP/AVP;unicast;client_port=5001-5000",
      "RTP/AVP;unicast;server_port=65535-65536",
      "RTP/AVP;unicast;client_port=99999999999999999999",
      "RTP/AVP/TCP;interleaved=256",
      "RTP/AVP/TCP;interleaved=3-2",
  };
  for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++) {
    pinhole_rtsp_transport t;
    assert_int_equal(tparse(range[i], &t), PINHOLE_ERR_RANGE);
  }
  pinhole_rtsp_transport t;
  assert_int_equal(tparse("RTP/AVP;unicast;client_port=65535-65535", &t), 0);
  assert_int_equal(t.spec[0].client_port[0], 65535);
  assert_int_equal(tparse("RTP/AVP;unicast;client_port=1", &t), 0);
}

static void test_rtsp_transport_syntax_hostile(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",
      " ",
      ";unicast",
      "RTP/AVP,,RTP/AVP",
      "RTP/AVP,",
      ",RTP/AVP",
      "RTP/AVP;client_port=",
      "RTP/AVP;client_port",
      "RTP/AVP;client_port=5000-",
      "RTP/AVP;client_port=-5000",
      "RTP/AVP;client_port=5000--5001",
      "RTP/AVP;client_port=5000-5001-5002",
      "RTP/AVP;client_port=50a0",
      "RTP/AVP;client_port=+5000",
      "RTP/AVP;client_port=\"5000-5001",
      "RTP/AVP;client_port=5000-5001;client_port=6000-6001",
      "RTP/AVP;server_port=1;SERVER_PORT=2",
      "RTP/AVP;destination=1.2.3.4;destination=5.6.7.8",
      "RTP/AVP;destination;destination=5.6.7.8",
      "RTP/AVP;source",
      "RTP/AVP;mode",
      "RTP/AVP;ssrc=123456789",
      "RTP/AVP;ssrc=12345G",
      "RTP/AVP;ssrc=",
      "RTP/AVP;x=\"a\"b",
      "RTP/AVP;x==1",
      "RTP/AVP;=1",
      "RTP/AVP x",
      "RTP/AVP;mode=\"PLAY",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    pinhole_rtsp_transport t;
    assert_int_equal(tparse(bad[i], &t), PINHOLE_ERR_PARSE);
  }
  static const char nul[] = "RTP/AVP;unicast;client_port=5000\0-5001";
  pinhole_rtsp_transport t;
  assert_int_equal(pinhole_rtsp_transport_parse(S(nul), &t), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_rtsp_transport_parse(NULL, 1, &t),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rtsp_transport_parse(S("RTP/AVP"), NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_rtsp_transport_spec_count(void **state) {
  (void)state;
  char v[512];
  pinhole_rtsp_transport t;
  size_t n = 0;
  for (int i = 0; i < 9; i++) {
    n += (size_t)snprintf(v + n, sizeof(v) - n, "%sRTP/AVP;client_port=%d",
                          i ? "," : "", 5000 + 2 * i);
    if (i == 7) {
      assert_int_equal(pinhole_rtsp_transport_parse(U8(v), n, &t), 0);
      assert_int_equal(t.nspecs, 8);
      assert_int_equal(t.spec[7].client_port[0], 5014);
    }
  }
  assert_int_equal(pinhole_rtsp_transport_parse(U8(v), n, &t),
                   PINHOLE_ERR_RANGE);
}

/* ---- Transport rewrite ---- */

static int rewrite(const char *v, const pinhole_rtsp_rewrite *rw, char *out,
                   size_t cap) {
  return pinhole_rtsp_transport_rewrite(U8(v), strlen(v), rw, (uint8_t *)out,
                                        cap);
}

static void assert_rewrite(const char *v, const pinhole_rtsp_rewrite *rw,
                           const char *want) {
  char out[512];
  int n = rewrite(v, rw, out, sizeof(out));
  assert_int_equal(n, (int)strlen(want));
  assert_memory_equal(out, want, strlen(want));
}

static void test_rtsp_rewrite_client_port(void **state) {
  (void)state;
  pinhole_rtsp_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.spec[0].flags = PINHOLE_RTSP_REWRITE_CLIENT_PORT;
  rw.spec[0].client_port[0] = 61000;
  rw.spec[0].client_port[1] = 61001;
  assert_rewrite("RTP/AVP;unicast;client_port=5000-5001", &rw,
                 "RTP/AVP;unicast;client_port=61000-61001");
  assert_rewrite("RTP/AVP/UDP;unicast;client_port=20000-20001", &rw,
                 "RTP/AVP/UDP;unicast;client_port=61000-61001");
  /* a single port stays single; hi is ignored */
  assert_rewrite("RTP/AVP;unicast;client_port=6000;mode=play", &rw,
                 "RTP/AVP;unicast;client_port=61000;mode=play");
  /* shrinking */
  rw.spec[0].client_port[0] = 8;
  rw.spec[0].client_port[1] = 9;
  assert_rewrite("RTP/AVP;unicast;client_port=50000-50001", &rw,
                 "RTP/AVP;unicast;client_port=8-9");
  /* nothing to replace: an exact copy */
  assert_rewrite("RTP/AVP/TCP;unicast;interleaved=0-1", &rw,
                 "RTP/AVP/TCP;unicast;interleaved=0-1");
}

static void test_rtsp_rewrite_reply_addresses(void **state) {
  (void)state;
  pinhole_rtsp_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.spec[0].flags = PINHOLE_RTSP_REWRITE_CLIENT_PORT |
                     PINHOLE_RTSP_REWRITE_DESTINATION |
                     PINHOLE_RTSP_REWRITE_SOURCE;
  rw.spec[0].client_port[0] = 5000;
  rw.spec[0].client_port[1] = 5001;
  rw.spec[0].destination = 0x0A000005; /* 10.0.0.5 */
  rw.spec[0].source = 0xC6130A0B;      /* 198.19.10.11 */
  rw.spec[0].server_port[0] = 1;       /* not selected: ignored */
  assert_rewrite("RTP/AVP;unicast;destination=198.18.0.1;source=198.18.0.2;"
                 "client_port=61000-61001;server_port=6970-6971;ssrc=0000ABCD",
                 &rw,
                 "RTP/AVP;unicast;destination=10.0.0.5;source=198.19.10.11;"
                 "client_port=5000-5001;server_port=6970-6971;ssrc=0000ABCD");
  /* parameters in any order; host names and quoted values replaced */
  rw.spec[0].flags |= PINHOLE_RTSP_REWRITE_SERVER_PORT;
  rw.spec[0].server_port[0] = 40000;
  rw.spec[0].server_port[1] = 40001;
  assert_rewrite("RTP/AVP;server_port=6970-6971;source=\"srv.example\";"
                 "client_port=61000-61001;destination=198.18.0.1",
                 &rw,
                 "RTP/AVP;server_port=40000-40001;source=\"198.19.10.11\";"
                 "client_port=5000-5001;destination=10.0.0.5");
  /* a bare "destination" gets no value added */
  assert_rewrite("RTP/AVP;destination;client_port=61000-61001", &rw,
                 "RTP/AVP;destination;client_port=5000-5001");
}

static void test_rtsp_rewrite_multiple_specs(void **state) {
  (void)state;
  pinhole_rtsp_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.spec[0].flags = PINHOLE_RTSP_REWRITE_CLIENT_PORT;
  rw.spec[0].client_port[0] = 40000;
  rw.spec[0].client_port[1] = 40001;
  rw.spec[2].flags = PINHOLE_RTSP_REWRITE_CLIENT_PORT;
  rw.spec[2].client_port[0] = 40002;
  rw.spec[2].client_port[1] = 40003;
  assert_rewrite("RTP/AVP;unicast;client_port=5000-5001,"
                 "RTP/AVP/TCP;unicast;interleaved=0-1,"
                 "RTP/AVP;unicast;client_port=5002-5003",
                 &rw,
                 "RTP/AVP;unicast;client_port=40000-40001,"
                 "RTP/AVP/TCP;unicast;interleaved=0-1,"
                 "RTP/AVP;unicast;client_port=40002-40003");
}

static void test_rtsp_rewrite_folded_value(void **state) {
  (void)state;
  pinhole_rtsp_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.spec[0].flags = PINHOLE_RTSP_REWRITE_CLIENT_PORT;
  rw.spec[0].client_port[0] = 7;
  rw.spec[0].client_port[1] = 65535;
  assert_rewrite("RTP/AVP;unicast;\r\n client_port = \"5000-5001\" ", &rw,
                 "RTP/AVP;unicast;\r\n client_port = \"7-65535\" ");
}

static void test_rtsp_rewrite_nobuf(void **state) {
  (void)state;
  static const char v[] = "RTP/AVP;unicast;client_port=5000-5001";
  static const char want[] = "RTP/AVP;unicast;client_port=61000-61001";
  pinhole_rtsp_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.spec[0].flags = PINHOLE_RTSP_REWRITE_CLIENT_PORT;
  rw.spec[0].client_port[0] = 61000;
  rw.spec[0].client_port[1] = 61001;
  char out[64];
  for (size_t cap = 0; cap < sizeof(want) - 1; cap++)
    assert_int_equal(rewrite(v, &rw, out, cap), PINHOLE_ERR_NOBUF);
  assert_int_equal(rewrite(v, &rw, out, sizeof(want) - 1), sizeof(want) - 1);
  assert_memory_equal(out, want, sizeof(want) - 1);
  /* the unchanged tail must fit too */
  static const char v2[] = "RTP/AVP;client_port=5000;mode=play";
  assert_int_equal(rewrite(v2, &rw, out, 34), PINHOLE_ERR_NOBUF);
  assert_int_equal(rewrite(v2, &rw, out, 35), 35);
  assert_memory_equal(out, "RTP/AVP;client_port=61000;mode=play", 35);
}

static void test_rtsp_rewrite_errors(void **state) {
  (void)state;
  pinhole_rtsp_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  char out[128];
  rw.spec[0].flags = PINHOLE_RTSP_REWRITE_CLIENT_PORT;
  rw.spec[0].client_port[0] = 0;
  assert_int_equal(rewrite("RTP/AVP;client_port=5000", &rw, out, sizeof(out)),
                   PINHOLE_ERR_INVALID_ARG);
  rw.spec[0].client_port[0] = 6001;
  rw.spec[0].client_port[1] = 6000;
  assert_int_equal(
      rewrite("RTP/AVP;client_port=5000-5001", &rw, out, sizeof(out)),
      PINHOLE_ERR_INVALID_ARG);
  /* hi < lo is fine for a single port, where hi is not written */
  assert_int_equal(rewrite("RTP/AVP;client_port=5000", &rw, out, sizeof(out)),
                   24);
  assert_memory_equal(out, "RTP/AVP;client_port=6001", 24);
  /* parse errors pass through */
  assert_int_equal(rewrite("RTP/AVP;client_port=0", &rw, out, sizeof(out)),
                   PINHOLE_ERR_RANGE);
  assert_int_equal(rewrite("RTP/AVP;client_port=", &rw, out, sizeof(out)),
                   PINHOLE_ERR_PARSE);
  assert_int_equal(
      pinhole_rtsp_transport_rewrite(S("RTP/AVP"), NULL, (uint8_t *)out, 8),
      PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_rtsp_transport_rewrite(S("RTP/AVP"), &rw, NULL, 8),
                   PINHOLE_ERR_INVALID_ARG);
}

static void test_rtsp_rewrite_reparses(void **state) {
  (void)state;
  pinhole_rtsp_msg m;
  assert_int_equal(frame(gst_reply, sizeof(gst_reply) - 1, &m), 0);
  pinhole_rtsp_rewrite rw;
  memset(&rw, 0, sizeof(rw));
  rw.spec[0].flags =
      PINHOLE_RTSP_REWRITE_CLIENT_PORT | PINHOLE_RTSP_REWRITE_SERVER_PORT;
  rw.spec[0].client_port[0] = 1024;
  rw.spec[0].client_port[1] = 1025;
  rw.spec[0].server_port[0] = 65534;
  rw.spec[0].server_port[1] = 65535;
  uint8_t out[128];
  int n = pinhole_rtsp_transport_rewrite(
      U8(gst_reply) + m.transport_off, m.transport_len, &rw, out, sizeof(out));
  static const char want[] = "RTP/AVP;unicast;client_port=1024-1025;"
                             "server_port=65534-65535;ssrc=5E8C1B2A;"
                             "mode=\"PLAY\"";
  assert_int_equal(n, sizeof(want) - 1);
  assert_memory_equal(out, want, sizeof(want) - 1);
  pinhole_rtsp_transport t;
  assert_int_equal(pinhole_rtsp_transport_parse(out, (size_t)n, &t), 0);
  assert_int_equal(t.spec[0].client_port[0], 1024);
  assert_int_equal(t.spec[0].client_port[1], 1025);
  assert_int_equal(t.spec[0].server_port[0], 65534);
  assert_int_equal(t.spec[0].server_port[1], 65535);
}

/* ---- pinhole_rtsp_prefix ---- */

static int prefix_n(const char *s, size_t n) {
  return pinhole_rtsp_prefix(U8(s), n);
}

/* Every strict prefix of a message that frames is worth withholding. */
static void test_rtsp_prefix_of_framed(void **state) {
  (void)state;
  static const char *const ok[] = {
      gst_setup,
      gst_reply,
      ff_setup,
      "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n",
      "\r\n\nOPTIONS * RTSP/1.0\nCSeq: 2\n\n",
      "RTSP/1.0 200\r\n\r\n",
      "RTSP/2.0 461 Unsupported Transport\n\n",
      "RTSP rtsp://198.19.0.1/s RTSP/1.0\r\n\r\n",
      "SETUP rtsp://198.19.0.1/s RTSP/10.22\r\nTransport: RTP/AVP;\r\n "
      "client_port=5000-5001\r\n\t;unicast\r\nCSeq: 9\r\n\r\n",
      "DESCRIBE rtsp://198.19.0.1/s RTSP/1.0\r\nContent-Length:\r\n 3\r\n"
      "Content-Length: 0003\r\n\r\nabc",
      "$\x01\x00\x04"
      "abcd",
  };
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    size_t len = ok[i][0] == '$' ? 8 : strlen(ok[i]);
    pinhole_rtsp_msg m;
    assert_int_equal(frame(ok[i], len, &m), 0);
    assert_int_equal(m.total_len, len);
    for (size_t k = 0; k <= len; k++)
      if (prefix_n(ok[i], k) != 1)
        fail_msg("message %zu: prefix of %zu bytes refused", i, k);
  }
}

/* Bytes that go wrong: 1 up to the "good" prefix, 0 from the next byte
 * on, for the whole message. */
static void test_rtsp_prefix_diverges(void **state) {
  (void)state;
  static const struct {
    const char *msg;
    const char *good;
  } c[] = {
      {"GET / HTTP/1.1\r\nHost: 198.19.0.1:554\r\n\r\n", "GET / "},
      {"POST /x HTTP/1.1\r\n\r\n", "POST /x "},
      {"HTTP/1.1 200 OK\r\n\r\n", "HTTP"},
      {"INVITE sip:bob@198.19.0.1 SIP/2.0\r\n\r\n",
       "INVITE sip:bob@198.19.0.1 "},
      {"SIP/2.0 200 OK\r\n\r\n", "SIP"},
      {"\x16\x03\x01\x02\x00", ""},
      {"SE(TUP rtsp://h/s RTSP/1.0\r\n\r\n", "SE"},
      {"SETUP  rtsp://h/s RTSP/1.0\r\n\r\n", "SETUP "},
      {"SETUP rtsp://h/s\tRTSP/1.0\r\n\r\n", "SETUP rtsp://h/s"},
      {"SETUP rtsp://h/s RTSP/1.0 x\r\n\r\n", "SETUP rtsp://h/s RTSP/1.0"},
      {"SETUP rtsp://h/s RTSP/1.\r\n\r\n", "SETUP rtsp://h/s RTSP/1."},
      {"SETUP rtsp://h/s RTSP/x.0\r\n\r\n", "SETUP rtsp://h/s RTSP/"},
      {"RTSP/1.0 099 OK\r\n\r\n", "RTSP/1.0 "},
      {"RTSP/1.0 2000 OK\r\n\r\n", "RTSP/1.0 200"},
      {"RTSP/1.0 200OK\r\n\r\n", "RTSP/1.0 200"},
      {"RTSP/1.0 20\r\n\r\n", "RTSP/1.0 20"},
      {"RTSP/1.0\r\n\r\n", "RTSP/1.0"},
      {"OPTIONS * RTSP/1.0\r\nBad Name: x\r\n\r\n",
       "OPTIONS * RTSP/1.0\r\nBad"},
      {"OPTIONS * RTSP/1.0\r\nNoColon\r\n\r\n",
       "OPTIONS * RTSP/1.0\r\nNoColon"},
      {"OPTIONS * RTSP/1.0\r\n: x\r\n\r\n", "OPTIONS * RTSP/1.0\r\n"},
      {"OPTIONS * RTSP/1.0\r\n CSeq: 1\r\n\r\n", "OPTIONS * RTSP/1.0\r\n"},
      {"OPTIONS * RTSP/1.0\r\nCSeq: abc\r\nX: y\r\n\r\n",
       "OPTIONS * RTSP/1.0\r\nCSeq: abc\r\n"},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2\r\n\r\n",
       "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nCSeq: 2\r\n"},
      {"OPTIONS * RTSP/1.0\r\nContent-Length: 16777217\r\n\r\n",
       "OPTIONS * RTSP/1.0\r\nContent-Length: 16777217\r\n"},
      {"OPTIONS * RTSP/1.0\r\nCSeq: \x01\r\n\r\n",
       "OPTIONS * RTSP/1.0\r\nCSeq: "},
      {"OPTIONS * RTSP/1.0\rX\r\n\r\n", "OPTIONS * RTSP/1.0\r"},
      {"OPTIONS * RTSP/1.0\r\nCSeq: 1\rX\r\n\r\n",
       "OPTIONS * RTSP/1.0\r\nCSeq: 1\r"},
  };
  for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
    const char *msg = c[i].msg;
    size_t good = strlen(c[i].good), n = strlen(msg);
    pinhole_rtsp_msg m;
    assert_memory_equal(msg, c[i].good, good);
    assert_int_equal(frame(msg, n, &m), PINHOLE_ERR_PARSE);
    for (size_t k = 0; k <= n; k++) {
      int want = k <= good;
      if (prefix_n(msg, k) != want)
        fail_msg("\"%s\": prefix of %zu bytes: want %d", msg, k, want);
    }
  }
}

/* What ph_start_plausible let through (a start line of HTTP or SIP shape
 * held until its end) is now refused at its first wrong byte. */
static void test_rtsp_prefix_slipstream(void **state) {
  (void)state;
  assert_int_equal(prefix_n("POST /submit HTT", 16), 0);
  assert_int_equal(prefix_n("POST /submit ", 13), 1);
  assert_int_equal(prefix_n("HTTP/", 5), 0);
  assert_int_equal(prefix_n("REGISTER sip:198.19.0.1 SIP/2", 29), 0);
  assert_int_equal(prefix_n("get_parameter", 13), 1); /* a token method */
  assert_int_equal(prefix_n("G\xc3", 2), 0);
}

static void test_rtsp_prefix_limits(void **state) {
  (void)state;
  static char buf[PINHOLE_RTSP_MAX_HEADER + 64];
  /* A start line of PINHOLE_RTSP_MAX_LINE bytes, then one more. */
  memcpy(buf, "OPTIONS ", 8);
  memset(buf + 8, 'a', PINHOLE_RTSP_MAX_LINE);
  assert_int_equal(pinhole_rtsp_prefix(U8(buf), PINHOLE_RTSP_MAX_LINE), 1);
  assert_int_equal(pinhole_rtsp_prefix(U8(buf), PINHOLE_RTSP_MAX_LINE + 1), 0);
  /* A header block that never ends. */
  size_t n = 0;
  n += (size_t)snprintf(buf, sizeof(buf), "OPTIONS * RTSP/1.0\r\n");
  while (n + 12 < sizeof(buf)) {
    memcpy(buf + n, "X-Pad: 1234\r\n", 13);
    n += 13;
  }
  assert_int_equal(pinhole_rtsp_prefix(U8(buf), PINHOLE_RTSP_MAX_HEADER - 1),
                   1);
  assert_int_equal(pinhole_rtsp_prefix(U8(buf), PINHOLE_RTSP_MAX_HEADER), 0);
  /* Only the body missing: the header block is whole. */
  assert_int_equal(
      prefix_n("RTSP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nab", 40), 1);
  assert_int_equal(pinhole_rtsp_prefix(NULL, 0), 1);
  assert_int_equal(pinhole_rtsp_prefix(NULL, 1), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(prefix_n("$", 1), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rtsp_prefix_of_framed),
      cmocka_unit_test(test_rtsp_prefix_diverges),
      cmocka_unit_test(test_rtsp_prefix_slipstream),
      cmocka_unit_test(test_rtsp_prefix_limits),
      cmocka_unit_test(test_rtsp_frame_setup_gstreamer),
      cmocka_unit_test(test_rtsp_frame_reply_gstreamer),
      cmocka_unit_test(test_rtsp_frame_setup_ffmpeg),
      cmocka_unit_test(test_rtsp_frame_methods),
      cmocka_unit_test(test_rtsp_frame_status_lines),
      cmocka_unit_test(test_rtsp_frame_lf_only),
      cmocka_unit_test(test_rtsp_frame_pipelined),
      cmocka_unit_test(test_rtsp_frame_content_length_body),
      cmocka_unit_test(test_rtsp_frame_content_length_forms),
      cmocka_unit_test(test_rtsp_frame_content_length_hostile),
      cmocka_unit_test(test_rtsp_frame_cseq_hostile),
      cmocka_unit_test(test_rtsp_frame_folded_header),
      cmocka_unit_test(test_rtsp_frame_mixed_case_names),
      cmocka_unit_test(test_rtsp_frame_transport_twice),
      cmocka_unit_test(test_rtsp_frame_partial_every_split),
      cmocka_unit_test(test_rtsp_frame_leading_empty_lines),
      cmocka_unit_test(test_rtsp_frame_interleaved),
      cmocka_unit_test(test_rtsp_frame_long_line),
      cmocka_unit_test(test_rtsp_frame_header_block_limit),
      cmocka_unit_test(test_rtsp_frame_control_bytes),
      cmocka_unit_test(test_rtsp_frame_bad_start_lines),
      cmocka_unit_test(test_rtsp_frame_invalid_args),
      cmocka_unit_test(test_rtsp_transport_gstreamer),
      cmocka_unit_test(test_rtsp_transport_ffmpeg),
      cmocka_unit_test(test_rtsp_transport_multiple_specs),
      cmocka_unit_test(test_rtsp_transport_reply_live555),
      cmocka_unit_test(test_rtsp_transport_reply_gstreamer),
      cmocka_unit_test(test_rtsp_transport_profiles),
      cmocka_unit_test(test_rtsp_transport_single_port_and_multicast),
      cmocka_unit_test(test_rtsp_transport_unknown_and_quoted),
      cmocka_unit_test(test_rtsp_transport_hostname_addresses),
      cmocka_unit_test(test_rtsp_transport_port_range_hostile),
      cmocka_unit_test(test_rtsp_transport_syntax_hostile),
      cmocka_unit_test(test_rtsp_transport_spec_count),
      cmocka_unit_test(test_rtsp_rewrite_client_port),
      cmocka_unit_test(test_rtsp_rewrite_reply_addresses),
      cmocka_unit_test(test_rtsp_rewrite_multiple_specs),
      cmocka_unit_test(test_rtsp_rewrite_folded_value),
      cmocka_unit_test(test_rtsp_rewrite_nobuf),
      cmocka_unit_test(test_rtsp_rewrite_errors),
      cmocka_unit_test(test_rtsp_rewrite_reparses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

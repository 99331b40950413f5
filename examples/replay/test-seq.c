/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for pinhole-replay's sequence deltas and TCP header edits
 * (seq.h): the delta history (points, wrap at 2^32, the ring), the
 * incremental checksum (RFC 1624), ACK/SACK and SEQ moved with the TCP
 * checksum right (or as wrong as it was), hostile option lists and
 * truncated packets, the "same segment, payload rewritten" check the
 * NAT64 replay uses for FTP64's EPRT, and, for a held message sent on
 * merged, the sequence number set in IPv4 and IPv6 and the IPv6 form of
 * that check.
 */
#include "helpers.h"
#include "seq.h"

#include <pinhole/cksum.h>

#define IN_ADDR IP4(198, 19, 0, 7) /* the pool */
#define OUT_ADDR OUT_HOST          /* the server, 198.19.0.2 */

/* An IPv4 TCP packet (tests/helpers.h) with the given options (optlen a
 * multiple of 4) and payload, both checksums right, copied to b. Returns
 * its length. */
static size_t mk_tcp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sport,
                     uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                     const uint8_t *opt, size_t optlen, const char *payload) {
  tpkt t;
  t_tcp_opts(&t, src, sport, dst, dport, seq, ack, flags, 64240, opt, optlen,
             payload, payload ? strlen(payload) : 0);
  memcpy(b, t.b, t.p.len);
  return t.p.len;
}

static int l4_ok(const uint8_t *b, size_t len) {
  pinhole_pkt_view v;
  assert_int_equal(pinhole_pkt_parse(b, len, &v), 0);
  return pinhole_pkt_l4_cksum_ok(b, &v);
}

/* A history with delta -3 from 4000 on and +7 from 9000 on. */
static hist *two_points(void) {
  hist *h = NULL;
  hist_push(&h, 4000, (uint32_t)-3);
  hist_push(&h, 9000, 7);
  assert_non_null(h);
  return h;
}

/* ---- history ------------------------------------------------------------ */

static void test_seq_hist_zero_keeps_nothing(void **state) {
  (void)state;
  hist *h = NULL;
  hist_push(&h, 1000, 0);
  assert_null(h); /* nothing allocated while every delta is 0 */
  assert_int_equal(hist_delta(NULL, 1000), 0);
  hist_learn(&h, 1000, 30, 1000, 30); /* same length: still nothing */
  assert_null(h);
}

static void test_seq_hist_points(void **state) {
  (void)state;
  hist *h = two_points();
  assert_int_equal(hist_delta(h, 3999), 0); /* before the first point */
  assert_int_equal(hist_delta(h, 4000), (uint32_t)-3);
  assert_int_equal(hist_delta(h, 8999), (uint32_t)-3);
  assert_int_equal(hist_delta(h, 9000), 7);
  assert_int_equal(hist_delta(h, 9000 + 0x7fffffffu), 7);
  /* the same point again replaces its delta */
  hist_push(&h, 4000, 2);
  assert_int_equal(hist_delta(h, 5000), 2);
  assert_int_equal(h->n, 2);
  free(h);
}

static void test_seq_hist_wraps(void **state) {
  (void)state;
  hist *h = NULL;
  hist_push(&h, 0xfffffff0u, 5);
  assert_int_equal(hist_delta(h, 0xffffffffu), 5);
  assert_int_equal(hist_delta(h, 0x10), 5); /* past 2^32 */
  assert_int_equal(hist_delta(h, 0xffffffe0u), 0);
  free(h);
}

static void test_seq_hist_ring(void **state) {
  (void)state;
  hist *h = NULL;
  for (uint32_t i = 1; i <= HIST + 5; i++)
    hist_push(&h, i * 100, i);
  assert_int_equal(h->n, HIST);
  /* the oldest five points are forgotten: 550 falls to no point */
  assert_int_equal(hist_delta(h, 550), 0);
  assert_int_equal(hist_delta(h, 650), 6);
  assert_int_equal(hist_delta(h, (HIST + 5) * 100 + 1), HIST + 5);
  free(h);
}

/* EPRT |2|2001:db8:1::2|52281|\r\n (30 bytes) sent on as EPRT
 * |1|198.19.0.7|52281|\r\n (27): the delta is 0 up to its start, -3 at
 * its end, and a later segment learns its own. */
static void test_seq_hist_learn_eprt(void **state) {
  (void)state;
  hist *h = NULL;
  hist_learn(&h, 1000, 30, 1000, 27);
  assert_non_null(h);
  assert_int_equal(hist_delta(h, 999), 0);
  assert_int_equal(hist_delta(h, 1030), (uint32_t)-3);
  hist_learn(&h, 1030, 8, 1027, 8);
  assert_int_equal(hist_delta(h, 1038), (uint32_t)-3);
  /* a retransmission of the EPRT itself: its start stays 0 */
  assert_int_equal(hist_delta(h, 1000), 0);
  free(h);
}

/* ---- checksums ---------------------------------------------------------- */

static void test_seq_cksum_adjust(void **state) {
  (void)state;
  uint8_t b[128], old[4];
  size_t len = mk_tcp(b, OUT_ADDR, IN_ADDR, 21, 1028, 777, 0x12345678u, 0x10,
                      NULL, 0, "200 EPRT command successful.\r\n");
  assert_int_equal(l4_ok(b, len), 1);
  memcpy(old, b + 28, 4);
  put32(b + 28, 0x9abcdef1u);
  cksum_adjust(b + 36, old, b + 28, 4);
  assert_int_equal(l4_ok(b, len), 1);
  /* a wrong checksum stays wrong by the same distance */
  uint16_t right = get16(b + 36);
  put16(b + 36, (uint16_t)(right + 0x0101));
  memcpy(old, b + 28, 4);
  put32(b + 28, 0x0000ffffu);
  cksum_adjust(b + 36, old, b + 28, 4);
  assert_int_equal(l4_ok(b, len), 0);
  uint32_t d = get16(b + 36);
  pinhole_pkt_fix_all_cksums(b, len);
  d += (uint16_t)~get16(b + 36); /* wrong - right, one's complement */
  while (d >> 16)
    d = (d & 0xffffu) + (d >> 16);
  assert_int_equal(d, 0x0101);
}

/* ---- ACK and SACK ------------------------------------------------------- */

static void test_seq_ack_to_server(void **state) {
  (void)state;
  /* NOP NOP SACK(10) with one block 5000-5100 */
  const uint8_t opt[12] = {1, 1, 5, 10, 0, 0, 0x13, 0x88, 0, 0, 0x13, 0xec};
  uint8_t b[128];
  size_t len = mk_tcp(b, OUT_ADDR, IN_ADDR, 21, 1028, 777, 9100, 0x18, opt,
                      sizeof(opt), "226 Transfer complete.\r\n");
  hist *h = two_points();
  ack_to_server(b, len, h);
  assert_int_equal(get32(b + 28), 9107);
  assert_int_equal(get32(b + 44), 4997);
  assert_int_equal(get32(b + 48), 5097);
  assert_int_equal(get32(b + 24), 777); /* its own SEQ untouched */
  assert_int_equal(l4_ok(b, len), 1);
  free(h);
}

static void test_seq_ack_needs_flag_and_history(void **state) {
  (void)state;
  uint8_t b[128], copy[128];
  size_t len = mk_tcp(b, OUT_ADDR, IN_ADDR, 20, 1035, 1, 5000, 0x02, NULL, 0,
                      NULL); /* a SYN: no ACK flag */
  memcpy(copy, b, len);
  hist *h = two_points();
  ack_to_server(b, len, h);
  assert_memory_equal(b, copy, len);
  len = mk_tcp(b, OUT_ADDR, IN_ADDR, 21, 1028, 1, 5000, 0x10, NULL, 0, NULL);
  memcpy(copy, b, len);
  ack_to_server(b, len, NULL); /* no history: nothing moves */
  assert_memory_equal(b, copy, len);
  /* UDP is left alone */
  b[9] = PINHOLE_IPPROTO_UDP;
  put16(b + 10, 0);
  put16(b + 10, pinhole_cksum(b, 20));
  memcpy(copy, b, len);
  ack_to_server(b, len, h);
  assert_memory_equal(b, copy, len);
  free(h);
}

/* Option lists that lie: a zero length, a length past the header, a
 * SACK cut short; the walk stops without reading or writing past the
 * header, and blocks before the lie are moved. */
static void test_seq_sack_hostile_options(void **state) {
  (void)state;
  hist *h = two_points();
  uint8_t tcp[40];
  memset(tcp, 0, sizeof(tcp));
  const uint8_t zero[] = {5, 0, 0, 0, 0x13, 0x88};
  memcpy(tcp + 20, zero, sizeof(zero));
  shift_sack(tcp, 28, h);
  assert_int_equal(get32(tcp + 22), 5000); /* length 0: stopped */
  memset(tcp, 0, sizeof(tcp));
  const uint8_t past[] = {1, 5, 18, 0, 0, 0x13, 0x88};
  memcpy(tcp + 20, past, sizeof(past));
  shift_sack(tcp, 32, h); /* 21 + 18 > 32 */
  assert_int_equal(get32(tcp + 23), 5000);
  memset(tcp, 0, sizeof(tcp));
  /* a good block, then a SACK whose second block is cut by its length */
  const uint8_t two[] = {5,    10, 0, 0, 0x13, 0x88, 0,    0, 0x13,
                         0xec, 5,  8, 0, 0,    0x23, 0x28, 0, 0};
  memcpy(tcp + 20, two, sizeof(two));
  shift_sack(tcp, 40, h);
  assert_int_equal(get32(tcp + 22), 4997);
  assert_int_equal(get32(tcp + 26), 5097);
  assert_int_equal(get32(tcp + 32), 9007); /* 9000: +7 */
  assert_int_equal(get32(tcp + 36), 0);    /* past the option's length */
  for (size_t cut = 20; cut <= 40; cut++) {
    uint8_t t2[40];
    memcpy(t2, tcp, sizeof(t2));
    shift_sack(t2, cut, h); /* any header length: no read past it */
  }
  free(h);
}

static void test_seq_truncated_untouched(void **state) {
  (void)state;
  uint8_t b[128], copy[128];
  size_t len = mk_tcp(b, OUT_ADDR, IN_ADDR, 21, 1028, 777, 9100, 0x10, NULL, 0,
                      "213 87\r\n");
  hist *h = two_points();
  for (size_t cut = 0; cut < len; cut++) {
    memcpy(copy, b, len);
    ack_to_server(copy, cut, h);
    seq_to_server(copy, cut, h);
    assert_memory_equal(copy, b, len); /* does not parse: as it was */
  }
  free(h);
}

/* ---- SEQ ---------------------------------------------------------------- */

static void test_seq_seq_to_server(void **state) {
  (void)state;
  uint8_t b[128];
  size_t len = mk_tcp(b, IN_ADDR, OUT_ADDR, 1028, 21, 4010, 300, 0x18, NULL, 0,
                      "TYPE I\r\n");
  hist *h = two_points();
  seq_to_server(b, len, h);
  assert_int_equal(get32(b + 24), 4007);
  assert_int_equal(get32(b + 28), 300); /* its ACK untouched */
  assert_int_equal(l4_ok(b, len), 1);
  free(h);
}

/* An IPv6 TCP packet 2001:db8:1::2:sport -> 64:ff9b::c613:2:21 (with
 * 12 bytes of options: NOP NOP timestamps) carrying payload, its checksum
 * right, in b. Returns its length. */
static size_t mk_tcp6(uint8_t *b, uint16_t sport, uint32_t seq, uint32_t ack,
                      uint8_t flags, const char *payload) {
  static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2};
  static const uint8_t dst[16] = {0, 0x64, 0xff, 0x9b, [12] = 198, 19, 0, 2};
  size_t n = strlen(payload), tl = 32 + n;
  memset(b, 0, 40 + tl);
  b[0] = 0x60;
  b[1] = 0x01; /* a flow label */
  b[3] = 0x23;
  put16(b + 4, (uint16_t)tl);
  b[6] = PINHOLE_IPPROTO_TCP;
  b[7] = 64;
  memcpy(b + 8, src, 16);
  memcpy(b + 24, dst, 16);
  uint8_t *t = b + 40;
  put16(t, sport);
  put16(t + 2, 21);
  put32(t + 4, seq);
  put32(t + 8, ack);
  t[12] = 8 << 4;
  t[13] = flags;
  put16(t + 14, 502);
  t[20] = t[21] = 1;
  t[22] = 8;
  t[23] = 10;
  put32(t + 24, 1070903080);
  put32(t + 28, 1692506982);
  memcpy(t + 32, payload, n);
  pinhole_pkt6_view v;
  assert_int_equal(pinhole_pkt6_parse(b, 40 + tl, &v), 0);
  pinhole_pkt6_fix_cksums(b, &v);
  return 40 + tl;
}

static int l4_ok6(const uint8_t *b, size_t len) {
  pinhole_pkt6_view v;
  assert_int_equal(pinhole_pkt6_parse(b, len, &v), 0);
  return pinhole_pkt6_l4_cksum_ok(b, &v);
}

/* The second piece of a split EPRT sent on merged from the first's
 * sequence number: set in IPv4 and IPv6, the checksum following (right
 * stays right, wrong stays as wrong); not TCP, truncated: untouched. */
static void test_seq_seq_set(void **state) {
  (void)state;
  uint8_t b[128], c[128];
  size_t len = mk_tcp(b, IN_ADDR, OUT_ADDR, 1028, 21, 323531525u, 300, 0x18,
                      NULL, 0, "1::2|43667|\r\n");
  seq_set(b, len, 323531508u);
  assert_int_equal(get32(b + 24), 323531508u);
  assert_int_equal(get32(b + 28), 300);
  assert_int_equal(l4_ok(b, len), 1);
  b[36] ^= 0x10; /* a wrong checksum ... */
  seq_set(b, len, 0xfffffff0u);
  assert_int_equal(get32(b + 24), 0xfffffff0u);
  assert_int_equal(l4_ok(b, len), 0);
  b[36] ^= 0x10; /* ... stays exactly as wrong */
  assert_int_equal(l4_ok(b, len), 1);

  size_t len6 =
      mk_tcp6(b, 44834, 323531525u, 4141977382u, 0x18, "1::2|43667|\r\n");
  seq_set(b, len6, 323531508u);
  assert_int_equal(get32(b + 44), 323531508u);
  assert_int_equal(get32(b + 48), 4141977382u);
  assert_int_equal(l4_ok6(b, len6), 1);

  /* UDP, and every truncation: nothing changes */
  tpkt u;
  t_udp(&u, IN_ADDR, 5060, OUT_ADDR, 5060, "INVITE");
  memcpy(c, u.b, u.p.len);
  seq_set(c, u.p.len, 7);
  assert_memory_equal(c, u.b, u.p.len);
  for (size_t cut = 0; cut < len6; cut++) {
    memcpy(c, b, len6);
    seq_set(c, cut, 99);
    assert_memory_equal(c, b, len6);
  }
}

/* A held message sent on merged over IPv6: the frame with another
 * payload is one; any other header byte changed is not. */
static void test_seq_payload_rewritten6(void **state) {
  (void)state;
  uint8_t a[160], b[160];
  size_t alen = mk_tcp6(a, 44834, 1000, 300, 0x18, "1::2|43667|\r\n");
  size_t blen =
      mk_tcp6(b, 44834, 1000, 300, 0x18, "EPRT |2|2001:db8:1::2|43667|\r\n");
  assert_int_equal(payload_rewritten6(a, alen, b, blen), 1);
  assert_int_equal(payload_rewritten6(a, alen, a, alen), 1);
  static const struct {
    size_t off;
    uint8_t xor_, fix;
  } change[] = {
      {3, 0x01, 1},  /* the flow label */
      {7, 0x3f, 1},  /* the hop limit */
      {23, 0x01, 1}, /* the source */
      {39, 0x04, 1}, /* the destination */
      {41, 0x05, 1}, /* the source port */
      {47, 0x01, 1}, /* the SEQ */
      {51, 0x01, 1}, /* the ACK */
      {53, 0x08, 1}, /* the flags: FIN */
      {55, 0x02, 1}, /* the window */
      {71, 0x01, 1}, /* the timestamp echo */
      {56, 0x40, 0}, /* a wrong TCP checksum where the expected is right */
  };
  for (size_t i = 0; i < sizeof(change) / sizeof(change[0]); i++) {
    uint8_t c[160];
    memcpy(c, b, blen);
    c[change[i].off] ^= change[i].xor_;
    if (change[i].fix) {
      pinhole_pkt6_view v;
      assert_int_equal(pinhole_pkt6_parse(c, blen, &v), 0);
      pinhole_pkt6_fix_cksums(c, &v);
    }
    assert_int_equal(payload_rewritten6(a, alen, c, blen), 0);
  }
  /* IPv4 is not IPv6; cut short at every length */
  uint8_t d[128];
  size_t dlen = mk_tcp(d, IN_ADDR, OUT_ADDR, 44834, 21, 1000, 300, 0x18, NULL,
                       0, "1::2|43667|\r\n");
  assert_int_equal(payload_rewritten6(a, alen, d, dlen), 0);
  for (size_t cut = 0; cut < blen; cut++)
    assert_int_equal(payload_rewritten6(a, alen, b, cut), 0);
}

/* ---- payload rewritten -------------------------------------------------- */

static void test_seq_payload_rewritten(void **state) {
  (void)state;
  uint8_t a[160], b[160];
  size_t alen = mk_tcp(a, IN_ADDR, OUT_ADDR, 1028, 21, 1000, 300, 0x18, NULL, 0,
                       "EPRT |2|2001:db8:1::2|52281|\r\n");
  size_t blen = mk_tcp(b, IN_ADDR, OUT_ADDR, 1028, 21, 1000, 300, 0x18, NULL, 0,
                       "EPRT |1|198.19.0.7|1035|\r\n");
  assert_int_equal(payload_rewritten(a, alen, b, blen), 1);
  /* one header field changed (checksums fixed, or not): no rewrite */
  static const struct {
    size_t off;
    uint8_t xor_, fix;
  } change[] = {
      {21, 0x05, 1}, /* the source port */
      {27, 0x01, 1}, /* the SEQ */
      {39, 0x07, 1}, /* the urgent pointer */
      {8, 0x7f, 1},  /* the TTL */
      {19, 0x01, 1}, /* the destination */
      {36, 0x40, 0}, /* a wrong TCP checksum where the expected is right */
      {10, 0x01, 0}, /* a wrong IP header checksum: does not parse */
  };
  for (size_t i = 0; i < sizeof(change) / sizeof(change[0]); i++) {
    uint8_t c[160];
    memcpy(c, b, blen);
    c[change[i].off] ^= change[i].xor_;
    if (change[i].fix)
      pinhole_pkt_fix_all_cksums(c, blen);
    assert_int_equal(payload_rewritten(a, alen, c, blen), 0);
  }
  /* cut short at every length */
  for (size_t cut = 0; cut < blen; cut++)
    assert_int_equal(payload_rewritten(a, alen, b, cut), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seq_hist_zero_keeps_nothing),
      cmocka_unit_test(test_seq_hist_points),
      cmocka_unit_test(test_seq_hist_wraps),
      cmocka_unit_test(test_seq_hist_ring),
      cmocka_unit_test(test_seq_hist_learn_eprt),
      cmocka_unit_test(test_seq_cksum_adjust),
      cmocka_unit_test(test_seq_ack_to_server),
      cmocka_unit_test(test_seq_ack_needs_flag_and_history),
      cmocka_unit_test(test_seq_sack_hostile_options),
      cmocka_unit_test(test_seq_truncated_untouched),
      cmocka_unit_test(test_seq_seq_to_server),
      cmocka_unit_test(test_seq_payload_rewritten),
      cmocka_unit_test(test_seq_seq_set),
      cmocka_unit_test(test_seq_payload_rewritten6),
  };
  return cmocka_run_group_tests_name("replay.seq", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests: the H.323 aligned-PER walker (H.225.0 RAS, Q.931 with the
 * H323-UserInformation, H.245 OLC and OLCAck). The vectors come from
 * tests/unit/h323_gen.py (an encoder written from the ASN.1 apart from
 * the walker) and decode in tshark without malformed-packet errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/h323.h>

#include "h323_vectors.h"

#define IN 0xC612000Au   /* 198.18.0.10 */
#define PEER 0xC6130014u /* 198.19.0.20 */
#define GK 0xC6130001u   /* 198.19.0.1 */

enum { RAS = 0, CS = 1, H245 = 2 };

typedef struct want {
  uint8_t kind;
  uint8_t nested;
  uint32_t addr;
  uint16_t port;
} want;

static int parse(int mode, const uint8_t *p, size_t n, pinhole_h323_msg *m) {
  switch (mode) {
  case RAS:
    return pinhole_h225_ras_parse(p, n, m);
  case CS:
    return pinhole_h225_cs_parse(p, n, m);
  default:
    return pinhole_h245_parse(p, n, m);
  }
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* Decodes v, checks every address found (and that its offsets point at
 * its bytes), then rewrites each one in place and decodes again: the
 * same message with the new values, every other byte unchanged. */
static void check(int mode, const uint8_t *v, size_t n, const char *name,
                  const want *w, size_t nw) {
  pinhole_h323_msg m;
  assert_int_equal(parse(mode, v, n, &m), 0);
  assert_string_equal(pinhole_h323_msg_name(&m), name);
  assert_int_equal(m.naddrs, nw);
  uint8_t b[512];
  assert_true(n <= sizeof(b));
  memcpy(b, v, n);
  for (size_t i = 0; i < nw; i++) {
    const pinhole_h323_addr *a = &m.addr[i];
    assert_int_equal(a->kind, w[i].kind);
    assert_int_equal(a->nested, w[i].nested);
    assert_int_equal(a->addr, w[i].addr);
    assert_int_equal(a->port, w[i].port);
    assert_int_equal(get32(v + a->off), w[i].addr);
    assert_int_equal(v[a->port_off] << 8 | v[a->port_off + 1], w[i].port);
    /* 198.19.0.(100 + i), port + 1000 + i */
    uint32_t na = 0xC6130064u + (uint32_t)i;
    uint16_t np = (uint16_t)(w[i].port + 1000 + i);
    b[a->off] = (uint8_t)(na >> 24);
    b[a->off + 1] = (uint8_t)(na >> 16);
    b[a->off + 2] = (uint8_t)(na >> 8);
    b[a->off + 3] = (uint8_t)na;
    b[a->port_off] = (uint8_t)(np >> 8);
    b[a->port_off + 1] = (uint8_t)np;
  }
  pinhole_h323_msg m2;
  assert_int_equal(parse(mode, b, n, &m2), 0);
  assert_int_equal(m2.naddrs, nw);
  size_t changed = 0;
  for (size_t i = 0; i < n; i++)
    changed += b[i] != v[i];
  for (size_t i = 0; i < nw; i++) {
    assert_int_equal(m2.addr[i].off, m.addr[i].off);
    assert_int_equal(m2.addr[i].addr, 0xC6130064u + (uint32_t)i);
    assert_int_equal(m2.addr[i].port, (uint16_t)(w[i].port + 1000 + i));
  }
  assert_true(changed > 0 && changed <= nw * 6);
}

static void test_h323_ras_rrq(void **state) {
  (void)state;
  const want w[] = {{PINHOLE_H323_ADDR_SIGNAL, 0, IN, 1720},
                    {PINHOLE_H323_ADDR_RAS, 0, IN, 1719}};
  check(RAS, h323_ras_rrq, sizeof(h323_ras_rrq), "RRQ", w, 2);
  /* the addresses sit where the encoding puts them: after the OID */
  pinhole_h323_msg m;
  assert_int_equal(
      pinhole_h225_ras_parse(h323_ras_rrq, sizeof(h323_ras_rrq), &m), 0);
  assert_int_equal(m.addr[0].off, 14);
  assert_int_equal(m.addr[0].port_off, 18);
  assert_int_equal(m.addr[1].off, 22);
  assert_int_equal(m.type, 3);
}

static void test_h323_ras_rcf_arq_acf_lcf(void **state) {
  (void)state;
  const want rcf[] = {{PINHOLE_H323_ADDR_SIGNAL, 0, GK, 1720}};
  check(RAS, h323_ras_rcf, sizeof(h323_ras_rcf), "RCF", rcf, 1);
  const want arq[] = {{PINHOLE_H323_ADDR_SIGNAL, 0, IN, 1720}};
  check(RAS, h323_ras_arq, sizeof(h323_ras_arq), "ARQ", arq, 1);
  const want acf[] = {{PINHOLE_H323_ADDR_SIGNAL, 0, PEER, 1720}};
  check(RAS, h323_ras_acf, sizeof(h323_ras_acf), "ACF", acf, 1);
  const want lcf[] = {{PINHOLE_H323_ADDR_SIGNAL, 0, IN, 1720},
                      {PINHOLE_H323_ADDR_RAS, 0, IN, 1719}};
  check(RAS, h323_ras_lcf, sizeof(h323_ras_lcf), "LCF", lcf, 2);
}

static void test_h323_setup_fast_start(void **state) {
  (void)state;
  const want w[] = {{PINHOLE_H323_ADDR_H245, 0, IN, 5000},
                    {PINHOLE_H323_ADDR_SIGNAL, 0, PEER, 1720},
                    {PINHOLE_H323_ADDR_SIGNAL, 0, IN, 1720},
                    {PINHOLE_H323_ADDR_MEDIA_CTRL, 1, IN, 49153},
                    {PINHOLE_H323_ADDR_MEDIA, 1, IN, 49152},
                    {PINHOLE_H323_ADDR_MEDIA_CTRL, 1, IN, 49153}};
  check(CS, h323_q931_setup, sizeof(h323_q931_setup), "Setup", w, 6);
  pinhole_h323_msg m;
  assert_int_equal(
      pinhole_h225_cs_parse(h323_q931_setup, sizeof(h323_q931_setup), &m), 0);
  assert_int_equal(m.q931_type, 0x05);
  assert_int_equal(m.h245_count, 1);
  assert_int_equal(m.len, sizeof(h323_q931_setup));
}

static void test_h323_connect(void **state) {
  (void)state;
  const want w[] = {{PINHOLE_H323_ADDR_H245, 0, PEER, 5001}};
  check(CS, h323_q931_connect, sizeof(h323_q931_connect), "Connect", w, 1);
}

static void test_h323_h245_olc_ack(void **state) {
  (void)state;
  const want olc[] = {{PINHOLE_H323_ADDR_MEDIA_CTRL, 0, IN, 49153}};
  check(H245, h323_h245_olc, sizeof(h323_h245_olc), "OLC", olc, 1);
  const want ack[] = {{PINHOLE_H323_ADDR_MEDIA, 0, IN, 49152},
                      {PINHOLE_H323_ADDR_MEDIA_CTRL, 0, IN, 49153}};
  check(H245, h323_h245_olcack, sizeof(h323_h245_olcack), "OLCAck", ack, 2);
}

/* Every truncation of every vector is refused (or partial), never read
 * past: the buffer is copied to exactly its length for ASan. */
static void test_h323_truncated_everywhere(void **state) {
  (void)state;
  const struct {
    int mode;
    const uint8_t *p;
    size_t n;
  } v[] = {{RAS, h323_ras_rrq, sizeof(h323_ras_rrq)},
           {RAS, h323_ras_rcf, sizeof(h323_ras_rcf)},
           {RAS, h323_ras_arq, sizeof(h323_ras_arq)},
           {RAS, h323_ras_acf, sizeof(h323_ras_acf)},
           {RAS, h323_ras_lcf, sizeof(h323_ras_lcf)},
           {CS, h323_q931_setup, sizeof(h323_q931_setup)},
           {CS, h323_q931_connect, sizeof(h323_q931_connect)},
           {H245, h323_h245_olc, sizeof(h323_h245_olc)},
           {H245, h323_h245_olcack, sizeof(h323_h245_olcack)}};
  for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
    for (size_t n = 0; n < v[k].n; n++) {
      uint8_t b[512];
      memcpy(b, v[k].p, n);
      pinhole_h323_msg m;
      int rc = parse(v[k].mode, n ? b : NULL, n, &m);
      if (v[k].mode == RAS)
        assert_int_equal(rc, PINHOLE_ERR_PARSE);
      else
        assert_int_equal(rc, PINHOLE_ERR_PARTIAL); /* the TPKT says so */
    }
  }
}

/* A TPKT shorter than what its Q.931 elements say: the user-user element
 * overruns it. One longer than the bytes held is partial. */
static void test_h323_tpkt_length_lies(void **state) {
  (void)state;
  uint8_t b[512];
  size_t n = sizeof(h323_q931_setup);
  pinhole_h323_msg m;
  memcpy(b, h323_q931_setup, n);
  b[3] = (uint8_t)(b[3] - 10);
  assert_int_equal(pinhole_h225_cs_parse(b, n, &m), PINHOLE_ERR_PARSE);
  memcpy(b, h323_q931_setup, n);
  b[3] = (uint8_t)(b[3] + 1);
  assert_int_equal(pinhole_h225_cs_parse(b, n, &m), PINHOLE_ERR_PARTIAL);
  b[0] = 4; /* not TPKT version 3 */
  assert_int_equal(pinhole_h225_cs_parse(b, n, &m), PINHOLE_ERR_PARSE);
  /* TPKT length below its header */
  const uint8_t tiny[] = {3, 0, 0, 3};
  size_t tlen;
  assert_int_equal(pinhole_tpkt_frame(tiny, 4, &tlen), PINHOLE_ERR_PARSE);
  /* the user-user element longer than the TPKT */
  memcpy(b, h323_q931_setup, n);
  size_t uu = 4 + 5 + 5; /* TPKT, header, bearer capability */
  assert_int_equal(b[uu], 0x7e);
  b[uu + 1] = 0xff;
  assert_int_equal(pinhole_h225_cs_parse(b, n, &m), PINHOLE_ERR_PARSE);
  /* a protocol discriminator other than Q.931's */
  memcpy(b, h323_q931_setup, n);
  b[4] = 0x09;
  assert_int_equal(pinhole_h225_cs_parse(b, n, &m), PINHOLE_ERR_PARSE);
}

/* Counts and lengths that lie: a SEQUENCE OF TransportAddress announcing
 * more than the buffer holds, an OID length past the end, more addresses
 * than the result holds. */
static void test_h323_counts_past_bounds(void **state) {
  (void)state;
  uint8_t b[2048];
  size_t n = sizeof(h323_ras_rrq);
  pinhole_h323_msg m;
  memcpy(b, h323_ras_rrq, n);
  assert_int_equal(b[12], 0x01); /* callSignalAddress count */
  b[12] = 0x7f;
  assert_int_equal(pinhole_h225_ras_parse(b, n, &m), PINHOLE_ERR_PARSE);
  memcpy(b, h323_ras_rrq, n);
  assert_int_equal(b[4], 0x06); /* OID length */
  b[4] = 0x7f;
  assert_int_equal(pinhole_h225_ras_parse(b, n, &m), PINHOLE_ERR_PARSE);
  b[4] = 0xc1; /* a fragmented length */
  assert_int_equal(pinhole_h225_ras_parse(b, n, &m), PINHOLE_ERR_PARSE);
  /* 40 call signalling addresses: more than the result holds */
  size_t head = 12, ta = 7, rest = n - head - 1 - ta;
  memcpy(b, h323_ras_rrq, head);
  b[head] = 40;
  for (size_t i = 0; i < 40; i++)
    memcpy(b + head + 1 + i * ta, h323_ras_rrq + head + 1, ta);
  memcpy(b + head + 1 + 40 * ta, h323_ras_rrq + head + 1 + ta, rest);
  assert_int_equal(pinhole_h225_ras_parse(b, head + 1 + 40 * ta + rest, &m),
                   PINHOLE_ERR_RANGE);
  /* 15 of them still decode */
  b[head] = 15;
  memmove(b + head + 1 + 15 * ta, b + head + 1 + 40 * ta, rest);
  assert_int_equal(pinhole_h225_ras_parse(b, head + 1 + 15 * ta + rest, &m), 0);
  assert_int_equal(m.naddrs, 16);
}

/* A choice index past the root alternatives, an extension message, an
 * extension addition whose open type overruns the message. */
static void test_h323_choice_and_extension_lies(void **state) {
  (void)state;
  uint8_t b[512];
  size_t n = sizeof(h323_ras_rrq);
  pinhole_h323_msg m;
  memcpy(b, h323_ras_rrq, n);
  b[0] = (uint8_t)(25 << 2); /* index 25 of 0..24 */
  assert_int_equal(pinhole_h225_ras_parse(b, n, &m), PINHOLE_ERR_PARSE);
  b[0] = 0x80; /* an extension message (requestInProgress), length 0 */
  b[1] = 0x01;
  b[2] = 0x00;
  assert_int_equal(pinhole_h225_ras_parse(b, 3, &m), PINHOLE_ERR_UNSUPPORTED);
  b[0] = (uint8_t)(22 << 2); /* IRR: not walked */
  assert_int_equal(pinhole_h225_ras_parse(b, n, &m), PINHOLE_ERR_UNSUPPORTED);
  assert_string_equal(pinhole_h323_msg_name(&m), "IRR");
  /* the last extension addition (maintainConnection) says 100 octets */
  memcpy(b, h323_ras_rrq, n);
  assert_int_equal(b[n - 2], 0x01);
  b[n - 2] = 100;
  assert_int_equal(pinhole_h225_ras_parse(b, n, &m), PINHOLE_ERR_PARSE);
  /* additions the walker does not need are skipped by their length,
   * never parsed: timeToLive's three octets can be anything */
  memcpy(b, h323_ras_rrq, n);
  assert_int_equal(b[n - 10], 0x03);
  memset(b + n - 9, 0xff, 3);
  assert_int_equal(pinhole_h225_ras_parse(b, n, &m), 0);
  assert_int_equal(m.naddrs, 2);
  assert_int_equal(m.addr[1].port, 1719);
}

/* An OLC whose data type is a video capability the walker does not
 * describe: unsupported, never guessed past. */
static void test_h323_unsupported_root(void **state) {
  (void)state;
  uint8_t b[512];
  size_t n = sizeof(h323_h245_olc);
  pinhole_h323_msg m;
  memcpy(b, h323_h245_olc, n);
  assert_int_equal(pinhole_h245_parse(b, n, &m), 0);
  /* byte 4: request (0 00), openLogicalChannel (0 0011); byte 8: forward
   * parameters (0, no port 0), dataType audioData (0 011), g711Ulaw64k
   * (0 0, then 011 in byte 9) */
  assert_int_equal(b[4], 0x03);
  assert_int_equal(b[8], 0x0c);
  assert_int_equal(b[9], 0x60);
  b[8] = 0x08; /* videoData (0 010), video capability (0 0 ... */
  b[9] = 0xc0; /* ... 11): h263VideoCapability, not described */
  assert_int_equal(pinhole_h245_parse(b, n, &m), PINHOLE_ERR_UNSUPPORTED);
}

/* Messages the walker recognises without walking: a
 * TerminalCapabilitySet request, a command; a Q.931 message without a
 * user-user element. */
static void test_h323_not_walked(void **state) {
  (void)state;
  pinhole_h323_msg m;
  const uint8_t tcs[] = {3, 0, 0, 7, 0x02, 0x00, 0x00}; /* request 2 */
  assert_int_equal(pinhole_h245_parse(tcs, sizeof(tcs), &m), 0);
  assert_int_equal(m.type, 2);
  assert_int_equal(m.naddrs, 0);
  assert_string_equal(pinhole_h323_msg_name(&m), "H.245 request");
  const uint8_t cmd[] = {3, 0, 0, 6, 0x40, 0x00}; /* command */
  assert_int_equal(pinhole_h245_parse(cmd, sizeof(cmd), &m), 0);
  assert_string_equal(pinhole_h323_msg_name(&m), "H.245 command");
  const uint8_t status[] = {3, 0, 0, 9, 0x08, 0x02, 0x00, 0x01, 0x7d};
  assert_int_equal(pinhole_h225_cs_parse(status, sizeof(status), &m), 0);
  assert_int_equal(m.q931_type, 0x7d);
  assert_string_equal(pinhole_h323_msg_name(&m), "Q.931");
  const uint8_t keepalive[] = {3, 0, 0, 4};
  assert_int_equal(pinhole_h245_parse(keepalive, 4, &m), 0);
  assert_int_equal(m.h245_count, 0);
  assert_int_equal(pinhole_h225_cs_parse(keepalive, 4, &m), 0);
  assert_int_equal(m.naddrs, 0);
  assert_int_equal(m.len, 4);
  assert_int_equal(pinhole_h225_ras_parse(NULL, 0, &m), PINHOLE_ERR_PARSE);
  assert_int_equal(pinhole_h225_ras_parse(tcs, 4, NULL),
                   PINHOLE_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_h323_ras_rrq),
      cmocka_unit_test(test_h323_ras_rcf_arq_acf_lcf),
      cmocka_unit_test(test_h323_setup_fast_start),
      cmocka_unit_test(test_h323_connect),
      cmocka_unit_test(test_h323_h245_olc_ack),
      cmocka_unit_test(test_h323_truncated_everywhere),
      cmocka_unit_test(test_h323_tpkt_length_lies),
      cmocka_unit_test(test_h323_counts_past_bounds),
      cmocka_unit_test(test_h323_choice_and_extension_lies),
      cmocka_unit_test(test_h323_unsupported_root),
      cmocka_unit_test(test_h323_not_walked),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

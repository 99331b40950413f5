/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the NAT event logging (pure): IPFIX messages byte for byte
 * (RFC 7011 header and template set, the RFC 8158 records), sequence
 * numbers, template refresh, bounded buffers; RFC 5424 syslog lines.
 *
 * With PINHOLE_IPFIX_PCAP=FILE set, every message the tests send is also
 * written to FILE as UDP datagrams to port 4739 (tests/unit/ipfix-tshark.sh
 * has tshark decode them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pinhole/pinhole.h>

#define IP4(a, b, c, d)                                                        \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |            \
   (uint32_t)(d))
#define SEC 1000000000ull
#define WALL (1764800000ull * SEC) /* 2025-12-03T22:13:20Z */

typedef struct sink {
  uint8_t msg[8][1500];
  size_t len[8];
  int n;
} sink;

static FILE *pcap;

static void pcap_put32(uint32_t v) {
  fwrite(&v, 4, 1, pcap); /* host order; the magic says which */
}

static void pcap_write(const uint8_t *m, size_t len) {
  if (pcap == NULL)
    return;
  uint8_t h[28] = {0x45, 0, 0,   0,  0, 0, 0x40, 0,  64, 17,
                   0,    0, 198, 18, 0, 1, 198,  19, 0,  9}; /* IPv4 + UDP */
  size_t tot = 28 + len;
  h[2] = (uint8_t)(tot >> 8);
  h[3] = (uint8_t)tot;
  uint32_t s = 0;
  for (int i = 0; i < 20; i += 2)
    s += (uint32_t)h[i] << 8 | h[i + 1];
  while (s >> 16)
    s = (s & 0xFFFF) + (s >> 16);
  h[10] = (uint8_t)(~s >> 8);
  h[11] = (uint8_t)~s;
  h[20] = 0xC3, h[21] = 0x50; /* 50000 */
  h[22] = 0x12, h[23] = 0x83; /* 4739 (IPFIX) */
  h[24] = (uint8_t)((len + 8) >> 8);
  h[25] = (uint8_t)(len + 8); /* checksum 0: none */
  pcap_put32(0);
  pcap_put32(0);
  pcap_put32((uint32_t)tot);
  pcap_put32((uint32_t)tot);
  fwrite(h, 1, 28, pcap);
  fwrite(m, 1, len, pcap);
}

static void on_send(const uint8_t *m, size_t len, void *user) {
  sink *s = user;
  assert_true(s->n < 8 && len <= sizeof(s->msg[0]));
  memcpy(s->msg[s->n], m, len);
  s->len[s->n++] = len;
  pcap_write(m, len);
}

static uint8_t xbuf[1500];

static void exporter(pinhole_ipfix *x, sink *s, size_t buf_len) {
  pinhole_ipfix_config c;
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.observation_domain = 0x01020304;
  c.wall_offset_ns = WALL;
  c.buf = xbuf;
  c.buf_len = buf_len;
  c.send = on_send;
  c.user = s;
  memset(s, 0, sizeof(*s));
  assert_int_equal(pinhole_ipfix_init(x, &c), 0);
}

static pinhole_event ev_of(int type, uint64_t t) {
  pinhole_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.size = sizeof(ev);
  ev.type = type;
  ev.time_ns = t;
  return ev;
}

static pinhole_endpoint ep(uint32_t a, uint16_t p) {
  pinhole_endpoint e = {a, p, 0};
  return e;
}

static pinhole_event ev_session(void) {
  pinhole_event ev = ev_of(PINHOLE_EVENT_FLOW_CREATED, 5 * SEC + SEC / 2);
  ev.proto = 6;
  ev.src = ep(IP4(198, 18, 0, 2), 40000);
  ev.dst = ep(IP4(198, 19, 0, 2), 80);
  ev.nat_src = ep(IP4(198, 19, 0, 1), 1055);
  ev.nat_dst = ev.dst;
  return ev;
}

static pinhole_event ev_bib_delete(void) {
  pinhole_event ev = ev_of(PINHOLE_EVENT_MAPPING_RELEASED, 6 * SEC);
  ev.proto = 17;
  ev.src = ep(IP4(198, 18, 0, 3), 5004);
  ev.nat_src = ep(IP4(198, 19, 0, 4), 61000);
  return ev;
}

static pinhole_event ev_ports(void) {
  pinhole_event ev = ev_of(PINHOLE_EVENT_NAT_PORTS_EXHAUSTED, 7 * SEC);
  ev.proto = 17;
  ev.src = ep(IP4(198, 18, 0, 58), 40000);
  ev.nat_src = ep(IP4(198, 19, 0, 7), 0);
  return ev;
}

static pinhole_event ev_quota(void) {
  pinhole_event ev = ev_of(PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED, 8 * SEC);
  ev.proto = 6;
  ev.src = ep(IP4(198, 18, 0, 21), 0);
  ev.nat_src = ep(IP4(198, 19, 0, 7), 0);
  ev.limit = 1024;
  ev.reason = "port block quota";
  return ev;
}

static pinhole_event ev_addrs(void) {
  pinhole_event ev = ev_of(PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED, 10 * SEC);
  ev.proto = 6;
  ev.src = ep(IP4(198, 18, 0, 77), 41000);
  ev.dst = ep(IP4(198, 19, 0, 80), 443);
  ev.nat_src = ev.src; /* refused: nothing translated */
  ev.nat_dst = ev.dst;
  ev.pool_id = 2;
  return ev;
}

static pinhole_event ev_binding(int type, uint64_t t) {
  pinhole_event ev = ev_of(type, t);
  ev.src = ep(IP4(198, 18, 0, 33), 0);
  ev.nat_src = ep(IP4(198, 19, 0, 9), 0);
  ev.pool_id = 1;
  return ev;
}

static pinhole_event ev_block(void) {
  pinhole_event ev = ev_of(PINHOLE_EVENT_PORT_BLOCK_ALLOCATED, 9 * SEC);
  ev.src = ep(IP4(198, 18, 0, 21), 0);
  ev.nat_src = ep(IP4(198, 19, 0, 7), 4096);
  ev.port_lo = 4096;
  ev.port_hi = 4607;
  return ev;
}

/* The template set, written from RFC 8158's field lists and the IANA
 * Information Element ids. */
#define TMPL 384 /* PINHOLE_IPFIX_TEMPLATES_LEN */
static const uint8_t want_templates[TMPL] = {
    0x00, 0x02, 0x01, 0x80,
    /* 256 NAT44 session: 12 fields */
    0x01, 0x00, 0x00, 0x0C, 0x01, 0x43, 0x00, 0x08, 0x00, 0xEA, 0x00, 0x04,
    0x00, 0x08, 0x00, 0x04, 0x00, 0xE1, 0x00, 0x04, 0x00, 0x04, 0x00, 0x01,
    0x00, 0x07, 0x00, 0x02, 0x00, 0xE3, 0x00, 0x02, 0x00, 0x0C, 0x00, 0x04,
    0x00, 0xE2, 0x00, 0x04, 0x00, 0x0B, 0x00, 0x02, 0x00, 0xE4, 0x00, 0x02,
    0x00, 0xE6, 0x00, 0x01,
    /* 257 NAT44 BIB: 8 */
    0x01, 0x01, 0x00, 0x08, 0x01, 0x43, 0x00, 0x08, 0x00, 0xEA, 0x00, 0x04,
    0x00, 0x08, 0x00, 0x04, 0x00, 0xE1, 0x00, 0x04, 0x00, 0x04, 0x00, 0x01,
    0x00, 0x07, 0x00, 0x02, 0x00, 0xE3, 0x00, 0x02, 0x00, 0xE6, 0x00, 0x01,
    /* 258 ports exhausted: 4 */
    0x01, 0x02, 0x00, 0x04, 0x01, 0x43, 0x00, 0x08, 0x00, 0xE6, 0x00, 0x01,
    0x00, 0xE1, 0x00, 0x04, 0x00, 0x04, 0x00, 0x01,
    /* 259 quota exceeded: 5 */
    0x01, 0x03, 0x00, 0x05, 0x01, 0x43, 0x00, 0x08, 0x00, 0xE6, 0x00, 0x01,
    0x01, 0xD2, 0x00, 0x04, 0x01, 0xD9, 0x00, 0x04, 0x00, 0x08, 0x00, 0x04,
    /* 260 port block: 9 */
    0x01, 0x04, 0x00, 0x09, 0x01, 0x43, 0x00, 0x08, 0x00, 0xEA, 0x00, 0x04,
    0x00, 0x08, 0x00, 0x04, 0x00, 0xE1, 0x00, 0x04, 0x01, 0x69, 0x00, 0x02,
    0x01, 0x6A, 0x00, 0x02, 0x01, 0x6B, 0x00, 0x02, 0x01, 0x6C, 0x00, 0x02,
    0x00, 0xE6, 0x00, 0x01,
    /* 261 NAT addresses exhausted: 3 (natPoolId 283) */
    0x01, 0x05, 0x00, 0x03, 0x01, 0x43, 0x00, 0x08, 0x00, 0xE6, 0x00, 0x01,
    0x01, 0x1B, 0x00, 0x04,
    /* 262 address binding: 4 */
    0x01, 0x06, 0x00, 0x04, 0x01, 0x43, 0x00, 0x08, 0x00, 0xE6, 0x00, 0x01,
    0x00, 0x08, 0x00, 0x04, 0x00, 0xE1, 0x00, 0x04,
    /* 263 NAT64 session: 12 (sourceIPv6Address 27, destinationIPv6Address
     * 28, 16 bytes) */
    0x01, 0x07, 0x00, 0x0C, 0x01, 0x43, 0x00, 0x08, 0x00, 0xEA, 0x00, 0x04,
    0x00, 0x1B, 0x00, 0x10, 0x00, 0xE1, 0x00, 0x04, 0x00, 0x04, 0x00, 0x01,
    0x00, 0x07, 0x00, 0x02, 0x00, 0xE3, 0x00, 0x02, 0x00, 0x1C, 0x00, 0x10,
    0x00, 0xE2, 0x00, 0x04, 0x00, 0x0B, 0x00, 0x02, 0x00, 0xE4, 0x00, 0x02,
    0x00, 0xE6, 0x00, 0x01,
    /* 264 NAT64 BIB: 8 */
    0x01, 0x08, 0x00, 0x08, 0x01, 0x43, 0x00, 0x08, 0x00, 0xEA, 0x00, 0x04,
    0x00, 0x1B, 0x00, 0x10, 0x00, 0xE1, 0x00, 0x04, 0x00, 0x04, 0x00, 0x01,
    0x00, 0x07, 0x00, 0x02, 0x00, 0xE3, 0x00, 0x02, 0x00, 0xE6, 0x00, 0x01,
    /* 265 NAT64 port block: 9 */
    0x01, 0x09, 0x00, 0x09, 0x01, 0x43, 0x00, 0x08, 0x00, 0xEA, 0x00, 0x04,
    0x00, 0x1B, 0x00, 0x10, 0x00, 0xE1, 0x00, 0x04, 0x01, 0x69, 0x00, 0x02,
    0x01, 0x6A, 0x00, 0x02, 0x01, 0x6B, 0x00, 0x02, 0x01, 0x6C, 0x00, 0x02,
    0x00, 0xE6, 0x00, 0x01,
    /* 266 NAT64 address binding: 4 */
    0x01, 0x0A, 0x00, 0x04, 0x01, 0x43, 0x00, 0x08, 0x00, 0xE6, 0x00, 0x01,
    0x00, 0x1B, 0x00, 0x10, 0x00, 0xE1, 0x00, 0x04,
    /* 267 NAT64 quota exceeded: 5 */
    0x01, 0x0B, 0x00, 0x05, 0x01, 0x43, 0x00, 0x08, 0x00, 0xE6, 0x00, 0x01,
    0x01, 0xD2, 0x00, 0x04, 0x01, 0xD9, 0x00, 0x04, 0x00, 0x1B, 0x00, 0x10};

static const uint8_t want_session[38] = {
    0x00, 0x00, 0x01, 0x9a, 0xe6, 0x47, 0x05, 0x7c, 0x00, 0x00,
    0x00, 0x00, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x13, 0x00, 0x01,
    0x06, 0x9c, 0x40, 0x04, 0x1f, 0xc6, 0x13, 0x00, 0x02, 0xc6,
    0x13, 0x00, 0x02, 0x00, 0x50, 0x00, 0x50, 0x04};
static const uint8_t want_bib[26] = {0x00, 0x00, 0x01, 0x9a, 0xe6, 0x47, 0x07,
                                     0x70, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12,
                                     0x00, 0x03, 0xc6, 0x13, 0x00, 0x04, 0x11,
                                     0x13, 0x8c, 0xee, 0x48, 0x09};
static const uint8_t want_ports[14] = {0x00, 0x00, 0x01, 0x9a, 0xe6,
                                       0x47, 0x0b, 0x58, 0x0c, 0xc6,
                                       0x13, 0x00, 0x07, 0x11};
static const uint8_t want_quota[21] = {
    0x00, 0x00, 0x01, 0x9a, 0xe6, 0x47, 0x0f, 0x40, 0x0d, 0x00, 0x00,
    0x00, 0x03, 0x00, 0x00, 0x04, 0x00, 0xc6, 0x12, 0x00, 0x15};
static const uint8_t want_block[29] = {
    0x00, 0x00, 0x01, 0x9a, 0xe6, 0x47, 0x13, 0x28, 0x00, 0x00,
    0x00, 0x00, 0xc6, 0x12, 0x00, 0x15, 0xc6, 0x13, 0x00, 0x07,
    0x10, 0x00, 0x11, 0xff, 0x00, 0x01, 0x02, 0x00, 0x10};

static void header_is(const uint8_t *m, uint16_t len, uint32_t export_s,
                      uint32_t seq) {
  const uint8_t want[16] = {0x00,
                            0x0A,
                            (uint8_t)(len >> 8),
                            (uint8_t)len,
                            (uint8_t)(export_s >> 24),
                            (uint8_t)(export_s >> 16),
                            (uint8_t)(export_s >> 8),
                            (uint8_t)export_s,
                            (uint8_t)(seq >> 24),
                            (uint8_t)(seq >> 16),
                            (uint8_t)(seq >> 8),
                            (uint8_t)seq,
                            0x01,
                            0x02,
                            0x03,
                            0x04};
  assert_memory_equal(m, want, 16);
}

static void set_is(const uint8_t *m, uint16_t id, const uint8_t *rec,
                   size_t n) {
  assert_int_equal(m[0] << 8 | m[1], id);
  assert_int_equal(m[2] << 8 | m[3], n + 4);
  assert_memory_equal(m + 4, rec, n);
}

static void test_cgn_ipfix_every_record_exact(void **state) {
  (void)state;
  pinhole_ipfix x;
  sink s;
  exporter(&x, &s, 1400);
  pinhole_event ev = ev_session();
  assert_int_equal(pinhole_ipfix_event(&x, &ev), 1);
  assert_int_equal(s.n, 0); /* held until full or flushed */
  assert_int_equal(pinhole_ipfix_flush(&x, 5 * SEC), 1);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.len[0], 16 + TMPL + 4 + 38);
  header_is(s.msg[0], 16 + TMPL + 4 + 38, 0x6930b605, 0);
  assert_memory_equal(s.msg[0] + 16, want_templates, TMPL);
  set_is(s.msg[0] + 16 + TMPL, 256, want_session, 38);
  /* the other four kinds, one set each, no templates (not due) */
  pinhole_event evs[4] = {ev_bib_delete(), ev_ports(), ev_quota(), ev_block()};
  for (int i = 0; i < 4; i++)
    assert_int_equal(pinhole_ipfix_event(&x, &evs[i]), 1);
  assert_int_equal(pinhole_ipfix_flush(&x, 10 * SEC), 4);
  assert_int_equal(s.n, 2);
  assert_int_equal(s.len[1], 16 + 30 + 18 + 25 + 33);
  header_is(s.msg[1], 122, 0x6930b60a, 1);
  const uint8_t *m = s.msg[1] + 16;
  set_is(m, 257, want_bib, 26);
  set_is(m + 30, 258, want_ports, 14);
  set_is(m + 48, 259, want_quota, 21);
  set_is(m + 73, 260, want_block, 29);
  /* nothing open: flush sends nothing */
  assert_int_equal(pinhole_ipfix_flush(&x, 11 * SEC), 0);
  assert_int_equal(x.stats.records, 5);
  assert_int_equal(x.stats.messages, 2);
  assert_int_equal(x.stats.templates, 1);
}

static const uint8_t want_addrs[13] = {0x00, 0x00, 0x01, 0x9a, 0xe6, 0x47, 0x17,
                                       0x10, 0x03, 0x00, 0x00, 0x00, 0x02};
static const uint8_t want_bound[17] = {0x00, 0x00, 0x01, 0x9a, 0xe6, 0x47,
                                       0x1a, 0xf8, 0x0e, 0xc6, 0x12, 0x00,
                                       0x21, 0xc6, 0x13, 0x00, 0x09};
/* the interim record of the binding: natEvent 14 again, its own time */
static const uint8_t want_bound_again[17] = {0x00, 0x00, 0x01, 0x9a, 0xe6, 0x47,
                                             0x1e, 0xe0, 0x0e, 0xc6, 0x12, 0x00,
                                             0x21, 0xc6, 0x13, 0x00, 0x09};
static const uint8_t want_unbound[17] = {0x00, 0x00, 0x01, 0x9a, 0xe6, 0x47,
                                         0x22, 0xc8, 0x0f, 0xc6, 0x12, 0x00,
                                         0x21, 0xc6, 0x13, 0x00, 0x09};
/* PORT_BLOCK_ACTIVE at 12 s: the block's allocation record (natEvent 16) */
static const uint8_t want_block_again[29] = {
    0x00, 0x00, 0x01, 0x9a, 0xe6, 0x47, 0x1e, 0xe0, 0x00, 0x00,
    0x00, 0x00, 0xc6, 0x12, 0x00, 0x15, 0xc6, 0x13, 0x00, 0x07,
    0x10, 0x00, 0x11, 0xff, 0x00, 0x01, 0x02, 0x00, 0x10};

/* NAT Addresses exhausted (3), Address binding create (14) and delete
 * (15), and the interim records of a binding and a port block. */
static void test_cgn_ipfix_address_and_interim_records_exact(void **state) {
  (void)state;
  pinhole_ipfix x;
  sink s;
  exporter(&x, &s, 1400);
  pinhole_event evs[5] = {
      ev_addrs(), ev_binding(PINHOLE_EVENT_ADDRESS_BOUND, 11 * SEC),
      ev_binding(PINHOLE_EVENT_ADDRESS_ACTIVE, 12 * SEC),
      ev_binding(PINHOLE_EVENT_ADDRESS_RELEASED, 13 * SEC), ev_block()};
  evs[4].type = PINHOLE_EVENT_PORT_BLOCK_ACTIVE;
  evs[4].time_ns = 12 * SEC;
  for (int i = 0; i < 5; i++)
    assert_int_equal(pinhole_ipfix_event(&x, &evs[i]), 1);
  assert_int_equal(pinhole_ipfix_flush(&x, 14 * SEC), 5);
  assert_int_equal(s.n, 1);
  /* one set for 261, one for the three bindings of 262, one for 260 */
  assert_int_equal(s.len[0], 16 + TMPL + 4 + 13 + 4 + 3 * 17 + 4 + 29);
  header_is(s.msg[0], 16 + TMPL + 4 + 13 + 4 + 3 * 17 + 4 + 29, 0x6930b60e, 0);
  assert_memory_equal(s.msg[0] + 16, want_templates, TMPL);
  const uint8_t *m = s.msg[0] + 16 + TMPL;
  set_is(m, 261, want_addrs, 13);
  m += 17;
  assert_int_equal(m[0] << 8 | m[1], 262);
  assert_int_equal(m[2] << 8 | m[3], 4 + 3 * 17);
  assert_memory_equal(m + 4, want_bound, 17);
  assert_memory_equal(m + 21, want_bound_again, 17);
  assert_memory_equal(m + 38, want_unbound, 17);
  set_is(m + 55, 260, want_block_again, 29);
  assert_int_equal(x.stats.records, 5);
}

static const uint8_t want_session64[62] = {
    0x00, 0x00, 0x01, 0x9A, 0xE6, 0x47, 0x05, 0x7C, 0x00, 0x00, 0x00,
    0x00, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xC6, 0x13, 0x00, 0x01, 0x06,
    0x9C, 0x40, 0x04, 0x1F, 0x00, 0x64, 0xFF, 0x9B, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xC6, 0x13, 0x00, 0x02, 0xC6, 0x13,
    0x00, 0x02, 0x00, 0x50, 0x00, 0x50, 0x06};
static const uint8_t want_session64_del[62] = {
    0x00, 0x00, 0x01, 0x9A, 0xE6, 0x47, 0x07, 0x70, 0x00, 0x00, 0x00,
    0x00, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xC6, 0x13, 0x00, 0x04, 0x11,
    0x13, 0x8C, 0xEE, 0x48, 0x00, 0x64, 0xFF, 0x9B, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xC6, 0x13, 0x00, 0x07, 0xC6, 0x13,
    0x00, 0x07, 0x0D, 0x96, 0x0D, 0x96, 0x07};
static const uint8_t want_bib64[38] = {
    0x00, 0x00, 0x01, 0x9A, 0xE6, 0x47, 0x07, 0x70, 0x00, 0x00,
    0x00, 0x00, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xC6, 0x13,
    0x00, 0x04, 0x11, 0x13, 0x8C, 0xEE, 0x48, 0x0A};
static const uint8_t want_block64[41] = {
    0x00, 0x00, 0x01, 0x9A, 0xE6, 0x47, 0x13, 0x28, 0x00, 0x00, 0x00,
    0x00, 0x20, 0x01, 0x0D, 0xB8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xC6, 0x13, 0x00, 0x07, 0x10,
    0x00, 0x10, 0x0F, 0x00, 0x01, 0x00, 0x10, 0x10};
static const uint8_t want_binding64[29] = {
    0x00, 0x00, 0x01, 0x9A, 0xE6, 0x47, 0x1A, 0xF8, 0x0E, 0x20,
    0x01, 0x0D, 0xB8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x03, 0xC6, 0x13, 0x00, 0x09};
static const uint8_t want_quota64[33] = {
    0x00, 0x00, 0x01, 0x9A, 0xE6, 0x47, 0x0F, 0x40, 0x0D, 0x00, 0x00,
    0x00, 0x03, 0x00, 0x00, 0x00, 0x20, 0x20, 0x01, 0x0D, 0xB8, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02};

static void ip6(uint8_t a[16], const char *last) {
  static const uint8_t db8[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1};
  static const uint8_t wkp[16] = {0, 0x64, 0xff, 0x9b};
  if (last[0] == 's') { /* 64:ff9b::198.19.0.N */
    memcpy(a, wkp, 16);
    a[12] = 198, a[13] = 19, a[14] = 0, a[15] = (uint8_t)atoi(last + 1);
  } else { /* 2001:db8:1::N */
    memcpy(a, db8, 16);
    a[15] = (uint8_t)atoi(last);
  }
}

/* A NAT64 connection's event (docs/nat64.md): the IPv6 side in src6/dst6
 * (src.addr, dst.addr 0), its IPv4 side in nat_src, nat_dst. */
static pinhole_event ev64(int type, uint64_t t, const char *cli, uint16_t sp,
                          const char *srv, uint16_t dp, uint32_t pub,
                          uint16_t pp, uint8_t proto) {
  pinhole_event ev = ev_of(type, t);
  ev.proto = proto;
  ev.family = 6;
  ip6(ev.src6, cli);
  ip6(ev.dst6, srv);
  ev.src = ep(0, sp);
  ev.dst = ep(0, dp);
  ev.nat_src = ep(pub, pp);
  ev.nat_dst = ep(IP4(198, 19, 0, (unsigned)atoi(srv + 1)), dp);
  return ev;
}

/* RFC 8158 sec. 4.2's NAT64 records (natEvent 6, 7, 10; the CGN kinds of
 * a NAT64 subscriber 16, 14, 13 with sourceIPv6Address), two clients, two
 * pool addresses, byte for byte; an IPv6 connection without an IPv4 side
 * (a firewalled or hairpinned one) is not a NAT64 session. */
static void test_cgn_ipfix_nat64_records_exact(void **state) {
  (void)state;
  pinhole_ipfix x;
  sink s;
  exporter(&x, &s, 1400);
  pinhole_event evs[7] = {
      ev64(PINHOLE_EVENT_FLOW_CREATED, 5 * SEC + SEC / 2, "2", 40000, "s2", 80,
           IP4(198, 19, 0, 1), 1055, 6),
      ev64(PINHOLE_EVENT_FLOW_CLOSED, 6 * SEC, "3", 5004, "s7", 3478,
           IP4(198, 19, 0, 4), 61000, 17),
      ev64(PINHOLE_EVENT_MAPPING_CREATED, 6 * SEC, "3", 5004, "s7", 0,
           IP4(198, 19, 0, 4), 61000, 17),
      ev_block(),
      ev_binding(PINHOLE_EVENT_ADDRESS_BOUND, 11 * SEC),
      ev_quota(),
      ev64(PINHOLE_EVENT_FLOW_CREATED, 7 * SEC, "2", 1, "s2", 2, 0, 3, 6)};
  /* the CGN events of NAT64 subscribers: src6, no IPv4 source */
  const char *subs[3] = {"2", "3", "2"};
  for (int i = 3; i < 6; i++) {
    evs[i].family = 6;
    ip6(evs[i].src6, subs[i - 3]);
    evs[i].src.addr = 0;
  }
  evs[3].port_hi = 4111; /* a block of 16 */
  evs[5].limit = 32;
  int want_ne[7] = {6, 7, 10, 16, 14, 13, 0};
  for (int i = 0; i < 7; i++) {
    assert_int_equal(pinhole_ipfix_nat_event(&evs[i]), want_ne[i]);
    assert_int_equal(pinhole_ipfix_event(&x, &evs[i]), i < 6);
  }
  assert_int_equal(x.stats.ignored, 1);
  assert_int_equal(pinhole_ipfix_flush(&x, 12 * SEC), 6);
  assert_int_equal(s.n, 1);
  assert_int_equal(s.len[0],
                   16 + TMPL + 4 + 2 * 62 + 4 + 38 + 4 + 41 + 4 + 29 + 4 + 33);
  assert_memory_equal(s.msg[0] + 16, want_templates, TMPL);
  const uint8_t *m = s.msg[0] + 16 + TMPL;
  assert_int_equal(m[0] << 8 | m[1], 263); /* both sessions in one set */
  assert_int_equal(m[2] << 8 | m[3], 4 + 2 * 62);
  assert_memory_equal(m + 4, want_session64, 62);
  assert_memory_equal(m + 66, want_session64_del, 62);
  m += 128;
  set_is(m, 264, want_bib64, 38);
  set_is(m + 42, 265, want_block64, 41);
  set_is(m + 87, 266, want_binding64, 29);
  set_is(m + 120, 267, want_quota64, 33);
  /* an IPv4 subscriber's block after them: the NAT44 template again */
  pinhole_event v4 = ev_block();
  assert_int_equal(pinhole_ipfix_event(&x, &v4), 1);
  assert_int_equal(pinhole_ipfix_flush(&x, 13 * SEC), 1);
  set_is(s.msg[1] + 16, 260, want_block, 29);
}

/* The syslog form of NAT64 records: the IPv6 host in sourceIPv6Address,
 * the server as the client addressed it in destinationIPv6Address. */
static void test_cgn_syslog_nat64_lines(void **state) {
  (void)state;
  char buf[512];
  pinhole_event ev = ev64(PINHOLE_EVENT_FLOW_CREATED, 5 * SEC + SEC / 2, "2",
                          40000, "s2", 80, IP4(198, 19, 0, 1), 1055, 6);
  pinhole_syslog_format(&ev, WALL, "gw1", buf, sizeof(buf));
  assert_string_equal(
      buf, "<134>1 2025-12-03T22:13:25.500Z gw1 pinhole - FLOW_CREATED "
           "[nat@32473 ingressVRFID=\"0\" "
           "sourceIPv6Address=\"2001:db8:1::2\" "
           "postNATSourceIPv4Address=\"198.19.0.1\" protocolIdentifier=\"6\" "
           "sourceTransportPort=\"40000\" postNAPTSourceTransportPort=\"1055\" "
           "destinationIPv6Address=\"64:ff9b::c613:2\" "
           "postNATDestinationIPv4Address=\"198.19.0.2\" "
           "destinationTransportPort=\"80\" "
           "postNAPTDestinationTransportPort=\"80\" natEvent=\"6\"]");
  ev = ev_block();
  ev.family = 6;
  ip6(ev.src6, "3");
  ev.src.addr = 0;
  pinhole_syslog_format(&ev, WALL, "gw1", buf, sizeof(buf));
  assert_string_equal(
      buf, "<134>1 2025-12-03T22:13:29.000Z gw1 pinhole - "
           "PORT_BLOCK_ALLOCATED [nat@32473 ingressVRFID=\"0\" "
           "sourceIPv6Address=\"2001:db8:1::3\" "
           "postNATSourceIPv4Address=\"198.19.0.7\" portRangeStart=\"4096\" "
           "portRangeEnd=\"4607\" portRangeStepSize=\"1\" "
           "portRangeNumPorts=\"512\" natEvent=\"16\"]");
}

static void test_cgn_ipfix_nat_event_values(void **state) {
  (void)state;
  pinhole_event ev = ev_session();
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 4);
  ev.type = PINHOLE_EVENT_FLOW_CLOSED;
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 5);
  ev.nat_src = ev.src; /* nothing translated: not a NAT session */
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 0);
  ev.type = PINHOLE_EVENT_MAPPING_CREATED;
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 8);
  ev = ev_ports();
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 12);
  ev.limit = 100; /* max_ports_per_host */
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 13);
  ev = ev_block();
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 16);
  ev.type = PINHOLE_EVENT_PORT_BLOCK_RELEASED;
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 17);
  /* a 0.1-sized record has no block fields: not exported */
  ev.size = offsetof(pinhole_event, port_lo);
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 0);
  ev.size = offsetof(pinhole_event, port_lo) - 1;
  ev.type = PINHOLE_EVENT_MAPPING_CREATED;
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 0);
  ev = ev_addrs();
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 3);
  /* a record from before 0.2's pool_id cannot name the pool */
  ev.size = offsetof(pinhole_event, pool_id);
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 0);
  ev = ev_binding(PINHOLE_EVENT_ADDRESS_BOUND, 0);
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 14);
  ev.type = PINHOLE_EVENT_ADDRESS_ACTIVE;
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 14);
  ev.type = PINHOLE_EVENT_ADDRESS_RELEASED;
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 15);
  ev = ev_block();
  ev.type = PINHOLE_EVENT_PORT_BLOCK_ACTIVE;
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 16);
  ev = ev_of(PINHOLE_EVENT_RULE_ACCEPT, 0);
  assert_int_equal(pinhole_ipfix_nat_event(&ev), 0);
  assert_int_equal(pinhole_ipfix_nat_event(NULL), 0);
}

static void test_cgn_ipfix_full_message_sent_then_next(void **state) {
  (void)state;
  pinhole_ipfix x;
  sink s;
  exporter(&x, &s, 16 + TMPL + 4 + 38 + 12); /* the templates and one
                                                 session record */
  pinhole_event ev = ev_session();
  for (int i = 0; i < 3; i++) {
    ev.src.port = (uint16_t)(40000 + i);
    assert_int_equal(pinhole_ipfix_event(&x, &ev), 1);
  }
  /* 38 more do not fit: the first went alone; the next two share one */
  assert_int_equal(s.n, 1);
  assert_int_equal(pinhole_ipfix_flush(&x, 0), 2);
  assert_int_equal(s.n, 2);
  assert_int_equal(s.len[1], 16 + 4 + 2 * 38);
  header_is(s.msg[1], 96, 0x6930b605, 1);
  assert_int_equal(s.msg[1][16 + 4 + 38 + 21], 0x9c);
  assert_int_equal(s.msg[1][16 + 4 + 38 + 22], 0x42); /* port 40002 */
}

static void test_cgn_ipfix_small_buffer_counted(void **state) {
  (void)state;
  pinhole_ipfix x;
  sink s;
  memset(xbuf, 0, sizeof(xbuf));
  exporter(&x, &s, 100); /* no room for the templates */
  pinhole_event ev = ev_block();
  assert_int_equal(pinhole_ipfix_event(&x, &ev), PINHOLE_ERR_NOBUF);
  assert_int_equal(pinhole_ipfix_event(&x, &ev), PINHOLE_ERR_NOBUF);
  assert_int_equal(x.stats.dropped, 2);
  assert_int_equal(pinhole_ipfix_flush(&x, 20 * SEC), 0);
  assert_int_equal(s.n, 0);
  assert_int_equal(x.seq, 0);
  for (size_t i = 0; i < sizeof(xbuf); i++)
    if (xbuf[i] != 0 && i >= 100)
      fail_msg("byte %zu past the buffer written", i);
  /* ignored events are counted, not errors */
  ev = ev_of(PINHOLE_EVENT_PINHOLE_USED, 0);
  assert_int_equal(pinhole_ipfix_event(&x, &ev), 0);
  assert_int_equal(x.stats.ignored, 1);
}

static void test_cgn_ipfix_template_refresh(void **state) {
  (void)state;
  pinhole_ipfix x;
  sink s;
  exporter(&x, &s, 1400);
  x.cfg.template_refresh_msgs = 2;
  pinhole_event ev = ev_block();
  uint64_t t[6] = {1, 2, 3, 4, 5, 700}; /* seconds */
  const size_t want_len[6] = {16 + TMPL + 33, 16 + 33, 16 + 33,
                              16 + TMPL + 33, 16 + 33, 16 + TMPL + 33};
  for (int i = 0; i < 6; i++) {
    ev.time_ns = t[i] * SEC;
    assert_int_equal(pinhole_ipfix_event(&x, &ev), 1);
    assert_int_equal(pinhole_ipfix_flush(&x, t[i] * SEC), 1);
    assert_int_equal(s.len[s.n - 1], want_len[i]);
    /* sequence number: the records sent before this message */
    const uint8_t *m = s.msg[s.n - 1];
    assert_int_equal((uint32_t)m[8] << 24 | m[9] << 16 | m[10] << 8 | m[11],
                     (uint32_t)i);
  }
  /* (the last by time: 700 s after the templates at 4 s > 600 s) */
  assert_int_equal(x.stats.templates, 3);
}

static void test_cgn_ipfix_init_rejects(void **state) {
  (void)state;
  pinhole_ipfix x;
  pinhole_ipfix_config c;
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.buf = xbuf;
  c.buf_len = sizeof(xbuf);
  assert_int_equal(pinhole_ipfix_init(&x, &c), PINHOLE_ERR_INVALID_ARG);
  c.send = on_send;
  c.buf_len = 19;
  assert_int_equal(pinhole_ipfix_init(&x, &c), PINHOLE_ERR_INVALID_ARG);
  c.buf_len = 20;
  assert_int_equal(pinhole_ipfix_init(&x, &c), 0);
  c.pad_ = 1;
  assert_int_equal(pinhole_ipfix_init(&x, &c), PINHOLE_ERR_INVALID_ARG);
  c.pad_ = 0;
  assert_int_equal(pinhole_ipfix_init(NULL, &c), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_ipfix_init(&x, NULL), PINHOLE_ERR_INVALID_ARG);
  struct {
    pinhole_ipfix_config c;
    uint64_t extra;
  } big;
  memset(&big, 0, sizeof(big));
  big.c = c;
  big.c.size = sizeof(big);
  big.extra = 1;
  assert_int_equal(pinhole_ipfix_init(&x, &big.c), PINHOLE_ERR_STRUCT_SIZE);
  assert_int_equal(pinhole_ipfix_event(&x, NULL), PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_ipfix_flush(NULL, 0), PINHOLE_ERR_INVALID_ARG);
}

/* ---- syslog ------------------------------------------------------------ */

static void test_cgn_syslog_lines(void **state) {
  (void)state;
  char buf[512];
  pinhole_event ev = ev_block();
  int n = pinhole_syslog_format(&ev, WALL, "gw1", buf, sizeof(buf));
  const char *want =
      "<134>1 2025-12-03T22:13:29.000Z gw1 pinhole - PORT_BLOCK_ALLOCATED "
      "[nat@32473 ingressVRFID=\"0\" sourceIPv4Address=\"198.18.0.21\" "
      "postNATSourceIPv4Address=\"198.19.0.7\" portRangeStart=\"4096\" "
      "portRangeEnd=\"4607\" portRangeStepSize=\"1\" "
      "portRangeNumPorts=\"512\" natEvent=\"16\"]";
  assert_string_equal(buf, want);
  assert_int_equal(n, (int)strlen(want));
  ev = ev_session();
  n = pinhole_syslog_format(&ev, WALL, NULL, buf, sizeof(buf));
  assert_string_equal(
      buf, "<134>1 2025-12-03T22:13:25.500Z - pinhole - FLOW_CREATED "
           "[nat@32473 ingressVRFID=\"0\" sourceIPv4Address=\"198.18.0.2\" "
           "postNATSourceIPv4Address=\"198.19.0.1\" protocolIdentifier=\"6\" "
           "sourceTransportPort=\"40000\" "
           "postNAPTSourceTransportPort=\"1055\" "
           "destinationIPv4Address=\"198.19.0.2\" "
           "postNATDestinationIPv4Address=\"198.19.0.2\" "
           "destinationTransportPort=\"80\" "
           "postNAPTDestinationTransportPort=\"80\" natEvent=\"4\"]");
  /* warning severity, reason escaped */
  ev = ev_quota();
  ev.reason = "a\"b]c\\d\n";
  n = pinhole_syslog_format(&ev, 0, "gw1", buf, sizeof(buf));
  assert_string_equal(
      buf, "<132>1 1970-01-01T00:00:08.000Z gw1 pinhole - "
           "PORT_BLOCK_EXHAUSTED [nat@32473 natEvent=\"13\" "
           "natQuotaExceededEvent=\"3\" maxEntriesPerUser=\"1024\" "
           "sourceIPv4Address=\"198.18.0.21\" reason=\"a\\\"b\\]c\\\\d?\"]");
  /* snprintf semantics: the length needed, a NUL-terminated prefix */
  char small[20];
  memset(small, 'z', sizeof(small));
  assert_int_equal(pinhole_syslog_format(&ev, 0, "gw1", small, sizeof(small)),
                   n);
  assert_int_equal(small[19], '\0');
  assert_memory_equal(small, buf, 19);
  assert_int_equal(pinhole_syslog_format(&ev, 0, "gw1", NULL, 0), n);
  /* leap day, end of a century */
  ev = ev_of(PINHOLE_EVENT_MAPPING_CREATED, (951782400ull + 86399) * SEC);
  pinhole_syslog_format(&ev, 0, "h", buf, sizeof(buf));
  assert_non_null(strstr(buf, " 2000-02-29T23:59:59.000Z h "));
  pinhole_syslog_format(&ev, 4102444800ull * SEC - ev.time_ns, "h", buf,
                        sizeof(buf));
  assert_non_null(strstr(buf, " 2100-01-01T00:00:00.000Z h "));
  /* bad hostnames */
  assert_int_equal(pinhole_syslog_format(&ev, 0, "a b", buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_syslog_format(&ev, 0, "", buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  char longname[300];
  memset(longname, 'a', sizeof(longname));
  longname[299] = '\0';
  assert_int_equal(pinhole_syslog_format(&ev, 0, longname, buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  longname[255] = '\0';
  assert_true(pinhole_syslog_format(&ev, 0, longname, buf, sizeof(buf)) > 255);
  assert_int_equal(pinhole_syslog_format(NULL, 0, NULL, buf, sizeof(buf)),
                   PINHOLE_ERR_INVALID_ARG);
  assert_int_equal(pinhole_syslog_format(&ev, 0, NULL, NULL, 5),
                   PINHOLE_ERR_INVALID_ARG);
}

/* The new events' lines carry the same facts as their IPFIX records. */
static void test_cgn_syslog_address_and_interim_lines(void **state) {
  (void)state;
  char buf[512];
  pinhole_event ev = ev_addrs();
  int n = pinhole_syslog_format(&ev, WALL, "gw1", buf, sizeof(buf));
  const char *want =
      "<132>1 2025-12-03T22:13:30.000Z gw1 pinhole - NAT_ADDRESSES_EXHAUSTED "
      "[nat@32473 natEvent=\"3\" natPoolId=\"2\" "
      "reason=\"no free address in pool\"]";
  ev.reason = "no free address in pool";
  n = pinhole_syslog_format(&ev, WALL, "gw1", buf, sizeof(buf));
  assert_string_equal(buf, want);
  assert_int_equal(n, (int)strlen(want));
  ev = ev_binding(PINHOLE_EVENT_ADDRESS_BOUND, 11 * SEC);
  pinhole_syslog_format(&ev, WALL, "gw1", buf, sizeof(buf));
  assert_string_equal(
      buf, "<134>1 2025-12-03T22:13:31.000Z gw1 pinhole - ADDRESS_BOUND "
           "[nat@32473 natEvent=\"14\" sourceIPv4Address=\"198.18.0.33\" "
           "postNATSourceIPv4Address=\"198.19.0.9\"]");
  ev.type = PINHOLE_EVENT_ADDRESS_ACTIVE;
  ev.time_ns = 12 * SEC;
  pinhole_syslog_format(&ev, WALL, "gw1", buf, sizeof(buf));
  assert_string_equal(
      buf, "<134>1 2025-12-03T22:13:32.000Z gw1 pinhole - ADDRESS_ACTIVE "
           "[nat@32473 natEvent=\"14\" sourceIPv4Address=\"198.18.0.33\" "
           "postNATSourceIPv4Address=\"198.19.0.9\"]");
  ev.type = PINHOLE_EVENT_ADDRESS_RELEASED;
  pinhole_syslog_format(&ev, WALL, "gw1", buf, sizeof(buf));
  assert_non_null(strstr(buf, " ADDRESS_RELEASED [nat@32473 natEvent=\"15\""));
  ev = ev_block();
  ev.type = PINHOLE_EVENT_PORT_BLOCK_ACTIVE;
  ev.time_ns = 12 * SEC;
  pinhole_syslog_format(&ev, WALL, "gw1", buf, sizeof(buf));
  assert_string_equal(
      buf, "<134>1 2025-12-03T22:13:32.000Z gw1 pinhole - PORT_BLOCK_ACTIVE "
           "[nat@32473 ingressVRFID=\"0\" sourceIPv4Address=\"198.18.0.21\" "
           "postNATSourceIPv4Address=\"198.19.0.7\" portRangeStart=\"4096\" "
           "portRangeEnd=\"4607\" portRangeStepSize=\"1\" "
           "portRangeNumPorts=\"512\" natEvent=\"16\"]");
  /* and the one-line formatter */
  ev = ev_binding(PINHOLE_EVENT_ADDRESS_BOUND, 11 * SEC);
  pinhole_event_format(&ev, buf, sizeof(buf));
  assert_string_equal(
      buf, "PINHOLE_ADDRESS_BOUND: subscriber=198.18.0.33 public=198.19.0.9");
  ev = ev_addrs();
  pinhole_event_format(&ev, buf, sizeof(buf));
  assert_string_equal(buf, "PINHOLE_NAT_ADDRESSES_EXHAUSTED: conv=0 proto=TCP "
                           "side=inside 198.18.0.77:41000 -> "
                           "198.19.0.80:443 pool=2");
}

int main(void) {
  const char *path = getenv("PINHOLE_IPFIX_PCAP");
  if (path != NULL && (pcap = fopen(path, "wb")) != NULL) {
    pcap_put32(0xa1b2c3d4);
    uint16_t v[2] = {2, 4};
    fwrite(v, 2, 2, pcap);
    pcap_put32(0);
    pcap_put32(0);
    pcap_put32(65535);
    pcap_put32(228); /* LINKTYPE_IPV4 */
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cgn_ipfix_every_record_exact),
      cmocka_unit_test(test_cgn_ipfix_nat_event_values),
      cmocka_unit_test(test_cgn_ipfix_full_message_sent_then_next),
      cmocka_unit_test(test_cgn_ipfix_small_buffer_counted),
      cmocka_unit_test(test_cgn_ipfix_template_refresh),
      cmocka_unit_test(test_cgn_ipfix_init_rejects),
      cmocka_unit_test(test_cgn_syslog_lines),
      cmocka_unit_test(test_cgn_ipfix_address_and_interim_records_exact),
      cmocka_unit_test(test_cgn_syslog_address_and_interim_lines),
      cmocka_unit_test(test_cgn_ipfix_nat64_records_exact),
      cmocka_unit_test(test_cgn_syslog_nat64_lines),
  };
  int rv = cmocka_run_group_tests(tests, NULL, NULL);
  if (pcap != NULL)
    fclose(pcap);
  return rv;
}

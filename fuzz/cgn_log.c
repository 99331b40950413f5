/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the carrier-grade logging and lookup (include/pinhole/
 * cgn.h), all pure.
 *
 * The input is split (fdp.h) into a deterministic pool, lookups, and a
 * stream of events with hostile fields and times.
 * - Deterministic NAT: when the pool is valid, forward and reverse agree
 *   (every inside address probed owns exactly the ports forward names, the
 *   owner reverse names has a range holding the probed port).
 * - IPFIX: interim records (PORT_BLOCK_ACTIVE, ADDRESS_ACTIVE) carry their
 *   allocation's natEvent; family-6 events use the NAT64 templates; every
 * message the exporter sends has a well-formed header (version 10, its length,
 * the domain, the sequence number counting the data records sent before it) and
 * sets that tile it exactly, template set first, each data set a whole number
 * of its template's records; nothing is written past buf_len.
 * - Syslog: the returned length is the full line's, the buffer holds a
 *   NUL-terminated prefix of printable ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/pinhole.h>

#include "check.h"
#include "fdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_det(fdp *f) {
  pinhole_pool p;
  memset(&p, 0, sizeof(p));
  p.size = sizeof(p);
  p.mode = PINHOLE_POOL_DETERMINISTIC;
  p.addr_lo = 0xC6130000u | fdp_u8(f);
  p.addr_hi = p.addr_lo + fdp_u8(f) % 18;
  p.port_lo = fdp_u16(f);
  p.port_hi = fdp_u16(f);
  p.inside_plen = fdp_u8(f) % 34;
  p.inside_addr = fdp_u32(f);
  p.block_size = fdp_u16(f) % 4 == 0 ? 0 : fdp_u16(f);
  pinhole_det_layout l;
  if (pinhole_det_layout_get(&p, &l) != 0)
    return;
  CHECK(l.per_addr >= 1 && l.ports >= 1);
  CHECK((uint64_t)l.per_addr * l.ports <= (uint32_t)p.port_hi - p.port_lo + 1);
  for (int k = 0; k < 4 && fdp_left(f) > 0; k++) {
    uint32_t in = p.inside_addr + fdp_u32(f) % (l.inside_count + 2);
    uint32_t pub, who;
    uint16_t lo, hi;
    int rv = pinhole_det_forward(&p, in, &pub, &lo, &hi);
    if (rv != 0) {
      CHECK(rv == PINHOLE_ERR_NOT_FOUND &&
            in - p.inside_addr >= l.inside_count);
      continue;
    }
    CHECK(pub >= p.addr_lo && pub <= p.addr_hi && lo <= hi && lo >= p.port_lo &&
          hi <= p.port_hi);
    CHECK((uint32_t)hi - lo + 1 == l.ports);
    const uint16_t probe[3] = {lo, hi, (uint16_t)(lo + (hi - lo) / 2)};
    for (int i = 0; i < 3; i++) {
      CHECK(pinhole_det_reverse(&p, pub, probe[i], &who) == 0 && who == in);
    }
    if (lo > p.port_lo && pinhole_det_reverse(&p, pub, lo - 1, &who) == 0)
      CHECK(who != in);
    uint16_t port = fdp_u16(f);
    if (pinhole_det_reverse(&p, pub, port, &who) == 0) {
      CHECK(pinhole_det_forward(&p, who, &pub, &lo, &hi) == 0);
      CHECK(port >= lo && port <= hi);
    }
  }
}

typedef struct fz_sink {
  uint32_t domain;
  uint64_t records; /* data records seen in messages so far */
  size_t buf_len;
} fz_sink;

static size_t fz_rec_len(unsigned id) {
  /* 256..262 NAT44 and CGN kinds, 263..267 their NAT64 forms */
  static const size_t len[12] = {38, 26, 14, 21, 29, 13,
                                 17, 62, 38, 41, 29, 33};
  return id >= 256 && id <= 267 ? len[id - 256] : 0;
}

static void fz_send(const uint8_t *m, size_t len, void *user) {
  fz_sink *s = user;
  CHECK(len >= 16 && len <= s->buf_len && len <= 65535);
  CHECK(fz_get16(m) == 10 && fz_get16(m + 2) == len);
  uint32_t seq = (uint32_t)fz_get16(m + 8) << 16 | fz_get16(m + 10);
  uint32_t dom = (uint32_t)fz_get16(m + 12) << 16 | fz_get16(m + 14);
  CHECK(seq == (uint32_t)s->records && dom == s->domain);
  size_t at = 16;
  int first = 1, data = 0;
  while (at < len) {
    CHECK(len - at >= 4);
    unsigned id = fz_get16(m + at), sl = fz_get16(m + at + 2);
    CHECK(sl >= 4 && sl <= len - at);
    if (id == 2) {
      CHECK(first && sl == PINHOLE_IPFIX_TEMPLATES_LEN);
    } else {
      size_t rl = fz_rec_len(id);
      CHECK(rl != 0 && (sl - 4) % rl == 0 && sl > 4);
      s->records += (sl - 4) / rl;
      data = 1;
    }
    first = 0;
    at += sl;
  }
  CHECK(data);
}

static void check_syslog(const pinhole_event *ev, uint64_t off, size_t len) {
  char buf[1024];
  memset(buf, 0x7f, sizeof(buf));
  int n = pinhole_syslog_format(ev, off, "gw", buf, len);
  CHECK(n > 0);
  if (len == 0)
    return;
  size_t w = (size_t)n < len ? (size_t)n : len - 1;
  CHECK(buf[w] == '\0');
  for (size_t i = 0; i < w; i++)
    CHECK(buf[i] >= 32 && buf[i] < 127);
  if ((size_t)n < len)
    CHECK(strlen(buf) == (size_t)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fdp f;
  fdp_init(&f, data, size);
  check_det(&f);
  static uint8_t buf[1600];
  fz_sink s = {fdp_u32(&f), 0, 20 + fdp_u16(&f) % 1400};
  memset(buf, 0xEE, sizeof(buf));
  pinhole_ipfix_config c;
  memset(&c, 0, sizeof(c));
  c.size = sizeof(c);
  c.observation_domain = s.domain;
  c.template_refresh_s = fdp_u8(&f);
  c.template_refresh_msgs = fdp_u8(&f) % 4;
  c.wall_offset_ns = (uint64_t)fdp_u32(&f) << 24;
  c.buf = buf;
  c.buf_len = s.buf_len;
  c.send = fz_send;
  c.user = &s;
  pinhole_ipfix x;
  CHECK(pinhole_ipfix_init(&x, &c) == 0);
  static const char *const reasons[3] = {NULL, "port block quota",
                                         "a\"b]\\\x01"};
  uint64_t t = 0;
  while (fdp_left(&f) > 0) {
    pinhole_event ev;
    memset(&ev, 0, sizeof(ev));
    static const size_t sizes[4] = {
        sizeof(pinhole_event), offsetof(pinhole_event, port_lo),
        offsetof(pinhole_event, pool_id), sizeof(pinhole_event)};
    ev.size = sizes[fdp_u8(&f) % 4];
    ev.type = fdp_u8(&f) % 25;
    t += (uint64_t)fdp_u16(&f) << (fdp_u8(&f) % 40);
    ev.time_ns = t;
    ev.proto = fdp_u8(&f);
    ev.src.addr = fdp_u32(&f);
    ev.src.port = fdp_u16(&f);
    ev.nat_src.addr = fdp_u8(&f) & 1 ? ev.src.addr : fdp_u32(&f);
    ev.nat_src.port = fdp_u16(&f);
    ev.dst.addr = fdp_u32(&f);
    ev.nat_dst = ev.dst;
    ev.port_lo = fdp_u16(&f);
    ev.port_hi = fdp_u16(&f);
    ev.limit = fdp_u32(&f);
    ev.pool_id = fdp_u32(&f);
    ev.reason = reasons[fdp_u8(&f) % 3];
    if (fdp_u8(&f) & 1) { /* a NAT64 client (or an IPv6 connection) */
      ev.family = 6;
      for (int i = 0; i < 16; i++) {
        ev.src6[i] = fdp_u8(&f);
        ev.dst6[i] = (uint8_t)(ev.src6[i] ^ i);
      }
    }
    /* an interim record is its allocation's record again */
    int ne = pinhole_ipfix_nat_event(&ev);
    if (ev.type == PINHOLE_EVENT_PORT_BLOCK_ACTIVE)
      CHECK(ne == 0 || ne == 16);
    if (ev.type == PINHOLE_EVENT_ADDRESS_ACTIVE)
      CHECK(ne == 14);
    if (ev.type == PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED)
      CHECK(ne == (ev.size == sizeof(ev) ? 3 : 0));
    uint64_t before = x.stats.dropped;
    int rv = pinhole_ipfix_event(&x, &ev);
    CHECK(rv == 0 || rv == 1 ||
          (rv == PINHOLE_ERR_NOBUF && x.stats.dropped == before + 1));
    CHECK(rv == 0 || pinhole_ipfix_nat_event(&ev) != 0);
    if (fdp_u8(&f) % 8 == 0)
      pinhole_ipfix_flush(&x, t);
    check_syslog(&ev, c.wall_offset_ns, fdp_u16(&f) % 600);
  }
  pinhole_ipfix_flush(&x, t);
  CHECK(s.records == x.stats.records);
  for (size_t i = s.buf_len; i < sizeof(buf); i++)
    CHECK(buf[i] == 0xEE);
  return 0;
}

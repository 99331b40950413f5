/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the Sun RPC parsers and the universal-address rewrite.
 * The input is tried as a UDP datagram (one message) and as a TCP stream
 * (a record of one or more fragments, gathered). For each message: the
 * header, then every argument/result parser at its body. Checks: spans
 * stay inside the message; a universal address that parses formats back
 * to the very same text; a rewrite has exactly the predicted length,
 * keeps every byte around the string, fits a buffer of exactly that size
 * and not one byte less, and parses again to the new address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/rpc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c))                                                                  \
      abort();                                                                 \
  } while (0)

static uint8_t rec[1 << 16];
static uint8_t out[(1 << 16) + 512];

static size_t pad4(size_t n) {
  return (n + 3) & ~(size_t)3;
}

static void check_string(const uint8_t *p, size_t len,
                         const pinhole_rpc_string *s) {
  CHECK(s->off <= len && len - s->off >= 4 + pad4(s->len));
  CHECK(s->len <= PINHOLE_RPC_MAX_STRING);
  CHECK(((size_t)p[s->off + 2] << 8 | p[s->off + 3]) == s->len);
}

static void check_uaddr(const uint8_t *s, size_t n) {
  uint32_t addr;
  uint16_t port;
  int rc = pinhole_rpc_uaddr_parse(s, n, &addr, &port);
  CHECK(rc == 0 || rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE ||
        rc == PINHOLE_ERR_NOMATCH || rc == PINHOLE_ERR_UNSUPPORTED);
  CHECK((rc == PINHOLE_ERR_NOMATCH) == (n == 0));
  if (rc != 0)
    return;
  char t[PINHOLE_RPC_UADDR_MAX];
  int k = pinhole_rpc_uaddr_format(addr, port, t, sizeof(t));
  CHECK(k > 0 && (size_t)k == n && memcmp(t, s, n) == 0);
}

/* Rewrites string s of msg to the address 198.19.x.y:port from its own
 * length, then checks the result. */
static void rewrite(const uint8_t *p, size_t len, const pinhole_rpc_string *s) {
  if (len + 32 > sizeof(out))
    return;
  uint32_t addr = 0xC6130000u | (uint32_t)(s->len * 37u % 65536u);
  uint16_t port = (uint16_t)(1 + len % 65535u);
  char t[PINHOLE_RPC_UADDR_MAX];
  int tn = pinhole_rpc_uaddr_format(addr, port, t, sizeof(t));
  CHECK(tn > 0);
  size_t want = len - pad4(s->len) + pad4((size_t)tn);
  int n = pinhole_rpc_uaddr_rewrite(p, len, s, addr, port, out, sizeof(out));
  CHECK(n >= 0 && (size_t)n == want);
  size_t tail = s->off + 4 + pad4(s->len);
  CHECK(memcmp(out, p, s->off) == 0);
  CHECK(memcmp(out + s->off + 4, t, (size_t)tn) == 0);
  CHECK(memcmp(out + s->off + 4 + pad4((size_t)tn), p + tail, len - tail) == 0);
  uint32_t a2;
  uint16_t p2;
  CHECK(pinhole_rpc_uaddr_parse(out + s->off + 4, (size_t)tn, &a2, &p2) == 0);
  CHECK(a2 == addr && p2 == port);
  CHECK(pinhole_rpc_uaddr_rewrite(p, len, s, addr, port, out, want - 1) ==
        PINHOLE_ERR_NOBUF);
}

static void body(const uint8_t *p, size_t len, size_t off) {
  pinhole_rpc_mapping mp, list[8];
  size_t n;
  uint16_t port;
  int rc = pinhole_rpc_pmap_mapping_parse(p, len, off, &mp);
  if (rc == 0 || rc == PINHOLE_ERR_UNSUPPORTED)
    CHECK(mp.off == off && len - off == 16 && mp.port <= 65535);
  rc = pinhole_rpc_pmap_port_parse(p, len, off, &port);
  CHECK(rc != 0 || len - off == 4);
  rc = pinhole_rpc_pmap_dump_parse(p, len, off, list, 8, &n);
  if (rc == 0) {
    CHECK(n <= 8 && len - off == 4 + 20 * n);
    for (size_t i = 0; i < n; i++)
      CHECK(list[i].off == off + 20 * i + 4 && list[i].port <= 65535);
  }
  pinhole_rpc_rpcb r;
  if (pinhole_rpc_rpcb_parse(p, len, off, &r) == 0) {
    check_string(p, len, &r.netid);
    check_string(p, len, &r.addr);
    check_string(p, len, &r.owner);
    CHECK(r.netid.off == off + 8);
    CHECK(r.addr.off == r.netid.off + 4 + pad4(r.netid.len));
    CHECK(r.owner.off == r.addr.off + 4 + pad4(r.addr.len));
    CHECK(r.owner.off + 4 + pad4(r.owner.len) == len);
    check_uaddr(p + r.addr.off + 4, r.addr.len);
    rewrite(p, len, &r.addr);
  }
  pinhole_rpc_string s;
  if (pinhole_rpc_rpcb_addr_parse(p, len, off, &s) == 0) {
    check_string(p, len, &s);
    CHECK(s.off == off && off + 4 + pad4(s.len) == len);
    check_uaddr(p + off + 4, s.len);
    rewrite(p, len, &s);
  }
}

/* The header answers are prefix-consistent: every prefix of a header
 * that parses is PARTIAL (the glue withholds on it), and a prefix that
 * fails fails the same way with any bytes after it. */
static void prefixes(const uint8_t *p, size_t len, int rc, size_t body_off) {
  pinhole_rpc_msg m;
  size_t upto = rc == 0 ? body_off : len;
  for (size_t k = 0; k < upto && k < 1024; k++) {
    int rk = pinhole_rpc_msg_parse(p, k, &m);
    if (rc == 0 || rc == PINHOLE_ERR_PARTIAL)
      CHECK(rk == PINHOLE_ERR_PARTIAL);
    else
      CHECK(rk == PINHOLE_ERR_PARTIAL || rk == rc);
    if (rk == PINHOLE_ERR_PARTIAL && k >= 8)
      CHECK(m.xid == ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
                      (uint32_t)p[2] << 8 | p[3]));
  }
}

static void message(const uint8_t *p, size_t len) {
  pinhole_rpc_msg m;
  int rc = pinhole_rpc_msg_parse(p, len, &m);
  prefixes(p, len, rc, m.body_off);
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE ||
          rc == PINHOLE_ERR_UNSUPPORTED || rc == PINHOLE_ERR_PARTIAL);
    return;
  }
  CHECK(m.body_off <= len && m.body_off % 4 == 0);
  if (m.type == PINHOLE_RPC_MSG_CALL) {
    CHECK(m.rpcvers == 2);
    CHECK(m.cred_off == 32 && m.cred_len <= PINHOLE_RPC_MAX_AUTH);
    CHECK(m.verf_off + m.verf_len <= m.body_off);
    CHECK(pinhole_rpc_op_name(pinhole_rpc_pmap_op(m.vers, m.proc)) != NULL);
  } else {
    CHECK(m.type == PINHOLE_RPC_MSG_REPLY);
  }
  body(p, len, m.body_off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  message(data, size);
  check_uaddr(data, size < 64 ? size : 64);

  pinhole_rpc_record r;
  int rc = pinhole_rpc_record_walk(data, size, sizeof(rec), 16, &r);
  if (rc == PINHOLE_ERR_PARTIAL) {
    CHECK(r.nfrags <= 16 && r.data_len <= sizeof(rec));
    CHECK(r.stream_len == 4 * r.nfrags + r.data_len);
    return 0;
  }
  if (rc != 0) {
    CHECK(rc == PINHOLE_ERR_PARSE || rc == PINHOLE_ERR_RANGE);
    return 0;
  }
  CHECK(r.stream_len <= size && r.stream_len == r.data_len + 4 * r.nfrags);
  CHECK(r.nfrags >= 1 && r.nfrags <= 16 && r.frag0_len <= r.data_len);
  int n = pinhole_rpc_record_copy(data, size, &r, rec, sizeof(rec));
  CHECK(n >= 0 && (size_t)n == r.data_len);
  if (r.nfrags == 1)
    CHECK(memcmp(rec, data + 4, r.data_len) == 0);
  /* Sent again as one fragment, it walks to the same message. */
  CHECK(pinhole_rpc_record_mark(out, r.data_len, 1) == 0);
  memcpy(out + 4, rec, r.data_len);
  pinhole_rpc_record r1;
  CHECK(pinhole_rpc_record_walk(out, 4 + r.data_len, sizeof(rec), 1, &r1) == 0);
  CHECK(r1.nfrags == 1 && r1.data_len == r.data_len);
  message(rec, r.data_len);
  return 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target for the SIP/SDP parser, the stream prefix test, the SDP
 * finder (bare and multipart bodies) and the rewriter. Every input is a
 * SIP message, tried as a datagram and as a stream, outbound and inbound,
 * with a fixed translation. Checks:
 *
 *   - parse results stay inside the input; keep-alives are blanks;
 *   - the prefix test agrees with the framer: every strict prefix of a
 *     message the stream framer accepts answers 1 (sampled cuts), and
 *     when a cut answers 0 the framer does not accept the whole input;
 *   - the SDP found lies inside the body;
 *   - the rewrite into a small buffer either fits and equals the
 *     large-buffer result or reports the exact size needed; the 0.1
 *     entry point gives the same bytes;
 *   - the output parses again, frames to exactly its length, its
 *     Content-Length equals its body length, it has the same fields,
 *     method, CSeq and status; the body bytes outside the SDP are the
 *     input's, byte for byte (length accounting);
 *   - leftover accounting: leftover + the address rewrites counted ==
 *     the from.addr host tokens of the input's header block and SDP (ICE
 *     lines aside), counted here by an independent naive matcher; so
 *     leftover is 0 exactly when every occurrence was in a place the
 *     rewriter translates;
 *   - the listening port (pinhole_sip_listen_port, the sender 198.18.0.2
 *     sending from 5060; pinhole_sip_listen_port6, the sender
 *     [2001:db8:1::2]): found only in a request the parser accepts,
 *     never 0 nor 5060, and *port 0 whenever it is not found;
 *   - NAT64 (pinhole_sip_translate64, both ways, the client
 *     2001:db8:1::2 under 64:ff9b::/96 or /64): the output frames as
 *     itself, a small buffer agrees, and an outbound result without
 *     leftover holds no "2001:db8:1::2" in its header block.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/sip.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t big[1 << 20];
static uint8_t small[512];

#define IN_TXT "198.18.0.2"
#define OUT_TXT "198.19.100.200"

static void check(int cond) {
  if (!cond)
    abort();
}

/* ---- the naive oracle ----------------------------------------------- */

static int host_char(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_';
}

static int xdigit(uint8_t c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Occurrences of a in p[s..e) standing as host tokens (see sip.h). */
static uint32_t naive_count(const uint8_t *p, size_t s, size_t e,
                            const char *a) {
  size_t n = strlen(a);
  uint32_t k = 0;
  for (size_t i = s; i + n <= e; i++) {
    if (memcmp(p + i, a, n) != 0)
      continue;
    size_t j = i + n;
    int left = i == s || !host_char(p[i - 1]) ||
               (i >= 3 && i - 2 >= s && p[i - 3] == '%' && xdigit(p[i - 2]) &&
                xdigit(p[i - 1]));
    int right = j == e || !host_char(p[j]) ||
                (p[j] == '.' && (j + 1 == e || !host_char(p[j + 1])));
    k += left && right;
  }
  return k;
}

static int is_ice(const uint8_t *p, size_t s, size_t e) {
  static const char *const names[] = {"a=candidate:", "a=remote-candidates:"};
  for (int i = 0; i < 2; i++) {
    size_t n = strlen(names[i]);
    if (e - s >= n && memcmp(p + s, names[i], n) == 0)
      return 1;
  }
  return 0;
}

/* Tokens in the header block and in the SDP lines that are not ICE. */
static uint32_t oracle(const uint8_t *p, const pinhole_sip_msg *m,
                       const pinhole_sip_range *sdp, const char *a) {
  uint32_t k = naive_count(p, 0, m->hdr_len, a);
  size_t pos = sdp->off, end = sdp->off + sdp->len;
  while (pos < end) {
    const uint8_t *nl = memchr(p + pos, '\n', end - pos);
    size_t le = nl != NULL ? (size_t)(nl - p) : end;
    if (!is_ice(p, pos, le))
      k += naive_count(p, pos, le, a);
    pos = nl != NULL ? le + 1 : end;
  }
  return k;
}

/* ---- prefix ------------------------------------------------------------ */

static void check_prefix(const uint8_t *data, size_t size) {
  pinhole_sip_msg m;
  size_t s = 0;
  int rc = pinhole_sip_parse(data, size, PINHOLE_SIP_STREAM, &m);
  if (rc == PINHOLE_ERR_NOMATCH) {
    s = m.msg_len;
    rc = pinhole_sip_parse(data + s, size - s, PINHOLE_SIP_STREAM, &m);
  }
  size_t cuts[8] = {0, 1, size / 2, size / 3, size - (size > 0), size};
  for (int i = 6; i < 8; i++)
    cuts[i] = size > 0 ? data[i % size] * size / 256 : 0;
  for (int i = 0; i < 8; i++) {
    int pr = pinhole_sip_prefix(data, cuts[i]);
    check(pr == 0 || pr == 1);
    if (rc == 0 && cuts[i] <= s + m.msg_len)
      check(pr == 1);
    if (pr == 0)
      check(rc != 0);
  }
}

/* ---- one translation ------------------------------------------------- */

static void nat_fill(pinhole_sip_nat *nat, uint32_t flags, uint32_t dir) {
  static const uint16_t maps[][2] = {
      {49170, 6000}, {49171, 6001}, {6000, 50000}, {3456, 3456}, {0, 1}};
  pinhole_sip_nat_default(nat, sizeof(*nat));
  nat->flags = flags;
  nat->dir = dir;
  nat->inside.addr = 0xC6120002; /* 198.18.0.2:5060 */
  nat->inside.port = 5060;
  nat->outside.addr = 0xC61364C8; /* 198.19.100.200:40000 */
  nat->outside.port = 40000;
  nat->port_map_count = sizeof(maps) / sizeof(maps[0]);
  for (uint32_t i = 0; i < nat->port_map_count; i++) {
    nat->port_map[i].inside = maps[i][0];
    nat->port_map[i].outside = maps[i][1];
  }
}

static uint32_t addr_rewrites(const pinhole_sip_result *r) {
  return r->request_uri + r->via + r->via_received + r->contact + r->route +
         r->from_to + r->other_uri + r->call_id + r->sdp_addr;
}

/* The rewritten message in big[0..n) against the input's m and sdp. */
static void check_output(const uint8_t *data, const pinhole_sip_msg *m,
                         const pinhole_sip_range *sdp, int has_sdp,
                         uint32_t flags, size_t n,
                         const pinhole_sip_result *r) {
  pinhole_sip_msg m2;
  pinhole_sip_range sdp2;
  check(pinhole_sip_parse(big, n, flags, &m2) == 0);
  check(m2.msg_len == n && m2.body_len == r->body_len);
  if (m2.flags & PINHOLE_SIP_MSG_CONTENT_LENGTH)
    check(m2.content_length == m2.body_len);
  check(m2.header_count == m->header_count && m2.method == m->method &&
        m2.cseq == m->cseq && m2.status == m->status);
  int frc = pinhole_sip_sdp_find(big, n, flags, &sdp2);
  check(has_sdp ? frc == 0 : frc != 0);
  if (!has_sdp) {
    check(m2.body_len == m->body_len);
    check(memcmp(big + m2.hdr_len, data + m->hdr_len, m->body_len) == 0);
    return;
  }
  /* Around the SDP the body is the input's. */
  size_t pre = sdp->off - m->hdr_len;
  size_t post = m->msg_len - sdp->off - sdp->len;
  check(sdp2.off - m2.hdr_len == pre);
  check(m2.msg_len - sdp2.off - sdp2.len == post);
  check(memcmp(big + m2.hdr_len, data + m->hdr_len, pre) == 0);
  check(memcmp(big + sdp2.off + sdp2.len, data + sdp->off + sdp->len, post) ==
        0);
  check(r->body_len == m->body_len - sdp->len + sdp2.len);
}

static void one(const uint8_t *data, size_t size, uint32_t flags,
                uint32_t dir) {
  pinhole_sip_msg m;
  pinhole_sip_range sdp;
  int rc = pinhole_sip_parse(data, size, flags, &m);
  int has_sdp = 0;
  if (rc == 0) {
    check(m.msg_len <= size && m.hdr_len <= m.msg_len);
    check(m.hdr_len + m.body_len == m.msg_len);
    check(m.call_id.off + m.call_id.len <= m.hdr_len);
    check(m.request_uri.off + m.request_uri.len <= m.hdr_len);
    check(m.header_count <= PINHOLE_SIP_MAX_HEADERS);
    int frc = pinhole_sip_sdp_find(data, size, flags, &sdp);
    check(frc == 0 || frc == PINHOLE_ERR_NOMATCH || frc == PINHOLE_ERR_PARSE ||
          frc == PINHOLE_ERR_UNSUPPORTED);
    if (frc == 0) {
      check(sdp.off >= m.hdr_len && sdp.off + sdp.len <= m.msg_len);
      pinhole_sdp s;
      int src = pinhole_sip_sdp_parse(data + sdp.off, sdp.len, &s);
      check(src == 0 || src == PINHOLE_ERR_PARSE || src == PINHOLE_ERR_FULL);
      check(s.media_count <= PINHOLE_SDP_MAX_MEDIA);
      has_sdp = src == 0;
      for (uint32_t i = 0; src == 0 && i <= s.media_count; i++) {
        /* an IPv6 connection's media address of each stream (and past) */
        uint8_t a6[16];
        int r6 = pinhole_sip_sdp_addr6(data + sdp.off, sdp.len, i, a6);
        check(r6 == 0 || r6 == PINHOLE_ERR_NOMATCH);
        check(i < s.media_count || r6 == PINHOLE_ERR_NOMATCH);
      }
    }
  } else if (rc == PINHOLE_ERR_NOMATCH) {
    check(m.msg_len > 0 && m.msg_len <= size);
    for (size_t i = 0; i < m.msg_len; i++)
      check(strchr(" \t\r\n", data[i]) != NULL && data[i] != 0);
  }

  pinhole_sip_nat nat;
  nat_fill(&nat, flags, dir);
  pinhole_sip_result r1, r2;
  r1.size = r2.size = sizeof(r1);
  int n1 = pinhole_sip_translate(data, size, &nat, small, sizeof(small), &r1);
  int n2 = pinhole_sip_translate(data, size, &nat, big, sizeof(big), &r2);
  if (rc != 0) {
    check(n1 == rc && n2 == rc);
    return;
  }
  if (n1 >= 0) {
    check(n1 == n2 && memcmp(small, big, (size_t)n1) == 0);
  } else if (n1 == PINHOLE_ERR_NOBUF) {
    check(r1.out_len > sizeof(small));
    check(n2 < 0 || (size_t)n2 == r1.out_len);
  } else {
    check(n1 == n2);
  }
  if (n2 < 0)
    return;
  check(r2.in_len == m.msg_len && r2.out_len == (size_t)n2);
  check_output(data, &m, &sdp, has_sdp, flags, (size_t)n2, &r2);
  pinhole_sip_range none = {0, 0};
  uint32_t want = oracle(data, &m, has_sdp ? &sdp : &none,
                         dir == PINHOLE_SIP_DIR_OUTBOUND ? IN_TXT : OUT_TXT);
  check(r2.leftover + addr_rewrites(&r2) == want);

  /* The 0.1 entry point: the same bytes and counts. */
  pinhole_sip_rewrite_result old;
  check(pinhole_sip_rewrite(data, size, &nat, small, sizeof(small), &old) ==
        n1);
  check(old.out_len == r1.out_len && old.via == r1.via &&
        old.via_params == r1.via_received + r1.via_rport);
}

/* ---- NAT64 (pinhole_sip_translate64) ----------------------------------- */

static int ip6_char(uint8_t c) {
  return xdigit(c) || c == ':' || c == '.';
}

/* Occurrences of the text a in p[0..n) standing alone as an IPv6 token
 * (no hex digit, ':' or '.' on either side). */
static uint32_t naive6(const uint8_t *p, size_t n, const char *a) {
  size_t k = strlen(a);
  uint32_t c = 0;
  for (size_t i = 0; i + k <= n; i++)
    c += memcmp(p + i, a, k) == 0 && (i == 0 || !ip6_char(p[i - 1])) &&
         (i + k == n || !ip6_char(p[i + k]));
  return c;
}

/* The client 2001:db8:1::2:5060 behind 198.19.100.200:40000, the WKP: the
 * output frames exactly as itself with the same fields, a small buffer
 * gives the same answer or the exact size, and outbound with leftover 0
 * no text form of the client's address is left in the header block (the
 * naive check: its RFC 5952 text). */
static void one64(const uint8_t *data, size_t size, uint32_t flags,
                  uint32_t dir) {
  static const char cli[] = "2001:db8:1::2";
  pinhole_sip_nat nat;
  pinhole_sip_nat64 x;
  nat_fill(&nat, flags, dir);
  nat.inside.addr = 0;
  memset(&x, 0, sizeof(x));
  x.size = sizeof(x);
  x.client6[0] = 0x20;
  x.client6[1] = 0x01;
  x.client6[2] = 0x0d;
  x.client6[3] = 0xb8;
  x.client6[5] = 0x01;
  x.client6[15] = 0x02;
  x.prefix[1] = 0x64;
  x.prefix[2] = 0xff;
  x.prefix[3] = 0x9b;
  x.plen = (data[0] & 1) ? 96 : 64;
  pinhole_sip_result r = {.size = sizeof(r)};
  int n = pinhole_sip_translate64(data, size, &nat, &x, big, sizeof(big), &r);
  if (n < 0)
    return;
  check((size_t)n == r.out_len && r.in_len <= size);
  pinhole_sip_msg m, m2;
  check(pinhole_sip_parse(data, size, flags, &m) == 0);
  check(pinhole_sip_parse(big, (size_t)n, flags, &m2) == 0);
  check(m2.msg_len == (size_t)n && m2.header_count == m.header_count &&
        m2.method == m.method && m2.cseq == m.cseq && m2.status == m.status);
  if (m2.flags & PINHOLE_SIP_MSG_CONTENT_LENGTH)
    check(m2.content_length == m2.body_len);
  if (dir == PINHOLE_SIP_DIR_OUTBOUND && r.leftover == 0)
    check(naive6(big, m2.hdr_len, cli) == 0);
  pinhole_sip_result r2 = {.size = sizeof(r2)};
  int n2 =
      pinhole_sip_translate64(data, size, &nat, &x, small, sizeof(small), &r2);
  if ((size_t)n <= sizeof(small)) {
    check(n2 == n && memcmp(small, big, (size_t)n) == 0);
  } else {
    check(n2 == PINHOLE_ERR_NOBUF && r2.out_len == (size_t)n);
  }
}

/* pinhole_sip_listen_port's answer agrees with the parser's. */
static void check_listen(const uint8_t *data, size_t size, uint32_t flags) {
  uint16_t port = 1;
  pinhole_sip_msg m;
  int rc = pinhole_sip_listen_port(data, size, flags, 0xC6120002, 5060, &port);
  if (rc != 0) {
    check(port == 0 && rc != PINHOLE_ERR_INVALID_ARG);
    return;
  }
  check(port != 0 && port != 5060);
  check(pinhole_sip_parse(data, size, flags, &m) == 0 &&
        (m.flags & PINHOLE_SIP_MSG_REQUEST));
}

/* The same for the sender [2001:db8:1::2] (a NAT64 client). */
static void check_listen6(const uint8_t *data, size_t size, uint32_t flags) {
  static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
                                 0,    0,    0,    0,    0, 0, 0, 2};
  uint16_t port = 1;
  pinhole_sip_msg m;
  int rc = pinhole_sip_listen_port6(data, size, flags, a6, 5060, &port);
  if (rc != 0) {
    check(port == 0 && rc != PINHOLE_ERR_INVALID_ARG);
    return;
  }
  check(port != 0 && port != 5060);
  check(pinhole_sip_parse(data, size, flags, &m) == 0 &&
        (m.flags & PINHOLE_SIP_MSG_REQUEST));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_prefix(data, size);
  for (uint32_t flags = 0; flags <= PINHOLE_SIP_STREAM; flags++) {
    check_listen(data, size, flags);
    check_listen6(data, size, flags);
    one(data, size, flags, PINHOLE_SIP_DIR_OUTBOUND);
    one(data, size, flags, PINHOLE_SIP_DIR_INBOUND);
    if (size > 0) {
      one64(data, size, flags, PINHOLE_SIP_DIR_OUTBOUND);
      one64(data, size, flags, PINHOLE_SIP_DIR_INBOUND);
    }
  }
  return 0;
}

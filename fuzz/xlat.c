/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: RFC 7915 translation (pinhole_xlat_4to6/_6to4). The first
 * byte picks the direction and the output capacity; the rest is a packet
 * whose lengths and checksums are made true first (so the translation,
 * not the parser, is what runs). Properties: the answer is one of the
 * documented codes; nothing is written past the capacity; an output
 * parses in its family and its checksums verify; translated back with
 * the reverse map it parses again, and a plain TCP, UDP or echo packet
 * (no options or extension headers, unfragmented) comes back as it went;
 * the in-place translation of a plain packet (pkt/xlat_plain.h) writes
 * the same bytes or declines with the packet untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/cksum.h>
#include <pinhole/ipv6.h>

#include "check.h"
#include "pkt/xlat_plain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 2048
#define GUARD 64

static void put16(uint8_t *p, size_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static size_t cap_of(uint8_t sel) {
  static const size_t caps[4] = {CAP, 1280, 60, 0};
  size_t c = caps[(sel >> 1) & 3];
  return c ? c : (size_t)(sel >> 3) * 8u;
}

/* The output buffer's tail past cap is untouched. */
static void check_guard(const uint8_t *out, size_t cap) {
  for (size_t i = cap; i < CAP + GUARD; i++)
    CHECK(out[i] == 0xa5);
}

/* The in-place way (pkt/xlat_plain.h) on a copy of pkt[0..n) in a buffer
 * of cap bytes: the general translation's answer (r, out[0..len)) byte
 * for byte, or declined with the packet untouched; nothing past cap
 * written. */
static void check_in_place(int to6, const uint8_t *pkt, size_t n, size_t cap,
                           const pinhole_xlat_map *m, int r, const uint8_t *out,
                           size_t len) {
  static uint8_t ip[CAP + GUARD];
  if (n > cap)
    return;
  memset(ip, 0xa5, sizeof(ip));
  memcpy(ip, pkt, n);
  size_t il = 0;
  int f = to6 ? pinhole__xlat_4to6_plain(ip, n, cap, m, &il)
              : pinhole__xlat_6to4_plain(ip, n, cap, m, &il);
  check_guard(ip, cap);
  if (!f) {
    CHECK(memcmp(ip, pkt, n) == 0);
    return;
  }
  CHECK(r == 0 && il == len && memcmp(ip, out, len) == 0);
}

static int plain4(const pinhole_pkt_view *v) {
  return v->ihl == 20 && !(v->flags & PINHOLE_PKTF_FRAGMENT) &&
         ((v->proto == PINHOLE_IPPROTO_TCP) ||
          (v->proto == PINHOLE_IPPROTO_UDP &&
           !(v->flags & PINHOLE_PKTF_UDP_NOCSUM)) ||
          (v->flags & PINHOLE_PKTF_ICMP_QUERY));
}

static int plain6(const uint8_t *p, const pinhole_pkt6_view *v) {
  return v->ext_count == 0 && v->flow_label == 0 && (p[1] & 0x0f) == 0 &&
         (v->proto == PINHOLE_IPPROTO_TCP || v->proto == PINHOLE_IPPROTO_UDP ||
          (v->flags & PINHOLE_PKT6F_ICMP_QUERY));
}

static void run_6to4(uint8_t *pkt, size_t n, size_t cap) {
  pinhole_pkt6_view v;
  if (n >= 40 && n - 40 <= 65535)
    put16(pkt + 4, n - 40);
  int pr = pinhole_pkt6_parse(pkt, n, &v);
  if (pr == PINHOLE_PKT_OK)
    pinhole_pkt6_fix_cksums(pkt, &v);
  static uint8_t out[CAP + GUARD], back[CAP + GUARD];
  memset(out, 0xa5, sizeof(out));
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  m.src4 = 0xc6120001u; /* 198.18.0.1 */
  m.dst4 = 0xc6130021u; /* 198.19.0.33 */
  m.inner_src4 = m.dst4;
  m.inner_dst4 = m.src4;
  m.ip_id = 0x4321;
  size_t len = 0;
  int r = pinhole_xlat_6to4(pkt, n, out, cap, &m, &len);
  CHECK(r == 0 || r == PINHOLE_ERR_PARSE || r == PINHOLE_ERR_UNSUPPORTED ||
        r == PINHOLE_ERR_NOBUF);
  CHECK((r == PINHOLE_ERR_PARSE) == (pr != PINHOLE_PKT_OK));
  check_guard(out, cap);
  check_in_place(0, pkt, n, cap, &m, r, out, len);
  if (r != 0) {
    CHECK(len == 0);
    return;
  }
  CHECK(len >= 20 && len <= cap);
  pinhole_pkt_view w;
  CHECK(pinhole_pkt_parse(out, len, &w) == PINHOLE_PKT_OK);
  CHECK(pinhole_pkt_l4_cksum_ok(out, &w) == 1);
  pinhole_xlat_map b;
  memset(&b, 0, sizeof(b));
  memcpy(b.src6, v.src, 16);
  memcpy(b.dst6, v.dst, 16);
  memcpy(b.inner_src6, v.inner_src, 16);
  memcpy(b.inner_dst6, v.inner_dst, 16);
  size_t blen = 0;
  memset(back, 0xa5, sizeof(back));
  int r2 = pinhole_xlat_4to6(out, len, back, CAP, &b, &blen);
  /* back is up to 56 bytes longer than out (the header 20, a fragment
   * header 8, and an ICMP error's quoted header 20 and its fragment
   * header 8): past CAP, no room */
  CHECK(r2 == 0 || r2 == PINHOLE_ERR_UNSUPPORTED ||
        (r2 == PINHOLE_ERR_NOBUF && len + 56 > CAP));
  if (plain6(pkt, &v) && len + 20 <= CAP)
    CHECK(r2 == 0);
  if (r2 != 0)
    return;
  pinhole_pkt6_view v2;
  CHECK(pinhole_pkt6_parse(back, blen, &v2) == PINHOLE_PKT_OK);
  CHECK(pinhole_pkt6_l4_cksum_ok(back, &v2) == 1);
  if (plain6(pkt, &v))
    CHECK(blen == v.ip_len && memcmp(back, pkt, blen) == 0);
}

static void run_4to6(uint8_t *pkt, size_t n, size_t cap) {
  if (n >= 20 && n <= 65535 && (pkt[0] >> 4) == 4)
    put16(pkt + 2, n);
  pinhole_pkt_fix_all_cksums(pkt, n);
  pinhole_pkt_view v;
  int pr = pinhole_pkt_parse(pkt, n, &v);
  static uint8_t out[CAP + GUARD], back[CAP + GUARD];
  memset(out, 0xa5, sizeof(out));
  pinhole_xlat_map m;
  memset(&m, 0, sizeof(m));
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  static const uint8_t site[16] = {0x20, 0x01, 0x0d, 0xb8};
  pinhole_nat64_embed(m.src6, wkp, 96, v.src);
  pinhole_nat64_embed(m.dst6, site, 96, v.dst);
  pinhole_nat64_embed(m.inner_src6, site, 96, v.inner_src);
  pinhole_nat64_embed(m.inner_dst6, wkp, 96, v.inner_dst);
  size_t len = 0;
  int r = pinhole_xlat_4to6(pkt, n, out, cap, &m, &len);
  CHECK(r == 0 || r == PINHOLE_ERR_PARSE || r == PINHOLE_ERR_UNSUPPORTED ||
        r == PINHOLE_ERR_NOBUF);
  if (pr != PINHOLE_PKT_OK)
    CHECK(r == PINHOLE_ERR_PARSE);
  check_guard(out, cap);
  check_in_place(1, pkt, n, cap, &m, r, out, len);
  if (r != 0) {
    CHECK(len == 0);
    return;
  }
  CHECK(len >= 40 && len <= cap);
  pinhole_pkt6_view w;
  CHECK(pinhole_pkt6_parse(out, len, &w) == PINHOLE_PKT_OK);
  CHECK(pinhole_pkt6_l4_cksum_ok(out, &w) == 1);
  if (w.flags & PINHOLE_PKT6F_ICMP_ERROR)
    CHECK(len <= 1280);
  pinhole_xlat_map b;
  memset(&b, 0, sizeof(b));
  b.src4 = v.src;
  b.dst4 = v.dst;
  b.inner_src4 = v.inner_src;
  b.inner_dst4 = v.inner_dst;
  b.ip_id = v.ip_id;
  size_t blen = 0;
  memset(back, 0xa5, sizeof(back));
  int r2 = pinhole_xlat_6to4(out, len, back, CAP, &b, &blen);
  CHECK(r2 == 0 || r2 == PINHOLE_ERR_UNSUPPORTED);
  if (plain4(&v))
    CHECK(r2 == 0);
  if (r2 != 0)
    return;
  pinhole_pkt_view v2;
  CHECK(pinhole_pkt_parse(back, blen, &v2) == PINHOLE_PKT_OK);
  CHECK(pinhole_pkt_l4_cksum_ok(back, &v2) == 1);
  if (plain4(&v)) {
    /* all but the flags word (DF follows the 1260-byte rule of 5.1) and
     * so the header checksum */
    CHECK(blen == v.ip_len && memcmp(back, pkt, 6) == 0 &&
          memcmp(back + 8, pkt + 8, 2) == 0 &&
          memcmp(back + 12, pkt + 12, blen - 12) == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 65536)
    return 0;
  size_t n = size - 1;
  uint8_t *pkt = malloc(n ? n : 1);
  if (pkt == NULL)
    return 0;
  memcpy(pkt, data + 1, n);
  size_t cap = cap_of(data[0]);
  if (data[0] & 1)
    run_4to6(pkt, n, cap);
  else
    run_6to4(pkt, n, cap);
  free(pkt);
  return 0;
}

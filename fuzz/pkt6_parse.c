/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the IPv6 packet layer (include/pinhole/ipv6.h) on arbitrary
 * bytes. pinhole_pkt6_parse(): the reason is known, and an accepted view
 * keeps its invariants; the checksum functions agree (fix, then verify).
 * An input refused only because its payload length lies is retried with
 * the length made true, so the checks behind it are reached. The same
 * bytes as text: pinhole_addr6_parse() answers agree with the formatter
 * (canonical text parses back to the same address and formats the same),
 * pinhole_prefix6_parse() likewise; RFC 6052 embed/extract round-trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/ipv6.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_view(const pinhole_pkt6_view *v, size_t size) {
  CHECK(v->ip_len >= 40 && v->ip_len <= size);
  CHECK(v->l4_off >= 40 && v->l4_off <= v->ip_len);
  CHECK((size_t)v->l4_off + v->l4_len == v->ip_len);
  CHECK(v->hlim != 0);
  CHECK(memcmp(v->src, v->dst, 16) != 0);
  CHECK(v->ext_count <= 5);
  CHECK(((v->flags & PINHOLE_PKT6F_EXT) != 0) == (v->ext_count != 0));
  CHECK((v->l4_off - 40) % 8 == 0);
  if (v->flags & PINHOLE_PKT6F_FIRST_FRAG)
    CHECK((v->flags & PINHOLE_PKT6F_FRAGMENT) && v->frag_off == 0);
  if (v->flags & (PINHOLE_PKT6F_FRAGMENT | PINHOLE_PKT6F_ATOMIC))
    CHECK(v->frag_hdr_off >= 40 && v->frag_hdr_off + 8u <= v->l4_off);
  if (v->frag_off != 0) {
    CHECK(v->flags & PINHOLE_PKT6F_FRAGMENT);
    CHECK(!(v->flags & (PINHOLE_PKT6F_L4 | PINHOLE_PKT6F_ICMP_ERROR)));
    CHECK(v->payload_off == 0 && v->sport == 0);
    return;
  }
  if (v->proto == PINHOLE_IPPROTO_TCP || v->proto == PINHOLE_IPPROTO_UDP) {
    CHECK(v->flags & PINHOLE_PKT6F_L4);
    CHECK(v->sport != 0 && v->dport != 0);
    CHECK((size_t)v->payload_off + v->payload_len == v->ip_len);
  }
  if (v->proto == PINHOLE_IPPROTO_TCP)
    CHECK(v->payload_off == v->l4_off + v->tcp_hlen && v->tcp_hlen >= 20);
  if (v->proto == PINHOLE_IP6_NH_ICMPV6)
    CHECK(v->l4_len >= 8 && v->payload_off == v->l4_off + 8);
  if (v->flags & PINHOLE_PKT6F_ICMP_ERROR) {
    CHECK(v->icmp_type >= 1 && v->icmp_type <= 4);
    CHECK(v->inner_off == v->l4_off + 8);
    CHECK(v->inner_l4_off >= v->inner_off + 40);
    CHECK((size_t)v->inner_l4_off + 8 <= v->ip_len);
  } else {
    CHECK(v->inner_off == 0 && v->inner_l4_off == 0);
  }
  if (v->flags & PINHOLE_PKT6F_SRC_UNSPEC)
    CHECK(v->proto == PINHOLE_IP6_NH_ICMPV6);
}

static void run_parse(const uint8_t *data, size_t size) {
  pinhole_pkt6_view v;
  int r = pinhole_pkt6_parse(data, size, &v);
  CHECK(r >= 0 && r <= PINHOLE_PKT_UDP6_CKSUM_ZERO);
  CHECK(strcmp(pinhole_pkt_reason_name(r), "unknown") != 0);
  if (r != PINHOLE_PKT_OK)
    return;
  check_view(&v, size);
  uint8_t *copy = malloc(v.ip_len);
  if (copy == NULL)
    return;
  memcpy(copy, data, v.ip_len);
  int ok = pinhole_pkt6_l4_cksum_ok(copy, &v);
  CHECK(ok == 0 || ok == 1);
  int fixed = pinhole_pkt6_fix_cksums(copy, &v);
  CHECK(fixed == 0 || fixed == 1);
  CHECK(pinhole_pkt6_l4_cksum_ok(copy, &v) == 1);
  pinhole_pkt6_view v2;
  CHECK(pinhole_pkt6_parse(copy, v.ip_len, &v2) == PINHOLE_PKT_OK);
  CHECK(v2.flags == v.flags && v2.sport == v.sport && v2.proto == v.proto &&
        v2.l4_off == v.l4_off && v2.inner_sport == v.inner_sport);
  free(copy);
}

static void run_text(const uint8_t *data, size_t size) {
  uint8_t a[16], b[16];
  char t[PINHOLE_ADDR6_STRLEN], t2[PINHOLE_ADDR6_STRLEN];
  if (pinhole_addr6_parse((const char *)data, size, a) == 0) {
    int n = pinhole_addr6_format(a, t, sizeof(t));
    CHECK(n > 1 && n < PINHOLE_ADDR6_STRLEN && (size_t)n == strlen(t));
    CHECK(pinhole_addr6_parse(t, (size_t)n, b) == 0 && memcmp(a, b, 16) == 0);
    CHECK(pinhole_addr6_format(b, t2, sizeof(t2)) == n && strcmp(t, t2) == 0);
    char e[PINHOLE_ENDPOINT6_STRLEN];
    CHECK(pinhole_endpoint6_format(a, 65535, e, sizeof(e)) == n + 8);
  }
  unsigned plen;
  if (pinhole_prefix6_parse((const char *)data, size, a, &plen) == 0) {
    CHECK(plen <= 128);
    for (unsigned bit = plen; bit < 128; bit++)
      CHECK(!(a[bit / 8] & (0x80u >> (bit % 8))));
  }
  static const unsigned plens[6] = {32, 40, 48, 56, 64, 96};
  if (size >= 21) {
    uint32_t v4 = (uint32_t)data[17] << 24 | (uint32_t)data[18] << 16 |
                  (uint32_t)data[19] << 8 | data[20];
    unsigned pl = plens[data[16] % 6];
    int r = pinhole_nat64_embed(a, data, pl, v4);
    CHECK(r == 0 || (pl == 96 && data[8] != 0));
    if (r == 0) {
      uint32_t back;
      CHECK(pinhole_nat64_extract(a, data, pl, &back) == 0 && back == v4);
      CHECK(a[8] == 0 && memcmp(a, data, pl / 8) == 0);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  run_parse(data, size);
  run_text(data, size);
  pinhole_pkt6_view v;
  if (size < 40 || size - 40 > 65535 ||
      pinhole_pkt6_parse(data, size, &v) != PINHOLE_PKT_IP6_LEN)
    return 0;
  /* a random payload length rarely fits: retry with the true one */
  uint8_t *copy = malloc(size);
  if (copy == NULL)
    return 0;
  memcpy(copy, data, size);
  copy[4] = (uint8_t)((size - 40) >> 8);
  copy[5] = (uint8_t)(size - 40);
  CHECK(pinhole_pkt6_parse(copy, size, &v) != PINHOLE_PKT_IP6_LEN);
  run_parse(copy, size);
  free(copy);
  return 0;
}

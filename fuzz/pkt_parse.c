/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: pinhole_pkt_parse() on arbitrary bytes. On success, checks
 * the view's invariants (abort() on a violation) and runs the checksum
 * verify and fix functions on a copy, which must then verify. An input
 * rejected only for its header checksum is retried with the checksum fixed,
 * so the fuzzer reaches the checks behind it without forging checksums.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/cksum.h>
#include <pinhole/packet.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond) {
  if (!cond)
    abort();
}

static void check_view(const pinhole_pkt_view *v, size_t size) {
  check(v->ip_len <= size);
  check(v->ihl >= 20 && v->ihl <= 60 && v->ihl % 4 == 0);
  check(v->ihl <= v->ip_len);
  check(v->l4_off == v->ihl);
  check((size_t)v->l4_off + v->l4_len == v->ip_len);
  check(v->src != v->dst);
  check(v->ttl != 0 && v->proto != 0 && v->proto != 255);
  check(((v->flags & PINHOLE_PKTF_OPTIONS) != 0) == (v->ihl > 20));
  if (v->flags & PINHOLE_PKTF_FIRST_FRAG)
    check((v->flags & PINHOLE_PKTF_FRAGMENT) && v->frag_off == 0);
  check((size_t)v->frag_off + v->l4_len <= 65535u);
  if (v->frag_off != 0) {
    /* Non-first fragment: nothing above IP. */
    check(!(v->flags & (PINHOLE_PKTF_L4 | PINHOLE_PKTF_ICMP_ERROR |
                        PINHOLE_PKTF_ICMP_QUERY | PINHOLE_PKTF_FIRST_FRAG)));
    check(v->payload_off == 0 && v->payload_len == 0 && v->sport == 0);
    return;
  }
  if (v->proto == PINHOLE_IPPROTO_TCP || v->proto == PINHOLE_IPPROTO_UDP) {
    check(v->flags & PINHOLE_PKTF_L4);
    check(v->sport != 0 && v->dport != 0);
    check((size_t)v->payload_off + v->payload_len == v->ip_len);
    check(v->payload_off > v->l4_off);
  }
  if (v->proto == PINHOLE_IPPROTO_TCP) {
    check(v->tcp_hlen >= 20 && v->tcp_hlen <= 60);
    check(v->payload_off == v->l4_off + v->tcp_hlen);
  }
  if (v->proto == PINHOLE_IPPROTO_UDP)
    check(v->payload_off == v->l4_off + 8);
  if (v->proto == PINHOLE_IPPROTO_ICMP) {
    check(v->l4_len >= 8);
    check((size_t)v->payload_off + v->payload_len == v->ip_len);
    check(!((v->flags & PINHOLE_PKTF_ICMP_QUERY) &&
            (v->flags & PINHOLE_PKTF_ICMP_ERROR)));
    if (v->flags & PINHOLE_PKTF_ICMP_QUERY)
      check((v->flags & PINHOLE_PKTF_L4) && v->sport == v->dport);
  }
  if (v->flags & PINHOLE_PKTF_ICMP_ERROR) {
    check(v->inner_off == v->l4_off + 8);
    check(v->inner_ihl >= 20 && v->inner_ihl <= 60);
    check(v->inner_l4_off == v->inner_off + v->inner_ihl);
    check((size_t)v->inner_l4_off + 8 <= v->ip_len);
  } else {
    check(v->inner_off == 0 && v->inner_ihl == 0 && v->inner_src == 0);
  }
}

static void run_one(const uint8_t *data, size_t size) {
  pinhole_pkt_view v;
  int r = pinhole_pkt_parse(data, size, &v);
  check(r >= 0 && r <= PINHOLE_PKT_ICMP_ERR_LEN);
  check(strcmp(pinhole_pkt_reason_name(r), "unknown") != 0);
  if (r != PINHOLE_PKT_OK)
    return;
  check_view(&v, size);

  uint8_t *copy = malloc(v.ip_len);
  if (copy == NULL)
    return;
  memcpy(copy, data, v.ip_len);
  int ok = pinhole_pkt_l4_cksum_ok(copy, &v);
  check(ok == 0 || ok == 1);
  check(pinhole_pkt_fix_cksums(copy, &v) == 0);
  check(pinhole_pkt_l4_cksum_ok(copy, &v) == 1);
  check(pinhole_cksum(copy, v.ihl) == 0);
  /* Checksums aside, the fixed copy parses to the same view. */
  pinhole_pkt_view v2;
  check(pinhole_pkt_parse(copy, v.ip_len, &v2) == PINHOLE_PKT_OK);
  check(v2.flags == v.flags && v2.sport == v.sport && v2.dport == v.dport &&
        v2.payload_off == v.payload_off && v2.payload_len == v.payload_len &&
        v2.inner_sport == v.inner_sport && v2.inner_src == v.inner_src);
  free(copy);
}

/* pinhole_pkt_fix_all_cksums on any bytes: refused untouched, or every
 * checksum made right (a second call changes nothing, the header checksum
 * verifies, and a packet that parses has a right L4 checksum that
 * pinhole_pkt_fix_cksums leaves as it is). */
static void fix_all_one(const uint8_t *data, size_t size) {
  uint8_t *copy = malloc(size ? size : 1);
  uint8_t *again = malloc(size ? size : 1);
  if (copy == NULL || again == NULL) {
    free(copy);
    free(again);
    return;
  }
  memcpy(copy, data, size);
  int r = pinhole_pkt_fix_all_cksums(copy, size);
  check(r == PINHOLE_ERR_PARSE || (r >= 0 && r <= 2));
  if (r < 0) {
    check(memcmp(copy, data, size) == 0);
  } else {
    check(pinhole_cksum(copy, (size_t)(copy[0] & 0x0f) * 4u) == 0);
    check(pinhole_pkt_fix_all_cksums(copy, size) == 0);
    pinhole_pkt_view v;
    int p = pinhole_pkt_parse(copy, size, &v);
    check(p != PINHOLE_PKT_IP_CKSUM);
    if (p == PINHOLE_PKT_OK) {
      check(pinhole_pkt_l4_cksum_ok(copy, &v) == 1);
      memcpy(again, copy, size);
      check(pinhole_pkt_fix_cksums(again, &v) == 0);
      check(memcmp(again, copy, size) == 0);
    }
  }
  free(copy);
  free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pinhole_pkt_view v;
  int r = pinhole_pkt_parse(data, size, &v);
  run_one(data, size);
  fix_all_one(data, size);
  if (r != PINHOLE_PKT_IP_CKSUM)
    return 0;
  /* A random header checksum is rarely right: retry with it fixed (on an
   * exact-size copy) so the checks behind it are reached too. */
  uint8_t *copy = malloc(size);
  if (copy == NULL)
    return 0;
  memcpy(copy, data, size);
  copy[10] = 0;
  copy[11] = 0;
  uint16_t c = pinhole_cksum(copy, v.ihl);
  copy[10] = (uint8_t)(c >> 8);
  copy[11] = (uint8_t)c;
  r = pinhole_pkt_parse(copy, size, &v);
  check(r != PINHOLE_PKT_IP_CKSUM);
  run_one(copy, size);
  free(copy);
  return 0;
}

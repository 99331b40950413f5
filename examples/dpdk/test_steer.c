/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-dpdk's steering (steer.h), without DPDK: the public port of
 * outside TCP, UDP, ICMP query replies and ICMP errors quoting each; zero
 * for fragments, other protocols and every truncation; the slice of a
 * port at the slice edges; the inside hash's exact workers. Exact values.
 */
#include "steer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(what, got, want)                                                 \
  do {                                                                         \
    unsigned long g_ = (unsigned long)(got), w_ = (unsigned long)(want);       \
    if (g_ != w_) {                                                            \
      fprintf(stderr, "%s:%d: %s: got %lu, want %lu\n", __FILE__, __LINE__,    \
              what, g_, w_);                                                   \
      failures++;                                                              \
    }                                                                          \
  } while (0)

/* An IPv4 header (ihl 20 + opt bytes) 198.19.0.2 -> 198.19.0.1 at b. */
static size_t ip4(uint8_t *b, uint8_t proto, size_t opt) {
  memset(b, 0, 20 + opt);
  b[0] = (uint8_t)(0x40 | (20 + opt) / 4);
  b[8] = 64;
  b[9] = proto;
  b[12] = 198, b[13] = 19, b[14] = 0, b[15] = 2;
  b[16] = 198, b[17] = 19, b[18] = 0, b[19] = 1;
  return 20 + opt;
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* Every prefix of the packet shorter than need gives 0 (and, under ASan,
 * reads nothing past it: each prefix is a heap copy of its own length). */
static void truncations(const uint8_t *b, size_t need, const char *what) {
  for (size_t n = 0; n < need; n++) {
    uint8_t *c = malloc(n ? n : 1);
    memcpy(c, b, n);
    CHECK(what, steer_public_port(c, n), 0);
    free(c);
  }
}

static void test_tcp_udp(void) {
  uint8_t b[64];
  size_t h = ip4(b, 6, 0);
  put16(b + h, 80), put16(b + h + 2, 40123);
  CHECK("tcp dst port", steer_public_port(b, h + 20), 40123);
  truncations(b, h + 8, "tcp truncated");
  h = ip4(b, 17, 8); /* with 8 bytes of options */
  put16(b + h, 69), put16(b + h + 2, 1025);
  CHECK("udp dst port after options", steer_public_port(b, h + 8), 1025);
  truncations(b, h + 8, "udp truncated");
  b[6] = 0x00, b[7] = 0x01; /* fragment offset 8: no L4 header */
  CHECK("non-first fragment", steer_public_port(b, h + 8), 0);
  b[6] = 0x20, b[7] = 0x00; /* MF only: the first fragment has ports */
  CHECK("first fragment", steer_public_port(b, h + 8), 1025);
  ip4(b, 47, 0); /* GRE */
  CHECK("other protocol", steer_public_port(b, 40), 0);
  b[0] = 0x44; /* ihl 16: a lie */
  CHECK("ihl below 20", steer_public_port(b, 40), 0);
}

static void test_icmp(void) {
  uint8_t b[128];
  static const uint8_t replies[] = {0, 14, 16, 18};
  size_t h = ip4(b, 1, 0);
  for (size_t i = 0; i < sizeof(replies); i++) {
    b[h] = replies[i];
    put16(b + h + 4, (uint16_t)(33333 + i));
    CHECK("icmp reply id", steer_public_port(b, h + 8), 33333 + i);
  }
  truncations(b, h + 8, "icmp reply truncated");
  b[h] = 8; /* an echo request from outside names no public port */
  CHECK("echo request", steer_public_port(b, h + 8), 0);

  /* Port unreachable quoting the UDP datagram we sent from 198.19.0.1:
   * 1234 to 198.19.0.2:9 */
  b[h] = 3, b[h + 1] = 3;
  size_t q = h + 8, qh = ip4(b + q, 17, 4);
  put16(b + q + qh, 1234), put16(b + q + qh + 2, 9);
  CHECK("unreachable quoting udp", steer_public_port(b, q + qh + 8), 1234);
  truncations(b, q + qh + 8, "unreachable truncated");
  b[q + 9] = 6; /* quoting TCP */
  CHECK("unreachable quoting tcp", steer_public_port(b, q + qh + 8), 1234);
  b[q + 9] = 1; /* quoting our echo request, id 4321 */
  put16(b + q + qh + 4, 4321);
  CHECK("unreachable quoting echo", steer_public_port(b, q + qh + 8), 4321);
  b[q + 9] = 47;
  CHECK("quoting gre", steer_public_port(b, q + qh + 8), 0);
  b[q + 9] = 17;
  static const uint8_t errors[] = {3, 4, 5, 11, 12};
  for (size_t i = 0; i < sizeof(errors); i++) {
    b[h] = errors[i];
    CHECK("icmp error types", steer_public_port(b, q + qh + 8), 1234);
  }
  b[h] = 13; /* timestamp request */
  CHECK("timestamp request", steer_public_port(b, q + qh + 8), 0);
  b[h] = 11;
  b[q] = 0x43; /* quoted ihl 12 */
  CHECK("quoted ihl below 20", steer_public_port(b, q + qh + 8), 0);
}

static void test_slices(void) {
  /* 1024-65535 over 2 workers: 32256 ports each, 1024-33279, 33280-65535 */
  CHECK("first port", steer_slice(1024, 65535, 32256, 2, 1024), 0);
  CHECK("end of slice 0", steer_slice(1024, 65535, 32256, 2, 33279), 0);
  CHECK("start of slice 1", steer_slice(1024, 65535, 32256, 2, 33280), 1);
  CHECK("last port", steer_slice(1024, 65535, 32256, 2, 65535), 1);
  CHECK("below the pool", steer_slice(1024, 65535, 32256, 2, 1023), 2);
  CHECK("port 0", steer_slice(1024, 65535, 32256, 2, 0), 2);
  /* 3 workers over 2000-2009: slices of 3, the last one 2006-2009 */
  CHECK("3: 2005", steer_slice(2000, 2009, 3, 3, 2005), 1);
  CHECK("3: 2009 (remainder)", steer_slice(2000, 2009, 3, 3, 2009), 2);
  CHECK("3: above", steer_slice(2000, 2009, 3, 3, 2010), 3);
}

static void test_inside_hash(void) {
  uint8_t b[20];
  /* 198.18.0.2 .. .5 with 2 workers: 0 1 1 0 (tests/e2e/dpdk.sh relies
   * on .2 and .3 landing on different workers) */
  static const unsigned want2[] = {0, 1, 1, 0};
  for (unsigned a = 2; a <= 5; a++) {
    ip4(b, 17, 0);
    b[12] = 198, b[13] = 18, b[14] = 0, b[15] = (uint8_t)a;
    CHECK("inside hash, 2 workers", steer_inside(b, 2), want2[a - 2]);
    CHECK("one worker", steer_inside(b, 1), 0);
  }
  b[19] = 99; /* the destination does not matter */
  CHECK("destination ignored", steer_inside(b, 2), 0);
}

int main(void) {
  test_tcp_udp();
  test_icmp();
  test_slices();
  test_inside_hash();
  if (failures)
    fprintf(stderr, "%d failure(s)\n", failures);
  return failures ? 1 : 0;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-dpdk's steering: which worker a packet belongs to. Pure
 * functions over the IPv4 bytes, no DPDK (test_steer.c tests them without
 * it). docs/dpdk.md, "Dispatch".
 */
#ifndef PINHOLE_DPDK_STEER_H
#define PINHOLE_DPDK_STEER_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t steer_be16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

/* The public port an outside IPv4 packet (len bytes at ip) is addressed
 * to, or 0: TCP/UDP destination port, the id of an ICMP query reply (echo,
 * timestamp, information, address mask), or for an ICMP error the source
 * port (or query id) of the packet it quotes, which left through us. A
 * non-first fragment, a short packet or another protocol: 0. */
static inline uint16_t steer_public_port(const uint8_t *ip, size_t len) {
  if (len < 20)
    return 0;
  size_t ihl = (size_t)(ip[0] & 15) * 4;
  if (ihl < 20 || len < ihl + 8 || (steer_be16(ip + 6) & 0x1fff) != 0)
    return 0;
  const uint8_t *l4 = ip + ihl;
  if (ip[9] == 6 || ip[9] == 17) /* TCP, UDP */
    return steer_be16(l4 + 2);
  if (ip[9] != 1) /* ICMP */
    return 0;
  uint8_t type = l4[0];
  if (type == 0 || type == 14 || type == 16 || type == 18)
    return steer_be16(l4 + 4);
  if (type != 3 && type != 4 && type != 5 && type != 11 && type != 12)
    return 0;
  const uint8_t *in = l4 + 8; /* the quoted packet */
  size_t left = len - ihl - 8;
  size_t in_ihl = left >= 20 ? (size_t)(in[0] & 15) * 4 : 0;
  if (in_ihl < 20 || left < in_ihl + 8)
    return 0;
  if (in[9] == 6 || in[9] == 17)
    return steer_be16(in + in_ihl);
  return in[9] == 1 ? steer_be16(in + in_ihl + 4) : 0;
}

/* The worker (0..n-1) of an inside packet: a multiplicative hash of its
 * source address, so a subscriber stays on one worker. n >= 1. */
static inline unsigned steer_inside(const uint8_t *ip, unsigned n) {
  uint32_t src = (uint32_t)steer_be16(ip + 12) << 16 | steer_be16(ip + 14);
  uint32_t h = src * 2654435761u;
  return (h ^ h >> 16) % n;
}

/* The worker whose slice holds public port p: slices of `slice` ports
 * from lo, the last one reaching hi; n (none) outside lo..hi. */
static inline unsigned steer_slice(uint16_t lo, uint16_t hi, uint32_t slice,
                                   unsigned n, uint16_t p) {
  if (p < lo || p > hi || slice == 0)
    return n;
  unsigned i = (unsigned)((uint32_t)(p - lo) / slice);
  return i < n ? i : n - 1;
}

#endif

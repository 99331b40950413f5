/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The IPv6 extension-header walk (lib/pkt/ipv6.c), shared with the
 * translator (lib/pkt/xlat.c), which needs the fragment header of a
 * quoted packet the public view does not carry.
 */
#ifndef PH_PKT_IPV6_CHAIN_H
#define PH_PKT_IPV6_CHAIN_H

#include <stddef.h>
#include <stdint.h>

/* What the walk of one extension-header chain found. */
typedef struct ph6_chain {
  size_t l4_off;       /* where the walk stopped: the upper layer */
  size_t frag_hdr_off; /* 0: no fragment header */
  uint32_t frag_id;
  uint16_t frag_off; /* bytes */
  uint16_t flags;    /* PINHOLE_PKT6F_EXT/FRAGMENT/FIRST_FRAG/ATOMIC/ROUTED */
  uint8_t frag_more; /* the fragment header's M flag */
  uint8_t proto;     /* the next header where the walk stopped */
  uint8_t count;     /* extension headers walked */
} ph6_chain;

/* Walks the chain of the IPv6 packet p[0..len) (len >= 40: the caller
 * checked) from the fixed header's next header to the upper layer, a
 * non-first fragment's fragment header, or 8 headers. quoted: a packet
 * inside an ICMPv6 error (cut off: fragment length rules not applied).
 * Returns PINHOLE_PKT_OK or the pinhole_pkt_reason of the fault. */
int pinhole__ip6_walk(const uint8_t *p, size_t len, int quoted, ph6_chain *c);

/* pinhole_pkt6_parse() without its one-pass fast path (plain6.h): every
 * check in the documented order (data, view not NULL). The tests compare
 * both paths with it. */
struct pinhole_pkt6_view;
int pinhole__pkt6_parse_full(const uint8_t *data, size_t len,
                             struct pinhole_pkt6_view *view);

#endif /* PH_PKT_IPV6_CHAIN_H */

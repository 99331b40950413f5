/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * State sync's IPv6 and NAT64 records (core/state.c, docs/ha.md): what
 * their addresses must be. A NAT64 record names the prefix its
 * connection or pinhole was translated under; the standby must have it.
 */
#ifndef PH_CORE_STATE6_H
#define PH_CORE_STATE6_H

#include "core/ctx.h"

/* The prefix addr (an IPv6 address NAT64 reached an IPv4 host by) is
 * under on ctx: the first configured one whose embedding it is, as
 * core/nat64.c finds it. 0 with prefix, *plen set; -1 when none. */
int pinhole__st_prefix_of(const pinhole_ctx *ctx, const uint8_t addr[16],
                          uint8_t prefix[16], uint8_t *plen);

/* A NAT64 record's prefix, and addr (the IPv4 host v4 under it): 0;
 * PINHOLE_ERR_PARSE (not an RFC 6052 prefix, addr not v4 under it, v4
 * an address NAT64 never reaches: 0/8, 127/8, 224/3, a pool's own);
 * PINHOLE_ERR_NOMATCH (ctx has not that prefix, finds another first for
 * addr, or its well-known prefix does not allow v4). */
int pinhole__st_nat64_ok(const pinhole_ctx *ctx, const uint8_t prefix[16],
                         uint8_t plen, const uint8_t addr[16], uint32_t v4);

/* Is a an address an IPv6 host has (not multicast, unspecified,
 * loopback, IPv4-mapped or -compatible)? */
int pinhole__st_host6_ok(const uint8_t a[16]);

/* ::ffff:v4, the form of a NAT64 connection's IPv4 side in ph_conn6. */
void pinhole__st_mapped(uint8_t out[16], uint32_t v4);

/* A NAT64 mapping's host record (type 12): addr a host's address whose
 * fold is the mapping's inside address, prefix an RFC 6052 one ctx has
 * (*k its index there). 0; PINHOLE_ERR_PARSE (not a host's address,
 * another fold, not an RFC 6052 prefix, ctx without IPv6 host records);
 * PINHOLE_ERR_NOMATCH (ctx lacks the prefix). */
int pinhole__st_host64_ok(const pinhole_ctx *ctx, const uint8_t addr[16],
                          uint32_t fold, const uint8_t prefix[16], uint8_t plen,
                          uint8_t *k);

#endif /* PH_CORE_STATE6_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * State sync of IPv6 and NAT64 (core/state.c, docs/ha.md "IPv6 and
 * NAT64"): the checks on the addresses of the records that carry them.
 * A NAT64 connection or pinhole travels with the prefix (RFC 6052) its
 * IPv6 side reached the IPv4 host by; the standby must have that prefix,
 * find it first for that address as core/nat64.c does, and allow the
 * IPv4 host under it, or the record is refused: a standby that would
 * translate otherwise fails closed.
 */
#include "core/state6.h"
#include "core/engine.h"

#include <pinhole/ipv6.h>

#include <string.h>

int pinhole__st_prefix_of(const pinhole_ctx *ctx, const uint8_t addr[16],
                          uint8_t prefix[16], uint8_t *plen) {
  uint32_t v4;
  int k = pinhole__nat64_prefix_of(ctx, addr, &v4);
  if (k < 0)
    return -1;
  memcpy(prefix, ctx->nat64_prefix[k], 16);
  *plen = ctx->nat64_plen[k];
  return 0;
}

/* The index of prefix/plen among ctx's, or -1. */
static int ph_prefix_idx(const pinhole_ctx *ctx, const uint8_t prefix[16],
                         uint8_t plen) {
  for (uint32_t k = 0; k < ctx->nnat64; k++)
    if (ctx->nat64_plen[k] == plen &&
        memcmp(ctx->nat64_prefix[k], prefix, 16) == 0)
      return (int)k;
  return -1;
}

int pinhole__st_nat64_ok(const pinhole_ctx *ctx, const uint8_t prefix[16],
                         uint8_t plen, const uint8_t addr[16], uint32_t v4) {
  uint8_t p[16], first[16], first_len = 0;
  uint32_t x = 0;
  /* an RFC 6052 length, no bit set past it (nor in a /96's u octet) */
  if (pinhole_nat64_embed(p, prefix, plen, 0) != 0 ||
      memcmp(p, prefix, 16) != 0)
    return PINHOLE_ERR_PARSE;
  if (pinhole_nat64_extract(addr, prefix, plen, &x) != 0 || x != v4)
    return PINHOLE_ERR_PARSE;
  uint32_t a = v4 >> 24;
  if (a == 0 || a == 127 || a >= 224 || pinhole__pool_of(ctx, v4) >= 0)
    return PINHOLE_ERR_PARSE; /* never reached: nat64.c ph_dst4 */
  int k = ph_prefix_idx(ctx, prefix, plen);
  if (k < 0 || pinhole__st_prefix_of(ctx, addr, first, &first_len) != 0 ||
      first_len != plen || memcmp(first, prefix, 16) != 0)
    return PINHOLE_ERR_NOMATCH;
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  if (plen == 96 && memcmp(prefix, wkp, 16) == 0 &&
      !pinhole_nat64_wkp_allowed(v4) &&
      !((ctx->nat64_flags[k] & PINHOLE_NAT64_LAB) &&
        (v4 & 0xfffe0000u) == 0xc6120000u)) /* 198.18.0.0/15 */
    return PINHOLE_ERR_NOMATCH;
  return 0;
}

int pinhole__st_host6_ok(const uint8_t a[16]) {
  static const uint8_t zero[10];
  /* ::/80 holds ::, ::1, ::ffff:0:0/96 and ::/96, none a host's */
  return a[0] != 0xff && memcmp(a, zero, sizeof(zero)) != 0;
}

void pinhole__st_mapped(uint8_t out[16], uint32_t v4) {
  memset(out, 0, 10);
  out[10] = out[11] = 0xff;
  ph_put32(out + 12, v4);
}

int pinhole__st_host64_ok(const pinhole_ctx *ctx, const uint8_t addr[16],
                          uint32_t fold, const uint8_t prefix[16], uint8_t plen,
                          uint8_t *k) {
  uint8_t p[16];
  if (ctx->nmap6 == 0 || !pinhole__st_host6_ok(addr) ||
      pinhole__fold6(ctx, addr) != fold ||
      pinhole_nat64_embed(p, prefix, plen, 0) != 0 ||
      memcmp(p, prefix, 16) != 0)
    return PINHOLE_ERR_PARSE;
  int i = ph_prefix_idx(ctx, prefix, plen);
  if (i < 0)
    return PINHOLE_ERR_NOMATCH;
  *k = (uint8_t)i;
  return 0;
}

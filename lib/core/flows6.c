/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 connections: address folds, lookup by either direction's tuple,
 * and the IPv6 endpoints of events and listing rows.
 *
 * An IPv6 connection is an ordinary ph_conn in a slot past max_flows.
 * A firewall connection (side B mirrors side A) holds its addresses and
 * ports in its own line (ctx.h ph_conn_line6); any other (NAT64, NAT64
 * hairpinning) holds 32-bit keyed folds of its addresses in its tuples
 * and the addresses in its side record (ctx.h ph_conn6). Either is filed
 * in ft6 under the keyed hash of its full addresses, ports and protocol
 * (engine.h pinhole__hash6), so the IPv4 table and its lookup never see
 * it. A lookup compares protocol, ports and the full addresses.
 */
#include "core/engine.h"

#include <pinhole/ipv6.h>

#include <string.h>

void pinhole__tuple6(const pinhole_ctx *ctx, ph_tuple *t, const uint8_t src[16],
                     const uint8_t dst[16], uint16_t sport, uint16_t dport) {
  t->src = pinhole__fold6(ctx, src);
  t->dst = pinhole__fold6(ctx, dst);
  t->sport = sport;
  t->dport = dport;
}

void pinhole__hash6_key(uint32_t nh[10], uint64_t *mul,
                        const pinhole_hash_key *key) {
  static const char label[6][8] = {"v6-hk-0", "v6-hk-1", "v6-hk-2",
                                   "v6-hk-3", "v6-hk-4", "v6-hmul"};
  for (int i = 0; i < 5; i++) {
    uint64_t w = pinhole_siphash13(key, label[i], sizeof(label[i]));
    nh[2 * i] = (uint32_t)w;
    nh[2 * i + 1] = (uint32_t)(w >> 32);
  }
  *mul = pinhole_siphash13(key, label[5], sizeof(label[5])) | 1u;
}

uint64_t pinhole__conn6_key(const pinhole_ctx *ctx, const ph_conn *c, int dir) {
  uint16_t sp, dp;
  ph_conn6_ports(c, dir, &sp, &dp);
  return pinhole__hash6(ctx, c->proto, ph_conn6_addr(ctx, c, dir, 0),
                        ph_conn6_addr(ctx, c, dir, 1), sp, dp);
}

ph_conn *pinhole__conn6_lookup(pinhole_ctx *ctx, uint8_t proto,
                               const uint8_t src[16], const uint8_t dst[16],
                               uint16_t sport, uint16_t dport, int *dir) {
  uint64_t h = pinhole__hash6(ctx, proto, src, dst, sport, dport);
  return pinhole__conn6_find(ctx, proto, src, dst, sport, dport, h, dir);
}

ph_conn *pinhole__conn6_find(pinhole_ctx *ctx, uint8_t proto,
                             const uint8_t src[16], const uint8_t dst[16],
                             uint16_t sport, uint16_t dport, uint64_t h,
                             int *dir) {
  return ph_conn6_find(ctx, proto, src, dst, sport, dport, h, dir);
}

void pinhole__conn6_addrs(const pinhole_ctx *ctx, const ph_conn *c, int dir,
                          uint8_t src[16], uint8_t dst[16]) {
  memcpy(src, ph_conn6_addr(ctx, c, dir, 0), 16);
  memcpy(dst, ph_conn6_addr(ctx, c, dir, 1), 16);
}

ph_tuple pinhole__conn6_tuple(const pinhole_ctx *ctx, const ph_conn *c,
                              int dir) {
  ph_tuple t;
  uint16_t sp, dp;
  ph_conn6_ports(c, dir, &sp, &dp);
  pinhole__tuple6(ctx, &t, ph_conn6_addr(ctx, c, dir, 0),
                  ph_conn6_addr(ctx, c, dir, 1), sp, dp);
  return t;
}

void pinhole__event6_conn(const pinhole_ctx *ctx, pinhole_event *ev,
                          const ph_conn *c, int dir) {
  ev->family = 6;
  if (ph_conn_is64(ctx, c)) {
    /* NAT64: the IPv6 side in src6/dst6, the IPv4 side in nat_* */
    pinhole__conn6_addrs(ctx, c, 0, ev->src6, ev->dst6);
    ev->src = (pinhole_endpoint){0, c->a.sport, 0};
    ev->dst = (pinhole_endpoint){0, c->a.dport, 0};
    ev->nat_src = (pinhole_endpoint){c->b.dst, c->b.dport, 0};
    ev->nat_dst = (pinhole_endpoint){c->b.src, c->b.sport, 0};
    return;
  }
  pinhole__conn6_addrs(ctx, c, dir, ev->src6, ev->dst6);
  ev->src.addr = ev->dst.addr = ev->nat_src.addr = ev->nat_dst.addr = 0;
}

void pinhole__event6_refused(const pinhole_ctx *ctx, pinhole_event *ev) {
  if (ctx->map6_next == NULL || ctx->map6_dst == NULL)
    return;
  ev->family = 6;
  memcpy(ev->src6, ctx->map6_next, 16);
  memcpy(ev->dst6, ctx->map6_dst, 16);
  ev->src.addr = ev->dst.addr = ev->nat_src.addr = ev->nat_dst.addr = 0;
}

void pinhole__flow_info6(const pinhole_ctx *ctx, const ph_conn *c, int dir,
                         pinhole_flow_info *fi) {
  if (!ph_conn_is64(ctx, c)) {
    fi->family = 6;
    pinhole__conn6_addrs(ctx, c, dir, fi->src6, fi->dst6);
    fi->src.addr = fi->dst.addr = fi->out_src.addr = fi->out_dst.addr = 0;
    if (c->flags & PH_CONN_HAIRPIN) { /* NAT64 hairpinning: the packet
                                         as it leaves, IPv6 too */
      fi->out_family = 6;
      pinhole__conn6_addrs(ctx, c, dir ^ 1, fi->out_dst6, fi->out_src6);
    }
    return;
  }
  /* NAT64: the row's own side in src/dst, the other family in out_* */
  if (dir == 0) {
    fi->family = 6;
    fi->out_family = 4;
    pinhole__conn6_addrs(ctx, c, 0, fi->src6, fi->dst6);
    fi->src.addr = fi->dst.addr = 0;
  } else {
    fi->out_family = 6;
    pinhole__conn6_addrs(ctx, c, 0, fi->out_dst6, fi->out_src6);
    fi->out_src.addr = fi->out_dst.addr = 0;
  }
}

size_t pinhole__fmt_ep6(char *buf, size_t len, const uint8_t addr[16],
                        uint16_t port) {
  int n = pinhole_endpoint6_format(addr, port, buf, len);
  if (n < 0) {
    if (len)
      buf[0] = '\0';
    return 0;
  }
  return (size_t)n;
}

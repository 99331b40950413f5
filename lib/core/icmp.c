/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMP errors through NAT (RFC 5508 sec. 4.2) and rejects.
 *
 * An ICMP error quotes a packet that left the gateway towards the side the
 * error arrives from. Reversed, the quoted tuple is a tuple as packets
 * arrive from that side, so the connection is found with the ordinary
 * lookup. The quoted header is rewritten back to what the other side sent
 * (its IP checksum and, when present, its L4 checksum updated), the outer
 * destination becomes that side's host, the outer source is translated
 * only when the error comes from the peer itself, and the ICMP checksum is
 * recomputed over the whole message.
 */
#include "core/engine.h"
#include "pkt/bytes.h"

#include <string.h>

static void ph_rewrite32(uint8_t *field, uint8_t *ck, uint32_t v) {
  uint32_t old = ph_get32(field);
  ph_put32(field, v);
  if (ck)
    ph_put16(ck, pinhole_cksum_update32(ph_get16(ck), old, v));
}

static void ph_rewrite16(uint8_t *field, uint8_t *ck, uint16_t v) {
  uint16_t old = ph_get16(field);
  ph_put16(field, v);
  if (ck)
    ph_put16(ck, pinhole_cksum_update16(ph_get16(ck), old, v));
}

int pinhole__icmp_error_in(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, int side) {
  uint8_t proto = v->inner_proto;
  if (proto != PINHOLE_IPPROTO_TCP && proto != PINHOLE_IPPROTO_UDP &&
      proto != PINHOLE_IPPROTO_ICMP) {
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    return PINHOLE_VERDICT_DROP;
  }
  uint8_t *p = pkt->data;
  size_t in = v->inner_off, il4 = v->inner_l4_off;
  if (proto == PINHOLE_IPPROTO_ICMP) {
    uint8_t t = p[il4];
    if (t != 8 && t != 0) {
      /* an error about an error is never answered (RFC 1122 3.2.2) */
      ph_count(ctx, PINHOLE_CNT_ERR_ICMP);
      ph_count(ctx, PINHOLE_CNT_ICMP_ERR_LEN);
      return PINHOLE_VERDICT_DROP;
    }
  }
  uint64_t h = pinhole__key_hash(ctx, proto, v->inner_dst, v->inner_src,
                                 v->inner_dport, v->inner_sport);
  int dir;
  ph_conn *c = pinhole__conn_lookup(ctx, proto, v->inner_dst, v->inner_src,
                                    v->inner_dport, v->inner_sport, h, &dir);
  uint8_t want_side = c ? (dir == 0 ? c->a_side : (uint8_t)(c->a_side ^ 1)) : 0;
  if (c == NULL || side != want_side) {
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    return PINHOLE_VERDICT_DROP;
  }
  if (proto == PINHOLE_IPPROTO_UDP && v->icmp_type == 3 && v->icmp_code == 3 &&
      dir == 1) {
    /* port unreachable answering a UDP flow: the port-scan signature */
    ph_count(ctx, PINHOLE_CNT_ERR_UDP);
    ph_count(ctx, PINHOLE_CNT_UDP_PORT_SCAN);
  }
  const ph_tuple *from = dir ? &c->b : &c->a; /* as this side sends */
  const ph_tuple *other = dir ? &c->a : &c->b;
  /* outer header: to the other side's host; from the peer translated */
  uint32_t osrc = v->src == from->src ? other->dst : v->src;
  uint32_t odst = other->src;
  if (osrc == odst) {
    /* a router address equal to the other side's host: it would leave as
     * a land packet */
    ph_count(ctx, PINHOLE_CNT_ERR_IP);
    ph_count(ctx, PINHOLE_CNT_IP_LAND);
    ph_count(ctx, PINHOLE_CNT_EXIST_DISCARD);
    return PINHOLE_VERDICT_DROP;
  }
  /* the quoted packet becomes what the other side sent: tuple other */
  uint8_t *ick = p + in + 10;
  uint8_t *l4ck = NULL;
  size_t have = v->ip_len;
  if (proto == PINHOLE_IPPROTO_UDP && il4 + 8 <= have && ph_get16(p + il4 + 6))
    l4ck = p + il4 + 6;
  else if (proto == PINHOLE_IPPROTO_TCP && il4 + 18 <= have)
    l4ck = p + il4 + 16;
  if (ph_get32(p + in + 12) != other->src) {
    if (proto != PINHOLE_IPPROTO_ICMP && l4ck)
      ph_rewrite32(p + in + 12, l4ck, other->src);
    else
      ph_put32(p + in + 12, other->src);
    ph_put16(ick,
             pinhole_cksum_update32(ph_get16(ick), v->inner_src, other->src));
  }
  if (ph_get32(p + in + 16) != other->dst) {
    if (proto != PINHOLE_IPPROTO_ICMP && l4ck)
      ph_rewrite32(p + in + 16, l4ck, other->dst);
    else
      ph_put32(p + in + 16, other->dst);
    ph_put16(ick,
             pinhole_cksum_update32(ph_get16(ick), v->inner_dst, other->dst));
  }
  if (proto == PINHOLE_IPPROTO_ICMP) {
    /* quoted echo: its identifier (checksum over the whole echo, which is
     * usually truncated: update it incrementally) */
    ph_rewrite16(p + il4 + 4, p + il4 + 2, other->sport);
  } else {
    ph_rewrite16(p + il4, l4ck, other->sport);
    ph_rewrite16(p + il4 + 2, l4ck, other->dport);
  }
  ph_rewrite32(p + 12, p + 10, osrc);
  ph_rewrite32(p + 16, p + 10, odst);
  v->src = osrc;
  v->dst = odst;
  pinhole__l4_cksum_full(p, v);
  pkt->len = v->ip_len;
  ph_count(ctx, PINHOLE_CNT_EXIST_ACCEPT);
  return PINHOLE_VERDICT_FORWARD;
}

static uint16_t ph_ip_hdr(uint8_t *o, uint16_t total, uint8_t proto,
                          uint32_t src, uint32_t dst) {
  memset(o, 0, 20);
  o[0] = 0x45;
  ph_put16(o + 2, total);
  o[8] = 64;
  o[9] = proto;
  ph_put32(o + 12, src);
  ph_put32(o + 16, dst);
  uint16_t ck = pinhole_cksum(o, 20);
  ph_put16(o + 10, ck);
  return ck;
}

void pinhole__reject(pinhole_ctx *ctx, const uint8_t *pkt,
                     const pinhole_pkt_view *v, int side) {
  if (ctx->cb.emit == NULL)
    return;
  uint8_t *o = ctx->emit_buf;
  size_t len;
  if (v->proto == PINHOLE_IPPROTO_TCP) {
    if (v->tcp_flags & PINHOLE_TCP_RST)
      return; /* never answer an RST */
    len = 40;
    ph_ip_hdr(o, (uint16_t)len, PINHOLE_IPPROTO_TCP, v->dst, v->src);
    uint8_t *t = o + 20;
    memset(t, 0, 20);
    ph_put16(t, v->dport);
    ph_put16(t + 2, v->sport);
    uint32_t seg = v->payload_len +
                   ((v->tcp_flags & PINHOLE_TCP_SYN) ? 1u : 0u) +
                   ((v->tcp_flags & PINHOLE_TCP_FIN) ? 1u : 0u);
    if (v->tcp_flags & PINHOLE_TCP_ACK) {
      ph_put32(t + 4, v->ack);
      t[13] = PINHOLE_TCP_RST;
    } else {
      ph_put32(t + 8, v->seq + seg);
      t[13] = PINHOLE_TCP_RST | PINHOLE_TCP_ACK;
    }
    t[12] = 5 << 4;
    pinhole_pkt_view ov;
    memset(&ov, 0, sizeof(ov));
    ov.proto = PINHOLE_IPPROTO_TCP;
    ov.l4_off = 20;
    ov.l4_len = 20;
    pinhole__l4_cksum_full(o, &ov);
  } else {
    /* ICMP destination unreachable, communication administratively
     * prohibited (RFC 1812 5.2.7.1), quoting the header and 8 bytes */
    size_t quote = (size_t)v->ihl + 8;
    if (quote > v->ip_len)
      quote = v->ip_len;
    len = 28 + quote;
    ph_ip_hdr(o, (uint16_t)len, PINHOLE_IPPROTO_ICMP, v->dst, v->src);
    uint8_t *m = o + 20;
    memset(m, 0, 8);
    m[0] = 3;
    m[1] = 13;
    memcpy(m + 8, pkt, quote);
    ph_put16(m + 2, pinhole_cksum(m, 8 + quote));
  }
  ctx->cb.emit(ctx, o, len, side, ctx->user);
}

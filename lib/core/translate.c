/*
 * Header translation with incremental checksum updates (RFC 1624 eqn. 3).
 */
#include "core/engine.h"
#include "pkt/bytes.h"

#include <string.h>

static void ph_fix16(uint8_t *ck, uint16_t old, uint16_t new_val) {
  ph_put16(ck, pinhole_cksum_update16(ph_get16(ck), old, new_val));
}

static void ph_fix32(uint8_t *ck, uint32_t old, uint32_t new_val) {
  ph_put16(ck, pinhole_cksum_update32(ph_get16(ck), old, new_val));
}

void pinhole__translate(pinhole_ctx *ctx, uint8_t *pkt, pinhole_pkt_view *v,
                        const ph_conn *c, int dir, int l4_full) {
  (void)ctx;
  const ph_tuple *to = dir ? &c->a : &c->b;
  uint32_t nsrc = to->dst, ndst = to->src;
  uint16_t nsport = to->dport, ndport = to->sport;
  uint8_t *l4 = pkt + v->l4_off;
  int has_l4 = (v->flags & PINHOLE_PKTF_L4) != 0;
  uint8_t *ck = NULL; /* L4 checksum field covering the pseudo-header */

  if (has_l4 && !l4_full) {
    if (v->proto == PINHOLE_IPPROTO_TCP)
      ck = l4 + 16;
    else if (v->proto == PINHOLE_IPPROTO_UDP && ph_get16(l4 + 6) != 0)
      ck = l4 + 6;
  }
  if (nsrc != v->src) {
    ph_put32(pkt + 12, nsrc);
    ph_fix32(pkt + 10, v->src, nsrc);
    if (ck)
      ph_fix32(ck, v->src, nsrc);
    v->src = nsrc;
  }
  if (ndst != v->dst) {
    ph_put32(pkt + 16, ndst);
    ph_fix32(pkt + 10, v->dst, ndst);
    if (ck)
      ph_fix32(ck, v->dst, ndst);
    v->dst = ndst;
  }
  if (!has_l4)
    return;
  if (v->proto == PINHOLE_IPPROTO_ICMP) {
    /* echo identifier: the ICMP checksum has no pseudo-header */
    if (nsport != v->sport) {
      ph_put16(l4 + 4, nsport);
      if (!l4_full)
        ph_fix16(l4 + 2, v->sport, nsport);
      v->sport = v->dport = nsport;
    }
    return;
  }
  if (nsport != v->sport) {
    ph_put16(l4, nsport);
    if (ck)
      ph_fix16(ck, v->sport, nsport);
    v->sport = nsport;
  }
  if (ndport != v->dport) {
    ph_put16(l4 + 2, ndport);
    if (ck)
      ph_fix16(ck, v->dport, ndport);
    v->dport = ndport;
  }
  /* RFC 768: a computed UDP checksum of zero is sent as all ones */
  if (ck && v->proto == PINHOLE_IPPROTO_UDP && ph_get16(ck) == 0)
    ph_put16(ck, 0xFFFF);
}

void pinhole__l4_cksum_full(uint8_t *pkt, const pinhole_pkt_view *v) {
  uint8_t *l4 = pkt + v->l4_off;
  size_t len = v->l4_len;
  if (v->proto == PINHOLE_IPPROTO_ICMP) {
    ph_put16(l4 + 2, 0);
    ph_put16(l4 + 2, pinhole_cksum(l4, len));
    return;
  }
  size_t ck_off = v->proto == PINHOLE_IPPROTO_TCP ? 16 : 6;
  if (v->proto == PINHOLE_IPPROTO_UDP && ph_get16(l4 + 6) == 0)
    return; /* no checksum in use */
  uint8_t ph[12];
  memcpy(ph, pkt + 12, 8);
  ph[8] = 0;
  ph[9] = v->proto;
  ph_put16(ph + 10, (uint16_t)len);
  ph_put16(l4 + ck_off, 0);
  uint32_t sum = pinhole_cksum_add(0, ph, sizeof(ph));
  uint16_t c = pinhole_cksum_finish(pinhole_cksum_add(sum, l4, len));
  if (c == 0 && v->proto == PINHOLE_IPPROTO_UDP)
    c = 0xFFFF;
  ph_put16(l4 + ck_off, c);
}

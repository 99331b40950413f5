/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Header translation with incremental checksum updates (RFC 1624 eqn. 3).
 *
 * The changed fields' differences (~old + new, in 16-bit words) are summed
 * once: the address words go into the IP header checksum, the address and
 * port words together into the TCP/UDP checksum (whose pseudo-header covers
 * the addresses). One's-complement addition is associative, and a sum that
 * has a non-zero term is never +0, so the result is bit-identical to
 * updating the checksum field by field.
 */
#include "core/engine.h"
#include "pkt/bytes.h"
#include "pkt/pkt_cksum.h"

void pinhole__translate(pinhole_ctx *ctx, uint8_t *pkt, pinhole_pkt_view *v,
                        const ph_conn *c, int dir, int l4_full) {
  (void)ctx;
  const ph_tuple *to = dir ? &c->a : &c->b;
  uint32_t nsrc = to->dst, ndst = to->src;
  /* GRE: ndport is the receiver's call ID (a tuple's sport is its
   * sender's call ID: see pinhole__gre_lookup) */
  uint16_t nsport = to->dport, ndport = to->sport;
  uint8_t *l4 = pkt + v->l4_off;
  uint32_t d = 0; /* address words changed, for both checksums */
  int ip_changed = 0;

  if (nsrc != v->src) {
    ph_put32(pkt + 12, nsrc);
    d += ph_ck_diff32(v->src, nsrc);
    v->src = nsrc;
    ip_changed = 1;
  }
  if (ndst != v->dst) {
    ph_put32(pkt + 16, ndst);
    d += ph_ck_diff32(v->dst, ndst);
    v->dst = ndst;
    ip_changed = 1;
  }
  if (ip_changed)
    ph_ck_apply(pkt + 10, d);
  if (!(v->flags & PINHOLE_PKTF_L4)) {
    /* enhanced GRE: the key's call ID (no GRE checksum: C is 0) */
    if ((v->flags & PINHOLE_PKTF_GRE) && ndport != v->dport) {
      ph_put16(l4 + PH_GRE_CALL_ID, ndport);
      v->dport = ndport;
    }
    return;
  }
  if (v->proto == PINHOLE_IPPROTO_ICMP) {
    /* echo identifier: the ICMP checksum has no pseudo-header */
    if (nsport != v->sport) {
      ph_put16(l4 + 4, nsport);
      if (!l4_full)
        ph_ck_apply(l4 + 2, ph_ck_diff16(v->sport, nsport));
      v->sport = v->dport = nsport;
    }
    return;
  }
  int l4_changed = ip_changed;
  if (nsport != v->sport) {
    ph_put16(l4, nsport);
    d += ph_ck_diff16(v->sport, nsport);
    v->sport = nsport;
    l4_changed = 1;
  }
  if (ndport != v->dport) {
    ph_put16(l4 + 2, ndport);
    d += ph_ck_diff16(v->dport, ndport);
    v->dport = ndport;
    l4_changed = 1;
  }
  if (l4_full || !l4_changed)
    return;
  if (v->proto == PINHOLE_IPPROTO_TCP) {
    ph_ck_apply(l4 + 16, d);
  } else if (v->proto == PINHOLE_IPPROTO_UDP && ph_get16(l4 + 6) != 0) {
    /* RFC 768: a computed UDP checksum of zero is sent as all ones */
    if (ph_ck_apply(l4 + 6, d) == 0)
      ph_put16(l4 + 6, 0xFFFF);
  }
}

/* The full recomputation after a payload rewrite, and of the packets the
 * engine builds: the one checksum path of lib/pkt. */
void pinhole__l4_cksum_full(uint8_t *pkt, const pinhole_pkt_view *v) {
  pinhole__l4_cksum_set(pkt, v->l4_off, v->l4_len, v->proto);
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 fragments in the firewall (RFC 8200 sec. 4.5), by the fragment
 * table of core/frag.c: only a datagram's first fragment carries the
 * ports, so it goes through the connection look-up and the rules like a
 * whole packet and, when it passes, its entry is keyed by (side, the
 * folds of its addresses, the 32-bit identification, the fragment
 * header's next header) with the full addresses beside it (ctx.h
 * ph_frag6: a fold collision finds no entry). Later fragments follow its
 * verdict: forwarded, untouched, in its connection's frames; or dropped.
 *
 * An overlap, or an end that disagrees with one already seen, drops the
 * whole datagram (RFC 5722): the fragment at hand and every later one
 * until the entry's deadline. A later UDP fragment without an entry (its
 * first fragment not come yet: reordering) is held as an orphan, as
 * IPv4's are (core/frag_reasm.c), until its first fragment names the
 * connection: then reassembled for a Watch connection's ALG, or sent on
 * (NAT64: translated) with the first fragment's per-fragment headers and
 * followed like any. Another later fragment without an entry (its first
 * fragment dropped or gone, or not UDP) is dropped as not matched. No
 * free entry for a first fragment: it is dropped as not tracked. A
 * fragmented ND or MLD message (RFC 6980) or ICMPv6 error has no
 * connection to follow: not tracked either. Atomic fragments (RFC 6946)
 * never come here: they are whole packets.
 */
#include "core/frag_reasm.h"
#include "pkt/bytes.h"

#include <pinhole/ipv6.h>

#include <string.h>

/* The bytes after the fragment header: this fragment's piece. */
static uint32_t ph_piece_len(const pinhole_pkt6_view *v6) {
  return v6->ip_len - v6->frag_hdr_off - 8u;
}

static int ph_not_tracked(pinhole_ctx *ctx) {
  ph_count(ctx, PINHOLE_CNT_ERR_IP);
  ph_count(ctx, PINHOLE_CNT_IP6_FRAGMENT);
  return PINHOLE_VERDICT_DROP;
}

static int ph_not_matched(pinhole_ctx *ctx) {
  ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
  return PINHOLE_VERDICT_DROP;
}

/* Is entry r an orphan: later pieces held, no first fragment yet? */
static int ph_orphan(const pinhole_ctx *ctx, ph_ref r) {
  const ph_frag *f = ph_frag_at(ctx, r);
  return f->mode == PH_FRAG_REASM && f->conn == PH_NIL && f->hl == 0;
}

/* The first fragment of orphan entry r's datagram: its connection looked
 * up and its rules run as for any first fragment (process6.c), which
 * reassembles a Watch datagram in r; a connection that is not reassembled
 * gets the held pieces sent on ahead of it and r follows the rest; a
 * first fragment dropped, or passed without a connection, ends the
 * datagram (its held pieces not matched). */
static int ph_first_of_orphan(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                              const pinhole_pkt6_view *v6, int side) {
  if (pinhole__reasm6_adopt(ctx, r, pkt->data, v6) != 0)
    return PINHOLE_VERDICT_DROP;
  /* its headers, before NAT64 rewrites the packet to IPv4: the held
   * pieces leave with them */
  uint8_t hdr[PH_FRAG6_HL_MAX];
  size_t hl = (size_t)v6->frag_hdr_off + 8u;
  if (hl > sizeof(hdr))
    hl = 0; /* the pieces cannot be rebuilt: dropped below */
  else
    memcpy(hdr, pkt->data, hl);
  ph_conn *c;
  int dir;
  ctx->frag6_cur = r;
  int vd = pinhole__process6_first(ctx, pkt, v6, side, &c, &dir);
  if (ctx->frag6_cur == PH_NIL)
    return vd; /* reassembled for its ALG, or passed on (entry virtual) */
  ctx->frag6_cur = PH_NIL;
  if (c == NULL || hl == 0) {
    pinhole__reasm_dead(ctx, r);
    ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    return vd;
  }
  pinhole__reasm6_release_virtual(ctx, r, hdr, hl, ph_piece_len(v6), c, dir);
  return vd;
}

/* A first fragment (offset 0, M set). */
static int ph_first6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                     const pinhole_pkt6_view *v6, int side) {
  if (v6->flags &
      (PINHOLE_PKT6F_ND | PINHOLE_PKT6F_MLD | PINHOLE_PKT6F_ICMP_ERROR))
    return ph_not_tracked(ctx);
  if (v6->proto != PINHOLE_IPPROTO_TCP && v6->proto != PINHOLE_IPPROTO_UDP &&
      !(v6->flags & PINHOLE_PKT6F_ICMP_QUERY)) {
    ph_count(ctx, PINHOLE_CNT_NEW_DISCARD);
    ph_count(ctx, PINHOLE_CNT_DROP_NO_RULE);
    return PINHOLE_VERDICT_DROP;
  }
  ph_frag_key k;
  ph_frag_key6(ctx, &k, pkt->data, v6);
  ph_ref r = pinhole__frag_find(ctx, side, &k);
  if (r != PH_NIL && ph_orphan(ctx, r))
    return ph_first_of_orphan(ctx, r, pkt, v6, side);
  if (r != PH_NIL) {
    /* a second first fragment: it overlaps the first (RFC 5722) */
    if (ph_frag_at(ctx, r)->mode == PH_FRAG_DEAD)
      return ph_not_matched(ctx);
    pinhole__reasm_dead(ctx, r); /* what it held goes too */
    ph_count(ctx, PINHOLE_CNT_ERR_IP);
    ph_count(ctx, PINHOLE_CNT_IP_FRAG_OVERLAP);
    return PINHOLE_VERDICT_DROP;
  }
  r = pinhole__frag_new(ctx, side, &k, ctx->cfg.frag_timeout_ms);
  if (r == PH_NIL)
    return ph_not_tracked(ctx);
  ph_conn *c;
  int dir;
  ctx->frag6_cur = r; /* a Watch datagram's reassembly takes it */
  int vd = pinhole__process6_first(ctx, pkt, v6, side, &c, &dir);
  if (ctx->frag6_cur == PH_NIL)
    return vd; /* held, or its datagram completed, or passed on */
  ctx->frag6_cur = PH_NIL;
  if (c == NULL) { /* dropped, or passed without a connection */
    pinhole__frag_release(ctx, r);
    return vd;
  }
  ph_frag *f = ph_frag_at(ctx, r);
  f->conn = ph_conn_ref(ctx, c);
  f->dir = (uint8_t)dir;
  f->l4_6_ = c->proto;
  pinhole__frag_mark(f, 0, ph_piece_len(v6));
  return vd;
}

/* A later fragment (offset > 0): its first fragment's verdict. */
static int ph_later6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                     const pinhole_pkt6_view *v6, int side) {
  ph_frag_key k;
  ph_frag_key6(ctx, &k, pkt->data, v6);
  ph_ref r = pinhole__frag_find(ctx, side, &k);
  if (r == PH_NIL && k.proto == PINHOLE_IPPROTO_UDP) {
    int vd = pinhole__reasm6_orphan(ctx, pkt, v6, side);
    if (vd >= 0)
      return vd;
  }
  if (r == PH_NIL || ph_frag_at(ctx, r)->mode == PH_FRAG_DEAD)
    return ph_not_matched(ctx);
  if (ph_frag_at(ctx, r)->mode == PH_FRAG_REASM)
    return pinhole__reasm6_later(ctx, r, pkt, v6);
  return pinhole__frag6_follow(ctx, r, pkt, v6);
}

int pinhole__frag6_follow(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                          const pinhole_pkt6_view *v6) {
  uint32_t lo = v6->frag_off, hi = lo + ph_piece_len(v6);
  int last = !(pkt->data[v6->frag_hdr_off + 3u] & 1u); /* M clear */
  int dir;
  ph_conn *c = pinhole__frag_pass(ctx, r, lo, hi, last, v6->ip_len, &dir);
  if (c == NULL)
    return PINHOLE_VERDICT_DROP;
  if (ph_conn_is64(ctx, c)) /* NAT64: to IPv4 (core/nat64.c) */
    return pinhole__nat64_frag6(ctx, pkt, v6, c);
  if (c->flags & PH_CONN_HAIRPIN) { /* NAT64 hairpinning (core/nat64.c) */
    int vd = pinhole__nat64_hairpin(ctx, pkt, v6, c, dir);
    c->frames[dir]--; /* counted by frag_pass */
    ph_conn_set_bytes(ctx, c, dir, ph_conn_bytes(ctx, c, dir) - v6->ip_len);
    return ph_verdict(ctx, 0, vd);
  }
  pkt->len = v6->ip_len; /* link-layer padding is not part of the packet */
  ph_count(ctx, PINHOLE_CNT_EXIST_ACCEPT);
  return PINHOLE_VERDICT_FORWARD;
}

int pinhole__frag6(pinhole_ctx *ctx, pinhole_pkt *pkt,
                   const pinhole_pkt6_view *v6, int side) {
  if (v6->flags & PINHOLE_PKT6F_FIRST_FRAG)
    return ph_first6(ctx, pkt, v6, side);
  return ph_later6(ctx, pkt, v6, side);
}

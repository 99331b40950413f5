/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fragments: virtual reassembly (RFC 4787 REQ-14, RFC 791).
 *
 * Only a datagram's first fragment carries the ports, so it is translated
 * like any packet and, when it belongs to a connection, remembered by
 * (side, source, destination, identification, protocol). Later fragments
 * find that entry and get the same address translation; nothing is
 * buffered. Each entry records which byte ranges have passed, so an
 * overlapping fragment (the classic filter evasion, RFC 1858/3128) is
 * dropped and counted, a datagram longer than 65535 bytes is counted, and
 * an entry that times out before its datagram was complete is counted.
 *
 * A Watch connection's UDP datagram is reassembled instead, for its ALG
 * (core/frag_reasm.c): its entry holds the pieces (PH_FRAG_REASM). A later
 * UDP fragment that arrives before its first fragment is held the same way
 * (an orphan) until the first fragment says whose it is; without room to
 * hold it, it cannot be translated and is dropped (counted as such).
 */
#include "core/frag_reasm.h"
#include "pkt/bytes.h"

#include <string.h>

static uint32_t ph_frag_bucket(const pinhole_ctx *ctx, uint8_t proto,
                               uint32_t src, uint32_t dst, uint32_t id,
                               uint8_t v6) {
  pinhole_flow_key k = {src,          dst,
                        (uint16_t)id, (uint16_t)(id >> 16),
                        proto,        {(uint8_t)(1u + v6), 0, 0}};
  return (uint32_t)pinhole_flow_hash(&ctx->cfg.hash_key, &k) & ctx->frag_mask;
}

/* Does entry r (key fields equal) have k's full addresses? */
static int ph_frag_same6(const pinhole_ctx *ctx, ph_ref r,
                         const ph_frag_key *k) {
  const ph_frag6 *a = ph_frag6_at(ctx, r);
  return memcmp(a->src, k->src6, 16) == 0 && memcmp(a->dst, k->dst6, 16) == 0;
}

ph_ref pinhole__frag_find(const pinhole_ctx *ctx, int side,
                          const ph_frag_key *k) {
  uint32_t b = ph_frag_bucket(ctx, k->proto, k->src, k->dst, k->id, k->v6);
  for (ph_ref r = ctx->frag_hash[b]; r; r = ph_frag_at(ctx, r)->hnext) {
    const ph_frag *f = ph_frag_at(ctx, r);
    if (f->src == k->src && f->dst == k->dst && f->id == k->id &&
        f->proto == k->proto && f->side == side && f->v6 == k->v6 &&
        (!k->v6 || ph_frag_same6(ctx, r, k)) &&
        !ph_timer_passed(ctx, &f->timer))
      return r;
  }
  return 0;
}

void pinhole__frag_release(pinhole_ctx *ctx, ph_ref ref) {
  ph_frag *f = ph_frag_at(ctx, ref);
  uint32_t b = ph_frag_bucket(ctx, f->proto, f->src, f->dst, f->id, f->v6);
  for (uint32_t *pp = &ctx->frag_hash[b]; *pp;
       pp = &ph_frag_at(ctx, *pp)->hnext)
    if (*pp == ref) {
      *pp = f->hnext;
      break;
    }
  pinhole_wheel_cancel(&ctx->frag_wheel, ph_slot(ref));
  memset(f, 0, sizeof(*f));
  f->hnext = ctx->frag_free;
  ctx->frag_free = ref;
  ctx->nfrags--;
}

void pinhole__frag_free(pinhole_ctx *ctx, ph_ref ref, int expired) {
  ph_frag *f = ph_frag_at(ctx, ref);
  if (f->held != PH_NIL) {
    ph_ref h = f->held;
    if (expired) { /* counted and released by pinhole__frag_hold_lost */
      pinhole__hold_expire(ctx, h);
      return;
    }
    f->held = PH_NIL;
    pinhole__hold_free(ctx, h);
  } else if (expired && !f->complete) {
    ph_count(ctx, PINHOLE_CNT_ERR_IP);
    ph_count(ctx, PINHOLE_CNT_IP_FRAG_TIMEOUT);
  }
  pinhole__frag_release(ctx, ref);
}

int pinhole__frag_mark(ph_frag *f, uint32_t lo, uint32_t hi) {
  for (uint32_t i = 0; i < f->nranges; i++)
    if (lo < f->hi[i] && f->lo[i] < hi)
      return -1;
  /* merge with neighbours, else append (at most PH_FRAG_RANGES pieces are
   * tracked; past that, later pieces still pass but are not checked) */
  for (uint32_t i = 0; i < f->nranges; i++) {
    if (f->hi[i] == lo) {
      f->hi[i] = (uint16_t)hi;
      return 0;
    }
    if (f->lo[i] == hi) {
      f->lo[i] = (uint16_t)lo;
      return 0;
    }
  }
  if (f->nranges < PH_FRAG_RANGES) {
    f->lo[f->nranges] = (uint16_t)lo;
    f->hi[f->nranges] = (uint16_t)hi;
    f->nranges++;
  }
  return 0;
}

static void ph_frag_check_complete(ph_frag *f) {
  if (!f->have_last)
    return;
  /* complete when the ranges join into [0, total) */
  uint32_t upto = 0;
  for (int progress = 1; progress;) {
    progress = 0;
    for (uint32_t i = 0; i < f->nranges; i++)
      if (f->lo[i] <= upto && f->hi[i] > upto) {
        upto = f->hi[i];
        progress = 1;
      }
  }
  f->complete = upto >= f->total;
}

void pinhole__frag_seen_whole(ph_frag *f) {
  ph_frag_check_complete(f);
}

void pinhole__frag_settle(pinhole_ctx *ctx, ph_ref r) {
  ph_frag *f = ph_frag_at(ctx, r);
  ph_frag_check_complete(f);
  if (f->complete)
    pinhole__frag_free(ctx, r, 0);
}

ph_ref pinhole__frag_new(pinhole_ctx *ctx, int side, const ph_frag_key *k,
                         uint32_t timeout_ms) {
  if (ctx->frag_free == 0 || (k->v6 && ctx->frag6 == NULL))
    return PH_NIL;
  ph_ref r = ctx->frag_free;
  ph_frag *f = ph_frag_at(ctx, r);
  ctx->frag_free = f->hnext;
  memset(f, 0, sizeof(*f));
  f->src = k->src;
  f->dst = k->dst;
  f->id = k->id;
  f->proto = k->proto;
  f->side = (uint8_t)side;
  f->v6 = k->v6;
  if (k->v6) {
    memcpy(ph_frag6_at(ctx, r)->src, k->src6, 16);
    memcpy(ph_frag6_at(ctx, r)->dst, k->dst6, 16);
  }
  uint32_t b = ph_frag_bucket(ctx, f->proto, f->src, f->dst, f->id, f->v6);
  f->hnext = ctx->frag_hash[b];
  ctx->frag_hash[b] = r;
  ctx->nfrags++;
  pinhole_wheel_arm(&ctx->frag_wheel, ph_slot(r),
                    ph_deadline(ctx->now_ns, (uint64_t)timeout_ms * 1000000u));
  return r;
}

void pinhole__frag_first(pinhole_ctx *ctx, int side, const pinhole_pkt_view *v,
                         const uint8_t *pkt, ph_conn *c, int dir) {
  ph_frag_key k;
  ph_frag_key4(&k, v);
  ph_ref r = pinhole__frag_find(ctx, side, &k);
  if (r != PH_NIL) {
    if (ph_frag_at(ctx, r)->mode == PH_FRAG_REASM &&
        ph_frag_at(ctx, r)->conn == PH_NIL) /* its later pieces came first */
      pinhole__reasm_release_virtual(ctx, r, pkt, c, dir);
    return;
  }
  if ((r = pinhole__frag_new(ctx, side, &k, ctx->cfg.frag_timeout_ms)) == 0)
    return;
  ph_frag *f = ph_frag_at(ctx, r);
  f->conn = ph_conn_ref(ctx, c);
  f->dir = (uint8_t)dir;
  f->x64 = (uint8_t)ph_conn_is6(ctx, c);
  pinhole__frag_mark(f, 0, (uint32_t)v->ip_len - v->ihl);
}

/* Is live connection c still the one entry f's first fragment matched? */
static int ph_frag_owner(const pinhole_ctx *ctx, const ph_frag *f,
                         const ph_conn *c) {
  ph_tuple t = ph_conn_tuple(ctx, c, f->dir);
  const ph_tuple *from = &t;
  /* an IPv4 entry of an IPv6 slot: NAT64's IPv4 side (core/nat64.c) */
  int is6 = ph_conn_is6(ctx, c);
  if (!(c->flags & PH_CONN_LIVE) || from->src != f->src ||
      from->dst != f->dst || (f->v6 ? !is6 : is6 && !(f->x64 && f->dir == 1)))
    return 0;
  if (!f->v6)
    return c->proto == f->proto;
  const ph_frag6 *a = ph_frag6_at(ctx, ph_ref_of((uint32_t)(f - ctx->frags)));
  return c->proto == f->l4_6_ &&
         memcmp(ph_conn6_addr(ctx, c, f->dir, 0), a->src, 16) == 0 &&
         memcmp(ph_conn6_addr(ctx, c, f->dir, 1), a->dst, 16) == 0;
}

ph_conn *pinhole__frag_conn(pinhole_ctx *ctx, ph_ref r) {
  ph_frag *f = ph_frag_at(ctx, r);
  if (f->conn == PH_NIL)
    return NULL;
  ph_conn *c = ph_conn_at(ctx, f->conn);
  if (ph_frag_owner(ctx, f, c) && ph_conn_stale(ctx, c))
    pinhole__conn_expire(ctx, c); /* past its deadline: dead */
  if (!ph_frag_owner(ctx, f, c))
    return NULL; /* the connection is gone (or its slot was reused) */
  return c;
}

/* Does piece [lo, hi) (last: the datagram's end) disagree with the end
 * entry f knows, or with pieces past it? */
static int ph_frag_end_bad(const ph_frag *f, uint32_t hi, int last) {
  if (f->have_last && (hi > f->total || (last && hi != f->total)))
    return 1;
  for (uint32_t i = 0; last && i < f->nranges; i++)
    if (f->hi[i] > hi)
      return 1;
  return 0;
}

ph_conn *pinhole__frag_pass(pinhole_ctx *ctx, ph_ref r, uint32_t lo,
                            uint32_t hi, int last, uint32_t ip_len, int *dir) {
  ph_frag *f = ph_frag_at(ctx, r);
  /* NAT64's IPv4 pieces leave as IPv6 fragments: IPv6's rules */
  int strict = f->v6 || f->x64;
  if ((strict && ph_frag_end_bad(f, hi, last)) ||
      pinhole__frag_mark(f, lo, hi) != 0) {
    ph_count(ctx, PINHOLE_CNT_ERR_IP);
    ph_count(ctx, PINHOLE_CNT_IP_FRAG_OVERLAP);
    if (strict) { /* RFC 5722: the whole datagram, and what follows */
      f->mode = PH_FRAG_DEAD;
      f->complete = 1;
    }
    return NULL;
  }
  ph_conn *c = pinhole__frag_conn(ctx, r);
  if (c == NULL) {
    pinhole__frag_free(ctx, r, 0);
    ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    return NULL;
  }
  if (last) {
    f->have_last = 1;
    f->total = (uint16_t)hi;
  }
  *dir = f->dir;
  ph_conn_count(ctx, c, f->dir, ip_len);
  ph_frag_check_complete(f);
  if (f->complete)
    pinhole__frag_free(ctx, r, 0);
  return c;
}

int pinhole__frag_forward(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                          pinhole_pkt_view *v) {
  uint32_t lo = v->frag_off, hi = lo + (uint32_t)v->ip_len - v->ihl;
  int last = !(ph_get16(pkt->data + 6) & 0x2000); /* MF clear */
  int dir;
  ph_conn *c = pinhole__frag_pass(ctx, r, lo, hi, last, v->ip_len, &dir);
  if (c == NULL)
    return PINHOLE_VERDICT_DROP;
  if (ph_conn_is6(ctx, c)) /* NAT64: to IPv6 (core/nat64.c) */
    return pinhole__nat64_frag4(ctx, pkt, v, c);
  pinhole__translate(ctx, pkt->data, v, c, dir, 0);
  pkt->len = v->ip_len;
  ph_count(ctx, PINHOLE_CNT_EXIST_ACCEPT);
  return (c->flags & PH_CONN_HAIRPIN) ? PINHOLE_VERDICT_HAIRPIN
                                      : PINHOLE_VERDICT_FORWARD;
}

int pinhole__frag_later(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                        int side) {
  ph_frag_key k;
  ph_frag_key4(&k, v);
  ph_ref r = pinhole__frag_find(ctx, side, &k);
  if (r == 0) {
    int vd = v->proto == PINHOLE_IPPROTO_UDP
                 ? pinhole__reasm_orphan(ctx, pkt, v, side)
                 : -1;
    if (vd >= 0)
      return vd;
    ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    return PINHOLE_VERDICT_DROP;
  }
  if (ph_frag_at(ctx, r)->mode == PH_FRAG_REASM)
    return pinhole__reasm_later(ctx, r, pkt, v);
  if (ph_frag_at(ctx, r)->mode == PH_FRAG_DEAD) {
    ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    return PINHOLE_VERDICT_DROP;
  }
  return pinhole__frag_forward(ctx, r, pkt, v);
}

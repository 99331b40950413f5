/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Connections and conversations: creation, lookup by either direction's
 * tuple, watch slots, release, and the tick's run of the connections'
 * wheel (its hooks free connections inline).
 *
 * A connection is in the flow table twice: reference (index << 1 | 0) under
 * the hash of its side-A tuple and (index << 1 | 1) under its side-B tuple.
 */
#include "core/engine.h"
#include "core/alg_call.h"
#include "flow/hash_internal.h"
#include "timer/cwheel_run.h"

#include <stddef.h>
#include <string.h>

uint64_t pinhole__key_hash(const pinhole_ctx *ctx, uint8_t proto, uint32_t src,
                           uint32_t dst, uint16_t sport, uint16_t dport) {
  return ph_ft_hash(&ctx->ft, proto, src, dst, sport, dport);
}

/* The source port a key is filed under: a GRE packet carries no source
 * call ID (its key holds the receiver's), so a GRE connection's keys are
 * (addresses, 0, the receiver's call ID) and its tuples' sport only says
 * what the translation writes. */
static inline uint16_t ph_key_sport(uint8_t proto, uint16_t sport) {
  return proto == PINHOLE_IPPROTO_GRE ? 0 : sport;
}

/* A GRE key whose call ID is not known yet (0) is not filed: packets
 * towards that side have no flow until pinhole__gre_set_peer(). */
static inline int ph_key_filed(uint8_t proto, const ph_tuple *t) {
  return proto != PINHOLE_IPPROTO_GRE || t->dport != 0;
}

static uint64_t ph_conn_key(const pinhole_ctx *ctx, uint8_t proto,
                            const ph_tuple *t) {
  return pinhole__key_hash(ctx, proto, t->src, t->dst,
                           ph_key_sport(proto, t->sport), t->dport);
}

ph_conn *pinhole__conn_lookup(pinhole_ctx *ctx, uint8_t proto, uint32_t src,
                              uint32_t dst, uint16_t sport, uint16_t dport,
                              uint64_t h, int *dir) {
  return ph_conn_find(ctx, proto, src, dst, sport, dport, h, dir);
}

/* The GRE connection filed under (src, dst, 0, call_id): as packets
 * arrive (tuple src, dst, receiver's call ID), or, quoted, as they leave
 * (the tuple's dst, src, sender's call ID; pinhole__gre_file_quotes). */
static ph_conn *ph_gre_find(pinhole_ctx *ctx, uint32_t src, uint32_t dst,
                            uint16_t call_id, int quoted, int *dir) {
  uint64_t h =
      pinhole__key_hash(ctx, PINHOLE_IPPROTO_GRE, src, dst, 0, call_id);
  ph_ft_iter it;
  ph_ft_iter_init(&ctx->ft, h, &it);
  for (uint32_t ref; (ref = ph_ft_next(&ctx->ft, &it)) != UINT32_MAX;) {
    ph_conn *c = &ctx->conns[ref >> 1];
    const ph_tuple *t = (ref & 1) ? &c->b : &c->a;
    if (c->proto != PINHOLE_IPPROTO_GRE)
      continue;
    int hit = quoted ? (c->flags & PH_CONN_GRE_QUOTES) && t->dst == src &&
                           t->src == dst && t->sport == call_id
                     : t->src == src && t->dst == dst && t->dport == call_id;
    if (!hit)
      continue;
    if (ph_conn_stale(ctx, c)) {
      pinhole__conn_expire(ctx, c);
      return NULL;
    }
    *dir = (int)(ref & 1);
    return c;
  }
  return NULL;
}

ph_conn *pinhole__gre_lookup(pinhole_ctx *ctx, uint32_t src, uint32_t dst,
                             uint16_t call_id, int *dir) {
  return ph_gre_find(ctx, src, dst, call_id, 0, dir);
}

int pinhole__gre_set_peer(pinhole_ctx *ctx, ph_conn *c, uint16_t call_id) {
  int dir;
  if (c->proto != PINHOLE_IPPROTO_GRE || call_id == 0 || c->a.dport != 0)
    return PINHOLE_ERR_INVALID_ARG;
  if (pinhole__gre_lookup(ctx, c->a.src, c->a.dst, call_id, &dir) != NULL)
    return PINHOLE_ERR_EXISTS;
  ph_tuple a = c->a;
  a.dport = call_id;
  uint32_t idx = ph_conn_idx(ctx, c);
  if (pinhole__ft_insert(&ctx->ft, ph_conn_key(ctx, c->proto, &a), idx << 1))
    return PINHOLE_ERR_FULL;
  c->a.dport = call_id;
  c->b.sport = call_id;
  pinhole__gre_file_quotes(ctx, c);
  return 0;
}

/* A GRE tuple's packets as they leave towards the other side's receiver:
 * (its destination there, its source there, 0, the receiver's call ID). */
static uint64_t ph_gre_quote_key(const pinhole_ctx *ctx, const ph_tuple *t) {
  return pinhole__key_hash(ctx, PINHOLE_IPPROTO_GRE, t->dst, t->src, 0,
                           t->sport);
}

void pinhole__gre_file_quotes(pinhole_ctx *ctx, ph_conn *c) {
  if (c->proto != PINHOLE_IPPROTO_GRE || c->a.dport == 0 || c->b.sport == 0 ||
      (c->flags & PH_CONN_GRE_QUOTES))
    return;
  uint32_t idx = ph_conn_idx(ctx, c);
  uint64_t hb = ph_gre_quote_key(ctx, &c->b), ha = ph_gre_quote_key(ctx, &c->a);
  if (pinhole__ft_insert(&ctx->ft, hb, idx << 1 | 1) != 0)
    return;
  if (pinhole__ft_insert(&ctx->ft, ha, idx << 1) != 0) {
    pinhole__ft_remove(&ctx->ft, hb, idx << 1 | 1);
    return;
  }
  c->flags |= PH_CONN_GRE_QUOTES;
}

ph_conn *pinhole__gre_quote_lookup(pinhole_ctx *ctx, uint32_t src, uint32_t dst,
                                   uint16_t call_id, int *dir) {
  return ph_gre_find(ctx, src, dst, call_id, 1, dir);
}

/* ---- the live list of conversations (ph_convh) ------------------------ */

static ph_convh *ph_list_prev(pinhole_ctx *ctx, ph_convh h) {
  return ph_convh_plain(h) ? &ph_cold_at(ctx, ph_convh_conn(h))->own_prev
                           : &ph_conv_at(ctx, h)->prev;
}

static ph_convh *ph_list_next(pinhole_ctx *ctx, ph_convh h) {
  return ph_convh_plain(h) ? &ph_cold_at(ctx, ph_convh_conn(h))->own_next
                           : &ph_conv_at(ctx, h)->next;
}

/* Links h in after at (PH_NIL: at the head). */
static void ph_list_insert(pinhole_ctx *ctx, ph_convh at, ph_convh h) {
  ph_convh next = at ? *ph_list_next(ctx, at) : ctx->conv_head;
  *ph_list_prev(ctx, h) = at;
  *ph_list_next(ctx, h) = next;
  if (at)
    *ph_list_next(ctx, at) = h;
  else
    ctx->conv_head = h;
  if (next)
    *ph_list_prev(ctx, next) = h;
  else
    ctx->conv_tail = h;
}

/* Unlinks the entry whose links are prev and next (read by the caller:
 * the free has them in the cold part at hand). */
static inline void ph_list_unlink_links(pinhole_ctx *ctx, ph_convh prev,
                                        ph_convh next) {
  if (prev)
    *ph_list_next(ctx, prev) = next;
  else
    ctx->conv_head = next;
  if (next)
    *ph_list_prev(ctx, next) = prev;
  else
    ctx->conv_tail = prev;
}

static inline void ph_list_unlink(pinhole_ctx *ctx, ph_convh h) {
  ph_list_unlink_links(ctx, *ph_list_prev(ctx, h), *ph_list_next(ctx, h));
}

/* The next conversation id (ascending, never 0). */
static uint32_t ph_conv_id_take(pinhole_ctx *ctx) {
  uint32_t id = ctx->next_conv_id++;
  if (ctx->next_conv_id == 0)
    ctx->next_conv_id = 1;
  return id;
}

/* Does id keep the live list's order after at (PH_NIL: as its head)?
 * Walking from the head, each id lies further from the head's id than
 * the one before, counting up across the wrap (what export writes and
 * import checks, state.c). */
static int ph_place_ok(pinhole_ctx *ctx, ph_convh at, uint32_t id) {
  ph_convh head = ctx->conv_head;
  if (head == PH_NIL)
    return 1;
  uint32_t h0 = ph_convh_id(ctx, head);
  uint32_t top = ph_convh_id(ctx, ctx->conv_tail);
  if (at == PH_NIL) /* the new head: the old span and its step to it */
    return top - id > top - h0;
  ph_convh nx = *ph_list_next(ctx, at);
  return id - h0 > ph_convh_id(ctx, at) - h0 &&
         (nx == PH_NIL || id - h0 < ph_convh_id(ctx, nx) - h0);
}

void pinhole__conv_place(pinhole_ctx *ctx, ph_convh h, uint32_t id,
                         ph_convh after) {
  if (ph_convh_plain(h))
    ph_cold_at(ctx, ph_convh_conn(h))->own_id = id;
  else
    ph_conv_at(ctx, h)->id = id;
  ph_list_unlink(ctx, h);
  ph_convh at = ctx->conv_tail;
  if (after == PH_PLACE_HEAD) {
    at = PH_NIL;
  } else if (after != PH_NIL && after != h) {
    /* forward from after, counting ids up from its (across the wrap):
     * the list holds creation order, whatever the span of its ids */
    uint32_t base = ph_convh_id(ctx, after);
    at = after;
    for (ph_convh nx = *ph_list_next(ctx, at);
         nx && ph_convh_id(ctx, nx) - base < id - base;
         nx = *ph_list_next(ctx, at))
      at = nx;
  } else if (at && (int32_t)(id - ph_convh_id(ctx, at)) < 0) {
    /* back from the tail, counting ages down from its id */
    uint32_t top = ph_convh_id(ctx, at);
    while (at && top - ph_convh_id(ctx, at) < top - id)
      at = *ph_list_prev(ctx, at);
  }
  if (!ph_place_ok(ctx, at, id)) {
    /* a blob whose order the standby's own conversations contradict
     * (its ids are the active's, so only a crafted or corrupt one): by
     * id counted from the head, so that what the standby holds still
     * exports as a blob a standby takes */
    uint32_t h0 = ph_convh_id(ctx, ctx->conv_head);
    at = ctx->conv_tail;
    while (at != ctx->conv_head && ph_convh_id(ctx, at) - h0 > id - h0)
      at = *ph_list_prev(ctx, at);
  }
  ph_list_insert(ctx, at, h);
}

ph_convh pinhole__conv_prev(pinhole_ctx *ctx, ph_convh h) {
  return *ph_list_prev(ctx, h);
}

ph_ref pinhole__conv_new(pinhole_ctx *ctx, uint8_t alg, uint8_t a_side) {
  ph_ref r = ctx->conv_free;
  if (r == 0)
    return PH_NIL;
  ph_conv *cv = ph_conv_at(ctx, r);
  ctx->conv_free = cv->next;
  memset(cv, 0, sizeof(*cv));
  cv->id = ph_conv_id_take(ctx);
  cv->alg = alg;
  cv->a_side = a_side;
  cv->live = 1;
  ph_list_insert(ctx, ctx->conv_tail, r);
  ctx->nconvs++;
  ctx->nconv_recs++;
  return r;
}

void pinhole__conv_maybe_free(pinhole_ctx *ctx, ph_ref r) {
  ph_conv *cv = ph_conv_at(ctx, r);
  if (!cv->live || cv->nconns != 0 || cv->npinholes != 0)
    return;
  ph_list_unlink(ctx, r);
  cv->live = 0;
  pinhole__sync_deleted(ctx, cv->id);
  cv->next = ctx->conv_free;
  ctx->conv_free = r;
  ctx->nconvs--;
  ctx->nconv_recs--;
}

/* Files new connection slot r in conversation conv, or (PH_NIL) makes it
 * a plain connection, a conversation of its own at the list's tail.
 * Inline in ph_conn_new_body (out of line it cost the burst's new flow a
 * call and the cold part's address again: -3 instructions, new13). */
static inline __attribute__((always_inline)) void
ph_conn_join(pinhole_ctx *ctx, ph_ref r, ph_ref conv) {
  ph_conn_cold *k = ph_cold_at(ctx, r);
  if (conv == PH_NIL) { /* at the tail; k was zeroed (own_next) */
    ph_convh h = ph_convh_of_conn(r), tail = ctx->conv_tail;
    k->own_id = ph_conv_id_take(ctx);
    k->own_prev = tail;
    if (tail)
      *ph_list_next(ctx, tail) = h;
    else
      ctx->conv_head = h;
    ctx->conv_tail = h;
    ctx->nconvs++;
    return;
  }
  k->conv = conv;
  k->conv_next = PH_NIL;
  k->conv_mark = PH_CONVH_REC;
  ph_conv *cv = ph_conv_at(ctx, conv);
  if (cv->last)
    ph_cold_at(ctx, cv->last)->conv_next = r;
  else
    cv->first = r;
  cv->last = r;
  cv->nconns++;
}

/* A connection refused (no slot, or its keys not filed): NULL. A plain
 * one still took its conversation id, as it always did (the id came with
 * the conversation made before it), so that later ids stay the same. */
static ph_conn *ph_conn_refused(pinhole_ctx *ctx, ph_ref conv) {
  if (conv == PH_NIL)
    (void)ph_conv_id_take(ctx);
  return NULL;
}

/* The free list a new connection of proto takes its slot from: TCP only
 * from the slots with windows (*freep), the others from those without
 * (*xfreep) while there are any. NULL: none left, a TCP connection's
 * refusal counted when slots without windows were left. */
static ph_ref *ph_free_list(pinhole_ctx *ctx, ph_ref *freep, ph_ref *xfreep,
                            uint8_t proto) {
  if (proto != PINHOLE_IPPROTO_TCP && *xfreep != 0)
    return xfreep;
  if (*freep != 0)
    return freep;
  if (proto == PINHOLE_IPPROTO_TCP && *xfreep != 0)
    ph_count(ctx, PINHOLE_CNT_DROP_TCP_FULL);
  return NULL;
}

/* A new connection from free lists *freep, *xfreep (ph_free_list), filed
 * in ft (IPv4: ctx->ft and conn_free; IPv6: ctx->ft6 and conn6_free,
 * core/flows6.c), its keys' hashes ha, hb given. */
static inline __attribute__((always_inline)) ph_conn *
ph_conn_new_body(pinhole_ctx *ctx, ph_flow_table *ft, ph_flow_table *ftb,
                 ph_ref *freep, ph_ref *xfreep, ph_ref conv, uint8_t proto,
                 uint8_t a_side, const ph_tuple *a, const ph_tuple *b,
                 uint64_t ha, uint64_t hb) {
  freep = ph_free_list(ctx, freep, xfreep, proto);
  if (freep == NULL)
    return ph_conn_refused(ctx, conv);
  ph_ref r = *freep;
  uint32_t idx = ph_slot(r);
  ph_conn *c = ph_conn_at(ctx, r);
  ph_conn_cold *k = ph_cold_at(ctx, r);
  uint32_t next_free = k->conv_next;
  int fa = ph_key_filed(proto, a), fb = ph_key_filed(proto, b);
  if (fa && pinhole__ft_insert(ft, ha, idx << 1) != 0)
    return ph_conn_refused(ctx, conv);
  if (fb && pinhole__ft_insert(ftb, hb, idx << 1 | 1) != 0) {
    if (fa)
      pinhole__ft_remove(ft, ha, idx << 1);
    return ph_conn_refused(ctx, conv);
  }
  *freep = next_free;
  if (next_free != PH_NIL) { /* the next new connection's slot, a call early */
    __builtin_prefetch(ph_conn_at(ctx, next_free));
    __builtin_prefetch(ph_cold_at(ctx, next_free));
  }
  if (freep != xfreep)
    ctx->ntcp_used[ft == &ctx->ft6]++;
  memset(c, 0, sizeof(*c));
  memset(k, 0, sizeof(*k));
  if (proto == PINHOLE_IPPROTO_TCP)
    memset(ph_tcpw_of(ctx, c), 0, sizeof(ph_tcpw));
  c->a = *a;
  c->b = *b;
  c->proto = proto;
  c->a_side = a_side;
  c->flags = PH_CONN_LIVE;
  c->last_seen = ctx->now_tick;
  ph_conn_join(ctx, r, conv);
  ctx->nconns++;
  return c;
}

/* The above, out of line for every caller but the burst's new flow
 * (pinhole__conn_new_keyed, which takes it inline: one call less). */
static __attribute__((noinline)) ph_conn *
ph_conn_new_in(pinhole_ctx *ctx, ph_flow_table *ft, ph_flow_table *ftb,
               ph_ref *freep, ph_ref *xfreep, ph_ref conv, uint8_t proto,
               uint8_t a_side, const ph_tuple *a, const ph_tuple *b,
               uint64_t ha, uint64_t hb) {
  return ph_conn_new_body(ctx, ft, ftb, freep, xfreep, conv, proto, a_side, a,
                          b, ha, hb);
}

ph_conn *pinhole__conn_new(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                           uint8_t a_side, const ph_tuple *a,
                           const ph_tuple *b) {
  if (ctx->conn_free == 0 && ctx->conn_free_x == 0)
    return ph_conn_refused(ctx, conv);
  return ph_conn_new_in(ctx, &ctx->ft, &ctx->ft, &ctx->conn_free,
                        &ctx->conn_free_x, conv, proto, a_side, a, b,
                        ph_conn_key(ctx, proto, a), ph_conn_key(ctx, proto, b));
}

uint64_t pinhole__conn_new_prefetch(const pinhole_ctx *ctx, uint8_t proto,
                                    const ph_tuple *b) {
  uint64_t hb = ph_conn_key(ctx, proto, b);
  if (ph_key_filed(proto, b))
    ph_ft_prefetch(&ctx->ft, hb);
  /* the slot ph_free_list would give (without counting a refusal) */
  ph_ref r = proto != PINHOLE_IPPROTO_TCP && ctx->conn_free_x != 0
                 ? ctx->conn_free_x
                 : ctx->conn_free;
  if (r != PH_NIL) {
    __builtin_prefetch(ph_conn_at(ctx, r));
    __builtin_prefetch(ph_cold_at(ctx, r));
  }
  return hb;
}

ph_conn *pinhole__conn_new_hashed(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                                  uint8_t a_side, const ph_tuple *a,
                                  const ph_tuple *b, uint64_t h, int h_side) {
  if (ctx->conn_free == 0 && ctx->conn_free_x == 0)
    return ph_conn_refused(ctx, conv);
  uint64_t ha = h_side ? ph_conn_key(ctx, proto, a) : h;
  uint64_t hb = h_side ? h : ph_conn_key(ctx, proto, b);
  return ph_conn_new_in(ctx, &ctx->ft, &ctx->ft, &ctx->conn_free,
                        &ctx->conn_free_x, conv, proto, a_side, a, b, ha, hb);
}

ph_conn *pinhole__conn_new_keyed(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                                 uint8_t a_side, const ph_tuple *a,
                                 const ph_tuple *b, uint64_t ha, uint64_t hb) {
  /* no test of both free lists first: ph_free_list refuses alike */
  return ph_conn_new_body(ctx, &ctx->ft, &ctx->ft, &ctx->conn_free,
                          &ctx->conn_free_x, conv, proto, a_side, a, b, ha, hb);
}

/* An IPv6 slot (past max_flows), side A's key ha filed in ft6 and side
 * B's hb in ftb (ft6, or ft for NAT64, whose side B is IPv4), counted. */
static ph_conn *ph_conn_new6_in(pinhole_ctx *ctx, ph_flow_table *ftb,
                                ph_ref conv, uint8_t proto, uint8_t a_side,
                                const ph_tuple *a, const ph_tuple *b,
                                uint64_t ha, uint64_t hb) {
  if (ctx->conn6_free == 0 && ctx->conn6_free_x == 0)
    return ph_conn_refused(ctx, conv);
  ph_conn *c =
      ph_conn_new_in(ctx, &ctx->ft6, ftb, &ctx->conn6_free, &ctx->conn6_free_x,
                     conv, proto, a_side, a, b, ha, hb);
  if (c != NULL)
    ctx->nconns6++;
  return c;
}

/* Does side B of a connection with these tuples and addresses mirror
 * side A (the IPv6 firewall: nothing translated)? */
static int ph_mirror6(const ph_tuple *a, const ph_tuple *b,
                      const uint8_t a_src[16], const uint8_t a_dst[16],
                      const uint8_t b_src[16], const uint8_t b_dst[16]) {
  return b->sport == a->dport && b->dport == a->sport &&
         memcmp(b_src, a_dst, 16) == 0 && memcmp(b_dst, a_src, 16) == 0;
}

ph_conn *pinhole__conn_new6(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                            uint8_t a_side, const ph_tuple *a,
                            const ph_tuple *b, const uint8_t a_src[16],
                            const uint8_t a_dst[16], const uint8_t b_src[16],
                            const uint8_t b_dst[16]) {
  ph_conn *c = ph_conn_new6_in(
      ctx, &ctx->ft6, conv, proto, a_side, a, b,
      pinhole__hash6(ctx, proto, a_src, a_dst, a->sport, a->dport),
      pinhole__hash6(ctx, proto, b_src, b_dst, b->sport, b->dport));
  if (c == NULL)
    return NULL;
  ph_conn6 *c6 = ph_conn6_of(ctx, c);
  memset(c6, 0, sizeof(*c6));
  if (ph_mirror6(a, b, a_src, a_dst, b_src, b_dst)) { /* ctx.h: line form */
    uint16_t sport = a->sport, dport = a->dport;
    memcpy(c->a_src6, a_src, 16);
    memcpy(c->a_dst6, a_dst, 16);
    c->bytes_lo[0] = c->bytes_lo[1] = 0;
    c->a_sport6 = sport;
    c->a_dport6 = dport;
    c->form6 = PH_FORM6_LINE;
    return c;
  }
  memcpy(c6->a_src, a_src, 16);
  memcpy(c6->a_dst, a_dst, 16);
  memcpy(c6->b_src, b_src, 16);
  memcpy(c6->b_dst, b_dst, 16);
  return c;
}

ph_conn *pinhole__conn_new64(pinhole_ctx *ctx, ph_ref conv, uint8_t proto,
                             uint8_t a_side, const ph_tuple *a,
                             const ph_tuple *b, const uint8_t a_src[16],
                             const uint8_t a_dst[16], const uint8_t b_src[16],
                             const uint8_t b_dst[16]) {
  ph_conn *c = ph_conn_new6_in(
      ctx, &ctx->ft, conv, proto, a_side, a, b,
      pinhole__hash6(ctx, proto, a_src, a_dst, a->sport, a->dport),
      ph_conn_key(ctx, proto, b));
  if (c == NULL)
    return NULL;
  ph_conn6 *c6 = ph_conn6_of(ctx, c);
  memcpy(c6->a_src, a_src, 16);
  memcpy(c6->a_dst, a_dst, 16);
  memcpy(c6->b_src, b_src, 16);
  memcpy(c6->b_dst, b_dst, 16);
  return c;
}

int pinhole__conn_watch(pinhole_ctx *ctx, ph_conn *c, uint8_t alg) {
  ph_ref r = ctx->watch_free;
  if (r == 0)
    return PINHOLE_ERR_FULL;
  ph_watch *w = ph_watch_at(ctx, r);
  ctx->watch_free = w->free_next;
  memset(w, 0, sizeof(*w));
  w->conn = ph_conn_ref(ctx, c);
  ph_conn_set_watch(ctx, c, r);
  c->alg = alg;
  c->flags |= PH_CONN_WATCH;
  ctx->nwatch++;
  return 0;
}

/* The idle timeout of a connection's protocol and state. */
static uint32_t ph_state_timeout(const pinhole_ctx *ctx, const ph_conn *c) {
  switch (c->proto) {
  case PINHOLE_IPPROTO_TCP:
    switch (c->tcp_state) {
    case PH_TCP_ESTABLISHED:
      return ctx->to[PH_TO_EST];
    case PH_TCP_FIN_WAIT:
    case PH_TCP_CLOSING:
      return ctx->to[PH_TO_TRANS];
    case PH_TCP_CLOSED:
      return ctx->to[PH_TO_CLOSED];
    default:
      return ctx->to[PH_TO_SYN];
    }
  case PINHOLE_IPPROTO_GRE: /* a PPTP call's data; closed: call cleared */
    return c->tcp_state == PH_TCP_CLOSED ? ctx->to[PH_TO_CLOSED]
                                         : ctx->to[PH_TO_GRE];
  case PINHOLE_IPPROTO_UDP:
    /* a media flow whose dialog ended */
    return c->tcp_state == PH_TCP_CLOSED ? ctx->to[PH_TO_CLOSED]
                                         : ctx->to[PH_TO_UDP];
  default:
    return ctx->to[PH_TO_ICMP];
  }
}

static inline uint32_t ph_conn_timeout(const pinhole_ctx *ctx,
                                       const ph_conn *c) {
  uint32_t to = ph_state_timeout(ctx, c);
  /* an ALG may keep its control connection longer (a registration) */
  ph_ref wr = ph_conn_watch(ctx, c);
  if (wr && c->tcp_state != PH_TCP_CLOSED) {
    uint32_t keep = ph_watch_at(ctx, wr)->keep_ticks;
    if (keep > to)
      to = keep;
  }
  return to;
}

uint32_t pinhole__conn_timeout(const pinhole_ctx *ctx, const ph_conn *c) {
  return ph_conn_timeout(ctx, c);
}

/* When connection c's timer is due: timeout ticks after its last packet,
 * or now if that has passed. */
static inline uint64_t ph_conn_due_ns(const pinhole_ctx *ctx, const ph_conn *c,
                                      uint32_t timeout) {
  int32_t ahead = (int32_t)(c->last_seen + timeout - ctx->now_tick);
  uint64_t at = ctx->now_ns;
  if (ahead > 0)
    at = ph_deadline(at, (uint64_t)ahead << ctx->tick_shift);
  return at;
}

void pinhole__conn_touch_timer(pinhole_ctx *ctx, ph_conn *c) {
  pinhole__cwheel_arm(&ctx->conn_wheel, ph_conn_idx(ctx, c),
                      ph_conn_due_ns(ctx, c, pinhole__conn_timeout(ctx, c)));
}

void pinhole__conn_arm_new(pinhole_ctx *ctx, ph_conn *c) {
  uint32_t idx = ph_conn_idx(ctx, c);
  if (__builtin_expect(ph_ctimer_armed(&ctx->cold[idx].timer), 0)) {
    pinhole__conn_touch_timer(ctx, c); /* (an event's host armed it) */
    return;
  }
  /* ph_conn_timeout without the ALG's keep: a watch just made keeps
   * nothing (pinhole__conn_watch zeroes it; only its ALG's packets set
   * it), so its state's timeout is the connection's */
  pinhole__cwheel_arm_new(&ctx->conn_wheel, idx,
                          ph_conn_due_ns(ctx, c, ph_state_timeout(ctx, c)));
}

/* A prefetch of every line at address p of n bytes (it need not start a
 * line): integer arithmetic, a prefetch never faults. */
static inline void ph_prefetch_span(const void *p, size_t n) {
  for (size_t off = 0; off < n; off += 64)
    __builtin_prefetch((const uint8_t *)p + off);
  __builtin_prefetch((const uint8_t *)p + n - 1);
}

/* The address of slot r of a table of n-byte records at base (r may be
 * PH_NIL: an address nobody reads, for a prefetch only). */
static inline const void *ph_slot_addr(const void *base, ph_ref r, size_t n) {
  return (const void *)((uintptr_t)base + (uintptr_t)ph_slot(r) * n);
}

/* The line conversation handle h lives in: a plain connection's cold
 * part or a ph_conv record (a prefetch never faults, 0 included). */
static void ph_prefetch_convh(const pinhole_ctx *ctx, ph_convh h) {
  if (ph_convh_plain(h))
    __builtin_prefetch(
        ph_slot_addr(ctx->cold, ph_convh_conn(h), sizeof(ph_conn_cold)));
  else
    __builtin_prefetch(ph_slot_addr(ctx->convs, h, sizeof(ph_conv)));
}

/* pinhole__conn_public; v6: ph_conn_is6(ctx, c). */
static inline int ph_conn_public(const pinhole_ctx *ctx, const ph_conn *c,
                                 int v6, uint32_t *addr, uint16_t *port) {
  if (!v6) {
    const ph_tuple *t = c->a_side == PINHOLE_SIDE_INSIDE ? &c->b : &c->a;
    *addr = t->dst;
    *port = t->dport;
    return 0;
  }
  return pinhole__conn_public(ctx, c, addr, port);
}

int pinhole__conn_public(const pinhole_ctx *ctx, const ph_conn *c,
                         uint32_t *addr, uint16_t *port) {
  if (!ph_conn_is6(ctx, c))
    return ph_conn_public(ctx, c, 0, addr, port);
  *port = c->b.dport;
  *addr = c->b.dst;
  if (!(c->flags & PH_CONN_HAIRPIN))
    return 0;
  return pinhole__nat64_prefix_of(ctx, ph_conn6_of(ctx, c)->b_dst, addr) < 0
             ? -1
             : 0;
}

/* Where an IPv4 connection's two keys are filed in ft: each one's home
 * line and signature (flow/table.h ph_ft_home, ph_ft_sig; [0] side A,
 * [1] side B), as expiry's look-ahead worked them out; and a mapped
 * one's public chain (ph_map_pbucket of ph_conn_public's endpoint), where
 * its mapping is. (The endpoint itself is read from its tuples again: 32
 * bytes an entry, a shift to index them.) */
typedef struct ph_conn_keys {
  ph_ft_bucket *home[2];
  uint16_t sig[2];
  uint32_t pbucket;
} ph_conn_keys;

/* ph_conn_key of a tuple of a connection that is not GRE (its key's
 * source port is its own): the two ports read as one word. */
_Static_assert(offsetof(ph_tuple, dport) == offsetof(ph_tuple, sport) + 2,
               "a tuple's ports are one word");
static inline uint64_t ph_conn_key_plain(const pinhole_ctx *ctx, uint8_t proto,
                                         const ph_tuple *t) {
  uint32_t ports; /* sport << 16 | dport, as ph_ft_hash takes them */
  memcpy(&ports, &t->sport, sizeof(ports));
#if !(defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
  ports = ports << 16 | ports >> 16; /* little-endian: dport was high */
#endif
  return ph_nh64(ctx->ft.nh, ctx->ft.mul, t->src, t->dst, ports, proto);
}

/* The look-ahead of expiry (timer/cwheel.h's hook): starts the loads that
 * freeing connection slot idx will make. Stage 0: its cold part and hot
 * line (from the index alone); stage 1, later: its mapping, conversation,
 * flow-table buckets and its conversation's neighbours, which need the
 * lines of stage 0. Only reads. Stage 1 of a live IPv4 connection whose
 * keys are both filed stores their places (and a mapped one's public
 * chain) in *hk and returns 1, for ph_conn_free_keyed while its tuples
 * stay the same; else 0. */
static inline int ph_conn_free_prefetch(const pinhole_ctx *ctx, uint32_t idx,
                                        int stage, ph_conn_keys *hk) {
  const ph_conn_cold *k = &ctx->cold[idx];
  const ph_conn *c = &ctx->conns[idx];
  if (stage == 0) {
    ph_conn_free_prefetch0(ctx, idx);
    return 0;
  }
  /* stage 1: both have had time to arrive. Its mapping's public chain
   * (IPv4; pinhole__conn_mapping finds it there), its buckets (IPv4
   * and its ft only; the rest is loaded in its turn), and a plain
   * connection's neighbours in the live list, which its freeing relinks
   * (an ALG session's: its conversation record). */
  if (!(c->flags & PH_CONN_LIVE))
    return 0;
  int rec = k->conv_mark == PH_CONVH_REC; /* in an ALG session's ph_conv */
  int keyed = 0;
  int v4 = idx < ctx->cfg.max_flows; /* !ph_conn_is6, from the index */
  uint32_t pa;
  uint16_t pp;
  if (ph_cold_mapped(k) && v4 && /* its public chain */
      ph_conn_public(ctx, c, 0, &pa, &pp) == 0) {
    hk->pbucket = ph_map_pbucket(ctx, c->proto, pa, pp);
    __builtin_prefetch(&ctx->map_phash[hk->pbucket]);
  }
  if (v4 && c->proto != PINHOLE_IPPROTO_GRE) {
    /* both keys filed as their tuples say (a GRE connection's are not:
     * it is freed as any other, its keys worked out in
     * ph_conn_free_keyed) */
    /* both hashed before the first store to *hk, which the compiler
     * cannot tell from the keys' words: it would load them again */
    uint64_t hs[2] = {ph_conn_key_plain(ctx, c->proto, &c->a),
                      ph_conn_key_plain(ctx, c->proto, &c->b)};
    for (int s = 0; s < 2; s++) {
      uint64_t h = hs[s];
      ph_ft_bucket *hb = &ctx->ft.b[ph_ft_home(&ctx->ft, h)];
      hk->home[s] = hb;
      hk->sig[s] = (uint16_t)ph_ft_sig(h);
      __builtin_prefetch(hb);
      /* and the line after it, which the removal reads when home counts
       * an overflow (the backward shift, pinhole__ft_remove_far: 9 keys
       * in 64 at 80 % load): known only once home is here, at the fire,
       * where it was a demand miss the run waited for (BENCHMARKS.md
       * expire11: a fifth of floor_expire, quiet). One past the last
       * line is a valid address to form, and a prefetch never faults;
       * the wrap to line 0 is left to the walk. */
      __builtin_prefetch(hb + 1);
    }
    keyed = 1;
  }
  if (rec) { /* the record (its neighbours would need its line) */
    ph_prefetch_span(ph_slot_addr(ctx->convs, k->conv, sizeof(ph_conv)),
                     sizeof(ph_conv));
    return keyed;
  }
  ph_prefetch_convh(ctx, k->own_prev);
  ph_prefetch_convh(ctx, k->own_next);
  return keyed;
}

ph_ref pinhole__conn_hairpin(const pinhole_ctx *ctx, const ph_conn *c) {
  if (!(c->flags & PH_CONN_HAIRPIN))
    return PH_NIL;
  uint32_t d4 = c->a.dst;
  if (ph_conn_is6(ctx, c) &&
      pinhole__nat64_prefix_of(ctx, ph_conn6_of(ctx, c)->a_dst, &d4) < 0)
    return PH_NIL; /* not reached: prefixes are only ever added */
  return pinhole__map_find_public(ctx, c->proto, d4, c->a.dport);
}

ph_ref pinhole__conn_mapping(const pinhole_ctx *ctx, const ph_conn *c) {
  uint32_t addr;
  uint16_t port;
  ph_ref r = PH_NIL;
  if (ph_cold_mapped(ph_cold(ctx, c)) &&
      pinhole__conn_public(ctx, c, &addr, &port) == 0)
    r = pinhole__map_find_public(ctx, c->proto, addr, port);
  return r;
}

/* Takes connection c (slot idx) out of the flow tables: both keys (their
 * places hk, or NULL: computed here), and a GRE connection's quoted ones. */
static inline __attribute__((always_inline)) void
ph_conn_unfile(pinhole_ctx *ctx, ph_conn *c, uint32_t idx, int v6,
               const ph_conn_keys *hk) {
  if (hk != NULL) { /* IPv4, both keys filed in ft */
    /* side B's place read before side A's removal: the compiler cannot
     * tell that removal's stores from the places, and would form the
     * place's address again after it (BENCHMARKS.md expire13) */
    ph_ft_bucket *h1 = hk->home[1];
    uint32_t s1 = hk->sig[1];
    pinhole__ft_remove_in(&ctx->ft, hk->home[0], hk->sig[0], idx << 1);
    pinhole__ft_remove_in(&ctx->ft, h1, s1, idx << 1 | 1);
  } else {
    ph_flow_table *ft = v6 ? &ctx->ft6 : &ctx->ft;
    /* NAT64: side B is IPv4, filed in ft (core/nat64.c) */
    ph_flow_table *ftb = v6 && !ph_conn_is64(ctx, c) ? &ctx->ft6 : &ctx->ft;
    ph_tuple ta = ph_conn_tuple(ctx, c, 0), tb = ph_conn_tuple(ctx, c, 1);
    if (ph_key_filed(c->proto, &ta))
      pinhole__ft_remove(ft,
                         v6 ? pinhole__conn6_key(ctx, c, 0)
                            : ph_conn_key(ctx, c->proto, &ta),
                         idx << 1);
    if (ph_key_filed(c->proto, &tb))
      pinhole__ft_remove(ftb,
                         ftb == &ctx->ft6 ? pinhole__conn6_key(ctx, c, 1)
                                          : ph_conn_key(ctx, c->proto, &tb),
                         idx << 1 | 1);
  }
  /* (only GRE connections are quoted: never one of places given) */
  if (hk == NULL && (c->flags & PH_CONN_GRE_QUOTES)) {
    pinhole__ft_remove(&ctx->ft, ph_gre_quote_key(ctx, &c->b), idx << 1 | 1);
    pinhole__ft_remove(&ctx->ft, ph_gre_quote_key(ctx, &c->a), idx << 1);
  }
}

/* The end of a connection's free (ph_conn_free_keyed): slot idx (c, k)
 * cleared and back to its free list, the counts. keyed: its places were
 * given (an IPv4 slot). Its tail, after its conversation, is the caller's
 * in each of its two forms: the compiler need not test which again. */
static inline __attribute__((always_inline)) void
ph_conn_slot_back(pinhole_ctx *ctx, ph_conn *c, ph_conn_cold *k, uint32_t idx,
                  int v6, int keyed) {
  memset(c, 0, sizeof(*c));
  memset(k, 0, sizeof(*k));
  /* back to its list: with or without TCP windows */
  /* (places given: an IPv4 slot, idx < max_flows, whose windows are at
   * its index when it has them: ph_tcpw_idx without its IPv6 branch) */
  int tslot = keyed ? idx < ctx->ntcp4 : ph_tcpw_idx(ctx, idx) != UINT32_MAX;
  ctx->ntcp_used[v6] -= (uint32_t)tslot;
  ph_ref *freep = tslot ? (v6 ? &ctx->conn6_free : &ctx->conn_free)
                        : (v6 ? &ctx->conn6_free_x : &ctx->conn_free_x);
  k->conv_next = *freep;
  *freep = ph_ref_of(idx);
  ctx->nconns--;
  ctx->nconns6 -= (uint32_t)v6;
}

/* pinhole__conn_free with its two keys' places hk given (NULL: computed),
 * as ph_conn_free_prefetch's stage 1 gave them for c's slot; inline in
 * both callers (expiry's run: no call a connection). */
static inline __attribute__((always_inline)) void
ph_conn_free_keyed(pinhole_ctx *ctx, ph_conn *c, uint32_t idx,
                   const ph_conn_keys *hk) {
  ph_conn_cold *k = &ctx->cold[idx];
  int v6 = hk != NULL ? 0 : ph_conn_is6(ctx, c); /* places: IPv4 only */
  /* its flags read before the removals, whose stores the compiler
   * cannot tell from c's: the fire read them already (its watch read
   * before them too: +6.2 an expired flow, BENCHMARKS.md expire14) */
  const uint8_t flags = c->flags;
  ph_conn_unfile(ctx, c, idx, v6, hk);
  /* not when it fired (places are only given by the fire, ph_conn_fire,
   * whose timer the wheel disarmed before calling it) */
  if (hk == NULL && ph_ctimer_armed(&k->timer))
    pinhole__cwheel_cancel(&ctx->conn_wheel, idx);
  if (flags & PH_CONN_HALF_OPEN)
    ctx->half_open--;
  /* (an IPv4 slot is never in the line form: its watch is c->watch) */
  ph_ref wr = v6 ? ph_conn_watch(ctx, c) : c->watch;
  if (wr) {
    ph_watch *w = ph_watch_at(ctx, wr);
    for (int d = 0; d < 2; d++) /* its held messages go with it */
      if (w->st[d].held)
        pinhole__hold_free(ctx, w->st[d].held);
    w->conn = 0;
    w->free_next = ctx->watch_free;
    ctx->watch_free = wr;
    ctx->nwatch--;
  }
  uint32_t pa;
  uint16_t pp;
  if (__builtin_expect(!(flags & PH_CONN_HAIRPIN), 1)) { /* its own */
    if (hk != NULL) { /* (IPv4) its public chain as stage 1 found it */
      if (ph_cold_mapped(k)) {
        ph_conn_public(ctx, c, 0, &pa, &pp);
        ph_map_put_bucket(ctx, hk->pbucket, c->proto, pa, pp);
      }
    } else if (ph_cold_mapped(k) && ph_conn_public(ctx, c, v6, &pa, &pp) == 0) {
      pinhole__map_put_public(ctx, c->proto, pa, pp); /* conn_mapping's */
    }
  } else { /* hairpinning: the target's mapping is held too, found before
            * its own is put (found by its endpoint, places or not) */
    ph_ref hp = pinhole__conn_hairpin(ctx, c);
    if (ph_cold_mapped(k) && ph_conn_public(ctx, c, v6, &pa, &pp) == 0)
      pinhole__map_put_public(ctx, c->proto, pa, pp);
    if (hp != PH_NIL)
      pinhole__map_put(ctx, hp);
  }

  /* ph_conv_of_slot from k, at hand: the compiler cannot tell the
   * removals' stores from ctx->cold and would form its address again */
  ph_ref r = ph_ref_of(idx);
  ph_ref conv = k->conv_mark == PH_CONVH_REC ? k->conv : PH_NIL;
  if (conv == PH_NIL) { /* ph_list_unlink with its own links read from k */
    uint32_t own_id = k->own_id;
    ph_list_unlink_links(ctx, k->own_prev, k->own_next);
    ph_conn_slot_back(ctx, c, k, idx, v6, hk != NULL);
    /* its own conversation ended with it */
    ph_sync_deleted(ctx, own_id);
    ctx->nconvs--;
    return;
  }
  /* unlink from the conversation's list */
  ph_conv *cv = ph_conv_at(ctx, conv);
  ph_ref prev = 0;
  for (ph_ref x = cv->first; x; prev = x, x = ph_cold_at(ctx, x)->conv_next) {
    if (x != r)
      continue;
    if (prev)
      ph_cold_at(ctx, prev)->conv_next = k->conv_next;
    else
      cv->first = k->conv_next;
    if (cv->last == r)
      cv->last = prev;
    break;
  }
  cv->nconns--;
  /* the control connection of an ALG conversation takes its pinholes */
  if (wr)
    pinhole__conv_pinholes_free(ctx, conv);
  ph_conn_slot_back(ctx, c, k, idx, v6, hk != NULL);
  pinhole__conv_maybe_free(ctx, conv);
}

void pinhole__conn_free(pinhole_ctx *ctx, ph_conn *c) {
  ph_conn_free_keyed(ctx, c, ph_conn_idx(ctx, c), NULL);
}

/* ---- expiry: the connections' wheel's hooks ---------------------------- */

/* The keys' places the look-ahead's stage 1 computed, by the entry's
 * place in the wheel's window (timer/cwheel_run.h, ph_cwheel_fire_at_fn):
 * freeing takes them rather than hashing both keys again. idx is the
 * connection they are for, UINT32_MAX for none: stage 0 clears it for the
 * entry that takes the place, stage 1 sets it when it found them. */
typedef struct ph_hk {
  uint32_t idx;
  ph_conn_keys k;
} ph_hk;

_Static_assert(sizeof(ph_hk) <= 32, "a window place's keys: a shift apart");

typedef struct ph_expiry {
  pinhole_ctx *ctx;
  /* the fires that expired nothing: the run counts its fires anyway, and
   * these are the rare ones (one add an expired flow fewer) */
  size_t kept;
  ph_hk hk[PH_CWHEEL_RING];
} ph_expiry;

static inline __attribute__((always_inline)) void
ph_conn_expire_keyed(pinhole_ctx *ctx, ph_conn *c, uint32_t idx,
                     const ph_conn_keys *hk) {
  if (ctx->cb.event != NULL)
    pinhole__event(
        ctx, PINHOLE_EVENT_FLOW_CLOSED, NULL, c->a_side, PH_NIL,
        ph_conn_watched(c) ? PINHOLE_FLOW_WATCH : PINHOLE_FLOW_FORWARD, c, 0,
        NULL, pinhole__alg_name(c->alg), pinhole__conn_close_reason(c));
  ph_count(ctx, PINHOLE_CNT_FLOWS_EXPIRED);
  ph_conn_free_keyed(ctx, c, idx, hk);
}

void pinhole__conn_expire(pinhole_ctx *ctx, ph_conn *c) {
  ph_conn_expire_keyed(ctx, c, ph_conn_idx(ctx, c), NULL);
}

static inline __attribute__((always_inline)) void
ph_conn_fire(uint32_t index, unsigned slot, void *user) {
  ph_expiry *x = user;
  pinhole_ctx *ctx = x->ctx;
  ph_conn *c = &ctx->conns[index];
  if (!(c->flags & PH_CONN_LIVE)) {
    x->kept++;
    return;
  }
  /* ph_conn_stale (engine.h) with the timeout inline */
  int32_t idle = (int32_t)(ctx->now_tick - c->last_seen);
  if (idle < (int32_t)ctx->to_min || idle < (int32_t)ph_conn_timeout(ctx, c)) {
    pinhole__conn_touch_timer(ctx, c);
    x->kept++;
    return;
  }
  const ph_hk *e = &x->hk[slot];
  if (__builtin_expect(e->idx == index, 1)) /* IPv4, places known: inline */
    ph_conn_expire_keyed(ctx, c, index, &e->k);
  else /* the rest out of line: the run keeps its registers for the above */
    pinhole__conn_expire(ctx, c);
}

static inline __attribute__((always_inline)) void
ph_conn_ahead(uint32_t index, int stage, unsigned slot, void *user) {
  ph_expiry *x = user;
  ph_hk *e = &x->hk[slot];
  if (stage == 0) {
    e->idx = UINT32_MAX; /* the place's last keys are not this entry's */
    ph_conn_free_prefetch0(x->ctx, index);
    return;
  }
  if (ph_conn_free_prefetch(x->ctx, index, 1, &e->k))
    e->idx = index;
}

size_t pinhole__conn_wheel_run(pinhole_ctx *ctx, size_t budget, int *expired) {
  ph_expiry x;
  x.ctx = ctx;
  x.kept = 0;
  size_t fired;
  size_t work = ph_cwheel_run(&ctx->conn_wheel, ctx->now_ns, budget,
                              ph_conn_fire, ph_conn_ahead, &x, &fired,
                              sizeof(ph_conn_cold)); /* ctx.c's stride */
  *expired += (int)(fired - x.kept);
  return work;
}

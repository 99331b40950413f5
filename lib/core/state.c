/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * State sync (include/pinhole/state.h, docs/ha.md): a context's
 * conversations written as a bounded blob and applied to a standby.
 *
 * Blob: a 24-byte header (magic "PHST", version, flags, config
 * fingerprint, record count, total length), then records, each a type
 * byte, a zero byte, a big-endian body length and the body (fixed size per
 * type, except ALG records). Order: DEL records (conversations that
 * ended) and BLOCK records (port blocks held after their last mapping, in
 * the first piece of a pass), then per conversation its CONV record
 * followed by its MAP, CONN (CONN6 IPv6, CONN64 NAT64) and HOLE (HOLE6,
 * HOLE64) records; a connection or pinhole names its mappings by their
 * index among the MAP records of its conversation written before it. A
 * NAT64 mapping's MAP is followed by its HOST64 record (the IPv6 host
 * behind it and the prefix, ctx->map6), a held BLOCK of a NAT64
 * subscriber by its SUB64 (the subscriber's address, ctx->sub6), so the
 * standby's logs, filtering and hairpinning name the same hosts.
 * The IPv6 and NAT64 records carry their full addresses, a NAT64 one
 * its prefix (checked against the importer's, core/state6.c); all of a
 * conversation's connections and pinholes are of one family. An ALG record
 * right after a CONN carries the state of the connection's ALG module: its
 * name, the state's length (the module's state_size) and bytes, checked by the
 * module's state_ok.
 *
 * Import checks the whole blob (ph_check) before it changes anything
 * (ph_apply), so a blob that fails leaves the context as it was.
 *
 * The windows of an established TCP connection are imported but not
 * trusted: the active side may have moved on by up to one interval, so
 * each direction relearns its window from its next segment, as the
 * tracker does for a connection taken over mid-stream (core/tcp.c).
 */
#include <string.h>

#include <pinhole/ipv6.h>
#include <pinhole/state.h>

#include "alg/text.h"
#include "core/alg_call.h"
#include "core/engine.h"
#include "core/state6.h"

#define PH_ST_MAGIC 0x50485354u /* "PHST" */
#define PH_ST_HDR 24u
#define PH_ST_FULL 0x0001u /* first piece of a full snapshot */
#define PH_ST_NONE 0xffffu /* no mapping */
#define PH_ST_MAX_OFF (1 << 30)

enum ph_st_type {
  PH_ST_CONV = 1,
  PH_ST_MAP = 2,
  PH_ST_CONN = 3,
  PH_ST_HOLE = 4,
  PH_ST_CONN6 = 5, /* an IPv6 connection: its addresses and a CONN body */
  PH_ST_DEL = 6,
  PH_ST_ALG = 7,     /* the ALG module's state of the CONN before it */
  PH_ST_BLOCK = 8,   /* a port block held after its last mapping ended */
  PH_ST_CONN64 = 9,  /* a NAT64 connection: prefix, IPv6 side, a CONN body */
  PH_ST_HOLE6 = 10,  /* an IPv6 pinhole: its addresses and a HOLE body */
  PH_ST_HOLE64 = 11, /* a NAT64 pinhole: prefix, IPv6 ends, a HOLE body */
  PH_ST_HOST64 = 12, /* the IPv6 host of the NAT64 MAP before it */
  PH_ST_SUB64 = 13   /* the IPv6 address of the held BLOCK's subscriber */
};

/* Body lengths by type. */
#define PH_ST_LEN_CONV 6u
#define PH_ST_LEN_MAP 15u
#define PH_ST_LEN_STREAM 45u
#define PH_ST_LEN_CONN (103u + 2u * PH_ST_LEN_STREAM)
#define PH_ST_LEN_CONN6 (64u + PH_ST_LEN_CONN)
#define PH_ST_LEN_HOLE 31u
#define PH_ST_LEN_DEL 4u
#define PH_ST_LEN_BLOCK 15u
#define PH_ST_LEN_PREFIX 17u /* a NAT64 prefix and its length */
#define PH_ST_LEN_CONN64 (PH_ST_LEN_PREFIX + 32u + PH_ST_LEN_CONN)
#define PH_ST_LEN_HOLE6 (32u + PH_ST_LEN_HOLE)
#define PH_ST_LEN_HOLE64 (PH_ST_LEN_PREFIX + 32u + PH_ST_LEN_HOLE)
#define PH_ST_LEN_HOST64 (16u + PH_ST_LEN_PREFIX)
#define PH_ST_LEN_SUB64 16u
#define PH_ST_ALG_NAME 16u /* longest ALG name in an ALG record */
/* an ALG record: name length, name, state length, state */
#define PH_ST_LEN_ALG_MIN 4u
#define PH_ST_LEN_ALG_MAX (2u + PH_ST_ALG_NAME + PH_ALG_STATE_SIZE)

static size_t ph_st_len(uint8_t type) {
  switch (type) {
  case PH_ST_CONV:
    return PH_ST_LEN_CONV;
  case PH_ST_MAP:
    return PH_ST_LEN_MAP;
  case PH_ST_CONN:
    return PH_ST_LEN_CONN;
  case PH_ST_HOLE:
    return PH_ST_LEN_HOLE;
  case PH_ST_DEL:
    return PH_ST_LEN_DEL;
  case PH_ST_CONN6:
    return PH_ST_LEN_CONN6;
  case PH_ST_BLOCK:
    return PH_ST_LEN_BLOCK;
  case PH_ST_CONN64:
    return PH_ST_LEN_CONN64;
  case PH_ST_HOLE6:
    return PH_ST_LEN_HOLE6;
  case PH_ST_HOLE64:
    return PH_ST_LEN_HOLE64;
  case PH_ST_HOST64:
    return PH_ST_LEN_HOST64;
  case PH_ST_SUB64:
    return PH_ST_LEN_SUB64;
  default:
    return 0;
  }
}

static int ph_st_is_conn(uint8_t type) {
  return type == PH_ST_CONN || type == PH_ST_CONN6 || type == PH_ST_CONN64;
}

/* Is blen a body length a record of this type may have? */
static int ph_st_len_ok(uint8_t type, size_t blen) {
  if (type == PH_ST_ALG)
    return blen >= PH_ST_LEN_ALG_MIN && blen <= PH_ST_LEN_ALG_MAX;
  return ph_st_len(type) != 0 && blen == ph_st_len(type);
}

/* ---- the deletion ring ------------------------------------------------ */

void pinhole__sync_deleted(pinhole_ctx *ctx, uint32_t conv_id) {
  ph_sync_deleted(ctx, conv_id);
}

/* Is tick t at or after since (wrapping)? */
static int ph_since(uint32_t t, uint32_t since) {
  return (int32_t)(t - since) >= 0;
}

/* ---- fingerprint ------------------------------------------------------ */

static void ph_fp_u32(uint8_t *b, size_t *n, size_t cap, uint32_t v) {
  if (*n + 4 > cap)
    return;
  b[(*n)++] = (uint8_t)(v >> 24);
  b[(*n)++] = (uint8_t)(v >> 16);
  b[(*n)++] = (uint8_t)(v >> 8);
  b[(*n)++] = (uint8_t)v;
}

/* What the state's meaning depends on: table sizes, timeouts, the hash
 * key (paired pooling), pools, the rule count. */
static uint64_t ph_fingerprint(const pinhole_ctx *ctx) {
  uint8_t b[64 + 64 + 32 * 44];
  size_t n = 0, cap = sizeof(b);
  const pinhole_config *c = &ctx->cfg;
  uint32_t v[] = {c->max_flows,
                  c->max_conversations,
                  c->max_mappings,
                  c->max_pinholes,
                  c->max_watch,
                  c->max_port_blocks,
                  c->max_pinholes_per_conv,
                  c->max_conns6,
                  ctx->tick_shift,
                  ctx->nrules,
                  ctx->npools};
  for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
    ph_fp_u32(b, &n, cap, v[i]);
  for (size_t i = 0; i < PH_TO_COUNT; i++)
    ph_fp_u32(b, &n, cap, ctx->to[i]);
  for (uint32_t p = 0; p < ctx->npools && p < 32; p++) {
    const ph_pool *pl = &ctx->pools[p];
    uint32_t w[] = {pl->addr_lo,     pl->naddrs, pl->port_lo,
                    pl->port_hi,     pl->mode,   pl->block_size,
                    pl->max_blocks,  pl->bpa,    pl->block_base,
                    pl->inside_addr, pl->hold_ms};
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
      ph_fp_u32(b, &n, cap, w[i]);
  }
  return pinhole_siphash13(&c->hash_key, b, n);
}

/* ---- writing ---------------------------------------------------------- */

typedef struct ph_w {
  uint8_t *p;
  size_t cap, len;
} ph_w;

static void ph_w8(ph_w *w, uint8_t v) {
  if (w->len < w->cap)
    w->p[w->len] = v;
  w->len++;
}
static void ph_w16(ph_w *w, uint16_t v) {
  ph_w8(w, (uint8_t)(v >> 8));
  ph_w8(w, (uint8_t)v);
}
static void ph_w32(ph_w *w, uint32_t v) {
  ph_w16(w, (uint16_t)(v >> 16));
  ph_w16(w, (uint16_t)v);
}
static void ph_w64(ph_w *w, uint64_t v) {
  ph_w32(w, (uint32_t)(v >> 32));
  ph_w32(w, (uint32_t)v);
}
static void ph_wrec_len(ph_w *w, uint8_t type, size_t len) {
  ph_w8(w, type);
  ph_w8(w, 0);
  ph_w16(w, (uint16_t)len);
}
static void ph_wrec(ph_w *w, uint8_t type) {
  ph_wrec_len(w, type, ph_st_len(type));
}
static void ph_wbytes(ph_w *w, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    ph_w8(w, p[i]);
}
static void ph_wtuple(ph_w *w, const ph_tuple *t) {
  ph_w32(w, t->src);
  ph_w32(w, t->dst);
  ph_w16(w, t->sport);
  ph_w16(w, t->dport);
}

static void ph_wmap(ph_w *w, const pinhole_ctx *ctx, ph_ref r) {
  const ph_mapping *m = ph_map_at(ctx, r);
  ph_wrec(w, PH_ST_MAP);
  ph_w8(w, m->pool);
  ph_w8(w, m->proto);
  ph_w8(w, m->flags);
  ph_w32(w, m->iaddr);
  ph_w16(w, m->iport);
  ph_w32(w, m->paddr);
  ph_w16(w, m->pport);
}

/* Mapping r's record, and for a NAT64 mapping its host record right
 * after it (the IPv6 host, the prefix its first connection went
 * through: ph_conv_hosts_ok made sure it has them); returns the records
 * written. */
static uint32_t ph_wmap_host(ph_w *w, const pinhole_ctx *ctx, ph_ref r) {
  const ph_map6 *m6 = ph_map6_of(ctx, r);
  ph_wmap(w, ctx, r);
  if (!(ph_map_at(ctx, r)->flags & PH_MAPF_NAT64) || m6 == NULL)
    return 1;
  ph_wrec(w, PH_ST_HOST64);
  ph_wbytes(w, m6->addr, 16);
  ph_wbytes(w, ctx->nat64_prefix[m6->pfx], 16);
  ph_w8(w, ctx->nat64_plen[m6->pfx]);
  return 2;
}

static void ph_wstream(ph_w *w, const ph_stream *s) {
  ph_w32(w, s->corr_pos);
  ph_w32(w, (uint32_t)s->off_before);
  ph_w32(w, (uint32_t)s->off_after);
  ph_w32(w, s->msg_seq);
  ph_w8(w, s->synced);
  ph_w8(w, s->skip_line);
  ph_w8(w, s->has_corr);
  ph_w8(w, s->rw_valid);
  ph_w8(w, s->desynced);
  ph_w8(w, s->blocked);
  ph_w32(w, s->skip_len);
  ph_w32(w, s->rw_seq);
  ph_w32(w, s->data_seq);
  ph_w32(w, s->merged_lo);
  ph_w32(w, s->merged_hi);
  ph_w16(w, s->seg_max);
  ph_w8(w, s->merged);
}

/* The NAT64 prefix ctx reaches IPv4 by addr under (ph_conv_syncable
 * made sure there is one). */
static void ph_wprefix(ph_w *w, const pinhole_ctx *ctx,
                       const uint8_t addr[16]) {
  uint8_t p[16] = {0}, plen = 0;
  (void)pinhole__st_prefix_of(ctx, addr, p, &plen);
  ph_wbytes(w, p, 16);
  ph_w8(w, plen);
}

/* The ALG record of watched connection c, when its module keeps state;
 * returns the records written (0 or 1). */
static uint32_t ph_walg(ph_w *w, const pinhole_ctx *ctx, const ph_conn *c) {
  if (!ph_conn_watched(c) || c->alg == 0)
    return 0;
  const ph_alg *alg = ph_alg_get(c->alg);
  size_t nlen = strlen(alg->name);
  if (alg->state_size == 0 || nlen == 0 || nlen > PH_ST_ALG_NAME)
    return 0;
  ph_wrec_len(w, PH_ST_ALG, 2 + nlen + alg->state_size);
  ph_w8(w, (uint8_t)nlen);
  ph_wbytes(w, (const uint8_t *)alg->name, nlen);
  ph_w8(w, alg->state_size);
  ph_wbytes(w, ph_watch_at(ctx, ph_conn_watch(ctx, c))->alg_state,
            alg->state_size);
  return 1;
}

/* Writes connection r (a CONN, or a CONN6 for an IPv6 one) and its ALG
 * record; returns the records written. */
static uint32_t ph_wconn(ph_w *w, const pinhole_ctx *ctx, ph_ref r, uint16_t mi,
                         uint16_t hi) {
  const ph_conn *c = ph_conn_at(ctx, r);
  const ph_conn_cold *k = ph_cold_at(ctx, r);
  if (ph_conn_is64(ctx, c)) { /* side B: the tuple says it */
    const ph_conn6 *c6 = ph_conn6_of(ctx, c);
    ph_wrec(w, PH_ST_CONN64);
    ph_wprefix(w, ctx, c6->a_dst);
    ph_wbytes(w, c6->a_src, 16);
    ph_wbytes(w, c6->a_dst, 16);
  } else if (ph_conn_is6(ctx, c)) {
    ph_wrec(w, PH_ST_CONN6);
    for (int d = 0; d < 2; d++) {
      ph_wbytes(w, ph_conn6_addr(ctx, c, d, 0), 16);
      ph_wbytes(w, ph_conn6_addr(ctx, c, d, 1), 16);
    }
  } else {
    ph_wrec(w, PH_ST_CONN);
  }
  ph_w8(w, c->proto);
  ph_w8(w, c->a_side);
  ph_w8(w, c->tcp_state);
  ph_w8(w, (uint8_t)(c->flags & ~(PH_CONN_LIVE | PH_CONN_WATCH)));
  ph_tuple ta = ph_conn_tuple(ctx, c, 0), tb = ph_conn_tuple(ctx, c, 1);
  ph_wtuple(w, &ta);
  ph_wtuple(w, &tb);
  ph_w32(w, ctx->now_tick - c->last_seen);
  ph_w16(w, mi);
  ph_w16(w, hi);
  ph_w16(w, k->rule);
  ph_ref wr = ph_conn_watch(ctx, c); /* only a watched one keeps its MSS */
  ph_w16(w, wr ? ph_watch_at(ctx, wr)->mss[0] : 0);
  ph_w16(w, wr ? ph_watch_at(ctx, wr)->mss[1] : 0);
  uint16_t seq;
  uint8_t seq_valid;
  ph_conn_echo_get(ctx, c, &seq, &seq_valid);
  ph_w16(w, seq);
  ph_w8(w, seq_valid);
  ph_w8(w, c->alg);
  ph_w32(w, c->frames[0]);
  ph_w32(w, c->frames[1]);
  ph_w64(w, ph_conn_bytes(ctx, c, 0));
  ph_w64(w, ph_conn_bytes(ctx, c, 1));
  static const ph_tcpw no_tcp; /* not TCP: no windows, zeros written */
  const ph_tcpw *tw =
      c->proto == PINHOLE_IPPROTO_TCP ? ph_tcpw_of(ctx, c) : &no_tcp;
  for (int d = 0; d < 2; d++) {
    ph_w32(w, tw->d[d].end);
    ph_w32(w, tw->d[d].ack);
    ph_w32(w, ph_tw_maxwin(&tw->d[d]));
    ph_w8(w, ph_tw_scale(&tw->d[d]));
    ph_w8(w, tw->d[d].flags);
  }
  ph_w8(w, ph_conn_watched(c) ? 1 : 0);
  static const ph_watch none;
  const ph_watch *wt =
      ph_conn_watched(c) ? ph_watch_at(ctx, ph_conn_watch(ctx, c)) : &none;
  ph_w32(w, wt->keep_ticks);
  for (int d = 0; d < 2; d++)
    ph_wstream(w, &wt->st[d]);
  return 1 + ph_walg(w, ctx, c);
}

static void ph_whole(ph_w *w, const pinhole_ctx *ctx, ph_ref r, uint16_t mi) {
  const ph_pinhole *h = ph_pinhole_at(ctx, r);
  uint64_t at = h->timer.expire << ctx->pinhole_wheel.tick_shift;
  uint64_t left = at > ctx->now_ns ? (at - ctx->now_ns) / 1000000u : 0;
  if (left > ctx->cfg.pinhole_timeout_ms)
    left = ctx->cfg.pinhole_timeout_ms;
  if (h->v6 == PH_HOLE_V4) {
    ph_wrec(w, PH_ST_HOLE);
  } else { /* NAT64: src6 is the IPv4 peer under its prefix */
    const ph_pinhole6 *h6 = ph_pinhole6_of(ctx, h);
    ph_wrec(w, h->v6 == PH_HOLE_V6 ? PH_ST_HOLE6 : PH_ST_HOLE64);
    if (h->v6 == PH_HOLE_NAT64)
      ph_wprefix(w, ctx, h6->src);
    ph_wbytes(w, h6->src, 16);
    ph_wbytes(w, h6->dst, 16);
  }
  ph_w32(w, h->src);
  ph_w32(w, h->dst);
  ph_w16(w, h->sport);
  ph_w16(w, h->dport);
  ph_w8(w, h->proto);
  ph_w8(w, h->side);
  ph_w8(w, h->alg);
  ph_w32(w, h->to_addr);
  ph_w16(w, h->to_port);
  ph_w16(w, h->sport_hi);
  ph_w8(w, h->snat_pool);
  ph_w8(w, h->watch);
  ph_w16(w, mi);
  ph_w32(w, (uint32_t)left);
}

/* Writes conversation cv (all its records); returns the record count. */
static uint32_t ph_wconv(ph_w *w, const pinhole_ctx *ctx, const ph_convv *cv) {
  uint32_t n = 1;
  uint16_t nmap = 0;
  ph_wrec(w, PH_ST_CONV);
  ph_w32(w, cv->id);
  ph_w8(w, cv->alg);
  ph_w8(w, cv->a_side);
  for (ph_ref x = cv->first; x; x = ph_conv_next_conn(ctx, x)) {
    ph_ref hp = pinhole__conn_hairpin(ctx, ph_conn_at(ctx, x));
    ph_ref mr = pinhole__conn_mapping(ctx, ph_conn_at(ctx, x));
    uint16_t mi = PH_ST_NONE, hi = PH_ST_NONE;
    if (mr) {
      n += ph_wmap_host(w, ctx, mr);
      mi = nmap++;
    }
    if (hp) {
      n += ph_wmap_host(w, ctx, hp);
      hi = nmap++;
    }
    n += ph_wconn(w, ctx, x, mi, hi);
  }
  /* oldest first: the importer puts each at the head of the list, so its
   * listing shows them in this conversation's order */
  for (uint32_t i = cv->npinholes; i-- > 0;) {
    ph_ref h = cv->pinholes;
    for (uint32_t k = 0; k < i && h; k++)
      h = ph_pinhole_at(ctx, h)->conv_next;
    if (h == PH_NIL)
      continue;
    uint16_t mi = PH_ST_NONE;
    if (ph_pinhole_at(ctx, h)->mapping) {
      n += ph_wmap_host(w, ctx, ph_pinhole_at(ctx, h)->mapping);
      mi = nmap++;
    }
    ph_whole(w, ctx, h, mi);
    n++;
  }
  return n;
}

/* Has every NAT64 mapping of conversation cv its IPv6 host record, under
 * a prefix ctx has (an ALG's NAT64 mapping made when no prefix held the
 * server has none, alg6.c; it stays on the active box)? */
static int ph_conv_hosts_ok(const pinhole_ctx *ctx, const ph_convv *cv) {
  for (ph_ref x = cv->first; x; x = ph_conv_next_conn(ctx, x)) {
    ph_ref m[2] = {pinhole__conn_mapping(ctx, ph_conn_at(ctx, x)),
                   pinhole__conn_hairpin(ctx, ph_conn_at(ctx, x))};
    for (int i = 0; i < 2; i++)
      if (m[i] && (ph_map_at(ctx, m[i])->flags & PH_MAPF_NAT64) &&
          (ph_map6_of(ctx, m[i]) == NULL ||
           ph_map6_of(ctx, m[i])->pfx >= ctx->nnat64))
        return 0;
  }
  for (ph_ref r = cv->pinholes; r; r = ph_pinhole_at(ctx, r)->conv_next) {
    ph_ref m = ph_pinhole_at(ctx, r)->mapping;
    if (m && (ph_map_at(ctx, m)->flags & PH_MAPF_NAT64) &&
        (ph_map6_of(ctx, m) == NULL || ph_map6_of(ctx, m)->pfx >= ctx->nnat64))
      return 0;
  }
  return 1;
}

/* Can conversation cv travel? Every NAT64 connection and pinhole of it
 * names the prefix it was translated under: one ctx still has (prefixes
 * are only added, so this always holds; a conversation without one
 * would stay on the active box, the rest of the blob unaffected). */
static int ph_conv_syncable(const pinhole_ctx *ctx, const ph_convv *cv) {
  uint8_t p[16], plen;
  for (ph_ref x = cv->first; x; x = ph_conv_next_conn(ctx, x)) {
    const ph_conn *c = ph_conn_at(ctx, x);
    if (ph_conn_is64(ctx, c) &&
        pinhole__st_prefix_of(ctx, ph_conn6_of(ctx, c)->a_dst, p, &plen) != 0)
      return 0;
  }
  for (ph_ref r = cv->pinholes; r; r = ph_pinhole_at(ctx, r)->conv_next) {
    const ph_pinhole *h = ph_pinhole_at(ctx, r);
    if (h->v6 == PH_HOLE_NAT64 &&
        pinhole__st_prefix_of(ctx, ph_pinhole6_of(ctx, h)->src, p, &plen) != 0)
      return 0;
  }
  return ph_conv_hosts_ok(ctx, cv);
}

/* Has conversation cv seen a packet at or after since? */
static int ph_conv_changed(const pinhole_ctx *ctx, const ph_convv *cv,
                           uint32_t since) {
  for (ph_ref x = cv->first; x; x = ph_conv_next_conn(ctx, x))
    if (ph_since(ph_conn_at(ctx, x)->last_seen, since))
      return 1;
  return cv->first == PH_NIL; /* pinholes only: always sent */
}

/* BLOCK records of the port blocks held after their last mapping (a
 * subscriber's, its hold timer running), from ctx->sync_block_next on,
 * while the blob stays within room bytes and max records (at least one
 * when the blob has nothing else and it fits cap); moves
 * ctx->sync_block_next past what it wrote. Returns the records written. */
static uint32_t ph_wblocks(ph_w *w, pinhole_ctx *ctx, size_t room,
                           uint32_t max) {
  uint32_t n = 0;
  for (uint32_t g = ctx->sync_block_next; g < ctx->nblocks_given; g++) {
    const ph_block *bk = &ctx->blocks[g];
    const ph_pool *pl = &ctx->pools[bk->pool];
    if (bk->sub == PH_NIL || bk->used != 0 || pl->removed ||
        (pl->mode != PINHOLE_POOL_PBA && pl->mode != PINHOLE_POOL_ADDRESS))
      continue;
    const ph_sub *sb = ph_sub_at(ctx, bk->sub);
    int v6 = sb->v6 && ctx->sub6 != NULL; /* a SUB64 record after it */
    size_t end = w->len + 4 + PH_ST_LEN_BLOCK + (v6 ? 4 + PH_ST_LEN_SUB64 : 0);
    if (n + 1u + (uint32_t)v6 > max ||
        (end > room && !(w->len == PH_ST_HDR && end <= w->cap))) {
      ctx->sync_block_next = g;
      return n;
    }
    uint32_t bi = g - pl->block_base;
    uint64_t at = bk->timer.expire << ctx->block_wheel.tick_shift;
    uint64_t left = at > ctx->now_ns ? (at - ctx->now_ns) / 1000000u : 0;
    if (left > pl->hold_ms)
      left = pl->hold_ms;
    ph_wrec(w, PH_ST_BLOCK);
    ph_w8(w, bk->pool);
    ph_w32(w, pl->addr_lo + bi / pl->bpa);
    ph_w16(w, (uint16_t)(bi % pl->bpa));
    ph_w32(w, sb->addr);
    ph_w32(w, (uint32_t)left);
    n++;
    if (v6) {
      ph_wrec(w, PH_ST_SUB64);
      ph_wbytes(w, ctx->sub6[ph_slot(bk->sub)].addr, 16);
      n++;
    }
  }
  ctx->sync_block_next = ctx->nblocks_given;
  return n;
}

static uint32_t ph_since_enc(uint32_t tick) {
  return tick + 1 == 0 ? 1 : tick + 1;
}

/* Is h (still) ctx's live conversation of id? */
static int ph_convh_is(const pinhole_ctx *ctx, ph_convh h, uint32_t id) {
  if (h == PH_NIL)
    return 0;
  if (ph_convh_plain(h)) {
    ph_ref r = ph_convh_conn(h);
    const ph_conn_cold *k = ph_cold_at(ctx, r);
    return (ph_conn_at(ctx, r)->flags & PH_CONN_LIVE) &&
           k->conv_mark != PH_CONVH_REC && k->own_id == id;
  }
  const ph_conv *cv = ph_conv_at(ctx, h);
  return cv->live && cv->id == id;
}

int pinhole_state_export(pinhole_ctx *ctx, uint64_t now_ns, uint64_t cursor,
                         uint8_t *buf, size_t cap, size_t *written,
                         uint64_t *next_cursor) {
  if (ctx == NULL || buf == NULL || written == NULL || next_cursor == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  *written = 0;
  ph_set_time(ctx, now_ns);
  uint32_t hi = (uint32_t)(cursor >> 32), pos = (uint32_t)cursor;
  int full = hi == 0;
  uint32_t since = hi - 1;
  if (pos == 0) { /* a new pass */
    if (!full && ctx->sync_lost && ph_since(ctx->sync_lost_tick, since))
      return PINHOLE_ERR_RANGE;
    ctx->sync_pass_tick = ctx->now_tick;
    ctx->sync_block_next = 0;
    ctx->sync_base = ctx->conv_head ? ph_convh_id(ctx, ctx->conv_head) : 0;
  }
  ph_w w = {buf, cap, PH_ST_HDR};
  uint32_t nrec = 0;
  if (pos == 0 && !full)
    for (uint32_t i = 0; i < ctx->sync_n; i++) {
      const ph_sync_del *d =
          &ctx->sync_ring[(ctx->sync_head + PH_SYNC_RING - ctx->sync_n + i) %
                          PH_SYNC_RING];
      if (!ph_since(d->tick, since))
        continue;
      ph_wrec(&w, PH_ST_DEL);
      ph_w32(&w, d->conv_id);
      nrec++;
    }
  if (w.len > cap)
    return PINHOLE_ERR_NOBUF;
  /* held blocks: up to half of the room left, the rest in the next pieces
   * (the conversations always get the other half) */
  nrec += ph_wblocks(&w, ctx, w.len + (cap - w.len) / 2,
                     PINHOLE_STATE_MAX_RECORDS / 2);
  int blocks_done = ctx->sync_block_next >= ctx->nblocks_given;
  if (!blocks_done && w.len == PH_ST_HDR)
    return PINHOLE_ERR_NOBUF; /* not even one block record fits */
  int done = 1;
  uint32_t next = 0;
  ph_convv cv;
  /* a piece after the first begins where the one before stopped, if that
   * conversation lives on; otherwise past the ids before pos (a walk),
   * counted up from the pass's oldest (a serial comparison takes one more
   * than 2^31 older than pos for a newer one) */
  ph_convh start = ctx->conv_head;
  int skip = pos != 0;
  if (skip && ph_convh_is(ctx, ctx->sync_resume, pos)) {
    start = ctx->sync_resume;
    skip = 0;
  }
  for (ph_convh r = start; r; r = cv.next) {
    ph_conv_view(ctx, r, &cv);
    if (skip && cv.id - ctx->sync_base < pos - ctx->sync_base)
      continue;
    if ((!full && !ph_conv_changed(ctx, &cv, since)) ||
        !ph_conv_syncable(ctx, &cv))
      continue;
    size_t at = w.len;
    uint32_t n = ph_wconv(&w, ctx, &cv);
    if (w.len > cap || nrec + n > PINHOLE_STATE_MAX_RECORDS) {
      w.len = at;
      if (at == PH_ST_HDR) /* not even one conversation fits */
        return PINHOLE_ERR_NOBUF;
      done = 0;
      next = cv.id;
      ctx->sync_resume = r;
      break;
    }
    nrec += n;
  }
  size_t len = w.len;
  w.len = 0;
  ph_w32(&w, PH_ST_MAGIC);
  ph_w16(&w, PINHOLE_STATE_VERSION);
  ph_w16(&w, full && pos == 0 ? PH_ST_FULL : 0);
  ph_w64(&w, ph_fingerprint(ctx));
  ph_w32(&w, nrec);
  ph_w32(&w, (uint32_t)len);
  *written = len;
  if (done && !blocks_done) { /* every conversation went: blocks only */
    done = 0;
    next = ctx->next_conv_id;
  }
  if (done)
    *next_cursor = (uint64_t)ph_since_enc(ctx->sync_pass_tick) << 32;
  else
    *next_cursor = (uint64_t)hi << 32 | next;
  return done;
}

/* ---- reading ---------------------------------------------------------- */

typedef struct ph_st_map {
  uint8_t pool, proto, flags;
  uint32_t iaddr, paddr;
  uint16_t iport, pport;
} ph_st_map;

typedef struct ph_st_conn {
  ph_conn c;
  ph_conn_cold k;
  ph_tcpw tw;
  uint32_t maxwin[2]; /* tw's as read (tw holds them encoded) */
  uint8_t scale[2];
  ph_watch wt;
  ph_conn6 a6; /* with is6 */
  uint8_t is6;
  uint8_t is64;       /* NAT64 (is6 too): side B IPv4, a6.b_* mapped */
  uint8_t prefix[16]; /* with is64: its NAT64 prefix */
  uint8_t plen;
  uint8_t watch;
  uint32_t idle;
  uint16_t mi, hi;
} ph_st_conn;

typedef struct ph_st_block {
  uint8_t pool;
  uint16_t off; /* the block's index among its address's */
  uint32_t paddr, iaddr, left_ms;
} ph_st_block;

/* An ALG record: the module's name and its state. */
typedef struct ph_st_alg {
  uint8_t id1; /* the module named, as id + 1; 0: none */
  uint8_t len; /* the state's length */
  union {
    uint8_t b[PH_WATCH_STATE_SIZE];
    uint64_t align_; /* a module reads its state as its struct */
  } st;
} ph_st_alg;

typedef struct ph_st_hole {
  ph_pinhole h; /* h.v6: the kind, by the record's type */
  ph_pinhole6 a6;
  uint8_t prefix[16]; /* PH_HOLE_NAT64: the prefix of a6.src */
  uint8_t plen;
  uint16_t mi;
  uint32_t left_ms;
} ph_st_hole;

/* A record iterator over a checked-length body. */
typedef struct ph_it {
  ph_cur c;
  uint32_t left; /* records still to read */
} ph_it;

/* The next record: its type and body, 1; 0 at the end; -1 malformed. */
static int ph_next(ph_it *it, uint8_t *type, ph_cur *body) {
  uint8_t zero = 1;
  uint16_t blen = 0;
  *body = ph_cur_make(NULL, 0);
  if (it->left == 0)
    return 0;
  if (0 != ph_cur_u8(&it->c, type) || 0 != ph_cur_u8(&it->c, &zero) ||
      0 != ph_cur_be16(&it->c, &blen) || zero != 0 ||
      !ph_st_len_ok(*type, blen) || 0 != ph_cur_sub(&it->c, blen, body))
    return -1;
  it->left--;
  return 1;
}

static uint8_t ph_r8(ph_cur *c) {
  uint8_t v = 0;
  (void)ph_cur_u8(c, &v);
  return v;
}
static uint16_t ph_r16(ph_cur *c) {
  uint16_t v = 0;
  (void)ph_cur_be16(c, &v);
  return v;
}
static uint32_t ph_r32(ph_cur *c) {
  uint32_t v = 0;
  (void)ph_cur_be32(c, &v);
  return v;
}
static uint64_t ph_r64(ph_cur *c) {
  uint64_t hi = ph_r32(c);
  return hi << 32 | ph_r32(c);
}
static void ph_rtuple(ph_cur *c, ph_tuple *t) {
  t->src = ph_r32(c);
  t->dst = ph_r32(c);
  t->sport = ph_r16(c);
  t->dport = ph_r16(c);
}

static void ph_rmap(ph_cur c, ph_st_map *m) {
  m->pool = ph_r8(&c);
  m->proto = ph_r8(&c);
  m->flags = ph_r8(&c);
  m->iaddr = ph_r32(&c);
  m->iport = ph_r16(&c);
  m->paddr = ph_r32(&c);
  m->pport = ph_r16(&c);
}

static void ph_rstream(ph_cur *c, ph_stream *s) {
  s->corr_pos = ph_r32(c);
  s->off_before = (int32_t)ph_r32(c);
  s->off_after = (int32_t)ph_r32(c);
  s->msg_seq = ph_r32(c);
  s->synced = ph_r8(c);
  s->skip_line = ph_r8(c);
  s->has_corr = ph_r8(c);
  s->rw_valid = ph_r8(c);
  s->desynced = ph_r8(c);
  s->blocked = ph_r8(c);
  s->skip_len = ph_r32(c);
  s->rw_seq = ph_r32(c);
  s->data_seq = ph_r32(c);
  s->merged_lo = ph_r32(c);
  s->merged_hi = ph_r32(c);
  s->seg_max = ph_r16(c);
  s->merged = ph_r8(c);
}

static void ph_rbytes(ph_cur *c, uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    p[i] = ph_r8(c);
}

/* A CONN body, or a CONN6 one (its addresses first), or a CONN64 one
 * (its prefix and side A's addresses first; side B's follow from its
 * IPv4 tuple). */
static void ph_rconn(ph_cur c, uint8_t type, ph_st_conn *r) {
  memset(r, 0, sizeof(*r));
  r->is6 = (uint8_t)(type != PH_ST_CONN);
  r->is64 = (uint8_t)(type == PH_ST_CONN64);
  if (r->is64) {
    ph_rbytes(&c, r->prefix, 16);
    r->plen = ph_r8(&c);
  }
  if (r->is6) {
    ph_rbytes(&c, r->a6.a_src, 16);
    ph_rbytes(&c, r->a6.a_dst, 16);
  }
  if (type == PH_ST_CONN6) {
    ph_rbytes(&c, r->a6.b_src, 16);
    ph_rbytes(&c, r->a6.b_dst, 16);
  }
  r->c.proto = ph_r8(&c);
  r->c.a_side = ph_r8(&c);
  r->c.tcp_state = ph_r8(&c);
  r->c.flags = ph_r8(&c);
  ph_rtuple(&c, &r->c.a);
  ph_rtuple(&c, &r->c.b);
  r->idle = ph_r32(&c);
  r->mi = ph_r16(&c);
  r->hi = ph_r16(&c);
  r->k.rule = ph_r16(&c);
  r->wt.mss[0] = ph_r16(&c);
  r->wt.mss[1] = ph_r16(&c);
  r->c.icmp_seq = ph_r16(&c);
  r->c.icmp_seq_valid = ph_r8(&c);
  r->c.alg = ph_r8(&c);
  r->c.frames[0] = ph_r32(&c);
  r->c.frames[1] = ph_r32(&c);
  r->c.bytes[0] = ph_r64(&c);
  r->c.bytes[1] = ph_r64(&c);
  for (int d = 0; d < 2; d++) {
    r->tw.d[d].end = ph_r32(&c);
    r->tw.d[d].ack = ph_r32(&c);
    r->maxwin[d] = ph_r32(&c);
    r->scale[d] = ph_r8(&c);
    r->tw.d[d].flags = ph_r8(&c);
    /* held up to the encoding's step (ctx.h); checked below */
    r->tw.d[d].shifts = 0;
    ph_tw_set_scale(&r->tw.d[d], r->scale[d] & 0x0f);
    ph_tw_set_maxwin_up(&r->tw.d[d], r->maxwin[d] <= PH_TW_MAXWIN_MAX
                                         ? r->maxwin[d]
                                         : PH_TW_MAXWIN_MAX);
  }
  r->watch = ph_r8(&c);
  r->wt.keep_ticks = ph_r32(&c);
  for (int d = 0; d < 2; d++)
    ph_rstream(&c, &r->wt.st[d]);
  if (r->is64) {
    pinhole__st_mapped(r->a6.b_src, r->c.b.src);
    pinhole__st_mapped(r->a6.b_dst, r->c.b.dst);
  }
}

/* An ALG record's body: 0, or -1 when its lengths disagree. */
static int ph_ralg(ph_cur c, ph_st_alg *a) {
  char name[PH_ST_ALG_NAME + 1];
  uint8_t nlen = ph_r8(&c);
  memset(a, 0, sizeof(*a));
  if (nlen == 0 || nlen > PH_ST_ALG_NAME || ph_cur_left(&c) < (size_t)nlen + 1)
    return -1;
  ph_rbytes(&c, (uint8_t *)name, nlen);
  name[nlen] = 0;
  a->len = ph_r8(&c);
  if (strlen(name) != nlen || a->len > PH_ALG_STATE_SIZE ||
      ph_cur_left(&c) != a->len)
    return -1;
  ph_rbytes(&c, a->st.b, a->len);
  a->id1 = pinhole__alg_by_name(name);
  return 0;
}

static void ph_rblock(ph_cur c, ph_st_block *k) {
  k->pool = ph_r8(&c);
  k->paddr = ph_r32(&c);
  k->off = ph_r16(&c);
  k->iaddr = ph_r32(&c);
  k->left_ms = ph_r32(&c);
}

/* A HOLE body, or a HOLE6 one (its addresses first), or a HOLE64 one
 * (its prefix and IPv6 ends first). */
static void ph_rhole(ph_cur c, uint8_t type, ph_st_hole *r) {
  memset(r, 0, sizeof(*r));
  if (type == PH_ST_HOLE64) {
    ph_rbytes(&c, r->prefix, 16);
    r->plen = ph_r8(&c);
  }
  if (type != PH_ST_HOLE) {
    ph_rbytes(&c, r->a6.src, 16);
    ph_rbytes(&c, r->a6.dst, 16);
  }
  r->h.src = ph_r32(&c);
  r->h.dst = ph_r32(&c);
  r->h.sport = ph_r16(&c);
  r->h.dport = ph_r16(&c);
  r->h.proto = ph_r8(&c);
  r->h.side = ph_r8(&c);
  r->h.alg = ph_r8(&c);
  r->h.to_addr = ph_r32(&c);
  r->h.to_port = ph_r16(&c);
  r->h.sport_hi = ph_r16(&c);
  r->h.snat_pool = ph_r8(&c);
  r->h.watch = ph_r8(&c);
  r->mi = ph_r16(&c);
  r->left_ms = ph_r32(&c);
  r->h.v6 = type == PH_ST_HOLE    ? PH_HOLE_V4
            : type == PH_ST_HOLE6 ? PH_HOLE_V6
                                  : PH_HOLE_NAT64;
}

/* A host record: a NAT64 mapping's (HOST64: its IPv6 host and prefix)
 * or a held block's subscriber's (SUB64: its IPv6 address). */
typedef struct ph_st_host {
  uint8_t addr[16], prefix[16], plen;
} ph_st_host;

static void ph_rhost(ph_cur c, uint8_t type, ph_st_host *h) {
  memset(h, 0, sizeof(*h));
  ph_rbytes(&c, h->addr, 16);
  if (type == PH_ST_HOST64) {
    ph_rbytes(&c, h->prefix, 16);
    h->plen = ph_r8(&c);
  }
}

/* The host record of type want right after the record it is past: 1
 * with *h, or 0. */
static int ph_host_after(ph_it it, uint8_t want, ph_st_host *h) {
  uint8_t type;
  ph_cur b;
  if (ph_next(&it, &type, &b) != 1 || type != want)
    return 0;
  ph_rhost(b, type, h);
  return 1;
}

/* The next host record from it on (it moves past it): 1 with its type,
 * its address and the pool and inside address (fold) of the record
 * before it (a NAT64 mapping, *m, or a held block: pass 1 checked
 * that); 0 at the end. */
static int ph_next_host(ph_it *it, ph_st_host *h, uint8_t *type, uint8_t *pool,
                        uint32_t *fold, ph_st_map *m) {
  ph_cur b, pb = ph_cur_make(NULL, 0);
  memset(m, 0, sizeof(*m));
  while (ph_next(it, type, &b) == 1) {
    if (*type != PH_ST_HOST64 && *type != PH_ST_SUB64) {
      pb = b;
      continue;
    }
    ph_rhost(b, *type, h);
    if (*type == PH_ST_HOST64) {
      ph_rmap(pb, m);
      *pool = m->pool;
      *fold = m->iaddr;
    } else {
      ph_st_block k;
      ph_rblock(pb, &k);
      *pool = k.pool;
      *fold = k.iaddr;
    }
    return 1;
  }
  return 0;
}

/* ---- checking --------------------------------------------------------- */

static int ph_proto_ok(uint8_t p) {
  return p == PINHOLE_IPPROTO_TCP || p == PINHOLE_IPPROTO_UDP ||
         p == PINHOLE_IPPROTO_ICMP || p == PINHOLE_IPPROTO_GRE;
}

static int ph_alg_ok(uint8_t alg) {
  return alg <= (uint32_t)pinhole_alg_count();
}

/* A mapping's public endpoint is one its pool can give its inside one. */
static int ph_map_ok(const pinhole_ctx *ctx, const ph_st_map *m) {
  if (m->pool >= ctx->npools || !ph_proto_ok(m->proto) ||
      (m->flags & ~(PH_MAPF_ALG | PH_MAPF_NAT64)) != 0)
    return 0;
  const ph_pool *pl = &ctx->pools[m->pool];
  uint32_t ai = m->paddr - pl->addr_lo;
  if (pl->removed || m->paddr < pl->addr_lo || ai >= pl->naddrs)
    return 0;
  switch (pl->mode) {
  case PINHOLE_POOL_NAPT:
    if (m->pport >= PH_PRIV_LO && m->pport <= PH_PRIV_HI)
      return m->proto == PINHOLE_IPPROTO_TCP &&
             ai == pinhole__pool_addr_index(ctx, pl, m->iaddr);
    return m->pport >= pl->port_lo && m->pport <= pl->port_hi &&
           ai == pinhole__pool_addr_index(ctx, pl, m->iaddr);
  case PINHOLE_POOL_PBA:
    return m->pport >= pl->port_lo &&
           (uint32_t)(m->pport - pl->port_lo) < pl->bpa * pl->block_size &&
           ai == pinhole__pool_addr_index(ctx, pl, m->iaddr);
  case PINHOLE_POOL_ADDRESS:
    return m->pport == m->iport;
  default: { /* DETERMINISTIC */
    uint32_t i = m->iaddr - pl->inside_addr;
    if (m->iaddr < pl->inside_addr || i >= pl->inside_count ||
        i / pl->per_addr != ai)
      return 0;
    uint32_t base = pl->port_lo + (i % pl->per_addr) * pl->block_size;
    return m->pport >= base && m->pport - base < pl->block_size;
  }
  }
}

/* Is the public port of m taken in ctx (its bit set)? */
static int ph_port_taken(const pinhole_ctx *ctx, const ph_st_map *m) {
  const ph_pool *pl = &ctx->pools[m->pool];
  uint32_t ai = m->paddr - pl->addr_lo;
  if (pl->mode == PINHOLE_POOL_ADDRESS)
    return 0; /* the address is its subscriber's: the block decides */
  if (m->pport < pl->port_lo) {
    const uint64_t *b = pl->pbits + (size_t)ai * PH_PRIV_WORDS;
    uint32_t k = m->pport - PH_PRIV_LO;
    return (int)(b[k / 64] >> (k % 64) & 1);
  }
  const uint64_t *b = pinhole__pool_bits(ctx, pl, ai, m->proto);
  uint32_t k = m->pport - pl->port_lo;
  return (int)(b[k / 64] >> (k % 64) & 1);
}

static int ph_cgn(const pinhole_ctx *ctx, uint8_t pool) {
  uint8_t mode = ctx->pools[pool].mode;
  return mode == PINHOLE_POOL_PBA || mode == PINHOLE_POOL_ADDRESS;
}

/* The block a CGN mapping's port is in, as a comparable number. */
static uint32_t ph_block_key(const pinhole_ctx *ctx, const ph_st_map *m) {
  const ph_pool *pl = &ctx->pools[m->pool];
  uint32_t ai = m->paddr - pl->addr_lo;
  if (pl->mode == PINHOLE_POOL_ADDRESS)
    return ai;
  return ai * pl->bpa + (uint32_t)(m->pport - pl->port_lo) / pl->block_size;
}

static int ph_stream_ok(const ph_stream *s) {
  return s->synced <= 1 && s->skip_line <= 1 && s->has_corr <= 1 &&
         s->rw_valid <= 1 && s->desynced <= 1 && s->blocked <= 1 &&
         s->merged <= 1 && s->off_before >= -PH_ST_MAX_OFF &&
         s->off_before <= PH_ST_MAX_OFF && s->off_after >= -PH_ST_MAX_OFF &&
         s->off_after <= PH_ST_MAX_OFF && s->skip_len <= INT32_MAX;
}

/* The ALG of an IPv6 or NAT64 connection: with its watch or none, one
 * that runs there (may: the module's ipv6 or nat64 flag). */
static int ph_alg6_ok(const ph_st_conn *r, int nat64) {
  if (r->watch != (r->c.alg != 0))
    return 0;
  if (r->c.alg == 0)
    return 1;
  const ph_alg *alg = ph_alg_ok(r->c.alg) ? ph_alg_get(r->c.alg) : NULL;
  return alg != NULL && (nat64 ? alg->nat64 : alg->ipv6);
}

/* A hairpinned NAT64 connection (core/nat64.c ph_hairpin_new: an IPv6
 * connection between two inside hosts through their NAT64 mappings, a
 * CONN6 record with PH_CONN_HAIRPIN), its own fields: TCP or UDP from
 * the inside, its mapping (the initiator's) and hairpin (the target's)
 * named, no ALG, both hosts' addresses hosts', the tuples the folds of
 * its addresses (its mappings and prefix are checked with its
 * conversation, ph_check_hairpin64). */
static int ph_hairpin64_ok(const pinhole_ctx *ctx, const ph_st_conn *r) {
  const ph_conn *c = &r->c;
  const ph_conn6 *a6 = &r->a6;
  return ctx->nmap6 != 0 &&
         (c->proto == PINHOLE_IPPROTO_TCP || c->proto == PINHOLE_IPPROTO_UDP) &&
         c->a_side == PINHOLE_SIDE_INSIDE && r->mi != PH_ST_NONE &&
         r->hi != PH_ST_NONE && c->alg == 0 && r->watch == 0 &&
         (c->flags & PH_CONN_GRE_QUOTES) == 0 &&
         pinhole__st_host6_ok(a6->a_src) && pinhole__st_host6_ok(a6->b_src) &&
         c->a.src == pinhole__fold6(ctx, a6->a_src) &&
         c->a.dst == pinhole__fold6(ctx, a6->a_dst) &&
         c->b.src == pinhole__fold6(ctx, a6->b_src) &&
         c->b.dst == pinhole__fold6(ctx, a6->b_dst);
}

/* An IPv6 connection's own fields: a protocol the IPv6 firewall tracks,
 * no mapping (nothing is translated: side B's addresses and ports are
 * side A's reversed), an ALG only with its watch and one that runs on
 * IPv6, where it rewrites nothing (no sequence delta), tuples that hold
 * the folds of its addresses (flows6.c). */
static int ph_conn6_ok(const pinhole_ctx *ctx, const ph_st_conn *r) {
  const ph_conn *c = &r->c;
  const ph_conn6 *a6 = &r->a6;
  if (c->flags & PH_CONN_HAIRPIN)
    return ph_hairpin64_ok(ctx, r);
  if (ctx->cfg.max_conns6 == 0 ||
      (c->proto != PINHOLE_IPPROTO_TCP && c->proto != PINHOLE_IPPROTO_UDP &&
       c->proto != PINHOLE_IP6_NH_ICMPV6) ||
      r->mi != PH_ST_NONE || r->hi != PH_ST_NONE || !ph_alg6_ok(r, 0) ||
      (c->flags & (PH_CONN_HAIRPIN | PH_CONN_GRE_QUOTES)) != 0)
    return 0;
  for (int d = 0; d < 2; d++)
    if (r->wt.st[d].off_before != 0 || r->wt.st[d].off_after != 0 ||
        r->wt.st[d].has_corr != 0)
      return 0;
  if (memcmp(a6->b_src, a6->a_dst, 16) != 0 ||
      memcmp(a6->b_dst, a6->a_src, 16) != 0 || c->b.sport != c->a.dport ||
      c->b.dport != c->a.sport)
    return 0;
  return c->a.src == pinhole__fold6(ctx, a6->a_src) &&
         c->a.dst == pinhole__fold6(ctx, a6->a_dst) &&
         c->b.src == pinhole__fold6(ctx, a6->b_src) &&
         c->b.dst == pinhole__fold6(ctx, a6->b_dst);
}

/* A NAT64 connection's own fields (its prefix and mapping are checked
 * with its conversation, ph_check_family): TCP, UDP or an echo (ICMP on
 * both sides, the identifier as both ports), opened from the inside by
 * a host's address, side A the folds of its IPv6 addresses, side B IPv4
 * from the server's port (echo: the public identifier), a mapping and
 * no hairpin, an ALG only with its watch and one that runs on NAT64. */
static int ph_conn64_ok(const pinhole_ctx *ctx, const ph_st_conn *r) {
  const ph_conn *c = &r->c;
  if (ctx->cfg.max_conns6 == 0 ||
      (c->proto != PINHOLE_IPPROTO_TCP && c->proto != PINHOLE_IPPROTO_UDP &&
       c->proto != PINHOLE_IPPROTO_ICMP) ||
      c->a_side != PINHOLE_SIDE_INSIDE || r->mi == PH_ST_NONE ||
      r->hi != PH_ST_NONE || !ph_alg6_ok(r, 1) ||
      (c->flags & (PH_CONN_HAIRPIN | PH_CONN_GRE_QUOTES)) != 0 ||
      !pinhole__st_host6_ok(r->a6.a_src))
    return 0;
  if (c->proto == PINHOLE_IPPROTO_ICMP
          ? c->a.sport != c->a.dport || c->b.sport != c->b.dport
          : c->b.sport != c->a.dport)
    return 0;
  return c->a.src == pinhole__fold6(ctx, r->a6.a_src) &&
         c->a.dst == pinhole__fold6(ctx, r->a6.a_dst);
}

static int ph_conn_ok(const pinhole_ctx *ctx, const ph_st_conn *r,
                      uint32_t nmap) {
  const uint8_t flags = PH_CONN_HALF_OPEN | PH_CONN_FIN_A | PH_CONN_FIN_B |
                        PH_CONN_B_OPENED | PH_CONN_HAIRPIN | PH_CONN_GRE_QUOTES;
  const ph_conn *c = &r->c;
  if (r->is64  ? !ph_conn64_ok(ctx, r)
      : r->is6 ? !ph_conn6_ok(ctx, r)
               : !ph_proto_ok(c->proto))
    return 0;
  if (c->a_side > 1 || c->tcp_state > PH_TCP_CLOSED ||
      (c->flags & ~flags) != 0 ||
      (c->proto != PINHOLE_IPPROTO_TCP && c->tcp_state != PH_TCP_NONE &&
       c->tcp_state != PH_TCP_CLOSED) ||
      ((c->flags & PH_CONN_GRE_QUOTES) && c->proto != PINHOLE_IPPROTO_GRE) ||
      ((c->flags & PH_CONN_HALF_OPEN) && c->proto != PINHOLE_IPPROTO_TCP))
    return 0;
  if (r->idle > INT32_MAX || (r->mi != PH_ST_NONE && r->mi >= nmap) ||
      (r->hi != PH_ST_NONE && r->hi >= nmap) ||
      (r->k.rule != 0 && r->k.rule >= ctx->nrules) || c->icmp_seq_valid > 1 ||
      !ph_alg_ok(c->alg) || r->watch > 1 ||
      (r->watch && (c->alg == 0 || (c->proto != PINHOLE_IPPROTO_TCP &&
                                    c->proto != PINHOLE_IPPROTO_UDP))))
    return 0;
  if (memcmp(&c->a, &c->b, sizeof(c->a)) == 0)
    return 0;
  for (int d = 0; d < 2; d++) {
    const ph_tcp_dir *t = &r->tw.d[d];
    if (r->scale[d] > PH_TW_WS_MAX || (t->flags & ~0x0fu) != 0 ||
        r->maxwin[d] > PH_TW_MAXWIN_MAX ||
        ((t->flags & PH_TW_SEEN) && r->maxwin[d] == 0))
      return 0;
    if (!ph_stream_ok(&r->wt.st[d]))
      return 0;
  }
  if (r->wt.keep_ticks > INT32_MAX)
    return 0;
  if (!r->watch) { /* nothing of a watch without one */
    static const ph_watch none;
    if (r->wt.keep_ticks != 0 ||
        memcmp(r->wt.st, none.st, sizeof(none.st)) != 0)
      return 0;
  }
  return 1;
}

/* The ALG record a of the connection before it, watched by ALG id1: the
 * module it names is that ALG, its length is the module's state_size,
 * and the module accepts the bytes. */
static int ph_alg_rec_ok(const ph_st_alg *a, uint8_t id1) {
  if (id1 == 0 || a->id1 != id1)
    return 0;
  const ph_alg *alg = ph_alg_get(id1);
  return alg->state_size != 0 && a->len == alg->state_size &&
         (alg->state_ok == NULL || alg->state_ok(a->st.b));
}

/* A held port block: a block of a CGN pool's address, a subscriber that
 * address may serve, a hold time within the pool's. */
static int ph_block_ok(const pinhole_ctx *ctx, const ph_st_block *k) {
  if (k->pool >= ctx->npools)
    return 0;
  const ph_pool *pl = &ctx->pools[k->pool];
  uint32_t ai = k->paddr - pl->addr_lo;
  if (pl->removed ||
      (pl->mode != PINHOLE_POOL_PBA && pl->mode != PINHOLE_POOL_ADDRESS) ||
      k->paddr < pl->addr_lo || ai >= pl->naddrs || k->off >= pl->bpa ||
      k->iaddr == 0 || k->left_ms > pl->hold_ms)
    return 0;
  return pl->mode == PINHOLE_POOL_ADDRESS ||
         ai == pinhole__pool_addr_index(ctx, pl, k->iaddr);
}

static uint32_t ph_block_rec_key(const pinhole_ctx *ctx, const ph_st_block *k) {
  const ph_pool *pl = &ctx->pools[k->pool];
  return (k->paddr - pl->addr_lo) * pl->bpa + k->off;
}

/* An IPv6 pinhole: TCP or UDP between two hosts' addresses, filed
 * under their folds, nothing translated (no mapping, no source NAT, no
 * destination), of an ALG that runs on IPv6. A NAT64 pinhole: TCP or
 * UDP from the outside to a mapping (its prefix and mapping are checked
 * with its conversation), the IPv6 ends of the connection it admits a
 * host's address and the IPv4 peer under the prefix, no source NAT or
 * destination address, of an ALG that runs on NAT64. */
static int ph_hole6_ok(const pinhole_ctx *ctx, const ph_st_hole *r) {
  const ph_pinhole *h = &r->h;
  if (h->v6 == PH_HOLE_V4)
    return 1;
  if (ctx->cfg.max_conns6 == 0 || h->proto == PINHOLE_IPPROTO_GRE ||
      h->alg == 0 || h->to_addr != 0 || h->snat_pool != 0 ||
      !pinhole__st_host6_ok(r->a6.dst))
    return 0;
  const ph_alg *alg = ph_alg_get(h->alg);
  if (h->v6 == PH_HOLE_NAT64)
    return alg->nat64 && h->side == PINHOLE_SIDE_OUTSIDE && r->mi != PH_ST_NONE;
  return alg->ipv6 && r->mi == PH_ST_NONE && h->to_port == 0 &&
         pinhole__st_host6_ok(r->a6.src) &&
         h->src == pinhole__fold6(ctx, r->a6.src) &&
         h->dst == pinhole__fold6(ctx, r->a6.dst);
}

static int ph_hole_ok(const pinhole_ctx *ctx, const ph_st_hole *r,
                      uint32_t nmap) {
  const ph_pinhole *h = &r->h;
  return (h->proto == PINHOLE_IPPROTO_TCP || h->proto == PINHOLE_IPPROTO_UDP ||
          h->proto == PINHOLE_IPPROTO_GRE) &&
         h->side <= 1 && ph_alg_ok(h->alg) && h->snat_pool <= ctx->npools &&
         h->watch <= 1 && (h->sport_hi == 0 || h->sport_hi >= h->sport) &&
         r->left_ms <= ctx->cfg.pinhole_timeout_ms &&
         (r->mi == PH_ST_NONE || r->mi < nmap) && ph_hole6_ok(ctx, r);
}

/* What a blob needs, counted by ph_check. */
typedef struct ph_need {
  uint32_t convs, conns, conns6, watch, holes, maps; /* maps: distinct, new */
  uint32_t maps6;  /* of maps: NAT64 ones (a slot with an IPv6 host) */
  uint32_t tcp[2]; /* of conns, conns6: TCP ones */
  int full;
} ph_need;

/* The ids of a blob's CONV and DEL records, each once, sorted, with
 * ctx's conversation of each (PH_NIL: none), in ctx->scratch: import
 * handles no packet, so nothing else writes it meanwhile. One walk of the
 * live list finds them all (ph_ids_find), where a walk per record made a
 * delta of k conversations cost k times the list. */
typedef struct ph_idh {
  uint32_t id;
  ph_convh h;
} ph_idh;

typedef struct ph_ids {
  ph_idh *v;
  uint32_t n;
} ph_ids;

_Static_assert(PINHOLE_STATE_MAX_RECORDS * sizeof(ph_idh) <= PH_SCRATCH,
               "a blob's ids fit the scratch buffer");

static void ph_idh_sift(ph_idh *v, uint32_t at, uint32_t n) {
  ph_idh x = v[at];
  for (uint32_t c; (c = 2 * at + 1) < n; at = c) {
    if (c + 1 < n && v[c + 1].id > v[c].id)
      c++;
    if (v[c].id <= x.id)
      break;
    v[at] = v[c];
  }
  v[at] = x;
}

/* Heapsort by id: no allocation, n log n. */
static void ph_idh_sort(ph_idh *v, uint32_t n) {
  for (uint32_t i = n / 2; i-- > 0;)
    ph_idh_sift(v, i, n);
  for (uint32_t end = n; end-- > 1;) {
    ph_idh t = v[0];
    v[0] = v[end];
    v[end] = t;
    ph_idh_sift(v, 0, end);
  }
}

/* The entry of id, or NULL. */
static ph_idh *ph_ids_get(const ph_ids *ix, uint32_t id) {
  uint32_t lo = 0, hi = ix->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (ix->v[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < ix->n && ix->v[lo].id == id ? &ix->v[lo] : NULL;
}

/* ctx's conversations of ix's ids: one walk of the live list (a binary
 * search per conversation), ended once every id is found. */
static void ph_ids_find(const pinhole_ctx *ctx, ph_ids *ix) {
  uint32_t found = 0;
  ph_convv cv;
  for (ph_convh r = ctx->conv_head; r && found < ix->n; r = cv.next) {
    ph_conv_view(ctx, r, &cv);
    ph_idh *e = ph_ids_get(ix, cv.id);
    if (e != NULL && e->h == PH_NIL) {
      e->h = r;
      found++;
    }
  }
}

/* ix: the ids of the CONV and DEL records of all, sorted, each once, and
 * (but for a full snapshot, which replaces everything) ctx's
 * conversations of them. */
static void ph_ids_build(pinhole_ctx *ctx, ph_it all, int full, ph_ids *ix) {
  uint8_t type;
  ph_cur b;
  ix->v = (ph_idh *)(void *)ctx->scratch;
  ix->n = 0;
  for (ph_it it = all; ph_next(&it, &type, &b) == 1;)
    if ((type == PH_ST_CONV || type == PH_ST_DEL) &&
        ix->n < PINHOLE_STATE_MAX_RECORDS)
      ix->v[ix->n++] = (ph_idh){ph_r32(&b), PH_NIL};
  ph_idh_sort(ix->v, ix->n);
  uint32_t k = 0;
  for (uint32_t i = 0; i < ix->n; i++)
    if (k == 0 || ix->v[k - 1].id != ix->v[i].id)
      ix->v[k++] = ix->v[i];
  ix->n = k;
  if (!full)
    ph_ids_find(ctx, ix);
}

/* ctx's conversation of id, one of ix's, or PH_NIL. */
static ph_convh ph_conv_of(const pinhole_ctx *ctx, const ph_ids *ix,
                           uint32_t id) {
  const ph_idh *e = ph_ids_get(ix, id);
  return e != NULL && ph_convh_is(ctx, e->h, id) ? e->h : PH_NIL;
}

/* Does the conversation whose records follow it, its CONV record naming
 * alg, need a conversation record (ctx.h ph_convh)? Not when it is a
 * plain connection: no ALG, one connection, not watched, no pinhole. */
static int ph_conv_needs_rec(ph_it it, uint8_t alg) {
  uint8_t type;
  ph_cur b;
  uint32_t conns = 0;
  if (alg != 0)
    return 1;
  while (ph_next(&it, &type, &b) == 1 && type != PH_ST_CONV) {
    if (ph_st_is_conn(type)) {
      ph_st_conn r;
      ph_rconn(b, type, &r);
      if (r.watch || ++conns > 1)
        return 1;
    } else if (type != PH_ST_MAP && type != PH_ST_HOST64) {
      return 1; /* a pinhole (or an ALG record) */
    }
  }
  return conns != 1;
}

/* Is conversation id one the blob replaces or deletes? */
static int ph_replaced(const ph_ids *ix, uint32_t id) {
  return ph_ids_get(ix, id) != NULL;
}

static int ph_key_eq(uint8_t p1, const ph_tuple *t1, uint8_t p2,
                     const ph_tuple *t2) {
  return p1 == p2 && t1->src == t2->src && t1->dst == t2->dst &&
         t1->sport == t2->sport && t1->dport == t2->dport;
}

/* Is side s (0: A, 1: B) of connection r filed in the IPv6 table? Side
 * B of a NAT64 connection is IPv4. */
static int ph_side6(const ph_st_conn *r, int s) {
  return r->is6 && !(r->is64 && s == 1);
}

/* Do side s of r and side t of o have one key (in one table)? */
static int ph_key_same(const ph_st_conn *r, int s, const ph_st_conn *o, int t) {
  const ph_tuple *x = s ? &r->c.b : &r->c.a, *y = t ? &o->c.b : &o->c.a;
  if (ph_side6(r, s) != ph_side6(o, t) ||
      !ph_key_eq(r->c.proto, x, o->c.proto, y))
    return 0;
  if (!ph_side6(r, s))
    return 1;
  return memcmp(s ? r->a6.b_src : r->a6.a_src, t ? o->a6.b_src : o->a6.a_src,
                16) == 0 &&
         memcmp(s ? r->a6.b_dst : r->a6.a_dst, t ? o->a6.b_dst : o->a6.a_dst,
                16) == 0;
}

/* The k-th MAP record of the conversation whose records start at conv:
 * 0, or -1 when there is none. */
static int ph_map_rec(ph_it conv, uint16_t k, ph_st_map *m) {
  uint8_t type;
  ph_cur b;
  while (ph_next(&conv, &type, &b) == 1 && type != PH_ST_CONV)
    if (type == PH_ST_MAP && k-- == 0) {
      ph_rmap(b, m);
      return 0;
    }
  return -1;
}

/* Is mapping reference mi (of the conversation at conv) none, or a
 * NAT64 mapping exactly when nat64 says so? */
static int ph_map_family(ph_it conv, uint16_t mi, int nat64) {
  ph_st_map m;
  if (mi == PH_ST_NONE)
    return 1;
  return ph_map_rec(conv, mi, &m) == 0 &&
         ((m.flags & PH_MAPF_NAT64) != 0) == (nat64 != 0);
}

/* The host record of the k-th MAP record of the conversation whose
 * records start at conv: 0 with *h, or -1. */
static int ph_map_host(ph_it conv, uint16_t k, ph_st_host *h) {
  uint8_t type;
  ph_cur b;
  while (ph_next(&conv, &type, &b) == 1 && type != PH_ST_CONV)
    if (type == PH_ST_MAP && k-- == 0)
      return ph_host_after(conv, PH_ST_HOST64, h) ? 0 : -1;
  return -1;
}

/* Is addr the host of the k-th MAP record of the conversation at conv
 * (a NAT64 mapping's, its HOST64 record)? */
static int ph_map_host_is(ph_it conv, uint16_t k, const uint8_t addr[16]) {
  ph_st_host h;
  return ph_map_host(conv, k, &h) == 0 && memcmp(h.addr, addr, 16) == 0;
}

/* A hairpinned NAT64 connection r with its conversation: its mapping a
 * NAT64 one of side A's fold and port whose public port side B's
 * packets reach (its host side A's source); its hairpin the target's
 * NAT64 mapping, of side B's fold and port (its host side B's source),
 * whose public endpoint side A reaches; side A's destination that public
 * address under a prefix the standby has (the first that holds it), side
 * B's destination the mapping's public address under the same. 0,
 * PINHOLE_ERR_PARSE or PINHOLE_ERR_NOMATCH (the standby lacks the
 * prefix). */
static int ph_check_hairpin64(const pinhole_ctx *ctx, ph_it conv,
                              const ph_st_conn *r) {
  const ph_conn *c = &r->c;
  ph_st_map m, hp;
  uint32_t v4 = 0;
  uint8_t pub[16];
  if (ph_map_rec(conv, r->mi, &m) != 0 || ph_map_rec(conv, r->hi, &hp) != 0 ||
      !ph_map_host_is(conv, r->mi, r->a6.a_src) ||
      !ph_map_host_is(conv, r->hi, r->a6.b_src) || !(m.flags & PH_MAPF_NAT64) ||
      !(hp.flags & PH_MAPF_NAT64) || m.proto != c->proto ||
      hp.proto != c->proto || m.iaddr != c->a.src || m.iport != c->a.sport ||
      m.pport != c->b.dport || hp.iaddr != c->b.src || hp.iport != c->b.sport ||
      hp.pport != c->a.dport)
    return PINHOLE_ERR_PARSE;
  int k = pinhole__nat64_prefix_of(ctx, r->a6.a_dst, &v4);
  uint32_t b4 = 0; /* the address pinhole__conn_mapping finds m by */
  if (k < 0)
    return PINHOLE_ERR_NOMATCH;
  if (v4 != hp.paddr || pinhole__nat64_prefix_of(ctx, r->a6.b_dst, &b4) < 0 ||
      b4 != m.paddr ||
      pinhole_nat64_embed(pub, ctx->nat64_prefix[k], ctx->nat64_plen[k],
                          m.paddr) != 0 ||
      memcmp(pub, r->a6.b_dst, 16) != 0)
    return PINHOLE_ERR_PARSE;
  return 0;
}

/* An IPv4 connection record r's hairpin reference (process.c): named
 * exactly when r is hairpinned (PH_CONN_HAIRPIN), and then the mapping
 * of its protocol whose public endpoint side A addresses, the one
 * pinhole__conn_hairpin finds again. */
static int ph_hairpin4_ok(ph_it conv, const ph_st_conn *r) {
  ph_st_map hp;
  if (r->hi == PH_ST_NONE)
    return !(r->c.flags & PH_CONN_HAIRPIN);
  return (r->c.flags & PH_CONN_HAIRPIN) && ph_map_rec(conv, r->hi, &hp) == 0 &&
         hp.proto == r->c.proto && hp.paddr == r->c.a.dst &&
         hp.pport == r->c.a.dport;
}

/* An IPv4 connection record r's mapping: none, or the one of its
 * protocol whose public endpoint is where packets from its outside side
 * arrive (side B's destination when side A is inside, side A's
 * otherwise), the one pinhole__conn_mapping finds again. */
static int ph_map4_ok(ph_it conv, const ph_st_conn *r) {
  ph_st_map m;
  if (r->mi == PH_ST_NONE)
    return 1;
  const ph_tuple *t = r->c.a_side == PINHOLE_SIDE_INSIDE ? &r->c.b : &r->c.a;
  return ph_map_rec(conv, r->mi, &m) == 0 && m.proto == r->c.proto &&
         m.paddr == t->dst && m.pport == t->dport;
}

/* A connection or pinhole record's family (4, 6 or 64: NAT64), which
 * every record of its conversation shares (an ALG's pinholes are of its
 * control connection's family, what they admit too), and its mappings
 * NAT64 ones exactly in a NAT64 record. A NAT64 record's mapping is the
 * one its IPv6 host and port have (fold, alg.c pinhole__alg_map6) and its
 * IPv4 side uses; its prefix the standby's (state6.c). 0, or the error:
 * PINHOLE_ERR_PARSE, PINHOLE_ERR_NOMATCH (the standby lacks the prefix,
 * or its configuration would translate otherwise). */
static int ph_check_family(const pinhole_ctx *ctx, ph_it conv, uint8_t type,
                           ph_cur b, uint8_t *fam) {
  uint8_t f = type == PH_ST_CONN6 || type == PH_ST_HOLE6     ? 6
              : type == PH_ST_CONN64 || type == PH_ST_HOLE64 ? 64
                                                             : 4;
  if (*fam != 0 && *fam != f)
    return PINHOLE_ERR_PARSE;
  *fam = f;
  ph_st_map m;
  if (ph_st_is_conn(type)) {
    ph_st_conn r;
    ph_rconn(b, type, &r);
    if (r.is6 && !r.is64 && (r.c.flags & PH_CONN_HAIRPIN))
      return ph_check_hairpin64(ctx, conv, &r);
    if (!ph_map_family(conv, r.mi, r.is64) || !ph_map_family(conv, r.hi, 0) ||
        (!r.is6 && (!ph_hairpin4_ok(conv, &r) || !ph_map4_ok(conv, &r))) ||
        (r.is6 && !r.is64 && r.mi != PH_ST_NONE)) /* nothing translated */
      return PINHOLE_ERR_PARSE;
    if (!r.is64)
      return 0;
    if (ph_map_rec(conv, r.mi, &m) != 0 || m.proto != r.c.proto ||
        m.iaddr != r.c.a.src || m.iport != r.c.a.sport ||
        m.paddr != r.c.b.dst || m.pport != r.c.b.dport ||
        !ph_map_host_is(conv, r.mi, r.a6.a_src))
      return PINHOLE_ERR_PARSE;
    return pinhole__st_nat64_ok(ctx, r.prefix, r.plen, r.a6.a_dst, r.c.b.src);
  }
  ph_st_hole r;
  ph_rhole(b, type, &r);
  if (!ph_map_family(conv, r.mi, type == PH_ST_HOLE64))
    return PINHOLE_ERR_PARSE;
  if (type != PH_ST_HOLE64)
    return 0;
  if (ph_map_rec(conv, r.mi, &m) != 0 || m.proto != r.h.proto ||
      m.iaddr != pinhole__fold6(ctx, r.a6.dst) || m.iport != r.h.to_port ||
      m.paddr != r.h.dst || m.pport != r.h.dport ||
      !ph_map_host_is(conv, r.mi, r.a6.dst))
    return PINHOLE_ERR_PARSE;
  return pinhole__st_nat64_ok(ctx, r.prefix, r.plen, r.a6.src, r.h.src);
}

/* Pass 1 for the host records: record type (body b) after record prev
 * (body pb). A NAT64 mapping has its HOST64 right after it (and no other
 * record does): a host's address whose fold is the mapping's inside
 * address, a prefix the standby has; a SUB64 comes only right after a
 * held block: a host's address whose fold is the block's subscriber. 0,
 * or PINHOLE_ERR_PARSE, PINHOLE_ERR_NOMATCH (the standby lacks the
 * prefix), PINHOLE_ERR_UNSUPPORTED (a NAT64 mapping without its host
 * record: a blob from before type 12). */
static int ph_check_host_rec(const pinhole_ctx *ctx, uint8_t prev, ph_cur pb,
                             uint8_t type, ph_cur b) {
  ph_st_map m;
  ph_st_host h;
  int nat64 = 0;
  memset(&m, 0, sizeof(m));
  if (prev == PH_ST_MAP) {
    ph_rmap(pb, &m);
    nat64 = (m.flags & PH_MAPF_NAT64) != 0;
  }
  if (nat64 != (type == PH_ST_HOST64))
    return nat64 ? PINHOLE_ERR_UNSUPPORTED : PINHOLE_ERR_PARSE;
  if (type != PH_ST_HOST64 && type != PH_ST_SUB64)
    return 0;
  ph_rhost(b, type, &h);
  if (type == PH_ST_HOST64) {
    uint8_t k;
    return pinhole__st_host64_ok(ctx, h.addr, m.iaddr, h.prefix, h.plen, &k);
  }
  ph_st_block bk;
  if (prev != PH_ST_BLOCK || ctx->sub6 == NULL)
    return PINHOLE_ERR_PARSE;
  ph_rblock(pb, &bk);
  return pinhole__st_host6_ok(h.addr) && pinhole__fold6(ctx, h.addr) == bk.iaddr
             ? 0
             : PINHOLE_ERR_PARSE;
}

/* Pass 1: each record on its own, the order, the references. */
static int ph_check_records(const pinhole_ctx *ctx, ph_it it, ph_need *n) {
  uint8_t type;
  ph_cur b;
  int rc, in_conv = 0;
  uint32_t first_id = 0, last_id = 0, nmap = 0, nhole = 0;
  uint8_t alg_next = 0; /* the ALG whose record may come next, id + 1 */
  uint8_t fam = 0;      /* the conversation's family, once known */
  ph_it conv = it;      /* the records after the current CONV */
  uint8_t prev = 0;     /* the record before, and its body */
  ph_cur pb = ph_cur_make(NULL, 0);
  while ((rc = ph_next(&it, &type, &b)) == 1) {
    uint8_t alg_may = alg_next;
    alg_next = 0;
    if ((rc = ph_check_host_rec(ctx, prev, pb, type, b)) != 0)
      return rc;
    prev = type;
    pb = b;
    switch (type) {
    case PH_ST_DEL:
      if (in_conv || n->full || ph_r32(&b) == 0)
        return PINHOLE_ERR_PARSE;
      break;
    case PH_ST_BLOCK: {
      ph_st_block k;
      ph_rblock(b, &k);
      if (in_conv || !ph_block_ok(ctx, &k))
        return PINHOLE_ERR_PARSE;
      break;
    }
    case PH_ST_ALG: {
      ph_st_alg a;
      if (ph_ralg(b, &a) != 0 || !ph_alg_rec_ok(&a, alg_may))
        return PINHOLE_ERR_PARSE;
      break;
    }
    case PH_ST_CONV: {
      uint32_t id = ph_r32(&b);
      uint8_t alg = ph_r8(&b), side = ph_r8(&b);
      /* ids come in creation order, as export writes and placement
       * expects: each further from the first (counting up across the
       * wrap, RFC 1982) than the one before, so none twice; a
       * conversation more than 2^31 older than the newest still goes */
      if (!in_conv)
        first_id = id;
      if (id == 0 || (in_conv && id - first_id <= last_id - first_id) ||
          !ph_alg_ok(alg) || side > 1)
        return PINHOLE_ERR_PARSE;
      in_conv = 1;
      last_id = id;
      nmap = nhole = 0;
      fam = 0;
      conv = it;
      n->convs += (uint32_t)ph_conv_needs_rec(it, alg);
      break;
    }
    case PH_ST_MAP: {
      ph_st_map m;
      ph_rmap(b, &m);
      if (!in_conv || nmap >= PH_ST_NONE || !ph_map_ok(ctx, &m))
        return PINHOLE_ERR_PARSE;
      nmap++;
      break;
    }
    case PH_ST_CONN:
    case PH_ST_CONN6:
    case PH_ST_CONN64: {
      ph_st_conn r;
      ph_rconn(b, type, &r);
      if (!in_conv || !ph_conn_ok(ctx, &r, nmap))
        return PINHOLE_ERR_PARSE;
      if ((rc = ph_check_family(ctx, conv, type, b, &fam)) != 0)
        return rc;
      n->conns += !r.is6;
      n->conns6 += r.is6;
      n->tcp[r.is6] += r.c.proto == PINHOLE_IPPROTO_TCP;
      n->watch += r.watch;
      if (r.watch)
        alg_next = r.c.alg;
      break;
    }
    case PH_ST_HOLE:
    case PH_ST_HOLE6:
    case PH_ST_HOLE64: {
      ph_st_hole r;
      ph_rhole(b, type, &r);
      if (!in_conv || !ph_hole_ok(ctx, &r, nmap) ||
          ++nhole > ctx->cfg.max_pinholes_per_conv)
        return PINHOLE_ERR_PARSE;
      if ((rc = ph_check_family(ctx, conv, type, b, &fam)) != 0)
        return rc;
      n->holes++;
      break;
    }
    case PH_ST_HOST64:
    case PH_ST_SUB64:
      break; /* ph_check_host_rec */
    default:
      return PINHOLE_ERR_PARSE;
    }
  }
  if (rc < 0)
    return PINHOLE_ERR_PARSE;
  return ph_check_host_rec(ctx, prev, pb, 0, b); /* the last a NAT64 MAP? */
}

/* Pass 2: the mappings agree with each other and with ctx. */
static int ph_check_maps(const pinhole_ctx *ctx, ph_it all, ph_need *n) {
  ph_it it = all;
  uint8_t type;
  ph_cur b;
  while (ph_next(&it, &type, &b) == 1) {
    if (type != PH_ST_MAP)
      continue;
    ph_st_map m, o;
    ph_rmap(b, &m);
    int first = 1;
    uint32_t sub_new = 0; /* new blocks of m's subscriber, up to m */
    int block_first = 1;
    for (ph_it j = all; ph_next(&j, &type, &b) == 1;) {
      if (j.left == it.left) /* m itself: later ones are compared by them */
        break;
      if (type != PH_ST_MAP)
        continue;
      ph_rmap(b, &o);
      int same_pub =
          o.proto == m.proto && o.paddr == m.paddr && o.pport == m.pport;
      int same_in = o.pool == m.pool && o.proto == m.proto &&
                    o.iaddr == m.iaddr && o.iport == m.iport;
      if (same_pub != same_in || (same_pub && o.flags != m.flags))
        return PINHOLE_ERR_PARSE;
      if (same_pub)
        first = 0;
      if (ph_cgn(ctx, m.pool) && o.pool == m.pool &&
          ph_block_key(ctx, &o) == ph_block_key(ctx, &m)) {
        if (o.iaddr != m.iaddr)
          return PINHOLE_ERR_PARSE; /* one block, two subscribers */
        block_first = 0;
      }
    }
    if (!first)
      continue;
    const ph_pool *pl = &ctx->pools[m.pool];
    uint32_t ai = m.paddr - pl->addr_lo;
    ph_ref r = n->full
                   ? PH_NIL
                   : pinhole__map_find_public(ctx, m.proto, m.paddr, m.pport);
    if (r != PH_NIL) {
      const ph_mapping *x = ph_map_at(ctx, r);
      if (x->pool != m.pool || x->iaddr != m.iaddr || x->iport != m.iport)
        return PINHOLE_ERR_EXISTS;
      continue; /* shared with what ctx has */
    }
    n->maps++;
    n->maps6 += (m.flags & PH_MAPF_NAT64) != 0;
    if (!n->full) {
      ph_ref in = pinhole__map_find_inside(ctx, m.proto, m.iaddr, m.iport);
      if ((in != PH_NIL && ph_map_at(ctx, in)->pool == m.pool) ||
          ph_port_taken(ctx, &m))
        return PINHOLE_ERR_EXISTS;
    }
    if (!ph_cgn(ctx, m.pool) || !block_first)
      continue;
    uint32_t held = 0, owner = 0;
    if (!n->full)
      owner = pinhole__pba_owner(ctx, m.pool, ai, m.pport, m.iaddr, &held);
    if (owner == m.iaddr)
      continue;
    if (owner != 0)
      return PINHOLE_ERR_EXISTS;
    /* a block the subscriber takes: count them against its quota */
    for (ph_it j = all; ph_next(&j, &type, &b) == 1 && j.left > it.left;) {
      if (type != PH_ST_MAP)
        continue;
      ph_rmap(b, &o);
      if (o.pool != m.pool || o.iaddr != m.iaddr)
        continue;
      int seen = 0; /* first record of its block? */
      for (ph_it k = all; ph_next(&k, &type, &b) == 1 && k.left > j.left;) {
        ph_st_map q;
        if (type != PH_ST_MAP)
          continue;
        ph_rmap(b, &q);
        if (q.pool == o.pool && ph_block_key(ctx, &q) == ph_block_key(ctx, &o))
          seen = 1;
      }
      if (!seen)
        sub_new++;
    }
    if (held + sub_new + 1 > pl->max_blocks)
      return PINHOLE_ERR_FULL;
  }
  return 0;
}

/* The first public port of held block k. */
static uint16_t ph_block_rec_port(const pinhole_ctx *ctx,
                                  const ph_st_block *k) {
  const ph_pool *pl = &ctx->pools[k->pool];
  return (uint16_t)(pl->port_lo + (uint32_t)k->off * pl->block_size);
}

/* Is the block of CGN mapping m (or held block k) one the subscriber
 * takes anew (free in ctx, or any in a full snapshot)? */
static int ph_block_new(const pinhole_ctx *ctx, const ph_need *n, uint8_t pool,
                        uint32_t paddr, uint16_t pport, uint32_t iaddr) {
  uint32_t held = 0;
  const ph_pool *pl = &ctx->pools[pool];
  return n->full || pinhole__pba_owner(ctx, pool, paddr - pl->addr_lo, pport,
                                       iaddr, &held) == 0;
}

/* The blocks subscriber iaddr of pool takes anew with the blob: its held
 * blocks and the distinct blocks of its mappings. */
static uint32_t ph_sub_new_blocks(const pinhole_ctx *ctx, ph_it all,
                                  const ph_need *n, uint8_t pool,
                                  uint32_t iaddr) {
  uint32_t count = 0;
  uint8_t type;
  ph_cur b;
  for (ph_it it = all; ph_next(&it, &type, &b) == 1;) {
    if (type == PH_ST_BLOCK) {
      ph_st_block k;
      ph_rblock(b, &k);
      count += k.pool == pool && k.iaddr == iaddr &&
               ph_block_new(ctx, n, pool, k.paddr, ph_block_rec_port(ctx, &k),
                            iaddr);
      continue;
    }
    if (type != PH_ST_MAP)
      continue;
    ph_st_map m, o;
    ph_rmap(b, &m);
    if (m.pool != pool || m.iaddr != iaddr ||
        !ph_block_new(ctx, n, pool, m.paddr, m.pport, iaddr))
      continue;
    int seen = 0;
    for (ph_it j = all;
         !seen && ph_next(&j, &type, &b) == 1 && j.left > it.left;)
      if (type == PH_ST_MAP) {
        ph_rmap(b, &o);
        seen = o.pool == pool && o.iaddr == iaddr &&
               ph_block_key(ctx, &o) == ph_block_key(ctx, &m);
      }
    count += !seen;
  }
  return count;
}

/* Held port blocks: each once, none with a mapping of the blob in it,
 * none another subscriber has in ctx, every subscriber within its quota
 * with everything the blob gives it. */
static int ph_check_blocks(const pinhole_ctx *ctx, ph_it all,
                           const ph_need *n) {
  uint8_t type;
  ph_cur b;
  uint32_t nblocks = 0;
  for (ph_it it = all; ph_next(&it, &type, &b) == 1;) {
    if (type != PH_ST_BLOCK)
      continue;
    ph_st_block k, o;
    ph_rblock(b, &k);
    if (++nblocks > ctx->cfg.max_port_blocks)
      return PINHOLE_ERR_PARSE;
    uint32_t key = ph_block_rec_key(ctx, &k);
    int sub_first = 1;
    for (ph_it j = all; ph_next(&j, &type, &b) == 1;) {
      if (type == PH_ST_BLOCK && j.left != it.left) {
        ph_rblock(b, &o);
        if (o.pool == k.pool && ph_block_rec_key(ctx, &o) == key)
          return PINHOLE_ERR_PARSE; /* twice */
        if (o.pool == k.pool && o.iaddr == k.iaddr && j.left > it.left)
          sub_first = 0;
      } else if (type == PH_ST_MAP) {
        ph_st_map m;
        ph_rmap(b, &m);
        if (m.pool == k.pool && ph_block_key(ctx, &m) == key)
          return PINHOLE_ERR_PARSE; /* held, and yet a mapping's */
      }
    }
    uint32_t held = 0, owner = 0;
    if (!n->full)
      owner =
          pinhole__pba_owner(ctx, k.pool, k.paddr - ctx->pools[k.pool].addr_lo,
                             ph_block_rec_port(ctx, &k), k.iaddr, &held);
    if (owner != 0 && owner != k.iaddr)
      return PINHOLE_ERR_EXISTS;
    if (sub_first && held + ph_sub_new_blocks(ctx, all, n, k.pool, k.iaddr) >
                         ctx->pools[k.pool].max_blocks)
      return PINHOLE_ERR_FULL;
  }
  return 0;
}

/* Is a held block of subscriber iaddr of pool in the blob without its
 * SUB64 record? */
static int ph_block_bare(ph_it all, uint8_t pool, uint32_t iaddr) {
  uint8_t type;
  ph_cur b;
  ph_st_block k;
  ph_st_host h;
  for (ph_it it = all; ph_next(&it, &type, &b) == 1;) {
    if (type != PH_ST_BLOCK)
      continue;
    ph_rblock(b, &k);
    if (k.pool == pool && k.iaddr == iaddr &&
        !ph_host_after(it, PH_ST_SUB64, &h))
      return 1;
  }
  return 0;
}

/* The host records agree: one address per fold in the blob; a held
 * block of a NAT64 mapping's subscriber names the subscriber too; and
 * with ctx (unless a full snapshot replaces everything): a subscriber
 * ctx has of that pool and fold is that NAT64 client, a mapping ctx has
 * at a NAT64 mapping's public endpoint (which the blob shares) has that
 * host. 0, PINHOLE_ERR_PARSE or PINHOLE_ERR_EXISTS. */
static int ph_check_hosts(const pinhole_ctx *ctx, ph_it all, const ph_need *n) {
  ph_st_host h, o;
  ph_st_map m, mo;
  uint8_t type, to, pool, po;
  uint32_t fold, fo;
  for (ph_it it = all; ph_next_host(&it, &h, &type, &pool, &fold, &m) == 1;) {
    for (ph_it j = it; ph_next_host(&j, &o, &to, &po, &fo, &mo) == 1;)
      if (fo == fold && memcmp(o.addr, h.addr, 16) != 0)
        return PINHOLE_ERR_PARSE; /* two hosts, one fold */
    int cgn = ph_cgn(ctx, pool);
    if (type == PH_ST_HOST64 && cgn && ph_block_bare(all, pool, fold))
      return PINHOLE_ERR_PARSE;
    if (n->full)
      continue;
    const uint8_t *a;
    int sub = cgn ? pinhole__pba_sub6(ctx, pool, fold, &a) : -1;
    if (sub == 0 || (sub == 1 && memcmp(a, h.addr, 16) != 0))
      return PINHOLE_ERR_EXISTS;
    if (type != PH_ST_HOST64)
      continue;
    ph_ref r = pinhole__map_find_public(ctx, m.proto, m.paddr, m.pport);
    const ph_map6 *x = r != PH_NIL ? ph_map6_of(ctx, r) : NULL;
    if (r != PH_NIL && (!(ph_map_at(ctx, r)->flags & PH_MAPF_NAT64) ||
                        x == NULL || memcmp(x->addr, h.addr, 16) != 0))
      return PINHOLE_ERR_EXISTS;
  }
  return 0;
}

/* Pass 3: flow keys unique in the blob and free in ctx. */
/*
 * No two keys of a blob's connections are one (a key filed twice would
 * make the tables disagree with the blob): each connection's two keys as
 * (keyed hash, position) pairs in ctx->scratch, sorted, and the records of
 * equal hashes compared in full. n log n where comparing every pair made
 * a blob of 4,096 records cost millions of parses. Runs before
 * ph_ids_build, which takes the scratch buffer next.
 */
static uint32_t ph_key_hash32(const pinhole_ctx *ctx, const ph_st_conn *r,
                              int s) {
  const ph_tuple *t = s ? &r->c.b : &r->c.a;
  if (!ph_side6(r, s))
    return (uint32_t)pinhole__key_hash(ctx, r->c.proto, t->src, t->dst,
                                       t->sport, t->dport);
  return (uint32_t)pinhole__hash6(
      ctx, r->c.proto, s ? r->a6.b_src : r->a6.a_src,
      s ? r->a6.b_dst : r->a6.a_dst, t->sport, t->dport);
}

_Static_assert(2 * PINHOLE_STATE_MAX_RECORDS * sizeof(uint64_t) <= PH_SCRATCH,
               "both keys of a blob's connections fit the scratch buffer");

static void ph_u64_sift(uint64_t *v, uint32_t at, uint32_t n) {
  uint64_t x = v[at];
  for (uint32_t c; (c = 2 * at + 1) < n; at = c) {
    if (c + 1 < n && v[c + 1] > v[c])
      c++;
    if (v[c] <= x)
      break;
    v[at] = v[c];
  }
  v[at] = x;
}

/* The connection record at byte pos of the blob's records (as all's
 * cursor starts) and which side: ph_check_keys's entries. */
static void ph_key_rec(ph_it all, uint32_t e, ph_st_conn *r, int *s) {
  uint8_t type;
  ph_cur b;
  all.c.pos += e >> 1;
  all.left = 1;
  (void)ph_next(&all, &type, &b); /* read before: well formed */
  ph_rconn(b, type, r);
  *s = (int)(e & 1);
}

static int ph_check_keys(pinhole_ctx *ctx, ph_it all) {
  uint64_t *v = (uint64_t *)(void *)ctx->scratch;
  uint32_t n = 0;
  uint8_t type;
  ph_cur b;
  size_t start = all.c.pos;
  for (ph_it it = all, at = all; ph_next(&it, &type, &b) == 1; at = it) {
    if (!ph_st_is_conn(type) || n + 2 > 2 * PINHOLE_STATE_MAX_RECORDS)
      continue;
    ph_st_conn r;
    ph_rconn(b, type, &r);
    uint32_t pos = (uint32_t)(at.c.pos - start) << 1;
    for (int s = 0; s < 2; s++)
      v[n++] = (uint64_t)ph_key_hash32(ctx, &r, s) << 32 | (pos | (uint32_t)s);
  }
  for (uint32_t i = n / 2; i-- > 0;)
    ph_u64_sift(v, i, n);
  for (uint32_t end = n; end-- > 1;) {
    uint64_t t = v[0];
    v[0] = v[end];
    v[end] = t;
    ph_u64_sift(v, 0, end);
  }
  /* each run of one hash: its keys compared pairwise (a run longer than
   * one is a 2^-32 accident, or a connection whose own two keys are one,
   * which the family check refuses already) */
  for (uint32_t i = 0; i < n;) {
    uint32_t j = i + 1;
    while (j < n && v[j] >> 32 == v[i] >> 32)
      j++;
    for (uint32_t x = i; x + 1 < j; x++)
      for (uint32_t y = x + 1; y < j; y++) {
        ph_st_conn r, o;
        int s, t;
        ph_key_rec(all, (uint32_t)v[x], &r, &s);
        ph_key_rec(all, (uint32_t)v[y], &o, &t);
        if ((uint32_t)v[x] >> 1 != (uint32_t)v[y] >> 1 &&
            ph_key_same(&r, s, &o, t))
          return PINHOLE_ERR_PARSE;
      }
    i = j;
  }
  return 0;
}

static int ph_check_conns(const pinhole_ctx *ctx, const ph_ids *ix, ph_it body,
                          const ph_need *n) {
  ph_it it = body;
  uint8_t type;
  ph_cur b;
  while (ph_next(&it, &type, &b) == 1) {
    if (!ph_st_is_conn(type))
      continue;
    ph_st_conn r;
    ph_rconn(b, type, &r);
    if (n->full)
      continue;
    for (int s = 0; s < 2; s++) {
      const ph_tuple *t = s ? &r.c.b : &r.c.a;
      int dir;
      ph_conn *x;
      if (ph_side6(&r, s)) {
        x = pinhole__conn6_lookup(
            (pinhole_ctx *)ctx, r.c.proto, s ? r.a6.b_src : r.a6.a_src,
            s ? r.a6.b_dst : r.a6.a_dst, t->sport, t->dport, &dir);
      } else {
        uint64_t h = pinhole__key_hash(ctx, r.c.proto, t->src, t->dst, t->sport,
                                       t->dport);
        x = pinhole__conn_lookup((pinhole_ctx *)ctx, r.c.proto, t->src, t->dst,
                                 t->sport, t->dport, h, &dir);
      }
      if (x != NULL && !ph_replaced(ix, ph_conn_conv_id(ctx, x)))
        return PINHOLE_ERR_EXISTS;
    }
  }
  return 0;
}

/* Room in ctx's tables once the conversations it replaces are gone. */
/* Do a family's new connections fit its slots: TCP ones only in the slots
 * with windows, the others in those without first (ph_free_list in
 * flows.c)? used: slots taken, tused: of them with windows; slots,
 * tslots: the family's. */
static int ph_slots_fit(uint64_t used, uint64_t tused, uint64_t slots,
                        uint64_t tslots, uint64_t need, uint64_t tneed) {
  uint64_t tfree = tslots - tused, xfree = (slots - tslots) - (used - tused);
  uint64_t other = need - tneed;
  uint64_t over = other > xfree ? other - xfree : 0;
  return tneed + over <= tfree;
}

/* Do the blob's new NAT64 mappings find slots with an IPv6 host record
 * (ctx->nmap6 of them; IPv4 mappings take the others first, pool.c
 * ph_map_free_list)? As for the other tables, the mappings of the
 * conversations the blob replaces count as taken. */
static int ph_map6_fit(const pinhole_ctx *ctx, const ph_need *n) {
  uint64_t used = 0, used6 = 0;
  if (!n->full) {
    uint32_t free6 = 0;
    for (ph_ref r = ctx->map_free; r != PH_NIL && free6 < ctx->nmap6;
         r = ph_map_at(ctx, r)->inext)
      free6++;
    used = ctx->nmaps;
    used6 = ctx->nmap6 - free6;
  }
  return ph_slots_fit(used, used6, ctx->cfg.max_mappings, ctx->nmap6, n->maps,
                      n->maps6);
}

static int ph_check_room(const pinhole_ctx *ctx, const ph_ids *ix,
                         const ph_need *n) {
  uint64_t convs = 0, conns = 0, conns6 = 0, watch = 0, holes = 0, maps = 0;
  uint64_t tused[2] = {0, 0};
  if (!n->full) {
    convs = ctx->nconv_recs;
    conns = ctx->nconns - ctx->nconns6;
    conns6 = ctx->nconns6;
    tused[0] = ctx->ntcp_used[0];
    tused[1] = ctx->ntcp_used[1];
    watch = ctx->nwatch;
    holes = ctx->npinholes;
    maps = ctx->nmaps;
    for (uint32_t i = 0; i < ix->n; i++) { /* each id once */
      ph_convh h = ix->v[i].h;
      if (h == PH_NIL)
        continue;
      ph_convv cv;
      ph_conv_view(ctx, h, &cv);
      convs -= !ph_convh_plain(h);
      holes -= cv.npinholes;
      for (ph_ref x = cv.first; x; x = ph_conv_next_conn(ctx, x)) {
        const ph_conn *c = ph_conn_at(ctx, x);
        watch -= ph_conn_watched(c);
        if (ph_tcpw_idx(ctx, ph_slot(x)) != UINT32_MAX)
          tused[ph_conn_is6(ctx, c)]--;
        if (ph_conn_is6(ctx, c))
          conns6--;
        else
          conns--;
      }
    }
  }
  const pinhole_config *c = &ctx->cfg;
  if (convs + n->convs > c->max_conversations ||
      conns + n->conns > c->max_flows || conns6 + n->conns6 > c->max_conns6 ||
      watch + n->watch > c->max_watch || holes + n->holes > c->max_pinholes ||
      maps + n->maps > c->max_mappings ||
      !ph_slots_fit(conns, tused[0], c->max_flows, ctx->ntcp4, n->conns,
                    n->tcp[0]) ||
      !ph_slots_fit(conns6, tused[1], c->max_conns6, ctx->ntcp6, n->conns6,
                    n->tcp[1]) ||
      !ph_map6_fit(ctx, n))
    return PINHOLE_ERR_FULL;
  return 0;
}

/* ---- applying --------------------------------------------------------- */

/* The IPv6 host of a NAT64 mapping (or subscriber) made next: the host
 * record right after the record `after` is past, of type want (checked:
 * pass 1); NULL when there is none. */
static const uint8_t *ph_host_next(pinhole_ctx *ctx, ph_it after, uint8_t want,
                                   ph_st_host *h) {
  uint8_t k = 0;
  if (!ph_host_after(after, want, h))
    return NULL;
  if (want == PH_ST_HOST64 &&
      pinhole__st_host64_ok(ctx, h->addr, pinhole__fold6(ctx, h->addr),
                            h->prefix, h->plen, &k) != 0)
    return NULL;
  ctx->map6_pfx = k;
  return h->addr;
}

/* The mapping of record m (after: past it), one reference taken (found
 * or made). */
static ph_ref ph_map_obtain(pinhole_ctx *ctx, const ph_st_map *m, ph_it after) {
  ph_ref r = pinhole__map_find_public(ctx, m->proto, m->paddr, m->pport);
  if (r != PH_NIL) {
    pinhole__map_ref(ctx, r);
    return r;
  }
  const ph_pool *pl = &ctx->pools[m->pool];
  uint32_t ai = m->paddr - pl->addr_lo;
  /* a NAT64 mapping takes a slot with an IPv6 host record, its host
   * there (pool.c), and a new subscriber of it its address (pba.c) */
  ph_st_host h;
  if (m->flags & PH_MAPF_NAT64)
    ctx->map6_next = ph_host_next(ctx, after, PH_ST_HOST64, &h);
  if (ph_cgn(ctx, m->pool) &&
      pinhole__pba_claim(ctx, m->pool, m->iaddr, ai, m->pport, 1) != 0) {
    ctx->map6_next = NULL;
    return PH_NIL; /* ph_check_maps ruled this out */
  }
  r = pinhole__map_insert(ctx, m->pool, m->proto, m->iaddr, m->iport, ai,
                          m->pport);
  ctx->map6_next = NULL;
  if (r == PH_NIL)
    return PH_NIL; /* ph_check_room ruled this out */
  ph_map_at(ctx, r)->flags = m->flags;
  return r;
}

/* The k-th MAP record of the conversation whose records start at conv. */
static ph_ref ph_map_nth(pinhole_ctx *ctx, ph_it conv, uint16_t k) {
  if (k == PH_ST_NONE)
    return PH_NIL;
  uint8_t type;
  ph_cur b;
  while (ph_next(&conv, &type, &b) == 1 && type != PH_ST_CONV)
    if (type == PH_ST_MAP && k-- == 0) {
      ph_st_map m;
      ph_rmap(b, &m);
      return ph_map_obtain(ctx, &m, conv);
    }
  return PH_NIL;
}

/* Makes connection r in conv (PH_NIL: a plain one, its conversation's id
 * taken, ph_apply places it); returns it, or NULL. */
static ph_conn *ph_apply_conn(pinhole_ctx *ctx, ph_ref conv, ph_it at,
                              const ph_st_conn *r) {
  ph_ref mi = ph_map_nth(ctx, at, r->mi), hi = ph_map_nth(ctx, at, r->hi);
  ph_conn *c;
  if (r->is64)
    c = pinhole__conn_new64(ctx, conv, r->c.proto, r->c.a_side, &r->c.a,
                            &r->c.b, r->a6.a_src, r->a6.a_dst, r->a6.b_src,
                            r->a6.b_dst);
  else if (r->is6)
    c = pinhole__conn_new6(ctx, conv, r->c.proto, r->c.a_side, &r->c.a, &r->c.b,
                           r->a6.a_src, r->a6.a_dst, r->a6.b_src, r->a6.b_dst);
  else
    c = pinhole__conn_new(ctx, conv, r->c.proto, r->c.a_side, &r->c.a, &r->c.b);
  if (c == NULL) { /* ph_check_room ruled this out */
    pinhole__map_put(ctx, mi);
    pinhole__map_put(ctx, hi);
    return NULL;
  }
  ph_conn_cold *k = ph_cold(ctx, c);
  c->tcp_state = r->c.tcp_state;
  c->flags |= (uint8_t)(r->c.flags & ~PH_CONN_GRE_QUOTES);
  if (c->flags & PH_CONN_HALF_OPEN)
    ctx->half_open++;
  c->last_seen = ctx->now_tick - r->idle;
  *ph_conn_echo_seq(ctx, c) = r->c.icmp_seq;
  *ph_conn_echo_valid(ctx, c) = r->c.icmp_seq_valid;
  c->alg = r->c.alg;
  c->frames[0] = r->c.frames[0];
  c->frames[1] = r->c.frames[1];
  ph_conn_set_bytes(ctx, c, 0, r->c.bytes[0]);
  ph_conn_set_bytes(ctx, c, 1, r->c.bytes[1]);
  k->rule = r->k.rule;
  k->rule_gen = ctx->rules_gen;
  /* mi: pinhole__conn_mapping finds it again, hi: pinhole__conn_hairpin
   * (both checked, ph_check_family) */
  ph_cold_set_map(ctx, c, mi);
  if (c->proto == PINHOLE_IPPROTO_TCP) {
    ph_tcpw *tw = ph_tcpw_of(ctx, c);
    *tw = r->tw;
    if (c->tcp_state >= PH_TCP_ESTABLISHED && c->tcp_state < PH_TCP_CLOSED)
      for (int d = 0; d < 2; d++) /* relearnt from the next segment each way */
        tw->d[d].flags &= (uint8_t) ~(PH_TW_SEEN | PH_TW_ACKED);
  }
  if (r->watch && pinhole__conn_watch(ctx, c, r->c.alg) == 0) {
    ph_watch *w = ph_watch_at(ctx, ph_conn_watch(ctx, c));
    w->keep_ticks = r->wt.keep_ticks;
    w->mss[0] = r->wt.mss[0];
    w->mss[1] = r->wt.mss[1];
    for (int d = 0; d < 2; d++) {
      w->st[d] = r->wt.st[d];
      w->st[d].held = PH_NIL; /* a split message is not carried */
      /* the active box may have passed messages since this pass: the
       * next data each way may lie past msg_seq (stream.c) */
      w->st[d].pickup =
          c->proto == PINHOLE_IPPROTO_TCP && c->tcp_state != PH_TCP_CLOSED;
    }
  }
  if (r->c.flags & PH_CONN_GRE_QUOTES)
    pinhole__gre_file_quotes(ctx, c);
  pinhole__conn_touch_timer(ctx, c);
  return c;
}

/* ALG record a: the state of the watched connection c made before it. */
static void ph_apply_alg(pinhole_ctx *ctx, ph_conn *c, const ph_st_alg *a) {
  if (c == NULL || !ph_conn_watched(c) || c->alg != a->id1)
    return; /* no watch slot was free: ph_check_room ruled this out */
  memcpy(ph_watch_at(ctx, ph_conn_watch(ctx, c))->alg_state, a->st.b, a->len);
}

static void ph_apply_hole(pinhole_ctx *ctx, ph_ref conv, ph_it at,
                          const ph_st_hole *r) {
  ph_pinhole e = r->h;
  e.mapping = ph_map_nth(ctx, at, r->mi);
  ph_conv *cv = ph_conv_at(ctx, conv);
  uint32_t before = cv->npinholes;
  if (pinhole__pinhole_open6(ctx, conv, &e, e.v6 ? &r->a6 : NULL) != 0 ||
      cv->npinholes == before)
    return;
  pinhole_wheel_arm(&ctx->pinhole_wheel, ph_slot(cv->pinholes),
                    ph_deadline(ctx->now_ns, (uint64_t)r->left_ms * 1000000u));
}

/* Empties conversation record r of its connections and pinholes, keeping
 * it (and its place in the listing's order) for its replacement. */
static void ph_conv_empty(pinhole_ctx *ctx, ph_ref r) {
  ph_conv *cv = ph_conv_at(ctx, r);
  cv->nconns++; /* hold it while its lists empty */
  while (cv->pinholes)
    pinhole__pinhole_free(ctx, cv->pinholes, 0);
  while (cv->first)
    pinhole__conn_free(ctx, ph_conn_at(ctx, cv->first));
  cv->nconns--;
}

/* Frees conversation h, which the blob replaces by one that cannot take
 * its place (a plain connection's, or one of the other kind), without
 * events and without recording it as ended (its id lives on). */
static void ph_conv_gone(pinhole_ctx *ctx, ph_convh h) {
  if (ph_convh_plain(h)) {
    ph_conn *c = ph_conn_at(ctx, ph_convh_conn(h));
    ph_cold(ctx, c)->own_id = 0; /* pinhole__sync_deleted skips it */
    pinhole__conn_free(ctx, c);
    return;
  }
  ph_conv_empty(ctx, h);
  ph_conv_at(ctx, h)->id = 0;
  pinhole__conv_maybe_free(ctx, h);
}

/* Pass one of ph_apply (not a full snapshot): the conversations the blob
 * deletes are cleared, those it replaces emptied (an ALG session's record
 * kept in its place when its replacement has one) or freed. */
static void ph_apply_replaced(pinhole_ctx *ctx, const ph_ids *ix, ph_it all) {
  uint8_t type;
  ph_cur b;
  for (ph_it it = all; ph_next(&it, &type, &b) == 1;) {
    if (type != PH_ST_CONV && type != PH_ST_DEL)
      continue;
    uint32_t id = ph_r32(&b);
    uint8_t alg = ph_r8(&b);
    ph_convh h = ph_conv_of(ctx, ix, id);
    if (h == PH_NIL)
      continue;
    if (type == PH_ST_DEL)
      pinhole__conv_clear(ctx, h);
    else if (!ph_convh_plain(h) && ph_conv_needs_rec(it, alg))
      ph_conv_empty(ctx, h);
    else
      ph_conv_gone(ctx, h);
  }
}

/* Conversation id's record for the blob's CONV record (alg, side): the
 * one ph_apply_replaced kept, or a new one at id's place (after prev,
 * the conversation of the CONV record before, when there is one);
 * PH_NIL when none is free (ph_check_room ruled this out). */
static ph_ref ph_apply_conv(pinhole_ctx *ctx, const ph_ids *ix, uint32_t id,
                            uint8_t alg, uint8_t side, ph_convh prev) {
  ph_convh h = ph_conv_of(ctx, ix, id);
  ph_ref conv = h != PH_NIL && !ph_convh_plain(h) ? h : PH_NIL;
  if (conv == PH_NIL) {
    conv = pinhole__conv_new(ctx, alg, side);
    if (conv == PH_NIL)
      return PH_NIL;
    pinhole__conv_place(ctx, conv, id, prev);
  }
  ph_conv_at(ctx, conv)->alg = alg;
  ph_conv_at(ctx, conv)->a_side = side;
  return conv;
}

/* After an import the next id is the one after the newest conversation
 * (the list's tail: the list holds creation order), as on the active box
 * when none ended since: not after the newest of the blob (a piece may
 * hold only a conversation far older than the newest, which a serial
 * comparison takes for a newer one), nor past the ids the import's plain
 * connections took before they were given theirs. */
static void ph_next_id(pinhole_ctx *ctx) {
  if (ctx->conv_tail == PH_NIL)
    return;
  uint32_t id = ph_convh_id(ctx, ctx->conv_tail);
  ctx->next_conv_id = id + 1 == 0 ? 1 : id + 1;
}

/* Where the blob's first CONV record's conversation goes when the
 * standby has one of its id (which ph_apply_replaced frees: a plain
 * connection's is made anew): after the nearest conversation before it
 * that the blob leaves alone (PH_PLACE_HEAD: none); PH_NIL when the
 * standby has none (placed by its id from the tail). At most ix->n
 * steps: each conversation stepped over is one of the blob's ids. */
static ph_convh ph_first_place(pinhole_ctx *ctx, const ph_ids *ix, ph_it all) {
  uint8_t type;
  ph_cur b;
  while (ph_next(&all, &type, &b) == 1 && type != PH_ST_CONV)
    ;
  if (type != PH_ST_CONV)
    return PH_NIL;
  ph_convh h = ph_conv_of(ctx, ix, ph_r32(&b));
  if (h == PH_NIL)
    return PH_NIL;
  for (uint32_t i = 0; i <= ix->n; i++) {
    h = pinhole__conv_prev(ctx, h);
    if (h == PH_NIL || !ph_replaced(ix, ph_convh_id(ctx, h)))
      break;
  }
  return h != PH_NIL ? h : PH_PLACE_HEAD;
}

static int ph_apply(pinhole_ctx *ctx, const ph_ids *ix, ph_it all, int full) {
  uint8_t type;
  ph_cur b;
  ph_convh prev = PH_NIL; /* the conversation of the CONV record before */
  if (full) {
    (void)pinhole_conversations_clear(ctx, NULL);
    pinhole__pba_reset(ctx);
  } else {
    prev = ph_first_place(ctx, ix, all);
    ph_apply_replaced(ctx, ix, all);
  }
  for (ph_it it = all; ph_next(&it, &type, &b) == 1;)
    if (type == PH_ST_BLOCK) {
      ph_st_block k;
      ph_st_host h;
      ph_rblock(b, &k);
      ctx->map6_next = ph_host_next(ctx, it, PH_ST_SUB64, &h);
      pinhole__pba_hold_import(ctx, k.pool, k.iaddr,
                               k.paddr - ctx->pools[k.pool].addr_lo,
                               ph_block_rec_port(ctx, &k), k.left_ms);
      ctx->map6_next = NULL;
    }
  int n = 0;
  ph_ref conv = PH_NIL;
  uint32_t plain_id = 0; /* a plain connection's conversation: its id */
  ph_conn *last = NULL;  /* the connection an ALG record belongs to */
  ph_it at = all;        /* the records after the current CONV */
  for (ph_it it = all; ph_next(&it, &type, &b) == 1;) {
    switch (type) {
    case PH_ST_CONV: {
      uint32_t id = ph_r32(&b);
      uint8_t alg = ph_r8(&b), side = ph_r8(&b);
      if (conv != PH_NIL) {
        pinhole__conv_maybe_free(ctx, conv);
        if (ph_conv_at(ctx, conv)->live)
          prev = conv;
      }
      conv = PH_NIL;
      plain_id = 0;
      if (!ph_conv_needs_rec(it, alg)) {
        plain_id = id; /* made with its connection */
      } else {
        conv = ph_apply_conv(ctx, ix, id, alg, side, prev);
        if (conv == PH_NIL)
          return n;
      }
      at = it;
      n++;
      break;
    }
    case PH_ST_CONN:
    case PH_ST_CONN6:
    case PH_ST_CONN64: {
      ph_st_conn r;
      ph_rconn(b, type, &r);
      last = ph_apply_conn(ctx, conv, at, &r);
      if (last != NULL && plain_id != 0) {
        pinhole__conv_place(ctx, ph_conn_convh(ctx, last), plain_id, prev);
        prev = ph_conn_convh(ctx, last);
      }
      break;
    }
    case PH_ST_ALG: {
      ph_st_alg a;
      if (ph_ralg(b, &a) == 0)
        ph_apply_alg(ctx, last, &a);
      break;
    }
    case PH_ST_HOLE:
    case PH_ST_HOLE6:
    case PH_ST_HOLE64: {
      ph_st_hole r;
      ph_rhole(b, type, &r);
      if (conv != PH_NIL) /* a plain connection has none */
        ph_apply_hole(ctx, conv, at, &r);
      break;
    }
    default:
      break;
    }
  }
  if (conv != PH_NIL)
    pinhole__conv_maybe_free(ctx, conv);
  return n;
}

int pinhole_state_import(pinhole_ctx *ctx, uint64_t now_ns, const uint8_t *buf,
                         size_t len) {
  if (ctx == NULL || buf == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  ph_cur c = ph_cur_make(buf, len);
  uint32_t magic = 0, nrec = 0, total = 0;
  uint16_t version = 0, flags = 0;
  uint64_t fp;
  if (0 != ph_cur_be32(&c, &magic) || magic != PH_ST_MAGIC ||
      0 != ph_cur_be16(&c, &version))
    return len < 6 ? PINHOLE_ERR_PARSE : PINHOLE_ERR_UNSUPPORTED;
  if (version != PINHOLE_STATE_VERSION)
    return PINHOLE_ERR_UNSUPPORTED;
  if (ph_cur_left(&c) < PH_ST_HDR - 6)
    return PINHOLE_ERR_PARSE;
  flags = ph_r16(&c);
  fp = ph_r64(&c);
  nrec = ph_r32(&c);
  total = ph_r32(&c);
  if (fp != ph_fingerprint(ctx))
    return PINHOLE_ERR_NOMATCH;
  if (total != len || (flags & ~PH_ST_FULL) != 0 ||
      nrec > PINHOLE_STATE_MAX_RECORDS)
    return PINHOLE_ERR_PARSE;
  ph_it all = {c, nrec};
  ph_need n;
  memset(&n, 0, sizeof(n));
  n.full = (flags & PH_ST_FULL) != 0;
  int rc = ph_check_records(ctx, all, &n);
  if (rc == 0) {
    ph_it end = all;
    uint8_t type;
    ph_cur b;
    while (ph_next(&end, &type, &b) == 1)
      ;
    if (ph_cur_left(&end.c) != 0)
      rc = PINHOLE_ERR_PARSE; /* bytes after the last record */
  }
  /* in the scratch buffer before the ids take it; its answer counts
   * where the other connection checks' do */
  int keys = rc == 0 ? ph_check_keys(ctx, all) : 0;
  ph_ids ix = {NULL, 0};
  if (rc == 0)
    ph_ids_build(ctx, all, n.full, &ix);
  if (rc == 0)
    rc = ph_check_maps(ctx, all, &n);
  if (rc == 0)
    rc = ph_check_blocks(ctx, all, &n);
  if (rc == 0)
    rc = ph_check_hosts(ctx, all, &n);
  if (rc == 0)
    rc = keys;
  if (rc == 0)
    rc = ph_check_conns(ctx, &ix, all, &n);
  if (rc == 0)
    rc = ph_check_room(ctx, &ix, &n);
  if (rc != 0)
    return rc;
  ph_set_time(ctx, now_ns);
  rc = ph_apply(ctx, &ix, all, n.full);
  ph_next_id(ctx);
  return rc;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The held-bytes pool: the bytes of messages split across TCP segments or
 * IP fragments of Watch connections, held until the rest arrives
 * (docs/reassembly.md).
 *
 * Everything is sized at pinhole_ctx_new: hold_bytes of fixed-size chunks
 * (PH_HOLD_CHUNK bytes, linked through chunk_next, a free list), max_held
 * message slots (ph_held: the owner, where the message starts, its length
 * and chunk chain) and one contiguous buffer of hold_buf_cap bytes into
 * which a completed message is copied for its ALG. Nothing is allocated
 * on the packet path.
 *
 * Limits and fairness:
 *  - a message longer than hold_msg_max is refused (REASM_TOO_BIG);
 *  - a conversation holds at most hold_bytes_per_conv bytes of chunks at
 *    once (a message that would pass its share is refused, REASM_OVERFLOW);
 *  - when the pool's chunks or message slots run out, the oldest held
 *    message of the context is given up (REASM_OVERFLOW, its owner told
 *    through pinhole__hold_lost) to make room. So a message is lost to
 *    others only when more than the whole pool (hold_bytes bytes, or
 *    max_held messages) of messages began after it while it waited: with
 *    the share, that takes at least hold_bytes / hold_bytes_per_conv
 *    conversations holding within that time;
 *  - a message not complete hold_timeout_ms after it began times out
 *    (REASM_TIMEOUT, its owner told).
 */
#include "core/engine.h"

#include <string.h>

static uint32_t ph_chunks_for(size_t bytes) {
  return (uint32_t)((bytes + PH_HOLD_CHUNK - 1) / PH_HOLD_CHUNK);
}

static uint8_t *ph_chunk(const pinhole_ctx *ctx, ph_ref c) {
  return ctx->chunk_data + (size_t)ph_slot(c) * PH_HOLD_CHUNK;
}

static uint32_t *ph_conv_bytes(const pinhole_ctx *ctx, ph_ref conv) {
  return &ctx->conv_held[ph_slot(conv)];
}

/* ---- the age list ------------------------------------------------------ */

static void ph_age_unlink(pinhole_ctx *ctx, ph_held *h) {
  if (h->older)
    ph_held_at(ctx, h->older)->newer = h->newer;
  else
    ctx->held_oldest = h->newer;
  if (h->newer)
    ph_held_at(ctx, h->newer)->older = h->older;
  else
    ctx->held_newest = h->older;
  h->older = h->newer = PH_NIL;
}

static void ph_age_push(pinhole_ctx *ctx, ph_ref r) {
  ph_held *h = ph_held_at(ctx, r);
  h->older = ctx->held_newest;
  h->newer = PH_NIL;
  if (ctx->held_newest)
    ph_held_at(ctx, ctx->held_newest)->newer = r;
  else
    ctx->held_oldest = r;
  ctx->held_newest = r;
}

/* ---- slots ------------------------------------------------------------- */

void pinhole__hold_free(pinhole_ctx *ctx, ph_ref r) {
  ph_held *h = ph_held_at(ctx, r);
  if (h->conv == PH_NIL)
    return;
  uint32_t n = 0;
  for (ph_ref c = h->first; c; n++) {
    ph_ref next = ctx->chunk_next[ph_slot(c)];
    ctx->chunk_next[ph_slot(c)] = ctx->chunk_free;
    ctx->chunk_free = c;
    c = next;
  }
  ctx->chunks_used -= n;
  uint32_t *cb = ph_conv_bytes(ctx, h->conv);
  uint32_t bytes = n * PH_HOLD_CHUNK;
  *cb = *cb > bytes ? *cb - bytes : 0;
  ph_age_unlink(ctx, h);
  pinhole_wheel_cancel(&ctx->hold_wheel, ph_slot(r));
  memset(h, 0, sizeof(*h));
  h->next = ctx->held_free;
  ctx->held_free = r;
  ctx->nheld--;
}

void pinhole__hold_done(pinhole_ctx *ctx, ph_ref r) {
  ph_count(ctx, PINHOLE_CNT_REASM_COMPLETED);
  pinhole__hold_free(ctx, r);
}

/* Tells the owner its message is gone, then frees it. */
static void ph_hold_end(pinhole_ctx *ctx, ph_ref r, int why) {
  ph_held *h = ph_held_at(ctx, r);
  switch (h->kind) {
  case PH_HOLD_TCP:
    pinhole__stream_hold_lost(ctx, r, why);
    break;
  default: /* PH_HOLD_DGRAM: its owner adds its case here */
    break;
  }
  pinhole__hold_free(ctx, r);
}

/* Gives up the oldest held message other than keep: 0 when there is
 * none. */
static int ph_evict(pinhole_ctx *ctx, ph_ref keep) {
  ph_ref r = ctx->held_oldest;
  if (r == keep && r)
    r = ph_held_at(ctx, r)->newer;
  if (r == PH_NIL)
    return 0;
  ph_count(ctx, PINHOLE_CNT_REASM_OVERFLOW);
  ph_hold_end(ctx, r, PH_HOLD_EVICTED);
  return 1;
}

ph_ref pinhole__hold_new(pinhole_ctx *ctx, uint8_t kind, ph_ref conv,
                         ph_ref owner, uint8_t dir, uint32_t key) {
  if (ctx->held_free == PH_NIL && !ph_evict(ctx, PH_NIL))
    return PH_NIL; /* max_held is at least 1: not reached */
  ph_ref r = ctx->held_free;
  ph_held *h = ph_held_at(ctx, r);
  ctx->held_free = h->next;
  memset(h, 0, sizeof(*h));
  h->conv = conv;
  h->owner = owner;
  h->key = key;
  h->kind = kind;
  h->dir = dir;
  ph_age_push(ctx, r);
  ctx->nheld++;
  pinhole_wheel_arm(
      &ctx->hold_wheel, ph_slot(r),
      ph_deadline(ctx->now_ns, (uint64_t)ctx->cfg.hold_timeout_ms * 1000000u));
  ph_count(ctx, PINHOLE_CNT_REASM_HELD);
  return r;
}

int pinhole__hold_append(pinhole_ctx *ctx, ph_ref r, const uint8_t *p,
                         size_t len) {
  ph_held *h = ph_held_at(ctx, r);
  if (len > ctx->cfg.hold_msg_max - h->len) {
    ph_count(ctx, PINHOLE_CNT_REASM_TOO_BIG);
    return PINHOLE_ERR_RANGE;
  }
  size_t room =
      h->len % PH_HOLD_CHUNK ? PH_HOLD_CHUNK - h->len % PH_HOLD_CHUNK : 0;
  uint32_t need = len > room ? ph_chunks_for(len - room) : 0;
  uint32_t *cb = ph_conv_bytes(ctx, h->conv);
  if (*cb + (uint64_t)need * PH_HOLD_CHUNK > ctx->cfg.hold_bytes_per_conv) {
    ph_count(ctx, PINHOLE_CNT_REASM_OVERFLOW);
    return PINHOLE_ERR_FULL;
  }
  while (ctx->nchunks - ctx->chunks_used < need)
    if (!ph_evict(ctx, r)) {
      ph_count(ctx, PINHOLE_CNT_REASM_OVERFLOW);
      return PINHOLE_ERR_FULL;
    }
  *cb += need * PH_HOLD_CHUNK;
  ctx->chunks_used += need;
  while (len > 0) {
    size_t at = h->len % PH_HOLD_CHUNK;
    if (at == 0) { /* a new chunk at the end of the chain */
      ph_ref c = ctx->chunk_free;
      ctx->chunk_free = ctx->chunk_next[ph_slot(c)];
      ctx->chunk_next[ph_slot(c)] = PH_NIL;
      if (h->last)
        ctx->chunk_next[ph_slot(h->last)] = c;
      else
        h->first = c;
      h->last = c;
    }
    size_t n = PH_HOLD_CHUNK - at < len ? PH_HOLD_CHUNK - at : len;
    memcpy(ph_chunk(ctx, h->last) + at, p, n);
    p += n;
    len -= n;
    h->len += (uint32_t)n;
  }
  return 0;
}

/* Walks [off, off + len) of message h, calling fn on each piece; stops at
 * the first nonzero answer. */
typedef int (*ph_piece_fn)(const uint8_t *piece, size_t n, void *arg);

static int ph_walk(const pinhole_ctx *ctx, const ph_held *h, size_t off,
                   size_t len, ph_piece_fn fn, void *arg) {
  ph_ref c = h->first;
  size_t skip = off;
  while (c && skip >= PH_HOLD_CHUNK) {
    c = ctx->chunk_next[ph_slot(c)];
    skip -= PH_HOLD_CHUNK;
  }
  while (c && len > 0) {
    size_t n = PH_HOLD_CHUNK - skip < len ? PH_HOLD_CHUNK - skip : len;
    int rc = fn(ph_chunk(ctx, c) + skip, n, arg);
    if (rc)
      return rc;
    len -= n;
    skip = 0;
    c = ctx->chunk_next[ph_slot(c)];
  }
  return 0;
}

static int ph_copy_piece(const uint8_t *piece, size_t n, void *arg) {
  uint8_t **dst = arg;
  memcpy(*dst, piece, n);
  *dst += n;
  return 0;
}

size_t pinhole__hold_copy(const pinhole_ctx *ctx, ph_ref r, size_t off,
                          uint8_t *dst, size_t len) {
  const ph_held *h = ph_held_at(ctx, r);
  if (off >= h->len)
    return 0;
  if (len > h->len - off)
    len = h->len - off;
  uint8_t *d = dst;
  ph_walk(ctx, h, off, len, ph_copy_piece, &d);
  return len;
}

static int ph_cmp_piece(const uint8_t *piece, size_t n, void *arg) {
  const uint8_t **p = arg;
  int differs = memcmp(*p, piece, n) != 0;
  *p += n;
  return differs;
}

int pinhole__hold_same(const pinhole_ctx *ctx, ph_ref r, size_t off,
                       const uint8_t *p, size_t len) {
  const ph_held *h = ph_held_at(ctx, r);
  if (off > h->len || len > h->len - off)
    return 0;
  const uint8_t *q = p;
  return ph_walk(ctx, h, off, len, ph_cmp_piece, &q) == 0;
}

uint8_t *pinhole__hold_buf(const pinhole_ctx *ctx, size_t *cap) {
  *cap = ctx->hold_buf_cap;
  return ctx->hold_buf;
}

/* ---- time -------------------------------------------------------------- */

void pinhole__hold_expire(pinhole_ctx *ctx, ph_ref r) {
  if (ph_held_at(ctx, r)->conv == PH_NIL)
    return;
  ph_count(ctx, PINHOLE_CNT_REASM_TIMEOUT);
  ph_hold_end(ctx, r, PH_HOLD_TIMEOUT);
}

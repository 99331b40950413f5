/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IP fragments of a Watch connection's UDP datagram (a SIP INVITE whose
 * SDP does not fit one packet): reassembled for its ALG, then sent on in
 * pieces of the size they came in (docs/reassembly.md "IP fragments").
 *
 * The pieces are held in the held-bytes pool (core/hold.c) as one message
 * per datagram, in the order they arrive: records of (offset, length,
 * bytes), the first fragment's IP header as a record of its own. The
 * fragment entry (core/frag.c, PH_FRAG_REASM) keeps the sorted byte ranges
 * held. A piece that overlaps held bytes must repeat them exactly (only
 * its new bytes are kept); different bytes end the datagram (the overlap
 * evasion, RFC 1858, RFC 3128). When the ranges join into the whole
 * datagram, it is rebuilt in the pool's buffer and goes through the
 * packet path like an unfragmented one (ALG, translation, checksums), then
 * is cut again (pkt/refrag.c): the first piece returned in the caller's
 * packet, the others through emit; or whole with PINHOLE_CFG_REASM_WHOLE.
 *
 * Pieces that arrive before their first fragment (reordering) cannot be
 * matched to a connection yet: they are held as an orphan, charged to a
 * share of their own (hold_bytes_per_conv for all orphans together), until
 * the first fragment comes. If that one's connection is not reassembled,
 * the orphan's pieces are translated and sent on through emit, and the
 * rest of the datagram follows by virtual reassembly.
 *
 * Outcomes when a datagram cannot be reassembled (each counted once):
 * overlapping different bytes or an end that disagrees (IP fragment
 * overlap), more than 65535 bytes (IP max length) and a datagram not whole
 * within hold_timeout_ms (IP fragment reassembly timeout and REASM_TIMEOUT)
 * are dropped. Longer than hold_msg_max (REASM_TOO_BIG), no room in the
 * pool, the share or the fragment table (REASM_OVERFLOW): passed on
 * unparsed (an ALG error, "fragmented message not inspected") when that
 * cannot carry an inside address out (its sender's address is not
 * translated), or with PINHOLE_CFG_ALG_PASS_UNTRANSLATED; dropped
 * otherwise.
 */
#include "core/frag_reasm.h"
#include "core/alg_call.h"
#include "pkt/bytes.h"
#include "pkt/pkt_cksum.h"
#include "pkt/refrag.h"

#include <string.h>

#define PH_IP_MF 0x2000u
#define PH_IP_DF 0x4000u

/* A record of the held message: 2 bytes offset (PH_REC_HEADER: the first
 * fragment's IP header), 2 bytes length, then the bytes. */
#define PH_REC_LEN 4u
#define PH_REC_HEADER 0xffffu /* not a multiple of 8: never an offset */
/* The longest header kept: IPv4's 60, IPv6's PH_FRAG6_HL_MAX. */
#define PH_HDR_MAX PH_FRAG6_HL_MAX

typedef struct ph_rec {
  uint32_t at; /* where its bytes begin in the message */
  uint32_t off, len;
} ph_rec;

/* One fragment as the reassembly sees it, whatever its family. */
typedef struct ph_in {
  const uint8_t *hdr; /* the fragment: its header first */
  size_t hl;          /* the header kept for a first fragment: IPv4's,
                         or IPv6's 40 bytes and the fragment header */
  const uint8_t *p;   /* its piece */
  uint32_t lo, len;   /* the piece's offset and length */
  uint32_t ip_len;
  int last; /* MF / M clear */
} ph_in;

static void ph_in4(ph_in *in, const uint8_t *pkt, const pinhole_pkt_view *v) {
  in->hdr = pkt;
  in->hl = v->ihl;
  in->p = pkt + v->ihl;
  in->lo = v->frag_off;
  in->len = (uint32_t)v->ip_len - v->ihl;
  in->ip_len = v->ip_len;
  in->last = !(ph_get16(pkt + PH_IP_FRAG) & PH_IP_MF);
}

/* An IPv6 fragment: its header kept (a first fragment's) is the IPv6
 * header, the extension headers before the fragment header (RFC 8200
 * sec. 4.5: the per-fragment headers) and the fragment header; its piece
 * is what follows the fragment header. */
static void ph_in6(ph_in *in, const uint8_t *pkt, const pinhole_pkt6_view *v6) {
  size_t hl = (size_t)v6->frag_hdr_off + 8u;
  in->hdr = pkt;
  in->hl = hl;
  in->p = pkt + hl;
  in->lo = v6->frag_off;
  in->len = v6->ip_len - (uint32_t)hl;
  in->ip_len = v6->ip_len;
  in->last = !(pkt[hl - 5u] & 1u); /* M clear */
}

/* What adding a piece came to. */
enum ph_piece_rc {
  PH_PIECE_OK = 0,
  PH_PIECE_DROP = 1, /* the datagram must end dropped (counted) */
  PH_PIECE_FAIL = 2  /* it cannot be held (counted): pass or drop */
};

/* The share orphans are charged to: the pool's one slot past the
 * conversations (see frag_reasm.h). */
static ph_ref ph_orphan_conv(const pinhole_ctx *ctx) {
  return ph_ref_of(ctx->cfg.max_conversations);
}

static uint32_t ph_min(uint32_t a, uint32_t b) {
  return a < b ? a : b;
}

static uint32_t ph_max(uint32_t a, uint32_t b) {
  return a > b ? a : b;
}

/* ---- the held message's records ----------------------------------------- */

/* The record starting at at of message h; 0 when none is there whole. */
static int ph_rec_at(const pinhole_ctx *ctx, ph_ref h, uint32_t at,
                     ph_rec *rec) {
  uint8_t b[PH_REC_LEN];
  uint32_t total = ph_held_at(ctx, h)->len;
  if (at > total || total - at < PH_REC_LEN ||
      pinhole__hold_copy(ctx, h, at, b, PH_REC_LEN) != PH_REC_LEN)
    return 0;
  rec->at = at + PH_REC_LEN;
  rec->off = ph_get16(b);
  rec->len = ph_get16(b + 2);
  return rec->len <= total - rec->at;
}

#define PH_FOR_RECS(ctx, h, rec)                                               \
  for (uint32_t at_ = 0; ph_rec_at(ctx, h, at_, &(rec));                       \
       at_ = (rec).at + (rec).len)

static int ph_rec_put(pinhole_ctx *ctx, ph_ref h, uint32_t off,
                      const uint8_t *p, uint32_t len) {
  uint8_t b[PH_REC_LEN];
  ph_put16(b, (uint16_t)off);
  ph_put16(b + 2, (uint16_t)len);
  int rc = pinhole__hold_append(ctx, h, b, PH_REC_LEN);
  return rc != 0 ? rc : pinhole__hold_append(ctx, h, p, len);
}

/* Do the bytes held of [lo, lo + len) equal p wherever they overlap? */
static int ph_same_bytes(const pinhole_ctx *ctx, ph_ref h, uint32_t lo,
                         const uint8_t *p, uint32_t len) {
  ph_rec rec;
  uint32_t hi = lo + len;
  PH_FOR_RECS(ctx, h, rec) {
    if (rec.off == PH_REC_HEADER)
      continue;
    uint32_t a = ph_max(lo, rec.off), b = ph_min(hi, rec.off + rec.len);
    if (a < b && !pinhole__hold_same(ctx, h, rec.at + (a - rec.off),
                                     p + (a - lo), b - a))
      return 0;
  }
  return 1;
}

/* The first fragment's header into hdr (PH_HDR_MAX bytes); its length,
 * or 0. */
static size_t ph_header(const pinhole_ctx *ctx, const ph_frag *f,
                        uint8_t *hdr) {
  ph_rec rec;
  if (f->held == PH_NIL || f->hl == 0)
    return 0;
  PH_FOR_RECS(ctx, f->held, rec) {
    if (rec.off == PH_REC_HEADER && rec.len == f->hl)
      return pinhole__hold_copy(ctx, f->held, rec.at, hdr, rec.len);
  }
  return 0;
}

/* ---- ranges ------------------------------------------------------------- */

/* Adds [lo, hi) to f's sorted ranges, joining what it touches; -1 when
 * that would take more than PH_FRAG_RANGES ranges (f unchanged). */
static int ph_ranges_add(ph_frag *f, uint32_t lo, uint32_t hi) {
  uint16_t nlo[PH_FRAG_RANGES + 1], nhi[PH_FRAG_RANGES + 1];
  uint32_t n = 0;
  int placed = 0;
  for (uint32_t i = 0; i < f->nranges; i++) {
    if (f->hi[i] < lo) {
      nlo[n] = f->lo[i];
      nhi[n++] = f->hi[i];
    } else if (f->lo[i] > hi) {
      if (!placed) {
        nlo[n] = (uint16_t)lo;
        nhi[n++] = (uint16_t)hi;
        placed = 1;
      }
      nlo[n] = f->lo[i];
      nhi[n++] = f->hi[i];
    } else {
      lo = ph_min(lo, f->lo[i]);
      hi = ph_max(hi, f->hi[i]);
    }
  }
  if (!placed) {
    nlo[n] = (uint16_t)lo;
    nhi[n++] = (uint16_t)hi;
  }
  if (n > PH_FRAG_RANGES)
    return -1;
  memcpy(f->lo, nlo, n * sizeof(nlo[0]));
  memcpy(f->hi, nhi, n * sizeof(nhi[0]));
  f->nranges = (uint8_t)n;
  return 0;
}

/* Holds the parts of piece [lo, lo + len) that f does not hold yet. */
static int ph_hold_new_parts(pinhole_ctx *ctx, const ph_frag *f, uint32_t lo,
                             const uint8_t *p, uint32_t len) {
  uint32_t cur = lo, hi = lo + len;
  for (uint32_t i = 0; i < f->nranges && cur < hi; i++) {
    if (f->hi[i] <= cur || f->lo[i] >= hi)
      continue;
    if (f->lo[i] > cur) {
      int rc = ph_rec_put(ctx, f->held, cur, p + (cur - lo), f->lo[i] - cur);
      if (rc != 0)
        return rc;
    }
    cur = f->hi[i];
  }
  return cur < hi ? ph_rec_put(ctx, f->held, cur, p + (cur - lo), hi - cur) : 0;
}

static int ph_complete(const ph_frag *f) {
  return f->hl != 0 && f->have_last && f->nranges == 1 && f->lo[0] == 0 &&
         f->hi[0] == f->total;
}

/* ---- a piece ------------------------------------------------------------ */

static int ph_count_drop(pinhole_ctx *ctx, int counter) {
  ph_count(ctx, PINHOLE_CNT_ERR_IP);
  ph_count(ctx, counter);
  return PH_PIECE_DROP;
}

/* Does [lo, hi) overlap a range entry f holds? */
static int ph_overlaps(const ph_frag *f, uint32_t lo, uint32_t hi) {
  for (uint32_t i = 0; i < f->nranges; i++)
    if (lo < f->hi[i] && f->lo[i] < hi)
      return 1;
  return 0;
}

/* Checks the fragment's piece against what entry f holds: PH_PIECE_OK or
 * the outcome (counted). IPv4 pieces may repeat held bytes exactly; an
 * IPv6 piece that overlaps anything held ends the datagram (RFC 5722,
 * RFC 8200 sec. 4.5). */
static int ph_piece_check(pinhole_ctx *ctx, const ph_frag *f, const ph_in *in,
                          size_t hl) {
  uint32_t lo = in->lo, len = in->len, hi = lo + len;
  int last = in->last;
  /* IPv4: the total length; IPv6: the payload length, which counts
   * neither the 40-byte header nor the fragment header (RFC 8200 sec.
   * 4.5) */
  if (hl != 0 && hl + ph_max(hi, f->ext) > 65535u + (f->v6 ? 48u : 0u))
    return ph_count_drop(ctx, PINHOLE_CNT_IP_MAX_LEN);
  if ((f->have_last && (hi > f->total || (last && hi != f->total))) ||
      (last && f->ext > hi) || (f->v6 && ph_overlaps(f, lo, hi)) ||
      !ph_same_bytes(ctx, f->held, lo, in->p, len))
    return ph_count_drop(ctx, PINHOLE_CNT_IP_FRAG_OVERLAP);
  if (hi > ctx->cfg.hold_msg_max) {
    ph_count(ctx, PINHOLE_CNT_REASM_TOO_BIG);
    return PH_PIECE_FAIL;
  }
  return PH_PIECE_OK;
}

/* Adds the fragment's piece (and, for a first fragment, its header) to
 * entry r: PH_PIECE_OK, or the outcome (counted). */
static int ph_piece(pinhole_ctx *ctx, ph_ref r, const ph_in *in) {
  ph_frag *f = ph_frag_at(ctx, r);
  const uint8_t *p = in->p;
  int last = in->last;
  int first = in->lo == 0;
  uint32_t lo = in->lo, len = in->len;
  int rc = ph_piece_check(ctx, f, in, first ? in->hl : f->hl);
  if (rc != PH_PIECE_OK)
    return rc;
  ph_frag grown = *f;
  if (ph_ranges_add(&grown, lo, lo + len) != 0) {
    ph_count(ctx, PINHOLE_CNT_REASM_OVERFLOW); /* too many holes at once */
    return PH_PIECE_FAIL;
  }
  if (first && f->hl == 0) {
    if (ph_rec_put(ctx, f->held, PH_REC_HEADER, in->hdr, (uint32_t)in->hl) != 0)
      return PH_PIECE_FAIL; /* counted by the pool */
    f->hl = (uint8_t)in->hl;
  }
  if (ph_hold_new_parts(ctx, f, lo, p, len) != 0)
    return PH_PIECE_FAIL;
  memcpy(f->lo, grown.lo, sizeof(f->lo));
  memcpy(f->hi, grown.hi, sizeof(f->hi));
  f->nranges = grown.nranges;
  if (last) {
    f->have_last = 1;
    f->total = (uint16_t)(lo + len);
  }
  f->ext = (uint16_t)ph_max(f->ext, lo + len);
  f->mtu = (uint16_t)ph_max(f->mtu, in->ip_len);
  return PH_PIECE_OK;
}

/* ---- sending pieces on -------------------------------------------------- */

/* May a datagram of c from dir that cannot be reassembled pass on
 * unparsed? Only when that cannot carry an inside address out: its
 * sender's address is not translated (the same rule as for TCP), or the
 * operator chose PINHOLE_CFG_ALG_PASS_UNTRANSLATED. */
static int ph_may_pass(const pinhole_ctx *ctx, const ph_conn *c, int dir) {
  ph_tuple in = ph_conn_tuple(ctx, c, dir), out = ph_conn_tuple(ctx, c, !dir);
  return (ctx->cfg.flags & PINHOLE_CFG_ALG_PASS_UNTRANSLATED) ||
         in.src == out.dst;
}

static int ph_out_side(const ph_conn *c, int side) {
  return (c->flags & PH_CONN_HAIRPIN) ? side : side ^ 1;
}

/* ph_emit_piece for an IPv6 entry: the fragment rebuilt from the first
 * fragment's headers hdr (hl bytes: the per-fragment headers and the
 * fragment header, RFC 8200 sec. 4.5) and sent on as it came (the IPv6
 * firewall) or translated to IPv4 (NAT64, RFC 7915 sec. 5.1.1: the
 * extension headers dropped). */
static int ph_emit_piece6(pinhole_ctx *ctx, ph_frag *f, const ph_rec *rec,
                          const uint8_t *hdr, size_t hl, ph_conn *c,
                          uint8_t *b) {
  int more = !(f->have_last && rec->off + rec->len == f->total);
  size_t len = hl + rec->len;
  memcpy(b, hdr, hl);
  ph_put16(b + 4, (uint16_t)(hl - 40u + rec->len));
  ph_put16(b + hl - 6u, (uint16_t)(rec->off | (more ? 1u : 0u)));
  pinhole__hold_copy(ctx, f->held, rec->at, b + hl, rec->len);
  pinhole_pkt6_view v6;
  if (ctx->cb.emit == NULL ||
      pinhole_pkt6_parse(b, len, &v6) != PINHOLE_PKT_OK) {
    ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    return -1;
  }
  ph_conn_count(ctx, c, f->dir, (uint32_t)len);
  if (ph_conn_is64(ctx, c))
    return pinhole__nat64_emit6(ctx, b, len, c);
  ctx->cb.emit(ctx, b, len, ph_out_side(c, f->side), ctx->user);
  return 0;
}

/* Rebuilds the fragment of record rec (the first fragment's header hdr,
 * hl bytes; a later piece gets its first 20 bytes) into b, translates it
 * for c's direction dir and sends it through emit. Returns 0, or -1 when
 * it could not be sent (counted). */
static int ph_emit_piece(pinhole_ctx *ctx, ph_frag *f, const ph_rec *rec,
                         const uint8_t *hdr, size_t hl, ph_conn *c,
                         uint8_t *b) {
  if (f->v6)
    return ph_emit_piece6(ctx, f, rec, hdr, hl, c, b);
  size_t h = rec->off == 0 ? hl : 20;
  memcpy(b, hdr, h);
  b[0] = (uint8_t)(0x40u | h / 4u);
  uint16_t frag = (uint16_t)(ph_get16(hdr + PH_IP_FRAG) & PH_IP_DF);
  if (!(f->have_last && rec->off + rec->len == f->total))
    frag |= PH_IP_MF;
  frag |= (uint16_t)(rec->off / 8u);
  ph_put16(b + PH_IP_TOTLEN, (uint16_t)(h + rec->len));
  ph_put16(b + PH_IP_FRAG, frag);
  pinhole__hold_copy(ctx, f->held, rec->at, b + h, rec->len);
  pinhole__ip_cksum_set(b, h);
  pinhole_pkt_view v;
  if (ctx->cb.emit == NULL ||
      pinhole_pkt_parse(b, h + rec->len, &v) != PINHOLE_PKT_OK) {
    ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    return -1;
  }
  ph_conn_count(ctx, c, f->dir, v.ip_len);
  if (ph_conn_is6(ctx, c)) /* NAT64: an IPv6 fragment (core/nat64.c) */
    return pinhole__nat64_emit4(ctx, b, v.ip_len, c);
  pinhole__translate(ctx, b, &v, c, f->dir, 0);
  ctx->cb.emit(ctx, b, v.ip_len, ph_out_side(c, f->side), ctx->user);
  return 0;
}

/* Sends entry r's held pieces on unparsed (translated like any fragment
 * of c, direction dir; the first fragment's piece only with with_first)
 * and turns r into a PH_FRAG_VIRTUAL entry of c with their ranges; the
 * first fragment's header is hdr (hl bytes; later pieces get its first
 * 20). */
static void ph_to_virtual(pinhole_ctx *ctx, ph_ref r, const uint8_t *hdr,
                          size_t hl, int with_first, ph_conn *c, int dir) {
  ph_frag *f = ph_frag_at(ctx, r);
  size_t cap;
  uint8_t *b = pinhole__hold_buf(ctx, &cap);
  f->conn = ph_conn_ref(ctx, c);
  f->dir = (uint8_t)dir;
  ph_rec rec;
  if (f->held != PH_NIL)
    PH_FOR_RECS(ctx, f->held, rec) {
      if (rec.off != PH_REC_HEADER && (rec.off != 0 || with_first))
        ph_emit_piece(ctx, f, &rec, hdr, hl, c, b);
    }
  ph_ref held = f->held;
  f->held = PH_NIL;
  f->mode = PH_FRAG_VIRTUAL;
  f->hl = 0;
  if (held != PH_NIL)
    pinhole__hold_free(ctx, held);
  /* the ranges held are the ranges passed; the deadline stays */
}

void pinhole__reasm_release_virtual(pinhole_ctx *ctx, ph_ref r,
                                    const uint8_t *first, ph_conn *c, int dir) {
  ph_frag *f = ph_frag_at(ctx, r);
  size_t hl = (size_t)(first[0] & 15u) * 4u;
  uint32_t plen = (uint32_t)ph_get16(first + PH_IP_TOTLEN) - (uint32_t)hl;
  f->x64 = (uint8_t)ph_conn_is6(ctx, c);
  ph_to_virtual(ctx, r, first, hl, 0, c, dir);
  pinhole__frag_mark(f, 0, plen);
  /* the held pieces and the first may make the whole datagram: no
   * timeout to count when the entry ends (it stays for resends) */
  pinhole__frag_seen_whole(f);
}

/* Entry r's datagram ends dropped (its reason counted): the entry stays
 * until its deadline, so that the rest of its fragments are dropped too
 * (counted as fragments not matched), and then goes without a count. */
void pinhole__reasm_dead(pinhole_ctx *ctx, ph_ref r) {
  ph_frag *f = ph_frag_at(ctx, r);
  if (f->held != PH_NIL) {
    ph_ref h = f->held;
    f->held = PH_NIL;
    pinhole__hold_free(ctx, h);
  }
  f->mode = PH_FRAG_DEAD;
  f->complete = 1;
}

void pinhole__frag_dead4(pinhole_ctx *ctx, int side,
                         const pinhole_pkt_view *v) {
  ph_frag_key k;
  ph_frag_key4(&k, v);
  ph_ref r = pinhole__frag_find(ctx, side, &k);
  if (r == PH_NIL)
    r = pinhole__frag_new(ctx, side, &k, ctx->cfg.frag_timeout_ms);
  if (r != PH_NIL)
    pinhole__reasm_dead(ctx, r);
}

/* The datagram of entry r cannot be reassembled (counted): passed on
 * unparsed when that is allowed and its connection is known, else
 * dropped. pkt/v: the fragment at hand (first: the connection's first
 * fragment). Returns its verdict; -1 for a first fragment that is to go
 * on translated (its entry now PH_FRAG_VIRTUAL). */
static int ph_fail(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                   pinhole_pkt_view *v) {
  ph_frag *f = ph_frag_at(ctx, r);
  ph_conn *c = pinhole__frag_conn(ctx, r);
  int first = v->frag_off == 0;
  if (c == NULL || !ph_may_pass(ctx, c, f->dir)) {
    pinhole__reasm_dead(ctx, r);
    /* a first fragment's verdict is counted by its connection's path */
    if (c == NULL)
      ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    else if (!first)
      ph_count(ctx, PINHOLE_CNT_EXIST_DISCARD);
    return PINHOLE_VERDICT_DROP;
  }
  uint8_t hdr[PH_HDR_MAX];
  size_t hl = first ? v->ihl : ph_header(ctx, f, hdr);
  ph_to_virtual(ctx, r, first ? pkt->data : hdr, hl, !first, c, f->dir);
  pinhole__alg_frag(ctx, v, c, f->dir, f->side);
  if (!first)
    return pinhole__frag_forward(ctx, r, pkt, v);
  pinhole__frag_mark(f, 0, (uint32_t)v->ip_len - v->ihl);
  return -1;
}

/* Sends the processed datagram whole (b, len bytes) on: in the caller's
 * packet, the rest through emit. Returns the verdict. */
static int ph_send(pinhole_ctx *ctx, pinhole_pkt *pkt, const pinhole_pkt *w,
                   size_t mtu, ph_conn *c, int dir, int side, int vd) {
  int out = vd == PINHOLE_VERDICT_HAIRPIN ? side : side ^ 1;
  if (((ctx->cfg.flags & PINHOLE_CFG_REASM_WHOLE) || ctx->cb.emit == NULL) &&
      w->len <= pkt->cap) {
    memcpy(pkt->data, w->data, w->len);
    pkt->len = w->len;
    return vd;
  }
  ph_refrag rf;
  if (ctx->cb.emit == NULL ||
      pinhole__refrag_plan(&rf, w->data, w->len,
                           mtu < pkt->cap ? mtu : pkt->cap) != 0) {
    ph_count(ctx, PINHOLE_CNT_DROP_TOO_BIG);
    return PINHOLE_VERDICT_DROP;
  }
  uint8_t *payload = w->data + rf.hl;
  size_t off;
  pinhole__refrag_span(&rf, 0, &off);
  pkt->len = (uint32_t)pinhole__refrag_put(&rf, 0, payload, pkt->data);
  for (size_t k = 1; k < rf.n; k++) {
    pinhole__refrag_span(&rf, k, &off);
    uint8_t *o = payload + off - ph_refrag_hlen(&rf, k);
    size_t n = pinhole__refrag_put(&rf, k, payload + off, o);
    ctx->cb.emit(ctx, o, n, out, ctx->user);
  }
  c->frames[dir] += (uint32_t)(rf.n - 1);
  return vd;
}

/* Sends the processed IPv6 datagram d[0..len) on (RFC 8200 sec. 4.5):
 * whole when it fits fp payload bytes (or with PINHOLE_CFG_REASM_WHOLE),
 * else in fragments of fp payload bytes with identification id (or d's
 * own fragment header's), the first in the caller's packet, the others
 * through emit to side out; each fragment carries d's first u bytes (its
 * per-fragment headers: 40, or more with extension headers), then the
 * fragment header. d's bytes are overwritten. Returns the verdict. */
static int ph_send6(pinhole_ctx *ctx, pinhole_pkt *pkt, uint8_t *d, size_t len,
                    size_t u, size_t fp, uint32_t id, int out, ph_conn *c,
                    int dir, int vd) {
  int whole = (ctx->cfg.flags & PINHOLE_CFG_REASM_WHOLE) ||
              ctx->cb.emit == NULL || len - u <= fp;
  if (whole && len <= pkt->cap && d[6] != PINHOLE_IP6_NH_FRAGMENT) {
    memcpy(pkt->data, d, len);
    pkt->len = (uint32_t)len;
    return vd;
  }
  if (pkt->cap < u + 16u) /* the first piece fits nowhere */
    fp = 0;
  else if (fp > pkt->cap - u - 8u)
    fp = pkt->cap - u - 8u;
  ph_refrag6 rf;
  if (ctx->cb.emit == NULL ||
      pinhole__refrag6_plan_u(&rf, d, len, u, fp, id) != 0) {
    ph_count(ctx, PINHOLE_CNT_DROP_TOO_BIG);
    return PINHOLE_VERDICT_DROP;
  }
  uint8_t *payload = d + rf.at;
  pkt->len = (uint32_t)pinhole__refrag6_put(&rf, 0, payload, pkt->data);
  for (size_t k = 1; k < rf.n; k++) {
    /* built in place: its headers over the piece before, already sent
     * (rf keeps its own copy of the per-fragment headers) */
    uint8_t *o = payload + k * rf.fp - (rf.u + 8u);
    size_t n = pinhole__refrag6_put(&rf, k, payload, o);
    ctx->cb.emit(ctx, o, n, out, ctx->user);
  }
  c->frames[dir] += (uint32_t)(rf.n - 1);
  return vd;
}

/* The IPv4 server's datagram w (mtu: its longest fragment, hl its header
 * length) reassembled for NAT64 connection c: its ALG, the translation
 * (RFC 7915 sec. 4.1), then IPv6 fragments of at most the IPv6 minimum
 * MTU and no longer than the IPv4 ones (sec. 4: fragments of 1280 bytes
 * at most), identified by the IPv4 identification zero-extended. */
static int ph_finish64(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt *w,
                       size_t mtu, size_t hl, ph_conn *c, int side) {
  uint32_t id = ph_get16(w->data + 4);
  size_t olen = 0;
  int vd = pinhole__nat64_whole4(ctx, w, c, side, &olen);
  if (vd != PINHOLE_VERDICT_FORWARD)
    return vd;
  size_t fp = mtu > hl ? mtu - hl : 8u;
  if (fp > PH_FRAG6_MIN_MTU - PH_FRAG6_HL)
    fp = PH_FRAG6_MIN_MTU - PH_FRAG6_HL;
  return ph_send6(ctx, pkt, ctx->scratch, olen, 40u, fp & ~(size_t)7, id,
                  c->a_side, c, 1, vd);
}

/* Entry r's IPv6 datagram is whole (its connection c): rebuilt as one
 * IPv6 packet (RFC 8200 sec. 4.5: the first fragment's per-fragment
 * headers, the one before the fragment header naming the fragment
 * header's next header, the pieces), processed as one (process6.c: its
 * ALG, NAT64's translation, which drops the extension headers, RFC 7915
 * sec. 5.1), sent on in pieces as long as the longest that came, each
 * with the same per-fragment headers (the IPv4 ones of NAT64 with DF
 * clear, sec. 5.1.1, identified by the low 16 bits of the IPv6
 * identification). Returns the verdict. */
static int ph_finish6(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                      ph_conn *c) {
  ph_frag *f = ph_frag_at(ctx, r);
  size_t cap;
  uint8_t *b = pinhole__hold_buf(ctx, &cap);
  uint8_t hdr[PH_HDR_MAX];
  size_t hl = ph_header(ctx, f, hdr);
  size_t u = hl - 8u; /* the per-fragment headers */
  size_t len = u + f->total;
  size_t nh_at = hl >= PH_FRAG6_HL ? pinhole__refrag6_nh_at(hdr, u) : 0;
  if (nh_at == 0 || (ctx->cb.emit == NULL && len > pkt->cap) || len > cap ||
      len - 40u > 65535u) {
    pinhole__reasm_dead(ctx, r);
    ph_count(ctx, PINHOLE_CNT_DROP_TOO_BIG);
    return PINHOLE_VERDICT_DROP;
  }
  ph_rec rec;
  PH_FOR_RECS(ctx, f->held, rec) {
    if (rec.off != PH_REC_HEADER)
      pinhole__hold_copy(ctx, f->held, rec.at, b + u + rec.off, rec.len);
  }
  memcpy(b, hdr, u);
  b[nh_at] = hdr[u]; /* the fragment header's next header */
  ph_put16(b + 4, (uint16_t)(len - 40u));
  uint32_t id = ph_get32(hdr + hl - 4u);
  int dir = f->dir, side = f->side;
  size_t mtu = f->mtu;
  ph_ref held = f->held;
  f->held = PH_NIL;
  pinhole__hold_done(ctx, held);
  pinhole__frag_release(ctx, r);
  pinhole_pkt w = {b, (uint32_t)len, (uint32_t)(cap < 65535 ? cap : 65535)};
  int vd = pinhole__existing6_whole(ctx, &w, c, dir, side);
  if (vd != PINHOLE_VERDICT_FORWARD && vd != PINHOLE_VERDICT_HAIRPIN)
    return vd;
  if ((b[0] >> 4) == 4) { /* NAT64: its IPv4 translation */
    ph_put16(b + 4, (uint16_t)id);
    ph_put16(b + PH_IP_FRAG, 0); /* DF clear: it came in fragments */
    pinhole__ip_cksum_set(b, (size_t)(b[0] & 15u) * 4u);
    return ph_send(ctx, pkt, &w, mtu - (hl - 20u), c, dir, side, vd);
  }
  return ph_send6(ctx, pkt, b, w.len, u, mtu - hl, id, ph_out_side(c, side), c,
                  dir, vd);
}

/* Entry r's datagram is whole: rebuilt, processed as one packet, sent on.
 * Returns the verdict of the fragment that completed it (not counted). */
static int ph_finish(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt) {
  ph_frag *f = ph_frag_at(ctx, r);
  ph_conn *c = pinhole__frag_conn(ctx, r);
  if (c == NULL) {
    pinhole__frag_free(ctx, r, 0);
    ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    return PINHOLE_VERDICT_DROP;
  }
  if (f->v6)
    return ph_finish6(ctx, r, pkt, c);
  size_t cap;
  uint8_t *b = pinhole__hold_buf(ctx, &cap);
  size_t len = (size_t)f->hl + f->total;
  if (ctx->cb.emit == NULL && len > pkt->cap) {
    /* no way to send it on in pieces, and it does not fit whole: not
     * handed to its ALG for nothing */
    pinhole__reasm_dead(ctx, r);
    ph_count(ctx, PINHOLE_CNT_DROP_TOO_BIG);
    return PINHOLE_VERDICT_DROP;
  }
  ph_rec rec;
  PH_FOR_RECS(ctx, f->held, rec) {
    uint8_t *to = rec.off == PH_REC_HEADER ? b : b + f->hl + rec.off;
    pinhole__hold_copy(ctx, f->held, rec.at, to, rec.len);
  }
  ph_put16(b + PH_IP_TOTLEN, (uint16_t)len);
  ph_put16(b + PH_IP_FRAG, (uint16_t)(ph_get16(b + PH_IP_FRAG) & PH_IP_DF));
  pinhole__ip_cksum_set(b, f->hl);
  int dir = f->dir, side = f->side;
  size_t mtu = f->mtu, f_hl = f->hl;
  ph_ref held = f->held;
  f->held = PH_NIL;
  pinhole__hold_done(ctx, held);
  pinhole__frag_release(ctx, r);
  pinhole_pkt w = {b, (uint32_t)len, (uint32_t)(cap < 65535 ? cap : 65535)};
  if (ph_conn_is6(ctx, c)) /* NAT64: the server's datagram, to IPv6 */
    return ph_finish64(ctx, pkt, &w, mtu, f_hl, c, side);
  int vd = pinhole__existing_whole(ctx, &w, c, dir, side);
  if (vd == PINHOLE_VERDICT_DROP)
    return vd;
  return ph_send(ctx, pkt, &w, mtu, c, dir, side, vd);
}

/* ---- entry points ------------------------------------------------------- */

/* Adds fragment in (pkt) to REASM entry r: its verdict (HELD, or the
 * completed datagram's; later: a later fragment's, counted as
 * existing), or -1 when it cannot be held (counted): the caller's
 * failure path, IPv4's or IPv6's. A dropped piece's reason is counted. */
static int ph_add(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt, const ph_in *in,
                  int later) {
  int rc = ph_piece(ctx, r, in);
  if (rc == PH_PIECE_DROP) {
    pinhole__reasm_dead(ctx, r);
    return PINHOLE_VERDICT_DROP;
  }
  if (rc == PH_PIECE_FAIL)
    return -1;
  int vd = ph_complete(ph_frag_at(ctx, r)) ? ph_finish(ctx, r, pkt)
                                           : PINHOLE_VERDICT_HELD;
  if (later) /* held: not dropped */
    ph_count(ctx, vd == PINHOLE_VERDICT_DROP ? PINHOLE_CNT_EXIST_DISCARD
                                             : PINHOLE_CNT_EXIST_ACCEPT);
  return vd;
}

/* A new entry holding a datagram for conversation conv: PH_NIL when the
 * fragment table is full (counted). */
static ph_ref ph_reasm_new(pinhole_ctx *ctx, int side, const ph_frag_key *k,
                           ph_ref conv, int dir) {
  ph_ref r = pinhole__frag_new(ctx, side, k, ctx->cfg.hold_timeout_ms);
  if (r == PH_NIL) {
    ph_count(ctx, PINHOLE_CNT_REASM_OVERFLOW);
    return PH_NIL;
  }
  ph_frag *f = ph_frag_at(ctx, r);
  f->mode = PH_FRAG_REASM;
  f->dir = (uint8_t)dir;
  f->held = pinhole__hold_new(ctx, PH_HOLD_DGRAM, conv, r, (uint8_t)dir, k->id);
  if (f->held == PH_NIL) {
    pinhole__frag_release(ctx, r);
    return PH_NIL;
  }
  return r;
}

int pinhole__reasm_first(pinhole_ctx *ctx, pinhole_pkt *pkt,
                         pinhole_pkt_view *v, ph_conn *c, int dir, int side) {
  ph_frag_key k;
  ph_frag_key4(&k, v);
  ph_ref r = pinhole__frag_find(ctx, side, &k);
  if (r != PH_NIL && ph_frag_at(ctx, r)->mode == PH_FRAG_DEAD) {
    ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    return PINHOLE_VERDICT_DROP;
  }
  if (r != PH_NIL && ph_frag_at(ctx, r)->mode != PH_FRAG_REASM)
    return -1; /* already passed on unparsed: the rest follows it */
  if (r == PH_NIL &&
      (r = ph_reasm_new(ctx, side, &k, ph_conn_conv(ctx, c), dir)) == PH_NIL) {
    pinhole__alg_frag(ctx, v, c, dir, side);
    if (ph_may_pass(ctx, c, dir)) {
      pinhole__frag_first(ctx, side, v, pkt->data, c, dir);
      return -1;
    }
    return PINHOLE_VERDICT_DROP;
  }
  ph_frag *f = ph_frag_at(ctx, r);
  f->conn = ph_conn_ref(ctx, c);
  f->dir = (uint8_t)dir;
  f->x64 = (uint8_t)ph_conn_is6(ctx, c); /* NAT64's IPv4 side */
  ph_in in;
  ph_in4(&in, pkt->data, v);
  int vd = ph_add(ctx, r, pkt, &in, 0);
  return vd >= 0 ? vd : ph_fail(ctx, r, pkt, v);
}

int pinhole__reasm_later(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                         pinhole_pkt_view *v) {
  pkt->len = v->ip_len;
  ph_in in;
  ph_in4(&in, pkt->data, v);
  int vd = ph_add(ctx, r, pkt, &in, 1);
  return vd >= 0 ? vd : ph_fail(ctx, r, pkt, v);
}

/* Piece in of a datagram whose first fragment has not come (key k):
 * held in a new orphan entry; -1 when none is free. */
static int ph_orphan_hold(pinhole_ctx *ctx, const ph_frag_key *k, int side,
                          const ph_in *in) {
  ph_ref r = ph_reasm_new(ctx, side, k, ph_orphan_conv(ctx), 0);
  if (r == PH_NIL)
    return -1;
  int rc = ph_piece(ctx, r, in);
  if (rc != PH_PIECE_OK) {
    pinhole__reasm_dead(ctx, r); /* no connection: nothing to pass it on with */
    if (rc == PH_PIECE_FAIL)     /* a dropped piece counted its reason */
      ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    return PINHOLE_VERDICT_DROP;
  }
  ph_count(ctx, PINHOLE_CNT_EXIST_ACCEPT); /* held: not dropped */
  return PINHOLE_VERDICT_HELD;
}

int pinhole__reasm_orphan(pinhole_ctx *ctx, pinhole_pkt *pkt,
                          const pinhole_pkt_view *v, int side) {
  ph_frag_key k;
  ph_frag_key4(&k, v);
  pkt->len = v->ip_len;
  ph_in in;
  ph_in4(&in, pkt->data, v);
  return ph_orphan_hold(ctx, &k, side, &in);
}

void pinhole__frag_hold_lost(pinhole_ctx *ctx, ph_ref h, int why) {
  ph_ref r = ph_held_at(ctx, h)->owner;
  if (r == PH_NIL || r > ctx->cfg.max_fragments)
    return;
  ph_frag *f = ph_frag_at(ctx, r);
  if (f->held != h)
    return;
  if (why == PH_HOLD_TIMEOUT) {
    f->held = PH_NIL; /* the pool frees it */
    ph_count(ctx, PINHOLE_CNT_ERR_IP);
    ph_count(ctx, PINHOLE_CNT_IP_FRAG_TIMEOUT);
    pinhole__frag_release(ctx, r);
    return;
  }
  /* evicted for a newer message (REASM_OVERFLOW counted): passed on as
   * far as it came, or dropped */
  ph_conn *c = pinhole__frag_conn(ctx, r);
  uint8_t hdr[PH_HDR_MAX];
  size_t hl =
      c != NULL && ph_may_pass(ctx, c, f->dir) ? ph_header(ctx, f, hdr) : 0;
  if (hl == 0) {
    pinhole__reasm_dead(ctx, r);
    return;
  }
  ph_to_virtual(ctx, r, hdr, hl, 1, c, f->dir);
}

/* ---- IPv6 (RFC 8200 sec. 4.5; NAT64: RFC 7915 sec. 5.1.1) --------------- */

/* Can a first fragment's per-fragment headers (pkt, parsed as v6) be kept
 * and put back on every piece? The IPv6 header and hop-by-hop, routing
 * and destination options headers (RFC 8200 sec. 4.1's order up to the
 * fragment header), PH_FRAG6_HL_MAX bytes with the fragment header. */
static int ph_layout6_ok(const uint8_t *pkt, const pinhole_pkt6_view *v6) {
  size_t u = v6->frag_hdr_off;
  return u >= 40u && u + 8u <= PH_FRAG6_HL_MAX &&
         pinhole__refrag6_nh_at(pkt, u) != 0;
}

/* The datagram of IPv6 entry r cannot be reassembled (counted): passed on
 * unparsed when allowed (the IPv6 firewall translates nothing; NAT64 with
 * PINHOLE_CFG_ALG_PASS_UNTRANSLATED), else dropped. in: the fragment at
 * hand; v: a first fragment's view (NULL for a later one). Returns the
 * verdict; -1 for a first fragment that is to go on (entry virtual). */
static int ph_fail6(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                    const pinhole_pkt6_view *v6, const ph_in *in,
                    pinhole_pkt_view *v) {
  ph_frag *f = ph_frag_at(ctx, r);
  ph_conn *c = pinhole__frag_conn(ctx, r);
  int first = in->lo == 0;
  uint8_t hdr[PH_HDR_MAX];
  size_t hl = first ? in->hl : ph_header(ctx, f, hdr);
  if (c == NULL || !ph_may_pass(ctx, c, f->dir) || hl == 0) {
    pinhole__reasm_dead(ctx, r);
    if (c == NULL)
      ph_count(ctx, PINHOLE_CNT_FRAGMENTS);
    else if (!first)
      ph_count(ctx, PINHOLE_CNT_EXIST_DISCARD);
    return PINHOLE_VERDICT_DROP;
  }
  ph_to_virtual(ctx, r, first ? pkt->data : hdr, hl, !first, c, f->dir);
  pinhole_pkt_view lv; /* a later fragment: its datagram's addresses */
  if (v == NULL) {
    memset(&lv, 0, sizeof(lv));
    lv.src = f->src;
    lv.dst = f->dst;
    lv.proto = PINHOLE_IPPROTO_UDP;
    lv.ip_len = (uint16_t)in->ip_len;
    v = &lv;
  }
  pinhole__alg_frag(ctx, v, c, f->dir, f->side);
  if (!first)
    return pinhole__frag6_follow(ctx, r, pkt, v6);
  pinhole__frag_mark(f, 0, in->len);
  return -1;
}

/* Adds an IPv6 fragment to REASM entry r (v: a first fragment's view,
 * or NULL for a later one): ph_add, or the failure path. */
static int ph_add6(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                   const pinhole_pkt6_view *v6, pinhole_pkt_view *v) {
  ph_in in;
  ph_in6(&in, pkt->data, v6);
  int vd = ph_add(ctx, r, pkt, &in, v == NULL);
  return vd >= 0 ? vd : ph_fail6(ctx, r, pkt, v6, &in, v);
}

int pinhole__reasm6_first(pinhole_ctx *ctx, pinhole_pkt *pkt,
                          const pinhole_pkt6_view *v6, pinhole_pkt_view *v,
                          ph_conn *c, int dir, int side) {
  ph_ref r = ctx->frag6_cur;
  if (r == PH_NIL || !ph_layout6_ok(pkt->data, v6))
    return -2; /* per-fragment headers it cannot keep: not reassembled */
  ph_frag *f = ph_frag_at(ctx, r);
  if (f->mode != PH_FRAG_REASM) {
    /* the entry core/frag6.c made for this first fragment: it holds */
    f->held = pinhole__hold_new(ctx, PH_HOLD_DGRAM, ph_conn_conv(ctx, c), r,
                                (uint8_t)dir, f->id);
    if (f->held == PH_NIL)
      return -2;
    f->mode = PH_FRAG_REASM;
    pinhole_wheel_arm(
        &ctx->frag_wheel, ph_slot(r),
        ph_deadline(ctx->now_ns,
                    (uint64_t)ctx->cfg.hold_timeout_ms * 1000000u));
  }
  ctx->frag6_cur = PH_NIL; /* the entry is the reassembly's now */
  f->conn = ph_conn_ref(ctx, c);
  f->dir = (uint8_t)dir;
  f->side = (uint8_t)side;
  f->l4_6_ = c->proto;
  return ph_add6(ctx, r, pkt, v6, v);
}

int pinhole__reasm6_later(pinhole_ctx *ctx, ph_ref r, pinhole_pkt *pkt,
                          const pinhole_pkt6_view *v6) {
  /* its per-fragment headers are its own: the first fragment's are
   * the datagram's (RFC 8200 sec. 4.5) */
  pkt->len = v6->ip_len;
  return ph_add6(ctx, r, pkt, v6, NULL);
}

int pinhole__reasm6_orphan(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           const pinhole_pkt6_view *v6, int side) {
  ph_frag_key k;
  ph_frag_key6(ctx, &k, pkt->data, v6);
  pkt->len = v6->ip_len;
  ph_in in;
  ph_in6(&in, pkt->data, v6);
  return ph_orphan_hold(ctx, &k, side, &in);
}

int pinhole__reasm6_adopt(pinhole_ctx *ctx, ph_ref r, const uint8_t *pkt,
                          const pinhole_pkt6_view *v6) {
  ph_frag *f = ph_frag_at(ctx, r);
  ph_in in;
  ph_in6(&in, pkt, v6);
  uint32_t hi = in.len;
  /* RFC 5722: any overlap with what is held, or an end that disagrees,
   * drops the whole datagram; RFC 8200 sec. 4.5: its length too */
  int why = 0;
  if (in.hl + ph_max(hi, f->ext) > 65535u + 48u)
    why = PINHOLE_CNT_IP_MAX_LEN;
  else if ((f->have_last && hi > f->total) || ph_overlaps(f, 0, hi))
    why = PINHOLE_CNT_IP_FRAG_OVERLAP;
  if (why == 0)
    return 0;
  ph_count_drop(ctx, why);
  pinhole__reasm_dead(ctx, r);
  return -1;
}

void pinhole__reasm6_release_virtual(pinhole_ctx *ctx, ph_ref r,
                                     const uint8_t *hdr, size_t hl,
                                     uint32_t plen, ph_conn *c, int dir) {
  ph_frag *f = ph_frag_at(ctx, r);
  f->l4_6_ = c->proto;
  ph_to_virtual(ctx, r, hdr, hl, 0, c, dir);
  pinhole__frag_mark(f, 0, plen);
  pinhole__frag_settle(ctx, r);
}

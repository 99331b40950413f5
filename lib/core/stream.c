/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stream driver: where a message can begin in a Watch connection's
 * TCP byte stream, and what happens to a message split across segments
 * (docs/reassembly.md).
 *
 * Each direction tracks msg_seq, the original sequence number where the
 * next message begins. A segment is handed to its ALG only from there:
 * never at an attacker-chosen segment boundary in the middle of other
 * data (NAT slipstreaming). A segment after a gap is dropped (the sender
 * resends it after the missing one), except the first one of a direction
 * a standby took over (ph_stream.pickup): its gap is never resent.
 *
 * A segment whose tail is the start of a message the ALG must see whole
 * (the scan's hold) has that tail held in the context's pool (core/hold.c)
 * and cut off; when nothing is left the packet is not sent (HELD). The
 * segments that follow are appended; once the ALG finds a whole message
 * in what is held plus the new segment, the held bytes and the segment
 * become one packet (ctx->hold_pkt, starting at the held message's
 * sequence number) that the ALG parses and rewrites and the engine sends
 * on: in the caller's packet when it fits, else as segments through emit
 * (pinhole__stream_send). Bytes sent again while held are compared with
 * the held copy (the same: a duplicate, only its acknowledgment goes on,
 * as a held piece's does; different: dropped, fail closed); a segment
 * that resends part of a rewritten, merged
 * message goes on without its payload, so the receiver only acknowledges
 * again. A message the pool cannot take for now (full) is not held: its
 * bytes are dropped, as the sender resends them. A message too large, or
 * not complete in time, ends the parsing of the direction: it passes
 * unparsed, or, when that could carry an untranslated address, every
 * later data segment of the direction is dropped.
 *
 * The same holds on IPv6 connections (their IPv6 segments) and NAT64
 * connections (the IPv4 form of their segments, core/alg6.c): the IP
 * header a cut, merged or split segment gets is its own family's, and
 * a NAT64 segment from the IPv4 server is translated to IPv6 when it
 * leaves (pinhole__nat64_xlat_in).
 *
 * A direction the ALG finds not to be its protocol is desynchronised for
 * good. The sequence corrections that rewrites need live next door, in
 * core/tcp.c.
 */
#include "core/alg_call.h"
#include "core/engine.h"
#include "pkt/bytes.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The smallest segment payload emitted (a hostile MSS option cannot make
 * a message into thousands of packets; the header of each piece is
 * written over the end of the one before, so it must be at least the
 * largest IP and TCP header, 120 bytes). */
#define PH_SEG_MIN 128u
/* The MSS when a SYN carried none (RFC 9293 sec. 3.7.1). */
#define PH_MSS_DEFAULT 536u
/* The largest IP and TCP header a held, merged or split segment may have
 * (the 60-byte IPv4 header or IPv6's with 20 bytes of extension headers,
 * and TCP's 60). */
#define PH_HDR_MAX 120u
/* The IPv6 payload length field (RFC 8200 sec. 3). */
#define PH_IP6_PLEN 4u

static int ph_ip6(const uint8_t *p) {
  return (p[0] >> 4) == 6;
}

/* Sets the segment p's length to len bytes: IPv4's total length (and its
 * header checksum, updated), IPv6's payload length. */
static void ph_set_len(uint8_t *p, size_t len) {
  if (ph_ip6(p)) {
    ph_put16(p + PH_IP6_PLEN, (uint16_t)(len - 40));
    return;
  }
  uint16_t old = ph_get16(p + PH_IP_TOTLEN);
  ph_put16(p + PH_IP_TOTLEN, (uint16_t)len);
  ph_put16(p + PH_IP_CKSUM, pinhole_cksum_update16(ph_get16(p + PH_IP_CKSUM),
                                                   old, (uint16_t)len));
}

static int32_t ph_seq_diff(uint32_t a, uint32_t b) {
  return (int32_t)(a - b);
}

static void ph_skipped(ph_alg_call *ac, const char *why) {
  pinhole__alg_trace(ac, PINHOLE_TRACE_SKIPPED, NULL, NULL, 0,
                     (const uint8_t *)why, strlen(why));
}

/* Moves start past a known-length body or the rest of an unparsed line.
 * Returns 0 when nothing of the segment is left to parse. */
static int ph_skip(ph_alg_call *ac, ph_stream *st, size_t *start, size_t len) {
  if (st->skip_len) {
    size_t n = len - *start < st->skip_len ? len - *start : st->skip_len;
    st->skip_len -= (uint32_t)n;
    *start += n;
    st->msg_seq += (uint32_t)n;
    if (*start >= len)
      return 0;
  }
  if (st->skip_line) {
    const uint8_t *p = pinhole__alg_payload(ac);
    const uint8_t *nl = memchr(p + *start, '\n', len - *start);
    if (nl == NULL) {
      st->msg_seq += (uint32_t)(len - *start);
      return 0;
    }
    size_t end = (size_t)(nl - p) + 1;
    st->skip_line = 0;
    st->msg_seq += (uint32_t)(end - *start);
    *start = end;
    if (*start >= len)
      return 0;
  }
  return 1;
}

/* A reassembly trace: text about the message of this call. */
static void ph_note(ph_alg_call *ac, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ph_note(ph_alg_call *ac, const char *fmt, ...) {
  if (ac->ctx->cb.trace == NULL)
    return;
  char text[96];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;
  pinhole__alg_trace(ac, PINHOLE_TRACE_MESSAGE, NULL, NULL, 0,
                     (const uint8_t *)text, len);
}

/* Could a message of this direction passed unparsed carry an address the
 * NAT did not translate? When its sender's address is translated, unless
 * the operator chose to fail open (PINHOLE_CFG_ALG_PASS_UNTRANSLATED). */
static int ph_leaky(const pinhole_ctx *ctx, const ph_conn *c, int dir) {
  if (ctx->cfg.flags & PINHOLE_CFG_ALG_PASS_UNTRANSLATED)
    return 0;
  /* IPv6: nothing is translated; NAT64: every address is (the folded
   * tuples say nothing about it) */
  if (ph_conn_is6(ctx, c))
    return ph_conn_is64(ctx, c);
  return dir == 0 ? c->a.src != c->b.dst : c->b.src != c->a.dst;
}

/* A split message that cannot be reassembled (too large, or not complete
 * in time): the direction passes unparsed from here on, or, when that
 * could leak an address, drops every later data segment (counted as a
 * message dropped untranslated). An event says which. PH_PASS: passed. */
static ph_status ph_give_up(pinhole_ctx *ctx, ph_conn *c, int dir,
                            ph_stream *st, const pinhole_pkt_view *v,
                            const char *what) {
  int drop = ph_leaky(ctx, c, dir);
  char reason[96];
  snprintf(reason, sizeof(reason), "split message %s: %s", what,
           drop ? "dropped" : "passed unparsed");
  int side = dir == 0 ? c->a_side : c->a_side ^ 1;
  pinhole__event(ctx, PINHOLE_EVENT_ALG_ERROR, v, side, PH_NIL,
                 PINHOLE_FLOW_WATCH, c, dir, NULL, pinhole__alg_name(c->alg),
                 reason);
  if (drop) {
    st->blocked = 1;
    ph_count(ctx, PINHOLE_CNT_ALG_UNTRANSLATED);
    return PH_DROP;
  }
  st->desynced = 1;
  return PH_PASS;
}

/* Cuts the segment's payload to its first keep bytes (the L4 checksum is
 * the caller's: ac->trimmed). Not a rewrite: no sequence correction. */
static void ph_trim(ph_alg_call *ac, size_t keep) {
  pinhole_pkt_view *v = ac->v;
  size_t cut = v->payload_len - keep;
  v->ip_len = (uint16_t)(v->ip_len - cut);
  v->l4_len = (uint16_t)(v->l4_len - cut);
  v->payload_len = (uint16_t)keep;
  /* bytes past the IP length (link padding) go with the old length */
  ac->pkt->len = v->ip_len;
  ph_set_len(ac->pkt->data, v->ip_len);
  ac->trimmed = 1;
}

/* Cuts payload[consumed..) (held, or dropped for the sender to resend);
 * nothing left: ac->held_all. */
static ph_status ph_cut(ph_alg_call *ac, size_t consumed) {
  if (consumed == 0)
    ac->held_all = 1;
  else
    ph_trim(ac, consumed);
  return PH_PASS;
}

/* The pool did not take n more bytes of the message starting at msg_seq
 * (rc from pinhole__hold_append, counted there): for now (the pool full,
 * the conversation's share taken by its other messages), or never (too
 * large). */
static int ph_never_fits(const pinhole_ctx *ctx, int rc, size_t n) {
  return rc == PINHOLE_ERR_RANGE || n > ctx->cfg.hold_bytes_per_conv;
}

/* The scan stopped at consumed, where a message the ALG must see whole
 * begins: holds payload[consumed..) and cuts it off. */
static ph_status ph_hold_tail(ph_alg_call *ac, ph_stream *st, size_t consumed) {
  pinhole_ctx *ctx = ac->ctx;
  size_t n = ac->v->payload_len - consumed;
  ph_ref r = pinhole__hold_new(ctx, PH_HOLD_TCP, ph_conn_conv(ctx, ac->conn),
                               ph_conn_ref(ctx, ac->conn), (uint8_t)ac->dir,
                               st->msg_seq);
  int rc = pinhole__hold_append(ctx, r, pinhole__alg_payload(ac) + consumed, n);
  if (rc == 0) {
    st->held = r;
    ph_note(ac, "split message: %zu bytes held", n);
    return ph_cut(ac, consumed);
  }
  pinhole__hold_free(ctx, r);
  if (!ph_never_fits(ctx, rc, n)) {
    ph_note(ac, "split message: no room, %zu bytes dropped", n);
    return consumed ? ph_cut(ac, consumed) : PH_DROP;
  }
  return ph_give_up(ctx, ac->conn, ac->dir, st, ac->v, "too large");
}

/* After the ALG's scan of a segment from seq: where the next message
 * begins, and what to do with the rest (PH_DROP: drop the packet). */
static ph_status ph_after_scan(ph_alg_call *ac, ph_stream *st, uint32_t seq,
                               size_t start, ph_scan *res, int32_t grew) {
  size_t now_len = ac->v->payload_len;
  /* the scan's consumed end, in original stream numbering */
  if (res->consumed < start)
    res->consumed = start;
  size_t consumed_orig = (size_t)((int64_t)res->consumed - grew);
  st->msg_seq = seq + (uint32_t)consumed_orig;
  if (res->desync) {
    st->desynced = 1;
    ph_count(ac->ctx, PINHOLE_CNT_ALG_DESYNC);
    ph_skipped(ac, "not the protocol: stream no longer parsed");
    return PH_PASS;
  }
  if (res->consumed >= now_len) {
    st->skip_len = res->skip_len;
    return PH_PASS;
  }
  int fin = (ac->v->tcp_flags & PINHOLE_TCP_FIN) != 0;
  if (res->hold && !fin)
    return ph_hold_tail(ac, st, res->consumed);
  /* skip to the end of the partial line within this segment */
  st->skip_line = 1;
  st->msg_seq += (uint32_t)(now_len - res->consumed);
  return PH_PASS;
}

/* Did the module refuse the message or fail to rewrite it? */
static ph_status ph_module_status(const ph_alg_call *ac) {
  return ac->failed || ac->refused ? PH_DROP : PH_PASS;
}

/* ---- a segment that meets a held message -------------------------------- */

/* Makes ctx->hold_pkt: the segment's headers, then the held message r and
 * payload[from..), as one segment starting at the message's sequence
 * number; the call then works on it. 0, or -1 when it cannot hold it. */
static int ph_merge_build(ph_alg_call *ac, ph_ref r, size_t from) {
  pinhole_ctx *ctx = ac->ctx;
  const ph_held *h = ph_held_at(ctx, r);
  const pinhole_pkt_view *v = ac->v;
  size_t hdr = v->payload_off, add = v->payload_len - from, cap;
  uint8_t *buf = pinhole__hold_buf(ctx, &cap);
  size_t total = hdr + h->len + add;
  if (total > 65535 || total > cap || hdr > PH_HDR_MAX)
    return -1;
  memcpy(buf, ac->pkt->data, hdr);
  pinhole__hold_copy(ctx, r, 0, buf + hdr, h->len);
  memcpy(buf + hdr + h->len, pinhole__alg_payload(ac) + from, add);
  ph_set_len(buf, total);
  ph_put32(buf + v->l4_off + PH_TCP_SEQ, h->key);
  pinhole_pkt_view *hv = &ctx->hold_view;
  *hv = *v;
  hv->ip_len = (uint16_t)total;
  hv->l4_len = (uint16_t)(total - v->l4_off);
  hv->payload_len = (uint16_t)(h->len + add);
  hv->seq = h->key;
  ctx->hold_pkt.data = buf;
  ctx->hold_pkt.len = (uint32_t)total;
  ctx->hold_pkt.cap = (uint32_t)(cap < 65535 ? cap : 65535);
  ac->pkt = &ctx->hold_pkt;
  ac->v = hv;
  ac->seq = h->key;
  ac->merged = 1;
  return 0;
}

/* The held message with the segment's new bytes (payload[from..)) after
 * it: parsed whole when the ALG finds a message, else the bytes added to
 * what is held. */
static ph_status ph_merge(ph_alg_call *ac, const ph_alg *alg, ph_stream *st,
                          size_t from) {
  pinhole_ctx *ctx = ac->ctx;
  ph_ref r = st->held;
  size_t hlen = ph_held_at(ctx, r)->len, add = ac->v->payload_len - from;
  if (hlen + add > ctx->cfg.hold_msg_max || ph_merge_build(ac, r, from) != 0) {
    ph_count(ctx, PINHOLE_CNT_REASM_TOO_BIG);
    pinhole__hold_free(ctx, r);
    st->held = PH_NIL;
    return ph_give_up(ctx, ac->conn, ac->dir, st, ac->v, "too large");
  }
  ph_scan res;
  memset(&res, 0, sizeof(res));
  int32_t growth0 = ac->growth;
  alg->inspect(ac, 0, &res);
  if (ph_module_status(ac) == PH_DROP) {
    /* the whole message refused: it goes, as a segment would */
    pinhole__hold_free(ctx, r);
    st->held = PH_NIL;
    return PH_DROP;
  }
  int fin = (ac->v->tcp_flags & PINHOLE_TCP_FIN) != 0;
  if (res.consumed == 0 && res.hold && !res.desync && !fin) {
    /* still not whole: the new bytes join the held ones */
    const uint8_t *p = pinhole__alg_payload(ac) + hlen;
    int rc = pinhole__hold_append(ctx, r, p, add);
    if (rc == 0) {
      ph_note(ac, "split message: %zu bytes held", hlen + add);
      ac->held_all = 1;
      return PH_PASS;
    }
    if (!ph_never_fits(ctx, rc, hlen + add)) {
      ph_note(ac, "split message: no room, %zu bytes dropped", add);
      return PH_DROP; /* the sender resends them */
    }
    pinhole__hold_free(ctx, r);
    st->held = PH_NIL;
    return ph_give_up(ctx, ac->conn, ac->dir, st, ac->v, "too large");
  }
  pinhole__hold_done(ctx, r);
  st->held = PH_NIL;
  ph_note(ac, "split message: %zu bytes merged", hlen + add);
  ph_status rv = ph_after_scan(ac, st, ac->seq, 0, &res, ac->growth - growth0);
  if (rv == PH_PASS && ac->rewrote) {
    st->merged = 1;
    st->merged_lo = ac->seq;
    st->merged_hi = st->held ? ph_held_at(ctx, st->held)->key : st->msg_seq;
  }
  return rv;
}

/* A data segment of a direction that holds a message [lo, hi): PH_DROP
 * (counted), *done = 0 when the segment lies before the message (the
 * usual path handles it), else the merge's answer. */
static ph_status ph_held_seg(ph_alg_call *ac, const ph_alg *alg, ph_stream *st,
                             int *done) {
  pinhole_ctx *ctx = ac->ctx;
  const ph_held *h = ph_held_at(ctx, st->held);
  uint32_t lo = h->key, hi = lo + h->len, seq = ac->v->seq;
  size_t len = ac->v->payload_len;
  uint32_t end = seq + (uint32_t)len;
  *done = 1;
  if (ph_seq_diff(seq, lo) < 0) {
    if (ph_seq_diff(end, lo) <= 0) {
      *done = 0;
      return PH_PASS;
    }
    /* starts in data sent before the message and runs into it: with all
     * the held bytes (the same), it takes their place and goes the usual
     * way (what was sent before is rewritten again the same way); short
     * of their end, the sender resends from the receiver's
     * acknowledgment */
    ph_count(ctx, PINHOLE_CNT_REASM_RESENT);
    size_t at = lo - seq;
    if (ph_seq_diff(end, hi) < 0)
      return PH_DROP;
    if (!pinhole__hold_same(ctx, st->held, 0, pinhole__alg_payload(ac) + at,
                            h->len)) {
      ph_count(ctx, PINHOLE_CNT_REASM_CONFLICT);
      ph_note(ac, "resent bytes differ from the held ones: dropped");
      return PH_DROP;
    }
    pinhole__hold_free(ctx, st->held);
    st->held = PH_NIL;
    *done = 0;
    return PH_PASS;
  }
  if (ph_seq_diff(seq, hi) > 0) {
    ph_count(ctx, PINHOLE_CNT_REASM_OUT_OF_ORDER);
    ph_note(ac, "segment past a held message: dropped");
    return PH_DROP;
  }
  size_t dup = (size_t)(hi - seq);
  if (dup > len)
    dup = len;
  if (!pinhole__hold_same(ctx, st->held, seq - lo, pinhole__alg_payload(ac),
                          dup)) {
    ph_count(ctx, PINHOLE_CNT_REASM_CONFLICT);
    ph_note(ac, "resent bytes differ from the held ones: dropped");
    return PH_DROP;
  }
  if (dup)
    ph_count(ctx, PINHOLE_CNT_REASM_RESENT);
  if (dup == len) {
    /* only what is held: a duplicate, whose bytes are not held twice; its
     * acknowledgment goes on as a held piece's does, as it may cover
     * data the peer sent since the piece first came (dropped, that
     * acknowledgment is lost, and the peer resends what was received) */
    ac->held_all = 1;
    return PH_PASS;
  }
  return ph_merge(ac, alg, st, dup);
}

/* Sends the segment on without its payload (no sequence correction). */
static ph_status ph_strip(ph_alg_call *ac) {
  ph_trim(ac, 0);
  return PH_PASS;
}

/* A segment that resends part of a message reassembled and rewritten
 * before: sent on without its payload, so the receiver acknowledges what
 * it has (a segment that resends all of it from its start is rewritten
 * again like any resent segment). */
static int ph_resends_merged(const ph_stream *st, uint32_t seq, size_t len) {
  uint32_t end = seq + (uint32_t)len;
  if (!st->merged || ph_seq_diff(end, st->merged_lo) <= 0 ||
      ph_seq_diff(seq, st->merged_hi) >= 0)
    return 0;
  return !(seq == st->merged_lo && ph_seq_diff(end, st->merged_hi) >= 0);
}

ph_status pinhole__stream_run(ph_alg_call *ac, const ph_alg *alg) {
  ph_stream *st = &ac->w->st[ac->dir];
  const pinhole_pkt_view *v = ac->v;
  uint32_t seq = v->seq;
  size_t len = v->payload_len;

  if (v->tcp_flags & PINHOLE_TCP_SYN) {
    st->msg_seq = seq + 1; /* data starts after the SYN */
    st->data_seq = seq + 1;
    st->synced = 1;
    st->skip_line = 0;
    st->skip_len = 0;
    st->merged = 0;
    if (st->held) {
      pinhole__hold_free(ac->ctx, st->held);
      st->held = PH_NIL;
    }
  }
  if (len == 0 || !st->synced)
    return PH_PASS;
  if (st->blocked)
    return PH_DROP;
  if (st->desynced)
    return PH_PASS;
  if (len > st->seg_max)
    st->seg_max = (uint16_t)len;
  if (st->held &&
      ph_timer_passed(ac->ctx, &ph_held_at(ac->ctx, st->held)->timer))
    pinhole__hold_expire(ac->ctx, st->held); /* due: as a tick would */
  if (st->blocked)
    return PH_DROP;
  if (st->desynced)
    return PH_PASS;
  if (st->held) {
    int done;
    ph_status rv = ph_held_seg(ac, alg, st, &done);
    if (done)
      return rv;
  }
  if (ph_resends_merged(st, seq, len)) {
    ph_count(ac->ctx, PINHOLE_CNT_REASM_RESENT);
    ph_note(ac, "resent part of a merged message: sent without it");
    return ph_strip(ac);
  }

  int32_t at = ph_seq_diff(seq, st->msg_seq);
  if (at > 0 && st->pickup) {
    /* the first data past msg_seq since a standby imported the state: the
     * gap is what the active box passed after its last sync pass, which
     * the receiver acknowledged there and nobody sends again; parsing
     * resumes at this segment (once per direction, docs/ha.md) */
    ph_note(ac, "taken over: %u bytes not seen, parsing resumes here",
            (unsigned)at);
    st->msg_seq = seq;
    st->skip_line = 0;
    st->skip_len = 0;
    at = 0;
  }
  if (ph_seq_diff(seq + (uint32_t)len, st->msg_seq) > 0)
    st->pickup = 0; /* in step with the sender again */
  if (at > 0) {
    /* a gap: an earlier segment is missing, so where a message begins in
     * this one is unknown, and passing it unparsed could let a message
     * through untranslated. Drop it: the receiver never acknowledges it,
     * so the sender sends it again after the missing one. */
    ph_count(ac->ctx, PINHOLE_CNT_REASM_GAP);
    ph_skipped(ac, "out of order: dropped");
    return PH_DROP;
  }
  size_t start = (size_t)(-at);
  if (st->rw_valid && seq == st->rw_seq && start > 0) {
    /* the rewritten segment sent again (alone, or with new data behind
     * it): rewrite the old part the same way, with no new correction */
    ac->replay = 1;
    ac->replay_end = start < len ? start : len;
    if (start >= len) {
      ph_scan res;
      memset(&res, 0, sizeof(res));
      alg->inspect(ac, 0, &res);
      return ph_module_status(ac);
    }
    start = 0;
  } else if (start >= len) {
    return PH_PASS; /* a retransmission of data already handled */
  }
  if (!ph_skip(ac, st, &start, len))
    return PH_PASS;

  ph_scan res;
  memset(&res, 0, sizeof(res));
  int32_t growth0 = ac->growth + ac->replay_growth;
  alg->inspect(ac, start, &res);
  if (ph_module_status(ac) == PH_DROP)
    return PH_DROP;
  return ph_after_scan(ac, st, seq, start, &res,
                       ac->growth + ac->replay_growth - growth0);
}

/* ---- sending a reassembled packet --------------------------------------- */

/* The most payload one segment of direction dir may carry: the receiver's
 * MSS (less the options the segments carry), and no more than the sender
 * itself sent in one (its path may take no more), at least PH_SEG_MIN. */
static size_t ph_seg_limit(const pinhole_ctx *ctx, const ph_conn *c, int dir,
                           const ph_stream *st, const uint8_t *p,
                           const pinhole_pkt_view *v) {
  ph_ref wr = ph_conn_watch(ctx, c); /* the MSS a watched one keeps */
  size_t mss = wr ? ph_watch_at(ctx, wr)->mss[dir ^ 1] : 0;
  if (mss == 0)
    mss = PH_MSS_DEFAULT;
  /* TCP options, and IPv4 options or IPv6 extension headers */
  size_t opts = (size_t)(v->payload_off - v->l4_off - 20) +
                (v->l4_off - (ph_ip6(p) ? 40u : 20u));
  size_t lim = mss > opts ? mss - opts : 0;
  size_t seen =
      st->seg_max > PH_MSS_DEFAULT - opts ? st->seg_max : PH_MSS_DEFAULT - opts;
  if (seen < lim)
    lim = seen;
  return lim < PH_SEG_MIN ? PH_SEG_MIN : lim;
}

void pinhole__seg_cksums(uint8_t *p, const pinhole_pkt_view *v) {
  if (ph_ip6(p)) {
    pinhole_pkt6_view v6;
    if (pinhole_pkt6_parse(p, v->ip_len, &v6) == PINHOLE_PKT_OK)
      pinhole_pkt6_fix_cksums(p, &v6);
    return;
  }
  ph_put16(p + PH_IP_CKSUM, 0);
  ph_put16(p + PH_IP_CKSUM, pinhole_cksum(p, v->ihl));
  pinhole__l4_cksum_full(p, v);
}

/* A NAT64 segment from the IPv4 server: the IPv4 form the ALG saw is
 * translated to IPv6 as it leaves. */
static int ph_late6(const pinhole_ctx *ctx, const ph_conn *c, int dir) {
  return dir == 1 && ph_conn_is64(ctx, c);
}

/* The segment p (view v) built here from one of c's direction dir, made
 * ready to leave but for its checksums: translated (IPv4 connections;
 * NAT64's from the client were before their ALG saw them), its sequence
 * numbers corrected. */
static void ph_prepare(pinhole_ctx *ctx, uint8_t *p, pinhole_pkt_view *v,
                       ph_conn *c, int dir) {
  if (!ph_conn_is6(ctx, c))
    pinhole__translate(ctx, p, v, c, dir, 1);
  pinhole__tcp_seq_adjust(ctx, c, dir, p, v, 1);
}

/* Sends the finished segment p[0..len) of c's direction dir out of side
 * out through emit (NAT64's from the server as IPv6) and counts it. */
static void ph_emit(pinhole_ctx *ctx, ph_conn *c, int dir, const uint8_t *p,
                    size_t len, int out) {
  size_t in_len = len;
  if (ph_late6(ctx, c, dir)) {
    if (pinhole__nat64_xlat_in(ctx, c, p, len, &len) != 0) {
      ph_count(ctx, PINHOLE_CNT_NAT64_FAIL);
      return;
    }
    ph_count(ctx, PINHOLE_CNT_NAT64_XLAT);
    p = ctx->scratch;
  }
  ctx->cb.emit(ctx, p, len, out, ctx->user);
  ph_conn_count(ctx, c, dir, (uint32_t)in_len); /* one packet */
}

int pinhole__stream_merged(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, ph_conn *c, int dir, int side) {
  pinhole_pkt *m = &ctx->hold_pkt;
  pinhole_pkt_view *mv = &ctx->hold_view;
  const ph_stream *st = &ph_watch_at(ctx, ph_conn_watch(ctx, c))->st[dir];
  ph_prepare(ctx, m->data, mv, c, dir);
  size_t hdr = mv->payload_off, plen = mv->payload_len;
  size_t lim = ph_seg_limit(ctx, c, dir, st, m->data, mv);
  /* a NAT64 segment that becomes IPv6 grows by 20 bytes */
  size_t grow = ph_late6(ctx, c, dir) ? 20u : 0u;
  if (plen <= lim && m->len + grow <= pkt->cap) {
    memcpy(pkt->data, m->data, m->len);
    pkt->len = m->len;
    *v = *mv;
    pinhole__seg_cksums(pkt->data, v);
    return -1;
  }
  if (ctx->cb.emit == NULL || hdr > PH_HDR_MAX) {
    ph_count(ctx, PINHOLE_CNT_DROP_TOO_BIG);
    return PINHOLE_VERDICT_DROP;
  }
  /* pieces of lim bytes; piece k's headers are written just before its
   * payload, over the end of piece k - 1, which is sent by then */
  uint8_t head[PH_HDR_MAX];
  memcpy(head, m->data, hdr);
  uint32_t seq0 = ph_get32(head + mv->l4_off + PH_TCP_SEQ);
  uint8_t flags = m->data[mv->l4_off + 13];
  int out = (c->flags & PH_CONN_HAIRPIN) ? side : side ^ 1;
  for (size_t off = 0; off < plen; off += lim) {
    size_t n = plen - off < lim ? plen - off : lim;
    uint8_t *p = m->data + off;
    if (off)
      memcpy(p, head, hdr);
    pinhole_pkt_view pv = *mv;
    pv.ip_len = (uint16_t)(hdr + n);
    pv.l4_len = (uint16_t)(pv.ip_len - pv.l4_off);
    pv.payload_len = (uint16_t)n;
    ph_set_len(p, pv.ip_len);
    ph_put32(p + pv.l4_off + PH_TCP_SEQ, seq0 + (uint32_t)off);
    p[pv.l4_off + 13] =
        off + n < plen ? (uint8_t)(flags & ~(PINHOLE_TCP_FIN | PINHOLE_TCP_PSH))
                       : flags;
    pinhole__seg_cksums(p, &pv);
    ph_emit(ctx, c, dir, p, pv.ip_len, out);
  }
  return PINHOLE_VERDICT_HELD;
}

int pinhole__stream_send(pinhole_ctx *ctx, pinhole_pkt *pkt,
                         pinhole_pkt_view *v, ph_conn *c, int dir, int side) {
  int vd = pinhole__stream_merged(ctx, pkt, v, c, dir, side);
  if (vd >= 0)
    return vd;
  ph_conn_count(ctx, c, dir, v->ip_len);
  return (c->flags & PH_CONN_HAIRPIN) ? PINHOLE_VERDICT_HAIRPIN
                                      : PINHOLE_VERDICT_FORWARD;
}

void pinhole__stream_held_ack(pinhole_ctx *ctx, const pinhole_pkt *pkt,
                              const pinhole_pkt_view *v, ph_conn *c, int dir,
                              int side) {
  const uint8_t none = PINHOLE_TCP_SYN | PINHOLE_TCP_FIN | PINHOLE_TCP_RST;
  size_t hdr = v->payload_off;
  uint8_t b[PH_HDR_MAX];
  if (ctx->cb.emit == NULL || !(v->tcp_flags & PINHOLE_TCP_ACK) ||
      (v->tcp_flags & none) || hdr > sizeof(b))
    return;
  const ph_stream *st = &ph_watch_at(ctx, ph_conn_watch(ctx, c))->st[dir];
  uint32_t seq = st->held ? ph_held_at(ctx, st->held)->key : st->msg_seq;
  memcpy(b, pkt->data, hdr);
  pinhole_pkt_view bv = *v;
  bv.ip_len = (uint16_t)hdr;
  bv.l4_len = (uint16_t)(hdr - bv.l4_off);
  bv.payload_len = 0;
  bv.seq = seq;
  bv.tcp_flags = (uint8_t)(v->tcp_flags & ~PINHOLE_TCP_PSH);
  ph_set_len(b, hdr);
  ph_put32(b + bv.l4_off + PH_TCP_SEQ, seq);
  b[bv.l4_off + 13] = bv.tcp_flags;
  ph_prepare(ctx, b, &bv, c, dir);
  pinhole__seg_cksums(b, &bv);
  int out = (c->flags & PH_CONN_HAIRPIN) ? side : side ^ 1;
  ph_emit(ctx, c, dir, b, hdr, out);
}

void pinhole__stream_hold_lost(pinhole_ctx *ctx, ph_ref r, int why) {
  const ph_held *h = ph_held_at(ctx, r);
  ph_conn *c = ph_conn_at(ctx, h->owner);
  if (!(c->flags & PH_CONN_LIVE) || !ph_conn_watched(c))
    return;
  ph_stream *st = &ph_watch_at(ctx, ph_conn_watch(ctx, c))->st[h->dir];
  if (st->held != r)
    return;
  st->held = PH_NIL;
  /* given up for room: nothing was sent of it, the sender resends it and
   * it is held again; timed out: it is not coming whole */
  if (why == PH_HOLD_TIMEOUT)
    ph_give_up(ctx, c, h->dir, st, NULL, "timed out");
}

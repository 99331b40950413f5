/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stream driver: where a message can begin in a Watch connection's
 * TCP byte stream, and what happens to a message split across segments.
 *
 * Each direction tracks msg_seq, the original sequence number where the
 * next message begins. A segment is handed to its ALG only from there:
 * never at an attacker-chosen segment boundary in the middle of other
 * data (NAT slipstreaming). A segment after a gap is dropped (the sender
 * resends it after the missing one); a segment whose tail is the start of
 * a message the ALG must see whole has that tail withheld (cut off, or
 * the whole segment dropped), so the sender retransmits it with the rest;
 * after PH_HOLD_TRIES the message is counted and skipped. A direction the
 * ALG finds not to be its protocol is desynchronised for good. The
 * sequence corrections that rewrites need live next door, in core/tcp.c.
 */
#include "core/alg_call.h"
#include "core/engine.h"

#include <string.h>

#define PH_HOLD_TRIES 4

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

/* Withholds payload[consumed..) (the start of a split message): PH_DROP
 * when the whole segment must be dropped. */
static ph_status ph_withhold(ph_alg_call *ac, ph_stream *st, size_t consumed) {
  size_t now_len = ac->v->payload_len;
  if (st->holding && st->held_seq == st->msg_seq)
    st->hold_tries++;
  else
    st->hold_tries = 1;
  st->holding = 1;
  st->held_seq = st->msg_seq;
  ph_count(ac->ctx, PINHOLE_CNT_ALG_WITHHELD);
  ph_skipped(ac, "split message withheld");
  if (consumed == 0)
    return PH_DROP;
  uint8_t rewrote = ac->rewrote, replay = ac->replay;
  size_t cut = now_len - consumed;
  ac->replay = 0;
  if (pinhole__alg_splice(ac, consumed, cut, NULL, 0) != 0)
    return PH_DROP;
  /* the cut is not a rewrite: it must not shift sequence numbers */
  ac->growth += (int32_t)cut;
  ac->rewrote = rewrote;
  ac->replay = replay;
  ac->trimmed = 1;
  return PH_PASS;
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
    st->holding = 0;
    ph_count(ac->ctx, PINHOLE_CNT_ALG_DESYNC);
    ph_skipped(ac, "not the protocol: stream no longer parsed");
    return PH_PASS;
  }
  if (res->consumed >= now_len) {
    st->holding = 0;
    st->hold_tries = 0;
    st->skip_len = res->skip_len;
    return PH_PASS;
  }
  int fin = (ac->v->tcp_flags & PINHOLE_TCP_FIN) != 0;
  if (res->hold && !fin) {
    int tries = st->holding && st->held_seq == st->msg_seq ? st->hold_tries : 0;
    if (tries + 1 < PH_HOLD_TRIES)
      return ph_withhold(ac, st, res->consumed);
    pinhole__alg_error(ac, "split message never completed", NULL, 0);
  }
  /* skip to the end of the partial line within this segment */
  st->holding = 0;
  st->hold_tries = 0;
  st->skip_line = 1;
  st->msg_seq += (uint32_t)(now_len - res->consumed);
  return PH_PASS;
}

/* Did the module refuse the message or fail to rewrite it? */
static ph_status ph_module_status(const ph_alg_call *ac) {
  return ac->failed || ac->refused ? PH_DROP : PH_PASS;
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
  }
  if (len == 0 || !st->synced || st->desynced)
    return PH_PASS;

  int32_t at = ph_seq_diff(seq, st->msg_seq);
  if (at > 0) {
    /* a gap: an earlier segment is missing, so where a message begins in
     * this one is unknown, and passing it unparsed could let a message
     * through untranslated. Drop it: the receiver never acknowledges it,
     * so the sender sends it again after the missing one (the same holds
     * for the segments after a withheld split message). */
    if (!st->holding)
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

void pinhole__stream_hold_lost(pinhole_ctx *ctx, ph_ref r, int why) {
  (void)why;
  const ph_held *h = ph_held_at(ctx, r);
  ph_conn *c = ph_conn_at(ctx, h->owner);
  if (c->watch == PH_NIL)
    return;
  ph_stream *st = &ph_watch_at(ctx, c->watch)->st[h->dir];
  if (st->held == r)
    st->held = PH_NIL;
}

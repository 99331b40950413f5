/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP: connection state and window tracking for timeouts and the TCP error
 * counters, and the sequence corrections that payload rewrites require.
 *
 * State is tracked as a NAT needs it (RFC 5382 sec. 5): half-open,
 * established, closing and reset connections time out differently, a
 * repeated SYN on an established connection is refused, and an RST that
 * answers a SYN (a closed port: the signature of a port scan) is counted.
 *
 * Windows: a segment changes state only when it lies inside the sequence
 * space its receiver has announced, so that an off-path host that guesses
 * the tuple cannot close a connection or shorten its timeout (blind RST
 * and FIN, RFC 5961). Per direction the tracker keeps the end of what the
 * sender sent, the largest window it announced (scaled as both SYNs
 * agreed, RFC 7323 sec. 2) and the highest acknowledgment it sent. A
 * segment [seq, end) from s to r is acceptable when (the four bounds of
 * van Rooij's "Real stateful TCP packet filtering"):
 *   I   seq  <= r.ack + r.maxwin        not past the right edge r offered
 *   II  end  >= s.end - r.maxwin        not older than r can still lack
 *   III ack  <= r.end                   acknowledges nothing r did not send
 *   IV  ack  >= r.end - max(s.maxwin, 66000)   nor something long acked
 * An RST is honoured only when its sequence number is exactly the next one
 * expected: s.end (what s will send next) or r.ack (what r waits for). An
 * RST inside the window but not exact is dropped and counted (RFC 5961
 * sec. 3.2 would have the endpoint answer with a challenge ACK; a gateway
 * cannot, and forwarding it would let a blind in-window guess reset an
 * inside host whose stack predates RFC 5961; a peer that really lost the
 * connection sends an exact RST as soon as the other side sends anything).
 * Anything else outside the window is dropped and counted as an illegal
 * sequence number, and changes nothing.
 *
 * A direction first seen without its SYN (state taken over mid-stream)
 * learns its window from its first segment, bounded by what the other
 * side acknowledged when that is known (its end is then at least that
 * acknowledgment, even when the first segment is an old one resent); its
 * window scale is then unknown and taken as the largest (14), which only
 * widens the window bounds. The exact-RST rule does not depend on
 * windows.
 *
 * Sequence corrections: when an ALG changes a segment's payload length,
 * every later byte in that direction moves. Each direction keeps the
 * position (in the sender's numbering) where the last correction began and
 * the offsets before and after it; SEQ of that direction and ACK and SACK
 * edges of the other are shifted accordingly, for the life of the flow.
 * The window tracker works in each sender's original numbering: SEQ as it
 * arrives, ACK mapped back through the acknowledged direction's
 * corrections, exactly as the rewrite maps it.
 */
#include "core/engine.h"
#include "core/tcp.h"
#include "pkt/bytes.h"

#include <string.h>

#define PH_TCP_WS_MAX PH_TW_WS_MAX

/* ---- TCP options ------------------------------------------------------ */

/* A walk over the options of a TCP header: offsets from the packet start. */
typedef struct ph_opt_it {
  size_t o, end;
} ph_opt_it;

static void ph_opt_init(ph_opt_it *it, const pinhole_pkt_view *v) {
  it->o = (size_t)v->l4_off + 20;
  it->end = (size_t)v->l4_off + v->tcp_hlen;
}

/* The next option (not NOP): its offset and length; 0 at the end or at a
 * malformed option. */
static int ph_opt_next(const uint8_t *pkt, ph_opt_it *it, size_t *at,
                       uint8_t *olen) {
  while (it->o < it->end && pkt[it->o] == 1)
    it->o++;
  if (it->o >= it->end || pkt[it->o] == 0 || it->o + 1 >= it->end)
    return 0;
  uint8_t len = pkt[it->o + 1];
  if (len < 2 || len > it->end - it->o)
    return 0;
  *at = it->o;
  *olen = len;
  it->o += len;
  return 1;
}

/* The offset of the option of this kind and length in a segment, or 0. */
static size_t ph_opt_find(const uint8_t *pkt, const pinhole_pkt_view *v,
                          uint8_t kind, uint8_t want) {
  ph_opt_it it;
  size_t at;
  uint8_t len;
  ph_opt_init(&it, v);
  while (ph_opt_next(pkt, &it, &at, &len))
    if (pkt[at] == kind && len == want)
      return at;
  return 0;
}

/* The window scale a SYN offers: tcp.h ph_tcp_syn_wscale, the one scan
 * the direct first SYN (core/process.c) inlines too. */
static uint8_t ph_wscale(const uint8_t *pkt, const pinhole_pkt_view *v) {
  return ph_tcp_syn_wscale(pkt, v);
}

/* The MSS a SYN announces (RFC 9293 sec. 3.7.1), or 0. */
static uint16_t ph_mss(const uint8_t *pkt, const pinhole_pkt_view *v) {
  size_t at = ph_opt_find(pkt, v, 2, 4);
  return at ? ph_get16(pkt + at + 2) : 0;
}

/* ---- sequence corrections ---------------------------------------------- */

void pinhole__tcp_seq_record(ph_stream *st, uint32_t seq, int32_t delta) {
  if (!st->has_corr || ph_after(seq, st->corr_pos)) {
    st->off_before = st->off_after;
    st->corr_pos = seq;
    st->has_corr = 1;
  }
  st->off_after += delta;
}

/* Offset for a sequence number of the stream, in the sender's numbering. */
static int32_t ph_seq_off(const ph_stream *st, uint32_t seq) {
  return ph_after(seq, st->corr_pos) ? st->off_after : st->off_before;
}

/* An acknowledgment (receiver's numbering) mapped back to the sender's. */
static uint32_t ph_ack_map(const ph_stream *st, uint32_t ack) {
  if (ph_after(ack - (uint32_t)st->off_after, st->corr_pos))
    return ack - (uint32_t)st->off_after;
  return ack - (uint32_t)st->off_before;
}

/* ---- the segment as the tracker sees it -------------------------------- */

typedef struct ph_seg {
  uint32_t seq, end; /* end: seq + data + SYN + FIN */
  uint32_t ack;      /* in the acknowledged side's original numbering */
  uint32_t win;      /* the window field, unscaled */
  uint8_t flags;
  uint8_t frag; /* a first fragment: the data goes on in later pieces */
} ph_seg;

static void ph_seg_of(const pinhole_ctx *ctx, const ph_conn *c, int dir,
                      const pinhole_pkt_view *v, ph_seg *g) {
  g->flags = v->tcp_flags;
  g->seq = v->seq;
  g->end = v->seq + v->payload_len + ((g->flags & PINHOLE_TCP_SYN) ? 1u : 0u) +
           ((g->flags & PINHOLE_TCP_FIN) ? 1u : 0u);
  g->ack = v->ack;
  if (ph_conn_watched(c) && (g->flags & PINHOLE_TCP_ACK)) {
    const ph_stream *peer =
        &ph_watch_at(ctx, ph_conn_watch(ctx, c))->st[dir ^ 1];
    if (peer->has_corr)
      g->ack = ph_ack_map(peer, v->ack);
  }
  g->win = v->tcp_win;
  g->frag = (v->flags & PINHOLE_PKTF_FRAGMENT) != 0;
}

/* ---- windows ------------------------------------------------------------ */

/* Bounds I and II for [seq, end) from s to r. */
static int ph_seq_ok(const ph_tcp_dir *s, const ph_tcp_dir *r, uint32_t seq,
                     uint32_t end) {
  if (!(r->flags & PH_TW_SEEN))
    return 1;
  uint32_t rwin = ph_tw_maxwin(r);
  if ((r->flags & PH_TW_ACKED) && ph_after(seq, r->ack + rwin))
    return 0;
  if ((s->flags & PH_TW_SEEN) && ph_after(s->end - rwin, end))
    return 0;
  return 1;
}

/* Bounds III and IV for an acknowledgment s sends of r's data. */
static int ph_ack_ok(const ph_tcp_dir *s, const ph_tcp_dir *r, uint32_t ack) {
  if (!(r->flags & PH_TW_SEEN))
    return 1;
  /* r's last segment was fragmented: its end is known only up to the
   * first piece, the datagram carried at most 64 KB */
  uint32_t hi = (r->flags & PH_TW_FRAG) ? r->end + 65535u : r->end;
  uint32_t swin = ph_tw_maxwin(s);
  uint32_t span = swin > PH_TCP_ACK_SLACK ? swin : PH_TCP_ACK_SLACK;
  return !ph_after(ack, hi) && !ph_after(r->end - span, ack);
}

/* Does a SYN-ACK's acknowledgment acknowledge the opener's SYN (and the
 * data it carried, or not)? */
static int ph_acks_syn(const ph_tcp_dir *opener, const ph_seg *g) {
  if (!(g->flags & PINHOLE_TCP_ACK) || !(opener->flags & PH_TW_SEEN))
    return 0;
  return g->ack == opener->end ||
         (!(opener->flags & PH_TW_ACKED) && g->ack == opener->ack);
}

/* A direction's state from its SYN (or SYN-ACK): tcp.h. */
static void ph_dir_syn(ph_tcp_dir *s, const ph_seg *g, uint8_t ws) {
  ph_tcp_dir_syn(s, g->seq, g->end, (uint16_t)g->win, ws);
}

/* Both SYNs seen: scaling applies only when both offered it. */
static void ph_scale_agree(ph_tcpw *w) {
  if (!(w->d[0].flags & PH_TW_WS) || !(w->d[1].flags & PH_TW_WS))
    for (int d = 0; d < 2; d++)
      ph_tw_set_scale(&w->d[d], 0);
}

/* An accepted segment from s. */
static void ph_dir_update(ph_tcp_dir *s, const ph_seg *g) {
  if (!(s->flags & PH_TW_SEEN) || ph_after(g->end, s->end))
    s->end = g->end;
  uint8_t scale = ph_tw_scale(s);
  if ((g->win << scale) > ph_tw_maxwin(s))
    ph_tw_set_maxwin(s, (uint16_t)g->win, scale); /* exact */
  if (s->mw == 0)
    ph_tw_set_maxwin(s, 1, 0);
  if (g->flags & PINHOLE_TCP_ACK) {
    if (!(s->flags & PH_TW_ACKED) || ph_after(g->ack, s->ack))
      s->ack = g->ack;
    s->flags |= PH_TW_ACKED;
  }
  s->flags = (uint8_t)((s->flags | PH_TW_SEEN) & ~PH_TW_FRAG);
  if (g->frag)
    s->flags |= PH_TW_FRAG;
}

/* A direction seen for the first time without its SYN: its first segment
 * is acceptable when the other side's acknowledgment (if known) says it
 * could be. */
static int ph_pickup_ok(const ph_tcp_dir *r, const ph_seg *g) {
  if (!(r->flags & PH_TW_ACKED))
    return 1;
  uint32_t rwin = ph_tw_maxwin(r);
  uint32_t back = rwin > PH_TCP_ACK_SLACK ? rwin : PH_TCP_ACK_SLACK;
  return !ph_after(g->seq, r->ack + rwin) && !ph_after(r->ack - back, g->end);
}

static void ph_pickup(ph_tcp_dir *s, const ph_tcp_dir *r, const ph_seg *g) {
  s->shifts = 0;
  ph_tw_set_scale(s, PH_TCP_WS_MAX); /* unknown: the widest */
  ph_tw_set_maxwin(s, 0, 0);
  ph_dir_update(s, g);
  /* the first segment may be an old one sent again (after a failover:
   * the sender lost the acknowledgments the old box carried last), yet
   * r acknowledged up to r->ack: s sent that much. Otherwise r's next
   * acknowledgment lies past s's end (bound III) and is refused, and s
   * goes on resending the old segment forever. ph_pickup_ok bounds the
   * step to r's window. */
  if ((r->flags & PH_TW_ACKED) && ph_after(r->ack, s->end))
    s->end = r->ack;
}

/* ---- state -------------------------------------------------------------- */

static void ph_set_state(pinhole_ctx *ctx, ph_conn *c, uint8_t s) {
  uint32_t old_to = pinhole__conn_timeout(ctx, c);
  c->tcp_state = s;
  if ((c->flags & PH_CONN_HALF_OPEN) && s != PH_TCP_SYN_SENT &&
      s != PH_TCP_SYN_RCVD) {
    c->flags &= (uint8_t)~PH_CONN_HALF_OPEN;
    ctx->half_open--;
  }
  /* a shorter timeout takes effect now; a longer one when the timer
   * fires and finds the connection still alive */
  if (pinhole__conn_timeout(ctx, c) < old_to)
    pinhole__conn_touch_timer(ctx, c);
}

static int ph_rst(pinhole_ctx *ctx, ph_conn *c, int dir, int opener,
                  const ph_seg *g) {
  ph_tcpw *w = ph_tcpw_of(ctx, c);
  const ph_tcp_dir *s = &w->d[dir], *r = &w->d[dir ^ 1];
  if (c->tcp_state == PH_TCP_SYN_SENT && dir != opener) {
    /* the answer to the SYN: acceptable when it acknowledges it */
    if (!ph_acks_syn(r, g))
      return PINHOLE_CNT_TCP_FLAGS;
    ph_count(ctx, PINHOLE_CNT_TCP_PORT_SCAN);
    ph_count(ctx, PINHOLE_CNT_ERR_TCP);
    ph_set_state(ctx, c, PH_TCP_CLOSED);
    return 0;
  }
  int exact, in_window;
  if (s->flags & PH_TW_SEEN) {
    exact = g->seq == s->end || ((r->flags & PH_TW_ACKED) && g->seq == r->ack);
    in_window = ph_seq_ok(s, r, g->seq, g->seq);
  } else { /* taken over mid-stream: judged by r's acknowledgment alone */
    exact = !(r->flags & PH_TW_ACKED) || g->seq == r->ack;
    in_window = ph_pickup_ok(r, g);
  }
  if (!exact)
    return in_window ? PINHOLE_CNT_TCP_RST_IN_WINDOW : PINHOLE_CNT_TCP_FLAGS;
  ph_set_state(ctx, c, PH_TCP_CLOSED);
  return 0;
}

/* A SYN without ACK. */
static int ph_syn(pinhole_ctx *ctx, ph_conn *c, int dir, int opener,
                  const ph_seg *g, uint8_t ws) {
  ph_tcpw *w = ph_tcpw_of(ctx, c);
  ph_tcp_dir *s = &w->d[dir];
  if (dir != opener) {
    if (c->tcp_state != PH_TCP_SYN_SENT)
      return PINHOLE_CNT_TCP_SYN_ATTACK;
    ph_dir_syn(s, g, ws); /* simultaneous open */
    ph_scale_agree(w);
    ph_set_state(ctx, c, PH_TCP_SYN_RCVD);
    return 0;
  }
  switch (c->tcp_state) {
  case PH_TCP_NONE: /* what process.c ph_tcp_syn_first() does directly */
    ph_tcp_open(ctx, c, s, g->seq, g->end, (uint16_t)g->win, ws);
    return 0;
  case PH_TCP_SYN_SENT:
    ph_dir_syn(s, g, ws); /* retransmitted, or a new ISN */
    return 0;
  case PH_TCP_SYN_RCVD:
    /* retransmitted: only the SYN the answer acknowledged */
    if (!(s->flags & PH_TW_ACKED) && g->seq + 1 != s->ack)
      return PINHOLE_CNT_TCP_FLAGS;
    return 0;
  case PH_TCP_CLOSED:
    /* a new incarnation of the same tuple after an RST: half-open again,
     * so within the SYN defense limit like a new connection */
    if (ctx->half_open >= ctx->cfg.max_half_open)
      return PH_TCP_SYN_DEFENSE;
    c->tcp_state = PH_TCP_SYN_SENT;
    c->flags = (uint8_t)(c->flags & ~(PH_CONN_FIN_A | PH_CONN_FIN_B));
    c->flags |= PH_CONN_HALF_OPEN;
    ctx->half_open++;
    memset(w, 0, sizeof(*w));
    ph_dir_syn(s, g, ws);
    return 0;
  default:
    return PINHOLE_CNT_TCP_SYN_ATTACK;
  }
}

/* A SYN-ACK: only from the side that did not open, acknowledging the
 * opener's SYN. */
static int ph_synack(pinhole_ctx *ctx, ph_conn *c, int dir, int opener,
                     const ph_seg *g, uint8_t ws) {
  ph_tcpw *w = ph_tcpw_of(ctx, c);
  ph_tcp_dir *s = &w->d[dir], *r = &w->d[dir ^ 1];
  if (dir == opener)
    return PINHOLE_CNT_TCP_FLAGS;
  switch (c->tcp_state) {
  case PH_TCP_SYN_SENT:
  case PH_TCP_SYN_RCVD:
    /* the first, or one again (a retransmission; or after a SYN from this
     * side that this SYN-ACK does not follow: only one that acknowledges
     * the opener's SYN, which a blind sender cannot, sets the side's
     * state, so a spoofed "simultaneous open" cannot lock the real answer
     * out) */
    if (!ph_acks_syn(r, g))
      return PINHOLE_CNT_TCP_FLAGS;
    ph_dir_syn(s, g, ws);
    s->ack = g->ack;
    s->flags |= PH_TW_ACKED;
    ph_scale_agree(w);
    ph_set_state(ctx, c, PH_TCP_SYN_RCVD);
    return 0;
  default:
    /* retransmitted after the opener's ACK was lost on its way */
    return ph_seq_ok(s, r, g->seq, g->end) ? 0 : PINHOLE_CNT_TCP_FLAGS;
  }
}

/* The common case, decided as the general path would decide it: a data or
 * ACK segment of an established connection whose windows are both known,
 * with no ALG correction to map and no fragment (tcp.h ph_tcp_est_case,
 * ph_tcp_est_track: process.c's direct path decides it the same way).
 * Returns -1 when the segment is not such a one. */
static int ph_track_established(ph_tcpw *w, const ph_conn *c, int dir,
                                const pinhole_pkt_view *v) {
  ph_tcp_dir *s = &w->d[dir];
  const ph_tcp_dir *r = &w->d[dir ^ 1];
  if (ph_conn_watched(c) || (v->flags & PINHOLE_PKTF_FRAGMENT) ||
      !ph_tcp_est_case(c, s, r, v->tcp_flags))
    return -1;
  return ph_tcp_est_track(s, r, v->seq, v->seq + v->payload_len, v->ack,
                          v->tcp_win);
}

/* Everything else (kept out of line: the common case above stays lean). */
__attribute__((noinline)) static int ph_track(pinhole_ctx *ctx, ph_conn *c,
                                              int dir, const uint8_t *pkt,
                                              const pinhole_pkt_view *v) {
  int opener = (c->flags & PH_CONN_B_OPENED) ? 1 : 0;
  ph_seg g;
  ph_seg_of(ctx, c, dir, v, &g);
  if (g.flags & PINHOLE_TCP_RST)
    return ph_rst(ctx, c, dir, opener, &g);
  if (g.flags & PINHOLE_TCP_SYN) {
    uint8_t ws = ph_wscale(pkt, v);
    if (ph_conn_watched(
            c)) /* what reassembled segments to this side may carry */
      ph_watch_at(ctx, ph_conn_watch(ctx, c))->mss[dir] = ph_mss(pkt, v);
    return (g.flags & PINHOLE_TCP_ACK) ? ph_synack(ctx, c, dir, opener, &g, ws)
                                       : ph_syn(ctx, c, dir, opener, &g, ws);
  }
  if (c->tcp_state == PH_TCP_SYN_SENT)
    return PINHOLE_CNT_TCP_FLAGS; /* anything but SYN or RST before the
                                     SYN-ACK */
  ph_tcpw *w = ph_tcpw_of(ctx, c);
  ph_tcp_dir *s = &w->d[dir], *r = &w->d[dir ^ 1];
  if (!(s->flags & PH_TW_SEEN)) {
    if (!ph_pickup_ok(r, &g))
      return PINHOLE_CNT_TCP_FLAGS;
    ph_pickup(s, r, &g);
  } else {
    if (!ph_seq_ok(s, r, g.seq, g.end) ||
        ((g.flags & PINHOLE_TCP_ACK) && !ph_ack_ok(s, r, g.ack)))
      return PINHOLE_CNT_TCP_FLAGS;
    ph_dir_update(s, &g);
  }
  if (c->tcp_state == PH_TCP_SYN_RCVD && dir == opener &&
      (g.flags & PINHOLE_TCP_ACK))
    ph_set_state(ctx, c, PH_TCP_ESTABLISHED);
  if (g.flags & PINHOLE_TCP_FIN) {
    c->flags |= dir ? PH_CONN_FIN_B : PH_CONN_FIN_A;
    uint8_t both = PH_CONN_FIN_A | PH_CONN_FIN_B;
    ph_set_state(ctx, c,
                 (c->flags & both) == both ? PH_TCP_CLOSING : PH_TCP_FIN_WAIT);
  }
  return 0;
}

ph_status pinhole__tcp_track(pinhole_ctx *ctx, ph_conn *c, int dir,
                             const uint8_t *pkt, const pinhole_pkt_view *v) {
  int fast = ph_track_established(ph_tcpw_of(ctx, c), c, dir, v);
  int bad = fast >= 0 ? fast : ph_track(ctx, c, dir, pkt, v);
  if (bad == 0)
    return PH_PASS;
  if (bad == PH_TCP_SYN_DEFENSE) {
    ph_count(ctx, PINHOLE_CNT_DROP_SYN_DEFENSE);
  } else {
    ph_count(ctx, PINHOLE_CNT_ERR_TCP);
    ph_count(ctx, bad);
  }
  return PH_DROP;
}

/* ---- applying corrections ---------------------------------------------- */

static void ph_put32_ck(uint8_t *pkt, size_t off, uint32_t val, size_t ck_off,
                        int l4_full) {
  uint32_t old = ph_get32(pkt + off);
  if (old == val)
    return;
  ph_put32(pkt + off, val);
  if (!l4_full)
    ph_put16(pkt + ck_off,
             pinhole_cksum_update32(ph_get16(pkt + ck_off), old, val));
}

static void ph_sack_adjust(uint8_t *pkt, const pinhole_pkt_view *v,
                           const ph_stream *peer, int l4_full) {
  size_t ck = (size_t)v->l4_off + PH_TCP_CKSUM, o;
  uint8_t olen;
  ph_opt_it it;
  ph_opt_init(&it, v);
  while (ph_opt_next(pkt, &it, &o, &olen)) {
    if (pkt[o] == 5 && olen >= 10 && (olen - 2) % 8 == 0) {
      for (size_t e = o + 2; e + 4 <= o + olen; e += 4)
        ph_put32_ck(pkt, e, ph_ack_map(peer, ph_get32(pkt + e)), ck, l4_full);
    }
  }
}

void pinhole__tcp_seq_adjust(pinhole_ctx *ctx, ph_conn *c, int dir,
                             uint8_t *pkt, pinhole_pkt_view *v, int l4_full) {
  const ph_watch *w = ph_watch_at(ctx, ph_conn_watch(ctx, c));
  const ph_stream *mine = &w->st[dir], *peer = &w->st[dir ^ 1];
  size_t l4 = v->l4_off, ck = l4 + PH_TCP_CKSUM;
  if (mine->has_corr) {
    uint32_t seq = v->seq + (uint32_t)ph_seq_off(mine, v->seq);
    ph_put32_ck(pkt, l4 + PH_TCP_SEQ, seq, ck, l4_full);
  }
  if (peer->has_corr && (v->tcp_flags & PINHOLE_TCP_ACK)) {
    ph_put32_ck(pkt, l4 + PH_TCP_ACK, ph_ack_map(peer, v->ack), ck, l4_full);
    if (v->tcp_hlen > 20)
      ph_sack_adjust(pkt, v, peer, l4_full);
  }
}

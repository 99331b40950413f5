/*
 * TCP: connection state for timeouts and the TCP error counters, and the
 * sequence corrections that payload rewrites require.
 *
 * State is tracked loosely, as a NAT needs it (RFC 5382 sec. 5): enough to
 * tell half-open, established and closing connections apart, to refuse a
 * repeated SYN on an established connection, and to see an RST answer a
 * SYN (a closed port: the signature of a port scan).
 *
 * Sequence corrections: when an ALG changes a segment's payload length,
 * every later byte in that direction moves. Each direction keeps the
 * position (in the sender's numbering) where the last correction began and
 * the offsets before and after it; SEQ of that direction and ACK and SACK
 * edges of the other are shifted accordingly, for the life of the flow.
 */
#include "core/engine.h"
#include "pkt/bytes.h"

static int ph_after(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) > 0;
}

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

int pinhole__tcp_track(pinhole_ctx *ctx, ph_conn *c, int dir,
                       const pinhole_pkt_view *v) {
  uint8_t f = v->tcp_flags;
  int opener = (c->flags & PH_CONN_B_OPENED) ? 1 : 0;

  if (f & PINHOLE_TCP_RST) {
    if (c->tcp_state == PH_TCP_SYN_SENT && dir != opener)
      ph_count(ctx, PINHOLE_CNT_TCP_PORT_SCAN),
          ph_count(ctx, PINHOLE_CNT_ERR_TCP);
    ph_set_state(ctx, c, PH_TCP_CLOSED);
    return 0;
  }
  if (f & PINHOLE_TCP_SYN) {
    if (!(f & PINHOLE_TCP_ACK)) {
      if (dir != opener) {
        if (c->tcp_state == PH_TCP_SYN_SENT) { /* simultaneous open */
          ph_set_state(ctx, c, PH_TCP_SYN_RCVD);
          return 0;
        }
        return PINHOLE_CNT_TCP_SYN_ATTACK;
      }
      if (c->tcp_state == PH_TCP_NONE) {
        c->tcp_state = PH_TCP_SYN_SENT;
        c->flags |= PH_CONN_HALF_OPEN;
        ctx->half_open++;
        return 0;
      }
      if (c->tcp_state == PH_TCP_SYN_SENT || c->tcp_state == PH_TCP_SYN_RCVD)
        return 0; /* retransmitted SYN */
      if (c->tcp_state == PH_TCP_CLOSED) {
        /* a new incarnation of the same tuple after an RST: half-open
         * again, so within the SYN defense limit like a new connection */
        if (ctx->half_open >= ctx->cfg.max_half_open)
          return PH_TCP_SYN_DEFENSE;
        c->tcp_state = PH_TCP_SYN_SENT;
        c->flags = (uint8_t)(c->flags & ~(PH_CONN_FIN_A | PH_CONN_FIN_B));
        c->flags |= PH_CONN_HALF_OPEN;
        ctx->half_open++;
        return 0;
      }
      return PINHOLE_CNT_TCP_SYN_ATTACK;
    }
    /* SYN-ACK: only from the side that did not open */
    if (dir == opener)
      return PINHOLE_CNT_TCP_FLAGS;
    if (c->tcp_state == PH_TCP_SYN_SENT)
      ph_set_state(ctx, c, PH_TCP_SYN_RCVD);
    return 0;
  }
  if (c->tcp_state == PH_TCP_SYN_RCVD && dir == opener && (f & PINHOLE_TCP_ACK))
    ph_set_state(ctx, c, PH_TCP_ESTABLISHED);
  else if (c->tcp_state == PH_TCP_SYN_SENT && dir != opener)
    return PINHOLE_CNT_TCP_FLAGS; /* data before the SYN-ACK */
  if (f & PINHOLE_TCP_FIN) {
    c->flags |= dir ? PH_CONN_FIN_B : PH_CONN_FIN_A;
    uint8_t both = PH_CONN_FIN_A | PH_CONN_FIN_B;
    ph_set_state(ctx, c,
                 (c->flags & both) == both ? PH_TCP_CLOSING : PH_TCP_FIN_WAIT);
  }
  return 0;
}

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
  size_t o = (size_t)v->l4_off + 20, end = (size_t)v->l4_off + v->tcp_hlen;
  size_t ck = (size_t)v->l4_off + PH_TCP_CKSUM;
  while (o < end) {
    uint8_t kind = pkt[o];
    if (kind == 0)
      break;
    if (kind == 1) {
      o++;
      continue;
    }
    if (o + 1 >= end)
      break;
    uint8_t olen = pkt[o + 1];
    if (olen < 2 || olen > end - o)
      break;
    if (kind == 5 && olen >= 10 && (olen - 2) % 8 == 0) {
      for (size_t e = o + 2; e + 4 <= o + olen; e += 4)
        ph_put32_ck(pkt, e, ph_ack_map(peer, ph_get32(pkt + e)), ck, l4_full);
    }
    o += olen;
  }
}

void pinhole__tcp_seq_adjust(pinhole_ctx *ctx, ph_conn *c, int dir,
                             uint8_t *pkt, pinhole_pkt_view *v, int l4_full) {
  const ph_watch *w = &ctx->watch[c->watch - 1];
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

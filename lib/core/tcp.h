/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP state shared by the tracker (core/tcp.c) and the engine's direct
 * paths (core/process.c): the new connection's first SYN
 * (ph_tcp_syn_first) and the established segment (ph_tcp_established).
 * One definition of what a SYN sets and of how an established segment is
 * judged, so that the paths cannot drift.
 */
#ifndef PH_CORE_TCP_H
#define PH_CORE_TCP_H

#include "core/ctx.h"

#define PH_TCP_WS_NONE 0xffu    /* no window scale option */
#define PH_TCP_ACK_SLACK 66000u /* bound IV for small windows (tcp.c) */

/* Is sequence number a after b (RFC 9293 sec. 3.4's modular order)? */
static inline int ph_after(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) > 0;
}

/* A direction's state from its SYN (or SYN-ACK) [seq, end) that announced
 * window win and window scale ws (PH_TCP_WS_NONE: none; at most
 * PH_TW_WS_MAX otherwise). */
static inline void ph_tcp_dir_syn(ph_tcp_dir *s, uint32_t seq, uint32_t end,
                                  uint16_t win, uint8_t ws) {
  s->end = end;
  s->ack = seq + 1; /* what a SYN-ACK must acknowledge at least */
  s->shifts = 0;
  /* never scaled in a SYN (RFC 7323) */
  ph_tw_set_maxwin(s, win ? win : (uint16_t)1, 0);
  ph_tw_set_scale(s, ws == PH_TCP_WS_NONE ? 0 : ws);
  s->flags = (uint8_t)(PH_TW_SEEN | (ws == PH_TCP_WS_NONE ? 0 : PH_TW_WS));
}

/* The opener's SYN on a connection in state PH_TCP_NONE (just made),
 * its side's windows s: SYN_SENT and counted half-open. */
static inline void ph_tcp_open(pinhole_ctx *ctx, ph_conn *c, ph_tcp_dir *s,
                               uint32_t seq, uint32_t end, uint16_t win,
                               uint8_t ws) {
  ph_tcp_dir_syn(s, seq, end, win, ws);
  c->tcp_state = PH_TCP_SYN_SENT;
  c->flags |= PH_CONN_HALF_OPEN;
  ctx->half_open++;
}

/* The window scale the SYN pkt (view v) offers (RFC 7323 sec. 2.2),
 * bounded to PH_TW_WS_MAX, or PH_TCP_WS_NONE: the tracker's own reading
 * of its options (tcp.c ph_wscale calls it). One scan of the option
 * bytes, inline in the direct first SYN; it reads them exactly as tcp.c's
 * general walk (ph_opt_next, ph_opt_find for kind 3 of length 3) did,
 * whose calls cost a Linux SYN's five options ~109 instructions: it stops
 * at EOL, at an option without its length byte, at a length below 2 or
 * past the header's end; steps over NOPs and every other option (a kind
 * 3 of another length too); takes the first window scale of length 3. */
static inline uint8_t ph_tcp_syn_wscale(const uint8_t *pkt,
                                        const pinhole_pkt_view *v) {
  const uint8_t *o = pkt + v->l4_off + 20;
  const uint8_t *end = pkt + v->l4_off + v->tcp_hlen;
  while (o < end) {
    uint8_t kind = o[0];
    if (kind == 1) { /* NOP */
      o++;
      continue;
    }
    if (kind == 0 || end - o < 2)
      break;
    uint8_t len = o[1];
    if (len < 2 || len > end - o)
      break;
    if (kind == 3 && len == 3)
      return o[2] > PH_TW_WS_MAX ? (uint8_t)PH_TW_WS_MAX : o[2];
    o += len;
  }
  return PH_TCP_WS_NONE;
}

/* Is a segment with TCP flags tcp_flags, from the side whose windows are
 * s to the side of r, of connection c (no ALG watches it: the callers
 * test that), the tracker's common case: c established, the segment a
 * bare ACK (with PSH, URG, ECE, CWR or not; no SYN, RST or FIN), both
 * windows known and neither side's last segment a fragment? Not a
 * fragment itself: the callers test that as they know it. */
static inline int ph_tcp_est_case(const ph_conn *c, const ph_tcp_dir *s,
                                  const ph_tcp_dir *r, uint8_t tcp_flags) {
  const uint8_t known = PH_TW_SEEN | PH_TW_ACKED;
  return c->tcp_state == PH_TCP_ESTABLISHED &&
         (tcp_flags & (PINHOLE_TCP_SYN | PINHOLE_TCP_RST | PINHOLE_TCP_FIN |
                       PINHOLE_TCP_ACK)) == PINHOLE_TCP_ACK &&
         (s->flags & r->flags & known) == known &&
         !((s->flags | r->flags) & PH_TW_FRAG);
}

/* The tracker's decision on such a segment [seq, end) acknowledging ack
 * with window field win, the four bounds (tcp.c's head) with every flag
 * they test known: 0 when it is acceptable, with s moved on (its end,
 * its acknowledgment, its largest window); PINHOLE_CNT_TCP_FLAGS, with
 * nothing changed, when not. The one copy: the tracker (tcp.c
 * ph_track_established) reads the values from the view, the direct path
 * (process.c ph_tcp_established) from the header. */
static inline int ph_tcp_est_track(ph_tcp_dir *s, const ph_tcp_dir *r,
                                   uint32_t seq, uint32_t end, uint32_t ack,
                                   uint16_t win) {
  uint32_t swin = ph_tw_maxwin(s), rwin = ph_tw_maxwin(r);
  uint32_t span = swin > PH_TCP_ACK_SLACK ? swin : PH_TCP_ACK_SLACK;
  if (ph_after(seq, r->ack + rwin) || ph_after(s->end - rwin, end) ||
      ph_after(ack, r->end) || ph_after(r->end - span, ack))
    return PINHOLE_CNT_TCP_FLAGS;
  if (ph_after(end, s->end))
    s->end = end;
  if (ph_after(ack, s->ack))
    s->ack = ack;
  uint8_t scale = ph_tw_scale(s);
  if (((uint32_t)win << scale) > swin)
    ph_tw_set_maxwin(s, win, scale); /* exact */
  return 0;
}

#endif /* PH_CORE_TCP_H */

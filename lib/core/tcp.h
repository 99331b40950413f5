/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP state shared by the tracker (core/tcp.c) and the new connection's
 * direct first SYN (core/process.c ph_tcp_syn_first): one definition of
 * what a SYN sets, so that the two cannot drift.
 */
#ifndef PH_CORE_TCP_H
#define PH_CORE_TCP_H

#include "core/ctx.h"

#define PH_TCP_WS_NONE 0xffu /* no window scale option */

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

#endif /* PH_CORE_TCP_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The engine's side of the ALG contract (lib/alg/alg.h is the module's):
 * the ALG table, one invocation's state, and the entry points the packet
 * path calls. Modules never include this header.
 */
#ifndef PH_CORE_ALG_CALL_H
#define PH_CORE_ALG_CALL_H

#include "alg/alg.h"
#include "core/ctx.h"

_Static_assert(PH_ALG_STATE_SIZE <= sizeof(((ph_watch *)0)->alg_state),
               "the watch slot holds a module's state");

/* One ALG invocation on one packet. */
struct ph_alg_call {
  pinhole_ctx *ctx;
  ph_conn *conn;
  ph_watch *w;
  pinhole_pkt *pkt;
  pinhole_pkt_view *v;
  int dir;               /* 0: from side A (the client), 1: from side B */
  int side;              /* pinhole_side the packet arrived on */
  int32_t growth;        /* payload bytes added (negative: removed) so far by
                            rewrites of new data */
  int32_t replay_growth; /* the same, by rewrites of resent data */
  size_t replay_end;     /* with replay: payload[0..replay_end) was handled
                            before (rewritten the same way again, no new
                            sequence correction) */
  uint32_t seq, ack;     /* as the packet arrived */
  uint8_t replay;        /* the segment starts with data already handled */
  uint8_t failed;        /* a rewrite did not fit: drop the packet */
  uint8_t refused;       /* a message could not be translated: drop it */
  uint8_t rewrote;       /* the payload changed */
  uint8_t trimmed;       /* a withheld tail was cut off */
  uint8_t counter;       /* error counter selected for this call (0: the
                            descriptor's; pinhole__alg_error_counter) */
  uint8_t held_all;      /* the whole payload is held: send nothing */
  uint8_t merged;        /* pkt/v are the context's reassembled packet
                            (ctx->hold_pkt), not the caller's */
};

/* pinhole__alg_run's *changed bits */
enum ph_alg_changed {
  PH_ALG_CHANGED = 0x01, /* the payload changed: recompute the checksum */
  PH_ALG_HELD = 0x02,    /* nothing to send: the payload is held */
  PH_ALG_MERGED = 0x04   /* send ctx->hold_pkt instead
                            (pinhole__stream_send) */
};

/* The built-in ALG table (lib/core/alg.c). */
extern const ph_alg *const pinhole__algs[];
extern const int pinhole__nalgs;

/* The ALG modules (lib/alg/<name>.c). */
extern const ph_alg pinhole__alg_ftp;
extern const ph_alg pinhole__alg_tftp;
extern const ph_alg pinhole__alg_rtsp;
extern const ph_alg pinhole__alg_sip;
extern const ph_alg pinhole__alg_rpc;
extern const ph_alg pinhole__alg_dcerpc;
extern const ph_alg pinhole__alg_dns;
extern const ph_alg pinhole__alg_netbios;
extern const ph_alg pinhole__alg_snmp;
extern const ph_alg pinhole__alg_bootp;
extern const ph_alg pinhole__alg_sqlnet;
extern const ph_alg pinhole__alg_mms;
extern const ph_alg pinhole__alg_iiop;
extern const ph_alg pinhole__alg_rsh; /* rsh, rexec, rlogin: alg/rsh.c */
extern const ph_alg pinhole__alg_rexec;
extern const ph_alg pinhole__alg_rlogin;
extern const ph_alg pinhole__alg_pna;
extern const ph_alg pinhole__alg_pptp;
extern const ph_alg pinhole__alg_traceroute; /* core/icmp.c */
extern const ph_alg pinhole__alg_h323;

/* The ALG registered for (proto, server port), as id + 1, or 0: a scan of
 * the ALG table, the first that names the port. */
uint8_t pinhole__alg_by_port(uint8_t proto, uint16_t port);
/* The same answer from the context's port table (a few probes instead of
 * the scan, for every new connection); pinhole__alg_ports_build() makes
 * it at context creation. */
uint8_t pinhole__alg_for_port(const pinhole_ctx *ctx, uint8_t proto,
                              uint16_t port);
void pinhole__alg_ports_build(pinhole_ctx *ctx);
/* The ALG with this name, as id + 1, or 0. */
uint8_t pinhole__alg_by_name(const char *name);
/* 1 when ALG id1 inspects connections of protocol proto (its control
 * protocol, or any for an ALG that runs on both), else 0. */
int pinhole__alg_fits(uint8_t id1, uint8_t proto);
/* pinhole_rule_alg_allow's parse: id[0..*len) for text under ALG id1
 * (a rule's ph_rule.alg). Returns 0, PINHOLE_ERR_UNSUPPORTED (no ALG
 * named, or one without allow_id) or PINHOLE_ERR_PARSE. */
int pinhole__alg_allow_id(uint8_t id1, const char *text, uint8_t *id,
                          size_t *len);
/* The name of ALG id + 1, or NULL for 0. */
const char *pinhole__alg_name(uint8_t id1);

/* Nonzero when a new connection of ALG id1 (0: none) from source port
 * sport must keep a privileged public port (ph_alg.privileged: TCP, sport
 * in PH_PRIV_LO..HI): source NAT then maps it with PH_MAP_PRIV. */
int pinhole__alg_privileged(uint8_t id1, uint8_t proto, uint16_t sport);

/* The ALG of a watched connection (id1 != 0). */
static inline const ph_alg *ph_alg_get(uint8_t id1) {
  return pinhole__algs[id1 - 1];
}

/* Runs the connection's ALG on a packet from direction dir: PH_DROP to
 * drop the packet (counted); *changed (ph_alg_changed bits) says the
 * payload changed (the L4 checksum must be recomputed), that it is held,
 * or that a reassembled packet is to be sent instead. */
ph_status pinhole__alg_run(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, ph_conn *c, int dir, int side,
                           int *changed);

/* What a connection's FLOW_CLOSED event says when it expires: "ALG" when
 * its ALG closed it (pinhole__alg_close_soon), else "idle timeout". */
const char *pinhole__conn_close_reason(const ph_conn *c);

/* Counts a fragmented message on a Watch connection (not inspected). */
void pinhole__alg_frag(pinhole_ctx *ctx, pinhole_pkt_view *v, ph_conn *c,
                       int dir, int side);

/* core/stream.c: runs a stream ALG over one TCP segment: PH_DROP when the
 * packet must be dropped (counted); ac->held_all when its payload is held,
 * ac->merged when it completed a held message (ac->pkt, ac->v are then
 * ctx->hold_pkt and its view). */
ph_status pinhole__stream_run(ph_alg_call *ac, const ph_alg *alg);
/* core/stream.c: sends the reassembled packet ctx->hold_pkt of c's
 * direction dir (translated, sequence-corrected, checksummed): in the
 * caller's packet when it fits pkt's cap and the receiver's MSS (the
 * verdict FORWARD or HAIRPIN), else in segments through the emit callback
 * (PINHOLE_VERDICT_HELD), or PINHOLE_VERDICT_DROP without one. */
int pinhole__stream_send(pinhole_ctx *ctx, pinhole_pkt *pkt,
                         pinhole_pkt_view *v, ph_conn *c, int dir, int side);
/* core/stream.c: pinhole__stream_send without the counting, for any
 * family: -1 when the reassembled packet now is pkt (view v), ready to
 * leave as the caller's own (a NAT64 one from the server still IPv4, as
 * the caller translates it), else the verdict (HELD: sent in segments,
 * counted; DROP, counted). */
int pinhole__stream_merged(pinhole_ctx *ctx, pinhole_pkt *pkt,
                           pinhole_pkt_view *v, ph_conn *c, int dir, int side);
/* core/stream.c: recomputes the checksums of the segment p (view v) of
 * either family: IPv4's header and L4 checksums, IPv6's L4 checksum. */
void pinhole__seg_cksums(uint8_t *p, const pinhole_pkt_view *v);
/* The segment pkt (view v) of direction dir, whose payload the pool now
 * holds whole: its acknowledgement and window still go on, in a bare ACK
 * through emit whose sequence number is where the held message begins
 * (the bytes are held, not the packet: the receiver must not wait for an
 * ACK the sender already sent). Nothing without emit, or for a segment
 * with SYN, FIN or RST, or without ACK. */
void pinhole__stream_held_ack(pinhole_ctx *ctx, const pinhole_pkt *pkt,
                              const pinhole_pkt_view *v, ph_conn *c, int dir,
                              int side);

#endif /* PH_CORE_ALG_CALL_H */

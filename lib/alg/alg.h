/*
 * The ALG contract: what an application layer gateway module provides and
 * the services the stateful layer gives it.
 *
 * A module (lib/alg/<proto>.c) defines one const ph_alg descriptor. The
 * engine calls its inspect function for every packet of a Watch connection
 * that carries payload the module may parse: for TCP, only payload that
 * starts where a message can begin in the stream (tracked by sequence
 * number); for UDP, each datagram. The module parses with the pure parser,
 * and through the services below rewrites byte ranges, maps ports, opens
 * pinholes, counts errors and emits traces. Everything shared by all ALGs
 * (splice, IP length, checksums, TCP sequence deltas, pinhole limits,
 * withholding a split message) lives in the engine, not in modules.
 */
#ifndef PH_ALG_ALG_H
#define PH_ALG_ALG_H

#include "core/ctx.h"

/* What a stream scan found, in bytes of the current (rewritten) payload. */
typedef struct ph_scan {
  size_t consumed; /* end of the last complete message handled */
  uint8_t hold;    /* the rest is the start of a message to withhold until
                      it arrives whole (a split command) */
  uint8_t desync;  /* stop parsing this direction (cannot resynchronise) */
  uint8_t pad_[2];
  uint32_t skip_len; /* the stream's next skip_len bytes need no parsing
                        (a body whose length is known) */
} ph_scan;

/* One ALG invocation on one packet. */
typedef struct ph_alg_call {
  pinhole_ctx *ctx;
  ph_conn *conn;
  ph_watch *w;
  pinhole_pkt *pkt;
  pinhole_pkt_view *v;
  int dir;               /* 0: from side A (initiator), 1: from side B */
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
  uint8_t rewrote;       /* the payload changed */
  uint8_t trimmed;       /* a withheld tail was cut off */
} ph_alg_call;

typedef struct ph_alg {
  const char *name;
  uint8_t proto;   /* L4 protocol of the control connection */
  uint8_t counter; /* PINHOLE_CNT_ALG_* */
  uint8_t stream;  /* TCP byte stream (uses ph_stream tracking) */
  uint8_t pad_;
  uint16_t ports[4]; /* default server ports, 0-terminated */
  /* Inspect payload[start..len) of a stream (TCP) or the whole datagram.
   * p points into the packet; len is what is there now. */
  void (*inspect)(ph_alg_call *ac, size_t start, ph_scan *res);
} ph_alg;

/* The built-in ALG table (lib/alg/alg.c). */
extern const ph_alg *const pinhole__algs[];
extern const int pinhole__nalgs;

/* The ALG registered for (proto, server port), as id + 1, or 0. */
uint8_t pinhole__alg_by_port(uint8_t proto, uint16_t port);
/* The ALG with this name, as id + 1, or 0. */
uint8_t pinhole__alg_by_name(const char *name);

/* The ALG of a watched connection (id1 != 0). */
static inline const ph_alg *ph_alg_get(uint8_t id1) {
  return pinhole__algs[id1 - 1];
}

/* ---- services for modules ------------------------------------------ */

static inline uint8_t *ph_payload(const ph_alg_call *ac) {
  return ac->pkt->data + ac->v->payload_off;
}

/* Replaces payload[off..off+oldlen) by rep[0..replen). Updates the
 * packet's length, the IP total length and header checksum, and the view.
 * The L4 checksum is fixed once by the engine after inspection. Returns 0,
 * or PINHOLE_ERR_NOBUF when the packet would exceed its cap (then
 * ac->failed is set and nothing changed). */
int pinhole__alg_splice(ph_alg_call *ac, size_t off, size_t oldlen,
                        const void *rep, size_t replen);

/* A pinhole request. */
typedef struct ph_expect {
  uint8_t proto;
  uint8_t side;   /* side the expected packet arrives on */
  uint16_t sport; /* 0 = any */
  uint32_t src;
  uint32_t dst; /* as the expected packet arrives */
  uint16_t dport;
  uint16_t to_port; /* destination after translation */
  uint32_t to_addr;
  uint32_t mapping; /* NAPT mapping to hold, index + 1, or 0 */
  uint8_t snat;     /* map the new connection's source with the control
                       connection's pool (a data connection opened from
                       the NATed side) */
} ph_expect;

/* Opens a pinhole in the call's conversation with the configured
 * lifetime. Enforces policy: ports below 1024 (unless configured), the
 * per-conversation bound, table space. A pinhole identical to a pending
 * one refreshes it. Returns 0 or PINHOLE_ERR_POLICY / PINHOLE_ERR_FULL
 * (the error is counted and traced by the service). */
int pinhole__alg_expect(ph_alg_call *ac, const ph_expect *e);

/* Maps an inside endpoint (addr, port) to a public one with the NAPT of the
 * control connection (same public address). When the connection has no
 * source NAT, the endpoint maps to itself and *mapref is 0. With pair != 0
 * the public port is even and port+1 is mapped too (RTP/RTCP). Returns 0,
 * or PINHOLE_ERR_FULL when no port is free (counted). The caller owns one
 * reference in *mapref (and *mapref2 for a pair) and passes it to
 * pinhole__alg_expect or releases it with pinhole__alg_unmap. */
int pinhole__alg_map(ph_alg_call *ac, uint8_t proto, uint32_t iaddr,
                     uint16_t iport, int pair, pinhole_endpoint *pub,
                     uint32_t *mapref, uint32_t *mapref2);
void pinhole__alg_unmap(ph_alg_call *ac, uint32_t mapref);

/* The control connection's endpoints, as seen on each side: the inside
 * client as it is (real) and as the outside sees it (public). */
typedef struct ph_ends {
  pinhole_endpoint a_real; /* side A's endpoint as it sends */
  pinhole_endpoint a_pub;  /* side A's endpoint as side B sees it */
  pinhole_endpoint b_real; /* side B's endpoint as it sends */
  pinhole_endpoint b_pub;  /* side B's endpoint as side A sees it */
} ph_ends;
void pinhole__alg_ends(const ph_alg_call *ac, ph_ends *e);

/* Counts an error of this ALG (Errors: ALG, and the ALG's own counter),
 * sends an ALG_ERROR event and an ERROR trace with reason and text. */
void pinhole__alg_error(ph_alg_call *ac, const char *reason,
                        const uint8_t *text, size_t text_len);

/* Emits a trace record of this ALG (a no-op without a trace callback). */
void pinhole__alg_trace(ph_alg_call *ac, int kind, const pinhole_endpoint *a,
                        const pinhole_endpoint *b, uint32_t lifetime_ms,
                        const uint8_t *text, size_t text_len);

/* Runs the connection's ALG on a packet from direction dir (engine entry
 * point). Returns 1 to drop the packet; *changed says the payload changed
 * (the L4 checksum must be recomputed). */
int pinhole__alg_run(pinhole_ctx *ctx, pinhole_pkt *pkt, pinhole_pkt_view *v,
                     ph_conn *c, int dir, int side, int *changed);

/* Counts a fragmented message on a Watch connection (not inspected). */
void pinhole__alg_frag(pinhole_ctx *ctx, pinhole_pkt_view *v, ph_conn *c,
                       int dir, int side);

/* The ALG modules. */
extern const ph_alg pinhole__alg_ftp;
extern const ph_alg pinhole__alg_tftp;
extern const ph_alg pinhole__alg_rtsp;
extern const ph_alg pinhole__alg_sip;

#endif /* PH_ALG_ALG_H */

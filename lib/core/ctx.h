/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stateful layer's private types: the context and the objects it owns.
 *
 * Every table is an array allocated once in pinhole_ctx_new(); objects are
 * named by 32-bit indices (index + 1 where 0 must mean "none"), which keeps
 * them small and makes the whole context one relocatable set of arrays.
 */
#ifndef PH_CORE_CTX_H
#define PH_CORE_CTX_H

#include <pinhole/pinhole.h>

#include "flow/table.h"

/* A transport tuple as packets arrive on one side. */
typedef struct ph_tuple {
  uint32_t src, dst;
  uint16_t sport, dport;
} ph_tuple;

/* TCP connection states, enough to time out correctly (RFC 5382). */
enum ph_tcp_state {
  PH_TCP_NONE = 0, /* not TCP */
  PH_TCP_SYN_SENT, /* initiator's SYN seen */
  PH_TCP_SYN_RCVD, /* SYN-ACK seen */
  PH_TCP_ESTABLISHED,
  PH_TCP_FIN_WAIT, /* one FIN seen */
  PH_TCP_CLOSING,  /* both FINs seen */
  PH_TCP_CLOSED    /* RST seen */
};

enum ph_conn_flag {
  PH_CONN_WATCH = 0x01,     /* an ALG inspects this connection */
  PH_CONN_HALF_OPEN = 0x02, /* counted in half_open */
  PH_CONN_FIN_A = 0x04,     /* FIN seen from side A */
  PH_CONN_FIN_B = 0x08,     /* FIN seen from side B */
  PH_CONN_B_OPENED = 0x10,  /* first packet came from side B (pinhole) */
  PH_CONN_HAIRPIN = 0x20,   /* both sides inside: answer on the same side */
  PH_CONN_LIVE = 0x80
};

/*
 * A connection: both directions of one transport association. Side A is
 * the side of its conversation's initiator; a.* is the tuple as packets
 * arrive from side A, b.* as they arrive from side B. Translation A->B
 * rewrites (a.src, a.sport, a.dst, a.dport) to (b.dst, b.dport, b.src,
 * b.sport); B->A the reverse.
 */
typedef struct ph_conn {
  ph_tuple a, b;
  uint8_t proto;
  uint8_t a_side;     /* pinhole_side of side A */
  uint8_t tcp_state;  /* ph_tcp_state */
  uint8_t flags;      /* ph_conn_flag */
  uint32_t last_seen; /* host time in ticks of the last packet */
  uint32_t watch;     /* watch slot index + 1, or 0 */
  uint16_t icmp_seq;  /* last echo sequence from A */
  uint8_t icmp_seq_valid;
  uint8_t alg;        /* ALG id + 1, or 0 */
  uint32_t frames[2]; /* per direction: [0] from A, [1] from B */
  uint64_t bytes[2];
} ph_conn;

/* The rest of a connection, touched only when it is created, freed,
 * listed or expires: kept out of the packet path's cache line. */
typedef struct ph_conn_cold {
  uint32_t conv;      /* conversation index */
  uint32_t conv_next; /* next connection of the conversation, index + 1 */
  uint32_t mapping;   /* NAPT mapping held, index + 1, or 0 */
  uint32_t hairpin;   /* hairpinning: the target's mapping held, index + 1 */
  uint16_t rule;
  uint16_t pad_[3];
  pinhole_timer timer;
} ph_conn_cold;

_Static_assert(sizeof(ph_conn) == 64, "a connection's hot part is one line");

enum ph_tcp_dir_flag {
  PH_TW_SEEN = 0x01,  /* end and maxwin are known */
  PH_TW_ACKED = 0x02, /* ack holds an acknowledgment this side sent */
  PH_TW_WS = 0x04,    /* its SYN carried a window scale option */
  PH_TW_FRAG = 0x08   /* its last segment was fragmented: end may be short */
};

/*
 * TCP window tracking for what one side of a connection sends (RFC 793
 * sec. 3.3 acceptability as a middlebox can judge it, window scaling per
 * RFC 7323). Every number is in the sending side's own sequence numbering
 * as its segments arrive, before any ALG correction; acknowledgments are
 * mapped back to it (see tcp.c).
 */
typedef struct ph_tcp_dir {
  uint32_t end;    /* the sequence number after the last one it sent */
  uint32_t ack;    /* the highest it acknowledged (PH_TW_ACKED); before
                      that, the opener's ISN + 1 (what a SYN-ACK acks) */
  uint32_t maxwin; /* the largest window it announced, scaled, >= 1 */
  uint8_t scale;   /* the shift of the windows it sends */
  uint8_t flags;   /* ph_tcp_dir_flag */
  uint16_t pad_;
} ph_tcp_dir;

/* A TCP connection's windows, in an array parallel to the connections
 * (touched by TCP segments only; two per cache line). */
typedef struct ph_tcpw {
  ph_tcp_dir d[2]; /* [0] what side A sends, [1] side B */
} ph_tcpw;

_Static_assert(sizeof(ph_tcpw) == 32, "two connections' windows per line");

/* A conversation: a control connection and what it spawned. */
typedef struct ph_conv {
  uint32_t id;         /* operator-visible, ascending */
  uint32_t first;      /* first connection, index + 1 */
  uint32_t last;       /* last connection, index + 1 */
  uint32_t prev, next; /* live list in creation order, index + 1 */
  uint32_t pinholes;   /* first pending pinhole, index + 1 */
  uint16_t nconns;
  uint16_t npinholes;
  uint8_t alg; /* ALG id + 1, or 0 */
  uint8_t a_side;
  uint8_t live;
  uint8_t pad_;
} ph_conv;

enum ph_mapping_flag {
  /* made for an ALG's pinhole, not by the inside endpoint's own traffic:
   * reached only through its pinhole, whatever the filtering mode */
  PH_MAPF_ALG = 0x01
};

/* An endpoint-independent NAPT mapping (RFC 4787 REQ-1). */
typedef struct ph_mapping {
  uint32_t iaddr, paddr;
  uint16_t iport, pport;
  uint8_t proto;
  uint8_t pool;
  uint8_t flags; /* ph_mapping_flag */
  uint8_t pad_;
  uint32_t refs;
  uint32_t inext; /* chain by inside endpoint, index + 1 */
  uint32_t pnext; /* chain by public endpoint, index + 1 */
} ph_mapping;

/* Mappings held by one inside address (per-host port limit). */
typedef struct ph_host {
  uint32_t addr;
  uint32_t count;
  uint32_t next; /* hash chain or free list, index + 1 */
} ph_host;

/* A pinhole: an expected connection an ALG announced. */
typedef struct ph_pinhole {
  uint32_t src, dst;     /* as the expected first packet arrives */
  uint16_t sport, dport; /* sport 0 = any */
  uint8_t proto;
  uint8_t side; /* side the expected packet arrives on */
  uint8_t live;
  uint8_t alg;
  uint32_t to_addr; /* destination after translation */
  uint16_t to_port;
  uint16_t sport_hi; /* nonzero: any source port in sport..sport_hi */
  uint8_t snat_pool; /* source NAT the new connection: pool + 1 */
  uint8_t pad2_[3];
  uint32_t conv; /* parent conversation index */
  uint32_t conv_id;
  uint32_t mapping;   /* NAPT mapping reference held, index + 1 */
  uint32_t hnext;     /* hash chain, index + 1 */
  uint32_t conv_next; /* parent's pinhole list, index + 1 */
  pinhole_timer timer;
} ph_pinhole;

/* ALG state slot size per watched connection (a module's state_size,
 * PH_ALG_STATE_SIZE of lib/alg/alg.h, must fit: core/alg_call.h). */
#define PH_WATCH_STATE_SIZE 48

/* Stream tracking and sequence correction for one direction. */
typedef struct ph_stream {
  uint32_t corr_pos;  /* original seq where the last correction began */
  int32_t off_before; /* delta for seq before corr_pos */
  int32_t off_after;  /* delta for seq at/after corr_pos */
  uint32_t msg_seq;   /* original seq where the next message begins */
  uint32_t held_seq;  /* start of a withheld partial message */
  uint8_t synced;     /* msg_seq valid */
  uint8_t holding;    /* a partial message is withheld */
  uint8_t hold_tries;
  uint8_t skip_line; /* inside a line that is not parsed */
  uint8_t has_corr;  /* corr_pos valid */
  uint8_t rw_valid;  /* rw_seq valid */
  uint8_t desynced;  /* not this protocol: never parsed again */
  uint8_t pad_;
  uint32_t skip_len; /* bytes still to skip (known-length body) */
  uint32_t rw_seq;   /* original seq of the last segment rewritten */
  uint32_t data_seq; /* with synced: seq of the stream's first data byte */
} ph_stream;

/* Per-connection ALG state (only for Watch connections). */
typedef struct ph_watch {
  uint32_t conn; /* index + 1 */
  uint32_t free_next;
  uint32_t keep_ticks; /* idle timeout at least this (pinhole__alg_keep) */
  uint32_t pad_;
  ph_stream st[2]; /* [0] from A, [1] from B */
  uint8_t alg_state[PH_WATCH_STATE_SIZE];
} ph_watch;

/* A datagram being fragmented: what its first fragment was matched to. */
#define PH_FRAG_RANGES 8
typedef struct ph_frag {
  uint32_t src, dst; /* as the fragments arrive */
  uint16_t id;
  uint8_t proto;
  uint8_t side;
  uint32_t conn; /* connection, index + 1 */
  uint8_t dir;
  uint8_t nranges;
  uint8_t have_last;
  uint8_t complete;
  uint16_t total; /* payload bytes, known once the last piece passed */
  uint16_t lo[PH_FRAG_RANGES], hi[PH_FRAG_RANGES]; /* bytes that passed */
  uint32_t hnext;
  pinhole_timer timer;
} ph_frag;

/* A NAT pool. Ports: one bitmap per (address, proto class). */
#define PH_POOL_MAX_ADDRS 16
typedef struct ph_pool {
  uint32_t addr_lo;
  uint16_t naddrs;
  uint16_t port_lo, port_hi;
  uint16_t pad_;
  uint32_t nports;
  uint64_t *bits;  /* [naddrs][3][words]: set = port in use */
  uint64_t *pbits; /* [naddrs][PH_PRIV_WORDS]: TCP ports PH_PRIV_LO..HI in
                      use (the privileged-port rule, pinhole__map_get's
                      PH_MAP_PRIV; never part of the pool's own range) */
  uint32_t words;
  uint32_t used;
} ph_pool;

/* The privileged range NAPT keeps a privileged source port in (rsh and
 * rlogin servers trust only clients whose port is below 1024; BSD
 * rresvport(3) binds 512..1023). Pools start at 1024 or above. */
#define PH_PRIV_LO 512u
#define PH_PRIV_HI 1023u
#define PH_PRIV_WORDS ((PH_PRIV_HI - PH_PRIV_LO + 1) / 64)

typedef struct ph_rule {
  pinhole_rule r;
  uint32_t src_mask, dst_mask;
  uint8_t alg; /* ALG id + 1; 0 = by port; 255 = none */
} ph_rule;

/* Idle timeouts, in ticks (pinhole_ctx.to). */
enum ph_timeout {
  PH_TO_SYN = 0,
  PH_TO_EST,
  PH_TO_TRANS,
  PH_TO_UDP,
  PH_TO_ICMP,
  PH_TO_CLOSED,
  PH_TO_COUNT
};

/* Port bitmaps per pool address: one per protocol class. */
enum ph_proto_class { PH_PC_TCP = 0, PH_PC_UDP = 1, PH_PC_ICMP = 2 };
#define PH_PROTO_CLASSES 3

/* ph_rule.alg: no ALG even where the port has one. */
#define PH_ALG_NONE 255

struct pinhole_ctx {
  void *raw; /* the one allocation */
  pinhole_config cfg;
  pinhole_callbacks cb;
  void *user;
  uint64_t now_ns;
  uint32_t now_tick;
  uint32_t tick_shift;

  ph_flow_table ft;

  ph_conn *conns;     /* hot part, one cache line each */
  ph_conn_cold *cold; /* cold part, same index */
  ph_tcpw *tcpw;      /* TCP windows, same index */
  uint32_t conn_free; /* free list head, index + 1 (through conv_next) */
  uint32_t nconns;
  uint32_t half_open;

  ph_conv *convs;
  uint32_t conv_free;
  uint32_t nconvs;
  uint32_t conv_head, conv_tail;
  uint32_t next_conv_id;

  ph_mapping *maps;
  uint32_t *map_ihash, *map_phash;
  uint32_t map_mask;
  uint32_t map_free;
  uint32_t nmaps;

  ph_host *hosts; /* only with max_ports_per_host */
  uint32_t *host_hash;
  uint32_t host_mask;
  uint32_t host_free;

  ph_pinhole *holes;
  uint32_t *hole_hash;
  uint32_t hole_mask;
  uint32_t hole_free;
  uint32_t nholes;

  ph_watch *watch;
  uint32_t watch_free;
  uint32_t nwatch;

  ph_frag *frags;
  uint32_t *frag_hash;
  uint32_t frag_mask;
  uint32_t frag_free;
  uint32_t nfrags;

  ph_pool *pools;
  uint32_t npools;
  uint64_t *pool_bits;
  uint64_t *pool_pbits;   /* PH_POOL_MAX_ADDRS * PH_PRIV_WORDS per pool */
  size_t pool_bits_words; /* per pool */
  uint32_t port_words;    /* per (address, class) bitmap */
  uint32_t to[PH_TO_COUNT];
  uint32_t to_min; /* the shortest of to[] */

  ph_rule *rules;
  uint32_t nrules;

  pinhole_wheel conn_wheel;
  pinhole_wheel hole_wheel;
  pinhole_wheel frag_wheel;

  uint64_t rng; /* port randomisation state (xorshift from seed) */

  uint8_t *scratch;  /* payload rewrite scratch, PH_SCRATCH bytes */
  uint8_t *emit_buf; /* packets built for the emit callback */

  uint64_t cnt[96];
  size_t mem_bytes;
};

#define PH_SCRATCH 65536
#define PH_EMIT_BUF 1600

static inline void ph_count(pinhole_ctx *ctx, int c) {
  ctx->cnt[c]++;
}

static inline uint32_t ph_conn_idx(const pinhole_ctx *ctx, const ph_conn *c) {
  return (uint32_t)(c - ctx->conns);
}

static inline ph_conn_cold *ph_cold(const pinhole_ctx *ctx, const ph_conn *c) {
  return &ctx->cold[c - ctx->conns];
}

#endif /* PH_CORE_CTX_H */

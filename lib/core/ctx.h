/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stateful layer's private types: the context and the objects it owns.
 *
 * Every table is an array allocated once in pinhole_ctx_new(); objects are
 * named by 32-bit references (ph_ref: index + 1, 0 = none), which keeps
 * them small and makes the whole context one relocatable set of arrays.
 */
#ifndef PH_CORE_CTX_H
#define PH_CORE_CTX_H

#include <pinhole/pinhole.h>

#include "flow/table.h"
#include "timer/cwheel.h"

#include <stddef.h>
#include <string.h>

/* A table slot's index + 1; 0 = none (see ph_slot below). */
typedef uint32_t ph_ref;

/*
 * What a step of the packet path decided. A step that refuses a packet
 * counts its reasons itself, where it decides; its caller only turns
 * PH_DROP into the verdict (ph_verdict in process.c counts that once).
 * Public entry points answer with PINHOLE_VERDICT_* and PINHOLE_ERR_*;
 * internal functions that fail for a reason (a full table) return
 * PINHOLE_ERR_*; lookups return a ph_ref or PH_NIL.
 */
typedef enum ph_status { PH_PASS = 0, PH_DROP = 1 } ph_status;

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
  PH_CONN_WATCH = 0x01,      /* an ALG inspects this connection */
  PH_CONN_HALF_OPEN = 0x02,  /* counted in half_open */
  PH_CONN_FIN_A = 0x04,      /* FIN seen from side A */
  PH_CONN_FIN_B = 0x08,      /* FIN seen from side B */
  PH_CONN_B_OPENED = 0x10,   /* first packet came from side B (pinhole) */
  PH_CONN_HAIRPIN = 0x20,    /* both sides inside: answer on the same side */
  PH_CONN_GRE_QUOTES = 0x40, /* GRE: also filed as ICMP errors quote it */
  PH_CONN_LIVE = 0x80
};

/*
 * A connection: both directions of one transport association. Side A is
 * the side of its conversation's initiator; a.* is the tuple as packets
 * arrive from side A, b.* as they arrive from side B. Translation A->B
 * rewrites (a.src, a.sport, a.dst, a.dport) to (b.dst, b.dport, b.src,
 * b.sport); B->A the reverse.
 *
 * An IPv6 connection (a slot past max_flows) whose side B is side A
 * mirrored (addresses and ports swapped: the firewall without
 * translation) is held in its "line" form (ph_conn_line6): its own
 * addresses and ports in the union members marked "line6" below, and
 * what the packet path does not read (watch, the echo sequence, the
 * byte counters' high halves) in its ph_conn6 side record, so that an
 * established packet reads this one line. Every other connection uses
 * the a, b, watch, icmp_seq and bytes members. Code that may see an
 * IPv6 connection reads those through the accessors below
 * (ph_conn_watch, ph_conn_bytes, ph_conn_echo; engine.h ph_conn_tuple;
 * flows6.c pinhole__conn6_addrs), never directly. The IPv4 members keep
 * their offsets (asserted below).
 */
typedef struct ph_conn {
  union {
    struct {
      ph_tuple a, b;
    };
    struct {                /* line6 */
      uint8_t a_src6[16];   /* side A's source address */
      uint32_t bytes_lo[2]; /* the low halves of the byte counts */
    };
  };
  uint8_t proto;
  uint8_t a_side;     /* pinhole_side of side A */
  uint8_t tcp_state;  /* ph_tcp_state */
  uint8_t flags;      /* ph_conn_flag */
  uint32_t last_seen; /* host time in ticks of the last packet */
  union {
    ph_ref watch; /* watch slot */
    struct {      /* line6: side A's ports */
      uint16_t a_sport6, a_dport6;
    };
  };
  uint16_t icmp_seq; /* last echo sequence from A (line6: unused) */
  union {
    uint8_t icmp_seq_valid;
    uint8_t form6; /* PH_FORM6_LINE in the line form (icmp_seq_valid is
                      0 or 1) */
  };
  uint8_t alg;        /* ALG id + 1, or 0 */
  uint32_t frames[2]; /* per direction: [0] from A, [1] from B */
  union {
    uint64_t bytes[2];
    uint8_t a_dst6[16]; /* line6: side A's destination address */
  };
} ph_conn;

#define PH_FORM6_LINE 0x80

/*
 * A conversation handle: an entry of the live list of conversations
 * (ctx->conv_head, creation order), whichever its kind. An ALG session's
 * conversation is a ph_conv record, named by its ph_ref; a plain
 * connection (no ALG watches it, it made no pinhole and came through
 * none) is a conversation of its own without a record, named by its
 * connection's ph_ref with PH_CONVH_CONN set (ph_convh_of_conn). 0: none.
 * No handle is PH_CONVH_REC (refs stay below 2^30).
 */
typedef uint32_t ph_convh;
#define PH_CONVH_CONN 0x80000000u
#define PH_CONVH_REC 0xffffffffu

/* ph_conn_cold.rule of a connection whose rule was cleared when
 * ctx->rules_gen wrapped (pinhole_rules_clear): above any index, since
 * max_rules <= 65535. */
#define PH_RULE_GONE 0xffffu

/* The rest of a connection, touched only when it is created, freed,
 * listed or expires: kept out of the packet path's cache line. */
typedef struct ph_conn_cold {
  /* its conversation (ph_conn_conv, ph_conn_conv_id): conv_mark tells
   * the two forms apart */
  union {
    struct {              /* in an ALG session's ph_conv */
      ph_ref conv;        /* that conversation */
      ph_ref conv_next;   /* its next connection; a free slot: the free
                             list's next */
      ph_convh conv_mark; /* PH_CONVH_REC */
    };
    struct {             /* a plain connection: its own conversation */
      uint32_t own_id;   /* the conversation's id */
      ph_convh own_prev; /* its neighbours in the live list */
      ph_convh own_next; /* (never PH_CONVH_REC) */
    };
  };
  uint16_t rule; /* the rule that accepted it, or PH_RULE_GONE */
  /* bits 0-14: ctx->rules_gen when the rule accepted it; PH_COLD_MAPPED:
   * it holds a NAPT mapping, found again by its public endpoint
   * (pinhole__conn_mapping; hairpinning: the target's mapping is held
   * too, found by pinhole__conn_hairpin) */
  uint16_t rule_gen;
  ph_ctimer timer; /* in ctx->conn_wheel (timer/cwheel.h): 8 bytes */
} ph_conn_cold;

/* ph_conn_cold.rule_gen: the generation's bits and the mapping's flag */
#define PH_RULE_GEN_MASK 0x7fffu
#define PH_COLD_MAPPED 0x8000u

_Static_assert(sizeof(ph_conn) == 64, "a connection's hot part is one line");
_Static_assert(offsetof(ph_conn_cold, conv_mark) ==
                       offsetof(ph_conn_cold, own_next) &&
                   offsetof(ph_conn_cold, conv_next) ==
                       offsetof(ph_conn_cold, own_prev),
               "a plain connection's next link is where conv_mark is");
_Static_assert(sizeof(ph_conn_cold) == 24 &&
                   offsetof(ph_conn_cold, timer) == 16,
               "a connection's cold part: 24 bytes, its timer 8");
_Static_assert(offsetof(ph_conn, b) == 12 && offsetof(ph_conn, proto) == 24 &&
                   offsetof(ph_conn, last_seen) == 28 &&
                   offsetof(ph_conn, watch) == 32 &&
                   offsetof(ph_conn, icmp_seq) == 36 &&
                   offsetof(ph_conn, icmp_seq_valid) == 38 &&
                   offsetof(ph_conn, alg) == 39 &&
                   offsetof(ph_conn, frames) == 40 &&
                   offsetof(ph_conn, bytes) == 48,
               "the IPv4 layout of ph_conn");

/*
 * An IPv6 connection's side record (docs/ipv6.md "How the table holds
 * both families"). IPv6 connections take the connection slots past
 * max_flows (ctx->conns, cold and tcpw have max_flows + max_conns6
 * entries); slot max_flows + i has its side record in conn6[i].
 *
 * In the line form (ph_conn_line6: side B mirrors side A) the addresses
 * are in ph_conn and the side record holds the fields the packet path
 * does not read (l6). Otherwise (NAT64, NAT64 hairpinning) the tuples
 * of ph_conn hold keyed 32-bit folds of the IPv6 addresses (flows6.c)
 * and the side record the four full addresses. Either way a connection
 * is filed in ft6 (NAT64's IPv4 side B in ft) under the keyed hash of
 * its full addresses, ports and protocol (engine.h pinhole__hash6); a
 * lookup compares the full addresses. An IPv4 connection pays nothing.
 */
typedef union ph_conn6 {
  struct {
    uint8_t a_src[16], a_dst[16]; /* as packets arrive from side A */
    uint8_t b_src[16], b_dst[16]; /* as packets arrive from side B */
  };
  struct {
    ph_ref watch;           /* watch slot (PH_CONN_WATCH) */
    uint16_t icmp_seq;      /* last echo sequence from A */
    uint8_t icmp_seq_valid; /* 0 or 1 */
    uint8_t pad_;
    uint32_t bytes_hi[2]; /* the byte counts' high halves */
  } l6;
} ph_conn6;

/* The full addresses of an IPv6 pinhole (ph_pinhole.v6), beside it in
 * ctx->pinhole6 (max_pinholes entries when max_conns6 > 0). */
typedef struct ph_pinhole6 {
  uint8_t src[16], dst[16];
} ph_pinhole6;

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
 *
 * 12 bytes. The largest window it announced (maxwin) is held as a 16-bit
 * window field and its shift, mw << (shifts >> 4): every value the
 * tracker stores is one window field (at most 65535) shifted by the
 * window scale (at most 14), or a SYN's unscaled field, so it is held
 * exactly; only a state blob's number that no tracker writes is rounded,
 * up (ph_tw_set_maxwin_up). The sending side's window scale is the low
 * nibble of shifts. Read and write both through the accessors below.
 */
typedef struct ph_tcp_dir {
  uint32_t end;   /* the sequence number after the last one it sent */
  uint32_t ack;   /* the highest it acknowledged (PH_TW_ACKED); before
                     that, the opener's ISN + 1 (what a SYN-ACK acks) */
  uint16_t mw;    /* maxwin = mw << (shifts >> 4), >= 1 once PH_TW_SEEN */
  uint8_t shifts; /* low nibble: the scale of the windows it sends (0..14);
                     high nibble: maxwin's shift (0..14) */
  uint8_t flags;  /* ph_tcp_dir_flag */
} ph_tcp_dir;

#define PH_TW_WS_MAX 14u /* RFC 7323 sec. 2.3 */
/* the largest maxwin: a full window field at the largest scale */
#define PH_TW_MAXWIN_MAX (0xffffu << PH_TW_WS_MAX)

/* The largest window s announced, scaled. */
static inline uint32_t ph_tw_maxwin(const ph_tcp_dir *s) {
  return (uint32_t)s->mw << (s->shifts >> 4);
}

/* The scale of the windows s sends. */
static inline uint8_t ph_tw_scale(const ph_tcp_dir *s) {
  return (uint8_t)(s->shifts & 0x0f);
}

static inline void ph_tw_set_scale(ph_tcp_dir *s, uint8_t scale) {
  s->shifts = (uint8_t)((s->shifts & 0xf0) | (scale & 0x0f));
}

/* maxwin := win << shift, exactly (win a window field, shift <= 14). */
static inline void ph_tw_set_maxwin(ph_tcp_dir *s, uint16_t win,
                                    uint8_t shift) {
  s->mw = win;
  s->shifts = (uint8_t)((s->shifts & 0x0f) | (shift << 4));
}

/* maxwin := the smallest value the encoding holds that is at least v
 * (v <= PH_TW_MAXWIN_MAX): v itself when v is a window field shifted by
 * at most 14, as every value the tracker computes is; otherwise v rounded
 * up by less than 2^shift, so that the window bounds it sets accept a
 * little more, never less. */
static inline void ph_tw_set_maxwin_up(ph_tcp_dir *s, uint32_t v) {
  uint8_t sh = 0; /* the smallest shift whose window field holds v, up */
  while ((((uint64_t)v + (1u << sh) - 1) >> sh) > 0xffffu)
    sh++; /* at most 14: v <= PH_TW_MAXWIN_MAX */
  ph_tw_set_maxwin(s, (uint16_t)(((uint64_t)v + (1u << sh) - 1) >> sh), sh);
}

/* A TCP connection's windows (touched by TCP segments only; 24 bytes:
 * eight in three cache lines, two of them across a line's end). Only the
 * slots that may hold a TCP connection have them: IPv4 slots 0..ntcp4-1
 * and IPv6 slots max_flows..max_flows+ntcp6-1
 * (pinhole_config.max_tcp_conns); ph_tcpw_of() finds a connection's. */
typedef struct ph_tcpw {
  ph_tcp_dir d[2]; /* [0] what side A sends, [1] side B */
} ph_tcpw;

_Static_assert(sizeof(ph_tcp_dir) == 12 && sizeof(ph_tcpw) == 24,
               "a connection's windows: 24 bytes");

/* An ALG session's conversation: a control connection and what it
 * spawned (a plain connection has none: ph_convh). */
typedef struct ph_conv {
  uint32_t id;         /* operator-visible, ascending */
  ph_ref first;        /* first connection */
  ph_ref last;         /* last connection */
  ph_convh prev, next; /* live list in creation order; a free record:
                          next is the free list's (a ph_ref) */
  ph_ref pinholes;     /* first pending pinhole */
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
  PH_MAPF_ALG = 0x01,
  /* a NAT64 mapping (core/nat64.c): iaddr is the keyed fold of an IPv6
   * address, no IPv4 host: never reached by filtering or hairpinning */
  PH_MAPF_NAT64 = 0x02
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
  ph_ref inext; /* chain by inside endpoint */
  ph_ref pnext; /* chain by public endpoint */
} ph_mapping;

/* The IPv6 inside endpoint of a NAT64 mapping (PH_MAPF_NAT64), parallel
 * to the first nmap6 slots of the mapping table when IPv6 is on (NAT64
 * mappings take those slots, ph_map6_of): the mapping keys on the
 * address's fold, hairpinning, endpoint-independent filtering and the
 * mapping log need the address itself (core/nat64.c); pfx: the NAT64
 * prefix its first connection went through. */
typedef struct ph_map6 {
  uint8_t addr[16];
  uint8_t pfx;
} ph_map6;

/* Mappings held by one inside address (per-host port limit). */
typedef struct ph_host {
  uint32_t addr;
  uint32_t count;
  ph_ref next; /* hash chain or free list */
} ph_host;

/* ph_pinhole.v6 */
enum ph_hole_kind {
  PH_HOLE_V4 = 0,
  PH_HOLE_V6 = 1,   /* an IPv6 data connection, nothing translated */
  PH_HOLE_NAT64 = 2 /* an IPv4 packet that opens a NAT64 connection */
};

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
  uint8_t watch;     /* the new connection is a Watch one of alg */
  uint8_t v6;        /* PH_HOLE_V6: an IPv6 pinhole: src, dst are folds
                        of the addresses in ctx->pinhole6 (same slot);
                        PH_HOLE_NAT64: src, dst IPv4, the NAT64
                        connection's IPv6 ends there (alg6.c) */
  uint8_t pad2_;
  ph_ref conv; /* parent conversation */
  uint32_t conv_id;
  ph_ref mapping;   /* NAPT mapping reference held */
  ph_ref hnext;     /* hash chain */
  ph_ref conv_next; /* parent's pinhole list */
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
  uint8_t synced;     /* msg_seq valid */
  uint8_t skip_line;  /* inside a line that is not parsed */
  uint8_t has_corr;   /* corr_pos valid */
  uint8_t rw_valid;   /* rw_seq valid */
  uint8_t desynced;   /* not this protocol: never parsed again */
  uint8_t blocked;    /* a split message could not be reassembled and
                         passing it could leak an address: every later data
                         segment is dropped */
  uint32_t skip_len;  /* bytes still to skip (known-length body) */
  uint32_t rw_seq;    /* original seq of the last segment rewritten */
  uint32_t data_seq;  /* with synced: seq of the stream's first data byte */
  ph_ref held;        /* the message held from msg_seq on (core/hold.c),
                         or PH_NIL */
  uint32_t merged_lo, merged_hi; /* with merged: the last reassembled
                                    message the ALG rewrote, [lo, hi) in
                                    original numbering */
  uint16_t seg_max;              /* the largest payload seen */
  uint8_t merged;
  uint8_t pickup; /* imported by a standby (state.c): msg_seq may lag what
                     the active box handled; the first data past it
                     begins a message (not carried in state blobs) */
} ph_stream;

/* Per-connection ALG state (only for Watch connections). */
typedef struct ph_watch {
  ph_ref conn; /* the watched connection */
  ph_ref free_next;
  uint32_t keep_ticks; /* idle timeout at least this (pinhole__alg_keep) */
  uint16_t mss[2];     /* TCP: the MSS option of side A's / side B's SYN
                          (the most it takes per segment), 0: none seen;
                          only a watched connection keeps it (tcp.c) */
  ph_stream st[2];     /* [0] from A, [1] from B */
  uint8_t alg_state[PH_WATCH_STATE_SIZE];
} ph_watch;

/* A datagram being fragmented: what its first fragment was matched to
 * (PH_FRAG_VIRTUAL), or its pieces held for reassembly (PH_FRAG_REASM). */
#define PH_FRAG_RANGES 8
typedef struct ph_frag {
  uint32_t src, dst; /* as the fragments arrive (IPv6: their folds) */
  uint32_t id;       /* identification (IPv4: 16 bits) */
  uint8_t proto;     /* IPv6: the fragment header's next header */
  uint8_t side;
  uint8_t v6;    /* an IPv6 datagram: its addresses in ctx->frag6 */
  uint8_t l4_6_; /* IPv6: its connection's protocol */
  ph_ref conn;   /* connection */
  uint8_t dir;
  uint8_t nranges;
  uint8_t have_last;
  uint8_t complete;
  uint16_t total; /* payload bytes, known once the last piece passed */
  uint16_t lo[PH_FRAG_RANGES], hi[PH_FRAG_RANGES]; /* bytes that passed
                                                      (REASM: held, sorted) */
  uint8_t mode; /* ph_frag_mode (core/frag_reasm.h) */
  uint8_t hl;   /* REASM: the first fragment's header length, 0 before */
  uint16_t mtu; /* REASM: the longest fragment's length */
  uint16_t ext; /* REASM: the end of the furthest piece held */
  uint8_t x64;  /* IPv4 pieces of a NAT64 connection: sent on as IPv6
                   fragments, so RFC 5722 applies (core/frag.c) */
  uint8_t pad_;
  ph_ref held; /* REASM: its held message (core/hold.c), or PH_NIL */
  uint32_t hnext;
  pinhole_timer timer;
} ph_frag;

/* The full addresses of IPv6 fragment entries (ph_frag.v6), parallel to
 * the fragment table when IPv6 is on: the table keys on their folds, a
 * look-up compares these too (core/frag.c). */
typedef struct ph_frag6 {
  uint8_t src[16], dst[16];
} ph_frag6;

/* The held-bytes pool (core/hold.c): a message split across TCP segments
 * or IP fragments of a Watch connection, held until its rest arrives, in
 * a chain of fixed-size chunks (PH_HOLD_CHUNK bytes each). */
#define PH_HOLD_CHUNK 256u
enum ph_hold_kind {
  PH_HOLD_TCP = 1,  /* a Watch TCP stream's message (core/stream.c) */
  PH_HOLD_DGRAM = 2 /* a Watch UDP datagram in IP fragments */
};
typedef struct ph_held {
  ph_ref conv;         /* the conversation its bytes count against;
                          PH_NIL: the slot is free */
  ph_ref owner;        /* PH_HOLD_TCP: the connection; PH_HOLD_DGRAM: the
                          owner's choice (its fragment entry) */
  uint32_t key;        /* PH_HOLD_TCP: original sequence number of the first
                          byte; PH_HOLD_DGRAM: the owner's (IP id) */
  uint32_t len;        /* bytes held */
  ph_ref first, last;  /* chunk chain (PH_NIL when empty) */
  ph_ref next;         /* free list */
  ph_ref older, newer; /* the age list (eviction takes the oldest) */
  uint8_t kind;        /* ph_hold_kind */
  uint8_t dir;         /* direction of the owner's connection */
  uint16_t pad_;
  pinhole_timer timer; /* hold_timeout_ms after it began */
} ph_held;

/* A NAT pool. Ports: one bitmap per (address, proto class). */
#define PH_POOL_MAX_ADDRS 16
#define PH_POOL_MAX_ADDR_ONLY 65535u /* PINHOLE_POOL_ADDRESS: naddrs */
typedef struct ph_pool {
  uint32_t addr_lo;
  uint16_t naddrs; /* at most 16, or 65535 in an ADDRESS pool */
  uint16_t port_lo, port_hi;
  uint16_t pad_;
  uint32_t nports;
  uint64_t *bits;  /* [naddrs][3][words]: set = port in use */
  uint64_t *pbits; /* [naddrs][PH_PRIV_WORDS]: TCP ports PH_PRIV_LO..HI in
                      use (the privileged-port rule, pinhole__map_get's
                      PH_MAP_PRIV; never part of the pool's own range) */
  uint32_t words;
  uint32_t used;
  /* carrier-grade modes (core/pba.c) */
  uint8_t mode;        /* pinhole_pool_mode */
  uint8_t removed;     /* pinhole_pool_del: no new mapping from it */
  uint16_t max_blocks; /* PBA: per subscriber */
  uint32_t block_size; /* PBA: ports per block; DET: ports per address */
  uint32_t bpa;        /* PBA: blocks per public address */
  uint32_t block_base; /* PBA: its first block in ctx->blocks */
  uint32_t hold_ms;    /* PBA, ADDRESS */
  uint32_t interim_s;  /* PBA, ADDRESS: interim records, 0 = none */
  uint32_t inside_addr, per_addr, inside_count; /* DETERMINISTIC */
  uint32_t bfree[PH_POOL_MAX_ADDRS];            /* PBA: free blocks per address;
                                                   ADDRESS: bfree[0], free addresses */
} ph_pool;

/* A port block of a PBA pool (core/pba.c): block b of its pool covers
 * address b / bpa, ports port_lo + (b % bpa) * block_size onwards. In an
 * ADDRESS pool, block b is address b, all ports (bpa 1, block_size 0). */
typedef struct ph_block {
  ph_ref sub;    /* owning subscriber, PH_NIL = free */
  ph_ref next;   /* next block of the owner, or of the free list */
  uint32_t used; /* mappings whose port is in it */
  uint8_t pool;
  uint8_t pad_[3];
  pinhole_timer timer;  /* hold after the last mapping */
  pinhole_timer itimer; /* next interim record (pool interim_s) */
} ph_block;

/* A subscriber of a PBA pool: an inside address holding blocks. */
typedef struct ph_sub {
  uint32_t addr;
  ph_ref blocks; /* first block */
  ph_ref next;   /* hash chain or free list */
  uint16_t nblocks;
  uint8_t pool;
  uint8_t v6; /* a NAT64 client: addr is its fold, sub6 its address */
} ph_sub;

/* The IPv6 address of a NAT64 subscriber (ph_sub.v6), parallel to the
 * subscriber table when IPv6 is on: its block events name it (pba.c). */
typedef struct ph_sub6 {
  uint8_t addr[16];
} ph_sub6;

/* The privileged range NAPT keeps a privileged source port in (rsh and
 * rlogin servers trust only clients whose port is below 1024; BSD
 * rresvport(3) binds 512..1023). Pools start at 1024 or above. */
#define PH_PRIV_LO 512u
#define PH_PRIV_HI 1023u
#define PH_PRIV_WORDS ((PH_PRIV_HI - PH_PRIV_LO + 1) / 64)

typedef struct ph_rule {
  pinhole_rule r;
  uint32_t src_mask, dst_mask;
  uint8_t alg;  /* ALG id + 1; 0 = by port; 255 = none */
  uint8_t gone; /* removed by pinhole_rule_del: matches nothing, its index
                   stays taken until pinhole_rules_clear */
} ph_rule;

/* The identifiers a rule's ALG may open pinholes for
 * (pinhole_rule_alg_allow), in the form the ALG's allow_id hook gives;
 * kept apart from ph_rule so the rule walk stays dense. */
#define PH_ALLOW_ID_LEN 16
typedef struct ph_rule_allow {
  uint8_t n;
  uint8_t len[PINHOLE_RULE_ALLOW_MAX];
  uint8_t id[PINHOLE_RULE_ALLOW_MAX][PH_ALLOW_ID_LEN];
} ph_rule_allow;

/* Idle timeouts, in ticks (pinhole_ctx.to). */
enum ph_timeout {
  PH_TO_SYN = 0,
  PH_TO_EST,
  PH_TO_TRANS,
  PH_TO_UDP,
  PH_TO_ICMP,
  PH_TO_CLOSED,
  PH_TO_GRE, /* a PPTP call's GRE data flow */
  PH_TO_COUNT
};

/* Port bitmaps per pool address: one per protocol class. */
enum ph_proto_class { PH_PC_TCP = 0, PH_PC_UDP = 1, PH_PC_ICMP = 2 };
#define PH_PROTO_CLASSES 3

/* ph_rule.alg: no ALG even where the port has one. */
#define PH_ALG_NONE 255

/* A conversation that ended, for incremental state export. */
#define PH_SYNC_RING 512 /* PINHOLE_STATE_RING */
typedef struct ph_sync_del {
  uint32_t conv_id;
  uint32_t tick;
} ph_sync_del;

/* A server port of an ALG for a new connection's look-up: (proto, port)
 * -> ALG id + 1 (0: an empty slot); proto 0 for an ALG of both TCP and
 * UDP. Open addressing, linear probing, at most half full. */
typedef struct ph_alg_port {
  uint16_t port;
  uint8_t proto;
  uint8_t id;
} ph_alg_port;

/* Paired pooling's choice remembered (nat/pool.c ph_pair_find): an inside
 * address, the size of the pool it was scaled to and the index it gave;
 * naddrs 0: empty (no pool is empty). A cache of a pure function of the
 * context key: any slot may be overwritten, none is ever wrong. */
typedef struct ph_pair_slot {
  uint32_t addr, naddrs, ai;
} ph_pair_slot;
#define PH_PAIR_SLOTS 4096u /* a power of two; 48 KiB */

#define PH_ALG_PORT_SLOTS 256u
#define PH_ALG_RANGES 8u
/* The ALG ports' filter: one bit per group of 16 ports (port >> 4), set
 * when some ALG names a port of the group (an exact one or its range) */
#define PH_ALG_PORT_GROUP_SHIFT 4u
#define PH_ALG_ANY_WORDS (65536u >> PH_ALG_PORT_GROUP_SHIFT >> 6)

struct pinhole_ctx {
  void *raw; /* the one allocation */
  pinhole_config cfg;
  pinhole_callbacks cb;
  void *user;
  uint64_t now_ns;
  uint32_t now_tick;
  uint32_t tick_shift;

  ph_flow_table ft;
  /* ft.changes as the running burst chunk's look-ahead read the table
   * (process.c ph_hint_found); meaningful only with a look-ahead hint */
  uint32_t ft_read;

  ph_conn *conns;        /* hot part, one cache line each */
  ph_conn_cold *cold;    /* cold part, same index */
  ph_tcpw *tcpw;         /* TCP windows: ntcp4 + ntcp6 (ph_tcpw_of) */
  ph_ref conn_free;      /* free list head (through conv_next): slots that
                            may hold TCP (0..ntcp4-1) */
  ph_ref conn_free_x;    /* free slots without TCP windows (ntcp4..) */
  uint32_t ntcp4;        /* IPv4 slots with TCP windows: 0..ntcp4-1 */
  uint32_t ntcp6;        /* IPv6 ones: max_flows..max_flows+ntcp6-1 */
  uint32_t ntcp_used[2]; /* of those, taken: [0] IPv4, [1] IPv6 */
  uint32_t nconns;
  uint32_t half_open;

  ph_conv *convs; /* max_conversations: ALG sessions' (ph_convh) */
  ph_ref conv_free;
  uint32_t nconvs;     /* live conversations, both kinds */
  uint32_t nconv_recs; /* of them, with a ph_conv record */
  ph_convh conv_head, conv_tail;
  uint32_t next_conv_id;

  ph_mapping *maps;
  ph_ref *map_ihash, *map_phash;
  uint32_t map_nb;   /* chain heads in each: max_mappings, at least 16 (so
                        at most one mapping a chain when full, and no power
                        of two's slack: pool.c ph_map_bucket) */
  ph_ref map_free;   /* free slots 0..nmap6-1 (with a ph_map6) */
  ph_ref map_free_x; /* free slots nmap6.. (without) */
  uint32_t nmap6;    /* mapping slots with a ph_map6 (ctx.c) */
  uint32_t nmaps;

  ph_host *hosts; /* only with max_ports_per_host */
  ph_ref *host_hash;
  uint32_t host_mask;
  ph_ref host_free;

  ph_pinhole *pinholes;
  ph_pinhole6 *pinhole6; /* max_pinholes when max_conns6 > 0, else NULL */
  ph_ref *pinhole_hash;
  uint32_t pinhole_mask;
  ph_ref pinhole_free;
  uint32_t npinholes;

  ph_watch *watch;
  ph_ref watch_free;
  uint32_t nwatch;

  ph_frag *frags;
  ph_ref *frag_hash;
  uint32_t frag_mask;
  ph_ref frag_free;
  uint32_t nfrags;
  ph_frag6 *frag6;  /* max_fragments when max_conns6 > 0, else NULL */
  ph_ref frag6_cur; /* core/frag6.c: the entry of the IPv6 first fragment
                       being processed, for its reassembly (frag_reasm.c) */
  ph_map6 *map6;    /* nmap6 when max_conns6 > 0, else NULL */
  const uint8_t *map6_next; /* the IPv6 address the next mapping made is
                               for (core/nat64.c), or NULL */
  uint8_t map6_pfx;         /* and its prefix */
  const uint8_t *map6_dst;  /* a refused NAT64 mapping: its packet's IPv6
                               destination (nat64.c; with map6_next, the
                               refusal's event names the IPv6 ends) */

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
  ph_rule_allow *allow; /* per rule, same index */
  uint16_t rules_gen;   /* counts pinhole_rules_clear() calls (15 bits:
                           PH_RULE_GEN_MASK; wraps) */
  uint8_t allow_used;   /* an allow list was ever set */

  ph_cwheel conn_wheel; /* connections' timers (timer/cwheel.h) */
  pinhole_wheel pinhole_wheel;
  pinhole_wheel frag_wheel;

  uint64_t rng; /* port randomisation state (xorshift from seed) */
  /* mappings given back (pinhole__map_put, the one place a port's bit is
   * cleared): a burst look-ahead's port pick stands while it is unchanged
   * (pool.c pinhole__map_ahead) */
  uint32_t port_frees;

  uint8_t *scratch;  /* payload rewrite scratch, PH_SCRATCH bytes */
  uint8_t *emit_buf; /* packets built for the emit callback */

  uint64_t cnt[128];
  size_t mem_bytes;

  /* port block allocation (core/pba.c) */
  ph_block *blocks;
  uint32_t nblocks_given; /* blocks pools took at pinhole_pool_add */
  ph_sub *subs;
  ph_sub6 *sub6; /* max_port_blocks when max_conns6 > 0, else NULL */
  ph_ref *sub_hash;
  uint32_t sub_mask;
  ph_ref sub_free;
  pinhole_wheel block_wheel;
  pinhole_wheel interim_wheel; /* blocks' itimer */
  uint32_t map_fail_paddr;     /* public address of the last NO_PORT refusal */
  uint32_t map_fail_pool;      /* pool of the last PH_MAP_ADDRS refusal */
  char labels[2][PINHOLE_LABEL_MAX]; /* interface, service set (operator.c) */

  /* the held-bytes pool (core/hold.c) */
  ph_held *held;      /* max_held messages */
  ph_ref held_free;   /* free list (through next) */
  uint32_t nheld;     /* messages held */
  ph_ref held_oldest; /* age list: first = oldest */
  ph_ref held_newest;
  ph_ref *chunk_next;  /* per chunk: the next of its chain, or of the
                          free list */
  uint8_t *chunk_data; /* nchunks * PH_HOLD_CHUNK bytes */
  ph_ref chunk_free;
  uint32_t nchunks, chunks_used;
  uint32_t *conv_held; /* per conversation slot: bytes of chunks held */
  uint8_t *hold_buf;   /* a reassembled packet: hold_buf_cap bytes */
  size_t hold_buf_cap;
  pinhole_pkt hold_pkt;       /* the reassembled packet in hold_buf */
  pinhole_pkt_view hold_view; /* and its view (core/stream.c) */
  pinhole_wheel hold_wheel;

  /* state sync (core/state.c): conversations that ended, newest last */
  ph_sync_del sync_ring[PH_SYNC_RING];
  uint32_t sync_head, sync_n; /* next slot to write, entries held */
  uint32_t sync_lost_tick;    /* with sync_lost: the newest tick overwritten */
  uint32_t sync_pass_tick;    /* when the current export pass began */
  uint32_t sync_block_next;   /* the pass's held blocks: the next to write */
  ph_convh sync_resume;       /* the conversation the pass's next piece
                                 begins at (its id the cursor's), if live */
  uint32_t sync_base;         /* the oldest conversation's id when the pass
                                 began: ids count up from it */
  uint8_t sync_lost;
  /* IPv6 connections (core/flows6.c): slots max_flows.. of conns */
  ph_conn6 *conn6;     /* max_conns6, index slot - max_flows */
  ph_flow_table ft6;   /* their keys (engine.h pinhole__hash6) */
  ph_ref conn6_free;   /* free list of their conns slots (through cold
                          conv_next, as conn_free): the ones with TCP
                          windows */
  ph_ref conn6_free_x; /* and the ones without */
  uint32_t nconns6;
  /* NAT64 prefixes (core/nat64.c); [0] is 64:ff9b::/96 with IPv6 on */
  uint8_t nat64_prefix[PINHOLE_NAT64_PREFIX_MAX][16];
  uint8_t nat64_plen[PINHOLE_NAT64_PREFIX_MAX];
  uint8_t nat64_flags[PINHOLE_NAT64_PREFIX_MAX];
  uint32_t nnat64;
  /* the mapping and host tables' bucket hash (nat/pool.c): an NH key of
   * their own, derived from the context key */
  uint32_t map_nh[4];
  uint64_t map_mul;
  /* paired pooling's recent choices (nat/pool.c): a new mapping of an
   * address seen lately skips its SipHash */
  ph_pair_slot pair_cache[PH_PAIR_SLOTS];
  /* the IPv6 address folds' NH key (engine.h pinhole__fold6), derived
   * from the context key with labels of its own */
  uint32_t fold6_nh[4];
  uint64_t fold6_mul;
  /* the key IPv6 connections are filed in ft6 under (engine.h
   * pinhole__hash6), derived from the context key with labels of its own */
  uint32_t hash6_nh[10];
  uint64_t hash6_mul;
  /* the ALGs' server ports (core/alg.c pinhole__alg_for_port), built at
   * creation from the constant ALG table */
  ph_alg_port alg_ports[PH_ALG_PORT_SLOTS];
  uint8_t alg_ranges[PH_ALG_RANGES]; /* ALGs with a port range, in order */
  uint8_t nalg_ranges;
  uint8_t alg_ports_scan; /* 1: it did not fit, scan the ALG table */
  /* a port whose group's bit is clear has no ALG (pinhole__alg_for_port
   * answers 0 after one load: a new flow to an ordinary port) */
  uint64_t alg_port_any[PH_ALG_ANY_WORDS];
};

#define PH_SCRATCH 65536
#define PH_EMIT_BUF 1600

static inline void ph_count(pinhole_ctx *ctx, int c) {
  ctx->cnt[c]++;
}

/*
 * References. A ph_ref names a slot of one of the tables above by its
 * index + 1, so that 0 (PH_NIL) means "none" in links and in results.
 * Every field and every function that names a slot holds a ph_ref; only
 * the accessors below turn one into a slot (and ph_slot into the index the
 * timer wheels and parallel arrays are indexed by). No "- 1" elsewhere.
 */
#define PH_NIL ((ph_ref)0)

static inline uint32_t ph_slot(ph_ref r) {
  return r - 1;
}

static inline ph_ref ph_ref_of(uint32_t slot) {
  return slot + 1;
}

#define PH_AT_FN(name, type, table)                                            \
  static inline type *ph_##name##_at(const pinhole_ctx *ctx, ph_ref r) {       \
    return &ctx->table[ph_slot(r)];                                            \
  }
PH_AT_FN(conn, ph_conn, conns)
PH_AT_FN(cold, ph_conn_cold, cold)
PH_AT_FN(conv, ph_conv, convs)
PH_AT_FN(map, ph_mapping, maps)
PH_AT_FN(host, ph_host, hosts)
PH_AT_FN(pinhole, ph_pinhole, pinholes)
PH_AT_FN(watch, ph_watch, watch)
PH_AT_FN(frag, ph_frag, frags)
PH_AT_FN(frag6, ph_frag6, frag6)
PH_AT_FN(block, ph_block, blocks)
PH_AT_FN(sub, ph_sub, subs)
#undef PH_AT_FN

static inline uint32_t ph_conn_idx(const pinhole_ctx *ctx, const ph_conn *c) {
  return (uint32_t)(c - ctx->conns);
}

/* A duration in ticks, rounded up (a timeout never fires early). */
static inline uint32_t ph_ns_to_ticks(const pinhole_ctx *ctx, uint64_t ns) {
  return (uint32_t)((ns + (1ull << ctx->tick_shift) - 1) >> ctx->tick_shift);
}

static inline ph_ref ph_conn_ref(const pinhole_ctx *ctx, const ph_conn *c) {
  return ph_ref_of(ph_conn_idx(ctx, c));
}

static inline ph_conn_cold *ph_cold(const pinhole_ctx *ctx, const ph_conn *c) {
  return &ctx->cold[c - ctx->conns];
}

/* Does connection cold part k hold a NAPT mapping (pinhole__conn_mapping
 * finds it)? */
static inline int ph_cold_mapped(const ph_conn_cold *k) {
  return (k->rule_gen & PH_COLD_MAPPED) != 0;
}

/* The public chain (its bucket in ctx->map_phash) of endpoint (proto,
 * paddr, pport): nat/pool.c's ph_map_bucket of its ph_mix, for a
 * prefetch outside pool.c and ph_map_put_bucket (core/engine.h). */
static inline uint32_t ph_map_pbucket(const pinhole_ctx *ctx, uint8_t proto,
                                      uint32_t paddr, uint16_t pport) {
  uint32_t x =
      (uint32_t)ph_nh64(ctx->map_nh, ctx->map_mul, paddr, pport, proto, 0);
  return (uint32_t)(((uint64_t)x * ctx->map_nb) >> 32);
}

/* The link in public chain bucket (ph_map_pbucket) that holds the
 * mapping of (proto, paddr, pport): the chain's head or a pnext; it
 * holds 0 when there is none (the chain's end). */
static inline ph_ref *ph_map_plink(const pinhole_ctx *ctx, uint32_t bucket,
                                   uint8_t proto, uint32_t paddr,
                                   uint16_t pport) {
  ph_ref *pp = &ctx->map_phash[bucket];
  for (; *pp != 0; pp = &ph_map_at(ctx, *pp)->pnext) {
    const ph_mapping *m = ph_map_at(ctx, *pp);
    if (m->paddr == paddr && m->pport == pport && m->proto == proto)
      break;
  }
  return pp;
}

/* Was k's rule accepted in rule generation gen (ctx->rules_gen)? */
static inline int ph_cold_gen_is(const ph_conn_cold *k, uint16_t gen) {
  return (k->rule_gen & PH_RULE_GEN_MASK) == gen;
}

/* Connection c takes over mapping m (0: none), whose public endpoint is
 * where packets from c's outside side arrive (pinhole__conn_mapping). */
static inline void ph_cold_set_map(const pinhole_ctx *ctx, ph_conn *c,
                                   ph_ref m) {
  ph_conn_cold *k = ph_cold(ctx, c);
  if (m != 0)
    k->rule_gen |= (uint16_t)PH_COLD_MAPPED;
  else
    k->rule_gen &= (uint16_t)~PH_COLD_MAPPED;
}

/* Records that rule index rule of the current generation accepted c (its
 * mapping's flag kept). */
static inline void ph_cold_set_rule(const pinhole_ctx *ctx, ph_conn *c,
                                    uint16_t rule) {
  ph_conn_cold *k = ph_cold(ctx, c);
  k->rule = rule;
  k->rule_gen = (uint16_t)((k->rule_gen & PH_COLD_MAPPED) | ctx->rules_gen);
}

/* ---- conversations: a ph_conv record or a plain connection ---------- */

static inline int ph_convh_plain(ph_convh h) {
  return (h & PH_CONVH_CONN) != 0;
}

/* The connection of plain conversation h. */
static inline ph_ref ph_convh_conn(ph_convh h) {
  return h & ~PH_CONVH_CONN;
}

static inline ph_convh ph_convh_of_conn(ph_ref r) {
  return r | PH_CONVH_CONN;
}

/* Connection slot r's ph_conv, or PH_NIL: a plain connection. */
static inline ph_ref ph_conv_of_slot(const pinhole_ctx *ctx, ph_ref r) {
  const ph_conn_cold *k = ph_cold_at(ctx, r);
  return k->conv_mark == PH_CONVH_REC ? k->conv : PH_NIL;
}

/* c's ph_conv, or PH_NIL: a plain connection, its own conversation. */
static inline ph_ref ph_conn_conv(const pinhole_ctx *ctx, const ph_conn *c) {
  return ph_conv_of_slot(ctx, ph_conn_ref(ctx, c));
}

/* The handle of c's conversation. */
static inline ph_convh ph_conn_convh(const pinhole_ctx *ctx, const ph_conn *c) {
  ph_ref cv = ph_conn_conv(ctx, c);
  return cv ? cv : ph_convh_of_conn(ph_conn_ref(ctx, c));
}

/* The connection after slot r in its conversation, or PH_NIL. */
static inline ph_ref ph_conv_next_conn(const pinhole_ctx *ctx, ph_ref r) {
  const ph_conn_cold *k = ph_cold_at(ctx, r);
  return k->conv_mark == PH_CONVH_REC ? k->conv_next : PH_NIL;
}

/* Conversation h's id. */
static inline uint32_t ph_convh_id(const pinhole_ctx *ctx, ph_convh h) {
  return ph_convh_plain(h) ? ph_cold_at(ctx, ph_convh_conn(h))->own_id
                           : ph_conv_at(ctx, h)->id;
}

/* The id of c's conversation. */
static inline uint32_t ph_conn_conv_id(const pinhole_ctx *ctx,
                                       const ph_conn *c) {
  return ph_convh_id(ctx, ph_conn_convh(ctx, c));
}

/* A conversation as the listing, filters, clears and state sync read it,
 * whichever its kind (ph_conv_view). */
typedef struct ph_convv {
  ph_convh h;
  uint32_t id;
  ph_ref first;    /* its first connection; the next: ph_conv_next_conn */
  ph_ref pinholes; /* its first pending pinhole (their conv_next) */
  ph_convh next;   /* the next conversation of the live list */
  uint16_t nconns, npinholes;
  uint8_t alg; /* ALG id + 1, or 0 */
  uint8_t a_side;
} ph_convv;

static inline void ph_conv_view(const pinhole_ctx *ctx, ph_convh h,
                                ph_convv *v) {
  v->h = h;
  if (ph_convh_plain(h)) {
    ph_ref r = ph_convh_conn(h);
    const ph_conn_cold *k = ph_cold_at(ctx, r);
    v->id = k->own_id;
    v->first = r;
    v->pinholes = PH_NIL;
    v->next = k->own_next;
    v->nconns = 1;
    v->npinholes = 0;
    v->alg = 0;
    /* the side of its initiator: side A, but for a connection whose
     * first packet came from side B (NAT64 files a connection admitted
     * by endpoint-independent filtering with its IPv6 side as side A) */
    const ph_conn *c = ph_conn_at(ctx, r);
    v->a_side = (uint8_t)(c->a_side ^ ((c->flags & PH_CONN_B_OPENED) != 0));
    return;
  }
  const ph_conv *cv = ph_conv_at(ctx, h);
  v->id = cv->id;
  v->first = cv->first;
  v->pinholes = cv->pinholes;
  v->next = cv->next;
  v->nconns = cv->nconns;
  v->npinholes = cv->npinholes;
  v->alg = cv->alg;
  v->a_side = cv->a_side;
}

/* The index in ctx->tcpw of connection slot idx's windows; at least
 * ntcp4 + ntcp6 when the slot has none (it holds no TCP connection). */
static inline uint32_t ph_tcpw_idx(const pinhole_ctx *ctx, uint32_t idx) {
  uint32_t mf = ctx->cfg.max_flows;
  if (idx < mf)
    return idx < ctx->ntcp4 ? idx : UINT32_MAX;
  return idx - mf < ctx->ntcp6 ? idx - mf + ctx->ntcp4 : UINT32_MAX;
}

/* A prefetch of the windows of connection slot idx, as if every slot had
 * them at its index (true of IPv4 slots, and of all of them while
 * max_tcp_conns is 0): integer arithmetic, so a slot without windows
 * only prefetches a line it does not use (a prefetch never faults), and
 * the packet path pays no test for it. */
static inline void ph_tcpw_prefetch(const pinhole_ctx *ctx, uint32_t idx) {
  uintptr_t p = (uintptr_t)ctx->tcpw + (uintptr_t)idx * sizeof(ph_tcpw);
  __builtin_prefetch((const void *)p);
  /* a quarter of them end in the next line */
  __builtin_prefetch((const void *)(p + sizeof(ph_tcpw) - 1));
}

/* TCP connection c's windows (only a TCP connection has them). */
static inline ph_tcpw *ph_tcpw_of(const pinhole_ctx *ctx, const ph_conn *c) {
  uint32_t idx = ph_conn_idx(ctx, c), mf = ctx->cfg.max_flows;
  return &ctx->tcpw[idx < mf ? idx : idx - mf + ctx->ntcp4];
}

/* The IPv6 host record of mapping r, or NULL when its slot has none (IPv6
 * off, or not a slot NAT64 mappings take: pool.c pinhole__map_insert). */
static inline ph_map6 *ph_map6_of(const pinhole_ctx *ctx, ph_ref r) {
  return ph_slot(r) < ctx->nmap6 ? &ctx->map6[ph_slot(r)] : NULL;
}

/* Is c an IPv6 connection (a slot past max_flows)? */
static inline int ph_conn_is6(const pinhole_ctx *ctx, const ph_conn *c) {
  return ph_conn_idx(ctx, c) >= ctx->cfg.max_flows;
}

/* The side record of IPv6 connection c. */
static inline ph_conn6 *ph_conn6_of(const pinhole_ctx *ctx, const ph_conn *c) {
  return &ctx->conn6[ph_conn_idx(ctx, c) - ctx->cfg.max_flows];
}

/* Is c an IPv6 connection in the line form (its addresses in ph_conn)?
 * No IPv4 slot is: there the byte holds icmp_seq_valid, 0 or 1. */
static inline int ph_conn_line6(const ph_conn *c) {
  return c->form6 == PH_FORM6_LINE;
}

/* The source (which 0) or destination (1) address of IPv6 connection
 * c's packets from dir (0: side A, 1: side B). */
static inline const uint8_t *
ph_conn6_addr(const pinhole_ctx *ctx, const ph_conn *c, int dir, int which) {
  if (ph_conn_line6(c)) /* side B's are side A's swapped */
    return (dir ^ which) ? c->a_dst6 : c->a_src6;
  const ph_conn6 *c6 = ph_conn6_of(ctx, c);
  if (dir)
    return which ? c6->b_dst : c6->b_src;
  return which ? c6->a_dst : c6->a_src;
}

/* The addresses of IPv6 pinhole h (h->v6). */
static inline ph_pinhole6 *ph_pinhole6_of(const pinhole_ctx *ctx,
                                          const ph_pinhole *h) {
  return &ctx->pinhole6[h - ctx->pinholes];
}

/* Is c a NAT64 connection: an IPv6 slot whose side B is IPv4, its
 * ph_conn6 b_src, b_dst holding IPv4-mapped addresses (::ffff:a.b.c.d,
 * which the IPv6 parser refuses on the wire, so no IPv6 connection has
 * one)? docs/nat64.md. A line-form connection never is. */
static inline int ph_conn_is64(const pinhole_ctx *ctx, const ph_conn *c) {
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return ph_conn_is6(ctx, c) && !ph_conn_line6(c) &&
         memcmp(ph_conn6_of(ctx, c)->b_src, mapped, 12) == 0;
}

/*
 * The fields a line-form IPv6 connection keeps in its side record, read
 * and written the same way for every connection. Only code that knows c
 * is not in the line form (the IPv4 paths: a connection filed in ft never
 * is) may use c->watch, c->bytes, c->icmp_seq, c->icmp_seq_valid.
 */

/* Does an ALG inspect c (has it a watch slot)? From c's flags alone. */
static inline int ph_conn_watched(const ph_conn *c) {
  return (c->flags & PH_CONN_WATCH) != 0;
}

/* c's watch slot, or PH_NIL: an ALG inspects it. */
static inline ph_ref ph_conn_watch(const pinhole_ctx *ctx, const ph_conn *c) {
  if (!ph_conn_line6(c))
    return c->watch;
  return (c->flags & PH_CONN_WATCH) ? ph_conn6_of(ctx, c)->l6.watch : PH_NIL;
}

static inline void ph_conn_set_watch(const pinhole_ctx *ctx, ph_conn *c,
                                     ph_ref r) {
  if (ph_conn_line6(c))
    ph_conn6_of(ctx, c)->l6.watch = r;
  else
    c->watch = r;
}

/* The bytes c counted from dir (0: side A, 1: side B). */
static inline uint64_t ph_conn_bytes(const pinhole_ctx *ctx, const ph_conn *c,
                                     int dir) {
  if (!ph_conn_line6(c))
    return c->bytes[dir];
  return (uint64_t)ph_conn6_of(ctx, c)->l6.bytes_hi[dir] << 32 |
         c->bytes_lo[dir];
}

static inline void ph_conn_set_bytes(const pinhole_ctx *ctx, ph_conn *c,
                                     int dir, uint64_t n) {
  if (ph_conn_line6(c)) {
    c->bytes_lo[dir] = (uint32_t)n;
    ph_conn6_of(ctx, c)->l6.bytes_hi[dir] = (uint32_t)(n >> 32);
  } else {
    c->bytes[dir] = n;
  }
}

/* One packet of len bytes from dir counted. The line form carries into
 * its side record only when the low half wraps. */
static inline void ph_conn_count(const pinhole_ctx *ctx, ph_conn *c, int dir,
                                 uint32_t len) {
  c->frames[dir]++;
  if (!ph_conn_line6(c)) {
    c->bytes[dir] += len;
    return;
  }
  uint32_t lo = c->bytes_lo[dir] + len;
  if (lo < len)
    ph_conn6_of(ctx, c)->l6.bytes_hi[dir]++;
  c->bytes_lo[dir] = lo;
}

/* c's last echo sequence from A and whether it is set (0 or 1). */
static inline void ph_conn_echo_get(const pinhole_ctx *ctx, const ph_conn *c,
                                    uint16_t *seq, uint8_t *valid) {
  if (ph_conn_line6(c)) {
    *seq = ph_conn6_of(ctx, c)->l6.icmp_seq;
    *valid = ph_conn6_of(ctx, c)->l6.icmp_seq_valid;
  } else {
    *seq = c->icmp_seq;
    *valid = c->icmp_seq_valid;
  }
}

/* Where c keeps them, to update. */
static inline uint16_t *ph_conn_echo_seq(const pinhole_ctx *ctx, ph_conn *c) {
  return ph_conn_line6(c) ? &ph_conn6_of(ctx, c)->l6.icmp_seq : &c->icmp_seq;
}

static inline uint8_t *ph_conn_echo_valid(const pinhole_ctx *ctx, ph_conn *c) {
  return ph_conn_line6(c) ? &ph_conn6_of(ctx, c)->l6.icmp_seq_valid
                          : &c->icmp_seq_valid;
}

#endif /* PH_CORE_CTX_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole: an embeddable carrier-grade NAT with application layer gateways.
 *
 * This is the one header a host includes. The host owns packet I/O, time,
 * memory and randomness; the library owns the state. The host creates a
 * context, adds NAT pools and rules, then hands every IPv4 packet to
 * pinhole_process() with the side it arrived on and the current monotonic
 * time, and sends the packet on when the verdict is FORWARD. Packets are
 * rewritten in place and may grow up to the capacity the host gives.
 *
 *   pinhole_config cfg;
 *   pinhole_config_default(&cfg, sizeof(cfg));
 *   pinhole_ctx *ctx;
 *   if (pinhole_ctx_new(&ctx, &cfg, NULL, NULL) < 0) ...
 *   int pool = pinhole_pool_add(ctx, &pool_spec);
 *   pinhole_rule_add(ctx, &rule);
 *   for (;;) {
 *     pinhole_pkt p = {buf, len, sizeof(buf)};
 *     if (pinhole_process(ctx, &p, PINHOLE_SIDE_INSIDE, now) ==
 *         PINHOLE_VERDICT_FORWARD)
 *       send(p.data, p.len);
 *     pinhole_tick(ctx, now);
 *   }
 *
 * A context is single-threaded: run one per core, each with its own port
 * block (pinhole_config.port_lo/port_hi). No struct crosses the API by
 * value; every input struct starts with its size.
 *
 * Struct sizes: the library reads exactly `size` bytes of an input struct
 * (and accepts a larger size only when the bytes it does not know are
 * zero). It cannot see how large the caller's memory really is, so a size
 * field larger than the struct the caller actually allocated is undefined
 * behaviour (the library reads past it), like any other wrong length. A
 * language binding that declares the structs itself should compare its
 * layouts with pinhole_struct_size() once, when it loads the library.
 *
 * Pointers: every function checks the pointers it is given and returns
 * PINHOLE_ERR_INVALID_ARG (or the neutral value its documentation names)
 * for NULL; a non-NULL pointer must point to what the documentation says.
 */
#ifndef PINHOLE_PINHOLE_H
#define PINHOLE_PINHOLE_H

#include <pinhole/common.h>
#include <pinhole/version.h>
#include <pinhole/packet.h>
#include <pinhole/cksum.h>
#include <pinhole/hash.h>
#include <pinhole/wheel.h>
#include <pinhole/ftp.h>
#include <pinhole/rtsp.h>
#include <pinhole/sip.h>
#include <pinhole/tftp.h>
#include <pinhole/dns.h>
#include <pinhole/netbios.h>
#include <pinhole/snmp.h>
#include <pinhole/bootp.h>
#include <pinhole/cgn.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The library's version string ("0.1.0"). @since 0.1.0 */
PINHOLE_EXTERN const char *pinhole_version(void);

/** An opaque NAT context. */
typedef struct pinhole_ctx pinhole_ctx;

/** The side of the gateway a packet arrived on. */
enum pinhole_side { PINHOLE_SIDE_INSIDE = 0, PINHOLE_SIDE_OUTSIDE = 1 };

/** What the host does with a processed packet. */
enum pinhole_verdict {
  /** Send the (possibly rewritten) packet out of the other side. */
  PINHOLE_VERDICT_FORWARD = 0,
  /** Drop it silently. */
  PINHOLE_VERDICT_DROP = 1,
  /** Drop it; the library has emitted a TCP RST or ICMP unreachable
   *  through the emit callback. */
  PINHOLE_VERDICT_REJECT = 2,
  /** Send the rewritten packet back out of the side it arrived on: one
   *  inside host reaching another through its public mapping (hairpinning,
   *  RFC 4787 REQ-9, RFC 5382 REQ-8). */
  PINHOLE_VERDICT_HAIRPIN = 3,
  /** Do not send this packet: the library keeps its payload and will send
   *  it on, merged into a later packet of the stream or through the emit
   *  callback. Not a drop (a Watch connection's message split across TCP
   *  segments or IP fragments being reassembled, docs/reassembly.md).
   *  @since 0.2 */
  PINHOLE_VERDICT_HELD = 4
};

/**
 * A packet in host memory: data points at the IPv4 header, len bytes are
 * valid, cap bytes may be written (cap >= len). The library may change
 * data[0..cap) and len; it never changes data or cap.
 */
typedef struct pinhole_pkt {
  uint8_t *data;
  uint32_t len;
  uint32_t cap;
} pinhole_pkt;

/** Config flags (pinhole_config.flags). */
enum pinhole_config_flag {
  /** Drop packets that carry IP options (counted as "IP option"). */
  PINHOLE_CFG_DROP_IP_OPTIONS = 0x01,
  /** Let ALGs open pinholes for ports below 1024. */
  PINHOLE_CFG_ALG_LOW_PORTS = 0x02,
  /** Let ALGs open pinholes towards third-party addresses (SIP direct
   *  media, FTP proxy transfers). Off by default. */
  PINHOLE_CFG_ALG_THIRD_PARTY = 0x04,
  /** Endpoint-independent filtering (RFC 4787 sec. 5): any remote may
   *  reach an existing mapping. Off by default (address and port
   *  dependent filtering). A mapping an ALG made for a pinhole (the data
   *  port an FTP client or a SIP phone announced) is not opened by this:
   *  only the pinhole's peer reaches it, whatever the filtering mode, and
   *  it is released with its pinhole when that expires unused. It becomes
   *  an ordinary mapping once the inside endpoint itself opens a
   *  connection from it. */
  PINHOLE_CFG_EIF = 0x08,
  /** Fail open: a message an ALG cannot parse or translate passes, counted
   *  as an ALG error, instead of being dropped (counted as "ALG message
   *  dropped untranslated"). Off by default: it may carry an inside
   *  address out of the NAT. @since 0.2 */
  PINHOLE_CFG_ALG_PASS_UNTRANSLATED = 0x10,
  /** Send a UDP datagram reassembled from IP fragments for its ALG on
   *  whole, in the caller's packet when it fits the packet's cap, instead
   *  of fragmented again to its original fragment size (the first piece
   *  in the caller's packet, the others through emit): for hosts whose
   *  path takes packets larger than the fragments came in. A datagram
   *  that does not fit cap is fragmented as without the flag
   *  (docs/reassembly.md "IP fragments"). @since 0.2 */
  PINHOLE_CFG_REASM_WHOLE = 0x20,
  /** With IPv6 on (max_conns6 > 0): drop neighbour discovery (ICMPv6
   *  types 133-137) and multicast listener (130-132, 143) messages,
   *  counted as a new flow discarded with "No matching rule". Off by
   *  default: they pass (verdict FORWARD, no connection, no counter), as
   *  a bridge between the link's hosts needs them (docs/ipv6.md).
   *  @since 0.2 */
  PINHOLE_CFG_IP6_ND_DROP = 0x40
};

/**
 * Context configuration. Fill with pinhole_config_default(), then change
 * what you need. Every table is allocated once, at pinhole_ctx_new().
 * The bounds given with each field are checked there: a table size of 0
 * (where one is needed) is PINHOLE_ERR_INVALID_ARG, a value past its
 * bound PINHOLE_ERR_RANGE.
 */
typedef struct pinhole_config {
  size_t size; /**< sizeof(pinhole_config) of the caller */
  /** connections (each has an I and O flow); 65536; 1..2^28 */
  uint32_t max_flows;
  /** ALG sessions' conversations (since 0.2: a connection no ALG
   *  watches, that made no pinhole and came through none, is a
   *  conversation of its own and takes none of these); 0 = 2 *
   *  max_watch (0.1: max_flows); at most max_flows + max_pinholes (each
   *  holds a connection or a pinhole) and 2^28 */
  uint32_t max_conversations;
  /** NAPT mappings; 0 = max_flows; at most 2 * max_flows + max_pinholes
   *  (what connections and pinholes can hold) and 2^28 */
  uint32_t max_mappings;
  uint32_t max_pinholes; /**< pending expectations; 4096; 1..2^24 */
  /** connections an ALG inspects; 4096; 1.., at most max_flows are used */
  uint32_t max_watch;
  uint32_t max_rules;             /**< 256; 1..65535 */
  uint32_t max_pools;             /**< 4; 1..255 */
  uint32_t max_pinholes_per_conv; /**< 8; 1..65535 */
  uint32_t
      max_half_open; /**< SYN defense: half-open TCP limit; 0 = max_flows/2 */
  /** this context's public port block, port_lo <= port_hi, both in
   *  1024..65535; 1024, 65535 */
  uint16_t port_lo, port_hi;
  uint32_t pinhole_timeout_ms; /**< expectation lifetime; 10000; 1..86400000 */
  /* idle timeouts in seconds, each 1..2592000 (30 days) */
  uint32_t tcp_syn_timeout_s; /**< half-open TCP; 240 (RFC 5382 transitory) */
  uint32_t
      tcp_est_timeout_s; /**< established TCP; 7440 (RFC 5382: >= 2 h 4 min) */
  uint32_t tcp_trans_timeout_s; /**< closing TCP; 240 */
  uint32_t udp_timeout_s;       /**< UDP; 300 (RFC 4787: >= 120) */
  uint32_t icmp_timeout_s;      /**< ICMP query; 60 */
  uint32_t flags;            /**< pinhole_config_flag bits; DROP_IP_OPTIONS */
  pinhole_hash_key hash_key; /**< flow hash secret, from host entropy */
  uint64_t seed;          /**< seed for port randomisation, from host entropy */
  uint32_t max_fragments; /**< fragmented datagrams in flight; 1024; 1..2^20 */
  uint32_t frag_timeout_ms;    /**< reassembly timeout; 10000; 1..86400000 */
  uint32_t max_ports_per_host; /**< NAPT mappings per inside address, 0 = no
                                  limit (RFC 6888 REQ-4) */
  /** idle timeout of a PPTP call's GRE data flow (RFC 2637 enhanced GRE)
   *  in seconds; 300 (0 from a caller that predates the field: 300);
   *  at most 2592000. @since 0.2 */
  uint32_t gre_timeout_s;
  /** Port blocks for every PINHOLE_POOL_PBA pool of the context together
   *  (each such pool takes addresses x (ports / block_size) of them at
   *  pinhole_pool_add, each PINHOLE_POOL_ADDRESS pool one per address);
   *  0 (no PBA or address-only pool possible); at most 2^22. Memory:
   *  about 90 bytes per block. @since 0.2 */
  uint32_t max_port_blocks;
  /* Reassembly of messages split across TCP segments or IP fragments on
   * Watch connections (docs/reassembly.md). A 0 (a caller that predates
   * the fields) is the default. The pool is allocated with the context:
   * hold_bytes + hold_msg_max + about 64 bytes per max_held. */
  /** bytes the context may hold for split messages, all connections
   *  together; 262144; at most 2^30. @since 0.2 */
  uint32_t hold_bytes;
  /** of those, bytes one conversation may hold at once; 16384 (or
   *  hold_bytes when smaller); at most hold_bytes. @since 0.2 */
  uint32_t hold_bytes_per_conv;
  /** the largest message reassembled (bytes); 9216; at most 65535. A
   *  longer one ends as "message too large". @since 0.2 */
  uint32_t hold_msg_max;
  /** messages held at once; 256; at most 2^20. @since 0.2 */
  uint32_t max_held;
  /** how long a message may wait for its rest (ms); 3000; at most
   *  86400000. @since 0.2 */
  uint32_t hold_timeout_ms;
  /** IPv6 connections (the stateful IPv6 firewall, docs/ipv6.md): 0 =
   *  IPv6 off, its packets counted as "Non-IPv4 packets" and dropped as
   *  before 0.2; pinhole_config_default() sets max_flows / 4 (16384); at
   *  most max_flows are used. Memory: about 230 bytes per IPv6 connection slot,
   *  nothing per IPv4 one. @since 0.2 */
  uint32_t max_conns6;
  /** TCP connections of each family at once: the connection slots that
   *  keep TCP windows (24 bytes each), IPv4 ones up to max_flows and
   *  IPv6 ones up to max_conns6; 0 (the default) = every slot, as before
   *  this field. Other protocols take the slots without windows first.
   *  A TCP connection past it is refused as a full flow table and counted
   *  in PINHOLE_CNT_DROP_TCP_FULL; at most 2^28. @since 0.2 */
  uint32_t max_tcp_conns;
} pinhole_config;

/**
 * Zeroes cfg[0..size), sets cfg->size = size and the defaults above.
 * size must be at least the size of the 0.1.0 struct.
 * @return 0 or PINHOLE_ERR_INVALID_ARG.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_config_default(pinhole_config *cfg, size_t size);

/* ------------------------------------------------------------------ */
/* Events (operator log) and traces (ALG debug)                        */

/** Event types. */
enum pinhole_event_type {
  PINHOLE_EVENT_RULE_ACCEPT = 1, /**< a rule accepted a new connection */
  PINHOLE_EVENT_FLOW_CREATED =
      2, /**< a connection was created (watch/forward) */
  PINHOLE_EVENT_NO_RULE_DROP = 3, /**< no rule matched a new connection */
  PINHOLE_EVENT_PINHOLE_CREATED = 4,
  PINHOLE_EVENT_PINHOLE_USED = 5,
  PINHOLE_EVENT_PINHOLE_EXPIRED = 6,
  /** No public port for a new mapping. Since 0.2, when the pool's port
   *  search failed, nat_src is the public address whose ports ran out
   *  (port 0), and limit is max_ports_per_host when that was the cause. */
  PINHOLE_EVENT_NAT_PORTS_EXHAUSTED = 7,
  PINHOLE_EVENT_ALG_ERROR = 8,
  PINHOLE_EVENT_UNANNOUNCED_DATA =
      9, /**< data for a data port no ALG announced */
  PINHOLE_EVENT_RULE_DISCARD = 10,
  PINHOLE_EVENT_RULE_REJECT = 11,
  PINHOLE_EVENT_TABLE_FULL =
      12, /**< flow, conversation or pinhole table full */
  PINHOLE_EVENT_FLOW_CLOSED = 13, /**< a connection expired or closed */
  /** A NAPT mapping was created: src is the inside endpoint, nat_src the
   *  public one (the port allocation log a CGN keeps, RFC 6888 REQ-12). */
  PINHOLE_EVENT_MAPPING_CREATED = 14,
  PINHOLE_EVENT_MAPPING_RELEASED = 15, /**< ... and released */
  /** Port block allocation (PINHOLE_POOL_PBA): a port block was given to
   *  a subscriber. src.addr is the subscriber (inside address), nat_src
   *  the public address with the block's first port; port_lo..port_hi
   *  the block. @since 0.2 */
  PINHOLE_EVENT_PORT_BLOCK_ALLOCATED = 16,
  /** ... the block went back to the pool (its last mapping ended and the
   *  pool's hold time passed); fields as PORT_BLOCK_ALLOCATED. @since 0.2 */
  PINHOLE_EVENT_PORT_BLOCK_RELEASED = 17,
  /** A subscriber needed a port but every port of its blocks is in use
   *  and it holds max_blocks blocks already (its quota, RFC 6888 REQ-4):
   *  the new mapping was refused, no live mapping was touched. src.addr is
   *  the subscriber, proto the protocol asked for, nat_src.addr its public
   *  address, limit its quota in ports (max_blocks x block_size).
   *  @since 0.2 */
  PINHOLE_EVENT_PORT_BLOCK_EXHAUSTED = 18,
  /** Interim record (pinhole_pool.interim_s): the port block is still
   *  allocated to its subscriber (it has mappings, or is in its hold
   *  time); fields as PORT_BLOCK_ALLOCATED. Sent every interim_s seconds
   *  from the allocation until the release. @since 0.2 */
  PINHOLE_EVENT_PORT_BLOCK_ACTIVE = 19,
  /** PINHOLE_POOL_ADDRESS: a new inside address needed a public address
   *  and every address of the pool is bound to another one: the new
   *  mapping was refused (no live binding is touched). src is the inside
   *  endpoint that asked, dst its destination, pool_id the pool.
   *  @since 0.2 */
  PINHOLE_EVENT_NAT_ADDRESSES_EXHAUSTED = 20,
  /** PINHOLE_POOL_ADDRESS: an inside address (src.addr) was bound to a
   *  public address of the pool (nat_src.addr) for as long as it has
   *  mappings (plus the pool's block_hold_ms). @since 0.2 */
  PINHOLE_EVENT_ADDRESS_BOUND = 21,
  /** ... the binding ended; fields as ADDRESS_BOUND. @since 0.2 */
  PINHOLE_EVENT_ADDRESS_RELEASED = 22,
  /** Interim record of an address binding (pinhole_pool.interim_s);
   *  fields as ADDRESS_BOUND. @since 0.2 */
  PINHOLE_EVENT_ADDRESS_ACTIVE = 23
};

/** Flow states as a carrier firewall shows them. */
enum pinhole_flow_state {
  PINHOLE_FLOW_FORWARD = 1, /**< translated, payload not inspected */
  PINHOLE_FLOW_WATCH = 2    /**< payload inspected by an ALG */
};

/**
 * One event. Borrowed for the duration of the callback. Endpoints are the
 * packet's as it arrived (src, dst) and as it left (nat_src, nat_dst; equal
 * to src/dst when nothing was translated).
 */
typedef struct pinhole_event {
  size_t size;
  int type; /**< pinhole_event_type */
  uint64_t time_ns;
  uint32_t conv_id; /**< conversation, 0 when none */
  uint8_t proto;
  uint8_t side;       /**< side the packet arrived on */
  uint8_t flow_state; /**< pinhole_flow_state, 0 when none */
  uint8_t pad_;
  pinhole_endpoint src, dst, nat_src, nat_dst;
  const char *rule;   /**< rule name, or NULL */
  const char *alg;    /**< ALG name, or NULL */
  const char *reason; /**< short reason text, or NULL */
  /** PORT_BLOCK_* events: the block's first and last public port.
   *  @since 0.2 */
  uint16_t port_lo, port_hi;
  /** A per-subscriber quota that was hit, 0 when none: PORT_BLOCK_EXHAUSTED
   *  (ports of max_blocks blocks) and NAT_PORTS_EXHAUSTED for
   *  max_ports_per_host (the limit in mappings). @since 0.2 */
  uint32_t limit;
  /** @since 0.2: for an event that names a connection (FLOW_CLOSED ...),
   *  the frames and bytes it forwarded from its initiator (_i) and its
   *  responder (_o); 0 otherwise */
  uint64_t frames_i, frames_o, bytes_i, bytes_o;
  /** @since 0.2: the pool (its pinhole_pool_add id) of a PORT_BLOCK_*,
   *  ADDRESS_* or NAT_ADDRESSES_EXHAUSTED event; 0 otherwise */
  uint32_t pool_id;
  uint32_t pad2_;
  /** @since 0.2: 6 when the endpoints are IPv6 (then src6/dst6 hold the
   *  addresses and src.addr, dst.addr, nat_*.addr are 0; the ports stay
   *  in src, dst, nat_src, nat_dst); 0 for IPv4. A NAT64 connection's
   *  event (docs/nat64.md) has family 6 with its IPv6 side in src6/dst6
   *  and its IPv4 side in nat_src, nat_dst (addresses and ports) */
  uint8_t family;
  uint8_t src6[16], dst6[16];
} pinhole_event;

/**
 * Formats ev as one syslog-style line without a trailing newline, e.g.
 * "PINHOLE_PINHOLE_CREATED: conv=3 alg=ftp proto=6 2.2.2.2:0 ->
 * 198.19.0.1:50119 ...". Behaves like snprintf: writes at most len bytes
 * including the NUL.
 * @return the length the full line needs (excluding NUL), or
 *         PINHOLE_ERR_INVALID_ARG.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_event_format(const pinhole_event *ev, char *buf,
                                        size_t len);

/** Returns the event type's name ("PINHOLE_CREATED"), or "UNKNOWN". */
PINHOLE_EXTERN const char *pinhole_event_name(int type);

/** Trace record kinds. */
enum pinhole_trace_kind {
  PINHOLE_TRACE_MESSAGE = 1,         /**< ALG saw a command/reply/request */
  PINHOLE_TRACE_PARSED = 2,          /**< address in payload: a */
  PINHOLE_TRACE_TRANSLATED = 3,      /**< a rewritten to b */
  PINHOLE_TRACE_PINHOLE_CREATED = 4, /**< pinhole a -> b opened */
  PINHOLE_TRACE_PINHOLE_USED = 5,
  PINHOLE_TRACE_PINHOLE_EXPIRED = 6,
  PINHOLE_TRACE_ERROR = 7,   /**< ALG error; text says why */
  PINHOLE_TRACE_SKIPPED = 8, /**< data not parsed (not at a message start) */
  /** A rewrite changed the TCP stream's sequence offset (bytes the
   *  payload grew by so far in the direction of this segment): diff_old
   *  -> diff_new. @since 0.2 */
  PINHOLE_TRACE_SEQ_DIFF = 9
};

/** One ALG debug record. Borrowed for the duration of the callback. */
typedef struct pinhole_trace {
  size_t size;
  int kind;        /**< pinhole_trace_kind */
  const char *alg; /**< ALG name */
  uint64_t time_ns;
  uint32_t conv_id;
  uint32_t seq, ack; /**< TCP SEQ/ACK of the segment, as it arrived */
  uint8_t proto;     /**< of the tuple a -> b */
  uint8_t side;      /**< side the packet arrived on */
  uint16_t pad_;
  pinhole_endpoint a, b; /**< meaning depends on kind */
  uint32_t lifetime_ms;  /**< pinhole lifetime, PINHOLE_CREATED */
  const char *text;      /**< message text, not NUL-terminated; may be NULL */
  size_t text_len;
  /** @since 0.2: PINHOLE_CREATED: the last source port of the range
   *  a.port..a_port_hi the pinhole accepts (0: a.port alone, or any port
   *  when a.port is 0) */
  uint16_t a_port_hi;
  /** @since 0.2: PINHOLE_CREATED: the side the pinhole's first packet
   *  will arrive on (side is the announcing packet's) */
  uint8_t pinhole_side;
  uint8_t pad2_;
  /** @since 0.2: SEQ_DIFF: the stream's sequence offset before and after
   *  the rewrite (in bytes, the sum of every growth so far) */
  int32_t diff_old, diff_new;
  /** @since 0.2: 6 when endpoint a (a_family) or b (b_family) is IPv6 (an
   *  ALG on an IPv6 or NAT64 connection, docs/ipv6.md, docs/nat64.md):
   *  its address is in a6 or b6 and a.addr or b.addr is 0; the port stays
   *  in a.port or b.port. 0 for IPv4 */
  uint8_t a_family, b_family;
  uint8_t a6[16], b6[16];
} pinhole_trace;

/**
 * Formats a trace record as one line (no newline); text is printed with
 * non-printable bytes escaped. snprintf semantics, as pinhole_event_format.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_trace_format(const pinhole_trace *tr, char *buf,
                                        size_t len);

/**
 * Host callbacks. Every member is optional (NULL). Zero-fill, set size.
 *
 * Re-entrancy: a callback runs inside the library call that caused it
 * (pinhole_ctx_new for alloc, pinhole_ctx_del for free, pinhole_process,
 * pinhole_process_burst and pinhole_tick for event, trace and emit). From
 * event, trace and emit the host may call only the context's read-only
 * and formatting functions (pinhole_event_format, pinhole_trace_format,
 * pinhole_stats, pinhole_usage_get, pinhole_counter_name ...) and any pure
 * function; it must not call pinhole_process, pinhole_process_burst,
 * pinhole_tick, pinhole_rule_add, pinhole_pool_add, pinhole_rules_clear or
 * pinhole_ctx_del on the same context (the engine is in the middle of a
 * packet; the result is undefined). Other contexts may be used freely.
 * Records and buffers handed to a callback are borrowed for that call
 * only: copy what you keep.
 */
typedef struct pinhole_callbacks {
  size_t size; /**< sizeof(pinhole_callbacks) of the caller */
  /** The library's only allocation, once, in pinhole_ctx_new(); returns
   *  NULL on failure (pinhole_ctx_new then fails with
   *  PINHOLE_ERR_NOMEM). Default: malloc. */
  void *(*alloc)(size_t size, void *user);
  /** Frees what alloc returned, with its size, in pinhole_ctx_del().
   *  Default: free. */
  void (*free)(void *ptr, size_t size, void *user);
  /** An operator event (syslog-style: flow created, pinhole used, ALG
   *  error ...); ev is borrowed. */
  void (*event)(pinhole_ctx *ctx, const pinhole_event *ev, void *user);
  /** An ALG debug record; tr is borrowed. */
  void (*trace)(pinhole_ctx *ctx, const pinhole_trace *tr, void *user);
  /** A packet the library built (TCP RST or ICMP unreachable for a reject
   *  rule, IP fragments it sends on, NAT64's IPv6 fragments), to be sent
   *  out of side; pkt (IPv4 or IPv6 by its first nibble, len bytes) is
   *  borrowed. */
  void (*emit)(pinhole_ctx *ctx, const uint8_t *pkt, size_t len, int side,
               void *user);
} pinhole_callbacks;

/* ------------------------------------------------------------------ */
/* Context                                                             */

/**
 * Creates a context. cfg and cb are copied; user is passed to every
 * callback. All memory the context will ever use is allocated here.
 * @param out   out: the new context
 * @param cfg   configuration (NULL: defaults)
 * @param cb    callbacks (NULL: none, malloc/free)
 * @return 0, PINHOLE_ERR_INVALID_ARG (out NULL, bad size, zero table
 *         size, port range empty), PINHOLE_ERR_RANGE (a table size,
 *         port or timeout past the bounds given with pinhole_config),
 *         PINHOLE_ERR_STRUCT_SIZE (unknown non-zero tail) or
 *         PINHOLE_ERR_NOMEM.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_ctx_new(pinhole_ctx **out, const pinhole_config *cfg,
                                   const pinhole_callbacks *cb, void *user);

/** Frees a context and everything it owns. NULL is a no-op. @since 0.1.0 */
PINHOLE_EXTERN void pinhole_ctx_del(pinhole_ctx *ctx);

/**
 * Processes one packet that arrived on side at host time now_ns
 * (monotonic, never decreasing). The packet is validated, matched to a
 * connection, a pinhole or a rule, translated in place, inspected by its
 * ALG if any, and counted.
 * @return a pinhole_verdict (>= 0), or PINHOLE_ERR_INVALID_ARG on NULL
 *         arguments, cap < len or an unknown side.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_process(pinhole_ctx *ctx, pinhole_pkt *pkt, int side,
                                   uint64_t now_ns);

/**
 * Processes n packets that arrived on side, writing a verdict per packet.
 * Same result as n calls of pinhole_process(), faster (lookups are
 * prefetched ahead).
 * @return n, or PINHOLE_ERR_INVALID_ARG.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_process_burst(pinhole_ctx *ctx, pinhole_pkt *pkts,
                                         size_t n, int side, uint64_t now_ns,
                                         uint8_t *verdicts);

/**
 * The work one pinhole_tick() call does at most: units of one object
 * expired, one timer re-filed or re-armed, one tick of time reached.
 * @since 0.2
 */
#define PINHOLE_TICK_BUDGET 4096

/**
 * Advances time to now_ns: expires pinholes, idle connections and
 * fragment state whose deadline has passed, with bounded work per call
 * (PINHOLE_TICK_BUDGET units shared by every timer table).
 *
 * Call it again while it returns PINHOLE_TICK_BUDGET: that value means the
 * call reached its bound and more may be due (it may have expired fewer
 * objects than that; the FLOWS_EXPIRED and PINHOLE_EXPIRED counters say
 * how many). Any smaller value is the number of objects expired, and then
 * nothing is due at now_ns any more.
 *
 * Ticking late is safe: a pinhole, connection or fragment entry past its
 * deadline is dead when a packet meets it, whether or not a tick removed
 * it (it is then expired and counted by that packet). Deadlines that would
 * pass UINT64_MAX ns saturate there (the object lives to the end of the
 * host's time range) rather than wrap.
 * @return the number of objects expired (0 .. PINHOLE_TICK_BUDGET - 1)
 *         when nothing more is due, PINHOLE_TICK_BUDGET when more may be due,
 *         or PINHOLE_ERR_INVALID_ARG (ctx NULL).
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_tick(pinhole_ctx *ctx, uint64_t now_ns);

/* ------------------------------------------------------------------ */
/* NAT pools and rules                                                 */

/** How a pool hands out public ports (pinhole_pool.mode). @since 0.2 */
enum pinhole_pool_mode {
  /** Each mapping gets any free port of the subscriber's public address
   *  (the 0.1 behaviour); every mapping is worth logging. */
  PINHOLE_POOL_NAPT = 0,
  /** Port block allocation: each subscriber (inside address) gets blocks
   *  of block_size consecutive ports, up to max_blocks, on one public
   *  address; every NAPT mapping of the subscriber, ALG data and media
   *  ports included, takes its port from its blocks. A block goes back to
   *  the pool block_hold_ms after its last mapping ended. Only block
   *  allocation and release need logging. Needs
   *  pinhole_config.max_port_blocks. */
  PINHOLE_POOL_PBA = 1,
  /** Deterministic NAT (RFC 7422): inside_addr/inside_plen is the inside
   *  prefix; inside address number i of it owns a fixed public address
   *  and a fixed range of block_size ports (0: as many as fit), computed
   *  by pinhole_det_forward(). Nothing needs logging: pinhole_det_reverse()
   *  answers from the configuration alone. An inside address outside the
   *  prefix gets no mapping. */
  PINHOLE_POOL_DETERMINISTIC = 2,
  /** Basic NAT, address only (RFC 2663 sec. 4.1.1, RFC 3022 "Basic
   *  NAT"): each inside address is bound to a public address of the pool
   *  of its own for as long as it has mappings, plus block_hold_ms; ports
   *  and ICMP identifiers are kept as the inside host chose them (no two
   *  inside hosts share a public address, so they cannot collide). A new
   *  inside address when every public address is bound is refused
   *  (NAT_ADDRESSES_EXHAUSTED). Only the bindings need logging
   *  (ADDRESS_BOUND / ADDRESS_RELEASED). port_lo/port_hi must be 0; up to
   *  65535 addresses; each address takes one of
   *  pinhole_config.max_port_blocks. @since 0.2 */
  PINHOLE_POOL_ADDRESS = 3
};

/** A source NAT pool: public addresses addr_lo..addr_hi (inclusive) with
 *  ports port_lo..port_hi (inclusive, within the context's port block;
 *  0,0 = the context's block). Zero-fill, set size, then the fields.
 *
 *  In PBA and DETERMINISTIC pools every mapping's port comes from the
 *  pool's range, also for an rsh/rlogin client's privileged port (which
 *  NAPT pools keep below 1024 from a range of their own), so the port
 *  log stays complete. */
typedef struct pinhole_pool {
  size_t size;
  uint32_t addr_lo, addr_hi;
  uint16_t port_lo, port_hi;
  /** Ignored (the 0.1 struct's tail padding, which older callers may
   *  not have zeroed). @since 0.2 */
  uint32_t reserved_;
  uint8_t mode;        /**< pinhole_pool_mode; 0. @since 0.2 */
  uint8_t inside_plen; /**< DETERMINISTIC: inside prefix length, 8..32 */
  /** PBA: ports per block, 8..32768, even; DETERMINISTIC: ports per
   *  inside address (0 = as many as fit) */
  uint16_t block_size;
  uint32_t inside_addr; /**< DETERMINISTIC: inside prefix (host bits 0) */
  uint16_t max_blocks;  /**< PBA: blocks per subscriber, 1..1024 */
  uint16_t pad_;        /**< zero */
  /** PBA: how long a block stays with its subscriber after its last
   *  mapping ended (ms, 0..86400000), so the public port is not reused by
   *  another subscriber at once; ADDRESS: the same for the binding of an
   *  inside address to its public address */
  uint32_t block_hold_ms;
  /** PBA and ADDRESS: interim records. Every interim_s seconds while a
   *  port block (address binding) is allocated, the library reports it
   *  again (PORT_BLOCK_ACTIVE, ADDRESS_ACTIVE), so each log archive
   *  period holds a record of every live allocation even when the
   *  allocation record was lost or archived. 0 = none; 1..86400.
   *  @since 0.2 */
  uint32_t interim_s;
} pinhole_pool;

/**
 * Adds a pool.
 *
 * PBA: the pool takes (addresses x floor(ports / block_size)) blocks of
 * pinhole_config.max_port_blocks (ports past the last whole block of an
 * address are not used). DETERMINISTIC: the layout pinhole_det_forward()
 * computes for the same struct. ADDRESS: the pool takes one block of
 * pinhole_config.max_port_blocks per address.
 * @return the pool id (>= 0), PINHOLE_ERR_INVALID_ARG (NULL, addr_lo 0,
 *         addr_hi < addr_lo, ports outside the context's block, unknown
 *         mode, pad_ not zero, PBA fields set on a pool that is not PBA or
 *         DETERMINISTIC fields on one that is not DETERMINISTIC,
 *         inside_addr with host bits set; ADDRESS: port_lo or port_hi not
 *         0, block_size or max_blocks set; interim_s on a NAPT or
 *         DETERMINISTIC pool),
 *         PINHOLE_ERR_RANGE (interim_s past 86400; ADDRESS: more than
 *         65535 addresses, block_hold_ms past 86400000),
 *         PINHOLE_ERR_RANGE (PBA: block_size not even or outside 8..32768,
 *         larger than the pool's ports, max_blocks outside 1..1024,
 *         block_hold_ms past 86400000; DETERMINISTIC: inside_plen outside
 *         8..32, the prefix's addresses do not fit the public addresses x
 *         ports, block_size larger than fits),
 *         PINHOLE_ERR_FULL (PBA, ADDRESS: pinhole_config.max_port_blocks
 *         has not that many blocks left; or max_pools reached),
 *         PINHOLE_ERR_RANGE (more than 16 addresses in a NAPT, PBA or
 *         DETERMINISTIC pool), PINHOLE_ERR_ADDRESS
 *         (an address in 0/8, 127/8, 224/4 or 240/4: not usable as a
 *         public source), PINHOLE_ERR_EXISTS (an address of another
 *         pool, not removed or still holding mappings, whose public ports
 *         meet this one's: a NAPT pool's range and 512..1023, an
 *         ADDRESS pool's every port; a live mapping's public endpoint is
 *         unique), PINHOLE_ERR_STRUCT_SIZE or PINHOLE_ERR_FULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_pool_add(pinhole_ctx *ctx, const pinhole_pool *pool);

/** Rule actions. */
enum pinhole_action {
  PINHOLE_ACTION_ACCEPT = 0,
  PINHOLE_ACTION_DISCARD = 1,
  PINHOLE_ACTION_REJECT = 2
};

/** NAT applied by a rule to the connections it accepts. */
enum pinhole_nat_type {
  PINHOLE_NAT_NONE = 0,
  /** NAPT of the source to rule.pool (endpoint-independent mapping). */
  PINHOLE_NAT_SOURCE = 1,
  /** Destination NAT to nat_addr (and nat_port when non-zero). */
  PINHOLE_NAT_DEST = 2,
  /** Static 1:1: inside side, the source prefix maps onto nat_addr's prefix
   *  (same length, ports kept); outside side, the destination prefix maps
   *  onto nat_addr's prefix. */
  PINHOLE_NAT_STATIC = 3
};

/** Match any side. */
#define PINHOLE_SIDE_ANY 255

/** A rule. First match wins. Zero-fill, set size, then the fields. */
typedef struct pinhole_rule {
  size_t size;
  char name[32];              /**< NUL-terminated; shown in events */
  uint8_t side;               /**< pinhole_side, or PINHOLE_SIDE_ANY */
  uint8_t proto;              /**< 0 = any */
  uint8_t src_plen, dst_plen; /**< prefix lengths (0 = any) */
  uint32_t src_addr, dst_addr;
  uint16_t dport_lo, dport_hi; /**< 0,0 = any */
  uint8_t action;              /**< pinhole_action */
  uint8_t nat;                 /**< pinhole_nat_type */
  uint16_t nat_port;           /**< DEST: new destination port (0 = keep) */
  int32_t pool;                /**< SOURCE: pool id */
  uint32_t nat_addr;           /**< DEST/STATIC */
  /** "" = by destination port, "none", or a name; a named ALG inspects
   *  only connections of its own protocol (since 0.2) */
  char alg[16];
  uint32_t flags; /**< pinhole_rule_flag bits; 0. @since 0.2 */
  /** @since 0.2: the family the rule matches: 0 (or 4) IPv4 only, as
   *  before; 6 IPv6 only, its prefixes in src6/dst6 with src_plen and
   *  dst_plen 0..128 (src_addr, dst_addr unused and zero). An IPv6 rule
   *  translates nothing (nat PINHOLE_NAT_NONE) and names no ALG (alg ""
   *  or "none"): docs/ipv6.md. The one exception is NAT64: an IPv6
   *  rule with nat PINHOLE_NAT_SOURCE, side INSIDE, a pool and dst6 /
   *  dst_plen inside a NAT64 prefix (pinhole_nat64_prefix_add())
   *  translates what it accepts to IPv4 from that pool (docs/nat64.md). */
  uint8_t family;
  uint8_t src6[16], dst6[16]; /**< IPv6 prefixes (family 6), bits past
                                   the length ignored */
} pinhole_rule;

/** Rule flags (pinhole_rule.flags). @since 0.2 */
enum pinhole_rule_flag {
  /** DNS doctoring through this STATIC rule: the DNS ALG rewrites an A
   *  record that holds an address this rule maps, in an answer crossing
   *  the NAT, to the address its receiver must use (the inside address
   *  becomes the public one for a receiver outside, the public one the
   *  inside one for a receiver inside). Only with PINHOLE_NAT_STATIC. */
  PINHOLE_RULE_DNS_DOCTOR = 0x01
};

/**
 * Appends a rule (evaluated after the ones before it).
 * @return the rule index (>= 0), PINHOLE_ERR_INVALID_ARG (bad action,
 *         NAT type, prefix length, unknown pool, DEST/STATIC without
 *         nat_addr, unknown flags, PINHOLE_RULE_DNS_DOCTOR without static
 *         NAT, or since 0.2 an ALG of another protocol than the rule's
 *         proto), PINHOLE_ERR_ADDRESS (DEST/STATIC nat_addr in 0/8, 127/8,
 *         224/4 or 240/4), PINHOLE_ERR_NOT_FOUND (unknown ALG name),
 *         PINHOLE_ERR_STRUCT_SIZE or PINHOLE_ERR_FULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_rule_add(pinhole_ctx *ctx, const pinhole_rule *rule);

/** NAT64 prefixes a context holds, the well-known one included. */
#define PINHOLE_NAT64_PREFIX_MAX 8

/** Flags of pinhole_nat64_prefix_add(). @since 0.2 */
enum pinhole_nat64_flag {
  /** The well-known prefix 64:ff9b::/96 may also embed 198.18.0.0/15
   *  (RFC 2544 benchmarking addresses, which RFC 6052 sec. 3.1 would
   *  refuse there as non-global): for a lab whose "IPv4 Internet" is
   *  198.18/15. Every other non-global address stays refused. Only with
   *  the well-known prefix. */
  PINHOLE_NAT64_LAB = 0x01
};

/**
 * Adds a NAT64 prefix (RFC 6052 sec. 2): IPv6 destinations under it
 * embed the IPv4 address an inside IPv6 host reaches through NAT64
 * (RFC 6146). A context with IPv6 on (max_conns6 > 0) always has the
 * well-known prefix 64:ff9b::/96; adding it again only sets its flags.
 * Which packets are translated is the rules' choice: an IPv6 rule with
 * nat PINHOLE_NAT_SOURCE whose dst6 lies in a prefix (docs/nat64.md).
 *
 * @param ctx     the context (borrowed)
 * @param prefix  16 bytes, bits past plen ignored (borrowed)
 * @param plen    32, 40, 48, 56, 64 or 96
 * @param flags   pinhole_nat64_flag bits
 * @return 0; PINHOLE_ERR_INVALID_ARG (NULL, another plen, unknown flags,
 *         PINHOLE_NAT64_LAB with another prefix, a /96 prefix whose bits
 *         64-71 are set, IPv6 off); PINHOLE_ERR_EXISTS when the prefix
 *         (but the well-known one) is there already; PINHOLE_ERR_FULL
 *         past PINHOLE_NAT64_PREFIX_MAX.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_nat64_prefix_add(pinhole_ctx *ctx,
                                            const uint8_t prefix[16],
                                            unsigned plen, uint32_t flags);

/** Removes every rule (existing connections stay; once any allow list
 *  was set, their ALGs open nothing more: see pinhole_rule_alg_allow()).
 *  @since 0.1.0 */
PINHOLE_EXTERN void pinhole_rules_clear(pinhole_ctx *ctx);

/** Most identifiers pinhole_rule_alg_allow() keeps per rule. @since 0.2 */
#define PINHOLE_RULE_ALLOW_MAX 8

/**
 * Names an application a rule's ALG may open pinholes for, like a carrier
 * firewall's `rpc-program-number` and `ms-rpc-uuid` applications. A rule
 * with such a list lets its control connections (the portmapper on 111,
 * the endpoint mapper on 135) open a pinhole only for a listed program or
 * interface; an answer for any other one still passes (the client gets
 * it, rewritten under NAT as usual) but opens nothing, and counts as an
 * error of the ALG's portmap counter ("RPC portmap", "DCE-RPC portmap",
 * with Errors: ALG), with an ALG_ERROR event and an ERROR trace naming
 * the program or UUID. A rule without a list opens every program, as
 * before. Call it after pinhole_rule_add(), before traffic meets the
 * rule; the list is read when an answer arrives, so a connection sees
 * identifiers added later. After pinhole_rules_clear(), a connection whose
 * rule is gone opens nothing for the ALGs that take lists once any list
 * was ever set in the context (fail closed), and everything otherwise.
 *
 * @param ctx the context
 * @param rule a rule index returned by pinhole_rule_add() (since the last
 *        pinhole_rules_clear())
 * @param id NUL-terminated text, borrowed for the call. For a rule whose
 *        alg is "rpc": an RPC program number in decimal ("100024" for
 *        status, "100003" for NFS), 0..4294967295. For "dcerpc": an
 *        interface UUID "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex, any
 *        case), matched against the interface floor of each tower the
 *        endpoint mapper returns.
 * @return 0 (listed; an identifier already listed is not listed twice),
 *         PINHOLE_ERR_INVALID_ARG (ctx or id NULL, rule not a current
 *         rule index or removed by pinhole_rule_del()),
 *         PINHOLE_ERR_UNSUPPORTED (the rule's alg is not the
 *         name of an ALG that takes a list: "rpc" or "dcerpc"; a rule that
 *         picks its ALG by port takes none), PINHOLE_ERR_PARSE (id is not
 *         an identifier of that ALG), PINHOLE_ERR_FULL (the rule already
 *         lists PINHOLE_RULE_ALLOW_MAX identifiers).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_rule_alg_allow(pinhole_ctx *ctx, int rule,
                                          const char *id);

/* ------------------------------------------------------------------ */
/* ALGs                                                                */

/** Number of built-in ALGs. @since 0.1.0 */
PINHOLE_EXTERN int pinhole_alg_count(void);
/** Name of ALG i ("ftp"), or NULL when out of range. @since 0.1.0 */
PINHOLE_EXTERN const char *pinhole_alg_name(int i);

/* ------------------------------------------------------------------ */
/* Counters                                                            */

/**
 * Counter indices for pinhole_stats(). Stable; appended only. The names
 * (pinhole_counter_name) follow a carrier firewall's "statistics".
 */
enum pinhole_counter {
  /* New flows */
  PINHOLE_CNT_NEW_ACCEPT = 0,
  PINHOLE_CNT_NEW_DISCARD,
  PINHOLE_CNT_NEW_REJECT,
  /* Existing flows */
  PINHOLE_CNT_EXIST_ACCEPT,
  PINHOLE_CNT_EXIST_DISCARD,
  PINHOLE_CNT_EXIST_REJECT,
  /* Drops */
  PINHOLE_CNT_DROP_IP_OPTION,
  PINHOLE_CNT_DROP_SYN_DEFENSE,
  PINHOLE_CNT_DROP_NAT_PORTS,
  /* Errors */
  PINHOLE_CNT_ERR_IP,
  PINHOLE_CNT_ERR_TCP,
  PINHOLE_CNT_ERR_UDP,
  PINHOLE_CNT_ERR_ICMP,
  PINHOLE_CNT_ERR_NON_IP,
  PINHOLE_CNT_ERR_ALG,
  /* IP errors */
  PINHOLE_CNT_IP_LEN,
  PINHOLE_CNT_IP_MIN_HDR,
  PINHOLE_CNT_IP_MAX_LEN,
  PINHOLE_CNT_IP_SRC,
  PINHOLE_CNT_IP_DST,
  PINHOLE_CNT_IP_TTL_ZERO,
  PINHOLE_CNT_IP_PROTO,
  PINHOLE_CNT_IP_LAND,
  PINHOLE_CNT_IP_NON_IPV4,
  PINHOLE_CNT_IP_CKSUM,
  PINHOLE_CNT_IP_FRAG_LEN,
  PINHOLE_CNT_IP_FRAG_OVERLAP,
  PINHOLE_CNT_IP_FRAG_TIMEOUT,
  PINHOLE_CNT_IP_UNKNOWN,
  /* TCP errors */
  PINHOLE_CNT_TCP_HDR_LEN,
  PINHOLE_CNT_TCP_PORT_ZERO,
  PINHOLE_CNT_TCP_FLAGS,
  PINHOLE_CNT_TCP_SYN_ATTACK,
  PINHOLE_CNT_TCP_NOT_SYN,
  PINHOLE_CNT_TCP_PORT_SCAN,
  PINHOLE_CNT_TCP_SYN_COOKIE,
  /* UDP errors */
  PINHOLE_CNT_UDP_SHORT,
  PINHOLE_CNT_UDP_PORT_ZERO,
  PINHOLE_CNT_UDP_PORT_SCAN,
  /* ICMP errors */
  PINHOLE_CNT_ICMP_SHORT,
  PINHOLE_CNT_ICMP_ERR_LEN,
  PINHOLE_CNT_ICMP_DUP_SEQ,
  PINHOLE_CNT_ICMP_MISMATCH_SEQ,
  /* ALG errors */
  PINHOLE_CNT_ALG_BOOTP,
  PINHOLE_CNT_ALG_DCERPC,
  PINHOLE_CNT_ALG_DCERPC_PORTMAP,
  PINHOLE_CNT_ALG_DNS,
  PINHOLE_CNT_ALG_EXEC,
  PINHOLE_CNT_ALG_FTP,
  PINHOLE_CNT_ALG_H323,
  PINHOLE_CNT_ALG_ICMP,
  PINHOLE_CNT_ALG_IIOP,
  PINHOLE_CNT_ALG_LOGIN,
  PINHOLE_CNT_ALG_NETBIOS,
  PINHOLE_CNT_ALG_NETSHOW,
  PINHOLE_CNT_ALG_REALAUDIO,
  PINHOLE_CNT_ALG_RPC,
  PINHOLE_CNT_ALG_RPC_PORTMAP,
  PINHOLE_CNT_ALG_RTSP,
  PINHOLE_CNT_ALG_SHELL,
  PINHOLE_CNT_ALG_SIP,
  PINHOLE_CNT_ALG_SNMP,
  PINHOLE_CNT_ALG_SQLNET,
  PINHOLE_CNT_ALG_TFTP,
  PINHOLE_CNT_ALG_TRACEROUTE,
  /* Beyond the carrier list */
  PINHOLE_CNT_UDP_LEN,           /**< UDP length field inconsistent */
  PINHOLE_CNT_DROP_FLOW_FULL,    /**< flow or conversation table full */
  PINHOLE_CNT_DROP_PINHOLE_FULL, /**< pinhole table or per-conv bound hit */
  PINHOLE_CNT_DROP_NO_RULE,      /**< new connection matched no rule */
  PINHOLE_CNT_DROP_TOO_BIG,      /**< rewrite would exceed the packet's cap */
  PINHOLE_CNT_PINHOLE_CREATED,
  PINHOLE_CNT_PINHOLE_USED,
  PINHOLE_CNT_PINHOLE_EXPIRED,
  PINHOLE_CNT_FLOWS_EXPIRED,
  PINHOLE_CNT_FRAGMENTS,       /**< later fragments that could not be matched */
  PINHOLE_CNT_DROP_HOST_LIMIT, /**< an inside host reached max_ports_per_host */
  /** @since 0.2 */
  PINHOLE_CNT_ALG_WITHHELD,     /**< a split message withheld (segment dropped
                                     until it is resent whole); no longer
                                     counted since the reassembly of 0.2
                                     (PINHOLE_CNT_REASM_*) */
  PINHOLE_CNT_ALG_UNTRANSLATED, /**< a message an ALG could not translate,
                                     dropped (fail closed) */
  PINHOLE_CNT_ALG_DESYNC,       /**< an ALG stopped parsing a direction of a
                                     control connection: not its protocol */
  /** A TCP RST inside the receiver's window but not at the exact next
   *  sequence number (RFC 5961 sec. 3.2): dropped, the connection kept.
   *  A TCP error. @since 0.2 */
  PINHOLE_CNT_TCP_RST_IN_WINDOW,
  /** A UDP control connection its ALG closed at once because its
   *  exchange was complete (the DNS quick teardown: every query it
   *  carried has its answer). @since 0.2 */
  PINHOLE_CNT_ALG_QUICK_CLOSE,
  /** Errors of the PPTP ALG (RFC 2637 control connection: a message
   *  whose length or type is wrong, a call ID that collides, a call the
   *  ALG does not know). The operator's list of ALG error counters has no
   *  PPTP entry, so it is appended here; counted with "Errors: ALG" like
   *  the others. @since 0.2 */
  PINHOLE_CNT_ALG_PPTP,
  /** An enhanced GRE packet (PPTP data) whose key names no call a PPTP
   *  ALG set up: dropped (and counted as a new flow discarded).
   *  @since 0.2 */
  PINHOLE_CNT_GRE_NO_CALL,
  /** A port block given to a subscriber (PBA). @since 0.2 */
  PINHOLE_CNT_PBA_BLOCK_ALLOC,
  /** A port block returned to its pool. @since 0.2 */
  PINHOLE_CNT_PBA_BLOCK_RELEASE,
  /** A new mapping refused because its subscriber's blocks were all full
   *  and it had max_blocks of them (a drop). @since 0.2 */
  PINHOLE_CNT_PBA_QUOTA,
  /** A new connection (or a pinhole's data connection) refused because
   *  the NAT pool its rule names was removed by pinhole_pool_del(): fail
   *  closed, counted also as a new flow discarded, with a RULE_DISCARD
   *  event whose reason is "NAT pool removed"; also an ALG mapping a
   *  kept conversation asked of that pool (NAT_PORTS_EXHAUSTED event,
   *  same reason). @since 0.2 */
  PINHOLE_CNT_NAT_POOL_REMOVED,
  /** Interim records of port blocks and address bindings
   *  (PORT_BLOCK_ACTIVE, ADDRESS_ACTIVE). @since 0.2 */
  PINHOLE_CNT_CGN_INTERIM,
  /** An inside address bound to a public address (PINHOLE_POOL_ADDRESS).
   *  @since 0.2 */
  PINHOLE_CNT_ADDR_BIND,
  /** ... and released. @since 0.2 */
  PINHOLE_CNT_ADDR_RELEASE,
  /** A new mapping refused because every address of its ADDRESS pool was
   *  bound to another inside address (a drop). @since 0.2 */
  PINHOLE_CNT_DROP_NAT_ADDRS,
  /** A split message whose bytes the library began to hold (TCP segments
   *  or IP fragments of a Watch connection). @since 0.2 */
  PINHOLE_CNT_REASM_HELD,
  /** A held message completed and handed to its ALG whole. @since 0.2 */
  PINHOLE_CNT_REASM_COMPLETED,
  /** A held message whose rest did not arrive within hold_timeout_ms.
   *  @since 0.2 */
  PINHOLE_CNT_REASM_TIMEOUT,
  /** A message not held (or no longer held) because the pool, the
   *  number of held messages or the conversation's share was full.
   *  @since 0.2 */
  PINHOLE_CNT_REASM_OVERFLOW,
  /** A split message longer than hold_msg_max. @since 0.2 */
  PINHOLE_CNT_REASM_TOO_BIG,
  /** A TCP segment that carried bytes the library held or had already
   *  merged and sent (a retransmission): the held copy kept, the segment
   *  dropped or sent on without its payload (docs/reassembly.md). A
   *  sender that waits for the held bytes to be acknowledged (Nagle)
   *  completes its message with such a retransmission. @since 0.2 */
  PINHOLE_CNT_REASM_RESENT,
  /** A TCP segment whose bytes differ from the held bytes it overlaps:
   *  dropped (fail closed), the held copy kept. @since 0.2 */
  PINHOLE_CNT_REASM_CONFLICT,
  /** A TCP segment past the end of a held message (an earlier one is
   *  missing): dropped, the sender sends it again. @since 0.2 */
  PINHOLE_CNT_REASM_OUT_OF_ORDER,
  /** A UDP datagram over IPv6 with checksum 0 (RFC 8200 sec. 8.1
   *  forbids it): a UDP error. @since 0.2 */
  PINHOLE_CNT_UDP6_CKSUM_ZERO,
  /** An IPv6 first fragment dropped because it cannot be tracked: no
   *  free fragment entry (max_fragments), or a fragmented ND, MLD or
   *  ICMPv6 error message, which has no connection for its later
   *  fragments to follow (docs/ipv6.md "Fragments"). An IP error.
   *  @since 0.2 */
  PINHOLE_CNT_IP6_FRAGMENT,
  /** A packet translated between IPv6 and IPv4 by NAT64 (RFC 6146), in
   *  either direction, ICMP errors included. @since 0.2 */
  PINHOLE_CNT_NAT64_XLAT,
  /** A NAT64 destination refused: the IPv4 address its prefix embeds
   *  may not be reached (the well-known prefix and a non-global address,
   *  RFC 6052 sec. 3.1; 0/8, 127/8, multicast, broadcast; a pool address
   *  and port no NAT64 mapping holds, or an echo to a pool address: only
   *  a NAT64 mapping is hairpinned, RFC 6146 sec. 3.8), or its u octet
   *  is not zero. Dropped as a new flow. @since 0.2 */
  PINHOLE_CNT_NAT64_DST,
  /** A NAT64 packet RFC 7915 does not translate (an ICMP type without a
   *  mapping, a source route, a fragmented ICMP message, a quote that
   *  does not translate) or whose translation is no valid packet:
   *  dropped. @since 0.2 */
  PINHOLE_CNT_NAT64_FAIL,
  /** An IPv4 packet whose IPv6 translation (20 bytes longer, or more)
   *  does not fit the packet's cap: dropped. @since 0.2 */
  PINHOLE_CNT_NAT64_NOBUF,
  /** A fragment of a NAT64 connection that is not translated: an ICMP
   *  or ICMPv6 message in fragments, an IPv4 UDP datagram in fragments
   *  without a checksum (RFC 7915 sec. 4.5); dropped, with the rest of
   *  its datagram (docs/nat64.md "Fragments"). @since 0.2 */
  PINHOLE_CNT_NAT64_FRAGMENT,
  /** A TCP segment of a connection an ALG watches that begins past the
   *  next byte the ALG expects (an earlier segment is missing): where a
   *  message begins in it is unknown, so it is dropped (fail closed) and
   *  the sender sends it again after the missing one; also counted as an
   *  existing-flow discard (docs/reassembly.md). @since 0.2 */
  PINHOLE_CNT_REASM_GAP,
  /** A new TCP connection refused because every connection slot with
   *  TCP windows was taken (pinhole_config.max_tcp_conns), while slots
   *  for other protocols were left; also counted as a full flow table
   *  (PINHOLE_CNT_DROP_FLOW_FULL). @since 0.2 */
  PINHOLE_CNT_DROP_TCP_FULL
};

/** Number of counters this library version has. @since 0.1.0 */
PINHOLE_EXTERN int pinhole_counter_count(void);

/** Name of counter i ("Accepts", "TTL zero"...), or NULL. @since 0.1.0 */
PINHOLE_EXTERN const char *pinhole_counter_name(int i);

/**
 * Stable key of counter i: its enumerator's stem ("NEW_ACCEPT" for
 * PINHOLE_CNT_NEW_ACCEPT), unique where display names repeat. NULL when
 * out of range.
 * @since 0.1.0
 */
PINHOLE_EXTERN const char *pinhole_counter_key(int i);

/**
 * Copies min(n, pinhole_counter_count()) counters into out.
 * @return the number copied, or PINHOLE_ERR_INVALID_ARG.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_stats(const pinhole_ctx *ctx, uint64_t *out,
                                 size_t n);

/** Resets every counter to zero. @since 0.1.0 */
PINHOLE_EXTERN void pinhole_stats_reset(pinhole_ctx *ctx);

/**
 * Formats the counters as a carrier firewall's "statistics extensive":
 * sections (New flows, Existing flows, Drops, Errors, IP errors, TCP
 * errors, UDP errors, ICMP errors, ALG errors, Other) in the documented
 * grouped layout ("    Accepts: 1347, Discards: 0, Rejects: 0"), headed
 * by "Interface: ..., Service set: ..." when labelled (pinhole_labels_set;
 * since 0.2, which also brought the grouped layout). snprintf semantics.
 * @return the length needed (excluding NUL), or PINHOLE_ERR_INVALID_ARG.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_stats_format(const pinhole_ctx *ctx, char *buf,
                                        size_t len);

/** Table occupancy. */
typedef struct pinhole_usage {
  size_t size;
  uint32_t flows, max_flows;
  uint32_t conversations, max_conversations;
  uint32_t mappings, max_mappings;
  uint32_t pinholes, max_pinholes;
  uint32_t watch, max_watch;
  uint32_t half_open;
  uint32_t pad_;
  uint64_t memory_bytes;             /**< bytes allocated at creation */
  uint32_t fragments, max_fragments; /**< datagrams being reassembled */
  /** @since 0.2: of flows, the IPv6 connections, and their limit
   *  (max_conns6); flows counts both families, so it may reach
   *  max_flows + max_flows6 */
  uint32_t flows6, max_flows6;
  /** @since 0.2: of conversations, the ALG sessions', each in one of
   *  max_conversations records (a plain connection is a conversation of
   *  its own without a record, so conversations may pass
   *  max_conversations) */
  uint32_t alg_conversations;
  uint32_t pad2_;
} pinhole_usage;

/**
 * Fills *u (u->size must be set by the caller).
 * @return 0, PINHOLE_ERR_INVALID_ARG or PINHOLE_ERR_STRUCT_SIZE.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_usage_get(const pinhole_ctx *ctx, pinhole_usage *u);

/* ------------------------------------------------------------------ */
/* Conversations                                                       */

/** Flow direction within its conversation. */
enum pinhole_dir {
  PINHOLE_DIR_I = 0, /**< from the conversation's initiator */
  PINHOLE_DIR_O = 1  /**< from its responder */
};

/**
 * One flow (one direction of one connection) in a listing. Borrowed for
 * the duration of the visitor call. src/dst: as the packets arrive;
 * out_src/out_dst: as they leave.
 */
typedef struct pinhole_flow_info {
  size_t size;
  uint32_t conv_id;
  const char *alg; /**< conversation's ALG name, or "none" */
  uint32_t initiators,
      responders; /**< flows per direction in the conversation */
  uint8_t proto;
  uint8_t dir;   /**< pinhole_dir */
  uint8_t state; /**< pinhole_flow_state */
  uint8_t side;  /**< side its packets arrive on */
  pinhole_endpoint src, dst, out_src, out_dst;
  uint64_t frames, bytes;
  uint32_t idle_ms; /**< since the connection's last packet */
  uint32_t pad_;
  /** @since 0.2: 6 for an IPv6 connection (src6/dst6 hold its packets'
   *  addresses as they arrive, the .addr fields are 0, nothing is
   *  translated); 0 for IPv4 */
  uint8_t family;
  uint8_t src6[16], dst6[16];
  /** @since 0.2: a NAT64 connection's row (docs/nat64.md): the family of
   *  out_src/out_dst when it is not the row's own (4: their .addr hold
   *  the IPv4 endpoints; 6: out_src6/out_dst6 hold the IPv6 addresses,
   *  the ports stay in out_src, out_dst); 0 for a row translated within
   *  its family or not at all */
  uint8_t out_family;
  uint8_t out_src6[16], out_dst6[16];
} pinhole_flow_info;

/** Visitor; return non-zero to stop the walk. */
typedef int (*pinhole_flow_visit_fn)(const pinhole_flow_info *fi, void *user);

/**
 * Visits every flow, conversation by conversation (ascending id), within
 * one conversation its I flows then its O flows, each in creation order.
 * @return the number of flows visited, or PINHOLE_ERR_INVALID_ARG.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_flows_visit(const pinhole_ctx *ctx,
                                       pinhole_flow_visit_fn fn, void *user);

/**
 * Formats every conversation as a carrier firewall lists them:
 *   Conversation: ALG protocol: ftp
 *     Number of initiators: 2, Number of responders: 2
 *   Flow                                          State    Dir  Frm count
 *   TCP 198.18.0.2:14083 -> 198.19.0.2:21          Watch    I         13
 *       NAT source 198.18.0.2:14083 -> 198.19.0.1:50118
 * snprintf semantics.
 * @return the length needed (excluding NUL), or PINHOLE_ERR_INVALID_ARG.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_conversations_format(const pinhole_ctx *ctx,
                                                char *buf, size_t len);

/** Public structs, for pinhole_struct_size(). */
enum pinhole_struct {
  PINHOLE_STRUCT_CONFIG = 1,
  PINHOLE_STRUCT_CALLBACKS = 2,
  PINHOLE_STRUCT_PKT = 3,
  PINHOLE_STRUCT_POOL = 4,
  PINHOLE_STRUCT_RULE = 5,
  PINHOLE_STRUCT_EVENT = 6,
  PINHOLE_STRUCT_TRACE = 7,
  PINHOLE_STRUCT_FLOW_INFO = 8,
  PINHOLE_STRUCT_USAGE = 9,
  PINHOLE_STRUCT_PKT_VIEW = 10
};

/**
 * The size of a public struct as this library was built, so a language
 * binding can check the layout it declares without a C compiler.
 * @return the size in bytes, or 0 for an unknown value.
 * @since 0.1.0
 */
PINHOLE_EXTERN size_t pinhole_struct_size(int which);

/**
 * Formats an IPv4 address ("198.18.0.1") into buf (at least 16 bytes).
 * @return the length written, or PINHOLE_ERR_NOBUF.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_addr_format(uint32_t addr, char *buf, size_t len);

/**
 * Parses a dotted-quad IPv4 address (NUL-terminated).
 * @return 0 or PINHOLE_ERR_PARSE.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_addr_parse(const char *s, uint32_t *addr);

#ifdef __cplusplus
}
#endif

/* Operator features of 0.2: labels, session management (operator.h). */
#include <pinhole/operator.h>

#endif /* PINHOLE_PINHOLE_H */

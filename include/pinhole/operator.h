/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole - the operator's view and session management (0.2).
 *
 * Included by <pinhole/pinhole.h>; a host never includes it alone.
 *
 * Labels head the listing and the statistics ("Interface: ..., Service
 * set: ..."); filters select conversations as an operator names them
 * (application-protocol, prefix, port, state); conversations can be
 * cleared, a flow looked up by its tuple, pending pinholes listed, and
 * timeouts changed while the context runs.
 */
#ifndef PINHOLE_OPERATOR_H
#define PINHOLE_OPERATOR_H

#include <pinhole/pinhole.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The longest label, its NUL included. */
#define PINHOLE_LABEL_MAX 64

/**
 * Labels the context as the operator names it: the interface and the
 * service set. When either is set, pinhole_stats_format() and
 * pinhole_conversations_format() begin with
 * "Interface: IF, Service set: SET". The strings are copied.
 * @param ctx the context.
 * @param interface printable ASCII, shorter than PINHOLE_LABEL_MAX; NULL
 *        or "" removes it.
 * @param service_set the same.
 * @return 0; PINHOLE_ERR_INVALID_ARG for a NULL ctx; PINHOLE_ERR_RANGE
 *         for a label too long or with a byte outside 0x20..0x7e (the
 *         labels are then unchanged).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_labels_set(pinhole_ctx *ctx, const char *interface,
                                      const char *service_set);

/**
 * Which conversations an operation selects. Every criterion left at 0 /
 * NULL matches everything; the criteria set must all hold. Initialise
 * with memset 0 and set size = sizeof.
 */
typedef struct pinhole_conv_filter {
  size_t size;
  const char *alg;  /**< ALG name ("ftp"), "none" for no ALG; NULL = any */
  uint32_t conv_id; /**< one conversation; 0 = any */
  uint32_t addr;    /**< an endpoint of one of its flows in addr/prefix */
  uint8_t prefix;   /**< 0..32; 0 = any address */
  uint8_t state;    /**< pinhole_flow_state it has a flow in; 0 = any */
  uint16_t port;    /**< an endpoint port of one of its flows; 0 = any */
} pinhole_conv_filter;

/**
 * Formats the conversations f selects, as pinhole_conversations_format()
 * does (f NULL: all of them).
 * @return the length needed (excluding NUL); PINHOLE_ERR_INVALID_ARG;
 *         PINHOLE_ERR_STRUCT_SIZE for a filter whose size is not known;
 *         PINHOLE_ERR_RANGE for a prefix over 32.
 * @since 0.2
 */
PINHOLE_EXTERN int
pinhole_conversations_format_filter(const pinhole_ctx *ctx,
                                    const pinhole_conv_filter *f, char *buf,
                                    size_t len);

/**
 * Clears the conversations f selects (f NULL: all), as
 * "clear services stateful-firewall flows" does: every connection is
 * closed (a PINHOLE_EVENT_FLOW_CLOSED event, reason "cleared", with its
 * frame and byte counts), its NAPT mappings released (MAPPING_RELEASED
 * when the last reference goes), and every pending pinhole removed (a
 * PINHOLE_EVENT_PINHOLE_EXPIRED event; not counted as expired). Counters are
 * not changed.
 * @return the number of conversations cleared; PINHOLE_ERR_INVALID_ARG;
 *         PINHOLE_ERR_STRUCT_SIZE; PINHOLE_ERR_RANGE (prefix over 32).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_conversations_clear(pinhole_ctx *ctx,
                                               const pinhole_conv_filter *f);

/**
 * Looks a flow up by the tuple of its packets as they arrive on side
 * (either side's view: the inside host's own tuple, or the outside
 * peer's tuple towards the public endpoint), and describes it.
 * @param out filled; out->size must be set by the caller.
 * @return 0; PINHOLE_ERR_NOT_FOUND; PINHOLE_ERR_INVALID_ARG;
 *         PINHOLE_ERR_STRUCT_SIZE.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_flow_lookup(const pinhole_ctx *ctx, int side,
                                       uint8_t proto,
                                       const pinhole_endpoint *src,
                                       const pinhole_endpoint *dst,
                                       pinhole_flow_info *out);

/** One pending pinhole, borrowed for the visitor call. */
typedef struct pinhole_pinhole_info {
  size_t size;
  uint32_t conv_id; /**< parent conversation */
  const char *alg;  /**< ALG that announced it */
  uint8_t proto;
  uint8_t side;         /**< side its first packet will arrive on */
  uint16_t sport_hi;    /**< nonzero: any source port src.port..sport_hi */
  pinhole_endpoint src; /**< expected source (port 0: any) */
  pinhole_endpoint dst; /**< expected destination */
  pinhole_endpoint to;  /**< destination after translation */
  uint32_t expires_ms;  /**< until it expires unused */
  uint32_t pad_;
} pinhole_pinhole_info;

/** Visitor; return non-zero to stop the walk. */
typedef int (*pinhole_pinhole_visit_fn)(const pinhole_pinhole_info *pi,
                                        void *user);

/**
 * Visits every pending pinhole, conversation by conversation (ascending
 * id), newest first within one.
 * @return the number visited, or PINHOLE_ERR_INVALID_ARG.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_pinholes_visit(const pinhole_ctx *ctx,
                                          pinhole_pinhole_visit_fn fn,
                                          void *user);

/** Timeouts pinhole_timeout_set() changes (pinhole_config's names). */
enum pinhole_timeout {
  PINHOLE_TIMEOUT_TCP_SYN = 1,   /**< tcp_syn_timeout_s */
  PINHOLE_TIMEOUT_TCP_EST = 2,   /**< tcp_est_timeout_s */
  PINHOLE_TIMEOUT_TCP_TRANS = 3, /**< tcp_trans_timeout_s */
  PINHOLE_TIMEOUT_UDP = 4,       /**< udp_timeout_s */
  PINHOLE_TIMEOUT_ICMP = 5,      /**< icmp_timeout_s */
  PINHOLE_TIMEOUT_PINHOLE = 6    /**< pinhole_timeout_ms, in ms */
};

/**
 * Changes one timeout while the context runs. Connection timeouts are
 * in seconds (1 .. 30 days), the pinhole lifetime in milliseconds (1 ..
 * 1 day), as in pinhole_config. Existing connections use the new idle
 * timeout from their next timer check (a longer one re-arms, a shorter
 * one takes effect when their current timer fires); pinholes already
 * open keep their lifetime.
 * @return 0; PINHOLE_ERR_INVALID_ARG (NULL ctx, unknown which);
 *         PINHOLE_ERR_RANGE (value out of range).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_timeout_set(pinhole_ctx *ctx, int which,
                                       uint32_t value);

/**
 * The listing as JSON, one object per flow and line (f NULL: every
 * conversation): {"conversation":1,"alg":"ftp","proto":6,"state":"Watch",
 * "dir":"I","src":"198.18.0.100","src_port":40000,"dst":...,"dst_port":...,
 * "nat_src":...,"nat_src_port":...,"nat_dst":...,"nat_dst_port":...,
 * "frames":3,"bytes":144,"pending":false}; a pending pinhole is a Forward
 * flow with "pending":true. snprintf semantics.
 * @return the length needed (excluding NUL); PINHOLE_ERR_INVALID_ARG;
 *         PINHOLE_ERR_STRUCT_SIZE; PINHOLE_ERR_RANGE (prefix over 32).
 * @since 0.2
 */
PINHOLE_EXTERN int
pinhole_conversations_format_json(const pinhole_ctx *ctx,
                                  const pinhole_conv_filter *f, char *buf,
                                  size_t len);

/**
 * The counters as one JSON object on one line, keyed by the stable keys
 * of pinhole_counter_key(): {"NEW_ACCEPT":2,...}. snprintf semantics.
 * @return the length needed (excluding NUL), or PINHOLE_ERR_INVALID_ARG.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_stats_format_json(const pinhole_ctx *ctx, char *buf,
                                             size_t len);

/**
 * An event as one JSON object without a newline: "event" (the name
 * pinhole_event_name gives), "time_ns", "conversation", "proto", "side",
 * the four endpoints as in the listing's JSON, "state", "rule", "alg",
 * "reason" (null when absent; strings escaped per RFC 8259, non-ASCII
 * bytes as \u00XX), and for FLOW_CLOSED "frames_i", "frames_o",
 * "bytes_i", "bytes_o". snprintf semantics.
 * @return the length needed (excluding NUL), or PINHOLE_ERR_INVALID_ARG.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_event_format_json(const pinhole_event *ev, char *buf,
                                             size_t len);

/** pinhole_rule_del() flags. @since 0.2 */
enum pinhole_rule_del_flags {
  /** also clear the conversations the rule accepted, as
   *  pinhole_conversations_clear() does (events, mappings released) */
  PINHOLE_RULE_DEL_FLUSH = 1
};

/**
 * Removes one rule: it matches no new connection from now on, and its
 * ALGs' allow list is gone (a connection it accepted opens pinholes as
 * after pinhole_rules_clear(): nothing for the ALGs that take lists once
 * any list was set, everything otherwise). The other rules keep their
 * indices and their order; the removed rule's index is not reused and
 * still counts against max_rules until pinhole_rules_clear().
 * Connections it accepted stay (flags 0) or are cleared with their whole
 * conversations (PINHOLE_RULE_DEL_FLUSH: their pinholes, flows and
 * mappings, with the events pinhole_conversations_clear() sends).
 * @param ctx the context
 * @param rule an index pinhole_rule_add() returned since the last
 *        pinhole_rules_clear(), not yet removed
 * @param flags pinhole_rule_del_flags, or 0
 * @return the number of conversations cleared (0 without the flag);
 *         PINHOLE_ERR_INVALID_ARG (ctx NULL, rule not a current rule
 *         index or already removed, an unknown flag).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_rule_del(pinhole_ctx *ctx, int rule, int flags);

/** pinhole_pool_del() flags. @since 0.2 */
enum pinhole_pool_del_flags {
  /** also clear every conversation that holds a mapping of the pool (or
   *  a pending pinhole that would take one), as
   *  pinhole_conversations_clear() does (events, mappings released) */
  PINHOLE_POOL_DEL_FLUSH = 1
};

/**
 * Removes one NAT pool: no new mapping comes from it from now on. The
 * rules that name it fail closed: each new connection they accept is
 * dropped, counted under PINHOLE_CNT_NAT_POOL_REMOVED (and New flows:
 * Discards), with a PINHOLE_EVENT_RULE_DISCARD event naming the rule,
 * reason "NAT pool removed"; a pinhole's data connection that would have
 * been mapped from it is dropped the same way (no rule named); an ALG of
 * a kept conversation gets no new mapping from it (counted the same, a
 * NAT_PORTS_EXHAUSTED event with that reason; the message goes on as
 * when a pool has no free port). A new
 * pinhole_rule_add() naming it fails. Its mappings, flows and pinholes
 * stay until they end (flags 0: outside packets still reach a kept
 * mapping) or are cleared with their whole conversations
 * (PINHOLE_POOL_DEL_FLUSH). PBA: a block whose mappings all ended is
 * released after the pool's hold time as before (PORT_BLOCK_RELEASED);
 * no block is allocated from it again. DETERMINISTIC: its mappings go the
 * same way; pinhole_det_forward() still computes the layout. The pool's
 * id is not reused and still counts against max_pools.
 * @param ctx the context
 * @param pool an id pinhole_pool_add() returned, not yet removed
 * @param flags pinhole_pool_del_flags, or 0
 * @return the number of conversations cleared (0 without the flag);
 *         PINHOLE_ERR_INVALID_ARG (ctx NULL, pool not a pool id or
 *         already removed, an unknown flag).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_pool_del(pinhole_ctx *ctx, int pool, int flags);

/** pinhole_event_format_syslog() flags. @since 0.2 */
enum pinhole_syslog_flags {
  /** begin with an RFC 5424 header: PRI (local0, informational; warning
   *  for the exhaustion and table-full events), VERSION 1, TIMESTAMP,
   *  HOSTNAME, APP-NAME "pinhole", PROCID "-", MSGID the tag, no
   *  structured data ("-") */
  PINHOLE_SYSLOG_RFC5424 = 1,
  /** the documented tag names of the carrier firewall: the five tags it
   *  defines become ASP_SFW_RULE_ACCEPT ... and the line begins with
   *  "{SERVICE-SET}[FWNAT]: " (the service set label, empty when unset) */
  PINHOLE_SYSLOG_ASP_TAGS = 2
};

/**
 * An event as the system-log line a carrier firewall's stateful firewall
 * writes, which operators' scripts already parse (docs/operator.md has
 * every event type's line):
 *   RULE_ACCEPT: proto 6 (TCP) application: rtsp,
 *   ms-1/3/0:198.18.0.2:35595 -> 198.19.0.2:554, Match SFW accept
 *   rule-set: , rule: allow_rtsp, term: 0
 * (one line, no newline). The source's interface is ctx's interface
 * label (pinhole_labels_set), or "inside"/"outside" (the side the packet
 * arrived on) when ctx is NULL or has none. snprintf semantics.
 * @param ctx            labels (borrowed), or NULL
 * @param ev             the event (borrowed)
 * @param flags          pinhole_syslog_flags, or 0
 * @param wall_offset_ns with PINHOLE_SYSLOG_RFC5424: Unix time (ns) at
 *                       the host's monotonic 0; ignored otherwise
 * @param hostname       with PINHOLE_SYSLOG_RFC5424: HOSTNAME (printable
 *                       ASCII, 1..255 bytes, no space) or NULL for "-"
 * @return the length the whole line needs (excluding NUL);
 *         PINHOLE_ERR_INVALID_ARG (ev NULL, buf NULL with len > 0, an
 *         unknown flag, a bad hostname).
 * @since 0.2
 */
PINHOLE_EXTERN int
pinhole_event_format_syslog(const pinhole_ctx *ctx, const pinhole_event *ev,
                            int flags, uint64_t wall_offset_ns,
                            const char *hostname, char *buf, size_t len);

/**
 * A trace record in the layout of the firewall's FTP ALG debug output
 * ("debug nat ftp"), one block of lines per record, each line ending in
 * "\n"; T is "YYYY-MM-DD HH:MM:SS" (UTC) of time_ns + wall_offset_ns:
 *   MESSAGE          "## T : received VERB command, TCP SEQ n ACK n" (the
 *                    SEQ/ACK part for TCP only; VERB the text's first
 *                    word: "PASV", "227", "INVITE", "RRQ" ...), then the
 *                    text as a hex/ASCII dump, 16 bytes a line:
 *                    "00000000: 32 32 37 20 ... 28  227 Ente ring Pas"
 *   PARSED           "## T : ALG VERB command: ip A, port N"
 *   TRANSLATED       "## T : ALG translated ip A, port N -> ip B, port M"
 *   PINHOLE_CREATED  "## T : ALG pinhole created: src ip A, dst ip B, src
 *                    port LO-HI, dst port N-N, protocol P, age S, zone Z,
 *                    parent conversation C" (S the lifetime in seconds,
 *                    rounded up; Z "inside"/"outside", where its first
 *                    packet will arrive)
 *   PINHOLE_USED / _EXPIRED  "## T : ALG pinhole used: ..." as created,
 *                    without age
 *   SEQ_DIFF         "## T : ALG seq diff OLD -> NEW, TCP SEQ n ACK n"
 *   ERROR / SKIPPED  "## T : ALG error: TEXT" / "## T : ALG skipped:", the
 *                    text dumped as for MESSAGE
 * docs/operator.md shows a whole FTP exchange. snprintf semantics.
 * @param tr             the record (borrowed)
 * @param wall_offset_ns Unix time (ns) at the host's monotonic 0
 * @return the length the whole block needs (excluding NUL);
 *         PINHOLE_ERR_INVALID_ARG (tr NULL, buf NULL with len > 0).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_trace_format_debug(const pinhole_trace *tr,
                                              uint64_t wall_offset_ns,
                                              char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_OPERATOR_H */

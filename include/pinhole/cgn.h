/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: carrier-grade NAT logging and lookup.
 *
 * - Deterministic NAT (RFC 7422): which public address and port range an
 *   inside address owns in a PINHOLE_POOL_DETERMINISTIC pool, and which
 *   inside address owns a public address and port. Both answer from the
 *   pool's configuration alone, without a context, so an operator's tool
 *   can answer "who used 198.19.0.7:40312" years later.
 * - IPFIX (RFC 7011) NAT event export with the Information Elements of
 *   RFC 8158: an exporter in caller storage turns pinhole_event records
 *   into IPFIX messages written into a host buffer and handed to a host
 *   callback (which sends them over UDP to a collector).
 * - RFC 5424 syslog lines for the same events, with the same facts as
 *   structured data.
 *
 * Nothing here allocates, reads a clock or keeps global state. Wall-clock
 * times are the host's: it gives the Unix time (ns) at which its monotonic
 * clock (the one pinhole_process gets) read zero.
 */
#ifndef PINHOLE_CGN_H
#define PINHOLE_CGN_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pinhole_pool;
struct pinhole_event;

/* ------------------------------------------------------------------ */
/* Deterministic NAT (RFC 7422)                                        */

/**
 * The layout of a deterministic pool: inside address number i of the
 * prefix (i = inside - inside_addr) uses public address
 * addr_lo + i / per_addr and ports
 * port_lo + (i % per_addr) * ports .. + ports - 1.
 * @since 0.2
 */
typedef struct pinhole_det_layout {
  uint32_t inside_count; /**< addresses in the inside prefix */
  uint32_t per_addr;     /**< inside addresses sharing one public address */
  uint32_t ports;        /**< ports per inside address */
  uint32_t pad_;
} pinhole_det_layout;

/**
 * Checks a PINHOLE_POOL_DETERMINISTIC pool and computes its layout,
 * with the same rules as pinhole_pool_add (but without a context: port
 * 0,0 is refused, as there is no context block to default to).
 * @param pool the pool as given to pinhole_pool_add (borrowed)
 * @param out  out: the layout (may be NULL)
 * @return 0, PINHOLE_ERR_INVALID_ARG (NULL, size, not DETERMINISTIC,
 *         addr_hi < addr_lo, ports 0 or port_lo > port_hi, host bits in
 *         inside_addr, pad_ not zero), PINHOLE_ERR_RANGE (more than 16
 *         public addresses, inside_plen outside 8..32, the prefix does not
 *         fit addresses x ports, block_size larger than fits),
 *         PINHOLE_ERR_ADDRESS (a public or inside address in 0/8, 127/8,
 *         224/4 or 240/4) or PINHOLE_ERR_STRUCT_SIZE.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_det_layout_get(const struct pinhole_pool *pool,
                                          pinhole_det_layout *out);

/**
 * Inside address -> its public address and port range.
 * @param pool     a DETERMINISTIC pool (borrowed)
 * @param inside   an address of the inside prefix
 * @param paddr    out: public address
 * @param port_lo  out: first port of its range
 * @param port_hi  out: last port of its range
 * @return 0, PINHOLE_ERR_NOT_FOUND (inside not in the prefix), or an
 *         error of pinhole_det_layout_get (the pool is not valid).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_det_forward(const struct pinhole_pool *pool,
                                       uint32_t inside, uint32_t *paddr,
                                       uint16_t *port_lo, uint16_t *port_hi);

/**
 * Public address and port -> the inside address that owns it.
 * @param pool   a DETERMINISTIC pool (borrowed)
 * @param inside out: the inside address
 * @return 0, PINHOLE_ERR_NOT_FOUND (paddr not a pool address, pport not
 *         in the pool's ports, or in ports no inside address owns: past
 *         the last whole range of an address or the prefix's end), or an
 *         error of pinhole_det_layout_get.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_det_reverse(const struct pinhole_pool *pool,
                                       uint32_t paddr, uint16_t pport,
                                       uint32_t *inside);

/* ------------------------------------------------------------------ */
/* IPFIX NAT event export (RFC 7011, RFC 8158)                         */

/** Template ids the exporter uses (one per record kind). @since 0.2 */
enum pinhole_ipfix_template {
  /** NAT44 session create (natEvent 4) / delete (5): FLOW_CREATED and
   *  FLOW_CLOSED of translated connections */
  PINHOLE_IPFIX_TMPL_SESSION = 256,
  /** NAT44 BIB create (8) / delete (9): MAPPING_CREATED / RELEASED */
  PINHOLE_IPFIX_TMPL_BIB = 257,
  /** NAT ports exhausted (12): NAT_PORTS_EXHAUSTED without a quota */
  PINHOLE_IPFIX_TMPL_PORTS_EXHAUSTED = 258,
  /** Quota exceeded (13), maximum entries per user: PORT_BLOCK_EXHAUSTED
   *  and NAT_PORTS_EXHAUSTED with a limit */
  PINHOLE_IPFIX_TMPL_QUOTA = 259,
  /** Port block allocation (16) / de-allocation (17); PORT_BLOCK_ACTIVE
   *  (interim) is sent as 16 again */
  PINHOLE_IPFIX_TMPL_PORT_BLOCK = 260,
  /** NAT Addresses exhausted (3), with natPoolId:
   *  NAT_ADDRESSES_EXHAUSTED. @since 0.2 */
  PINHOLE_IPFIX_TMPL_ADDRESSES_EXHAUSTED = 261,
  /** Address binding create (14) / delete (15): ADDRESS_BOUND (and its
   *  interim ADDRESS_ACTIVE) / ADDRESS_RELEASED. @since 0.2 */
  PINHOLE_IPFIX_TMPL_ADDRESS_BINDING = 262,
  /** NAT64 session create (natEvent 6) / delete (7): FLOW_CREATED and
   *  FLOW_CLOSED of NAT64 connections (event family 6 with an IPv4 side):
   *  sourceIPv6Address, destinationIPv6Address (the server under the
   *  NAT64 prefix) with the IPv4 post-NAT fields. @since 0.2 */
  PINHOLE_IPFIX_TMPL_SESSION64 = 263,
  /** NAT64 BIB create (10) / delete (11): MAPPING_CREATED / RELEASED of
   *  a NAT64 mapping (family 6): sourceIPv6Address. @since 0.2 */
  PINHOLE_IPFIX_TMPL_BIB64 = 264,
  /** Port block allocation (16) / de-allocation (17) of a NAT64
   *  subscriber (family 6): sourceIPv6Address. @since 0.2 */
  PINHOLE_IPFIX_TMPL_PORT_BLOCK64 = 265,
  /** Address binding create (14) / delete (15) of a NAT64 subscriber
   *  (family 6): sourceIPv6Address. @since 0.2 */
  PINHOLE_IPFIX_TMPL_ADDRESS_BINDING64 = 266,
  /** Quota exceeded (13) of a NAT64 subscriber (family 6):
   *  sourceIPv6Address. @since 0.2 */
  PINHOLE_IPFIX_TMPL_QUOTA64 = 267
};

/** The size of an IPFIX message header. @since 0.2 */
#define PINHOLE_IPFIX_HEADER_LEN 16
/** Bytes of the template set the exporter sends (all templates). */
#define PINHOLE_IPFIX_TEMPLATES_LEN 384
/** The smallest buffer that holds a message with the templates and one
 *  record of each kind. @since 0.2 */
#define PINHOLE_IPFIX_MIN_BUF 1024

/** Exporter configuration. Zero-fill, set size, then the fields. */
typedef struct pinhole_ipfix_config {
  size_t size;
  uint32_t observation_domain; /**< Observation Domain ID of the messages */
  /** resend the templates in the first message at least this long after
   *  they were last sent (s; RFC 7011 sec. 8.4 over UDP); 0 = 600 */
  uint32_t template_refresh_s;
  /** ... or after this many messages without them; 0 = never by count */
  uint32_t template_refresh_msgs;
  uint32_t pad_; /**< zero */
  /** Unix time (ns) when the host's monotonic clock read 0: added to
   *  event times for observationTimeMilliseconds and the export time */
  uint64_t wall_offset_ns;
  /** host buffer one message is built in (borrowed for the exporter's
   *  life); its length bounds every message (at most 65535 used): e.g.
   *  1400 for UDP on a 1500-byte MTU path */
  uint8_t *buf;
  size_t buf_len;
  /** called with each finished message (borrowed for the call; the
   *  buffer is reused afterwards) */
  void (*send)(const uint8_t *msg, size_t len, void *user);
  void *user;
} pinhole_ipfix_config;

/** Exporter counters (pinhole_ipfix.stats). @since 0.2 */
typedef struct pinhole_ipfix_stats {
  uint64_t records;   /**< data records sent */
  uint64_t messages;  /**< messages sent */
  uint64_t templates; /**< messages that carried the templates */
  uint64_t dropped;   /**< records that did not fit an empty message (buffer
                           too small): not sent, nothing else changed */
  uint64_t ignored;   /**< events that are not NAT events (not exported) */
} pinhole_ipfix_stats;

/** An IPFIX exporter. Caller storage; initialise with pinhole_ipfix_init;
 *  the fields but stats are private, the layout is ABI. @since 0.2 */
typedef struct pinhole_ipfix {
  pinhole_ipfix_config cfg;
  pinhole_ipfix_stats stats; /**< read freely */
  size_t used;               /**< private: bytes of the open message */
  size_t set_at;             /**< private: offset of the open data set */
  uint32_t set_id;           /**< private: its template id, 0 = none */
  uint32_t seq;              /**< private: records sent before this one */
  uint32_t open_records;     /**< private: records in the open message */
  uint32_t since_templates;  /**< private: messages since the templates */
  uint64_t templates_ns;     /**< private: when they were last sent */
  uint64_t last_ns;          /**< private: the latest event time seen */
  uint8_t templates_sent;    /**< private */
  uint8_t pad_[7];
} pinhole_ipfix;

/**
 * Initialises an exporter (nothing is sent yet).
 * @param x   caller storage, written whole
 * @param cfg configuration, copied (its buffer and user stay borrowed)
 * @return 0, PINHOLE_ERR_INVALID_ARG (NULL, no buffer or send callback,
 *         buf_len below PINHOLE_IPFIX_HEADER_LEN + 4, pad_ not zero) or
 *         PINHOLE_ERR_STRUCT_SIZE.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_ipfix_init(pinhole_ipfix *x,
                                      const pinhole_ipfix_config *cfg);

/**
 * Adds the record for one event to the open message; when it does not fit,
 * the open message is sent first. A message opened when the templates are
 * due (first message, refresh time or count) carries them first. Call it
 * from the event callback (it touches no context).
 * @param ev an event (borrowed); events that are not NAT events, and
 *        FLOW_* events of connections nothing translated, are ignored
 * @return 1 (a record added), 0 (ignored, counted in stats.ignored),
 *         PINHOLE_ERR_NOBUF (the record does not fit even an empty
 *         message of buf_len: counted in stats.dropped, nothing sent or
 *         changed) or PINHOLE_ERR_INVALID_ARG.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_ipfix_event(pinhole_ipfix *x,
                                       const struct pinhole_event *ev);

/**
 * Sends the open message, if it holds a record (call it every second or
 * so, so records do not wait for a full buffer).
 * @param now_ns host monotonic time (the export time when later than the
 *        last event's)
 * @return the number of records sent (0 when nothing was open) or
 *         PINHOLE_ERR_INVALID_ARG.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_ipfix_flush(pinhole_ipfix *x, uint64_t now_ns);

/**
 * The RFC 8158 natEvent value an event is exported with (3 addresses
 * exhausted, 4 NAT44 session create, 5 delete, 6/7 NAT64 session
 * create/delete (family 6 with an IPv4 side; an IPv6 connection with
 * none, firewalled or hairpinned, is not exported), 8/9 NAT44 BIB
 * create/delete, 10/11 NAT64 BIB create/delete (family 6), 12
 * ports exhausted, 13 quota exceeded, 14/15 address binding create/delete
 * (ADDRESS_ACTIVE: 14), 16/17 port block allocation/de-allocation
 * (PORT_BLOCK_ACTIVE: 16)), or 0 when it is not exported.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_ipfix_nat_event(const struct pinhole_event *ev);

/* ------------------------------------------------------------------ */
/* Syslog (RFC 5424)                                                   */

/**
 * Formats an event as one RFC 5424 syslog message without a trailing
 * newline:
 *   <134>1 2026-12-04T14:03:11.042Z gw pinhole - PORT_BLOCK_ALLOCATED
 *   [nat@32473 natEvent="16" proto="0" src="198.18.0.7" nsrc="198.19.0.1"
 *   portLo="40448" portHi="40959"]
 * PRI is facility local0, severity informational (warning for the
 * exhaustion events); MSGID the event's name; the structured data element
 * (SD-ID nat@32473, the documentation enterprise number of RFC 5612)
 * carries the same facts as the IPFIX record. snprintf semantics.
 * @param ev             the event (borrowed)
 * @param wall_offset_ns Unix time (ns) at the host's monotonic 0
 * @param hostname       HOSTNAME field (printable ASCII, at most 255
 *                       bytes, no space), or NULL for "-"
 * @return the length the whole line needs (excluding NUL),
 *         PINHOLE_ERR_INVALID_ARG (ev NULL, buf NULL with len > 0, a bad
 *         hostname).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_syslog_format(const struct pinhole_event *ev,
                                         uint64_t wall_offset_ns,
                                         const char *hostname, char *buf,
                                         size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_CGN_H */

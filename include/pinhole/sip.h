/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: SIP and SDP parsing and NAT rewriting.
 *
 * SIP (RFC 3261, RFC 3581 rport), SDP (RFC 8866, formerly RFC 4566), the
 * SDP a=rtcp attribute (RFC 3605) and multipart bodies (RFC 2046). The
 * steps, all pure:
 *
 *   pinhole_sip_prefix()     could the start of a stream still become a
 *                            message (decides whether to wait for more);
 *   pinhole_sip_parse()      frames one message and reads what an ALG needs
 *                            (method, status, Call-ID, CSeq, Expires,
 *                            Content-Length, Content-Type);
 *   pinhole_sip_sdp_find()   where its SDP is (the body, or the one SDP
 *                            part of a multipart body);
 *   pinhole_sip_sdp_parse()  reads the addresses and ports an SDP names;
 *   pinhole_sip_translate()  writes a copy of the message with the inside
 *                            endpoint's address replaced by the outside one
 *                            (or back), media ports mapped, Content-Length
 *                            fixed, and counts what it could not translate
 *                            (pinhole_sip_result.leftover: fail closed).
 *
 * Offsets in result structs are from the first byte given to the function
 * (the message for pinhole_sip_parse, the body for pinhole_sip_sdp_parse).
 * Addresses and ports are host byte order numbers. Only IPv4 literals in
 * canonical dotted-decimal form (no leading zeros) are recognised; host
 * names and IPv6 references are left alone. Nothing here allocates, keeps
 * state or reads past the length it is given.
 *
 * Error codes, one meaning each across these functions:
 *   PINHOLE_ERR_PARSE        malformed message, SDP or multipart body
 *   PINHOLE_ERR_PARTIAL      stream: more bytes needed
 *   PINHOLE_ERR_NOMATCH      keep-alive bytes, not a message (not an error)
 *   PINHOLE_ERR_RANGE        datagram whose Content-Length disagrees with
 *                            its length
 *   PINHOLE_ERR_POLICY       datagram carrying a second message
 *   PINHOLE_ERR_FULL         SDP with more than PINHOLE_SDP_MAX_MEDIA m=
 *   PINHOLE_ERR_UNSUPPORTED  well formed but not handled (encoded SDP,
 *                            nested multipart, two SDP parts, a rewrite
 *                            that would break a limit)
 *   PINHOLE_ERR_NOBUF, PINHOLE_ERR_INVALID_ARG, PINHOLE_ERR_STRUCT_SIZE
 */
#ifndef PINHOLE_SIP_H
#define PINHOLE_SIP_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Limits. A message beyond one of them is rejected, never truncated. */
#define PINHOLE_SIP_MAX_LINE 4096    /**< bytes in one line, without CRLF */
#define PINHOLE_SIP_MAX_HEADERS 64   /**< header fields (compact or not) */
#define PINHOLE_SIP_MAX_BODY 65535   /**< Content-Length / datagram body */
#define PINHOLE_SDP_MAX_MEDIA 16     /**< m= lines in one SDP body */
#define PINHOLE_SIP_MAX_PORT_MAPS 16 /**< media port mappings per rewrite */
#define PINHOLE_SIP_MAX_BOUNDARY 70  /**< multipart boundary (RFC 2046) */

/** A byte range [off, off + len) of the input. */
typedef struct pinhole_sip_range {
  size_t off;
  size_t len;
} pinhole_sip_range;

/** SIP methods (RFC 3261 and extensions). Method names are case-sensitive. */
enum pinhole_sip_method {
  PINHOLE_SIP_METHOD_OTHER = 0, /**< any other method token */
  PINHOLE_SIP_METHOD_INVITE = 1,
  PINHOLE_SIP_METHOD_ACK = 2,
  PINHOLE_SIP_METHOD_BYE = 3,
  PINHOLE_SIP_METHOD_CANCEL = 4,
  PINHOLE_SIP_METHOD_REGISTER = 5,
  PINHOLE_SIP_METHOD_OPTIONS = 6,
  PINHOLE_SIP_METHOD_UPDATE = 7, /**< RFC 3311 */
  PINHOLE_SIP_METHOD_PRACK = 8   /**< RFC 3262 */
};

/** Flags for pinhole_sip_parse() and pinhole_sip_nat.flags. */
enum pinhole_sip_parse_flag {
  /**
   * The bytes come from a stream (TCP): a message may be incomplete
   * (PINHOLE_ERR_PARTIAL), a missing Content-Length means an empty body,
   * and bytes after the message belong to the next one (two messages in
   * one segment are two calls). Without it the input is one UDP datagram:
   * it must hold one whole message; a missing Content-Length means the
   * body is the rest of the datagram; with Content-Length, the datagram
   * may go on after the body only with blank bytes (CR, LF, SP, HT), which
   * are not part of the message.
   */
  PINHOLE_SIP_STREAM = 0x01
};

/** Bits of pinhole_sip_msg.flags. */
enum pinhole_sip_msg_flag {
  PINHOLE_SIP_MSG_REQUEST = 0x001,         /**< request; clear: response */
  PINHOLE_SIP_MSG_CALL_ID = 0x002,         /**< Call-ID present */
  PINHOLE_SIP_MSG_CSEQ = 0x004,            /**< CSeq present */
  PINHOLE_SIP_MSG_CONTENT_LENGTH = 0x008,  /**< Content-Length present */
  PINHOLE_SIP_MSG_EXPIRES = 0x010,         /**< expires is valid */
  PINHOLE_SIP_MSG_CONTACT_EXPIRES = 0x020, /**< ... and came from Contact */
  PINHOLE_SIP_MSG_SDP = 0x040,             /**< Content-Type application/sdp */
  PINHOLE_SIP_MSG_ENCODED = 0x080,         /**< Content-Encoding not identity */
  PINHOLE_SIP_MSG_CONTACT = 0x100,         /**< at least one Contact field */
  PINHOLE_SIP_MSG_MULTIPART = 0x200        /**< Content-Type multipart/<any> */
};

/**
 * What pinhole_sip_parse() learned about one message. Caller-owned; fully
 * written on every call (zero where a field does not apply).
 */
typedef struct pinhole_sip_msg {
  uint32_t flags;        /**< pinhole_sip_msg_flag bits */
  uint32_t method;       /**< pinhole_sip_method: the request's, or for a
                              response the CSeq method */
  uint32_t status;       /**< response status code 100..699; 0 for requests */
  uint32_t cseq;         /**< CSeq sequence number */
  uint32_t cseq_method;  /**< pinhole_sip_method of the CSeq method */
  uint32_t expires;      /**< seconds: the first Contact's ;expires= if
                              present, else the Expires header (saturated
                              at UINT32_MAX); valid with MSG_EXPIRES */
  uint32_t header_count; /**< header fields (a folded field counts once) */
  uint32_t via_count;    /**< Via header fields (not comma-split values) */
  size_t start_off;      /**< start line offset (after ignored blank bytes) */
  size_t hdr_len;        /**< offset of the body: just past CRLFCRLF */
  size_t body_len;       /**< body bytes */
  size_t msg_len;        /**< hdr_len + body_len: bytes the message uses */
  size_t content_length; /**< Content-Length value (0 when absent) */
  pinhole_sip_range method_tok;  /**< request method token */
  pinhole_sip_range request_uri; /**< request URI */
  pinhole_sip_range call_id;     /**< Call-ID value, whitespace trimmed */
  pinhole_sip_range content_length_value; /**< the Content-Length digits */
} pinhole_sip_msg;

/**
 * Frames and parses one SIP message at p[0].
 *
 * Lines must end in CRLF (a bare CR or LF is an error). Blank bytes (CR,
 * LF, SP, HT) before the start line are keep-alives (RFC 3261 7.5,
 * RFC 5626): alone, or before a message on a stream, they are reported
 * as PINHOLE_ERR_NOMATCH; before a message in a datagram they are
 * skipped (m->start_off). Header names are case-insensitive and compact
 * forms are understood (v Via, m Contact, l Content-Length, c
 * Content-Type, e Content-Encoding, i Call-ID, f From, t To, r Refer-To,
 * b Referred-By; other compact names such as k or s are fields the
 * parser does not need). Folded header lines (continuations starting
 * with SP or HT) belong to the field above them.
 *
 * Rejected with PINHOLE_ERR_PARSE: a bad start line (not "METHOD URI
 * SIP/2.0" nor "SIP/2.0 NNN reason", status outside 100..699), a header
 * line without a colon or with a non-token name, a line (or a folded
 * field, counted from its name) longer than PINHOLE_SIP_MAX_LINE, more than
 * PINHOLE_SIP_MAX_HEADERS fields, a NUL or other control byte (except HT) in
 * the header block, a Content-Length that is not plain decimal or exceeds
 * PINHOLE_SIP_MAX_BODY, a repeated Content-Length, Content-Type, Call-ID or
 * CSeq, an empty Call-ID, a CSeq that is not "number method", and for a
 * datagram no CRLFCRLF. A malformed Expires is ignored.
 *
 * @param p      message bytes (borrowed); may be NULL when len is 0
 * @param len    bytes available at p
 * @param flags  pinhole_sip_parse_flag bits (PINHOLE_SIP_STREAM)
 * @param m      out: the parsed view (caller-owned)
 * @return 0 when the message is complete (m->msg_len bytes);
 *         PINHOLE_ERR_PARTIAL (stream only) when more bytes are needed;
 *         PINHOLE_ERR_NOMATCH when the input starts with keep-alive bytes:
 *         m->msg_len of them (stream: those before a message, after which
 *         the caller parses again; datagram: all of it) are not a message;
 *         PINHOLE_ERR_RANGE (datagram) when the body is shorter than
 *         Content-Length, or the datagram goes on after it with bytes that
 *         are neither blank nor a second message; PINHOLE_ERR_POLICY
 *         (datagram) when a second message follows the first (its start
 *         line is complete and valid); PINHOLE_ERR_PARSE as above;
 *         PINHOLE_ERR_INVALID_ARG when m is NULL, p is NULL with len > 0,
 *         or flags has unknown bits.
 * @since 0.1.0 (keep-alive blanks other than CRLF, RANGE and POLICY:
 *        0.2)
 */
PINHOLE_EXTERN int pinhole_sip_parse(const uint8_t *p, size_t len,
                                     uint32_t flags, pinhole_sip_msg *m);

/**
 * Could p[0..len), the start of a stream's next message, still become
 * bytes pinhole_sip_parse() accepts (with PINHOLE_SIP_STREAM)? Blank
 * keep-alive bytes, then a start line as far as it goes ("METHOD URI
 * SIP/2.0" with a token method and a URI holding a colon, or "SIP/2.0 NNN"
 * with NNN in 100..699), then header lines each valid so far. A complete
 * message or keep-alive also answers yes. The test that decides whether a
 * TCP segment that ends inside a message is worth withholding: every
 * strict prefix of every message pinhole_sip_parse() accepts answers 1,
 * and a prefix that answers 0 never becomes one.
 *
 * @param p    bytes (borrowed); may be NULL when len is 0
 * @param len  bytes at p
 * @return 1 when it could, 0 when it cannot (or p is NULL with len > 0).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_sip_prefix(const uint8_t *p, size_t len);

/**
 * Where the SDP of the message at p is: the whole body when its
 * Content-Type is application/sdp, or the content of its one
 * application/sdp part when it is multipart/<any> (RFC 2046: parts
 * between "--boundary" lines, each part's headers, a blank line, its
 * content; the preamble, epilogue and other parts are not looked at).
 *
 * @param p      the message (borrowed), framed as by pinhole_sip_parse()
 * @param len    bytes at p
 * @param flags  pinhole_sip_parse_flag bits
 * @param sdp    out: the SDP bytes, offsets from p (caller-owned; zeroed
 *               unless 0 is returned)
 * @return 0 when there is an SDP (it may be empty); PINHOLE_ERR_NOMATCH
 *         when the message has none (other or no Content-Type, no body,
 *         no SDP part) or is a keep-alive; PINHOLE_ERR_UNSUPPORTED for an
 *         SDP it cannot read: a Content-Encoding on the message, a part
 *         Content-Transfer-Encoding other than 7bit/8bit/binary or a part
 *         Content-Encoding, a part Content-Length, a nested multipart
 *         part, two SDP parts; PINHOLE_ERR_PARSE for a multipart body
 *         without a valid boundary parameter, opening boundary or closing
 *         boundary, or a part header line without a colon; any other
 *         error of pinhole_sip_parse().
 * @since 0.2 (experimental tier, docs/abi.md)
 */
PINHOLE_EXTERN int pinhole_sip_sdp_find(const uint8_t *p, size_t len,
                                        uint32_t flags, pinhole_sip_range *sdp);

/** SDP media types (m= first field). */
enum pinhole_sdp_media_type {
  PINHOLE_SDP_MEDIA_OTHER = 0,
  PINHOLE_SDP_MEDIA_AUDIO = 1,
  PINHOLE_SDP_MEDIA_VIDEO = 2,
  PINHOLE_SDP_MEDIA_TEXT = 3,
  PINHOLE_SDP_MEDIA_APPLICATION = 4,
  PINHOLE_SDP_MEDIA_MESSAGE = 5,
  PINHOLE_SDP_MEDIA_IMAGE = 6
};

/** Bits of pinhole_sdp.flags. */
enum pinhole_sdp_flag {
  PINHOLE_SDP_ORIGIN = 0x01,    /**< o= names an IN IP4 literal */
  PINHOLE_SDP_CONN = 0x02,      /**< session c= names an IN IP4 literal */
  PINHOLE_SDP_CONN_OTHER = 0x04 /**< session c= names something else
                                     (IP6, a host name) */
};

/** Bits of pinhole_sdp_media.flags. */
enum pinhole_sdp_media_flag {
  PINHOLE_SDP_MEDIA_CONN = 0x01,       /**< media c= IN IP4 literal */
  PINHOLE_SDP_MEDIA_CONN_OTHER = 0x02, /**< media c= names something else */
  PINHOLE_SDP_MEDIA_RTCP = 0x04,       /**< a=rtcp: port present */
  PINHOLE_SDP_MEDIA_RTCP_ADDR = 0x08,  /**< a=rtcp: names an IN IP4 literal */
  PINHOLE_SDP_MEDIA_RTCP_OTHER = 0x10  /**< a=rtcp: names something else */
};

/** One m= section. */
typedef struct pinhole_sdp_media {
  uint32_t type;       /**< pinhole_sdp_media_type */
  uint32_t flags;      /**< pinhole_sdp_media_flag bits */
  uint32_t addr;       /**< effective IPv4 address: media c=, else session
                            c=, else 0 (also 0 when the effective c= is not
                            an IPv4 literal) */
  uint16_t port;       /**< m= port; 0 for a disabled stream */
  uint16_t port_count; /**< m= port/count; 1 when absent */
  uint32_t rtcp_addr;  /**< a=rtcp IPv4 address if given (0 if it names
                            something else), else addr */
  uint16_t rtcp_port;  /**< a=rtcp port (valid with MEDIA_RTCP) */
  uint16_t pad_;       /**< zero */
} pinhole_sdp_media;

/** What pinhole_sip_sdp_parse() learned. Caller-owned; fully written. */
typedef struct pinhole_sdp {
  uint32_t flags;       /**< pinhole_sdp_flag bits */
  uint32_t origin_addr; /**< o= address (valid with PINHOLE_SDP_ORIGIN) */
  uint32_t conn_addr;   /**< session c= address (valid with PINHOLE_SDP_CONN) */
  uint32_t media_count; /**< m= lines, at most PINHOLE_SDP_MAX_MEDIA */
  pinhole_sdp_media media[PINHOLE_SDP_MAX_MEDIA];
} pinhole_sdp;

/**
 * Parses an SDP body (RFC 8866) for the addresses and ports it announces.
 *
 * Lines end in CRLF or LF. Each non-empty line must be "x=..." with x a
 * lower-case letter. Only o=, c=, m= and a=rtcp: (RFC 3605, in a media
 * section) are read; the first c= of a level counts. A c= address may
 * carry a multicast /ttl[/count] suffix.
 *
 * @param body  SDP bytes (borrowed); may be NULL when len is 0
 * @param len   bytes at body
 * @param s     out: the parsed view (caller-owned)
 * @return 0; PINHOLE_ERR_PARSE for a NUL byte, a line not of the form
 *         "x=", or an m=, c=, o= or a=rtcp: line whose fields are
 *         malformed (port not decimal or > 65535, port count 0, missing
 *         fields); PINHOLE_ERR_FULL for more than PINHOLE_SDP_MAX_MEDIA
 *         m= lines (the first PINHOLE_SDP_MAX_MEDIA are in s);
 *         PINHOLE_ERR_INVALID_ARG when s is NULL or body is NULL with
 *         len > 0.
 * @since 0.1.0 (PINHOLE_ERR_FULL, was PINHOLE_ERR_RANGE: 0.2)
 */
PINHOLE_EXTERN int pinhole_sip_sdp_parse(const uint8_t *body, size_t len,
                                         pinhole_sdp *s);

/**
 * The IPv6 address SDP media section idx (0: the first m= line) is
 * announced at (an IPv6 signalling connection's media, docs/ipv6.md): the
 * section's own c= line's, else the session's (the first c= of each level
 * counts), when that is "IN IP6" with an RFC 4291 text address (a /ttl
 * suffix ignored).
 *
 * @param body  SDP bytes that pinhole_sip_sdp_parse() accepts (borrowed)
 * @param len   bytes at body
 * @param idx   media section, below pinhole_sdp.media_count
 * @param addr  out: 16 bytes (caller-owned), written only on success
 * @return 0; PINHOLE_ERR_NOMATCH when there is no such section, no c= for
 *         it, or its c= is not an IN IP6 literal; PINHOLE_ERR_PARSE for a
 *         malformed c= line; PINHOLE_ERR_INVALID_ARG for NULL addr, or
 *         body NULL with len > 0.
 * @since 0.2 (experimental tier, docs/abi.md)
 */
PINHOLE_EXTERN int pinhole_sip_sdp_addr6(const uint8_t *body, size_t len,
                                         uint32_t idx, uint8_t addr[16]);

/**
 * The port the sender of the request at p names as its listening port
 * (RFC 3261 sec. 18.1.1: where it wants responses and requests), when it
 * is another port than the one it sends from: the top Via's sent-by (the
 * first value of the first Via field) when its host is the IPv4 literal
 * addr, else the first Contact URI (sip: or sips:, every Contact field in
 * order) whose host is addr. A missing port is the default (5060; 5061
 * for sips: and Via TLS). A port equal to conn_port is the connection's
 * own and is passed over (the next candidate is looked at). How the SIP
 * ALG uses it: docs/sip.md "The user agent's listening port".
 *
 * @param p          the message (borrowed), framed as by
 *                   pinhole_sip_parse(); may be NULL when len is 0
 * @param len        bytes at p
 * @param flags      pinhole_sip_parse_flag bits
 * @param addr       the sender's IPv4 address (host order)
 * @param conn_port  the port it sends from
 * @param port       out: the port (caller-owned); 0 unless 0 is returned
 * @return 0 with *port in 1..65535; PINHOLE_ERR_NOMATCH when the message
 *         is a response or keep-alive bytes, or names addr with no port
 *         other than conn_port; PINHOLE_ERR_RANGE when the candidate (the
 *         top Via at addr, else a Contact URI at addr) names port 0;
 *         PINHOLE_ERR_PARSE when the top Via value is malformed (a port
 *         over 65535, no sent-by); any other error of pinhole_sip_parse();
 *         PINHOLE_ERR_INVALID_ARG when port is NULL, p is NULL with
 *         len > 0, or flags has unknown bits.
 * @since 0.2 (experimental tier, docs/abi.md)
 */
PINHOLE_EXTERN int pinhole_sip_listen_port(const uint8_t *p, size_t len,
                                           uint32_t flags, uint32_t addr,
                                           uint16_t conn_port, uint16_t *port);

/**
 * pinhole_sip_listen_port() for a sender at an IPv6 address (a NAT64
 * client, docs/nat64.md "SIP over NAT64"): the top Via sent-by must be
 * the IPv6 reference "[addr6]" (RFC 3261 sec. 25.1; any text form of the
 * address), a Contact URI's host the same; an IPv4 literal is another
 * host. Returns as pinhole_sip_listen_port(), and PINHOLE_ERR_INVALID_ARG
 * when addr6 is NULL.
 * @since 0.2 (experimental tier, docs/abi.md)
 */
PINHOLE_EXTERN int pinhole_sip_listen_port6(const uint8_t *p, size_t len,
                                            uint32_t flags,
                                            const uint8_t addr6[16],
                                            uint16_t conn_port, uint16_t *port);

/** Which way a message crosses the NAT. */
enum pinhole_sip_dir {
  /** From the inside endpoint out: inside addresses become outside ones. */
  PINHOLE_SIP_DIR_OUTBOUND = 1,
  /** From outside to the inside endpoint: outside become inside. */
  PINHOLE_SIP_DIR_INBOUND = 2
};

/**
 * One port mapping of the endpoint's address: inside port <-> outside
 * port (a media port; also the user agent's listening port: 5060 over
 * TCP, and the port pinhole_sip_listen_port() finds, docs/sip.md "SIP
 * over TCP" and "The user agent's listening port").
 */
typedef struct pinhole_sip_port_map {
  uint16_t inside;
  uint16_t outside;
} pinhole_sip_port_map;

/**
 * The translation to apply. Fill with pinhole_sip_nat_default(), then set
 * the fields.
 */
typedef struct pinhole_sip_nat {
  size_t size;              /**< sizeof(pinhole_sip_nat) of the caller */
  uint32_t flags;           /**< PINHOLE_SIP_STREAM for TCP */
  uint32_t dir;             /**< pinhole_sip_dir */
  pinhole_endpoint inside;  /**< the private signalling endpoint */
  pinhole_endpoint outside; /**< its public mapping */
  uint32_t port_map_count;  /**< entries used in port_map (first match) */
  pinhole_sip_port_map port_map[PINHOLE_SIP_MAX_PORT_MAPS];
} pinhole_sip_nat;

/**
 * Zeroes nat[0..size) and sets nat->size = size, nat->dir = OUTBOUND.
 * @return 0, or PINHOLE_ERR_INVALID_ARG when nat is NULL or size is
 *         smaller than the 0.1.0 struct.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_sip_nat_default(pinhole_sip_nat *nat, size_t size);

/**
 * What pinhole_sip_translate() did. The caller sets size; the library
 * writes the rest (as much of it as size holds) on every call.
 */
typedef struct pinhole_sip_result {
  size_t size;             /**< set by the caller: sizeof(pinhole_sip_result) */
  size_t in_len;           /**< input bytes the message used (its msg_len;
                                on PINHOLE_ERR_NOMATCH the keep-alive bytes) */
  size_t out_len;          /**< bytes of the rewritten message; on
                                PINHOLE_ERR_NOBUF, the capacity needed */
  size_t body_len;         /**< rewritten body length (new Content-Length) */
  uint32_t request_uri;    /**< Request-URIs rewritten (0 or 1) */
  uint32_t via;            /**< Via sent-by values rewritten (any value of
                                any Via field) */
  uint32_t via_received;   /**< Via received= addresses rewritten */
  uint32_t via_rport;      /**< Via rport= ports rewritten */
  uint32_t contact;        /**< Contact URIs rewritten */
  uint32_t route;          /**< Route, Record-Route, Path, Service-Route
                                URIs rewritten */
  uint32_t from_to;        /**< From and To URIs rewritten */
  uint32_t other_uri;      /**< URIs rewritten in the other fields that
                                carry them (Reply-To, P-Asserted-Identity,
                                Refer-To, ...: see pinhole_sip_translate) */
  uint32_t call_id;        /**< address tokens rewritten in Call-ID,
                                Replaces, Join and In-Reply-To */
  uint32_t sdp_addr;       /**< SDP o=, c= and a=rtcp addresses rewritten */
  uint32_t media_port;     /**< m= ports mapped */
  uint32_t rtcp_port;      /**< a=rtcp ports mapped */
  uint32_t content_length; /**< Content-Length values changed (0 or 1) */
  uint32_t multipart;      /**< the SDP was a part of a multipart body */
  uint32_t skipped;        /**< URI-carrying or Via values too malformed to
                                inspect, left as they are */
  uint32_t leftover;       /**< host tokens equal to from.addr left in the
                                output's header block and SDP: see
                                pinhole_sip_translate; 0 also when from.addr
                                equals to.addr */
} pinhole_sip_result;

/**
 * Writes into out a copy of the SIP message at p[0] translated for the
 * NAT, and counts what it left untranslated.
 *
 * "from" is nat->inside for OUTBOUND and nat->outside for INBOUND, "to" the
 * other one. A SIP URI or Via sent-by matches when its host is the IPv4
 * literal from.addr and its port (an absent port means 5060, or 5061 for
 * sips: and Via TLS) is from.port, or else a port of nat->port_map on
 * from's side (inside OUTBOUND, outside INBOUND; first match). A match
 * becomes to.addr with to.port, or the port map's other side, written as
 * ":port" unless the port was absent and the new one is the default. One
 * rule, every message, both directions:
 *
 *   Request-URI              a match
 *   URI-carrying fields      every match, in every value: From, To,
 *                            Contact, Route, Record-Route, Reply-To,
 *                            Alert-Info, Call-Info, Error-Info (RFC 3261),
 *                            P-Asserted-Identity, P-Preferred-Identity
 *                            (RFC 3325), Path (RFC 3327), Service-Route
 *                            (RFC 3608), Refer-To (RFC 3515), Referred-By
 *                            (RFC 3892), Diversion (RFC 5806), History-Info
 *                            (RFC 7044), P-Associated-URI, P-Called-Party-ID
 *                            (RFC 7315), Remote-Party-ID
 *   Via, every value         sent-by a match; received= equal to from.addr
 *                            becomes to.addr; rport= equal to from.port
 *                            becomes to.port when that value's sent-by or
 *                            received= matched (RFC 3581)
 *   Call-ID, Replaces,       each from.addr host token becomes to.addr
 *   Join, In-Reply-To        (opaque words; the same in both directions
 *                            keeps dialogs matching)
 *   SDP o=, c=, a=rtcp addr  address equal to from.addr
 *   SDP m= and a=rtcp ports  when the media's effective address (a=rtcp's
 *                            own address if it has one) equals from.addr and
 *                            the port is in port_map (inside->outside for
 *                            OUTBOUND, outside->inside for INBOUND)
 *   Content-Length           set to the new body length (digits only)
 *
 * The SDP is the one pinhole_sip_sdp_find() names: the body, or one part
 * of a multipart body (the other parts, the preamble and the epilogue are
 * copied byte for byte). Bytes outside the replaced tokens are copied
 * verbatim.
 *
 * Fail closed: the output is parsed again and every host token equal to
 * from.addr left in its header block or its SDP is counted in
 * res->leftover (a host token: the whole of a run of letters, digits,
 * '-', '.' and '_', a single trailing dot aside, or such a run after a
 * "%XX" escape; 198.18.0.2 is not found in 198.18.0.25 nor in
 * 198.18.0.2.example.com). SDP a=candidate and a=remote-candidates lines
 * (ICE, RFC 8839) are not counted: they carry host addresses by design.
 * Non-SDP bodies and parts are not looked at. A URI naming from.addr with
 * another port, a host token in free text, a received= in quotes: all
 * stay and are counted. OUTBOUND, a leftover means the message would
 * leak the inside address: the caller drops it unless the operator chose
 * to pass and count.
 *
 * @param p    the message (borrowed); framed as by pinhole_sip_parse()
 *             with nat->flags
 * @param len  bytes at p
 * @param nat  the translation (borrowed)
 * @param out  output buffer (borrowed); must not overlap p; may be NULL
 *             when cap is 0 (then res->out_len tells the size needed)
 * @param cap  bytes available at out
 * @param res  in: res->size; out: counts (caller-owned); in_len is also
 *             set on PINHOLE_ERR_NOMATCH (keep-alive bytes to pass on)
 * @return the rewritten length (== res->out_len), or: PINHOLE_ERR_NOBUF
 *         when it exceeds cap; any error of pinhole_sip_parse() (PARSE,
 *         PARTIAL, NOMATCH, RANGE, POLICY) and of pinhole_sip_sdp_find()
 *         (PARSE, UNSUPPORTED); for the SDP, any error of
 *         pinhole_sip_sdp_parse() (PARSE, FULL); PINHOLE_ERR_UNSUPPORTED
 *         also when the rewritten message would break a limit of
 *         pinhole_sip_parse() (a line, a folded field or the body grew too
 *         long; checked only once the output fits in cap);
 *         PINHOLE_ERR_INVALID_ARG for NULL arguments, res->size smaller
 *         than the 0.2 struct, an unknown dir or flag, or
 *         port_map_count > 16; PINHOLE_ERR_STRUCT_SIZE when nat->size is
 *         larger than known and the unknown tail is not zero.
 * @since 0.2 (experimental tier, docs/abi.md)
 */
PINHOLE_EXTERN int pinhole_sip_translate(const uint8_t *p, size_t len,
                                         const pinhole_sip_nat *nat,
                                         uint8_t *out, size_t cap,
                                         pinhole_sip_result *res);

/** What pinhole_sip_rewrite() changed (the 0.1 result). Fully written. */
typedef struct pinhole_sip_rewrite_result {
  size_t in_len;           /**< as pinhole_sip_result */
  size_t out_len;          /**< as pinhole_sip_result */
  size_t body_len;         /**< as pinhole_sip_result */
  uint32_t request_uri;    /**< as pinhole_sip_result */
  uint32_t via;            /**< as pinhole_sip_result */
  uint32_t via_params;     /**< via_received + via_rport */
  uint32_t contact;        /**< as pinhole_sip_result */
  uint32_t route;          /**< as pinhole_sip_result */
  uint32_t sdp_addr;       /**< as pinhole_sip_result */
  uint32_t media_port;     /**< as pinhole_sip_result */
  uint32_t rtcp_port;      /**< as pinhole_sip_result */
  uint32_t content_length; /**< as pinhole_sip_result */
  uint32_t skipped;        /**< as pinhole_sip_result */
} pinhole_sip_rewrite_result;

/**
 * pinhole_sip_translate() with the 0.1 result struct, which has no room
 * for the newer counts (From/To, other URIs, Call-ID, multipart) nor for
 * leftover: a caller that must fail closed uses pinhole_sip_translate().
 * Same arguments (res needs no size), same return values.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_sip_rewrite(const uint8_t *p, size_t len,
                                       const pinhole_sip_nat *nat, uint8_t *out,
                                       size_t cap,
                                       pinhole_sip_rewrite_result *res);

/**
 * The NAT64 side of a translation (pinhole_sip_translate64()): the
 * IPv6-only client and the NAT64 prefix of its connection. Zero it, set
 * size, then the fields.
 */
typedef struct pinhole_sip_nat64 {
  size_t size;         /**< sizeof(pinhole_sip_nat64) of the caller */
  uint8_t client6[16]; /**< the client's IPv6 address */
  uint8_t prefix[16];  /**< the NAT64 prefix (RFC 6052) the client reaches
                            the IPv4 server under */
  uint32_t plen;       /**< its length: 32, 40, 48, 56, 64 or 96 */
} pinhole_sip_nat64;

/**
 * pinhole_sip_translate() across the families, for SIP through NAT64
 * (RFC 6146; RFC 6157 sec. 4; docs/nat64.md "SIP over NAT64"): the
 * client's signalling endpoint is [x->client6]:nat->inside.port
 * (nat->inside.addr is not used), its public IPv4 endpoint nat->outside.
 *
 * OUTBOUND (the client's message to the IPv4 server): a URI host or Via
 * sent-by "[client6]" with the client's port becomes the public
 * endpoint, with a port of nat->port_map its mapped one (the port rule
 * of pinhole_sip_translate()); another IPv6
 * reference under the prefix its embedded IPv4 address (port as
 * written); Via received= client6 (bare or bracketed) the public
 * address, rport= as there; client6 tokens in Call-ID, Replaces, Join and
 * In-Reply-To the public address; SDP o=, c= and a=rtcp "IN IP6 client6"
 * become "IN IP4 <public address>", and m=/a=rtcp ports of media at
 * client6 go through nat->port_map.
 *
 * INBOUND (the server's message to the client): the public endpoint in
 * URIs and Via (the public address with the public port or a port of
 * nat->port_map) becomes "[client6]:port", received= the public address
 * client6, rport= and the port map back, public-address tokens of
 * Call-ID and the like client6; any other IPv4 literal URI host or Via
 * sent-by becomes its IPv6 address synthesised under the prefix (RFC
 * 6052 sec. 2.2), and an SDP "IN IP4 a" (not multicast) "IN IP6" the
 * client's address for the public one, "::" for 0.0.0.0, else a
 * synthesised. IPv6 text is written in the RFC 5952 form.
 *
 * res->leftover counts, in the output, OUTBOUND: the client6 tokens of
 * the header block and SDP (any text form), and each o=, c= or a=rtcp
 * address "IN IP6" that is not client6 (an IPv4 server can use none);
 * INBOUND: the public address's host tokens.
 *
 * @param x    the NAT64 side (borrowed)
 * @return as pinhole_sip_translate(); PINHOLE_ERR_INVALID_ARG also for a
 *         NULL x, x->size smaller than the 0.2 struct, or another plen.
 * @since 0.2 (experimental tier, docs/abi.md)
 */
PINHOLE_EXTERN int pinhole_sip_translate64(const uint8_t *p, size_t len,
                                           const pinhole_sip_nat *nat,
                                           const pinhole_sip_nat64 *x,
                                           uint8_t *out, size_t cap,
                                           pinhole_sip_result *res);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_SIP_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: RTSP message framing and Transport header
 * parsing and rewriting (RFC 2326; RFC 7826 shares the message syntax).
 *
 * pinhole_rtsp_frame() finds where one message (request, response or
 * interleaved binary frame) ends in a TCP byte stream and reports the few
 * facts the ALG needs: method or status, CSeq, Session and the range of the
 * Transport header's value. pinhole_rtsp_transport_parse() splits such a
 * value into its transport specs; pinhole_rtsp_transport_rewrite() writes a
 * copy with ports and addresses replaced, every other byte unchanged.
 *
 * All offsets are from the first byte of the buffer that was passed in.
 * Addresses are IPv4, host byte order (198.18.0.1 is 0xC6120001). Nothing
 * here allocates, keeps state or reads past the length it is given.
 */
#ifndef PINHOLE_RTSP_H
#define PINHOLE_RTSP_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most transport specs in one Transport header value. */
#define PINHOLE_RTSP_MAX_SPECS 8
/** Largest Content-Length accepted (16 MiB). */
#define PINHOLE_RTSP_MAX_BODY (16u * 1024u * 1024u)
/** Longest start or header line, line end excluded. */
#define PINHOLE_RTSP_MAX_LINE 4096u
/** Longest header block, start line and final empty line included. */
#define PINHOLE_RTSP_MAX_HEADER 16384u

/** What a framed message is. */
enum pinhole_rtsp_kind {
  PINHOLE_RTSP_KIND_REQUEST = 1,
  PINHOLE_RTSP_KIND_RESPONSE = 2,
  /** '$' channel length16 payload (RFC 2326 section 10.12). */
  PINHOLE_RTSP_KIND_INTERLEAVED = 3
};

/** Request methods (case-sensitive, RFC 2326 section 6.1). */
enum pinhole_rtsp_method {
  PINHOLE_RTSP_METHOD_OTHER = 0,
  PINHOLE_RTSP_METHOD_SETUP = 1,
  PINHOLE_RTSP_METHOD_PLAY = 2,
  PINHOLE_RTSP_METHOD_TEARDOWN = 3,
  PINHOLE_RTSP_METHOD_DESCRIBE = 4,
  PINHOLE_RTSP_METHOD_OPTIONS = 5,
  PINHOLE_RTSP_METHOD_PAUSE = 6,
  PINHOLE_RTSP_METHOD_RECORD = 7,
  PINHOLE_RTSP_METHOD_ANNOUNCE = 8,
  PINHOLE_RTSP_METHOD_GET_PARAMETER = 9,
  PINHOLE_RTSP_METHOD_SET_PARAMETER = 10,
  PINHOLE_RTSP_METHOD_REDIRECT = 11
};

/** pinhole_rtsp_msg.flags bits. */
enum pinhole_rtsp_msg_flag {
  /** A CSeq header was present; cseq holds its value. */
  PINHOLE_RTSP_MSG_CSEQ = 0x01,
  /** A Transport header was present; transport_off/len hold its value. */
  PINHOLE_RTSP_MSG_TRANSPORT = 0x02,
  /** More than one Transport header; the first one is reported. */
  PINHOLE_RTSP_MSG_TRANSPORT_MULTI = 0x04,
  /** A Session header was present; session_off/len hold the id. */
  PINHOLE_RTSP_MSG_SESSION = 0x08,
  /** A Content-Length header was present. */
  PINHOLE_RTSP_MSG_CONTENT_LENGTH = 0x10
};

/** One framed message. Filled by pinhole_rtsp_frame(). */
typedef struct pinhole_rtsp_msg {
  uint32_t kind;    /**< enum pinhole_rtsp_kind */
  uint32_t method;  /**< enum pinhole_rtsp_method (requests) */
  uint32_t status;  /**< status code 100..999 (responses) */
  uint32_t cseq;    /**< CSeq value when flags has PINHOLE_RTSP_MSG_CSEQ */
  uint32_t flags;   /**< enum pinhole_rtsp_msg_flag bits */
  uint32_t channel; /**< channel 0..255 (interleaved) */
  size_t hdr_len;   /**< start line through the empty line (4 if interleaved) */
  size_t body_len;  /**< Content-Length, or the interleaved payload length */
  size_t total_len; /**< hdr_len + body_len: where the next message starts */
  size_t uri_off;   /**< Request-URI (requests) */
  size_t uri_len;
  size_t transport_off; /**< value of the first Transport header, trimmed; */
  size_t transport_len; /**< may span folded lines (CRLF SP) */
  size_t session_off;   /**< Session id, without ";timeout=..." */
  size_t session_len;
} pinhole_rtsp_msg;

/**
 * Frames one RTSP message starting at p[0].
 *
 * A request line is Method SP Request-URI SP RTSP/d.d; a status line is
 * RTSP/d.d SP 3DIGIT [SP Reason]. Lines end in CRLF or LF; the header block
 * ends with an empty line. Header names are case-insensitive; a line that
 * starts with SP or HT continues the previous header. Empty lines before
 * the start line are skipped and counted in hdr_len. The body is exactly
 * Content-Length bytes (none without it). A message starting with '$' is an
 * interleaved frame of 4 + length bytes.
 *
 * Malformed (PINHOLE_ERR_PARSE): a bad start line; a header line without a
 * name and colon; a continuation with no header before it; a NUL, a bare CR
 * or another control byte but HT in the header block; a line longer than
 * PINHOLE_RTSP_MAX_LINE; a header block longer than
 * PINHOLE_RTSP_MAX_HEADER; a Content-Length that is not plain decimal
 * digits, exceeds PINHOLE_RTSP_MAX_BODY, or is given twice with different
 * values; a CSeq that is not decimal, exceeds 4294967295 or is given twice
 * with different values. These are reported as soon as the bytes present
 * show them (a header's value is checked once the line after it has
 * arrived), even when the message is not complete.
 *
 * @param p    message bytes (borrowed, read only).
 * @param len  bytes available at p.
 * @param m    out: filled on success. On PINHOLE_ERR_PARTIAL, when the
 *             header block is complete (only the body is missing),
 *             m->hdr_len is non-zero and m is filled as on success; when
 *             the header block is incomplete m->hdr_len is 0. Unspecified
 *             on other errors.
 * @return 0 when the whole message (headers and body) is within len;
 *   PINHOLE_ERR_PARTIAL when more bytes are needed;
 *   PINHOLE_ERR_PARSE when malformed;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or m is NULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_rtsp_frame(const uint8_t *p, size_t len,
                                      pinhole_rtsp_msg *m);

/**
 * Says whether p[0..len) could be the beginning of a message that
 * pinhole_rtsp_frame() frames, so that a stream ALG can withhold a header
 * block split across TCP segments, and give up (desynchronise) on bytes
 * that can never become RTSP, without a second list of its own.
 *
 * 1 when p is empty, starts with '$' (an interleaved frame), or holds a
 * whole header block that pinhole_rtsp_frame() accepts (only the body may
 * be missing). Otherwise 1 when pinhole_rtsp_frame() finds no fault in
 * the bytes present and the unfinished last line could still become a
 * line it accepts there, judged byte by byte:
 *  - before the start line: empty lines, or the beginning of
 *    "Method SP Request-URI SP RTSP/d.d" or "RTSP/d.d SP 3DIGIT [SP ...]"
 *    (so "GET / H", "HTTP/", "INVITE sip:b SIP" are 0 from the byte that
 *    breaks the grammar);
 *  - in the header block: a name of token characters and its ':', a
 *    continuation (SP or HT) of an open header, or the empty line; a new
 *    line closes the header before it, whose value is then checked as
 *    pinhole_rtsp_frame() does (Content-Length, CSeq).
 * A final CR counts as a line end to come (only LF may follow it).
 * Every strict prefix of a message pinhole_rtsp_frame() frames gives 1.
 * Not judged before its line is closed: the value of the last header
 * (it may still be continued), so such a prefix may give 1 and then the
 * complete message PINHOLE_ERR_PARSE.
 *
 * @param p    bytes from a message start (borrowed, read only); only the
 *             first message counts. May be NULL when len is 0.
 * @param len  bytes available at p.
 * @return 1 or 0 as above; PINHOLE_ERR_INVALID_ARG when p is NULL and
 *         len > 0. (Test for == 1.)
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_rtsp_prefix(const uint8_t *p, size_t len);

/** Profile of a transport spec (the part before the first ';'). */
enum pinhole_rtsp_profile {
  PINHOLE_RTSP_PROFILE_OTHER = 0, /**< not RTP/AVP, RTP/SAVP, ... */
  PINHOLE_RTSP_PROFILE_AVP = 1,   /**< RTP/AVP */
  PINHOLE_RTSP_PROFILE_SAVP = 2,  /**< RTP/SAVP (RFC 3711) */
  PINHOLE_RTSP_PROFILE_AVPF = 3,  /**< RTP/AVPF (RFC 4585) */
  PINHOLE_RTSP_PROFILE_SAVPF = 4  /**< RTP/SAVPF (RFC 5124) */
};

/** Lower transport of a spec. */
enum pinhole_rtsp_lower {
  PINHOLE_RTSP_LOWER_OTHER = 0, /**< profile OTHER, or an unknown lower */
  PINHOLE_RTSP_LOWER_UDP = 1,   /**< "/UDP" or omitted on an RTP profile */
  PINHOLE_RTSP_LOWER_TCP = 2    /**< "/TCP" */
};

/** pinhole_rtsp_spec.flags bits: which parameters the spec carries. */
enum pinhole_rtsp_spec_flag {
  PINHOLE_RTSP_SPEC_UNICAST = 0x001,
  PINHOLE_RTSP_SPEC_MULTICAST = 0x002,
  PINHOLE_RTSP_SPEC_LOWER_EXPLICIT = 0x004, /**< "/UDP" or "/TCP" written */
  PINHOLE_RTSP_SPEC_CLIENT_PORT = 0x008,
  PINHOLE_RTSP_SPEC_SERVER_PORT = 0x010,
  PINHOLE_RTSP_SPEC_DESTINATION = 0x020, /**< "destination" (value or not) */
  PINHOLE_RTSP_SPEC_DESTINATION_IPV4 = 0x040, /**< value is a dotted quad */
  PINHOLE_RTSP_SPEC_SOURCE = 0x080,
  PINHOLE_RTSP_SPEC_SOURCE_IPV4 = 0x100,
  PINHOLE_RTSP_SPEC_INTERLEAVED = 0x200,
  PINHOLE_RTSP_SPEC_MODE = 0x400,
  PINHOLE_RTSP_SPEC_SSRC = 0x800,
  PINHOLE_RTSP_SPEC_CLIENT_PORT_RANGE = 0x1000, /**< written as "a-b" */
  PINHOLE_RTSP_SPEC_SERVER_PORT_RANGE = 0x2000  /**< written as "c-d" */
};

/** A byte range [off, off + len) of the value that was parsed. */
typedef struct pinhole_rtsp_span {
  size_t off;
  size_t len;
} pinhole_rtsp_span;

/** One transport spec. Ports and channels: [0] low, [1] high (= low if
 * only one was written). Spans cover values only (inside quotes, if any). */
typedef struct pinhole_rtsp_spec {
  uint32_t flags;  /**< enum pinhole_rtsp_spec_flag bits */
  uint8_t profile; /**< enum pinhole_rtsp_profile */
  uint8_t lower;   /**< enum pinhole_rtsp_lower */
  uint8_t interleaved[2];
  uint16_t client_port[2];
  uint16_t server_port[2];
  uint32_t destination; /**< when PINHOLE_RTSP_SPEC_DESTINATION_IPV4 */
  uint32_t source;      /**< when PINHOLE_RTSP_SPEC_SOURCE_IPV4 */
  uint32_t ssrc;
  pinhole_rtsp_span spec; /**< the whole spec, trimmed */
  pinhole_rtsp_span client_port_v;
  pinhole_rtsp_span server_port_v;
  pinhole_rtsp_span destination_v;
  pinhole_rtsp_span source_v;
  pinhole_rtsp_span mode_v;
} pinhole_rtsp_spec;

/** A parsed Transport header value. */
typedef struct pinhole_rtsp_transport {
  size_t nspecs;
  pinhole_rtsp_spec spec[PINHOLE_RTSP_MAX_SPECS];
} pinhole_rtsp_transport;

/**
 * Parses a Transport header value (the bytes pinhole_rtsp_frame() reported
 * as transport_off/len) into comma-separated specs, each a protocol
 * ("RTP/AVP", "RTP/AVP/TCP", ...) then ';'-separated parameters.
 *
 * Recognised parameters (names case-insensitive): unicast, multicast,
 * client_port=a[-b], server_port=c[-d], destination[=addr], source=addr,
 * interleaved=x[-y], mode=m, ssrc=hex. Values may be quoted ("...").
 * Other parameters are skipped. SP, HT, CR and LF are allowed around ',',
 * ';' and '=' (folded lines). An address that is not a dotted quad without
 * leading zeros (a host name, IPv6) is recorded with its span only.
 *
 * @param v    value bytes (borrowed, read only).
 * @param len  bytes at v.
 * @param t    out: filled on success; unspecified on error.
 * @return 0 on success;
 *   PINHOLE_ERR_PARSE for an empty value or spec, a value longer than
 *     PINHOLE_RTSP_MAX_HEADER, a missing or malformed
 *     value of a recognised parameter (port not digits, "a-", ssrc not 1..8
 *     hex digits), an unterminated quote, a NUL or other control byte, or a
 *     recognised parameter given twice in one spec;
 *   PINHOLE_ERR_RANGE for a port outside 1..65535, a range b < a, a
 *     channel outside 0..255 or y < x, or more than PINHOLE_RTSP_MAX_SPECS
 *     specs;
 *   PINHOLE_ERR_INVALID_ARG when v (with len > 0) or t is NULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_rtsp_transport_parse(const uint8_t *v, size_t len,
                                                pinhole_rtsp_transport *t);

/** pinhole_rtsp_rewrite_spec.flags bits: what to replace. */
enum pinhole_rtsp_rewrite_flag {
  PINHOLE_RTSP_REWRITE_CLIENT_PORT = 0x1,
  PINHOLE_RTSP_REWRITE_SERVER_PORT = 0x2,
  PINHOLE_RTSP_REWRITE_DESTINATION = 0x4,
  PINHOLE_RTSP_REWRITE_SOURCE = 0x8
};

/** Replacements for one spec. Ports: [0] low, [1] high. */
typedef struct pinhole_rtsp_rewrite_spec {
  uint32_t flags; /**< enum pinhole_rtsp_rewrite_flag bits */
  uint16_t client_port[2];
  uint16_t server_port[2];
  uint32_t destination;
  uint32_t source;
} pinhole_rtsp_rewrite_spec;

/** Replacements for a whole Transport value; spec[i] applies to spec i. */
typedef struct pinhole_rtsp_rewrite {
  pinhole_rtsp_rewrite_spec spec[PINHOLE_RTSP_MAX_SPECS];
} pinhole_rtsp_rewrite;

/**
 * Writes a copy of Transport value v to out, replacing for each spec i the
 * values that rw->spec[i].flags select, every other byte copied as is.
 *
 * A replacement applies only where spec i carries that parameter with a
 * value; nothing is added. A port value keeps its form: "a-b" is written
 * as "lo-hi", a single port as "lo" (hi ignored). An address value (dotted
 * quad or host name) is written as a dotted quad. Quotes around a value
 * are kept.
 *
 * @param v    value bytes (borrowed, read only); must not overlap out.
 * @param len  bytes at v.
 * @param rw   replacements (borrowed). Ports must be 1..65535, hi >= lo
 *             for a range.
 * @param out  out: the new value, not NUL-terminated.
 * @param cap  bytes available at out.
 * @return the length written (>= 0);
 *   any error of pinhole_rtsp_transport_parse() on v;
 *   PINHOLE_ERR_INVALID_ARG when a selected replacement port is 0 or a
 *     range has hi < lo, or a pointer is NULL;
 *   PINHOLE_ERR_NOBUF when the result would not fit in cap (out holds
 *     garbage then).
 * @since 0.1.0
 */
PINHOLE_EXTERN int
pinhole_rtsp_transport_rewrite(const uint8_t *v, size_t len,
                               const pinhole_rtsp_rewrite *rw, uint8_t *out,
                               size_t cap);

/* ---- readers for RTSP over NAT64 (experimental) ------------------------ */

/** One header of a header block: its name and its value, trimmed (a
 * folded value spans its continuation lines). Offsets from the block's
 * first byte. */
typedef struct pinhole_rtsp_header {
  size_t name_off;
  size_t name_len;
  size_t val_off;
  size_t val_end;
} pinhole_rtsp_header;

/**
 * Walks the headers of a header block.
 *
 * @param p        the message (borrowed, read only): a header block that
 *                 pinhole_rtsp_frame() accepted.
 * @param hdr_len  its m.hdr_len.
 * @param pos      in/out: 0 at first (the empty lines and the start line
 *                 are skipped), then where the next header starts.
 * @param h        out: the header, when 1 is returned.
 * @return 1 with *h and *pos past the header (and its continuation
 *   lines); 0 at the empty line that ends the block, at its end, or at a
 *   line that is no "name:" header (a block the framer did not accept);
 *   PINHOLE_ERR_INVALID_ARG when a pointer is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_rtsp_header_next(const uint8_t *p, size_t hdr_len,
                                            size_t *pos,
                                            pinhole_rtsp_header *h);

/** What the host of a URL is. */
enum pinhole_rtsp_host_kind {
  PINHOLE_RTSP_HOST_NAME = 0, /**< a name, or a form not read */
  PINHOLE_RTSP_HOST_IPV4 = 4, /**< a canonical dotted quad, in v4 */
  PINHOLE_RTSP_HOST_IPV6 = 6  /**< an IP-literal "[v6]" (RFC 3986 3.2.2) */
};

/** The host of an absolute URL as written: [off, off + len) of the
 * buffer given, brackets included for an IPv6 literal. */
typedef struct pinhole_rtsp_host {
  size_t off;
  size_t len;
  uint32_t kind;  /**< enum pinhole_rtsp_host_kind */
  uint32_t v4;    /**< PINHOLE_RTSP_HOST_IPV4, host byte order */
  uint8_t v6[16]; /**< PINHOLE_RTSP_HOST_IPV6 */
} pinhole_rtsp_host;

/**
 * Finds the host of the next absolute URL in a value (a Request-URI, a
 * Content-Base, RTP-Info or a=control: value): "scheme://[userinfo@]
 * host[:port]..." (RFC 3986 sec. 3; RFC 2326 sec. 3.2, RFC 7826 sec.
 * 4.2). The scheme is the run of letters, digits, '+', '-' and '.'
 * before "://"; the authority ends at '/', '?', '#', ';', ',', '"', '>',
 * white space or the end of the value; the host follows the last '@' in
 * it. A host followed by anything but ":" and digits there is a NAME.
 * Linear in len.
 *
 * @param v    value bytes (borrowed, read only).
 * @param len  bytes at v.
 * @param pos  in/out: where to look from (0 at first); past the host
 *             found, or len.
 * @param h    out: the host, when 1 is returned.
 * @return 1 with *h; 0 when no "://" is left; PINHOLE_ERR_INVALID_ARG
 *   when a pointer is NULL (v with len > 0).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_rtsp_url_next(const uint8_t *v, size_t len,
                                         size_t *pos, pinhole_rtsp_host *h);

/** An address of an SDP body (RFC 4566 sec. 5.2 o=, sec. 5.7 c=), or the
 * URL host of an a=control: line (RFC 2326 appendix C.1.1). Offsets from
 * the body's first byte. */
typedef struct pinhole_rtsp_sdp_addr {
  uint32_t line;      /**< 'o', 'c' or 'a' */
  uint32_t ip4;       /**< o=, c=: "IN IP4" and a canonical dotted quad */
  uint32_t v4;        /**< when ip4, host byte order */
  uint32_t multicast; /**< when ip4: in 224.0.0.0/4 */
  size_t type_off;    /**< o=, c=: the addrtype field ("IP4") */
  size_t type_len;
  size_t addr_off; /**< o=, c=: the address, without a "/ttl" suffix */
  size_t addr_len;
  pinhole_rtsp_host host; /**< a=control: the URL's host */
} pinhole_rtsp_sdp_addr;

/**
 * Walks the o= and c= addresses and the a=control: URLs of an SDP body
 * (a DESCRIBE reply's), line by line (CRLF or LF).
 *
 * @param b    the body (borrowed, read only).
 * @param len  bytes at b.
 * @param pos  in/out: 0 at first, then where the next line starts.
 * @param a    out: the address, when 1 is returned.
 * @return 1 with *a; 0 at the end; PINHOLE_ERR_PARSE for an o= or c=
 *   line that is not "... nettype addrtype address", a NUL or a bare CR;
 *   PINHOLE_ERR_INVALID_ARG when a pointer is NULL (b with len > 0).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_rtsp_sdp_next(const uint8_t *b, size_t len,
                                         size_t *pos, pinhole_rtsp_sdp_addr *a);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_RTSP_H */

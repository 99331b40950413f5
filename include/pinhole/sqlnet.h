/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: Oracle SQL*Net / TNS packets and the connect
 * descriptors inside them, for the SQLNet ALG (TCP 1521).
 *
 * A TNS packet starts with an 8-byte header: packet length (16 bits, or
 * 32 bits in the form Oracle 12c uses once a large SDU is negotiated),
 * packet checksum (16 bits, absent in the 32-bit form), type, flags and a
 * header checksum, all network order. pinhole_sqlnet_frame() frames one
 * packet and, for CONNECT (type 1) and REDIRECT (type 5), finds the
 * connect or redirect data: text such as
 *
 *   (DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=198.18.0.5)(PORT=1521))
 *     (CONNECT_DATA=(SERVICE_NAME=orcl)))
 *
 * pinhole_sqlnet_desc_parse() walks that text (nested parentheses,
 * bounded) and reports every (ADDRESS=...) with its PROTOCOL, HOST and
 * PORT values. pinhole_sqlnet_desc_rewrite() writes a copy with HOST and
 * PORT values replaced; pinhole_sqlnet_packet_rewrite() does the same for a
 * whole CONNECT or REDIRECT packet and fixes its packet length and its
 * connect/redirect data length.
 *
 * All offsets are from the first byte passed in. Addresses are IPv4 in
 * host byte order (198.18.0.5 is 0xC6120005). Nothing here allocates,
 * keeps state or reads past the length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_SQLNET_H
#define PINHOLE_SQLNET_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** TNS header length. */
#define PINHOLE_SQLNET_HEADER_LEN 8u
/** Most (ADDRESS=...) entries in one descriptor. */
#define PINHOLE_SQLNET_MAX_ADDRS 8
/** Deepest nesting of parentheses in a descriptor. */
#define PINHOLE_SQLNET_MAX_DEPTH 16
/** Longest keyword ("DESCRIPTION", "ADDRESS_LIST", ...). */
#define PINHOLE_SQLNET_MAX_KEYWORD 64

/** TNS packet types. */
enum pinhole_sqlnet_type {
  PINHOLE_SQLNET_CONNECT = 1,
  PINHOLE_SQLNET_ACCEPT = 2,
  PINHOLE_SQLNET_ACK = 3,
  PINHOLE_SQLNET_REFUSE = 4,
  PINHOLE_SQLNET_REDIRECT = 5,
  PINHOLE_SQLNET_DATA = 6,
  PINHOLE_SQLNET_NULL = 7,
  PINHOLE_SQLNET_ABORT = 9,
  PINHOLE_SQLNET_RESEND = 11,
  PINHOLE_SQLNET_MARKER = 12,
  PINHOLE_SQLNET_ATTENTION = 13,
  PINHOLE_SQLNET_CONTROL = 14,
  /** Data descriptor: raw data not counted in the length follows. */
  PINHOLE_SQLNET_DATA_DESCRIPTOR = 15
};

/** pinhole_sqlnet_pkt.flags bits. */
enum pinhole_sqlnet_pkt_flag {
  /** The packet length field is 32 bits (bytes 0..3; no checksum). */
  PINHOLE_SQLNET_PKT_LEN32 = 0x1,
  /** CONNECT/REDIRECT data is in this packet: data_off, data_len. */
  PINHOLE_SQLNET_PKT_DATA = 0x2,
  /** CONNECT/REDIRECT data announced (data_len) but sent in the
   *  packet that follows (a DATA packet), not in this one. */
  PINHOLE_SQLNET_PKT_DATA_NEXT = 0x4
};

/** One framed TNS packet. Filled by pinhole_sqlnet_frame(). */
typedef struct pinhole_sqlnet_pkt {
  uint32_t length;     /**< the packet length field */
  uint32_t flags;      /**< enum pinhole_sqlnet_pkt_flag bits */
  uint8_t type;        /**< enum pinhole_sqlnet_type */
  uint8_t hdr_flags;   /**< the header's flags byte */
  uint16_t version;    /**< CONNECT: the client's TNS version */
  uint32_t pad_;       /**< zero */
  size_t total_len;    /**< bytes the packet takes in the stream */
  size_t data_len_off; /**< offset of the 16-bit data length field:
                            24 (CONNECT), 8 (REDIRECT); 0 otherwise */
  size_t data_off;     /**< with PINHOLE_SQLNET_PKT_DATA */
  size_t data_len;     /**< with PKT_DATA or PKT_DATA_NEXT */
} pinhole_sqlnet_pkt;

/**
 * Frames one TNS packet starting at p[0].
 *
 * The length form: when bytes 2..3 (the packet checksum) are 0 or 4, the
 * length is the 16-bit field at 0; otherwise the 32-bit field at 0 (the
 * Oracle 12c large-SDU form, as Wireshark reads it). The length must be
 * at least the header and the type one of enum pinhole_sqlnet_type. A
 * data descriptor (type 15) also takes the 32-bit count at offset 12
 * beyond its length.
 *
 * CONNECT: at least 34 bytes; the connect data length (offset 24) and
 * offset (26): with length 0 there is no data; otherwise either the data
 * runs from its offset (at least 34) to the packet's end exactly
 * (PINHOLE_SQLNET_PKT_DATA), or the offset is at or past the end and the
 * data follows in the next packet (PINHOLE_SQLNET_PKT_DATA_NEXT).
 * REDIRECT: at least 10 bytes; the redirect data length (offset 8)
 * either counts exactly the bytes from offset 10 to the end, or the
 * packet ends at 10 and the data follows in the next packet.
 *
 * @param p    stream bytes from a packet start (borrowed, read only).
 * @param len  bytes at p; bytes after total_len belong to the next packet.
 * @param m    out: filled on 0; on PINHOLE_ERR_PARTIAL, length, type,
 *             hdr_flags, the LEN32 flag and total_len (when known) are set
 *             once the header is held, the rest is zero; zeroed otherwise.
 * @return 0 when the whole packet is within len;
 *   PINHOLE_ERR_PARTIAL when more bytes are needed (len 0 included);
 *   PINHOLE_ERR_PARSE for a length below the header's (or below the
 *     type's minimum), an unknown type, a CONNECT/REDIRECT whose data
 *     length and offset disagree with the packet, or a data descriptor
 *     whose total does not fit in size_t;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or m is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_sqlnet_frame(const uint8_t *p, size_t len,
                                        pinhole_sqlnet_pkt *m);

/** PROTOCOL value of an address. */
enum pinhole_sqlnet_proto {
  PINHOLE_SQLNET_PROTO_NONE = 0, /**< no PROTOCOL given */
  PINHOLE_SQLNET_PROTO_TCP = 1,  /**< "TCP" */
  PINHOLE_SQLNET_PROTO_TCPS = 2, /**< "TCPS" (TLS) */
  PINHOLE_SQLNET_PROTO_OTHER = 3 /**< IPC, BEQ, SDP, ... */
};

/** pinhole_sqlnet_address.flags bits. */
enum pinhole_sqlnet_addr_flag {
  PINHOLE_SQLNET_ADDR_HOST = 0x1,      /**< a HOST value: host_off/len */
  PINHOLE_SQLNET_ADDR_HOST_IPV4 = 0x2, /**< ... that is a dotted quad */
  PINHOLE_SQLNET_ADDR_PORT = 0x4,      /**< a PORT value: port, port_off */
  PINHOLE_SQLNET_ADDR_QUOTED = 0x8     /**< the HOST value was quoted */
};

/** One (ADDRESS=...) of a descriptor. Value spans exclude quotes and the
 * blanks around the value. */
typedef struct pinhole_sqlnet_address {
  uint32_t flags; /**< enum pinhole_sqlnet_addr_flag bits */
  uint8_t proto;  /**< enum pinhole_sqlnet_proto */
  uint8_t pad_;   /**< zero */
  uint16_t port;  /**< with PINHOLE_SQLNET_ADDR_PORT: 0..65535 */
  uint32_t addr;  /**< with PINHOLE_SQLNET_ADDR_HOST_IPV4 */
  uint32_t pad2_; /**< zero */
  size_t off;     /**< the whole "(ADDRESS=...)" */
  size_t len;
  size_t host_off;
  size_t host_len;
  size_t port_off;
  size_t port_len;
} pinhole_sqlnet_address;

/** A parsed descriptor. */
typedef struct pinhole_sqlnet_desc {
  size_t naddrs; /**< entries in addr[], in the order they open */
  pinhole_sqlnet_address addr[PINHOLE_SQLNET_MAX_ADDRS];
} pinhole_sqlnet_desc;

/**
 * Parses connect or redirect data: one or more "(KEYWORD=value)" pairs,
 * where a value is a list of pairs or a text value. Blanks (SP, HT, CR,
 * LF) may surround every token; NUL bytes may separate top-level pairs
 * (a redirect carries the new address, a NUL and the old descriptor).
 *
 * Keywords are 1..PINHOLE_SQLNET_MAX_KEYWORD letters, digits, '_', '.'
 * or '-', compared ignoring case. A text value is either quoted ("..."
 * without control bytes or '"') or bare: bytes other than control bytes
 * and ( ) = ", where a backslash escapes the next byte. In every ADDRESS
 * pair (any depth) whose value is a list, the direct PROTOCOL, HOST and
 * PORT pairs are recorded, each at most once: PORT must be 1..5 digits,
 * at most 65535; HOST is recorded as IPv4 when it is exactly a dotted
 * quad.
 *
 * @param d    descriptor bytes (borrowed, read only).
 * @param len  bytes at d.
 * @param out  out: filled on 0; unspecified otherwise.
 * @return 0 on success;
 *   PINHOLE_ERR_PARSE for anything outside that grammar (unbalanced
 *     parentheses, a missing '=', an empty or overlong keyword, an
 *     unterminated quote, a control byte, no pair at all, a repeated
 *     PROTOCOL/HOST/PORT in one ADDRESS, a PORT that is not digits) or
 *     nesting deeper than PINHOLE_SQLNET_MAX_DEPTH;
 *   PINHOLE_ERR_RANGE for a PORT above 65535 or more than
 *     PINHOLE_SQLNET_MAX_ADDRS addresses;
 *   PINHOLE_ERR_INVALID_ARG when d (with len > 0) or out is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_sqlnet_desc_parse(const uint8_t *d, size_t len,
                                             pinhole_sqlnet_desc *out);

/** pinhole_sqlnet_rewrite_addr.flags bits: what to replace. */
enum pinhole_sqlnet_rewrite_flag {
  PINHOLE_SQLNET_REWRITE_HOST = 0x1, /**< HOST value := dotted quad */
  PINHOLE_SQLNET_REWRITE_PORT = 0x2  /**< PORT value := decimal */
};

/** Replacements for one address. */
typedef struct pinhole_sqlnet_rewrite_addr {
  uint32_t flags; /**< enum pinhole_sqlnet_rewrite_flag bits */
  uint32_t addr;  /**< new HOST, IPv4 host byte order */
  uint16_t port;  /**< new PORT */
  uint16_t pad_;  /**< zero */
} pinhole_sqlnet_rewrite_addr;

/** Replacements for a descriptor; addr[i] applies to address i. */
typedef struct pinhole_sqlnet_rewrite {
  pinhole_sqlnet_rewrite_addr addr[PINHOLE_SQLNET_MAX_ADDRS];
} pinhole_sqlnet_rewrite;

/**
 * Writes a copy of descriptor d with, for each address i, the HOST and
 * PORT values replaced as rw->addr[i] selects; every other byte is copied
 * as is. A value is replaced only where address i has it; nothing is
 * added. Quotes around a HOST value are kept.
 *
 * @param d    descriptor bytes (borrowed); must not overlap out.
 * @param len  bytes at d.
 * @param rw   replacements (borrowed); entries past naddrs are ignored.
 * @param out  out: the new descriptor; untouched on error.
 * @param cap  bytes available at out.
 * @return the length written;
 *   any error of pinhole_sqlnet_desc_parse() on d;
 *   PINHOLE_ERR_NOBUF when the result would not fit in cap;
 *   PINHOLE_ERR_INVALID_ARG when rw is NULL, out is NULL with cap > 0,
 *     or the result would be longer than INT32_MAX.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_sqlnet_desc_rewrite(const uint8_t *d, size_t len,
                                               const pinhole_sqlnet_rewrite *rw,
                                               uint8_t *out, size_t cap);

/**
 * Writes a copy of a whole CONNECT or REDIRECT packet whose data
 * descriptor is rewritten as pinhole_sqlnet_desc_rewrite() does, with the
 * packet length (in its 16- or 32-bit form) and the connect/redirect data
 * length field set to the new sizes. Every other byte (checksums, which
 * Oracle leaves 0, included) is copied as is.
 *
 * @param p    one whole packet (borrowed); must not overlap out.
 * @param len  bytes at p: exactly the packet's total_len.
 * @param rw   replacements (borrowed).
 * @param out  out: the new packet; untouched on error.
 * @param cap  bytes available at out.
 * @return the new packet's length;
 *   any error of pinhole_sqlnet_frame() (PARTIAL included) or of
 *     pinhole_sqlnet_desc_parse() on the data;
 *   PINHOLE_ERR_NOMATCH when the packet is not a CONNECT or REDIRECT with
 *     its data in it (PINHOLE_SQLNET_PKT_DATA);
 *   PINHOLE_ERR_PARSE when len is not the packet's total_len;
 *   PINHOLE_ERR_RANGE when the new data or packet length does not fit
 *     its field (65535 for 16-bit fields);
 *   PINHOLE_ERR_NOBUF when the result would not fit in cap;
 *   PINHOLE_ERR_INVALID_ARG as for pinhole_sqlnet_desc_rewrite().
 * @since 0.2
 */
PINHOLE_EXTERN int
pinhole_sqlnet_packet_rewrite(const uint8_t *p, size_t len,
                              const pinhole_sqlnet_rewrite *rw, uint8_t *out,
                              size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_SQLNET_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: DNS message validation, walking and A-record
 * rewriting (RFC 1035; AAAA RFC 3596; EDNS0 RFC 6891; TCP RFC 7766).
 *
 * pinhole_dns_parse() checks a whole message (header counts against the
 * bytes, every name's labels, length and compression pointers, every
 * resource record's bounds, the size limit of its transport) and reports
 * the header, the questions and where the records start. Every violation
 * class has its own pinhole_dns_reason. pinhole_dns_rr_next() then walks
 * the records one by one (owner name, type, class, TTL, RDATA span), which
 * is how a caller finds every A and AAAA record's address bytes;
 * pinhole_dns_a_rewrite() changes one A record's address in place.
 * pinhole_dns_tcp_frame() splits a TCP stream at its 2-byte length
 * prefixes; pinhole_dns_name_normalize() and pinhole_dns_name_eq() compare
 * names across messages (a query and its answer).
 *
 * All offsets are from the first byte of the message (after the TCP
 * length prefix). Addresses are IPv4, host byte order (198.18.0.1 is
 * 0xC6120001). Nothing here allocates, keeps state or reads past the
 * length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_DNS_H
#define PINHOLE_DNS_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of the fixed header. */
#define PINHOLE_DNS_HEADER_LEN 12
/** Largest message over UDP without EDNS0 (RFC 1035 section 4.2.1). */
#define PINHOLE_DNS_UDP_MAX 512
/** Largest message at all (TCP length prefix, RFC 7766). */
#define PINHOLE_DNS_MSG_MAX 65535
/** Longest name, length octets and root included (RFC 1035 3.1). */
#define PINHOLE_DNS_NAME_MAX 255
/** Longest label (RFC 1035 section 2.3.4). */
#define PINHOLE_DNS_LABEL_MAX 63
/** Most compression pointers followed within one name. */
#define PINHOLE_DNS_MAX_HOPS 16
/** Most questions in one message (QDCOUNT). */
#define PINHOLE_DNS_MAX_QUESTIONS 4

/** Record types the parser looks into. */
enum pinhole_dns_type {
  PINHOLE_DNS_TYPE_A = 1,
  PINHOLE_DNS_TYPE_NS = 2,
  PINHOLE_DNS_TYPE_CNAME = 5,
  PINHOLE_DNS_TYPE_SOA = 6,
  PINHOLE_DNS_TYPE_NULL = 10,
  PINHOLE_DNS_TYPE_PTR = 12,
  PINHOLE_DNS_TYPE_MX = 15,
  PINHOLE_DNS_TYPE_AAAA = 28,
  PINHOLE_DNS_TYPE_SRV = 33,
  PINHOLE_DNS_TYPE_DNAME = 39,
  PINHOLE_DNS_TYPE_OPT = 41
};

/** The class IN. */
#define PINHOLE_DNS_CLASS_IN 1

/** Bits of pinhole_dns_msg.flags (the header's second 16-bit word). */
enum pinhole_dns_flag {
  PINHOLE_DNS_FLAG_QR = 0x8000, /**< a response */
  PINHOLE_DNS_FLAG_AA = 0x0400,
  PINHOLE_DNS_FLAG_TC = 0x0200,
  PINHOLE_DNS_FLAG_RD = 0x0100,
  PINHOLE_DNS_FLAG_RA = 0x0080,
  PINHOLE_DNS_FLAG_AD = 0x0020,
  PINHOLE_DNS_FLAG_CD = 0x0010
};

/** Why a message is refused: one reason per violation class. The first
 * violation met, walking from the header on, decides. */
enum pinhole_dns_reason {
  PINHOLE_DNS_OK = 0,
  /** Fewer than 12 bytes: no header. */
  PINHOLE_DNS_SHORT = 1,
  /** A question or record (name, fixed fields, RDATA) runs past the end:
   * the header counts more than the message holds. */
  PINHOLE_DNS_TRUNCATED = 2,
  /** Bytes left after the last counted record: the counts say less. */
  PINHOLE_DNS_TRAILING = 3,
  /** A label length octet 0x40..0xBF: a label over 63 octets, i.e. a
   * reserved or extended label type (RFC 6891 section 5). */
  PINHOLE_DNS_LABEL = 4,
  /** A name longer than 255 octets once expanded. */
  PINHOLE_DNS_NAME_LEN = 5,
  /** A compression pointer that does not point strictly backwards: to
   * the header, to itself or later, or not before the label run that
   * holds it (this rule alone makes loops impossible); or a name that,
   * once it followed a pointer, reads bytes of an address (the RDATA of
   * an A or AAAA record, or of a NB record in NetBIOS): rewriting an
   * address must never change a name. */
  PINHOLE_DNS_POINTER = 6,
  /** More than PINHOLE_DNS_MAX_HOPS pointers followed in one name. */
  PINHOLE_DNS_HOPS = 7,
  /** QDCOUNT above PINHOLE_DNS_MAX_QUESTIONS. */
  PINHOLE_DNS_QUESTIONS = 8,
  /** Class IN RDATA of the wrong shape: an A whose RDLENGTH is not 4, an
   * AAAA not 16; NS, CNAME, PTR, DNAME not exactly one name; MX not 2
   * bytes and a name; SRV not 6 bytes and a name; SOA not two names and
   * 20 bytes (a name running past RDATA included). */
  PINHOLE_DNS_RDATA = 9,
  /** An OPT record outside the additional section, a second one, one
   * whose owner is not the root, or whose options do not fill RDATA. */
  PINHOLE_DNS_OPT = 10,
  /** Over 512 bytes on UDP (or over the OPT record's payload size when
   * that is larger), or over 65535 bytes. */
  PINHOLE_DNS_TOO_LONG = 11,
  /** NetBIOS name service only: a NB or NBSTAT question or owner whose
   * first label is not 32 bytes of 'A'..'P' (RFC 1001 section 14.1). */
  PINHOLE_DNS_NB_NAME = 12,
  /** NetBIOS name service only: NB RDATA whose length is not a multiple
   * of 6 (2 in a WACK), or NBSTAT RDATA shorter than its name count. */
  PINHOLE_DNS_NB_RDATA = 13
};

/** pinhole_dns_parse() flags. */
enum pinhole_dns_parse_flag {
  /** The message came over TCP: no 512-byte limit (RFC 7766). */
  PINHOLE_DNS_PARSE_TCP = 0x1
};

/** pinhole_dns_msg.mflags bits. */
enum pinhole_dns_msg_flag {
  /** An OPT record was present; edns_* hold its fields. */
  PINHOLE_DNS_MSG_EDNS = 0x1
};

/** Where a record sits. */
enum pinhole_dns_section {
  PINHOLE_DNS_SECTION_ANSWER = 1,
  PINHOLE_DNS_SECTION_AUTHORITY = 2,
  PINHOLE_DNS_SECTION_ADDITIONAL = 3
};

/** One question. */
typedef struct pinhole_dns_question {
  size_t name_off; /**< first byte of QNAME */
  size_t name_len; /**< bytes QNAME occupies there (a pointer counts 2) */
  uint16_t qtype;
  uint16_t qclass;
  uint32_t pad_;
} pinhole_dns_question;

/** A parsed message. Filled by pinhole_dns_parse(). */
typedef struct pinhole_dns_msg {
  uint32_t reason; /**< enum pinhole_dns_reason: 0, or why refused */
  uint32_t mflags; /**< enum pinhole_dns_msg_flag bits */
  uint16_t id;
  uint16_t flags; /**< header bits: enum pinhole_dns_flag, opcode, rcode */
  uint8_t opcode; /**< (flags >> 11) & 15 */
  uint8_t rcode;  /**< flags & 15 (the EDNS extended bits are apart) */
  uint8_t edns_version;   /**< OPT TTL bits 16..23 */
  uint8_t edns_ext_rcode; /**< OPT TTL bits 24..31 */
  uint16_t edns_size;     /**< OPT CLASS: requestor's UDP payload size */
  uint16_t edns_flags;    /**< OPT TTL bits 0..15 (DO is 0x8000) */
  uint16_t qdcount, ancount, nscount, arcount;
  size_t limit;   /**< the size limit applied (512, EDNS size, 65535) */
  size_t rr_off;  /**< first record (end of the question section) */
  size_t opt_off; /**< the OPT record, when PINHOLE_DNS_MSG_EDNS */
  size_t n_a;     /**< A records (class IN), all sections */
  size_t n_aaaa;  /**< AAAA records (class IN), all sections */
  size_t n_nb;    /**< NB_ADDRESS entries (pinhole_nbns_parse() only) */
  pinhole_dns_question question[PINHOLE_DNS_MAX_QUESTIONS]; /**< qdcount */
} pinhole_dns_msg;

/** One resource record. Filled by pinhole_dns_rr_next(). */
typedef struct pinhole_dns_rr {
  uint32_t section; /**< enum pinhole_dns_section */
  uint16_t type;
  uint16_t rclass;
  uint32_t ttl;
  uint32_t pad_;
  size_t off;       /**< first byte of the record (its owner name) */
  size_t name_len;  /**< bytes the owner name occupies at off */
  size_t rdata_off; /**< RDATA: for an A record, the 4 address bytes */
  size_t rdlength;
} pinhole_dns_rr;

/** Position of a record walk. Zero it to start. */
typedef struct pinhole_dns_iter {
  size_t pos;   /**< next record's offset (0: not started) */
  size_t index; /**< records returned so far */
} pinhole_dns_iter;

/**
 * Validates one DNS message and reports its header and questions.
 *
 * Checked, in order: the header (SHORT); a length over 65535 (TOO_LONG);
 * QDCOUNT (QUESTIONS); each question's name (LABEL, NAME_LEN, POINTER,
 * HOPS, TRUNCATED) and QTYPE/QCLASS (TRUNCATED); each of ANCOUNT +
 * NSCOUNT + ARCOUNT records: owner name as above, fixed fields and RDATA
 * within the message (TRUNCATED), RDATA shape (RDATA, or a name reason),
 * OPT placement and shape (OPT);
 * nothing left over (TRAILING); the size (TOO_LONG). Compression pointers
 * must point at or after byte 12 and strictly before the label run they
 * end, so a name is read in at most PINHOLE_DNS_MAX_HOPS + 1 runs, each
 * lower in the message than the last, and none of them reading an
 * address (POINTER). Class IN RDATA of A, AAAA, NS, CNAME, PTR, DNAME,
 * MX, SRV and SOA is checked (RDATA; the names in it as owner names);
 * other RDATA is opaque. Class NONE and ANY records (UPDATE, RFC 2136)
 * may have empty RDATA.
 *
 * The size limit: over UDP 512 bytes, or the OPT record's payload size
 * when an OPT record is present and says more (a requestor's advertised
 * size; a response is also bound by its query's, which only the caller
 * knows); over TCP (flags PINHOLE_DNS_PARSE_TCP) 65535.
 *
 * @param p      message bytes (borrowed, read only).
 * @param len    bytes at p: exactly one message.
 * @param flags  enum pinhole_dns_parse_flag bits; others must be 0.
 * @param m      out: on 0 filled; on PINHOLE_ERR_PARSE, RANGE and
 *               UNSUPPORTED m->reason says why and the fields read before
 *               the violation are set. Always written unless the
 *               arguments are invalid.
 * @return 0 for a valid message;
 *   PINHOLE_ERR_RANGE for TOO_LONG;
 *   PINHOLE_ERR_UNSUPPORTED for QUESTIONS;
 *   PINHOLE_ERR_PARSE for every other reason;
 *   PINHOLE_ERR_INVALID_ARG when m is NULL, p is NULL with len > 0, or
 *     flags has unknown bits.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_dns_parse(const uint8_t *p, size_t len,
                                     unsigned flags, pinhole_dns_msg *m);

/**
 * Returns the next resource record of a message that pinhole_dns_parse()
 * (or pinhole_nbns_parse()) accepted, in wire order: answers, authority,
 * additional. The record is read again from p with every bound checked,
 * so a p that is not the parsed message cannot be read out of bounds.
 *
 * A caller doctoring addresses keeps the records with type
 * PINHOLE_DNS_TYPE_A and rclass PINHOLE_DNS_CLASS_IN: their 4 address
 * bytes are at rdata_off (AAAA: 16 bytes).
 *
 * @param p    the message (borrowed, read only).
 * @param len  bytes at p.
 * @param m    the message's parse result (borrowed).
 * @param it   walk position; zero it before the first call.
 * @param rr   out: the record, on 0.
 * @return 0 with *rr filled; PINHOLE_ERR_NOMATCH after the last record;
 *   PINHOLE_ERR_PARSE when p does not hold the next record as m counts
 *   it; PINHOLE_ERR_INVALID_ARG when an argument is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_dns_rr_next(const uint8_t *p, size_t len,
                                       const pinhole_dns_msg *m,
                                       pinhole_dns_iter *it,
                                       pinhole_dns_rr *rr);

/**
 * Rewrites the address of one A record in place (4 bytes; the message
 * length does not change). The 10 bytes before rdata_off must be the
 * record's TYPE A, CLASS IN, TTL and RDLENGTH 4, as pinhole_dns_rr_next()
 * reports them; anything else is refused and nothing is written. In a
 * message pinhole_dns_parse() accepted no name reads these bytes, so the
 * message stays valid and says the same but for this address. Note for
 * checksums: rdata_off may be odd; an incremental update of a checksum
 * over the message must then swap the bytes within each 16-bit half of
 * both values (RFC 1071 byte order independence).
 *
 * @param p          the message (borrowed, written).
 * @param len        bytes at p.
 * @param rdata_off  a record's rdata_off.
 * @param addr       the new address, host byte order.
 * @param old        out, may be NULL: the address that was there (for an
 *                   incremental checksum update).
 * @return 0; PINHOLE_ERR_INVALID_ARG when p is NULL or rdata_off is not
 *   the RDATA of an A/IN record with RDLENGTH 4 inside len.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_dns_a_rewrite(uint8_t *p, size_t len,
                                         size_t rdata_off, uint32_t addr,
                                         uint32_t *old);

/**
 * Finds the first DNS message in a TCP byte stream (RFC 1035 4.2.2,
 * RFC 7766 section 8): a 2-byte big-endian length, then that many bytes.
 * Several messages may follow each other; the next one starts at
 * 2 + *msg_len.
 *
 * @param p        stream bytes from a message boundary (borrowed).
 * @param len      bytes at p.
 * @param msg_len  out: the message's length (not counting the prefix),
 *                 or 0 when fewer than 2 bytes are held.
 * @return 0 when the whole message p[2 .. 2 + *msg_len) is held;
 *   PINHOLE_ERR_PARTIAL when more bytes are needed;
 *   PINHOLE_ERR_PARSE when the length is below 12 (no header fits);
 *   PINHOLE_ERR_INVALID_ARG when msg_len is NULL or p is NULL with
 *   len > 0.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_dns_tcp_frame(const uint8_t *p, size_t len,
                                         size_t *msg_len);

/**
 * Writes the name at off, expanded (no pointers) and with ASCII letters
 * in lower case, in wire form: length-prefixed labels and the root's 0.
 * Two names are equal in DNS (RFC 4343) exactly when these forms are
 * equal, so the result can be stored or hashed to match an answer to its
 * query.
 *
 * @param p    the message (borrowed, read only).
 * @param len  bytes at p.
 * @param off  first byte of the name (e.g. a question's name_off).
 * @param out  caller buffer (PINHOLE_DNS_NAME_MAX bytes always suffice);
 *             unspecified on error.
 * @param cap  bytes at out.
 * @return the length written (1..255); PINHOLE_ERR_PARSE when the name
 *   is malformed as pinhole_dns_parse() defines it; PINHOLE_ERR_NOBUF
 *   when cap is too small; PINHOLE_ERR_INVALID_ARG when p or out is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_dns_name_normalize(const uint8_t *p, size_t len,
                                              size_t off, uint8_t *out,
                                              size_t cap);

/**
 * Compares two names, each in its own message, as DNS does: label by
 * label, ASCII case ignored, pointers followed.
 *
 * @return 1 when equal, 0 when not; PINHOLE_ERR_PARSE when either name
 *   is malformed; PINHOLE_ERR_INVALID_ARG when pa or pb is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_dns_name_eq(const uint8_t *pa, size_t lena,
                                       size_t offa, const uint8_t *pb,
                                       size_t lenb, size_t offb);

/**
 * Returns a short constant name for a pinhole_dns_reason ("pointer",
 * "too-long"), or "unknown".
 * @since 0.2
 */
PINHOLE_EXTERN const char *pinhole_dns_reason_name(int reason);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_DNS_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: SNMP message parsing with a bounded BER decoder
 * (RFC 1157 SNMPv1, RFC 1901/3416 SNMPv2c PDUs, RFC 3412 SNMPv3 header,
 * RFC 3417 section 8 BER rules; X.690 encoding).
 *
 * pinhole_snmp_parse() first checks that the datagram is well-formed BER
 * (definite lengths only, length-of-length at most 4, every element inside
 * its container, nesting at most PINHOLE_SNMP_MAX_DEPTH), then walks
 * Message -> version, community (or the v3 header) -> PDU -> variable
 * bindings, checking each field's type and range. It reports the header
 * fields, a v1 Trap's agent-addr (the IpAddress a NAT rewrites) and where
 * the variable bindings are; pinhole_snmp_varbind_next() walks them, and
 * every IpAddress value (APPLICATION 0) it finds can be rewritten in place
 * with pinhole_snmp_ipaddr_rewrite(): an IpAddress is always 4 bytes, so
 * no length changes anywhere.
 *
 * All offsets are from the first byte of the UDP payload. Addresses are
 * IPv4, host byte order. Nothing here allocates, keeps state or reads
 * past the length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_SNMP_H
#define PINHOLE_SNMP_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Deepest nesting of constructed elements (Message is depth 1). */
#define PINHOLE_SNMP_MAX_DEPTH 8
/** Most sub-identifiers in an OBJECT IDENTIFIER (RFC 2578 3.5). */
#define PINHOLE_SNMP_MAX_OID 128

/** Message versions (the wire value of the version field). */
enum pinhole_snmp_version {
  PINHOLE_SNMP_VERSION_1 = 0,
  PINHOLE_SNMP_VERSION_2C = 1,
  PINHOLE_SNMP_VERSION_3 = 3
};

/** PDU types (their BER tags). */
enum pinhole_snmp_pdu {
  PINHOLE_SNMP_PDU_GET = 0xA0,
  PINHOLE_SNMP_PDU_GETNEXT = 0xA1,
  PINHOLE_SNMP_PDU_RESPONSE = 0xA2,
  PINHOLE_SNMP_PDU_SET = 0xA3,
  PINHOLE_SNMP_PDU_TRAP_V1 = 0xA4, /**< v1 only */
  PINHOLE_SNMP_PDU_GETBULK = 0xA5, /**< v2c and v3 only, as the rest */
  PINHOLE_SNMP_PDU_INFORM = 0xA6,
  PINHOLE_SNMP_PDU_TRAP_V2 = 0xA7,
  PINHOLE_SNMP_PDU_REPORT = 0xA8
};

/** Value tags of a variable binding. */
enum pinhole_snmp_tag {
  PINHOLE_SNMP_TAG_INTEGER = 0x02,
  PINHOLE_SNMP_TAG_OCTET_STRING = 0x04,
  PINHOLE_SNMP_TAG_NULL = 0x05,
  PINHOLE_SNMP_TAG_OID = 0x06,
  PINHOLE_SNMP_TAG_IPADDRESS = 0x40, /**< [APPLICATION 0], 4 bytes */
  PINHOLE_SNMP_TAG_COUNTER32 = 0x41,
  PINHOLE_SNMP_TAG_GAUGE32 = 0x42,
  PINHOLE_SNMP_TAG_TIMETICKS = 0x43,
  PINHOLE_SNMP_TAG_OPAQUE = 0x44,
  PINHOLE_SNMP_TAG_NSAPADDRESS = 0x45,
  PINHOLE_SNMP_TAG_COUNTER64 = 0x46,
  PINHOLE_SNMP_TAG_UINTEGER32 = 0x47,
  PINHOLE_SNMP_TAG_NO_SUCH_OBJECT = 0x80,
  PINHOLE_SNMP_TAG_NO_SUCH_INSTANCE = 0x81,
  PINHOLE_SNMP_TAG_END_OF_MIB_VIEW = 0x82
};

/** Why a message is refused. BER checks come first (over the whole
 * datagram), then the message syntax from the outside in. */
enum pinhole_snmp_reason {
  PINHOLE_SNMP_OK = 0,
  /** An element (its length octets or its contents) runs past its
   * container or the datagram. */
  PINHOLE_SNMP_TRUNCATED = 1,
  /** Bytes after the Message, or after the last field of a SEQUENCE or
   * PDU. */
  PINHOLE_SNMP_TRAILING = 2,
  /** The indefinite length form (0x80). */
  PINHOLE_SNMP_INDEFINITE = 3,
  /** A long length form with more than 4 length octets (or 0xFF). */
  PINHOLE_SNMP_LENGTH = 4,
  /** A tag in the high-tag-number form (low five bits all ones). */
  PINHOLE_SNMP_TAG = 5,
  /** Constructed elements nested deeper than PINHOLE_SNMP_MAX_DEPTH. */
  PINHOLE_SNMP_DEPTH = 6,
  /** An element of the wrong type where the syntax wants another: the
   * Message not a SEQUENCE, a community not an OCTET STRING, a variable
   * binding not {OID, value}, a value of no SNMP type, NULL or an
   * exception with contents. */
  PINHOLE_SNMP_STRUCTURE = 7,
  /** An integer empty, longer than its type allows (5 bytes, 9 for
   * Counter64) or out of its field's range (request-id Integer32,
   * error-status 0..18, error-index, generic-trap 0..6, unsigned types
   * negative, msgMaxSize below 484 ...). */
  PINHOLE_SNMP_INTEGER = 8,
  /** A version other than 0 (v1), 1 (v2c) or 3. */
  PINHOLE_SNMP_VERSION = 9,
  /** Not a PDU tag, or one the version does not have (Trap-PDU outside
   * v1; GetBulk, Inform, SNMPv2-Trap, Report in v1). */
  PINHOLE_SNMP_PDU = 10,
  /** An IpAddress whose length is not 4. */
  PINHOLE_SNMP_IPADDR = 11,
  /** An OBJECT IDENTIFIER empty, over PINHOLE_SNMP_MAX_OID
   * sub-identifiers, with a sub-identifier over 32 bits or padded with a
   * leading 0x80, or whose last byte continues. */
  PINHOLE_SNMP_OID = 12,
  /** SNMPv3 msgFlags not one byte, or privacy without authentication. */
  PINHOLE_SNMP_V3 = 13
};

/** pinhole_snmp_msg.flags bits. */
enum pinhole_snmp_msg_flag {
  /** v3 with privacy: the scoped PDU is encrypted (pdu_type 0, no
   * variable bindings). */
  PINHOLE_SNMP_MSG_ENCRYPTED = 0x1
};

/** A parsed message. Filled by pinhole_snmp_parse(). */
typedef struct pinhole_snmp_msg {
  uint32_t reason;      /**< enum pinhole_snmp_reason */
  uint32_t version;     /**< enum pinhole_snmp_version */
  uint32_t pdu_type;    /**< enum pinhole_snmp_pdu; 0 when encrypted */
  uint32_t flags;       /**< enum pinhole_snmp_msg_flag bits */
  size_t community_off; /**< v1, v2c: community contents */
  size_t community_len;
  /* v3 header (RFC 3412 section 6) */
  uint32_t msg_id;
  uint32_t msg_max_size;
  uint32_t security_model;
  uint8_t msg_flags; /**< auth 0x1, priv 0x2, reportable 0x4 */
  uint8_t pad_[3];
  /* PDU (not the v1 Trap-PDU) */
  int32_t request_id;
  uint32_t error_status; /**< GetBulk: non-repeaters */
  uint32_t error_index;  /**< GetBulk: max-repetitions */
  /* v1 Trap-PDU (RFC 1157 section 4.1.6) */
  uint32_t generic_trap; /**< 0..6 */
  int32_t specific_trap;
  uint32_t time_stamp;   /**< TimeTicks */
  uint32_t agent_addr;   /**< the agent-addr value */
  size_t agent_addr_off; /**< its 4 bytes; 0 when not a v1 Trap */
  size_t enterprise_off; /**< enterprise OID contents */
  size_t enterprise_len;
  /* variable bindings */
  size_t varbinds_off; /**< contents of the VarBindList SEQUENCE */
  size_t varbinds_len;
  size_t nvarbinds;
  size_t n_ipaddr; /**< IpAddress values among them */
} pinhole_snmp_msg;

/** One variable binding. Filled by pinhole_snmp_varbind_next(). */
typedef struct pinhole_snmp_varbind {
  size_t name_off; /**< OID contents */
  size_t name_len;
  size_t value_off; /**< value contents: an IpAddress's 4 bytes */
  size_t value_len;
  uint8_t tag; /**< enum pinhole_snmp_tag */
  uint8_t pad_[7];
} pinhole_snmp_varbind;

/** Position of a variable binding walk. Zero it to start. */
typedef struct pinhole_snmp_iter {
  size_t pos; /**< next binding's offset (0: not started) */
} pinhole_snmp_iter;

/**
 * Validates one SNMP message (a whole UDP payload, port 161 or 162).
 *
 * Message ::= SEQUENCE { version INTEGER, community OCTET STRING, PDU }
 * for v1 and v2c; SEQUENCE { version 3, msgGlobalData SEQUENCE {msgID,
 * msgMaxSize, msgFlags, msgSecurityModel}, msgSecurityParameters OCTET
 * STRING, ScopedPDU SEQUENCE { contextEngineID, contextName, PDU } or an
 * encrypted OCTET STRING } for v3. A PDU is request-id, error-status,
 * error-index, VarBindList; a v1 Trap-PDU is enterprise, agent-addr,
 * generic-trap, specific-trap, time-stamp, VarBindList. Long length
 * forms need not be minimal (net-snmp writes 0x82 for short lengths);
 * only SEQUENCE and PDUs may be constructed.
 *
 * @param p    payload bytes (borrowed, read only).
 * @param len  bytes at p: exactly one message.
 * @param m    out: on 0 filled; on PINHOLE_ERR_PARSE m->reason says why
 *             and the fields read before are set.
 * @return 0; PINHOLE_ERR_PARSE with m->reason;
 *   PINHOLE_ERR_INVALID_ARG when m is NULL or p is NULL with len > 0.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_snmp_parse(const uint8_t *p, size_t len,
                                      pinhole_snmp_msg *m);

/**
 * Returns the next variable binding of a message that
 * pinhole_snmp_parse() accepted. Each binding is read again from p with
 * every bound checked.
 *
 * @param p    the message (borrowed, read only).
 * @param len  bytes at p.
 * @param m    its parse result (borrowed).
 * @param it   walk position; zero it before the first call.
 * @param vb   out: the binding, on 0.
 * @return 0 with *vb filled; PINHOLE_ERR_NOMATCH after the last;
 *   PINHOLE_ERR_PARSE when p does not hold a valid binding there;
 *   PINHOLE_ERR_INVALID_ARG when an argument is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_snmp_varbind_next(const uint8_t *p, size_t len,
                                             const pinhole_snmp_msg *m,
                                             pinhole_snmp_iter *it,
                                             pinhole_snmp_varbind *vb);

/**
 * Rewrites one IpAddress value in place: the v1 Trap's agent-addr
 * (m->agent_addr_off) or a binding's value_off. The two bytes before off
 * must be the IpAddress tag 0x40 and length 4; anything else is refused
 * and nothing is written.
 *
 * @param p     the message (borrowed, written).
 * @param len   bytes at p.
 * @param off   first of the 4 address bytes.
 * @param addr  the new address, host byte order.
 * @param old   out, may be NULL: the address that was there.
 * @return 0; PINHOLE_ERR_INVALID_ARG when p is NULL or off is not the
 *   contents of a 4-byte IpAddress inside len.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_snmp_ipaddr_rewrite(uint8_t *p, size_t len,
                                               size_t off, uint32_t addr,
                                               uint32_t *old);

/**
 * Returns a short constant name for a pinhole_snmp_reason ("indefinite"),
 * or "unknown".
 * @since 0.2
 */
PINHOLE_EXTERN const char *pinhole_snmp_reason_name(int reason);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_SNMP_H */

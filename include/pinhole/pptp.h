/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: PPTP control messages and the enhanced GRE header
 * (RFC 2637), for the PPTP ALG.
 *
 * A PPTP control connection (TCP 1723) carries fixed-length messages.
 * pinhole_pptp_frame() frames one at the start of a buffer, checks its
 * length, PPTP message type and magic cookie, and reports where its Call
 * ID and Peer's Call ID fields are, so that the glue can translate call
 * IDs in place (two bytes, network order). pinhole_pptp_gre_parse() reads
 * the enhanced GRE header (version 1) of the data channel, whose Call ID
 * field (the receiver's call ID) sits at a fixed offset.
 *
 * RFC 2637 roles: the PNS (PPTP Network Server, normally the VPN client)
 * and the PAC (PPTP Access Concentrator, normally the VPN server). Each
 * side picks its own Call ID for a call; a message's "Call ID" field is
 * its sender's, its "Peer's Call ID" field the receiver's.
 *
 * All offsets are from the first byte passed in. Nothing here allocates,
 * keeps state or reads past the length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_PPTP_H
#define PINHOLE_PPTP_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The magic cookie every control message carries. */
#define PINHOLE_PPTP_MAGIC 0x1A2B3C4Du
/** Control message header: length, type, cookie, control type, reserved. */
#define PINHOLE_PPTP_HEADER_LEN 12u
/** Longest control message (Incoming-Call-Request). */
#define PINHOLE_PPTP_MAX_MSG 220u
/** GRE protocol type of PPTP data packets (PPP). */
#define PINHOLE_PPTP_GRE_PROTO 0x880Bu

/** Control message types (RFC 2637 section 2), with their lengths. */
enum pinhole_pptp_type {
  PINHOLE_PPTP_START_CTRL_REQUEST = 1,      /**< 156 bytes, either side */
  PINHOLE_PPTP_START_CTRL_REPLY = 2,        /**< 156, either side */
  PINHOLE_PPTP_STOP_CTRL_REQUEST = 3,       /**< 16, either side */
  PINHOLE_PPTP_STOP_CTRL_REPLY = 4,         /**< 16, either side */
  PINHOLE_PPTP_ECHO_REQUEST = 5,            /**< 16, either side */
  PINHOLE_PPTP_ECHO_REPLY = 6,              /**< 20, either side */
  PINHOLE_PPTP_OUT_CALL_REQUEST = 7,        /**< 168, PNS: Call ID */
  PINHOLE_PPTP_OUT_CALL_REPLY = 8,          /**< 32, PAC: Call ID, Peer's */
  PINHOLE_PPTP_IN_CALL_REQUEST = 9,         /**< 220, PAC: Call ID */
  PINHOLE_PPTP_IN_CALL_REPLY = 10,          /**< 24, PNS: Call ID, Peer's */
  PINHOLE_PPTP_IN_CALL_CONNECTED = 11,      /**< 28, PAC: Peer's Call ID */
  PINHOLE_PPTP_CALL_CLEAR_REQUEST = 12,     /**< 16, PNS: Call ID */
  PINHOLE_PPTP_CALL_DISCONNECT_NOTIFY = 13, /**< 148, PAC: Call ID */
  PINHOLE_PPTP_WAN_ERROR_NOTIFY = 14,       /**< 40, PAC: Peer's Call ID */
  PINHOLE_PPTP_SET_LINK_INFO = 15           /**< 24, PNS: Peer's Call ID */
};

/** Who sends a message type, per RFC 2637. */
enum pinhole_pptp_sender {
  PINHOLE_PPTP_SENDER_EITHER = 0,
  PINHOLE_PPTP_SENDER_PNS = 1,
  PINHOLE_PPTP_SENDER_PAC = 2
};

/** pinhole_pptp_msg.flags bits: which fields the message has. */
enum pinhole_pptp_msg_flag {
  PINHOLE_PPTP_MSG_CALL_ID = 0x1,      /**< the sender's Call ID */
  PINHOLE_PPTP_MSG_PEER_CALL_ID = 0x2, /**< the receiver's Call ID */
  PINHOLE_PPTP_MSG_RESULT = 0x4        /**< a Result Code */
};

/** One framed control message. Filled by pinhole_pptp_frame(). */
typedef struct pinhole_pptp_msg {
  uint16_t type;           /**< enum pinhole_pptp_type */
  uint16_t length;         /**< the Length field: the message's size */
  uint32_t flags;          /**< enum pinhole_pptp_msg_flag bits */
  uint8_t sender;          /**< enum pinhole_pptp_sender */
  uint8_t result;          /**< Result Code, when PINHOLE_PPTP_MSG_RESULT */
  uint16_t call_id;        /**< when PINHOLE_PPTP_MSG_CALL_ID */
  uint16_t peer_call_id;   /**< when PINHOLE_PPTP_MSG_PEER_CALL_ID */
  uint16_t pad_;           /**< zero */
  size_t call_id_off;      /**< offset of the Call ID field (0: none) */
  size_t peer_call_id_off; /**< offset of the Peer's Call ID field (0: none) */
} pinhole_pptp_msg;

/**
 * Frames one PPTP control message starting at p[0].
 *
 * Checked: Length equals the fixed length of the control message type
 * (see enum pinhole_pptp_type), PPTP Message Type is 1 (control), the
 * Magic Cookie is PINHOLE_PPTP_MAGIC and the Control Message Type is
 * 1..15. Reserved fields, names and numbers inside are not checked. The
 * header fields present are checked even when the message is not
 * complete, so a bad stream is refused at its first bad byte.
 *
 * @param p    stream bytes from a message start (borrowed, read only).
 * @param len  bytes at p; bytes after m->length belong to the next
 *             message.
 * @param m    out: filled on 0; on PINHOLE_ERR_PARTIAL, m->type and
 *             m->length are set once the header is complete (0 before),
 *             the rest is zero; zeroed otherwise.
 * @return 0 when the whole message is within len;
 *   PINHOLE_ERR_PARTIAL when more bytes are needed (len 0 included);
 *   PINHOLE_ERR_PARSE for a Length below PINHOLE_PPTP_HEADER_LEN or other
 *     than the type's, a PPTP Message Type other than 1, a wrong magic
 *     cookie or a control message type 0 or above 15;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or m is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_pptp_frame(const uint8_t *p, size_t len,
                                      pinhole_pptp_msg *m);

/** pinhole_pptp_gre.flags bits. */
enum pinhole_pptp_gre_flag {
  PINHOLE_PPTP_GRE_SEQ = 0x1, /**< S: a sequence number (and payload) */
  PINHOLE_PPTP_GRE_ACK = 0x2  /**< A: an acknowledgment number */
};

/** An enhanced GRE header. Filled by pinhole_pptp_gre_parse(). */
typedef struct pinhole_pptp_gre {
  uint32_t flags;       /**< enum pinhole_pptp_gre_flag bits */
  uint16_t payload_len; /**< Key high half: PPP payload bytes */
  uint16_t call_id;     /**< Key low half: the receiver's Call ID */
  uint32_t seq;   /**< when PINHOLE_PPTP_GRE_SEQ (0 if quoted and cut off) */
  uint32_t ack;   /**< when PINHOLE_PPTP_GRE_ACK (0 if quoted and cut off) */
  size_t hdr_len; /**< 8, 12 or 16 from the bits: where the payload
                       starts (may exceed len when quoted) */
  size_t call_id_off; /**< offset of the Call ID field: 6 */
} pinhole_pptp_gre;

/**
 * Parses an enhanced GRE header (RFC 2637 section 4.1) at p[0] (the first
 * byte after the IP header).
 *
 * Required: C, R, s and Recur zero, K one, Flags zero, Ver 1, Protocol
 * Type 0x880B; with S clear the payload length is 0 (an acknowledgment
 * alone). Unless quoted, the header with its optional sequence and
 * acknowledgment numbers must be within len, and payload_len must not
 * exceed the bytes after it (trailing bytes are allowed).
 *
 * @param p       GRE bytes (borrowed, read only).
 * @param len     bytes at p.
 * @param quoted  non-zero for the header quoted in an ICMP error (only
 *                the first 8 bytes are required; seq and ack are read
 *                when present; payload_len is not checked against len).
 * @param g       out: filled on 0; zeroed otherwise.
 * @return 0 on success;
 *   PINHOLE_ERR_NOMATCH when len >= 2 and Ver is not 1 (other GRE, not
 *     PPTP's);
 *   PINHOLE_ERR_PARSE for a header shorter than required or any field
 *     above that is wrong;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or g is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_pptp_gre_parse(const uint8_t *p, size_t len,
                                          int quoted, pinhole_pptp_gre *g);

/**
 * Returns the static name of a control message type
 * ("Outgoing-Call-Request", ...), or "unknown".
 * @since 0.2
 */
PINHOLE_EXTERN const char *pinhole_pptp_type_name(int type);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_PPTP_H */

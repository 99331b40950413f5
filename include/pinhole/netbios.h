/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: NetBIOS over TCP/IP name service (UDP 137) and
 * datagram service (UDP 138) parsing (RFC 1001, RFC 1002).
 *
 * The name service (NBNS) speaks DNS's wire format with NetBIOS names;
 * pinhole_nbns_parse() validates a message with the DNS checks of
 * pinhole_dns_parse() plus the NetBIOS ones and fills the same
 * pinhole_dns_msg, so pinhole_dns_rr_next() walks its records. A NB
 * record's RDATA is a list of 6-byte entries, NB_FLAGS (2) then
 * NB_ADDRESS (4): entry i of record rr has its address at
 *   rr.rdata_off + PINHOLE_NBNS_NB_ENTRY_LEN * i + 2,  i < rr.rdlength / 6.
 * Those addresses (in name query responses, registration requests and
 * responses, release and refresh messages) are what a NAT rewrites.
 *
 * The datagram service (NBDS) header carries the sender's SOURCE_IP and
 * SOURCE_PORT; pinhole_nbds_parse() validates a datagram and gives their
 * offsets (always 4 and 8) with the names and data.
 *
 * All offsets are from the first byte of the UDP payload. Addresses are
 * IPv4, host byte order. Nothing here allocates, keeps state or reads
 * past the length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_NETBIOS_H
#define PINHOLE_NETBIOS_H

#include <pinhole/common.h>
#include <pinhole/dns.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Name service opcodes (pinhole_dns_msg.opcode; RFC 1002 4.2.1.1). */
enum pinhole_nbns_opcode {
  PINHOLE_NBNS_OPCODE_QUERY = 0,
  PINHOLE_NBNS_OPCODE_REGISTRATION = 5,
  PINHOLE_NBNS_OPCODE_RELEASE = 6,
  PINHOLE_NBNS_OPCODE_WACK = 7,
  PINHOLE_NBNS_OPCODE_REFRESH = 8,
  PINHOLE_NBNS_OPCODE_REFRESH_ALT = 9, /**< sent by some implementations */
  PINHOLE_NBNS_OPCODE_MULTIHOMED = 15  /**< multi-homed registration */
};

/** Name service record and question types (besides A, NS, NULL). */
enum pinhole_nbns_type {
  PINHOLE_NBNS_TYPE_NB = 0x20,    /**< general name service resource */
  PINHOLE_NBNS_TYPE_NBSTAT = 0x21 /**< node status */
};

/** The broadcast bit of the header flags (NM_FLAGS B). */
#define PINHOLE_NBNS_FLAG_B 0x0010
/** Bytes of one NB RDATA entry: NB_FLAGS then NB_ADDRESS. */
#define PINHOLE_NBNS_NB_ENTRY_LEN 6
/** NB_FLAGS: group name. */
#define PINHOLE_NBNS_NB_GROUP 0x8000
/** NB_FLAGS: owner node type (B 0, P 1, M 2, H 3 in bits 13..14). */
#define PINHOLE_NBNS_NB_ONT_MASK 0x6000

/**
 * Validates one NetBIOS name service message (UDP 137).
 *
 * Every check of pinhole_dns_parse() applies, but the size limit is 65535
 * and class IN RDATA is checked for A and NS only (type 33 is NBSTAT
 * here, not SRV); NB RDATA joins A RDATA as bytes no name may read
 * through a pointer. Then: each question's name, and the owner of each NB
 * and NBSTAT record, is a NetBIOS name: first label exactly 32 bytes of
 * 'A'..'P' (the first-level encoding of 16 bytes), then any scope labels
 * (NB_NAME); NB RDATA is a whole number of 6-byte entries, or exactly 2
 * bytes in a WACK (opcode 7) (NB_RDATA); NBSTAT RDATA holds at least
 * NUM_NAMES 18-byte entries after its count byte (NB_RDATA). m->n_nb
 * counts the NB entries of all records.
 *
 * @param p    payload bytes (borrowed, read only).
 * @param len  bytes at p.
 * @param m    out: as for pinhole_dns_parse(); m->reason a
 *             pinhole_dns_reason.
 * @return 0; PINHOLE_ERR_PARSE, PINHOLE_ERR_RANGE or
 *   PINHOLE_ERR_UNSUPPORTED with m->reason set, as for
 *   pinhole_dns_parse(); PINHOLE_ERR_INVALID_ARG when m is NULL or p is
 *   NULL with len > 0.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_nbns_parse(const uint8_t *p, size_t len,
                                      pinhole_dns_msg *m);

/**
 * Decodes the NetBIOS name at off (first-level encoding, RFC 1001 14.1):
 * 16 bytes, the 15-byte name padded with spaces and the suffix byte
 * (0x00 workstation, 0x20 server, 0x1B/0x1C/0x1D/0x1E domain ...).
 * Pointers are followed as in a name service message.
 *
 * @param p    the message (borrowed, read only).
 * @param len  bytes at p.
 * @param off  first byte of the name.
 * @param out  caller buffer of 16 bytes; unspecified on error.
 * @return 0; PINHOLE_ERR_PARSE when the name is malformed or its first
 *   label is not 32 bytes of 'A'..'P'; PINHOLE_ERR_INVALID_ARG when p or
 *   out is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_netbios_name_decode(const uint8_t *p, size_t len,
                                               size_t off, uint8_t *out);

/** Datagram service message types (RFC 1002 4.4.1). */
enum pinhole_nbds_type {
  PINHOLE_NBDS_TYPE_DIRECT_UNIQUE = 0x10,
  PINHOLE_NBDS_TYPE_DIRECT_GROUP = 0x11,
  PINHOLE_NBDS_TYPE_BROADCAST = 0x12,
  PINHOLE_NBDS_TYPE_ERROR = 0x13,
  PINHOLE_NBDS_TYPE_QUERY_REQUEST = 0x14,
  PINHOLE_NBDS_TYPE_POSITIVE_RESPONSE = 0x15,
  PINHOLE_NBDS_TYPE_NEGATIVE_RESPONSE = 0x16
};

/** Why a datagram is refused. */
enum pinhole_nbds_reason {
  PINHOLE_NBDS_OK = 0,
  /** Shorter than its type's header (10, 11 for ERROR, 14 for data). */
  PINHOLE_NBDS_SHORT = 1,
  /** MSG_TYPE not 0x10..0x16. */
  PINHOLE_NBDS_TYPE = 2,
  /** DGM_LENGTH is not the number of bytes after the 14-byte header. */
  PINHOLE_NBDS_LENGTH = 3,
  /** A name that is malformed, truncated, compressed, or whose first
   * label is not 32 bytes of 'A'..'P'. */
  PINHOLE_NBDS_NAME = 4,
  /** Bytes after the end of an ERROR or query datagram. */
  PINHOLE_NBDS_TRAILING = 5
};

/** Offset of SOURCE_IP in every datagram. */
#define PINHOLE_NBDS_SOURCE_IP_OFF 4
/** Offset of SOURCE_PORT in every datagram. */
#define PINHOLE_NBDS_SOURCE_PORT_OFF 8
/** FLAGS: more fragments follow. */
#define PINHOLE_NBDS_FLAG_MORE 0x01
/** FLAGS: first fragment. */
#define PINHOLE_NBDS_FLAG_FIRST 0x02

/** A parsed datagram. Filled by pinhole_nbds_parse(). */
typedef struct pinhole_nbds_msg {
  uint32_t reason; /**< enum pinhole_nbds_reason */
  uint8_t type;    /**< enum pinhole_nbds_type */
  uint8_t flags;   /**< PINHOLE_NBDS_FLAG_*, SNT in bits 2..3 */
  uint16_t dgm_id;
  uint32_t source_ip;     /**< at PINHOLE_NBDS_SOURCE_IP_OFF */
  uint16_t source_port;   /**< at PINHOLE_NBDS_SOURCE_PORT_OFF */
  uint16_t dgm_length;    /**< data types */
  uint16_t packet_offset; /**< data types */
  uint8_t error_code;     /**< ERROR */
  uint8_t pad_;
  size_t source_name_off; /**< data types; 0 otherwise */
  size_t source_name_len;
  size_t dest_name_off; /**< data and query types; 0 otherwise */
  size_t dest_name_len;
  size_t data_off; /**< USER_DATA (data types): to the end */
  size_t data_len;
} pinhole_nbds_msg;

/**
 * Validates one NetBIOS datagram service message (UDP 138).
 *
 * Every type has the 10-byte header MSG_TYPE, FLAGS, DGM_ID, SOURCE_IP,
 * SOURCE_PORT. DIRECT_UNIQUE, DIRECT_GROUP and BROADCAST follow it with
 * DGM_LENGTH (the bytes after the 14-byte header, exactly), PACKET_OFFSET,
 * SOURCE_NAME, DESTINATION_NAME and user data (in every fragment); ERROR
 * with one ERROR_CODE byte; the query types with DESTINATION_NAME. Names
 * are NetBIOS names (see pinhole_nbns_parse()) without compression.
 *
 * @param p    payload bytes (borrowed, read only).
 * @param len  bytes at p.
 * @param m    out: on 0 filled; on PINHOLE_ERR_PARSE m->reason says why
 *             and the fields read before are set.
 * @return 0; PINHOLE_ERR_PARSE with m->reason; PINHOLE_ERR_INVALID_ARG
 *   when m is NULL or p is NULL with len > 0.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_nbds_parse(const uint8_t *p, size_t len,
                                      pinhole_nbds_msg *m);

/**
 * Returns a short constant name for a pinhole_nbds_reason ("length"), or
 * "unknown".
 * @since 0.2
 */
PINHOLE_EXTERN const char *pinhole_nbds_reason_name(int reason);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_NETBIOS_H */

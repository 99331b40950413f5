/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: BOOTP and DHCP message parsing (RFC 951, RFC 1542,
 * RFC 2131, RFC 2132; relay agent information RFC 3046; link selection
 * RFC 3527; server identifier override RFC 5107).
 *
 * pinhole_bootp_parse() checks the fixed header and, after the magic
 * cookie, the option chain of the options field and of the sname and file
 * fields when option 52 overloads them; it reports what a relay or NAT
 * ALG needs: the transaction ID, the client hardware address, giaddr (and
 * its offset, to rewrite it in place), the DHCP message type, the server
 * identifier and the relay agent information sub-options.
 * pinhole_bootp_option_find() finds any other option.
 *
 * All offsets are from the first byte of the UDP payload. Addresses are
 * IPv4, host byte order. Nothing here allocates, keeps state or reads
 * past the length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_BOOTP_H
#define PINHOLE_BOOTP_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of the fixed header, op through file. */
#define PINHOLE_BOOTP_HEADER_LEN 236
/** Offset of giaddr (4 bytes). */
#define PINHOLE_BOOTP_GIADDR_OFF 24
/** Offset of chaddr (16 bytes, hlen of them used). */
#define PINHOLE_BOOTP_CHADDR_OFF 28
/** Offset and length of sname. */
#define PINHOLE_BOOTP_SNAME_OFF 44
#define PINHOLE_BOOTP_SNAME_LEN 64
/** Offset and length of file. */
#define PINHOLE_BOOTP_FILE_OFF 108
#define PINHOLE_BOOTP_FILE_LEN 128
/** The magic cookie 99.130.83.99 at offset 236 (RFC 2131 section 3). */
#define PINHOLE_BOOTP_COOKIE 0x63825363u
/** First option, after the cookie. */
#define PINHOLE_BOOTP_OPTIONS_OFF 240
/** Longest hardware address. */
#define PINHOLE_BOOTP_CHADDR_MAX 16

/** op. */
enum pinhole_bootp_op {
  PINHOLE_BOOTP_OP_REQUEST = 1,
  PINHOLE_BOOTP_OP_REPLY = 2
};

/** Option codes the parser looks into. */
enum pinhole_bootp_option {
  PINHOLE_BOOTP_OPT_PAD = 0,
  PINHOLE_BOOTP_OPT_REQUESTED_IP = 50,
  PINHOLE_BOOTP_OPT_OVERLOAD = 52,
  PINHOLE_BOOTP_OPT_MSG_TYPE = 53,
  PINHOLE_BOOTP_OPT_SERVER_ID = 54,
  PINHOLE_BOOTP_OPT_RELAY_INFO = 82,
  PINHOLE_BOOTP_OPT_END = 255
};

/** DHCP message types (option 53): 1..18 are accepted. */
enum pinhole_dhcp_type {
  PINHOLE_DHCP_DISCOVER = 1,
  PINHOLE_DHCP_OFFER = 2,
  PINHOLE_DHCP_REQUEST = 3,
  PINHOLE_DHCP_DECLINE = 4,
  PINHOLE_DHCP_ACK = 5,
  PINHOLE_DHCP_NAK = 6,
  PINHOLE_DHCP_RELEASE = 7,
  PINHOLE_DHCP_INFORM = 8
};

/** Header flags: the client wants the reply broadcast (RFC 2131). */
#define PINHOLE_BOOTP_FLAG_BROADCAST 0x8000

/** pinhole_bootp_msg.mflags bits: what the message has. */
enum pinhole_bootp_has {
  /** The magic cookie is there: options were walked (else plain BOOTP,
   * the vendor area is opaque). */
  PINHOLE_BOOTP_HAS_COOKIE = 0x01,
  PINHOLE_BOOTP_HAS_MSG_TYPE = 0x02,  /**< option 53: msg_type */
  PINHOLE_BOOTP_HAS_SERVER_ID = 0x04, /**< option 54: server_id */
  PINHOLE_BOOTP_HAS_RELAY = 0x08,     /**< option 82: relay_* */
  PINHOLE_BOOTP_HAS_OVERLOAD = 0x10   /**< option 52: overload */
};

/** Why a message is refused. */
enum pinhole_bootp_reason {
  PINHOLE_BOOTP_OK = 0,
  /** Fewer than 236 bytes. */
  PINHOLE_BOOTP_SHORT = 1,
  /** op is not 1 or 2. */
  PINHOLE_BOOTP_OP = 2,
  /** hlen over 16. */
  PINHOLE_BOOTP_HLEN = 3,
  /** An option's length byte or value runs past its field. */
  PINHOLE_BOOTP_OPTION_LEN = 4,
  /** A field of options (options, or an overloaded file or sname) ends
   * without the end option 255. */
  PINHOLE_BOOTP_NO_END = 5,
  /** Option 52 not one byte of 1..3, given twice, or inside file/sname. */
  PINHOLE_BOOTP_OVERLOAD = 6,
  /** Option 53 not one byte of 1..18, or given twice. */
  PINHOLE_BOOTP_MSG_TYPE = 7,
  /** Option 54 not 4 bytes, or given twice. */
  PINHOLE_BOOTP_SERVER_ID = 8,
  /** Option 82 empty, given twice, or whose sub-options do not fill it
   * exactly; a link selection (5) or server identifier override (11)
   * sub-option not 4 bytes; a sub-option 1, 2, 5 or 11 given twice. */
  PINHOLE_BOOTP_RELAY = 9
};

/** A parsed message. Filled by pinhole_bootp_parse(). Offsets of absent
 * things are 0 (no option can start there). */
typedef struct pinhole_bootp_msg {
  uint32_t reason; /**< enum pinhole_bootp_reason */
  uint32_t mflags; /**< enum pinhole_bootp_has bits */
  uint8_t op;      /**< enum pinhole_bootp_op */
  uint8_t htype;
  uint8_t hlen; /**< 0..16: chaddr bytes used */
  uint8_t hops;
  uint32_t xid;
  uint16_t secs;
  uint16_t flags; /**< header flags: PINHOLE_BOOTP_FLAG_BROADCAST */
  uint32_t ciaddr, yiaddr, siaddr;
  uint32_t giaddr; /**< at PINHOLE_BOOTP_GIADDR_OFF */
  uint8_t
      msg_type; /**< enum pinhole_dhcp_type, with PINHOLE_BOOTP_HAS_MSG_TYPE */
  uint8_t overload; /**< option 52: 1 file, 2 sname, 3 both */
  uint16_t pad_;
  uint32_t server_id;   /**< option 54 */
  size_t server_id_off; /**< its 4 bytes */
  size_t end_off;       /**< the end option of the options field: where a
                             relay appends option 82 */
  size_t noptions;      /**< options other than pad and end, all fields */
  size_t relay_off;     /**< option 82 value (its sub-options) */
  size_t relay_len;
  size_t circuit_id_off; /**< sub-option 1 value */
  size_t circuit_id_len;
  size_t remote_id_off; /**< sub-option 2 value */
  size_t remote_id_len;
  size_t link_selection_off;  /**< sub-option 5: a 4-byte address */
  size_t server_override_off; /**< sub-option 11: a 4-byte address */
} pinhole_bootp_msg;

/**
 * Validates one BOOTP or DHCP message (a whole UDP payload, port 67/68).
 *
 * The fixed header (236 bytes) must be there; op 1 or 2; hlen at most 16.
 * When the 4 bytes at 236 are the magic cookie, the options that follow
 * are walked as code, length, value (pad 0 and end 255 are one byte) up
 * to the end option; what follows the end option is ignored. With option
 * 52 the file field (1), the sname field (2) or both (3) are walked the
 * same way after it, file first (RFC 2131 section 4.1). Without the
 * cookie the message is plain BOOTP (RFC 951) and only the header is
 * reported. Options 52, 53, 54 and 82 are checked as the reasons say;
 * others are only bounded.
 *
 * @param p    payload bytes (borrowed, read only).
 * @param len  bytes at p.
 * @param m    out: on 0 filled; on PINHOLE_ERR_PARSE m->reason says why
 *             and the fields read before are set.
 * @return 0; PINHOLE_ERR_PARSE with m->reason; PINHOLE_ERR_INVALID_ARG
 *   when m is NULL or p is NULL with len > 0.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_bootp_parse(const uint8_t *p, size_t len,
                                       pinhole_bootp_msg *m);

/**
 * Finds the first instance of option code in a message that
 * pinhole_bootp_parse() accepted, looking in the options field, then
 * file and sname as m->overload says.
 *
 * @param p    the message (borrowed, read only).
 * @param len  bytes at p.
 * @param m    its parse result (borrowed).
 * @param code 1..254.
 * @param off  out: the value's offset, on 0.
 * @param olen out: the value's length, on 0.
 * @return 0; PINHOLE_ERR_NOMATCH when absent (or no cookie);
 *   PINHOLE_ERR_PARSE when p does not hold a valid option chain;
 *   PINHOLE_ERR_INVALID_ARG when an argument is NULL or code is 0 or 255.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_bootp_option_find(const uint8_t *p, size_t len,
                                             const pinhole_bootp_msg *m,
                                             unsigned code, size_t *off,
                                             size_t *olen);

/**
 * Returns a short constant name for a pinhole_bootp_reason ("no-end"), or
 * "unknown".
 * @since 0.2
 */
PINHOLE_EXTERN const char *pinhole_bootp_reason_name(int reason);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_BOOTP_H */

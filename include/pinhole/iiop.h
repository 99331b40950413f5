/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: GIOP messages and the IIOP profiles of object
 * references (CORBA 3.0 chapter 15: GIOP 1.0 to 1.3, CDR, IIOP), for the
 * IIOP ALG.
 *
 * pinhole_giop_frame() frames one GIOP message (12-byte header: "GIOP",
 * version, flags with the byte order, message type, message size) and,
 * for Reply and LocateReply, reads the reply header and says where the
 * body starts and whether it is an object reference (a forward).
 * pinhole_iiop_ior_parse() reads an IOR (type_id, tagged profiles) at a
 * given offset of a message, following the CDR alignment rules, and
 * reports each TAG_INTERNET_IOP profile's version, host and port with
 * their offsets (the profile is an encapsulation with its own byte
 * order). A port can be rewritten in place at port_off (two bytes in the
 * profile's byte order); pinhole_iiop_ior_rewrite() writes a copy of a
 * whole message with hosts and ports replaced, re-encoding the IOR so
 * that encapsulation lengths, padding and the message size stay right.
 *
 * All offsets are from the first byte of the GIOP message. Addresses are
 * IPv4 in host byte order (198.18.0.5 is 0xC6120005). Nothing here
 * allocates, keeps state or reads past the length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_IIOP_H
#define PINHOLE_IIOP_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** GIOP header length. */
#define PINHOLE_GIOP_HEADER_LEN 12u
/** Most profiles in one IOR. */
#define PINHOLE_IIOP_MAX_PROFILES 8
/** Longest IIOP host string, NUL excluded. */
#define PINHOLE_IIOP_MAX_HOST 255u
/** Longest type_id (repository id), NUL excluded. */
#define PINHOLE_IIOP_MAX_TYPE_ID 1024u

/** GIOP message types. */
enum pinhole_giop_type {
  PINHOLE_GIOP_REQUEST = 0,
  PINHOLE_GIOP_REPLY = 1,
  PINHOLE_GIOP_CANCEL_REQUEST = 2,
  PINHOLE_GIOP_LOCATE_REQUEST = 3,
  PINHOLE_GIOP_LOCATE_REPLY = 4,
  PINHOLE_GIOP_CLOSE_CONNECTION = 5,
  PINHOLE_GIOP_MESSAGE_ERROR = 6,
  PINHOLE_GIOP_FRAGMENT = 7 /**< GIOP 1.1 and later */
};

/** Reply status (ReplyStatusType_1_2; 0..3 in GIOP 1.0 and 1.1). */
enum pinhole_giop_reply_status {
  PINHOLE_GIOP_NO_EXCEPTION = 0,
  PINHOLE_GIOP_USER_EXCEPTION = 1,
  PINHOLE_GIOP_SYSTEM_EXCEPTION = 2,
  PINHOLE_GIOP_LOCATION_FORWARD = 3,
  PINHOLE_GIOP_LOCATION_FORWARD_PERM = 4,
  PINHOLE_GIOP_NEEDS_ADDRESSING_MODE = 5
};

/** LocateReply status (LocateStatusType_1_2; 0..2 in 1.0 and 1.1). */
enum pinhole_giop_locate_status {
  PINHOLE_GIOP_UNKNOWN_OBJECT = 0,
  PINHOLE_GIOP_OBJECT_HERE = 1,
  PINHOLE_GIOP_OBJECT_FORWARD = 2,
  PINHOLE_GIOP_OBJECT_FORWARD_PERM = 3,
  PINHOLE_GIOP_LOC_SYSTEM_EXCEPTION = 4,
  PINHOLE_GIOP_LOC_NEEDS_ADDRESSING_MODE = 5
};

/** pinhole_giop_msg.flags bits. */
enum pinhole_giop_msg_flag {
  PINHOLE_GIOP_MSG_LITTLE = 0x1,    /**< little-endian message */
  PINHOLE_GIOP_MSG_FRAGMENTS = 0x2, /**< more fragments follow (1.1+) */
  PINHOLE_GIOP_MSG_REPLY = 0x4,     /**< request_id and status are set */
  PINHOLE_GIOP_MSG_BODY = 0x8,      /**< body_off is set (body not empty) */
  /** The status is a forward: the body is an IOR (LOCATION_FORWARD,
   *  LOCATION_FORWARD_PERM, OBJECT_FORWARD, OBJECT_FORWARD_PERM). */
  PINHOLE_GIOP_MSG_FORWARD = 0x10
};

/** One framed GIOP message. Filled by pinhole_giop_frame(). */
typedef struct pinhole_giop_msg {
  uint8_t major;       /**< 1 */
  uint8_t minor;       /**< 0..3 */
  uint8_t type;        /**< enum pinhole_giop_type */
  uint8_t hdr_flags;   /**< the header's byte_order / flags octet */
  uint32_t size;       /**< message_size: bytes after the header */
  uint32_t flags;      /**< enum pinhole_giop_msg_flag bits */
  uint32_t request_id; /**< with PINHOLE_GIOP_MSG_REPLY */
  uint32_t status;     /**< with PINHOLE_GIOP_MSG_REPLY: reply or locate */
  uint32_t pad_;       /**< zero */
  size_t total_len;    /**< header + size: where the next message starts */
  size_t body_off;     /**< with PINHOLE_GIOP_MSG_BODY */
} pinhole_giop_msg;

/**
 * Frames one GIOP message starting at p[0].
 *
 * Checked: magic "GIOP", version 1.0 to 1.3, the byte order octet (1.0: 0
 * or 1; 1.1+: only the byte order and fragment bits), the message type
 * (0..6, 7 from 1.1). For a whole Reply or LocateReply the reply header
 * is read: Reply 1.0/1.1 is service contexts, request id, status (0..3);
 * Reply 1.2+ is request id, status (0..5), service contexts, and the body
 * is aligned to 8 (none when the message ends at the header); LocateReply
 * is request id and status (0..2 in 1.0/1.1, 0..5 after), the body
 * following at once. A service context list whose count or lengths go
 * past the message is malformed.
 *
 * @param p    stream bytes from a message start (borrowed, read only).
 * @param len  bytes at p; bytes after total_len belong to the next
 *             message.
 * @param m    out: filled on 0; on PINHOLE_ERR_PARTIAL the header fields
 *             and total_len are set once the header is held (zero
 *             before); zeroed otherwise.
 * @return 0 when the whole message is within len;
 *   PINHOLE_ERR_PARTIAL when more bytes are needed (len 0 included);
 *   PINHOLE_ERR_PARSE for a wrong magic (seen as soon as its bytes are
 *     held), a version other than 1.0..1.3, a bad flags octet, an
 *     unknown type, a total length that does not fit in size_t, or a
 *     reply header that is malformed or has an unknown status;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or m is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_giop_frame(const uint8_t *p, size_t len,
                                      pinhole_giop_msg *m);

/** pinhole_iiop_profile.flags bits. */
enum pinhole_iiop_profile_flag {
  /** TAG_INTERNET_IOP body parsed: version, host, port, spans. */
  PINHOLE_IIOP_PROFILE_IIOP = 0x1,
  PINHOLE_IIOP_PROFILE_LITTLE = 0x2,    /**< encapsulation little-endian */
  PINHOLE_IIOP_PROFILE_HOST_IPV4 = 0x4, /**< host is exactly a dotted quad */
  /** TAG_ALTERNATE_IIOP_ADDRESS components (other host/port pairs, not
   *  rewritten here) are present: nalternates of them. */
  PINHOLE_IIOP_PROFILE_ALTERNATE = 0x8
};

/** One tagged profile of an IOR. */
typedef struct pinhole_iiop_profile {
  uint32_t tag;    /**< 0 TAG_INTERNET_IOP, 1 TAG_MULTIPLE_COMPONENTS ... */
  uint32_t flags;  /**< enum pinhole_iiop_profile_flag bits */
  uint8_t major;   /**< IIOP version (IIOP profiles) */
  uint8_t minor;   /**< 0..3 */
  uint16_t port;   /**< IIOP profiles */
  uint32_t addr;   /**< with PINHOLE_IIOP_PROFILE_HOST_IPV4 */
  size_t off;      /**< the profile's tag */
  size_t data_off; /**< the encapsulation (its byte order octet) */
  size_t data_len;
  size_t host_off; /**< host characters, NUL excluded */
  size_t host_len;
  size_t port_off;    /**< two bytes, in the encapsulation's byte order */
  size_t nalternates; /**< TAG_ALTERNATE_IIOP_ADDRESS components */
} pinhole_iiop_profile;

/** A parsed IOR. */
typedef struct pinhole_iiop_ior {
  size_t off;         /**< the type_id's length (aligned to 4) */
  size_t len;         /**< through the last profile's data */
  size_t type_id_off; /**< type_id characters, NUL excluded */
  size_t type_id_len;
  size_t nprofiles;
  pinhole_iiop_profile profile[PINHOLE_IIOP_MAX_PROFILES];
} pinhole_iiop_ior;

/**
 * Parses an IOR at offset off of a GIOP message (CDR: alignment relative
 * to the message start, byte order of the message).
 *
 * IOR: string type_id (length counting a NUL that ends it, printable
 * characters, at most PINHOLE_IIOP_MAX_TYPE_ID), then a sequence of
 * profiles, each a tag and an octet sequence. A TAG_INTERNET_IOP profile
 * is an encapsulation: byte order octet (0 or 1), IIOP version (major 1,
 * minor 0..3), host string (1..PINHOLE_IIOP_MAX_HOST printable
 * characters), port, object key (octet sequence) and, from IIOP 1.1, a
 * sequence of tagged components (TAG_ALTERNATE_IIOP_ADDRESS ones
 * counted). Bytes after that in the encapsulation are allowed. Other
 * profiles are recorded by tag and span only. A null reference (empty
 * type_id, no profile) parses.
 *
 * @param msg     the GIOP message from its first byte (borrowed).
 * @param len     bytes of the message (normally its total_len).
 * @param off     where the IOR starts (e.g. body_off); aligned up to 4.
 * @param little  non-zero for a little-endian message.
 * @param ior     out: filled on 0; unspecified otherwise.
 * @return 0 on success;
 *   PINHOLE_ERR_PARSE when a count or length goes past its container, a
 *     string lacks its NUL or holds a non-printable byte, the byte order
 *     octet is not 0 or 1, or the IIOP major version is not 1 (minor
 *     above 3 too);
 *   PINHOLE_ERR_RANGE for more than PINHOLE_IIOP_MAX_PROFILES profiles,
 *     or a type_id or host longer than its limit;
 *   PINHOLE_ERR_INVALID_ARG when msg (with len > 0) or ior is NULL, or
 *     off > len.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_iiop_ior_parse(const uint8_t *msg, size_t len,
                                          size_t off, int little,
                                          pinhole_iiop_ior *ior);

/** pinhole_iiop_rewrite_profile.flags bits: what to replace. */
enum pinhole_iiop_rewrite_flag {
  PINHOLE_IIOP_REWRITE_HOST = 0x1, /**< host := dotted quad of addr */
  PINHOLE_IIOP_REWRITE_PORT = 0x2  /**< port := port */
};

/** Replacements for one profile (applied to IIOP profiles only). */
typedef struct pinhole_iiop_rewrite_profile {
  uint32_t flags; /**< enum pinhole_iiop_rewrite_flag bits */
  uint32_t addr;
  uint16_t port;
  uint16_t pad_; /**< zero */
} pinhole_iiop_rewrite_profile;

/** Replacements for an IOR; profile[i] applies to profile i. */
typedef struct pinhole_iiop_rewrite {
  pinhole_iiop_rewrite_profile profile[PINHOLE_IIOP_MAX_PROFILES];
} pinhole_iiop_rewrite;

/**
 * Writes a copy of a whole GIOP message (one that pinhole_giop_frame()
 * accepts, exactly total_len bytes) with the IOR at ior_off re-encoded:
 * for each IIOP profile i, host and port replaced as rw->profile[i]
 * selects, in the profile's own byte order; the profile's encapsulation
 * re-padded after a host of another length, its length field and those
 * of the profiles after it, and the message_size set. Every other byte
 * is copied as is.
 *
 * When the IOR's size changes by a multiple of 8, or nothing follows it
 * in the message, the rest of the message keeps its alignment. Otherwise
 * the rewrite would misalign what follows and is refused.
 *
 * @param msg      the message (borrowed); must not overlap out.
 * @param len      its length: the message's total_len.
 * @param ior_off  where the IOR starts, as for pinhole_iiop_ior_parse().
 * @param rw       replacements (borrowed).
 * @param out      out: the new message; untouched on error.
 * @param cap      bytes available at out.
 * @return the new message's length;
 *   any error of pinhole_giop_frame() (PARTIAL included) or of
 *     pinhole_iiop_ior_parse();
 *   PINHOLE_ERR_PARSE when len is not the message's total_len;
 *   PINHOLE_ERR_UNSUPPORTED for a message with more fragments to follow,
 *     or a size change that is not a multiple of 8 with bytes after the
 *     IOR;
 *   PINHOLE_ERR_RANGE when the new message size passes 2^32 - 1;
 *   PINHOLE_ERR_NOBUF when the result would not fit in cap;
 *   PINHOLE_ERR_INVALID_ARG when rw is NULL, out is NULL with cap > 0,
 *     or the result would be longer than INT32_MAX.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_iiop_ior_rewrite(const uint8_t *msg, size_t len,
                                            size_t ior_off,
                                            const pinhole_iiop_rewrite *rw,
                                            uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_IIOP_H */

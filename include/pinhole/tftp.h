/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: TFTP request parsing (RFC 1350; options RFC 2347,
 * block size RFC 2348, timeout and transfer size RFC 2349, window size
 * RFC 7440).
 *
 * The TFTP ALG only needs to know that a UDP datagram to port 69 is a
 * read or write request: the server answers from a new port, so the ALG
 * opens a pinhole for that reply. pinhole_tftp_parse() validates a request
 * and reports its fields; every other opcode is recognised and reported as
 * "not a request". All offsets are from the first byte of the datagram's
 * payload. Nothing here allocates, keeps state or reads past the length it
 * is given.
 */
#ifndef PINHOLE_TFTP_H
#define PINHOLE_TFTP_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most options in one request. */
#define PINHOLE_TFTP_MAX_OPTIONS 16
/** Longest file name, NUL excluded. */
#define PINHOLE_TFTP_MAX_FILENAME 255

/** TFTP opcodes (RFC 1350, RFC 2347). */
enum pinhole_tftp_opcode {
  PINHOLE_TFTP_OPCODE_RRQ = 1,
  PINHOLE_TFTP_OPCODE_WRQ = 2,
  PINHOLE_TFTP_OPCODE_DATA = 3,
  PINHOLE_TFTP_OPCODE_ACK = 4,
  PINHOLE_TFTP_OPCODE_ERROR = 5,
  PINHOLE_TFTP_OPCODE_OACK = 6
};

/** Transfer modes (case-insensitive on the wire). */
enum pinhole_tftp_mode {
  PINHOLE_TFTP_MODE_NETASCII = 1,
  PINHOLE_TFTP_MODE_OCTET = 2,
  PINHOLE_TFTP_MODE_MAIL = 3
};

/** pinhole_tftp_msg.flags bits: which known options were given. */
enum pinhole_tftp_flag {
  PINHOLE_TFTP_OPT_BLKSIZE = 0x1,
  PINHOLE_TFTP_OPT_TSIZE = 0x2,
  PINHOLE_TFTP_OPT_TIMEOUT = 0x4,
  PINHOLE_TFTP_OPT_WINDOWSIZE = 0x8
};

/** One option: name and value, NULs excluded. */
typedef struct pinhole_tftp_option {
  size_t name_off;
  size_t name_len;
  size_t value_off;
  size_t value_len;
} pinhole_tftp_option;

/** A parsed request. Filled by pinhole_tftp_parse(). */
typedef struct pinhole_tftp_msg {
  uint16_t opcode;     /**< enum pinhole_tftp_opcode */
  uint16_t mode;       /**< enum pinhole_tftp_mode (requests) */
  uint32_t flags;      /**< enum pinhole_tftp_flag bits */
  size_t filename_off; /**< file name, NUL excluded */
  size_t filename_len;
  size_t mode_off; /**< mode string as written, NUL excluded */
  size_t mode_len;
  uint64_t tsize;      /**< when PINHOLE_TFTP_OPT_TSIZE */
  uint32_t blksize;    /**< when PINHOLE_TFTP_OPT_BLKSIZE: 8..65464 */
  uint32_t timeout;    /**< when PINHOLE_TFTP_OPT_TIMEOUT: 1..255 */
  uint32_t windowsize; /**< when PINHOLE_TFTP_OPT_WINDOWSIZE: 1..65535 */
  uint32_t pad_;
  size_t noptions; /**< options in opt[], known and unknown, in order */
  pinhole_tftp_option opt[PINHOLE_TFTP_MAX_OPTIONS];
} pinhole_tftp_msg;

/**
 * Parses one TFTP datagram payload.
 *
 * A request is opcode (2 bytes, 1 RRQ or 2 WRQ), file name NUL, mode NUL,
 * then zero or more option name NUL value NUL pairs; the datagram must end
 * right after a NUL. Option names are case-insensitive. Known options:
 * blksize (8..65464), tsize (decimal, up to 2^64 - 1), timeout (1..255),
 * windowsize (1..65535), each at most once; unknown options are kept in
 * opt[] unchecked.
 *
 * @param p    payload bytes (borrowed, read only).
 * @param len  bytes at p.
 * @param m    out: on 0 filled; on PINHOLE_ERR_NOMATCH only opcode is
 *             meaningful; unspecified on other errors.
 * @return 0 for a valid RRQ or WRQ;
 *   PINHOLE_ERR_NOMATCH for DATA, ACK, ERROR or OACK (m->opcode set; the
 *     rest of the datagram is not checked);
 *   PINHOLE_ERR_PARSE for fewer than 2 bytes, opcode 0 or above 6, a
 *     missing NUL, an empty or longer than PINHOLE_TFTP_MAX_FILENAME file
 *     name, a mode other than netascii, octet or mail, an option name
 *     without a value, an empty option name, a known option given twice or
 *     whose value is not plain decimal digits;
 *   PINHOLE_ERR_RANGE for a known option value out of its range, or more
 *     than PINHOLE_TFTP_MAX_OPTIONS options;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or m is NULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_tftp_parse(const uint8_t *p, size_t len,
                                      pinhole_tftp_msg *m);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_TFTP_H */

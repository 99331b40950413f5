/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: the Berkeley r-commands' first bytes (rsh, rexec,
 * rlogin), for the Shell, Exec and Login ALGs.
 *
 * rsh (TCP 514, rshd(8)) and rexec (TCP 512, rexecd(8)) clients begin
 * with the port of a second, standard-error connection the server is to
 * open back to them: ASCII decimal digits ended by a NUL, "0" (or an empty
 * string, as BSD rcmd(3) and rexec(3) send) for none. The client then
 * waits for that connection before it sends the user names and the
 * command, so the port field is the whole first thing on the stream.
 * pinhole_rsh_port_parse() reads it; pinhole_rsh_port_rewrite() writes a
 * copy with another port (the field's length may change).
 *
 * rlogin (TCP 513, RFC 1282) clients begin with a NUL, then the client
 * user name, the server user name and "terminal-type/speed", each ended
 * by a NUL. pinhole_rlogin_parse() checks that, bounded.
 *
 * All offsets are from the first byte passed in. Nothing here allocates,
 * keeps state or reads past the length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_RSH_H
#define PINHOLE_RSH_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most digits in an rsh/rexec standard-error port. */
#define PINHOLE_RSH_PORT_DIGITS 5
/** Longest rlogin string (user names, terminal type/speed), NUL excluded. */
#define PINHOLE_RLOGIN_MAX_FIELD 255

/** The standard-error port field. Filled by pinhole_rsh_port_parse(). */
typedef struct pinhole_rsh_port {
  uint16_t port;     /**< 0: no standard-error connection */
  uint16_t pad_;     /**< zero */
  uint32_t pad2_;    /**< zero */
  size_t digits_len; /**< digits at offset 0, 0..PINHOLE_RSH_PORT_DIGITS */
  size_t field_len;  /**< digits_len + 1 (the NUL): where the rest begins */
} pinhole_rsh_port;

/**
 * Parses the standard-error port an rsh or rexec client sends first.
 *
 * The field is 0 to PINHOLE_RSH_PORT_DIGITS decimal digits (leading zeros
 * allowed, as the servers read them) then a NUL; no sign, no space. An
 * empty field and any field whose value is 0 mean "no connection".
 * Bytes after the NUL are not looked at.
 *
 * @param p    stream bytes from its first byte (borrowed, read only).
 * @param len  bytes at p.
 * @param r    out: filled on 0; zeroed otherwise.
 * @return 0 when the field is complete and valid;
 *   PINHOLE_ERR_PARTIAL when p[0..len) holds only digits so far, at most
 *     PINHOLE_RSH_PORT_DIGITS of them with a value up to 65535, and no NUL
 *     yet (len 0 included): wait for more;
 *   PINHOLE_ERR_PARSE for a byte other than a digit before the NUL, or a
 *     sixth digit;
 *   PINHOLE_ERR_RANGE for a value above 65535 (reported as soon as the
 *     digits present show it, with or without the NUL);
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or r is NULL.
 *   PARSE wins over RANGE when both apply.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_rsh_port_parse(const uint8_t *p, size_t len,
                                          pinhole_rsh_port *r);

/**
 * Writes a copy of p[0..len) whose standard-error port field announces
 * port instead, every byte after the field copied as is. The new field is
 * the decimal port without leading zeros, then a NUL; port 0 writes "0".
 * To get the replacement for the field alone, pass len =
 * r.field_len of a successful pinhole_rsh_port_parse().
 *
 * @param p    stream bytes from its first byte (borrowed); must not
 *             overlap out.
 * @param len  bytes at p.
 * @param port the port to announce, 0..65535.
 * @param out  out: the new bytes (not NUL-terminated beyond the field's
 *             own NUL); untouched on error.
 * @param cap  bytes available at out.
 * @return the length written (2..6 plus the bytes after the field);
 *   any error of pinhole_rsh_port_parse() on p (PARTIAL included);
 *   PINHOLE_ERR_NOBUF when the result would not fit in cap;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or out (with cap > 0)
 *     is NULL, or the result would be longer than INT32_MAX.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_rsh_port_rewrite(const uint8_t *p, size_t len,
                                            uint16_t port, uint8_t *out,
                                            size_t cap);

/** An rlogin client's first message. Filled by pinhole_rlogin_parse(). */
typedef struct pinhole_rlogin_hello {
  size_t client_user_off; /**< NUL excluded */
  size_t client_user_len;
  size_t server_user_off;
  size_t server_user_len;
  size_t terminal_off; /**< "terminal-type/speed", e.g. "xterm/38400" */
  size_t terminal_len;
  size_t total_len; /**< through the fourth NUL: where user data begins */
} pinhole_rlogin_hello;

/**
 * Parses the first bytes an rlogin client sends (RFC 1282): a NUL, then
 * the client user name, the server user name and the terminal type/speed,
 * each ended by a NUL. Each string may be empty (the server decides) and
 * is at most PINHOLE_RLOGIN_MAX_FIELD bytes; a string holds no control
 * byte (below 0x20, or 0x7f). Bytes after the fourth NUL are not looked
 * at.
 *
 * @param p    stream bytes from its first byte (borrowed, read only).
 * @param len  bytes at p.
 * @param h    out: filled on 0; zeroed otherwise.
 * @return 0 when the message is complete and valid;
 *   PINHOLE_ERR_PARTIAL when the bytes so far are a valid beginning (len 0
 *     included);
 *   PINHOLE_ERR_PARSE when p[0] is not NUL, a string is longer than
 *     PINHOLE_RLOGIN_MAX_FIELD (reported as soon as that many bytes
 *     without a NUL are held) or holds a control byte;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or h is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_rlogin_parse(const uint8_t *p, size_t len,
                                        pinhole_rlogin_hello *h);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_RSH_H */

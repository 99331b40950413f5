/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: FTP control-line parser and formatter for the FTP ALG.
 *
 * Recognises the four control-connection lines that carry a data-connection
 * endpoint (RFC 959 PORT and 227, RFC 2428 EPRT and 229), returns the
 * address and port they announce and the exact byte range that carries
 * them, and formats replacement text for that range. Everything else
 * (USER, RETR, 150, 226, ...) is answered PINHOLE_ERR_NOMATCH, cheaply.
 * pinhole_ftp_prefix() says whether a partial line could still become one
 * the parser accepts (to withhold a split command); pinhole_ftp_classify()
 * says whether a line is FTP at all (session sanity against NAT
 * slipstreaming).
 *
 * Accepted syntax (see docs/ftp.md for the full rules):
 *   client  PORT h1,h2,h3,h4,p1,p2
 *   client  EPRT <d>1<d>a.b.c.d<d>port<d>      (<d>: any of 33..126 but digits)
 *   server  227 <text>h1,h2,h3,h4,p1,p2<text>  (first list of exactly 6)
 *   server  229 <text>(<d><d><d>port<d>)<text> (first "(" of the line)
 * Verbs are case-insensitive, start at the first byte of the line and are
 * followed by one or more spaces or tabs. A line ends in CRLF or a bare LF
 * and is at most PINHOLE_FTP_LINE_MAX bytes including that line end.
 * Nothing here allocates, keeps state or does I/O.
 */
#ifndef PINHOLE_FTP_H
#define PINHOLE_FTP_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Longest line (including its CRLF or LF) that pinhole_ftp_parse() accepts
 * for a recognised verb or reply; a longer one is PINHOLE_ERR_PARSE.
 */
#define PINHOLE_FTP_LINE_MAX 512

/** The kind of a recognised line. */
enum pinhole_ftp_kind {
  PINHOLE_FTP_PORT = 1, /**< client: PORT h1,h2,h3,h4,p1,p2 (RFC 959) */
  PINHOLE_FTP_EPRT = 2, /**< client: EPRT <d>1<d>addr<d>port<d> (RFC 2428) */
  PINHOLE_FTP_227 = 3,  /**< server: 227 ... (h1,h2,h3,h4,p1,p2) */
  PINHOLE_FTP_229 = 4   /**< server: 229 ... (<d><d><d>port<d>) */
};

/** What pinhole_ftp_parse() found on a line. Caller storage. */
typedef struct pinhole_ftp_msg {
  int kind;       /**< enum pinhole_ftp_kind */
  int family;     /**< 1 = IPv4; 2 = IPv6 (EPRT |2| only: addr unset) */
  uint32_t addr;  /**< host byte order; 0 for 229 and for family 2 */
  uint16_t port;  /**< 1..65535 */
  char delim;     /**< EPRT/229 delimiter character; 0 otherwise */
  uint8_t pad_;   /**< zero */
  size_t arg_off; /**< offset in the line of the text that carries the */
  size_t arg_len; /**< address/port, which pinhole_ftp_format() replaces */
} pinhole_ftp_msg;

/**
 * Finds the end of the first line in p[0..len).
 * @param p    bytes, borrowed; may be NULL when len is 0.
 * @param len  number of bytes at p.
 * @return the length of the first line including its "\n" (so a CRLF line
 *         counts its "\r" too), or 0 when p[0..len) holds no "\n".
 * @since 0.1.0
 */
PINHOLE_EXTERN size_t pinhole_ftp_line_len(const uint8_t *p, size_t len);

/**
 * Parses the first line of p[0..len) (normally exactly one line, ending in
 * "\n"; bytes after the first "\n" are ignored).
 *
 * With from_server zero the line is a client command and only PORT and EPRT
 * are recognised; with from_server non-zero it is a server reply and only
 * 227 and 229 are recognised. Commands are case-insensitive and must start
 * at p[0]. Numbers are unsigned decimal digits (leading zeros allowed except
 * in the EPRT dotted quad, where they are refused as octal-ambiguous).
 *
 * @param p            line bytes, borrowed; may be NULL when len is 0.
 * @param len          number of bytes at p.
 * @param from_server  0: client-to-server line; non-zero: server reply.
 * @param m            caller storage for the result; written on 0, and on
 *                     PINHOLE_ERR_UNSUPPORTED for EPRT family 2 (every field
 *                     but addr, which is 0); unspecified otherwise.
 * @return 0 on a match;
 *         PINHOLE_ERR_NOMATCH when the line is some other command or reply;
 *         PINHOLE_ERR_PARTIAL when p[0..len) holds no "\n" (but see
 *           PINHOLE_ERR_PARSE);
 *         PINHOLE_ERR_PARSE for a recognised verb or reply that is
 *           malformed: bad syntax, missing or extra fields, a NUL byte in
 *           the line, or a line longer than PINHOLE_FTP_LINE_MAX (also
 *           returned without "\n" once more than that many bytes are held);
 *         PINHOLE_ERR_RANGE when the syntax is right but a number is out of
 *           range (an address byte above 255, a port of 0 or above 65535);
 *         PINHOLE_ERR_UNSUPPORTED for EPRT with a network protocol other
 *           than 1 (2 fills m with family 2, see above);
 *         PINHOLE_ERR_INVALID_ARG when m is NULL, or p is NULL and len > 0.
 *         When a line has several faults, PARSE wins over RANGE, and RANGE
 *         over UNSUPPORTED.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_ftp_parse(const uint8_t *p, size_t len,
                                     int from_server, pinhole_ftp_msg *m);

/**
 * Writes the text that replaces bytes [m->arg_off, m->arg_off + m->arg_len)
 * of the parsed line so that it announces addr:port, in the form of m->kind:
 *   PORT, 227  "h1,h2,h3,h4,p1,p2"
 *   EPRT       "<d>1<d>a.b.c.d<d>port<d>"   (always family 1)
 *   229        "<d><d><d>port<d>"           (addr ignored)
 * where <d> is m->delim. Numbers are written without leading zeros.
 * @param m    a message filled by pinhole_ftp_parse(), borrowed; only kind
 *             and delim are read.
 * @param addr IPv4 address, host byte order.
 * @param port port, 1..65535.
 * @param out  caller buffer; may be NULL when cap is 0. Not NUL-terminated.
 *             Left untouched on error.
 * @param cap  size of out in bytes (25 always suffices).
 * @return the number of bytes written; PINHOLE_ERR_NOBUF when cap is too
 *         small; PINHOLE_ERR_INVALID_ARG when m is NULL, m->kind is not a
 *         pinhole_ftp_kind, port is 0, or (EPRT, 229) m->delim is not a
 *         delimiter pinhole_ftp_parse() accepts.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_ftp_format(const pinhole_ftp_msg *m, uint32_t addr,
                                      uint16_t port, char *out, size_t cap);

/**
 * Returns the static name of a kind: "PORT", "EPRT", "227", "229", or
 * "unknown" for any other value.
 * @since 0.1.0
 */
PINHOLE_EXTERN const char *pinhole_ftp_kind_name(int kind);

/**
 * Says whether a partial line could still become a line that
 * pinhole_ftp_parse() accepts (returns 0 for), so that a stream ALG can
 * withhold a command split across TCP segments instead of letting its
 * first part pass untranslated.
 *
 * Exact, for the same from_server: it returns 1 if and only if some bytes
 * appended to p[0..len) make a line (ending in LF or CRLF, at most
 * PINHOLE_FTP_LINE_MAX bytes with it) that pinhole_ftp_parse() returns 0
 * for. So it follows the parser in every detail: case-insensitive verbs,
 * a space or a tab after the verb or code ("PORT\t198,18,0," is 1),
 * leading zeros, the 227 rule of the first six-number list, the 229 rule
 * of the first "(", EPRT family 1 only, and the line limit (the shortest
 * completion must fit). Every strict prefix of an accepted line gives 1;
 * a line that has gone wrong gives 0 from the byte where it went wrong on
 * ("PORTS", "POST /", "227-", "PORT 1,2,3,4,5,6,", "EPRT |2|", a NUL).
 *
 * @param p            the bytes of a line so far, borrowed; it holds no
 *                     "\n" (a buffer with one gives 0: parse it instead).
 *                     May be NULL when len is 0.
 * @param len          number of bytes at p; 0 gives 1.
 * @param from_server  0: a client line (PORT, EPRT); non-zero: a server
 *                     reply (227, 229).
 * @return 1 when the line could still become one the parser accepts, 0
 *         when it cannot; PINHOLE_ERR_INVALID_ARG when p is NULL and
 *         len > 0. (Test for == 1.)
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_ftp_prefix(const uint8_t *p, size_t len,
                                      int from_server);

/** What pinhole_ftp_classify() says a line is. */
enum pinhole_ftp_line {
  /** Not FTP: a client line that is not a known command, a line with a
   * byte FTP never carries, or a line longer than PINHOLE_FTP_LINE_MAX. */
  PINHOLE_FTP_LINE_NOT_FTP = 0,
  /** Client: a known command. */
  PINHOLE_FTP_LINE_COMMAND = 1,
  /** Server: "xyz", "xyz SP text" (or HT): a reply, or the last line of a
   * multi-line reply. */
  PINHOLE_FTP_LINE_REPLY = 2,
  /** Server: "xyz-text": the first line of a multi-line reply. */
  PINHOLE_FTP_LINE_REPLY_FIRST = 3,
  /** Server: any other line of FTP bytes: FTP only as the text inside a
   * multi-line reply. */
  PINHOLE_FTP_LINE_TEXT = 4
};

/** Reply codes of a server's greeting (RFC 959 5.4, connection
 * establishment: 120 then 220, or 220, or 421). */
enum pinhole_ftp_greeting {
  PINHOLE_FTP_GREETING_DELAY = 120,  /**< ready in nnn minutes: 220 follows */
  PINHOLE_FTP_GREETING_READY = 220,  /**< service ready: the session is FTP */
  PINHOLE_FTP_GREETING_REFUSED = 421 /**< service not available */
};

/**
 * Classifies one line of an FTP control connection, so that an ALG can
 * honour PORT/EPRT/227/229 only inside a session that looks like FTP and
 * desynchronise on the first line that does not (defence against NAT
 * slipstreaming: an HTTP request sent to port 21 is not FTP from its
 * first line on).
 *
 * The line is the first of p[0..len), up to and with its "\n" (a "\r"
 * before it is part of the line end); it must be at most
 * PINHOLE_FTP_LINE_MAX bytes with its line end, and its other bytes are
 * printable ASCII, HT, or above 0x7f (UTF-8 path names, RFC 2640): any
 * other control byte (NUL, a bare CR, ESC, DEL) makes it NOT_FTP.
 *
 * Client lines (from_server 0): COMMAND when the line starts with a known
 * verb (case-insensitive) followed by SP, HT or the line end: RFC 959
 * (ABOR ACCT ALLO APPE CDUP CWD DELE HELP LIST MKD MODE NLST NOOP PASS PASV
 * PORT PWD QUIT REIN REST RETR RMD RNFR RNTO SITE SMNT STAT STOR STOU STRU
 * SYST TYPE USER), RFC 775 (XCUP XCWD XMKD XPWD XRMD), RFC 2228 (ADAT AUTH
 * CCC CONF ENC MIC PBSZ PROT), RFC 2389 (FEAT OPTS), RFC 2428 (EPRT EPSV),
 * RFC 2640 (LANG), RFC 3659 (MDTM MLSD MLST SIZE), RFC 7151 (HOST), and
 * AVBL CLNT HASH MFCT MFF MFMT PRET XCRC XMD5 XSHA1 XSHA256 XSHA512.
 * Telnet commands (IAC and one of 0xf1..0xf9, e.g. IAC IP IAC DM before
 * ABOR, RFC 959 4.1.3) may come before the verb. Anything else is
 * NOT_FTP, an empty line too ("POST / HTTP/1.1", "Host: ...", "PORTX").
 *
 * Server lines (from_server non-zero): REPLY or REPLY_FIRST when the line
 * starts with a reply code (three digits, the first 1..6) followed by SP,
 * HT or the line end (REPLY), or by "-" (REPLY_FIRST); *code is set to it.
 * Any other line is TEXT.
 *
 * The rule the glue applies (RFC 959 4.2, 5.4):
 *  - The server speaks first. Its first reply is the greeting: 220 makes
 *    the session FTP (from the last line of that reply on); 120 says a 220
 *    will follow; 421 refuses service. Any other first reply, or TEXT
 *    outside a multi-line reply, is not FTP.
 *  - A multi-line reply starts with a REPLY_FIRST of code C and ends with
 *    the next REPLY of the same code C; every line in between that is not
 *    NOT_FTP is its text, whatever its class ("227 (...)" inside a
 *    multi-line 211 reply is text: never parse it as a 227).
 *  - Every client line must be a COMMAND; a command is honoured only after
 *    the greeting.
 *  - The first NOT_FTP line desynchronises that direction for good.
 * Every line pinhole_ftp_parse() accepts from the client is a COMMAND, and
 * every line it accepts from the server is a REPLY with code 227 or 229
 * unless it carries a byte FTP never does (a 227 text is not checked by
 * the parser).
 *
 * With no "\n" in the first PINHOLE_FTP_LINE_MAX bytes, the line is not
 * complete: the answer is PINHOLE_ERR_PARTIAL when it could still become
 * a line of another class than NOT_FTP, and NOT_FTP when it cannot (a
 * client line whose first word cannot become a known verb, a bad byte, no
 * room left for the line end), so the glue can desynchronise before the
 * line is whole.
 *
 * @param p            the line, borrowed; may be NULL when len is 0.
 * @param len          number of bytes at p (bytes after the first "\n"
 *                     are ignored).
 * @param from_server  0: a client line; non-zero: a server line.
 * @param code         out, may be NULL: the reply code for REPLY and
 *                     REPLY_FIRST (100..699), 0 otherwise.
 * @return an enum pinhole_ftp_line value; PINHOLE_ERR_PARTIAL (see
 *         above); PINHOLE_ERR_INVALID_ARG when p is NULL and len > 0.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_ftp_classify(const uint8_t *p, size_t len,
                                        int from_server, unsigned *code);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_FTP_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: Sun RPC (ONC RPC, RFC 5531) messages, TCP record
 * marking, and the portmapper / rpcbind procedures (RFC 1833: portmap
 * version 2, rpcbind versions 3 and 4) for the Sun RPC ALG.
 *
 * A portmapper tells a client on which port a program listens: a GETPORT
 * (v2) reply carries the port as a number, a GETADDR or GETVERSADDR
 * (v3/v4) reply as a universal address string "h1.h2.h3.h4.p1.p2". The ALG
 * opens a pinhole for that port, and under NAT rewrites universal
 * addresses; the string's length changes, so the message does too.
 *
 * Layers: pinhole_rpc_record_walk() finds a whole record in a TCP stream
 * (a UDP datagram is one message); pinhole_rpc_msg_parse() reads the call
 * or reply header and says where the arguments or results start; the
 * pinhole_rpc_pmap_* and pinhole_rpc_rpcb_* parsers read those; the
 * universal-address helpers parse, format and rewrite. Every offset is from
 * the first byte of the buffer passed in. Addresses are IPv4, host byte
 * order (198.18.0.1 is 0xC6120001). Nothing here allocates, keeps state or
 * reads past the length it is given. See docs/rpc.md.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_RPC_H
#define PINHOLE_RPC_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest credential or verifier body (RFC 5531 section 8.2). */
#define PINHOLE_RPC_MAX_AUTH 400
/** Longest rpcbind string (netid, universal address, owner). */
#define PINHOLE_RPC_MAX_STRING 255
/** Longest IPv4 universal address text, "255.255.255.255.255.255". */
#define PINHOLE_RPC_UADDR_MAX 23
/** Largest max_len pinhole_rpc_record_walk() accepts (16 MiB). */
#define PINHOLE_RPC_RECORD_LIMIT (16u * 1024u * 1024u)
/** The portmapper / rpcbind program number. */
#define PINHOLE_RPC_PROG_PORTMAP 100000u

/** msg_type (RFC 5531 section 9). */
enum pinhole_rpc_msg_type {
  PINHOLE_RPC_MSG_CALL = 0,
  PINHOLE_RPC_MSG_REPLY = 1
};

/** reply_stat. */
enum pinhole_rpc_reply_stat {
  PINHOLE_RPC_REPLY_ACCEPTED = 0,
  PINHOLE_RPC_REPLY_DENIED = 1
};

/** accept_stat of an accepted reply. */
enum pinhole_rpc_accept_stat {
  PINHOLE_RPC_ACCEPT_SUCCESS = 0,
  PINHOLE_RPC_ACCEPT_PROG_UNAVAIL = 1,
  PINHOLE_RPC_ACCEPT_PROG_MISMATCH = 2,
  PINHOLE_RPC_ACCEPT_PROC_UNAVAIL = 3,
  PINHOLE_RPC_ACCEPT_GARBAGE_ARGS = 4,
  PINHOLE_RPC_ACCEPT_SYSTEM_ERR = 5
};

/** reject_stat of a denied reply. */
enum pinhole_rpc_reject_stat {
  PINHOLE_RPC_REJECT_RPC_MISMATCH = 0,
  PINHOLE_RPC_REJECT_AUTH_ERROR = 1
};

/* ---- TCP record marking (RFC 5531 section 11) -------------------------- */

/**
 * Where a record lies in a TCP stream. Each fragment is a 4-byte mark (top
 * bit: last fragment; low 31 bits: length) and that many bytes; the first
 * fragment's bytes start at offset 4.
 */
typedef struct pinhole_rpc_record {
  size_t stream_len; /**< bytes of the stream the record takes, marks
                          included; on PINHOLE_ERR_PARTIAL the end of the
                          last fragment whose mark was read (a lower bound,
                          may exceed len), 0 before the first mark */
  size_t data_len;   /**< record bytes, marks excluded (sum of fragments;
                          on PARTIAL the sum of the marks read) */
  size_t nfrags;     /**< fragments (on PARTIAL: marks read) */
  size_t frag0_len;  /**< the first fragment's length (0 before its mark) */
} pinhole_rpc_record;

/**
 * Finds the record that starts at p[0] of a TCP stream.
 *
 * Walks the marks from p[0] until a fragment with the last-fragment bit,
 * checking each as soon as its mark is present: a fragment of length 0 is
 * allowed only as the last one of a non-empty record.
 *
 * @param p          stream bytes (borrowed, read only).
 * @param len        bytes at p.
 * @param max_len    largest record accepted (data bytes), 1 ..
 *                   PINHOLE_RPC_RECORD_LIMIT.
 * @param max_frags  most fragments accepted, >= 1.
 * @param r          out: filled on 0 and on PINHOLE_ERR_PARTIAL (see the
 *                   fields); unspecified on other errors.
 * @return 0 when the whole record is within len (bytes after
 *     r->stream_len belong to the next record);
 *   PINHOLE_ERR_PARTIAL when more bytes are needed;
 *   PINHOLE_ERR_PARSE for an empty fragment that is not the last one, or
 *     an empty record;
 *   PINHOLE_ERR_RANGE when the record would exceed max_len bytes or
 *     max_frags fragments (reported once the mark that does it is read);
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or r is NULL, max_len is
 *     0 or above PINHOLE_RPC_RECORD_LIMIT, or max_frags is 0.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_record_walk(const uint8_t *p, size_t len,
                                           size_t max_len, size_t max_frags,
                                           pinhole_rpc_record *r);

/**
 * Copies the bytes of a record's fragments, marks removed, into out: the
 * message a record spread over several fragments carries.
 *
 * @param p    the stream bytes pinhole_rpc_record_walk() walked (borrowed);
 *             must not overlap out.
 * @param len  bytes at p.
 * @param r    the complete record it found (borrowed).
 * @param out  out: r->data_len bytes; untouched on error.
 * @param cap  bytes available at out.
 * @return r->data_len;
 *   PINHOLE_ERR_NOBUF when cap < r->data_len;
 *   PINHOLE_ERR_INVALID_ARG when a pointer is NULL, or r does not describe
 *     a complete record at p[0..len) (marks, lengths or the last-fragment
 *     bit disagree).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_record_copy(const uint8_t *p, size_t len,
                                           const pinhole_rpc_record *r,
                                           uint8_t *out, size_t cap);

/**
 * Reads one fragment mark at p[0]: how a stream ALG steps over the
 * fragments of a record it does not read, one at a time, without holding
 * the record.
 *
 * @param p         stream bytes at a mark (borrowed, read only).
 * @param len       bytes at p.
 * @param frag_len  out: the fragment's length (0..0x7fffffff), on 0.
 * @param last      out: 1 when it is the record's last fragment, on 0.
 * @return 0; PINHOLE_ERR_PARTIAL when len < 4;
 *   PINHOLE_ERR_PARSE for an empty fragment that is not the last one;
 *   PINHOLE_ERR_INVALID_ARG when a pointer is NULL (p only with len > 0).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_fragment_mark(const uint8_t *p, size_t len,
                                             size_t *frag_len, int *last);

/**
 * Writes a record mark: the fragment length and the last-fragment bit,
 * big-endian. A rewritten message sent as one fragment gets
 * pinhole_rpc_record_mark(out, msg_len, 1).
 *
 * @param out       out: 4 bytes.
 * @param frag_len  the fragment's length, at most 0x7fffffff.
 * @param last      non-zero: this is the record's last fragment.
 * @return 0; PINHOLE_ERR_RANGE when frag_len is above 0x7fffffff;
 *   PINHOLE_ERR_INVALID_ARG when out is NULL.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_record_mark(uint8_t *out, size_t frag_len,
                                           int last);

/* ---- call and reply headers (RFC 5531 section 9) ----------------------- */

/** A parsed call or reply header. Filled by pinhole_rpc_msg_parse(). */
typedef struct pinhole_rpc_msg {
  uint32_t xid;
  uint32_t type; /**< enum pinhole_rpc_msg_type */
  /* call */
  uint32_t rpcvers; /**< always 2 on success */
  uint32_t prog;
  uint32_t vers;
  uint32_t proc;
  uint32_t cred_flavor;
  /* call and accepted reply */
  uint32_t verf_flavor;
  /* reply */
  uint32_t reply_stat;  /**< enum pinhole_rpc_reply_stat */
  uint32_t accept_stat; /**< enum pinhole_rpc_accept_stat (accepted) */
  uint32_t reject_stat; /**< enum pinhole_rpc_reject_stat (denied) */
  uint32_t auth_stat;   /**< denied with AUTH_ERROR */
  uint32_t low;         /**< PROG_MISMATCH / RPC_MISMATCH: versions */
  uint32_t high;
  size_t cred_off; /**< credential body (call) */
  size_t cred_len;
  size_t verf_off; /**< verifier body (call, accepted reply) */
  size_t verf_len;
  size_t body_off; /**< call: the procedure's arguments; accepted SUCCESS
                        reply: its results; otherwise the end of the
                        header */
} pinhole_rpc_msg;

/**
 * Parses the header of one RPC message (a UDP datagram's payload, or a
 * record's bytes from pinhole_rpc_record_copy() or after its single mark).
 *
 * Call: xid, msg_type 0, rpcvers, prog, vers, proc, credential and
 * verifier (flavor, length, body padded to 4 bytes with zeros). Reply: xid,
 * msg_type 1, reply_stat; accepted: verifier, accept_stat (SUCCESS:
 * results follow; PROG_MISMATCH: low, high); denied: reject_stat
 * (RPC_MISMATCH: low, high; AUTH_ERROR: auth_stat). Bytes after a header
 * are not checked here.
 *
 * The answers are prefix-consistent: PINHOLE_ERR_PARTIAL says that the
 * bytes so far are a valid beginning (a stream ALG may wait for the rest),
 * and no longer message can turn a PARSE, RANGE or UNSUPPORTED answer
 * into another one.
 *
 * @param p    message bytes (borrowed, read only).
 * @param len  bytes at p.
 * @param m    out: filled on 0; on PINHOLE_ERR_PARTIAL the fields read
 *             before the end are set (xid with 4 bytes, type with 8; a call's
 *             rpcvers, prog, vers and proc with 24), the others are 0; on
 *             PINHOLE_ERR_UNSUPPORTED xid, type and rpcvers are set;
 *             unspecified on other errors.
 * @return 0 on success;
 *   PINHOLE_ERR_PARTIAL when the message ends inside its header and every
 *     field read before the end is valid;
 *   PINHOLE_ERR_PARSE when msg_type, reply_stat, accept_stat or
 *     reject_stat has no meaning, or padding is not zero;
 *   PINHOLE_ERR_RANGE for a credential or verifier body above
 *     PINHOLE_RPC_MAX_AUTH bytes;
 *   PINHOLE_ERR_UNSUPPORTED for a call whose rpcvers is not 2;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or m is NULL.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_msg_parse(const uint8_t *p, size_t len,
                                         pinhole_rpc_msg *m);

/* ---- portmapper and rpcbind procedures (RFC 1833) ----------------------- */

/** What a procedure of program 100000 is (see pinhole_rpc_pmap_op()). */
enum pinhole_rpc_op {
  PINHOLE_RPC_OP_OTHER = 0, /**< not a procedure of that version */
  PINHOLE_RPC_OP_NULL = 1,
  PINHOLE_RPC_OP_SET = 2,     /**< v2: mapping; v3/v4: rpcb */
  PINHOLE_RPC_OP_UNSET = 3,   /**< v2: mapping; v3/v4: rpcb */
  PINHOLE_RPC_OP_GETPORT = 4, /**< v2: mapping -> port */
  PINHOLE_RPC_OP_DUMP = 5,
  PINHOLE_RPC_OP_CALLIT = 6,  /**< v2/v3 CALLIT, v4 BCAST */
  PINHOLE_RPC_OP_GETADDR = 7, /**< v3/v4: rpcb -> universal address */
  PINHOLE_RPC_OP_GETTIME = 8,
  PINHOLE_RPC_OP_UADDR2TADDR = 9,
  PINHOLE_RPC_OP_TADDR2UADDR = 10,
  PINHOLE_RPC_OP_GETVERSADDR = 11, /**< v4: rpcb -> universal address */
  PINHOLE_RPC_OP_INDIRECT = 12,
  PINHOLE_RPC_OP_GETADDRLIST = 13,
  PINHOLE_RPC_OP_GETSTAT = 14
};

/**
 * Names procedure proc of portmapper version vers (2, 3 or 4).
 * @return an enum pinhole_rpc_op value; PINHOLE_RPC_OP_OTHER for another
 *   version or a procedure that version does not have.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_pmap_op(uint32_t vers, uint32_t proc);

/**
 * Returns the static name of an op ("GETPORT", "GETADDR", ...), or
 * "unknown".
 * @since 0.2.0
 */
PINHOLE_EXTERN const char *pinhole_rpc_op_name(int op);

/** A portmap v2 mapping (SET, UNSET, GETPORT arguments; DUMP entries). */
typedef struct pinhole_rpc_mapping {
  uint32_t prog;
  uint32_t vers;
  uint32_t prot; /**< 6 TCP, 17 UDP */
  uint32_t port; /**< 0..65535 */
  size_t off;    /**< offset of prog; port is at off + 12 */
} pinhole_rpc_mapping;

/**
 * Parses a mapping that fills p[off..len) exactly (the arguments of
 * portmap v2 SET, UNSET and GETPORT).
 * @param p    message bytes (borrowed).
 * @param len  bytes at p.
 * @param off  where the arguments start (pinhole_rpc_msg.body_off).
 * @param m    out: filled on 0 and on PINHOLE_ERR_UNSUPPORTED.
 * @return 0; PINHOLE_ERR_PARSE when p[off..len) is not 16 bytes;
 *   PINHOLE_ERR_RANGE for a port above 65535;
 *   PINHOLE_ERR_UNSUPPORTED for a prot other than 6 or 17;
 *   PINHOLE_ERR_INVALID_ARG when p or m is NULL or off > len or is not a
 *   multiple of 4 (XDR items are 4-byte aligned).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_pmap_mapping_parse(const uint8_t *p, size_t len,
                                                  size_t off,
                                                  pinhole_rpc_mapping *m);

/**
 * Parses a GETPORT reply's result: one unsigned int that fills p[off..len)
 * exactly. 0 means the program is not registered.
 * @param port  out: 0..65535 on success.
 * @return 0; PINHOLE_ERR_PARSE when p[off..len) is not 4 bytes;
 *   PINHOLE_ERR_RANGE for a value above 65535;
 *   PINHOLE_ERR_INVALID_ARG when p or port is NULL or off > len or is not a
 *   multiple of 4 (XDR items are 4-byte aligned).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_pmap_port_parse(const uint8_t *p, size_t len,
                                               size_t off, uint16_t *port);

/**
 * Parses a portmap v2 DUMP reply's result, the list "1 mapping 1 mapping
 * ... 0", which must fill p[off..len) exactly.
 * @param out  out: the first max entries (may be NULL when max is 0).
 * @param max  entries out has room for.
 * @param n    out: the number of entries on 0.
 * @return 0; PINHOLE_ERR_PARSE when the list is cut short, a list marker
 *   is neither 0 nor 1, or bytes follow the end;
 *   PINHOLE_ERR_RANGE for a port above 65535, or more than max entries;
 *   PINHOLE_ERR_INVALID_ARG when p or n is NULL, out is NULL with max > 0,
 *   or off > len or is not a multiple of 4.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_pmap_dump_parse(const uint8_t *p, size_t len,
                                               size_t off,
                                               pinhole_rpc_mapping *out,
                                               size_t max, size_t *n);

/**
 * An XDR string in a message: a 4-byte length at off, then len bytes at
 * off + 4, then zero padding to a multiple of 4.
 */
typedef struct pinhole_rpc_string {
  size_t off; /**< offset of the length word */
  size_t len; /**< string bytes */
} pinhole_rpc_string;

/** rpcbind v3/v4 arguments: struct rpcb (RFC 1833 section 2.1). */
typedef struct pinhole_rpc_rpcb {
  uint32_t prog;
  uint32_t vers;
  uint8_t proto;  /**< from netid: 6 "tcp"/"tcp6", 17 "udp"/"udp6", else 0 */
  uint8_t family; /**< from netid: 4 "tcp"/"udp", 6 "tcp6"/"udp6", else 0 */
  uint16_t pad_;  /**< zero */
  pinhole_rpc_string netid;
  pinhole_rpc_string addr; /**< universal address (may be empty) */
  pinhole_rpc_string owner;
} pinhole_rpc_rpcb;

/**
 * Parses an rpcb that fills p[off..len) exactly (the arguments of rpcbind
 * v3/v4 SET, UNSET, GETADDR and GETVERSADDR): prog, vers, then the netid,
 * universal address and owner strings. Strings hold printable ASCII only
 * (32..126; netid and address without space).
 * @return 0; PINHOLE_ERR_PARSE when the rpcb is cut short, a string length
 *   exceeds what is left, a string holds another byte, padding is not
 *   zero, or bytes follow the owner;
 *   PINHOLE_ERR_RANGE for a string longer than PINHOLE_RPC_MAX_STRING;
 *   PINHOLE_ERR_INVALID_ARG when p or r is NULL or off > len or is not a
 *   multiple of 4 (XDR items are 4-byte aligned).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_rpcb_parse(const uint8_t *p, size_t len,
                                          size_t off, pinhole_rpc_rpcb *r);

/**
 * Parses a GETADDR or GETVERSADDR reply's result: one string (a universal
 * address, empty when the program is not registered) that fills
 * p[off..len) exactly, printable ASCII without space.
 * @param s  out: the string on success.
 * @return as pinhole_rpc_rpcb_parse().
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_rpcb_addr_parse(const uint8_t *p, size_t len,
                                               size_t off,
                                               pinhole_rpc_string *s);

/* ---- universal addresses (RFC 5665 section 5.2.3) ------------------------ */

/**
 * Parses an IPv4 universal address "h1.h2.h3.h4.p1.p2": six decimal parts
 * of 1 to 3 digits without leading zeros; the port is p1 * 256 + p2.
 * @param s     the text (borrowed), e.g. the bytes of a pinhole_rpc_string.
 * @param len   bytes at s.
 * @param addr  out: host byte order, on 0.
 * @param port  out: 1..65535, on 0.
 * @return 0;
 *   PINHOLE_ERR_NOMATCH for an empty string (no address);
 *   PINHOLE_ERR_UNSUPPORTED for an IPv6 universal address (hex digits and
 *     colons, then ".p1.p2" with p1 and p2 as above);
 *   PINHOLE_ERR_PARSE for anything else that is not the form above;
 *   PINHOLE_ERR_RANGE when the form is right but a part is above 255 or
 *     the port is 0;
 *   PINHOLE_ERR_INVALID_ARG when s (with len > 0), addr or port is NULL.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_uaddr_parse(const uint8_t *s, size_t len,
                                           uint32_t *addr, uint16_t *port);

/**
 * Writes the universal address of addr:port, without leading zeros.
 * @param out  out: not NUL-terminated; untouched on error.
 * @param cap  bytes at out (PINHOLE_RPC_UADDR_MAX always suffices).
 * @return the length (11..23); PINHOLE_ERR_NOBUF when cap is too small;
 *   PINHOLE_ERR_INVALID_ARG when port is 0 or out is NULL with cap > 0.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_uaddr_format(uint32_t addr, uint16_t port,
                                            char *out, size_t cap);

/**
 * Writes a copy of message msg with the XDR string s replaced by str: new
 * length word, new bytes, zero padding to a multiple of 4; every other
 * byte copied. The copy is longer or shorter by the difference of the
 * padded lengths. The caller fixes what frames the message (record mark,
 * IP and UDP lengths, TCP sequence numbers).
 *
 * @param msg   the message (borrowed); must not overlap out.
 * @param len   bytes at msg.
 * @param s     the string to replace, as a parser reported it in msg.
 * @param str   the new string (borrowed); may be NULL when slen is 0.
 * @param slen  its length, at most PINHOLE_RPC_MAX_STRING.
 * @param out   out: the new message; garbage on PINHOLE_ERR_NOBUF.
 * @param cap   bytes at out.
 * @return the new message's length;
 *   PINHOLE_ERR_NOBUF when it would not fit in cap;
 *   PINHOLE_ERR_INVALID_ARG when a pointer is NULL, slen is above
 *     PINHOLE_RPC_MAX_STRING, len is above PINHOLE_RPC_RECORD_LIMIT, or s
 *     does not match msg (its length word differs from s->len, or the
 *     padded string does not fit in len).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_string_rewrite(const uint8_t *msg, size_t len,
                                              const pinhole_rpc_string *s,
                                              const uint8_t *str, size_t slen,
                                              uint8_t *out, size_t cap);

/**
 * pinhole_rpc_string_rewrite() with str the universal address of
 * addr:port (pinhole_rpc_uaddr_format()).
 * @return as pinhole_rpc_string_rewrite(); PINHOLE_ERR_INVALID_ARG also
 *   when port is 0.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_rpc_uaddr_rewrite(const uint8_t *msg, size_t len,
                                             const pinhole_rpc_string *s,
                                             uint32_t addr, uint16_t port,
                                             uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_RPC_H */

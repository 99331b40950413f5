/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: DCE-RPC / MS-RPC connection-oriented PDUs (DCE 1.1
 * RPC, C706 chapter 12; MS-RPCE) and the endpoint mapper's ept_map towers
 * (C706 appendices L and O) for the DCE-RPC ALG.
 *
 * A client asks the endpoint mapper (TCP 135, interface
 * e1af8308-5d1f-11c9-91a4-08002b14a0fa version 3.0) where an interface
 * listens with ept_map (opnum 3); the response carries protocol towers
 * whose floors name the interface, the transport, the port and the IPv4
 * address. The ALG opens a pinhole for that port and, under NAT, rewrites
 * the address floor in place (fixed size: no length changes).
 *
 * Layers: pinhole_dcerpc_pdu_parse() frames one PDU in a TCP stream;
 * pinhole_dcerpc_call_walk() finds the PDUs of one fragmented request or
 * response, whose stub data pinhole_dcerpc_stub_copy() gathers and
 * pinhole_dcerpc_stub_write() writes back; pinhole_dcerpc_bind_parse() and
 * pinhole_dcerpc_bind_ack_parse() read the presentation contexts;
 * pinhole_dcerpc_ept_map_request_parse() and _response_parse() read the
 * towers of an ept_map stub; pinhole_dcerpc_tower_rewrite() changes them.
 *
 * UUIDs are 16 bytes in the order of their text form (e1 af 83 08 5d 1f
 * ...), whatever order the wire used. Offsets are from the first byte of
 * the buffer passed in. Addresses are IPv4, host byte order. Nothing here
 * allocates, keeps state or reads past the length it is given. See
 * docs/rpc.md.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_DCERPC_H
#define PINHOLE_DCERPC_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of the common PDU header. */
#define PINHOLE_DCERPC_HDR_LEN 16
/** Most presentation contexts in one bind or results in one bind_ack. */
#define PINHOLE_DCERPC_MAX_CONTEXTS 8
/** Most towers pinhole_dcerpc_ept_map_response_parse() accepts. */
#define PINHOLE_DCERPC_MAX_TOWERS 8
/** Most floors in one tower (MS-RPCE 3.1.3.5.3 rejects more than 6). */
#define PINHOLE_DCERPC_MAX_FLOORS 8
/** Longest tower octet string. */
#define PINHOLE_DCERPC_MAX_TOWER_LEN 2000
/** Largest max_towers an ept_map may carry (C706 appendix O). */
#define PINHOLE_DCERPC_MAX_TOWERS_ASKED 500
/** Largest max_stub pinhole_dcerpc_call_walk() accepts (16 MiB). */
#define PINHOLE_DCERPC_STUB_LIMIT (16u * 1024u * 1024u)
/** The endpoint mapper's operation ept_map. */
#define PINHOLE_DCERPC_OPNUM_EPT_MAP 3

/** The endpoint mapper interface e1af8308-5d1f-11c9-91a4-08002b14a0fa,
 * version 3.0, as an initializer of a uint8_t[16]. */
#define PINHOLE_DCERPC_UUID_EPM                                                \
  {                                                                            \
    0xe1, 0xaf, 0x83, 0x08, 0x5d, 0x1f, 0x11, 0xc9, 0x91, 0xa4, 0x08, 0x00,    \
        0x2b, 0x14, 0xa0, 0xfa                                                 \
  }
/** NDR transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860, version 2. */
#define PINHOLE_DCERPC_UUID_NDR                                                \
  {                                                                            \
    0x8a, 0x88, 0x5d, 0x04, 0x1c, 0xeb, 0x11, 0xc9, 0x9f, 0xe8, 0x08, 0x00,    \
        0x2b, 0x10, 0x48, 0x60                                                 \
  }
/** NDR64 transfer syntax 71710533-beba-4937-8319-b5dbef9ccc36, v1. */
#define PINHOLE_DCERPC_UUID_NDR64                                              \
  {                                                                            \
    0x71, 0x71, 0x05, 0x33, 0xbe, 0xba, 0x49, 0x37, 0x83, 0x19, 0xb5, 0xdb,    \
        0xef, 0x9c, 0xcc, 0x36                                                 \
  }

/** Connection-oriented PDU types (C706 12.6.4). */
enum pinhole_dcerpc_ptype {
  PINHOLE_DCERPC_PTYPE_REQUEST = 0,
  PINHOLE_DCERPC_PTYPE_RESPONSE = 2,
  PINHOLE_DCERPC_PTYPE_FAULT = 3,
  PINHOLE_DCERPC_PTYPE_BIND = 11,
  PINHOLE_DCERPC_PTYPE_BIND_ACK = 12,
  PINHOLE_DCERPC_PTYPE_BIND_NAK = 13,
  PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT = 14,
  PINHOLE_DCERPC_PTYPE_ALTER_CONTEXT_RESP = 15,
  PINHOLE_DCERPC_PTYPE_AUTH3 = 16,
  PINHOLE_DCERPC_PTYPE_SHUTDOWN = 17,
  PINHOLE_DCERPC_PTYPE_CO_CANCEL = 18,
  PINHOLE_DCERPC_PTYPE_ORPHANED = 19
};

/** pfc_flags bits. */
enum pinhole_dcerpc_pfc {
  PINHOLE_DCERPC_PFC_FIRST_FRAG = 0x01,
  PINHOLE_DCERPC_PFC_LAST_FRAG = 0x02,
  PINHOLE_DCERPC_PFC_PENDING_CANCEL = 0x04,
  PINHOLE_DCERPC_PFC_CONC_MPX = 0x10,
  PINHOLE_DCERPC_PFC_DID_NOT_EXECUTE = 0x20,
  PINHOLE_DCERPC_PFC_MAYBE = 0x40,
  PINHOLE_DCERPC_PFC_OBJECT_UUID = 0x80
};

/** One PDU's header. Filled by pinhole_dcerpc_pdu_parse(). */
typedef struct pinhole_dcerpc_pdu {
  uint8_t vers_minor; /**< 0 or 1 (rpc_vers is always 5) */
  uint8_t ptype;      /**< enum pinhole_dcerpc_ptype */
  uint8_t flags;      /**< enum pinhole_dcerpc_pfc bits */
  uint8_t big_endian; /**< 1: integers big-endian (drep[0] high nibble 0) */
  uint8_t drep[4];    /**< packed data representation, as sent */
  uint16_t frag_len;  /**< the PDU's length, header included */
  uint16_t auth_len;  /**< auth_value bytes at its end */
  uint32_t call_id;
  /* request, response, fault */
  uint32_t alloc_hint;
  uint16_t ctx_id;
  uint16_t opnum;       /**< request */
  uint8_t cancel_count; /**< response, fault */
  uint8_t has_object;   /**< request with PFC_OBJECT_UUID */
  uint8_t auth_type;    /**< sec_trailer, when auth_len > 0 */
  uint8_t auth_level;
  uint8_t auth_pad_len;
  uint8_t pad_[3];
  uint8_t object[16]; /**< request with PFC_OBJECT_UUID */
  size_t stub_off;    /**< request, response, fault: the stub data, */
  size_t stub_len;    /**< auth padding and trailer excluded */
} pinhole_dcerpc_pdu;

/**
 * Frames the PDU that starts at p[0] of a TCP stream and reads its header.
 *
 * Header: rpc_vers 5, rpc_vers_minor 0 or 1, a connection-oriented ptype,
 * pfc_flags, drep (integers big- or little-endian, ASCII or EBCDIC, float
 * 0..3), frag_length and auth_length in drep order, call_id. frag_length
 * must hold the header of its type, and with auth_length > 0 the 8-byte
 * sec_trailer and the auth value (the trailer's auth_pad_length must fit
 * in the stub). Request, response and fault also give alloc_hint,
 * context id, opnum or cancel count and the stub's place.
 *
 * @param p    stream bytes (borrowed, read only).
 * @param len  bytes at p; may hold more than one PDU.
 * @param h    out: filled on 0; on PINHOLE_ERR_PARTIAL with 16 bytes or
 *             more, the common header fields (frag_len tells how many bytes
 *             the PDU needs), with fewer, frag_len is 0; unspecified on
 *             other errors.
 * @return 0 when the whole PDU (h->frag_len bytes) is within len;
 *   PINHOLE_ERR_PARTIAL when more bytes are needed;
 *   PINHOLE_ERR_PARSE for a version other than 5.0 or 5.1, an unknown or
 *     connectionless ptype, a bad drep, a frag_length too small for the
 *     type and auth_length, or an auth_pad_length larger than the stub
 *     (reported as soon as the 16-byte header, or the whole PDU for the
 *     last two, is present);
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or h is NULL.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_dcerpc_pdu_parse(const uint8_t *p, size_t len,
                                            pinhole_dcerpc_pdu *h);

/**
 * Returns the static name of a PDU type ("request", "bind_ack", ...), or
 * "unknown".
 * @since 0.2.0
 */
PINHOLE_EXTERN const char *pinhole_dcerpc_ptype_name(int ptype);

/** The PDUs of one request or response. */
typedef struct pinhole_dcerpc_call {
  size_t stream_len; /**< bytes of all its PDUs; on PARTIAL those seen */
  size_t stub_len;   /**< stub bytes of all its PDUs (complete only) */
  size_t nfrags;     /**< PDUs (on PARTIAL: complete PDUs seen) */
  uint32_t call_id;
  uint8_t ptype;
  uint8_t big_endian;
  uint16_t opnum; /**< from the first PDU (requests) */
} pinhole_dcerpc_call;

/**
 * Finds the PDUs of the call that starts at p[0]: a PDU with
 * PFC_FIRST_FRAG, then PDUs with the same ptype, call_id and drep and
 * without PFC_FIRST_FRAG, up to the one with PFC_LAST_FRAG. A PDU of a
 * type other than request or response is a call of one PDU.
 *
 * @param p          stream bytes (borrowed, read only).
 * @param len        bytes at p.
 * @param max_stub   most stub bytes accepted, 1 ..
 *                   PINHOLE_DCERPC_STUB_LIMIT.
 * @param max_frags  most PDUs accepted, >= 1.
 * @param c          out: filled on 0 and PINHOLE_ERR_PARTIAL.
 * @return 0 when all its PDUs are within len;
 *   PINHOLE_ERR_PARTIAL when more bytes are needed;
 *   any PINHOLE_ERR_PARSE of pinhole_dcerpc_pdu_parse(), and
 *     PINHOLE_ERR_PARSE when the first PDU lacks PFC_FIRST_FRAG or a later
 *     one has it, or a later one's ptype, call_id or drep differs;
 *   PINHOLE_ERR_RANGE when the stub exceeds max_stub or the PDUs
 *     max_frags (max_frags PDUs, none the last: at once, whatever
 *     follows);
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or c is NULL, or a limit
 *     is out of range.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_dcerpc_call_walk(const uint8_t *p, size_t len,
                                            size_t max_stub, size_t max_frags,
                                            pinhole_dcerpc_call *c);

/**
 * Copies the stub data of a call's PDUs, in order, into out.
 * @param p    the bytes pinhole_dcerpc_call_walk() walked (borrowed); must
 *             not overlap out.
 * @param len  bytes at p.
 * @param c    the complete call it found (borrowed).
 * @param out  out: c->stub_len bytes; untouched on error.
 * @param cap  bytes at out.
 * @return c->stub_len; PINHOLE_ERR_NOBUF when cap is smaller;
 *   PINHOLE_ERR_INVALID_ARG when a pointer is NULL or c does not describe
 *   the PDUs at p[0..len).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_dcerpc_stub_copy(const uint8_t *p, size_t len,
                                            const pinhole_dcerpc_call *c,
                                            uint8_t *out, size_t cap);

/**
 * Writes n bytes at offset off of a call's gathered stub (the numbering of
 * pinhole_dcerpc_stub_copy()) back into its PDUs in place, across PDU
 * boundaries: how a fixed-size rewrite made on a gathered stub reaches the
 * stream.
 * @param p    the call's bytes (borrowed, written).
 * @param len  bytes at p.
 * @param c    the complete call (borrowed).
 * @param off  offset in the gathered stub.
 * @param src  the bytes (borrowed); must not overlap p.
 * @param n    their count; off + n must not exceed c->stub_len.
 * @return 0; PINHOLE_ERR_INVALID_ARG when a pointer is NULL, the range
 *   leaves the stub, or c does not describe the PDUs at p[0..len) (p is
 *   untouched then).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_dcerpc_stub_write(uint8_t *p, size_t len,
                                             const pinhole_dcerpc_call *c,
                                             size_t off, const uint8_t *src,
                                             size_t n);

/** An interface or transfer syntax: UUID and version. */
typedef struct pinhole_dcerpc_syntax {
  uint8_t uuid[16];
  uint16_t major;
  uint16_t minor;
} pinhole_dcerpc_syntax;

/** pinhole_dcerpc_context.flags bits: transfer syntaxes offered. */
enum pinhole_dcerpc_ctx_flag {
  PINHOLE_DCERPC_CTX_NDR = 0x1,  /**< NDR version 2 */
  PINHOLE_DCERPC_CTX_NDR64 = 0x2 /**< NDR64 version 1 */
};

/** One presentation context of a bind or alter_context. */
typedef struct pinhole_dcerpc_context {
  uint16_t ctx_id;
  uint8_t ntransfer;              /**< transfer syntaxes offered, >= 1 */
  uint8_t flags;                  /**< enum pinhole_dcerpc_ctx_flag bits */
  pinhole_dcerpc_syntax abstract; /**< the interface */
} pinhole_dcerpc_context;

/** A bind or alter_context. */
typedef struct pinhole_dcerpc_bind {
  uint16_t max_xmit;
  uint16_t max_recv;
  uint32_t assoc_group;
  size_t ncontexts;
  pinhole_dcerpc_context ctx[PINHOLE_DCERPC_MAX_CONTEXTS];
} pinhole_dcerpc_bind;

/**
 * Parses the bind or alter_context PDU at p[0] (one whole PDU, as
 * pinhole_dcerpc_pdu_parse() framed it): max_xmit_frag, max_recv_frag,
 * assoc_group_id and the presentation contexts.
 * @param p    PDU bytes (borrowed).
 * @param len  bytes at p, at least its frag_length.
 * @param b    out: filled on 0.
 * @return 0; PINHOLE_ERR_NOMATCH for a PDU of another type;
 *   any error of pinhole_dcerpc_pdu_parse() (PARTIAL included);
 *   PINHOLE_ERR_PARSE when the contexts do not fit in the PDU's body, or a
 *     context offers no transfer syntax;
 *   PINHOLE_ERR_RANGE for no context, or more than
 *     PINHOLE_DCERPC_MAX_CONTEXTS;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or b is NULL.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_dcerpc_bind_parse(const uint8_t *p, size_t len,
                                             pinhole_dcerpc_bind *b);

/** One result of a bind_ack or alter_context_resp (0: acceptance). */
typedef struct pinhole_dcerpc_result {
  uint16_t result; /**< 0 acceptance, 1 user rejection, 2 provider
                        rejection, 3 negotiate ack */
  uint16_t reason;
  pinhole_dcerpc_syntax transfer;
} pinhole_dcerpc_result;

/** A bind_ack or alter_context_resp. */
typedef struct pinhole_dcerpc_bind_ack {
  uint16_t max_xmit;
  uint16_t max_recv;
  uint32_t assoc_group;
  size_t sec_addr_off; /**< secondary address (e.g. "135"), NUL excluded */
  size_t sec_addr_len;
  size_t nresults;
  pinhole_dcerpc_result result[PINHOLE_DCERPC_MAX_CONTEXTS];
} pinhole_dcerpc_bind_ack;

/**
 * Parses the bind_ack or alter_context_resp PDU at p[0]: max_xmit_frag,
 * max_recv_frag, assoc_group_id, the secondary address (length in drep
 * order, then that many bytes, aligned to 4), and the results.
 * @return as pinhole_dcerpc_bind_parse() (a result list instead of
 *   contexts).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_dcerpc_bind_ack_parse(const uint8_t *p, size_t len,
                                                 pinhole_dcerpc_bind_ack *a);

/** pinhole_dcerpc_tower.flags bits: what the floors said. */
enum pinhole_dcerpc_tower_flag {
  PINHOLE_DCERPC_TOWER_IFACE = 0x01,  /**< floor 1: interface UUID */
  PINHOLE_DCERPC_TOWER_SYNTAX = 0x02, /**< floor 2: transfer syntax */
  PINHOLE_DCERPC_TOWER_CO = 0x04,     /**< RPC connection-oriented */
  PINHOLE_DCERPC_TOWER_CL = 0x08,     /**< RPC connectionless */
  PINHOLE_DCERPC_TOWER_PORT = 0x10,   /**< a TCP (0x07) or UDP (0x08) port */
  PINHOLE_DCERPC_TOWER_ADDR = 0x20,   /**< an IPv4 (0x09) address */
  PINHOLE_DCERPC_TOWER_OTHER = 0x40   /**< another floor (pipe, ...) */
};

/** One tower and its floors. */
typedef struct pinhole_dcerpc_tower {
  uint32_t flags;   /**< enum pinhole_dcerpc_tower_flag bits */
  uint16_t nfloors; /**< 1..PINHOLE_DCERPC_MAX_FLOORS */
  uint8_t proto;    /**< 6 (TCP port floor), 17 (UDP), 0 */
  uint8_t pad_;
  uint16_t port; /**< with PINHOLE_DCERPC_TOWER_PORT */
  uint16_t pad2_;
  uint32_t addr;                  /**< with PINHOLE_DCERPC_TOWER_ADDR */
  pinhole_dcerpc_syntax iface;    /**< with PINHOLE_DCERPC_TOWER_IFACE */
  pinhole_dcerpc_syntax transfer; /**< with PINHOLE_DCERPC_TOWER_SYNTAX */
  size_t off; /**< the tower octet string (floor count first) */
  size_t len;
  size_t port_off; /**< the port floor's 2 value bytes (big-endian) */
  size_t addr_off; /**< the address floor's 4 value bytes (big-endian) */
} pinhole_dcerpc_tower;

/** An ept_map request's or response's stub. */
typedef struct pinhole_dcerpc_ept_map {
  uint32_t max_towers; /**< request; response: the array's maximum */
  uint32_t num_towers; /**< response */
  uint32_t status;     /**< response: 0 on success */
  uint8_t has_object;  /**< request: an object UUID was given */
  uint8_t pad_[3];
  uint8_t object[16];
  size_t ntowers; /**< towers in tower[] (request: 0 or 1; response:
                       non-null pointers) */
  pinhole_dcerpc_tower tower[PINHOLE_DCERPC_MAX_TOWERS];
} pinhole_dcerpc_ept_map;

/**
 * Parses an ept_map request stub (NDR, C706 appendix O): object (unique
 * pointer to a UUID), map_tower (unique pointer to twr_t: conformance,
 * tower_length, octets), entry_handle (20 bytes), max_towers.
 *
 * Tower octets (C706 appendix L): floor count, then floors of LHS length,
 * LHS (protocol id first), RHS length, RHS; counts and lengths
 * little-endian, ports and addresses big-endian, UUIDs little-endian.
 * Floors 1 and 2, when they are UUID floors (0x0d, 19 + 2 bytes), give the
 * interface and transfer syntax; 0x0b / 0x0a the RPC protocol (1 + 2);
 * 0x07 / 0x08 a TCP / UDP port (1 + 2); 0x09 an IPv4 address (1 + 4).
 * Other floors are skipped.
 *
 * @param p          buffer holding the stub (borrowed): a whole
 *                   single-fragment PDU, or a gathered stub.
 * @param len        bytes at p; the stub is p[stub_off..len).
 * @param stub_off   where the stub starts (NDR aligns from there).
 * @param big_endian non-zero when the PDU's drep said big-endian.
 * @param m          out: filled on 0; tower offsets are into p.
 * @return 0; PINHOLE_ERR_PARSE for a stub cut short or with bytes left
 *   over (up to 7 zero bytes of padding are allowed), a conformance that
 *   differs from tower_length, a tower whose floors do not fill it
 *   exactly, a known floor of the wrong size, a second port or address
 *   floor, or no floor;
 *   PINHOLE_ERR_RANGE for a tower longer than PINHOLE_DCERPC_MAX_TOWER_LEN,
 *     more than PINHOLE_DCERPC_MAX_FLOORS floors, or max_towers above
 *     PINHOLE_DCERPC_MAX_TOWERS_ASKED;
 *   PINHOLE_ERR_INVALID_ARG when p or m is NULL or stub_off > len.
 * @since 0.2.0
 */
PINHOLE_EXTERN int
pinhole_dcerpc_ept_map_request_parse(const uint8_t *p, size_t len,
                                     size_t stub_off, int big_endian,
                                     pinhole_dcerpc_ept_map *m);

/**
 * Parses an ept_map response stub: entry_handle (20 bytes), num_towers,
 * towers (conformant varying array: maximum, offset 0, actual count =
 * num_towers, then a pointer per element, then each non-null pointer's
 * twr_t in order), status. Towers as in
 * pinhole_dcerpc_ept_map_request_parse().
 * @return as pinhole_dcerpc_ept_map_request_parse(), and
 *   PINHOLE_ERR_PARSE for an array offset other than 0, an actual count
 *     above the maximum or other than num_towers, or a pointer (referent
 *     id) given twice;
 *   PINHOLE_ERR_RANGE for more than PINHOLE_DCERPC_MAX_TOWERS towers or a
 *     maximum above PINHOLE_DCERPC_MAX_TOWERS_ASKED.
 * @since 0.2.0
 */
PINHOLE_EXTERN int
pinhole_dcerpc_ept_map_response_parse(const uint8_t *p, size_t len,
                                      size_t stub_off, int big_endian,
                                      pinhole_dcerpc_ept_map *m);

/** What pinhole_dcerpc_tower_rewrite() writes. */
enum pinhole_dcerpc_rewrite_flag {
  PINHOLE_DCERPC_REWRITE_ADDR = 0x1,
  PINHOLE_DCERPC_REWRITE_PORT = 0x2
};

/**
 * Writes a new address and/or port into a tower's floors in place (same
 * size: nothing else moves).
 * @param p      the buffer the tower was parsed from (written).
 * @param len    bytes at p.
 * @param t      the tower (borrowed), as a parser reported it in p.
 * @param flags  enum pinhole_dcerpc_rewrite_flag bits.
 * @param addr   new IPv4 address, host byte order (REWRITE_ADDR).
 * @param port   new port, 1..65535 (REWRITE_PORT).
 * @return 0; PINHOLE_ERR_INVALID_ARG when p or t is NULL, flags is 0, has
 *   other bits or asks for a floor the tower does not have, port is 0 with
 * REWRITE_PORT, or the floor at the reported offset is not there in p (p
 * untouched).
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_dcerpc_tower_rewrite(uint8_t *p, size_t len,
                                                const pinhole_dcerpc_tower *t,
                                                uint32_t flags, uint32_t addr,
                                                uint16_t port);

/**
 * Parses a UUID's text form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex
 * digits in either case) into 16 bytes.
 * @return 0; PINHOLE_ERR_PARSE when s[0..len) is not exactly that form;
 *   PINHOLE_ERR_INVALID_ARG when s (with len > 0) or uuid is NULL.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_dcerpc_uuid_parse(const char *s, size_t len,
                                             uint8_t *uuid);

/**
 * Writes a UUID's text form, lower case, 36 bytes, not NUL-terminated.
 * @return 36; PINHOLE_ERR_NOBUF when cap < 36; PINHOLE_ERR_INVALID_ARG when
 *   uuid or out is NULL.
 * @since 0.2.0
 */
PINHOLE_EXTERN int pinhole_dcerpc_uuid_format(const uint8_t *uuid, char *out,
                                              size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_DCERPC_H */

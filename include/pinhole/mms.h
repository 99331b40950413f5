/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: Microsoft Media Server protocol (MMS, [MS-MMSP]),
 * client-to-server packets over TCP 1755, for the NetShow ALG.
 *
 * Over TCP every MMS message travels in a TcpMessageHeader packet
 * ([MS-MMSP] 2.2.3; little-endian): rep 1, version 0.0, session id
 * 0xB00BFACE, messageLength, seal "MMS ", chunkCount, seq, MBZ, timeSent,
 * then one or more MMS messages, each a multiple of 8 bytes long and
 * starting with its length in 8-byte chunks and its message id (2.2.4).
 * The client names where it wants the data sent in a
 * LinkViewerToMacConnectFunnel message (MID 0x00030002, 2.2.4.18) as a
 * UTF-16LE string "\\<ip>\<UDP|TCP>\<port>".
 *
 * pinhole_mms_frame() frames one packet; pinhole_mms_funnel_parse() finds
 * the funnel message in it and reads the address, protocol and port;
 * pinhole_mms_funnel_rewrite() writes a copy of the packet announcing
 * another address and port, with the message's chunkLen and the packet's
 * messageLength and chunkCount following the new length.
 *
 * All offsets are from the first byte of the packet. Addresses are IPv4
 * in host byte order. Nothing here allocates, keeps state or reads past
 * the length it is given.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_MMS_H
#define PINHOLE_MMS_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** TcpMessageHeader length (through timeSent). */
#define PINHOLE_MMS_HEADER_LEN 32u
/** The TcpMessageHeader session id. */
#define PINHOLE_MMS_SESSION_ID 0xB00BFACEu
/** The TcpMessageHeader seal, "MMS " read little-endian. */
#define PINHOLE_MMS_SEAL 0x20534D4Du
/** Message id of LinkViewerToMacConnectFunnel. */
#define PINHOLE_MMS_MID_CONNECT_FUNNEL 0x00030002u
/** Longest funnel name, in characters ("\\" IPv6 "\UDP\" 5 digits fit). */
#define PINHOLE_MMS_MAX_FUNNEL 64u

/** One framed TcpMessageHeader packet. Filled by pinhole_mms_frame(). */
typedef struct pinhole_mms_pkt {
  uint32_t message_len; /**< messageLength: MMS messages + 16 */
  uint32_t chunk_count; /**< chunkCount, as sent */
  uint16_t seq;         /**< seq */
  uint16_t pad_;        /**< zero */
  uint32_t pad2_;       /**< zero */
  size_t total_len;     /**< 16 + messageLength: the packet's size */
} pinhole_mms_pkt;

/**
 * Frames one TcpMessageHeader packet starting at p[0].
 *
 * Checked, each as soon as its bytes are held: rep 1, version 0,
 * versionMinor 0, session id, messageLength at least 16 and a multiple of
 * 8, seal, MBZ zero. chunkCount is reported, not checked (clients count
 * it differently). The MMS messages inside are not looked at.
 *
 * @param p    stream bytes from a packet start (borrowed, read only).
 * @param len  bytes at p; bytes after total_len belong to the next packet.
 * @param m    out: filled on 0; on PINHOLE_ERR_PARTIAL filled once the
 *             32-byte header is held (zero before); zeroed otherwise.
 * @return 0 when the whole packet is within len;
 *   PINHOLE_ERR_PARTIAL when more bytes are needed (len 0 included);
 *   PINHOLE_ERR_PARSE for a wrong fixed field or messageLength, or a
 *     total length that does not fit in size_t;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or m is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_mms_frame(const uint8_t *p, size_t len,
                                     pinhole_mms_pkt *m);

/** pinhole_mms_funnel.flags bits. */
enum pinhole_mms_funnel_flag {
  PINHOLE_MMS_FUNNEL_UDP = 0x1,       /**< proto "UDP" (else "TCP") */
  PINHOLE_MMS_FUNNEL_TERMINATED = 0x2 /**< a NUL character ends the name */
};

/** The funnel a client announced. Byte spans are of UTF-16LE text. */
typedef struct pinhole_mms_funnel {
  uint32_t flags;  /**< enum pinhole_mms_funnel_flag bits */
  uint32_t addr;   /**< the IPv4 address */
  uint16_t port;   /**< 1..65535 */
  uint16_t pad_;   /**< zero */
  uint32_t pad2_;  /**< zero */
  size_t msg_off;  /**< the LinkViewerToMacConnectFunnel message */
  size_t msg_len;  /**< its chunkLen * 8 */
  size_t name_off; /**< funnelName, terminator excluded */
  size_t name_len; /**< bytes (2 per character) */
  size_t addr_off; /**< the address characters */
  size_t addr_len;
  size_t port_off; /**< the port digits */
  size_t port_len;
} pinhole_mms_funnel;

/**
 * Finds the LinkViewerToMacConnectFunnel message in one whole packet and
 * reads its funnelName.
 *
 * The packet's MMS messages must tile it exactly (each chunkLen at least
 * 1, none past the end). The funnel message is at least 32 bytes: its
 * fixed fields (28 bytes) then funnelName, UTF-16LE ASCII characters up
 * to the first NUL character or the message end, then anything (padding).
 * funnelName is "\\" address "\" ("UDP" / "TCP", any case) "\" port,
 * where the address is a dotted quad and the port 1 to 5 digits, 1..65535.
 *
 * @param p    one whole packet, as pinhole_mms_frame() framed (borrowed).
 * @param len  its total_len.
 * @param f    out: filled on 0; zeroed otherwise.
 * @return 0 when the packet holds one funnel message and it is valid;
 *   PINHOLE_ERR_NOMATCH when the packet holds no funnel message;
 *   any error of pinhole_mms_frame() (PARTIAL included);
 *   PINHOLE_ERR_PARSE when len is not the packet's total_len, the
 *     messages do not tile the packet, a second funnel message follows,
 *     or funnelName breaks the syntax above (a character above 0x7f,
 *     more than PINHOLE_MMS_MAX_FUNNEL characters, an empty part, a
 *     protocol other than UDP or TCP, a port that is not 1..5 digits);
 *   PINHOLE_ERR_RANGE for port 0 or above 65535;
 *   PINHOLE_ERR_UNSUPPORTED for an IPv6 address (a ':' in it);
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or f is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_mms_funnel_parse(const uint8_t *p, size_t len,
                                            pinhole_mms_funnel *f);

/**
 * Writes a copy of one whole packet whose funnel message announces
 * "\\<addr>\<proto as sent>\<port>": the message is rebuilt with the same
 * fixed fields, the new name, its NUL if it had one, and zero padding to
 * a multiple of 8; its chunkLen, the packet's messageLength and its
 * chunkCount (as sent, plus the change in chunks) follow. Every other
 * byte is copied as is.
 *
 * @param p    one whole packet (borrowed); must not overlap out.
 * @param len  its total_len.
 * @param addr the IPv4 address to announce, host byte order.
 * @param port the port to announce, 1..65535.
 * @param out  out: the new packet; untouched on error.
 * @param cap  bytes available at out.
 * @return the new packet's length;
 *   any error of pinhole_mms_funnel_parse() (NOMATCH included);
 *   PINHOLE_ERR_RANGE when a length field would pass 2^32 - 1;
 *   PINHOLE_ERR_NOBUF when the result would not fit in cap;
 *   PINHOLE_ERR_INVALID_ARG when port is 0, out is NULL with cap > 0, or
 *     the result would be longer than INT32_MAX.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_mms_funnel_rewrite(const uint8_t *p, size_t len,
                                              uint32_t addr, uint16_t port,
                                              uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_MMS_H */

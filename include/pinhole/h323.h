/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: H.323 signalling (ITU-T H.225.0 RAS and call
 * signalling, H.245 control), ASN.1 aligned PER (X.691), for the H.323 ALG.
 *
 * The decoder walks a message against the ASN.1 of H.225.0 v7 and H.245
 * (the subset the ALG needs, see docs/h323.md) and reports every
 * TransportAddress ipAddress it meets: the 4-byte address and the 16-bit
 * port, their byte offsets in the buffer, and what the address is for
 * (RAS, call signalling, H.245, media, media control). An IPv4
 * TransportAddress is fixed-size in PER (an aligned 4-octet string and an
 * aligned 2-octet integer), so a NAT rewrites it in place: no length in the
 * message changes.
 *
 * Every length determinant, count, choice index and extension bit is
 * checked against the buffer and the ASN.1 bounds; extension additions
 * the walker does not need are skipped by their open-type length, never
 * parsed on a guess; nesting depth and the number of values walked are
 * bounded. A root component or alternative whose type the walker does
 * not describe (an H.245 video capability other than H.261, ...) makes
 * the message PINHOLE_ERR_UNSUPPORTED: its addresses cannot be found.
 *
 * Offsets are from p[0]; addresses are IPv4 in host byte order
 * (198.18.0.5 is 0xC6120005). Nothing here allocates or keeps state.
 *
 * Experimental tier (docs/abi.md): the functions and structs of this
 * header may change in any 0.x release, until its ALG has settled them.
 */
#ifndef PINHOLE_H323_H
#define PINHOLE_H323_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most addresses reported for one message (more: PINHOLE_ERR_RANGE). */
#define PINHOLE_H323_MAX_ADDRS 16
/** Deepest nesting of ASN.1 values walked (deeper: PINHOLE_ERR_RANGE). */
#define PINHOLE_H323_MAX_DEPTH 32
/** Most values walked in one message (more: PINHOLE_ERR_RANGE). */
#define PINHOLE_H323_MAX_STEPS 8192
/** TPKT header length (RFC 1006: version 3, reserved, length). */
#define PINHOLE_TPKT_HEADER_LEN 4u

/** Which protocol a message is. */
enum pinhole_h323_proto {
  PINHOLE_H323_RAS = 1,  /**< H.225.0 RasMessage (UDP 1719) */
  PINHOLE_H323_Q931 = 2, /**< Q.931 with an H323-UserInformation */
  PINHOLE_H323_H245 = 3  /**< H.245 MultimediaSystemControlMessage */
};

/** What a TransportAddress is for. */
enum pinhole_h323_kind {
  PINHOLE_H323_ADDR_OTHER = 0,     /**< replyAddress, alternates ... */
  PINHOLE_H323_ADDR_RAS = 1,       /**< rasAddress */
  PINHOLE_H323_ADDR_SIGNAL = 2,    /**< callSignalAddress and the like */
  PINHOLE_H323_ADDR_H245 = 3,      /**< h245Address */
  PINHOLE_H323_ADDR_MEDIA = 4,     /**< mediaChannel (RTP) */
  PINHOLE_H323_ADDR_MEDIA_CTRL = 5 /**< mediaControlChannel (RTCP) */
};

/** One IPv4 TransportAddress found. */
typedef struct pinhole_h323_addr {
  size_t off;      /**< the 4 address octets */
  size_t port_off; /**< the 2 port octets (network order) */
  uint32_t addr;
  uint16_t port;
  uint8_t kind;   /**< enum pinhole_h323_kind */
  uint8_t nested; /**< 1: inside an H.245 message carried in a Q.931
                       one (fastStart, h245Control) */
} pinhole_h323_addr;

/** A decoded message. */
typedef struct pinhole_h323_msg {
  uint8_t proto;       /**< enum pinhole_h323_proto */
  uint8_t q931_type;   /**< Q.931 message type octet (PINHOLE_H323_Q931) */
  uint16_t type;       /**< RAS: the RasMessage alternative (0 GRQ ... 24 XRS,
                            25.. extensions); Q.931: the h323-message-body
                            alternative (0 setup, 1 callProceeding, 2 connect,
                            3 alerting, 4 information, 5 releaseComplete,
                            6 facility, 7.. extensions); H.245: 100 * category
                            (0 request, 1 response, 2 command, 3 indication)
                            + the alternative (3 openLogicalChannel,
                            105 openLogicalChannelAck) */
  uint32_t h245_count; /**< H.245 messages carried (fastStart, tunnelled) */
  size_t len;          /**< bytes of the message, framing included */
  size_t naddrs;
  pinhole_h323_addr addr[PINHOLE_H323_MAX_ADDRS];
} pinhole_h323_msg;

/**
 * Decodes one H.225.0 RAS message (a whole UDP payload).
 *
 * Walked: GRQ, GCF, GRJ, RRQ, RCF, RRJ, URQ, UCF, URJ, ARQ, ACF, ARJ, BRQ,
 * BCF, BRJ, DRQ, DCF, DRJ, LRQ, LCF, LRJ, IRQ. Their extension additions
 * are skipped by length except those that can carry a TransportAddress
 * the ALG must see (alternateEndpoints, alternateGatekeeper,
 * alternateTransportAddresses, assignedGatekeeper). IRR, NonStandardMessage,
 * XRS and the extension messages are not walked.
 *
 * @param p    the payload (borrowed, read only).
 * @param len  its length.
 * @param m    out: filled on 0; type and proto also on UNSUPPORTED.
 * @return 0; PINHOLE_ERR_PARSE for an encoding that breaks the ASN.1
 *   (a value past the buffer or past its bound, an open type whose
 *   contents overrun it, a fragmented length); PINHOLE_ERR_RANGE for more
 *   than PINHOLE_H323_MAX_ADDRS addresses or nesting / work past its
 *   bound; PINHOLE_ERR_UNSUPPORTED for a message type not walked or a
 *   root value of a type the walker does not describe;
 *   PINHOLE_ERR_INVALID_ARG when p (with len > 0) or m is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_h225_ras_parse(const uint8_t *p, size_t len,
                                          pinhole_h323_msg *m);

/**
 * Frames one TPKT (RFC 1006) at p[0]: version 3, a reserved octet, a
 * 16-bit length counting the header.
 *
 * @param p    stream bytes from a TPKT start (borrowed).
 * @param len  bytes at p.
 * @param tlen out: the TPKT's whole length once its header is held.
 * @return 0 when the whole TPKT is within len; PINHOLE_ERR_PARTIAL when
 *   more bytes are needed; PINHOLE_ERR_PARSE for a version other than 3
 *   or a length below 4; PINHOLE_ERR_INVALID_ARG for NULL pointers.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_tpkt_frame(const uint8_t *p, size_t len,
                                      size_t *tlen);

/**
 * Decodes one TPKT holding a Q.931 message (protocol discriminator 8) of
 * H.225.0 call signalling: its information elements are stepped over
 * (single-octet and variable-length ones, the user-user element with its
 * two-octet length) and the user-user element's H323-UserInformation
 * (protocol discriminator 5) is walked: the message body (Setup,
 * CallProceeding, Connect, Alerting, Information, ReleaseComplete,
 * Facility; Progress and the later ones skipped by length), and the
 * H.245 messages it carries: each fastStart element (OpenLogicalChannel)
 * and each h245Control element (tunnelled H.245), walked as by
 * pinhole_h245_parse(). A Q.931 message without a user-user element,
 * and an empty TPKT (a keep-alive), decode with no address.
 *
 * @param p    stream bytes from a TPKT start (borrowed).
 * @param len  bytes at p; bytes after the TPKT are not looked at.
 * @param m    out: filled on 0 (len the TPKT's length).
 * @return 0; PINHOLE_ERR_PARTIAL when the TPKT is not whole; the errors
 *   of pinhole_tpkt_frame() and pinhole_h225_ras_parse(), PINHOLE_ERR_PARSE
 *   also for a Q.931 header or element that overruns the TPKT.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_h225_cs_parse(const uint8_t *p, size_t len,
                                         pinhole_h323_msg *m);

/**
 * Decodes the H.245 MultimediaSystemControlMessages of one TPKT (a
 * separate H.245 connection). OpenLogicalChannel and
 * OpenLogicalChannelAck are walked (forward and reverse parameters, the
 * H2250LogicalChannelParameters and H2250LogicalChannelAckParameters:
 * mediaChannel, mediaControlChannel); every other message is recognised
 * by its choice index and not walked further (the rest of the TPKT is
 * then not looked at).
 *
 * @param p    stream bytes from a TPKT start (borrowed).
 * @param len  bytes at p.
 * @param m    out: filled on 0.
 * @return as pinhole_h225_cs_parse().
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_h245_parse(const uint8_t *p, size_t len,
                                      pinhole_h323_msg *m);

/**
 * A short name for a decoded message ("RRQ", "Setup", "OLC", "OLCAck",
 * ...), for traces. Never NULL.
 * @since 0.2
 */
PINHOLE_EXTERN const char *pinhole_h323_msg_name(const pinhole_h323_msg *m);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_H323_H */

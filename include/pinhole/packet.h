/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: IPv4, TCP, UDP and ICMP parsing and validation.
 *
 * pinhole_pkt_parse() validates one IPv4 packet held in caller memory and
 * fills a parsed view that the stateful layer reuses: nothing is parsed
 * twice. Every malformed class maps to exactly one pinhole_pkt_reason, and
 * each reason to one error counter of the operator's statistics.
 *
 * All offsets in the view are from the first byte of the IPv4 header. All
 * multi-byte values are host byte order. No function here allocates, keeps
 * state or reads past the length it is given.
 */
#ifndef PINHOLE_PACKET_H
#define PINHOLE_PACKET_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** IP protocol numbers used by the library. */
enum pinhole_ipproto {
  PINHOLE_IPPROTO_ICMP = 1,
  PINHOLE_IPPROTO_TCP = 6,
  PINHOLE_IPPROTO_UDP = 17,
  PINHOLE_IPPROTO_GRE = 47 /**< @since 0.2 */
};

/** TCP flag bits, as in the TCP header's flags byte. */
enum pinhole_tcp_flag {
  PINHOLE_TCP_FIN = 0x01,
  PINHOLE_TCP_SYN = 0x02,
  PINHOLE_TCP_RST = 0x04,
  PINHOLE_TCP_PSH = 0x08,
  PINHOLE_TCP_ACK = 0x10,
  PINHOLE_TCP_URG = 0x20,
  PINHOLE_TCP_ECE = 0x40,
  PINHOLE_TCP_CWR = 0x80
};

/**
 * Why a packet is malformed. Exactly one reason per packet; the first check
 * that fails decides. Values are stable; new reasons are appended.
 */
enum pinhole_pkt_reason {
  PINHOLE_PKT_OK = 0,
  /* not IP at all / not IPv4 */
  PINHOLE_PKT_NON_IP = 1,      /**< empty buffer or version not 4/6 */
  PINHOLE_PKT_IP_NON_IPV4 = 2, /**< version 6 */
  /* IP header */
  PINHOLE_PKT_IP_MIN_HDR = 3,  /**< IHL < 5, or buffer < 20 or < IHL*4 */
  PINHOLE_PKT_IP_LEN = 4,      /**< total length > buffer or < IHL*4 */
  PINHOLE_PKT_IP_TTL_ZERO = 5, /**< TTL is 0 */
  PINHOLE_PKT_IP_PROTO = 6,    /**< protocol 0 or 255 */
  PINHOLE_PKT_IP_LAND = 7,     /**< source == destination */
  PINHOLE_PKT_IP_SRC =
      8, /**< 0/8, 127/8, 224/4 (mcast+class E), 255.255.255.255 */
  PINHOLE_PKT_IP_DST = 9, /**< 0/8, 127/8, 240/4 (class E), 255.255.255.255 */
  PINHOLE_PKT_IP_CKSUM = 10,    /**< header checksum wrong */
  PINHOLE_PKT_IP_FRAG_LEN = 11, /**< MF set and payload length not a multiple of
                                   8, or offset*8 + payload > 65535 */
  PINHOLE_PKT_IP_OPTION = 12, /**< an option runs past the header (malformed) */
  /* TCP */
  PINHOLE_PKT_TCP_HDR_LEN =
      13, /**< segment < 20 or data offset < 5 or past the segment */
  PINHOLE_PKT_TCP_PORT_ZERO = 14, /**< source or destination port 0 */
  PINHOLE_PKT_TCP_FLAGS = 15,     /**< none of FIN/SYN/RST/PSH/ACK/URG, SYN+FIN,
                                       SYN+RST, FIN without ACK, or FIN+RST */
  /* UDP */
  PINHOLE_PKT_UDP_SHORT = 16,     /**< fewer than 8 bytes */
  PINHOLE_PKT_UDP_PORT_ZERO = 17, /**< source or destination port 0 */
  PINHOLE_PKT_UDP_LEN = 18, /**< UDP length field < 8 or != IP payload length */
  /* ICMP */
  PINHOLE_PKT_ICMP_SHORT = 19,   /**< fewer than 8 bytes */
  PINHOLE_PKT_ICMP_ERR_LEN = 20, /**< error quoting < 20-byte IP header + 8
                                   bytes, or a quoted header that is itself
                                   invalid (version not 4, IHL < 5, fewer than
                                     IHL*4 + 8 bytes quoted) */
  /* IPv6 (pinhole_pkt6_parse, include/pinhole/ipv6.h; docs/ipv6.md). The
   * classes the two families share (land, hop limit/TTL zero, TCP, UDP,
   * ICMP) keep their reasons above; these are IPv6's own. @since 0.2 */
  PINHOLE_PKT_IP6_HDR = 21,        /**< fewer than 40 bytes, version not 6 */
  PINHOLE_PKT_IP6_LEN = 22,        /**< payload length past the buffer */
  PINHOLE_PKT_IP6_JUMBO = 23,      /**< payload length 0 with a hop-by-hop
                                        header, or a Jumbo Payload option
                                        (RFC 2675): jumbograms are refused */
  PINHOLE_PKT_IP6_SRC = 24,        /**< multicast, loopback, IPv4-mapped or
                                        IPv4-compatible source; unspecified
                                        source outside ND/MLD (RFC 4291, 6890) */
  PINHOLE_PKT_IP6_DST = 25,        /**< unspecified, loopback, IPv4-mapped or
                                        IPv4-compatible destination; reserved or
                                        interface-local multicast */
  PINHOLE_PKT_IP6_EXT = 26,        /**< an extension header or one of its
                                        options runs past the payload */
  PINHOLE_PKT_IP6_EXT_ORDER = 27,  /**< hop-by-hop not first, or a
                                        header repeated (RFC 8200 sec.
                                        4.1; destination options may come
                                        twice): at most 5 headers */
  PINHOLE_PKT_IP6_ROUTING = 28,    /**< routing header type 0 (RFC 5095) */
  PINHOLE_PKT_IP6_FRAG_LEN = 29,   /**< M set and fragment length not a
                                        multiple of 8, or offset + length >
                                        65535 (RFC 8200 sec. 4.5) */
  PINHOLE_PKT_IP6_FRAG_CHAIN = 30, /**< a first fragment without the whole
                                        header chain up to and including
                                        the upper-layer header (RFC 7112) */
  PINHOLE_PKT_UDP6_CKSUM_ZERO = 31 /**< UDP over IPv6 with checksum 0 (RFC
                                        8200 sec. 8.1) */
};

/** Flags in pinhole_pkt_view.flags. */
enum pinhole_pkt_flag {
  PINHOLE_PKTF_OPTIONS = 0x01,  /**< IP header carries options (IHL > 5) */
  PINHOLE_PKTF_FRAGMENT = 0x02, /**< MF set or fragment offset non-zero */
  PINHOLE_PKTF_FIRST_FRAG =
      0x04, /**< fragment with offset 0 (L4 header present) */
  PINHOLE_PKTF_ICMP_ERROR =
      0x08, /**< ICMP error message; inner_* fields valid */
  PINHOLE_PKTF_ICMP_QUERY = 0x10, /**< ICMP echo/echo reply or timestamp/
                                       timestamp reply (id in sport/dport) */
  PINHOLE_PKTF_L4 = 0x20,         /**< sport/dport valid: TCP, UDP or an ICMP
                                       query was parsed */
  PINHOLE_PKTF_UDP_NOCSUM = 0x40, /**< UDP checksum field is zero */
  /** An enhanced GRE packet (RFC 2637 sec. 4.1, version 1, PPTP's data
   *  channel; pinhole_pptp_gre_parse() accepts its header): dport holds
   *  the Call ID of its key (the receiver's), sport is 0, payload_off
   *  and payload_len the PPP payload after the header. Not set for other
   *  GRE (version 0) or a version 1 header that does not parse: such
   *  packets carry no call and are not translated. @since 0.2 */
  PINHOLE_PKTF_GRE = 0x80
};

/**
 * Parsed view of one IPv4 packet. Filled by pinhole_pkt_parse(); the caller
 * owns it. Fields that do not apply to the packet are zero.
 *
 * For TCP and UDP, sport/dport are the ports. For ICMP echo and echo reply
 * both sport and dport hold the identifier. For enhanced GRE
 * (PINHOLE_PKTF_GRE) sport is 0 and dport the key's Call ID. For ICMP errors,
 * the inner_* fields describe the quoted packet (its own header, as it was
 * sent).
 */
typedef struct pinhole_pkt_view {
  uint32_t src, dst; /**< IPv4 addresses */
  uint16_t ip_len;   /**< total length from the header (== bytes used) */
  uint16_t frag_off; /**< fragment offset in bytes */
  uint16_t ip_id;
  uint8_t ihl;   /**< IP header length in bytes (20..60) */
  uint8_t proto; /**< IP protocol */
  uint8_t ttl;
  uint8_t flags;         /**< pinhole_pkt_flag bits */
  uint16_t l4_off;       /**< offset of the IP payload (== ihl): the L4
                              header unless a non-first fragment */
  uint16_t l4_len;       /**< bytes from l4_off to ip_len */
  uint16_t sport, dport; /**< ports, or ICMP echo identifier */
  uint16_t payload_off;  /**< offset of L4 payload: after the TCP header
                              and options, the 8-byte UDP header, or the
                              8-byte ICMP header (for an ICMP error, the
                              quoted packet); 0 if no L4 header parsed */
  uint16_t payload_len;  /**< bytes from payload_off to ip_len */
  /* TCP */
  uint32_t seq, ack;
  uint8_t tcp_flags; /**< pinhole_tcp_flag bits */
  uint8_t tcp_hlen;  /**< TCP header length in bytes */
  uint16_t tcp_win;
  /* ICMP */
  uint8_t icmp_type, icmp_code;
  uint16_t icmp_seq; /**< echo sequence number */
  /* ICMP error: the quoted packet */
  uint16_t inner_off; /**< offset of the quoted IP header */
  uint8_t inner_ihl;
  uint8_t inner_proto;
  uint32_t inner_src, inner_dst;
  uint16_t inner_sport, inner_dport; /**< ports or echo id of the quoted packet;
                                        for a quoted enhanced GRE header, 0 and
                                        its key's Call ID */
  uint16_t inner_l4_off;             /**< offset of the quoted L4 header */
} pinhole_pkt_view;

/**
 * Validates the IPv4 packet in data[0..len) and fills *view.
 *
 * Only ip_len bytes are considered part of the packet; trailing bytes in
 * the buffer (Ethernet padding) are allowed and ignored. Non-first
 * fragments carry no L4 header and are not checked beyond the IP layer.
 * IP options are reported with PINHOLE_PKTF_OPTIONS and walked only to
 * check that each lies inside the header.
 *
 * Checks, in order: version (NON_IP, IP_NON_IPV4), IP_MIN_HDR, IP_LEN,
 * IP_CKSUM, IP_TTL_ZERO, IP_PROTO, IP_LAND, IP_SRC, IP_DST, IP_FRAG_LEN,
 * IP_OPTION; then, for unfragmented packets and first fragments only, TCP
 * (TCP_HDR_LEN, TCP_PORT_ZERO, TCP_FLAGS), UDP (UDP_SHORT, UDP_PORT_ZERO,
 * UDP_LEN; in a first fragment the UDP length may exceed the bytes present)
 * or ICMP (ICMP_SHORT, then for errors ICMP_ERR_LEN). An ICMP error that
 * quotes an ICMP error is accepted; the quoted one is not looked into. On a
 * failed check the view holds the fields parsed before it.
 *
 * @param data  packet bytes, starting at the IPv4 header (borrowed)
 * @param len   bytes available at data
 * @param view  out: parsed view; fully written on every call
 * @return PINHOLE_PKT_OK (0) or the pinhole_pkt_reason (> 0) of the first
 *         failed check; PINHOLE_ERR_INVALID_ARG if data or view is NULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_pkt_parse(const uint8_t *data, size_t len,
                                     pinhole_pkt_view *view);

/**
 * Returns a short constant name for a pinhole_pkt_reason ("ip-ttl-zero"),
 * or "unknown".
 * @since 0.1.0
 */
PINHOLE_EXTERN const char *pinhole_pkt_reason_name(int reason);

/**
 * Verifies the L4 checksum (TCP, UDP unless zero, ICMP) of a packet that
 * pinhole_pkt_parse() accepted. Fragments (first ones included: the
 * checksum covers the reassembled datagram) and other protocols always
 * verify.
 * @return 1 when correct, 0 when wrong, PINHOLE_ERR_INVALID_ARG on NULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_pkt_l4_cksum_ok(const uint8_t *data,
                                           const pinhole_pkt_view *view);

/**
 * Recomputes the IPv4 header checksum and the L4 checksum in place from
 * scratch (RFC 1071). A UDP checksum of zero stays zero; a computed zero is
 * stored as 0xFFFF. Fragments get only the IP header checksum. Used by hosts
 * that build packets and by tests; the packet path updates incrementally.
 * The view must come from a successful parse of these bytes: a packet
 * whose header checksum is stale does not parse, use
 * pinhole_pkt_fix_all_cksums() for it.
 * @return 0, or PINHOLE_ERR_INVALID_ARG on NULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN int pinhole_pkt_fix_cksums(uint8_t *data,
                                          const pinhole_pkt_view *view);

/**
 * Recomputes every checksum of the IPv4 packet in pkt[0..len) from
 * scratch, whatever the stored ones say: the IPv4 header checksum and,
 * unless the packet is a fragment, the TCP, UDP or ICMP checksum (RFC
 * 1071; the TCP and UDP pseudo-header from the addresses in the header).
 * For a host that builds or rewrites packets, and for captures taken where
 * the NIC fills checksums in later (offload): unlike
 * pinhole_pkt_fix_cksums() it needs no pinhole_pkt_parse() first, which
 * refuses a packet whose header checksum is stale.
 *
 * Only the structure is checked, not policy (TTL, addresses, flags): the
 * version is 4, the header length is at least 20 bytes, the total length
 * lies between the header length and len (bytes past it are ignored), and
 * an unfragmented packet's L4 header holds its checksum field (TCP 20
 * bytes, UDP 8 bytes with a length field equal to the IP payload's, ICMP
 * 8 bytes). A UDP checksum of zero ("none", RFC 768) stays zero; a
 * computed zero is stored as 0xFFFF. Fragments (first ones included) get
 * the header checksum only; other protocols, and the packet an ICMP error
 * quotes, are covered by no checksum recomputed here beyond the ICMP one.
 *
 * @param pkt  packet bytes from the IPv4 header, rewritten in place
 *             (borrowed)
 * @param len  bytes available at pkt
 * @return the number of checksum fields whose value changed (0, 1 or 2:
 *         0 when every checksum was right), PINHOLE_ERR_PARSE when the
 *         structure does not hold (nothing is changed then), or
 *         PINHOLE_ERR_INVALID_ARG when pkt is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_pkt_fix_all_cksums(uint8_t *pkt, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_PACKET_H */

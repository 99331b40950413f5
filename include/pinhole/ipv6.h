/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: IPv6 packets, ICMPv6, IPv4-embedded IPv6 addresses
 * (RFC 6052), IP/ICMP translation (RFC 7915) and IPv6 address text.
 *
 * Everything here is a pure function of its arguments: no allocation, no
 * state, no read past the length given. Addresses are 16 bytes in network
 * order (as on the wire); IPv4 addresses are host-order uint32_t as in
 * packet.h. Offsets in pinhole_pkt6_view count from the first byte of the
 * IPv6 header. docs/ipv6.md says what is refused and why.
 */
#ifndef PINHOLE_IPV6_H
#define PINHOLE_IPV6_H

#include <pinhole/common.h>
#include <pinhole/packet.h>

#ifdef __cplusplus
extern "C" {
#endif

/** IPv6 next-header values the library knows (RFC 8200, 4302, 4303). */
enum pinhole_ip6_nh {
  PINHOLE_IP6_NH_HOPOPTS = 0,   /**< hop-by-hop options (first only) */
  PINHOLE_IP6_NH_ROUTING = 43,  /**< routing header */
  PINHOLE_IP6_NH_FRAGMENT = 44, /**< fragment header */
  PINHOLE_IP6_NH_ESP = 50,      /**< ESP: an upper layer here (opaque) */
  PINHOLE_IP6_NH_AH = 51,       /**< AH: an upper layer here (opaque) */
  PINHOLE_IP6_NH_ICMPV6 = 58,   /**< ICMPv6 */
  PINHOLE_IP6_NH_NONE = 59,     /**< no next header */
  PINHOLE_IP6_NH_DSTOPTS = 60   /**< destination options */
};

/** ICMPv6 types the library names (RFC 4443, 4861, 2710, 3810). */
enum pinhole_icmp6_type {
  PINHOLE_ICMP6_UNREACH = 1,
  PINHOLE_ICMP6_TOOBIG = 2,
  PINHOLE_ICMP6_TIMXCEED = 3,
  PINHOLE_ICMP6_PARAMPROB = 4,
  PINHOLE_ICMP6_ECHO = 128,
  PINHOLE_ICMP6_ECHOREPLY = 129,
  PINHOLE_ICMP6_ROUTER_SOL = 133,
  PINHOLE_ICMP6_ROUTER_ADV = 134,
  PINHOLE_ICMP6_NEIGH_SOL = 135,
  PINHOLE_ICMP6_NEIGH_ADV = 136,
  PINHOLE_ICMP6_REDIRECT = 137
};

/** Flags in pinhole_pkt6_view.flags. */
enum pinhole_pkt6_flag {
  PINHOLE_PKT6F_EXT = 0x0001,        /**< extension headers present */
  PINHOLE_PKT6F_FRAGMENT = 0x0002,   /**< a fragment (M set or offset != 0) */
  PINHOLE_PKT6F_FIRST_FRAG = 0x0004, /**< fragment with offset 0 */
  PINHOLE_PKT6F_ATOMIC = 0x0008,     /**< fragment header with offset 0 and M
                                          clear (RFC 6946): a whole packet */
  PINHOLE_PKT6F_ICMP_ERROR = 0x0010, /**< ICMPv6 type 1-4: inner_* valid */
  PINHOLE_PKT6F_ICMP_QUERY = 0x0020, /**< echo request/reply: id in ports */
  PINHOLE_PKT6F_L4 = 0x0040,         /**< sport/dport valid (TCP, UDP, echo) */
  PINHOLE_PKT6F_ND = 0x0080,         /**< neighbour discovery, types 133-137 */
  PINHOLE_PKT6F_MLD = 0x0100,        /**< multicast listener messages (130-132,
                                          143) */
  PINHOLE_PKT6F_ROUTED = 0x0200,     /**< routing header with segments left:
                                          the destination is not the last */
  PINHOLE_PKT6F_SRC_UNSPEC = 0x0400, /**< source :: (ND/MLD only) */
  PINHOLE_PKT6F_LINK_LOCAL = 0x0800  /**< source or destination in fe80::/10
                                          or link-scope multicast: never
                                          forwarded, never translated */
};

/**
 * Parsed view of one IPv6 packet, filled by pinhole_pkt6_parse(); the
 * caller owns it. Fields that do not apply are zero. Lengths and offsets
 * are 32-bit: an IPv6 packet is up to 40 + 65535 bytes.
 *
 * proto is the upper-layer protocol, the next-header value after the
 * last extension header walked (for a non-first fragment, the fragment
 * header's next header: what the reassembled packet carries after it).
 * For TCP and UDP sport/dport are the ports; for echo both hold the
 * identifier. For ICMPv6 errors the inner_* fields describe the quoted
 * packet (offsets from the outer header).
 */
typedef struct pinhole_pkt6_view {
  uint8_t src[16], dst[16];
  uint32_t ip_len;       /**< 40 + payload length (== bytes used) */
  uint32_t flow_label;   /**< 20 bits */
  uint8_t tclass;        /**< traffic class */
  uint8_t hlim;          /**< hop limit */
  uint8_t proto;         /**< upper-layer next header */
  uint8_t ext_count;     /**< extension headers walked */
  uint16_t flags;        /**< pinhole_pkt6_flag bits */
  uint16_t frag_hdr_off; /**< offset of the fragment header, 0 if none */
  uint32_t frag_id;      /**< fragment header's identification */
  uint16_t frag_off;     /**< fragment offset in bytes */
  uint16_t sport, dport; /**< ports, or the echo identifier */
  uint32_t l4_off;       /**< offset of the upper-layer header */
  uint32_t l4_len;       /**< bytes from l4_off to ip_len */
  uint32_t payload_off;  /**< after the TCP header, the 8-byte UDP header
                              or the 8-byte ICMPv6 header; 0 if none */
  uint32_t payload_len;  /**< bytes from payload_off to ip_len */
  /* TCP */
  uint32_t seq, ack;
  uint8_t tcp_flags; /**< pinhole_tcp_flag bits */
  uint8_t tcp_hlen;
  uint16_t tcp_win;
  /* ICMPv6 */
  uint8_t icmp_type, icmp_code;
  uint16_t icmp_seq; /**< echo sequence number */
  /* ICMPv6 error: the quoted packet */
  uint32_t inner_off;    /**< offset of the quoted IPv6 header */
  uint32_t inner_l4_off; /**< offset of its upper-layer header */
  uint8_t inner_src[16], inner_dst[16];
  uint8_t inner_proto; /**< its upper-layer next header */
  uint8_t inner_frag;  /**< 1: a quoted non-first fragment (no ports) */
  uint16_t inner_sport, inner_dport; /**< ports or echo id */
} pinhole_pkt6_view;

/**
 * Validates the IPv6 packet in data[0..len) and fills *view.
 *
 * Only 40 + payload length bytes are the packet; bytes after them
 * (padding) are ignored. The extension-header chain is walked with a
 * bound (RFC 8200 sec. 4.1 order: hop-by-hop first only, each header
 * once, destination options at most twice: five headers); options are
 * walked only to check that each lies inside its header. ESP, AH and
 * next headers the library does not know end the chain as the upper
 * layer. Non-first fragments are not looked at past the fragment header.
 *
 * Checks, in order: IP6_HDR, IP6_LEN, IP6_JUMBO (payload length 0 with
 * hop-by-hop), IP_TTL_ZERO (hop limit 0), IP_LAND, IP6_SRC, IP6_DST, then
 * while walking the chain IP6_EXT_ORDER, IP6_EXT, IP6_JUMBO (the option),
 * IP6_ROUTING, IP6_FRAG_LEN, IP6_FRAG_CHAIN; then for unfragmented
 * packets and first fragments TCP (TCP_HDR_LEN, TCP_PORT_ZERO,
 * TCP_FLAGS), UDP (UDP_SHORT, UDP_PORT_ZERO, UDP_LEN, UDP6_CKSUM_ZERO)
 * or ICMPv6 (ICMP_SHORT, then for types 1-4 ICMP_ERR_LEN); last, an
 * unspecified source that is not router or neighbour solicitation or an
 * MLD report (IP6_SRC). A first fragment must hold the whole upper-layer
 * header (TCP 20 bytes and its options, UDP 8, ICMPv6 8); the UDP length
 * may exceed what it holds.
 *
 * @param data  packet bytes from the IPv6 header (borrowed)
 * @param len   bytes available at data
 * @param view  out: the parsed view; fully written on every call
 * @return PINHOLE_PKT_OK (0) or the pinhole_pkt_reason (> 0) of the first
 *         failed check; PINHOLE_ERR_INVALID_ARG if data or view is NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_pkt6_parse(const uint8_t *data, size_t len,
                                      pinhole_pkt6_view *view);

/**
 * Verifies the TCP, UDP or ICMPv6 checksum of a packet that
 * pinhole_pkt6_parse() accepted, with the IPv6 pseudo-header (RFC 8200
 * sec. 8.1; with a routing header the final destination is not known
 * here: the destination field is used). Fragments and other protocols
 * always verify.
 * @return 1 when correct, 0 when wrong, PINHOLE_ERR_INVALID_ARG on NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_pkt6_l4_cksum_ok(const uint8_t *data,
                                            const pinhole_pkt6_view *view);

/**
 * Recomputes the TCP, UDP or ICMPv6 checksum of a parsed, unfragmented
 * packet in place from scratch (a computed UDP zero is stored as 0xFFFF).
 * Fragments and other protocols are left as they are.
 * @return 1 when the stored value changed, 0 when not,
 *         PINHOLE_ERR_INVALID_ARG on NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_pkt6_fix_cksums(uint8_t *data,
                                           const pinhole_pkt6_view *view);

/**
 * The unfolded one's-complement sum of the IPv6 pseudo-header (RFC 8200
 * sec. 8.1): source, destination, upper-layer length and next header.
 * Add the upper-layer bytes with pinhole_cksum_add() and finish.
 * @since 0.2
 */
PINHOLE_EXTERN uint32_t pinhole_ip6_pseudo_sum(const uint8_t src[16],
                                               const uint8_t dst[16],
                                               uint32_t ul_len, uint8_t nh);

/* ---- IPv4-embedded IPv6 addresses (RFC 6052) ------------------------ */

/** The well-known prefix 64:ff9b::/96 (RFC 6052 sec. 2.1). @since 0.2 */
#define PINHOLE_NAT64_WKP                                                      \
  { 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

/**
 * Synthesises the IPv4-embedded IPv6 address of v4 under prefix/plen
 * (RFC 6052 sec. 2.2): plen is 32, 40, 48, 56, 64 or 96; the IPv4 bits go
 * around bits 64-71 (the u octet, zero) and the suffix is zero. The
 * prefix's bits past plen are ignored; its bits 64-71 must be zero when
 * plen is 96. Mechanical: the well-known prefix's rule is
 * pinhole_nat64_wkp_allowed()'s.
 * @param out     out: the 16-byte address
 * @param prefix  16 bytes (borrowed)
 * @return 0, PINHOLE_ERR_INVALID_ARG (NULL, another plen, a /96 prefix
 *         with bits 64-71 set).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_nat64_embed(uint8_t out[16],
                                       const uint8_t prefix[16], unsigned plen,
                                       uint32_t v4);

/**
 * Extracts the IPv4 address embedded in addr under prefix/plen (RFC 6052
 * sec. 2.2, the inverse of pinhole_nat64_embed()). The suffix is
 * ignored (sec. 2.2: "SHOULD ignore").
 * @return 0 with *v4 set; PINHOLE_ERR_NOMATCH when addr is not under the
 *         prefix or its u octet (bits 64-71) is not zero;
 *         PINHOLE_ERR_INVALID_ARG on NULL or another plen.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_nat64_extract(const uint8_t addr[16],
                                         const uint8_t prefix[16],
                                         unsigned plen, uint32_t *v4);

/**
 * Whether the well-known prefix may represent v4 (RFC 6052 sec. 3.1): not
 * when v4 is non-global (RFC 6890 "Global: False" and RFC 5735 sec. 3:
 * 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24 but
 * 192.0.0.9 and .10, 192.0.2/24, 192.88.99/24, 192.168/16, 198.18/15,
 * 198.51.100/24, 203.0.113/24, 224/4, 240/4). Network-specific prefixes
 * have no such rule. A lab using 198.18/15 behind 64:ff9b::/96 needs its
 * host to waive this on purpose.
 * @return 1 allowed, 0 not.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_nat64_wkp_allowed(uint32_t v4);

/* ---- IP/ICMP translation (RFC 7915) --------------------------------- */

/**
 * What the caller chose for a translated packet: the addresses (and
 * optionally ports) of the output and of the packet an ICMP error quotes,
 * and the next-hop MTUs for Packet Too Big / Fragmentation Needed.
 * Used by both directions; each reads the fields of its output family.
 * A port of 0 keeps the input's (TCP/UDP ports; for echo, sport is the
 * identifier). inner_* apply only to ICMP errors.
 */
typedef struct pinhole_xlat_map {
  uint8_t src6[16], dst6[16];             /**< 4to6: the output's */
  uint8_t inner_src6[16], inner_dst6[16]; /**< 4to6: the quoted packet's */
  uint32_t src4, dst4;                    /**< 6to4: the output's */
  uint32_t inner_src4, inner_dst4;        /**< 6to4: the quoted packet's */
  uint16_t sport, dport;                  /**< 0: as in the input */
  uint16_t inner_sport, inner_dport;      /**< 0: as in the input */
  uint16_t ip_id; /**< 6to4: IPv4 identification of an unfragmented
                       output (the host's generator) */
  uint16_t mtu4;  /**< IPv4 next-hop MTU, 0 = unknown */
  uint16_t mtu6;  /**< IPv6 next-hop MTU, 0 = unknown */
} pinhole_xlat_map;

/**
 * Translates the IPv4 packet in[0..in_len) into an IPv6 packet at
 * out[0..out_cap) (RFC 7915 sec. 4). The input must be one that
 * pinhole_pkt_parse() accepts. Header: traffic class = TOS, flow label 0,
 * hop limit = TTL (the host decrements as a router), next header =
 * protocol (ICMP becomes ICMPv6), options dropped. A fragment gets a
 * fragment header (id = IPv4 id, offset, M); an unfragmented packet none.
 * TCP/UDP checksums are adjusted for the new pseudo-header and ports; an
 * unfragmented UDP zero checksum is computed (sec. 4.5). ICMP queries and
 * errors are mapped (sec. 4.2), the quoted packet translated (sec. 4.3)
 * one level deep, the ICMPv6 checksum computed, and an error cut to 1280
 * bytes.
 *
 * @param in       IPv4 packet (borrowed)
 * @param out      output buffer (borrowed; must not overlap in)
 * @param map      addresses and ports of the output (borrowed)
 * @param out_len  out: bytes written
 * @return 0; PINHOLE_ERR_PARSE when the input does not parse;
 *         PINHOLE_ERR_UNSUPPORTED when RFC 7915 says drop (an unexpired
 *         source route, an ICMP type or code without a mapping, a
 *         fragmented ICMP message or UDP datagram with a zero checksum,
 *         a quoted packet that does not translate); PINHOLE_ERR_NOBUF
 *         when out_cap is too small; PINHOLE_ERR_INVALID_ARG on NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_xlat_4to6(const uint8_t *in, size_t in_len,
                                     uint8_t *out, size_t out_cap,
                                     const pinhole_xlat_map *map,
                                     size_t *out_len);

/**
 * Translates the IPv6 packet in[0..in_len) into an IPv4 packet (RFC 7915
 * sec. 5). The input must be one that pinhole_pkt6_parse() accepts.
 * Header: TOS = traffic class, TTL = hop limit, protocol = the upper
 * layer (ICMPv6 becomes ICMP), IHL 5, extension headers dropped; a
 * fragment header gives id (low 16 bits), offset and MF, DF clear;
 * without one the id is map->ip_id and DF is set above 1260 bytes (sec.
 * 5.1). Checksums as in pinhole_xlat_4to6(); ICMPv6 mapped per sec. 5.2
 * and the quoted packet translated (sec. 5.3).
 *
 * @return as pinhole_xlat_4to6(); PINHOLE_ERR_UNSUPPORTED also for a
 *         routing header with segments left (sec. 5.1), ND/MLD and other
 *         ICMPv6 without a mapping, and a fragmented ICMPv6 message.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_xlat_6to4(const uint8_t *in, size_t in_len,
                                     uint8_t *out, size_t out_cap,
                                     const pinhole_xlat_map *map,
                                     size_t *out_len);

/* ---- text ------------------------------------------------------------ */

/** Bytes an address text needs with its NUL (as INET6_ADDRSTRLEN). */
#define PINHOLE_ADDR6_STRLEN 46
/** Bytes "[address]:port" needs with its NUL. */
#define PINHOLE_ENDPOINT6_STRLEN 54

/**
 * Formats addr in the RFC 5952 canonical text: lower-case hex, no leading
 * zeros, the longest run of two or more zero groups (the first of equal
 * runs) as "::", and ::ffff:0:0/96 with a dotted quad (sec. 5).
 * @param buf  out: NUL-terminated text; len >= PINHOLE_ADDR6_STRLEN
 * @return the length written (without the NUL), PINHOLE_ERR_NOBUF, or
 *         PINHOLE_ERR_INVALID_ARG on NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_addr6_format(const uint8_t addr[16], char *buf,
                                        size_t len);

/**
 * Formats "[addr]:port" (RFC 5952 sec. 6), e.g. "[2001:db8::2]:5060".
 * @param buf  out: NUL-terminated; len >= PINHOLE_ENDPOINT6_STRLEN
 * @return the length written, PINHOLE_ERR_NOBUF or
 *         PINHOLE_ERR_INVALID_ARG.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_endpoint6_format(const uint8_t addr[16],
                                            uint16_t port, char *buf,
                                            size_t len);

/**
 * Parses IPv6 address text (RFC 4291 sec. 2.2: eight groups of 1-4 hex
 * digits, one "::", an optional trailing dotted quad) that fills
 * s[0..len) exactly. No zone ("%eth0"), brackets or spaces.
 * @return 0 with addr set; PINHOLE_ERR_PARSE (addr untouched) or
 *         PINHOLE_ERR_INVALID_ARG on NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_addr6_parse(const char *s, size_t len,
                                       uint8_t addr[16]);

/**
 * Parses "ADDRESS/LEN" (LEN 0..128, decimal, no leading zero) filling
 * s[0..len) exactly; bits past LEN must be zero.
 * @return 0 with addr and *plen set; PINHOLE_ERR_PARSE, or
 *         PINHOLE_ERR_INVALID_ARG on NULL.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_prefix6_parse(const char *s, size_t len,
                                         uint8_t addr[16], unsigned *plen);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_IPV6_H */

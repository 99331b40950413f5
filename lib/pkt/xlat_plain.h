/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The common NAT64 case of RFC 7915 sec. 5.1 and 4.1 in place
 * (lib/pkt/xlat.c): a plain IPv6 TCP or UDP packet (pkt/plain6.h: no extension
 * header, not a fragment) becomes the IPv4 packet pinhole_xlat_6to4 writes for
 * it, byte for byte, without the parse, the walk and the copy through a second
 * buffer; and the reply, a plain IPv4 TCP or UDP packet, into the IPv6 packet
 * pinhole_xlat_4to6 writes for it. Everything else is left to the general
 * translators.
 */
#ifndef PH_PKT_XLAT_PLAIN_H
#define PH_PKT_XLAT_PLAIN_H

#include <pinhole/ipv6.h>

#include <stddef.h>
#include <stdint.h>

#include "pkt/plain4.h"
#include "pkt/plain6.h"

/*
 * What the checked translations below read of the caller's choice: the
 * fields of pinhole_xlat_map of the same names (a port of 0: the
 * input's), without the rest of that struct, which the engine would
 * otherwise clear and fill for every packet. The IPv6 addresses are
 * borrowed (core/nat64.c hands the connection's own, not a copy; they
 * must not overlap the packet).
 */
typedef struct ph_xlat_to4 {
  uint32_t src4, dst4;
  uint16_t sport, dport;
  uint16_t ip_id;
} ph_xlat_to4;

typedef struct ph_xlat_to6 {
  const uint8_t *src6, *dst6;
  uint16_t sport, dport;
} ph_xlat_to6;

/*
 * d[0..len) (a buffer of cap bytes) translated in place as
 * pinhole_xlat_6to4(d, len, out, cap, m, ...) would translate it into
 * out, when d is a plain IPv6 TCP or UDP packet (ph_plain6_check) whose
 * translation the IPv4 parse accepts as a plain packet (ph_plain4_check:
 * m's addresses differ and are ones it takes, the ports stay non-zero):
 * returns 1 with *out_len the IPv4 length. Otherwise returns 0 and d is
 * untouched (the general translator then gives the answer, an error
 * included).
 */
int pinhole__xlat_6to4_plain(uint8_t *d, size_t len, size_t cap,
                             const pinhole_xlat_map *m, size_t *out_len);

/*
 * The same for d, a packet of at least p->ip_len bytes, its bytes
 * unchanged since they were checked: *p is ph_plain6_check's answer for
 * it, or the same fields of a TCP or UDP packet the full parse accepted
 * with no extension header (the full parse's TCP, UDP and hop limit
 * checks are ph_plain6_check's; its address rules are wider, but the
 * addresses only enter the checksum sum, as in pinhole_xlat_6to4). The
 * check is not run again (core/nat64.c).
 */
int pinhole__xlat_6to4_checked(uint8_t *d, size_t cap, const ph_plain6 *p,
                               const ph_xlat_to4 *m, size_t *out_len);

/*
 * The reply, RFC 7915 sec. 4.1: d[0..len) (a buffer of cap bytes)
 * translated in place as pinhole_xlat_4to6(d, len, out, cap, m, ...) would
 * translate it into out, when d is a plain IPv4 TCP or UDP packet
 * (ph_plain4_check: a 20-byte header, not a fragment) whose translation
 * (40 + its payload length bytes, at most cap) the IPv6 parse accepts as
 * a plain packet (ph_plain6_check's address rules on m's addresses): the
 * payload moves 20 bytes up; returns 1 with *out_len the IPv6 length. A
 * UDP checksum of zero is computed, as pinhole_xlat_4to6 computes it.
 * Otherwise returns 0 and d is untouched.
 */
int pinhole__xlat_4to6_plain(uint8_t *d, size_t len, size_t cap,
                             const pinhole_xlat_map *m, size_t *out_len);

/*
 * The same for d, a packet of at least p->ip_len bytes that the IPv4
 * parse accepts with a 20-byte header, not a fragment, a TCP or UDP one,
 * of which *p holds the addresses, ports, length and protocol (what
 * ph_plain4_check answers for it, or the full parse's view says): the
 * check is not run again (core/nat64.c).
 */
int pinhole__xlat_4to6_checked(uint8_t *d, size_t cap, const ph_plain4 *p,
                               const ph_xlat_to6 *m, size_t *out_len);

#endif /* PH_PKT_XLAT_PLAIN_H */

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The common NAT64 case of RFC 7915 sec. 5.1 in place (lib/pkt/xlat.c):
 * a plain IPv6 TCP or UDP packet (pkt/plain6.h: no extension header, not
 * a fragment) becomes the IPv4 packet pinhole_xlat_6to4 writes for it,
 * byte for byte, without the parse, the walk and the copy through a
 * second buffer. Everything else is left to pinhole_xlat_6to4.
 */
#ifndef PH_PKT_XLAT_PLAIN_H
#define PH_PKT_XLAT_PLAIN_H

#include <pinhole/ipv6.h>

#include <stddef.h>
#include <stdint.h>

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

#endif /* PH_PKT_XLAT_PLAIN_H */

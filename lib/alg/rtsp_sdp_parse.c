/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * RTSP pure layer: the addresses of a DESCRIBE reply's SDP body (RFC 4566
 * sec. 5.2 o=, 5.7 c=; RFC 2326 appendix C.1.1 a=control) for the ALG's
 * NAT64 rewrite (rtsp.c), read with the SDP line readers the SIP parser
 * uses (sdp_parse.c).
 */
#include <pinhole/rtsp.h>

#include "alg/sip_parse.h"

#include <string.h>

/* The addrtype field of an o=/c= line b[ls..) whose address starts at s:
 * the field before it. */
static void ph_addrtype(const uint8_t *b, size_t ls, size_t s,
                        pinhole_rtsp_sdp_addr *a) {
  size_t te = s;
  while (te > ls && b[te - 1] == ' ')
    te--;
  size_t ts = te;
  while (ts > ls && b[ts - 1] != ' ')
    ts--;
  a->type_off = ts;
  a->type_len = te - ts;
}

/* One o= or c= value b[vs..le) of the line starting at ls. */
static int ph_sdp_addr_line(const uint8_t *b, size_t ls, size_t vs, size_t le,
                            int type, pinhole_rtsp_sdp_addr *a) {
  ph_sdp_addr sa;
  ph_cur c = {b, vs, le};
  if ((type == 'o' ? pinhole__sdp_origin(b, vs, le, &sa)
                   : pinhole__sdp_nataddr(&c, &sa)) != 0)
    return PINHOLE_ERR_PARSE;
  a->line = (uint32_t)type;
  a->ip4 = sa.ip4 != 0;
  a->v4 = sa.addr;
  a->multicast = sa.ip4 && (sa.addr >> 28) == 0xe;
  a->addr_off = sa.s;
  a->addr_len = sa.e - sa.s;
  ph_addrtype(b, ls, sa.s, a);
  return 1;
}

int pinhole_rtsp_sdp_next(const uint8_t *b, size_t len, size_t *pos,
                          pinhole_rtsp_sdp_addr *a) {
  size_t ls, le;
  int rc;
  if ((b == NULL && len > 0) || pos == NULL || a == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  memset(a, 0, sizeof(*a));
  while ((rc = pinhole__sdp_line(b, len, pos, &ls, &le)) == 1) {
    int type = pinhole__sdp_type(b, ls, le);
    if (type == 'o' || type == 'c')
      return ph_sdp_addr_line(b, ls, ls + 2, le, type, a);
    if (type == 'a' && le - ls > 10 && memcmp(b + ls, "a=control:", 10) == 0) {
      size_t at = ls + 10;
      if (pinhole_rtsp_url_next(b, le, &at, &a->host) == 1) {
        a->line = 'a';
        return 1;
      }
    }
  }
  return rc;
}

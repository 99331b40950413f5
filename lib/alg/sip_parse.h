/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SIP ALG pure layer, internal: what the SIP parser (sip_parse.c), the SDP
 * parser (sdp_parse.c) and the rewriter (sip_rewrite.c) share. Pure: no
 * state, no allocation. Offsets are from the first byte of the buffer the
 * caller passes (the message, or for the SDP line helpers the buffer the
 * SDP lies in), and every range is half-open.
 */
#ifndef PH_ALG_SIP_PARSE_H
#define PH_ALG_SIP_PARSE_H

#include <pinhole/sip.h>

#include "alg/text.h"

/* ---- messages --------------------------------------------------------- */

/* Header fields the parser or the rewriter acts on. */
enum ph_hid {
  PH_H_OTHER = 0,
  PH_H_VIA,
  PH_H_CONTACT,
  PH_H_CLEN,
  PH_H_CTYPE,
  PH_H_CENC,
  PH_H_CALLID,
  PH_H_CSEQ,
  PH_H_EXPIRES,
  PH_H_ROUTE,   /* routing sets: Route, Record-Route, Path, Service-Route */
  PH_H_FROM_TO, /* From, To */
  PH_H_URI,     /* the other fields whose values carry URIs */
  PH_H_CALLREF  /* fields naming Call-IDs: Replaces, Join, In-Reply-To */
};

/* One header field of a parsed message. */
typedef struct ph_hdr {
  uint8_t id; /* enum ph_hid */
  size_t name_off;
  size_t val_off; /* just past the colon */
  size_t val_end; /* the CR ending the field's last line */
} ph_hdr;

/* pinhole_sip_parse() without its argument checks; hdrs (room for
 * PINHOLE_SIP_MAX_HEADERS) receives the m->header_count fields. */
int pinhole__sip_parse(const uint8_t *p, size_t len, uint32_t flags,
                       pinhole_sip_msg *m, ph_hdr *hdrs);

/* Where the SDP of a parsed message is (see pinhole_sip_sdp_find()).
 * Returns 1 and *sdp, 0 when it has none (*sdp zeroed), or
 * PINHOLE_ERR_PARSE / PINHOLE_ERR_UNSUPPORTED. */
int pinhole__sip_body_sdp(const uint8_t *p, const pinhole_sip_msg *m,
                          const ph_hdr *hdrs, pinhole_sip_range *sdp);

/* ---- header values -------------------------------------------------- */

/* One value of a field that carries URIs. */
typedef struct ph_av {
  size_t uri_s, uri_e; /* the URI (empty for Contact: *) */
  size_t par_s, par_e; /* header parameters after it */
} ph_av;

/* Reads the value at the cursor and moves past the ',' that ends it.
 * Returns 1, 0 at the end of the field, -1 when malformed. */
int pinhole__sip_addr_value(ph_cur *c, ph_av *v);

/* One ";name[=value]". */
typedef struct ph_par {
  size_t ns, ne, vs, ve; /* value empty (vs == ve) when absent */
} ph_par;

/* Reads one parameter at the cursor (after blanks). Returns 1, 0 when the
 * next non-blank byte is not ';' (cursor unchanged), -1 when malformed. */
int pinhole__sip_param(ph_cur *c, ph_par *r);

/* Host and port of a sip: or sips: URI with an IPv4 literal host, or an
 * IPv6 reference "[addr]" (ip6 set, addr6; host_s..host_e holds the
 * brackets, addr is 0). */
typedef struct ph_hp {
  size_t host_s, host_e, port_e;
  uint32_t addr;
  uint16_t port, def_port;
  int has_port;
  int ip6;
  uint8_t addr6[16];
} ph_hp;

/* Returns 1 when p[us..ue) is such a URI (*h filled), else 0. */
int pinhole__sip_uri_hostport(const uint8_t *p, size_t us, size_t ue, ph_hp *h);

/* One Via value. */
typedef struct ph_via {
  size_t host_s, host_e, port_e; /* sent-by: host [":" port] */
  size_t par_s, par_e;           /* its parameters */
  uint16_t port, def_port;
  int has_port;
} ph_via;

/* sent-protocol LWS sent-by *(;param), and the ',' after it. Returns 1,
 * 0 at the end of the field, -1 when malformed. */
int pinhole__sip_via_value(ph_cur *c, ph_via *v);

/* ---- SDP lines ------------------------------------------------------ */

/* Next line of b[0..len) from *pos: content [*ls, *le) without CRLF/LF.
 * Returns 1, 0 at the end, PINHOLE_ERR_PARSE on NUL or a bare CR. */
int pinhole__sdp_line(const uint8_t *b, size_t len, size_t *pos, size_t *ls,
                      size_t *le);

/* Line type of b[ls..le): 'x' for "x=", 0 for an empty line, -1 else. */
int pinhole__sdp_type(const uint8_t *b, size_t ls, size_t le);

/* An address field of o=, c= or a=rtcp:. */
typedef struct ph_sdp_addr {
  size_t s, e;   /* the address itself (without a /ttl suffix) */
  size_t ts, te; /* the addrtype field (IP4, IP6) */
  uint32_t addr;
  int ip4; /* 1: IN IP4 literal */
  int ip6; /* 1: IN IP6 literal, in addr6 */
  uint8_t addr6[16];
} ph_sdp_addr;

/* Reads "nettype addrtype address" at the cursor. Returns 0 or -1. */
int pinhole__sdp_nataddr(ph_cur *c, ph_sdp_addr *a);

/* The address of the o= line whose value is b[s..e). Returns 0 or -1. */
int pinhole__sdp_origin(const uint8_t *b, size_t s, size_t e, ph_sdp_addr *a);

/* m=<media> <port>[/<count>] <proto> <fmt> ... */
typedef struct ph_sdp_m {
  uint32_t type;
  size_t port_s, port_e;
  uint16_t port, count;
} ph_sdp_m;

/* Reads the m= value b[s..e). Returns 0 or -1. */
int pinhole__sdp_mline(const uint8_t *b, size_t s, size_t e, ph_sdp_m *mm);

/* a=rtcp:<port> [<nettype> <addrtype> <address>]. */
typedef struct ph_sdp_rtcp {
  size_t port_s, port_e;
  uint16_t port;
  int has_addr;
  ph_sdp_addr a;
} ph_sdp_rtcp;

/* Reads b[s..e), the part after "rtcp:". Returns 0 or -1. */
int pinhole__sdp_rtcpline(const uint8_t *b, size_t s, size_t e, ph_sdp_rtcp *r);

/* The a= value b[s..e) starts with "rtcp:". */
int pinhole__sdp_is_rtcp(const uint8_t *b, size_t s, size_t e);

/* The line b[ls..le) is a=candidate: or a=remote-candidates: (ICE). */
int pinhole__sdp_is_ice(const uint8_t *b, size_t ls, size_t le);

#endif /* PH_ALG_SIP_PARSE_H */

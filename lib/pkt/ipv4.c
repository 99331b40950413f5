/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4, TCP, UDP and ICMP parsing and validation (RFC 791, 793/9293, 768,
 * 792, 1122 section 3.2.1.3 for illegal addresses, 1858 for fragments).
 *
 * One pass, first failed check wins, in the order documented in
 * include/pinhole/packet.h. Every read is preceded by a length check
 * against the bytes the packet really has (min(buffer, IP total length)),
 * never against a header field alone.
 */
#include <pinhole/cksum.h>
#include <pinhole/packet.h>
#include <pinhole/pptp.h>

#include <string.h>

#include "pkt/bytes.h"
#include "pkt/pkt_cksum.h"
#include "pkt/plain4.h"

#define PH_ICMP_HLEN 8u

#define PH_IPOPT_EOL 0u
#define PH_IPOPT_NOP 1u

/* ICMP types (RFC 792). */
#define PH_ICMP_ECHOREPLY 0u
#define PH_ICMP_UNREACH 3u
#define PH_ICMP_SOURCEQUENCH 4u
#define PH_ICMP_REDIRECT 5u
#define PH_ICMP_ECHO 8u
#define PH_ICMP_TIMXCEED 11u
#define PH_ICMP_PARAMPROB 12u
#define PH_ICMP_TSTAMP 13u
#define PH_ICMP_TSTAMPREPLY 14u

static int ph_icmp_is_query(uint8_t type) {
  return type == PH_ICMP_ECHO || type == PH_ICMP_ECHOREPLY ||
         type == PH_ICMP_TSTAMP || type == PH_ICMP_TSTAMPREPLY;
}

static int ph_icmp_is_error(uint8_t type) {
  return type == PH_ICMP_UNREACH || type == PH_ICMP_SOURCEQUENCH ||
         type == PH_ICMP_REDIRECT || type == PH_ICMP_TIMXCEED ||
         type == PH_ICMP_PARAMPROB;
}

/* 0/8, 127/8, 224/4 and 240/4 never source a packet; as a destination,
 * multicast is legal (plain4.h ph_a4_first_bad). */
static int ph_src_illegal(uint32_t a) {
  return (ph_a4_first_bad[a >> 24] & PH_A4_BAD_SRC) != 0;
}

static int ph_dst_illegal(uint32_t a) {
  return (ph_a4_first_bad[a >> 24] & PH_A4_BAD_DST) != 0;
}

/* RFC 791 options: EOL ends the list (the rest is padding), NOP is one
 * byte, every other option is type, length (>= 2, covering type and length)
 * and data, and must end inside the header. */
static int ph_options_ok(ph_span opt) {
  size_t off = 0;
  while (off < opt.len) {
    uint8_t type = opt.p[off];
    if (type == PH_IPOPT_EOL)
      return 1;
    if (type == PH_IPOPT_NOP) {
      off++;
      continue;
    }
    if (!ph_span_has(&opt, off, 2))
      return 0;
    size_t olen = opt.p[off + 1];
    if (olen < 2 || !ph_span_has(&opt, off, olen))
      return 0;
    off += olen;
  }
  return 1;
}

static int ph_parse_tcp(ph_span seg, pinhole_pkt_view *v) {
  if (seg.len < PH_TCP_MIN_HLEN)
    return PINHOLE_PKT_TCP_HDR_LEN;
  size_t hlen = (size_t)(seg.p[12] >> 4) * 4u;
  if (hlen < PH_TCP_MIN_HLEN || hlen > seg.len)
    return PINHOLE_PKT_TCP_HDR_LEN;
  v->sport = ph_get16(seg.p);
  v->dport = ph_get16(seg.p + 2);
  v->seq = ph_get32(seg.p + 4);
  v->ack = ph_get32(seg.p + 8);
  v->tcp_flags = seg.p[13];
  v->tcp_hlen = (uint8_t)hlen;
  v->tcp_win = ph_get16(seg.p + 14);
  v->payload_off = (uint16_t)(v->l4_off + hlen);
  v->payload_len = (uint16_t)(seg.len - hlen);
  if (v->sport == 0 || v->dport == 0)
    return PINHOLE_PKT_TCP_PORT_ZERO;
  if (ph_tcp_flags_bad(v->tcp_flags))
    return PINHOLE_PKT_TCP_FLAGS;
  v->flags |= PINHOLE_PKTF_L4;
  return PINHOLE_PKT_OK;
}

/* dgram is the UDP part present in this packet; for a first fragment the
 * length field covers the whole datagram and may exceed it. */
static int ph_parse_udp(ph_span dgram, int first_frag, pinhole_pkt_view *v) {
  if (dgram.len < PH_UDP_HLEN)
    return PINHOLE_PKT_UDP_SHORT;
  v->sport = ph_get16(dgram.p);
  v->dport = ph_get16(dgram.p + 2);
  v->payload_off = (uint16_t)(v->l4_off + PH_UDP_HLEN);
  v->payload_len = (uint16_t)(dgram.len - PH_UDP_HLEN);
  if (ph_get16(dgram.p + 6) == 0)
    v->flags |= PINHOLE_PKTF_UDP_NOCSUM;
  if (v->sport == 0 || v->dport == 0)
    return PINHOLE_PKT_UDP_PORT_ZERO;
  size_t ulen = ph_get16(dgram.p + 4);
  if (ulen < PH_UDP_HLEN)
    return PINHOLE_PKT_UDP_LEN;
  if (first_frag ? ulen < dgram.len : ulen != dgram.len)
    return PINHOLE_PKT_UDP_LEN;
  v->flags |= PINHOLE_PKTF_L4;
  return PINHOLE_PKT_OK;
}

/* The packet quoted by an ICMP error, starting at q (RFC 792: its IP header
 * and at least 8 bytes of its L4 header). Quoted ICMP errors are accepted
 * but not looked into. */
static int ph_parse_quoted(ph_span q, uint16_t q_off, pinhole_pkt_view *v) {
  if (q.len < PH_IP_MIN_HLEN || (q.p[0] >> 4) != 4)
    return PINHOLE_PKT_ICMP_ERR_LEN;
  size_t ihl = (size_t)(q.p[0] & 0x0f) * 4u;
  if (ihl < PH_IP_MIN_HLEN || !ph_span_has(&q, ihl, 8))
    return PINHOLE_PKT_ICMP_ERR_LEN;
  v->inner_off = q_off;
  v->inner_ihl = (uint8_t)ihl;
  v->inner_proto = q.p[9];
  v->inner_src = ph_get32(q.p + 12);
  v->inner_dst = ph_get32(q.p + 16);
  v->inner_l4_off = (uint16_t)(q_off + ihl);
  if ((ph_get16(q.p + 6) & PH_IP_OFFMASK) != 0)
    return PINHOLE_PKT_OK; /* quoted non-first fragment: no L4 header */
  const uint8_t *l4 = q.p + ihl;
  if (v->inner_proto == PINHOLE_IPPROTO_TCP ||
      v->inner_proto == PINHOLE_IPPROTO_UDP) {
    v->inner_sport = ph_get16(l4);
    v->inner_dport = ph_get16(l4 + 2);
  } else if (v->inner_proto == PINHOLE_IPPROTO_ICMP &&
             ph_icmp_is_query(l4[0])) {
    v->inner_sport = ph_get16(l4 + 4);
    v->inner_dport = v->inner_sport;
  } else if (v->inner_proto == PINHOLE_IPPROTO_GRE) {
    pinhole_pptp_gre g; /* its first 8 bytes hold the key */
    if (pinhole_pptp_gre_parse(l4, q.len - ihl, 1, &g) == 0)
      v->inner_dport = g.call_id;
  }
  return PINHOLE_PKT_OK;
}

/* An enhanced GRE header (PPTP's data channel): the key's Call ID in
 * dport. Other GRE is no error: it is simply not a call (no flag). A
 * first fragment's payload is cut off: its header is read as quoted. */
static int ph_parse_gre(ph_span l4, int first_frag, pinhole_pkt_view *v) {
  pinhole_pptp_gre g;
  if (pinhole_pptp_gre_parse(l4.p, l4.len, first_frag, &g) != 0 ||
      g.hdr_len > l4.len)
    return PINHOLE_PKT_OK;
  v->dport = g.call_id;
  v->payload_off = (uint16_t)(v->l4_off + g.hdr_len);
  v->payload_len = (uint16_t)(l4.len - g.hdr_len);
  v->flags |= PINHOLE_PKTF_GRE;
  return PINHOLE_PKT_OK;
}

static int ph_parse_icmp(ph_span msg, pinhole_pkt_view *v) {
  if (msg.len < PH_ICMP_HLEN)
    return PINHOLE_PKT_ICMP_SHORT;
  v->icmp_type = msg.p[0];
  v->icmp_code = msg.p[1];
  v->payload_off = (uint16_t)(v->l4_off + PH_ICMP_HLEN);
  v->payload_len = (uint16_t)(msg.len - PH_ICMP_HLEN);
  if (ph_icmp_is_query(v->icmp_type)) {
    v->sport = ph_get16(msg.p + 4);
    v->dport = v->sport;
    v->icmp_seq = ph_get16(msg.p + 6);
    v->flags |= PINHOLE_PKTF_ICMP_QUERY | PINHOLE_PKTF_L4;
    return PINHOLE_PKT_OK;
  }
  if (!ph_icmp_is_error(v->icmp_type))
    return PINHOLE_PKT_OK;
  v->flags |= PINHOLE_PKTF_ICMP_ERROR;
  ph_span q = {msg.p + PH_ICMP_HLEN, msg.len - PH_ICMP_HLEN};
  return ph_parse_quoted(q, v->payload_off, v);
}

/* The header checksum verifies: the one's-complement sum of the header's
 * 16-bit words is all ones (the usual 20-byte header: plain4.h). */
static inline int ph_hdr_cksum_ok(const uint8_t *data, size_t ihl) {
  if (ihl != PH_IP_MIN_HLEN)
    return pinhole_cksum(data, ihl) == 0;
  return ph_hdr20_cksum_ok(data);
}

/* The fixed IPv4 header: lengths, checksum, TTL, protocol, addresses. */
static int ph_parse_ip_hdr(const uint8_t *data, size_t len,
                           pinhole_pkt_view *v) {
  if (len == 0)
    return PINHOLE_PKT_NON_IP;
  unsigned version = data[0] >> 4;
  if (version == 6)
    return PINHOLE_PKT_IP_NON_IPV4;
  if (version != 4)
    return PINHOLE_PKT_NON_IP;
  size_t ihl = (size_t)(data[0] & 0x0f) * 4u;
  if (ihl < PH_IP_MIN_HLEN || len < PH_IP_MIN_HLEN || len < ihl)
    return PINHOLE_PKT_IP_MIN_HDR;
  size_t ip_len = ph_get16(data + 2);
  v->ihl = (uint8_t)ihl;
  v->ip_len = (uint16_t)ip_len;
  v->ip_id = ph_get16(data + 4);
  v->ttl = data[8];
  v->proto = data[9];
  v->src = ph_get32(data + 12);
  v->dst = ph_get32(data + 16);
  if (ip_len > len || ip_len < ihl)
    return PINHOLE_PKT_IP_LEN;
  if (!ph_hdr_cksum_ok(data, ihl))
    return PINHOLE_PKT_IP_CKSUM;
  if (v->ttl == 0)
    return PINHOLE_PKT_IP_TTL_ZERO;
  if (v->proto == 0 || v->proto == 255)
    return PINHOLE_PKT_IP_PROTO;
  if (v->src == v->dst)
    return PINHOLE_PKT_IP_LAND;
  if (ph_src_illegal(v->src))
    return PINHOLE_PKT_IP_SRC;
  if (ph_dst_illegal(v->dst))
    return PINHOLE_PKT_IP_DST;
  return PINHOLE_PKT_OK;
}

/* Fragment fields (RFC 791, RFC 1858) and options. */
static int ph_parse_ip_frag_opts(const uint8_t *data, pinhole_pkt_view *v) {
  uint16_t fo = ph_get16(data + 6);
  size_t off = (size_t)(fo & PH_IP_OFFMASK) * 8u;
  size_t plen = (size_t)v->ip_len - v->ihl;
  v->frag_off = (uint16_t)off;
  if ((fo & PH_IP_MF) || off != 0) {
    v->flags |= PINHOLE_PKTF_FRAGMENT;
    if (off == 0)
      v->flags |= PINHOLE_PKTF_FIRST_FRAG;
  }
  if ((fo & PH_IP_MF) && plen % 8u != 0)
    return PINHOLE_PKT_IP_FRAG_LEN;
  if (off + plen > 65535u)
    return PINHOLE_PKT_IP_FRAG_LEN;
  if (v->ihl > PH_IP_MIN_HLEN) {
    v->flags |= PINHOLE_PKTF_OPTIONS;
    ph_span opt = {data + PH_IP_MIN_HLEN, (size_t)v->ihl - PH_IP_MIN_HLEN};
    if (!ph_options_ok(opt))
      return PINHOLE_PKT_IP_OPTION;
  }
  return PINHOLE_PKT_OK;
}

/* The common case in one pass (plain4.h): returns 1 when it filled *v
 * exactly as the full parse would, 0 when the packet needs the full parse
 * (which then reports the first failing check in the documented order). */
static inline int ph_parse_fast(const uint8_t *d, size_t len,
                                pinhole_pkt_view *v) {
  ph_plain4 p;
  if (!ph_plain4_check(d, len, &p))
    return 0;
  ph_plain4_view(d, &p, v);
  return 1;
}

static int ph_parse_full(const uint8_t *data, size_t len,
                         pinhole_pkt_view *view);

int pinhole_pkt_parse(const uint8_t *data, size_t len, pinhole_pkt_view *view) {
  if (data == NULL || view == NULL) {
    if (view != NULL)
      memset(view, 0, sizeof(*view));
    return PINHOLE_ERR_INVALID_ARG;
  }
#ifdef PH_PARSE_SELFTEST
  /* differential check of the fast path (fuzzing builds only) */
  pinhole_pkt_view fast;
  if (ph_parse_fast(data, len, &fast)) {
    int r = ph_parse_full(data, len, view);
    if (r != PINHOLE_PKT_OK || memcmp(&fast, view, sizeof(fast)) != 0)
      __builtin_trap();
    return r;
  }
#else
  if (ph_parse_fast(data, len, view))
    return PINHOLE_PKT_OK;
#endif
  return ph_parse_full(data, len, view);
}

/* Every check in the documented order; the first that fails decides. */
static int ph_parse_full(const uint8_t *data, size_t len,
                         pinhole_pkt_view *view) {
  memset(view, 0, sizeof(*view));
  int r = ph_parse_ip_hdr(data, len, view);
  if (r != PINHOLE_PKT_OK)
    return r;
  r = ph_parse_ip_frag_opts(data, view);
  if (r != PINHOLE_PKT_OK)
    return r;
  view->l4_off = view->ihl;
  view->l4_len = (uint16_t)(view->ip_len - view->ihl);
  if (view->frag_off != 0)
    return PINHOLE_PKT_OK; /* non-first fragment: no L4 header */
  ph_span l4 = {data + view->l4_off, view->l4_len};
  int first_frag = (view->flags & PINHOLE_PKTF_FIRST_FRAG) != 0;
  switch (view->proto) {
  case PINHOLE_IPPROTO_TCP:
    return ph_parse_tcp(l4, view);
  case PINHOLE_IPPROTO_UDP:
    return ph_parse_udp(l4, first_frag, view);
  case PINHOLE_IPPROTO_ICMP:
    return ph_parse_icmp(l4, view);
  case PINHOLE_IPPROTO_GRE:
    return ph_parse_gre(l4, first_frag, view);
  default:
    return PINHOLE_PKT_OK;
  }
}

const char *pinhole_pkt_reason_name(int reason) {
  static const char *const names[] = {
      [PINHOLE_PKT_OK] = "ok",
      [PINHOLE_PKT_NON_IP] = "non-ip",
      [PINHOLE_PKT_IP_NON_IPV4] = "ip-non-ipv4",
      [PINHOLE_PKT_IP_MIN_HDR] = "ip-min-hdr",
      [PINHOLE_PKT_IP_LEN] = "ip-len",
      [PINHOLE_PKT_IP_TTL_ZERO] = "ip-ttl-zero",
      [PINHOLE_PKT_IP_PROTO] = "ip-proto",
      [PINHOLE_PKT_IP_LAND] = "ip-land",
      [PINHOLE_PKT_IP_SRC] = "ip-src",
      [PINHOLE_PKT_IP_DST] = "ip-dst",
      [PINHOLE_PKT_IP_CKSUM] = "ip-cksum",
      [PINHOLE_PKT_IP_FRAG_LEN] = "ip-frag-len",
      [PINHOLE_PKT_IP_OPTION] = "ip-option",
      [PINHOLE_PKT_TCP_HDR_LEN] = "tcp-hdr-len",
      [PINHOLE_PKT_TCP_PORT_ZERO] = "tcp-port-zero",
      [PINHOLE_PKT_TCP_FLAGS] = "tcp-flags",
      [PINHOLE_PKT_UDP_SHORT] = "udp-short",
      [PINHOLE_PKT_UDP_PORT_ZERO] = "udp-port-zero",
      [PINHOLE_PKT_UDP_LEN] = "udp-len",
      [PINHOLE_PKT_ICMP_SHORT] = "icmp-short",
      [PINHOLE_PKT_ICMP_ERR_LEN] = "icmp-err-len",
      [PINHOLE_PKT_IP6_HDR] = "ip6-hdr",
      [PINHOLE_PKT_IP6_LEN] = "ip6-len",
      [PINHOLE_PKT_IP6_JUMBO] = "ip6-jumbo",
      [PINHOLE_PKT_IP6_SRC] = "ip6-src",
      [PINHOLE_PKT_IP6_DST] = "ip6-dst",
      [PINHOLE_PKT_IP6_EXT] = "ip6-ext",
      [PINHOLE_PKT_IP6_EXT_ORDER] = "ip6-ext-order",
      [PINHOLE_PKT_IP6_ROUTING] = "ip6-routing",
      [PINHOLE_PKT_IP6_FRAG_LEN] = "ip6-frag-len",
      [PINHOLE_PKT_IP6_FRAG_CHAIN] = "ip6-frag-chain",
      [PINHOLE_PKT_UDP6_CKSUM_ZERO] = "udp6-cksum-zero",
  };
  if (reason < 0 || (size_t)reason >= sizeof(names) / sizeof(names[0]) ||
      names[reason] == NULL)
    return "unknown";
  return names[reason];
}

/* Offset of the L4 checksum field, or 0 when the packet has none we check:
 * fragments (the checksum covers the reassembled datagram), other
 * protocols, or an L4 header too short to hold the field. */
static size_t ph_l4_cksum_field(const pinhole_pkt_view *v) {
  if (v->flags & PINHOLE_PKTF_FRAGMENT)
    return 0;
  switch (v->proto) {
  case PINHOLE_IPPROTO_TCP:
    return v->l4_len >= PH_TCP_MIN_HLEN ? (size_t)v->l4_off + 16u : 0;
  case PINHOLE_IPPROTO_UDP:
    return v->l4_len >= PH_UDP_HLEN ? (size_t)v->l4_off + 6u : 0;
  case PINHOLE_IPPROTO_ICMP:
    return v->l4_len >= PH_ICMP_HLEN ? (size_t)v->l4_off + 2u : 0;
  default:
    return 0;
  }
}

/* Offset of the checksum field in the L4 header of proto (0: none). */
static size_t ph_l4_cksum_at(uint8_t proto) {
  switch (proto) {
  case PINHOLE_IPPROTO_TCP:
    return 16;
  case PINHOLE_IPPROTO_UDP:
    return 6;
  case PINHOLE_IPPROTO_ICMP:
    return 2;
  default:
    return 0;
  }
}

void pinhole__ip_cksum_set(uint8_t *pkt, size_t ihl) {
  ph_put16(pkt + 10, 0);
  ph_put16(pkt + 10, pinhole_cksum(pkt, ihl));
}

uint32_t pinhole__l4_sum(const uint8_t *pkt, size_t l4_off, size_t l4_len,
                         uint8_t proto) {
  uint32_t s = pinhole_cksum_add(0, pkt + l4_off, l4_len);
  if (proto == PINHOLE_IPPROTO_ICMP)
    return s;
  uint8_t ph[12];
  memcpy(ph, pkt + 12, 8);
  ph[8] = 0;
  ph[9] = proto;
  ph_put16(ph + 10, (uint16_t)l4_len);
  return pinhole_cksum_add(s, ph, sizeof(ph));
}

int pinhole__l4_cksum_set(uint8_t *pkt, size_t l4_off, size_t l4_len,
                          uint8_t proto) {
  size_t at = ph_l4_cksum_at(proto);
  if (at == 0)
    return 0;
  uint8_t *field = pkt + l4_off + at;
  uint16_t old = ph_get16(field);
  if (proto == PINHOLE_IPPROTO_UDP && old == 0)
    return 0; /* "no checksum" stays so */
  ph_put16(field, 0);
  uint16_t c =
      pinhole_cksum_finish(pinhole__l4_sum(pkt, l4_off, l4_len, proto));
  if (c == 0 && proto == PINHOLE_IPPROTO_UDP)
    c = 0xffff; /* RFC 768: a computed zero is sent as all ones */
  ph_put16(field, c);
  return c != old;
}

int pinhole_pkt_l4_cksum_ok(const uint8_t *data, const pinhole_pkt_view *view) {
  if (data == NULL || view == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  size_t field = ph_l4_cksum_field(view);
  if (field == 0)
    return 1;
  if (view->proto == PINHOLE_IPPROTO_UDP && ph_get16(data + field) == 0)
    return 1;
  uint32_t s = pinhole__l4_sum(data, view->l4_off, view->l4_len, view->proto);
  return pinhole_cksum_finish(s) == 0;
}

int pinhole_pkt_fix_cksums(uint8_t *data, const pinhole_pkt_view *view) {
  if (data == NULL || view == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (view->ihl >= PH_IP_MIN_HLEN)
    pinhole__ip_cksum_set(data, view->ihl);
  if (ph_l4_cksum_field(view) != 0)
    pinhole__l4_cksum_set(data, view->l4_off, view->l4_len, view->proto);
  return 0;
}

/* The L4 header of an unfragmented packet is long enough to hold its
 * checksum field, and a UDP length field says what the IP layer says. */
static int ph_l4_holds_cksum(const uint8_t *l4, size_t l4_len, uint8_t proto) {
  switch (proto) {
  case PINHOLE_IPPROTO_TCP:
    return l4_len >= PH_TCP_MIN_HLEN;
  case PINHOLE_IPPROTO_UDP:
    return l4_len >= PH_UDP_HLEN && ph_get16(l4 + 4) == l4_len;
  case PINHOLE_IPPROTO_ICMP:
    return l4_len >= PH_ICMP_HLEN;
  default:
    return 1;
  }
}

int pinhole_pkt_fix_all_cksums(uint8_t *pkt, size_t len) {
  if (pkt == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if (len < PH_IP_MIN_HLEN || (pkt[0] >> 4) != 4)
    return PINHOLE_ERR_PARSE;
  size_t ihl = (size_t)(pkt[0] & 0x0f) * 4u;
  size_t ip_len = ph_get16(pkt + 2);
  if (ihl < PH_IP_MIN_HLEN || ip_len < ihl || ip_len > len)
    return PINHOLE_ERR_PARSE;
  int fragment = (ph_get16(pkt + 6) & (PH_IP_MF | PH_IP_OFFMASK)) != 0;
  uint8_t proto = pkt[9];
  if (!fragment && !ph_l4_holds_cksum(pkt + ihl, ip_len - ihl, proto))
    return PINHOLE_ERR_PARSE;
  uint16_t old = ph_get16(pkt + 10);
  pinhole__ip_cksum_set(pkt, ihl);
  int changed = ph_get16(pkt + 10) != old;
  if (!fragment)
    changed += pinhole__l4_cksum_set(pkt, ihl, ip_len - ihl, proto);
  return changed;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Byte-order-safe loads and stores for packet fields. Never cast a packet
 * pointer to a header struct: read and write through these.
 */
#ifndef PH_BYTES_H
#define PH_BYTES_H

#include <pinhole/packet.h>

#include <stdint.h>
#include <string.h>

/* Header field offsets (RFC 791, 793, 768, 792), from the header start. */
enum ph_field {
  PH_IP_TOTLEN = 2,
  PH_IP_ID = 4,
  PH_IP_FRAG = 6,
  PH_IP_TTL = 8,
  PH_IP_PROTO = 9,
  PH_IP_CKSUM = 10,
  PH_IP_SRC = 12,
  PH_IP_DST = 16,
  PH_L4_SPORT = 0, /* TCP and UDP */
  PH_L4_DPORT = 2,
  PH_TCP_SEQ = 4,
  PH_TCP_ACK = 8,
  PH_TCP_CKSUM = 16,
  PH_UDP_LEN = 4,
  PH_UDP_CKSUM = 6,
  PH_ICMP_CKSUM = 2,
  PH_ICMP_ID = 4,
  PH_ICMP_SEQ = 6,
  PH_GRE_CALL_ID = 6 /* enhanced GRE (RFC 2637 4.1): the key's low half */
};

static inline uint16_t ph_get16(const uint8_t *p) {
  return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t ph_get32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         (uint32_t)p[3];
}

static inline void ph_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void ph_put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* A native-order 64-bit load: for comparisons and keyed hashes, whose
 * answer does not depend on the byte order (never a field's value). */
static inline uint64_t ph_ne64(const uint8_t *p) {
  uint64_t x;
  memcpy(&x, p, sizeof(x));
  return x;
}

/* ---- shared by the IPv4 and IPv6 parsers ---------------------------- */

/* A bounds-checked view of bytes: every read asks for its length first. */
typedef struct ph_span {
  const uint8_t *p;
  size_t len;
} ph_span;

static inline int ph_span_has(const ph_span *s, size_t off, size_t n) {
  return off <= s->len && n <= s->len - off;
}

/* TCP flags no segment may carry (RFC 9293 and the usual scan signatures):
 * none of the six, SYN+FIN, SYN+RST, FIN+RST, FIN without ACK. */
static inline int ph_tcp_flags_bad(uint8_t f) {
  const uint8_t six = PINHOLE_TCP_FIN | PINHOLE_TCP_SYN | PINHOLE_TCP_RST |
                      PINHOLE_TCP_PSH | PINHOLE_TCP_ACK | PINHOLE_TCP_URG;
  const uint8_t syn_fin = PINHOLE_TCP_SYN | PINHOLE_TCP_FIN;
  const uint8_t syn_rst = PINHOLE_TCP_SYN | PINHOLE_TCP_RST;
  const uint8_t fin_rst = PINHOLE_TCP_FIN | PINHOLE_TCP_RST;
  return (f & six) == 0 || (f & syn_fin) == syn_fin ||
         (f & syn_rst) == syn_rst || (f & fin_rst) == fin_rst ||
         ((f & PINHOLE_TCP_FIN) && !(f & PINHOLE_TCP_ACK));
}

#endif /* PH_BYTES_H */

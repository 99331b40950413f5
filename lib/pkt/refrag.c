/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 fragmentation of a whole datagram (RFC 791 sec. 3.2). See
 * pkt/refrag.h.
 */
#include "pkt/refrag.h"
#include "pkt/bytes.h"
#include "pkt/pkt_cksum.h"

#include <string.h>

#define PH_IPOPT_COPIED 0x80u
#define PH_IPOPT_EOL 0u
#define PH_IPOPT_NOP 1u
#define PH_IP_DF 0x4000u
#define PH_IP_MF 0x2000u

/* The options of the later fragments: those of opt[0..len) whose copied
 * flag is set (a list that does not parse ends the copy where it stops;
 * the parser has refused such a header before it got here). Returns the
 * bytes written to out. */
static size_t ph_copied_options(const uint8_t *opt, size_t len, uint8_t *out) {
  size_t o = 0, i = 0;
  while (i < len) {
    uint8_t type = opt[i];
    if (type == PH_IPOPT_EOL)
      break;
    if (type == PH_IPOPT_NOP) {
      i++;
      continue;
    }
    if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
      break;
    size_t olen = opt[i + 1];
    if (type & PH_IPOPT_COPIED) {
      memcpy(out + o, opt + i, olen);
      o += olen;
    }
    i += olen;
  }
  while (o % 4 != 0)
    out[o++] = PH_IPOPT_EOL;
  return o;
}

int pinhole__refrag_plan(ph_refrag *r, const uint8_t *d, size_t len,
                         size_t mtu) {
  memset(r, 0, sizeof(*r));
  if (len < 20 || (d[0] >> 4) != 4)
    return -1;
  size_t hl = (size_t)(d[0] & 15u) * 4u;
  if (hl < 20 || hl > len || ph_get16(d + PH_IP_TOTLEN) != len)
    return -1;
  r->hl = hl;
  r->plen = len - hl;
  memcpy(r->hdr0, d, hl);
  memcpy(r->hdrn, d, 20);
  r->hln = 20 + ph_copied_options(d + 20, hl - 20, r->hdrn + 20);
  r->hdrn[0] = (uint8_t)(0x40u | r->hln / 4u);
  if (len <= mtu) {
    r->fp = r->plen;
    r->n = 1;
    return 0;
  }
  if (mtu < hl + 8)
    return -1;
  r->fp = (mtu - hl) & ~(size_t)7;
  r->n = (r->plen + r->fp - 1) / r->fp;
  return 0;
}

size_t pinhole__refrag_span(const ph_refrag *r, size_t k, size_t *off) {
  *off = k * r->fp;
  if (*off >= r->plen)
    return 0;
  size_t left = r->plen - *off;
  return left < r->fp ? left : r->fp;
}

size_t pinhole__refrag_put(const ph_refrag *r, size_t k, const uint8_t *payload,
                           uint8_t *out) {
  size_t off, n = pinhole__refrag_span(r, k, &off);
  size_t hl = ph_refrag_hlen(r, k);
  if (out + hl != payload)
    memmove(out + hl, payload, n);
  memcpy(out, k == 0 ? r->hdr0 : r->hdrn, hl);
  uint16_t frag = (uint16_t)(ph_get16(r->hdr0 + PH_IP_FRAG) & PH_IP_DF);
  if (k + 1 < r->n)
    frag |= PH_IP_MF;
  frag |= (uint16_t)(off / 8u);
  ph_put16(out + PH_IP_TOTLEN, (uint16_t)(hl + n));
  ph_put16(out + PH_IP_FRAG, frag);
  pinhole__ip_cksum_set(out, hl);
  return hl + n;
}

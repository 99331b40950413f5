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

/* ---- IPv6 ---------------------------------------------------------------- */

#define PH6_NH_FRAG 44u
#define PH6_NH_HOP 0u
#define PH6_NH_ROUTING 43u
#define PH6_NH_DSTOPTS 60u

size_t pinhole__refrag6_nh_at(const uint8_t *d, size_t u) {
  if (u < 40 || u > PH_REFRAG6_UMAX || (d[0] >> 4) != 6)
    return 0;
  size_t at = 6, off = 40;
  while (off < u) {
    uint8_t nh = d[at];
    if ((nh != PH6_NH_HOP && nh != PH6_NH_ROUTING && nh != PH6_NH_DSTOPTS) ||
        u - off < 8)
      return 0;
    size_t hlen = ((size_t)d[off + 1] + 1u) * 8u;
    if (hlen > u - off)
      return 0;
    at = off;
    off += hlen;
  }
  return at;
}

int pinhole__refrag6_plan_u(ph_refrag6 *r, const uint8_t *d, size_t len,
                            size_t u, size_t fp, uint32_t id) {
  fp &= ~(size_t)7;
  if (len < 40 || (d[0] >> 4) != 6 || fp < 8 ||
      (size_t)ph_get16(d + 4) != len - 40 || u > len)
    return -1;
  size_t nh_at = u == 40 ? 6 : pinhole__refrag6_nh_at(d, u);
  if (nh_at == 0 || (u > 40 && d[nh_at] == PH6_NH_FRAG))
    return -1; /* a fragment after extension headers: not cut again */
  memcpy(r->hdr, d, u);
  r->u = u;
  r->nh_at = nh_at;
  r->nh = d[nh_at];
  r->at = u;
  r->off0 = 0;
  r->m0 = 0;
  r->id = id;
  if (u == 40 && d[6] == PH6_NH_FRAG) {
    if (len < 48)
      return -1;
    r->nh = d[40];
    r->off0 = ph_get16(d + 42) & 0xfff8u;
    r->m0 = d[43] & 1u;
    r->id = ph_get32(d + 44);
    r->at = 48;
  }
  r->plen = len - r->at;
  r->fp = fp;
  r->n = r->plen == 0 ? 1 : (r->plen + fp - 1) / fp;
  return 0;
}

int pinhole__refrag6_plan(ph_refrag6 *r, const uint8_t *d, size_t len,
                          size_t fp, uint32_t id) {
  return pinhole__refrag6_plan_u(r, d, len, 40, fp, id);
}

size_t pinhole__refrag6_put(const ph_refrag6 *r, size_t k,
                            const uint8_t *payload, uint8_t *out) {
  size_t start = k * r->fp;
  size_t n = r->plen - start < r->fp ? r->plen - start : r->fp;
  int more = k + 1 < r->n || r->m0;
  uint8_t *fh = out + r->u; /* the fragment header */
  memmove(fh + 8, payload + start, n);
  memcpy(out, r->hdr, r->u);
  ph_put16(out + 4, (uint16_t)(r->u - 40u + 8u + n));
  out[r->nh_at] = PH6_NH_FRAG;
  fh[0] = r->nh;
  fh[1] = 0;
  ph_put16(fh + 2, (uint16_t)((r->off0 + (uint32_t)start) | (more ? 1u : 0u)));
  ph_put32(fh + 4, r->id);
  return r->u + 8u + n;
}

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 fragmentation of a whole datagram (RFC 791 sec. 3.2, "An Example
 * Fragmentation Procedure"; RFC 815 for the receiver's side). Pure: no
 * context, no allocation. The engine uses it to send on, in pieces, a
 * datagram it reassembled for an ALG (core/reasm.c).
 */
#ifndef PH_PKT_REFRAG_H
#define PH_PKT_REFRAG_H

#include <stddef.h>
#include <stdint.h>

/*
 * A plan for cutting one datagram into fragments of at most mtu bytes:
 * every fragment but the last carries fp payload bytes (a multiple of 8,
 * the same for all, so the pieces are the size the sender's were); the
 * first carries the datagram's header with all its options, the later
 * ones only the options whose copied flag is set (RFC 791 3.1, padded
 * with zeros (End of Option List) to a 4-byte boundary). Identification,
 * TTL, protocol, addresses and the DF bit are the datagram's.
 */
typedef struct ph_refrag {
  uint8_t hdr0[60]; /* the first fragment's header (the datagram's) */
  uint8_t hdrn[60]; /* the later fragments' header */
  size_t hl, hln;   /* their lengths */
  size_t plen;      /* payload bytes of the datagram */
  size_t fp;        /* payload bytes per fragment (all but the last) */
  size_t n;         /* fragments, >= 1 */
} ph_refrag;

/*
 * Plans the fragments of the datagram d[0..len) for mtu. The header's
 * length field and total length are checked against len; its fragment
 * field is ignored (the datagram is whole). Returns 0, or -1 when the
 * header does not hold (IHL below 5 or past len, total length not len) or
 * mtu leaves fewer than 8 payload bytes after the header. When the
 * datagram fits mtu, n is 1 and its one fragment is the datagram itself
 * (MF clear, offset 0).
 */
int pinhole__refrag_plan(ph_refrag *r, const uint8_t *d, size_t len,
                         size_t mtu);

/* The payload offset (in the datagram's payload) and length of fragment
 * k < r->n. */
size_t pinhole__refrag_span(const ph_refrag *r, size_t k, size_t *off);

/* The header length of fragment k: r->hl for the first, r->hln after. */
static inline size_t ph_refrag_hlen(const ph_refrag *r, size_t k) {
  return k == 0 ? r->hl : r->hln;
}

/*
 * Writes fragment k < r->n to out: its header (total length, MF, offset,
 * header checksum), then its payload, copied from payload (the fragment's
 * own bytes, pinhole__refrag_span's length) with memmove, so the payload
 * may already be in place at out + ph_refrag_hlen(r, k) (building each
 * fragment in the datagram's own buffer, ascending). Returns the
 * fragment's length.
 */
size_t pinhole__refrag_put(const ph_refrag *r, size_t k, const uint8_t *payload,
                           uint8_t *out);

/*
 * IPv6 (RFC 8200 sec. 4.5): a plan for cutting the packet d[0..len) (a
 * 40-byte header, then either its payload or a fragment header and the
 * piece it carries) into fragments of fp payload bytes each (a multiple
 * of 8, at least 8) but the last. Each fragment is the 40-byte header
 * (payload length set, next header 44) with a fragment header whose
 * next header is the packet's, whose identification is id (or the
 * packet's own fragment header's) and whose offset and M flag continue
 * that header's (0 and clear for a whole packet).
 */
#define PH_REFRAG6_UMAX 240u /* the longest unfragmentable part cut */
typedef struct ph_refrag6 {
  uint8_t hdr[PH_REFRAG6_UMAX]; /* the packet's unfragmentable part */
  size_t u;      /* its length: 40, or with the extension headers before the
                    fragment header (pinhole__refrag6_plan_u) */
  size_t nh_at;  /* the next-header byte in it that names the fragment
                    header in each fragment */
  uint8_t nh;    /* the next header the fragments carry */
  uint8_t m0;    /* the packet was a fragment with M set */
  size_t at;     /* where its payload starts in d */
  size_t plen;   /* its payload bytes */
  uint32_t off0; /* its own offset (a fragment), else 0 */
  uint32_t id;
  size_t fp;
  size_t n; /* fragments, >= 1 */
} ph_refrag6;

/* Plans d[0..len) for fp (rounded down to a multiple of 8). Returns 0, or
 * -1 when d is no IPv6 packet of len bytes or fp is below 8. */
int pinhole__refrag6_plan(ph_refrag6 *r, const uint8_t *d, size_t len,
                          size_t fp, uint32_t id);

/* pinhole__refrag6_plan for a whole packet whose first u bytes (40, or
 * the IPv6 header and the hop-by-hop, destination options and routing
 * headers that stood before a reassembled datagram's fragment header: its
 * per-fragment headers, RFC 8200 sec. 4.5) go into every fragment, the
 * fragment header after them; the rest is cut. -1 also when d[0..u) is
 * no such chain or u > PH_REFRAG6_UMAX. */
int pinhole__refrag6_plan_u(ph_refrag6 *r, const uint8_t *d, size_t len,
                            size_t u, size_t fp, uint32_t id);

/* The offset of the next-header byte in d[0..u) (the IPv6 header, then
 * only hop-by-hop, routing and destination options headers, each whole
 * within u; u <= PH_REFRAG6_UMAX) that names what follows u: 6 for the
 * IPv6 header alone; 0 when d[0..u) is not such a chain. The caller
 * checked d has u bytes. */
size_t pinhole__refrag6_nh_at(const uint8_t *d, size_t u);

/* Writes fragment k < r->n to out: its r->u + 8 bytes of headers, then
 * its piece copied (memmove) from payload, the packet's payload
 * (d + r->at), so the piece may already be in place at out + r->u + 8.
 * Returns the fragment's length. */
size_t pinhole__refrag6_put(const ph_refrag6 *r, size_t k,
                            const uint8_t *payload, uint8_t *out);

#endif /* PH_PKT_REFRAG_H */

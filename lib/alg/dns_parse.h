/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS wire format shared by the DNS and NetBIOS name service parsers
 * (pure layer, internal): the name reader and the message walk. NBNS
 * (RFC 1002 section 4.2) uses DNS's header, names, questions and records;
 * only its names and RDATA mean something else.
 */
#ifndef PH_ALG_DNS_PARSE_H
#define PH_ALG_DNS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <pinhole/dns.h>

/* No compression pointer is allowed (ph_dns_rd.min_ptr). */
#define PH_DNS_NO_POINTERS SIZE_MAX

/* Bytes a name may reach only through a pointer: pointers are 14 bits and
 * a name is at most 255 bytes, so the mask of ph_dns_rd covers these. */
#define PH_DNS_MASK_BITS (16384u + PINHOLE_DNS_NAME_MAX)

/* How pinhole__dns_name reads. */
typedef struct ph_dns_rd {
  size_t min_ptr;      /* lowest pointer target (PH_DNS_NO_POINTERS: none) */
  const uint8_t *mask; /* NULL, or PH_DNS_MASK_BITS bits, 1 for bytes a
                          name must not read once it followed a pointer */
  uint8_t *out;        /* NULL, or PINHOLE_DNS_NAME_MAX bytes for the
                          expanded wire form */
  int lower;           /* fold ASCII letters to lower case in out */
} ph_dns_rd;

/*
 * Reads the name at off in p[0..len). Pointers must target at least
 * rd->min_ptr and strictly less than the start of the label run they end.
 * Returns 0 or a pinhole_dns_reason; on 0, *wire_len is what the name
 * occupies at off and *name_len its expanded length (1..255).
 */
uint32_t pinhole__dns_name(const uint8_t *p, size_t len, size_t off,
                           const ph_dns_rd *rd, size_t *wire_len,
                           size_t *name_len);

/* pinhole__dns_walk modes. */
#define PH_DNS_WALK_NBNS 0x1 /* NB RDATA holds addresses too */

/*
 * The checks of pinhole_dns_parse() with an explicit size limit (0: the
 * UDP rule of 512 or the OPT size). Returns 0 or the PINHOLE_ERR_* that
 * goes with m->reason.
 */
int pinhole__dns_walk(const uint8_t *p, size_t len, size_t limit, unsigned mode,
                      pinhole_dns_msg *m);

/* The PINHOLE_ERR_* code a pinhole_dns_reason is returned as. */
int pinhole__dns_err(uint32_t reason);

#endif /* PH_ALG_DNS_PARSE_H */

/*
 * DNS wire format shared by the DNS and NetBIOS name service parsers
 * (pure layer, internal): the name reader and the message walk. NBNS
 * (RFC 1002 section 4.2) uses DNS's header, names, questions and records;
 * only its names and RDATA mean something else.
 */
#ifndef PH_ALG_DNS_WIRE_H
#define PH_ALG_DNS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include <pinhole/dns.h>

/* No compression pointer is allowed (pass as min_ptr). */
#define PH_DNS_NO_POINTERS SIZE_MAX

/*
 * Reads the name at off in p[0..len). Pointers must target at least
 * min_ptr and strictly less than the start of the label run they end.
 * With out non-NULL (PINHOLE_DNS_NAME_MAX bytes), writes the expanded
 * wire form, ASCII letters folded to lower case when lower is non-zero.
 * Returns 0 or a pinhole_dns_reason; on 0, *wire_len is what the name
 * occupies at off and *name_len its expanded length (1..255).
 */
uint32_t pinhole__dns_name(const uint8_t *p, size_t len, size_t off,
                           size_t min_ptr, uint8_t *out, int lower,
                           size_t *wire_len, size_t *name_len);

/*
 * The checks of pinhole_dns_parse() with an explicit size limit (0: the
 * UDP rule of 512 or the OPT size). Returns 0 or the PINHOLE_ERR_* that
 * goes with m->reason.
 */
int pinhole__dns_walk(const uint8_t *p, size_t len, size_t limit,
                      pinhole_dns_msg *m);

/* The PINHOLE_ERR_* code a pinhole_dns_reason is returned as. */
int pinhole__dns_err(uint32_t reason);

#endif /* PH_ALG_DNS_WIRE_H */

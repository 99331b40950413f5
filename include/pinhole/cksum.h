/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: the Internet checksum.
 *
 * Full computation per RFC 1071 and incremental update per RFC 1624
 * (equation 3: HC' = ~(~HC + ~m + m')). 16-bit values are host-order
 * numbers of big-endian fields (load the field with a big-endian read;
 * store the result with a big-endian write).
 */
#ifndef PINHOLE_CKSUM_H
#define PINHOLE_CKSUM_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Adds data[0..len) as big-endian 16-bit words (odd tail padded with a zero
 * byte) to a 32-bit running sum and returns the unfolded sum. Chain calls
 * over several regions; a region other than the last must have even length.
 * @since 0.1.0
 */
PINHOLE_EXTERN uint32_t pinhole_cksum_add(uint32_t sum, const void *data,
                                          size_t len);

/**
 * Folds a running sum to 16 bits and complements it: the value to store in
 * a checksum field.
 * @since 0.1.0
 */
PINHOLE_EXTERN uint16_t pinhole_cksum_finish(uint32_t sum);

/**
 * The checksum of data[0..len): pinhole_cksum_finish(pinhole_cksum_add(0,..)).
 * A buffer that includes a correct checksum field yields 0.
 * @since 0.1.0
 */
PINHOLE_EXTERN uint16_t pinhole_cksum(const void *data, size_t len);

/**
 * RFC 1624 eqn. 3: the new checksum after one 16-bit field changes from
 * old_val to new_val. For a correct cksum over data that is not all zero
 * before and after the change, the result equals a full recomputation
 * (unlike eqn. 2, it never yields the -0 value 0xFFFF). It can return 0;
 * callers that must not store 0 (UDP) map 0 to 0xFFFF themselves.
 * @since 0.1.0
 */
PINHOLE_EXTERN uint16_t pinhole_cksum_update16(uint16_t cksum, uint16_t old_val,
                                               uint16_t new_val);

/**
 * As pinhole_cksum_update16 for a 32-bit field (an IPv4 address).
 * @since 0.1.0
 */
PINHOLE_EXTERN uint16_t pinhole_cksum_update32(uint16_t cksum, uint32_t old_val,
                                               uint32_t new_val);

/**
 * As pinhole_cksum_update16 for a 128-bit field (an IPv6 address in a
 * pseudo-header or a quoted header): old_addr and new_addr are the 16
 * bytes as on the wire (borrowed).
 * @since 0.2
 */
PINHOLE_EXTERN uint16_t pinhole_cksum_update128(uint16_t cksum,
                                                const uint8_t old_addr[16],
                                                const uint8_t new_addr[16]);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_CKSUM_H */

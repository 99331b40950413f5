/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole pure layer: keyed flow hashing.
 *
 * SipHash-1-3 (Aumasson and Bernstein) keyed with a per-context 128-bit
 * secret that the host supplies. A remote sender who does not know the key
 * cannot choose tuples that collide in the flow table (hash flooding), which
 * unkeyed or weakly keyed hashes (Jenkins with a public seed, CRC) allow.
 * One to three rounds is what the Linux kernel and Rust's HashMap use for
 * hash tables: short inputs, key never exposed.
 */
#ifndef PINHOLE_HASH_H
#define PINHOLE_HASH_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A 128-bit hash key. Fill it from the host's entropy source. */
typedef struct pinhole_hash_key {
  uint64_t k0, k1;
} pinhole_hash_key;

/**
 * A flow 5-tuple as a packet carries it. Zero pad_ before hashing (the
 * key is hashed as 16 raw bytes of this struct in host byte order).
 */
typedef struct pinhole_flow_key {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint8_t proto;
  uint8_t pad_[3]; /**< must be zero */
} pinhole_flow_key;

/**
 * SipHash-1-3 of data[0..len) under key.
 * @param key borrowed; NULL gives 0.
 * @param data borrowed; may be NULL when len is 0 (NULL with len > 0
 *        gives 0).
 * @return the hash, or 0 for the NULL cases above (a binding that must
 *         tell them apart checks its arguments itself).
 * @since 0.1.0
 */
PINHOLE_EXTERN uint64_t pinhole_siphash13(const pinhole_hash_key *key,
                                          const void *data, size_t len);

/**
 * Hash of one direction of a flow. Equal tuples give equal hashes.
 * Cheaper than pinhole_siphash13 on the 16-byte key (no tail handling).
 * @return the hash, or 0 when key or fk is NULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN uint64_t pinhole_flow_hash(const pinhole_hash_key *key,
                                          const pinhole_flow_key *fk);

/**
 * Direction-independent hash: a tuple and its reverse (src<->dst,
 * sport<->dport) hash to the same value. Useful to pick a worker or a
 * bucket for both directions of a connection.
 * @return the hash, or 0 when key or fk is NULL.
 * @since 0.1.0
 */
PINHOLE_EXTERN uint64_t pinhole_flow_hash_sym(const pinhole_hash_key *key,
                                              const pinhole_flow_key *fk);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_HASH_H */

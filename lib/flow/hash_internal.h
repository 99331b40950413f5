/*
 * Internal: the SipHash core with its round counts as parameters, so the
 * unit tests can check it against the SipHash-2-4 reference vectors and
 * then trust the 1-3 instance built from the same code.
 */
#ifndef PH_FLOW_HASH_INTERNAL_H
#define PH_FLOW_HASH_INTERNAL_H

#include <pinhole/hash.h>

/**
 * SipHash-c-d of data[0..len) under key: c compression rounds per 8-byte
 * word, d finalization rounds, 64-bit output. c and d are at least 1.
 */
uint64_t pinhole__siphash(const pinhole_hash_key *key, const void *data,
                          size_t len, unsigned c, unsigned d);

#endif /* PH_FLOW_HASH_INTERNAL_H */

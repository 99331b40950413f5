/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the keyed flow hash. Hashes the input with fixed keys and
 * checks the invariants: the exported SipHash-1-3 equals the parameterised
 * core at c = 1, d = 3; for the first 16 bytes taken as a pinhole_flow_key,
 * the fast pinhole_flow_hash equals SipHash-1-3 over the same bytes, and the
 * symmetric hash of the tuple equals that of its reverse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pinhole/hash.h>
#include "flow/hash_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const pinhole_hash_key keys[2] = {
      {UINT64_C(0x0706050403020100), UINT64_C(0x0f0e0d0c0b0a0908)},
      {UINT64_C(0x9e3779b97f4a7c15), UINT64_C(0xf39cc0605cedc834)}};
  for (int k = 0; k < 2; k++) {
    uint64_t h = pinhole_siphash13(&keys[k], data, size);
    if (h != pinhole__siphash(&keys[k], data, size, 1, 3))
      abort();
    if (size < sizeof(pinhole_flow_key))
      continue;
    pinhole_flow_key fk;
    memcpy(&fk, data, sizeof(fk));
    if (pinhole_flow_hash(&keys[k], &fk) !=
        pinhole_siphash13(&keys[k], data, sizeof(fk)))
      abort();
    pinhole_flow_key rev = fk;
    rev.src = fk.dst;
    rev.dst = fk.src;
    rev.sport = fk.dport;
    rev.dport = fk.sport;
    uint64_t s = pinhole_flow_hash_sym(&keys[k], &fk);
    if (s != pinhole_flow_hash_sym(&keys[k], &rev))
      abort();
    /* The symmetric hash is the directed hash of one of the two, with the
     * pad zeroed. */
    memset(fk.pad_, 0, sizeof(fk.pad_));
    memset(rev.pad_, 0, sizeof(rev.pad_));
    if (s != pinhole_flow_hash(&keys[k], &fk) &&
        s != pinhole_flow_hash(&keys[k], &rev))
      abort();
  }
  return 0;
}

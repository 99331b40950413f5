/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Internet checksum: RFC 1071 (full computation) and RFC 1624
 * (incremental update, equation 3).
 *
 * pinhole_cksum_add() runs on the packet path. It loads 8 bytes at a time in
 * host byte order through memcpy (no alignment or aliasing assumptions),
 * adds the two 32-bit halves of each load into a 64-bit accumulator (no
 * carry is ever lost: each step adds less than 2^33), and only at the end
 * folds to 16 bits and swaps to network order. RFC 1071 section 2(B): the
 * one's complement sum is byte-order independent up to a final swap.
 */
#include <pinhole/cksum.h>

#include <string.h>

/* Folds a 64-bit sum of 16-bit words to 16 bits with end-around carry. */
static inline uint16_t ph_fold64(uint64_t s) {
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  return (uint16_t)s;
}

/* Bytes summed between two folds of the accumulators (a multiple of 32). */
#define PH_CHUNK ((size_t)1 << 20)

static inline int ph_host_is_le(void) {
  const uint16_t one = 1;
  uint8_t b;
  memcpy(&b, &one, 1);
  return b == 1;
}

static inline uint64_t ph_load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

/* Sum of the 64-bit word's two 32-bit halves: congruent, mod 0xffff, to the
 * sum of its four 16-bit words, in whatever byte order they were loaded. */
static inline uint64_t ph_halves(uint64_t v) {
  return (v & 0xffffffffu) + (v >> 32);
}

uint32_t pinhole_cksum_add(uint32_t sum, const void *data, size_t len) {
  const uint8_t *p = data;
  uint64_t a0 = 0, a1 = 0;

  if (p == NULL)
    len = 0;
  /* Two independent accumulators, 32 bytes per iteration, in chunks of at
   * most PH_CHUNK bytes: each iteration adds less than 2^35 to each, so a
   * chunk (2^15 iterations) stays below 2^50 and cannot overflow; between
   * chunks both are folded back to 16 bits. */
  while (len >= 32) {
    size_t chunk = (len < PH_CHUNK ? len : PH_CHUNK) & ~(size_t)31;
    len -= chunk;
    for (; chunk != 0; chunk -= 32, p += 32) {
      a0 += ph_halves(ph_load64(p));
      a1 += ph_halves(ph_load64(p + 8));
      a0 += ph_halves(ph_load64(p + 16));
      a1 += ph_halves(ph_load64(p + 24));
    }
    a0 = ph_fold64(a0);
    a1 = ph_fold64(a1);
  }
  while (len >= 8) {
    a0 += ph_halves(ph_load64(p));
    p += 8;
    len -= 8;
  }
  if (len >= 4) {
    uint32_t w;
    memcpy(&w, p, sizeof(w));
    a1 += w;
    p += 4;
    len -= 4;
  }
  if (len >= 2) {
    uint16_t w;
    memcpy(&w, p, sizeof(w));
    a1 += w;
    p += 2;
    len -= 2;
  }
  uint16_t folded = ph_fold64((a0 & 0xffffffffu) + (a0 >> 32) +
                              (a1 & 0xffffffffu) + (a1 >> 32));
  if (ph_host_is_le())
    folded = (uint16_t)(folded << 8 | folded >> 8);
  uint64_t total = (uint64_t)sum + folded;
  if (len == 1)
    total += (uint64_t)p[0] << 8; /* odd tail: padded with a zero byte */
  total = (total & 0xffffffffu) + (total >> 32);
  return (uint32_t)total;
}

uint16_t pinhole_cksum_finish(uint32_t sum) {
  return (uint16_t)~ph_fold64(sum);
}

uint16_t pinhole_cksum(const void *data, size_t len) {
  return pinhole_cksum_finish(pinhole_cksum_add(0, data, len));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
uint16_t pinhole_cksum_update16(uint16_t cksum, uint16_t old_val,
                                uint16_t new_val) {
  uint32_t s = (uint32_t)(uint16_t)~cksum + (uint16_t)~old_val + new_val;
  return (uint16_t)~ph_fold64(s);
}

uint16_t pinhole_cksum_update32(uint16_t cksum, uint32_t old_val,
                                uint32_t new_val) {
  uint32_t s = (uint32_t)(uint16_t)~cksum;
  s += (uint16_t) ~(old_val >> 16);
  s += (uint16_t)~old_val;
  s += (uint16_t)(new_val >> 16);
  s += (uint16_t)new_val;
  return (uint16_t)~ph_fold64(s);
}

/* RFC 1624 eqn. 3 over eight 16-bit words at once. */
uint16_t pinhole_cksum_update128(uint16_t cksum, const uint8_t old_addr[16],
                                 const uint8_t new_addr[16]) {
  uint64_t s = (uint16_t)~cksum;
  for (size_t i = 0; i < 16; i += 2) {
    s += (uint16_t) ~((uint16_t)(old_addr[i] << 8 | old_addr[i + 1]));
    s += (uint16_t)(new_addr[i] << 8 | new_addr[i + 1]);
  }
  return (uint16_t)~ph_fold64(s);
}

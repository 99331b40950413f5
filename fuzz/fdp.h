/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small data producer for stateful fuzz targets: splits the fuzzer's
 * input into fields read from the front. Reading past the end yields zeros
 * (and fdp_left() == 0), so a target never needs to check each read; it
 * stops its script when the input is used up.
 */
#ifndef PH_FUZZ_FDP_H
#define PH_FUZZ_FDP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct fdp {
  const uint8_t *p;
  size_t len;
} fdp;

static inline void fdp_init(fdp *f, const uint8_t *data, size_t len) {
  f->p = data;
  f->len = len;
}

static inline size_t fdp_left(const fdp *f) {
  return f->len;
}

static inline uint8_t fdp_u8(fdp *f) {
  if (f->len == 0)
    return 0;
  uint8_t v = f->p[0];
  f->p++;
  f->len--;
  return v;
}

/* Big-endian, as the bytes would read in a packet. */
static inline uint16_t fdp_u16(fdp *f) {
  uint16_t hi = fdp_u8(f);
  return (uint16_t)(hi << 8 | fdp_u8(f));
}

static inline uint32_t fdp_u32(fdp *f) {
  uint32_t hi = fdp_u16(f);
  return hi << 16 | fdp_u16(f);
}

/* Copies up to want bytes into out; returns how many were there. */
static inline size_t fdp_bytes(fdp *f, uint8_t *out, size_t want) {
  size_t n = want < f->len ? want : f->len;
  if (n)
    memcpy(out, f->p, n);
  f->p += n;
  f->len -= n;
  return n;
}

/* A length-prefixed blob: a 16-bit length (capped at max), then bytes. */
static inline size_t fdp_blob(fdp *f, uint8_t *out, size_t max) {
  size_t want = fdp_u16(f);
  if (want > max)
    want = max;
  return fdp_bytes(f, out, want);
}

#endif /* PH_FUZZ_FDP_H */

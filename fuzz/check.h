/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the parser fuzz targets: CHECK() aborts (so libFuzzer reports
 * the input) when a property of a parser's answer does not hold, and
 * fz_mix() derives values (addresses, ports, buffer sizes) from the input
 * so that every input tries a rewrite of its own.
 */
#ifndef PH_FUZZ_CHECK_H
#define PH_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                               \
  do {                                                                         \
    if (!(c)) {                                                                \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,     \
              #c);                                                             \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* FNV-1a over the input. */
static inline uint32_t fz_mix(const uint8_t *data, size_t size) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 16777619u;
  return h;
}

/* Big-endian stores and loads, for the targets that build packets. */
static inline void fz_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void fz_put32(uint8_t *p, uint32_t v) {
  fz_put16(p, (uint16_t)(v >> 16));
  fz_put16(p + 2, (uint16_t)v);
}

static inline uint16_t fz_get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t fz_get32(const uint8_t *p) {
  return (uint32_t)fz_get16(p) << 16 | fz_get16(p + 2);
}

#endif /* PH_FUZZ_CHECK_H */

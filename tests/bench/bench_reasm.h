/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-bench: the cost of reassembling a message split across TCP
 * segments (issue 21), bench_reasm.c.
 */
#ifndef PINHOLE_BENCH_REASM_H
#define PINHOLE_BENCH_REASM_H

#include <stdint.h>

/* Big-endian field access, shared by the bench's two files. */
static inline void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}
static inline uint16_t get16(const uint8_t *p) {
  return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t get32(const uint8_t *p) {
  return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Nanoseconds per message, each the median of the rounds. */
typedef struct reasm_figs {
  double ftp_whole;  /* FTP PORT in one segment (+ the data SYN) */
  double ftp_split;  /* the same PORT in two segments */
  double sip_whole;  /* SIP INVITE over TCP, 3.3 KB, in one packet */
  double sip_split;  /* the same INVITE in three MSS-sized segments */
  uint64_t sip_emit; /* packets emitted per split INVITE (re-segmented) */
} reasm_figs;

/* Runs the four cases, k messages each (fewer with quick), checks every
 * rewritten message exactly in an untimed pass, and fills *f. Exits
 * through the caller's die() path (a message on stderr, exit 1) when a
 * result is not the expected one. */
void bench_reasm(int quick, int rounds, reasm_figs *f);

#endif /* PINHOLE_BENCH_REASM_H */

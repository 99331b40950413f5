/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the context fuzz targets that build IPv4 packets
 * (ctx_packets, ctx_burst): a plain IPv4 header, and the tables of TCP
 * byte streams that let a target send the next in-window segment of a
 * connection, by what it sent and what it saw leave the context.
 */
#ifndef PH_FUZZ_PKT4_H
#define PH_FUZZ_PKT4_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

/* A 20-byte IPv4 header: TTL 64, no options, no fragment fields, header
 * checksum 0 (the caller fills it in once the packet is whole). */
static inline void fz_ip4_hdr(uint8_t *b, size_t total, uint8_t proto,
                              uint32_t src, uint32_t dst, uint16_t id) {
  memset(b, 0, 20);
  b[0] = 0x45;
  fz_put16(b + 2, (uint16_t)total);
  fz_put16(b + 4, id);
  b[8] = 64;
  b[9] = proto;
  fz_put32(b + 12, src);
  fz_put32(b + 16, dst);
}

/* A TCP byte stream direction, by its tuple: the next sequence number. */
typedef struct fz_stream {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint32_t next;
  uint8_t used;
} fz_stream;

#define FZ_STREAMS 16 /* a table's entries; the oldest is reused */

static inline fz_stream *fz_stream_find(fz_stream *t, uint32_t src,
                                        uint32_t dst, uint16_t sport,
                                        uint16_t dport) {
  for (unsigned i = 0; i < FZ_STREAMS; i++)
    if (t[i].used && t[i].src == src && t[i].dst == dst &&
        t[i].sport == sport && t[i].dport == dport)
      return &t[i];
  return NULL;
}

/* How fz_stream_set treats a known stream's earlier sequence number. */
enum { FZ_STREAM_ANY = 0, FZ_STREAM_FORWARD = 1 };

/* Records next for the stream (a new entry when it is not known; n counts
 * the entries made). FZ_STREAM_FORWARD: a known stream never moves
 * backwards (a retransmission or an old segment leaves it). */
static inline void fz_stream_set(fz_stream *t, unsigned *n, uint32_t src,
                                 uint32_t dst, uint16_t sport, uint16_t dport,
                                 uint32_t next, int how) {
  fz_stream *s = fz_stream_find(t, src, dst, sport, dport);
  if (s == NULL) {
    s = &t[(*n)++ % FZ_STREAMS];
    s->src = src;
    s->dst = dst;
    s->sport = sport;
    s->dport = dport;
    s->used = 1;
  } else if (how == FZ_STREAM_FORWARD && (int32_t)(next - s->next) <= 0) {
    return;
  }
  s->next = next;
}

#endif /* PH_FUZZ_PKT4_H */

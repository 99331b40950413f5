/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-gw --sync-to / --sync-from: the state stream of
 * include/pinhole/state.h between an active and a standby gateway, over
 * UDP (docs/ha.md). Every second the active one sends the changes since
 * the previous pass, every tenth pass a full snapshot (so a lost
 * datagram costs at most ten seconds); each blob is one datagram.
 */
#ifndef PINHOLE_GW_SYNC_H
#define PINHOLE_GW_SYNC_H

#include <stdint.h>

#include <pinhole/pinhole.h>

#define GW_SYNC_MAX 60000 /* the largest blob: one UDP datagram */

struct gw_sync {
  int fd;          /* connected (--sync-to) or bound (--sync-from), or -1 */
  int to;          /* 1: this gateway sends */
  uint64_t cursor; /* pinhole_state_export's */
  uint64_t next_ns;
  unsigned passes;
  unsigned long blobs, errors, imported;
  uint8_t buf[GW_SYNC_MAX];
};

/* "ADDR:PORT" (--sync-to) or "PORT" (--sync-from); 0 or -1. */
int gw_sync_open(struct gw_sync *s, char *arg, int to);
/* 32 hex digits: the flow hash key both gateways must share; 0 or -1. */
int gw_sync_key(const char *hex, pinhole_hash_key *key);
/* The sender's part of the main loop's tick. */
void gw_sync_tick(pinhole_ctx *ctx, struct gw_sync *s, uint64_t now);
/* The receiver's socket is readable: imports what came. */
void gw_sync_read(pinhole_ctx *ctx, struct gw_sync *s, uint64_t now);

#endif

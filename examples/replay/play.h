/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-replay: playing both endpoints of a capture against a context.
 *
 * A capture recorded without NAT shows the inside host talking straight to
 * the outside host. To replay it through the library, packets from the
 * inside are fed as they are; packets from the outside are first rewritten
 * to what the outside host would have sent had the library been in the
 * path: addressed to the public endpoint the library gave the inside
 * endpoint, with TCP acknowledgements shifted by the sequence delta the
 * library's payload rewrites introduced. The player learns all of it from
 * the library itself:
 *
 *   - its events (play_event): every connection it creates (FLOW_CREATED:
 *     both tuples, whichever side opened it) and closes (FLOW_CLOSED), and
 *     every NAPT mapping it makes (MAPPING_CREATED: the port allocation
 *     log, which names the public endpoint of every port an ALG announced,
 *     FTP PORT/EPRT, RTSP client_port, SIP SDP media, before any packet
 *     uses it) and releases;
 *   - every forwarded inside TCP segment, compared before and after
 *     pinhole_process(): the sequence delta of the library's payload
 *     rewrites.
 *
 * Its tables mirror the library's (they shrink when the library's do), so
 * memory stays bounded by the context's sizes, however long the capture.
 */
#ifndef PINHOLE_REPLAY_PLAY_H
#define PINHOLE_REPLAY_PLAY_H

#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>

/** Reasons a frame is reported (one line each). */
enum play_problem {
  PLAY_OK = 0,
  PLAY_DROPPED = 1,    /* the library returned DROP or REJECT */
  PLAY_UNMATCHED = 2,  /* outside packet with no known translation, and the
                          library did not forward it as it was */
  PLAY_MISMATCH = 3,   /* the library translated it back differently */
  PLAY_UNPLAYABLE = 4, /* neither endpoint inside, cut by the snaplen ... */
  PLAY_HELD = 5        /* not a problem: the library holds its payload */
};

typedef struct play play;

/** Inside prefixes: a packet whose source is in one is from the inside. */
typedef struct play_prefix {
  uint32_t addr;
  uint8_t plen;
} play_prefix;

/** IPv6 inside prefixes (bits past plen zero). */
typedef struct play_prefix6 {
  uint8_t addr[16];
  uint8_t plen;
} play_prefix6;

/** What the player tells its host. Every member may be NULL. */
typedef struct play_host {
  /* One problem with a frame: what ("dropped", "unmatched", ...) and a
   * one-line detail. */
  void (*report)(void *user, const char *label, const char *what,
                 const char *detail);
  /* A packet as it left the library towards side (pinhole_side): an
   * inside packet forwarded to the outside, an outside one forwarded to
   * the inside, or a hairpinned one back to its own side. */
  void (*output)(void *user, int side, const uint8_t *pkt, size_t len);
  void *user;
} play_host;

/** How the player is set up. */
typedef struct play_config {
  const play_prefix *inside; /* copied */
  size_t ninside;
  /* The context's rules (copied): their static and destination NAT tell
   * the public address of an inside server an outside host reaches. */
  const pinhole_rule *rules;
  size_t nrules;
  int fix_cksums; /* recompute the checksums of every frame before feeding */
  const play_prefix6 *inside6; /* copied; IPv6 frames from them are inside */
  size_t ninside6;
  /* NAT64 (plen 0: none): an inside IPv6 frame to an address under this
   * prefix leaves as IPv4, and an outside one from such an address is
   * first turned into the IPv4 packet its server sent (docs/replay.md) */
  play_prefix6 nat64;
} play_config;

/**
 * Makes a player for ctx (borrowed). Returns NULL when out of memory.
 */
play *play_new(pinhole_ctx *ctx, const play_config *cfg, const play_host *h);
void play_del(play *p);

/** The host passes every event of the context here. */
void play_event(play *p, const pinhole_event *ev);

/** Totals, for the summary line. */
typedef struct play_totals {
  uint64_t inside, outside; /* frames fed from each side */
  uint64_t bad_cksum;       /* frames whose checksums were wrong */
  uint64_t dropped, unmatched, mismatched, unplayable;
  uint64_t conns, endpoints; /* table entries now */
  /* Frames the library kept (PINHOLE_VERDICT_HELD: a split message being
   * reassembled), their payload bytes, and the held bytes it sent on since
   * (merged into a later packet of the stream or through emit). */
  uint64_t held, held_bytes, delivered_bytes;
  /* held bytes the library let go at its hold timeout without sending
   * them on (play_held_timeout) */
  uint64_t timed_out_bytes;
  /* IPv6 frames among inside + outside, and those of them played
   * through NAT64 (--nat64) */
  uint64_t ipv6, nat64;
} play_totals;

/**
 * Plays one IPv4 packet (data[0..len), L3 start) at now_ns. Problems are
 * reported through the host's report callback, labelled label. Returns
 * the play_problem of the frame (PLAY_OK when clean).
 */
int play_packet(play *p, const uint8_t *data, size_t len, uint64_t now_ns,
                const char *label);

/**
 * Plays one IPv6 packet (data[0..len), L3 start) at now_ns: fed from the
 * inside when its source is in an IPv6 inside prefix, else from the
 * outside when its destination is, unchanged (the library filters IPv6
 * statefully without translating it). A forwarded packet must leave as
 * it came in, byte for byte (else PLAY_MISMATCH). Returns the
 * play_problem of the frame.
 */
int play_packet6(play *p, const uint8_t *data, size_t len, uint64_t now_ns,
                 const char *label);

const play_totals *play_get_totals(const play *p);

/**
 * After the host ticked the library past its hold timeout (the end of a
 * capture): every held message not sent on by then was let go by the
 * library; each is reported ("timed out", labelled label) and its bytes
 * counted in timed_out_bytes.
 */
void play_held_timeout(play *p, const char *label);

/**
 * The host passes every packet the library emits here (borrowed): emitted
 * while a frame is played or at a tick, it may carry bytes the library
 * held (reported as delivered, its TCP sequence numbers learned).
 */
void play_emitted(play *p, int side, const uint8_t *pkt, size_t len);

#endif /* PINHOLE_REPLAY_PLAY_H */

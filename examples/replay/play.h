/*
 * pinhole-replay: playing both endpoints of a capture against a context.
 *
 * A capture recorded without NAT shows the inside host talking straight to
 * the outside host. To replay it through the library, packets from the
 * inside are fed as they are; packets from the outside are first rewritten
 * to what the outside host would have sent had the library been in the
 * path: addressed to the public endpoint the library gave the inside
 * endpoint, with TCP acknowledgements shifted by the sequence delta the
 * library's payload rewrites introduced. The player learns both from the
 * library's own output:
 *
 *   - every forwarded inside packet, compared before and after
 *     pinhole_process(), gives the connection's translated tuple, the
 *     mapping of its inside endpoint and its sequence delta;
 *   - every forwarded FTP PORT/EPRT command, compared before and after,
 *     gives the public endpoint the server will connect to.
 */
#ifndef PINHOLE_REPLAY_PLAY_H
#define PINHOLE_REPLAY_PLAY_H

#include <pinhole/pinhole.h>

#include <stdio.h>

/** Reasons a frame is reported (one line each). */
enum play_problem {
  PLAY_OK = 0,
  PLAY_DROPPED = 1,   /* the library returned DROP or REJECT */
  PLAY_UNMATCHED = 2, /* outside packet with no known translation */
  PLAY_MISMATCH = 3,  /* the library translated it back differently */
  PLAY_UNPLAYABLE = 4 /* neither endpoint inside, fragment, truncated ... */
};

typedef struct play play;

/** Inside prefixes: a packet whose source is in one is from the inside. */
typedef struct play_prefix {
  uint32_t addr;
  uint8_t plen;
} play_prefix;

/**
 * Makes a player for ctx. prefixes[0..nprefix) are copied. The player keeps
 * ctx borrowed. Returns NULL when out of memory.
 */
play *play_new(pinhole_ctx *ctx, const play_prefix *prefixes, size_t nprefix);
void play_del(play *p);

/** Totals, for the summary line. */
typedef struct play_totals {
  uint64_t inside, outside; /* frames fed from each side */
  uint64_t dropped, unmatched, mismatched, unplayable;
} play_totals;

/**
 * Plays one IPv4 packet (data[0..len), L3 start) at now_ns. Problems are
 * printed to out as one line "<label>: <what>: <detail>". Returns the
 * play_problem of the frame (PLAY_OK when clean).
 */
int play_packet(play *p, const uint8_t *data, size_t len, uint64_t now_ns,
                const char *label, FILE *out);

const play_totals *play_get_totals(const play *p);

/**
 * Finds the nth (from 0) PORT or IPv4 EPRT command among the complete lines
 * of text[0..len) (pinhole_ftp_parse). Returns 1 and fills addr/port, or 0
 * when there is none.
 */
int play_ftp_announce(const uint8_t *text, size_t len, size_t nth,
                      uint32_t *addr, uint16_t *port);

#endif /* PINHOLE_REPLAY_PLAY_H */

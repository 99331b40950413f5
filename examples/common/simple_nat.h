/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the small host examples (pinhole-afpacket, pinhole-nfq) share:
 * signals, the clock, event and trace lines, and the smallest useful
 * context: a random hash key and seed, the host's callbacks, one
 * pool address and one rule that lets the inside out with source NAT.
 * pinhole-gw shows the full configuration (rules, pools, CGN options).
 */
#ifndef PINHOLE_EXAMPLE_SIMPLE_NAT_H
#define PINHOLE_EXAMPLE_SIMPLE_NAT_H

#include <pinhole/pinhole.h>

#include <signal.h>
#include <stdint.h>

/**
 * Creates *ctx with cb (copied by the library) and user, and adds the
 * pool address pool_arg ("198.19.0.1") and the rule "inside-out".
 * Errors are printed on stderr prefixed with prog.
 * @return 0; -2 when pool_arg is not an IPv4 address (the caller prints
 *         its usage); -1 on any other error (*ctx freed and NULL).
 */
int example_simple_nat(pinhole_ctx **ctx, const char *prog,
                       const char *pool_arg, const pinhole_callbacks *cb,
                       void *user);

/** Set by SIGUSR1 (print the listing) and by SIGTERM/SIGINT (stop), once
 *  example_signals() installed the handler. The examples' only globals:
 *  a signal handler has nowhere else to write. */
extern volatile sig_atomic_t example_got_dump, example_got_stop;

/** Installs the handler for SIGUSR1, SIGTERM and SIGINT. */
void example_signals(void);

/** CLOCK_MONOTONIC in nanoseconds: the time pinhole_process() takes. */
uint64_t example_now_ns(void);

/** Prints ev as "prog[pid]: line" on stderr (an event callback's body). */
void example_print_event(const char *prog, const pinhole_event *ev);

/** Prints tr as "prog[pid]: trace line" on stderr. */
void example_print_trace(const char *prog, const pinhole_trace *tr);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The smallest useful context for the host examples (pinhole-afpacket,
 * pinhole-nfq): a random hash key and seed, the host's callbacks, one
 * pool address and one rule that lets the inside out with source NAT.
 * pinhole-gw shows the full configuration (rules, pools, CGN options).
 */
#ifndef PINHOLE_EXAMPLE_SIMPLE_NAT_H
#define PINHOLE_EXAMPLE_SIMPLE_NAT_H

#include <pinhole/pinhole.h>

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

#endif

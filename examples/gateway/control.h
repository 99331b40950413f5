/* SPDX-License-Identifier: BSD-2-Clause */
/* pinhole-gw's control commands (control.c). */
#ifndef PINHOLE_GW_CONTROL_H
#define PINHOLE_GW_CONTROL_H

#include <pinhole/pinhole.h>

#include <stdio.h>

/* Runs one command line (modified in place), answering on out.
 * 0, or -1 for a command it does not understand ("control: bad command"
 * is printed). */
int gw_control_line(pinhole_ctx *ctx, char *line, FILE *out);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The RFC 5424 pieces ipfix.c's syslog lines and oplog.c's system-log
 * flavour share (both written in ipfix.c).
 */
#ifndef PH_CORE_SYSLOG_H
#define PH_CORE_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

/* PRI, VERSION and TIMESTAMP with a trailing space (facility local0,
 * severity informational, or warning when warn), into tmp of n bytes (48
 * suffice); ns is Unix time in nanoseconds. */
void pinhole__syslog_head(char *tmp, size_t n, int warn, uint64_t ns);

/* Is h a HOSTNAME: 1..255 bytes, each 33..126? */
int pinhole__hostname_ok(const char *h);

#endif

/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole state sync: a context's conversations as a versioned, bounded
 * binary stream, for an active/standby pair (docs/ha.md).
 *
 * The active gateway exports, the standby imports into a context created
 * with the same configuration (the same pinhole_config including its
 * hash key, the same pools and rules added in the same order): a config
 * fingerprint in every blob must match. The unit of sync is the
 * conversation: a blob carries whole conversations (their connections with
 * TCP state, windows and the sequence deltas of ALG rewrites, their NAPT
 * mappings, their pinholes with the lifetime left) and the ids of
 * conversations that ended. Importing a conversation replaces the
 * standby's copy of it. Port blocks and address-only bindings follow from
 * the mappings (the block of each mapping's port is its subscriber's).
 *
 * Times travel relative to the exporter's now (idle time, lifetime left)
 * and are restored against the importer's now, so the two clocks need not
 * agree.
 *
 * Nothing here allocates; the state lives in the contexts' own tables.
 */
#ifndef PINHOLE_STATE_H
#define PINHOLE_STATE_H

#include <pinhole/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pinhole_ctx;

/** The format version pinhole_state_export writes and import accepts. */
#define PINHOLE_STATE_VERSION 2

/** Deletions a context remembers for incremental export; more between two
 * exports and the standby needs a full snapshot. */
#define PINHOLE_STATE_RING 512

/** The most records one blob holds (export cuts pieces to stay below). */
#define PINHOLE_STATE_MAX_RECORDS 4096

/**
 * Writes the context's state into buf.
 *
 * cursor 0 starts a full snapshot; any other value is one an earlier call
 * returned in *next_cursor: the continuation of a pass that did not fit
 * (the blob is a piece: whole conversations only), or, once a pass
 * completed, "the changes since that pass began": the conversations with
 * a packet since then (so the standby's idle timers follow the active's)
 * and those that ended. Every blob is self-contained and can be imported
 * on its own; the first piece of a full snapshot tells the importer to
 * drop what it had.
 *
 * One export stream per context: starting a new pass (a cursor ending a
 * pass, or 0) restarts the context's pass marker.
 *
 * @param ctx the exporting context (its time moves to now_ns).
 * @param now_ns the host's monotonic time, as for pinhole_process.
 * @param cursor 0, or a value *next_cursor had.
 * @param buf caller storage for the blob (cap bytes).
 * @param written set to the blob's length (0 on error).
 * @param next_cursor set to the cursor to pass next time.
 * @return 1 when the pass is complete (*next_cursor starts the next
 *         incremental pass), 0 when more pieces follow (call again with
 *         *next_cursor at once); PINHOLE_ERR_INVALID_ARG (NULL argument);
 *         PINHOLE_ERR_NOBUF when cap cannot hold the header, the pending
 *         deletions and the next conversation; PINHOLE_ERR_RANGE when
 *         deletions since the cursor were lost (the ring overflowed):
 *         start again with cursor 0.
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_state_export(struct pinhole_ctx *ctx,
                                        uint64_t now_ns, uint64_t cursor,
                                        uint8_t *buf, size_t cap,
                                        size_t *written, uint64_t *next_cursor);

/**
 * Applies a blob pinhole_state_export wrote (on a context with the same
 * configuration) to ctx. The whole blob is checked first (every field's
 * range, every reference between records, duplicate keys, the room in
 * ctx's tables, conflicts with what ctx holds outside the conversations
 * the blob replaces); a blob that fails changes nothing.
 *
 * @param ctx the importing context (its time moves to now_ns).
 * @param now_ns the host's monotonic time.
 * @param buf the blob, borrowed (len bytes).
 * @return the number of conversations imported (>= 0);
 *         PINHOLE_ERR_INVALID_ARG (NULL argument);
 *         PINHOLE_ERR_UNSUPPORTED (not a pinhole state blob, or another
 *         version); PINHOLE_ERR_NOMATCH (made by a context with another
 *         configuration); PINHOLE_ERR_PARSE (truncated, a length or field
 *         out of range, a dangling reference, a duplicate key);
 *         PINHOLE_ERR_FULL (ctx's tables have no room for it);
 *         PINHOLE_ERR_EXISTS (a flow or public port the blob needs is
 *         held by another of ctx's conversations).
 * @since 0.2
 */
PINHOLE_EXTERN int pinhole_state_import(struct pinhole_ctx *ctx,
                                        uint64_t now_ns, const uint8_t *buf,
                                        size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PINHOLE_STATE_H */

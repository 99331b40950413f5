/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Mapping references, audited where every scenario test ends (helpers.h
 * t_ctx_del, built with T_MAP_AUDIT). A connection names its NAPT
 * mapping by no reference of its own: it finds it again by its public
 * endpoint (flows.c pinhole__conn_mapping). So every context a scenario
 * made is checked twice before it goes:
 *  - no mapping has fewer references than the connections and pinholes
 *    that hold it (an ALG's state may hold more: SIP, H.323); the live
 *    ones are ctx->nmaps;
 *  - once every conversation is cleared, no mapping is left.
 * A free that misses its mapping leaves one; one that puts it twice, or
 * finds another, releases one early (fewer references than holders).
 */
#ifndef PH_TEST_MAP_AUDIT_H
#define PH_TEST_MAP_AUDIT_H

#include "core/engine.h"

#include <cmocka.h>
#include <stdlib.h>

static inline void t_map_holders(pinhole_ctx *ctx) {
  uint32_t nm = ctx->cfg.max_mappings;
  uint32_t *held = calloc(nm + 1, sizeof(*held));
  assert_non_null(held);
  uint32_t nslots = ctx->cfg.max_flows + ctx->cfg.max_conns6;
  for (uint32_t i = 0; i < nslots; i++) {
    const ph_conn *c = &ctx->conns[i];
    if (!(c->flags & PH_CONN_LIVE))
      continue;
    ph_ref m = pinhole__conn_mapping(ctx, c);
    assert_true(m <= nm);
    assert_int_equal(m != PH_NIL, ph_cold_mapped(&ctx->cold[i]));
    held[m]++;
    held[pinhole__conn_hairpin(ctx, c)]++;
  }
  for (uint32_t i = 0; i < ctx->cfg.max_pinholes; i++)
    if (ctx->pinholes[i].live)
      held[ctx->pinholes[i].mapping]++;
  uint32_t live = 0;
  for (uint32_t r = 1; r <= nm; r++) {
    const ph_mapping *m = ph_map_at(ctx, r);
    if (held[r] > m->refs) {
      fprintf(stderr, "mapping %u: %u references, %u holders\n", r, m->refs,
              held[r]);
      fail();
    }
    live += m->refs != 0;
  }
  assert_int_equal(live, ctx->nmaps);
  free(held);
}

static inline void t_map_audit(pinhole_ctx *ctx) {
  t_map_holders(ctx);
  pinhole_conversations_clear(ctx, NULL);
  t_map_holders(ctx);
  assert_int_equal(ctx->nmaps, 0);
}

#endif /* PH_TEST_MAP_AUDIT_H */

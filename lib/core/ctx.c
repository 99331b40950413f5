/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Context creation and configuration: config defaults, the one allocation
 * of every table, pools and rules.
 */
#include "core/ctx.h"
#include "core/engine.h"
#include "core/alg_call.h"

#include <stdlib.h>
#include <string.h>

#define PH_TICK_SHIFT 24 /* ~16.8 ms */

/* Reassembly defaults (pinhole_config, docs/reassembly.md). */
#define PH_HOLD_BYTES 262144u
#define PH_HOLD_PER_CONV 16384u
#define PH_HOLD_MSG_MAX 9216u
#define PH_MAX_HELD 256u
#define PH_HOLD_TIMEOUT_MS 3000u
/* the reassembled packet's buffer: the message, IP and TCP headers with
 * options (120), and room for a rewrite to grow it */
#define PH_HOLD_BUF_EXTRA 2048u

int pinhole__struct_in(void *dst, size_t ours, const void *src, size_t theirs) {
  if (theirs < sizeof(size_t))
    return PINHOLE_ERR_INVALID_ARG;
  if (theirs > ours) {
    const uint8_t *tail = (const uint8_t *)src + ours;
    for (size_t i = 0; i < theirs - ours; i++)
      if (tail[i] != 0)
        return PINHOLE_ERR_STRUCT_SIZE;
  }
  memset(dst, 0, ours);
  memcpy(dst, src, theirs < ours ? theirs : ours);
  *(size_t *)dst = ours;
  return 0;
}

int pinhole_config_default(pinhole_config *cfg, size_t size) {
  if (cfg == NULL || size < sizeof(pinhole_config))
    return PINHOLE_ERR_INVALID_ARG;
  memset(cfg, 0, size);
  cfg->size = size;
  cfg->max_flows = 65536;
  cfg->max_pinholes = 4096;
  cfg->max_watch = 4096;
  cfg->max_rules = 256;
  cfg->max_pools = 4;
  cfg->max_pinholes_per_conv = 8;
  cfg->port_lo = 1024;
  cfg->port_hi = 65535;
  cfg->pinhole_timeout_ms = 10000;
  cfg->tcp_syn_timeout_s = 240;
  cfg->tcp_est_timeout_s = 7440;
  cfg->tcp_trans_timeout_s = 240;
  cfg->udp_timeout_s = 300;
  cfg->icmp_timeout_s = 60;
  cfg->flags = PINHOLE_CFG_DROP_IP_OPTIONS;
  cfg->max_fragments = 1024;
  cfg->frag_timeout_ms = 10000;
  cfg->gre_timeout_s = 300;
  cfg->hold_bytes = PH_HOLD_BYTES;
  cfg->hold_bytes_per_conv = PH_HOLD_PER_CONV;
  cfg->hold_msg_max = PH_HOLD_MSG_MAX;
  cfg->max_held = PH_MAX_HELD;
  cfg->hold_timeout_ms = PH_HOLD_TIMEOUT_MS;
  cfg->max_conns6 = cfg->max_flows / 4;
  return 0;
}

/* ---- one allocation, carved into aligned arrays --------------------- */

typedef struct ph_layout {
  size_t off, total;
} ph_layout;

static size_t ph_carve(ph_layout *l, size_t bytes) {
  size_t at = (l->total + 63) & ~(size_t)63;
  l->total = at + bytes;
  return at;
}

static uint32_t ph_pow2_at_least(uint32_t n) {
  uint32_t p = 16;
  while (p < n && p < (1u << 30))
    p <<= 1;
  return p;
}

static void *ph_default_alloc(size_t size, void *user) {
  (void)user;
  return malloc(size);
}

static void ph_default_free(void *p, size_t size, void *user) {
  (void)size;
  (void)user;
  free(p);
}

/* Bounds of the configuration (documented with pinhole_config). */
#define PH_MAX_TABLE (1u << 28) /* flows, conversations, mappings */
#define PH_MAX_PINHOLES (1u << 24)
#define PH_MAX_FRAGMENTS (1u << 20)
#define PH_MAX_PORT_BLOCKS (1u << 22)
#define PH_MAX_TIMEOUT_S (30u * 86400u) /* connection idle timeouts */
#define PH_MAX_TIMEOUT_MS (86400000u)   /* pinhole and reassembly lifetimes */
#define PH_MAX_HOLD_BYTES (1u << 30)
#define PH_MAX_HELD_MSGS (1u << 20)

/* The reassembly fields: 0 is the default (a caller that predates them);
 * 0 or PINHOLE_ERR_RANGE. */
static int ph_hold_config(pinhole_config *c) {
  if (c->hold_bytes == 0)
    c->hold_bytes = PH_HOLD_BYTES;
  if (c->hold_bytes_per_conv == 0)
    c->hold_bytes_per_conv =
        c->hold_bytes < PH_HOLD_PER_CONV ? c->hold_bytes : PH_HOLD_PER_CONV;
  if (c->hold_msg_max == 0)
    c->hold_msg_max = PH_HOLD_MSG_MAX;
  if (c->max_held == 0)
    c->max_held = PH_MAX_HELD;
  if (c->hold_timeout_ms == 0)
    c->hold_timeout_ms = PH_HOLD_TIMEOUT_MS;
  if (c->hold_bytes > PH_MAX_HOLD_BYTES ||
      c->hold_bytes_per_conv > c->hold_bytes || c->hold_msg_max > 65535 ||
      c->max_held > PH_MAX_HELD_MSGS || c->hold_timeout_ms > PH_MAX_TIMEOUT_MS)
    return PINHOLE_ERR_RANGE;
  return 0;
}

static int ph_timeouts_ok(const pinhole_config *c) {
  const uint32_t s[] = {c->tcp_syn_timeout_s, c->tcp_est_timeout_s,
                        c->tcp_trans_timeout_s, c->udp_timeout_s,
                        c->icmp_timeout_s};
  for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
    if (s[i] == 0 || s[i] > PH_MAX_TIMEOUT_S)
      return 0;
  if (c->gre_timeout_s > PH_MAX_TIMEOUT_S)
    return 0;
  return c->pinhole_timeout_ms != 0 &&
         c->pinhole_timeout_ms <= PH_MAX_TIMEOUT_MS &&
         c->frag_timeout_ms != 0 && c->frag_timeout_ms <= PH_MAX_TIMEOUT_MS;
}

/* Checks a configuration and fills its derived defaults. Zero where a
 * size is needed, or an empty port range: INVALID_ARG; a size past its
 * bound (or larger than could ever be used), a port block below 1024 or a
 * timeout out of range: RANGE. */
static int ph_config_check(pinhole_config *c) {
  if (c->max_flows == 0 || c->max_pinholes == 0 || c->max_watch == 0 ||
      c->max_rules == 0 || c->max_pools == 0 || c->max_pinholes_per_conv == 0 ||
      c->max_fragments == 0 || c->port_lo > c->port_hi)
    return PINHOLE_ERR_INVALID_ARG;
  if (c->max_port_blocks > PH_MAX_PORT_BLOCKS)
    return PINHOLE_ERR_RANGE;
  if (c->max_flows > PH_MAX_TABLE || c->max_pinholes > PH_MAX_PINHOLES ||
      c->max_rules > 65535 || c->max_pools > 255 ||
      c->max_pinholes_per_conv > 65535 || c->max_fragments > PH_MAX_FRAGMENTS ||
      c->port_lo < 1024 || !ph_timeouts_ok(c))
    return PINHOLE_ERR_RANGE;
  /* a conversation holds a connection or a pinhole; a mapping is held by
   * a connection (at most two: its own and a hairpin target's) or a
   * pinhole: more than that can never be used */
  uint64_t conv_max = (uint64_t)c->max_flows + c->max_pinholes;
  uint64_t map_max = 2 * (uint64_t)c->max_flows + c->max_pinholes;
  if (c->max_conversations > conv_max || c->max_mappings > map_max ||
      c->max_conversations > PH_MAX_TABLE || c->max_mappings > PH_MAX_TABLE)
    return PINHOLE_ERR_RANGE;
  if (ph_hold_config(c) < 0)
    return PINHOLE_ERR_RANGE;
  if (c->max_watch > c->max_flows)
    c->max_watch = c->max_flows;
  if (c->max_conversations == 0) {
    /* records for ALG sessions only (a plain connection is a conversation
     * of its own without one): each begins with a watched connection and
     * may outlive it by its data connections */
    uint64_t d = 2 * (uint64_t)c->max_watch;
    if (d > conv_max)
      d = conv_max;
    c->max_conversations = (uint32_t)(d < PH_MAX_TABLE ? d : PH_MAX_TABLE);
  }
  if (c->max_mappings == 0)
    c->max_mappings = c->max_flows;
  if (c->max_half_open == 0)
    c->max_half_open = c->max_flows / 2 ? c->max_flows / 2 : 1;
  if (c->max_conns6 > c->max_flows)
    c->max_conns6 = c->max_flows;
  if (c->max_tcp_conns > PH_MAX_TABLE)
    return PINHOLE_ERR_RANGE;
  return 0;
}

static void ph_timeouts(pinhole_ctx *ctx) {
  const pinhole_config *c = &ctx->cfg;
  ctx->to[PH_TO_SYN] =
      ph_ns_to_ticks(ctx, (uint64_t)c->tcp_syn_timeout_s * 1000000000u);
  ctx->to[PH_TO_EST] =
      ph_ns_to_ticks(ctx, (uint64_t)c->tcp_est_timeout_s * 1000000000u);
  ctx->to[PH_TO_TRANS] =
      ph_ns_to_ticks(ctx, (uint64_t)c->tcp_trans_timeout_s * 1000000000u);
  ctx->to[PH_TO_UDP] =
      ph_ns_to_ticks(ctx, (uint64_t)c->udp_timeout_s * 1000000000u);
  ctx->to[PH_TO_ICMP] =
      ph_ns_to_ticks(ctx, (uint64_t)c->icmp_timeout_s * 1000000000u);
  ctx->to[PH_TO_CLOSED] = ph_ns_to_ticks(ctx, 10ull * 1000000000u);
  ctx->to[PH_TO_GRE] = ph_ns_to_ticks(
      ctx,
      (uint64_t)(c->gre_timeout_s ? c->gre_timeout_s : 300u) * 1000000000u);
  ctx->to_min = ctx->to[0];
  for (int i = 1; i < PH_TO_COUNT; i++)
    if (ctx->to[i] < ctx->to_min)
      ctx->to_min = ctx->to[i];
}

int pinhole_ctx_new(pinhole_ctx **out, const pinhole_config *cfg,
                    const pinhole_callbacks *cb, void *user) {
  pinhole_config c;
  pinhole_callbacks k;
  int rv;

  if (out == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  *out = NULL;
  if (cfg == NULL)
    pinhole_config_default(&c, sizeof(c));
  else if ((rv = pinhole__struct_in(&c, sizeof(c), cfg, cfg->size)) < 0)
    return rv;
  memset(&k, 0, sizeof(k));
  if (cb != NULL && (rv = pinhole__struct_in(&k, sizeof(k), cb, cb->size)) < 0)
    return rv;
  if ((rv = ph_config_check(&c)) < 0)
    return rv;
  if (k.alloc == NULL || k.free == NULL) {
    k.alloc = ph_default_alloc;
    k.free = ph_default_free;
  }

  uint32_t nb = pinhole__ft_buckets_for(2 * c.max_flows);
  /* IPv6 connections: slots max_flows.. of the connection arrays */
  uint32_t nslots = c.max_flows + c.max_conns6;
  uint32_t nb6 = c.max_conns6 ? pinhole__ft_buckets_for(2 * c.max_conns6) : 0;
  /* TCP windows only for the slots that may hold TCP: the first ntcp4
   * IPv4 and the first ntcp6 IPv6 slots */
  uint32_t ntcp4 = c.max_tcp_conns && c.max_tcp_conns < c.max_flows
                       ? c.max_tcp_conns
                       : c.max_flows;
  uint32_t ntcp6 = c.max_tcp_conns && c.max_tcp_conns < c.max_conns6
                       ? c.max_tcp_conns
                       : c.max_conns6;
  uint32_t map_buckets = c.max_mappings < 16 ? 16 : c.max_mappings;
  uint32_t pinhole_buckets = ph_pow2_at_least(c.max_pinholes);
  uint32_t frag_buckets = ph_pow2_at_least(c.max_fragments);
  uint32_t nhosts = c.max_ports_per_host ? c.max_mappings : 0;
  uint32_t host_buckets = nhosts ? ph_pow2_at_least(nhosts) : 0;
  uint32_t port_words = ((uint32_t)c.port_hi - c.port_lo + 1 + 63) / 64;
  size_t pool_words = (size_t)PH_POOL_MAX_ADDRS * PH_PROTO_CLASSES * port_words;

  ph_layout l = {0, 0};
  size_t o_ctx = ph_carve(&l, sizeof(pinhole_ctx));
  size_t o_ft = ph_carve(&l, (size_t)nb * sizeof(ph_ft_bucket));
  size_t o_conns = ph_carve(&l, (size_t)nslots * sizeof(ph_conn));
  size_t o_cold = ph_carve(&l, (size_t)nslots * sizeof(ph_conn_cold));
  size_t ncwb = pinhole__cwheel_blocks(nslots);
  size_t o_cwb = ph_carve(&l, ncwb * sizeof(ph_cwblock));
  size_t o_tcpw = ph_carve(&l, ((size_t)ntcp4 + ntcp6) * sizeof(ph_tcpw));
  size_t o_conn6 = ph_carve(&l, (size_t)c.max_conns6 * sizeof(ph_conn6));
  size_t o_ft6 = ph_carve(&l, (size_t)nb6 * sizeof(ph_ft_bucket));
  size_t o_convs = ph_carve(&l, (size_t)c.max_conversations * sizeof(ph_conv));
  size_t o_maps = ph_carve(&l, (size_t)c.max_mappings * sizeof(ph_mapping));
  size_t o_mih = ph_carve(&l, (size_t)map_buckets * sizeof(uint32_t));
  size_t o_mph = ph_carve(&l, (size_t)map_buckets * sizeof(uint32_t));
  size_t o_hosts = ph_carve(&l, (size_t)nhosts * sizeof(ph_host));
  size_t o_hosth = ph_carve(&l, (size_t)host_buckets * sizeof(uint32_t));
  size_t o_pinholes = ph_carve(&l, (size_t)c.max_pinholes * sizeof(ph_pinhole));
  size_t o_hh = ph_carve(&l, (size_t)pinhole_buckets * sizeof(uint32_t));
  size_t o_ph6 = ph_carve(
      &l, c.max_conns6 ? (size_t)c.max_pinholes * sizeof(ph_pinhole6) : 0);
  size_t o_watch = ph_carve(&l, (size_t)c.max_watch * sizeof(ph_watch));
  size_t o_frags = ph_carve(&l, (size_t)c.max_fragments * sizeof(ph_frag));
  size_t o_fh = ph_carve(&l, (size_t)frag_buckets * sizeof(uint32_t));
  size_t o_frag6 = ph_carve(
      &l, c.max_conns6 ? (size_t)c.max_fragments * sizeof(ph_frag6) : 0);
  /* the mappings that may be NAT64 ones (an IPv6 host behind them): held
   * by a NAT64 connection (its own and a hairpin target's) or a pinhole,
   * so at most 2 * max_conns6 + max_pinholes; twice the pinholes for an
   * ALG's pairs */
  uint64_t map6_max = 2 * (uint64_t)c.max_conns6 + 2 * (uint64_t)c.max_pinholes;
  uint32_t nmap6 = c.max_conns6 == 0           ? 0
                   : map6_max < c.max_mappings ? (uint32_t)map6_max
                                               : c.max_mappings;
  size_t o_map6 = ph_carve(&l, (size_t)nmap6 * sizeof(ph_map6));
  size_t o_pools = ph_carve(&l, (size_t)c.max_pools * sizeof(ph_pool));
  size_t o_bits = ph_carve(&l, (size_t)c.max_pools * pool_words * 8);
  size_t o_pbits =
      ph_carve(&l, (size_t)c.max_pools * PH_POOL_MAX_ADDRS * PH_PRIV_WORDS * 8);
  size_t o_rules = ph_carve(&l, (size_t)c.max_rules * sizeof(ph_rule));
  size_t o_allow = ph_carve(&l, (size_t)c.max_rules * sizeof(ph_rule_allow));
  size_t o_scratch = ph_carve(&l, PH_SCRATCH);
  size_t o_emit = ph_carve(&l, PH_EMIT_BUF);
  uint32_t sub_buckets =
      c.max_port_blocks ? ph_pow2_at_least(c.max_port_blocks) : 0;
  size_t o_blocks = ph_carve(&l, (size_t)c.max_port_blocks * sizeof(ph_block));
  size_t o_subs = ph_carve(&l, (size_t)c.max_port_blocks * sizeof(ph_sub));
  size_t o_subh = ph_carve(&l, (size_t)sub_buckets * sizeof(uint32_t));
  size_t o_sub6 = ph_carve(
      &l, c.max_conns6 ? (size_t)c.max_port_blocks * sizeof(ph_sub6) : 0);
  uint32_t nchunks =
      (uint32_t)(((uint64_t)c.hold_bytes + PH_HOLD_CHUNK - 1) / PH_HOLD_CHUNK);
  size_t hold_buf_cap = (size_t)c.hold_msg_max + PH_HOLD_BUF_EXTRA;
  size_t o_held = ph_carve(&l, (size_t)c.max_held * sizeof(ph_held));
  size_t o_cnext = ph_carve(&l, (size_t)nchunks * sizeof(ph_ref));
  size_t o_cdata = ph_carve(&l, (size_t)nchunks * PH_HOLD_CHUNK);
  /* one share per conversation, and one for IP fragments that came before
   * their first fragment (core/frag_reasm.c) */
  size_t o_convh =
      ph_carve(&l, ((size_t)c.max_conversations + 1) * sizeof(uint32_t));
  size_t o_hbuf = ph_carve(&l, hold_buf_cap);
  size_t total = l.total + 64;

  uint8_t *raw = k.alloc(total, user);
  if (raw == NULL)
    return PINHOLE_ERR_NOMEM;
  uint8_t *m = (uint8_t *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
  memset(m, 0, l.total);

  pinhole_ctx *ctx = (pinhole_ctx *)(void *)(m + o_ctx);
  ctx->raw = raw;
  ctx->mem_bytes = total;
  ctx->cfg = c;
  ctx->cb = k;
  ctx->user = user;
  ctx->tick_shift = PH_TICK_SHIFT;
  pinhole__ft_init(&ctx->ft, (ph_ft_bucket *)(void *)(m + o_ft), nb,
                   &c.hash_key);
  ctx->conns = (ph_conn *)(void *)(m + o_conns);
  ctx->cold = (ph_conn_cold *)(void *)(m + o_cold);
  ctx->tcpw = (ph_tcpw *)(void *)(m + o_tcpw);
  ctx->ntcp4 = ntcp4;
  ctx->ntcp6 = ntcp6;
  ctx->conn6 = (ph_conn6 *)(void *)(m + o_conn6);
  if (nb6)
    pinhole__ft_init(&ctx->ft6, (ph_ft_bucket *)(void *)(m + o_ft6), nb6,
                     &c.hash_key); /* keys: pinhole__hash6 (flows6.c) */
  ctx->convs = (ph_conv *)(void *)(m + o_convs);
  ctx->maps = (ph_mapping *)(void *)(m + o_maps);
  ctx->map_ihash = (uint32_t *)(void *)(m + o_mih);
  ctx->map_phash = (uint32_t *)(void *)(m + o_mph);
  ctx->map_nb = map_buckets;
  static const char map_label[3][8] = {"mp-nh-0", "mp-nh-1", "mp-mul"};
  pinhole__nh_derive(ctx->map_nh, &ctx->map_mul, &c.hash_key, map_label);
  static const char fold6_label[3][8] = {"v6-nh-0", "v6-nh-1", "v6-mul"};
  pinhole__nh_derive(ctx->fold6_nh, &ctx->fold6_mul, &c.hash_key, fold6_label);
  pinhole__hash6_key(ctx->hash6_nh, &ctx->hash6_mul, &c.hash_key);
  pinhole__alg_ports_build(ctx);
  ctx->hosts = (ph_host *)(void *)(m + o_hosts);
  ctx->host_hash = (uint32_t *)(void *)(m + o_hosth);
  ctx->host_mask = host_buckets ? host_buckets - 1 : 0;
  for (uint32_t i = nhosts; i > 0; i--) {
    ph_host_at(ctx, i)->next = ctx->host_free;
    ctx->host_free = i;
  }
  ctx->pinholes = (ph_pinhole *)(void *)(m + o_pinholes);
  ctx->pinhole_hash = (uint32_t *)(void *)(m + o_hh);
  ctx->pinhole6 = c.max_conns6 ? (ph_pinhole6 *)(void *)(m + o_ph6) : NULL;
  ctx->pinhole_mask = pinhole_buckets - 1;
  ctx->watch = (ph_watch *)(void *)(m + o_watch);
  ctx->frags = (ph_frag *)(void *)(m + o_frags);
  ctx->frag_hash = (uint32_t *)(void *)(m + o_fh);
  ctx->frag_mask = frag_buckets - 1;
  ctx->frag6 = c.max_conns6 ? (ph_frag6 *)(void *)(m + o_frag6) : NULL;
  ctx->map6 = c.max_conns6 ? (ph_map6 *)(void *)(m + o_map6) : NULL;
  ctx->nmap6 = nmap6;
  ctx->pools = (ph_pool *)(void *)(m + o_pools);
  ctx->pool_bits = (uint64_t *)(void *)(m + o_bits);
  ctx->pool_bits_words = pool_words;
  ctx->pool_pbits = (uint64_t *)(void *)(m + o_pbits);
  ctx->port_words = port_words;
  ctx->rules = (ph_rule *)(void *)(m + o_rules);
  ctx->allow = (ph_rule_allow *)(void *)(m + o_allow);
  ctx->scratch = m + o_scratch;
  ctx->emit_buf = m + o_emit;
  ctx->blocks = (ph_block *)(void *)(m + o_blocks);
  ctx->subs = (ph_sub *)(void *)(m + o_subs);
  ctx->sub_hash = (uint32_t *)(void *)(m + o_subh);
  ctx->sub6 = c.max_conns6 ? (ph_sub6 *)(void *)(m + o_sub6) : NULL;
  ctx->sub_mask = sub_buckets ? sub_buckets - 1 : 0;
  for (uint32_t i = c.max_port_blocks; i > 0; i--) {
    ph_sub_at(ctx, i)->next = ctx->sub_free;
    ctx->sub_free = i;
  }

  ctx->held = (ph_held *)(void *)(m + o_held);
  ctx->chunk_next = (ph_ref *)(void *)(m + o_cnext);
  ctx->chunk_data = m + o_cdata;
  ctx->nchunks = nchunks;
  ctx->conv_held = (uint32_t *)(void *)(m + o_convh);
  ctx->hold_buf = m + o_hbuf;
  ctx->hold_buf_cap = hold_buf_cap;

  /* free lists, lowest index first; the slots with TCP windows apart */
  for (uint32_t i = c.max_flows; i > 0; i--) {
    ph_ref *freep = i > ntcp4 ? &ctx->conn_free_x : &ctx->conn_free;
    ph_cold_at(ctx, i)->conv_next = *freep;
    *freep = i;
  }
  for (uint32_t i = nslots; i > c.max_flows; i--) {
    ph_ref *freep =
        i - c.max_flows > ntcp6 ? &ctx->conn6_free_x : &ctx->conn6_free;
    ph_cold_at(ctx, i)->conv_next = *freep;
    *freep = i;
  }
  pinhole__nat64_init(ctx);
  for (uint32_t i = c.max_conversations; i > 0; i--) {
    ph_conv_at(ctx, i)->next = ctx->conv_free;
    ctx->conv_free = i;
  }
  for (uint32_t i = c.max_mappings; i > 0; i--) {
    ph_ref *freep = i > nmap6 ? &ctx->map_free_x : &ctx->map_free;
    ph_map_at(ctx, i)->inext = *freep;
    *freep = i;
  }
  for (uint32_t i = c.max_pinholes; i > 0; i--) {
    ph_pinhole_at(ctx, i)->hnext = ctx->pinhole_free;
    ctx->pinhole_free = i;
  }
  for (uint32_t i = c.max_watch; i > 0; i--) {
    ph_watch_at(ctx, i)->free_next = ctx->watch_free;
    ctx->watch_free = i;
  }
  for (uint32_t i = c.max_fragments; i > 0; i--) {
    ph_frag_at(ctx, i)->hnext = ctx->frag_free;
    ctx->frag_free = i;
  }
  for (uint32_t i = c.max_held; i > 0; i--) {
    ph_held_at(ctx, i)->next = ctx->held_free;
    ctx->held_free = i;
  }
  for (uint32_t i = nchunks; i > 0; i--) {
    ctx->chunk_next[ph_slot(i)] = ctx->chunk_free;
    ctx->chunk_free = i;
  }
  ctx->next_conv_id = 1;
  ctx->rng = c.seed ^ 0x9E3779B97F4A7C15ull;
  if (ctx->rng == 0)
    ctx->rng = 1;
  ph_timeouts(ctx);
  pinhole__cwheel_init(&ctx->conn_wheel, ctx->cold, sizeof(ph_conn_cold),
                       offsetof(ph_conn_cold, timer), nslots,
                       (ph_cwblock *)(void *)(m + o_cwb), ncwb, 0,
                       PH_TICK_SHIFT);
  pinhole_wheel_init(&ctx->pinhole_wheel, ctx->pinholes, sizeof(ph_pinhole),
                     offsetof(ph_pinhole, timer), c.max_pinholes, 0,
                     PH_TICK_SHIFT);
  pinhole_wheel_init(&ctx->frag_wheel, ctx->frags, sizeof(ph_frag),
                     offsetof(ph_frag, timer), c.max_fragments, 0,
                     PH_TICK_SHIFT);
  pinhole_wheel_init(&ctx->block_wheel, ctx->blocks, sizeof(ph_block),
                     offsetof(ph_block, timer), c.max_port_blocks, 0,
                     PH_TICK_SHIFT);
  pinhole_wheel_init(&ctx->interim_wheel, ctx->blocks, sizeof(ph_block),
                     offsetof(ph_block, itimer), c.max_port_blocks, 0,
                     PH_TICK_SHIFT);
  pinhole_wheel_init(&ctx->hold_wheel, ctx->held, sizeof(ph_held),
                     offsetof(ph_held, timer), c.max_held, 0, PH_TICK_SHIFT);
  *out = ctx;
  return 0;
}

void pinhole_ctx_del(pinhole_ctx *ctx) {
  if (ctx == NULL)
    return;
  void (*fr)(void *, size_t, void *) = ctx->cb.free;
  void *raw = ctx->raw, *user = ctx->user;
  size_t total = ctx->mem_bytes;
  fr(raw, total, user);
}

/* ---- pools ----------------------------------------------------------- */

/* Can addr be a host's public or private address (and so a translated
 * source or destination)? Not 0/8 (this network), 127/8 (loopback),
 * 224/4 (multicast) or 240/4 (reserved, with the limited broadcast).
 * Each class is whole /8s, so a range of fewer than 2^24 addresses whose
 * ends are usable lies in one /8 of them, or spans usable ones. */
static int ph_addr_usable(uint32_t addr) {
  uint32_t a = addr >> 24;
  return a != 0 && a != 127 && a < 224;
}

/* The public ports a pool of mode maps to in [*lo, *hi]: its range, from
 * PH_PRIV_LO in a NAPT pool (an ALG's privileged ports), every port in an
 * ADDRESS pool (not translated). */
static void ph_pool_ports(uint8_t mode, uint32_t port_lo, uint32_t port_hi,
                          uint32_t *lo, uint32_t *hi) {
  *lo =
      mode == PINHOLE_POOL_NAPT && port_lo > PH_PRIV_LO ? PH_PRIV_LO : port_lo;
  *hi = port_hi;
  if (mode == PINHOLE_POOL_ADDRESS) {
    *lo = 0;
    *hi = 65535;
  }
}

/* Could new pool p make a public endpoint an existing pool may have a
 * mapping on (a pool removed, none left, may not)? Live mappings'
 * public endpoints are unique: a connection finds its mapping again by
 * its public endpoint (flows.c pinhole__conn_mapping). */
static int ph_pool_clash(const pinhole_ctx *ctx, const pinhole_pool *p) {
  uint32_t lo, hi, olo, ohi;
  ph_pool_ports(p->mode, p->port_lo, p->port_hi, &lo, &hi);
  for (uint32_t i = 0; i < ctx->npools; i++) {
    const ph_pool *o = &ctx->pools[i];
    if (o->removed && o->used == 0)
      continue;
    ph_pool_ports(o->mode, o->port_lo, o->port_hi, &olo, &ohi);
    uint32_t oa_hi = o->addr_lo + o->naddrs - 1u;
    if (p->addr_lo <= oa_hi && o->addr_lo <= p->addr_hi && lo <= ohi &&
        olo <= hi)
      return 1;
  }
  return 0;
}

int pinhole_pool_add(pinhole_ctx *ctx, const pinhole_pool *pool) {
  pinhole_pool p;
  int rv;
  if (ctx == NULL || pool == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if ((rv = pinhole__struct_in(&p, sizeof(p), pool, pool->size)) < 0)
    return rv;
  if (p.addr_lo == 0 || p.addr_hi < p.addr_lo)
    return PINHOLE_ERR_INVALID_ARG;
  int addr_only = p.mode == PINHOLE_POOL_ADDRESS;
  if (p.addr_hi - p.addr_lo >=
      (addr_only ? PH_POOL_MAX_ADDR_ONLY : PH_POOL_MAX_ADDRS))
    return PINHOLE_ERR_RANGE;
  if (!ph_addr_usable(p.addr_lo) || !ph_addr_usable(p.addr_hi))
    return PINHOLE_ERR_ADDRESS;
  if (addr_only && (p.port_lo != 0 || p.port_hi != 0))
    return PINHOLE_ERR_INVALID_ARG; /* ports are not translated */
  if (p.port_lo == 0 && p.port_hi == 0) {
    p.port_lo = ctx->cfg.port_lo;
    p.port_hi = ctx->cfg.port_hi;
  }
  if (p.port_lo > p.port_hi || p.port_lo < ctx->cfg.port_lo ||
      p.port_hi > ctx->cfg.port_hi)
    return PINHOLE_ERR_INVALID_ARG;
  if (ctx->npools >= ctx->cfg.max_pools)
    return PINHOLE_ERR_FULL;
  if (ph_pool_clash(ctx, &p))
    return PINHOLE_ERR_EXISTS;
  ph_pool *pl = &ctx->pools[ctx->npools];
  memset(pl, 0, sizeof(*pl));
  pl->addr_lo = p.addr_lo;
  pl->naddrs = (uint16_t)(p.addr_hi - p.addr_lo + 1);
  pl->port_lo = p.port_lo;
  pl->port_hi = p.port_hi;
  pl->nports = (uint32_t)p.port_hi - p.port_lo + 1;
  pl->words = (pl->nports + 63) / 64;
  pl->bits = ctx->pool_bits + ctx->npools * ctx->pool_bits_words;
  pl->pbits =
      ctx->pool_pbits + (size_t)ctx->npools * PH_POOL_MAX_ADDRS * PH_PRIV_WORDS;
  if ((rv = pinhole__cgn_pool_init(ctx, pl, ctx->npools, &p)) < 0)
    return rv;
  return (int)ctx->npools++;
}

/* ---- rules ----------------------------------------------------------- */

static uint32_t ph_mask(uint8_t plen) {
  return plen == 0 ? 0 : 0xFFFFFFFFu << (32 - plen);
}

/* Clears the bits of a[16] past plen (0..128). */
static void ph_prefix6_clear(uint8_t a[16], unsigned plen) {
  for (unsigned i = 0; i < 16; i++) {
    unsigned have = plen > i * 8 ? plen - i * 8 : 0;
    if (have < 8)
      a[i] &= (uint8_t)(0xFFu << (8 - have));
  }
}

/* Is a[16] under prefix p[16] (its bits past plen zero)? */
int pinhole__prefix6_has(const uint8_t a[16], const uint8_t p[16],
                         unsigned plen) {
  for (unsigned i = 0; i < 16 && i * 8 < plen; i++) {
    unsigned have = plen - i * 8;
    uint8_t m = (uint8_t)(have >= 8 ? 0xFFu : 0xFFu << (8 - have));
    if ((a[i] & m) != p[i])
      return 0;
  }
  return 1;
}

int pinhole_rule_add(pinhole_ctx *ctx, const pinhole_rule *rule) {
  pinhole_rule r;
  int rv;
  if (ctx == NULL || rule == NULL)
    return PINHOLE_ERR_INVALID_ARG;
  if ((rv = pinhole__struct_in(&r, sizeof(r), rule, rule->size)) < 0)
    return rv;
  int v6 = r.family == 6;
  if (r.family != 0 && r.family != 4 && !v6)
    return PINHOLE_ERR_INVALID_ARG;
  /* NAT64: source NAT of inside IPv6 packets to a NAT64 prefix; only an
   * ALG that crosses the families (FTP64) may be named (docs/nat64.md) */
  int nat64 = v6 && r.nat == PINHOLE_NAT_SOURCE;
  if (nat64 && (r.side != PINHOLE_SIDE_INSIDE || r.dst_plen > 128 ||
                !pinhole__nat64_rule_ok(ctx, r.dst6, r.dst_plen)))
    return PINHOLE_ERR_INVALID_ARG;
  if (v6 &&
      ((r.nat != PINHOLE_NAT_NONE && !nat64) || r.src_addr != 0 ||
       r.dst_addr != 0 || r.src_plen > 128 || r.dst_plen > 128 || r.flags != 0))
    return PINHOLE_ERR_INVALID_ARG; /* IPv6: no NAT but NAT64 */
  if (r.action > PINHOLE_ACTION_REJECT || r.nat > PINHOLE_NAT_STATIC ||
      (!v6 && (r.src_plen > 32 || r.dst_plen > 32)) ||
      (r.side != PINHOLE_SIDE_ANY && r.side > PINHOLE_SIDE_OUTSIDE) ||
      r.dport_lo > r.dport_hi)
    return PINHOLE_ERR_INVALID_ARG;
  if (r.nat == PINHOLE_NAT_SOURCE &&
      (r.pool < 0 || (uint32_t)r.pool >= ctx->npools ||
       ctx->pools[r.pool].removed))
    return PINHOLE_ERR_INVALID_ARG;
  /* deterministic NAT (RFC 7422) computes a range from an IPv4 inside
   * address; a NAT64 client has none (docs/cgn.md "NAT64 clients") */
  if (nat64 && ctx->pools[r.pool].mode == PINHOLE_POOL_DETERMINISTIC)
    return PINHOLE_ERR_INVALID_ARG;
  if ((r.nat == PINHOLE_NAT_DEST || r.nat == PINHOLE_NAT_STATIC) &&
      r.nat_addr == 0)
    return PINHOLE_ERR_INVALID_ARG;
  if ((r.nat == PINHOLE_NAT_DEST || r.nat == PINHOLE_NAT_STATIC) &&
      !ph_addr_usable(r.nat_addr))
    return PINHOLE_ERR_ADDRESS;
  if (r.nat == PINHOLE_NAT_STATIC && r.side == PINHOLE_SIDE_ANY)
    return PINHOLE_ERR_INVALID_ARG;
  if ((r.flags & ~(uint32_t)PINHOLE_RULE_DNS_DOCTOR) != 0 ||
      ((r.flags & PINHOLE_RULE_DNS_DOCTOR) && r.nat != PINHOLE_NAT_STATIC))
    return PINHOLE_ERR_INVALID_ARG;
  r.name[sizeof(r.name) - 1] = '\0';
  r.alg[sizeof(r.alg) - 1] = '\0';
  uint8_t alg = 0;
  if (strcmp(r.alg, "none") == 0)
    alg = PH_ALG_NONE;
  else if (r.alg[0] != '\0' && (alg = pinhole__alg_by_name(r.alg)) == 0)
    return PINHOLE_ERR_NOT_FOUND;
  if (alg != 0 && alg != PH_ALG_NONE && r.proto != 0 &&
      !pinhole__alg_fits(alg, r.proto))
    return PINHOLE_ERR_INVALID_ARG; /* alg=dcerpc on a UDP rule */
  if (v6 && alg != 0 && alg != PH_ALG_NONE && !ph_alg_get(alg)->ipv6)
    return PINHOLE_ERR_INVALID_ARG; /* an ALG that knows no IPv6 */
  if (nat64 && alg != 0 && alg != PH_ALG_NONE && !ph_alg_get(alg)->nat64)
    return PINHOLE_ERR_INVALID_ARG; /* an ALG that does not cross families */
  if (ctx->nrules >= ctx->cfg.max_rules)
    return PINHOLE_ERR_FULL;
  ph_rule *pr = &ctx->rules[ctx->nrules];
  pr->r = r;
  ph_prefix6_clear(pr->r.src6, v6 ? r.src_plen : 0);
  ph_prefix6_clear(pr->r.dst6, v6 ? r.dst_plen : 0);
  pr->src_mask = v6 ? 0 : ph_mask(r.src_plen); /* IPv6: src6, dst6 */
  pr->dst_mask = v6 ? 0 : ph_mask(r.dst_plen);
  pr->r.src_addr &= pr->src_mask;
  pr->r.dst_addr &= pr->dst_mask;
  pr->alg = alg;
  pr->gone = 0;
  memset(&ctx->allow[ctx->nrules], 0, sizeof(ctx->allow[0]));
  return (int)ctx->nrules++;
}

void pinhole_rules_clear(pinhole_ctx *ctx) {
  if (ctx == NULL)
    return;
  ctx->nrules = 0;
  /* connections accepted before know their rule is gone: their rule_gen
   * is an older generation. The count has 15 bits (the 16th of a
   * connection's rule_gen is its mapping's flag); before it comes back
   * to one a connection still carries, every connection (each one live
   * now was accepted by a rule this call removes) is told once, when it
   * wraps: its rule becomes PH_RULE_GONE, no index (a walk over the
   * slots once every 32,768 clears) */
  ctx->rules_gen = (uint16_t)((ctx->rules_gen + 1) & PH_RULE_GEN_MASK);
  if (ctx->rules_gen == 0) {
    uint32_t nslots = ctx->cfg.max_flows + ctx->cfg.max_conns6;
    for (uint32_t i = 0; i < nslots; i++)
      ctx->cold[i].rule = PH_RULE_GONE;
  }
}

int pinhole_rule_alg_allow(pinhole_ctx *ctx, int rule, const char *id) {
  if (ctx == NULL || id == NULL || rule < 0 || (uint32_t)rule >= ctx->nrules ||
      ctx->rules[rule].gone)
    return PINHOLE_ERR_INVALID_ARG;
  uint8_t alg = ctx->rules[rule].alg;
  uint8_t buf[PH_ALLOW_ID_LEN];
  size_t len = 0;
  int rc = pinhole__alg_allow_id(alg, id, buf, &len);
  if (rc < 0)
    return rc;
  ph_rule_allow *a = &ctx->allow[rule];
  for (uint8_t i = 0; i < a->n; i++)
    if (a->len[i] == len && memcmp(a->id[i], buf, len) == 0)
      return 0;
  if (a->n >= PINHOLE_RULE_ALLOW_MAX)
    return PINHOLE_ERR_FULL;
  memcpy(a->id[a->n], buf, len);
  a->len[a->n++] = (uint8_t)len;
  ctx->allow_used = 1;
  return 0;
}

/* A rule's destination ports (TCP and UDP only; a rule with ports
 * matches no other protocol). */
static int ph_rule_dport_ok(const pinhole_rule *r, uint8_t proto,
                            uint16_t dport) {
  if (r->dport_hi == 0)
    return 1;
  return (proto == PINHOLE_IPPROTO_TCP || proto == PINHOLE_IPPROTO_UDP) &&
         dport >= r->dport_lo && dport <= r->dport_hi;
}

const ph_rule *pinhole__rule_match4(const pinhole_ctx *ctx, int side,
                                    uint8_t proto, uint32_t src, uint32_t dst,
                                    uint16_t dport) {
  for (uint32_t i = 0; i < ctx->nrules; i++) {
    const ph_rule *pr = &ctx->rules[i];
    const pinhole_rule *r = &pr->r;
    if (pr->gone || r->family == 6)
      continue;
    if (r->side != PINHOLE_SIDE_ANY && r->side != side)
      continue;
    if (r->proto != 0 && r->proto != proto)
      continue;
    if ((src & pr->src_mask) != r->src_addr ||
        (dst & pr->dst_mask) != r->dst_addr)
      continue;
    if (!ph_rule_dport_ok(r, proto, dport))
      continue;
    return pr;
  }
  return NULL;
}

const ph_rule *pinhole__rule_match(const pinhole_ctx *ctx, int side,
                                   const pinhole_pkt_view *v) {
  return pinhole__rule_match4(ctx, side, v->proto, v->src, v->dst, v->dport);
}

const ph_rule *pinhole__rule_match6(const pinhole_ctx *ctx, int side,
                                    const pinhole_pkt6_view *v) {
  for (uint32_t i = 0; i < ctx->nrules; i++) {
    const ph_rule *pr = &ctx->rules[i];
    const pinhole_rule *r = &pr->r;
    if (pr->gone || r->family != 6)
      continue;
    if (r->side != PINHOLE_SIDE_ANY && r->side != side)
      continue;
    if (r->proto != 0 && r->proto != v->proto)
      continue;
    if (!pinhole__prefix6_has(v->src, r->src6, r->src_plen) ||
        !pinhole__prefix6_has(v->dst, r->dst6, r->dst_plen))
      continue;
    if (!ph_rule_dport_ok(r, v->proto, v->dport))
      continue;
    return pr;
  }
  return NULL;
}

size_t pinhole_struct_size(int which) {
  switch (which) {
  case PINHOLE_STRUCT_CONFIG:
    return sizeof(pinhole_config);
  case PINHOLE_STRUCT_CALLBACKS:
    return sizeof(pinhole_callbacks);
  case PINHOLE_STRUCT_PKT:
    return sizeof(pinhole_pkt);
  case PINHOLE_STRUCT_POOL:
    return sizeof(pinhole_pool);
  case PINHOLE_STRUCT_RULE:
    return sizeof(pinhole_rule);
  case PINHOLE_STRUCT_EVENT:
    return sizeof(pinhole_event);
  case PINHOLE_STRUCT_TRACE:
    return sizeof(pinhole_trace);
  case PINHOLE_STRUCT_FLOW_INFO:
    return sizeof(pinhole_flow_info);
  case PINHOLE_STRUCT_USAGE:
    return sizeof(pinhole_usage);
  case PINHOLE_STRUCT_PKT_VIEW:
    return sizeof(pinhole_pkt_view);
  default:
    return 0;
  }
}

/* ---- usage ----------------------------------------------------------- */

int pinhole_usage_get(const pinhole_ctx *ctx, pinhole_usage *u) {
  if (ctx == NULL || u == NULL || u->size < sizeof(size_t))
    return PINHOLE_ERR_INVALID_ARG;
  pinhole_usage x;
  memset(&x, 0, sizeof(x));
  x.size = sizeof(x);
  x.flows = ctx->nconns;
  x.max_flows = ctx->cfg.max_flows;
  x.conversations = ctx->nconvs;
  x.max_conversations = ctx->cfg.max_conversations;
  x.mappings = ctx->nmaps;
  x.max_mappings = ctx->cfg.max_mappings;
  x.pinholes = ctx->npinholes;
  x.max_pinholes = ctx->cfg.max_pinholes;
  x.watch = ctx->nwatch;
  x.max_watch = ctx->cfg.max_watch;
  x.half_open = ctx->half_open;
  x.memory_bytes = ctx->mem_bytes;
  x.fragments = ctx->nfrags;
  x.max_fragments = ctx->cfg.max_fragments;
  x.flows6 = ctx->nconns6;
  x.max_flows6 = ctx->cfg.max_conns6;
  x.alg_conversations = ctx->nconv_recs;
  size_t n = u->size < sizeof(x) ? u->size : sizeof(x);
  size_t keep = u->size;
  memcpy(u, &x, n);
  u->size = keep;
  return 0;
}

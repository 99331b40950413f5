/* SPDX-License-Identifier: BSD-2-Clause */
/* Embedding pinhole: a context with a NAT pool and one rule, one packet. */
#include <pinhole/pinhole.h>
#include <stdio.h>

int main(void) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.hash_key.k0 = 0x1234; /* from getrandom() in a real host */
  pinhole_ctx *ctx;
  if (pinhole_ctx_new(&ctx, &cfg, NULL, NULL) < 0)
    return 1;
  pinhole_pool pool = {.size = sizeof(pool)};
  pinhole_addr_parse("198.19.0.1", &pool.addr_lo);
  pool.addr_hi = pool.addr_lo;
  pinhole_rule rule = {.size = sizeof(rule),
                       .name = "inside-out",
                       .side = PINHOLE_SIDE_INSIDE,
                       .nat = PINHOLE_NAT_SOURCE,
                       .action = PINHOLE_ACTION_ACCEPT};
  rule.pool = pinhole_pool_add(ctx, &pool);
  pinhole_rule_add(ctx, &rule);

  /* UDP 198.18.0.2:5000 -> 198.19.0.2:9, as a host would receive it */
  uint8_t buf[2048] = {0x45, 0,    0,   29, 0, 1, 0,   0,  64, 17,
                       0,    0,    198, 18, 0, 2, 198, 19, 0,  2,
                       0x13, 0x88, 0,   9,  0, 9, 0,   0,  'x'};
  pinhole_pkt_view v;
  pinhole_pkt_parse(buf, 29, &v); /* only to fill in the checksums */
  pinhole_pkt_fix_cksums(buf, &v);
  pinhole_pkt pkt = {buf, 29, sizeof(buf)};
  int verdict = pinhole_process(ctx, &pkt, PINHOLE_SIDE_INSIDE, 1000000000);
  if (verdict == PINHOLE_VERDICT_FORWARD) /* send pkt.data, pkt.len on */
    printf("forwarded from %u.%u.%u.%u:%u\n", buf[12], buf[13], buf[14],
           buf[15], buf[20] << 8 | buf[21]);
  char text[4096];
  pinhole_conversations_format(ctx, text, sizeof(text));
  fputs(text, stdout);
  pinhole_ctx_del(ctx);
  return verdict == PINHOLE_VERDICT_FORWARD ? 0 : 1;
}

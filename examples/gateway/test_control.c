/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-gw's control commands against a context carrying one UDP flow:
 * show with filters, lookup from both sides, timeout, labels, clear, and
 * refused commands. Exact answers.
 */
#include "control.h"

#include <stdlib.h>
#include <string.h>

static int failures;

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (b) << 16 | (c) << 8 | (d))

/* Runs cmd; its answer must be exactly want. */
static void expect(pinhole_ctx *ctx, const char *cmd, const char *want) {
  char line[256], *got = NULL;
  size_t len = 0;
  snprintf(line, sizeof(line), "%s", cmd);
  FILE *out = open_memstream(&got, &len);
  gw_control_line(ctx, line, out);
  fclose(out);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "'%s':\n%s---- want:\n%s----\n", cmd, got, want);
    failures++;
  }
  free(got);
}

static void udp(pinhole_ctx *ctx, uint32_t src, uint16_t sport, uint32_t dst,
                uint16_t dport, int side, uint64_t now) {
  uint8_t b[64];
  memset(b, 0, sizeof(b));
  b[0] = 0x45;
  b[3] = 30; /* 20 + 8 + 2 */
  b[8] = 64;
  b[9] = PINHOLE_IPPROTO_UDP;
  for (int i = 0; i < 4; i++) {
    b[12 + i] = (uint8_t)(src >> (24 - 8 * i));
    b[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
  }
  b[20] = (uint8_t)(sport >> 8);
  b[21] = (uint8_t)sport;
  b[22] = (uint8_t)(dport >> 8);
  b[23] = (uint8_t)dport;
  b[25] = 10;
  b[28] = 'h';
  b[29] = 'i';
  pinhole_pkt p = {b, 30, sizeof(b)};
  if (pinhole_pkt_fix_all_cksums(b, 30) < 0 ||
      pinhole_process(ctx, &p, side, now) != PINHOLE_VERDICT_FORWARD) {
    fprintf(stderr, "packet not forwarded\n");
    failures++;
  }
}

int main(void) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  pinhole_ctx *ctx;
  if (pinhole_ctx_new(&ctx, &cfg, NULL, NULL) < 0)
    return 1;
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = pool.addr_hi = IP4(198, 19, 0, 1);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  strcpy(r.name, "out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.nat = PINHOLE_NAT_SOURCE;
  if ((r.pool = pinhole_pool_add(ctx, &pool)) < 0 ||
      pinhole_rule_add(ctx, &r) < 0)
    return 1;
  udp(ctx, IP4(198, 18, 0, 2), 41000, IP4(198, 19, 0, 9), 5000,
      PINHOLE_SIDE_INSIDE, 1000000000ull);
  udp(ctx, IP4(198, 19, 0, 9), 5000, IP4(198, 19, 0, 1), 41000,
      PINHOLE_SIDE_OUTSIDE, 1000000000ull);

  const char *conv =
      "Conversation: ALG protocol: none\n"
      "  Number of initiators: 1, Number of responders: 1\n"
      "Flow                                          State    Dir  Frm count\n"
      "UDP 198.18.0.2:41000 -> 198.19.0.9:5000       Forward  I          1\n"
      "    NAT source 198.18.0.2:41000 -> 198.19.0.1:41000\n"
      "UDP 198.19.0.9:5000 -> 198.19.0.1:41000       Forward  O          1\n"
      "    NAT dest 198.19.0.1:41000 -> 198.18.0.2:41000\n";
  expect(ctx, "show", conv);
  expect(ctx, "show port=5000 state=forward prefix=198.18.0.0/24", conv);
  expect(ctx, "show alg=ftp", "");
  expect(ctx, "show state=watch", "");
  expect(ctx, "lookup inside udp 198.18.0.2:41000 198.19.0.9:5000",
         "flow conv=1 alg=none Forward dir=I frames=1 bytes=30 leaves "
         "198.19.0.1:41000 -> 198.19.0.9:5000\n");
  expect(ctx, "lookup outside udp 198.19.0.9:5000 198.19.0.1:41000",
         "flow conv=1 alg=none Forward dir=O frames=1 bytes=30 leaves "
         "198.19.0.9:5000 -> 198.18.0.2:41000\n");
  expect(ctx, "lookup outside udp 198.18.0.2:41000 198.19.0.9:5000",
         "lookup: not found\n");
  expect(ctx, "pinholes", "");
  expect(ctx, "timeout udp 5", "timeout udp: set\n");
  expect(ctx, "timeout pinhole 0", "timeout pinhole: number out of range\n");
  expect(ctx, "labels ms-1/3/0 sset1", "");
  expect(ctx, "show id=2", "Interface: ms-1/3/0, Service set: sset1\n");
  expect(ctx, "clear", "control: bad command\n");
  expect(ctx, "clear port=80", "cleared 0\n");
  expect(ctx, "clear alg=none port=41000", "cleared 1\n");
  expect(ctx, "clear all", "cleared 0\n");
  expect(ctx, "show port=99999", "control: bad command\n");
  expect(ctx, "show prefix=198.18.0.0/33", "control: bad command\n");
  expect(ctx, "bogus", "control: bad command\n");
  /* a flow again; its pool removed with it, then its rule */
  udp(ctx, IP4(198, 18, 0, 2), 41000, IP4(198, 19, 0, 9), 5000,
      PINHOLE_SIDE_INSIDE, 2000000000ull);
  expect(ctx, "pool-del 0 flush", "cleared 1\n");
  expect(ctx, "pool-del 0", "pool-del: invalid argument\n");
  expect(ctx, "pool-del 0 now", "control: bad command\n");
  expect(ctx, "pool-del x", "control: bad command\n");
  expect(ctx, "rule-del 0", "cleared 0\n");
  expect(ctx, "rule-del 0 flush", "rule-del: invalid argument\n");
  expect(ctx, "rule-del", "control: bad command\n");
  pinhole_ctx_del(ctx);
  return failures ? 1 : 0;
}

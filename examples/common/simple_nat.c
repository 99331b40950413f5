/* SPDX-License-Identifier: BSD-2-Clause */
#include "simple_nat.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>

int example_simple_nat(pinhole_ctx **ctx, const char *prog,
                       const char *pool_arg, const pinhole_callbacks *cb,
                       void *user) {
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  if (pinhole_addr_parse(pool_arg, &pool.addr_lo) < 0)
    return -2;
  pool.addr_hi = pool.addr_lo;

  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  if (getrandom(&cfg.hash_key, sizeof(cfg.hash_key), 0) !=
          (ssize_t)sizeof(cfg.hash_key) ||
      getrandom(&cfg.seed, sizeof(cfg.seed), 0) != (ssize_t)sizeof(cfg.seed)) {
    fprintf(stderr, "%s: getrandom failed\n", prog);
    return -1;
  }
  int err = pinhole_ctx_new(ctx, &cfg, cb, user);
  if (err < 0) {
    fprintf(stderr, "%s: context: %s\n", prog, pinhole_strerror(err));
    return -1;
  }
  int pool_id = pinhole_pool_add(*ctx, &pool);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "inside-out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pool_id;
  if (pool_id < 0 || (err = pinhole_rule_add(*ctx, &r)) < 0) {
    fprintf(stderr, "%s: pool/rule: %s\n", prog,
            pinhole_strerror(pool_id < 0 ? pool_id : err));
    pinhole_ctx_del(*ctx);
    *ctx = NULL;
    return -1;
  }
  return 0;
}

volatile sig_atomic_t example_got_dump, example_got_stop;

static void example_on_signal(int sig) {
  if (sig == SIGUSR1)
    example_got_dump = 1;
  else
    example_got_stop = 1;
}

void example_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = example_on_signal;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
}

uint64_t example_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void example_print_event(const char *prog, const pinhole_event *ev) {
  char line[512];
  if (pinhole_event_format(ev, line, sizeof(line)) >= 0)
    fprintf(stderr, "%s[%d]: %s\n", prog, (int)getpid(), line);
}

void example_print_trace(const char *prog, const pinhole_trace *tr) {
  char line[1024];
  if (pinhole_trace_format(tr, line, sizeof(line)) >= 0)
    fprintf(stderr, "%s[%d]: trace %s\n", prog, (int)getpid(), line);
}

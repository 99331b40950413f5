/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pinhole-bench: packet-path cost against a memory-latency floor measured
 * in the same run. See BENCHMARKS.md for what each figure means.
 *
 *   pinhole-bench            1k, 64k, 1M live flows; 10M when the context
 *                            and its packets fit 4 GB and the machine's
 *                            available memory (else it says why); two
 *                            contexts on two threads (2+ CPUs); then the
 *                            issue's targets beside the floor
 *   pinhole-bench --no-10m   the same without 10M
 *   pinhole-bench --big      10M whatever the 4 GB budget
 *   pinhole-bench --size N   one table size only
 *   pinhole-bench --threads N [--size F]  N contexts on N threads, F flows
 *                            each (1M): aggregate packets/s, scale_N_ratio,
 *                            and two floors' own scaling on N threads
 *   pinhole-bench --quick    small tables, one round: checks every path
 *                            and its results, asserts no timing (CI)
 *   pinhole-bench --profile MODE [--size N]  one pass for callgrind
 *                            (tests/bench/callgrind.sh)
 *   pinhole-bench --cgn      log records and new-flow cost per pool mode
 *                            (NAPT, PBA, deterministic) for 1M connections
 *                            of 10k subscribers
 *   pinhole-bench --reasm    the cost of reassembling a split FTP PORT and
 *                            SIP INVITE (bench_reasm.c) and alg_overhead_ns
 *   pinhole-bench --ipv6 [--size N]  only what the IPv6 target reads:
 *                            the floors, established IPv4 UDP out 64 B,
 *                            established IPv6 and NAT64 UDP out 64 B
 *                            (est6_burst_over_ipv4_<size>, nat64_burst_*)
 *   pinhole-bench --expire [--size N]  the floors and expiry only (a
 *                            table of N UDP flows built, then idled out),
 *                            and expiry's own floor (floor_expire_<size>_ns:
 *                            its lines with no library code) with the
 *                            ratio expire_<size>_ns_per_floor_expire
 *   pinhole-bench --expire --spread [--size N]  the same after each flow
 *                            had one packet at a random time over 280 s
 *                            and its timer was re-armed for it, so that
 *                            each tick's due flows are slots at random
 *                            (expire_spread_<size>_ns, beside
 *                            floor_expire_spread_<size>_ns: the floor in
 *                            that order, with the cascades' touches);
 *                            with --profile expire, the same for callgrind
 *   pinhole-bench --churn [--size N]  the floors, then the UDP table at
 *                            its load bound fresh and after 16 rounds of
 *                            churn (n / 8 flows idle out, as many open,
 *                            each round): the flow table's shape
 *                            (ft_past_home_*, ft_lines_hit_*) and the
 *                            established figures, fresh and churned
 *   pinhole-bench --mem [--size N]  memory figures only (bytes per live
 *                            flow and where they go: exact, no timing)
 *   pinhole-bench --rounds N  timed rounds per figure (3, --threads 7;
 *                            1-15): fewer for a quick look on a loaded
 *                            machine
 *
 * Output: a table, then one line per figure, "bench <name> <value> <unit>"
 * (and "<name>_per_floor_dep"), then the targets with the floor beside
 * them ("<name>_target", "<name>_meets_target").
 *
 * Method. Every table the library uses comes from a host allocator that
 * maps 2 MB aligned memory and asks for transparent huge pages; memory
 * figures are the bytes that callback handed out. The floor (a pointer
 * chase over a region as large as the context) is measured before each
 * table is built. Packets are built before timing: one pristine 64-byte
 * header per packet, flows drawn uniformly at random (with replacement)
 * over all live flows, max(4N, 65536) packets per round, a fresh sequence
 * every round and mode (written in chunks of up to 4M headers between
 * timed passes). A timed loop
 * copies each header into one of 32 reused packet buffers (as a NIC ring
 * would hold them) and processes it through the public API; the same loop
 * without processing is timed too and its cost (copy_ns) is subtracted.
 * Every translated packet is checked cheaply inside the loop (verdict,
 * translated address range) and the first 65536 of every round exactly
 * (addresses, ports, both checksums) in an untimed pass before. Figures
 * are the median of the rounds. Nothing is allocated inside a timed loop.
 * The core's clock, timed as a chain of dependent adds after the floors
 * (core_ghz_*), turns the targets in ns into cycles (<target>_cycles):
 * with callgrind's instructions a packet, instructions a cycle.
 */
#include <pinhole/ipv6.h>
#include <pinhole/pinhole.h>
#include <pinhole/state.h>

#include "bench_reasm.h"
#include "core/ctx.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define B_HAVE_TSC 1
#endif

#define IP4(a, b, c, d)                                                        \
  ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 |            \
   (uint32_t)(d))

/* Test addresses from 198.18.0.0/15 only. */
#define IN_BASE IP4(198, 18, 0, 1) /* inside hosts 198.18.0.1 + h */
#define NHOSTS 1024u
#define REM_BASE IP4(198, 19, 1, 1)  /* remote hosts, one per destination */
#define NEW_BASE IP4(198, 19, 2, 1)  /* remote hosts of new flows */
#define MISS_BASE IP4(198, 19, 3, 1) /* remote hosts that have no flow */
#define POOL_LO IP4(198, 19, 200, 1) /* 16 public addresses */
#define NPUB 16u
#define REM_PORT 5000
#define DESTS 16u /* flows per inside endpoint (one NAPT mapping each) */
#define SLOTS 32u /* packet buffers, one burst */
#define SLOT_SIZE 2048u
#define HDR 64u /* bytes of pristine header per packet */
#define SEC 1000000000ull
#define T0 (10 * SEC)

/* ---- small helpers ---------------------------------------------------- */

static void die(const char *what) {
  fprintf(stderr, "pinhole-bench: FAILED: %s\n", what);
  exit(1);
}

/* CPU time of this thread: on a shared machine, time spent descheduled is
 * not the library's (the burst-time distribution uses the TSC, wall time). */
static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t cycles(void) {
#ifdef B_HAVE_TSC
  return __rdtsc();
#else
  return now_ns();
#endif
}

static uint64_t rng_next(uint64_t *s) {
  /* splitmix64: fixed seeds, reproducible packet orders */
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform in [0, n) for n < 2^32, without division. */
static uint64_t rng_below(uint64_t *s, uint64_t n) {
  return ((rng_next(s) >> 32) * n) >> 32;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof(*v), cmp_double);
  return v[n / 2];
}

/* ---- host allocator: 2 MB aligned, transparent huge pages --------------- */

#define HUGE_SZ (2u << 20)

static size_t huge_round(size_t n) {
  return (n + HUGE_SZ - 1) & ~(size_t)(HUGE_SZ - 1);
}

static void *huge_alloc(size_t size, void *user) {
  (void)user;
  size_t len = huge_round(size);
  uint8_t *raw = mmap(NULL, len + HUGE_SZ, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED)
    return NULL;
  uintptr_t a = ((uintptr_t)raw + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1);
  uint8_t *p = (uint8_t *)a;
  if (p > raw)
    munmap(raw, (size_t)(p - raw));
  size_t tail = (size_t)(raw + len + HUGE_SZ - (p + len));
  if (tail)
    munmap(p + len, tail);
#ifdef MADV_HUGEPAGE
  madvise(p, len, MADV_HUGEPAGE);
#endif
  return p;
}

/* The process's anonymous memory on transparent huge pages, in KB
 * (AnonHugePages of /proc/self/smaps_rollup); -1 where it cannot be read.
 * A table whose memory faulted in 4 KB pages pays a TLB miss on most
 * random accesses at 1M: its share is printed beside its figures. */
static long thp_kb(void) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  if (f == NULL)
    return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof(line), f) != NULL)
    if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
      break;
  fclose(f);
  return kb;
}

static void huge_free(void *p, size_t size, void *user) {
  (void)user;
  if (p)
    munmap(p, huge_round(size));
}

/* What a context's host sees: the bytes its allocator callback handed out
 * (the memory figures divide these, not what the library reports), and
 * the events it was given. */
typedef struct host_acct {
  size_t bytes;
  uint64_t events;
} host_acct;

static void *acct_alloc(size_t size, void *user) {
  void *p = huge_alloc(size, NULL);
  if (p != NULL && user != NULL)
    ((host_acct *)user)->bytes += size;
  return p;
}

static void acct_free(void *p, size_t size, void *user) {
  if (p != NULL && user != NULL)
    ((host_acct *)user)->bytes -= size;
  huge_free(p, size, NULL);
}

static void acct_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  (void)ctx;
  (void)ev;
  ((host_acct *)user)->events++;
}

/* Bytes of memory the machine can still give (MemAvailable), 0 unknown. */
static uint64_t mem_available(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[128];
  unsigned long long kb = 0;
  while (f != NULL && fgets(line, sizeof(line), f) != NULL)
    if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
      break;
  if (f != NULL)
    fclose(f);
  if (kb != 0)
    return (uint64_t)kb * 1024u;
  long pages = sysconf(_SC_AVPHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
  return pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : 0;
}

/* ---- the memory floor --------------------------------------------------- */

typedef struct floor_res {
  double dep, par8, par16;
  double wave;   /* one dependent access, then WAVE_LINES independent ones */
  double burst2; /* two dependent lines a packet in bursts (chase_burst2) */
  double expire; /* expiry's memory work a flow (floor_expire); 0: none */
  double newb;   /* a new flow's in bursts (floor_new_burst); 0: none */
} floor_res;

/* A new flow one per call: the flow table's miss (one dependent line),
 * then the wave of lines its creation asks for together (inside chain,
 * public chain, side B's bucket, the connection's slot). */
#define WAVE_LINES 4

/* One random cycle through the lines of a region of `bytes` (Sattolo). */
static void *chase_build(size_t bytes, size_t *nlines) {
  size_t n = bytes / 64;
  if (n < 64)
    n = 64;
  uint8_t *mem = huge_alloc(n * 64, NULL);
  uint32_t *perm = malloc(n * sizeof(uint32_t));
  if (mem == NULL || perm == NULL)
    die("floor: out of memory");
  uint64_t s = 42;
  for (size_t i = 0; i < n; i++)
    perm[i] = (uint32_t)i;
  for (size_t i = n - 1; i > 0; i--) {
    size_t j = (size_t)rng_below(&s, i);
    uint32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (size_t i = 0; i < n; i++) {
    void *next = mem + (size_t)perm[i] * 64;
    memcpy(mem + i * 64, &next, sizeof(next));
  }
  free(perm);
  *nlines = n;
  return mem;
}

static double chase(uint8_t *mem, size_t n, unsigned k, size_t steps) {
  void *p[16];
  for (unsigned i = 0; i < k; i++)
    p[i] = mem + ((size_t)i * (n / k)) * 64;
  uint64_t t0 = now_ns();
  for (size_t s = 0; s < steps; s++)
    for (unsigned i = 0; i < k; i++)
      p[i] = *(void **)p[i];
  uint64_t t1 = now_ns();
  uintptr_t sink = 0;
  for (unsigned i = 0; i < k; i++)
    sink ^= (uintptr_t)p[i];
  if (sink == 1)
    printf("#");
  return (double)(t1 - t0) / (double)(steps * k);
}

/* Per step: one dependent access, then WAVE_LINES accesses whose
 * addresses depend on it but not on each other, the next step depending
 * on all of them: two dependent latencies, the second a wave. */
static double chase_wave(uint8_t *mem, size_t n, size_t steps) {
  uint8_t *p = mem;
  volatile uintptr_t vzero = 0;
  uintptr_t zero = vzero; /* 0, unknown to the compiler */
  uint64_t t0 = now_ns();
  for (size_t s = 0; s < steps; s++) {
    uint8_t *q;
    memcpy(&q, p, sizeof(q));
    size_t line = (size_t)(q - mem) / 64;
    uintptr_t acc = 0;
    for (unsigned i = 1; i <= WAVE_LINES; i++) {
      size_t j = (line * 0x9E3779B1u + i * (n / (WAVE_LINES + 1))) % n;
      uintptr_t x;
      memcpy(&x, mem + j * 64, sizeof(x));
      acc ^= x;
    }
    p = q + (acc & zero);
  }
  uint64_t t1 = now_ns();
  if (p == NULL)
    printf("#");
  return (double)(t1 - t0) / (double)steps;
}

/* The established burst's ideal: per packet two random lines, the second
 * found in the first (a flow table line, then the connection it names),
 * in bursts of 32 as the library's look-ahead works: prefetch the 32
 * first lines, read each and prefetch its second, then read the seconds.
 * No other work: the memory system's bound for that pattern. */
#define BURST2 32

/* One burst of it: the lines of mem x[0..BURST2) and the seconds they
 * name; with write, each second line written back as well (a
 * connection's counters and time: it returns to memory dirty). The sum
 * of what the seconds held. */
static inline uintptr_t burst2_lines(uint8_t *mem, const uint32_t *x,
                                     int write) {
  uint8_t *q[BURST2];
  uintptr_t acc = 0;
  for (unsigned i = 0; i < BURST2; i++)
    __builtin_prefetch(mem + (size_t)x[i] * 64);
  for (unsigned i = 0; i < BURST2; i++) {
    memcpy(&q[i], mem + (size_t)x[i] * 64, sizeof(q[i]));
    __builtin_prefetch(q[i]);
  }
  for (unsigned i = 0; i < BURST2; i++) {
    uintptr_t v;
    memcpy(&v, q[i] + 8, sizeof(v));
    acc += v;
    if (write) {
      v++;
      memcpy(q[i] + 8, &v, sizeof(v));
    }
  }
  return acc;
}

static double chase_burst2(uint8_t *mem, size_t n, size_t steps) {
  size_t nb = steps / BURST2;
  uint32_t *idx = malloc(nb * BURST2 * sizeof(uint32_t));
  if (idx == NULL)
    die("floor: out of memory");
  uint64_t s = 7;
  for (size_t i = 0; i < nb * BURST2; i++)
    idx[i] = (uint32_t)rng_below(&s, n);
  uintptr_t acc = 0;
  uint64_t t0 = now_ns();
  for (size_t b = 0; b < nb; b++)
    acc += burst2_lines(mem, idx + b * BURST2, 0);
  uint64_t t1 = now_ns();
  free(idx);
  if (acc == 1)
    printf("#");
  return (double)(t1 - t0) / (double)(nb * BURST2);
}

/* chase_burst2() with the rest of a packet's memory traffic, for the
 * scaling floor in the contexts' rounds (mt_main): steps random lines of
 * mem (idx, steps of them, a multiple of BURST2), each step's second line
 * written back, and a fresh header's line read from hdr (nhdr headers of
 * HDR bytes, in order, as pass() restores each packet from its round's
 * headers) into one of BURST2 buffers. What a context asks of the memory
 * system, where chase_burst2's reads alone ask less. The caller times
 * it. */
static void chase_traffic(uint8_t *mem, const uint32_t *idx, size_t steps,
                          const uint8_t *hdr, size_t nhdr) {
  uint8_t buf[BURST2][HDR];
  uintptr_t acc = 0;
  size_t h = 0;
  for (size_t b = 0; b < steps / BURST2; b++) {
    for (unsigned i = 0; i < BURST2; i++) {
      memcpy(buf[i], hdr + h * HDR, HDR);
      h = h + 1 == nhdr ? 0 : h + 1;
    }
    acc += burst2_lines(mem, idx + b * BURST2, 1);
    for (unsigned i = 0; i < BURST2; i++)
      acc += buf[i][12];
  }
  if (acc == 1)
    printf("#");
}

static floor_res floor_measure(size_t bytes, int quick) {
  size_t n;
  uint8_t *mem = chase_build(bytes, &n);
  size_t steps = quick ? 20000 : 2000000;
  floor_res r;
  r.expire = 0;
  r.newb = 0;
  chase(mem, n, 1, steps / 8); /* warm the page tables */
  double d[3], a[3], b[3], w[3], b2[3];
  int rounds = quick ? 1 : 3;
  for (int i = 0; i < rounds; i++) {
    d[i] = chase(mem, n, 1, steps);
    a[i] = chase(mem, n, 8, steps / 4);
    b[i] = chase(mem, n, 16, steps / 8);
    w[i] = chase_wave(mem, n, steps / 2);
    b2[i] = chase_burst2(mem, n, steps / 2);
  }
  r.burst2 = median(b2, (size_t)rounds);
  r.wave = median(w, (size_t)rounds);
  r.dep = median(d, (size_t)rounds);
  r.par8 = median(a, (size_t)rounds);
  r.par16 = median(b, (size_t)rounds);
  huge_free(mem, n * 64, NULL);
  return r;
}

/* The core's clock while this thread runs, in GHz: a chain of dependent
 * register adds retires one a cycle on any out-of-order core, so adds /
 * ns is the clock (turbo included, which the TSC's rate is not). With it
 * a figure in ns becomes cycles, and cycles beside callgrind's
 * instructions a packet say whether a size is bound by memory (few
 * instructions a cycle) or by the instructions themselves (the core's
 * width). 0 where there is no such chain here. */
#define CLOCK_ADDS 20000000u
static double clock_ghz(void) {
#if defined(__x86_64__) || defined(__aarch64__)
  double g[3];
  for (int r = 0; r < 3; r++) {
    uint64_t x = 0, y = 1, t0 = now_ns();
    for (uint32_t i = 0; i < CLOCK_ADDS / 8; i++) {
#if defined(__x86_64__)
#define ADD1 "add %1, %0\n\t"
#else
#define ADD1 "add %0, %0, %1\n\t"
#endif
      __asm__ volatile(ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1 ADD1
                       : "+r"(x)
                       : "r"(y));
#undef ADD1
    }
    uint64_t dt = now_ns() - t0;
    if (x != CLOCK_ADDS || dt == 0)
      die("clock: the add chain");
    g[r] = (double)CLOCK_ADDS / (double)dt;
  }
  return median(g, 3);
#else
  return 0;
#endif
}

/* What a pass of timed calls shows of the machine's own stalls. */
typedef struct tail_res {
  double p999_over_median;
  double median_cycles;
  double slow_share;   /* calls over TAIL_SLOW x the median / calls */
  double stalls_per_s; /* the floor's slow chunks per second of its pass */
  double stall_us;     /* their median time over the median chunk */
} tail_res;

/* A call this many times the median is one a stall hit. */
#define TAIL_SLOW 8

static uint64_t wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* The p99.9 / median and the slow share of nb call times (sorted here). */
static tail_res tail_of(uint64_t *tsc, size_t nb) {
  tail_res t;
  memset(&t, 0, sizeof(t));
  qsort(tsc, nb, sizeof(uint64_t), cmp_u64);
  uint64_t med = tsc[nb / 2];
  t.p999_over_median = (double)tsc[nb * 999 / 1000] / (double)med;
  t.median_cycles = (double)med;
  size_t slow = 0;
  while (slow < nb && tsc[nb - 1 - slow] > TAIL_SLOW * med)
    slow++;
  t.slow_share = (double)slow / (double)nb;
  return t;
}

/* 16 dependent-chain reads in flight, `steps` deep: one chunk. */
static uint64_t floor_chunk(void **p, size_t steps) {
  uint64_t c0 = cycles();
  for (size_t s = 0; s < steps; s++)
    for (unsigned i = 0; i < 16; i++)
      p[i] = *(void **)p[i];
  return cycles() - c0;
}

/* The machine's own tail for calls as long as a burst: nb chunks of 16
 * random dependent-chain reads in flight over a region of `bytes` (the
 * burst's own access pattern, no library code), each chunk timed with the
 * TSC like a burst call and sized so that the chunks' median is the
 * burst's median `burst_cycles` (measured, not assumed: a stall hits a
 * call in proportion to its length, so a shorter chunk would show a
 * thinner tail). Gives the chunks' p99.9 / median: the part of the burst
 * figure that is this machine's (interrupts, preemption, the host) and
 * not pinhole's, and the rate and size of the stalls it saw. */
static tail_res floor_tail(size_t bytes, uint64_t burst_cycles, size_t nb) {
  size_t n;
  uint8_t *mem = chase_build(bytes, &n);
  uint64_t *tsc = malloc(nb * sizeof(uint64_t));
  if (tsc == NULL)
    die("floor: out of memory");
  void *p[16];
  for (unsigned i = 0; i < 16; i++)
    p[i] = mem + ((size_t)i * (n / 16)) * 64;
  /* size the chunk: a first guess from 4096 steps, then twice the steps
   * scaled by the burst median over the median of 512 chunks */
  size_t steps = 1;
  uint64_t per_step = floor_chunk(p, 4096) / 4096;
  if (per_step > 0 && burst_cycles / per_step > 1)
    steps = (size_t)(burst_cycles / per_step);
  size_t ncal = nb < 512 ? nb : 512;
  for (int k = 0; k < 2; k++) {
    for (size_t b = 0; b < ncal; b++)
      tsc[b] = floor_chunk(p, steps);
    qsort(tsc, ncal, sizeof(uint64_t), cmp_u64);
    double scaled =
        (double)steps * (double)burst_cycles / (double)tsc[ncal / 2];
    steps = scaled < 1 ? 1 : (size_t)(scaled + 0.5);
  }
  uint64_t w0 = wall_ns(), c0 = cycles();
  for (size_t b = 0; b < nb; b++)
    tsc[b] = floor_chunk(p, steps);
  uint64_t wall = wall_ns() - w0, cyc = cycles() - c0;
  uintptr_t sink = 0;
  for (unsigned i = 0; i < 16; i++)
    sink ^= (uintptr_t)p[i];
  if (sink == 1)
    printf("#");
  tail_res t = tail_of(tsc, nb);
  size_t slow = (size_t)(t.slow_share * (double)nb + 0.5);
  if (slow > 0 && wall > 0 && cyc > 0) {
    double ns_per_cycle = (double)wall / (double)cyc;
    t.stalls_per_s = (double)slow * 1e9 / (double)wall;
    /* the median slow chunk, less the median chunk */
    t.stall_us =
        ((double)tsc[nb - 1 - slow / 2] - t.median_cycles) * ns_per_cycle / 1e3;
  }
  free(tsc);
  huge_free(mem, n * 64, NULL);
  return t;
}

/* ---- packets -------------------------------------------------------------
 *
 * Flow f of a table of N flows: inside endpoint e = f / 16 (host
 * IN_BASE + e % NHOSTS, port 1024 + e / NHOSTS), destination d = f % 16
 * (REM_BASE + d, port REM_PORT). Every endpoint has one NAPT mapping.
 */

/* How a table is built beyond its size: the context's port block (0: the
 * default 1024-65535), where its inside endpoints start (contexts of the
 * multi-core run get their own), and whether the host takes events. */
typedef struct table_spec {
  uint16_t port_lo, port_hi;
  uint32_t ebase;
  int events;
} table_spec;

static uint32_t in_addr(uint32_t e) {
  return IN_BASE + e % NHOSTS;
}
static uint16_t in_port(uint32_t e) {
  return (uint16_t)(1024 + e / NHOSTS);
}

/* Builds a packet of len bytes (>= 40 TCP, >= 28 UDP), zero payload, with
 * correct checksums; a TCP ACK acknowledges ack. */
static void build_ack(uint8_t *b, size_t len, uint8_t proto, uint32_t src,
                      uint16_t sport, uint32_t dst, uint16_t dport,
                      uint8_t flags, uint32_t seq, uint32_t ack) {
  memset(b, 0, len);
  b[0] = 0x45;
  put16(b + 2, (uint16_t)len);
  put16(b + 4, 0x4242);
  b[8] = 64;
  b[9] = proto;
  put32(b + 12, src);
  put32(b + 16, dst);
  uint8_t *l4 = b + 20;
  put16(l4, sport);
  put16(l4 + 2, dport);
  if (proto == PINHOLE_IPPROTO_TCP) {
    put32(l4 + 4, seq);
    put32(l4 + 8, (flags & PINHOLE_TCP_ACK) ? ack : 0);
    l4[12] = 5 << 4;
    l4[13] = flags;
    put16(l4 + 14, 65535);
  } else {
    put16(l4 + 4, (uint16_t)(len - 20));
    put16(l4 + 6, 1); /* non-zero: computed below */
  }
  put16(b + 10, pinhole_cksum(b, 20));
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, len, &v) != 0 || pinhole_pkt_fix_cksums(b, &v) != 0)
    die("packet builder");
}

/* The same; a TCP ACK acknowledges 777 (inside every window the tables'
 * connections announce: the tracker lets it through as an old ACK). */
static void build(uint8_t *b, size_t len, uint8_t proto, uint32_t src,
                  uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags,
                  uint32_t seq) {
  build_ack(b, len, proto, src, sport, dst, dport, flags, seq, 777);
}

/* Exact check of a translated packet: tuple and both checksums. */
static void check_exact(const uint8_t *b, size_t len, uint32_t src,
                        uint16_t sport, uint32_t dst, uint16_t dport) {
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, len, &v) != 0)
    die("translated packet does not parse (IP checksum?)");
  if (pinhole_pkt_l4_cksum_ok(b, &v) != 1)
    die("translated packet has a bad L4 checksum");
  if (v.src != src || v.sport != sport || v.dst != dst || v.dport != dport)
    die("translated packet has the wrong tuple");
}

/* ---- a context holding N live flows ----------------------------------- */

typedef struct table {
  pinhole_ctx *ctx;
  host_acct acct; /* the context's allocator and event callbacks' count */
  uint32_t n;     /* live flows built */
  uint32_t nendp; /* inside endpoints */
  uint32_t ebase; /* endpoint e of this table is inside endpoint ebase + e */
  uint8_t proto;
  uint32_t *pub_addr; /* per endpoint: public address and port */
  uint16_t *pub_port;
  uint32_t next_new; /* next new-flow index */
  uint64_t now;
  uint8_t nat64; /* an IPv6 table of NAT64 flows (table6_build) */
} table;

/* The bench's configuration: fixed hash key and seed, max_flows. */
static void cfg_make(pinhole_config *cfg, uint32_t max_flows) {
  pinhole_config_default(cfg, sizeof(*cfg));
  cfg->max_flows = max_flows;
  cfg->hash_key.k0 = 0x0706050403020100ull;
  cfg->hash_key.k1 = 0x0f0e0d0c0b0a0908ull;
  cfg->seed = 12345;
}

/* A context on huge pages; acct (may be NULL) counts its memory and, with
 * events, its events. */
static pinhole_ctx *ctx_alloc(const pinhole_config *cfg, host_acct *acct,
                              int events) {
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.alloc = acct_alloc;
  cb.free = acct_free;
  if (events && acct != NULL)
    cb.event = acct_event;
  pinhole_ctx *ctx;
  if (pinhole_ctx_new(&ctx, cfg, &cb, acct) != 0)
    die("pinhole_ctx_new");
  return ctx;
}

static void cfg_bench(pinhole_config *cfg, uint32_t max_flows,
                      const table_spec *sp) {
  cfg_make(cfg, max_flows);
  cfg->max_half_open = max_flows; /* the new-flow test opens many SYNs */
  if (sp != NULL && sp->port_lo != 0) {
    cfg->port_lo = sp->port_lo;
    cfg->port_hi = sp->port_hi;
  }
}

static size_t ctx_regions(uint32_t max_flows, size_t *ft, size_t *ph,
                          size_t *maps);

/* Bytes a bench context for max_flows takes, from its allocator. */
static size_t ctx_bytes(uint32_t max_flows) {
  size_t ft, ph, maps;
  return ctx_regions(max_flows, &ft, &ph, &maps);
}

static pinhole_ctx *ctx_make(uint32_t max_flows, const char *alg,
                             host_acct *acct, const table_spec *sp) {
  pinhole_config cfg;
  cfg_bench(&cfg, max_flows, sp);
  pinhole_ctx *ctx = ctx_alloc(&cfg, acct, sp != NULL && sp->events);
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = POOL_LO;
  pool.addr_hi = POOL_LO + NPUB - 1;
  int pid = pinhole_pool_add(ctx, &pool);
  if (pid < 0)
    die("pinhole_pool_add");
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "napt");
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.nat = PINHOLE_NAT_SOURCE;
  r.pool = pid;
  snprintf(r.alg, sizeof(r.alg), "%s", alg);
  if (pinhole_rule_add(ctx, &r) < 0)
    die("pinhole_rule_add");
  return ctx;
}

static int process1(table *t, uint8_t *b, size_t len, int side) {
  pinhole_pkt p = {b, (uint32_t)len, SLOT_SIZE};
  return pinhole_process(t->ctx, &p, side, t->now);
}

/* Creates flow f (UDP: one packet out; TCP: SYN, SYN-ACK, ACK). */
static void flow_open(table *t, uint32_t f, uint8_t *b) {
  uint32_t e = f / DESTS, d = f % DESTS;
  uint32_t ia = in_addr(t->ebase + e), ra = REM_BASE + d;
  uint16_t ip = in_port(t->ebase + e);
  uint8_t flags = t->proto == PINHOLE_IPPROTO_TCP ? PINHOLE_TCP_SYN : 0;
  build(b, 40, t->proto, ia, ip, ra, REM_PORT, flags, 1000);
  if (process1(t, b, 40, PINHOLE_SIDE_INSIDE) != PINHOLE_VERDICT_FORWARD)
    die("setup: first packet refused");
  uint32_t pa = get32(b + 12);
  uint16_t pp = get16(b + 20);
  if (d == 0) {
    t->pub_addr[e] = pa;
    t->pub_port[e] = pp;
  } else if (t->pub_addr[e] != pa || t->pub_port[e] != pp) {
    die("setup: mapping is not endpoint-independent");
  }
  if (pa - POOL_LO >= NPUB)
    die("setup: source not translated into the pool");
  if (t->proto != PINHOLE_IPPROTO_TCP)
    return;
  build_ack(b, 40, t->proto, ra, REM_PORT, pa, pp,
            PINHOLE_TCP_SYN | PINHOLE_TCP_ACK, 5000, 1001);
  if (process1(t, b, 40, PINHOLE_SIDE_OUTSIDE) != PINHOLE_VERDICT_FORWARD)
    die("setup: SYN-ACK refused");
  build(b, 40, t->proto, ia, ip, ra, REM_PORT, PINHOLE_TCP_ACK, 1001);
  if (process1(t, b, 40, PINHOLE_SIDE_INSIDE) != PINHOLE_VERDICT_FORWARD)
    die("setup: ACK refused");
}

static void table_build_spec(table *t, uint32_t n, uint32_t headroom,
                             uint8_t proto, const char *alg,
                             const table_spec *sp) {
  memset(t, 0, sizeof(*t));
  t->n = n;
  t->ebase = sp != NULL ? sp->ebase : 0;
  t->proto = proto;
  t->nendp = (n + DESTS - 1) / DESTS;
  uint32_t max_endp = t->nendp + headroom;
  t->pub_addr = malloc(max_endp * sizeof(uint32_t));
  t->pub_port = malloc(max_endp * sizeof(uint16_t));
  if (t->pub_addr == NULL || t->pub_port == NULL)
    die("out of memory");
  t->ctx = ctx_make(n + headroom, alg, &t->acct, sp);
  t->now = T0;
  t->next_new = 0;
  uint8_t b[SLOT_SIZE];
  for (uint32_t f = 0; f < n; f++)
    flow_open(t, f, b);
  pinhole_usage u;
  u.size = sizeof(u);
  pinhole_usage_get(t->ctx, &u);
  if (u.flows != n)
    die("setup: wrong number of live flows");
}

static void table_build(table *t, uint32_t n, uint32_t headroom, uint8_t proto,
                        const char *alg) {
  table_build_spec(t, n, headroom, proto, alg, NULL);
}

static void table_free(table *t) {
  pinhole_ctx_del(t->ctx);
  free(t->pub_addr);
  free(t->pub_port);
}

/* ---- the timed loops ---------------------------------------------------- */

typedef struct ring {
  uint8_t *buf; /* SLOTS * SLOT_SIZE */
  pinhole_pkt pk[SLOTS];
  uint8_t verdict[SLOTS];
} ring;

/* What the in-loop check expects of a translated packet. */
enum chk {
  CHK_OUT,  /* forwarded, source in the pool */
  CHK_IN,   /* forwarded, destination inside */
  CHK_DROP, /* dropped */
  CHK_FWD6, /* IPv6, forwarded (the firewall translates nothing) */
};

static inline unsigned check_one(const uint8_t *b, int verdict, int chk) {
  switch (chk) {
  case CHK_OUT:
    return (verdict != PINHOLE_VERDICT_FORWARD) |
           (get32(b + 12) - POOL_LO >= NPUB);
  case CHK_IN:
    return (verdict != PINHOLE_VERDICT_FORWARD) |
           ((get32(b + 16) >> 16) != (IN_BASE >> 16));
  case CHK_FWD6:
    return (verdict != PINHOLE_VERDICT_FORWARD) | ((b[0] >> 4) != 6);
  default:
    return verdict != PINHOLE_VERDICT_DROP;
  }
}

/* A round of npkts packets is played in chunks of at most cap pristine
 * headers (HDR bytes each), each chunk written by an untimed fresh_fn
 * before it is timed: the 10M-flow round (40M packets) fits in 256 MB. */
typedef struct workload {
  uint8_t *hdr; /* the chunk: n headers */
  size_t n;
  size_t npkts; /* packets per round */
  uint32_t len; /* packet length */
  int side;
  int chk;
  size_t cap;     /* headers the chunk holds */
  uint64_t rng;   /* the round's generator, carried across its chunks */
  uint64_t seed0; /* the generator at the chunk's start */
  int first;      /* the chunk is its round's first (its start is verified) */
} workload;

/* Headers per chunk: 4M (256 MB); every round up to 1M flows is one. */
#define CHUNK_PKTS (4u << 20)

static workload wl_make(uint8_t *hdr, size_t npkts, uint32_t len, int side,
                        int chk) {
  workload w;
  memset(&w, 0, sizeof(w));
  w.hdr = hdr;
  w.npkts = npkts;
  w.n = npkts < CHUNK_PKTS ? npkts : CHUNK_PKTS;
  w.cap = w.n;
  w.len = len;
  w.side = side;
  w.chk = chk;
  return w;
}

enum mode { M_COPY = 0, M_SINGLE = 1, M_BURST = 2 };

/* One pass over the workload; returns ns per packet. *tsc (n/32 entries),
 * when given, receives the cycles of each burst call. */
static double pass(table *t, ring *r, const workload *w, int mode,
                   uint64_t *tsc) {
  unsigned bad = 0;
  size_t n = w->n - w->n % SLOTS;
  uint64_t t0 = now_ns();
  if (mode == M_SINGLE) {
    for (size_t i = 0; i < n; i++) {
      unsigned s = (unsigned)(i % SLOTS);
      uint8_t *b = r->buf + (size_t)s * SLOT_SIZE;
      memcpy(b, w->hdr + i * HDR, HDR);
      pinhole_pkt *p = &r->pk[s];
      p->len = w->len;
      int v = pinhole_process(t->ctx, p, w->side, t->now);
      bad += check_one(b, v, w->chk);
    }
  } else {
    for (size_t i = 0; i < n; i += SLOTS) {
      for (unsigned s = 0; s < SLOTS; s++) {
        memcpy(r->buf + (size_t)s * SLOT_SIZE, w->hdr + (i + s) * HDR, HDR);
        r->pk[s].len = w->len;
      }
      if (mode == M_BURST) {
        uint64_t c0 = tsc ? cycles() : 0;
        pinhole_process_burst(t->ctx, r->pk, SLOTS, w->side, t->now,
                              r->verdict);
        if (tsc)
          tsc[i / SLOTS] = cycles() - c0;
        for (unsigned s = 0; s < SLOTS; s++)
          bad +=
              check_one(r->buf + (size_t)s * SLOT_SIZE, r->verdict[s], w->chk);
      } else {
        /* copy only: read what the check would read */
        for (unsigned s = 0; s < SLOTS; s++)
          bad += r->buf[(size_t)s * SLOT_SIZE + 12] == 0xFF;
      }
    }
  }
  uint64_t t1 = now_ns();
  if (bad)
    die("a packet in a timed loop was not translated as expected");
  return (double)(t1 - t0) / (double)n;
}

/* A ring's bytes in lines of its own (RING_ALIGN: two lines, the pair an
 * adjacent-line prefetcher fetches): the contexts' threads each write
 * their ring's lengths and verdicts every burst, and two rings the heap
 * put side by side would share a line (--threads: each thread's time a
 * packet grew a third at 1k flows). */
#define RING_ALIGN 128u

static ring *ring_new(void) {
  size_t sz = (sizeof(ring) + RING_ALIGN - 1) / RING_ALIGN * RING_ALIGN;
  ring *r = aligned_alloc(RING_ALIGN, sz);
  if (r == NULL)
    die("out of memory");
  memset(r, 0, sz);
  r->buf = huge_alloc(SLOTS * SLOT_SIZE, NULL);
  if (r->buf == NULL)
    die("out of memory");
  memset(r->buf, 0, SLOTS * SLOT_SIZE);
  for (unsigned s = 0; s < SLOTS; s++) {
    r->pk[s].data = r->buf + (size_t)s * SLOT_SIZE;
    r->pk[s].cap = SLOT_SIZE;
  }
  return r;
}

static void ring_free(ring *r) {
  huge_free(r->buf, SLOTS * SLOT_SIZE, NULL);
  free(r);
}

/* ---- results ------------------------------------------------------------ */

typedef struct fig {
  char name[64];
  double value;
  const char *unit;
  double ratio_dep, ratio_par; /* to the floor of its table size; 0: none */
  char what[80];
} fig;

#define MAX_FIGS 256
typedef struct results {
  fig f[MAX_FIGS];
  int n;
} results;

static const fig *find_fig(const results *R, const char *name);

static void add(results *R, const char *name, double value, const char *unit,
                const floor_res *fl, const char *what) {
  if (R->n >= MAX_FIGS)
    return;
  fig *f = &R->f[R->n++];
  snprintf(f->name, sizeof(f->name), "%s", name);
  f->value = value;
  f->unit = unit;
  f->ratio_dep = fl && fl->dep > 0 ? value / fl->dep : 0;
  f->ratio_par = fl && fl->par16 > 0 ? value / fl->par16 : 0;
  snprintf(f->what, sizeof(f->what), "%s", what);
}

/* thp_share_<kind>_<tag>: the share of table t's memory (its
 * allocator's bytes) that faulted in on huge pages while it was built
 * (thp0: thp_kb() before). Not printed where thp_kb() cannot read. */
static void thp_share(results *R, const char *kind, const char *tag, long thp0,
                      const table *t) {
  long thp1 = thp_kb();
  if (thp0 < 0 || thp1 < 0 || t->acct.bytes == 0)
    return;
  char name[48];
  snprintf(name, sizeof(name), "thp_share_%s_%s", kind, tag);
  add(R, name, (double)(thp1 - thp0) * 1024.0 / (double)t->acct.bytes, "ratio",
      NULL, "huge-page bytes faulted while built / its bytes");
}

/* ---- the scenarios ------------------------------------------------------ */

/* --rounds N: at most this many timed rounds per figure */
#define ROUNDS_MAX 15

typedef struct opts {
  int quick, big;
  int rounds;
  int rounds_given;    /* --rounds N was given */
  uint32_t only;       /* --size N: just this table size */
  const char *profile; /* --profile MODE: one pass, for callgrind */
  int threads;         /* --threads N: contexts on threads; 0: none */
  int no_10m;          /* --no-10m: leave the 10M size out */
  uint32_t mt_flows;   /* --threads: flows per context */
  int v6;              /* --ipv6: only the IPv6 target's figures */
  int mem;             /* --mem: only the memory figures */
  int expire;          /* --expire: only the floors and expiry */
  int spread;          /* --spread: expiry of flows refreshed at random */
  int newflow;         /* --new: only the floors and new flows */
  int churn;           /* --churn: only the floors and the churn figures */
} opts;

static const char *size_tag(uint32_t n) {
  switch (n) {
  case 1024:
    return "1k";
  case 16384:
    return "16k";
  case 65536:
    return "64k";
  case 1u << 20:
    return "1m";
  case 10u << 20:
    return "10m";
  default:
    return "n";
  }
}

/* Packets per round: at least 4 per flow, so that a round touches ~98 %
 * of the flows (1 - e^-4) and no short sequence repeats. */
static size_t npkts_for(uint32_t n, const opts *o) {
  if (o->quick)
    return 4096;
  size_t k = (size_t)n * 4;
  return k < 65536 ? 65536 : k;
}

/* Pristine headers for established traffic of table t, flows drawn
 * uniformly at random from *seed (which moves on). */
static void est_headers(table *t, uint8_t *hdr, size_t npkts, uint32_t len,
                        int side, uint64_t *seed) {
  uint8_t b[SLOT_SIZE];
  uint8_t flags = t->proto == PINHOLE_IPPROTO_TCP
                      ? (uint8_t)(PINHOLE_TCP_ACK | PINHOLE_TCP_PSH)
                      : 0;
  for (size_t i = 0; i < npkts; i++) {
    uint32_t f = (uint32_t)rng_below(seed, t->n);
    uint32_t e = f / DESTS, d = f % DESTS;
    if (side == PINHOLE_SIDE_INSIDE)
      build(b, len, t->proto, in_addr(t->ebase + e), in_port(t->ebase + e),
            REM_BASE + d, REM_PORT, flags, 2000);
    else
      build(b, len, t->proto, REM_BASE + d, REM_PORT, t->pub_addr[e],
            t->pub_port[e], flags, 6000);
    memcpy(hdr + i * HDR, b, HDR);
  }
}

/* Untimed: the first min(npkts, 65536) headers (drawn from seed) go
 * through the context one by one and are checked exactly. */
static void est_verify(table *t, const uint8_t *hdr, size_t npkts, uint32_t len,
                       int side, uint64_t seed) {
  uint8_t b[SLOT_SIZE];
  memset(b, 0, sizeof(b));
  size_t n = npkts < 65536 ? npkts : 65536;
  for (size_t i = 0; i < n; i++) {
    uint32_t f = (uint32_t)rng_below(&seed, t->n);
    uint32_t e = f / DESTS, d = f % DESTS;
    memcpy(b, hdr + i * HDR, HDR);
    if (process1(t, b, len, side) != PINHOLE_VERDICT_FORWARD)
      die("established packet refused");
    if (side == PINHOLE_SIDE_INSIDE)
      check_exact(b, len, t->pub_addr[e], t->pub_port[e], REM_BASE + d,
                  REM_PORT);
    else
      check_exact(b, len, REM_BASE + d, REM_PORT, in_addr(t->ebase + e),
                  in_port(t->ebase + e));
  }
}

/* Writes the chunk's w->n fresh headers from w->rng (untimed). */
typedef void fresh_fn(table *t, workload *w);

/* The seed of round `round` of a workload (distinct for every mode and
 * round, so no sequence is ever played twice). */
static uint64_t round_seed(uint64_t base, int mode, int round) {
  return base + 7919u * ((uint64_t)mode * 16u + (uint64_t)round + 1u);
}

/* Median ns per packet of mode over the rounds, copy cost subtracted.
 * Every round replays a fresh random sequence of w->npkts packets
 * (fresh, chunk by chunk), never the same order again: a repeated
 * sequence would let the caches and the branch predictors learn it. */
static double timed(table *t, ring *r, workload *w, int mode, const opts *o,
                    double *copy, fresh_fn *fresh, fresh_fn *check,
                    uint64_t seed) {
  double v[ROUNDS_MAX], c[ROUNDS_MAX];
  int rounds = o->rounds;
  for (int i = 0; i < rounds; i++) {
    w->rng = round_seed(seed, mode, i);
    w->first = 1;
    double tc = 0, tv = 0, cnt = 0;
    for (size_t left = w->npkts; left >= SLOTS; left -= w->n) {
      w->n = left < w->cap ? left : w->cap;
      fresh(t, w);
      double m = (double)(w->n - w->n % SLOTS);
      tc += pass(t, r, w, M_COPY, NULL) * m;
      tv += pass(t, r, w, mode, NULL) * m;
      cnt += m;
      if (check != NULL)
        check(t, w);
      w->first = 0;
    }
    c[i] = tc / cnt;
    v[i] = tv / cnt;
  }
  *copy = median(c, (size_t)rounds);
  return median(v, (size_t)rounds) - *copy;
}

#define EST_SEED 1000u
#define MISS_SEED 77u

static void est_fresh(table *t, workload *w) {
  w->seed0 = w->rng;
  est_headers(t, w->hdr, w->n, w->len, w->side, &w->rng);
}

/* After a chunk was timed (its pristine headers are intact): the exact
 * check of its first packets, when it is its round's first. Run after,
 * not before, so that the timed pass does not find those flows cached. */
static void est_check(table *t, workload *w) {
  if (w->first)
    est_verify(t, w->hdr, w->n, w->len, w->side, w->seed0);
}

typedef struct est_figs {
  double burst_udp_out64, single_udp_out64, copy64;
  tail_res tail;       /* the burst calls' */
  tail_res floor_tail; /* floor_tail's over as many chunks */
} est_figs;

/* Established traffic over table t: both directions, 64 and 1500 bytes,
 * one per call and in bursts; only UDP out 64 B when !full (10M). */
static void run_established(table *t, ring *r, uint8_t *hdr, const opts *o,
                            const floor_res *fl, results *R, est_figs *ef,
                            int full) {
  const char *tag = size_tag(t->n);
  const char *pname = t->proto == PINHOLE_IPPROTO_TCP ? "tcp" : "udp";
  size_t npkts = npkts_for(t->n, o);
  static const uint32_t lens[2] = {64, 1500};
  for (int side = 0; side < (full ? 2 : 1); side++) {
    for (int li = 0; li < (full ? 2 : 1); li++) {
      uint32_t len = lens[li];
      workload w = wl_make(hdr, npkts, len, side,
                           side == PINHOLE_SIDE_INSIDE ? CHK_OUT : CHK_IN);
      double copy, single, burst;
      single =
          timed(t, r, &w, M_SINGLE, o, &copy, est_fresh, est_check, EST_SEED);
      burst =
          timed(t, r, &w, M_BURST, o, &copy, est_fresh, est_check, EST_SEED);
      char name[48], what[80];
      const char *dir = side == PINHOLE_SIDE_INSIDE ? "out" : "in";
      snprintf(name, sizeof(name), "est_%s_%s_%u_single_%s_ns", pname, dir, len,
               tag);
      snprintf(what, sizeof(what), "established %s %s %uB, one per call", pname,
               dir, len);
      add(R, name, single, "ns", fl, what);
      snprintf(name, sizeof(name), "est_%s_%s_%u_burst_%s_ns", pname, dir, len,
               tag);
      snprintf(what, sizeof(what), "established %s %s %uB, bursts of 32", pname,
               dir, len);
      add(R, name, burst, "ns", fl, what);
      if (t->proto == PINHOLE_IPPROTO_UDP && side == PINHOLE_SIDE_INSIDE &&
          len == 64) {
        ef->burst_udp_out64 = burst;
        ef->single_udp_out64 = single;
        ef->copy64 = copy;
        /* the burst time distribution, over one fresh chunk */
        w.rng = round_seed(EST_SEED, M_BURST, 15);
        w.first = 1;
        w.n = w.cap;
        est_fresh(t, &w);
        size_t nb = w.n / SLOTS;
        uint64_t *tsc = malloc(nb * sizeof(uint64_t));
        if (tsc == NULL)
          die("out of memory");
        pass(t, r, &w, M_BURST, tsc);
        est_check(t, &w);
        ef->tail = tail_of(tsc, nb);
        if (full) /* 10M: the context and a region as large do not fit */
          ef->floor_tail =
              floor_tail(ctx_bytes(t->n), (uint64_t)ef->tail.median_cycles, nb);
        free(tsc);
      }
    }
  }
}

/* ---- IPv6: established UDP through the stateful IPv6 firewall ----------
 *
 * Flow f of an IPv6 table: inside host 2001:db8:1::<e> (e = f / 16) port
 * 40000 to 2001:db8:2::<d + 1> (d = f % 16) port REM_PORT; one rule
 * (family 6, inside, accept), no translation; max_flows = max_conns6 = N.
 */

#define PORT6 40000u

/* A 64-byte IPv6 UDP packet of flow (e, d) from the inside, checksums
 * right. */
static void build6(uint8_t *b, uint32_t e, uint32_t d) {
  memset(b, 0, 64);
  b[0] = 0x60;
  put16(b + 4, 24); /* UDP header and 16 bytes */
  b[6] = PINHOLE_IPPROTO_UDP;
  b[7] = 64;
  static const uint8_t in6[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0};
  static const uint8_t out6[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0};
  memcpy(b + 8, in6, 8);
  put32(b + 20, e);
  memcpy(b + 24, out6, 8);
  put32(b + 36, d + 1);
  put16(b + 40, PORT6);
  put16(b + 42, REM_PORT);
  put16(b + 44, 24);
  put16(b + 46, 1);
  pinhole_pkt6_view v;
  if (pinhole_pkt6_parse(b, 64, &v) != 0 || pinhole_pkt6_fix_cksums(b, &v) < 0)
    die("IPv6 packet builder");
}

static void build64(uint8_t *b, uint32_t e, uint32_t d);
static int nat64_rule(pinhole_ctx *ctx, pinhole_rule *r);
static void est64_check(table *t, workload *w);

/* A table of n IPv6 UDP connections (t->proto UDP; pub_* unused); with
 * nat64, of NAT64 connections (below). */
static void table6_build(table *t, uint32_t n, int nat64) {
  memset(t, 0, sizeof(*t));
  t->n = n;
  t->proto = PINHOLE_IPPROTO_UDP;
  t->nendp = (n + DESTS - 1) / DESTS;
  t->nat64 = (uint8_t)nat64;
  pinhole_config cfg;
  cfg_bench(&cfg, n, NULL);
  cfg.max_conns6 = n;
  t->ctx = ctx_alloc(&cfg, &t->acct, 0);
  pinhole_rule r;
  memset(&r, 0, sizeof(r));
  r.size = sizeof(r);
  snprintf(r.name, sizeof(r.name), "v6-out");
  r.side = PINHOLE_SIDE_INSIDE;
  r.action = PINHOLE_ACTION_ACCEPT;
  r.family = 6;
  if ((nat64 && nat64_rule(t->ctx, &r) != 0) ||
      pinhole_rule_add(t->ctx, &r) < 0)
    die("pinhole_rule_add (IPv6)");
  t->now = T0;
  uint8_t b[SLOT_SIZE];
  for (uint32_t f = 0; f < n; f++) {
    (nat64 ? build64 : build6)(b, f / DESTS, f % DESTS);
    if (process1(t, b, 64, PINHOLE_SIDE_INSIDE) != PINHOLE_VERDICT_FORWARD)
      die("setup: first IPv6 packet refused");
  }
  pinhole_usage u;
  u.size = sizeof(u);
  pinhole_usage_get(t->ctx, &u);
  if (u.flows != n)
    die("setup: wrong number of live IPv6 flows");
}

static void est6_fresh(table *t, workload *w) {
  w->seed0 = w->rng;
  uint8_t b[SLOT_SIZE];
  for (size_t i = 0; i < w->n; i++) {
    uint32_t f = (uint32_t)rng_below(&w->rng, t->n);
    (t->nat64 ? build64 : build6)(b, f / DESTS, f % DESTS);
    memcpy(w->hdr + i * HDR, b, HDR);
  }
}

/* After the timed pass: the round's first packets, one by one, leave
 * forwarded and unchanged (checksum still right). */
static void est6_check(table *t, workload *w) {
  if (!w->first)
    return;
  uint8_t b[SLOT_SIZE];
  size_t n = w->n < 65536 ? w->n : 65536;
  for (size_t i = 0; i < n; i++) {
    memcpy(b, w->hdr + i * HDR, HDR);
    pinhole_pkt6_view v;
    if (process1(t, b, 64, PINHOLE_SIDE_INSIDE) != PINHOLE_VERDICT_FORWARD ||
        memcmp(b, w->hdr + i * HDR, HDR) != 0 ||
        pinhole_pkt6_parse(b, 64, &v) != 0 ||
        pinhole_pkt6_l4_cksum_ok(b, &v) != 1)
      die("IPv6: an established packet was not forwarded unchanged");
  }
}

/* Established IPv6 UDP out, 64 B, one per call and in bursts of 32: the
 * figures beside the IPv4 ones of the same size; with nat64, the same
 * through NAT64 (64-byte IPv6 in, 44-byte IPv4 out). */
static void run_established6(uint32_t n, ring *r, uint8_t *hdr, const opts *o,
                             const floor_res *fl, results *R, int nat64) {
  table t6;
  uint64_t b0 = now_ns();
  long thp0 = thp_kb();
  table6_build(&t6, n, nat64);
  const char *tag = size_tag(n);
  const char *fam = nat64 ? "NAT64" : "IPv6";
  thp_share(R, nat64 ? "nat64" : "ipv6", tag, thp0, &t6);
  fprintf(stderr, "[%s] %u %s UDP flows built in %.2f s\n", tag, n, fam,
          (double)(now_ns() - b0) / 1e9);
  workload w = wl_make(hdr, npkts_for(n, o), 64, PINHOLE_SIDE_INSIDE,
                       nat64 ? CHK_OUT : CHK_FWD6);
  void (*check)(table *, workload *) = nat64 ? est64_check : est6_check;
  double copy;
  double single =
      timed(&t6, r, &w, M_SINGLE, o, &copy, est6_fresh, check, EST_SEED);
  double burst =
      timed(&t6, r, &w, M_BURST, o, &copy, est6_fresh, check, EST_SEED);
  char name[48], what[80];
  snprintf(name, sizeof(name), "%s_udp_out_64_single_%s_ns",
           nat64 ? "nat64" : "est6", tag);
  snprintf(what, sizeof(what), "established %s UDP out 64B, one per call", fam);
  add(R, name, single, "ns", fl, what);
  snprintf(name, sizeof(name), "%s_burst_%s_ns", nat64 ? "nat64" : "est6", tag);
  snprintf(what, sizeof(what), "established %s UDP out 64B, bursts of 32", fam);
  add(R, name, burst, "ns", fl, what);
  snprintf(name, sizeof(name), "est_burst_%s_ns", tag);
  const fig *v4 = find_fig(R, name);
  if (!nat64 && v4 != NULL && v4->value > 0) {
    snprintf(name, sizeof(name), "est6_burst_over_ipv4_%s", tag);
    add(R, name, burst / v4->value, "ratio", NULL,
        "IPv6 burst / IPv4 burst (est_burst), same size");
  }
  table_free(&t6);
}

/* ---- NAT64: established IPv6 UDP translated to IPv4 --------------------
 *
 * Flow f of a NAT64 table: inside host 2001:db8:1::<e> (e = f / 16) port
 * 40000 to 64:ff9b::<REM_BASE + d> (d = f % 16: the IPv4 remotes of the
 * NAT44 tables, RFC 6052 well-known prefix, PINHOLE_NAT64_LAB) port
 * REM_PORT; one NAT64 rule
 * to the pool POOL_LO.. (NPUB addresses); max_flows = max_conns6 = N.
 * Each packet leaves as a 44-byte IPv4 packet from the pool.
 */

/* A 64-byte IPv6 UDP packet of flow (e, d) to the remote's synthesized
 * address, checksums right. */
static void build64(uint8_t *b, uint32_t e, uint32_t d) {
  build6(b, e, d);
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  memcpy(b + 24, wkp, 12);
  put32(b + 36, REM_BASE + d);
  pinhole_pkt6_view v;
  if (pinhole_pkt6_parse(b, 64, &v) != 0 || pinhole_pkt6_fix_cksums(b, &v) < 0)
    die("NAT64 packet builder");
}

/* The pool, the well-known prefix (LAB: it may embed the benchmark range
 * 198.18/15) and rule r made a NAT64 rule to them; 0 when done. */
static int nat64_rule(pinhole_ctx *ctx, pinhole_rule *r) {
  pinhole_pool pool;
  memset(&pool, 0, sizeof(pool));
  pool.size = sizeof(pool);
  pool.addr_lo = POOL_LO;
  pool.addr_hi = POOL_LO + NPUB - 1;
  int pid = pinhole_pool_add(ctx, &pool);
  static const uint8_t wkp[16] = PINHOLE_NAT64_WKP;
  if (pid < 0 || pinhole_nat64_prefix_add(ctx, wkp, 96, PINHOLE_NAT64_LAB) != 0)
    return -1;
  snprintf(r->name, sizeof(r->name), "nat64");
  r->nat = PINHOLE_NAT_SOURCE;
  r->pool = pid;
  memcpy(r->dst6, wkp, 16);
  r->dst_plen = 96;
  return 0;
}

/* After the timed pass: the round's first packets, one by one, leave as
 * valid 44-byte IPv4 packets from the pool to their IPv4 remote. */
static void est64_check(table *t, workload *w) {
  if (!w->first)
    return;
  uint8_t b[SLOT_SIZE];
  size_t n = w->n < 65536 ? w->n : 65536;
  for (size_t i = 0; i < n; i++) {
    memcpy(b, w->hdr + i * HDR, HDR);
    pinhole_pkt p = {b, 64, SLOT_SIZE};
    pinhole_pkt_view v;
    if (pinhole_process(t->ctx, &p, PINHOLE_SIDE_INSIDE, t->now) !=
            PINHOLE_VERDICT_FORWARD ||
        p.len != 44 || pinhole_pkt_parse(b, p.len, &v) != 0 ||
        v.src - POOL_LO >= NPUB || v.dst != get32(w->hdr + i * HDR + 36))
      die("NAT64: an established packet was not translated");
  }
}

/* Inbound packets that match no flow (random public port, unknown peer). */
static void miss_fresh(table *t, workload *w) {
  uint8_t b[SLOT_SIZE];
  for (size_t i = 0; i < w->n; i++) {
    uint32_t pa = POOL_LO + (uint32_t)rng_below(&w->rng, NPUB);
    uint16_t pp = (uint16_t)(1024 + rng_below(&w->rng, 64512));
    uint32_t ra = MISS_BASE + (uint32_t)rng_below(&w->rng, 200);
    build(b, 64, t->proto, ra, 7777, pa, pp,
          t->proto == PINHOLE_IPPROTO_TCP ? PINHOLE_TCP_ACK : 0, 1);
    memcpy(w->hdr + i * HDR, b, HDR);
  }
}

static void run_miss(table *t, ring *r, uint8_t *hdr, const opts *o,
                     const floor_res *fl, results *R) {
  workload w =
      wl_make(hdr, npkts_for(t->n, o), 64, PINHOLE_SIDE_OUTSIDE, CHK_DROP);
  double copy;
  double single =
      timed(t, r, &w, M_SINGLE, o, &copy, miss_fresh, NULL, MISS_SEED);
  double burst =
      timed(t, r, &w, M_BURST, o, &copy, miss_fresh, NULL, MISS_SEED);
  char name[48];
  snprintf(name, sizeof(name), "miss_single_%s_ns", size_tag(t->n));
  add(R, name, single, "ns", fl, "inbound, no flow, one per call");
  snprintf(name, sizeof(name), "miss_burst_%s_ns", size_tag(t->n));
  add(R, name, burst, "ns", fl, "inbound, no flow, bursts of 32");
}

/* New TCP connections through NAPT (new inside endpoint: a mapping and a
 * port allocation each; new destination). Half one per call, half in
 * bursts. Each packet is processed once. */
static void run_new(table *t, ring *r, uint8_t *hdr, uint32_t k,
                    const floor_res *fl, results *R) {
  uint8_t b[SLOT_SIZE];
  k -= k % (2 * SLOTS);
  for (uint32_t i = 0; i < k; i++) {
    uint32_t e = t->nendp + i;
    build(b, 40, t->proto, in_addr(t->ebase + e), in_port(t->ebase + e),
          NEW_BASE + i % DESTS, REM_PORT,
          t->proto == PINHOLE_IPPROTO_TCP ? PINHOLE_TCP_SYN : (uint8_t)0, 1);
    memcpy(hdr + (size_t)i * HDR, b, HDR);
  }
  uint64_t ev0 = t->acct.events;
  workload w = wl_make(hdr, k / 2, 40, PINHOLE_SIDE_INSIDE, CHK_OUT);
  double copy = pass(t, r, &w, M_COPY, NULL);
  double single = pass(t, r, &w, M_SINGLE, NULL) - copy;
  workload w2 = wl_make(hdr + (size_t)(k / 2) * HDR, k / 2, 40,
                        PINHOLE_SIDE_INSIDE, CHK_OUT);
  double burst = pass(t, r, &w2, M_BURST, NULL) - copy;
  /* the host took the events of every new connection (rule accept, flow
   * created, mapping created: at least one each) */
  if (t->acct.events - ev0 < k)
    die("new flows: the host was not given their events");
  pinhole_usage u;
  u.size = sizeof(u);
  pinhole_usage_get(t->ctx, &u);
  if (u.flows != t->n + k)
    die("new flows: not all created");
  char name[48];
  snprintf(name, sizeof(name), "new_flow_%s_ns", size_tag(t->n));
  add(R, name, single, "ns", fl, "new TCP flow via NAPT, one per call");
  snprintf(name, sizeof(name), "new_flow_burst_%s_ns", size_tag(t->n));
  add(R, name, burst, "ns", fl, "new TCP flow via NAPT, bursts of 32");
  if (fl->newb > 0) { /* what bounds it: its lines without the library */
    snprintf(name, sizeof(name), "floor_new_burst_%s_ns", size_tag(t->n));
    add(R, name, fl->newb, "ns", NULL,
        "a new flow's lines in bursts, no library code (floor_new_burst)");
    snprintf(name, sizeof(name), "new_flow_burst_%s_per_floor_new",
             size_tag(t->n));
    add(R, name, burst / fl->newb, "x", NULL,
        "new flow in bursts / floor_new_burst: 1 is the memory's bound");
  }
  /* one per call is bounded below by the miss and one wave after it */
  snprintf(name, sizeof(name), "new_flow_%s_over_wave", size_tag(t->n));
  add(R, name, single / fl->wave, "ratio", NULL,
      "one per call / floor_wave (its memory bound)");
  snprintf(name, sizeof(name), "new_flow_%s_beyond_wave_ns", size_tag(t->n));
  add(R, name, single - fl->wave, "ns", NULL,
      "one per call minus floor_wave (instructions, stalls)");
}

/* One packet of flow (e, d) from the inside, now; it must be forwarded. */
static void flow_touch(table *t, uint32_t e, uint32_t d, uint8_t *b,
                       const char *what) {
  build(b, 40, t->proto, in_addr(t->ebase + e), in_port(t->ebase + e),
        REM_BASE + d, REM_PORT, 0, 1000);
  if (process1(t, b, 40, PINHOLE_SIDE_INSIDE) != PINHOLE_VERDICT_FORWARD)
    die(what);
}

/* Runs the wheel up to t->now (calls again while it returns the budget,
 * boundedly); returns the live flows after. */
static uint64_t tick_to_now(table *t) {
  uint64_t calls = 0;
  while (pinhole_tick(t->ctx, t->now) == PINHOLE_TICK_BUDGET &&
         ++calls < 16 + 4 * (uint64_t)t->n)
    ;
  pinhole_usage u;
  u.size = sizeof(u);
  pinhole_usage_get(t->ctx, &u);
  return u.flows;
}

/* A long-running gateway's timers: each flow sends one more packet at a
 * time drawn from its number over T0 + 10 s .. T0 + 290 s (16384 steps,
 * about a tick each), then the wheel runs past the flows' first deadline
 * (T0 + 300 s) and re-arms each for its packet. Each tick's due list then
 * holds ~n / 16384 flows of slots spread over the whole table. */
static void table_spread(table *t) {
  enum { K = 16384 };
  uint32_t *cnt = calloc(K + 1, sizeof(uint32_t));
  uint32_t *order = malloc((size_t)t->n * sizeof(uint32_t));
  if (cnt == NULL || order == NULL)
    die("out of memory");
  for (uint32_t f = 0; f < t->n; f++) {
    uint32_t x = f * 0x9E3779B1u;
    cnt[((x ^ (x >> 15)) % K) + 1]++;
  }
  for (uint32_t k = 0; k < K; k++)
    cnt[k + 1] += cnt[k];
  for (uint32_t f = 0; f < t->n; f++) {
    uint32_t x = f * 0x9E3779B1u;
    order[cnt[(x ^ (x >> 15)) % K]++] = f;
  }
  uint8_t b[SLOT_SIZE];
  uint64_t step = 280 * SEC / K;
  uint32_t k = 0;
  for (uint32_t j = 0; j < t->n; j++) {
    uint32_t f = order[j], x = f * 0x9E3779B1u;
    while (k < (x ^ (x >> 15)) % K)
      k++;
    t->now = T0 + 10 * SEC + k * step;
    flow_touch(t, f / DESTS, f % DESTS, b, "spread: packet refused");
  }
  free(cnt);
  free(order);
  t->now = T0 + 301 * SEC;
  if (tick_to_now(t) != t->n)
    die("spread: a flow expired before its time");
}

/* ---- expiry's floor: floor_expire ------------------------------------- */

/* floor_expire_<size>_ns (floor_expire_spread_<size>_ns with --spread):
 * the memory work of expiring one flow of the bench's UDP table, done
 * with no library code, over a region as large as the context at that
 * size (ctx_bytes), in the order the expiry visits the slots and with
 * the wheel run's look-ahead (timer/cwheel_run.h). What it models, line
 * by line, of one expired flow (flows.c ph_conn_fire, ph_conn_free_keyed;
 * BENCHMARKS.md "expire8" has the count, from the code and from
 * callgrind's cache simulation):
 *
 * - the due entries' indices read in order from an array (the wheel's
 *   blocks: 4 bytes an entry, sequential);
 * - when no more than FX_AHEAD (PH_CWHEEL_AHEAD) entries are popped
 *   beyond the one to fire, the rest of the block of FX_PER
 *   (PH_CWHEEL_PER) entries it is in popped at once, as the wheel's run
 *   pops its due list's head block (the blocks cut from the order every
 *   FX_PER entries: a tick's list's partial last block is not modelled),
 *   so an entry is popped FX_AHEAD to FX_AHEAD + FX_PER - 1 before it
 *   fires; at its pop a prefetch of its hot line (64 bytes at index * 64)
 *   and, for writing, of its cold part (24 bytes at index * 24: both its
 *   ends), as stage 0 does;
 * - FX_AHEAD1 (PH_CWHEEL_AHEAD1) before: the hot line read (its key:
 *   the addresses of the flow's two flow-table lines, and its mapping's
 *   public chain line) and the cold part (its live-list neighbours),
 *   each of those five lines prefetched, and the line after each of
 *   the two flow-table lines (a far removal's), as stage 1 does;
 * - at its turn: the hot line's check; the two flow-table lines each read
 *   and a word of each cleared; the public chain's head read, then the
 *   mapping it names read and its count dropped (a dependent line that
 *   nothing prefetched, as in ph_map_put_bucket); when the count reaches
 *   0 (one flow in DESTS) the head cleared and three more random lines
 *   read and written, unprefetched (the mapping's release: its inside
 *   chain, host and port bitmap); the two neighbours' links written; the
 *   hot line and the cold part cleared (64 + 24 bytes of stores); the
 *   free list's head and the deletion record (8 bytes into a 512-entry
 *   ring) written.
 *
 * Honest, not flattering: every line the expiry demands is demanded
 * here, in the same order of dependence (what the index gives at once,
 * what needs the hot line, what needs the public chain's head), with the
 * same distances, and every line the expiry dirties is dirtied (the
 * write-backs are paid). The regions: the hot lines and cold parts at
 * their sizes and places (so slot order is as sequential here as there,
 * and a spread order as scattered), the mappings' records (28 bytes, one
 * for DESTS flows), the flow table's lines and the public chains' heads
 * at the sizes a context of the same configuration gives them (so that
 * the caches keep as much of each as of the library's), and the rest of
 * the context's bytes, over which the release's lines fall at random.
 * Not damning: nothing else (no hash but a multiply, no signature match,
 * no timer, no events, no counters but one). What it leaves out: the
 * wheel's blocks (4 bytes an entry here too, but one array), the
 * slot order's cascades (whole blocks handed over), the far removals
 * beyond the next line; under 0.2 lines a flow in all. So the
 * expiry's time over this floor is its instructions' share; near 1 it is
 * bound by the memory. With --expire it is measured before the table is
 * built and again after it is freed (never both in memory at once), and
 * the mean is printed: a shared machine's load falls on both alike. */
#define FX_AHEAD PH_CWHEEL_AHEAD
#define FX_AHEAD1 PH_CWHEEL_AHEAD1
#define FX_PER PH_CWHEEL_PER
#define FX_RING PH_CWHEEL_RING /* stage 1's addresses, by entry */
#define FX_SYNC 512
#define FX_MAP 28 /* a mapping's bytes (ph_mapping) */
#define FX_COLD 24
/* A key's removal that shifts past its home line: FX_FAR in 64 (the
 * library's 0.29 lines a flow, callgrind); a mapping's release: its
 * lines (~2.2, callgrind) */
#define FX_FAR 9
#define FX_RELEASE 2
/* --spread: the flows a cascade from level 1 and from level 2 re-files
 * (64 and 64 x 64 ticks of ~64 flows each at 1M, table_spread), and the
 * length of the list a cascade fills (its blocks are reused) */
#define FX_LEVEL1 4096u
#define FX_LEVEL2 262144u
#define FX_LIST 4096u

typedef struct fx_hot {
  uint64_t key; /* the flow's tuple, as far as its addresses go */
  uint32_t map; /* its mapping */
  uint32_t live;
  uint8_t rest[48];
} fx_hot;

typedef struct fx_cold {
  uint32_t prev, next; /* the live list (index + 1; 0: none) */
  uint32_t id;
  uint32_t flags;
  uint64_t timer;
} fx_cold;

_Static_assert(sizeof(fx_hot) == 64, "a hot line");
_Static_assert(sizeof(fx_cold) == FX_COLD, "a cold part");

typedef struct fx_mem {
  uint8_t *mem;
  size_t bytes;
  fx_hot *hot;
  uint8_t *cold; /* FX_COLD bytes a flow: may cross lines */
  uint8_t *maps; /* FX_MAP bytes a mapping */
  uint8_t *ft;   /* the flow table's lines (ft_lines) */
  uint8_t *ph;   /* the public chains' heads (ph_lines lines) */
  uint8_t *rest; /* the context's other bytes (rest_lines lines) */
  size_t ft_lines, ph_lines, rest_lines;
  uint32_t *order; /* the slots in expiry order */
  uint32_t *blk;   /* a cascade's lower list (FX_LIST entries) */
  uint32_t n, nmaps;
  int spread; /* the timers re-armed far: cascades touch them twice */
} fx_mem;

static inline fx_cold *fx_cold_at(const fx_mem *m, uint32_t i) {
  return (fx_cold *)(void *)(m->cold + (size_t)i * FX_COLD);
}

/* The line of a 64-bit hash among the lines lines at base. */
static inline uint8_t *fx_line(uint8_t *base, size_t lines, uint64_t h) {
  return base + (((h >> 32) * lines) >> 32) * 64;
}

static inline uint64_t fx_mix(uint64_t x, uint64_t k) {
  x *= k;
  return x ^ (x >> 29);
}

/* The state before a pass: every flow live, in the live list in slot
 * order, each mapping counting its DESTS flows, its public chain's head
 * naming it. */
static void fx_reset(fx_mem *m) {
  uint64_t s = 99;
  for (uint32_t i = 0; i < m->n; i++) {
    fx_hot *h = &m->hot[i];
    memset(h, 0, sizeof(*h));
    h->key = rng_next(&s);
    h->map = i / DESTS;
    h->live = 1;
    fx_cold *k = fx_cold_at(m, i);
    k->prev = i;                        /* i - 1, plus one */
    k->next = i + 1 < m->n ? i + 2 : 0; /* i + 1, plus one */
    k->id = i + 1;
    k->flags = 1;
    k->timer = i;
  }
  for (uint32_t g = 0; g < m->nmaps; g++) {
    uint32_t refs = g + 1 < m->nmaps ? DESTS : m->n - g * DESTS;
    memcpy(m->maps + (size_t)g * FX_MAP, &refs, sizeof(refs));
    uint32_t head = g + 1;
    memcpy(fx_line(m->ph, m->ph_lines, fx_mix(g + 1, 0xD6E8FEB86659FD93ull)) +
               (g & 15) * 4,
           &head, sizeof(head));
  }
}

/* --spread: a cascade of the wheel re-files the count entries from
 * order[from] on (in the order they will fire): each one's timer (its
 * cold part) read and written, its index added to a list; prefetched
 * FX_AHEAD entries ahead, as pinhole__cwheel_cascade does. */
static void fx_cascade(fx_mem *m, uint32_t from, uint32_t count) {
  uint32_t end = from + count < m->n ? from + count : m->n;
  for (uint32_t i = from; i < end + FX_AHEAD; i++) {
    if (i < end)
      __builtin_prefetch(m->cold + (size_t)m->order[i] * FX_COLD + 16, 1);
    if (i < from + FX_AHEAD)
      continue;
    uint32_t j = m->order[i - FX_AHEAD];
    fx_cold *k = fx_cold_at(m, j);
    k->timer += 1;
    m->blk[(i - FX_AHEAD - from) % FX_LIST] = j;
  }
}

/* One pass: every flow expired; ns a flow (not inline: callgrind's
 * --toggle-collect=fx_pass sees its lines). */
__attribute__((noinline)) static double fx_pass(fx_mem *m) {
  uint8_t *addr[FX_RING][5]; /* stage 1's lines: two ft, chain, prev, next */
  uint32_t free_head = 0, sync_head = 0, expired = 0;
  uint64_t acc = 0; /* what the removals read (kept: the loads stay) */
  uint64_t sync_ring[FX_SYNC];
  const uint32_t n = m->n;
  const uint32_t *order = m->order;
  uint32_t popped = 0; /* entries popped (stage 0 done) */
  uint64_t t0 = now_ns();
  for (uint32_t f = 0; f < n; f++) {
    uint32_t j = order[f];               /* its turn */
    if (m->spread && f % FX_LEVEL2 == 0) /* the two cascades before */
      fx_cascade(m, f, FX_LEVEL2);
    if (m->spread && f % FX_LEVEL1 == 0)
      fx_cascade(m, f, FX_LEVEL1);
    while (popped - f <= FX_AHEAD && popped < n) { /* a block's rest */
      uint32_t end = (popped / FX_PER + 1) * FX_PER;
      for (end = end < n ? end : n; popped < end; popped++) { /* stage 0 */
        uint32_t e = order[popped];
        __builtin_prefetch(&m->hot[e]);
        __builtin_prefetch(m->cold + (size_t)e * FX_COLD, 1);
        __builtin_prefetch(m->cold + (size_t)e * FX_COLD + FX_COLD - 1, 1);
      }
    }
    /* stage 1 of the entry FX_AHEAD1 on (at first, of all up to it) */
    for (uint32_t s1 = f == 0 ? 0 : f + FX_AHEAD1; s1 <= f + FX_AHEAD1; s1++) {
      if (s1 >= n)
        break;
      uint32_t e = order[s1];
      const fx_hot *h = &m->hot[e];
      const fx_cold *k = fx_cold_at(m, e);
      uint8_t **a = addr[s1 % FX_RING];
      a[0] = fx_line(m->ft, m->ft_lines, fx_mix(h->key, 0x9E3779B97F4A7C15ull));
      a[1] = fx_line(m->ft, m->ft_lines, fx_mix(h->key, 0xC2B2AE3D27D4EB4Full));
      a[2] = fx_line(m->ph, m->ph_lines,
                     fx_mix(h->map + 1, 0xD6E8FEB86659FD93ull)) +
             (h->map & 15) * 4;
      a[3] = k->prev ? (uint8_t *)fx_cold_at(m, k->prev - 1) : NULL;
      a[4] = k->next ? (uint8_t *)fx_cold_at(m, k->next - 1) : NULL;
      for (int x = 0; x < 5; x++)
        __builtin_prefetch(a[x], 1);
      __builtin_prefetch(a[0] + 64); /* the lines after, for a far removal */
      __builtin_prefetch(a[1] + 64);
    }
    fx_hot *h = &m->hot[j];
    fx_cold *k = fx_cold_at(m, j);
    if (!h->live)
      die("floor_expire: a flow twice");
    uint8_t **a = addr[f % FX_RING];
    for (int x = 0; x < 2; x++) { /* the two keys' removal: read first */
      uint64_t w;
      memcpy(&w, a[x] + (h->key >> (x ? 40 : 8) & 7) * 8, sizeof(w));
      acc += w;
      w &= ~(uint64_t)0xFFFF;
      memcpy(a[x] + (h->key >> (x ? 40 : 8) & 7) * 8, &w, sizeof(w));
      if ((h->key >> (x ? 48 : 16) & 63) < FX_FAR) /* a far removal */
        a[x][64 + (h->key >> 56) % 64] ^= 1;
    }
    uint32_t g; /* the public chain's head, then its mapping */
    memcpy(&g, a[2], sizeof(g));
    if (g != 0 && g <= m->nmaps) { /* (another's word may be there) */
      uint8_t *mp = m->maps + (size_t)(g - 1) * FX_MAP;
      uint32_t refs;
      memcpy(&refs, mp, sizeof(refs));
      refs--;
      memcpy(mp, &refs, sizeof(refs));
      if (refs == 0) { /* released: the chain's head, three more lines */
        uint32_t z = 0;
        memcpy(a[2], &z, sizeof(z));
        for (uint64_t r = 1; r <= FX_RELEASE; r++) {
          uint8_t *l = fx_line(m->rest, m->rest_lines,
                               fx_mix(g * 4 + r, 0xFF51AFD7ED558CCDull));
          l[r * 8] ^= (uint8_t)g;
        }
      }
    }
    if (k->prev) /* the live list's unlink */
      fx_cold_at(m, k->prev - 1)->next = k->next;
    if (k->next)
      fx_cold_at(m, k->next - 1)->prev = k->prev;
    uint32_t id = k->id;
    memset(h, 0, sizeof(*h));
    memset(k, 0, sizeof(*k));
    k->next = free_head;
    free_head = j + 1;
    sync_ring[sync_head] = (uint64_t)id << 32 | f;
    sync_head = (sync_head + 1) % FX_SYNC;
    expired++;
  }
  uint64_t t1 = now_ns();
  if (acc == 1)
    printf("#");
  if (expired != n || free_head == 0 ||
      sync_ring[(sync_head + FX_SYNC - 1) % FX_SYNC] >> 32 == 0)
    die("floor_expire: not every flow");
  return (double)(t1 - t0) / (double)n;
}

/* The sizes of a bench context's flow table, public chain heads and
 * mapping table for max_flows, and its bytes (from its allocator). */
static size_t ctx_regions(uint32_t max_flows, size_t *ft, size_t *ph,
                          size_t *maps) {
  pinhole_config cfg;
  cfg_bench(&cfg, max_flows, NULL);
  host_acct a = {0, 0};
  pinhole_ctx *ctx = ctx_alloc(&cfg, &a, 0);
  *ft = (size_t)ctx->ft.nbuckets * sizeof(ph_ft_bucket);
  *ph = (size_t)ctx->map_nb * sizeof(ph_ref);
  *maps = (size_t)ctx->cfg.max_mappings * sizeof(ph_mapping);
  size_t bytes = a.bytes;
  pinhole_ctx_del(ctx);
  return bytes;
}

static size_t fx_round(size_t b) {
  return (b + 63) & ~(size_t)63;
}

/* The floor over a context's bytes for n flows (its flow table, chain
 * heads and mappings at their sizes), in slot order or (spread) the order
 * table_spread leaves the due flows in. */
static double floor_expire(uint32_t n, int spread, int quick) {
  fx_mem m;
  memset(&m, 0, sizeof(m));
  m.n = n;
  m.spread = spread;
  m.nmaps = (n + DESTS - 1) / DESTS;
  size_t ft, ph, maps;
  size_t bytes = ctx_regions(n, &ft, &ph, &maps);
  if (maps < (size_t)m.nmaps * FX_MAP)
    maps = (size_t)m.nmaps * FX_MAP;
  size_t fixed = (size_t)n * 64 + fx_round((size_t)n * FX_COLD) +
                 fx_round(maps) + fx_round(ft) + 64 + fx_round(ph);
  m.bytes = bytes > fixed + 64 * 64 ? bytes : fixed + 64 * 64;
  m.mem = huge_alloc(m.bytes, NULL);
  m.order = malloc((size_t)n * sizeof(uint32_t));
  m.blk = malloc(FX_LIST * sizeof(uint32_t));
  if (m.mem == NULL || m.order == NULL || m.blk == NULL)
    die("floor_expire: out of memory");
  memset(m.mem, 0, m.bytes); /* every page faulted in before timing */
  m.hot = (fx_hot *)(void *)m.mem;
  m.cold = m.mem + (size_t)n * 64;
  m.maps = m.cold + fx_round((size_t)n * FX_COLD);
  m.ft = m.maps + fx_round(maps);
  m.ft_lines = fx_round(ft) / 64; /* (a far removal reads the next line) */
  m.ph = m.ft + fx_round(ft) + 64;
  m.ph_lines = fx_round(ph) / 64;
  m.rest = m.mem + fixed;
  m.rest_lines = (m.bytes - fixed) / 64;
  if (!spread) {
    for (uint32_t i = 0; i < n; i++)
      m.order[i] = i;
  } else { /* table_spread's order: by the flow's step, then its number */
    enum { K = 16384 };
    uint32_t *cnt = calloc(K + 1, sizeof(uint32_t));
    if (cnt == NULL)
      die("floor_expire: out of memory");
    for (uint32_t f = 0; f < n; f++) {
      uint32_t x = f * 0x9E3779B1u;
      cnt[((x ^ (x >> 15)) % K) + 1]++;
    }
    for (uint32_t k = 0; k < K; k++)
      cnt[k + 1] += cnt[k];
    for (uint32_t f = 0; f < n; f++) {
      uint32_t x = f * 0x9E3779B1u;
      m.order[cnt[(x ^ (x >> 15)) % K]++] = f;
    }
    free(cnt);
  }
  int rounds = quick ? 1 : n < 65536 ? 15 : 3; /* a small pass is short */
  double v[15];
  for (int r = 0; r < rounds; r++) {
    fx_reset(&m);
    v[r] = fx_pass(&m);
  }
  free(m.order);
  free(m.blk);
  huge_free(m.mem, m.bytes, NULL);
  return median(v, (size_t)rounds);
}

/* ---- a new flow's floor in bursts: floor_new_burst --------------------- */

/* floor_new_burst_<size>_ns: the memory work of making one new TCP flow
 * through NAPT in bursts of 32 (the --new bench's second half), done with
 * no library code, over a region as large as the context at that size
 * (ctx_bytes), with the burst's look-ahead passes (core/process.c
 * pinhole_process_burst, ph_hint_conn, ph_hint_more; BENCHMARKS.md
 * "new10" has the list). What it models of one new flow:
 *
 * - pass 1 (a chunk of 32): side A's flow-table line asked for;
 * - pass 2: that line read (no candidate); when it counts an overflow
 *   (FN_FAR in 64) the line after it asked for; the inside chain's head
 *   asked for;
 * - pass 3: the head read, and the mapping it names, if any, read (the
 *   chain's walk: a dependent line); the port bitmap's word read; the
 *   public chain's head, side B's flow-table line, the free connection
 *   slot's hot line and cold part asked for;
 * - its turn: the port's bit set; the new mapping record (28 bytes, the
 *   next of the free list) written and filed at both chains' heads; side
 *   A's key written in its line (or the next one) and side B's in its
 *   line (or, FN_FAR in 64, the next one, not asked for: a dependent
 *   miss); the hot line, cold part and TCP windows (24 bytes, not asked
 *   for: the library does not either) cleared and filled; the previous
 *   new flow's cold part linked to it (the conversation list's tail);
 *   its timer's index appended to the wheel's block.
 *
 * Not modelled: the packets' own lines (the bench subtracts their copy),
 * the rule (cached), the events and the host's callback, the random
 * draws, hashes (a multiply here) and checks. So the library's time over
 * this floor is its instructions' and its stalls' share; near 1 the
 * memory bounds it. */
#define FN_CHUNK 32u
#define FN_FAR 24 /* of 64: an insert past home (~37 % at the 80 % load) */
#define FN_MAP 28
#define FN_COLD 24
#define FN_TCPW 24
#define FN_PORTS 65536u

typedef struct fn_mem {
  uint8_t *mem;
  size_t bytes;
  uint8_t *hot, *cold, *tcpw, *maps, *ft, *ph, *ih, *bits;
  size_t ft_lines, ph_lines;
  uint32_t *wheel;
  uint32_t n, k, nmaps; /* live flows, new flows a pass, mappings live */
} fn_mem;

/* The inside chains' heads as n / DESTS mappings leave them. */
static void fn_reset(fn_mem *m) {
  memset(m->ih, 0, m->ph_lines * 64);
  uint64_t s = 7;
  for (uint32_t g = 1; g <= m->nmaps; g++) {
    uint64_t h = rng_next(&s);
    memcpy(fx_line(m->ih, m->ph_lines, h) + (h & 15) * 4, &g, sizeof(g));
  }
}

/* One pass: k new flows in chunks of FN_CHUNK; ns a flow (not inline:
 * callgrind's --toggle-collect=fn_pass sees its lines). */
__attribute__((noinline)) static double fn_pass(fn_mem *m, uint64_t seed) {
  uint64_t key[FN_CHUNK];
  uint8_t *fa[FN_CHUNK], *ih[FN_CHUNK], *fb[FN_CHUNK], *pp[FN_CHUNK];
  uint32_t head[FN_CHUNK], port[FN_CHUNK];
  uint64_t acc = 0, s = seed;
  uint32_t slot = m->n, map = m->nmaps + 1, tail = m->n - 1, wi = 0;
  uint64_t t0 = now_ns();
  for (uint32_t base = 0; base < m->k; base += FN_CHUNK) {
    uint32_t c = m->k - base < FN_CHUNK ? m->k - base : FN_CHUNK;
    for (uint32_t i = 0; i < c; i++) { /* pass 1 */
      key[i] = rng_next(&s);
      fa[i] =
          fx_line(m->ft, m->ft_lines, fx_mix(key[i], 0x9E3779B97F4A7C15ull));
      __builtin_prefetch(fa[i]);
    }
    for (uint32_t i = 0; i < c; i++) { /* pass 2 */
      uint64_t w;
      memcpy(&w, fa[i] + (key[i] & 7) * 8, sizeof(w));
      acc += w;
      if ((key[i] >> 8 & 63) < FN_FAR)
        __builtin_prefetch(fa[i] + 64);
      uint64_t h = fx_mix(key[i], 0xC2B2AE3D27D4EB4Full);
      ih[i] = fx_line(m->ih, m->ph_lines, h) + (h & 15) * 4;
      __builtin_prefetch(ih[i]);
    }
    for (uint32_t i = 0; i < c; i++) { /* pass 3 */
      uint32_t g;
      memcpy(&g, ih[i], sizeof(g));
      head[i] = g;
      if (g != 0 && g <= m->nmaps) { /* the walk: the record it names */
        uint32_t x;
        memcpy(&x, m->maps + (size_t)(g - 1) * FN_MAP + 4, sizeof(x));
        acc += x;
      }
      port[i] = (uint32_t)(key[i] >> 16) % (NPUB * FN_PORTS);
      uint64_t bw;
      memcpy(&bw, m->bits + (port[i] >> 6) * 8, sizeof(bw));
      acc += bw;
      uint64_t hp = fx_mix(port[i] + 1, 0xD6E8FEB86659FD93ull);
      pp[i] = fx_line(m->ph, m->ph_lines, hp) + (hp & 15) * 4;
      fb[i] =
          fx_line(m->ft, m->ft_lines, fx_mix(key[i], 0xFF51AFD7ED558CCDull));
      __builtin_prefetch(pp[i]);
      __builtin_prefetch(fb[i]);
      __builtin_prefetch(m->hot + (size_t)(slot + i) * 64);
      __builtin_prefetch(m->cold + (size_t)(slot + i) * FN_COLD);
      __builtin_prefetch(m->cold + (size_t)(slot + i) * FN_COLD + FN_COLD - 1);
    }
    for (uint32_t i = 0; i < c; i++, slot++, map++) { /* the turns */
      uint64_t bw;
      memcpy(&bw, m->bits + (port[i] >> 6) * 8, sizeof(bw));
      bw |= UINT64_C(1) << (port[i] & 63);
      memcpy(m->bits + (port[i] >> 6) * 8, &bw, sizeof(bw));
      uint8_t *mp = m->maps + (size_t)(map - 1) * FN_MAP;
      uint32_t pnext;
      memcpy(&pnext, pp[i], sizeof(pnext));
      uint32_t rec[7] = {(uint32_t)key[i], port[i], head[i], pnext, slot, 1, 0};
      memcpy(mp, rec, FN_MAP);
      memcpy(ih[i], &map, sizeof(map));
      memcpy(pp[i], &map, sizeof(map));
      uint32_t a = slot << 1, b = slot << 1 | 1;
      uint8_t *la = (key[i] >> 8 & 63) < FN_FAR ? fa[i] + 64 : fa[i];
      uint8_t *lb = (key[i] >> 24 & 63) < FN_FAR ? fb[i] + 64 : fb[i];
      memcpy(la + 32 + (key[i] >> 40 & 7) * 4, &a, sizeof(a));
      memcpy(lb + 32 + (key[i] >> 44 & 7) * 4, &b, sizeof(b));
      uint8_t *h = m->hot + (size_t)slot * 64;
      memset(h, 0, 64);
      memcpy(h, &key[i], sizeof(key[i]));
      memcpy(h + 12, &key[i], sizeof(key[i]));
      uint8_t *k = m->cold + (size_t)slot * FN_COLD;
      memset(k, 0, FN_COLD);
      memcpy(k, &tail, sizeof(tail));
      memcpy(k + 16, &map, sizeof(map));
      memset(m->tcpw + (size_t)slot * FN_TCPW, 0, FN_TCPW);
      memcpy(m->cold + (size_t)tail * FN_COLD + 4, &slot, sizeof(slot));
      tail = slot;
      m->wheel[wi++ % 4096] = slot;
    }
  }
  uint64_t t1 = now_ns();
  if (acc == 1)
    printf("#");
  return (double)(t1 - t0) / (double)m->k;
}

/* The floor for k new flows into a context of n live ones (its flow
 * table, chain heads and mappings at their sizes); the median of three
 * passes (one with quick), each over the same slots. */
static double floor_new_burst(uint32_t n, uint32_t k, int quick) {
  fn_mem m;
  memset(&m, 0, sizeof(m));
  m.n = n;
  m.k = k;
  m.nmaps = n / DESTS;
  size_t ft, ph, maps;
  size_t bytes = ctx_regions(n + k, &ft, &ph, &maps);
  size_t cap = (size_t)n + k;
  if (maps < (cap / DESTS + k) * FN_MAP)
    maps = (cap / DESTS + k) * FN_MAP;
  size_t bits = (size_t)NPUB * FN_PORTS / 8;
  size_t fixed = cap * 64 + fx_round(cap * FN_COLD) + fx_round(cap * FN_TCPW) +
                 fx_round(maps) + fx_round(ft) + 64 + 2 * fx_round(ph) + bits;
  m.bytes = bytes > fixed ? bytes : fixed;
  m.mem = huge_alloc(m.bytes, NULL);
  m.wheel = malloc(4096 * sizeof(uint32_t));
  if (m.mem == NULL || m.wheel == NULL)
    die("floor_new_burst: out of memory");
  memset(m.mem, 0, m.bytes); /* every page faulted in before timing */
  m.hot = m.mem;
  m.cold = m.hot + cap * 64;
  m.tcpw = m.cold + fx_round(cap * FN_COLD);
  m.maps = m.tcpw + fx_round(cap * FN_TCPW);
  m.ft = m.maps + fx_round(maps);
  m.ft_lines = fx_round(ft) / 64 - 1; /* (a far insert writes the next) */
  m.ph = m.ft + fx_round(ft) + 64;
  m.ph_lines = fx_round(ph) / 64;
  m.ih = m.ph + fx_round(ph);
  m.bits = m.ih + fx_round(ph);
  int rounds = quick ? 1 : 3;
  double v[3];
  for (int r = 0; r < rounds; r++) {
    fn_reset(&m);
    v[r] = fn_pass(&m, 1234 + (uint64_t)r);
  }
  free(m.wheel);
  huge_free(m.mem, m.bytes, NULL);
  return median(v, (size_t)rounds);
}

/* Expiry: every flow idle past its timeout; ns per expired flow. */
/* The floor_expire figures of n flows beside expiry's ns a flow. */
static void expire_floor_add(results *R, uint32_t n, int spread, double ns,
                             double floor) {
  const char *sp = spread ? "_spread" : "";
  char name[64];
  snprintf(name, sizeof(name), "floor_expire%s_%s_ns", sp, size_tag(n));
  add(R, name, floor, "ns", NULL,
      "expiry's lines, no library code (floor_expire)");
  snprintf(name, sizeof(name), "expire%s_%s_ns_per_floor_expire%s", sp,
           size_tag(n), sp);
  add(R, name, ns / floor, "x", NULL,
      "expiry / floor_expire: 1 is the memory's bound");
}

/* Expiry's figure (and, when fl has it, its floor's); its ns a flow. */
static double run_expire(table *t, const floor_res *fl, results *R,
                         int spread) {
  pinhole_usage u;
  u.size = sizeof(u);
  pinhole_usage_get(t->ctx, &u);
  uint32_t live = u.flows;
  uint64_t later = t->now + 8000 * SEC;
  uint64_t cnt[128];
  if (pinhole_stats(t->ctx, cnt, 128) <= PINHOLE_CNT_FLOWS_EXPIRED)
    die("pinhole_stats");
  uint64_t expired0 = cnt[PINHOLE_CNT_FLOWS_EXPIRED];
  uint64_t calls = 0, max_calls = 16 + 4 * (uint64_t)live;
  uint64_t t0 = now_ns();
  int x;
  do { /* the header's contract: call again while it returns the budget */
    x = pinhole_tick(t->ctx, later);
    if (x < 0)
      die("pinhole_tick");
  } while (x == PINHOLE_TICK_BUDGET && ++calls < max_calls);
  uint64_t t1 = now_ns();
  pinhole_usage_get(t->ctx, &u);
  pinhole_stats(t->ctx, cnt, 128);
  if (u.flows != 0 || cnt[PINHOLE_CNT_FLOWS_EXPIRED] - expired0 != live)
    die("expiry: flows left after the timeout");
  char name[48];
  snprintf(name, sizeof(name), spread ? "expire_spread_%s_ns" : "expire_%s_ns",
           size_tag(t->n));
  double ns = (double)(t1 - t0) / (double)live;
  add(R, name, ns, "ns", fl,
      spread ? "pinhole_tick, per expired flow, refreshed at random"
             : "pinhole_tick, per expired flow");
  if (fl->expire > 0) /* its own floor, measured before the table */
    expire_floor_add(R, t->n, spread, ns, fl->expire);
  return ns;
}

/* ---- churn: a gateway in steady state --------------------------------- */

/* The flow table's shape: how far its entries sit from their home line
 * (the low bits of each signature). A hit reads 1 + d lines. */
typedef struct ft_shape {
  double past_home; /* % of entries not in their home line */
  double lines_hit; /* mean lines a hit reads (1 + distance) */
  double far;       /* % at PH_FT_DFAR or further */
  double load;      /* entries / ways */
} ft_shape;

static ft_shape ft_shape_of(const pinhole_ctx *ctx) {
  const ph_flow_table *ft = &ctx->ft;
  uint64_t used = 0, past = 0, dsum = 0, far = 0;
  for (uint32_t i = 0; i < ft->nbuckets; i++)
    for (unsigned w = 0; w < PH_FT_WAYS; w++) {
      uint32_t sg = ft->b[i].sig[w];
      if (sg == 0)
        continue;
      uint32_t d = sg & PH_FT_DFAR;
      used++;
      past += d != 0;
      far += d == PH_FT_DFAR;
      dsum += d;
    }
  ft_shape sh;
  memset(&sh, 0, sizeof(sh));
  if (used > 0) {
    sh.past_home = 100.0 * (double)past / (double)used;
    sh.lines_hit = 1.0 + (double)dsum / (double)used;
    sh.far = 100.0 * (double)far / (double)used;
    sh.load = (double)used / ((double)ft->nbuckets * PH_FT_WAYS);
  }
  return sh;
}

static void shape_add(results *R, const char *when, const char *tag,
                      const ft_shape *sh) {
  char name[48], what[80];
  snprintf(name, sizeof(name), "ft_past_home_%s_%s", when, tag);
  snprintf(what, sizeof(what), "flow table entries past their home line, %s",
           when);
  add(R, name, sh->past_home, "%", NULL, what);
  snprintf(name, sizeof(name), "ft_lines_hit_%s_%s", when, tag);
  snprintf(what, sizeof(what), "lines a hit reads (1 + distance), %s", when);
  add(R, name, sh->lines_hit, "lines", NULL, what);
  snprintf(name, sizeof(name), "ft_far_%s_%s", when, tag);
  snprintf(what, sizeof(what), "entries %u or more lines from home, %s",
           PH_FT_DFAR, when);
  add(R, name, sh->far, "%", NULL, what);
}

/* One round of churn over table t (t->n flows, whole endpoints): the
 * oldest kv endpoints' flows go idle, the others each send a packet half
 * a timeout on, the wheel runs past the idle ones' timeout (their last
 * packet was at the round's start or before) and expires exactly them,
 * then kv new endpoints' flows open. The live flows stay the endpoints
 * [t->ebase, t->ebase + t->nendp). */
static void churn_round(table *t, uint32_t kv) {
  uint8_t b[SLOT_SIZE];
  uint64_t start = t->now;
  uint32_t nend = t->nendp;
  t->now = start + 150 * SEC;
  for (uint32_t e = kv; e < nend; e++)
    for (uint32_t d = 0; d < DESTS; d++)
      flow_touch(t, e, d, b, "churn: a live flow's packet refused");
  t->now = start + 310 * SEC;
  if (tick_to_now(t) != (uint64_t)(nend - kv) * DESTS)
    die("churn: not exactly the idle flows expired");
  memmove(t->pub_addr, t->pub_addr + kv, (nend - kv) * sizeof(uint32_t));
  memmove(t->pub_port, t->pub_port + kv, (nend - kv) * sizeof(uint16_t));
  t->ebase += kv;
  for (uint32_t f = (nend - kv) * DESTS; f < nend * DESTS; f++)
    flow_open(t, f, b);
  pinhole_usage u;
  u.size = sizeof(u);
  pinhole_usage_get(t->ctx, &u);
  if (u.flows != t->n)
    die("churn: wrong number of live flows");
}

/* Established UDP out 64 B over t: one per call and bursts (ns a packet). */
static void est_udp_out64(table *t, ring *r, uint8_t *hdr, const opts *o,
                          double *single, double *burst) {
  workload w =
      wl_make(hdr, npkts_for(t->n, o), 64, PINHOLE_SIDE_INSIDE, CHK_OUT);
  double copy;
  *single = timed(t, r, &w, M_SINGLE, o, &copy, est_fresh, est_check, EST_SEED);
  *burst = timed(t, r, &w, M_BURST, o, &copy, est_fresh, est_check, EST_SEED);
}

/* --churn: the UDP table of n flows at the load bound (as the full run
 * builds it), measured fresh; then 16 rounds of churn of n / 8 flows each
 * (the table turned over twice: every entry removed, the backward shift
 * run, and a new one filed, in random places), measured again. */
static void run_churn(uint32_t n, ring *r, uint8_t *hdr, const opts *o,
                      const floor_res *fl, results *R) {
  const char *tag = size_tag(n);
  table t;
  table_build(&t, n, 0, PINHOLE_IPPROTO_UDP, "");
  if (t.n % DESTS != 0)
    die("churn: the size must be a multiple of 16");
  ft_shape fresh = ft_shape_of(t.ctx), churned;
  shape_add(R, "fresh", tag, &fresh);
  double s0, b0, s1, b1;
  est_udp_out64(&t, r, hdr, o, &s0, &b0);
  uint32_t kv = t.nendp / 8 > 0 ? t.nendp / 8 : 1;
  uint64_t w0 = now_ns();
  for (int i = 0; i < 16; i++)
    churn_round(&t, kv);
  fprintf(stderr, "[%s] 16 rounds of churn (%u flows each) in %.2f s\n", tag,
          kv * DESTS, (double)(now_ns() - w0) / 1e9);
  churned = ft_shape_of(t.ctx);
  shape_add(R, "churned", tag, &churned);
  char name[48];
  snprintf(name, sizeof(name), "ft_load_churned_%s", tag);
  add(R, name, churned.load, "ratio", NULL, "entries / ways after the churn");
  est_udp_out64(&t, r, hdr, o, &s1, &b1);
  snprintf(name, sizeof(name), "est_burst_fresh_%s_ns", tag);
  add(R, name, b0, "ns", fl, "established UDP out 64 B, bursts, fresh table");
  snprintf(name, sizeof(name), "est_burst_churned_%s_ns", tag);
  add(R, name, b1, "ns", fl, "the same after the churn");
  snprintf(name, sizeof(name), "est_single_fresh_%s_ns", tag);
  add(R, name, s0, "ns", fl, "established UDP out 64 B, one per call, fresh");
  snprintf(name, sizeof(name), "est_single_churned_%s_ns", tag);
  add(R, name, s1, "ns", fl, "the same after the churn");
  snprintf(name, sizeof(name), "churned_over_fresh_burst_%s", tag);
  add(R, name, b1 / b0, "x", NULL, "bursts: churned / fresh (same run)");
  table_free(&t);
}

/* Memory per live flow: the bytes the context's allocator callback gave
 * out (host_acct), divided by its live connections. */
static void run_memory(table *t, results *R) {
  pinhole_usage u;
  u.size = sizeof(u);
  pinhole_usage_get(t->ctx, &u);
  const pinhole_ctx *c = t->ctx;
  double load = (double)c->ft.count / ((double)c->ft.nbuckets * PH_FT_WAYS);
  double bytes = (double)t->acct.bytes;
  if (u.flows != t->n || t->acct.bytes < u.memory_bytes)
    die("memory: the allocator gave out less than the context reports");
  const char *tag = size_tag(t->n);
  char name[48];
  snprintf(name, sizeof(name), "ctx_mbytes_%s", tag);
  add(R, name, bytes / 1e6, "MB", NULL, "from the allocator callback");
  snprintf(name, sizeof(name), "bytes_per_live_flow_%s", tag);
  add(R, name, bytes / u.flows, "B", NULL,
      "allocator bytes / live connections");
  snprintf(name, sizeof(name), "bytes_per_max_flow_%s", tag);
  add(R, name, bytes / u.max_flows, "B", NULL,
      "allocator bytes / max_flows (was bytes_per_flow)");
  snprintf(name, sizeof(name), "ft_load_%s", tag);
  add(R, name, load, "ratio", NULL, "flow table entries / slots");
  /* where the bytes go, per live flow: the arrays the context carves by
   * its configuration (core/ctx.c), the rest fixed */
  double n = (double)u.flows, v6 = (double)c->cfg.max_conns6;
  double mf = (double)c->cfg.max_flows;
  struct {
    const char *part, *what;
    double bytes;
  } parts[] = {
      {"ft", "flow table, both keys",
       (double)c->ft.nbuckets * sizeof(ph_ft_bucket)},
      {"conn", "connection, hot line", mf * sizeof(ph_conn)},
      {"cold", "connection, cold part", mf * sizeof(ph_conn_cold)},
      {"cwheel",
       "the connections' wheel's block pool and its tags (IPv4, IPv6 slots)",
       (double)pinhole__cwheel_blocks(c->cfg.max_flows + c->cfg.max_conns6) *
           sizeof(ph_cwblock)},
      {"tcpw", "TCP windows (IPv4 slots that may hold TCP)",
       (double)c->ntcp4 * sizeof(ph_tcpw)},
      {"conv", "conversations (max_conversations)",
       (double)c->cfg.max_conversations * (sizeof(ph_conv) + 4)},
      {"map", "mappings and their two heads (max_mappings)",
       (double)c->cfg.max_mappings * sizeof(ph_mapping) + 8.0 * c->map_nb},
      {"ipv6", "IPv6 slots (max_conns6: conn, cold, tcpw, addresses, ft6)",
       v6 * (sizeof(ph_conn) + sizeof(ph_conn_cold) + sizeof(ph_conn6)) +
           (double)c->ntcp6 * sizeof(ph_tcpw) +
           (double)c->ft6.nbuckets * sizeof(ph_ft_bucket)},
      {"ipv6rec", "IPv6 records of NAT64 mappings, pinholes, fragments",
       (double)c->nmap6 * sizeof(ph_map6) +
           (v6 > 0 ? (double)c->cfg.max_pinholes * sizeof(ph_pinhole6) +
                         (double)c->cfg.max_fragments * sizeof(ph_frag6)
                   : 0)},
  };
  double rest = bytes;
  for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
    snprintf(name, sizeof(name), "mem_%s_%s", parts[i].part, tag);
    add(R, name, parts[i].bytes / n, "B", NULL, parts[i].what);
    rest -= parts[i].bytes;
  }
  snprintf(name, sizeof(name), "mem_fixed_%s", tag);
  add(R, name, rest / n, "B", NULL, "the rest (pools, pinholes, hold, ...)");
  /* the same context without IPv6 slots (max_conns6 = 0) */
  pinhole_config cfg;
  cfg_bench(&cfg, t->n, NULL);
  cfg.max_conns6 = 0;
  host_acct a = {0, 0};
  pinhole_ctx *c4 = ctx_alloc(&cfg, &a, 0);
  double b4 = (double)a.bytes;
  pinhole_ctx_del(c4);
  snprintf(name, sizeof(name), "bytes_per_live_flow_v4only_%s", tag);
  add(R, name, b4 / n, "B", NULL,
      "the same with max_conns6 = 0 (no IPv6 slots)");
  /* TCP windows for half the slots (max_tcp_conns) */
  cfg_bench(&cfg, t->n, NULL);
  cfg.max_tcp_conns = t->n / 2;
  host_acct ah = {0, 0};
  pinhole_ctx *ch = ctx_alloc(&cfg, &ah, 0);
  double bh = (double)ah.bytes;
  pinhole_ctx_del(ch);
  snprintf(name, sizeof(name), "bytes_per_live_flow_tcphalf_%s", tag);
  add(R, name, bh / n, "B", NULL, "the same with max_tcp_conns = N / 2");
  /* and sized by what is live here: no IPv6 slots, TCP windows for half,
   * mappings for the live ones (N / DESTS) */
  cfg.max_conns6 = 0;
  cfg.max_mappings = u.mappings;
  host_acct al = {0, 0};
  pinhole_ctx *cl = ctx_alloc(&cfg, &al, 0);
  double bl = (double)al.bytes;
  pinhole_ctx_del(cl);
  snprintf(name, sizeof(name), "bytes_per_live_flow_lean_%s", tag);
  add(R, name, bl / n, "B", NULL,
      "max_conns6 = 0, max_tcp_conns = N / 2, max_mappings = live ones");
}

#define FTP_ACK_EVERY 512u

/* The FTP ALG: a PORT command rewritten (pinhole opened, NAPT mapping
 * allocated), then the server's data SYN through that pinhole. */
static void run_ftp(const opts *o, results *R) {
  const uint32_t cli = IP4(198, 18, 0, 100), srv = IP4(198, 19, 0, 2);
  uint32_t k = o->quick ? 256 : 16384;
  pinhole_ctx *ctx = ctx_make(k + 64, "", NULL, NULL);
  table t;
  memset(&t, 0, sizeof(t));
  t.ctx = ctx;
  t.now = T0;
  uint8_t b[SLOT_SIZE];
  uint32_t cseq = 100, sseq = 900;
  build(b, 40, 6, cli, 40000, srv, 21, PINHOLE_TCP_SYN, cseq++);
  if (process1(&t, b, 40, PINHOLE_SIDE_INSIDE) != 0)
    die("ftp: SYN");
  uint32_t pub = get32(b + 12);
  uint16_t pubport = get16(b + 20);
  build_ack(b, 40, 6, srv, 21, pub, pubport, PINHOLE_TCP_SYN | PINHOLE_TCP_ACK,
            sseq++, cseq);
  if (process1(&t, b, 40, PINHOLE_SIDE_OUTSIDE) != 0)
    die("ftp: SYN-ACK");
  build(b, 40, 6, cli, 40000, srv, 21, PINHOLE_TCP_ACK, cseq);
  if (process1(&t, b, 40, PINHOLE_SIDE_INSIDE) != 0)
    die("ftp: ACK");
  /* the server's greeting: the FTP ALG honours commands only after it */
  static const char greet[] = "220 ready\r\n";
  size_t glen = 40 + sizeof(greet) - 1;
  memset(b, 0, 40);
  b[0] = 0x45;
  put16(b + 2, (uint16_t)glen);
  b[8] = 64;
  b[9] = 6;
  put32(b + 12, srv);
  put32(b + 16, pub);
  put16(b + 20, 21);
  put16(b + 22, pubport);
  put32(b + 24, sseq);
  put32(b + 28, cseq);
  b[32] = 5 << 4;
  b[33] = PINHOLE_TCP_ACK | PINHOLE_TCP_PSH;
  put16(b + 34, 65535);
  memcpy(b + 40, greet, sizeof(greet) - 1);
  put16(b + 10, pinhole_cksum(b, 20));
  pinhole_pkt_view gv;
  if (pinhole_pkt_parse(b, glen, &gv) != 0 || pinhole_pkt_fix_cksums(b, &gv) ||
      process1(&t, b, glen, PINHOLE_SIDE_OUTSIDE) != 0)
    die("ftp: greeting");
  sseq += (uint32_t)(sizeof(greet) - 1);

  /* k PORT segments and k data SYNs, each in its own buffer */
  size_t stride = 128;
  uint8_t *port_pk = calloc(k, stride), *syn_pk = calloc(k, stride);
  uint32_t *port_len = calloc(k, sizeof(uint32_t));
  /* the server acknowledges every FTP_ACK_EVERY commands: the client's
   * bytes stay inside the window the server announced (65535) */
  uint8_t *ack_pk = calloc(k / FTP_ACK_EVERY + 1, 40);
  if (port_pk == NULL || syn_pk == NULL || port_len == NULL || ack_pk == NULL)
    die("out of memory");
  for (uint32_t i = 0; i < k; i++) {
    uint16_t dport = (uint16_t)(20000 + i);
    char line[64];
    int n = snprintf(line, sizeof(line), "PORT 198,18,0,100,%u,%u\r\n",
                     dport >> 8, dport & 255);
    uint8_t *p = port_pk + (size_t)i * stride;
    size_t len = 40 + (size_t)n;
    memset(p, 0, 40);
    p[0] = 0x45;
    put16(p + 2, (uint16_t)len);
    p[8] = 64;
    p[9] = 6;
    put32(p + 12, cli);
    put32(p + 16, srv);
    put16(p + 20, 40000);
    put16(p + 22, 21);
    put32(p + 24, cseq);
    put32(p + 28, sseq);
    p[32] = 5 << 4;
    p[33] = PINHOLE_TCP_ACK | PINHOLE_TCP_PSH;
    put16(p + 34, 65535);
    memcpy(p + 40, line, (size_t)n);
    put16(p + 10, pinhole_cksum(p, 20));
    pinhole_pkt_view v;
    if (pinhole_pkt_parse(p, len, &v) != 0 || pinhole_pkt_fix_cksums(p, &v))
      die("ftp: PORT builder");
    port_len[i] = (uint32_t)len;
    cseq += (uint32_t)n;
    build(syn_pk + (size_t)i * stride, 40, 6, srv, 20, pub, dport,
          PINHOLE_TCP_SYN, 7000);
    if (i % FTP_ACK_EVERY == FTP_ACK_EVERY - 1)
      build_ack(ack_pk + (size_t)(i / FTP_ACK_EVERY) * 40, 40, 6, srv, 21, pub,
                pubport, PINHOLE_TCP_ACK, sseq, cseq);
  }
  uint64_t t0 = now_ns();
  unsigned bad = 0;
  for (uint32_t i = 0; i < k; i++) {
    pinhole_pkt p = {port_pk + (size_t)i * stride, port_len[i],
                     (uint32_t)stride};
    bad += pinhole_process(ctx, &p, PINHOLE_SIDE_INSIDE, t.now) != 0;
    port_len[i] = p.len;
    pinhole_pkt q = {syn_pk + (size_t)i * stride, 40, (uint32_t)stride};
    bad += pinhole_process(ctx, &q, PINHOLE_SIDE_OUTSIDE, t.now) != 0;
    if (i % FTP_ACK_EVERY == FTP_ACK_EVERY - 1) {
      pinhole_pkt a = {ack_pk + (size_t)(i / FTP_ACK_EVERY) * 40, 40, 40};
      bad += pinhole_process(ctx, &a, PINHOLE_SIDE_OUTSIDE, t.now) != 0;
    }
  }
  uint64_t t1 = now_ns();
  if (bad)
    die("ftp: a PORT or data SYN was refused");
  /* exact check of every rewritten PORT and translated SYN */
  uint64_t cnt[128];
  int nc = pinhole_stats(ctx, cnt, 128);
  if (nc <= PINHOLE_CNT_PINHOLE_USED || cnt[PINHOLE_CNT_PINHOLE_CREATED] != k ||
      cnt[PINHOLE_CNT_PINHOLE_USED] != k)
    die("ftp: pinholes not created and used once per PORT");
  for (uint32_t i = 0; i < k; i++) {
    uint16_t dport = (uint16_t)(20000 + i);
    char want[64];
    int n = snprintf(want, sizeof(want), "PORT 198,19,200,%u,%u,%u\r\n",
                     (pub & 255), dport >> 8, dport & 255);
    const uint8_t *p = port_pk + (size_t)i * stride;
    pinhole_pkt_view v;
    if (pinhole_pkt_parse(p, port_len[i], &v) != 0 ||
        pinhole_pkt_l4_cksum_ok(p, &v) != 1 || v.payload_len != (size_t)n ||
        memcmp(p + v.payload_off, want, (size_t)n) != 0)
      die("ftp: PORT not rewritten as expected");
    check_exact(syn_pk + (size_t)i * stride, 40, srv, 20, cli, dport);
  }
  add(R, "ftp_port_ns", (double)(t1 - t0) / k, "ns", NULL,
      "FTP PORT rewrite + pinhole + data SYN through it");
  free(port_pk);
  free(syn_pk);
  free(port_len);
  free(ack_pk);
  pinhole_ctx_del(ctx);
}

/* ALG overhead on traffic that is not theirs: established TCP, bursts, with
 * ALGs chosen by port (the default) and with ALGs off for the rule. */
static void run_alg_overhead(ring *r, const opts *o, results *R) {
  uint32_t n = o->quick ? 1024 : 65536;
  size_t npkts = npkts_for(n, o);
  uint8_t *hdr = huge_alloc(npkts * HDR, NULL);
  if (hdr == NULL)
    die("out of memory");
  double with[2];
  for (int i = 0; i < 2; i++) {
    table t;
    table_build(&t, n, 0, PINHOLE_IPPROTO_TCP, i == 0 ? "" : "none");
    workload w = wl_make(hdr, npkts, 64, PINHOLE_SIDE_INSIDE, CHK_OUT);
    double copy;
    with[i] =
        timed(&t, r, &w, M_BURST, o, &copy, est_fresh, est_check, EST_SEED);
    table_free(&t);
  }
  add(R, "alg_overhead_ns", with[0] - with[1], "ns", NULL,
      "ALGs by port minus ALGs off, est TCP 64k");
  huge_free(hdr, npkts * HDR, NULL);
}

/* Reassembly (issue 21): a 2-segment FTP PORT and a 3-segment SIP INVITE
 * against the same messages whole (bench_reasm.c). */
static void run_reasm(const opts *o, results *R) {
  reasm_figs f;
  bench_reasm(o->quick, o->quick ? 1 : o->rounds, &f);
  add(R, "reasm_ftp_port_whole_ns", f.ftp_whole, "ns", NULL,
      "FTP PORT in 1 segment + data SYN, per message");
  add(R, "reasm_ftp_port_2seg_ns", f.ftp_split, "ns", NULL,
      "the same PORT in 2 segments (held, merged)");
  add(R, "reasm_ftp_port_extra_ns", f.ftp_split - f.ftp_whole, "ns", NULL,
      "reassembly's cost per FTP PORT");
  add(R, "reasm_sip_invite_whole_ns", f.sip_whole, "ns", NULL,
      "SIP INVITE 3.3 KB over TCP in 1 packet, per message");
  add(R, "reasm_sip_invite_3seg_ns", f.sip_split, "ns", NULL,
      "the same INVITE in 3 segments (held, re-segmented)");
  add(R, "reasm_sip_invite_extra_ns", f.sip_split - f.sip_whole, "ns", NULL,
      "reassembly's cost per SIP INVITE");
  add(R, "reasm_sip_invite_emitted", (double)f.sip_emit, "pkts", NULL,
      "segments emitted per split INVITE");
}

/* The issue's untagged names: the figure at the reference table size. */
static void alias(results *R, const char *pre, const char *tag,
                  const char *post, const char *to) {
  char from[48];
  snprintf(from, sizeof(from), "%s%s%s", pre, tag, post);
  for (int i = 0; i < R->n; i++) {
    if (strcmp(R->f[i].name, from) != 0)
      continue;
    fig f = R->f[i];
    char what[80];
    snprintf(what, sizeof(what), "= %s", from);
    if (R->n < MAX_FIGS) {
      R->f[R->n] = f;
      snprintf(R->f[R->n].name, sizeof(f.name), "%s", to);
      snprintf(R->f[R->n].what, sizeof(f.what), "%s", what);
      R->n++;
    }
    return;
  }
}

/* One pass of one workload and nothing else, so that an instruction
 * profiler can count per packet: valgrind --tool=callgrind
 * --toggle-collect=prof_region pinhole-bench --profile burst --size N.
 * MODE: copy, single, burst (established UDP out, 64 B), miss (burst);
 * tcp-copy, tcp-single, tcp-burst: established TCP out, 64 B; new,
 * tcp-new: PROF_NEW new connections through NAPT (a mapping, a port, a
 * conversation, the events), one per call (divide by PROF_NEW); new-burst:
 * the same in bursts of 32; new-ev, new-burst-ev (tcp-new-burst-ev is
 * what --new's new_flow_burst figure runs): the same with the host's event
 * callback set (acct_event, as --new has it); expire:
 * pinhole_tick past every timeout until the N flows are gone (divide by
 * N); ipv6-single, ipv6-burst: established IPv6 UDP out, 64 B;
 * nat64-single, nat64-burst: established NAT64 UDP out, 64 B;
 * nat64-in-single, nat64-in-burst: their replies, established IPv4 UDP
 * in, 64 B, each leaving as an 84-byte IPv6 packet. */
#define PROF_NEW 16384u
#define M_EXPIRE 3 /* --profile expire: every flow idled out by ticks */

/* Ticks past every timeout until no flow is left (the pinhole_tick
 * contract: again while it returns the budget); the flows expired. */
static uint64_t expire_all(table *t) {
  pinhole_usage u;
  u.size = sizeof(u);
  pinhole_usage_get(t->ctx, &u);
  uint64_t live = u.flows, calls = 0, max_calls = 16 + 4 * live;
  int x;
  do {
    x = pinhole_tick(t->ctx, t->now + 8000 * SEC);
    if (x < 0)
      die("pinhole_tick");
  } while (x == PINHOLE_TICK_BUDGET && ++calls < max_calls);
  pinhole_usage_get(t->ctx, &u);
  if (u.flows != 0)
    die("expiry: flows left after the timeout");
  return live;
}

/* The NAT64 profiles' replies: each header of w (an IPv6 packet out of
 * a NAT64 flow of t) becomes the 64-byte IPv4 reply of its remote to the
 * public endpoint its translation left from; the reply is verified, once,
 * to leave as the 84-byte IPv6 packet to the flow's inside host from the
 * remote under the prefix, checksum right. Before the profiled pass. */
static void est64_replies(table *t, workload *w) {
  uint8_t b[SLOT_SIZE], o[HDR];
  for (size_t i = 0; i < w->n; i++) {
    uint8_t *h = w->hdr + i * HDR;
    memcpy(b, h, HDR);
    pinhole_pkt p = {b, 64, SLOT_SIZE};
    if (pinhole_process(t->ctx, &p, PINHOLE_SIDE_INSIDE, t->now) !=
            PINHOLE_VERDICT_FORWARD ||
        p.len != 44)
      die("NAT64: an established packet was not translated");
    build(o, 64, PINHOLE_IPPROTO_UDP, get32(b + 16), get16(b + 22),
          get32(b + 12), get16(b + 20), 0, 1);
    memcpy(b, o, HDR);
    pinhole_pkt q = {b, 64, SLOT_SIZE};
    pinhole_pkt6_view v;
    if (pinhole_process(t->ctx, &q, PINHOLE_SIDE_OUTSIDE, t->now) !=
            PINHOLE_VERDICT_FORWARD ||
        q.len != 84 || pinhole_pkt6_parse(b, q.len, &v) != 0 ||
        pinhole_pkt6_l4_cksum_ok(b, &v) != 1 || memcmp(v.dst, h + 8, 16) != 0 ||
        memcmp(v.src, h + 24, 16) != 0 || v.sport != REM_PORT ||
        v.dport != PORT6)
      die("NAT64: an established reply was not translated");
    memcpy(h, o, HDR);
  }
}

__attribute__((noinline)) static double
prof_region(table *t, ring *r, const workload *w, int mode) {
  if (mode == M_EXPIRE)
    return (double)expire_all(t);
  return pass(t, r, w, mode, NULL);
}

static int run_profile(const opts *o) {
  uint32_t n = o->only ? o->only : 1024;
  size_t npkts = 65536;
  uint8_t *hdr = huge_alloc(npkts * HDR, NULL);
  ring *r = ring_new();
  table t;
  /* tcp-single, tcp-burst: the same over established TCP */
  const char *mode_name = o->profile;
  uint8_t proto = PINHOLE_IPPROTO_UDP;
  if (strncmp(mode_name, "tcp-", 4) == 0) {
    proto = PINHOLE_IPPROTO_TCP;
    mode_name += 4;
  }
  int is64 = strncmp(mode_name, "nat64-", 6) == 0;
  int in64 = strncmp(mode_name, "nat64-in-", 9) == 0;
  if (is64 || strncmp(mode_name, "ipv6-", 5) == 0) {
    /* ipv6-single, ipv6-burst: established IPv6 UDP out, 64 B;
     * nat64-single, nat64-burst: the same through NAT64;
     * nat64-in-single, nat64-in-burst: their replies (in: an IPv6 packet
     * out, the check of check_one) */
    table6_build(&t, n, is64);
    workload w6 =
        wl_make(hdr, npkts, 64, PINHOLE_SIDE_INSIDE, is64 ? CHK_OUT : CHK_FWD6);
    w6.rng = 5;
    est6_fresh(&t, &w6);
    if (in64) {
      est64_replies(&t, &w6);
      w6.side = PINHOLE_SIDE_OUTSIDE;
      w6.chk = CHK_FWD6;
    }
    const char *kind = mode_name + (in64 ? 9 : is64 ? 6 : 5);
    double ns6 = prof_region(&t, r, &w6,
                             strcmp(kind, "single") == 0 ? M_SINGLE : M_BURST);
    printf("profile %s: %zu packets, %.1f ns each\n", o->profile, npkts, ns6);
    table_free(&t);
    ring_free(r);
    huge_free(hdr, npkts * HDR, NULL);
    return 0;
  }
  /* new-ev, new-burst-ev: the same with the host taking the events, as
   * --new's figures run them (acct_event counts each) */
  size_t mlen = strlen(mode_name);
  int events = mlen > 3 && strcmp(mode_name + mlen - 3, "-ev") == 0;
  char base[32];
  snprintf(base, sizeof(base), "%.*s", (int)(events ? mlen - 3 : mlen),
           mode_name);
  /* new-burst: the same new connections in bursts of 32 */
  int new_burst = strcmp(base, "new-burst") == 0;
  int is_new = new_burst || strcmp(base, "new") == 0;
  if (events && !is_new)
    die("--profile: -ev is for new and new-burst");
  table_spec sp = {0, 0, 0, events};
  table_build_spec(&t, n, is_new ? PROF_NEW : 1024, proto, "", &sp);
  uint64_t ev0 = t.acct.events;
  workload w = wl_make(hdr, npkts, 64, PINHOLE_SIDE_INSIDE, CHK_OUT);
  int mode = M_BURST;
  if (is_new) {
    /* PROF_NEW new connections one per call, as run_new() makes them */
    uint8_t b[SLOT_SIZE];
    for (uint32_t i = 0; i < PROF_NEW; i++) {
      uint32_t e = t.nendp + i;
      build(b, 40, t.proto, in_addr(t.ebase + e), in_port(t.ebase + e),
            NEW_BASE + i % DESTS, REM_PORT,
            t.proto == PINHOLE_IPPROTO_TCP ? PINHOLE_TCP_SYN : (uint8_t)0, 1);
      memcpy(hdr + (size_t)i * HDR, b, HDR);
    }
    npkts = PROF_NEW;
    w = wl_make(hdr, npkts, 40, PINHOLE_SIDE_INSIDE, CHK_OUT);
    mode = new_burst ? M_BURST : M_SINGLE;
  } else if (strcmp(mode_name, "expire") == 0) {
    mode = M_EXPIRE;
  } else if (strcmp(mode_name, "miss") == 0) {
    uint64_t seed = 77;
    uint8_t b[SLOT_SIZE];
    for (size_t i = 0; i < npkts; i++) {
      uint32_t pa = POOL_LO + (uint32_t)rng_below(&seed, NPUB);
      uint16_t pp = (uint16_t)(1024 + rng_below(&seed, 64512));
      build(b, 64, t.proto, MISS_BASE, 7777, pa, pp, 0, 1);
      memcpy(hdr + i * HDR, b, HDR);
    }
    w.side = PINHOLE_SIDE_OUTSIDE;
    w.chk = CHK_DROP;
  } else {
    uint64_t seed = 5;
    est_headers(&t, hdr, npkts, 64, PINHOLE_SIDE_INSIDE, &seed);
    if (strcmp(mode_name, "copy") == 0)
      mode = M_COPY;
    else if (strcmp(mode_name, "single") == 0)
      mode = M_SINGLE;
  }
  if (mode == M_EXPIRE && o->spread)
    table_spread(&t);
  double ns = prof_region(&t, r, &w, mode);
  /* rule accept, flow created and mapping created: three a new flow */
  if (events && t.acct.events - ev0 != 3 * (uint64_t)PROF_NEW)
    die("--profile: the host was not given three events a new flow");
  printf("profile %s: %zu packets, %.1f ns each\n", o->profile, npkts, ns);
  table_free(&t);
  ring_free(r);
  huge_free(hdr, 65536 * HDR, NULL);
  return 0;
}

/* ---- main --------------------------------------------------------------- */

static void print_results(const results *R) {
  printf("\n%-34s %10s %-5s %8s %8s  %s\n", "figure", "value", "unit", "/dep",
         "/par16", "what");
  for (int i = 0; i < R->n; i++) {
    const fig *f = &R->f[i];
    char rd[16] = "", rp[16] = "";
    if (f->ratio_dep > 0)
      snprintf(rd, sizeof(rd), "%.2f", f->ratio_dep);
    if (f->ratio_par > 0)
      snprintf(rp, sizeof(rp), "%.2f", f->ratio_par);
    printf("%-34s %10.2f %-5s %8s %8s  %s\n", f->name, f->value, f->unit, rd,
           rp, f->what);
  }
  printf("\n");
  for (int i = 0; i < R->n; i++) {
    const fig *f = &R->f[i];
    printf("bench %s %.3f %s\n", f->name, f->value, f->unit);
    if (f->ratio_dep > 0)
      printf("bench %s_per_floor_dep %.3f x\n", f->name, f->ratio_dep);
  }
}

/* ---- DNS flows held: quick teardown against the UDP timeout ----------- */

#define DNS_RATE 100000u  /* queries per second */
#define DNS_RTT_US 20000u /* the resolver answers 20 ms later */
#define DNS_NPOOLS 64u    /* 64 x 16 public addresses: ~1 per inside host */
#define DNS_HOSTS_NET IP4(198, 18, 0, 0) /* inside hosts in its /22 */
#define DNS_NHOSTS 1022u
#define DNS_PENDING 4096u /* > queries in flight (DNS_RATE * DNS_RTT) */
#define DNS_SAMPLES 4

typedef struct dns_pending {
  uint64_t due;
  uint32_t pub, res;
  uint16_t pub_port, id;
} dns_pending;

/* A UDP datagram src:sport -> dst:dport carrying a DNS message for
 * www.example.com A IN with id; answer: one A record. Returns its length. */
static size_t dns_build(uint8_t *b, uint32_t src, uint16_t sport, uint32_t dst,
                        uint16_t dport, uint16_t id, int answer) {
  static const uint8_t q[] = {3,   'w', 'w', 'w', 7,   'e', 'x',
                              'a', 'm', 'p', 'l', 'e', 3,   'c',
                              'o', 'm', 0,   0,   1,   0,   1};
  static const uint8_t an[] = {0xc0, 0x0c, 0, 1, 0,   1,  0, 0,
                               0,    60,   0, 4, 198, 19, 5, 5};
  uint8_t *d = b + 28;
  memset(d, 0, 12);
  put16(d, id);
  put16(d + 2, answer ? 0x8180 : 0x0100);
  put16(d + 4, 1);
  put16(d + 6, answer ? 1 : 0);
  memcpy(d + 12, q, sizeof(q));
  size_t n = 12 + sizeof(q);
  if (answer) {
    memcpy(d + n, an, sizeof(an));
    n += sizeof(an);
  }
  size_t len = 28 + n;
  memset(b, 0, 28);
  b[0] = 0x45;
  put16(b + 2, (uint16_t)len);
  b[8] = 64;
  b[9] = PINHOLE_IPPROTO_UDP;
  put32(b + 12, src);
  put32(b + 16, dst);
  put16(b + 20, sport);
  put16(b + 22, dport);
  put16(b + 24, (uint16_t)(len - 20));
  put16(b + 10, pinhole_cksum(b, 20));
  pinhole_pkt_view v;
  if (pinhole_pkt_parse(b, len, &v) != 0 || pinhole_pkt_fix_cksums(b, &v))
    die("dns: built a bad packet");
  return len;
}

static uint32_t dns_flows(pinhole_ctx *ctx) {
  pinhole_usage u;
  u.size = sizeof(u);
  pinhole_usage_get(ctx, &u);
  return u.flows;
}

/* secs of DNS_RATE queries from 1022 inside hosts, each from a fresh
 * source port (RFC 5452), to 4 resolvers, each answered DNS_RTT_US later;
 * pinhole_tick every millisecond. alg "" lets the DNS ALG watch port 53
 * (quick teardown), "none" makes them plain UDP flows (the UDP timeout,
 * 300 s). Flows held at samples[] seconds go to held[]; returns the
 * largest number held. */
static uint32_t dns_run(const char *alg, uint32_t secs, const uint32_t *samples,
                        int nsamples, uint32_t *held, uint64_t *closed) {
  uint64_t nq = (uint64_t)DNS_RATE * secs;
  pinhole_config cfg;
  cfg_make(&cfg, (uint32_t)(strcmp(alg, "none") == 0 ? nq + 1024 : 65536));
  cfg.max_watch = 65536;
  cfg.max_pools = DNS_NPOOLS;
  pinhole_ctx *ctx = ctx_alloc(&cfg, NULL, 0);
  /* a pool holds 16 addresses: one pool per /28 of inside hosts (an inside
   * host's mappings all use one public address, RFC 4787 paired pooling:
   * ~1 host per address leaves ports for 60 s of fresh source ports) */
  for (uint32_t k = 0; k < DNS_NPOOLS; k++) {
    pinhole_pool pool;
    memset(&pool, 0, sizeof(pool));
    pool.size = sizeof(pool);
    pool.addr_lo = POOL_LO + 16 * k;
    pool.addr_hi = pool.addr_lo + 15;
    int pid = pinhole_pool_add(ctx, &pool);
    pinhole_rule r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    snprintf(r.name, sizeof(r.name), "napt-%u", k);
    r.side = PINHOLE_SIDE_INSIDE;
    r.src_addr = DNS_HOSTS_NET + 16 * k;
    r.src_plen = 28;
    r.nat = PINHOLE_NAT_SOURCE;
    r.pool = pid;
    snprintf(r.alg, sizeof(r.alg), "%s", alg);
    if (pid < 0 || pinhole_rule_add(ctx, &r) < 0)
      die("dns: pool or rule");
  }
  static dns_pending pend[DNS_PENDING];
  uint32_t head = 0, tail = 0, most = 0, si = 0;
  uint8_t b[SLOT_SIZE];
  uint64_t step = SEC / DNS_RATE, next_tick = T0, next_sec = T0 + SEC;
  for (uint64_t i = 0; i <= nq; i++) {
    uint64_t now = T0 + i * step;
    /* answers due by now */
    while (head != tail && pend[head % DNS_PENDING].due <= now) {
      dns_pending *a = &pend[head++ % DNS_PENDING];
      size_t len = dns_build(b, a->res, 53, a->pub, a->pub_port, a->id, 1);
      pinhole_pkt pk = {b, (uint32_t)len, SLOT_SIZE};
      if (pinhole_process(ctx, &pk, PINHOLE_SIDE_OUTSIDE, a->due) !=
          PINHOLE_VERDICT_FORWARD)
        die("dns: answer dropped");
    }
    while (now >= next_tick) {
      int x;
      do
        x = pinhole_tick(ctx, next_tick);
      while (x == PINHOLE_TICK_BUDGET);
      next_tick += SEC / 1000;
    }
    if (now >= next_sec) {
      uint32_t f = dns_flows(ctx);
      most = f > most ? f : most;
      while ((int)si < nsamples && samples[si] * SEC <= now - T0)
        held[si++] = f;
      next_sec += SEC;
    }
    if (i == nq)
      break;
    uint32_t h = DNS_HOSTS_NET + 1 + (uint32_t)(i % DNS_NHOSTS);
    uint16_t sport = (uint16_t)(1024 + (i / DNS_NHOSTS) % 64000);
    uint32_t res = REM_BASE + (uint32_t)(i % 4);
    uint16_t id = (uint16_t)(i * 2654435761u >> 16);
    size_t len = dns_build(b, h, sport, res, 53, id, 0);
    pinhole_pkt pk = {b, (uint32_t)len, SLOT_SIZE};
    if (pinhole_process(ctx, &pk, PINHOLE_SIDE_INSIDE, now) !=
        PINHOLE_VERDICT_FORWARD)
      die("dns: query dropped");
    if (tail - head >= DNS_PENDING)
      die("dns: too many queries in flight");
    dns_pending *a = &pend[tail++ % DNS_PENDING];
    a->due = now + (uint64_t)DNS_RTT_US * 1000u;
    a->pub = get32(b + 12);
    a->pub_port = get16(b + 20);
    a->res = res;
    a->id = id;
  }
  uint64_t cnt[128];
  if (pinhole_stats(ctx, cnt, 128) <= PINHOLE_CNT_ALG_QUICK_CLOSE)
    die("dns: pinhole_stats");
  *closed = cnt[PINHOLE_CNT_ALG_QUICK_CLOSE];
  pinhole_ctx_del(ctx);
  return most;
}

/* pinhole-bench --dns [--dns-seconds N]: flows held for 100k DNS
 * queries/s, with and without the DNS ALG's quick teardown. */
static int run_dns(uint32_t secs) {
  uint32_t samples[DNS_SAMPLES] = {1, secs / 6, secs / 2, secs};
  int ns = 0;
  for (int i = 0; i < DNS_SAMPLES; i++) /* ascending, distinct, >= 1 s */
    if (samples[i] > (ns ? samples[ns - 1] : 0))
      samples[ns++] = samples[i];
  printf("pinhole-bench %s: DNS, %u queries/s for %u s (virtual time), "
         "answers after %u ms, pinhole_tick every 1 ms, UDP timeout 300 s\n\n",
         pinhole_version(), DNS_RATE, secs, DNS_RTT_US / 1000);
  struct {
    const char *alg, *name;
  } runs[2] = {{"", "quick"}, {"none", "plain"}};
  for (int k = 0; k < 2; k++) {
    uint32_t held[DNS_SAMPLES] = {0};
    uint64_t closed = 0, t0 = now_ns();
    uint32_t most = dns_run(runs[k].alg, secs, samples, ns, held, &closed);
    double cpu = (double)(now_ns() - t0) / 1e9;
    printf("%-40s", k == 0 ? "DNS ALG, quick teardown:"
                           : "no DNS ALG (flows wait for the timeout):");
    for (int i = 0; i < ns; i++)
      printf(" %us %u", samples[i], held[i]);
    printf("  (max %u, quick closes %llu, %.1f s CPU)\n", most,
           (unsigned long long)closed, cpu);
    for (int i = 0; i < ns; i++)
      printf("bench dns_flows_%s_%us %u flows\n", runs[k].name, samples[i],
             held[i]);
    printf("bench dns_flows_%s_max %u flows\n", runs[k].name, most);
  }
  printf("bench dns_flows_plain_steady %u flows (rate x UDP timeout)\n",
         DNS_RATE * 300u);
  return 0;
}

/* ---- carrier-grade logging: records per 1M connections --------------- */

/* 10 pools of 16 public addresses, 1000 subscribers each (10k in all, in
 * 198.18.(4p).0/22), 100 UDP connections per subscriber (1M). Plain NAPT
 * logs each connection (NAT44 session create and delete) or each mapping
 * (BIB create and delete); PBA with blocks of 512 logs each block
 * (allocation, release); deterministic NAT logs nothing at run time; an
 * address-only pool (1,000 addresses per pool) logs each binding of a
 * subscriber to its address (create, delete). */
#define CGN_POOLS 10u
#define CGN_SUBS 1000u /* per pool */
#define CGN_CONNS 100u /* per subscriber */

typedef struct cgn_count {
  int mode; /* pinhole_pool_mode: what the exporter is given */
  uint64_t session, bib, block, addr, other, ipfix_bytes;
  pinhole_ipfix x;
  uint8_t buf[1400];
} cgn_count;

static void cgn_send(const uint8_t *m, size_t len, void *user) {
  (void)m;
  ((cgn_count *)user)->ipfix_bytes += len;
}

static void cgn_event(pinhole_ctx *ctx, const pinhole_event *ev, void *user) {
  cgn_count *c = user;
  (void)ctx;
  int ne = pinhole_ipfix_nat_event(ev);
  if (ne == 4 || ne == 5)
    c->session++;
  else if (ne == 8 || ne == 9)
    c->bib++;
  else if (ne == 16 || ne == 17)
    c->block++;
  else if (ne == 14 || ne == 15)
    c->addr++;
  else if (ne != 0)
    c->other++;
  /* the exporter gets what this mode logs: sessions, or blocks */
  if ((c->mode == PINHOLE_POOL_NAPT && (ne == 4 || ne == 5)) ||
      (c->mode == PINHOLE_POOL_PBA && (ne == 16 || ne == 17)) ||
      (c->mode == PINHOLE_POOL_ADDRESS && (ne == 14 || ne == 15)))
    pinhole_ipfix_event(&c->x, ev);
}

static pinhole_ctx *cgn_ctx(int mode, cgn_count *count) {
  pinhole_config cfg;
  pinhole_config_default(&cfg, sizeof(cfg));
  cfg.max_flows = CGN_POOLS * CGN_SUBS * CGN_CONNS + 1024;
  cfg.max_pools = CGN_POOLS;
  cfg.max_rules = CGN_POOLS;
  cfg.max_pinholes = 1024;
  cfg.max_watch = 1024;
  cfg.udp_timeout_s = 120;
  cfg.max_port_blocks = CGN_POOLS * 16 * (64512 / 512);
  cfg.hash_key.k0 = 0x0706050403020100ull;
  cfg.seed = 777;
  pinhole_callbacks cb;
  memset(&cb, 0, sizeof(cb));
  cb.size = sizeof(cb);
  cb.alloc = huge_alloc;
  cb.free = huge_free;
  if (count != NULL)
    cb.event = cgn_event;
  pinhole_ctx *ctx;
  if (pinhole_ctx_new(&ctx, &cfg, &cb, count) != 0)
    die("cgn: pinhole_ctx_new");
  for (uint32_t p = 0; p < CGN_POOLS; p++) {
    pinhole_pool pool;
    memset(&pool, 0, sizeof(pool));
    pool.size = sizeof(pool);
    pool.addr_lo = IP4(198, 19, 16, 0) + p * 16;
    pool.addr_hi = pool.addr_lo + 15;
    pool.mode = (uint8_t)mode;
    if (mode == PINHOLE_POOL_PBA) {
      pool.block_size = 512;
      pool.max_blocks = 4;
      pool.block_hold_ms = 1000;
    } else if (mode == PINHOLE_POOL_ADDRESS) {
      pool.addr_lo = IP4(198, 19, 64, 0) + p * CGN_SUBS;
      pool.addr_hi = pool.addr_lo + CGN_SUBS - 1;
      pool.block_hold_ms = 1000;
    } else if (mode == PINHOLE_POOL_DETERMINISTIC) {
      pool.port_lo = 1024;
      pool.port_hi = 65535;
      pool.inside_addr = IP4(198, 18, 4 * p, 0);
      pool.inside_plen = 22;
    }
    pinhole_rule r;
    memset(&r, 0, sizeof(r));
    r.size = sizeof(r);
    snprintf(r.name, sizeof(r.name), "cgn%u", p);
    r.side = PINHOLE_SIDE_INSIDE;
    r.src_addr = IP4(198, 18, 4 * p, 0);
    r.src_plen = 22;
    r.action = PINHOLE_ACTION_ACCEPT;
    r.nat = PINHOLE_NAT_SOURCE;
    r.pool = pinhole_pool_add(ctx, &pool);
    if (r.pool < 0 || pinhole_rule_add(ctx, &r) < 0)
      die("cgn: pool or rule");
  }
  return ctx;
}

/* Opens the 1M connections (subscriber by subscriber, in a shuffled
 * order of connections); returns ns per new connection. */
static double cgn_open(pinhole_ctx *ctx, uint64_t now) {
  uint8_t b[SLOT_SIZE];
  uint32_t total = CGN_POOLS * CGN_SUBS * CGN_CONNS;
  uint64_t t0 = now_ns();
  for (uint32_t i = 0; i < total; i++) {
    uint32_t k = i % CGN_CONNS, s = i / CGN_CONNS;
    uint32_t src = IP4(198, 18, 4 * (s / CGN_SUBS), 0) + s % CGN_SUBS;
    build(b, 40, PINHOLE_IPPROTO_UDP, src, (uint16_t)(20000 + k),
          IP4(198, 19, 1, 1) + k % 64, 7000, 0, 0);
    pinhole_pkt p = {b, 40, SLOT_SIZE};
    if (pinhole_process(ctx, &p, PINHOLE_SIDE_INSIDE, now) !=
        PINHOLE_VERDICT_FORWARD)
      die("cgn: a new connection was refused");
  }
  return (double)(now_ns() - t0) / total;
}

static void run_cgn(const opts *o, results *R) {
  static const char *const names[4] = {"napt", "pba512", "det", "addr"};
  double ns[4] = {0, 0, 0, 0};
  (void)o;
  for (int mode = 0; mode < 4; mode++) {
    /* timed without an event callback: the engine's own cost */
    double best = 0;
    for (int round = 0; round < 2; round++) {
      pinhole_ctx *ctx = cgn_ctx(mode, NULL);
      double v = cgn_open(ctx, T0);
      best = round == 0 || v < best ? v : best;
      pinhole_ctx_del(ctx);
    }
    ns[mode] = best;
    /* counted: every event, then every connection expires */
    static cgn_count c;
    memset(&c, 0, sizeof(c));
    c.mode = mode;
    pinhole_ipfix_config xc;
    memset(&xc, 0, sizeof(xc));
    xc.size = sizeof(xc);
    xc.buf = c.buf;
    xc.buf_len = sizeof(c.buf);
    xc.send = cgn_send;
    xc.user = &c;
    pinhole_ipfix_init(&c.x, &xc);
    pinhole_ctx *ctx = cgn_ctx(mode, &c);
    cgn_open(ctx, T0);
    uint64_t end = T0 + 200 * SEC;
    while (pinhole_tick(ctx, end) == PINHOLE_TICK_BUDGET)
      ;
    end += 5 * SEC; /* the blocks' hold time after their last mapping */
    while (pinhole_tick(ctx, end) == PINHOLE_TICK_BUDGET)
      ;
    pinhole_usage u;
    u.size = sizeof(u);
    pinhole_usage_get(ctx, &u);
    if (u.flows != 0 || u.mappings != 0 ||
        (mode == PINHOLE_POOL_PBA && c.block != 2ull * CGN_POOLS * CGN_SUBS) ||
        (mode == PINHOLE_POOL_ADDRESS && c.addr != 2ull * CGN_POOLS * CGN_SUBS))
      die("cgn: connections or blocks left after the timeout");
    pinhole_ipfix_flush(&c.x, end);
    pinhole_ctx_del(ctx);
    char name[64];
    uint64_t logged = mode == 0   ? c.session
                      : mode == 1 ? c.block
                      : mode == 3 ? c.addr
                                  : 0;
    snprintf(name, sizeof(name), "cgn_log_records_%s", names[mode]);
    add(R, name, (double)logged, "records", NULL,
        mode == 0   ? "per 1M connections: session create+delete"
        : mode == 1 ? "per 1M connections: block alloc+release"
        : mode == 3 ? "per 1M connections: address binding create+delete"
                    : "per 1M connections: none, the layout answers");
    snprintf(name, sizeof(name), "cgn_ipfix_bytes_%s", names[mode]);
    add(R, name, (double)(mode == 2 ? 0 : c.ipfix_bytes), "bytes", NULL,
        "IPFIX messages of those records (templates included)");
    if (mode == 0) {
      add(R, "cgn_log_records_napt_bib", (double)c.bib, "records", NULL,
          "per 1M connections: BIB create+delete (per mapping)");
    }
    snprintf(name, sizeof(name), "cgn_new_flow_%s_ns", names[mode]);
    add(R, name, ns[mode], "ns", NULL,
        "new UDP connection at 0..1M live, 10k subscribers");
  }
  add(R, "cgn_new_flow_pba_over_napt", ns[1] / ns[0], "ratio", NULL,
      "PBA new-connection cost / plain NAPT");
}

/* ---- one context per core -------------------------------------------- */

/* One worker of the multi-core run: its own context with its own port
 * block and its own inside endpoints, fed its own fresh packets. */
/* Rounds of the multi-core run: --rounds N, else 7: its
 * figure is a ratio of two passes run one after the other, and a shared
 * host's noise falls on either, so it takes more rounds than the one-pass
 * figures' 3 to settle. */
#define MT_ROUNDS_DEFAULT 7

typedef struct mt_worker {
  _Alignas(RING_ALIGN) table t; /* each worker in lines of its own */
  ring *r;
  uint8_t *hdr;
  size_t npkts;
  table_spec sp;
  uint32_t flows;
  int id, nworkers, rounds;
  pthread_barrier_t *bar;
  int solo_id;                /* which worker plays alone in the solo phase */
  double solo_wall, solo_cpu; /* per round: ns of the solo pass */
  double par_cpu;             /* ns of the concurrent pass */
  uint64_t par_t0, par_t1;    /* its wall-clock bounds */
  double r_solo_wall[ROUNDS_MAX], r_solo_cpu[ROUNDS_MAX], r_par_cpu[ROUNDS_MAX];
  uint64_t r_par_t0[ROUNDS_MAX], r_par_t1[ROUNDS_MAX];
  /* the windows (mt_window): packets played and wall-clock bounds, alone
   * (in the rounds it plays alone) and all at once */
  uint64_t *win_ns; /* shared: this round's window length */
  size_t r_wsolo_pkts[ROUNDS_MAX], r_wpar_pkts[ROUNDS_MAX];
  uint64_t r_wsolo_ns[ROUNDS_MAX], r_wpar_t0[ROUNDS_MAX], r_wpar_t1[ROUNDS_MAX];
  /* the traffic floor (chase_traffic) over a region of its own as large as
   * the context, npkts steps: worker 0 alone, then all at once, in every
   * round beside the contexts' passes, so that the host's state is theirs */
  uint8_t *fmem;
  size_t fn;
  uint32_t *fidx; /* its lines, npkts of them (rounded down to BURST2) */
  uint64_t r_fsolo_ns[ROUNDS_MAX], r_fpar_t0[ROUNDS_MAX], r_fpar_t1[ROUNDS_MAX];
} mt_worker;

static void mt_fresh(mt_worker *w, int round, int phase) {
  workload wl = wl_make(w->hdr, w->npkts, 64, PINHOLE_SIDE_INSIDE, CHK_OUT);
  wl.cap = wl.n = w->npkts;
  wl.rng = round_seed(EST_SEED + 101u * (uint64_t)w->id, phase, round);
  est_fresh(&w->t, &wl);
}

/* After its timed pass: the exact check of its first packets. */
static void mt_check(mt_worker *w, int round, int phase) {
  workload wl = wl_make(w->hdr, w->npkts, 64, PINHOLE_SIDE_INSIDE, CHK_OUT);
  wl.cap = wl.n = w->npkts;
  wl.seed0 = round_seed(EST_SEED + 101u * (uint64_t)w->id, phase, round);
  wl.first = 1;
  est_check(&w->t, &wl);
}

/* Plays its fresh packets in bursts; returns the thread's CPU ns. */
static double mt_play(mt_worker *w) {
  workload wl = wl_make(w->hdr, w->npkts, 64, PINHOLE_SIDE_INSIDE, CHK_OUT);
  wl.cap = wl.n = w->npkts;
  uint64_t c0 = now_ns();
  pass(&w->t, w->r, &wl, M_BURST, NULL);
  return (double)(now_ns() - c0);
}

/* Plays its fresh packets in bursts, a step at a time, until len ns of
 * wall clock have passed; returns the packets played, their wall-clock
 * bounds in *t0, *t1. Every packet played is checked as pass() checks it;
 * a window longer than the packets is an error, not a shorter window. */
static size_t mt_window(mt_worker *w, uint64_t len, uint64_t *t0,
                        uint64_t *t1) {
  workload wl = wl_make(w->hdr, w->npkts, 64, PINHOLE_SIDE_INSIDE, CHK_OUT);
  wl.cap = wl.n = w->npkts;
  size_t total = wl.n - wl.n % SLOTS, step = total / 16 / SLOTS * SLOTS;
  step = step > 2048 ? 2048 : step < SLOTS ? SLOTS : step;
  size_t done = 0;
  uint64_t start = wall_ns(), now = start;
  while (now - start < len) {
    if (done + step > total)
      die("threads: the window outlasted its packets");
    workload part = wl;
    part.hdr = wl.hdr + done * HDR;
    part.n = part.cap = step;
    pass(&w->t, w->r, &part, M_BURST, NULL);
    done += step;
    now = wall_ns();
  }
  *t0 = start;
  *t1 = now;
  return done;
}

static void *mt_main(void *arg) {
  mt_worker *w = arg;
  table_build_spec(&w->t, w->flows, 0, PINHOLE_IPPROTO_UDP, "", &w->sp);
  for (int i = 0; i < w->rounds; i++) {
    /* solo: worker solo_id alone (the others wait), on fresh packets */
    mt_fresh(w, i, 0);
    pthread_barrier_wait(w->bar);
    if (w->id == w->solo_id) {
      uint64_t t0 = wall_ns();
      w->r_solo_cpu[i] = mt_play(w);
      w->r_solo_wall[i] = (double)(wall_ns() - t0);
      *w->win_ns = (uint64_t)w->r_solo_wall[i] / 2;
      mt_check(w, i, 0);
    }
    pthread_barrier_wait(w->bar);
    /* concurrent: every worker at once, on fresh packets */
    mt_fresh(w, i, 1);
    pthread_barrier_wait(w->bar);
    w->r_par_t0[i] = wall_ns();
    w->r_par_cpu[i] = mt_play(w);
    w->r_par_t1[i] = wall_ns();
    mt_check(w, i, 1);
    pthread_barrier_wait(w->bar);
    /* the windows: each worker alone in turn (round i: worker i % N),
     * then all at once, each for half the solo pass's wall clock */
    int alone = i % w->nworkers;
    mt_fresh(w, i, 2);
    pthread_barrier_wait(w->bar);
    if (w->id == alone) {
      uint64_t t0, t1;
      w->r_wsolo_pkts[i] = mt_window(w, *w->win_ns, &t0, &t1);
      w->r_wsolo_ns[i] = t1 - t0;
      mt_check(w, i, 2);
    }
    pthread_barrier_wait(w->bar);
    mt_fresh(w, i, 3);
    pthread_barrier_wait(w->bar);
    w->r_wpar_pkts[i] =
        mt_window(w, *w->win_ns, &w->r_wpar_t0[i], &w->r_wpar_t1[i]);
    mt_check(w, i, 3);
    /* the traffic floor: worker 0 alone, then all at once */
    pthread_barrier_wait(w->bar);
    if (w->id == 0) {
      uint64_t t0 = wall_ns();
      chase_traffic(w->fmem, w->fidx, w->npkts, w->hdr, w->npkts);
      w->r_fsolo_ns[i] = wall_ns() - t0;
    }
    pthread_barrier_wait(w->bar);
    w->r_fpar_t0[i] = wall_ns();
    chase_traffic(w->fmem, w->fidx, w->npkts, w->hdr, w->npkts);
    w->r_fpar_t1[i] = wall_ns();
    pthread_barrier_wait(w->bar);
  }
  return NULL;
}

/* N contexts on N threads, each with 1/N of the pool's ports (the same
 * public addresses) and its own inside hosts: packets per second of one
 * context alone and of all N at once (wall clock, header copy included:
 * what a host's loop gets), and the same from each thread's CPU time
 * (what the machine's sharing with other work does not blur). */
static void run_floor_scale(int n, uint32_t flows, int quick, results *R);

static void run_threads(const opts *o, results *R) {
  int rounds = o->rounds_given || o->quick ? o->rounds : MT_ROUNDS_DEFAULT;
  int n = o->threads;
  uint32_t flows = o->mt_flows;
  size_t npkts = npkts_for(flows, o);
  mt_worker *w = aligned_alloc(RING_ALIGN, (size_t)n * sizeof(*w));
  pthread_t *th = calloc((size_t)n, sizeof(*th));
  pthread_barrier_t bar;
  if (w == NULL || th == NULL || pthread_barrier_init(&bar, NULL, (unsigned)n))
    die("threads: out of memory");
  memset(w, 0, (size_t)n * sizeof(*w));
  uint32_t span = (65535u - 1024u + 1u) / (uint32_t)n;
  uint32_t nendp = (flows + DESTS - 1) / DESTS;
  uint64_t win_ns = 0;
  for (int i = 0; i < n; i++) {
    w[i].id = i;
    w[i].nworkers = n;
    w[i].win_ns = &win_ns;
    w[i].rounds = rounds;
    w[i].flows = flows;
    w[i].npkts = npkts;
    w[i].bar = &bar;
    w[i].solo_id = 0;
    w[i].sp.port_lo = (uint16_t)(1024u + span * (uint32_t)i);
    w[i].sp.port_hi =
        (uint16_t)(i == n - 1 ? 65535u
                              : 1024u + span * (uint32_t)i + span - 1u);
    w[i].sp.ebase = nendp * (uint32_t)i;
    w[i].r = ring_new();
    w[i].hdr = huge_alloc(npkts * HDR, NULL);
    if (w[i].hdr == NULL)
      die("threads: out of memory");
    w[i].fmem = chase_build(ctx_bytes(flows), &w[i].fn);
    w[i].fidx = malloc(npkts * sizeof(uint32_t));
    if (w[i].fidx == NULL)
      die("threads: out of memory");
    uint64_t s = 7 + (uint64_t)i;
    for (size_t k = 0; k < npkts; k++)
      w[i].fidx[k] = (uint32_t)rng_below(&s, w[i].fn);
  }
  for (int i = 0; i < n; i++)
    if (pthread_create(&th[i], NULL, mt_main, &w[i]) != 0)
      die("threads: pthread_create");
  for (int i = 0; i < n; i++)
    pthread_join(th[i], NULL);
  double solo[ROUNDS_MAX], solo_c[ROUNDS_MAX], par[ROUNDS_MAX],
      par_c[ROUNDS_MAX];
  double wsolo[ROUNDS_MAX], wpar[ROUNDS_MAX], wover[ROUNDS_MAX];
  /* the share of its own pass's wall clock a thread had its CPU: the
   * solo pass's thread, and the mean of the N in the concurrent pass */
  double on1[ROUNDS_MAX], onn[ROUNDS_MAX];
  double fscale[ROUNDS_MAX]; /* the traffic floor's N / one, a round */
  double pk = (double)(npkts - npkts % SLOTS);
  for (int k = 0; k < rounds; k++) {
    uint64_t t0 = UINT64_MAX, t1 = 0;
    double cpu_rate = 0, on_sum = 0;
    for (int i = 0; i < n; i++) {
      t0 = w[i].r_par_t0[k] < t0 ? w[i].r_par_t0[k] : t0;
      t1 = w[i].r_par_t1[k] > t1 ? w[i].r_par_t1[k] : t1;
      cpu_rate += pk / w[i].r_par_cpu[k];
      on_sum +=
          w[i].r_par_cpu[k] / (double)(w[i].r_par_t1[k] - w[i].r_par_t0[k]);
    }
    solo[k] = pk / w[0].r_solo_wall[k] * 1e9;
    solo_c[k] = pk / w[0].r_solo_cpu[k] * 1e9;
    par[k] = pk * n / (double)(t1 - t0) * 1e9;
    par_c[k] = cpu_rate * 1e9;
    on1[k] = w[0].r_solo_cpu[k] / w[0].r_solo_wall[k];
    onn[k] = on_sum / (double)n;
    uint64_t f0 = UINT64_MAX, f1 = 0;
    for (int i = 0; i < n; i++) {
      f0 = w[i].r_fpar_t0[k] < f0 ? w[i].r_fpar_t0[k] : f0;
      f1 = w[i].r_fpar_t1[k] > f1 ? w[i].r_fpar_t1[k] : f1;
    }
    fscale[k] = (double)n * (double)w[0].r_fsolo_ns[k] / (double)(f1 - f0);
    /* the windows: the sum of each thread's packets over its window (the
     * windows overlap but for the threads' starts: wover is the share of
     * the span all N were playing) */
    const mt_worker *a = &w[k % n];
    wsolo[k] = (double)a->r_wsolo_pkts[k] / (double)a->r_wsolo_ns[k] * 1e9;
    uint64_t s0 = 0, s1 = UINT64_MAX, u0 = UINT64_MAX, u1 = 0;
    wpar[k] = 0;
    for (int i = 0; i < n; i++) {
      const mt_worker *b = &w[i];
      wpar[k] += (double)b->r_wpar_pkts[k] /
                 (double)(b->r_wpar_t1[k] - b->r_wpar_t0[k]) * 1e9;
      s0 = b->r_wpar_t0[k] > s0 ? b->r_wpar_t0[k] : s0;
      s1 = b->r_wpar_t1[k] < s1 ? b->r_wpar_t1[k] : s1;
      u0 = b->r_wpar_t0[k] < u0 ? b->r_wpar_t0[k] : u0;
      u1 = b->r_wpar_t1[k] > u1 ? b->r_wpar_t1[k] : u1;
    }
    wover[k] = s1 > s0 ? (double)(s1 - s0) / (double)(u1 - u0) : 0;
  }
  /* every context translated into its own port block only */
  for (int i = 0; i < n; i++) {
    for (uint32_t e = 0; e < w[i].t.nendp; e++)
      if (w[i].t.pub_port[e] < w[i].sp.port_lo ||
          w[i].t.pub_port[e] > w[i].sp.port_hi)
        die("threads: a public port outside its context's block");
  }
  double s1 = median(solo, (size_t)rounds);
  double s1c = median(solo_c, (size_t)rounds);
  double sn = median(par, (size_t)rounds);
  double snc = median(par_c, (size_t)rounds);
  char name[48], what[80];
  snprintf(what, sizeof(what), "one context, %u flows, bursts (wall)", flows);
  add(R, "mt_pps_1", s1, "pps", NULL, what);
  snprintf(name, sizeof(name), "mt_pps_%d", n);
  snprintf(what, sizeof(what), "%d contexts on %d threads, aggregate (wall)", n,
           n);
  add(R, name, sn, "pps", NULL, what);
  snprintf(name, sizeof(name), "scale_%d_ratio", n);
  add(R, name, sn / s1, "x", NULL, "aggregate / one context (wall clock)");
  add(R, "mt_pps_1_cpu", s1c, "pps", NULL,
      "one context, from its thread's CPU time");
  snprintf(name, sizeof(name), "mt_pps_%d_cpu", n);
  add(R, name, snc, "pps", NULL, "all, the sum of each thread's CPU-time rate");
  snprintf(name, sizeof(name), "scale_%d_ratio_cpu", n);
  add(R, name, snc / s1c, "x", NULL, "the same from each thread's CPU time");
  /* one of what may set scale_N_ratio below scale_N_ratio_cpu: the wall
   * clock the threads spent off their CPUs (preempted by the guest's
   * other work); the other is the concurrent span waiting for the last
   * thread to finish */
  add(R, "mt_oncpu_1", median(on1, (size_t)rounds), "share", NULL,
      "one context alone: its thread's CPU time / wall clock");
  snprintf(name, sizeof(name), "mt_oncpu_%d", n);
  add(R, name, median(onn, (size_t)rounds), "share", NULL,
      "all at once: each thread's CPU time / its wall clock, mean");
  /* the fixed-time windows: one context alone on each thread in turn,
   * then all at once for as long; a thread the host slows costs its own
   * share, where the fixed-work figure above waits for the last one */
  double wo = median(wover, (size_t)rounds);
  double ws1 = median(wsolo, (size_t)rounds);
  double wsn = median(wpar, (size_t)rounds);
  add(R, "mt_pps_1_window", ws1, "pps", NULL,
      "one context alone, each thread in turn, fixed wall-clock window");
  snprintf(name, sizeof(name), "mt_pps_%d_window", n);
  add(R, name, wsn, "pps", NULL, "all at once for as long: sum of rates");
  snprintf(name, sizeof(name), "scale_%d_ratio_window", n);
  add(R, name, wsn / ws1, "x", NULL, "aggregate / one context (windows)");
  snprintf(name, sizeof(name), "mt_window_%d_overlap", n);
  add(R, name, wo, "share", NULL,
      "of the windows' span, the part every thread was playing");
  snprintf(name, sizeof(name), "floor_traffic_scale_%d_ratio", n);
  add(R, name, median(fscale, (size_t)rounds), "x", NULL,
      "a packet's memory traffic alone, in the same rounds: N / one");
  run_floor_scale(n, flows, o->quick, R);
  for (int i = 0; i < n; i++) {
    huge_free(w[i].fmem, w[i].fn * 64, NULL);
    free(w[i].fidx);
    table_free(&w[i].t);
    ring_free(w[i].r);
    huge_free(w[i].hdr, npkts * HDR, NULL);
  }
  pthread_barrier_destroy(&bar);
  free(w);
  free(th);
}

/* What the machine gives two threads at all, beside the contexts' own
 * scaling: the same floors run on one thread alone, then on all N at
 * once, each thread with a region of its own as large as one context.
 * Two patterns: the established burst's memory (chase_burst2), and the
 * core's width (WIDTH_CHAINS independent add chains, about as many
 * instructions a cycle as the library's compute-bound 1k burst). Two
 * free cores give N x in both; shared ones (SMT siblings on the host, a
 * vCPU time-shared, one memory path) show here as well as in
 * scale_N_ratio. */
#define WIDTH_CHAINS 4
#define WIDTH_ROUNDS 100000000u

static void width_chains(void) {
#if defined(__x86_64__) || defined(__aarch64__)
  uint64_t x0 = 0, x1 = 0, x2 = 0, x3 = 0, y = 1;
  for (uint32_t i = 0; i < WIDTH_ROUNDS; i++) {
#if defined(__x86_64__)
#define ADD4 "add %4, %0\n\tadd %4, %1\n\tadd %4, %2\n\tadd %4, %3\n\t"
#else
#define ADD4                                                                   \
  "add %0, %0, %4\n\tadd %1, %1, %4\n\tadd %2, %2, %4\n\tadd %3, %3, %4\n\t"
#endif
    __asm__ volatile(ADD4 ADD4
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     : "r"(y));
#undef ADD4
  }
  if (x0 + x1 + x2 + x3 != (uint64_t)WIDTH_CHAINS * 2 * WIDTH_ROUNDS)
    die("floor scale: the add chains");
#endif
}

/* The floors' patterns: the burst's two lines (chase_burst2), the core's
 * width (width_chains). A packet's whole memory traffic (chase_traffic)
 * is timed in the contexts' own rounds (mt_main). */
#define FS_PATTERNS 2

typedef struct fs_worker {
  uint8_t *mem;
  size_t n, steps;
  int id;
  pthread_barrier_t *bar;
  uint64_t t[FS_PATTERNS][2][2]; /* [pattern][solo, all][start, end], ns */
} fs_worker;

static void fs_phase(fs_worker *w, int pat, int all) {
  pthread_barrier_wait(w->bar);
  if (all || w->id == 0) {
    w->t[pat][all][0] = wall_ns();
    if (pat == 0)
      chase_burst2(w->mem, w->n, w->steps);
    else
      width_chains();
    w->t[pat][all][1] = wall_ns();
  }
}

static void *fs_main(void *arg) {
  fs_worker *w = arg;
  for (int pat = 0; pat < FS_PATTERNS; pat++)
    for (int all = 0; all < 2; all++)
      fs_phase(w, pat, all);
  return NULL;
}

static void run_floor_scale(int n, uint32_t flows, int quick, results *R) {
  fs_worker w[8];
  pthread_t th[8];
  pthread_barrier_t bar;
  if (pthread_barrier_init(&bar, NULL, (unsigned)n))
    die("floor scale: barrier");
  for (int i = 0; i < n; i++) {
    memset(&w[i], 0, sizeof(w[i]));
    w[i].mem = chase_build(ctx_bytes(flows), &w[i].n);
    w[i].steps = quick ? 65536 : 4u << 20;
    w[i].id = i;
    w[i].bar = &bar;
  }
  for (int i = 0; i < n; i++)
    if (pthread_create(&th[i], NULL, fs_main, &w[i]) != 0)
      die("floor scale: pthread_create");
  for (int i = 0; i < n; i++)
    pthread_join(th[i], NULL);
  static const char *const pat_name[FS_PATTERNS] = {"burst2", "width"};
  static const char *const pat_what[FS_PATTERNS] = {
      "the burst's memory pattern alone: N threads / one (wall)",
      "independent add chains (the core's width): N threads / one (wall)"};
  for (int pat = 0; pat < FS_PATTERNS; pat++) {
    uint64_t t0 = UINT64_MAX, t1 = 0;
    for (int i = 0; i < n; i++) {
      t0 = w[i].t[pat][1][0] < t0 ? w[i].t[pat][1][0] : t0;
      t1 = w[i].t[pat][1][1] > t1 ? w[i].t[pat][1][1] : t1;
    }
    double solo = (double)(w[0].t[pat][0][1] - w[0].t[pat][0][0]);
    double ratio = t1 > t0 ? (double)n * solo / (double)(t1 - t0) : 0;
    char name[48];
    snprintf(name, sizeof(name), "floor_%s_scale_%d_ratio", pat_name[pat], n);
    add(R, name, ratio, "x", NULL, pat_what[pat]);
  }
  for (int i = 0; i < n; i++)
    huge_free(w[i].mem, w[i].n * 64, NULL);
  pthread_barrier_destroy(&bar);
}

/* ---- the issue's targets beside the floor ------------------------------- */

enum tkind { T_NS, T_FLOOR, T_MAX, T_MIN };

typedef struct target {
  const char *fig, *floor, *what;
  double limit;
  int kind; /* T_NS: value <= limit ns; T_FLOOR: value/floor <= limit;
               T_MAX: value <= limit; T_MIN: value >= limit */
} target;

static const target targets[] = {
    {"est_burst_1k_ns", "1k", "established, burst of 32, 1k", 15, T_NS},
    {"est_burst_64k_ns", "64k", "established, burst of 32, 64k", 22, T_NS},
    {"est_burst_1m_ns", "1m", "established, burst of 32, 1M", 40, T_NS},
    {"est_burst_10m_ns", "10m", "established, burst of 32, 10M", 60, T_NS},
    {"est_single_1m_ns", "1m", "established, one per call, 1M (x floor)", 1.3,
     T_FLOOR},
    {"new_flow_1m_ns", "1m", "new flow (NAPT, mapping, events), 1M", 250, T_NS},
    {"expire_1m_ns", "1m", "expiry per flow, 1M", 50, T_NS},
    /* the default configuration (IPv6 slots, every IPv4 slot TCP-capable,
     * mappings for max_flows), then the one compared with libalias's
     * ~131 B (IPv4 only, half the slots TCP-capable, mappings for the live
     * flows: bytes_per_live_flow_lean_<size>) */
    {"bytes_per_live_flow_64k", "64k", "memory per live flow, 64k (default)",
     200, T_MAX},
    {"bytes_per_live_flow_1m", "1m", "memory per live flow, 1M (default)", 128,
     T_MAX},
    {"bytes_per_live_flow_lean_64k", "64k", "memory per live flow, 64k (lean)",
     200, T_MAX},
    {"bytes_per_live_flow_lean_1m", "1m", "memory per live flow, 1M (lean)",
     128, T_MAX},
    {"burst_p999_over_median_1m", "1m", "p99.9 / median in bursts, 1M", 4,
     T_MAX},
    {"scale_2_ratio", NULL, "two contexts on two threads", 1.8, T_MIN},
    {"scale_2_ratio_window", NULL, "two contexts on two threads (windows)", 1.8,
     T_MIN},
    {"est6_burst_over_ipv4_1m", NULL, "IPv6 burst / IPv4 burst, 1M", 1.2,
     T_MAX},
};

static const fig *find_fig(const results *R, const char *name) {
  for (int i = 0; i < R->n; i++)
    if (strcmp(R->f[i].name, name) == 0)
      return &R->f[i];
  return NULL;
}

/* Every target the run measured: value, target, the floor of the same
 * table size (one dependent access, and 16 in flight), value / floor. */
static void print_targets(const results *R) {
  printf("\n%-42s %9s %8s %8s %8s %8s %7s %5s\n", "target", "value", "target",
         "dep", "par16", "/dep", "cycles", "met");
  for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
    const target *tg = &targets[i];
    const fig *f = find_fig(R, tg->fig);
    if (f == NULL)
      continue;
    char fname[48];
    double dep = 0, par = 0, cyc = 0;
    if (tg->floor != NULL && strcmp(f->unit, "ns") == 0) {
      /* the figure in cycles of the core's clock, measured at that size */
      snprintf(fname, sizeof(fname), "core_ghz_%s", tg->floor);
      const fig *fg = find_fig(R, fname);
      cyc = fg != NULL ? f->value * fg->value : 0;
      snprintf(fname, sizeof(fname), "floor_dep_%s_ns", tg->floor);
      const fig *fd = find_fig(R, fname);
      snprintf(fname, sizeof(fname), "floor_par16_%s_ns", tg->floor);
      const fig *fp = find_fig(R, fname);
      dep = fd != NULL ? fd->value : 0;
      par = fp != NULL ? fp->value : 0;
    }
    double ratio = dep > 0 ? f->value / dep : 0;
    int met = tg->kind == T_FLOOR ? dep > 0 && ratio <= tg->limit
              : tg->kind == T_MIN ? f->value >= tg->limit
                                  : f->value <= tg->limit;
    printf("%-42s %9.2f %7.2f%s %8.1f %8.2f %8.3f %7.0f %5s\n", tg->what,
           f->value, tg->limit, tg->kind == T_FLOOR ? "x" : " ", dep, par,
           ratio, cyc, met ? "yes" : "NO");
    size_t stem = strlen(tg->fig) - 3; /* the name without its "_ns" */
    if (cyc > 0)
      printf("bench %.*s_cycles %.1f cyc\n", (int)stem, tg->fig, cyc);
    printf("bench %s_target %.3f %s\n", tg->fig, tg->limit,
           tg->kind == T_FLOOR ? "x_floor_dep" : f->unit);
    printf("bench %s_meets_target %d bool\n", tg->fig, met);
  }
  /* the tail target beside the machine's own tail for calls as long */
  const fig *bt = find_fig(R, "burst_p999_over_median_1m");
  const fig *ft = find_fig(R, "floor_p999_over_median_1m");
  if (bt != NULL && ft != NULL && ft->value > 0) {
    printf("%-42s %9.2f (burst %.2f: %.2f x the floor's)\n",
           "  the floor's p99.9 / median, 1M", ft->value, bt->value,
           bt->value / ft->value);
    printf("bench burst_p999_over_floor_1m %.3f x\n", bt->value / ft->value);
  }
  /* the scaling target beside what two threads get of the machine at all */
  const fig *sc = find_fig(R, "scale_2_ratio");
  for (int pat = 0; sc != NULL && pat < 3; pat++) {
    static const char *const pns[3] = {"burst2", "width", "traffic"};
    static const char *const pws[3] = {"  two threads' memory floor, scale",
                                       "  two threads' add chains, scale",
                                       "  two threads' packet traffic, scale"};
    const char *pn = pns[pat];
    char name[48];
    snprintf(name, sizeof(name), "floor_%s_scale_2_ratio", pn);
    const fig *fs = find_fig(R, name);
    if (fs == NULL || fs->value <= 0)
      continue;
    printf("%-42s %9.2f (contexts %.2f: %.2f x the floor's)\n", pws[pat],
           fs->value, sc->value, sc->value / fs->value);
    printf("bench scale_2_over_floor_%s %.3f x\n", pn, sc->value / fs->value);
  }
}

/* ---- state sync at scale: a delta's export and import per conversation */

/* An active and a standby filled alike with n UDP flows (the same packets,
 * so the same ids, mappings and order, as if the standby had imported a
 * full snapshot), then k flows with a packet and d ended on the active:
 * the delta pass that carries them, exported in pieces of up to 64 KiB
 * and imported on the standby, timed per changed conversation. */
#define SYNC_CAP 65536u
#define SYNC_MAX_BLOBS 4096u

static void sync_touch(table *t, uint32_t f, uint8_t *b) {
  uint32_t e = f / DESTS, d = f % DESTS;
  build(b, 40, PINHOLE_IPPROTO_UDP, in_addr(t->ebase + e),
        in_port(t->ebase + e), REM_BASE + d, REM_PORT, 0, 1000);
  if (process1(t, b, 40, PINHOLE_SIDE_INSIDE) != PINHOLE_VERDICT_FORWARD)
    die("sync: packet of a live flow refused");
}

static void run_sync(uint32_t n, uint32_t k, uint32_t d, results *R) {
  table a, s;
  table_build(&a, n, 0, PINHOLE_IPPROTO_UDP, "");
  table_build(&s, n, 0, PINHOLE_IPPROTO_UDP, "");
  /* a pass marker a second later: what changes after it is the delta */
  uint8_t *blobs = malloc((size_t)SYNC_MAX_BLOBS * SYNC_CAP);
  size_t *lens = malloc(SYNC_MAX_BLOBS * sizeof(size_t));
  if (blobs == NULL || lens == NULL)
    die("out of memory");
  uint64_t t1 = a.now + SEC, t2 = t1 + SEC, cursor, next;
  size_t len;
  if (pinhole_state_export(a.ctx, t1, 0, blobs, 24, &len, &next) !=
      PINHOLE_ERR_NOBUF)
    die("sync: the pass marker");
  cursor = (uint64_t)(a.ctx->sync_pass_tick + 1u) << 32;
  a.now = t2;
  uint8_t b[SLOT_SIZE];
  uint64_t seed = 0x5eed0000u + n;
  /* k distinct flows, spread evenly, in the first half of their share */
  for (uint32_t i = 0; i < k; i++)
    sync_touch(
        &a, (uint32_t)(((uint64_t)i * n) / k + rng_below(&seed, n / k / 2)), b);
  for (uint32_t i = 0; i < d; i++) { /* d others ended (ids 2, 2 + n/d..) */
    pinhole_conv_filter f;
    memset(&f, 0, sizeof(f));
    f.size = sizeof(f);
    f.conv_id = (uint32_t)(((uint64_t)i * n) / d) + 2u + (n / k) / 2u;
    if (pinhole_conversations_clear(a.ctx, &f) != 1)
      die("sync: clearing a conversation");
  }
  uint32_t nb = 0, convs = 0;
  uint64_t t0 = now_ns();
  for (int rc = 0; rc != 1;) {
    if (nb == SYNC_MAX_BLOBS)
      die("sync: too many pieces");
    rc = pinhole_state_export(a.ctx, t2, cursor, blobs + (size_t)nb * SYNC_CAP,
                              SYNC_CAP, &lens[nb], &next);
    if (rc < 0)
      die("sync: export");
    cursor = next;
    nb++;
  }
  uint64_t t_exp = now_ns() - t0;
  t0 = now_ns();
  for (uint32_t i = 0; i < nb; i++) {
    int rc =
        pinhole_state_import(s.ctx, t2, blobs + (size_t)i * SYNC_CAP, lens[i]);
    if (rc < 0)
      die("sync: import");
    convs += (uint32_t)rc;
  }
  uint64_t t_imp = now_ns() - t0;
  pinhole_usage ua, ub;
  ua.size = ub.size = sizeof(ua);
  pinhole_usage_get(a.ctx, &ua);
  pinhole_usage_get(s.ctx, &ub);
  if (convs != k || ua.flows != n - d || ub.flows != ua.flows ||
      ub.mappings != ua.mappings) {
    fprintf(stderr, "convs %u flows %u %u maps %u %u\n", convs, ua.flows,
            ub.flows, ua.mappings, ub.mappings);
    die("sync: the standby does not hold what the active holds");
  }
  char name[64], what[80];
  snprintf(name, sizeof(name), "sync_export_%s_ns", size_tag(n));
  snprintf(what, sizeof(what), "delta export per changed conv (%u+%u, %u pcs)",
           k, d, nb);
  add(R, name, (double)t_exp / (k + d), "ns", NULL, what);
  snprintf(name, sizeof(name), "sync_import_%s_ns", size_tag(n));
  snprintf(what, sizeof(what), "delta import per changed conv (%u+%u)", k, d);
  add(R, name, (double)t_imp / (k + d), "ns", NULL, what);
  fprintf(stderr, "[sync %u] export %.1f ms, import %.1f ms, %u pieces\n", n,
          (double)t_exp / 1e6, (double)t_imp / 1e6, nb);
  free(blobs);
  free(lens);
  table_free(&a);
  table_free(&s);
}

static void usage(void) {
  fprintf(
      stderr,
      "usage: pinhole-bench [--quick] [--big] [--no-10m] [--size N]\n"
      "                     [--profile MODE] [--cgn] [--reasm] [--ipv6]\n"
      "                     [--mem] [--expire [--spread]] [--new] [--churn]\n"
      "                     [--rounds N]\n"
      "       pinhole-bench --threads N [--size FLOWS_PER_CONTEXT]\n"
      "       pinhole-bench --dns [--dns-seconds N]\n"
      "       pinhole-bench --sync [--size N]\n");
  exit(2);
}

/* --new: the TCP table with events as the full run builds it, then the
 * new flows. */
static void run_new_only(uint32_t n, uint32_t knew, ring *r, uint8_t *hdr,
                         const floor_res *fl, results *R) {
  table tt;
  table_spec sp = {0, 0, 0, 1};
  table_build_spec(&tt, n, knew / DESTS + knew + 1024, PINHOLE_IPPROTO_TCP, "",
                   &sp);
  run_new(&tt, r, hdr, knew, fl, R);
  table_free(&tt);
}

/* Every figure of table size n. The floor is measured first, over a
 * region as large as the context will be (its allocator's bytes), so
 * that the two never hold memory at once. !full (10M): the UDP table
 * only, its target figures (UDP out 64 B), memory and expiry. */
static void run_size(uint32_t n, int full, const opts *o, ring *r, results *R,
                     uint64_t start) {
  const char *tag = size_tag(n);
  uint32_t knew = n / 4 < 4096 ? 4096 : n / 4 > 65536 ? 65536 : n / 4;
  if (o->mem) { /* the memory figures: exact, no floor, no timing */
    table tm;
    table_build(&tm, n, 0, PINHOLE_IPPROTO_UDP, "");
    run_memory(&tm, R);
    table_free(&tm);
    return;
  }
  if (o->quick)
    knew = 1024;
  size_t npkts = npkts_for(n, o);
  size_t cap = npkts < CHUNK_PKTS ? npkts : CHUNK_PKTS;
  size_t nhdr = full && knew > cap ? knew : cap;
  floor_res fl = floor_measure(ctx_bytes(n), o->quick);
  char name[48];
  snprintf(name, sizeof(name), "floor_dep_%s_ns", tag);
  add(R, name, fl.dep, "ns", NULL, "one dependent random access");
  snprintf(name, sizeof(name), "floor_par8_%s_ns", tag);
  add(R, name, fl.par8, "ns", NULL, "per access, 8 in flight");
  snprintf(name, sizeof(name), "floor_par16_%s_ns", tag);
  add(R, name, fl.par16, "ns", NULL, "per access, 16 in flight");
  snprintf(name, sizeof(name), "floor_wave_%s_ns", tag);
  add(R, name, fl.wave, "ns", &fl, "one dependent access then 4 in flight");
  snprintf(name, sizeof(name), "floor_burst2_%s_ns", tag);
  add(R, name, fl.burst2, "ns", NULL,
      "two dependent lines a packet, bursts of 32 prefetched");
  if (o->expire || !o->v6) /* where expiry runs: its floor, the same order */
    fl.expire = floor_expire(n, o->expire && o->spread, o->quick);
  fl.newb = 0;
  if (!o->expire && (o->newflow || (full && !o->v6))) /* run_new's */
    fl.newb = floor_new_burst(n, (knew - knew % (2 * SLOTS)) / 2, o->quick);
  double ghz = clock_ghz();
  if (ghz > 0) {
    snprintf(name, sizeof(name), "core_ghz_%s", tag);
    add(R, name, ghz, "GHz", NULL, "the core's clock: a dependent add chain");
  }
  if (o->expire) { /* the floors and expiry: the UDP table, no traffic */
    table te;
    table_build(&te, n, 0, PINHOLE_IPPROTO_UDP, "");
    if (o->spread)
      table_spread(&te);
    floor_res fe = fl;
    fe.expire = 0; /* its floor's figures after this: */
    double ns = run_expire(&te, &fe, R, o->spread);
    table_free(&te);
    /* the floor again after: the mean of the two, one on each side of the
     * expiry, so that a shared machine's load is seen by both alike */
    double f2 = floor_expire(n, o->spread, o->quick);
    expire_floor_add(R, n, o->spread, ns, (fl.expire + f2) / 2);
    return;
  }
  if (o->newflow) /* the floors and the new-flow figures only */
    nhdr = knew;
  if (o->churn)
    nhdr = cap;
  uint8_t *hdr = huge_alloc(nhdr * HDR, NULL);
  if (hdr == NULL)
    die("out of memory");
  if (o->churn) {
    run_churn(n, r, hdr, o, &fl, R);
    huge_free(hdr, nhdr * HDR, NULL);
    return;
  }
  if (o->newflow) {
    run_new_only(n, knew, r, hdr, &fl, R);
    huge_free(hdr, nhdr * HDR, NULL);
    return;
  }

  /* a context sized for exactly its n flows: memory per live flow */
  table tu;
  uint64_t b0 = now_ns();
  long thp0 = thp_kb();
  table_build(&tu, n, 0, PINHOLE_IPPROTO_UDP, "");
  thp_share(R, "udp", tag, thp0, &tu);
  fprintf(stderr, "[%s] %u UDP flows built in %.2f s\n", tag, n,
          (double)(now_ns() - b0) / 1e9);
  run_memory(&tu, R);
  est_figs ef;
  memset(&ef, 0, sizeof(ef));
  run_established(&tu, r, hdr, o, &fl, R, &ef, full && !o->v6);
  snprintf(name, sizeof(name), "est_burst_%s_ns", tag);
  add(R, name, ef.burst_udp_out64, "ns", &fl,
      "= est_udp_out_64_burst (the target figure)");
  snprintf(name, sizeof(name), "est_single_%s_ns", tag);
  add(R, name, ef.single_udp_out64, "ns", &fl,
      "= est_udp_out_64_single (the target figure)");
  snprintf(name, sizeof(name), "est_burst_%s_per_floor_burst2", tag);
  add(R, name, fl.burst2 > 0 ? ef.burst_udp_out64 / fl.burst2 : 0, "x", NULL,
      "est_burst / floor_burst2: 1 is the memory's bound");
  snprintf(name, sizeof(name), "burst_p999_over_median_%s", tag);
  add(R, name, ef.tail.p999_over_median, "ratio", NULL,
      "burst call time p99.9 / median");
  snprintf(name, sizeof(name), "burst_slow_share_%s", tag);
  add(R, name, 100 * ef.tail.slow_share, "%", NULL,
      "burst calls over 8 x the median");
  if (ef.floor_tail.p999_over_median > 0) {
    snprintf(name, sizeof(name), "floor_p999_over_median_%s", tag);
    add(R, name, ef.floor_tail.p999_over_median, "ratio", NULL,
        "the same of 16 reads in flight as long as a burst (the machine's)");
    snprintf(name, sizeof(name), "floor_chunk_over_burst_%s", tag);
    add(R, name, ef.floor_tail.median_cycles / ef.tail.median_cycles, "x", NULL,
        "the floor's median chunk / the burst's median call");
    snprintf(name, sizeof(name), "floor_slow_share_%s", tag);
    add(R, name, 100 * ef.floor_tail.slow_share, "%", NULL,
        "the floor's chunks over 8 x their median");
    snprintf(name, sizeof(name), "floor_stalls_per_s_%s", tag);
    add(R, name, ef.floor_tail.stalls_per_s, "/s", NULL,
        "the machine's stalls (the floor's slow chunks) per second");
    snprintf(name, sizeof(name), "floor_stall_us_%s", tag);
    add(R, name, ef.floor_tail.stall_us, "us", NULL,
        "a stall's median length (the slow chunk over the median)");
  }
  snprintf(name, sizeof(name), "copy_%s_ns", tag);
  add(R, name, ef.copy64, "ns", NULL, "header restore, subtracted above");
  if (full && !o->v6)
    run_miss(&tu, r, hdr, o, &fl, R);
  if (!o->v6)
    run_expire(&tu, &fl, R, 0);
  table_free(&tu);
  if (full) { /* not at 10M: the IPv6 slots would double the context */
    run_established6(n, r, hdr, o, &fl, R, 0);
    run_established6(n, r, hdr, o, &fl, R, 1); /* NAT64 */
  }

  if (full && !o->v6) { /* TCP, with headroom for the new flows; the host takes
                 events (the new-flow target counts them) */
    table tt;
    table_spec sp = {0, 0, 0, 1};
    b0 = now_ns();
    table_build_spec(&tt, n, knew / DESTS + knew + 1024, PINHOLE_IPPROTO_TCP,
                     "", &sp);
    fprintf(stderr, "[%s] %u TCP flows built in %.2f s\n", tag, n,
            (double)(now_ns() - b0) / 1e9);
    run_established(&tt, r, hdr, o, &fl, R, &ef, 1);
    run_new(&tt, r, hdr, knew, &fl, R);
    table_free(&tt);
  }
  huge_free(hdr, nhdr * HDR, NULL);
  fprintf(stderr, "[%s] done at %.1f s\n", tag,
          (double)(now_ns() - start) / 1e9);
}

/* The 10M size runs when its context and packets fit the 4 GB budget
 * and the machine's available memory (or with --big whatever the
 * budget); otherwise the run says why it left it out. */
#define BIG_BUDGET (4ull << 30)
#define BIG_N (10u << 20)

static int big_fits(const results *R, const opts *o) {
  const fig *f = find_fig(R, "bytes_per_max_flow_1m");
  double per = f != NULL ? f->value : 300;
  uint64_t need = (uint64_t)(per * BIG_N * 1.02) + (uint64_t)CHUNK_PKTS * HDR +
                  (uint64_t)(BIG_N / DESTS) * 6u + (64ull << 20);
  uint64_t avail = mem_available();
  int fits = (need <= BIG_BUDGET || o->big) &&
             (avail == 0 || need + (512ull << 20) <= avail);
  if (!fits)
    printf("10M flows skipped: they need %.2f GB (context at %.0f B per "
           "flow, packets), the budget is %.2f GB%s, %.2f GB available\n",
           (double)need / 1e9, per, (double)BIG_BUDGET / 1e9,
           o->big ? " (ignored: --big)" : "", (double)avail / 1e9);
  else
    fprintf(stderr, "[10m] needs %.2f GB of %.2f GB available\n",
            (double)need / 1e9, (double)avail / 1e9);
  return fits;
}

int main(int argc, char **argv) {
  opts o;
  memset(&o, 0, sizeof(o));
  o.rounds = 3;
  o.threads = -1; /* not given: 2 in a normal run on 2+ CPUs */
  int dns = 0;
  uint32_t dns_secs = 0;
  int cgn = 0, reasm = 0, sync = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0)
      o.quick = 1;
    else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
      o.only = (uint32_t)strtoul(argv[++i], NULL, 0);
    else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc)
      o.profile = argv[++i];
    else if (strcmp(argv[i], "--ipv6") == 0)
      o.v6 = 1;
    else if (strcmp(argv[i], "--mem") == 0)
      o.mem = 1;
    else if (strcmp(argv[i], "--expire") == 0)
      o.expire = 1;
    else if (strcmp(argv[i], "--spread") == 0)
      o.spread = 1;
    else if (strcmp(argv[i], "--new") == 0)
      o.newflow = 1;
    else if (strcmp(argv[i], "--churn") == 0)
      o.churn = 1;
    else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      int r = atoi(argv[++i]);
      o.rounds = r < 1 ? 1 : r > ROUNDS_MAX ? ROUNDS_MAX : r;
      o.rounds_given = 1;
    } else if (strcmp(argv[i], "--big") == 0)
      o.big = 1;
    else if (strcmp(argv[i], "--no-10m") == 0)
      o.no_10m = 1;
    else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
      o.threads = (int)strtol(argv[++i], NULL, 0);
    else if (strcmp(argv[i], "--dns") == 0)
      dns = 1;
    else if (strcmp(argv[i], "--dns-seconds") == 0 && i + 1 < argc)
      dns_secs = (uint32_t)strtoul(argv[++i], NULL, 0);
    else if (strcmp(argv[i], "--cgn") == 0)
      cgn = 1;
    else if (strcmp(argv[i], "--reasm") == 0)
      reasm = 1;
    else if (strcmp(argv[i], "--sync") == 0)
      sync = 1;
    else
      usage();
  }
  if (o.threads > 8 || (o.threads >= 0 && o.threads < 2 && o.threads != 0))
    usage();
  if (dns)
    return run_dns(o.quick ? 2 : dns_secs ? dns_secs : 60);
  if (o.profile)
    return run_profile(&o);
  if (cgn) {
    static results RC;
    run_cgn(&o, &RC);
    print_results(&RC);
    return 0;
  }
  if (sync) { /* --sync [--size N]: 64k and 1M, or N (quick: 16k) */
    static results RS;
    uint32_t n = o.only >= 4096 ? o.only : o.quick ? 16384 : 0;
    if (n)
      run_sync(n, n / 16 < 4096 ? n / 16 : 4096, 256, &RS);
    else {
      run_sync(65536, 4096, 256, &RS);
      run_sync(1u << 20, 4096, 256, &RS);
    }
    print_results(&RS);
    return 0;
  }
  if (o.quick)
    o.rounds = 1;
  if (reasm) { /* the reassembly figures and the ALG overhead only */
    static results RR;
    ring *rr = ring_new();
    o.rounds = o.quick ? 1 : 7;
    run_reasm(&o, &RR);
    run_alg_overhead(rr, &o, &RR);
    ring_free(rr);
    print_results(&RR);
    return 0;
  }
  o.mt_flows = o.only >= DESTS ? o.only : o.quick ? 16384 : 1u << 20;
  static results R;
  uint64_t start = now_ns();
  if (o.threads > 0) { /* --threads N: the multi-core figures only */
    printf("pinhole-bench %s: %d contexts on %d threads, %u flows each\n",
           pinhole_version(), o.threads, o.threads, o.mt_flows);
    run_threads(&o, &R);
    print_results(&R);
    print_targets(&R);
    return 0;
  }
  uint32_t sizes[4];
  int nsizes = 0;
  if (o.quick) {
    sizes[nsizes++] = 1024;
    sizes[nsizes++] = 16384;
  } else {
    sizes[nsizes++] = 1024;
    sizes[nsizes++] = 65536;
    sizes[nsizes++] = 1u << 20;
  }
  if (o.only >= DESTS) {
    sizes[0] = o.only;
    nsizes = 1;
  }
  ring *r = ring_new();
  printf("pinhole-bench %s: %s, sizeof(ph_conn)=%zu sizeof(ph_conv)=%zu "
         "sizeof(ph_mapping)=%zu\n",
         pinhole_version(),
         o.quick ? "quick"
         : o.big ? "big"
                 : "default",
         sizeof(ph_conn), sizeof(ph_conv), sizeof(ph_mapping));
  for (int si = 0; si < nsizes; si++)
    run_size(sizes[si], sizes[si] < BIG_N, &o, r, &R, start);
  if (o.mem || o.expire || o.newflow || o.churn) {
    ring_free(r);
    print_results(&R);
    return 0;
  }
  if (!o.quick && o.only < DESTS && !o.no_10m && big_fits(&R, &o))
    run_size(BIG_N, 0, &o, r, &R, start);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (o.threads < 0 && o.only < DESTS && ncpu >= 2) {
    o.threads = 2;
    run_threads(&o, &R);
    fprintf(stderr, "[threads] done at %.1f s\n",
            (double)(now_ns() - start) / 1e9);
  }
  const char *ref = o.quick ? "16k" : "1m";
  alias(&R, "floor_dep_", ref, "_ns", "floor_dep_ns");
  alias(&R, "floor_par8_", ref, "_ns", "floor_par8_ns");
  alias(&R, "floor_par16_", ref, "_ns", "floor_par16_ns");
  alias(&R, "bytes_per_live_flow_", ref, "", "bytes_per_live_flow");
  alias(&R, "burst_p999_over_median_", ref, "", "burst_p999_over_median");
  run_ftp(&o, &R);
  run_reasm(&o, &R);
  run_alg_overhead(r, &o, &R);
  ring_free(r);
  print_results(&R);
  print_targets(&R);
  printf("bench total_seconds %.1f s\n", (double)(now_ns() - start) / 1e9);
  return 0;
}

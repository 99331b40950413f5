#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# What bounds the established UDP burst at 1k flows (issue 24's 15 ns
# target): the same burst timed for three builds of this tree, run in
# turn, so that the host's slow spells fall on all three alike.
#
#   main     the tree as it is
#   nocheck  ph_plain4_check() without its validity checks (the IP total
#            length, fragment bits, TTL, martian and equal addresses,
#            the header checksum, zero ports, the UDP length): what the
#            path would cost if it trusted its input, which it must not
#   nolook   pinhole_process_burst() without the look-ahead while the
#            flow table holds at most 4096 keys: each packet takes one
#            per call's path (ph_process_now), with the burst's one time
#            update
#
#   tests/bench/bound-1k.sh [ROUNDS]     (default 10; ~10 s a round)
#   tests/bench/bound-1k.sh --check      the patches still apply (a test)
#
# The two patches are experiments, never shipped: bound-1k/*.diff, made
# against the commit BENCHMARKS.md names (they may need refreshing when
# ph_plain4_check() or pinhole_process_burst() change). Prints, for each
# build, callgrind's instructions a packet in the bench's burst loop
# (when valgrind is there) and the median of est_udp_out_64_burst_1k_ns
# over the rounds whose floor_burst2_1k_ns stayed within 1.25 x the
# sitting's lowest (the host's slow mode reads ~1.5-1.8 x on every
# figure and floor alike).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = --check ]; then
  # the source tree as it is (a clone or an unpacked tarball): git apply
  # outside a repository works as patch(1) does
  command -v git >/dev/null 2>&1 || {
    echo "bound-1k.sh: git is not installed"
    exit 77
  }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT INT TERM
  mkdir -p "$tmp/lib/core" "$tmp/lib/pkt"
  cp "$here/../../lib/core/process.c" "$tmp/lib/core/"
  cp "$here/../../lib/pkt/plain4.h" "$tmp/lib/pkt/"
  for v in nocheck nolook; do
    (cd "$tmp" && git apply --check "$here/bound-1k/$v.diff") || {
      echo "bound-1k.sh: bound-1k/$v.diff no longer applies: refresh it"
      exit 1
    }
  done
  echo "bound-1k.sh: both patches apply"
  exit 0
fi
rounds=${1:-10}
top=$(git -C "$here" rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

for v in main nocheck nolook; do
  mkdir -p "$tmp/src-$v"
  git -C "$top" archive HEAD | tar -x -C "$tmp/src-$v"
  # git apply outside a repository works as patch(1) does
  [ "$v" = main ] || (cd "$tmp/src-$v" && git apply "$here/bound-1k/$v.diff")
  meson setup "$tmp/b-$v" "$tmp/src-$v" -Dbench=true -Dbuildtype=release \
    -Dtests=false -Dexamples=false >"$tmp/setup-$v.log" 2>&1 || {
    cat "$tmp/setup-$v.log"
    exit 1
  }
  ninja -C "$tmp/b-$v" >"$tmp/build-$v.log" 2>&1 || {
    cat "$tmp/build-$v.log"
    exit 1
  }
done

echo "instructions a packet (callgrind, --profile burst --size 1024, loop included):"
for v in main nocheck nolook; do
  if command -v valgrind >/dev/null 2>&1; then
    valgrind --tool=callgrind --toggle-collect=prof_region \
      --callgrind-out-file="$tmp/cg-$v" \
      "$tmp/b-$v/tests/bench/pinhole-bench" --profile burst --size 1024 \
      >/dev/null 2>&1
    sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg-$v" |
      awk -v v="$v" '{ printf "  %-8s %.1f\n", v, $1 / 65536 }'
  else
    echo "  $v: valgrind not installed"
  fi
done

: >"$tmp/runs"
i=0
while [ "$i" -lt "$rounds" ]; do
  i=$((i + 1))
  for v in main nocheck nolook; do
    timeout 120 "$tmp/b-$v/tests/bench/pinhole-bench" --size 1024 2>&1 |
      awk -v v="$v" '
        $1 == "bench" && $2 == "floor_burst2_1k_ns" { f = $3 }
        $1 == "bench" && $2 == "est_udp_out_64_burst_1k_ns" { b = $3 }
        END { if (f != "" && b != "") print v, f, b }' >>"$tmp/runs"
  done
done

awk '
  { n++; v[n] = $1; f[n] = $2; b[n] = $3; if (lo == "" || $2 < lo) lo = $2 }
  END {
    printf "est_udp_out_64_burst_1k_ns, median of the quiet rounds";
    printf " (floor_burst2_1k_ns <= %.2f):\n", lo * 1.25;
    split("main nocheck nolook", name, " ");
    for (k = 1; k <= 3; k++) {
      m = 0;
      for (j = 1; j <= n; j++)
        if (v[j] == name[k] && f[j] <= lo * 1.25)
          x[++m] = b[j];
      for (p = 1; p <= m; p++) # insertion sort, m is small
        for (q = p; q > 1 && x[q - 1] > x[q]; q--) {
          t = x[q]; x[q] = x[q - 1]; x[q - 1] = t;
        }
      if (m == 0)
        printf "  %-8s no quiet round\n", name[k];
      else
        printf "  %-8s %.2f ns (%d of %d rounds quiet, %.2f-%.2f)\n",
          name[k], m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2,
          m, n / 3, x[1], x[m];
    }
  }' "$tmp/runs"

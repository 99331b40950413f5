#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Instructions per packet of the established packet path, counted by
# callgrind (deterministic, unlike wall time on a shared machine).
#
#   tests/bench/callgrind.sh BUILD [FLOWS]
#
# BUILD is a release build with -Dbench=true; FLOWS the live flows of the
# table (65536). For each mode, pinhole-bench --profile MODE builds the
# table, then plays 65536 established 64-byte packets (UDP out, or TCP out
# for tcp-*) once, inside prof_region(), the only function callgrind
# counts (--toggle-collect): one per call (single) or in bursts of 32
# (burst). "copy" is the same loop without the library (header copy and
# check): net = mode - copy is the library's own count. "new" and
# "tcp-new" play 16384 new connections through NAPT (mapping, port,
# conversation, events) one per call, net of the same loop per packet.
# Prints one line per mode, and "bench ipp_<mode> <n> instr" lines.
set -eu
build=${1:?usage: callgrind.sh BUILD [FLOWS]}
flows=${2:-65536}
bench=$build/tests/bench/pinhole-bench
pkts=65536
command -v valgrind >/dev/null 2>&1 || {
  echo "callgrind.sh: valgrind is not installed (apt-get install valgrind)"
  exit 77
}
[ -x "$bench" ] || { echo "callgrind.sh: no $bench (-Dbench=true?)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
copy=0
for mode in copy single burst new tcp-copy tcp-single tcp-burst tcp-new; do
  out=$tmp/$mode.out
  valgrind --tool=callgrind --toggle-collect=prof_region \
    --callgrind-out-file="$out" "$bench" --profile "$mode" --size "$flows" \
    >"$tmp/$mode.log" 2>&1 || { cat "$tmp/$mode.log"; exit 1; }
  ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out")
  [ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out")
  n=$pkts
  case $mode in
  copy | tcp-copy)
    copy=$ir
    ;;
  new | tcp-new) n=16384 ;;
  esac
  awk -v m="$mode" -v ir="$ir" -v c="$copy" -v p="$pkts" -v n="$n" -v f="$flows" \
    'BEGIN { net = m ~ /copy/ ? ir / n : ir / n - c / p
             printf "%-11s %u flows: %7.1f instructions per packet, %7.1f net of the loop\n", m, f, ir / n, net
             k = m; gsub(/-/, "_", k); printf "bench ipp_%s_%u %.1f instr\n", k, f, net }'
done

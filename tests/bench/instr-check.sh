#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# The packet path's instruction counts held to the recorded ones: a
# change that adds work (a walk one line too far, a test run twice) shows
# as a count that moved, even when every result is still right.
#
#   tests/bench/instr-check.sh BUILD            check (exit 1 if one moved)
#   tests/bench/instr-check.sh BUILD --update   record the counts anew
#
# BUILD is a release build with -Dbench=true (.ci/run's bench stage). Each
# line of tests/bench/instr-counts.txt names a pinhole-bench profile, its
# live flows and what the count is divided by (packets, new flows or
# expired flows), and the whole count callgrind took inside prof_region()
# (the bench's loop included: it is the same on both sides). Counts are
# exact for one compiler and one set of options (Debian 12's GCC, -O3):
# a count more than TOLERANCE_PPM (2000: 0.2 %) away from its record, up
# or down, fails; a count that fell on purpose is recorded with --update
# and committed with the change, as the replay goldens are.
set -eu
build=${1:?usage: instr-check.sh BUILD [--update]}
mode=${2:-check}
case $mode in
check | --update) ;;
*)
  echo "usage: instr-check.sh BUILD [--update]"
  exit 2
  ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
counts=$here/instr-counts.txt
bench=$build/tests/bench/pinhole-bench
tol=${TOLERANCE_PPM:-2000}
command -v valgrind >/dev/null 2>&1 || {
  echo "instr-check.sh: valgrind is not installed (apt-get install valgrind)"
  exit 77
}
[ -x "$bench" ] || {
  echo "instr-check.sh: no $bench (-Dbench=true?)"
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# count PROFILE FLOWS [ARGS...]: callgrind's total inside prof_region()
count() {
  profile=$1
  flows=$2
  shift 2
  valgrind --tool=callgrind --toggle-collect=prof_region \
    --callgrind-out-file="$tmp/cg.out" "$bench" --profile "$profile" \
    --size "$flows" "$@" >"$tmp/log" 2>&1 || {
    cat "$tmp/log"
    return 1
  }
  ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
  [ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
  [ -n "$ir" ] || {
    echo "instr-check.sh: no total in callgrind's output for $profile"
    return 1
  }
  echo "$ir"
}

fail=0
: >"$tmp/new"
printf '%-12s %8s %8s %14s %14s %9s  %s\n' profile flows per recorded \
  counted each result
while read -r profile flows per recorded args; do
  case $profile in
  '#'* | '')
    echo "$profile $flows $per $recorded $args" | sed 's/ *$//' >>"$tmp/new"
    continue
    ;;
  esac
  extra=
  [ "$args" = "-" ] || extra=$args
  # shellcheck disable=SC2086 # extra is a list of options
  ir=$(count "$profile" "$flows" $extra) || exit 1
  result=$(awk -v r="$recorded" -v c="$ir" -v t="$tol" 'BEGIN {
      d = (c - r) * 1e6 / r
      if (d > t) printf "FAIL: up %.2f %%\n", d / 1e4
      else if (-d > t) printf "FAIL: down %.2f %%\n", -d / 1e4
      else print "ok"
    }')
  each=$(awk -v c="$ir" -v p="$per" 'BEGIN { printf "%.1f", c / p }')
  printf '%-12s %8s %8s %14s %14s %9s  %s\n' "$profile" "$flows" "$per" \
    "$recorded" "$ir" "$each" "$result"
  case $result in FAIL*) fail=1 ;; esac
  printf '%-12s %8s %8s %10s %s\n' "$profile" "$flows" "$per" "$ir" \
    "${args:--}" >>"$tmp/new"
done <"$counts"

if [ "$mode" = --update ]; then
  cp "$tmp/new" "$counts"
  echo "instr-check.sh: recorded the counts in $counts"
  exit 0
fi
if [ "$fail" -ne 0 ]; then
  echo "instr-check.sh: a count moved by more than $tol ppm; if on purpose," \
    "record it: tests/bench/instr-check.sh BUILD --update"
  exit 1
fi
echo "instr-check.sh: every count within $tol ppm of its record"

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# fuzz/check-state-seeds.sh GEN CORPUS
#
# Fails when a committed fuzz_state_import seed is not the blob the seed
# generator (fuzz/state_import.c built with -DSTATE_SEEDGEN) makes from
# today's library. A blob carries the exporter's configuration
# fingerprint, so a changed default (a table size, a limit) makes every
# stale seed a refused header: the fuzzer then explores nothing past it.
set -eu
gen=${1:?usage: check-state-seeds.sh GEN CORPUS}
corpus=${2:?usage: check-state-seeds.sh GEN CORPUS}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" "$tmp"
bad=0
for f in "$tmp"/*; do
  n=$(basename "$f")
  if ! cmp -s "$f" "$corpus/$n"; then
    echo "stale seed: fuzz/corpus/state_import/$n"
    bad=1
  fi
done
if [ "$bad" -ne 0 ]; then
  echo "regenerate: BUILD/fuzz/state_seedgen fuzz/corpus/state_import"
  exit 1
fi
echo "state_import seeds: $(ls "$tmp" | wc -l) current"

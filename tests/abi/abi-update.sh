#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: tests/abi/abi-update.sh BUILDDIR [OUT.abi]
#
# Writes the ABI baseline (default tests/abi/libpinhole.abi) from
# BUILDDIR/lib/libpinhole.so with abidw. Run it only for an intended ABI
# change, from a gcc build with debug info (the default build, -O3 -g),
# and commit the result together with the change of
# lib/libpinhole.map (see docs/build.md).
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
if [ $# -lt 1 ]; then
  echo "usage: $0 BUILDDIR [OUT.abi]" >&2
  exit 2
fi
build=$1
out=${2:-$here/libpinhole.abi}
so=$build/lib/libpinhole.so
abidw=${ABIDW:-abidw}
if [ ! -r "$so" ]; then
  echo "abi-update: $so not found (run ninja -C $build first)" >&2
  exit 1
fi
if ! command -v "$abidw" >/dev/null 2>&1; then
  echo "abi-update: abidw not found (apt-get install abigail-tools)" >&2
  exit 1
fi
if ! readelf -S "$so" | grep -q '\.debug_info'; then
  echo "abi-update: $so has no debug info; configure it with -Ddebug=true" >&2
  exit 1
fi
# Locations must stay in the baseline: abidiff --headers-dir2 decides what
# is public by declaration file, and a location-less baseline would let it
# filter every change out. --short-locs keeps them free of build paths.
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
"$abidw" --no-corpus-path --no-comp-dir-path --short-locs \
  --no-architecture --drop-private-types --type-id-style hash \
  --headers-dir "$src/include/pinhole" --out-file "$tmp" "$so"
if ! grep -q '<elf-symbol ' "$tmp"; then
  echo "abi-update: abidw found no exported symbol in $so" >&2
  exit 1
fi
# An ABI that did not change leaves the baseline as it is (abidw's output
# varies with the build, e.g. line numbers; a rewrite would be noise).
abidiff=${ABIDIFF:-abidiff}
if [ -f "$out" ] && command -v "$abidiff" >/dev/null 2>&1 &&
  "$abidiff" --no-architecture "$out" "$tmp" >/dev/null 2>&1; then
  echo "unchanged: $out already describes this ABI" \
    "($(grep -c '<elf-symbol ' "$out") symbols)"
  exit 0
fi
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out: $(grep -c '<elf-symbol ' "$out") symbols"

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: tests/abi/abi-check.sh BUILDDIR|LIBPINHOLE.so [BASELINE.abi]
#
# Compares the built library with the committed ABI baseline
# (tests/abi/libpinhole.abi) using abidiff and fails on any difference in
# the exported functions, variables and the types they reach (abidiff exit
# bits: 1 error, 2 usage, 4 ABI change, 8 incompatible change). Added
# symbols are allowed (--no-added-syms); they belong to a new version node
# of lib/libpinhole.map. Exit 77 (meson: skipped) when there is no baseline
# yet, when abidiff is missing or when the library has no debug info.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
if [ $# -lt 1 ]; then
  echo "usage: $0 BUILDDIR|libpinhole.so [BASELINE.abi]" >&2
  exit 2
fi
so=$1
[ -d "$so" ] && so=$so/lib/libpinhole.so
base=${2:-$here/libpinhole.abi}
abidiff=${ABIDIFF:-abidiff}
abidw=${ABIDW:-abidw}
if [ ! -f "$base" ]; then
  echo "SKIP: no baseline yet ($base is absent)."
  echo "Create it with: tests/abi/abi-update.sh BUILDDIR (see docs/build.md)."
  exit 77
fi
if ! command -v "$abidiff" >/dev/null 2>&1; then
  echo "SKIP: abidiff not found (apt-get install abigail-tools)."
  exit 77
fi
if [ ! -r "$so" ]; then
  echo "abi-check: $so not found" >&2
  exit 1
fi
if ! readelf -S "$so" | grep -q '\.debug_info'; then
  echo "SKIP: $so has no debug info (abidiff needs -g; buildtype=release?)."
  exit 77
fi
status=0
"$abidiff" --no-added-syms --no-architecture \
  --headers-dir2 "$src/include/pinhole" "$base" "$so" || status=$?
if [ "$status" -ne 0 ]; then
  echo >&2
  if [ $((status & 3)) -ne 0 ]; then
    echo "abi-check: abidiff failed to run (exit $status)" >&2
  elif [ $((status & 8)) -ne 0 ]; then
    echo "abi-check: INCOMPATIBLE ABI change against $base (exit $status)." >&2
    echo "If intended: bump soversion in meson.build, append a version" >&2
    echo "node to lib/libpinhole.map and run tests/abi/abi-update.sh BUILDDIR." >&2
  else
    echo "abi-check: ABI change against $base (exit $status)." >&2
    echo "If intended: append a version node to lib/libpinhole.map and run" >&2
    echo "tests/abi/abi-update.sh BUILDDIR; commit both (docs/build.md)." >&2
  fi
  exit 1
fi
# Compatible additions pass; say so, so the baseline does not go stale.
if command -v "$abidw" >/dev/null 2>&1; then
  cur=$(mktemp)
  trap 'rm -f "$cur"' EXIT
  "$abidw" --no-corpus-path --no-comp-dir-path --short-locs \
    --no-architecture --drop-private-types --type-id-style hash \
    --headers-dir "$src/include/pinhole" --out-file "$cur" "$so"
  grep '<elf-symbol ' "$base" | sed "s/.* name='\([^']*\)'.*/\1/" |
    sort -u >"$cur.base"
  grep '<elf-symbol ' "$cur" | sed "s/.* name='\([^']*\)'.*/\1/" |
    sort -u >"$cur.now"
  added=$(comm -13 "$cur.base" "$cur.now" | tr '\n' ' ')
  rm -f "$cur.base" "$cur.now"
  if [ -n "$added" ]; then
    echo "note: exported since the baseline: $added"
    echo "note: run tests/abi/abi-update.sh BUILDDIR when they are released."
  fi
fi
echo "ok: ABI of $(basename "$so") matches $(basename "$base")"

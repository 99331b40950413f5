#!/bin/sh
# Usage: check-symbols.sh libpinhole.so libpinhole.a libpinhole.map
# Fails when the shared library exports a symbol the map does not list (or
# the reverse), or when the static library defines a global symbol without
# the pinhole_ prefix (a static link puts every global into the host).
set -eu
so=$1 ar=$2 map=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -n 's/^[[:space:]]*\(pinhole_[A-Za-z0-9_]*\);.*/\1/p' "$map" | sort -u >"$tmp/map"
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' |
  sed 's/@.*//' | grep -v '^PINHOLE_' | sort -u >"$tmp/so"
if ! diff -u "$tmp/map" "$tmp/so"; then
  echo "exported symbols differ from $map (- map only, + exported only)" >&2
  exit 1
fi
bad=$(nm --defined-only -g "$ar" | awk 'NF == 3 {print $3}' |
  grep -v -E '^(pinhole_|LLVMFuzzer)' || true)
if [ -n "$bad" ]; then
  echo "globals in the static library without the pinhole_ prefix:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "ok: $(wc -l <"$tmp/so") exported symbols match the map"

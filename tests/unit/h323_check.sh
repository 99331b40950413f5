#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The H.323 test data stays what tests/unit/h323_gen.py makes, and tshark
# decodes all of it with no malformed packet:
#   h323_check.sh SRCDIR
# Exit 77 (skipped) when python3 or tshark is missing.
set -eu
src=${1:?usage: h323_check.sh SRCDIR}
command -v python3 >/dev/null 2>&1 || exit 77
command -v tshark >/dev/null 2>&1 || exit 77
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen="$src/tests/unit/h323_gen.py"
python3 "$gen" header "$tmp/v.h"
if command -v clang-format >/dev/null 2>&1; then
  cp "$src/.clang-format" "$tmp/" 2>/dev/null || true
  clang-format -i "$tmp/v.h"
  cmp "$tmp/v.h" "$src/tests/unit/h323_vectors.h" ||
    { echo "h323_vectors.h is not what h323_gen.py makes"; exit 1; }
fi
python3 "$gen" call "$tmp/call.pcap"
cmp "$tmp/call.pcap" "$src/examples/captures/h323.pcap" ||
  { echo "examples/captures/h323.pcap is not what h323_gen.py makes"; exit 1; }
python3 "$gen" pcap "$tmp/all.pcap"
for f in all call; do
  out=$(tshark -r "$tmp/$f.pcap" -V 2>/dev/null)
  n=$(printf '%s\n' "$out" | grep -c '^Frame [0-9]*:' || true)
  [ "$n" -gt 0 ] || { echo "$f.pcap: tshark read no frame"; exit 1; }
  if printf '%s\n' "$out" | grep -qi 'malformed'; then
    echo "$f.pcap: tshark finds a malformed packet"
    exit 1
  fi
  echo "ok $f.pcap: $n frames, none malformed"
done

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: check-spdx.sh SRCDIR
#
# Every source file under lib/ include/ tests/ fuzz/ examples/ bindings/
# (C, headers, .in templates, Python, shell) names its licence in an
# "SPDX-License-Identifier: L" line within its first three lines, where L
# is the licence of meson.build's project(); LICENSE exists and is that
# licence's text.
set -eu
LC_ALL=C
export LC_ALL
src=${1:-.}
cd "$src"
lic=$(sed -n "s/^ *license: *'\([^']*\)'.*/\1/p" meson.build | head -n 1)
[ -n "$lic" ] || {
  echo "FAIL: no license: in meson.build's project()" >&2
  exit 1
}
[ -f LICENSE ] || {
  echo "FAIL: no LICENSE file" >&2
  exit 1
}
case $lic in
BSD-2-Clause)
  grep -q 'Redistribution and use in source and binary forms' LICENSE &&
    ! grep -q 'Neither the name' LICENSE || {
    echo "FAIL: LICENSE is not the BSD-2-Clause text" >&2
    exit 1
  }
  ;;
*)
  echo "FAIL: check-spdx.sh does not know the text of $lic" >&2
  exit 1
  ;;
esac
tag="SPDX-License-Identifier: $lic"
list=$(mktemp)
trap 'rm -f "$list"' EXIT
for d in lib include tests fuzz examples bindings; do
  [ -d "$d" ] || continue
  find "$d" \( -name corpus -o -name golden -o -name 'build*' \
    -o -name subprojects -o -name __pycache__ -o -name '*.egg-info' \) -prune \
    -o -type f \( -name '*.c' -o -name '*.h' -o -name '*.in' -o -name '*.py' \
    -o -name '*.sh' -o -name '*.pyi' \) -print
done | sort >"$list"
# one awk over all files (a head and a grep per file took 30 s under load)
n=$(wc -l <"$list")
missing=$(tr '\n' '\0' <"$list" | xargs -0 -r awk -v tag="$tag" '
  FNR == 1 { if (f != "" && !ok) print f; f = FILENAME; ok = 0 }
  FNR <= 3 && index($0, tag) { ok = 1 }
  END { if (f != "" && !ok) print f }')
# an empty file has no first line for awk to see
empty=$(tr '\n' '\0' <"$list" |
  xargs -0 -r sh -c 'for f; do [ -s "$f" ] || echo "$f"; done' sh)
bad=0
for f in $missing $empty; do
  echo "no '$tag' in the first lines of $f" >&2
  bad=$((bad + 1))
done
if [ "$n" -eq 0 ]; then
  echo "FAIL: no source files found under $src" >&2
  exit 1
fi
if [ "$bad" -ne 0 ]; then
  echo "FAIL: $bad of $n files lack the SPDX line" >&2
  exit 1
fi
echo "ok: $n files carry '$tag'; LICENSE is $lic"

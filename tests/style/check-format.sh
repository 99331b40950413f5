#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: check-format.sh SRCDIR [CLANG-FORMAT]
#
# Every C source and header under lib/ include/ tests/ fuzz/ examples/ must
# be formatted as .clang-format says (clang-format --dry-run --Werror).
# Fix with: clang-format -i FILE... Exit 77 (skipped) without clang-format.
set -eu
LC_ALL=C
export LC_ALL
src=${1:-.}
cf=${2:-${CLANG_FORMAT:-clang-format}}
if ! command -v "$cf" >/dev/null 2>&1; then
  echo "SKIP: clang-format not found (apt-get install clang-format)"
  exit 77
fi
cd "$src"
[ -f .clang-format ] || {
  echo "no .clang-format in $src" >&2
  exit 1
}
list=$(mktemp)
trap 'rm -f "$list"' EXIT
for d in lib include tests fuzz examples; do
  [ -d "$d" ] || continue
  find "$d" \( -name corpus -o -name 'build*' -o -name subprojects \) -prune \
    -o -type f \( -name '*.c' -o -name '*.h' \) -print
done | sort >"$list"
n=$(wc -l <"$list")
if [ "$n" -eq 0 ]; then
  echo "no C files found under $src" >&2
  exit 1
fi
# One clang-format for every file (one process per file takes minutes on
# a loaded machine); file by file only to name the culprits.
# shellcheck disable=SC2046 # one path per line, no spaces in them
if "$cf" --style=file --dry-run --Werror $(cat "$list") >/dev/null 2>&1; then
  echo "ok: $n files formatted ($("$cf" --version | head -n 1))"
  exit 0
fi
bad=0
while IFS= read -r f; do
  if ! "$cf" --style=file --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f" >&2
    "$cf" --style=file "$f" | diff -u "$f" - | sed -n '1,40p' >&2 || true
    bad=$((bad + 1))
  fi
done <"$list"
if [ "$bad" -ne 0 ]; then
  echo "$bad of $n files need: $cf -i FILE" >&2
  exit 1
fi
echo "ok: $n files formatted ($("$cf" --version | head -n 1))"

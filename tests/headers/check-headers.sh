#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: check-headers.sh SRC_INCLUDE BUILD_INCLUDE CC-COMMAND [-- CXX-COMMAND]
#
# Every public header include/pinhole/*.h (and the generated version.h)
# must compile alone, and twice in a row (include guard), as strict C11 and,
# when a C++ compiler is given, as C++11: extern "C", no C-only syntax. A
# public header includes only <stddef.h>, <stdint.h> and other
# <pinhole/...> headers.
set -eu
LC_ALL=C
export LC_ALL
if [ $# -lt 3 ]; then
  echo "usage: $0 SRC_INCLUDE BUILD_INCLUDE CC... [-- CXX...]" >&2
  exit 2
fi
srcinc=$1 bldinc=$2
shift 2
cc=
cxx=
seen_sep=0
for a in "$@"; do
  if [ "$a" = "--" ]; then
    seen_sep=1
  elif [ "$seen_sep" -eq 0 ]; then
    cc="$cc $a"
  else
    cxx="$cxx $a"
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags="-Wall -Wextra -Werror -pedantic -Wundef -Wshadow -I$srcinc -I$bldinc"
fails=0
count=0
for h in "$srcinc"/pinhole/*.h "$bldinc"/pinhole/version.h; do
  [ -f "$h" ] || continue
  name=$(basename "$h")
  count=$((count + 1))
  bad=$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\(.*\)/\1/p' "$h" |
    grep -v -E '^(<stddef\.h>|<stdint\.h>|<pinhole/[a-z0-9_]+\.h>)' || true)
  if [ -n "$bad" ]; then
    echo "FAIL $name includes a non-public header: $bad" >&2
    fails=$((fails + 1))
  fi
  printf '#include <pinhole/%s>\n#include <pinhole/%s>\ntypedef int ph_check;\n' \
    "$name" "$name" \
    >"$tmp/t.c"
  # shellcheck disable=SC2086 # the compiler commands are word lists
  if $cc -std=c11 $flags -fsyntax-only -x c "$tmp/t.c" 2>"$tmp/err"; then
    echo "ok   C11   $name"
  else
    echo "FAIL C11   $name" >&2
    cat "$tmp/err" >&2
    fails=$((fails + 1))
  fi
  [ -n "$cxx" ] || continue
  # shellcheck disable=SC2086
  if $cxx -std=c++11 $flags -fsyntax-only -x c++ "$tmp/t.c" 2>"$tmp/err"; then
    echo "ok   C++11 $name"
  else
    echo "FAIL C++11 $name" >&2
    cat "$tmp/err" >&2
    fails=$((fails + 1))
  fi
done
if [ "$count" -eq 0 ]; then
  echo "no headers found under $srcinc/pinhole" >&2
  exit 1
fi
[ -n "$cxx" ] || echo "note: no C++ compiler, C++ checks skipped"
[ "$fails" -eq 0 ]

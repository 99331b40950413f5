#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: check-alg-includes.sh SRCDIR
#
# The ALG module contract (lib/alg/alg.h): a module or pure parser under
# lib/alg/ includes only the contract, the shared text cursor, public
# headers (<pinhole/...>), the byte-order helpers (pkt/bytes.h), a pure
# layer's own internal header (alg/<x>_parse.h, from its parser files) and the C
# library - never the engine (core/, nat/, flow/, timer/) - and a pure
# parser (*_parse.c) not even the contract. Prints each offending line; exits 1 when there is one.
set -eu
LC_ALL=C
export LC_ALL
cd "${1:-.}"
bad=0
for f in lib/alg/*.c lib/alg/*.h; do
  [ -f "$f" ] || continue
  grep -n '^[[:space:]]*#[[:space:]]*include' "$f" | while IFS= read -r line; do
    inc=$(printf '%s\n' "$line" | sed -n 's/.*#[[:space:]]*include[[:space:]]*\(["<][^">]*[">]\).*/\1/p')
    case "$f:$inc" in
    *_parse.c:'"alg/alg.h"') echo "$f: a pure parser includes the contract: $line" ;;
    *:'"alg/alg.h"' | *:'"alg/text.h"' | *:'<pinhole/'*'>') ;;
    *:'"pkt/bytes.h"') ;; # pure byte-order loads and stores
    *_parse.c:'"alg/'*'_parse.h"' | *_rewrite.c:'"alg/'*'_parse.h"') ;; # a pure layer's own internals
    *:'<'*'>') ;; # the C library
    *) echo "$f: includes $inc (modules see the engine only through alg/alg.h): $line" ;;
    esac
  done
done >"${TMPDIR:-/tmp}/alg-includes.$$"
if [ -s "${TMPDIR:-/tmp}/alg-includes.$$" ]; then
  cat "${TMPDIR:-/tmp}/alg-includes.$$" >&2
  bad=1
fi
rm -f "${TMPDIR:-/tmp}/alg-includes.$$"
n=$(ls lib/alg/*.c | wc -l)
echo "checked the includes of $n ALG files"
exit "$bad"

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: check-symbols.sh LIBPINHOLE.so LIBPINHOLE.a LIBPINHOLE.map [NM]
#
# Fails when
#  - the shared library exports a symbol the map does not list, or the map
#    lists one the library does not export;
#  - an exported symbol carries a different version node than the map
#    gives it (when nm shows symbol versions: binutils >= 2.35, llvm-nm);
#  - the static library defines a global symbol (strong, weak or common)
#    whose name does not start with pinhole_ (a static link puts every
#    global of libpinhole.a into the host's namespace).
# NM (argument or environment) selects nm; llvm-nm or gcc-nm are needed
# for LTO objects. nm is run with -P (POSIX format: "name type value size")
# so GNU and LLVM nm parse the same way.
set -eu
LC_ALL=C
export LC_ALL
if [ $# -lt 3 ]; then
  echo "usage: $0 libpinhole.so libpinhole.a libpinhole.map [nm]" >&2
  exit 2
fi
so=$1 ar=$2 map=$3
nm=${4:-${NM:-nm}}
for f in "$so" "$ar" "$map"; do
  if [ ! -r "$f" ]; then
    echo "check-symbols: cannot read $f" >&2
    exit 2
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The map: "name node" for every name in a node's global: section. Handles
# C comments (also over several lines), several names on a line, and
# ignores the local: section and wildcards.
awk '
  {
    line = $0
    out = ""
    while (line != "") {
      if (incomment) {
        i = index(line, "*/")
        if (i == 0) { line = ""; break }
        line = substr(line, i + 2); incomment = 0
      } else {
        i = index(line, "/*")
        if (i == 0) { out = out line; line = ""; break }
        out = out substr(line, 1, i - 1) " "
        line = substr(line, i + 2); incomment = 1
      }
    }
    sub(/#.*/, "", out)
    gsub(/[{};]/, " & ", out)
    n = split(out, tok, /[ \t]+/)
    for (k = 1; k <= n; k++) {
      t = tok[k]
      if (t == "") continue
      if (t == "{") { depth++; continue }
      if (t == "}") { depth--; if (depth == 0) { node = ""; section = "" } ; continue }
      if (t == ";") continue
      if (depth == 0) { node = t; continue }
      if (t == "global:") { section = "global"; continue }
      if (t == "local:") { section = "local"; continue }
      if (section == "global" && t ~ /^[A-Za-z_][A-Za-z0-9_]*$/)
        print t, node
    }
  }
' "$map" | sort -u >"$tmp/map.ver"
cut -d' ' -f1 "$tmp/map.ver" | sort -u >"$tmp/map"
if [ ! -s "$tmp/map" ]; then
  echo "check-symbols: no symbols found in $map" >&2
  exit 1
fi
if [ "$(wc -l <"$tmp/map")" -ne "$(wc -l <"$tmp/map.ver")" ]; then
  echo "check-symbols: a symbol is listed in more than one node of $map:" >&2
  cut -d' ' -f1 "$tmp/map.ver" | uniq -d >&2
  exit 1
fi

# Exported dynamic symbols: defined, global or weak (T D B R V W G S i u).
# The version node definitions (type A) are not symbols of the API.
if ! "$nm" -P -D --defined-only "$so" >"$tmp/nm.so"; then
  echo "check-symbols: $nm failed on $so" >&2
  exit 2
fi
awk 'NF >= 2 && $2 ~ /^[TDBRVWGSiu]$/ {
       name = $1; ver = ""
       if ((i = index(name, "@")) > 0) {
         ver = substr(name, i); sub(/^@+/, "", ver); name = substr(name, 1, i - 1)
       }
       print name, ver
     }' "$tmp/nm.so" | sort -u >"$tmp/so.ver"
cut -d' ' -f1 "$tmp/so.ver" | sort -u >"$tmp/so"
status=0
if ! diff -u "$tmp/map" "$tmp/so" >"$tmp/diff"; then
  echo "exported symbols of $so differ from $map" >&2
  echo "(- listed in the map only, + exported only):" >&2
  grep '^[-+][^-+]' "$tmp/diff" >&2 || true
  status=1
fi
# Version nodes: only when nm printed them (every line has a version).
if ! grep -q ' $' "$tmp/so.ver"; then
  join "$tmp/map.ver" "$tmp/so.ver" | awk '$2 != $3 {
    print "  " $1 ": map node " $2 ", library node " $3 }' >"$tmp/badver"
  if [ -s "$tmp/badver" ]; then
    echo "exported symbols with the wrong version node:" >&2
    cat "$tmp/badver" >&2
    status=1
  fi
fi

# Globals of the static library. Compiler-generated helpers (PIC thunks on
# i386, sanitizer and coverage instrumentation) are not ours to name.
if ! "$nm" -P -g --defined-only "$ar" >"$tmp/nm.a"; then
  echo "check-symbols: $nm failed on $ar" >&2
  exit 2
fi
awk 'NF >= 2 && $2 ~ /^[A-Za-z]$/ && $2 != "U" && $2 != "w" && $2 != "v" {
       print $1 }' "$tmp/nm.a" |
  grep -v -E '^pinhole_[A-Za-z0-9_]' |
  grep -v -E '^__(x86\.get_pc_thunk|llvm_|gcov|asan|ubsan|sancov|tsan|msan|odr_asan|prof[cdnv]_)' |
  sort -u >"$tmp/bad" || true
if [ -s "$tmp/bad" ]; then
  echo "globals defined in $ar without the pinhole_ prefix" >&2
  echo "(make them static, or name them pinhole__x):" >&2
  sed 's/^/  /' "$tmp/bad" >&2
  status=1
fi
if [ "$(wc -l <"$tmp/nm.a")" -eq 0 ]; then
  echo "check-symbols: $ar defines no global symbols" >&2
  status=1
fi
[ "$status" -eq 0 ] || exit "$status"
echo "ok: $(wc -l <"$tmp/so") exported symbols match $(basename "$map");" \
  "every global of $(basename "$ar") starts with pinhole_"

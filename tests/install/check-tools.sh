#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: check-tools.sh BUILDDIR VERSION MESON
#
# The installed programs and man pages, as a user meets them after
# `meson install`: `meson install --destdir` to a temporary tree, then
#  - bin/pinhole-replay (when libpcap was found) and sbin/pinhole-gw are
#    there and, run from the tree (LD_LIBRARY_PATH=its libdir), print
#    "NAME VERSION (libpinhole VERSION)" for --version and their usage for
#    --help, exit 0; an unknown option exits 2;
#  - man1/pinhole-replay.1, man8/pinhole-gw.8 and man3/pinhole.3 are
#    installed, name VERSION in their footer and render with `man -l`
#    without a warning (groff -ww); skipped parts say so.
set -eu
LC_ALL=C.UTF-8
export LC_ALL
if [ $# -ne 3 ]; then
  echo "usage: $0 BUILDDIR VERSION MESON" >&2
  exit 2
fi
build=$1 version=$2 meson=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
"$meson" install -C "$build" --destdir "$tmp/stage" --no-rebuild --quiet ||
  fail "meson install --destdir"
so=$(find "$tmp/stage" -name 'libpinhole.so.[0-9]*' | sort | head -n 1)
[ -n "$so" ] || fail "libpinhole.so.N not installed"
libdir=$(dirname "$so")

tools="sbin/pinhole-gw"
if [ -f "$build/examples/replay/pinhole-replay" ]; then
  tools="bin/pinhole-replay $tools"
else
  echo "note: pinhole-replay not built (no libpcap), not checked"
fi
for t in $tools; do
  name=${t#*/}
  exe=$(find "$tmp/stage" -path "*/$t" -type f | head -n 1)
  [ -n "$exe" ] && [ -x "$exe" ] || fail "$t not installed"
  out=$(LD_LIBRARY_PATH=$libdir "$exe" --version) ||
    fail "$name --version exited $?"
  [ "$out" = "$name $version (libpinhole $version)" ] ||
    fail "$name --version says '$out'"
  out=$(LD_LIBRARY_PATH=$libdir "$exe" --help) || fail "$name --help exited $?"
  printf '%s\n' "$out" | grep -q "^usage: $name " ||
    fail "$name --help prints no usage"
  rc=0
  LD_LIBRARY_PATH=$libdir "$exe" --no-such-option >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 2 ] || fail "$name --no-such-option exited $rc, not 2"
  echo "ok: $t: --version, --help, a bad option exits 2"
done

for m in man1/pinhole-replay.1 man8/pinhole-gw.8 man3/pinhole.3; do
  page=$(find "$tmp/stage" -path "*/man/$m" -type f | head -n 1)
  [ -n "$page" ] || fail "$m not installed"
  grep -q "\"pinhole $version\"" "$page" || fail "$m does not say $version"
  if command -v groff >/dev/null 2>&1; then
    warn=$(groff -man -ww -z -Tutf8 "$page" 2>&1) || fail "groff $m"
    [ -z "$warn" ] || fail "groff warns on $m: $warn"
  fi
  if command -v man >/dev/null 2>&1; then
    text=$(MANWIDTH=80 man -l "$page" 2>"$tmp/man.err") || fail "man -l $m"
    [ ! -s "$tmp/man.err" ] || fail "man -l $m: $(cat "$tmp/man.err")"
    printf '%s\n' "$text" | grep -q '^NAME' || fail "man -l $m: no NAME"
    printf '%s\n' "$text" | grep -q "pinhole $version" ||
      fail "man -l $m: no version in the footer"
    echo "ok: $m renders with man -l ($(printf '%s\n' "$text" | wc -l) lines)"
  else
    echo "note: man not installed; $m checked with groff only"
  fi
done

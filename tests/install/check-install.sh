#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: check-install.sh BUILDDIR SRCDIR VERSION MESON -- CC [CFLAGS...]
#
# Installs the build into a temporary directory and builds
# tests/install/consumer.c as an outsider would: with only the flags of
# `pkg-config pinhole`. Checks
#  - every public header of include/pinhole is installed, unchanged, with
#    the generated version.h, and the .so, its SONAME link, the .a and the .pc;
#  - the staged tree works through PKG_CONFIG_SYSROOT_DIR;
#  - the tree still works after moving it (--define-variable=prefix=);
#  - the consumer links against the shared library (NEEDED libpinhole.so.N,
#    run with LD_LIBRARY_PATH) and, with --static flags, against
#    libpinhole.a (no NEEDED entry, runs without LD_LIBRARY_PATH);
#  - it prints the expected version and error strings.
# Exit 77 (skipped) when pkg-config is missing.
set -eu
LC_ALL=C
export LC_ALL
if [ $# -lt 6 ] || [ "$5" != "--" ]; then
  echo "usage: $0 BUILDDIR SRCDIR VERSION MESON -- CC [CFLAGS...]" >&2
  exit 2
fi
build=$1 src=$2 version=$3 meson=$4
shift 5
pkgconfig=${PKG_CONFIG:-pkg-config}
if ! command -v "$pkgconfig" >/dev/null 2>&1; then
  echo "SKIP: $pkgconfig not found"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# 1. Install into a staging directory.
"$meson" install -C "$build" --destdir "$tmp/stage" --no-rebuild --quiet ||
  fail "meson install --destdir"
pc=$(find "$tmp/stage" -name pinhole.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || fail "pinhole.pc not installed"
# The configured prefix, as written in the .pc file.
prefix=$(sed -n 's/^prefix=//p' "$pc")
[ -n "$prefix" ] || fail "no prefix= in $pc"
stage_prefix=$tmp/stage$prefix
[ -d "$stage_prefix" ] || fail "$stage_prefix missing"
libdir_stage=$(dirname "$(dirname "$pc")")
incdir_stage=$(find "$tmp/stage" -type d -name pinhole -path '*/include/*' |
  head -n 1)
[ -n "$incdir_stage" ] || fail "include/pinhole not installed"
for h in "$src"/include/pinhole/*.h; do
  name=$(basename "$h")
  [ -f "$incdir_stage/$name" ] || fail "header $name not installed"
  cmp -s "$h" "$incdir_stage/$name" || fail "installed $name differs"
done
[ -f "$incdir_stage/version.h" ] || fail "version.h not installed"
grep -q "PINHOLE_VERSION_STRING \"$version\"" "$incdir_stage/version.h" ||
  fail "installed version.h does not say $version"
soname_link=$(find "$libdir_stage" -maxdepth 1 -name 'libpinhole.so.[0-9]*' |
  sort | head -n 1)
[ -n "$soname_link" ] || fail "libpinhole.so.N not installed"
[ -e "$libdir_stage/libpinhole.so" ] || fail "libpinhole.so not installed"
[ -f "$libdir_stage/libpinhole.a" ] || fail "libpinhole.a not installed"
grep -q "^Version: $version\$" "$pc" || fail "$pc: Version is not $version"
echo "ok: installed headers, libraries and pinhole.pc ($prefix)"

expect="version $version
strerror invalid argument
fatal 1"
check_output() { # check_output WHAT OUTPUT
  got=$(printf '%s\n' "$2" | grep -v '^header ')
  [ "$got" = "$expect" ] || {
    printf 'expected:\n%s\ngot:\n%s\n' "$expect" "$2" >&2
    fail "$1: wrong output"
  }
  printf '%s\n' "$2" | grep -q "^header $version " ||
    fail "$1: header version is not $version"
}
# The compiler command and its flags (sanitizers of the build).
cc_cmd=$*

# 2. The staged tree, through the sysroot mechanism.
cflags=$(PKG_CONFIG_PATH=$libdir_stage/pkgconfig \
  PKG_CONFIG_SYSROOT_DIR=$tmp/stage "$pkgconfig" --cflags pinhole)
libs=$(PKG_CONFIG_PATH=$libdir_stage/pkgconfig \
  PKG_CONFIG_SYSROOT_DIR=$tmp/stage "$pkgconfig" --libs pinhole)
echo "sysroot: cflags=$cflags libs=$libs"
# shellcheck disable=SC2086 # flag lists
$cc_cmd -std=c11 -Wall -Wextra -Werror -pedantic $cflags \
  -o "$tmp/consumer-sysroot" "$src/tests/install/consumer.c" $libs ||
  fail "compile with the staged .pc (sysroot)"
out=$(LD_LIBRARY_PATH=$libdir_stage "$tmp/consumer-sysroot") ||
  fail "run consumer-sysroot"
check_output sysroot "$out"
echo "ok: staged tree with PKG_CONFIG_SYSROOT_DIR"

# 3. Move the tree elsewhere; relocate with --define-variable=prefix.
mv "$stage_prefix" "$tmp/moved"
rm -rf "$tmp/stage"
libdir=$tmp/moved${libdir_stage#"$stage_prefix"}
[ -f "$libdir/pkgconfig/pinhole.pc" ] || fail "relocated .pc missing"
pcq() {
  PKG_CONFIG_PATH=$libdir/pkgconfig "$pkgconfig" \
    --define-variable=prefix="$tmp/moved" "$@" pinhole
}
cflags=$(pcq --cflags)
libs=$(pcq --libs)
slibs=$(pcq --static --libs)
echo "relocated: cflags=$cflags libs=$libs static-libs=$slibs"
case "$cflags $libs" in
*"$prefix"/*) [ "$prefix" = / ] || fail "flags still point into $prefix" ;;
esac
[ "$(pcq --modversion)" = "$version" ] || fail "--modversion"
# pkg-config --define-prefix derives the prefix from the .pc location; it
# can only work when libdir is one directory below the prefix (lib, lib64).
case ${libdir#"$tmp/moved/"} in
*/*) echo "note: libdir is not one level deep; --define-prefix not checked" ;;
*)
  dp=$(PKG_CONFIG_PATH=$libdir/pkgconfig "$pkgconfig" --define-prefix \
    --cflags --libs pinhole)
  case $dp in
  *"-I$tmp/moved/include"*"-L$libdir"*) echo "ok: --define-prefix: $dp" ;;
  *) fail "--define-prefix gives: $dp" ;;
  esac
  ;;
esac
# shellcheck disable=SC2086
$cc_cmd -std=c11 -Wall -Wextra -Werror -pedantic $cflags \
  -o "$tmp/consumer-shared" "$src/tests/install/consumer.c" $libs ||
  fail "compile against the shared library"
needed=$(readelf -d "$tmp/consumer-shared" | sed -n 's/.*NEEDED.*\[\(libpinhole[^]]*\)\].*/\1/p')
[ "$needed" = "$(basename "$soname_link")" ] ||
  fail "consumer NEEDED '$needed', expected $(basename "$soname_link")"
out=$(LD_LIBRARY_PATH=$libdir "$tmp/consumer-shared") ||
  fail "run consumer-shared"
check_output shared "$out"
echo "ok: shared link ($needed) from the relocated tree"

# 4. Static: the same flags with --static, the archive picked by name.
slibs=$(printf '%s\n' "$slibs" | sed 's/-lpinhole\b/-l:libpinhole.a/')
# shellcheck disable=SC2086
$cc_cmd -std=c11 -Wall -Wextra -Werror -pedantic $cflags \
  -o "$tmp/consumer-static" "$src/tests/install/consumer.c" $slibs ||
  fail "compile against libpinhole.a"
if readelf -d "$tmp/consumer-static" | grep -q 'NEEDED.*libpinhole'; then
  fail "static consumer still needs libpinhole.so"
fi
out=$(env -u LD_LIBRARY_PATH "$tmp/consumer-static") ||
  fail "run consumer-static"
check_output static "$out"
echo "ok: static link with libpinhole.a"

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: check-consumers.sh cmake|subproject BUILDDIR SRCDIR VERSION MESON -- CC [CFLAGS...]
#
# Builds tests/install/consumer.c the way a CMake or a meson project would
# and runs it (it prints the library's version and error strings):
#  cmake       `meson install --destdir` to a temporary tree, then
#              tests/install/cmake/CMakeLists.txt: find_package(pinhole)
#              through CMAKE_PREFIX_PATH, linked to pinhole::pinhole (NEEDED
#              libpinhole.so.N) and pinhole::pinhole_static (no NEEDED);
#              a too new version (1.0, and the next minor) is refused,
#              EXACT the installed one is accepted; the tree still works
#              after moving it;
#  subproject  a copy of the source tree as subprojects/pinhole of
#              tests/install/subproject with examples/wrap/pinhole.wrap,
#              --wrap-mode=forcefallback: dependency('pinhole') resolves
#              to the override, pinhole's tests, examples and fuzzers
#              are not built, shared and static consumers run.
# Exit 77 (skipped) when cmake is missing (cmake mode).
set -eu
LC_ALL=C
export LC_ALL
if [ $# -lt 7 ] || [ "$6" != "--" ]; then
  echo "usage: $0 cmake|subproject BUILDDIR SRCDIR VERSION MESON -- CC [CFLAGS...]" >&2
  exit 2
fi
mode=$1 build=$2 src=$3 version=$4 meson=$5
shift 6
cc_prog=$1
shift
cc_flags=$*
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
expect="version $version
strerror invalid argument
fatal 1"
check_run() { # check_run WHAT EXE [LD_LIBRARY_PATH]
  if [ -n "${3:-}" ]; then
    out=$(LD_LIBRARY_PATH=$3 "$2") || fail "$1: $2 exited $?"
  else
    out=$(env -u LD_LIBRARY_PATH "$2") || fail "$1: $2 exited $?"
  fi
  got=$(printf '%s\n' "$out" | grep -v '^header ')
  [ "$got" = "$expect" ] || {
    printf 'expected:\n%s\ngot:\n%s\n' "$expect" "$out" >&2
    fail "$1: wrong output"
  }
  printf '%s\n' "$out" | grep -q "^header $version " ||
    fail "$1: header version is not $version"
}
needed() { readelf -d "$1" | sed -n 's/.*NEEDED.*\[\(libpinhole[^]]*\)\].*/\1/p'; }

case $mode in
cmake)
  if ! command -v cmake >/dev/null 2>&1; then
    echo "SKIP: cmake not found (apt-get install cmake)"
    exit 77
  fi
  "$meson" install -C "$build" --destdir "$tmp/stage" --no-rebuild --quiet ||
    fail "meson install --destdir"
  cfg=$(find "$tmp/stage" -name pinholeConfig.cmake | head -n 1)
  [ -n "$cfg" ] || fail "pinholeConfig.cmake not installed"
  [ -f "$(dirname "$cfg")/pinholeConfigVersion.cmake" ] ||
    fail "pinholeConfigVersion.cmake not installed"
  pc=$(find "$tmp/stage" -name pinhole.pc | head -n 1)
  [ "$(dirname "$(dirname "$(dirname "$cfg")")")" = "$(dirname "$(dirname "$pc")")" ] ||
    fail "the CMake package is not next to pinhole.pc ($cfg, $pc)"
  prefix=$(sed -n 's/^prefix=//p' "$pc")
  mv "$tmp/stage$prefix" "$tmp/tree"
  configure() { # configure DIR WANT
    CC=$cc_prog CFLAGS="$cc_flags" cmake -S "$src/tests/install/cmake" \
      -B "$1" -DCMAKE_PREFIX_PATH="$tmp/tree" -DPINHOLE_WANT="$2" \
      -DCONSUMER_C="$src/tests/install/consumer.c" >"$1.log" 2>&1
  }
  configure "$tmp/c" "$version" || {
    cat "$tmp/c.log" >&2
    fail "cmake configure (find_package(pinhole $version))"
  }
  grep "pinhole $version from" "$tmp/c.log" || fail "pinhole_VERSION"
  cmake --build "$tmp/c" >"$tmp/c-build.log" 2>&1 || {
    cat "$tmp/c-build.log" >&2
    fail "cmake --build"
  }
  soname=$(cd "$tmp/tree" && find . -name 'libpinhole.so.[0-9]*' | sort | head -n 1)
  [ "$(needed "$tmp/c/consumer-shared")" = "$(basename "$soname")" ] ||
    fail "consumer-shared NEEDED '$(needed "$tmp/c/consumer-shared")'"
  [ -z "$(needed "$tmp/c/consumer-static")" ] ||
    fail "consumer-static needs libpinhole.so"
  check_run cmake-shared "$tmp/c/consumer-shared" \
    "$(dirname "$tmp/tree/$soname")"
  check_run cmake-static "$tmp/c/consumer-static"
  echo "ok: find_package(pinhole $version), pinhole::pinhole and pinhole::pinhole_static"
  # The version file: 1.0 and the next minor are too new, EXACT matches.
  major=${version%%.*}
  rest=${version#*.}
  minor=${rest%%.*}
  for too_new in "$((major + 1)).0" "$major.$((minor + 1))"; do
    if configure "$tmp/n" "$too_new"; then
      fail "find_package(pinhole $too_new) accepted $version"
    fi
    rm -rf "$tmp/n" "$tmp/n.log"
  done
  configure "$tmp/e" "$version;EXACT" || fail "find_package EXACT $version"
  echo "ok: pinholeConfigVersion.cmake refuses newer, accepts EXACT"
  # Relocated: move the tree again, configure afresh.
  mv "$tmp/tree" "$tmp/moved"
  rm -rf "$tmp/c" "$tmp/e"
  mkdir "$tmp/tree"
  rmdir "$tmp/tree"
  CC=$cc_prog CFLAGS="$cc_flags" cmake -S "$src/tests/install/cmake" \
    -B "$tmp/r" -DCMAKE_PREFIX_PATH="$tmp/moved" -DPINHOLE_WANT="$version" \
    -DCONSUMER_C="$src/tests/install/consumer.c" >"$tmp/r.log" 2>&1 &&
    cmake --build "$tmp/r" >>"$tmp/r.log" 2>&1 || {
    cat "$tmp/r.log" >&2
    fail "relocated tree"
  }
  check_run cmake-moved "$tmp/r/consumer-static"
  echo "ok: the moved tree is found and links"
  ;;
subproject)
  proj=$tmp/parent
  mkdir -p "$proj/subprojects/pinhole"
  cp "$src/tests/install/subproject/meson.build" "$src/tests/install/consumer.c" "$proj/"
  cp "$src/examples/wrap/pinhole.wrap" "$proj/subprojects/"
  # The source tree without build directories or git metadata.
  (cd "$src" && tar cf - --exclude='./build*' --exclude=./.git \
    --exclude=./subprojects .) | (cd "$proj/subprojects/pinhole" && tar xf -)
  CC="$cc_prog" CFLAGS="$cc_flags" "$meson" setup "$proj/b" "$proj" \
    --wrap-mode=forcefallback -Db_lundef=false >"$tmp/setup.log" 2>&1 || {
    cat "$tmp/setup.log" >&2
    fail "meson setup of the parent project"
  }
  grep -q "Dependency pinhole found: YES $version (overridden)" "$tmp/setup.log" || {
    grep -i "pinhole" "$tmp/setup.log" >&2
    fail "dependency('pinhole') did not resolve to the subproject's override"
  }
  tests=$("$meson" introspect "$proj/b" --tests)
  [ "$tests" = "[]" ] || fail "tests registered in the parent: $tests"
  targets=$("$meson" introspect "$proj/b" --targets |
    python3 -c 'import json,sys; print(" ".join(sorted(t["name"] for t in json.load(sys.stdin))))')
  echo "targets: $targets"
  case " $targets " in
  *" unit_test_"* | *" fuzz_"* | *" replay_"* | *" pinhole-embed "* | *" pinhole-bench "*)
    fail "the subproject builds more than its libraries: $targets" ;;
  esac
  "$meson" compile -C "$proj/b" >"$tmp/build.log" 2>&1 || {
    tail -n 40 "$tmp/build.log" >&2
    fail "meson compile of the parent project"
  }
  check_run subproject-shared "$proj/b/consumer-shared" \
    "$proj/b/subprojects/pinhole/lib"
  check_run subproject-static "$proj/b/consumer-static"
  [ -z "$(needed "$proj/b/consumer-static")" ] ||
    fail "consumer-static needs libpinhole.so"
  echo "ok: dependency('pinhole') from the subproject, shared and static"
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac

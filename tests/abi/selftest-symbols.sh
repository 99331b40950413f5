#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: selftest-symbols.sh CHECK-SYMBOLS.sh NM CC [CC-ARGS...]
#
# Proves check-symbols.sh can fail: builds tiny shared and static libraries
# with known defects and expects each to be caught (and a clean one to pass).
set -eu
LC_ALL=C
export LC_ALL
check=$1 nm=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

cat >good.c <<'EOF'
#define EXP __attribute__((visibility("default")))
EXP int pinhole_a(void) { return 1; }
EXP int pinhole_b(void) { return 2; }
int pinhole__internal(void) { return 3; }
static int ph_local(void) { return 4; }
int (*pinhole__keep)(void) = ph_local;
EOF
cat >plain.c <<'EOF'
int helper(void) { return 5; }
EOF
cat >weak.c <<'EOF'
__attribute__((weak)) int weak_helper(void) { return 6; }
EOF
cat >data.c <<'EOF'
const int table_size = 7;
EOF
cat >ab.map <<'EOF'
/* two symbols */
PINHOLE_0.1 {
  global:
    pinhole_a;
    pinhole_b;
  local:
    *;
};
EOF
cat >a.map <<'EOF'
PINHOLE_0.1 { global: pinhole_a; local: *; };
EOF
cat >abc.map <<'EOF'
PINHOLE_0.1 {
  global:
    pinhole_a; pinhole_b; pinhole_c;
  local:
    *;
};
EOF
cat >split.map <<'EOF'
PINHOLE_0.1 {
  global:
    pinhole_a;
  local:
    *;
};
PINHOLE_0.2 {
  global:
    pinhole_b;
} PINHOLE_0.1;
EOF

"$@" -fPIC -fvisibility=hidden -c good.c plain.c weak.c data.c
"$@" -shared -o libgood.so good.o -Wl,--version-script=ab.map
ar rcs libgood.a good.o
for bad in plain weak data; do
  ar rcs "lib$bad.a" good.o "$bad.o"
done

fails=0
expect() { # expect PASS|FAIL what so a map
  want=$1 what=$2
  shift 2
  if sh "$check" "$@" "$nm" >out 2>&1; then got=PASS; else got=FAIL; fi
  if [ "$got" = "$want" ]; then
    echo "ok: $what ($got)"
  else
    echo "NOT OK: $what: expected $want, got $got" >&2
    sed 's/^/    /' out >&2
    fails=$((fails + 1))
  fi
}
expect PASS "clean libraries" libgood.so libgood.a ab.map
expect FAIL "export missing from the map" libgood.so libgood.a a.map
expect FAIL "map symbol not exported" libgood.so libgood.a abc.map
expect FAIL "symbol in the wrong version node" libgood.so libgood.a split.map
expect FAIL "unprefixed global function" libgood.so libplain.a ab.map
expect FAIL "unprefixed weak function" libgood.so libweak.a ab.map
expect FAIL "unprefixed global data" libgood.so libdata.a ab.map
expect FAIL "empty map" libgood.so libgood.a /dev/null
expect FAIL "missing library" libnone.so libgood.a ab.map
[ "$fails" -eq 0 ]

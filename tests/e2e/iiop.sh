#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# IIOP through destination NAT with real omniORB peers: omniNames on the
# inside host (198.18.0.2:2809) is published as 198.19.0.1:2809 by a rule
# that names the IIOP ALG. The outside host's nameclt creates a context;
# the reference omniNames returns names 198.18.0.2, and must arrive naming
# 198.19.0.1 (catior), and work: nameclt lists through it (the outside
# host has no route to 198.18.0.0/24).
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init omniNames nameclt catior
e2e_start_gw \
  --rule "name=orb-in,side=outside,proto=tcp,dst=$POOL,dport=2809,nat=dest:$IN_ADDR:2809,alg=iiop" \
  --rule "name=inside-out,side=inside,nat=source"
mkdir -p "$TMP/names"
bg "$NS_IN" omninames omniNames -start 2809 -always -datadir "$TMP/names" \
  -logdir "$TMP/names" -ORBendPoint "giop:tcp:$IN_ADDR:2809"
wait_for 10 port_open "$NS_IN" "$IN_ADDR" 2809 || die "omniNames did not start"

ROOT="corbaloc::$POOL:2809/NameService"
IOR=$(ns "$NS_OUT" nameclt -ior "$ROOT" bind_new_context e2e-ctx 2>"$TMP/nameclt.err") ||
  fail "nameclt bind_new_context: $(cat "$TMP/nameclt.err")"
echo "$IOR" >"$TMP/ior"
catior "$(grep -o 'IOR:[0-9a-fA-F]*' "$TMP/ior" | head -1)" >"$TMP/catior" 2>&1 ||
  fail "catior"
cat "$TMP/catior"
if grep -q "198\.19\.0\.1" "$TMP/catior" && ! grep -q "198\.18\." "$TMP/catior"; then
  log "ok: the returned reference names the public address"
else
  fail "the returned reference does not name 198.19.0.1 alone"
fi
# the rewritten reference is usable from the outside
ns "$NS_OUT" nameclt -ior "$(grep -o 'IOR:[0-9a-fA-F]*' "$TMP/ior" | head -1)" \
  bind_new_context e2e-sub >"$TMP/sub" 2>&1 || fail "nameclt through the returned reference: $(cat "$TMP/sub")"
ns "$NS_OUT" nameclt -ior "$ROOT" list e2e-ctx >"$TMP/list" 2>&1 ||
  fail "nameclt list: $(cat "$TMP/list")"
grep -q "e2e-sub" "$TMP/list" && log "ok: e2e-sub listed" || fail "e2e-sub not listed: $(cat "$TMP/list")"

gw_dump iiop
expect_flow TCP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:2809" Watch I
expect_line "^ +NAT dest 198\.19\.0\.1:2809 -> 198\.18\.0\.2:2809"
expect_line "ALG protocol: iiop"
expect_no_alg_errors
e2e_finish

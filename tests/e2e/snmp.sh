#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# SNMP through pinhole-gw: snmpd and snmptrapd outside, net-snmp's
# snmpget/snmpwalk (v1 and v2c) and snmptrap -v 1 inside. The agent
# address of the v1 trap, 198.18.0.2 as sent, must reach snmptrapd as the
# public address 198.19.0.1; gets and walks answer through the watched
# flows.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init snmpget snmpwalk snmptrap
SNMPD=$(command -v snmpd) || skip "snmpd is not installed"
TRAPD=$(command -v snmptrapd) || skip "snmptrapd is not installed"
e2e_start_gw

cat >"$TMP/snmpd.conf" <<EOF
agentAddress udp:$OUT_ADDR:161
rocommunity public 198.19.0.0/24
sysName pinhole-e2e-agent
sysLocation namespace
EOF
cat >"$TMP/snmptrapd.conf" <<EOF
disableAuthorization yes
EOF
# -f foreground, -Lf log file, -C only this configuration, -n numeric.
# OIDs are numeric below: Debian ships few MIBs (sysName.0 is
# 1.3.6.1.2.1.1.5.0, system 1.3.6.1.2.1.1, sysLocation.0 ...1.6.0).
bg "$NS_OUT" snmpd "$SNMPD" -f -C -c "$TMP/snmpd.conf" -Lf "$TMP/snmpd.out" \
  -p "$TMP/snmpd.pid"
bg "$NS_OUT" snmptrapd "$TRAPD" -f -C -c "$TMP/snmptrapd.conf" -n \
  -Lf "$TMP/traps.log" -F 'TRAP agent=%a from=%b\n' udp:"$OUT_ADDR":162
wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'sport = :161' | grep -q ." ||
  die "snmpd did not start"
wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'sport = :162' | grep -q ." ||
  die "snmptrapd did not start"

for v in 1 2c; do
  got=$(ns "$NS_IN" snmpget -v "$v" -c public -t 2 -r 1 -Oqv "$OUT_ADDR" \
    -m '' .1.3.6.1.2.1.1.5.0 2>/dev/null)
  if [ "$got" = '"pinhole-e2e-agent"' ] || [ "$got" = pinhole-e2e-agent ]; then
    log "ok: snmpget -v $v sysName.0 = $got"
  else
    fail "snmpget -v $v: '$got'"
  fi
done
n=$(ns "$NS_IN" snmpwalk -v 2c -c public -t 2 -r 1 "$OUT_ADDR" \
  -m '' .1.3.6.1.2.1.1 2>/dev/null | wc -l)
[ "$n" -ge 5 ] && log "ok: snmpwalk system: $n lines" || fail "snmpwalk: $n lines"

# The v1 trap: enterprise netSnmp, agent 198.18.0.2, enterpriseSpecific 1.
ns "$NS_IN" snmptrap -v 1 -c public -m '' "$OUT_ADDR":162 \
  .1.3.6.1.4.1.8072 "$IN_ADDR" 6 1 '' \
  .1.3.6.1.2.1.1.6.0 s "from the inside" 2>/dev/null || fail "snmptrap"
wait_for 5 grep -q '^TRAP agent=' "$TMP/traps.log" || fail "no trap logged"
if grep -q "^TRAP agent=$POOL from=.*\[$POOL\]" "$TMP/traps.log"; then
  log "ok: trap agent-addr arrived as $POOL: $(grep -m1 '^TRAP' "$TMP/traps.log")"
else
  fail "trap agent-addr: $(grep -m1 '^TRAP' "$TMP/traps.log")"
fi
grep -q "$IN_ADDR" "$TMP/traps.log" && fail "the inside address reached snmptrapd"

gw_dump snmp
expect_line '^Conversation: ALG protocol: snmp'
expect_flow UDP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:161" Watch I
expect_flow UDP "198\.19\.0\.2:161" "198\.19\.0\.1:[0-9]+" Watch O
expect_flow UDP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:162" Watch I
v=$(counter "ALG errors" SNMP)
[ "$v" = 0 ] && log "ok: SNMP ALG errors 0" || fail "SNMP ALG errors '${v:-missing}'"
expect_no_alg_errors
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# DNS through pinhole-gw: dnsmasq outside answers dig inside over UDP and
# TCP. www.example.test is an ordinary outside address; web.test is the
# public address 198.19.0.50 of the inside host 198.18.0.50 under a static
# rule with DNS doctoring, so the inside client must receive 198.18.0.50.
# The UDP flows close as soon as their query has its answer (quick
# teardown: the listing right after shows no UDP flow to port 53, the
# counter and the FLOW_CLOSED events with reason "ALG" say so).
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init dig
DNSMASQ=$(command -v dnsmasq) || skip "dnsmasq is not installed (package dnsmasq-base)"
e2e_start_gw \
  --rule name=web,side=outside,dst=198.19.0.50/32,nat=static:198.18.0.50,doctor=dns \
  --rule name=inside-out,side=inside,nat=source

# -d: foreground, log to stderr; -k: keep in foreground; no upstream, no
# /etc/hosts; only the outside address; answers for the test names only.
bg "$NS_OUT" dnsmasq "$DNSMASQ" -d -k --no-resolv --no-hosts \
  --listen-address="$OUT_ADDR" --bind-interfaces --pid-file= --user=root \
  --address=/example.test/198.19.0.60 --address=/web.test/198.19.0.50 \
  --log-queries
wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'sport = :53' | grep -q ." ||
  die "dnsmasq did not start"

# dig_a NAME [OPTS...]: the A record dig gets, one line.
dig_a() {
  local name=$1
  shift
  ns "$NS_IN" dig +time=2 +tries=2 +short "$@" "@$OUT_ADDR" "$name" A 2>&1 |
    tr '\n' ' ' | sed 's/ *$//'
}

expect_answer() {
  if [ "$2" = "$3" ]; then
    log "ok: $1 -> $2"
  else
    fail "$1: got '$2', want '$3'"
  fi
}

expect_answer "www.example.test (UDP)" "$(dig_a www.example.test)" 198.19.0.60
expect_answer "web.test (UDP, doctored)" "$(dig_a web.test)" 198.18.0.50
expect_answer "www.example.test (TCP)" "$(dig_a www.example.test +tcp)" 198.19.0.60
expect_answer "web.test (TCP, doctored)" "$(dig_a web.test +tcp)" 198.18.0.50
# several queries on one TCP connection (+keepopen)
both=$(ns "$NS_IN" dig +time=2 +tries=1 +short +tcp +keepopen "@$OUT_ADDR" \
  web.test A www.example.test A 2>&1 | tr '\n' ' ' | sed 's/ *$//')
expect_answer "two queries on one TCP connection" "$both" "198.18.0.50 198.19.0.60"

# The gateway ticks every 100 ms: half a second later the UDP flows of the
# answered queries are gone.
sleep 0.5
gw_dump dns
n=$(grep -cE '^UDP 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.2:53 ' "$TMP/listing")
[ "$n" = 0 ] && log "ok: no UDP DNS flow left" || fail "$n UDP DNS flows still listed"
expect_counter_min Other "ALG quick teardown" 2
if grep -q 'PINHOLE_FLOW_CLOSED: .*proto=UDP.*alg=dns reason="ALG"' "$TMP/gw.err"; then
  log "ok: FLOW_CLOSED with reason ALG"
else
  fail "no FLOW_CLOSED event with reason \"ALG\""
fi
v=$(counter "ALG errors" DNS)
[ "$v" = 0 ] && log "ok: DNS ALG errors 0" || fail "DNS ALG errors '${v:-missing}'"
expect_no_alg_errors
kill -0 "$LAST_PID" 2>/dev/null || fail "dnsmasq died"
e2e_finish

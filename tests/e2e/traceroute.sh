#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# traceroute through pinhole-gw to a host two hops beyond it: the outside
# host routes to a further namespace, so the trace shows the outside host
# (Time Exceeded from a router, not the traced peer) and then the target
# (Port Unreachable for UDP probes, echo replies for ICMP ones). UDP probes
# to 33434-33534 are traceroute flows by default; ICMP echo ones by a rule
# with alg=traceroute.
#
#   in 198.18.0.2 -- [pinhole-gw, pool 198.19.0.1] -- out 198.19.0.2
#        out 198.19.0.129/32 (veth) -- far 198.19.0.200/32
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init traceroute
FAR_ADDR=198.19.0.200
OUT_FAR_ADDR=198.19.0.129
NS_FAR=ph-$$-far
ip netns add "$NS_FAR" 2>/dev/null || skip "cannot create network namespace"
NAMESPACES+=("$NS_FAR")
ip -n "$NS_FAR" link set lo up
e2e_start_gw --rule "name=trace-icmp,side=inside,proto=icmp,nat=source,alg=traceroute" \
  --rule "name=inside-out,side=inside,nat=source"

ip link add veth-far netns "$NS_OUT" type veth peer name veth-out netns "$NS_FAR" ||
  die "creating the veth pair"
ip -n "$NS_OUT" addr add "$OUT_FAR_ADDR/32" dev veth-far &&
  ip -n "$NS_OUT" link set veth-far up &&
  ip -n "$NS_OUT" route add "$FAR_ADDR/32" dev veth-far &&
  ip -n "$NS_FAR" addr add "$FAR_ADDR/32" dev veth-out &&
  ip -n "$NS_FAR" link set veth-out up &&
  ip -n "$NS_FAR" route add "$OUT_FAR_ADDR/32" dev veth-out &&
  ip -n "$NS_FAR" route add default via "$OUT_FAR_ADDR" || die "configuring the far host"
# The outside host routes; no ICMP rate limit spoils the parallel probes.
for n in "$NS_OUT" "$NS_FAR"; do
  ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 ||
    die "sysctl"
done

# hops: "1  198.19.0.2  ..." then "2  198.19.0.200  ..."
check_trace() {
  local what=$1 out=$2
  local h1 h2
  h1=$(awk '$1 == 1 { print $2 }' "$out")
  h2=$(awk '$1 == 2 { print $2 }' "$out")
  if [ "$h1" = "$OUT_ADDR" ] && [ "$h2" = "$FAR_ADDR" ]; then
    log "ok: $what: hop 1 $h1 (the router beyond the gateway), hop 2 $h2"
  else
    fail "$what: hops '$h1' '$h2'"
    cat "$out" >&2
  fi
  [ "$(awk 'NR > 1' "$out" | wc -l)" = 2 ] || fail "$what: not 2 hops"
}
ns "$NS_IN" traceroute -n -q 2 -w 2 -m 5 "$FAR_ADDR" >"$TMP/udp.trace" 2>&1 ||
  fail "traceroute (UDP)"
cat "$TMP/udp.trace"
check_trace "UDP traceroute" "$TMP/udp.trace"
ns "$NS_IN" traceroute -I -n -q 2 -w 2 -m 5 "$FAR_ADDR" >"$TMP/icmp.trace" 2>&1 ||
  fail "traceroute -I"
cat "$TMP/icmp.trace"
check_trace "ICMP traceroute" "$TMP/icmp.trace"
grep -q '\*' "$TMP/udp.trace" "$TMP/icmp.trace" && fail "a probe went unanswered"

gw_dump traceroute
expect_line '^Conversation: ALG protocol: traceroute'
expect_flow UDP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.200:334[0-9][0-9]" Watch I
expect_flow ICMP "198\.18\.0\.2(:[0-9]+)?" "198\.19\.0\.200(:[0-9]+)?" Watch I
for c in Traceroute ICMP; do
  v=$(counter "ALG errors" "$c")
  [ "$v" = 0 ] && log "ok: $c ALG errors 0" || fail "$c ALG errors '${v:-missing}'"
done
v=$(counter "UDP errors" "UDP port scan (ICMP error seen for UDP flow)")
[ "${v:-0}" = 0 ] && log "ok: no UDP port scan counted" || fail "UDP port scan '$v'"
expect_no_alg_errors
e2e_finish

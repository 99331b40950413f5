#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# DHCP through a relay behind pinhole-gw: busybox udhcpc on a client link,
# ISC dhcrelay (in the foreground) on a relay host behind the inside host,
# dnsmasq as the DHCP server outside. The relay is NATed 1:1 by a static
# rule (198.18.0.66 <-> 198.19.0.3, ports kept: the server answers to
# giaddr port 67, RFC 2131 4.1); the BOOTP ALG turns giaddr into the
# relay's public address on the way out and back into the relay's own on
# the way in (matched by xid). The relay names the client's link in the
# RFC 3527 link selection suboption (-U), so the server leases from the
# client link's range although giaddr is the relay's upstream address.
# (ISC dhcrelay cannot open a TUN device: the inside host routes between
# the gateway's tun-in and the relay host.)
#
#   cli (no address) -- veth -- relay 198.18.0.193/26 (client link)
#                               relay 198.18.0.66 -- veth -- in 198.18.0.65
#   in 198.18.0.2 (tun-in) -- [pinhole-gw: static 198.18.0.66 <-> 198.19.0.3]
#     -- out 198.19.0.2 [dnsmasq, range 198.18.0.200-198.18.0.250]
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init busybox tcpdump
RELAY=$(command -v dhcrelay) || skip "dhcrelay (isc-dhcp-relay) is not installed"
DNSMASQ=$(command -v dnsmasq) || skip "dnsmasq is not installed"
busybox --list | grep -qx udhcpc || skip "busybox has no udhcpc"
RELAY_PUB=198.19.0.3
RELAY_ADDR=198.18.0.66
IN_RELAY_ADDR=198.18.0.65
LINK_ADDR=198.18.0.193
NS_CLI=ph-$$-cli
NS_RELAY=ph-$$-relay
for n in "$NS_CLI" "$NS_RELAY"; do
  ip netns add "$n" 2>/dev/null || skip "cannot create network namespace"
  NAMESPACES+=("$n")
  ip -n "$n" link set lo up
done
e2e_start_gw --rule "name=relay,side=inside,src=$RELAY_ADDR/32,nat=static:$RELAY_PUB" \
  --rule "name=inside-out,side=inside,nat=source"

ip link add veth-rl netns "$NS_IN" type veth peer name veth-up netns "$NS_RELAY" &&
  ip link add veth-r netns "$NS_RELAY" type veth peer name veth-c netns "$NS_CLI" ||
  die "creating veth pairs"
host_link "$NS_IN" veth-rl "$IN_RELAY_ADDR/32" "$RELAY_ADDR/32" dev veth-rl &&
  host_link "$NS_RELAY" veth-up "$RELAY_ADDR/32" "$IN_RELAY_ADDR/32" dev veth-up &&
  ip -n "$NS_RELAY" route add default via "$IN_RELAY_ADDR" &&
  host_link "$NS_RELAY" veth-r "$LINK_ADDR/26" &&
  ip -n "$NS_CLI" link set veth-c up || die "configuring the relay and client links"
ip netns exec "$NS_IN" sysctl -qw net.ipv4.ip_forward=1 || die "sysctl"

mkdir -p "$TMP/dnsmasq"
bg "$NS_OUT" dnsmasq "$DNSMASQ" --no-daemon --conf-file=/dev/null --port=0 \
  --interface=tun-out --bind-interfaces --dhcp-authoritative \
  --dhcp-range=198.18.0.200,198.18.0.250,255.255.255.192,120 \
  --dhcp-option=option:router,$LINK_ADDR \
  --dhcp-leasefile="$TMP/dnsmasq/leases" --log-dhcp --log-facility=- \
  --pid-file="$TMP/dnsmasq/pid" --user=root --group=root
wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'sport = :67' | grep -q ." ||
  die "dnsmasq did not start"
# What reaches the server, for the giaddr it carries.
bg "$NS_OUT" tcpdump tcpdump -i tun-out -n -U -w "$TMP/out.pcap" udp port 67
wait_for 5 test -s "$TMP/out.pcap" || die "tcpdump did not start"
# -d foreground, -a agent options (circuit id: the client link), -U the
# link selection suboption naming veth-r's link while giaddr is veth-up's
# address (the relay's own, the one the static rule maps). No -iu: with
# -iu naming the -U interface too, dhcrelay 4.4.3 crashes on the first
# relayed request; replies reach it all the same.
bg "$NS_RELAY" dhcrelay "$RELAY" -4 -d --no-pid -a -U veth-up \
  -id veth-r "$OUT_ADDR"
wait_for 5 grep -q 'Sending on' "$TMP/dhcrelay.log" || die "dhcrelay did not start"
sleep 1

cat >"$TMP/udhcpc.sh" <<EOF2
#!/bin/sh
[ "\$1" = bound ] && echo "bound ip=\$ip mask=\$mask router=\$router serverid=\$serverid" >>"$TMP/lease"
exit 0
EOF2
chmod +x "$TMP/udhcpc.sh"
ns "$NS_CLI" busybox udhcpc -i veth-c -f -q -n -t 4 -T 2 -s "$TMP/udhcpc.sh" \
  >"$TMP/udhcpc.log" 2>&1 || fail "udhcpc got no lease: $(tail -3 "$TMP/udhcpc.log")"
cat "$TMP/udhcpc.log"
if grep -Eq "^bound ip=198\.18\.0\.(2[0-4][0-9]|250) mask=26 router=$LINK_ADDR serverid=$OUT_ADDR" "$TMP/lease" 2>/dev/null; then
  log "ok: lease through the relay and the NAT: $(cat "$TMP/lease")"
else
  fail "lease: $(cat "$TMP/lease" 2>/dev/null)"
fi
# The server saw the relay's public address as giaddr, never its own.
# (a discover, an offer, a request and an ack at least; tcpdump may lag)
giaddr_seen() {
  tcpdump -r "$TMP/out.pcap" -n -v 2>/dev/null >"$TMP/out.txt"
  [ "$(grep -c "Gateway-IP $RELAY_PUB" "$TMP/out.txt")" -ge 4 ]
}
wait_for 5 giaddr_seen
n=$(grep -c "Gateway-IP $RELAY_PUB" "$TMP/out.txt")
if [ "$n" -ge 4 ] && ! grep -q "Gateway-IP $RELAY_ADDR" "$TMP/out.txt"; then
  log "ok: $n messages outside carry giaddr $RELAY_PUB, none $RELAY_ADDR"
else
  fail "giaddr outside: $(grep -o 'Gateway-IP [0-9.]*' "$TMP/out.txt" | sort | uniq -c)"
fi
# ... and the relay got its own address back in the replies.
if grep -q "BOOTREPLY giaddr: $RELAY_ADDR" "$TMP/dhcrelay.log" &&
  ! grep -q "BOOTREPLY giaddr: $RELAY_PUB" "$TMP/dhcrelay.log"; then
  log "ok: replies reach the relay with giaddr $RELAY_ADDR"
else
  fail "replies at the relay: $(grep BOOTREPLY "$TMP/dhcrelay.log")"
fi
grep -q 'DHCPACK' "$TMP/dnsmasq.log" || fail "no DHCPACK in the dnsmasq log"

gw_dump dhcp
expect_line '^Conversation: ALG protocol: bootp'
expect_flow UDP "198\.18\.0\.66:67" "198\.19\.0\.2:67" Watch I
expect_flow UDP "198\.19\.0\.2:67" "198\.19\.0\.3:67" Watch O
expect_line "^ +NAT source 198\.18\.0\.66:67 -> 198\.19\.0\.3:67"
v=$(counter "ALG errors" BOOTP)
[ "$v" = 0 ] && log "ok: BOOTP ALG errors 0" || fail "BOOTP ALG errors '${v:-missing}'"
expect_no_alg_errors
e2e_finish

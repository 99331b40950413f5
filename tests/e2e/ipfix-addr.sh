#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Address-only (Basic NAT) logging to a real collector: pinhole-gw with a
# pool of two public addresses, 198.19.0.20-198.19.0.21, in address-only
# mode (each inside host bound to an address of its own, ports kept),
# interim records every second, exports its NAT events as IPFIX (RFC 8158)
# to nfdump's nfcapd. Three inside hosts: the first two are bound, the
# third finds no address (refused, "NAT Addresses exhausted"). `nfdump -r`
# must show an address binding create per bound host (and its interim
# repeats) and the exhaustion record; tshark, fed a capture of the
# collector's link, must decode every message without an error.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl nfcapd nfdump tcpdump tshark
[ -n "$PYTHON" ] || skip "python3 is not installed"
collector_start
bg "$NS_COL" tcpdump tcpdump -i col -nn -U -s 0 -w "$TMP/col.pcap" udp port 4739
CAP_PID=$LAST_PID
wait_for 5 grep -q "listening on" "$TMP/tcpdump.log" || die "tcpdump did not start"

POOL=198.19.0.20-198.19.0.21
e2e_start_gw --address-only 500 --interim 1 --ipfix "$COL_ADDR:4739"
for a in 198.18.0.3 198.18.0.4; do
  ip -n "$NS_IN" addr add "$a/24" dev tun-in || die "inside address $a"
done
mkdir -p "$TMP/www"
random_file "$TMP/www/data.bin" 64
http_start_server "$NS_OUT" "$OUT_ADDR" 8080 "$TMP/www"
for a in 198.18.0.2 198.18.0.3; do
  ns "$NS_IN" curl -sS --connect-timeout 5 --interface "$a" \
    -o "$TMP/down-$a" "http://$OUT_ADDR:8080/data.bin" || fail "curl from $a"
  same_file "$TMP/www/data.bin" "$TMP/down-$a" "http download from $a"
done
# the third host: both addresses are bound, its SYN is dropped
if ns "$NS_IN" curl -sS --connect-timeout 2 --interface 198.18.0.4 \
  -o "$TMP/down-4" "http://$OUT_ADDR:8080/data.bin" 2>/dev/null; then
  fail "curl from 198.18.0.4 went through a full pool"
fi
# hold on to the bindings (their connections are in TIME_WAIT-like state
# in the gateway for a while): interim records every second
sleep 2.5
gw_dump ipfix-addr
expect_counter_min Other "NAT addresses bound" 2
expect_counter_min Other "NAT addresses exhausted" 1
expect_counter_min Other "Port block and address interim records" 2
kill -TERM "$GW_PID"
wait_for 5 bash -c "! kill -0 $GW_PID" || fail "pinhole-gw did not stop"
sleep 0.3
kill -TERM "$COL_PID"
wait_for 5 bash -c "! kill -0 $COL_PID" || fail "nfcapd did not stop"
collector_dump
"$PYTHON" - "$TMP/nfdump.json" <<'PY' || fail "records in the collector"
import json, sys
recs = json.load(open(sys.argv[1]))
bound = {}
creates = 0
exhausted = 0
for r in recs:
    ev = r.get("nat_event")
    if ev == "Address binding create":
        creates += 1
        bound.setdefault(r["src4_addr"], set()).add(r["src4_xlt_ip"])
    elif ev == "NAT Addresses exhausted":
        exhausted += 1
want = {"198.18.0.2", "198.18.0.3"}
if set(bound) != want:
    sys.exit("address bindings: %r" % bound)
pubs = [next(iter(v)) for v in bound.values()]
if any(len(v) != 1 for v in bound.values()) or \
        sorted(pubs) != ["198.19.0.20", "198.19.0.21"]:
    sys.exit("each host one address of its own: %r" % bound)
if creates < 4:  # one create and at least one interim repeat per host
    sys.exit("address binding records: %d" % creates)
if exhausted < 1:
    sys.exit("no NAT Addresses exhausted record")
print("e2e: ok: %d address binding records for %r, %d exhausted"
      % (creates, bound, exhausted), file=sys.stderr)
PY
# tshark decodes every IPFIX message of the capture without an error
kill -TERM "$CAP_PID"
wait_for 5 bash -c "! kill -0 $CAP_PID" || fail "tcpdump did not stop"
tshark -r "$TMP/col.pcap" -d udp.port==4739,cflow -V >"$TMP/tshark.txt" 2>&1 ||
  fail "tshark -r"
if grep -Ei 'malformed|Expert Info \(Error|dissector bug' "$TMP/tshark.txt" >&2; then
  fail "tshark: malformed IPFIX"
fi
for want in 'Nat Event: Address binding create (14)' \
  'Nat Event: NAT Addresses exhausted (3)' 'Template Id: 262'; do
  grep -qF "$want" "$TMP/tshark.txt" || fail "tshark: missing $want"
done
log "tshark: $(grep -c '^Cisco NetFlow/IPFIX' "$TMP/tshark.txt") IPFIX messages decoded"
expect_only_test_addresses
e2e_finish

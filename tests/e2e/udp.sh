#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A UDP exchange from the inside host to an echo server outside through
# pinhole-gw; then an unsolicited datagram from the outside must not pass.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init
[ -n "$PYTHON" ] || skip "python3 is not installed"
e2e_start_gw
udp_echo_server "$NS_OUT" "$OUT_ADDR" 7007
sleep 0.5

udp_exchange "$NS_IN" "$OUT_ADDR" 7007 5 || fail "UDP exchange through the gateway"

# Unsolicited: from the outside to a public port nobody mapped. No rule
# matches, so the gateway drops it and counts it.
ns "$NS_OUT" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"unsolicited", (sys.argv[1], 9999))' "$POOL" || fail "sending"
sleep 0.3

gw_dump udp
expect_flow UDP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:7007" Forward I
expect_flow UDP "198\.19\.0\.2:7007" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+"
expect_line "^ +NAT dest 198\.19\.0\.1:[0-9]+ -> 198\.18\.0\.2:[0-9]+"
expect_counter_min Other "No matching rule" 1
expect_no_alg_errors
e2e_finish

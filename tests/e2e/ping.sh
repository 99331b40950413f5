#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ICMP echo from the inside host to the outside host through pinhole-gw:
# the echo id is translated and the replies find their way back.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init ping
e2e_start_gw

ns "$NS_IN" ping -n -c 3 -i 0.2 -W 2 "$OUT_ADDR" || fail "ping through the gateway"

gw_dump ping
expect_flow ICMP "198\.18\.0\.2(:[0-9]+)?" "198\.19\.0\.2(:[0-9]+)?" Forward I
expect_flow ICMP "198\.19\.0\.2(:[0-9]+)?" "198\.19\.0\.1(:[0-9]+)?" Forward O
expect_line "^ +NAT source 198\.18\.0\.2(:[0-9]+)? -> 198\.19\.0\.1"
expect_no_alg_errors
e2e_finish

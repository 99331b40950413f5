#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# ICMPv6 echo from the inside host to the outside host through pinhole-gw
# with --max-conns6 (the stateful IPv6 firewall, no translation): the
# replies come back; an echo from the outside host is refused.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init ping
e2e_start_gw6

ns "$NS_IN" ping -6 -n -c 3 -i 0.2 -W 2 "$OUT6" || fail "ping -6 through the gateway"
ns "$NS_OUT" ping -6 -n -c 1 -W 1 "$IN6" && fail "outside echo came through"

gw_dump ping6
expect_flow ICMPv6 "\[2001:db8:1::2\]:[0-9]+" "\[2001:db8:2::2\]:[0-9]+" Forward I
expect_flow ICMPv6 "\[2001:db8:2::2\]:[0-9]+" "\[2001:db8:1::2\]:[0-9]+" Forward O
expect_counter_min "New flows" Accepts 1
expect_counter_min "Existing flows" Accepts 5
expect_counter_min Other "No matching rule" 1
expect_no_alg_errors
e2e_finish

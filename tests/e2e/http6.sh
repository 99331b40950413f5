#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# An IPv6 TCP download: curl -6 on the inside fetches 1 MiB over HTTP from
# a python3 http.server on [2001:db8:2::2] outside, through pinhole-gw
# with --max-conns6; sha256 compared; nothing translated.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
[ -n "$PYTHON" ] || skip "python3 is not installed"
e2e_start_gw6
mkdir -p "$TMP/www"
random_file "$TMP/www/data.bin" 1024
http_start_server "$NS_OUT" "$OUT6" 8080 "$TMP/www"

ns "$NS_IN" curl -6 -gsS --connect-timeout 5 -o "$TMP/http.down" \
  "http://[$OUT6]:8080/data.bin" || fail "curl -6 through the gateway"
same_file "$TMP/www/data.bin" "$TMP/http.down" "http download"

gw_dump http6
expect_flow TCP "\[2001:db8:1::2\]:[0-9]+" "\[2001:db8:2::2\]:8080" Forward I
expect_flow TCP "\[2001:db8:2::2\]:8080" "\[2001:db8:1::2\]:[0-9]+" Forward O
expect_counter_min "New flows" Accepts 1
grep -q "NAT source" "$TMP/listing" && fail "an IPv6 flow was translated"
expect_no_alg_errors
e2e_finish

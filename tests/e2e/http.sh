#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A TCP download: curl on the inside fetches 1 MiB over HTTP from a
# python3 http.server outside, through pinhole-gw; sha256 compared.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
[ -n "$PYTHON" ] || skip "python3 is not installed"
e2e_start_gw
mkdir -p "$TMP/www"
random_file "$TMP/www/data.bin" 1024
http_start_server "$NS_OUT" "$OUT_ADDR" 8080 "$TMP/www"

ns "$NS_IN" curl -sS --connect-timeout 5 -o "$TMP/http.down" \
  "http://$OUT_ADDR:8080/data.bin" || fail "curl through the gateway"
same_file "$TMP/www/data.bin" "$TMP/http.down" "http download"

gw_dump http
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:8080" Forward I
expect_flow TCP "198\.19\.0\.2:8080" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+"
expect_no_alg_errors
e2e_finish

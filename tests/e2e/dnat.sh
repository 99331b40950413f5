#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A server behind the NAT: with --dnat 198.19.0.1:8080=198.18.0.2:8000 the
# outside host downloads 1 MiB from 198.19.0.1:8080, served by the inside
# host on 198.18.0.2:8000; sha256 compared.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
[ -n "$PYTHON" ] || skip "python3 is not installed"
e2e_start_gw --dnat "$POOL:8080=$IN_ADDR:8000"
mkdir -p "$TMP/www"
random_file "$TMP/www/data.bin" 1024
http_start_server "$NS_IN" "$IN_ADDR" 8000 "$TMP/www"

ns "$NS_OUT" curl -sS --connect-timeout 5 -o "$TMP/dnat.down" \
  "http://$POOL:8080/data.bin" || fail "curl to the public address"
same_file "$TMP/www/data.bin" "$TMP/dnat.down" "dnat download"

gw_dump dnat
expect_flow TCP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:8080" Forward I
expect_flow TCP "198\.18\.0\.2:8000" "198\.19\.0\.2:[0-9]+" Forward O
expect_line "^ +NAT dest 198\.19\.0\.1:8080 -> 198\.18\.0\.2:8000"
expect_no_alg_errors
e2e_finish

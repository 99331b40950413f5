#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Active/standby failover (docs/ha.md): gateway A (--sync-to) and gateway
# B (--sync-from) run side by side, both with TUN devices in the hosts;
# the hosts' addresses and routes are on A's. A 4 MiB FTP download (curl,
# passive; vsftpd sends at most 400 kB/s, so it lasts about 10 s whatever
# curl's own --limit-rate does: curl 7.88 at times reads it all into its
# socket buffer at once) starts through A. Once B lists the data
# connection and has imported one more pass (ha_wait_pass, not a fixed
# sleep: under load the passes come late), A is stopped, the addresses
# and routes move to B's devices, and the download completes with the
# same sha256, the 226 and 221 replies through B. B's listing then shows
# the ftp conversation with its NAT lines.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
KEY=0123456789abcdef0123456789abcdef
SYNC_PORT=17001

ha_pair_start "$SYNC_PORT" "$KEY"
FTP_CONF_EXTRA=anon_max_rate=400000 ftp_start_server
random_file "$TMP/ftp/pub/big.bin" 4096

ip netns exec "$NS_IN" timeout 120 curl -sS --connect-timeout 5 \
  --ftp-pasv --disable-epsv --limit-rate 400k \
  -o "$TMP/big.down" "ftp://$OUT_ADDR/pub/big.bin" >"$TMP/curl.log" 2>&1 &
CURL_PID=$!
PIDS+=("$CURL_PID")

# The transfer runs through A until B holds the data connection (a
# passive one: to the server's ports 40000-40100) and one pass more.
ha_wait_pass 8 TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:40[01][0-9][0-9]" \
  Forward I || die "gateway B never held the data connection and a pass more"
kill -0 "$CURL_PID" 2>/dev/null || die "the download ended before failover"
got=$(stat -c %s "$TMP/big.down" 2>/dev/null || echo 0)
log "failover after $got bytes"
kill -TERM "$A_PID"
wait_for 5 bash -c "! kill -0 $A_PID 2>/dev/null" || die "gateway A did not stop"
# A's devices went with it: the hosts' addresses and routes move to B's.
host_link "$NS_IN" tunb-in "$IN_ADDR/24" default via "$GW_IN_ADDR" &&
  host_link "$NS_OUT" tunb-out "$OUT_ADDR/24" || die "moving to gateway B"
GW_PID=$B_PID

for _ in $(seq 600); do
  kill -0 "$CURL_PID" 2>/dev/null || break
  sleep 0.1
done
wait "$CURL_PID" || fail "curl through the failover: $(cat "$TMP/curl.log")"
same_file "$TMP/ftp/pub/big.bin" "$TMP/big.down" "download across failover"

ha_listing_b
expect_line '^Conversation: ALG protocol: ftp'
expect_line 'NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+'
grep -q "sync: .* blobs sent, 0 conversations imported, 0 errors" \
  "$TMP/gw.err" || fail "gateway A's sync: $(grep sync: "$TMP/gw.err")"
e2e_finish

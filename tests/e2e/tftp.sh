#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# TFTP through pinhole-gw: tftpd-hpa's in.tftpd outside, tftp-hpa's client
# inside. A 256 KiB download and a 256 KiB upload in octet mode, sha256
# compared. The server answers every request from a new port, so each
# transfer only passes through the pinhole the TFTP ALG opens for it; the
# listing must show the request watched on UDP port 69 and the transfers
# as Forward flows of the same conversation.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init
TFTPD=$(command -v in.tftpd) || skip "in.tftpd is not installed (package tftpd-hpa)"
command -v tftp >/dev/null || skip "tftp is not installed (package tftp-hpa)"
tftp -V 2>&1 | grep -q tftp-hpa || skip "tftp is not tftp-hpa's client"
e2e_start_gw

# The server's root: readable files, and uploads created by -c. in.tftpd
# chroots there (-s) and runs as nobody, so the directory is world-writable.
mkdir -p "$TMP/tftp"
chmod 777 "$TMP/tftp"
random_file "$TMP/tftp/data.bin" 256
chmod 644 "$TMP/tftp/data.bin"
random_file "$TMP/up.bin" 256
# -L: foreground; -v: log requests; -c: allow creating files (WRQ).
bg "$NS_OUT" tftpd "$TFTPD" -L -v -v -c -s "$TMP/tftp" --address "$OUT_ADDR:69"
TFTPD_PID=$LAST_PID
# UDP has no connect check: wait until the socket is bound.
wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'sport = :69' | grep -q ." ||
  die "in.tftpd did not start"

# The client writes in its working directory: run it from $TMP.
(cd "$TMP" && ns "$NS_IN" tftp -m binary "$OUT_ADDR" -c get data.bin tftp.down) \
  >"$TMP/tftp-get.log" 2>&1 || fail "tftp get failed"
# tftp-hpa exits 0 even on some errors: the file comparison decides.
if [ -s "$TMP/tftp.down" ]; then
  same_file "$TMP/tftp/data.bin" "$TMP/tftp.down" "tftp download"
else
  fail "tftp download: nothing received ($(cat "$TMP/tftp-get.log"))"
fi
(cd "$TMP" && ns "$NS_IN" tftp -m binary "$OUT_ADDR" -c put up.bin up.bin) \
  >"$TMP/tftp-put.log" 2>&1 || fail "tftp put failed"
# in.tftpd may still be writing the last block: wait for the full size.
wait_for 5 bash -c "test \"\$(stat -c %s '$TMP/tftp/up.bin' 2>/dev/null)\" = $((256 * 1024))" ||
  true
if [ -s "$TMP/tftp/up.bin" ]; then
  same_file "$TMP/up.bin" "$TMP/tftp/up.bin" "tftp upload"
else
  fail "tftp upload: nothing arrived ($(cat "$TMP/tftp-put.log"))"
fi
kill -0 "$TFTPD_PID" 2>/dev/null || fail "in.tftpd died"

gw_dump tftp
expect_line '^Conversation: ALG protocol: tftp'
# The requests (RRQ, WRQ) to port 69, NATed to the pool.
expect_flow UDP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:69" Watch I
expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+"
# The transfers: DATA/ACK from the server's new port to the client's public
# port (opened by the pinhole) and back.
expect_flow UDP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+" Forward O
expect_flow UDP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:[0-9]+" Forward I
expect_line "^ +NAT dest 198\.19\.0\.1:[0-9]+ -> 198\.18\.0\.2:[0-9]+"
n=$(flow_frames UDP '198\.19\.0\.2:69' '.*' Watch O)
if [ -n "$n" ] && [ "$n" != 0 ]; then
  fail "a reply came from port 69 (tftpd should answer from a new port)"
fi
v=$(counter "ALG errors" TFTP)
[ "$v" = 0 ] && log "ok: TFTP ALG errors 0" || fail "TFTP ALG errors '${v:-missing}'"
expect_no_alg_errors
# One pinhole per transfer: the download and the upload.
expect_counter_min Other "Pinholes used" 2
e2e_finish

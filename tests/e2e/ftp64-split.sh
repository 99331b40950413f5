#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# FTP64 (RFC 6384 sec. 7.2) with the EPRT command written in two pieces
# (issue 21 on NAT64): split-ftp-client.py on the IPv6-only inside host
# sends "EPRT |2|2001:db8:" and, 200 ms later, the rest of the line to
# vsftpd on IPv4 at 64:ff9b::c613:2 through pinhole-gw's NAT64
# (e2e_start_gw64). The FTP ALG must hold the first piece, rewrite the
# whole command to EPRT |1|198.19.0.1|<public port>| when the rest
# arrives and send it on in one segment: vsftpd never sees EPRT |2| (no
# IPv6 address leaves untranslated), connects to the pool endpoint, and
# the 1 MiB download reaches the IPv6 client (sha256). No server
# retransmission the gateway caused (captures on both sides, lib.sh's
# expect_no_nat_retransmission); the reassembly counters moved.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
HERE=$(cd "$(dirname "$0")" && pwd)
e2e_init tcpdump tshark
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
e2e_start_gw64
ftp_start_server

capture_both_start ftp64-split tun-in tcp port 21
ns "$NS_IN" /usr/bin/python3 "$HERE/split-ftp-client.py" "$OUT64" \
  pub/data.bin "$TMP/split.down" 200 2>"$TMP/split-client.log" ||
  fail "split-ftp-client.py failed: $(tail -n 3 "$TMP/split-client.log")"
capture_both_stop
cat "$TMP/split-client.log" >&2
same_file "$TMP/ftp/pub/data.bin" "$TMP/split.down" "split EPRT download via NAT64"
n=$(tshark_count "$TMP/ftp64-split.pcap" 'tcp.len == 17 && tcp.payload contains "EPRT |2|2001:db8:"')
[ "$n" -ge 1 ] && log "ok: the first piece of EPRT went out alone ($n segment)" ||
  fail "no segment with the first piece of EPRT alone in the inside capture"
split_retransmissions ftp64-split 21 "FTP control" "$IN6" "$OUT_ADDR"

ftp_expect_server_saw 'EPRT \|1\|198\.19\.0\.1\|[0-9]+\|'
if grep -q 'EPRT |2|' "$TMP/vsftpd.xfer"; then
  fail "vsftpd saw an untranslated EPRT |2|"
else
  log "ok: no EPRT |2| reached vsftpd"
fi
gw_dump ftp64-split
expect_flow TCP "\[2001:db8:1::2\]:[0-9]+" "\[64:ff9b::c613:2\]:21" Watch I
expect_flow TCP "198\.19\.0\.2:21" "198\.19\.0\.1:[0-9]+" Watch O
expect_line "^ +NAT64 \[64:ff9b::c613:2\]:[0-9]+ -> \[2001:db8:1::2\]:[0-9]+"
expect_counter_min Other "Pinholes used" 1
expect_no_alg_errors
expect_reasm
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# FTP active mode with the PORT command written in two pieces (issue 21):
# split-ftp-client.py (TCP_NODELAY) sends "PORT 198,18," and, 200 ms
# later, the rest of the line: two segments, neither with the whole
# command. The FTP ALG must hold the first piece's bytes, rewrite the
# whole command when the rest arrives and send it on at once: vsftpd gets
# PORT with the pool address, connects to it through the ALG's pinhole,
# and the 1 MiB download matches (sha256). tcpdump on both sides of the
# gateway shows no retransmission by the server that the gateway caused
# (the acknowledgement a held piece carries must reach it; see
# expect_no_nat_retransmission in lib.sh); the client's own retransmissions of a held
# piece are counted (the old behaviour withheld the piece until the
# client retransmitted it whole). The listing shows the ftp conversation,
# the reassembly counters moved.
#
# E2E_REF=route runs the same session through a kernel-routed gateway
# namespace without NAT (the harness checked alone; no listing).
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
HERE=$(cd "$(dirname "$0")" && pwd)
e2e_init tcpdump tshark
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
e2e_start_path
ftp_start_server

capture_both_start ftp-split "$DEV" tcp port 21
ns "$NS_IN" /usr/bin/python3 "$HERE/split-ftp-client.py" "$OUT_ADDR" \
  pub/data.bin "$TMP/split.down" 200 2>"$TMP/split-client.log" ||
  fail "split-ftp-client.py failed: $(tail -n 3 "$TMP/split-client.log")"
capture_both_stop
cat "$TMP/split-client.log" >&2
same_file "$TMP/ftp/pub/data.bin" "$TMP/split.down" "split PORT download"
# The two writes really were two segments on the inside.
n=$(tshark_count "$TMP/ftp-split.pcap" 'tcp.len == 12 && tcp.payload contains "PORT 198,18,"')
[ "$n" -ge 1 ] && log "ok: the first piece of PORT went out alone ($n segment)" ||
  fail "no segment with the first piece of PORT alone in the inside capture"
split_retransmissions ftp-split 21 "FTP control" "$IN_ADDR" "$OUT_ADDR"

if [ "${E2E_REF:-}" = route ]; then
  ftp_expect_server_saw() { :; }
  log "E2E_REF=route: no NAT, no listing to check"
  e2e_finish
fi
ftp_expect_server_saw 'PORT 198,19,0,1,[0-9]+,[0-9]+"'
gw_dump ftp-split
ftp_expect_listing
expect_counter_min Other "Pinholes used" 1
expect_reasm
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# FTP active mode over IPv6 with the EPRT command written in two pieces
# (issue 21 on IPv6): split-ftp-client.py over IPv6 (TCP_NODELAY) sends
# "EPRT |2|2001:db8:" and, 200 ms later, the rest of the line to vsftpd
# listening on IPv6 through pinhole-gw --max-conns6 (as ftp6-eprt.sh).
# The FTP ALG must hold the first piece, see the whole command when the
# rest arrives, send it on unchanged in one segment and open the pinhole
# for vsftpd's data connection: the 1 MiB download matches (sha256).
# tcpdump on both sides of the gateway shows no retransmission by the
# server that the gateway caused (the acknowledgement a held piece carries
# reaches it; lib.sh, expect_no_nat_retransmission); the client's own
# retransmissions of a held piece are counted. The listing shows the ftp
# conversation, the reassembly counters moved.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
HERE=$(cd "$(dirname "$0")" && pwd)
e2e_init tcpdump tshark
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
e2e_start_gw6
ftp_start_server 6

capture_both_start ftp6-split tun-in tcp port 21
ns "$NS_IN" /usr/bin/python3 "$HERE/split-ftp-client.py" "$OUT6" \
  pub/data.bin "$TMP/split.down" 200 2>"$TMP/split-client.log" ||
  fail "split-ftp-client.py failed: $(tail -n 3 "$TMP/split-client.log")"
capture_both_stop
cat "$TMP/split-client.log" >&2
same_file "$TMP/ftp/pub/data.bin" "$TMP/split.down" "split EPRT download"
# The two writes really were two segments on the inside.
n=$(tshark_count "$TMP/ftp6-split.pcap" 'tcp.len == 17 && tcp.payload contains "EPRT |2|2001:db8:"')
[ "$n" -ge 1 ] && log "ok: the first piece of EPRT went out alone ($n segment)" ||
  fail "no segment with the first piece of EPRT alone in the inside capture"
split_retransmissions ftp6-split 21 "FTP control" "$IN6" "$OUT6"

ftp_expect_server_saw6 'EPRT \|2\|2001:db8:1::2\|[0-9]+\|'
gw_dump ftp6-split
ftp6_expect_listing
expect_counter_min Other "Pinholes used" 1
expect_reasm
e2e_finish

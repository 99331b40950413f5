#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# RTSP with requests written in pieces (issue 21): split-rtsp-client.py
# (TCP_NODELAY) against GStreamer's RTSP server outside (rtsp-server.py,
# G.711 u-law audio, as rtsp.sh) sends DESCRIBE in three segments, SETUP
# in three (cut in the middle of "client_port=" and before the blank line)
# and PLAY in two, 100 ms apart. The RTSP ALG must hold the pieces,
# rewrite client_port in the whole SETUP and send it on at once: the
# server's RTP, sent before the client sends anything from its ports,
# comes in through the ALG's pinhole (25 packets within 5 s). tcpdump on
# both sides of the gateway shows no retransmission by the server that
# the gateway caused (lib.sh, expect_no_nat_retransmission; the
# acknowledgements held pieces carry must reach it; the client's loss
# probes of held pieces are counted, see split_retransmissions). The
# listing shows the rtsp conversation with the media as a Forward flow,
# the reassembly counters moved.
#
# E2E_REF=route runs the same session through a kernel-routed gateway
# namespace without NAT (the harness checked alone; no listing).
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
HERE=$(cd "$(dirname "$0")" && pwd)
e2e_init gst-launch-1.0 gst-inspect-1.0 tcpdump tshark
PY=/usr/bin/python3
[ -x "$PY" ] || skip "/usr/bin/python3 is not installed"
"$PY" -c '
import gi
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GstRtspServer' 2>/dev/null ||
  skip "GStreamer's RTSP server for python is missing (python3-gi, gir1.2-gst-rtsp-server-1.0)"
for e in audiotestsrc mulawenc rtppcmupay; do
  gst-inspect-1.0 --exists "$e" || skip "GStreamer element $e is missing"
done
LAUNCH="( audiotestsrc is-live=true ! audioconvert ! audioresample"
LAUNCH+=" ! mulawenc ! rtppcmupay name=pay0 pt=0 )"
URL=rtsp://$OUT_ADDR:8554/test

e2e_start_path
bg "$NS_OUT" rtsp-server "$PY" "$HERE/rtsp-server.py" "$OUT_ADDR" 8554 test "$LAUNCH"
wait_for 10 port_open "$NS_OUT" "$OUT_ADDR" 8554 || die "the RTSP server did not start"

capture_both_start rtsp-split "$DEV" tcp port 8554
if ns "$NS_IN" "$PY" "$HERE/split-rtsp-client.py" "$URL" 100 25 \
  >"$TMP/split.out" 2>"$TMP/split-client.log"; then
  log "ok: the media flowed: $(cat "$TMP/split.out")"
else
  fail "split-rtsp-client.py: $(cat "$TMP/split.out") $(tail -n 2 "$TMP/split-client.log")"
fi
capture_both_stop
cat "$TMP/split-client.log" >&2
# The pieces really were separate segments on the inside.
n=$(tshark_count "$TMP/rtsp-split.pcap" 'tcp.len > 0 && tcp.payload contains "unicast;client" && !(tcp.payload contains "client_port=")')
[ "$n" -ge 1 ] && log "ok: SETUP went out cut inside client_port ($n segment)" ||
  fail "no segment of SETUP cut inside client_port in the inside capture"
split_retransmissions rtsp-split 8554 "RTSP" "$IN_ADDR" "$OUT_ADDR"

if [ "${E2E_REF:-}" = route ]; then
  log "E2E_REF=route: no NAT, no listing to check"
  e2e_finish
fi
gw_dump rtsp-split
expect_line '^Conversation: ALG protocol: rtsp'
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:8554" Watch I
expect_flow TCP "198\.19\.0\.2:8554" "198\.19\.0\.1:[0-9]+" Watch O
n=$(awk '/^Conversation: / { inconv = ($NF == "rtsp"); next }
  inconv && $1 == "UDP" && $3 == "->" && $5 == "Forward" && $6 == "O" && $7 > 0' \
  "$TMP/listing" | wc -l)
[ "$n" -ge 1 ] && log "ok: $n UDP media flows from the server in the rtsp conversation" ||
  fail "no UDP media flow from the server in the rtsp conversation"
expect_counter_min Other "Pinholes used" 1
v=$(counter "ALG errors" RTSP)
[ "$v" = 0 ] && log "ok: RTSP ALG errors 0" || fail "RTSP ALG errors '${v:-missing}'"
expect_no_alg_errors
expect_reasm
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# RTSP over NAT64 (docs/nat64.md "RTSP over NAT64") through pinhole-gw:
# GStreamer's RTSP server (gst-rtsp-server through python3-gi) on the
# IPv4-only outside host 198.19.0.2:8554, clients on the IPv6-only inside
# host at rtsp://[64:ff9b::c613:2]:8554/test (RFC 6052).
#
#  1. GStreamer's rtspsrc restricted to UDP, without NAT dummy packets:
#     the server sends first on each stream, so its RTP and RTCP can only
#     come in through the NAT64 pinholes the ALG opened for the public
#     ports it wrote into each SETUP (Pinholes used >= 2, UDP Forward
#     flows with NAT64 lines in the rtsp conversation).
#  2. ffmpeg over UDP: it reads the reply's source= (translated to the
#     server's IPv6 address) and sends its punch packets there; frames
#     decoded.
#  3. ffmpeg interleaved (-rtsp_transport tcp): no pinhole needed.
# The server's log shows what it received: IPv4 Request-URIs, the pool
# address and public ports; no ALG error.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
HERE=$(cd "$(dirname "$0")" && pwd)
e2e_init ffmpeg gst-launch-1.0 gst-inspect-1.0
PY=/usr/bin/python3
[ -x "$PY" ] || skip "/usr/bin/python3 is not installed"
"$PY" -c '
import gi
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GstRtspServer' 2>/dev/null ||
  skip "GStreamer's RTSP server for python is missing (python3-gi, gir1.2-gst-rtsp-server-1.0)"
have() { gst-inspect-1.0 --exists "$1"; }
for e in videotestsrc audiotestsrc rtspsrc fakesink; do
  have "$e" || skip "GStreamer element $e is missing (gstreamer1.0-plugins-base/-good)"
done
# the codecs of rtsp.sh: H.264 or JPEG, Opus or G.711 u-law
if have x264enc && have rtph264pay; then
  VIDEO="x264enc tune=zerolatency key-int-max=15 bitrate=256 ! rtph264pay name=pay0 pt=96 config-interval=-1"
elif have jpegenc && have rtpjpegpay; then
  VIDEO="jpegenc ! rtpjpegpay name=pay0 pt=26"
else
  skip "no GStreamer video encoder and payloader (x264enc or jpegenc)"
fi
if have opusenc && have rtpopuspay; then
  AUDIO="opusenc ! rtpopuspay name=pay1 pt=97"
elif have mulawenc && have rtppcmupay; then
  AUDIO="mulawenc ! rtppcmupay name=pay1 pt=0"
else
  skip "no GStreamer audio encoder and payloader (opusenc or mulawenc)"
fi
LAUNCH="( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 ! $VIDEO"
LAUNCH+=" audiotestsrc is-live=true ! audioconvert ! audioresample ! $AUDIO )"
URL="rtsp://[$OUT64]:8554/test"

e2e_start_gw64
GST_DEBUG=rtspclient:5 bg "$NS_OUT" rtsp-server "$PY" "$HERE/rtsp-server.py" "$OUT_ADDR" 8554 test "$LAUNCH"
RTSP_PID=$LAST_PID
wait_for 10 port_open "$NS_OUT" "$OUT_ADDR" 8554 || die "the RTSP server did not start"

conv_flows() {
  awk -v alg="$1" '/^Conversation: / { inconv = ($NF == alg); next }
    /^[^ ]/ && $3 == "->" && inconv' "$TMP/listing"
}

# 1. rtspsrc over UDP, no dummy packets: the media can only come in
# through the ALG's pinholes.
ns "$NS_IN" gst-launch-1.0 -q rtspsrc location="$URL" protocols=udp \
  nat-method=none latency=100 timeout=5000000 name=src \
  src. ! queue ! fakesink num-buffers=30 src. ! queue ! fakesink num-buffers=30 \
  >"$TMP/gst-udp.log" 2>&1 && log "ok: rtspsrc over UDP through NAT64 got 30 buffers on both streams" ||
  fail "rtspsrc over UDP through NAT64 failed (see gst-udp.log)"
gw_dump rtsp64-udp
expect_line '^Conversation: ALG protocol: rtsp'
expect_flow TCP "\[2001:db8:1::2\]:[0-9]+" "\[64:ff9b::c613:2\]:8554" Watch I
expect_flow TCP "198\.19\.0\.2:8554" "198\.19\.0\.1:[0-9]+" Watch O
expect_line "^ +NAT64 198\.19\.0\.1:[0-9]+ -> 198\.19\.0\.2:8554"
n=$(conv_flows rtsp | awk '$1 == "UDP" && $5 == "Forward" && $6 == "O" && $7 > 0' | wc -l)
[ "$n" -ge 2 ] && log "ok: $n UDP media flows from the server in the rtsp conversation" ||
  fail "$n UDP media flows from the server in the rtsp conversation, expected >= 2"
expect_flow UDP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT64 \[64:ff9b::c613:2\]:[0-9]+ -> \[2001:db8:1::2\]:[0-9]+"
expect_counter_min Other "Pinholes used" 2
v=$(counter "ALG errors" RTSP)
[ "$v" = 0 ] && log "ok: RTSP ALG errors 0" || fail "RTSP ALG errors '${v:-missing}'"
expect_no_alg_errors

# ffmpeg_play NAME TRANSPORT: 3 s of the stream, decoded; the frames it got.
ffmpeg_play() {
  ns "$NS_IN" ffmpeg -hide_banner -nostdin -loglevel info -rtsp_transport "$2" \
    -timeout 5000000 -i "$URL" -t 3 -f null - >"$TMP/$1.log" 2>&1 ||
    { fail "$1: ffmpeg failed (see $1.log)"; return; }
  local frames
  frames=$(tr '\r' '\n' <"$TMP/$1.log" | sed -n 's/^frame= *\([0-9]*\).*/\1/p' | tail -n 1)
  if [ -n "$frames" ] && [ "$frames" -gt 0 ]; then
    log "ok: $1: ffmpeg decoded $frames video frames"
  else
    fail "$1: ffmpeg decoded no video frame"
  fi
}
# 2. and 3.
ffmpeg_play ffmpeg64-udp udp
ffmpeg_play ffmpeg64-tcp tcp
kill -0 "$RTSP_PID" 2>/dev/null || fail "the RTSP server died"

gw_dump rtsp64-all
v=$(counter "ALG errors" RTSP)
[ "$v" = 0 ] && log "ok: RTSP ALG errors 0" || fail "RTSP ALG errors '${v:-missing}'"
expect_no_alg_errors
for c in "NAT64 translation failures" "NAT64 packets exceeding the buffer"; do
  v=$(counter Other "$c")
  [ "$v" = 0 ] && log "ok: $c 0" || fail "$c '${v:-missing}'"
done
# what the IPv4 server saw: IPv4 URIs, the pool's address and ports
SRV_LOG="$TMP/rtsp-server.log"
if [ -f "$SRV_LOG" ]; then
  if grep -q '64:ff9b' "$SRV_LOG"; then
    fail "the IPv4 server saw a synthesized IPv6 address: $(grep -m1 '64:ff9b' "$SRV_LOG")"
  else
    log "ok: no IPv6 address reached the IPv4 server"
  fi
  grep -q 'received a request SETUP rtsp://198\.19\.0\.2:8554/' "$SRV_LOG" &&
    log "ok: the server got SETUP with its IPv4 address in the Request-URI" ||
    fail "the server's log shows no SETUP to rtsp://198.19.0.2:8554/"
fi
e2e_finish

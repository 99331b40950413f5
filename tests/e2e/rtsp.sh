#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# RTSP through pinhole-gw: GStreamer's RTSP server (gst-rtsp-server through
# python3-gi) outside on 198.19.0.2:8554 serving a live video and audio
# stream; clients inside.
#
#  1. ffmpeg with RTP interleaved in the RTSP connection (-rtsp_transport
#     tcp): frames arrive, and the ALG opens no pinhole for it.
#  2. GStreamer's rtspsrc restricted to UDP (no fallback to TCP), without
#     NAT dummy packets: the ALG rewrites client_port in each SETUP and the
#     server's media comes in through its pinholes (Pinholes used >= 2,
#     UDP Forward flows in the rtsp conversation).
#  3. ffmpeg over UDP and rtspsrc with its default dummy packets: media
#     arrives (their early outbound packets open the way themselves).
#
# The listing must show the RTSP control connections watched (TCP 8554),
# the media as UDP Forward flows, and no ALG error.
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

# A video and an audio stream, with the codecs that are installed: H.264
# (x264enc, -ugly) or else JPEG (-good); Opus (-base) or else G.711 u-law.
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
URL=rtsp://$OUT_ADDR:8554/test

e2e_start_gw
bg "$NS_OUT" rtsp-server "$PY" "$HERE/rtsp-server.py" "$OUT_ADDR" 8554 test "$LAUNCH"
RTSP_PID=$LAST_PID
wait_for 10 port_open "$NS_OUT" "$OUT_ADDR" 8554 || die "the RTSP server did not start"

# ffmpeg_play NAME TRANSPORT: reads 3 s of the stream, decodes it, and
# prints the number of video frames it got (from its final progress line).
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
  grep -q 'Stream #0:1.*Audio' "$TMP/$1.log" || fail "$1: no audio stream"
}

# 1. Interleaved: everything in the RTSP connection, no pinhole.
ffmpeg_play ffmpeg-tcp tcp
gw_dump rtsp-interleaved
expect_line '^Conversation: ALG protocol: rtsp'
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:8554" Watch I
expect_flow TCP "198\.19\.0\.2:8554" "198\.19\.0\.1:[0-9]+" Watch O
grep -q '^UDP ' "$TMP/listing" && fail "UDP flows after an interleaved session"
expect_counter_max() {
  local v
  v=$(counter "$1" "$2")
  [ "$v" = "$3" ] && log "ok: counter '$2' = $v" || fail "counter '$2' is '${v:-missing}', expected $3"
}
expect_counter_max Other "Pinholes created" 0
expect_no_alg_errors
# The ALG losing its place in the interleaved stream (docs/gateway.md):
# every later segment that way would be dropped as one after a gap. A few
# are what retransmissions explain; a lost place counts hundreds.
gaps=$(counter "" "Reassembly: segments after a gap")
log "segments after a gap: ${gaps:-missing}"
[ -n "$gaps" ] && [ "$gaps" -le 16 ] ||
  fail "the RTSP ALG lost its place in the interleaved stream: ${gaps:-no} segments after a gap"

# conv_flows ALG: the flow lines of the conversations of ALG.
conv_flows() {
  awk -v alg="$1" '/^Conversation: / { inconv = ($NF == alg); next }
    /^[^ ]/ && $3 == "->" && inconv' "$TMP/listing"
}
# media_flows ALG DIR: UDP Forward flows in DIR (I/O) with frames > 0 in
# the conversations of ALG.
media_flows() {
  conv_flows "$1" | awk -v dir="$2" \
    '$1 == "UDP" && $5 == "Forward" && $6 == dir && $7 > 0' | wc -l
}
# gst_play NAME NAT_METHOD: GStreamer's rtspsrc, UDP only (no fallback to
# TCP), both streams to fakesinks that stop after 30 buffers each (EOS,
# exit 0).
gst_play() {
  ns "$NS_IN" gst-launch-1.0 -q rtspsrc location="$URL" protocols=udp \
    nat-method="$2" latency=100 timeout=5000000 name=src \
    src. ! queue ! fakesink num-buffers=30 src. ! queue ! fakesink num-buffers=30 \
    >"$TMP/$1.log" 2>&1 && log "ok: $1: rtspsrc got 30 buffers on both streams" ||
    fail "$1: rtspsrc over UDP failed (see $1.log)"
}

# 2. rtspsrc over UDP without NAT "dummy" packets: the server sends first
# on each stream, so its RTP (and RTCP) can only come in through the
# pinholes the ALG opened for the client ports it rewrote in SETUP.
gst_play gst-udp none
gw_dump rtsp-udp
n=$(media_flows rtsp O)
[ "$n" -ge 2 ] && log "ok: $n UDP media flows from the server in the rtsp conversation" ||
  fail "$n UDP media flows from the server in the rtsp conversation, expected >= 2"
expect_counter_min Other "Pinholes used" 2
expect_flow UDP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT dest 198\.19\.0\.1:[0-9]+ -> 198\.18\.0\.2:[0-9]+"
v=$(counter "ALG errors" RTSP)
[ "$v" = 0 ] && log "ok: RTSP ALG errors 0" || fail "RTSP ALG errors '${v:-missing}'"
expect_no_alg_errors

# 3. ffmpeg over UDP, and rtspsrc with its default NAT dummy packets. Both
# send to the server's ports first (ffmpeg's punch packets, rtspsrc's
# dummies), which the inside-out rule accepts as new UDP conversations on
# the mapping the ALG reserved; the media then comes back on those. Only
# the media is checked here.
ffmpeg_play ffmpeg-udp udp
gst_play gst-udp-dummy dummy
kill -0 "$RTSP_PID" 2>/dev/null || fail "the RTSP server died"

gw_dump rtsp-all
expect_line '^Conversation: ALG protocol: rtsp'
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:8554" Watch I
expect_flow TCP "198\.19\.0\.2:8554" "198\.19\.0\.1:[0-9]+" Watch O
expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+"
# The clients' RTCP receiver reports and NAT dummies to the server.
n=$(awk '$1 == "UDP" && $2 ~ /^198\.18\.0\.2:/ && $4 ~ /^198\.19\.0\.2:/ &&
  $5 == "Forward" && $6 == "I" && $7 > 0' "$TMP/listing" | wc -l)
[ "$n" -ge 2 ] && log "ok: $n UDP flows from the clients to the server" ||
  fail "$n UDP flows from the clients to the server, expected >= 2"
# Three UDP clients, two streams each: at least six media flows with
# frames from the server, whichever conversation they are in.
n=$(awk '$1 == "UDP" && $3 == "->" && $5 == "Forward" && $6 == "O" && $7 > 0' \
  "$TMP/listing" | wc -l)
[ "$n" -ge 6 ] && log "ok: $n UDP media flows from the server" ||
  fail "$n UDP media flows from the server, expected >= 6"
v=$(counter "ALG errors" RTSP)
[ "$v" = 0 ] && log "ok: RTSP ALG errors 0" || fail "RTSP ALG errors '${v:-missing}'"
expect_no_alg_errors
e2e_finish

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
rtsp_init
RTSP_URL=rtsp://$OUT_ADDR:8554/test

e2e_start_gw
rtsp_server_start

# 1. Interleaved: everything in the RTSP connection, no pinhole.
rtsp_ffmpeg_play ffmpeg-tcp tcp audio
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

# 2. rtspsrc over UDP without NAT "dummy" packets: the server sends first
# on each stream, so its RTP (and RTCP) can only come in through the
# pinholes the ALG opened for the client ports it rewrote in SETUP.
rtsp_gst_play gst-udp none
gw_dump rtsp-udp
n=$(media_flows rtsp O)
[ "$n" -ge 2 ] && log "ok: $n UDP media flows from the server in the rtsp conversation" ||
  fail "$n UDP media flows from the server in the rtsp conversation, expected >= 2"
expect_counter_min Other "Pinholes used" 2
expect_flow UDP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT dest 198\.19\.0\.1:[0-9]+ -> 198\.18\.0\.2:[0-9]+"
alg_clean RTSP

# 3. ffmpeg over UDP, and rtspsrc with its default NAT dummy packets. Both
# send to the server's ports first (ffmpeg's punch packets, rtspsrc's
# dummies), which the inside-out rule accepts as new UDP conversations on
# the mapping the ALG reserved; the media then comes back on those. Only
# the media is checked here.
rtsp_ffmpeg_play ffmpeg-udp udp audio
rtsp_gst_play gst-udp-dummy dummy
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
alg_clean RTSP
e2e_finish

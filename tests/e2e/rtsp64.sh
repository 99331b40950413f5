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
rtsp_init
RTSP_URL="rtsp://[$OUT64]:8554/test"

e2e_start_gw64
GST_DEBUG=rtspclient:5 rtsp_server_start

# 1. rtspsrc over UDP, no dummy packets: the media can only come in
# through the ALG's pinholes.
rtsp_gst_play gst-udp none
gw_dump rtsp64-udp
expect_line '^Conversation: ALG protocol: rtsp'
expect_flow TCP "\[2001:db8:1::2\]:[0-9]+" "\[64:ff9b::c613:2\]:8554" Watch I
expect_flow TCP "198\.19\.0\.2:8554" "198\.19\.0\.1:[0-9]+" Watch O
expect_line "^ +NAT64 198\.19\.0\.1:[0-9]+ -> 198\.19\.0\.2:8554"
n=$(media_flows rtsp O)
[ "$n" -ge 2 ] && log "ok: $n UDP media flows from the server in the rtsp conversation" ||
  fail "$n UDP media flows from the server in the rtsp conversation, expected >= 2"
expect_flow UDP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT64 \[64:ff9b::c613:2\]:[0-9]+ -> \[2001:db8:1::2\]:[0-9]+"
expect_counter_min Other "Pinholes used" 2
alg_clean RTSP

# 2. and 3.
rtsp_ffmpeg_play ffmpeg64-udp udp
rtsp_ffmpeg_play ffmpeg64-tcp tcp
kill -0 "$RTSP_PID" 2>/dev/null || fail "the RTSP server died"

gw_dump rtsp64-all
alg_clean RTSP
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

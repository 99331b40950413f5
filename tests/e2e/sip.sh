#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# SIP through pinhole-gw: sipp (package sip-tester) as the called party
# outside (198.19.0.2:5060) and as the caller inside (198.18.0.2:5060),
# from the scenarios sip-uas.xml and sip-uac.xml. One call over UDP:
# INVITE with SDP, 180, 200 with SDP, ACK, 3 s of media, BYE, 200.
#
# The SIP ALG rewrites the caller's Via, Contact and SDP (c=, o=, m= port)
# to the public address and ports and opens pinholes for the media. The
# called party then plays the G.711 capture that comes with sipp to the
# address in the SDP it got; only the pinhole lets it in. The caller
# echoes it (sipp -rtp_echo) back to where it came from, and a small UDP
# sink on the called party's media port counts what returns: media both
# ways. The listing must show the SIP signalling watched (UDP 5060), the
# media as Forward flows of the same conversation, no ALG error.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init sipp
[ -n "$PYTHON" ] || skip "python3 is not installed"
sipp_pcap
UAS_MEDIA=6000
UAC_MEDIA=6000
e2e_start_gw

sip_call "$UAS_MEDIA" "$UAC_MEDIA"

# What the called party got: the caller's transport addresses all public
# (From and Call-ID are identities, never rewritten: not checked).
sip_msgs
sip_saw_public
if grep -E '^(Via|Contact|c=|o=|Route|Record-Route)' "$TMP/uas-msg.txt" | grep -q '198\.18\.'; then
  fail "the called party saw an inside address: $(grep -E '^(Via|Contact|c=|o=)' "$TMP/uas-msg.txt" | grep -m1 '198\.18\.')"
fi

sleep 0.3
gw_dump sip
expect_line '^Conversation: ALG protocol: sip'
# Signalling, watched both ways.
expect_flow UDP "198\.18\.0\.2:5060" "198\.19\.0\.2:5060" Watch I
expect_flow UDP "198\.19\.0\.2:5060" "198\.19\.0\.1:[0-9]+" Watch O
expect_line "^ +NAT source 198\.18\.0\.2:5060 -> 198\.19\.0\.1:[0-9]+"
# Media in the same conversation: the called party's RTP to the public
# port of the SDP (through the pinhole), the caller's echo back.
sip_media_frames O "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:${PUB_MEDIA:-x}" 0 \
  "from the called party to 198.19.0.1:${PUB_MEDIA:-?}"
sip_media_frames I "198\.18\.0\.2:$UAC_MEDIA" "198\.19\.0\.2:[0-9]+" 0 \
  "echoed by the caller"
expect_line "^ +NAT dest 198\.19\.0\.1:${PUB_MEDIA:-x} -> 198\.18\.0\.2:$UAC_MEDIA"
alg_clean SIP
expect_counter_min Other "Pinholes used" 1
e2e_finish

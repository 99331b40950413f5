#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A SIP call with media through NAT64 (RFC 6146; docs/nat64.md "SIP over
# NAT64"): sipp -i 2001:db8:1::2 on the IPv6-only inside host calls
# [64:ff9b::c613:2]:5060, the IPv4 sipp on 198.19.0.2:5060 outside
# (sip-uac.xml, sip-uas.xml: INVITE with SDP c=IN IP6, 180, 200 with SDP
# c=IN IP4, ACK, 3 s of media, BYE, 200), through pinhole-gw with
# --nat64 64:ff9b::/96,lab and the pool 198.19.0.1.
#
# The SIP ALG translates across the families: the called party must see
# only IPv4 (Via, Contact, c=, o= of the pool, the m= port a public one),
# the caller the server's SDP as c=IN IP6 64:ff9b::c613:2. The called
# party plays sipp's G.711 capture to the public media port; it reaches
# the caller only through the NAT64 pinhole, and the caller echoes it
# (-rtp_echo) from the same public port. The listing must show the sip
# conversation: the signalling watched, the media Forward flows both
# ways with NAT64 lines, with frames.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init sipp
sipp_pcap
e2e_start_gw64

SIP_OUT=$OUT_ADDR SIP_IN=$IN6 SIP_RHOST="[$OUT64]" sip_call 6000 6002

sip_msgs
sip_saw_public
sip_saw uas '^INVITE sip:service@198\.19\.0\.2:5060 SIP/2\.0$'
if grep -q '2001:db8\|IP6' "$TMP/uas-msg.txt"; then
  fail "the called party saw IPv6: $(grep -m1 '2001:db8\|IP6' "$TMP/uas-msg.txt")"
else
  log "ok: the called party saw no IPv6 address"
fi
sip_saw uac '^c=IN IP6 64:ff9b::c613:2$'
sip_saw uac '^Via: SIP/2\.0/UDP \[2001:db8:1::2\]:5060;'

sleep 0.3
gw_dump sip64
expect_line '^Conversation: ALG protocol: sip'
expect_flow UDP "\[2001:db8:1::2\]:5060" "\[64:ff9b::c613:2\]:5060" Watch I
expect_flow UDP "198\.19\.0\.2:5060" "198\.19\.0\.1:[0-9]+" Watch O
expect_line "^ +NAT64 198\.19\.0\.1:[0-9]+ -> 198\.19\.0\.2:5060$"
# media in the sip conversation: the called party's RTP to the public
# port of the SDP (the pinhole), the caller's echo from the same port
sip_media_frames O "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:${PUB_MEDIA:-x}" 10 \
  "from the called party to 198.19.0.1:${PUB_MEDIA:-?}"
n=$SIP_FRAMES
sip_media_frames I "\[2001:db8:1::2\]:6002" "\[64:ff9b::c613:2\]:[0-9]+" 10 \
  "echoed by the caller"
m=$SIP_FRAMES
expect_line "^ +NAT64 \[64:ff9b::c613:2\]:[0-9]+ -> \[2001:db8:1::2\]:6002$"
expect_line "^ +NAT64 198\.19\.0\.1:${PUB_MEDIA:-x} -> 198\.19\.0\.2:[0-9]+$"
alg_clean SIP
expect_counter_min Other "Pinholes used" 1
expect_counter_min "" "NAT64 translations" $((n + m))
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A SIP call over IPv6 through pinhole-gw with --max-conns6: sipp -i on
# [2001:db8:2::2]:5060 outside as the called party and [2001:db8:1::2]
# inside as the caller (sip-uas.xml, sip-uac.xml: INVITE with SDP
# c=IN IP6, 180, 200 with SDP, ACK, media, BYE, 200). Nothing is
# rewritten; the SIP ALG opens RTP/RTCP pinholes for each party's media
# from the other. The called party's RTP reaches the caller only through
# its pinhole (no rule admits the outside); the caller echoes it back.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init sipp
sipp_pcap
e2e_start_gw6

SIP_OUT=$OUT6 SIP_IN=$IN6 SIP_RHOST="[$OUT6]" sip_call 6000 6002

tr -d '\r' <"$TMP/uas-msg.log" >"$TMP/uas-msg.txt"
if grep -q '^c=IN IP6 2001:db8:1::2$' "$TMP/uas-msg.txt"; then
  log "ok: the called party got the caller's c=IN IP6 unchanged"
else
  fail "the called party never got c=IN IP6 2001:db8:1::2"
fi

sleep 0.3
gw_dump sip6
expect_line '^Conversation: ALG protocol: sip'
expect_flow UDP "\[2001:db8:1::2\]:5060" "\[2001:db8:2::2\]:5060" Watch I
expect_flow UDP "\[2001:db8:2::2\]:5060" "\[2001:db8:1::2\]:5060" Watch O
# the called party's media to the caller's SDP port, through the pinhole
expect_flow UDP "\[2001:db8:2::2\]:[0-9]+" "\[2001:db8:1::2\]:6002" Forward O
expect_flow UDP "\[2001:db8:1::2\]:6002" "\[2001:db8:2::2\]:[0-9]+" Forward I
grep -q "NAT source\|NAT dest" "$TMP/listing" && fail "an IPv6 flow was translated"
expect_no_alg_errors
expect_counter_min Other "Pinholes used" 1
e2e_finish

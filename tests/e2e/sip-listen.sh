#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# SIP over TCP from a user agent that listens on a port other than 5060
# and other than its connection's (docs/sip.md "The user agent's
# listening port"): sipp calls from inside, connecting from port 5062
# (sipp binds its connection to -p) while its Via, From and Contact name
# 5070, the port it would listen on, as a softphone whose 5060 is taken
# does. The called party (sip-uas.xml over TCP) is outside.
#
# The ALG learns 5070 from the INVITE's top Via: the called party must
# get Via, From and Contact as the pool address's 5070 (and no inside
# address), and every response the caller gets on the connection must
# carry its own Via, 198.18.0.2:5070, again (RFC 3261 sec. 18.1.2) and
# nothing of the pool address. The call completes with media both ways
# through the pinholes; no SIP ALG error.
#
# SIP_LISTEN_NAT64=1 (sip64-listen.sh): the same through NAT64 (docs/nat64.md
# "SIP over NAT64"): sipp on the IPv6-only inside host, 2001:db8:1::2,
# calls [64:ff9b::c613:2]:5060 naming [2001:db8:1::2]:5070; the called
# party (198.19.0.2) must see no IPv6 at all, and the caller gets
# [2001:db8:1::2]:5070 back in every response.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
HERE=$(cd "$(dirname "$0")" && pwd)
e2e_init sipp
sipp_pcap
PUB=198.19.0.1
LPORT=5070
if [ "${SIP_LISTEN_NAT64:-0}" = 1 ]; then
  NAME=sip64-listen
  e2e_start_gw64
  UA=$IN6 UA_RE='\[2001:db8:1::2\]' SRV="[$OUT64]" SRV_RE='\[64:ff9b::c613:2\]'
else
  NAME=sip-listen
  e2e_start_gw
  UA=$IN_ADDR UA_RE='198\.18\.0\.2' SRV=$OUT_ADDR SRV_RE='198\.19\.0\.2'
fi

sf="$TMP/sip-uac-listen.xml"
# (and, over TCP, the connection kept until the called party's own 500 ms
# timewait is over: it counts a call whose connection closes before that
# as failed; sip-uac-large.xml does the same)
sed -e "s/^\\( *\\(Via\\|From\\|Contact\\):.*\\[local_ip\\]\\):\\[local_port\\]/\\1:$LPORT/" \
  -e 's|^</scenario>|  <timewait milliseconds="1000"/>\n</scenario>|' \
  "$HERE/sip-uac.xml" >"$sf"
n=$(grep -c "\\[local_ip\\]:$LPORT" "$sf")
[ "$n" -ge 9 ] || die "the scenario's Via, From and Contact were not set to $LPORT ($n)"

(cd "$TMP" && exec ip netns exec "$NS_OUT" timeout 60 sipp -sf "$HERE/sip-uas.xml" \
  -t t1 -i "$OUT_ADDR" -p 5060 -mi "$OUT_ADDR" -mp 6000 -key pcap "$PCAP" \
  -m 1 -timeout 40s -timeout_error -nostdin -trace_err -trace_msg \
  -message_file "$TMP/uas-msg.log" -error_file "$TMP/uas.err") >"$TMP/uas.log" 2>&1 &
UAS_PID=$!
PIDS+=("$UAS_PID")
wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hltn 'sport = :5060' | grep -q ." ||
  die "sipp UAS did not start"
(cd "$TMP" && exec ip netns exec "$NS_IN" timeout 60 sipp "$SRV:5060" \
  -sf "$sf" -t t1 -i "$UA" -p 5062 -mi "$UA" -mp 6000 \
  -rtp_echo -m 1 -timeout 30s -timeout_error -nostdin -trace_err -trace_msg \
  -message_file "$TMP/uac-msg.log" -error_file "$TMP/uac.err") >"$TMP/uac.log" 2>&1 &
UAC_PID=$!
PIDS+=("$UAC_PID")
wait_for 20 grep -q '^ACK ' "$TMP/uas-msg.log" || fail "no ACK reached the called party"
sleep 1.5
gw_dump "$NAME (media flowing)"
expect_line '^Conversation: ALG protocol: sip'
expect_flow TCP "$UA_RE:5062" "$SRV_RE:5060" Watch I
expect_flow TCP "198\.19\.0\.2:5060" "198\.19\.0\.1:[0-9]+" Watch O
sip_call_end

# What the called party got: the listening port on the pool address.
sip_msgs
sip_saw uas "^Via: SIP/2\\.0/TCP 198\\.19\\.0\\.1:$LPORT;"
sip_saw uas "^From: sipp <sip:sipp@198\\.19\\.0\\.1:$LPORT>;"
sip_saw uas "^Contact: sip:sipp@198\\.19\\.0\\.1:$LPORT\$"
sip_saw uas '^c=IN IP4 198\.19\.0\.1$'
if grep -E '^(Via|From|Contact|c=|o=)' "$TMP/uas-msg.txt" | grep -q '198\.18\.'; then
  fail "the called party saw an inside address: $(grep -E '^(Via|From|Contact|c=|o=)' "$TMP/uas-msg.txt" | grep -m1 '198\.18\.')"
fi
if grep -q '2001:db8\|IP6' "$TMP/uas-msg.txt"; then
  fail "the called party saw IPv6: $(grep -m1 '2001:db8\|IP6' "$TMP/uas-msg.txt")"
fi

# What the caller got on its connection: its own Via in every response.
awk '/^-----------------------------------------------/ { r = 0 }
  r { print } / message received / { r = 1 }' "$TMP/uac-msg.log" |
  tr -d '\r' >"$TMP/uac-rcvd.txt"
n=$(grep -c ' message received ' "$TMP/uac-msg.log")
via="^Via: SIP/2\\.0/TCP $UA_RE:$LPORT;"
got=$(grep -Ec "$via" "$TMP/uac-rcvd.txt")
[ "$n" -ge 2 ] && [ "$got" = "$n" ] &&
  log "ok: the caller got its own Via back in all $n responses" ||
  fail "$got of $n responses the caller got carry its own Via /$via/"
if grep -Eq "(^|[^0-9.])${PUB//./\\.}([^0-9]|\$)" "$TMP/uac-rcvd.txt"; then
  fail "the caller got the pool address: $(grep -Em1 "(^|[^0-9.])${PUB//./\\.}([^0-9]|\$)" "$TMP/uac-rcvd.txt")"
else
  log "ok: nothing of the pool address reached the caller"
fi

sleep 0.3
gw_dump "$NAME"
sip_media_frames O "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:${PUB_MEDIA:-x}" 0 \
  "from the called party to 198.19.0.1:${PUB_MEDIA:-?}"
sip_media_frames I "$UA_RE:6000" "$SRV_RE:[0-9]+" 0 \
  "echoed by the caller"
alg_clean SIP
expect_counter_min Other "Pinholes used" 1
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# A SIP call with media across an active/standby failover (docs/ha.md),
# set up as ha-failover.sh: gateway A (--sync-to) and gateway B
# (--sync-from) side by side, the hosts' addresses and routes on A's TUN
# devices first.
#
# The call is sip.sh's (sipp, sip-uac.xml and sip-uas.xml) with the
# caller's pause before its BYE made 8 s: INVITE with SDP, 180, 200 with
# SDP, ACK through A; the called party plays sipp's 7 s G.711 capture to
# the public media address of the caller's SDP, through the pinhole the
# SIP ALG opened on A, and the caller echoes it back (-rtp_echo). About
# 2.5 s into the media (two sync passes after the call was set up) A is
# stopped; with A's devices gone the hosts' standby routes (a higher
# metric, on B's devices, the hosts' addresses there too) carry their
# packets through B at once. tcpdump on
# B's devices counts what crossed B: the called party's RTP reaching the
# caller, the caller's echo reaching the called party. Then the BYE and
# its 200 cross B, both sipp ends complete the call, and B's listing shows
# the SIP conversation (its signalling watched) with the media as Forward
# flows and their NAT lines.
#
# Why play_pcap_audio and -rtp_echo (not rtp_stream): that is what the
# sipp of Debian's sip-tester does reliably here (sip.sh uses it), and
# the echo makes media flow both ways through the same pinhole and
# mapping, so one capture shows both directions.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init sipp tcpdump
sipp_pcap
KEY=0123456789abcdef0123456789abcdef
SYNC_PORT=17002
MEDIA=6000
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# B first: its devices go to the hosts unaddressed.
[ -x "${PINHOLE_GW:-}" ] || die "PINHOLE_GW not set or not executable"
ip netns exec "$NS_GW" "$PINHOLE_GW" --inside tunb-in --outside tunb-out \
  --pool "$POOL" --listing-file "$TMP/listing-b" \
  --sync-from "$SYNC_PORT" --sync-key "$KEY" \
  >"$TMP/gwb.log" 2>"$TMP/gwb.err" &
B_PID=$!
PIDS+=("$B_PID")
wait_for 5 ip -n "$NS_GW" link show tunb-out || die "gateway B did not start"
ip -n "$NS_GW" link set tunb-in netns "$NS_IN" &&
  ip -n "$NS_GW" link set tunb-out netns "$NS_OUT" &&
  ip -n "$NS_IN" link set tunb-in up &&
  ip -n "$NS_OUT" link set tunb-out up || die "moving B's TUN devices"

e2e_start_gw --sync-to "127.0.0.1:$SYNC_PORT" --sync-key "$KEY"
A_PID=$GW_PID
# The hosts' standby: their addresses also on B's devices (without a
# prefix route) and routes through B's devices of a higher metric, as a
# routing protocol would keep them. When A's devices go, the hosts'
# packets take these at once, from the same addresses, instead of meeting
# an unreachable network (sipp's media player stops at its first failed
# send).
ip -n "$NS_IN" addr add "$IN_ADDR/24" dev tunb-in noprefixroute &&
  ip -n "$NS_IN" route add default dev tunb-in metric 500 &&
  ip -n "$NS_OUT" addr add "$OUT_ADDR/24" dev tunb-out noprefixroute &&
  ip -n "$NS_OUT" route add 198.19.0.0/24 dev tunb-out metric 500 ||
  die "standby addresses and routes"

# What crosses B: the media (and only that port) on both of its devices.
capture_start b-in "$NS_IN" tunb-in udp port "$MEDIA"
CAP_IN=$CAP_PID
capture_start b-out "$NS_OUT" tunb-out udp port "$MEDIA"
CAP_OUT=$CAP_PID

# The caller's scenario with a longer call: 8 s from the ACK to the BYE.
sed 's/<pause milliseconds="3000"\/>/<pause milliseconds="8000"\/>/' \
  "$HERE/sip-uac.xml" >"$TMP/ha-sip-uac.xml"
grep -q 'milliseconds="8000"' "$TMP/ha-sip-uac.xml" ||
  die "sip-uac.xml has no 3 s pause to lengthen"

(cd "$TMP" && exec ip netns exec "$NS_OUT" timeout 60 sipp -sf "$HERE/sip-uas.xml" \
  -i "$OUT_ADDR" -p 5060 -mi "$OUT_ADDR" -mp "$MEDIA" -key pcap "$PCAP" \
  -m 1 -timeout 40s -timeout_error -nostdin -trace_err -trace_msg \
  -message_file "$TMP/uas-msg.log" -error_file "$TMP/uas.err") >"$TMP/uas.log" 2>&1 &
UAS_PID=$!
PIDS+=("$UAS_PID")
wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'sport = :5060' | grep -q ." ||
  die "sipp UAS did not start"
(cd "$TMP" && exec ip netns exec "$NS_IN" timeout 60 sipp "$OUT_ADDR:5060" \
  -sf "$TMP/ha-sip-uac.xml" -i "$IN_ADDR" -p 5060 -mi "$IN_ADDR" -mp "$MEDIA" \
  -rtp_echo -m 1 -timeout 30s -timeout_error -nostdin -trace_err -trace_msg \
  -message_file "$TMP/uac-msg.log" -error_file "$TMP/uac.err") >"$TMP/uac.log" 2>&1 &
UAC_PID=$!
PIDS+=("$UAC_PID")

# The call is up when the caller sent its ACK; then two sync passes.
wait_for 10 grep -q '^ACK ' "$TMP/uac-msg.log" || die "the call was not set up through A"
sleep 2.5
kill -0 "$UAC_PID" 2>/dev/null || die "the call ended before failover"
kill -TERM "$A_PID"
wait_for 5 bash -c "! kill -0 $A_PID 2>/dev/null" || die "gateway A did not stop"
GW_PID=$B_PID
log "failover: A stopped, the hosts' packets go through B's devices"

wait "$UAC_PID"
rc=$?
[ "$rc" = 0 ] && log "ok: sipp UAC: the call completed (BYE answered through B)" ||
  fail "sipp UAC exit status $rc"
wait_for 10 bash -c "! kill -0 $UAS_PID" || fail "sipp UAS did not end"
wait "$UAS_PID"
rc=$?
[ "$rc" = 0 ] && log "ok: sipp UAS: the call completed" || fail "sipp UAS exit status $rc"
CAP_PID=$CAP_IN capture_stop
CAP_PID=$CAP_OUT capture_stop

# Media through B, both ways, after the failover (B's devices carried
# nothing before it).
rtp_in=$(tcpdump -nn -r "$TMP/b-in.pcap" "udp and dst host $IN_ADDR and dst port $MEDIA" 2>/dev/null | wc -l)
echo_out=$(tcpdump -nn -r "$TMP/b-out.pcap" "udp and dst host $OUT_ADDR and dst port $MEDIA and src host $POOL" 2>/dev/null | wc -l)
[ "$rtp_in" -ge 25 ] && log "ok: $rtp_in RTP packets reached the caller through B" ||
  fail "only $rtp_in RTP packets reached the caller through B"
[ "$echo_out" -ge 25 ] && log "ok: $echo_out echoed RTP packets reached the called party through B" ||
  fail "only $echo_out echoed RTP packets reached the called party through B"
# The BYE crossed B: the called party got it, the caller its 200.
tr -d '\r' <"$TMP/uas-msg.log" | grep -q '^BYE ' ||
  fail "the called party never got the BYE"

rm -f "$TMP/listing"
kill -USR1 "$B_PID"
wait_for 5 test -e "$TMP/listing-b" || die "no listing from gateway B"
cp "$TMP/listing-b" "$TMP/listing"
echo "---- listing of gateway B"
cat "$TMP/listing"
expect_line '^Conversation: ALG protocol: sip'
expect_flow UDP "198\.18\.0\.2:5060" "198\.19\.0\.2:5060" Watch I
expect_line "^ +NAT source 198\.18\.0\.2:5060 -> 198\.19\.0\.1:[0-9]+"
expect_flow UDP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT dest 198\.19\.0\.1:[0-9]+ -> 198\.18\.0\.2:$MEDIA"
expect_flow UDP "198\.18\.0\.2:$MEDIA" "198\.19\.0\.2:[0-9]+" Forward I
expect_no_alg_errors
grep -q "sync: .* blobs sent, 0 conversations imported, 0 errors" \
  "$TMP/gw.err" || fail "gateway A's sync: $(grep sync: "$TMP/gw.err")"
e2e_finish

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
# SIP ALG opened on A, and the caller echoes it back (-rtp_echo). Once B
# lists the caller's echo flow and has imported one more pass
# (ha_wait_pass, not a fixed sleep: under load the passes come late) A is
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

ha_pair_start "$SYNC_PORT" "$KEY"

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

# What crosses B: the media and the signalling, on both of its devices.
capture_start b-in "$NS_IN" tunb-in udp port "$MEDIA" or udp port 5060
CAP_IN=$CAP_PID
capture_start b-out "$NS_OUT" tunb-out udp port "$MEDIA" or udp port 5060
CAP_OUT=$CAP_PID

# The caller's scenario with a longer call: 8 s from the ACK to the BYE.
sed 's/<pause milliseconds="3000"\/>/<pause milliseconds="8000"\/>/' \
  "$(dirname "$0")/sip-uac.xml" >"$TMP/ha-sip-uac.xml"
grep -q 'milliseconds="8000"' "$TMP/ha-sip-uac.xml" ||
  die "sip-uac.xml has no 3 s pause to lengthen"

sip_uas_start "$MEDIA"
sip_uac_start "$TMP/ha-sip-uac.xml" "$MEDIA"

# The call is up when the caller sent its ACK; then B must hold the
# media (the caller's echo flow) and one pass more.
wait_for 10 grep -q '^ACK ' "$TMP/uac-msg.log" || die "the call was not set up through A"
ha_wait_pass 5 UDP "198\.18\.0\.2:$MEDIA" "198\.19\.0\.2:[0-9]+" Forward I ||
  die "gateway B never held the media flow and a pass more"
kill -0 "$UAC_PID" 2>/dev/null || die "the call ended before failover"
T_FAIL=$(date +%s.%N)
kill -TERM "$A_PID"
wait_for 5 bash -c "! kill -0 $A_PID 2>/dev/null" || die "gateway A did not stop"
GW_PID=$B_PID
log "failover: A stopped, the hosts' packets go through B's devices"

sip_call_end # the BYE and its 200 went through B
CAP_PID=$CAP_IN capture_stop
CAP_PID=$CAP_OUT capture_stop

# b_count CAPTURE FILTER [GREP]: packets of B's capture that match the
# tcpdump FILTER (and with GREP, whose payload has that text), after A was
# told to stop; and none before (B carried nothing while A ran).
b_count() {
  local before
  before=$(tcpdump -tt -nn -r "$TMP/$1.pcap" "$2" 2>/dev/null |
    awk -v t="$T_FAIL" '$1 < t' | wc -l)
  [ "$before" = 0 ] || fail "$before packets crossed B before the failover ($1: $2)"
  tcpdump -tt -nn -A -r "$TMP/$1.pcap" "$2" 2>/dev/null |
    awk -v t="$T_FAIL" -v g="${3:-}" '
      /^[0-9]+\.[0-9]+ IP / { if (n && ok) c++; n = ($1 >= t); ok = (g == ""); next }
      g != "" && index($0, g) { ok = 1 }
      END { if (n && ok) c++; print c + 0 }'
}
# Media through B, both ways, after the failover.
rtp_in=$(b_count b-in "udp and dst host $IN_ADDR and dst port $MEDIA")
echo_out=$(b_count b-out "udp and src host $POOL and dst host $OUT_ADDR and dst port $MEDIA")
[ "$rtp_in" -ge 25 ] && log "ok: $rtp_in RTP packets reached the caller through B" ||
  fail "only $rtp_in RTP packets reached the caller through B"
[ "$echo_out" -ge 25 ] && log "ok: $echo_out echoed RTP packets reached the called party through B" ||
  fail "only $echo_out echoed RTP packets reached the called party through B"
# The BYE and its 200 crossed B (from the public address, back to it).
n=$(b_count b-out "udp and src host $POOL and dst port 5060" "BYE sip:")
[ "$n" -ge 1 ] && log "ok: the BYE left B for the called party" ||
  fail "no BYE left B for the called party"
n=$(b_count b-in "udp and dst host $IN_ADDR and dst port 5060" "SIP/2.0 200 OK")
[ "$n" -ge 1 ] && log "ok: the BYE's 200 reached the caller through B" ||
  fail "no 200 reached the caller through B"

ha_listing_b
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

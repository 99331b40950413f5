#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# SIP with an INVITE that does not fit one packet (issue 21), through
# pinhole-gw at MTU 1500: sipp calls from inside with sip-uac-large.xml
# (3172 bytes of SDP, 37 payload types: about 3600 bytes of message) the
# called party outside (sip-uas.xml), once over TCP (the INVITE spans three
# segments) and once over UDP (the kernel sends it as three IP fragments).
#
# Each call must complete on the first try, with media both ways: the
# called party plays RTP to the public address and port the ALG wrote in
# the reassembled SDP (only its pinhole lets it in) and the caller echoes
# it. The leg back: every response the caller gets carries its own Via
# (over TCP its listening port 5060, not the connection's, both ways:
# check_inbound). No retransmission caused by the NAT: tcpdump on the inside host
# sees one INVITE (over UDP sipp retransmits after 500 ms without an
# answer), sipp's own statistics count no retransmission, and a TCP
# segment sent again fails only when the gateway caused it, by not sending
# on the original or the acknowledgment that covered it: captures on both
# sides of the gateway show that (lib.sh, expect_no_nat_retransmission).
# One a sender's timer made because the loaded machine did not run the
# gateway in time (a tail loss probe after a few milliseconds) is logged.
# The listing shows the signalling
# watched and the media as Forward flows of the sip conversation; the
# reassembly counters moved.
#
# E2E_REF=route runs the same calls through a kernel-routed gateway
# namespace without NAT (the harness checked alone; no listing).
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
HERE=$(cd "$(dirname "$0")" && pwd)
e2e_init sipp tcpdump tshark
sipp_pcap

e2e_start_path
PUB=$POOL
[ "${E2E_REF:-}" = route ] && PUB=$IN_ADDR

# call T MEDIA: one call over T (tcp|udp), the caller's media on MEDIA.
# Over TCP the caller connects from port 5062 (sipp binds its connection
# to -p) while its Via and From name the listening port 5060, as a UA
# with an ephemeral connection port does; its Contact names the
# connection's port (RFC 3261 sec. 18; docs/sip.md "SIP over TCP").
call() {
  local t=$1 media=$2 opt=u1 rc sf="$HERE/sip-uac-large.xml" lport=5060
  if [ "$t" = tcp ]; then
    opt=t1
    lport=5062
    sf="$TMP/sip-uac-large-tcp.xml"
    sed -e 's/^\( *\(Via\|From\):.*\[local_ip\]\):\[local_port\]/\1:5060/' \
      "$HERE/sip-uac-large.xml" >"$sf"
    grep -q '\[local_ip\]:5060;branch' "$sf" || die "the TCP scenario's Via was not set to 5060"
  fi
  (cd "$TMP" && exec ip netns exec "$NS_OUT" timeout 60 sipp -sf "$HERE/sip-uas.xml" \
    -t "$opt" -i "$OUT_ADDR" -p 5060 -mi "$OUT_ADDR" -mp 6000 -key pcap "$PCAP" \
    -m 1 -timeout 40s -timeout_error -nostdin -trace_err -trace_msg \
    -message_file "$TMP/uas-$t-msg.log" -error_file "$TMP/uas-$t.err") \
    >"$TMP/uas-$t.log" 2>&1 &
  local uas=$!
  PIDS+=("$uas")
  if [ "$t" = tcp ]; then
    wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hltn 'sport = :5060' | grep -q ." ||
      die "sipp UAS ($t) did not start"
  else
    wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'sport = :5060' | grep -q ." ||
      die "sipp UAS ($t) did not start"
  fi
  # the outside host's link too over TCP (which retransmissions the
  # gateway caused: expect_no_nat_retransmission)
  local cap_out=
  if [ "$t" = tcp ]; then
    local odev=tun-out
    [ "${E2E_REF:-}" = route ] && odev=veth-out
    capture_start "sip-$t-out" "$NS_OUT" "$odev" tcp port 5060
    cap_out=$CAP_PID
  fi
  # port 5060, the caller's media, and every fragment (the later ones
  # have no ports)
  capture_start "sip-$t" "$NS_IN" "$DEV" port 5060 or udp port "$media" or \
    "ip[6:2] & 0x3fff != 0"
  (cd "$TMP" && exec ip netns exec "$NS_IN" timeout 60 sipp "$OUT_ADDR:5060" \
    -sf "$sf" -t "$opt" -i "$IN_ADDR" -p "$lport" \
    -mi "$IN_ADDR" -mp "$media" -rtp_echo -m 1 -timeout 30s -timeout_error \
    -nostdin -trace_err -trace_msg -trace_stat -fd 1 \
    -stf "$TMP/uac-$t-stat.csv" -message_file "$TMP/uac-$t-msg.log" \
    -error_file "$TMP/uac-$t.err") >"$TMP/uac-$t.log" 2>&1 &
  local uac=$!
  PIDS+=("$uac")
  # The listing while the media flows (3 s after the ACK): the media's
  # flows go with the conversation once the signalling connection closes.
  if [ "${E2E_REF:-}" != route ]; then
    wait_for 20 grep -q '^ACK ' "$TMP/uas-$t-msg.log" || fail "$t: no ACK reached the called party"
    sleep 1.5
    gw_dump "sip-$t (media flowing)"
    check_listing "$t" "$media"
  fi
  wait "$uac"
  rc=$?
  [ "$rc" = 0 ] && log "ok: $t: sipp UAC: the call completed" ||
    fail "$t: sipp UAC exit status $rc"
  wait_for 10 bash -c "! kill -0 $uas" || fail "$t: sipp UAS did not end"
  wait "$uas"
  rc=$?
  [ "$rc" = 0 ] && log "ok: $t: sipp UAS: the call completed" ||
    fail "$t: sipp UAS exit status $rc"
  capture_stop
  [ -n "$cap_out" ] && CAP_PID=$cap_out capture_stop

  # On the first try: one INVITE on the wire, no retransmission.
  local n
  n=$(tshark_count "$TMP/sip-$t.pcap" 'sip.Method == "INVITE"')
  [ "$n" = 1 ] && log "ok: $t: one INVITE in the inside capture" ||
    fail "$t: $n INVITEs in the inside capture, expected 1"
  [ "$t" = tcp ] && expect_no_nat_retransmission "sip-$t" "sip-$t-out" \
    "$IN_ADDR" "$OUT_ADDR" "SIP over TCP"
  [ "$t" = udp ] && {
    n=$(tshark_count "$TMP/sip-$t.pcap" 'ip.flags.mf == 1 && ip.frag_offset == 0')
    [ "$n" -ge 1 ] && log "ok: udp: the INVITE left the inside host in fragments" ||
      fail "udp: no fragmented datagram in the inside capture"
  }
  # Media both ways, on the inside host.
  local rx tx
  rx=$(tshark_count "$TMP/sip-$t.pcap" "udp.dstport == $media && ip.dst == $IN_ADDR")
  tx=$(tshark_count "$TMP/sip-$t.pcap" "udp.srcport == $media && ip.src == $IN_ADDR")
  [ "$rx" -gt 0 ] && [ "$tx" -gt 0 ] &&
    log "ok: $t: media both ways on the inside: $rx RTP packets in, $tx out" ||
    fail "$t: media on the inside: $rx RTP packets in, $tx out"
  n=$(sipp_retransmissions "$TMP/uac-$t-stat.csv")
  [ "$n" = 0 ] && log "ok: $t: sipp counted no retransmission" ||
    fail "$t: sipp counted '${n:-?}' retransmissions"

  # What the called party got: the caller's addresses public.
  tr -d '\r' <"$TMP/uas-$t-msg.log" >"$TMP/uas-$t-msg.txt"
  local re
  for re in "^c=IN IP4 ${PUB//./\\.}\$" "^o=.* IN IP4 ${PUB//./\\.}\$" \
    '^m=audio [0-9]+ RTP/AVP 0 8 9 18 ' '^a=label:pinhole-e2e-large-offer$' \
    "^Via: SIP/2\\.0/${t^^} ${PUB//./\\.}:[0-9]+;"; do
    grep -Eq "$re" "$TMP/uas-$t-msg.txt" && log "ok: $t: the called party got /$re/" ||
      fail "$t: the called party never got /$re/"
  done
  if [ "${E2E_REF:-}" != route ] &&
    grep -E '^(Via|Contact|c=|o=)' "$TMP/uas-$t-msg.txt" | grep -q '198\.18\.'; then
    fail "$t: the called party saw an inside address"
  fi
  check_inbound "$t"
}

# check_inbound T: the leg back. Over TCP the caller sends from an
# ephemeral port but names its listening port 5060 in Via and From
# (sipp -p 5060): that left as the pool address's 5060 (docs/sip.md "SIP
# over TCP"), and every response the caller got on the connection must
# carry its own sent-by again (RFC 3261 sec. 18.1.2: a UA discards a
# response whose top Via is not the one it wrote) and nothing of the
# pool address.
check_inbound() {
  local t=$1 n got via
  awk '/^-----------------------------------------------/ { r = 0 }
    r { print } / message received / { r = 1 }' "$TMP/uac-$t-msg.log" |
    tr -d '\r' >"$TMP/uac-$t-rcvd.txt"
  n=$(grep -c ' message received ' "$TMP/uac-$t-msg.log")
  via="^Via: SIP/2\\.0/${t^^} ${IN_ADDR//./\\.}:5060;"
  got=$(grep -Ec "$via" "$TMP/uac-$t-rcvd.txt")
  [ "$n" -ge 2 ] && [ "$got" = "$n" ] &&
    log "ok: $t: the caller got its own Via back in all $n responses" ||
    fail "$t: $got of $n responses the caller got carry its own Via /$via/"
  [ "$t" = tcp ] && [ "${E2E_REF:-}" != route ] && {
    grep -Eq "^Via: SIP/2\\.0/TCP ${PUB//./\\.}:5060;" "$TMP/uas-$t-msg.txt" &&
      log "ok: tcp: the called party got the listening port as ${PUB}:5060" ||
      fail "tcp: the called party never got Via ${PUB}:5060"
  }
  [ "${E2E_REF:-}" != route ] || return 0
  if grep -Eq "(^|[^0-9.])${PUB//./\\.}([^0-9]|\$)" "$TMP/uac-$t-rcvd.txt"; then
    fail "$t: the caller got the pool address: $(grep -Em1 "(^|[^0-9.])${PUB//./\\.}([^0-9]|\$)" "$TMP/uac-$t-rcvd.txt")"
  else
    log "ok: $t: nothing of the pool address reached the caller"
  fi
}

# sipp_retransmissions CSV: the last "Retransmissions(C)" of sipp's
# statistics file (-trace_stat), or nothing.
sipp_retransmissions() {
  awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "Retransmissions(C)") col = i; next }
    col { v = $col } END { if (col) print v }' "$1"
}

# check_listing T MEDIA: the call's signalling watched, its media both
# ways Forward flows of the sip conversation.
check_listing() {
  local t=$1 media=$2 p=TCP n
  [ "$t" = udp ] && p=UDP
  expect_line '^Conversation: ALG protocol: sip'
  expect_flow "$p" "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:5060" Watch I
  expect_flow "$p" "198\.19\.0\.2:5060" "198\.19\.0\.1:[0-9]+" Watch O
  n=$(sip_media O "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+")
  [ -n "$n" ] && [ "$n" -gt 0 ] && log "ok: $t: media from the called party in a sip conversation ($n frames)" ||
    fail "$t: no media from the called party in a sip conversation"
  n=$(sip_media I "198\.18\.0\.2:$media" "198\.19\.0\.2:[0-9]+")
  [ -n "$n" ] && [ "$n" -gt 0 ] && log "ok: $t: media echoed by the caller in the sip conversation ($n frames)" ||
    fail "$t: no media from the caller ($media) in the sip conversation"
  expect_line "^ +NAT dest 198\.19\.0\.1:[0-9]+ -> 198\.18\.0\.2:$media"
}

call tcp 6000
call udp 6002
if [ "${E2E_REF:-}" = route ]; then
  log "E2E_REF=route: no NAT, no listing to check"
  e2e_finish
fi
gw_dump "the calls"
v=$(counter "ALG errors" SIP)
[ "$v" = 0 ] && log "ok: SIP ALG errors 0" || fail "SIP ALG errors '${v:-missing}'"
expect_no_alg_errors
expect_counter_min Other "Pinholes used" 2
expect_reasm
e2e_finish

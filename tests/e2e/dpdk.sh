#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# pinhole on DPDK (examples/dpdk, pinhole-dpdk) with 2 worker lcores and
# the main lcore as dispatcher, between namespaces: the gateway namespace
# holds two veths without addresses (ip_forward off), each opened by a
# net_af_packet virtual device (qpairs=3: one TX queue per lcore); the EAL
# runs without hugepages or PCI (--no-huge -m 256 --no-pci --no-shconf).
#
# Checks, all through the DPDK gateway: ping from both workers' addresses;
# an ICMP port unreachable back to worker 1; a reject rule's RST (emit); HTTP downloads from four
# inside addresses (198.18.0.2 and .5 hash to worker 0, .3 and .4 to
# worker 1, so both workers carry traffic); FTP active and passive (curl,
# 1 MiB down and up, vsftpd); TFTP get and put (tftpd-hpa); a SIP call
# with sipp and its RTP both ways. Then the merged listing (SIGUSR1): each
# conversation in the listing of the worker that owns it, the summed
# counters, each worker's data ports inside its slice, both workers busy.
# The --control FIFO: a filtered listing and a timeout, answered by each
# worker. Last, a bounded UDP flood from two inside addresses (one per worker):
# the packets-per-second and per-lcore lines BENCHMARKS.md quotes.
# If the EAL cannot start on this machine, the test skips (exit 77) and
# says why.
# Usage: dpdk.sh PINHOLE-DPDK [UDP-FLOOD]
. "$(dirname "$0")/lib.sh"
DPDK=${1:-}
FLOOD_BIN=${2:-}
[ -n "$DPDK" ] && [ -x "$DPDK" ] || skip "pinhole-dpdk not built (libdpdk-dev not found at meson setup)"
FLOOD=${DPDK_FLOOD:-20000}
e2e_init curl ping ethtool
[ -n "$PYTHON" ] || skip "python3 is not installed"

e2e_setup_raw
for a in 3 4 5; do
  ip -n "$NS_IN" addr add "198.18.0.$a/24" dev veth-in || die "inside address .$a"
done

# Three lcores (main = dispatcher, two workers) floating over the CPUs
# this process may use: on a 2-core machine a worker shares a core.
CPUS=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)
[ -n "$CPUS" ] || CPUS=0-$(($(nproc) - 1))
# No timeout wrapper: the test signals this very PID (SIGUSR1, SIGTERM).
ip netns exec "$NS_GW" "$DPDK" --lcores="(0-2)@($CPUS)" --no-huge -m 256 \
  --no-pci --no-shconf --iova-mode=va --no-telemetry --file-prefix "ph$$" \
  --vdev="net_af_packet0,iface=gw-in,qpairs=3" \
  --vdev="net_af_packet1,iface=gw-out,qpairs=3" \
  -- --pool "$POOL:1024-65535" --listing-file "$TMP/listing" \
  --control "$TMP/ctl" \
  --rule name=no-8081,side=inside,proto=tcp,dport=8081,action=reject \
  --rule name=inside-out,side=inside,nat=source \
  >"$TMP/gw.log" 2>"$TMP/gw.err" &
GW_PID=$!
PIDS+=("$GW_PID")
for _ in $(seq 100); do
  grep -q "pinhole-dpdk\[[0-9]*\]: running" "$TMP/gw.err" && break
  kill -0 "$GW_PID" 2>/dev/null || break
  sleep 0.1
done
if ! kill -0 "$GW_PID" 2>/dev/null; then
  wait "$GW_PID"
  rc=$?
  GW_PID=
  if [ "$rc" = 3 ]; then # the EAL did not start: the machine, not pinhole
    skip "DPDK's EAL cannot start here: $(grep 'EAL' "$TMP/gw.err" | tail -n 3 | tr '\n' ' ')"
  fi
  die "pinhole-dpdk exited with status $rc: $(tail -n 3 "$TMP/gw.err")"
fi
grep -q "running" "$TMP/gw.err" || die "pinhole-dpdk did not start"
grep '^pinhole-dpdk: port' "$TMP/gw.err" >&2

# ICMP echo from a worker-0 and a worker-1 address: the replies come back
# to the worker that owns the public query id.
for a in 2 3; do
  ns "$NS_IN" ping -I "198.18.0.$a" -c 3 -i 0.2 -W 2 "$OUT_ADDR" >"$TMP/ping$a.log" 2>&1 &&
    log "ok: ping from 198.18.0.$a" || fail "ping from 198.18.0.$a through pinhole-dpdk"
done
# An ICMP port unreachable for a datagram from .3 (worker 1): dispatched by
# the port inside the packet it quotes, translated back, the inside socket
# sees the refusal.
ns "$NS_IN" "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.3", 0))
s.connect(("'"$OUT_ADDR"'", 9))
s.settimeout(2)
s.send(b"anyone?")
try:
    s.recv(100)
except ConnectionRefusedError:
    print("refused")' >"$TMP/unreach.log" 2>&1
grep -q refused "$TMP/unreach.log" && log "ok: the ICMP port unreachable reached 198.18.0.3" ||
  fail "no ICMP port unreachable at 198.18.0.3 ($(cat "$TMP/unreach.log"))"
# The reject rule: the library builds a TCP RST (emit), sent on the inside.
ns "$NS_IN" curl -sS --connect-timeout 3 "http://$OUT_ADDR:8081/" >/dev/null 2>"$TMP/reject.log"
grep -qiE 'refused|reset|connect to server' "$TMP/reject.log" && log "ok: port 8081 refused by the reject rule's RST" ||
  fail "port 8081 not refused: $(cat "$TMP/reject.log")"

# HTTP from four inside addresses.
mkdir -p "$TMP/www"
random_file "$TMP/www/data.bin" 1024
http_start_server "$NS_OUT" "$OUT_ADDR" 8080 "$TMP/www"
for a in 2 3 4 5; do
  ns "$NS_IN" curl -sS --connect-timeout 5 --interface "198.18.0.$a" \
    -o "$TMP/http$a.down" "http://$OUT_ADDR:8080/data.bin" ||
    fail "curl from 198.18.0.$a"
  same_file "$TMP/www/data.bin" "$TMP/http$a.down" "http download from .$a"
done
clients=$(grep '"GET /data.bin' "$TMP/http.log" | awk '{print $1}' | sort -u)
[ "$clients" = "$POOL" ] && log "ok: the server saw only $POOL" ||
  fail "the server saw client(s) '$clients', not $POOL"

# FTP, both modes.
ftp_start_server
ftp_curl curl-ftp-active -P - --disable-eprt
ftp_curl curl-ftp-passive --ftp-pasv --disable-epsv
ftp_expect_server_saw 'PORT 198,19,0,1,[0-9]+,[0-9]+"'
ftp_expect_server_saw 'PASV"'

# TFTP (tftp.sh's set-up, shorter).
TFTPD=$(command -v in.tftpd) || skip "in.tftpd is not installed (package tftpd-hpa)"
tftp -V 2>&1 | grep -q tftp-hpa || skip "tftp is not tftp-hpa's client"
mkdir -p "$TMP/tftp"
chmod 777 "$TMP/tftp"
random_file "$TMP/tftp/data.bin" 256
chmod 644 "$TMP/tftp/data.bin"
random_file "$TMP/tup.bin" 256
bg "$NS_OUT" tftpd "$TFTPD" -L -v -c -s "$TMP/tftp" --address "$OUT_ADDR:69"
wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'sport = :69' | grep -q ." ||
  die "in.tftpd did not start"
(cd "$TMP" && ns "$NS_IN" tftp -m binary "$OUT_ADDR" -c get data.bin tftp.down) \
  >"$TMP/tftp-get.log" 2>&1 || fail "tftp get"
[ -s "$TMP/tftp.down" ] && same_file "$TMP/tftp/data.bin" "$TMP/tftp.down" "tftp download" ||
  fail "tftp download: nothing received"
(cd "$TMP" && ns "$NS_IN" tftp -m binary "$OUT_ADDR" -c put tup.bin tup.bin) \
  >"$TMP/tftp-put.log" 2>&1 || fail "tftp put"
wait_for 5 bash -c "test \"\$(stat -c %s '$TMP/tftp/tup.bin' 2>/dev/null)\" = $((256 * 1024))" || true
[ -s "$TMP/tftp/tup.bin" ] && same_file "$TMP/tup.bin" "$TMP/tftp/tup.bin" "tftp upload" ||
  fail "tftp upload: nothing arrived"

# A SIP call with media (sip.sh's sipp scenarios).
PCAP=
for f in /usr/share/sip-tester/g711a.pcap /usr/share/sipp/g711a.pcap \
  /usr/share/doc/sip-tester/examples/pcap/g711a.pcap; do
  [ -r "$f" ] && { PCAP=$f; break; }
done
command -v sipp >/dev/null && [ -n "$PCAP" ] ||
  skip "sipp or its g711a.pcap is not installed (package sip-tester)"
sip_call 6000 6000
tr -d '\r' <"$TMP/uas-msg.log" >"$TMP/uas-msg.txt"
grep -q '^c=IN IP4 198\.19\.0\.1$' "$TMP/uas-msg.txt" &&
  log "ok: the called party got c=IN IP4 198.19.0.1" || fail "SDP c= not rewritten"
PUB_MEDIA=$(sed -n 's/^m=audio \([0-9]*\) .*/\1/p' "$TMP/uas-msg.txt" | head -n 1)

# The merged listing.
sleep 0.3
gw_dump "http, ftp, tftp, sip"
for alg in ftp tftp sip; do
  expect_line "^Conversation: ALG protocol: $alg"
done
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:21" Watch I
expect_flow TCP "198\.19\.0\.2:8080" "198\.19\.0\.1:[0-9]+" Forward O
expect_flow UDP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT dest 198\.19\.0\.1:${PUB_MEDIA:-x} -> 198\.18\.0\.2:6000"
expect_no_alg_errors
expect_counter_min Other "Pinholes used" 7
# Every public port a worker's listing shows is inside that worker's slice.
# (The public endpoint: the pool address after "NAT source ... ->", before
# "->" in "NAT dest"; an ICMP flow's other NAT line shows its ids.)
bad=$(awk -v pool="$POOL" '/^Worker [0-9]+: lcore/ { split($6, r, "-"); lo = r[1]; hi = r[2]; next }
  /^ +NAT (source|dest) / {
    s = ($2 == "source") ? $5 : $3
    if (index(s, pool ":") != 1) next
    sub(/.*:/, "", s)
    if (s + 0 < lo || s + 0 > hi) print }' "$TMP/listing")
[ -z "$bad" ] && log "ok: every public port lies in its worker's slice" ||
  fail "ports outside their worker's slice: $bad"
for w in 0 1; do
  n=$(sed -n "s/^Host: worker $w (lcore [0-9]*): received \([0-9]*\) .*/\1/p" "$TMP/listing")
  [ "${n:-0}" -gt 0 ] && log "ok: worker $w processed $n packets" ||
    fail "worker $w processed nothing"
  n=$(sed -n "s/^Host: worker $w (.*, ticks \([0-9]*\),.*/\1/p" "$TMP/listing")
  [ "${n:-0}" -gt 10 ] && log "ok: worker $w ticked its context $n times" ||
    fail "worker $w ticked ${n:-0} times"
done
n=$(awk '/^Host: worker / { sub(/.*emitted /, ""); sum += $1 } END { print sum + 0 }' "$TMP/listing")
[ "${n:-0}" -ge 1 ] && log "ok: $n packet(s) emitted by the library and sent" ||
  fail "nothing emitted (the reject rule's RST)"
grep '^Host: ' "$TMP/listing" >&2

# --control: a filtered listing, run by each worker on its own context
# (the sip conversation is worker 0's: .2), then a timeout set in both.
timeout 5 bash -c "echo 'show alg=sip' >'$TMP/ctl'" || fail "writing to --control"
wait_for 5 grep -q '^Worker 1:$' "$TMP/gw.log" || fail "no answer on --control"
awk '/^Worker 0:$/ { p = 1; next } /^Worker 1:$/ { p = 2; next }
  p == 1 { print > "'"$TMP"'/ctl0" } p == 2 { print > "'"$TMP"'/ctl1" }' "$TMP/gw.log"
grep -q '^Conversation: ALG protocol: sip' "$TMP/ctl0" &&
  ! grep -q '^Conversation: ALG protocol: [^s]' "$TMP/ctl0" &&
  ! grep -q '^Conversation' "$TMP/ctl1" 2>/dev/null &&
  log "ok: control 'show alg=sip': worker 0 lists the sip conversation, worker 1 nothing" ||
  fail "control 'show alg=sip': $(cat "$TMP/ctl0" "$TMP/ctl1" 2>/dev/null | head -5)"
timeout 5 bash -c "echo 'timeout udp 100' >'$TMP/ctl'" || fail "writing to --control"
wait_for 15 bash -c "test \"\$(grep -c '^timeout udp: set\$' '$TMP/gw.log')\" = 2" &&
  log "ok: control 'timeout udp 100' set in both workers" ||
  fail "control 'timeout udp 100': $(grep -c '^timeout udp' "$TMP/gw.log") answers"

# The flood: FLOOD datagrams of 18 bytes from 198.18.0.2 (worker 0) and as
# many from 198.18.0.3 (worker 1, through a /32 route with that source to a
# second outside address), together; the outside counts what reaches its
# veth. Bounded counts, short runs: the machine is shared.
ip -n "$NS_OUT" addr add 198.19.0.3/24 dev veth-out &&
  ip -n "$NS_IN" route add 198.19.0.3/32 via "$GW_IN_ADDR" src 198.18.0.3 ||
  die "flood routes"
flood_sink "$NS_OUT" veth-out "0.0.0.0"
if [ -x "$FLOOD_BIN" ]; then
  ns "$NS_IN" "$FLOOD_BIN" "$OUT_ADDR" 9000 "$FLOOD" >"$TMP/flood0.log" 2>&1 &
  f0=$!
  ns "$NS_IN" "$FLOOD_BIN" 198.19.0.3 9000 "$FLOOD" >"$TMP/flood1.log" 2>&1 ||
    fail "flood sender (.3)"
  wait "$f0" || fail "flood sender (.2)"
  wait_for 35 grep -q "^received" "$TMP/sink.log" || fail "flood receiver did not finish"
  log "flood: .2 $(cat "$TMP/flood0.log"); .3 $(cat "$TMP/flood1.log"); $(grep '^received' "$TMP/sink.log") at the outside"
  gw_dump flood >/dev/null
  grep '^Host: ' "$TMP/listing" >&2
else
  log "udp-flood not built: flood skipped"
fi

e2e_finish

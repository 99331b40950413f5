#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Records the bundled captures of examples/captures/ from real programs.
#
#   sudo examples/captures/record.sh [OUTDIR [NAME...]]
#
# OUTDIR defaults to this directory; NAMEs (e.g. "ping udp-sll") record only
# those captures.
#
# Three network namespaces, unique to this run:
#
#   inside host  rp-$$-a  198.18.0.2/24, default via 198.18.0.1
#   router       rp-$$-r  198.18.0.1/24 and 198.19.0.1/24, IPv4 forwarding
#   outside host rp-$$-b  198.19.0.2/24, default via 198.19.0.1
#
# No NAT anywhere: the captures show the untranslated conversation, and
# pinhole-replay plays the NAT. tcpdump captures on the inside host's
# interface. Checksum offloads are switched off on every veth so the
# captured checksums are the real ones.
#
# Needs root, iproute2, ethtool, tcpdump, curl, vsftpd, tftp-hpa,
# tftpd-hpa and /usr/bin/python3. ping (iputils-ping) is used when
# present, otherwise ping.pcap is made with a python3 raw-socket pinger.
# rtsp.pcap needs GStreamer (gst-launch-1.0, gstreamer1.0-plugins-base and
# -good, python3-gi, gir1.2-gst-rtsp-server-1.0) and the e2e test's
# tests/e2e/rtsp-server.py; sip.pcap needs sipp (sip-tester, built with
# pcap play) and the e2e test's scenarios tests/e2e/sip-ua[cs].xml,
# sip-tcp-large.pcap and sip-udp-large.pcap tests/e2e/sip-ua[cs]-large.xml.
# Every process this script starts is killed by PID and the namespaces are
# deleted on exit, also on failure. Every wait is bounded.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
E2E=$HERE/../../tests/e2e
OUT=$(cd "${1:-$(dirname "$0")}" && pwd)
shift || true
ONLY=" $* "
PY=/usr/bin/python3
NS_A=rp-$$-a
NS_R=rp-$$-r
NS_B=rp-$$-b
TMP=$(mktemp -d /tmp/rp-$$-XXXXXX)
PIDS=()

log() { printf 'record: %s\n' "$*" >&2; }

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null
  done
  # Children our servers forked (vsftpd sessions) live in our namespaces
  # only: end them by PID.
  for ns in "$NS_A" "$NS_R" "$NS_B"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill "$pid" 2>/dev/null
    done
  done
  sleep 0.2
  for ns in "$NS_A" "$NS_R" "$NS_B"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -9 "$pid" 2>/dev/null
    done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_a() { ip netns exec "$NS_A" "$@"; }
in_r() { ip netns exec "$NS_R" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }
# Background processes are started with a plain "ip netns exec" (which
# execs the program) so that $! is the program's own PID.

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
  local n=$(($1 * 10))
  shift
  while ((n-- > 0)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "timed out waiting for: $*"
  return 1
}

# stop PID: SIGTERM, then SIGKILL after 3 s.
stop() {
  local pid=$1 n=30
  kill "$pid" 2>/dev/null || return 0
  while ((n-- > 0)) && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- topology
setup() {
  ip netns add "$NS_A"
  ip netns add "$NS_R"
  ip netns add "$NS_B"
  ip link add a0 netns "$NS_A" type veth peer name r0 netns "$NS_R"
  ip link add b0 netns "$NS_B" type veth peer name r1 netns "$NS_R"
  for ns in "$NS_A" "$NS_R" "$NS_B"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$ns" ip link set lo up
  done
  in_a ip addr add 198.18.0.2/24 dev a0
  in_r ip addr add 198.18.0.1/24 dev r0
  in_r ip addr add 198.19.0.1/24 dev r1
  in_b ip addr add 198.19.0.2/24 dev b0
  for x in "$NS_A a0" "$NS_R r0" "$NS_R r1" "$NS_B b0"; do
    set -- $x
    ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off \
      >/dev/null 2>&1 || true
    ip netns exec "$1" ip link set "$2" up
  done
  in_a ip route add default via 198.18.0.1
  in_b ip route add default via 198.19.0.1
  in_r sysctl -qw net.ipv4.ip_forward=1
  # Resolve neighbours before any capture starts.
  wait_for 5 in_a "$PY" -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(b"x",("198.19.0.2",9)); s.close()'
  wait_for 5 in_b "$PY" -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.sendto(b"x",("198.18.0.2",9)); s.close()'
  sleep 0.3
}

# ------------------------------------------------------------------ capture
CAP_PID=
cap_start() { # file [tcpdump interface options]
  local file=$1
  shift
  local ifopts=("$@")
  ((${#ifopts[@]})) || ifopts=(-i a0)
  rm -f "$OUT/$file"
  ip netns exec "$NS_A" tcpdump "${ifopts[@]}" -n -U --immediate-mode -w "$OUT/$file" 2>"$TMP/tcpdump.err" &
  CAP_PID=$!
  PIDS+=("$CAP_PID")
  wait_for 5 grep -q 'listening on' "$TMP/tcpdump.err"
  sleep 0.2
}

cap_stop() {
  sleep 0.5 # trailing FIN/ACK
  stop "$CAP_PID"
  log "$(basename "$1"): $(stat -c %s "$OUT/$1") bytes"
}

# ------------------------------------------------------------------ content
make_files() {
  mkdir -p "$TMP/pub" "$TMP/empty" "$TMP/client"
  chmod 755 "$TMP" "$TMP/pub" "$TMP/empty"
  {
    echo "hello from the outside host"
    echo "this small file is fetched by every capture that downloads"
  } >"$TMP/pub/hello.txt"
  chmod 644 "$TMP/pub/hello.txt"
}

start_vsftpd() {
  cat >"$TMP/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=198.19.0.2
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=NO
anon_root=$TMP/pub
no_anon_password=YES
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
secure_chroot_dir=$TMP/empty
connect_from_port_20=YES
pasv_enable=YES
pasv_min_port=40000
pasv_max_port=40100
xferlog_enable=NO
dirmessage_enable=NO
use_localtime=NO
EOF
  ip netns exec "$NS_B" /usr/sbin/vsftpd "$TMP/vsftpd.conf" >"$TMP/vsftpd.log" 2>&1 &
  PIDS+=("$!")
  wait_for 5 in_b "$PY" -c 'import socket; socket.create_connection(("198.19.0.2",21),1).close()'
}

start_tftpd() {
  ip netns exec "$NS_B" /usr/sbin/in.tftpd -L -s "$TMP/pub" --address 198.19.0.2:69 \
    >"$TMP/tftpd.log" 2>&1 &
  PIDS+=("$!")
  sleep 0.3
}

start_httpd() {
  ip netns exec "$NS_B" "$PY" -m http.server --bind 198.19.0.2 --directory "$TMP/pub" 80 \
    >"$TMP/httpd.log" 2>&1 &
  PIDS+=("$!")
  wait_for 5 in_b "$PY" -c 'import socket; socket.create_connection(("198.19.0.2",80),1).close()'
}

# argv[1]: "whole" answers "pong " + the whole datagram (fragmented like
# it when it was), otherwise "pong " + its first 6 bytes
UDP_SERVER='
import socket, sys
whole = len(sys.argv) > 1 and sys.argv[1] == "whole"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.19.0.2", 5000))
for _ in range(3):
    data, peer = s.recvfrom(65535)
    s.sendto(b"pong " + (data if whole else data[:6]), peer)
'
# argv[1]: bytes of padding after "ping N" (0: none; 3000 makes the kernel
# fragment each datagram at the 1500-byte MTU)
UDP_CLIENT='
import socket, sys
pad = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.2", 41000))
s.settimeout(3)
for i in range(3):
    s.sendto(b"ping %d" % i + b"." * pad, ("198.19.0.2", 5000))
    print(s.recvfrom(65535)[0][:16].decode())
'
# Fallback when iputils ping is not installed: three ICMP echo requests
# from a raw socket (the kernel answers them on the outside host).
PINGER='
import os, socket, struct, time
def cksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(2)
ident = os.getpid() & 0xffff
for seq in range(1, 4):
    body = struct.pack("!d", time.time()) + bytes(range(48))
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    pkt = struct.pack("!BBHHH", 8, 0, cksum(hdr + body), ident, seq) + body
    s.sendto(pkt, ("198.19.0.2", 0))
    s.recvfrom(2048)
    time.sleep(0.2)
'

ftp_get() { # capture-file curl-options...
  local file=$1
  shift
  cap_start "$file"
  in_a timeout 20 curl -sS --max-time 15 -o "$TMP/client/got" "$@" \
    ftp://198.19.0.2/hello.txt
  cmp -s "$TMP/client/got" "$TMP/pub/hello.txt"
  cap_stop "$file"
}

want() { [[ "$ONLY" == "  " || "$ONLY" == *" $1 "* ]]; }

main() {
  setup
  make_files

  start_vsftpd
  want ftp-active && ftp_get ftp-active.pcap -P - --disable-eprt
  want ftp-eprt && ftp_get ftp-eprt.pcap -P -
  want ftp-passive && ftp_get ftp-passive.pcap --ftp-pasv --disable-epsv
  want ftp-epsv && ftp_get ftp-epsv.pcap --ftp-pasv

  want ping && record_ping
  want udp && record_udp udp.pcap
  # Linux cooked capture on "any", neighbours forgotten first: ARP frames
  # (not IPv4, skipped by the replay) around the same UDP exchange.
  if want udp-sll; then
    in_a ip neigh flush dev a0
    in_r ip neigh flush dev r0
    record_udp udp-sll.pcap -i any -y LINUX_SLL
  fi
  want tftp && record_tftp
  want http && record_http
  want udp-frag && record_udp udp-frag.pcap -- 3000
  # The same, the answers as large: fragments from both sides.
  want udp-frag-both && record_udp udp-frag-both.pcap -- 3000 whole
  want rtsp && record_rtsp
  want sip && record_sip
  want sip-tcp-large && record_sip_large tcp
  want sip-udp-large && record_sip_large udp
  log "done"
}

record_ping() {
  cap_start ping.pcap
  if command -v ping >/dev/null 2>&1; then
    in_a timeout 10 ping -n -c 3 -i 0.2 -W 2 198.19.0.2 >/dev/null
  else
    in_a timeout 10 "$PY" -c "$PINGER"
  fi
  cap_stop ping.pcap
}

record_udp() { # file [tcpdump interface options] [-- padding [whole]]
  local file=$1 pad=0 answer= opts=()
  shift
  while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then pad=$2; answer=${3:-}; break; fi
    opts+=("$1")
    shift
  done
  ip netns exec "$NS_B" timeout 15 "$PY" -c "$UDP_SERVER" $answer &
  local udp_pid=$!
  PIDS+=("$udp_pid")
  sleep 0.3
  cap_start "$file" "${opts[@]}"
  in_a timeout 10 "$PY" -c "$UDP_CLIENT" "$pad" >/dev/null
  cap_stop "$file"
  stop "$udp_pid"
}

# RTSP: GStreamer's RTSP server outside (an audio stream, G.711 u-law, 20 ms
# packets), rtspsrc inside over UDP without NAT "dummy" packets: the
# server's RTP and RTCP reach the client's ports before the client sends
# anything from them. 25 buffers (half a second), then TEARDOWN.
record_rtsp() {
  local launch="( audiotestsrc is-live=true ! audioconvert ! audioresample"
  launch+=" ! mulawenc ! rtppcmupay name=pay0 pt=0 )"
  ip netns exec "$NS_B" "$PY" "$E2E/rtsp-server.py" 198.19.0.2 8554 test \
    "$launch" >"$TMP/rtsp-server.log" 2>&1 &
  local srv=$!
  PIDS+=("$srv")
  wait_for 10 in_b "$PY" -c 'import socket; socket.create_connection(("198.19.0.2",8554),1).close()'
  cap_start rtsp.pcap
  in_a timeout 20 gst-launch-1.0 -q rtspsrc \
    location=rtsp://198.19.0.2:8554/test protocols=udp nat-method=none \
    latency=100 timeout=5000000 ! fakesink num-buffers=25 >"$TMP/rtspsrc.log" 2>&1
  cap_stop rtsp.pcap
  stop "$srv"
}

# SIP: sipp calls from inside (198.18.0.2:5060, media port 6000, echoing
# the RTP it gets) the called party outside, which answers and plays
# G.711 a-law to the caller's SDP address: the caller's media port hears
# from the outside first. One second of media, then BYE.
# sipp_pcap NAME: prints the G.711 a-law capture that comes with sipp, or
# fails saying NAME is not made.
sipp_pcap() {
  local f
  for f in /usr/share/sip-tester/g711a.pcap /usr/share/sipp/g711a.pcap \
    /usr/share/doc/sip-tester/examples/pcap/g711a.pcap; do
    [ -r "$f" ] && { echo "$f"; return 0; }
  done
  log "sipp's g711a.pcap not found: $1 not made"
  return 1
}

record_sip() {
  local pcap
  pcap=$(sipp_pcap sip.pcap) || return 1
  sed 's/<pause milliseconds="3000"\/>/<pause milliseconds="1000"\/>/' \
    "$E2E/sip-uac.xml" >"$TMP/sip-uac.xml"
  (cd "$TMP" && exec ip netns exec "$NS_B" timeout 30 sipp -sf "$E2E/sip-uas.xml" \
    -i 198.19.0.2 -p 5060 -mi 198.19.0.2 -mp 6000 -key pcap "$pcap" -m 1 \
    -timeout 25s -timeout_error -nostdin) >"$TMP/uas.log" 2>&1 &
  local uas=$!
  PIDS+=("$uas")
  sleep 0.5
  cap_start sip.pcap
  (cd "$TMP" && ip netns exec "$NS_A" timeout 30 sipp 198.19.0.2:5060 \
    -sf "$TMP/sip-uac.xml" -i 198.18.0.2 -p 5060 -mi 198.18.0.2 -mp 6000 \
    -rtp_echo -m 1 -timeout 20s -timeout_error -nostdin) >"$TMP/uac.log" 2>&1
  cap_stop sip.pcap
  stop "$uas"
}

# SIP with messages that do not fit one packet: sip-uac-large.xml's INVITE
# (3172 bytes of SDP) and sip-uas-large.xml's 200 OK (as large) over TCP
# (each spans three segments: MSS 1448 with timestamps) or over UDP (each
# is three IP fragments: the kernel fragments at MTU 1500, from both
# sides). Half a second of media each way, then BYE.
record_sip_large() { # tcp|udp
  local t=$1 pcap topt=u1
  [ "$t" = tcp ] && topt=t1
  pcap=$(sipp_pcap "sip-$t-large.pcap") || return 1
  sed 's/<pause milliseconds="3000"\/>/<pause milliseconds="500"\/>/' \
    "$E2E/sip-uac-large.xml" >"$TMP/sip-uac-large.xml"
  (cd "$TMP" && exec ip netns exec "$NS_B" timeout 30 sipp -sf "$E2E/sip-uas-large.xml" \
    -t "$topt" -i 198.19.0.2 -p 5060 -mi 198.19.0.2 -mp 6000 -key pcap "$pcap" \
    -m 1 -timeout 25s -timeout_error -nostdin) >"$TMP/uas.log" 2>&1 &
  local uas=$!
  PIDS+=("$uas")
  sleep 0.5
  cap_start "sip-$t-large.pcap"
  (cd "$TMP" && ip netns exec "$NS_A" timeout 30 sipp 198.19.0.2:5060 \
    -sf "$TMP/sip-uac-large.xml" -t "$topt" -i 198.18.0.2 -p 5060 \
    -mi 198.18.0.2 -mp 6000 -rtp_echo -m 1 -timeout 20s -timeout_error \
    -nostdin) >"$TMP/uac.log" 2>&1
  cap_stop "sip-$t-large.pcap"
  stop "$uas"
}

record_tftp() {
  start_tftpd
  cap_start tftp.pcap
  (cd "$TMP/client" && in_a timeout 15 tftp -4 198.19.0.2 -c get hello.txt)
  cmp -s "$TMP/client/hello.txt" "$TMP/pub/hello.txt"
  cap_stop tftp.pcap
}

record_http() {
  start_httpd
  cap_start http.pcap
  in_a timeout 15 curl -sS --max-time 10 -o "$TMP/client/http" \
    http://198.19.0.2/hello.txt
  cmp -s "$TMP/client/http" "$TMP/pub/hello.txt"
  cap_stop http.pcap
}

main

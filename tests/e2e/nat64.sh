#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# NAT64 (RFC 6146, docs/nat64.md) through pinhole-gw: an IPv6-only inside
# host reaches the IPv4-only outside host at 64:ff9b::c613:2 (RFC 6052)
# and a far IPv4 host one router beyond it:
#   - ping -6 (ICMPv6 echo <-> ICMP echo);
#   - a 1 MiB HTTP download with curl -6, sha256 compared;
#   - FTP with curl -6 against vsftpd on IPv4: EPSV (RFC 2428, a port only,
#     RFC 6384 sec. 6) crosses the NAT64 untouched, download and upload;
#     active mode (FTP64, RFC 6384 sec. 7.2): EPRT |2| translated to EPRT
#     |1| from the pool address, the server's data connection back to the
#     IPv6 client, the control connection a Watch flow of the FTP ALG;
#   - UDP to a closed port: the ICMPv4 port unreachable comes back as
#     ICMPv6 and the client's socket sees ECONNREFUSED;
#   - traceroute -6 to the far host: hop 1 is the outside host's ICMPv4
#     time exceeded translated to ICMPv6 from 64:ff9b::c613:2 (RFC 7915
#     sec. 4.2, the quote translated back, sec. 4.3), hop 2 the far host.
# The listing shows each IPv6 flow with its NAT64 line, the IPv4 flows
# with theirs, and the NAT64 counters move.
#
#   in 2001:db8:1::2 -- [pinhole-gw NAT64, pool 198.19.0.1] -- out 198.19.0.2
#        out 198.19.0.129/32 (veth) -- far 198.19.0.200/32
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl ping traceroute
[ -n "$PYTHON" ] || skip "python3 is not installed"
FAR_ADDR=198.19.0.200
FAR64=64:ff9b::c613:c8
OUT_FAR_ADDR=198.19.0.129
NS_FAR=ph-$$-far
ip netns add "$NS_FAR" 2>/dev/null || skip "cannot create network namespace"
NAMESPACES+=("$NS_FAR")
ip -n "$NS_FAR" link set lo up
e2e_start_gw64

ip link add veth-far netns "$NS_OUT" type veth peer name veth-out netns "$NS_FAR" ||
  die "creating the veth pair"
host_link "$NS_OUT" veth-far "$OUT_FAR_ADDR/32" "$FAR_ADDR/32" dev veth-far &&
  host_link "$NS_FAR" veth-out "$FAR_ADDR/32" "$OUT_FAR_ADDR/32" dev veth-out &&
  ip -n "$NS_FAR" route add default via "$OUT_FAR_ADDR" ||
  die "configuring the far host"
for n in "$NS_OUT" "$NS_FAR"; do
  ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 ||
    die "sysctl"
done

# echo
ns "$NS_IN" ping -6 -n -c 3 -i 0.2 -W 2 "$OUT64" || fail "ping -6 $OUT64"

# HTTP
mkdir -p "$TMP/www"
random_file "$TMP/www/data.bin" 1024
http_start_server "$NS_OUT" "$OUT_ADDR" 8080 "$TMP/www"
ns "$NS_IN" curl -6 -gsS --connect-timeout 5 -o "$TMP/http.down" \
  "http://[$OUT64]:8080/data.bin" || fail "curl -6 through NAT64"
same_file "$TMP/www/data.bin" "$TMP/http.down" "HTTP download through NAT64"

# FTP: EPSV from an IPv6 client to an IPv4 server
ftp_start_server
FTP_HOST="[$OUT64]" ftp_curl curl-nat64-epsv --ftp-pasv
ftp_expect_server_saw 'EPSV'
# FTP64 (RFC 6384 sec. 7.2): active mode, curl's EPRT |2|<its IPv6
# address>|port| leaves as EPRT |1|<pool address>|<public port>| and the
# server's IPv4 data connection reaches the client through the NAT64
FTP_HOST="[$OUT64]" ftp_curl curl-nat64-eprt --ftp-port -
ftp_expect_server_saw 'EPRT \|1\|198\.19\.0\.1\|[0-9]+\|'
if grep -q 'EPRT |2|' "$TMP/vsftpd.xfer"; then
  fail "vsftpd saw an untranslated EPRT |2|"
else
  log "ok: no EPRT |2| reached vsftpd"
fi

# UDP to a closed port: ICMPv4 port unreachable -> ICMPv6
ns "$NS_IN" "$PYTHON" - "$OUT64" <<'PY' || fail "no ECONNREFUSED through NAT64"
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], 9))
s.send(b"anyone?")
try:
    s.recv(100)
except ConnectionRefusedError:
    print("e2e: ok: ECONNREFUSED (ICMPv6 port unreachable)", file=sys.stderr)
    sys.exit(0)
except socket.timeout:
    print("e2e: no answer to the UDP probe", file=sys.stderr)
sys.exit(1)
PY

# traceroute -6 through NAT64
ns "$NS_IN" traceroute -6 -n -q 2 -w 2 -m 5 "$FAR64" >"$TMP/trace6" 2>&1 ||
  fail "traceroute -6"
cat "$TMP/trace6"
h1=$(awk '$1 == 1 { print $2 }' "$TMP/trace6")
h2=$(awk '$1 == 2 { print $2 }' "$TMP/trace6")
if [ "$h1" = "$OUT64" ] && [ "$h2" = "$FAR64" ]; then
  log "ok: traceroute -6: hop 1 $h1 (the IPv4 router), hop 2 $h2"
else
  fail "traceroute -6: hops '$h1' '$h2'"
fi
grep -q '\*' "$TMP/trace6" && fail "a traceroute probe went unanswered"

gw_dump nat64
expect_flow ICMPv6 "\[2001:db8:1::2\](:[0-9]+)?" "\[64:ff9b::c613:2\](:[0-9]+)?" Forward I
expect_flow TCP "\[2001:db8:1::2\]:[0-9]+" "\[64:ff9b::c613:2\]:8080" Forward I
expect_flow TCP "198\.19\.0\.2:8080" "198\.19\.0\.1:[0-9]+" Forward O
expect_flow TCP "\[2001:db8:1::2\]:[0-9]+" "\[64:ff9b::c613:2\]:21" Watch I
expect_flow TCP "198\.19\.0\.2:21" "198\.19\.0\.1:[0-9]+" Watch O
expect_line "^ +NAT64 198\.19\.0\.1:[0-9]+ -> 198\.19\.0\.2:8080"
# the active-mode data connections (download, upload): the server's IPv4
# connection through the ALG's pinhole, in the control's conversation
expect_line "^  Number of initiators: 2, Number of responders: 2"
expect_line "^TCP 198\.19\.0\.2:[0-9]+ +-> 198\.19\.0\.1:[0-9]+ +Forward +O"
expect_line "^ +NAT64 \[64:ff9b::c613:2\]:[0-9]+ -> \[2001:db8:1::2\]:[0-9]+"
expect_counter_min Other "Pinholes used" 2
expect_line "^ +NAT64 \[64:ff9b::c613:2\]:8080 -> \[2001:db8:1::2\]:[0-9]+"
expect_counter_min Other "NAT64 translations" 100
for c in "NAT64 translation failures" "NAT64 packets exceeding the buffer"; do
  v=$(counter Other "$c")
  [ "$v" = 0 ] && log "ok: $c 0" || fail "$c '${v:-missing}'"
done
expect_no_alg_errors
e2e_finish

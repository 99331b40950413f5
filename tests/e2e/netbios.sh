#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# NetBIOS through pinhole-gw: Samba's nmbd outside as a WINS server.
#  - nmblookup inside resolves the server's name through the NAT;
#  - an inside host (a small Python client on port 137) registers its name
#    with its inside address 198.18.0.2: WINS must store the public
#    address, so nmblookup from the outside resolves it to 198.19.0.1, and
#    the registration response reaches the client with 198.18.0.2 again;
#  - a datagram (port 138) names its public endpoint as its source, and
#    the host's 137 and 138 flows are one conversation.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init nmblookup
NMBD=$(command -v nmbd) || skip "nmbd is not installed (package samba)"
[ -n "$PYTHON" ] || skip "python3 is not installed"
e2e_start_gw
# a second outside address for the datagram listener (nmbd holds 138)
ip -n "$NS_OUT" addr add 198.19.0.3/32 dev tun-out || die "address"

mkdir -p "$TMP"/smb/{lock,state,cache,pid,private}
cat >"$TMP/smb.conf" <<EOF
[global]
  netbios name = OUTSRV
  workgroup = PINHOLE
  interfaces = $OUT_ADDR/24
  bind interfaces only = yes
  wins support = yes
  dns proxy = no
  disable netbios = no
  lock directory = $TMP/smb/lock
  state directory = $TMP/smb/state
  cache directory = $TMP/smb/cache
  pid directory = $TMP/smb/pid
  private dir = $TMP/smb/private
  ncalrpc dir = $TMP/smb/lock
EOF
bg "$NS_OUT" nmbd "$NMBD" -F --debug-stdout -d 1 -s "$TMP/smb.conf" \
  --no-process-group
wait_for 10 bash -c "ip netns exec $NS_OUT ss -Hlun 'src $OUT_ADDR:137' | grep -q ." ||
  die "nmbd did not start"

lookup() { # lookup NS NAME: the address nmblookup gets from WINS
  ns "$1" nmblookup -s "$TMP/smb.conf" -U "$OUT_ADDR" --recursion "$2" 2>/dev/null |
    awk -v n="$2<00>" '$2 == n { print $1; exit }'
}
# nmbd registers its own name with itself once it is up
wait_for 10 test -n "$(lookup "$NS_IN" OUTSRV)" || true
got=$(lookup "$NS_IN" OUTSRV)
[ "$got" = "$OUT_ADDR" ] && log "ok: OUTSRV -> $got (from the inside)" ||
  fail "OUTSRV from the inside: '$got'"

# Name registration (RFC 1002 4.2.2) from port 137, with the inside
# address; prints the address of the positive response.
ns "$NS_IN" "$PYTHON" -c '
import socket, struct, sys
def nbname(n, suffix):
    raw = n.ljust(15).encode() + bytes([suffix])
    return bytes([32]) + bytes(x for b in raw for x in (65 + (b >> 4), 65 + (b & 15))) + b"\0"
addr = socket.inet_aton(sys.argv[2])
q = struct.pack("!HHHHHH", 0x4e11, 0x2900, 1, 0, 0, 1) + nbname("INSIDEHOST", 0)
q += struct.pack("!HH", 0x20, 1)
q += b"\xc0\x0c" + struct.pack("!HHIH", 0x20, 1, 300000, 6) + b"\x60\x00" + addr
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 137))
s.settimeout(3)
for i in range(3):
    s.sendto(q, (sys.argv[1], 137))
    try:
        data, peer = s.recvfrom(1500)
    except socket.timeout:
        continue
    flags, = struct.unpack("!H", data[2:4])
    if (flags >> 11) & 15 == 7:  # WACK: wait for the real answer
        data, peer = s.recvfrom(1500)
        flags, = struct.unpack("!H", data[2:4])
    print("rcode=%d addr=%s" % (flags & 15, socket.inet_ntoa(data[-4:])))
    break
' "$OUT_ADDR" "$IN_ADDR" >"$TMP/register.out" 2>&1 || fail "registration client"
if grep -q "^rcode=0 addr=$IN_ADDR$" "$TMP/register.out"; then
  log "ok: registered, response names $IN_ADDR inside"
else
  fail "registration: $(cat "$TMP/register.out")"
fi
got=$(lookup "$NS_OUT" INSIDEHOST)
[ "$got" = "$POOL" ] && log "ok: INSIDEHOST -> $got (WINS holds the public address)" ||
  fail "INSIDEHOST from the outside: '$got'"

# Datagrams from port 138: one to nmbd (same peer: joins the conversation),
# one to a listener that reports the SOURCE_IP and SOURCE_PORT it got.
bg "$NS_OUT" nbds "$PYTHON" -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # nmbd has *:138
s.bind(("198.19.0.3", 138))
data, peer = s.recvfrom(1500)
print("source=%s:%d udp=%s:%d" % (socket.inet_ntoa(data[4:8]),
      struct.unpack("!H", data[8:10])[0], peer[0], peer[1]), flush=True)'
NBDS_PID=$LAST_PID
wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'src 198.19.0.3:138' | grep -q ." ||
  die "datagram listener did not start"
ns "$NS_IN" "$PYTHON" -c '
import socket, struct, sys
def nbname(n, suffix):
    raw = n.ljust(15).encode() + bytes([suffix])
    return bytes([32]) + bytes(x for b in raw for x in (65 + (b >> 4), 65 + (b & 15))) + b"\0"
names = nbname("INSIDEHOST", 0) + nbname("PINHOLE", 0x1d)
body = names + b"\xffSMB"
d = struct.pack("!BBH", 0x11, 0x02, 0x2222) + socket.inet_aton(sys.argv[1])
d += struct.pack("!HHH", 138, len(body), 0) + body
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 138))
for dst in sys.argv[2:]:
    s.sendto(d, (dst, 138))
' "$IN_ADDR" "$OUT_ADDR" 198.19.0.3 || fail "datagram client"
wait_for 5 grep -q '^source=' "$TMP/nbds.log" || fail "no datagram arrived"
if grep -qE "^source=$POOL:([0-9]+) udp=$POOL:\1$" "$TMP/nbds.log"; then
  log "ok: datagram source is the public endpoint: $(cat "$TMP/nbds.log")"
else
  fail "datagram source: $(cat "$TMP/nbds.log")"
fi
wait "$NBDS_PID" 2>/dev/null

gw_dump netbios
expect_line '^Conversation: ALG protocol: netbios'
expect_line '^  Number of initiators: 2, Number of responders: 2'
expect_flow UDP "198\.18\.0\.2:137" "198\.19\.0\.2:137" Watch I
expect_flow UDP "198\.18\.0\.2:138" "198\.19\.0\.2:138" Watch I
v=$(counter "ALG errors" NetBIOS)
[ "$v" = 0 ] && log "ok: NetBIOS ALG errors 0" || fail "NetBIOS ALG errors '${v:-missing}'"
expect_no_alg_errors
e2e_finish

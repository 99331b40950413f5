#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# REJECT rules: the gateway answers a refused TCP connection with a RST and
# a refused UDP datagram with an ICMP port unreachable (the library builds
# them; pinhole-gw sends them through its emit callback). The clients must
# see the refusal at once, not a timeout.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
[ -n "$PYTHON" ] || skip "python3 is not installed"
e2e_start_gw --rule "name=no-tcp,side=inside,proto=tcp,dport=8080,action=reject" \
  --rule "name=no-udp,side=inside,proto=udp,dport=7007,action=reject" \
  --rule "name=inside-out,side=inside,nat=source"

# TCP: curl exits 7 (could not connect) well before its 5 s timeout.
start=$SECONDS
ns "$NS_IN" curl -sS --connect-timeout 5 -o /dev/null "http://$OUT_ADDR:8080/"
rc=$?
if [ "$rc" = 7 ] && [ $((SECONDS - start)) -lt 4 ]; then
  log "ok: TCP connection refused (curl exit 7)"
else
  fail "TCP: curl exit $rc after $((SECONDS - start)) s, expected 7 at once"
fi

# UDP: the library answers with ICMP unreachable, "communication
# administratively prohibited" (type 3 code 13), which Linux reports on a
# connected UDP socket as EHOSTUNREACH.
ns "$NS_IN" "$PYTHON" -c '
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], 7007))
s.send(b"refuse me")
try:
    s.recv(100)
except OSError as e:
    sys.exit(0 if e.errno == errno.EHOSTUNREACH else "got %r" % e)
sys.exit("no answer")' "$OUT_ADDR" && log "ok: UDP refused (ICMP unreachable)" ||
  fail "UDP: no ICMP unreachable"

gw_dump reject
expect_counter_min "New flows" Rejects 2
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# pinhole over AF_PACKET (examples/afpacket, pinhole-afpacket): the gateway
# namespace holds two veths without addresses and with ip_forward off;
# pinhole-afpacket reads the frames of both in batches, runs them through
# pinhole_process_burst and writes them out of the other veth (it answers
# ARP for the inside's gateway address and the pool address itself).
# Checks: ping and an HTTP download (sha256) from the inside through NAPT;
# the server saw only 198.19.0.1; an unsolicited outside datagram is
# dropped; the listing and counters. Then a bounded UDP flood from the
# inside (AFPACKET_FLOOD datagrams, default 20000), counted at the outside:
# the packets-per-second line BENCHMARKS.md quotes.
# Usage: afpacket.sh PINHOLE-AFPACKET [UDP-FLOOD]  (without the C sender
# tests/e2e/udp-flood.c, a python loop sends, at a fraction of the rate)
. "$(dirname "$0")/lib.sh"
AFP=${1:-}
FLOOD_BIN=${2:-}
[ -n "$AFP" ] && [ -x "$AFP" ] || skip "pinhole-afpacket not built"
FLOOD=${AFPACKET_FLOOD:-20000}
e2e_init curl ping ethtool
[ -n "$PYTHON" ] || skip "python3 is not installed"

e2e_setup_raw

bg "$NS_GW" afp "$AFP" --inside gw-in --outside gw-out --pool "$POOL"
wait_for 5 grep -q "pinhole-afpacket\[[0-9]*\]: inside" "$TMP/afp.log" ||
  die "pinhole-afpacket did not start"
# its own pid (bg's is the timeout wrapper's), for the signals
AFP_PID=$(sed -n 's/^pinhole-afpacket\[\([0-9]*\)\]: inside.*/\1/p' "$TMP/afp.log")

host_basic_checks pinhole-afpacket "$TMP/afp.log" "$AFP_PID"

# The flood: FLOOD datagrams of 18 bytes, one flow, as fast as one sender
# goes (udp-flood: sendmmsg, 64 a call). The outside counts the frames that reach its veth (the
# kernel's rx_packets, polled every 2 ms; a UDP socket that is never read
# takes them), from the first to the last: what the gateway delivered,
# not what a python receiver could keep up with.
flood_sink "$NS_OUT" veth-out "$OUT_ADDR"
if [ -x "$FLOOD_BIN" ]; then
  ns "$NS_IN" "$FLOOD_BIN" "$OUT_ADDR" 9000 "$FLOOD" >"$TMP/flood.log" 2>&1 ||
    fail "flood sender"
else
  ns "$NS_IN" "$PYTHON" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("'"$OUT_ADDR"'", 9000))
m = b"pinhole-afpacket!!"
t = time.monotonic()
for _ in range('"$FLOOD"'):
    try:
        s.send(m)
    except (BlockingIOError, OSError):
        pass
t = time.monotonic() - t
print("sent %d in %.3f s: %d pps" % ('"$FLOOD"', t, '"$FLOOD"' / t))' \
    >"$TMP/flood.log" 2>&1 || fail "flood sender"
fi
wait_for 35 grep -q "^received" "$TMP/sink.log" || fail "flood receiver did not finish"
line=$(grep "^received" "$TMP/sink.log")
log "flood: $(cat "$TMP/flood.log"); $line at the outside"
got=$(echo "$line" | awk '{print $2}')
[ "${got:-0}" -gt 0 ] || fail "no flood datagram arrived"

kill -TERM "$AFP_PID"
wait_for 5 bash -c "! kill -0 $AFP_PID" || fail "pinhole-afpacket did not exit on SIGTERM"
grep '^Host: ' "$TMP/afp.log" | tail -n 1 >&2
if [ "$FAILED" = 0 ]; then
  log "PASS"
  exit 0
fi
exit 1

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# pinhole behind netfilter's NFQUEUE (examples/nfqueue, pinhole-nfq): the
# gateway namespace routes between two veth pairs with ip_forward on; an
# nftables rule queues every IPv4 packet arriving on either veth from the
# prerouting hook; pinhole-nfq translates it and hands it back. The pool
# address 198.19.0.1 is not the gateway's (its outside veth is
# 198.19.0.254): the outside host routes 198.19.0.1 to it.
# Checks: ping and an HTTP download (sha256) from the inside through NAPT;
# the server saw only 198.19.0.1; an unsolicited outside datagram is
# dropped; the listing and counters pinhole-nfq prints.
# Usage: nfqueue.sh PINHOLE-NFQ
. "$(dirname "$0")/lib.sh"
NFQ=${1:-}
[ -n "$NFQ" ] && [ -x "$NFQ" ] || skip "pinhole-nfq not built (libnetfilter-queue-dev)"
e2e_init curl nft ping
[ -n "$PYTHON" ] || skip "python3 is not installed"
# The gateway's outside address is not the pool's.
GW_OUT_ADDR=198.19.0.254
e2e_setup_kernel

# Replies to the pool address go to the gateway; nothing else routes back.
ip -n "$NS_OUT" route add "$POOL/32" via "$GW_OUT_ADDR" || die "route to the pool"
# Reverse-path filtering off (translated inside packets
# carry the pool address, which routes out of gw-out).
ip netns exec "$NS_GW" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
  net.ipv4.conf.gw-in.rp_filter=0 net.ipv4.conf.gw-out.rp_filter=0 ||
  die "sysctl"
# The queue rule: nftables' queue statement, else iptables (its nft
# backend through xt_NFQUEUE; some kernels lack nft_queue).
if ! ip netns exec "$NS_GW" nft -f - 2>"$TMP/nft.err" <<'NFT'
table ip pinhole {
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    iifname { "gw-in", "gw-out" } queue num 3
  }
}
NFT
then
  log "nft queue unavailable ($(head -n 1 "$TMP/nft.err")); trying iptables"
  command -v iptables >/dev/null || skip "neither nft queue nor iptables"
  for dev in gw-in gw-out; do
    ip netns exec "$NS_GW" iptables -t raw -A PREROUTING -i "$dev" \
      -j NFQUEUE --queue-num 3 ||
      skip "iptables cannot load the NFQUEUE rule (nfnetlink_queue)"
  done
fi

bg "$NS_GW" nfq "$NFQ" --queue 3 --inside-dev gw-in --pool "$POOL"
wait_for 5 grep -q "pinhole-nfq\[[0-9]*\]: queue 3" "$TMP/nfq.log" ||
  die "pinhole-nfq did not start"
# its own pid (bg's is the namespace wrapper's), for the signals
NFQ_PID=$(sed -n 's/^pinhole-nfq\[\([0-9]*\)\]: queue 3.*/\1/p' "$TMP/nfq.log")

host_basic_checks pinhole-nfq "$TMP/nfq.log" "$NFQ_PID"

kill -TERM "$NFQ_PID"
wait_for 5 bash -c "! kill -0 $NFQ_PID" || fail "pinhole-nfq did not exit on SIGTERM"
grep -q "queue overrun" "$TMP/nfq.log" && fail "pinhole-nfq lost packets"
if [ "$FAILED" = 0 ]; then
  log "PASS"
  exit 0
fi
exit 1

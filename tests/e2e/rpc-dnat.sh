#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Sun RPC to a server behind destination NAT: rpcbind and rpc.statd
# inside, published with --dnat 198.19.0.1:111=198.18.0.2:111; rpcinfo
# outside asks 198.19.0.1 where the status program listens. rpcbind
# answers with its inside address ("198.18.0.2.127.253"); the rpc ALG
# rewrites it to the public one, so rpcinfo calls 198.19.0.1:32765, and
# the pinhole lets that call in to the inside statd (over TCP and UDP).
# Without the rewrite rpcinfo would try 198.18.0.2, which the outside host
# cannot reach.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
PATH=$PATH:/usr/sbin:/sbin
e2e_init rpcinfo rpcbind rpc.statd
STATD_PORT=32765
pgrep -x rpcbind >/dev/null && skip "an rpcbind already runs on this machine"
e2e_start_gw --dnat "$POOL:111=$IN_ADDR:111"

bg "$NS_IN" rpcbind rpcbind -f
wait_for 5 port_open "$NS_IN" "$IN_ADDR" 111 || die "rpcbind did not start"
bg "$NS_IN" statd rpc.statd -F -L -p "$STATD_PORT"
wait_for 5 bash -c "ip netns exec $NS_IN rpcinfo -p 127.0.0.1 | grep -q 100024" ||
  die "rpc.statd did not register"

for t in tcp udp; do
  if ns "$NS_OUT" rpcinfo -T "$t" "$POOL" 100024 >"$TMP/rpcinfo-$t.log" 2>&1 &&
    grep -q "ready and waiting" "$TMP/rpcinfo-$t.log"; then
    log "ok: rpcinfo -T $t status through the public address"
  else
    fail "rpcinfo -T $t: $(cat "$TMP/rpcinfo-$t.log")"
  fi
done

gw_dump rpc-dnat
expect_line '^Conversation: ALG protocol: rpc'
expect_flow TCP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:111" Watch I
expect_flow UDP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:111" Watch I
expect_line "^ +NAT dest 198\.19\.0\.1:111 -> 198\.18\.0\.2:111"
expect_flow TCP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:$STATD_PORT" Forward I
expect_flow TCP "198\.18\.0\.2:$STATD_PORT" "198\.19\.0\.2:[0-9]+" Forward O
expect_flow UDP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:$STATD_PORT" Forward I
expect_flow UDP "198\.18\.0\.2:$STATD_PORT" "198\.19\.0\.2:[0-9]+" Forward O
expect_line "^ +NAT dest 198\.19\.0\.1:$STATD_PORT -> 198\.18\.0\.2:$STATD_PORT"
expect_no_alg_errors
expect_counter_min Other "Pinholes used" 2
e2e_finish

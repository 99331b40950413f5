#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Sun RPC through pinhole-gw: rpcbind and rpc.statd (the "status" program
# 100024) outside, rpcinfo inside. The gateway lets only port 111 out
# (TCP and UDP), so a call to statd's own port passes only through the
# pinhole the rpc ALG opens from the portmapper's answer:
#   rpcinfo -p          the portmapper's own address (GETADDR, opens
#                       nothing), then the v2 DUMP over TCP
#   rpcinfo -T tcp      rpcbind GETADDR over TCP, then a NULL call to statd
#                       over TCP through the pinhole
#   rpcinfo -u          GETADDR over UDP, then a NULL call over UDP
#   a TCP connection to statd's port without asking: no pinhole, no rule,
#                       it must fail
# The listing must show the portmap connections watched by the rpc ALG and
# the calls to statd as Forward flows of their conversations.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
PATH=$PATH:/usr/sbin:/sbin
e2e_init rpcinfo rpcbind rpc.statd
STATD_PORT=32765
# rpcbind's lock and socket are files, shared with the host: one at a time.
pgrep -x rpcbind >/dev/null && skip "an rpcbind already runs on this machine"
e2e_start_gw --rule "name=portmap-tcp,side=inside,proto=tcp,dport=111,nat=source" \
  --rule "name=portmap-udp,side=inside,proto=udp,dport=111,nat=source"

# -f: foreground. statd registers through rpcbind's local socket; -F
# foreground, -L no reboot notification, fixed port.
bg "$NS_OUT" rpcbind rpcbind -f
wait_for 5 port_open "$NS_OUT" "$OUT_ADDR" 111 || die "rpcbind did not start"
bg "$NS_OUT" statd rpc.statd -F -L -p "$STATD_PORT"
wait_for 5 bash -c "ip netns exec $NS_OUT rpcinfo -p 127.0.0.1 | grep -q 100024" ||
  die "rpc.statd did not register"

# Without asking the portmapper first: no pinhole, and no rule lets it out.
if port_open "$NS_IN" "$OUT_ADDR" "$STATD_PORT"; then
  fail "statd's port reached without a portmapper answer"
else
  log "ok: statd's port is closed without a portmapper answer"
fi
# The map, over TCP port 111.
if ns "$NS_IN" rpcinfo -p "$OUT_ADDR" >"$TMP/rpcinfo-p.log" 2>&1 &&
  grep -Eq "100024 +1 +tcp +$STATD_PORT +status" "$TMP/rpcinfo-p.log"; then
  log "ok: rpcinfo -p lists status on $STATD_PORT"
else
  fail "rpcinfo -p: $(cat "$TMP/rpcinfo-p.log")"
fi
# GETADDR over TCP, then TCP to statd through the pinhole.
if ns "$NS_IN" rpcinfo -T tcp "$OUT_ADDR" 100024 >"$TMP/rpcinfo-t.log" 2>&1 &&
  grep -q "ready and waiting" "$TMP/rpcinfo-t.log"; then
  log "ok: rpcinfo -T tcp status"
else
  fail "rpcinfo -T tcp: $(cat "$TMP/rpcinfo-t.log")"
fi
# GETPORT over UDP, then UDP to statd through the pinhole.
if ns "$NS_IN" rpcinfo -u "$OUT_ADDR" 100024 >"$TMP/rpcinfo-u.log" 2>&1 &&
  grep -q "ready and waiting" "$TMP/rpcinfo-u.log"; then
  log "ok: rpcinfo -u status"
else
  fail "rpcinfo -u: $(cat "$TMP/rpcinfo-u.log")"
fi
gw_dump rpc
expect_line '^Conversation: ALG protocol: rpc'
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:111" Watch I
expect_flow TCP "198\.19\.0\.2:111" "198\.19\.0\.1:[0-9]+" Watch O
expect_flow UDP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:111" Watch I
expect_flow UDP "198\.19\.0\.2:111" "198\.19\.0\.1:[0-9]+" Watch O
# The calls to statd: Forward flows of the portmap conversations.
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:$STATD_PORT" Forward I
expect_flow TCP "198\.19\.0\.2:$STATD_PORT" "198\.19\.0\.1:[0-9]+" Forward O
expect_flow UDP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:$STATD_PORT" Forward I
expect_flow UDP "198\.19\.0\.2:$STATD_PORT" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+"
expect_no_alg_errors
expect_counter_min Other "Pinholes used" 2
# the direct call to statd
expect_counter_min Other "No matching rule" 1
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Sun RPC program rules through pinhole-gw: rpcbind and rpc.statd (the
# "status" program 100024) outside, rpcinfo inside. The gateway lets only
# port 111 out, with the rpc ALG named and an allow list per protocol:
#   TCP 111: allow=100024 (status)   rpcinfo -t HOST status must succeed:
#            the GETADDR/GETPORT answer opens statd's TCP port
#   UDP 111: allow=100003 (nfs)      rpcinfo -u HOST status must fail: the
#            answer reaches rpcinfo but opens nothing, counted under
#            "RPC portmap" with the reason "program 100024 not allowed by
#            the rule" (gateway events), and the call to statd's UDP port
#            meets no rule
# The listing must show the TCP call to statd as a Forward flow of the
# portmap conversation and no UDP flow to statd at all.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
PATH=$PATH:/usr/sbin:/sbin
e2e_init rpcinfo rpcbind rpc.statd
STATD_PORT=32766
# rpcbind's lock and socket are files, shared with the host: one at a time.
pgrep -x rpcbind >/dev/null && skip "an rpcbind already runs on this machine"
e2e_start_gw \
  --rule "name=portmap-tcp,side=inside,proto=tcp,dport=111,nat=source,alg=rpc,allow=100024" \
  --rule "name=portmap-udp,side=inside,proto=udp,dport=111,nat=source,alg=rpc,allow=100003"

bg "$NS_OUT" rpcbind rpcbind -f
wait_for 5 port_open "$NS_OUT" "$OUT_ADDR" 111 || die "rpcbind did not start"
bg "$NS_OUT" statd rpc.statd -F -L -p "$STATD_PORT"
wait_for 5 bash -c "ip netns exec $NS_OUT rpcinfo -p 127.0.0.1 | grep -q 100024" ||
  die "rpc.statd did not register"

# Allowed: status over TCP.
if ns "$NS_IN" rpcinfo -t "$OUT_ADDR" status >"$TMP/rpcinfo-t.log" 2>&1 &&
  grep -q "ready and waiting" "$TMP/rpcinfo-t.log"; then
  log "ok: rpcinfo -t status through the rule that allows it"
else
  fail "rpcinfo -t status: $(cat "$TMP/rpcinfo-t.log")"
fi
# Not allowed: status over UDP, whose rule lists only nfs.
if ns "$NS_IN" timeout 30 rpcinfo -u "$OUT_ADDR" status >"$TMP/rpcinfo-u.log" 2>&1; then
  fail "rpcinfo -u status passed a rule without the program: $(cat "$TMP/rpcinfo-u.log")"
else
  log "ok: rpcinfo -u status fails: $(tr '\n' ' ' <"$TMP/rpcinfo-u.log")"
fi
gw_dump rpc-rule
expect_line '^Conversation: ALG protocol: rpc'
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:111" Watch I
expect_flow UDP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:111" Watch I
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:$STATD_PORT" Forward I
expect_flow TCP "198\.19\.0\.2:$STATD_PORT" "198\.19\.0\.1:[0-9]+" Forward O
if grep -Eq "^UDP .*:$STATD_PORT " "$TMP/listing"; then
  fail "a UDP flow to statd exists though its program is not allowed"
else
  log "ok: no UDP flow to statd"
fi
expect_counter_min "ALG errors" "RPC portmap" 1
expect_counter_min Other "Pinholes used" 1
expect_counter_min Other "No matching rule" 1
if grep -q 'rule=portmap-udp alg=rpc reason="program 100024 not allowed by the rule"' "$TMP/gw.log" "$TMP/gw.err" 2>/dev/null; then
  log "ok: the gateway logged the refused program with its rule"
else
  fail "no 'program 100024 not allowed by the rule' event for rule portmap-udp"
fi
if grep -q 'program 100024 not allowed' <(grep 'rule=portmap-tcp' "$TMP/gw.log" "$TMP/gw.err" 2>/dev/null); then
  fail "the TCP rule refused status"
fi
e2e_finish

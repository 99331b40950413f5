#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# DCE-RPC through pinhole-gw: a small endpoint mapper and service outside
# (epm-server.py: TCP 135 and TCP 49701), impacket's endpoint mapper
# client inside (epm.hept_map, an ept_map request for an interface), then
# a bind to the port it returned. The gateway lets only TCP 135 out, so
# the bind passes only through the pinhole the dcerpc ALG opens from the
# ept_map response; the listing must show the endpoint mapper connection
# watched and the service connection as a Forward flow of it.
# The rule names the dcerpc ALG and allows only the test interface
# (allow=12345678-1234-abcd-ef00-0123456789ab): a second lookup, for
# svcctl's interface, is answered (the client gets the binding) but opens
# nothing, counted under "DCE-RPC portmap", and the bind to the returned
# port fails.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init
[ -n "$PYTHON" ] || skip "python3 is not installed"
"$PYTHON" -c 'import impacket.dcerpc.v5.epm' 2>/dev/null ||
  skip "impacket is not installed (package python3-impacket)"
SVC_PORT=49701
IFACE=12345678-1234-abcd-ef00-0123456789ab
SVCCTL=367abb81-9844-35f1-ad32-98f038001003
e2e_start_gw --rule "name=epm-tcp,side=inside,proto=tcp,dport=135,nat=source,alg=dcerpc,allow=$IFACE"

bg "$NS_OUT" epm "$PYTHON" "$(dirname "$0")/epm-server.py" "$OUT_ADDR" "$SVC_PORT"
wait_for 5 port_open "$NS_OUT" "$OUT_ADDR" 135 || die "the endpoint mapper did not start"
wait_for 5 port_open "$NS_OUT" "$OUT_ADDR" "$SVC_PORT" || die "the service did not start"

# Without asking the endpoint mapper first: no pinhole, no rule.
if port_open "$NS_IN" "$OUT_ADDR" "$SVC_PORT"; then
  fail "the service's port reached without an ept_map answer"
else
  log "ok: the service's port is closed without an ept_map answer"
fi

# epm_client IFACE: ept_map for IFACE, then a bind to the port returned.
# Exit 0: bound; 3: the lookup was answered but the bind failed; else: the
# lookup failed.
epm_client() {
  ns "$NS_IN" "$PYTHON" -c '
import sys
from impacket.dcerpc.v5 import epm, transport
from impacket.uuid import uuidtup_to_bin
iface = uuidtup_to_bin((sys.argv[3], "1.0"))
binding = epm.hept_map(sys.argv[1], iface, protocol="ncacn_ip_tcp")
print("ept_map:", binding)
assert binding == "ncacn_ip_tcp:%s[%s]" % (sys.argv[1], sys.argv[2]), binding
t = transport.DCERPCTransportFactory(binding)
t.set_connect_timeout(5)
dce = t.get_dce_rpc()
try:
    dce.connect()
    dce.bind(iface)
except Exception as e:
    print("bind failed:", e)
    sys.exit(3)
print("bound to", binding)
dce.disconnect()' "$OUT_ADDR" "$SVC_PORT" "$1"
}

if epm_client "$IFACE" >"$TMP/epm-client.log" 2>&1; then
  log "ok: $(tr '\n' ' ' <"$TMP/epm-client.log")"
else
  fail "impacket client: $(cat "$TMP/epm-client.log")"
fi
# Not allowed by the rule: answered, but the bind finds no pinhole.
epm_client "$SVCCTL" >"$TMP/epm-svcctl.log" 2>&1
rc=$?
if [ "$rc" = 3 ]; then
  log "ok: svcctl answered, bind refused: $(tr '\n' ' ' <"$TMP/epm-svcctl.log")"
else
  fail "svcctl lookup (exit $rc, want 3): $(cat "$TMP/epm-svcctl.log")"
fi

gw_dump dcerpc
expect_line '^Conversation: ALG protocol: dcerpc'
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:135" Watch I
expect_flow TCP "198\.19\.0\.2:135" "198\.19\.0\.1:[0-9]+" Watch O
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:$SVC_PORT" Forward I
expect_flow TCP "198\.19\.0\.2:$SVC_PORT" "198\.19\.0\.1:[0-9]+" Forward O
expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+"
expect_counter_min Other "Pinholes used" 1
expect_counter_min Other "No matching rule" 1
expect_counter_min "ALG errors" "DCE-RPC portmap" 1
if [ "$(counter "ALG errors" "DCE-RPC portmap")" = 1 ] &&
  [ "$(counter "ALG errors" "DCE-RPC")" = 0 ]; then
  log "ok: exactly one DCE-RPC portmap error, no DCE-RPC error"
else
  fail "DCE-RPC errors: $(counter "ALG errors" "DCE-RPC"), portmap: $(counter "ALG errors" "DCE-RPC portmap")"
fi
if grep -q "rule=epm-tcp alg=dcerpc reason=\"interface $SVCCTL not allowed by the rule\"" "$TMP/gw.err"; then
  log "ok: the gateway logged the refused interface with its rule"
else
  fail "no 'interface $SVCCTL not allowed by the rule' event"
fi
e2e_finish

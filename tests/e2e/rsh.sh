#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# rsh through pinhole-gw: rsh-redone's in.rshd outside (one process per
# connection, handed the socket by systemd-socket-activate --inetd, in the
# foreground), netkit's rsh client inside (rsh-redone's client reads the
# stderr connection but writes nothing of it), as root from a privileged
# port. The command writes to
# stdout and stderr: stderr comes back on the server's second connection,
# which only passes through the pinhole the rsh ALG opens for the
# announced (rewritten) port. rshd trusts the client only when its source
# port is below 1024: the privileged-port rule must keep it so through
# NAPT. Trust: /root/.rhosts names the gateway's public address (created
# for the test and removed after; the test skips when one exists).
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init systemd-socket-activate
RSHD=$(command -v in.rshd) || skip "in.rshd is not installed (package rsh-redone-server)"
RSH=$(command -v netkit-rsh) || skip "netkit-rsh is not installed (package rsh-client)"
[ -e /root/.rhosts ] && skip "/root/.rhosts exists: not touched"
trap 'rc=$?; rm -f /root/.rhosts; (exit $rc); e2e_cleanup' EXIT
(umask 077 && echo "ph-pub root" >/root/.rhosts) || die "writing /root/.rhosts"
# in.rshd wants the client's name (reverse lookup, else it exits): a hosts
# file for the outside namespace only (`ip netns exec` mounts it).
printf '127.0.0.1 localhost\n%s ph-pub\n' "$POOL" >"/etc/netns/$NS_OUT/hosts"
e2e_start_gw

bg "$NS_OUT" rshd systemd-socket-activate --inetd -a -l "$OUT_ADDR:514" "$RSHD"
wait_for 5 port_open "$NS_OUT" "$OUT_ADDR" 514 || die "in.rshd did not start"

ns "$NS_IN" "$RSH" -l root "$OUT_ADDR" 'echo to-stderr >&2; sleep 1; echo to-stdout' \
  >"$TMP/rsh.out" 2>"$TMP/rsh.err" || fail "rsh failed: $(cat "$TMP/rsh.err")"
grep -qx to-stdout "$TMP/rsh.out" && log "ok: stdout came back" ||
  fail "stdout: '$(cat "$TMP/rsh.out")'"
grep -qx to-stderr "$TMP/rsh.err" && log "ok: stderr came back" ||
  fail "stderr: '$(cat "$TMP/rsh.err")'"

gw_dump rsh
expect_line '^Conversation: ALG protocol: rsh'
# The control connection from a privileged port, NATed to a privileged one.
expect_flow TCP "198\.18\.0\.2:(5[1-9][0-9]|[6-9][0-9][0-9]|10[0-2][0-9])" "198\.19\.0\.2:514" Watch I
expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:(5[1-9][0-9]|[6-9][0-9][0-9]|10[0-2][0-9])$"
# The stderr connection: from the server's reserved port, through the pinhole.
expect_flow TCP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+" Forward O
expect_no_alg_errors
expect_counter_min Other "Pinholes used" 1
e2e_finish

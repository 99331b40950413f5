#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# rlogin through pinhole-gw: rsh-redone's in.rlogind outside (one process
# per connection, handed the socket by systemd-socket-activate --inetd, in
# the foreground), netkit's rlogin client inside, as root from a
# privileged port. rlogind trusts the client (PAM pam_rhosts, no
# password) only when its source port is below 1024: the privileged-port
# rule must keep it so through NAPT, and the Login ALG checks the
# greeting. The client's stdin (a pipe) types a command and exits; its
# output must come back. Trust: /root/.rhosts names the gateway's public
# address (created for the test and removed after; the test skips when
# one exists).
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init systemd-socket-activate script
RLOGIND=$(command -v in.rlogind) || skip "in.rlogind is not installed (package rsh-redone-server)"
RLOGIN=$(command -v netkit-rlogin) || skip "netkit-rlogin is not installed (package rsh-client)"
[ -e /root/.rhosts ] && skip "/root/.rhosts exists: not touched"
trap 'rc=$?; rm -f /root/.rhosts; (exit $rc); e2e_cleanup' EXIT
(umask 077 && echo "ph-pub root" >/root/.rhosts) || die "writing /root/.rhosts"
# in.rlogind wants the client's name (reverse lookup): a hosts file for
# the outside namespace only (`ip netns exec` mounts it).
printf '127.0.0.1 localhost\n%s ph-pub\n' "$POOL" >"/etc/netns/$NS_OUT/hosts"
e2e_start_gw

bg "$NS_OUT" rlogind systemd-socket-activate --inetd -a -l "$OUT_ADDR:513" "$RLOGIND"
wait_for 5 port_open "$NS_OUT" "$OUT_ADDR" 513 || die "in.rlogind did not start"

# rlogin wants a terminal: script(1) gives it one; the commands are typed
# after the login completes.
{ sleep 2; echo 'echo rlogin-marker-$((6*7))'; sleep 1; echo exit; sleep 1; } |
  ns "$NS_IN" timeout 20 script -qec "$RLOGIN -l root $OUT_ADDR" /dev/null \
  >"$TMP/rlogin.out" 2>&1
grep -q 'rlogin-marker-42' "$TMP/rlogin.out" && log "ok: the command ran and its output came back" ||
  fail "rlogin output: '$(tr -d '\r' <"$TMP/rlogin.out" | tail -5)'"

gw_dump rlogin
expect_line '^Conversation: ALG protocol: rlogin'
# From a privileged port, NATed to a privileged one.
expect_flow TCP "198\.18\.0\.2:(5[1-9][0-9]|[6-9][0-9][0-9]|10[0-2][0-9])" "198\.19\.0\.2:513" Watch I
expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:(5[1-9][0-9]|[6-9][0-9][0-9]|10[0-2][0-9])$"
expect_no_alg_errors
e2e_finish

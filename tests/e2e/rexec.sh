#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# rexec through pinhole-gw. Debian 12 ships no rexec client, and netkit's
# in.rexecd (package rsh-server) cannot be installed beside
# rsh-redone-server (same paths): the client is tests/e2e/rexec-client.py,
# and in.rexecd is taken from rsh-server's .deb, unpacked into the test's
# temp dir (`apt-get download` + `dpkg -x`, never installed; $REXECD names
# an in.rexecd to use instead). It runs outside, one process per
# connection (systemd-socket-activate --inetd). It authenticates with PAM
# service "rexec"; with no /etc/pam.d/rexec (the package is not installed)
# PAM uses /etc/pam.d/other, i.e. common-auth (pam_unix): a throwaway user
# with a random password is created for the test and deleted after.
# The command writes to stdout and stderr: stderr comes back on the
# server's second connection (from any port), which only passes through
# the pinhole the Exec ALG opens for the announced, rewritten port.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
CLIENT="$(dirname "$0")/rexec-client.py"
e2e_init systemd-socket-activate useradd userdel chpasswd
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
[ -e /etc/pam.d/rexec ] || [ -e /etc/pam.d/other ] ||
  skip "no PAM configuration for service rexec (nor 'other')"
REXECD=${REXECD:-}
if [ -z "$REXECD" ]; then
  command -v dpkg >/dev/null || skip "dpkg is not installed"
  (cd "$TMP" && apt-get download rsh-server >"$TMP/download.err" 2>&1) ||
    skip "apt-get download rsh-server failed: $(tail -n 1 "$TMP/download.err")"
  dpkg -x "$TMP"/rsh-server_*.deb "$TMP/rsh-server" || die "dpkg -x"
  REXECD=$TMP/rsh-server/usr/sbin/in.rexecd
fi
[ -x "$REXECD" ] || skip "no in.rexecd ($REXECD)"
USER_NAME=phrexec$$
getent passwd "$USER_NAME" >/dev/null && skip "user $USER_NAME exists"
trap 'rc=$?; userdel "$USER_NAME" 2>/dev/null; (exit $rc); e2e_cleanup' EXIT
useradd -M -d /tmp -s /bin/sh "$USER_NAME" || die "useradd"
REXEC_PASSWORD=$(head -c 9 /dev/urandom | sha256sum | cut -c1-12)
export REXEC_PASSWORD
echo "$USER_NAME:$REXEC_PASSWORD" | chpasswd || die "chpasswd"
# in.rexecd wants the client's name (reverse lookup, else "Where are
# you?"): a hosts file for the outside namespace only.
printf '127.0.0.1 localhost\n%s ph-pub\n' "$POOL" >"/etc/netns/$NS_OUT/hosts"
e2e_start_gw

bg "$NS_OUT" rexecd systemd-socket-activate --inetd -a -l "$OUT_ADDR:512" "$REXECD"
wait_for 5 port_open "$NS_OUT" "$OUT_ADDR" 512 || die "in.rexecd did not start"

ns "$NS_IN" "$CLIENT" "$OUT_ADDR" "$USER_NAME" \
  'echo to-stderr >&2; sleep 1; echo to-stdout' \
  >"$TMP/rexec.out" 2>"$TMP/rexec.err" || fail "rexec failed: $(cat "$TMP/rexec.err")"
grep -qx to-stdout "$TMP/rexec.out" && log "ok: stdout came back" ||
  fail "stdout: '$(cat "$TMP/rexec.out")'"
grep -qx to-stderr "$TMP/rexec.err" && log "ok: stderr came back" ||
  fail "stderr: '$(cat "$TMP/rexec.err")'"
# A wrong password: refused by the server, through the same ALG.
REXEC_PASSWORD=wrong ns "$NS_IN" "$CLIENT" "$OUT_ADDR" "$USER_NAME" true \
  >/dev/null 2>"$TMP/refused.err" && fail "a wrong password was accepted"
grep -q "rexec refused" "$TMP/refused.err" && log "ok: wrong password refused" ||
  fail "wrong password: '$(cat "$TMP/refused.err")'"

gw_dump rexec
expect_line '^Conversation: ALG protocol: rexec'
expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:512" Watch I
expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+$"
# The stderr connection: from the server's (any) port, through the pinhole.
expect_flow TCP "198\.19\.0\.2:[0-9]+" "198\.19\.0\.1:[0-9]+" Forward O
expect_no_alg_errors
expect_counter_min Other "Pinholes used" 2
e2e_finish

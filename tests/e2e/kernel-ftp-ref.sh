#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Reference: the same active FTP session (curl, PORT and EPRT) first through
# the Linux kernel's NAT (nftables masquerade + the "ftp" conntrack helper),
# then through pinhole-gw, each captured with tcpdump on the outside host.
# Both must show the client's PORT/EPRT rewritten to the public address
# 198.19.0.1 with a port. Skips (77) when the kernel cannot do it here.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl nft tcpdump

# capture NAME IF: tcpdump of the FTP control port on the outside host.
capture() {
  bg "$NS_OUT" "tcpdump-$1" tcpdump -i "$2" -nn -U --immediate-mode -s 0 -w "$TMP/$1.pcap" \
    tcp port 21
  CAP_PID=$LAST_PID
  wait_for 5 grep -q "listening on" "$TMP/tcpdump-$1.log" ||
    die "tcpdump did not start"
}

# stop_capture NAME: stops tcpdump, prints the PORT/EPRT commands seen.
stop_capture() {
  kill -TERM "$CAP_PID"
  wait "$CAP_PID" 2>/dev/null
  tcpdump -r "$TMP/$1.pcap" -nn -A 2>/dev/null |
    grep -aoE '(PORT [0-9,]+|EPRT \|[^[:space:]]+)' | uniq >"$TMP/$1.cmds"
  echo "---- $1: commands seen outside"
  cat "$TMP/$1.cmds"
}

# check_cmds NAME: one PORT and one EPRT, both carrying the pool address.
check_cmds() {
  grep -qE '^PORT 198,19,0,1,[0-9]+,[0-9]+$' "$TMP/$1.cmds" ||
    fail "$1: no PORT with 198,19,0,1 seen outside"
  grep -qE '^EPRT \|1\|198\.19\.0\.1\|[0-9]+\|$' "$TMP/$1.cmds" ||
    fail "$1: no EPRT with 198.19.0.1 seen outside"
  if grep -qE '198[.,]18[.,]' "$TMP/$1.cmds"; then
    fail "$1: an inside address leaked outside"
  fi
}

# The same two sessions for both gateways.
sessions() {
  ns "$NS_IN" curl -sS --connect-timeout 5 -P - --disable-eprt \
    -o "$TMP/$1-port.down" "ftp://$OUT_ADDR/pub/data.bin" &&
    ns "$NS_IN" curl -sS --connect-timeout 5 -P - \
      -o "$TMP/$1-eprt.down" "ftp://$OUT_ADDR/pub/data.bin"
}

# 1. The kernel: forwarding, masquerade, and the ftp helper on port 21.
e2e_setup_kernel
cat >"$TMP/ref.nft" <<EOF2
table ip pinhole_ref {
  ct helper ftp_std {
    type "ftp" protocol tcp;
  }
  chain pre {
    type filter hook prerouting priority filter; policy accept;
    tcp dport 21 ct helper set "ftp_std"
  }
  chain nat_pre {
    type nat hook prerouting priority dstnat; policy accept;
  }
  chain nat_post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "gw-out" masquerade
  }
}
EOF2
ip netns exec "$NS_GW" nft -f "$TMP/ref.nft" 2>"$TMP/nft.err" ||
  skip "nftables NAT or the ftp conntrack helper is not available: $(cat "$TMP/nft.err")"
ftp_start_server
VSFTPD_PID=$LAST_PID
capture kernel veth-out
sessions kernel ||
  skip "active FTP through the kernel's ftp helper failed here (no nf_nat_ftp?)"
stop_capture kernel
check_cmds kernel

# 2. pinhole-gw in the same namespaces: the veth pairs and rules go, the
# TUN devices come; vsftpd is restarted on the new link.
kill -TERM "$VSFTPD_PID"
wait "$VSFTPD_PID" 2>/dev/null
ip netns exec "$NS_GW" nft delete table ip pinhole_ref
ip -n "$NS_IN" link del veth-in
ip -n "$NS_OUT" link del veth-out
e2e_start_gw
ftp_start_server
capture pinhole tun-out
sessions pinhole || fail "active FTP through pinhole-gw failed"
stop_capture pinhole
check_cmds pinhole
same_file "$TMP/ftp/pub/data.bin" "$TMP/pinhole-port.down" "pinhole PORT download"
same_file "$TMP/ftp/pub/data.bin" "$TMP/pinhole-eprt.down" "pinhole EPRT download"

gw_dump kernel-ftp-ref
ftp_expect_listing
e2e_finish

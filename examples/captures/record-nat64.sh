#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Records the bundled FTP64 captures of examples/captures/ (RFC 6384): an
# IPv6-only client downloads hello.txt from vsftpd on IPv4 through
# pinhole-gw's NAT64, captured on the client's side.
#
#   sudo examples/captures/record-nat64.sh PINHOLE_GW [OUTDIR [NAME...]]
#
# PINHOLE_GW is a built pinhole-gw (BUILD/examples/gateway/pinhole-gw);
# OUTDIR defaults to this directory; NAMEs (ftp64-active, ftp64-epsv,
# ftp64-split) record only those captures.
#
# There is no NAT64 in the kernel: the namespaces and the gateway are the
# e2e tests' (tests/e2e/lib.sh e2e_start_gw64, names ph-<pid>-in/gw/out,
# removed on exit, every process ended by its PID):
#
#   client ph-<pid>-in   2001:db8:1::2/64, 64:ff9b::/96 through tun-in
#   pinhole-gw           NAT64 64:ff9b::/96 (lab), pool 198.19.0.1
#   server ph-<pid>-out  198.19.0.2/24, vsftpd (data from port 20)
#
# tcpdump captures on tun-in (raw IP: the client's IPv6 packets, the
# server's as the gateway translated them, from 64:ff9b::c613:2). curl
# 7.88 on the client:
#
#   ftp64-active.pcap  --ftp-port -: EPRT |2|2001:db8:1::2|port|; vsftpd
#                      connects from 198.19.0.2:20 to the pool endpoint
#                      the gateway announced, seen here from
#                      [64:ff9b::c613:2]:20 to the client's port
#   ftp64-epsv.pcap    --ftp-pasv: EPSV, 229 (|||port|), the client's
#                      data connection to [64:ff9b::c613:2]:port
#   ftp64-split.pcap   not curl: tests/e2e/split-ftp-client.py writes its
#                      EPRT in two pieces 200 ms apart ("EPRT
#                      |2|2001:db8:" and the rest), as e2e ftp64-split
#                      does; the gateway held the first piece (its bare
#                      ACK went on) and sent the whole command on
#                      rewritten when the rest arrived; then the data
#                      connection from port 20 as in ftp64-active
#
# The captures show the IPv6 side only: pinhole-replay --nat64 plays the
# translation (docs/replay.md "NAT64"). A new recording has other ports
# and sequence numbers: regenerate the golden listings with
# examples/replay/regen-golden.sh BUILD and review them.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PINHOLE_GW=$(realpath "${1:?usage: record-nat64.sh PINHOLE_GW [OUTDIR [NAME...]]}")
OUTDIR=$(cd "${2:-$HERE}" && pwd)
shift 2 2>/dev/null || shift $#
ONLY=" $* "
# shellcheck source-path=SCRIPTDIR source=../../tests/e2e/lib.sh
. "$HERE/../../tests/e2e/lib.sh"

want() { [[ "$ONLY" == "  " || "$ONLY" == *" $1 "* ]]; }

# record NAME CLIENT...: one download of pub/hello.txt to $TMP/NAME.down
# by CLIENT (curl's options, or split for split-ftp-client.py), captured.
record() {
  local name=$1
  shift
  capture_start "$name" "$NS_IN" tun-in tcp
  if [ "$1" = split ]; then
    ns "$NS_IN" /usr/bin/python3 "$HERE/../../tests/e2e/split-ftp-client.py" \
      "$OUT64" pub/hello.txt "$TMP/$name.down" 200 2>"$TMP/$name.log" ||
      die "$name: split-ftp-client.py failed: $(tail -n 3 "$TMP/$name.log")"
  else
    ns "$NS_IN" curl -gsS --connect-timeout 5 "$@" -o "$TMP/$name.down" \
      "ftp://[$OUT64]/pub/hello.txt" || die "$name: curl failed"
  fi
  capture_stop
  cmp -s "$TMP/$name.down" "$TMP/ftp/pub/hello.txt" ||
    die "$name: the file downloaded differs"
  cp "$TMP/$name.pcap" "$OUTDIR/$name.pcap" || die "$name: copying the capture"
  log "$name.pcap: $(stat -c %s "$OUTDIR/$name.pcap") bytes"
}

e2e_init tcpdump curl
# vsftpd opens active data connections from port 20, as in ftp-active.pcap
FTP_CONF_EXTRA=connect_from_port_20=YES
e2e_start_gw64
ftp_start_server
rm -f "$TMP/ftp/pub/data.bin"
{
  echo "hello from the outside host"
  echo "this small file is fetched by every capture that downloads"
} >"$TMP/ftp/pub/hello.txt"
chmod 644 "$TMP/ftp/pub/hello.txt"

want ftp64-active && record ftp64-active --ftp-port -
want ftp64-epsv && record ftp64-epsv --ftp-pasv
if want ftp64-split; then
  [ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed"
  record ftp64-split split
fi
gw_dump "the recordings"
e2e_finish

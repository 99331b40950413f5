#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tshark decodes every packet tests/unit/test_xlat.c translates (written
# as a pcap with PINHOLE_XLAT_PCAP): no malformed packet, no dissector
# error, every checksum it verifies (IPv4 header, TCP, UDP, ICMP, ICMPv6,
# in quoted packets too) good. DNS is not dissected: the test payloads on
# port 53 are not DNS.
#   xlat-tshark.sh UNIT_TEST_XLAT TSHARK
set -eu
test_bin=$1
tshark=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
PINHOLE_XLAT_PCAP="$dir/xlat.pcap" "$test_bin" >/dev/null
"$tshark" -r "$dir/xlat.pcap" --disable-protocol dns \
  -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
  -o ip.check_checksum:TRUE -V >"$dir/out.txt" 2>&1
if grep -Ei 'malformed|Expert Info \(Error|dissector bug|Status: Bad' \
  "$dir/out.txt"; then
  echo "tshark: malformed translation" >&2
  exit 1
fi
n=$(grep -c '^Frame ' "$dir/out.txt")
good=$(grep -c 'Checksum Status: Good' "$dir/out.txt")
[ "$n" -ge 60 ] || { echo "tshark saw $n packets, want 60 or more" >&2; exit 1; }
[ "$good" -ge "$n" ] || { echo "only $good good checksums in $n packets" >&2; exit 1; }
echo "tshark decoded $n translated packets cleanly ($good checksums good)"

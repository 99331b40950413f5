#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tshark's IPFIX dissector decodes every message tests/unit/test_cgn.c
# sends (written as a pcap with PINHOLE_IPFIX_PCAP): no malformed packet,
# no dissector error, and every NAT event kind named.
#   ipfix-tshark.sh UNIT_TEST_CGN TSHARK
set -eu
test_bin=$1
tshark=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
PINHOLE_IPFIX_PCAP="$dir/ipfix.pcap" "$test_bin" >/dev/null
"$tshark" -r "$dir/ipfix.pcap" -d udp.port==4739,cflow -V >"$dir/out.txt" 2>&1
if grep -Ei 'malformed|Expert Info \(Error|dissector bug' "$dir/out.txt"; then
  echo "tshark: malformed IPFIX" >&2
  exit 1
fi
n=$(grep -c '^Cisco NetFlow/IPFIX' "$dir/out.txt")
[ "$n" -eq 13 ] || { echo "tshark saw $n IPFIX messages, want 13" >&2; exit 1; }
for want in 'Nat Event: NAT44 session create (4)' \
  'Nat Event: NAT44 BIB delete (9)' 'Nat Event: NAT ports exhausted (12)' \
  'Nat Event: Quota Exceeded (13)' 'Nat Event: Port block allocation (16)' \
  'Template Id: 260' 'Port Range Num Ports: 512' \
  'Nat Event: NAT Addresses exhausted (3)' 'Template Id: 262' \
  'Nat Event: Address binding create (14)' \
  'Nat Event: Address binding delete (15)' \
  'NAT Quota Exceeded Event: Maximum entries per user (3)' \
  'Nat Event: NAT64 session create (6)' 'Nat Event: NAT64 session delete (7)' \
  'Nat Event: NAT64 BIB create (10)' 'Template Id: 267' \
  'SrcAddr: 2001:db8:1::3' 'DstAddr: 64:ff9b::c613:7' \
  'Post NAT Destination IPv4 Address: 198.19.0.7' \
  'Port Range Num Ports: 16' 'Max Entries Per User: 32'; do
  grep -qF "$want" "$dir/out.txt" || { echo "missing: $want" >&2; exit 1; }
done
echo "tshark decoded $n IPFIX messages cleanly"

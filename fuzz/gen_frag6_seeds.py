#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the IPv6 seeds of fuzz/corpus/ctx_frags (the script format is
in fuzz/ctx_frags.c: flow 2 with bit 2 is an IPv6 datagram from
2001:db8:1::2; its id picks NAT64 (bit 0), SIP (bit 1) and a destination
options header (bit 2)). Run from the repository root."""
import os
import struct

NAT64, SIP, DOPT = 1, 2, 4
V6 = 0x06  # flow 2, bit 2


def rec(order, mtu8, ident, extra, tick=False, wait=False):
    op = V6 | order << 3 | (0x40 if tick else 0) | (0x80 if wait else 0)
    return bytes([op, mtu8]) + struct.pack("!HH", ident, len(extra)) + extra


pad = bytes(range(48, 48 + 200))
# orders: 0 in order, 1 reversed, 2 first last, 3 every one twice, 4 one
# changed byte, 5 the middle lost, 6 overlapping, 7 shuffled
seeds = {
    "ip6-sip-nat64-in-order": bytes([0]) +
    rec(0, 20, NAT64 | SIP, b"a=x\r\n"),
    "ip6-sip-nat64-dopt-reversed": bytes([0]) +
    rec(1, 30, NAT64 | SIP | DOPT, b""),
    "ip6-sip-nat64-middle-lost-tick": bytes([2]) +
    rec(5, 16, NAT64 | SIP, pad[:40], tick=True) +
    rec(0, 16, NAT64 | SIP, b"", tick=True, wait=True),
    "ip6-sip-nat64-overlap-whole": bytes([1]) +
    rec(6, 12, 0x100 | NAT64 | SIP, pad[:100]),
    "ip6-udp-nat64-shuffled": bytes([0]) + rec(7, 6, NAT64, pad),
    "ip6-udp-nat64-twice-dopt": bytes([4]) +
    rec(3, 10, NAT64 | DOPT, pad[:150]),
    "ip6-udp-peer-changed-byte": bytes([0]) + rec(4, 8, 0x20, pad[:120]),
    # then an IPv4 plain UDP record (flow 2 without bit 2)
    "ip6-udp-peer-first-last": bytes([0x18]) + rec(2, 8, DOPT, pad[:90]) +
    bytes([0x02, 8]) + struct.pack("!HH", 9, 90) + pad[:90],
}
d = "fuzz/corpus/ctx_frags"
for name, data in seeds.items():
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

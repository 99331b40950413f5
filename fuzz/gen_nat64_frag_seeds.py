#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes NAT64 fragment and hairpin seeds of fuzz/corpus/ctx_packets
(the script format is in fuzz/ctx_packets.c): IPv6 datagrams in
fragments to the IPv4 side (RFC 7915 sec. 5.1.1), IPv4 answers in
fragments (sec. 4.1), a large DF-clear answer cut for 1280 (sec. 4) and
a hairpin between two IPv6 hosts (RFC 6146 sec. 3.8). Run from the
repository root."""
import ipaddress
import os
import struct

CLI = "2001:db8:1::2"
SRV6 = "64:ff9b::c613:2"


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def a6(t):
    return ipaddress.IPv6Address(t).packed


def udp6(src, sport, dst, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ph = a6(src) + a6(dst) + struct.pack("!IxxxB", len(u), 17)
    c = csum(ph + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) + \
        a6(src) + a6(dst) + payload


def frag6(src, dst, l4, off, n, more, ident):
    fh = struct.pack("!BBHI", 17, 0, off | (1 if more else 0), ident)
    return ip6(src, dst, 44, fh + l4[off:off + n])


def raw(pkt, outside=False):
    """kind 0 with its side given"""
    return bytes([0x08 | (0x10 if outside else 0)]) + \
        struct.pack("!H", len(pkt)) + pkt


def udp4_frag(data, cut8, how):
    """kind 5 from the server (198.19.0.2:53) to the first port learned
    on 198.19.0.1 (the NAT64 mapping's), side given: outside"""
    return bytes([0x08 | 0x10 | 5, 3, 5, 39, 0x80]) + \
        struct.pack("!H", len(data)) + data + bytes([cut8, how])


def udp4(data):
    return bytes([0x08 | 0x10 | 2, 3, 5, 39, 0x80]) + \
        struct.pack("!H", len(data)) + data


def out(name, script):
    d = "fuzz/corpus/ctx_packets"
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes([0]) + script)


data = bytes(range(65, 65 + 40))
l4 = udp6(CLI, 7000, SRV6, 53, data)
out("nat64-frag6-out",
    raw(frag6(CLI, SRV6, l4, 0, 24, True, 0x12345EED)) +
    raw(frag6(CLI, SRV6, l4, 24, 24, False, 0x12345EED)) +
    raw(frag6(CLI, SRV6, l4, 0, 24, True, 0x77)) +
    raw(frag6(CLI, SRV6, l4, 16, 32, False, 0x77)) +
    raw(frag6(CLI, SRV6, l4, 24, 24, False, 0x99)))
out("nat64-frag4-in",
    raw(ip6(CLI, SRV6, 17, udp6(CLI, 7000, SRV6, 53, b"query"))) +
    udp4_frag(data, 2, 0) + udp4_frag(data, 1, 1) + udp4_frag(data, 2, 2) +
    udp4(bytes(1400)))

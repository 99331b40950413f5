#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seeds of fuzz/corpus/pkt6_parse and fuzz/corpus/xlat: small
real-shaped IPv6 and IPv4 packets (RFC 8200, 4443, 791, 792) with right
checksums, named by what they are. Run from the repository root."""
import ipaddress
import os
import struct


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def a6(t):
    return ipaddress.IPv6Address(t).packed


def a4(t):
    return ipaddress.IPv4Address(t).packed


def ip6(src, dst, nh, payload, hlim=64, tc=0):
    return struct.pack("!IHBB", 6 << 28 | tc << 20, len(payload), nh, hlim) + \
        a6(src) + a6(dst) + payload


def l4ck6(src, dst, nh, l4, at):
    ph = a6(src) + a6(dst) + struct.pack("!IxxxB", len(l4), nh)
    l4 = l4[:at] + b"\0\0" + l4[at + 2:]
    c = csum(ph + l4)
    return l4[:at] + struct.pack("!H", c or 0xFFFF) + l4[at + 2:]


def ip4(src, dst, proto, payload, ttl=64, ident=1, frag=0x4000, opts=b""):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH", 0x40 | ihl, 0, 4 * ihl + len(payload), ident,
                    frag, ttl, proto, 0) + a4(src) + a4(dst) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4ck4(src, dst, proto, l4, at):
    ph = b"" if proto == 1 else a4(src) + a4(dst) + struct.pack(
        "!xBH", proto, len(l4))
    l4 = l4[:at] + b"\0\0" + l4[at + 2:]
    return l4[:at] + struct.pack("!H", csum(ph + l4)) + l4[at + 2:]


def tcp(sp, dp, flags=0x02, data=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, 1000, 0, 0x50, flags, 65535, 0,
                       0) + data


def udp(sp, dp, data=b""):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


C, S, R = "2001:db8::2", "64:ff9b::c613:21", "2001:db8:ffff::1"
P4, S4 = "198.18.0.1", "198.19.0.33"


def v6(src, dst, nh, l4, at, **kw):
    return ip6(src, dst, nh, l4ck6(src, dst, nh, l4, at), **kw)


def v4(src, dst, proto, l4, at, **kw):
    return ip4(src, dst, proto, l4ck4(src, dst, proto, l4, at), **kw)


tcp6 = v6(C, S, 6, tcp(40000, 80), 16)
udp6 = v6(C, S, 17, udp(40000, 53, b"dns?"), 6)
echo6 = v6(C, S, 58, struct.pack("!BBHHH", 128, 0, 0, 0x1d2e, 1) + b"ping", 2)
quote6 = v6(S, C, 17, udp(53, 40000, b"ans!"), 6, hlim=1)
unreach6 = v6(R, C, 58, struct.pack("!BBHI", 3, 0, 0, 0) + quote6, 2)
fquote = ip6(S, C, 44, struct.pack("!BBHI", 17, 0, 1, 0x99) +
             udp(53, 40000, b"x" * 16))
ptb6 = v6(R, C, 58, struct.pack("!BBHI", 2, 0, 0, 1280) + fquote, 2)
ns = v6("::", "ff02::1:ff00:2", 58,
        struct.pack("!BBHI", 135, 0, 0, 0) + a6(C), 2, hlim=255)
hbh = struct.pack("!BBBB4x", 60, 0, 1, 4)
dst = struct.pack("!BB6x", 17, 0)
ext6 = ip6(C, S, 0, hbh + dst + l4ck6(C, S, 17, udp(40000, 53, b"ext"), 6))
rt = struct.pack("!BBBB4x", 17, 2, 4, 0) + a6(S)
routing6 = ip6(C, S, 43, rt + l4ck6(C, S, 17, udp(40000, 53, b"rt"), 6))
body = udp(40000, 53, bytes(range(40)))
body = l4ck6(C, S, 17, body, 6)
frag1 = ip6(C, S, 44, struct.pack("!BBHI", 17, 0, 1, 0xa1b2c3d4) + body[:24])
frag2 = ip6(C, S, 44, struct.pack("!BBHI", 17, 0, 24, 0xa1b2c3d4) + body[24:])
atomic = ip6(C, S, 44, struct.pack("!BBHI", 17, 0, 0, 7) + body)

tcp4 = v4(S4, P4, 6, tcp(80, 61000, 0x12), 16, ttl=57)
udp0 = ip4(S4, P4, 17, udp(53, 61000, b"dns!"))
echo4 = v4(S4, P4, 1, struct.pack("!BBHHH", 0, 0, 0, 61000, 1) + b"ping", 2)
q4 = v4(P4, S4, 6, tcp(61000, 80, 0x18, b"GET /"), 16)
fneed = v4(S4, P4, 1, struct.pack("!BBHHH", 3, 4, 0, 0, 1400) + q4[:28], 2)
pprob = v4(S4, P4, 1, struct.pack("!BBHBxxx", 12, 0, 0, 9) + q4[:28], 2)
dgram4 = l4ck4(S4, P4, 17, udp(53, 61000, bytes(range(40))), 6)
frag4 = ip4(S4, P4, 17, dgram4[:24], frag=0x2000)
opts4 = ip4(S4, P4, 6, l4ck4(S4, P4, 6, tcp(80, 61000, 0x10), 16),
            opts=b"\x01\x01\x01\x00")

SEEDS = {
    "pkt6_parse": {
        "tcp_syn": tcp6, "udp": udp6, "icmp6_echo": echo6,
        "icmp6_timxceed_udp": unreach6, "icmp6_ptb_frag_quote": ptb6,
        "nd_ns_dad": ns, "ext_hbh_dstopts_udp": ext6,
        "routing_type4": routing6, "frag_first": frag1, "frag_last": frag2,
        "frag_atomic": atomic, "text_addr": b"2001:db8::2",
        "text_mapped": b"::ffff:198.19.0.1", "text_prefix": b"64:ff9b::/96",
    },
    "xlat": {
        "6to4_tcp_syn": b"\0" + tcp6, "6to4_udp": b"\0" + udp6,
        "6to4_echo": b"\0" + echo6, "6to4_timxceed_udp": b"\0" + unreach6,
        "6to4_ptb_frag_quote": b"\0" + ptb6, "6to4_ext": b"\0" + ext6,
        "6to4_frag_first": b"\0" + frag1, "6to4_frag_last": b"\0" + frag2,
        "4to6_tcp_synack": b"\1" + tcp4, "4to6_udp_zero_cksum": b"\1" + udp0,
        "4to6_echo_reply": b"\1" + echo4, "4to6_frag_needed": b"\1" + fneed,
        "4to6_paramprob": b"\1" + pprob, "4to6_frag_first": b"\1" + frag4,
        "4to6_options": b"\1" + opts4, "4to6_small_cap": b"\7" + tcp4,
    },
}

for target, seeds in SEEDS.items():
    d = os.path.join("fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

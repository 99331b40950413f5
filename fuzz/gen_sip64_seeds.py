#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the SIP over NAT64 seed scripts of fuzz/ctx_packets.c (format:
the comment at the top of ctx_packets.c; helpers from gen_ctx_seeds.py)
into fuzz/corpus/ctx_packets: an IPv6-only caller's INVITE with c=IN IP6
to [64:ff9b::c613:2]:5060, the IPv4 200 OK, RTP both ways, BYE; and
hostile INVITEs (media at another host, a lying Content-Length). Run from
the source root:
    python3 fuzz/gen_sip64_seeds.py
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_ctx_seeds as g  # noqa: E402

CLI = g.ip6_addr("2001:db8:1::2")
SRV = g.ip6_addr("64:ff9b::c613:2")


def ip6_udp(src, dst, sport, dport, payload):
    u = g.ip6_udp_part(src, dst, sport, dport, payload)
    return struct.pack(">IHBB", 0x60000000, len(u), 17, 64) + src + dst + u


def msg(head, body=""):
    return (head + "Content-Length: %d\r\n\r\n" % len(body) + body).encode()


def invite(media="2001:db8:1::2", clen=None):
    body = ("v=0\r\no=alice 1 1 IN IP6 2001:db8:1::2\r\ns=-\r\n"
            "c=IN IP6 %s\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\n" % media)
    m = msg("INVITE sip:bob@[64:ff9b::c613:2] SIP/2.0\r\n"
            "Via: SIP/2.0/UDP [2001:db8:1::2]:5060;branch=z9hG4bK7;rport\r\n"
            "From: <sip:alice@[2001:db8:1::2]>;tag=1\r\n"
            "To: <sip:bob@[64:ff9b::c613:2]>\r\n"
            "Call-ID: c1@2001:db8:1::2\r\nCSeq: 1 INVITE\r\n"
            "Contact: <sip:alice@[2001:db8:1::2]:5060>\r\n"
            "Content-Type: application/sdp\r\n", body)
    if clen is not None:
        m = m.replace(b"Content-Length: %d" % len(body),
                      b"Content-Length: %d" % clen)
    return m


OK = msg("SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/UDP 198.19.0.1:20000;branch=z9hG4bK7;rport=20000;"
         "received=198.19.0.1\r\n"
         "From: <sip:alice@198.19.0.1:20000>;tag=1\r\n"
         "To: <sip:bob@198.19.0.2>;tag=2\r\n"
         "Call-ID: c1@198.19.0.1\r\nCSeq: 1 INVITE\r\n"
         "Contact: <sip:bob@198.19.0.2>\r\nContent-Type: application/sdp\r\n",
         "v=0\r\no=bob 2 2 IN IP4 198.19.0.2\r\ns=-\r\n"
         "c=IN IP4 198.19.0.2\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n")
BYE = msg("BYE sip:bob@[64:ff9b::c613:2] SIP/2.0\r\n"
          "Via: SIP/2.0/UDP [2001:db8:1::2]:5060;branch=z9hG4bK8\r\n"
          "Call-ID: c1@2001:db8:1::2\r\nCSeq: 2 BYE\r\n")

SEEDS = {}
SEEDS["nat64_sip_call"] = bytes([0]) + (
    g.raw(ip6_udp(CLI, SRV, 5060, 5060, invite()), 0, "in") +
    g.udp(g.OUT2, g.PUB, g.P5060, g.L(0), OK) +
    g.udp(g.OUT2, g.PUB, g.P5004, g.L(1), b"rtp-from-server", "1ms") +
    g.udp(g.OUT2, g.PUB, g.P5004, g.L(2), b"rtp-from-server", "1ms") +
    g.raw(ip6_udp(CLI, SRV, 49170, 5004, b"rtp-from-client"), 0, "in") +
    g.raw(ip6_udp(CLI, SRV, 5060, 5060, BYE), "1s", "in") +
    g.udp(g.OUT2, g.PUB, g.P5004, g.L(1), b"late rtp", "11s"))
SEEDS["nat64_sip_hostile"] = bytes([0]) + (
    g.raw(ip6_udp(CLI, SRV, 5060, 5060, invite("2001:db8:1::99")), 0, "in") +
    g.raw(ip6_udp(CLI, SRV, 5060, 5060, invite(clen=400)), 0, "in") +
    g.raw(ip6_udp(CLI, SRV, 5060, 5060, invite(clen=3)), 0, "in") +
    g.raw(ip6_udp(CLI, SRV, 5060, 5060, invite()[:200]), 0, "in"))


def main():
    for name, data in SEEDS.items():
        with open(os.path.join(g.OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), g.OUT))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes nat64.pcap: an IPv6-only client talking to IPv4 servers through
their RFC 6052 addresses in the well-known prefix 64:ff9b::/96, seen on
the IPv6 side of a NAT64 (what `tcpdump -i` on the client's link shows).
pinhole-replay --nat64 64:ff9b::/96 feeds the client's packets as they are
and turns the servers' packets into the IPv4 packets the servers would
have sent to the pool address (docs/replay.md).

Client 2001:db8:1::2; servers 198.19.0.2 and 198.19.0.3:

  TCP [2001:db8:1::2]:41000 -> [64:ff9b::c613:2]:80: an HTTP GET and its
      answer, closed by FIN both ways
  FTP [2001:db8:1::2]:41002 -> [64:ff9b::c613:2]:21: greeting, USER,
      PASS, EPSV (RFC 2428: a port only, so it crosses the NAT64
      untouched), RETR over the data connection to port 50100, QUIT
  UDP [2001:db8:1::2]:41001 -> [64:ff9b::c613:3]:7 and its answer
  ICMPv6 echo 2001:db8:1::2 -> 64:ff9b::c613:3 (id 9, seq 1) and its reply
  UDP [2001:db8:1::2]:41004 -> [64:ff9b::c613:3]:33434 with hop limit 1,
      and the time exceeded error of the IPv4 router 198.19.0.254 as the
      client sees it (traceroute through NAT64: RFC 7915 sec. 4.2)

usage: examples/captures/gen-nat64.py [OUT.pcap]
"""
import sys

from scapy.all import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6TimeExceeded,
                       IPv6, TCP, UDP, Ether, Raw, wrpcap)

MAC_IN = "02:00:00:00:00:02"
MAC_GW = "02:00:00:00:00:01"
CLI = "2001:db8:1::2"
SRV1, SRV2 = "64:ff9b::c613:2", "64:ff9b::c613:3"


def up(dst, l4):
    return Ether(src=MAC_IN, dst=MAC_GW) / IPv6(src=CLI, dst=dst,
                                                 hlim=64) / l4


def down(src, l4):
    return Ether(src=MAC_GW, dst=MAC_IN) / IPv6(src=src, dst=CLI,
                                                 hlim=63) / l4


class Tcp:
    """One TCP connection between the client and srv, both sides'
    sequence numbers kept."""

    def __init__(self, srv, cport, sport, cseq, sseq):
        self.srv, self.ports = srv, (cport, sport)
        self.seq = {"c": cseq, "s": sseq}

    def seg(self, frm, flags, data=b""):
        to = "s" if frm == "c" else "c"
        sp, dp = self.ports if frm == "c" else self.ports[::-1]
        l4 = TCP(sport=sp, dport=dp, flags=flags, seq=self.seq[frm],
                 ack=self.seq[to] if "A" in flags else 0, window=64800)
        self.seq[frm] += len(data) + ("S" in flags) + ("F" in flags)
        l4 = l4 / Raw(data) if data else l4
        return up(self.srv, l4) if frm == "c" else down(self.srv, l4)

    def open(self):
        return [self.seg("c", "S"), self.seg("s", "SA"), self.seg("c", "A")]

    def close(self, first="c"):
        other = "s" if first == "c" else "c"
        return [self.seg(first, "FA"), self.seg(other, "FA"),
                self.seg(first, "A")]


def http():
    t = Tcp(SRV1, 41000, 80, 1000, 700000)
    req = b"GET / HTTP/1.1\r\nHost: [64:ff9b::c613:2]\r\n\r\n"
    ans = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
    return t.open() + [t.seg("c", "PA", req), t.seg("s", "PA", ans),
                       t.seg("c", "A")] + t.close()


def ftp():
    c = Tcp(SRV1, 41002, 21, 5000, 900000)
    d = Tcp(SRV1, 41003, 50100, 8000, 950000)
    out = c.open()
    for frm, line in [("s", b"220 ready\r\n"), ("c", b"USER ftp\r\n"),
                      ("s", b"331 password\r\n"), ("c", b"PASS x\r\n"),
                      ("s", b"230 in\r\n"), ("c", b"EPSV\r\n"),
                      ("s", b"229 Entering Extended Passive Mode "
                            b"(|||50100|)\r\n"),
                      ("c", b"RETR f\r\n")]:
        out.append(c.seg(frm, "PA", line))
    out += d.open()
    out.append(c.seg("s", "PA", b"150 sending\r\n"))
    out += [d.seg("s", "PA", b"nat64 file\n"), d.seg("c", "A")]
    out += d.close("s")
    out += [c.seg("s", "PA", b"226 done\r\n"), c.seg("c", "PA", b"QUIT\r\n"),
            c.seg("s", "PA", b"221 bye\r\n")]
    return out + c.close()


def others():
    return [
        up(SRV2, UDP(sport=41001, dport=7) / Raw(b"udp through nat64")),
        down(SRV2, UDP(sport=7, dport=41001) / Raw(b"udp through nat64")),
        up(SRV2, ICMPv6EchoRequest(id=9, seq=1, data=b"echo64")),
        down(SRV2, ICMPv6EchoReply(id=9, seq=1, data=b"echo64")),
    ]


def traceroute():
    probe = IPv6(src=CLI, dst=SRV2, hlim=1) / UDP(sport=41004, dport=33434) \
        / Raw(b"probe 1")
    router = "64:ff9b::c613:fe"
    return [Ether(src=MAC_IN, dst=MAC_GW) / probe,
            down(router, ICMPv6TimeExceeded(code=0) / bytes(probe))]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "nat64.pcap"
    t = 1700000000.0
    frames = []
    for p in http() + ftp() + others() + traceroute():
        t += 0.0025
        p.time = t
        frames.append(p)
    wrpcap(path, frames, linktype=1)


if __name__ == "__main__":
    main()

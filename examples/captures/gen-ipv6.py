#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes ipv6-tcp-udp.pcap: IPv6 conversations seen from the inside, for
pinhole-replay's stateful IPv6 firewall (no translation), crafted with
scapy so that the addresses are the documentation prefix 2001:db8::/32.

Inside 2001:db8:1::/48, outside 2001:db8:2::/48:

  TCP 2001:db8:1::2:41000 -> 2001:db8:2::5:80: SYN, SYN-ACK, ACK, a
      request, the answer, its ACK, FIN, FIN, ACK
  UDP 2001:db8:1::3:41001 -> 2001:db8:2::6:7 (echo): a datagram and its
      answer
  ICMPv6 echo 2001:db8:1::2 -> 2001:db8:2::5 (id 7, seq 1) and its reply
  TCP SYN 2001:db8:2::9:50000 -> 2001:db8:1::2:22 from the outside,
      answering nothing: the firewall drops it
  UDP 2001:db8:1::3:41002 -> 2001:db8:2::6:7: a 1200-byte datagram in
      three fragments (RFC 8200 sec. 4.5, 512 + 512 + 184 bytes of UDP
      header and data, id 0x6a5b4c3d), and its answer in one packet

usage: examples/captures/gen-ipv6.py [OUT.pcap]
"""
import sys

from scapy.all import (ICMPv6EchoReply, ICMPv6EchoRequest, IPv6,
                       IPv6ExtHdrFragment, TCP, UDP, Ether, Raw, wrpcap)

MAC_IN = "02:00:00:00:00:02"
MAC_GW = "02:00:00:00:00:01"
CLI, SRV = "2001:db8:1::2", "2001:db8:2::5"


def up(src, dst, l4):
    return Ether(src=MAC_IN, dst=MAC_GW) / IPv6(src=src, dst=dst,
                                                 hlim=64) / l4


def down(src, dst, l4):
    return Ether(src=MAC_GW, dst=MAC_IN) / IPv6(src=src, dst=dst,
                                                 hlim=63) / l4


def tcp_session():
    seq = {"c": 1000, "s": 700000}  # next sequence numbers

    def seg(frm, flags, data=b""):
        """A segment from the client ("c") or the server ("s")."""
        to = "s" if frm == "c" else "c"
        ports = (41000, 80) if frm == "c" else (80, 41000)
        l4 = TCP(sport=ports[0], dport=ports[1], flags=flags, seq=seq[frm],
                 ack=seq[to] if "A" in flags else 0, window=64800)
        seq[frm] += len(data) + ("S" in flags) + ("F" in flags)
        l4 = l4 / Raw(data) if data else l4
        return up(CLI, SRV, l4) if frm == "c" else down(SRV, CLI, l4)

    req = b"GET / HTTP/1.1\r\nHost: [2001:db8:2::5]\r\n\r\n"
    ans = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
    return [seg("c", "S"), seg("s", "SA"), seg("c", "A"),
            seg("c", "PA", req), seg("s", "PA", ans), seg("c", "A"),
            seg("c", "FA"), seg("s", "FA"), seg("c", "A")]


def others():
    cli2, srv2 = "2001:db8:1::3", "2001:db8:2::6"
    return [
        up(cli2, srv2, UDP(sport=41001, dport=7) / Raw(b"ping over udp6")),
        down(srv2, cli2, UDP(sport=7, dport=41001) / Raw(b"ping over udp6")),
        up(CLI, SRV, ICMPv6EchoRequest(id=7, seq=1, data=b"echo6")),
        down(SRV, CLI, ICMPv6EchoReply(id=7, seq=1, data=b"echo6")),
        down("2001:db8:2::9", CLI, TCP(sport=50000, dport=22, flags="S",
                                       seq=123456, window=64800)),
    ]


def fragmented():
    cli2, srv2 = "2001:db8:1::3", "2001:db8:2::6"
    data = bytes(b"0123456789abcdef"[i % 16] for i in range(1200))
    # the UDP header and data with the checksum over the whole datagram
    part = bytes(IPv6(src=cli2, dst=srv2) /
                 UDP(sport=41002, dport=7) / Raw(data))[40:]
    frames = []
    for off in (0, 512, 1024):
        piece = part[off:off + 512]
        more = int(off + len(piece) < len(part))
        frames.append(up(cli2, srv2, IPv6ExtHdrFragment(
            nh=17, offset=off // 8, m=more, id=0x6a5b4c3d) / Raw(piece)))
    frames.append(down(srv2, cli2, UDP(sport=7, dport=41002) /
                       Raw(b"got 1200 bytes")))
    return frames


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "ipv6-tcp-udp.pcap"
    t = 1700000000.0
    frames = []
    for p in tcp_session() + others() + fragmented():
        t += 0.0025
        p.time = t
        frames.append(p)
    wrpcap(path, frames, linktype=1)


if __name__ == "__main__":
    main()

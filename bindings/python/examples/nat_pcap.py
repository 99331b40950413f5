#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""NAT a capture with pinhole and scapy (the tutorial of docs/python.md).

    python3 nat_pcap.py IN.pcap OUT.pcap [PUBLIC-ADDRESS]

IN.pcap was taken without NAT between 198.18.0.0/24 (inside) and the
world. Every inside packet goes through a pinhole context; what it sends to
the outside is written to OUT.pcap. Packets from the outside are addressed
to the inside host in the capture: they are sent to the public address
and port the context chose instead (learned from its own output), so
they go through the reverse translation, and must come back unchanged.
Prints one line per packet and a summary; exit 1 when a reply did not
come back as it was captured.
"""
import ipaddress
import sys

from scapy.all import IP, TCP, UDP, rdpcap, wrpcap  # type: ignore

import pinhole

INSIDE = ipaddress.ip_network("198.18.0.0/24")


def main() -> int:
    src, dst = sys.argv[1], sys.argv[2]
    public = sys.argv[3] if len(sys.argv) > 3 else "198.19.0.1"
    ctx = pinhole.Context()
    pool = ctx.pool_add(public)
    ctx.rule_add(name="inside-out", side=pinhole.SIDE_INSIDE,
                 src=str(INSIDE), nat=pinhole.NAT_SOURCE, pool=pool)

    mapped = {}  # (inside addr, port) -> (public addr, port)
    outside_view, bad, t0 = [], 0, None
    for frame in rdpcap(src):
        ip = frame.getlayer(IP)
        if ip is None:
            continue
        t0 = frame.time if t0 is None else t0
        now_ns = int((frame.time - t0) * 1e9)
        l4 = ip.getlayer(TCP) or ip.getlayer(UDP)
        if ipaddress.ip_address(ip.src) in INSIDE:
            verdict, out = ctx.process(bytes(ip), pinhole.SIDE_INSIDE, now_ns)
            if verdict == pinhole.VERDICT_FORWARD:
                nat = IP(out)
                outside_view.append(nat)
                if l4 is not None:
                    l4n = nat.getlayer(TCP) or nat.getlayer(UDP)
                    mapped[(ip.src, l4.sport)] = (nat.src, l4n.sport)
                print("out  %s -> %s" % (ip.summary(), nat.summary()))
            else:
                print("out  %s dropped (verdict %d)" % (ip.summary(), verdict))
            continue
        # From the outside: aim it at the public side of the mapping.
        key = (ip.dst, l4.dport if l4 is not None else None)
        if key not in mapped:
            print("in   %s: no mapping, skipped" % ip.summary())
            continue
        seen = ip.copy()
        seen.dst, port = mapped[key]
        l4s = seen.getlayer(TCP) or seen.getlayer(UDP)
        l4s.dport = port
        del seen.chksum, l4s.chksum  # scapy recomputes them
        verdict, back = ctx.process(bytes(seen), pinhole.SIDE_OUTSIDE, now_ns)
        ok = verdict == pinhole.VERDICT_FORWARD and back == bytes(ip)
        bad += not ok
        print("in   %s -> %s %s" % (seen.summary(), IP(back).summary(),
                                    "ok" if ok else "MISMATCH"))
    wrpcap(dst, outside_view)
    stats = ctx.stats()
    print("wrote %d packets to %s; new flows %d, replies not restored %d"
          % (len(outside_view), dst, stats["NEW_ACCEPT"], bad))
    print(ctx.conversations(), end="")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes pptp-two-clients.pcap: two PPTP client sessions (RFC 2637) at
once, crafted with scapy because the kernel this was made on has no PPP
(no /dev/ppp, no ppp_generic or pptp module), so pptpd and pptp-linux
cannot run here.

Seen from the inside (no NAT, like record.sh's captures): clients
198.18.0.2:41000 and 198.18.0.3:41001 both open a control connection to
the PAC 198.19.0.10:1723 and both pick Call ID 0x1000 for their call:

  SYN, SYN-ACK, ACK
  Start-Control-Connection-Request / -Reply
  Outgoing-Call-Request (Call ID 0x1000)
  Outgoing-Call-Reply (Call ID 0x0080 or 0x0081, Peer's Call ID 0x1000)
  enhanced GRE both ways: to the PAC with key 0x0080/0x0081, back with key
  0x1000 (data with sequence numbers, acknowledgment-only packets)
  Set-Link-Info, Call-Clear-Request, Call-Disconnect-Notify
  FIN, FIN, ACK

The two sessions are interleaved, so both calls' GRE flows are live at
the same time: through NAT to one public address, the server's GRE for
the two calls must come back to the right client, which only the
translated call IDs tell apart.

usage: examples/captures/gen-pptp.py [OUT.pcap]
"""
import struct
import sys

from scapy.all import ICMP, IP, TCP, Ether, Raw, wrpcap  # noqa: E402

SRV = "198.19.0.10"  # outside every test pool (.multi: .1-.4)
CLIENTS = [("198.18.0.2", 41000, 0x0080), ("198.18.0.3", 41001, 0x0081)]
CALL_ID = 0x1000
MAC_IN = {"198.18.0.2": "02:00:00:00:00:02", "198.18.0.3": "02:00:00:00:00:03"}
MAC_GW = "02:00:00:00:00:01"
MAGIC = 0x1A2B3C4D
LENGTHS = {1: 156, 2: 156, 7: 168, 8: 32, 12: 16, 13: 148, 15: 24}


def ctrl(mtype, body):
    """A control message of type mtype: header, then body padded with
    zeros to the type's length."""
    n = LENGTHS[mtype]
    hdr = struct.pack(">HHIHH", n, 1, MAGIC, mtype, 0)
    return hdr + body + bytes(n - 12 - len(body))


def sccrq():
    host = b"pns".ljust(64, b"\0")
    vendor = b"pinhole".ljust(64, b"\0")
    return ctrl(1, struct.pack(">HHIIHH", 0x0100, 0, 1, 1, 1, 0) + host +
                vendor)


def sccrp():
    host = b"pac".ljust(64, b"\0")
    vendor = b"pinhole".ljust(64, b"\0")
    return ctrl(2, struct.pack(">HBBIIHH", 0x0100, 1, 0, 1, 1, 1, 0) + host +
                vendor)


def ocrq(cid):
    # Call ID, Call Serial Number, min/max BPS, bearer, framing, window,
    # processing delay, phone number length, reserved, phone number
    return ctrl(7, struct.pack(">HHIIIIHHHH", cid, 1, 300, 100000000, 3, 3,
                               64, 0, 0, 0))


def ocrp(scid, cid):
    return ctrl(8, struct.pack(">HHBBHIHHI", scid, cid, 1, 0, 0, 100000000,
                               64, 0, 0))


def sli(scid):
    return ctrl(15, struct.pack(">HHII", scid, 0, 0xffffffff, 0xffffffff))


def ccrq(cid):
    return ctrl(12, struct.pack(">HH", cid, 0))


def cdn(scid):
    return ctrl(13, struct.pack(">HBBHH", scid, 3, 0, 0, 0))


def gre(cid, seq=None, ack=None, payload=b""):
    """Enhanced GRE: K always, S with a sequence number, A with an ack."""
    flags = 0x2000 | (0x1000 if seq is not None else 0) | \
        (0x0080 if ack is not None else 0) | 1
    b = struct.pack(">HHHH", flags, 0x880B, len(payload), cid)
    if seq is not None:
        b += struct.pack(">I", seq)
    if ack is not None:
        b += struct.pack(">I", ack)
    return b + payload


class Session:
    def __init__(self, cli, sport, scid):
        self.cli, self.sport, self.scid = cli, sport, scid
        self.cseq, self.sseq = 1000 + sport, 500000 + sport
        self.gc, self.gs = 0, 0  # GRE sequence numbers sent

    def up(self, flags, data=b""):
        p = (Ether(src=MAC_IN[self.cli], dst=MAC_GW) /
             IP(src=self.cli, dst=SRV, id=self.cseq & 0xffff) /
             TCP(sport=self.sport, dport=1723, flags=flags, seq=self.cseq,
                 ack=self.sseq if "A" in flags else 0, window=64240))
        if data:
            p = p / Raw(data)
        self.cseq += len(data) + ("S" in flags) + ("F" in flags)
        return p

    def down(self, flags, data=b""):
        p = (Ether(src=MAC_GW, dst=MAC_IN[self.cli]) /
             IP(src=SRV, dst=self.cli, id=self.sseq & 0xffff, ttl=63) /
             TCP(sport=1723, dport=self.sport, flags=flags, seq=self.sseq,
                 ack=self.cseq, window=64240))
        if data:
            p = p / Raw(data)
        self.sseq += len(data) + ("S" in flags) + ("F" in flags)
        return p

    def gre_up(self, payload=b"", ack=None):
        seq = None
        if payload:
            self.gc += 1
            seq = self.gc
        return (Ether(src=MAC_IN[self.cli], dst=MAC_GW) /
                IP(src=self.cli, dst=SRV, proto=47) /
                Raw(gre(self.scid, seq, ack, payload)))

    def gre_down(self, payload=b"", ack=None):
        seq = None
        if payload:
            self.gs += 1
            seq = self.gs
        return (Ether(src=MAC_GW, dst=MAC_IN[self.cli]) /
                IP(src=SRV, dst=self.cli, proto=47, ttl=63) /
                Raw(gre(CALL_ID, seq, ack, payload)))


# PPP frames (RFC 1662 framing): LCP Configure-Request/Ack, IPCP, data
LCP_REQ = bytes.fromhex("ff03c021010100080506a1b2c3d4")
LCP_ACK = bytes.fromhex("ff03c021020100080506a1b2c3d4")
IPCP_REQ = bytes.fromhex("ff0380210101000a0306c6120002")
PPP_IP = bytes.fromhex("ff030021") + bytes(
    IP(src="198.18.0.100", dst="198.19.0.100", id=1) / ICMP(id=7, seq=1) /
    Raw(b"hello through pptp"))


def steps(s):
    """One client's session, as a list of packets in order."""
    out = [s.up("S"), s.down("SA"), s.up("A")]
    out += [s.up("PA", sccrq()), s.down("PA", sccrp())]
    out += [s.up("PA", ocrq(CALL_ID)), s.down("PA", ocrp(s.scid, CALL_ID))]
    out += [s.up("A")]
    out += [s.gre_up(LCP_REQ), s.gre_down(LCP_REQ, ack=1),
            s.gre_up(LCP_ACK, ack=1), s.gre_down(LCP_ACK, ack=2),
            s.gre_up(ack=2), s.up("PA", sli(s.scid)), s.down("A"),
            s.gre_up(IPCP_REQ), s.gre_down(PPP_IP, ack=3),
            s.gre_up(PPP_IP, ack=3), s.gre_down(ack=4)]
    out += [s.up("PA", ccrq(CALL_ID)), s.down("PA", cdn(s.scid))]
    out += [s.up("FA"), s.down("FA"), s.up("A")]
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "pptp-two-clients.pcap"
    a, b = (steps(Session(*c)) for c in CLIENTS)
    frames, t = [], 1700000000.0
    # interleaved: B starts two packets after A, then they alternate
    order = a[:2]
    rest_a = a[2:]
    for i in range(max(len(rest_a), len(b))):
        if i < len(b):
            order.append(b[i])
        if i < len(rest_a):
            order.append(rest_a[i])
    for p in order:
        t += 0.0025
        p.time = t
        frames.append(p)
    wrpcap(path, frames, linktype=1)


if __name__ == "__main__":
    main()

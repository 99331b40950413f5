#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Crafts the sessions of protocols that have no server in Debian (SQLNet,
NetShow/MMS, RealAudio/PNA) as captures, with scapy: the TCP handshake,
the control messages, the data flow the ALG announces, the teardown.

They are built from the protocol descriptions the parsers follow
(docs/sqlnet.md, docs/mms.md, docs/realaudio.md), between the same hosts
as the recorded captures (inside 198.18.0.2, outside 198.19.0.2, no NAT:
the inside host's view), Ethernet, checksums computed, fixed timestamps,
so each run writes the same bytes.

  sqlnet.pcap  an Oracle Net client's TNS CONNECT to the listener on
      1521, the listener's REDIRECT to a dispatcher port (40321) on the
      same host, the listener connection closed; the client's connection
      to 40321: CONNECT, ACCEPT, two DATA exchanges, closed.
  mms.pcap  an MMS client on 1755: LinkViewerToMacConnect, the server's
      ReportConnectedEX, LinkViewerToMacConnectFunnel naming UDP
      198.18.0.2:7000, the server's ReportConnectedFunnel, a
      start-playing request; the server's Data packets over UDP from 1755
      to 7000 (before the client sent any from 7000); CloseFile; closed.
  pna.pcap  a RealAudio client on 7070: the PNA hello naming UDP port
      6970 (tag 1) and robust UDP port 6971 (tag 7), the server's answer;
      audio datagrams from the server to 6970 and an error-correction one
      to 6971 (before the client sent any); closed.

Checked with tshark (examples/captures/README.md): no malformed packet,
no expert warning or error; TNS and MSMMS are dissected.

usage: examples/captures/craft.py [DIR]    (default: this directory)
"""
import os
import struct
import sys

from scapy.all import IP, TCP, UDP, Ether, wrpcap

CLI, SRV = "198.18.0.2", "198.19.0.2"
CMAC, SMAC = "02:00:00:00:00:02", "02:00:00:00:00:01"
T0 = 1764806400.0  # 2025-12-04 00:00:00 UTC


class Cap:
    """Frames of one capture, with a clock."""

    def __init__(self):
        self.frames, self.t, self.ipid = [], T0, 0x3000

    def add(self, pkt, dt):
        self.t += dt
        self.ipid += 1
        ip = pkt[IP]
        ip.id = self.ipid
        mac = (CMAC, SMAC) if ip.src == CLI else (SMAC, CMAC)
        f = Ether(src=mac[0], dst=mac[1]) / pkt
        f = Ether(bytes(f))  # checksums and lengths computed
        f.time = round(self.t, 6)
        self.frames.append(f)


class Tcp:
    """One TCP connection: handshake, data both ways, teardown."""

    def __init__(self, cap, cport, sport, cseq, sseq):
        self.cap, self.cport, self.sport = cap, cport, sport
        self.c, self.s = cseq, sseq

    def _seg(self, from_client, flags, data=b"", opts=None, dt=0.0005):
        if from_client:
            ip = IP(src=CLI, dst=SRV, ttl=64)
            tcp = TCP(sport=self.cport, dport=self.sport, seq=self.c,
                      ack=self.s if "A" in flags else 0, flags=flags,
                      window=64240)
        else:
            ip = IP(src=SRV, dst=CLI, ttl=64)
            tcp = TCP(sport=self.sport, dport=self.cport, seq=self.s,
                      ack=self.c, flags=flags, window=65160)
        if opts:
            tcp.options = opts
        self.cap.add(ip / tcp / data if data else ip / tcp, dt)
        n = len(data) + (1 if ("S" in flags or "F" in flags) else 0)
        if from_client:
            self.c += n
        else:
            self.s += n

    def open(self, dt=0.01):
        self._seg(True, "S", opts=[("MSS", 1460)], dt=dt)
        self._seg(False, "SA", opts=[("MSS", 1460)])
        self._seg(True, "A")

    def send(self, from_client, data, dt=0.002):
        self._seg(from_client, "PA", data, dt=dt)
        self._seg(not from_client, "A")

    def close(self, dt=0.01):
        self._seg(True, "FA", dt=dt)
        self._seg(False, "FA")
        self._seg(True, "A")


def udp(cap, src, sport, dst, dport, data, dt):
    cap.add(IP(src=src, dst=dst, ttl=64) / UDP(sport=sport, dport=dport) /
            data, dt)


# ---- SQLNet (TNS) -------------------------------------------------------

def tns(ptype, body):
    """A TNS packet: 16-bit length, checksum 0, type, flags, header
    checksum 0."""
    return struct.pack(">HHBBH", 8 + len(body), 0, ptype, 0, 0) + body


def tns_connect(cd):
    """CONNECT as an 11g client sends it: version 314, compatible 300,
    SDU 8192, TDU 32767, connect data at offset 58."""
    body = struct.pack(">HHHHHHHHHH", 314, 300, 0x0c41, 8192, 32767,
                       0x7f08, 0, 1, len(cd), 58)
    body += struct.pack(">IBB", 2048, 0x41, 0x41) + bytes(24)
    assert len(body) == 50
    return tns(1, body + cd)


def tns_accept(data=b""):
    body = struct.pack(">HHHHHHHBB", 314, 0x0c41, 8192, 32767, 1,
                       len(data), 24 if data else 0, 0x41, 0x41)
    return tns(2, body + data)


def tns_data(payload):
    return tns(6, struct.pack(">H", 0) + payload)


def sqlnet(cap):
    cd = (b"(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=orcl)"
          b"(CID=(PROGRAM=sqlplus)(HOST=client1)(USER=alice)))"
          b"(ADDRESS=(PROTOCOL=TCP)(HOST=198.19.0.2)(PORT=1521)))")
    rd = b"(ADDRESS=(PROTOCOL=tcp)(HOST=198.19.0.2)(PORT=40321))\x00"
    ln = Tcp(cap, 41500, 1521, 0x51000000, 0x7a000000)
    ln.open(dt=0.0)
    ln.send(True, tns_connect(cd))
    ln.send(False, tns(5, struct.pack(">H", len(rd)) + rd))
    ln.close()
    dp = Tcp(cap, 41502, 40321, 0x52000000, 0x7b000000)
    dp.open()
    cd2 = cd.replace(b"PORT=1521", b"PORT=40321")
    dp.send(True, tns_connect(cd2))
    dp.send(False, tns_accept())
    for q in (b"\x03\x5e\x01select 1 from dual", b"\x03\x05\x02fetch"):
        dp.send(True, tns_data(q), dt=0.02)
        dp.send(False, tns_data(b"\x08\x01\x06" + q[3:][::-1]))
    dp.close()


# ---- NetShow (MMS) ------------------------------------------------------

def u16le(s):
    return s.encode("utf-16-le")


def mms_packet(mid, fields, seq, t):
    """A TcpMessageHeader packet with one message: chunkLen, MID, fields,
    padded to 8."""
    msg = struct.pack("<II", 0, mid) + fields
    msg += bytes(-len(msg) % 8)
    msg = struct.pack("<I", len(msg) // 8) + msg[4:]
    total = 32 + len(msg)
    hdr = struct.pack("<BBBBIIIIHHd", 1, 0, 0, 0, 0xB00BFACE, total - 16,
                      0x20534D4D, total // 8, seq, 0, t)
    return hdr + msg


def mms(cap):
    c = Tcp(cap, 41600, 1755, 0x61000000, 0x8a000000)
    c.open(dt=0.0)
    sub = "NSPlayer/9.0.0.2980; {3300AD50-2C39-46c0-AE0A-60AA39CA5E32}; " \
          "Host: 198.19.0.2\0"
    c.send(True, mms_packet(0x00030001, struct.pack(
        "<III", 0xf0f0f0ef, 0x0004000b, 0x0003001c) + u16le(sub), 0, 0.0))
    ver = "4.1.0.3928\0"
    info = struct.pack("<II", 0, 0xf0f0f0ef) + bytes(32) + struct.pack(
        "<IIII", len(ver), 0, 0, 0) + u16le(ver)
    c.send(False, mms_packet(0x00040001, info, 0, 0.01))
    funnel = struct.pack("<IIIII", 0, 0xffffffff, 0, 0x00989680, 2) + \
        u16le("\\\\198.18.0.2\\UDP\\7000\0")
    c.send(True, mms_packet(0x00030002, funnel, 1, 0.02))
    ack = struct.pack("<III", 0, 0x00000000, 0) + \
        u16le("Funnel Of The Gods\0")
    c.send(False, mms_packet(0x00040002, ack, 1, 0.03))
    start = struct.pack("<II", 1, 0xffffffff) + bytes(40)
    c.send(True, mms_packet(0x00030007, start, 2, 0.04))
    for i in range(5):
        asf = bytes([0x82, 0, 0, 1, 0x5d]) + bytes(range(i, i + 43))
        pkt = struct.pack("<IBBH", i, 4, i, 8 + len(asf)) + asf
        udp(cap, SRV, 1755, CLI, 7000, pkt, 0.05)
    c.send(True, mms_packet(0x0003000d, struct.pack("<II", 1, 1), 3, 0.5),
           dt=0.2)
    c.close()


# ---- RealAudio (PNA) ----------------------------------------------------

def pna_field(tag, value):
    return struct.pack(">HH", tag, len(value)) + value


def pna(cap):
    c = Tcp(cap, 41700, 7070, 0x71000000, 0x9a000000)
    c.open(dt=0.0)
    hello = b"PNA" + struct.pack(">H", 10) + \
        pna_field(2, struct.pack(">I", 28800)) + \
        pna_field(1, struct.pack(">H", 6970)) + \
        pna_field(0x17, b"RealPlayer/5.0") + \
        pna_field(7, struct.pack(">H", 6971)) + b"\x00\x00"
    c.send(True, hello)
    c.send(False, b"PNA" + struct.pack(">H", 10) +
           pna_field(7, struct.pack(">H", 7072)) + b"\x00\x00")
    for i in range(4):
        udp(cap, SRV, 7071, CLI, 6970,
            struct.pack(">HH", 0x5a00 + i, 160) + bytes(160), 0.1)
    udp(cap, SRV, 7072, CLI, 6971, struct.pack(">HH", 0x5b00, 20) + bytes(20),
        0.01)
    c.send(True, b"\x00\x05stop", dt=0.3)
    c.close()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, build in (("sqlnet", sqlnet), ("mms", mms), ("pna", pna)):
        cap = Cap()
        build(cap)
        wrpcap(os.path.join(out, name + ".pcap"), cap.frames)
        print("%s.pcap: %d frames" % (name, len(cap.frames)))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks tcp-retrans.py's verdicts on made-up captures of both sides of a
NAT (raw IPv4 pcaps written here): a retransmission that only the
gateway's delay explains passes, one after the gateway dropped the
acknowledgment that covered it, or the original segment, fails, and
captures without TCP timestamps cannot be judged. Needs tshark (77: skip).

    tcp-retrans-check.py [TCP_RETRANS_PY]
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

CLIENT, POOL, SERVER = "198.18.0.2", "198.19.0.1", "198.19.0.2"
CISN, SISN = 1000000, 7000000
SYN, ACK, PSH = 0x02, 0x10, 0x08


def addr(a):
    return bytes(int(x) for x in a.split("."))


def seg(src, dst, sport, dport, seq, ack, flags, tsval, tsecr, payload=b""):
    """An IPv4 TCP segment with a timestamps option (checksums left 0:
    tshark does not check them by default)."""
    opts = b"\x01\x01\x08\x0a" + struct.pack(">II", tsval, tsecr) if tsval else b""
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, (20 + len(opts)) // 4 << 4, flags,
                      65535, 0, 0) + opts
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0,
                     addr(src), addr(dst))
    return ip + tcp + payload


def write_pcap(path, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        for t, p in sorted(pkts, key=lambda x: x[0]):
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(p), len(p)))
            f.write(p)


class Conn:
    """One connection, client 198.18.0.2:5060 -> server 198.19.0.2:5060,
    NATed to 198.19.0.1:5060 on the outside; inside and outside packets
    are collected with their times."""

    def __init__(self, ts=True):
        self.inside, self.outside = [], []
        self.ts = ts
        self.cseq, self.sseq = CISN + 1, SISN + 1
        self.tick = 100

    def _tsv(self):
        self.tick += 1
        return self.tick if self.ts else 0

    def client(self, t, fwd, payload=b"", flags=ACK, seq=None, tsval=None):
        """The client sends at t; the gateway sends it on at fwd (None:
        never)."""
        s = self.cseq if seq is None else seq
        tv = tsval if tsval is not None else self._tsv()
        te = 50 if self.ts else 0
        self.inside.append((t, seg(CLIENT, SERVER, 5060, 5060, s, self.sseq,
                                   flags, tv, te, payload)))
        if fwd is not None:
            self.outside.append((fwd, seg(POOL, SERVER, 5060, 5060, s,
                                          self.sseq, flags, tv, te, payload)))
        if seq is None:
            self.cseq += len(payload)
        return tv

    def server(self, t, fwd, payload=b"", flags=ACK, seq=None):
        s = self.sseq if seq is None else seq
        tv = self._tsv()
        te = 60 if self.ts else 0
        self.outside.append((t, seg(SERVER, POOL, 5060, 5060, s, self.cseq,
                                    flags, tv, te, payload)))
        if fwd is not None:
            self.inside.append((fwd, seg(SERVER, CLIENT, 5060, 5060, s,
                                         self.cseq, flags, tv, te, payload)))
        if seq is None:
            self.sseq += len(payload)

    def handshake(self, t):
        tv = self._tsv()
        te = 0
        syn = seg(CLIENT, SERVER, 5060, 5060, CISN, 0, SYN, tv, te)
        self.inside.append((t, syn))
        self.outside.append((t + 0.0001,
                             seg(POOL, SERVER, 5060, 5060, CISN, 0, SYN, tv, te)))
        tv2 = self._tsv()
        self.outside.append((t + 0.0002, seg(SERVER, POOL, 5060, 5060, SISN,
                                             CISN + 1, SYN | ACK, tv2, tv)))
        self.inside.append((t + 0.0003, seg(SERVER, CLIENT, 5060, 5060, SISN,
                                            CISN + 1, SYN | ACK, tv2, tv)))
        self.client(t + 0.0004, t + 0.0005)


T0 = 1796450000.0
DATA = b"SIP/2.0 200 OK\r\n" * 20


def load_probe():
    """The gateway forwards the server's data 15 ms late; the server probes
    after 6 ms; the client's ACK is sent on at once: load."""
    c = Conn()
    c.handshake(T0)
    c.server(T0 + 0.100, T0 + 0.115, DATA, ACK | PSH)
    c.server(T0 + 0.106, T0 + 0.1151, DATA, ACK | PSH, seq=c.sseq - len(DATA))
    c.client(T0 + 0.11505, T0 + 0.1151)
    return c, 0, "load: server retransmitted"


def ack_dropped():
    """The client acknowledges the server's data at once; the gateway never
    sends that on; the server resends after its 200 ms RTO: the NAT's."""
    c = Conn()
    c.handshake(T0)
    c.server(T0 + 0.100, T0 + 0.1001, DATA, ACK | PSH)
    c.client(T0 + 0.1002, None)
    c.server(T0 + 0.310, T0 + 0.3101, DATA, ACK | PSH, seq=c.sseq - len(DATA))
    c.client(T0 + 0.3102, T0 + 0.3103)
    return c, 1, "NAT: server retransmitted"


def ack_late():
    """The client's ACK is sent on, but 250 ms late, after the server's
    RTO: the gateway's delay, logged."""
    c = Conn()
    c.handshake(T0)
    c.server(T0 + 0.100, T0 + 0.1001, DATA, ACK | PSH)
    c.client(T0 + 0.1002, T0 + 0.3502)
    c.server(T0 + 0.310, T0 + 0.3101, DATA, ACK | PSH, seq=c.sseq - len(DATA))
    return c, 0, "took 250.0 ms through the gateway"


def original_dropped():
    """The gateway never sends the client's segment on; the client resends
    it and that goes through: the NAT's."""
    c = Conn()
    c.handshake(T0)
    seq = c.cseq
    c.client(T0 + 0.100, None, DATA, ACK | PSH)
    c.client(T0 + 0.320, T0 + 0.3201, DATA, ACK | PSH, seq=seq)
    c.server(T0 + 0.3202, T0 + 0.3203)
    return c, 1, "never sent on the original"


def no_timestamps():
    c = Conn(ts=False)
    c.handshake(T0)
    c.server(T0 + 0.100, T0 + 0.1001, DATA, ACK | PSH)
    return c, 2, "without TCP timestamps"


def main():
    judge = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "tcp-retrans.py")
    if shutil.which("tshark") is None:
        print("SKIP: tshark is not installed")
        return 77
    bad = 0
    with tempfile.TemporaryDirectory() as d:
        for case in (load_probe, ack_dropped, ack_late, original_dropped,
                     no_timestamps):
            c, want_rc, want_text = case()
            pin, pout = os.path.join(d, "in.pcap"), os.path.join(d, "out.pcap")
            write_pcap(pin, c.inside)
            write_pcap(pout, c.outside)
            r = subprocess.run([sys.executable, judge, pin, CLIENT, pout, SERVER],
                               capture_output=True, text=True, check=False)
            ok = r.returncode == want_rc and want_text in r.stdout
            print("%s: %s: exit %d%s" % ("ok" if ok else "FAIL", case.__name__,
                                         r.returncode, "" if ok else
                                         " (expected %d and %r)" % (want_rc, want_text)))
            for line in r.stdout.splitlines():
                print("    " + line)
            bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

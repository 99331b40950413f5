#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A small ASN.1 aligned-PER encoder (X.691) for the H.323 test vectors.

Builds H.225.0 RAS (RRQ, RCF, ARQ, ACF, LCF), call signalling (Setup with
Fast Start and an h245Address, Connect) in Q.931/TPKT, and H.245
(OpenLogicalChannel, OpenLogicalChannelAck) in TPKT, from the ASN.1 of
H.225.0 (H323-MESSAGES) and H.245 (MULTIMEDIA-SYSTEM-CONTROL), written
independently of lib/alg/h323_parse.c.

  h323_gen.py header OUT.h    C arrays for tests/unit/test_h323.c
  h323_gen.py pcap OUT.pcap   the messages in a capture, to check with
                              tshark -r OUT.pcap -V (no Malformed)
  h323_gen.py seeds DIR       fuzz seeds (first byte: 0 RAS, 1 Q.931,
                              2 H.245)
  h323_gen.py call OUT.pcap   a whole call for pinhole-replay, with the
                              bundled captures' addresses (inside host
                              198.18.0.2, peer 198.19.0.2, gatekeeper
                              198.19.0.3): registration, Setup with Fast
                              Start, Connect, H.245 OLC / OLCAck, RTP and
                              RTCP both ways, the connections closed

Addresses: the inside endpoint 198.18.0.10, the peer and gatekeeper
198.19.0.20 and 198.19.0.1.
"""
import struct
import sys


class W:
    """A bit writer."""

    def __init__(self):
        self.bits = []

    def bit(self, b):
        self.bits.append(1 if b else 0)

    def put(self, v, n):
        for i in range(n - 1, -1, -1):
            self.bits.append((v >> i) & 1)

    def align(self):
        while len(self.bits) % 8:
            self.bits.append(0)

    def raw(self, data):
        self.align()
        for b in data:
            self.put(b, 8)

    def octets(self):
        self.align()
        out = bytearray()
        for i in range(0, len(self.bits), 8):
            v = 0
            for b in self.bits[i:i + 8]:
                v = v << 1 | b
            out.append(v)
        return bytes(out) or b"\x00"

    # X.691 10.5 constrained whole number
    def cint(self, v, lb, ub):
        r = ub - lb + 1
        x = v - lb
        assert 0 <= x < r
        if r == 1:
            return
        if r <= 255:
            self.put(x, (r - 1).bit_length())
        elif r == 256:
            self.align()
            self.put(x, 8)
        elif r <= 65536:
            self.align()
            self.put(x, 16)
        else:
            n = max(1, (x.bit_length() + 7) // 8)
            nmax = ((r - 1).bit_length() + 7) // 8
            self.cint(n, 1, nmax)
            self.align()
            self.put(x, 8 * n)

    def glen(self, n):
        self.align()
        if n < 128:
            self.put(n, 8)
        else:
            assert n < 16384
            self.put(0x8000 | n, 16)

    def length(self, n, lb, ub):
        if lb == ub:
            return
        if ub is not None and ub < 65536:
            self.cint(n, lb, ub)
        else:
            self.glen(n)

    def ostr(self, data, lb=0, ub=None):
        self.length(len(data), lb, ub)
        if lb == ub and ub <= 2:
            for b in data:
                self.put(b, 8)
        elif data:
            self.raw(data)

    def bmp(self, s, lb, ub):
        self.length(len(s), lb, ub)
        self.align()
        for ch in s:
            self.put(ord(ch), 16)

    def digits(self, s):
        alphabet = sorted("0123456789#*,")
        self.length(len(s), 1, 128)
        self.align()
        for ch in s:
            self.put(alphabet.index(ch), 4)

    def oid(self, data):
        self.glen(len(data))
        self.raw(data)

    def choice(self, idx, n, ext=True):
        if ext:
            self.bit(0)
        self.cint(idx, 0, n - 1)

    def choice_ext(self, idx, content):
        """An extension alternative: its index and its open type."""
        self.bit(1)
        self.bit(0)
        self.put(idx, 6)
        self.open(content)

    def open(self, content):
        self.glen(len(content))
        self.raw(content)

    def additions(self, items):
        """items: {index: encoded bytes}."""
        n = max(items) + 1
        self.bit(0)
        self.put(n - 1, 6)
        for i in range(n):
            self.bit(i in items)
        for i in range(n):
            if i in items:
                self.open(items[i])


def enc(fn):
    w = W()
    fn(w)
    return w.octets()


H225_OID = bytes([0x00, 0x08, 0x91, 0x4A, 0x00, 0x04])  # 0.0.8.2250.0.4
INSIDE = "198.18.0.10"
PEER = "198.19.0.20"
GK = "198.19.0.1"


def ip(s):
    return bytes(int(x) for x in s.split("."))


def ta(w, addr, port):
    """H.225.0 TransportAddress ipAddress."""
    w.choice(0, 7)
    w.raw(ip(addr))
    w.cint(port, 0, 65535)


def tas(w, lst):
    w.glen(len(lst))
    for a, p in lst:
        ta(w, a, p)


def h245_ta(w, addr, port):
    """H.245 TransportAddress unicastAddress iPAddress."""
    w.choice(0, 2)
    w.choice(0, 5)
    w.bit(0)  # iPAddress extension bit
    w.raw(ip(addr))
    w.cint(port, 0, 65535)


def h221(w):
    w.bit(0)
    w.cint(181, 0, 255)
    w.cint(0, 0, 255)
    w.cint(21324, 0, 65535)


def vendor(w):
    w.bit(0)
    w.bit(1)  # productId
    w.bit(0)
    h221(w)
    w.ostr(b"pinhole-test", 1, 256)


def endpoint_type(w):
    w.bit(0)
    for present in (0, 1, 0, 0, 0, 1):  # vendor, terminal
        w.bit(present)
    vendor(w)
    w.bit(0)  # TerminalInfo: no extension
    w.bit(0)  # no nonStandardData
    w.bit(0)  # mc
    w.bit(0)  # undefinedNode


def alias_h323id(w, s):
    w.choice(1, 2)
    w.bmp(s, 1, 256)


def alias_digits(w, s):
    w.choice(0, 2)
    w.digits(s)


def aliases(w, fns):
    w.glen(len(fns))
    for f in fns:
        f(w)


# ---- RAS -------------------------------------------------------------------


def rrq(w):
    w.choice(3, 25)
    w.bit(1)  # extensions follow
    w.bit(0)  # nonStandardData
    w.bit(1)  # terminalAlias
    w.bit(0)  # gatekeeperIdentifier
    w.cint(1, 1, 65535)
    w.oid(H225_OID)
    w.bit(0)  # discoveryComplete
    tas(w, [(INSIDE, 1720)])
    tas(w, [(INSIDE, 1719)])
    endpoint_type(w)
    aliases(w, [lambda w: alias_h323id(w, "alice")])
    vendor(w)
    w.additions({
        1: enc(lambda v: v.cint(300, 1, 4294967295)),  # timeToLive
        5: enc(lambda v: v.bit(0)),  # keepAlive
        7: enc(lambda v: v.bit(0)),  # willSupplyUUIEs
        8: enc(lambda v: v.bit(0)),  # maintainConnection
    })


def rcf(w):
    w.choice(4, 25)
    w.bit(1)
    w.bit(0)  # nonStandardData
    w.bit(0)  # terminalAlias
    w.bit(0)  # gatekeeperIdentifier
    w.cint(1, 1, 65535)
    w.oid(H225_OID)
    tas(w, [(GK, 1720)])
    w.bmp("EP1", 1, 128)
    w.additions({
        1: enc(lambda v: v.cint(300, 1, 4294967295)),
        5: enc(lambda v: v.bit(0)),  # willRespondToIRR
        7: enc(lambda v: v.bit(0)),  # maintainConnection
    })


def arq(w):
    w.choice(9, 25)
    w.bit(1)
    # callModel destinationInfo destCallSignalAddress destExtraCallInfo
    # srcCallSignalAddress nonStandardData callServices
    for present in (0, 1, 0, 0, 1, 0, 0):
        w.bit(present)
    w.cint(2, 1, 65535)
    w.choice(0, 4)  # pointToPoint
    w.bmp("EP1", 1, 128)
    aliases(w, [lambda w: alias_digits(w, "1234")])
    aliases(w, [lambda w: alias_h323id(w, "alice")])
    ta(w, INSIDE, 1720)
    w.cint(1280, 0, 4294967295)
    w.cint(7, 0, 65535)
    w.raw(bytes(range(16)))
    w.bit(0)  # activeMC
    w.bit(0)  # answerCall
    w.additions({
        0: enc(lambda v: v.bit(0)),  # canMapAlias
        1: enc(lambda v: (v.bit(0), v.raw(bytes(range(16, 32))))),
    })


def acf(w):
    w.choice(10, 25)
    w.bit(0)
    w.bit(0)  # irrFrequency
    w.bit(0)  # nonStandardData
    w.cint(2, 1, 65535)
    w.cint(1280, 0, 4294967295)
    w.choice(0, 2)  # direct
    ta(w, PEER, 1720)


def lcf(w):
    w.choice(19, 25)
    w.bit(0)
    w.bit(0)
    w.cint(3, 1, 65535)
    ta(w, INSIDE, 1720)
    ta(w, INSIDE, 1719)


# ---- H.245 -----------------------------------------------------------------


def h2250(w, session, media=None, ctrl=None):
    w.bit(0)
    # nonStandard sessionID is mandatory; optional: associatedSessionID,
    # mediaChannel, mediaGuaranteedDelivery, mediaControlChannel,
    # mediaControlGuaranteedDelivery, silenceSuppression, destination,
    # dynamicRTPPayloadType, mediaPacketization
    opts = [0, 0, media is not None, 0, ctrl is not None, 0, 1, 0, 0, 0]
    for o in opts:
        w.bit(o)
    w.cint(session, 0, 255)
    if media:
        h245_ta(w, *media)
    if ctrl:
        h245_ta(w, *ctrl)
    w.bit(0)  # silenceSuppression FALSE


def audio_g711(w):
    w.choice(3, 6)  # audioData
    w.choice(3, 14)  # g711Ulaw64k
    w.cint(20, 1, 256)


def olc(w, fwd_ctrl=None, rev=None):
    """OpenLogicalChannel: forward audio (H.225.0 media control address
    of the sender), reverse audio with media and media control."""
    w.bit(0)
    w.bit(rev is not None)
    w.cint(1, 1, 65535)
    w.bit(0)  # forward parameters: no extension
    w.bit(0)  # portNumber
    audio_g711(w)
    w.choice_ext(0, enc(lambda v: h2250(v, 1, None, fwd_ctrl)))
    if rev is not None:
        w.bit(0)
        w.bit(1)  # multiplexParameters
        audio_g711(w)
        w.choice_ext(0, enc(lambda v: h2250(v, 1, rev[0], rev[1])))


def olc_msg(w):
    w.choice(0, 4)  # request
    w.choice(3, 11)  # openLogicalChannel
    olc(w, fwd_ctrl=(INSIDE, 49153))


def h2250ack(w, media, ctrl):
    w.bit(0)
    for o in (0, 1, 1, 1, 0):
        w.bit(o)
    w.cint(1, 1, 255)
    h245_ta(w, *media)
    h245_ta(w, *ctrl)


def olcack_msg(w):
    w.choice(1, 4)  # response
    w.choice(5, 19)  # openLogicalChannelAck
    w.bit(1)
    w.bit(0)  # reverseLogicalChannelParameters
    w.cint(1, 1, 65535)
    fwd = enc(lambda v: (v.choice(0, 1),
                         h2250ack(v, (INSIDE, 49152), (INSIDE, 49153))))
    w.additions({1: fwd})


# ---- call signalling --------------------------------------------------------


def uu_pdu(w, body_idx, body):
    """H323-UserInformation with h323-uu-pdu only."""
    w.bit(0)  # H323-UserInformation: no extension
    w.bit(0)  # user-data
    w.bit(1)  # H323-UU-PDU extensions (h245Tunnelling)
    w.bit(0)  # nonStandardData
    w.choice(body_idx, 7)
    body(w)
    w.additions({1: enc(lambda v: v.bit(0))})  # h245Tunnelling FALSE


def setup(w):
    w.bit(1)
    # h245Address sourceAddress destinationAddress destCallSignalAddress
    # destExtraCallInfo destExtraCRV callServices
    for present in (1, 1, 1, 1, 0, 0, 0):
        w.bit(present)
    w.oid(H225_OID)
    ta(w, INSIDE, 5000)
    aliases(w, [lambda w: alias_h323id(w, "alice")])
    endpoint_type(w)
    aliases(w, [lambda w: alias_digits(w, "1234")])
    ta(w, PEER, 1720)
    w.bit(0)  # activeMC
    w.raw(bytes(range(16)))
    w.choice(0, 3)  # create
    w.choice(0, 4)  # pointToPoint
    fast = [
        enc(lambda v: olc(v, fwd_ctrl=(INSIDE, 49153),
                          rev=((INSIDE, 49152), (INSIDE, 49153)))),
    ]

    def faststart(v):
        v.glen(len(fast))
        for f in fast:
            v.ostr(f)

    w.additions({
        0: enc(lambda v: ta(v, INSIDE, 1720)),  # sourceCallSignalAddress
        2: enc(lambda v: (v.bit(0), v.raw(bytes(range(16, 32))))),
        6: enc(faststart),
        7: enc(lambda v: v.bit(0)),  # mediaWaitForConnect
        8: enc(lambda v: v.bit(0)),  # canOverlapSend
    })


def connect(w):
    w.bit(1)
    w.bit(1)  # h245Address
    w.oid(H225_OID)
    ta(w, PEER, 5001)
    endpoint_type(w)
    w.raw(bytes(range(16)))
    w.additions({0: enc(lambda v: (v.bit(0), v.raw(bytes(range(16, 32)))))})


def tpkt(body):
    return struct.pack(">BBH", 3, 0, 4 + len(body)) + body


def q931(mtype, uu):
    """Q.931: call reference 2 octets, Bearer capability for a Setup,
    the user-user element (two-octet length, discriminator 5)."""
    ies = b""
    if mtype == 0x05:
        ies += bytes([0x04, 0x03, 0x88, 0x93, 0xA5])  # bearer capability
    ies += bytes([0x7E]) + struct.pack(">H", len(uu) + 1) + b"\x05" + uu
    return tpkt(bytes([0x08, 0x02, 0x00, 0x01, mtype]) + ies)


VECTORS = [
    ("ras_rrq", lambda: enc(rrq)),
    ("ras_rcf", lambda: enc(rcf)),
    ("ras_arq", lambda: enc(arq)),
    ("ras_acf", lambda: enc(acf)),
    ("ras_lcf", lambda: enc(lcf)),
    ("q931_setup", lambda: q931(0x05, enc(lambda w: uu_pdu(w, 0, setup)))),
    ("q931_connect", lambda: q931(0x07, enc(lambda w: uu_pdu(w, 2, connect)))),
    ("h245_olc", lambda: tpkt(enc(olc_msg))),
    ("h245_olcack", lambda: tpkt(enc(olcack_msg))),
]


def header(path):
    out = ["/* SPDX-License-Identifier: BSD-2-Clause */",
           "/* Generated by tests/unit/h323_gen.py: do not edit. */"]
    for name, fn in VECTORS:
        data = fn()
        out.append("static const uint8_t h323_%s[%d] = {" % (name, len(data)))
        for i in range(0, len(data), 12):
            out.append("    " + ", ".join("0x%02x" % b for b in data[i:i + 12]) + ",")
        out.append("};")
    open(path, "w").write("\n".join(out) + "\n")


def csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, l4):
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                    ip(src), ip(dst))
    h = h[:10] + struct.pack(">H", csum(h)) + h[12:]
    return h + l4


def udp(src, sport, dst, dport, data):
    u = struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data
    ph = ip(src) + ip(dst) + struct.pack(">BBH", 0, 17, len(u))
    u = u[:6] + struct.pack(">H", csum(ph + u) or 0xFFFF) + u[8:]
    return ipv4(src, dst, 17, u)


def tcp(src, sport, dst, dport, seq, ack, flags, data):
    t = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535,
                    0, 0) + data
    ph = ip(src) + ip(dst) + struct.pack(">BBH", 0, 6, len(t))
    t = t[:16] + struct.pack(">H", csum(ph + t)) + t[18:]
    return ipv4(src, dst, 6, t)


def pcap(path):
    v = dict((n, f()) for n, f in VECTORS)
    pkts = [
        udp(INSIDE, 1719, GK, 1719, v["ras_rrq"]),
        udp(GK, 1719, INSIDE, 1719, v["ras_rcf"]),
        udp(INSIDE, 1719, GK, 1719, v["ras_arq"]),
        udp(GK, 1719, INSIDE, 1719, v["ras_acf"]),
        udp(GK, 1719, INSIDE, 1719, v["ras_lcf"]),
    ]
    c, s = 1000, 5000
    pkts.append(tcp(INSIDE, 40000, PEER, 1720, c, 0, 0x02, b""))
    pkts.append(tcp(PEER, 1720, INSIDE, 40000, s, c + 1, 0x12, b""))
    pkts.append(tcp(INSIDE, 40000, PEER, 1720, c + 1, s + 1, 0x18,
                    v["q931_setup"]))
    c += 1 + len(v["q931_setup"])
    pkts.append(tcp(PEER, 1720, INSIDE, 40000, s + 1, c, 0x18,
                    v["q931_connect"]))
    c2, s2 = 2000, 6000
    pkts.append(tcp(INSIDE, 40002, PEER, 5001, c2, 0, 0x02, b""))
    pkts.append(tcp(PEER, 5001, INSIDE, 40002, s2, c2 + 1, 0x12, b""))
    pkts.append(tcp(INSIDE, 40002, PEER, 5001, c2 + 1, s2 + 1, 0x18,
                    v["h245_olc"]))
    c2 += 1 + len(v["h245_olc"])
    pkts.append(tcp(INSIDE, 40002, PEER, 5001, c2, s2 + 1, 0x18,
                    v["h245_olcack"]))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", i, 0, len(p), len(p)) + p)


def call(path):
    global INSIDE, PEER, GK
    INSIDE, PEER, GK = "198.18.0.2", "198.19.0.2", "198.19.0.3"
    v = dict((n, f()) for n, f in VECTORS)
    frames = []

    def add(t, p):
        frames.append((t, p))

    add(0.00, udp(INSIDE, 1719, GK, 1719, v["ras_rrq"]))
    add(0.01, udp(GK, 1719, INSIDE, 1719, v["ras_rcf"]))

    class Conn:
        def __init__(self, sport, dport, c, s):
            self.sport, self.dport, self.c, self.s = sport, dport, c, s

        def syn(self, t):
            add(t, tcp(INSIDE, self.sport, PEER, self.dport, self.c, 0, 0x02,
                       b""))
            add(t + 0.001, tcp(PEER, self.dport, INSIDE, self.sport, self.s,
                               self.c + 1, 0x12, b""))
            self.c += 1
            self.s += 1
            add(t + 0.002, tcp(INSIDE, self.sport, PEER, self.dport, self.c,
                               self.s, 0x10, b""))

        def cli(self, t, data):
            add(t, tcp(INSIDE, self.sport, PEER, self.dport, self.c, self.s,
                       0x18, data))
            self.c += len(data)
            add(t + 0.001, tcp(PEER, self.dport, INSIDE, self.sport, self.s,
                               self.c, 0x10, b""))

        def srv(self, t, data):
            add(t, tcp(PEER, self.dport, INSIDE, self.sport, self.s, self.c,
                       0x18, data))
            self.s += len(data)
            add(t + 0.001, tcp(INSIDE, self.sport, PEER, self.dport, self.c,
                               self.s, 0x10, b""))

        def close(self, t):
            add(t, tcp(INSIDE, self.sport, PEER, self.dport, self.c, self.s,
                       0x11, b""))
            self.c += 1
            add(t + 0.001, tcp(PEER, self.dport, INSIDE, self.sport, self.s,
                               self.c, 0x11, b""))
            self.s += 1
            add(t + 0.002, tcp(INSIDE, self.sport, PEER, self.dport, self.c,
                               self.s, 0x10, b""))

    q = Conn(40000, 1720, 1000, 5000)
    q.syn(0.10)
    q.cli(0.11, v["q931_setup"])
    q.srv(0.20, v["q931_connect"])
    h = Conn(40002, 5001, 2000, 6000)
    h.syn(0.30)
    h.cli(0.31, v["h245_olc"])
    h.cli(0.32, v["h245_olcack"])
    for i in range(4):
        t = 0.40 + 0.02 * i
        rtp = struct.pack(">BBHII", 0x80, 0, i, 160 * i, 0x1234) + b"\xff" * 20
        add(t, udp(PEER, 7000, INSIDE, 49152, rtp))
        add(t + 0.005, udp(INSIDE, 49152, PEER, 7000, rtp))
    sr = struct.pack(">BBHIIIIII", 0x80, 200, 6, 0x1234, 0, 0, 480, 4, 640)
    rr = struct.pack(">BBHI", 0x80, 201, 1, 0x5678)
    add(0.50, udp(PEER, 7001, INSIDE, 49153, sr))
    add(0.51, udp(INSIDE, 49153, PEER, 7001, rr))
    h.close(0.60)
    q.close(0.61)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for t, p in frames:
            sec = int(1700000000 + t)
            usec = int(round((t % 1) * 1e6))
            f.write(struct.pack("<IIII", sec, usec, len(p), len(p)) + p)


def seeds(d):
    import os
    os.makedirs(d, exist_ok=True)
    for n, f in VECTORS:
        mode = {"ras": 0, "q931": 1, "h245": 2}[n.split("_")[0]]
        open(os.path.join(d, n), "wb").write(bytes([mode]) + f())


if __name__ == "__main__":
    {"header": header, "pcap": pcap, "seeds": seeds,
     "call": call}[sys.argv[1]](sys.argv[2])

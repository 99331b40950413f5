#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed scripts of fuzz/ctx_packets.c into fuzz/corpus/ctx_packets.

The scripts replay the scenario tests' exchanges (FTP active and passive,
FTP behind destination NAT, TFTP, RTSP SETUP, SIP INVITE over UDP and TCP,
DNS, NetBIOS, SNMP and BOOTP, ping, UDP, ICMP errors, rejects, SYN floods,
IPv6 fragments) in the target's format; see the
comment at the top of fuzz/ctx_packets.c. Run from the source root:

    python3 fuzz/gen_ctx_seeds.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus",
                   "ctx_packets")

# address indices
IN2, IN3, SRV, OUT2, OUT3, PUB, ROUTER, LOOP = range(8)
# port indices into the fixed table
P21, P20, P69, P554, P5060, P1024, P1025, P2121, P8554, P40000, P40001, \
    P50000, P50001, P80, P23, P0, P111, P135, P32765, P49664, P2049, P1147, \
    P22, P1023 = range(24)
# the r-commands' ports and privileged ones (indices 24-31)
P514, P513, P512, P1023b, P1022, P700, P1021, P600 = range(24, 32)
# the other ALGs' ports (indices 32-47)
P1720, P1719, P1723, P1755, P7070, P1521, P683, P53, P161, P162, P137, \
    P138, P67, P68, P1036, P5004 = range(32, 48)


def L(k):
    """The k-th public port the context handed out."""
    return 0x80 + k


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
STEP = {0: 0, "1ms": 1, "50ms": 2, "1s": 3, "11s": 4, "61s": 5, "301s": 6,
        "2h": 7}


def op(kind, step=0, side=None):
    b = kind | (STEP[step] << 5)
    if side is not None:
        b |= 0x08 | (0x10 if side == "out" else 0)
    return bytes([b])


def blob(data):
    if isinstance(data, str):
        data = data.encode()
    return struct.pack(">H", len(data)) + data


def tcp(src, dst, sport, dport, flags, payload=b"", step=0):
    """Compact TCP: SEQ/ACK follow the stream."""
    return op(7, step) + bytes([src, dst, sport, dport, flags]) + blob(payload)


def tcp_full(src, dst, sport, dport, flags, seqmode=0, ackmode=0, opts=b"",
             payload=b"", step=0, seq=None, ack=None):
    b = op(1, step) + bytes([src, dst, sport, dport, flags, seqmode])
    if seqmode == 0xFF:
        b += struct.pack(">I", seq)
    b += bytes([ackmode])
    if ackmode == 0xFF:
        b += struct.pack(">I", ack)
    b += bytes([len(opts) // 4]) + opts
    return b + blob(payload)


def udp(src, dst, sport, dport, payload=b"", step=0):
    return op(2, step) + bytes([src, dst, sport, dport]) + blob(payload)


def udp_raw(src, dst, sport, dport, ulen, ck, payload=b"", step=0):
    return (op(6, step) + bytes([src, dst, sport, dport]) +
            struct.pack(">HH", ulen, ck) + blob(payload))


def echo(src, dst, reply, ident, seq, step=0):
    return op(3, step) + bytes([src, dst, 1 if reply else 0, ident]) + \
        struct.pack(">H", seq)


def icmp_err(which, router, tsel, qsel, step=0):
    return op(4, step) + bytes([which | (4 if router else 0), tsel, qsel])


def tick(step):
    """A time step only: kind 4 (an ICMP error) before anything was
    forwarded does nothing; afterwards use a dropped raw byte."""
    return op(0, step) + blob(b"")


def frag(src, dst, sport, dport, payload, cut, how, step=0):
    return (op(5, step) + bytes([src, dst, sport, dport]) + blob(payload) +
            bytes([cut, how]))


def raw(pkt, step=0, side=None):
    return op(0, step, side) + blob(pkt)


def handshake(cli, srv, cport, sport, back):
    """SYN from the inside client, SYN-ACK back to public port back, ACK."""
    return (tcp(cli, srv, cport, sport, SYN) +
            tcp(srv, PUB, sport, back, SYN | ACK) +
            tcp(cli, srv, cport, sport, ACK))


def ip_hdr(total, proto, src, dst, ihl=5, ttl=64, frag=0, extra=b""):
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, frag, ttl,
                    proto, 0, bytes(src), bytes(dst)) + extra
    s = sum(struct.unpack(">%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return h[:10] + struct.pack(">H", ~s & 0xFFFF) + h[12:]


A_IN2 = (198, 18, 0, 2)
A_OUT2 = (198, 19, 0, 2)

SEEDS = {}

# FTP active, as curl and vsftpd do it (PORT, 200, RETR, data from 20)
SEEDS["ftp_active"] = bytes([0]) + (
    handshake(IN2, OUT2, P40000, P21, L(0)) +
    tcp(OUT2, PUB, P21, L(0), PSH | ACK, "220 (vsFTPd 3.0.3)\r\n") +
    tcp(IN2, OUT2, P40000, P21, PSH | ACK, "USER anonymous\r\n") +
    tcp(OUT2, PUB, P21, L(0), PSH | ACK,
        "331 Please specify the password.\r\n") +
    tcp(IN2, OUT2, P40000, P21, PSH | ACK,
        "PORT 198,18,0,2,195,80\r\n") +
    tcp(OUT2, PUB, P21, L(0), PSH | ACK,
        "200 PORT command successful. Consider using PASV.\r\n") +
    tcp(IN2, OUT2, P40000, P21, PSH | ACK, "RETR hello.txt\r\n") +
    tcp(OUT2, PUB, P20, L(1), SYN, step="1ms") +
    tcp(IN2, OUT2, P50000, P20, SYN | ACK) +
    tcp(OUT2, PUB, P20, L(1), ACK) +
    tcp(OUT2, PUB, P20, L(1), PSH | ACK, "hello\r\n") +
    tcp(OUT2, PUB, P20, L(1), FIN | ACK) +
    tcp(IN2, OUT2, P50000, P20, FIN | ACK) +
    tcp(OUT2, PUB, P21, L(0), PSH | ACK, "226 Transfer complete.\r\n") +
    tcp(IN2, OUT2, P40000, P21, PSH | ACK, "QUIT\r\n") +
    tcp(OUT2, PUB, P21, L(0), FIN | ACK, "221 Goodbye.\r\n") +
    tcp(IN2, OUT2, P40000, P21, FIN | ACK))

# FTP EPRT, then a PORT split across two segments
SEEDS["ftp_eprt_split"] = bytes([0]) + (
    handshake(IN2, OUT2, P40001, P21, L(0)) +
    tcp(IN2, OUT2, P40001, P21, PSH | ACK,
        "EPRT |1|198.18.0.2|50001|\r\n") +
    tcp(OUT2, PUB, P21, L(0), PSH | ACK, "200 EPRT command successful.\r\n") +
    tcp(IN2, OUT2, P40001, P21, PSH | ACK, "PORT 198,18,0") +
    tcp(IN2, OUT2, P40001, P21, PSH | ACK, ",2,195,81\r\n") +
    tcp_full(IN2, OUT2, P40001, P21, PSH | ACK, seqmode=13,
             payload="PORT 198,18,0,2,195,81\r\n") +
    tcp(OUT2, PUB, P20, L(1), SYN))

# FTP passive (227 and 229 from the server, data from the client)
SEEDS["ftp_passive"] = bytes([0]) + (
    handshake(IN2, OUT2, P40000, P21, L(0)) +
    tcp(OUT2, PUB, P21, L(0), PSH | ACK, "220 ready\r\n") +
    tcp(IN2, OUT2, P40000, P21, PSH | ACK, "PASV\r\n") +
    tcp(OUT2, PUB, P21, L(0), PSH | ACK,
        "227 Entering Passive Mode (198,19,0,2,195,81).\r\n") +
    tcp(IN2, OUT2, P50000, P50001, SYN) +
    tcp(OUT2, PUB, P50001, L(1), SYN | ACK) +
    tcp(IN2, OUT2, P40000, P21, PSH | ACK, "EPSV\r\n") +
    tcp(OUT2, PUB, P21, L(0), PSH | ACK,
        "229 Entering Extended Passive Mode (|||40001|)\r\n") +
    tcp(IN2, OUT2, P1025, P40001, SYN))

# An FTP server behind destination NAT: its 227 is rewritten to the public
# address; the outside client's data connection comes in through a pinhole.
SEEDS["ftp_dnat_pasv"] = bytes([0]) + (
    tcp(OUT2, PUB, P50000, P21, SYN) +
    tcp(SRV, OUT2, P21, P50000, SYN | ACK) +
    tcp(OUT2, PUB, P50000, P21, ACK) +
    tcp(SRV, OUT2, P21, P50000, PSH | ACK, "220 hi\r\n") +
    tcp(OUT2, PUB, P50000, P21, PSH | ACK, "PASV\r\n") +
    tcp(SRV, OUT2, P21, P50000, PSH | ACK,
        "227 Entering Passive Mode (198,18,0,4,156,64).\r\n") +
    tcp(OUT2, PUB, P50001, P40000, SYN) +
    tcp(OUT2, PUB, P50000, P2121, SYN) +
    tcp(SRV, OUT2, P21, P50000, PSH | ACK,
        "229 Entering Extended Passive Mode (|||40001|)\r\n"))

# TFTP read request; the server answers from a new port
SEEDS["tftp"] = bytes([0]) + (
    udp(IN2, OUT2, P40000, P69, b"\x00\x01hello.txt\x00netascii\x00") +
    udp(OUT2, PUB, P50000, L(0), b"\x00\x03\x00\x01hello\r\n") +
    udp(IN2, OUT2, P40000, P50000, b"\x00\x04\x00\x01") +
    tick("11s") +
    udp(IN2, OUT2, P40001, P69, b"\x00\x02up.txt\x00octet\x00"))

# RTSP SETUP with a client_port pair, the reply, media from the server
SEEDS["rtsp"] = bytes([0]) + (
    handshake(IN2, OUT2, P40000, P554, L(0)) +
    tcp(IN2, OUT2, P40000, P554, PSH | ACK,
        "SETUP rtsp://198.19.0.2/s/trackID=1 RTSP/1.0\r\nCSeq: 3\r\n"
        "Transport: RTP/AVP;unicast;client_port=50000-50001\r\n\r\n") +
    tcp(OUT2, PUB, P554, L(0), PSH | ACK,
        "RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 12345678\r\n"
        "Transport: RTP/AVP;unicast;client_port=40000-40001;"
        "server_port=6970-6971\r\n\r\n") +
    udp(OUT2, PUB, P8554, L(1), b"\x80\x60" + b"\x00" * 10) +
    tcp(IN2, OUT2, P40000, P554, PSH | ACK,
        "PLAY rtsp://198.19.0.2/s RTSP/1.0\r\nCSeq: 4\r\n"
        "Session: 12345678\r\nContent-Length: 4\r\n\r\nabcd") +
    tcp(IN2, OUT2, P40000, P554, PSH | ACK,
        "TEARDOWN rtsp://198.19.0.2/s RTSP/1.0\r\nCSeq: 5\r\n\r\n"))

SDP = ("v=0\r\no=- 1 1 IN IP4 198.18.0.2\r\ns=-\r\nc=IN IP4 198.18.0.2\r\n"
       "t=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def sip_invite(transport):
    return ("INVITE sip:bob@198.19.0.2 SIP/2.0\r\n"
            "Via: SIP/2.0/%s 198.18.0.2:5060;branch=z9hG4bK776asdhds\r\n"
            "Max-Forwards: 70\r\nTo: <sip:bob@198.19.0.2>\r\n"
            "From: <sip:alice@198.18.0.2>;tag=1928301774\r\n"
            "Call-ID: a84b4c76e66710@198.18.0.2\r\nCSeq: 314159 INVITE\r\n"
            "Contact: <sip:alice@198.18.0.2:5060>\r\n"
            "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
            % (transport, len(SDP), SDP))


OK_SDP = "v=0\r\nc=IN IP4 198.19.0.2\r\nm=audio 50000 RTP/AVP 0\r\n"
SIP_OK = ("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.19.0.1:5060;branch=z9hG4bK1\r\n"
          "To: <sip:bob@198.19.0.2>;tag=a6c85cf\r\n"
          "From: <sip:alice@198.18.0.2>;tag=1928301774\r\n"
          "Call-ID: a84b4c76e66710@198.18.0.2\r\nCSeq: 314159 INVITE\r\n"
          "Contact: <sip:bob@198.19.0.2>\r\nContent-Type: application/sdp\r\n"
          "Content-Length: %d\r\n\r\n%s" % (len(OK_SDP), OK_SDP))

SEEDS["sip_udp"] = bytes([0]) + (
    udp(IN2, OUT2, P5060, P5060, sip_invite("UDP")) +
    udp(OUT2, PUB, P5060, L(0), SIP_OK) +
    udp(OUT2, PUB, P50000, L(1), b"\x80\x00rtp") +
    udp(IN2, OUT2, P40000, P50000, b"\x80\x00rtp") +
    udp(IN2, OUT2, P5060, P5060,
        "BYE sip:bob@198.19.0.2 SIP/2.0\r\nCall-ID: a84b4c76e66710@198.18.0.2"
        "\r\nCSeq: 314160 BYE\r\nContent-Length: 0\r\n\r\n") +
    udp(IN2, OUT2, P5060, P5060,
        "REGISTER sip:198.19.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 198.18.0.2:5060"
        "\r\nContact: <sip:alice@198.18.0.2:5060>\r\nExpires: 3600\r\n"
        "Content-Length: 0\r\n\r\n"))

SEEDS["sip_tcp"] = bytes([0]) + (
    handshake(IN2, OUT2, P40000, P5060, L(0)) +
    tcp(IN2, OUT2, P40000, P5060, PSH | ACK, sip_invite("TCP")) +
    tcp(OUT2, PUB, P5060, L(0), PSH | ACK, SIP_OK))

SEEDS["ping_errors"] = bytes([0]) + (
    echo(IN2, OUT2, False, P1024, 1) +
    echo(OUT2, PUB, True, L(0), 1) +
    echo(IN2, OUT2, False, P1024, 1) +
    echo(OUT2, PUB, True, L(0), 9) +
    udp(IN2, OUT2, P40000, P50000, b"ping 1") +
    icmp_err(0, False, 0, 28) +
    icmp_err(0, True, 2, 40) +
    icmp_err(0, False, 0, 0x80 | 20) +
    tcp(IN2, OUT2, P40001, P80, SYN) +
    icmp_err(0, True, 3, 63) +
    tcp(OUT2, PUB, P80, L(2), RST | ACK) +
    tick("61s") + tick("301s"))

SEEDS["fragments"] = bytes([0]) + (
    frag(IN2, OUT2, P40000, P50000, b"A" * 100, 3, 0) +
    frag(IN2, OUT2, P40000, P50000, b"B" * 100, 5, 1) +
    frag(IN2, OUT2, P40000, P50000, b"C" * 100, 2, 2) +
    frag(IN2, OUT2, P40000, P50000, b"D" * 100, 2, 4) +
    frag(IN2, OUT2, P40000, P50000, b"E" * 100, 2, 8) +
    frag(OUT2, PUB, P50000, L(0), b"F" * 200, 7, 0) +
    frag(IN2, OUT2, P5060, P5060, sip_invite("UDP"), 10, 0) +
    tick("11s") + tick("301s"))

SEEDS["rules_reject_discard"] = bytes([0x80]) + (
    tcp(IN2, OUT2, P40000, P23, SYN) +
    udp(IN2, OUT2, P40000, P23, b"x") +
    tcp(IN2, ROUTER, P40000, P80, SYN) +
    tcp(OUT2, PUB, P50000, P80, SYN) +
    tcp(IN2, OUT2, P40000, P80, ACK) +
    tcp(OUT2, PUB, P50000, P21, SYN) +
    udp(OUT3, PUB, P50000, P69, b"\x00\x01x\x00octet\x00"))

SEEDS["syn_flood_small"] = bytes([0x10 | 0x20]) + b"".join(
    tcp(IN2 + (i % 2), OUT2 + (i % 2), 0x80 + i, P80, SYN) for i in range(12)
) + tcp(IN2, OUT2, P40000, P21, SYN) + tick("2h")

SEEDS["tight_cap_growth"] = bytes([0x40]) + (
    handshake(IN2, OUT2, P40000, P21, L(0)) +
    tcp(IN2, OUT2, P40000, P21, PSH | ACK, "PORT 198,18,0,2,4,1\r\n") +
    tcp(OUT2, PUB, P20, L(1), SYN))

# rsh from a privileged port: the stderr port announced, the server's
# connection back from a reserved port; a second field later; rexec split
SEEDS["rsh_stderr"] = bytes([0x00]) + (
    handshake(IN2, OUT2, P1023, P514, L(0)) +
    tcp(IN2, OUT2, P1023, P514, PSH | ACK, "1022\0") +
    tcp(OUT2, PUB, P1021, L(1), SYN) +
    tcp(IN2, OUT2, P1022, P1021, SYN | ACK) +
    tcp(IN2, OUT2, P1023, P514, PSH | ACK, "root\0root\0id\0") +
    handshake(IN3, OUT3, P700, P512, L(2)) +
    tcp(IN3, OUT3, P700, P512, PSH | ACK, "400") +
    tcp(IN3, OUT3, P700, P512, PSH | ACK, "40000\0u\0p\0id\0"))

SEEDS["rlogin_privileged"] = bytes([0x00]) + (
    handshake(IN2, OUT2, P600, P513, L(0)) +
    tcp(IN2, OUT2, P600, P513, PSH | ACK, "\0alice\0bob\0xterm/38400\0") +
    tcp(IN3, OUT2, P1021, P513, SYN) +
    tcp(IN3, OUT2, P1024, P514, SYN))

# malformed packets as raw bytes: truncated, bad lengths, options, offsets
tcp_hdr = struct.pack(">HHIIBBHHH", 40000, 80, 1, 0, 0x50, SYN, 65535, 0, 0)
SEEDS["raw_malformed"] = bytes([0x08]) + (
    raw(b"") + raw(b"\x45") + raw(b"\x60" + b"\x00" * 39) +
    raw(ip_hdr(40, 6, A_IN2, A_OUT2) + tcp_hdr) +
    raw(ip_hdr(60, 6, A_IN2, A_OUT2) + tcp_hdr) +
    raw(ip_hdr(30, 6, A_IN2, A_OUT2) + tcp_hdr) +
    raw(ip_hdr(40, 6, A_IN2, A_OUT2, ihl=4) + tcp_hdr) +
    raw(ip_hdr(44, 6, A_IN2, A_OUT2, ihl=6, extra=b"\x07\x09\x00\x00") +
        tcp_hdr) +
    raw(ip_hdr(40, 6, A_IN2, A_OUT2, ttl=0) + tcp_hdr) +
    raw(ip_hdr(40, 6, A_IN2, A_IN2) + tcp_hdr) +
    raw(ip_hdr(40, 6, A_IN2, A_OUT2, frag=0x2001) + tcp_hdr) +
    raw(ip_hdr(40, 6, A_IN2, A_OUT2, frag=0x0010) + tcp_hdr) +
    raw(ip_hdr(40, 255, A_IN2, A_OUT2) + tcp_hdr) +
    udp_raw(IN2, OUT2, P40000, P69, 4, 0, b"\x00\x01") +
    udp_raw(IN2, OUT2, P40000, P5060, 300, 0, b"INVITE") +
    tcp_full(IN2, OUT2, P40000, P80, SYN, opts=b"\x02\x04\x05\xb4\x04\x02"
             b"\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x07") +
    tcp_full(IN2, OUT2, P40000, P80, ACK, opts=b"\x01\x01\x05\x0a\x00\x00"
             b"\x00\x01\x00\x00\x00\x02\x00\x00"))


# ---- Sun RPC and DCE-RPC (the message layouts of tests/scenario) ----------

def xdr_str(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b + b"\x00" * (-len(b) % 4)


def rpc_call(xid, vers, proc, args):
    return struct.pack(">IIIIII", xid, 0, 2, 100000, vers, proc) + \
        b"\x00" * 16 + args


def rpc_reply(xid, result):
    return struct.pack(">II", xid, 1) + b"\x00" * 16 + result


def rpc_getaddr(xid, prog, netid):
    return rpc_call(xid, 4, 3, struct.pack(">II", prog, 1) + xdr_str(netid) +
                    xdr_str("") + xdr_str(""))


def rec(msg):
    return struct.pack(">I", 0x80000000 | len(msg)) + msg


# rpcinfo -T tcp: GETADDR over TCP 111, the universal address, the call to
# the returned port; then a GETPORT whose record is split across segments.
SEEDS["rpc_tcp_getaddr"] = bytes([0]) + (
    handshake(IN2, OUT2, P40000, P111, L(0)) +
    tcp(IN2, OUT2, P40000, P111, PSH | ACK,
        rec(rpc_getaddr(0x51, 100024, "tcp"))) +
    tcp(OUT2, PUB, P111, L(0), PSH | ACK,
        rec(rpc_reply(0x51, xdr_str("198.19.0.2.127.253")))) +
    tcp(IN2, OUT2, P40001, P32765, SYN) +
    tcp(OUT2, PUB, P32765, L(1), SYN | ACK) +
    tcp(IN2, OUT2, P40000, P111, PSH | ACK,
        rec(rpc_call(0x52, 2, 3, struct.pack(">IIII", 100003, 3, 6, 0)))[:30]))

# rpcinfo -u: GETPORT over UDP, the reply, the call to the returned port
SEEDS["rpc_udp_getport"] = bytes([0]) + (
    udp(IN2, OUT2, P1024, P111,
        rpc_call(0x61, 2, 3, struct.pack(">IIII", 100024, 1, 17, 0))) +
    udp(OUT2, PUB, P111, L(0), rpc_reply(0x61, struct.pack(">I", 2049))) +
    udp(IN2, OUT2, P1024, P2049, b"\x00" * 40))


def dnat_getaddr(xid, prog, uaddr):
    """rpcinfo from the outside client (P50000) to the inside rpcbind
    behind destination NAT: GETADDR for prog over TCP, its answer."""
    return (tcp(OUT2, PUB, P50000, P111, PSH | ACK,
                rec(rpc_getaddr(xid, prog, "tcp"))) +
            tcp(SRV, OUT2, P111, P50000, PSH | ACK,
                rec(rpc_reply(xid, xdr_str(uaddr)))))


def dnat_handshake(port):
    """The outside client's (P50000) handshake with the inside server."""
    return (tcp(OUT2, PUB, P50000, port, SYN) +
            tcp(SRV, OUT2, port, P50000, SYN | ACK) +
            tcp(OUT2, PUB, P50000, port, ACK))


# rpcbind behind destination NAT: the universal address names the inside
# server and is rewritten (4 bytes shorter), the record re-marked.
SEEDS["rpc_dnat_getaddr"] = bytes([0]) + (
    dnat_handshake(P111) +
    dnat_getaddr(0x71, 100024, "198.18.0.4.4.123") +
    tcp(OUT2, PUB, P50001, P1147, SYN))

# the same through the DNAT rule that allows only status: NFS's GETADDR is
# answered (rewritten) and opens nothing, the connection to 2049 is
# dropped; then status's opens.
SEEDS["rpc_dnat_rule_denied"] = bytes([0]) + (
    dnat_handshake(P111) +
    dnat_getaddr(0x72, 100003, "198.18.0.4.8.1") +
    tcp(OUT2, PUB, P50001, P2049, SYN) +
    dnat_getaddr(0x73, 100024, "198.18.0.4.127.253") +
    tcp(OUT2, PUB, P50001, P32765, SYN))


def dce_hdr(ptype, flags, call_id, body):
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\x00\x00\x00",
                       16 + len(body), 0, call_id) + body


EPM = bytes.fromhex("0883afe11f5dc91191a408002b14a0fa") + struct.pack("<I", 3)
NDR = bytes.fromhex("045d888aeb1cc9119fe808002b104860") + struct.pack("<I", 2)
IFACE = bytes.fromhex("78563412341234abef000123456789ab")


def dce_tower(port, addr):
    t = struct.pack("<H", 5)
    t += struct.pack("<HB", 19, 0x0d) + IFACE + struct.pack("<HHH", 1, 2, 0)
    t += struct.pack("<HB", 19, 0x0d) + NDR[:16] + struct.pack("<HHH", 2, 2, 0)
    t += struct.pack("<HBHH", 1, 0x0b, 2, 0)
    t += struct.pack("<HBH", 1, 0x07, 2) + struct.pack(">H", port)
    t += struct.pack("<HBH", 1, 0x09, 4) + bytes(addr)
    return struct.pack("<II", len(t), len(t)) + t


def pad4(b):
    return b + b"\x00" * (-len(b) % 4)


# ept_map through source NAT: bind, bind_ack, request, response with a
# tower for port 49664, the client's connection to it.
SEEDS["dcerpc_ept_map"] = bytes([0]) + (
    handshake(IN2, OUT2, P40000, P135, L(0)) +
    tcp(IN2, OUT2, P40000, P135, PSH | ACK, dce_hdr(
        11, 3, 1, struct.pack("<HHIB3xHBx", 4280, 4280, 0, 1, 0, 1) + EPM +
        NDR)) +
    tcp(OUT2, PUB, P135, L(0), PSH | ACK, dce_hdr(
        12, 3, 1, struct.pack("<HHIH", 4280, 4280, 0x1234, 4) +
        b"135\x00\x00\x00" + struct.pack("<B3xHH", 1, 0, 0) + NDR)) +
    tcp(IN2, OUT2, P40000, P135, PSH | ACK, dce_hdr(
        0, 3, 2, struct.pack("<IHH", 0, 0, 3) +
        pad4(struct.pack("<I", 1) + b"\x00" * 16 + struct.pack("<I", 2) +
             dce_tower(0, [0, 0, 0, 0])) + b"\x00" * 20 +
        struct.pack("<I", 4))) +
    tcp(OUT2, PUB, P135, L(0), PSH | ACK, dce_hdr(
        2, 3, 2, struct.pack("<IHBB", 0, 0, 0, 0) +
        pad4(b"\x00" * 20 + struct.pack("<IIIII", 1, 4, 0, 1, 3) +
             dce_tower(49664, [198, 19, 0, 2])) + struct.pack("<I", 0))) +
    tcp(IN2, OUT2, P40001, P49664, SYN))

SVCCTL = bytes.fromhex("81bb7a36449 8f135ad3298f038001003".replace(" ", ""))


def dce_tower_if(iface, port, addr):
    t = dce_tower(port, addr)
    return t[:8 + 5] + iface + t[8 + 5 + 16:]


# ept_map to the endpoint mapper behind destination NAT, through the rule
# that allows only the seeds' interface: of two towers (svcctl's on 2049,
# the interface's on 49664), both have their address rewritten, only the
# second opens; the connections to both ports follow.
SEEDS["dcerpc_dnat_rule"] = bytes([0]) + (
    dnat_handshake(P135) +
    tcp(OUT2, PUB, P50000, P135, PSH | ACK, dce_hdr(
        11, 3, 1, struct.pack("<HHIB3xHBx", 4280, 4280, 0, 1, 0, 1) + EPM +
        NDR)) +
    tcp(SRV, OUT2, P135, P50000, PSH | ACK, dce_hdr(
        12, 3, 1, struct.pack("<HHIH", 4280, 4280, 0x1234, 4) +
        b"135\x00\x00\x00" + struct.pack("<B3xHH", 1, 0, 0) + NDR)) +
    tcp(OUT2, PUB, P50000, P135, PSH | ACK, dce_hdr(
        0, 3, 2, struct.pack("<IHH", 0, 0, 3) +
        pad4(struct.pack("<I", 1) + b"\x00" * 16 + struct.pack("<I", 2) +
             dce_tower(0, [0, 0, 0, 0])) + b"\x00" * 20 +
        struct.pack("<I", 4))) +
    tcp(SRV, OUT2, P135, P50000, PSH | ACK, dce_hdr(
        2, 3, 2, struct.pack("<IHBB", 0, 0, 0, 0) +
        pad4(b"\x00" * 20 + struct.pack("<IIIIII", 2, 4, 0, 2, 3, 4) +
             pad4(dce_tower_if(SVCCTL, 2049, [198, 18, 0, 4])) +
             dce_tower_if(IFACE, 49664, [198, 18, 0, 4])) +
        struct.pack("<I", 0))) +
    tcp(OUT2, PUB, P50001, P2049, SYN) +
    tcp(OUT2, PUB, P50001, P49664, SYN))


# ---- DNS, NetBIOS, SNMP, BOOTP (issue 18): the fixed port table has no
# port of these ALGs, so their packets are raw IPv4 (UDP checksum 0: none).
# Source ports are kept by the full-range pool, so the answers go to the
# same public port.
A_PUB = (198, 19, 0, 1)


def udp_pkt(src, dst, sport, dport, payload):
    u = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    return ip_hdr(20 + len(u), 17, src, dst) + u


def dns_name(name):
    return b"".join(bytes([len(x)]) + x.encode()
                    for x in name.split(".")) + b"\0"


def dns_msg(ident, flags, name, qtype, answers=()):
    m = struct.pack(">HHHHHH", ident, flags, 1, len(answers), 0, 0)
    m += dns_name(name) + struct.pack(">HH", qtype, 1)
    for a in answers:
        m += b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes(a)
    return m


def nb_name(n, suffix=0):
    raw_name = n.ljust(15).encode() + bytes([suffix])
    return bytes([32]) + bytes(x for b in raw_name
                               for x in (65 + (b >> 4), 65 + (b & 15))) + b"\0"


# two queries on one socket, one answered twice, a bad one; quick teardown
SEEDS["dns_udp_quick_teardown"] = bytes([0]) + (
    raw(udp_pkt(A_IN2, A_OUT2, 40000, 53,
                dns_msg(0x1234, 0x0100, "www.example.test", 1))) +
    raw(udp_pkt(A_IN2, A_OUT2, 40000, 53,
                dns_msg(0x1235, 0x0100, "www.example.test", 28))) +
    raw(udp_pkt(A_OUT2, A_PUB, 53, 40000,
                dns_msg(0x1234, 0x8180, "WWW.example.test", 1,
                        [(198, 19, 0, 50)])), side="out") +
    raw(udp_pkt(A_OUT2, A_PUB, 53, 40000,
                dns_msg(0x1235, 0x8180, "www.example.test", 28)),
        side="out") +
    raw(udp_pkt(A_OUT2, A_PUB, 53, 40000,
                dns_msg(0x1235, 0x8180, "www.example.test", 28)),
        side="out") +
    raw(udp_pkt(A_IN2, A_OUT2, 40000, 53,
                dns_msg(0x1236, 0x0100, "next.test", 1))) +
    raw(udp_pkt(A_IN2, A_OUT2, 40001, 53,
                b"\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                b"\xc0\x0c\x00\x01\x00\x01")) +
    tick("50ms") +
    raw(udp_pkt(A_OUT2, A_PUB, 53, 40000,
                dns_msg(0x1236, 0x8180, "next.test", 1)), side="out") +
    tick("1s"))

# registration from 137 (the address rewritten), its response, a datagram
# from 138 joining the conversation
SEEDS["netbios"] = bytes([0]) + (
    raw(udp_pkt(A_IN2, A_OUT2, 137, 137,
                struct.pack(">HHHHHH", 0x5151, 0x2900, 1, 0, 0, 1) +
                nb_name("PINHOLE") + struct.pack(">HH", 0x20, 1) +
                b"\xc0\x0c" + struct.pack(">HHIH", 0x20, 1, 300000, 6) +
                b"\x60\x00" + bytes(A_IN2))) +
    raw(udp_pkt(A_OUT2, A_PUB, 137, 137,
                struct.pack(">HHHHHH", 0x5151, 0xAD80, 0, 1, 0, 0) +
                nb_name("PINHOLE") + struct.pack(">HHIH", 0x20, 1, 300000, 6)
                + b"\x60\x00" + bytes(A_PUB)), side="out") +
    raw(udp_pkt(A_IN2, A_OUT2, 138, 138,
                struct.pack(">BBH", 0x11, 0x02, 0x7a7a) + bytes(A_IN2) +
                struct.pack(">HHH", 138, 72, 0) + nb_name("PINHOLE") +
                nb_name("WORKGROUP", 0x1d) + b"\xffSMB")))


def ber(tag, content):
    return bytes([tag, len(content)]) + content


_trap_pdu = (ber(0x06, b"\x2b\x06\x01\x04\x01\xbf\x08") +
             ber(0x40, bytes(A_IN2)) + ber(0x02, b"\x06") +
             ber(0x02, b"\x01") + ber(0x43, b"\x12\x34") +
             ber(0x30, ber(0x30, ber(0x06, b"\x2b\x06\x01\x02\x01\x01\x05"
                                     b"\x00") + ber(0x04, b"gw"))))


def snmp_get(pdu_tag, value):
    """A v2c GetRequest (0xA0) or Response (0xA2) for sysName.0."""
    vb = ber(0x30, ber(0x06, b"\x2b\x06\x01\x02\x01\x01\x05\x00") + value)
    pdu = ber(0x02, b"\x2a") + ber(0x02, b"\x00") + ber(0x02, b"\x00")
    pdu += ber(0x30, vb)
    return ber(0x30, ber(0x02, b"\x01") + ber(0x04, b"public") +
               ber(pdu_tag, pdu))


# a v1 trap from the inside (agent-addr rewritten), a get and its response
SEEDS["snmp"] = bytes([0]) + (
    raw(udp_pkt(A_IN2, A_OUT2, 40000, 162,
                ber(0x30, ber(0x02, b"\x00") + ber(0x04, b"public") +
                    ber(0xA4, _trap_pdu)))) +
    raw(udp_pkt(A_IN2, A_OUT2, 40001, 161, snmp_get(0xA0, ber(0x05, b"")))) +
    raw(udp_pkt(A_OUT2, A_PUB, 161, 40001,
                snmp_get(0xA2, ber(0x04, b"agent"))), side="out"))


def dhcp(op_, xid, giaddr, mtype):
    h = bytes([op_, 1, 6, 1]) + struct.pack(">IHH", xid, 0, 0)
    h += bytes(12) + bytes(giaddr) + b"\x02\x00\x5e\x10\x20\x30"
    h += bytes(236 - len(h))
    return h + b"\x63\x82\x53\x63" + bytes([53, 1, mtype, 255])


# a relayed DISCOVER (giaddr rewritten), an OFFER to the mapped port
# (giaddr restored by xid), one to port 67 (no flow)
SEEDS["bootp_relay"] = bytes([0]) + (
    raw(udp_pkt(A_IN2, A_OUT2, 40000, 67,
                dhcp(1, 0xc0ffee01, (198, 18, 0, 9), 1))) +
    raw(udp_pkt(A_OUT2, A_PUB, 67, 40000,
                dhcp(2, 0xc0ffee01, A_PUB, 2)), side="out") +
    raw(udp_pkt(A_OUT2, A_PUB, 67, 67, dhcp(2, 0xc0ffee01, A_PUB, 2)),
        side="out"))

def pptp(ctype, body):
    """A PPTP control message (RFC 2637 sec. 2): length, message type 1,
    magic cookie, control message type, reserved, then the body."""
    return struct.pack(">HHIHH", 12 + len(body), 1, 0x1A2B3C4D, ctype, 0) + body


SCCRQ = pptp(1, struct.pack(">HHII", 0x0100, 0, 1, 1) +
             struct.pack(">HH", 1, 1) + bytes(64) + bytes(64))
SCCRP = pptp(2, struct.pack(">HBBII", 0x0100, 1, 0, 1, 1) +
             struct.pack(">HH", 1, 1) + bytes(64) + bytes(64))
OCRQ = pptp(7, struct.pack(">HHIIIIHHHH", 0x1234, 1, 300, 10000000, 1, 1,
                           1500, 64, 0, 0) + bytes(64) + bytes(64))
OCRP = pptp(8, struct.pack(">HHBBHIHHI", 0x5678, 0x1234, 1, 0, 0, 10000000,
                           64, 1500, 0))

# PPTP (1723): the control connection's start and an outgoing call, whose
# call ID the ALG maps for GRE; the reply names the inside call ID (the
# script cannot know the mapped one): refused as for no known call
SEEDS["pptp_call"] = bytes([0]) + (
    handshake(IN2, OUT2, P1025, P1723, L(0)) +
    tcp(IN2, OUT2, P1025, P1723, PSH | ACK, SCCRQ) +
    tcp(OUT2, PUB, P1723, L(0), PSH | ACK, SCCRP) +
    tcp(IN2, OUT2, P1025, P1723, PSH | ACK, OCRQ) +
    tcp(OUT2, PUB, P1723, L(0), PSH | ACK, OCRP))

# H.323 (1720): a TPKT-framed Q.931 SETUP without its H.225 user-user
# part (the fuzzer grows it), and a RAS datagram to 1719
SEEDS["h323_setup"] = bytes([0]) + (
    handshake(IN2, OUT2, P1036, P1720, L(0)) +
    tcp(IN2, OUT2, P1036, P1720, PSH | ACK,
        b"\x03\x00\x00\x0c\x08\x02\x00\x01\x05\x04\x03\x80") +
    udp(IN2, OUT2, P1719, P1719, b"\x0e\x00\x00\x01"))


# IPv6 fragments (raw packets; core/frag6.c): a UDP datagram in three
# pieces in order and its answer, one whose pieces come last first, an
# overlap, pieces of a datagram the outside may not send, a first piece
# whose rest comes after the fragment timeout, an atomic fragment, and
# (small tables: 2 entries) one first fragment more than fit.
def ip6_addr(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def ip6_udp_part(src, dst, sport, dport, payload):
    ulen = 8 + len(payload)
    pseudo = src + dst + struct.pack(">IxxxB", ulen, 17)
    u = struct.pack(">HHHH", sport, dport, ulen, 0) + payload
    data = pseudo + u + (b"\0" if len(u) % 2 else b"")
    total = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    ck = (~total & 0xffff) or 0xffff
    return u[:6] + struct.pack(">H", ck) + u[8:]


def ip6_frag(src, dst, ident, part, off, n, more):
    fh = struct.pack(">BBHI", 17, 0, off | (1 if more else 0), ident)
    body = fh + part[off:off + n]
    return (struct.pack(">IHBB", 0x60000000, len(body), 44, 64) + src + dst +
            body)


def ip6_thirds(src, dst, ident, part, order=(0, 1, 2), side="in", step=0):
    out = b""
    for k in order:
        n = 16 if k < 2 else len(part) - 32
        out += raw(ip6_frag(src, dst, ident, part, 16 * k, n, k < 2),
                   step if k == order[0] else 0, side)
    return out


C6, S6, P6 = (ip6_addr("2001:db8:1::2"), ip6_addr("2001:db8:2::5"),
              ip6_addr("2001:db8:2::7"))
Q6 = ip6_udp_part(C6, S6, 5353, 53, b"q" * 40)
A6 = ip6_udp_part(S6, C6, 53, 5353, b"answer")
O6 = ip6_udp_part(P6, C6, 7000, 53, b"o" * 40)
SEEDS["ipv6_fragments_raw"] = bytes([0]) + (
    ip6_thirds(C6, S6, 0x01020304, Q6) +
    raw(struct.pack(">IHBB", 0x60000000, len(A6), 17, 64) + S6 + C6 + A6,
        0, "out") +
    ip6_thirds(C6, S6, 2, Q6, (2, 1, 0)) +
    raw(ip6_frag(C6, S6, 3, Q6, 0, 16, True), 0, "in") +
    raw(ip6_frag(C6, S6, 3, Q6, 8, 16, True), 0, "in") +
    raw(ip6_frag(C6, S6, 3, Q6, 16, 16, True), 0, "in") +
    ip6_thirds(P6, C6, 4, O6, side="out") +
    raw(ip6_frag(C6, S6, 5, Q6, 0, 16, True), 0, "in") +
    raw(ip6_frag(C6, S6, 5, Q6, 16, 16, True), "11s", "in") +
    raw(ip6_frag(C6, S6, 6, Q6, 0, 48, False), 0, "in"))
SEEDS["ipv6_fragments_table_full"] = bytes([0x10]) + (
    raw(ip6_frag(C6, S6, 7, Q6, 0, 16, True), 0, "in") +
    raw(ip6_frag(C6, S6, 8, Q6, 0, 16, True), 0, "in") +
    raw(ip6_frag(C6, S6, 9, Q6, 0, 16, True), 0, "in") +
    raw(ip6_frag(C6, S6, 9, Q6, 16, 16, True), 0, "in") +
    ip6_thirds(C6, S6, 7, Q6, (1, 2)) +
    raw(ip6_frag(C6, S6, 9, Q6, 0, 16, True), 0, "in"))


# Split FTP commands and replies on IPv6 and NAT64 control connections
# (raw IPv6 packets; core/stream.c holds the pieces as on IPv4): an EPRT
# |2| in two pieces, a 229 in two, a piece resent and one past a gap;
# through NAT64 (64:ff9b::c613:2 is 198.19.0.2) the server's side is
# IPv4 to the control connection's public port L(0).
def ip6_tcp(src, dst, sport, dport, flags, seq, ack, payload=b""):
    if isinstance(payload, str):
        payload = payload.encode()
    t = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                    65535, 0, 0) + payload
    pseudo = src + dst + struct.pack(">IxxxB", len(t), 6)
    data = pseudo + t + (b"\0" if len(t) % 2 else b"")
    total = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    t = t[:16] + struct.pack(">H", ~total & 0xffff) + t[18:]
    return struct.pack(">IHBB", 0x60000000, len(t), 6, 64) + src + dst + t


def ftp6_split(srv, srv_in):
    """The client's half (raw IPv6) of an FTP session to srv with split
    lines; srv_in(flags, seq, ack, payload) is the server's packet."""
    e1, e2 = b"EPRT |2|2001:db8:", b"1::2|50000|\r\n"
    r1, r2 = b"229 Entering Extended Pa", b"ssive Mode (|||50001|)\r\n"
    c, g = 1000, 7000
    out = raw(ip6_tcp(C6, srv, 40000, 21, SYN, c, 0), 0, "in")
    out += srv_in(SYN | ACK, g, c + 1, b"")
    c, g = c + 1, g + 1
    out += raw(ip6_tcp(C6, srv, 40000, 21, ACK, c, g), 0, "in")
    out += srv_in(PSH | ACK, g, c, b"220 ok\r\n")
    g += 8
    out += raw(ip6_tcp(C6, srv, 40000, 21, PSH | ACK, c, g, e1), 0, "in")
    out += raw(ip6_tcp(C6, srv, 40000, 21, PSH | ACK, c, g, e1), 0, "in")
    out += raw(ip6_tcp(C6, srv, 40000, 21, PSH | ACK, c + len(e1) + 3, g,
                       e2[3:]), 0, "in")
    out += raw(ip6_tcp(C6, srv, 40000, 21, PSH | ACK, c + len(e1), g, e2),
               "1ms", "in")
    c += len(e1) + len(e2)
    out += srv_in(PSH | ACK, g, c, r1)
    out += srv_in(PSH | ACK, g + len(r1), c, r2)
    g += len(r1) + len(r2)
    out += raw(ip6_tcp(C6, srv, 40000, 21, PSH | ACK, c, g,
                       b"EPRT |2|2001:db8:1::2|5"), 0, "in")
    return out


def srv6_in(flags, seq, ack, payload):
    return raw(ip6_tcp(S6, C6, 21, 40000, flags, seq, ack, payload), 0, "out")


def srv64_in(flags, seq, ack, payload):
    return tcp_full(OUT2, PUB, P21, L(0), flags, 0xFF, 0xFF, payload=payload,
                    seq=seq, ack=ack)


SRV64 = ip6_addr("64:ff9b::c613:2")
SEEDS["ipv6_ftp_split_eprt"] = bytes([0]) + ftp6_split(S6, srv6_in) + \
    raw(ip6_tcp(S6, C6, 20, 50000, SYN, 300, 0), 0, "out")
SEEDS["nat64_ftp_split_eprt"] = bytes([0]) + ftp6_split(SRV64, srv64_in) + \
    tcp_full(OUT2, PUB, P20, L(1), SYN, 0xFF, 0, seq=300)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()

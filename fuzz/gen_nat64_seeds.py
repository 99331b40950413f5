#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Seeds for fuzz_ctx_nat64 (fuzz/ctx_nat64.c documents the script):
#   /usr/bin/python3 fuzz/gen_nat64_seeds.py fuzz/corpus/ctx_nat64
# (the corpus also holds the rtsp64_* and ftp64_* seeds of the former
# fuzz_ctx_nat64_algs, converted to this script's form)
import os
import struct
import sys

CLI = "2001:db8:1::2"


def rec(op, data, which=0):
    data = data.encode() if isinstance(data, str) else data
    return struct.pack(">BBH", op, which, len(data)) + data


def sdp6(port):
    body = ("v=0\r\no=- 1 1 IN IP6 %s\r\ns=-\r\nc=IN IP6 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\n" % (CLI, CLI, port))
    return body


def sdp4(port):
    return ("v=0\r\no=- 2 2 IN IP4 198.19.0.2\r\ns=-\r\nc=IN IP4 198.19.0.2\r\n"
            "t=0 0\r\nm=audio %d RTP/AVP 0\r\n" % port)


def invite(transport):
    body = sdp6(6000)
    return ("INVITE sip:bob@[64:ff9b::c613:2] SIP/2.0\r\n"
            "Via: SIP/2.0/%s [%s]:41000;branch=z9hG4bK1\r\n"
            "From: <sip:alice@[%s]>;tag=1\r\nTo: <sip:bob@[64:ff9b::c613:2]>\r\n"
            "Call-ID: 1@[%s]\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@[%s]:41000>\r\n"
            "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
            % (transport, CLI, CLI, CLI, CLI, len(body), body))


def ok(transport):
    body = sdp4(7000)
    return ("SIP/2.0 200 OK\r\nVia: SIP/2.0/%s [%s]:41000;branch=z9hG4bK1\r\n"
            "From: <sip:alice@[%s]>;tag=1\r\nTo: <sip:bob@198.19.0.2>;tag=2\r\n"
            "Call-ID: 1@[%s]\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@198.19.0.2:5060>\r\n"
            "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
            % (transport, CLI, CLI, CLI, len(body), body))


SEEDS = {
    "ftp-eprt": bytes([0x00, 0]) + rec(1, "220 ready\r\n")
    + rec(0, "EPRT |2|%s|50000|\r\n" % CLI) + rec(1, "200 ok\r\n", 1)
    + rec(0, "RETR big\r\n"),
    "ftp-eprt-split": bytes([0x04, 0]) + rec(1, "220 ready\r\n")
    + rec(0, "EPRT |2|%s|" % CLI) + rec(0, "50001|\r\n") + rec(1, "200 ok\r\n"),
    "ftp-epsv": bytes([0x00, 0]) + rec(1, "220 ready\r\n") + rec(0, "EPSV\r\n")
    + rec(1, "229 Entering Extended Passive Mode (|||50100|)\r\n"),
    "ftp-narrow-eif": bytes([0xc4, 0]) + rec(1, "220 ready\r\n")
    + rec(0, "EPRT |2|%s|50002|\r\n" % CLI) + rec(0x81, "200 ok\r\n", 2),
    "sip-udp": bytes([0x01, 0]) + rec(0, invite("UDP")) + rec(1, ok("UDP"), 1)
    + rec(0, "ACK sip:bob@198.19.0.2 SIP/2.0\r\nCSeq: 1 ACK\r\n"
          "Content-Length: 0\r\n\r\n"),
    "sip-tcp": bytes([0x06, 0]) + rec(0, invite("TCP")) + rec(1, ok("TCP"), 1),
    # the INVITE split inside the SDP's c= line, then the answer
    "sip-tcp-split": bytes([0x06, 0])
    + rec(0, invite("TCP")[:invite("TCP").index("c=IN IP6") + 6])
    + rec(0, invite("TCP")[invite("TCP").index("c=IN IP6") + 6:])
    + rec(1, ok("TCP"), 1),
    "rtsp-setup": bytes([0x03, 0])
    + rec(0, "DESCRIBE rtsp://[64:ff9b::c613:2]/t RTSP/1.0\r\nCSeq: 1\r\n\r\n")
    + rec(1, "RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Base: rtsp://198.19.0.2/t/\r\n"
          "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
          % (len(sdp4(0)), sdp4(0)))
    + rec(0, "SETUP rtsp://[64:ff9b::c613:2]/t/trackID=0 RTSP/1.0\r\nCSeq: 2\r\n"
          "Transport: RTP/AVP;unicast;client_port=6000-6001\r\n\r\n")
    + rec(1, "RTSP/1.0 200 OK\r\nCSeq: 2\r\nTransport: RTP/AVP;unicast;"
          "client_port=6000-6001;server_port=7000-7001;source=198.19.0.2\r\n"
          "Session: 1\r\n\r\n", 1),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)

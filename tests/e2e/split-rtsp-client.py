#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""An RTSP client that writes its requests in pieces (RFC 2326).

usage: split-rtsp-client.py URL [PAUSE_MS [PACKETS]]

On a TCP_NODELAY connection: OPTIONS (whole), DESCRIBE in three send()
calls, SETUP of the first stream over RTP/UDP in three (cut inside the
Transport header, in the middle of "client_port=", and before the blank
line that ends it), PLAY in two, each piece PAUSE_MS (default 100) after
the one before: separate TCP segments, none but the last holding the end
of the request. The client's RTP and RTCP ports are bound before SETUP
and never send anything: the server's media can only arrive through what
a NAT's ALG opened for the client_port it saw. Counts the RTP packets
that arrive within 5 s, up to PACKETS (default 25), then TEARDOWN.
Prints every status line on stderr and "rtp: N packets" on stdout;
exits 0 when PACKETS arrived, 1 otherwise.
"""
import re
import socket
import sys
import time


class Rtsp:
    def __init__(self, url, pause):
        m = re.match(r"rtsp://([^:/]+)(?::(\d+))?(/.*)?$", url)
        if not m:
            raise SystemExit("bad URL " + url)
        self.url = url
        self.pause = pause
        self.cseq = 0
        self.session = None
        self.s = socket.create_connection((m.group(1), int(m.group(2) or 554)),
                                          timeout=10)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.s.makefile("rb")

    def request(self, method, url, headers=(), cuts=()):
        """Sends the request, cut before each text of cuts found in it
        (one send() per piece), and returns (status, headers, body)."""
        self.cseq += 1
        lines = ["%s %s RTSP/1.0" % (method, url), "CSeq: %d" % self.cseq,
                 "User-Agent: pinhole-e2e-split-client"]
        if self.session:
            lines.append("Session: " + self.session)
        text = ("\r\n".join(lines + list(headers)) + "\r\n\r\n").encode()
        at = [0]
        for c in cuts:
            i = text.find(c.encode(), at[-1] + 1)
            if i < 0:
                raise SystemExit("cut %r not in %s" % (c, method))
            at.append(i)
        at.append(len(text))
        for k in range(len(at) - 1):
            if k:
                time.sleep(self.pause)
            self.s.sendall(text[at[k]:at[k + 1]])
        sys.stderr.write("> %s in %d pieces\n" % (method, len(at) - 1))
        return self.response()

    def response(self):
        status = self.f.readline().decode("latin-1").strip()
        sys.stderr.write("< %s\n" % status)
        hdrs = {}
        while True:
            line = self.f.readline().decode("latin-1")
            if line in ("\r\n", "\n", ""):
                break
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        body = self.f.read(int(hdrs.get("content-length", "0")))
        if not status.startswith("RTSP/1.0 200"):
            raise SystemExit("%s" % status)
        return status, hdrs, body.decode("latin-1")


def even_ports():
    """Two UDP sockets on the same address, ports P (even) and P + 1."""
    for _ in range(50):
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind(("0.0.0.0", 0))
        port = rtp.getsockname()[1]
        if port % 2 == 0 and port < 65535:
            rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                rtcp.bind(("0.0.0.0", port + 1))
                return rtp, rtcp, port
            except OSError:
                rtcp.close()
        rtp.close()
    raise SystemExit("no free pair of UDP ports")


def main():
    url = sys.argv[1]
    pause = int(sys.argv[2]) / 1000.0 if len(sys.argv) > 2 else 0.1
    want = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    c = Rtsp(url, pause)
    c.request("OPTIONS", url)
    _, hdrs, sdp = c.request("DESCRIBE", url, ["Accept: application/sdp"],
                             cuts=["CSeq:", "Accept:"])
    base = hdrs.get("content-base", url + "/")
    ctrl = re.search(r"^a=control:(\S+)", sdp.split("m=", 1)[-1], re.M)
    if not ctrl:
        raise SystemExit("no a=control in the SDP")
    track = ctrl.group(1)
    if not track.startswith("rtsp://"):
        track = base.rstrip("/") + "/" + track
    rtp, rtcp, port = even_ports()
    transport = "Transport: RTP/AVP;unicast;client_port=%d-%d" % (port,
                                                                   port + 1)
    _, hdrs, _ = c.request("SETUP", track, [transport],
                           cuts=["_port=", "\r\n\r\n"])
    c.session = hdrs.get("session", "").split(";")[0]
    sys.stderr.write("session %s, %s, server said %s\n" %
                     (c.session, transport, hdrs.get("transport")))
    c.request("PLAY", url, ["Range: npt=0.000-"], cuts=["Range:"])
    rtp.settimeout(0.5)
    got, end = 0, time.time() + 5
    while got < want and time.time() < end:
        try:
            data, peer = rtp.recvfrom(2048)
        except socket.timeout:
            continue
        if len(data) >= 12 and data[0] >> 6 == 2:
            got += 1
    print("rtp: %d packets" % got)
    try:
        c.request("TEARDOWN", url)
    except (OSError, SystemExit) as e:
        sys.stderr.write("TEARDOWN: %s\n" % e)
    return 0 if got >= want else 1


sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""An FTP client that writes its PORT command in pieces (RFC 959).

usage: split-ftp-client.py HOST PATH OUT [PAUSE_MS]

Logs in anonymously, TYPE I, listens on an ephemeral port of its own
address and announces it with PORT, written in two send() calls on a
TCP_NODELAY socket with PAUSE_MS (default 200) between them, split in the
middle of the address ("PORT 198,18," then "0,2,P1,P2\\r\\n"): two TCP
segments, neither holding the whole command line. With an IPv6 HOST (or
one under a NAT64 prefix) the command is EPRT |2|ADDR|PORT| (RFC 2428),
split after the address's second colon ("EPRT |2|2001:db8:" then the
rest). Then RETR PATH, accepts
the server's data connection, writes what arrives to OUT, and QUIT.
Prints every reply line it gets on stderr; exits 0 when the transfer was
acknowledged with 226, 1 otherwise.
"""
import socket
import sys
import time


def reply(f):
    """One FTP reply (multi-line ones too): (code, text)."""
    line = f.readline().decode("latin-1")
    sys.stderr.write("< " + line)
    if len(line) < 4 or not line[:3].isdigit():
        raise SystemExit("bad reply %r" % line)
    code = line[:3]
    if line[3] == "-":
        while True:
            more = f.readline().decode("latin-1")
            sys.stderr.write("< " + more)
            if not more or (more[:3] == code and more[3:4] == " "):
                break
    return int(code), line


def command(s, f, text, want):
    sys.stderr.write("> %s\n" % text)
    s.sendall(text.encode() + b"\r\n")
    code, line = reply(f)
    if code // 100 != want:
        raise SystemExit("%s: %s" % (text, line.strip()))


def main():
    host, path, out = sys.argv[1:4]
    pause = int(sys.argv[4]) / 1000.0 if len(sys.argv) > 4 else 0.2
    s = socket.create_connection((host, 21), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    code, line = reply(f)
    if code != 220:
        raise SystemExit("greeting: " + line.strip())
    sys.stderr.write("> USER anonymous\n")
    s.sendall(b"USER anonymous\r\n")
    code, line = reply(f)
    if code == 331:
        command(s, f, "PASS e2e@", 2)
    elif code != 230:
        raise SystemExit("USER: " + line.strip())
    command(s, f, "TYPE I", 2)
    lst = socket.socket(s.family, socket.SOCK_STREAM)
    lst.bind((s.getsockname()[0], 0))
    lst.listen(1)
    lst.settimeout(10)
    addr, port = lst.getsockname()[:2]
    if s.family == socket.AF_INET6:
        text = "EPRT |2|%s|%d|\r\n" % (addr, port)
        cut = text.index(":", text.index(":") + 1) + 1  # "EPRT |2|a:b:"
    else:
        text = "PORT %s,%d,%d\r\n" % (addr.replace(".", ","), port >> 8,
                                       port & 255)
        cut = text.index(",", text.index(",") + 1) + 1  # after "PORT a,b,"
    sys.stderr.write("> %r + %r (two writes, %d ms apart)\n" %
                     (text[:cut], text[cut:], pause * 1000))
    s.sendall(text[:cut].encode())
    time.sleep(pause)
    s.sendall(text[cut:].encode())
    code, line = reply(f)
    if code != 200:
        raise SystemExit(text.split()[0] + ": " + line.strip())
    sys.stderr.write("> RETR %s\n" % path)
    s.sendall(b"RETR " + path.encode() + b"\r\n")
    code, line = reply(f)
    if code // 100 != 1:
        raise SystemExit("RETR: " + line.strip())
    data, peer = lst.accept()
    data.settimeout(10)
    sys.stderr.write("data connection from %s:%d\n" % peer[:2])
    n = 0
    with open(out, "wb") as o:
        while True:
            b = data.recv(65536)
            if not b:
                break
            o.write(b)
            n += len(b)
    data.close()
    code, line = reply(f)
    sys.stderr.write("%d bytes received\n" % n)
    command(s, f, "QUIT", 2)
    return 0 if code == 226 else 1


sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A minimal rexec client (the protocol of rexec(3) and in.rexecd(8)).

usage: rexec-client.py HOST USER COMMAND   (the password in $REXEC_PASSWORD)

Connects to HOST's TCP port 512 from any port, listens on a second port
and announces it as ASCII digits ended by NUL, accepts the server's
standard-error connection to it, then sends user, password and command,
each ended by NUL. The server answers one byte: 0, then the command's
standard output on the first connection (written to stdout) and its
standard error on the second (written to stderr); 1, then a message.
Exits 0 when the server accepted the command, 1 otherwise.
"""
import os
import select
import socket
import sys


def main():
    host, user, command = sys.argv[1:4]
    password = os.environ.get("REXEC_PASSWORD", "")
    ctl = socket.create_connection((host, 512), timeout=10)
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.bind((ctl.getsockname()[0], 0))
    lst.listen(1)
    lst.settimeout(10)
    ctl.sendall(b"%d\0" % lst.getsockname()[1])
    # the server connects back, or refuses at once (1 and a message)
    ready, _, _ = select.select([lst, ctl], [], [], 10)
    if ctl in ready or not ready:
        sys.stderr.write("rexec refused: %r\n" % ctl.recv(4096))
        return 1
    err, _ = lst.accept()
    lst.close()
    ctl.sendall(b"".join(s.encode() + b"\0" for s in (user, password, command)))
    first = ctl.recv(1)
    if first != b"\0":
        sys.stderr.write("rexec refused: %r\n" % (first + ctl.recv(4096)))
        return 1
    outs = {ctl: sys.stdout.buffer, err: sys.stderr.buffer}
    while outs:
        ready, _, _ = select.select(list(outs), [], [], 10)
        if not ready:
            sys.stderr.write("rexec: timed out\n")
            return 1
        for s in ready:
            data = s.recv(4096)
            if data:
                outs[s].write(data)
                outs[s].flush()
            else:
                del outs[s]
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A small DCE-RPC endpoint mapper and service for the e2e test.

epm-server.py ADDR PORT: listens on ADDR:135 as the endpoint mapper and on
ADDR:PORT as the service. The mapper accepts binds offering NDR, and
answers every ept_map (opnum 3) with one tower: the interface and transfer
syntax floors of the request's map tower, TCP PORT, IPv4 ADDR. The service
accepts a bind and answers requests with an empty response. PDUs are
built by hand from C706 chapter 12 and appendices L and O (little-endian
NDR), so the client side (impacket) is checked against an independent
encoding.
"""
import socket
import struct
import sys
import threading

NDR = bytes.fromhex("045d888aeb1cc9119fe808002b104860") + struct.pack("<I", 2)


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def recv_pdu(conn):
    hdr = recv_exact(conn, 16)
    frag_len = struct.unpack_from("<H", hdr, 8)[0]
    return hdr + recv_exact(conn, frag_len - 16)


def pdu(ptype, call_id, body):
    hdr = struct.pack("<BBBB4sHHI", 5, 0, ptype, 3, b"\x10\x00\x00\x00",
                      16 + len(body), 0, call_id)
    return hdr + body


def bind_ack(req, sec_addr):
    ncontexts = req[24]
    off, results = 28, b""
    for _ in range(ncontexts):
        nts = req[off + 2]
        syntaxes = [req[off + 24 + 20 * i:off + 44 + 20 * i] for i in range(nts)]
        off += 24 + 20 * nts
        if NDR in syntaxes:
            results += struct.pack("<HH", 0, 0) + NDR
        else:
            results += struct.pack("<HH", 2, 2) + b"\x00" * 20
    addr = sec_addr + b"\x00"
    body = struct.pack("<HHIH", 4280, 4280, 0x1234, len(addr)) + addr
    while (16 + len(body)) % 4:
        body += b"\x00"
    body += struct.pack("<B3x", ncontexts) + results
    return pdu(12, struct.unpack_from("<I", req, 12)[0], body)


def floors(tower, count):
    """The first count floors of a tower octet string, as bytes."""
    off = 2
    for _ in range(count):
        lhs = struct.unpack_from("<H", tower, off)[0]
        rhs = struct.unpack_from("<H", tower, off + 2 + lhs)[0]
        off += 4 + lhs + rhs
    return tower[2:off]


def ept_map_response(req, port, addr):
    stub = req[24:]
    off = 4 + (16 if struct.unpack_from("<I", stub, 0)[0] else 0)
    off += 4  # map_tower referent
    tlen = struct.unpack_from("<I", stub, off + 4)[0]
    map_tower = stub[off + 8:off + 8 + tlen]
    tower = struct.pack("<H", 5) + floors(map_tower, 3)
    tower += struct.pack("<HBH", 1, 0x07, 2) + struct.pack(">H", port)
    tower += struct.pack("<HBH", 1, 0x09, 4) + socket.inet_aton(addr)
    out = b"\x00" * 20 + struct.pack("<IIIII", 1, 1, 0, 1, 3)
    out += struct.pack("<II", len(tower), len(tower)) + tower
    while len(out) % 4:
        out += b"\x00"
    out += struct.pack("<I", 0)
    body = struct.pack("<IHBB", len(out), struct.unpack_from("<H", req, 20)[0],
                       0, 0) + out
    return pdu(2, struct.unpack_from("<I", req, 12)[0], body)


def serve(conn, role, port, addr):
    with conn:
        try:
            while True:
                req = recv_pdu(conn)
                ptype = req[2]
                if ptype == 11:  # bind
                    conn.sendall(bind_ack(req, str(port if role else 135).encode()))
                    print("%s: bind" % ("service" if role else "epm"), flush=True)
                elif ptype == 0 and role == 0 and struct.unpack_from("<H", req, 22)[0] == 3:
                    conn.sendall(ept_map_response(req, port, addr))
                    print("epm: ept_map answered with port %d" % port, flush=True)
                elif ptype == 0:
                    body = struct.pack("<IHBB", 0, struct.unpack_from("<H", req, 20)[0], 0, 0)
                    conn.sendall(pdu(2, struct.unpack_from("<I", req, 12)[0], body))
        except (EOFError, ConnectionError, struct.error, IndexError):
            pass


def listen(addr, lport, role, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, lport))
    s.listen(8)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, role, port, addr), daemon=True).start()


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    threading.Thread(target=listen, args=(addr, port, 1, port), daemon=True).start()
    listen(addr, 135, 0, port)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Makes a large capture for pinhole-replay's speed and memory figures (and
its progress-line test): many sessions made of the bundled real captures,
standard library only.

Session k replays the templates (default: ftp-passive, http, udp and ping
from examples/captures/) one after the other from inside host
198.18.0.(2 + k % 250), starting k * spacing after the first, with the
inside host's ports (ICMP echo id) moved by 211 * (k // 250) so that no two
sessions alive at once share a tuple. The default spacing, 75 ms, keeps
fewer than 4096 FTP control connections (closed ones linger 240 s) alive
at once, within a default context's max_watch. Addresses, ports and
checksums are rewritten (RFC 1624 updates); payloads are left as they are
(passive FTP names only the server). Frames of overlapping sessions are
interleaved in time order.

usage: gen-capture.py OUT.pcap [--sessions N] [--spacing-ms MS]
                      [TEMPLATE.pcap...]
"""
import argparse
import heapq
import os
import struct

INSIDE = bytes([198, 18, 0, 2])
HERE = os.path.dirname(os.path.abspath(__file__))
CAPTURES = os.path.join(HERE, "..", "captures")


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    if struct.unpack(end + "I", data[20:24])[0] != 1:
        raise SystemExit("%s: not an Ethernet capture" % path)
    frames, off, t0 = [], 24, None
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        ns = sec * 1000000000 + (frac if nano else frac * 1000)
        t0 = ns if t0 is None else t0
        frames.append((ns - t0, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return frames


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def update(ck, old_words, new_words):
    """RFC 1624 eqn. 3 over several 16-bit words."""
    s = ~ck & 0xFFFF
    for o, n in zip(old_words, new_words):
        s += (~o & 0xFFFF) + n
    return ~fold(s) & 0xFFFF


def words(b):
    return struct.unpack("!%dH" % (len(b) // 2), b)


def move(frame, addr, shift):
    """The frame with the inside host 198.18.0.2 moved to addr and its port
    (echo id) moved by shift."""
    f = bytearray(frame)
    ip = 14
    if f[12:14] != b"\x08\x00":
        return bytes(f)
    ihl = (f[ip] & 15) * 4
    proto, l4 = f[ip + 9], ip + ihl
    old_ip = bytes(f[ip + 12:ip + 20])
    side = 12 if f[ip + 12:ip + 16] == INSIDE else 16 if f[ip + 16:ip + 20] == INSIDE else 0
    if not side:
        return bytes(f)
    f[ip + side:ip + side + 4] = addr
    new_ip = bytes(f[ip + 12:ip + 20])
    ck = struct.unpack("!H", f[ip + 10:ip + 12])[0]
    f[ip + 10:ip + 12] = struct.pack("!H", update(ck, words(old_ip), words(new_ip)))
    if proto in (6, 17):
        at = l4 + (0 if side == 12 else 2)
        ckat = l4 + (16 if proto == 6 else 6)
    elif proto == 1 and f[l4] in (0, 8):
        at, ckat = l4 + 4, l4 + 2
    else:
        return bytes(f)
    old_port = struct.unpack("!H", f[at:at + 2])[0]
    new_port = 1024 + (old_port - 1024 + shift) % 64000 if proto != 1 else (old_port + shift) & 0xFFFF
    f[at:at + 2] = struct.pack("!H", new_port)
    ck = struct.unpack("!H", f[ckat:ckat + 2])[0]
    if proto == 17 and ck == 0:
        return bytes(f)
    old_w, new_w = [old_port], [new_port]
    if proto != 1:
        old_w += words(old_ip)
        new_w += words(new_ip)
    ck = update(ck, old_w, new_w)
    if proto == 17 and ck == 0:
        ck = 0xFFFF
    f[ckat:ckat + 2] = struct.pack("!H", ck)
    return bytes(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--spacing-ms", type=float, default=75.0)
    ap.add_argument("templates", nargs="*")
    a = ap.parse_args()
    names = a.templates or [os.path.join(CAPTURES, n + ".pcap")
                            for n in ("ftp-passive", "http", "udp", "ping")]
    session, t = [], 0
    for n in names:  # the templates one after the other, 1 ms apart
        frames = read_pcap(n)
        session += [(t + dt, fr) for dt, fr in frames]
        t = session[-1][0] + 1000000
    spacing = int(a.spacing_ms * 1000000)
    base = 1700000000 * 1000000000
    with open(a.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        # the next frame of every session under way; sessions join when
        # their start is due
        heap = [(0, 0, 0)] if a.sessions > 0 else []
        next_k = 1
        while heap:
            ts, k, i = heapq.heappop(heap)
            while next_k < a.sessions and next_k * spacing <= ts:
                heapq.heappush(heap, (next_k * spacing, next_k, 0))
                next_k += 1
            if heap and heap[0][0] < ts:
                heapq.heappush(heap, (ts, k, i))
                continue
            addr = bytes([198, 18, 0, 2 + k % 250])
            frame = move(session[i][1], addr, 211 * (k // 250))
            at = base + ts
            out.write(struct.pack("<IIII", at // 1000000000, at % 1000000000,
                                  len(frame), len(frame)))
            out.write(frame)
            if i + 1 < len(session):
                heapq.heappush(heap, (k * spacing + session[i + 1][0], k, i + 1))
            elif not heap and next_k < a.sessions:
                heapq.heappush(heap, (next_k * spacing, next_k, 0))
                next_k += 1

main()

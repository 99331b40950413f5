#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Derives the captures of derived/ from the recorded ones (record.sh), with
the standard library only: what real captures sometimes look like.

  ftp-passive-offload.pcap  ftp-passive.pcap as tcpdump shows it on a
      client whose NIC computes checksums (transmit checksum offload): in
      every frame the inside host sent, the IPv4 header checksum is 0 and
      the TCP checksum holds only the pseudo-header sum the stack leaves
      for the NIC to complete. The outside host's frames are untouched.
  udp-frag-lost.pcap  udp-frag.pcap without the first fragment of the
      second datagram (lost before the capture point) and without the
      server's answer to it: the datagram's later fragments arrive alone.
  arp-only.pcap  the two ARP frames of udp-sll.pcap: no IPv4 at all.
  ftp64-epsv-split-reply.pcap  ftp64-epsv.pcap with the server's 229
      reply (frame 14) in two TCP segments 100 us apart, cut after
      "229 Entering Ext", as a client behind a NAT64 that does not
      reassemble replies sees them: pinhole's FTP ALG holds the first
      piece and sends the reply on whole (translated to IPv6) with the
      second.
  ftp64-split-resent.pcap  ftp64-split.pcap with the client's second EPRT
      piece (frame 12) sent again 0.3 ms later, before the server's
      reply, as its tail-loss probe does when the server's ACK is slow
      (seen in e2e replay-ftp64 under load): pinhole sends it on without
      its payload (a resent part of a merged message).

usage: examples/captures/derive.py [DIR]
  reads DIR/*.pcap (default: this directory), writes DIR/derived/
"""
import os
import struct
import sys

INSIDE = bytes([198, 18, 0])  # 198.18.0.0/24


def read_pcap(path, linktype=1):
    """Classic pcap (any byte order) of link type linktype (1: Ethernet):
    (global header, [(record header, frame)])."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit("%s: not a classic pcap file" % path)
    if struct.unpack(end + "I", data[20:24])[0] != linktype:
        sys.exit("%s: not link type %d" % (path, linktype))
    frames, off = [], 24
    while off + 16 <= len(data):
        rec = data[off:off + 16]
        caplen = struct.unpack(end + "I", rec[8:12])[0]
        frames.append((rec, bytearray(data[off + 16:off + 16 + caplen])))
        off += 16 + caplen
    return data[:24], frames


def write_pcap(path, header, frames):
    with open(path, "wb") as f:
        f.write(header)
        for rec, frame in frames:
            f.write(rec)
            f.write(bytes(frame))


def sum16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def split_tcp6(rec, frame, cut):
    """A raw IPv6 TCP frame (no extension headers) as two: payload
    [0, cut) and [cut, end), the second 100 us later; both checksums
    computed. Returns [(rec, frame), (rec, frame)]."""
    assert frame[0] >> 4 == 6 and frame[6] == 6
    thl = (frame[40 + 12] >> 4) * 4
    head, data = frame[:40 + thl], frame[40 + thl:]
    seq = struct.unpack("!I", head[44:48])[0]
    out = []
    for i, (part, add) in enumerate(((data[:cut], 0), (data[cut:], cut))):
        f = bytearray(head) + part
        f[4:6] = struct.pack("!H", len(f) - 40)
        f[44:48] = struct.pack("!I", (seq + add) & 0xFFFFFFFF)
        if i == 0:
            f[40 + 13] &= ~0x08 & 0xFF  # PSH on the last piece only
        f[56:58] = b"\0\0"
        pseudo = bytes(f[8:40]) + struct.pack("!IxxxB", len(f) - 40, 6)
        f[56:58] = struct.pack("!H", ~sum16(pseudo + bytes(f[40:])) & 0xFFFF)
        r = bytearray(rec)
        usec = struct.unpack("<I", r[4:8])[0] + 100 * i
        r[0:4] = struct.pack("<I", struct.unpack("<I", r[0:4])[0] + usec // 10**6)
        r[4:8] = struct.pack("<I", usec % 10**6)
        r[8:12] = r[12:16] = struct.pack("<I", len(f))
        out.append((bytes(r), f))
    return out


def offload(frame):
    """An inside host's IPv4/TCP frame as its offloading NIC gets it."""
    ip = 14
    if frame[12:14] != b"\x08\x00" or frame[ip + 12:ip + 15] != INSIDE:
        return
    ihl = (frame[ip] & 15) * 4
    total = struct.unpack("!H", frame[ip + 2:ip + 4])[0]
    frame[ip + 10:ip + 12] = b"\0\0"
    if frame[ip + 9] != 6:
        return
    pseudo = bytes(frame[ip + 12:ip + 20]) + struct.pack("!BBH", 0, 6,
                                                         total - ihl)
    tcp = ip + ihl
    frame[tcp + 16:tcp + 18] = struct.pack("!H", sum16(pseudo))


def main():
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    out = os.path.join(here, "derived")
    os.makedirs(out, exist_ok=True)
    header, frames = read_pcap(os.path.join(here, "ftp-passive.pcap"))
    for _, frame in frames:
        offload(frame)
    write_pcap(os.path.join(out, "ftp-passive-offload.pcap"), header, frames)

    header, frames = read_pcap(os.path.join(here, "udp-frag.pcap"))
    # frames 5 (first fragment of datagram 2) and 8 (its answer), from 1
    kept = [f for i, f in enumerate(frames, 1) if i not in (5, 8)]
    write_pcap(os.path.join(out, "udp-frag-lost.pcap"), header, kept)

    # Linux cooked v1: the protocol type is at bytes 14-15 (0x0806: ARP)
    header, frames = read_pcap(os.path.join(here, "udp-sll.pcap"), 113)
    arp = [f for f in frames if f[1][14:16] == b"\x08\x06"]
    write_pcap(os.path.join(out, "arp-only.pcap"), header, arp)

    # raw IPv6 (link type 101), little-endian records, microseconds
    header, frames = read_pcap(os.path.join(here, "ftp64-epsv.pcap"), 101)
    assert frames[13][1][72:76] == b"229 "  # after 32 bytes of TCP header
    split = frames[:13] + split_tcp6(*frames[13], 16) + frames[14:]
    write_pcap(os.path.join(out, "ftp64-epsv-split-reply.pcap"), header,
               split)

    header, frames = read_pcap(os.path.join(here, "ftp64-split.pcap"), 101)
    rec, frame = frames[11]
    assert frame[72:76] == b"1::2"  # the second piece of the EPRT
    r = bytearray(rec)
    usec = struct.unpack("<I", r[4:8])[0] + 300
    r[0:4] = struct.pack("<I", struct.unpack("<I", r[0:4])[0] + usec // 10**6)
    r[4:8] = struct.pack("<I", usec % 10**6)
    again = frames[:12] + [(bytes(r), frame)] + frames[12:]
    write_pcap(os.path.join(out, "ftp64-split-resent.pcap"), header, again)


main()

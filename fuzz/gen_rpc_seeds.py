#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seed corpora of fuzz/alg_rpc.c and fuzz/alg_dcerpc.c.

Messages are built from the RFC 5531 / RFC 1833 and C706 layouts, shaped
like what rpcinfo, rpcbind, a Windows client and the endpoint mapper send.
Run from the repository root: python3 fuzz/gen_rpc_seeds.py
"""
import os
import struct
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def be32(*v):
    return b"".join(struct.pack(">I", x) for x in v)


def xdr_string(s):
    b = s.encode()
    return be32(len(b)) + b + b"\0" * (-len(b) % 4)


def call(xid, vers, proc, args, cred=be32(0, 0)):
    return be32(xid, 0, 2, 100000, vers, proc) + cred + be32(0, 0) + args


def reply(xid, results):
    return be32(xid, 1, 0, 0, 0, 0) + results


def mark(msg, cuts=()):
    out, start = b"", 0
    for i, end in enumerate(list(cuts) + [len(msg)]):
        last = 0x80000000 if end == len(msg) else 0
        out += be32(last | (end - start)) + msg[start:end]
        start = end
    return out


def rpcb(prog, vers, netid, addr, owner):
    return be32(prog, vers) + xdr_string(netid) + xdr_string(addr) + \
        xdr_string(owner)


AUTH_SYS = be32(1, 28, 0x651f0010) + xdr_string("client") + be32(0, 0, 0)


def rpc_seeds():
    getport = call(0x5f3a1c01, 2, 3, be32(100003, 3, 6, 0))
    getaddr = call(0x297c0042, 4, 3, rpcb(100005, 3, "tcp", "", "superuser"),
                   AUTH_SYS)
    dump = reply(7, be32(1, 100000, 2, 6, 111, 1, 100000, 2, 17, 111,
                         1, 100024, 1, 17, 33837, 0))
    return {
        "getport_call_udp": getport,
        "getport_reply_udp": reply(0x5f3a1c01, be32(2049)),
        "getport_call_tcp": mark(getport),
        "getaddr_call_tcp_3frags": mark(getaddr, (20, 69)),
        "getaddr_reply_tcp": mark(reply(0x297c0042,
                                        xdr_string("198.18.0.10.3.232"))),
        "getversaddr_reply_ipv6": reply(9, xdr_string("2001:db8::a.8.1")),
        "getaddr_reply_empty": reply(10, xdr_string("")),
        "set_call_v3": call(0x3039, 3, 1, rpcb(100024, 1, "udp",
                                               "0.0.0.0.132.45", "superuser")),
        "unset_call_v2": call(0x303a, 2, 2, be32(100024, 1, 17, 0)),
        "dump_reply": dump,
        "prog_mismatch": be32(11, 1, 0, 0, 0, 2, 2, 4),
        "auth_error": be32(12, 1, 1, 1, 1),
        "hostile_huge_mark": be32(0x7fffffff) + getport[:8],
        "hostile_string_lies": reply(13, be32(200) + b"198.18.0.1.0.111"),
    }


def le16(v):
    return struct.pack("<H", v)


def n32(v, be):
    return struct.pack(">I" if be else "<I", v)


def n16(v, be):
    return struct.pack(">H" if be else "<H", v)


def ndr_uuid(text, be):
    u = uuid.UUID(text)
    return u.bytes if be else u.bytes_le


EPM = "e1af8308-5d1f-11c9-91a4-08002b14a0fa"
NDR = "8a885d04-1ceb-11c9-9fe8-08002b104860"
NDR64 = "71710533-beba-4937-8319-b5dbef9ccc36"
SAMR = "12345778-1234-abcd-ef00-0123456789ac"


def tower(port, addr, proto=0x07):
    def uuid_floor(text, major):
        lhs = b"\x0d" + uuid.UUID(text).bytes_le + le16(major)
        return le16(len(lhs)) + lhs + le16(2) + le16(0)
    t = le16(5) + uuid_floor(SAMR, 1) + uuid_floor(NDR, 2)
    t += le16(1) + b"\x0b" + le16(2) + le16(0)
    t += le16(1) + bytes([proto]) + le16(2) + struct.pack(">H", port)
    t += le16(1) + b"\x09" + le16(4) + struct.pack(">I", addr)
    return t


def twr(t, be):
    b = n32(len(t), be) + n32(len(t), be) + t
    return b + b"\0" * (-len(b) % 4)


def pdu(ptype, flags, call_id, body, be=False):
    drep = b"\x00\x00\x00\x00" if be else b"\x10\x00\x00\x00"
    h = bytes([5, 0, ptype, flags]) + drep
    return h + n16(16 + len(body), be) + n16(0, be) + n32(call_id, be) + body


def syntax(text, version, be):
    return ndr_uuid(text, be) + n32(version, be)


def dcerpc_seeds():
    out = {}
    for be in (False, True):
        sfx = "_be" if be else ""
        bind = n16(4280, be) + n16(4280, be) + n32(0, be) + b"\x02\0\0\0"
        bind += n16(0, be) + b"\x01\0" + syntax(EPM, 3, be) + syntax(NDR, 2, be)
        bind += n16(1, be) + b"\x01\0" + syntax(EPM, 3, be) + \
            syntax(NDR64, 1, be)
        out["bind_epm" + sfx] = pdu(11, 3, 1, bind, be)
        ack = n16(4280, be) + n16(4280, be) + n32(0x12345, be) + n16(4, be) + \
            b"135\0" + b"\0\0" + b"\x01\0\0\0" + n16(0, be) + n16(0, be) + \
            syntax(NDR, 2, be)
        out["bind_ack" + sfx] = pdu(12, 3, 1, ack, be)
        req = n32(1, be) + b"\0" * 16 + n32(2, be) + twr(tower(0, 0), be) + \
            b"\0" * 20 + n32(4, be)
        out["ept_map_request" + sfx] = pdu(
            0, 3, 2, n32(len(req), be) + n16(0, be) + n16(3, be) + req, be)
        resp = b"\0" * 20 + n32(2, be) + n32(4, be) + n32(0, be) + n32(2, be)
        resp += n32(3, be) + n32(4, be)
        resp += twr(tower(49667, 0xC612000A), be)
        resp += twr(tower(49668, 0xC612000B), be) + n32(0, be)
        hdr = n32(len(resp), be) + n16(0, be) + b"\0\0"
        out["ept_map_response" + sfx] = pdu(2, 3, 2, hdr + resp, be)
        if not be:
            cut = 125
            out["ept_map_response_2frags"] = \
                pdu(2, 1, 9, hdr + resp[:cut]) + pdu(2, 2, 9, hdr + resp[cut:])
            out["ept_map_response_stub"] = resp
            bad = bytearray(resp)
            bad[52:54] = b"\xff\xff"
            out["hostile_floor_count"] = pdu(2, 3, 2, hdr + bytes(bad))
            bad = bytearray(resp)
            bad[40:44] = n32(3, False)
            out["hostile_referent_twice"] = pdu(2, 3, 2, hdr + bytes(bad))
            udp = b"\0" * 20 + n32(1, be) + n32(1, be) + n32(0, be) + \
                n32(1, be) + n32(5, be) + \
                twr(tower(135, 0xC612000A, 0x08), be) + n32(0, be)
            out["ept_map_response_udp"] = pdu(2, 3, 3, hdr + udp)
    return out


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("alg_rpc", rpc_seeds())
    write("alg_dcerpc", dcerpc_seeds())

# SPDX-License-Identifier: BSD-2-Clause
"""pinhole from Python, with ctypes only (standard library).

    import pinhole
    ctx = pinhole.Context()                       # defaults: pinhole_config_default
    pool = ctx.pool_add("198.19.0.1")             # ports: the context's block
    ctx.rule_add(name="out", side=pinhole.SIDE_INSIDE,
                 src="198.18.0.0/24", nat=pinhole.NAT_SOURCE, pool=pool)
    verdict, out = ctx.process(pinhole.udp("198.18.0.2", 41000,
                                           "198.19.0.2", 5000, b"hi"),
                               pinhole.SIDE_INSIDE, now_ns=0)
    print(ctx.conversations())
    print(ctx.stats()["Accepts"])

The shared library is found through the environment variable PINHOLE_LIB
(a path), else as "libpinhole.so.0" on the loader's path. The structures
below mirror include/pinhole/pinhole.h of version 0.2.0 field by field.
The library trusts the size field each struct starts with (a size larger
than the real struct is undefined behaviour), so load() compares every
declared struct with pinhole_struct_size() and refuses a library that
does not match, before any struct crosses the boundary.
"""

import ctypes
import os
import socket
import struct

__all__ = ["Context", "PinholeError", "load", "udp", "tcp", "icmp_echo",
           "parse_addr", "format_addr", "inet_cksum"]

# ------------------------------------------------------------------ enums
SIDE_INSIDE, SIDE_OUTSIDE, SIDE_ANY = 0, 1, 255
VERDICT_FORWARD, VERDICT_DROP, VERDICT_REJECT = 0, 1, 2
ACTION_ACCEPT, ACTION_DISCARD, ACTION_REJECT = 0, 1, 2
NAT_NONE, NAT_SOURCE, NAT_DEST, NAT_STATIC = 0, 1, 2, 3
RULE_DNS_DOCTOR = 0x01
IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP = 1, 6, 17
TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# enum pinhole_counter: indices for Context.counters(). The C enum is the
# only source of these numbers (the names from pinhole_counter_name are
# display text), so they are repeated here.
COUNTERS = [
    "NEW_ACCEPT", "NEW_DISCARD", "NEW_REJECT",
    "EXIST_ACCEPT", "EXIST_DISCARD", "EXIST_REJECT",
    "DROP_IP_OPTION", "DROP_SYN_DEFENSE", "DROP_NAT_PORTS",
    "ERR_IP", "ERR_TCP", "ERR_UDP", "ERR_ICMP", "ERR_NON_IP", "ERR_ALG",
    "IP_LEN", "IP_MIN_HDR", "IP_MAX_LEN", "IP_SRC", "IP_DST", "IP_TTL_ZERO",
    "IP_PROTO", "IP_LAND", "IP_NON_IPV4", "IP_CKSUM", "IP_FRAG_LEN",
    "IP_FRAG_OVERLAP", "IP_FRAG_TIMEOUT", "IP_UNKNOWN",
    "TCP_HDR_LEN", "TCP_PORT_ZERO", "TCP_FLAGS", "TCP_SYN_ATTACK",
    "TCP_NOT_SYN", "TCP_PORT_SCAN", "TCP_SYN_COOKIE",
    "UDP_SHORT", "UDP_PORT_ZERO", "UDP_PORT_SCAN",
    "ICMP_SHORT", "ICMP_ERR_LEN", "ICMP_DUP_SEQ", "ICMP_MISMATCH_SEQ",
    "ALG_BOOTP", "ALG_DCERPC", "ALG_DCERPC_PORTMAP", "ALG_DNS", "ALG_EXEC",
    "ALG_FTP", "ALG_H323", "ALG_ICMP", "ALG_IIOP", "ALG_LOGIN",
    "ALG_NETBIOS", "ALG_NETSHOW", "ALG_REALAUDIO", "ALG_RPC",
    "ALG_RPC_PORTMAP", "ALG_RTSP", "ALG_SHELL", "ALG_SIP", "ALG_SNMP",
    "ALG_SQLNET", "ALG_TFTP", "ALG_TRACEROUTE",
    "UDP_LEN", "DROP_FLOW_FULL", "DROP_PINHOLE_FULL", "DROP_NO_RULE",
    "DROP_TOO_BIG", "PINHOLE_CREATED", "PINHOLE_USED", "PINHOLE_EXPIRED",
    "FLOWS_EXPIRED", "FRAGMENTS", "DROP_HOST_LIMIT",
    "ALG_WITHHELD", "ALG_UNTRANSLATED", "ALG_DESYNC",
    "TCP_RST_IN_WINDOW",
    "ALG_QUICK_CLOSE",
]
CNT = {name: i for i, name in enumerate(COUNTERS)}

# --------------------------------------------------------------- structs
u8, u16, u32, u64 = (ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32,
                     ctypes.c_uint64)


class HashKey(ctypes.Structure):
    _fields_ = [("k0", u64), ("k1", u64)]


class Config(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("max_flows", u32), ("max_conversations", u32),
        ("max_mappings", u32), ("max_pinholes", u32), ("max_watch", u32),
        ("max_rules", u32), ("max_pools", u32),
        ("max_pinholes_per_conv", u32), ("max_half_open", u32),
        ("port_lo", u16), ("port_hi", u16),
        ("pinhole_timeout_ms", u32), ("tcp_syn_timeout_s", u32),
        ("tcp_est_timeout_s", u32), ("tcp_trans_timeout_s", u32),
        ("udp_timeout_s", u32), ("icmp_timeout_s", u32), ("flags", u32),
        ("hash_key", HashKey), ("seed", u64),
        ("max_fragments", u32), ("frag_timeout_ms", u32),
        ("max_ports_per_host", u32),
    ]


class Endpoint(ctypes.Structure):
    _fields_ = [("addr", u32), ("port", u16), ("pad_", u16)]

    def __str__(self):
        return "%s:%d" % (format_addr(self.addr), self.port)


class Pkt(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(u8)), ("len", u32), ("cap", u32)]


class Pool(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("addr_lo", u32),
                ("addr_hi", u32), ("port_lo", u16), ("port_hi", u16)]


class Rule(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t), ("name", ctypes.c_char * 32),
        ("side", u8), ("proto", u8), ("src_plen", u8), ("dst_plen", u8),
        ("src_addr", u32), ("dst_addr", u32),
        ("dport_lo", u16), ("dport_hi", u16),
        ("action", u8), ("nat", u8), ("nat_port", u16),
        ("pool", ctypes.c_int32), ("nat_addr", u32),
        ("alg", ctypes.c_char * 16), ("flags", u32),
    ]


class Event(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t), ("type", ctypes.c_int),
        ("time_ns", u64), ("conv_id", u32), ("proto", u8), ("side", u8),
        ("flow_state", u8), ("pad_", u8),
        ("src", Endpoint), ("dst", Endpoint),
        ("nat_src", Endpoint), ("nat_dst", Endpoint),
        ("rule", ctypes.c_char_p), ("alg", ctypes.c_char_p),
        ("reason", ctypes.c_char_p),
    ]


class Trace(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t), ("kind", ctypes.c_int),
        ("alg", ctypes.c_char_p), ("time_ns", u64), ("conv_id", u32),
        ("seq", u32), ("ack", u32), ("proto", u8), ("side", u8),
        ("pad_", u16), ("a", Endpoint), ("b", Endpoint),
        ("lifetime_ms", u32),
        # text is not NUL-terminated: read text_len bytes.
        ("text", ctypes.c_void_p), ("text_len", ctypes.c_size_t),
    ]


class FlowInfo(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t), ("conv_id", u32),
        ("alg", ctypes.c_char_p), ("initiators", u32), ("responders", u32),
        ("proto", u8), ("dir", u8), ("state", u8), ("side", u8),
        ("src", Endpoint), ("dst", Endpoint),
        ("out_src", Endpoint), ("out_dst", Endpoint),
        ("frames", u64), ("bytes", u64), ("idle_ms", u32), ("pad_", u32),
    ]


class Callbacks(ctypes.Structure):
    pass


CtxP = ctypes.c_void_p
EVENT_FN = ctypes.CFUNCTYPE(None, CtxP, ctypes.POINTER(Event),
                            ctypes.c_void_p)
TRACE_FN = ctypes.CFUNCTYPE(None, CtxP, ctypes.POINTER(Trace),
                            ctypes.c_void_p)
FLOW_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(FlowInfo),
                           ctypes.c_void_p)
Callbacks._fields_ = [
    ("size", ctypes.c_size_t),
    ("alloc", ctypes.c_void_p), ("free", ctypes.c_void_p),
    ("event", EVENT_FN), ("trace", TRACE_FN), ("emit", ctypes.c_void_p),
]

# ---------------------------------------------------------------- loading
_lib = None


def load(path=None):
    """Loads the shared library once (PINHOLE_LIB, else libpinhole.so.0)."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    lib = ctypes.CDLL(path or os.environ.get("PINHOLE_LIB")
                      or "libpinhole.so.0")
    sigs = {
        "pinhole_version": (ctypes.c_char_p, []),
        "pinhole_strerror": (ctypes.c_char_p, [ctypes.c_int]),
        "pinhole_config_default": (ctypes.c_int, [ctypes.POINTER(Config),
                                                  ctypes.c_size_t]),
        "pinhole_ctx_new": (ctypes.c_int, [ctypes.POINTER(CtxP),
                                           ctypes.POINTER(Config),
                                           ctypes.POINTER(Callbacks),
                                           ctypes.c_void_p]),
        "pinhole_ctx_del": (None, [CtxP]),
        "pinhole_process": (ctypes.c_int, [CtxP, ctypes.POINTER(Pkt),
                                           ctypes.c_int, u64]),
        "pinhole_tick": (ctypes.c_int, [CtxP, u64]),
        "pinhole_pool_add": (ctypes.c_int, [CtxP, ctypes.POINTER(Pool)]),
        "pinhole_rule_add": (ctypes.c_int, [CtxP, ctypes.POINTER(Rule)]),
        "pinhole_counter_count": (ctypes.c_int, []),
        "pinhole_counter_name": (ctypes.c_char_p, [ctypes.c_int]),
        "pinhole_stats": (ctypes.c_int, [CtxP, ctypes.POINTER(u64),
                                         ctypes.c_size_t]),
        "pinhole_stats_format": (ctypes.c_int, [CtxP, ctypes.c_char_p,
                                                ctypes.c_size_t]),
        "pinhole_conversations_format": (ctypes.c_int,
                                         [CtxP, ctypes.c_char_p,
                                          ctypes.c_size_t]),
        "pinhole_flows_visit": (ctypes.c_int, [CtxP, FLOW_FN,
                                               ctypes.c_void_p]),
        "pinhole_event_format": (ctypes.c_int, [ctypes.POINTER(Event),
                                                ctypes.c_char_p,
                                                ctypes.c_size_t]),
        "pinhole_trace_format": (ctypes.c_int, [ctypes.POINTER(Trace),
                                                ctypes.c_char_p,
                                                ctypes.c_size_t]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    _check_layouts(lib)
    if path is None:
        _lib = lib
    return lib


# enum pinhole_struct: the structs declared above, as the library names
# them for pinhole_struct_size().
STRUCTS = {"Config": 1, "Callbacks": 2, "Pkt": 3, "Pool": 4, "Rule": 5,
           "Event": 6, "Trace": 7, "FlowInfo": 8}


def _check_layouts(lib):
    """Refuses a library whose structs are not the ones declared here.

    The library reads `size` bytes of every struct it is given and cannot
    know whether the caller's memory is really that large: a size field
    larger than the real struct is undefined behaviour. A ctypes layout
    that does not match the C one (another ABI, another version of the
    header) would be exactly that, so the sizes are compared once, here,
    before any struct crosses the boundary."""
    lib.pinhole_struct_size.restype = ctypes.c_size_t
    lib.pinhole_struct_size.argtypes = [ctypes.c_int]
    for name, which in STRUCTS.items():
        ours = ctypes.sizeof(globals()[name])
        theirs = lib.pinhole_struct_size(which)
        if theirs != ours:
            raise ImportError(
                "pinhole: struct %s is %d bytes here but %d in the library "
                "(%s): this binding does not match it"
                % (name, ours, theirs,
                   lib.pinhole_version().decode()))


class PinholeError(Exception):
    def __init__(self, func, code):
        msg = load().pinhole_strerror(code).decode()
        super().__init__("%s: %s (%d)" % (func, msg, code))
        self.code = code


def _check(func, rc):
    if rc < 0:
        raise PinholeError(func, rc)
    return rc


# ---------------------------------------------------------------- helpers
def parse_addr(s):
    """'198.18.0.1' -> 0xC6120001 (host-order number, as the API wants)."""
    return struct.unpack("!I", socket.inet_aton(s))[0]


def format_addr(a):
    return socket.inet_ntoa(struct.pack("!I", a))


def _cidr(s):
    addr, _, plen = s.partition("/")
    return parse_addr(addr), int(plen) if plen else 32


def _format(fn, *args):
    n = _check(fn.__name__, fn(*args, None, 0))
    buf = ctypes.create_string_buffer(n + 1)
    _check(fn.__name__, fn(*args, buf, n + 1))
    return buf.value.decode()


def default_config():
    """A Config filled by pinhole_config_default()."""
    cfg = Config()
    _check("pinhole_config_default",
           load().pinhole_config_default(ctypes.byref(cfg),
                                         ctypes.sizeof(cfg)))
    return cfg


class Context:
    """One pinhole context. Not thread-safe (as the C context)."""

    def __init__(self, config=None, on_event=None, on_trace=None):
        self._lib = load()
        self.config = config if config is not None else default_config()
        cb = Callbacks()
        cb.size = ctypes.sizeof(cb)
        # Keep the C function objects alive as long as the context.
        self._event_fn = EVENT_FN(lambda c, ev, u: on_event(ev.contents)) \
            if on_event else EVENT_FN()
        self._trace_fn = TRACE_FN(lambda c, tr, u: on_trace(tr.contents)) \
            if on_trace else TRACE_FN()
        cb.event = self._event_fn
        cb.trace = self._trace_fn
        self._cb = cb
        self._ctx = CtxP()
        _check("pinhole_ctx_new",
               self._lib.pinhole_ctx_new(ctypes.byref(self._ctx),
                                         ctypes.byref(self.config),
                                         ctypes.byref(cb), None))

    def close(self):
        if self._ctx:
            self._lib.pinhole_ctx_del(self._ctx)
            self._ctx = CtxP()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def pool_add(self, addr_lo, addr_hi=None, port_lo=0, port_hi=0):
        p = Pool()
        p.size = ctypes.sizeof(p)
        p.addr_lo = parse_addr(addr_lo)
        p.addr_hi = parse_addr(addr_hi or addr_lo)
        p.port_lo, p.port_hi = port_lo, port_hi
        return _check("pinhole_pool_add",
                      self._lib.pinhole_pool_add(self._ctx, ctypes.byref(p)))

    def rule_add(self, name="", side=SIDE_ANY, proto=0, src=None, dst=None,
                 dport=None, action=ACTION_ACCEPT, nat=NAT_NONE, pool=0,
                 nat_addr=None, nat_port=0, alg="", flags=0):
        """dport: a port or (lo, hi); src/dst: 'a.b.c.d/len'."""
        r = Rule()
        r.size = ctypes.sizeof(r)
        r.name = name.encode()
        r.side, r.proto, r.action, r.nat = side, proto, action, nat
        if src:
            r.src_addr, r.src_plen = _cidr(src)
        if dst:
            r.dst_addr, r.dst_plen = _cidr(dst)
        if dport is not None:
            r.dport_lo, r.dport_hi = (dport if isinstance(dport, tuple)
                                      else (dport, dport))
        r.pool = pool
        r.nat_addr = parse_addr(nat_addr) if nat_addr else 0
        r.nat_port = nat_port
        r.alg = alg.encode()
        r.flags = flags
        return _check("pinhole_rule_add",
                      self._lib.pinhole_rule_add(self._ctx, ctypes.byref(r)))

    def process(self, packet, side, now_ns, headroom=256):
        """Returns (verdict, packet bytes as the library left them)."""
        data = bytes(packet)
        cap = len(data) + headroom
        buf = (u8 * cap).from_buffer_copy(data + bytes(headroom))
        pkt = Pkt(ctypes.cast(buf, ctypes.POINTER(u8)), len(data), cap)
        v = _check("pinhole_process",
                   self._lib.pinhole_process(self._ctx, ctypes.byref(pkt),
                                             side, now_ns))
        return v, bytes(buf[:pkt.len])

    def tick(self, now_ns):
        return _check("pinhole_tick", self._lib.pinhole_tick(self._ctx,
                                                             now_ns))

    def counters(self):
        """All counters, a list indexed by enum pinhole_counter (CNT)."""
        n = self._lib.pinhole_counter_count()
        arr = (u64 * n)()
        got = _check("pinhole_stats",
                     self._lib.pinhole_stats(self._ctx, arr, n))
        return list(arr[:got])

    def stats(self):
        """{enum stem ("NEW_ACCEPT"): value}. Keyed by the enum, not by the
        display names of pinhole_counter_name(), which repeat ("Accepts"
        is both a new-flow and an existing-flow counter)."""
        return dict(zip(COUNTERS, self.counters()))

    def counter_names(self):
        """Display names, by enum index (pinhole_counter_name)."""
        return [self._lib.pinhole_counter_name(i).decode()
                for i in range(self._lib.pinhole_counter_count())]

    def stats_text(self):
        return _format(self._lib.pinhole_stats_format, self._ctx)

    def conversations(self):
        return _format(self._lib.pinhole_conversations_format, self._ctx)

    def flows(self):
        out = []

        def visit(fi, user):
            f = fi.contents
            out.append({
                "conv_id": f.conv_id, "alg": (f.alg or b"").decode(),
                "proto": f.proto, "dir": "IO"[f.dir], "state": f.state,
                "side": f.side, "src": str(f.src), "dst": str(f.dst),
                "out_src": str(f.out_src), "out_dst": str(f.out_dst),
                "frames": f.frames, "bytes": f.bytes,
            })
            return 0

        fn = FLOW_FN(visit)
        _check("pinhole_flows_visit",
               self._lib.pinhole_flows_visit(self._ctx, fn, None))
        return out


def event_text(ev):
    """One line for a pinhole_event (pinhole_event_format)."""
    return _format(load().pinhole_event_format, ctypes.byref(ev))


def trace_text(tr):
    return _format(load().pinhole_trace_format, ctypes.byref(tr))


# ---------------------------------------------------- building packets
def inet_cksum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ttl=64, ident=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0,
                      ttl, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", inet_cksum(hdr)) + hdr[12:]
    return hdr + payload


def _pseudo(src, dst, proto, length):
    return (socket.inet_aton(src) + socket.inet_aton(dst)
            + struct.pack("!BBH", 0, proto, length))


def udp(src, sport, dst, dport, payload=b"", ttl=64):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = inet_cksum(_pseudo(src, dst, IPPROTO_UDP, len(seg)) + seg) or 0xFFFF
    seg = seg[:6] + struct.pack("!H", c) + seg[8:]
    return ipv4(src, dst, IPPROTO_UDP, seg, ttl)


def tcp(src, sport, dst, dport, seq, ack=0, flags=TCP_SYN, payload=b"",
        win=65535):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      win, 0, 0) + payload
    c = inet_cksum(_pseudo(src, dst, IPPROTO_TCP, len(seg)) + seg)
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    return ipv4(src, dst, IPPROTO_TCP, seg)


def icmp_echo(src, dst, ident, seq, reply=False, payload=b"pinhole!"):
    msg = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq) + payload
    msg = msg[:2] + struct.pack("!H", inet_cksum(msg)) + msg[4:]
    return ipv4(src, dst, IPPROTO_ICMP, msg)


def fields(packet):
    """(src, dst, proto, sport, dport) of an IPv4 TCP/UDP packet; for ICMP
    echo, both ports are the identifier."""
    ihl = (packet[0] & 0x0F) * 4
    proto = packet[9]
    src = socket.inet_ntoa(packet[12:16])
    dst = socket.inet_ntoa(packet[16:20])
    if proto == IPPROTO_ICMP:
        ident = struct.unpack("!H", packet[ihl + 4:ihl + 6])[0]
        return src, dst, proto, ident, ident
    sport, dport = struct.unpack("!HH", packet[ihl:ihl + 4])
    return src, dst, proto, sport, dport


def checksums_ok(packet):
    """True when the IPv4 header and the TCP/UDP/ICMP checksums verify."""
    ihl = (packet[0] & 0x0F) * 4
    total = struct.unpack("!H", packet[2:4])[0]
    if inet_cksum(packet[:ihl]) != 0:
        return False
    proto, l4 = packet[9], packet[ihl:total]
    src, dst = socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20])
    if proto == IPPROTO_ICMP:
        return inet_cksum(l4) == 0
    if proto == IPPROTO_UDP and l4[6:8] == b"\0\0":
        return True
    return inet_cksum(_pseudo(src, dst, proto, len(l4)) + l4) == 0

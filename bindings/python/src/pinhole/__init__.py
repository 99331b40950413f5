# SPDX-License-Identifier: BSD-2-Clause
"""pinhole from Python, with ctypes only (standard library).

Install: ``pip install ./bindings/python`` (docs/python.md).

    import pinhole
    ctx = pinhole.Context()                       # defaults: pinhole_config_default
    pool = ctx.pool_add("198.19.0.1")             # ports: the context's block
    ctx.rule_add(name="out", side=pinhole.SIDE_INSIDE,
                 src="198.18.0.0/24", nat=pinhole.NAT_SOURCE, pool=pool)
    verdict, out = ctx.process(pinhole.udp("198.18.0.2", 41000,
                                           "198.19.0.2", 5000, b"hi"),
                               pinhole.SIDE_INSIDE, now_ns=0)
    print(ctx.conversations())
    print(ctx.stats()["NEW_ACCEPT"])

The shared library is found through the environment variable PINHOLE_LIB
(a path), else as "libpinhole.so.0" on the loader's path (after `meson
install` and `ldconfig`; or LD_LIBRARY_PATH). The structures below mirror
include/pinhole/pinhole.h field by field (the 0.2 layouts).

Errors: every negative return of the library raises PinholeError (with
.code, .func and .name, e.g. "PINHOLE_ERR_INVALID_ARG" as its text); a
library whose structs do not match raises ImportError at load().
The library trusts the size field each struct starts with (a size larger
than the real struct is undefined behaviour), so load() compares every
declared struct with pinhole_struct_size() and refuses a library that
does not match, before any struct crosses the boundary.
"""

import ctypes
import ctypes.util
import dataclasses
import json
import os
import socket
import struct
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__all__ = ["Context", "PinholeError", "Flow", "load", "udp", "tcp",
           "icmp_echo", "ipv4", "fields", "checksums_ok", "parse_addr",
           "format_addr", "inet_cksum", "cksum", "cksum_update16",
           "cksum_update32", "fix_checksums", "event_text", "trace_text",
           "event_name", "alg_names", "default_config", "COUNTERS", "CNT",
           "Pinhole", "event_json", "event_syslog", "trace_debug",
           "FLOW_FORWARD", "FLOW_WATCH", "TIMEOUT_TCP_SYN", "TIMEOUT_TCP_EST",
           "TIMEOUT_TCP_TRANS", "TIMEOUT_UDP", "TIMEOUT_ICMP",
           "TIMEOUT_PINHOLE", "SYSLOG_RFC5424", "SYSLOG_ASP_TAGS",
           "TRACE_MESSAGE", "TRACE_PARSED", "TRACE_TRANSLATED",
           "TRACE_PINHOLE_CREATED", "TRACE_PINHOLE_USED",
           "TRACE_PINHOLE_EXPIRED", "TRACE_ERROR", "TRACE_SKIPPED",
           "TRACE_SEQ_DIFF",
           "SIDE_INSIDE", "SIDE_OUTSIDE", "SIDE_ANY", "VERDICT_FORWARD",
           "VERDICT_DROP", "VERDICT_REJECT", "VERDICT_HAIRPIN", "VERDICT_HELD",
           "ACTION_ACCEPT", "ACTION_DISCARD", "ACTION_REJECT", "NAT_NONE",
           "NAT_SOURCE", "NAT_DEST", "NAT_STATIC", "RULE_DNS_DOCTOR",
           "IPPROTO_ICMP", "IPPROTO_TCP", "IPPROTO_UDP", "TCP_FIN",
           "TCP_SYN", "TCP_RST", "TCP_PSH", "TCP_ACK", "__version__"]

# ------------------------------------------------------------------ enums
SIDE_INSIDE, SIDE_OUTSIDE, SIDE_ANY = 0, 1, 255
VERDICT_FORWARD, VERDICT_DROP, VERDICT_REJECT, VERDICT_HAIRPIN = 0, 1, 2, 3
VERDICT_HELD = 4
ACTION_ACCEPT, ACTION_DISCARD, ACTION_REJECT = 0, 1, 2
NAT_NONE, NAT_SOURCE, NAT_DEST, NAT_STATIC = 0, 1, 2, 3
RULE_DNS_DOCTOR = 0x01
IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP = 1, 6, 17
TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
# 0.2: the operator's API (include/pinhole/operator.h)
FLOW_FORWARD, FLOW_WATCH = 1, 2
(TIMEOUT_TCP_SYN, TIMEOUT_TCP_EST, TIMEOUT_TCP_TRANS, TIMEOUT_UDP,
 TIMEOUT_ICMP, TIMEOUT_PINHOLE) = 1, 2, 3, 4, 5, 6
SYSLOG_RFC5424, SYSLOG_ASP_TAGS = 1, 2
(TRACE_MESSAGE, TRACE_PARSED, TRACE_TRANSLATED, TRACE_PINHOLE_CREATED,
 TRACE_PINHOLE_USED, TRACE_PINHOLE_EXPIRED, TRACE_ERROR, TRACE_SKIPPED,
 TRACE_SEQ_DIFF) = range(1, 10)
_RULE_DEL_FLUSH = _POOL_DEL_FLUSH = 1

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
    "ALG_PPTP",
    "GRE_NO_CALL",
    "PBA_BLOCK_ALLOC", "PBA_BLOCK_RELEASE", "PBA_QUOTA",
    "NAT_POOL_REMOVED",
    "CGN_INTERIM", "ADDR_BIND", "ADDR_RELEASE", "DROP_NAT_ADDRS",
    "REASM_HELD", "REASM_COMPLETED", "REASM_TIMEOUT", "REASM_OVERFLOW",
    "REASM_TOO_BIG", "REASM_RESENT", "REASM_CONFLICT", "REASM_OUT_OF_ORDER",
    "UDP6_CKSUM_ZERO", "IP6_FRAGMENT", "NAT64_XLAT",
    "NAT64_DST", "NAT64_FAIL", "NAT64_NOBUF", "NAT64_FRAGMENT",
    "REASM_GAP",
    "DROP_TCP_FULL",
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
        ("max_ports_per_host", u32), ("gre_timeout_s", u32),
        ("max_port_blocks", u32),
        ("hold_bytes", u32),
        ("hold_bytes_per_conv", u32),
        ("hold_msg_max", u32),
        ("max_held", u32),
        ("hold_timeout_ms", u32), ("max_conns6", u32),
        ("max_tcp_conns", u32),
    ]


class Endpoint(ctypes.Structure):
    _fields_ = [("addr", u32), ("port", u16), ("pad_", u16)]

    def __str__(self):
        return "%s:%d" % (format_addr(self.addr), self.port)


class Pkt(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(u8)), ("len", u32), ("cap", u32)]


class Pool(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("addr_lo", u32),
                ("addr_hi", u32), ("port_lo", u16), ("port_hi", u16),
                ("reserved_", u32), ("mode", u8), ("inside_plen", u8),
                ("block_size", u16), ("inside_addr", u32),
                ("max_blocks", u16), ("pad_", u16), ("block_hold_ms", u32),
                ("interim_s", u32)]


class Rule(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t), ("name", ctypes.c_char * 32),
        ("side", u8), ("proto", u8), ("src_plen", u8), ("dst_plen", u8),
        ("src_addr", u32), ("dst_addr", u32),
        ("dport_lo", u16), ("dport_hi", u16),
        ("action", u8), ("nat", u8), ("nat_port", u16),
        ("pool", ctypes.c_int32), ("nat_addr", u32),
        ("alg", ctypes.c_char * 16), ("flags", u32),
        ("family", ctypes.c_uint8), ("src6", ctypes.c_uint8 * 16),
        ("dst6", ctypes.c_uint8 * 16),
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
        ("port_lo", u16), ("port_hi", u16), ("limit", u32),
        # 0.2: what a closing connection forwarded, per direction
        ("frames_i", u64), ("frames_o", u64),
        ("bytes_i", u64), ("bytes_o", u64),
        # 0.2: the pool of a port block, address or exhaustion event
        ("pool_id", u32), ("pad2_", u32),
        ("family", ctypes.c_uint8), ("src6", ctypes.c_uint8 * 16),
        ("dst6", ctypes.c_uint8 * 16),
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
        # 0.2: a pinhole's source port range and side; SEQ_DIFF's offsets
        ("a_port_hi", u16), ("pinhole_side", u8), ("pad2_", u8),
        ("diff_old", ctypes.c_int32), ("diff_new", ctypes.c_int32),
        # 0.2: IPv6 endpoints (a_family/b_family 6: the address in a6/b6)
        ("a_family", u8), ("b_family", u8),
        ("a6", ctypes.c_uint8 * 16), ("b6", ctypes.c_uint8 * 16),
    ]


class FlowInfo(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t), ("conv_id", u32),
        ("alg", ctypes.c_char_p), ("initiators", u32), ("responders", u32),
        ("proto", u8), ("dir", u8), ("state", u8), ("side", u8),
        ("src", Endpoint), ("dst", Endpoint),
        ("out_src", Endpoint), ("out_dst", Endpoint),
        ("frames", u64), ("bytes", u64), ("idle_ms", u32), ("pad_", u32),
        ("family", ctypes.c_uint8), ("src6", ctypes.c_uint8 * 16),
        ("dst6", ctypes.c_uint8 * 16),
        ("out_family", ctypes.c_uint8), ("out_src6", ctypes.c_uint8 * 16),
        ("out_dst6", ctypes.c_uint8 * 16),
    ]


class ConvFilter(ctypes.Structure):
    """pinhole_conv_filter (0.2): fields left 0 match everything."""
    _fields_ = [
        ("size", ctypes.c_size_t), ("alg", ctypes.c_char_p),
        ("conv_id", u32), ("addr", u32), ("prefix", u8), ("state", u8),
        ("port", u16),
    ]


class PinholeInfo(ctypes.Structure):
    """pinhole_pinhole_info (0.2): one pending pinhole."""
    _fields_ = [
        ("size", ctypes.c_size_t), ("conv_id", u32),
        ("alg", ctypes.c_char_p), ("proto", u8), ("side", u8),
        ("sport_hi", u16), ("src", Endpoint), ("dst", Endpoint),
        ("to", Endpoint), ("expires_ms", u32), ("pad_", u32),
    ]


class Callbacks(ctypes.Structure):
    pass


CtxP = ctypes.c_void_p
EVENT_FN = ctypes.CFUNCTYPE(None, CtxP, ctypes.POINTER(Event),
                            ctypes.c_void_p)
TRACE_FN = ctypes.CFUNCTYPE(None, CtxP, ctypes.POINTER(Trace),
                            ctypes.c_void_p)
EMIT_FN = ctypes.CFUNCTYPE(None, CtxP, ctypes.POINTER(u8), ctypes.c_size_t,
                           ctypes.c_int, ctypes.c_void_p)
FLOW_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(FlowInfo),
                           ctypes.c_void_p)
PINHOLE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(PinholeInfo),
                              ctypes.c_void_p)
Callbacks._fields_ = [
    ("size", ctypes.c_size_t),
    ("alloc", ctypes.c_void_p), ("free", ctypes.c_void_p),
    ("event", EVENT_FN), ("trace", TRACE_FN), ("emit", EMIT_FN),
]


class Usage(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_size_t),
        ("flows", u32), ("max_flows", u32),
        ("conversations", u32), ("max_conversations", u32),
        ("mappings", u32), ("max_mappings", u32),
        ("pinholes", u32), ("max_pinholes", u32),
        ("watch", u32), ("max_watch", u32),
        ("half_open", u32), ("pad_", u32),
        ("memory_bytes", u64),
        ("fragments", u32), ("max_fragments", u32),
        ("flows6", u32), ("max_flows6", u32),
        ("alg_conversations", u32), ("pad2_", u32),
    ]

# ---------------------------------------------------------------- loading
_lib = None


def _find_library() -> str:
    return (os.environ.get("PINHOLE_LIB")
            or ctypes.util.find_library("pinhole") or "libpinhole.so.0")


def load(path: Optional[str] = None) -> Any:
    """Loads the shared library once (PINHOLE_LIB, else libpinhole.so.0).

    Raises OSError when it cannot be found (set PINHOLE_LIB to its path or
    LD_LIBRARY_PATH to its directory) and ImportError when its structs do
    not match this binding."""
    global _lib
    if _lib is not None and path is None:
        return _lib
    lib = ctypes.CDLL(path or _find_library())
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
        "pinhole_process_burst": (ctypes.c_int, [CtxP, ctypes.POINTER(Pkt),
                                                 ctypes.c_size_t,
                                                 ctypes.c_int, u64,
                                                 ctypes.POINTER(u8)]),
        "pinhole_rules_clear": (None, [CtxP]),
        "pinhole_stats_reset": (None, [CtxP]),
        "pinhole_usage_get": (ctypes.c_int, [CtxP, ctypes.POINTER(Usage)]),
        "pinhole_counter_key": (ctypes.c_char_p, [ctypes.c_int]),
        "pinhole_alg_count": (ctypes.c_int, []),
        "pinhole_alg_name": (ctypes.c_char_p, [ctypes.c_int]),
        "pinhole_event_name": (ctypes.c_char_p, [ctypes.c_int]),
        "pinhole_cksum": (u16, [ctypes.c_char_p, ctypes.c_size_t]),
        "pinhole_cksum_update16": (u16, [u16, u16, u16]),
        "pinhole_cksum_update32": (u16, [u16, u32, u32]),
        "pinhole_pkt_fix_all_cksums": (ctypes.c_int, [ctypes.POINTER(u8),
                                                      ctypes.c_size_t]),
        "pinhole_tick": (ctypes.c_int, [CtxP, u64]),
        "pinhole_pool_add": (ctypes.c_int, [CtxP, ctypes.POINTER(Pool)]),
        "pinhole_rule_add": (ctypes.c_int, [CtxP, ctypes.POINTER(Rule)]),
        "pinhole_rule_alg_allow": (ctypes.c_int, [CtxP, ctypes.c_int,
                                                  ctypes.c_char_p]),
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
        # 0.2: the operator's API
        "pinhole_labels_set": (ctypes.c_int, [CtxP, ctypes.c_char_p,
                                              ctypes.c_char_p]),
        "pinhole_conversations_format_filter": (
            ctypes.c_int, [CtxP, ctypes.POINTER(ConvFilter),
                           ctypes.c_char_p, ctypes.c_size_t]),
        "pinhole_conversations_format_json": (
            ctypes.c_int, [CtxP, ctypes.POINTER(ConvFilter),
                           ctypes.c_char_p, ctypes.c_size_t]),
        "pinhole_conversations_clear": (ctypes.c_int,
                                        [CtxP, ctypes.POINTER(ConvFilter)]),
        "pinhole_stats_format_json": (ctypes.c_int, [CtxP, ctypes.c_char_p,
                                                     ctypes.c_size_t]),
        "pinhole_event_format_json": (ctypes.c_int, [ctypes.POINTER(Event),
                                                     ctypes.c_char_p,
                                                     ctypes.c_size_t]),
        "pinhole_event_format_syslog": (
            ctypes.c_int, [CtxP, ctypes.POINTER(Event), ctypes.c_int, u64,
                           ctypes.c_char_p, ctypes.c_char_p,
                           ctypes.c_size_t]),
        "pinhole_trace_format_debug": (ctypes.c_int, [ctypes.POINTER(Trace),
                                                      u64, ctypes.c_char_p,
                                                      ctypes.c_size_t]),
        "pinhole_rule_del": (ctypes.c_int, [CtxP, ctypes.c_int,
                                            ctypes.c_int]),
        "pinhole_pool_del": (ctypes.c_int, [CtxP, ctypes.c_int,
                                            ctypes.c_int]),
        "pinhole_flow_lookup": (ctypes.c_int, [CtxP, ctypes.c_int, u8,
                                               ctypes.POINTER(Endpoint),
                                               ctypes.POINTER(Endpoint),
                                               ctypes.POINTER(FlowInfo)]),
        "pinhole_pinholes_visit": (ctypes.c_int, [CtxP, PINHOLE_FN,
                                                  ctypes.c_void_p]),
        "pinhole_timeout_set": (ctypes.c_int, [CtxP, ctypes.c_int, u32]),
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
    """A negative return of the library: .code (PINHOLE_ERR_*, negative),
    .func (the C function), .name (pinhole_strerror's text)."""

    def __init__(self, func: str, code: int) -> None:
        msg = (load().pinhole_strerror(code) or b"unknown error").decode()
        super().__init__("%s: %s (%d)" % (func, msg, code))
        self.code = code
        self.func = func
        self.name = msg


def _check(func: str, rc: int) -> int:
    if rc < 0:
        raise PinholeError(func, rc)
    return rc


# ---------------------------------------------------------------- helpers
def parse_addr(s: str) -> int:
    """'198.18.0.1' -> 0xC6120001 (host-order number, as the API wants)."""
    return struct.unpack("!I", socket.inet_aton(s))[0]


def format_addr(a: int) -> str:
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


def _filter(alg: Optional[str] = None, conv_id: int = 0,
            prefix: Optional[str] = None, port: int = 0,
            state: Optional[str] = None) -> Any:
    """A ConvFilter from keywords (all None/0: NULL, everything)."""
    if alg is None and not conv_id and prefix is None and not port \
            and state is None:
        return None
    f = ConvFilter()
    f.size = ctypes.sizeof(f)
    f.alg = alg.encode() if alg is not None else None
    f.conv_id = conv_id
    if prefix is not None:
        f.addr, f.prefix = _cidr(prefix)
    f.port = port
    if state is not None:
        f.state = {"forward": FLOW_FORWARD, "watch": FLOW_WATCH}[state.lower()]
    return ctypes.byref(f), f


def _endpoint(s: str) -> Endpoint:
    addr, _, port = s.rpartition(":")
    return Endpoint(parse_addr(addr), int(port), 0)


def _flow(f: Any) -> "Flow":
    return Flow(conv_id=f.conv_id, alg=(f.alg or b"").decode(),
                proto=f.proto, dir="IO"[f.dir], state=f.state,
                side=f.side, src=str(f.src), dst=str(f.dst),
                out_src=str(f.out_src), out_dst=str(f.out_dst),
                frames=f.frames, bytes=f.bytes, idle_ms=f.idle_ms)


@dataclasses.dataclass(frozen=True)
class Pinhole:
    """One pending pinhole (pinhole_pinhole_info); src port 0 is any,
    sport_hi nonzero a range src port..sport_hi."""
    conv_id: int
    alg: str
    proto: int
    side: int
    src: str
    sport_hi: int
    dst: str
    to: str
    expires_ms: int


@dataclasses.dataclass(frozen=True)
class Flow:
    """One flow of the listing (pinhole_flow_info); f.src or f["src"]."""
    conv_id: int
    alg: str
    proto: int
    dir: str
    state: int
    side: int
    src: str
    dst: str
    out_src: str
    out_dst: str
    frames: int
    bytes: int
    idle_ms: int

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


class Context:
    """One pinhole context. Not thread-safe (as the C context).

    on_event(Event), on_trace(Trace): borrowed structs, valid during the
    call (format them with event_text/trace_text). on_emit(packet: bytes,
    side: int): a packet the library built (TCP RST, ICMP unreachable of
    a reject rule) to send out of that side. Callbacks must not call
    process/tick/rule_add/pool_add of this context; an exception they raise
    is printed and swallowed (it cannot cross the C library)."""

    def __init__(self, config: Optional[Config] = None,
                 on_event: Optional[Callable[[Event], None]] = None,
                 on_trace: Optional[Callable[[Trace], None]] = None,
                 on_emit: Optional[Callable[[bytes, int], None]] = None
                 ) -> None:
        self._lib = load()
        self.config = config if config is not None else default_config()
        cb = Callbacks()
        cb.size = ctypes.sizeof(cb)
        # Keep the C function objects alive as long as the context.
        self._event_fn = EVENT_FN(lambda c, ev, u: on_event(ev.contents)) \
            if on_event else EVENT_FN()
        self._trace_fn = TRACE_FN(lambda c, tr, u: on_trace(tr.contents)) \
            if on_trace else TRACE_FN()
        self._emit_fn = EMIT_FN(
            lambda c, p, n, side, u: on_emit(ctypes.string_at(p, n), side)) \
            if on_emit else EMIT_FN()
        cb.event = self._event_fn
        cb.trace = self._trace_fn
        cb.emit = self._emit_fn
        self._cb = cb
        self._ctx = CtxP()
        _check("pinhole_ctx_new",
               self._lib.pinhole_ctx_new(ctypes.byref(self._ctx),
                                         ctypes.byref(self.config),
                                         ctypes.byref(cb), None))

    def close(self) -> None:
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

    def pool_add(self, addr_lo: str, addr_hi: Optional[str] = None,
                 port_lo: int = 0, port_hi: int = 0) -> int:
        p = Pool()
        p.size = ctypes.sizeof(p)
        p.addr_lo = parse_addr(addr_lo)
        p.addr_hi = parse_addr(addr_hi or addr_lo)
        p.port_lo, p.port_hi = port_lo, port_hi
        return _check("pinhole_pool_add",
                      self._lib.pinhole_pool_add(self._ctx, ctypes.byref(p)))

    def rule_add(self, name: str = "", side: int = SIDE_ANY, proto: int = 0,
                 src: Optional[str] = None, dst: Optional[str] = None,
                 dport: Any = None, action: int = ACTION_ACCEPT,
                 nat: int = NAT_NONE, pool: int = 0,
                 nat_addr: Optional[str] = None, nat_port: int = 0,
                 alg: str = "", flags: int = 0) -> int:
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

    def rule_alg_allow(self, rule: int, ident: str) -> int:
        """Lets rule (an index rule_add returned, its alg "rpc" or
        "dcerpc") open pinholes for the RPC program ("100024") or DCE-RPC
        interface UUID ident only (pinhole_rule_alg_allow)."""
        return _check("pinhole_rule_alg_allow",
                      self._lib.pinhole_rule_alg_allow(self._ctx, rule,
                                                       ident.encode()))

    def rules_clear(self) -> None:
        """Removes every rule (existing connections stay)."""
        self._lib.pinhole_rules_clear(self._ctx)

    def process(self, packet: bytes, side: int, now_ns: int,
                headroom: int = 256) -> Tuple[int, bytes]:
        """Returns (verdict, packet bytes as the library left them)."""
        data = bytes(packet)
        cap = len(data) + headroom
        buf = (u8 * cap).from_buffer_copy(data + bytes(headroom))
        pkt = Pkt(ctypes.cast(buf, ctypes.POINTER(u8)), len(data), cap)
        v = _check("pinhole_process",
                   self._lib.pinhole_process(self._ctx, ctypes.byref(pkt),
                                             side, now_ns))
        return v, bytes(buf[:pkt.len])

    def process_burst(self, packets: Sequence[bytes], side: int, now_ns: int,
                      headroom: int = 256) -> List[Tuple[int, bytes]]:
        """pinhole_process_burst: [(verdict, bytes)] in order."""
        n = len(packets)
        pkts = (Pkt * max(n, 1))()
        bufs = []
        for i, packet in enumerate(packets):
            data = bytes(packet)
            cap = len(data) + headroom
            buf = (u8 * cap).from_buffer_copy(data + bytes(headroom))
            bufs.append(buf)
            pkts[i] = Pkt(ctypes.cast(buf, ctypes.POINTER(u8)), len(data),
                          cap)
        verdicts = (u8 * max(n, 1))()
        _check("pinhole_process_burst",
               self._lib.pinhole_process_burst(self._ctx, pkts, n, side,
                                               now_ns, verdicts))
        return [(verdicts[i], bytes(bufs[i][:pkts[i].len]))
                for i in range(n)]

    def tick(self, now_ns: int) -> int:
        return _check("pinhole_tick", self._lib.pinhole_tick(self._ctx,
                                                             now_ns))

    def stats_reset(self) -> None:
        self._lib.pinhole_stats_reset(self._ctx)

    def usage(self) -> Dict[str, int]:
        """Table occupancy (pinhole_usage_get) as a dict."""
        u = Usage()
        u.size = ctypes.sizeof(u)
        _check("pinhole_usage_get",
               self._lib.pinhole_usage_get(self._ctx, ctypes.byref(u)))
        return {name: getattr(u, name) for name, _ in Usage._fields_
                if name not in ("size", "pad_", "pad2_")}

    def counters(self) -> List[int]:
        """All counters, a list indexed by enum pinhole_counter (CNT)."""
        n = self._lib.pinhole_counter_count()
        arr = (u64 * n)()
        got = _check("pinhole_stats",
                     self._lib.pinhole_stats(self._ctx, arr, n))
        return list(arr[:got])

    def stats(self) -> Dict[str, int]:
        """{enum stem ("NEW_ACCEPT"): value}. Keyed by the enum, not by the
        display names of pinhole_counter_name(), which repeat ("Accepts"
        is both a new-flow and an existing-flow counter)."""
        return dict(zip(COUNTERS, self.counters()))

    def counter_names(self) -> List[str]:
        """Display names, by enum index (pinhole_counter_name)."""
        return [self._lib.pinhole_counter_name(i).decode()
                for i in range(self._lib.pinhole_counter_count())]

    def stats_text(self) -> str:
        return _format(self._lib.pinhole_stats_format, self._ctx)

    def conversations(self, **filt: Any) -> str:
        """The listing; keywords select conversations as an operator names
        them (pinhole_conversations_format_filter): alg="ftp" ("none": no
        ALG), conv_id=N, prefix="198.18.0.0/24", port=N,
        state="watch"|"forward"."""
        f = _filter(**filt)
        if f is None:
            return _format(self._lib.pinhole_conversations_format, self._ctx)
        return _format(self._lib.pinhole_conversations_format_filter,
                       self._ctx, f[0])

    def conversations_json(self, **filt: Any) -> List[Dict[str, Any]]:
        """The listing as dicts, one per flow (the JSON of
        pinhole_conversations_format_json); keywords as conversations()."""
        f = _filter(**filt)
        text = _format(self._lib.pinhole_conversations_format_json,
                       self._ctx, f[0] if f else None)
        return [json.loads(line) for line in text.splitlines() if line]

    def conversations_clear(self, **filt: Any) -> int:
        """Clears the conversations the keywords select (none: all), their
        flows, mappings and pinholes, with events; returns how many."""
        f = _filter(**filt)
        return _check("pinhole_conversations_clear",
                      self._lib.pinhole_conversations_clear(
                          self._ctx, f[0] if f else None))

    def stats_json(self) -> Dict[str, int]:
        """pinhole_stats_format_json, parsed: {"NEW_ACCEPT": 2, ...}."""
        return json.loads(_format(self._lib.pinhole_stats_format_json,
                                  self._ctx))

    def labels_set(self, interface: Optional[str] = None,
                   service_set: Optional[str] = None) -> None:
        """The "Interface: ..., Service set: ..." header of the listings and
        the interface of the system-log lines (None or "": removed)."""
        _check("pinhole_labels_set", self._lib.pinhole_labels_set(
            self._ctx, interface.encode() if interface else None,
            service_set.encode() if service_set else None))

    def rule_del(self, rule: int, flush: bool = False) -> int:
        """Removes one rule (pinhole_rule_del); flush also clears the
        conversations it accepted. Returns how many were cleared."""
        return _check("pinhole_rule_del", self._lib.pinhole_rule_del(
            self._ctx, rule, _RULE_DEL_FLUSH if flush else 0))

    def pool_del(self, pool: int, flush: bool = False) -> int:
        """Removes one NAT pool (pinhole_pool_del): no new mapping from it,
        the rules naming it fail closed; flush also clears the
        conversations holding its mappings. Returns how many."""
        return _check("pinhole_pool_del", self._lib.pinhole_pool_del(
            self._ctx, pool, _POOL_DEL_FLUSH if flush else 0))

    def flow_lookup(self, side: int, proto: int, src: str,
                    dst: str) -> Optional[Flow]:
        """The flow whose packets arrive on side as src -> dst ("a.b.c.d:
        port"; either side's view), or None (pinhole_flow_lookup)."""
        fi = FlowInfo()
        fi.size = ctypes.sizeof(fi)
        s, d = _endpoint(src), _endpoint(dst)
        rc = self._lib.pinhole_flow_lookup(self._ctx, side, proto,
                                           ctypes.byref(s), ctypes.byref(d),
                                           ctypes.byref(fi))
        if rc == -4:  # PINHOLE_ERR_NOT_FOUND
            return None
        _check("pinhole_flow_lookup", rc)
        return _flow(fi)

    def pinholes(self) -> List[Pinhole]:
        """The pending pinholes (pinhole_pinholes_visit order)."""
        out: List[Pinhole] = []

        def visit(pi: Any, user: Any) -> int:
            p = pi.contents
            out.append(Pinhole(
                conv_id=p.conv_id, alg=(p.alg or b"").decode(),
                proto=p.proto, side=p.side, src=str(p.src),
                sport_hi=p.sport_hi, dst=str(p.dst), to=str(p.to),
                expires_ms=p.expires_ms))
            return 0

        fn = PINHOLE_FN(visit)
        _check("pinhole_pinholes_visit",
               self._lib.pinhole_pinholes_visit(self._ctx, fn, None))
        return out

    def timeout_set(self, which: int, value: int) -> None:
        """Changes a timeout while running (TIMEOUT_*; seconds, the
        pinhole lifetime in ms)."""
        _check("pinhole_timeout_set",
               self._lib.pinhole_timeout_set(self._ctx, which, value))

    def flows(self) -> List[Flow]:
        """The listing as Flow objects (pinhole_flows_visit order)."""
        out: List[Flow] = []

        def visit(fi: Any, user: Any) -> int:
            out.append(_flow(fi.contents))
            return 0

        fn = FLOW_FN(visit)
        _check("pinhole_flows_visit",
               self._lib.pinhole_flows_visit(self._ctx, fn, None))
        return out


def event_text(ev: Event) -> str:
    """One line for a pinhole_event (pinhole_event_format)."""
    return _format(load().pinhole_event_format, ctypes.byref(ev))


def trace_text(tr: Trace) -> str:
    return _format(load().pinhole_trace_format, ctypes.byref(tr))


def trace_debug(tr: Trace, wall_offset_ns: int = 0) -> str:
    """The record in the firewall's FTP ALG debug layout, lines ending in
    "\\n" (pinhole_trace_format_debug); wall_offset_ns: Unix time (ns) at
    the host's monotonic 0."""
    return _format(load().pinhole_trace_format_debug, ctypes.byref(tr),
                   wall_offset_ns)


def event_json(ev: Event) -> str:
    """The event as one JSON object (pinhole_event_format_json)."""
    return _format(load().pinhole_event_format_json, ctypes.byref(ev))


def event_syslog(ev: Event, ctx: Optional[Context] = None, flags: int = 0,
                 wall_offset_ns: int = 0,
                 hostname: Optional[str] = None) -> str:
    """The event as the stateful firewall's system-log line
    (pinhole_event_format_syslog): ctx gives the interface label, flags
    SYSLOG_RFC5424 / SYSLOG_ASP_TAGS."""
    return _format(load().pinhole_event_format_syslog,
                   ctx._ctx if ctx is not None else None, ctypes.byref(ev),
                   flags, wall_offset_ns,
                   hostname.encode() if hostname else None)


def event_name(event_type: int) -> str:
    """pinhole_event_name: "FLOW_CREATED" ..., "UNKNOWN" for an unknown
    type."""
    return (load().pinhole_event_name(event_type) or b"UNKNOWN").decode()


def alg_names() -> List[str]:
    """The ALGs this library has (pinhole_alg_name), in table order."""
    lib = load()
    return [lib.pinhole_alg_name(i).decode()
            for i in range(lib.pinhole_alg_count())]


# ------------------------------------------- the library's checksum helpers
def cksum(data: bytes) -> int:
    """pinhole_cksum: the Internet checksum of data (RFC 1071)."""
    data = bytes(data)
    return load().pinhole_cksum(data, len(data))


def cksum_update16(cksum_: int, old: int, new: int) -> int:
    """pinhole_cksum_update16: adjust a checksum for a 16-bit field
    changed from old to new (RFC 1624)."""
    return load().pinhole_cksum_update16(cksum_, old, new)


def cksum_update32(cksum_: int, old: int, new: int) -> int:
    """pinhole_cksum_update32: the same for a 32-bit field (an address)."""
    return load().pinhole_cksum_update32(cksum_, old, new)


def fix_checksums(packet: bytes) -> bytes:
    """pinhole_pkt_fix_all_cksums: the packet with its IPv4 header and
    TCP/UDP/ICMP checksums recomputed (captures taken with offloads).
    Raises PinholeError for a packet it cannot parse."""
    data = bytes(packet)
    buf = (u8 * max(len(data), 1)).from_buffer_copy(data or b"\0")
    _check("pinhole_pkt_fix_all_cksums",
           load().pinhole_pkt_fix_all_cksums(buf, len(data)))
    return bytes(buf[:len(data)])


def __getattr__(name: str) -> Any:
    # pinhole.__version__: the loaded library's, asked on first use so that
    # importing the module needs no library yet.
    if name == "__version__":
        return load().pinhole_version().decode()
    raise AttributeError("module 'pinhole' has no attribute %r" % name)


# ---------------------------------------------------- building packets
def inet_cksum(data: bytes) -> int:
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


def udp(src: str, sport: int, dst: str, dport: int, payload: bytes = b"",
        ttl: int = 64) -> bytes:
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


def fields(packet: bytes) -> Tuple[str, str, int, int, int]:
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


def checksums_ok(packet: bytes) -> bool:
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

# SPDX-License-Identifier: BSD-2-Clause
"""Tests of the Python package (bindings/python, ctypes) against the built
shared library. Run by meson (suite 'python') with PINHOLE_LIB set to the
library's path, from the source tree and from a pip-installed copy:

    PINHOLE_LIB=build/lib/libpinhole.so PYTHONPATH=bindings/python/src \
        /usr/bin/python3 bindings/python/tests/test_pinhole.py -v

PINHOLE_EXPECT_VERSION (meson sets it) is the version the library must
report.
"""

import ctypes
import json
import os
import sys
import unittest

import pinhole  # noqa: E402
from pinhole import CNT  # noqa: E402

INSIDE = "198.18.0.2"
SERVER = "198.19.0.2"
PUBLIC = "198.19.0.1"


def nat_context(**kw):
    ctx = pinhole.Context(**kw)
    pool = ctx.pool_add(PUBLIC)
    ctx.rule_add(name="inside-out", side=pinhole.SIDE_INSIDE,
                 src="198.18.0.0/24", nat=pinhole.NAT_SOURCE, pool=pool)
    return ctx


class TestBinding(unittest.TestCase):
    def test_version(self):
        want = os.environ.get("PINHOLE_EXPECT_VERSION")
        if want is None:
            self.skipTest("PINHOLE_EXPECT_VERSION not set")
        self.assertEqual(pinhole.load().pinhole_version(), want.encode())
        self.assertEqual(pinhole.__version__, want)

    def test_public_api_exported(self):
        for name in pinhole.__all__:
            self.assertTrue(hasattr(pinhole, name), name)
        self.assertEqual((pinhole.VERDICT_FORWARD, pinhole.VERDICT_DROP,
                          pinhole.VERDICT_REJECT, pinhole.VERDICT_HAIRPIN),
                         (0, 1, 2, 3))
        # typed: the marker file ships with the package
        self.assertTrue(os.path.exists(os.path.join(
            os.path.dirname(pinhole.__file__), "py.typed")))

    def test_module_docstring_example_runs(self):
        # the example at the top of the package (what help(pinhole) shows)
        # runs as written
        doc = pinhole.__doc__.split("\n")
        start = doc.index("    import pinhole")
        code = []
        for line in doc[start:]:
            if line and not line.startswith("    "):
                break
            code.append(line[4:])
        out = []
        exec(compile("\n".join(code), "pinhole.__doc__", "exec"),
             {"print": lambda *a: out.append(a)})
        self.assertEqual(out[-1], (1,))  # stats()["NEW_ACCEPT"]
        self.assertIn("Conversation", out[0][0])

    def test_counter_keys_are_the_library_keys(self):
        lib = pinhole.load()
        self.assertEqual(
            [lib.pinhole_counter_key(i).decode()
             for i in range(lib.pinhole_counter_count())], pinhole.COUNTERS)

    def test_alg_names_and_event_name(self):
        names = pinhole.alg_names()
        for alg in ("ftp", "tftp", "sip", "rtsp"):
            self.assertIn(alg, names)
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(pinhole.event_name(2), "FLOW_CREATED")
        self.assertEqual(pinhole.event_name(-1), "UNKNOWN")

    def test_checksum_helpers(self):
        data = bytes(range(1, 40))  # odd length
        self.assertEqual(pinhole.cksum(data), pinhole.inet_cksum(data))
        self.assertEqual(pinhole.cksum(b""), 0xFFFF)
        # RFC 1624: change a 16-bit word, update, compare with a recompute
        words = bytearray(b"\x45\x00\x00\x54\x12\x34\x40\x00")
        c = pinhole.cksum(bytes(words))
        words[4:6] = b"\xab\xcd"
        self.assertEqual(pinhole.cksum_update16(c, 0x1234, 0xABCD),
                         pinhole.cksum(bytes(words)))
        hdr = bytearray(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"abc")[:20])
        c = pinhole.cksum(bytes(hdr[:10] + b"\0\0" + hdr[12:]))
        hdr[12:16] = bytes([198, 19, 0, 7])
        self.assertEqual(
            pinhole.cksum_update32(c, pinhole.parse_addr(INSIDE),
                                   pinhole.parse_addr("198.19.0.7")),
            pinhole.cksum(bytes(hdr[:10] + b"\0\0" + hdr[12:])))

    def test_fix_checksums(self):
        good = pinhole.udp(INSIDE, 41000, SERVER, 5000, b"payload!")
        bad = bytearray(good)
        bad[10:12] = b"\0\0"      # IP header checksum
        bad[26:28] = b"\x12\x34"  # UDP checksum
        self.assertFalse(pinhole.checksums_ok(bytes(bad)))
        self.assertEqual(pinhole.fix_checksums(bytes(bad)), good)
        self.assertEqual(pinhole.fix_checksums(good), good)
        with self.assertRaises(pinhole.PinholeError) as e:
            pinhole.fix_checksums(b"\x45\x00")
        self.assertEqual(e.exception.func, "pinhole_pkt_fix_all_cksums")
        self.assertLess(e.exception.code, 0)

    def test_struct_sizes_match_the_header(self):
        # LP64 (x86-64, aarch64) layout of the structs (Pool, Event and
        # Trace grew in 0.2, Config, Rule, Event, FlowInfo, Trace again for IPv6:
        # appended fields), as sizeof()
        # gives it in C.
        sizes = {"Config": 152, "Pool": 48, "Rule": 128, "Pkt": 16,
                 "Event": 176, "Trace": 136, "FlowInfo": 168, "Callbacks": 48}
        for name, size in sizes.items():
            self.assertEqual(ctypes.sizeof(getattr(pinhole, name)), size,
                             name)
        # and as the library itself reports them (pinhole_struct_size)
        lib = pinhole.load()
        lib.pinhole_struct_size.restype = ctypes.c_size_t
        which = {"Config": 1, "Callbacks": 2, "Pkt": 3, "Pool": 4, "Rule": 5,
                 "Event": 6, "Trace": 7, "FlowInfo": 8}
        for name, w in which.items():
            self.assertEqual(lib.pinhole_struct_size(w),
                             ctypes.sizeof(getattr(pinhole, name)), name)
        self.assertEqual(lib.pinhole_struct_size(99), 0)

    def test_layout_mismatch_refused_at_load(self):
        # a binding whose declaration differs from the library's struct
        # must refuse to load rather than hand the library a size it
        # does not have
        path = os.environ.get("PINHOLE_LIB") or "libpinhole.so.0"

        class Pool(ctypes.Structure):
            _fields_ = pinhole.Pool._fields_ + [("extra", ctypes.c_uint64)]
        orig, pinhole.Pool = pinhole.Pool, Pool
        try:
            with self.assertRaises(ImportError) as cm:
                pinhole.load(path)
            self.assertIn("struct Pool is 56 bytes here but 48",
                          str(cm.exception))
        finally:
            pinhole.Pool = orig
        # the declared ones load
        pinhole.load(path)

    def test_config_default(self):
        cfg = pinhole.default_config()
        self.assertEqual(cfg.size, 152)
        self.assertEqual(cfg.max_conns6, 16384)
        self.assertEqual(cfg.max_flows, 65536)
        self.assertEqual(cfg.max_pinholes, 4096)
        self.assertEqual(cfg.max_watch, 4096)
        self.assertEqual(cfg.max_rules, 256)
        self.assertEqual(cfg.max_pinholes_per_conv, 8)
        self.assertEqual((cfg.port_lo, cfg.port_hi), (1024, 65535))
        self.assertEqual(cfg.pinhole_timeout_ms, 10000)
        self.assertEqual(cfg.tcp_syn_timeout_s, 240)
        self.assertEqual(cfg.tcp_est_timeout_s, 7440)
        self.assertEqual(cfg.tcp_trans_timeout_s, 240)
        self.assertEqual(cfg.udp_timeout_s, 300)
        self.assertEqual(cfg.icmp_timeout_s, 60)
        self.assertEqual(cfg.flags, 0x01)  # PINHOLE_CFG_DROP_IP_OPTIONS

    def test_config_default_max_pools_as_documented(self):
        cfg = pinhole.default_config()
        self.assertEqual(cfg.max_pools, 4)
        self.assertEqual(cfg.max_fragments, 1024)
        self.assertEqual(cfg.frag_timeout_ms, 10000)

    def test_counter_table(self):
        lib = pinhole.load()
        self.assertEqual(lib.pinhole_counter_count(), len(pinhole.COUNTERS))
        self.assertIsNone(lib.pinhole_counter_name(len(pinhole.COUNTERS)))
        self.assertIsNone(lib.pinhole_counter_name(-1))

    def test_bad_rule_is_refused(self):
        with nat_context() as ctx:
            with self.assertRaises(pinhole.PinholeError) as e:
                ctx.rule_add(name="x", nat=pinhole.NAT_SOURCE, pool=7)
            self.assertEqual(e.exception.code, -1)  # PINHOLE_ERR_INVALID_ARG

    def test_rule_alg_allow(self):
        with nat_context() as ctx:
            rpc = ctx.rule_add(name="portmap", side=pinhole.SIDE_INSIDE,
                               dport=111, alg="rpc")
            self.assertEqual(ctx.rule_alg_allow(rpc, "100024"), 0)
            with self.assertRaises(pinhole.PinholeError) as e:
                ctx.rule_alg_allow(rpc, "status")
            self.assertEqual(e.exception.code, -7)  # PINHOLE_ERR_PARSE
            by_port = ctx.rule_add(name="any", dport=111)
            with self.assertRaises(pinhole.PinholeError) as e:
                ctx.rule_alg_allow(by_port, "100024")
            self.assertEqual(e.exception.code, -9)  # PINHOLE_ERR_UNSUPPORTED


class TestPackets(unittest.TestCase):
    def setUp(self):
        self.events = []
        self.ctx = nat_context(on_event=lambda ev: self.events.append(
            (ev.type, str(ev.src), str(ev.dst), str(ev.nat_src),
             str(ev.nat_dst))))

    def tearDown(self):
        self.ctx.close()

    def udp_out(self, now=0):
        pkt = pinhole.udp(INSIDE, 41000, SERVER, 5000, b"ping 0")
        verdict, out = self.ctx.process(pkt, pinhole.SIDE_INSIDE, now)
        self.assertEqual(verdict, pinhole.VERDICT_FORWARD)
        return out

    def test_udp_source_nat_and_return(self):
        out = self.udp_out()
        src, dst, proto, sport, dport = pinhole.fields(out)
        self.assertEqual((src, dst, proto, dport), (PUBLIC, SERVER, 17, 5000))
        self.assertTrue(1024 <= sport <= 65535)
        self.assertTrue(pinhole.checksums_ok(out))
        self.assertEqual(out[28:], b"ping 0")

        reply = pinhole.udp(SERVER, 5000, PUBLIC, sport, b"pong ping 0")
        verdict, back = self.ctx.process(reply, pinhole.SIDE_OUTSIDE,
                                         1000000)
        self.assertEqual(verdict, pinhole.VERDICT_FORWARD)
        self.assertEqual(pinhole.fields(back),
                         (SERVER, INSIDE, 17, 5000, 41000))
        self.assertTrue(pinhole.checksums_ok(back))

        c = self.ctx.counters()
        self.assertEqual(c[CNT["NEW_ACCEPT"]], 1)
        self.assertEqual(c[CNT["EXIST_ACCEPT"]], 1)
        self.assertEqual(sum(c) - c[CNT["NEW_ACCEPT"]] -
                         c[CNT["EXIST_ACCEPT"]], 0)

    def test_listing(self):
        sport = pinhole.fields(self.udp_out())[3]
        self.assertEqual(sport, 41000)  # the port is kept when it is free
        reply = pinhole.udp(SERVER, 5000, PUBLIC, sport, b"pong")
        self.ctx.process(reply, pinhole.SIDE_OUTSIDE, 1000000)
        self.assertEqual(self.ctx.conversations(), (
            "Conversation: ALG protocol: none\n"
            "  Number of initiators: 1, Number of responders: 1\n"
            "Flow                                          State    Dir  Frm count\n"
            "UDP 198.18.0.2:41000 -> 198.19.0.2:5000       Forward  I          1\n"
            "    NAT source 198.18.0.2:41000 -> 198.19.0.1:41000\n"
            "UDP 198.19.0.2:5000 -> 198.19.0.1:41000       Forward  O          1\n"
            "    NAT dest 198.19.0.1:41000 -> 198.18.0.2:41000\n"))
        flows = self.ctx.flows()
        self.assertEqual(
            [(f["conv_id"], f["alg"], f["proto"], f["dir"], f["state"],
              f["side"], f["src"], f["dst"], f["out_src"], f["out_dst"],
              f["frames"], f["bytes"]) for f in flows],
            [(1, "none", 17, "I", 1, 0, "198.18.0.2:41000",
              "198.19.0.2:5000", "198.19.0.1:41000", "198.19.0.2:5000",
              1, 34),
             (1, "none", 17, "O", 1, 1, "198.19.0.2:5000",
              "198.19.0.1:41000", "198.19.0.2:5000", "198.18.0.2:41000",
              1, 32)])

    def test_icmp_echo_id_translated(self):
        req = pinhole.icmp_echo(INSIDE, SERVER, 0x2632, 1)
        verdict, out = self.ctx.process(req, pinhole.SIDE_INSIDE, 0)
        self.assertEqual(verdict, pinhole.VERDICT_FORWARD)
        src, dst, proto, ident, _ = pinhole.fields(out)
        self.assertEqual((src, dst, proto), (PUBLIC, SERVER, 1))
        self.assertTrue(pinhole.checksums_ok(out))
        rep = pinhole.icmp_echo(SERVER, PUBLIC, ident, 1, reply=True)
        verdict, back = self.ctx.process(rep, pinhole.SIDE_OUTSIDE, 1000)
        self.assertEqual(verdict, pinhole.VERDICT_FORWARD)
        self.assertEqual(pinhole.fields(back), (SERVER, INSIDE, 1, 0x2632,
                                                0x2632))
        self.assertTrue(pinhole.checksums_ok(back))

    def test_unsolicited_outside_packet_dropped(self):
        pkt = pinhole.udp(SERVER, 5000, PUBLIC, 40000, b"hello?")
        verdict, _ = self.ctx.process(pkt, pinhole.SIDE_OUTSIDE, 0)
        self.assertEqual(verdict, pinhole.VERDICT_DROP)
        c = self.ctx.counters()
        self.assertEqual(c[CNT["DROP_NO_RULE"]], 1)
        self.assertEqual(c[CNT["NEW_ACCEPT"]], 0)
        self.assertEqual(self.ctx.conversations().count("Conversation"), 0)

    def test_ttl_zero_dropped_and_counted(self):
        pkt = pinhole.udp(INSIDE, 41000, SERVER, 5000, b"x", ttl=0)
        verdict, _ = self.ctx.process(pkt, pinhole.SIDE_INSIDE, 0)
        self.assertEqual(verdict, pinhole.VERDICT_DROP)
        c = self.ctx.counters()
        self.assertEqual(c[CNT["IP_TTL_ZERO"]], 1)
        self.assertEqual(c[CNT["ERR_IP"]], 1)
        self.assertEqual(c[CNT["NEW_ACCEPT"]], 0)

    def test_stats_by_name_and_text(self):
        self.udp_out()
        stats = self.ctx.stats()
        self.assertEqual(stats["NEW_ACCEPT"], 1)
        self.assertEqual(stats["EXIST_ACCEPT"], 0)
        names = self.ctx.counter_names()
        self.assertEqual(names[CNT["NEW_ACCEPT"]], "Accepts")
        self.assertEqual(names[CNT["EXIST_ACCEPT"]], "Accepts")
        self.assertEqual(names[CNT["IP_TTL_ZERO"]], "TTL zero errors")
        self.assertEqual(names[CNT["DROP_NO_RULE"]], "No matching rule")
        text = self.ctx.stats_text().splitlines()
        self.assertEqual(text[0], "  New flows:")
        self.assertEqual(text[1], "    Accepts: 1, Discards: 0, Rejects: 0")
        self.assertEqual(text[2], "  Existing flows:")
        self.assertEqual(text[3], "    Accepts: 0, Discards: 0, Rejects: 0")

    def test_events_delivered(self):
        self.udp_out()
        self.assertEqual(self.events, [
            (14, "198.18.0.2:41000", "0.0.0.0:0", "198.19.0.1:41000",
             "0.0.0.0:0"),  # PINHOLE_EVENT_MAPPING_CREATED
            (1, "198.18.0.2:41000", "198.19.0.2:5000", "198.19.0.1:41000",
             "198.19.0.2:5000"),  # PINHOLE_EVENT_RULE_ACCEPT
            (2, "198.18.0.2:41000", "198.19.0.2:5000", "198.19.0.1:41000",
             "198.19.0.2:5000"),  # PINHOLE_EVENT_FLOW_CREATED
        ])

    def test_event_text(self):
        lines = []
        with nat_context(on_event=lambda ev: lines.append(
                pinhole.event_text(ev))) as ctx:
            ctx.process(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"x"),
                        pinhole.SIDE_INSIDE, 0)
        self.assertEqual(lines, [
            "PINHOLE_MAPPING_CREATED: proto=UDP 198.18.0.2:41000 -> "
            "198.19.0.1:41000",
            "PINHOLE_RULE_ACCEPT: conv=1 proto=UDP side=inside "
            "198.18.0.2:41000 -> 198.19.0.2:5000 "
            "nat 198.19.0.1:41000 -> 198.19.0.2:5000 rule=inside-out",
            "PINHOLE_FLOW_CREATED: conv=1 proto=UDP side=inside "
            "198.18.0.2:41000 -> 198.19.0.2:5000 "
            "nat 198.19.0.1:41000 -> 198.19.0.2:5000 state=forward "
            "rule=inside-out",
        ])


class TestHostApi(unittest.TestCase):
    def test_reject_emits_rst_through_the_callback(self):
        sent = []
        with pinhole.Context(on_emit=lambda pkt, side: sent.append(
                (pkt, side))) as ctx:
            ctx.rule_add(name="no-telnet", side=pinhole.SIDE_INSIDE,
                         proto=pinhole.IPPROTO_TCP, dport=23,
                         action=pinhole.ACTION_REJECT)
            syn = pinhole.tcp(INSIDE, 40123, SERVER, 23, seq=1000)
            verdict, _ = ctx.process(syn, pinhole.SIDE_INSIDE, 0)
            self.assertEqual(verdict, pinhole.VERDICT_REJECT)
        self.assertEqual(len(sent), 1)
        rst, side = sent[0]
        self.assertEqual(side, pinhole.SIDE_INSIDE)
        self.assertEqual(pinhole.fields(rst), (SERVER, INSIDE, 6, 23, 40123))
        self.assertTrue(pinhole.checksums_ok(rst))
        self.assertTrue(rst[33] & pinhole.TCP_RST)

    def test_hairpin_verdict(self):
        with nat_context() as ctx:
            out = ctx.process(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"a"),
                              pinhole.SIDE_INSIDE, 0)[1]
            public_port = pinhole.fields(out)[3]
            # another inside host reaches the first through its mapping
            verdict, back = ctx.process(
                pinhole.udp("198.18.0.9", 42000, PUBLIC, public_port, b"b"),
                pinhole.SIDE_INSIDE, 1000)
            self.assertEqual(verdict, pinhole.VERDICT_HAIRPIN)
            src, dst, _, sport, dport = pinhole.fields(back)
            self.assertEqual((src, dst, dport), (PUBLIC, INSIDE, 41000))
            self.assertNotEqual(sport, 0)
            self.assertTrue(pinhole.checksums_ok(back))

    def test_process_burst_matches_process(self):
        pkts = [pinhole.udp(INSIDE, 41000 + i, SERVER, 5000, b"n%d" % i)
                for i in range(5)]
        pkts.append(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"x", ttl=0))
        with nat_context() as a, nat_context() as b:
            burst = a.process_burst(pkts, pinhole.SIDE_INSIDE, 0)
            one = [b.process(p, pinhole.SIDE_INSIDE, 0) for p in pkts]
            self.assertEqual(burst, one)
            self.assertEqual([v for v, _ in burst],
                             [pinhole.VERDICT_FORWARD] * 5 +
                             [pinhole.VERDICT_DROP])
            self.assertEqual(a.stats(), b.stats())
            self.assertEqual(a.process_burst([], pinhole.SIDE_INSIDE, 0), [])

    def test_flows_usage_reset_and_rules_clear(self):
        with nat_context() as ctx:
            ctx.process(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"a"),
                        pinhole.SIDE_INSIDE, 0)
            flows = ctx.flows()
            self.assertIsInstance(flows[0], pinhole.Flow)
            self.assertEqual((flows[0].src, flows[0].out_src, flows[0].dir),
                             ("198.18.0.2:41000", "198.19.0.1:41000", "I"))
            self.assertEqual(flows[0]["frames"], 1)
            u = ctx.usage()
            self.assertEqual((u["flows"], u["conversations"], u["mappings"],
                              u["alg_conversations"]), (1, 1, 1, 0))
            self.assertEqual(u["max_flows"], 65536)
            self.assertGreater(u["memory_bytes"], 0)
            self.assertEqual(ctx.stats()["NEW_ACCEPT"], 1)
            ctx.stats_reset()
            self.assertEqual(sum(ctx.counters()), 0)
            ctx.rules_clear()
            verdict, _ = ctx.process(
                pinhole.udp("198.18.0.5", 41000, SERVER, 5000, b"a"),
                pinhole.SIDE_INSIDE, 1000)
            self.assertEqual(verdict, pinhole.VERDICT_DROP)
            self.assertEqual(ctx.stats()["DROP_NO_RULE"], 1)

    def test_errors_are_exceptions(self):
        with nat_context() as ctx:
            with self.assertRaises(pinhole.PinholeError) as e:
                ctx.pool_add("127.0.0.1")
            self.assertEqual(e.exception.func, "pinhole_pool_add")
            self.assertIn(e.exception.name, str(e.exception))
            self.assertLess(e.exception.code, 0)


SEC = 1000000000


FTP_CLIENT = "198.18.0.100"


def ftp_port(ctx, now=SEC):
    """An FTP control connection from FTP_CLIENT:40000 to SERVER:21 whose
    client announces PORT 198.18.0.100:40001 (rewritten 2 bytes shorter)."""
    steps = [
        (pinhole.tcp(FTP_CLIENT, 40000, SERVER, 21, 100), pinhole.SIDE_INSIDE),
        (pinhole.tcp(SERVER, 21, PUBLIC, 40000, 900, 101,
                     pinhole.TCP_SYN | pinhole.TCP_ACK), pinhole.SIDE_OUTSIDE),
        (pinhole.tcp(SERVER, 21, PUBLIC, 40000, 901, 101, pinhole.TCP_ACK,
                     b"220 ok\r\n"), pinhole.SIDE_OUTSIDE),
        (pinhole.tcp(FTP_CLIENT, 40000, SERVER, 21, 101, 909, pinhole.TCP_ACK,
                     b"PORT 198,18,0,100,156,65\r\n"), pinhole.SIDE_INSIDE),
    ]
    out = None
    for pkt, side in steps:
        verdict, out = ctx.process(pkt, side, now)
        assert verdict == pinhole.VERDICT_FORWARD
    return out


class TestOperator(unittest.TestCase):
    """The 0.2 operator API (include/pinhole/operator.h)."""

    def test_labels_filters_and_json_listing(self):
        with nat_context() as ctx:
            ctx.process(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"q"),
                        pinhole.SIDE_INSIDE, SEC)
            ftp_port(ctx)
            ctx.labels_set("ms-1/3/0", "sset1")
            head = "Interface: ms-1/3/0, Service set: sset1\n"
            self.assertTrue(ctx.conversations().startswith(head))
            udp_only = ctx.conversations(alg="none")
            self.assertIn("UDP 198.18.0.2:41000 -> 198.19.0.2:5000", udp_only)
            self.assertNotIn("TCP", udp_only)
            self.assertEqual(ctx.conversations(alg="sip"), head)
            self.assertIn("TCP 198.19.0.2:0 -> 198.19.0.1:40001",
                          ctx.conversations(port=21, state="watch"))
            self.assertEqual(ctx.conversations(prefix="198.18.1.0/24"), head)
            rows = ctx.conversations_json(alg="ftp")
            self.assertEqual([(r["dir"], r["state"], r["pending"])
                              for r in rows],
                             [("I", "Watch", False), ("O", "Watch", False),
                              ("O", "Forward", True)])
            self.assertEqual(rows[0]["src"], FTP_CLIENT)
            self.assertEqual(rows[0]["nat_src_port"], 40000)
            self.assertEqual(len(ctx.conversations_json()), 5)
            ctx.labels_set()
            self.assertFalse(ctx.conversations().startswith("Interface"))
            with self.assertRaises(pinhole.PinholeError) as e:
                ctx.labels_set("x" * 64)
            self.assertEqual(e.exception.code, -10)  # PINHOLE_ERR_RANGE
            with self.assertRaises(KeyError):
                ctx.conversations(state="closed")

    def test_stats_json(self):
        with nat_context() as ctx:
            ctx.process(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"q"),
                        pinhole.SIDE_INSIDE, SEC)
            js = ctx.stats_json()
            self.assertEqual(list(js), pinhole.COUNTERS)
            self.assertEqual(js, ctx.stats())
            self.assertEqual(js["NEW_ACCEPT"], 1)

    def test_lookup_pinholes_and_clear(self):
        events = []
        with nat_context(on_event=lambda ev: events.append(
                pinhole.event_text(ev))) as ctx:
            ftp_port(ctx)
            f = ctx.flow_lookup(pinhole.SIDE_INSIDE, pinhole.IPPROTO_TCP,
                                "198.18.0.100:40000", "198.19.0.2:21")
            self.assertEqual((f.conv_id, f.alg, f.dir, f.state, f.out_src),
                             (1, "ftp", "I", pinhole.FLOW_WATCH,
                              "198.19.0.1:40000"))
            g = ctx.flow_lookup(pinhole.SIDE_OUTSIDE, pinhole.IPPROTO_TCP,
                                "198.19.0.2:21", "198.19.0.1:40000")
            self.assertEqual((g.dir, g.out_dst), ("O", "198.18.0.100:40000"))
            self.assertIsNone(ctx.flow_lookup(
                pinhole.SIDE_OUTSIDE, pinhole.IPPROTO_TCP,
                "198.18.0.100:40000", "198.19.0.2:21"))
            holes = ctx.pinholes()
            self.assertEqual(len(holes), 1)
            h = holes[0]
            self.assertEqual((h.conv_id, h.alg, h.proto, h.side, h.src,
                              h.dst, h.to),
                             (1, "ftp", pinhole.IPPROTO_TCP,
                              pinhole.SIDE_OUTSIDE, "198.19.0.2:0",
                              "198.19.0.1:40001", "198.18.0.100:40001"))
            self.assertEqual(ctx.conversations_clear(alg="sip"), 0)
            del events[:]
            self.assertEqual(ctx.conversations_clear(), 1)
            self.assertEqual(ctx.pinholes(), [])
            self.assertTrue(events[0].startswith("PINHOLE_PINHOLE_EXPIRED"))
            self.assertIn('reason="cleared"', events[2])

    def test_timeout_set(self):
        with nat_context() as ctx:
            ctx.timeout_set(pinhole.TIMEOUT_UDP, 5)
            ctx.process(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"q"),
                        pinhole.SIDE_INSIDE, SEC)
            ctx.tick(4 * SEC)
            self.assertEqual(ctx.usage()["flows"], 1)
            ctx.tick(8 * SEC)
            self.assertEqual(ctx.usage()["flows"], 0)
            with self.assertRaises(pinhole.PinholeError) as e:
                ctx.timeout_set(pinhole.TIMEOUT_PINHOLE, 0)
            self.assertEqual(e.exception.code, -10)
            with self.assertRaises(pinhole.PinholeError) as e:
                ctx.timeout_set(99, 5)
            self.assertEqual(e.exception.code, -1)

    def test_rule_del_and_pool_del(self):
        with nat_context() as ctx:
            ctx.process(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"q"),
                        pinhole.SIDE_INSIDE, SEC)
            self.assertEqual(ctx.pool_del(0), 0)
            verdict, _ = ctx.process(
                pinhole.udp(INSIDE, 41001, SERVER, 5000, b"new"),
                pinhole.SIDE_INSIDE, SEC)
            self.assertEqual(verdict, pinhole.VERDICT_DROP)
            self.assertEqual(ctx.stats()["NAT_POOL_REMOVED"], 1)
            self.assertEqual(ctx.stats()["NEW_DISCARD"], 1)
            with self.assertRaises(pinhole.PinholeError):
                ctx.pool_del(0)
            pool = ctx.pool_add("198.19.0.50")
            self.assertEqual(ctx.rule_del(0), 0)
            rule = ctx.rule_add(name="p1", side=pinhole.SIDE_INSIDE,
                                nat=pinhole.NAT_SOURCE, pool=pool)
            verdict, out = ctx.process(
                pinhole.udp(INSIDE, 41001, SERVER, 5000, b"new"),
                pinhole.SIDE_INSIDE, SEC)
            self.assertEqual(pinhole.fields(out)[0], "198.19.0.50")
            self.assertEqual(ctx.rule_del(rule, flush=True), 1)
            self.assertEqual(ctx.pool_del(pool, flush=True), 0)
            # the kept flow of the first pool is still there
            self.assertEqual(ctx.usage()["flows"], 1)
            with self.assertRaises(pinhole.PinholeError):
                ctx.rule_del(rule)

    def test_event_formats(self):
        lines = []

        flags = pinhole.SYSLOG_ASP_TAGS | pinhole.SYSLOG_RFC5424

        def on_event(ev):
            lines.append((pinhole.event_json(ev), pinhole.event_syslog(ev),
                          pinhole.event_syslog(ev, flags=flags,
                                               hostname="gw1")))

        with nat_context(on_event=on_event) as ctx:
            ctx.process(pinhole.udp(INSIDE, 41000, SERVER, 5000, b"q"),
                        pinhole.SIDE_INSIDE, SEC)
        js, line, full = [x for x in lines if '"RULE_ACCEPT"' in x[0]][0]
        self.assertEqual(json.loads(js)["event"], "RULE_ACCEPT")
        self.assertEqual(json.loads(js)["src_port"], 41000)
        self.assertEqual(line, "RULE_ACCEPT: proto 17 (UDP) application: "
                         "none, inside:198.18.0.2:41000 -> 198.19.0.2:5000, "
                         "Match SFW accept rule-set: , rule: inside-out, "
                         "term: 0")
        self.assertTrue(full.startswith("<134>1 1970-01-01T00:00:01.000Z "
                                        "gw1 pinhole - ASP_SFW_RULE_ACCEPT"))

    def test_trace_debug(self):
        blocks = []
        wall = 1796400000 * SEC  # 2026-12-04 16:00:00 UTC
        with nat_context(on_trace=lambda tr: blocks.append(
                pinhole.trace_debug(tr, wall))) as ctx:
            out = ftp_port(ctx, 3 * SEC)
        self.assertTrue(out.endswith(b"PORT 198,19,0,1,156,65\r\n"))
        self.assertEqual(blocks[0],
                         "## 2026-12-04 16:00:03 : received PORT command, "
                         "TCP SEQ 101 ACK 909\n"
                         "00000000: 50 4f 52 54 20 31 39 38  2c 31 38 2c 30 "
                         "2c 31 30   PORT 198 ,18,0,10\n"
                         "00000010: 30 2c 31 35 36 2c 36 35  0d 0a           "
                         "          0,156,65 ..\n")
        self.assertEqual(blocks[-1], "## 2026-12-04 16:00:03 : ftp seq diff "
                         "0 -> -2, TCP SEQ 101 ACK 909\n")
        self.assertIn("zone outside, parent conversation 1\n", blocks[-2])


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Judges the TCP retransmissions of a connection through the gateway from
captures on both sides of it (tests/e2e/lib.sh: expect_no_nat_retransmission).

    tcp-retrans.py IN_PCAP CLIENT OUT_PCAP SERVER [--only server|client]
        [--data] [--filter DISPLAY_FILTER]

IN_PCAP is taken on the inside host's link, OUT_PCAP on the outside host's;
CLIENT and SERVER are the hosts' own addresses (each as its own side's
capture shows it; they may be of different families, NAT64).

A segment is recognised on the other side by what the gateway never
rewrites: its TCP timestamps (TSval, TSecr) and its SYN/FIN/RST flags. A
piece of a split message the gateway holds leaves at once as a bare ACK
with the same timestamps, the segment that completes it leads the merged
message, and a resent part of a merged message goes on without its
payload: each keeps its timestamps.

A retransmission (as tshark's analysis finds them on the sender's own side)
is the gateway's doing when the gateway dropped what would have prevented
it:
  - the original transmission of its first byte never left the gateway, or
  - an acknowledgment that covered it, sent by the receiver before the
    sender retransmitted, never left the gateway (dropped, or held: the
    gateway holds no acknowledgment, every segment it keeps sends one on).
Otherwise only the time each took through the gateway is in question (the
gateway, or the hosts, were not scheduled in time on a loaded machine: the
sender's timer, a tail loss probe after two round trips of a millisecond or
less, fired first), and the retransmission is reported with those times but
is not a failure.

Prints one line per retransmission and a summary; exits 1 when one of them
is the gateway's doing, 2 when one cannot be judged (no TCP timestamps on
it, its original or the acknowledgment that covered it; a segment without
them, such as an RST, is otherwise left out), 0 otherwise.
"""
import argparse
import subprocess
import sys

FIELDS = [
    "frame.number", "frame.time_epoch", "ip.src", "ipv6.src", "tcp.seq_raw",
    "tcp.len", "tcp.ack_raw", "tcp.flags", "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr", "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission"
]
SYN, FIN, RST, ACK = 0x02, 0x01, 0x04, 0x10


def after(a, b):
    """a after b in sequence space (RFC 9293 sec. 3.4)."""
    return 0 < (a - b) & 0xffffffff < 0x80000000


def at_or_after(a, b):
    return a == b or after(a, b)


def read(pcap, display):
    cmd = ["tshark", "-n", "-r", pcap, "-Y", display, "-T", "fields",
           "-E", "separator=;", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         check=False).stdout
    pkts = []
    for line in out.splitlines():
        v = line.split(";")
        if len(v) != len(FIELDS) or not v[4]:
            continue
        p = {
            "frame": int(v[0]),
            "t": float(v[1]),
            "src": v[2] or v[3],
            "seq": int(v[4]),
            "len": int(v[5] or 0),
            "ack": int(v[6] or 0),
            "flags": int(v[7], 16),
            "tsval": v[8],
            "tsecr": v[9],
            "retrans": bool(v[10] or v[11] or v[12]),
            "spurious": bool(v[12]),
        }
        p["end"] = (p["seq"] + p["len"] + (1 if p["flags"] & (SYN | FIN) else 0)) \
            & 0xffffffff
        p["key"] = (p["tsval"], p["tsecr"], p["flags"] & (SYN | FIN | RST))
        pkts.append(p)
    return pkts


def copies(pkts):
    """key -> times of the packets with that key, in order."""
    m = {}
    for p in pkts:
        m.setdefault(p["key"], []).append(p["t"])
    return m


def first_copy(far, p):
    """When p (or the first packet with its key) left the gateway, or None."""
    ts = far.get(p["key"])
    return ts[0] if ts else None


def ms(x):
    return "%.1f ms" % (x * 1000.0)


def judge(who, mine, theirs, far_of_mine, far_of_theirs, rx_far, r, data_only):
    """One retransmission r sent by `who` (packets `mine`, their copies on
    the far side in far_of_mine); the receiver's packets `theirs` on its own
    side, their copies on the sender's side in far_of_theirs. Returns
    (bad, text)."""
    if data_only and r["len"] == 0:
        return False, None
    t_r = r["t"]
    text = "%s retransmitted seq %u len %u (frame %d of its own side)" % (
        who, r["seq"], r["len"], r["frame"])
    orig = next((p for p in mine if p["t"] < t_r and p is not r
                 and at_or_after(r["seq"], p["seq"]) and after(p["end"], r["seq"])),
                None)
    if orig is None:
        return False, text + ": no earlier transmission in the capture"
    if not r["key"][0] or not orig["key"][0]:
        return None, text + ": without TCP timestamps, cannot be matched"
    if first_copy(far_of_mine, orig) is None:
        return True, text + ": the gateway never sent on the original (frame %d)" % orig["frame"]
    lat_o = first_copy(far_of_mine, orig) - orig["t"]
    text += "; the original took %s through the gateway" % ms(lat_o)
    # where the retransmitted segment ends in the receiver's numbering: its
    # copy's sequence number (or the original's) plus its length
    rx_seq = None
    for cand in (r, orig):
        q = next((x for x in rx_far if x["key"] == cand["key"]), None)
        if q is not None:
            rx_seq = q["seq"]
            break
    if rx_seq is None:
        rx_seq = r["seq"]
    end = (rx_seq + r["len"] + (1 if r["flags"] & (SYN | FIN) else 0)) & 0xffffffff
    acks = [p for p in theirs
            if p["t"] < t_r and p["flags"] & ACK and at_or_after(p["ack"], end)]
    if not acks:
        return False, text + "; the receiver had not acknowledged it when it was resent"
    lost = [p for p in acks
            if p["key"][0] and first_copy(far_of_theirs, p) is None]
    if lost:
        return True, text + "; the receiver acknowledged it %s before (frame %d) and the gateway never sent that on" % (
            ms(t_r - lost[0]["t"]), lost[0]["frame"])
    a = next((p for p in acks if p["key"][0]), None)
    if a is None:
        return None, text + "; its acknowledgment has no TCP timestamps, cannot be matched"
    t_f = first_copy(far_of_theirs, a)
    if t_f < t_r:
        return False, text + "; the receiver's acknowledgment (frame %d) reached it %s before" % (
            a["frame"], ms(t_r - t_f))
    return False, text + "; the receiver's acknowledgment (frame %d) left %s before and took %s through the gateway" % (
        a["frame"], ms(t_r - a["t"]), ms(t_f - a["t"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inside")
    ap.add_argument("client")
    ap.add_argument("outside")
    ap.add_argument("server")
    ap.add_argument("--only", choices=["client", "server"])
    ap.add_argument("--data", action="store_true",
                    help="only retransmissions that carry data")
    ap.add_argument("--filter", default="tcp")
    a = ap.parse_args()
    f = "tcp && (%s)" % a.filter
    ins = read(a.inside, f)
    outs = read(a.outside, f)
    c_own = [p for p in ins if p["src"] == a.client]
    s_own = [p for p in outs if p["src"] == a.server]
    c_far = [p for p in outs if p["src"] != a.server]  # the client's, translated
    s_far = [p for p in ins if p["src"] != a.client]
    if not c_own or not s_own:
        print("no segments from %s or %s in the captures" % (a.client, a.server))
        return 2
    if not any(p["key"][0] for p in c_own + s_own):
        print("segments without TCP timestamps: the captures cannot be matched")
        return 2
    bad = 0
    unjudged = 0
    n = 0
    lat = [first_copy(copies(s_far), p) for p in s_own] + \
        [first_copy(copies(c_far), p) for p in c_own]
    sides = [("server", s_own, c_own, copies(s_far), copies(c_far), s_far),
             ("client", c_own, s_own, copies(c_far), copies(s_far), c_far)]
    for who, mine, theirs, far_mine, far_theirs, rx_far in sides:
        if a.only and who != a.only:
            continue
        for r in mine:
            if not r["retrans"]:
                continue
            b, text = judge(who, mine, theirs, far_mine, far_theirs, rx_far, r,
                            a.data)
            if text is None:
                continue
            n += 1
            if b is None:
                unjudged += 1
                print("unjudged: " + text)
                continue
            bad += b
            print(("NAT: " if b else "load: ") + text)
    worst = 0.0
    for p, t in zip(s_own + c_own, lat):
        if t is not None and t - p["t"] > worst:
            worst = t - p["t"]
        if t is None and p["key"][0]:
            print("not seen on the other side: %s frame %d seq %u len %u ack %u flags 0x%02x at %.6f" % (
                "server" if p in s_own else "client", p["frame"], p["seq"],
                p["len"], p["ack"], p["flags"], p["t"]))
    print("%d retransmissions, %d caused by the gateway; %d of %d segments sent on, slowest %s" % (
        n, bad, sum(t is not None for t in lat), len(lat), ms(worst)))
    if bad:
        return 1
    return 2 if unjudged else 0


if __name__ == "__main__":
    sys.exit(main())

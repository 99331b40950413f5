#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the seeds of fuzz/corpus/ctx_burst (the script format is in
fuzz/ctx_burst.c): bursts from both sides that open, answer, close and
collide flows, share buffers, run ports out, outlive timeouts, meet
changed rules, IPv6 and NAT64, fragments, ICMP errors and hostile
headers. Run from the repository root."""
import os
import struct

# address indices
IN1, IN2, SRV, OUT1, OUT2, PUB, PUB2, ROUTER = range(8)
# port indices (fixed_ports[]): 1024 1025 5000 80 53 21 23 8080 40000
# 40001 9 0; 0x80 + k: the k-th port learned
P1024, P1025, P5000, P80, P53, P21, P23, P8080, P40000, P40001, P9 = range(11)


def L(k):
    return 0x80 + k


SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08


def tup(src, dst):
    return src | dst << 3


def pl(n=0, data=None):
    if data is not None:
        return bytes([0x80 | len(data)]) + data
    return bytes([n])


def tcp(src, dst, sp, dp, flags, seqmode=0, n=0, data=None):
    return bytes([0, tup(src, dst), sp, dp, flags, seqmode]) + pl(n, data)


def udp(src, dst, sp, dp, n=8, data=None):
    return bytes([1, tup(src, dst), sp, dp]) + pl(n, data)


def echo(src, dst, ident, reply=False):
    return bytes([2 | (8 if reply else 0), tup(src, dst), ident])


def again(k):
    return bytes([3, k])


def icmp_err(which, tc=0, router=False):
    return bytes([4 | (8 if router else 0), which, tc])


def v6(src, dst, sp, dp, udp_=False, flags=SYN, n=0):
    return bytes([5, src | dst << 2 | (0x10 if udp_ else 0), sp, dp, flags]) \
        + pl(n)


def hostile(k, off, val, how):
    return bytes([6, k, off, val, how])


def frags(src, dst, sp, dp, n, cut8, later_first=False):
    return bytes([7 | (8 if later_first else 0), tup(src, dst), sp, dp]) + \
        pl(n) + bytes([cut8])


def burst(side, pkts, step=0, tick=False):
    op = side | step << 1 | (0x10 if tick else 0)
    assert op & 0xc0 != 0xc0
    return bytes([op, (len(pkts) - 1) % 70]) + b"".join(pkts)


def oper(which, arg=None, step=0):
    b = bytes([0xc0 | which | step << 3])
    return b + (bytes([arg]) if arg is not None else b"")


INSIDE, OUTSIDE = 0, 1
seeds = {}

# A TCP connection and a UDP flow opened, answered and closed, each step
# a burst; the SYN's buffer repeated (met rewritten: from the public
# address now), a hairpin to the UDP flow's public port.
seeds["tcp-udp-lifecycle"] = bytes([0]) + \
    burst(INSIDE, [tcp(IN1, OUT1, P1024, P80, SYN),      # learned 0
                   udp(IN1, OUT1, P1025, P5000, 12),     # learned 1
                   echo(IN2, OUT1, P9),                  # learned 2
                   again(0),                             # learned 3
                   udp(IN1, OUT1, P1025, P53, 12)]) + \
    burst(OUTSIDE, [tcp(OUT1, PUB, P80, L(0), SYN | ACK),
                    udp(OUT1, PUB, P5000, L(1), 30),
                    echo(OUT1, PUB, L(2), reply=True),
                    udp(OUT2, PUB, P5000, L(1), 5),
                    tcp(OUT1, PUB, P80, L(3), SYN | ACK),
                    again(1)]) + \
    burst(INSIDE, [tcp(IN1, OUT1, P1024, P80, ACK),
                   tcp(IN1, OUT1, P1024, P80, ACK | PSH, n=40),
                   udp(IN2, PUB, P1024, L(1), 4),
                   udp(IN1, OUT1, P1025, P5000, 2),
                   tcp(IN1, OUT1, P1024, P80, ACK | FIN)]) + \
    burst(OUTSIDE, [tcp(OUT1, PUB, P80, L(0), ACK | FIN),
                    tcp(OUT1, PUB, P80, L(0), RST),
                    tcp(OUT1, PUB, P80, L(0), ACK)]) + \
    burst(INSIDE, [tcp(IN1, OUT1, P1024, P80, ACK),
                   tcp(IN1, OUT1, P1024, P80, SYN, seqmode=0x90),
                   tcp(IN1, OUT1, P1024, P80, RST)])

# 4 ports, two hosts, 40 new UDP flows in one burst: the chunks of 32
# split and the ports run out inside the look-ahead.
many = []
for i in range(40):
    many.append(udp(IN1 + (i & 1), OUT1 + (i >> 5 & 1), i % 11, P5000, 1))
seeds["narrow-pool-ports-run-out"] = bytes([0x02]) + burst(INSIDE, many) + \
    burst(OUTSIDE, [udp(OUT1, PUB, P5000, L(k), 2) for k in range(8)])

# The same with two ports per inside host and deterministic, PBA and
# address-only pools; a 70-packet burst.
seventy = [udp(IN1 + i % 3, OUT1 + (i >> 3 & 1), i % 11, P5000 + (i & 1), 3)
           for i in range(70)]
seeds["pool-napt-per-host-70"] = bytes([0x10]) + burst(INSIDE, seventy)
seeds["pool-pba-70"] = bytes([0x20]) + burst(INSIDE, seventy) + \
    oper(6) + burst(INSIDE, seventy[:33])
seeds["pool-det-70"] = bytes([0x42]) + burst(INSIDE, seventy)
seeds["pool-address-70"] = bytes([0x60]) + burst(INSIDE, seventy) + \
    oper(0, step=6) + burst(INSIDE, seventy[5:40])

# Flows that expire between two bursts (a step without a tick: the
# lookups expire them), answers and new flows mixed.
seeds["expire-between-bursts"] = bytes([0]) + \
    burst(INSIDE, [udp(IN1, OUT1, P1024, P5000, 4),
                   tcp(IN2, OUT1, P1025, P80, SYN),
                   echo(IN1, OUT2, P1024)]) + \
    oper(7, step=5) + \
    burst(OUTSIDE, [udp(OUT1, PUB, P5000, L(0), 4),
                    echo(OUT2, PUB, L(2), reply=True)]) + \
    burst(INSIDE, [udp(IN1, OUT1, P1024, P5000, 4),
                   echo(IN1, OUT2, P1024),
                   tcp(IN2, OUT1, P1025, P80, ACK)], step=6) + \
    burst(OUTSIDE, [udp(OUT1, PUB, P5000, L(0), 4),
                    udp(OUT1, PUB, P5000, L(3), 4),
                    tcp(OUT1, PUB, P80, L(1), SYN | ACK)], step=7,
          tick=True)

# Rules changed between bursts: inside-out (index 7) deleted, UDP
# through pool 1 added, the rules cleared and added again, pool 1
# removed, conversations cleared.
seeds["rules-change"] = bytes([0]) + \
    burst(INSIDE, [udp(IN1, OUT1, P1024, P5000, 2),
                   tcp(IN1, OUT1, P1025, P80, SYN)]) + \
    oper(2, 7) + oper(1, 0) + oper(1, 1) + \
    burst(INSIDE, [udp(IN1, OUT1, P1024, P5000, 2),
                   udp(IN2, OUT1, P1024, P5000, 2),
                   tcp(IN2, OUT1, P1025, P80, SYN),
                   tcp(IN1, OUT2, P1025, P80, SYN)]) + \
    oper(3) + oper(1, 7) + oper(2, 0x80 | 7) + \
    burst(INSIDE, [udp(IN1, OUT1, P5000, P1025, 2),
                   tcp(IN2, OUT1, P5000, P80, SYN),
                   tcp(SRV, OUT1, P5000, P80, SYN)]) + \
    oper(1, 3) + oper(4, 1) + \
    burst(INSIDE, [udp(IN1, OUT1, P80, P5000, 2), tcp(SRV, OUT2, P80, P80, SYN)]) + \
    oper(5) + \
    burst(OUTSIDE, [udp(OUT1, PUB, P5000, L(0), 2),
                    tcp(OUT1, PUB, P80, P8080, SYN),
                    udp(OUT1, PUB, P5000, P21, 2)])

# IPv6 and NAT64: an IPv6 SYN and UDP datagram to 198.19.0.10 through
# 64:ff9b::/96, plain IPv6 out and in, the IPv4 answers.
seeds["ipv6-nat64"] = bytes([0]) + \
    burst(INSIDE, [v6(0, 3, P1024, P80),
                   v6(0, 3, P1025, P5000, udp_=True, n=10),
                   v6(0, 2, P1024, P80),
                   v6(1, 2, P5000, P1025, udp_=True, n=3),
                   udp(IN1, OUT1, P1024, P5000, 2),
                   again(1)]) + \
    burst(OUTSIDE, [tcp(OUT1, PUB, P80, L(0), SYN | ACK),
                    udp(OUT1, PUB, P5000, L(1), 6),
                    v6(2, 0, P80, P1024, flags=SYN | ACK),
                    v6(2, 1, P1024, P80),
                    v6(2, 1, P5000, P1025, udp_=True, n=2)])

# EIF: another outside host reaches a mapping; hostile copies (IP
# options, a fragment bit, a broken checksum, cut short), fragments in
# either order, ICMP errors quoting what left.
seeds["eif-hostile-frags-errors"] = bytes([0x09]) + \
    burst(INSIDE, [udp(IN1, OUT1, P1024, P5000, 20),
                   tcp(IN2, OUT1, P1025, P80, SYN),
                   hostile(0, 0, 0x46, 1),
                   hostile(0, 6, 0x20, 1),
                   hostile(1, 10, 0x00, 0),
                   hostile(1, 0, 0x45, 0x30),
                   frags(IN1, OUT2, P5000, P1025, 40, 2),
                   frags(IN2, OUT2, P5000, P1025, 40, 3, later_first=True)]) + \
    burst(OUTSIDE, [udp(OUT2, PUB, P5000, L(0), 4),
                    icmp_err(0, 0),
                    icmp_err(1, 1, router=True),
                    icmp_err(2, 2, router=True),
                    hostile(0, 9, 1, 3),
                    again(1)])

d = "fuzz/corpus/ctx_burst"
os.makedirs(d, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

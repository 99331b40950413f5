#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Carrier-grade logging to a real collector: pinhole-gw with a port block
# allocation pool (blocks of 64 ports, 4 per subscriber) serves three
# inside hosts (curl over HTTP, UDP) and exports its NAT events as IPFIX
# (RFC 8158) to nfdump's nfcapd, started in the foreground in a collector
# namespace joined to the gateway's by a veth pair (198.18.1.0/30).
# `nfdump -r` must then show a port block allocation per subscriber, its
# interim repeats (--interim 1: the same natEvent 16 record every second
# while the block is allocated) and the NAT44 BIB records of their
# mappings, each inside its block.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl nfcapd nfdump
[ -n "$PYTHON" ] || skip "python3 is not installed"
collector_start

e2e_start_gw --pba 64,4,500 --interim 1 --ipfix "$COL_ADDR:4739"
for a in 198.18.0.3 198.18.0.4; do
  ip -n "$NS_IN" addr add "$a/24" dev tun-in || die "inside address $a"
done
mkdir -p "$TMP/www"
random_file "$TMP/www/data.bin" 64
http_start_server "$NS_OUT" "$OUT_ADDR" 8080 "$TMP/www"
for a in 198.18.0.2 198.18.0.3 198.18.0.4; do
  for i in 1 2 3; do
    ns "$NS_IN" curl -sS --connect-timeout 5 --interface "$a" \
      -o "$TMP/down-$a-$i" "http://$OUT_ADDR:8080/data.bin" ||
      fail "curl from $a"
  done
  same_file "$TMP/www/data.bin" "$TMP/down-$a-3" "http download from $a"
done
# the blocks stay allocated (their connections are closing): interim
# records every second
sleep 2.5
gw_dump ipfix
expect_counter_min Other "Port blocks allocated" 3
expect_counter_min Other "Port block and address interim records" 3
# the gateway flushes every 100 ms; then stop it and the collector
sleep 0.5
kill -TERM "$GW_PID"
wait_for 5 bash -c "! kill -0 $GW_PID" || fail "pinhole-gw did not stop"
grep "ipfix:" "$TMP/gw.err" >&2
kill -TERM "$COL_PID"
wait_for 5 bash -c "! kill -0 $COL_PID" || fail "nfcapd did not stop"
collector_dump
"$PYTHON" - "$TMP/nfdump.json" <<'PY' || fail "records in the collector"
import json, sys
recs = json.load(open(sys.argv[1]))
blocks = {}
nblock = {}
bib = []
for r in recs:
    ev = r.get("nat_event")
    if ev == "Port block allocation":
        blocks[r["src4_addr"]] = r["src4_xlt_ip"]
        nblock[r["src4_addr"]] = nblock.get(r["src4_addr"], 0) + 1
    elif ev == "NAT44 BIB create":
        bib.append(r)
want = {"198.18.0.2", "198.18.0.3", "198.18.0.4"}
if set(blocks) != want or set(blocks.values()) != {"198.19.0.1"}:
    sys.exit("port block allocations: %r" % blocks)
if min(nblock.values()) < 2:  # the allocation and an interim repeat
    sys.exit("port block records per subscriber: %r" % nblock)
subs = {r["src4_addr"] for r in bib if r["proto"] == 6}
if subs != want or len(bib) < 9:
    sys.exit("BIB create records: %d from %r" % (len(bib), subs))
ports = sorted(int(r["src_xlt_port"]) for r in bib)
print("e2e: ok: %d port block allocations (with interims %r), %d BIB "
      "creates, ports %d..%d" % (len(blocks), nblock, len(bib), ports[0],
                                 ports[-1]), file=sys.stderr)
PY
expect_only_test_addresses
e2e_finish

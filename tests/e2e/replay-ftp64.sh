#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# pinhole-replay --nat64 on fresh FTP64 recordings (issue 22): records an
# active (EPRT) and a passive (EPSV) download, and an active one whose
# EPRT the client writes in two pieces (split-ftp-client.py), through
# pinhole-gw's NAT64 with examples/captures/record-nat64.sh (its own
# namespaces, removed on exit; new ports and sequence numbers every
# run), then replays each capture with --expect-clean on two pools (the
# port-preserving one and new ports that make the rewritten EPRT shorter
# or longer): nothing dropped, unmatched or mismatched, and the listing
# shows the FTP conversation with two Watch rows (the control
# connection) and two Forward rows (the data connection), each with its
# NAT64 line. The split one must report its first piece held (17 bytes)
# and sent on merged with the second, nothing still held (a piece the
# client sent again under load is held or sent on again too: the byte
# counts may be larger).
#
#   replay-ftp64.sh PINHOLE_GW PINHOLE_REPLAY
set -u
GW=${1:?usage: replay-ftp64.sh PINHOLE_GW PINHOLE_REPLAY}
REPLAY=${2:?usage: replay-ftp64.sh PINHOLE_GW PINHOLE_REPLAY}
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "e2e: SKIP: needs root" >&2; exit 77; }
TMPD=$(mktemp -d /tmp/pinhole-e2e-rp64.XXXXXX) || exit 1
trap 'rm -rf "$TMPD"' EXIT
FAILED=0
fail() { echo "e2e: FAIL: $*" >&2; FAILED=1; }

timeout 120 "$HERE/../../examples/captures/record-nat64.sh" "$GW" "$TMPD" \
  >"$TMPD/record.log" 2>&1
rc=$?
[ "$rc" = 77 ] && { tail -n 3 "$TMPD/record.log" >&2; exit 77; }
if [ "$rc" != 0 ]; then
  tail -n 40 "$TMPD/record.log" >&2
  echo "e2e: FAIL: record-nat64.sh exit status $rc" >&2
  exit 1
fi

for cap in ftp64-active ftp64-epsv ftp64-split; do
  for pool in 198.19.0.1 198.19.0.200:60000-60010; do
    out=$TMPD/$cap-${pool%%:*}.txt
    if ! timeout 60 "$REPLAY" --expect-clean --inside 2001:db8:1::/48 \
      --nat64 64:ff9b::/96 --pool "$pool" "$TMPD/$cap.pcap" >"$out" 2>&1; then
      head -n 20 "$out" >&2
      fail "$cap on $pool: not clean"
      continue
    fi
    watch=$(grep -cE '^TCP .* Watch +[IO] +[0-9]+$' "$out")
    fwd=$(grep -cE '^TCP .* Forward +[IO] +[0-9]+$' "$out")
    nat=$(grep -cE '^ +NAT64 (\[|[0-9])' "$out")
    if [ "$watch" = 2 ] && [ "$fwd" = 2 ] && [ "$nat" = 4 ] &&
      grep -q '^Conversation: ALG protocol: ftp' "$out"; then
      echo "e2e: ok: $cap on $pool: clean, 2 Watch and 2 Forward rows, 4 NAT64 lines" >&2
    else
      cat "$out" >&2
      fail "$cap on $pool: $watch Watch, $fwd Forward rows, $nat NAT64 lines"
    fi
  done
done
# the active ones: the server's data connection from port 20
for cap in ftp64-active ftp64-split; do
  grep -qE '^TCP 198\.19\.0\.2:20 -> 198\.19\.0\.200:600[0-9]+ +Forward +O' \
    "$TMPD/$cap-198.19.0.200.txt" ||
    fail "$cap: no Forward row of the server's data connection from port 20"
done
# the split EPRT: held, then sent on merged (the report's lines)
for pool in 198.19.0.1 198.19.0.200; do
  out=$TMPD/ftp64-split-$pool.txt
  if grep -qE '^ftp64-split\.pcap:[0-9]+: held: TCP \[2001:db8:1::2\]:[0-9]+ -> \[64:ff9b::c613:2\]:21 from inside: 17 bytes kept' "$out" &&
    grep -qE '^ftp64-split\.pcap:[0-9]+: delivered: [0-9]+ held bytes sent on: merged into this packet$' "$out" &&
    grep -qE '^Replay: [0-9]+ frames held by the library \(([0-9]+) bytes\), \1 bytes of them sent on, 0 let go at the hold timeout, 0 still held$' "$out"; then
    echo "e2e: ok: ftp64-split on $pool: the first EPRT piece held, sent on merged" >&2
  else
    grep -E '^ftp64-split|^Replay' "$out" >&2
    fail "ftp64-split on $pool: no held/delivered lines for the split EPRT"
  fi
done
[ "$FAILED" = 0 ] && echo "e2e: PASS" >&2
exit "$FAILED"

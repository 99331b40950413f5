#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# pinhole-replay's command line as a newcomer meets it, and what it writes.
#
#   test-cli.sh CASE REPLAY CAPTURES_DIR REPLAY_SRC_DIR
#
# CASE: usage     --help, usage errors, messages that say what is allowed
#       input     unusable captures (missing, empty, not a capture, cut
#                 short, unsupported link type), no IPv4, exit statuses
#       pcaps     --write-outside/--write-inside read back with tshark:
#                 translated addresses, rewritten payloads, valid checksums
#       json      --json parsed with python3, equal to the text report
#       progress  the progress line on a terminal (script(1)), none without
# Exit 0 when every check passed, 1 when one failed, 77 when a tool the case
# needs (tshark, python3, script) is missing.
set -u
CASE=$1
BIN=$2
CAP=$3
SRC=$4
DOCS=$SRC/../../docs/replay.md
TMP=$(mktemp -d /tmp/replay-cli-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILED=0
PY=/usr/bin/python3

ok() { echo "ok   $*"; }
bad() {
  echo "FAIL $*"
  FAILED=1
}

# run ARGS...: runs the replay; $rc, $TMP/out, $TMP/err
run() {
  "$BIN" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
}

# expect RC PATTERN WHAT ARGS...: the run exits RC and stderr matches the
# extended regular expression PATTERN (empty: stderr empty).
expect() {
  local want=$1 pat=$2 what=$3
  shift 3
  run "$@"
  if [ "$rc" != "$want" ]; then
    bad "$what: exit $rc, expected $want (stderr: $(head -c 300 "$TMP/err"))"
  elif [ -z "$pat" ] && [ -s "$TMP/err" ]; then
    bad "$what: unexpected stderr: $(head -c 300 "$TMP/err")"
  elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$TMP/err"; then
    bad "$what: stderr does not match /$pat/: $(head -c 300 "$TMP/err")"
  else
    ok "$what"
  fi
}

# ------------------------------------------------------------------ usage
case_usage() {
  expect 0 '' "--help" --help
  cp "$TMP/out" "$TMP/help"
  expect 0 '' "-h" -h
  cmp -s "$TMP/out" "$TMP/help" && ok "-h prints what --help prints" ||
    bad "-h and --help differ"
  local opts o
  opts=$(grep -Eo -- '--[a-z][a-z-]+' "$TMP/help" | sort -u)
  for o in --inside --pool --rules --fix-cksums --at --filter --json \
    --events --trace --write-outside --write-inside --expect-clean --check \
    --help; do
    grep -q -- "$o" "$TMP/help" || bad "--help does not list $o"
  done
  grep -q '^Example' "$TMP/help" && grep -q 'pinhole-replay --pool' "$TMP/help" &&
    ok "--help has an example" || bad "--help has no example"
  # docs/replay.md covers every option --help lists
  for o in $opts; do
    grep -q -- "\`$o" "$DOCS" || bad "docs/replay.md does not cover $o"
  done
  ok "docs/replay.md names every option of --help ($(echo $opts | wc -w))"

  expect 2 'no capture given' "no capture"
  expect 2 'unknown option --bogus' "unknown option" --bogus "$CAP/udp.pcap"
  expect 2 '--pool needs a value' "option without its value" --pool
  expect 2 'port range must be within 1024-65535' "pool ports below 1024" \
    --pool 198.19.0.1:80-90 "$CAP/udp.pcap"
  expect 2 'port range must be within 1024-65535, LO <= HI' "pool range upside down" \
    --pool 198.19.0.1:3000-2000 "$CAP/udp.pcap"
  expect 2 "bad --pool '300.1.1.1': the address is not an IPv4 address" \
    "pool address" --pool 300.1.1.1 "$CAP/udp.pcap"
  expect 2 '1 to 16 addresses' "pool of 40 addresses" \
    --pool 198.19.0.1-198.19.0.40 "$CAP/udp.pcap"
  expect 2 'LEN 0-32' "inside prefix /33" --inside 198.18.0.0/33 "$CAP/udp.pcap"
  expect 2 "bad --at 'soon': expected seconds" "--at word" --at soon "$CAP/udp.pcap"
  expect 2 "alg=NAME \\(none ftp tftp rtsp sip[a-z0-9 ]*\\)" "--filter unknown ALG" \
    --filter alg=gopher "$CAP/udp.pcap"
  expect 2 "bad --filter 'colour=red'" "--filter unknown key" \
    --filter colour=red "$CAP/udp.pcap"

  local r=$TMP/rules
  printf '# comment\n\nname=a side=upstairs\n' >"$r"
  expect 2 "$r:3: bad side 'upstairs': side is inside, outside or any" \
    "rules: bad side" --rules "$r" "$CAP/udp.pcap"
  printf 'colour=blue\n' >"$r"
  expect 2 "$r:1: unknown key 'colour' \\(keys: name side" "rules: unknown key" \
    --rules "$r" "$CAP/udp.pcap"
  printf 'side=inside accept\n' >"$r"
  expect 2 "$r:1: 'accept' is not key=value" "rules: bare word" \
    --rules "$r" "$CAP/udp.pcap"
  printf 'alg=gopher\n' >"$r"
  expect 2 "$r:1: bad alg 'gopher': alg is none or one of ftp tftp rtsp sip" \
    "rules: unknown ALG" --rules "$r" "$CAP/udp.pcap"
  printf 'dport=0\n' >"$r"
  expect 2 "$r:1: bad dport '0': dport is N or LO-HI with 1 <= LO <= HI <= 65535" \
    "rules: port 0" --rules "$r" "$CAP/udp.pcap"
  printf 'nat=static\n' >"$r"
  expect 2 "$r: rule rule-1: the library refused it" "rules: refused by the library" \
    --rules "$r" "$CAP/udp.pcap"
  expect 2 "--rules $TMP/none: No such file or directory" "rules: missing file" \
    --rules "$TMP/none" "$CAP/udp.pcap"

  expect 1 "output differs from $SRC/golden/ping.txt at line 5" \
    "--check against another capture's report" \
    --check "$SRC/golden/ping.txt" "$CAP/udp.pcap"
  expect 2 "--check $TMP/none: No such file" "--check missing file" \
    --check "$TMP/none" "$CAP/udp.pcap"
  expect 0 '' "--check against its own report" \
    --check "$SRC/golden/udp.txt" "$CAP/udp.pcap"
  expect 0 '' "--option=value" --pool=198.19.0.7 --check="$SRC/golden/udp.pool7.txt" \
    "$CAP/udp.pcap"
}

# ------------------------------------------------------------------ input
# pcap_header LINKTYPE: a classic little-endian pcap file header
pcap_header() {
  printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00'
  printf '\xff\xff\x00\x00'
  printf "\\x$(printf %02x "$1")\\x00\\x00\\x00"
}

case_input() {
  expect 2 "^pinhole-replay: $TMP/missing.pcap: cannot open: No such file" \
    "missing capture" "$TMP/missing.pcap"
  : >"$TMP/empty.pcap"
  expect 2 "$TMP/empty.pcap: empty file, not a capture" "empty file" "$TMP/empty.pcap"
  echo "hello, I am not a capture" >"$TMP/text.pcap"
  expect 2 "$TMP/text.pcap: not a pcap or pcapng capture" "text file" \
    "$CAP/udp.pcap" "$TMP/text.pcap"
  [ ! -s "$TMP/out" ] && [ "$(wc -l <"$TMP/err")" = 1 ] &&
    ok "an unusable capture: one line on stderr, nothing played" ||
    bad "an unusable capture printed more than one line or played the others"
  head -c 10 "$CAP/udp.pcap" >"$TMP/head.pcap"
  expect 2 "$TMP/head.pcap: not a pcap or pcapng capture, or cut short in its header" \
    "file cut in its header" "$TMP/head.pcap"
  pcap_header 147 >"$TMP/user0.pcap"
  expect 2 "$TMP/user0.pcap: unsupported link type 147; supported: Ethernet" \
    "unsupported link type" "$TMP/user0.pcap"

  # cut short in the middle of frame 20 and in the record header of frame 12
  local size cut n
  size=$(stat -c %s "$CAP/ftp-active.pcap")
  for cut in 1900 1170; do
    head -c "$cut" "$CAP/ftp-active.pcap" >"$TMP/cut.pcap"
    expect 2 "$TMP/cut.pcap: cut short after frame [0-9]+ \\(at byte [0-9]+ of $cut\\)" \
      "capture cut at byte $cut of $size" --pool 198.19.0.7 "$TMP/cut.pcap"
    n=$(sed -n 's/.*cut short after frame \([0-9]*\) .*/\1/p' "$TMP/err")
    if grep -q "^Replay: $n frames," "$TMP/out" && [ "$n" -gt 5 ] && [ "$n" -lt 33 ] &&
      grep -q '^Conversation: ALG protocol: ftp' "$TMP/out"; then
      ok "cut at byte $cut: the report of the $n frames before it"
    else
      bad "cut at byte $cut: no report of the frames before it ($n)"
    fi
  done

  expect 1 'no IPv4 or IPv6 packet in the capture \(2 frames\)' \
    "--expect-clean on a capture without IPv4" --expect-clean "$CAP/derived/arp-only.pcap"
  # an Ethernet frame with an IPv6 header (a UDP datagram 2001:db8::2 ->
  # 2001:db8::1, no payload)
  {
    pcap_header 1
    printf '\x00\x00\x00\x00\x00\x00\x00\x00\x3e\x00\x00\x00\x3e\x00\x00\x00'
    printf '\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x86\xdd'
    printf '\x60\x00\x00\x00\x00\x08\x11\x40'
    printf '\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02'
    printf '\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01'
    printf '\x9c\x40\x13\x88\x00\x08\x00\x00'
  } >"$TMP/ipv6.pcap"
  # neither endpoint in the default IPv6 inside prefix (fc00::/7), and
  # its UDP checksum is zero (RFC 8200 sec. 8.1): the library drops it
  expect 1 '1 dropped' \
    "--expect-clean on an IPv6 capture" --expect-clean "$TMP/ipv6.pcap"
  grep -q '^ipv6.pcap:1: dropped: malformed IPv6 packet 2001:db8::2 -> 2001:db8::1 (udp6-cksum-zero) from outside (UDP, UDP over IPv6 with zero checksum)$' "$TMP/out" &&
    ok "the zero UDP checksum is named" || bad "no line for the zero UDP checksum"
  expect 0 '' "the same without --expect-clean" "$TMP/ipv6.pcap"
  expect 0 '' "the same with an IPv6 inside host" --inside 2001:db8::2 "$TMP/ipv6.pcap"
  grep -q '^ipv6.pcap:1: dropped: malformed IPv6 packet .* from inside ' "$TMP/out" &&
    grep -q '^Replay: 1 frames, 1 from inside, 0 from outside, 0 not IPv4,' "$TMP/out" &&
    grep -q '^Replay: 1 of the frames from inside and outside were IPv6' "$TMP/out" &&
    ok "the IPv6 frame is played from the inside" || bad "the IPv6 frame not played from the inside"
  for v in 2001:db8::/129 2001:db8::1/64 'fe80::1%eth0/64' 2001:db8::/; do
    expect 2 "bad --inside '$v'" "--inside $v refused" --inside "$v" "$TMP/ipv6.pcap"
  done

  if command -v editcap >/dev/null; then
    editcap -s 80 "$CAP/http.pcap" "$TMP/snap.pcap" 2>/dev/null
    expect 1 '3 cut by the snaplen' "--expect-clean with a frame cut by the snaplen" \
      --expect-clean "$TMP/snap.pcap"
    grep -q "^snap.pcap:[0-9]*: skipped: cut by the capture's snaplen (80 of [0-9]* bytes)" "$TMP/out" &&
      ok "the frame cut by the snaplen is named" || bad "no line for the snaplen cut"
  fi
  # A datagram whose first fragment was lost: its later fragments are held
  # (they may be a Watch flow's message, issue 21) and never sent on.
  expect 1 '--expect-clean: 1534 held bytes never sent on' \
    "--expect-clean with fragments held for good" \
    --expect-clean "$CAP/derived/udp-frag-lost.pcap"
  grep -q '^udp-frag-lost.pcap:5: held: UDP fragment .* 1480 bytes kept by the library' \
    "$TMP/out" && ok "a lone fragment is reported held" ||
    bad "the lone fragment's held line: $(grep ':5:' "$TMP/out")"
  expect 0 '' "offloaded checksums with --fix-cksums" --fix-cksums --expect-clean \
    "$CAP/derived/ftp-passive-offload.pcap"
  expect 1 '16 dropped, 17 unmatched' "offloaded checksums without --fix-cksums" \
    --expect-clean "$CAP/derived/ftp-passive-offload.pcap"
  grep -q '16 frames have bad checksums .* --fix-cksums recomputes them' "$TMP/out" &&
    ok "the summary suggests --fix-cksums" || bad "no --fix-cksums hint in the summary"
  expect 2 "--write-outside $TMP/no/dir/o.pcap: " "unwritable --write-outside" \
    --write-outside "$TMP/no/dir/o.pcap" "$CAP/udp.pcap"
}

# ------------------------------------------------------------------ pcaps
TSHARK_CK=(-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE
  -o udp.check_checksum:TRUE)
# The columns dump writes, one line per packet (all occurrences, joined
# by '^'): 1 ip.src 2 ip.dst 3-6 IP/TCP/UDP/ICMP checksum status (0 bad,
# 1 good, 2 not checked) 7 ftp.request.command 8 ftp.request.arg
# 9 ftp.response.arg 10 rtsp.transport 11 sip.Via 12 sip.Contact
# 13 sdp.connection_info.address 14 sdp.media.port 15 icmp.ident
# 16 udp.srcport 17 udp.dstport 18 tcp.dstport
FIELDS=(ip.src ip.dst ip.checksum.status tcp.checksum.status
  udp.checksum.status icmp.checksum.status ftp.request.command
  ftp.request.arg ftp.response.arg rtsp.transport sip.Via sip.Contact
  sdp.connection_info.address sdp.media.port icmp.ident udp.srcport
  udp.dstport tcp.dstport)

# dump PCAP OUT: one tshark run per file
dump() {
  local args=() f
  for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
  tshark -r "$1" "${TSHARK_CK[@]}" -T fields -E occurrence=a -E aggregator='^' \
    "${args[@]}" >"$2" 2>/dev/null
}

# bad_cksums DUMP: packets with a checksum tshark found bad
bad_cksums() {
  awk -F'\t' '{ b = 0; for (c = 3; c <= 6; c++) { n = split($c, v, "^");
    for (i = 1; i <= n; i++) if (v[i] == "0") b = 1 } s += b } END { print s + 0 }' "$1"
}

# col_is NAME DUMP COLUMN REGEX: every non-empty value of COLUMN matches,
# and there is one
col_is() {
  local vals
  vals=$(cut -f "$3" "$2" | tr '^' '\n' | sed '/^$/d')
  if [ -n "$vals" ] && ! echo "$vals" | grep -Evq "$4"; then
    ok "$1: column $3 = $(echo "$vals" | head -n 1)"
  else
    bad "$1: column $3 values '$(echo "$vals" | tr '\n' ' ')' do not all match /$4/"
  fi
}

# written NAME PUBLIC_RE ARGS...: replays with both pcaps written and
# checks what holds for every capture: as many packets as went each way,
# every checksum valid, no inside address on the outside (headers, quoted
# headers, payload fields), the public address on every outside packet,
# the inside host on every inside one. Leaves the dumps in $TMP/o, $TMP/i.
written() {
  local name=$1 pub=$2
  shift 2
  run --write-outside "$TMP/o.pcap" --write-inside "$TMP/i.pcap" --expect-clean "$@"
  [ "$rc" = 0 ] || { bad "$name: replay exit $rc: $(cat "$TMP/err")"; return; }
  dump "$TMP/o.pcap" "$TMP/o"
  dump "$TMP/i.pcap" "$TMP/i"
  local fin fout nout nin
  fin=$(sed -n 's/^Replay: [0-9]* frames, \([0-9]*\) from inside.*/\1/p' "$TMP/out")
  fout=$(sed -n 's/^Replay: .* \([0-9]*\) from outside.*/\1/p' "$TMP/out")
  nout=$(wc -l <"$TMP/o")
  nin=$(wc -l <"$TMP/i")
  [ "$nout" = "$fin" ] && [ "$nin" = "$fout" ] &&
    ok "$name: $nout packets out, $nin in, as many as the capture sent each way" ||
    bad "$name: $nout packets out for $fin sent, $nin in for $fout"
  local n
  n=$(($(bad_cksums "$TMP/o") + $(bad_cksums "$TMP/i")))
  [ "$n" = 0 ] && ok "$name: every checksum valid (tshark)" ||
    bad "$name: $n packets with a bad checksum"
  n=$(cut -f 1,2,8-13 "$TMP/o" | grep -c '198[.,]18[.,]0[.,]')
  [ "$n" = 0 ] && ok "$name: no inside address on the outside" ||
    bad "$name: $n outside packets carry an inside address"
  n=$(cut -f 1 "$TMP/o" | cut -d'^' -f 1 | grep -Evcx "$pub")
  [ "$n" = 0 ] && ok "$name: every outside packet from $pub" ||
    bad "$name: $n outside packets not from $pub"
  n=$(cut -f 2 "$TMP/i" | cut -d'^' -f 1 | grep -vcx '198\.18\.0\.2')
  [ "$n" = 0 ] && ok "$name: every inside packet to 198.18.0.2" ||
    bad "$name: $n inside packets not to 198.18.0.2"
}

case_pcaps() {
  command -v tshark >/dev/null || { echo "SKIP: tshark is not installed"; exit 77; }
  # the checks can fail: tshark sees the offloaded checksums
  dump "$CAP/derived/ftp-passive-offload.pcap" "$TMP/off"
  [ "$(bad_cksums "$TMP/off")" = 16 ] &&
    ok "tshark finds the 16 bad checksums of the offload capture" ||
    bad "tshark found $(bad_cksums "$TMP/off") bad checksums in the offload capture, expected 16"

  written ftp-active '198\.19\.0\.200' --pool 198.19.0.200:60000-60010 "$CAP/ftp-active.pcap"
  col_is ftp-active "$TMP/o" 8 '^(anonymous|I|hello.txt|198,19,0,200,234,(9[6-9]|10[0-6]))$'
  grep -q 'PORT' "$TMP/o" && ok "ftp-active: the PORT command went out" ||
    bad "ftp-active: no PORT command out"
  col_is ftp-active "$TMP/i" 18 '^(51266|41207)$'

  written ftp-eprt '198\.19\.0\.20[0-3]' --pool 198.19.0.200-198.19.0.203:60000-60010 \
    "$CAP/ftp-eprt.pcap"
  grep -Eq $'\tEPRT\t\\|1\\|198\\.19\\.0\\.20[0-3]\\|600(0[0-9]|10)\\|\t' "$TMP/o" &&
    ok "ftp-eprt: EPRT names the public endpoint" || bad "ftp-eprt: EPRT argument"

  written ftp-passive '198\.19\.0\.7' --pool 198.19.0.7:2000-2100 "$CAP/ftp-passive.pcap"
  written ping '198\.19\.0\.7' --pool 198.19.0.7:2000-2100 "$CAP/ping.pcap"
  col_is ping "$TMP/o" 15 '^20[0-9][0-9]$'
  written udp '198\.19\.0\.7' --pool 198.19.0.7:2000-2100 "$CAP/udp.pcap"
  col_is udp "$TMP/o" 16 '^20[0-9][0-9]$'
  written tftp '198\.19\.0\.7' --pool 198.19.0.7:2000-2100 "$CAP/tftp.pcap"
  written rtsp '198\.19\.0\.7' --pool 198.19.0.7:2000-2100 "$CAP/rtsp.pcap"
  col_is rtsp "$TMP/o" 10 'client_port=20[0-9][0-9]-20[0-9][0-9]'
  col_is rtsp "$TMP/i" 17 '^(4722[67]|35476)$'
  written sip '198\.19\.0\.7' --pool 198.19.0.7:2000-2100 "$CAP/sip.pcap"
  col_is sip "$TMP/o" 13 '^198\.19\.0\.7$'
  col_is sip "$TMP/o" 14 '^20[0-9][0-9]$'
  written offload '198\.19\.0\.7' --fix-cksums --pool 198.19.0.7 \
    "$CAP/derived/ftp-passive-offload.pcap"

  # the FTP server inside, behind static NAT: its 227 goes out rewritten
  run --inside 198.19.0.2/32 --rules "$SRC/ftp-server-inside.rules" \
    --write-outside "$TMP/o.pcap" --expect-clean "$CAP/ftp-passive.pcap"
  dump "$TMP/o.pcap" "$TMP/o"
  grep -q '(198,19,0,250,156,135)' "$TMP/o" &&
    ok "server-inside: 227 names the public address" || bad "server-inside: 227 not rewritten"
  [ "$(bad_cksums "$TMP/o")" = 0 ] && ok "server-inside: every checksum valid" ||
    bad "server-inside: $(bad_cksums "$TMP/o") bad checksums"

  # IPv6, not translated: the 11 inside frames out (3 of them the
  # fragments of one UDP datagram), 6 of the 7 outside ones in (the
  # unsolicited SYN dropped), addresses as captured
  run --inside 2001:db8:1::/48 --write-outside "$TMP/o.pcap" \
    --write-inside "$TMP/i.pcap" "$CAP/ipv6-tcp-udp.pcap"
  local f6=(-T fields -e ipv6.src -e ipv6.dst -e tcp.checksum.status
    -e udp.checksum.status -e icmpv6.checksum.status)
  tshark -r "$TMP/o.pcap" "${TSHARK_CK[@]}" "${f6[@]}" >"$TMP/o6" 2>/dev/null
  tshark -r "$TMP/i.pcap" "${TSHARK_CK[@]}" "${f6[@]}" >"$TMP/i6" 2>/dev/null
  [ "$(wc -l <"$TMP/o6")" = 11 ] && [ "$(wc -l <"$TMP/i6")" = 6 ] &&
    ok "ipv6: 11 packets out, 6 in" ||
    bad "ipv6: $(wc -l <"$TMP/o6") packets out, $(wc -l <"$TMP/i6") in (want 11, 6)"
  [ "$(cut -f 1 "$TMP/o6" | grep -vc '^2001:db8:1::[23]$')" = 0 ] &&
    [ "$(cut -f 2 "$TMP/i6" | grep -vc '^2001:db8:1::[23]$')" = 0 ] &&
    ok "ipv6: inside addresses unchanged both ways" || bad "ipv6: addresses changed"
  [ "$(cut -f 3-5 "$TMP/o6" "$TMP/i6" | grep -c '0')" = 0 ] &&
    [ "$(cut -f 3-5 "$TMP/o6" "$TMP/i6" | grep -c '1')" = 15 ] &&
    ok "ipv6: every checksum valid (tshark; fragments: the reassembled one)" ||
    bad "ipv6: checksums"
}

# ------------------------------------------------------------------ json
case_json() {
  [ -x "$PY" ] || { echo "SKIP: $PY is not installed"; exit 77; }
  run --pool 198.19.0.7:2000-2100 --trace --at 1 --at 100 "$CAP/rtsp.pcap"
  cp "$TMP/out" "$TMP/text"
  run --json --pool 198.19.0.7:2000-2100 --trace --at 1 --at 100 "$CAP/rtsp.pcap"
  [ "$rc" = 0 ] || bad "--json: exit $rc"
  if "$PY" - "$TMP/out" "$TMP/text" <<'EOF'; then
import json, re, sys
doc = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
fail = []
def check(cond, what):
    if not cond:
        fail.append(what)
summ = doc["summary"]
m = re.search(r"^Replay: (\d+) frames, (\d+) from inside, (\d+) from outside", text, re.M)
check(m and [summ["frames"], summ["from_inside"], summ["from_outside"]] ==
      [int(x) for x in m.groups()], "summary equals the text one")
check(summ["dropped"] == 0 and summ["unmatched"] == 0, "clean")
lines = [l for l in text.splitlines() if re.match(r"^rtsp\.pcap:\d+: trace: ", l)]
traces = [l for l in doc["lines"] if l["kind"] == "trace"]
check(len(traces) == len(lines) and len(lines) > 0, "as many traces as the text")
check(all("%s: trace: %s" % (t["frame"], t["text"]) == l for t, l in zip(traces, lines)),
      "trace texts equal")
flows = [f for c in doc["conversations"] for f in c["flows"]]
check(len(doc["conversations"]) == 1 and doc["conversations"][0]["alg"] == "rtsp",
      "one rtsp conversation")
check(sum(1 for f in flows if f["proto"] == "UDP") == 4, "four UDP flows")
check(all(f["out_src"].startswith("198.19.0.7:") for f in flows
          if f["dir"] == "I"), "initiator flows leave from the pool")
listings = [l for l in doc["lines"] if l["kind"] == "listing"]
check(len(listings) == 1 and listings[0]["at_ns"] == 1000000000, "--at 1 listing")
check(len(doc["after_end"]) == 1 and doc["after_end"][0]["at_ns"] == 100000000000,
      "--at 100 after the end")
check(doc["counters"]["NEW_ACCEPT"] == 3 and doc["counters"]["PINHOLE_USED"] == 2,
      "counters by key (%s)" % doc["counters"].get("PINHOLE_USED"))
if fail:
    print("json: " + "; ".join(fail))
    sys.exit(1)
EOF
    ok "--json parses and says what the text report says"
  else
    bad "--json"
  fi
  run --json --filter alg=ftp "$CAP/rtsp.pcap"
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d["conversations"] != [])' \
    "$TMP/out" && ok "--json --filter that matches nothing: no conversation" ||
    bad "--json --filter alg=ftp on rtsp"
}

# ------------------------------------------------------------------ progress
case_progress() {
  [ -x "$PY" ] || { echo "SKIP: $PY is not installed"; exit 77; }
  command -v script >/dev/null || { echo "SKIP: script(1) is not installed"; exit 77; }
  # 100 sessions: 5,700 frames, past the 4,096th where the line first shows
  "$PY" "$SRC/gen-capture.py" "$TMP/big.pcap" --sessions 100 || { bad "gen-capture.py"; return; }
  # a terminal: stdout to a file, stderr on the pseudo-terminal script
  # records
  script -qefc "'$BIN' --expect-clean '$TMP/big.pcap' >'$TMP/out'" "$TMP/tty" >/dev/null 2>&1
  rc=$?
  [ "$rc" = 0 ] && ok "5700 frames replayed clean" || bad "the big capture: exit $rc"
  grep -q 'pinhole-replay: big.pcap .*% (.* of 0.6 MB), 4096 frames, [0-9]* frames/s' "$TMP/tty" &&
    ok "progress line on the terminal: $(tr '\r' '\n' <"$TMP/tty" | grep -m1 frames/s | tr -d '\033')" ||
    bad "no progress line on the terminal: $(head -c 300 "$TMP/tty")"
  run --expect-clean "$TMP/big.pcap"
  [ ! -s "$TMP/err" ] && ok "no progress line when stderr is not a terminal" ||
    bad "stderr not empty without a terminal"
}

"case_$CASE"
exit $FAILED

# SPDX-License-Identifier: BSD-2-Clause
# Shared helpers for the end-to-end tests. Source it, then call e2e_init.
#
# Layout (names unique to this run, addresses only from 198.18.0.0/15):
#
#   ph-$$-in                 ph-$$-gw                  ph-$$-out
#   inside host              pinhole-gw process        outside host
#   tun-in 198.18.0.2/24 <-- fd     [NAPT]    fd --> tun-out 198.19.0.2/24
#   default via 198.18.0.1                             (pool 198.19.0.1)
#
# pinhole-gw creates both TUN devices in the gateway namespace and keeps
# their file descriptors; e2e_start_gw then moves each device into its host
# namespace. The gateway namespace has ip_forward=0 and no addresses: the
# only path between the hosts is the gateway process.
#
# e2e_setup_kernel builds the same hosts joined by veth pairs to a gateway
# namespace that routes with the kernel (198.18.0.1 and 198.19.0.1), for
# the plumbing check and the kernel NAT reference.
#
# Every command has a time bound; a trap kills every process we started and
# deletes the namespaces on any exit. Exit 77 means "skipped" to meson.

set -u

E2E_TIMEOUT=${E2E_TIMEOUT:-20}
NS_IN=ph-$$-in
NS_GW=ph-$$-gw
NS_OUT=ph-$$-out
IN_ADDR=198.18.0.2
GW_IN_ADDR=198.18.0.1
GW_OUT_ADDR=198.19.0.1
OUT_ADDR=198.19.0.2
POOL=198.19.0.1
# IPv6 (e2e_start_gw6): no translation, the outside routes back
IN6=2001:db8:1::2
OUT6=2001:db8:2::2
PIDS=()
NAMESPACES=()
GW_PID=
LAST_PID=
TMP=
FAILED=0

log() { echo "e2e: $*" >&2; }
skip() { log "SKIP: $*"; exit 77; }
# FAILURES: what failed, repeated after the logs at the end (CI shows the
# end of a failed test's output)
FAILURES=()
fail() { log "FAIL: $*"; FAILED=1; FAILURES+=("$*"); }
die() { log "FAIL: $*"; FAILURES+=("$*"); exit 1; }

# Kills what we started (TERM, then KILL after 3 s) and removes namespaces.
e2e_cleanup() {
  local rc=$? pid i
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for i in $(seq 30); do
    local alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  for i in "${NAMESPACES[@]}"; do
    ip netns del "$i" 2>/dev/null
    rm -rf "/etc/netns/$i"
  done
  if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "$TMP" ]; then
    for i in "$TMP"/*.log "$TMP"/*.err; do
      [ -s "$i" ] && { echo "---- $i (last 40 lines)"; tail -n 40 "$i"; } >&2
    done
    for i in "${FAILURES[@]}"; do log "FAILED: $i"; done
  fi
  [ -n "$TMP" ] && [ -z "${E2E_KEEP:-}" ] && rm -rf "$TMP"
  exit "$rc"
}

# Checks tools and privileges; creates the temp dir and the namespaces.
e2e_init() {
  local t
  for t in ip timeout sha256sum "$@"; do
    command -v "$t" >/dev/null || skip "$t is not installed"
  done
  [ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
  trap e2e_cleanup EXIT
  trap 'exit 1' INT TERM
  TMP=$(mktemp -d /tmp/pinhole-e2e.XXXXXX) || die "mktemp"
  for t in "$NS_IN" "$NS_GW" "$NS_OUT"; do
    ip netns add "$t" 2>/dev/null || skip "cannot create network namespace"
    NAMESPACES+=("$t")
    # `ip netns exec` bind-mounts this over /etc/resolv.conf: name lookups
    # (python's http.server does one) fail at once on the loopback instead
    # of sending DNS through the gateway towards the host's resolver.
    mkdir -p "/etc/netns/$t" &&
      echo "nameserver 127.0.0.1" >"/etc/netns/$t/resolv.conf"
    ip -n "$t" link set lo up
    # IPv4 only: no IPv6 router solicitations on the links.
    ip netns exec "$t" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
      net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
  done
}

# ns NS CMD...: runs CMD in namespace NS, bounded by E2E_TIMEOUT.
ns() {
  local n=$1
  shift
  ip netns exec "$n" timeout "$E2E_TIMEOUT" "$@"
}

# bg NS NAME CMD...: starts CMD in NS in the background, output in
# $TMP/NAME.log; bounded to 10 minutes even if the trap never runs.
bg() {
  local n=$1 name=$2
  shift 2
  ip netns exec "$n" timeout 600 "$@" >"$TMP/$name.log" 2>&1 &
  # shellcheck disable=SC2034 # read by the case scripts
  LAST_PID=$!
  PIDS+=($!)
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_for() {
  local i n=$(($1 * 10))
  shift
  for ((i = 0; i < n; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# Port open on ADDR in namespace NS (bash /dev/tcp, no extra tools).
port_open() {
  ip netns exec "$1" timeout 2 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null
}

# Configures a host end: host_link NS IF ADDR/LEN [ROUTE...].
host_link() {
  local n=$1 dev=$2 addr=$3
  shift 3
  ip -n "$n" addr add "$addr" dev "$dev" &&
    ip -n "$n" link set "$dev" up &&
    { [ $# = 0 ] || ip -n "$n" route add "$@"; }
}

# Starts pinhole-gw (path in $PINHOLE_GW) in the gateway namespace with
# extra arguments "$@" and $E2E_GW_ARGS (word-split: to try a case with
# other rules by hand), then moves its TUN devices to the hosts.
e2e_start_gw() {
  [ -x "${PINHOLE_GW:-}" ] || die "PINHOLE_GW not set or not executable"
  ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=0 || die "sysctl"
  # No timeout wrapper: the test signals this very PID (SIGUSR1).
  # shellcheck disable=SC2086 # E2E_GW_ARGS is split into words on purpose
  ip netns exec "$NS_GW" "$PINHOLE_GW" --inside tun-in --outside tun-out \
    --pool "$POOL" --listing-file "$TMP/listing" "$@" ${E2E_GW_ARGS:-} \
    >"$TMP/gw.log" 2>"$TMP/gw.err" &
  GW_PID=$!
  PIDS+=("$GW_PID")
  wait_for 5 ip -n "$NS_GW" link show tun-out || die "pinhole-gw did not start"
  ip -n "$NS_GW" link set tun-in netns "$NS_IN" &&
    ip -n "$NS_GW" link set tun-out netns "$NS_OUT" || die "moving TUN devices"
  host_link "$NS_IN" tun-in "$IN_ADDR/24" default via "$GW_IN_ADDR" &&
    host_link "$NS_OUT" tun-out "$OUT_ADDR/24" || die "configuring hosts"
}

# e2e_start_gw6 ARGS...: e2e_start_gw with --max-conns6 (the stateful
# IPv6 firewall, docs/ipv6.md) and IPv6 on both hosts: $IN6/64 inside
# (default route through tun-in), $OUT6/64 outside with a route back to
# 2001:db8:1::/64 (IPv6 is not translated). Without --rule the gateway
# adds an inside -> anywhere IPv6 rule, ALG by port.
e2e_start_gw6() {
  e2e_start_gw --max-conns6 4096 "$@"
  local n
  for n in "$NS_IN:tun-in" "$NS_OUT:tun-out"; do
    ip netns exec "${n%%:*}" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
      "net.ipv6.conf.${n#*:}.disable_ipv6=0" || die "enabling IPv6"
  done
  ip -n "$NS_IN" -6 addr add "$IN6/64" dev tun-in nodad &&
    ip -n "$NS_IN" -6 route add default dev tun-in &&
    ip -n "$NS_OUT" -6 addr add "$OUT6/64" dev tun-out nodad &&
    ip -n "$NS_OUT" -6 route add 2001:db8:1::/64 dev tun-out ||
    die "configuring IPv6 on the hosts"
}

# e2e_start_gw64 ARGS...: NAT64 (docs/nat64.md): the inside host is
# IPv6-only ($IN6/64, 64:ff9b::/96 through tun-in), the outside host
# IPv4-only as usual; the gateway has --max-conns6 and the well-known
# prefix with the lab waiver (198.19.0.0/24 is not global), so its
# default rules translate the inside's IPv6 to 64:ff9b::/96 from the pool.
# $OUT64 is the outside host at its RFC 6052 address.
OUT64=64:ff9b::c613:2
e2e_start_gw64() {
  e2e_start_gw --max-conns6 4096 --nat64 64:ff9b::/96,lab "$@"
  ip netns exec "$NS_IN" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
    net.ipv6.conf.tun-in.disable_ipv6=0 || die "enabling IPv6"
  ip -n "$NS_IN" -6 addr add "$IN6/64" dev tun-in nodad &&
    ip -n "$NS_IN" -6 route add 64:ff9b::/96 dev tun-in ||
    die "configuring IPv6 on the inside host"
}

# Kernel-routed layout: veth pairs, the gateway namespace forwards.
e2e_setup_kernel() {
  ip link add veth-in netns "$NS_IN" type veth peer name gw-in netns "$NS_GW" &&
    ip link add veth-out netns "$NS_OUT" type veth peer name gw-out netns "$NS_GW" ||
    die "creating veth pairs"
  host_link "$NS_GW" gw-in "$GW_IN_ADDR/24" &&
    host_link "$NS_GW" gw-out "$GW_OUT_ADDR/24" &&
    host_link "$NS_IN" veth-in "$IN_ADDR/24" default via "$GW_IN_ADDR" &&
    host_link "$NS_OUT" veth-out "$OUT_ADDR/24" ||
    die "configuring veth"
  ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1 || die "sysctl"
}

# Without NAT the outside host needs a route back to the inside network.
e2e_route_back() {
  ip -n "$NS_OUT" route add 198.18.0.0/24 via "$GW_OUT_ADDR" || die "route"
}

# Asks the gateway for its listing (SIGUSR1) and waits for the file;
# the listing is then in $TMP/listing and appended to the test output.
gw_dump() {
  rm -f "$TMP/listing"
  kill -USR1 "$GW_PID" 2>/dev/null || die "pinhole-gw is not running"
  wait_for 5 test -e "$TMP/listing" || die "no listing from pinhole-gw"
  echo "---- listing after $1"
  cat "$TMP/listing"
}

# host_dump LOG PID WHAT: asks a host that ends its dump with a "Host: "
# line (pinhole-nfq, pinhole-afpacket) for its listing and counters
# (SIGUSR1 to PID), waits for them in LOG, and puts that dump into
# $TMP/listing (appended to the test output).
host_dump() {
  local log=$1 pid=$2 before
  before=$(grep -c '^Host: ' "$log")
  kill -USR1 "$pid" || die "the host ($pid) is not running"
  wait_for 5 bash -c "test \"\$(grep -c '^Host: ' '$log')\" -gt $before" ||
    die "no listing from the host ($pid)"
  awk -v n="$before" '/^Conversation:/ && !started && seen == n { started = 1 }
    /^Host: / { seen++ } started { print } /^Host: / && started { exit }' \
    "$log" >"$TMP/listing"
  echo "---- listing after $3"
  cat "$TMP/listing"
}

# Frame count of the first listed flow that matches, or nothing.
# flow_frames PROTO SRC_RE DST_RE STATE DIR  (regexes match "addr:port")
flow_frames() {
  awk -v p="$1" -v s="^$2\$" -v d="^$3\$" -v st="$4" -v dir="$5" '
    $1 == p && $3 == "->" && $2 ~ s && $4 ~ d && $5 == st && $6 == dir {
      print $7; exit }' "$TMP/listing"
}

# expect_flow PROTO SRC_RE DST_RE STATE DIR: such a flow with frames > 0.
expect_flow() {
  local n
  n=$(flow_frames "$@")
  if [ -n "$n" ] && [ "$n" -gt 0 ] 2>/dev/null; then
    log "ok: $* ($n frames)"
  else
    fail "no flow '$*' with frames > 0 in the listing"
  fi
}

# expect_line ERE: some listing line matches.
expect_line() {
  if grep -Eq "$1" "$TMP/listing"; then
    log "ok: line /$1/"
  else
    fail "no listing line matches /$1/"
  fi
}

# Value of counter NAME (exact name, as pinhole_stats_format prints it) in
# the section whose title contains SECTION (a colon after the name, as
# pinhole_stats_format prints it, is not part of it); SECTION "" is any.
counter() {
  # The statistics' layout: a section header ends with ':' ("  New
  # flows:"), its counters follow four spaces in, one or several per line
  # ("    Accepts: 2, Discards: 0, Rejects: 0"; a name may hold ", ").
  awk -v sec="$1" -v name="$2" '
    /^ ? ?[^ ].*:$/ { insec = sec == "" || index($0, sec) > 0; next }
    insec && /^    [^ ]/ {
      line = substr($0, 5)
      gsub(/: [0-9]+, /, "&\n", line)
      n = split(line, part, "\n")
      for (i = 1; i <= n; i++) {
        p = part[i]; sub(/, $/, "", p)
        v = p; sub(/.*: /, "", v)
        k = p; sub(/: [0-9]+$/, "", k)
        if (k == name) { print v; exit }
      }
    }' "$TMP/listing"
}

# No counter of the "ALG errors" section (nor "ALG" under "Errors") > 0.
expect_no_alg_errors() {
  local bad
  bad=$(awk '
    /^ ? ?[^ ].*:$/ { sec = $0; next }
    sec ~ /ALG errors/ && /^    [^ ]/ && /: [1-9][0-9]*(,|$)/
    sec ~ /^ *Errors/ && /ALG: [1-9]/' "$TMP/listing")
  if [ -z "$bad" ]; then
    log "ok: no ALG error counter raised"
  else
    fail "ALG error counters: $bad"
  fi
}

# Every flow in the listing is between test addresses (198.18.0.0/15, or
# 2001:db8::/32 for IPv6):
# nothing else was sent through the gateway.
expect_only_test_addresses() {
  local bad
  local v4='198\.1[89]\.[0-9.]+(:[0-9]+)?' v6='\[(2001:db8|64:ff9b):[0-9a-f:]*\]:[0-9]+'
  bad=$(grep -E '^(TCP|UDP|ICMP|ICMPv6) ' "$TMP/listing" |
    grep -vE "^[A-Za-z0-9]+ ($v4 -> $v4|$v6 -> $v6) ")
  [ -z "$bad" ] ||
    fail "flows outside 198.18.0.0/15, 2001:db8::/32 and 64:ff9b::/96: $bad"
}

# Ends the test: stops the gateway (SIGTERM: it prints and exits 0).
e2e_finish() {
  [ -e "$TMP/listing" ] && expect_only_test_addresses
  if [ -n "$GW_PID" ]; then
    kill -TERM "$GW_PID" 2>/dev/null
    wait_for 5 bash -c "! kill -0 $GW_PID" || fail "pinhole-gw did not exit on SIGTERM"
    wait "$GW_PID"
    local rc=$?
    [ "$rc" = 0 ] || fail "pinhole-gw exit status $rc"
    # Sanitizer builds: UBSan reports and goes on, so look for its lines.
    if grep -qE 'runtime error|Sanitizer' "$TMP/gw.err"; then
      fail "sanitizer report from pinhole-gw: $(grep -m3 -E 'runtime error|Sanitizer' "$TMP/gw.err")"
    fi
  fi
  if [ "$FAILED" = 0 ]; then
    log "PASS"
    exit 0
  fi
  exit 1
}

# ---- servers and clients -------------------------------------------------

# A file of N KiB of random bytes: random_file PATH KIB.
random_file() {
  head -c "$(($2 * 1024))" /dev/urandom >"$1"
}

# same_file A B WHAT: both files exist and have the same sha256 (two
# missing files are no match).
same_file() {
  local a b
  [ -f "$1" ] || { fail "$3: $1 is missing"; return; }
  [ -f "$2" ] || { fail "$3: $2 is missing"; return; }
  a=$(sha256sum <"$1") b=$(sha256sum <"$2")
  if [ "$a" = "$b" ]; then
    log "ok: $3 sha256 matches"
  else
    fail "$3: sha256 differs"
  fi
}

# Starts vsftpd in the outside namespace on 198.19.0.2:21 (ftp_start_server
# 6: on [$OUT6]:21 only), anonymous, with upload, serving $TMP/ftp (pub/
# for downloads, incoming/ for uploads). $FTP_CONF_EXTRA: more lines of
# vsftpd.conf (ha-failover.sh: anon_max_rate=N).
ftp_start_server() {
  command -v vsftpd >/dev/null || skip "vsftpd is not installed"
  local vs
  vs=$(command -v vsftpd)
  # vsftpd changes into the anonymous user's home before anon_root: take
  # the "ftp" user that Debian's vsftpd package creates (home /srv/ftp).
  [ -d "$(getent passwd ftp | cut -d: -f6)" ] || skip "no ftp user with a home"
  mkdir -p "$TMP/ftp/pub" "$TMP/ftp/incoming" "$TMP/empty"
  chmod 555 "$TMP/ftp"
  chmod 777 "$TMP/ftp/incoming"
  random_file "$TMP/ftp/pub/data.bin" 1024
  random_file "$TMP/up.bin" 1024
  cat >"$TMP/vsftpd.conf" <<EOF
listen=$([ "${1:-}" = 6 ] && echo NO || echo YES)
listen_ipv6=$([ "${1:-}" = 6 ] && echo YES || echo NO)
listen_address=$OUT_ADDR
listen_address6=$OUT6
background=NO
anonymous_enable=YES
local_enable=NO
anon_root=$TMP/ftp
no_anon_password=YES
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=NO
anon_umask=022
pasv_enable=YES
port_enable=YES
connect_from_port_20=NO
pasv_min_port=40000
pasv_max_port=40100
seccomp_sandbox=NO
secure_chroot_dir=$TMP/empty
run_as_launching_user=NO
nopriv_user=nobody
ftp_username=ftp
xferlog_enable=YES
vsftpd_log_file=$TMP/vsftpd.xfer
log_ftp_protocol=YES
dual_log_enable=YES
${FTP_CONF_EXTRA:-}
EOF
  bg "$NS_OUT" vsftpd "$vs" "$TMP/vsftpd.conf"
  wait_for 5 port_open "$NS_OUT" "$([ "${1:-}" = 6 ] && echo "$OUT6" || echo "$OUT_ADDR")" 21 ||
    die "vsftpd did not start"
}

# ftp_curl NAME CURL_OPTS...: downloads pub/data.bin and uploads up.bin as
# incoming/NAME.bin with curl, then checks both files. The server is
# $FTP_HOST (default $OUT_ADDR; "[$OUT6]" for IPv6).
ftp_curl() {
  local name=$1 host=${FTP_HOST:-$OUT_ADDR}
  shift
  ns "$NS_IN" curl -gsS --connect-timeout 5 "$@" \
    -o "$TMP/$name.down" "ftp://$host/pub/data.bin" ||
    { fail "$name: curl download"; return; }
  same_file "$TMP/ftp/pub/data.bin" "$TMP/$name.down" "$name download"
  ns "$NS_IN" curl -gsS --connect-timeout 5 "$@" -T "$TMP/up.bin" \
    "ftp://$host/incoming/$name.bin" || { fail "$name: curl upload"; return; }
  same_file "$TMP/up.bin" "$TMP/ftp/incoming/$name.bin" "$name upload"
}

# ftp_lftp NAME LFTP_SETTINGS: the same with lftp.
ftp_lftp() {
  local name=$1 settings=$2
  command -v lftp >/dev/null || { log "lftp not installed: lftp part skipped"; return; }
  local script="set net:timeout 5; set net:max-retries 2;"
  script+=" set net:reconnect-interval-base 1; set ftp:ssl-allow no;"
  script+=" set xfer:clobber yes; $settings;"
  script+=" open -u anonymous, ftp://${FTP_HOST:-$OUT_ADDR};"
  script+=" get pub/data.bin -o $TMP/$name.down;"
  script+=" put $TMP/up.bin -o incoming/$name.bin"
  ns "$NS_IN" lftp -c "$script" >"$TMP/$name-lftp.log" 2>&1 ||
    { fail "$name: lftp session"; return; }
  same_file "$TMP/ftp/pub/data.bin" "$TMP/$name.down" "$name download"
  same_file "$TMP/up.bin" "$TMP/ftp/incoming/$name.bin" "$name upload"
}

# Listing checks shared by the FTP cases: a control connection watched by
# the ftp ALG and NATed to the pool, data connections forwarded both ways.
ftp_expect_listing() {
  expect_line '^Conversation: ALG protocol: ftp'
  expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:21" Watch I
  expect_flow TCP "198\.19\.0\.2:21" "198\.19\.0\.1:[0-9]+" Watch O
  expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+"
  expect_line "^ +NAT dest 198\.19\.0\.1:[0-9]+ -> 198\.18\.0\.2:[0-9]+"
  expect_flow TCP "198\.1[89]\.0\.[12]:[0-9]+" "198\.1[89]\.0\.[12]:[0-9]+" Forward I
  expect_flow TCP "198\.1[89]\.0\.[12]:[0-9]+" "198\.1[89]\.0\.[12]:[0-9]+" Forward O
  expect_no_alg_errors
}

# Python for the small servers and clients (Debian's, not a user shim).
PYTHON=$(command -v /usr/bin/python3 || command -v python3)
# this file's directory (helpers next to it: tcp-retrans.py)
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# udp_echo_server NS ADDR PORT: echoes every datagram back to its sender.
udp_echo_server() {
  bg "$1" udp-echo "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    data, peer = s.recvfrom(4096)
    s.sendto(data, peer)' "$2" "$3"
}

# udp_exchange NS ADDR PORT COUNT: sends COUNT datagrams from one socket,
# each must come back unchanged within 2 s.
udp_exchange() {
  ns "$1" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(int(sys.argv[3])):
    msg = b"pinhole udp %d" % i
    s.sendto(msg, (sys.argv[1], int(sys.argv[2])))
    data, peer = s.recvfrom(4096)
    assert data == msg and peer == (sys.argv[1], int(sys.argv[2])), (data, peer)
print("udp: %s datagrams echoed" % sys.argv[3])' "$2" "$3" "$4"
}

# http_start_server NS ADDR PORT DIR: python3 -m http.server serving DIR.
http_start_server() {
  bg "$1" http "$PYTHON" -m http.server --bind "$2" --directory "$4" "$3"
  wait_for 5 port_open "$1" "$2" "$3" || die "http server did not start"
}

# expect_counter_min SECTION NAME MIN: counter NAME of SECTION is >= MIN.
expect_counter_min() {
  local v
  v=$(counter "$1" "$2")
  if [ -n "$v" ] && [ "$v" -ge "$3" ]; then
    log "ok: counter '$2' = $v (>= $3)"
  else
    fail "counter '$2' is '${v:-missing}', expected >= $3"
  fi
}

# ftp_expect_server_saw ERE: vsftpd logged a command from the pool address
# matching ERE (e.g. 'PORT 198,19,0,1,'), so the mode really was used and
# the ALG's rewrite is what the server got. And the server never saw an
# inside address, neither as a client nor inside a command.
ftp_expect_server_saw() {
  if grep -Eq "FTP command: Client \"$POOL\", \"$1" "$TMP/vsftpd.xfer"; then
    log "ok: vsftpd got /$1/ from $POOL"
  else
    fail "vsftpd never got /$1/ from $POOL"
  fi
  if grep -q '198\.18\.\|198,18,' "$TMP/vsftpd.xfer"; then
    fail "vsftpd saw an inside address: $(grep -m1 '198\.18\.\|198,18,' "$TMP/vsftpd.xfer")"
  fi
}

# A host example's basic run (pinhole-nfq, pinhole-afpacket): ping and an
# HTTP download through it (the server sees only the pool address), an
# unsolicited datagram from outside dropped; then its listing (host_dump
# LOG PID) must show those flows and the drop.
host_basic_checks() { # NAME LOG PID
  local name=$1 hlog=$2 hpid=$3 clients
  ns "$NS_IN" ping -c 3 -i 0.2 -W 2 "$OUT_ADDR" >"$TMP/ping.log" 2>&1 ||
    fail "ping through $name"

  mkdir -p "$TMP/www"
  random_file "$TMP/www/data.bin" 1024
  http_start_server "$NS_OUT" "$OUT_ADDR" 8080 "$TMP/www"
  ns "$NS_IN" curl -sS --connect-timeout 5 -o "$TMP/http.down" \
    "http://$OUT_ADDR:8080/data.bin" || fail "curl through $name"
  same_file "$TMP/www/data.bin" "$TMP/http.down" "http download"
  if grep -q '"GET /data.bin' "$TMP/http.log"; then
    clients=$(grep '"GET /data.bin' "$TMP/http.log" | awk '{print $1}' | sort -u)
    [ "$clients" = "$POOL" ] || fail "the server saw client(s) $clients, not $POOL"
    log "ok: the server saw only $POOL"
  else
    fail "the server logged no GET"
  fi

  # Unsolicited: from the outside to the pool address, no mapping: dropped.
  ns "$NS_OUT" "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"hello?", ("'"$POOL"'", 40000))' || fail "sending the unsolicited datagram"
  sleep 0.3

  host_dump "$hlog" "$hpid" "ping, http, unsolicited"
  expect_flow ICMP "198\.18\.0\.2(:[0-9]+)?" "198\.19\.0\.2(:[0-9]+)?" Forward I
  expect_flow TCP "198\.18\.0\.2:[0-9]+" "198\.19\.0\.2:8080" Forward I
  expect_flow TCP "198\.19\.0\.2:8080" "198\.19\.0\.1:[0-9]+" Forward O
  expect_line "^ +NAT source 198\.18\.0\.2:[0-9]+ -> 198\.19\.0\.1:[0-9]+"
  expect_counter_min "Other" "No matching rule" 1
  expect_only_test_addresses
}

# flood_sink NS IF ADDR: counts the frames that reach interface IF in NS
# (its rx_packets, polled every 2 ms; a UDP socket bound to ADDR:9000 that
# is never read takes them) from the first to the last, until 1 s without
# one (at most 30 s), then prints "received N in S s: R pps" to
# $TMP/sink.log. Returns once it listens. For the flood measurements.
flood_sink() {
  bg "$1" sink "$PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 9000))
def rx():
    with open("/sys/class/net/%s/statistics/rx_packets" % sys.argv[1]) as f:
        return int(f.read())
base = rx()
print("listening", flush=True)
deadline = time.monotonic() + 30
n, first, last = base, None, None
while time.monotonic() < deadline:
    time.sleep(0.002)
    v = rx()
    t = time.monotonic()
    if v != n:
        n, last = v, t
        if first is None:
            first = t
    elif first is not None and t - last > 1:
        break
got = n - base
span = (last - first) if first is not None and last > first else 0
print("received %d in %.3f s: %d pps" % (got, span, got / span if span else 0),
      flush=True)' "$2" "$3"
  wait_for 5 grep -q listening "$TMP/sink.log" || die "flood receiver"
}

# e2e_setup_raw: the layout of the hosts that own Ethernet frames
# (pinhole-afpacket, pinhole-dpdk): veth pairs to a gateway namespace whose
# ends gw-in and gw-out are up without addresses, ip_forward off (the
# gateway process is the only path), and every end's offloads off, since
# AF_PACKET sees frames as they are (no partial checksums, no GRO/GSO).
e2e_setup_raw() {
  local pair
  ip link add veth-in netns "$NS_IN" type veth peer name gw-in netns "$NS_GW" &&
    ip link add veth-out netns "$NS_OUT" type veth peer name gw-out netns "$NS_GW" ||
    die "creating veth pairs"
  host_link "$NS_IN" veth-in "$IN_ADDR/24" default via "$GW_IN_ADDR" &&
    host_link "$NS_OUT" veth-out "$OUT_ADDR/24" || die "configuring hosts"
  ip -n "$NS_GW" link set gw-in up && ip -n "$NS_GW" link set gw-out up ||
    die "gateway links"
  ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=0 || die "sysctl"
  for pair in "$NS_IN veth-in" "$NS_GW gw-in" "$NS_GW gw-out" "$NS_OUT veth-out"; do
    set -- $pair
    ip netns exec "$1" ethtool -K "$2" rx off tx off gso off gro off tso off \
      >/dev/null 2>&1 || die "ethtool -K $2 (offloads off)"
  done
}

# sip_uas_start MEDIA: the called party of a SIP call (sipp with
# tests/e2e/sip-uas.xml, run from $TMP where sipp writes its logs) on
# $OUT_ADDR:5060 in the background ($UAS_PID), listening when this
# returns: it answers one INVITE and plays $PCAP from port MEDIA to the
# address in the SDP it got; its messages go to $TMP/uas-msg.log.
sip_uas_start() {
  local here out=${SIP_OUT:-$OUT_ADDR}
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  (cd "$TMP" && exec ip netns exec "$NS_OUT" timeout 60 sipp -sf "$here/sip-uas.xml" \
    -i "$out" -p 5060 -mi "$out" -mp "$1" -key pcap "$PCAP" \
    -m 1 -timeout 40s -timeout_error -nostdin -trace_err -trace_msg \
    -message_file "$TMP/uas-msg.log" -error_file "$TMP/uas.err") >"$TMP/uas.log" 2>&1 &
  UAS_PID=$!
  PIDS+=("$UAS_PID")
  wait_for 5 bash -c "ip netns exec $NS_OUT ss -Hlun 'sport = :5060' | grep -q ." ||
    die "sipp UAS did not start"
}

# (SIP_OUT, SIP_IN: the parties' addresses instead, SIP_RHOST the caller's
# remote host, e.g. "[$OUT6]", for IPv6.)
# sip_uac_start SCENARIO MEDIA: the caller (sipp with SCENARIO, as
# tests/e2e/sip-uac.xml) on $IN_ADDR:5060 calling $OUT_ADDR:5060 in the
# background ($UAC_PID), echoing the media it gets on port MEDIA
# (-rtp_echo); its messages go to $TMP/uac-msg.log.
sip_uac_start() {
  local in=${SIP_IN:-$IN_ADDR}
  (cd "$TMP" && exec ip netns exec "$NS_IN" timeout 60 sipp "${SIP_RHOST:-${SIP_OUT:-$OUT_ADDR}}:5060" \
    -sf "$1" -i "$in" -p 5060 -mi "$in" -mp "$2" \
    -rtp_echo -m 1 -timeout 30s -timeout_error -nostdin -trace_err -trace_msg \
    -message_file "$TMP/uac-msg.log" -error_file "$TMP/uac.err") >"$TMP/uac.log" 2>&1 &
  UAC_PID=$!
  PIDS+=("$UAC_PID")
}

# sip_call_end: waits for the caller, then for the called party (which
# ends after the BYE's 200, timewait 0.5 s), and checks both exit statuses.
sip_call_end() {
  local rc
  wait "$UAC_PID"
  rc=$?
  [ "$rc" = 0 ] && log "ok: sipp UAC: the call completed" || fail "sipp UAC exit status $rc"
  wait_for 10 bash -c "! kill -0 $UAS_PID" || fail "sipp UAS did not end"
  wait "$UAS_PID"
  rc=$?
  [ "$rc" = 0 ] && log "ok: sipp UAS: the call completed" || fail "sipp UAS exit status $rc"
}

# sip_call UAS_MEDIA UAC_MEDIA: one SIP call with sipp (sip-uas.xml and
# sip-uac.xml, above): the called party on $OUT_ADDR:5060 plays $PCAP to
# the address in the SDP it got, the caller on $IN_ADDR:5060 echoes the
# media (-rtp_echo). Checks both sipp exit statuses; the called party's
# messages are in $TMP/uas-msg.log.
sip_call() {
  sip_uas_start "$1"
  sip_uac_start "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/sip-uac.xml" "$2"
  sip_call_end
}

# sip_media DIR SRC_RE DST_RE: the frames of the UDP Forward flow SRC ->
# DST of direction DIR (I or O) in the listing's sip conversation.
sip_media() {
  awk -v dir="$1" -v src="^$2\$" -v dst="^$3\$" '
    /^Conversation: / { insip = ($NF == "sip"); next }
    insip && $1 == "UDP" && $2 ~ src && $4 ~ dst && $5 == "Forward" && $6 == dir { print $7; exit }' \
    "$TMP/listing"
}

# ha_pair_start PORT KEY: gateway B (pinhole-gw --sync-from PORT, its TUN
# devices tunb-in and tunb-out moved to the hosts unaddressed and up;
# $B_PID, listing file $TMP/listing-b, logs $TMP/gwb.*) and gateway A
# (e2e_start_gw --sync-to 127.0.0.1:PORT, the hosts' addresses and routes
# on its devices; $A_PID), both with the sync key KEY (docs/ha.md).
ha_pair_start() {
  [ -x "${PINHOLE_GW:-}" ] || die "PINHOLE_GW not set or not executable"
  ip netns exec "$NS_GW" "$PINHOLE_GW" --inside tunb-in --outside tunb-out \
    --pool "$POOL" --listing-file "$TMP/listing-b" \
    --sync-from "$1" --sync-key "$2" \
    >"$TMP/gwb.log" 2>"$TMP/gwb.err" &
  B_PID=$!
  PIDS+=("$B_PID")
  wait_for 5 ip -n "$NS_GW" link show tunb-out || die "gateway B did not start"
  ip -n "$NS_GW" link set tunb-in netns "$NS_IN" &&
    ip -n "$NS_GW" link set tunb-out netns "$NS_OUT" &&
    ip -n "$NS_IN" link set tunb-in up &&
    ip -n "$NS_OUT" link set tunb-out up || die "moving B's TUN devices"
  e2e_start_gw --sync-to "127.0.0.1:$1" --sync-key "$2"
  A_PID=$GW_PID
}

# ha_dump_b: gateway B's listing (SIGUSR1) in $TMP/listing, not shown.
ha_dump_b() {
  rm -f "$TMP/listing" "$TMP/listing-b"
  kill -USR1 "$B_PID"
  wait_for 5 test -e "$TMP/listing-b" || die "no listing from gateway B"
  cp "$TMP/listing-b" "$TMP/listing"
}

# ha_listing_b: gateway B's listing (SIGUSR1) in $TMP/listing, shown.
ha_listing_b() {
  ha_dump_b
  echo "---- listing of gateway B"
  cat "$TMP/listing"
}

# ha_wait_pass SECS PROTO SRC_RE DST_RE STATE DIR: waits, at most SECS,
# until gateway B lists that flow (as flow_frames matches it) and then
# until its frame count changes: B imported a sync pass that holds the
# flow and the pass after it (the rest of its conversation as of then:
# an FTP reply or a SIP answer sent just before the first). 1 when the
# time is up. Instead of a fixed sleep: under load the passes come late.
ha_wait_pass() {
  local n=$(($1 * 4)) i f first=
  shift
  for ((i = 0; i < n; i++)); do
    ha_dump_b
    f=$(flow_frames "$@")
    if [ -n "$f" ] && [ -z "$first" ]; then
      first=$f
    elif [ -n "$f" ] && [ "$f" != "$first" ]; then
      log "gateway B holds $1 $2 -> $3: $first frames, a pass later $f"
      return 0
    fi
    sleep 0.25
  done
  return 1
}

# collector_start: an IPFIX collector namespace ($NS_COL) joined to the
# gateway's by a veth pair (198.18.1.0/30, the gateway side 198.18.1.1),
# with nfdump's nfcapd in the foreground at $COL_ADDR:4739 writing into
# $TMP/flows ($COL_PID; it writes its file when terminated).
collector_start() {
  NS_COL=ph-$$-col
  COL_ADDR=198.18.1.2
  ip netns add "$NS_COL" || skip "cannot create network namespace"
  NAMESPACES+=("$NS_COL")
  ip -n "$NS_COL" link set lo up
  ip link add col-gw netns "$NS_GW" type veth peer name col netns "$NS_COL" ||
    die "veth to the collector"
  host_link "$NS_GW" col-gw 198.18.1.1/30 &&
    host_link "$NS_COL" col "$COL_ADDR/30" || die "collector link"
  mkdir -p "$TMP/flows"
  bg "$NS_COL" nfcapd nfcapd -w "$TMP/flows" -b "$COL_ADDR" -p 4739
  COL_PID=$LAST_PID
  wait_for 5 grep -q "Startup" "$TMP/nfcapd.log" || die "nfcapd did not start"
}

# collector_dump: after nfcapd ended, every record it wrote, as JSON in
# $TMP/nfdump.json and in nfdump's NEL text in $TMP/nfdump.txt (also on
# stderr). nfcapd starts a new file at each 5-minute boundary, so a test
# that runs across one has its records in two files: all are read.
collector_dump() {
  ls "$TMP"/flows/nfcapd.2* >/dev/null 2>&1 || die "nfcapd wrote no file"
  nfdump -R "$TMP/flows" -o json >"$TMP/nfdump.json" || die "nfdump -R"
  nfdump -R "$TMP/flows" -o nel | tee "$TMP/nfdump.txt" >&2
}

# ---- split messages (issue 21: reassembly) --------------------------------

# capture_start NAME NS IF FILTER...: tcpdump on IF in NS into
# $TMP/NAME.pcap (full packets), started when it says it listens. The
# kernel's buffer is 16 MiB: with -s 0 libpcap sizes its ring slots for
# the largest snapshot, and the default 2 MiB lost packets whenever
# tcpdump was not scheduled in time on a loaded machine (3 of 28 and 32
# of 252 in one sip-large run at load 24; none in 15 runs at load 20-28
# with 16 MiB).
capture_start() {
  local name=$1 n=$2 dev=$3
  shift 3
  bg "$n" "tcpdump-$name" tcpdump -i "$dev" -nn -U --immediate-mode -s 0 \
    -B 16384 -w "$TMP/$name.pcap" "$@"
  CAP_PID=$LAST_PID
  wait_for 5 grep -q "listening on" "$TMP/tcpdump-$name.log" ||
    die "tcpdump did not start"
}

# capture_stop: ends the last capture_start's tcpdump (its file complete).
capture_stop() {
  sleep 0.3
  kill -TERM "$CAP_PID" 2>/dev/null
  wait "$CAP_PID" 2>/dev/null
}

# tshark_count PCAP FILTER: frames of PCAP that match the display FILTER.
tshark_count() {
  tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# expect_no_tcp_retransmission PCAP WHAT [FILTER]: tshark finds no
# retransmitted segment (nor fast or spurious one) in PCAP, among the
# frames that match the display FILTER when given.
expect_no_tcp_retransmission() {
  local n f='(tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission)'
  [ -n "${3:-}" ] && f="$f && ($3)"
  n=$(tshark_count "$1" "$f")
  if [ "$n" = 0 ]; then
    log "ok: $2: no TCP retransmission in the inside capture"
  else
    fail "$2: $n TCP retransmissions in the inside capture: $(tshark -n -r "$1" -Y "$f" 2>/dev/null | head -n 3)"
  fi
}

# capture_both_start NAME IF FILTER...: capture_start NAME on the inside
# host's IF and NAME-out on the outside host's link (tun-out, veth-out
# with E2E_REF=route), for expect_no_nat_retransmission;
# capture_both_stop ends both.
capture_both_start() {
  local name=$1 dev=$2 odev=tun-out
  shift 2
  [ "${E2E_REF:-}" = route ] && odev=veth-out
  capture_start "$name-out" "$NS_OUT" "$odev" "$@"
  CAP_OUT_PID=$CAP_PID
  capture_start "$name" "$NS_IN" "$dev" "$@"
}

capture_both_stop() {
  capture_stop
  CAP_PID=$CAP_OUT_PID capture_stop
}

# capture_lost NAME: the packets the kernel dropped before capture_start's
# tcpdump NAME read them (its closing statistics), 0 when it said nothing.
capture_lost() {
  local n
  n=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$TMP/tcpdump-$1.log")
  echo "${n:-0}"
}

# expect_no_nat_retransmission IN OUT CLIENT SERVER WHAT [ARG...]: no TCP
# retransmission the gateway caused, judged from the captures IN (tcpdump
# NAME IN on the inside host's link) and OUT (on the outside host's) with
# tcp-retrans.py (ARGs: its --only, --data, --filter). CLIENT and SERVER
# are the hosts' addresses as their own links show them.
#
# Why both sides: tshark on one side calls a segment sent again a
# retransmission whatever made its sender resend it. The sender's timer
# is short here: a tail loss probe fires two round trips after the last
# segment, and a round trip through the gateway is well under a
# millisecond, so on a loaded machine a sender probes whenever the gateway
# (or the receiver) is not scheduled for a few milliseconds, and the copy
# reaches the receiver after its acknowledgment: a "spurious
# retransmission" on the inside capture with nothing lost (e2e sip-large
# at load 20, 2026-12-05: the server's 200 OK took 15.6 ms through a
# gateway that was not running, the server probed after 6.6 ms, the
# client acknowledged 9 ms after that and the gateway sent the
# acknowledgment on within 0.1 ms). A NAT causes a retransmission only by
# not sending something on: the original segment, or an acknowledgment
# that covered it and left the receiver before the sender resent. Both
# captures show that, as each segment keeps its TCP timestamps through the
# gateway. A verdict against the gateway from captures that lost packets
# says so (a packet the capture lost looks like one the gateway dropped).
expect_no_nat_retransmission() {
  local in=$1 out=$2 client=$3 server=$4 what=$5 rc res lost=0 c
  shift 5
  res=$("$PYTHON" "$E2E_DIR/tcp-retrans.py" "$TMP/$in.pcap" "$client" \
    "$TMP/$out.pcap" "$server" "$@" 2>&1)
  rc=$?
  while IFS= read -r c; do log "$what: $c"; done <<<"$res"
  for c in "$in" "$out"; do
    lost=$((lost + $(capture_lost "$c")))
  done
  if [ "$rc" = 0 ]; then
    log "ok: $what: no TCP retransmission caused by the gateway"
  elif [ "$rc" = 1 ] && [ "$lost" -gt 0 ]; then
    fail "$what: a retransmission looks caused by the gateway, but the captures lost $lost packets"
  elif [ "$rc" = 1 ]; then
    fail "$what: TCP retransmission caused by the gateway: $(grep '^NAT: ' <<<"$res" | head -n 3)"
  else
    fail "$what: the retransmissions cannot be judged: $res"
  fi
}

# split_retransmissions NAME PORT WHAT CLIENT SERVER: a client that
# writes a message in pieces with pauses longer than its loss-probe
# timeout (tens of ms) retransmits the pieces a NAT holds, since nothing
# acknowledges them until the message is whole (a middlebox cannot
# acknowledge for the server): counted from the inside capture NAME, not
# failed. The server must retransmit no data because of the gateway: the
# acknowledgements the client's held pieces carry must reach it, judged
# from both captures of capture_both_start NAME (expect_no_nat_
# retransmission; its FIN is left out: a client that exits at once sees
# it retransmitted without any NAT too). CLIENT and SERVER: the hosts'
# addresses as their own links show them.
split_retransmissions() {
  local n
  n=$(tshark_count "$TMP/$1.pcap" "tcp.dstport == $2 && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission)")
  log "$3: the client retransmitted $n segments (pieces held while it paused)"
  expect_no_nat_retransmission "$1" "$1-out" "$4" "$5" "$3 server" \
    --only server --data --filter "tcp.port == $2"
}

# expect_reasm: prints the reassembly counters of the listing and, when
# the library has them, asserts that split messages were held and
# completed, none timed out, overflowed or was too large, and no split
# message was withheld the old way (until its sender retransmitted it).
expect_reasm() {
  local n v held
  for n in "messages held" "messages completed" "messages timed out" \
    "pool or share full" "message too large"; do
    log "counter 'Reassembly: $n' = $(counter "" "Reassembly: $n")"
  done
  log "counter 'ALG split message withheld' = $(counter "" "ALG split message withheld")"
  held=$(counter "" "Reassembly: messages held")
  if [ -z "$held" ]; then
    fail "this library has no reassembly counters (issue 21's core)"
    return
  fi
  expect_counter_min "" "Reassembly: messages held" 1
  expect_counter_min "" "Reassembly: messages completed" 1
  for n in "Reassembly: messages timed out" "Reassembly: pool or share full" \
    "Reassembly: message too large" "ALG split message withheld"; do
    v=$(counter "" "$n")
    [ "${v:-0}" = 0 ] && log "ok: counter '$n' = ${v:-0}" ||
      fail "counter '$n' = $v, expected 0"
  done
}

# sipp_pcap: sets PCAP to the G.711 a-law capture that comes with sipp, or
# skips (77) when it or sipp's pcap play is missing.
sipp_pcap() {
  local f
  PCAP=
  for f in /usr/share/sip-tester/g711a.pcap /usr/share/sipp/g711a.pcap \
    /usr/share/doc/sip-tester/examples/pcap/g711a.pcap; do
    [ -r "$f" ] && { PCAP=$f; break; }
  done
  [ -n "$PCAP" ] || skip "sipp's g711a.pcap is not installed (package sip-tester)"
  sipp -v 2>&1 | grep -q PCAP || skip "this sipp is built without pcap play"
}

# e2e_start_path: pinhole-gw between the hosts, or with E2E_REF=route a
# kernel-routed gateway namespace without NAT (a test's harness checked
# alone); the inside host's link (DEV) at MTU 1500.
e2e_start_path() {
  if [ "${E2E_REF:-}" = route ]; then
    e2e_setup_kernel
    e2e_route_back
    DEV=veth-in
  else
    e2e_start_gw
    DEV=tun-in
  fi
  ip -n "$NS_IN" link set "$DEV" mtu 1500 || die "MTU of $DEV"
}

# ---- IPv6 (e2e_start_gw6) --------------------------------------------------

# The FTP listing over IPv6: the control connection watched by the ftp
# ALG, data connections forwarded both ways, nothing translated.
ftp6_expect_listing() {
  expect_line '^Conversation: ALG protocol: ftp'
  expect_flow TCP "\[2001:db8:1::2\]:[0-9]+" "\[2001:db8:2::2\]:21" Watch I
  expect_flow TCP "\[2001:db8:2::2\]:21" "\[2001:db8:1::2\]:[0-9]+" Watch O
  expect_flow TCP "\[2001:db8:[12]::2\]:[0-9]+" "\[2001:db8:[12]::2\]:[0-9]+" Forward I
  expect_flow TCP "\[2001:db8:[12]::2\]:[0-9]+" "\[2001:db8:[12]::2\]:[0-9]+" Forward O
  grep -q "NAT source\|NAT dest" "$TMP/listing" && fail "an IPv6 flow was translated"
  expect_no_alg_errors
}

# ftp_expect_server_saw6 ERE: vsftpd logged a command matching ERE from
# the inside host's IPv6 address (no translation).
ftp_expect_server_saw6() {
  if grep -Eq "FTP command: Client \"$IN6\", \"$1" "$TMP/vsftpd.xfer"; then
    log "ok: vsftpd got /$1/ from $IN6"
  else
    fail "vsftpd never got /$1/ from $IN6"
  fi
}

# ---- RTSP and SIP, shared by the IPv4 tests and their NAT64 twins ----------

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# rtsp_init: e2e_init with ffmpeg and GStreamer, or skips (77) without
# GStreamer's RTSP server for python or the elements; sets RTSP_PY and
# RTSP_LAUNCH, a live video and audio stream with the codecs that are
# installed: H.264 (x264enc, -ugly) or else JPEG (-good); Opus (-base) or
# else G.711 u-law.
rtsp_init() {
  local e video audio
  e2e_init ffmpeg gst-launch-1.0 gst-inspect-1.0
  RTSP_PY=/usr/bin/python3
  [ -x "$RTSP_PY" ] || skip "/usr/bin/python3 is not installed"
  "$RTSP_PY" -c '
import gi
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GstRtspServer' 2>/dev/null ||
    skip "GStreamer's RTSP server for python is missing (python3-gi, gir1.2-gst-rtsp-server-1.0)"
  for e in videotestsrc audiotestsrc rtspsrc fakesink; do
    gst_have "$e" || skip "GStreamer element $e is missing (gstreamer1.0-plugins-base/-good)"
  done
  if gst_have x264enc && gst_have rtph264pay; then
    video="x264enc tune=zerolatency key-int-max=15 bitrate=256 ! rtph264pay name=pay0 pt=96 config-interval=-1"
  elif gst_have jpegenc && gst_have rtpjpegpay; then
    video="jpegenc ! rtpjpegpay name=pay0 pt=26"
  else
    skip "no GStreamer video encoder and payloader (x264enc or jpegenc)"
  fi
  if gst_have opusenc && gst_have rtpopuspay; then
    audio="opusenc ! rtpopuspay name=pay1 pt=97"
  elif gst_have mulawenc && gst_have rtppcmupay; then
    audio="mulawenc ! rtppcmupay name=pay1 pt=0"
  else
    skip "no GStreamer audio encoder and payloader (opusenc or mulawenc)"
  fi
  RTSP_LAUNCH="( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=15/1 ! $video"
  RTSP_LAUNCH+=" audiotestsrc is-live=true ! audioconvert ! audioresample ! $audio )"
}

gst_have() { gst-inspect-1.0 --exists "$1"; }

# rtsp_server_start: tests/e2e/rtsp-server.py on the outside host at
# $OUT_ADDR:8554/test serving RTSP_LAUNCH (its log $TMP/rtsp-server.log,
# GST_DEBUG passed on); $RTSP_PID.
rtsp_server_start() {
  bg "$NS_OUT" rtsp-server "$RTSP_PY" "$E2E_DIR/rtsp-server.py" "$OUT_ADDR" \
    8554 test "$RTSP_LAUNCH"
  RTSP_PID=$LAST_PID
  wait_for 10 port_open "$NS_OUT" "$OUT_ADDR" 8554 || die "the RTSP server did not start"
}

# rtsp_ffmpeg_play NAME TRANSPORT [audio]: ffmpeg inside reads 3 s of
# $RTSP_URL and decodes it; at least one video frame (from its final
# progress line), and with "audio" an audio stream.
rtsp_ffmpeg_play() {
  ns "$NS_IN" ffmpeg -hide_banner -nostdin -loglevel info -rtsp_transport "$2" \
    -timeout 5000000 -i "$RTSP_URL" -t 3 -f null - >"$TMP/$1.log" 2>&1 ||
    { fail "$1: ffmpeg failed (see $1.log)"; return; }
  local frames
  frames=$(tr '\r' '\n' <"$TMP/$1.log" | sed -n 's/^frame= *\([0-9]*\).*/\1/p' | tail -n 1)
  if [ -n "$frames" ] && [ "$frames" -gt 0 ]; then
    log "ok: $1: ffmpeg decoded $frames video frames"
  else
    fail "$1: ffmpeg decoded no video frame"
  fi
  if [ "${3:-}" = audio ]; then
    grep -q 'Stream #0:1.*Audio' "$TMP/$1.log" || fail "$1: no audio stream"
  fi
}

# rtsp_gst_play NAME NAT_METHOD: GStreamer's rtspsrc inside on $RTSP_URL,
# UDP only (no fallback to TCP), both streams to fakesinks that stop
# after 30 buffers each (EOS, exit 0).
rtsp_gst_play() {
  ns "$NS_IN" gst-launch-1.0 -q rtspsrc location="$RTSP_URL" protocols=udp \
    nat-method="$2" latency=100 timeout=5000000 name=src \
    src. ! queue ! fakesink num-buffers=30 src. ! queue ! fakesink num-buffers=30 \
    >"$TMP/$1.log" 2>&1 && log "ok: $1: rtspsrc got 30 buffers on both streams" ||
    fail "$1: rtspsrc over UDP failed (see $1.log)"
}

# conv_flows ALG: the flow lines of the listing's conversations of ALG.
conv_flows() {
  awk -v alg="$1" '/^Conversation: / { inconv = ($NF == alg); next }
    /^[^ ]/ && $3 == "->" && inconv' "$TMP/listing"
}

# media_flows ALG DIR: UDP Forward flows in DIR (I/O) with frames > 0 in
# the conversations of ALG.
media_flows() {
  conv_flows "$1" | awk -v dir="$2" \
    '$1 == "UDP" && $5 == "Forward" && $6 == dir && $7 > 0' | wc -l
}

# alg_clean NAME: the listing's "ALG errors" counter of NAME is 0, and no
# ALG error at all (expect_no_alg_errors).
alg_clean() {
  local v
  v=$(counter "ALG errors" "$1")
  [ "$v" = 0 ] && log "ok: $1 ALG errors 0" || fail "$1 ALG errors '${v:-missing}'"
  expect_no_alg_errors
}

# sip_msgs: the messages each sipp got ($TMP/uas-msg.log, uac-msg.log)
# without carriage returns, as $TMP/uas-msg.txt and uac-msg.txt; sets
# PUB_MEDIA, the m= port the called party got (the caller's public one).
sip_msgs() {
  local w
  for w in uas uac; do
    [ -f "$TMP/$w-msg.log" ] && tr -d '\r' <"$TMP/$w-msg.log" >"$TMP/$w-msg.txt"
  done
  PUB_MEDIA=$(sed -n 's/^m=audio \([0-9]*\) .*/\1/p' "$TMP/uas-msg.txt" | head -n 1)
}

# sip_saw WHO ERE: the called party (uas) or the caller (uac) got a line
# matching ERE.
sip_saw() {
  if grep -Eq "$2" "$TMP/$1-msg.txt"; then
    log "ok: the $1 got /$2/"
  else
    fail "the $1 never got /$2/"
  fi
}

# sip_saw_public: the caller's Via, Contact and SDP c=/o= reached the
# called party as the pool address 198.19.0.1, the m= line with its
# public port and G.711 a-law.
sip_saw_public() {
  sip_saw uas '^Via: SIP/2\.0/UDP 198\.19\.0\.1:[0-9]+;'
  sip_saw uas '^Contact: sip:sipp@198\.19\.0\.1:[0-9]+'
  sip_saw uas '^c=IN IP4 198\.19\.0\.1$'
  sip_saw uas '^o=.* IN IP4 198\.19\.0\.1$'
  sip_saw uas '^m=audio [0-9]+ RTP/AVP 8$'
}

# sip_media_frames DIR SRC DST MIN WHAT: the sip conversation has a UDP
# Forward flow DIR from SRC to DST (EREs) with more than MIN frames;
# SIP_FRAMES is its frame count (0 when there is none).
sip_media_frames() {
  SIP_FRAMES=$(sip_media "$1" "$2" "$3")
  if [ -n "$SIP_FRAMES" ] && [ "$SIP_FRAMES" -gt "$4" ]; then
    log "ok: $SIP_FRAMES RTP frames $5 in the sip conversation"
  else
    fail "no RTP $5 in the sip conversation (frames '${SIP_FRAMES:-none}')"
  fi
  SIP_FRAMES=${SIP_FRAMES:-0}
}

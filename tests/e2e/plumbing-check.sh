#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Checks the test plumbing without pinhole-gw: the same hosts, servers and
# client sessions as the e2e cases, joined by a gateway namespace that
# routes with the kernel (ip_forward=1, no NAT). When this passes and an
# e2e case fails, the gateway is at fault, not the test. Not a meson test;
# run it by hand as root: tests/e2e/plumbing-check.sh
. "$(dirname "$0")/lib.sh"
e2e_init curl ping
[ -n "$PYTHON" ] || skip "python3 is not installed"
e2e_setup_kernel
e2e_route_back

ns "$NS_IN" ping -n -c 3 -i 0.2 -W 2 "$OUT_ADDR" || fail "ping"

udp_echo_server "$NS_OUT" "$OUT_ADDR" 7007
sleep 0.5
udp_exchange "$NS_IN" "$OUT_ADDR" 7007 5 || fail "udp"

mkdir -p "$TMP/www"
random_file "$TMP/www/data.bin" 1024
http_start_server "$NS_OUT" "$OUT_ADDR" 8080 "$TMP/www"
ns "$NS_IN" curl -sS --connect-timeout 5 -o "$TMP/http.down" \
  "http://$OUT_ADDR:8080/data.bin" || fail "http"
same_file "$TMP/www/data.bin" "$TMP/http.down" "http download"

ftp_start_server
ftp_curl curl-active -P - --disable-eprt
ftp_curl curl-eprt -P -
ftp_curl curl-pasv --ftp-pasv --disable-epsv
ftp_curl curl-epsv --ftp-pasv
ftp_lftp lftp-active "set ftp:passive-mode off"
ftp_lftp lftp-pasv "set ftp:passive-mode on; set ftp:prefer-epsv no"
ftp_lftp lftp-epsv "set ftp:passive-mode on; set ftp:prefer-epsv yes"

# What the server saw: the commands of each mode were really used.
for cmd in PORT EPRT PASV EPSV; do
  if grep -q "\"$cmd" "$TMP/vsftpd.xfer"; then
    log "ok: vsftpd saw $cmd"
  else
    fail "vsftpd never saw $cmd"
  fi
done
e2e_finish

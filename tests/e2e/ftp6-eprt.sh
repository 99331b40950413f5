#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# FTP active mode over IPv6 (RFC 2428 EPRT |2|, curl -P -) through
# pinhole-gw with --max-conns6: the ftp ALG watches the IPv6 control
# connection and opens the pinhole for vsftpd's data connection (nothing
# is rewritten). A 1 MiB download and upload, sha256 compared; the
# listing shows the Watch control connection and the Forward data ones.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
e2e_start_gw6
ftp_start_server 6

FTP_HOST="[$OUT6]" ftp_curl curl-ftp6-eprt -P -
FTP_HOST="[$OUT6]" ftp_lftp lftp-ftp6-eprt "set ftp:passive-mode off"

gw_dump ftp6-eprt
ftp6_expect_listing
ftp_expect_server_saw6 'EPRT \|2\|2001:db8:1::2\|[0-9]+\|'
expect_counter_min Other "Pinholes used" 2
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# FTP active mode with EPRT (RFC 2428), curl's default for -P.
# A 1 MiB download and a 1 MiB upload with curl
# against vsftpd outside, through pinhole-gw; sha256 compared; then the
# listing must show the ftp conversation.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
e2e_start_gw
ftp_start_server

ftp_curl curl-ftp-eprt -P -

gw_dump ftp-eprt
ftp_expect_listing
ftp_expect_server_saw 'EPRT \|1\|198\.19\.0\.1\|[0-9]+\|"'
expect_counter_min Other "Pinholes used" 2
e2e_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# FTP passive mode with PASV (the server listens, the client connects).
# A 1 MiB download and a 1 MiB upload with curl and with lftp
# against vsftpd outside, through pinhole-gw; sha256 compared; then the
# listing must show the ftp conversation.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
e2e_start_gw
ftp_start_server

ftp_curl curl-ftp-passive --ftp-pasv --disable-epsv
ftp_lftp lftp-ftp-passive "set ftp:passive-mode on; set ftp:prefer-epsv no"

gw_dump ftp-passive
ftp_expect_listing
ftp_expect_server_saw 'PASV"'
expect_counter_min Other "Pinholes used" 4
e2e_finish

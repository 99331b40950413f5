#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# FTP passive mode with EPSV (RFC 2428), curl's default for passive.
# A 1 MiB download and a 1 MiB upload with curl and with lftp
# against vsftpd outside, through pinhole-gw; sha256 compared; then the
# listing must show the ftp conversation.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
e2e_start_gw
ftp_start_server

ftp_curl curl-ftp-epsv --ftp-pasv
ftp_lftp lftp-ftp-epsv "set ftp:passive-mode on; set ftp:prefer-epsv yes"

gw_dump ftp-epsv
ftp_expect_listing
ftp_expect_server_saw 'EPSV"'
expect_counter_min Other "Pinholes used" 4
e2e_finish

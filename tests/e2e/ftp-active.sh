#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# FTP active mode with PORT (the client listens, the server connects).
# A 1 MiB download and a 1 MiB upload with curl and with lftp
# against vsftpd outside, through pinhole-gw; sha256 compared; then the
# listing must show the ftp conversation.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
e2e_start_gw
ftp_start_server

ftp_curl curl-ftp-active -P - --disable-eprt
ftp_lftp lftp-ftp-active "set ftp:passive-mode off"

gw_dump ftp-active
ftp_expect_listing
ftp_expect_server_saw 'PORT 198,19,0,1,[0-9]+,[0-9]+"'
expect_counter_min Other "Pinholes used" 4
e2e_finish

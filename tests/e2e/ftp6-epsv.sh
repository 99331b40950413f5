#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# FTP passive mode over IPv6 (RFC 2428 EPSV and its 229 reply) through
# pinhole-gw with --max-conns6: the ftp ALG opens the pinhole for the
# client's data connection to the server. curl and lftp, a 1 MiB download
# and upload each, sha256 compared; listing and counters checked.
. "$(dirname "$0")/lib.sh"
PINHOLE_GW=${1:-${PINHOLE_GW:-}}
e2e_init curl
e2e_start_gw6
ftp_start_server 6

FTP_HOST="[$OUT6]" ftp_curl curl-ftp6-epsv --ftp-pasv
FTP_HOST="[$OUT6]" ftp_lftp lftp-ftp6-epsv "set ftp:passive-mode on"

gw_dump ftp6-epsv
ftp6_expect_listing
ftp_expect_server_saw6 'EPSV'
expect_counter_min Other "Pinholes used" 2
e2e_finish

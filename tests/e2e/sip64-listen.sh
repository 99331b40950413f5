#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# sip-listen through NAT64: the UA on the IPv6-only inside host names
# [2001:db8:1::2]:5070 (sip-listen.sh says what is checked).
SIP_LISTEN_NAT64=1 exec "$(dirname "$0")/sip-listen.sh" "$@"

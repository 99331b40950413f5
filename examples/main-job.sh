#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The main job: replay bundled real traffic (an active FTP session with a
# data transfer, recorded between network namespaces without NAT) through
# the library and print what a pinhole gateway would do with it: the
# conversation table, the counters, and with --trace the FTP ALG's steps.
#
#   bash examples/main-job.sh [CAPTURE...] [-- pinhole-replay options]
#
# Installs the few packages it needs when run as root on Debian, builds in
# build-main/ and runs examples/replay's pinhole-replay.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for cmd in meson ninja cc pkg-config; do
  command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd")
done
[ -e /usr/include/pcap/pcap.h ] || need+=(libpcap)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
      meson ninja-build gcc pkg-config libpcap-dev >/dev/null
  else
    echo "main-job: missing ${need[*]}; install meson ninja-build gcc pkg-config libpcap-dev" >&2
    exit 1
  fi
fi

if [ ! -d build-main ]; then
  meson setup build-main -Dtests=false -Dexamples=true >/dev/null
fi
ninja -C build-main examples/replay/pinhole-replay >/dev/null

captures=()
opts=()
while [ $# -gt 0 ]; do
  case "$1" in
  --) shift; opts=("$@"); break ;;
  -*) opts+=("$1") ;;
  *) captures+=("$1") ;;
  esac
  shift
done
[ ${#captures[@]} -gt 0 ] || captures=(examples/captures/ftp-active.pcap)

for cap in "${captures[@]}"; do
  echo "== $cap"
  build-main/examples/replay/pinhole-replay --expect-clean "${opts[@]}" "$cap"
done

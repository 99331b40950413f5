#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Usage: check-pip.sh PYTHON SRCDIR LIBPINHOLE.so VERSION
#
# `pip install ./bindings/python` as a user would, into a fresh venv (with
# the system's site packages for setuptools and scapy; --no-index: no
# network), from a copy of the directory (pip builds in place). Then, from
# another directory and without PYTHONPATH:
#  - `import pinhole` comes from the venv, py.typed is installed, the
#    distribution's version is VERSION (meson.build's);
#  - the binding's tests pass against LIBPINHOLE.so;
#  - the tutorial of docs/python.md (examples/nat_pcap.py) NATs the bundled
#    UDP and HTTP captures with scapy and every reply comes back as it was
#    captured (skipped without scapy).
# Exit 77 (skipped) when venv, pip or setuptools is missing.
set -eu
if [ $# -ne 4 ]; then
  echo "usage: $0 PYTHON SRCDIR LIBPINHOLE.so VERSION" >&2
  exit 2
fi
py=$1 src=$2 lib=$3 version=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
if ! "$py" -c 'import venv, setuptools' 2>/dev/null; then
  echo "SKIP: $py lacks venv or setuptools (apt-get install python3-venv python3-setuptools)"
  exit 77
fi
# --without-pip: the system's pip installs into the venv (--python), much
# faster than bootstrapping a pip inside it.
if ! "$py" -m pip --version >/dev/null 2>&1; then
  echo "SKIP: $py has no pip (apt-get install python3-pip)"
  exit 77
fi
if ! "$py" -m venv --system-site-packages --without-pip "$tmp/venv" \
  >"$tmp/venv.log" 2>&1; then
  cat "$tmp/venv.log"
  echo "SKIP: $py -m venv failed (apt-get install python3-venv)"
  exit 77
fi
vpy=$tmp/venv/bin/python
cp -R "$src/bindings/python" "$tmp/pkg"
rm -rf "$tmp/pkg/build" "$tmp/pkg"/src/*.egg-info
"$py" -m pip --python "$vpy" install --no-build-isolation --no-index \
  --no-deps --disable-pip-version-check -q "$tmp/pkg" ||
  fail "pip install ./bindings/python"
cd "$tmp"
got=$("$vpy" -c 'import importlib.metadata as m; print(m.version("pinhole"))')
[ "$got" = "$version" ] ||
  fail "installed distribution is $got, meson.build says $version"
where=$(env -u PYTHONPATH "$vpy" -c 'import pinhole, os; print(os.path.dirname(pinhole.__file__))')
case $where in
"$tmp/venv/"*) ;;
*) fail "import pinhole found $where, not the venv's copy" ;;
esac
[ -f "$where/py.typed" ] || fail "py.typed not installed"
echo "ok: pip installed pinhole $got into a venv ($where)"
env -u PYTHONPATH PINHOLE_LIB="$lib" PINHOLE_EXPECT_VERSION="$version" \
  "$vpy" "$src/bindings/python/tests/test_pinhole.py" ||
  fail "the binding's tests against the installed package"
echo "ok: the binding's tests pass against the installed package"
if ! "$vpy" -c 'import scapy' 2>/dev/null; then
  echo "note: scapy not installed; the tutorial (docs/python.md) not run"
  exit 0
fi
for cap in udp http; do
  env -u PYTHONPATH PINHOLE_LIB="$lib" "$vpy" \
    "$src/bindings/python/examples/nat_pcap.py" \
    "$src/examples/captures/$cap.pcap" "$tmp/$cap-out.pcap" 198.19.0.7 \
    >"$tmp/$cap.log" 2>&1 || {
    cat "$tmp/$cap.log"
    fail "nat_pcap.py on $cap.pcap"
  }
  grep -q '^wrote [1-9][0-9]* packets .* replies not restored 0$' \
    "$tmp/$cap.log" || {
    cat "$tmp/$cap.log"
    fail "nat_pcap.py summary on $cap.pcap"
  }
  # what the outside sees: only the public address, never the inside one
  srcs=$(env -u PYTHONPATH "$vpy" -c '
import sys
from scapy.all import IP, rdpcap
print(" ".join(sorted({p[IP].src for p in rdpcap(sys.argv[1])})))' \
    "$tmp/$cap-out.pcap")
  [ "$srcs" = "198.19.0.7" ] || fail "$cap: outside view has sources $srcs"
  echo "ok: docs/python.md tutorial on $cap.pcap: $(grep '^wrote' "$tmp/$cap.log")"
done

#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Regenerates examples/replay/golden/*.txt from a configured build directory:
# runs the command of every 'replay' suite test that has a --check FILE
# (or a golden/<test>.txt to be made) without --expect-clean/--check and
# stores its report in that file. Review the diff before committing.
#
#   examples/replay/regen-golden.sh BUILDDIR
set -eu
build=${1:?usage: regen-golden.sh BUILDDIR}
here=$(cd "$(dirname "$0")" && pwd)
ninja -C "$build" examples/replay/pinhole-replay >/dev/null
meson introspect "$build" --tests | /usr/bin/python3 -c '
import json, subprocess, sys
golden = sys.argv[1]
for t in json.load(sys.stdin):
    if not t["name"].startswith("replay."):
        continue
    cmd, args = t["cmd"][:1], t["cmd"][1:]
    path = "%s/%s.txt" % (golden, t["name"][len("replay."):])
    keep, skip = [], 0
    for a in args:
        if skip:
            path, skip = a, 0
        elif a == "--check":
            skip = 1
        elif a != "--expect-clean":
            keep.append(a)
    out = subprocess.run(cmd + keep, capture_output=True, text=True).stdout
    with open(path, "w") as f:
        f.write(out)
    print("%s: %d lines" % (path, len(out.splitlines())))
' "$here/golden"

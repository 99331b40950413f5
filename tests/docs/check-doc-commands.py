#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Every command in README.md and docs/*.md runs as written.

Usage: check-doc-commands.py SRCDIR BUILDDIR [--list]

Extracts the code blocks (indented or fenced) of README.md, docs/*.md,
examples/captures/README.md and bindings/python/README.md, and the inline
`meson ...`, `ninja ...` and `tests/...sh ARGS` commands of their text
(linted only), and treats each command
(a logical line, `\\` continuations and for-loops joined):

  lint   every command: no sudo (the docs say "as root" instead); `meson
         test|compile|install` name their build directory (-C); options
         that change what is built (-De2e, -Dfuzzing, -Db_sanitize,
         -Db_coverage, -Dbench) get a build directory of their own, never
         the shared `build/` (meson setup on an existing directory keeps
         its old options); a libFuzzer run never writes into the tracked
         corpus (fuzz/corpus/); the files of the source tree it names
         exist, and the build outputs it names under build*/ exist in
         BUILDDIR; bash -n parses it;
  run    the commands a user can run anywhere, in a copy of the source
         tree whose `build` is BUILDDIR (and its `build-main` too when
         PINHOLE_DOCS_MAIN_BUILD=1; exit status 0 within 600 s), and
         the Python blocks of docs/python.md (one interpreter per file);
  skip   the commands that cannot run in this test, each with its reason
         (root, namespaces, another full build that a CI stage does, this
         very suite ...): --list prints them all.
Exit 1 when a lint fails or a run fails.
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = [
    (r"^bash \.ci/run|^CI=true", "the CI itself (root, apt-get, every stage)"),
    (r"build-inst",
     "needs root: installs into /usr/local (install.* tests use a staging tree)"),
    (r"^(ip|ldconfig|sipp|kill)\b|ip netns|^meson install -C build\b",
     "needs root (namespaces, /usr/local, the loader cache)"),
    (r"^apt-get\b", "installs packages as root (the CI installs them)"),
    (r"-De2e=true|--suite e2e|^tests/e2e/|E2E_GW_ARGS",
     "needs root and namespaces: the CI stage e2e runs these tests"),
    (r"record\.sh", "re-records the captures: root, real servers"),
    (r"^meson setup build(\s|$)|^meson setup build &&",
     "the build under test is this directory"),
    (r"build-(asan|fuzz|cov|clang|rel)\b|^CC=clang meson setup",
     "another full build: the CI stages asan, clang, fuzz do it"),
    (r"^cd build-cov|gcovr", "coverage build (docs/coverage.md), not in CI"),
    (r"fuzz_\w+ ", "a libFuzzer run: the CI stage fuzz"),
    (r"^cp -R fuzz/corpus", "prepares the libFuzzer run above"),
    (r"valgrind", "minutes under memcheck: the CI stage valgrind"),
    (r"^meson test -C build( --print-errorlogs)?$",
     "the whole suite, which contains this test"),
    (r"^meson dist|^git tag|^tar xf pinhole-|^cd pinhole-X",
     "release steps (docs/release.md): the CI stage dist"),
    (r"regen-golden\.sh", "rewrites the goldens: run after a reviewed change"),
    (r"^(python3 -m venv|~/venv-pinhole|pip install)",
     "a venv and pip: the test python.pip does this"),
    (r"/tmp/prev\.abi|^git show", "needs the previous release's tag"),
]
SYNOPSIS = re.compile(r"\[[A-Z]|\.\.\.|\bX\.Y\.Z\b|<[a-z]|"
                      r"\b(TUN|ADDR|SPEC|FILE|BUILD|DIR|CAPTURE|PREV)\b")
COMMAND = re.compile(
    r"^(?:[A-Z_]+=\S+\s+)*(?:meson|ninja|bash|sh|python3|cp|abidiff|apt-get|"
    r"ip|sudo|pip|git|tar|cd|for|pinhole-replay|pinhole-gw|sipp|kill|"
    r"valgrind|ldconfig|tshark|gcovr|\./|~/|tests/|examples/|fuzz/|"
    r"build[\w-]*/)")
PY_START = re.compile(r"^(import |from |with pinhole|sent = \[\])")
SRC_PATH = re.compile(
    r"(?<![\w./-])((?:examples|tests|docs|fuzz|lib|include|bindings)"
    r"/[\w./*-]+)")
BUILD_PATH = re.compile(r"(?<![\w./-])\.?/?(build(?:-e2e|-main)?/[\w./-]+)")


def blocks(path):
    """(line, kind, [lines]) for each code block; kind 'c' etc. for fenced
    blocks with a language, 'block' otherwise."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            lang, j, body = line[3:].strip(), i + 1, []
            while j < len(lines) and not lines[j].startswith("```"):
                body.append(lines[j])
                j += 1
            out.append((i + 1, lang or "block", body))
            i = j + 1
            continue
        m = re.match(r"^( {4,})\S", line)
        if m and (i == 0 or not lines[i - 1].strip()) and not (
                re.match(r"^\s*([-*]|\d+\.) ", lines[i - 2] if i > 1 else "")
                and len(m.group(1)) < 6 and False):
            ind = len(m.group(1))
            j, body = i, []
            while j < len(lines) and (lines[j].startswith(" " * ind)
                                      or not lines[j].strip()):
                body.append(lines[j][ind:])
                j += 1
            while body and not body[-1].strip():
                body.pop()
            out.append((i + 1, "block", body))
            i = j
            continue
        i += 1
    return out


def inline(path):
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"`((?:meson|ninja) [^`]+)`", text.replace("\n", " ")):
        if len(m.group(1).split()) >= 3:  # "meson dist" alone names the tool
            yield m.group(1)
    for m in re.finditer(r"`((?:tests|examples)/\S+\.sh [^`]+)`",
                         text.replace("\n", " ")):
        yield m.group(1)


def logical(body):
    """Joins continuations and for/while loops into logical commands."""
    cmds, cur, depth = [], [], 0
    for raw in body:
        line = raw.rstrip()
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        cur.append(line)
        depth += len(re.findall(r"^\s*(for|while)\b", line))
        depth -= len(re.findall(r"\bdone\b", line))
        if line.endswith("\\") or depth > 0:
            continue
        cmds.append("\n".join(cur))
        cur = []
    if cur:
        cmds.append("\n".join(cur))
    return cmds


def strip_comment(cmd):
    return "\n".join(re.sub(r"\s+#\s.*$", "", l) for l in cmd.split("\n"))


def lint(cmd, src, build):
    errs = []
    flat = " ".join(strip_comment(cmd).replace("\\\n", " ").split())
    if re.search(r"(^|[;&|]\s*)sudo\b", flat):
        errs.append("uses sudo (say 'as root' instead)")
    for m in re.finditer(r"\bmeson (test|compile|install|dist)\b([^;&|]*)",
                         flat):
        if "-C " not in m.group(2) and not flat.startswith("cd "):
            errs.append("meson %s without -C BUILDDIR" % m.group(1))
    m = re.search(r"\bmeson setup (\S+)(.*)", flat)
    if m and m.group(1) == "build" and re.search(
            r"-D(e2e|fuzzing|b_sanitize|b_coverage|bench)=", m.group(2)):
        errs.append("configures the shared build/ with -D%s: an existing "
                    "build/ keeps its old options; use a directory of its "
                    "own" % re.search(r"-D(\w+)", m.group(2)).group(1))
    if re.search(r"fuzz_\w+\b[^;&|]*\sfuzz/corpus/", flat):
        errs.append("a libFuzzer run that writes into the tracked corpus")
    for p in SRC_PATH.findall(flat):
        p = p.rstrip(".,")
        if p.startswith("tests/e2e/") or "<" in p:
            pass
        if not glob.glob(os.path.join(src, p)):
            errs.append("names %s, which the source tree lacks" % p)
    for p in BUILD_PATH.findall(flat):
        rel = p.split("/", 1)[1].rstrip(".,")
        if "fuzz_" in rel or rel.startswith("meson-") or not rel:
            continue
        if not os.path.exists(os.path.join(build, rel)):
            errs.append("names %s, which a build does not produce" % p)
    if "\n" in cmd or not SYNOPSIS.search(cmd):
        r = subprocess.run(["bash", "-n", "-c", cmd], capture_output=True,
                           text=True)
        if r.returncode:
            errs.append("bash -n: " + r.stderr.strip())
    return errs


def skip_reason(cmd):
    flat = " ".join(strip_comment(cmd).replace("\\\n", " ").split())
    for pat, why in SKIP:
        if re.search(pat, flat):
            return why
    if SYNOPSIS.search(flat):
        return "a synopsis with placeholders"
    return None


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    src, build = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    listing = "--list" in sys.argv
    docs = ["README.md"] + sorted(glob.glob(os.path.join(src, "docs", "*.md")))
    docs += ["examples/captures/README.md", "bindings/python/README.md"]
    docs = [os.path.relpath(os.path.join(src, d), src) for d in docs]
    sandbox = tempfile.mkdtemp(prefix="pinhole-docs-")
    tree = os.path.join(sandbox, "src")
    shutil.copytree(src, tree, symlinks=True, ignore=shutil.ignore_patterns(
        "build*", ".git", "subprojects", "__pycache__", "*.egg-info"))
    os.symlink(build, os.path.join(tree, "build"))
    if os.environ.get("PINHOLE_DOCS_MAIN_BUILD") == "1":
        # examples/main-job.sh's build-main is this build (it has the
        # examples): the CI's gcc stage sets this, so that the tree is not
        # built a second time there; the dist stage does not, and runs
        # main-job.sh as written from the unpacked tarball
        os.symlink(build, os.path.join(tree, "build-main"))
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.join(build, "examples", "replay"),
                                   os.path.join(build, "examples", "gateway"),
                                   env.get("PATH", "")])
    env["PINHOLE_LIB"] = os.path.join(build, "lib", "libpinhole.so")
    env["PYTHONPATH"] = os.path.join(tree, "bindings", "python", "src")
    failed, counts = 0, {"run": 0, "skip": 0, "lint": 0}
    for doc in docs:
        py_code = []
        cmds = []
        for line, kind, body in blocks(os.path.join(src, doc)):
            first = next((l for l in body if l.strip()
                          and not l.lstrip().startswith("#")), "")
            if kind == "python" or (kind == "block" and PY_START.match(first)):
                if doc == os.path.join("docs", "python.md"):
                    if any(l.strip() == "..." for l in body):
                        print("skip %s:%d: python excerpt (the whole script "
                              "runs in python.pip)" % (doc, line))
                        counts["skip"] += 1
                    else:
                        py_code.append((line, "\n".join(body)))
                continue
            if kind not in ("block", "sh", "bash", "console"):
                continue
            if not COMMAND.match(first):
                continue
            for c in logical(body):
                # output shown after a command ("pinhole-replay: x.pcap: ...")
                if COMMAND.match(c) and not re.match(r"^\S+:\s", c):
                    cmds.append((line, c))
        for c in inline(os.path.join(src, doc)):
            cmds.append((0, c))
        rooted = set()
        for line, cmd in cmds:
            where = "%s:%s" % (doc, line or "inline")
            counts["lint"] += 1
            for e in lint(cmd, src, build):
                print("FAIL %s: %s\n     %s" % (where, e, cmd.replace(
                    "\n", "\n     ")))
                failed += 1
            why = skip_reason(cmd)
            if why and why.startswith("needs root"):
                rooted.add(line)
            elif not why and line in rooted:
                why = "a step of a walk-through that needs root (above)"
            if why or line == 0:
                counts["skip"] += line != 0
                if listing and line:
                    print("skip %s: %s: %s" % (where, why,
                                               cmd.split("\n")[0]))
                continue
            counts["run"] += 1
            r = subprocess.run(["bash", "-euo", "pipefail", "-c", cmd],
                               cwd=tree, env=env, capture_output=True,
                               text=True, timeout=600)
            status = "ok  " if r.returncode == 0 else "FAIL"
            print("%s %s: %s (exit %d)" % (status, where, cmd.split("\n")[0],
                                          r.returncode))
            if r.returncode:
                print((r.stdout + r.stderr)[-3000:])
                failed += 1
        if py_code:
            code = "\n".join(c for _, c in py_code)
            counts["run"] += 1
            r = subprocess.run([sys.executable, "-c", code], cwd=tree,
                               env=env, capture_output=True, text=True,
                               timeout=120)
            lines = ",".join(str(l) for l, _ in py_code)
            status = "ok  " if r.returncode == 0 else "FAIL"
            print("%s %s:%s: the Python blocks (exit %d)"
                  % (status, doc, lines, r.returncode))
            if r.returncode:
                print((r.stdout + r.stderr)[-3000:])
                failed += 1
    shutil.rmtree(sandbox, ignore_errors=True)
    print("%d commands linted, %d run, %d not run here (--list says why), "
          "%d failures" % (counts["lint"], counts["run"], counts["skip"],
                           failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# Runs the seqc-opt / seqc commands of every test/**/*.mlir RUN line with two
# builds of the tools (e.g. a gcc build and a clang build) and reports which
# outputs differ. The compiler's output must not depend on the host compiler
# that built it: C++ leaves the order in which a call's arguments are
# evaluated unspecified (gcc goes right to left, clang left to right), so
# IR-creating calls as two arguments of one call create their ops in a
# different order (README.md, "Testing"; test/Conversion/SeqToLoops/
# moe-op-order.mlir).
#
#   scripts/compare-builds.py build/bin build-clang/bin [--jobs 2] [--keep DIR]
#
# Artifacts are compared as their textual IR: a `seqc ... -o x.seqpkg` runs
# with -emit=llvm-mlir -o - (GPU stages with -emit=gpu-kernels). Commands
# whose inputs another RUN line writes (%t files) or that use a lit
# substitution this script does not know are skipped (counted). Exit status:
# 0 when every compared output is identical, 1 otherwise.
import argparse
import concurrent.futures
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = ("seqc-opt", "seqc")
# Options whose output is not a function of the input (timings).
DROP = ("-mlir-timing", "--mlir-timing")
TEXT_EMITS = ("seq", "seq-opt", "tiled", "llvm-mlir", "llvm", "gpu-kernels")


def run_lines(path):
    """The RUN commands of a test file, continuations joined."""
    lines, cur = [], None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.search(r"RUN:(.*)$", line)
            if not m:
                continue
            text = m.group(1).rstrip()
            cur = text if cur is None else cur + " " + text.strip()
            if cur.endswith("\\"):
                cur = cur[:-1]
                continue
            lines.append(cur.strip())
            cur = None
    return lines


def tool_commands(path):
    """(key, argv) of each seqc/seqc-opt command that reads the test file."""
    out = []
    for i, line in enumerate(run_lines(path)):
        # The first stage of each pipeline in a `&&` / `;` chain.
        for j, chain in enumerate(re.split(r"&&|;", line)):
            stage = chain.split("|")[0].strip()
            try:
                words = shlex.split(stage)
            except ValueError:
                continue
            if words and words[0] == "not":
                words = words[1:]
            if not words or words[0] not in TOOLS:
                continue
            out.append(("%d.%d" % (i, j), words))
    return out


def normalize(words, path, tmp):
    """argv with lit substitutions and IR text on stdout, or None to skip."""
    d = os.path.dirname(path)
    argv, emit, i = [], None, 1
    while i < len(words):
        w = words[i]
        i += 1
        if w in DROP:
            continue
        if re.fullmatch(r"[0-9]*>.*|<.*", w):  # redirections
            if w in ("2>", ">", "<", "2>>", ">>"):
                i += 1
            continue
        if w == "-o":
            i += 1
            continue
        if w.startswith("-o") and len(w) > 2 and not w.startswith("-opt"):
            continue
        m = re.fullmatch(r"--?emit=(.*)", w)
        if m:
            emit = m.group(1)
            continue
        w = w.replace("%s", path).replace("%S", d).replace("%p", d)
        if "%t" in w or "%T" in w or "%{" in w or re.search(r"%[a-z]", w):
            return None
        argv.append(w)
    if words[0] == "seqc":
        if emit in ("gpu-asm", "gpu-bin"):
            emit = "gpu-kernels"
        elif emit is None or emit not in TEXT_EMITS:
            emit = "llvm-mlir"
        argv += ["-emit=" + emit, "-o", "-"]
    return argv


def run(bindir, tool, argv, timeout):
    try:
        p = subprocess.run([os.path.join(bindir, tool)] + argv,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout, cwd=ROOT)
        return "exit %d\n--- stdout\n%s--- stderr\n%s" % (
            p.returncode, p.stdout.decode(errors="replace"),
            p.stderr.decode(errors="replace"))
    except subprocess.TimeoutExpired:
        return "timeout\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("bin_a", help="bin/ of the first build")
    ap.add_argument("bin_b", help="bin/ of the second build")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--keep", help="write both outputs of each difference here")
    ap.add_argument("--tool", choices=TOOLS,
                    help="only the commands of this tool")
    ap.add_argument("--filter", default="",
                    help="only test files whose path contains this")
    ap.add_argument("tests", nargs="*", help="test files (default: test/)")
    args = ap.parse_args()

    files = args.tests
    if not files:
        for dp, _, fs in os.walk(os.path.join(ROOT, "test")):
            files += [os.path.join(dp, f) for f in fs if f.endswith(".mlir")
                      and "/Inputs/" not in os.path.join(dp, f) + "/"]
    files = sorted(f for f in files if args.filter in f)

    tmp = tempfile.mkdtemp(prefix="seqc-cmp-")
    jobs, skipped = [], 0
    for f in files:
        rel = os.path.relpath(f, ROOT)
        for key, words in tool_commands(f):
            argv = normalize(words, os.path.abspath(f), tmp)
            if argv is None:
                skipped += 1
                continue
            if args.tool and words[0] != args.tool:
                continue
            jobs.append((rel + ":" + key, words[0], argv))

    def both(job):
        name, tool, argv = job
        return (name, run(args.bin_a, tool, argv, args.timeout),
                run(args.bin_b, tool, argv, args.timeout), argv)

    differ = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for name, a, b, argv in pool.map(both, jobs):
            if a == b:
                continue
            differ += 1
            print("DIFFER %s: %s %s" % (name, " ".join(argv[:1]),
                                        " ".join(argv[1:])[:160]))
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                base = os.path.join(args.keep, re.sub(r"[/:]", "_", name))
                for suffix, text in (("a", a), ("b", b)):
                    with open(base + "." + suffix, "w") as out:
                        out.write(text)
            sys.stdout.flush()
    print("compare-builds: %d commands from %d files, %d differ, "
          "%d skipped" % (len(jobs), len(files), differ, skipped))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Breaks a perf profile of a seqrun call down by innermost loop of the
generated code (perf_by_symbol.py stops at the symbol: an artifact's
whole kernel is one __seq_parallel_body).

    bench/perf_by_loop.py m.seqpkg -- <seqrun arguments>

compiles nothing: it extracts the shared object from the package, records
`seqrun m.seqpkg <arguments>` pinned to core 0 with one thread (perf
record, timer sampling: the KVM guest has no hardware counters), maps
each sample to its instruction (the memfd mapping's start is file offset
0 of the executable segment's page) and sums the samples per innermost
loop (a backward conditional jump's range). Each loop is labelled by its
instructions: `scores` (FMAs with an embedded or per-key broadcast at a
key-row stride, or vdpbf16ps), `P.V` (FMAs of broadcast probabilities),
`exp` (vrndscaleps), `max` (vmaxps without FMAs), else `other`; the
labels are a guess, the loop table with addresses is the record.
"""
import collections
import os
import re
import struct
import subprocess
import sys
import tempfile


def extract_so(pkg, out):
    d = open(pkg, "rb").read()
    meta, code = struct.unpack("<QQ", d[16:32])
    open(out, "wb").write(d[40 + meta:40 + meta + code])


def main():
    pkg = sys.argv[1]
    args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    tmp = tempfile.mkdtemp()
    so, data = os.path.join(tmp, "m.so"), os.path.join(tmp, "perf.data")
    extract_so(pkg, so)
    seqrun = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "seqrun")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run(["perf", "record", "-q", "-F", "2000", "-o", data, "--", "taskset", "-c", "0",
                    seqrun, pkg] + args, check=True, env=env, stdout=subprocess.DEVNULL)
    delta = 0
    for line in subprocess.run(["readelf", "-lW", so], capture_output=True, text=True).stdout.splitlines():
        p = line.split()
        if p and p[0] == "LOAD" and "E" in p[6:-1]:
            delta = int(p[2], 16) - int(p[1], 16)
    script = subprocess.run(["perf", "script", "-i", data, "--show-mmap-events", "-F", "ip,dso"],
                            capture_output=True, text=True).stdout
    base = None
    for line in subprocess.run(["perf", "script", "-i", data, "--show-mmap-events"],
                               capture_output=True, text=True).stdout.splitlines():
        if "MMAP" in line and "memfd" in line and "r-xp" in line:
            m = re.search(r"\[0x([0-9a-f]+)\(0x[0-9a-f]+\) @ (0x[0-9a-f]+|0)", line)
            base = int(m.group(1), 16) - int(m.group(2), 16)
    samples, total = collections.Counter(), 0
    for line in script.splitlines():
        p = line.split()
        if not p or "MMAP" in line:
            continue
        total += 1
        if "memfd" in line:
            samples[int(p[0], 16) - base + delta] += 1
    rows = []
    dis = subprocess.run(["llvm-objdump-22", "-d", "--no-show-raw-insn", so],
                         capture_output=True, text=True).stdout
    for line in dis.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(.*)", line)
        if m:
            rows.append((int(m.group(1), 16), m.group(2)))
    loops = []
    for a, t in rows:
        m = re.match(r"j(?!mp)\w+\s+0x([0-9a-f]+)", t)
        if m and int(m.group(1), 16) < a:
            loops.append((int(m.group(1), 16), a))
    loops.sort(key=lambda r: r[1] - r[0])
    per_loop, text = collections.Counter(), collections.defaultdict(list)
    for a, t in rows:
        for lo, hi in loops:
            if lo <= a <= hi:
                per_loop[(lo, hi)] += samples.get(a, 0)
                text[(lo, hi)].append(t)
                break

    def label(ts):
        s = " ".join(ts)
        if "vdpbf16ps" in s or ("{1to16}" in s and "fmadd" in s):
            return "scores"
        if "fmadd231ps" in s and "vbroadcastss" in s:
            offs = [int(x, 16) for x in re.findall(r"vbroadcastss\s+-?(0x[0-9a-f]+)", s)]
            return "scores" if any(o >= 0x100 for o in offs) else "P.V"
        if "vrndscale" in s:
            return "exp"
        if "vmaxps" in s and "fmadd" not in s:
            return "max"
        return "other"

    kinds = collections.Counter()
    print(f"{total} samples, {sum(samples.values())} in generated code")
    for key, c in per_loop.most_common(15):
        if c:
            print(f"  {100 * c / total:5.1f}%  loop {key[0]:#x}-{key[1]:#x}  {label(text[key])}")
    for key, c in per_loop.items():
        kinds[label(text[key])] += c
    kinds["outside loops"] = total - sum(per_loop.values())
    for k, c in kinds.most_common():
        print(f"{k:14s} {100 * c / total:5.1f}%")


if __name__ == "__main__":
    main()

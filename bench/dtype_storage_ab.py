#!/usr/bin/env python3
"""Interleaved A/B of seqc artifacts by process CPU time and peak RSS, one
thread pinned to core 0: prefill of 40 and 512 prompt tokens (one new
token) and decode (40 prompt tokens, --new-tokens new ones; the decode
cost per token is that run's CPU time minus the prefill-40 run's, divided
by the extra tokens).

    python3 bench/dtype_storage_ab.py --weights m.gguf \\
        --artifact main=/tmp/a.seqpkg --artifact new=/tmp/b.seqpkg \\
        [--seqrun build/bin/seqrun] [--rounds 5] [--new-tokens 33]

Each (mode, artifact) runs once per round, artifacts interleaved; the
line gives the median user+sys CPU ms, the median max RSS (MiB,
/usr/bin/time -f %M) and each artifact's ratio to the first.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_e2e  # noqa: E402


def run(seqrun, artifact, weights, ids, new_tokens):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with tempfile.NamedTemporaryFile("r") as f:
        cmd = ["/usr/bin/time", "-o", f.name, "-f", "%U %S %M", "taskset",
               "-c", "0", seqrun, artifact, "--weights", weights,
               "--prompt-ids", " ".join(map(str, ids)), "--max-new-tokens",
               str(new_tokens), "--eos", "0", "--threads", "1"]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(cmd), out.stderr))
        user, sys_, rss = f.read().split()[-3:]
    return (float(user) + float(sys_)) * 1000.0, int(rss) / 1024.0, out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--artifact", action="append", required=True)
    ap.add_argument("--seqrun", default="build/bin/seqrun")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--new-tokens", type=int, default=33)
    ap.add_argument("--modes", default="p40,p512,decode")
    args = ap.parse_args()
    arts = [a.split("=", 1) for a in args.artifact]
    modes = {"p40": (40, 1), "p512": (512, 1), "decode": (40, args.new_tokens)}
    wanted = args.modes.split(",")
    if "decode" in wanted and "p40" not in wanted:
        wanted.insert(0, "p40")
    res = {(m, l): [] for m in wanted for l, _ in arts}
    tokens = {}
    for r in range(args.rounds):
        for m in wanted:
            n, new = modes[m]
            ids = bench_e2e.prompt_ids(n)
            for label, path in arts:
                cpu, rss, out = run(args.seqrun, path, args.weights, ids, new)
                res[(m, label)].append((cpu, rss))
                tokens.setdefault((m, label), out.split())
                print("round %d %s %s cpu_ms=%.1f rss_mib=%.1f" %
                      (r + 1, m, label, cpu, rss), flush=True)
    for (m, label), toks in tokens.items():
        if toks != tokens[(m, arts[0][0])]:
            print("TOKENS DIFFER: %s %s" % (m, label))
    print("\nmode artifact cpu_ms(median) ratio rss_mib(median) ratio")
    for m in wanted:
        base = None
        for label, _ in arts:
            cpus = [c for c, _ in res[(m, label)]]
            if m == "decode":
                p = [c for c, _ in res[("p40", label)]]
                cpus = [(c - q) / (args.new_tokens - 1) for c, q in zip(cpus, p)]
            cpu = statistics.median(cpus)
            rss = statistics.median([x for _, x in res[(m, label)]])
            if base is None:
                base = (cpu, rss)
            name = "decode/token" if m == "decode" else m
            print("%s %s %.2f %.3f %.1f %.3f" % (name, label, cpu, cpu / base[0],
                                                 rss, rss / base[1]))


if __name__ == "__main__":
    main()

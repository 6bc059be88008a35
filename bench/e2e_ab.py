#!/usr/bin/env python3
"""Interleaved A/B of compiled GGUF artifacts: prefill and decode of
`seqrun --prompt-ids`, every artifact once per round, pinned with taskset.

    python3 bench/e2e_ab.py --weights model.gguf \\
        --artifact before=/tmp/a.seqpkg --artifact after=/tmp/b.seqpkg \\
        [--threads 2] [--rounds 5] [--prompt-lengths 40,512] [--new-tokens 64]

For each (artifact, prompt length) it prints the medians of the prefill
time, the decode tokens/s and the process CPU time per decode token
(user + system of seqrun over the whole run, minus nothing: a comparison
between artifacts of the same run only), with the load average before and
after. The prompts are bench_e2e.py's token ids. Wall times on a loaded
machine measure the scheduler as much as the code: compare the artifacts
of one run with each other, round by round.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_e2e  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def run(seqrun, artifact, weights, ids, new_tokens, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = ["taskset", "-c", bench_e2e.cores(threads), str(seqrun), artifact,
           "--weights", weights, "--prompt-ids", " ".join(map(str, ids)),
           "--max-new-tokens", str(new_tokens), "--eos", "0"]
    before = os.times()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    after = os.times()
    if out.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), out.stderr))
    cpu = (after.children_user - before.children_user +
           after.children_system - before.children_system)
    prefill = float(re.search(r"prefill ([0-9.]+) ms", out.stderr).group(1))
    m = re.search(r"(\d+) decode steps in ([0-9.]+) ms", out.stderr)
    steps, ms = int(m.group(1)), float(m.group(2))
    return prefill, steps / (ms / 1000.0), cpu, out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--artifact", action="append", required=True,
                    help="LABEL=PATH (repeatable)")
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--prompt-lengths", default="40,512")
    ap.add_argument("--new-tokens", type=int, default=64)
    args = ap.parse_args()
    seqrun = Path(args.build) / "bin/seqrun"
    arts = [a.split("=", 1) for a in args.artifact]
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    for n in (int(v) for v in args.prompt_lengths.split(",")):
        ids = bench_e2e.prompt_ids(n)
        res = {label: [] for label, _ in arts}
        tokens = {}
        for _ in range(args.rounds):
            for label, path in arts:
                p, d, cpu, out = run(seqrun, path, args.weights, ids,
                                     args.new_tokens, args.threads)
                res[label].append((p, d, cpu))
                tokens.setdefault(label, out)
        med = statistics.median
        first = arts[0][0]
        for label, _ in arts:
            ps, ds, cs = zip(*res[label])
            same = "same tokens" if tokens[label] == tokens[first] else \
                "TOKENS DIFFER from " + first
            print(f"prompt {n}, {label}: prefill {med(ps):.1f} ms, decode "
                  f"{med(ds):.1f} tok/s (runs {' '.join(f'{d:.1f}' for d in ds)}),"
                  f" CPU {med(cs):.2f} s/run; {same}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

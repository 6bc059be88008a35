#!/usr/bin/env python3
"""Interleaved per-call CPU A/B of seqc decoder artifacts (SmolLM2-shaped:
prefill/decode entries with 2 * layers zero caches), one thread pinned to
core 0, by perf stat task-clock: per call = (tc(reps + 1) - tc(1)) / reps,
so loading the weights is not counted.

    python3 bench/dtype_storage_percall.py --weights m.gguf \\
        --artifact main=/tmp/a.seqpkg --artifact new=/tmp/b.seqpkg \\
        [--seqrun build/bin/seqrun] [--rounds 5] [--modes p40,p512,dec]

Modes: prefill of 40 / 512 prompt tokens (bench_e2e.prompt_ids) from
position 0, and one decode step (token 761) at position 40. Prints every
round and, per mode, each artifact's median and its ratio to the first.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_e2e  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--artifact", action="append", required=True)
    ap.add_argument("--seqrun", default="build/bin/seqrun")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--modes", default="p40,p512,dec")
    ap.add_argument("--caches", type=int, default=60,
                    help="cache inputs after ids and start (2 per layer)")
    args = ap.parse_args()
    arts = [a.split("=", 1) for a in args.artifact]
    tmp = tempfile.mkdtemp()

    def save(name, array):
        path = os.path.join(tmp, name)
        np.save(path, array)
        return path

    ids40 = save("p40.npy", np.array([bench_e2e.prompt_ids(40)], np.int32))
    ids512 = save("p512.npy", np.array([bench_e2e.prompt_ids(512)], np.int32))
    start = save("start.npy", np.array([0], np.int32))
    tok = save("tok.npy", np.array([[761]], np.int32))
    pos = save("pos.npy", np.array([40], np.int32))
    modes = {
        "p40": (["--entry", "prefill", "--input", "0=" + ids40, "--input",
                 "1=" + start], 5),
        "p512": (["--entry", "prefill", "--input", "0=" + ids512, "--input",
                  "1=" + start], 2),
        "dec": (["--entry", "decode", "--input", "0=" + tok, "--input",
                 "1=" + pos], 40),
    }
    zeros = []
    for i in range(2, 2 + args.caches):
        zeros += ["--zeros", str(i)]
    env = dict(os.environ, OMP_NUM_THREADS="1")

    def tc(artifact, inputs, reps):
        cmd = (["perf", "stat", "-x,", "-e", "task-clock", "taskset", "-c",
                "0", args.seqrun, artifact, "--weights", args.weights] +
               inputs + zeros + ["--bench", "--warmup", "0", "--reps",
                                 str(reps), "--threads", "1"])
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        for line in out.stderr.splitlines():
            if "task-clock" in line:
                return float(line.split(",")[0])
        sys.exit("failed: %s\n%s" % (" ".join(cmd), out.stderr))

    wanted = args.modes.split(",")
    res = {}
    for r in range(args.rounds):
        for m in wanted:
            inputs, reps = modes[m]
            for label, path in arts:
                v = (tc(path, inputs, reps + 1) - tc(path, inputs, 1)) / reps
                res.setdefault((m, label), []).append(v)
                print("round %d %s %s %.2f ms" % (r + 1, m, label, v),
                      flush=True)
    print()
    for m in wanted:
        base = statistics.median(res[(m, arts[0][0])])
        for label, _ in arts:
            med = statistics.median(res[(m, label)])
            print("%s %s median %.2f ms ratio %.3f all %s" %
                  (m, label, med, med / base,
                   " ".join("%.1f" % x for x in res[(m, label)])))


if __name__ == "__main__":
    main()

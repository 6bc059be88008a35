#!/usr/bin/env python3
"""seqrt's thread pool against libomp (issue #10), interleaved A/B.

Compiles the tiny bundled model and (with SEQC_SMOLLM2_GGUF) SmolLM2 with
`--parallel-runtime=seqrt` and `=omp` at the given grains, then runs every
(artifact, threads) configuration once per round, pinned (`taskset -c 0`
for 1 thread, `-c 0,1` for 2), and prints medians with the load average.

    python3 bench/pool_ab.py --build build --rounds 5 [--smollm2] [--grains 22,18]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = os.path.join(ROOT, "examples", "tiny_hybrid")


def load():
    return os.getloadavg()[0]


def run(cmd, cpus, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run(["taskset", "-c", cpus] + cmd, env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), out.stderr))
    return out.stdout + out.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--grains", default="22,0",
                    help="log2 of -parallel-min-work for the tiny model")
    ap.add_argument("--smollm2", action="store_true")
    ap.add_argument("--smol-grains", default="22,18")
    ap.add_argument("--prompt-len", type=int, default=40)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--work", default="/tmp/pool_ab")
    args = ap.parse_args()
    seqc = os.path.join(args.build, "bin", "seqc")
    seqrun = os.path.join(args.build, "bin", "seqrun")
    os.makedirs(args.work, exist_ok=True)
    configs = []  # (name, command, kind)
    for runtime in ("seqrt", "omp"):
        for g in args.grains.split(","):
            art = os.path.join(args.work, "tiny-%s-%s.seqpkg" % (runtime, g))
            grain = "0" if g == "0" else str(1 << int(g))
            subprocess.run([seqc, os.path.join(TINY, "model.mlir"),
                            "-parallel-runtime=" + runtime,
                            "-parallel-min-work=" + grain, "-o", art],
                           check=True)
            cmd = [seqrun, art, "--entry", "generate", "--weights",
                   os.path.join(TINY, "weights.safetensors"), "--input",
                   "0=" + os.path.join(TINY, "prompt.npy"), "--input", "1=42",
                   "--bench", "--warmup", "5", "--reps", "100"]
            configs.append(("tiny %s grain %s" % (runtime,
                            "2^" + g if g != "0" else "0"), cmd, "tiny"))
    if args.smollm2:
        gguf = os.environ["SEQC_SMOLLM2_GGUF"]
        ids = " ".join(str(100 + (37 * i) % 9000)
                       for i in range(args.prompt_len))
        for runtime in ("seqrt", "omp"):
            for g in args.smol_grains.split(","):
                art = os.path.join(args.work, "smol-%s-%s.seqpkg" % (runtime, g))
                if not os.path.exists(art):
                    subprocess.run([seqc, gguf, "--max-seq-len=1024",
                                    "-parallel-runtime=" + runtime,
                                    "-parallel-min-work=" + str(1 << int(g)),
                                    "-o", art], check=True)
                cmd = [seqrun, art, "--weights", gguf, "--prompt-ids", ids,
                       "--max-new-tokens", str(args.new_tokens), "--eos", "0"]
                configs.append(("smollm2 %s grain 2^%s" % (runtime, g), cmd,
                                "smol"))
    results = {}
    loads = []
    for r in range(args.rounds):
        for name, cmd, kind in configs:
            for threads, cpus in ((1, "0"), (2, "0,1")):
                loads.append(load())
                text = run(cmd, cpus, threads)
                key = (name, threads)
                if kind == "tiny":
                    m = re.search(r"([0-9.]+) tokens/s", text)
                    results.setdefault(key, []).append(float(m.group(1)))
                else:
                    pre = re.search(r"prefill ([0-9.]+) (ms|s)", text)
                    dec = re.search(r"decode steps in [0-9.]+ ms: ([0-9.]+) tokens/s", text)
                    pms = float(pre.group(1)) * (1000 if pre.group(2) == "s" else 1)
                    results.setdefault(key, []).append((pms, float(dec.group(1))))
        print("round %d done, load %.1f" % (r + 1, load()), file=sys.stderr)
    print("load average (1 min) during the runs: %.1f - %.1f" %
          (min(loads), max(loads)))
    print()
    print("| config | threads | median | runs |")
    print("| --- | ---: | ---: | --- |")
    for (name, threads), values in results.items():
        if isinstance(values[0], tuple):
            pre = statistics.median(v[0] for v in values)
            dec = statistics.median(v[1] for v in values)
            runs = " ".join("%.1f" % v[1] for v in values)
            print("| %s | %d | prefill %d tok %.0f ms (%.1f tok/s), decode %.1f tok/s | %s |"
                  % (name, threads, args.prompt_len, pre,
                     args.prompt_len * 1000 / pre, dec, runs))
        else:
            print("| %s | %d | %.0f tok/s | %s |" % (
                name, threads, statistics.median(values),
                " ".join("%.0f" % v for v in values)))


if __name__ == "__main__":
    main()

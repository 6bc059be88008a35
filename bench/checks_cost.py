#!/usr/bin/env python3
"""What the run-time checks of generated code cost (issue #11).

    python3 bench/checks_cost.py [--rounds 5] [--threads 2] [--smollm2]
        [--clock cpu|wall] [--out bench/results/cpu-<date>-checks-cost.md]

For a few bench_cpu.py kernels it compiles each case three ways: the
default (run-time checks on), `--runtime-checks=false` (the checks of
status 1-4 left out; only for this measurement) and `--bounds-checks`
(the debug mode), and times them with `seqrun --bench` on pinned threads,
interleaved: every round runs every variant once (median of --reps calls
after --warmup), and the report gives the median over the rounds and the
ratio checks-on / checks-off. With --smollm2 it also decodes 64 greedy
tokens of SmolLM2-135M Q4_1 (~/.cache/seqc) compiled with and without the
checks, interleaved the same way, and compares decode tokens/s.
Times are process CPU time by default (`seqrun --bench`'s "cpu median";
for the decode, the run's CPU time), which a machine shared with other
builds inflates far less than wall time; --clock wall for wall time.
Needs numpy and torch (bench_cpu.py's cases); dev only, not CI.
"""
import argparse
import datetime
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cpu  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = [("checks on", []), ("checks off", ["--runtime-checks=false"]),
            ("bounds checks", ["--bounds-checks"])]
CASES = [bench_cpu.attention_prefill, bench_cpu.attention_decode,
         bench_cpu.mamba_scan, bench_cpu.moe_layer, bench_cpu.llama_mlp,
         bench_cpu.quant_decode_q4_1]


def compile_case(build, src, pkg, flags):
    subprocess.run([str(build / "bin/seqc"), str(src), "-o", str(pkg)] + flags,
                   check=True)


def run_time(build, pkg, args, n, warmup, reps, clock):
    """Median ms per call: the process's CPU time (clock "cpu", what a
    loaded machine does not inflate) or the wall time ("wall")."""
    env, pin = bench_cpu.pinned_env(n)
    cmd = pin + [str(build / "bin/seqrun"), str(pkg), "--bench", "--warmup",
                 str(warmup), "--reps", str(reps)] + args
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env=env).stdout
    pattern = r"cpu median ([\d.]+) ms" if clock == "cpu" else \
        r"': median ([\d.]+) ms"
    return float(re.search(pattern, out).group(1)) / 1e3


def decode_rate(build, pkg, gguf, n, tokens, clock):
    """Decode tokens/s: over the run's CPU time (clock "cpu": loading
    included, the same for both variants) or as seqrun reports it."""
    env, pin = bench_cpu.pinned_env(n)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        pin + [str(build / "bin/seqrun"), str(pkg), "--weights", str(gguf),
               "--prompt-ids", "1 2 3 4 5 6 7 8", "--max-new-tokens",
               str(tokens), "--eos", "49000"],
        check=True, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if clock == "cpu":
        cpu = (after.ru_utime - before.ru_utime) + \
            (after.ru_stime - before.ru_stime)
        return tokens / cpu
    return float(re.search(r"([\d.]+) tokens/s\s*$", out.stderr + out.stdout,
                           re.M).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--smollm2", action="store_true")
    parser.add_argument("--no-bounds", action="store_true",
                        help="skip the --bounds-checks variant")
    parser.add_argument("--skip-kernels", action="store_true",
                        help="only the SmolLM2 decode (with --smollm2)")
    parser.add_argument("--clock", choices=["cpu", "wall"], default="cpu",
                        help="time calls by process CPU time (default) or "
                        "wall time")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    build = Path(args.build)
    variants = [v for v in VARIANTS
                if not (args.no_bounds and v[0] == "bounds checks")]
    rows = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for case in [] if args.skip_kernels else CASES:
            rng = np.random.default_rng(0)
            label, ir, inputs, _, _, _ = case(rng)
            src = tmp / "case.mlir"
            src.write_text(ir)
            run_args = []
            for i, a in enumerate(inputs):
                path = tmp / f"in{i}.npy"
                np.save(path, a)
                run_args += ["--input", f"{i}={path}"]
            pkgs = []
            for name, flags in variants:
                pkg = tmp / f"{len(pkgs)}.seqpkg"
                compile_case(build, src, pkg, flags)
                pkgs.append(pkg)
            times = [[] for _ in variants]
            for _ in range(args.rounds):
                for v, pkg in enumerate(pkgs):
                    times[v].append(run_time(
                        build, pkg, run_args, args.threads, args.warmup,
                        args.reps, args.clock))
            medians = [statistics.median(t) * 1e3 for t in times]
            rows.append((label, medians, times))
            print(label, " ".join(f"{m:.3f}" for m in medians), flush=True)
        if args.smollm2:
            gguf = Path.home() / ".cache/seqc/SmolLM2-135M-Instruct.Q4_1.gguf"
            pkgs = []
            for name, flags in variants[:2]:
                pkg = tmp / f"smollm2-{len(pkgs)}.seqpkg"
                subprocess.run([str(build / "bin/seqc"), str(gguf),
                                "--max-seq-len=512", "-o", str(pkg)] + flags,
                               check=True)
                pkgs.append(pkg)
            rates = [[] for _ in pkgs]
            for _ in range(args.rounds):
                for v, pkg in enumerate(pkgs):
                    rates[v].append(decode_rate(build, pkg, gguf, args.threads,
                                                64, args.clock))
            medians = [statistics.median(r) for r in rates]
            rows.append(("SmolLM2-135M Q4_1 decode, tokens/s (higher is "
                         "better)", medians, rates))
            print("smollm2", medians, flush=True)
    load_after = os.getloadavg()

    lines = [f"# Cost of the run-time checks ({datetime.date.today()})", "",
             f"`python3 bench/checks_cost.py --rounds {args.rounds} "
             f"--threads {args.threads} --clock {args.clock}"
             f"{' --smollm2' if args.smollm2 else ''}"
             f"{' --skip-kernels' if args.skip_kernels else ''}`"
             f": {args.threads} threads pinned (`taskset -c 0-"
             f"{args.threads - 1}`), every variant once per round "
             f"(interleaved), each a median of {args.reps} calls after "
             f"{args.warmup} warm-up calls; the table gives the median over "
             f"the {args.rounds} rounds. Load average "
             f"{load_before[0]:.1f} before, {load_after[0]:.1f} after "
             f"(a machine shared with other builds: single rounds vary by "
             f"more than the checks cost; see the spread).", "",
             "| case | " + " | ".join(v[0] for v in variants) +
             " | on / off | spread of on / off over rounds |",
             "| --- | " + " | ".join("---" for _ in variants) + " | --- | --- |"]
    for label, medians, raw in rows:
        unit = "" if "tokens/s" in label else " ms"
        cells = [f"{m:.3f}{unit}" for m in medians]
        cells += ["" for _ in range(len(variants) - len(medians))]
        ratios = [a / b for a, b in zip(raw[0], raw[1])]
        lines.append(f"| {label} | " + " | ".join(cells) +
                     f" | {medians[0] / medians[1]:.3f} | "
                     f"{min(ratios):.3f} - {max(ratios):.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

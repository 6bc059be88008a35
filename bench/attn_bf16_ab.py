#!/usr/bin/env python3
"""Interleaved A/B of seqc variants on bench_cpu.py's attention cases, in
per-call CPU time (perf stat task-clock, pinned to core 0, one thread; see
cpu_time_ab.py), for a machine too loaded for wall-clock medians.

    python3 bench/attn_bf16_ab.py [--only bf16] [--rounds 5] \\
        --variant old=/tmp/base/bin/seqc \\
        --variant nodot=build/bin/seqc:-mattr=-avx512bf16 \\
        --variant dot=build/bin/seqc

A variant is name=seqc[:flag,flag...]; every variant runs with the seqrun
next to the first one's seqc. Per round each variant is timed once, in the
order given; the table gives the medians, each variant's ratio to the first
and, for compute-bound cases, GFLOP/s; memory-bound ones also the
fraction of a 256 MiB copy timed in the same rounds.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cpu  # noqa: E402
import cpu_time_ab  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default="attention", choices=sorted(bench_cpu.SETS))
    parser.add_argument("--only", default="")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--variant", action="append", required=True)
    parser.add_argument("--work-ms", type=float, default=600)
    args = parser.parse_args()
    variants = []
    for v in args.variant:
        name, spec = v.split("=", 1)
        seqc, _, flags = spec.partition(":")
        variants.append((name, Path(seqc).resolve(), [f for f in flags.split(",") if f]))
    run_build = variants[0][1].parent.parent
    import os
    os.sched_setaffinity(0, {0})
    rng = np.random.default_rng(0)
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for make in bench_cpu.SETS[args.set]:
            if args.only not in make.__name__:
                continue
            label, ir, inputs, ref, flops, bytes_ = make(rng)
            src = tmp / f"{make.__name__}.mlir"
            src.write_text(ir)
            run_args = []
            for i, a in enumerate(inputs):
                path = tmp / f"{make.__name__}.in{i}.npy"
                np.save(path, a)
                run_args += ["--input", f"{i}={path}"]
            pkgs = {}
            for name, seqc, flags in variants:
                pkg = tmp / f"{make.__name__}_{name}.seqpkg"
                subprocess.run([str(seqc), str(src), "-o", str(pkg)] + flags, check=True)
                pkgs[name] = pkg
            first = variants[0][0]
            t1 = cpu_time_ab.seqc_cpu_ms(run_build, pkgs[first], run_args, 2)
            n = max(2, min(200, int(args.work_ms / max(t1, 1e-3))))
            times = {name: [] for name in pkgs}
            copies = []
            for _ in range(args.rounds):
                if bytes_:
                    copies.append(cpu_time_ab.copy_cpu_gbs())
                for name in pkgs:
                    times[name].append(
                        cpu_time_ab.seqc_cpu_ms(run_build, pkgs[name], run_args, n))
            med = {k: statistics.median(v) for k, v in times.items()}
            copy = statistics.median(copies) if copies else None
            print(f"{label} ({args.rounds} rounds x {n} calls)")
            for name in pkgs:
                line = (f"  {name}: {med[name]:.2f} ms (min {min(times[name]):.2f}, "
                        f"max {max(times[name]):.2f}), {first}/{name} "
                        f"{med[first] / med[name]:.3f}x")
                if flops:
                    line += f", {flops / med[name] / 1e6:.1f} GFLOP/s"
                if bytes_:
                    gbs = bytes_ / med[name] / 1e6
                    line += f", {gbs:.1f} GB/s = {100 * gbs / copy:.0f}% of copy ({copy:.1f} GB/s)"
                print(line, flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

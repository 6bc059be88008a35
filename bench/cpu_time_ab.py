#!/usr/bin/env python3
"""Per-call CPU time of seqc artifacts and of the PyTorch reference, one
thread, for a machine too loaded for wall-clock medians.

    python3 bench/cpu_time_ab.py [--set attention] [--only d128] [--rounds 5]
        [--build build] [--build-b /path/to/other/build]

On a shared machine with a load of 15-20 on 2 cores a pinned process gets
a fraction of its core, so `seqrun --bench` wall medians measure the
scheduler. Here each seqc call is timed by task-clock (perf stat):
(task-clock(reps = N + 1) - task-clock(reps = 1)) / N, which removes the
input loading, and torch by time.process_time() around N calls (both
pinned to core 0, one thread, OMP/torch threads 1). With --build-b the
same cases are also compiled by a second build (e.g. main) and the two are
interleaved round by round (A/B). Medians over --rounds. Memory-bound
cases still share the memory bus with the other processes; for them each
round also times a 256 MiB copy (torch, one thread, CPU time) and the
line gives the fraction of that copy bandwidth.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cpu  # noqa: E402


def task_clock_ms(build, pkg, args, reps):
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_PROC_BIND="true")
    out = subprocess.run(
        ["perf", "stat", "-x,", "-e", "task-clock", "taskset", "-c", "0",
         str(build / "bin/seqrun"), str(pkg), "--bench", "--warmup", "0", "--reps",
         str(reps)] + args, check=True, capture_output=True, text=True, env=env).stderr
    for line in out.splitlines():
        if "task-clock" in line:
            return float(line.split(",")[0])
    raise RuntimeError(out)


def seqc_cpu_ms(build, pkg, args, n):
    return (task_clock_ms(build, pkg, args, n + 1) - task_clock_ms(build, pkg, args, 1)) / n


def torch_cpu_ms(ref, n):
    with torch.no_grad():
        ref()
        t = time.process_time()
        for _ in range(n):
            ref()
        return (time.process_time() - t) / n * 1e3


def copy_cpu_gbs():
    """Read + write GB/s of CPU time of a 256 MiB copy (one torch thread,
    best of 5): the bandwidth reference of a round."""
    a = torch.ones(64 * 1024 * 1024)
    b = torch.empty_like(a)
    b.copy_(a)
    best = 1e9
    for _ in range(5):
        t = time.process_time()
        b.copy_(a)
        best = min(best, time.process_time() - t)
    return 2 * a.numel() * 4 / best / 1e9


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default="attention", choices=sorted(bench_cpu.SETS))
    parser.add_argument("--only", default="")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--build", default=str(bench_cpu.ROOT / "build"))
    parser.add_argument("--build-b", default=None)
    parser.add_argument("--work-ms", type=float, default=1000)
    args = parser.parse_args()
    builds = {"seqc": Path(args.build)}
    if args.build_b:
        builds["seqc-b"] = Path(args.build_b)
    os.sched_setaffinity(0, {0})
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for make in bench_cpu.SETS[args.set]:
            if args.only not in make.__name__:
                continue
            label, ir, inputs, ref, flops, bytes_ = make(rng)
            pkgs = {}
            for name, build in builds.items():
                pkgs[name] = bench_cpu.seqc_compile(build, ir, inputs, tmp,
                                                    f"{make.__name__}_{name}")
            # About --work-ms of seqc CPU time per measurement.
            t1 = seqc_cpu_ms(builds["seqc"], *pkgs["seqc"], 2)
            n = max(2, min(200, int(args.work_ms / max(t1, 1e-3))))
            times = {k: [] for k in list(pkgs) + ["torch"]}
            copies = []
            for _ in range(args.rounds):
                if bytes_:
                    copies.append(copy_cpu_gbs())
                for name, (pkg, run_args) in pkgs.items():
                    times[name].append(seqc_cpu_ms(builds[name], pkg, run_args, n))
                times["torch"].append(torch_cpu_ms(ref, max(2, n // 4)))
            med = {k: statistics.median(v) for k, v in times.items()}
            work = (f"{flops / med['seqc'] / 1e6:.1f} GFLOP/s" if flops else
                    f"{bytes_ / med['seqc'] / 1e6:.1f} GB/s")
            if copies:
                # Memory-bound cases: against the copy of the same rounds.
                copy = statistics.median(copies)
                work += (f" = {100 * bytes_ / med['seqc'] / 1e6 / copy:.0f}% of "
                         f"the copy bandwidth ({copy:.1f} GB/s)")
                if "seqc-b" in med:
                    work += (f"; seqc-b "
                             f"{100 * bytes_ / med['seqc-b'] / 1e6 / copy:.0f}%")
            line = f"{label}: seqc {med['seqc']:.2f} ms"
            if "seqc-b" in med:
                line += f", seqc-b {med['seqc-b']:.2f} ms (b/a {med['seqc-b'] / med['seqc']:.2f}x)"
            line += (f", torch {med['torch']:.2f} ms, torch/seqc "
                     f"{med['torch'] / med['seqc']:.2f}x, seqc {work} (CPU time)")
            print(line, flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Interleaved CPU-time A/B of the MoE cases of bench_cpu.py's moescan set
(T1, T8, T64, T512 of Mixtral-style Dm1024 F3584 E8 top-2 f32) for a
loaded machine: each build's package is timed by `seqrun --bench`'s
per-call CPU median, pinned to core 0, one thread; the builds alternate
round by round (order flipped each round), medians over --rounds. Each
round also times the torch eager reference (--torch, process time), and
for compute-bound cases bench/fma_peak.c (8-lane vectors) and its 16-lane
variant in CPU time, for memory-bound ones a 256 MiB copy and a read.

    python3 bench/moe_cpu_ab.py --build base=/tmp/old/bin --build new=build/bin \
        [--cases t1,t8,t64,t512] [--rounds 5] [--torch]

--build NAME=BINDIR[:VAR=VALUE,...] compiles with those environment
variables set (seqc's SEQC_OPTIONS, say)."""
import argparse, os, re, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cpu

CASES = {"t1": bench_cpu.issue_moe_decode_t1, "t8": bench_cpu.issue_moe_decode_t8,
         "t64": bench_cpu.issue_moe_layer, "t512": bench_cpu.issue_moe_layer_t512}
# bf16 activations and experts: t1b, t8b, t64b, t512b.
for _c, _t in (("t1b", 1), ("t8b", 8), ("t64b", 64), ("t512b", 512)):
    CASES[_c] = (lambda t: lambda rng: bench_cpu.issue_moe_layer_bf16(rng, t))(_t)
REPS = {"t1": 60, "t8": 30, "t64": 15, "t512": 5, "t1b": 60, "t8b": 30, "t64b": 15, "t512b": 5}

def seqrun_cpu(bindir, pkg, args, reps):
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_PROC_BIND="true")
    out = subprocess.run(["taskset", "-c", "0", f"{bindir}/seqrun", str(pkg), "--bench",
                          "--warmup", "2", "--reps", str(reps), "--threads", "1"] + args,
                         check=True, capture_output=True, text=True, env=env).stdout
    return float(re.search(r"cpu median ([\d.]+) ms", out).group(1))

def torch_cpu(ref, n):
    with torch.no_grad():
        ref(); ref()
        ts = []
        for _ in range(n):
            t = time.process_time(); ref(); ts.append(time.process_time() - t)
    return statistics.median(ts) * 1e3

def read_gbs():
    a = torch.ones(64 * 1024 * 1024); best = 1e9
    for _ in range(5):
        t = time.process_time(); a.sum(); best = min(best, time.process_time() - t)
    return a.numel() * 4 / best / 1e9

FMA = {}


def fma_exes(work):
    """bench/fma_peak.c timed by process CPU time, with 8- and 16-lane
    vectors (the 16-lane one compiled with -mprefer-vector-width=512)."""
    src = (Path(__file__).resolve().parent / "fma_peak.c").read_text()
    src = src.replace("#include <stdlib.h>", "#include <stdlib.h>\n#include <time.h>\n"
                      "static double cpu_now(void){struct timespec t;"
                      "clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);"
                      "return t.tv_sec+1e-9*t.tv_nsec;}").replace("omp_get_wtime()", "cpu_now()")
    wide = (src.replace("vector_size(32)", "vector_size(64)").replace("l < 8", "l < 16")
            .replace("2.0 * 8 *", "2.0 * 16 *")
            .replace("x = {1, 1, 1, 1, 1, 1, 1, 1}", "x = {" + ", ".join(["1"] * 16) + "}"))
    for name, text, extra in (("fma8", src, []), ("fma16", wide, ["-mprefer-vector-width=512"])):
        c = work / f"{name}.c"
        c.write_text(text)
        subprocess.run(["clang-22", "-O2", "-march=native", "-ffp-contract=fast", "-fopenmp"]
                       + extra + [str(c), "-o", str(work / name)], check=True)
        FMA[name] = str(work / name)


def fma(exe):
    out = subprocess.run(["taskset", "-c", "0", exe, "20000000"], capture_output=True,
                         text=True, env=dict(os.environ, OMP_NUM_THREADS="1")).stdout
    return float(out)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", action="append", required=True, help="name=bindir")
    p.add_argument("--cases", default="t1,t8,t64,t512")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--torch", action="store_true")
    p.add_argument("--work", default=None, help="directory for packages and inputs")
    a = p.parse_args()
    builds = dict(x.split("=", 1) for x in a.build)
    os.sched_setaffinity(0, {0}); torch.set_num_threads(1)
    work = Path(a.work or tempfile.mkdtemp(prefix="moe_ab_")); work.mkdir(parents=True, exist_ok=True)
    fma_exes(work)
    print(f"load before {os.getloadavg()[0]:.1f}", flush=True)
    for case in a.cases.split(","):
        rng = np.random.default_rng(0)
        # advance rng like bench_cpu's moescan order would not matter: seed per case
        label, ir, inputs, ref, flops, bytes_ = CASES[case](rng)
        pkgs = {}
        for n, d in builds.items():
            bindir, _, envs = d.partition(":")
            # VAR=VALUE pairs split at commas that start another VAR=.
            env = dict(x.split("=", 1) for x in re.split(r",(?=\w+=)", envs) if x)
            old = dict(os.environ); os.environ.update(env)
            try:
                pkgs[n] = bench_cpu.seqc_compile(Path(bindir).parent, ir, inputs, work, f"{case}_{n}")
            finally:
                os.environ.clear(); os.environ.update(old)
        builds_bin = {n: d.partition(":")[0] for n, d in builds.items()}
        res = {n: [] for n in builds}; res["torch"] = []; copies = []; reads = []; f8 = []; f16 = []
        names = list(builds)
        for r in range(a.rounds):
            order = names if r % 2 == 0 else names[::-1]
            for n in order:
                res[n].append(seqrun_cpu(builds_bin[n], *pkgs[n], REPS[case]))
            if a.torch:
                res["torch"].append(torch_cpu(ref, max(3, REPS[case] // 3)))
            if bytes_:
                reads.append(read_gbs()); copies.append(bench_cpu_copy())
            else:
                f8.append(fma(FMA["fma8"])); f16.append(fma(FMA["fma16"]))
            print(case, r, {k: round(v[-1], 2) for k, v in res.items() if v}, flush=True)
        med = {k: statistics.median(v) for k, v in res.items() if v}
        line = f"{label}:"
        for n in names:
            m = med[n]
            if flops:
                g = flops / m / 1e6
                line += (f" {n} {m:.2f} ms ({g:.1f} GFLOP/s = {100*g/statistics.median(f8):.0f}% of "
                         f"fma_peak.c {statistics.median(f8):.0f}, {100*g/statistics.median(f16):.0f}% of "
                         f"512-bit {statistics.median(f16):.0f});")
            else:
                g = bytes_ / m / 1e6
                line += (f" {n} {m:.2f} ms ({g:.1f} GB/s = {100*g/statistics.median(copies):.0f}% of copy "
                         f"{statistics.median(copies):.1f}, {100*g/statistics.median(reads):.0f}% of read "
                         f"{statistics.median(reads):.1f});")
        if len(names) > 1:
            line += f" {names[1]}/{names[0]} {med[names[1]]/med[names[0]]:.3f}x;"
            pairs = [res[names[1]][i] / res[names[0]][i] for i in range(a.rounds)]
            line += f" per-round ratios {[round(x,3) for x in pairs]};"
        if "torch" in med:
            line += f" torch {med['torch']:.2f} ms, torch/{names[0]} {med['torch']/med[names[0]]:.2f}x"
            if len(names) > 1:
                line += f", torch/{names[-1]} {med['torch']/med[names[-1]]:.2f}x"
        print(line, flush=True)
    print(f"load after {os.getloadavg()[0]:.1f}", flush=True)

def bench_cpu_copy():
    a = torch.ones(64 * 1024 * 1024); b = torch.empty_like(a); b.copy_(a); best = 1e9
    for _ in range(5):
        t = time.process_time(); b.copy_(a); best = min(best, time.process_time() - t)
    return 2 * a.numel() * 4 / best / 1e9

if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Splits the eager reference of bench_cpu.py's MoE cases (Hugging Face
Mixtral loop) into its expert matmuls and the rest (router, top-k, masks,
gathers, index_add_): process CPU time, one thread, pinned to --core.
The matmul share is what torch's MKL/oneDNN sgemm (or bf16 kernels) takes
for the same per-expert GEMMs that seqc's panel kernel runs.

    python3 bench/moe_torch_split.py [--cases t64,t512,t512b] [--reps 5]"""
import argparse, os, statistics, sys, time
from pathlib import Path
import numpy as np, torch
import torch.nn.functional as F
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_cpu

CASES = {"t64": (64, "f32"), "t512": (512, "f32"), "t64b": (64, "bf16"), "t512b": (512, "bf16")}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cases", default="t64,t512")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--core", type=int, default=0)
    a = p.parse_args()
    os.sched_setaffinity(0, {a.core}); torch.set_num_threads(1)
    for case in a.cases.split(","):
        T, dtype = CASES[case]
        label, ir, inputs, ref, flops, _ = bench_cpu._moe_layer(
            np.random.default_rng(0), T, 1024, 3584, 8, 2, dtype)
        x, wr, wg, wu, wd = (torch.from_numpy(t) for t in inputs)
        if dtype == "bf16":
            x, wr, wg, wu, wd = (t.bfloat16() for t in (x, wr, wg, wu, wd))
        K, E = 2, 8
        with torch.no_grad():
            probs = torch.softmax(x @ wr.T, -1)
            w, sel = torch.topk(probs, K, -1)
            mask = F.one_hot(sel, E).permute(2, 1, 0)
            groups = [torch.where(mask[e]) for e in range(E)]
            xs = [x[tok] for _, tok in groups]
            hs = [F.silu(xe @ wg[e].T) * (xe @ wu[e].T) for e, xe in enumerate(xs)]

            def matmuls():
                for e, xe in enumerate(xs):
                    xe @ wg[e].T; xe @ wu[e].T; hs[e] @ wd[e].T

            def timed(fn):
                fn(); fn(); ts = []
                for _ in range(a.reps):
                    t = time.process_time(); fn(); ts.append(time.process_time() - t)
                return statistics.median(ts) * 1e3

            whole, mm = timed(ref), timed(matmuls)
        print(f"{label}: eager loop {whole:.2f} ms, its 24 expert matmuls {mm:.2f} ms "
              f"({flops / mm / 1e6:.1f} GFLOP/s), the rest {whole - mm:.2f} ms", flush=True)


if __name__ == "__main__":
    main()

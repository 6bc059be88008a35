#!/usr/bin/env python3
"""seqc vs PyTorch on the same CPU, same shapes, one run.

    python3 bench/bench_cpu.py [--build build] [--out bench/results/...md]

For each case it writes random inputs, compiles the seq IR with seqc, times
the artifact with `seqrun --bench` (median of --reps after --warmup), times
the PyTorch reference (scaled_dot_product_attention, an eager selective
scan, an eager Mixtral-style MoE layer) with the same thread count, and
reports the time ratio and the fraction of this machine's measured FMA
throughput (compute bound cases; bench/fma_peak.c, 12 independent vector FMA
chains per thread, compiled with clang-22 -march=native) or of its measured
copy bandwidth (memory bound cases).
Needs numpy, torch and gguf (dev/bench only, not CI).
"""
import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent


def cpu_info():
    text = Path("/proc/cpuinfo").read_text()
    name = re.search(r"model name\s*:\s*(.*)", text).group(1)
    mhz = float(re.search(r"cpu MHz\s*:\s*([\d.]+)", text).group(1))
    flags = re.search(r"flags\s*:\s*(.*)", text).group(1).split()
    cores = os.cpu_count()
    # FP32 FLOP per cycle per core: 2 FMA pipes x lanes x 2.
    if "avx512f" in flags:
        per_cycle = 64
    elif "avx2" in flags:
        # Zen 1 splits 256-bit FMAs over two 128-bit pipes.
        per_cycle = 16 if "EPYC" in name and "avx512f" not in flags and \
            "vaes" not in flags else 32
    else:
        per_cycle = 8
    peak = cores * per_cycle * mhz * 1e6
    return name, mhz, cores, per_cycle, peak


def measured_fma_peak(tmp):
    """FLOP/s of bench/fma_peak.c on all cores (the clock the kernels see)."""
    exe = Path(tmp) / "fma_peak"
    subprocess.run(["clang-22", "-O2", "-march=native", "-ffp-contract=fast",
                    "-fopenmp", str(ROOT / "bench/fma_peak.c"), "-o", str(exe)],
                   check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True)
    return float(out.stdout) * 1e9


def copy_bandwidth():
    a = np.ones(64 * 1024 * 1024 // 4, np.float32)
    b = np.empty_like(a)
    best = 1e9
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best


def torch_time(fn, warmup=3, reps=10):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def seqc_time(build, ir, inputs, tmp, warmup=3, reps=10):
    src = tmp / "case.mlir"
    src.write_text(ir)
    pkg = tmp / "case.seqpkg"
    subprocess.run([str(build / "bin/seqc"), str(src), "-o", str(pkg)],
                   check=True)
    args = [str(build / "bin/seqrun"), str(pkg), "--bench",
            "--warmup", str(warmup), "--reps", str(reps)]
    for i, a in enumerate(inputs):
        path = tmp / f"in{i}.npy"
        np.save(path, a)
        args += ["--input", f"{i}={path}"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return float(re.search(r"median ([\d.]+) ms", out).group(1)) / 1e3


def attention_prefill(rng):
    B, H, S, D = 1, 8, 1024, 64
    q, k, v = (rng.standard_normal((B, H, S, D), dtype=np.float32) for _ in range(3))
    t = f"tensor<{B}x{H}x{S}x{D}xf32>"
    ir = f"""func.func @main(%q: {t}, %k: {t}, %v: {t}) -> {t} {{
  %o = seq.attention %q, %k, %v causal : {t}, {t}, {t} -> {t}
  return %o : {t}
}}"""
    tq, tk, tv = map(torch.from_numpy, (q, k, v))
    ref = lambda: F.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    flops = 4 * B * H * S * S * D / 2
    return "attention prefill causal B1 H8 S1024 D64 f32", ir, [q, k, v], ref, flops, None


def attention_decode(rng):
    B, HQ, HKV, S, D = 1, 32, 8, 4096, 128
    q = rng.standard_normal((B, HQ, 1, D), dtype=np.float32)
    k, v = (rng.standard_normal((B, HKV, S, D), dtype=np.float32) for _ in range(2))
    tq, tkv = f"tensor<{B}x{HQ}x1x{D}xf32>", f"tensor<{B}x{HKV}x{S}x{D}xf32>"
    ir = f"""func.func @main(%q: {tq}, %k: {tkv}, %v: {tkv}) -> {tq} {{
  %o = seq.attention %q, %k, %v : {tq}, {tkv}, {tkv} -> {tq}
  return %o : {tq}
}}"""
    tq_, tk_, tv_ = map(torch.from_numpy, (q, k, v))
    ref = lambda: F.scaled_dot_product_attention(tq_, tk_, tv_, enable_gqa=True)
    bytes_ = 2 * k.nbytes
    return "attention decode GQA 32/8 heads, 4096 keys, D128 f32", ir, [q, k, v], ref, None, bytes_


def mamba_scan(rng):
    B, T, D, N = 1, 512, 256, 16
    x = rng.standard_normal((B, T, D), dtype=np.float32)
    dt = rng.standard_normal((B, T, D), dtype=np.float32) * 0.5 - 1
    A = -np.exp(rng.standard_normal((D, N), dtype=np.float32) * 0.5)
    Bm = rng.standard_normal((B, T, N), dtype=np.float32)
    Cm = rng.standard_normal((B, T, N), dtype=np.float32)
    h0 = np.zeros((B, D, N), np.float32)
    ir = f"""func.func @main(%dt: tensor<{B}x{T}x{D}xf32>, %x: tensor<{B}x{T}x{D}xf32>, %A: tensor<{D}x{N}xf32>, %Bm: tensor<{B}x{T}x{N}xf32>, %Cm: tensor<{B}x{T}x{N}xf32>, %h0: tensor<{B}x{D}x{N}xf32>) -> tensor<{B}x{T}x{D}xf32> {{
  %y, %h = seq.scan ins(%dt, %x, %A, %Bm, %Cm : tensor<{B}x{T}x{D}xf32>, tensor<{B}x{T}x{D}xf32>, tensor<{D}x{N}xf32>, tensor<{B}x{T}x{N}xf32>, tensor<{B}x{T}x{N}xf32>) init(%h0 : tensor<{B}x{D}x{N}xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>, affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
      step {{
      ^bb0(%dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
        %e = math.exp %dtv : f32
        %sp = math.log1p %e : f32
        %da = arith.mulf %sp, %av : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      }} readout {{
      ^bb0(%hv: f32, %dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      }} -> tensor<{B}x{T}x{D}xf32>, tensor<{B}x{D}x{N}xf32>
  return %y : tensor<{B}x{T}x{D}xf32>
}}"""
    tx, tdt, tA, tB, tC = map(torch.from_numpy, (x, dt, A, Bm, Cm))

    def ref():  # mamba_ssm's selective_scan_ref, eager
        delta = F.softplus(tdt)
        dA = torch.exp(delta.unsqueeze(-1) * tA)
        dBx = delta.unsqueeze(-1) * tB.unsqueeze(2) * tx.unsqueeze(-1)
        h = torch.zeros(B, D, N)
        ys = []
        for t in range(T):
            h = dA[:, t] * h + dBx[:, t]
            ys.append(torch.einsum("bdn,bn->bd", h, tC[:, t]))
        return torch.stack(ys, 1)

    flops = B * T * D * N * 7
    return "Mamba-1 selective scan B1 T512 D256 N16 f32", ir, [dt, x, A, Bm, Cm, h0], ref, flops, None


def moe_layer(rng):
    T, DM, FF, E, K = 64, 512, 1024, 8, 2
    x = rng.standard_normal((T, DM), dtype=np.float32)
    wr = rng.standard_normal((E, DM), dtype=np.float32) * 0.05
    wg, wu = (rng.standard_normal((E, FF, DM), dtype=np.float32) * 0.05 for _ in range(2))
    wd = rng.standard_normal((E, DM, FF), dtype=np.float32) * 0.05
    ir = f"""func.func @main(%x: tensor<{T}x{DM}xf32>, %wr: tensor<{E}x{DM}xf32>, %wg: tensor<{E}x{FF}x{DM}xf32>, %wu: tensor<{E}x{FF}x{DM}xf32>, %wd: tensor<{E}x{DM}x{FF}xf32>) -> tensor<{T}x{DM}xf32> {{
  %logits = seq.linear %x, %wr : tensor<{T}x{DM}xf32>, tensor<{E}x{DM}xf32> -> tensor<{T}x{E}xf32>
  %w, %e = seq.moe_route %logits {{top_k = {K} : i64, scoring = #seq.router_scoring<softmax>, normalize}} : tensor<{T}x{E}xf32> -> tensor<{T}x{K}xf32>, tensor<{T}x{K}xi32>
  %perm, %off = seq.moe_dispatch %e {{num_experts = {E} : i64}} : tensor<{T}x{K}xi32> -> tensor<{T * K}xi32>, tensor<{E + 1}xi32>
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<{E}x{FF}x{DM}xf32>) up(%wu : tensor<{E}x{FF}x{DM}xf32>) down(%wd : tensor<{E}x{DM}x{FF}xf32>) {{activation = #seq.ffn_activation<swiglu>}} : tensor<{T}x{DM}xf32>, tensor<{T}x{K}xf32>, tensor<{T * K}xi32>, tensor<{E + 1}xi32> -> tensor<{T}x{DM}xf32>
  return %y : tensor<{T}x{DM}xf32>
}}"""
    tx, twr, twg, twu, twd = map(torch.from_numpy, (x, wr, wg, wu, wd))

    def ref():  # Hugging Face Mixtral sparse MoE block, eager
        probs = torch.softmax(tx @ twr.T, -1)
        w, sel = torch.topk(probs, K, -1)
        w = w / w.sum(-1, keepdim=True)
        out = torch.zeros_like(tx)
        mask = F.one_hot(sel, E).permute(2, 1, 0)
        for e in range(E):
            idx, tok = torch.where(mask[e])
            if tok.numel() == 0:
                continue
            h = F.silu(tx[tok] @ twg[e].T) * (tx[tok] @ twu[e].T)
            out.index_add_(0, tok, (h @ twd[e].T) * w[tok, idx, None])
        return out

    flops = 2 * T * K * 3 * DM * FF
    return "MoE layer Mixtral-style T64 Dm512 F1024 E8 top2 f32", ir, [x, wr, wg, wu, wd], ref, flops, None


def llama_mlp(rng):
    T, DM, FF = 64, 1024, 2816
    x = rng.standard_normal((T, DM), dtype=np.float32)
    wg, wu = (rng.standard_normal((FF, DM), dtype=np.float32) * 0.03 for _ in range(2))
    wd = rng.standard_normal((DM, FF), dtype=np.float32) * 0.03
    ir = f"""func.func @main(%x: tensor<{T}x{DM}xf32>, %wg: tensor<{FF}x{DM}xf32>, %wu: tensor<{FF}x{DM}xf32>, %wd: tensor<{DM}x{FF}xf32>) -> tensor<{T}x{DM}xf32> {{
  %g = seq.linear %x, %wg : tensor<{T}x{DM}xf32>, tensor<{FF}x{DM}xf32> -> tensor<{T}x{FF}xf32>
  %u = seq.linear %x, %wu : tensor<{T}x{DM}xf32>, tensor<{FF}x{DM}xf32> -> tensor<{T}x{FF}xf32>
  %a = seq.swiglu %g, %u : tensor<{T}x{FF}xf32>
  %y = seq.linear %a, %wd : tensor<{T}x{FF}xf32>, tensor<{DM}x{FF}xf32> -> tensor<{T}x{DM}xf32>
  return %y : tensor<{T}x{DM}xf32>
}}"""
    tx, twg, twu, twd = map(torch.from_numpy, (x, wg, wu, wd))
    ref = lambda: (F.silu(tx @ twg.T) * (tx @ twu.T)) @ twd.T
    flops = 2 * T * 3 * DM * FF
    return "Llama MLP (gate/up fused with SwiGLU) T64 Dm1024 F2816 f32", ir, [x, wg, wu, wd], ref, flops, None


def quantized_linear(label, fmt, T, K, N, rng):
    """seq.quantized_linear over gguf-packed weights vs torch F.linear on
    the dequantized f32 weights (what a runtime without native quantized
    kernels runs). Decode cases are bound by reading the packed weights
    (bytes = packed size); prefill by compute."""
    from gguf import GGMLQuantizationType as QT
    from gguf.quants import dequantize, quantize
    qt = {"q8_0": QT.Q8_0, "q4_0": QT.Q4_0, "q4_1": QT.Q4_1}[fmt]
    x = rng.standard_normal((T, K), dtype=np.float32)
    w = rng.standard_normal((N, K), dtype=np.float32) / np.sqrt(K)
    packed = quantize(w, qt)
    deq = dequantize(packed, qt).astype(np.float32)
    packed = np.ascontiguousarray(packed.view(np.int8))
    RB = packed.shape[1]
    ir = f"""func.func @main(%x: tensor<{T}x{K}xf32>, %w: tensor<{N}x{RB}xi8>) -> tensor<{T}x{N}xf32> {{
  %y = seq.quantized_linear %x, %w {{format = #seq.quant_format<{fmt}>}} : tensor<{T}x{K}xf32>, tensor<{N}x{RB}xi8> -> tensor<{T}x{N}xf32>
  return %y : tensor<{T}x{N}xf32>
}}"""
    tx, tw = torch.from_numpy(x), torch.from_numpy(deq)
    ref = lambda: F.linear(tx, tw)
    if T == 1:
        return label, ir, [x, packed], ref, None, packed.nbytes
    return label, ir, [x, packed], ref, 2 * T * K * N, None


def quant_decode_q4_1(rng):
    return quantized_linear("quantized linear decode q4_1 T1 K576 N1536 (torch: f32 dequantized)",
                            "q4_1", 1, 576, 1536, rng)


def quant_decode_lm_head(rng):
    return quantized_linear("quantized LM head decode q8_0 T1 K576 N49152 (torch: f32 dequantized)",
                            "q8_0", 1, 576, 49152, rng)


def quant_prefill_q4_1(rng):
    return quantized_linear("quantized linear prefill q4_1 T64 K576 N1536 (torch: f32 dequantized)",
                            "q4_1", 64, 576, 1536, rng)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--only", default="",
                        help="run only the cases whose function name "
                             "contains this (e.g. quant)")
    args = parser.parse_args()
    build = Path(args.build)
    torch.set_num_threads(os.cpu_count())
    name, mhz, cores, per_cycle, nominal = cpu_info()
    bandwidth = copy_bandwidth()
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        peak = measured_fma_peak(tmp)
        for make in (attention_prefill, attention_decode, mamba_scan, moe_layer, llama_mlp,
                     quant_decode_q4_1, quant_decode_lm_head, quant_prefill_q4_1):
            if args.only not in make.__name__:
                continue
            label, ir, inputs, ref, flops, bytes_ = make(rng)
            t_seqc = seqc_time(build, ir, inputs, Path(tmp))
            with torch.no_grad():
                t_torch = torch_time(ref)
            if flops:
                limit = f"{flops / t_seqc / 1e9:.1f} GFLOP/s = {100 * flops / t_seqc / peak:.1f}% of measured FMA peak"
            else:
                limit = f"{bytes_ / t_seqc / 1e9:.1f} GB/s = {100 * bytes_ / t_seqc / bandwidth:.1f}% of copy bandwidth"
            rows.append((label, t_seqc * 1e3, t_torch * 1e3, t_torch / t_seqc, limit))
            print(rows[-1], flush=True)
    date = datetime.date.today().isoformat()
    lines = [
        f"# seqc vs PyTorch on CPU ({date})",
        "",
        f"- machine: {name}, {cores} cores at {mhz:.0f} MHz, {platform.machine()}; "
        f"measured FMA peak {peak / 1e9:.1f} GFLOP/s (bench/fma_peak.c; nominal "
        f"{nominal / 1e9:.0f} at {per_cycle} FLOP/cycle/core and the listed clock), "
        f"measured copy bandwidth {bandwidth / 1e9:.1f} GB/s",
        f"- torch {torch.__version__} ({torch.get_num_threads()} threads); seqc default "
        "flags (host CPU, OpenMP)",
        f"- command: `python3 bench/bench_cpu.py` (median of 10 runs after 3 warm-ups each)",
        "",
        "| case | seqc ms | torch ms | speed-up (torch/seqc) | seqc vs hardware |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for label, s, t, r, limit in rows:
        lines.append(f"| {label} | {s:.2f} | {t:.2f} | {r:.2f}x | {limit} |")
    out = Path(args.out) if args.out else ROOT / "bench/results" / f"cpu-{date}.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(main())

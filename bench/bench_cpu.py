#!/usr/bin/env python3
"""seqc vs PyTorch on the same CPU, same shapes, one run.

    python3 bench/bench_cpu.py [--set default|issue|all] [--threads 1,2]
        [--compare bench/results/<earlier>.json] [--out bench/results/...md]

Writes a table (.md), the raw numbers (.json) and a roofline picture (.png:
every kernel at its FLOP per compulsory byte against the measured FMA and
copy-bandwidth roofs, one panel per thread count; with --compare, the
earlier run's points drawn hollow with an arrow to the new one).

For each case it writes random inputs, compiles the seq IR with seqc, times
the artifact with `seqrun --bench` (median of --reps after --warmup), times
the PyTorch reference (scaled_dot_product_attention, an eager selective
scan, an eager Mixtral-style MoE layer) with the same thread count, and
reports the time ratio and the fraction of this machine's measured FMA
throughput (compute bound cases; bench/fma_peak.c, 12 independent vector FMA
chains per thread in the widest vectors: 16 lanes with AVX-512,
compiled with clang-22 -march=native -mprefer-vector-width=512) or of its measured
copy bandwidth (memory bound cases).
Needs numpy, torch and gguf (dev/bench only, not CI).
"""
import argparse
import datetime
import json
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


def torch_time(fn, warmup=3, reps=10):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def attention_prefill(rng):
    return _attention_prefill(rng, 1, 8, 1024, 64)


def _bf16_exact(a):
    """f32 values that bf16 holds exactly (seqrun narrows f32 .npy inputs
    to a bf16 parameter; torch gets the same values as bf16 tensors)."""
    return torch.from_numpy(a).bfloat16().float().numpy()


def _attention_prefill(rng, B, H, S, D, dtype="f32"):
    q, k, v = (rng.standard_normal((B, H, S, D), dtype=np.float32) for _ in range(3))
    if dtype == "bf16":
        q, k, v = map(_bf16_exact, (q, k, v))
    t = f"tensor<{B}x{H}x{S}x{D}x{dtype}>"
    ir = f"""func.func @main(%q: {t}, %k: {t}, %v: {t}) -> {t} {{
  %o = seq.attention %q, %k, %v causal : {t}, {t}, {t} -> {t}
  return %o : {t}
}}"""
    tq, tk, tv = map(torch.from_numpy, (q, k, v))
    if dtype == "bf16":
        tq, tk, tv = tq.bfloat16(), tk.bfloat16(), tv.bfloat16()
    ref = lambda: F.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    flops = 4 * B * H * S * S * D / 2
    return (f"attention prefill causal B{B} H{H} S{S} D{D} {dtype}", ir, [q, k, v], ref,
            flops, None)


def attention_decode(rng):
    return _attention_decode(rng, 1, 32, 8, 4096, 128)


def _attention_decode(rng, B, HQ, HKV, S, D, dtype="f32"):
    q = rng.standard_normal((B, HQ, 1, D), dtype=np.float32)
    k, v = (rng.standard_normal((B, HKV, S, D), dtype=np.float32) for _ in range(2))
    if dtype == "bf16":
        q, k, v = map(_bf16_exact, (q, k, v))
    tq, tkv = f"tensor<{B}x{HQ}x1x{D}x{dtype}>", f"tensor<{B}x{HKV}x{S}x{D}x{dtype}>"
    ir = f"""func.func @main(%q: {tq}, %k: {tkv}, %v: {tkv}) -> {tq} {{
  %o = seq.attention %q, %k, %v : {tq}, {tkv}, {tkv} -> {tq}
  return %o : {tq}
}}"""
    tq_, tk_, tv_ = map(torch.from_numpy, (q, k, v))
    if dtype == "bf16":
        tq_, tk_, tv_ = tq_.bfloat16(), tk_.bfloat16(), tv_.bfloat16()
    ref = lambda: F.scaled_dot_product_attention(tq_, tk_, tv_, enable_gqa=True)
    # The K and V caches read once, at their storage width.
    bytes_ = 2 * k.size * (2 if dtype == "bf16" else 4)
    return (f"attention decode B{B} GQA {HQ}/{HKV} heads, {S} keys, D{D} {dtype}", ir,
            [q, k, v], ref, None, bytes_)


def mamba_scan(rng):
    return _mamba_scan(rng, 1, 512, 256, 16)


def _mamba_scan(rng, B, T, D, N):
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
    return f"Mamba-1 selective scan B{B} T{T} D{D} N{N} f32", ir, [dt, x, A, Bm, Cm, h0], ref, flops, None


def _mamba2_scan(rng, B, T, H, P, N, chunk=64):
    """Mamba-2's scan (one scalar decay per head, B and C shared by the
    heads: ngroups 1) as the importer writes it. FLOPs: those of the
    chunked SSD form at chunk length `chunk` (KernelDispatch's
    scanChunk): per token and head, C.B^T and the decay-masked W.X over
    the causal half (chunk * N + chunk * P), the carried state's readout
    C.H (2 N P) and the state update (2 N P)."""
    x = rng.standard_normal((B, T, H, P), dtype=np.float32)
    dt = rng.standard_normal((B, T, H), dtype=np.float32) * 0.5 - 1
    dt_bias = rng.uniform(-0.5, 0.5, H).astype(np.float32)
    A_log = np.log(rng.uniform(1, 16, H)).astype(np.float32)
    Bm = rng.standard_normal((B, T, 1, N), dtype=np.float32) * 0.5
    Cm = rng.standard_normal((B, T, 1, N), dtype=np.float32) * 0.5
    h0 = np.zeros((B, H, P, N), np.float32)
    tx, tdt, tb, tB, tC = f"tensor<{B}x{T}x{H}x{P}xf32>", f"tensor<{B}x{T}x{H}xf32>", \
        f"tensor<{H}xf32>", f"tensor<{B}x{T}x1x{N}xf32>", f"tensor<{B}x{T}x1x{N}xf32>"
    ts = f"tensor<{B}x{H}x{P}x{N}xf32>"
    ir = f"""func.func @main(%dt: {tdt}, %db: {tb}, %x: {tx}, %alog: {tb}, %Bm: {tB}, %Cm: {tC}, %h0: {ts}) -> {tx} {{
  %y, %h = seq.scan ins(%dt, %db, %x, %alog, %Bm, %Cm : {tdt}, {tb}, {tx}, {tb}, {tB}, {tC}) init(%h0 : {ts})
      maps = [affine_map<(b, t, h, p, n) -> (b, t, h)>, affine_map<(b, t, h, p, n) -> (h)>, affine_map<(b, t, h, p, n) -> (b, t, h, p)>, affine_map<(b, t, h, p, n) -> (h)>, affine_map<(b, t, h, p, n) -> (b, t, h floordiv {H}, n)>, affine_map<(b, t, h, p, n) -> (b, t, h floordiv {H}, n)>]
      reduce = [4]
      step {{
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %d = arith.addf %dtv, %dbv : f32
        %c20 = arith.constant 20.0 : f32
        %big = arith.cmpf ogt, %d, %c20 : f32
        %e = math.exp %d : f32
        %l = math.log1p %e : f32
        %sp = arith.select %big, %d, %l : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %sb = arith.mulf %sp, %bv : f32
        %in = arith.mulf %sb, %xv : f32
        seq.yield %decay, %in : f32, f32
      }} readout {{
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      }} -> {tx}, {ts}
  return %y : {tx}
}}"""
    tX, tDT, tDB, tAL, tBm, tCm = map(torch.from_numpy, (x, dt, dt_bias, A_log, Bm, Cm))

    def ref():  # the eager recurrence, as for Mamba-1
        sp = F.softplus(tDT + tDB)                          # [B, T, H]
        dA = torch.exp(sp * -torch.exp(tAL))                # [B, T, H]
        h = torch.zeros(B, H, P, N)
        ys = []
        for t in range(T):
            dBx = (sp[:, t, :, None] * tX[:, t])[..., None] * tBm[:, t, 0, None, None, :]
            h = dA[:, t, :, None, None] * h + dBx
            ys.append(torch.einsum("bhpn,bn->bhp", h, tCm[:, t, 0]))
        return torch.stack(ys, 1)

    flops = B * T * H * (chunk * N + chunk * P + 4 * N * P)
    return (f"Mamba-2 scan B{B} T{T} H{H} P{P} N{N} f32", ir,
            [dt, dt_bias, x, A_log, Bm, Cm, h0], ref, flops, None)


def moe_layer(rng):
    return _moe_layer(rng, 64, 512, 1024, 8, 2)


def _moe_layer(rng, T, DM, FF, E, K, dtype="f32"):
    x = rng.standard_normal((T, DM), dtype=np.float32)
    wr = rng.standard_normal((E, DM), dtype=np.float32) * 0.05
    wg, wu = (rng.standard_normal((E, FF, DM), dtype=np.float32) * 0.05 for _ in range(2))
    wd = rng.standard_normal((E, DM, FF), dtype=np.float32) * 0.05
    # bf16: activations, router and expert weights in bf16 (the routing
    # weights f32), torch's loop on the same bf16 tensors.
    dt = dtype
    if dtype == "bf16":
        x, wr, wg, wu, wd = map(_bf16_exact, (x, wr, wg, wu, wd))
    ir = f"""func.func @main(%x: tensor<{T}x{DM}x{dt}>, %wr: tensor<{E}x{DM}x{dt}>, %wg: tensor<{E}x{FF}x{DM}x{dt}>, %wu: tensor<{E}x{FF}x{DM}x{dt}>, %wd: tensor<{E}x{DM}x{FF}x{dt}>) -> tensor<{T}x{DM}x{dt}> {{
  %logits = seq.linear %x, %wr : tensor<{T}x{DM}x{dt}>, tensor<{E}x{DM}x{dt}> -> tensor<{T}x{E}x{dt}>
  %w, %e = seq.moe_route %logits {{top_k = {K} : i64, scoring = #seq.router_scoring<softmax>, normalize}} : tensor<{T}x{E}x{dt}> -> tensor<{T}x{K}xf32>, tensor<{T}x{K}xi32>
  %perm, %off = seq.moe_dispatch %e {{num_experts = {E} : i64}} : tensor<{T}x{K}xi32> -> tensor<{T * K}xi32>, tensor<{E + 1}xi32>
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<{E}x{FF}x{DM}x{dt}>) up(%wu : tensor<{E}x{FF}x{DM}x{dt}>) down(%wd : tensor<{E}x{DM}x{FF}x{dt}>) {{activation = #seq.ffn_activation<swiglu>}} : tensor<{T}x{DM}x{dt}>, tensor<{T}x{K}xf32>, tensor<{T * K}xi32>, tensor<{E + 1}xi32> -> tensor<{T}x{DM}x{dt}>
  return %y : tensor<{T}x{DM}x{dt}>
}}"""
    tx, twr, twg, twu, twd = map(torch.from_numpy, (x, wr, wg, wu, wd))
    if dtype == "bf16":
        tx, twr, twg, twu, twd = (t.bfloat16() for t in (tx, twr, twg, twu, twd))

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
    label = f"MoE layer Mixtral-style T{T} Dm{DM} F{FF} E{E} top{K} {dtype}"
    if T <= 8:
        # Decode sizes are bound by reading the chosen experts' weights
        # once (the router's and the activations are negligible).
        chosen = np.unique(torch.topk(tx.float() @ twr.float().T, K, -1).indices.numpy())
        width = 2 if dtype == "bf16" else 4
        return label, ir, [x, wr, wg, wu, wd], ref, None, len(chosen) * 3 * DM * FF * width
    return label, ir, [x, wr, wg, wu, wd], ref, flops, None


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


def f32_linear(label, T, K, N, rng, dtype="f32"):
    """seq.linear with f32 (or bf16: dtype, activations and weights alike)
    weights against torch F.linear: decode (T = 1) is bound by reading the
    weights (bytes = N * K * 4), prefill by compute."""
    x = rng.standard_normal((T, K), dtype=np.float32)
    w = (rng.standard_normal((N, K), dtype=np.float32) / np.sqrt(K)).astype(np.float32)
    if dtype == "bf16":
        x, w = _bf16_exact(x), _bf16_exact(w)
    ir = f"""func.func @main(%x: tensor<{T}x{K}x{dtype}>, %w: tensor<{N}x{K}x{dtype}>) -> tensor<{T}x{N}x{dtype}> {{
  %y = seq.linear %x, %w : tensor<{T}x{K}x{dtype}>, tensor<{N}x{K}x{dtype}> -> tensor<{T}x{N}x{dtype}>
  return %y : tensor<{T}x{N}x{dtype}>
}}"""
    tx, tw = torch.from_numpy(x), torch.from_numpy(w)
    if dtype == "bf16":
        tx, tw = tx.bfloat16(), tw.bfloat16()
    ref = lambda: F.linear(tx, tw)
    if T == 1:
        return label, ir, [x, w], ref, None, w.nbytes
    return label, ir, [x, w], ref, 2 * T * K * N, None


def f32_decode_lm_head(rng):
    # SmolLM2's tied LM head in f32 (113 MB per token).
    return f32_linear("linear decode f32 T1 K576 N49152 (LM head)", 1, 576, 49152, rng)


def f32_decode_down(rng):
    return f32_linear("linear decode f32 T1 K1536 N576", 1, 1536, 576, rng)


def f32_prefill_40(rng):
    return f32_linear("linear prefill f32 T40 K576 N1536", 40, 576, 1536, rng)


def f32_prefill_512(rng):
    return f32_linear("linear prefill f32 T512 K576 N1536", 512, 576, 1536, rng)


def qwen_prefill_up(rng):
    # Qwen2.5-0.5B's MLP gate/up projection at a 512-token prompt.
    return f32_linear("linear prefill f32 T512 K896 N4864 (Qwen2.5-0.5B up)", 512, 896, 4864, rng)


def qwen_prefill_o(rng):
    return f32_linear("linear prefill f32 T512 K896 N896 (Qwen2.5-0.5B q/o)", 512, 896, 896, rng)


def qwen_prefill_down(rng):
    return f32_linear("linear prefill f32 T512 K4864 N896 (Qwen2.5-0.5B down)", 512, 4864, 896, rng)


def qwen_prefill_up_bf16(rng):
    return f32_linear("linear prefill bf16 T512 K896 N4864 (Qwen2.5-0.5B up)", 512, 896,
                      4864, rng, "bf16")


def issue_attention_prefill_d128(rng):
    return _attention_prefill(rng, 1, 16, 2048, 128)


def issue_attention_prefill_d64(rng):
    return _attention_prefill(rng, 1, 8, 1024, 64)


def issue_attention_decode(rng):
    return _attention_decode(rng, 1, 32, 8, 32768, 128)


def issue_attention_prefill_d128_bf16(rng):
    return _attention_prefill(rng, 1, 16, 2048, 128, "bf16")


def issue_attention_prefill_d64_bf16(rng):
    return _attention_prefill(rng, 1, 8, 1024, 64, "bf16")


def issue_attention_decode_bf16(rng):
    return _attention_decode(rng, 1, 32, 8, 32768, 128, "bf16")


def issue_attention_decode_b16(rng):
    return _attention_decode(rng, 16, 32, 8, 4096, 128)


def issue_attention_decode_b16_bf16(rng):
    return _attention_decode(rng, 16, 32, 8, 4096, 128, "bf16")


def issue_moe_layer(rng):
    return _moe_layer(rng, 64, 1024, 3584, 8, 2)


def issue_moe_layer_t512(rng):
    return _moe_layer(rng, 512, 1024, 3584, 8, 2)


def issue_moe_decode_t1(rng):
    return _moe_layer(rng, 1, 1024, 3584, 8, 2)


def issue_moe_decode_t8(rng):
    return _moe_layer(rng, 8, 1024, 3584, 8, 2)


def issue_moe_layer_bf16(rng, T=64):
    """Issue #10's MoE shape with bf16 activations and experts."""
    return _moe_layer(rng, T, 1024, 3584, 8, 2, "bf16")


def issue_mamba_scan(rng):
    return _mamba_scan(rng, 1, 4096, 2048, 16)


def issue_mamba2_scan(rng):
    return _mamba2_scan(rng, 1, 4096, 32, 64, 128)


# The default set: shapes small enough for a quick run on 2 cores. The
# `issue` set: the shapes of issue #10's table (the goals are stated there).
SETS = {
    "default": (attention_prefill, attention_decode, mamba_scan, moe_layer, llama_mlp,
                quant_decode_q4_1, quant_decode_lm_head, quant_prefill_q4_1),
    "issue": (issue_attention_prefill_d128, issue_attention_prefill_d64,
              issue_attention_decode, issue_moe_layer, issue_mamba_scan),
    # Issue #10's attention goals over dtypes and batch (f32 and bf16
    # inputs/caches, decode batch 1 and 16).
    "attention": (issue_attention_prefill_d128, issue_attention_prefill_d64,
                  issue_attention_prefill_d128_bf16, issue_attention_prefill_d64_bf16,
                  issue_attention_decode, issue_attention_decode_bf16,
                  issue_attention_decode_b16, issue_attention_decode_b16_bf16),
    # Issue #10's MoE (T = 1, 8 decode; 64, 512 prefill) and scan goals.
    "moescan": (issue_moe_decode_t1, issue_moe_decode_t8, issue_moe_layer,
                issue_moe_layer_t512, issue_mamba_scan),
    # Issue #10's scan goals: Mamba-1 (channel lanes) and Mamba-2 (SSD).
    "scan": (issue_mamba_scan, issue_mamba2_scan),
    # f32 linear layers (SmolLM2's shapes, issue #8's f32 GGUF): decode
    # GEMVs against copy bandwidth, prefill GEMMs against FMA peak.
    "linear": (f32_decode_lm_head, f32_decode_down, f32_prefill_40, f32_prefill_512,
               qwen_prefill_up, qwen_prefill_o, qwen_prefill_down, qwen_prefill_up_bf16),
    # The prefill GEMMs alone (Qwen2.5-0.5B's shapes at 512 tokens).
    "prefill": (f32_prefill_40, f32_prefill_512, qwen_prefill_up, qwen_prefill_o,
                qwen_prefill_down, qwen_prefill_up_bf16),
}


def compulsory_bytes(inputs, ref):
    """Bytes a kernel must move at least: its inputs once plus its output."""
    with torch.no_grad():
        out = ref()
    # f32 arrays stand for bf16 parameters when the result is bf16.
    width = lambda a: min(a.itemsize, out.element_size()) if a.dtype == np.float32 \
        else a.itemsize
    return sum(a.size * width(a) for a in inputs) + out.numel() * out.element_size()


class Pinned:
    """Runs this process (torch) on the first n cores with n threads."""

    def __init__(self, n):
        self.n = n

    def __enter__(self):
        self.saved = os.sched_getaffinity(0)
        self.saved_threads = torch.get_num_threads()
        os.sched_setaffinity(0, set(range(self.n)))
        torch.set_num_threads(self.n)

    def __exit__(self, *exc):
        os.sched_setaffinity(0, self.saved)
        torch.set_num_threads(self.saved_threads)


def pinned_env(n):
    env = dict(os.environ, OMP_NUM_THREADS=str(n), OMP_PROC_BIND="true")
    return env, ["taskset", "-c", ",".join(str(i) for i in range(n))]


def measured_fma_peak_threads(tmp, n):
    exe = Path(tmp) / "fma_peak"
    if not exe.exists():
        # -mprefer-vector-width=512: clang's -march=native on Intel server
        # cores prefers 256-bit vectors and would split the 16-lane chains
        # into ymm halves (half the peak seqc's 16-lane kernels can reach).
        subprocess.run(["clang-22", "-O2", "-march=native", "-mprefer-vector-width=512",
                        "-ffp-contract=fast", "-fopenmp", str(ROOT / "bench/fma_peak.c"), "-o", str(exe)],
                       check=True)
    env, pin = pinned_env(n)
    out = subprocess.run(pin + [str(exe)], check=True, capture_output=True, text=True,
                         env=env)
    return float(out.stdout) * 1e9


def copy_bandwidth_threads(n):
    """Read + write bytes per second of a 256 MiB copy with n torch threads."""
    a = torch.ones(64 * 1024 * 1024)
    b = torch.empty_like(a)
    best = 1e9
    with Pinned(n):
        for _ in range(7):
            t = time.perf_counter()
            b.copy_(a)
            best = min(best, time.perf_counter() - t)
    return 2 * a.numel() * 4 / best


def seqc_compile(build, ir, inputs, tmp, tag):
    src = tmp / f"{tag}.mlir"
    src.write_text(ir)
    pkg = tmp / f"{tag}.seqpkg"
    subprocess.run([str(build / "bin/seqc"), str(src), "-o", str(pkg)], check=True)
    args = []
    for i, a in enumerate(inputs):
        path = tmp / f"{tag}.in{i}.npy"
        np.save(path, a)
        args += ["--input", f"{i}={path}"]
    return pkg, args


def seqc_run(build, pkg, args, n, warmup, reps):
    env, pin = pinned_env(n)
    cmd = pin + [str(build / "bin/seqrun"), str(pkg), "--bench", "--warmup",
                 str(warmup), "--reps", str(reps)] + args
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return float(re.search(r"median ([\d.]+) ms", out).group(1)) / 1e3


def plot_roofline(result, png, previous=None):
    """One panel per thread count: the FMA and bandwidth roofs, each kernel
    at (FLOP per compulsory byte, achieved GFLOP/s); with `previous`, the
    earlier result as hollow markers joined to the new one."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    threads = sorted({r["threads"] for r in result["rows"]})
    fig, axes = plt.subplots(1, len(threads), figsize=(7 * len(threads), 5.5),
                             squeeze=False)
    old = {}
    if previous:
        for r in previous["rows"]:
            old[(r["case"], r["threads"])] = r
    for ax, n in zip(axes[0], threads):
        m = result["machine"][str(n)]
        peak, bw = m["fma_peak"] / 1e9, m["bandwidth"] / 1e9
        x = np.logspace(-2, 3, 200)
        ax.loglog(x, np.minimum(peak, x * bw), "k-", lw=1.5)
        ax.text(x[-1], peak, f" FMA peak {peak:.0f} GFLOP/s", ha="right", va="bottom",
                fontsize=8)
        ax.text(0.011, 0.011 * bw * 1.3, f"copy bandwidth {bw:.1f} GB/s", rotation=30,
                fontsize=8)
        for i, r in enumerate(r for r in result["rows"] if r["threads"] == n):
            ai = r["flops"] / r["bytes"]
            perf = r["flops"] / r["seqc_s"] / 1e9
            tperf = r["flops"] / r["torch_s"] / 1e9
            color = f"C{i % 10}"
            ax.plot(ai, perf, "o", color=color, label=r["case"])
            ax.plot(ai, tperf, "x", color=color)
            prev = old.get((r["case"], n))
            if prev:
                pp = prev["flops"] / prev["seqc_s"] / 1e9
                ax.plot(ai, pp, "o", mfc="none", color=color)
                ax.annotate("", (ai, perf), (ai, pp),
                            arrowprops=dict(arrowstyle="->", color=color))
        ax.set_xlabel("FLOP per compulsory byte")
        ax.set_ylabel("GFLOP/s")
        ax.set_title(f"{n} thread(s): o seqc, x PyTorch"
                     + (", hollow: before" if previous else ""))
        ax.set_xlim(0.01, 1000)
        ax.set_ylim(0.01, peak * 3)
        ax.grid(True, which="both", lw=0.3)
        ax.legend(fontsize=6, loc="lower right")
    fig.suptitle(f"seqc roofline, {result['machine']['name']} ({result['date']})")
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--out", default=None,
                        help="the table (.md); the raw result (.json) and the "
                             "roofline (.png) are written beside it")
    parser.add_argument("--set", default="default", choices=sorted(SETS) + ["all"])
    parser.add_argument("--only", default="",
                        help="run only the cases whose function name "
                             "contains this (e.g. quant)")
    parser.add_argument("--threads", default="1,2",
                        help="comma-separated thread counts; each run is pinned "
                             "(taskset) to the first N cores, seqc and torch alike")
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--compare", default=None,
                        help="an earlier result .json: its points are drawn as "
                             "'before' in the roofline and its times tabled")
    args = parser.parse_args()
    build = Path(args.build)
    threads = [int(t) for t in args.threads.split(",")]
    if max(threads) > len(os.sched_getaffinity(0)):
        sys.exit(f"--threads {args.threads}: this machine has "
                 f"{len(os.sched_getaffinity(0))} cores")
    name, mhz, cores, per_cycle, nominal = cpu_info()
    cases = SETS["default"] + SETS["issue"] if args.set == "all" else SETS[args.set]
    cases = [c for c in cases if args.only in c.__name__]
    previous = json.loads(Path(args.compare).read_text()) if args.compare else None
    date = datetime.date.today().isoformat()
    load = os.getloadavg()
    result = {"date": date, "command": " ".join(["python3"] + sys.argv),
              "load_before": load, "machine": {"name": name, "mhz": mhz, "cores": cores,
                                               "torch": torch.__version__},
              "rows": []}
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in threads:
            result["machine"][str(n)] = {"fma_peak": measured_fma_peak_threads(tmp, n),
                                         "bandwidth": copy_bandwidth_threads(n)}
        for make in cases:
            label, ir, inputs, ref, flops, bytes_ = make(rng)
            pkg, run_args = seqc_compile(build, ir, inputs, tmp, make.__name__)
            compulsory = compulsory_bytes(inputs, ref)
            for n in threads:
                t_seqc = seqc_run(build, pkg, run_args, n, args.warmup, args.reps)
                with torch.no_grad(), Pinned(n):
                    t_torch = torch_time(ref, args.warmup, args.reps)
                row = {"case": label, "fn": make.__name__, "threads": n,
                       "seqc_s": t_seqc, "torch_s": t_torch,
                       "flops": float(flops) if flops else None,
                       "bound_bytes": float(bytes_) if bytes_ else None,
                       "bytes": float(compulsory)}
                if row["flops"] is None:  # memory-bound cases: the FLOPs they do
                    row["flops"] = float(estimate_flops(make.__name__, inputs))
                result["rows"].append(row)
                print(label, n, f"seqc {t_seqc * 1e3:.2f} ms torch {t_torch * 1e3:.2f} ms",
                      flush=True)
    result["load_after"] = os.getloadavg()
    out = Path(args.out) if args.out else ROOT / "bench/results" / f"cpu-{date}.md"
    out.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    write_table(result, out, previous)
    plot_roofline(result, out.with_suffix(".png"), previous)
    print(f"wrote {out}, {out.with_suffix('.json')}, {out.with_suffix('.png')}")


def estimate_flops(fn, inputs):
    """FLOPs of the memory-bound cases (for the roofline's x axis)."""
    if "attention_decode" in fn:
        q, k = inputs[0], inputs[1]
        return 4 * q.shape[0] * q.shape[1] * q.shape[2] * k.shape[2] * k.shape[3]
    if "quant" in fn or fn.startswith("f32_"):  # T x K times N
        x, w = inputs
        n = w.shape[0]
        return 2 * x.shape[0] * x.shape[1] * n
    if "moe" in fn:  # T x K expert FFNs (gate, up, down)
        x, wg = inputs[0], inputs[2]
        return 2 * x.shape[0] * 2 * 3 * wg.shape[1] * wg.shape[2]
    raise ValueError(fn)


def write_table(result, out, previous):
    m = result["machine"]
    old = {(r["case"], r["threads"]): r for r in previous["rows"]} if previous else {}
    lines = [f"# seqc vs PyTorch on CPU ({result['date']})", "",
             f"- machine: {m['name']}, {m['cores']} cores at {m['mhz']:.0f} MHz, "
             f"{platform.machine()}; torch {m['torch']}"]
    for n in sorted(int(k) for k in m if k.isdigit()):
        lines.append(f"- {n} thread(s), pinned to cores 0..{n - 1}: measured FMA peak "
                     f"{m[str(n)]['fma_peak'] / 1e9:.1f} GFLOP/s (bench/fma_peak.c), copy "
                     f"bandwidth {m[str(n)]['bandwidth'] / 1e9:.1f} GB/s (256 MiB copy)")
    lines += [f"- command: `{result['command']}` (median of the reps after warm-ups; "
              f"seqc and torch alternate case by case in one run)",
              f"- load average before / after: {result['load_before'][0]:.1f} / "
              f"{result['load_after'][0]:.1f} (the machine is shared: compare ratios "
              "within a run)",
              f"- roofline: `{out.with_suffix('.png').name}`; raw: "
              f"`{out.with_suffix('.json').name}`", "",
              "| case | threads | seqc ms | torch ms | torch/seqc | seqc vs hardware |"
              + (" before ms |" if previous else ""),
              "| --- | ---: | ---: | ---: | ---: | --- |" + (" ---: |" if previous else "")]
    for r in result["rows"]:
        mm = m[str(r["threads"])]
        if r["bound_bytes"]:
            bw = r["bound_bytes"] / r["seqc_s"]
            limit = f"{bw / 1e9:.1f} GB/s = {100 * bw / mm['bandwidth']:.0f}% of copy bandwidth"
        else:
            fl = r["flops"] / r["seqc_s"]
            limit = f"{fl / 1e9:.1f} GFLOP/s = {100 * fl / mm['fma_peak']:.0f}% of FMA peak"
        line = (f"| {r['case']} | {r['threads']} | {r['seqc_s'] * 1e3:.2f} | "
                f"{r['torch_s'] * 1e3:.2f} | {r['torch_s'] / r['seqc_s']:.2f}x | {limit} |")
        if previous:
            p = old.get((r["case"], r["threads"]))
            line += f" {p['seqc_s'] * 1e3:.2f} |" if p else " - |"
        lines.append(line)
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())

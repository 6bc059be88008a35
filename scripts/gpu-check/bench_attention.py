#!/usr/bin/env python3
"""Benchmarks seqc's FlashAttention-2 kernel against torch SDPA on a GPU.

Run by scripts/gpu-check.sh. On the FlashAttention benchmark grid (hidden
2048, batch x seqlen = 16k, seqlen 512..16k, head dim 64 and 128, causal
and not, bf16) it draws Q, K, V with torch, times
torch.nn.functional.scaled_dot_product_attention on the flash backend with
CUDA events, writes the inputs and torch's output as .npy (bf16 bits as
uint16), runs seq-gpu-run with the prepared kernel (checking its output
against torch's within 2e-2 and timing it with events), and prints a
Markdown table: medians of 10 runs after 3 warm-ups, TFLOP/s =
4 B S^2 H D / time, halved for causal.

Decode (one query per sequence, Llama-3-8B's attention shape: 32 query
heads on 8 KV heads, head dim 128, bf16) over batch 1..64 and KV 1k..32k
(at most 128k cached tokens per run, so the .npy files stay under 1 GiB):
the host chooses the split count as KernelDispatch's
selectGPUAttentionSplits does for this GPU's SM count (the decode form's
split kernel then the log-sum-exp merge, or the prefill kernel when the
keys are too few for two splits),
checks the result against torch's and reports the K/V read bandwidth as a
fraction of the HBM copy bandwidth measured in the same run (torch's
device-to-device copy of 1 GiB). Exit status 1 when a kernel fails or
disagrees with torch.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

import numpy as np


class Rows(list):
    """Table rows, each also written to stderr as it is measured, so a run
    cut short by a time limit still leaves its measurements in the log."""

    def append(self, row):
        print(row, file=sys.stderr, flush=True)
        super().append(row)

import torch
import torch.nn.functional as F

try:
    from torch.nn.attention import SDPBackend, sdpa_kernel

    def flash():
        return sdpa_kernel(SDPBackend.FLASH_ATTENTION)
except ImportError:  # torch < 2.3
    def flash():
        return torch.backends.cuda.sdp_kernel(
            enable_flash=True, enable_math=False, enable_mem_efficient=False)

HIDDEN = 2048
TOKENS = 16384
SEQLENS = [512, 1024, 2048, 4096, 8192, 16384]
WARMUP, RUNS = 3, 10
DECODE_HEADS, DECODE_KV_HEADS, DECODE_DIM = 32, 8, 128
DECODE_BATCHES = [1, 4, 16, 64]
DECODE_KEYS = [1024, 4096, 16384, 32768]
DECODE_MAX_TOKENS = 131072


def save_bf16(path, tensor):
    bits = tensor.contiguous().view(torch.int16).cpu().numpy().view(np.uint16)
    np.save(path, bits)


def time_torch(q, k, v, causal):
    with flash():
        for _ in range(WARMUP):
            F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        times = []
        for _ in range(RUNS):
            start = torch.cuda.Event(enable_timing=True)
            stop = torch.cuda.Event(enable_timing=True)
            start.record()
            F.scaled_dot_product_attention(q, k, v, is_causal=causal)
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop))
        out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    torch.cuda.synchronize()
    return statistics.median(times), out


def run(command):
    """Runs seq-gpu-run; (ok, median ms or None, check text, all output)."""
    result = subprocess.run(command, capture_output=True, text=True)
    text = result.stdout + result.stderr
    timing = re.search(r"median ([0-9.]+) ms", text)
    check = re.search(r"max abs error (\S+), (\d+) outside", text)
    return (result.returncode == 0, float(timing.group(1)) if timing else None,
            f"max abs error {check.group(1)}, {check.group(2)} outside 2e-2"
            if check else "", text)


def copy_bandwidth():
    """Device-to-device copy bandwidth in GB/s (reads + writes), median."""
    source = torch.empty(1 << 30, dtype=torch.uint8, device="cuda")
    target = torch.empty_like(source)
    times = []
    for i in range(WARMUP + RUNS):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        target.copy_(source)
        stop.record()
        stop.synchronize()
        if i >= WARMUP:
            times.append(start.elapsed_time(stop))
    del source, target
    return 2 * (1 << 30) / (statistics.median(times) * 1e-3) / 1e9


def decode_splits(sms, batch, kv_heads, keys, step):
    """KernelDispatch's selectGPUAttentionSplits for the decode form (one
    query per row): 3 blocks per SM, at least 2 splits, each at least 4
    block steps of `step` keys; 1 (the prefill kernel) when the keys make
    fewer than two such splits."""
    blocks = batch * kv_heads
    splits = max(2, (3 * sms + blocks - 1) // blocks)
    max_splits = keys // (4 * step)
    return 1 if max_splits < 2 else min(splits, max_splits)


def decode(args, rows):
    failures = 0
    bandwidth = copy_bandwidth()
    split_base = os.path.join(args.kernels, "decode_split")
    full_base = os.path.join(args.kernels, "decode_full")
    groups = DECODE_HEADS // DECODE_KV_HEADS
    # The decode form's block step (KernelDispatch): 4 warps of 32 / (D / 8)
    # lane groups, 4 keys each (one query row per group head: G <= 4 rows).
    step = 4 * (32 // (DECODE_DIM // 8)) * 4
    for batch in DECODE_BATCHES:
        for keys in DECODE_KEYS:
            if batch * keys > DECODE_MAX_TOKENS:
                continue
            torch.manual_seed(batch * 7 + keys)
            q = torch.randn((batch, DECODE_HEADS, 1, DECODE_DIM),
                            device="cuda", dtype=torch.bfloat16)
            k, v = (torch.randn((batch, DECODE_KV_HEADS, keys, DECODE_DIM),
                                device="cuda", dtype=torch.bfloat16)
                    for _ in range(2))
            ke = k.repeat_interleave(groups, dim=1)
            ve = v.repeat_interleave(groups, dim=1)
            out = F.scaled_dot_product_attention(q, ke, ve)
            times = []
            for i in range(WARMUP + RUNS):
                start = torch.cuda.Event(enable_timing=True)
                stop = torch.cuda.Event(enable_timing=True)
                start.record()
                F.scaled_dot_product_attention(q, ke, ve)
                stop.record()
                stop.synchronize()
                if i >= WARMUP:
                    times.append(start.elapsed_time(stop))
            torch_ms = statistics.median(times)
            del ke, ve
            paths = {}
            for name, tensor in (("q", q), ("k", k), ("v", v), ("o", out)):
                paths[name] = os.path.join(args.tmp, f"d{name}.npy")
                save_bf16(paths[name], tensor)
            del q, k, v, out
            torch.cuda.empty_cache()
            splits = decode_splits(args.sms, batch, DECODE_KV_HEADS, keys,
                                   step)
            common = ["--bench", str(RUNS), "--warmup", str(WARMUP)]
            inputs = ["--arg", f"0={paths['q']}", "--arg", f"1={paths['k']}",
                      "--arg", f"2={paths['v']}"]
            if splits > 1:
                part = os.path.join(args.tmp, "part.npy")
                lse = os.path.join(args.tmp, "lse.npy")
                manifest = f"{split_base}.{args.manifest_arch}.json"
                ok1, ms1, _, text1 = run(
                    [args.runner, f"{split_base}.{args.suffix}", "--manifest",
                     manifest, "--kernel", args.split_kernel] + inputs + [
                         "--scratch",
                         f"3={batch}x{DECODE_HEADS}x{splits}x1x{DECODE_DIM}",
                         "--scratch", f"4={batch}x{DECODE_HEADS}x{splits}x1",
                         "--save", f"3={part}", "--save", f"4={lse}"] + common)
                ok2, ms2, check, text2 = run(
                    [args.runner, f"{split_base}.{args.suffix}", "--manifest",
                     manifest, "--kernel", "attention_merge_bf16", "--arg",
                     f"0={part}", "--arg", f"1={lse}", "--expect",
                     f"2={paths['o']}", "--rtol", "2e-2", "--atol", "2e-2"] +
                    common)
                ok, text = ok1 and ok2, text1 + text2
                seq_ms = ms1 + ms2 if ms1 is not None and ms2 is not None \
                    else None
                kernel = f"decode x{splits} + merge"
            else:
                ok, seq_ms, check, text = run(
                    [args.runner, f"{full_base}.{args.suffix}", "--manifest",
                     f"{full_base}.{args.manifest_arch}.json", "--kernel",
                     args.full_kernel] + inputs + [
                         "--expect", f"3={paths['o']}", "--rtol", "2e-2",
                         "--atol", "2e-2"] + common)
                kernel = "one pass"
            kv_bytes = 2 * batch * DECODE_KV_HEADS * keys * DECODE_DIM * 2
            if not ok or seq_ms is None:
                failures += 1
                last = text.strip().splitlines()[-1] if text.strip() else ""
                rows.append(f"| {batch} | {keys} | {kernel} | {torch_ms:.3f} "
                            f"| **FAILED** | | {last} |")
                print(text, file=sys.stderr)
                continue
            seq_bw = kv_bytes / (seq_ms * 1e-3) / 1e9
            rows.append(f"| {batch} | {keys} | {kernel} | {torch_ms:.3f} | "
                        f"{seq_ms:.3f} | {seq_bw:.0f} GB/s = "
                        f"{seq_bw / bandwidth:.2f} of copy | {check} |")
            for p in paths.values():
                os.remove(p)
    return failures, bandwidth


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runner", required=True)
    parser.add_argument("--kernels", required=True)
    parser.add_argument("--suffix", required=True)  # sm_90a.cubin, ...
    parser.add_argument("--manifest-arch", required=True)
    parser.add_argument("--tmp", required=True)
    parser.add_argument("--sms", type=int, required=True)
    parser.add_argument("--split-kernel", required=True)
    parser.add_argument("--full-kernel", required=True)
    args = parser.parse_args()

    rows = Rows()
    failures = 0
    for head_dim in (64, 128):
        heads = HIDDEN // head_dim
        for causal in (False, True):
            kind = "causal" if causal else "noncausal"
            base = os.path.join(args.kernels, f"attention_d{head_dim}_{kind}")
            manifest = f"{base}.{args.manifest_arch}.json"
            for seqlen in SEQLENS:
                batch = TOKENS // seqlen
                torch.manual_seed(seqlen + head_dim)
                shape = (batch, heads, seqlen, head_dim)
                q, k, v = (torch.randn(shape, device="cuda",
                                       dtype=torch.bfloat16) for _ in range(3))
                torch_ms, out = time_torch(q, k, v, causal)
                paths = {}
                for name, tensor in (("q", q), ("k", k), ("v", v), ("o", out)):
                    paths[name] = os.path.join(args.tmp, f"{name}.npy")
                    save_bf16(paths[name], tensor)
                del q, k, v, out
                command = [
                    args.runner, f"{base}.{args.suffix}", "--manifest",
                    manifest, "--arg", f"0={paths['q']}", "--arg",
                    f"1={paths['k']}", "--arg", f"2={paths['v']}",
                    "--expect", f"3={paths['o']}", "--rtol", "2e-2",
                    "--atol", "2e-2", "--bench", str(RUNS), "--warmup",
                    str(WARMUP)
                ]
                result = subprocess.run(command, capture_output=True,
                                        text=True)
                text = result.stdout + result.stderr
                timing = re.search(r"median ([0-9.]+) ms", text)
                check = re.search(r"max abs error (\S+), (\d+) outside", text)
                flops = 4.0 * batch * seqlen * seqlen * heads * head_dim
                if causal:
                    flops /= 2
                torch_tflops = flops / (torch_ms * 1e-3) / 1e12
                if result.returncode != 0 or not timing:
                    failures += 1
                    last = text.strip().splitlines()[-1] if text.strip() else ""
                    rows.append(
                        f"| {head_dim} | {kind} | {batch} x {seqlen} | "
                        f"{torch_ms:.3f} | {torch_tflops:.1f} | **FAILED** | | "
                        f"| {last} |")
                    print(text, file=sys.stderr)
                    continue
                seq_ms = float(timing.group(1))
                seq_tflops = flops / (seq_ms * 1e-3) / 1e12
                rows.append(
                    f"| {head_dim} | {kind} | {batch} x {seqlen} | "
                    f"{torch_ms:.3f} | {torch_tflops:.1f} | {seq_ms:.3f} | "
                    f"{seq_tflops:.1f} | {seq_tflops / torch_tflops:.2f} | "
                    f"max abs error {check.group(1)}, {check.group(2)} "
                    f"outside 2e-2 |")
                for p in paths.values():
                    os.remove(p)
    print("| head dim | mask | batch x seqlen | torch ms | torch TFLOP/s | "
          "seqc ms | seqc TFLOP/s | seqc / torch | seqc vs torch output |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    decode_rows = Rows()
    decode_failures, bandwidth = decode(args, decode_rows)
    print()
    print(f"Decode attention ({DECODE_HEADS} query heads, {DECODE_KV_HEADS} "
          f"KV heads, head dim {DECODE_DIM}, bf16, one query per sequence; "
          f"torch: SDPA on K/V repeated to {DECODE_HEADS} heads, default "
          f"backend). HBM copy bandwidth measured in this run: "
          f"{bandwidth:.0f} GB/s.")
    print()
    print("| batch | KV length | seqc kernels | torch ms | seqc ms | "
          "seqc K/V read bandwidth | seqc vs torch output |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(decode_rows))
    return 1 if failures or decode_failures else 0


if __name__ == "__main__":
    sys.exit(main())

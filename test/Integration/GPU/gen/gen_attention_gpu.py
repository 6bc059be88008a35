"""Golden data for the GPU attention kernels' emulated tests
(test/Integration/GPU/attention_*.mlir) whose shapes the CPU goldens do not
cover: f16 storage, head dim 128, several query and key tiles, and decode
against a long KV (split-KV). The reference is the CPU generators' own
(../../CPU/gen/common.py attention_ref: the definition in float64,
cross-checked against torch SDPA). Inputs are stored as float32 .npy files
holding values exact in the case's storage type (f16 or bf16); goldens are
the float64 reference as float32 (not rounded to the storage type: the
tests' tolerances cover the kernels' f16/bf16 output rounding and their
f16/bf16 P operand of P.V). Deterministic (inputs seeded by the case name):
run from this folder to rewrite ../Inputs/<case>/."""

import os
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "CPU" / "gen"))
from common import (F64, attention_ref, gather_paged, randn,  # noqa: E402
                    rng_for)

INPUTS = HERE.parent / "Inputs"
STORAGE = {"f16": torch.float16, "bf16": torch.bfloat16}


def case(name, dtype, B, Hq, Hkv, Sq, Skv, D, causal, scale=None,
         window=None, softcap=None):
    rng = rng_for(name)
    tensors = {}
    for stem, shape in (("q", (B, Hq, Sq, D)), ("k", (B, Hkv, Skv, D)),
                        ("v", (B, Hkv, Skv, D))):
        tensors[stem] = randn(rng, *shape).to(STORAGE[dtype]).to(F64)
    out, _ = attention_ref(tensors["q"], tensors["k"], tensors["v"],
                           scale=scale, causal=causal, window=window,
                           softcap=softcap)
    folder = INPUTS / name
    os.makedirs(folder, exist_ok=True)
    for stem, t in tensors.items():
        np.save(folder / f"{stem}.npy", t.to(torch.float32).numpy())
    np.save(folder / "out.npy", out.to(torch.float32).numpy())
    print("wrote", name)


# Prefill, f16, GQA 4:1, causal, 72 positions: 5 query blocks of 16
# positions x 4 heads, 2 key tiles of 64 (the second partial), the first
# query blocks skip the second tile.
case("attn_gpu_f16_gqa_causal", "f16", B=2, Hq=4, Hkv=1, Sq=72, Skv=72,
     D=64, causal=True)
# Prefill, bf16, head dim 128, MHA, explicit scale, not causal, Sq < Skv:
# one query block with 40 of its 64 rows padding, 3 key tiles of 32 (the
# last partial).
case("attn_gpu_bf16_d128", "bf16", B=1, Hq=2, Hkv=2, Sq=24, Skv=72, D=128,
     causal=False, scale=0.1)
# Decode, bf16, GQA 4:1, two query rows against 520 keys, causal: split-KV
# (4 splits of 192 keys on cuda:sm_80 and hip:gfx942; the last is empty).
case("attn_gpu_decode_bf16", "bf16", B=1, Hq=8, Hkv=2, Sq=2, Skv=520, D=32,
     causal=True)
# Decode form (KernelDispatch's decode split kernel: K/V rows in registers,
# 128-bit loads), bf16, GQA 4:1, D = 128. One query per sequence against
# 843 keys: 6 splits of 160 keys on cuda:sm_80 (the last 43 keys, a
# partial step), 3 splits of 320 on hip:gfx942 (the last 203).
case("attn_gpu_decode_bf16_d128", "bf16", B=1, Hq=8, Hkv=2, Sq=1, Skv=843,
     D=128, causal=False)
# Two query positions (8 rows per block: the group's 4 heads at each),
# causal, against 300 keys: 4 splits on cuda:sm_80 (the last 60 keys), 2
# on hip:gfx942.
case("attn_gpu_decode_bf16_d128_causal", "bf16", B=1, Hq=8, Hkv=2, Sq=2,
     Skv=300, D=128, causal=True)


# The sm_90a wgmma prefill form (and sm_80's mma.sync form) on shapes the
# cases above leave out. bf16, head dim 128, GQA 4:2, causal, 80
# positions: 3 query blocks of 32 positions x 2 heads (the last 16
# positions, 32 padding rows), 3 key tiles of 32 (the last partial, 16).
case("attn_gpu_bf16_d128_causal", "bf16", B=1, Hq=4, Hkv=2, Sq=80, Skv=80,
     D=128, causal=True)
# bf16, head dim 64, GQA 2:1, not causal, Sq < Skv, two batch rows: 2
# query blocks of 32 positions x 2 heads (the second 8 positions), 3 key
# tiles of 64 (the last 22 keys).
case("attn_gpu_bf16_d64_noncausal", "bf16", B=2, Hq=2, Hkv=1, Sq=40,
     Skv=150, D=64, causal=False)


def ragged_case(name, dtype, B, Hq, Hkv, Sq, Skv, D, causal, lengths,
                window=None):
    """Attention over ragged KV (seq.attention's kv_lengths, the decode
    step's pos + 1 against a cache of capacity Skv): row b reads keys
    [0, L_b), L_b = min(max(n_b, 0), Skv) (the CPU lowering's clamp). Each
    entry of `lengths` (suffix -> counts) writes lengths{suffix}.npy,
    out{suffix}.npy and status{suffix}.npy (2, SEQRT_CODE_CACHE_OVERFLOW,
    when a count is outside [0, Skv]; else 0) over the same Q, K, V. A row
    with no key (L_b = 0, or a causal query before the first key) is
    zeros, as on the CPU. Keys past L_b hold random values, so a kernel
    that reads them fails."""
    rng = rng_for(name)
    tensors = {}
    for stem, shape in (("q", (B, Hq, Sq, D)), ("k", (B, Hkv, Skv, D)),
                        ("v", (B, Hkv, Skv, D))):
        tensors[stem] = randn(rng, *shape).to(STORAGE[dtype]).to(F64)
    folder = INPUTS / name
    os.makedirs(folder, exist_ok=True)
    for stem, t in tensors.items():
        np.save(folder / f"{stem}.npy", t.to(torch.float32).numpy())
    for suffix, counts in lengths.items():
        clamped = torch.tensor([min(max(n, 0), Skv) for n in counts])
        out, _ = attention_ref(tensors["q"], tensors["k"], tensors["v"],
                               kv_lengths=clamped, causal=causal,
                               window=window)
        bad = any(n < 0 or n > Skv for n in counts)
        np.save(folder / f"lengths{suffix}.npy", np.array(counts, np.int32))
        np.save(folder / f"status{suffix}.npy",
                np.array([2 if bad else 0], np.int32))
        np.save(folder / f"out{suffix}.npy", out.to(torch.float32).numpy())
    print("wrote", name)


# Decode against a cache of 512 keys, bf16, GQA 4:1, D = 64, one query
# per row (causal or not: the same with one query): lengths 1 (the first
# decode step), 0 (no key: zeros), 512 (the full cache) and 203 (a partial
# block step / K/V tile). "_bad":
# counts past the cache (513) and negative (-2): those rows run clamped
# (512, 0) and the status word holds 2.
ragged_case("attn_gpu_ragged_decode_bf16", "bf16", B=4, Hq=4, Hkv=1, Sq=1,
            Skv=512, D=64, causal=False,
            lengths={"": [1, 0, 512, 203], "_bad": [1, 513, -2, 203]})
# Chunked prefill, f16, GQA 4:2, D = 64, 5 query positions against a cache
# of 150, causal: 5 (the prompt), 130 (3 key tiles of 64, the last
# partial) and 3 (the first two queries see no key: zeros).
ragged_case("attn_gpu_ragged_prefill_f16", "f16", B=3, Hq=4, Hkv=2, Sq=5,
            Skv=150, D=64, causal=True, lengths={"": [5, 130, 3]})


# Sliding windows (Mistral, Qwen2, Gemma-2: keys j > p(i) - W) and
# Gemma-2's softcap (c tanh(s / c) on the scaled score) in the score path.
# The reference applies both by definition (attention_explicit; the window
# alone is also cross-checked against SDPA's mask).
# Prefill, bf16, GQA 2:1, D = 64, causal, window 24, softcap 1.5 (the
# scaled scores have std ~1: tanh bends most of them), 200 positions: 7
# query blocks of 32 positions x 2 heads; the block of positions 160..191
# starts its keys at 137 (keys 0..136 never loaded).
case("attn_gpu_window_softcap", "bf16", B=1, Hq=2, Hkv=1, Sq=200, Skv=200,
     D=64, causal=True, window=24, softcap=1.5)
# bf16, MHA, D = 128, not causal, window 30 with softcap 3.0, 40 queries
# against 120 keys (bottom-right: query i at 80 + i keeps keys 51 + i ..
# 119; too few keys to split): one query block, key tiles of 32 from key
# 51.
case("attn_gpu_window_d128", "bf16", B=1, Hq=2, Hkv=2, Sq=40, Skv=120,
     D=128, causal=False, window=30, softcap=3.0)
# Decode, bf16, GQA 4:1, D = 128, one query against 843 keys (causal or
# not: the same), window 300, softcap 4.0: the splits divide keys
# [543, 843) (the decode form: 6 splits of 64 on cuda:sm_80, the last
# empty; 3 of 128 on hip:gfx942).
case("attn_gpu_decode_window", "bf16", B=1, Hq=8, Hkv=2, Sq=1, Skv=843,
     D=128, causal=False, window=300, softcap=4.0)
# Ragged decode with a window of 100 (Mistral's decode step against a
# cache of 512): counts 1, 0, 512 and 203; row b reads keys
# [max(0, L_b - 100), L_b).
ragged_case("attn_gpu_ragged_window", "bf16", B=4, Hq=4, Hkv=1, Sq=1,
            Skv=512, D=64, causal=False, window=100,
            lengths={"": [1, 0, 512, 203]})


def paged_case(name, dtype, B, Hq, Hkv, Sq, D, block_size, max_blocks,
               num_blocks, causal, lengths=None, bad=()):
    """Paged KV (seq.attention's block_table: K and V are caches
    [num_blocks, Hkv, block_size, D], logical key j of row b is slot
    j % block_size of block block_table[b, j // block_size]). Every cache
    block holds random values; row b's used entries (the first
    ceil(L_b / block_size), all with no kv_lengths) name distinct blocks
    in a random order, its unused entries random valid blocks (garbage a
    kernel must not read). The reference is the definition (float64) on
    the contiguous K/V gathered through the table (common.gather_paged).
    Writes q, k_cache, v_cache, block_table, lengths (when given), out and
    status (0). `bad` lists (row, entry, id) written into a second table,
    block_table_bad: ids outside [0, num_blocks) store status 1
    (SEQRT_CODE_INDEX_OUT_OF_RANGE) and read block 0, as the CPU lowering
    has it (out_bad, status_bad)."""
    rng = rng_for(name)
    q = randn(rng, B, Hq, Sq, D).to(STORAGE[dtype]).to(F64)
    kc = randn(rng, num_blocks, Hkv, block_size, D).to(STORAGE[dtype]).to(F64)
    vc = randn(rng, num_blocks, Hkv, block_size, D).to(STORAGE[dtype]).to(F64)
    Skv = max_blocks * block_size
    counts = lengths if lengths is not None else [Skv] * B
    order = list(rng.permutation(num_blocks))
    table = np.zeros((B, max_blocks), np.int32)
    for b in range(B):
        used = -(-counts[b] // block_size)
        for e in range(max_blocks):
            table[b, e] = (order.pop() if e < used
                           else rng.integers(0, num_blocks))
    folder = INPUTS / name
    os.makedirs(folder, exist_ok=True)

    def reference(t):
        safe = torch.from_numpy(np.where((t >= 0) & (t < num_blocks), t, 0))
        k = gather_paged(kc, safe)
        v = gather_paged(vc, safe)
        kv = torch.tensor(counts) if lengths is not None else None
        out, _ = attention_ref(q, k, v, kv_lengths=kv, causal=causal)
        return out

    for stem, t in (("q", q), ("k_cache", kc), ("v_cache", vc)):
        np.save(folder / f"{stem}.npy", t.to(torch.float32).numpy())
    if lengths is not None:
        np.save(folder / "lengths.npy", np.array(lengths, np.int32))
    np.save(folder / "block_table.npy", table)
    np.save(folder / "status.npy", np.array([0], np.int32))
    np.save(folder / "out.npy", reference(table).to(torch.float32).numpy())
    if bad:
        hostile = table.copy()
        for row, entry, block in bad:
            hostile[row, entry] = block
        np.save(folder / "block_table_bad.npy", hostile)
        np.save(folder / "status_bad.npy", np.array([1], np.int32))
        np.save(folder / "out_bad.npy",
                reference(hostile).to(torch.float32).numpy())
    print("wrote", name)


# Paged decode (vLLM's block table), bf16, GQA 4:1, D = 64, one query per
# row, blocks of 16 keys, 32 entries per row (a logical cache of 512):
# lengths 1, 0, 512 and 203 (13 blocks, the last partial), 64 cache
# blocks. block_table_bad: id 64 (one past the cache) in a used entry of
# row 2 and -7 in an unused entry of row 1 (the whole table is checked).
paged_case("attn_gpu_paged_decode_bf16", "bf16", B=4, Hq=4, Hkv=1, Sq=1,
           D=64, block_size=16, max_blocks=32, num_blocks=64, causal=False,
           lengths=[1, 0, 512, 203], bad=[(2, 5, 64), (1, 3, -7)])
# Paged chunked prefill, f16, GQA 4:2, D = 64, 5 queries, causal, blocks
# of 16, 10 entries (160 keys): lengths 5, 130 (3 K/V tiles of 64 over 9
# blocks) and 3 (the first two queries see no key).
paged_case("attn_gpu_paged_prefill_f16", "f16", B=3, Hq=4, Hkv=2, Sq=5,
           D=64, block_size=16, max_blocks=10, num_blocks=24, causal=True,
           lengths=[5, 130, 3])
# Paged prefill with no kv_lengths (every entry used: 80 keys), bf16,
# GQA 2:1, D = 128, 40 queries, not causal, blocks of 8 (smaller than a
# K/V tile of 32: each tile spans 4 blocks), 20 of 24 cache blocks used.
paged_case("attn_gpu_paged_d128_bf16", "bf16", B=2, Hq=4, Hkv=2, Sq=40,
           D=128, block_size=8, max_blocks=10, num_blocks=24, causal=False)


# Head dims that are not multiples of 16 (the k steps of Q.K^T and the
# MFMA output tiles padded with zeros in the fragments) and D = 80 (a
# multiple of 16 no other test has). bf16, D = 72, GQA 2:1, causal, 40
# queries against 100 keys: 2 query blocks, 4 key tiles of 32 (the last 4
# keys).
case("attn_gpu_bf16_d72_causal", "bf16", B=1, Hq=4, Hkv=2, Sq=40, Skv=100,
     D=72, causal=True)
# f16, D = 80, MHA, not causal, 24 queries against 72 keys.
case("attn_gpu_f16_d80", "f16", B=1, Hq=2, Hkv=2, Sq=24, Skv=72, D=80,
     causal=False)
# Decode, bf16, D = 72 (9 lanes per key: no decode form, the tiled split
# kernel + merge), GQA 4:1, one query against 600 keys.
case("attn_gpu_decode_bf16_d72", "bf16", B=1, Hq=8, Hkv=2, Sq=1, Skv=600,
     D=72, causal=False)

"""Golden data for the GPU MoE kernels' emulated tests
(test/Integration/GPU/moe_*) whose shapes the CPU goldens do not cover:

* moe_gpu_bf16: the bf16 expert FFN (SwiGLU) on tensor cores with groups
  of more than one row tile (expert 0 holds 41 of the 96 slots), several
  K steps (Dm = 48, F = 80) and partial column tiles; the reference is
  ../../CPU/gen/gen_moe.py experts_ref (HF Mixtral's expert loop) in
  float64 on the bf16 values, its dispatch from dispatch_ref.
* moe_dispatch_gpu_long: 5000 slots over 8 experts with capacity 1.0 and
  some invalid expert ids (-1, 8): more than one dispatch segment on CUDA.
  The reference is torch's stable sort: kept slots by expert, then the
  dropped and invalid ones in slot order (the CPU's order).
* moe_gpu_hostile: a permutation and offsets no dispatch would produce
  (slots -1, 96 and 1000; offsets decreasing, negative and past S = 96)
  for moe_gpu_bf16's tokens: the expert kernels must finish without an
  out-of-bounds access (no golden: the result is meaningless).
* moe_dispatch_gpu_capacity: the full permutation (dropped slots in slot
  order) of the CPU capacity test's experts
  (../../CPU/Inputs/moe_dispatch_capacity/experts.npy), whose CPU golden
  masks the dropped part.
* moe_gpu_geglu_bf16, moe_gpu_gelu_bf16: bf16 GeGLU and ungated GELU
  experts (exact GELU) on moe_gpu_bf16's routing and shapes (the matrix
  instruction); the reference is experts_ref (F.gelu).
* moe_gpu_gelu_range: the up kernel's H alone for ungated f32 GELU
  experts whose pre-activations sweep [-8, 8] (x[t] = (1, v_t, 0...),
  up[e, f] = (0, c_f, 0...)): F.gelu in float64 of exactly those f32
  pre-activations (h_erf), to measure the kernel's polynomial erf.
* grouped_matmul_gpu_{bf16,f16}: seq.grouped_matmul on the matrix
  instruction: R = 100 rows, E = 5 groups over offsets [3, 40, 40, 77, 90,
  96] (rows 0-2 and 96-99 belong to no group: zeros; group 1 is empty;
  groups 0 and 2 span two row tiles), K = 72 (a last K step 8 deep), N =
  80 (a partial column tile); the reference is F.linear per group in
  float64 on the rounded values, rounded to the output type.

Deterministic (inputs seeded by the case name): run from this folder to
rewrite ../Inputs/<case>/."""

import math
import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "CPU" / "gen"))
from common import F64, randn, rng_for, uniform  # noqa: E402
from gen_moe import dispatch_ref, experts_ref  # noqa: E402

INPUTS = HERE.parent / "Inputs"


def save(name, arrays):
    folder = INPUTS / name
    os.makedirs(folder, exist_ok=True)
    for stem, a in arrays.items():
        np.save(folder / f"{stem}.npy", np.ascontiguousarray(a),
                allow_pickle=False)


def bf16(t):
    return t.to(torch.bfloat16).to(F64)


def dispatch_sorted(experts, E, capacity_factor):
    """Stable sort of the slots: key e for a kept slot of expert e (its
    first C slots), E for a dropped or invalid one."""
    T, K = experts.shape
    flat = experts.reshape(-1).to(torch.int64)
    valid = (flat >= 0) & (flat < E)
    C = T * K if capacity_factor is None else math.ceil(
        capacity_factor * T * K / E)
    key = torch.where(valid, flat, torch.full_like(flat, E))
    rank = torch.zeros_like(flat)
    for e in range(E):
        mine = key == e
        rank[mine] = torch.cumsum(mine.to(torch.int64), 0)[mine] - 1
    key = torch.where(valid & (rank >= C), torch.full_like(key, E), key)
    perm = torch.sort(key, stable=True).indices
    counts = torch.bincount(key, minlength=E + 1)[:E]
    offsets = torch.cat([torch.zeros(1, dtype=torch.int64),
                         torch.cumsum(counts, 0)])
    return perm.to(torch.int32), offsets.to(torch.int32)


def bf16_case():
    name = "moe_gpu_bf16"
    rng = rng_for(name)
    T, K, E, Dm, Fh = 48, 2, 4, 48, 80
    rows = []
    for t in range(T):
        if t < 41:
            rows.append([0, int(rng.integers(1, E))])
        else:
            rows.append([int(v) for v in rng.permutation(np.arange(1, E))[:K]])
    experts = torch.tensor(rows, dtype=torch.int32)
    x = bf16(randn(rng, T, Dm))
    weights = uniform(rng, 0.1, 0.9, T, K).to(torch.float32).to(F64)
    gate = bf16(randn(rng, E, Fh, Dm, scale=0.2))
    up = bf16(randn(rng, E, Fh, Dm, scale=0.2))
    down = bf16(randn(rng, E, Dm, Fh, scale=0.15))
    perm, off, kept = dispatch_ref(experts, E)
    assert int(off[1] - off[0]) > 32, "expert 0 needs two row tiles"
    y = experts_ref(x, weights, experts.long(), kept, gate, up, down, "swiglu")
    f32 = lambda t: t.to(torch.float32).numpy()
    save(name, {"x": f32(x), "weights": f32(weights), "experts":
                experts.numpy(), "permutation": perm.numpy(),
                "expert_offsets": off.numpy(), "w_gate": f32(gate),
                "w_up": f32(up), "w_down": f32(down), "out": f32(y)})


def bf16_routing(rng, T, K, E):
    """moe_gpu_bf16's routing: the first 41 tokens pick expert 0."""
    rows = []
    for t in range(T):
        if t < 41:
            rows.append([0, int(rng.integers(1, E))])
        else:
            rows.append([int(v) for v in rng.permutation(np.arange(1, E))[:K]])
    return torch.tensor(rows, dtype=torch.int32)


def gelu_cases():
    f32 = lambda t: t.to(torch.float32).numpy()
    for name, act in (("moe_gpu_geglu_bf16", "geglu"),
                      ("moe_gpu_gelu_bf16", "gelu")):
        rng = rng_for(name)
        T, K, E, Dm, Fh = 48, 2, 4, 48, 80
        experts = bf16_routing(rng, T, K, E)
        x = bf16(randn(rng, T, Dm))
        weights = uniform(rng, 0.1, 0.9, T, K).to(torch.float32).to(F64)
        gate = (bf16(randn(rng, E, Fh, Dm, scale=0.2))
                if act == "geglu" else None)
        up = bf16(randn(rng, E, Fh, Dm, scale=0.2))
        down = bf16(randn(rng, E, Dm, Fh, scale=0.15))
        perm, off, kept = dispatch_ref(experts, E)
        assert int(off[1] - off[0]) > 32, "expert 0 needs two row tiles"
        y = experts_ref(x, weights, experts.long(), kept, gate, up, down, act)
        arrays = {"x": f32(x), "weights": f32(weights),
                  "permutation": perm.numpy(), "expert_offsets": off.numpy(),
                  "w_up": f32(up), "w_down": f32(down), "out": f32(y)}
        if gate is not None:
            arrays["w_gate"] = f32(gate)
        save(name, arrays)

    # Pre-activations x[t] . up[e, f] = v_t * c_f (one nonzero product per
    # dot): 64 tokens x 80 features over [-8, 8].
    name = "moe_gpu_gelu_range"
    T, K, E, Dm, Fh = 64, 1, 2, 16, 80
    v = torch.linspace(-8.0, 8.0, T, dtype=torch.float32)
    c = torch.linspace(0.05, 1.0, Fh, dtype=torch.float32)
    x = torch.zeros(T, Dm, dtype=torch.float32)
    x[:, 0] = 1.0
    x[:, 1] = v
    up = torch.zeros(E, Fh, Dm, dtype=torch.float32)
    up[:, :, 1] = c
    experts = torch.tensor([[t % E] for t in range(T)], dtype=torch.int32)
    perm, off, _ = dispatch_ref(experts, E)
    # H's row r holds the token of slot perm[r] (K = 1: the token); its
    # pre-activations are the f32 products, rounded once as the kernel's
    # fma(v, c, 0) rounds them.
    pre = (v[perm.long()][:, None] * c[None, :]).to(F64)
    save(name, {"x": x.numpy(), "permutation": perm.numpy(),
                "expert_offsets": off.numpy(), "w_up": up.numpy(),
                "h_erf": f32(F.gelu(pre))})


def grouped_matmul_cases():
    for name, dtype in (("grouped_matmul_gpu_bf16", torch.bfloat16),
                        ("grouped_matmul_gpu_f16", torch.float16)):
        rng = rng_for(name)
        R, K, N, E = 100, 72, 80, 5
        offsets = torch.tensor([3, 40, 40, 77, 90, 96], dtype=torch.int32)
        rows = randn(rng, R, K).to(dtype).to(F64)
        weight = randn(rng, E, N, K, scale=0.2).to(dtype).to(F64)
        y = torch.zeros(R, N, dtype=F64)
        for e in range(E):
            a, b = int(offsets[e]), int(offsets[e + 1])
            y[a:b] = F.linear(rows[a:b], weight[e])
        f32 = lambda t: t.to(torch.float32).numpy()
        save(name, {"input": f32(rows), "weight": f32(weight),
                    "offsets": offsets.numpy(),
                    "out": f32(y.to(dtype))})


def long_dispatch_case():
    name = "moe_dispatch_gpu_long"
    rng = rng_for(name)
    T, K, E = 2500, 2, 8
    experts = torch.from_numpy(
        np.stack([rng.permutation(E)[:K] for _ in range(T)])).to(torch.int32)
    # Skew: expert 3 overflows its capacity; a few invalid ids.
    experts[: T // 2, 0] = 3
    experts[experts[:, 1] == 3, 1] = 5
    experts[17, 1] = -1
    experts[1234, 0] = 8
    experts[4999 // 2, 1] = -7
    perm, off = dispatch_sorted(experts, E, 1.0)
    save(name, {"experts": experts.numpy(), "permutation": perm.numpy(),
                "expert_offsets": off.numpy()})


def hostile_case():
    perm = np.load(INPUTS / "moe_gpu_bf16" / "permutation.npy").copy()
    perm[3], perm[50], perm[95] = -1, 96, 1000
    offsets = np.array([0, 60, 20, -5, 1000], dtype=np.int32)
    save("moe_gpu_hostile", {"permutation": perm.astype(np.int32),
                             "expert_offsets": offsets})


def capacity_dispatch_case():
    experts = torch.from_numpy(np.load(
        HERE.parent.parent / "CPU" / "Inputs" / "moe_dispatch_capacity" /
        "experts.npy"))
    perm, off = dispatch_sorted(experts, 4, 1.25)
    ref_perm, ref_off, _ = dispatch_ref(experts, 4, 1.25)
    assert torch.equal(perm, ref_perm) and torch.equal(off, ref_off)
    save("moe_dispatch_gpu_capacity", {"permutation": perm.numpy(),
                                       "expert_offsets": off.numpy()})


if __name__ == "__main__":
    bf16_case()
    long_dispatch_case()
    hostile_case()
    capacity_dispatch_case()
    gelu_cases()
    grouped_matmul_cases()
    print("wrote moe_gpu_bf16, moe_dispatch_gpu_long, moe_gpu_hostile, "
          "moe_dispatch_gpu_capacity, moe_gpu_geglu_bf16, "
          "moe_gpu_gelu_bf16, moe_gpu_gelu_range, "
          "grouped_matmul_gpu_bf16, grouped_matmul_gpu_f16")

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

Deterministic (inputs seeded by the case name): run from this folder to
rewrite ../Inputs/<case>/."""

import math
import os
import sys
from pathlib import Path

import numpy as np
import torch

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
    print("wrote moe_gpu_bf16, moe_dispatch_gpu_long, moe_gpu_hostile, "
          "moe_dispatch_gpu_capacity")

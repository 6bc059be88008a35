#!/usr/bin/env python3
"""Golden for seq.moe_experts with shared-expert operands (GELU and GeGLU
experts), test/Integration/CPU/moe/moe_experts_shared_*.mlir. PyTorch eager
in float64.

    python3 test/Integration/CPU/gen/gen_moe_shared.py
"""
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"


def case(name, gated, seed):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)
    T, DM, E, K, FF, FS = 5, 8, 3, 2, 6, 10
    x = r(T, DM)
    experts = torch.stack([torch.randperm(E, generator=g)[:K] for _ in range(T)])
    w = torch.rand(T, K, generator=g, dtype=torch.float64)
    wg, wu, wd = r(E, FF, DM) * 0.5, r(E, FF, DM) * 0.5, r(E, DM, FF) * 0.5
    sg, su, sd = r(FS, DM) * 0.5, r(FS, DM) * 0.5, r(DM, FS) * 0.5
    act = lambda gate, up: (F.gelu(gate) * up) if gated else F.gelu(up)
    out = torch.zeros(T, DM, dtype=torch.float64)
    for t in range(T):
        for k in range(K):
            e = int(experts[t, k])
            out[t] += w[t, k] * (act(wg[e] @ x[t], wu[e] @ x[t]) @ wd[e].T)
        out[t] += act(sg @ x[t], su @ x[t]) @ sd.T
    d = INPUTS / name
    d.mkdir(parents=True, exist_ok=True)
    arrays = dict(x=x, w=w, wu=wu, wd=wd, su=su, sd=sd, out=out)
    if gated:
        arrays.update(wg=wg, sg=sg)
    for key, a in arrays.items():
        np.save(d / f"{key}.npy", a.numpy().astype(np.float32))
    np.save(d / "experts.npy", experts.numpy().astype(np.int32))


if __name__ == "__main__":
    case("moe_experts_shared_gelu", False, 41)
    case("moe_experts_shared_geglu", True, 42)

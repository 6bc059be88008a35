#!/usr/bin/env python3
"""Goldens for fused lowerings (test/Integration/CPU/model/*_fused.mlir):
PyTorch eager references in float64.

    python3 test/Integration/CPU/gen/gen_fusion.py
"""
from pathlib import Path

import numpy as np
import torch

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"


def main():
    g = torch.Generator().manual_seed(31)
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)
    x, gamma, wq, wk, bk = r(2, 5, 48), 1 + 0.1 * r(48), r(24, 48), r(16, 48), r(16)
    n = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * gamma
    q, k = n @ wq.T, n @ wk.T + bk
    d = INPUTS / "rms_norm_projections_fused"
    d.mkdir(parents=True, exist_ok=True)
    for name, a in dict(x=x, gamma=gamma, wq=wq, wk=wk, bk=bk, q=q, k=k).items():
        np.save(d / f"{name}.npy", a.numpy().astype(np.float32))


if __name__ == "__main__":
    main()

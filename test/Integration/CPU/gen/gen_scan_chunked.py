#!/usr/bin/env python3
"""Goldens for scans long enough, with few enough channels, that the CPU
lowering splits the sequence into chunks (test/Integration/CPU/scan/
*_chunked.mlir). PyTorch eager references in float64.

    python3 test/Integration/CPU/gen/gen_scan_chunked.py
"""
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"


def save(case, **arrays):
    d = INPUTS / case
    d.mkdir(parents=True, exist_ok=True)
    for name, a in arrays.items():
        np.save(d / f"{name}.npy", np.ascontiguousarray(a))


def mingru_reverse():
    # B=1, T=300, D=3: 3 tiles, so the lowering runs 4 chunks of 75 steps.
    g = torch.Generator().manual_seed(21)
    k = torch.randn(1, 300, 3, generator=g, dtype=torch.float64)
    ht = torch.randn(1, 300, 3, generator=g, dtype=torch.float64)
    h0 = torch.randn(1, 3, generator=g, dtype=torch.float64)
    z = torch.sigmoid(k)
    h, ys = h0.clone(), [None] * 300
    for t in reversed(range(300)):
        h = (1 - z[:, t]) * h + z[:, t] * ht[:, t]
        ys[t] = h
    y = torch.stack(ys, 1)
    f32 = lambda x: x.numpy().astype(np.float32)
    save("scan_mingru_reverse_chunked", k=f32(k), htilde=f32(ht), h0=f32(h0),
         y=f32(y), h=f32(h))


def mamba_chunked():
    # B=1, T=256, D=2, N=4: 2 tiles, 4 chunks of 64 steps.
    g = torch.Generator().manual_seed(22)
    B, T, D, N = 1, 256, 2, 4
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)
    x, dt, Bm, Cm, h0 = r(B, T, D), r(B, T, D) * 0.5 - 1, r(B, T, N), r(B, T, N), r(B, D, N)
    A = -torch.exp(r(D, N) * 0.5)
    delta = F.softplus(dt)
    h, ys = h0.clone(), []
    for t in range(T):
        h = torch.exp(delta[:, t, :, None] * A) * h + delta[:, t, :, None] * Bm[:, t, None, :] * x[:, t, :, None]
        ys.append((h * Cm[:, t, None, :]).sum(-1))
    y = torch.stack(ys, 1)
    f32 = lambda v: v.numpy().astype(np.float32)
    save("scan_mamba1_chunked", dt=f32(dt), x=f32(x), A=f32(A), B=f32(Bm),
         C=f32(Cm), h0=f32(h0), y=f32(y), h=f32(h))


if __name__ == "__main__":
    mingru_reverse()
    mamba_chunked()

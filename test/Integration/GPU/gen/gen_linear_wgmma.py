"""Golden data for test/Integration/GPU/linear_wgmma.mlir: Y = X W^T (+ b)
(torch.nn.functional.linear on the bf16/f16 values in float32, rounded to
the element type) for the sm_90a linear kernel on wgmma (64 x 64 tiles,
K steps of 32):

* bf16, M = 70, N = 80, K = 72, bias: 2 x 2 tiles, both partial; the last
  K step holds 8 of its 32 columns (cp.async chunks past K zero-filled).
* f16, M = 37, N = 45, K = 36, no bias: one partial tile; 72-byte rows
  are not whole 16-byte chunks, so the kernel copies element by element.

Deterministic: run from this folder to rewrite
../Inputs/linear_wgmma_{bf16,f16}/ (values stored as float32 .npy)."""

import os

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
gen = torch.Generator().manual_seed(2026_12_01_90)
for name, dtype, (m, n, k), with_bias in (
    ("bf16", torch.bfloat16, (70, 80, 72), True),
    ("f16", torch.float16, (37, 45, 36), False),
):
    x = torch.randn(m, k, generator=gen).to(dtype)
    w = (torch.randn(n, k, generator=gen) / k**0.5).to(dtype)
    b = torch.randn(n, generator=gen).to(dtype) if with_bias else None
    out = torch.nn.functional.linear(
        x.float(), w.float(), None if b is None else b.float()
    ).to(dtype)
    folder = os.path.join(here, "..", "Inputs", f"linear_wgmma_{name}")
    os.makedirs(folder, exist_ok=True)
    values = [("x", x), ("weight", w), ("out", out)]
    if b is not None:
        values.append(("bias", b))
    for key, value in values:
        np.save(os.path.join(folder, f"{key}.npy"), value.float().numpy())

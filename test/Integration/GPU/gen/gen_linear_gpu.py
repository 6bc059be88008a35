"""Golden data for test/Integration/GPU/linear_async_bf16.mlir: bf16
Y = X W^T + b (torch.nn.functional.linear on the bf16 values in float32,
rounded to bf16) for shapes that exercise the cp.async staging of the GPU
linear kernel: K = 40 (16-byte rows; the last K step's second chunk is
past K and zero-filled), M = 37 and N = 45 (rows of X and W past the end
zero-filled), and K = 36 (72-byte rows, not a whole number of 16-byte
chunks: the kernel's synchronous copy). Deterministic: run from this
folder to rewrite ../Inputs/linear_gpu_bf16_k{40,36}/ (bf16 values stored
as float32 .npy)."""

import os

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
gen = torch.Generator().manual_seed(2026_12_01)
for m, n, k in ((37, 45, 40), (37, 45, 36)):
    x = torch.randn(m, k, generator=gen).to(torch.bfloat16)
    w = (torch.randn(n, k, generator=gen) / k**0.5).to(torch.bfloat16)
    b = torch.randn(n, generator=gen).to(torch.bfloat16)
    out = torch.nn.functional.linear(x.float(), w.float(), b.float())
    out = out.to(torch.bfloat16)
    folder = os.path.join(here, "..", "Inputs", f"linear_gpu_bf16_k{k}")
    os.makedirs(folder, exist_ok=True)
    for name, value in (("x", x), ("weight", w), ("bias", b), ("out", out)):
        np.save(os.path.join(folder, f"{name}.npy"), value.float().numpy())

"""Golden data for test/Integration/GPU/wgmma_emulator.mlir: D = A B^T
for A [64, 32] and B [24, 32] of bf16 values (stored as float32 .npy),
computed by NumPy in float64 (the f32 accumulation of the emulated
wgmma.mma_async differs from it by rounding only). NumPy only, no
seqc code: the values are random normals rounded to bf16 by their bits.
Deterministic: run from this folder to rewrite ../Inputs/wgmma/."""

import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261201)


def bf16(values):
    """float32 values rounded to the nearest bf16 (ties to even)."""
    bits = values.astype(np.float32).view(np.uint32)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32)


a = bf16(rng.standard_normal((64, 32)))
b = bf16(rng.standard_normal((24, 32)))
d = (a.astype(np.float64) @ b.astype(np.float64).T).astype(np.float32)
folder = os.path.join(here, "..", "Inputs", "wgmma")
os.makedirs(folder, exist_ok=True)
for name, value in (("a", a), ("b", b), ("d", d)):
    np.save(os.path.join(folder, f"{name}.npy"), value)

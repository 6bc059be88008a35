"""Golden data for test/Integration/GPU/shuffle_sum.mlir: per-warp row sums
of a [4, 32] float32 array (NumPy), as a gpu.shuffle xor butterfly leaves
them in every lane. Deterministic: run from this folder to rewrite
../Inputs/shuffle/."""

import os

import numpy as np

rng = np.random.default_rng(9)
# Multiples of 1/8 in [-4, 4): every partial sum is exact in f32, so the
# butterfly's order of additions cannot matter.
x = (rng.integers(-32, 32, size=(4, 32)) / 8.0).astype(np.float32)
out = np.repeat(x.sum(axis=1, keepdims=True), 32, axis=1).astype(np.float32)
here = os.path.dirname(os.path.abspath(__file__))
folder = os.path.join(here, "..", "Inputs", "shuffle")
os.makedirs(folder, exist_ok=True)
np.save(os.path.join(folder, "x.npy"), x)
np.save(os.path.join(folder, "out.npy"), out)

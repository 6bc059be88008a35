"""Golden data for the GPU permute and conversion kernels
(test/Integration/GPU/permute_convert.mlir): linalg.transpose of the
attention heads and arith.extf / arith.truncf on tensors, as the imported
models' prefill and decode entries use them.

References are NumPy alone (independent of seqc and of PyTorch):
* permute: np.transpose with linalg.transpose's permutation (result
  dimension i is input dimension perm[i]); exact.
* f32 -> bf16: round to nearest even on the f32 bits ((bits + 0x7fff +
  ((bits >> 16) & 1)) >> 16), the inputs including exact ties (lower half
  0x8000, both parities), values just above and below a tie, the largest
  finite bf16, tiny and negative values; saved as f32 holding bf16 values.
* bf16 -> f32: exact (the bf16 values as f32).

Shapes: X [2, 130, 3, 8] -> [2, 3, 130, 8] (two blocks of rows: 1024
elements a block / 8 a row = 128 rows, the second partial), the way back
in bf16 [1, 4, 33, 16] -> [1, 33, 4, 16], a rank-2 transpose [5, 7] ->
[7, 5] (viewed as rank 4), 4400 values converted each way (5 blocks of
the grid-stride loop). Deterministic: run from anywhere to rewrite
../Inputs/permute_convert_gpu/."""

import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
folder = HERE.parent / "Inputs" / "permute_convert_gpu"
os.makedirs(folder, exist_ok=True)
rng = np.random.default_rng(20261201)


def bf16_round(x):
    """f32 -> bf16 (round to nearest even), as f32 values."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) << 16
    return rounded.astype(np.uint32).view(np.float32)


def save(stem, a):
    np.save(folder / f"{stem}.npy", a)


x = rng.standard_normal((2, 130, 3, 8)).astype(np.float32)
save("heads_f32", x)
save("heads_f32_t", np.ascontiguousarray(np.transpose(x, (0, 2, 1, 3))))

y = bf16_round(rng.standard_normal((1, 4, 33, 16)).astype(np.float32))
save("back_bf16", y)
save("back_bf16_t", np.ascontiguousarray(np.transpose(y, (0, 2, 1, 3))))

m = rng.standard_normal((5, 7)).astype(np.float32)
# Saved as the plan views them: rank 4 with leading unit dimensions.
save("matrix_f32", m.reshape(1, 1, 5, 7))
save("matrix_f32_t", np.ascontiguousarray(m.T).reshape(1, 1, 7, 5))

# f32 -> bf16: random values and the rounding cases.
values = rng.standard_normal(4400).astype(np.float32) * 8
special = []
for base in (1.0, -3.0, 0.15625, 1e-30, 3.0e38):
    hi = (np.float32(base).view(np.uint32) & 0xFFFF0000)
    for low in (0x8000, 0x7FFF, 0x8001, 0x0000, 0xFFFF):
        for odd in (0, 0x10000):
            special.append(np.uint32(hi + odd + low))
special = np.array(special, dtype=np.uint32).view(np.float32)
values[: special.size] = special
assert np.isfinite(bf16_round(values)).all()
save("wide_f32", values.reshape(4, 1100))
save("narrow_bf16", bf16_round(values).reshape(4, 1100))

# bf16 -> f32: exact.
z = bf16_round(rng.standard_normal((3, 1000)).astype(np.float32) * 100)
save("half_bf16", z)
print("wrote", folder)

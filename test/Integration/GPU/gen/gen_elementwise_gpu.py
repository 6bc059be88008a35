"""Golden data for the GPU elementwise kernels' emulated tests
(test/Integration/GPU/{rope_bf16_long,swiglu_add_bf16}.mlir) whose shapes
the CPU goldens do not cover: bf16 storage, several blocks of the
grid-stride loop, and RoPE at long-context positions (up to 32767, where
the kernel's sin/cos range reduction matters). References are the CPU
generators' own definitions in float64 (../../CPU/gen/gen_model.py
rope_ref, torch.nn.functional.silu). Inputs are float32 .npy files holding
bf16-exact values; goldens are the float64 reference as float32 (not
rounded to bf16: the tests' tolerances cover the kernels' bf16 output
rounding). Deterministic (inputs seeded by the case name): run from this
folder to rewrite ../Inputs/<case>/."""

import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "CPU" / "gen"))
from common import F64, randn, rng_for  # noqa: E402
from gen_model import rope_ref  # noqa: E402

INPUTS = HERE.parent / "Inputs"


def bf16(t):
    return t.to(torch.bfloat16).to(F64)


def save(name, tensors):
    folder = INPUTS / name
    os.makedirs(folder, exist_ok=True)
    for stem, t in tensors.items():
        if t.dtype == torch.int32:
            np.save(folder / f"{stem}.npy", t.numpy())
        else:
            np.save(folder / f"{stem}.npy", t.to(torch.float32).numpy())
    print("wrote", name)


# RoPE, bf16, neox, head dim 64, theta 10000, positions of a long context.
rng = rng_for("rope_gpu_bf16_long")
x = bf16(randn(rng, 2, 3, 5, 64))
pos = torch.tensor([[0, 1000, 4095, 16000, 32767], [7, 8191, 12345, 30000, 2]],
                   dtype=torch.int32)
save("rope_gpu_bf16_long",
     {"x": x, "positions": pos, "out": rope_ref(x, pos, 10000.0, "neox")})

# SwiGLU and the residual add, bf16, 4 x 1100 elements: 5 blocks of the
# grid-stride loop (1024 elements a block), the last partial.
rng = rng_for("swiglu_add_gpu_bf16")
gate = bf16(randn(rng, 4, 1100, scale=3.0))
up = bf16(randn(rng, 4, 1100))
residual = bf16(randn(rng, 4, 1100))
save("swiglu_add_gpu_bf16",
     {"gate": gate, "up": up, "residual": residual,
      "swiglu": F.silu(gate) * up, "sum": residual + gate})

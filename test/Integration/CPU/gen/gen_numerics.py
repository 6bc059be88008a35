#!/usr/bin/env python3
"""Golden data for test/Integration/CPU/checks/check_numerics.mlir.

A two-layer MLP y = linear(gelu(linear(x, w1)), w2) (PyTorch eager,
float64) with positive inputs and weights, and two hostile copies of its
weights: w1_nan (one NaN, at [3, 5]) and w2_inf (one +Inf, at [2, 0]).
With w1_nan the first non-finite value is element 3 (row 0, feature 3) of
the first linear layer's result; with w2_inf it is element 2 of the second
layer's (every hidden activation is positive, so the sum is +Inf).
Deterministic (seeded from the case name).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from common import Case, uniform  # noqa: E402


def main():
    c = Case("numerics_mlp")
    x = c.quantize(uniform(c.rng, 0.1, 1.0, 2, 8))
    w1 = c.quantize(uniform(c.rng, 0.1, 1.0, 16, 8))
    w2 = c.quantize(uniform(c.rng, 0.1, 1.0, 8, 16))
    c.input("x", x)
    c.input("w1", w1)
    c.input("w2", w2)
    c.output("out", F.linear(F.gelu(F.linear(x, w1)), w2))
    d = c.write()
    bad = w1.numpy().astype(np.float32)
    bad[3, 5] = np.nan
    np.save(d / "w1_nan.npy", bad)
    bad = w2.numpy().astype(np.float32)
    bad[2, 0] = np.inf
    np.save(d / "w2_inf.npy", bad)
    print("wrote", d)


if __name__ == "__main__":
    main()

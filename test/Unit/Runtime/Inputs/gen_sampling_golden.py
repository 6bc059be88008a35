#!/usr/bin/env python3
"""Goldens for seqrt_sample (test/Unit/Runtime/SamplingTest.cpp).

Draws with the independent NumPy reference of #seq.sampling in
test/Integration/CPU/gen/gen_decode.py (float64 softmax, sorted top-k and
top-p, its own Philox-4x32-10), row 0 as in a session. Cases whose decision
lies within 1e-4 of a boundary are redrawn, so f32 rounding cannot flip a
token.

    python3 test/Unit/Runtime/Inputs/gen_sampling_golden.py
"""
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "Integration" / "CPU" / "gen"))
from gen_decode import Ambiguous, sample_row  # noqa: E402

SETTINGS = [  # temperature, top_k, top_p
    (1.0, 0, 1.0), (0.8, 20, 1.0), (0.7, 0, 0.9), (1.3, 40, 0.95),
    (0.5, 5, 0.8), (2.0, 0, 1.0), (1.0, 3, 1.0), (0.9, 0, 0.5),
]


def main():
    rng = np.random.default_rng(2024)
    cases = []
    for i in range(64):
        temperature, top_k, top_p = SETTINGS[i % len(SETTINGS)]
        vocab = int(rng.integers(40, 300))
        seed = int(rng.integers(0, 2**63))
        counter = int(rng.integers(0, 64)) if i % 2 else int(rng.integers(0, 2**40))
        while True:
            logits = (rng.standard_normal(vocab) * 3).astype(np.float32)
            try:
                token = sample_row(logits, seed, counter, 0, temperature,
                                   top_k, top_p)
                break
            except Ambiguous:
                continue
        cases.append({"temperature": temperature, "top_k": top_k,
                      "top_p": top_p, "seed": str(seed),
                      "counter": str(counter),
                      "logits": [float(x) for x in logits],
                      "token": token})
    (HERE / "sampling_golden.json").write_text(json.dumps(cases) + "\n")


if __name__ == "__main__":
    main()

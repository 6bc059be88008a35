#!/usr/bin/env python3
"""Goldens for the prefill projections' panel kernel
(test/Integration/CPU/model/linear_panel_*.mlir): shapes of at least 64
rows (TilingOptions::linearPanelMinRows) whose rows, K and N are not
multiples of any tile (67 rows: two full 32-row panels and 3 rows of a
third; K 97, 83 and 1027; N 83, 29, 40, 97, 197), f32 and bf16. References in
NumPy float64.

    python3 test/Integration/CPU/gen/gen_linear_panel.py
"""
import zlib
from pathlib import Path

import numpy as np
import torch

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"


def bf16(a):
    """Values bf16 holds exactly (round to nearest even), as float64."""
    return torch.from_numpy(np.asarray(a, dtype=np.float32)).bfloat16() \
        .double().numpy()


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def save(case, arrays):
    d = INPUTS / case
    d.mkdir(parents=True, exist_ok=True)
    for name, a in arrays.items():
        np.save(d / f"{name}.npy", np.asarray(a, dtype=np.float32))


def rms_norm(x, g, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g


def silu(v):
    return v / (1.0 + np.exp(-v))


def main():
    rng = np.random.default_rng(zlib.crc32(b"linear_panel_odd"))
    x = f32(rng.standard_normal((67, 97)))
    w = f32(rng.standard_normal((83, 97)) * 0.2)
    b = f32(rng.standard_normal(83) * 0.1)
    save("linear_panel_odd", dict(x=x, weight=w, bias=b, out=x @ w.T + b))

    rng = np.random.default_rng(zlib.crc32(b"linear_panel_bf16"))
    x = bf16(rng.standard_normal((2, 35, 97)))
    w = bf16(rng.standard_normal((83, 97)) * 0.125)
    b = bf16(rng.standard_normal(83) * 0.1)
    # The bf16 result, rounded to bf16 as the artifact returns it.
    save("linear_panel_bf16", dict(x=x, weight=w, bias=b, out=bf16(x @ w.T + b)))

    # A Llama-style layer at 67 rows: q and k of one norm (the sibling
    # fusion), the gated MLP of the norm and its down projection, and a
    # second norm's lone projection (the norm fused into it).
    rng = np.random.default_rng(zlib.crc32(b"linear_panel_fused"))
    r = lambda *s, scale=1.0: f32(rng.standard_normal(s) * scale)
    x, g = r(67, 97), f32(1 + 0.1 * rng.standard_normal(97))
    wq, bq, wk = r(83, 97, scale=0.1), r(83, scale=0.1), r(29, 97, scale=0.1)
    wg, wu = r(83, 97, scale=0.15), r(83, 97, scale=0.15)
    wd, bd, wo = r(97, 83, scale=0.1), r(97, scale=0.1), r(40, 97, scale=0.1)
    n = rms_norm(x, g, 1e-5)
    h = silu(n @ wg.T) * (n @ wu.T)
    o = rms_norm(x, g, 1e-6) @ wo.T
    save("linear_panel_fused", dict(x=x, gamma=g, wq=wq, bq=bq, wk=wk, wg=wg, wu=wu,
                                    wd=wd, bd=bd, wo=wo, q=n @ wq.T + bq, k=n @ wk.T,
                                    mlp=h @ wd.T + bd, o=o))

    # The gated MLP with gate and up biases at 65 rows (the epilogue's
    # vector blocks add bias vectors and apply SiLU to vectors: 83
    # features = a 48-feature tile of three 16-feature blocks and a
    # 35-feature one of two and 3 single features).
    rng = np.random.default_rng(zlib.crc32(b"linear_panel_mlp_bias"))
    r = lambda *s, scale=1.0: f32(rng.standard_normal(s) * scale)
    x = r(65, 97)
    wg, bg, wu, bu = r(83, 97, scale=0.15), r(83, scale=0.2), r(83, 97, scale=0.15), r(83, scale=0.2)
    h = silu(x @ wg.T + bg) * (x @ wu.T + bu)
    save("linear_panel_mlp_bias", dict(x=x, wg=wg, bg=bg, wu=wu, bu=bu, out=h))

    # A deep reduction (K 1027 > TilingOptions::linearPanelWideDepth):
    # 197 features = one wide 192-feature tile and a 5-feature one, 66
    # rows (two full 32-row panels and 2 rows of a third), 5 depth blocks
    # (the last of 3).
    rng = np.random.default_rng(zlib.crc32(b"linear_panel_deep"))
    x = f32(rng.standard_normal((66, 1027)))
    w = f32(rng.standard_normal((197, 1027)) * 0.05)
    b = f32(rng.standard_normal(197) * 0.1)
    save("linear_panel_deep", dict(x=x, weight=w, bias=b, out=x @ w.T + b))


if __name__ == "__main__":
    main()

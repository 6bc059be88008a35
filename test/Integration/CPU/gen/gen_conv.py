"""Golden data for test/Integration/CPU/conv/*.mlir (seq.causal_conv1d).
The reference is PyTorch's depthwise F.conv1d (groups = channels) as
Mamba's Conv1d(C, C, K, groups=C, padding=K-1) uses it, in float64."""

import torch
import torch.nn.functional as F

from common import Case, randn


def conv_ref(x, w, bias, state, silu):
    """x [B, S, C], w [C, K], bias [C] or None, state [B, K-1, C] or None.
    Returns (output [B, S, C], final_state [B, K-1, C])."""
    B, S, C = x.shape
    K = w.shape[1]
    if state is None:
        state = x.new_zeros(B, K - 1, C)
    xs = torch.cat([state, x], dim=1)  # [B, K-1+S, C]
    y = F.conv1d(xs.transpose(1, 2), w.unsqueeze(1), bias, padding=0,
                 groups=C).transpose(1, 2)
    if silu:
        y = F.silu(y)
    return y, xs[:, S:]


def cases():
    out = []

    # Prefill from the start of a sequence, as Mamba's conv1d (padding K-1,
    # first S outputs): bias, SiLU, odd channel count, S > K.
    c = Case("conv_prefill")
    B, S, C, K = 2, 11, 20, 4
    x = c.quantize(randn(c.rng, B, S, C))
    w = c.quantize(randn(c.rng, C, K, scale=0.5))
    bias = c.quantize(randn(c.rng, C, scale=0.3))
    for stem, t in (("x", x), ("w", w), ("bias", bias)):
        c.input(stem, t)
    y, fs = conv_ref(x, w, bias, None, True)
    # Mamba's formulation of the same thing.
    ref = F.silu(F.conv1d(x.transpose(1, 2), w.unsqueeze(1), bias,
                          padding=K - 1, groups=C)[..., :S]).transpose(1, 2)
    assert torch.allclose(y, ref)
    c.output("y", y)
    c.output("final_state", fs)
    out.append(c)

    # Prefill of 5 then 4 decode steps, each consuming the previous state:
    # the golden files are the full 9-step convolution.
    c = Case("conv_prefill_then_decode")
    B, S, C, K = 2, 9, 13, 4
    x = c.quantize(randn(c.rng, B, S, C))
    w = c.quantize(randn(c.rng, C, K, scale=0.5))
    bias = c.quantize(randn(c.rng, C, scale=0.3))
    for stem, t in (("x", x), ("w", w), ("bias", bias)):
        c.input(stem, t)
    y, fs = conv_ref(x, w, bias, None, True)
    c.output("y", y)
    c.output("final_state", fs)
    out.append(c)

    # A given state longer than the input (K-1 = 4 > S = 2): the output reads
    # the state, the final state keeps part of it; no bias, no activation.
    c = Case("conv_short_input_state")
    B, S, C, K = 3, 2, 7, 5
    x = c.quantize(randn(c.rng, B, S, C))
    w = c.quantize(randn(c.rng, C, K, scale=0.5))
    state = c.quantize(randn(c.rng, B, K - 1, C))
    for stem, t in (("x", x), ("w", w), ("state", state)):
        c.input(stem, t)
    y, fs = conv_ref(x, w, None, state, False)
    c.output("y", y)
    c.output("final_state", fs)
    out.append(c)
    return out

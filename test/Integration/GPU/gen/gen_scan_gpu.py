"""Golden data for the GPU scan and short-convolution kernels' emulated
tests (test/Integration/GPU/{conv,scan_mamba1,scan_mamba2,scan_step}*.mlir)
whose shapes the CPU goldens do not cover: d_state 16 (a group of 16 lanes),
channels over several blocks with the last partial, sequences over several
chunks with the last partial, bf16 inputs with an f32 state, the decode
step of the scan and of the convolution on its own. References are the
CPU generators' definitions in float64 (../../CPU/gen/gen_scan.py
selective_scan_ref, mamba_ssm's reference; torch.nn.functional.conv1d).
Inputs are float32 .npy files (bf16 inputs hold bf16-exact values);
goldens are the float64 reference as float32. Deterministic (inputs
seeded by the case name): run from this folder to rewrite
../Inputs/<case>/."""

import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "CPU" / "gen"))
from common import F64, randn, rng_for, uniform  # noqa: E402
from gen_scan import btd, selective_scan_ref  # noqa: E402

INPUTS = HERE.parent / "Inputs"


def bf16(t):
    return t.to(torch.bfloat16).to(F64)


def f32(t):
    return t.to(torch.float32).to(F64)


def save(name, tensors):
    folder = INPUTS / name
    os.makedirs(folder, exist_ok=True)
    for stem, t in tensors.items():
        np.save(folder / f"{stem}.npy", t.to(torch.float32).numpy())
    print("wrote", name)


def conv_ref(x, w, bias, state, silu):
    """seq.causal_conv1d: x [B, S, C], w [C, K], state [B, K-1, C]."""
    K = w.shape[1]
    xs = torch.cat([state, x], dim=1)  # [B, K-1+S, C]
    y = F.conv1d(xs.transpose(1, 2), w[:, None, :], bias, groups=w.shape[0])
    y = y.transpose(1, 2)
    if silu:
        y = F.silu(y)
    return y, xs[:, xs.shape[1] - (K - 1):, :]


def mamba1_case(name, quant, Bsz, T, D, N):
    """The Mamba-1 regions of CPU/scan/scan_mamba1.mlir (softplus(dt +
    dt_bias), A = -exp(A_log)) without the D skip and z gate (elementwise
    ops after the scan): y = sum_n h C and the final state."""
    rng = rng_for(name)
    dt = quant(randn(rng, Bsz, T, D, scale=0.5) - 1.0)
    dt_bias = quant(uniform(rng, -0.5, 0.5, D))
    x = quant(randn(rng, Bsz, T, D))
    A_log = quant(torch.log(torch.arange(1, N + 1, dtype=F64)).repeat(D, 1)
                  + uniform(rng, -0.1, 0.1, D, N))
    Bm = quant(randn(rng, Bsz, T, N))
    Cm = quant(randn(rng, Bsz, T, N))
    h0 = f32(randn(rng, Bsz, D, N, scale=0.5))
    y, hT = selective_scan_ref(btd(x), btd(dt), -torch.exp(A_log), btd(Bm),
                               btd(Cm), None, None, dt_bias, True, h0)
    save(name, {"dt": dt, "dt_bias": dt_bias, "x": x, "A_log": A_log,
                "B": Bm, "C": Cm, "h0": h0, "y": btd(y), "final_state": hT})


# Mamba-1 prefill, f32 and bf16 inputs (f32 state): N = 16, 40 channels
# (5 blocks of 8 on CUDA, 3 of 16 on HIP, the last partial), 37 steps (3
# chunks of 16, the last partial), 2 batch rows.
mamba1_case("scan_gpu_mamba1", f32, 2, 37, 40, 16)
mamba1_case("scan_gpu_mamba1_bf16", bf16, 2, 37, 40, 16)


def step_case(name, quant, Bsz, D, N):
    """One decode step of the same regions (seq.scan_step)."""
    rng = rng_for(name)
    dt = quant(randn(rng, Bsz, D, scale=0.5) - 1.0)
    dt_bias = quant(uniform(rng, -0.5, 0.5, D))
    x = quant(randn(rng, Bsz, D))
    A_log = quant(torch.log(torch.arange(1, N + 1, dtype=F64)).repeat(D, 1)
                  + uniform(rng, -0.1, 0.1, D, N))
    Bm = quant(randn(rng, Bsz, N))
    Cm = quant(randn(rng, Bsz, N))
    h0 = f32(randn(rng, Bsz, D, N, scale=0.5))
    y, h1 = selective_scan_ref(x[:, :, None], dt[:, :, None],
                               -torch.exp(A_log), Bm[:, :, None],
                               Cm[:, :, None], None, None, dt_bias, True, h0)
    save(name, {"dt": dt, "dt_bias": dt_bias, "x": x, "A_log": A_log,
                "B": Bm, "C": Cm, "h0": h0, "y": y[:, :, 0],
                "final_state": h1})


# Decode step, 3 batch rows, 40 channels, N = 16; f32 and bf16 inputs.
step_case("scan_gpu_step", f32, 3, 40, 16)
step_case("scan_gpu_step_bf16", bf16, 3, 40, 16)

def mamba2_step_case(name, Bsz, H, P, N, G):
    """One decode step of the Mamba-2 regions of scan_mamba2.mlir's
    @mamba2_step (seq.scan_step, state [B, H, P, N]): softplus(dt +
    dt_bias) with PyTorch's threshold 20, A = -exp(A_log) per head, B and C
    of G groups (head h reads group h // (H / G), mamba_ssm's repeat
    "b g n -> b (g h) n"), no D skip: y = sum_n h C and the new state."""
    rng = rng_for(name)
    dt = f32(randn(rng, Bsz, H, scale=0.5) - 1.0)
    dt_bias = f32(uniform(rng, -0.5, 0.5, H))
    x = f32(randn(rng, Bsz, H, P))
    A_log = f32(torch.log(uniform(rng, 1.0, 16.0, H)))
    Bm = f32(randn(rng, Bsz, G, N, scale=0.5))
    Cm = f32(randn(rng, Bsz, G, N, scale=0.5))
    h0 = f32(randn(rng, Bsz, H, P, N, scale=0.5))
    sp = F.softplus(dt + dt_bias, threshold=20.0)                 # [b, h]
    Bh = Bm.repeat_interleave(H // G, dim=1)                      # [b, h, n]
    Ch = Cm.repeat_interleave(H // G, dim=1)
    dA = torch.exp(sp * -torch.exp(A_log))
    h1 = dA[:, :, None, None] * h0 + torch.einsum("bh,bhp,bhn->bhpn", sp, x,
                                                  Bh)
    y = torch.einsum("bhpn,bhn->bhp", h1, Ch)
    save(name, {"dt": dt, "dt_bias": dt_bias, "x": x, "A_log": A_log,
                "B": Bm, "C": Cm, "h0": h0, "y": y, "final_state": h1})


# Mamba-2 decode step: 3 batch rows, 4 heads of P = 24 channels (3 blocks
# of 8 on CUDA, 2 of 16 on HIP, the last partial), N = 16, 2 groups.
mamba2_step_case("scan_gpu_mamba2_step", 3, 4, 24, 16, 2)


def mamba2_prefill_case(name, Bsz, T, H, P, N, G):
    """The Mamba-2 scan of scan_mamba2_wide.mlir's prefill functions
    (seq.scan, state [B, H, P, N]): the regions of mamba2_step_case over T
    steps, the sequential recurrence in float64 from a non-zero state: y =
    sum_n h C per step and the final state."""
    rng = rng_for(name)
    dt = f32(randn(rng, Bsz, T, H, scale=0.5) - 1.0)
    dt_bias = f32(uniform(rng, -0.5, 0.5, H))
    x = f32(randn(rng, Bsz, T, H, P))
    A_log = f32(torch.log(uniform(rng, 1.0, 16.0, H)))
    Bm = f32(randn(rng, Bsz, T, G, N, scale=0.5))
    Cm = f32(randn(rng, Bsz, T, G, N, scale=0.5))
    h0 = f32(randn(rng, Bsz, H, P, N, scale=0.5))
    sp = F.softplus(dt + dt_bias, threshold=20.0)                 # [b, t, h]
    Bh = Bm.repeat_interleave(H // G, dim=2)                      # [b, t, h, n]
    Ch = Cm.repeat_interleave(H // G, dim=2)
    A = -torch.exp(A_log)
    h = h0.clone()
    ys = []
    for t in range(T):
        dA = torch.exp(sp[:, t] * A)                              # [b, h]
        h = dA[:, :, None, None] * h + torch.einsum(
            "bh,bhp,bhn->bhpn", sp[:, t], x[:, t], Bh[:, t])
        ys.append(torch.einsum("bhpn,bhn->bhp", h, Ch[:, t]))
    save(name, {"dt": dt, "dt_bias": dt_bias, "x": x, "A_log": A_log,
                "B": Bm, "C": Cm, "h0": h0, "y": torch.stack(ys, dim=1),
                "final_state": h})


# Mamba-2 with d_state above the warp (several state elements per lane):
# N = 128 (4 a lane on CUDA, 2 on HIP), 70 steps (3 chunks of 32 on CUDA,
# 2 of 64 on HIP, the last partial), 4 heads in 2 groups, P = 6 (2 blocks
# of 4 channels on CUDA, the last partial); N = 64 (2 a lane on CUDA, a
# wavefront of 64 on HIP), 45 steps, 3 heads, 1 group, P = 10. The decode
# steps: N = 128 and 64, and N = 80 (CUDA 32 + 32 + 16 lanes, HIP 64 + 16:
# a lane's last element past N).
mamba2_prefill_case("scan_gpu_mamba2_n128", 2, 70, 4, 6, 128, 2)
mamba2_prefill_case("scan_gpu_mamba2_n64", 1, 45, 3, 10, 64, 1)
mamba2_step_case("scan_gpu_mamba2_step_n128", 3, 4, 8, 128, 2)
mamba2_step_case("scan_gpu_mamba2_step_n64", 2, 2, 5, 64, 1)
mamba2_step_case("scan_gpu_mamba2_step_n80", 2, 2, 6, 80, 2)

# Short convolution, decode step (S = 1) from a given state, K = 4, bias,
# SiLU, f32, 300 channels (two blocks' worth of threads).
rng = rng_for("conv_gpu_decode")
x = f32(randn(rng, 2, 1, 300))
w = f32(randn(rng, 300, 4, scale=0.5))
bias = f32(randn(rng, 300, scale=0.1))
state = f32(randn(rng, 2, 3, 300))
y, fs = conv_ref(x, w, bias, state, True)
save("conv_gpu_decode", {"x": x, "w": w, "bias": bias, "state": state,
                         "y": y, "final_state": fs})

# Short convolution prefill, bf16 (input, weight, bias, state), K = 4,
# SiLU, 2 x 37 x 300: several blocks of time steps (3 rows a block), a
# given state.
rng = rng_for("conv_gpu_bf16")
x = bf16(randn(rng, 2, 37, 300))
w = bf16(randn(rng, 300, 4, scale=0.5))
bias = bf16(randn(rng, 300, scale=0.1))
state = bf16(randn(rng, 2, 3, 300))
y, fs = conv_ref(x, w, bias, state, True)
save("conv_gpu_bf16", {"x": x, "w": w, "bias": bias, "state": state,
                       "y": y, "final_state": fs})

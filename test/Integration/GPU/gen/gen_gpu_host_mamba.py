"""Golden data for the Mamba-1 block entries of the GPU host-side test
(../Inputs/gpu_host_mamba/model.mlir, test/Tools/seqrun/gpu-host-ssm-moe.test
and the artifact of scripts/gpu-check-prepare.sh): the short causal
convolution (bias, SiLU) feeding the selective scan, prefill and one decode
step that continues it from the prefill's final states. References are
PyTorch in float64: torch.nn.functional.conv1d and mamba_ssm's
selective_scan_ref (../../CPU/gen/gen_scan.py), independent of the
kernels and of the fake driver's host kernels. Inputs are float32 .npy
files, the parameters a float32 safetensors file; goldens are the float64
reference as float32. Deterministic (seeded): run it to rewrite
../Inputs/gpu_host_mamba/."""

import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "CPU" / "gen"))
from gen_scan import btd, selective_scan_ref  # noqa: E402

OUT = HERE.parent / "Inputs" / "gpu_host_mamba"
F64 = torch.float64


def f32(t):
    return t.to(torch.float32).to(F64)


def conv_ref(x, w, bias, state):
    """seq.causal_conv1d with SiLU: x [B, S, C], w [C, K], state [B, K-1, C];
    returns y and the final state (the last K-1 inputs)."""
    K = w.shape[1]
    xs = torch.cat([state, x], dim=1)
    y = F.conv1d(xs.transpose(1, 2), w[:, None, :], bias, groups=w.shape[0])
    return F.silu(y.transpose(1, 2)), xs[:, xs.shape[1] - (K - 1):, :]


def save(tensors):
    for stem, t in tensors.items():
        np.save(OUT / f"{stem}.npy", t.to(torch.float32).numpy())


def main():
    g = torch.Generator().manual_seed(91)
    Bsz, S, D, N, K = 2, 37, 40, 16, 4

    def randn(*shape, scale=1.0):
        return f32(scale * torch.randn(*shape, generator=g, dtype=F64))

    conv_w = randn(D, K, scale=0.5)
    conv_b = randn(D, scale=0.1)
    dt_bias = f32(torch.rand(D, generator=g, dtype=F64) - 0.5)
    A_log = f32(torch.log(torch.arange(1, N + 1, dtype=F64)).repeat(D, 1)
                + 0.2 * (torch.rand(D, N, generator=g, dtype=F64) - 0.5))
    save_file({"conv.weight": conv_w.to(torch.float32).contiguous(),
               "conv.bias": conv_b.to(torch.float32).contiguous(),
               "dt_bias": dt_bias.to(torch.float32).contiguous(),
               "A_log": A_log.to(torch.float32).contiguous()},
              str(OUT / "weights.safetensors"))
    A = -torch.exp(A_log)

    # Prefill: from zero conv state and a given scan state.
    x = randn(Bsz, S, D)
    dt = randn(Bsz, S, D, scale=0.5) - 1.0
    Bm = randn(Bsz, S, N)
    Cm = randn(Bsz, S, N)
    h0 = randn(Bsz, D, N, scale=0.5)
    xc, conv_state = conv_ref(x, conv_w, conv_b,
                              torch.zeros(Bsz, K - 1, D, dtype=F64))
    y, h = selective_scan_ref(btd(xc), btd(dt), A, btd(Bm), btd(Cm), None,
                              None, dt_bias, True, h0)
    save({"x": x, "dt": dt, "B": Bm, "C": Cm, "h0": h0, "y": btd(y),
          "state": h, "conv_state": conv_state})

    # One decode step continuing the prefill from its final states.
    x1 = randn(Bsz, 1, D)
    dt1 = randn(Bsz, D, scale=0.5) - 1.0
    B1 = randn(Bsz, N)
    C1 = randn(Bsz, N)
    xc1, conv_state1 = conv_ref(x1, conv_w, conv_b, conv_state)
    y1, h1 = selective_scan_ref(btd(xc1), dt1[:, :, None], A, B1[:, :, None],
                                C1[:, :, None], None, None, dt_bias, True, h)
    save({"step_x": x1, "step_dt": dt1, "step_B": B1, "step_C": C1,
          "step_y": y1[:, :, 0], "step_state": h1,
          "step_conv_state": conv_state1})


if __name__ == "__main__":
    main()

"""Golden data for the GPU host-side test model (../Inputs/gpu_host/model.mlir):
test/Tools/seqrun/gpu-host.test and the artifact of
scripts/gpu-check-prepare.sh. The reference is PyTorch in float64 with
every op's result rounded to bf16, as a bf16 model stores its activations
(the kernels and the CPU code do the same); the tests compare with bf16
tolerances. Inputs are float32 .npy files of bf16-exact values, the
weights a bf16 safetensors file; greedy sampling's golden is torch.argmax.
Deterministic (seeded): run it to rewrite ../Inputs/gpu_host/."""

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent.parent / "Inputs" / "gpu_host"
F64 = torch.float64


def bf16(t):
    return t.to(torch.bfloat16).to(F64)


def main():
    g = torch.Generator().manual_seed(9)
    x = bf16(torch.randn(2, 8, 64, generator=g, dtype=F64))
    wn = bf16(1 + 0.1 * torch.randn(64, generator=g, dtype=F64))
    wg = bf16(0.125 * torch.randn(128, 64, generator=g, dtype=F64))
    wu = bf16(0.125 * torch.randn(128, 64, generator=g, dtype=F64))
    wd = bf16(0.09 * torch.randn(64, 128, generator=g, dtype=F64))
    h = bf16(x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * wn)
    gate = bf16(F.linear(h, wg))
    up = bf16(F.linear(h, wu))
    s = bf16(F.silu(gate) * up)
    d = bf16(F.linear(s, wd))
    np.save(HERE / "x.npy", x.to(torch.float32).numpy())
    np.save(HERE / "out.npy", d.to(torch.float32).numpy())
    rx = torch.randn(4, 48, generator=g, dtype=F64).to(torch.float32)
    rw = (0.15 * torch.randn(48, 48, generator=g, dtype=F64)).to(torch.float32)
    ry = rx.to(F64) + F.linear(rx.to(F64), rw.to(F64))
    np.save(HERE / "residual_x.npy", rx.numpy())
    np.save(HERE / "residual_w.npy", rw.numpy())
    np.save(HERE / "residual_out.npy", ry.to(torch.float32).numpy())
    save_file(
        {
            "norm.weight": wn.to(torch.bfloat16),
            "mlp.gate_proj.weight": wg.to(torch.bfloat16),
            "mlp.up_proj.weight": wu.to(torch.bfloat16),
            "mlp.down_proj.weight": wd.to(torch.bfloat16),
        },
        HERE / "weights.safetensors",
    )
    logits = torch.randn(3, 1000, generator=g, dtype=torch.float32)
    np.save(HERE / "logits.npy", logits.numpy())
    np.save(HERE / "tokens.npy", torch.argmax(logits, -1).to(torch.int32).numpy())
    nan = logits.clone()
    nan[1, 17] = float("nan")
    np.save(HERE / "logits_nan.npy", nan.numpy())


if __name__ == "__main__":
    main()

"""Golden data for the GPU state test model
(../Inputs/gpu_host_state/model.mlir, test/Tools/seqrun/gpu-host-state.test):
F.embedding of token ids [2, 1] in an f32 table [40, 32], the K projection
(h @ W^T, float64, rounded to f32) split into 2 heads of 16, written into a
KV cache [2, 2, 8, 16] at positions (3, 7) (the second at the last slot) by
torch slicing. The bad-id and overflow inputs (an id of 40; positions
(3, 8)) have no golden: the run fails with the CPU's status codes.
Deterministic: run from anywhere to rewrite ../Inputs/gpu_host_state/."""

import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "CPU" / "gen"))
from common import randn, rng_for  # noqa: E402

folder = HERE.parent / "Inputs" / "gpu_host_state"
rng = rng_for("gpu_host_state")
table = randn(rng, 40, 32).to(torch.float32)
wk = randn(rng, 32, 32, scale=0.2).to(torch.float32)
save_file({"embed.weight": table.contiguous(), "k_proj.weight": wk.contiguous()},
          folder / "weights.safetensors")
ids = torch.tensor([[5], [39]], dtype=torch.int32)
pos = torch.tensor([3, 7], dtype=torch.int32)
cache = randn(rng, 2, 2, 8, 16).to(torch.float32)
h = F.embedding(ids.long(), table)
k = (h.double() @ wk.double().T).to(torch.float32)
k4 = k.reshape(2, 2, 1, 16)
new = cache.clone()
for b in range(2):
    new[b, :, pos[b]:pos[b] + 1] = k4[b]
np.save(folder / "ids.npy", ids.numpy())
np.save(folder / "pos.npy", pos.numpy())
np.save(folder / "cache.npy", cache.numpy())
np.save(folder / "h.npy", h.numpy())
np.save(folder / "cache_out.npy", new.numpy())
np.save(folder / "ids_bad.npy", torch.tensor([[5], [40]], dtype=torch.int32).numpy())
np.save(folder / "pos_over.npy", torch.tensor([3, 8], dtype=torch.int32).numpy())
print("wrote gpu_host_state")

"""Golden data for the GPU greedy-sampling (argmax) kernel's emulated test
(test/Integration/GPU/sample_greedy.mlir): logits [4, 5000] with the row
maximum duplicated (the lowest index wins), a row of -inf only (index 0,
as the CPU's argmax), and the maximum at the last index. The reference is
torch.argmax (first maximal index), over the bf16-rounded logits for the
bf16 case. For the CPU test's NaN logits (../../CPU/Inputs/sample_invalid/
nan.npy) the golden is the CPU's contract: rows without a NaN get their
argmax, a row with one gets -1 (the host raises kInvalidLogits).
Deterministic: run from this folder to rewrite ../Inputs/argmax_gpu/."""

import os
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "CPU" / "gen"))
from common import randn, rng_for  # noqa: E402

folder = HERE.parent / "Inputs" / "argmax_gpu"
os.makedirs(folder, exist_ok=True)
rng = rng_for("argmax_gpu")
logits = randn(rng, 4, 5000, scale=4.0).to(torch.float32)
logits[1, 1234] = logits[1, 4321] = logits[1, 4999] = 50.0
logits[2, :] = float("-inf")
logits[3, 4999] = 60.0
np.save(folder / "logits.npy", logits.numpy())
np.save(folder / "tokens.npy", torch.argmax(logits, dim=1).to(torch.int32).numpy())
rounded = logits.to(torch.bfloat16)
np.save(folder / "tokens_bf16.npy",
        torch.argmax(rounded.to(torch.float32), dim=1).to(torch.int32).numpy())

nan = torch.from_numpy(np.load(HERE.parent.parent / "CPU" / "Inputs" /
                               "sample_invalid" / "nan.npy"))
tokens = torch.argmax(torch.nan_to_num(nan, nan=float("-inf")), dim=1)
tokens[torch.isnan(nan).any(dim=1)] = -1
np.save(folder / "nan_tokens.npy", tokens.to(torch.int32).numpy())
print("wrote argmax_gpu")

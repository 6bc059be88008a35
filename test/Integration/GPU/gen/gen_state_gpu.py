"""Golden data for the GPU kernels of seq.embedding and seq.cache_write
(test/Integration/GPU/embedding_cache_write.mlir).

* embedding: F.embedding over an f32 table [50, 300] (rows wider than a
  block's 256 threads), a bf16 table [37, 300] and an f16 table [19, 64],
  ids [2, 5]; the bad-ids case (-1 and V among valid ids) follows the CPU
  contract (the run fails with SEQRT_CODE_INDEX_OUT_OF_RANGE = 1 in the
  status word): its golden has the valid rows from F.embedding, zeros in
  the bad rows (what the GPU kernel writes) and status 1.
* cache_write: cache[b, :, p_b : p_b + S] = update[b] (torch slicing) for
  a bf16 cache [2, 3, 16, 64] with S = 4 at positions (5, 12) (the second
  ends at the capacity), an f32 cache [2, 2, 8, 40] with S = 1 (decode) at
  (0, 7) and an f16 cache; the overflow case (positions (5, 13) and
  (-1, 3)) writes the rows that fit and leaves the others unchanged, as
  the CPU lowering does per batch row, with SEQRT_CODE_CACHE_OVERFLOW = 2.

Values are rounded to the table's type and saved as f32 (exact).
Deterministic: run from anywhere to rewrite ../Inputs/state_gpu/."""

import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "CPU" / "gen"))
from common import randn, rng_for  # noqa: E402

folder = HERE.parent / "Inputs" / "state_gpu"
os.makedirs(folder, exist_ok=True)
rng = rng_for("state_gpu")


def save(stem, t):
    if t.dtype == torch.int32:
        np.save(folder / f"{stem}.npy", t.numpy())
    else:
        np.save(folder / f"{stem}.npy", t.to(torch.float32).numpy())


def i32(values):
    return torch.tensor(values, dtype=torch.int32)


save("status_zero", i32([0]))
save("status_index", i32([1]))
save("status_overflow", i32([2]))

for name, dtype, vocab, width in [("f32", torch.float32, 50, 300),
                                  ("bf16", torch.bfloat16, 37, 300),
                                  ("f16", torch.float16, 19, 64)]:
    table = randn(rng, vocab, width).to(dtype)
    ids = torch.from_numpy(rng.integers(0, vocab, size=(2, 5))).to(torch.int32)
    ids[0, 0], ids[1, 4] = 0, vocab - 1
    save(f"table_{name}", table)
    save(f"ids_{name}", ids)
    save(f"emb_{name}", F.embedding(ids.long(), table.float()))
    if name == "bf16":
        bad = ids.clone()
        bad[0, 2], bad[1, 1] = -1, vocab
        keep = (bad >= 0) & (bad < vocab)
        out = F.embedding(torch.where(keep, bad, 0).long(), table.float())
        out[~keep] = 0.0
        save("ids_bad", bad)
        save("emb_bad", out)


def write(cache, update, positions):
    out = cache.clone()
    steps = update.shape[2]
    for b, p in enumerate(positions.tolist()):
        if 0 <= p and p + steps <= cache.shape[2]:
            out[b, :, p:p + steps] = update[b]
    return out


for name, dtype, shape, steps, positions in [
        ("bf16", torch.bfloat16, (2, 3, 16, 64), 4, (5, 12)),
        ("f32", torch.float32, (2, 2, 8, 40), 1, (0, 7)),
        ("f16", torch.float16, (2, 2, 8, 32), 2, (6, 1))]:
    cache = randn(rng, *shape).to(dtype)
    b, h, _, d = shape
    update = randn(rng, b, h, steps, d).to(dtype)
    pos = i32(list(positions))
    save(f"cache_{name}", cache)
    save(f"update_{name}", update)
    save(f"pos_{name}", pos)
    save(f"written_{name}", write(cache.float(), update.float(), pos))
    if name == "bf16":
        for case, bad in [("over", (5, 13)), ("neg", (-1, 3))]:
            save(f"pos_{case}", i32(list(bad)))
            save(f"written_{case}",
                 write(cache.float(), update.float(), i32(list(bad))))
print("wrote state_gpu")

"""Shared helpers for the CPU integration-test golden generators.

Every generator builds its inputs with a NumPy RNG seeded from the case
name (so regenerating one case never changes another), computes the
reference with PyTorch eager code in float64, and writes the inputs and
golden outputs as .npy files into ../Inputs/<case>/.

Dtype conventions of the files (see README.md):
  * f32 tensors: float32 .npy.
  * i32 tensors (ids, lengths, positions, block tables, expert ids,
    permutations, offsets): int32 .npy.
  * bf16 tensors: float32 .npy whose every value is exactly representable
    in bfloat16 (.npy has no bfloat16 dtype). seqrun converts such a file
    to bf16 for a bf16 entry input (the conversion is exact), and upcasts a
    bf16 result to f32 before comparing it with the golden file.
"""

import math
import os
import shutil
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

GEN_DIR = Path(__file__).resolve().parent
CPU_DIR = GEN_DIR.parent
INPUTS_DIR = CPU_DIR / "Inputs"

torch.set_grad_enabled(False)
# The references compute in float64. check_tests.py --emulate-f32 reruns
# them in float32 (SEQC_GEN_COMPUTE=f32) to show that a straightforward f32
# implementation passes each test's tolerance.
# Inputs are always drawn and shaped in float64 (GEN) and only then rounded
# to their storage type, so both modes produce identical input files.
F64 = torch.float32 if os.environ.get("SEQC_GEN_COMPUTE") == "f32" else torch.float64
GEN = torch.float64


def rng_for(case: str) -> np.random.Generator:
    """A NumPy generator seeded by the case name (stable across runs)."""
    return np.random.default_rng(zlib.crc32(case.encode()))


def randn(rng, *shape, scale=1.0):
    return torch.from_numpy(rng.standard_normal(shape) * scale).to(GEN)


def uniform(rng, lo, hi, *shape):
    return torch.from_numpy(rng.uniform(lo, hi, shape)).to(GEN)


def to_bf16_values(t: torch.Tensor) -> torch.Tensor:
    """Rounds to bfloat16 (round to nearest even), returned in the compute
    dtype."""
    return t.to(torch.bfloat16).to(F64)


def f32(t: torch.Tensor) -> torch.Tensor:
    """Rounds to float32 (what an f32 input holds), returned in the compute
    dtype."""
    return t.to(torch.float32).to(F64)


class Case:
    """Collects the named inputs (in entry-argument order) and outputs (in
    result order) of one test case and writes them as .npy files."""

    def __init__(self, name: str, dtype: str = "f32"):
        assert dtype in ("f32", "bf16")
        self.name = name
        self.dtype = dtype
        self.rng = rng_for(name)
        self.inputs = []   # (file stem, np.ndarray)
        self.outputs = []

    # Values the compiled code sees: round float inputs to their storage type
    # *before* computing the reference, so the reference starts from exactly
    # the numbers in the files.
    def quantize(self, t: torch.Tensor, kind=None) -> torch.Tensor:
        kind = kind or self.dtype
        t = t.to(GEN) if t.is_floating_point() else t
        return to_bf16_values(t) if kind == "bf16" else f32(t)

    def input(self, stem, t, kind=None):
        """Adds the next entry input. kind: None (the case dtype), 'f32',
        'bf16' or 'i32'. Float inputs are stored as rounded to `kind`."""
        kind = kind or self.dtype
        if kind == "i32":
            a = t.cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
            assert np.all(a == a.astype(np.int32)), "integer out of i32 range"
            arr = np.ascontiguousarray(a.astype("<i4"))
        else:
            arr = np.ascontiguousarray(
                self.quantize(t, kind).cpu().numpy().astype("<f4"))
            assert np.all(np.isfinite(arr))
        self.inputs.append((stem, arr))

    def output(self, stem, t, kind=None, allow_inf=False):
        """Adds the next golden result. kind: None (the case dtype), 'f32',
        'bf16' (golden rounded to bf16, stored as f32) or 'i32'. allow_inf
        permits infinities (an LSE of -inf), never NaN."""
        kind = kind or self.dtype
        if kind == "i32":
            a = t.cpu().numpy()
            assert np.all(a == a.astype(np.int32))
            arr = np.ascontiguousarray(a.astype("<i4"))
        else:
            arr = np.ascontiguousarray(
                self.quantize(t, kind).cpu().numpy().astype("<f4"))
            ok = ~np.isnan(arr) if allow_inf else np.isfinite(arr)
            assert np.all(ok), f"{self.name}/{stem}: non-finite"
        self.outputs.append((stem, arr))

    def write(self):
        d = INPUTS_DIR / self.name
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        stems = [s for s, _ in self.inputs + self.outputs]
        assert len(stems) == len(set(stems)), f"{self.name}: duplicate file"
        for stem, arr in self.inputs + self.outputs:
            np.save(d / f"{stem}.npy", arr, allow_pickle=False)
        return d


# ---------------------------------------------------------------------------
# Attention reference
# ---------------------------------------------------------------------------

def repeat_kv(x: torch.Tensor, group: int) -> torch.Tensor:
    """[B, Hkv, S, D] -> [B, Hkv * group, S, D]: query head h reads kv head
    h // group (torch.repeat_interleave along the head dim)."""
    return x.repeat_interleave(group, dim=1)


def gather_paged(cache: torch.Tensor, block_table: torch.Tensor) -> torch.Tensor:
    """Paged [NumBlocks, H, BS, D] + [B, MaxBlocks] -> logical [B, H,
    MaxBlocks * BS, D]: logical key j of row b is slot j % BS of block
    block_table[b, j // BS]."""
    nb, h, bs, d = cache.shape
    rows = []
    for b in range(block_table.shape[0]):
        blocks = [cache[int(i)] for i in block_table[b]]      # each [H, BS, D]
        rows.append(torch.cat(blocks, dim=1))                # [H, MB*BS, D]
    return torch.stack(rows, dim=0)


def attention_keep_mask(B, Hq, Sq, Skv, kv_lengths=None, causal=False,
                        window=None, mask_mod=None):
    """Boolean [B, Hq, Sq, Skv] keep mask with bottom-right alignment:
    query row i sits at key position p(i) = L - Sq + i."""
    L = (torch.full((B,), Skv, dtype=torch.int64) if kv_lengths is None
         else kv_lengths.to(torch.int64))
    i = torch.arange(Sq).view(1, Sq, 1)
    j = torch.arange(Skv).view(1, 1, Skv)
    Lb = L.view(B, 1, 1)
    p = Lb - Sq + i
    keep = j < Lb
    if causal:
        keep = keep & (j <= p)
    if window is not None:
        keep = keep & (j > p - window)
    keep = keep.unsqueeze(1).expand(B, Hq, Sq, Skv).clone()
    if mask_mod is not None:
        keep &= mask_mod(B, Hq, Sq, Skv)
    return keep


def attention_explicit(q, k, v, scale=None, kv_lengths=None, causal=False,
                       window=None, softcap=None, score_mod=None,
                       mask_mod=None):
    """Direct transcription of the seq.attention definition, float64.
    score_mod(scores[B,Hq,Sq,Skv]) -> scores, with i the query ROW index.
    Returns (out [B,Hq,Sq,Dv], lse [B,Hq,Sq]); fully masked rows give zeros
    and an lse of -inf."""
    B, Hq, Sq, D = q.shape
    Hkv, Skv = k.shape[1], k.shape[2]
    assert Hq % Hkv == 0
    scale = 1.0 / math.sqrt(D) if scale is None else scale
    kk, vv = repeat_kv(k, Hq // Hkv), repeat_kv(v, Hq // Hkv)
    s = scale * torch.einsum("bhqd,bhkd->bhqk", q, kk)
    if softcap is not None:
        s = softcap * torch.tanh(s / softcap)
    if score_mod is not None:
        s = score_mod(s)
    keep = attention_keep_mask(B, Hq, Sq, Skv, kv_lengths, causal, window,
                               mask_mod)
    s = s.masked_fill(~keep, float("-inf"))
    lse = torch.logsumexp(s, dim=-1)
    any_kept = keep.any(dim=-1)
    m = torch.where(any_kept, s.amax(dim=-1), torch.zeros_like(lse))
    e = torch.exp(s - m.unsqueeze(-1))
    denom = e.sum(dim=-1, keepdim=True)
    p = torch.where(any_kept.unsqueeze(-1), e / denom.clamp_min(1e-300),
                    torch.zeros_like(e))
    out = torch.einsum("bhqk,bhkd->bhqd", p, vv)
    return out, lse


def attention_sdpa(q, k, v, scale=None, kv_lengths=None, causal=False,
                   window=None, additive_bias=None, mask_mod=None):
    """The same attention through torch.nn.functional.scaled_dot_product_
    attention with K/V heads repeat_interleave'd and an explicit float mask
    (bias + -inf where masked). Only for additive score modifications (no
    softcap). Fully masked rows (NaN from SDPA) become zeros as documented."""
    B, Hq, Sq, D = q.shape
    Hkv, Skv = k.shape[1], k.shape[2]
    keep = attention_keep_mask(B, Hq, Sq, Skv, kv_lengths, causal, window,
                               mask_mod)
    mask = torch.zeros(B, Hq, Sq, Skv, dtype=q.dtype)
    if additive_bias is not None:
        mask = mask + additive_bias
    mask = mask.masked_fill(~keep, float("-inf"))
    out = F.scaled_dot_product_attention(
        q, repeat_kv(k, Hq // Hkv), repeat_kv(v, Hq // Hkv), attn_mask=mask,
        scale=scale)
    rows_empty = ~keep.any(dim=-1, keepdim=True)
    return torch.where(rows_empty, torch.zeros_like(out), out)


def attention_ref(q, k, v, *, scale=None, kv_lengths=None, causal=False,
                  window=None, softcap=None, alibi_slopes=None,
                  mask_mod=None):
    """Reference used by the generators: the explicit definition, cross-
    checked against SDPA whenever the modification is additive."""
    Sq, Skv = q.shape[2], k.shape[2]
    bias = None
    score_mod = None
    if alibi_slopes is not None:
        # score + slope[h] * (j - i), i = query ROW index (q_idx), not p(i).
        i = torch.arange(Sq, dtype=F64).view(Sq, 1)
        j = torch.arange(Skv, dtype=F64).view(1, Skv)
        bias = alibi_slopes.view(1, -1, 1, 1) * (j - i).view(1, 1, Sq, Skv)
        score_mod = lambda s: s + bias
    out, lse = attention_explicit(q, k, v, scale, kv_lengths, causal, window,
                                  softcap, score_mod, mask_mod)
    if softcap is None:
        out2 = attention_sdpa(q, k, v, scale, kv_lengths, causal, window,
                              bias, mask_mod)
        err = (out - out2).abs().max().item()
        limit = 1e-9 if F64 == torch.float64 else 1e-4
        assert err < limit, f"SDPA and explicit reference disagree: {err}"
    return out, lse


# ---------------------------------------------------------------------------
# Routing helpers
# ---------------------------------------------------------------------------

def min_gap_sorted(x: torch.Tensor, k: int) -> float:
    """Smallest gap among the top k+1 values of each row (how far the
    selection and its order are from a tie)."""
    top = torch.sort(x, dim=-1, descending=True).values[..., : k + 1]
    return (top[..., :-1] - top[..., 1:]).min().item()


def total_size(path: Path = INPUTS_DIR) -> int:
    return sum(p.stat().st_size for p in path.rglob("*.npy"))

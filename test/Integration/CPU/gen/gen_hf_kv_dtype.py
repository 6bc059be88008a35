"""transformers references for KV caches in bf16 / f16 (seqc --kv-cache-dtype).

For some of the tiny checkpoints of gen_hf.py (Inputs/hf_<family>/, reused
as they are: this script writes no weights), runs transformers in float32
with a cache that rounds every key and value it stores to the cache dtype
and back (RoundingCache below: what seqc --kv-cache-dtype=<dtype> computes,
f32 activations on a 2-byte cache read widened to f32), and records in
../Inputs/hf_kv_<family>_<dtype>/:

  logits.npy        f32 [1, S, V]    logits over the prompt (the prompt's
                                     own keys and values are read from the
                                     rounded cache, as seqc's `logits`)
  greedy.npy        i32 [1, N]       the greedy continuation, N = 16
  step1_logits.npy  f32 [1, V]       the logits of the first decode step
                                     (prompt + greedy[0, 0], one token
                                     against the rounded cache)
  margins.txt       the smallest top-1 minus top-2 logit gap along the
                    greedy path (and the routers' smallest gap for MoE
                    families), and how far these logits are from the
                    f32-cache ones (the rounding must be visible above the
                    tests' tolerance)

The prompt is the checkpoint's own prompt.npy (its first 11 ids). The
families: llama (dense, bf16 and f16), mixtral (MoE, sliding window) and
deepseek_v3, whose cache is the compressed latent one: transformers caches
[c_kv (after kv_a_layernorm), k_pe (after RoPE)] per token, so rounding
what its cache stores is rounding the latent cache, as seqc does.

Run: python3 test/Integration/CPU/gen/gen_hf_kv_dtype.py (torch + transformers)
"""

import sys
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers import DynamicCache

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
NEW_TOKENS = 16

torch.set_grad_enabled(False)

# family -> cache dtypes
CASES = {
    "llama": ("bf16", "f16"),
    # The GPU session tests' checkpoint (GPU attention reads bf16 caches).
    "llama_hd16": ("bf16",),
    "mixtral": ("bf16",),
    "deepseek_v3": ("bf16",),
}
DTYPES = {"bf16": torch.bfloat16, "f16": torch.float16}


class RoundingCache(DynamicCache):
    """A DynamicCache whose stored keys and values are rounded to `dtype`
    (round to nearest even, as a cast) and kept in float32."""

    def __init__(self, dtype, **kw):
        super().__init__(**kw)
        self.round_dtype = dtype

    def update(self, key_states, value_states, layer_idx, *args, **kwargs):
        if self.round_dtype is not None:
            key_states = key_states.to(self.round_dtype).to(key_states.dtype)
            value_states = value_states.to(self.round_dtype).to(
                value_states.dtype)
        return super().update(key_states, value_states, layer_idx, *args,
                              **kwargs)


def load(family):
    path = INPUTS / f"hf_{family}"
    extra = ({"experts_implementation": "eager"}
             if family in ("mixtral", "deepseek_v3") else {})
    model = transformers.AutoModelForCausalLM.from_pretrained(
        path, dtype=torch.float32, attn_implementation="eager", **extra)
    model.eval()
    prompt = torch.from_numpy(np.load(path / "prompt.npy")).long()
    return model, prompt


def forward(model, tokens, dtype):
    """Logits over `tokens` from an empty cache rounding to `dtype`."""
    cache = RoundingCache(dtype, config=model.config)
    return model(tokens, cache=cache, use_cache=True).logits


def greedy(model, prompt, dtype, n):
    """n greedy tokens, prefill then one token per step on one cache, and
    the logits each was chosen from."""
    cache = RoundingCache(dtype, config=model.config)
    logits = model(prompt, cache=cache, use_cache=True).logits
    tokens, rows = [], []
    for _ in range(n):
        row = logits[0, -1]
        rows.append(row)
        t = int(row.argmax())
        tokens.append(t)
        logits = model(torch.tensor([[t]]), cache=cache,
                       use_cache=True).logits
    return torch.tensor([tokens]), torch.stack(rows)


def margin(rows):
    top = torch.topk(rows, 2, dim=-1).values
    return float((top[..., 0] - top[..., 1]).min())


def router_gap(model, tokens, dtype):
    """The smallest gap between the k-th and (k+1)-th router logit of every
    MoE layer over `tokens` (Mixtral's softmax routers), or None."""
    k = getattr(model.config, "num_experts_per_tok", None)
    if k is None or model.config.model_type == "deepseek_v3":
        return None
    gaps = []

    def hook(module, args, output):
        logits = output[0] if isinstance(output, tuple) else output
        top = torch.sort(logits.float(), dim=-1, descending=True).values
        gaps.append(float((top[:, k - 1] - top[:, k]).min()))

    handles = [m.register_forward_hook(hook)
               for name, m in model.named_modules()
               if (name.endswith(".gate") or name.endswith(".router"))
               and "experts" not in name]
    forward(model, tokens, dtype)
    for h in handles:
        h.remove()
    return min(gaps)


def build(family, name):
    dtype = DTYPES[name]
    model, prompt = load(family)
    S = prompt.shape[1]
    logits = forward(model, prompt, dtype)
    tokens, rows = greedy(model, prompt, dtype, NEW_TOKENS)
    # Greedy from the step loop equals the argmax of full forwards over
    # the longer sequence (the cache against itself).
    full = forward(model, torch.cat([prompt, tokens], 1), dtype)
    path = full[0, S - 1:S - 1 + NEW_TOKENS]
    assert torch.equal(path.argmax(-1), tokens[0]), family
    step1 = full[:, S]
    m = margin(rows)
    assert m > 0.02, f"{family}/{name}: greedy margin {m}"
    gap = router_gap(model, torch.cat([prompt, tokens], 1), dtype)

    # The f32-cache run: how visible the rounding is.
    ref_logits = forward(model, prompt, None)
    ref_tokens, _ = greedy(model, prompt, None, NEW_TOKENS)
    ref_full = forward(model, torch.cat([prompt, tokens], 1), None)
    diff = float((logits - ref_logits).abs().max())
    step_diff = float((step1 - ref_full[:, S]).abs().max())
    same = int((tokens == ref_tokens).all())

    out = INPUTS / f"hf_kv_{family}_{name}"
    out.mkdir(parents=True, exist_ok=True)
    for f in out.iterdir():
        f.unlink()
    np.save(out / "logits.npy", logits.numpy().astype(np.float32))
    np.save(out / "greedy.npy", tokens.numpy().astype(np.int32))
    np.save(out / "step1_logits.npy", step1.numpy().astype(np.float32))
    (out / "margins.txt").write_text(
        f"checkpoint: Inputs/hf_{family} (prompt.npy), KV cache rounded to "
        f"{name}\n"
        f"smallest greedy top-1/top-2 logit gap: {m:.4f}\n"
        + (f"smallest router gap (k-th - (k+1)-th logit): {gap:.4f}\n"
           if gap is not None else "")
        + f"largest |logit|: {float(full.abs().max()):.3f}\n"
        f"max |prompt logits - f32-cache logits|: {diff:.2e}\n"
        f"max |decode-step logits - f32-cache logits|: {step_diff:.2e}\n"
        f"greedy path equal to the f32 cache's: {'yes' if same else 'no'}\n"
        f"transformers {transformers.__version__}, torch {torch.__version__}\n")
    print(f"{family}/{name}: margin {m:.4f}, |logits - f32 cache| {diff:.2e} "
          f"(step {step_diff:.2e}), same greedy {bool(same)}, router gap "
          f"{gap}")


def main(argv):
    families = argv or list(CASES)
    for family in families:
        for name in CASES[family]:
            build(family, name)


if __name__ == "__main__":
    main(sys.argv[1:])

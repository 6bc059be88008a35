"""transformers references for 2-byte activations (seqc --dtype=bf16 / f16).

For the half-precision tiny checkpoints of gen_hf.py (Inputs/hf_<family>/,
weights already bf16 or f16, reused as they are: this script writes no
weights), runs transformers with the model in that dtype
(from_pretrained(dtype=torch.bfloat16), default attention, its own cache in
the model's dtype): every op's result is rounded to the dtype, as a user's
bf16 run computes, except the LM head, computed in float32 on the bf16
final hidden states (logits in bf16 tie: one ulp is 2^-4 at |logit| 8, so
a vocabulary of 97 has equal top-2 logits on the greedy path and argmax
would pick by index; seqc returns the head's f32 accumulation). Records in
../Inputs/hf_act_<family>/:

  logits.npy        f32 [1, S, V]    logits over the prompt (bf16 values)
  greedy.npy        i32 [1, N]       the greedy continuation, N = 16,
                                     prefill then one token per step on
                                     the model's cache
  step1_logits.npy  f32 [1, V]       the logits of the first decode step
                                     (prompt + greedy[0, 0], one token on
                                     the cache the prompt filled)
  rounded_logits.npy  f32 [1, S, V]  (dense families only: qwen2_bf16,
                    llama_f16) the prompt logits of the same bf16/f16 model
                    with seqc's rounding points (rounding_points below):
                    RoPE (cos/sin in f32), the gated MLP's act(gate) * up
                    and attention computed in f32 and rounded once, as
                    seqc's seq.rope / seq.swiglu / seq.attention compute;
                    every other op as transformers runs it
  margins.txt       the smallest top-1 minus top-2 logit gap along the
                    greedy path, and how far these logits are from the
                    float32 run of the same checkpoint (the rounding must be
                    visible above the tests' tolerance)

The prompt is the checkpoint's own prompt.npy.

Run: python3 test/Integration/CPU/gen/gen_hf_act_dtype.py (torch + transformers)
"""

import contextlib
import sys
from pathlib import Path

import numpy as np
import torch
import transformers

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
NEW_TOKENS = 16

torch.set_grad_enabled(False)

# checkpoint (Inputs/hf_<name>) -> activation dtype
CASES = {
    "qwen2_bf16": torch.bfloat16,
    "llama_f16": torch.float16,
    "mixtral_bf16": torch.bfloat16,
    "qwen2_moe_bf16": torch.bfloat16,
    "mamba_bf16": torch.bfloat16,
    "mamba2_bf16": torch.bfloat16,
    "jamba_bf16": torch.bfloat16,
    "deepseek_v3_bf16": torch.bfloat16,
}


def load(name, dtype):
    path = INPUTS / f"hf_{name}"
    extra = ({"experts_implementation": "eager"}
             if name.startswith(("mixtral", "qwen2_moe", "deepseek", "jamba"))
             else {})
    model = transformers.AutoModelForCausalLM.from_pretrained(
        path, dtype=dtype, **extra)
    model.eval()
    if dtype != torch.float32:
        head = model.get_output_embeddings()
        assert head.bias is None
        weight = head.weight.detach().float()
        head.forward = lambda h: torch.nn.functional.linear(h.float(), weight)
    prompt = torch.from_numpy(np.load(path / "prompt.npy")).long()
    return model, prompt


@contextlib.contextmanager
def rounding_points(model):
    """Patches the model's modeling module so that RoPE, the gated MLP's
    act(gate) * up and attention compute in f32 and round their result
    once to the model's dtype (transformers rounds RoPE's products and sum
    with cos/sin in the dtype, and act(gate) before multiplying by up)."""
    mod = sys.modules[type(model).__module__]
    prefix = type(model).__name__[:-len("ForCausalLM")]
    rotary = getattr(mod, prefix + "RotaryEmbedding")
    mlp = getattr(mod, prefix + "MLP")
    saved = (mod.apply_rotary_pos_emb, rotary.forward, mlp.forward,
             mod.ALL_ATTENTION_FUNCTIONS.get_interface)
    rotary_forward, attn_forward = saved[1], saved[3]

    def rope(q, k, cos, sin, unsqueeze_dim=1):
        cos, sin = cos.unsqueeze(unsqueeze_dim), sin.unsqueeze(unsqueeze_dim)
        qf, kf = q.float(), k.float()
        return ((qf * cos + mod.rotate_half(qf) * sin).to(q.dtype),
                (kf * cos + mod.rotate_half(kf) * sin).to(k.dtype))

    def rotary_f32(self, x, position_ids):
        return rotary_forward(self, x.float(), position_ids)

    def mlp_f32(self, x):
        g = self.gate_proj(x).float()
        u = self.up_proj(x).float()
        return self.down_proj((self.act_fn(g) * u).to(x.dtype))

    def attention_f32(*args, **kwargs):
        inner = attn_forward(*args, **kwargs)

        def run(module, q, k, v, mask, **kw):
            out, weights = inner(module, q.float(), k.float(), v.float(),
                                 mask, **kw)
            return out.to(q.dtype), weights
        return run

    mod.apply_rotary_pos_emb, rotary.forward, mlp.forward = (
        rope, rotary_f32, mlp_f32)
    mod.ALL_ATTENTION_FUNCTIONS.get_interface = attention_f32
    try:
        yield
    finally:
        (mod.apply_rotary_pos_emb, rotary.forward, mlp.forward,
         mod.ALL_ATTENTION_FUNCTIONS.get_interface) = saved


def greedy(model, prompt, n):
    """Prompt logits, n greedy tokens (prefill, then one token per step on
    the model's cache) and the logits each was chosen from."""
    out = model(prompt, use_cache=True)
    cache, first = out.cache, out.logits
    logits = first
    tokens, rows = [], []
    for _ in range(n):
        row = logits[0, -1].float()
        rows.append(row)
        t = int(row.argmax())
        tokens.append(t)
        out = model(torch.tensor([[t]]), cache=cache, use_cache=True)
        cache, logits = out.cache, out.logits
    return first.float(), torch.tensor([tokens]), torch.stack(rows)


def margin(rows):
    top = torch.topk(rows, 2, dim=-1).values
    return float((top[..., 0] - top[..., 1]).min())


def build(name):
    dtype = CASES[name]
    model, prompt = load(name, dtype)
    logits, tokens, rows = greedy(model, prompt, NEW_TOKENS)
    step1 = rows[1:2]
    m = margin(rows)
    top = torch.topk(rows, 2, dim=-1).values
    print(name, "margins", [round(float(v), 4) for v in top[:, 0] - top[:, 1]])

    ref, ref_prompt = load(name, torch.float32)
    ref_logits, ref_tokens, ref_rows = greedy(ref, ref_prompt, NEW_TOKENS)
    diff = float((logits - ref_logits).abs().max())
    same = int((tokens == ref_tokens).all())
    step_diff = (float((step1 - ref_rows[1:2]).abs().max())
                 if int(tokens[0, 0]) == int(ref_tokens[0, 0]) else None)

    label = "bf16" if dtype == torch.bfloat16 else "f16"
    out = INPUTS / f"hf_act_{name}"
    out.mkdir(parents=True, exist_ok=True)
    for f in out.iterdir():
        f.unlink()
    np.save(out / "logits.npy", logits.numpy().astype(np.float32))
    np.save(out / "greedy.npy", tokens.numpy().astype(np.int32))
    np.save(out / "step1_logits.npy", step1.numpy().astype(np.float32))
    rounded_diff = None
    if name in ("qwen2_bf16", "llama_f16"):
        with rounding_points(model):
            rounded = model(prompt).logits.float()
        np.save(out / "rounded_logits.npy",
                rounded.numpy().astype(np.float32))
        rounded_diff = float((rounded - logits).abs().max())
    (out / "margins.txt").write_text(
        f"checkpoint: Inputs/hf_{name} (prompt.npy), transformers with the "
        f"model in {label} (from_pretrained(dtype=torch."
        f"{str(dtype).split('.')[-1]}), LM head in float32 on its final "
        f"hidden states)\n"
        f"smallest greedy top-1/top-2 logit gap: {m:.4f}\n"
        f"largest |logit|: {float(logits.abs().max()):.3f}\n"
        f"max |prompt logits - float32 run's|: {diff:.2e}\n"
        + (f"max |decode-step logits - float32 run's|: {step_diff:.2e}\n"
           if step_diff is not None else "")
        + (f"max |rounded_logits - logits| (seqc's rounding points vs "
           f"transformers'): {rounded_diff:.2e}\n"
           if rounded_diff is not None else "")
        + f"greedy path equal to the float32 run's: "
        f"{'yes' if same else 'no'}\n"
        f"transformers {transformers.__version__}, torch {torch.__version__}\n")
    print(f"{name}: margin {m:.4f}, |logits - f32| {diff:.2e}, step "
          f"{step_diff}, same greedy {bool(same)}, tokens {tokens.tolist()}")


def main(argv):
    for name in argv or list(CASES):
        build(name)


if __name__ == "__main__":
    main(sys.argv[1:])

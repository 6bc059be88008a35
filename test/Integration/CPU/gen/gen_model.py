"""Golden data for test/Integration/CPU/model/*.mlir: seq.rms_norm,
seq.layer_norm, seq.rope, seq.linear, seq.embedding, seq.swiglu, seq.gelu
and a Llama MLP block composed of them. References are PyTorch eager
(torch.nn.functional / Hugging Face formulations) in float64."""

import torch
import torch.nn.functional as F

from common import Case, F64, f32, randn, uniform


def rms_norm_ref(x, w, eps):
    # Llama/Mistral RMSNorm: x * rsqrt(mean(x^2) + eps) * weight.
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def rotate_every_two(x):
    x1, x2 = x[..., ::2], x[..., 1::2]
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


def rope_ref(x, positions, theta, style, rotary_dim=None, inv_freq=None):
    """HF Llama (neox, rotate_half) / GPT-J (interleaved) rotary embedding
    with per-token positions [B, S]; channels >= rotary_dim pass through.
    `inv_freq` (R/2 values) replaces theta's frequencies (scaled RoPE)."""
    D = x.shape[-1]
    R = rotary_dim or D
    if inv_freq is None:
        inv_freq = 1.0 / (theta ** (torch.arange(0, R, 2, dtype=F64) / R))
    else:
        inv_freq = torch.tensor(inv_freq, dtype=F64)
    freqs = positions.to(F64).unsqueeze(-1) * inv_freq        # [B, S, R/2]
    if style == "neox":
        emb = torch.cat((freqs, freqs), dim=-1)
        rot = rotate_half
    else:
        emb = freqs.repeat_interleave(2, dim=-1)
        rot = rotate_every_two
    cos = emb.cos().unsqueeze(1)                                # [B, 1, S, R]
    sin = emb.sin().unsqueeze(1)
    xr, xp = x[..., :R], x[..., R:]
    return torch.cat((xr * cos + rot(xr) * sin, xp), dim=-1)


def cases():
    out = []

    c = Case("rms_norm")
    x = c.quantize(randn(c.rng, 2, 5, 64, scale=2.0))
    w = c.quantize(uniform(c.rng, 0.5, 1.5, 64))
    c.input("x", x)
    c.input("weight", w)
    c.output("out", rms_norm_ref(x, w, 1e-5))
    out.append(c)

    c = Case("rms_norm_bf16", "bf16")
    x = c.quantize(randn(c.rng, 3, 4, 128, scale=2.0))
    w = c.quantize(uniform(c.rng, 0.5, 1.5, 128))
    c.input("x", x)
    c.input("weight", w)
    c.output("out", rms_norm_ref(x, w, 1e-6))
    out.append(c)

    # The residual add of a bf16 model: torch adds bf16 tensors in f32 and
    # rounds once, as seqc's CPU lowering does.
    c = Case("add_bf16", "bf16")
    r = c.quantize(randn(c.rng, 4, 1100, scale=3.0))
    g = c.quantize(randn(c.rng, 4, 1100))
    c.input("residual", r)
    c.input("gate", g)
    c.output("sum", (r.to(torch.bfloat16) + g.to(torch.bfloat16)).float())
    out.append(c)

    c = Case("layer_norm_bias")
    x = c.quantize(randn(c.rng, 3, 7, 48) + 0.5)
    w = c.quantize(uniform(c.rng, 0.5, 1.5, 48))
    b = c.quantize(randn(c.rng, 48, scale=0.1))
    c.input("x", x)
    c.input("weight", w)
    c.input("bias", b)
    c.output("out", F.layer_norm(x, (48,), w, b, 1e-5))
    out.append(c)

    c = Case("layer_norm_nobias")
    x = c.quantize(randn(c.rng, 4, 40, scale=3.0) - 1.0)
    w = c.quantize(uniform(c.rng, 0.5, 1.5, 40))
    c.input("x", x)
    c.input("weight", w)
    c.output("out", F.layer_norm(x, (40,), w, None, 1e-6))
    out.append(c)

    # RoPE: per-token positions, different per batch row (ragged decode /
    # continued prefill), positions up to ~300.
    rope_cases = [
        ("rope_neox", "neox", 10000.0, None, 32),
        ("rope_gptj", "gptj", 500000.0, None, 32),
        ("rope_partial_neox", "neox", 10000.0, 16, 32),   # GPT-NeoX rotary_pct
        ("rope_partial_gptj", "gptj", 10000.0, 8, 24),    # GPT-J rotary_dim
    ]
    for name, style, theta, rdim, D in rope_cases:
        c = Case(name)
        x = c.quantize(randn(c.rng, 2, 4, 6, D))
        pos = torch.tensor([[0, 1, 2, 3, 4, 5], [300, 17, 251, 42, 199, 7]],
                           dtype=torch.int32)
        c.input("x", x)
        c.input("positions", pos, "i32")
        c.output("out", rope_ref(x, pos, theta, style, rdim))
        out.append(c)

    # Given inverse frequencies (seq.rope inv_freq, as scaled RoPE such as
    # Llama-3's produces): not a geometric series, so a theta-based
    # frequency is off by O(1). The values are f32 (what the attribute
    # holds).
    c = Case("rope_inv_freq")
    inv_freq = f32(torch.tensor([1.3, 0.7, 0.25, 0.11, 0.05, 0.013, 0.002,
                                 0.0004], dtype=F64)).tolist()
    x = c.quantize(randn(c.rng, 2, 4, 6, 24))
    pos = torch.tensor([[0, 1, 2, 3, 4, 5], [300, 17, 251, 42, 199, 7]],
                       dtype=torch.int32)
    c.input("x", x)
    c.input("positions", pos, "i32")
    c.output("out", rope_ref(x, pos, 10000.0, "gptj", 16, inv_freq))
    out.append(c)

    # Dynamic NTK (seq.rope ntk_factor 3, ntk_max_positions 64, neox over
    # D = 16): the inverse frequencies are transformers' own
    # (_compute_dynamic_ntk_parameters with seq_len = max(positions) + 1 as
    # an int64 tensor, as its dynamic_rope_update passes it). One call with
    # every position below 64 (the unscaled base), and a ragged one whose
    # second row reaches 300: both rows rotate with the base of L = 301.
    import transformers
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
    config = transformers.LlamaConfig(
        hidden_size=32, num_attention_heads=2, head_dim=16,
        max_position_embeddings=64,
        rope_parameters=dict(rope_type="dynamic", rope_theta=10000.0,
                             factor=3.0))
    for name, pos in [
            ("rope_dynamic_short", [[0, 1, 2, 3, 4, 5],
                                    [63, 17, 51, 42, 19, 7]]),
            ("rope_dynamic_long", [[0, 1, 2, 3, 4, 5],
                                   [300, 17, 251, 42, 199, 7]])]:
        c = Case(name)
        x = c.quantize(randn(c.rng, 2, 4, 6, 16))
        pos = torch.tensor(pos, dtype=torch.int32)
        seq_len = pos.to(torch.int64).max() + 1
        if seq_len > config.max_position_embeddings:
            inv_freq, _ = ROPE_INIT_FUNCTIONS["dynamic"](config, "cpu",
                                                         seq_len=seq_len)
        else:   # transformers keeps original_inv_freq (seq_len None)
            inv_freq, _ = ROPE_INIT_FUNCTIONS["dynamic"](config, "cpu")
        c.input("x", x)
        c.input("positions", pos, "i32")
        c.output("out", rope_ref(x, pos, 10000.0, "neox", 16,
                                 inv_freq.tolist()))
        out.append(c)

    c = Case("linear_bias")
    x = c.quantize(randn(c.rng, 2, 5, 48))
    w = c.quantize(randn(c.rng, 40, 48, scale=0.2))
    b = c.quantize(randn(c.rng, 40, scale=0.1))
    c.input("x", x)
    c.input("weight", w)
    c.input("bias", b)
    c.output("out", F.linear(x, w, b))
    out.append(c)

    c = Case("linear_odd_2d")
    x = c.quantize(randn(c.rng, 7, 33))
    w = c.quantize(randn(c.rng, 17, 33, scale=0.2))
    c.input("x", x)
    c.input("weight", w)
    c.output("out", F.linear(x, w))
    out.append(c)

    c = Case("linear_bf16", "bf16")
    x = c.quantize(randn(c.rng, 2, 8, 64))
    w = c.quantize(randn(c.rng, 48, 64, scale=0.125))
    b = c.quantize(randn(c.rng, 48, scale=0.1))
    c.input("x", x)
    c.input("weight", w)
    c.input("bias", b)
    c.output("out", F.linear(x, w, b))
    out.append(c)

    c = Case("embedding")
    table = c.quantize(randn(c.rng, 50, 24))
    ids = torch.tensor([[0, 49, 3, 3, 17, 25, 1], [48, 2, 0, 9, 33, 11, 49]],
                       dtype=torch.int32)
    c.input("table", table)
    c.input("ids", ids, "i32")
    c.output("out", F.embedding(ids.long(), table))
    out.append(c)

    c = Case("swiglu")
    g = c.quantize(randn(c.rng, 2, 5, 64, scale=3.0))
    u = c.quantize(randn(c.rng, 2, 5, 64))
    c.input("gate", g)
    c.input("up", u)
    c.output("out", F.silu(g) * u)
    out.append(c)

    for name, approx in (("gelu_exact", "none"), ("gelu_tanh", "tanh")):
        c = Case(name)
        x = c.quantize(randn(c.rng, 3, 100, scale=3.0))
        c.input("x", x)
        c.output("out", F.gelu(x, approximate=approx))
        out.append(c)

    # Llama MLP block: h = x + down(silu(gate(n)) * up(n)), n = rmsnorm(x).
    c = Case("llama_mlp")
    x = c.quantize(randn(c.rng, 1, 6, 32))
    nw = c.quantize(uniform(c.rng, 0.5, 1.5, 32))
    wg = c.quantize(randn(c.rng, 64, 32, scale=0.18))
    wu = c.quantize(randn(c.rng, 64, 32, scale=0.18))
    wd = c.quantize(randn(c.rng, 32, 64, scale=0.125))
    for stem, t in (("x", x), ("norm_weight", nw), ("w_gate", wg),
                    ("w_up", wu), ("w_down", wd)):
        c.input(stem, t)
    n = rms_norm_ref(x, nw, 1e-5)
    h = x + F.linear(F.silu(F.linear(n, wg)) * F.linear(n, wu), wd)
    c.output("out", h)
    out.append(c)
    return out


def main():
    for c in cases():
        c.write()
        print("wrote", c.name)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch reference of examples/tiny_hybrid/model.mlir.

Writes random (seeded) weights to weights.safetensors, a prompt to
prompt.npy and the reference's greedy generation to expected_tokens.npy /
expected_count.npy, next to this file. The weights are drawn until every
greedy decision of the reference has a clear margin, so the comparison with
seqc is exact, not luck. Needs torch, numpy and safetensors (dev time only;
CI uses the committed files).

    python3 examples/tiny_hybrid/reference.py
"""
import os

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
V, DM, HQ, HKV, HD, CAP = 64, 32, 4, 2, 8, 64
E, K, FF = 4, 2, 32
DI, N, R = 32, 4, 4
EPS, THETA = 1e-5, 10000.0
PROMPT_LEN, MAX_NEW, EOS = 8, 16, 1


def make_weights(gen):
    def rnd(*shape, scale=0.3):
        return (torch.randn(*shape, generator=gen) * scale).float()

    w = {
        "model.embed_tokens.weight": rnd(V, DM, scale=1.0),
        "model.layers.0.input_layernorm.weight": 1 + rnd(DM, scale=0.1),
        "model.layers.0.self_attn.q_proj.weight": rnd(HQ * HD, DM),
        "model.layers.0.self_attn.k_proj.weight": rnd(HKV * HD, DM),
        "model.layers.0.self_attn.v_proj.weight": rnd(HKV * HD, DM),
        "model.layers.0.self_attn.o_proj.weight": rnd(DM, HQ * HD),
        "model.layers.0.post_attention_layernorm.weight": 1 + rnd(DM, scale=0.1),
        "model.layers.0.block_sparse_moe.gate.weight": rnd(E, DM),
        "model.layers.0.block_sparse_moe.experts.w1": rnd(E, FF, DM),
        "model.layers.0.block_sparse_moe.experts.w3": rnd(E, FF, DM),
        "model.layers.0.block_sparse_moe.experts.w2": rnd(E, DM, FF),
        "model.layers.1.norm.weight": 1 + rnd(DM, scale=0.1),
        "model.layers.1.mixer.in_proj.weight": rnd(2 * DI, DM),
        "model.layers.1.mixer.x_proj.weight": rnd(R + 2 * N, DI),
        "model.layers.1.mixer.dt_proj.weight": rnd(DI, R),
        "model.layers.1.mixer.dt_proj.bias": rnd(DI, scale=0.1) - 1.0,
        "model.layers.1.mixer.A_log": torch.log(
            torch.arange(1, N + 1, dtype=torch.float32)).repeat(DI, 1),
        "model.layers.1.mixer.D": torch.ones(DI),
        "model.layers.1.mixer.out_proj.weight": rnd(DM, DI),
        "model.norm.weight": 1 + rnd(DM, scale=0.1),
        "lm_head.weight": rnd(V, DM, scale=1.0),
    }
    return {k: v.contiguous() for k, v in w.items()}


def rms_norm(x, w):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * w


def rope(x, pos):  # x [B, H, S, D], NeoX rotate-half
    inv = 1.0 / (THETA ** (torch.arange(0, HD, 2, dtype=torch.float32) / HD))
    ang = pos.float()[:, None, :, None] * inv  # [B, 1, S, D/2]
    cos, sin = torch.cos(ang), torch.sin(ang)
    x1, x2 = x[..., : HD // 2], x[..., HD // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)


def forward(w, tokens, positions, kc, vc, ssm):
    """The model over S new tokens; returns logits and the new state."""
    S = tokens.shape[1]
    x = w["model.embed_tokens.weight"][tokens]  # [1, S, DM]
    # Layer 0: GQA attention over the cache.
    xa = rms_norm(x, w["model.layers.0.input_layernorm.weight"])
    q = (xa @ w["model.layers.0.self_attn.q_proj.weight"].T).view(1, S, HQ, HD).transpose(1, 2)
    k = (xa @ w["model.layers.0.self_attn.k_proj.weight"].T).view(1, S, HKV, HD).transpose(1, 2)
    v = (xa @ w["model.layers.0.self_attn.v_proj.weight"].T).view(1, S, HKV, HD).transpose(1, 2)
    q, k = rope(q, positions), rope(k, positions)
    start = int(positions[0, 0])
    kc, vc = kc.clone(), vc.clone()
    kc[:, :, start:start + S] = k
    vc[:, :, start:start + S] = v
    L = start + S
    kk = kc[:, :, :L].repeat_interleave(HQ // HKV, 1)
    vv = vc[:, :, :L].repeat_interleave(HQ // HKV, 1)
    i = torch.arange(S)[:, None] + (L - S)
    j = torch.arange(L)[None, :]
    mask = torch.zeros(S, L).masked_fill(j > i, float("-inf"))
    att = F.scaled_dot_product_attention(q, kk, vv, attn_mask=mask)
    att = att.transpose(1, 2).reshape(1, S, HQ * HD)
    x1 = x + att @ w["model.layers.0.self_attn.o_proj.weight"].T
    # Layer 0: MoE, softmax top-2 renormalised, SwiGLU experts.
    xm = rms_norm(x1, w["model.layers.0.post_attention_layernorm.weight"])[0]
    logits = xm @ w["model.layers.0.block_sparse_moe.gate.weight"].T
    probs = torch.softmax(logits, -1)
    topw, tope = torch.topk(probs, K, -1)
    topw = topw / topw.sum(-1, keepdim=True)
    moe = torch.zeros_like(xm)
    for t in range(S):
        for slot in range(K):
            e = int(tope[t, slot])
            g = xm[t] @ w["model.layers.0.block_sparse_moe.experts.w1"][e].T
            u = xm[t] @ w["model.layers.0.block_sparse_moe.experts.w3"][e].T
            y = (F.silu(g) * u) @ w["model.layers.0.block_sparse_moe.experts.w2"][e].T
            moe[t] += topw[t, slot] * y
    x2 = x1 + moe[None]
    # Layer 1: Mamba-style selective SSM.
    xs = rms_norm(x2, w["model.layers.1.norm.weight"])
    xz = xs @ w["model.layers.1.mixer.in_proj.weight"].T
    xin, z = xz[..., :DI], xz[..., DI:]
    u = F.silu(xin)
    dbc = u @ w["model.layers.1.mixer.x_proj.weight"].T
    dt = dbc[..., :R] @ w["model.layers.1.mixer.dt_proj.weight"].T + w["model.layers.1.mixer.dt_proj.bias"]
    Bm, Cm = dbc[..., R:R + N], dbc[..., R + N:]
    A = -torch.exp(w["model.layers.1.mixer.A_log"])
    delta = F.softplus(dt)
    h = ssm.clone()
    ys = []
    for t in range(S):
        h = torch.exp(delta[:, t, :, None] * A) * h + delta[:, t, :, None] * Bm[:, t, None, :] * u[:, t, :, None]
        ys.append((h * Cm[:, t, None, :]).sum(-1))
    y = torch.stack(ys, 1)
    gated = (y + w["model.layers.1.mixer.D"] * u) * F.silu(z)
    x3 = x2 + gated @ w["model.layers.1.mixer.out_proj.weight"].T
    out = rms_norm(x3, w["model.norm.weight"]) @ w["lm_head.weight"].T
    return out, kc, vc, h


def generate(w, prompt):
    kc = torch.zeros(1, HKV, CAP, HD)
    vc = torch.zeros(1, HKV, CAP, HD)
    ssm = torch.zeros(1, DI, N)
    pos = torch.arange(PROMPT_LEN)[None]
    logits, kc, vc, ssm = forward(w, prompt, pos, kc, vc, ssm)
    margins = []

    def argmax(row):
        top2 = torch.topk(row, 2).values
        margins.append(float(top2[0] - top2[1]))
        return int(torch.argmax(row))

    first = argmax(logits[0, -1])
    tokens, done, count = [first], False, 0
    tok, p = first, PROMPT_LEN
    for _ in range(MAX_NEW):
        if done:
            tokens.append(0)
            continue
        logits, kc, vc, ssm = forward(w, torch.tensor([[tok]]), torch.tensor([[p]]), kc, vc, ssm)
        tok = argmax(logits[0, -1])
        tokens.append(tok)
        count += 1
        done = tok == EOS
        p += 1
    return tokens, count, min(margins)


def main():
    torch.set_grad_enabled(False)
    for seed in range(100):
        gen = torch.Generator().manual_seed(seed)
        w = make_weights(gen)
        prompt = torch.randint(2, V, (1, PROMPT_LEN), generator=gen)
        tokens, count, margin = generate(w, prompt)
        if margin > 1e-2:
            break
    print(f"seed {seed}: tokens {tokens}, count {count}, min margin {margin:.4f}")
    save_file(w, os.path.join(HERE, "weights.safetensors"))
    np.save(os.path.join(HERE, "prompt.npy"), prompt.numpy().astype(np.int32))
    np.save(os.path.join(HERE, "expected_tokens.npy"), np.array([tokens], dtype=np.int32))
    np.save(os.path.join(HERE, "expected_count.npy"), np.array([count], dtype=np.int32))


if __name__ == "__main__":
    main()

"""Golden data for the GPU session test model
(../Inputs/gpu_session/model.mlir, test/Tools/seqrun/gpu-session.test): a
one-head bf16 decoder step (embedding, Q/K/V projections, NeoX RoPE at
positions pos + i, the K/V caches written at pos, causal attention over
the pos + S cached keys, the LM head over the last row) run as a seqrt
session would: prefill of a 5-token prompt at position 0, then greedy
decode steps, each feeding the previous token. Written from the ops'
definitions in float64 with a rounding to bf16 wherever the kernels store
bf16 (each op's result and the caches), not from the kernels' code.

Writes weights.safetensors, greedy.txt (the prompt and the 12 greedy
tokens), greedy_chunked.txt (a 10-token prompt prefilled in two calls of
5, the second at position 5, and its 12 tokens), logits.npy (f32 [12, 96]: prefill's, then each decode step's)
and the caches after the last step (k_cache.npy, v_cache.npy, f32 [1, 1,
32, 64]; bf16 values), and checks that every greedy choice has a margin of at least
0.02 over the runner-up (so bf16 rounding differences of the kernels
cannot flip a token) and that a session whose cache did not persist
across calls (each decode step attending only to its own token) would
pick other tokens (so the test sees a lost cache). Deterministic: run
from anywhere to rewrite ../Inputs/gpu_session/."""

import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "CPU" / "gen"))
from common import randn, rng_for  # noqa: E402

V, D, CAP = 96, 64, 32
PROMPT = [7, 42, 3, 88, 19]
PROMPT2 = [55, 1, 60, 23, 90]
NEW = 12

folder = HERE.parent / "Inputs" / "gpu_session"
rng = rng_for("gpu_session")


def bf16(t):
    return t.to(torch.bfloat16).to(torch.float64)


weights = {
    "embed.weight": randn(rng, V, D).to(torch.bfloat16),
    "q_proj.weight": randn(rng, D, D, scale=0.35).to(torch.bfloat16),
    "k_proj.weight": randn(rng, D, D, scale=0.35).to(torch.bfloat16),
    "v_proj.weight": randn(rng, D, D, scale=0.35).to(torch.bfloat16),
    "lm_head.weight": randn(rng, V, D, scale=0.5).to(torch.bfloat16),
}
W = {k: v.to(torch.float64) for k, v in weights.items()}


def rope(x, positions):
    """NeoX rotary embedding of x [S, D] at positions [S], theta 10000."""
    half = D // 2
    inv = 10000.0 ** (-torch.arange(half, dtype=torch.float64) * 2 / D)
    angle = positions.to(torch.float64)[:, None] * inv[None, :]
    c, s = torch.cos(angle), torch.sin(angle)
    x1, x2 = x[:, :half], x[:, half:]
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=1)


def step(tokens, pos, kc, vc, keep_cache=True):
    """One prefill/decode call: logits [V] of the last token; kc, vc [CAP, D]
    updated in place."""
    S = len(tokens)
    h = W["embed.weight"][torch.tensor(tokens)]
    q = bf16(h @ W["q_proj.weight"].T)
    k = bf16(h @ W["k_proj.weight"].T)
    v = bf16(h @ W["v_proj.weight"].T)
    positions = torch.arange(pos, pos + S)
    q = bf16(rope(q, positions))
    k = bf16(rope(k, positions))
    if not keep_cache:
        kc.zero_()
        vc.zero_()
    kc[pos:pos + S] = k
    vc[pos:pos + S] = v
    length = pos + S
    keys, values = kc[:length], vc[:length]
    scores = (q @ keys.T) / D ** 0.5
    # Query i sits at position pos + i: it sees keys 0 .. pos + i.
    mask = torch.arange(length)[None, :] > (pos + torch.arange(S))[:, None]
    scores = scores.masked_fill(mask, float("-inf"))
    o = bf16(torch.softmax(scores, dim=1) @ values)
    return bf16(o[-1] @ W["lm_head.weight"].T)


def generate(keep_cache, prompt=PROMPT):
    """Greedy tokens after `prompt`, prefilled 5 tokens per call."""
    kc = torch.zeros(CAP, D, dtype=torch.float64)
    vc = torch.zeros(CAP, D, dtype=torch.float64)
    for start in range(0, len(prompt), 5):
        logits = step(prompt[start:start + 5], start, kc, vc, keep_cache)
    tokens, margins, all_logits, pos = [], [], [logits], len(prompt)
    while True:
        top = torch.topk(logits, 2).values
        margins.append(float(top[0] - top[1]))
        tokens.append(int(torch.argmax(logits)))
        if len(tokens) == NEW:
            return tokens, margins, torch.stack(all_logits), kc, vc
        logits = step([tokens[-1]], pos, kc, vc, keep_cache)
        all_logits.append(logits)
        pos += 1


tokens, margins, logits, kc, vc = generate(True)
lost = generate(False)[0]
# A 10-token prompt in two prefill calls (the second at position 5).
chunked, chunked_margins = generate(True, PROMPT + PROMPT2)[:2]
assert min(chunked_margins) >= 0.02, f"margins too small: {chunked_margins}"
assert generate(False, PROMPT + PROMPT2)[0] != chunked
assert min(margins) >= 0.02, f"greedy margins too small: {margins}"
assert lost != tokens, "a lost cache would give the same tokens"
save_file({k: v.contiguous() for k, v in weights.items()},
          folder / "weights.safetensors")
np.save(folder / "logits.npy", logits.to(torch.float32).numpy())
np.save(folder / "k_cache.npy", kc.reshape(1, 1, CAP, D).to(torch.float32).numpy())
np.save(folder / "v_cache.npy", vc.reshape(1, 1, CAP, D).to(torch.float32).numpy())
(folder / "greedy.txt").write_text(
    " ".join(map(str, PROMPT)) + "\n" + " ".join(map(str, tokens)) + "\n")
(folder / "greedy_chunked.txt").write_text(
    " ".join(map(str, PROMPT + PROMPT2)) + "\n" +
    " ".join(map(str, chunked)) + "\n")
print("wrote gpu_session: tokens", tokens, "chunked", chunked,
      "margin %.3f" % min(chunked_margins), "min margin %.3f" % min(margins),
      "lost-cache tokens", lost)

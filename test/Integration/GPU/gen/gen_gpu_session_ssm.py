"""Golden data for the GPU session test model of recurrent state
(../Inputs/gpu_session_ssm/model.mlir, test/Tools/seqrun/gpu-session-ssm.test
and gpu-session-ssm-emulated.test): a one-layer Mamba-style selective-SSM
language model (embedding; x, dt, B, C projections; the Mamba-1 selective
scan with delta = softplus(dt + dt_bias), A = -exp(A_log), h = exp(delta A)
h + delta B x, y = sum_n h C; the LM head over the last row) run as a seqrt
session would: prefill of a 5-token prompt from a zero state, then greedy
decode steps, each feeding the previous token and carrying the scan state.
Written from the ops' definitions in NumPy float64 (the kernels compute in
f32), not from any kernel's code.

Writes weights.safetensors (f32), greedy.txt (the prompt and the 12 greedy
tokens), greedy_chunked.txt (a 10-token prompt prefilled in two calls of 5
and its 12 tokens), logits.npy (f32 [12, 48]: prefill's, then each decode
step's) and state.npy (f32 [1, 32, 16], the state after the last step), and
checks that every greedy choice has a margin of at least 0.05 logits over
the runner-up (f32 kernels differ from float64 by ~1e-5 here, so no token
can flip) and that a session whose state did not persist across calls
(each call from a zero state) picks other tokens (so the test sees a lost
state). Deterministic: run from anywhere to rewrite
../Inputs/gpu_session_ssm/."""

from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "Inputs" / "gpu_session_ssm"
V, D, N = 48, 32, 16
PROMPT = [7, 42, 3, 11, 19]
PROMPT2 = [12, 45, 27, 4, 36]
NEW = 12
MIN_MARGIN = 0.05

rng = np.random.default_rng(7)
weights = {
    "embed.weight": rng.normal(0, 1.0, (V, D)),
    "x_proj.weight": rng.normal(0, 1.0 / np.sqrt(D), (D, D)),
    "dt_proj.weight": rng.normal(0, 0.5 / np.sqrt(D), (D, D)),
    "B_proj.weight": rng.normal(0, 1.0 / np.sqrt(D), (N, D)),
    "C_proj.weight": rng.normal(0, 1.0 / np.sqrt(D), (N, D)),
    "dt_bias": rng.normal(-1.0, 0.5, (D,)),
    # Mamba's S4D-real initialisation: A = -(1 .. N) per channel.
    "A_log": np.log(np.tile(np.arange(1, N + 1, dtype=np.float64), (D, 1))),
    "lm_head.weight": rng.normal(0, 2.0 / np.sqrt(D), (V, D)),
}
# The kernels read f32 weights: the reference uses those values.
weights = {k: v.astype(np.float32).astype(np.float64) for k, v in weights.items()}


def softplus(v):
    return np.log1p(np.exp(v))


def step(h, token):
    """One token through the layer from state h [D, N]: (logits [V], h')."""
    w = weights
    e = w["embed.weight"][token]
    x, dt = w["x_proj.weight"] @ e, w["dt_proj.weight"] @ e
    b, c = w["B_proj.weight"] @ e, w["C_proj.weight"] @ e
    delta = softplus(dt + w["dt_bias"])  # [D]
    a = -np.exp(w["A_log"])  # [D, N]
    h = np.exp(delta[:, None] * a) * h + (delta * x)[:, None] * b[None, :]
    y = h @ c  # [D]
    return w["lm_head.weight"] @ y, h


def generate(prompt, chunk=5, persist=True):
    """Greedy session: prefill in calls of `chunk` tokens, then decode."""
    h = np.zeros((D, N))
    for start in range(0, len(prompt), chunk):
        if not persist:
            h = np.zeros((D, N))
        for token in prompt[start:start + chunk]:
            logits, h = step(h, token)
    tokens, margins, rows = [], [], [logits]
    while True:
        top = np.sort(logits)[::-1]
        margins.append(float(top[0] - top[1]))
        tokens.append(int(np.argmax(logits)))
        if len(tokens) == NEW:
            return tokens, margins, np.stack(rows), h
        if not persist:
            h = np.zeros((D, N))
        logits, h = step(h, tokens[-1])
        rows.append(logits)


tokens, margins, logits, state = generate(PROMPT)
assert min(margins) >= MIN_MARGIN, f"greedy margins too small: {margins}"
chunked, chunked_margins = generate(PROMPT + PROMPT2)[:2]
assert min(chunked_margins) >= MIN_MARGIN, f"margins too small: {chunked_margins}"
lost = generate(PROMPT, persist=False)[0]
assert lost != tokens, "a lost state gives the same tokens"
lost_chunked = generate(PROMPT + PROMPT2, persist=False)[0]
assert lost_chunked != chunked, "a lost state gives the same tokens (chunked)"

OUT.mkdir(parents=True, exist_ok=True)
save_file({k: torch.tensor(v, dtype=torch.float32) for k, v in weights.items()},
          str(OUT / "weights.safetensors"))
(OUT / "greedy.txt").write_text(
    " ".join(map(str, PROMPT)) + "\n" + " ".join(map(str, tokens)) + "\n")
(OUT / "greedy_chunked.txt").write_text(
    " ".join(map(str, PROMPT + PROMPT2)) + "\n" + " ".join(map(str, chunked)) +
    "\n")
np.save(OUT / "logits.npy", logits.astype(np.float32))
np.save(OUT / "state.npy", state.astype(np.float32)[None])
print("tokens", tokens, "min margin %.3f" % min(margins))
print("chunked", chunked, "min margin %.3f" % min(chunked_margins))
print("lost state", lost)

#!/usr/bin/env python3
"""Goldens for sampled seq.speculative_decode_loop with top-k / top-p
(test/Integration/CPU/decode/speculative_sampled_filtered.mlir).

The models are bigram tables over a vocabulary of 8 (logits after token t:
target[t] for the target, draft[t] for the draft; different random
tables). Sampling is temperature T, then top-k, then top-p, as seq.sample
defines it (docs: #seq.sampling): with p = exp((logit - max) / T), top-k
keeps the p at least the k-th largest, top-p then the smallest set of the
largest kept p whose mass reaches top_p of the kept mass; the token is
drawn from the kept p, renormalized. The first three tokens after the
start token have the joint distribution

    P(a, b, c) = f(a | start) f(b | a) f(c | b),  f(. | t) = filter(target[t])

computed here in float64 (NumPy only, independent of seqc). The test draws
N sequences (the rows of one batch), histograms them over the 512 cells
and computes the total-variation distance to P. The bound is the maximum
over 20000 simulated multinomial draws of the null (rounded up to 0.01).
Controls that the same bound must reject: accept-always (the draft's
filtered joint) and speculative decoding without the filter (the target's
unfiltered joint).

    python3 test/Integration/CPU/gen/gen_speculative_filtered.py
"""
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "Inputs" / "speculative_filtered"
V, T, TOP_K, TOP_P, START, N = 8, 0.8, 5, 0.8, 0, 32768


def filtered(logits, top_k, top_p):
    """seq.sample's distribution for one row of logits."""
    p = np.exp((logits - logits.max()) / T)
    keep = np.ones(V, bool)
    if top_k > 0:
        keep &= p >= np.sort(p)[::-1][top_k - 1]
    if top_p < 1.0:
        kept = np.where(keep, p, 0.0)
        order = np.argsort(-kept, kind="stable")
        mass = np.cumsum(kept[order])
        target = top_p * kept.sum()
        # The smallest prefix reaching the target mass; its last p is the
        # threshold (every p at least it is kept).
        last = int(np.argmax(mass >= target))
        margin = min(abs(mass[last] - target),
                     abs(mass[last - 1] - target) if last > 0 else 1.0)
        assert margin > 1e-3, f"top-p boundary too close to call: {margin}"
        keep &= p >= kept[order][last]
    out = np.where(keep, p, 0.0)
    return out / out.sum()


def table_probs(table, top_k, top_p):
    return np.stack([filtered(row, top_k, top_p) for row in table])


def joint(probs):
    out = np.zeros((V, V, V))
    for a in range(V):
        for b in range(V):
            for c in range(V):
                out[a, b, c] = probs[START, a] * probs[a, b] * probs[b, c]
    return out.reshape(-1)


def tv(p, q):
    return 0.5 * np.abs(p - q).sum()


def main():
    rng = np.random.default_rng(2024)
    target = rng.normal(0.0, 1.0, (V, V)).astype(np.float32).astype(np.float64)
    # A draft that is close to the target (so drafts are often accepted
    # and the residual is exercised) but not equal.
    draft = (target + rng.normal(0.0, 0.7, (V, V))).astype(np.float32).astype(
        np.float64)
    expected = joint(table_probs(target, TOP_K, TOP_P))

    sim = np.random.default_rng(2025)
    null = np.array([tv(sim.multinomial(N, expected) / N, expected)
                     for _ in range(20000)])
    bound = np.ceil(null.max() * 100) / 100
    always = tv(joint(table_probs(draft, TOP_K, TOP_P)), expected)
    unfiltered = tv(joint(table_probs(target, 0, 1.0)), expected)
    line = (f"N = {N}; T = {T}, top_k = {TOP_K}, top_p = {TOP_P}; null TV "
            f"mean {null.mean():.4f}, max of 20000 {null.max():.4f}; bound "
            f"{bound:.2f}; accept-always TV {always:.4f}; unfiltered TV "
            f"{unfiltered:.4f}")
    print(line)
    assert always > 2 * bound and unfiltered > 2 * bound

    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "target.npy", target.astype(np.float32))
    np.save(OUT / "draft.npy", draft.astype(np.float32))
    np.save(OUT / "expected.npy", expected.astype(np.float32))
    np.save(OUT / "zero.npy", np.zeros(1, np.float32))
    (OUT / "bound.txt").write_text(line + "\n")


if __name__ == "__main__":
    main()

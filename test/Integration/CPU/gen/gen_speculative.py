#!/usr/bin/env python3
"""Goldens for sampled seq.speculative_decode_loop
(test/Integration/CPU/decode/speculative_sampled.mlir) and for
seq.ngram_draft (test/Integration/CPU/decode/ngram_draft.mlir).

The models are bigram tables over a vocabulary of 8: the target's logits
after token t are target[t], the draft's draft[t] (different random
tables). Sampling at temperature T from the target, the first three tokens
after the start token have the joint distribution

    P(a, b, c) = p(a | start) p(b | a) p(c | b),  p(. | t) = softmax(target[t] / T)

computed here in float64 (NumPy only, independent of seqc). The test draws
N sequences (the rows of one batch: every row has its own Philox stream),
histograms them over the 512 cells and computes the total-variation
distance to P. Under the null hypothesis (output distributed as P) the
distance of N draws is simulated here (multinomial, seeded); the test's
bound is a value the null exceeds with probability < 1e-4 (estimated
from the simulation: its maximum over 20000 draws, rounded up), while
the accept-always control (every draft token kept, the last token from
the draft too: the draft's joint distribution) lies far above it.

    python3 test/Integration/CPU/gen/gen_speculative.py
"""
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "Inputs" / "speculative_sampled"
V, T, START, N = 8, 1.0, 0, 32768


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def joint(table_first, table_rest):
    """Joint of 3 tokens: the first from table_first, then table_rest."""
    p1 = softmax(table_first[START] / T)
    p = softmax(table_rest / T)
    out = np.zeros((V, V, V))
    for a in range(V):
        for b in range(V):
            for c in range(V):
                out[a, b, c] = p1[a] * p[a, b] * p[b, c]
    return out.reshape(-1)


def tv(p, q):
    return 0.5 * np.abs(p - q).sum()


def main():
    rng = np.random.default_rng(12)
    # The tables as the test reads them (float32).
    target = rng.normal(0.0, 1.0, (V, V)).astype(np.float32).astype(np.float64)
    draft = rng.normal(0.0, 1.0, (V, V)).astype(np.float32).astype(np.float64)
    expected = joint(target, target)

    # Null distribution of the statistic.
    sim = np.random.default_rng(1212)
    null = np.array([tv(sim.multinomial(N, expected) / N, expected)
                     for _ in range(20000)])
    bound = np.ceil(null.max() * 100) / 100
    # The accept-always control (the verify region scoring with the
    # draft's logits) emits the draft's joint distribution.
    always = joint(draft, draft)
    print(f"null TV: mean {null.mean():.4f}, max {null.max():.4f}; "
          f"bound {bound:.2f}; accept-always TV {tv(always, expected):.4f}")

    OUT.mkdir(parents=True, exist_ok=True)
    np.save(OUT / "target.npy", target.astype(np.float32))
    np.save(OUT / "draft.npy", draft.astype(np.float32))
    np.save(OUT / "expected.npy", expected.astype(np.float32))
    np.save(OUT / "zero.npy", np.zeros(1, np.float32))
    (OUT / "bound.txt").write_text(
        f"N = {N}; null TV mean {null.mean():.4f}, max of 20000 "
        f"{null.max():.4f}; bound {bound:.2f}; accept-always TV "
        f"{tv(always, expected):.4f}\n")
    ngram()
    batched()


def batched():
    """Two rows of a recurrent model, h_t = 0.5 h_{t-1} + E[token_t],
    logits_t = W h_t, and a draft with a perturbed E: rows accept
    different numbers of drafts, so the per-row rollback is exercised."""
    out = OUT.parent / "speculative_batched"
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(4321)
    table = rng.normal(0.0, 1.0, (16, 8)).astype(np.float32)
    draft = (table + rng.normal(0.0, 0.6, (16, 8))).astype(np.float32)
    head = rng.normal(0.0, 1.0, (16, 8)).astype(np.float32)
    np.save(out / "table.npy", table)
    np.save(out / "draft.npy", draft)
    np.save(out / "head.npy", head)
    np.save(out / "first.npy", np.array([3, 11], np.int32))


def ngram_draft(history, n, g):
    """The reference of seq.ngram_draft for one row."""
    n = min(max(n, 0), len(history))
    found = history[n - 1] if n > 0 else 0
    for i in range(0, max(n - g, 0)):
        if list(history[i:i + g]) == list(history[n - g:n]):
            found = history[i + g]
    return found


def ngram():
    """Prompt lookup: the op on hand-made histories, and greedy decoding
    of a bigram model (logits after t: table[t]) whose greedy path cycles
    through 3 7 1 12 9, with a prompt in which "3 7" is followed by 2
    (a lookup that the target rejects until the cycle has been seen)."""
    out = OUT.parent / "speculative_ngram"
    out.mkdir(parents=True, exist_ok=True)
    history = np.array([
        [5, 1, 2, 7, 1, 2, 9, 1, 2, 4, 1, 2],  # latest "1 2" -> 4
        [3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0],  # n = 4: "3 3" -> 3
        [8, 6, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0],  # no match: the last (2)
        [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9],  # n = 0: 0
        [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3],  # n clamped to 12 -> 1
    ], np.int32)
    lengths = np.array([12, 4, 4, 0, 99], np.int32)
    expected = np.array([ngram_draft(h, n, 2) for h, n in zip(history, lengths)],
                        np.int32)
    np.save(out / "history.npy", history)
    np.save(out / "lengths.npy", lengths)
    np.save(out / "expected.npy", expected)

    rng = np.random.default_rng(1234)
    vocab = 16
    table = rng.normal(0.0, 0.5, (vocab, vocab))
    for t, succ in {0: 3, 3: 7, 7: 1, 1: 12, 12: 9, 9: 3, 2: 3}.items():
        table[t, succ] += 4.0
    table = table.astype(np.float32)
    path = [3, 7, 2, 3, 7, 2, 0]
    for _ in range(40):
        path.append(int(np.argmax(table[path[-1]])))
    prompt, rest = path[:7], path[7:7 + 25]
    print(f"bigram greedy path: {path[:40]}")
    np.save(out / "table.npy", table)
    np.save(out / "prompt.npy", np.array([prompt], np.int32))
    # The first token (after the prompt) and the 24 the loops generate.
    np.save(out / "greedy.npy", np.array([rest], np.int32))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The bound and its controls for sampled tree verification
(test/Integration/CPU/decode/tree_speculative_sampled.mlir).

The test reuses the bigram models of gen_speculative_filtered.py (target
and draft tables over V = 8, temperature 0.8, top_k = 5, top_p = 0.8) and
its exact joint distribution of the first three tokens after token 0
(Inputs/speculative_filtered/expected.npy): whatever the tree, sampled
verification must draw from it. The test's tree is tree_parents = [0, 0,
0, 1, 1, 2] (three children of the root, two below the first, one below
the second), each node drawn independently from the draft's filtered
distribution after its parent's token.

This script simulates, in NumPy and independently of seqc, N = 32768 rows
of that tree with multi-draft speculative sampling (SpecInfer) and with
faulty rules, and reports each one's total-variation distance to the
exact joint:

  * correct: accept child c with min(1, R(c) / Q(c)); on rejection
    R = normalize(max(R - Q, 0)); after the last sibling draw from R;
  * no residual update: R stays P after a rejection;
  * accept-always: every first child accepted (the draft's joint);

and with the point-mass rule of deterministic drafts (no draft logits: Q
is the point mass on the drafted token although it was drawn from the
draft): accept c with R(c), else remove c from R. That rule is exact too,
whatever the tokens, as long as they do not depend on the acceptance
draws (a sequence of "is it c?" tests of a draw from R), with fewer
acceptances; the test runs it as a second positive case.

The bound is gen_speculative_filtered.py's (the maximum of the null over
20000 multinomial draws of N rows, rounded up to 0.01, 0.03): the correct
and point-mass rules must stay below it and each faulty rule must exceed
twice it.

    python3 test/Integration/CPU/gen/gen_tree_sampled.py
"""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_speculative_filtered import (N, START, TOP_K, TOP_P, V,  # noqa: E402
                                      table_probs, tv)

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
OUT = INPUTS / "tree_sampled"
PARENTS = [0, 0, 0, 1, 1, 2]
NEW_TOKENS = 3
BOUND = 0.03


def children(node):
    return [i + 1 for i, p in enumerate(PARENTS) if p == node]


def run_row(rng, p, q, rule):
    """One row's first NEW_TOKENS tokens after START under `rule`."""
    out, last = [], START
    while len(out) < NEW_TOKENS:
        # Draft: node i's token drawn from q after its parent's token.
        tokens = {0: last}
        for i, parent in enumerate(PARENTS, start=1):
            tokens[i] = rng.choice(V, p=q[tokens[parent]])
        # Verify: walk from the root.
        node, residual = 0, p[last].copy()
        while True:
            moved = False
            for child in children(node):
                c = tokens[child]
                qc = q[tokens[node]] if rule != "point" else np.eye(V)[c]
                if rule == "always":
                    accept = True
                else:
                    accept = rng.random() < min(1.0, residual[c] / qc[c])
                if accept:
                    out.append(c)
                    node, residual, moved = child, p[c].copy(), True
                    break
                if rule != "noresidual":
                    rest = np.maximum(residual - qc, 0.0)
                    if rest.sum() > 0:
                        residual = rest / rest.sum()
            if not moved:
                break
        out.append(rng.choice(V, p=residual))
        last = out[-1]
    return out[:NEW_TOKENS]


def simulate(p, q, rule, seed):
    rng = np.random.default_rng(seed)
    hist = np.zeros(V ** NEW_TOKENS)
    for _ in range(N):
        a, b, c = run_row(rng, p, q, rule)
        hist[(a * V + b) * V + c] += 1
    return hist / N


def main():
    filtered = INPUTS / "speculative_filtered"
    target = np.load(filtered / "target.npy").astype(np.float64)
    draft = np.load(filtered / "draft.npy").astype(np.float64)
    expected = np.load(filtered / "expected.npy").astype(np.float64)
    p = table_probs(target, TOP_K, TOP_P)
    q = table_probs(draft, TOP_K, TOP_P)
    results = {rule: tv(simulate(p, q, rule, 100 + i), expected)
               for i, rule in enumerate(
                   ["correct", "noresidual", "point", "always"])}
    line = (f"tree_parents = {PARENTS}; N = {N}; bound {BOUND:.2f} "
            f"(gen_speculative_filtered.py's null); NumPy simulation TV: "
            + ", ".join(f"{k} {v:.4f}" for k, v in results.items()))
    print(line)
    assert results["correct"] < BOUND and results["point"] < BOUND
    for rule in ["noresidual", "always"]:
        assert results[rule] > 2 * BOUND, rule
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bound.txt").write_text(line + "\n")


if __name__ == "__main__":
    main()

"""Goldens of seq.ngram_tree_draft (test/Integration/CPU/decode/
ngram_tree_draft.mlir): prompt-lookup trees on hand-made histories.

The reference builds, per row, the continuations of every earlier
occurrence of the last g tokens (latest occurrence first) and fills the
tree node by node: a node's token is the next token of the first
continuation that follows its parent's path and differs from its earlier
siblings' tokens; without one it repeats its parent's token (the root's
token is the last history token, 0 for an empty history). Pure Python
(NumPy only to save), independent of seqc.

    python3 test/Integration/CPU/gen/gen_tree_draft.py
"""
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "Inputs" / "speculative_tree"
# Nodes 1, 2 under the root, 3, 4 under 1, 5 under 2, 6 under 3.
PARENTS = [0, 0, 1, 1, 2, 3]
G = 2


def tree_draft(history, n, g, parents):
    history = [int(t) for t in history]
    n = min(max(int(n), 0), len(history))
    tokens = {0: history[n - 1] if n > 0 else 0}
    paths = {0: []}
    continuations = []
    if n > g:
        tail = history[n - g:n]
        for s in reversed(range(n - g)):
            if history[s:s + g] == tail:
                continuations.append(history[s + g:n])
    children = {}
    for node, parent in enumerate(parents, start=1):
        path = paths[parent]
        used = [tokens[c] for c in children.get(parent, [])]
        token = tokens[parent]
        for cont in continuations:
            if (len(cont) > len(path) and cont[:len(path)] == path
                    and cont[len(path)] not in used):
                token = cont[len(path)]
                break
        tokens[node] = token
        paths[node] = path + [token]
        children.setdefault(parent, []).append(node)
    return [tokens[i] for i in range(1, len(parents) + 1)]


def tree_parents(branching):
    """--spec-tree's breadth-first tree: branching[d] children per node."""
    parents, level = [], [0]
    for count in branching:
        nxt = []
        for parent in level:
            for _ in range(count):
                parents.append(parent)
                nxt.append(len(parents))
        level = nxt
    return parents


def simulate(prompt, greedy, g, parents, max_new, capacity=64):
    """Greedy tree verification of prompt-lookup drafts over a known greedy
    path: (tokens, verify steps, accepted drafts), as seqrun reports them."""
    full = list(prompt) + list(greedy)
    depth = [0]
    for parent in parents:
        depth.append(depth[parent] + 1)
    p, count, steps, accepted = len(prompt) - 1, 0, 0, 0
    while count < max_new:
        history = full[:p + 1] + [0] * (capacity - p - 1)
        tree = tree_draft(history, p + 1, g, parents)
        truth = full[p + 1:]
        v, n = 0, 0
        for node, parent in enumerate(parents, start=1):
            if (parent == v and depth[node] <= len(truth)
                    and tree[node - 1] == truth[depth[node] - 1]):
                v, n = node, n + 1
        steps += 1
        accepted += n
        count = min(count + n + 1, max_new)
        p += n + 1
    return count, steps, accepted


def ngram_draft(history, n, g):
    """seq.ngram_draft (gen_speculative.py's reference) for one row."""
    found = history[n - 1] if n > 0 else 0
    for i in range(0, max(n - g, 0)):
        if history[i:i + g] == history[n - g:n]:
            found = history[i + g]
    return found


def simulate_chain(prompt, greedy, g, k, max_new):
    """The same for the chain of K seq.ngram_draft proposals (each drafted
    from the history extended by the previous ones)."""
    full = list(prompt) + list(greedy)
    p, count, steps, accepted = len(prompt) - 1, 0, 0, 0
    while count < max_new:
        history, drafts = full[:p + 1], []
        for _ in range(k):
            drafts.append(ngram_draft(history, len(history), g))
            history = history + drafts[-1:]
        n = 0
        while (n < k and p + 1 + n < len(full)
               and drafts[n] == full[p + 1 + n]):
            n += 1
        steps += 1
        accepted += n
        count = min(count + n + 1, max_new)
        p += n + 1
    return count, steps, accepted


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    history = np.array([
        [5, 1, 2, 7, 1, 2, 9, 1, 2, 4, 1, 2],  # "1 2" -> 4, 9, 7 (latest first)
        [1, 2, 3, 1, 2, 3, 1, 2, 5, 1, 2, 0],  # n = 11: "1 2" -> 5, 3; 3's path
        [3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0],  # n = 4: "3 3" -> 3 only
        [8, 6, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0],  # no match: parents' tokens
        [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9],  # n = 0: zeros
        [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3],  # n clamped to 12
    ], np.int32)
    lengths = np.array([12, 11, 4, 4, 0, 99], np.int32)
    expected = np.array([tree_draft(h, n, G, PARENTS)
                         for h, n in zip(history, lengths)], np.int32)
    print(expected)
    np.save(OUT / "history.npy", history)
    np.save(OUT / "lengths.npy", lengths)
    np.save(OUT / "expected.npy", expected)

    # import/hf_tree_speculative.test's statistics: prompt lookup with
    # G = 1 on the tiny llama's greedy path (transformers'), tree [3, 2, 1]
    # and the chain K = 3, 32 tokens, no EOS in it.
    inputs = OUT.parent / "hf_llama"
    prompt = np.load(inputs / "prompt.npy")[0].tolist()
    greedy = np.load(inputs / "greedy.npy")[0].tolist()
    runs = (("tree 3,2,1",
             simulate(prompt, greedy, 1, tree_parents([3, 2, 1]), 32)),
            ("chain K=3", simulate_chain(prompt, greedy, 1, 3, 32)))
    # ngram_tree_draft.mlir's: the bigram model's path, G = 2, tree [2, 2]
    # (the loop starts after the prompt and the first token).
    inputs = OUT.parent / "speculative_ngram"
    prompt = np.load(inputs / "prompt.npy")[0].tolist()
    greedy = np.load(inputs / "greedy.npy")[0].tolist()
    runs += (("bigram tree 2,2", simulate(prompt + greedy[:1], greedy[1:], 2,
                                          tree_parents([2, 2]), 24)),)
    for name, (count, steps, accepted) in runs:
        print(f"{name}: {count} tokens, {steps} verify steps, mean accepted "
              f"length {accepted / steps:.2f}")


if __name__ == "__main__":
    main()

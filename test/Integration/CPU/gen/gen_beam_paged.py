"""Beam search over a paged KV cache: inputs and NumPy goldens.

For test/Integration/CPU/decode/beam_search_paged.mlir, which runs
seq.beam_search_loop twice on one small attention model, once over paged
caches (block table, block pool) and once over contiguous caches, and
compares both with the beam search computed here.

The model (one attention layer, float32), per beam row, token t at
position p:

    x      = E[t] + P[p]                                  [8]
    q, k, v = Wq x, Wk x, Wv x                            [2 heads, 4]
    cache[p] = k, v
    o_h    = softmax(q_h . K_h[0..p] / sqrt(4)) V_h[0..p]
    logits = Wo o + Wu x                                  [19]

The prompts (2 items, 6 and 3 tokens) are prefilled here: their keys and
values fill the caches (paged: item 0's prompt in blocks 13 and 5, item
1's in block 9, blocks of 4 slots, every other table entry and cache row
junk that the search must not read) and the last position's logits are
`first_logits`. The beam search is transformers' `_beam_search`
(generation/utils.py, 5.x; the semantics of seq.beam_search_loop) written
out in NumPy: float32 log_softmax and sums, top-k ties to the lowest flat
index, num_beams = 3, max_new_tokens = 7, EOS 9, length_penalty 1.0,
early_stopping false. Its steps share prefixes and diverge inside blocks
(item 0's prompt ends in the middle of block 1: the first step already
copies that block on write for two of the three beams); the script prints
how many copies on write a paged cache makes (counted by a model of the
block-table permutation) and the smallest gap between adjacent candidates
kept by any step (the sequences are only comparable exactly if it is well
above the float32 error of the logits, ~1e-6).

Writes Inputs/beam_paged/: the inputs of @main in argument order and
sequences.npy (i32 [2, 3, 7]), scores.npy (f32 [2, 3]), lengths.npy
(i32 [2, 3]), and the start positions and tables of the run-time error
cases (@errors). NumPy only, deterministic (seeded by crc32("beam_paged")).

Run: python3 test/Integration/CPU/gen/gen_beam_paged.py
"""

import zlib
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "Inputs" / "beam_paged"
F32 = np.float32
V, DM, H, D = 19, 8, 2, 4
BEAMS, NEW, EOS, PENALTY = 3, 7, [9], 1.0
BLOCK, MAX_BLOCKS, NUM_BLOCKS, CAP = 4, 4, 20, 16
PROMPT_LENGTHS = [6, 3]
PROMPT_BLOCKS = {0: [13, 5], 1: [9]}
EXCLUDED = F32(-1.0e9)


def main():
    rng = np.random.default_rng(zlib.crc32(b"beam_paged"))

    def randn(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(F32)

    w = {
        "E": randn(V, DM), "P": randn(CAP, DM, scale=0.5),
        "Wq": randn(H * D, DM, scale=0.6), "Wk": randn(H * D, DM, scale=0.6),
        "Wv": randn(H * D, DM, scale=0.6), "Wo": randn(V, H * D, scale=0.8),
        "Wu": randn(V, DM, scale=0.5),
    }
    prompts = [rng.integers(0, V, n) for n in PROMPT_LENGTHS]
    batch, rows = len(prompts), len(prompts) * BEAMS

    # Prefill: keys and values of the prompt, logits of its last token.
    kv = [[project(w, t, p) for p, t in enumerate(pr)] for pr in prompts]
    first = np.stack([logits_at(w, project(w, pr[-1], len(pr) - 1),
                                [e[1] for e in kv[b]], [e[2] for e in kv[b]])
                      for b, pr in enumerate(prompts)])

    # Contiguous caches [rows, H, CAP, D]: beam 0's rows hold the prompt,
    # the rest is junk.
    kc = randn(rows, H, CAP, D, scale=3.0)
    vc = randn(rows, H, CAP, D, scale=3.0)
    # Paged: pool [NUM_BLOCKS, H, BLOCK, D] of junk, the prompts' blocks
    # written, table rows of junk but for beam 0's prompt entries.
    kp = randn(NUM_BLOCKS, H, BLOCK, D, scale=3.0)
    vp = randn(NUM_BLOCKS, H, BLOCK, D, scale=3.0)
    table = rng.integers(0, NUM_BLOCKS, (rows, MAX_BLOCKS)).astype(np.int32)
    for b in range(batch):
        r = b * BEAMS
        for p, (_, k, v) in enumerate(kv[b]):
            kc[r, :, p], vc[r, :, p] = k, v
            blk = PROMPT_BLOCKS[b][p // BLOCK]
            kp[blk, :, p % BLOCK], vp[blk, :, p % BLOCK] = k, v
        table[r, :len(PROMPT_BLOCKS[b])] = PROMPT_BLOCKS[b]

    start = np.array(PROMPT_LENGTHS, np.int32)
    seqs, scores, lengths, gap, cow = beam_search(w, first, start, kv)
    print(f"sequences {seqs.tolist()}\nscores {scores.tolist()}\n"
          f"lengths {lengths.tolist()}\nsmallest candidate gap {gap:.3g}, "
          f"copies on write {cow}")
    assert gap > 1e-3, "candidates too close for an exact comparison"
    assert cow > 0

    OUT.mkdir(parents=True, exist_ok=True)
    files = [("first_logits", first), ("start", start), ("k_pool", kp),
             ("v_pool", vp), ("block_table", table), ("k_cache", kc),
             ("v_cache", vc)] + [(name.lower() if name in "EP" else name,
                                  w[name]) for name in
                                 ["E", "P", "Wq", "Wk", "Wv", "Wo", "Wu"]]
    files += [("sequences", seqs), ("scores", scores), ("lengths", lengths)]
    # The run-time errors of @errors (pool of 6 blocks of 4 slots, table
    # [2, 8]; @errors2: 12 blocks, table [4, 8]): a prompt of 20 positions in 5 blocks leaves one free block
    # for the two beams' tails (the pool runs dry), a table entry outside
    # the pool, a prompt longer than the table, and (@errors2, two items)
    # a partly filled prompt block shared by both items' rows.
    files += [("dry_start", np.array([20], np.int32)),
              ("dry_table", np.array([[5, 4, 3, 2, 1, 0, 0, 0],
                                      [0] * 8], np.int32)),
              ("range_start", np.array([6], np.int32)),
              ("range_table", np.array([[3, 99, 0, 0, 0, 0, 0, 0],
                                        [0] * 8], np.int32)),
              ("long_start", np.array([40], np.int32)),
              ("long_table", np.zeros((2, 8), np.int32)),
              ("shared_start", np.array([6, 6], np.int32)),
              ("shared_table", np.array([[2, 1, 0, 0, 0, 0, 0, 0], [0] * 8,
                                         [3, 1, 0, 0, 0, 0, 0, 0], [0] * 8],
                                        np.int32))]
    for name, arr in files:
        arr = np.ascontiguousarray(arr)
        assert arr.dtype in (np.float32, np.int32), name
        np.save(OUT / f"{name}.npy", arr, allow_pickle=False)


def project(w, token, pos):
    """x, k [H, D], v [H, D] of one token."""
    x = (w["E"][token] + w["P"][pos]).astype(F32)
    k = (w["Wk"] @ x).astype(F32).reshape(H, D)
    v = (w["Wv"] @ x).astype(F32).reshape(H, D)
    return x, k, v


def logits_at(w, xkv, keys, values):
    """The logits of the token (x, k, v) over the cached keys and values
    (positions 0 .. p, its own included)."""
    x = xkv[0]
    q = (w["Wq"] @ x).astype(F32).reshape(H, D)
    K, Vv = np.stack(keys, 1), np.stack(values, 1)          # [H, L, D]
    s = np.einsum("hd,hld->hl", q, K).astype(F32) * F32(1 / np.sqrt(D))
    s = np.exp(s - s.max(-1, keepdims=True))
    o = np.einsum("hl,hld->hd", s / s.sum(-1, keepdims=True), Vv)
    return (w["Wo"] @ o.reshape(-1).astype(F32) + w["Wu"] @ x).astype(F32)


def log_softmax(x):
    m = x.max(-1, keepdims=True)
    return (x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))).astype(F32)


def topk(x, k):
    """Indices of the k largest, descending, ties to the lowest index."""
    return np.argsort(-x, kind="stable")[:k]


def beam_search(w, first, start, prompt_kv):
    """transformers' _beam_search for each item; also counts the copies on
    write of the paged reorder and the smallest gap between the kept
    candidates."""
    batch = first.shape[0]
    K = max(2, 1 + len(EOS)) * BEAMS
    out_seqs = np.zeros((batch, BEAMS, NEW), np.int32)
    out_scores = np.zeros((batch, BEAMS), F32)
    out_lens = np.zeros((batch, BEAMS), np.int32)
    gap, cow = np.inf, 0
    for b in range(batch):
        # Per running beam: its tokens and its cache (the keys and values
        # of every position so far).
        run_seq = np.zeros((BEAMS, NEW), np.int32)
        run_score = np.full(BEAMS, EXCLUDED, F32)
        run_score[0] = 0
        caches = [list(prompt_kv[b]) for _ in range(BEAMS)]
        fin_seq = np.zeros((BEAMS, NEW), np.int32)
        fin_score = np.full(BEAMS, EXCLUDED, F32)
        fin_len = np.zeros(BEAMS, np.int32)
        fin_done = np.zeros(BEAMS, bool)
        unsatisfied = True
        logits = np.stack([first[b]] * BEAMS)
        for s in range(NEW):
            logp = log_softmax(logits) + run_score[:, None]
            flat = logp.reshape(-1)
            cand = topk(flat, K)
            top = flat[np.argsort(-flat, kind="stable")[:K + 1]]
            top = top[top > -1.0e8]
            if top.size > 1:
                gap = min(gap, float((top[:-1] - top[1:]).min()))
            c_beam, c_tok = cand // V, (cand % V).astype(np.int32)
            c_score = flat[cand]
            c_seq = run_seq[c_beam].copy()
            c_seq[:, s] = c_tok
            hit = np.isin(c_tok, EOS) | (s + 1 == NEW)
            # Running beams.
            keep = topk((c_score + hit * EXCLUDED).astype(F32), BEAMS)
            new_seq, new_score = c_seq[keep], (c_score + hit * EXCLUDED)[keep]
            parents = c_beam[keep]
            # Finished beams.
            full = False  # early_stopping false
            x = (c_score / F32((s + 1) ** PENALTY)).astype(F32)
            x = x + F32(full) * EXCLUDED
            x = x + F32(not unsatisfied) * EXCLUDED
            done = hit & (np.arange(K) < BEAMS)
            x = (x + (~done) * EXCLUDED).astype(F32)
            m_score = np.concatenate([fin_score, x])
            m_seq = np.concatenate([fin_seq, c_seq])
            m_len = np.concatenate([fin_len, np.full(K, s + 1, np.int32)])
            m_done = np.concatenate([fin_done, done])
            pick = topk(m_score, BEAMS)
            fin_seq, fin_score = m_seq[pick], m_score[pick]
            fin_len, fin_done = m_len[pick], m_done[pick]
            # Early-stop heuristic (current length).
            best = new_score[0] / F32((s + 1) ** PENALTY)
            worst = np.where(fin_done, fin_score.min(), EXCLUDED)
            unsatisfied = unsatisfied and bool(np.any(best > worst))
            # Copies on write of a paged cache: per parent, every child
            # but the first when its tail block is partly filled.
            length = start[b] + s
            if length % BLOCK:
                cow += BEAMS - len(set(parents.tolist()))
            run_seq, run_score = new_seq, new_score
            caches = [list(caches[p]) for p in parents]
            if not unsatisfied or hit.all() or s + 1 == NEW:
                break
            # The next step: the model on each beam's last token.
            pos = length
            logits = np.empty((BEAMS, V), F32)
            for k in range(BEAMS):
                xkv = project(w, run_seq[k, s], pos)
                caches[k].append(xkv)
                logits[k] = logits_at(w, xkv, [e[1] for e in caches[k]],
                                      [e[2] for e in caches[k]])
        out_seqs[b], out_scores[b], out_lens[b] = fin_seq, fin_score, fin_len
    return out_seqs, out_scores, out_lens, gap, cow


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Goldens for seq.sample and seq.decode_loop (test/Integration/CPU/decode).

An independent NumPy implementation of the sampling definition in the seq
dialect reference (#seq.sampling, seq.sample): Philox-4x32-10 keyed by the
seed and counted by (counter, row), probabilities p = exp((l - max) / T),
top-k keeps p >= the k-th largest p, top-p keeps the largest p whose mass
reaches top_p of the kept mass, the token is the first kept index whose
running mass exceeds u * kept mass. Data are redrawn until no decision is
within 1e-4 (relative) of a boundary, so float summation order cannot flip
a token.

    python3 test/Integration/CPU/gen/gen_decode.py
"""
from pathlib import Path

import numpy as np

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
M32 = 0xFFFFFFFF


def philox_uniform(seed, counter, row):
    k0, k1 = seed & M32, (seed >> 32) & M32
    c = [counter & M32, (counter >> 32) & M32, row & M32, 0]
    for _ in range(10):
        p0 = 0xD2511F53 * c[0]
        p1 = 0xCD9E8D57 * c[2]
        hi0, lo0 = (p0 >> 32) & M32, p0 & M32
        hi1, lo1 = (p1 >> 32) & M32, p1 & M32
        c = [hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0]
        k0 = (k0 + 0x9E3779B9) & M32
        k1 = (k1 + 0xBB67AE85) & M32
    return np.float32(c[0] >> 8) * np.float32(1.0 / 16777216.0)


class Ambiguous(Exception):
    pass


def near(a, b):
    return abs(a - b) <= 1e-4 * max(abs(a), abs(b), 1e-30)


def sample_row(logits, seed, counter, row, temperature, top_k, top_p):
    if temperature == 0.0:
        return int(np.argmax(logits))
    l = logits.astype(np.float64)
    p = np.exp((l - l.max()) / temperature)
    floor = 0.0
    if top_k > 0:
        floor = np.sort(p)[::-1][top_k - 1]
    kept = p >= floor
    threshold = floor
    if top_p < 1.0:
        target = top_p * p[kept].sum()
        order = np.sort(p[kept])[::-1]
        mass = np.cumsum(order)
        i = int(np.searchsorted(mass, target))  # first prefix with mass >= target
        if i > 0 and near(mass[i - 1], target) or near(mass[i], target):
            raise Ambiguous
        threshold = max(order[i], floor)
    kept = p >= threshold
    total = p[kept].sum()
    target = float(philox_uniform(seed, counter, row)) * total
    running = np.cumsum(np.where(kept, p, 0.0))
    for v in range(len(p)):
        if kept[v] and near(running[v], target):
            raise Ambiguous
        if kept[v] and running[v] > target:
            return v
    return int(np.nonzero(kept)[0][-1])


def save(case, **arrays):
    d = INPUTS / case
    d.mkdir(parents=True, exist_ok=True)
    for name, a in arrays.items():
        np.save(d / f"{name}.npy", a)


def gen_sample():
    rng = np.random.default_rng(11)
    seed, counter = 0x1234_5678_9ABC, 3
    while True:
        logits = (rng.standard_normal((4, 50)) * 2).astype(np.float32)
        try:
            toks = [sample_row(logits[r], seed, counter, r, 0.8, 5, 0.9)
                    for r in range(4)]
            break
        except Ambiguous:
            continue
    save("sample_topk_topp", logits=logits,
         tokens=np.array(toks, dtype=np.int32))
    return seed, counter


def gen_loop():
    rng = np.random.default_rng(12)
    seed, steps, eos = 77, 6, 3
    while True:
        table = (rng.standard_normal((40, 8)) * 1.5).astype(np.float32)
        head = (rng.standard_normal((40, 8)) * 1.5).astype(np.float32)
        first = np.array([5, 9], dtype=np.int32)
        try:
            tok, done = first.copy(), np.zeros(2, bool)
            out = np.zeros((2, steps), np.int32)
            count = np.zeros(2, np.int32)
            for step in range(steps):
                if done.all():
                    break
                logits = table[tok] @ head.T
                nxt = np.array([sample_row(logits[r], seed, step, r, 1.0, 10, 1.0)
                                for r in range(2)], np.int32)
                nxt = np.where(done, 0, nxt)
                out[:, step] = nxt
                count += ~done
                done |= nxt == eos
                tok = nxt
            break
        except Ambiguous:
            continue
    save("decode_loop_sampled", first=first, positions=np.array([0, 0], np.int32),
         table=table, head=head, tokens=out, count=count)


if __name__ == "__main__":
    print(gen_sample())
    gen_loop()

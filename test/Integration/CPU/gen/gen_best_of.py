#!/usr/bin/env python3
"""Best-of-N goldens for `seqc --best-of=N` (entry generate_best_of).

Runs the tiny llama checkpoint (../Inputs/hf_llama) with transformers on
its prompt (hf_llama/prompt.npy) and samples N = 4 rows of T = 12 tokens
the way seq.sample defines it: row r draws token t from the
temperature-scaled softmax of the model's logits with Philox keyed by the
seed and counted by (t, r) (gen_decode.py's independent NumPy sampler),
each row an independent run (its own forward over its own tokens). Rows
stop at the EOS id (token included, then padding 0). The log-prob of a row
is the sum over its tokens of log_softmax(logits)[token] in float64 (the
model's distribution before temperature). Writes ../Inputs/hf_llama_best_of/:

  tokens_eos<E>.npy    i32 [4, 12]  per EOS id E (2: config.json's, never
                                    drawn; one drawn mid-row and one drawn
                                    first, chosen below, which the lit
                                    test puts in config copies with sed)
  counts_eos<E>.npy    i32 [4]
  logprobs_eos<E>.npy  f32 [4]
  margins.txt          the seed and the smallest relative distance of a
                       draw to a token boundary (seeds are skipped until no
                       draw is within 1e-4)

Run: python3 test/Integration/CPU/gen/gen_best_of.py   (torch + transformers)
"""
import sys
from pathlib import Path

import numpy as np
import torch
import transformers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_decode import Ambiguous, sample_row  # noqa: E402

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
N, T, TEMPERATURE = 4, 12, 1.0


def rows(model, prompt, seed):
    out = []
    for r in range(N):
        ids, toks, lps = list(prompt), [], []
        for t in range(T):
            with torch.no_grad():
                logits = model(torch.tensor([ids])).logits[0, -1].double()
            lp = torch.log_softmax(logits, -1).numpy()
            tok = sample_row(logits.float().numpy(), seed, t, r, TEMPERATURE,
                             0, 1.0)
            toks.append(tok)
            lps.append(lp[tok])
            ids.append(tok)
        out.append((toks, lps))
    return out


def save(dst, eos, sampled):
    tokens = np.zeros([N, T], np.int32)
    counts = np.zeros([N], np.int32)
    logprobs = np.zeros([N], np.float32)
    for r, (toks, lps) in enumerate(sampled):
        n = T
        if eos in toks:
            n = toks.index(eos) + 1
        tokens[r, :n] = toks[:n]
        counts[r] = n
        logprobs[r] = np.float32(sum(lps[:n]))
    np.save(dst / f"tokens_eos{eos}.npy", tokens)
    np.save(dst / f"counts_eos{eos}.npy", counts)
    np.save(dst / f"logprobs_eos{eos}.npy", logprobs)
    return tokens, counts


def main():
    torch.manual_seed(0)
    src = INPUTS / "hf_llama"
    model = transformers.AutoModelForCausalLM.from_pretrained(
        src, dtype=torch.float32).eval()
    prompt = np.load(src / "prompt.npy")[0].tolist()
    for seed in range(1, 100):
        try:
            sampled = rows(model, prompt, seed)
            break
        except Ambiguous:
            continue
    dst = INPUTS / "hf_llama_best_of"
    dst.mkdir(exist_ok=True)
    tokens, _ = save(dst, 2, sampled)
    assert (tokens != 2).all()
    # An EOS drawn mid-row: row 1's sixth token (ends rows at different
    # lengths wherever else it is drawn).
    eos = sampled[1][0][5]
    _, counts = save(dst, eos, sampled)
    # An EOS drawn first: row 0's first token (the row is that token).
    first = sampled[0][0][0]
    _, first_counts = save(dst, first, sampled)
    (dst / "margins.txt").write_text(
        f"seed {seed}; no draw within 1e-4 (relative) of a token boundary\n"
        f"mid-row EOS id {eos}: counts {counts.tolist()}\n"
        f"first-token EOS id {first}: counts {first_counts.tolist()}\n"
        f"transformers {transformers.__version__}, torch {torch.__version__}\n")
    print(seed, eos, counts.tolist())


if __name__ == "__main__":
    main()

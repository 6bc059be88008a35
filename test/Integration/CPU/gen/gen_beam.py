"""Beam-search goldens from transformers for seq.beam_search_loop.

Runs transformers' `generate(num_beams=4, num_return_sequences=4,
length_penalty=..., early_stopping=..., do_sample=False)` on the tiny
llama checkpoint in ../Inputs/hf_llama (written by gen_hf.py), for a few
EOS ids / length penalties / early-stopping modes that exercise every stop
rule, and on the tiny Mamba one (../Inputs/hf_mamba), and records in
../Inputs/hf_<model>_beam/:

  prompt.npy            i32 [1, 8]     the prompt: 8 ids in 3..96 from a
                                       NumPy generator seeded with
                                       crc32("beam") (its beams have clearer
                                       score gaps than hf_llama's prompt)

and per case:

  <case>_sequences.npy  i32 [1, 4, N]  the generated tokens of the 4
                                       returned beams (best first), EOS
                                       included, padded with 0 (seqc's pad)
  <case>_scores.npy     f32 [1, 4]     `sequences_scores`
  <case>_lengths.npy    i32 [1, 4]     generated tokens per beam (from
                                       `beam_indices`)
  margins.txt           per case: the smallest gap between adjacent
                        entries of the top K + 1 accumulated log-probs
                        at any step, with the step and the rank (the order
                        of the kept candidates and the boundary of the kept
                        set: sequences are only comparable exactly when it
                        is well above the logit error), and the smallest
                        gap between adjacent returned scores

The EOS id of a case replaces config.json's (the lit test does the same
with sed). Deterministic: no randomness is involved.

Run: python3 test/Integration/CPU/gen/gen_beam.py   (torch + transformers)
"""

import zlib
from pathlib import Path

import numpy as np
import torch
import transformers

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
NEW_TOKENS = 10
BEAMS = 4

# model directory: {case name: (eos ids, length_penalty, early_stopping)}
MODELS = {"hf_llama": {
    # The config's EOS never comes: every beam runs to max_new_tokens.
    "full": ([2], 1.0, False),
    # The default heuristic (early_stopping=False), beams of 5 and 8
    # tokens among the returned ones.
    "heuristic": ([14], 1.0, False),
    # A negative penalty favours short beams; "never" runs to the end.
    "never": ([14], -0.5, "never"),
    # Three EOS ids (16 candidates per step); early_stopping=True stops
    # after 9 steps, once 4 beams finished.
    "early": ([14, 70, 55], 1.0, True),
}, "hf_mamba": {
    # Mamba: the reorder gathers conv and SSM states. EOS 65 ends beams
    # of 8 and 6 tokens.
    "heuristic": ([65], 1.0, False),
}}

torch.set_grad_enabled(False)


def main():
    for name, cases in MODELS.items():
        run(name, cases)


def run(model_name, cases):
    src = INPUTS / model_name
    out_dir = INPUTS / f"{model_name}_beam"
    out_dir.mkdir(exist_ok=True)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        src, dtype=torch.float32).eval()
    rng = np.random.default_rng(zlib.crc32(b"beam"))
    prompt_ids = rng.integers(3, 97, size=(1, 8)).astype(np.int32)
    np.save(out_dir / "prompt.npy", prompt_ids)
    prompt = torch.tensor(prompt_ids, dtype=torch.long)
    gaps = []
    original = model._get_top_k_continuations

    def recording(accumulated_log_probs, *args, beams_to_keep, **kw):
        top = torch.topk(accumulated_log_probs, k=beams_to_keep + 1).values
        real = top[top > -1.0e8]
        if real.numel() > 1:
            gap = real[:-1] - real[1:]
            gaps.append((float(gap.min()), int(gap.argmin()) + 1))
        return original(accumulated_log_probs, *args,
                        beams_to_keep=beams_to_keep, **kw)

    model._get_top_k_continuations = recording
    lines = []
    for name, (eos, penalty, early) in cases.items():
        gaps.clear()
        out = model.generate(
            prompt, attention_mask=torch.ones_like(prompt), num_beams=BEAMS,
            num_return_sequences=BEAMS, max_new_tokens=NEW_TOKENS,
            length_penalty=penalty, early_stopping=early, eos_token_id=eos,
            pad_token_id=0, do_sample=False, return_dict_in_generate=True,
            output_scores=True)
        lengths = (out.beam_indices >= 0).sum(1)
        seqs = np.zeros((1, BEAMS, NEW_TOKENS), np.int32)
        for k in range(BEAMS):
            n = int(lengths[k])
            seqs[0, k, :n] = out.sequences[k, prompt.shape[1]:][:n].numpy()
        scores = out.sequences_scores.numpy().astype(np.float32)[None]
        np.save(out_dir / f"{name}_sequences.npy", seqs)
        np.save(out_dir / f"{name}_scores.npy", scores)
        np.save(out_dir / f"{name}_lengths.npy",
                lengths.numpy().astype(np.int32)[None])
        score_gap = float(np.min(scores[0, :-1] - scores[0, 1:]))
        worst = min(range(len(gaps)), key=lambda i: gaps[i][0])
        lines.append(f"{name}: eos {eos}, length_penalty {penalty}, "
                     f"early_stopping {early}: {len(gaps)} steps, candidate "
                     f"gap {gaps[worst][0]:.3g} (step {worst}, between "
                     f"candidates {gaps[worst][1]} and {gaps[worst][1] + 1}), "
                     f"score gap {score_gap:.3g}, lengths {lengths.tolist()}")
        print(lines[-1])
    (out_dir / "margins.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

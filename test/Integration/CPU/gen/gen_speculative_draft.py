#!/usr/bin/env python3
"""Writes Inputs/hf_llama_draft1/: the tiny llama checkpoint (Inputs/hf_llama)
cut to its first decoder layer, with the same embedding, final norm and LM
head: a draft for speculative decoding of hf_llama that mostly disagrees
with it (self-speculation through the target's own first layer), and a
one-token prompt. Likewise Inputs/hf_mamba_draft2/ and
Inputs/hf_jamba_draft2/: the tiny Mamba and Jamba checkpoints cut to their
first two layers (drafts that agree part of the time, so that rollback
takes recurrent states at every accepted length), and an empty prompt. Needs only
NumPy and safetensors; the output is a pure function of Inputs/hf_llama,
Inputs/hf_mamba and Inputs/hf_jamba.

    python3 test/Integration/CPU/gen/gen_speculative_draft.py
"""
import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
# (source, destination, layers kept, the layers' key prefix)
CUTS = [
    ("hf_llama", "hf_llama_draft1", 1, ["model", "layers"]),
    ("hf_mamba", "hf_mamba_draft2", 2, ["backbone", "layers"]),
    ("hf_jamba", "hf_jamba_draft2", 2, ["model", "layers"]),
]


def cut(src, dst, layers, prefix):
    config = json.loads((src / "config.json").read_text())
    config["num_hidden_layers"] = layers
    tensors = load_file(src / "model.safetensors")
    kept = {}
    for name, value in sorted(tensors.items()):
        parts = name.split(".")
        if parts[:2] == prefix and int(parts[2]) >= layers:
            continue
        kept[name] = value
    dst.mkdir(exist_ok=True)
    (dst / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file(kept, dst / "model.safetensors")


def main():
    for src, dst, layers, prefix in CUTS:
        cut(INPUTS / src, INPUTS / dst, layers, prefix)
    # A one-token prompt: the entries prefill nothing before the loop.
    np.save(INPUTS / "hf_llama_draft1" / "one_token_prompt.npy",
            np.array([[5]], dtype=np.int32))
    # An empty prompt [1, 0]: the generating entries reject it.
    np.save(INPUTS / "hf_llama_draft1" / "empty_prompt.npy",
            np.zeros((1, 0), dtype=np.int32))


if __name__ == "__main__":
    main()

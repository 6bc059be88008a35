#!/usr/bin/env python3
"""Writes Inputs/hf_llama_draft1/: the tiny llama checkpoint (Inputs/hf_llama)
cut to its first decoder layer, with the same embedding, final norm and LM
head: a draft for speculative decoding of hf_llama that mostly disagrees
with it (self-speculation through the target's own first layer), and a
one-token prompt. Needs only
NumPy and safetensors; the output is a pure function of Inputs/hf_llama.

    python3 test/Integration/CPU/gen/gen_speculative_draft.py
"""
import json
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
SRC, DST = INPUTS / "hf_llama", INPUTS / "hf_llama_draft1"
LAYERS = 1


def main():
    config = json.loads((SRC / "config.json").read_text())
    config["num_hidden_layers"] = LAYERS
    tensors = load_file(SRC / "model.safetensors")
    kept = {}
    for name, value in sorted(tensors.items()):
        parts = name.split(".")
        if parts[:2] == ["model", "layers"] and int(parts[2]) >= LAYERS:
            continue
        kept[name] = value
    DST.mkdir(exist_ok=True)
    (DST / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_file(kept, DST / "model.safetensors")
    # A one-token prompt: the entries prefill nothing before the loop.
    np.save(DST / "one_token_prompt.npy", np.array([[5]], dtype=np.int32))


if __name__ == "__main__":
    main()

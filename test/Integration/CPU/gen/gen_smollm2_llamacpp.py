"""llama.cpp's greedy tokens on SmolLM2's chat prompt: the reference for
seqc's 8-bit-activation path (seqc --quant-activations=int8).

llama.cpp computes q4_1 / q8_0 layers on activations quantized to 8 bits
per 32-element block (q8_1 / q8_0), as seqc's int8 path does; with that
precision this model does not give transformers' f32 answer on the chat
prompt ("L'Étoile, la ..." instead of "The capital of France is Paris."),
so the int8 path is checked against llama.cpp, an implementation of the
same precision no one here wrote. The two round differently in details
(llama.cpp keeps f16 block scales and sums), so only the first tokens, up
to llama.cpp's first small top-1/top-2 margin, are a fair comparison.

Writes ../Inputs/smollm2/llamacpp_int8_greedy.npy (i32 [1, n]) and
records the margins in ../Inputs/smollm2/llamacpp_int8.txt.

Run: python3 test/Integration/CPU/gen/gen_smollm2_llamacpp.py \
         --gguf "$(scripts/fetch-smollm2.sh)"     (llama-cpp-python)
"""

import argparse
from pathlib import Path

import llama_cpp
import numpy as np

INPUTS = Path(__file__).resolve().parent.parent / "Inputs" / "smollm2"
MIN_MARGIN = 0.3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf", required=True)
    args = parser.parse_args()
    ids = np.load(INPUTS / "chat_prompt_ids.npy")[0].tolist()
    model = llama_cpp.Llama(model_path=args.gguf, n_ctx=256, logits_all=True,
                            verbose=False, n_threads=1)
    tokens, margins = [], []
    model.eval(ids)
    for _ in range(48):
        logits = np.array(model.scores[model.n_tokens - 1])
        top = np.sort(logits)[::-1]
        token = int(logits.argmax())
        if top[0] - top[1] < MIN_MARGIN:
            break
        tokens.append(token)
        margins.append(float(top[0] - top[1]))
        model.eval([token])
    np.save(INPUTS / "llamacpp_int8_greedy.npy",
            np.array([tokens], dtype=np.int32))
    text = model.detokenize(tokens).decode(errors="replace")
    (INPUTS / "llamacpp_int8.txt").write_text(
        f"llama-cpp-python {llama_cpp.__version__}, 1 thread\n"
        f"greedy tokens while llama.cpp's top-1/top-2 margin >= {MIN_MARGIN}:"
        f" {len(tokens)}\n{tokens}\n{text!r}\n"
        f"margins: {[round(m, 3) for m in margins]}\n")
    print(len(tokens), tokens, repr(text))


if __name__ == "__main__":
    main()

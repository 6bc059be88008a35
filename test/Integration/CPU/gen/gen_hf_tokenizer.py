#!/usr/bin/env python3
"""A byte-level BPE tokenizer.json of the tiny Llama checkpoint's
vocabulary (97 ids), so that `seqrun --weights <model-dir> --prompt TEXT`
runs end to end on a Hugging Face directory: text through the
directory's tokenizer.json, generated ids decoded back to text.

Trained by Hugging Face `tokenizers` (BpeTrainer, vocab_size 97, the
alphabet of a fixed corpus: lowercase letters, space, '.', ','), with
GPT-2's ByteLevel pre-tokenizer (no prefix space) and decoder, the form
seqrt reads. The reference is transformers on the committed hf_llama
weights: the prompt's ids by `tokenizers`, 8 greedy tokens by
`generate`, decoded by `tokenizers`; the prompt is the first of a fixed
list whose greedy path keeps a top-1/top-2 margin >= 0.05 and has no EOS.

Writes Inputs/hf_llama_tokenizer/{tokenizer.json,reference.txt}.

  python3 test/Integration/CPU/gen/gen_hf_tokenizer.py
"""

from pathlib import Path

import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

INPUTS = Path(__file__).resolve().parent.parent / "Inputs"
CORPUS = [
    "the quick brown fox jumps over the lazy dog.",
    "a small model reads the text, then writes the next word.",
    "seqc compiles sequence models ahead of time, and the runtime runs them.",
    "every layer has its own weights, caches and state.",
]
PROMPTS = ["the quick brown fox", "a small model reads", "every layer has",
           "the runtime runs the model", "seqc compiles the text"]
NEW_TOKENS = 8
MIN_MARGIN = 0.05


def build_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False,
                                                 use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=97, show_progress=False,
                                  initial_alphabet=[])
    tok.train_from_iterator(CORPUS, trainer)
    assert tok.get_vocab_size() <= 97, tok.get_vocab_size()
    return tok


def main():
    tok = build_tokenizer()
    out = INPUTS / "hf_llama_tokenizer"
    out.mkdir(exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    model = transformers.AutoModelForCausalLM.from_pretrained(
        INPUTS / "hf_llama", dtype=torch.float32, attn_implementation="eager")
    model.eval()
    eos = model.config.eos_token_id
    for text in PROMPTS:
        ids = tok.encode(text).ids
        prompt = torch.tensor([ids])
        with torch.no_grad():
            res = model.generate(prompt, max_new_tokens=NEW_TOKENS,
                                 do_sample=False, output_scores=True,
                                 return_dict_in_generate=True,
                                 eos_token_id=None, pad_token_id=0)
        new = res.sequences[0, len(ids):].tolist()
        margin = min(float(s.topk(2).values[0, 0] - s.topk(2).values[0, 1])
                     for s in res.scores)
        if margin >= MIN_MARGIN and eos not in new:
            break
    else:
        raise SystemExit("no prompt with clear greedy margins")
    decoded = tok.decode(new)
    assert "\n" not in decoded
    (out / "reference.txt").write_text(
        f"prompt: {text}\n"
        f"prompt ids: {' '.join(map(str, ids))}\n"
        f"greedy ids: {' '.join(map(str, new))}\n"
        f"decoded: {decoded}\n"
        f"smallest greedy top-1/top-2 logit gap: {margin:.4f}\n"
        f"vocab size: {tok.get_vocab_size()}\n"
        f"transformers {transformers.__version__}, tokenizers "
        f"{tokenizers.__version__}, torch {torch.__version__}\n")
    print((out / "reference.txt").read_text())


if __name__ == "__main__":
    main()

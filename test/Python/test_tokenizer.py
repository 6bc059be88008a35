# RUN: %pytest %s
"""Tokenizer and chat helpers against Hugging Face goldens: SmolLM2's
tokenizer.json (test/Unit/Runtime/Inputs) encodes the chat prompt into the
ids transformers gave (Integration/CPU/Inputs/smollm2, gen_smollm2.py), and
chat templates render as transformers renders them (chat_golden.json,
gen_chat_golden.py)."""

import json

import pytest

import seqrt
from conftest import INPUTS, ROOT, golden

UNIT_INPUTS = ROOT / "test" / "Unit" / "Runtime" / "Inputs"
SMOLLM2_TOKENIZER = UNIT_INPUTS / "smollm2_tokenizer"


def test_encode_decode_smollm2():
    tok = seqrt.Tokenizer(SMOLLM2_TOKENIZER)
    assert tok.vocab_size == 49152
    text = (INPUTS / "smollm2" / "chat_prompt.txt").read_text()
    ids = tok.encode(text, add_special=False)
    assert ids == golden("smollm2/chat_prompt_ids.npy").reshape(-1).tolist()
    assert tok.decode(ids, skip_special=False) == text
    assert tok.token_id("<|im_end|>") == 2 and tok.eos_id == 2
    # The first greedy answer tokens, up to EOS, read as transformers'.
    answer = golden("smollm2/chat_greedy.npy").reshape(-1).tolist()
    end = answer.index(2)
    expected = (INPUTS / "smollm2" / "chat_greedy.txt").read_text().strip()
    assert tok.decode(answer[:end]) == expected
    assert "".join(tok.decode_stream(answer[:end])) == expected
    # The raw-text prompt of the README: "The quick brown fox".
    assert tok.encode("The quick brown fox") == [504, 2365, 6354, 16438]


def test_decode_stream_holds_partial_characters():
    tok = seqrt.Tokenizer(SMOLLM2_TOKENIZER)
    text = "naïve café 日本語 🙂"
    ids = tok.encode(text, add_special=False)
    chunks = list(tok.decode_stream(ids))
    assert "".join(chunks) == text
    for chunk in chunks:
        chunk.encode("utf-8")  # every chunk is whole characters
    with pytest.raises(seqrt.ArgumentError):
        list(tok.decode_stream([10**6]))


def test_chat_templates_match_transformers():
    goldens = json.loads((UNIT_INPUTS / "chat_golden.json").read_text())
    rendered = failed = 0
    for case in goldens["cases"]:
        template = goldens["templates"][case["template"]]["text"]
        context = dict(goldens["conversations"][case["conversation"]]
                       ["context"])
        messages = context.pop("messages")

        def render():
            return seqrt.render_chat(
                template, messages,
                add_generation_prompt=case["add_generation_prompt"],
                bos_token=goldens["bos_token"],
                eos_token=goldens["eos_token"], **context)

        if "expected" in case:
            assert render() == case["expected"], case
            rendered += 1
        else:  # transformers raised (roles not alternating, ...)
            with pytest.raises(seqrt.Error):
                render()
            failed += 1
    assert rendered > 200 and failed > 10


def test_chat_template_of_a_model_directory(tmp_path):
    assert seqrt.chat_template(SMOLLM2_TOKENIZER) is None
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(
        {"chat_template": [{"name": "tool_use", "template": "T"},
                           {"name": "default", "template": "D"}]}))
    assert seqrt.chat_template(tmp_path) == "D"
    (tmp_path / "model.gguf").write_bytes(b"GGUF\x03\x00")
    with pytest.raises(seqrt.FormatError):
        seqrt.chat_template(tmp_path / "model.gguf")
    with pytest.raises(seqrt.FileError):
        seqrt.chat_template(tmp_path / "absent.gguf")

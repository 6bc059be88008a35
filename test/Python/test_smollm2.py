# REQUIRES: smollm2-gguf
# RUN: env SEQC_SMOLLM2_GGUF=%smollm2_gguf %pytest %s
"""The real model (SmolLM2-135M-Instruct, GGUF Q4_1; scripts/test.sh
fetches it) end to end from Python: compiled from the GGUF file, chat
prompt rendered with its own template and tokenized with its own
tokenizer, answered greedily in a session: identical to transformers'
ids (Integration/CPU/Inputs/smollm2, as smollm2/chat.test)."""

import os

import numpy as np

import seqrt
from conftest import INPUTS, golden

GGUF = os.environ["SEQC_SMOLLM2_GGUF"]


def test_chat_answer(compiled):
    art = seqrt.load(compiled(GGUF, max_seq_len=128, max_new_tokens=48,
                              ignore_eos=True))
    art.bind(GGUF)
    assert any(p.encoding == "q4_1" for p in art.parameters)
    tok = seqrt.Tokenizer(GGUF)
    template = seqrt.chat_template(GGUF)
    prompt = seqrt.render_chat(
        template, [{"role": "user",
                    "content": "What is the capital of France?"}])
    assert prompt == (INPUTS / "smollm2" / "chat_prompt.txt").read_text()
    ids = tok.encode(prompt, add_special=False)
    assert ids == golden("smollm2/chat_prompt_ids.npy").reshape(-1).tolist()

    # Prefill logits within the README's tolerance of transformers'.
    session = art.session()
    logits = session.prefill(ids)
    np.testing.assert_allclose(
        logits, golden("smollm2/chat_prefill_last_logits.npy").reshape(-1),
        atol=1e-3, rtol=1e-4)

    # 48 greedy tokens past EOS equal transformers'; stopping at EOS
    # gives the answer text.
    expected = golden("smollm2/chat_greedy.npy").reshape(-1).tolist()
    assert list(art.generate(ids, max_new_tokens=48)) == expected
    answer = "".join(tok.decode_stream(
        art.generate(ids, max_new_tokens=48, eos_ids=[tok.eos_id])))
    assert answer == "The capital of France is Paris."

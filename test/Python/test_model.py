# RUN: %pytest %s
"""seqc.compile + seqrt on the Integration/CPU models, against the same
goldens as the C++ execution tests (transformers / PyTorch outputs written
by test/Integration/CPU/gen/)."""

import re

import numpy as np
import pytest
import seqc
import seqrt
from conftest import INPUTS, MODELS, golden, requires_torch

GREEDY = golden("hf_llama/greedy.npy").reshape(-1).tolist()


def test_parameters_from_ir_file(compiled):
    # model/parameters.mlir: W = arange(32) as 4x8, exact.
    art = seqrt.load(compiled(MODELS / "model" / "parameters.mlir"))
    assert [p.key for p in art.parameters] == ["w"]
    assert not art.parameters[0].bound
    art.bind(INPUTS / "parameters" / "weights.safetensors")
    assert art.parameters[0].bound
    (y,) = art.call("main", golden("parameters/x.npy"))
    assert y.dtype == np.float32 and y.shape == (2, 4)
    np.testing.assert_array_equal(y, golden("parameters/out.npy"))


def test_parameters_from_dict_and_ir_string(tmp_path):
    source = (MODELS / "model" / "parameters.mlir").read_text()
    path = seqc.compile(source, output=tmp_path / "p.seqpkg")
    assert path == tmp_path / "p.seqpkg" and path.is_file()
    art = seqrt.load(path)
    art.bind({"w": np.arange(32, dtype=np.float32).reshape(4, 8)})
    (y,) = art.call("main", golden("parameters/x.npy"))
    np.testing.assert_array_equal(y, golden("parameters/out.npy"))


def test_llama_mlp(compiled):
    art = seqrt.load(compiled(MODELS / "model" / "llama_mlp.mlir"))
    names = ["x", "norm_weight", "w_gate", "w_up", "w_down"]
    entry = art.entries["main"]
    assert len(entry.inputs) == len(names)
    (out,) = art.call("main", *[golden(f"llama_mlp/{n}.npy") for n in names])
    np.testing.assert_allclose(out, golden("llama_mlp/out.npy"),
                               rtol=1e-4, atol=1e-5)


def test_llama_entries(llama):
    art = seqrt.load(llama)
    assert list(art.entries) == ["logits", "prefill", "decode", "generate"]
    assert art.metadata["producer"] == art.producer
    assert art.target["kind"] == "cpu"
    prefill = art.entries["prefill"]
    assert prefill.state_inputs == (2, 3, 4, 5, 6, 7)
    assert prefill.inputs[2] == seqrt.TensorType("f32", (1, 2, 64, 10))
    assert all(not p.bound for p in art.parameters)
    art.bind(INPUTS / "hf_llama")
    assert all(p.bound for p in art.parameters)
    art.check_bound()


def test_llama_logits_and_generate_entry(llama):
    # import/hf_llama.test: logits rtol/atol 1e-4, greedy tokens exact.
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    prompt = golden("hf_llama/prompt.npy")
    (logits,) = art.call("logits", prompt)
    np.testing.assert_allclose(logits, golden("hf_llama/logits.npy"),
                               rtol=1e-4, atol=1e-4)
    tokens, _ = art.call("generate", prompt, 0)
    np.testing.assert_array_equal(tokens, golden("hf_llama/greedy.npy"))


def test_llama_prefill_decode_entries_with_caller_state(llama):
    # Prefill(n) then two decode steps equal transformers' logits; the
    # caches are arrays the caller keeps between calls.
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    state = art.new_state("prefill")
    assert len(state) == 6 and all(not s.any() for s in state)
    prompt = golden("hf_llama/prompt.npy")
    logits, *caches = art.call("prefill", prompt, np.zeros(1, np.int32),
                               *state)
    assert all(c is s for c, s in zip(caches, state))
    np.testing.assert_allclose(logits, golden("hf_llama/last_logits.npy"),
                               rtol=1e-4, atol=1e-4)
    for step in ("step1", "step2"):
        pos = "pos1" if step == "step1" else "pos2"
        logits, *_ = art.call("decode", golden(f"hf_llama/{step}.npy"),
                              golden(f"hf_llama/{pos}.npy"), *state)
        np.testing.assert_allclose(
            logits, golden(f"hf_llama/{step}_logits.npy"), rtol=1e-4,
            atol=1e-4)


def test_llama_session(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    session = art.session()
    assert (session.position, session.capacity, session.vocab_size) == \
        (0, 64, 97)
    prompt = golden("hf_llama/prompt.npy")
    logits = session.prefill(prompt)
    assert logits.shape == (97,) and session.position == prompt.size
    np.testing.assert_allclose(logits,
                               golden("hf_llama/last_logits.npy")[0],
                               rtol=1e-4, atol=1e-4)
    logits = session.decode(int(golden("hf_llama/step1.npy").item()))
    np.testing.assert_allclose(logits,
                               golden("hf_llama/step1_logits.npy")[0],
                               rtol=1e-4, atol=1e-4)
    session.reset()
    assert session.position == 0
    assert all(not np.asarray(s).any() for s in session.states)


def test_llama_generate_greedy(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    prompt = golden("hf_llama/prompt.npy")
    tokens = art.generate(prompt, max_new_tokens=32)
    first = next(tokens)  # an iterator: tokens come one at a time
    assert [first] + list(tokens) == GREEDY
    assert list(art.generate(prompt.tolist()[0], max_new_tokens=3)) == \
        GREEDY[:3]
    # An EOS id stops at (and yields) that token (hf_session.test: 78).
    assert list(art.generate(prompt, 32, eos_ids=[78])) == GREEDY[:5]
    # A full cache ends the iteration (60 prompt tokens: 64 - 60 + 1).
    long_prompt = list(range(1, 61))
    assert len(list(art.generate(long_prompt, 32))) == 5


def test_llama_generate_sampled_matches_compiled_entry(compiled):
    # Seeded sampling in Python draws what the compiled `generate` entry
    # (seq.sample) draws for the same seed.
    path = compiled(INPUTS / "hf_llama", max_seq_len=64, max_new_tokens=32,
                    temperature=0.8, top_k=20)
    art = seqrt.load(path).bind(INPUTS / "hf_llama")
    prompt = golden("hf_llama/prompt.npy")
    draws = {}
    for seed in (42, 1):
        expected, _ = art.call("generate", prompt, seed)
        got = list(art.generate(prompt, 32, temperature=0.8, top_k=20,
                                seed=seed))
        assert got == expected.reshape(-1).tolist()
        draws[seed] = got
    assert draws[42] != draws[1]


def test_bf16_numpy_bits(compiled):
    # model/linear_bf16.mlir: the .npy files hold bf16-exact float32.
    art = seqrt.load(compiled(MODELS / "model" / "linear_bf16.mlir"))
    names = ["x", "weight", "bias"]
    bits = [seqrt.float32_to_bf16(golden(f"linear_bf16/{n}.npy"))
            for n in names]
    for b, n in zip(bits, names):  # exact: no rounding happened
        np.testing.assert_array_equal(seqrt.bf16_to_float32(b),
                                      golden(f"linear_bf16/{n}.npy"))
    (out,) = art.call("main", *bits)
    assert out.dtype == np.uint16 and out.shape == (2, 8, 48)
    np.testing.assert_allclose(seqrt.bf16_to_float32(out),
                               golden("linear_bf16/out.npy"),
                               rtol=2e-2, atol=2e-2)


@requires_torch
def test_bf16_torch(compiled):
    import torch
    art = seqrt.load(compiled(MODELS / "model" / "linear_bf16.mlir"))
    inputs = [torch.from_numpy(golden(f"linear_bf16/{n}.npy")).bfloat16()
              for n in ("x", "weight", "bias")]
    (out,) = art.call("main", *inputs)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.bfloat16
    np.testing.assert_allclose(out.float().numpy(),
                               golden("linear_bf16/out.npy"),
                               rtol=2e-2, atol=2e-2)
    # The same computation in torch agrees to bf16 precision.
    x, w, b = inputs
    ref = torch.nn.functional.linear(x.float(), w.float(), b.float())
    np.testing.assert_allclose(out.float().numpy(), ref.numpy(),
                               rtol=2e-2, atol=2e-2)


@requires_torch
def test_torch_in_torch_out(llama):
    import torch
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    prompt = torch.from_numpy(golden("hf_llama/prompt.npy"))
    (logits,) = art.call("logits", prompt)
    assert isinstance(logits, torch.Tensor)
    np.testing.assert_allclose(logits.numpy(), golden("hf_llama/logits.npy"),
                               rtol=1e-4, atol=1e-4)
    # A non-contiguous tensor is copied to a contiguous one first.
    padded = torch.zeros(1, 2 * prompt.shape[1], dtype=torch.int32)
    padded[:, ::2] = prompt
    (logits2,) = art.call("logits", padded[:, ::2])
    np.testing.assert_array_equal(logits2.numpy(), logits.numpy())
    # framework= picks the output type.
    (logits3,) = art.call("logits", prompt.numpy(), framework="torch")
    assert isinstance(logits3, torch.Tensor)
    assert list(art.generate(prompt, 32)) == GREEDY


def test_compile_options_cover_seqc_help():
    # Every option `seqc --help` lists is a compile() keyword (target and
    # emit are compile()'s own arguments; -o is `output`).
    import subprocess
    text = subprocess.run([seqc.executable(), "--help"], capture_output=True,
                          text=True, check=True).stdout
    own = {"emit", "target", "help", "help-list", "version"}
    listed = {m for m in re.findall(r"^  --?([a-z0-9-]+)", text, re.M)
              if m not in own and not m.startswith("mlir-") and m != "o"}
    assert listed - set(seqc._OPTIONS.values()) == set()
    assert set(seqc._OPTIONS.values()) - listed == set()


def test_speculative_draft_weights_bind_with_prefix(compiled):
    # import/hf_speculative.test's first-layer draft, from Python: the
    # draft's tensors bind under "draft/"; greedy speculative tokens equal
    # transformers' greedy tokens.
    path = compiled(INPUTS / "hf_llama", max_seq_len=64, max_new_tokens=32,
                    draft_model=INPUTS / "hf_llama_draft1")
    art = seqrt.load(path).bind(INPUTS / "hf_llama")
    with pytest.raises(seqrt.BindingError, match="draft/"):
        art.check_bound()
    art.bind(INPUTS / "hf_llama_draft1", prefix="draft/")
    art.check_bound()
    prompt = golden("hf_llama/prompt.npy")
    tokens, count, steps, accepted = art.call("generate_speculative", prompt, 0)
    n = int(np.asarray(count).reshape(-1)[0])
    assert n == len(GREEDY)
    assert np.asarray(tokens).reshape(-1)[:n].tolist() == GREEDY
    assert int(np.asarray(steps).reshape(-1)[0]) > 0

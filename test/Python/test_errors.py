# RUN: %pytest %s
"""Bad input raises typed exceptions carrying the runtime's (or the
compiler's) message; nothing crashes the interpreter."""


import numpy as np
import pytest

import seqc
import seqrt
from conftest import INPUTS, MODELS, golden


# seqc.compile ---------------------------------------------------------------

BAD_IR = """func.func @main(%x: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %w = seq.get_parameter @missing : tensor<4x8xf32>
  %y = seq.linear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
"""


def test_compile_error_is_located():
    with pytest.raises(seqc.CompileError) as info:
        seqc.compile(BAD_IR)
    e = info.value
    assert e.returncode == 1
    errors = [d for d in e.diagnostics if d.severity == "error"]
    assert errors, str(e)
    assert errors[0].file == "<stdin>" and errors[0].line == 2
    assert "missing" in errors[0].message
    assert "<stdin>:2:" in str(e)


def test_compile_syntax_error_in_file(tmp_path):
    src = tmp_path / "broken.mlir"
    src.write_text("func.func @main() {\n  %0 = arith.constant : f32\n}\n")
    with pytest.raises(seqc.CompileError) as info:
        seqc.compile(src)
    d = info.value.diagnostics[0]
    assert (d.file, d.line, d.severity) == (str(src), 2, "error")


def test_compile_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError):
        seqc.compile(tmp_path / "absent.mlir")
    with pytest.raises(TypeError, match="max_seq_lenn"):
        seqc.compile(MODELS / "model" / "parameters.mlir", max_seq_lenn=3)
    with pytest.raises(ValueError):
        seqc.compile(MODELS / "model" / "parameters.mlir", emit="nonsense")
    with pytest.raises(seqc.CompileError) as info:  # a flag seqc rejects
        seqc.compile(MODELS / "model" / "parameters.mlir", target="tpu")
    assert info.value.returncode == 2


def test_compile_hostile_checkpoint(tmp_path):
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF" + (3).to_bytes(4, "little") +
                     (2**62).to_bytes(8, "little") * 2)
    with pytest.raises(seqc.CompileError) as info:
        seqc.compile(gguf)
    assert info.value.returncode == 1 and "gguf" in str(info.value).lower()
    empty_dir = tmp_path / "model-dir"
    empty_dir.mkdir()
    with pytest.raises(seqc.CompileError):
        seqc.compile(empty_dir)


def test_compile_bytes_source(tmp_path):
    source = (MODELS / "model" / "parameters.mlir").read_bytes()
    out = seqc.compile(source, output=tmp_path / "b.seqpkg")
    assert [p.key for p in seqrt.load(out).parameters] == ["w"]


def test_compile_emit_stage(tmp_path):
    out = seqc.compile(MODELS / "model" / "parameters.mlir", emit="tiled",
                       output=tmp_path / "tiled.mlir")
    assert "seq.linear" not in out.read_text()
    assert "seqc" in seqc.version()


# Loading --------------------------------------------------------------------

def test_load_missing_file(tmp_path):
    with pytest.raises(seqrt.FileError) as info:
        seqrt.load(tmp_path / "absent.seqpkg")
    assert "absent.seqpkg" in str(info.value)
    assert info.value.status == "SEQRT_ERROR_IO"
    assert isinstance(info.value, OSError)


def test_load_garbage(tmp_path):
    bad = tmp_path / "bad.seqpkg"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(seqrt.FormatError) as info:
        seqrt.load(bad)
    assert info.value.status == "SEQRT_ERROR_FORMAT"
    bad.write_bytes(b"")
    with pytest.raises(seqrt.Error):
        seqrt.load(bad)


def test_load_corrupt_and_truncated(llama, tmp_path):
    data = bytearray(llama.read_bytes())
    corrupt = tmp_path / "corrupt.seqpkg"
    data[len(data) // 2] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    with pytest.raises(seqrt.ChecksumError):
        seqrt.load(corrupt)
    truncated = tmp_path / "truncated.seqpkg"
    truncated.write_bytes(llama.read_bytes()[:len(data) // 3])
    with pytest.raises(seqrt.FormatError):
        seqrt.load(truncated)


def test_load_other_version_and_target(compiled, tmp_path):
    path = compiled(MODELS / "model" / "parameters.mlir")
    data = bytearray(path.read_bytes())
    data[8:12] = (99).to_bytes(4, "little")  # the format version
    other = tmp_path / "v99.seqpkg"
    other.write_bytes(bytes(data))
    with pytest.raises(seqrt.VersionError, match="99"):
        seqrt.load(other)
    # Code for another machine loads nowhere but there.
    cross = compiled(MODELS / "model" / "parameters.mlir",
                     mtriple="aarch64-unknown-linux-gnu")
    with pytest.raises(seqrt.TargetError, match="aarch64") as info:
        seqrt.load(cross)
    assert info.value.status == "SEQRT_ERROR_TARGET"


# Binding --------------------------------------------------------------------

def test_missing_parameter(compiled):
    art = seqrt.load(compiled(MODELS / "model" / "parameters.mlir"))
    with pytest.raises(seqrt.BindingError, match="'w'") as info:
        art.call("main", golden("parameters/x.npy"))
    assert info.value.status == "SEQRT_ERROR_BINDING"
    with pytest.raises(seqrt.BindingError, match="'w'"):
        art.check_bound()
    with pytest.raises(seqrt.BindingError, match="'nope'"):
        art.bind({"nope": np.zeros((4, 8), np.float32)})
    with pytest.raises(seqrt.ArgumentError, match="expected f32"):
        art.bind({"w": np.zeros((4, 8), np.float64)})
    with pytest.raises(seqrt.Error, match="shape|4, 8"):
        art.bind({"w": np.zeros((8, 4), np.float32)})
    with pytest.raises(seqrt.FileError):
        art.bind("/nonexistent/weights.safetensors")
    with pytest.raises(seqrt.FormatError):
        art.bind(INPUTS / "parameters" / "x.npy")  # not safetensors


def test_wrong_weights_for_the_model(llama):
    art = seqrt.load(llama)
    # A checkpoint holding none of the keys is refused at bind, naming a
    # tensor no parameter takes.
    with pytest.raises(seqrt.BindingError, match="tensor 'w' .* is not a parameter"):
        art.bind(INPUTS / "parameters" / "weights.safetensors")
    # Nothing of that file was bound: a session still fails.
    with pytest.raises(seqrt.BindingError):
        art.session()


# Calls ----------------------------------------------------------------------

def test_bad_calls(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    prompt = golden("hf_llama/prompt.npy")
    with pytest.raises(seqrt.ArgumentError, match="no entry 'main'"):
        art.call("main", prompt)
    with pytest.raises(seqrt.ArgumentError, match="takes 1 inputs, got 2"):
        art.call("logits", prompt, prompt)
    with pytest.raises(seqrt.ArgumentError, match="expected i32"):
        art.call("logits", prompt.astype(np.int64))
    with pytest.raises(seqrt.ArgumentError, match="rank"):
        art.call("logits", prompt.reshape(-1))
    with pytest.raises(seqrt.ArgumentError):
        art.call("logits", "not an array")
    state = art.new_state("prefill")
    state[0] = np.zeros((1, 2, 128, 10), np.float32)[:, :, ::2]
    with pytest.raises(seqrt.ArgumentError, match="contiguous"):
        art.call("prefill", prompt, np.zeros(1, np.int32), *state)
    with pytest.raises(ValueError, match="framework"):
        art.call("logits", prompt, framework="jax")


def test_execution_error_token_id(compiled):
    # model/embedding.mlir looks ids up in a 50-row table: 50 is out of
    # range, reported by the code through __seq_status.
    art = seqrt.load(compiled(MODELS / "model" / "embedding.mlir"))
    table = golden("embedding/table.npy")
    ids = golden("embedding/ids.npy").copy()
    (out,) = art.call("main", table, ids)
    np.testing.assert_array_equal(out, golden("embedding/out.npy"))
    ids[1, 3] = 50
    with pytest.raises(seqrt.TokenIdError, match="out of range") as info:
        art.call("main", table, ids)
    assert info.value.status == "SEQRT_ERROR_EXECUTION"
    assert isinstance(info.value, IndexError)


# Sessions -------------------------------------------------------------------

def test_session_token_id_out_of_range(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    session = art.session()
    with pytest.raises(seqrt.TokenIdError) as info:
        session.prefill([1, 2, 97])
    assert str(info.value) == ("session: token id 97 (at index 2) is "
                               "outside the vocabulary (0 .. 96)")
    assert info.value.status == "SEQRT_ERROR_ARGUMENT"
    assert session.position == 0  # nothing ran
    with pytest.raises(seqrt.TokenIdError):
        session.decode(-1)
    with pytest.raises(seqrt.TokenIdError):
        session.decode(2**40)
    with pytest.raises(seqrt.TokenIdError):
        session.decode(2**70)
    with pytest.raises(seqrt.TokenIdError):
        list(art.generate([5, 2**33]))
    with pytest.raises(seqrt.ArgumentError, match="empty"):
        art.generate([])
    with pytest.raises(seqrt.ArgumentError, match="integers"):
        session.prefill([1.5, 2.5])


def test_session_cache_overflow(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    session = art.session()
    with pytest.raises(seqrt.CacheOverflowError, match="overflow the cache"):
        session.prefill(list(range(65)))
    with pytest.raises(seqrt.CacheOverflowError):
        art.generate(list(range(1, 66)))
    session.prefill(list(range(60)))
    for _ in range(4):
        session.decode(1)
    assert session.position == session.capacity == 64
    with pytest.raises(seqrt.CacheOverflowError) as info:
        session.decode(1)
    assert "64 tokens" in str(info.value)
    session.reset()
    session.decode(1)  # usable again


def test_sampling_errors(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    prompt = golden("hf_llama/prompt.npy")
    with pytest.raises(seqrt.ArgumentError):
        list(art.generate(prompt, 4, temperature=1.0, top_p=0.0))
    with pytest.raises(seqrt.ArgumentError):
        seqrt.sample(np.array([0.0, np.nan], np.float32))
    assert seqrt.sample(np.array([0.0, 3.0, 1.0], np.float32)) == 1


def test_session_needs_prefill_and_decode(compiled):
    art = seqrt.load(compiled(MODELS / "model" / "parameters.mlir"))
    art.bind(INPUTS / "parameters" / "weights.safetensors")
    with pytest.raises(seqrt.ArgumentError):
        art.session()


def test_tokenizer_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        seqrt.Tokenizer(tmp_path / "absent.json")
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{not json")
    with pytest.raises(seqrt.FormatError):
        seqrt.Tokenizer(bad)
    with pytest.raises(seqrt.Error, match="line 1"):
        seqrt.render_chat("{% for %}", [{"role": "user", "content": "hi"}])

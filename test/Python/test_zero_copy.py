# RUN: %pytest %s
"""Tensors cross the Python boundary without copies where layouts allow:
outputs are views of the buffers the generated code wrote, inputs and state
are read and written where the caller holds them."""

import gc

import numpy as np

import seqrt
from conftest import INPUTS, MODELS, golden, requires_torch


def test_output_is_the_runtime_buffer(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    (logits,) = art.call("logits", golden("hf_llama/prompt.npy"))
    buffer = logits.base
    assert isinstance(buffer, seqrt.Buffer)
    assert buffer.owned  # the code's result, freed with the last view
    assert not logits.flags.owndata
    assert logits.ctypes.data == buffer.data_ptr
    assert logits.nbytes == buffer.nbytes
    assert buffer.shape == logits.shape and buffer.dtype == "f32"
    # The array is writable memory of its own: another view sees writes.
    again = np.asarray(buffer)
    assert np.shares_memory(again, logits)
    logits[0, 0, 0] = 1234.5
    assert again[0, 0, 0] == np.float32(1234.5)
    # Freed once nothing views it any more.
    del buffer, again, logits
    gc.collect()


def test_state_is_updated_where_the_caller_holds_it(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    state = art.new_state("prefill")
    addresses = [s.ctypes.data for s in state]
    _, *caches = art.call("prefill", golden("hf_llama/prompt.npy"),
                          np.zeros(1, np.int32), *state)
    for cache, s, address in zip(caches, state, addresses):
        assert cache is s and s.ctypes.data == address
        assert s.any()  # written by the code, in the caller's array
    # Positions past the prompt are untouched.
    n = golden("hf_llama/prompt.npy").size
    assert not state[0][:, :, n:].any()


def test_bound_dict_weights_are_read_in_place(compiled):
    art = seqrt.load(compiled(MODELS / "model" / "parameters.mlir"))
    w = np.arange(32, dtype=np.float32).reshape(4, 8)
    art.bind({"w": w})
    x = golden("parameters/x.npy")
    (y,) = art.call("main", x)
    np.testing.assert_array_equal(y, golden("parameters/out.npy"))
    # The artifact reads the caller's array itself, not a copy of it.
    w *= 2
    (y2,) = art.call("main", x)
    np.testing.assert_array_equal(y2, 2 * golden("parameters/out.npy"))


def test_session_state_views(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    session = art.session()
    before = session.states
    session.prefill(golden("hf_llama/prompt.npy"))
    after = session.states
    for b, a in zip(before, after):
        assert a.ctypes.data == b.ctypes.data  # the state never moves
        assert b.any()  # and the earlier view sees the update


@requires_torch
def test_torch_views(llama):
    import torch
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    prompt = torch.from_numpy(golden("hf_llama/prompt.npy"))
    (logits,) = art.call("logits", prompt)
    # The tensor views the runtime's buffer (kept alive by the tensor).
    view = np.asarray(logits.numpy())
    assert logits.data_ptr() == view.ctypes.data
    state = art.new_state("prefill", framework="torch")
    ptrs = [s.data_ptr() for s in state]
    _, *caches = art.call("prefill", prompt, torch.zeros(1, dtype=torch.int32),
                          *state)
    for cache, s, ptr in zip(caches, state, ptrs):
        assert cache is s and s.data_ptr() == ptr and bool(s.any())

# RUN: %pytest %s
"""A seqrt session on an artifact loaded for a GPU keeps its KV caches on
the device across calls (docs/design/GPU.md, "Sessions on a GPU"). No GPU
exists here: the fake CUDA driver (test/Unit/Runtime/Inputs) runs host
versions of the kernels (test/Tools/seqrun/Inputs/fake_model_kernels.c).
The host buffers stay as they were during the calls (the caches are not
copied back per call); the logits of every call and the caches the
session hands back after the last one (seqrt_session_sync and
seqrt_session_state copy them from the device) match an
independent PyTorch session (test/Integration/GPU/gen/gen_gpu_session.py);
test/Tools/seqrun/gpu-session.test counts the copies."""

import os

import numpy as np
import pytest
import seqrt
from conftest import ROOT, fake_gpu_artifact

DATA = ROOT / "test" / "Integration" / "GPU" / "Inputs" / "gpu_session"
# bf16 logits (|x| < 16: 1/16 per ulp) and caches, rounded where the
# kernels round; the fake kernels compute in f32, the golden in f64.
RTOL, ATOL = 2e-2, 5e-2


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    return fake_gpu_artifact(tmp_path_factory.mktemp("gpu"), DATA, "session.seqpkg")


def test_session_logits_and_state(artifact):
    prompt, tokens = [[int(t) for t in line.split()] for line in
                      (DATA / "greedy.txt").read_text().splitlines()]
    session = artifact.session()
    # Views of the host buffers, taken before any call: the calls leave
    # them as they were (the caches stay on the device) until sync().
    views = session.states
    logits = [session.prefill(prompt)]
    for token in tokens[:-1]:
        logits.append(session.decode(token))
    logits = np.stack(logits)
    np.testing.assert_allclose(logits, np.load(DATA / "logits.npy"),
                               rtol=RTOL, atol=ATOL)
    assert [int(np.argmax(row)) for row in logits] == tokens
    assert session.position == len(prompt) + len(tokens) - 1
    assert not any(np.asarray(view).any() for view in views)
    session.sync()
    np.testing.assert_allclose(seqrt.bf16_to_float32(np.asarray(views[0])),
                               np.load(DATA / "k_cache.npy"),
                               rtol=RTOL, atol=ATOL)
    # The host buffers are refreshed from the device copies on request.
    k, v = (seqrt.bf16_to_float32(np.asarray(s)) for s in session.states)
    np.testing.assert_allclose(k, np.load(DATA / "k_cache.npy"),
                               rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(v, np.load(DATA / "v_cache.npy"),
                               rtol=RTOL, atol=ATOL)
    # reset zeroes both copies: the same prompt gives the same logits.
    session.reset()
    np.testing.assert_allclose(session.prefill(prompt), logits[0])
    assert not seqrt.bf16_to_float32(np.asarray(session.states[0]))[
        0, 0, len(prompt):].any()


def test_session_runs_on_the_device(artifact):
    # A fault in a kernel is the GPU path's error: the session's calls run
    # the launch plans, not the CPU code.
    session = artifact.session()
    os.environ["FAKE_GPU_FAULT"] = "cache_write_bf16"
    try:
        with pytest.raises(seqrt.Error, match="cuda:sm_90a"):
            session.prefill([7, 42, 3, 88, 19])
    finally:
        del os.environ["FAKE_GPU_FAULT"]

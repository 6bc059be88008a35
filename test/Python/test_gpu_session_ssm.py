# RUN: %pytest %s
"""A seqrt session on an artifact loaded for a GPU keeps a recurrent
model's scan state on the device across calls (docs/design/GPU.md,
"Sessions on a GPU"; plan version 6: the scan writes its final state in
place). No GPU exists here: the fake CUDA driver (test/Unit/Runtime/Inputs)
runs host versions of the kernels (test/Tools/seqrun/Inputs/
fake_ssm_moe_kernels.c). The host buffer stays zero during the calls (the
state is not copied back per call); the logits of every call and the state
the session hands back after the last one match an independent NumPy
float64 session (test/Integration/GPU/gen/gen_gpu_session_ssm.py; f32
kernels: rtol 1e-4, atol 1e-4); test/Tools/seqrun/gpu-session-ssm.test
counts the copies."""

import os

import numpy as np
import pytest
import seqrt
from conftest import ROOT, fake_gpu_artifact

DATA = ROOT / "test" / "Integration" / "GPU" / "Inputs" / "gpu_session_ssm"
RTOL, ATOL = 1e-4, 1e-4


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    return fake_gpu_artifact(tmp_path_factory.mktemp("gpu"), DATA, "session_ssm.seqpkg")


def test_session_logits_and_state(artifact):
    prompt, tokens = [[int(t) for t in line.split()] for line in
                      (DATA / "greedy.txt").read_text().splitlines()]
    session = artifact.session()
    views = session.states
    logits = [session.prefill(prompt)]
    for token in tokens[:-1]:
        logits.append(session.decode(token))
    logits = np.stack(logits)
    np.testing.assert_allclose(logits, np.load(DATA / "logits.npy"),
                               rtol=RTOL, atol=ATOL)
    assert [int(np.argmax(row)) for row in logits] == tokens
    # Nothing copied back per call: the host buffer is still zeros.
    assert not np.asarray(views[0]).any()
    session.sync()
    np.testing.assert_allclose(np.asarray(views[0]),
                               np.load(DATA / "state.npy"),
                               rtol=RTOL, atol=ATOL)
    # reset zeroes both copies: the same prompt gives the same logits.
    session.reset()
    assert not np.asarray(session.states[0]).any()
    np.testing.assert_allclose(session.prefill(prompt), logits[0])


def test_session_runs_on_the_device(artifact):
    # A fault in the scan is the GPU path's error (it surfaces at the next
    # launch, which lists the scan): the session's calls run the launch
    # plans, not the CPU code.
    session = artifact.session()
    os.environ["FAKE_GPU_FAULT"] = "scan_f32_g16"
    try:
        with pytest.raises(seqrt.Error, match="cuLaunchKernel.*scan_f32_g16"):
            session.prefill([7, 42, 3, 11, 19])
    finally:
        del os.environ["FAKE_GPU_FAULT"]

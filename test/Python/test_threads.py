# RUN: %pytest %s
"""One artifact called from several Python threads at once (the GIL is
released while generated code runs) gives every thread correct results."""

import threading

import numpy as np

import seqrt
from conftest import INPUTS, golden

GREEDY = golden("hf_llama/greedy.npy").reshape(-1).tolist()


def run_threads(target, count):
    errors = []

    def guarded(i):
        try:
            target(i)
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(i,))
               for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_concurrent_calls(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    prompt = golden("hf_llama/prompt.npy")
    expected = golden("hf_llama/logits.npy")
    # Different inputs per thread: a thread reading another's results
    # would fail. Thread 1 runs a prefix of the prompt.
    prefix = prompt[:, :5]
    (prefix_logits,) = art.call("logits", prefix)
    results = {0: [], 1: []}
    barrier = threading.Barrier(2)

    def work(i):
        barrier.wait()
        for _ in range(20):
            (out,) = art.call("logits", prompt if i == 0 else prefix)
            results[i].append(out)

    run_threads(work, 2)
    for out in results[0]:
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    for out in results[1]:
        np.testing.assert_array_equal(out, prefix_logits)
        np.testing.assert_allclose(out, expected[:, :5], rtol=1e-4,
                                   atol=1e-4)


def test_concurrent_sessions(llama):
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    prompt = golden("hf_llama/prompt.npy")
    results = {}
    barrier = threading.Barrier(3)

    def work(i):
        barrier.wait()
        results[i] = [list(art.generate(prompt, 32)) for _ in range(3)]

    run_threads(work, 3)
    for runs in results.values():
        assert runs == [GREEDY] * 3


def test_one_session_shared_by_threads(llama):
    # A session serializes its own calls: two threads decoding on one
    # session never run at once (no corruption; positions add up).
    art = seqrt.load(llama).bind(INPUTS / "hf_llama")
    session = art.session()
    session.prefill(golden("hf_llama/prompt.npy"))
    start = session.position

    def work(i):
        for _ in range(10):
            session.decode(1)

    run_threads(work, 2)
    assert session.position == start + 20


def test_eight_threads_on_parallel_code(compiled):
    # Every tile loop an OpenMP region (parallel_min_work=0): eight threads
    # call one artifact at once, each forking its own regions hundreds of
    # times per call (libomp with seqrt's wait policy, runtime/lib/
    # Threads.h), each with a prompt of its own length.
    art = seqrt.load(compiled(INPUTS / "hf_llama", max_seq_len=64,
                              max_new_tokens=32, parallel_min_work=0)
                     ).bind(INPUTS / "hf_llama")
    prompt = golden("hf_llama/prompt.npy")
    expected = golden("hf_llama/logits.npy")
    lengths = [4 + i for i in range(8)]
    alone = {n: art.call("logits", prompt[:, :n])[0] for n in lengths}
    results = {i: [] for i in range(8)}
    barrier = threading.Barrier(8)

    def work(i):
        barrier.wait()
        for _ in range(10):
            (out,) = art.call("logits", prompt[:, :lengths[i]])
            results[i].append(out)

    run_threads(work, 8)
    for i, n in enumerate(lengths):
        assert len(results[i]) == 10
        for out in results[i]:
            np.testing.assert_array_equal(out, alone[n])
            np.testing.assert_allclose(out, expected[:, :n], rtol=1e-4,
                                       atol=1e-4)

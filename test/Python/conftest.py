"""Shared fixtures of the Python tests: the Integration/CPU inputs and
goldens (the same files the C++ execution tests use) and artifacts
compiled from them with seqc.compile, cached across the pytest processes
lit runs (keyed by the seqc executable, the source and the options)."""

import fcntl
import hashlib
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

import seqc

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ROOT / "test" / "Integration" / "CPU" / "Inputs"
MODELS = ROOT / "test" / "Integration" / "CPU"

def fake_gpu_artifact(tmp_dir, data, name):
    """The model `data`/model.mlir compiled for cuda:sm_90a and the CPU with
    the fake driver's host kernels as its GPU image, loaded (the fake CUDA
    device: no GPU here; test/Unit/Runtime/Inputs) and bound to
    `data`/weights.safetensors."""
    import seqrt
    fake = (Path(os.environ["SEQC_TEST_CACHE"]).parents[2] / "test" / "Unit"
            / "Runtime" / "Inputs")
    # Read when the artifact is loaded ("auto" picks the fake CUDA device).
    os.environ["SEQRT_CUDA_LIBRARY"] = str(fake / "libseqrt_fake_gpu_driver.so")
    os.environ["SEQRT_HIP_LIBRARY"] = "/nonexistent/libamdhip64.so"
    kernels = fake / "libseqrt_fake_gpu_model_kernels.so"
    out = Path(tmp_dir) / name
    subprocess.run([seqc.executable(), str(data / "model.mlir"),
                    "--target=cuda:sm_90a,cpu",
                    f"--gpu-image=cuda:sm_90a={kernels}",
                    f"--gpu-image=cuda:sm_90a.ptx={kernels}", "-o", str(out)],
                   check=True)
    art = seqrt.load(out)
    art.bind(data / "weights.safetensors")
    return art


def golden(name):
    """An input or golden array of Inputs/."""
    return np.load(INPUTS / name)


def _digest(source, options):
    h = hashlib.sha256()
    exe = Path(seqc.executable())
    stat = exe.stat()
    h.update(f"{exe}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    # The source and every file an option names (a draft model) are keyed
    # by content.
    roots = [source] + [Path(v) for v in options.values()
                        if isinstance(v, Path)]
    for root in roots:
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for f in files:
            if f.is_file():
                h.update(f.name.encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:24]


def _prune(cache):
    """Removes artifacts an older seqc built (never hit again: the key
    holds the executable's mtime)."""
    built = Path(seqc.executable()).stat().st_mtime
    for old in cache.glob("*.seqpkg"):
        try:
            if old.stat().st_mtime < built:
                old.unlink()
                Path(str(old) + ".lock").unlink(missing_ok=True)
        except OSError:
            pass  # another process pruned it first


@pytest.fixture(scope="session")
def compiled(tmp_path_factory):
    """compiled(source, **options) -> path of the artifact."""
    cache = Path(os.environ.get("SEQC_TEST_CACHE") or
                 tmp_path_factory.mktemp("cache"))
    cache.mkdir(parents=True, exist_ok=True)

    def compile_cached(source, **options):
        source = Path(source)
        out = cache / f"{source.stem}-{_digest(source, options)}.seqpkg"
        with open(str(out) + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not out.exists():
                tmp = Path(str(out) + ".tmp")
                seqc.compile(source, output=tmp, **options)
                os.replace(tmp, out)
                _prune(cache)
        return out

    return compile_cached


@pytest.fixture(scope="session")
def llama(compiled):
    """Inputs/hf_llama (tiny random-weight transformers llama), compiled
    as import/hf_llama.test compiles it."""
    return compiled(INPUTS / "hf_llama", max_seq_len=64, max_new_tokens=32)


def have_torch():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


requires_torch = pytest.mark.skipif(not have_torch(),
                                    reason="torch is not installed")

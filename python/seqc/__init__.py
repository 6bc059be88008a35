"""seqc: compile sequence models into ``.seqpkg`` artifacts from Python.

    import seqc, seqrt
    path = seqc.compile("model.mlir")                   # seq IR file
    path = seqc.compile(ir_text, output="m.seqpkg")     # seq IR as a string
    path = seqc.compile("SmolLM2.Q4_1.gguf", max_seq_len=1024)
    art = seqrt.load(path)

compile() runs the `seqc` driver this package installs (or the one of the
build tree) in a child process: a compiler failure, even an LLVM abort,
cannot take the interpreter down, and its located diagnostics come back as
a CompileError. See docs/Python.md for why it is not in-process.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import List, NamedTuple, Optional

__all__ = ["compile", "CompileError", "Diagnostic", "executable", "version"]

# seqc's own options (tools/seqc/seqc.cpp), by keyword. Values are passed
# as --name=value; True/False as --name=true/false.
_OPTIONS = {
    # checkpoint import
    "max_seq_len": "max-seq-len",
    "max_new_tokens": "max-new-tokens",
    "temperature": "temperature",
    "top_k": "top-k",
    "top_p": "top-p",
    "ignore_eos": "ignore-eos",
    "kv_cache_dtype": "kv-cache-dtype",
    "dtype": "dtype",
    # decoding entries built with the import
    "best_of": "best-of",
    "draft_model": "draft-model",
    "num_speculative_tokens": "num-speculative-tokens",
    "prompt_lookup": "prompt-lookup",
    "spec_tree": "spec-tree",
    "num_beams": "num-beams",
    "length_penalty": "length-penalty",
    "early_stopping": "early-stopping",
    # run-time checks
    "bounds_checks": "bounds-checks",
    "check_numerics": "check-numerics",
    "runtime_checks": "runtime-checks",
    # target
    "mtriple": "mtriple",
    "cpu": "cpu",
    "mattr": "mattr",
    "linker": "linker",
    "cuda_toolkit": "cuda-toolkit",
    "gpu_manifest": "gpu-manifest",
    # tiling and code generation
    "parallel": "parallel",
    "parallel_min_work": "parallel-min-work",
    "query_tile": "query-tile",
    "key_tile": "key-tile",
    "vector_width": "vector-width",
    "quant_activations": "quant-activations",
}

_EMIT_SUFFIX = {
    "seq": ".mlir", "seq-opt": ".mlir", "tiled": ".mlir",
    "llvm-mlir": ".mlir", "llvm": ".ll", "obj": ".o", "artifact": ".seqpkg",
}

_DIAGNOSTIC = re.compile(
    r"^(?P<file>.*?):(?P<line>\d+):(?P<column>\d+): "
    r"(?P<severity>error|warning|note|remark): (?P<message>.*)$")


class Diagnostic(NamedTuple):
    """One located compiler message (file is "<stdin>" for IR text)."""
    file: str
    line: int
    column: int
    severity: str
    message: str


class CompileError(Exception):
    """seqc failed. ``str(e)`` is its full output; ``diagnostics`` the
    located messages in it; ``returncode`` 1 for bad input or a failed
    compilation, 2 for a bad option."""

    def __init__(self, stderr: str, returncode: int):
        self.stderr = stderr
        self.returncode = returncode
        self.diagnostics: List[Diagnostic] = []
        for line in stderr.splitlines():
            m = _DIAGNOSTIC.match(line)
            if m:
                self.diagnostics.append(Diagnostic(
                    m["file"], int(m["line"]), int(m["column"]),
                    m["severity"], m["message"]))
        super().__init__(stderr.strip() or f"seqc exited with {returncode}")


def executable() -> str:
    """The seqc driver compile() runs: $SEQC_EXECUTABLE, the one installed
    with this package, the build tree's, or seqc on PATH."""
    candidates = [os.environ.get("SEQC_EXECUTABLE"),
                  str(Path(__file__).parent / "bin" / "seqc")]
    try:
        from . import _build_config  # only in a CMake build tree
        candidates.append(_build_config.SEQC_EXECUTABLE)
    except ImportError:
        pass
    candidates.append(shutil.which("seqc"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and \
                os.access(candidate, os.X_OK):
            return candidate
    raise FileNotFoundError("cannot find the seqc executable (install the "
                            "package, build the 'seqc' target, or set "
                            "SEQC_EXECUTABLE)")


def version() -> str:
    """`seqc --version`: seqc's and LLVM's versions and the targets."""
    return subprocess.run([executable(), "--version"], capture_output=True,
                          text=True, check=True).stdout


def _flag(name, value):
    if name not in _OPTIONS:
        raise TypeError(f"compile() got an unknown option '{name}' (seqc "
                        f"options: {', '.join(sorted(_OPTIONS))})")
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"--{_OPTIONS[name]}={value}"


def compile(source, target: str = "cpu", output=None, *,
            emit: str = "artifact", **options) -> Path:
    """Compiles `source` and returns the path of the result.

    `source` is a path (a seq IR file, a Hugging Face model directory or a
    GGUF file) or seq IR text (a str holding a newline or "{", or bytes).
    `output` defaults to a new temporary directory's <name>.seqpkg (the
    caller owns it). `emit` stops after a stage ("seq", "tiled", "llvm",
    ...: see `seqc --help`). Keyword options are seqc's (max_seq_len=,
    max_new_tokens=, temperature=, draft_model=, num_beams=, cpu=,
    parallel=, quant_activations=, bounds_checks=, ...: every option
    `seqc --help` lists, with - as _). Raises CompileError with seqc's
    located diagnostics on failure.
    """
    if emit not in _EMIT_SUFFIX:
        raise ValueError(f"emit must be one of {', '.join(_EMIT_SUFFIX)}")
    flags = [f"--target={target}", f"-emit={emit}"]
    flags += [_flag(k, v) for k, v in options.items()]

    text: Optional[bytes] = None
    if isinstance(source, bytes):
        text = source
    elif isinstance(source, str) and ("\n" in source or "{" in source):
        text = source.encode()
    else:
        path = Path(os.fspath(source))
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: '{path}'")
        name = path.stem if path.is_file() else path.name
    if text is not None:
        name = "model"

    if output is None:
        output = Path(tempfile.mkdtemp(prefix="seqc-")) / (
            name + _EMIT_SUFFIX[emit])
    output = Path(os.fspath(output))
    argv = [executable(), "-" if text is not None else str(path),
            "-o", str(output)] + flags
    result = subprocess.run(argv, input=text if text is not None else b"",
                            capture_output=True)
    if result.returncode != 0:
        raise CompileError(result.stderr.decode(errors="replace"),
                           result.returncode)
    return output

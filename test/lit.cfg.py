# -*- Python -*-
# lit configuration for the seqc regression tests.

import os
import sys

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SEQC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.seqc_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(
    ("%seqc_examples", os.path.join(config.seqc_src_root, "examples")))
config.substitutions.append(("%seqc_src_root", config.seqc_src_root))
config.substitutions.append(("%seqc_obj_root", config.seqc_obj_root))

# Real models fetched into the model cache (scripts/fetch-smollm2.sh):
# %seqc_model_cache is the cache and %smollm2_gguf the SmolLM2 Q4_1 file;
# tests of it declare `REQUIRES: smollm2-gguf`. SEQC_SMOLLM2_GGUF overrides
# the file's path.
model_cache = os.environ.get("SEQC_MODEL_CACHE") or os.path.join(
    os.path.expanduser("~"), ".cache", "seqc")
smollm2_gguf = os.environ.get("SEQC_SMOLLM2_GGUF") or os.path.join(
    model_cache, "SmolLM2-135M-Instruct.Q4_1.gguf")
config.substitutions.append(("%seqc_model_cache", model_cache))
config.substitutions.append(("%smollm2_gguf", smollm2_gguf))
if os.path.isfile(smollm2_gguf):
    config.available_features.add("smollm2-gguf")

# The host CPU has AVX512_BF16 (vdpbf16ps): tests that run the bf16
# dot-product kernels of host-compiled code check that they are there.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        if "avx512_bf16" in cpuinfo.read().split():
            config.available_features.add("host-avx512bf16")
except OSError:
    pass

# libFuzzer targets (SEQC_ENABLE_FUZZERS, on by default; built with clang in
# <build>/fuzz): tests of them declare `REQUIRES: fuzzers`, those of the
# compiler's targets (SEQC_FUZZ_COMPILER) `REQUIRES: fuzzers-compiler`;
# %fuzz_dir holds the binaries.
def cmake_on(value):
    return str(value).upper() in ("ON", "1", "TRUE", "YES")


if cmake_on(getattr(config, "seqc_fuzzers", "")):
    config.available_features.add("fuzzers")
    if cmake_on(getattr(config, "seqc_fuzz_compiler", "")):
        config.available_features.add("fuzzers-compiler")
config.substitutions.append(
    ("%fuzz_dir", os.path.join(getattr(config, "seqc_fuzz_binary_dir", "")
                               or config.seqc_obj_root, "test", "Fuzz")))

# Under SEQC_SANITIZE (README.md, "Sanitizers"), ASan's allocator returns
# null for a request it cannot serve, as malloc does, instead of aborting:
# tests of the out-of-memory reports (memory/alloc_failure.mlir) need that.
# Manual poisoning is off: LLVM's BumpPtrAllocator poisons the rest of its
# slabs where seqc's instrumented code inlines it, not in Debian's
# uninstrumented MLIR, whose allocations from the same slab would then look
# poisoned. A report stops the tool with a non-zero status
# (-fno-sanitize-recover).
if getattr(config, "seqc_sanitize", ""):
    config.available_features.add("sanitize")
    asan = os.environ.get("ASAN_OPTIONS", "")
    config.environment["ASAN_OPTIONS"] = ":".join(
        o for o in ("allocator_may_return_null=1:allow_user_poisoning=0", asan)
        if o)
    config.environment["UBSAN_OPTIONS"] = ":".join(
        o for o in ("print_stacktrace=1", os.environ.get("UBSAN_OPTIONS", ""))
        if o)

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
# SEQC_OPTIONS adds seqc options to every compile of the run, e.g.
# SEQC_OPTIONS=--bounds-checks for the execution tests under the checks.
llvm_config.with_system_environment(["SEQC_OPTIONS"])
llvm_config.use_default_substitutions()

tool_dirs = [config.seqc_tools_dir, config.llvm_tools_dir]
tools = ["seqc-opt", "seqc", "seqrun", ToolSubst("FileCheck", unresolved="fatal"),
         "not", "count", "split-file", "llvm-readobj", "llvm-objdump",
         "llvm-readelf", "seq-gpu-emu", "seq-gpu-run"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# %pynumpy: the Python that CMake found (the one setup.sh installed NumPy
# into), for checks written in Python; lit's own interpreter may lack NumPy.
config.substitutions.append(
    ("%pynumpy", "env PYTHONDONTWRITEBYTECODE=1 " +
     (getattr(config, "seqc_python_executable", "")
      or getattr(config, "seqc_script_python", "") or sys.executable)))

# Op families the CPU backend lowers. Execution tests of a family declare
# `REQUIRES: cpu-lowering-<family>`; a family joins this list when its
# lowering lands, so no test of an unlowered family runs as a failure.
config.available_features.update(
    "cpu-lowering-" + family
    for family in ["attention", "kvcache", "model", "scan", "decode", "moe",
                   "quant"])

# The CUDA toolkit's ptxas, found as seqc finds it (CUDA_HOME, CUDA_PATH,
# CUDA_ROOT, PATH, /usr/local/cuda): %ptxas. When there is none, %ptxas
# is a command that fails saying so (a test that needs it fails, never
# skips).
def find_ptxas():
    import shutil
    for var in ("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"):
        root = os.environ.get(var)
        if root and os.path.isfile(os.path.join(root, "bin", "ptxas")):
            return os.path.join(root, "bin", "ptxas")
    on_path = shutil.which("ptxas")
    if on_path:
        return on_path
    default = os.path.join("/usr/local/cuda", "bin", "ptxas")
    return default if os.path.isfile(default) else None


ptxas = find_ptxas()
config.substitutions.append(
    ("%ptxas", ptxas if ptxas else
     "sh -c 'echo no CUDA toolkit with bin/ptxas found >&2; exit 1' --"))

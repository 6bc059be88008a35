"""Golden data for test/Integration/GPU/quant_linear_*.mlir: the GPU kernels
of seq.quantized_linear (q8_0, q4_0, q4_1, q4_k, q6_k) in their decode and
prefill forms, emulated.

    python3 test/Integration/GPU/gen/gen_quant_gpu.py

Needs only numpy and gguf (gguf-py, the GGUF package of llama.cpp; 0.19.0
was used). The independent reference is gguf-py: weights are drawn in
float32 with scale 1 / sqrt(K), packed with gguf.quants.quantize (exactly
ggml's byte layout), and the expected output is gguf.quants.dequantize of
those bytes, then a float64 matmul with the float32 inputs (plus bias),
stored as float32. gguf-py cannot quantize the K-quants (q4_k, q6_k), so
their super-blocks are random fields in ggml's layout, built by
test/Integration/CPU/gen/gen_quant.py's pack_k (random 6-bit scales and
mins, quants and f16 d/dmin); the reference is still gguf-py's
dequantize of those bytes. Each case writes ../Inputs/quant_gpu_<case>/:

  x.npy    float32 [T, K] (or [1, T, K])
  w.npy    int8 [N, K / 32 * blockBytes], the packed rows
  b.npy    float32 [N] (cases with bias)
  out.npy  float32 [T, N]

Shapes: T = 1 and 3 take the decode form (K = 1120 = 35 blocks: the 32
lanes of a warp take the blocks in strides, 3 lanes take two; N = 9 leaves
a block of 4 warps with 3 idle), T = 64 the prefill form (K = 96 or 160:
three or five 32-deep steps, not a multiple of a 64-deep tile; N = 40 not
a multiple of the 32-wide tile). K-quants: T = 1 (K = 768, three
super-blocks) and 3 (K = 512) decode, T = 64 prefill (K = 512: 16
32-deep steps over two super-blocks, every sub-block of both).

Tolerances (the tests pass them to seq-gpu-emu): decode rtol 1e-5, atol
1e-4 (f32 dequantization and accumulation); prefill rtol 5e-3, atol 5e-3:
its tiles hold f16 (the input and the dequantized weights rounded to f16,
f32 accumulation). The script checks each tolerance against a float64
emulation of that rounding (inputs and weights rounded to float16 first):
it must use under a third of it.

Inputs are drawn from a NumPy generator seeded by the case name, so
regeneration is deterministic.
"""

import shutil
import zlib
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as QT
from gguf.quants import dequantize, quantize

import importlib.util

_CPU_GEN = Path(__file__).resolve().parents[2] / "CPU" / "gen" / "gen_quant.py"
_spec = importlib.util.spec_from_file_location("gen_quant_cpu", _CPU_GEN)
_cpu = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cpu)
pack_k = _cpu.pack_k

INPUTS_DIR = Path(__file__).resolve().parent.parent / "Inputs"
FORMATS = {"q8_0": QT.Q8_0, "q4_0": QT.Q4_0, "q4_1": QT.Q4_1,
           "q4_k": QT.Q4_K, "q6_k": QT.Q6_K}
TOLERANCE = {"decode": (1e-5, 1e-4), "prefill": (5e-3, 5e-3)}

# name: (format, x shape, N, bias, form)
CASES = {
    "q8_0_t1": ("q8_0", (1, 1120), 9, True, "decode"),
    "q8_0_t3": ("q8_0", (1, 3, 1120), 9, False, "decode"),
    "q8_0_t64": ("q8_0", (64, 96), 40, True, "prefill"),
    "q4_0_t1": ("q4_0", (1, 1120), 9, False, "decode"),
    "q4_0_t3": ("q4_0", (1, 3, 1120), 9, True, "decode"),
    "q4_0_t64": ("q4_0", (64, 160), 40, False, "prefill"),
    "q4_1_t1": ("q4_1", (1, 1120), 9, True, "decode"),
    "q4_1_t3": ("q4_1", (1, 3, 1120), 9, False, "decode"),
    "q4_1_t64": ("q4_1", (64, 96), 40, True, "prefill"),
    "q4_k_t1": ("q4_k", (1, 768), 9, True, "decode"),
    "q4_k_t3": ("q4_k", (1, 3, 512), 9, False, "decode"),
    "q4_k_t64": ("q4_k", (64, 512), 40, True, "prefill"),
    "q6_k_t1": ("q6_k", (1, 768), 9, False, "decode"),
    "q6_k_t3": ("q6_k", (1, 3, 512), 9, True, "decode"),
    "q6_k_t64": ("q6_k", (64, 512), 40, False, "prefill"),
}


def rng_for(case):
    return np.random.default_rng(zlib.crc32(case.encode()))


def case(name, fmt, shape, n, bias, form):
    rng = rng_for(name)
    k = shape[-1]
    if fmt in ("q4_k", "q6_k"):
        packed = pack_k(rng, fmt, n, k)
    else:
        w = (rng.standard_normal((n, k)) / np.sqrt(k)).astype(np.float32)
        packed = np.ascontiguousarray(quantize(w, FORMATS[fmt])).view(np.uint8)
        packed = packed.reshape(n, -1)
    deq = dequantize(packed, FORMATS[fmt]).astype(np.float64)
    assert deq.shape == (n, k)
    x = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32) if bias else None
    rows = x.reshape(-1, k).astype(np.float64)
    out = rows @ deq.T
    if bias:
        out += b
    rtol, atol = TOLERANCE[form]
    if form == "prefill":
        half = (rows.astype(np.float16).astype(np.float64) @
                deq.astype(np.float16).astype(np.float64).T)
        if bias:
            half += b
        ratio = float(np.max(np.abs(half - out) / (atol + rtol * np.abs(out))))
        assert ratio < 1 / 3, f"{name}: f16 tiles use {ratio:.2f} of the tolerance"
    d = INPUTS_DIR / f"quant_gpu_{name}"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    np.save(d / "x.npy", x, allow_pickle=False)
    np.save(d / "w.npy", np.ascontiguousarray(packed.view(np.int8)),
            allow_pickle=False)
    if bias:
        np.save(d / "b.npy", b, allow_pickle=False)
    np.save(d / "out.npy", out.astype(np.float32), allow_pickle=False)


def main(only=None):
    for name, spec in CASES.items():
        if only is None or name.startswith(only):
            case(name, *spec)


if __name__ == "__main__":
    import sys
    main(sys.argv[1] if len(sys.argv) > 1 else None)

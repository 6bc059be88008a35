"""Golden data for test/Integration/CPU/quant/*.mlir: seq.quantized_linear
and seq.quantized_embedding over GGUF block-quantized weights.

    python3 test/Integration/CPU/gen/gen_quant.py

Needs only numpy, safetensors and gguf (gguf-py, the GGUF package of
llama.cpp; 0.19.0 was used). The independent reference is gguf-py: weights
are drawn in float32, packed with gguf.quants.quantize (exactly ggml's
byte layout), and the expected results are gguf.quants.dequantize of those
bytes, then (for linear layers) a float64 matmul with the float32 inputs
plus bias.

gguf-py 0.19.0 does not implement quantization for the K-quants (q4_k,
q6_k; quantize raises NotImplementedError), so their blocks are built here
from random fields following ggml's layout (block_q4_K: f16 d, dmin; 12
bytes of packed 6-bit scales and mins; 128 bytes of nibbles. block_q6_K:
128 bytes ql, 64 bytes qh, 16 int8 scales, f16 d): random quants and
scale bytes, positive f16 super-block scales of size ~1 / sqrt(K) per
element. The reference is still gguf.quants.dequantize of those bytes.

Half-precision weights (f16, bf16: "blocks" of one 2-byte value) are
converted with gguf.quants.quantize too (a float16 cast; bf16 rounds to
nearest even), stored as the raw bytes [N, 2K] and referenced as
gguf.quants.dequantize of those bytes, the exact f16/bf16 values. Each case
writes Inputs/quant_<case>/:

  weights.gguf          packed weights with their ggml type (+ F32 bias)
  x.npy / ids.npy       the entry input (float32 / int32)
  ids_out_of_range.npy  ids with one id == V (embedding_q4_1)
  out.npy, ...          golden results (float32)

Tolerances (the tests pass them to seqrun): linear layers rtol 1e-5 and
atol 1e-4 * max(1, K / 576) (the kernels accumulate K products in f32;
outputs are O(1) because weights are drawn with scale 1 / sqrt(K));
embeddings exact (d * q is exact in f32 and + m rounds once, as in
gguf-py) for the 32-element formats and f16 (widening is exact); K-quant embeddings rtol 1e-6 and atol
1e-7 (the sub-block scale d * sc, its product with q and the min term
round, and the kernel may contract them into an fma). Every case reruns the reference in float32 (dequantize, f32
matmul) and asserts that it stays within 10% of its tolerance.

The q8_0, q4_0 and q4_1 projections also have goldens for seqc's int8
activations (`seqc --quant-activations=int8`): out_int8.npy (q_int8.npy,
k_int8.npy, logits_int8.npy) is the same float64 matmul with every
32-element block of the activation row replaced by d * q, where q is
gguf.quants.quantize(..., Q8_0)'s 8-bit values (ggml's quantize_row_q8_0,
bit for bit) and d = max|x| / 127 in float32 (seqc keeps d in f32 where
ggml rounds it to f16). With the input given exactly the kernel must land
on the same q, so the tolerance is the f32 one. After an rms_norm (the
kernel normalises in f32) a value within an ulp of a rounding boundary may
take the neighbouring level: rms_norm_q4_1's int8 tolerance adds two
such steps, 2 * max(d) * max|w|.

Inputs are drawn from a NumPy generator seeded by the case name, so
regeneration is deterministic.
"""

import shutil
import zlib
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as QT
from gguf.quants import dequantize, quantize
import gguf

INPUTS_DIR = Path(__file__).resolve().parent.parent / "Inputs"
FORMATS = {"q8_0": QT.Q8_0, "q4_0": QT.Q4_0, "q4_1": QT.Q4_1,
           "q4_k": QT.Q4_K, "q6_k": QT.Q6_K, "f16": QT.F16,
           "bf16": QT.BF16}
QK_K = 256


def rng_for(case):
    return np.random.default_rng(zlib.crc32(case.encode()))


def f16_bytes(values):
    """float16 little-endian bytes [..., 2] of `values`."""
    return values.astype("<f2").view(np.uint8).reshape(values.shape + (2,))


def pack_k(rng, fmt, n, k):
    """Random K-quant super-blocks for an [n, k] matrix, built field by field
    in ggml's layout: uint8 [n, k / 256 * bytes]."""
    assert k % QK_K == 0, f"K = {k} is not a multiple of {QK_K}"
    nb = n * (k // QK_K)
    if fmt == "q4_k":
        # d * sc * q - dmin * m with sc, m < 64 and q < 16.
        d = rng.uniform(0.5, 1.0, nb) * 4.0 / (63 * 15 * np.sqrt(k))
        dmin = rng.uniform(0.5, 1.0, nb) * 2.0 / (63 * np.sqrt(k))
        scales = rng.integers(0, 256, (nb, 12), dtype=np.uint8)
        qs = rng.integers(0, 256, (nb, QK_K // 2), dtype=np.uint8)
        blocks = np.concatenate([f16_bytes(d), f16_bytes(dmin), scales, qs],
                                axis=1)
    else:
        # d * scales[j / 16] * (q - 32) with int8 scales and q < 64.
        ql = rng.integers(0, 256, (nb, QK_K // 2), dtype=np.uint8)
        qh = rng.integers(0, 256, (nb, QK_K // 4), dtype=np.uint8)
        sc = rng.integers(-128, 128, (nb, QK_K // 16)).astype(np.int8)
        d = rng.uniform(0.5, 1.0, nb) * 4.0 / (128 * 32 * np.sqrt(k))
        blocks = np.concatenate([ql, qh, sc.view(np.uint8), f16_bytes(d)],
                                axis=1)
    assert blocks.shape[1] == {"q4_k": 144, "q6_k": 210}[fmt]
    return np.ascontiguousarray(blocks.reshape(n, -1))


def pack(rng, fmt, n, k):
    """Random [n, k] weights packed as fmt: (packed i8 [n, RB], dequantized
    float32 [n, k])."""
    if fmt in ("q4_k", "q6_k"):
        packed = pack_k(rng, fmt, n, k)
    else:
        w = (rng.standard_normal((n, k)) / np.sqrt(k)).astype(np.float32)
        packed = quantize(w, FORMATS[fmt])              # uint8 [n, RB]
        # f16 comes back as float16 [n, k]: its bytes are the packed rows.
        packed = np.ascontiguousarray(packed).view(np.uint8).reshape(n, -1)
    deq = dequantize(packed, FORMATS[fmt]).astype(np.float32)
    assert deq.shape == (n, k)
    return np.ascontiguousarray(packed.view(np.int8)), deq


INT8_FORMATS = ("q8_0", "q4_0", "q4_1")


def int8_activations(x):
    """x ([..., K], K % 32 == 0) with every 32-element block rounded as
    seqc's int8 activations: d * q in float64 (q from gguf-py's Q8_0
    quantization, d = max|x| / 127 in float32)."""
    blocks = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, 32)
    packed = quantize(blocks, QT.Q8_0).reshape(-1, 34)  # f16 d, 32 x int8
    q = packed[:, 2:].view(np.int8).astype(np.float64)
    d = np.abs(blocks).max(axis=1, keepdims=True) / np.float32(127)
    assert d.dtype == np.float32
    return (q * d.astype(np.float64)).reshape(x.shape)


def int8_step(x):
    """The largest level step d of x's int8 blocks."""
    blocks = np.asarray(x, dtype=np.float32).reshape(-1, 32)
    return float(np.abs(blocks).max() / 127)


def linear_tolerance(k):
    return 1e-5, 1e-4 * max(1.0, k / 576)


def check_f32(name, want, got32, rtol, atol):
    diff = np.abs(got32.astype(np.float64) - want.astype(np.float64))
    ratio = float(np.max(diff / (atol + rtol * np.abs(want))))
    assert ratio < 0.1, f"{name}: f32 emulation uses {ratio:.2f} of the tolerance"
    return ratio


def write(name, tensors, arrays):
    d = INPUTS_DIR / f"quant_{name}"
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    # A GGUF file, the only format packed blocks bind from: each packed
    # tensor with its ggml type, float tensors as F32.
    writer = gguf.GGUFWriter(str(d / "weights.gguf"), "seqc-test")
    for key, value in tensors.items():
        if isinstance(value, tuple):
            packed, fmt = value
            writer.add_tensor(key, packed.view(np.uint8),
                              raw_dtype=FORMATS[fmt])
        else:
            writer.add_tensor(key, value)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    for stem, arr in arrays.items():
        np.save(d / f"{stem}.npy", arr, allow_pickle=False)
    return d


def linear_case(name, fmt, shape, n, bias):
    """x of `shape` ([..., K]) times the packed [n, K] weight (+ bias)."""
    rng = rng_for(name)
    k = shape[-1]
    packed, deq = pack(rng, fmt, n, k)
    x = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32) if bias else None
    out = x.astype(np.float64) @ deq.astype(np.float64).T
    out32 = x @ deq.T
    if bias:
        out += b
        out32 += b
    tensors = {"w": (packed, fmt)}
    if bias:
        tensors["b"] = b
    rtol, atol = linear_tolerance(k)
    ratio = check_f32(name, out, out32, rtol, atol)
    arrays = {"x": x, "out": out.astype(np.float32)}
    if fmt in INT8_FORMATS:
        xq = int8_activations(x)
        out8 = xq @ deq.astype(np.float64).T
        out8_32 = xq.astype(np.float32) @ deq.T
        if bias:
            out8 += b
            out8_32 += b
        ratio = max(ratio, check_f32(name, out8, out8_32, rtol, atol))
        arrays["out_int8"] = out8.astype(np.float32)
    write(name, tensors, arrays)
    return ratio


def tied_head_case(name, fmt, vocab, k, ids_shape):
    """Embedding lookup then the tied LM head over the same packed table:
    returns (embeddings, logits of those embeddings)."""
    rng = rng_for(name)
    packed, deq = pack(rng, fmt, vocab, k)
    ids = rng.integers(0, vocab, ids_shape).astype(np.int32)
    flat = ids.reshape(-1)
    flat[0], flat[-1] = 0, vocab - 1                   # first and last row
    emb = deq[ids]                                     # exact float32 values
    logits = emb.astype(np.float64) @ deq.astype(np.float64).T
    rtol, atol = linear_tolerance(k)
    ratio = check_f32(name, logits, emb @ deq.T, rtol, atol)
    logits8 = int8_activations(emb) @ deq.astype(np.float64).T
    ratio = max(ratio, check_f32(name, logits8,
                                 int8_activations(emb).astype(np.float32)
                                 @ deq.T, rtol, atol))
    write(name, {"embd": (packed, fmt)},
          {"ids": ids, "emb": emb, "logits": logits.astype(np.float32),
           "logits_int8": logits8.astype(np.float32)})
    return ratio


def rms_norm_case(name, fmt, shape, n, eps):
    """Two projections (q4_1 and, of the same normalised rows, q8_0) of
    rms_norm(x) * g, the Llama/SmolLM2 attention input."""
    rng = rng_for(name)
    k = shape[-1]
    wq, dq = pack(rng, fmt, n, k)
    wk, dk = pack(rng, "q8_0", n, k)
    x = (rng.standard_normal(shape) * 2.0).astype(np.float32)
    g = rng.uniform(0.5, 1.5, k).astype(np.float32)
    x64 = x.astype(np.float64)
    h = x64 / np.sqrt((x64 * x64).mean(-1, keepdims=True) + eps) * g
    outs = {}
    rtol, atol = linear_tolerance(k)
    ratio = 0.0
    for stem, deq in (("q", dq), ("k", dk)):
        out = h @ deq.astype(np.float64).T
        h32 = (x / np.sqrt((x * x).mean(-1, keepdims=True) + np.float32(eps))
               * g).astype(np.float32)
        ratio = max(ratio, check_f32(name, out, h32 @ deq.T, rtol, atol))
        outs[stem] = out.astype(np.float32)
        out8 = int8_activations(h) @ deq.astype(np.float64).T
        # The int8 tolerance: two level steps of the largest block.
        atol8 = atol + 2 * int8_step(h) * float(np.abs(deq).max())
        print(f"  {name} {stem}_int8: atol {atol8:.2e}")
        diff = np.abs(int8_activations(h32) @ deq.astype(np.float64).T - out8)
        assert float(diff.max()) < 0.5 * atol8, float(diff.max())
        outs[stem + "_int8"] = out8.astype(np.float32)
    write(name, {"wq": (wq, fmt), "wk": (wk, "q8_0"), "g": g}, {"x": x, **outs})
    return ratio


def embedding_case(name, fmt, vocab, k, ids_shape, out_of_range=False):
    """Rows of the packed [vocab, k] table; with out_of_range also an ids
    file holding the id `vocab` (a run-time error)."""
    rng = rng_for(name)
    packed, deq = pack(rng, fmt, vocab, k)
    ids = rng.integers(0, vocab, ids_shape).astype(np.int32)
    flat = ids.reshape(-1)
    flat[0], flat[-1] = vocab - 1, 0
    arrays = {"ids": ids, "out": deq[ids]}
    if out_of_range:
        bad = ids.copy()
        bad.reshape(-1)[1] = vocab
        arrays["ids_out_of_range"] = bad
    write(name, {"table": (packed, fmt)}, arrays)


def main():
    cases = [
        # Decode GEMV rows (T = 1), prefill (T = 7, T = 64), K in
        # {32, 96, 576, 1536}, odd N.
        lambda: linear_case("linear_q4_1_decode", "q4_1", (1, 1, 576), 577, True),
        lambda: linear_case("linear_q8_0_decode", "q8_0", (1, 576), 49, False),
        lambda: linear_case("linear_q4_0_decode", "q4_0", (1, 1536), 49, True),
        lambda: linear_case("linear_q4_1_t7_k1536", "q4_1", (1, 7, 1536), 49, False),
        lambda: linear_case("linear_q4_0_t7_k96", "q4_0", (7, 96), 577, True),
        lambda: linear_case("linear_q8_0_t7_k32", "q8_0", (1, 7, 32), 577, True),
        lambda: linear_case("linear_q4_1_t64_k576", "q4_1", (64, 576), 49, True),
        lambda: linear_case("linear_q8_0_t64_k96", "q8_0", (2, 32, 96), 49, False),
        lambda: linear_case("linear_q4_0_t64_k32", "q4_0", (64, 32), 577, False),
        lambda: rms_norm_case("rms_norm_q4_1", "q4_1", (1, 7, 576), 49, 1e-5),
        lambda: tied_head_case("tied_head_q8_0", "q8_0", 577, 96, (1, 7)),
        lambda: embedding_case("embedding_q4_0", "q4_0", 49, 96, (2, 5)),
        lambda: embedding_case("embedding_q4_1", "q4_1", 49, 576, (3,), True),
        # K-quants (256-element super-blocks): T = 1 and T = 7, K in
        # {256, 768}, odd N, with and without bias.
        lambda: linear_case("linear_q4_k_decode", "q4_k", (1, 768), 49, True),
        lambda: linear_case("linear_q4_k_t7_k256", "q4_k", (1, 7, 256), 577, False),
        lambda: linear_case("linear_q4_k_t7_k768", "q4_k", (7, 768), 49, True),
        lambda: linear_case("linear_q6_k_decode", "q6_k", (1, 1, 256), 577, False),
        lambda: linear_case("linear_q6_k_t7_k768", "q6_k", (1, 7, 768), 49, True),
        lambda: linear_case("linear_q6_k_t7_k256", "q6_k", (7, 256), 49, False),
        lambda: embedding_case("embedding_q4_k", "q4_k", 49, 512, (2, 3)),
        lambda: embedding_case("embedding_q6_k", "q6_k", 49, 512, (5,)),
        # Half-precision weights (one 2-byte value per "block"): T = 1 and
        # T = 7, K = 96, odd N, with bias.
        lambda: linear_case("linear_f16_decode", "f16", (1, 96), 49, True),
        lambda: linear_case("linear_f16_t7_k96", "f16", (1, 7, 96), 97, True),
        lambda: linear_case("linear_bf16_decode", "bf16", (1, 1, 96), 51, True),
        lambda: linear_case("linear_bf16_t7_k96", "bf16", (7, 96), 49, True),
        lambda: embedding_case("embedding_f16", "f16", 49, 96, (2, 3)),
    ]
    for case in cases:
        ratio = case()
        if ratio is not None:
            print(f"  f32 emulation: {ratio:.4f} of the tolerance")
    size = sum(p.stat().st_size for p in INPUTS_DIR.glob("quant_*/*"))
    print(f"Inputs/quant_*: {size / 1024:.1f} KiB")
    assert size < 2048 * 1024


if __name__ == "__main__":
    main()

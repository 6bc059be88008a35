"""Golden data for test/Integration/GPU/quant_embedding.mlir: the GPU
kernel of seq.quantized_embedding (q8_0, q4_0, q4_1, q4_k, q6_k),
emulated.

    python3 test/Integration/GPU/gen/gen_quant_embedding_gpu.py

Needs only numpy and gguf (gguf-py, llama.cpp's GGUF package; 0.19.0 was
used). The reference is gguf-py's dequantize of the packed rows, gathered
by id, independent of seqc. Two sources of tables:

* the CPU embedding tests' tables (test/Integration/CPU/Inputs/
  quant_embedding_{q4_0,q4_1,q4_k,q6_k}/weights.gguf, written by
  CPU/gen/gen_quant.py; the K-quants are random super-blocks, as gguf-py
  cannot quantize them), read back with gguf.GGUFReader: the GPU kernel
  gets the same bytes and ids as the CPU path, and the script asserts
  that gguf-py's rows equal the CPU test's expected output (the CPU path's
  golden), so the GPU and CPU tests check one answer;
* a q8_0 table (the SmolLM2 GGUF token embedding's format) of 40 rows of
  2112 elements (66 blocks, 264 runs of 8 per row: more than a block's
  threads on CUDA, 128, and HIP, 256), weights drawn in float32 and
  quantized by gguf.quants.quantize; its ids include the first and last
  rows and a repeat, and a second ids file holds -1 and 40 (out of range:
  zero rows and status 1, SEQRT_CODE_INDEX_OUT_OF_RANGE).

Each case writes Inputs/quant_embedding_gpu/<case>_{table,ids,out}.npy:
table int8 [V, RB] (the packed rows), ids int32 [N] (flattened), out
float32 [N, D]; plus status_zero.npy and status_index.npy (int32 [1]).

Tolerance: exact (rtol 0, atol 0) for the 32-element formats (d * q is
exact in f32, q4_1's + m rounds once, as in gguf-py); rtol 1e-6, atol 1e-6
for the K-quants (q6_k's (d * scale) * q may round where gguf-py's does
not agree on the order of the f32 products), the CPU tests' tolerance.
"""

import zlib
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as QT
from gguf import GGUFReader
from gguf.quants import dequantize, quantize

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "Inputs" / "quant_embedding_gpu"
CPU = HERE.parents[1] / "CPU" / "Inputs"
FORMATS = {"q8_0": QT.Q8_0, "q4_0": QT.Q4_0, "q4_1": QT.Q4_1,
           "q4_k": QT.Q4_K, "q6_k": QT.Q6_K}


def save(name, array):
    np.save(OUT / f"{name}.npy", np.ascontiguousarray(array),
            allow_pickle=False)


def from_cpu(fmt):
    d = CPU / f"quant_embedding_{fmt}"
    tensor = GGUFReader(d / "weights.gguf").tensors[0]
    packed = np.asarray(tensor.data, dtype=np.uint8)
    ids = np.load(d / "ids.npy").reshape(-1).astype(np.int32)
    rows = dequantize(packed, FORMATS[fmt]).astype(np.float32)[ids]
    cpu = np.load(d / "out.npy").reshape(rows.shape)
    assert np.array_equal(rows, cpu), f"{fmt}: gguf-py disagrees with the CPU golden"
    save(f"{fmt}_table", packed.view(np.int8))
    save(f"{fmt}_ids", ids)
    save(f"{fmt}_out", rows)
    return packed.shape, ids.shape


def q8_0_case():
    rng = np.random.default_rng(zlib.crc32(b"quant_embedding_gpu_q8_0"))
    vocab, width = 40, 2112
    w = rng.standard_normal((vocab, width)).astype(np.float32)
    packed = np.ascontiguousarray(quantize(w, QT.Q8_0)).view(np.uint8)
    packed = packed.reshape(vocab, -1)
    deq = dequantize(packed, QT.Q8_0).astype(np.float32)
    ids = np.array([vocab - 1, 0, 17, 3, 17, 25, 38], dtype=np.int32)
    save("q8_0_table", packed.view(np.int8))
    save("q8_0_ids", ids)
    save("q8_0_out", deq[ids])
    bad = np.array([5, -1, vocab, 0], dtype=np.int32)
    out = deq[np.clip(bad, 0, vocab - 1)]
    out[(bad < 0) | (bad >= vocab)] = 0
    save("q8_0_ids_bad", bad)
    save("q8_0_out_bad", out)
    return packed.shape, ids.shape


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    print("q8_0", q8_0_case())
    for fmt in ("q4_0", "q4_1", "q4_k", "q6_k"):
        print(fmt, from_cpu(fmt))
    save("status_zero", np.zeros(1, np.int32))
    save("status_index", np.ones(1, np.int32))


if __name__ == "__main__":
    main()

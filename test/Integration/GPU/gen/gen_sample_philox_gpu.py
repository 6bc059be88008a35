"""Golden data for the GPU sampling kernel's emulated tests
(test/Integration/GPU/sample_topk_topp.mlir, sample_cpu_match.test):
logits of vocabularies that are not powers of two (1000, 3000, 49152), the
Philox key/counter words the kernel takes (seed low, seed high, counter
low, counter high as int32), and the tokens of an independent NumPy
implementation of the #seq.sampling definition: Philox-4x32-10 and the
selection rule of test/Integration/CPU/gen/gen_decode.py (float64, data
redrawn until no decision is within 1e-4 of a boundary, so summation order
cannot flip a token). Seeds and counters use both 32-bit halves, with the
high bit of the low words set. NumPy only; deterministic: run from this
folder to rewrite ../Inputs/sample_gpu/."""

import importlib.util
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location(
    "gen_decode", HERE.parent.parent / "CPU" / "gen" / "gen_decode.py")
gen_decode = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen_decode)

FOLDER = HERE.parent / "Inputs" / "sample_gpu"
# (seed, counter): the seeds stay below 2^63 (seqrun reads signed i64).
DRAWS = {
    "a": (0x5EADBEEFCAFEF00D, 5),
    "b": (7, 0),
    "c": (0x0123456789ABCDEF, (1 << 32) + 3),
    "d": (0x7FFFFFFF80000001, 0xFFFFFFFF),
}


def words(seed, counter):
    return np.array([seed & 0xFFFFFFFF, seed >> 32, counter & 0xFFFFFFFF,
                     counter >> 32], dtype=np.uint32).view(np.int32)


def case(name, shape, scale, temperature, top_k, top_p, draws, rng_seed):
    rng = np.random.default_rng(rng_seed)
    while True:
        logits = (rng.standard_normal(shape) * scale).astype(np.float32)
        try:
            tokens = {
                d: np.array([gen_decode.sample_row(
                    logits[r], *DRAWS[d], r, temperature, top_k, top_p)
                    for r in range(shape[0])], dtype=np.int32)
                for d in draws}
            break
        except gen_decode.Ambiguous:
            continue
    folder = FOLDER / name
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "logits.npy", logits)
    for d, t in tokens.items():
        np.save(folder / f"tokens_{d}.npy", t)
    print(name, {d: t.tolist() for d, t in tokens.items()})


FOLDER.mkdir(parents=True, exist_ok=True)
for d, (seed, counter) in DRAWS.items():
    np.save(FOLDER / f"philox_{d}.npy", words(seed, counter))
# temperature 0.7, top-k 40, top-p 0.9 (the candidates fit workgroup memory)
case("v1000", (8, 1000), 1.0, 0.7, 40, 0.9, "abcd", 1)
case("v49152", (1, 49152), 1.0, 0.7, 40, 0.9, "ac", 2)
# top-p without top-k over 3000 candidates (the kernel's whole-row path):
# with ~2000 kept tokens a 1e-4 band hits a boundary in most draws; 1e-5
# is still ~10x the f32 error of the sums.
gen_decode.near = lambda a, b: abs(a - b) <= 1e-5 * max(abs(a), abs(b), 1e-30)
case("v3000_topp", (2, 3000), 1.0, 0.7, 0, 0.9, "b", 3)

# The CPU test's NaN logits ([2, 5], row 1 has a NaN): row 0 draws with
# top-k 40 > V, which keeps every token (the bisection finds no t with 40
# tokens at or above it: floor 0), row 1 gets -1 (kInvalidLogits).
nan = np.load(HERE.parent.parent / "CPU" / "Inputs" / "sample_invalid" /
              "nan.npy")
np.save(FOLDER / "nan_tokens.npy", np.array(
    [gen_decode.sample_row(nan[0], *DRAWS["a"], 0, 0.7, 0, 0.9), -1],
    dtype=np.int32))

# Logits for the CPU-artifact comparison (sample_cpu_match.test, no golden
# tokens: the CPU artifact is the reference): 16 rows of V = 300, flat,
# normal, peaked, and quantized to halves (many equal probabilities: ties
# at the top-k and top-p thresholds).
rng = np.random.default_rng(4)
x = rng.standard_normal((16, 300))
x[0:4] *= 0.3
x[8:12] *= 4.0
x[12:16] = np.round(x[12:16] * 4.0) / 2.0
(FOLDER / "match").mkdir(parents=True, exist_ok=True)
np.save(FOLDER / "match" / "logits.npy", x.astype(np.float32))

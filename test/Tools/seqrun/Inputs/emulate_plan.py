"""Runs one entry's GPU launch plan through the GPU emulator, with its
parameters bound from a GGUF file as seqrt binds them: a quantized tensor
as its packed i8 rows (the GGUF blocks as stored), a plain one as its
elements. The plan is one GPU target's of an artifact (as seqrt's
runtime/lib/GpuPlan.cpp reads it); each launch runs in seq-gpu-emu on the
compiled, mapped kernels of that target (`seqc -emit=gpu-kernels`),
checked steps' status words zeroed before the launch and read after it.

  emulate_plan.py SEQ-GPU-EMU ARTIFACT KERNELS.mlir WEIGHTS.gguf TARGET \
      ENTRY INPUT.npy... [--expect GOLDEN.npy RTOL ATOL]...

The inputs are the entry's, in order. Each --expect compares output 0 with
a golden: |got - want| <= atol + rtol |want|; the largest difference is
printed. Exit status 1 on a failed kernel run, a non-zero status word
(printed as `status N from KERNEL`) or a mismatch. Plans with attention,
position or state buffers are not run here (emulate_session.py runs
those)."""

import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seqpkg  # noqa: E402

# ggml type id: (name, elements per block, bytes per block); a plain type's
# block is one element.
GGML_TYPES = {
    0: ("f32", 1, 4), 1: ("f16", 1, 2), 2: ("q4_0", 32, 18),
    3: ("q4_1", 32, 20), 8: ("q8_0", 32, 34), 12: ("q4_k", 256, 144),
    14: ("q6_k", 256, 210), 30: ("bf16", 1, 2),
}


def read_gguf(path):
    """The tensors of a GGUF file (version 2 or 3): name -> (ggml type
    name, array); a quantized tensor as its i8 packed rows [.., bytes]."""
    data = Path(path).read_bytes()
    at = 0

    def take(fmt):
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def string():
        nonlocal at
        size = take("Q")
        at += size
        return data[at - size:at].decode()

    scalar = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?",
              10: "Q", 11: "q", 12: "d"}

    def value(kind):
        if kind == 8:
            return string()
        if kind == 9:
            item, count = take("I"), take("Q")
            return [value(item) for _ in range(count)]
        return take(scalar[kind])

    if data[:4] != b"GGUF":
        sys.exit(f"{path}: not a GGUF file")
    at = 4
    version, tensors, kvs = take("I"), take("Q"), take("Q")
    if version not in (2, 3):
        sys.exit(f"{path}: GGUF version {version}")
    alignment = 32
    for _ in range(kvs):
        key = string()
        v = value(take("I"))
        if key == "general.alignment":
            alignment = v
    infos = []
    for _ in range(tensors):
        name = string()
        dims = [take("Q") for _ in range(take("I"))]
        infos.append((name, dims, take("I"), take("Q")))
    start = (at + alignment - 1) // alignment * alignment
    out = {}
    for name, dims, kind, offset in infos:
        if kind not in GGML_TYPES:
            sys.exit(f"{path}: {name}: ggml type {kind} not read here")
        type_name, elements, block = GGML_TYPES[kind]
        shape = list(reversed(dims))  # ggml's ne0 is the innermost
        row = shape[-1] // elements * block
        count = int(np.prod(shape[:-1], dtype=np.int64)) * row
        raw = data[start + offset:start + offset + count]
        if elements > 1:
            array = np.frombuffer(raw, np.int8).reshape(shape[:-1] + [row])
        elif type_name == "f32":
            array = np.frombuffer(raw, np.float32).reshape(shape)
        else:
            sys.exit(f"{path}: {name}: {type_name} not read here")
        out[name] = (type_name, array)
    return out


def main(argv):
    emulator, artifact, kernels, weights, target, entry = argv[1:7]
    rest = argv[7:]
    inputs, expects = [], []
    while rest:
        if rest[0] == "--expect":
            expects.append((rest[1], float(rest[2]), float(rest[3])))
            rest = rest[4:]
        else:
            inputs.append(np.load(rest[0]))
            rest = rest[1:]
    metadata = json.loads(seqpkg.read_artifact(artifact)[0])
    plans = {e["name"]: e
             for e in metadata["gpu_targets"][int(target)]["host"]["entries"]}
    plan = plans[entry]
    encodings = {p["key"]: p.get("encoding", "")
                 for p in metadata["parameters"]}
    tensors = read_gguf(weights)
    tmp = Path(tempfile.mkdtemp(prefix="emulate_plan."))
    buffers = {}
    for b, desc in enumerate(plan["buffers"]):
        kind, shape = desc["kind"], desc["shape"]
        if kind == "input":
            buffers[b] = inputs[desc["index"]].reshape(shape)
        elif kind == "param":
            # Bound as seqrt binds it: packed rows only to a parameter of
            # that encoding.
            type_name, array = tensors[desc["key"]]
            packed = array.dtype == np.int8
            if packed and encodings[desc["key"]] != type_name:
                sys.exit(f"{desc['key']}: a {type_name} tensor for a "
                         f"parameter encoded '{encodings[desc['key']]}'")
            buffers[b] = array.reshape(shape)
        elif kind != "temp":
            sys.exit(f"buffer {b}: '{kind}' buffers are not run here")
    for s, step in enumerate(plan["steps"]):
        if step["kind"] not in ("launch", "checked"):
            sys.exit(f"step {s}: '{step['kind']}' steps are not run here")
        args = step["args"]
        results = step.get("results", 1)
        cmd = [emulator, kernels, f"--kernel={step['kernel']}"]
        written = []
        for a, arg in enumerate(args):
            b, shape = arg["buffer"], arg["shape"]
            desc = plan["buffers"][b]
            if a == len(args) - 1 and step["kind"] == "checked":
                buffers[b] = np.zeros(desc["shape"], np.int32)
            path = tmp / f"{s}.{a}.npy"
            if b in buffers:
                np.save(path, buffers[b].reshape(shape))
                cmd += ["--arg", f"{a}={path}"]
            else:  # a result not yet written: NaN-filled
                cmd += ["--scratch", f"{a}={'x'.join(map(str, shape))}"]
            if a >= len(args) - results:
                out = tmp / f"{s}.{a}.out.npy"
                cmd += ["--save", f"{a}={out}"]
                written.append((b, out))
        done = subprocess.run(cmd, capture_output=True, text=True)
        print(done.stdout, end="")
        if done.returncode != 0:
            sys.exit(f"step {s} ({step['kernel']}): {done.stderr}")
        for b, out in written:
            dtype = np.int32 if plan["buffers"][b]["dtype"] == "i32" \
                else np.float32
            buffers[b] = np.load(out).reshape(
                plan["buffers"][b]["shape"]).astype(dtype)
        if step["kind"] == "checked":
            code = int(buffers[args[-1]["buffer"]].reshape(-1)[0])
            if code:
                print(f"status {code} from {step['kernel']}")
                sys.exit(1)
    got = buffers[plan["outputs"][0]]
    failed = False
    for path, rtol, atol in expects:
        want = np.load(path).astype(np.float64).reshape(got.shape)
        diff = np.abs(got.astype(np.float64) - want)
        bad = int((diff > atol + rtol * np.abs(want)).sum())
        print(f"output 0 {list(got.shape)} against {Path(path).name}: max "
              f"abs error {diff.max():g}, {bad} of {got.size} outside "
              f"(rtol {rtol:g}, atol {atol:g})")
        failed = failed or bad > 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv)

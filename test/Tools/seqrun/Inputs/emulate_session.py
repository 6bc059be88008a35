"""Runs a seqrt session through the GPU emulator: the launch plans of an
artifact's prefill and decode entries (one GPU target's, as seqrt's
runtime/lib/GpuPlan.cpp reads them), each kernel launch executed by
seq-gpu-emu on the compiled, mapped kernels of that target
(`seqc -emit=gpu-kernels`), the session's state buffers kept between calls
(as the session keeps its device copies), position buffers filled from
the position, views at an offset sliced, status words zeroed before a
launch and checked after it, a scan marked "in_place" given its state
buffer as both its init and its final state (seq-gpu-emu --alias). Prints the greedy tokens after the prompt.

  emulate_session.py SEQ-GPU-EMU ARTIFACT KERNELS.mlir WEIGHTS.safetensors \
      TARGET "PROMPT IDS" NEW CHUNK [GOLDEN_LOGITS.npy]

TARGET: the index of the GPU target in the artifact whose plans to run
(its kernels are KERNELS.mlir). An entry with a dynamic extent (plan
version 6, "dims": the prompt length) is instantiated for each call's
length, as the runtime does. Attention steps run their prefill form (the
runtime's choice when the split rule gives one split: no split kernel, and
a decode form whose keys are too few for two splits of four block steps,
seqrt/GpuHost.h); a plan whose attention needs a split is refused. Exit status 1 on a failed
kernel run, a non-zero status word, a refused plan, or logits that differ
from GOLDEN_LOGITS (one row per call: prefill's last, then each decode
step's; bf16 tolerance rtol 2e-2, atol 5e-2), whose largest difference is
printed."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seqpkg  # noqa: E402


def load_safetensors(path):
    """The tensors of a safetensors file as float32 arrays (F32, BF16)."""
    data = Path(path).read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[8 + size + begin:8 + size + end]
        if info["dtype"] == "BF16":
            bits = np.frombuffer(raw, np.uint16).astype(np.uint32) << 16
            array = bits.view(np.float32)
        elif info["dtype"] == "F32":
            array = np.frombuffer(raw, np.float32)
        else:
            sys.exit(f"{path}: {name}: unsupported dtype {info['dtype']}")
        out[name] = array.reshape(info["shape"])
    return out


def instantiate(value, S):
    """The plan `value` with every {"sym": 0, "mul": a, "add": b} extent
    replaced by a * S + b (plan version 6)."""
    if isinstance(value, list):
        return [instantiate(v, S) for v in value]
    if isinstance(value, dict):
        if "sym" in value:
            assert value["sym"] == 0 and len(value) == 3, value
            return value["mul"] * S + value["add"]
        return {k: instantiate(v, S) for k, v in value.items()}
    return value


def main(argv):
    emulator, artifact, kernels, weights, target = argv[1:6]
    prompt = [int(t) for t in argv[6].split()]
    new, chunk = int(argv[7]), int(argv[8])
    metadata = json.loads(seqpkg.read_artifact(artifact)[0])
    plans = {e["name"]: e
             for e in metadata["gpu_targets"][int(target)]["host"]["entries"]}
    params = load_safetensors(weights)
    tmp = Path(tempfile.mkdtemp(prefix="emulate_session."))
    state = {}  # state input index -> array, kept across calls

    def run(name, tokens, position):
        plan = plans[name]
        if "dims" in plan:
            (dim,) = plan["dims"]
            assert dim == {"input": 0, "axis": 1}, dim
            plan = instantiate(plan, len(tokens))
        buffers = {}
        for b, desc in enumerate(plan["buffers"]):
            shape, kind = desc["shape"], desc["kind"]
            if kind == "input":
                buffers[b] = (np.array(tokens, np.int32).reshape(shape)
                              if desc["index"] == 0 else
                              np.array([position], np.int32).reshape(shape))
            elif kind == "state":
                buffers[b] = state.setdefault(
                    desc["index"], np.zeros(shape, np.float32))
            elif kind == "param":
                buffers[b] = params[desc["key"]].reshape(shape)
            elif kind == "position":
                count = int(np.prod(shape))
                buffers[b] = (position + desc["start"] + np.arange(
                    count, dtype=np.int32)).reshape(shape)
        for s, step in enumerate(plan["steps"]):
            keys = step["args"][1]["shape"][2] if step["kind"] == \
                "attention" else 0
            if step["kind"] == "attention" and ("split_kernel" in step or (
                    "decode_kernel" in step and
                    keys // (4 * step["decode_keys_per_step"]) >= 2)):
                sys.exit(f"{name} step {s}: a split attention (not emulated "
                         "here)")
            args = step["args"]
            results = step.get("results",
                                2 if step["kind"] in ("checked",) or
                                (step["kind"] == "attention" and
                                 len(args) == 6) else 1)
            cmd = [emulator, kernels, f"--kernel={step['kernel']}"]
            written = []
            for a, arg in enumerate(args):
                b, shape = arg["buffer"], arg["shape"]
                offset = arg.get("offset", 0)
                desc = plan["buffers"][b]
                path = tmp / f"{name}.{s}.{a}.npy"
                if b not in buffers and desc["dtype"] == "i32":
                    buffers[b] = np.zeros(desc["shape"], np.int32)
                if step.get("in_place") and a == len(args) - 1:
                    # A scan's final state over its init: one buffer, as
                    # the runtime passes it (seqrt/GpuHost.h kStepInPlace).
                    cmd += ["--alias", f"{a}={len(args) - 3}"]
                elif b in buffers:
                    count = int(np.prod(shape))
                    flat = buffers[b].reshape(-1)[offset:offset + count]
                    np.save(path, flat.reshape(shape))
                    cmd += ["--arg", f"{a}={path}"]
                else:  # a result not yet written: NaN-filled
                    cmd += ["--scratch",
                            f"{a}={'x'.join(map(str, shape))}"]
                if a >= len(args) - results:
                    out = tmp / f"{name}.{s}.{a}.out.npy"
                    cmd += ["--save", f"{a}={out}"]
                    written.append((b, out))
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"{name} step {s} ({step['kernel']}): "
                         f"{done.stdout}{done.stderr}")
            for b, out in written:
                value = np.load(out).reshape(plan["buffers"][b]["shape"])
                dtype = np.int32 if plan["buffers"][b]["dtype"] == "i32" \
                    else np.float32
                buffers[b] = value.astype(dtype)
                if plan["buffers"][b]["kind"] == "state":
                    state[plan["buffers"][b]["index"]] = buffers[b]
            if step["kind"] in ("checked", "attention") and results == 2:
                code = int(buffers[args[-1]["buffer"]].reshape(-1)[0])
                if code:
                    sys.exit(f"{name} step {s} ({step['kernel']}): status "
                             f"{code}")
        return buffers[plan["outputs"][0]].reshape(-1)

    position = 0
    for start in range(0, len(prompt), chunk):
        logits = run("prefill", prompt[start:start + chunk], position)
        position += len(prompt[start:start + chunk])
    tokens, rows = [], [logits]
    while True:
        tokens.append(int(np.argmax(logits)))
        if len(tokens) == new:
            break
        logits = run("decode", [tokens[-1]], position)
        rows.append(logits)
        position += 1
    print(" ".join(map(str, tokens)))
    if len(argv) > 9:
        golden = np.load(argv[9])[:len(rows)]
        got = np.stack(rows)
        print(f"logits of {len(rows)} calls: max abs difference "
              f"{np.abs(got - golden).max():g}")
        np.testing.assert_allclose(got, golden, rtol=2e-2, atol=5e-2)


if __name__ == "__main__":
    main(sys.argv)

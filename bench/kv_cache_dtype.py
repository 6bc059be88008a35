#!/usr/bin/env python3
"""Decode tokens/s at long context: f32 vs bf16 (vs f16) KV caches.

Compiles the SmolLM2-135M-Instruct GGUF (scripts/fetch-smollm2.sh) once per
--kv-cache-dtype, then runs seqrun sessions with the same long prompt
(random ids, fixed seed) and greedy decoding, the dtypes interleaved in
each repetition, pinned with taskset, and reports the median decode
tokens/s of each and its ratio to f32, with the load average before and
after. Writes a Markdown table to --out.

    python3 bench/kv_cache_dtype.py --prompt-tokens 2048 --reps 5 \\
        --out bench/results/kvcache-dtype-2026-11-30.md
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATS = re.compile(r"(\d+) decode steps in ([0-9.]+) ms: ([0-9.]+) tokens/s")
PREFILL = re.compile(r"prefill ([0-9.]+) ms")
# seqrun's EOS id for the runs: the last vocabulary id (a token greedy
# decoding of this prompt does not produce), so every run decodes
# --new-tokens tokens.
NO_EOS = 49151


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kw)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=os.path.expanduser(
        "~/.cache/seqc/SmolLM2-135M-Instruct.Q4_1.gguf"))
    p.add_argument("--build", default=str(ROOT / "build"))
    p.add_argument("--prompt-tokens", type=int, default=2048)
    p.add_argument("--new-tokens", type=int, default=32)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--cpus", default="0,1")
    p.add_argument("--dtypes", default="f32,bf16")
    p.add_argument("--out", default="")
    args = p.parse_args()

    seqc = Path(args.build) / "bin" / "seqc"
    seqrun = Path(args.build) / "bin" / "seqrun"
    threads = len(args.cpus.split(","))
    dtypes = args.dtypes.split(",")
    rng = random.Random(20261130)
    # Ids past the special tokens of SmolLM2's 49152-token vocabulary.
    prompt = " ".join(str(rng.randrange(100, 49000))
                      for _ in range(args.prompt_tokens))
    cap = args.prompt_tokens + args.new_tokens + 16
    tmp = Path(tempfile.mkdtemp(prefix="kvdtype-"))
    artifacts = {}
    for d in dtypes:
        artifacts[d] = tmp / f"smollm2-{d}.seqpkg"
        run([str(seqc), args.model, f"--max-seq-len={cap}",
             f"--max-new-tokens={args.new_tokens}", "--ignore-eos",
             f"--kv-cache-dtype={d}", "-o", str(artifacts[d])])
        print(f"compiled {d}", file=sys.stderr)

    load_before = os.getloadavg()
    results = {d: [] for d in dtypes}
    prefill = {d: [] for d in dtypes}
    for r in range(args.reps):
        for d in dtypes:
            out = run(["taskset", "-c", args.cpus, str(seqrun),
                       str(artifacts[d]), "--weights", args.model,
                       "--prompt-ids", prompt, "--max-new-tokens",
                       str(args.new_tokens), "--eos", str(NO_EOS), "--threads",
                       str(threads)])
            m = STATS.search(out.stderr)
            if not m:
                raise SystemExit(f"no decode statistics in:\n{out.stderr}")
            results[d].append(float(m.group(3)))
            pm = PREFILL.search(out.stderr)
            prefill[d].append(float(pm.group(1)) if pm else float("nan"))
            print(f"rep {r} {d}: {m.group(3)} tokens/s", file=sys.stderr)
    load_after = os.getloadavg()

    base = statistics.median(results[dtypes[0]])
    lines = [
        "# KV-cache dtype: decode tokens/s at long context",
        "",
        f"SmolLM2-135M-Instruct Q4_1 GGUF, prompt of {args.prompt_tokens} "
        f"random ids, {args.new_tokens} greedy tokens (seqrun --eos {NO_EOS}: no early stop), "
        f"KV capacity {cap}; seqrun sessions, {threads} thread(s) pinned to "
        f"CPUs {args.cpus} (taskset), {args.reps} repetitions with the "
        f"dtypes interleaved in each; medians. Load average (1/5/15 min) "
        f"before {load_before[0]:.1f}/{load_before[1]:.1f}/"
        f"{load_before[2]:.1f}, after {load_after[0]:.1f}/"
        f"{load_after[1]:.1f}/{load_after[2]:.1f} (a shared 2-core machine: "
        f"the ratio measured in the same run is what counts).",
        "",
        "Command: `python3 bench/kv_cache_dtype.py "
        f"--prompt-tokens {args.prompt_tokens} --new-tokens "
        f"{args.new_tokens} --reps {args.reps} --cpus {args.cpus}`",
        "",
        "| --kv-cache-dtype | cache bytes / token | decode tokens/s "
        "(median) | vs f32 | all runs | prefill ms (median) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    per_token = 30 * 2 * 3 * 64  # layers x (K, V) x KV heads x head dim
    for d in dtypes:
        med = statistics.median(results[d])
        size = 4 if d == "f32" else 2
        lines.append(
            f"| {d} | {per_token * size / 1024:.1f} KiB | {med:.2f} | "
            f"{med / base:.3f} | "
            + ", ".join(f"{v:.2f}" for v in results[d])
            + f" | {statistics.median(prefill[d]):.0f} |")
    for d in dtypes[1:]:
        pairs = [v / b for v, b in zip(results[d], results[dtypes[0]])]
        lines += ["", f"{d} / {dtypes[0]} per repetition (the runs of one "
                  f"repetition are back to back): "
                  + ", ".join(f"{r:.2f}" for r in pairs)
                  + f"; median {statistics.median(pairs):.2f}."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

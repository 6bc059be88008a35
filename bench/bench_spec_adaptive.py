#!/usr/bin/env python3
"""Adaptive K against fixed K in speculative decoding on CPU
(seqc --adaptive-k): SmolLM2-135M-Instruct Q4_1 as the target, drafts made
of its first --draft-layers layers (embedding, final norm and head kept;
bench_spec.py's truncate_gguf), K = --k, greedy with --ignore-eos.

For each draft, three entries are timed A/B interleaved in one loop, one
process per call pinned with taskset (`seqrun --bench --warmup 0 --reps
1`), --reps times: plain `generate`, `generate_speculative` with fixed K
and with adaptive K (two artifacts of the same model). Medians are
reported with the load average; the ratios against plain decoding and
fixed K are taken from the same loop. The tokens of the three are checked
equal first (greedy speculative decoding is exact). The mean draft length
k and the acceptance rate (accepted / drafted) of adaptive K come from
seqrun's "adaptive k:" line (the loop's num_drafted result); fixed K
drafts K per step.

  python3 bench/bench_spec_adaptive.py [--gguf PATH] [--draft-layers 4,16]
      [--k 4] [--new-tokens 32] [--reps 5] [--work DIR] [--out FILE.md]

Needs the seqc build (build/bin) and the Python packages gguf and
tokenizers.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_spec import (BIN, PLAIN, parse_run, tokenize,  # noqa: E402
                        truncate_gguf)


def compile_artifact(gguf, out, args, extra):
    if out.exists():
        return
    cmd = [str(BIN / "seqc"), str(gguf), f"--max-seq-len={args.max_seq_len}",
           f"--max-new-tokens={args.new_tokens}", "--ignore-eos",
           f"--num-speculative-tokens={args.k}", "-o", str(out)] + extra
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def seqrun(artifact, entry, gguf, draft, prompt, cores, output=None):
    cmd = ["taskset", "-c", cores, str(BIN / "seqrun"), str(artifact),
           "--entry", entry, "--weights", str(gguf), "--draft-weights",
           str(draft), "--threads", "1", "--input", f"0={prompt}", "--input",
           "1=0"]
    if output:
        cmd += ["--output", f"0={output}"]
    else:
        cmd += ["--bench", "--warmup", "0", "--reps", "1"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return parse_run(subprocess.run(cmd, env=env, check=True,
                                    capture_output=True, text=True).stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gguf", default=str(
        Path.home() / ".cache/seqc/SmolLM2-135M-Instruct.Q4_1.gguf"))
    p.add_argument("--draft-layers", default="4,16")
    p.add_argument("--k", type=int, default=4)
    p.add_argument("--new-tokens", type=int, default=32)
    p.add_argument("--max-seq-len", type=int, default=256)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--cores", default="0")
    p.add_argument("--work", default="/tmp/seqc-bench-spec-adaptive")
    p.add_argument("--out")
    args = p.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    gguf = Path(args.gguf)
    prompt = work / "prompt.npy"
    np.save(prompt, np.array([tokenize(PLAIN)], np.int32))

    cases = []
    for layers in [int(x) for x in args.draft_layers.split(",")]:
        draft = work / f"draft-{layers}layers.gguf"
        if not draft.exists():
            truncate_gguf(str(gguf), str(draft), layers)
        fixed = work / f"layers{layers}-k{args.k}.seqpkg"
        adaptive = work / f"layers{layers}-k{args.k}-adaptive.seqpkg"
        compile_artifact(gguf, fixed, args, [f"--draft-model={draft}"])
        compile_artifact(gguf, adaptive, args,
                         [f"--draft-model={draft}", "--adaptive-k"])
        runs = [("plain", fixed, "generate"),
                ("fixed", fixed, "generate_speculative"),
                ("adaptive", adaptive, "generate_speculative")]
        outs = []
        for label, artifact, entry in runs:
            out = work / f"{layers}-{label}.npy"
            seqrun(artifact, entry, gguf, draft, prompt, args.cores, out)
            outs.append(np.load(out).reshape(-1)[-args.new_tokens:])
        # generate returns the first token too: compare the last N.
        for o in outs[1:]:
            assert (o == outs[0]).all(), (layers, outs)
        cases.append((layers, draft, runs))

    load_start = os.getloadavg()
    times = {(c[0], r[0]): [] for c in cases for r in c[2]}
    spec = {}
    for rep in range(args.reps):
        for layers, draft, runs in cases:
            for label, artifact, entry in runs:
                ms, s = seqrun(artifact, entry, gguf, draft, prompt,
                               args.cores)
                times[(layers, label)].append(ms)
                if s:
                    spec[(layers, label)] = s
        print(f"rep {rep + 1}/{args.reps} done", flush=True)
    load_end = os.getloadavg()

    lines = [
        "- date: " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        f"- command: `python3 bench/bench_spec_adaptive.py "
        f"{' '.join(sys.argv[1:])}`",
        f"- target {gguf.name}, K = {args.k}, {args.new_tokens} new tokens "
        f"(--ignore-eos), greedy, prompt: {PLAIN!r}",
        f"- one thread, taskset -c {args.cores}, {args.reps} reps, plain / "
        "fixed / adaptive interleaved, medians of the process CPU time per "
        "call",
        f"- load average: {load_start[0]:.1f} at the start, "
        f"{load_end[0]:.1f} at the end (shared machine)",
        "- tokens of the three checked equal",
        "",
        "| draft | entry | CPU ms per call | verify steps | mean accepted | "
        "mean k | acceptance | vs plain | vs fixed K |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for layers, _, runs in cases:
        med = {r[0]: statistics.median(times[(layers, r[0])]) for r in runs}
        for label, _, _ in runs:
            s = spec.get((layers, label))
            steps = f"{s[0]}" if s else "-"
            acc = f"{s[1]:.2f}" if s else "-"
            # Mean drafted length: seqrun's adaptive-k line, else K.
            k = (s[2] if s[2] is not None else args.k) if s else None
            mean_k = f"{k:.2f}" if s else "-"
            rate = f"{s[1] / k:.2f}" if s and k else "-"
            vs_fixed = (f"{med['fixed'] / med[label]:.2f}x"
                        if label != "plain" else "-")
            lines.append(
                f"| first {layers} layers | {label} | {med[label]:.1f} | "
                f"{steps} | {acc} | {mean_k} | {rate} | "
                f"{med['plain'] / med[label]:.2f}x | "
                f"{vs_fixed} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A/B timing of `generate_speculative` across speculative artifacts.

Runs the `generate_speculative` entry of each artifact (LABEL=PATH) on each
prompt (.npy ids, [1, S] i32), A/B interleaved in one loop, pinned with
taskset, and reports the medians of the wall time and the process CPU time
(seqrun --bench), the verify steps, the mean accepted length, the mean
draft length k (adaptive K) and the time per verify step after the
prompt's prefill (the `prefill` entry of the first artifact, timed in the
same loop). Every artifact's tokens are checked equal to the first's
before timing (greedy speculative decoding is exact).

  python3 bench/spec_ab.py --weights model.gguf \\
      --artifact fixed=/tmp/a.seqpkg --artifact adaptive=/tmp/b.seqpkg \\
      --prompt repetitive=/tmp/rep.npy --reps 5 --out result.md

Needs the seqc build (build/bin/seqrun) and numpy.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "build/bin"


def seqrun(artifact, entry, weights, inputs, cores, bench=True, output=None,
           zeros=()):
    cmd = ["taskset", "-c", cores, str(BIN / "seqrun"), str(artifact),
           "--entry", entry, "--weights", str(weights), "--threads", "1"]
    for i, value in enumerate(inputs):
        cmd += ["--input", f"{i}={value}"]
    for z in zeros:
        cmd += ["--zeros", str(z)]
    if bench:
        cmd += ["--bench", "--warmup", "0", "--reps", "1"]
    if output:
        cmd += ["--output", f"0={output}"]
    text = subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout
    wall = re.search(r"median ([\d.]+) ms", text)
    cpu = re.search(r"cpu median ([\d.]+) ms", text)
    spec = re.search(r"(\d+) verify steps, mean accepted length ([\d.]+)",
                     text)
    k = re.search(r"mean draft length ([\d.]+)", text)
    return {"wall": float(wall.group(1)) if wall else None,
            "cpu": float(cpu.group(1)) if cpu else None,
            "steps": int(spec.group(1)) if spec else None,
            "accepted": float(spec.group(2)) if spec else None,
            "k": float(k.group(1)) if k else None, "text": text}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", required=True)
    p.add_argument("--artifact", action="append", required=True,
                   help="LABEL=PATH")
    p.add_argument("--prompt", action="append", required=True,
                   help="NAME=PATH.npy")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--cores", default="0")
    p.add_argument("--work", default="/tmp/seqc-spec-ab")
    p.add_argument("--out")
    args = p.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    artifacts = [a.split("=", 1) for a in args.artifact]
    prompts = [q.split("=", 1) for q in args.prompt]

    # Exactness first: every artifact's tokens equal the first's.
    for name, prompt in prompts:
        ref = None
        for label, path in artifacts:
            out = work / f"{label}-{name}.npy"
            seqrun(path, "generate_speculative", args.weights, [prompt, 0],
                   args.cores, bench=False, output=out)
            if ref is None:
                ref = np.load(out)
            assert (np.load(out) == ref).all(), (label, name)

    start = work / "start.npy"
    np.save(start, np.zeros([1], dtype=np.int32))
    info = subprocess.run([str(BIN / "seqrun"), artifacts[0][1], "--info"],
                          capture_output=True, text=True, check=True).stdout
    caches = info.split("  prefill(")[1].split(")")[0].count("f32[")

    load_start = os.getloadavg()
    runs = {(label, name): [] for label, _ in artifacts for name, _ in prompts}
    prefill = {name: [] for name, _ in prompts}
    for rep in range(args.reps):
        for name, prompt in prompts:
            for label, path in artifacts:
                runs[(label, name)].append(
                    seqrun(path, "generate_speculative", args.weights,
                           [prompt, 0], args.cores))
            prefill[name].append(seqrun(
                artifacts[0][1], "prefill", args.weights, [prompt, start],
                args.cores, zeros=range(2, 2 + caches))["wall"])
        print(f"rep {rep + 1}/{args.reps} done", flush=True)
    load_end = os.getloadavg()

    lines = [
        "- date: " + time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        f"- command: `python3 bench/spec_ab.py {' '.join(sys.argv[1:])}`",
        f"- one thread, taskset -c {args.cores}, {args.reps} reps, "
        "A/B interleaved, medians",
        f"- load average: {load_start[0]:.1f} at the start, "
        f"{load_end[0]:.1f} at the end (shared machine)",
        "- tokens of every artifact checked equal to the first's",
        "",
        "| artifact | prompt | wall ms | cpu ms | prefill ms | verify steps "
        "| mean accepted | mean k | ms per verify step (after prefill) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, _ in prompts:
        pre = statistics.median(prefill[name])
        for label, _ in artifacts:
            r = runs[(label, name)]
            wall = statistics.median(x["wall"] for x in r)
            cpus = [x["cpu"] for x in r if x["cpu"] is not None]
            cpu = f"{statistics.median(cpus):.1f}" if cpus else "-"
            steps, acc, k = r[0]["steps"], r[0]["accepted"], r[0]["k"]
            per = (wall - pre) / steps if steps else float("nan")
            lines.append(
                f"| {label} | {name} | {wall:.1f} | {cpu} | {pre:.1f} | "
                f"{steps} | {acc:.2f} | "
                f"{'-' if k is None else f'{k:.2f}'} | {per:.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

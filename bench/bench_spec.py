#!/usr/bin/env python3
"""Speculative decoding on CPU: the speed-up of `generate_speculative`
(seqc --draft-model / --prompt-lookup) over plain greedy `generate` of the
same artifact, on a GGUF model (SmolLM2-135M-Instruct Q4_1 by default).

Cases, each greedy with --ignore-eos (every call makes --new-tokens tokens):

  self      the target as its own draft: every draft accepted, but the
            draft costs what the target does (the acceptance ceiling);
  oracle    prompt lookup on a prompt whose continuation is in it (the
            target's own greedy continuation of a text, appended to the
            text, then the text again): a draft that agrees fully and
            costs nothing;
  layers    the target's first --draft-layers layers (with its embedding,
            final norm and head) as the draft: a realistic mix;
  lookup    prompt lookup (n-grams of 3) on a repetitive prompt (a
            paragraph twice) and on a plain one;
  tree      prompt lookup verified as a tree (--spec-tree, default 2,1,1:
            N = 6 nodes, depth 3) on the same two prompts, and
  chainN    the chain that verifies as many tokens per call (K = N), for
            the comparison at an equal verify cost.

Each case's artifact also holds plain `generate`; the two entries are timed
alternately (`seqrun --entry ... --bench --warmup 0 --reps 1`, one process
per call, pinned with taskset), --reps times; medians are reported with
the load average. The speculative tokens are checked equal to the plain
ones first. The prefill of the prompt is part of both calls and is timed
separately (the `prefill` entry) to give the decode-only speed-up.

  python3 bench/bench_spec.py [--gguf PATH] [--threads 1] [--reps 5] \\
      [--k 4] [--new-tokens 32] [--cases oracle,lookup,layers,self] \\
      [--draft-layers 4] [--tree 2,1,1] [--work DIR] \\
      [--out bench/results/spec-DATE.md]

Needs the seqc build (build/bin), and the Python packages gguf (to write
the truncated draft) and tokenizers.
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# SEQC_BIN: another build's bin/ (e.g. a copy, so that a rebuild of the
# tree does not replace the binaries in the middle of a run).
BIN = Path(os.environ.get("SEQC_BIN", ROOT / "build/bin"))
PARAGRAPH = (
    "The history of the printing press begins in the fifteenth century, when "
    "Johannes Gutenberg combined movable metal type, oil-based ink and a "
    "wooden press adapted from those used for wine. Within a few decades "
    "printing shops had spread across Europe, and the cost of books fell "
    "so far that reading, once the privilege of clergy and nobles, became "
    "common among merchants and craftsmen. ")
PLAIN = ("Write a short story about a lighthouse keeper who finds a message "
         "in a bottle.")


def tokenize(text):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(ROOT / "test/Unit/Runtime/Inputs/"
                                  "smollm2_tokenizer/tokenizer.json"))
    return tok.encode(text).ids


def truncate_gguf(src, dst, layers):
    """Writes `src` with its first `layers` blocks only (scalar metadata
    copied; the tokenizer arrays are left out: seqc does not read them)."""
    from gguf import GGUFReader, GGUFValueType, GGUFWriter
    reader = GGUFReader(src)
    arch = bytes(reader.fields["general.architecture"].parts[-1]).decode()
    writer = GGUFWriter(dst, arch)
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        vtype = field.types[0]
        if vtype == GGUFValueType.ARRAY:
            continue
        if name == f"{arch}.block_count":
            writer.add_uint32(name, layers)
        elif vtype == GGUFValueType.STRING:
            writer.add_string(name, bytes(field.parts[-1]).decode())
        else:
            writer.add_key_value(name, field.parts[-1][0], vtype)
    for t in reader.tensors:
        m = re.match(r"blk\.(\d+)\.", t.name)
        if m and int(m.group(1)) >= layers:
            continue
        writer.add_tensor(t.name, t.data, raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def tree_nodes(branching):
    """Nodes of the tree with these children per node at each depth."""
    nodes, level = 0, 1
    for b in branching:
        level *= b
        nodes += level
    return nodes


def compile_artifact(gguf, out, args, extra, k=None):
    if out.exists():
        return
    cmd = [str(BIN / "seqc"), str(gguf), f"--max-seq-len={args.max_seq_len}",
           f"--max-new-tokens={args.new_tokens}", "--ignore-eos",
           f"--num-speculative-tokens={k or args.k}", "-o", str(out)] + extra
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def seqrun(artifact, entry, weights, inputs, threads, draft=None, bench=True,
           output=None, zeros=()):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = ["taskset", "-c", ",".join(map(str, range(threads))),
           str(BIN / "seqrun"), str(artifact), "--entry", entry,
           "--weights", str(weights)]
    if draft:
        cmd += ["--draft-weights", str(draft)]
    for i, value in enumerate(inputs):
        cmd += ["--input", f"{i}={value}"]
    for z in zeros:
        cmd += ["--zeros", str(z)]
    if bench:
        cmd += ["--bench", "--warmup", "0", "--reps", "1"]
    if output:
        cmd += ["--output", f"0={output}"]
    text = subprocess.run(cmd, env=env, check=True, capture_output=True,
                          text=True).stdout
    return parse_run(text)


def parse_run(text):
    """seqrun's output -> (median CPU ms of the process per call (user +
    sys, all threads: on a shared machine wall time mostly measures the
    wait for a core) or None, (verify steps, mean accepted length, mean
    draft length k or None without adaptive K) or None)."""
    ms = re.search(r"cpu median ([\d.]+) ms", text)
    spec = re.search(r"(\d+) verify steps, mean accepted length ([\d.]+)",
                     text)
    drafted = re.search(r"adaptive k: mean draft length ([\d.]+)", text)
    return (float(ms.group(1)) if ms else None,
            (int(spec.group(1)), float(spec.group(2)),
             float(drafted.group(1)) if drafted else None) if spec else None)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gguf", default=str(Path.home() / ".cache/seqc/"
                                         "SmolLM2-135M-Instruct.Q4_1.gguf"))
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--k", type=int, default=4)
    p.add_argument("--new-tokens", type=int, default=32)
    p.add_argument("--max-seq-len", type=int, default=640)
    p.add_argument("--draft-layers", type=int, default=4)
    p.add_argument("--work", default="/tmp/seqc-bench-spec")
    p.add_argument("--tree", default="2,1,1")
    p.add_argument("--cases", default="oracle,lookup,layers")
    p.add_argument("--out")
    args = p.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    gguf = Path(args.gguf)
    cases = args.cases.split(",")

    # Artifacts.
    lookup = work / f"lookup-k{args.k}.seqpkg"
    compile_artifact(gguf, lookup, args, ["--prompt-lookup=3"])
    artifacts = {"oracle": (lookup, None), "lookup": (lookup, None)}
    if "layers" in cases:
        draft = work / f"draft-{args.draft_layers}layers.gguf"
        if not draft.exists():
            truncate_gguf(str(gguf), str(draft), args.draft_layers)
        layers = work / f"layers{args.draft_layers}-k{args.k}.seqpkg"
        compile_artifact(gguf, layers, args, [f"--draft-model={draft}"])
        artifacts["layers"] = (layers, draft)
    if "tree" in cases or "chainN" in cases:
        branching = [int(b) for b in args.tree.split(",")]
        nodes = tree_nodes(branching)
        tree = work / f"tree-{'-'.join(map(str, branching))}.seqpkg"
        compile_artifact(gguf, tree, args,
                         ["--prompt-lookup=3", f"--spec-tree={args.tree}"])
        chain = work / f"lookup-k{nodes}.seqpkg"
        compile_artifact(gguf, chain, args, ["--prompt-lookup=3"], k=nodes)
        artifacts["tree"] = (tree, None)
        artifacts["chainN"] = (chain, None)
    if "self" in cases:
        own = work / f"self-k{args.k}.seqpkg"
        compile_artifact(gguf, own, args, [f"--draft-model={gguf}"])
        artifacts["self"] = (own, gguf)

    # Prompts.
    def save(name, ids):
        path = work / f"{name}.npy"
        np.save(path, np.array([ids], dtype=np.int32))
        return path
    paragraph = tokenize(PARAGRAPH)
    prompts = {"repetitive": save("repetitive", tokenize(PARAGRAPH * 2)),
               "plain": save("plain", tokenize(PLAIN))}
    # The oracle prompt: the paragraph, the target's greedy continuation of
    # it, the paragraph again: its continuation is (mostly) in the prompt.
    first = save("paragraph", paragraph)
    cont = work / "continuation.npy"
    seqrun(lookup, "generate", gguf, [first, 0], args.threads, bench=False,
           output=cont)
    prompts["oracle"] = save("oracle", paragraph +
                             np.load(cont)[0].tolist() + paragraph)

    runs = []  # (case, prompt name)
    for case in cases:
        if case == "oracle":
            runs.append(("oracle", "oracle"))
        elif case in ("lookup", "tree", "chainN"):
            runs += [(case, "repetitive"), (case, "plain")]
        else:
            runs.append((case, "plain"))

    # Exactness first: speculative tokens equal plain greedy ones.
    for case, prompt in runs:
        artifact, draft = artifacts[case]
        a, b = work / "a.npy", work / "b.npy"
        seqrun(artifact, "generate", gguf, [prompts[prompt], 0], args.threads,
               draft=draft, bench=False, output=a)
        seqrun(artifact, "generate_speculative", gguf, [prompts[prompt], 0],
               args.threads, draft=draft, bench=False, output=b)
        assert (np.load(a) == np.load(b)).all(), (case, prompt)

    # prefill(tokens, start, caches...) times the prompt's prefill alone.
    start = work / "start.npy"
    np.save(start, np.zeros([1], dtype=np.int32))
    info = subprocess.run([str(BIN / "seqrun"), str(lookup), "--info"],
                          capture_output=True, text=True, check=True).stdout
    caches = info.split("  prefill(")[1].split(")")[0].count("f32[")

    load_start = os.getloadavg()
    results = {r: {"plain": [], "spec": [], "prefill": []} for r in runs}
    stats = {}
    for rep in range(args.reps):
        for run in runs:
            case, prompt = run
            artifact, draft = artifacts[case]
            inputs = [prompts[prompt], 0]
            ms, _ = seqrun(artifact, "generate", gguf, inputs, args.threads,
                           draft=draft)
            results[run]["plain"].append(ms)
            ms, st = seqrun(artifact, "generate_speculative", gguf, inputs,
                            args.threads, draft=draft)
            results[run]["spec"].append(ms)
            stats[run] = st
            ms, _ = seqrun(lookup, "prefill", gguf, [prompts[prompt], start],
                           args.threads, zeros=range(2, 2 + caches))
            results[run]["prefill"].append(ms)
        print(f"rep {rep + 1}/{args.reps} done", flush=True)
    load_end = os.getloadavg()

    lines = [
        f"# Speculative decoding on CPU: {gguf.name}", "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, {platform.platform()}",
        f"- command: `python3 bench/bench_spec.py {' '.join(sys.argv[1:])}`",
        f"- threads: {args.threads} (taskset to cores "
        f"{','.join(map(str, range(args.threads)))}), K = {args.k}, "
        f"{args.new_tokens} greedy tokens per call (--ignore-eos), "
        f"{args.reps} reps, A/B interleaved, medians of the process CPU "
        "time per call (seqrun --bench's cpu median)",
        f"- load average: {load_start[0]:.1f} at the start, "
        f"{load_end[0]:.1f} at the end (shared machine)",
        f"- draft for `layers`: the target's first {args.draft_layers} "
        "layers (embedding, final norm and head kept)",
        f"- tree: --spec-tree={args.tree} (N = "
        f"{tree_nodes([int(b) for b in args.tree.split(',')])} nodes), "
        "chainN: the chain with K = N (the same tokens per verify call)",
        "- speculative tokens checked equal to plain greedy's before timing",
        "",
        "| case | prompt | prompt tokens | plain CPU ms | speculative CPU ms "
        "| speed-up | prefill CPU ms | decode-only speed-up | verify steps | "
        "mean accepted / step |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        case, prompt = run
        r = results[run]
        plain = statistics.median(r["plain"])
        spec = statistics.median(r["spec"])
        pre = statistics.median(r["prefill"])
        steps, acc, _ = stats[run]
        n = np.load(prompts[prompt]).shape[1]
        lines.append(
            f"| {case} | {prompt} | {n} | {plain:.1f} | {spec:.1f} | "
            f"{plain / spec:.2f}x | {pre:.1f} | "
            f"{(plain - pre) / max(spec - pre, 1e-9):.2f}x | {steps} | "
            f"{acc:.2f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

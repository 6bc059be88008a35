#!/usr/bin/env python3
"""End-to-end tokens/s of a GGUF model: seqc against llama.cpp, same file,
same threads, one run.

seqc: `seqc MODEL.gguf` once, then `seqrun --prompt-ids ... --max-new-tokens
N` (a runtime session over the prefill and decode entries; seqrun prints
prefill time and decode tokens/s). llama.cpp: llama-cpp-python (PyPI) on
the same file, `Llama.eval` of the prompt, then greedy steps of one token.
Both pinned to the same cores with `taskset`; each measurement is the
median of --reps runs. The prompts are token ids of a fixed English text
(the first 40 and 512 ids), so tokenization is not timed.

  python3 bench/bench_e2e.py [--gguf PATH] [--threads 2] [--reps 5] \\
      [--prompt-lengths 40,512] [--seqc-arg=-parallel-min-work=0 ...] \\
      [--out bench/results/e2e-smollm2-DATE.md]

--seqc-arg passes one more option to the seqc compile (repeat it), e.g. to
compare a tile or grain choice against the target's default in one run.

Needs: the seqc build (build/bin), llama-cpp-python and tokenizers. For the
f32 comparison, make an f32 copy with bench/gguf_to_f32.py and pass it as
--gguf.
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "The history of the printing press begins in the fifteenth century, when "
    "Johannes Gutenberg combined movable metal type, oil-based ink and a "
    "wooden press adapted from those used for wine. Within a few decades "
    "printing shops had spread across Europe, and the cost of books fell "
    "so far that reading, once the privilege of clergy and nobles, became "
    "common among merchants and craftsmen. ") * 12


def prompt_ids(n):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(ROOT / "test/Unit/Runtime/Inputs/"
                                  "smollm2_tokenizer/tokenizer.json"))
    ids = tok.encode(TEXT).ids
    assert len(ids) >= n, len(ids)
    return ids[:n]


def cores(threads):
    return ",".join(str(i) for i in range(threads))


def seqc_run(artifact, gguf, ids, new_tokens, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cmd = ["taskset", "-c", cores(threads), str(ROOT / "build/bin/seqrun"),
           artifact, "--weights", gguf, "--prompt-ids",
           " ".join(map(str, ids)), "--max-new-tokens", str(new_tokens),
           "--eos", "0"]
    err = subprocess.run(cmd, env=env, capture_output=True, text=True,
                         check=True).stderr
    prefill = float(re.search(r"prefill ([0-9.]+) ms", err).group(1))
    m = re.search(r"(\d+) decode steps in ([0-9.]+) ms", err)
    steps, ms = int(m.group(1)), float(m.group(2))
    return prefill, (steps / (ms / 1000.0) if steps else float("nan"))


def last_logits(llm):
    """The logits of the last evaluated token (llama.cpp computes only
    those, as seqc's prefill does)."""
    import llama_cpp
    import numpy as np
    ptr = llama_cpp.llama_get_logits(llm.ctx)
    return np.ctypeslib.as_array(ptr, shape=(llm.n_vocab(),))


def llama_run(llm, ids, new_tokens):
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(ids)
    t1 = time.perf_counter()
    tok = int(last_logits(llm).argmax())
    t2 = time.perf_counter()
    steps = 0
    for _ in range(new_tokens - 1):
        llm.eval([tok])
        tok = int(last_logits(llm).argmax())
        steps += 1
    t3 = time.perf_counter()
    return (t1 - t0) * 1000.0, steps / (t3 - t2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--out")
    ap.add_argument("--prompt-lengths", default="40,512",
                    help="comma-separated prompt lengths in tokens")
    ap.add_argument("--seqc-arg", action="append", default=[],
                    help="one more seqc option (repeatable)")
    ap.add_argument("--quant-activations", default="f32",
                    choices=("f32", "int8"),
                    help="seqc --quant-activations (q8_0/q4_0/q4_1 layers)")
    args = ap.parse_args()
    gguf = args.gguf or subprocess.run(
        [str(ROOT / "scripts/fetch-smollm2.sh")], check=True,
        capture_output=True, text=True).stdout.strip()

    # This process (llama.cpp runs in it) on the same cores as seqrun.
    os.sched_setaffinity(0, range(args.threads))
    from llama_cpp import Llama
    llm = Llama(model_path=gguf, n_threads=args.threads,
                n_threads_batch=args.threads, n_ctx=1024, n_batch=512,
                logits_all=False, verbose=False)

    rows = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        artifact = os.path.join(tmp, "model.seqpkg")
        t0 = time.perf_counter()
        subprocess.run([str(ROOT / "build/bin/seqc"), gguf,
                        "--max-seq-len=1024",
                        f"--quant-activations={args.quant_activations}",
                        *args.seqc_arg, "-o", artifact], check=True)
        compile_s = time.perf_counter() - t0
        for n in (int(v) for v in args.prompt_lengths.split(",")):
            ids = prompt_ids(n)
            s_pre, s_dec, l_pre, l_dec = [], [], [], []
            for _ in range(args.reps):
                p, d = seqc_run(artifact, gguf, ids, args.new_tokens,
                                args.threads)
                s_pre.append(p)
                s_dec.append(d)
                p, d = llama_run(llm, ids, args.new_tokens)
                l_pre.append(p)
                l_dec.append(d)
            med = statistics.median
            rows.append((n, med(s_pre), med(l_pre), med(s_dec), med(l_dec)))
            print(rows[-1], file=sys.stderr)

    cpu = next((l.split(":", 1)[1].strip() for l in
                open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load = os.getloadavg()
    lines = [
        f"# {Path(gguf).name}: seqc vs llama.cpp, {args.threads} threads",
        "",
        f"- machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; "
        f"load average at the start {load_start[0]:.1f} / "
        f"{load_start[1]:.1f} / {load_start[2]:.1f}, at the end "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}",
        f"- command: `python3 bench/bench_e2e.py --threads {args.threads} "
        f"--reps {args.reps} --new-tokens {args.new_tokens} "
        f"--prompt-lengths {args.prompt_lengths} "
        f"--quant-activations {args.quant_activations}"
        + "".join(f" --seqc-arg={a}" for a in args.seqc_arg) +
        f"` (medians of {args.reps}; both pinned with "
        f"taskset to cores {cores(args.threads)})",
        f"- seqc compile of the GGUF (--quant-activations="
        f"{args.quant_activations}): {compile_s:.1f} s",
        f"- decode: {args.new_tokens} greedy tokens after the prompt",
        "",
        "| prompt tokens | seqc prefill (ms) | llama.cpp prefill (ms) | "
        "prefill ratio (llama.cpp/seqc time) | seqc decode (tok/s) | "
        "llama.cpp decode (tok/s) | decode ratio (seqc/llama.cpp) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n, sp, lp, sd, ld in rows:
        lines.append(f"| {n} | {sp:.1f} | {lp:.1f} | {lp / sp:.2f}x | "
                     f"{sd:.1f} | {ld:.1f} | {sd / ld:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""End-to-end tokens/s of a Hugging Face model directory: seqc against
transformers `generate` and llama.cpp, same weights, same threads, one run
(issue #10's end-to-end goal: the configs of Qwen2.5-0.5B and
Llama-3.2-1B with random weights, made by bench/make_config_model.py,
which also writes the f32 GGUF llama.cpp reads).

seqc: `seqc DIR` once (the Hugging Face importer), then `seqrun --weights
DIR --prompt-ids ... --max-new-tokens N`; prefill time and decode tokens/s
as seqrun prints them. llama.cpp: llama-cpp-python on DIR/model-f32.gguf,
`Llama.eval` of the prompt, then greedy steps (bench_e2e.llama_run).
transformers: prefill = one forward of the prompt with a cache (the
logits of the last row only, `logits_to_keep=1`, as generate computes
them); decode = `generate(max_new_tokens=N, min_new_tokens=N,
do_sample=False)` minus that prefill, over N - 1 steps. Everything pinned
to the first --threads cores; medians of --reps; the three alternate.
The first greedy tokens of the three are compared and printed (random
weights: margins are small, so a late disagreement is not an error; the
first token should agree).

  python3 bench/bench_e2e_hf.py --model /tmp/qwen05 --threads 2 --reps 5 \\
      --out bench/results/e2e-qwen2.5-0.5b-DATE.md
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_e2e  # noqa: E402

ROOT = bench_e2e.ROOT


def seqc_tokens(artifact, weights, ids, new_tokens, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run(
        ["taskset", "-c", bench_e2e.cores(threads),
         str(ROOT / "build/bin/seqrun"), artifact, "--weights", weights,
         "--prompt-ids", " ".join(map(str, ids)), "--max-new-tokens",
         str(new_tokens), "--eos", "0"],
        env=env, capture_output=True, text=True, check=True).stdout
    return [int(t) for t in out.split() if t.lstrip("-").isdigit()]


def torch_run(model, ids, new_tokens):
    import torch
    x = torch.tensor([ids])
    with torch.no_grad():
        t0 = time.perf_counter()
        model(x, use_cache=True, logits_to_keep=1)
        t1 = time.perf_counter()
        out = model.generate(x, max_new_tokens=new_tokens,
                             min_new_tokens=new_tokens, do_sample=False,
                             pad_token_id=0)
        t2 = time.perf_counter()
    prefill = t1 - t0
    decode = (t2 - t1) - prefill
    return prefill * 1000.0, (new_tokens - 1) / decode, \
        out[0, len(ids):].tolist()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True,
                    help="directory from bench/make_config_model.py")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--prompt-lengths", default="512")
    ap.add_argument("--seqc-arg", action="append", default=[])
    ap.add_argument("--no-llama", action="store_true")
    ap.add_argument("--artifact",
                    help="keep the compiled artifact here; reuse it if it "
                    "exists (the compile is then not timed)")
    ap.add_argument("--out")
    args = ap.parse_args()
    model_dir = Path(args.model)
    gguf = model_dir / "model-f32.gguf"

    os.sched_setaffinity(0, range(args.threads))
    import torch
    import transformers
    torch.set_num_threads(args.threads)
    hf = transformers.AutoModelForCausalLM.from_pretrained(
        str(model_dir), dtype=torch.float32).eval()
    llm = None
    if not args.no_llama:
        from llama_cpp import Llama
        llm = Llama(model_path=str(gguf), n_threads=args.threads,
                    n_threads_batch=args.threads, n_ctx=1024, n_batch=512,
                    logits_all=False, verbose=False)

    rows, agree = [], []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        artifact = args.artifact or os.path.join(tmp, "model.seqpkg")
        compile_s = float("nan")
        if not os.path.exists(artifact):
            t0 = time.perf_counter()
            subprocess.run([str(ROOT / "build/bin/seqc"), str(model_dir),
                            "--max-seq-len=1024", *args.seqc_arg, "-o",
                            artifact], check=True)
            compile_s = time.perf_counter() - t0
        for n in (int(v) for v in args.prompt_lengths.split(",")):
            ids = bench_e2e.prompt_ids(n)
            s_tok = seqc_tokens(artifact, str(model_dir), ids, 8,
                                args.threads)[:8]
            _, _, t_tok = torch_run(hf, ids, 8)
            l_tok = []
            if llm is not None:
                llm.reset()
                llm.eval(ids)
                for _ in range(8):
                    tok = int(bench_e2e.last_logits(llm).argmax())
                    l_tok.append(tok)
                    llm.eval([tok])
            agree.append((n, s_tok, t_tok, l_tok))
            print("tokens", agree[-1], file=sys.stderr)
            res = {"s": ([], []), "t": ([], []), "l": ([], [])}
            for _ in range(args.reps):
                p, d = bench_e2e.seqc_run(artifact, str(model_dir), ids,
                                          args.new_tokens, args.threads)
                res["s"][0].append(p)
                res["s"][1].append(d)
                p, d, _ = torch_run(hf, ids, args.new_tokens)
                res["t"][0].append(p)
                res["t"][1].append(d)
                if llm is not None:
                    p, d = bench_e2e.llama_run(llm, ids, args.new_tokens)
                    res["l"][0].append(p)
                    res["l"][1].append(d)
            med = lambda v: statistics.median(v) if v else float("nan")
            rows.append((n, *(med(res[k][i]) for k in "stl"
                              for i in (0, 1))))
            print(rows[-1], file=sys.stderr)

    cpu = next((l.split(":", 1)[1].strip() for l in
                open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load = os.getloadavg()
    lines = [
        f"# {model_dir.name} (random weights, f32): seqc vs transformers "
        f"and llama.cpp, {args.threads} threads",
        "",
        f"- machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; "
        f"torch {torch.__version__}, transformers {transformers.__version__}"
        f"; load average at the start {load_start[0]:.1f}, at the end "
        f"{load[0]:.1f}",
        f"- command: `python3 bench/bench_e2e_hf.py --model {model_dir} "
        f"--threads {args.threads} --reps {args.reps} --new-tokens "
        f"{args.new_tokens} --prompt-lengths {args.prompt_lengths}"
        + "".join(f" --seqc-arg={a}" for a in args.seqc_arg) +
        f"` (medians of {args.reps}, all pinned to cores "
        f"{bench_e2e.cores(args.threads)}); model made by "
        "`bench/make_config_model.py`",
        f"- seqc compile of the checkpoint: {compile_s:.1f} s",
        "- first 8 greedy tokens (seqc / transformers / llama.cpp): " +
        "; ".join(f"prompt {n}: {s} / {t} / {l}" for n, s, t, l in agree),
        "",
        "| prompt | seqc prefill ms | transformers ms | llama.cpp ms | "
        "seqc decode tok/s | transformers tok/s | llama.cpp tok/s | "
        "prefill vs transformers / llama.cpp | decode vs transformers / "
        "llama.cpp |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for n, sp, sd, tp, td, lp, ld in rows:
        lines.append(
            f"| {n} | {sp:.1f} | {tp:.1f} | {lp:.1f} | {sd:.1f} | {td:.1f} "
            f"| {ld:.1f} | {tp / sp:.2f}x / {lp / sp:.2f}x | "
            f"{sd / td:.2f}x / {sd / ld:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

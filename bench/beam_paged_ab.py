#!/usr/bin/env python3
"""CPU time of beam search over a paged KV cache against a contiguous one.

    python3 bench/beam_paged_ab.py [--rounds 5] [--build build] [--keep DIR]

One artifact with two entries running the same seq.beam_search_loop on
the same one-layer attention model (the model of
test/Integration/CPU/decode/beam_search_paged.mlir, scaled up: V = 256,
model width 128, 4 heads of 32, 4 beams, 32 new tokens, a 200-token
prompt): `paged` over pools of 64 blocks of 16 slots read through a block
table (the reorder permutes table rows and copies partly filled blocks on
write), `contiguous` over caches [4, 4, 512, 32] (the reorder gathers
every beam's whole cache row). Weights, prompt caches and first logits
are random .npy inputs (the same prompt keys and values in both layouts);
the script checks that both entries print the same results.

Each entry is timed by task-clock (perf stat, pinned to core 0, one
thread): (task-clock(reps = N + 1) - task-clock(reps = 1)) / N, the two
interleaved round by round; medians over --rounds and the ratio.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

V, DM, H, D = 256, 128, 4, 32
BEAMS, NEW, PROMPT = 4, 32, 200
BLOCK, MAX_BLOCKS, NUM_BLOCKS, CAP = 16, 32, 64, 512
ROWS = BEAMS
HD = H * D


def body(paged):
    R = ROWS
    cache = (f"tensor<{NUM_BLOCKS}x{H}x{BLOCK}x{D}xf32>" if paged
             else f"tensor<{R}x{H}x{CAP}x{D}xf32>")
    bt = f"tensor<{R}x{MAX_BLOCKS}xi32>"
    table = f" block_table(%bt : {bt})" if paged else ""
    args = f"%kc: {cache}, %vc: {cache}" + (f", %bt: {bt}" if paged else "")
    yields = "%l, %kc2, %vc2" + (", %bt" if paged else "")
    ytypes = f"tensor<{R}x1x{V}xf32>, {cache}, {cache}" + (f", {bt}" if paged
                                                           else "")
    return f'''  ^bb0(%t: tensor<{R}x1xi32>, %p: tensor<{R}x1xi32>, {args}):
    %e = seq.embedding %emb, %t : tensor<{V}x{DM}xf32>, tensor<{R}x1xi32> -> tensor<{R}x1x{DM}xf32>
    %pe = seq.embedding %pemb, %p : tensor<{CAP}x{DM}xf32>, tensor<{R}x1xi32> -> tensor<{R}x1x{DM}xf32>
    %xe = tensor.empty() : tensor<{R}x1x{DM}xf32>
    %x = linalg.add ins(%e, %pe : tensor<{R}x1x{DM}xf32>, tensor<{R}x1x{DM}xf32>) outs(%xe : tensor<{R}x1x{DM}xf32>) -> tensor<{R}x1x{DM}xf32>
    %q = seq.linear %x, %wq : tensor<{R}x1x{DM}xf32>, tensor<{HD}x{DM}xf32> -> tensor<{R}x1x{HD}xf32>
    %k = seq.linear %x, %wk : tensor<{R}x1x{DM}xf32>, tensor<{HD}x{DM}xf32> -> tensor<{R}x1x{HD}xf32>
    %v = seq.linear %x, %wv : tensor<{R}x1x{DM}xf32>, tensor<{HD}x{DM}xf32> -> tensor<{R}x1x{HD}xf32>
    %q2 = tensor.collapse_shape %q [[0], [1, 2]] : tensor<{R}x1x{HD}xf32> into tensor<{R}x{HD}xf32>
    %k2 = tensor.collapse_shape %k [[0], [1, 2]] : tensor<{R}x1x{HD}xf32> into tensor<{R}x{HD}xf32>
    %v2 = tensor.collapse_shape %v [[0], [1, 2]] : tensor<{R}x1x{HD}xf32> into tensor<{R}x{HD}xf32>
    %qh = tensor.expand_shape %q2 [[0], [1, 2, 3]] output_shape [{R}, {H}, 1, {D}] : tensor<{R}x{HD}xf32> into tensor<{R}x{H}x1x{D}xf32>
    %kh = tensor.expand_shape %k2 [[0], [1, 2, 3]] output_shape [{R}, {H}, 1, {D}] : tensor<{R}x{HD}xf32> into tensor<{R}x{H}x1x{D}xf32>
    %vh = tensor.expand_shape %v2 [[0], [1, 2, 3]] output_shape [{R}, {H}, 1, {D}] : tensor<{R}x{HD}xf32> into tensor<{R}x{H}x1x{D}xf32>
    %pos = tensor.collapse_shape %p [[0, 1]] : tensor<{R}x1xi32> into tensor<{R}xi32>
    %ones = arith.constant dense<1> : tensor<{R}xi32>
    %le = tensor.empty() : tensor<{R}xi32>
    %len = linalg.add ins(%pos, %ones : tensor<{R}xi32>, tensor<{R}xi32>) outs(%le : tensor<{R}xi32>) -> tensor<{R}xi32>
    %kc2 = seq.cache_write %kc, %kh at %pos{table} : {cache}, tensor<{R}x{H}x1x{D}xf32>, tensor<{R}xi32>
    %vc2 = seq.cache_write %vc, %vh at %pos{table} : {cache}, tensor<{R}x{H}x1x{D}xf32>, tensor<{R}xi32>
    %o = seq.attention %qh, %kc2, %vc2 kv_lengths(%len : tensor<{R}xi32>){table} : tensor<{R}x{H}x1x{D}xf32>, {cache}, {cache} -> tensor<{R}x{H}x1x{D}xf32>
    %o2 = tensor.collapse_shape %o [[0], [1, 2, 3]] : tensor<{R}x{H}x1x{D}xf32> into tensor<{R}x{HD}xf32>
    %of = tensor.expand_shape %o2 [[0, 1], [2]] output_shape [{R}, 1, {HD}] : tensor<{R}x{HD}xf32> into tensor<{R}x1x{HD}xf32>
    %la = seq.linear %of, %wo : tensor<{R}x1x{HD}xf32>, tensor<{V}x{HD}xf32> -> tensor<{R}x1x{V}xf32>
    %lb = seq.linear %x, %wu : tensor<{R}x1x{DM}xf32>, tensor<{V}x{DM}xf32> -> tensor<{R}x1x{V}xf32>
    %le2 = tensor.empty() : tensor<{R}x1x{V}xf32>
    %l = linalg.add ins(%la, %lb : tensor<{R}x1x{V}xf32>, tensor<{R}x1x{V}xf32>) outs(%le2 : tensor<{R}x1x{V}xf32>) -> tensor<{R}x1x{V}xf32>
    seq.yield {yields} : {ytypes}
'''


WEIGHTS = [("first", [1, V]), ("emb", [V, DM]), ("pemb", [CAP, DM]),
           ("wq", [HD, DM]), ("wk", [HD, DM]), ("wv", [HD, DM]),
           ("wo", [V, HD]), ("wu", [V, DM])]


def ttype(shape, elem="f32"):
    return "tensor<" + "x".join(map(str, shape)) + f"x{elem}>"


def entry(paged):
    R = ROWS
    res = f"tensor<1x{BEAMS}x{NEW}xi32>, tensor<1x{BEAMS}xf32>, tensor<1x{BEAMS}xi32>"
    cshape = [NUM_BLOCKS, H, BLOCK, D] if paged else [R, H, CAP, D]
    ctype = ttype(cshape)
    bt = ttype([R, MAX_BLOCKS], "i32")
    params = [f"%{n}: {ttype(sh)}" for n, sh in WEIGHTS]
    params += [f"%kc0: {ctype}", f"%vc0: {ctype}"]
    if paged:
        params.append(f"%bt0: {bt}")
    lines = [f"func.func @{'paged' if paged else 'contiguous'}("
             f"{', '.join(params)}) -> ({res}) {{"]
    lines.append(f"  %start = arith.constant dense<{PROMPT}> : tensor<1xi32>")
    init = f"%kc0, %vc0{', %bt0' if paged else ''} : {ctype}, {ctype}"
    if paged:
        init += f", {bt}"
    attrs = (f"num_beams = {BEAMS} : i64, max_new_tokens = {NEW} : i64, "
             "eos_token_ids = array<i64: 2>")
    if paged:
        attrs += ", block_table = 2 : i64, paged_caches = array<i64: 0, 1>"
    lines.append(f"  %s, %sc, %n = seq.beam_search_loop logits(%first : tensor<1x{V}xf32>) "
                 f"positions(%start : tensor<1xi32>) init({init})\n"
                 f"      {{{attrs}}} -> {res} {{")
    lines.append(body(paged) + "  }")
    lines.append(f"  return %s, %sc, %n : {res}\n}}")
    return "\n".join(lines)


def write_inputs(work):
    """Weights and prompt caches as .npy; the same prompt keys and values in
    both layouts (pool block j = positions 16 j .. 16 j + 15 of beam 0,
    as its table row says; the other rows and blocks random junk)."""
    rng = np.random.default_rng(12)
    scale = {"first": 3.0, "emb": 1.0, "pemb": 0.5, "wo": 0.2}
    files = {}
    for n, sh in WEIGHTS:
        files[n] = (rng.standard_normal(sh) * scale.get(n, 0.1)).astype(np.float32)
    paged, contiguous = [], []
    for _ in range(2):
        c = rng.standard_normal((ROWS, H, CAP, D)).astype(np.float32)
        pool = rng.standard_normal((NUM_BLOCKS, H, BLOCK, D)).astype(np.float32)
        for j in range(CAP // BLOCK):
            if j < NUM_BLOCKS:
                pool[j] = c[0, :, j * BLOCK:(j + 1) * BLOCK]
        paged.append(pool)
        contiguous.append(c)
    table = np.zeros((ROWS, MAX_BLOCKS), np.int32)
    table[0] = np.arange(MAX_BLOCKS)
    args = {}
    for kind, caches in (("paged", paged), ("contiguous", contiguous)):
        arrays = [files[n] for n, _ in WEIGHTS] + caches
        if kind == "paged":
            arrays.append(table)
        args[kind] = []
        for i, a in enumerate(arrays):
            path = work / f"{kind}_{i}.npy"
            np.save(path, a)
            args[kind] += ["--input", f"{i}={path}"]
    return args


def task_clock_ms(build, pkg, entry_name, args, reps):
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_PROC_BIND="true")
    out = subprocess.run(
        ["perf", "stat", "-x,", "-e", "task-clock", "taskset", "-c", "0",
         str(build / "bin/seqrun"), str(pkg), "--entry", entry_name, "--bench",
         "--warmup", "0", "--reps", str(reps), "--threads", "1"] + args,
        check=True, capture_output=True, text=True, env=env).stderr
    for line in out.splitlines():
        if "task-clock" in line:
            return float(line.split(",")[0])
    raise RuntimeError(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--build", default="build")
    ap.add_argument("--keep")
    args = ap.parse_args()
    build = Path(args.build).resolve()
    work = Path(args.keep or tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    src = work / "beam_paged_bench.mlir"
    src.write_text(entry(True) + "\n\n" + entry(False) + "\n")
    pkg = work / "beam_paged_bench.seqpkg"
    subprocess.run([str(build / "bin/seqc"), str(src), "--target=cpu",
                    "-o", str(pkg)], check=True)
    # Same results from both entries.
    inputs = write_inputs(work)
    outs = [subprocess.run([str(build / "bin/seqrun"), str(pkg), "--entry",
                            e, "--print"] + inputs[e], check=True,
                           capture_output=True, text=True).stdout
            for e in ("paged", "contiguous")]
    print("results equal:", outs[0] == outs[1])
    times = {"paged": [], "contiguous": []}
    for _ in range(args.rounds):
        for e in times:
            n = args.reps
            t = (task_clock_ms(build, pkg, e, inputs[e], n + 1) -
                 task_clock_ms(build, pkg, e, inputs[e], 1)) / n
            times[e].append(t)
    for e, ts in times.items():
        print(f"{e:10s} median {statistics.median(ts):8.3f} ms/call  "
              f"({', '.join(f'{t:.3f}' for t in ts)})")
    print(f"paged / contiguous: "
          f"{statistics.median(times['paged']) / statistics.median(times['contiguous']):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

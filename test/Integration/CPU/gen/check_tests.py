"""Consistency checks for test/Integration/CPU (no compiler backend needed).

    python3 test/Integration/CPU/gen/check_tests.py [--seqc-opt PATH] [--emulate-f32]

For every <family>/<case>.mlir:
  * the REQUIRES line names cpu-lowering-<family> and a "Tolerance" comment
    is present;
  * the RUN lines pass --input 0..n-1 and --expect 0..m-1 for the n
    arguments and m results of @main, and every file exists;
  * each file's shape matches the argument / result type (a `?` extent
    matches any size) and its dtype matches the element type: int32 for
    i32, float32 for f32, float32 holding bf16-exact values for bf16;
  * every file under Inputs/ is used by a test (any .mlir/.test/.py under
    test/ naming it or its directory; README.md files excepted);
  * with --seqc-opt (default: build/bin/seqc-opt when present), the file
    parses and verifies.
With --emulate-f32 the generators are rerun computing in float32 (a
straightforward f32 implementation of each op) and every result must pass
the test's own tolerance against the float64 golden files.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

GEN_DIR = Path(__file__).resolve().parent
CPU_DIR = GEN_DIR.parent
INPUTS_DIR = CPU_DIR / "Inputs"
REPO = CPU_DIR.parents[2]
FAMILIES = ["attention", "kvcache", "model", "scan", "moe"]

TYPE_RE = re.compile(r"tensor<([^>]*)>|\b(i64|i32|i1|f32|bf16|index)\b")


def parse_type(text):
    m = TYPE_RE.fullmatch(text.strip())
    assert m, f"cannot parse type {text!r}"
    if m.group(1) is None:
        return None, m.group(2)            # scalar
    parts = m.group(1).split("x")
    return [None if p == "?" else int(p) for p in parts[:-1]], parts[-1]


def parse_signature(src):
    m = re.search(r"func\.func\s+@main\((.*?)\)\s*(?:->\s*(.*?))?\s*\{", src, re.S)
    assert m, "no func.func @main"
    args = [parse_type(a.split(":", 1)[1]) for a in
            re.findall(r"%\w+\s*:\s*(?:tensor<[^>]*>|\w+)", m.group(1))]
    res_text = (m.group(2) or "").strip()
    if res_text.startswith("("):
        res_text = res_text[1:-1]
    results = [parse_type(t.group(0)) for t in TYPE_RE.finditer(res_text)]
    return args, results


def run_commands(src):
    cmds, cur = [], ""
    for line in src.splitlines():
        m = re.match(r"\s*//\s*RUN:(.*)$", line)
        if not m:
            continue
        part = m.group(1).rstrip()
        if part.endswith("\\"):
            cur += part[:-1] + " "
        else:
            cmds.append((cur + part).strip())
            cur = ""
    return cmds


def check_file(arr, shape_elt, what, errors):
    shape, elt = shape_elt
    if shape is None:                     # integer scalar passed inline
        errors.append(f"{what}: scalar argument bound to a file")
        return
    if len(arr.shape) != len(shape) or any(
            s is not None and s != a for s, a in zip(shape, arr.shape)):
        errors.append(f"{what}: shape {arr.shape} does not match {shape}")
    want = {"i32": np.int32, "f32": np.float32, "bf16": np.float32}.get(elt)
    if want is None or arr.dtype != np.dtype(want):
        errors.append(f"{what}: dtype {arr.dtype} for element type {elt}")
    elif elt == "bf16":
        import torch
        t = torch.from_numpy(arr)
        if not torch.equal(t.to(torch.bfloat16).float(), t):
            errors.append(f"{what}: values are not bf16-exact")


def check_test(path, seqc_opt, used, errors, tolerances):
    rel = path.relative_to(CPU_DIR)
    family = rel.parts[0]
    src = path.read_text()
    err = lambda msg: errors.append(f"{rel}: {msg}")
    req = re.search(r"//\s*REQUIRES:(.*)", src)
    if not req or f"cpu-lowering-{family}" not in req.group(1):
        err(f"missing REQUIRES: cpu-lowering-{family}")
    cmds = run_commands(src)
    runs = [c for c in cmds if c.startswith("seqrun")]
    # Tests that compare numbers state their tolerance; tests that check
    # diagnostics (the hostile-input tests) compare none.
    if any("--expect" in c for c in runs) and "// Tolerance" not in src:
        err("missing the Tolerance comment")
    if not re.search(r"func\.func\s+@main\(", src):
        # Several named entries (hostile-input tests call each with
        # --entry): their RUN lines are checked by running them.
        return
    args, results = parse_signature(src)
    if not any(c.startswith("seqc %s") and "--target=cpu" in c for c in cmds):
        err("missing the seqc compile RUN line")
    if not runs:
        err("no seqrun RUN line")
    # Every seqrun line of @main is checked; lines running another entry
    # of the same module are checked by running them.
    for run in runs:
        if "--entry main" in run or "--entry" not in run:
            check_run(path, rel, run, args, results, used, errors,
                      tolerances, err)
    if seqc_opt:
        try:
            r = subprocess.run([seqc_opt, str(path)], capture_output=True,
                               text=True)
        except OSError as e:
            err(f"cannot run {seqc_opt}: {e}")
            return
        if r.returncode != 0:
            err("seqc-opt failed:\n" + r.stderr[:2000])


def check_run(path, rel, run, args, results, used, errors, tolerances, err):
    """Checks one seqrun RUN line of @main against @main's signature."""
    toks = shlex.split(run)
    inputs, expects, opts = {}, {}, {}
    i = 1
    while i < len(toks):
        t = toks[i]
        if t in ("--input", "--expect", "--rtol", "--atol", "--entry"):
            v = toks[i + 1]
            i += 2
            if t in ("--input", "--expect"):
                idx, val = v.split("=", 1)
                d = inputs if t == "--input" else expects
                if int(idx) in d:
                    err(f"{t} {idx} given twice")
                d[int(idx)] = val
            else:
                opts[t] = v
        else:
            i += 1
    if expects:
        if "--rtol" not in opts or "--atol" not in opts:
            err("seqrun needs --rtol and --atol")
        tolerances.setdefault(path.stem, (float(opts.get("--rtol", 0)),
                                          float(opts.get("--atol", 0))))
    for kind, d, types in (("input", inputs, args), ("expect", expects, results)):
        if kind == "expect" and not d:
            continue                      # results checked by FileCheck
        if sorted(d) != list(range(len(types))):
            err(f"--{kind} indices {sorted(d)} for {len(types)} "
                f"{'arguments' if kind == 'input' else 'results'}")
            continue
        for idx, val in d.items():
            if types[idx][0] is None:     # integer scalar: --input I=123
                if not re.fullmatch(r"-?\d+", val):
                    err(f"--{kind} {idx}: scalar needs an integer literal")
                continue
            f = Path(val.replace("%S", str(path.parent))).resolve()
            if not f.exists():
                err(f"--{kind} {idx}: {val} does not exist")
                continue
            used.add(f)
            check_file(np.load(f), types[idx], f"{rel} --{kind} {idx}", errors)


def emulate_f32(tolerances, errors):
    """Reruns every generator in float32 and compares with the goldens."""
    os.environ["SEQC_GEN_COMPUTE"] = "f32"
    sys.path.insert(0, str(GEN_DIR))
    import importlib
    worst = []
    for fam in FAMILIES:
        mod = importlib.import_module(f"gen_{fam}")
        for case in mod.cases():
            rtol, atol = tolerances.get(case.name, (None, None))
            if rtol is None:
                errors.append(f"{case.name}: no test")
                continue
            for stem, arr in case.inputs:
                if not np.array_equal(arr, np.load(INPUTS_DIR / case.name / f"{stem}.npy")):
                    print(f"  note: {case.name}/{stem}: the f32 rerun drew different "
                          "inputs (rounding while generating them)")
            for stem, got in case.outputs:
                want = np.load(INPUTS_DIR / case.name / f"{stem}.npy")
                if got.dtype.kind == "i":
                    if not np.array_equal(got, want):
                        errors.append(f"f32 emulation: {case.name}/{stem} differs")
                    continue
                g64, w64 = got.astype(np.float64), want.astype(np.float64)
                with np.errstate(invalid="ignore"):
                    # Equal values match, infinities included (as in seqrun).
                    diff = np.where(g64 == w64, 0.0, np.abs(g64 - w64))
                allowed = atol + rtol * np.abs(want)
                with np.errstate(all="ignore"):
                    ratio = float(np.max(np.where(diff == 0, 0.0, diff / allowed)))
                worst.append((ratio, f"{case.name}/{stem}"))
                if (diff > allowed).any():
                    errors.append(f"f32 emulation: {case.name}/{stem} exceeds "
                                  f"rtol {rtol} / atol {atol} (x{ratio:.2f})")
    worst.sort(reverse=True)
    print("f32 emulation, largest error / allowed:")
    for r, name in worst[:8]:
        print(f"  {r:7.3f}  {name}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    default_opt = REPO / "build" / "bin" / "seqc-opt"
    ap.add_argument("--seqc-opt", default=str(default_opt) if default_opt.exists() else "")
    ap.add_argument("--emulate-f32", action="store_true")
    a = ap.parse_args()
    errors, used, tolerances = [], set(), {}
    tests = sorted(p for fam in FAMILIES for p in (CPU_DIR / fam).glob("*.mlir"))
    for t in tests:
        check_test(t, a.seqc_opt, used, errors, tolerances)
    # Every other test of the suite (.mlir, .test, .py, anywhere under test/)
    # may name a file or a whole directory under Inputs/ (a checkpoint
    # directory, a golden file passed to a Python checker).
    for t in (REPO / "test").rglob("*"):
        if t.suffix not in (".mlir", ".test", ".py") or INPUTS_DIR in t.parents:
            continue
        if t.parent.name in FAMILIES and t.parent.parent == CPU_DIR and t.suffix == ".mlir":
            continue
        for ref in re.findall(r"Inputs/([A-Za-z0-9_.\-/]+)", t.read_text(errors="replace")):
            target = (INPUTS_DIR / ref.rstrip("/.")).resolve()
            if target.is_dir():
                used.update(f.resolve() for f in target.rglob("*") if f.is_file())
            else:
                used.add(target)
    for d in sorted(INPUTS_DIR.iterdir()):
        for f in sorted(d.iterdir()):
            # README.md files document a directory's provenance.
            if f.resolve() not in used and f.name != "README.md":
                errors.append(f"Inputs/{d.name}/{f.name}: not used by any test")
    if a.emulate_f32:
        emulate_f32(tolerances, errors)
    size = sum(p.stat().st_size for p in INPUTS_DIR.rglob("*") if p.is_file())
    print(f"{len(tests)} tests, Inputs/ {size / 2**20:.2f} MiB"
          + (", seqc-opt verified" if a.seqc_opt else ""))
    for e in errors:
        print("error:", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()

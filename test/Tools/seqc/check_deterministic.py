#!/usr/bin/env python3
# Compiles each input several times with the same seqc and checks that every
# run writes the same bytes: the compiler's output must be a function of its
# input (docs/design/Hardening.md, "Same output on every run"). Pointer-keyed
# iteration (a DenseMap of ops) changes with the heap's addresses, which
# change from run to run (ASLR), so a few runs of an input that has such an
# order differ with high probability.
#
#   check_deterministic.py SEQC RUNS OUTDIR -- INPUT ARGS... [-- INPUT ARGS...]
#
# Each `--`-separated group is one seqc command (input and options, with
# `-emit=...` among them); the output goes to a file in OUTDIR. Prints one
# line per command (`same` or `DIFFERS` with the first differing line of
# textual outputs) and a summary; exit status 1 when any command differs or
# fails.
import hashlib
import os
import subprocess
import sys


def is_text(data):
    try:
        data.decode("utf-8")
        return b"\0" not in data
    except UnicodeDecodeError:
        return False


def first_difference(a, b):
    """The first differing line of two textual outputs, for the report."""
    la = a.decode("utf-8", "replace").splitlines()
    lb = b.decode("utf-8", "replace").splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d:\n    < %s\n    > %s" % (i + 1, x[:200], y[:200])
    return "lengths %d and %d lines" % (len(la), len(lb))


def main():
    if len(sys.argv) < 5 or sys.argv[4] != "--":
        sys.exit(__doc__)
    seqc, runs, outdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    groups, cur = [], None
    for word in sys.argv[4:]:
        if word == "--":
            cur = []
            groups.append(cur)
        else:
            cur.append(word)
    os.makedirs(outdir, exist_ok=True)
    differ = failed = 0
    for n, args in enumerate(groups):
        name = " ".join(os.path.basename(a) if os.path.exists(a) else a
                        for a in args)
        outputs = []
        for r in range(runs):
            out = os.path.join(outdir, "out%d.%d" % (n, r))
            p = subprocess.run([seqc] + args + ["-o", out],
                               capture_output=True, text=True)
            if p.returncode != 0:
                print("FAILED (exit %d): %s\n%s" % (p.returncode, name,
                                                    p.stderr[-2000:]))
                failed += 1
                break
            with open(out, "rb") as f:
                outputs.append(f.read())
            os.remove(out)
        else:
            digests = [hashlib.sha256(o).hexdigest() for o in outputs]
            distinct = sorted(set(digests))
            if len(distinct) == 1:
                print("same: %s (%d runs, %d bytes)" % (name, runs,
                                                         len(outputs[0])))
            else:
                differ += 1
                other = outputs[digests.index(distinct[1])]
                first = outputs[digests.index(distinct[0])]
                detail = first_difference(first, other) if is_text(
                    first) else "binary outputs"
                print("DIFFERS: %s (%d distinct outputs in %d runs), %s" %
                      (name, len(distinct), runs, detail))
    print("check_deterministic: %d commands x %d runs, %d differ, %d failed" %
          (len(groups), runs, differ, failed))
    return 1 if differ or failed else 0


if __name__ == "__main__":
    sys.exit(main())

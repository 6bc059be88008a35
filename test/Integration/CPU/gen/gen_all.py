"""Regenerates every input and golden file of test/Integration/CPU.

    python3 test/Integration/CPU/gen/gen_all.py [family ...]

Families: attention kvcache model scan conv moe (default: all)."""

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from common import INPUTS_DIR, total_size  # noqa: E402

FAMILIES = ["attention", "kvcache", "model", "scan", "conv", "moe"]
SIZE_LIMIT = 8 * 1024 * 1024


def main(argv):
    families = argv or FAMILIES
    for fam in families:
        if fam not in FAMILIES:
            sys.exit(f"unknown family {fam!r}; expected one of {FAMILIES}")
    print(f"torch {torch.__version__}")
    for fam in families:
        mod = importlib.import_module(f"gen_{fam}")
        for case in mod.cases():
            d = case.write()
            size = sum(p.stat().st_size for p in d.glob("*.npy"))
            print(f"  {fam:9s} {case.name:32s} {size / 1024:8.1f} KiB")
    size = total_size()
    print(f"Inputs/ total: {size / 1024 / 1024:.2f} MiB")
    if size > SIZE_LIMIT:
        sys.exit(f"Inputs/ is {size} bytes, over the {SIZE_LIMIT} limit")


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""Seeds for the .mlir fuzzer: each `// -----` chunk of the given files
(the split-input-file tests) as one file in the output directory."""

import os
import re
import sys


def main():
    out, files = sys.argv[1], sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    count = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for chunk in re.split(r"^// -----\s*$", text, flags=re.M):
            if chunk.strip():
                with open(os.path.join(out, "seed%04d.mlir" % count), "w",
                          encoding="utf-8") as f:
                    f.write(chunk)
                count += 1
    print("%d seeds" % count)


if __name__ == "__main__":
    main()

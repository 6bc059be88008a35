#!/usr/bin/env bash
# The main job: set up, build, and compile the bundled example model
# (examples/tiny_hybrid/model.mlir: attention + MoE + Mamba layers and a decode
# loop) with seqc.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEQC_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
"$root/scripts/build.sh"

model="$root/examples/tiny_hybrid/model.mlir"
out="$build/tiny_hybrid.seq-opt.mlir"
"$build/bin/seqc" "$model" -emit=seq-opt -o "$out"
echo "seqc: $model -> $out"
echo "seq ops in the compiled model:"
"$build/bin/seqc-opt" "$out" -print-op-stats -o /dev/null 2>&1 |
  grep -E "^ *seq\." | sort

#!/usr/bin/env bash
# The main job: set up, build, compile the bundled example model
# (examples/tiny_hybrid/model.mlir: GQA attention over a KV cache, a MoE
# block, a Mamba-style selective-scan block and a greedy decode loop) with
# seqc for this CPU, and generate tokens with seqrun, checked against the
# PyTorch reference's tokens.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEQC_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
"$root/scripts/build.sh"

example="$root/examples/tiny_hybrid"
artifact="$build/tiny_hybrid.seqpkg"
"$build/bin/seqc" "$example/model.mlir" --target=cpu -o "$artifact"
echo "seqc: $example/model.mlir -> $artifact"
"$build/bin/seqrun" "$artifact" --info | head -4
"$build/bin/seqrun" "$artifact" --entry generate \
  --weights "$example/weights.safetensors" \
  --input 0="$example/prompt.npy" --input 1=42 \
  --expect 0="$example/expected_tokens.npy" \
  --expect 1="$example/expected_count.npy" --print

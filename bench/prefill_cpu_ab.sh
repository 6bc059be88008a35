#!/bin/bash
# Per-call CPU time (task-clock) of an artifact's prefill entry on SmolLM2 Q4_1,
# one thread pinned to core 0: (reps R+1 minus reps 1) / R. Used for
# bench/results/e2e-smollm2-qnorm-2026-12-01.md. Set S= to a seqrun binary.
# usage: ab.sh ART PROMPT.npy REPS -> per-call CPU ms of the prefill entry (task-clock, (R+1 - 1)/R)
G=/root/.cache/seqc/SmolLM2-135M-Instruct.Q4_1.gguf; S=${S:-build/bin/seqrun}
[ -f pos0.npy ] || python3 -c "import numpy as np; np.save('pos0.npy', np.zeros(1, np.int32))"
Z=""; for i in $(seq 2 61); do Z="$Z --zeros $i"; done
t() { perf stat -x, -e task-clock taskset -c 0 $S $1 --entry prefill --weights $G --input 0=$2 --input 1=pos0.npy $Z --threads 1 --bench --warmup 1 --reps $3 2>&1 >/dev/null | grep task-clock | cut -d, -f1; }
a=$(t $1 $2 1); b=$(t $1 $2 $(( $3 + 1 ))); python3 -c "print(round(($b-$a)/$3,1))"

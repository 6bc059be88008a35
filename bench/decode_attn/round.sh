#!/bin/bash
# round.sh <threads> <rounds> <cases...>: per round, the copy bandwidth
# (torchcopy.py: torch copy_, CPU time) then each build of BINS
# ("name:bin-dir ...", default main's copy in $DA/main/bin and this tree's
# build/bin) for each case of gen.py, interleaved; seqrun's CPU time per call
# (median of 7 after 2 warm-ups), pinned. summarize.py reads the log.
here=$(cd "$(dirname "$0")" && pwd)
DA=${DA:-/tmp/da}
T=$1; R=$2; shift 2
BINS=${BINS:-"main:$DA/main/bin new:$here/../../build/bin"}
cpus=$( [ $T = 1 ] && echo 0 || echo 0,1 )
for c in "$@"; do d=$DA/cases/$c
  for bb in $BINS; do n=${bb%%:*}; bin=${bb#*:}; [ -f $d/$n.seqpkg ] || $bin/seqc $d/a.mlir -o $d/$n.seqpkg || exit 1; done; done
for r in $(seq $R); do
  echo "copy T$T round$r $(taskset -c $cpus python3 $here/torchcopy.py $T) GB/s load $(cut -d' ' -f1 /proc/loadavg)"
  for c in "$@"; do d=$DA/cases/$c
    for bb in $BINS; do n=${bb%%:*}; bin=${bb#*:}
      out=$(OMP_NUM_THREADS=$T taskset -c $cpus $bin/seqrun $d/$n.seqpkg --bench --warmup 2 --reps 7 --input 0=$d/in0.npy --input 1=$d/in1.npy --input 2=$d/in2.npy 2>&1)
      cpu=$(echo "$out" | grep -o "cpu median [0-9.]*" | awk '{print $3}')
      echo "$c T$T $n round$r cpu $cpu bytes $(cat $d/bytes)"
    done; done; done

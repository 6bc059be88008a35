#!/usr/bin/env bash
# Runs every kernel test of a gpu-check bundle (tests.tsv) with seq-gpu-run
# on the fake driver, which refuses the real cubins: the manifest, the
# kernel name, the argument files, their ranks and the grid are all checked
# before the module is loaded, so each test must end at cuModuleLoadData.
# Usage: dry-run.sh <bundle> <seq-gpu-run> <fake driver library>
bundle=$1 run=$2
export SEQRT_CUDA_LIBRARY=$3
for arch in sm_80 sm_90a; do
  while IFS=$'\t' read -r test kernel args; do
    args=${args//@DATA@/$bundle/data}
    args=${args//@TMP@/$bundle/tmp}
    # shellcheck disable=SC2086
    last=$("$run" "$bundle/kernels/$test.$arch.cubin" \
      --manifest "$bundle/kernels/$test.$arch.json" --kernel "$kernel" \
      $args 2>&1 | tail -1)
    echo "$arch $test $kernel: $last"
  done < "$bundle/tests.tsv"
done
for f in "$bundle"/kernels/*.sm_80.ptx; do
  grep -q "^\.target sm_80" "$f" && echo "PTX ok: $(basename "$f")"
done

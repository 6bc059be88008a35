#!/usr/bin/env bash
# Runs seqc's compiled GPU kernels on this machine's NVIDIA GPU and
# benchmarks the attention kernel against PyTorch. For a machine with the
# CUDA driver, CMake, a C++ compiler, Python with torch (CUDA) and numpy,
# but no LLVM/MLIR and no package registry: the kernels (cubins for sm_80
# and sm_90a, PTX for newer GPUs) and the golden data come prepared by
# scripts/gpu-check-prepare.sh on a seqc machine (a bundle under 64 MiB).
#
# Usage: <bundle>/src/scripts/gpu-check.sh [--name <gpu-name>] [--no-bench]
#                                           [--sanitize]
#
# 1. builds seqrt and seq-gpu-run (<bundle>/build, CMake only);
# 2. runs every kernel test the GPU emulator runs (tests.tsv: the same
#    inputs, goldens and tolerances as test/Integration/GPU), with the
#    cubin for this GPU and again with the PTX (JIT-compiled by the driver);
# 3. loads the multi-target artifacts with seqrun --device=cuda (the driver
#    loads the cubin for this GPU, or JIT-compiles the PTX, and every kernel
#    of the manifest must resolve) and runs their entries (one run per line
#    of <name>.args) on the GPU, through the runtime's launch plans, and on
#    the CPU code against the PyTorch goldens; a non-zero status is a
#    failure;
# 4. benchmarks the FlashAttention-2 kernel against
#    torch.nn.functional.scaled_dot_product_attention (flash backend) on the
#    FlashAttention grid (hidden 2048, batch x seqlen = 16k, seqlen 512..16k,
#    head dim 64 and 128, causal and not, bf16), checking each result
#    against torch's, and decode attention (batch 1..64, KV 1k..32k) as a
#    fraction of the HBM copy bandwidth measured in the same run;
# With --sanitize, every kernel test runs once more (the cubin for this GPU)
# under compute-sanitizer's memcheck and racecheck tools; a reported error
# is a failure.
# 5. writes <bundle>/results/gpu-<name>.md (copy it to bench/results/ in
#    the repository and commit it).
# Exit status: 0 when every kernel test and benchmark check passed.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bundle=$(cd "$src/.." && pwd)
build=${GPU_CHECK_BUILD:-$bundle/build}
name=""
bench=1
sanitize=0
while [ $# -gt 0 ]; do
  case "$1" in
  --name) name=$2; shift 2 ;;
  --no-bench) bench=0; shift ;;
  --sanitize) sanitize=1; shift ;;
  *) echo "usage: $0 [--name <gpu-name>] [--no-bench] [--sanitize]" >&2; exit 2 ;;
  esac
done
for f in "$bundle/tests.tsv" "$bundle/kernels" "$bundle/bench"; do
  if [ ! -e "$f" ]; then
    echo "gpu-check: $f missing: run scripts/gpu-check-prepare.sh on a seqc machine and copy its output here" >&2
    exit 2
  fi
done
start=$(date +%s)

echo "== building seqrt, seq-gpu-run and seqrun"
cmake -S "$src/scripts/gpu-check" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  > "$build.log" 2>&1 &&
  cmake --build "$build" -j "${GPU_CHECK_JOBS:-$(nproc)}" >> "$build.log" 2>&1 || {
  cat "$build.log"; echo "gpu-check: build failed" >&2; exit 1; }
run=$build/bin/seq-gpu-run

info=$("$run" --info) || { echo "gpu-check: no usable CUDA device" >&2; exit 1; }
echo "$info"
device=$(echo "$info" | sed -n 's/^  0: \([^,]*\), .*/\1/p')
arch=$(echo "$info" | sed -n 's/^  0: [^,]*, \(sm_[0-9]*\),.*/\1/p')
cc=${arch#sm_}
if [ -z "$cc" ]; then
  echo "gpu-check: the CUDA driver reports no device" >&2
  exit 1
fi
if [ "$cc" -lt 80 ]; then
  echo "gpu-check: device 0 is $arch; the kernels need sm_80 or newer" >&2
  exit 1
fi
# The cubin that runs here (sm_80 cubins run on every 8.x GPU; sm_90a only
# on 9.0), and the PTX that the driver compiles for any newer GPU.
if [ "$cc" -eq 90 ]; then cubin=sm_90a
elif [ "$cc" -lt 90 ]; then cubin=sm_80
else cubin=""
fi
[ -n "$name" ] || name=$(echo "$device" | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//')
mkdir -p "$bundle/results"
report=$bundle/results/gpu-$name.md
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

failed=0
rows=""
# kernel_tests <binary suffix> <manifest arch> <label> [wrapper...]
kernel_tests() {
  local suffix=$1 march=$2 label=$3
  shift 3
  while IFS=$'\t' read -r test kernel args; do
    args=${args//@DATA@/$bundle/data}
    args=${args//@TMP@/$tmp}
    # shellcheck disable=SC2086
    output=$("$@" "$run" "$bundle/kernels/$test.$suffix" \
      --manifest "$bundle/kernels/$test.$march.json" --kernel "$kernel" \
      $args 2>&1)
    status=$?
    echo "[$label] $test/$kernel: $( [ $status -eq 0 ] && echo ok || echo FAILED )"
    echo "$output" | sed 's/^/    /'
    result=$(echo "$output" | sed -n 's/^output [0-9]*: \(.*\)/\1/p' | head -1)
    [ -n "$result" ] || result="(no golden: feeds the next kernel)"
    [ $status -eq 0 ] || { failed=$((failed + 1)); result="**FAILED**: $(echo "$output" | tail -1)"; }
    rows+="| $label | $test | \`$kernel\` | $result |"$'\n'
  done < "$bundle/tests.tsv"
}
echo "== kernel tests"
if [ -n "$cubin" ]; then
  kernel_tests "$cubin.cubin" "$cubin" "cubin $cubin"
fi
kernel_tests "sm_80.ptx" "sm_80" "PTX sm_80 (JIT)"
if [ "$sanitize" -eq 1 ]; then
  sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
  sbin=${cubin:+$cubin.cubin}
  for tool in memcheck racecheck; do
    kernel_tests "${sbin:-sm_80.ptx}" "${cubin:-sm_80}" "$tool (${cubin:-sm_80 PTX})" \
      "$sanitizer" --tool "$tool" --error-exitcode 97 --print-limit 20
  done
fi

echo "== multi-target artifact"
artifact_rows=""
seqrun=$build/bin/seqrun
for f in "$bundle"/artifact/*.seqpkg; do
  t=$(basename "$f" .seqpkg)
  while IFS= read -r line; do
    args=${line//@DATA@/$bundle/data}
    entry=$(echo "$args" | sed -n 's/.*--entry \([^ ]*\).*/\1/p')
    [ -f "$bundle/artifact/$t.tokens" ] && entry=${entry:-session}
    for dev in cuda cpu; do
      # shellcheck disable=SC2086
      output=$("$seqrun" "$f" --device=$dev $args < /dev/null 2>&1)
      status=$?
      # Generation (a session): the printed tokens against the golden's.
      tokens="$bundle/artifact/$t.tokens"
      if [ $status -eq 0 ] && [ -f "$tokens" ] &&
          ! echo "$output" | grep -qxF "$(cat "$tokens")"; then
        output+=$'\n'"tokens differ from the golden: $(cat "$tokens")"
        status=1
      fi
      echo "[$dev] $t ${entry:-main}: $( [ $status -eq 0 ] && echo ok || echo FAILED )"
      echo "$output" | sed 's/^/    /'
      chosen=$(echo "$output" | sed -n 's/^seqrun: device: //p')
      result=$(echo "$output" | sed -n 's/^output [0-9]*[^:]*: \(.*\)/\1/p' | head -1)
      [ -f "$tokens" ] && [ $status -eq 0 ] && result="the golden's $(wc -w < "$tokens") tokens"
      # Entries run on the GPU through their launch plans: any non-zero
      # status (a refused entry included) is a failure.
      if [ $status -ne 0 ]; then
        failed=$((failed + 1))
        result="**FAILED**: $(echo "$output" | tail -1)"
      fi
      artifact_rows+="| $t | ${entry:-main} | $dev | ${chosen:-(not loaded)} | $result |"$'\n'
    done
  done < "$bundle/artifact/$t.args"
done

bench_md="(not run: --no-bench)"
if [ "$bench" -eq 1 ]; then
  echo "== attention benchmark"
  bsuffix=${cubin:+$cubin.cubin}
  bsuffix=${bsuffix:-sm_80.ptx}
  bmarch=${cubin:-sm_80}
  sms=$(echo "$info" | sed -n 's/^  0: [^,]*, [^,]*, \([0-9]*\) multiprocessors.*/\1/p')
  split_kernel=$(sed -n 's/^split=//p' "$bundle/bench/decode.txt")
  full_kernel=$(sed -n 's/^full=//p' "$bundle/bench/decode.txt")
  if bench_md=$(python3 "$src/scripts/gpu-check/bench_attention.py" \
      --runner "$run" --kernels "$bundle/bench" --suffix "$bsuffix" \
      --manifest-arch "$bmarch" --tmp "$tmp" --sms "$sms" \
      --split-kernel "$split_kernel" --full-kernel "$full_kernel"); then
    :
  else
    failed=$((failed + 1))
  fi
  echo "$bench_md"
fi

{
  echo "# seqc GPU check on $device ($arch)"
  echo
  echo "Run by scripts/gpu-check.sh on $(date -u +%Y-%m-%d) in $(( $(date +%s) - start )) s."
  echo "Bundle: $(tr '\n' ';' < "$bundle/PROVENANCE.txt")"
  echo
  echo '```'
  echo "$info"
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,memory.total --format=csv 2>&1
  python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda)' 2>&1
  echo '```'
  echo
  echo "## Kernel tests (the emulator's, on the GPU)"
  echo
  echo "| binary | test | kernel | result |"
  echo "| --- | --- | --- | --- |"
  printf '%s' "$rows"
  echo
  echo "## The multi-target artifact (seqrun --device)"
  echo
  echo "| artifact | entry | --device | device chosen | result |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s' "$artifact_rows"
  echo
  echo "## Attention against torch SDPA (flash backend)"
  echo
  echo "$bench_md"
  echo
  echo "Not benchmarked: the Mamba scan, short-convolution and MoE kernels"
  echo "(their kernel tests above run; no benchmark of them exists yet)."
} > "$report"
echo "== $failed failure(s); report: $report"
[ "$failed" -eq 0 ]

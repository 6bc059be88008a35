#!/usr/bin/env bash
# Prepares, on a machine with seqc (LLVM/MLIR) and the CUDA toolkit's
# ptxas, everything scripts/gpu-check.sh needs on a machine with an NVIDIA
# GPU that has no LLVM/MLIR and no package registry:
#
#   <out>/src/      the runtime and seq-gpu-run sources and the check scripts
#                   (built there with CMake alone: scripts/gpu-check/)
#   <out>/kernels/  per emulated kernel test: cubins for sm_80 and sm_90a,
#                   the sm_80 PTX (JIT-compiled by the driver on newer GPUs)
#                   and seqc's launch manifest
#   <out>/data/     the PyTorch goldens those tests compare with
#   <out>/bench/    the attention kernels of the FlashAttention benchmark
#                   grid (bf16, head dim 64 and 128, causal and not) and of
#                   the decode benchmark (split-KV + merge, and one pass)
#   <out>/tests.tsv the kernel tests: the ones test/Integration/GPU runs in
#                   the emulator, with the same arguments and tolerances
#   <out>/artifact/ a multi-target artifact (cuda:sm_90a, cuda:sm_80,
#                   hip:gfx942, cpu) of the bf16 linear test, which seqrun
#                   (built there too) loads for the GPU and runs
#
# Usage: scripts/gpu-check-prepare.sh [out-dir]   (default build/gpu-check)
# Then copy <out> to the GPU machine and run <out>/src/scripts/gpu-check.sh
# there. Fails if the bundle reaches 64 MiB.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEQC_BUILD_DIR:-$root/build}
out=${1:-$build/gpu-check}
seqc=$build/bin/seqc
if [ ! -x "$seqc" ]; then
  "$root/scripts/build.sh" --target seqc
fi
rm -rf "$out"
mkdir -p "$out/src/scripts" "$out/src/tools" "$out/kernels" "$out/data" \
  "$out/bench" "$out/artifact" "$out/src/include/seqc"

# Sources: the runtime, the runner and the scripts (no LLVM/MLIR needed).
cp -r "$root/runtime" "$out/src/runtime"
rm -rf "$out/src/runtime/utils"
cp -r "$root/tools/seq-gpu-run" "$out/src/tools/seq-gpu-run"
cp -r "$root/tools/seqrun" "$out/src/tools/seqrun"
cp "$root/include/seqc/Version.h.in" "$out/src/include/seqc/"
cp "$root/scripts/gpu-check.sh" "$out/src/scripts/"
cp -r "$root/scripts/gpu-check" "$out/src/scripts/gpu-check"

gpu=$root/test/Integration/GPU
cpu=$root/test/Integration/CPU/Inputs
archs="sm_80 sm_90a"

# compile <name> <source.mlir>: cubins (+ PTX for sm_80) and manifests.
compile() {
  local name=$1 src=$2 dir=$3
  for arch in $archs; do
    "$seqc" "$src" --target=cuda:$arch -emit=gpu-bin \
      --gpu-manifest="$dir/$name.$arch.json" -o "$dir/$name.$arch.cubin"
  done
  "$seqc" "$src" --target=cuda:sm_80 -emit=gpu-asm -o "$dir/$name.sm_80.ptx"
}

# data <path under test/Integration>: copied into data/, printed as @DATA@/...
data() {
  mkdir -p "$out/data/$(dirname "$1")"
  cp "$root/test/Integration/$1" "$out/data/$1"
  echo "@DATA@/$1"
}

# The kernel tests of test/Integration/GPU (the emulator's), one line per
# kernel run: name, kernel, seq-gpu-run arguments (@DATA@: data/, @TMP@: a
# folder for files one run saves for the next).
tests=$out/tests.tsv
: > "$tests"
linear() { # name source kernel data-dir tolerances
  local name=$1 src=$2 kernel=$3 d=$4 tol=$5
  compile "$name" "$gpu/$src" "$out/kernels"
  printf '%s\t%s\t%s\n' "$name" "$kernel" \
    "--arg 0=$(data CPU/Inputs/$d/x.npy) --arg 1=$(data CPU/Inputs/$d/weight.npy) --arg 2=$(data CPU/Inputs/$d/bias.npy) --expect 3=$(data CPU/Inputs/$d/out.npy) $tol" \
    >> "$tests"
}
linear linear_bf16 linear_bf16.mlir linear_bf16_bias linear_bf16 "--rtol 2e-2 --atol 2e-2"
linear linear_f16 linear_f16.mlir linear_f16_bias linear_bf16 "--rtol 2e-2 --atol 2e-2"
linear linear_bias linear_bias.mlir linear_f32_bias linear_bias "--rtol 1e-4 --atol 1e-5"
compile linear_odd_2d "$gpu/linear_odd_2d.mlir" "$out/kernels"
printf '%s\t%s\t%s\n' linear_odd_2d linear_f32 \
  "--arg 0=$(data CPU/Inputs/linear_odd_2d/x.npy) --arg 1=$(data CPU/Inputs/linear_odd_2d/weight.npy) --expect 2=$(data CPU/Inputs/linear_odd_2d/out.npy) --rtol 1e-4 --atol 1e-5" \
  >> "$tests"

attention() { # name source kernel data-dir tolerance
  local name=$1 src=$2 kernel=$3 d=$4 tol=$5
  compile "$name" "$gpu/$src" "$out/kernels"
  printf '%s\t%s\t%s\n' "$name" "$kernel" \
    "--arg 0=$(data $d/q.npy) --arg 1=$(data $d/k.npy) --arg 2=$(data $d/v.npy) --expect 3=$(data $d/out.npy) --rtol $tol --atol $tol" \
    >> "$tests"
}
attention attention_bf16_gqa_causal attention_bf16_gqa_causal.mlir \
  attention_bf16_g2_d64_dv64_q32_causal CPU/Inputs/attn_bf16_gqa_causal 2e-2
attention attention_f16_gqa_causal attention_f16_gqa_causal.mlir \
  attention_f16_g4_d64_dv64_q16_causal GPU/Inputs/attn_gpu_f16_gqa_causal 4e-3
attention attention_bf16_d128 attention_bf16_d128.mlir \
  attention_bf16_g1_d128_dv128_q24_s3dcccccd GPU/Inputs/attn_gpu_bf16_d128 2e-2
# Split-KV decode: the split kernel's partials and lse feed the merge.
compile attention_decode_bf16 "$gpu/attention_decode_bf16.mlir" "$out/kernels"
d=GPU/Inputs/attn_gpu_decode_bf16
printf '%s\t%s\t%s\n' attention_decode_bf16 \
  attention_bf16_g4_d32_dv32_q2_causal_split \
  "--arg 0=$(data $d/q.npy) --arg 1=$(data $d/k.npy) --arg 2=$(data $d/v.npy) --scratch 3=1x8x4x2x32 --scratch 4=1x8x4x2 --save 3=@TMP@/part.npy --save 4=@TMP@/lse.npy" \
  >> "$tests"
printf '%s\t%s\t%s\n' attention_decode_bf16 attention_merge_bf16 \
  "--arg 0=@TMP@/part.npy --arg 1=@TMP@/lse.npy --expect 2=$(data $d/out.npy) --rtol 2e-2 --atol 2e-2" \
  >> "$tests"

# Norms, RoPE, SwiGLU and the residual add (seq-gpu-norm-kernels and
# seq-gpu-elementwise-kernels). run <name> <kernel> <args>: one kernel run;
# named_kernel <name> <prefix>: the kernel whose name starts so (RoPE
# kernels end in a hash of their frequency table).
run() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$tests"; }
named_kernel() {
  grep -o "\"name\": \"$2[^\"]*\"" "$out/kernels/$1.sm_80.json" | head -1 |
    cut -d'"' -f4
}
compile rms_norm "$gpu/rms_norm.mlir" "$out/kernels"
d=CPU/Inputs/rms_norm
run rms_norm rms_norm_f32_warp_eps3727c5ac \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/weight.npy) --expect 2=$(data $d/out.npy) --rtol 1e-4 --atol 1e-5"
compile rms_norm_bf16 "$gpu/rms_norm_bf16.mlir" "$out/kernels"
d=CPU/Inputs/rms_norm_bf16
run rms_norm_bf16 rms_norm_bf16_warp_eps358637bd \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/weight.npy) --expect 2=$(data $d/out.npy) --rtol 2e-2 --atol 2e-2"
compile layer_norm "$gpu/layer_norm.mlir" "$out/kernels"
d=CPU/Inputs/layer_norm_bias
run layer_norm layer_norm_f32_bias_warp_eps3727c5ac \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/weight.npy) --arg 2=$(data $d/bias.npy) --expect 3=$(data $d/out.npy) --rtol 1e-4 --atol 1e-5"
d=CPU/Inputs/layer_norm_nobias
run layer_norm layer_norm_f32_warp_eps358637bd \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/weight.npy) --expect 2=$(data $d/out.npy) --rtol 1e-4 --atol 1e-5"
for r in rope_neox rope_gptj rope_partial_neox rope_partial_gptj rope_inv_freq; do
  compile "$r" "$root/test/Integration/CPU/model/$r.mlir" "$out/kernels"
  d=CPU/Inputs/$r
  run "$r" "$(named_kernel "$r" rope_)" \
    "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/positions.npy) --expect 2=$(data $d/out.npy) --rtol 1e-4 --atol 1e-4"
done
compile rope_bf16_long "$gpu/rope_bf16_long.mlir" "$out/kernels"
d=GPU/Inputs/rope_gpu_bf16_long
run rope_bf16_long "$(named_kernel rope_bf16_long rope_)" \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/positions.npy) --expect 2=$(data $d/out.npy) --rtol 2e-2 --atol 2e-2"
compile swiglu_add "$gpu/swiglu_add.mlir" "$out/kernels"
d=CPU/Inputs/swiglu
run swiglu_add swiglu_f32 \
  "--arg 0=$(data $d/gate.npy) --arg 1=$(data $d/up.npy) --expect 2=$(data $d/out.npy) --rtol 1e-4 --atol 1e-5"
d=GPU/Inputs/swiglu_add_gpu_bf16
run swiglu_add swiglu_bf16 \
  "--arg 0=$(data $d/gate.npy) --arg 1=$(data $d/up.npy) --expect 2=$(data $d/swiglu.npy) --rtol 2e-2 --atol 2e-2"
run swiglu_add add_bf16 \
  "--arg 0=$(data $d/residual.npy) --arg 1=$(data $d/gate.npy) --expect 2=$(data $d/sum.npy) --rtol 2e-2 --atol 2e-2"

compile sample_greedy "$gpu/sample_greedy.mlir" "$out/kernels"
d=GPU/Inputs/argmax_gpu
run sample_greedy argmax_f32 \
  "--arg 0=$(data $d/logits.npy) --expect 1=$(data $d/tokens.npy) --rtol 0 --atol 0"
run sample_greedy argmax_f32 \
  "--arg 0=$(data CPU/Inputs/sample_invalid/nan.npy) --expect 1=$(data $d/nan_tokens.npy) --rtol 0 --atol 0"

# The short convolution and the scans (seq-gpu-conv-kernels and
# seq-gpu-scan-kernels): prefill, decode step, f32 and bf16.
compile conv "$gpu/conv.mlir" "$out/kernels"
d=CPU/Inputs/conv_prefill
run conv causal_conv1d_f32_wf32_k4_biasf32_fsf32_silu_r51 \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/w.npy) --arg 2=$(data $d/bias.npy) --expect 3=$(data $d/y.npy) --expect 4=$(data $d/final_state.npy) --rtol 1e-4 --atol 1e-5"
d=CPU/Inputs/conv_short_input_state
run conv causal_conv1d_f32_wf32_k5_statef32_fsf32_r146 \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/w.npy) --arg 2=$(data $d/state.npy) --expect 3=$(data $d/y.npy) --expect 4=$(data $d/final_state.npy) --rtol 1e-4 --atol 1e-5"
for v in decode:causal_conv1d_f32_wf32_k4_biasf32_statef32_fsf32_silu_r3:1e-4:1e-5 \
    bf16:causal_conv1d_bf16_wbf16_k4_biasbf16_statebf16_fsbf16_silu_r3:2e-2:2e-2; do
  IFS=: read -r c kernel rtol atol <<< "$v"
  d=GPU/Inputs/conv_gpu_$c
  run conv "$kernel" \
    "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/w.npy) --arg 2=$(data $d/bias.npy) --arg 3=$(data $d/state.npy) --expect 4=$(data $d/y.npy) --expect 5=$(data $d/final_state.npy) --rtol $rtol --atol $atol"
done
mamba1_args() { # data-dir
  echo "--arg 0=$(data $1/dt.npy) --arg 1=$(data $1/dt_bias.npy) --arg 2=$(data $1/x.npy) --arg 3=$(data $1/A_log.npy) --arg 4=$(data $1/B.npy) --arg 5=$(data $1/C.npy) --arg 6=$(data $1/h0.npy) --expect 7=$(data $1/y.npy) --expect 8=$(data $1/final_state.npy) --rtol 1e-4 --atol 1e-5"
}
compile scan_mamba1 "$gpu/scan_mamba1.mlir" "$out/kernels"
run scan_mamba1 scan_f32_g16 "$(mamba1_args GPU/Inputs/scan_gpu_mamba1)"
run scan_mamba1 scan_f32_g16_1 "$(mamba1_args GPU/Inputs/scan_gpu_mamba1_bf16)"
d=CPU/Inputs/scan_mamba1_chunked
run scan_mamba1 scan_f32_g4 \
  "--arg 0=$(data $d/dt.npy) --arg 1=$(data $d/x.npy) --arg 2=$(data $d/A.npy) --arg 3=$(data $d/B.npy) --arg 4=$(data $d/C.npy) --arg 5=$(data $d/h0.npy) --expect 6=$(data $d/y.npy) --expect 7=$(data $d/h.npy) --rtol 1e-4 --atol 1e-5"
compile scan_step "$gpu/scan_step.mlir" "$out/kernels"
run scan_step scan_step_f32_g16 "$(mamba1_args GPU/Inputs/scan_gpu_step)"
run scan_step scan_step_f32_g16_1 "$(mamba1_args GPU/Inputs/scan_gpu_step_bf16)"
compile scan_linear "$gpu/scan_linear.mlir" "$out/kernels"
for v in scan_bf16_inputs:scan_f32_g1 scan_reverse:scan_f32_g1_reverse; do
  IFS=: read -r c kernel <<< "$v"
  d=CPU/Inputs/$c
  run scan_linear "$kernel" \
    "--arg 0=$(data $d/a.npy) --arg 1=$(data $d/b.npy) --arg 2=$(data $d/h0.npy) --expect 3=$(data $d/out.npy) --expect 4=$(data $d/final_state.npy) --rtol 1e-4 --atol 1e-5"
done

# The benchmark's attention kernels: one per head dim and causality (the
# kernels read every extent at run time; the shape here names them and
# must give KernelDispatch enough query blocks to fill a GPU, or it picks
# the split-KV form with its merge, which the prefill benchmark does not
# launch).
for hd in 64 128; do
  heads=$((2048 / hd))
  for causal in causal noncausal; do
    t="tensor<16x${heads}x1024x${hd}xbf16>"
    flag=""
    [ "$causal" = causal ] && flag=" causal"
    cat > "$out/bench/attention_d${hd}_$causal.mlir" <<MLIR
func.func @main(%q: $t, %k: $t, %v: $t) -> $t {
  %o = seq.attention %q, %k, %v$flag : $t, $t, $t -> $t
  return %o : $t
}
MLIR
    compile "attention_d${hd}_$causal" "$out/bench/attention_d${hd}_$causal.mlir" \
      "$out/bench"
  done
done

# Decode attention (Llama-3-8B's shape: 32 query heads on 8 KV heads, head
# dim 128, one query per sequence): with one sequence KernelDispatch
# splits the keys (split-KV kernel + merge), with 64 the grid fills the GPU
# and the prefill kernel runs in one pass.
decode_mlir() { # name batch
  local q="tensor<$2x32x1x128xbf16>" kv="tensor<$2x8x1024x128xbf16>"
  cat > "$out/bench/$1.mlir" <<MLIR
func.func @main(%q: $q, %k: $kv, %v: $kv) -> $q {
  %o = seq.attention %q, %k, %v : $q, $kv, $kv -> $q
  return %o : $q
}
MLIR
  compile "$1" "$out/bench/$1.mlir" "$out/bench"
}
decode_mlir decode_split 1
decode_mlir decode_full 64
python3 - "$out/bench" <<'PY'
import json, sys
d = sys.argv[1]
names = lambda f: [k["name"] for k in json.load(open(f"{d}/{f}.sm_80.json"))["kernels"]]
for f in ("attention_d64_causal", "attention_d64_noncausal",
          "attention_d128_causal", "attention_d128_noncausal"):
    assert len(names(f)) == 1 and not names(f)[0].endswith("_split"), names(f)
split = [n for n in names("decode_split") if n.endswith("_split")]
full = names("decode_full")
assert len(split) == 1 and "attention_merge_bf16" in names("decode_split"), names("decode_split")
assert len(full) == 1 and not full[0].endswith("_split"), full
open(f"{d}/decode.txt", "w").write(f"split={split[0]}\nfull={full[0]}\n")
PY

# One artifact for every target: gpu-check.sh loads it with seqrun
# --device=cuda (the real driver loads the cubin or JIT-compiles the PTX
# and resolves every manifest kernel) and runs its entry on the GPU and on
# the CPU against the PyTorch golden.
"$seqc" "$gpu/linear_bf16.mlir" --target=cuda:sm_90a,cuda:sm_80,hip:gfx942,cpu -cpu=x86-64-v2 \
  -o "$out/artifact/linear_bf16.seqpkg"
d=CPU/Inputs/linear_bf16
printf '%s\n' "--input 0=$(data $d/x.npy) --input 1=$(data $d/weight.npy) --input 2=$(data $d/bias.npy) --expect 0=$(data $d/out.npy) --rtol 2e-2 --atol 2e-2" \
  > "$out/artifact/linear_bf16.args"

{
  echo "seqc gpu-check bundle"
  echo "commit: $(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "seqc: $("$seqc" --version 2>&1 | head -1)"
  echo "ptxas: $("$(dirname "$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)")/ptxas" --version 2>&1 | tail -1)"
  echo "made: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} > "$out/PROVENANCE.txt"

bytes=$(du -sb "$out" | cut -f1)
if [ "$bytes" -ge $((64 * 1024 * 1024)) ]; then
  echo "gpu-check-prepare: the bundle is $bytes bytes (limit 64 MiB)" >&2
  exit 1
fi
echo "gpu-check-prepare: $out ($(wc -l < "$tests") kernel runs, $((bytes / 1024)) KiB)"

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
#                   the decode benchmark (the decode form + merge, and one
#                   pass)
#   <out>/tests.tsv the kernel tests: the ones test/Integration/GPU runs in
#                   the emulator, with the same arguments and tolerances
#                   (a kernel sequence saves to @TMP@ what the next reads)
#   <out>/artifact/ multi-target artifacts (cuda:sm_90a, cuda:sm_80, cpu;
#                   hip:gfx942 too for the first) of the bf16 linear test
#                   and of the host test model (an MLP block with bound
#                   weights, an f32 residual, LayerNorm, RoPE, greedy
#                   sampling, prefill and split-KV decode attention), whose
#                   entries seqrun (built there too) runs on the GPU and on
#                   the CPU code: <name>.args has one run per line
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
# cp.async staging (sm_80+): K = 40 by 16-byte copies, K = 36 copied
# synchronously (72-byte rows); PyTorch goldens of gen/gen_linear_gpu.py.
compile linear_async_bf16 "$gpu/linear_async_bf16.mlir" "$out/kernels"
for d in GPU/Inputs/linear_gpu_bf16_k40 GPU/Inputs/linear_gpu_bf16_k36; do
  printf '%s\t%s\t%s\n' linear_async_bf16 linear_bf16_bias \
    "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/weight.npy) --arg 2=$(data $d/bias.npy) --expect 3=$(data $d/out.npy) --rtol 2e-2 --atol 2e-2" \
    >> "$tests"
done
# wgmma (sm_90a: the sm_90a cubin runs the warpgroup form, the sm_80 PTX
# mma.sync): bf16 with bias over 2 x 2 partial tiles, f16 with 72-byte
# rows; PyTorch goldens of gen/gen_linear_wgmma.py.
compile linear_wgmma "$gpu/linear_wgmma.mlir" "$out/kernels"
d=GPU/Inputs/linear_wgmma_bf16
printf '%s\t%s\t%s\n' linear_wgmma linear_bf16_bias \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/weight.npy) --arg 2=$(data $d/bias.npy) --expect 3=$(data $d/out.npy) --rtol 2e-2 --atol 2e-2" \
  >> "$tests"
d=GPU/Inputs/linear_wgmma_f16
printf '%s\t%s\t%s\n' linear_wgmma linear_f16 \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/weight.npy) --expect 2=$(data $d/out.npy) --rtol 2e-2 --atol 2e-2" \
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
# The sm_90a cubins of these run the wgmma prefill form (the sm_80 ones
# mma.sync): bf16 causal at D = 128 and non-causal at D = 64, partial tiles.
attention attention_bf16_d128_causal attention_bf16_d128_causal.mlir \
  attention_bf16_g2_d128_dv128_q32_causal GPU/Inputs/attn_gpu_bf16_d128_causal 2e-2
attention attention_bf16_d64_noncausal attention_bf16_d64_noncausal.mlir \
  attention_bf16_g2_d64_dv64_q32 GPU/Inputs/attn_gpu_bf16_d64_noncausal 2e-2
# Sliding window + softcap (Gemma-2/Mistral): causal window 24 with softcap
# 1.5 at D = 64 (window block skipping), non-causal window 30 with softcap
# 3 at D = 128 (the sm_90a cubins: the wgmma form).
attention attention_window_softcap attention_window_softcap.mlir \
  attention_bf16_g2_d64_dv64_q32_causal_w24_sc3fc00000 \
  GPU/Inputs/attn_gpu_window_softcap 2e-2
attention attention_window_d128 attention_window_d128.mlir \
  attention_bf16_g1_d128_dv128_q40_w30_sc40400000 \
  GPU/Inputs/attn_gpu_window_d128 2e-2
# Split-KV decode: the split kernel's partials and lse feed the merge. For
# CUDA seqc picks the decode form for these shapes (the split counts are
# the same for sm_80's 108 SMs and sm_90a's 132).
# decode <name> <source> <kernel> <data-dir> <partial-shape> <lse-shape>
decode() {
  local d=GPU/Inputs/$4
  printf '%s\t%s\t%s\n' "$1" "$3" \
    "--arg 0=$(data $d/q.npy) --arg 1=$(data $d/k.npy) --arg 2=$(data $d/v.npy) --scratch 3=$5 --scratch 4=$6 --save 3=@TMP@/part.npy --save 4=@TMP@/lse.npy" \
    >> "$tests"
  printf '%s\t%s\t%s\n' "$1" attention_merge_bf16 \
    "--arg 0=@TMP@/part.npy --arg 1=@TMP@/lse.npy --expect 2=$(data $d/out.npy) --rtol 2e-2 --atol 2e-2" \
    >> "$tests"
}
compile attention_decode_bf16 "$gpu/attention_decode_bf16.mlir" "$out/kernels"
decode attention_decode_bf16 attention_decode_bf16.mlir \
  attention_bf16_g4_d32_dv32_q2_causal_decode attn_gpu_decode_bf16 \
  1x8x2x2x32 1x8x2x2
compile attention_decode_bf16_d128 "$gpu/attention_decode_bf16_d128.mlir" \
  "$out/kernels"
decode attention_decode_bf16_d128 attention_decode_bf16_d128.mlir \
  attention_bf16_g4_d128_dv128_q1_decode attn_gpu_decode_bf16_d128 \
  1x8x6x1x128 1x8x6x1
decode attention_decode_bf16_d128 attention_decode_bf16_d128.mlir \
  attention_bf16_g4_d128_dv128_q2_causal_decode \
  attn_gpu_decode_bf16_d128_causal 1x8x4x2x128 1x8x4x2
# The decode form with a window of 300 and softcap 4 (splits over the
# window's keys [543, 843), the last empty).
compile attention_decode_window "$gpu/attention_decode_window.mlir" \
  "$out/kernels"
decode attention_decode_window attention_decode_window.mlir \
  attention_bf16_g4_d128_dv128_q1_w300_sc40800000_decode \
  attn_gpu_decode_window 1x8x6x1x128 1x8x6x1
# Ragged KV (kv_lengths read on the device, an i32 status word last): the
# decode form + merge over counts 1, 0, 512, 203 of a 512-key cache, and
# 513, -2 (clamped, status 2); the f16 chunked prefill (counts 5, 130, 3).
compile attention_ragged "$gpu/attention_ragged.mlir" "$out/kernels"
d=GPU/Inputs/attn_gpu_ragged_decode_bf16
for c in "" _bad; do
  printf '%s\t%s\t%s\n' attention_ragged attention_bf16_g4_d64_dv64_q1_kvlen_decode \
    "--arg 0=$(data $d/q.npy) --arg 1=$(data $d/k.npy) --arg 2=$(data $d/v.npy) --arg 3=$(data $d/lengths$c.npy) --scratch 4=4x4x2x1x64 --scratch 5=4x4x2x1 --arg 6=$(data $d/status.npy) --expect 6=$(data $d/status$c.npy) --rtol 0 --atol 0 --save 4=@TMP@/part.npy --save 5=@TMP@/lse.npy" \
    >> "$tests"
  printf '%s\t%s\t%s\n' attention_ragged attention_merge_bf16 \
    "--arg 0=@TMP@/part.npy --arg 1=@TMP@/lse.npy --expect 2=$(data $d/out$c.npy) --rtol 2e-2 --atol 2e-2" \
    >> "$tests"
done
d=GPU/Inputs/attn_gpu_ragged_prefill_f16
printf '%s\t%s\t%s\n' attention_ragged attention_f16_g2_d64_dv64_q5_causal_kvlen \
  "--arg 0=$(data $d/q.npy) --arg 1=$(data $d/k.npy) --arg 2=$(data $d/v.npy) --arg 3=$(data $d/lengths.npy) --arg 5=$(data $d/status.npy) --expect 5=$(data $d/status.npy) --expect 4=$(data $d/out.npy) --rtol 4e-3 --atol 4e-3" \
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

# seq.embedding and seq.cache_write (StateKernels.cpp): exact row copies;
# the bad-id and overflow cases expect the status word's codes (1, 2).
compile embedding_cache_write "$gpu/embedding_cache_write.mlir" "$out/kernels"
d=GPU/Inputs/state_gpu
ok="--arg 3=$(data $d/status_zero.npy) --rtol 0 --atol 0"
for t in f32 bf16 f16; do
  run embedding_cache_write "embedding_$t" \
    "--arg 0=$(data $d/table_$t.npy) --arg 1=$(data $d/ids_$t.npy) --expect 2=$(data $d/emb_$t.npy) $ok --expect 3=$(data $d/status_zero.npy)"
  run embedding_cache_write "cache_write_$t" \
    "--arg 0=$(data $d/update_$t.npy) --arg 1=$(data $d/pos_$t.npy) --arg 2=$(data $d/cache_$t.npy) --expect 2=$(data $d/written_$t.npy) $ok --expect 3=$(data $d/status_zero.npy)"
done
run embedding_cache_write embedding_bf16 \
  "--arg 0=$(data $d/table_bf16.npy) --arg 1=$(data $d/ids_bad.npy) --expect 2=$(data $d/emb_bad.npy) $ok --expect 3=$(data $d/status_index.npy)"
for c in over neg; do
  run embedding_cache_write cache_write_bf16 \
    "--arg 0=$(data $d/update_bf16.npy) --arg 1=$(data $d/pos_$c.npy) --arg 2=$(data $d/cache_bf16.npy) --expect 2=$(data $d/written_$c.npy) $ok --expect 3=$(data $d/status_overflow.npy)"
done

# Temperature + top-k + top-p sampling (SampleKernel.cpp): the NumPy
# Philox goldens of test/Integration/GPU/sample_topk_topp.mlir.
compile sample_topk_topp "$gpu/sample_topk_topp.mlir" "$out/kernels"
d=GPU/Inputs/sample_gpu
for draw in a b c d; do
  run sample_topk_topp sample_f32_t3f333333_k40_p3f666666 \
    "--arg 0=$(data $d/v1000/logits.npy) --arg 1=$(data $d/philox_$draw.npy) --expect 2=$(data $d/v1000/tokens_$draw.npy) --rtol 0 --atol 0"
done
for draw in a c; do
  run sample_topk_topp sample_f32_t3f333333_k40_p3f666666 \
    "--arg 0=$(data $d/v49152/logits.npy) --arg 1=$(data $d/philox_$draw.npy) --expect 2=$(data $d/v49152/tokens_$draw.npy) --rtol 0 --atol 0"
done
run sample_topk_topp sample_f32_t3f333333_k0_p3f666666 \
  "--arg 0=$(data $d/v3000_topp/logits.npy) --arg 1=$(data $d/philox_b.npy) --expect 2=$(data $d/v3000_topp/tokens_b.npy) --rtol 0 --atol 0"
run sample_topk_topp sample_f32_t3f333333_k40_p3f666666 \
  "--arg 0=$(data CPU/Inputs/sample_invalid/nan.npy) --arg 1=$(data $d/philox_a.npy) --expect 2=$(data $d/nan_tokens.npy) --rtol 0 --atol 0"

# MoE (seq-gpu-moe-kernels): routing, dispatch, the bf16 experts (tile list, gate/up,
# down, combine: each saves its result for the next) and the Mixtral,
# capacity-limited and DeepSeek-V3 (shared expert) blocks as kernel
# sequences, as test/Integration/GPU/moe_*.
compile moe_route "$gpu/moe_route.mlir" "$out/kernels"
for r in "moe_route_f32_topk_softmax_k2 moe_route_softmax_norm" \
    "moe_route_f32_softmax_k2 moe_route_softmax_unnorm" \
    "moe_route_f32_topk_softmax_k3 moe_route_topk_softmax"; do
  read -r kernel case <<< "$r"
  d=CPU/Inputs/$case
  run moe_route "$kernel" \
    "--arg 0=$(data $d/logits.npy) --expect 1=$(data $d/weights.npy) --expect 2=$(data $d/experts.npy) --rtol 1e-4 --atol 1e-5"
done
d=CPU/Inputs/moe_route_sigmoid_grouped
run moe_route moe_route_f32_sigmoid_k4_norm_bias_f32_s40200000_g4_2 \
  "--arg 0=$(data $d/logits.npy) --arg 1=$(data $d/bias.npy) --expect 2=$(data $d/weights.npy) --expect 3=$(data $d/experts.npy) --rtol 1e-4 --atol 1e-5"
compile moe_dispatch "$gpu/moe_dispatch.mlir" "$out/kernels"
d=CPU/Inputs/moe_dispatch
run moe_dispatch moe_dispatch_e4 \
  "--arg 0=$(data $d/experts.npy) --expect 1=$(data $d/permutation.npy) --expect 2=$(data $d/expert_offsets.npy) --rtol 0 --atol 0"
d=GPU/Inputs/moe_dispatch_gpu_capacity
run moe_dispatch moe_dispatch_e4_cap3fa00000 \
  "--arg 0=$(data CPU/Inputs/moe_dispatch_capacity/experts.npy) --expect 1=$(data $d/permutation.npy) --expect 2=$(data $d/expert_offsets.npy) --rtol 0 --atol 0"
d=GPU/Inputs/moe_dispatch_gpu_long
run moe_dispatch moe_dispatch_e8_cap3f800000 \
  "--arg 0=$(data $d/experts.npy) --expect 1=$(data $d/permutation.npy) --expect 2=$(data $d/expert_offsets.npy) --rtol 0 --atol 0"
compile moe_experts_bf16 "$gpu/moe_experts_bf16.mlir" "$out/kernels"
# The routed experts' tile list (moe_tiles_m32): perm, offsets -> tiles
# [ceil(S / 32) + E, 2] (the length given), status (0 for valid offsets).
moe_tiles() { # name perm offsets list-length tiles-file
  local zero
  zero=$(data GPU/Inputs/moe_tiles/status0.npy)
  run "$1" moe_tiles_m32 \
    "--arg 0=$2 --arg 1=$3 --scratch 2=$4x2 --arg 3=$zero --expect 3=$zero --rtol 0 --atol 0 --save 2=$5"
}
moe_bf16() { # tag data-dir slots model hidden list-length
  local t=@TMP@/moe_bf16_$1 d=$2
  moe_tiles moe_experts_bf16 "$(data $d/permutation.npy)" "$(data $d/expert_offsets.npy)" "$6" "$t.tiles.npy"
  run moe_experts_bf16 moe_gate_up_swiglu_bf16 \
    "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/permutation.npy) --arg 2=$(data $d/expert_offsets.npy) --arg 3=$(data $d/w_gate.npy) --arg 4=$(data $d/w_up.npy) --arg 5=$t.tiles.npy --scratch 6=$3x$5 --save 6=$t.h.npy"
  run moe_experts_bf16 moe_down_bf16 \
    "--arg 0=$t.h.npy --arg 1=$(data $d/permutation.npy) --arg 2=$(data $d/expert_offsets.npy) --arg 3=$(data $d/w_down.npy) --arg 4=$(data $d/weights.npy) --arg 5=$t.tiles.npy --scratch 6=$3x$4 --save 6=$t.ys.npy"
  run moe_experts_bf16 moe_combine_bf16 \
    "--arg 0=$t.ys.npy --expect 1=$(data $d/out.npy) --rtol 2e-2 --atol 2e-2"
}
moe_bf16 small CPU/Inputs/moe_experts_swiglu_bf16 16 16 32 5
moe_bf16 large GPU/Inputs/moe_gpu_bf16 96 48 80 7
moe_f32_experts() { # name data-dir slots model hidden list-length
  local name=$1 t=@TMP@/$1 d=$2
  moe_tiles "$name" "$t.perm.npy" "$t.off.npy" "$6" "$t.tiles.npy"
  run "$name" moe_gate_up_swiglu_f32 \
    "--arg 0=$(data $d/x.npy) --arg 1=$t.perm.npy --arg 2=$t.off.npy --arg 3=$(data $d/w_gate.npy) --arg 4=$(data $d/w_up.npy) --arg 5=$t.tiles.npy --scratch 6=$3x$5 --save 6=$t.h.npy"
  run "$name" moe_down_f32 \
    "--arg 0=$t.h.npy --arg 1=$t.perm.npy --arg 2=$t.off.npy --arg 3=$(data $d/w_down.npy) --arg 4=$t.w.npy --arg 5=$t.tiles.npy --scratch 6=$3x$4 --save 6=$t.ys.npy"
  run "$name" moe_combine_f32 \
    "--arg 0=$t.ys.npy --expect 1=$(data $d/out.npy) --rtol 1e-4 --atol 1e-5"
}
compile moe_mixtral_block "$gpu/moe_mixtral_block.mlir" "$out/kernels"
d=CPU/Inputs/moe_mixtral_block t=@TMP@/moe_mixtral_block
run moe_mixtral_block linear_f32 \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/w_router.npy) --scratch 2=16x8 --save 2=$t.logits.npy"
run moe_mixtral_block moe_route_f32_topk_softmax_k2 \
  "--arg 0=$t.logits.npy --scratch 1=16x2 --scratch 2=16x2 --save 1=$t.w.npy --save 2=$t.e.npy"
run moe_mixtral_block moe_dispatch_e8 \
  "--arg 0=$t.e.npy --scratch 1=32 --scratch 2=9 --save 1=$t.perm.npy --save 2=$t.off.npy"
moe_f32_experts moe_mixtral_block $d 32 32 64 9
compile moe_capacity_block "$gpu/moe_capacity_block.mlir" "$out/kernels"
d=CPU/Inputs/moe_capacity_block t=@TMP@/moe_capacity_block
run moe_capacity_block moe_route_f32_topk_softmax_k2 \
  "--arg 0=$(data $d/logits.npy) --scratch 1=16x2 --scratch 2=16x2 --save 1=$t.w.npy --save 2=$t.e.npy"
run moe_capacity_block moe_dispatch_e4_cap3f800000 \
  "--arg 0=$t.e.npy --scratch 1=32 --scratch 2=5 --save 1=$t.perm.npy --save 2=$t.off.npy"
moe_f32_experts moe_capacity_block $d 32 16 32 5
compile moe_deepseek_block "$root/test/Integration/CPU/moe/moe_deepseek_block.mlir" "$out/kernels"
d=CPU/Inputs/moe_deepseek_block t=@TMP@/moe_deepseek_block
run moe_deepseek_block linear_f32 \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/w_router.npy) --scratch 2=12x16 --save 2=$t.logits.npy"
run moe_deepseek_block moe_route_f32_sigmoid_k4_norm_bias_f32_s40200000_g4_2 \
  "--arg 0=$t.logits.npy --arg 1=$(data $d/bias.npy) --scratch 2=12x4 --scratch 3=12x4 --save 2=$t.w.npy --save 3=$t.e.npy"
run moe_deepseek_block moe_dispatch_e16 \
  "--arg 0=$t.e.npy --scratch 1=48 --scratch 2=17 --save 1=$t.perm.npy --save 2=$t.off.npy"
moe_tiles moe_deepseek_block "$t.perm.npy" "$t.off.npy" 18 "$t.tiles.npy"
run moe_deepseek_block moe_gate_up_swiglu_f32 \
  "--arg 0=$(data $d/x.npy) --arg 1=$t.perm.npy --arg 2=$t.off.npy --arg 3=$(data $d/w_gate.npy) --arg 4=$(data $d/w_up.npy) --arg 5=$t.tiles.npy --scratch 6=48x16 --save 6=$t.h.npy"
run moe_deepseek_block moe_down_f32 \
  "--arg 0=$t.h.npy --arg 1=$t.perm.npy --arg 2=$t.off.npy --arg 3=$(data $d/w_down.npy) --arg 4=$t.w.npy --arg 5=$t.tiles.npy --scratch 6=48x32 --save 6=$t.ys.npy"
run moe_deepseek_block moe_shared_gate_up_swiglu_f32 \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/shared_gate.npy) --arg 2=$(data $d/shared_up.npy) --scratch 3=12x32 --save 3=$t.hs.npy"
run moe_deepseek_block moe_shared_down_f32 \
  "--arg 0=$t.hs.npy --arg 1=$(data $d/shared_down.npy) --scratch 2=12x32 --save 2=$t.ysh.npy"
run moe_deepseek_block moe_combine_f32_shared \
  "--arg 0=$t.ys.npy --arg 1=$t.ysh.npy --expect 2=$(data $d/out.npy) --rtol 1e-4 --atol 1e-5"
# GeGLU / GELU experts (erf as a polynomial in the kernel) and
# seq.grouped_matmul, as test/Integration/GPU/moe_experts_gelu.mlir and
# grouped_matmul.mlir.
compile moe_experts_gelu "$gpu/moe_experts_gelu.mlir" "$out/kernels"
moe_gelu() { # tag data-dir gate/up-kernel type slots model hidden rtol atol list-length
  local t=@TMP@/moe_gelu_$1 d=$2 w="--arg 3=$(data $2/w_up.npy)" h=4
  if [[ $3 == moe_gate_up_* ]]; then
    w="--arg 3=$(data $d/w_gate.npy) --arg 4=$(data $d/w_up.npy)" h=5
  fi
  moe_tiles moe_experts_gelu "$(data $d/permutation.npy)" "$(data $d/expert_offsets.npy)" "${10}" "$t.tiles.npy"
  run moe_experts_gelu "$3" \
    "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/permutation.npy) --arg 2=$(data $d/expert_offsets.npy) $w --arg $h=$t.tiles.npy --scratch $((h + 1))=$5x$7 --save $((h + 1))=$t.h.npy"
  run moe_experts_gelu "moe_down_$4" \
    "--arg 0=$t.h.npy --arg 1=$(data $d/permutation.npy) --arg 2=$(data $d/expert_offsets.npy) --arg 3=$(data $d/w_down.npy) --arg 4=$(data $d/weights.npy) --arg 5=$t.tiles.npy --scratch 6=$5x$6 --save 6=$t.ys.npy"
  run moe_experts_gelu "moe_combine_$4" \
    "--arg 0=$t.ys.npy --expect 1=$(data $d/out.npy) --rtol $8 --atol $9"
}
moe_gelu geglu_bf16 GPU/Inputs/moe_gpu_geglu_bf16 moe_gate_up_geglu_bf16 bf16 96 48 80 2e-2 2e-2 7
moe_gelu gelu_bf16 GPU/Inputs/moe_gpu_gelu_bf16 moe_up_gelu_bf16 bf16 96 48 80 2e-2 2e-2 7
moe_gelu gelu_f32 CPU/Inputs/moe_experts_gelu moe_up_gelu_f32 f32 16 16 32 1e-4 1e-5 5
moe_gelu geglu_f32 CPU/Inputs/moe_experts_geglu_capacity moe_gate_up_geglu_f32 f32 16 16 32 1e-4 1e-5 5
d=GPU/Inputs/moe_gpu_gelu_range
moe_tiles moe_experts_gelu "$(data $d/permutation.npy)" "$(data $d/expert_offsets.npy)" 4 @TMP@/moe_gelu_range.tiles.npy
run moe_experts_gelu moe_up_gelu_f32 \
  "--arg 0=$(data $d/x.npy) --arg 1=$(data $d/permutation.npy) --arg 2=$(data $d/expert_offsets.npy) --arg 3=$(data $d/w_up.npy) --arg 4=@TMP@/moe_gelu_range.tiles.npy --expect 5=$(data $d/h_erf.npy) --rtol 0 --atol 1e-6"
compile grouped_matmul "$gpu/grouped_matmul.mlir" "$out/kernels"
for v in f32:CPU/Inputs/grouped_matmul:1e-4:1e-5 bf16:GPU/Inputs/grouped_matmul_gpu_bf16:2e-2:2e-2 \
    f16:GPU/Inputs/grouped_matmul_gpu_f16:5e-3:5e-3; do
  IFS=: read -r type d rtol atol <<< "$v"
  run grouped_matmul "grouped_matmul_$type" \
    "--arg 0=$(data $d/input.npy) --arg 1=$(data $d/weight.npy) --arg 2=$(data $d/offsets.npy) --arg 4=$(data GPU/Inputs/moe_tiles/status0.npy) --expect 4=$(data GPU/Inputs/moe_tiles/status0.npy) --expect 3=$(data $d/out.npy) --rtol $rtol --atol $atol"
done
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
# Mamba-2 ([B, H, P, N] state): the scan on the CPU test's goldens, the
# decode step on its own.
compile scan_mamba2 "$gpu/scan_mamba2.mlir" "$out/kernels"
run scan_mamba2 scan_heads_f32_g32 "$(mamba1_args CPU/Inputs/scan_mamba2_chunked)"
run scan_mamba2 scan_step_heads_f32_g16 "$(mamba1_args GPU/Inputs/scan_gpu_mamba2_step)"
# Mamba-2 with d_state above the warp (several state elements a lane):
# N = 128 and 64, the scans and decode steps, and a decode step at N = 80.
compile scan_mamba2_wide "$gpu/scan_mamba2_wide.mlir" "$out/kernels"
for v in n128:scan_heads_f32_g32_e4 n64:scan_heads_f32_g32_e2 \
    step_n128:scan_step_heads_f32_g32_e4 step_n64:scan_step_heads_f32_g32_e2 \
    step_n80:scan_step_heads_f32_g32_e3; do
  IFS=: read -r c kernel <<< "$v"
  run scan_mamba2_wide "$kernel" "$(mamba1_args GPU/Inputs/scan_gpu_mamba2_$c)"
done

# Quantized linear layers (seq-gpu-quant-kernels): q8_0, q4_0, q4_1, q4_k,
# q6_k in the decode form (T = 1, 3) and the prefill form (T = 64).
# v: case:kernel:tol with a kernel ending in _bias taking b.npy.
for fmt in q8_0 q4_0 q4_1 q4_k q6_k; do
  compile quant_linear_$fmt "$gpu/quant_linear_$fmt.mlir" "$out/kernels"
done
for v in q8_0_t1:qlinear_q8_0_decode_bias:1e-5:1e-4 \
    q8_0_t3:qlinear_q8_0_decode:1e-5:1e-4 \
    q8_0_t64:qlinear_q8_0_prefill_bias:5e-3:5e-3 \
    q4_0_t1:qlinear_q4_0_decode:1e-5:1e-4 \
    q4_0_t3:qlinear_q4_0_decode_bias:1e-5:1e-4 \
    q4_0_t64:qlinear_q4_0_prefill:5e-3:5e-3 \
    q4_1_t1:qlinear_q4_1_decode_bias:1e-5:1e-4 \
    q4_1_t3:qlinear_q4_1_decode:1e-5:1e-4 \
    q4_1_t64:qlinear_q4_1_prefill_bias:5e-3:5e-3 \
    q4_k_t1:qlinear_q4_k_decode_bias:1e-5:1e-4 \
    q4_k_t3:qlinear_q4_k_decode:1e-5:1e-4 \
    q4_k_t64:qlinear_q4_k_prefill_bias:5e-3:5e-3 \
    q6_k_t1:qlinear_q6_k_decode:1e-5:1e-4 \
    q6_k_t3:qlinear_q6_k_decode_bias:1e-5:1e-4 \
    q6_k_t64:qlinear_q6_k_prefill:5e-3:5e-3; do
  IFS=: read -r c kernel rtol atol <<< "$v"
  d=GPU/Inputs/quant_gpu_$c
  args="--arg 0=$(data $d/x.npy) --arg 1=$(data $d/w.npy)"
  o=2
  case $kernel in *_bias) args="$args --arg 2=$(data $d/b.npy)"; o=3 ;; esac
  run "quant_linear_${c%_t*}" "$kernel" \
    "$args --expect $o=$(data $d/out.npy) --rtol $rtol --atol $atol"
done

# Quantized embeddings (seq.quantized_embedding): the gather dequantizing
# the selected rows, q8_0 (and its out-of-range ids: zero rows, status 1),
# q4_0, q4_1, q4_k, q6_k; gguf-py goldens of gen/gen_quant_embedding_gpu.py.
compile quant_embedding "$gpu/quant_embedding.mlir" "$out/kernels"
d=GPU/Inputs/quant_embedding_gpu
for fmt in q8_0 q4_0 q4_1 q4_k q6_k; do
  run quant_embedding "qembedding_$fmt" \
    "--arg 0=$(data $d/${fmt}_table.npy) --arg 1=$(data $d/${fmt}_ids.npy) --expect 2=$(data $d/${fmt}_out.npy) --arg 3=$(data $d/status_zero.npy) --expect 3=$(data $d/status_zero.npy) --rtol 0 --atol 0"
done
run quant_embedding qembedding_q8_0 \
  "--arg 0=$(data $d/q8_0_table.npy) --arg 1=$(data $d/q8_0_ids_bad.npy) --expect 2=$(data $d/q8_0_out_bad.npy) --arg 3=$(data $d/status_zero.npy) --expect 3=$(data $d/status_index.npy) --rtol 0 --atol 0"

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
# dim 128, one query per sequence): KernelDispatch picks the decode form
# (its split kernel + merge) whenever the keys make two splits of four
# block steps (256 keys here), at any batch; with fewer keys (128 here) the
# prefill kernel runs in one pass.
decode_mlir() { # name batch keys
  local q="tensor<$2x32x1x128xbf16>" kv="tensor<$2x8x$3x128xbf16>"
  cat > "$out/bench/$1.mlir" <<MLIR
func.func @main(%q: $q, %k: $kv, %v: $kv) -> $q {
  %o = seq.attention %q, %k, %v : $q, $kv, $kv -> $q
  return %o : $q
}
MLIR
  compile "$1" "$out/bench/$1.mlir" "$out/bench"
}
decode_mlir decode_split 1 1024
decode_mlir decode_full 64 128
python3 - "$out/bench" <<'PY'
import json, sys
d = sys.argv[1]
names = lambda f: [k["name"] for k in json.load(open(f"{d}/{f}.sm_80.json"))["kernels"]]
for f in ("attention_d64_causal", "attention_d64_noncausal",
          "attention_d128_causal", "attention_d128_noncausal"):
    assert len(names(f)) == 1 and not names(f)[0].endswith("_split"), names(f)
split = [n for n in names("decode_split") if n.endswith("_decode")]
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
# The host test model (test/Tools/seqrun/gpu-host.test): whole entries on
# the GPU, one run per line of its .args (CUDA targets only: the check runs
# on NVIDIA GPUs, and gpu-device.test links the HSACOs).
"$seqc" "$gpu/Inputs/gpu_host/model.mlir" --target=cuda:sm_90a,cuda:sm_80,cpu -cpu=x86-64-v2 \
  -o "$out/artifact/gpu_host.seqpkg"
h=GPU/Inputs/gpu_host p=CPU/Inputs/attn_bf16_gqa_causal q=GPU/Inputs/attn_gpu_decode_bf16
w="--weights $(data $h/weights.safetensors)"
{
  echo "--entry main $w --input 0=$(data $h/x.npy) --expect 0=$(data $h/out.npy) --rtol 2e-2 --atol 2e-2"
  echo "--entry residual $w --input 0=$(data $h/residual_x.npy) --input 1=$(data $h/residual_w.npy) --expect 0=$(data $h/residual_out.npy) --rtol 1e-4 --atol 1e-5"
  l=CPU/Inputs/layer_norm_bias r=CPU/Inputs/rope_neox
  echo "--entry layer_norm $w --input 0=$(data $l/x.npy) --input 1=$(data $l/weight.npy) --input 2=$(data $l/bias.npy) --expect 0=$(data $l/out.npy) --rtol 1e-4 --atol 1e-5"
  echo "--entry rope $w --input 0=$(data $r/x.npy) --input 1=$(data $r/positions.npy) --expect 0=$(data $r/out.npy) --rtol 1e-4 --atol 1e-4"
  echo "--entry greedy $w --input 0=$(data $h/logits.npy) --expect 0=$(data $h/tokens.npy)"
  echo "--entry prefill $w --input 0=$(data $p/q.npy) --input 1=$(data $p/k.npy) --input 2=$(data $p/v.npy) --expect 0=$(data $p/out.npy) --rtol 2e-2 --atol 2e-2"
  echo "--entry decode $w --input 0=$(data $q/q.npy) --input 1=$(data $q/k.npy) --input 2=$(data $q/v.npy) --expect 0=$(data $q/out.npy) --rtol 2e-2 --atol 2e-2"
} > "$out/artifact/gpu_host.args"
# The scan, convolution and MoE entries (test/Tools/seqrun/gpu-host-ssm-moe.test):
# a Mamba-1 block's prefill and decode step, the Mixtral and DeepSeek-V3
# MoE blocks.
"$seqc" "$gpu/Inputs/gpu_host_mamba/model.mlir" --target=cuda:sm_90a,cuda:sm_80,cpu -cpu=x86-64-v2 \
  -o "$out/artifact/gpu_host_ssm_moe.seqpkg"
h=GPU/Inputs/gpu_host_mamba m=CPU/Inputs/moe_mixtral_block s=CPU/Inputs/moe_deepseek_block
w="--weights $(data $h/weights.safetensors)"
{
  echo "--entry mamba $w --input 0=$(data $h/x.npy) --input 1=$(data $h/dt.npy) --input 2=$(data $h/B.npy) --input 3=$(data $h/C.npy) --input 4=$(data $h/h0.npy) --expect 0=$(data $h/y.npy) --expect 1=$(data $h/state.npy) --expect 2=$(data $h/conv_state.npy) --rtol 1e-4 --atol 1e-5"
  echo "--entry step $w --input 0=$(data $h/step_x.npy) --input 1=$(data $h/step_dt.npy) --input 2=$(data $h/step_B.npy) --input 3=$(data $h/step_C.npy) --input 4=$(data $h/state.npy) --input 5=$(data $h/conv_state.npy) --expect 0=$(data $h/step_y.npy) --expect 1=$(data $h/step_state.npy) --expect 2=$(data $h/step_conv_state.npy) --rtol 1e-4 --atol 1e-5"
  echo "--entry mixtral $w --input 0=$(data $m/x.npy) --input 1=$(data $m/w_router.npy) --input 2=$(data $m/w_gate.npy) --input 3=$(data $m/w_up.npy) --input 4=$(data $m/w_down.npy) --expect 0=$(data $m/out.npy) --rtol 1e-4 --atol 1e-5"
  echo "--entry deepseek $w --input 0=$(data $s/x.npy) --input 1=$(data $s/w_router.npy) --input 2=$(data $s/bias.npy) --input 3=$(data $s/w_gate.npy) --input 4=$(data $s/w_up.npy) --input 5=$(data $s/w_down.npy) --input 6=$(data $s/shared_gate.npy) --input 7=$(data $s/shared_up.npy) --input 8=$(data $s/shared_down.npy) --expect 0=$(data $s/out.npy) --rtol 1e-4 --atol 1e-5"
} > "$out/artifact/gpu_host_ssm_moe.args"
# State in place (test/Tools/seqrun/gpu-host-state.test): embedding, a K
# projection and seq.cache_write into the caller's KV cache.
"$seqc" "$gpu/Inputs/gpu_host_state/model.mlir" --target=cuda:sm_90a,cuda:sm_80,cpu -cpu=x86-64-v2 \
  -o "$out/artifact/gpu_host_state.seqpkg"
h=GPU/Inputs/gpu_host_state
echo "--entry step --weights $(data $h/weights.safetensors) --input 0=$(data $h/ids.npy) --input 1=$(data $h/pos.npy) --input 2=$(data $h/cache.npy) --expect 0=$(data $h/h.npy) --expect 1=$(data $h/cache_out.npy) --rtol 1e-4 --atol 1e-5" \
  > "$out/artifact/gpu_host_state.args"
# A session with its KV caches on the device (test/Tools/seqrun/gpu-session.test):
# greedy generation; gpu-check.sh compares the printed tokens with the
# PyTorch session's (.tokens).
"$seqc" "$gpu/Inputs/gpu_session/model.mlir" --target=cuda:sm_90a,cuda:sm_80,cpu -cpu=x86-64-v2 \
  -o "$out/artifact/gpu_session.seqpkg"
h=GPU/Inputs/gpu_session
echo "--weights $(data $h/weights.safetensors) --prompt-ids 7,42,3,88,19 --max-new-tokens 12" \
  > "$out/artifact/gpu_session.args"
tail -1 "$gpu/Inputs/gpu_session/greedy.txt" > "$out/artifact/gpu_session.tokens"
# Quantized weights on the device (test/Tools/seqrun/gpu-quant-plan.test):
# a q4_1 linear layer (decode form) and a q4_1 embedding, their packed
# parameters bound from GGUF and uploaded as the i8 rows they are.
q=$root/test/Integration/CPU/quant
"$seqc" "$q/linear_q4_1_decode.mlir" --target=cuda:sm_90a,cuda:sm_80,cpu -cpu=x86-64-v2 \
  -o "$out/artifact/gpu_quant_linear.seqpkg"
h=CPU/Inputs/quant_linear_q4_1_decode
echo "--weights $(data $h/weights.gguf) --input 0=$(data $h/x.npy) --expect 0=$(data $h/out.npy) --rtol 1e-5 --atol 1e-4" \
  > "$out/artifact/gpu_quant_linear.args"
"$seqc" "$q/embedding_q4_1.mlir" --target=cuda:sm_90a,cuda:sm_80,cpu -cpu=x86-64-v2 \
  -o "$out/artifact/gpu_quant_embedding.seqpkg"
h=CPU/Inputs/quant_embedding_q4_1
echo "--weights $(data $h/weights.gguf) --input 0=$(data $h/ids.npy) --expect 0=$(data $h/out.npy) --rtol 0 --atol 0" \
  > "$out/artifact/gpu_quant_embedding.args"

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

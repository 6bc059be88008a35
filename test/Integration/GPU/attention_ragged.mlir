// Tolerance: bf16 rtol 2e-2 / atol 2e-2, f16 4e-3 (f16/bf16 output and P
// for P.V; the golden is the float64 reference). Status words: exact.
//
// Attention over ragged KV (kv_lengths: the valid keys of each batch row,
// read by the kernels on the device), emulated for cuda:sm_80 and
// hip:gfx942 against gen/gen_attention_gpu.py's PyTorch goldens (the CPU
// generators' reference, cross-checked against SDPA with the length
// mask). Keys past a row's count hold random values, so reading one
// fails the test.
// @decode: bf16, GQA 4:1, D = 64, one query per row against a cache of
//   512 (not causal: the same with one query); counts 1, 0 (no key:
//   zeros), 512 and 203 (a partial step / tile) (Inputs/attn_gpu_ragged_decode_bf16). The decode form +
//   merge (CUDA), the tiled split kernel + merge (HIP) and the prefill
//   form (splits=1) give the golden; counts 513 and -2 (lengths_bad) run
//   clamped (512, 0: out_bad) and store 2 in the status word (argument 6
//   of the split kernels, 5 of the prefill).
// @prefill: f16 chunked prefill, GQA 4:2, D = 64, 5 queries against a
//   cache of 150, causal; counts 5, 130 (3 K/V tiles of 64, the last
//   partial) and 3 (the first two queries see no key: zeros)
//   (Inputs/attn_gpu_ragged_prefill_f16).

// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=CUDA-OP
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=hip:gfx942 | FileCheck %s --check-prefix=HIP-OP
// CUDA-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d64_dv64_q1_kvlen_decode, @seq_kernels::@attention_merge_bf16], seq.split_kv = 2 : i64
// CUDA-OP: seq.gpu_kernels = [@seq_kernels::@attention_f16_g2_d64_dv64_q5_causal_kvlen], seq.split_kv = 1 : i64
// HIP-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d64_dv64_q1_kvlen_split, @seq_kernels::@attention_merge_bf16], seq.split_kv = 4 : i64

// DEFINE: %{D} = %S/Inputs/attn_gpu_ragged_decode_bf16
// DEFINE: %{qkv} = --arg 0=%{D}/q.npy --arg 1=%{D}/k.npy --arg 2=%{D}/v.npy
// DEFINE: %{zero} = --arg 6=%{D}/status.npy
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir

// The decode form (CUDA) and the tiled split kernel (HIP), then the merge.
// RUN: for c in "" _bad; do \
// RUN:   seq-gpu-emu %t.cuda.mlir --kernel=attention_bf16_g4_d64_dv64_q1_kvlen_decode %{qkv} --arg 3=%{D}/lengths$c.npy \
// RUN:     --scratch 4=4x4x2x1x64 --scratch 5=4x4x2x1 %{zero} --expect 6=%{D}/status$c.npy --rtol 0 --atol 0 \
// RUN:     --save 4=%t.cuda.part$c.npy --save 5=%t.cuda.lse$c.npy && \
// RUN:   seq-gpu-emu %t.cuda.mlir --kernel=attention_merge_bf16 --arg 0=%t.cuda.part$c.npy \
// RUN:     --arg 1=%t.cuda.lse$c.npy --expect 2=%{D}/out$c.npy --rtol 2e-2 --atol 2e-2 && \
// RUN:   seq-gpu-emu %t.hip.mlir --kernel=attention_bf16_g4_d64_dv64_q1_kvlen_split %{qkv} --arg 3=%{D}/lengths$c.npy \
// RUN:     --scratch 4=4x4x4x1x64 --scratch 5=4x4x4x1 %{zero} --expect 6=%{D}/status$c.npy --rtol 0 --atol 0 \
// RUN:     --save 4=%t.hip.part$c.npy --save 5=%t.hip.lse$c.npy && \
// RUN:   seq-gpu-emu %t.hip.mlir --kernel=attention_merge_bf16 --arg 0=%t.hip.part$c.npy \
// RUN:     --arg 1=%t.hip.lse$c.npy --expect 2=%{D}/out$c.npy --rtol 2e-2 --atol 2e-2 \
// RUN:   || exit 1; done | FileCheck %s --check-prefix=SPLIT

// The prefill form of the same op (one block per KV head reads the row's
// keys), CUDA.
// RUN: seqc-opt %s "--seq-gpu-attention-kernels=target=cuda:sm_80 splits=1" -o %t.one.mlir
// RUN: seq-gpu-emu %t.one.mlir --kernel=attention_bf16_g4_d64_dv64_q1_kvlen %{qkv} --arg 3=%{D}/lengths.npy \
// RUN:   --arg 5=%{D}/status.npy --expect 5=%{D}/status.npy --expect 4=%{D}/out.npy --rtol 2e-2 --atol 2e-2 \
// RUN:   | FileCheck %s --check-prefix=ONE
// RUN: seq-gpu-emu %t.one.mlir --kernel=attention_bf16_g4_d64_dv64_q1_kvlen %{qkv} --arg 3=%{D}/lengths_bad.npy \
// RUN:   --arg 5=%{D}/status.npy --expect 5=%{D}/status_bad.npy --expect 4=%{D}/out_bad.npy --rtol 2e-2 --atol 2e-2 \
// RUN:   | FileCheck %s --check-prefix=ONE

// The f16 chunked prefill, CUDA and HIP.
// DEFINE: %{P} = %S/Inputs/attn_gpu_ragged_prefill_f16
// RUN: for t in cuda hip; do \
// RUN:   seq-gpu-emu %t.$t.mlir --kernel=attention_f16_g2_d64_dv64_q5_causal_kvlen --arg 0=%{P}/q.npy --arg 1=%{P}/k.npy \
// RUN:     --arg 2=%{P}/v.npy --arg 3=%{P}/lengths.npy --arg 5=%{P}/status.npy --expect 5=%{P}/status.npy \
// RUN:     --expect 4=%{P}/out.npy --rtol 4e-3 --atol 4e-3 || exit 1; done | FileCheck %s --check-prefix=PREFILL

// SPLIT: emulated attention_bf16_g4_d64_dv64_q1_kvlen_decode on cuda:sm_80
// SPLIT: output 6: 1 values, max abs error 0{{.*}}, 0 outside
// SPLIT: output 2: 1024 values, max abs error {{.*}}, 0 outside
// SPLIT: emulated attention_bf16_g4_d64_dv64_q1_kvlen_split on hip:gfx942
// SPLIT: output 6: 1 values, max abs error 0{{.*}}, 0 outside
// SPLIT: output 2: 1024 values, max abs error {{.*}}, 0 outside
// SPLIT: emulated attention_bf16_g4_d64_dv64_q1_kvlen_decode on cuda:sm_80
// SPLIT: output 6: 1 values, max abs error 0{{.*}}, 0 outside
// SPLIT: output 2: 1024 values, max abs error {{.*}}, 0 outside
// SPLIT: emulated attention_bf16_g4_d64_dv64_q1_kvlen_split on hip:gfx942
// SPLIT: output 6: 1 values, max abs error 0{{.*}}, 0 outside
// SPLIT: output 2: 1024 values, max abs error {{.*}}, 0 outside
// ONE: output 5: 1 values, max abs error 0{{.*}}, 0 outside
// ONE: output 4: 1024 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_f16_g2_d64_dv64_q5_causal_kvlen on cuda:sm_80
// PREFILL: output 5: 1 values, max abs error 0{{.*}}, 0 outside
// PREFILL: output 4: 3840 values, max abs error {{.*}}, 0 outside
// PREFILL: emulated attention_f16_g2_d64_dv64_q5_causal_kvlen on hip:gfx942
// PREFILL: output 4: 3840 values, max abs error {{.*}}, 0 outside

func.func @decode(%q: tensor<4x4x1x64xbf16>, %k: tensor<4x1x512x64xbf16>,
                  %v: tensor<4x1x512x64xbf16>, %len: tensor<4xi32>)
    -> tensor<4x4x1x64xbf16> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<4xi32>)
      : tensor<4x4x1x64xbf16>, tensor<4x1x512x64xbf16>,
        tensor<4x1x512x64xbf16> -> tensor<4x4x1x64xbf16>
  return %o : tensor<4x4x1x64xbf16>
}

func.func @prefill(%q: tensor<3x4x5x64xf16>, %k: tensor<3x2x150x64xf16>,
                   %v: tensor<3x2x150x64xf16>, %len: tensor<3xi32>)
    -> tensor<3x4x5x64xf16> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<3xi32>) causal
      : tensor<3x4x5x64xf16>, tensor<3x2x150x64xf16>,
        tensor<3x2x150x64xf16> -> tensor<3x4x5x64xf16>
  return %o : tensor<3x4x5x64xf16>
}

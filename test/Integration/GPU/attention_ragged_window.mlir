// Tolerance: bf16 rtol 2e-2 / atol 2e-2 (bf16 output; the golden is the
// float64 reference). Status words: exact.
//
// A decode step against a ragged cache with a sliding window (Mistral's
// decode: window 100, one query per row: causal as it stands): bf16, GQA 4:1, D = 64,
// cache 512, counts 1, 0 (zeros), 512 and 203 (Inputs/attn_gpu_ragged_window,
// gen/gen_attention_gpu.py's PyTorch golden). Row b attends keys
// [max(0, L_b - 100), L_b): the splits divide that range (the row's own L),
// so a count of 512 reads keys 412..511 only. Keys outside hold random
// values, so reading one fails. The decode form + merge (CUDA), the tiled
// split kernel + merge (HIP) and the prefill form (splits=1, CUDA).

// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=CUDA-OP
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=hip:gfx942 | FileCheck %s --check-prefix=HIP-OP
// CUDA-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d64_dv64_q1_w100_kvlen_decode, @seq_kernels::@attention_merge_bf16], seq.split_kv = 2 : i64
// HIP-OP: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d64_dv64_q1_w100_kvlen_split, @seq_kernels::@attention_merge_bf16], seq.split_kv = 4 : i64

// DEFINE: %{D} = %S/Inputs/attn_gpu_ragged_window
// DEFINE: %{qkv} = --arg 0=%{D}/q.npy --arg 1=%{D}/k.npy --arg 2=%{D}/v.npy --arg 3=%{D}/lengths.npy
// DEFINE: %{tol} = --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir

// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_bf16_g4_d64_dv64_q1_w100_kvlen_decode %{qkv} \
// RUN:   --scratch 4=4x4x2x1x64 --scratch 5=4x4x2x1 --arg 6=%{D}/status.npy --expect 6=%{D}/status.npy --rtol 0 --atol 0 \
// RUN:   --save 4=%t.cuda.part.npy --save 5=%t.cuda.lse.npy | FileCheck %s --check-prefix=STATUS
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_merge_bf16 --arg 0=%t.cuda.part.npy \
// RUN:   --arg 1=%t.cuda.lse.npy --expect 2=%{D}/out.npy %{tol} | FileCheck %s --check-prefix=MERGE
// RUN: seq-gpu-emu %t.hip.mlir --kernel=attention_bf16_g4_d64_dv64_q1_w100_kvlen_split %{qkv} \
// RUN:   --scratch 4=4x4x4x1x64 --scratch 5=4x4x4x1 --arg 6=%{D}/status.npy --expect 6=%{D}/status.npy --rtol 0 --atol 0 \
// RUN:   --save 4=%t.hip.part.npy --save 5=%t.hip.lse.npy | FileCheck %s --check-prefix=STATUS
// RUN: seq-gpu-emu %t.hip.mlir --kernel=attention_merge_bf16 --arg 0=%t.hip.part.npy \
// RUN:   --arg 1=%t.hip.lse.npy --expect 2=%{D}/out.npy %{tol} | FileCheck %s --check-prefix=MERGE

// RUN: seqc-opt %s "--seq-gpu-attention-kernels=target=cuda:sm_80 splits=1" -o %t.one.mlir
// RUN: seq-gpu-emu %t.one.mlir --kernel=attention_bf16_g4_d64_dv64_q1_w100_kvlen %{qkv} \
// RUN:   --arg 5=%{D}/status.npy --expect 5=%{D}/status.npy --expect 4=%{D}/out.npy %{tol} \
// RUN:   | FileCheck %s --check-prefix=ONE

// STATUS: output 6: 1 values, max abs error 0{{.*}}, 0 outside
// MERGE: output 2: 1024 values, max abs error {{.*}}, 0 outside
// ONE: output 5: 1 values, max abs error 0{{.*}}, 0 outside
// ONE: output 4: 1024 values, max abs error {{.*}}, 0 outside

func.func @decode(%q: tensor<4x4x1x64xbf16>, %k: tensor<4x1x512x64xbf16>,
                  %v: tensor<4x1x512x64xbf16>, %len: tensor<4xi32>)
    -> tensor<4x4x1x64xbf16> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<4xi32>)
      window(100)
      : tensor<4x4x1x64xbf16>, tensor<4x1x512x64xbf16>,
        tensor<4x1x512x64xbf16> -> tensor<4x4x1x64xbf16>
  return %o : tensor<4x4x1x64xbf16>
}

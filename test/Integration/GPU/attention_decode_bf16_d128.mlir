// Tolerance (bf16): rtol 2e-2 / atol 2e-2 (bf16 inputs and output; the
// decode form keeps P, the partial outputs and their lse in f32; the
// golden is the float64 reference).
//
// The decode form of split-KV attention (KernelDispatch's decode split
// kernel: K/V rows read into registers with 128-bit vector loads, no
// matrix instruction), emulated for cuda:sm_80 and hip:gfx942 against
// gen/gen_attention_gpu.py's PyTorch goldens, GQA 8:2 (group 4), D = 128:
//  * one query per sequence against 843 keys (Inputs/attn_gpu_decode_bf16_d128):
//    4 warps of 2 (CUDA) or 4 (HIP) lane groups of 16 lanes, 4 keys per
//    lane group per step (32 or 64 keys a block step); 6 splits of 160
//    keys on sm_80 (the last 43 keys: a partial step whose clamped loads
//    are masked), 3 of 320 on gfx942 (the last 203);
//  * two query positions (8 rows: the group's heads at each), causal,
//    against 300 keys (Inputs/attn_gpu_decode_bf16_d128_causal): 2 keys per
//    lane group per step; 4 splits of 80 on sm_80, 2 of 160 on gfx942.
// The partial outputs and lse go to the merge kernel (--scratch/--save).
// This file runs the CUDA mapping; attention_decode_bf16_d128_hip.test the
// HIP one (two files keep each test under a minute on a loaded machine).
// test/Target/GPU/attention-decode-codegen.test checks these kernels' code.

// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=CUDA-FORM
// CUDA-FORM: seq.attention {{.*}}seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d128_dv128_q1_decode, @seq_kernels::@attention_merge_bf16], seq.split_kv = 6 : i64
// CUDA-FORM: seq.attention {{.*}}seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d128_dv128_q2_causal_decode, @seq_kernels::@attention_merge_bf16], seq.split_kv = 4 : i64

// DEFINE: %{in} = --arg 0=%S/Inputs/attn_gpu_decode_bf16_d128/q.npy \
// DEFINE:   --arg 1=%S/Inputs/attn_gpu_decode_bf16_d128/k.npy \
// DEFINE:   --arg 2=%S/Inputs/attn_gpu_decode_bf16_d128/v.npy
// DEFINE: %{inc} = --arg 0=%S/Inputs/attn_gpu_decode_bf16_d128_causal/q.npy \
// DEFINE:   --arg 1=%S/Inputs/attn_gpu_decode_bf16_d128_causal/k.npy \
// DEFINE:   --arg 2=%S/Inputs/attn_gpu_decode_bf16_d128_causal/v.npy
// DEFINE: %{tol} = --rtol 2e-2 --atol 2e-2

// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_bf16_g4_d128_dv128_q1_decode %{in} \
// RUN:   --scratch 3=1x8x6x1x128 --scratch 4=1x8x6x1 \
// RUN:   --save 3=%t.cuda.part.npy --save 4=%t.cuda.lse.npy | FileCheck %s --check-prefix=CUDA
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_merge_bf16 \
// RUN:   --arg 0=%t.cuda.part.npy --arg 1=%t.cuda.lse.npy \
// RUN:   --expect 2=%S/Inputs/attn_gpu_decode_bf16_d128/out.npy %{tol} | FileCheck %s --check-prefix=MERGE
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_bf16_g4_d128_dv128_q2_causal_decode %{inc} \
// RUN:   --scratch 3=1x8x4x2x128 --scratch 4=1x8x4x2 \
// RUN:   --save 3=%t.cudac.part.npy --save 4=%t.cudac.lse.npy | FileCheck %s --check-prefix=CUDA-CAUSAL
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_merge_bf16 \
// RUN:   --arg 0=%t.cudac.part.npy --arg 1=%t.cudac.lse.npy \
// RUN:   --expect 2=%S/Inputs/attn_gpu_decode_bf16_d128_causal/out.npy %{tol} | FileCheck %s --check-prefix=MERGE-CAUSAL


// One barrier pair per query-row block: 6 splits x 2 KV heads, 2 barriers each.
// CUDA: emulated attention_bf16_g4_d128_dv128_q1_decode on cuda:sm_80: 12 blocks x 128 threads, 24 barriers
// MERGE: output 2: 1024 values, max abs error {{.*}}, 0 outside
// CUDA-CAUSAL: emulated attention_bf16_g4_d128_dv128_q2_causal_decode on cuda:sm_80: 8 blocks x 128 threads, 16 barriers
// MERGE-CAUSAL: output 2: 2048 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x843x128xbf16>,
                %v: tensor<1x2x843x128xbf16>, %qc: tensor<1x8x2x128xbf16>,
                %kc: tensor<1x2x300x128xbf16>, %vc: tensor<1x2x300x128xbf16>)
    -> (tensor<1x8x1x128xbf16>, tensor<1x8x2x128xbf16>) {
  %o = seq.attention %q, %k, %v
      : tensor<1x8x1x128xbf16>, tensor<1x2x843x128xbf16>,
        tensor<1x2x843x128xbf16> -> tensor<1x8x1x128xbf16>
  %oc = seq.attention %qc, %kc, %vc causal
      : tensor<1x8x2x128xbf16>, tensor<1x2x300x128xbf16>,
        tensor<1x2x300x128xbf16> -> tensor<1x8x2x128xbf16>
  return %o, %oc : tensor<1x8x1x128xbf16>, tensor<1x8x2x128xbf16>
}

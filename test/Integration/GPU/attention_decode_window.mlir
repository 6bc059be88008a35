// Tolerance (bf16): rtol 2e-2 / atol 2e-2 (bf16 inputs and output; the
// split kernels keep P, the partial outputs and their lse in f32; the
// golden is the float64 reference).
//
// Decode with a sliding window and softcap (Gemma-2's local layers: one
// query per sequence, window 300 of 843 keys, softcap 4.0; one query is
// causal as it stands, and the canonicalizer drops the flag), bf16,
// GQA 8:2, D = 128, against gen/gen_attention_gpu.py's PyTorch golden
// (Inputs/attn_gpu_decode_window). The splits divide the keys some query
// may attend, [max(0, Skv - Sq - 299), Skv) = [543, 843), not [0, 843):
// no split reads a key before the window.
//  * the decode form (K/V rows in registers) + merge on cuda:sm_80 (6
//    splits of 64 keys: the fifth 44, the last empty, lse -inf) and hip:gfx942
//    (3 splits of 128);
//  * the tiled split kernel (decode=0: mma.sync, K/V tiles of 32) + merge
//    on cuda:sm_80.

// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=cuda:sm_80 | FileCheck %s --check-prefix=CUDA-FORM
// RUN: seqc-opt %s --seq-gpu-attention-kernels=target=hip:gfx942 | FileCheck %s --check-prefix=HIP-FORM
// CUDA-FORM: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d128_dv128_q1_w300_sc40800000_decode, @seq_kernels::@attention_merge_bf16], seq.split_kv = 6 : i64
// HIP-FORM: seq.gpu_kernels = [@seq_kernels::@attention_bf16_g4_d128_dv128_q1_w300_sc40800000_decode, @seq_kernels::@attention_merge_bf16], seq.split_kv = 3 : i64

// DEFINE: %{D} = %S/Inputs/attn_gpu_decode_window
// DEFINE: %{in} = --arg 0=%{D}/q.npy --arg 1=%{D}/k.npy --arg 2=%{D}/v.npy
// DEFINE: %{tol} = --rtol 2e-2 --atol 2e-2

// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_bf16_g4_d128_dv128_q1_w300_sc40800000_decode %{in} \
// RUN:   --scratch 3=1x8x6x1x128 --scratch 4=1x8x6x1 \
// RUN:   --save 3=%t.cuda.part.npy --save 4=%t.cuda.lse.npy | FileCheck %s --check-prefix=CUDA
// RUN: seq-gpu-emu %t.cuda.mlir --kernel=attention_merge_bf16 \
// RUN:   --arg 0=%t.cuda.part.npy --arg 1=%t.cuda.lse.npy \
// RUN:   --expect 2=%{D}/out.npy %{tol} | FileCheck %s --check-prefix=MERGE

// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir --kernel=attention_bf16_g4_d128_dv128_q1_w300_sc40800000_decode %{in} \
// RUN:   --scratch 3=1x8x3x1x128 --scratch 4=1x8x3x1 \
// RUN:   --save 3=%t.hip.part.npy --save 4=%t.hip.lse.npy | FileCheck %s --check-prefix=HIP
// RUN: seq-gpu-emu %t.hip.mlir --kernel=attention_merge_bf16 \
// RUN:   --arg 0=%t.hip.part.npy --arg 1=%t.hip.lse.npy \
// RUN:   --expect 2=%{D}/out.npy %{tol} | FileCheck %s --check-prefix=MERGE

// RUN: seqc-opt %s "--seq-gpu-attention-kernels=target=cuda:sm_80 decode=0" -o %t.split.mlir
// RUN: seq-gpu-emu %t.split.mlir --kernel=attention_bf16_g4_d128_dv128_q1_w300_sc40800000_split %{in} \
// RUN:   --scratch 3=1x8x6x1x128 --scratch 4=1x8x6x1 \
// RUN:   --save 3=%t.split.part.npy --save 4=%t.split.lse.npy | FileCheck %s --check-prefix=SPLIT
// RUN: seq-gpu-emu %t.split.mlir --kernel=attention_merge_bf16 \
// RUN:   --arg 0=%t.split.part.npy --arg 1=%t.split.lse.npy \
// RUN:   --expect 2=%{D}/out.npy %{tol} | FileCheck %s --check-prefix=MERGE

// CUDA: emulated attention_bf16_g4_d128_dv128_q1_w300_sc40800000_decode on cuda:sm_80: 12 blocks x 128 threads
// HIP: emulated attention_bf16_g4_d128_dv128_q1_w300_sc40800000_decode on hip:gfx942: 6 blocks x 256 threads
// SPLIT: emulated attention_bf16_g4_d128_dv128_q1_w300_sc40800000_split on cuda:sm_80: 12 blocks x 32 threads
// MERGE: output 2: 1024 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<1x8x1x128xbf16>, %k: tensor<1x2x843x128xbf16>,
                %v: tensor<1x2x843x128xbf16>) -> tensor<1x8x1x128xbf16> {
  %o = seq.attention %q, %k, %v window(300) softcap(4.0)
      : tensor<1x8x1x128xbf16>, tensor<1x2x843x128xbf16>,
        tensor<1x2x843x128xbf16> -> tensor<1x8x1x128xbf16>
  return %o : tensor<1x8x1x128xbf16>
}

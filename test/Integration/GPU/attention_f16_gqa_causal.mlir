// Tolerance (f16): rtol 4e-3 / atol 4e-3 (f16 output and f16 P for P.V:
// 11-bit significands; the golden is the float64 reference).
//
// FlashAttention-2 prefill in f16, emulated for cuda:sm_80 and hip:gfx942
// against gen/gen_attention_gpu.py's PyTorch golden
// (Inputs/attn_gpu_f16_gqa_causal): GQA 4:1, causal, D = 64, 72 positions,
// batch 2. A block holds 16 positions x 4 heads: 5 query blocks per batch
// row, key tiles of 64, the second one partial; causal skipping leaves the
// first four query blocks one key tile and the last one two.

// DEFINE: %{args} = --arg 0=%S/Inputs/attn_gpu_f16_gqa_causal/q.npy \
// DEFINE:   --arg 1=%S/Inputs/attn_gpu_f16_gqa_causal/k.npy \
// DEFINE:   --arg 2=%S/Inputs/attn_gpu_f16_gqa_causal/v.npy \
// DEFINE:   --expect 3=%S/Inputs/attn_gpu_f16_gqa_causal/out.npy \
// DEFINE:   --rtol 4e-3 --atol 4e-3
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{args} | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{args} | FileCheck %s --check-prefix=HIP

// 10 blocks; (4 x 1 + 1 x 2) x 2 tiles x 2 barriers = 24 (HIP); CUDA
// (cp.async): one barrier per tile and one per block after the loop, 22.
// CUDA: emulated attention_f16_g4_d64_dv64_q16_causal on cuda:sm_80: 10 blocks x 128 threads, 22 barriers
// CUDA: output 3: 36864 values, max abs error {{.*}}, 0 outside
// HIP: emulated attention_f16_g4_d64_dv64_q16_causal on hip:gfx942: 10 blocks x 256 threads, 24 barriers
// HIP: output 3: 36864 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<2x4x72x64xf16>, %k: tensor<2x1x72x64xf16>,
                %v: tensor<2x1x72x64xf16>) -> tensor<2x4x72x64xf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<2x4x72x64xf16>, tensor<2x1x72x64xf16>, tensor<2x1x72x64xf16>
      -> tensor<2x4x72x64xf16>
  return %o : tensor<2x4x72x64xf16>
}

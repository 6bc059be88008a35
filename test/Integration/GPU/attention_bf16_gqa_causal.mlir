// Tolerance (bf16): rtol 2e-2 / atol 2e-2, as the CPU test of these goldens
// (bf16 output; the kernel also rounds P to bf16 for P.V on the tensor
// cores).
//
// FlashAttention-2 prefill, emulated: the kernel seqc maps for cuda:sm_80
// (4 warps of 16 query rows, nvgpu.mma.sync m16n8k16 for Q.K^T and P.V, K/V
// tiles in shared memory, online softmax in registers) and for hip:gfx942
// (4 wavefronts, 16x16x16 MFMA on the transposed products) runs in the GPU
// emulator against the PyTorch goldens of the CPU test
// (Integration/CPU/Inputs/attn_bf16_gqa_causal, gen/gen_attention.py):
// bf16, GQA 4:2, causal, D = 64, 32 positions.

// DEFINE: %{args} = --arg 0=%S/../CPU/Inputs/attn_bf16_gqa_causal/q.npy \
// DEFINE:   --arg 1=%S/../CPU/Inputs/attn_bf16_gqa_causal/k.npy \
// DEFINE:   --arg 2=%S/../CPU/Inputs/attn_bf16_gqa_causal/v.npy \
// DEFINE:   --expect 3=%S/../CPU/Inputs/attn_bf16_gqa_causal/out.npy \
// DEFINE:   --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{args} | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{args} | FileCheck %s --check-prefix=HIP

// 32 positions x 2 group heads = 64 rows: one query block per KV head
// (grid 1 x 2 x 1), one key tile of 64 (two barriers).
// CUDA: emulated attention_bf16_g2_d64_dv64_q32_causal on cuda:sm_80: 2 blocks x 128 threads, 4 barriers
// CUDA: output 3: 8192 values, max abs error {{.*}}, 0 outside
// HIP: emulated attention_bf16_g2_d64_dv64_q32_causal on hip:gfx942: 2 blocks x 256 threads, 4 barriers
// HIP: output 3: 8192 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<1x4x32x64xbf16>, %k: tensor<1x2x32x64xbf16>,
                %v: tensor<1x2x32x64xbf16>) -> tensor<1x4x32x64xbf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x4x32x64xbf16>, tensor<1x2x32x64xbf16>, tensor<1x2x32x64xbf16>
      -> tensor<1x4x32x64xbf16>
  return %o : tensor<1x4x32x64xbf16>
}

// Tolerance (bf16): rtol 2e-2 / atol 2e-2, as the other bf16 attention
// tests (bf16 output and bf16 P for P.V; the golden is the float64
// reference).
//
// Prefill at head dim 128, GQA 4:2, causal, 80 positions, emulated for
// cuda:sm_90a (the wgmma form: a warpgroup per 64 query rows, S = Q K^T
// on wgmma m64n32k16 with Q and K from shared memory through descriptors,
// O += P V on the register-A wgmma m64n128k16 with V^T from shared memory),
// cuda:sm_80 (mma.sync) and hip:gfx942 (MFMA) against
// gen/gen_attention_gpu.py's PyTorch golden (Inputs/attn_gpu_bf16_d128_causal):
// 3 query blocks of 32 positions x 2 heads (the last 16 positions), key
// tiles of 32 (the last partial), causal tiles skipped.

// DEFINE: %{args} = --arg 0=%S/Inputs/attn_gpu_bf16_d128_causal/q.npy \
// DEFINE:   --arg 1=%S/Inputs/attn_gpu_bf16_d128_causal/k.npy \
// DEFINE:   --arg 2=%S/Inputs/attn_gpu_bf16_d128_causal/v.npy \
// DEFINE:   --expect 3=%S/Inputs/attn_gpu_bf16_d128_causal/out.npy \
// DEFINE:   --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_90a -emit=gpu-kernels -o %t.sm90a.mlir
// RUN: FileCheck %s --check-prefix=IR < %t.sm90a.mlir
// RUN: seq-gpu-emu %t.sm90a.mlir %{args} | FileCheck %s --check-prefix=WGMMA
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{args} | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{args} | FileCheck %s --check-prefix=HIP

// IR: nvvm.wgmma.mma_async
// IR: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16
// WGMMA: emulated attention_bf16_g2_d128_dv128_q32_causal on cuda:sm_90a: 6 blocks x 128 threads
// WGMMA: output 3: 40960 values, max abs error {{.*}}, 0 outside
// CUDA: emulated attention_bf16_g2_d128_dv128_q32_causal on cuda:sm_80: 6 blocks x 128 threads
// CUDA: output 3: 40960 values, max abs error {{.*}}, 0 outside
// HIP: emulated attention_bf16_g2_d128_dv128_q32_causal on hip:gfx942: 6 blocks x 256 threads
// HIP: output 3: 40960 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<1x4x80x128xbf16>, %k: tensor<1x2x80x128xbf16>,
                %v: tensor<1x2x80x128xbf16>) -> tensor<1x4x80x128xbf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x4x80x128xbf16>, tensor<1x2x80x128xbf16>,
        tensor<1x2x80x128xbf16> -> tensor<1x4x80x128xbf16>
  return %o : tensor<1x4x80x128xbf16>
}

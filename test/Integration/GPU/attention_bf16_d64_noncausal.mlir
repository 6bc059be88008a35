// Tolerance (bf16): rtol 2e-2 / atol 2e-2, as the other bf16 attention
// tests (bf16 output and bf16 P for P.V; the golden is the float64
// reference).
//
// Prefill at head dim 64, GQA 2:1, not causal, 40 queries against 150
// keys, two batch rows, emulated for cuda:sm_90a (the wgmma form: S on
// wgmma m64n64k16 from shared-memory descriptors, O += P V on the
// register-A wgmma m64n64k16), cuda:sm_80 (mma.sync) and hip:gfx942 (MFMA)
// against gen/gen_attention_gpu.py's PyTorch golden
// (Inputs/attn_gpu_bf16_d64_noncausal): 2 query blocks of 32 positions x 2
// heads (the second 8 positions), 3 key tiles of 64 (the last 22 keys).

// DEFINE: %{args} = --arg 0=%S/Inputs/attn_gpu_bf16_d64_noncausal/q.npy \
// DEFINE:   --arg 1=%S/Inputs/attn_gpu_bf16_d64_noncausal/k.npy \
// DEFINE:   --arg 2=%S/Inputs/attn_gpu_bf16_d64_noncausal/v.npy \
// DEFINE:   --expect 3=%S/Inputs/attn_gpu_bf16_d64_noncausal/out.npy \
// DEFINE:   --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_90a -emit=gpu-kernels -o %t.sm90a.mlir
// RUN: FileCheck %s --check-prefix=IR < %t.sm90a.mlir
// RUN: seq-gpu-emu %t.sm90a.mlir %{args} | FileCheck %s --check-prefix=WGMMA
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{args} | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{args} | FileCheck %s --check-prefix=HIP

// IR: nvvm.wgmma.mma_async
// IR: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
// WGMMA: emulated attention_bf16_g2_d64_dv64_q32 on cuda:sm_90a: 4 blocks x 128 threads
// WGMMA: output 3: 10240 values, max abs error {{.*}}, 0 outside
// CUDA: emulated attention_bf16_g2_d64_dv64_q32 on cuda:sm_80: 4 blocks x 128 threads
// CUDA: output 3: 10240 values, max abs error {{.*}}, 0 outside
// HIP: emulated attention_bf16_g2_d64_dv64_q32 on hip:gfx942: 4 blocks x 256 threads
// HIP: output 3: 10240 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<2x2x40x64xbf16>, %k: tensor<2x1x150x64xbf16>,
                %v: tensor<2x1x150x64xbf16>) -> tensor<2x2x40x64xbf16> {
  %o = seq.attention %q, %k, %v
      : tensor<2x2x40x64xbf16>, tensor<2x1x150x64xbf16>,
        tensor<2x1x150x64xbf16> -> tensor<2x2x40x64xbf16>
  return %o : tensor<2x2x40x64xbf16>
}

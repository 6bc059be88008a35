// Tolerance (bf16): rtol 2e-2 / atol 2e-2, as the other bf16 attention
// tests (bf16 output and bf16 P for P.V; the golden is the float64
// reference).
//
// Sliding window (Mistral, Qwen2, Gemma-2: key j of query position p kept
// when j > p - W) with causal masking and Gemma-2's softcap (c tanh(s / c)
// on the scaled score, inlined in the score path: one exp2 and a division
// per score, no device library) in the prefill kernels: bf16, GQA 2:1,
// D = 64, 200 positions, window 24, softcap 1.5, emulated for
// cuda:sm_90a (wgmma), cuda:sm_80 (mma.sync) and hip:gfx942 (MFMA)
// against gen/gen_attention_gpu.py's PyTorch golden
// (Inputs/attn_gpu_window_softcap): 7 query blocks of 32 positions x 2
// heads, key tiles of 64. Window block skipping: a block's key loop starts
// at its first position's window, max(0, p0 + Skv - Sq - 23) (the block of
// positions 160..191 at key 137: no key tile before it is loaded); causal
// skipping ends it after the last position.
// attention_mutations.test: the window one key wider fails.

// DEFINE: %{args} = --arg 0=%S/Inputs/attn_gpu_window_softcap/q.npy \
// DEFINE:   --arg 1=%S/Inputs/attn_gpu_window_softcap/k.npy \
// DEFINE:   --arg 2=%S/Inputs/attn_gpu_window_softcap/v.npy \
// DEFINE:   --expect 3=%S/Inputs/attn_gpu_window_softcap/out.npy \
// DEFINE:   --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: FileCheck %s --check-prefix=IR < %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{args} | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=cuda:sm_90a -emit=gpu-kernels -o %t.sm90a.mlir
// RUN: FileCheck %s --check-prefix=IR < %t.sm90a.mlir
// RUN: seq-gpu-emu %t.sm90a.mlir %{args} | FileCheck %s --check-prefix=WGMMA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: FileCheck %s --check-prefix=IR < %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{args} | FileCheck %s --check-prefix=HIP

// The kernel's name carries the window and softcap's f32 bits (1.5).
// IR: gpu.func @attention_bf16_g2_d64_dv64_q32_causal_w24_sc3fc00000(
// IR: %[[C23:.*]] = arith.constant 23 : index
// The skip bound: keys from max(0, p0 + Skv - Sq - 23); the loop over the
// key tiles starts there.
// IR: %[[FIRST:.*]] = arith.subi %{{.*}}, %[[C23]] : index
// IR-NEXT: %[[BEGIN:.*]] = arith.maxsi %[[FIRST]], %c0 : index
// IR: scf.for %{{.*}} = %[[BEGIN]] to %{{.*}} step %c{{32|64}}
// IR: llvm.intr.exp2
// IR: arith.divf

// CUDA: emulated attention_bf16_g2_d64_dv64_q32_causal_w24_sc3fc00000 on cuda:sm_80: 7 blocks x 128 threads
// CUDA: output 3: 25600 values, max abs error {{.*}}, 0 outside
// WGMMA: emulated attention_bf16_g2_d64_dv64_q32_causal_w24_sc3fc00000 on cuda:sm_90a: 7 blocks x 128 threads
// WGMMA: output 3: 25600 values, max abs error {{.*}}, 0 outside
// HIP: emulated attention_bf16_g2_d64_dv64_q32_causal_w24_sc3fc00000 on hip:gfx942: 7 blocks x 256 threads
// HIP: output 3: 25600 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<1x2x200x64xbf16>, %k: tensor<1x1x200x64xbf16>,
                %v: tensor<1x1x200x64xbf16>) -> tensor<1x2x200x64xbf16> {
  %o = seq.attention %q, %k, %v causal window(24) softcap(1.5)
      : tensor<1x2x200x64xbf16>, tensor<1x1x200x64xbf16>,
        tensor<1x1x200x64xbf16> -> tensor<1x2x200x64xbf16>
  return %o : tensor<1x2x200x64xbf16>
}

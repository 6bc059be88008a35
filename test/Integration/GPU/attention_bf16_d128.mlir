// Tolerance (bf16): rtol 2e-2 / atol 2e-2 (bf16 output and bf16 P for P.V:
// 8-bit significands; the golden is the float64 reference).
//
// FlashAttention-2 prefill at head dim 128, emulated for cuda:sm_80 and
// hip:gfx942 against gen/gen_attention_gpu.py's PyTorch golden
// (Inputs/attn_gpu_bf16_d128): MHA, explicit scale 0.1, not causal, 24
// queries against 72 keys. One query block per head: 24 positions (the
// known query count) in two warps, 8 padding rows (never stored); three
// key tiles of 32, the last partial.

// DEFINE: %{args} = --arg 0=%S/Inputs/attn_gpu_bf16_d128/q.npy \
// DEFINE:   --arg 1=%S/Inputs/attn_gpu_bf16_d128/k.npy \
// DEFINE:   --arg 2=%S/Inputs/attn_gpu_bf16_d128/v.npy \
// DEFINE:   --expect 3=%S/Inputs/attn_gpu_bf16_d128/out.npy \
// DEFINE:   --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{args} | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{args} | FileCheck %s --check-prefix=HIP

// CUDA: emulated attention_bf16_g1_d128_dv128_q24_s3dcccccd on cuda:sm_80: 2 blocks x 64 threads, 8 barriers
// CUDA: output 3: 6144 values, max abs error {{.*}}, 0 outside
// HIP: emulated attention_bf16_g1_d128_dv128_q24_s3dcccccd on hip:gfx942: 2 blocks x 128 threads, 12 barriers
// HIP: output 3: 6144 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<1x2x24x128xbf16>, %k: tensor<1x2x72x128xbf16>,
                %v: tensor<1x2x72x128xbf16>) -> tensor<1x2x24x128xbf16> {
  %o = seq.attention %q, %k, %v scale(0.1)
      : tensor<1x2x24x128xbf16>, tensor<1x2x72x128xbf16>,
        tensor<1x2x72x128xbf16> -> tensor<1x2x24x128xbf16>
  return %o : tensor<1x2x24x128xbf16>
}

// Tolerance (bf16): rtol 2e-2 / atol 2e-2, as the other bf16 attention
// tests (the golden is the float64 reference).
//
// A non-causal sliding window with softcap at head dim 128: bf16 MHA,
// 40 queries against 120 keys (bottom-right: query i at 80 + i keeps
// keys 51 + i .. 119), window 30, softcap 3.0, emulated for cuda:sm_90a
// (wgmma, key tiles of 32), cuda:sm_80 and hip:gfx942 against
// gen/gen_attention_gpu.py's PyTorch golden (Inputs/attn_gpu_window_d128):
// one query block of 40 positions (24 padding rows on wgmma), keys from 51
// (the block's first position's window): tiles [51, 83), [83, 115),
// [115, 120); keys 0..50 are never loaded.

// DEFINE: %{args} = --arg 0=%S/Inputs/attn_gpu_window_d128/q.npy \
// DEFINE:   --arg 1=%S/Inputs/attn_gpu_window_d128/k.npy \
// DEFINE:   --arg 2=%S/Inputs/attn_gpu_window_d128/v.npy \
// DEFINE:   --expect 3=%S/Inputs/attn_gpu_window_d128/out.npy \
// DEFINE:   --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cuda:sm_90a -emit=gpu-kernels -o %t.sm90a.mlir
// RUN: seq-gpu-emu %t.sm90a.mlir %{args} | FileCheck %s --check-prefix=WGMMA
// RUN: seqc %s --target=cuda:sm_80 -emit=gpu-kernels -o %t.cuda.mlir
// RUN: seq-gpu-emu %t.cuda.mlir %{args} | FileCheck %s --check-prefix=CUDA
// RUN: seqc %s --target=hip:gfx942 -emit=gpu-kernels -o %t.hip.mlir
// RUN: seq-gpu-emu %t.hip.mlir %{args} | FileCheck %s --check-prefix=HIP

// WGMMA: emulated attention_bf16_g1_d128_dv128_q40_w30_sc40400000 on cuda:sm_90a: 2 blocks x 128 threads
// WGMMA: output 3: 10240 values, max abs error {{.*}}, 0 outside
// CUDA: emulated attention_bf16_g1_d128_dv128_q40_w30_sc40400000 on cuda:sm_80: 2 blocks x 96 threads
// CUDA: output 3: 10240 values, max abs error {{.*}}, 0 outside
// HIP: emulated attention_bf16_g1_d128_dv128_q40_w30_sc40400000 on hip:gfx942: 2 blocks x 192 threads
// HIP: output 3: 10240 values, max abs error {{.*}}, 0 outside

func.func @main(%q: tensor<1x2x40x128xbf16>, %k: tensor<1x2x120x128xbf16>,
                %v: tensor<1x2x120x128xbf16>) -> tensor<1x2x40x128xbf16> {
  %o = seq.attention %q, %k, %v window(30) softcap(3.0)
      : tensor<1x2x40x128xbf16>, tensor<1x2x120x128xbf16>,
        tensor<1x2x120x128xbf16> -> tensor<1x2x40x128xbf16>
  return %o : tensor<1x2x40x128xbf16>
}

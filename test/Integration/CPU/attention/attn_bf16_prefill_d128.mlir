// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit
// significand); the same for the f32 LSE (its scores come from bf16
// products summed in f32).
//
// bf16 prefill at head dim 128 through the rows-in-lanes kernels: GQA 4:2
// (32-row tiles), causal, 200 queries and keys (KV blocks of 64 and a
// partial one; the last query tile of 8 rows takes the general path), LSE
// result. Compiled for the host (its tiles have 2 or more row vectors, so
// Q.K^T runs as 16-lane FMAs on an f32 key copy even on an AVX512_BF16
// host, no vdpbf16ps: checked in the object below; the dot path is
// attn_bf16_prefill_dot.mlir), for 16 lanes without the feature, and for
// AVX2 (znver3: 8 lanes, f32 FMAs); all three against the same float64
// golden rounded to bf16.
// Inputs and golden outputs: Inputs/attn_bf16_prefill_d128/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_bf16_prefill_d128/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_bf16_prefill_d128/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_bf16_prefill_d128/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_bf16_prefill_d128/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_bf16_prefill_d128/lse.npy \
// RUN:   --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cpu -emit=obj -o %t.o
// RUN: llvm-objdump -d %t.o | FileCheck %s --implicit-check-not=vdpbf16ps
// RUN: seqc %s --target=cpu -mattr=-avx512bf16 -o %t.nodot.seqpkg
// RUN: seqrun %t.nodot.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_bf16_prefill_d128/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_bf16_prefill_d128/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_bf16_prefill_d128/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_bf16_prefill_d128/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_bf16_prefill_d128/lse.npy \
// RUN:   --rtol 2e-2 --atol 2e-2
// RUN: seqc %s --target=cpu -cpu=znver3 -o %t.avx2.seqpkg
// RUN: seqrun %t.avx2.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_bf16_prefill_d128/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_bf16_prefill_d128/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_bf16_prefill_d128/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_bf16_prefill_d128/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_bf16_prefill_d128/lse.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

// CHECK: vfmadd

func.func @main(%q: tensor<1x4x200x128xbf16>, %k: tensor<1x2x200x128xbf16>,
                %v: tensor<1x2x200x128xbf16>)
    -> (tensor<1x4x200x128xbf16>, tensor<1x4x200xf32>) {
  %o, %lse = seq.attention %q, %k, %v causal
      : tensor<1x4x200x128xbf16>, tensor<1x2x200x128xbf16>, tensor<1x2x200x128xbf16>
      -> tensor<1x4x200x128xbf16>, tensor<1x4x200xf32>
  return %o, %lse : tensor<1x4x200x128xbf16>, tensor<1x4x200xf32>
}

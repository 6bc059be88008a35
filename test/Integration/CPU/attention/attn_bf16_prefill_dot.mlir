// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit
// significand); the same for the f32 LSE (its scores come from bf16
// products summed in f32).
//
// bf16 MHA prefill at head dim 128, causal, 32 queries and keys, LSE
// result. With --query-tile=16 on 16 lanes each tile is one row vector,
// the only tiles whose Q.K^T runs on vdpbf16ps on an AVX512_BF16 host
// (TilingOptions::attentionBF16DotMaxRowVectors; checked in the object
// below). The target's own tile (64 rows on AVX-512, shrunk to the 32
// static queries: 2 row vectors) uses 16-lane FMAs on an f32 copy of each
// key block. Both against the same float64 golden rounded to bf16.
// Inputs and golden outputs: Inputs/attn_bf16_prefill_dot/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu --query-tile=16 -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_bf16_prefill_dot/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_bf16_prefill_dot/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_bf16_prefill_dot/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_bf16_prefill_dot/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_bf16_prefill_dot/lse.npy \
// RUN:   --rtol 2e-2 --atol 2e-2
// RUN: %if host-avx512bf16 %{ seqc %s --target=cpu --query-tile=16 -emit=obj -o %t.o %}
// RUN: %if host-avx512bf16 %{ llvm-objdump -d %t.o | FileCheck %s %}
// RUN: seqc %s --target=cpu -o %t.tile.seqpkg
// RUN: seqrun %t.tile.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_bf16_prefill_dot/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_bf16_prefill_dot/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_bf16_prefill_dot/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_bf16_prefill_dot/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_bf16_prefill_dot/lse.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

// CHECK: vdpbf16ps

func.func @main(%q: tensor<1x1x32x128xbf16>, %k: tensor<1x1x32x128xbf16>,
                %v: tensor<1x1x32x128xbf16>)
    -> (tensor<1x1x32x128xbf16>, tensor<1x1x32xf32>) {
  %o, %lse = seq.attention %q, %k, %v causal
      : tensor<1x1x32x128xbf16>, tensor<1x1x32x128xbf16>, tensor<1x1x32x128xbf16>
      -> tensor<1x1x32x128xbf16>, tensor<1x1x32xf32>
  return %o, %lse : tensor<1x1x32x128xbf16>, tensor<1x1x32xf32>
}

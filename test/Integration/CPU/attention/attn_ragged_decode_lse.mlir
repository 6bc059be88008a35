// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Decode (Sq = 1) against 64-slot caches with kv_lengths = [64, 33, 1], GQA
// 8:2, with the LSE result.
// Inputs and golden outputs: Inputs/attn_ragged_decode_lse/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_ragged_decode_lse/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_ragged_decode_lse/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_ragged_decode_lse/v.npy \
// RUN:   --input 3=%S/../Inputs/attn_ragged_decode_lse/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/attn_ragged_decode_lse/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_ragged_decode_lse/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<3x8x1x16xf32>, %k: tensor<3x2x64x16xf32>,
                %v: tensor<3x2x64x16xf32>, %len: tensor<3xi32>)
    -> (tensor<3x8x1x16xf32>, tensor<3x8x1xf32>) {
  %o, %lse = seq.attention %q, %k, %v kv_lengths(%len : tensor<3xi32>)
      : tensor<3x8x1x16xf32>, tensor<3x2x64x16xf32>, tensor<3x2x64x16xf32>
      -> tensor<3x8x1x16xf32>, tensor<3x8x1xf32>
  return %o, %lse : tensor<3x8x1x16xf32>, tensor<3x8x1xf32>
}

// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Decode (Sq = 1) through the group kernel: 6 query heads per KV head (the
// scores in register blocks of 4 and 2 heads, each key row loaded once per
// block, summed into vectors of keys by shuffles), D=64, kv_lengths
// [520, 261] (neither whole vectors nor whole 64-key blocks; the KV range is
// split and merged by log-sum-exp), with the LSE result.
// Inputs and golden outputs: Inputs/attn_decode_group/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -emit=tiled -o - | FileCheck %s
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_decode_group/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_decode_group/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_decode_group/v.npy \
// RUN:   --input 3=%S/../Inputs/attn_decode_group/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/attn_decode_group/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_decode_group/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

// The group kernel: the transposed sums of the scores.
// CHECK: vector.shuffle

func.func @main(%q: tensor<2x6x1x64xf32>, %k: tensor<2x1x520x64xf32>,
                %v: tensor<2x1x520x64xf32>, %len: tensor<2xi32>)
    -> (tensor<2x6x1x64xf32>, tensor<2x6x1xf32>) {
  %o, %lse = seq.attention %q, %k, %v kv_lengths(%len : tensor<2xi32>)
      : tensor<2x6x1x64xf32>, tensor<2x1x520x64xf32>, tensor<2x1x520x64xf32>
      -> tensor<2x6x1x64xf32>, tensor<2x6x1xf32>
  return %o, %lse : tensor<2x6x1x64xf32>, tensor<2x6x1xf32>
}

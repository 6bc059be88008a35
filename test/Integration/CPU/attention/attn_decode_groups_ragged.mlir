// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Decode (Sq = 1) through the group kernel with the score loop's software
// prefetch (per key, the K row attentionDecodePrefetchKeys on (TilingOptions:
// one vector of keys at 16 lanes, 4 below), clamped to the
// tile's last key, and the key's V row) at GQA group sizes 1 (MHA, D64), 4
// (D32, 600 keys: the KV range split in two and merged by log-sum-exp) and 8
// (D64), ragged kv_lengths (1, and lengths that are neither whole vectors
// nor whole 64-key blocks), with the LSE results.
// Inputs and golden outputs: Inputs/attn_decode_groups_ragged/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -emit=tiled -o - | FileCheck %s
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_decode_groups_ragged/q_g1.npy \
// RUN:   --input 1=%S/../Inputs/attn_decode_groups_ragged/k_g1.npy \
// RUN:   --input 2=%S/../Inputs/attn_decode_groups_ragged/v_g1.npy \
// RUN:   --input 3=%S/../Inputs/attn_decode_groups_ragged/kv_lengths_g1.npy \
// RUN:   --input 4=%S/../Inputs/attn_decode_groups_ragged/q_g4.npy \
// RUN:   --input 5=%S/../Inputs/attn_decode_groups_ragged/k_g4.npy \
// RUN:   --input 6=%S/../Inputs/attn_decode_groups_ragged/v_g4.npy \
// RUN:   --input 7=%S/../Inputs/attn_decode_groups_ragged/kv_lengths_g4.npy \
// RUN:   --input 8=%S/../Inputs/attn_decode_groups_ragged/q_g8.npy \
// RUN:   --input 9=%S/../Inputs/attn_decode_groups_ragged/k_g8.npy \
// RUN:   --input 10=%S/../Inputs/attn_decode_groups_ragged/v_g8.npy \
// RUN:   --input 11=%S/../Inputs/attn_decode_groups_ragged/kv_lengths_g8.npy \
// RUN:   --expect 0=%S/../Inputs/attn_decode_groups_ragged/out_g1.npy \
// RUN:   --expect 1=%S/../Inputs/attn_decode_groups_ragged/lse_g1.npy \
// RUN:   --expect 2=%S/../Inputs/attn_decode_groups_ragged/out_g4.npy \
// RUN:   --expect 3=%S/../Inputs/attn_decode_groups_ragged/lse_g4.npy \
// RUN:   --expect 4=%S/../Inputs/attn_decode_groups_ragged/out_g8.npy \
// RUN:   --expect 5=%S/../Inputs/attn_decode_groups_ragged/lse_g8.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

// The score loop's hints: 8 K lines and 8 V lines per key at D64 f32.
// CHECK-COUNT-16: memref.prefetch
// CHECK: vector.shuffle

func.func @main(
    %q1: tensor<2x2x1x64xf32>, %k1: tensor<2x2x150x64xf32>, %v1: tensor<2x2x150x64xf32>, %len1: tensor<2xi32>,
    %q4: tensor<3x4x1x32xf32>, %k4: tensor<3x1x600x32xf32>, %v4: tensor<3x1x600x32xf32>, %len4: tensor<3xi32>,
    %q8: tensor<2x16x1x64xf32>, %k8: tensor<2x2x160x64xf32>, %v8: tensor<2x2x160x64xf32>, %len8: tensor<2xi32>)
    -> (tensor<2x2x1x64xf32>, tensor<2x2x1xf32>, tensor<3x4x1x32xf32>, tensor<3x4x1xf32>, tensor<2x16x1x64xf32>, tensor<2x16x1xf32>) {
  %o1, %lse1 = seq.attention %q1, %k1, %v1 kv_lengths(%len1 : tensor<2xi32>)
      : tensor<2x2x1x64xf32>, tensor<2x2x150x64xf32>, tensor<2x2x150x64xf32>
      -> tensor<2x2x1x64xf32>, tensor<2x2x1xf32>
  %o4, %lse4 = seq.attention %q4, %k4, %v4 kv_lengths(%len4 : tensor<3xi32>)
      : tensor<3x4x1x32xf32>, tensor<3x1x600x32xf32>, tensor<3x1x600x32xf32>
      -> tensor<3x4x1x32xf32>, tensor<3x4x1xf32>
  %o8, %lse8 = seq.attention %q8, %k8, %v8 kv_lengths(%len8 : tensor<2xi32>)
      : tensor<2x16x1x64xf32>, tensor<2x2x160x64xf32>, tensor<2x2x160x64xf32>
      -> tensor<2x16x1x64xf32>, tensor<2x16x1xf32>
  return %o1, %lse1, %o4, %lse4, %o8, %lse8
      : tensor<2x2x1x64xf32>, tensor<2x2x1xf32>, tensor<3x4x1x32xf32>, tensor<3x4x1xf32>, tensor<2x16x1x64xf32>, tensor<2x16x1xf32>
}

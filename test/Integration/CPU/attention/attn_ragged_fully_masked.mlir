// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//   The -inf entries of lse.npy must be exactly -inf.
//
// Ragged kv_lengths = [24, 10, 2, 0] with 3 causal queries. Row 2 puts query
// 0 at p = -1 (no visible key) and row 3 has no keys at all: fully masked
// query rows must be zeros (not NaN) with an LSE of -inf. The golden LSE
// holds -inf there; seqrun counts equal infinities as a match.
// Inputs and golden outputs: Inputs/attn_ragged_fully_masked/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_ragged_fully_masked/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_ragged_fully_masked/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_ragged_fully_masked/v.npy \
// RUN:   --input 3=%S/../Inputs/attn_ragged_fully_masked/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/attn_ragged_fully_masked/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_ragged_fully_masked/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<4x4x3x16xf32>, %k: tensor<4x2x24x16xf32>,
                %v: tensor<4x2x24x16xf32>, %len: tensor<4xi32>)
    -> (tensor<4x4x3x16xf32>, tensor<4x4x3xf32>) {
  %o, %lse = seq.attention %q, %k, %v kv_lengths(%len : tensor<4xi32>) causal
      : tensor<4x4x3x16xf32>, tensor<4x2x24x16xf32>, tensor<4x2x24x16xf32>
      -> tensor<4x4x3x16xf32>, tensor<4x4x3xf32>
  return %o, %lse : tensor<4x4x3x16xf32>, tensor<4x4x3xf32>
}

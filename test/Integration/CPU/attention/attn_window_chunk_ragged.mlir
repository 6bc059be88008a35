// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Causal window(10) on a 6-query chunk against ragged caches (kv_lengths =
// [30, 17] of 32 slots): row b aligns query i at p(i) = L_b - 6 + i and keeps
// p(i) - 10 < j <= p(i); keys j >= L_b are masked.
// Inputs and golden outputs: Inputs/attn_window_chunk_ragged/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_window_chunk_ragged/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_window_chunk_ragged/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_window_chunk_ragged/v.npy \
// RUN:   --input 3=%S/../Inputs/attn_window_chunk_ragged/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/attn_window_chunk_ragged/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<2x4x6x16xf32>, %k: tensor<2x4x32x16xf32>,
                %v: tensor<2x4x32x16xf32>, %len: tensor<2xi32>)
    -> tensor<2x4x6x16xf32> {
  %o = seq.attention %q, %k, %v kv_lengths(%len : tensor<2xi32>) causal window(10)
      : tensor<2x4x6x16xf32>, tensor<2x4x32x16xf32>, tensor<2x4x32x16xf32>
      -> tensor<2x4x6x16xf32>
  return %o : tensor<2x4x6x16xf32>
}

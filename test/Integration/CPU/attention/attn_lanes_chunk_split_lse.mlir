// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Whole 16-row query tiles (the rows-in-lanes kernels: Q^T packed, scores
// in the log2 domain, vector exp2) as a 32-token chunk of 1200-slot caches
// with kv_lengths = [1200, 700], GQA 4:2, causal bottom-right with a
// window of 300: 8 tiles split the KV range 4 ways, merged by log-sum-exp
// from the partial maxima brought back to the natural-log domain; LSE
// result.
// Inputs and golden outputs: Inputs/attn_lanes_chunk_split_lse/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_lanes_chunk_split_lse/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_lanes_chunk_split_lse/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_lanes_chunk_split_lse/v.npy \
// RUN:   --input 3=%S/../Inputs/attn_lanes_chunk_split_lse/kv_lengths.npy \
// RUN:   --expect 0=%S/../Inputs/attn_lanes_chunk_split_lse/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_lanes_chunk_split_lse/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<2x4x32x32xf32>, %k: tensor<2x2x1200x32xf32>,
                %v: tensor<2x2x1200x32xf32>, %len: tensor<2xi32>)
    -> (tensor<2x4x32x32xf32>, tensor<2x4x32xf32>) {
  %o, %lse = seq.attention %q, %k, %v kv_lengths(%len : tensor<2xi32>) causal
      window(300)
      : tensor<2x4x32x32xf32>, tensor<2x2x1200x32xf32>, tensor<2x2x1200x32xf32>
      -> tensor<2x4x32x32xf32>, tensor<2x4x32xf32>
  return %o, %lse : tensor<2x4x32x32xf32>, tensor<2x4x32xf32>
}

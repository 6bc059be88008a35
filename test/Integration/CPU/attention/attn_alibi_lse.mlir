// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// ALiBi as a score_mod region capturing the slopes (2^-2, 2^-4, 2^-6, 2^-8),
// 4 queries against ragged caches (kv_lengths = [12, 9]), causal. The bias
// is slope[h] * (j - i) with i the query ROW (q_idx), not its key position
// p(i): the output cannot tell (a per-row constant), the LSE result can.
// Inputs and golden outputs: Inputs/attn_alibi_lse/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_alibi_lse/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_alibi_lse/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_alibi_lse/v.npy \
// RUN:   --input 3=%S/../Inputs/attn_alibi_lse/kv_lengths.npy \
// RUN:   --input 4=%S/../Inputs/attn_alibi_lse/slopes.npy \
// RUN:   --expect 0=%S/../Inputs/attn_alibi_lse/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_alibi_lse/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<2x4x4x16xf32>, %k: tensor<2x4x12x16xf32>,
                %v: tensor<2x4x12x16xf32>, %len: tensor<2xi32>,
                %slopes: tensor<4xf32>)
    -> (tensor<2x4x4x16xf32>, tensor<2x4x4xf32>) {
  %o, %lse = seq.attention %q, %k, %v kv_lengths(%len : tensor<2xi32>) causal
      score_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
    %slope = tensor.extract %slopes[%h] : tensor<4xf32>
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %d = arith.subi %jj, %ii : i64
    %df = arith.sitofp %d : i64 to f32
    %bias = arith.mulf %slope, %df : f32
    %r = arith.addf %s, %bias : f32
    seq.yield %r : f32
  } : tensor<2x4x4x16xf32>, tensor<2x4x12x16xf32>, tensor<2x4x12x16xf32>
      -> tensor<2x4x4x16xf32>, tensor<2x4x4xf32>
  return %o, %lse : tensor<2x4x4x16xf32>, tensor<2x4x4xf32>
}

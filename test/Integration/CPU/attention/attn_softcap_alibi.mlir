// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Order of score modifications: the softcap applies to the scaled score and
// score_mod (ALiBi, slope[h] * (j - i)) is added after it:
// s' = 4 tanh(scale * q.k / 4) + slope[h] * (j - i).
// Inputs and golden outputs: Inputs/attn_softcap_alibi/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_softcap_alibi/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_softcap_alibi/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_softcap_alibi/v.npy \
// RUN:   --input 3=%S/../Inputs/attn_softcap_alibi/slopes.npy \
// RUN:   --expect 0=%S/../Inputs/attn_softcap_alibi/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<1x4x10x16xf32>, %k: tensor<1x4x10x16xf32>,
                %v: tensor<1x4x10x16xf32>, %slopes: tensor<4xf32>)
    -> tensor<1x4x10x16xf32> {
  %o = seq.attention %q, %k, %v causal softcap(4.0) score_mod {
  ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
    %slope = tensor.extract %slopes[%h] : tensor<4xf32>
    %ii = arith.index_cast %i : index to i64
    %jj = arith.index_cast %j : index to i64
    %d = arith.subi %jj, %ii : i64
    %df = arith.sitofp %d : i64 to f32
    %bias = arith.mulf %slope, %df : f32
    %r = arith.addf %s, %bias : f32
    seq.yield %r : f32
  } : tensor<1x4x10x16xf32>, tensor<1x4x10x16xf32>, tensor<1x4x10x16xf32>
      -> tensor<1x4x10x16xf32>
  return %o : tensor<1x4x10x16xf32>
}

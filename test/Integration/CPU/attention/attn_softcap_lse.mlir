// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Gemma-2 softcap: s -> 5 * tanh(s / 5) after the default scale, on scores
// large enough to saturate (q drawn with std 3); causal, GQA 4:2, LSE of the
// capped scores.
// Inputs and golden outputs: Inputs/attn_softcap_lse/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_softcap_lse/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_softcap_lse/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_softcap_lse/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_softcap_lse/out.npy \
// RUN:   --expect 1=%S/../Inputs/attn_softcap_lse/lse.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<1x4x24x32xf32>, %k: tensor<1x2x24x32xf32>,
                %v: tensor<1x2x24x32xf32>)
    -> (tensor<1x4x24x32xf32>, tensor<1x4x24xf32>) {
  %o, %lse = seq.attention %q, %k, %v causal softcap(5.0)
      : tensor<1x4x24x32xf32>, tensor<1x2x24x32xf32>, tensor<1x2x24x32xf32>
      -> tensor<1x4x24x32xf32>, tensor<1x4x24xf32>
  return %o, %lse : tensor<1x4x24x32xf32>, tensor<1x4x24xf32>
}

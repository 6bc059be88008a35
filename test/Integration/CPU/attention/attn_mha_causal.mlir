// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// MHA prefill (B=2, H=4, S=16, D=32), causal, default scale 1/sqrt(32).
// Reference: torch SDPA with an explicit causal float mask.
// Inputs and golden outputs: Inputs/attn_mha_causal/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_mha_causal/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_mha_causal/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_mha_causal/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_mha_causal/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<2x4x16x32xf32>, %k: tensor<2x4x16x32xf32>,
                %v: tensor<2x4x16x32xf32>) -> tensor<2x4x16x32xf32> {
  %o = seq.attention %q, %k, %v causal
      : tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>, tensor<2x4x16x32xf32>
      -> tensor<2x4x16x32xf32>
  return %o : tensor<2x4x16x32xf32>
}

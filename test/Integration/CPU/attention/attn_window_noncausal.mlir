// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// window(6) without causal. The documented bound is one-sided ("window(W)
// keeps keys j > p(i) - W"): query i attends keys i-5 .. 19, future keys
// included.
// Inputs and golden outputs: Inputs/attn_window_noncausal/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_window_noncausal/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_window_noncausal/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_window_noncausal/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_window_noncausal/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<1x2x20x16xf32>, %k: tensor<1x2x20x16xf32>,
                %v: tensor<1x2x20x16xf32>) -> tensor<1x2x20x16xf32> {
  %o = seq.attention %q, %k, %v window(6)
      : tensor<1x2x20x16xf32>, tensor<1x2x20x16xf32>, tensor<1x2x20x16xf32>
      -> tensor<1x2x20x16xf32>
  return %o : tensor<1x2x20x16xf32>
}

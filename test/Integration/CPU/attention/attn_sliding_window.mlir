// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Mistral-style causal sliding window of 8 keys (the current one included):
// query i attends keys i-7 .. i. S=40, GQA 4:2.
// Inputs and golden outputs: Inputs/attn_sliding_window/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_sliding_window/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_sliding_window/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_sliding_window/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_sliding_window/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<1x4x40x16xf32>, %k: tensor<1x2x40x16xf32>,
                %v: tensor<1x2x40x16xf32>) -> tensor<1x4x40x16xf32> {
  %o = seq.attention %q, %k, %v causal window(8)
      : tensor<1x4x40x16xf32>, tensor<1x2x40x16xf32>, tensor<1x2x40x16xf32>
      -> tensor<1x4x40x16xf32>
  return %o : tensor<1x4x40x16xf32>
}

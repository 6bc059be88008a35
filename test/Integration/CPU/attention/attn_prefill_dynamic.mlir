// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// Dynamic shapes: causal prefill whose sequence length is only known at run
// time (37 tokens in the input files, not a multiple of any tile size).
// Inputs and golden outputs: Inputs/attn_prefill_dynamic/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_prefill_dynamic/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_prefill_dynamic/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_prefill_dynamic/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_prefill_dynamic/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<1x4x?x32xf32>, %k: tensor<1x4x?x32xf32>,
                %v: tensor<1x4x?x32xf32>) -> tensor<1x4x?x32xf32> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>, tensor<1x4x?x32xf32>
      -> tensor<1x4x?x32xf32>
  return %o : tensor<1x4x?x32xf32>
}

// Tolerance (f32): rtol 1e-4 / atol 1e-5, the f32 default.
//
// GQA (8 query heads on 2 KV heads: head h reads kv head h / 4) with Sq=5 <
// Skv=19: causal is aligned bottom-right, query i sits at key 14 + i.
// Reference: SDPA on repeat_interleave'd K/V with a bottom-right float mask.
// Inputs and golden outputs: Inputs/attn_gqa_causal_chunk/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_gqa_causal_chunk/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_gqa_causal_chunk/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_gqa_causal_chunk/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_gqa_causal_chunk/out.npy \
// RUN:   --rtol 1e-4 --atol 1e-5

func.func @main(%q: tensor<2x8x5x16xf32>, %k: tensor<2x2x19x16xf32>,
                %v: tensor<2x2x19x16xf32>) -> tensor<2x8x5x16xf32> {
  %o = seq.attention %q, %k, %v causal
      : tensor<2x8x5x16xf32>, tensor<2x2x19x16xf32>, tensor<2x2x19x16xf32>
      -> tensor<2x8x5x16xf32>
  return %o : tensor<2x8x5x16xf32>
}

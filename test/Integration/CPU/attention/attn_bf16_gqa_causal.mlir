// Tolerance (bf16): rtol 2e-2 / atol 2e-2, the bf16 default (8-bit significand).
//
// bf16 storage (scores and softmax in f32), causal, GQA 4:2, D=64. The .npy
// files hold bf16-exact values as float32 (see gen/README.md); the golden is
// the float64 reference rounded to bf16.
// Inputs and golden outputs: Inputs/attn_bf16_gqa_causal/, written by gen/gen_attention.py.

// REQUIRES: cpu-lowering-attention
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry main \
// RUN:   --input 0=%S/../Inputs/attn_bf16_gqa_causal/q.npy \
// RUN:   --input 1=%S/../Inputs/attn_bf16_gqa_causal/k.npy \
// RUN:   --input 2=%S/../Inputs/attn_bf16_gqa_causal/v.npy \
// RUN:   --expect 0=%S/../Inputs/attn_bf16_gqa_causal/out.npy \
// RUN:   --rtol 2e-2 --atol 2e-2

func.func @main(%q: tensor<1x4x32x64xbf16>, %k: tensor<1x2x32x64xbf16>,
                %v: tensor<1x2x32x64xbf16>) -> tensor<1x4x32x64xbf16> {
  %o = seq.attention %q, %k, %v causal
      : tensor<1x4x32x64xbf16>, tensor<1x2x32x64xbf16>, tensor<1x2x32x64xbf16>
      -> tensor<1x4x32x64xbf16>
  return %o : tensor<1x4x32x64xbf16>
}
